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
//! 'gpu:0': expected host, cuda:N or emulated:N`, and every error in the file is reported at
//! once ([`ConfigErrors`]). A broken file is an error, never a silent fallback to defaults; so is
//! an empty one (nothing but blank lines and comments), which is more likely a mistake than a
//! wish for the defaults: the smallest valid file is the single line `version: 1`.
//!
//! ```
//! use hazcat_core::config::{Config, Role};
//! use hazcat_core::Domain;
//! let cfg = Config::parse("rules:\n  - topic: /image\n    domain: cuda:1\n", "example.yaml")?;
//! let ep = cfg.endpoint("/camera/driver", "/image", Role::Publisher);
//! assert_eq!(ep.domain, Domain::cuda(1));
//! assert_eq!(ep.rule, Some(0));
//! assert_eq!(cfg.endpoint("/n", "/other", Role::Subscriber).domain, Domain::HOST);
//! # Ok::<(), hazcat_core::config::ConfigErrors>(())
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

/// The error for a file without any setting.
const EMPTY_FILE: &str = "empty configuration file (no settings, only blank lines or comments); \
     a minimal valid file is the single line `version: 1` (built-in defaults: host memory, \
     4 MiB pools, QoS depths), to which `defaults:` and `rules:` can be added";

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

/// Every error found in a configuration (at least one), in line order: a file is checked
/// completely, so one run of `hazcat doctor --config` or `rmw_init` names everything to fix.
///
/// Displays as the single error, or as `N errors:` followed by one error per line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigErrors {
    errors: Vec<ConfigError>,
}

impl ConfigErrors {
    /// The errors, sorted by line (errors without a line first); never empty.
    pub fn errors(&self) -> &[ConfigError] {
        &self.errors
    }

    /// The first error (by line).
    pub fn first(&self) -> &ConfigError {
        &self.errors[0]
    }

    /// `Ok(())` when `errors` is empty, else the errors sorted by line.
    pub fn check(mut errors: Vec<ConfigError>) -> Result<(), ConfigErrors> {
        if errors.is_empty() {
            return Ok(());
        }
        errors.sort_by_key(|e| e.line);
        Err(ConfigErrors { errors })
    }
}

impl From<ConfigError> for ConfigErrors {
    fn from(e: ConfigError) -> Self {
        ConfigErrors { errors: vec![e] }
    }
}

impl<'a> IntoIterator for &'a ConfigErrors {
    type Item = &'a ConfigError;
    type IntoIter = std::slice::Iter<'a, ConfigError>;
    fn into_iter(self) -> Self::IntoIter {
        self.errors.iter()
    }
}

