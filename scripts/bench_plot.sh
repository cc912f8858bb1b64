#!/usr/bin/env bash
# Draws a benchmark's PNG with matplotlib from a venv of its own (pinned in
# benchmarks/ros/requirements-plot.txt; target/venv/plot-<hash>, the root following
# HAZCAT_VENV_ROOT as in scripts/ros_venv.sh), built on first use; the ROS venv stays as pinned:
#
#   scripts/bench_plot.sh benchmarks/ros/plot.py|plot_scale.py RESULTS_DIR
#   scripts/bench_plot.sh benchmarks/ros/pingpong_table.py RESULTS_DIR --plot   (SCRIPT [ARGS] DIR)
#
# A venv that cannot be built (no network) skips the PNG with a message and exit status 0.
set -euo pipefail
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
plot="${1:?usage: scripts/bench_plot.sh PLOT_SCRIPT RESULTS_DIR}"
dir="${2:?usage: scripts/bench_plot.sh PLOT_SCRIPT RESULTS_DIR}"
req="${repo_root}/benchmarks/ros/requirements-plot.txt"
plot_venv="${HAZCAT_VENV_ROOT:-${repo_root}/target/venv}/plot-$(sha256sum "${req}" | cut -c1-12)"
python="$(command -v python3.11 || command -v python3)"
if [[ ! -f "${plot_venv}/.complete" ]]; then
  rm -rf "${plot_venv}"
  if "${python}" -m venv "${plot_venv}" &&
     "${plot_venv}/bin/pip" install -q --disable-pip-version-check -r "${req}" >&2; then
    touch "${plot_venv}/.complete"
  else
    echo "bench_plot: could not build the plot venv (${req}); no PNG" >&2
    exit 0
  fi
fi
"${plot_venv}/bin/python" "${plot}" "${@:3}" "${dir}"
