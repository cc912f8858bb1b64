//! Per-topic queue in shared memory.
//!
//! A topic holds endpoint rows (publishers and subscribers), one ring of sample indices per
//! endpoint (a subscriber's queue, or a transient-local publisher's history), and a table of
//! samples. A sample is one published message with a reference count (ring entries and loans that
//! point at it) and one *column* per memory domain: `(pool, offset)` of the message's bytes in
//! that domain, plus an availability bitmask. A subscriber in a domain without a copy claims the
//! column, copies once outside the lock, and installs the copy for every later taker there.
//!
//! All bookkeeping happens under one robust futex mutex per topic; critical sections touch a few
//! words and never copy payloads. What each endpoint holds is recorded in its loan table, so a
//! survivor can release everything a killed process held.

pub(crate) mod layout;
mod pools;
mod publisher;
mod subscriber;
mod view;

pub(crate) use view::TopicView;

pub use layout::{
    TimedQos, MAX_COLUMNS, MAX_ENDPOINTS, MAX_LOANS, MAX_POOLS, MAX_SAMPLES, RING_CAP,
};
pub use pools::FIRST_POOL;
pub use publisher::{Loan, LoanError, PublishError, Publisher, PublisherOptions};
pub use subscriber::{Publication, Received, SampleInfo, Subscriber, SubscriberOptions, TakeError};

/// A taker's last pool: index, arena id, mapping (see [`Topic::pool_cached`]).
pub(crate) type LastPool = Option<(u32, u64, Arc<dyn Allocator>)>;

use layout::*;

use std::fmt;
use std::sync::atomic::Ordering;
use std::sync::{Arc, RwLock};

use crate::alloc::{AllocError, Allocator, BlockRef};
use crate::domain::Domain;
use crate::membership::{ParticipantInner, WakerAddr};
use crate::memory;
use crate::naming;
use crate::os::process::ProcessId;
use crate::registry::Owner;
use crate::segment::{Segment, SegmentError, SegmentKind};
use crate::sync::{self, LockError, Locked};

/// The type carried by a topic: name plus optional 32-byte hash (all zero: unknown).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TypeInfo {
    /// Fully qualified type name, e.g. `std_msgs/msg/String`.
    pub name: String,
    /// Type hash (RIHS01 value), zero when unknown.
    pub hash: [u8; 32],
}

impl TypeInfo {
    /// A type known by name only.
    pub fn named(name: &str) -> TypeInfo {
        TypeInfo {
            name: name.to_owned(),
            hash: [0; 32],
        }
    }
}

/// Why a topic could not be opened.
#[derive(Debug)]
pub enum TopicOpenError {
    /// Creating, opening or validating the segment failed.
    Segment(SegmentError),
    /// The name is empty or too long to store.
    InvalidName(String),
    /// The queue's lock is held by a live participant for longer than the bounded wait.
    Busy(LockError),
    /// The existing queue carries another type (or another hash of the same type name).
    TypeMismatch {
        /// Topic name.
        topic: String,
        /// Type stored in the existing queue.
        existing: String,
        /// Type requested.
        requested: String,
    },
}

impl fmt::Display for TopicOpenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TopicOpenError::Segment(e) => write!(f, "topic queue: {e}"),
            TopicOpenError::InvalidName(n) => write!(f, "invalid topic name '{n}'"),
            TopicOpenError::Busy(e) => write!(f, "topic queue: {e}"),
            TopicOpenError::TypeMismatch { topic, existing, requested } => write!(
                f,
                "topic '{topic}' carries type '{existing}', cannot use it with '{requested}' (or the type hashes differ)"
            ),
        }
    }
}

impl std::error::Error for TopicOpenError {}

impl From<SegmentError> for TopicOpenError {
    fn from(e: SegmentError) -> Self {
        TopicOpenError::Segment(e)
    }
}

/// Why an endpoint could not be created on a topic.
#[derive(Debug)]
pub enum EndpointError {
    /// All endpoint rows of the topic are in use.
    TooManyEndpoints,
    /// The topic already uses [`MAX_COLUMNS`] memory domains.
    TooManyDomains(Domain),
    /// The pool table of the topic is full.
    TooManyPools,
    /// Creating the endpoint's memory pool failed.
    Pool(AllocError),
    /// The requested domain has no backend in this build.
    UnsupportedDomain(Domain),
    /// The requested device domain has a backend, but this machine cannot provide it (no
    /// driver, no such device, device without the needed capabilities).
    DeviceUnavailable {
        /// The domain asked for.
        domain: Domain,
        /// Why it is unavailable.
        reason: String,
    },
    /// The queue was closed by its last endpoint; open the topic again.
    TopicClosed,
    /// The queue's lock is held by a live participant for longer than the bounded wait.
    Busy(LockError),
    /// The queue's shared memory could not be reserved (the shm directory is full) or was found
    /// corrupt.
    Segment(SegmentError),
}

impl fmt::Display for EndpointError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EndpointError::TooManyEndpoints => {
                write!(f, "topic has {MAX_ENDPOINTS} endpoints already")
            }
            EndpointError::TooManyDomains(d) => write!(
                f,
                "topic uses {MAX_COLUMNS} memory domains already; cannot add {d}"
            ),
            EndpointError::TooManyPools => write!(f, "topic has {MAX_POOLS} memory pools already"),
            EndpointError::Pool(e) => write!(f, "creating memory pool: {e}"),
            EndpointError::UnsupportedDomain(d) => write!(
                f,
                "memory domain {d} is not available: this build has no backend for it (host and emulated:N are)"
            ),
            EndpointError::DeviceUnavailable { domain, reason } => {
                write!(f, "memory domain {domain} is not available: {reason}")
            }
            EndpointError::TopicClosed => f.write_str("the topic queue was closed; open it again"),
            EndpointError::Busy(e) => e.fmt(f),
            EndpointError::Segment(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for EndpointError {}

/// What dropping a sample reference did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Unref {
    /// Other references remain.
    Held,
    /// That was the last reference: the sample's blocks were released.
    Freed,
    /// As `Freed`, and a released block belonged to a pool whose owner left (it may be unlinkable).
    FreedOrphanBlock,
}

/// Per-domain copy statistics of a topic.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DomainStats {
    /// The domain.
    pub domain: Domain,
    /// Messages copied into this domain.
    pub copies: u64,
    /// Bytes copied into this domain.
    pub bytes: u64,
}