impl fmt::Display for ConfigErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let [one] = self.errors.as_slice() {
            return one.fmt(f);
        }
        write!(f, "{} errors:", self.errors.len())?;
        for e in &self.errors {
            write!(f, "\n{e}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ConfigErrors {}

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
    pub fn from_env() -> Result<Config, ConfigErrors> {
        match env_path() {
            Some(p) => Config::load(&p),
            None => Ok(Config::default()),
        }
    }

    /// Reads and validates the file at `path`. Errors name the file, never where its name came
    /// from (`HAZCAT_CONFIG`, a command-line option): callers add that.
    pub fn load(path: &Path) -> Result<Config, ConfigErrors> {
        let file = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| ConfigError {
            file: file.clone(),
            line: None,
            rule: None,
            rule_name: None,
            message: format!("cannot read the configuration file: {e}"),
        })?;
        Config::parse(&text, &file)
    }

    /// Parses and validates `text`; `file` names it in errors. Every error found is reported,
    /// except after a YAML syntax error or a top level that is not a mapping (nothing further
    /// can be read then). A file without any setting (empty, or only comments) is an error: the
    /// smallest valid file is `version: 1`.
    pub fn parse(text: &str, file: &str) -> Result<Config, ConfigErrors> {
        let mut cx = Cx::new(file);
        let mut cfg = Config {
            source: Some(file.to_owned()),
            ..Config::default()
        };
        let root = cx.root(text, EMPTY_FILE)?;
        let root = &root;
        cx.check_keys(root, &["version", "defaults", "rules"], "top level", "");
        cx.check_version(root);
        if let Some(d) = root.get_node("defaults") {
            match d.as_mapping() {
                None => cx.push(line_of(d), "defaults: expected a mapping".into()),
                Some(m) => {
                    cx.check_keys(m, &["domain", "pool_size", "depth"], "defaults", "");
                    if let Some(v) = m.get_node("domain").and_then(|n| cx.domain(n)) {
                        cfg.defaults.domain = v;
                    }
                    if let Some(v) = m.get_node("pool_size").and_then(|n| cx.pool_size(n)) {
                        cfg.defaults.pool_size = v;
                    }
                    if let Some(n) = m.get_node("depth") {
                        cfg.defaults.depth = cx.depth(n);
                    }
                }
            }
        }
        if let Some(r) = root.get_node("rules") {
            match r.as_sequence() {
                None => cx.push(line_of(r), "rules: expected a list of rules".into()),
                Some(seq) => {
                    for (i, node) in seq.iter().enumerate() {
                        cx.rule = Some(i);
                        cx.rule_name = None;
                        if let Some(rule) = cx.rule(node) {
                            cfg.rules.push(rule);
                        }
                    }
                }
            }
        }
        ConfigErrors::check(cx.errors)?;
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
    /// which returns why a domain cannot be used on this machine. Each failure becomes an error
    /// naming file, line and rule.
    pub fn check_domains(
        &self,
        mut available: impl FnMut(Domain) -> Result<(), String>,
    ) -> Result<(), ConfigErrors> {
        let file = self.source.clone().unwrap_or_else(|| "<defaults>".into());
        let mut errors = Vec::new();
        if let Err(why) = available(self.defaults.domain) {
            errors.push(ConfigError {
                file: file.clone(),
                line: None,
                rule: None,
                rule_name: None,
                message: format!("defaults: domain {}: {why}", self.defaults.domain),
            });
        }
        for (i, r) in self.rules.iter().enumerate() {
            if let Some(d) = r.domain {
                if let Err(why) = available(d) {
                    errors.push(ConfigError {
                        file: file.clone(),
                        line: (r.line > 0).then_some(r.line),
                        rule: Some(i),
                        rule_name: r.name.clone(),
                        message: format!("domain {d}: {why}"),
                    });
                }
            }
        }
        ConfigErrors::check(errors)
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

/// The 1-based line where `n` starts, if known.
pub fn line_of(n: &Node) -> Option<usize> {
    n.span().start().map(|m| m.line())
}

/// The 1-based line of a YAML load error, if it has one.
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

/// A YAML load error in words (syntax error, duplicate key with the line of the first, ...).
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

/// Error context of a YAML file being read: the file, the rule being read (if any), and the
/// errors found so far. Shared by the readers of `HAZCAT_CONFIG` and of the bridge's
/// configuration, so that both report errors alike.
pub struct Cx<'a> {
    /// The file's name, as errors show it.
    pub file: &'a str,
    /// Index of the rule being read.
    pub rule: Option<usize>,
    /// Name of the rule being read.
    pub rule_name: Option<String>,
    /// Errors so far, in file order.
    pub errors: Vec<ConfigError>,
}

impl<'a> Cx<'a> {
    /// No errors yet, outside any rule.
    pub fn new(file: &'a str) -> Cx<'a> {
        Cx {
            file,
            rule: None,
            rule_name: None,
            errors: Vec::new(),
        }
    }

    /// An error at `line` in the current rule.
    pub fn err(&self, line: Option<usize>, message: String) -> ConfigError {
        ConfigError {
            file: self.file.to_owned(),
            line,
            rule: self.rule,
            rule_name: self.rule_name.clone(),
            message,
        }
    }

    /// Records an error and goes on reading.
    pub fn push(&mut self, line: Option<usize>, message: String) {
        let e = self.err(line, message);
        self.errors.push(e);
    }

    /// Records an error for every key of `m` not in `allowed` (`what` names the mapping in the
    /// message, `at` is put in front of it).
    pub fn check_keys(&mut self, m: &MarkedMappingNode, allowed: &[&str], what: &str, at: &str) {
        for k in m.keys() {
            if !allowed.contains(&k.as_str()) {
                self.push(
                    k.span().start().map(|m| m.line()),
                    format!(
                        "{at}unknown key '{}' in {what} (allowed: {})",
                        k.as_str(),
                        allowed.join(", ")
                    ),
                );
            }
        }
    }

    /// The top-level mapping of the YAML `text`. An empty file (nothing but blank lines and
    /// comments: the error `empty`), a syntax error (with its line) or a top level that is not a mapping is an
    /// error, and reading stops there.
    pub fn root(&self, text: &str, empty: &str) -> Result<MarkedMappingNode, ConfigErrors> {
        if text.lines().all(|l| {
            let l = l.trim();
            l.is_empty() || l.starts_with('#') || l == "---" || l == "..."
        }) {
            return Err(self.err(None, empty.into()).into());
        }
        let opts = marked_yaml::LoaderOptions::default().error_on_duplicate_keys(true);
        let root = marked_yaml::parse_yaml_with_options(0, text, opts)
            .map_err(|e| self.err(load_error_line(&e), load_error_message(&e)))?;
        match root {
            Node::Mapping(m) => Ok(m),
            other => Err(self
                .err(line_of(&other), "the file must be a mapping".into())
                .into()),
        }
    }

    /// Checks `version`, when given, is 1 (the only format so far).
    pub fn check_version(&mut self, root: &MarkedMappingNode) {
        if let Some(v) = root.get_node("version") {
            if let Some(s) = self.scalar(v, "version") {
                if s.as_str() != "1" {
                    let message =
                        format!("version: unsupported version '{}', expected 1", s.as_str());
                    self.push(line_of(v), message);
                }
            }
        }
    }

    /// `n` as a single value, or an error naming `key`.
    pub fn scalar<'n>(&mut self, n: &'n Node, key: &str) -> Option<&'n MarkedScalarNode> {
        let s = n.as_scalar();
        if s.is_none() {
            self.push(line_of(n), format!("{key}: expected a single value"));
        }
        s
    }

    fn domain(&mut self, n: &Node) -> Option<Domain> {
        let s = self.scalar(n, "domain")?;
        s.as_str()
            .parse()
            .map_err(|e| self.push(line_of(n), format!("domain: {e}")))
            .ok()
    }

    fn pool_size(&mut self, n: &Node) -> Option<usize> {
        let s = self.scalar(n, "pool_size")?;
        match parse_size(s.as_str()) {
            Err(e) => self.push(line_of(n), format!("pool_size: {e}")),
            Ok(v) if !(MIN_POOL_SIZE..=MAX_POOL_SIZE).contains(&v) => self.push(
                line_of(n),
                format!(
                    "pool_size: {v} bytes is outside {MIN_POOL_SIZE}..={MAX_POOL_SIZE} (4 KiB to 1 TiB)"
                ),
            ),
            Ok(v) => return Some(v),
        }
        None
    }

    fn depth(&mut self, n: &Node) -> Option<u32> {
        let s = self.scalar(n, "depth")?;
        match s.as_str().parse::<u32>() {
            Ok(v) if (1..=MAX_DEPTH).contains(&v) => Some(v),
            _ => {
                self.push(
                    line_of(n),
                    format!(
                        "depth: '{}' is not a queue depth in 1..={MAX_DEPTH}",
                        s.as_str()
                    ),
                );
                None
            }
        }
    }

    /// The patterns of `n` that are valid; each invalid one is recorded.
    fn patterns(&mut self, n: &Node, key: &str) -> Vec<Pattern> {
        let one = |cx: &mut Self, s: &MarkedScalarNode| match Pattern::new(s.as_str()) {
            Ok(p) => Some(p),
            Err(e) => {
                cx.push(
                    s.span().start().map(|m| m.line()).or(line_of(n)),
                    format!("{key}: {e}"),
                );
                None
            }
        };
        match n {
            Node::Scalar(s) => one(self, s).into_iter().collect(),
            Node::Sequence(seq) if seq.is_empty() => {
                self.push(line_of(n), format!("{key}: empty list of patterns"));
                Vec::new()
            }
            Node::Sequence(seq) => seq
                .iter()
                .filter_map(|item| {
                    let s = self.scalar(item, key)?;
                    one(self, s)
                })
                .collect(),
            Node::Mapping(_) => {
                self.push(
                    line_of(n),
                    format!("{key}: expected a pattern or a list of patterns"),
                );
                Vec::new()
            }
        }
    }

    /// Reads one rule, recording every error in it; `None` when it is not a mapping.
    fn rule(&mut self, n: &Node) -> Option<Rule> {
        let line = line_of(n);
        let Some(m) = n.as_mapping() else {
            self.push(
                line,
                "expected a mapping (node, topic, role, domain, ...)".into(),
            );
            return None;
        };
        if let Some(name) = m.get_node("name") {
            self.rule_name = self.scalar(name, "name").map(|s| s.as_str().to_owned());
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
            "",
        );
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
            rule.node = self.patterns(v, "node");
        }
        if let Some(v) = m.get_node("topic") {
            rule.topic = self.patterns(v, "topic");
        }
        if let Some(v) = m.get_node("role") {
            rule.role = match self.scalar(v, "role").map(|s| s.as_str()) {
                None | Some("any") => None,
                Some(s) => s
                    .parse()
                    .map_err(|e| self.push(line_of(v), format!("role: {e}")))
                    .ok(),
            };
        }
        if let Some(v) = m.get_node("domain") {
            rule.domain = self.domain(v);
        }
        if let Some(v) = m.get_node("pool_size") {
            rule.pool_size = self.pool_size(v);
        }
        if let Some(v) = m.get_node("depth") {
            rule.depth = self.depth(v);
        }
        Some(rule)
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
    fn empty_file_is_an_error_and_version_1_the_minimal_file() {
        for text in ["", "\n  \n", "# nothing\n\n", "---\n# only a marker\n...\n"] {
            let e = Config::parse(text, "e.yaml").unwrap_err();
            assert_eq!(e.errors().len(), 1, "{text:?}");
            let msg = e.to_string();
            assert!(msg.starts_with("e.yaml: empty configuration file"), "{msg}");
            assert!(msg.contains("`version: 1`"), "{msg}");
        }
        // The minimal valid file: the defaults, no rules.
        for text in ["version: 1\n", "# mine\nversion: 1\n", "{}\n"] {
            let cfg = Config::parse(text, "v.yaml").unwrap();
            assert_eq!(cfg.defaults(), &Defaults::default(), "{text:?}");
            assert!(cfg.rules().is_empty());
        }
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
        assert_eq!(e.first().file, "/nonexistent/hazcat.yaml");
        // The file is named; where its name came from is the caller's to say.
        let msg = e.to_string();
        assert!(
            msg.starts_with("/nonexistent/hazcat.yaml: cannot read the configuration file"),
            "{msg}"
        );
        assert!(!msg.contains(CONFIG_ENV), "{msg}");
    }

    #[test]
    fn every_error_is_reported_with_line_and_rule() {
        let text = "\
version: 3
colour: blue
defaults:
  domain: gpu:0
  pool_size: 1
rules:
  - name: first
    topic: [chatter, /ok, 'also bad']
    role: writer
  - /not-a-rule
  - name: third
    depth: 0
    domian: host
";
        let e = Config::parse(text, "many.yaml").unwrap_err();
        let lines: Vec<String> = e.errors().iter().map(ToString::to_string).collect();
        assert_eq!(
            lines,
            [
                "many.yaml:1: version: unsupported version '3', expected 1",
                "many.yaml:2: unknown key 'colour' in top level (allowed: version, defaults, rules)",
                "many.yaml:4: domain: unknown memory domain 'gpu:0': expected host, cuda:N or emulated:N",
                "many.yaml:5: pool_size: 1 bytes is outside 4096..=1099511627776 (4 KiB to 1 TiB)",
                "many.yaml:8: rules[0] \"first\": topic: pattern 'chatter' never matches: fully-qualified names start with '/' (did you mean '/chatter' or '**/chatter'?)",
                "many.yaml:8: rules[0] \"first\": topic: pattern 'also bad' never matches: fully-qualified names start with '/' (did you mean '/also bad' or '**/also bad'?)",
                "many.yaml:9: rules[0] \"first\": role: unknown role 'writer': expected publisher, subscriber, service, client or any",
                "many.yaml:10: rules[1]: expected a mapping (node, topic, role, domain, ...)",
                "many.yaml:12: rules[2] \"third\": depth: '0' is not a queue depth in 1..=1024",
                "many.yaml:13: rules[2] \"third\": unknown key 'domian' in rule (allowed: name, node, topic, role, domain, pool_size, depth)",
            ]
        );
        let all = e.to_string();
        assert!(all.starts_with("10 errors:\nmany.yaml:1: "), "{all}");
        assert_eq!(all.lines().count(), 11);
        // A YAML syntax error stops the reading: one error.
        assert_eq!(
            Config::parse("rules: [\n", "s.yaml")
                .unwrap_err()
                .errors()
                .len(),
            1
        );
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
        // Every unavailable domain is named, defaults included.
        let e = cfg.check_domains(|_| Err("no".into())).unwrap_err();
        let all: Vec<String> = e.errors().iter().map(ToString::to_string).collect();
        assert_eq!(
            all,
            [
                "good.yaml: defaults: domain host: no",
                "good.yaml:6: rules[0] \"gpu camera\": domain cuda:0: no",
                "good.yaml:13: rules[1]: domain emulated:1: no",
            ]
        );
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
