#!/usr/bin/env bash
# Host-to-host benchmark: ping-pong latency and throughput of std_msgs/UInt8MultiArray messages
# between two network namespaces (a veth pair, 10.78.0.1/24 and 10.78.0.2/24) through two
# `hazcat bridge`s (each namespace with its own HAZCAT_SHM_DIR), against bare Zenoh put/subscribe
# between the same namespaces, in alternating rounds of one run (bridge/examples/bridge_bench.rs):
#
#   scripts/bridge_bench.sh [--rounds N] [bridge_bench client args...]   e.g. --sizes 64,1048576
#
# Needs root (ip netns). Builds hazcat-bridge and the bridge_bench example in release mode against
# the Jazzy venv of scripts/ros_venv.sh (the bridge loads the message's type support from it).
# Prints one table and writes bench-results/bridge/bridge_bench.{csv,md,json,png} (raw.jsonl:
# every round; the PNG from scripts/bench_plot.sh's venv, skipped with a message without it).
# Namespaces, processes and shm directories are removed whatever happens.
set -euo pipefail
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "${repo_root}"
rounds=5
if [[ "${1:-}" == --rounds ]]; then rounds="$2"; shift 2; fi
if [[ "$(id -u)" != 0 ]]; then
  echo "bridge_bench: needs root (network namespaces)" >&2
  exit 1
fi
jazzy="$(scripts/ros_venv.sh jazzy)"
env ROS_DISTRO=jazzy AMENT_PREFIX_PATH="${jazzy}" \
  cargo build --release -p hazcat_bridge --bin hazcat-bridge --example bridge_bench --locked >&2
bin="${repo_root}/target/release"
out="${repo_root}/bench-results/bridge"
mkdir -p "${out}"

tag=$$
ns_a="hzbb${tag}a"
ns_b="hzbb${tag}b"
shm_a="$(mktemp -d /dev/shm/hzbench-XXXXXX)"
shm_b="$(mktemp -d /dev/shm/hzbench-XXXXXX)"
pids=()
cleanup() {
  local p ns
  for p in "${pids[@]}"; do kill "${p}" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "${p}" 2>/dev/null || true; done
  for ns in "${ns_a}" "${ns_b}"; do
    ip netns pids "${ns}" 2>/dev/null | xargs -r kill -9 2>/dev/null || true
    ip netns del "${ns}" 2>/dev/null || true
  done
  ip link del "hzbv${tag}a" 2>/dev/null || true
  rm -rf "${shm_a}" "${shm_b}"
}
trap cleanup EXIT
ip netns add "${ns_a}"
ip netns add "${ns_b}"
ip link add "hzbv${tag}a" type veth peer name "hzbv${tag}b"
for side in a b; do
  ns="hzbb${tag}${side}"
  ip link set "hzbv${tag}${side}" netns "${ns}"
  addr=10.78.0.1
  [[ "${side}" == b ]] && addr=10.78.0.2
  ip -n "${ns}" addr add "${addr}/24" dev "hzbv${tag}${side}"
  ip -n "${ns}" link set "hzbv${tag}${side}" up
  ip -n "${ns}" link set lo up
done

run_in() {  # NS SHM_DIR CMD...: in the background, its pid in $!
  local ns="$1" shm="$2"
  shift 2
  env -u LD_PRELOAD -u RMW_IMPLEMENTATION AMENT_PREFIX_PATH="${jazzy}" ROS_DOMAIN_ID=0 \
    HAZCAT_SHM_DIR="${shm}" HAZCAT_LOG=info ip netns exec "${ns}" "$@" &
}
ready() {  # LOG: waits for the bridge's ready line
  for _ in $(seq 300); do
    grep -q '^hazcat-bridge ready' "$1" 2>/dev/null && return 0
    sleep 0.1
  done
  echo "bridge_bench: bridge not ready: $(cat "$1")" >&2
  return 1
}
run_in "${ns_a}" "${shm_a}" "${bin}/hazcat-bridge" --listen tcp/10.78.0.1:7447 \
  >"${out}/bridge_a.log" 2>&1
pids+=($!)
ready "${out}/bridge_a.log"
run_in "${ns_b}" "${shm_b}" "${bin}/hazcat-bridge" --connect tcp/10.78.0.1:7447 \
  >"${out}/bridge_b.log" 2>&1
pids+=($!)
ready "${out}/bridge_b.log"
run_in "${ns_b}" "${shm_b}" "${bin}/examples/bridge_bench" server --transport hazcat
pids+=($!)
run_in "${ns_b}" "${shm_b}" "${bin}/examples/bridge_bench" server --transport zenoh \
  --listen tcp/10.78.0.2:7450
pids+=($!)

: >"${out}/raw.jsonl"
for round in $(seq "${rounds}"); do
  order=(zenoh hazcat)
  (( round % 2 == 0 )) && order=(hazcat zenoh)
  for transport in "${order[@]}"; do
    echo "round ${round}/${rounds}: ${transport}" >&2
    run_in "${ns_a}" "${shm_a}" "${bin}/examples/bridge_bench" client --transport "${transport}" \
      --connect tcp/10.78.0.2:7450 "$@" >"${out}/client.out"
    wait $!
    sed "s/^{/{\"round\":${round},/" "${out}/client.out" >>"${out}/raw.jsonl"
  done
done
rm -f "${out}/client.out"

machine="$(lscpu | sed -n 's/^Model name: *//p' | head -1), $(nproc) CPUs, $(uname -r); \
veth pair between two network namespaces; $(date -u +%Y-%m-%d)"
python3 benchmarks/bridge/summarize.py "${out}" "${machine}"
scripts/bench_plot.sh benchmarks/bridge/plot.py "${out}"
