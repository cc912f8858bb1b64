//! Runs the `hazcat` binary against endpoints held open by other processes (`hazcat demo ...
//! --hold` children). Children say `ready` on stdout once their endpoints exist; that line is the
//! only synchronisation.

use std::io::{BufRead, BufReader, Write};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Output, Stdio};

use hazcat_core::{naming, os::shm_file};
use serde_json::Value;

const HAZCAT: &str = env!("CARGO_BIN_EXE_hazcat");

/// A ROS domain id private to this test process and call.
fn unique_domain(k: u32) -> u32 {
    300_000 + (std::process::id() % 100_000) * 8 + k
}

fn objects(dom: u32) -> Vec<String> {
    let mut v = shm_file::list(&naming::prefix(dom));
    v.sort();
    v
}

/// A `hazcat demo` child holding its endpoint; killed on drop.
struct Holder {
    child: Child,
    stdin: Option<ChildStdin>,
}

impl Holder {
    fn start(args: &[&str]) -> Holder {
        Holder::start_in(args, None)
    }

    /// `start` with `HAZCAT_SHM_DIR=shm_dir` when given.
    fn start_in(args: &[&str], shm_dir: Option<&Path>) -> Holder {
        let mut cmd = Command::new(HAZCAT);
        if let Some(d) = shm_dir {
            cmd.env("HAZCAT_SHM_DIR", d);
        }
        let mut child = cmd
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("spawn hazcat demo");
        let stdin = child.stdin.take();
        let mut out = BufReader::new(child.stdout.take().expect("stdout"));
        let mut line = String::new();
        loop {
            line.clear();
            let n = out.read_line(&mut line).expect("read child stdout");
            assert!(n > 0, "child exited before becoming ready");
            if line.trim() == "ready" {
                break;
            }
        }
        Holder { child, stdin }
    }

    fn pid(&self) -> u32 {
        self.child.id()
    }

    /// SIGKILL: the process leaves its endpoints, pools and registry row behind.
    fn kill(&mut self) {
        self.child.kill().expect("kill");
        self.child.wait().expect("reap");
    }

    /// Closes stdin: the child releases everything and exits normally.
    fn finish(&mut self) {
        if let Some(mut s) = self.stdin.take() {
            let _ = s.flush();
        }
        assert!(self.child.wait().expect("wait").success());
    }
}

impl Drop for Holder {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Removes whatever a failed test left in its private domain.
struct DomainGuard(u32);

impl Drop for DomainGuard {
    fn drop(&mut self) {
        for o in objects(self.0) {
            let _ = shm_file::unlink(&o);
        }
    }
}

fn hazcat(args: &[&str]) -> Output {
    Command::new(HAZCAT)
        .args(args)
        .output()
        .expect("run hazcat")
}

fn json(args: &[&str]) -> Value {
    let out = hazcat(args);
    assert!(
        out.status.success(),
        "hazcat {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("valid JSON")
}

fn topic<'a>(ls: &'a Value, name: &str) -> &'a Value {
    ls["domains"][0]["topics"]
        .as_array()
        .expect("topics")
        .iter()
        .find(|t| t["name"] == name)
        .unwrap_or_else(|| panic!("topic {name} not listed: {ls}"))
}

