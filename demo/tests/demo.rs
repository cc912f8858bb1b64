//! The demo as a user runs it (separate publisher and subscriber processes), and what building
//! it costs.

use std::process::Command;

/// A private shared-memory directory (inside `HAZCAT_SHM_DIR` or `/dev/shm`), removed on drop: the
/// demo's own leftover check then sees only the demo's objects.
struct ShmDir(std::path::PathBuf);

impl Drop for ShmDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[test]
fn demo_runs_and_reports_zero_host_copies_and_one_copy_per_domain() {
    let parent = std::env::var_os("HAZCAT_SHM_DIR").unwrap_or_else(|| "/dev/shm".into());
    let dir = ShmDir(
        std::path::Path::new(&parent).join(format!("hazcat-demo-test.{}", std::process::id())),
    );
    std::fs::create_dir(&dir.0).expect("private shm dir");
    let out = Command::new(env!("CARGO_BIN_EXE_hazcat-demo"))
        .args(["--count", "40", "--sizes", "64,4K", "--poll", "wait"])
        .env("HAZCAT_SHM_DIR", &dir.0)
        .output()
        .expect("run hazcat-demo");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{text}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text.contains("| 4K | 40 |"), "{text}");
    assert!(
        text.contains("OK: 0 bytes copied host->host; exactly 1 copy per message into emulated:0"),
        "{text}"
    );
    assert!(
        text.contains(&format!(
            "cleanup check: nothing new in {}",
            dir.0.display()
        )),
        "{text}"
    );
    assert_eq!(std::fs::read_dir(&dir.0).unwrap().count(), 0);
}

#[test]
fn demo_options_are_checked() {
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_hazcat-demo"))
            .args(args)
            .output()
            .expect("run hazcat-demo")
    };
    let help = run(&["--help"]);
    assert!(help.status.success());
    assert!(String::from_utf8_lossy(&help.stdout).contains("--sizes <LIST>"));
    for bad in [
        &["--poll", "sometimes"][..],
        &["--sizes", "8"],
        &["--colour"],
    ] {
        let out = run(bad);
        assert_eq!(out.status.code(), Some(1), "{bad:?}");
        assert!(
            String::from_utf8_lossy(&out.stderr).starts_with("hazcat-demo: error: "),
            "{bad:?}"
        );
    }
}

/// The README's first command builds this crate: it must stay small (no benchmark peers, no
/// plotting, no CUDA backend, no argument parser crate).
#[test]
fn demo_builds_only_hazcat_core_and_its_dependencies() {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = Command::new(cargo)
        .args([
            "tree",
            "--locked",
            "-p",
            "hazcat_demo",
            "-e",
            "normal,build",
        ])
        .args(["--prefix", "none", "--format", "{p}"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("run cargo tree");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut crates: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.split_whitespace().next().map(str::to_owned))
        .collect();
    crates.sort();
    crates.dedup();
    for heavy in [
        "iceoryx2",
        "plotters",
        "clap",
        "cudarc",
        "hazcat_benchmarks",
    ] {
        assert!(!crates.iter().any(|c| c == heavy), "{heavy} in {crates:?}");
    }
    assert!(crates.iter().any(|c| c == "hazcat_core"), "{crates:?}");
    assert!(crates.len() <= 20, "{} crates: {crates:?}", crates.len());
}
