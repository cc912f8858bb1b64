# hazcat_cargo_build(<target> PACKAGES <crate>... OUTPUTS <file>...)
#
# Builds workspace crates with cargo inside the CMake build directory (the source tree stays
# clean) and defines <target> (built by ALL) that runs cargo every time, leaving change detection
# to cargo. Sets HAZCAT_CARGO_OUT_DIR to the directory holding the artefacts.
#
#   CARGO_COMMAND (environment or cache): the cargo executable (default: cargo on PATH), the same
#     variable colcon-cargo and zenoh-c honour.
#   HAZCAT_CARGO_PROFILE (cache): cargo profile; default "release", "dev" for CMAKE_BUILD_TYPE=Debug.
#   HAZCAT_CARGO_FLAGS (cache): extra arguments for `cargo build` (e.g. --features hazcat_core/cuda).
#   ROS_DISTRO and AMENT_PREFIX_PATH are forwarded: rmw_hazcat's build.rs selects the ABI from
#   the first and checks it against the headers found through the second.
function(hazcat_cargo_build target)
  cmake_parse_arguments(ARG "" "" "PACKAGES;OUTPUTS" ${ARGN})

  if(DEFINED ENV{CARGO_COMMAND} AND NOT "$ENV{CARGO_COMMAND}" STREQUAL "")
    set(default_cargo "$ENV{CARGO_COMMAND}")
  else()
    find_program(HAZCAT_CARGO_EXECUTABLE cargo PATHS "$ENV{HOME}/.cargo/bin")
    set(default_cargo "${HAZCAT_CARGO_EXECUTABLE}")
  endif()
  set(CARGO_COMMAND "${default_cargo}" CACHE STRING "cargo executable")
  if(NOT CARGO_COMMAND)
    message(FATAL_ERROR "cargo not found: install Rust (https://rustup.rs) or set CARGO_COMMAND")
  endif()

  if(CMAKE_BUILD_TYPE STREQUAL "Debug")
    set(default_profile dev)
  else()
    set(default_profile release)
  endif()
  set(HAZCAT_CARGO_PROFILE "${default_profile}" CACHE STRING "cargo profile (release, dev, ...)")
  set(HAZCAT_CARGO_FLAGS "" CACHE STRING "extra arguments for cargo build")
  if(HAZCAT_CARGO_PROFILE STREQUAL "dev")
    set(profile_dir debug)
  else()
    set(profile_dir "${HAZCAT_CARGO_PROFILE}")
  endif()

  set(target_dir "${CMAKE_CURRENT_BINARY_DIR}/cargo")
  set(out_dir "${target_dir}/${profile_dir}")
  set(env_args "CARGO_TARGET_DIR=${target_dir}")
  if(DEFINED ENV{ROS_DISTRO} AND NOT "$ENV{ROS_DISTRO}" STREQUAL "")
    list(APPEND env_args "ROS_DISTRO=$ENV{ROS_DISTRO}")
  endif()
  if(DEFINED ENV{AMENT_PREFIX_PATH})
    list(APPEND env_args "AMENT_PREFIX_PATH=$ENV{AMENT_PREFIX_PATH}")
  endif()
  set(pkg_args "")
  foreach(p ${ARG_PACKAGES})
    list(APPEND pkg_args -p ${p})
  endforeach()
  set(outputs "")
  foreach(o ${ARG_OUTPUTS})
    list(APPEND outputs "${out_dir}/${o}")
  endforeach()

  add_custom_target(${target} ALL
    COMMAND ${CMAKE_COMMAND} -E env ${env_args}
      "${CARGO_COMMAND}" build --locked
        --manifest-path "${CMAKE_CURRENT_SOURCE_DIR}/Cargo.toml"
        --profile ${HAZCAT_CARGO_PROFILE} ${pkg_args} ${HAZCAT_CARGO_FLAGS}
    BYPRODUCTS ${outputs}
    WORKING_DIRECTORY "${CMAKE_CURRENT_SOURCE_DIR}"
    COMMENT "cargo build (${HAZCAT_CARGO_PROFILE}): ${ARG_PACKAGES}"
    USES_TERMINAL
    VERBATIM
    COMMAND_EXPAND_LISTS)
  set(HAZCAT_CARGO_OUT_DIR "${out_dir}" PARENT_SCOPE)
endfunction()

# hazcat_register_rmw(): the ament-index resources of an rmw implementation. Uses rmw's
# register_rmw_implementation() when the rmw package provides it; otherwise (no rmw installed,
# e.g. Debian's ROS tooling in CI) writes exactly the same resources itself.
function(hazcat_register_rmw)
  if(COMMAND register_rmw_implementation)
    register_rmw_implementation(
      "c:rosidl_typesupport_c:rosidl_typesupport_introspection_c"
      "cpp:rosidl_typesupport_cpp:rosidl_typesupport_introspection_cpp")
  else()
    message(STATUS "rmw's register_rmw_implementation() not found: writing the ament index "
      "resources (rmw_typesupport, rmw_typesupport_c, rmw_typesupport_cpp) directly")
    set(c_ts "rosidl_typesupport_c;rosidl_typesupport_introspection_c")
    set(cpp_ts "rosidl_typesupport_cpp;rosidl_typesupport_introspection_cpp")
    ament_index_register_resource("rmw_typesupport_c" CONTENT "${c_ts}")
    ament_index_register_resource("rmw_typesupport_cpp" CONTENT "${cpp_ts}")
    ament_index_register_resource("rmw_typesupport" CONTENT "${c_ts};${cpp_ts}")
  endif()
endfunction()
