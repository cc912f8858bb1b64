//! The bridge's configuration file (`hazcat bridge --config bridge.yaml`): endpoints, which
//! topics and services cross (allow / deny globs) and outbound rate limits. Validated like
//! `HAZCAT_CONFIG`: every error names the file and the line, and every error in the file is
//! reported at once.
//!
//! ```yaml
//! version: 1
//! domain: 0                       # optional; --domain wins, else this, else $ROS_DOMAIN_ID
//! listen: [tcp/0.0.0.0:7447]      # --listen, when given, replaces this list
//! connect: [tcp/10.0.0.2:7447]    # --connect, when given, replaces this list
//! zenoh_config: zenoh.json5       # relative to this file; --zenoh-config wins
//! allow: [/chatter, /camera/**]   # topic and service globs; absent: everything
//! deny: [/rosout, /parameter_events]   # wins over allow
//! rate_limits:                    # first matching entry decides, per topic, outbound only
//!   - topic: /camera/*/image_raw
//!     max_rate: 10                # samples per second (> 0, fractions allowed)
//!     burst: 1                    # samples that may pass back to back (default 1)
//! ```
//!
//! Globs are `HAZCAT_CONFIG`'s ([`Pattern`]): `*` and `?` stay within one name segment, `**`
//! crosses `/`. A topic that is denied (or not allowed) is not announced to Zenoh, remote
//! endpoints on it are not mirrored into the local graph, and its samples cross in neither
//! direction.

use crate::local::LocalGraph;
use crate::mapping::Token;
use hazcat_core::config::{line_of, ConfigError, ConfigErrors, Pattern};
use marked_yaml::types::{MarkedScalarNode, Node};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// Keys of the top level.
const TOP_KEYS: &[&str] = &[
    "version",
    "domain",
    "listen",
    "connect",
    "zenoh_config",
    "allow",
    "deny",
    "rate_limits",
];
/// Keys of one `rate_limits` entry.
const LIMIT_KEYS: &[&str] = &["topic", "max_rate", "burst"];

/// The error for a file without any setting.
const EMPTY_FILE: &str = "empty bridge configuration file (no settings, only blank lines or \
     comments); a minimal valid file is the single line `version: 1`";

/// Which topic and service names cross the bridge.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Filter {
    /// `None`: every name (that is not denied).
    allow: Option<Vec<Pattern>>,
    deny: Vec<Pattern>,
}

impl Filter {
    /// Names matching some `allow` pattern (every name when `allow` is `None`) and no `deny`
    /// pattern.
    pub fn new(allow: Option<Vec<Pattern>>, deny: Vec<Pattern>) -> Filter {
        Filter { allow, deny }
    }

    /// Whether `name` (a topic or service) crosses the bridge.
    pub fn allows(&self, name: &str) -> bool {
        self.allow
            .as_ref()
            .is_none_or(|a| a.iter().any(|p| p.matches(name)))
            && !self.deny.iter().any(|p| p.matches(name))
    }

    /// Whether a liveliness token may be mirrored: node tokens and tokens that are not
    /// rmw_zenoh's always (the remote graph ignores the latter), endpoint tokens when their topic
    /// or service is allowed.
    pub fn allows_token(&self, key: &str) -> bool {
        match Token::parse(key) {
            Ok(Token { topic: Some(t), .. }) => self.allows(&t.name),
            _ => true,
        }
    }

    /// The `allow` patterns (`None`: every name).
    pub fn allow(&self) -> Option<&[Pattern]> {
        self.allow.as_deref()
    }

    /// The `deny` patterns.
    pub fn deny(&self) -> &[Pattern] {
        &self.deny
    }

    /// Removes the endpoints of names that do not cross from `local` (nodes stay: they are
    /// announced whatever their topics).
    pub fn retain_local(&self, local: &mut LocalGraph) {
        local.endpoints.retain(|e| self.allows(&e.topic));
    }
}

