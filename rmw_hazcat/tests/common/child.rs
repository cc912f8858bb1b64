//! Child processes: a test re-executes its own test binary to run one test function of it (the
//! binary's `child_entry`, or one of its `child_*` tests) in a role, with the role and the ROS
//! domain in the environment. Parent and child talk through line-based pipes; the child's lines
//! carry [`MARKER`] (libtest prints its own output around them). Synchronisation is by pipes
//! only, never by sleeping.

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, ChildStdout, Command, Stdio};

/// Environment variable with the role of a child process.
pub const ROLE: &str = "HAZCAT_RMW_ROLE";
/// Environment variable with the ROS domain id of a child process.
pub const DOMAIN: &str = "HAZCAT_RMW_DOMAIN";
/// Starts every line a child sends with [`say`].
pub const MARKER: &str = "HAZCAT:";

/// Re-executes this test binary running only the test `test`, as `role` in `domain`, with its
/// stdin and stdout piped; returns the child and its buffered stdout.
pub fn spawn_test(test: &str, role: &str, domain: usize) -> (Child, BufReader<ChildStdout>) {
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([
            test,
            "--exact",
            "--ignored",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(ROLE, role)
        .env(DOMAIN, domain.to_string())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("re-exec the test binary");
    let out = BufReader::new(child.stdout.take().unwrap());
    (child, out)
}

/// [`spawn_test`] of the binary's `child_entry` test.
pub fn spawn(role: &str, domain: usize) -> (Child, BufReader<ChildStdout>) {
    spawn_test("child_entry", role, domain)
}

/// In a child: its role and domain; `None` in the normal test run.
pub fn role_and_domain() -> Option<(String, usize)> {
    let role = std::env::var(ROLE).ok()?;
    let domain = std::env::var(DOMAIN).unwrap().parse().unwrap();
    Some((role, domain))
}

/// In a child running `role`: its domain; `None` otherwise (the normal test run).
pub fn domain_if_role(role: &str) -> Option<usize> {
    (std::env::var(ROLE).as_deref() == Ok(role))
        .then(|| std::env::var(DOMAIN).unwrap().parse().unwrap())
}

/// Reads lines until one contains `prefix` (libtest may print "test child_entry ... " before it
/// on the same line); returns what follows it.
pub fn expect_line(out: &mut impl BufRead, prefix: &str) -> String {
    let mut line = String::new();
    loop {
        line.clear();
        assert!(
            out.read_line(&mut line).unwrap() > 0,
            "peer ended before '{prefix}'"
        );
        if let Some(pos) = line.find(prefix) {
            return line[pos + prefix.len()..].trim_end().to_owned();
        }
    }
}

/// Child side: sends `line` to the parent (after [`MARKER`]), flushed at once.
pub fn say(line: &str) {
    println!("{MARKER}{line}");
    std::io::stdout().flush().unwrap();
}

/// Child side: the next line from the parent, trimmed.
pub fn read_stdin_line() -> String {
    let mut s = String::new();
    std::io::stdin().read_line(&mut s).unwrap();
    s.trim().to_owned()
}

/// Child side: blocks until the parent closes our stdin.
pub fn wait_for_stdin_close() {
    let mut sink = Vec::new();
    std::io::stdin().read_to_end(&mut sink).unwrap();
}

/// Parent side: sends `line` to a child's stdin, flushed at once.
pub fn send_line(stdin: &mut impl Write, line: &str) {
    writeln!(stdin, "{line}").unwrap();
    stdin.flush().unwrap();
}