#[test]
fn ls_stats_and_clean_against_live_and_killed_processes() {
    let dom = unique_domain(0);
    let _guard = DomainGuard(dom);
    let d = dom.to_string();
    let mut listener = Holder::start(&[
        "demo",
        "listener",
        "-d",
        &d,
        "-t",
        "/cli/chatter",
        "-n",
        "0",
        "--hold",
    ]);
    let mut talker = Holder::start(&[
        "demo",
        "talker",
        "-d",
        &d,
        "-t",
        "/cli/chatter",
        "-n",
        "3",
        "--rate",
        "0",
        "--hold",
    ]);

    // ls: both endpoints, their pids, memory domains, zero-copy engaged.
    let ls = json(&["ls", "-d", &d, "--json"]);
    let t = topic(&ls, "/cli/chatter");
    assert_eq!(t["type"], "hazcat_demo/msg/Bytes");
    assert_eq!(t["zero_copy"], "yes");
    assert_eq!(t["published"], 3);
    let eps = t["endpoints"].as_array().unwrap();
    assert_eq!(eps.len(), 2);
    for (role, pid) in [("publisher", talker.pid()), ("subscriber", listener.pid())] {
        let e = eps.iter().find(|e| e["role"] == role).expect(role);
        assert_eq!(e["pid"], pid);
        assert_eq!(e["alive"], true);
        assert_eq!(e["memory_domain"], "host");
    }
    assert_eq!(
        eps.iter().find(|e| e["role"] == "subscriber").unwrap()["queued"],
        3
    );
    // QoS as the rows hold it: the demo's publisher offers reliability, its subscriber does not
    // require it; neither has a deadline or a lease.
    let qos = |role: &str| {
        let e = eps.iter().find(|e| e["role"] == role).unwrap();
        (
            e["reliable"].clone(),
            e["deadline_ns"].clone(),
            e["lease_ns"].clone(),
        )
    };
    assert_eq!(qos("publisher"), (true.into(), 0.into(), 0.into()));
    assert_eq!(qos("subscriber"), (false.into(), 0.into(), 0.into()));
    assert!(!t["pools"].as_array().unwrap().is_empty());
    assert_eq!(
        ls["domains"][0]["participants"].as_array().unwrap().len(),
        2
    );

    // The table form names the topic too.
    let table = String::from_utf8(hazcat(&["ls", "-d", &d, "--pools"]).stdout).unwrap();
    assert!(table.contains("/cli/chatter"), "{table}");
    assert!(table.contains(&talker.pid().to_string()), "{table}");
    assert!(table.contains("reliable, volatile"), "{table}");

    // stats.
    let stats = json(&["stats", "-d", &d, "--json"]);
    let s = &stats["topics"][0];
    assert_eq!(s["topic"], "/cli/chatter");
    assert_eq!(s["published"], 3);
    assert_eq!(
        (s["publishers"].as_u64(), s["subscribers"].as_u64()),
        (Some(1), Some(1))
    );

    // Inspection and clean leave live processes' objects alone.
    let before = objects(dom);
    let c = json(&["clean", "-d", &d, "--json"]);
    assert_eq!(c["domains"][0]["dead_endpoints"], 0);
    assert_eq!(c["domains"][0]["removed"].as_array().unwrap().len(), 0);
    assert_eq!(objects(dom), before);
    assert_eq!(
        topic(&json(&["ls", "-d", &d, "--json"]), "/cli/chatter")["endpoints"]
            .as_array()
            .unwrap()
            .len(),
        2
    );

    // Kill the talker: ls shows it dead, clean reclaims it, the listener keeps its queue.
    talker.kill();
    let t = json(&["ls", "-d", &d, "--json"]);
    let dead = topic(&t, "/cli/chatter")["endpoints"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["role"] == "publisher")
        .expect("dead publisher still listed before clean")
        .clone();
    assert_eq!(dead["alive"], false);
    let dry = json(&["clean", "-d", &d, "--dry-run", "--json"]);
    assert_eq!(dry["domains"][0]["dead_endpoints"], 1);
    assert_eq!(objects(dom).len(), before.len(), "dry run changed nothing");
    let c = json(&["clean", "-d", &d, "--json"]);
    assert_eq!(c["domains"][0]["dead_participants"], 1);
    assert_eq!(c["domains"][0]["dead_endpoints"], 1);
    assert_eq!(c["domains"][0]["live_participants"], 1);
    let ls = json(&["ls", "-d", &d, "--json"]);
    let t = topic(&ls, "/cli/chatter");
    let eps = t["endpoints"].as_array().unwrap();
    assert_eq!(eps.len(), 1);
    assert_eq!(eps[0]["pid"], listener.pid());
    assert_eq!(
        eps[0]["queued"], 3,
        "the live subscriber's messages survive"
    );
    assert_eq!(
        ls["domains"][0]["participants"].as_array().unwrap().len(),
        1
    );

    // Kill the listener too: nothing live remains, clean removes every object of the domain.
    listener.kill();
    assert!(!objects(dom).is_empty());
    let c = json(&["clean", "-d", &d, "--json"]);
    assert_eq!(c["domains"][0]["live_participants"], 0);
    assert!(objects(dom).is_empty(), "left: {:?}", objects(dom));
}

#[test]
fn normal_exit_leaves_nothing_and_ls_reports_empty() {
    let dom = unique_domain(1);
    let _guard = DomainGuard(dom);
    let d = dom.to_string();
    let mut h = Holder::start(&["demo", "listener", "-d", &d, "-n", "0", "--hold"]);
    assert!(!objects(dom).is_empty());
    h.finish();
    assert!(objects(dom).is_empty());
    let ls = json(&["ls", "-d", &d, "--json"]);
    assert_eq!(ls["domains"][0]["registry"], false);
    assert!(String::from_utf8(hazcat(&["clean", "-d", &d]).stdout)
        .unwrap()
        .contains("ROS domain"));
    assert!(
        objects(dom).is_empty(),
        "clean of an empty domain creates nothing"
    );
}