/// Statistics of a topic (shared by all processes).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TopicStats {
    /// Messages published.
    pub published: u64,
    /// Messages dropped from subscriber queues by keep-last overflow.
    pub lost: u64,
    /// Copies per memory domain used on the topic.
    pub domains: Vec<DomainStats>,
    /// Live publishers.
    pub publishers: u32,
    /// Live subscribers.
    pub subscribers: u32,
    /// Samples currently alive (queued, in history or loaned).
    pub live_samples: u32,
}

impl TopicStats {
    /// Total copies into any domain.
    pub fn total_copies(&self) -> u64 {
        self.domains.iter().map(|d| d.copies).sum()
    }
}

/// Pools mapped in this process, indexed by pool row: (arena id it was opened for, mapping).
type PoolCache = Vec<Option<(u64, Arc<dyn Allocator>)>>;

/// A mapped topic queue, shared by this participant's endpoints on the topic.
pub struct Topic {
    participant: Arc<ParticipantInner>,
    seg: Segment,
    name: String,
    type_info: TypeInfo,
    /// Pools mapped in this process, by pool row, with the arena id they were opened for.
    pools: RwLock<PoolCache>,
}

impl fmt::Debug for Topic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Topic")
            .field("name", &self.name)
            .field("type", &self.type_info.name)
            .finish()
    }
}

/// Holds the topic lock; released on drop.
pub(crate) struct TopicGuard<'a> {
    topic: &'a Topic,
}

impl Drop for TopicGuard<'_> {
    fn drop(&mut self) {
        sync::unlock(&self.topic.header().lock);
    }
}

impl std::ops::Deref for TopicGuard<'_> {
    type Target = Topic;
    fn deref(&self) -> &Topic {
        self.topic
    }
}

fn hash_words(h: &[u8; 32]) -> [u64; 4] {
    std::array::from_fn(|i| u64::from_le_bytes(h[i * 8..i * 8 + 8].try_into().expect("8 bytes")))
}

impl Topic {
    pub(crate) fn open(
        participant: Arc<ParticipantInner>,
        name: &str,
        type_info: &TypeInfo,
    ) -> Result<Topic, TopicOpenError> {
        if name.is_empty()
            || name.len() > layout_name_cap()
            || type_info.name.len() > layout_name_cap()
        {
            return Err(TopicOpenError::InvalidName(name.to_owned()));
        }
        let ros_domain = participant.registry.ros_domain;
        let key = format!("{name}\n{}", type_info.name);
        let seg_name = naming::topic(ros_domain, &key);
        loop {
            let seg = match Segment::open(&seg_name, SegmentKind::Topic) {
                Ok(seg) => seg,
                Err(e) if e.is_not_found() => {
                    let created = Segment::create_with(
                        &seg_name,
                        SegmentKind::Topic,
                        TOPIC_SIZE,
                        TOPIC_RESERVED,
                        false,
                        |seg| {
                            let h: &TopicHeader = seg.get(HEADER_OFF)?;
                            h.max_endpoints
                                .store(MAX_ENDPOINTS as u32, Ordering::Relaxed);
                            h.ring_cap.store(RING_CAP as u32, Ordering::Relaxed);
                            h.max_samples.store(MAX_SAMPLES as u32, Ordering::Relaxed);
                            h.max_loans.store(MAX_LOANS as u32, Ordering::Relaxed);
                            h.max_pools.store(MAX_POOLS as u32, Ordering::Relaxed);
                            for c in &h.columns {
                                c.store(NO_COLUMN, Ordering::Relaxed);
                            }
                            for (w, v) in h.type_hash.iter().zip(hash_words(&type_info.hash)) {
                                w.store(v, Ordering::Relaxed);
                            }
                            h.topic_name.store(name);
                            h.type_name.store(&type_info.name);
                            Ok(())
                        },
                    )?;
                    match created {
                        Some(seg) => seg,
                        None => continue,
                    }
                }
                Err(e) => return Err(e.into()),
            };
            let topic = Topic {
                participant: participant.clone(),
                seg,
                name: name.to_owned(),
                type_info: type_info.clone(),
                pools: RwLock::new(Vec::new()),
            };
            TopicView::checked(&topic.seg)?;
            topic.check_type(type_info)?;
            let g = topic.lock().map_err(TopicOpenError::Busy)?;
            if g.header().closed.load(Ordering::SeqCst) != 0 {
                // Closed by the last endpoint, which died before unlinking it, or which unlinked
                // it after we opened it: make sure the names are gone, then start afresh.
                g.unlink_closed();
                drop(g);
                std::thread::yield_now();
                continue;
            }
            g.reclaim_dead();
            drop(g);
            return Ok(topic);
        }
    }

    pub(crate) fn check_type(&self, t: &TypeInfo) -> Result<(), TopicOpenError> {
        let h = self.header();
        let stored_hash = self.view().type_hash();
        let hash_ok = stored_hash == [0; 32] || t.hash == [0; 32] || stored_hash == t.hash;
        let stored_name = h.type_name.load();
        let stored_topic = h.topic_name.load();
        if stored_topic != self.name || stored_name != t.name || !hash_ok {
            return Err(TopicOpenError::TypeMismatch {
                topic: self.name.clone(),
                existing: format!("{stored_topic}: {stored_name}"),
                requested: t.name.clone(),
            });
        }
        Ok(())
    }

    /// `Err` naming the object when a peer truncated or shrank this queue or the domain registry
    /// under our mapping (see [`crate::os::fault`]): every later operation reports it.
    pub(crate) fn check_intact(&self) -> Result<(), SegmentError> {
        self.seg.check_intact()?;
        self.participant.registry.check_intact()
    }

    /// Whether the last endpoint closed this queue (a closed queue accepts no endpoints).
    pub fn is_closed(&self) -> bool {
        self.header().closed.load(Ordering::SeqCst) != 0
    }

    /// Topic name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Name of the shared-memory object holding the queue.
    pub fn segment_name(&self) -> &str {
        self.seg.name()
    }

