#!/usr/bin/env bash
# rclrs over rmw_hazcat_rs: builds the rclrs (crates.io rclrs 0.8) relay node of test/rclrs_node
# against ROS 2 Jazzy from PyPI wheels, then runs it and an rclpy peer as separate processes over
# rmw_hazcat_rs and checks that every message makes the round trip rclpy -> rclrs -> rclpy with
# exact content. The same pair then runs over Fast DDS as a control.
#
#   scripts/rclrs_check.sh        -> last line: `rclrs: P passed, F failed` (one check per RMW
#                                    pair run), exit 0 iff F is 0
#
# Everything comes from registries, driven from here (cached: a second run rebuilds nothing):
#   1. the jazzy venv (scripts/ros_venv.sh jazzy, ros/requirements-jazzy.txt);
#   2. the generator venv target/rclrs/gen-venv (PyPI colcon-cargo-ros2, ros/requirements-rclrs.txt)
#      and, with it,
#      target/rclrs/bindings/<pkg>: Rust crates for std_msgs and the interfaces rclrs itself uses,
#      generated from the venv's .msg/.srv files (scripts/rclrs_bindings.py), regenerated only
#      when their inputs change;
#   3. `cargo build` of test/rclrs_node (rclrs and the rest from crates.io, Cargo.lock committed)
#      into target/rclrs/cargo; the binary runs without environment (see test/rclrs_node/build.rs);
#   4. the rmw library: HAZCAT_RMW_LIB, or else `cargo build -p rmw_hazcat` against the jazzy
#      venv, giving target/debug/librmw_hazcat_rs.so (or under CARGO_TARGET_DIR).
#
# Each run (hazcat, then Fast DDS) counts one case per message (HAZCAT_RCLRS_COUNT, default 100:
# short, non-ASCII, empty and up to ~100 KB strings). A run also fails when either process exits
# non-zero, does not report the expected RMW, or, over hazcat, when its private HAZCAT_SHM_DIR is
# not empty after both exited. Nothing waits on time: the processes wait for matches and for each
# echo; HAZCAT_RCLRS_TIMEOUT_S (default 60) only bounds those waits. HAZCAT_RCLRS_CONTROL=0 skips
# the Fast DDS control; HAZCAT_RCLRS_LINT=1 also runs `cargo fmt --check` and
# `cargo clippy -D warnings` on test/rclrs_node (scripts/test.sh does).
set -euo pipefail
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "${repo_root}"
count="${HAZCAT_RCLRS_COUNT:-100}"
export HAZCAT_RCLRS_TIMEOUT_S="${HAZCAT_RCLRS_TIMEOUT_S:-60}"
# Kill a process that outlives its own timeout by this much (it would be hung, not slow).
kill_after=$((HAZCAT_RCLRS_TIMEOUT_S + 30))
prefix="rs:"

# 1. ROS 2 Jazzy (PyPI wheels).
venv="$(scripts/ros_venv.sh jazzy)"
export ROS_DISTRO=jazzy

# 2. Generator venv and the generated message crates.
gen_req="ros/requirements-rclrs.txt"
gen_venv="${repo_root}/target/rclrs/gen-venv"
if ! cmp -s "${gen_req}" "${gen_venv}/requirements.txt" 2>/dev/null; then
  rm -rf "${gen_venv}"
  mkdir -p "$(dirname "${gen_venv}")"
  "$(command -v python3.11 || command -v python3)" -m venv "${gen_venv}"
  "${gen_venv}/bin/pip" install -q --disable-pip-version-check --no-deps -r "${gen_req}" >&2
  cp "${gen_req}" "${gen_venv}/requirements.txt"
fi
packages=(std_msgs builtin_interfaces rcl_interfaces action_msgs unique_identifier_msgs rosgraph_msgs)
bindings="target/rclrs/bindings"
stamp="$(cat "${gen_req}" ros/requirements-jazzy.txt scripts/rclrs_bindings.py \
  <(echo "${packages[*]}") | sha256sum | cut -d' ' -f1)"
if [[ "$(cat "${bindings}/.stamp" 2>/dev/null)" != "${stamp}" ]]; then
  rm -rf "${bindings}"
  AMENT_PREFIX_PATH="${venv}" "${gen_venv}/bin/python" scripts/rclrs_bindings.py \
    "${bindings}" "${packages[@]}"
  echo "${stamp}" >"${bindings}/.stamp"
fi

# 3. The rclrs relay.
AMENT_PREFIX_PATH="${venv}" cargo build --locked --manifest-path test/rclrs_node/Cargo.toml \
  --target-dir target/rclrs/cargo
relay="${repo_root}/target/rclrs/cargo/debug/hazcat_rclrs_relay"
if [[ "${HAZCAT_RCLRS_LINT:-0}" != 0 ]]; then
  (cd test/rclrs_node && cargo fmt --check)
  AMENT_PREFIX_PATH="${venv}" cargo clippy --locked --manifest-path test/rclrs_node/Cargo.toml \
    --target-dir target/rclrs/cargo --workspace --all-targets -- -D warnings
fi

