//! The `HAZCAT_CONFIG` file: which memory domain, pool size and queue depth each endpoint uses.
//!
//! A YAML file named by the `HAZCAT_CONFIG` environment variable holds an ordered list of rules.
//! Each rule matches endpoints by fully-qualified node name, topic (or service) name and role;
//! the **first** matching rule decides, and settings it leaves out come from `defaults`. An
//! endpoint that no rule matches gets the defaults.
//!
//! ```yaml
//! version: 1
//! defaults:
//!   domain: host          # host | cuda:N | emulated:N
//!   pool_size: 4MiB       # bytes, or with a unit: KiB MiB GiB (binary), kB MB GB (decimal)
//!   # depth: 10           # overrides the QoS depth when set (1..=1024)
//! rules:
//!   - name: camera frames on the GPU
//!     node: /camera/**    # glob: '*' and '?' stay within one name segment, '**' crosses '/'
//!     topic: [/image_raw, /camera/*/image]
//!     role: publisher     # publisher | subscriber | service | client | any (default)
//!     domain: cuda:0
//!     pool_size: 256MiB
//!     depth: 4
//! ```
//!
//! Every error names the file, the line and the rule (`rules[i]`, counted from 0), e.g.
//! `/etc/hazcat.yaml:12: rules[1] "camera frames on the GPU": domain: unknown memory domain
//! 'gpu:0': expected host, cuda:N or emulated:N`. A broken file is an error, never a silent
//! fallback to defaults.
//!
//! ```
//! use hazcat_core::config::{Config, Role};
//! use hazcat_core::Domain;
//! let cfg = Config::parse("rules:\n  - topic: /image\n    domain: cuda:1\n", "example.yaml")?;
//! let ep = cfg.endpoint("/camera/driver", "/image", Role::Publisher);
//! assert_eq!(ep.domain, Domain::cuda(1));
//! assert_eq!(ep.rule, Some(0));
//! assert_eq!(cfg.endpoint("/n", "/other", Role::Subscriber).domain, Domain::HOST);
//! # Ok::<(), hazcat_core::config::ConfigError>(())
//! ```

use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use marked_yaml::types::{MarkedMappingNode, MarkedScalarNode, Node};

use crate::domain::Domain;
use crate::topic::RING_CAP;

/// Environment variable naming the configuration file.
pub const CONFIG_ENV: &str = "HAZCAT_CONFIG";
/// Pool size used when neither a rule nor `defaults` sets one (bytes).
pub const DEFAULT_POOL_SIZE: usize = 4 << 20;
/// Smallest accepted pool size (bytes).
pub const MIN_POOL_SIZE: usize = 4096;
/// Largest accepted pool size (bytes): 1 TiB.
pub const MAX_POOL_SIZE: usize = 1 << 40;
/// Largest accepted queue depth.
pub const MAX_DEPTH: u32 = RING_CAP as u32;

/// What an endpoint is, for rule matching.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Role {
    /// A topic publisher.
    Publisher,
    /// A topic subscription.
    Subscriber,
    /// A service server.
    Service,
    /// A service client.
    Client,
}

impl Role {
    /// The name used in configuration files.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Publisher => "publisher",
            Role::Subscriber => "subscriber",
            Role::Service => "service",
            Role::Client => "client",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A glob over ROS names: `*` matches any run of characters except `/`, `?` one character except
/// `/`, `**` any run including `/`; everything else matches itself.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pattern {
    text: String,
}

impl Pattern {
    /// Parses a pattern; fully-qualified names start with `/`, so must a pattern (or with `*`).
    pub fn new(text: &str) -> Result<Pattern, String> {
        if text.is_empty() {
            return Err("empty pattern".into());
        }
        if !text.starts_with('/') && !text.starts_with('*') {
            return Err(format!(
                "pattern '{text}' never matches: fully-qualified names start with '/' \
                 (did you mean '/{text}' or '**/{text}'?)"
            ));
        }
        if text.contains("***") {
            return Err(format!("pattern '{text}' contains '***'"));
        }
        Ok(Pattern {
            text: text.to_owned(),
        })
    }

    /// The pattern as written.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Whether `name` matches the whole pattern.
    pub fn matches(&self, name: &str) -> bool {
        glob_match(self.text.as_bytes(), name.as_bytes())
    }
}