    /// The reader of this topic's segment (its layout was checked at open).
    #[inline]
    pub(crate) fn view(&self) -> TopicView<'_> {
        TopicView::new(&self.seg)
    }

    #[inline]
    pub(crate) fn header(&self) -> &TopicHeader {
        self.view().header()
    }

    /// See [`TopicView::rows_in_use`].
    #[inline]
    pub(crate) fn rows_in_use(&self) -> usize {
        self.view().rows_in_use()
    }

    #[inline]
    pub(crate) fn row(&self, i: usize) -> Option<&EndpointRow> {
        self.view().row(i)
    }

    /// Slot `pos` (a monotonic position) of the ring of `row`, whose depth is `depth`: inside the
    /// row for small depths, else in the segment's ring area.
    #[inline]
    pub(crate) fn ring_slot<'a>(
        &'a self,
        row: usize,
        r: &'a EndpointRow,
        depth: u64,
        pos: u64,
    ) -> &'a std::sync::atomic::AtomicU32 {
        let i = (pos % depth) as usize;
        if depth as usize <= INLINE_RING {
            &r.inline_ring[i]
        } else {
            // A row outside the claimed ones has no ring area: fall back to the inline slots
            // (only reachable with indices scribbled in shared memory).
            self.ring(row)
                .get(i)
                .unwrap_or(&r.inline_ring[i % INLINE_RING])
        }
    }

    #[inline]
    fn ring(&self, row: usize) -> &[std::sync::atomic::AtomicU32] {
        self.view().ring(row)
    }

    #[inline]
    fn loans(&self, row: usize) -> &[std::sync::atomic::AtomicU64] {
        self.view().loans(row)
    }

    #[inline]
    pub(crate) fn sample(&self, i: usize) -> Option<&SampleRow> {
        self.view().sample(i)
    }

    #[inline]
    fn pool_row(&self, i: usize) -> Option<&PoolRow> {
        self.view().pool_row(i)
    }

    /// Takes the topic lock (as [`crate::registry::Registry::lock_word`]); a lock recovered from
    /// a dead holder triggers a full repair.
    pub(crate) fn lock(&self) -> Result<TopicGuard<'_>, LockError> {
        let how = self
            .participant
            .registry
            .lock_word(&self.header().lock, self.seg.name())?;
        let g = TopicGuard { topic: self };
        if how == Locked::Recovered {
            log::warn!(
                "{}: lock taken over from a dead holder, repairing",
                self.seg.name()
            );
            g.recount_samples();
            g.reclaim_dead();
        }
        Ok(g)
    }

    /// Releases everything held by endpoints of dead processes, then frees unreferenced pools of
    /// departed owners. Safe to call any time; returns the number of endpoints reclaimed (0 when
    /// the lock could not be taken within the bounded wait).
    pub fn reclaim_dead_endpoints(&self) -> usize {
        self.lock().map_or(0, |g| g.reclaim_dead())
    }

    /// Statistics shared by every process on the topic (read without the lock, as a best-effort
    /// snapshot, when the lock is held by a live peer beyond the bounded wait).
    pub fn stats(&self) -> TopicStats {
        // Best effort without the lock when a live peer holds it beyond the bounded wait.
        let g = self.lock().ok();
        let v = self.view();
        let h = v.header();
        let (mut publishers, mut subscribers) = (0, 0);
        for (_, _, state) in v.endpoints() {
            match state {
                EP_PUB => publishers += 1,
                _ => subscribers += 1,
            }
        }
        let (domains, live_samples) = (v.domain_stats(), v.live_samples());
        drop(g);
        TopicStats {
            published: h.published.load(Ordering::Relaxed),
            lost: h.lost.load(Ordering::Relaxed),
            domains,
            publishers,
            subscribers,
            live_samples,
        }
    }

    /// The arena id of pool `idx` if its row is valid and in use.
    fn live_pool_id(&self, idx: u32) -> Result<u64, SegmentError> {
        let corrupt = |what: String| SegmentError::Corrupt {
            name: self.seg.name().to_owned(),
            what,
        };
        let row = self
            .pool_row(idx as usize)
            .ok_or_else(|| corrupt(format!("pool index {idx} out of range")))?;
        if !pool_in_use(row.state.load(Ordering::Acquire)) {
            return Err(corrupt(format!("pool {idx} is not in use")));
        }
        Ok(row.arena_id.load(Ordering::Relaxed))
    }

    /// [`Topic::pool`] through a caller-held one-entry cache (a taker's last pool), which saves
    /// the shared map's lock on the common path of consecutive messages from one pool.
    pub(crate) fn pool_cached(
        &self,
        idx: u32,
        cache: &mut LastPool,
    ) -> Result<Arc<dyn Allocator>, SegmentError> {
        let id = self.live_pool_id(idx)?;
        if let Some((i, cached_id, p)) = cache {
            if *i == idx && *cached_id == id {
                return Ok(p.clone());
            }
        }
        let p = self.pool(idx)?;
        *cache = Some((idx, id, p.clone()));
        Ok(p)
    }

    /// Maps pool `idx` (cached per process), validating its row against corruption.
    pub(crate) fn pool(&self, idx: u32) -> Result<Arc<dyn Allocator>, SegmentError> {
        let corrupt = |what: String| SegmentError::Corrupt {
            name: self.seg.name().to_owned(),
            what,
        };
        let id = self.live_pool_id(idx)?;
        let row = self
            .pool_row(idx as usize)
            .ok_or_else(|| corrupt(format!("pool index {idx} out of range")))?;
        if let Some(Some((cached_id, p))) = self
            .pools
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(idx as usize)
        {
            if *cached_id == id {
                return Ok(p.clone());
            }
        }
        let domain = Domain::unpack(row.domain.load(Ordering::Relaxed))
            .ok_or_else(|| corrupt(format!("pool {idx} has an unknown domain")))?;
        let Some(backend) = memory::backend(domain.kind) else {
            return Err(corrupt(format!(
                "pool {idx} is in {domain}, which this build cannot map (no `cuda` feature)"
            )));
        };
        let pool = backend.open_pool(self.participant.registry.ros_domain, id)?;
        if pool.domain() != domain {
            return Err(corrupt(format!("pool {idx} domain differs from its arena")));
        }
        cache_pool(&self.pools, idx as usize, Some((id, pool.clone())));
        Ok(pool)
    }

    /// Registers a pool this process created for endpoint `owner_row`; returns its index.
    pub(crate) fn add_pool(
        &self,
        g: &TopicGuard<'_>,
        owner_row: u32,
        pool: Arc<dyn Allocator>,
        size: u64,
    ) -> Result<Option<u32>, SegmentError> {
        let v = g.view();
        let free = (0..v.pools_backed()).find(|&i| {
            v.pool_row(i)
                .is_some_and(|r| r.state.load(Ordering::Relaxed) == POOL_FREE)
        });
        let i = match free {
            Some(i) => i,
            None => {
                let i = v.pools_backed();
                POOL_TABLE.ensure(&self.seg, &v.header().pools_backed, i + 1)?;
                i
            }
        };
        // `None`: the table is at its maximum.
        let Some(row) = v.pool_row(i) else {
            return Ok(None);
        };
        row.owner_row.store(owner_row, Ordering::Relaxed);
        row.domain.store(pool.domain().pack(), Ordering::Relaxed);
        row.arena_id.store(pool.id(), Ordering::Relaxed);
        row.size.store(size, Ordering::Relaxed);
        row.state.store(POOL_ACTIVE, Ordering::Release);
        cache_pool(&self.pools, i, Some((pool.id(), pool)));
        Ok(Some(i as u32))
    }

    /// Column index of `domain`, adding it if new. Caller holds the lock.
    pub(crate) fn column_for(&self, domain: Domain) -> Option<u32> {
        let h = self.header();
        let packed = domain.pack();
        if let Some(c) = h
            .columns
            .iter()
            .position(|c| c.load(Ordering::Relaxed) == packed)
        {
            return Some(c as u32);
        }
        let c = h
            .columns
            .iter()
            .position(|c| c.load(Ordering::Relaxed) == NO_COLUMN)?;
        h.columns[c].store(packed, Ordering::Relaxed);
        Some(c as u32)
    }

    /// Claims a free endpoint row for this process. Caller holds the lock.
    pub(crate) fn claim_row(
        &self,
        state: u32,
        domain: Domain,
        depth: u32,
        flags: u32,
        gid: &[u8; 24],
        timed: &TimedQos,
    ) -> Result<(u32, u64), EndpointError> {
        if self.is_closed() {
            return Err(EndpointError::TopicClosed);
        }
        let column = self
            .column_for(domain)
            .ok_or(EndpointError::TooManyDomains(domain))?;
        let me = ProcessId::current();
        let v = self.view();
        let r = (0..v.rows_in_use())
            .find(|&r| {
                v.row(r)
                    .is_some_and(|row| row.state.load(Ordering::Relaxed) == EP_FREE)
            })
            .unwrap_or(v.rows_in_use());
        let depth = depth.clamp(1, RING_CAP as u32);
        let Some(row) = v.unclaimed_row(r) else {
            return Err(EndpointError::TooManyEndpoints);
        };
        // Reserve the row, its loan records and (for a deep queue) its ring before any of it
        // is touched; only then does the row count as claimed (`row_limit`).
        let reserve = |off: usize, len: usize| {
            self.seg.reserve(off, len).map_err(|e| {
                // No room for the row: a queue this call just created must not stay behind.
                self.close_if_unused();
                EndpointError::Segment(e)
            })
        };
        reserve(
            ENDPOINTS_OFF + r * size_of::<EndpointRow>(),
            size_of::<EndpointRow>(),
        )?;
        reserve(loans_off(r), MAX_LOANS * 8)?;
        if depth as usize > INLINE_RING {
            reserve(ring_off(r), RING_CAP * 4)?;
        }
        self.header()
            .row_limit
            .fetch_max(r as u32 + 1, Ordering::AcqRel);
        let id = crate::os::process::random_u64();
        row.pid.store(me.pid, Ordering::Relaxed);
        row.start_time.store(me.start_time, Ordering::Relaxed);
        row.flags.store(flags | timed.flags(), Ordering::Relaxed);
        row.deadline.store(timed.deadline_ns, Ordering::Relaxed);
        row.lease.store(timed.lease_ns, Ordering::Relaxed);
        row.last_publish.store(0, Ordering::Relaxed);
        // Created alive: manual liveliness counts from creation.
        row.last_assert.store(crate::now_ns(), Ordering::Relaxed);
        row.column.store(column, Ordering::Relaxed);
        row.depth.store(depth, Ordering::Relaxed);
        row.domain.store(domain.pack(), Ordering::Relaxed);
        row.head.store(0, Ordering::Relaxed);
        row.tail.store(0, Ordering::Relaxed);
        row.waker.store(0, Ordering::Relaxed);
        for (w, chunk) in row.gid.iter().zip(gid.chunks(8)) {
            w.store(
                u64::from_le_bytes(chunk.try_into().expect("8 bytes")),
                Ordering::Relaxed,
            );
        }
        row.lost.store(0, Ordering::Relaxed);
        row.id.store(id, Ordering::Relaxed);
        row.participant
            .store(self.participant.id, Ordering::Relaxed);
        row.participant_row
            .store(u64::from(self.participant.row) + 1, Ordering::Relaxed);
        for l in self.loans(r) {
            l.store(0, Ordering::Relaxed);
        }
        row.state.store(state, Ordering::Release);
        Ok((r as u32, id))
    }

    /// Records that endpoint `row` holds `record`; returns the loan slot. Lock-free: slots are
    /// claimed with a compare-and-swap, so concurrent takers of one endpoint never share a slot.
    pub(crate) fn add_loan(&self, row: u32, record: u64) -> Option<u32> {
        let loans = self.loans(row as usize);
        let slot = loans.iter().position(|l| {
            l.load(Ordering::Relaxed) == 0
                && l.compare_exchange(0, record, Ordering::AcqRel, Ordering::Relaxed)
                    .is_ok()
        })?;
        Some(slot as u32)
    }

    /// Removes loan `slot` of `row` if it still holds `record`; returns whether this call removed
    /// it (and so owns the reference it recorded). Lock-free: only the endpoint's own process
    /// removes its records, except a survivor reclaiming a dead endpoint, and the atomic exchange
    /// decides which of the two releases the reference.
    pub(crate) fn remove_loan(&self, row: u32, slot: u32, record: u64) -> bool {
        let Some(l) = self.loans(row as usize).get(slot as usize) else {
            return false;
        };
        l.compare_exchange(record, 0, Ordering::AcqRel, Ordering::Relaxed)
            .is_ok()
    }

    pub(crate) fn sample_record(idx: u32) -> u64 {
        LOAN_SAMPLE | u64::from(idx)
    }

    /// Drops one reference on block `(pool, offset)`; errors (corrupt references) are ignored
    /// because there is nothing safe to do with them but leave the block alone.
    pub(crate) fn release_block(&self, pool: u32, offset: u64) {
        if let Ok(p) = self.pool(pool) {
            if let Ok(b) = p.block_at(offset) {
                let _ = p.release(b);
            }
        }
    }

    /// Drops one reference on sample `idx`; at zero, releases every column's block. Lock-free:
    /// references are only added while another one is held (by the publisher during fan-out or by
    /// a ring under the lock), so the count cannot rise from zero.
    pub(crate) fn sample_unref(&self, idx: u32) -> Unref {
        let Some(s) = self.sample(idx as usize) else {
            return Unref::Held;
        };
        match s
            .refs
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |r| r.checked_sub(1))
        {
            Ok(1) => self.free_sample_columns(s),
            _ => Unref::Held,
        }
    }

    /// Releases the blocks of a sample nobody references and makes its row reusable.
    fn free_sample_columns(&self, s: &SampleRow) -> Unref {
        let mut outcome = Unref::Freed;
        for col in s.columns() {
            // Columns that were never used are not written: their cache lines stay shared.
            match col.state.load(Ordering::Relaxed) {
                COL_EMPTY => continue,
                state @ (COL_READY | COL_OWNED) => {
                    let pool = col.pool.load(Ordering::Relaxed);
                    if state == COL_READY {
                        self.release_block(pool, col.offset.load(Ordering::Relaxed));
                    }
                    // An owned block's publisher notices `avail == 0` below and reclaims it.
                    if self.pool_row_state(pool) == Some(POOL_ORPHAN) {
                        outcome = Unref::FreedOrphanBlock;
                    }
                }
                _ => {}
            }
            col.state.store(COL_EMPTY, Ordering::Relaxed);
        }
        // Last: a zero `avail` (with zero refs) is what makes the row reusable by a publisher.
        s.avail.store(0, Ordering::Release);
        outcome
    }

    /// Finds a free sample row, growing the table when every reserved row is in use. `Ok(None)`:
    /// the table is at its maximum. Caller holds the lock.
    pub(crate) fn alloc_sample(&self, preferred: Option<u32>) -> Result<Option<u32>, SegmentError> {
        // A slot the caller just saw freed is hot in its cache: reuse it before scanning.
        if let Some(s) = preferred.and_then(|i| self.sample(i as usize)) {
            if s.refs.load(Ordering::Acquire) == 0 && s.avail.load(Ordering::Acquire) == 0 {
                return Ok(preferred);
            }
        }
        let h = self.header();
        let free = |s: &SampleRow| {
            s.refs.load(Ordering::Acquire) == 0 && s.avail.load(Ordering::Acquire) == 0
        };
        let backed = self.view().samples_backed();
        if backed > 0 {
            let start = h.sample_hint.load(Ordering::Relaxed) as usize % backed;
            for k in 0..backed {
                let i = (start + k) % backed;
                if self.sample(i).is_some_and(free) {
                    h.sample_hint.store((i + 1) as u32, Ordering::Relaxed);
                    return Ok(Some(i as u32));
                }
            }
        }
        SAMPLE_TABLE.ensure(&self.seg, &h.samples_backed, backed + 1)?;
        if self.sample(backed).is_some_and(free) {
            h.sample_hint.store((backed + 1) as u32, Ordering::Relaxed);
            return Ok(Some(backed as u32));
        }
        Ok(None)
    }

    /// Pushes sample `idx` into the ring of `row` (keep-last: evicts the oldest when full).
    /// Returns the row's waker, if any. Caller holds the lock (producers are serialised; the
    /// consumer pops concurrently, so eviction races it with a compare-and-swap on `head`).
    pub(crate) fn push(&self, row: u32, idx: u32) -> Option<WakerAddr> {
        let s = self.sample(idx as usize)?;
        s.refs.fetch_add(1, Ordering::Relaxed);
        self.push_counted(row, idx)
    }

    /// [`Topic::push`] for a sample whose reference count already includes this ring entry (a
    /// publisher sets the count of a not yet visible sample once, instead of one atomic add per
    /// subscriber).
    pub(crate) fn push_counted(&self, row: u32, idx: u32) -> Option<WakerAddr> {
        let r = self.row(row as usize)?;
        self.sample(idx as usize)?; // index must be valid before it enters a ring
        let depth = u64::from(r.depth.load(Ordering::Relaxed).clamp(1, RING_CAP as u32));
        let tail = r.tail.load(Ordering::Relaxed);
        // A consistent ring holds at most `depth` entries, so one eviction makes room; the
        // consumer only moves `head` forward. The bound guards against scribbled indices.
        for _ in 0..=depth {
            let head = r.head.load(Ordering::Acquire);
            let fill = tail.wrapping_sub(head);
            if fill < depth {
                break;
            }
            if fill > depth {
                // Impossible for a ring we maintain: its indices were scribbled. Drop the queue
                // rather than trust it (the references it held leak until the queue is freed).
                if r.head
                    .compare_exchange(head, tail, Ordering::AcqRel, Ordering::Relaxed)
                    .is_ok()
                {
                    r.lost.fetch_add(1, Ordering::Relaxed);
                }
                continue;
            }
            let old = self
                .ring_slot(row as usize, r, depth, head)
                .load(Ordering::Acquire);
            if r.head
                .compare_exchange(
                    head,
                    head.wrapping_add(1),
                    Ordering::AcqRel,
                    Ordering::Relaxed,
                )
                .is_ok()
            {
                r.lost.fetch_add(1, Ordering::Relaxed);
                if r.state.load(Ordering::Relaxed) == EP_SUB {
                    self.header().lost.fetch_add(1, Ordering::Relaxed);
                }
                self.sample_unref(old);
            }
        }
        if tail.wrapping_sub(r.head.load(Ordering::Acquire)) >= depth {
            // Still full (a peer keeps rewriting the indices): skip this ring and drop the
            // reference this entry would have held.
            self.sample_unref(idx);
            return None;
        }
        self.ring_slot(row as usize, r, depth, tail)
            .store(idx, Ordering::Release);
        // Release suffices: the waker bump that follows (after unlock) is a SeqCst RMW, which
        // orders this store before it for a listener that reads the waker word first.
        r.tail.store(tail.wrapping_add(1), Ordering::Release);
        WakerAddr::unpack(r.waker.load(Ordering::Relaxed))
    }

    /// Pops the oldest sample index of `row`'s ring; its reference passes to the caller.
    /// Lock-free (a compare-and-swap on `head` decides against a concurrent eviction); at most
    /// one thread per endpoint pops at a time.
    pub(crate) fn pop(&self, row: u32) -> Option<u32> {
        let r = self.row(row as usize)?;
        let depth = u64::from(r.depth.load(Ordering::Relaxed).clamp(1, RING_CAP as u32));
        loop {
            let head = r.head.load(Ordering::Acquire);
            let tail = r.tail.load(Ordering::Acquire);
            if head == tail || tail.wrapping_sub(head) > depth {
                return None;
            }
            let idx = self
                .ring_slot(row as usize, r, depth, head)
                .load(Ordering::Acquire);
            if r.head
                .compare_exchange(
                    head,
                    head.wrapping_add(1),
                    Ordering::SeqCst,
                    Ordering::Relaxed,
                )
                .is_ok()
            {
                return self.sample(idx as usize).is_some().then_some(idx);
            }
        }
    }

    /// Releases everything endpoint `row` holds and frees the row. Caller holds the lock.
    pub(crate) fn drop_row(&self, row: u32) {
        let Some(r) = self.row(row as usize) else {
            return;
        };
        while let Some(idx) = self.pop(row) {
            self.sample_unref(idx);
        }
        for l in self.loans(row as usize) {
            let rec = l.swap(0, Ordering::AcqRel);
            if rec & LOAN_KIND_MASK != LOAN_SAMPLE {
                continue;
            }
            let idx = (rec & 0xffff_ffff) as u32;
            if let Some(s) = self.sample(idx as usize) {
                // A copy the dead endpoint was making: let the next taker of its domain redo it.
                for col in s.columns() {
                    if col
                        .state
                        .compare_exchange(
                            COL_CLAIM_BASE + row,
                            COL_EMPTY,
                            Ordering::AcqRel,
                            Ordering::Relaxed,
                        )
                        .is_ok()
                    {
                        crate::os::futex::wake(&col.state, i32::MAX);
                    }
                }
            }
            self.sample_unref(idx);
        }
        for i in 0..self.view().pools_backed() {
            let Some(p) = self.pool_row(i) else { break };
            if p.state.load(Ordering::Relaxed) == POOL_ACTIVE
                && p.owner_row.load(Ordering::Relaxed) == row
            {
                p.state.store(POOL_ORPHAN, Ordering::Release);
            }
        }
        r.waker.store(0, Ordering::Relaxed);
        r.state.store(EP_FREE, Ordering::Release);
    }

    /// Unlinks and frees orphaned pools that nothing references any more. Caller holds the lock.
    pub(crate) fn free_orphan_pools(&self) {
        let mut referenced = vec![false; self.view().pools_backed()];
        for i in 0..self.view().samples_backed() {
            let Some(s) = self.sample(i) else { break };
            if s.avail.load(Ordering::Relaxed) == 0 && s.refs.load(Ordering::Relaxed) == 0 {
                continue;
            }
            for col in s.columns() {
                if col_ready(col.state.load(Ordering::Relaxed)) {
                    if let Some(slot) =
                        referenced.get_mut(col.pool.load(Ordering::Relaxed) as usize)
                    {
                        *slot = true;
                    }
                }
            }
        }
        for (i, used) in referenced.iter().enumerate() {
            let Some(p) = self.pool_row(i) else { break };
            if !used && p.state.load(Ordering::Relaxed) == POOL_ORPHAN {
                let id = p.arena_id.load(Ordering::Relaxed);
                let _ = crate::os::shm_file::unlink(&naming::arena(
                    self.participant.registry.ros_domain,
                    id,
                ));
                p.state.store(POOL_FREE, Ordering::Release);
                cache_pool(&self.pools, i, None);
            }
        }
    }

    /// Liveness of the participant owning endpoint row `row` (kernel-tracked through its
    /// registry slot; see `Registry::owner`).
    pub(crate) fn endpoint_owner(&self, row: &EndpointRow) -> Owner {
        let slot = row.participant_row.load(Ordering::Relaxed);
        let Some(slot) = slot.checked_sub(1).and_then(|s| u32::try_from(s).ok()) else {
            return Owner::Dead;
        };
        self.participant
            .registry
            .owner(slot, row.participant.load(Ordering::Relaxed))
    }

    /// See [`Topic::reclaim_dead_endpoints`]. Caller holds the lock.
    pub(crate) fn reclaim_dead(&self) -> usize {
        self.reclaim_dead_counting().0
    }

    /// [`Topic::reclaim_dead`], also counting endpoints whose participant is departing (left
    /// the domain, process not gone yet): those are reclaimed by a later pass.
    fn reclaim_dead_counting(&self) -> (usize, usize) {
        let (mut n, mut departing) = (0, 0);
        // One liveness probe (a syscall) per participant, not per endpoint: a topic like
        // `/rosout` has thousands of rows from a few processes.
        let mut seen: std::collections::HashMap<(u64, u64), Owner> = Default::default();
        for r in 0..self.rows_in_use() {
            let Some(row) = self.row(r) else { break };
            if row.state.load(Ordering::Relaxed) == EP_FREE {
                continue;
            }
            let who = (
                row.participant_row.load(Ordering::Relaxed),
                row.participant.load(Ordering::Relaxed),
            );
            let owner = *seen.entry(who).or_insert_with(|| self.endpoint_owner(row));
            match owner {
                Owner::Alive => continue,
                Owner::Departing => {
                    departing += 1;
                    continue;
                }
                Owner::Dead => {}
            }
            self.drop_row(r as u32);
            n += 1;
        }
        self.free_orphan_pools();
        (n, departing)
    }

    /// Recomputes every sample's reference count from the rings and loan tables. Run after a
    /// lock holder died mid-update. Caller holds the lock.
    fn recount_samples(&self) {
        let mut counts = vec![0u32; self.view().samples_backed()];
        for r in 0..self.rows_in_use() {
            let Some(row) = self.row(r) else { break };
            if row.state.load(Ordering::Relaxed) == EP_FREE {
                continue;
            }
            let depth = u64::from(row.depth.load(Ordering::Relaxed).clamp(1, RING_CAP as u32));
            let (head, tail) = (
                row.head.load(Ordering::Relaxed),
                row.tail.load(Ordering::Relaxed),
            );
            if tail.wrapping_sub(head) > depth {
                // Torn update: drop the queue rather than trust it.
                row.head.store(tail, Ordering::SeqCst);
                continue;
            }
            for i in head..tail {
                if let Some(c) = counts
                    .get_mut(self.ring_slot(r, row, depth, i).load(Ordering::Relaxed) as usize)
                {
                    *c += 1;
                }
            }
            for l in self.loans(r) {
                let rec = l.load(Ordering::Relaxed);
                if rec & LOAN_KIND_MASK == LOAN_SAMPLE {
                    if let Some(c) = counts.get_mut((rec & 0xffff_ffff) as usize) {
                        *c += 1;
                    }
                }
            }
        }
        // Only ever raise a count: a lock-free taker may hold a reference that is momentarily in
        // neither a ring nor a loan record. A count left too high leaks a sample (freed with the
        // queue); one set too low could free a message still being read.
        for (i, c) in counts.iter().enumerate() {
            let Some(s) = self.sample(i) else { break };
            let stored = s.refs.fetch_max(*c, Ordering::AcqRel);
            if stored == 0 && *c == 0 && s.avail.load(Ordering::Acquire) != 0 {
                self.free_sample_columns(s);
            }
        }
    }

    /// Called when an endpoint of this process is destroyed: frees its row, and if it was the
    /// last endpoint, closes the topic and unlinks the queue and every pool.
    pub(crate) fn release_endpoint(&self, row: u32, id: u64) {
        // A live peer holding the lock beyond the bounded wait: the row stays until survivors
        // reclaim it after this process is gone.
        let Ok(g) = self.lock() else { return };
        if let Some(r) = g.row(row as usize) {
            if r.state.load(Ordering::Relaxed) != EP_FREE && r.id.load(Ordering::Relaxed) == id {
                g.drop_row(row);
            }
        }
        g.reclaim_dead();
        g.close_if_unused();
    }

    /// With no endpoint row in use, closes the queue and unlinks it and every pool. Caller holds
    /// the lock.
    fn close_if_unused(&self) {
        let live = (0..self.rows_in_use())
            .filter_map(|r| self.row(r))
            .any(|r| r.state.load(Ordering::Relaxed) != EP_FREE);
        if live {
            return;
        }
        self.header().closed.store(1, Ordering::SeqCst);
        self.unlink_closed();
    }

    /// Unlinks every pool of this closed queue, then the queue. Caller holds the lock. Also run
    /// by whoever finds a queue closed but still named: its closer may have died half-way.
    fn unlink_closed(&self) {
        for i in 0..self.view().pools_backed() {
            let Some(p) = self.pool_row(i) else { break };
            if p.state.load(Ordering::Relaxed) != POOL_FREE {
                let id = p.arena_id.load(Ordering::Relaxed);
                let _ = crate::os::shm_file::unlink(&naming::arena(
                    self.participant.registry.ros_domain,
                    id,
                ));
            }
        }
        self.seg.unlink();
    }

    /// Wakes the listeners collected while holding the lock.
    pub(crate) fn wake(&self, w: WakerAddr) {
        self.participant.registry.wake(w.row, w.slot);
    }

    /// Opens the block a READY column points to.
    pub(crate) fn column_block(
        &self,
        s: &SampleRow,
        col: usize,
    ) -> Result<(u32, Arc<dyn Allocator>, BlockRef), SegmentError> {
        self.column_block_cached(s, col, &mut None)
    }

    /// [`Topic::column_block`] through a taker's pool cache (see [`Topic::pool_cached`]).
    pub(crate) fn column_block_cached(
        &self,
        s: &SampleRow,
        col: usize,
        cache: &mut LastPool,
    ) -> Result<(u32, Arc<dyn Allocator>, BlockRef), SegmentError> {
        let c = &s.column(col);
        let pool_idx = c.pool.load(Ordering::Relaxed);
        let pool = self.pool_cached(pool_idx, cache)?;
        let block = pool
            .checked_block(
                c.offset.load(Ordering::Relaxed),
                s.len.load(Ordering::Relaxed),
            )
            .map_err(|e| SegmentError::Corrupt {
                name: self.seg.name().to_owned(),
                what: e.to_string(),
            })?;
        Ok((pool_idx, pool, block))
    }

    /// The ROS domain of the participant this handle belongs to.
    pub(crate) fn ros_domain(&self) -> u32 {
        self.participant.registry.ros_domain
    }

    /// The identity recorded in pools this handle's participant creates.
    pub(crate) fn pool_creator(&self) -> crate::alloc::PoolCreator {
        crate::alloc::PoolCreator {
            slot: self.participant.row,
            participant: self.participant.id,
        }
    }
}