#[test]
fn doctor_names_file_line_and_rule_of_a_bad_config() {
    let path = std::env::temp_dir().join(format!("hazcat_cli_test_{}.yaml", std::process::id()));
    std::fs::write(
        &path,
        "rules:\n  - topic: /ok\n  - name: camera\n    topic: /image\n    domain: gpu:0\n",
    )
    .unwrap();
    let out = Command::new(HAZCAT)
        .args(["doctor", "--json"])
        .env("HAZCAT_CONFIG", &path)
        .output()
        .unwrap();
    std::fs::remove_file(&path).unwrap();
    assert!(!out.status.success(), "a broken config fails the doctor");
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let cfg = v["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["check"] == "config")
        .unwrap();
    assert_eq!(cfg["status"], "fail");
    let detail = cfg["detail"].as_str().unwrap();
    assert!(
        detail.ends_with(".yaml:5: rules[1] \"camera\": domain: unknown memory domain 'gpu:0': expected host, cuda:N or emulated:N"),
        "{detail}"
    );

    // A CUDA rule on a machine with fewer devices is caught too.
    std::fs::write(&path, "rules:\n  - topic: /image\n    domain: cuda:99\n").unwrap();
    let out = Command::new(HAZCAT)
        .args(["doctor", "--json"])
        .env("HAZCAT_CONFIG", &path)
        .output()
        .unwrap();
    std::fs::remove_file(&path).unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let detail = v["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["check"] == "config")
        .unwrap()["detail"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        detail.contains(":2: rules[0]: domain cuda:99: this machine has"),
        "{detail}"
    );
}

#[test]
fn demo_talker_to_listener_and_bench_round_trip() {
    let dom = unique_domain(2);
    let _guard = DomainGuard(dom);
    let d = dom.to_string();
    // The listener becomes ready (subscribed) before the talker publishes; depth 100 holds all.
    let child = Command::new(HAZCAT)
        .args([
            "--json",
            "demo",
            "listener",
            "-d",
            &d,
            "-t",
            "/cli/demo",
            "-n",
            "20",
            "--memory",
            "emulated:1",
        ])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    // The listener has no `ready` line without --hold; wait until its endpoint is visible.
    let listener_seen = || {
        let ls = json(&["ls", "-d", &d, "--json"]);
        ls["domains"][0]["topics"].as_array().is_some_and(|t| {
            t.iter().any(|t| {
                t["name"] == "/cli/demo"
                    && t["endpoints"]
                        .as_array()
                        .is_some_and(|e| e.iter().any(|e| e["role"] == "subscriber"))
            })
        })
    };
    while !listener_seen() {
        std::thread::yield_now();
    }
    let out = hazcat(&[
        "--json",
        "demo",
        "talker",
        "-d",
        &d,
        "-t",
        "/cli/demo",
        "-n",
        "20",
        "--rate",
        "0",
        "--size",
        "1KiB",
    ]);
    assert!(out.status.success());
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["received"], 20);
    assert_eq!(
        v["copied"], 20,
        "host -> emulated:1 needs one copy per message"
    );

    let b = json(&["bench", "-d", &d, "-n", "200", "--warmup", "10", "--json"]);
    assert!(b["rtt_us"]["p50"].as_f64().unwrap() > 0.0);
    assert!(objects(dom).is_empty(), "left: {:?}", objects(dom));
}

#[test]
fn shipped_example_configs_are_valid() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../config");
    let mut n = 0;
    for e in std::fs::read_dir(&dir).expect("config/ exists") {
        let p = e.unwrap().path();
        if p.extension().is_some_and(|x| x == "yaml") {
            let cfg = hazcat_core::config::Config::load(&p).unwrap_or_else(|e| panic!("{e}"));
            assert!(
                !cfg.rules().is_empty() || p.ends_with("pingpong.yaml"),
                "{p:?}"
            );
            n += 1;
        }
    }
    assert!(n >= 3);
}

/// Runs `hazcat args` with stdout a pipe whose reader is already gone (`hazcat ... | head -0`).
fn run_with_closed_stdout(args: &[&str]) -> Output {
    let (reader, writer) = std::io::pipe().expect("pipe");
    drop(reader);
    Command::new(HAZCAT)
        .args(args)
        .stdin(Stdio::null())
        .stdout(writer)
        .output()
        .expect("run hazcat")
}

