#!/usr/bin/env bash
# reclaim-runs (a measurement, not a test): 1,000 short-lived rclpy processes beside a long-lived
# one, ended in turn by clean shutdown, exit without shutdown and SIGKILL; the object count and
# resident size of the shm directory are sampled every 100 runs (benchmarks/ros/reclaim_runs.py):
#
#   scripts/reclaim_runs.sh [reclaim_runs.py args...]   e.g. --runs 300 --every 50
#
# Builds the release librmw_hazcat_rs.so (scripts/release_rmw.sh: Jazzy, target/release), runs
# every ROS process over it in a private HAZCAT_SHM_DIR under /dev/shm (removed at the end) and
# writes bench-results/reclaim/reclaim_runs.{csv,md,json} and reclaim_runs_per_run.csv (or --out
# DIR). Exits 0 when the directory stayed flat, 1 when it grew, 2 when a run failed.
set -euo pipefail
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
lib="$("${repo_root}/scripts/release_rmw.sh" jazzy)"
venv="$("${repo_root}/scripts/ros_venv.sh" jazzy)"
shm_dir="$(mktemp -d /dev/shm/hazcat_reclaim.XXXXXX)"
trap 'rm -rf "${shm_dir}"' EXIT
cd "${repo_root}"
# The caller's LD_PRELOAD / RMW_IMPLEMENTATION never leak in: the benchmark sets them per process.
env -u LD_PRELOAD -u RMW_IMPLEMENTATION PYTHONDONTWRITEBYTECODE=1 \
  "${venv}/bin/python" benchmarks/ros/reclaim_runs.py --rmw-lib "${lib}" --shm-dir "${shm_dir}" \
  --out "${repo_root}/bench-results/reclaim" "$@"