/// One entry of `rate_limits`.
#[derive(Clone, Debug, PartialEq)]
pub struct RateLimit {
    /// Topic patterns (any matches).
    pub topic: Vec<Pattern>,
    /// Samples per second (finite, > 0).
    pub max_rate: f64,
    /// Samples that may pass back to back (>= 1).
    pub burst: u32,
    /// Line in the file (1-based; 0 when built in code).
    pub line: usize,
}

/// A token bucket per topic: refills at `max_rate`, holds at most `burst` tokens, one token per
/// sample; a sample that finds no token is dropped (never delayed). Kept in nanoseconds of
/// credit (a token is `1 / max_rate` seconds), so that whole rates add up exactly.
#[derive(Clone, Debug)]
struct Bucket {
    /// Nanoseconds per token.
    cost: u128,
    /// Most credit held.
    cap: u128,
    credit: u128,
    last: Instant,
}

/// Outbound rate limits: per topic, the first matching [`RateLimit`] decides.
#[derive(Clone, Debug, Default)]
pub struct RateLimiter {
    limits: Vec<RateLimit>,
    /// Per topic seen so far: its bucket, `None` when no limit applies (globs matched once).
    buckets: HashMap<String, Option<Bucket>>,
}

impl RateLimiter {
    /// A limiter applying `limits` (first match per topic).
    pub fn new(limits: Vec<RateLimit>) -> RateLimiter {
        RateLimiter {
            limits,
            buckets: HashMap::new(),
        }
    }

    /// Whether a sample on `topic` at `now` may go out (and takes its token if so).
    pub fn admit(&mut self, topic: &str, now: Instant) -> bool {
        if self.limits.is_empty() {
            return true;
        }
        if !self.buckets.contains_key(topic) {
            let bucket = self
                .limits
                .iter()
                .find(|l| l.topic.iter().any(|p| p.matches(topic)))
                .map(|l| {
                    // max_rate > 0 and finite: at least 1 ns per token.
                    let cost = ((1e9 / l.max_rate).round() as u128).max(1);
                    let cap = cost * u128::from(l.burst);
                    Bucket {
                        cost,
                        cap,
                        credit: cap,
                        last: now,
                    }
                });
            self.buckets.insert(topic.to_owned(), bucket);
        }
        let Some(Some(b)) = self.buckets.get_mut(topic) else {
            return true;
        };
        let elapsed = now.saturating_duration_since(b.last).as_nanos();
        b.last = b.last.max(now);
        b.credit = (b.credit + elapsed).min(b.cap);
        if b.credit >= b.cost {
            b.credit -= b.cost;
            true
        } else {
            false
        }
    }

    /// The rate limit of `topic`, if any (samples per second).
    pub fn limit_of(&self, topic: &str) -> Option<f64> {
        self.limits
            .iter()
            .find(|l| l.topic.iter().any(|p| p.matches(topic)))
            .map(|l| l.max_rate)
    }
}

/// A parsed, validated bridge configuration file.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct BridgeConfig {
    /// The file it came from.
    pub source: String,
    /// ROS domain id, when set.
    pub domain: Option<u32>,
    /// Zenoh endpoints to listen on.
    pub listen: Vec<String>,
    /// Zenoh endpoints to connect to.
    pub connect: Vec<String>,
    /// Zenoh JSON5 configuration file, resolved against the file's directory.
    pub zenoh_config: Option<PathBuf>,
    /// Which names cross.
    pub filter: Filter,
    /// Outbound rate limits, in file order.
    pub rate_limits: Vec<RateLimit>,
}

