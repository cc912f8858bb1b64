#!/usr/bin/env bash
# hazcat-scale (a benchmark, not a test): shared-memory footprint, RSS and per-entity creation /
# destruction time of rclpy nodes, topics and publishers at scale, over rmw_hazcat_rs and over the
# PyPI wheels' rmw_fastrtps_cpp side by side (benchmarks/ros/scale.py):
#
#   scripts/hazcat_scale.sh [scale.py args...]   e.g. --quick, --rmw hazcat, --shm-size 64M
#
# Builds the release librmw_hazcat_rs.so (target/release, Jazzy, against the venv of
# scripts/ros_venv.sh), runs the scenarios and writes bench-results/scale/hazcat_scale.{csv,md,json}
# (or --out DIR); then draws hazcat_scale.png with matplotlib from scripts/bench_plot.sh's venv (no
# PNG, with a message, when that venv cannot be built). --shm-size needs root (it mounts a tmpfs).
# Exits with scale.py's status: 0 when it produced its tables, whatever the runs' results.
set -euo pipefail
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "${repo_root}"

venv="$(scripts/ros_venv.sh jazzy)"
lib="$(scripts/release_rmw.sh jazzy)"

out="${repo_root}/bench-results/scale"
args=("$@")
for ((k = 0; k < ${#args[@]}; k++)); do
  case "${args[k]}" in
    --out) out="${args[k + 1]:-${out}}" ;;
    --out=*) out="${args[k]#--out=}" ;;
  esac
done
# The caller's LD_PRELOAD / RMW_IMPLEMENTATION never leak in: the benchmark sets them per process.
env -u LD_PRELOAD -u RMW_IMPLEMENTATION PYTHONDONTWRITEBYTECODE=1 \
  "${venv}/bin/python" benchmarks/ros/scale.py --rmw-lib "${lib}" --out "${out}" "$@"

scripts/bench_plot.sh benchmarks/ros/plot_scale.py "${out}"
