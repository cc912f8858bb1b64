//! The transport under services and clients: internal topic names, the request/response header,
//! and the [`Inbox`] that takes (and, for listener callbacks, pre-fetches) incoming messages;
//! callbacks are fired by the participant's [`Notifier`] thread.
//!
//! Wire format of one request or response sample on a hazcat topic:
//!
//! ```text
//! 0   u32 magic "HZSV"     4  u32 kind (1 request, 2 response)
//! 8   [u8; 16] client gid  (the rmw_request_id_t writer_guid)
//! 24  i64 sequence number  (assigned by the client, echoed by the service)
//! 32  16 reserved bytes (zero)
//! 48  the CDR body (encapsulation header included), as rmw_serialize writes it
//! ```
//! Timestamps travel in hazcat's sample metadata (source timestamp set at publish).

use std::collections::VecDeque;
use std::ffi::c_void;
use std::sync::{Arc, Mutex, MutexGuard, Weak};

use hazcat_core::{Listener, Participant, Publisher, SampleInfo, Subscriber, Waker};

use crate::detail::notifier::{Callback, Notifier, Pump};

use crate::ret::{RmwError, RmwResult};
use crate::sys::*;
use crate::typesupport::{serialize_into, serialized_size, MessageType};

/// Bytes of the header in front of every CDR body.
pub const HEADER_LEN: usize = 48;
const MAGIC: u32 = u32::from_le_bytes(*b"HZSV");

/// Length of the client id carried in requests and responses (`rmw_request_id_t::writer_guid`).
pub const CLIENT_ID_LEN: usize = 16;

/// A client id: the first 16 bytes of the client's gid (unique: participant id + counter).
pub type ClientId = [u8; CLIENT_ID_LEN];

/// The client id of a 24-byte hazcat gid.
pub fn client_id(gid: &[u8; 24]) -> ClientId {
    let mut id = [0u8; CLIENT_ID_LEN];
    id.copy_from_slice(&gid[..CLIENT_ID_LEN]);
    id
}

/// Whether a sample is a request or a response.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Client to service.
    Request = 1,
    /// Service to client.
    Response = 2,
}

/// The header in front of every request and response body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Header {
    /// Request or response.
    pub kind: Kind,
    /// The requesting client.
    pub client: ClientId,
    /// The client's sequence number of the request.
    pub sequence: i64,
}

impl Header {
    /// Writes the header into the first [`HEADER_LEN`] bytes of `out`.
    pub fn write(&self, out: &mut [u8]) {
        out[..HEADER_LEN].fill(0);
        out[0..4].copy_from_slice(&MAGIC.to_le_bytes());
        out[4..8].copy_from_slice(&(self.kind as u32).to_le_bytes());
        out[8..24].copy_from_slice(&self.client);
        out[24..32].copy_from_slice(&self.sequence.to_le_bytes());
    }

    /// Parses a header; `None` for anything that is not one of ours.
    pub fn read(b: &[u8]) -> Option<Header> {
        if b.len() < HEADER_LEN || b[0..4] != MAGIC.to_le_bytes() {
            return None;
        }
        let kind = match u32::from_le_bytes(b[4..8].try_into().ok()?) {
            1 => Kind::Request,
            2 => Kind::Response,
            _ => return None,
        };
        Some(Header {
            kind,
            client: b[8..24].try_into().ok()?,
            sequence: i64::from_le_bytes(b[24..32].try_into().ok()?),
        })
    }
}

/// Hazcat topic carrying the requests of service `service` of type `srv_type` (an internal
/// queue: see `hazcat_core::naming::service_request_topic`).
pub fn request_topic(service: &str, srv_type: &str) -> String {
    hazcat_core::naming::service_request_topic(service, srv_type)
}

/// Hazcat topic carrying the responses for one client (only that client subscribes to it).
pub fn response_topic(service: &str, srv_type: &str, client: &ClientId) -> String {
    hazcat_core::naming::service_response_topic(service, srv_type, client)
}

/// hazcat queue depth for a QoS profile (KEEP_ALL: the largest ring).
pub fn depth_of(q: &rmw_qos_profile_t) -> u32 {
    let cap = hazcat_core::topic::RING_CAP;
    if q.history == RMW_QOS_POLICY_HISTORY_KEEP_ALL {
        cap as u32
    } else {
        q.depth.clamp(1, cap) as u32
    }
}