impl BridgeConfig {
    /// Reads and validates the file at `path` (a relative `zenoh_config` is resolved against
    /// the file's directory).
    pub fn load(path: &Path) -> Result<BridgeConfig, ConfigErrors> {
        let file = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| ConfigError {
            file: file.clone(),
            line: None,
            rule: None,
            rule_name: None,
            message: format!("cannot read the bridge configuration file: {e}"),
        })?;
        let base = path.parent().unwrap_or(Path::new("."));
        BridgeConfig::parse(&text, &file, base)
    }

    /// Parses and validates `text`; `file` names it in errors, `base` is the directory a
    /// relative `zenoh_config` is resolved against (and must exist in). Every error is reported,
    /// except after a YAML syntax error or a top level that is not a mapping.
    pub fn parse(text: &str, file: &str, base: &Path) -> Result<BridgeConfig, ConfigErrors> {
        let mut cx = Cx(hazcat_core::config::Cx::new(file));
        let root = cx.root(text, EMPTY_FILE)?;
        let root = &root;
        let mut cfg = BridgeConfig {
            source: file.to_owned(),
            ..BridgeConfig::default()
        };
        cx.check_keys(root, TOP_KEYS, "top level", "");
        cx.check_version(root);
        if let Some(v) = root.get_node("domain") {
            if let Some(s) = cx.scalar(v, "domain") {
                match s.as_str().parse::<u32>() {
                    Ok(d) => cfg.domain = Some(d),
                    Err(_) => cx.push(
                        line_of(v),
                        format!(
                            "domain: '{}' is not a ROS domain id (0, 1, 2, ...)",
                            s.as_str()
                        ),
                    ),
                }
            }
        }
        if let Some(v) = root.get_node("listen") {
            cfg.listen = cx.endpoints(v, "listen");
        }
        if let Some(v) = root.get_node("connect") {
            cfg.connect = cx.endpoints(v, "connect");
        }
        if let Some(v) = root.get_node("zenoh_config") {
            if let Some(s) = cx.scalar(v, "zenoh_config") {
                let p = base.join(s.as_str());
                if s.as_str().is_empty() {
                    cx.push(line_of(v), "zenoh_config: empty file name".into());
                } else if !p.is_file() {
                    cx.push(
                        line_of(v),
                        format!(
                            "zenoh_config: '{}' is not a file (relative names are resolved \
                             against the directory of this file)",
                            p.display()
                        ),
                    );
                } else {
                    cfg.zenoh_config = Some(p);
                }
            }
        }
        let allow = root.get_node("allow").map(|v| cx.patterns(v, "allow", ""));
        let deny = root
            .get_node("deny")
            .map(|v| cx.patterns(v, "deny", ""))
            .unwrap_or_default();
        cfg.filter = Filter::new(allow, deny);
        if let Some(r) = root.get_node("rate_limits") {
            match r.as_sequence() {
                None => cx.push(
                    line_of(r),
                    "rate_limits: expected a list of {topic, max_rate} entries".into(),
                ),
                Some(seq) => {
                    for (i, n) in seq.iter().enumerate() {
                        if let Some(l) = cx.rate_limit(n, &format!("rate_limits[{i}]: ")) {
                            cfg.rate_limits.push(l);
                        }
                    }
                }
            }
        }
        ConfigErrors::check(cx.0.errors)?;
        Ok(cfg)
    }
}

/// The reader's context: hazcat_core's (file, errors so far, how they are reported), with the
/// bridge's own value readers added.
struct Cx<'a>(hazcat_core::config::Cx<'a>);

impl<'a> std::ops::Deref for Cx<'a> {
    type Target = hazcat_core::config::Cx<'a>;
    fn deref(&self) -> &Self::Target {
        &self.0
    }
}

impl std::ops::DerefMut for Cx<'_> {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.0
    }
}

