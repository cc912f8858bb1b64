#!/usr/bin/env bash
# The `hazcat bridge` tests (test/bridge): two "hosts" as network namespaces joined by a veth
# pair (10.77.0.1/24, 10.77.0.2/24), each with its own HAZCAT_SHM_DIR, its own bridge and rclpy
# nodes from the Jazzy wheels over rmw_hazcat_rs; plus a conformance check by an independent
# rmw_zenoh-style peer (PyPI eclipse-zenoh + xxhash, venv from ros/requirements-zenoh.txt).
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
# The tests name their namespaces hzbr<tag>a and hzbr<tag>b: removed here too, with whatever
# still runs in them, should pytest itself be killed.
tag=$$
cleanup() {
  for ns in "hzbr${tag}a" "hzbr${tag}b"; do
    ip netns pids "${ns}" 2>/dev/null | xargs -r kill -9 2>/dev/null || true
    ip netns del "${ns}" 2>/dev/null || true
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
