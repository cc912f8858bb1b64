#!/usr/bin/env bash
# ROS packaging check (CI): colcon discovery, `colcon build` of the repository into a temporary
# workspace with Debian's ament/colcon, the install tree, the public headers, and the package.xml
# version against Cargo's.
#
#   scripts/check_packaging.sh [WORKDIR]     (default: a fresh mktemp -d, removed on success)
#
# HAZCAT_CARGO_PROFILE=dev|release selects the cargo profile of the build (default: release, as
# colcon users get it). HAZCAT_PACKAGING_BRIDGE=OFF builds without hazcat-bridge (-DHAZCAT_BRIDGE,
# default ON). Needs scripts/apt-packages.txt installed.
#
# HAZCAT_ROS_PREFIX=<ament prefix> builds against a real ROS 2 instead of Debian's tooling alone
# (scripts/ros_venv.sh jazzy: the PyPI wheels' ament_cmake 2.x, rmw's register_rmw_implementation,
# rmw headers for the mandatory ABI check); ROS_DISTRO must name its distro.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
work="${1:-$(mktemp -d /tmp/hazcat_colcon.XXXXXX)}"
profile="${HAZCAT_CARGO_PROFILE:-release}"
# HAZCAT_PACKAGING_BRIDGE=OFF leaves hazcat-bridge (and its Zenoh build) out.
bridge="${HAZCAT_PACKAGING_BRIDGE:-ON}"
# Debian's colcon and ament need Debian's python3 (the machine default may be a pyenv one).
export PATH="/usr/bin:/bin:${HOME}/.cargo/bin:${PATH}"
export PYTHONNOUSERSITE=1
fail() { echo "check_packaging: FAILED: $*" >&2; exit 1; }
step() { echo "== $*"; }

step "package.xml version == Cargo workspace version"
xml_version="$(sed -n 's:.*<version>\(.*\)</version>.*:\1:p' "${repo}/package.xml" | head -1)"
cargo_version="$(sed -n '/^\[workspace.package\]/,/^\[/s/^version *= *"\(.*\)"/\1/p' "${repo}/Cargo.toml")"
[[ -n "${xml_version}" && "${xml_version}" == "${cargo_version}" ]] \
  || fail "package.xml ${xml_version} != Cargo.toml ${cargo_version}"
demos_version="$(sed -n 's:.*<version>\(.*\)</version>.*:\1:p' "${repo}/rmw_hazcat_demos/package.xml" | head -1)"
[[ "${demos_version}" == "${cargo_version}" ]] || fail "rmw_hazcat_demos ${demos_version} != ${cargo_version}"
echo "${xml_version}"

step "colcon list"
# The repository root is the rmw package, so colcon's recursive crawl stops there: a plain
# `colcon list` shows exactly rmw_hazcat_rs (no Rust crates, no test messages). The demos are a
# second package, found by naming its path (README: "Building the demos").
list_root="$(cd "${repo}" && colcon list --names-only)"
[[ "${list_root}" == "rmw_hazcat_rs" ]] || fail "colcon list: expected rmw_hazcat_rs, got: ${list_root}"
list_all="$(cd "${repo}" && colcon list --names-only --base-paths . rmw_hazcat_demos | sort | tr '\n' ' ')"
[[ "${list_all}" == "rmw_hazcat_demos rmw_hazcat_rs " ]] || fail "colcon list with demos: ${list_all}"
echo "${list_root}; with --base-paths . rmw_hazcat_demos: ${list_all}"

step "headers compile (C11, C99, C++17)"
cc_flags=(-Wall -Wextra -Werror -I"${repo}/include")
gcc -std=c11 "${cc_flags[@]}" -fsyntax-only "${repo}/test/header_check/options_check.c"
gcc -std=c99 -pedantic "${cc_flags[@]}" -fsyntax-only "${repo}/test/header_check/options_check.c"
stub=()
if ! echo '#include <rclcpp/detail/rmw_implementation_specific_publisher_payload.hpp>' \
  | g++ -std=c++17 -x c++ -fsyntax-only - >/dev/null 2>&1; then
  stub=(-I"${repo}/test/header_check/stub")   # no rclcpp here: its base class, minimal
  echo "(rclcpp not installed: payload.hpp checked against test/header_check/stub)"
