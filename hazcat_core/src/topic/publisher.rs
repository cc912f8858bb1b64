//! Publishing: loans from the publisher's own pools, then publish into every subscriber queue.

use std::fmt;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};

use super::layout::*;
use super::pools::{check_domain, Allocated, EndpointPools, GrowError};
use super::{EndpointError, Topic, TopicGuard};
use crate::alloc::{AllocError, Allocator, ArenaStats, BlockRef};
use crate::domain::Domain;
use crate::inline_vec::InlineVec;
use crate::membership::WakerAddr;
use crate::sync::LockError;

/// Options of a publisher.
#[derive(Clone, Debug)]
pub struct PublisherOptions {
    /// Memory domain the publisher writes messages in.
    pub domain: Domain,
    /// History kept for late-joining transient-local subscribers (ignored when volatile).
    pub depth: u32,
    /// Keep the last `depth` messages for subscribers that join later.
    pub transient_local: bool,
    /// Offers reliable delivery (a best-effort publisher does not reach subscribers that require
    /// reliability).
    pub reliable: bool,
    /// Largest memory pool the publisher creates: pools start small and each added pool doubles
    /// the last, up to this (or twice the message, if larger). See [`super::pools`].
    pub pool_size: usize,
    /// Globally unique id reported with every message.
    pub gid: [u8; 24],
    /// Deadline and liveliness offered.
    pub timed: TimedQos,
    /// How long a message stays valid after its source timestamp (ns, 0: forever); expired
    /// messages are dropped at take, including from transient-local history.
    pub lifespan_ns: u64,
}

impl Default for PublisherOptions {
    fn default() -> Self {
        PublisherOptions {
            domain: Domain::HOST,
            depth: 10,
            transient_local: false,
            reliable: true,
            pool_size: 4 << 20,
            gid: random_gid(),
            timed: TimedQos::default(),
            lifespan_ns: 0,
        }
    }
}

/// A random 24-byte gid (first 16 bytes random, rest zero).
pub(crate) fn random_gid() -> [u8; 24] {
    let mut gid = [0u8; 24];
    gid[..8].copy_from_slice(&crate::os::process::random_u64().to_le_bytes());
    gid[8..16].copy_from_slice(&crate::os::process::random_u64().to_le_bytes());
    gid
}

/// Why a loan could not be made.
#[derive(Debug)]
pub enum LoanError {
    /// Allocation failed even after reclaiming dead peers and adding a pool.
    Alloc(AllocError),
    /// The topic's pool table is full.
    TooManyPools,
    /// The topic lock is held by a live participant for longer than the bounded wait.
    Busy(LockError),
    /// The queue or the domain registry was truncated or shrunk by another process.
    Damaged(crate::segment::SegmentError),
}

impl fmt::Display for LoanError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LoanError::Alloc(e) => write!(f, "loan: {e}"),
            LoanError::TooManyPools => write!(f, "loan: topic has {MAX_POOLS} pools already"),
            LoanError::Busy(e) => write!(f, "loan: {e}"),
            LoanError::Damaged(e) => write!(f, "loan: {e}"),
        }
    }
}

impl std::error::Error for LoanError {}

/// Why a publish failed. The message is dropped (its block freed) in every case.
#[derive(Debug)]
pub enum PublishError {
    /// Every sample slot of the topic is referenced (subscribers hold too many messages).
    QueueFull,
    /// The loan belongs to another publisher.
    ForeignLoan,
    /// The loan could not be made (for `publish_bytes`).
    Loan(LoanError),
    /// Shared metadata was found corrupt.
    Corrupt(String),
    /// The topic lock is held by a live participant for longer than the bounded wait.
    Busy(LockError),
    /// A sample row could not be reserved (the shm directory is full).
    Memory(crate::segment::SegmentError),
}

