#!/usr/bin/env bash
# Builds test/hazcat_test_msgs with a distro's real rosidl generators (C, C++, introspection
# C/C++) and installs it into target/ros/install-<distro> (or PREFIX):
#
#   scripts/build_test_msgs.sh humble|jazzy|kilted [PREFIX]
#
# humble: Debian's ament/rosidl (scripts/apt-packages.txt; Humble-era layouts), with /usr/bin
# first on PATH because the generators need Debian's Python modules. jazzy, kilted: the PyPI
# wheels' ament_cmake and generators, from the venv of scripts/ros_venv.sh. The generated structs
# have their distro's layout; the distro is recorded in share/hazcat_test_msgs/hazcat_ros_distro
# and the rmw tests use a package only from a build of the same distro.
# Idempotent: a re-run with nothing changed only runs an incremental build + install.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
distro="${1:?usage: scripts/build_test_msgs.sh humble|jazzy|kilted [PREFIX]}"
prefix="${2:-${repo_root}/target/ros/install-${distro}}"
case "${prefix}" in /*) ;; *) prefix="$(pwd)/${prefix}" ;; esac
src="${repo_root}/test/hazcat_test_msgs"
build="${repo_root}/target/ros/build-${distro}/hazcat_test_msgs"

cmake_args=(-DCMAKE_INSTALL_PREFIX="${prefix}" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DBUILD_TESTING=OFF)
case "${distro}" in
  humble)
    export PATH="/usr/bin:/bin:${PATH}"
    python="/usr/bin/python3"
    "${python}" -c 'import ament_package, catkin_pkg, rosidl_parser' 2>/dev/null || {
      echo "build_test_msgs: Debian's ament/rosidl Python modules are missing; install scripts/apt-packages.txt" >&2
      exit 1
    }
    ;;
  jazzy | kilted)
    ros="$("${repo_root}/scripts/ros_venv.sh" "${distro}")"
    python="${ros}/bin/python3"
    # ament's resource index (which type supports exist) is read from AMENT_PREFIX_PATH.
    export AMENT_PREFIX_PATH="${ros}" CMAKE_PREFIX_PATH="${ros}"
    ;;
  *) echo "build_test_msgs: unknown distro '${distro}'" >&2; exit 1 ;;
esac
cmake_args+=(-DPython3_EXECUTABLE="${python}")
command -v cmake >/dev/null || { echo "build_test_msgs: cmake not found; install scripts/apt-packages.txt" >&2; exit 1; }

log="${build}/build_test_msgs.log"
mkdir -p "${build}"
: >"${log}"
run() { "$@" >>"${log}" 2>&1 || { cat "${log}" >&2; echo "build_test_msgs: failed: $*" >&2; exit 1; }; }

# (Re)configure only when there is no cache or the install prefix or generator python changed.
cached=""
if [[ -f "${build}/CMakeCache.txt" ]]; then
  cached="$(sed -n -e 's/^CMAKE_INSTALL_PREFIX:PATH=//p' -e 's/^Python3_EXECUTABLE:[A-Z]*=//p' "${build}/CMakeCache.txt" | tr '\n' ' ')"
fi
# A configure that failed left a cache but no Makefile: configure again.
[[ -f "${build}/Makefile" ]] || cached=""
if [[ "${cached}" != "${prefix} ${python} " ]]; then
  rm -rf "${build:?}"/* && : >"${log}"
  run cmake -S "${src}" -B "${build}" "${cmake_args[@]}"
fi
run cmake --build "${build}" --parallel "$(nproc)"
run cmake --install "${build}"
echo "${distro}" > "${prefix}/share/hazcat_test_msgs/hazcat_ros_distro"
echo "hazcat_test_msgs (${distro}) installed in ${prefix}"
