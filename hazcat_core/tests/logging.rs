//! hazcat_core reports recovery and refusal paths through the `log` facade (quiet unless the
//! host installs a logger, as the rmw does with rcutils).

mod common;

use std::sync::Mutex;

use common::unique_domain;
use hazcat_core::{naming, os::shm_file, Participant};

/// Collects every record at any level.
struct Capture(Mutex<Vec<(log::Level, String)>>);

impl log::Log for Capture {
    fn enabled(&self, _: &log::Metadata) -> bool {
        true
    }
    fn log(&self, record: &log::Record) {
        self.0
            .lock()
            .unwrap()
            .push((record.level(), record.args().to_string()));
    }
    fn flush(&self) {}
}

static CAPTURE: Capture = Capture(Mutex::new(Vec::new()));

#[test]
fn a_corrupt_object_is_refused_with_a_warning() {
    log::set_logger(&CAPTURE).unwrap();
    log::set_max_level(log::LevelFilter::Trace);
    let domain = unique_domain();
    let name = naming::registry(domain);
    let path = format!("{}/{name}", shm_file::ensure_dir().unwrap());
    // Long enough to hold a header, but not a hazcat object.
    std::fs::write(&path, vec![0x5a; 4096]).unwrap();
    // Owner-only, as hazcat's objects are (others' files are refused before they are read).
    std::fs::set_permissions(&path, std::os::unix::fs::PermissionsExt::from_mode(0o600)).unwrap();
    let joined = Participant::join(domain);
    std::fs::remove_file(&path).unwrap();
    shm_file::remove_dir_if_empty();
    let err = joined.expect_err("joined a domain whose registry is garbage");
    assert!(err.to_string().contains("is corrupt: bad magic"), "{err}");
    let logged = CAPTURE.0.lock().unwrap();
    assert!(
        logged.iter().any(|(level, text)| *level == log::Level::Warn
            && text.starts_with(&format!("{name}: not opened, corrupt: bad magic"))),
        "{logged:?}"
    );
}