impl fmt::Display for Pattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// Dynamic programming over (pattern position, name position): linear in the product of the
/// lengths, never exponential.
fn glob_match(pat: &[u8], name: &[u8]) -> bool {
    // ok[j]: the pattern prefix consumed so far matches name[..j].
    let mut ok = vec![false; name.len() + 1];
    ok[0] = true;
    let mut i = 0;
    while i < pat.len() {
        let mut next = vec![false; name.len() + 1];
        if pat[i] == b'*' {
            let cross = pat.get(i + 1) == Some(&b'*');
            for j in 0..=name.len() {
                // Zero characters, or extend a match by one more allowed character.
                next[j] = ok[j] || (j > 0 && next[j - 1] && (cross || name[j - 1] != b'/'));
            }
            i += if cross { 2 } else { 1 };
        } else {
            for j in 1..=name.len() {
                let c = name[j - 1];
                next[j] = ok[j - 1]
                    && (if pat[i] == b'?' {
                        c != b'/'
                    } else {
                        c == pat[i]
                    });
            }
            i += 1;
        }
        ok = next;
    }
    ok[name.len()]
}

/// Settings used where no rule applies, and for settings a matching rule leaves out.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Defaults {
    /// Memory domain.
    pub domain: Domain,
    /// Size of each memory pool, in bytes.
    pub pool_size: usize,
    /// Queue depth override (`None`: the endpoint's QoS depth).
    pub depth: Option<u32>,
}

impl Default for Defaults {
    fn default() -> Self {
        Defaults {
            domain: Domain::HOST,
            pool_size: DEFAULT_POOL_SIZE,
            depth: None,
        }
    }
}

/// One rule of the file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rule {
    /// Optional label, shown in errors and by `hazcat`.
    pub name: Option<String>,
    /// Node patterns (any matches); empty: every node.
    pub node: Vec<Pattern>,
    /// Topic or service patterns (any matches); empty: every name.
    pub topic: Vec<Pattern>,
    /// Role the rule applies to; `None`: any.
    pub role: Option<Role>,
    /// Memory domain; `None`: the default.
    pub domain: Option<Domain>,
    /// Pool size in bytes; `None`: the default.
    pub pool_size: Option<usize>,
    /// Queue depth override; `None`: the default.
    pub depth: Option<u32>,
    /// Line of the rule in the file (1-based; 0 for rules built in code).
    pub line: usize,
}

impl Rule {
    /// Whether the rule applies to this endpoint.
    pub fn matches(&self, node_fqn: &str, topic: &str, role: Role) -> bool {
        self.role.is_none_or(|r| r == role)
            && (self.node.is_empty() || self.node.iter().any(|p| p.matches(node_fqn)))
            && (self.topic.is_empty() || self.topic.iter().any(|p| p.matches(topic)))
    }
}

/// What the configuration decides for one endpoint.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EndpointConfig {
    /// Memory domain of the endpoint.
    pub domain: Domain,
    /// Size of each memory pool the endpoint creates, in bytes.
    pub pool_size: usize,
    /// Queue depth override (`None`: keep the QoS depth).
    pub depth: Option<u32>,
    /// Index of the rule that matched (`None`: defaults).
    pub rule: Option<usize>,
}

/// A configuration error, naming file, line and rule where known.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigError {
    /// File name (or the label given to [`Config::parse`]).
    pub file: String,
    /// 1-based line, when the error has a position.
    pub line: Option<usize>,
    /// Index of the rule in `rules` (from 0), when the error is inside a rule.
    pub rule: Option<usize>,
    /// The rule's `name`, when it has one.
    pub rule_name: Option<String>,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
        }
        f.write_str(": ")?;
        if let Some(rule) = self.rule {
            write!(f, "rules[{rule}]")?;
            if let Some(name) = &self.rule_name {
                write!(f, " \"{name}\"")?;
            }
            f.write_str(": ")?;
        }
        f.write_str(&self.message)
    }
}

impl std::error::Error for ConfigError {}

/// A parsed, validated configuration.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Config {
    source: Option<String>,
    defaults: Defaults,
    rules: Vec<Rule>,
}

impl Config {
    /// A configuration with the given defaults and rules (no file).
    pub fn new(defaults: Defaults, rules: Vec<Rule>) -> Config {
        Config {
            source: None,
            defaults,
            rules,
        }
    }