/// Sets entry `i` of a topic's per-process pool cache, growing it as pool rows are used (a
/// cache sized for the table's maximum would cost every handle memory for pools it never sees).
fn cache_pool(cache: &RwLock<PoolCache>, i: usize, entry: Option<(u64, Arc<dyn Allocator>)>) {
    let mut c = cache.write().unwrap_or_else(|e| e.into_inner());
    if c.len() <= i {
        if entry.is_none() {
            return;
        }
        c.resize(i + 1, None);
    }
    c[i] = entry;
}

const fn layout_name_cap() -> usize {
    crate::shmstr::ShmStr::<64>::CAPACITY
}

impl Topic {
    pub(crate) fn pool_row_state(&self, idx: u32) -> Option<u32> {
        self.pool_row(idx as usize)
            .map(|p| p.state.load(Ordering::Relaxed))
    }
}

/// Outcome of [`reclaim_domain`].
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct ReclaimPass {
    /// Endpoints of dead participants released.
    pub endpoints: usize,
    /// Pools removed that their dead creator never registered in a topic.
    pub pools: usize,
    /// Whether every topic was examined and no endpoint or unregistered pool of a departing
    /// (left, still running) participant was seen: nothing departed before the pass is left to
    /// reclaim.
    pub complete: bool,
}