#[test]
fn closed_stdout_ends_every_subcommand_quietly() {
    let dom = unique_domain(3);
    let _guard = DomainGuard(dom);
    let d = dom.to_string();
    let demo_dom = unique_domain(4);
    let _demo_guard = DomainGuard(demo_dom);
    let dd = demo_dom.to_string();
    let config = std::env::temp_dir().join(format!("hazcat_cli_pipe_{}.yaml", std::process::id()));
    std::fs::write(&config, "version: 1\n").unwrap();
    let config_s = config.display().to_string();
    // Something to list: a live subscriber and an internal queue.
    let _h = Holder::start(&[
        "demo",
        "listener",
        "-d",
        &d,
        "-t",
        "/cli/pipe",
        "-n",
        "0",
        "--hold",
    ]);
    let commands: [&[&str]; 19] = [
        &["ls"],
        &["ls", "-d", &d],
        &["ls", "-d", &d, "--all", "--pools"],
        &["--json", "ls", "-d", &d],
        &["stats", "-d", &d],
        &["stats", "-d", &d, "--all"],
        &["--json", "stats", "-d", &d],
        &["doctor", "--config", &config_s],
        &["--json", "doctor", "--config", &config_s],
        &["clean", "-d", &d, "--dry-run"],
        &["--json", "clean", "-d", &d, "--dry-run"],
        &[
            "demo", "talker", "-d", &dd, "-t", "/cli/p", "-n", "2", "--rate", "0",
        ],
        &[
            "--json", "demo", "talker", "-d", &dd, "-t", "/cli/p", "-n", "1", "--rate", "0",
        ],
        &[
            "demo", "listener", "-d", &dd, "-t", "/cli/q", "-n", "0", "--hold",
        ],
        &["bench", "-d", &dd, "-n", "5", "--warmup", "1"],
        &["--json", "bench", "-d", &dd, "-n", "5", "--warmup", "1"],
        &["--help"],
        &["--version"],
        &["ls", "--help"],
    ];
    for args in commands {
        let normal = hazcat(args);
        let closed = run_with_closed_stdout(args);
        assert!(
            !normal.stdout.is_empty(),
            "hazcat {args:?} prints something"
        );
        assert_eq!(
            closed.status.code(),
            normal.status.code(),
            "hazcat {args:?} with a closed stdout: {}",
            String::from_utf8_lossy(&closed.stderr)
        );
        assert!(
            closed.stderr.is_empty(),
            "hazcat {args:?}: {}",
            String::from_utf8_lossy(&closed.stderr)
        );
        if !args.contains(&"doctor") {
            assert!(closed.status.success(), "hazcat {args:?}");
        }
    }
    std::fs::remove_file(&config).unwrap();
    // The demo and bench processes released everything although nobody read their output.
    assert!(
        objects(demo_dom).is_empty(),
        "left: {:?}",
        objects(demo_dom)
    );
}