/// Size of the memory pools of service/client endpoints (they grow on demand).
pub const POOL_SIZE: usize = 256 << 10;

/// Serializes `msg` behind `header` into a loan of `publ` and publishes it.
///
/// # Safety
/// `msg` points to a live message of type `ty`.
pub unsafe fn publish(
    publ: &Publisher,
    header: &Header,
    ty: &MessageType,
    msg: *const u8,
) -> RmwResult<()> {
    // SAFETY: `msg` is a live message of type `ty` (this function's `# Safety`), what
    // `serialized_size` reads.
    let body = unsafe { serialized_size(ty, msg)? };
    let mut loan = publ
        .loan(HEADER_LEN + body)
        .map_err(|e| RmwError::bad_alloc(e.to_string()))?;
    let buf = loan
        .as_mut_slice()
        .ok_or_else(|| RmwError::error("service transport needs host memory"))?;
    header.write(buf);
    crate::detail::wait_spin::note_sent();
    // SAFETY: `msg` is a live message of type `ty` (this function's `# Safety`), and the slice
    // after the header holds exactly the `body` bytes `serialized_size` computed for it.
    unsafe { serialize_into(ty, msg, &mut buf[HEADER_LEN..])? };
    publ.publish(loan)
        .map_err(|e| RmwError::error(e.to_string()))?;
    Ok(())
}

/// Metadata of a received request or response.
#[derive(Debug, Clone, Copy)]
pub struct Arrival {
    /// From hazcat (source timestamp, sequence, publisher).
    pub info: SampleInfo,
    /// When it left the shared queue (ns since the Unix epoch).
    pub received_timestamp: u64,
}

impl Arrival {
    fn now(info: &SampleInfo) -> Arrival {
        Arrival {
            info: *info,
            received_timestamp: hazcat_core::now_ns(),
        }
    }
}

/// A message moved out of shared memory ahead of a take (listener callbacks count them).
#[derive(Debug)]
struct Prefetched {
    header: Header,
    arrival: Arrival,
    body: Vec<u8>,
}

/// The receiving side of a service (requests) or a client (responses): a hazcat subscriber plus
/// the messages a listener callback has already announced.
pub struct Inbox {
    sub: Subscriber,
    kind: Kind,
    /// Clients accept only responses carrying their own id.
    only_for: Option<ClientId>,
    prefetched: Mutex<VecDeque<Prefetched>>,
    /// Held while a callback runs, so that clearing it waits for a running call.
    callback: Mutex<Option<Callback>>,
    /// The notifier the subscriber wakes while a callback is set.
    notifier: Mutex<Option<Waker>>,
}