/// A topic object of `participant`'s domain opened for reclamation (no endpoint of ours), with
/// its layout checked. `Err(true)`: the object is gone; `Err(false)`: it cannot be read.
fn open_for_reclaim(participant: &Arc<ParticipantInner>, seg_name: &str) -> Result<Topic, bool> {
    let seg = Segment::open(seg_name, SegmentKind::Topic).map_err(|e| e.is_not_found())?;
    let h = seg.get::<TopicHeader>(HEADER_OFF).map_err(|_| false)?;
    let type_info = TypeInfo {
        name: h.type_name.load(),
        hash: [0; 32],
    };
    let topic = Topic {
        participant: participant.clone(),
        name: h.topic_name.load(),
        seg,
        type_info,
        pools: RwLock::new(Vec::new()),
    };
    TopicView::checked(&topic.seg).map_err(|_| false)?;
    Ok(topic)
}

/// Arena ids in the pool table of a topic. Caller holds the lock.
fn registered_pools(g: &TopicGuard<'_>, into: &mut std::collections::HashSet<u64>) {
    for i in 0..g.view().pools_backed() {
        let Some(p) = g.pool_row(i) else { break };
        if p.state.load(Ordering::Acquire) != POOL_FREE {
            into.insert(p.arena_id.load(Ordering::Relaxed));
        }
    }
}