fi
g++ -std=c++17 "${cc_flags[@]}" "${stub[@]}" -fsyntax-only "${repo}/test/header_check/payload_check.cpp"

ros_prefix="${HAZCAT_ROS_PREFIX:-}"
python=/usr/bin/python3
if [[ -n "${ros_prefix}" ]]; then
  [[ -f "${ros_prefix}/share/ament_cmake_core/cmake/ament_cmake_coreConfig.cmake" ]] \
    || fail "HAZCAT_ROS_PREFIX=${ros_prefix} has no ament_cmake_core"
  export AMENT_PREFIX_PATH="${ros_prefix}" CMAKE_PREFIX_PATH="${ros_prefix}"
  export ROS_DISTRO="${ROS_DISTRO:?HAZCAT_ROS_PREFIX needs ROS_DISTRO}" HAZCAT_REQUIRE_ABI_CHECK=1
  python="${ros_prefix}/bin/python3"
fi

step "colcon build into ${work} (cargo profile ${profile}; ROS: ${ros_prefix:-Debian tooling})"
mkdir -p "${work}/src"
ln -sfn "${repo}" "${work}/src/rmw_hazcat_rs"
start=$(date +%s)
(cd "${work}" && colcon build --base-paths src/rmw_hazcat_rs src/rmw_hazcat_rs/rmw_hazcat_demos \
  --event-handlers console_cohesion+ \
  --cmake-args -DPython3_EXECUTABLE="${python}" -DBUILD_TESTING=OFF \
    -DHAZCAT_CARGO_PROFILE="${profile}" -DHAZCAT_BRIDGE="${bridge}") > "${work}/colcon.log" 2>&1 \
  || { tail -n 80 "${work}/colcon.log" >&2; fail "colcon build (log: ${work}/colcon.log)"; }
echo "colcon build took $(( $(date +%s) - start )) s"
if [[ -n "${ros_prefix}" ]]; then
  # The real rmw registration, and the mandatory ABI check against the prefix's headers.
  ! grep -q "register_rmw_implementation() not found" "${work}/colcon.log" \
    || fail "rmw's register_rmw_implementation() was not used"
  grep -q "ABI check (${ROS_DISTRO}) of rmw_\* functions against ${ros_prefix}/include" "${work}/colcon.log" \
    || fail "the ABI check did not run against ${ros_prefix}/include"
  grep -o "ABI check (${ROS_DISTRO}).*match" "${work}/colcon.log" | sort -u
fi
grep -q "rmw_hazcat_demos: rclcpp / rosidl_default_generators not found" "${work}/colcon.log" \
  || ros_present=1

step "install tree"
inst="${work}/install/rmw_hazcat_rs"
so="${inst}/lib/librmw_hazcat_rs.so"
[[ -f "${so}" ]] || fail "missing ${so}"
soname="$(readelf -d "${so}" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')"
[[ "${soname}" == "librmw_hazcat_rs.so" ]] || fail "SONAME is '${soname}'"
# The rmw API symbols: the exact list per distro is checked by the rmw crate's own tests; here
# the installed library must carry them (read nm's output once: `nm | grep -q` under pipefail
# fails spuriously when grep exits early).
syms="$(nm -D --defined-only "${so}")"
nsyms="$(grep -c ' T rmw_' <<<"${syms}" || true)"
[[ "${nsyms}" -ge 88 ]] || fail "only ${nsyms} rmw_* functions exported"
for sym in rmw_get_implementation_identifier rmw_create_publisher rmw_wait; do
  grep -q " ${sym}\$" <<<"${syms}" || fail "${sym} not exported"
done
echo "${nsyms} rmw_* functions exported"
idx="${inst}/share/ament_index/resource_index"
for f in packages/rmw_hazcat_rs rmw_typesupport/rmw_hazcat_rs rmw_typesupport_c/rmw_hazcat_rs \
  rmw_typesupport_cpp/rmw_hazcat_rs; do
  [[ -f "${idx}/${f}" ]] || fail "missing ament index resource ${f}"
done
grep -q "rosidl_typesupport_introspection_c" "${idx}/rmw_typesupport/rmw_hazcat_rs" \
  || fail "rmw_typesupport lacks introspection_c"
grep -q "rosidl_typesupport_introspection_cpp" "${idx}/rmw_typesupport_cpp/rmw_hazcat_rs" \
  || fail "rmw_typesupport_cpp lacks introspection_cpp"