impl Cx<'_> {
    /// A scalar or a non-empty list of scalars, each with its line.
    fn list<'n>(
        &mut self,
        n: &'n Node,
        key: &str,
        what: &str,
    ) -> Vec<(&'n MarkedScalarNode, Option<usize>)> {
        match n {
            Node::Scalar(s) => vec![(s, line_of(n))],
            Node::Sequence(seq) if seq.is_empty() => {
                self.push(line_of(n), format!("{key}: empty list of {what}s"));
                Vec::new()
            }
            Node::Sequence(seq) => seq
                .iter()
                .filter_map(|item| {
                    let line = line_of(item);
                    match item.as_scalar() {
                        Some(s) => Some((s, line)),
                        None => {
                            self.push(
                                line,
                                format!("{key}: expected a {what}, not a list or mapping"),
                            );
                            None
                        }
                    }
                })
                .collect(),
            Node::Mapping(_) => {
                self.push(
                    line_of(n),
                    format!("{key}: expected a {what} or a list of {what}s"),
                );
                Vec::new()
            }
        }
    }

    /// Zenoh endpoints (`tcp/host:port`), each checked by Zenoh's own parser.
    fn endpoints(&mut self, n: &Node, key: &str) -> Vec<String> {
        let mut out = Vec::new();
        for (s, line) in self.list(n, key, "Zenoh endpoint") {
            match s.as_str().parse::<zenoh::config::EndPoint>() {
                Ok(_) => out.push(s.as_str().to_owned()),
                Err(_) => self.push(
                    line,
                    format!(
                        "{key}: '{}' is not a Zenoh endpoint: expected \
                         <protocol>/<address>[?<metadata>][#<config>], e.g. tcp/10.0.0.2:7447",
                        s.as_str()
                    ),
                ),
            }
        }
        out
    }

    fn patterns(&mut self, n: &Node, key: &str, at: &str) -> Vec<Pattern> {
        let mut out = Vec::new();
        for (s, line) in self.list(n, &format!("{at}{key}"), "pattern") {
            match Pattern::new(s.as_str()) {
                Ok(p) => out.push(p),
                Err(e) => self.push(line, format!("{at}{key}: {e}")),
            }
        }
        out
    }

    fn rate_limit(&mut self, n: &Node, at: &str) -> Option<RateLimit> {
        let line = line_of(n);
        let Some(m) = n.as_mapping() else {
            self.push(
                line,
                format!("{at}expected a mapping (topic, max_rate, burst)"),
            );
            return None;
        };
        self.check_keys(m, LIMIT_KEYS, "a rate limit", at);
        let topic = match m.get_node("topic") {
            Some(v) => self.patterns(v, "topic", at),
            None => {
                self.push(line, format!("{at}topic: missing (the topics to limit)"));
                Vec::new()
            }
        };
        let max_rate = match m.get_node("max_rate") {
            None => {
                self.push(line, format!("{at}max_rate: missing (samples per second)"));
                None
            }
            Some(v) => self.scalar(v, &format!("{at}max_rate")).and_then(|s| {
                match s.as_str().trim().parse::<f64>() {
                    Ok(r) if r.is_finite() && r > 0.0 => Some(r),
                    _ => {
                        self.push(
                            line_of(v),
                            format!(
                                "{at}max_rate: '{}' is not a rate: expected samples per second, \
                                 a number > 0 (e.g. 10 or 0.5)",
                                s.as_str()
                            ),
                        );
                        None
                    }
                }
            }),
        };
        let burst = match m.get_node("burst") {
            None => Some(1),
            Some(v) => self.scalar(v, &format!("{at}burst")).and_then(|s| {
                match s.as_str().parse::<u32>() {
                    Ok(b) if b >= 1 => Some(b),
                    _ => {
                        self.push(
                            line_of(v),
                            format!("{at}burst: '{}' is not a count of samples >= 1", s.as_str()),
                        );
                        None
                    }
                }
            }),
        };
        match (topic.is_empty(), max_rate, burst) {
            (false, Some(max_rate), Some(burst)) => Some(RateLimit {
                topic,
                max_rate,
                burst,
                line: line.unwrap_or(0),
            }),
            _ => None,
        }
    }
}

/// The bridge's settings from its command line and configuration file.
pub mod cli {
    use super::{BridgeConfig, Filter, RateLimiter};
    use crate::session::SessionArgs;
    use std::path::PathBuf;