    /// Reads the file named by `HAZCAT_CONFIG`; built-in defaults when the variable is unset or
    /// empty. A file that cannot be read or is invalid is an error.
    pub fn from_env() -> Result<Config, ConfigError> {
        match std::env::var_os(CONFIG_ENV) {
            Some(p) if !p.is_empty() => Config::load(Path::new(&p)),
            _ => Ok(Config::default()),
        }
    }

    /// Reads and validates the file at `path`.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let file = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| ConfigError {
            file: file.clone(),
            line: None,
            rule: None,
            rule_name: None,
            message: format!("cannot read configuration ({CONFIG_ENV}): {e}"),
        })?;
        Config::parse(&text, &file)
    }

    /// Parses and validates `text`; `file` names it in errors.
    pub fn parse(text: &str, file: &str) -> Result<Config, ConfigError> {
        let mut cx = Cx {
            file,
            rule: None,
            rule_name: None,
        };
        let mut cfg = Config {
            source: Some(file.to_owned()),
            ..Config::default()
        };
        if text
            .lines()
            .all(|l| l.trim().is_empty() || l.trim_start().starts_with('#'))
        {
            return Ok(cfg);
        }
        let opts = marked_yaml::LoaderOptions::default().error_on_duplicate_keys(true);
        let root = marked_yaml::parse_yaml_with_options(0, text, opts)
            .map_err(|e| cx.err(load_error_line(&e), load_error_message(&e)))?;
        let root = root
            .as_mapping()
            .ok_or_else(|| cx.err(line_of(&root), "the file must be a mapping".into()))?;
        cx.check_keys(root, &["version", "defaults", "rules"], "top level")?;
        if let Some(v) = root.get_node("version") {
            let s = cx.scalar(v, "version")?;
            if s.as_str() != "1" {
                return Err(cx.err(
                    line_of(v),
                    format!("version: unsupported version '{}', expected 1", s.as_str()),
                ));
            }
        }
        if let Some(d) = root.get_node("defaults") {
            let m = d
                .as_mapping()
                .ok_or_else(|| cx.err(line_of(d), "defaults: expected a mapping".into()))?;
            cx.check_keys(m, &["domain", "pool_size", "depth"], "defaults")?;
            if let Some(n) = m.get_node("domain") {
                cfg.defaults.domain = cx.domain(n)?;
            }
            if let Some(n) = m.get_node("pool_size") {
                cfg.defaults.pool_size = cx.pool_size(n)?;
            }
            if let Some(n) = m.get_node("depth") {
                cfg.defaults.depth = Some(cx.depth(n)?);
            }
        }
        if let Some(r) = root.get_node("rules") {
            let seq = r
                .as_sequence()
                .ok_or_else(|| cx.err(line_of(r), "rules: expected a list of rules".into()))?;
            for (i, node) in seq.iter().enumerate() {
                cx.rule = Some(i);
                cx.rule_name = None;
                cfg.rules.push(cx.rule(node)?);
            }
        }
        Ok(cfg)
    }

    /// The file this configuration came from (`None`: built-in defaults).
    pub fn source(&self) -> Option<&str> {
        self.source.as_deref()
    }

    /// The defaults.
    pub fn defaults(&self) -> &Defaults {
        &self.defaults
    }

    /// The rules, in file order.
    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    /// Decides the settings of an endpoint: the first matching rule, completed by the defaults.
    pub fn endpoint(&self, node_fqn: &str, topic: &str, role: Role) -> EndpointConfig {
        let d = &self.defaults;
        match self
            .rules
            .iter()
            .position(|r| r.matches(node_fqn, topic, role))
        {
            Some(i) => {
                let r = &self.rules[i];
                EndpointConfig {
                    domain: r.domain.unwrap_or(d.domain),
                    pool_size: r.pool_size.unwrap_or(d.pool_size),
                    depth: r.depth.or(d.depth),
                    rule: Some(i),
                }
            }
            None => EndpointConfig {
                domain: d.domain,
                pool_size: d.pool_size,
                depth: d.depth,
                rule: None,
            },
        }
    }

    /// Checks every domain the configuration names (defaults, then rules) with `available`,
    /// which returns why a domain cannot be used on this machine. The first failure becomes an
    /// error naming file, line and rule.
    pub fn check_domains(
        &self,
        mut available: impl FnMut(Domain) -> Result<(), String>,
    ) -> Result<(), ConfigError> {
        let file = self.source.clone().unwrap_or_else(|| "<defaults>".into());
        if let Err(why) = available(self.defaults.domain) {
            return Err(ConfigError {
                file,
                line: None,
                rule: None,
                rule_name: None,
                message: format!("defaults: domain {}: {why}", self.defaults.domain),
            });
        }
        for (i, r) in self.rules.iter().enumerate() {
            if let Some(d) = r.domain {
                if let Err(why) = available(d) {
                    return Err(ConfigError {
                        file,
                        line: (r.line > 0).then_some(r.line),
                        rule: Some(i),
                        rule_name: r.name.clone(),
                        message: format!("domain {d}: {why}"),
                    });
                }
            }
        }
        Ok(())
    }
}

