#!/usr/bin/env bash
# rcl ping-pong (benchmarks/ros/rcl_pingpong.c, the rclcpp demo's calls on rcl alone) over the
# PyPI wheels' rcl, hazcat and Fast DDS side by side in one run (benchmarks/ros/pingpong_table.py):
#
#   benchmarks/ros/rcl_pingpong.sh [pingpong_table.py args...]
#     e.g. --modes default,callback,loaned --sizes 64,4K --kinds plain --rounds 3 --pin split
#   benchmarks/ros/rcl_pingpong.sh --stream-cpu [stream_cpu.py args...]
#     the subscriber CPU time a steady stream costs, per rate and polling setting
#
# Builds the release librmw_hazcat_rs.so (scripts/release_rmw.sh; or uses $HAZCAT_RMW_LIB),
# hazcat_test_msgs (scripts/build_test_msgs.sh), target/ros/rcl_pingpong and rcl_stream_cpu, then
# runs the table with --rmw rmw_hazcat_rs,rmw_fastrtps_cpp (override with --rmw), --out
# bench-results/ros-jazzy/rcl (override with --out) and draws pingpong.png with
# scripts/bench_plot.sh. Environment such as HAZCAT_WAIT_SPIN_US passes through. Jazzy.
set -euo pipefail
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "${repo_root}"
venv="$(scripts/ros_venv.sh jazzy)"
lib="${HAZCAT_RMW_LIB:-$(scripts/release_rmw.sh jazzy)}"
scripts/build_test_msgs.sh jazzy >&2
msgs="${repo_root}/target/ros/install-jazzy"
pylib="$("${venv}/bin/python" -c 'import sysconfig; print(sysconfig.get_config_var("LIBDIR"))')"
for prog in rcl_pingpong rcl_stream_cpu; do
  bin="${repo_root}/target/ros/${prog}"
  src="${repo_root}/benchmarks/ros/${prog}.c"
  [[ -x "${bin}" && "${bin}" -nt "${src}" && "${bin}" -nt "${src%/*}/rcl_common.h" &&
     "${bin}" -nt "${msgs}/lib" ]] && continue
  mkdir -p "$(dirname "${bin}")"
  incs=("-I${msgs}/include/hazcat_test_msgs") links=()
  for d in "${venv}"/include/*/; do incs+=("-I${d}"); done
  for d in "${venv}"/lib/python3.11/site-packages/ros_*.libs; do
    links+=("-Wl,-rpath-link,${d}")
  done
  # The wheels' librcl links their rosidl_generator_py libraries, hence libpython.
  gcc -O2 -Wall -Wextra -Werror -o "${bin}" "${src}" "${incs[@]}" -L"${venv}/lib" -L"${msgs}/lib" \
    -lrcl -lrcutils -lrmw -lhazcat_test_msgs__rosidl_typesupport_c \
    -lhazcat_test_msgs__rosidl_generator_c -lrosidl_runtime_c -ldl \
    -L"${pylib}" -Wl,--no-as-needed -lpython3.11 -Wl,--as-needed -Wl,-rpath,"${pylib}" \
    "${links[@]}" -Wl,--allow-shlib-undefined
done
ld="${venv}/lib:${msgs}/lib"
for d in "${venv}"/lib/python3.11/site-packages/ros_*.libs; do ld="${ld}:${d}"; done
if [[ "${1:-}" == --stream-cpu ]]; then  # the CPU cost of waiting (stream_cpu.py)
  shift
  exec env -u RMW_IMPLEMENTATION LD_LIBRARY_PATH="${ld}" PYTHONDONTWRITEBYTECODE=1 \
    "${venv}/bin/python" benchmarks/ros/stream_cpu.py --exe "${repo_root}/target/ros/rcl_stream_cpu" \
    --lib "${lib}" "$@"
fi
# Defaults the caller's arguments may override (the last of an option wins).
defaults=(--rmw rmw_hazcat_rs,rmw_fastrtps_cpp --out "${repo_root}/bench-results/ros-jazzy/rcl")
out="${defaults[3]}"
args=("$@")
for ((i = 0; i < ${#args[@]}; ++i)); do
  [[ "${args[i]}" == --out ]] && out="${args[i + 1]}"
done
env -u RMW_IMPLEMENTATION LD_LIBRARY_PATH="${ld}" PYTHONDONTWRITEBYTECODE=1 \
  "${venv}/bin/python" benchmarks/ros/pingpong_table.py --exe "${repo_root}/target/ros/rcl_pingpong" \
  --preload "rmw_hazcat_rs=${lib}" --domain-id auto "${defaults[@]}" "$@"
scripts/bench_plot.sh benchmarks/ros/pingpong_table.py "${out}" --plot