    /// What the bridge runs with.
    #[derive(Debug)]
    pub struct Settings {
        /// ROS domain id.
        pub domain: u32,
        /// The Zenoh session's endpoints and configuration file.
        pub session: SessionArgs,
        /// Names that cross.
        pub filter: Filter,
        /// Outbound rate limits.
        pub limiter: RateLimiter,
        /// The bridge configuration file, if any.
        pub config: Option<String>,
    }

    /// Merges the flags into the file's settings: `--listen` / `--connect`, when given, replace
    /// the file's lists; `--zenoh-config` replaces `zenoh_config`; the domain is `--domain`, else
    /// the file's, else `env_domain` ($ROS_DOMAIN_ID), else 0.
    pub fn merge(
        file: Option<BridgeConfig>,
        zenoh_config: Option<PathBuf>,
        listen: Vec<String>,
        connect: Vec<String>,
        domain: Option<u32>,
        env_domain: Option<&str>,
    ) -> Settings {
        let file = file.unwrap_or_default();
        let or = |flag: Vec<String>, from_file: Vec<String>| {
            if flag.is_empty() {
                from_file
            } else {
                flag
            }
        };
        Settings {
            domain: domain
                .or(file.domain)
                .or_else(|| env_domain.and_then(|d| d.trim().parse().ok()))
                .unwrap_or(0),
            session: SessionArgs {
                listen: or(listen, file.listen),
                connect: or(connect, file.connect),
                config: zenoh_config.or(file.zenoh_config),
            },
            filter: file.filter,
            limiter: RateLimiter::new(file.rate_limits),
            config: (!file.source.is_empty()).then_some(file.source),
        }
    }