impl fmt::Display for PublishError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PublishError::QueueFull => write!(
                f,
                "publish: all {MAX_SAMPLES} sample slots of the topic are in use"
            ),
            PublishError::ForeignLoan => {
                f.write_str("publish: the loan was made by another publisher")
            }
            PublishError::Loan(e) => write!(f, "publish: {e}"),
            PublishError::Corrupt(e) => write!(f, "publish: corrupt shared memory: {e}"),
            PublishError::Busy(e) => write!(f, "publish: {e}"),
            PublishError::Memory(e) => write!(f, "publish: {e}"),
        }
    }
}

impl std::error::Error for PublishError {}

pub(crate) struct PublisherInner {
    pub(crate) topic: Arc<Topic>,
    row: u32,
    id: u64,
    column: u32,
    opts: PublisherOptions,
    /// Row flags offered to subscribers (reliability, durability).
    flags: u32,
    pools: EndpointPools,
    /// Blocks published in this publisher's own column (`COL_OWNED`): reclaimed here once their
    /// sample is gone, so readers never write the block headers.
    outstanding: Mutex<std::collections::VecDeque<Outstanding>>,
    /// A sample row `reclaim` just saw ended (cache-hot), offered to the next publish.
    freed_sample: std::sync::atomic::AtomicU32,
}

/// A published block awaiting the end of its sample.
struct Outstanding {
    pool: Arc<dyn Allocator>,
    block: BlockRef,
    sample: u32,
    seq: u64,
}

/// The steps of [`Publisher::publish_with_timestamp`], each under the caller's topic lock.
impl PublisherInner {
    /// A free sample row: the one `reclaim` just saw end if still free, else any; when the table
    /// is full, rows held by dead endpoints are reclaimed once before giving up.
    #[inline]
    fn claim_sample(&self, g: &TopicGuard<'_>) -> Result<u32, PublishError> {
        let preferred = match self.freed_sample.swap(u32::MAX, Ordering::Relaxed) {
            u32::MAX => None,
            i => Some(i),
        };
        match g.alloc_sample(preferred).map_err(PublishError::Memory)? {
            Some(i) => Ok(i),
            None => {
                g.reclaim_dead();
                g.alloc_sample(None)
                    .map_err(PublishError::Memory)?
                    .ok_or(PublishError::QueueFull)
            }
        }
    }

    /// Writes the message's metadata into its sample row (and, for timed QoS, the publisher's
    /// last publish / liveliness assertion).
    #[inline]
    fn describe(&self, s: &SampleRow, my_row: &EndpointRow, seq: u64, len: u64, timestamp: u64) {
        s.seq.store(seq, Ordering::Relaxed);
        s.len.store(len, Ordering::Relaxed);
        s.timestamp.store(timestamp, Ordering::Relaxed);
        let expires = match self.opts.lifespan_ns {
            0 => 0,
            l => timestamp.saturating_add(l),
        };
        s.expires.store(expires, Ordering::Relaxed);
        if self.flags & (FLAG_TIMED | FLAG_MANUAL_LIVELINESS) != 0 {
            // Publishing meets the deadline and asserts liveliness (read by subscribers).
            my_row.last_publish.store(timestamp, Ordering::Relaxed);
            my_row.last_assert.store(timestamp, Ordering::Relaxed);
        }
        for (w, chunk) in s.gid.iter().zip(self.opts.gid.chunks(8)) {
            // Only written when it changes: the line then stays shared with the subscribers.
            let v = u64::from_le_bytes(chunk.try_into().expect("8 bytes"));
            if w.load(Ordering::Relaxed) != v {
                w.store(v, Ordering::Relaxed);
            }
        }
        s.publisher_row.store(self.row, Ordering::Relaxed);
    }

    /// Installs the loaned block as the sample's column of this publisher's memory domain and
    /// makes it available there. The block stays held by this publisher (`outstanding`, freed by
    /// `reclaim`): readers never write its header.
    #[inline]
    fn hand_over(&self, s: &SampleRow, loan: &mut Loan, idx: u32, seq: u64) {
        let column = self.column as usize % MAX_COLUMNS;
        let col = s.column(column);
        loan.done = true;
        self.outstanding
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push_back(Outstanding {
                pool: loan.pool.clone(),
                block: loan.block,
                sample: idx,
                seq,
            });
        col.pool.store(loan.pool_idx, Ordering::Relaxed);
        col.offset.store(loan.block.offset, Ordering::Relaxed);
        col.state.store(COL_OWNED, Ordering::Release);
        s.avail.store(1 << column, Ordering::Release);
    }

