//! The bridge's Zenoh session: a peer that listens and connects where told, with multicast
//! scouting off (explicit endpoints only) and timestamping on, as rmw_zenoh's peers run.
//!
//! Recovery relies on Zenoh 1.x defaults, left as they are (test/bridge/test_recovery.py):
//! - a peer whose link to a `connect` endpoint closes connects again, retrying with back-off
//!   (`connect/retry`: 1 s first, doubling up to 4 s), so a restarted bridge (or a restored
//!   link) is rejoined within about a second of being reachable;
//! - a link that goes silent (cable cut, host gone) is closed when the lease expires
//!   (`transport/link/tx/lease`, 10 s; a bridge killed outright is noticed at once, its TCP
//!   connections being reset). Remote tokens vanish with the link, so the graph drops the
//!   remote nodes, and they come back with the new link;
//! - gossip scouting (`scouting/gossip`) tells peers about each other's locators, and peers
//!   connect to the peers they learn of: bridges that were only told about one common bridge
//!   end up fully meshed (peers listen on an ephemeral port on every interface by default).

use std::fmt;
use zenoh::{Config, Session, Wait};

/// Where the session listens and what it connects to.
#[derive(Debug, Clone, Default)]
pub struct SessionArgs {
    /// Endpoints to listen on, e.g. `tcp/0.0.0.0:7447`.
    pub listen: Vec<String>,
    /// Endpoints to connect to (other bridges or a zenohd router), e.g. `tcp/10.0.0.2:7447`.
    pub connect: Vec<String>,
    /// A Zenoh JSON5 configuration file to start from.
    pub config: Option<std::path::PathBuf>,
}

/// Why the session could not be configured or opened.
#[derive(Debug)]
pub enum OpenError {
    /// The configuration file could not be read or is invalid.
    ConfigFile(String, String),
    /// A setting was rejected (the key, Zenoh's reason).
    Setting(String, String),
    /// Zenoh could not open the session (e.g. an endpoint cannot be listened on).
    Open(String),
}

impl fmt::Display for OpenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::ConfigFile(p, e) => write!(f, "Zenoh configuration '{p}': {e}"),
            Self::Setting(k, e) => write!(f, "Zenoh setting '{k}': {e}"),
            Self::Open(e) => write!(f, "cannot open the Zenoh session: {e}"),
        }
    }
}

impl std::error::Error for OpenError {}

fn set(config: &mut Config, key: &str, value: &str) -> Result<(), OpenError> {
    config
        .insert_json5(key, value)
        .map_err(|e| OpenError::Setting(key.to_owned(), e.to_string()))
}

/// JSON5 array of strings.
fn json_list(items: &[String]) -> String {
    let quoted: Vec<String> = items
        .iter()
        .map(|s| format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\"")))
        .collect();
    format!("[{}]", quoted.join(","))
}

/// The session configuration: from the file when given (which then decides mode and scouting),
/// else a peer with multicast scouting off; `--listen` / `--connect` replace the file's
/// endpoints; timestamping is always on (rmw_zenoh subscribers expect timestamped samples).
pub fn config(args: &SessionArgs) -> Result<Config, OpenError> {
    let mut config = match &args.config {
        Some(p) => Config::from_file(p)
            .map_err(|e| OpenError::ConfigFile(p.display().to_string(), e.to_string()))?,
        None => {
            let mut c = Config::default();
            set(&mut c, "mode", "\"peer\"")?;
            set(&mut c, "scouting/multicast/enabled", "false")?;
            c
        }
    };
    if !args.listen.is_empty() {
        set(&mut config, "listen/endpoints", &json_list(&args.listen))?;
    }
    if !args.connect.is_empty() {
        set(&mut config, "connect/endpoints", &json_list(&args.connect))?;
    }
    set(&mut config, "timestamping/enabled", "true")?;
    Ok(config)
}

/// Opens the session.
pub fn open(args: &SessionArgs) -> Result<Session, OpenError> {
    let config = config(args)?;
    zenoh::open(config)
        .wait()
        .map_err(|e| OpenError::Open(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_a_timestamping_peer_without_multicast() {
        let c = config(&SessionArgs {
            listen: vec!["tcp/127.0.0.1:0".into()],
            connect: vec!["tcp/127.0.0.1:7447".into()],
            config: None,
        })
        .unwrap();
        assert_eq!(c.get_json("mode").unwrap(), "\"peer\"");
        assert_eq!(c.get_json("scouting/multicast/enabled").unwrap(), "false");
        assert!(c.get_json("timestamping/enabled").unwrap().contains("true"));
        assert!(c
            .get_json("listen/endpoints")
            .unwrap()
            .contains("tcp/127.0.0.1:0"));
        assert!(c
            .get_json("connect/endpoints")
            .unwrap()
            .contains("tcp/127.0.0.1:7447"));
    }

    #[test]
    fn a_bad_endpoint_is_a_setting_error() {
        let e = config(&SessionArgs {
            connect: vec!["nonsense".into()],
            ..SessionArgs::default()
        })
        .unwrap_err();
        assert!(matches!(e, OpenError::Setting(..)), "{e}");
    }
}