/// Every arena id registered in a topic of the domain, each topic read under its lock. When some
/// topic's pools are unknown: `Err(true)` if its lock was busy (worth another pass), `Err(false)`
/// if it cannot be read.
fn all_registered_pools(
    participant: &Arc<ParticipantInner>,
) -> Result<std::collections::HashSet<u64>, bool> {
    let prefix = format!("{}topic_", naming::prefix(participant.registry.ros_domain));
    let mut ids = std::collections::HashSet::new();
    for seg_name in crate::os::shm_file::list(&prefix) {
        let topic = match open_for_reclaim(participant, &seg_name) {
            Ok(t) => t,
            Err(true) => continue,
            Err(false) => return Err(false),
        };
        registered_pools(&topic.lock().map_err(|_| true)?, &mut ids);
    }
    Ok(ids)
}

/// Releases what endpoints of dead participants hold in every topic of `participant`'s domain
/// (queued samples, loans, copy claims, pools) and removes topics this emptied: a departed
/// process's queues (e.g. its service request queue) do not outlive it while others run. Then
/// removes pools whose dead creator never registered them in a topic. Topics that are corrupt
/// are skipped (their openers get the error).
pub(crate) fn reclaim_domain(participant: &Arc<ParticipantInner>) -> ReclaimPass {
    let prefix = format!("{}topic_", naming::prefix(participant.registry.ros_domain));
    let mut pass = ReclaimPass {
        endpoints: 0,
        pools: 0,
        complete: true,
    };
    // Pools registered in the topics read; `None` once a topic could not be read.
    let mut registered = Some(std::collections::HashSet::new());
    for seg_name in crate::os::shm_file::list(&prefix) {
        let topic = match open_for_reclaim(participant, &seg_name) {
            Ok(t) => t,
            Err(gone) => {
                if !gone {
                    registered = None;
                }
                continue;
            }
        };
        let Ok(g) = topic.lock() else {
            pass.complete = false;
            registered = None;
            continue;
        };
        if g.is_closed() {
            // Closed by its last endpoint, which unlinks it (or died before: finish its job).
            g.unlink_closed();
            continue;
        }
        let (n, departing) = g.reclaim_dead_counting();
        pass.endpoints += n;
        if departing > 0 {
            pass.complete = false;
        }
        // Only a topic this pass emptied is removed: a queue just created by a live opener that
        // has not made its endpoint yet is left alone.
        if n > 0 {
            g.close_if_unused();
        }
        if let Some(ids) = registered.as_mut() {
            registered_pools(&g, ids);
        }
    }
    // With some topic unread its pools are unknown: none is removed (a busy lock already made
    // the pass incomplete; a corrupt topic leaves such pools until the domain empties).
    if let Some(ids) = registered {
        let (removed, retry) = reclaim_unregistered_pools(participant, &ids);
        pass.pools = removed;
        if retry {
            pass.complete = false;
        }
    }
    pass
}

