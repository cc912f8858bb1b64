#!/usr/bin/env bash
# ROS-level benchmark: rclpy ping-pong over rmw_hazcat_rs and over rmw_fastrtps_cpp (the PyPI
# wheels' Fast DDS) in alternating rounds of one run (benchmarks/ros/rclpy_pingpong.py):
#
#   scripts/ros_bench.sh [jazzy|kilted] [rclpy_pingpong.py args...]   e.g. --quick, --sizes 64,4K
#
# Builds the release librmw_hazcat_rs.so for the distro (jazzy: target/release, kilted:
# target/kilted/release) against the venv of scripts/ros_venv.sh (or uses $HAZCAT_RMW_LIB), runs
# the benchmark and writes bench-results/ros-<distro>/rclpy_pingpong.{csv,md,json} (or --out
# DIR); then draws rclpy_pingpong.png with matplotlib from a separate venv (scripts/bench_plot.sh:
# benchmarks/ros/requirements-plot.txt).
# A plot venv that cannot be built (no network) skips the PNG with a message. --quick (2 rounds,
# 64 B to 1 MiB) takes well under a minute once built.
set -euo pipefail
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
distro=jazzy
case "${1:-}" in jazzy | kilted) distro="$1"; shift ;; esac
cd "${repo_root}"

venv="$(scripts/ros_venv.sh "${distro}")"
lib="${HAZCAT_RMW_LIB:-$(scripts/release_rmw.sh "${distro}")}"

out="${repo_root}/bench-results/ros-${distro}"
args=("$@")
for ((i = 0; i < ${#args[@]}; ++i)); do
  [[ "${args[i]}" == --out ]] && out="${args[i + 1]}"
done
# The caller's LD_PRELOAD / RMW_IMPLEMENTATION never leak in: the benchmark sets them per process.
env -u LD_PRELOAD -u RMW_IMPLEMENTATION PYTHONDONTWRITEBYTECODE=1 \
  "${venv}/bin/python" benchmarks/ros/rclpy_pingpong.py --rmw-lib "${lib}" --out "${out}" "$@"

scripts/bench_plot.sh benchmarks/ros/plot.py "${out}"
