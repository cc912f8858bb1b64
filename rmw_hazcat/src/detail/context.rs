//! The rmw context: this process's membership of one ROS domain (a hazcat [`Participant`]).

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, Weak};

use hazcat_core::{EntryKind, Participant};

use crate::detail::event::EventHub;
use crate::ret::{RmwError, RmwResult};

/// Settings taken from `rmw_init_options_t` at `rmw_init`.
#[derive(Debug, Clone)]
pub struct ContextConfig {
    /// ROS domain id actually used.
    pub domain_id: u32,
    /// Security enclave (`"/"` by default).
    pub enclave: String,
    /// `rmw_init_options_t::instance_id`.
    pub instance_id: u64,
}

/// Event hubs by (topic, kind of their endpoint).
type HubsByTopic = HashMap<(String, EntryKind), Vec<Weak<EventHub>>>;

/// State shared by a context and everything created from it.
#[derive(Debug)]
pub struct ContextShared {
    /// The hazcat participant (one per context).
    pub participant: Participant,
    /// Settings from the init options.
    pub config: ContextConfig,
    /// The `HAZCAT_CONFIG` rules (defaults only when the variable is unset), read at `rmw_init`.
    pub hazcat_config: hazcat_core::config::Config,
    shutdown: AtomicBool,
    next_gid: AtomicU64,
    /// Event hubs of this context's publishers and subscriptions by topic, refreshed at once on
    /// local graph changes of their topic (other processes' changes reach them through the
    /// notifier thread). Keyed by topic so that creating an endpoint costs the same with ten or
    /// ten thousand others in the process.
    hubs: Mutex<HubsByTopic>,
}

impl ContextShared {
    /// Whether `rmw_shutdown` was called.
    pub fn is_shutdown(&self) -> bool {
        self.shutdown.load(Ordering::SeqCst)
    }

    /// A gid unique across processes: the participant's random 64-bit id plus a per-context
    /// counter (hazcat gids have 24 bytes; rmw uses the first `RMW_GID_STORAGE_SIZE`).
    pub fn new_gid(&self) -> [u8; 24] {
        let mut gid = [0u8; 24];
        gid[..8].copy_from_slice(&self.participant.id().to_le_bytes());
        let n = self.next_gid.fetch_add(1, Ordering::Relaxed) + 1;
        gid[8..16].copy_from_slice(&n.to_le_bytes());
        gid
    }

    /// Registers an event hub for local refreshes.
    pub fn register_hub(&self, hub: &Arc<EventHub>) {
        let mut hubs = self.hubs.lock().unwrap_or_else(|e| e.into_inner());
        let same = hubs
            .entry((hub.topic().to_owned(), hub.kind()))
            .or_default();
        // Drop dead entries when the list doubles: amortised O(1) per registration.
        if same.len().is_power_of_two() {
            same.retain(|w| w.strong_count() > 0);
        }
        same.push(Arc::downgrade(hub));
    }

    /// Called after this process added or removed an endpoint of `kind` on `topic`: recomputes
    /// the statuses of the local hubs that match such endpoints (those on that topic whose peers
    /// are of that kind: no other hub's matches can change) and fires the event callbacks that
    /// have news.
    pub fn graph_changed_locally(&self, topic: &str, kind: EntryKind) {
        let key = (topic.to_owned(), kind.peer());
        let hubs: Vec<Arc<EventHub>> = {
            let mut all = self.hubs.lock().unwrap_or_else(|e| e.into_inner());
            let Some(peers) = all.get_mut(&key) else {
                return;
            };
            peers.retain(|w| w.strong_count() > 0);
            let live: Vec<_> = peers.iter().filter_map(Weak::upgrade).collect();
            if live.is_empty() {
                all.remove(&key);
            }
            live
        };
        if hubs.is_empty() {
            return;
        }
        let snap = self.participant.graph_of_topic(topic, kind);
        for h in hubs {
            h.refresh_with(&snap);
        }
    }
}

/// What `rmw_context_t::impl` points at.
#[derive(Debug)]
pub struct ContextImpl {
    /// Shared with nodes and entities.
    pub shared: Arc<ContextShared>,
}

/// Why a domain id cannot be used.
fn domain_from_options(domain_id: usize) -> RmwResult<u32> {
    if domain_id == crate::sys::RMW_DEFAULT_DOMAIN_ID {
        return Ok(0);
    }
    u32::try_from(domain_id)
        .ok()
        .filter(|d| *d < u32::MAX)
        .ok_or_else(|| RmwError::invalid(format!("domain id {domain_id} is out of range")))
}

impl ContextImpl {
    /// Joins the ROS domain of `domain_id` (`RMW_DEFAULT_DOMAIN_ID` = 0).
    pub fn new(domain_id: usize, enclave: String, instance_id: u64) -> RmwResult<ContextImpl> {
        let domain = domain_from_options(domain_id)?;
        // Validated before anything is created: a bad file fails rmw_init naming file, line, rule.
        let hazcat_config = hazcat_core::config::Config::from_env()
            .map_err(|e| RmwError::error(format!("rmw_init: HAZCAT_CONFIG: {e}")))?;
        let participant =
            Participant::join(domain).map_err(|e| RmwError::error(format!("rmw_init: {e}")))?;
        log::debug!(
            "joined ROS domain {domain} (shared memory in {}; configuration: {}, {} rule(s))",
            hazcat_core::os::shm_file::shm_dir(),
            hazcat_config.source().unwrap_or("none"),
            hazcat_config.rules().len()
        );
        Ok(ContextImpl {
            shared: Arc::new(ContextShared {
                participant,
                config: ContextConfig {
                    domain_id: domain,
                    enclave,
                    instance_id,
                },
                hazcat_config,
                shutdown: AtomicBool::new(false),
                next_gid: AtomicU64::new(0),
                hubs: Mutex::new(HashMap::new()),
            }),
        })
    }

    /// Marks the context shut down: no new nodes; existing objects keep working until destroyed.
    pub fn shutdown(&self) {
        log::debug!(
            "context of ROS domain {} shut down",
            self.shared.config.domain_id
        );
        self.shared.shutdown.store(true, Ordering::SeqCst);
    }
}