/// Removes arenas that no topic in `registered` refers to and whose creating participant is
/// dead: it was killed between creating a pool and registering it (`Topic::add_pool`). Arenas
/// of live creators (maybe inside that window now), and those without a recorded creator, stay.
/// Returns how many were removed and whether a later pass should look again (an unregistered
/// arena of a departing creator, or a busy topic lock).
fn reclaim_unregistered_pools(
    participant: &Arc<ParticipantInner>,
    registered: &std::collections::HashSet<u64>,
) -> (usize, bool) {
    let ros_domain = participant.registry.ros_domain;
    let prefix = format!("{}arena_", naming::prefix(ros_domain));
    let mut departing = false;
    let mut dead = Vec::new();
    for name in crate::os::shm_file::list(&prefix) {
        let Ok(id) = u64::from_str_radix(&name[prefix.len()..], 16) else {
            continue;
        };
        if registered.contains(&id) {
            continue;
        }
        let Ok(arena) = crate::alloc::Arena::open(ros_domain, id) else {
            continue;
        };
        let Some(c) = arena.creator() else { continue };
        match participant.registry.owner(c.slot, c.participant) {
            Owner::Alive => {}
            Owner::Departing => departing = true,
            Owner::Dead => dead.push(arena),
        }
    }
    if dead.is_empty() {
        return (0, departing);
    }
    // The creator may have registered the pool in a topic after that topic was read, and died
    // since. Dead now, it registers nothing more: a fresh read of every pool table decides.
    let now = match all_registered_pools(participant) {
        Ok(ids) => ids,
        Err(busy) => return (0, departing || busy),
    };
    let mut removed = 0;
    for arena in dead.iter().filter(|a| !now.contains(&a.id())) {
        log::debug!("{}: creator gone before registering it", arena.name());
        // Only if the name still names the arena read (never a newer object of that name).
        arena.unlink();
        removed += 1;
    }
    (removed, departing)
}