    /// The endpoint rows that receive this message: subscriptions whose requests this publisher
    /// meets (not those of this participant that ignore local publications), and this
    /// publisher's own history ring when it is transient-local.
    #[inline]
    fn receivers(&self, g: &TopicGuard<'_>, my_row: &EndpointRow) -> InlineVec<u32, 16> {
        let me = self.topic.participant.id;
        let mut targets: InlineVec<u32, 16> = InlineVec::default();
        for r in 0..g.rows_in_use() {
            let Some(row) = g.row(r) else { break };
            if row.state.load(Ordering::Relaxed) != EP_SUB {
                continue;
            }
            let requested = row.flags.load(Ordering::Relaxed);
            if delivers(my_row, self.flags, row, requested)
                && (requested & FLAG_IGNORE_LOCAL == 0
                    || row.participant.load(Ordering::Relaxed) != me)
            {
                targets.push(r as u32);
            }
        }
        if self.opts.transient_local {
            targets.push(self.row);
        }
        targets
    }
}

impl Drop for PublisherInner {
    fn drop(&mut self) {
        self.topic.release_endpoint(self.row, self.id);
    }
}

/// A publisher on a topic. Messages are written into loans from its own pools (zero copy).
pub struct Publisher {
    inner: Arc<PublisherInner>,
}

impl fmt::Debug for Publisher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Publisher")
            .field("topic", &self.inner.topic.name())
            .field("row", &self.inner.row)
            .finish()
    }
}

impl Publisher {
    /// Creates a publisher on `topic`.
    pub fn new(topic: &Arc<Topic>, opts: PublisherOptions) -> Result<Publisher, EndpointError> {
        // Pools are created by the first loan (an idle publisher costs no pool memory), but a
        // domain this machine cannot hold fails here, not at the first publish.
        check_domain(opts.domain)?;
        let g = topic.lock().map_err(EndpointError::Busy)?;
        g.reclaim_dead();
        let mut flags = 0;
        if opts.transient_local {
            flags |= FLAG_TRANSIENT_LOCAL;
        }
        if opts.reliable {
            flags |= FLAG_RELIABLE;
        }
        let depth = if opts.transient_local { opts.depth } else { 1 };
        flags |= opts.timed.flags();
        let (row, id) = g.claim_row(EP_PUB, opts.domain, depth, flags, &opts.gid, &opts.timed)?;
        let column = g
            .row(row as usize)
            .map_or(0, |r| r.column.load(Ordering::Relaxed));
        drop(g);
        let inner = Arc::new(PublisherInner {
            topic: topic.clone(),
            row,
            id,
            column,
            pools: EndpointPools::new(opts.domain, opts.pool_size),
            opts,
            flags,
            outstanding: Mutex::new(std::collections::VecDeque::new()),
            freed_sample: std::sync::atomic::AtomicU32::new(u32::MAX),
        });
        Ok(Publisher { inner })
    }

    /// Memory domain of this publisher's loans.
    pub fn domain(&self) -> Domain {
        self.inner.opts.domain
    }

    /// The publisher's gid.
    pub fn gid(&self) -> [u8; 24] {
        self.inner.opts.gid
    }

    /// The topic.
    pub fn topic(&self) -> &Arc<Topic> {
        &self.inner.topic
    }