impl FromStr for Role {
    type Err = String;

    fn from_str(s: &str) -> Result<Role, String> {
        Ok(match s {
            "publisher" => Role::Publisher,
            "subscriber" | "subscription" => Role::Subscriber,
            "service" => Role::Service,
            "client" => Role::Client,
            _ => {
                return Err(format!(
                    "unknown role '{s}': expected publisher, subscriber, service, client or any"
                ))
            }
        })
    }
}

/// Parses a size such as `4096`, `64KiB`, `4 MiB`, `1GB`.
pub fn parse_size(s: &str) -> Result<usize, String> {
    let t = s.trim();
    let digits = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (num, unit) = t.split_at(digits);
    let bad = || {
        format!("invalid size '{s}': expected bytes, or a number with KiB, MiB, GiB, kB, MB or GB")
    };
    let n: u64 = num.parse().map_err(|_| bad())?;
    let mult: u64 = match unit.trim() {
        "" | "B" => 1,
        "KiB" => 1 << 10,
        "MiB" => 1 << 20,
        "GiB" => 1 << 30,
        "kB" | "KB" => 1_000,
        "MB" => 1_000_000,
        "GB" => 1_000_000_000,
        _ => return Err(bad()),
    };
    n.checked_mul(mult)
        .and_then(|v| usize::try_from(v).ok())
        .ok_or_else(|| format!("size '{s}' is too large"))
}

fn line_of(n: &Node) -> Option<usize> {
    n.span().start().map(|m| m.line())
}

fn load_error_line(e: &marked_yaml::LoadError) -> Option<usize> {
    use marked_yaml::LoadError as E;
    match e {
        E::TopLevelMustBeMapping(m)
        | E::TopLevelMustBeSequence(m)
        | E::UnexpectedAnchor(m)
        | E::MappingKeyMustBeScalar(m)
        | E::UnexpectedTag(m)
        | E::ScanError(m, _) => Some(m.line()),
        E::DuplicateKey(d) => d.key.span().start().map(|m| m.line()),
    }
}

fn load_error_message(e: &marked_yaml::LoadError) -> String {
    use marked_yaml::LoadError as E;
    match e {
        E::TopLevelMustBeMapping(_) => "the file must be a mapping".into(),
        E::TopLevelMustBeSequence(_) => "the file must be a sequence".into(),
        E::UnexpectedAnchor(_) => "YAML anchors are not supported".into(),
        E::MappingKeyMustBeScalar(_) => "mapping keys must be plain strings".into(),
        E::UnexpectedTag(_) => "YAML tags are not supported".into(),
        E::ScanError(_, se) => format!("YAML syntax error: {}", se.info()),
        E::DuplicateKey(d) => {
            let first = d
                .prev_key
                .span()
                .start()
                .map_or(String::new(), |m| format!(" (first on line {})", m.line()));
            format!("duplicate key '{}'{first}", d.key.as_str())
        }
    }
}

/// Error context: the file and the rule being read.
struct Cx<'a> {
    file: &'a str,
    rule: Option<usize>,
    rule_name: Option<String>,
}

