//! Multi-process test harness: a test re-executes its own binary as a child process that runs a
//! named role (`HAZCAT_CHILD_ROLE`), and talks to it through line-based pipes. Pipes are the only
//! synchronisation; the timeouts below only turn a hang into a failure.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::mpsc;
use std::time::Duration;

use hazcat_core::{naming, os::shm_file};
use hazcat_core::{Listener, Participant, Received, Subscriber, Topic, TypeInfo};

/// Generous bound for any single step; exceeding it is a failure (deadlock), never a sync point.
pub const STEP_TIMEOUT: Duration = Duration::from_secs(120);

/// A ROS domain id unique to this test process and call (tests run in parallel).
pub fn unique_domain() -> u32 {
    static N: AtomicU32 = AtomicU32::new(0);
    100_000 + (std::process::id() % 100_000) * 16 + N.fetch_add(1, Ordering::Relaxed)
}

/// hazcat objects of `domain` in /dev/shm.
pub fn shm_objects(domain: u32) -> Vec<String> {
    shm_file::list(&naming::prefix(domain))
}

/// A child process running a role of this test binary.
pub struct Peer {
    child: Child,
    lines: mpsc::Receiver<String>,
    stdin: Option<ChildStdin>,
    pub name: String,
}

/// Starts `role` in a child process with `env` (plus the role itself). `test_entry` is the name
/// of the `#[ignore]`d test function that dispatches roles in this test binary.
pub fn spawn(test_entry: &str, role: &str, env: &[(&str, String)]) -> Peer {
    spawn_wrapped(&[], test_entry, role, env)
}

/// [`spawn`] through a wrapper command line (e.g. `unshare --pid --fork`) that ends by running
/// the program and arguments that follow it.
pub fn spawn_wrapped(
    wrapper: &[&str],
    test_entry: &str,
    role: &str,
    env: &[(&str, String)],
) -> Peer {
    let exe = std::env::current_exe().expect("test binary path");
    let mut cmd = match wrapper.split_first() {
        Some((program, args)) => {
            let mut c = Command::new(program);
            c.args(args).arg(exe);
            c
        }
        None => Command::new(exe),
    };
    cmd.args([
        test_entry,
        "--exact",
        "--ignored",
        "--nocapture",
        "--test-threads=1",
        "-q",
    ])
    .env("HAZCAT_CHILD_ROLE", role)
    .stdin(Stdio::piped())
    .stdout(Stdio::piped())
    .stderr(Stdio::inherit());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().expect("spawn child");
    let stdout = child.stdout.take().expect("piped stdout");
    let stdin = child.stdin.take();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if let Some(msg) = line.strip_prefix("@@") {
                if tx.send(msg.to_owned()).is_err() {
                    break;
                }
            }
        }
    });
    Peer {
        child,
        lines: rx,
        stdin,
        name: role.to_owned(),
    }
}

impl Peer {
    /// Waits for the next message line from the child (lines it printed with [`say`]).
    pub fn recv(&mut self) -> String {
        match self.lines.recv_timeout(STEP_TIMEOUT) {
            Ok(l) => l,
            Err(e) => {
                let _ = self.child.kill();
                panic!(
                    "peer '{}' sent nothing ({e:?}); status {:?}",
                    self.name,
                    self.child.try_wait()
                );
            }
        }
    }

    /// Waits for a line starting with `prefix`, returning the rest.
    pub fn expect(&mut self, prefix: &str) -> String {
        let l = self.recv();
        match l.strip_prefix(prefix) {
            Some(rest) => rest.trim().to_owned(),
            None => panic!("peer '{}': expected '{prefix}…', got '{l}'", self.name),
        }
    }

    /// Sends a line to the child's stdin (read with [`listen`]). A child that already exited
    /// is not an error here: [`Peer::join`] reports how it ended.
    pub fn send(&mut self, line: &str) {
        if let Some(stdin) = self.stdin.as_mut() {
            let _ = writeln!(stdin, "{line}").and_then(|_| stdin.flush());
        }
    }

    /// SIGKILLs the child and reaps it.
    pub fn kill9(mut self) {
        // SAFETY: sending a signal to our own child process id; no memory is involved.
        unsafe {
            libc::kill(self.child.id() as i32, libc::SIGKILL);
        }
        let _ = self.child.wait();
    }

    /// Waits for the child to end however it ends; returns its status.
    pub fn wait_any(mut self) -> std::process::ExitStatus {
        drop(self.stdin.take());
        self.child.wait().expect("wait child")
    }

    /// Waits for a clean exit.
    pub fn join(mut self) {
        drop(self.stdin.take());
        let st = self.child.wait().expect("wait child");
        assert!(st.success(), "peer '{}' failed: {st:?}", self.name);
    }
}

/// Child side: sends a line to the parent.
pub fn say(msg: impl AsRef<str>) {
    let mut out = std::io::stdout().lock();
    writeln!(out, "@@{}", msg.as_ref()).expect("stdout");
    out.flush().expect("flush");
}

/// Child side: blocks for the next line from the parent.
pub fn listen() -> String {
    let mut s = String::new();
    std::io::stdin().read_line(&mut s).expect("stdin");
    s.trim().to_owned()
}

/// Child side: an environment value set by the parent.
pub fn arg<T: std::str::FromStr>(key: &str) -> T {
    std::env::var(key)
        .unwrap_or_else(|_| panic!("missing {key}"))
        .parse()
        .unwrap_or_else(|_| panic!("bad {key}"))
}

/// The role this process runs, if it is a child.
pub fn role() -> Option<String> {
    std::env::var("HAZCAT_CHILD_ROLE").ok()
}

/// Type name of the test topics.
pub const TEST_TYPE: &str = "test_msgs/msg/Bytes";

/// Environment of a child role working on `topic` in `domain`.
pub fn env(domain: u32, topic: &str) -> Vec<(&'static str, String)> {
    vec![("DOMAIN", domain.to_string()), ("TOPIC", topic.to_owned())]
}

/// Joins `domain` and opens `topic` (of [`TEST_TYPE`]).
pub fn open(domain: u32, topic: &str) -> (Participant, std::sync::Arc<Topic>) {
    let p = Participant::join(domain).expect("join");
    let t = p.topic(topic, &TypeInfo::named(TEST_TYPE)).expect("topic");
    (p, t)
}

/// Blocks on `listener` until `sub` yields a message (a step timeout turns a hang into a failure).
pub fn take_blocking(sub: &Subscriber, listener: &Listener) -> Received {
    loop {
        let epoch = listener.epoch();
        if let Some(m) = sub.take().expect("take") {
            return m;
        }
        assert!(
            listener.wait(epoch, Some(STEP_TIMEOUT)),
            "no message within the step timeout"
        );
    }
}

/// Path of the object `name` in the shm directory.
pub fn shm_path(name: &str) -> String {
    format!("{}/{name}", shm_file::shm_dir())
}

/// Writes `bytes` at `off` of the object `name` (as a hostile process would).
pub fn write_at(name: &str, off: u64, bytes: &[u8]) {
    use std::os::unix::fs::FileExt;
    let f = std::fs::OpenOptions::new()
        .write(true)
        .open(shm_path(name))
        .unwrap();
    f.write_all_at(bytes, off).unwrap();
}