    /// Frees published blocks whose sample ended (its row was released or reused). Checks the
    /// oldest few on the fast path, all of them when `all`.
    fn reclaim(&self, all: bool) {
        let t = &self.inner.topic;
        let mut out = self
            .inner
            .outstanding
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        let mut checked = 0;
        out.retain(|o| {
            if !all && checked >= 8 {
                return true;
            }
            checked += 1;
            let ended = t.sample(o.sample as usize).is_none_or(|s| {
                s.seq.load(Ordering::Acquire) != o.seq || s.avail.load(Ordering::Acquire) == 0
            });
            if ended {
                let _ = o.pool.free_held(o.block);
                self.inner.freed_sample.store(o.sample, Ordering::Relaxed);
            }
            !ended
        });
    }

    fn try_pools(&self, len: usize) -> Result<Option<Loan>, AllocError> {
        Ok(self.inner.pools.try_allocate(len)?.map(|a| self.loan_of(a)))
    }

    fn loan_of(&self, (pool_idx, pool, block): Allocated) -> Loan {
        Loan {
            publisher: self.inner.clone(),
            pool_idx,
            pool,
            block,
            done: false,
        }
    }

    /// Borrows `len` bytes of the publisher's memory. Publish it with [`Publisher::publish`];
    /// dropping it unpublished returns it.
    pub fn loan(&self, len: usize) -> Result<Loan, LoanError> {
        self.inner
            .topic
            .check_intact()
            .map_err(LoanError::Damaged)?;
        self.reclaim(false);
        if let Some(l) = self.try_pools(len).map_err(LoanError::Alloc)? {
            return Ok(l);
        }
        self.reclaim(true);
        if let Some(l) = self.try_pools(len).map_err(LoanError::Alloc)? {
            return Ok(l);
        }
        // Blocks may be pinned by dead subscribers: reclaim, then retry before growing.
        if self.inner.topic.reclaim_dead_endpoints() > 0 {
            if let Some(l) = self.try_pools(len).map_err(LoanError::Alloc)? {
                return Ok(l);
            }
        }
        let allocated = self
            .inner
            .pools
            .grow_and_allocate(&self.inner.topic, self.inner.row, len)
            .map_err(|e| match e {
                GrowError::Alloc(a) => LoanError::Alloc(a),
                GrowError::Domain(_) | GrowError::TooManyPools => LoanError::TooManyPools,
                GrowError::Busy(e) => LoanError::Busy(e),
            })?;
        Ok(self.loan_of(allocated))
    }

    /// Publishes a loan with the current time as source timestamp; returns its sequence number.
    pub fn publish(&self, loan: Loan) -> Result<u64, PublishError> {
        self.publish_with_timestamp(loan, crate::now_ns())
    }

    /// Publishes a loan with an explicit source timestamp (ns); returns its sequence number.
    /// Under the topic lock: claim a sample row, describe the message in it, hand the block
    /// over, choose the receivers, push to their rings; the wake-ups happen after the lock.
    pub fn publish_with_timestamp(
        &self,
        mut loan: Loan,
        timestamp: u64,
    ) -> Result<u64, PublishError> {
        if !Arc::ptr_eq(&loan.publisher, &self.inner) {
            return Err(PublishError::ForeignLoan);
        }
        let inner = &*self.inner;
        inner
            .topic
            .check_intact()
            .map_err(|e| PublishError::Corrupt(e.to_string()))?;
        let g = inner.topic.lock().map_err(PublishError::Busy)?;
        let my_row = g.row(inner.row as usize).ok_or_else(|| {
            PublishError::Corrupt(format!("publisher row {} out of range", inner.row))
        })?;
        let idx = inner.claim_sample(&g)?;
        let s = g.sample(idx as usize).ok_or(PublishError::QueueFull)?;
        let h = g.header();
        // Counters below are only written under the lock: plain load/store, no locked RMW.
        let seq = h.next_seq.load(Ordering::Relaxed).wrapping_add(1);
        h.next_seq.store(seq, Ordering::Relaxed);
        inner.describe(s, my_row, seq, loan.block.len, timestamp);
        inner.hand_over(s, &mut loan, idx, seq);
        // The sample is invisible until the first ring entry is written: choose the receivers
        // first, set the reference count once, then push.
        let targets = inner.receivers(&g, my_row);
        if targets.is_empty() {
            // Nobody receives it: release the block right away.
            s.refs.store(1, Ordering::Relaxed);
            g.sample_unref(idx);
        } else {
            s.refs.store(targets.len() as u32, Ordering::Relaxed);
        }
        let mut wakers: InlineVec<WakerAddr, 8> = InlineVec::default();
        for r in targets.iter() {
            if let Some(w) = g.push_counted(r, idx) {
                if !wakers.iter().any(|x| x == w) {
                    wakers.push(w);
                }
            }
        }
        h.published.store(
            h.published.load(Ordering::Relaxed).wrapping_add(1),
            Ordering::Relaxed,
        );
        drop(g);
        for w in wakers.iter() {
            inner.topic.wake(w);
        }
        Ok(seq)
    }