fn config_check(args: &[&str], env_config: Option<&std::path::Path>) -> Value {
    let mut cmd = Command::new(HAZCAT);
    cmd.args(["--json", "doctor"]).args(args);
    match env_config {
        Some(p) => cmd.env("HAZCAT_CONFIG", p),
        None => cmd.env_remove("HAZCAT_CONFIG"),
    };
    let out = cmd.output().unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    v["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["check"] == "config")
        .unwrap()
        .clone()
}

#[test]
fn doctor_names_the_config_source_and_every_error() {
    let dir = std::env::temp_dir();
    let tag = std::process::id();
    let bad = dir.join(format!("hazcat_cli_many_{tag}.yaml"));
    let good = dir.join(format!("hazcat_cli_good_{tag}.yaml"));
    let empty = dir.join(format!("hazcat_cli_empty_{tag}.yaml"));
    std::fs::write(
        &bad,
        "version: 1\nrules:\n  - topic: chatter\n  - name: cam\n    domain: gpu:0\n    depth: 0\n",
    )
    .unwrap();
    std::fs::write(&good, "version: 1\nrules:\n  - topic: /a\n").unwrap();
    std::fs::write(&empty, "# to do\n\n").unwrap();
    let (bad_s, empty_s) = (bad.display().to_string(), empty.display().to_string());

    // --config: every error, each with file:line and rule; the source named is --config.
    let c = config_check(&["--config", &bad_s], None);
    assert_eq!(c["status"], "fail");
    let detail = c["detail"].as_str().unwrap();
    assert!(detail.starts_with("--config: 3 errors:\n"), "{detail}");
    assert!(!detail.contains("HAZCAT_CONFIG"), "{detail}");
    let errors: Vec<&str> = c["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e.as_str().unwrap())
        .collect();
    assert_eq!(errors.len(), 3, "{errors:?}");
    for (e, want) in errors.iter().zip([
        format!("{bad_s}:3: rules[0]: topic: pattern 'chatter'"),
        format!("{bad_s}:5: rules[1] \"cam\": domain: unknown memory domain 'gpu:0'"),
        format!("{bad_s}:6: rules[1] \"cam\": depth: '0'"),
    ]) {
        assert!(e.starts_with(&want), "{e}");
        assert!(detail.contains(e), "{detail}");
    }
    // The table form puts each error on a line of its own.
    let out = Command::new(HAZCAT)
        .args(["doctor", "--config", &bad_s])
        .env_remove("HAZCAT_CONFIG")
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(
        text.lines()
            .filter(|l| l.trim_start().starts_with(&format!("{bad_s}:")))
            .count(),
        3,
        "{text}"
    );

    // --config wins over HAZCAT_CONFIG and is the one named, also when it cannot be read.
    let missing = dir.join(format!("hazcat_cli_missing_{tag}.yaml"));
    let c = config_check(&["--config", &missing.display().to_string()], Some(&good));
    let detail = c["detail"].as_str().unwrap();
    assert!(
        detail.starts_with(&format!("--config: {}: cannot read", missing.display())),
        "{detail}"
    );
    assert!(!detail.contains("HAZCAT_CONFIG"), "{detail}");
    let c = config_check(&[], Some(&missing));
    let detail = c["detail"].as_str().unwrap();
    assert!(
        detail.starts_with(&format!(
            "HAZCAT_CONFIG: {}: cannot read",
            missing.display()
        )),
        "{detail}"
    );
    let c = config_check(&["--config", &good.display().to_string()], Some(&bad));
    assert_eq!(c["status"], "ok", "{c}");
    assert!(
        c["detail"].as_str().unwrap().starts_with("--config: "),
        "{c}"
    );

    // An empty file is an error that names the file and the minimal valid file.
    let c = config_check(&["--config", &empty_s], None);
    assert_eq!(c["status"], "fail");
    let detail = c["detail"].as_str().unwrap();
    assert!(
        detail.starts_with(&format!("--config: {empty_s}: empty configuration file")),
        "{detail}"
    );
    assert!(detail.contains("`version: 1`"), "{detail}");

    for f in [bad, good, empty] {
        std::fs::remove_file(f).unwrap();
    }
}

#[test]
fn ls_and_stats_hide_internal_queues_unless_asked() {
    let dom = unique_domain(5);
    let _guard = DomainGuard(dom);
    let d = dom.to_string();
    let request = "@rq:/cli/add_two_ints:example_interfaces/srv/AddTwoInts";
    let response =
        "@rr:/cli/add_two_ints:example_interfaces/srv/AddTwoInts:00112233445566778899aabbccddeeff";
    let _holders: Vec<Holder> = ["/cli/visible", request, response]
        .iter()
        .map(|t| Holder::start(&["demo", "listener", "-d", &d, "-t", t, "-n", "0", "--hold"]))
        .collect();
    let text = |args: &[&str]| String::from_utf8(hazcat(args).stdout).unwrap();

    let table = text(&["ls", "-d", &d]);
    assert!(table.contains("/cli/visible"), "{table}");
    assert!(!table.contains("add_two_ints"), "{table}");
    assert!(
        table.contains("2 service queue(s) not shown (--all)"),
        "{table}"
    );
    let all = text(&["ls", "-d", &d, "--all"]);
    assert!(all.contains("/cli/visible"), "{all}");
    assert!(all.contains("/cli/add_two_ints (requests)"), "{all}");
    assert!(
        all.contains("/cli/add_two_ints (responses for 00112233)"),
        "{all}"
    );
    assert!(!all.contains("@rq:") && !all.contains("@rr:"), "{all}");
    let widest = all.lines().map(|l| l.chars().count()).max().unwrap();
    assert!(widest <= 160, "{widest} columns:\n{all}");

    let stats = text(&["stats", "-d", &d]);
    assert!(
        stats.contains("/cli/visible") && !stats.contains("add_two_ints"),
        "{stats}"
    );
    let stats = text(&["stats", "-d", &d, "-a"]);
    assert!(stats.contains("/cli/add_two_ints (requests)"), "{stats}");

    // JSON is complete, internal queues flagged.
    let ls = json(&["ls", "-d", &d, "--json"]);
    let flags = |name: &str| {
        let t = topic(&ls, name);
        (t["internal"].clone(), t["service"].clone())
    };
    assert_eq!(flags("/cli/visible"), (false.into(), Value::Null));
    assert_eq!(flags(request), (true.into(), "/cli/add_two_ints".into()));
    assert_eq!(flags(response), (true.into(), "/cli/add_two_ints".into()));
    let stats = json(&["stats", "-d", &d, "--json"]);
    let internal: Vec<bool> = stats["topics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["internal"].as_bool().unwrap())
        .collect();
    assert_eq!(internal.len(), 3);
    assert_eq!(internal.iter().filter(|i| **i).count(), 2);
}

/// A tmpfs mounted on a fresh directory for one test; unmounted and removed on drop (after the
/// processes using it are gone: declare it before them).
struct Tmpfs(PathBuf);

impl Tmpfs {
    /// Mounts a tmpfs of `size` (`mount -o size=`), or says why it cannot and returns `None`
    /// (not root, or the mount fails, e.g. without CAP_SYS_ADMIN in a container).
    fn mount(tag: &str, size: &str) -> Option<Tmpfs> {
        if hazcat_core::inspect::uid() != 0 {
            eprintln!("skipped: mounting a tmpfs needs root");
            return None;
        }
        let dir = std::env::temp_dir().join(format!("hazcat_cli_{tag}_{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("create the mount point");
        let out = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(&dir)
            .output();
        match out {
            Ok(o) if o.status.success() => Some(Tmpfs(dir)),
            other => {
                let why = match other {
                    Ok(o) => String::from_utf8_lossy(&o.stderr).trim().to_owned(),
                    Err(e) => e.to_string(),
                };
                eprintln!("skipped: cannot mount a tmpfs on {}: {why}", dir.display());
                let _ = std::fs::remove_dir(&dir);
                None
            }
        }
    }

    /// Names in the tmpfs.
    fn entries(&self) -> Vec<String> {
        std::fs::read_dir(&self.0)
            .expect("read the tmpfs")
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect()
    }

    /// Bytes the files in the tmpfs occupy (allocated blocks).
    fn occupied(&self) -> u64 {
        self.entries()
            .iter()
            .map(|n| std::fs::metadata(self.0.join(n)).unwrap().blocks() * 512)
            .sum()
    }

    /// (total, used, free) bytes as statvfs reports them (through `stat -f`): blocks × fragment
    /// size; free is what an unprivileged user may use (f_bavail).
    fn statvfs(&self) -> (u64, u64, u64) {
        let out = Command::new("stat")
            .args(["-f", "-c", "%S %b %f %a"])
            .arg(&self.0)
            .output()
            .expect("run stat -f");
        assert!(out.status.success());
        let v: Vec<u64> = String::from_utf8(out.stdout)
            .unwrap()
            .split_whitespace()
            .map(|n| n.parse().unwrap())
            .collect();
        let (frsize, blocks, bfree, bavail) = (v[0], v[1], v[2], v[3]);
        (blocks * frsize, (blocks - bfree) * frsize, bavail * frsize)
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let ok = Command::new("umount")
            .arg(&self.0)
            .status()
            .is_ok_and(|s| s.success());
        if !ok {
            // Still busy (a failed test's process): detach it; it goes with the last user.
            let _ = Command::new("umount").arg("-l").arg(&self.0).status();
        }
        let _ = std::fs::remove_dir(&self.0);
    }
}

/// `hazcat --json doctor` with `HAZCAT_SHM_DIR=shm_dir` and no configuration.
fn doctor_in(shm_dir: &Path) -> Value {
    let out = Command::new(HAZCAT)
        .args(["--json", "doctor"])
        .env("HAZCAT_SHM_DIR", shm_dir)
        .env_remove("HAZCAT_CONFIG")
        .output()
        .expect("run hazcat doctor");
    serde_json::from_slice(&out.stdout).expect("valid JSON")
}

fn check_of<'a>(doctor: &'a Value, name: &str) -> &'a Value {
    doctor["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["check"] == name)
        .unwrap_or_else(|| panic!("no check {name}: {doctor}"))
}

/// The estimate and the warning follow from the figures the report gives.
fn assert_estimate_consistent(shm: &Value, doctor: &Value) {
    let n = |k: &str| shm[k].as_u64().unwrap_or_else(|| panic!("{k}: {shm}"));
    let free = n("free_bytes");
    assert_eq!(n("more_nodes"), free / n("per_node_bytes"), "{shm}");
    assert_eq!(n("more_topics"), free / n("per_topic_bytes"), "{shm}");
    assert_eq!(
        n("headroom_bytes"),
        n("headroom_nodes") * n("per_node_bytes")
    );
    let short = free < n("headroom_bytes");
    assert_eq!(shm["short"], short, "{shm}");
    let capacity = check_of(doctor, "shm capacity");
    assert_eq!(capacity["status"], if short { "warn" } else { "ok" });
    let detail = capacity["detail"].as_str().unwrap();
    assert!(
        detail.starts_with(&format!("about {} more node(s)", n("more_nodes"))),
        "{detail}"
    );
    if short {
        assert!(detail.contains("--shm-size="), "{detail}");
        assert!(detail.contains("HAZCAT_SHM_DIR"), "{detail}");
    }
}

#[test]
fn doctor_reports_the_capacity_of_a_private_tmpfs() {
    let Some(tmpfs) = Tmpfs::mount("capacity", "16m") else {
        return;
    };
    let dir = tmpfs.0.display().to_string();

    // Empty: the file system's figures, nothing of hazcat's, typical costs.
    let before = tmpfs.statvfs();
    let v = doctor_in(&tmpfs.0);
    let shm = &v["shm"];
    assert_eq!(shm["dir"], dir.as_str());
    assert_eq!(before.0, 16 << 20);
    assert_eq!(
        (&shm["total_bytes"], &shm["used_bytes"], &shm["free_bytes"]),
        (&before.0.into(), &before.1.into(), &before.2.into()),
        "{shm}"
    );
    assert_eq!(shm["hazcat_bytes"], 0);
    assert_eq!(shm["domains"], Value::Array(vec![]));
    assert_eq!(
        (&shm["per_node_source"], &shm["per_topic_source"]),
        (&"typical".into(), &"typical".into())
    );
    assert_estimate_consistent(shm, &v);
    let size = check_of(&v, "shm size");
    assert_eq!(size["status"], "ok");
    assert!(
        size["detail"]
            .as_str()
            .unwrap()
            .starts_with(&format!("{dir}: 16.0 MiB total")),
        "{size}"
    );

    // A process holding a subscription: its objects are counted in its domain, the topic's cost
    // is measured (the demo registers no ROS node: the node cost stays the typical one).
    let dom = unique_domain(6);
    let d = dom.to_string();
    let mut h = Holder::start_in(
        &[
            "demo", "listener", "-d", &d, "-t", "/cli/cap", "-n", "0", "--hold",
        ],
        Some(&tmpfs.0),
    );
    let (occupied, objects) = (tmpfs.occupied(), tmpfs.entries().len());
    let before = tmpfs.statvfs();
    let v = doctor_in(&tmpfs.0);
    let shm = &v["shm"];
    assert_eq!(
        (&shm["total_bytes"], &shm["used_bytes"], &shm["free_bytes"]),
        (&before.0.into(), &before.1.into(), &before.2.into()),
        "{shm}"
    );
    assert!(occupied > 0);
    assert_eq!(shm["hazcat_bytes"], occupied);
    assert_eq!(shm["hazcat_objects"], objects);
    let domains = shm["domains"].as_array().unwrap();
    assert_eq!(domains.len(), 1, "{shm}");
    assert_eq!(domains[0]["ros_domain"], dom);
    assert_eq!(domains[0]["bytes"], occupied);
    assert_eq!(domains[0]["objects"], objects);
    assert_eq!(
        (&domains[0]["live_nodes"], &domains[0]["live_topics"]),
        (&0.into(), &1.into())
    );
    assert_eq!(shm["per_node_source"], "typical");
    assert_eq!(shm["per_topic_source"], "measured");
    let per_topic = shm["per_topic_bytes"].as_u64().unwrap();
    assert!(per_topic > 0 && per_topic <= occupied, "{shm}");
    assert_estimate_consistent(shm, &v);
    let usage = check_of(&v, "hazcat usage")["detail"].as_str().unwrap();
    assert!(usage.contains(&format!("domain {dom}: ")), "{usage}");

    // The table form shows the section.
    let out = Command::new(HAZCAT)
        .arg("doctor")
        .env("HAZCAT_SHM_DIR", &tmpfs.0)
        .env_remove("HAZCAT_CONFIG")
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    for name in ["shm size", "hazcat usage", "shm capacity"] {
        assert!(text.contains(&format!("] {name:<18} ")), "{text}");
    }
    h.finish();
    assert_eq!(tmpfs.entries(), Vec::<String>::new());
}

/// `hazcat doctor` names the directory it resolved: the per-user one in a world-writable base, the
/// `$XDG_RUNTIME_DIR` fallback (a warning naming the squatted path) when another name is in its
/// place, and a failure saying how to fix it when there is no fallback.
#[test]
fn doctor_names_the_per_user_dir_and_warns_about_squatting() {
    use std::os::unix::fs::PermissionsExt;
    let tmp = std::env::temp_dir().join(format!("hazcat_cli_squat_{}", std::process::id()));
    let (base, runtime) = (tmp.join("base"), tmp.join("run"));
    for (d, mode) in [(&base, 0o1777), (&runtime, 0o700)] {
        std::fs::create_dir_all(d).unwrap();
        std::fs::set_permissions(d, std::fs::Permissions::from_mode(mode)).unwrap();
    }
    let doctor = |runtime: Option<&Path>| {
        let mut cmd = Command::new(HAZCAT);
        cmd.args(["--json", "doctor"])
            .env_remove("HAZCAT_SHM_DIR")
            .env_remove("HAZCAT_CONFIG")
            .env_remove("XDG_RUNTIME_DIR")
            .env("HAZCAT_SHM_BASE", &base);
        if let Some(r) = runtime {
            cmd.env("XDG_RUNTIME_DIR", r);
        }
        let v: Value = serde_json::from_slice(&cmd.output().unwrap().stdout).unwrap();
        let c = check_of(&v, "shm directory").clone();
        (
            c["status"].as_str().unwrap().to_owned(),
            c["detail"].as_str().unwrap().to_owned(),
        )
    };
    let per_user = base.join(format!("hazcat-{}", hazcat_core::inspect::uid()));
    let (status, detail) = doctor(None);
    assert_eq!(status, "ok", "{detail}");
    assert!(
        detail.starts_with(&format!("{}: ", per_user.display())) && detail.contains("per-user"),
        "{detail}"
    );
    // A symbolic link in its place (what another user could plant there).
    std::os::unix::fs::symlink(&runtime, &per_user).unwrap();
    let (status, detail) = doctor(Some(&runtime));
    assert_eq!(status, "warn", "{detail}");
    assert!(
        detail.starts_with(&format!("{}: ", runtime.join("hazcat").display()))
            && detail.contains(&format!("fallback: '{}'", per_user.display())),
        "{detail}"
    );
    let (status, detail) = doctor(None);
    assert_eq!(status, "fail", "{detail}");
    assert!(detail.contains("HAZCAT_SHM_DIR"), "{detail}");
    // Doctor looks and creates nothing.
    assert_eq!(std::fs::read_dir(&runtime).unwrap().count(), 0);
    assert_eq!(std::fs::read_dir(&base).unwrap().count(), 1);
    std::fs::remove_dir_all(&tmp).unwrap();
}

/// `hazcat bridge` runs the `hazcat-bridge` binary next to `hazcat` (else on PATH); without one
/// it fails with a message saying where it looked and how to build it.
#[test]
fn bridge_without_its_binary_says_how_to_build_it() {
    let dir = std::env::temp_dir().join(format!("hazcat-cli-bridge-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let lone = dir.join("hazcat");
    std::fs::copy(HAZCAT, &lone).unwrap();
    let out = Command::new(&lone)
        .args(["bridge", "--connect", "tcp/127.0.0.1:7447"])
        .env("PATH", dir.join("nowhere"))
        .output()
        .unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(err.contains("'hazcat-bridge' not found"), "{err}");
    assert!(err.contains("cargo build -p hazcat_bridge"), "{err}");
    assert!(
        err.contains(&dir.join("hazcat-bridge").display().to_string()),
        "{err}"
    );
}

/// With the bridge built next to `hazcat` (as `cargo build --workspace` leaves it), arguments
/// pass through unchanged.
#[test]
fn bridge_passes_its_arguments_through() {
    let bridge = Path::new(HAZCAT).with_file_name("hazcat-bridge");
    if !bridge.is_file() {
        println!("SKIPPED: {} not built", bridge.display());
        return;
    }
    let out = Command::new(HAZCAT)
        .args(["bridge", "--help"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{out:?}");
    for flag in ["--listen", "--connect", "--config", "--domain"] {
        assert!(text.contains(flag), "{text}");
    }
}
