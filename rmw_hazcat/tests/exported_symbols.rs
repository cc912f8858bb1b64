//! The shared library exports exactly `sys::symbols::EXPORTED_SYMBOLS` (the `rmw_*` names
//! rmw_implementation resolves for the distro this build targets) — no more, no fewer — plus
//! the project's own `rmw_hazcat_*` helpers declared in `include/rmw_hazcat_rs/device.h`.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::process::Command;

#[test]
fn exports_exactly_the_distro_symbol_set() {
    // The cdylib built for this test run sits next to the test binary in target/<profile>/deps
    // (the copy in target/<profile>/ is only refreshed by a plain `cargo build`, so it may be
    // from another ROS_DISTRO).
    let exe = std::env::current_exe().unwrap();
    let lib: PathBuf = exe.parent().unwrap().join("librmw_hazcat_rs.so");
    assert!(lib.exists(), "{} not built", lib.display());
    let out = Command::new("nm")
        .args(["-D", "--defined-only"])
        .arg(&lib)
        .output()
        .expect("nm (binutils) is needed");
    assert!(out.status.success());
    let all: BTreeSet<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.split_whitespace().last())
        .filter(|s| s.starts_with("rmw_"))
        .map(str::to_owned)
        .collect();
    // The project's own C helpers (device.h): exactly these, checked separately.
    let helpers: BTreeSet<String> = all
        .iter()
        .filter(|s| s.starts_with("rmw_hazcat_"))
        .cloned()
        .collect();
    let want_helpers: BTreeSet<String> = ["rmw_hazcat_loan_domain", "rmw_hazcat_loan_is_device"]
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
    assert_eq!(helpers, want_helpers, "rmw_hazcat_* helpers exported");
    let got: BTreeSet<String> = all.difference(&helpers).cloned().collect();
    let want: BTreeSet<String> = rmw_hazcat_rs::sys::symbols::EXPORTED_SYMBOLS
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
    let missing: Vec<_> = want.difference(&got).collect();
    let extra: Vec<_> = got.difference(&want).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "{} ({}): missing {missing:?}, extra {extra:?}",
        lib.display(),
        rmw_hazcat_rs::sys::ROS_DISTRO
    );
}