    /// Copies `bytes` into a loan and publishes it.
    pub fn publish_bytes(&self, bytes: &[u8]) -> Result<u64, PublishError> {
        let loan = self.loan(bytes.len()).map_err(PublishError::Loan)?;
        loan.pool
            .copy_to(loan.block, bytes)
            .map_err(|e| PublishError::Corrupt(e.to_string()))?;
        self.publish(loan)
    }

    /// Asserts this publisher's liveliness (manual liveliness; publishing does it too).
    pub fn assert_liveliness(&self) {
        if let Some(r) = self.inner.topic.row(self.inner.row as usize) {
            r.last_assert.store(crate::now_ns(), Ordering::Relaxed);
        }
    }

    /// Live subscribers on the topic (all processes).
    pub fn subscriber_count(&self) -> u32 {
        self.inner.topic.stats().subscribers
    }

    /// Usage of each of this publisher's pools.
    pub fn pool_stats(&self) -> Vec<ArenaStats> {
        self.reclaim(true);
        self.inner.pools.stats()
    }
}

/// Memory borrowed from a publisher, to be filled and published.
pub struct Loan {
    publisher: Arc<PublisherInner>,
    pool_idx: u32,
    pool: Arc<dyn Allocator>,
    block: BlockRef,
    done: bool,
}

impl fmt::Debug for Loan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Loan")
            .field("pool", &self.pool_idx)
            .field("block", &self.block)
            .finish()
    }
}

impl Loan {
    /// Length in bytes.
    pub fn len(&self) -> usize {
        self.block.len as usize
    }

    /// Whether the loan has zero bytes.
    pub fn is_empty(&self) -> bool {
        self.block.len == 0
    }

    /// Memory domain of the bytes.
    pub fn domain(&self) -> Domain {
        self.pool.domain()
    }

    /// The bytes, when the domain is host-addressable.
    pub fn as_mut_slice(&mut self) -> Option<&mut [u8]> {
        let p = self.pool.host_ptr(self.block)?;
        // SAFETY: `p` is valid for `len` bytes (checked by the allocator) and the block is held
        // exclusively by this loan until it is published or dropped.
        Some(unsafe { std::slice::from_raw_parts_mut(p, self.block.len as usize) })
    }

    /// Address of the bytes in their domain (a CPU address for host-addressable domains).
    pub fn as_ptr(&self) -> *mut u8 {
        self.pool
            .host_ptr(self.block)
            .unwrap_or(std::ptr::null_mut())
    }

    /// Copies `bytes` into the loan (works for every domain).
    pub fn write(&mut self, bytes: &[u8]) -> Result<(), crate::alloc::CopyError> {
        self.pool.copy_to(self.block, bytes)
    }

    /// Device address of the bytes and the device index, for loans in device memory (`None`
    /// for host-addressable domains). The address is valid in this process until the loan is
    /// published or dropped; fill it completely (and synchronise) before publishing.
    pub fn device_ptr(&self) -> Option<(u64, u16)> {
        self.pool
            .device_ptr(self.block)
            .map(|p| (p, self.pool.domain().device))
    }
}

impl Drop for Loan {
    fn drop(&mut self) {
        if !self.done {
            let _ = self.pool.free_held(self.block);
        }
    }
}