impl Cx<'_> {
    fn err(&self, line: Option<usize>, message: String) -> ConfigError {
        ConfigError {
            file: self.file.to_owned(),
            line,
            rule: self.rule,
            rule_name: self.rule_name.clone(),
            message,
        }
    }

    fn check_keys(
        &self,
        m: &MarkedMappingNode,
        allowed: &[&str],
        what: &str,
    ) -> Result<(), ConfigError> {
        for k in m.keys() {
            if !allowed.contains(&k.as_str()) {
                return Err(self.err(
                    k.span().start().map(|m| m.line()),
                    format!(
                        "unknown key '{}' in {what} (allowed: {})",
                        k.as_str(),
                        allowed.join(", ")
                    ),
                ));
            }
        }
        Ok(())
    }

    fn scalar<'n>(&self, n: &'n Node, key: &str) -> Result<&'n MarkedScalarNode, ConfigError> {
        n.as_scalar()
            .ok_or_else(|| self.err(line_of(n), format!("{key}: expected a single value")))
    }

    fn domain(&self, n: &Node) -> Result<Domain, ConfigError> {
        let s = self.scalar(n, "domain")?;
        s.as_str()
            .parse()
            .map_err(|e| self.err(line_of(n), format!("domain: {e}")))
    }

    fn pool_size(&self, n: &Node) -> Result<usize, ConfigError> {
        let s = self.scalar(n, "pool_size")?;
        let v =
            parse_size(s.as_str()).map_err(|e| self.err(line_of(n), format!("pool_size: {e}")))?;
        if !(MIN_POOL_SIZE..=MAX_POOL_SIZE).contains(&v) {
            return Err(self.err(
                line_of(n),
                format!(
                    "pool_size: {v} bytes is outside {MIN_POOL_SIZE}..={MAX_POOL_SIZE} (4 KiB to 1 TiB)"
                ),
            ));
        }
        Ok(v)
    }

    fn depth(&self, n: &Node) -> Result<u32, ConfigError> {
        let s = self.scalar(n, "depth")?;
        match s.as_str().parse::<u32>() {
            Ok(v) if (1..=MAX_DEPTH).contains(&v) => Ok(v),
            _ => Err(self.err(
                line_of(n),
                format!(
                    "depth: '{}' is not a queue depth in 1..={MAX_DEPTH}",
                    s.as_str()
                ),
            )),
        }
    }

    fn patterns(&self, n: &Node, key: &str) -> Result<Vec<Pattern>, ConfigError> {
        let one = |s: &MarkedScalarNode| {
            Pattern::new(s.as_str()).map_err(|e| {
                self.err(
                    s.span().start().map(|m| m.line()).or(line_of(n)),
                    format!("{key}: {e}"),
                )
            })
        };
        match n {
            Node::Scalar(s) => Ok(vec![one(s)?]),
            Node::Sequence(seq) => {
                if seq.is_empty() {
                    return Err(self.err(line_of(n), format!("{key}: empty list of patterns")));
                }
                seq.iter()
                    .map(|item| one(self.scalar(item, key)?))
                    .collect()
            }
            Node::Mapping(_) => Err(self.err(
                line_of(n),
                format!("{key}: expected a pattern or a list of patterns"),
            )),
        }
    }

    fn rule(&mut self, n: &Node) -> Result<Rule, ConfigError> {
        let line = line_of(n);
        let m = n.as_mapping().ok_or_else(|| {
            self.err(
                line,
                "expected a mapping (node, topic, role, domain, ...)".into(),
            )
        })?;
        if let Some(name) = m.get_node("name") {
            self.rule_name = Some(self.scalar(name, "name")?.as_str().to_owned());
        }
        self.check_keys(
            m,
            &[
                "name",
                "node",
                "topic",
                "role",
                "domain",
                "pool_size",
                "depth",
            ],
            "rule",
        )?;
        let mut rule = Rule {
            name: self.rule_name.clone(),
            node: Vec::new(),
            topic: Vec::new(),
            role: None,
            domain: None,
            pool_size: None,
            depth: None,
            line: line.unwrap_or(0),
        };
        if let Some(v) = m.get_node("node") {
            rule.node = self.patterns(v, "node")?;
        }
        if let Some(v) = m.get_node("topic") {
            rule.topic = self.patterns(v, "topic")?;
        }
        if let Some(v) = m.get_node("role") {
            let s = self.scalar(v, "role")?.as_str();
            rule.role = match s {
                "any" => None,
                _ => Some(
                    s.parse()
                        .map_err(|e| self.err(line_of(v), format!("role: {e}")))?,
                ),
            };
        }
        if let Some(v) = m.get_node("domain") {
            rule.domain = Some(self.domain(v)?);
        }
        if let Some(v) = m.get_node("pool_size") {
            rule.pool_size = Some(self.pool_size(v)?);
        }
        if let Some(v) = m.get_node("depth") {
            rule.depth = Some(self.depth(v)?);
        }
        Ok(rule)
    }
}