for f in share/rmw_hazcat_rs/cmake/rmw_hazcat_rsConfig.cmake share/rmw_hazcat_rs/package.xml \
  include/rmw_hazcat_rs/rmw_hazcat_rs/options.h include/rmw_hazcat_rs/rmw_hazcat_rs/payload.hpp \
  include/rmw_hazcat_rs/rmw_hazcat_rs/device.h \
  share/rmw_hazcat_rs/config/talker_listener.yaml share/rmw_hazcat_rs/config/gpu_pipeline.yaml \
  share/rmw_hazcat_rs/launch/talker_listener.launch.py share/rmw_hazcat_rs/launch/gpu_pipeline.launch.py \
  share/rmw_hazcat_rs/launch/pingpong.launch.py share/rmw_hazcat_rs/launch/bridge.launch.py \
  share/rmw_hazcat_rs/config/bridge/bridge.yaml share/rmw_hazcat_rs/environment/library_path.sh \
  lib/rmw_hazcat_rs/pingpong_table.py bin/hazcat; do
  [[ -e "${inst}/${f}" ]] || fail "missing ${f}"
done
if [[ "${bridge}" == ON ]]; then
  # Installed next to hazcat, where `hazcat bridge` (and bridge.launch.py) looks for it.
  [[ -x "${inst}/bin/hazcat-bridge" ]] || fail "missing bin/hazcat-bridge"
  "${inst}/bin/hazcat-bridge" --help >/dev/null || fail "hazcat-bridge --help failed"
  echo "bin/hazcat-bridge installed"
fi
for cfg in "${inst}"/share/rmw_hazcat_rs/config/*.yaml; do
  # Every shipped example parses (doctor only fails it for cuda:N on a machine without GPU).
  out="$("${inst}/bin/hazcat" --json doctor --config "${cfg}" || true)"
  grep -q '"check": "config"' <<<"${out}" || fail "doctor did not check ${cfg}"
  config_lines="$(grep -A2 '"check": "config"' <<<"${out}")"
  if grep -q 'rules\[\|cannot read\|YAML' <<<"${config_lines}"; then
    grep -q "CUDA device" <<<"${out}" || fail "${cfg} is invalid: ${out}"
  fi
done

step "a consumer finds the package with find_package(rmw_hazcat_rs)"
consumer="${work}/consumer"
mkdir -p "${consumer}"
cat > "${consumer}/CMakeLists.txt" <<'CMAKE'
cmake_minimum_required(VERSION 3.16)
project(consumer C)
find_package(rmw_hazcat_rs REQUIRED)
if(NOT TARGET rmw_hazcat_rs::rmw_hazcat_rs OR NOT rmw_hazcat_rs_LIBRARIES)
  message(FATAL_ERROR "rmw_hazcat_rs config lacks its target / libraries")
endif()
file(WRITE "${CMAKE_BINARY_DIR}/use.c" "#include <rmw_hazcat_rs/options.h>\nint main(void){return hazcat_endpoint_options_default().version == 1 ? 0 : 1;}\n")
add_executable(use "${CMAKE_BINARY_DIR}/use.c")
target_link_libraries(use rmw_hazcat_rs::rmw_hazcat_rs)
CMAKE
cmake -S "${consumer}" -B "${consumer}/build" -DCMAKE_PREFIX_PATH="${inst}" >"${consumer}/log" 2>&1 \
  || { cat "${consumer}/log" >&2; fail "find_package(rmw_hazcat_rs)"; }
cmake --build "${consumer}/build" >>"${consumer}/log" 2>&1 || { cat "${consumer}/log" >&2; fail "consumer build"; }

step "the environment selects the library by name"
# shellcheck disable=SC1091
(set +u; source "${work}/install/local_setup.bash" && [[ ":${LD_LIBRARY_PATH}:" == *":${inst}/lib:"* ]]) \
  || fail "install/local_setup.bash does not put ${inst}/lib on LD_LIBRARY_PATH"

if [[ -z "${ros_present:-}" ]]; then
  echo "(no rclcpp: rmw_hazcat_demos configured and skipped its targets, as intended)"
fi
[[ $# -ge 1 ]] || rm -rf "${work}"
echo "packaging checks passed"
