#!/usr/bin/env bash
# The whole test suite, from a fresh Debian 12 machine with the Rust toolchain: installs the
# Debian packages it needs, then runs formatting, lints and every test, for the jazzy (default)
# and humble ABI builds. This is exactly what CI runs (.ci/run).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

# 1. System packages (only the missing ones; apt needs root or sudo).
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

# Shared-memory objects that exist before the run (other hazcat users on this machine) are not
# this run's leaks; everything that appears during it and remains at the end is.
shm_snapshot() { ls /dev/shm | grep "^hazcat_$(id -u)_" | sort || true; }
shm_before="$(shm_snapshot)"

# 2. Formatting and lints (both ABI variants of the rmw crate).
cargo fmt --all --check
cargo clippy --workspace --all-targets --locked -- -D warnings
ROS_DISTRO=humble CARGO_TARGET_DIR=target/humble cargo clippy -p rmw_hazcat --all-targets --locked -- -D warnings

# 3. Test messages built with Debian's real rosidl generators.
scripts/build_test_msgs.sh

# 4. Tests: everything on the jazzy ABI, then the rmw crate on the humble ABI, where the
#    generated test messages are mandatory.
ROS_DISTRO=jazzy cargo test --workspace --locked
ROS_DISTRO=humble HAZCAT_REQUIRE_TEST_MSGS=1 CARGO_TARGET_DIR=target/humble cargo test -p rmw_hazcat --locked

# 4b. An rclrs node (crates.io rclrs 0.8) and an rclpy node, separate processes, over
#     rmw_hazcat_rs: ROS 2 Jazzy from PyPI wheels, message crates generated from them; Fast DDS
#     as a control. Checks exact round trips and an empty private HAZCAT_SHM_DIR afterwards.
HAZCAT_RCLRS_LINT=1 scripts/rclrs_check.sh

# 5. ROS packaging: colcon discovery, `colcon build` with Debian's ament/colcon, the install tree
#    (library with SONAME, ament index, CMake config, headers, launch, config), versions. The dev
#    profile keeps CI fast; packaging does not depend on the profile.
HAZCAT_CARGO_PROFILE=dev scripts/check_packaging.sh

# 6. Nothing may be left in /dev/shm by any test.
left="$(comm -13 <(echo "$shm_before") <(shm_snapshot) | grep . || true)"
if [ -n "$left" ]; then
  echo "FAILED: objects left in /dev/shm:"; echo "$left"; exit 1
fi
echo "all checks passed"
