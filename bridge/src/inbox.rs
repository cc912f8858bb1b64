//! What Zenoh's callback threads hand to the bridge's single loop: liveliness changes, data
//! samples, service calls and replies, queued in a channel, each followed by a wake-up of the
//! loop's hazcat listener (the same listener that local graph changes and local samples wake).

use crate::mapping::{Attachment, AttachmentError};
use hazcat_core::Waker;
use std::sync::mpsc::{channel, Receiver, Sender};

/// Something that arrived from Zenoh.
#[derive(Debug)]
pub enum Event {
    /// A liveliness token appeared (`alive`) or went away.
    Token {
        /// Its key expression.
        key: String,
        /// Appeared (true) or gone (false).
        alive: bool,
    },
    /// A data sample.
    Sample {
        /// Key expression it was put on (shared with Zenoh, not copied).
        key: zenoh::key_expr::KeyExpr<'static>,
        /// Payload, as Zenoh received it (a large one in several slices: copied once, into
        /// shared memory, by the loop).
        payload: zenoh::bytes::ZBytes,
        /// The rmw_zenoh attachment, decoded on Zenoh's thread (`None`: the sample had none).
        attachment: Option<Result<Attachment, AttachmentError>>,
    },
    /// A remote client's call of a local service.
    Query(zenoh::query::Query),
    /// A remote service's reply to a local client's call.
    Reply {
        /// (service name, `pkg/srv/Type`).
        service: (String, String),
        /// The calling local client's id.
        client: [u8; 16],
        /// The client's sequence number of the call.
        sequence: i64,
        /// CDR response.
        payload: Vec<u8>,
        /// When the service sent it (ns since the Unix epoch).
        source_timestamp: i64,
    },
}

/// The sending side, cloned into every Zenoh callback.
#[derive(Clone)]
pub struct Inbox {
    tx: Sender<Event>,
    waker: Waker,
}

impl Inbox {
    /// A channel whose sends wake `waker`; the receiver is the loop's.
    pub fn new(waker: Waker) -> (Inbox, Receiver<Event>) {
        let (tx, rx) = channel();
        (Inbox { tx, waker }, rx)
    }

    /// Queues `event` and wakes the loop (a loop that is gone is not an error).
    pub fn post(&self, event: Event) {
        if self.tx.send(event).is_ok() {
            self.waker.wake();
        }
    }
}