impl std::fmt::Debug for Inbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Inbox")
            .field("sub", &self.sub)
            .field("kind", &self.kind)
            .finish()
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Inbox {
    /// Receives `kind` samples from `sub` (only those for `only_for`, when given).
    pub fn new(sub: Subscriber, kind: Kind, only_for: Option<ClientId>) -> Inbox {
        Inbox {
            sub,
            kind,
            only_for,
            prefetched: Mutex::new(VecDeque::new()),
            callback: Mutex::new(None),
            notifier: Mutex::new(None),
        }
    }

    fn accepts(&self, h: &Header) -> bool {
        h.kind == self.kind && self.only_for.is_none_or(|c| c == h.client)
    }

    /// Whether a message is waiting (prefetched or in shared memory). Samples that turn out not
    /// to be for us make this a spurious wake-up, which rmw allows.
    pub fn has_data(&self) -> bool {
        !lock(&self.prefetched).is_empty() || self.sub.has_data()
    }

    /// Takes the oldest message for us and hands it to `f` (header, arrival, CDR body);
    /// `Ok(None)` when there is none.
    pub fn take<R>(
        &self,
        f: impl FnOnce(&Header, &Arrival, &[u8]) -> RmwResult<R>,
    ) -> RmwResult<Option<R>> {
        let first = lock(&self.prefetched).pop_front();
        if let Some(p) = first {
            return f(&p.header, &p.arrival, &p.body).map(Some);
        }
        loop {
            let Some(rx) = self
                .sub
                .take()
                .map_err(|e| RmwError::error(e.to_string()))?
            else {
                return Ok(None);
            };
            let Some(bytes) = rx.bytes() else { continue };
            match Header::read(bytes) {
                Some(h) if self.accepts(&h) => {
                    return f(&h, &Arrival::now(rx.info()), &bytes[HEADER_LEN..]).map(Some);
                }
                _ => continue,
            }
        }
    }

    /// Moves every queued message for us out of shared memory; returns how many.
    fn prefetch(&self) -> usize {
        let mut n = 0;
        let mut q = lock(&self.prefetched);
        while let Ok(Some(rx)) = self.sub.take() {
            let Some(bytes) = rx.bytes() else { continue };
            if let Some(h) = Header::read(bytes).filter(|h| self.accepts(h)) {
                q.push_back(Prefetched {
                    header: h,
                    arrival: Arrival::now(rx.info()),
                    body: bytes[HEADER_LEN..].to_vec(),
                });
                n += 1;
            }
        }
        n
    }

    /// Sets or clears the listener callback. With `notifier`, arrivals wake that notifier, and
    /// messages already queued are announced at once.
    fn set_callback(
        &self,
        f: Option<unsafe extern "C" fn(*const c_void, usize)>,
        user_data: *const c_void,
        notifier: Option<Waker>,
    ) {
        let mut cb = lock(&self.callback);
        *cb = Callback::new(f, user_data);
        match &notifier {
            Some(w) => self.sub.attach_addr(w.addr()),
            None => self.sub.detach(),
        }
        *lock(&self.notifier) = notifier;
        if let Some(c) = *cb {
            self.prefetch();
            // Everything not taken yet is news for a newly set callback (announcing a message
            // twice costs a take that finds nothing; announcing it never would lose it).
            c.call(lock(&self.prefetched).len());
        }
    }

    /// Makes arrivals wake `listener` (a wait set) for the duration of a wait.
    pub fn attach(&self, listener: &Listener) {
        self.sub.attach(listener);
    }

    /// Ends a wait: arrivals wake the notifier again (which looks at what came meanwhile), or
    /// nobody.
    pub fn detach(&self) {
        match &*lock(&self.notifier) {
            Some(w) => {
                self.sub.attach_addr(w.addr());
                w.wake();
            }
            None => self.sub.detach(),
        }
    }
}

impl Pump for Inbox {
    /// Announces new messages to the callback, if one is set.
    fn pump(&self) -> Option<u64> {
        // The notifier pumps every inbox on every wake-up: most have nothing (lock-free check).
        if !self.sub.has_data() {
            return None;
        }
        let cb = lock(&self.callback);
        if let Some(cb) = *cb {
            // Called under the callback lock: clearing waits for this call.
            cb.call(self.prefetch());
        }
        None
    }
}

/// The listener-callback machinery of one service or client: its inbox plus the notifier it is
/// registered with while a callback is set.
#[derive(Debug)]
pub struct Listening {
    participant: Participant,
    /// The receiving side.
    pub inbox: Arc<Inbox>,
    notifier: Mutex<Option<Arc<Notifier>>>,
}

impl Listening {
    /// Wraps an inbox of `participant`.
    pub fn new(participant: &Participant, inbox: Inbox) -> Listening {
        Listening {
            participant: participant.clone(),
            inbox: Arc::new(inbox),
            notifier: Mutex::new(None),
        }
    }

    fn pump(&self) -> Weak<dyn Pump> {
        let p: Arc<dyn Pump> = self.inbox.clone();
        Arc::downgrade(&p)
    }

    /// `rmw_*_set_on_new_*_callback`: with a callback, messages already queued are announced at
    /// once (count = messages not taken yet) and every later arrival is announced from the
    /// participant's notifier thread; `None` clears it (and waits for a running call).
    pub fn set_callback(
        &self,
        f: Option<unsafe extern "C" fn(*const c_void, usize)>,
        user_data: *const c_void,
    ) -> RmwResult<()> {
        let mut slot = lock(&self.notifier);
        match f {
            Some(_) => {
                let n = match &*slot {
                    Some(n) => n.clone(),
                    None => {
                        let n = Notifier::for_participant(&self.participant)?;
                        n.register(self.pump());
                        *slot = Some(n.clone());
                        n
                    }
                };
                self.inbox.set_callback(f, user_data, Some(n.waker()));
            }
            None => {
                self.inbox.set_callback(None, user_data, None);
                if let Some(n) = slot.take() {
                    n.unregister(&self.pump());
                }
            }
        }
        Ok(())
    }
}

impl Drop for Listening {
    fn drop(&mut self) {
        let _ = self.set_callback(None, std::ptr::null());
    }
}
