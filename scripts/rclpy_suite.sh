#!/usr/bin/env bash
# Runs the rclpy integration suite (test/rclpy) with real ROS 2 from PyPI wheels over one RMW:
#
#   scripts/rclpy_suite.sh jazzy|kilted hazcat|fastrtps [pytest args...]
#
# hazcat: every ROS process runs over librmw_hazcat_rs.so (LD_PRELOAD) of that distro's build,
#   jazzy: target/debug/librmw_hazcat_rs.so, kilted: target/kilted/debug/librmw_hazcat_rs.so,
#   or $HAZCAT_RMW_LIB. This script builds nothing; build first, e.g.
#     AMENT_PREFIX_PATH=$(scripts/ros_venv.sh jazzy) ROS_DISTRO=jazzy cargo build -p rmw_hazcat
#     AMENT_PREFIX_PATH=$(scripts/ros_venv.sh kilted) ROS_DISTRO=kilted \
#       CARGO_TARGET_DIR=target/kilted cargo build -p rmw_hazcat
# fastrtps: the wheels' own Fast DDS, the control: every case that is not hazcat-specific must
#   pass on it too.
#
# The venv comes from scripts/ros_venv.sh (HAZCAT_VENV_ROOT chooses where venvs live). Nothing is
# written into the source tree (no pytest cache, no bytecode); test files go to pytest's tmp dir.
set -euo pipefail
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
usage="usage: scripts/rclpy_suite.sh jazzy|kilted hazcat|fastrtps [pytest args...]"
distro="${1:?${usage}}"
rmw="${2:?${usage}}"
shift 2

case "${distro}" in
  jazzy) default_lib="${repo_root}/target/debug/librmw_hazcat_rs.so" ;;
  kilted) default_lib="${repo_root}/target/kilted/debug/librmw_hazcat_rs.so" ;;
  *) echo "rclpy_suite: unknown distro '${distro}'; ${usage}" >&2; exit 2 ;;
esac

env_args=(HAZCAT_RCLPY_RMW="${rmw}")
case "${rmw}" in
  hazcat)
    lib="${HAZCAT_RMW_LIB:-${default_lib}}"
    if [[ ! -f "${lib}" ]]; then
      echo "rclpy_suite: ${lib} is missing; build it first (see the top of $0)" >&2
      exit 2
    fi
    env_args+=(HAZCAT_RMW_LIB="$(cd "$(dirname "${lib}")" && pwd)/$(basename "${lib}")")
    ;;
  fastrtps) ;;
  *) echo "rclpy_suite: unknown rmw '${rmw}'; ${usage}" >&2; exit 2 ;;
esac

venv="$("${repo_root}/scripts/ros_venv.sh" "${distro}")"
cd "${repo_root}"
# The caller's LD_PRELOAD / RMW_IMPLEMENTATION never leak into the suite: the conftest sets them
# for each ROS process it starts.
rc=0
env -u LD_PRELOAD -u RMW_IMPLEMENTATION "${env_args[@]}" PYTHONDONTWRITEBYTECODE=1 \
  "${venv}/bin/python" -m pytest -p no:cacheprovider -rs \
  -o testpaths=test/rclpy "$@" || rc=$?
if [[ "${rmw}" == fastrtps ]]; then
  # Fast DDS's shared-memory transport leaves its segments in /dev/shm behind every process that
  # did not shut down (the SIGKILL tests): its own tool removes those no live process uses.
  # (Run with the venv's Python: its `bin/fastdds` wrapper calls whatever python3 is on PATH.)
  timeout 120 "${venv}/bin/python" "${venv}/tools/fastdds/fastdds.py" shm clean >/dev/null 2>&1 \
    || true
fi
exit "${rc}"
