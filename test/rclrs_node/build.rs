//! Linking against ROS 2 installed from PyPI wheels (an ament prefix that is a Python venv, as
//! `scripts/ros_venv.sh` builds), where three things differ from a normal ROS install:
//!
//! 1. rclrs 0.8 links `-lrmw_implementation`, which the wheels do not ship: their librcl links
//!    rmw_fastrtps_cpp directly (rmw_hazcat_rs replaces it through LD_PRELOAD). rclrs itself only
//!    calls functions of librmw, so where no prefix has the library, a linker script of that name
//!    in OUT_DIR names the implementation the wheels' librcl uses; `--as-needed` records nothing
//!    for it unless a symbol really comes from it.
//! 2. The wheels' librcl needs `lib*__rosidl_generator_py.so`, which refer to data symbols of
//!    libpython (e.g. `PyExc_RuntimeError`): inside Python they are there, in a native program the
//!    loader stops at the first one. The binary therefore links the venv's libpython (without
//!    `--as-needed`: nothing here calls it).
//! 3. The wheels' libraries are found at run time only through the LD_LIBRARY_PATH that their
//!    Python bootstrapper sets (`<venv>/lib` and `site-packages/ros_*.libs`). The binary gets
//!    those folders and libpython's as DT_RPATH (not RUNPATH: RPATH of the executable also serves
//!    the libraries it pulls in), so it runs with no environment set up.

use std::path::{Path, PathBuf};
use std::process::Command;

fn main() {
    println!("cargo:rerun-if-env-changed=AMENT_PREFIX_PATH");
    let prefixes: Vec<PathBuf> =
        std::env::split_paths(&std::env::var("AMENT_PREFIX_PATH").unwrap_or_default()).collect();

    if !prefixes
        .iter()
        .any(|p| p.join("lib/librmw_implementation.so").exists())
    {
        let out_dir = std::env::var("OUT_DIR").expect("cargo sets OUT_DIR");
        let script = Path::new(&out_dir).join("librmw_implementation.so");
        std::fs::write(&script, "INPUT(-lrmw_fastrtps_cpp)\n").expect("write linker script");
        println!("cargo:rustc-link-search=native={out_dir}");
    }

    for prefix in &prefixes {
        let wheel_libs = wheel_lib_dirs(prefix);
        if wheel_libs.is_empty() {
            continue;
        }
        let mut rpath = vec![prefix.join("lib")];
        rpath.extend(wheel_libs);
        if let Some((libdir, name)) = libpython(prefix) {
            println!("cargo:rustc-link-search=native={}", libdir.display());
            println!("cargo:rustc-link-arg-bins=-Wl,--no-as-needed,-l{name},--as-needed");
            rpath.push(libdir);
        }
        let joined: Vec<String> = rpath.iter().map(|p| p.display().to_string()).collect();
        println!(
            "cargo:rustc-link-arg-bins=-Wl,--disable-new-dtags,-rpath,{}",
            joined.join(":")
        );
    }
}

/// `<prefix>/lib/python3.*/site-packages/ros_*.libs`: where a wheels venv keeps the libraries its
/// ROS libraries need (empty for any other prefix).
fn wheel_lib_dirs(prefix: &Path) -> Vec<PathBuf> {
    let mut dirs = Vec::new();
    let Ok(lib) = std::fs::read_dir(prefix.join("lib")) else {
        return dirs;
    };
    for python in lib.flatten() {
        if !python.file_name().to_string_lossy().starts_with("python3") {
            continue;
        }
        let Ok(site) = std::fs::read_dir(python.path().join("site-packages")) else {
            continue;
        };
        for entry in site.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.starts_with("ros_") && name.ends_with(".libs") && entry.path().is_dir() {
                dirs.push(entry.path());
            }
        }
    }
    dirs.sort();
    dirs
}

/// The folder and `-l` name of the libpython that the venv's interpreter uses.
fn libpython(prefix: &Path) -> Option<(PathBuf, String)> {
    let output = Command::new(prefix.join("bin/python3"))
        .args([
            "-c",
            "import sysconfig as s; print(s.get_config_var('LIBDIR')); print(s.get_config_var('LDVERSION'))",
        ])
        // Skip the wheels' bootstrapper (it would only re-execute the interpreter).
        .env("_ROS_WHEELS_BOOTSTRAP_COMPLETE", "1")
        .output()
        .ok()?;
    let text = String::from_utf8(output.stdout).ok()?;
    let mut lines = text.lines();
    let libdir = PathBuf::from(lines.next()?);
    let name = format!("python{}", lines.next()?);
    libdir
        .join(format!("lib{name}.so"))
        .exists()
        .then_some((libdir, name))
}
