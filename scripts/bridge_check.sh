#!/usr/bin/env bash
# The `hazcat bridge` tests (test/bridge): two or three "hosts" as network namespaces, each with a
# veth link into one Linux bridge in a "switch" namespace (10.77.0.1/24, .2, .3), each with its
# own HAZCAT_SHM_DIR, its own bridge and rclpy nodes from the Jazzy wheels over rmw_hazcat_rs;
# plus a conformance check by an independent rmw_zenoh-style peer (PyPI eclipse-zenoh + xxhash,
# venv from ros/requirements-zenoh.txt).
#
#   scripts/bridge_check.sh [pytest args...]
#
# Needs root (ip netns, ip link); elsewhere it prints SKIPPED and succeeds. Builds (incrementally)
# librmw_hazcat_rs.so, hazcat-bridge and hazcat for Jazzy first. Namespaces are removed whatever
# happens.
set -euo pipefail
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "${repo_root}"
if [[ "$(id -u)" != 0 ]] || ! command -v ip >/dev/null; then
  echo "SKIPPED: bridge tests need root and iproute2 (network namespaces)"
  exit 0
fi
jazzy="$(scripts/ros_venv.sh jazzy)"
zenoh="$(scripts/ros_venv.sh zenoh)"
env ROS_DISTRO=jazzy AMENT_PREFIX_PATH="${jazzy}" \
  cargo build -p rmw_hazcat -p hazcat_bridge -p hazcat_cli --locked
# The tests name their namespaces hzbr<tag><host> (hosts a, b, c...) and hzbr<tag>s (the switch),
# their veth ends hzv<tag><host> / hzp<tag><host>: all removed here too, with whatever still runs
# in them, should pytest itself be killed.
tag=$$
cleanup() {
  local ns link
  for ns in $(ip netns list 2>/dev/null | awk '{print $1}' | grep -E "^hzbr${tag}[a-z]$"); do
    ip netns pids "${ns}" 2>/dev/null | xargs -r kill -9 2>/dev/null || true
    ip netns del "${ns}" 2>/dev/null || true
  done
  for link in $(ip -o link show 2>/dev/null | awk -F': ' '{print $2}' | cut -d@ -f1 |
                grep -E "^hz[pv]${tag}[a-z]$"); do
    ip link del "${link}" 2>/dev/null || true
  done
}
trap cleanup EXIT
env -u LD_PRELOAD -u RMW_IMPLEMENTATION HAZCAT_BRIDGE_NET_TAG="${tag}" \
  HAZCAT_RMW_LIB="${repo_root}/target/debug/librmw_hazcat_rs.so" \
  HAZCAT_BRIDGE_BIN="${repo_root}/target/debug/hazcat-bridge" \
  HAZCAT_CLI_BIN="${repo_root}/target/debug/hazcat" \
  HAZCAT_ZENOH_PYTHON="${zenoh}/bin/python" AMENT_PREFIX_PATH="${jazzy}" \
  PYTHONDONTWRITEBYTECODE=1 \
  "${jazzy}/bin/python" -m pytest -p no:cacheprovider -rs -o testpaths=test/bridge "$@"