# 4. The rmw library.
if [[ -z "${HAZCAT_RMW_LIB:-}" ]]; then
  AMENT_PREFIX_PATH="${venv}" cargo build --locked -p rmw_hazcat
fi
rmw_lib="$(realpath "${HAZCAT_RMW_LIB:-${CARGO_TARGET_DIR:-target}/debug/librmw_hazcat_rs.so}")"
[[ -f "${rmw_lib}" ]] || { echo "rclrs_check: no rmw library at ${rmw_lib}" >&2; exit 1; }

# Each pair run (over hazcat, over the Fast DDS control) is one check.
passed=0
failed=0
round_trips=0
work="$(mktemp -d "${TMPDIR:-/tmp}/rclrs_check.XXXXXX")"
shm_dir=""
cleanup() {
  [[ -n "${shm_dir}" ]] && rm -rf "${shm_dir}"
  rm -rf "${work}"
}
trap cleanup EXIT

# run_pair NAME RMW_ID ENV... : relay in the background, peer in the foreground, both with ENV.
run_pair() {
  local name="$1" rmw_id="$2"
  shift 2
  local relay_out="${work}/${name}.relay" peer_out="${work}/${name}.peer" relay_rc=0 peer_rc=0
  timeout -k 5 "${kill_after}" env "$@" "${relay}" "${prefix}" >"${relay_out}" 2>&1 &
  local relay_pid=$!
  timeout -k 5 "${kill_after}" env "$@" "${venv}/bin/python" test/rclrs_node/py_peer.py \
    "${count}" "${prefix}" >"${peer_out}" 2>&1 || peer_rc=$?
  wait "${relay_pid}" || relay_rc=$?

  local summary p f problems=()
  summary="$(grep -E '^rclpy: [0-9]+ passed, [0-9]+ failed$' "${peer_out}" | tail -n1 || true)"
  if [[ -n "${summary}" ]]; then
    p="$(sed -E 's/^rclpy: ([0-9]+) passed, ([0-9]+) failed$/\1/' <<<"${summary}")"
    f="$(sed -E 's/^rclpy: ([0-9]+) passed, ([0-9]+) failed$/\2/' <<<"${summary}")"
  else
    p=0 f="${count}"
    problems+=("no summary from the rclpy peer")
  fi
  ((p + f >= count)) || f=$((count - p))
  [[ "${peer_rc}" == 0 ]] || problems+=("rclpy peer exited ${peer_rc}")
  [[ "${relay_rc}" == 0 ]] || problems+=("rclrs relay exited ${relay_rc}")
  grep -qx "rclpy: rmw ${rmw_id}" "${peer_out}" || problems+=("rclpy peer not on ${rmw_id}")
  grep -qx "rclrs: rmw ${rmw_id}" "${relay_out}" || problems+=("rclrs relay not on ${rmw_id}")
  grep -qx "rclrs: relayed ${count}" "${relay_out}" || problems+=("rclrs relay did not relay ${count}")
  if [[ -n "${shm_dir}" ]] && [[ -n "$(ls -A "${shm_dir}")" ]]; then
    problems+=("left in HAZCAT_SHM_DIR: $(ls -A "${shm_dir}" | tr '\n' ' ')")
  fi

  round_trips=$((round_trips + p))
  if ((f + ${#problems[@]} == 0)); then
    passed=$((passed + 1))
    echo "rclrs_check [${name}]: ${p}/${count} round trips rclpy -> rclrs -> rclpy exact$([[ -n "${shm_dir}" ]] && echo ", shm dir empty after exit")"
  else
    failed=$((failed + 1))
    local problem
    echo -n "rclrs_check [${name}]: FAILED: ${p}/${count} round trips exact"
    for problem in "${problems[@]}"; do echo -n "; ${problem}"; done
    echo
    sed "s/^/  relay | /" "${relay_out}" | tail -n 20
    sed "s/^/  peer  | /" "${peer_out}" | tail -n 20
  fi
}

# Over rmw_hazcat_rs: LD_PRELOAD puts it before the rmw_fastrtps_cpp that librcl links.
shm_dir="$(mktemp -d /dev/shm/rclrs_check.XXXXXX)"
run_pair rmw_hazcat_rs rmw_hazcat_rs LD_PRELOAD="${rmw_lib}" RMW_IMPLEMENTATION=rmw_hazcat_rs \
  HAZCAT_SHM_DIR="${shm_dir}"
rm -rf "${shm_dir}"
shm_dir=""

# Control: the same pair over Fast DDS, on a domain of its own, discovery kept on this host, UDP
# only (so that it uses no /dev/shm either).
if [[ "${HAZCAT_RCLRS_CONTROL:-1}" != 0 ]]; then
  run_pair fastdds rmw_fastrtps_cpp RMW_IMPLEMENTATION=rmw_fastrtps_cpp \
    ROS_DOMAIN_ID="$((10 + $$ % 90))" ROS_AUTOMATIC_DISCOVERY_RANGE=LOCALHOST FASTDDS_BUILTIN_TRANSPORTS=UDPv4
fi

echo "rclrs: ${round_trips} exact round trips in all"
echo "rclrs: ${passed} passed, ${failed} failed"
((failed == 0))
