//! Where the generated `test/hazcat_test_msgs` package of this build's distro is installed.
//!
//! `scripts/build_test_msgs.sh <distro>` generates it with that distro's real rosidl generators
//! (humble: Debian's; jazzy, kilted: the PyPI wheels) into `target/ros/install-<distro>` and
//! records the distro in `share/hazcat_test_msgs/hazcat_ros_distro`. Generated structs have the
//! layout of their distro, so a package is used only by a build of the same distro.
//! `HAZCAT_TEST_MSGS_PREFIX` overrides the prefix; `HAZCAT_REQUIRE_TEST_MSGS=1` turns a missing
//! package into a failure instead of a visible `SKIPPED`.

#![allow(dead_code)]

use std::path::PathBuf;

/// The ROS distro this crate was built for.
pub const BUILD_DISTRO: &str = if cfg!(ros_distro = "humble") {
    "humble"
} else if cfg!(ros_distro = "kilted") {
    "kilted"
} else if cfg!(ros_distro = "lyrical") {
    "lyrical"
} else {
    "jazzy"
};

/// The package name.
pub const PKG: &str = "hazcat_test_msgs";

/// Install prefix of the generated package for this build.
pub fn prefix() -> PathBuf {
    std::env::var_os("HAZCAT_TEST_MSGS_PREFIX")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                .join(format!("../target/ros/install-{BUILD_DISTRO}"))
        })
}

/// `HAZCAT_REQUIRE_TEST_MSGS=1`: a missing package fails the test.
pub fn required() -> bool {
    std::env::var("HAZCAT_REQUIRE_TEST_MSGS").as_deref() == Ok("1")
}

/// The `lib/` directory of a package generated for this build's distro, or why there is none.
pub fn lib_dir() -> Result<PathBuf, String> {
    let prefix = prefix();
    let lib = prefix.join("lib");
    if !lib
        .join(format!("lib{PKG}__rosidl_typesupport_introspection_c.so"))
        .exists()
    {
        return Err(format!(
            "{PKG} not built in {} (run scripts/build_test_msgs.sh {BUILD_DISTRO})",
            prefix.display()
        ));
    }
    let marker = prefix.join(format!("share/{PKG}/hazcat_ros_distro"));
    let generated_for = std::fs::read_to_string(&marker).unwrap_or_default();
    if generated_for.trim() != BUILD_DISTRO {
        return Err(format!(
            "{PKG} in {} was generated for '{}', this build is {BUILD_DISTRO}",
            prefix.display(),
            generated_for.trim()
        ));
    }
    Ok(lib)
}

/// [`lib_dir`], asserting when the package is required; `Err` carries the skip reason.
pub fn lib_dir_or_skip() -> Result<PathBuf, String> {
    lib_dir().inspect_err(|why| assert!(!required(), "HAZCAT_REQUIRE_TEST_MSGS=1 but {why}"))
}