    /// Reads the configuration file (every error at once) and merges the flags (see [`merge`]).
    /// A `--config` file named `*.json5` or `*.json` is taken as a Zenoh configuration, as
    /// `--config` meant before `--zenoh-config` existed (with a warning).
    pub fn settings(
        config: Option<PathBuf>,
        mut zenoh_config: Option<PathBuf>,
        listen: Vec<String>,
        connect: Vec<String>,
        domain: Option<u32>,
    ) -> Result<Settings, String> {
        let mut yaml = config;
        if let Some(p) = &yaml {
            let ext = p.extension().and_then(|e| e.to_str()).unwrap_or("");
            if ext == "json5" || ext == "json" {
                if zenoh_config.is_some() {
                    return Err(format!(
                        "--config {}: the bridge configuration is YAML; with --zenoh-config \
                         given too, a JSON5 file cannot stand for it",
                        p.display()
                    ));
                }
                log::warn!(
                    "--config {} looks like a Zenoh configuration: taken as --zenoh-config \
                     (--config now names the bridge's YAML file)",
                    p.display()
                );
                zenoh_config = yaml.take();
            }
        }
        let file = match yaml {
            Some(p) => Some(BridgeConfig::load(&p).map_err(|e| e.to_string())?),
            None => None,
        };
        let env = std::env::var("ROS_DOMAIN_ID").ok();
        Ok(merge(
            file,
            zenoh_config,
            listen,
            connect,
            domain,
            env.as_deref(),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    const GOOD: &str = "\
version: 1
domain: 7
listen: tcp/0.0.0.0:7447
connect: [tcp/10.0.0.2:7447, tcp/10.0.0.3:7447]
allow: [/chatter, /camera/**]
deny: [/camera/secret/**]
rate_limits:
  - topic: /camera/*/image_raw
    max_rate: 10
  - topic: [/camera/**]
    max_rate: 0.5
    burst: 3
";

    fn parse(text: &str) -> Result<BridgeConfig, ConfigErrors> {
        BridgeConfig::parse(text, "b.yaml", Path::new("/nonexistent-dir"))
    }

    fn err(text: &str) -> Vec<String> {
        parse(text)
            .unwrap_err()
            .errors()
            .iter()
            .map(ToString::to_string)
            .collect()
    }

    #[test]
    fn parses_a_full_file() {
        let c = parse(GOOD).unwrap();
        assert_eq!(c.domain, Some(7));
        assert_eq!(c.listen, ["tcp/0.0.0.0:7447"]);
        assert_eq!(c.connect, ["tcp/10.0.0.2:7447", "tcp/10.0.0.3:7447"]);
        assert_eq!(c.zenoh_config, None);
        assert!(c.filter.allows("/chatter"));
        assert!(c.filter.allows("/camera/left/image_raw"));
        assert!(!c.filter.allows("/camera/secret/image_raw"), "deny wins");
        assert!(!c.filter.allows("/rosout"), "not allowed");
        assert_eq!(c.rate_limits.len(), 2);
        assert_eq!(c.rate_limits[0].line, 8);
        assert_eq!(c.rate_limits[0].burst, 1);
        assert_eq!(c.rate_limits[1].max_rate, 0.5);
        assert_eq!(c.rate_limits[1].burst, 3);
        let l = RateLimiter::new(c.rate_limits);
        assert_eq!(l.limit_of("/camera/left/image_raw"), Some(10.0));
        assert_eq!(l.limit_of("/camera/left/info"), Some(0.5));
        assert_eq!(l.limit_of("/chatter"), None);
    }

    #[test]
    fn flags_replace_the_file() {
        let file = || Some(parse(GOOD).unwrap());
        let s = cli::merge(file(), None, vec![], vec![], None, Some("3"));
        assert_eq!(s.domain, 7, "the file's domain wins over the environment");
        assert_eq!(s.session.listen, ["tcp/0.0.0.0:7447"]);
        assert_eq!(s.session.connect.len(), 2);
        assert_eq!(s.config.as_deref(), Some("b.yaml"));
        assert!(!s.filter.allows("/rosout"));
        assert_eq!(s.limiter.limit_of("/camera/x/image_raw"), Some(10.0));
        let s = cli::merge(
            file(),
            Some("z.json5".into()),
            vec!["tcp/127.0.0.1:1".into()],
            vec![],
            Some(9),
            Some("3"),
        );
        assert_eq!(s.domain, 9);
        assert_eq!(s.session.listen, ["tcp/127.0.0.1:1"]);
        assert_eq!(s.session.connect.len(), 2, "not given: the file's");
        assert_eq!(s.session.config, Some("z.json5".into()));
        let s = cli::merge(None, None, vec![], vec![], None, Some(" 3 "));
        assert_eq!(s.domain, 3);
        assert!(s.filter.allows("/rosout"));
        assert_eq!(s.config, None);
        assert_eq!(cli::merge(None, None, vec![], vec![], None, None).domain, 0);
        // A broken file stops everything, every error named.
        let e = cli::settings(
            Some("/nonexistent/b.yaml".into()),
            None,
            vec![],
            vec![],
            None,
        )
        .unwrap_err();
        assert!(e.contains("/nonexistent/b.yaml: cannot read"), "{e}");
        // The old meaning of --config: a JSON5 file is Zenoh's.
        let s = cli::settings(Some("z.json5".into()), None, vec![], vec![], Some(1)).unwrap();
        assert_eq!(s.session.config, Some("z.json5".into()));
        assert!(cli::settings(
            Some("z.json5".into()),
            Some("y.json5".into()),
            vec![],
            vec![],
            None
        )
        .is_err());
    }

    #[test]
    fn the_shipped_example_is_valid() {
        let example = concat!(env!("CARGO_MANIFEST_DIR"), "/../config/bridge/bridge.yaml");
        let c = BridgeConfig::load(Path::new(example)).unwrap();
        assert!(!c.filter.allows("/rosout"));
        assert_eq!(c.rate_limits[0].burst, 2);
    }

    #[test]
    fn minimal_file_lets_everything_through() {
        let c = parse("version: 1\n").unwrap();
        assert_eq!(c.filter, Filter::default());
        assert!(c.filter.allows("/anything/at/all"));
        assert!(c.rate_limits.is_empty());
        assert_eq!(
            err("# nothing\n"),
            ["b.yaml: empty bridge configuration file (no settings, only blank lines or comments); a minimal valid file is the single line `version: 1`"]
        );
    }

    #[test]
    fn every_error_is_reported_with_its_line() {
        let text = "\
version: 2
domain: -1
listen: [tcp/0.0.0.0:7447, 'nonsense']
connect: {a: b}
allow: [chatter, /ok]
deny: []
colour: blue
zenoh_config: missing.json5
rate_limits:
  - topic: /a
    max_rate: 0
  - topic: /b
    max_rate: -3
    burst: 0
  - max_rate: ten
    topics: /c
  - /not-a-limit
";
        assert_eq!(
            err(text),
            [
                "b.yaml:1: version: unsupported version '2', expected 1",
                "b.yaml:2: domain: '-1' is not a ROS domain id (0, 1, 2, ...)",
                "b.yaml:3: listen: 'nonsense' is not a Zenoh endpoint: expected \
                 <protocol>/<address>[?<metadata>][#<config>], e.g. tcp/10.0.0.2:7447",
                "b.yaml:4: connect: expected a Zenoh endpoint or a list of Zenoh endpoints",
                "b.yaml:5: allow: pattern 'chatter' never matches: fully-qualified names start with '/' (did you mean '/chatter' or '**/chatter'?)",
                "b.yaml:6: deny: empty list of patterns",
                "b.yaml:7: unknown key 'colour' in top level (allowed: version, domain, listen, connect, zenoh_config, allow, deny, rate_limits)",
                "b.yaml:8: zenoh_config: '/nonexistent-dir/missing.json5' is not a file (relative names are resolved against the directory of this file)",
                "b.yaml:11: rate_limits[0]: max_rate: '0' is not a rate: expected samples per second, a number > 0 (e.g. 10 or 0.5)",
                "b.yaml:13: rate_limits[1]: max_rate: '-3' is not a rate: expected samples per second, a number > 0 (e.g. 10 or 0.5)",
                "b.yaml:14: rate_limits[1]: burst: '0' is not a count of samples >= 1",
                "b.yaml:15: rate_limits[2]: topic: missing (the topics to limit)",
                "b.yaml:15: rate_limits[2]: max_rate: 'ten' is not a rate: expected samples per second, a number > 0 (e.g. 10 or 0.5)",
                "b.yaml:16: rate_limits[2]: unknown key 'topics' in a rate limit (allowed: topic, max_rate, burst)",
                "b.yaml:17: rate_limits[3]: expected a mapping (topic, max_rate, burst)",
            ]
        );
        assert_eq!(err("- a\n"), ["b.yaml:1: the file must be a mapping"]);
        let syntax = err("allow: [/a\n");
        assert_eq!(syntax.len(), 1);
        assert!(syntax[0].contains("YAML syntax error"), "{syntax:?}");
        assert_eq!(
            err("allow: /a\nallow: /b\n"),
            ["b.yaml:2: duplicate key 'allow' (first on line 1)"]
        );
    }

    #[test]
    fn zenoh_config_is_relative_to_the_file() {
        let dir = std::env::temp_dir().join(format!("hazcat-bridge-cfg-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("zenoh.json5"), "{}").unwrap();
        let yaml = dir.join("bridge.yaml");
        std::fs::write(&yaml, "zenoh_config: zenoh.json5\n").unwrap();
        let c = BridgeConfig::load(&yaml);
        std::fs::remove_dir_all(&dir).unwrap();
        assert_eq!(c.unwrap().zenoh_config, Some(dir.join("zenoh.json5")));
        let e = BridgeConfig::load(Path::new("/nonexistent/bridge.yaml")).unwrap_err();
        assert!(
            e.to_string()
                .starts_with("/nonexistent/bridge.yaml: cannot read the bridge configuration file"),
            "{e}"
        );
    }

    #[test]
    fn tokens_of_denied_topics_are_not_mirrored() {
        let f = Filter::new(None, vec![Pattern::new("/rosout").unwrap()]);
        let t = |topic: &str| Token {
            domain: 0,
            zid: "1234".into(),
            nid: "0".into(),
            eid: "1".into(),
            kind: crate::mapping::EntityKind::Publisher,
            enclave: String::new(),
            namespace: "/".into(),
            node: "talker".into(),
            topic: Some(crate::mapping::TopicPart {
                name: topic.into(),
                dds_type: "std_msgs::msg::dds_::String_".into(),
                type_hash: "RIHS01_".to_owned() + &"ab".repeat(32),
                qos: crate::mapping::Qos::default(),
            }),
        };
        assert!(!f.allows_token(&t("/rosout").key()));
        assert!(f.allows_token(&t("/chatter").key()));
        let node = Token {
            kind: crate::mapping::EntityKind::Node,
            topic: None,
            ..t("/rosout")
        };
        assert!(f.allows_token(&node.key()));
        assert!(f.allows_token("not/a/token"));
    }

    #[test]
    fn denied_local_endpoints_are_left_out_and_nodes_stay() {
        use crate::local::{LocalEndpoint, LocalNode};
        let ep = |topic: &str| LocalEndpoint {
            kind: hazcat_core::EntryKind::Publisher,
            node_row: 0,
            topic: topic.into(),
            ros_type: "std_msgs/msg/String".into(),
            type_hash: [0; 32],
            qos: crate::mapping::Qos::default(),
            gid: [0; 24],
        };
        let mut g = LocalGraph {
            nodes: vec![LocalNode {
                row: 0,
                name: "talker".into(),
                namespace: "/".into(),
                enclave: String::new(),
            }],
            endpoints: vec![ep("/chatter"), ep("/rosout"), ep("/camera/a/image")],
        };
        let f = Filter::new(
            Some(vec![
                Pattern::new("/chatter").unwrap(),
                Pattern::new("/rosout").unwrap(),
            ]),
            vec![Pattern::new("/rosout").unwrap()],
        );
        f.retain_local(&mut g);
        let topics: Vec<&str> = g.endpoints.iter().map(|e| e.topic.as_str()).collect();
        assert_eq!(topics, ["/chatter"]);
        assert_eq!(g.nodes.len(), 1);
    }

    #[test]
    fn token_bucket_limits_per_topic() {
        let limit = |rate, burst| RateLimit {
            topic: vec![Pattern::new("/cam/*").unwrap()],
            max_rate: rate,
            burst,
            line: 0,
        };
        let mut l = RateLimiter::new(vec![limit(10.0, 1)]);
        let t0 = Instant::now();
        let at = |ms: u64| t0 + Duration::from_millis(ms);
        assert!(l.admit("/cam/a", at(0)));
        assert!(!l.admit("/cam/a", at(50)), "within 100 ms of the last");
        assert!(l.admit("/cam/b", at(50)), "each topic has its own bucket");
        assert!(l.admit("/cam/a", at(100)));
        assert!(l.admit("/other", at(100)), "no limit applies");
        assert!(l.admit("/other", at(100)));
        // 1000 samples over 10 s at 100/s: about 10/s pass.
        let passed = (0..1000)
            .filter(|i| l.admit("/cam/c", at(200 + i * 10)))
            .count();
        assert_eq!(passed, 100);
        // A burst of 3 passes back to back, then the rate applies.
        let mut l = RateLimiter::new(vec![limit(1.0, 3)]);
        let passed = (0..10).filter(|_| l.admit("/cam/a", at(0))).count();
        assert_eq!(passed, 3);
        assert!(!l.admit("/cam/a", at(500)));
        assert!(l.admit("/cam/a", at(1000)));
        // A clock that goes backwards admits nothing extra.
        assert!(!l.admit("/cam/a", at(900)));
    }
}
