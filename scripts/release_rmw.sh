#!/usr/bin/env bash
# Builds the release librmw_hazcat_rs.so of a ROS distro against the venv of scripts/ros_venv.sh
# and prints its absolute path (jazzy: target/release, others: target/<distro>/release):
#
#   lib="$(scripts/release_rmw.sh [jazzy|kilted])"
set -euo pipefail
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
distro="${1:-jazzy}"
venv="$("${repo_root}/scripts/ros_venv.sh" "${distro}")"
target_dir="${repo_root}/target"
[[ "${distro}" == jazzy ]] || target_dir="${repo_root}/target/${distro}"
cd "${repo_root}"
AMENT_PREFIX_PATH="${venv}" ROS_DISTRO="${distro}" CARGO_TARGET_DIR="${target_dir}" \
  cargo build --release -q -p rmw_hazcat >&2
echo "${target_dir}/release/librmw_hazcat_rs.so"
