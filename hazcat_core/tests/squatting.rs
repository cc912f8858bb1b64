//! No cross-user denial of service: with `HAZCAT_SHM_DIR` unset, the objects live in the
//! per-user directory `<base>/hazcat-<uid>` of a world-writable sticky base (here a temporary
//! `HAZCAT_SHM_BASE` of mode 1777 standing in for /dev/shm). A second uid that pre-creates that
//! name (a directory, or a symbolic link to one it owns) neither blocks nor redirects the domain:
//! peers meet in the `$XDG_RUNTIME_DIR/hazcat` fallback, and without one joining fails with an
//! error naming the squatted path and its owner. The last participant removes the per-user
//! directory, and a process that held it re-creates it. Acting as another uid needs root: those
//! cases are skipped, saying why, otherwise. Pipes synchronise; nothing sleeps.

mod common;

use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::Command;

use common::*;
use hazcat_core::os::shm_file;
use hazcat_core::*;

const ENTRY: &str = "squatting_child";
/// The squatter's uid and gid.
const SQUATTER: u32 = 4242;
/// Messages per exchange.
const COUNT: u32 = 20;

/// A fresh temporary directory of `mode`, removed with its contents on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new(tag: &str, mode: u32) -> TempDir {
        static N: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
        let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let p = std::env::temp_dir().join(format!("hazcat-squat-{tag}-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&p);
        std::fs::create_dir(&p).unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(mode)).unwrap();
        TempDir(p)
    }

    fn join(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }

    fn entries(&self) -> Vec<String> {
        entries(&self.0)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn entries(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    v.sort();
    v
}

fn euid() -> u32 {
    // SAFETY: geteuid has no preconditions.
    unsafe { libc::geteuid() }
}

/// Whether this test can act as another uid; prints why not.
fn can_squat() -> bool {
    if euid() != 0 {
        println!("skipped: squatting as uid {SQUATTER} needs root");
        return false;
    }
    true
}

/// Runs `cmd args` as the squatter (`setpriv`); without setpriv, as root followed by an `lchown`
/// of `made` to the squatter.
fn as_squatter(cmd: &str, args: &[&Path], made: &Path) {
    let id = SQUATTER.to_string();
    let run = Command::new("setpriv")
        .args(["--reuid", &id, "--regid", &id, "--clear-groups", cmd])
        .args(args)
        .status();
    match run {
        Ok(st) => assert!(st.success(), "setpriv {cmd} {args:?}: {st:?}"),
        Err(e) => {
            println!("no setpriv ({e}): squatting as root, then chown to {SQUATTER}");
            assert!(Command::new(cmd).args(args).status().unwrap().success());
            std::os::unix::fs::lchown(made, Some(SQUATTER), Some(SQUATTER)).unwrap();
        }
    }
    assert_eq!(std::fs::symlink_metadata(made).unwrap().uid(), SQUATTER);
}

/// How the squatter takes the per-user name.
#[derive(Clone, Copy, Debug)]
enum Squat {
    /// A directory of its own.
    Dir,
    /// A symbolic link to a directory of its own.
    Symlink,
}

/// Squats `<base>/hazcat-<euid>`; returns the directory the squatter owns.
fn squat(base: &TempDir, how: Squat) -> PathBuf {
    let name = base.join(&format!("hazcat-{}", euid()));
    match how {
        // Mode 0700: only the owner check keeps a root victim out of it.
        Squat::Dir => {
            as_squatter("mkdir", &[Path::new("-m700"), &name], &name);
            name
        }
        // Open to all: a victim writing there would hand its objects over.
        Squat::Symlink => {
            let target = base.join("squatters-own");
            as_squatter("mkdir", &[Path::new("-m777"), &target], &target);
            as_squatter("ln", &[Path::new("-s"), &target, &name], &name);
            target
        }
    }
}

/// Environment of a child: `HAZCAT_SHM_DIR` unset, `base` as the shm base, `runtime` (if any) as
/// `XDG_RUNTIME_DIR`, which is unset otherwise.
fn spawn_in(role: &str, base: &TempDir, runtime: Option<&Path>, domain: u32, topic: &str) -> Peer {
    let mut env = env(domain, topic);
    env.push(("HAZCAT_SHM_BASE", base.0.display().to_string()));
    env.push(("COUNT", COUNT.to_string()));
    let mut wrapper = vec!["env", "-u", "HAZCAT_SHM_DIR"];
    match runtime {
        Some(r) => env.push(("XDG_RUNTIME_DIR", r.display().to_string())),
        None => wrapper.extend(["-u", "XDG_RUNTIME_DIR"]),
    }
    spawn_wrapped(&wrapper, ENTRY, role, &env)
}

/// A subscriber and a publisher in two processes exchange [`COUNT`] messages; returns the shm
/// directory both reported, with the objects of `domain` it held meanwhile.
fn exchange(base: &TempDir, runtime: Option<&Path>, domain: u32) -> (String, Vec<String>) {
    let topic = "/squat/chatter";
    let mut sub = spawn_in("sub", base, runtime, domain, topic);
    let dir = sub.expect("ready");
    let mut publ = spawn_in("pub", base, runtime, domain, topic);
    assert_eq!(
        publ.expect("ready"),
        dir,
        "peers must meet in one directory"
    );
    let objects: Vec<String> = entries(Path::new(&dir))
        .into_iter()
        .filter(|n| n.starts_with(&naming::prefix(domain)))
        .collect();
    let m = std::fs::symlink_metadata(&dir).unwrap();
    assert!(m.is_dir());
    assert_eq!((m.uid(), m.mode() & 0o7777), (euid(), 0o700), "{dir}");
    publ.send("go");
    assert_eq!(publ.expect("published"), COUNT.to_string());
    assert_eq!(sub.expect("got"), COUNT.to_string());
    for p in [&mut sub, &mut publ] {
        p.send("exit");
    }
    sub.join();
    publ.join();
    (dir, objects)
}

#[test]
#[ignore = "child process entry point; run by the other tests"]
fn squatting_child() {
    let Some(role) = role() else { return };
    let domain: u32 = arg("DOMAIN");
    let topic: String = arg("TOPIC");
    let wait_exit = || while !matches!(listen().as_str(), "exit" | "") {};
    match role.as_str() {
        "sub" => {
            let (p, t) = open(domain, &topic);
            let sub = Subscriber::new(
                &t,
                SubscriberOptions {
                    depth: COUNT,
                    ..Default::default()
                },
            )
            .unwrap();
            let l = p.listener().unwrap();
            sub.attach(&l);
            say(format!("ready {}", shm_file::shm_dir()));
            let count: u32 = arg("COUNT");
            for i in 1..=count {
                let m = take_blocking(&sub, &l);
                assert_eq!(m.bytes().unwrap(), &i.to_le_bytes()[..]);
            }
            say(format!("got {count}"));
            wait_exit();
        }
        "pub" => {
            let (_p, t) = open(domain, &topic);
            let publ = Publisher::new(&t, PublisherOptions::default()).unwrap();
            say(format!("ready {}", shm_file::shm_dir()));
            assert_eq!(listen(), "go");
            let count: u32 = arg("COUNT");
            for i in 1..=count {
                publ.publish_bytes(&i.to_le_bytes()).unwrap();
            }
            say(format!("published {count}"));
            wait_exit();
        }
        "joiner" => match Participant::join(domain) {
            Ok(_) => say(format!("joined {}", shm_file::shm_dir())),
            Err(e) => say(format!("join-err {e}")),
        },
        // Holds the per-user directory before any object of its own is in it, so that another
        // process's last leave removes it under this one; then joins and does a round trip.
        "holder" => {
            let dir = shm_file::describe().unwrap();
            assert!(dir.exists, "{dir:?}");
            say(format!("holds {}", dir.path));
            assert_eq!(listen(), "join");
            let (_p, t) = open(domain, &topic);
            let sub = Subscriber::new(&t, SubscriberOptions::default()).unwrap();
            let publ = Publisher::new(&t, PublisherOptions::default()).unwrap();
            publ.publish_bytes(b"again").unwrap();
            let m = sub.take().unwrap().expect("queued");
            assert_eq!(m.bytes(), Some(&b"again"[..]));
            say(format!("joined {}", shm_file::shm_dir()));
            wait_exit();
        }
        // Joins and leaves its own domain in a loop: each leave is the last of that domain and
        // removes the per-user directory when it is empty, racing with the others' creations.
        "churn" => {
            let count: u32 = arg("COUNT");
            for i in 0..count {
                let (p, t) = open(domain, &topic);
                let sub = Subscriber::new(&t, SubscriberOptions::default()).unwrap();
                let publ = Publisher::new(&t, PublisherOptions::default()).unwrap();
                publ.publish_bytes(&i.to_le_bytes()).unwrap();
                let m = sub.take().unwrap().expect("queued");
                assert_eq!(m.bytes(), Some(&i.to_le_bytes()[..]));
                drop((m, sub, publ, t, p));
            }
            say(format!("churned {count}"));
        }
        other => panic!("unknown role {other}"),
    }
}

#[test]
fn squatted_dir_or_symlink_leaves_peers_meeting_in_the_runtime_dir_fallback() {
    if !can_squat() {
        return;
    }
    for how in [Squat::Dir, Squat::Symlink] {
        let base = TempDir::new("fallback", 0o1777);
        let runtime = TempDir::new("runtime", 0o700);
        let owned = squat(&base, how);
        let before = base.entries();
        let domain = unique_domain();
        let (dir, objects) = exchange(&base, Some(&runtime.0), domain);
        assert_eq!(dir, runtime.join("hazcat").display().to_string(), "{how:?}");
        assert!(
            objects.contains(&naming::registry(domain)),
            "{how:?}: {objects:?}"
        );
        // Nothing went to the squatter, and the last participant removed the fallback.
        assert_eq!(entries(&owned), Vec::<String>::new(), "{how:?}");
        assert_eq!(base.entries(), before, "{how:?}");
        assert_eq!(runtime.entries(), Vec::<String>::new(), "{how:?}");
    }
}

#[test]
fn squatter_giving_the_name_up_does_not_split_peers_from_the_fallback() {
    if !can_squat() {
        return;
    }
    let base = TempDir::new("giveup", 0o1777);
    let runtime = TempDir::new("runtime", 0o700);
    let name = squat(&base, Squat::Dir);
    let fallback = runtime.join("hazcat").display().to_string();
    let (domain, topic) = (unique_domain(), "/squat/giveup");
    let mut sub = spawn_in("sub", &base, Some(&runtime.0), domain, topic);
    assert_eq!(sub.expect("ready"), fallback);
    std::fs::remove_dir(&name).unwrap();
    // A process started now still meets the subscriber in the fallback.
    let mut publ = spawn_in("pub", &base, Some(&runtime.0), domain, topic);
    assert_eq!(publ.expect("ready"), fallback);
    publ.send("go");
    publ.expect("published");
    assert_eq!(sub.expect("got"), COUNT.to_string());
    for p in [&mut sub, &mut publ] {
        p.send("exit");
    }
    sub.join();
    publ.join();
    assert_eq!(runtime.entries(), Vec::<String>::new());
    // Everyone gone: back to the per-user directory.
    let (dir, _) = exchange(&base, Some(&runtime.0), unique_domain());
    assert_eq!(dir, name.display().to_string());
    assert_eq!(base.entries(), Vec::<String>::new());
}

#[test]
fn squatted_dir_without_usable_fallback_fails_join_naming_it() {
    if !can_squat() {
        return;
    }
    let base = TempDir::new("nofallback", 0o1777);
    squat(&base, Squat::Dir);
    let squatted = base.join(&format!("hazcat-{}", euid()));
    let expect_error = |runtime: Option<&Path>, also: &str| {
        let mut j = spawn_in("joiner", &base, runtime, unique_domain(), "/unused");
        let err = j.expect("join-err");
        j.join();
        println!("join refused: {err}");
        for part in [
            format!("'{}'", squatted.display()),
            format!("owned by uid {SQUATTER}"),
            "HAZCAT_SHM_DIR".to_owned(),
            also.to_owned(),
        ] {
            assert!(err.contains(&part), "{part}: {err}");
        }
    };
    expect_error(None, "XDG_RUNTIME_DIR is not set");
    // A runtime directory whose `hazcat` entry is squatted too is no way out.
    let runtime = TempDir::new("runtime", 0o700);
    let inner = runtime.join("hazcat");
    std::fs::create_dir(&inner).unwrap();
    std::os::unix::fs::chown(&inner, Some(SQUATTER), Some(SQUATTER)).unwrap();
    expect_error(Some(&runtime.0), "neither is the fallback");
    assert_eq!(base.entries(), vec![format!("hazcat-{}", euid())]);
}

#[test]
fn per_user_dir_is_private_and_removed_by_the_last_participant_and_recreated_by_a_holder() {
    let base = TempDir::new("peruser", 0o1777);
    let domain = unique_domain();
    let expected = base
        .join(&format!("hazcat-{}", euid()))
        .display()
        .to_string();
    // The holder resolves the directory while an exchange keeps it alive.
    let topic = "/squat/holder";
    let mut keep = spawn_in("sub", &base, None, domain, topic);
    assert_eq!(keep.expect("ready"), expected);
    let mut holder = spawn_in("holder", &base, None, unique_domain(), topic);
    assert_eq!(holder.expect("holds"), expected);
    let mut publ = spawn_in("pub", &base, None, domain, topic);
    assert_eq!(publ.expect("ready"), expected);
    publ.send("go");
    publ.expect("published");
    keep.expect("got");
    for p in [&mut keep, &mut publ] {
        p.send("exit");
    }
    keep.join();
    publ.join();
    assert_eq!(
        base.entries(),
        Vec::<String>::new(),
        "last leave removes it"
    );
    // The holder's directory is gone: it creates a new one to join.
    holder.send("join");
    assert_eq!(holder.expect("joined"), expected);
    holder.send("exit");
    holder.join();
    assert_eq!(base.entries(), Vec::<String>::new());
}

#[test]
fn concurrent_last_leaves_and_joins_never_fail_over_the_per_user_dir() {
    let base = TempDir::new("churn", 0o1777);
    let peers: Vec<Peer> = (0..4)
        .map(|_| spawn_in("churn", &base, None, unique_domain(), "/squat/churn"))
        .collect();
    for mut p in peers {
        assert_eq!(p.expect("churned"), COUNT.to_string());
        p.join();
    }
    assert_eq!(base.entries(), Vec::<String>::new());
}
