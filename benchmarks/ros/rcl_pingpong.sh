#!/usr/bin/env bash
# rcl ping-pong (benchmarks/ros/rcl_pingpong.c) over the PyPI wheels' rcl: two processes, one RMW.
#
#   benchmarks/ros/rcl_pingpong.sh [--rmw hazcat|fastrtps] [--pin same|split] KIND ITERS PHASES \
#       [--events] [--loan]
#
# KIND, ITERS, PHASES, --events, --loan: see the top of rcl_pingpong.c. --pin same: both processes
# on CPU 0; --pin split: pong on CPU 0, ping on CPU 1; default: wherever the scheduler puts them.
# hazcat runs target/release/librmw_hazcat_rs.so (build it first:
#   AMENT_PREFIX_PATH=$(scripts/ros_venv.sh jazzy) ROS_DISTRO=jazzy \
#     cargo build --release -p rmw_hazcat)
# and needs hazcat_test_msgs for the fixed* kinds (scripts/build_test_msgs.sh jazzy). Environment
# such as HAZCAT_WAIT_SPIN_US passes through. Jazzy only.
set -euo pipefail
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
rmw=hazcat
pin=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --rmw) rmw="$2"; shift 2 ;;
    --pin) pin="$2"; shift 2 ;;
    *) break ;;
  esac
done
venv="$("${repo_root}/scripts/ros_venv.sh" jazzy)"
bin="${repo_root}/target/ros/rcl_pingpong"
src="${repo_root}/benchmarks/ros/rcl_pingpong.c"
pylib="$("${venv}/bin/python" -c 'import sysconfig; print(sysconfig.get_config_var("LIBDIR"))')"
if [[ ! -x "${bin}" || "${src}" -nt "${bin}" ]]; then
  mkdir -p "$(dirname "${bin}")"
  incs=() links=()
  for d in "${venv}"/include/*/; do incs+=("-I${d}"); done
  for d in "${venv}"/lib/python3.11/site-packages/ros_*.libs; do
    links+=("-Wl,-rpath-link,${d}")
  done
  # The wheels' librcl links their rosidl_generator_py libraries, hence libpython.
  gcc -O2 -Wall -Wextra -o "${bin}" "${src}" "${incs[@]}" -L"${venv}/lib" -lrcl -lrcutils \
    -lrmw -lstd_msgs__rosidl_typesupport_c -lstd_msgs__rosidl_generator_c -lrosidl_runtime_c \
    -ldl -L"${pylib}" -Wl,--no-as-needed -lpython3.11 -Wl,--as-needed -Wl,-rpath,"${pylib}" \
    "${links[@]}" -Wl,--allow-shlib-undefined
fi
ld="${venv}/lib:${repo_root}/target/ros/install-jazzy/lib"
for d in "${venv}"/lib/python3.11/site-packages/ros_*.libs; do ld="${ld}:${d}"; done
shm="$(mktemp -d)"
trap 'rmdir "${shm}"' EXIT
env_args=(LD_LIBRARY_PATH="${ld}" HAZCAT_SHM_DIR="${shm}" ROS_DOMAIN_ID="$((201 + RANDOM % 31))")
case "${rmw}" in
  hazcat) env_args+=(LD_PRELOAD="${repo_root}/target/release/librmw_hazcat_rs.so"
                     RMW_IMPLEMENTATION=rmw_hazcat_rs) ;;
  fastrtps) env_args+=(RMW_IMPLEMENTATION=rmw_fastrtps_cpp) ;;
  *) echo "unknown rmw ${rmw}" >&2; exit 2 ;;
esac
case "${pin}" in
  same) pong=(taskset -c 0) ping=(taskset -c 0) ;;
  split) pong=(taskset -c 0) ping=(taskset -c 1) ;;
  "") pong=() ping=() ;;
  *) echo "unknown --pin ${pin}" >&2; exit 2 ;;
esac
env "${env_args[@]}" "${pong[@]}" "${bin}" pong "$@" &
pong_pid=$!
env "${env_args[@]}" "${ping[@]}" "${bin}" ping "$@"
wait "${pong_pid}"
