//! The status a running bridge serves to `hazcat ls`: its zid and endpoints, the Zenoh peers and
//! routers it is connected to, per bridged topic the direction, type and traffic (samples, bytes,
//! dropped, rate-limited), and the remote nodes it mirrors.
//!
//! A thread listens on the abstract socket of [`hazcat_core::bridge_status`]. Nothing costs the
//! bridge's loop anything until a client connects: the thread then raises a flag and wakes the
//! loop, which renders the status at the end of its pass ([`StatusBoard::publish`]); the thread
//! writes that document (or, when the loop does not answer within [`FRESH_WAIT`], the last one)
//! and closes the connection.

use crate::config::{Filter, RateLimiter};
use crate::forward::Forwards;
use crate::proxy::Proxies;
use crate::remote::RemoteGraph;
use crate::services::Services;
use serde_json::{json, Value};
use std::io::{self, Write};
use std::os::linux::net::SocketAddrExt;
use std::os::unix::net::UnixListener;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::Duration;
use zenoh::{Session, Wait};

/// How long a connection waits for the loop to render a fresh status.
pub const FRESH_WAIT: Duration = Duration::from_secs(1);
/// How long writing the status to a client may take.
const WRITE_TIMEOUT: Duration = Duration::from_secs(2);

#[derive(Default)]
struct Shared {
    wanted: AtomicBool,
    /// (how many documents were published, the last one).
    doc: Mutex<(u64, String)>,
    fresh: Condvar,
}

/// Where the loop leaves the status for the server thread; cheap to clone.
#[derive(Clone, Default)]
pub struct StatusBoard {
    shared: Arc<Shared>,
}

impl StatusBoard {
    /// Whether a client waits for a fresh status (one atomic load).
    pub fn wanted(&self) -> bool {
        self.shared.wanted.load(Ordering::Acquire)
    }

    /// Stores `status` as the latest document and wakes the clients waiting for it.
    pub fn publish(&self, status: &Value) {
        let text = status.to_string();
        self.shared.wanted.store(false, Ordering::Release);
        let mut doc = self
            .shared
            .doc
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        doc.0 += 1;
        doc.1 = text;
        self.shared.fresh.notify_all();
    }

    /// Asks for a fresh document (calling `wake` to get the loop's attention) and returns it, or
    /// the previous one after `wait`.
    fn fresh(&self, wake: &dyn Fn(), wait: Duration) -> String {
        let lock = || {
            self.shared
                .doc
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
        };
        let seen = lock().0;
        self.shared.wanted.store(true, Ordering::Release);
        // Not under the lock: the loop may publish at once (then the wait below ends at once).
        wake();
        let (doc, _) = self
            .shared
            .fresh
            .wait_timeout_while(lock(), wait, |d| d.0 == seen)
            .unwrap_or_else(PoisonError::into_inner);
        if doc.1.is_empty() {
            json!({ "error": "the bridge's loop did not answer" }).to_string()
        } else {
            doc.1.clone()
        }
    }
}

/// The thread serving the status; stops when dropped.
pub struct StatusServer {
    name: String,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl StatusServer {
    /// Listens on the abstract socket `name` (see [`hazcat_core::bridge_status::socket_name`]);
    /// each client gets the document the loop publishes on `board` after `wake`.
    pub fn start(
        name: &str,
        board: StatusBoard,
        wake: impl Fn() + Send + 'static,
    ) -> io::Result<StatusServer> {
        let listener = hazcat_core::bridge_status::bind(name)?;
        let stop = Arc::new(AtomicBool::new(false));
        let thread = std::thread::Builder::new()
            .name("hazcat-status".into())
            .spawn({
                let stop = stop.clone();
                move || serve(&listener, &board, &wake, &stop)
            })?;
        Ok(StatusServer {
            name: name.to_owned(),
            stop,
            thread: Some(thread),
        })
    }

    /// The abstract socket name served.
    pub fn name(&self) -> &str {
        &self.name
    }
}

fn serve(listener: &UnixListener, board: &StatusBoard, wake: &dyn Fn(), stop: &AtomicBool) {
    for conn in listener.incoming() {
        if stop.load(Ordering::Acquire) {
            return;
        }
        let mut conn = match conn {
            Ok(c) => c,
            Err(e) => {
                log::debug!("status socket: accept: {e}");
                continue;
            }
        };
        if let Err(e) = hazcat_core::bridge_status::check_client(&conn) {
            log::debug!("status socket: refused a client: {e}");
            continue;
        }
        let text = board.fresh(wake, FRESH_WAIT);
        let _ = conn.set_write_timeout(Some(WRITE_TIMEOUT));
        if let Err(e) = conn.write_all(text.as_bytes()) {
            log::debug!("status socket: write: {e}");
        }
    }
}

impl Drop for StatusServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Release);
        // One connection ends the blocking accept; the thread sees `stop` and returns.
        let unblocked = std::os::unix::net::SocketAddr::from_abstract_name(self.name.as_bytes())
            .and_then(|a| std::os::unix::net::UnixStream::connect_addr(&a));
        if unblocked.is_ok() {
            if let Some(t) = self.thread.take() {
                let _ = t.join();
            }
        }
    }
}

/// What the status is made of: the loop's state, borrowed for one rendering.
pub struct View<'a> {
    /// ROS domain id.
    pub domain: u32,
    /// The Zenoh session.
    pub session: &'a Session,
    /// Endpoints listened on, as configured.
    pub listen: &'a [String],
    /// Endpoints connected to, as configured.
    pub connect: &'a [String],
    /// The bridge configuration file, if any.
    pub config: Option<&'a str>,
    /// Local -> Zenoh.
    pub forwards: &'a Forwards,
    /// Zenoh -> local.
    pub proxies: &'a Proxies,
    /// Remote graph.
    pub remote: &'a RemoteGraph,
    /// Service calls both ways.
    pub services: &'a Services,
    /// Names that cross.
    pub filter: &'a Filter,
}

