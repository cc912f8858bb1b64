#!/usr/bin/env bash
# Builds test/hazcat_test_msgs with Debian's rosidl generators (C, C++, introspection C/C++) and
# installs it into a prefix (default: target/ros/install, relative to the repository root).
#
#   scripts/build_test_msgs.sh [PREFIX]
#
# Needs the packages in scripts/apt-packages.txt. Idempotent: a re-run with nothing changed only
# runs an incremental build + install (a second or two). Uses /usr/bin first on PATH because the
# generators need Debian's Python modules (ament_package, catkin_pkg, rosidl_*).
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
prefix="${1:-${repo_root}/target/ros/install}"
case "${prefix}" in /*) ;; *) prefix="$(pwd)/${prefix}" ;; esac
src="${repo_root}/test/hazcat_test_msgs"
build="${repo_root}/target/ros/build/hazcat_test_msgs"

export PATH="/usr/bin:/bin:${PATH}"
python="/usr/bin/python3"

for tool in cmake "${python}"; do
  command -v "${tool}" >/dev/null || { echo "build_test_msgs: '${tool}' not found; install scripts/apt-packages.txt" >&2; exit 1; }
done
"${python}" -c 'import ament_package, catkin_pkg, rosidl_parser' 2>/dev/null || {
  echo "build_test_msgs: Debian's ament/rosidl Python modules are missing; install scripts/apt-packages.txt" >&2
  exit 1
}

log="${build}/build_test_msgs.log"
mkdir -p "${build}"
: >"${log}"
run() { "$@" >>"${log}" 2>&1 || { cat "${log}" >&2; echo "build_test_msgs: failed: $*" >&2; exit 1; }; }

# (Re)configure only when there is no cache or the install prefix changed.
cached_prefix=""
if [[ -f "${build}/CMakeCache.txt" ]]; then
  cached_prefix="$(sed -n 's/^CMAKE_INSTALL_PREFIX:PATH=//p' "${build}/CMakeCache.txt")"
fi
if [[ "${cached_prefix}" != "${prefix}" ]]; then
  run cmake -S "${src}" -B "${build}" \
    -DCMAKE_INSTALL_PREFIX="${prefix}" \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DPython3_EXECUTABLE="${python}" \
    -DBUILD_TESTING=OFF
fi
run cmake --build "${build}" --parallel "$(nproc)"
run cmake --install "${build}"
echo "hazcat_test_msgs installed in ${prefix}"