/// The configuration file path named by `HAZCAT_CONFIG`, if set and non-empty.
pub fn env_path() -> Option<PathBuf> {
    std::env::var_os(CONFIG_ENV)
        .filter(|p| !p.is_empty())
        .map(PathBuf::from)
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = "\
version: 1
defaults:
  domain: host
  pool_size: 8MiB
rules:
  - name: gpu camera
    node: /camera/**
    topic: [/image_raw, /camera/*/image]
    role: publisher
    domain: cuda:0
    pool_size: 256MiB
    depth: 4
  - topic: /image_raw
    role: subscriber
    domain: emulated:1
  - node: '**/logger'
    depth: 100
";

    #[test]
    fn parses_and_matches_first_rule() {
        let cfg = Config::parse(GOOD, "good.yaml").unwrap();
        assert_eq!(cfg.rules().len(), 3);
        assert_eq!(cfg.rules()[0].line, 6);
        assert_eq!(cfg.rules()[1].line, 13);
        assert_eq!(cfg.defaults().pool_size, 8 << 20);
        let ep = cfg.endpoint("/camera/front/driver", "/image_raw", Role::Publisher);
        assert_eq!(
            ep,
            EndpointConfig {
                domain: Domain::cuda(0),
                pool_size: 256 << 20,
                depth: Some(4),
                rule: Some(0)
            }
        );
        // `*` stays within one segment, `**` crosses.
        let ep = cfg.endpoint("/camera/driver", "/camera/left/image", Role::Publisher);
        assert_eq!(ep.rule, Some(0));
        let ep = cfg.endpoint("/camera/driver", "/camera/a/b/image", Role::Publisher);
        assert_eq!(ep.rule, None);
        // Role filter; missing settings come from defaults.
        let ep = cfg.endpoint("/camera/driver", "/image_raw", Role::Subscriber);
        assert_eq!(ep.rule, Some(1));
        assert_eq!(ep.domain, Domain::emulated(1));
        assert_eq!(ep.pool_size, 8 << 20);
        assert_eq!(ep.depth, None);
        // `**/` matches zero segments too.
        assert_eq!(cfg.endpoint("/logger", "/x", Role::Client).rule, Some(2));
        assert_eq!(
            cfg.endpoint("/a/b/logger", "/x", Role::Service).depth,
            Some(100)
        );
        // No rule: defaults.
        let ep = cfg.endpoint("/other", "/chatter", Role::Publisher);
        assert_eq!(ep.rule, None);
        assert_eq!(ep.domain, Domain::HOST);
    }

    #[test]
    fn empty_and_default() {
        assert_eq!(Config::parse("", "e.yaml").unwrap().rules().len(), 0);
        assert_eq!(
            Config::parse("# nothing\n\n", "e.yaml").unwrap().defaults(),
            &Defaults::default()
        );
        let cfg = Config::default();
        assert_eq!(
            cfg.endpoint("/a", "/b", Role::Publisher),
            EndpointConfig {
                domain: Domain::HOST,
                pool_size: DEFAULT_POOL_SIZE,
                depth: None,
                rule: None
            }
        );
    }

    fn err(text: &str) -> String {
        Config::parse(text, "bad.yaml").unwrap_err().to_string()
    }

    #[test]
    fn errors_name_file_line_and_rule() {
        assert_eq!(
            err("rules:\n  - topic: /a\n  - name: gpu\n    topic: /b\n    domain: gpu:0\n"),
            "bad.yaml:5: rules[1] \"gpu\": domain: unknown memory domain 'gpu:0': expected host, cuda:N or emulated:N"
        );
        assert_eq!(
            err("rules:\n  - topic: /a\n    role: writer\n"),
            "bad.yaml:3: rules[0]: role: unknown role 'writer': expected publisher, subscriber, service, client or any"
        );
        assert_eq!(
            err("rules:\n  - topic: chatter\n"),
            "bad.yaml:2: rules[0]: topic: pattern 'chatter' never matches: fully-qualified names start with '/' (did you mean '/chatter' or '**/chatter'?)"
        );
        assert_eq!(
            err("rules:\n  - topic: /a\n    depht: 3\n"),
            "bad.yaml:3: rules[0]: unknown key 'depht' in rule (allowed: name, node, topic, role, domain, pool_size, depth)"
        );
        assert_eq!(
            err("rules:\n  - topic: /a\n    depth: 0\n"),
            "bad.yaml:3: rules[0]: depth: '0' is not a queue depth in 1..=1024"
        );
        assert_eq!(
            err("defaults:\n  pool_size: 12 parsecs\n"),
            "bad.yaml:2: pool_size: invalid size '12 parsecs': expected bytes, or a number with KiB, MiB, GiB, kB, MB or GB"
        );
        assert_eq!(
            err("defaults:\n  pool_size: 100\n"),
            "bad.yaml:2: pool_size: 100 bytes is outside 4096..=1099511627776 (4 KiB to 1 TiB)"
        );
        assert_eq!(
            err("version: 2\n"),
            "bad.yaml:1: version: unsupported version '2', expected 1"
        );
        assert_eq!(
            err("rule:\n  - topic: /a\n"),
            "bad.yaml:1: unknown key 'rule' in top level (allowed: version, defaults, rules)"
        );
        assert_eq!(
            err("rules: /a\n"),
            "bad.yaml:1: rules: expected a list of rules"
        );
        assert_eq!(
            err("rules:\n  - /a\n"),
            "bad.yaml:2: rules[0]: expected a mapping (node, topic, role, domain, ...)"
        );
        assert_eq!(
            err("rules:\n  - topic: /a\n    topic: /b\n"),
            "bad.yaml:3: duplicate key 'topic' (first on line 2)"
        );
        let syntax = err("rules:\n  - topic: [/a\n");
        assert!(syntax.starts_with("bad.yaml:"), "{syntax}");
        assert!(syntax.contains("YAML syntax error"), "{syntax}");
        assert_eq!(err("- a\n"), "bad.yaml:1: the file must be a mapping");
    }

    #[test]
    fn load_and_env_errors_name_the_file() {
        let e = Config::load(Path::new("/nonexistent/hazcat.yaml")).unwrap_err();
        assert_eq!(e.file, "/nonexistent/hazcat.yaml");
        assert!(e
            .to_string()
            .starts_with("/nonexistent/hazcat.yaml: cannot read configuration (HAZCAT_CONFIG)"));
    }

    #[test]
    fn check_domains_names_the_rule() {
        let cfg = Config::parse(GOOD, "good.yaml").unwrap();
        let e = cfg
            .check_domains(|d| {
                if d.kind == crate::DomainKind::Cuda {
                    Err("no CUDA device".into())
                } else {
                    Ok(())
                }
            })
            .unwrap_err();
        assert_eq!(
            e.to_string(),
            "good.yaml:6: rules[0] \"gpu camera\": domain cuda:0: no CUDA device"
        );
        assert!(cfg.check_domains(|_| Ok(())).is_ok());
    }

    #[test]
    fn glob_semantics() {
        let m = |p: &str, s: &str| Pattern::new(p).unwrap().matches(s);
        assert!(m("/a", "/a"));
        assert!(!m("/a", "/ab"));
        assert!(m("/a*", "/abc"));
        assert!(!m("/a*", "/a/b"));
        assert!(m("/a/**", "/a/b/c"));
        assert!(m("/a/**", "/a/"));
        assert!(m("**", "/anything/at/all"));
        assert!(!m("*", "/a")); // '*' never crosses '/': use '**' for "everything".
        assert!(m("/?", "/x"));
        assert!(!m("/?", "/"));
        assert!(!m("/?", "/xy"));
        assert!(m("**/scan", "/robot/scan"));
        assert!(m("**/scan", "/scan"));
        assert!(!m("**/scan", "/robot/scanner"));
        assert!(Pattern::new("").is_err());
        assert!(Pattern::new("/a/***").is_err());
    }

    #[test]
    fn sizes() {
        assert_eq!(parse_size("4096"), Ok(4096));
        assert_eq!(parse_size("64KiB"), Ok(64 << 10));
        assert_eq!(parse_size("4 MiB"), Ok(4 << 20));
        assert_eq!(parse_size("2GiB"), Ok(2 << 30));
        assert_eq!(parse_size("1MB"), Ok(1_000_000));
        assert!(parse_size("1.5MiB").is_err());
        assert!(parse_size("MiB").is_err());
        assert!(parse_size("99999999999999999999GiB").is_err());
    }
}