/// (name, type) pairs as a sorted JSON list of `{"name", "type"}`.
fn services<'a>(pairs: impl Iterator<Item = (&'a str, &'a str)>) -> Vec<Value> {
    let mut v: Vec<(&str, &str)> = pairs.collect();
    v.sort_unstable();
    v.into_iter()
        .map(|(name, ty)| json!({ "name": name, "type": ty }))
        .collect()
}

/// Renders the status document (schema in the README, "hazcat ls" of the bridge section).
pub fn render(v: &View<'_>) -> Value {
    let info = v.session.info();
    let peers: Vec<String> = info.peers_zid().wait().map(|z| z.to_string()).collect();
    let routers: Vec<String> = info.routers_zid().wait().map(|z| z.to_string()).collect();
    let locators: Vec<String> = info
        .locators()
        .wait()
        .iter()
        .map(ToString::to_string)
        .collect();
    let limiter: &RateLimiter = &v.forwards.limiter;
    let mut topics: Vec<Value> = v
        .forwards
        .topics()
        .map(|(name, ty, s)| {
            json!({
                "name": name, "type": ty, "direction": "out",
                "samples": s.sent, "bytes": s.bytes, "dropped": s.dropped,
                "rate_limited": s.rate_limited, "max_rate": limiter.limit_of(name),
            })
        })
        .chain(v.proxies.topics().map(|(name, ty, s)| {
            json!({
                "name": name, "type": ty, "direction": "in",
                "samples": s.delivered, "bytes": s.bytes, "dropped": s.dropped,
                "rate_limited": 0, "max_rate": null,
            })
        }))
        .collect();
    topics.sort_by(|a, b| {
        (a["name"].as_str(), a["direction"].as_str())
            .cmp(&(b["name"].as_str(), b["direction"].as_str()))
    });
    let (out, inn, calls) = (v.forwards.stats, v.proxies.stats, v.services.stats);
    json!({
        "pid": std::process::id(),
        "ros_domain": v.domain,
        "zid": v.session.zid().to_string(),
        "config": v.config,
        "listen": v.listen,
        "locators": locators,
        "connect": v.connect,
        "peers": peers,
        "routers": routers,
        "allow": v.filter.allow().map(|a| a.iter().map(ToString::to_string).collect::<Vec<_>>()),
        "deny": v.filter.deny().iter().map(ToString::to_string).collect::<Vec<_>>(),
        "topics": topics,
        "services": {
            "served": services(v.services.served()),
            "called": services(v.services.called()),
            "requests_in": calls.requests_in, "responses_out": calls.responses_out,
            "requests_out": calls.requests_out, "responses_in": calls.responses_in,
            "dropped": calls.dropped,
        },
        "remote_nodes": v.remote.node_names().into_iter().map(|(zid, name)| json!({
            "zid": zid, "name": name,
        })).collect::<Vec<_>>(),
        "totals": {
            "sent": out.sent, "sent_bytes": out.bytes, "send_dropped": out.dropped,
            "rate_limited": out.rate_limited,
            "received": inn.delivered, "received_bytes": inn.bytes, "receive_dropped": inn.dropped,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use hazcat_core::bridge_status::query;

    fn name(test: &str) -> String {
        format!(
            "hazcat_test_status_{test}_{}_{}",
            std::process::id(),
            hazcat_core::os::process::random_u64()
        )
    }

    #[test]
    fn a_client_gets_the_document_the_loop_publishes_on_request() {
        let name = name("fresh");
        let board = StatusBoard::default();
        // The "loop": renders when woken, counting its renderings.
        let renders = Arc::new(std::sync::atomic::AtomicU64::new(0));
        let wake = {
            let (board, renders) = (board.clone(), renders.clone());
            move || {
                assert!(board.wanted());
                let n = renders.fetch_add(1, Ordering::SeqCst) + 1;
                board.publish(&json!({ "zid": "ab12", "render": n }));
            }
        };
        let server = StatusServer::start(&name, board.clone(), wake).unwrap();
        assert_eq!(server.name(), name);
        for n in 1..=2 {
            let text = query(&name, Duration::from_secs(5)).unwrap().unwrap();
            let v: Value = serde_json::from_str(&text).unwrap();
            assert_eq!(v, json!({ "zid": "ab12", "render": n }));
        }
        assert!(!board.wanted());
        // A second bridge for the same name cannot serve; the first is unaffected.
        let e = StatusServer::start(&name, StatusBoard::default(), || {}).err();
        assert_eq!(e.map(|e| e.kind()), Some(io::ErrorKind::AddrInUse));
        drop(server);
        assert_eq!(query(&name, Duration::from_secs(1)).unwrap(), None);
    }

    #[test]
    fn a_silent_loop_yields_the_last_document() {
        let name = name("silent");
        let board = StatusBoard::default();
        let server = StatusServer::start(&name, board.clone(), || {}).unwrap();
        let text = query(&name, Duration::from_secs(5)).unwrap().unwrap();
        assert!(text.contains("did not answer"), "{text}");
        board.publish(&json!({ "zid": "cd" }));
        let text = query(&name, Duration::from_secs(5)).unwrap().unwrap();
        assert_eq!(text, "{\"zid\":\"cd\"}");
        drop(server);
    }
}
