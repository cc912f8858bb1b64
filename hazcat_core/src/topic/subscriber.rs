//! Taking: pop the subscriber's queue; use the message in place when a copy exists in the
//! subscriber's domain, otherwise copy it once and install the copy for every later taker there.

use std::fmt;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::layout::*;
use super::pools::{check_domain, Allocated, EndpointPools, GrowError};
use super::publisher::random_gid;
use super::{EndpointError, LastPool, Topic, Unref};
use crate::alloc::{self, AllocError, Allocator, BlockRef};
use crate::domain::Domain;
use crate::membership::{Listener, WakerAddr};
use crate::registry::Owner;
use crate::sync::LockError;

/// Options of a subscriber.
#[derive(Clone, Debug)]
pub struct SubscriberOptions {
    /// Memory domain the subscriber reads messages in.
    pub domain: Domain,
    /// Queue depth (keep-last); clamped to `1..=RING_CAP`.
    pub depth: u32,
    /// Receive the history of transient-local publishers when joining (and only from
    /// transient-local publishers).
    pub transient_local: bool,
    /// Require reliable delivery (receive nothing from best-effort publishers).
    pub reliable: bool,
    /// Skip messages from publishers of the same participant.
    pub ignore_local: bool,
    /// Size of each pool created for copies into this subscriber's domain.
    pub pool_size: usize,
    /// Globally unique id.
    pub gid: [u8; 24],
    /// Deadline and liveliness requested: publishers offering less do not deliver here.
    pub timed: TimedQos,
}

impl Default for SubscriberOptions {
    fn default() -> Self {
        SubscriberOptions {
            domain: Domain::HOST,
            depth: 10,
            transient_local: false,
            reliable: false,
            ignore_local: false,
            pool_size: 4 << 20,
            gid: random_gid(),
            timed: TimedQos::default(),
        }
    }
}

/// A publisher that delivers to a subscriber, as its row in the topic shows it right now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Publication {
    /// The publisher's gid.
    pub gid: [u8; 24],
    /// Source timestamp of its latest message (ns since the epoch; 0: none yet).
    pub last_publish_ns: u64,
    /// Last liveliness assertion (ns since the epoch): creation, a publish or an explicit one.
    pub last_assert_ns: u64,
    /// Liveliness lease offered (ns, 0: infinite).
    pub lease_ns: u64,
    /// Liveliness is manual (asserted by publishing), not automatic.
    pub manual_liveliness: bool,
    /// Whether the owning process is alive (checked only when asked for).
    pub process_alive: bool,
}

/// Why a take failed. The message is not lost silently: it is released and the error says why.
#[derive(Debug)]
pub enum TakeError {
    /// The subscriber already holds [`MAX_LOANS`] messages.
    TooManyLoans,
    /// Copying into the subscriber's domain failed.
    Copy(String),
    /// Allocating the copy failed.
    Alloc(AllocError),
    /// Shared metadata was found corrupt.
    Corrupt(String),
    /// The topic lock, or a copy claimed by a live endpoint, was not released within the bounded
    /// wait.
    Busy(LockError),
}

impl fmt::Display for TakeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TakeError::TooManyLoans => {
                write!(f, "take: subscriber holds {MAX_LOANS} messages already")
            }
            TakeError::Copy(e) => write!(f, "take: copy into subscriber domain failed: {e}"),
            TakeError::Alloc(e) => write!(f, "take: {e}"),
            TakeError::Corrupt(e) => write!(f, "take: corrupt shared memory: {e}"),
            TakeError::Busy(e) => write!(f, "take: {e}"),
        }
    }
}

impl std::error::Error for TakeError {}

/// Metadata of a received message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SampleInfo {
    /// Topic-wide sequence number (1, 2, ...).
    pub sequence: u64,
    /// Source timestamp (ns since the Unix epoch) given by the publisher. (A take reads no
    /// clock: a consumer that wants a reception time stamps it itself.)
    pub source_timestamp: u64,
    /// Gid of the publisher.
    pub publisher_gid: [u8; 24],
    /// Whether the bytes were copied into this subscriber's domain by this take.
    pub copied: bool,
}

pub(crate) struct SubscriberInner {
    topic: Arc<Topic>,
    row: u32,
    id: u64,
    column: u32,
    opts: SubscriberOptions,
    copy_pools: EndpointPools,
    /// One take at a time per subscriber in this process (the ring has a single consumer); holds
    /// the pool of the last message taken (index, arena id, mapping).
    taking: Mutex<LastPool>,
}

impl Drop for SubscriberInner {
    fn drop(&mut self) {
        self.topic.release_endpoint(self.row, self.id);
    }
}

/// A subscriber on a topic.
pub struct Subscriber {
    inner: Arc<SubscriberInner>,
}

impl fmt::Debug for Subscriber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Subscriber")
            .field("topic", &self.inner.topic.name())
            .field("row", &self.inner.row)
            .finish()
    }
}

/// How long a taker waits for another process's copy before checking that the copier lives.
const COPY_WAIT_CHECK: Duration = Duration::from_millis(20);

impl Subscriber {
    /// Creates a subscriber on `topic`. Transient-local subscribers receive the history of
    /// transient-local publishers at once.
    pub fn new(topic: &Arc<Topic>, opts: SubscriberOptions) -> Result<Subscriber, EndpointError> {
        check_domain(opts.domain)?;
        let g = topic.lock().map_err(EndpointError::Busy)?;
        g.reclaim_dead();
        let mut flags = 0;
        if opts.transient_local {
            flags |= FLAG_TRANSIENT_LOCAL;
        }
        if opts.ignore_local {
            flags |= FLAG_IGNORE_LOCAL;
        }
        if opts.reliable {
            flags |= FLAG_RELIABLE;
        }
        flags |= opts.timed.flags();
        let (row, id) = g.claim_row(
            EP_SUB,
            opts.domain,
            opts.depth,
            flags,
            &opts.gid,
            &opts.timed,
        )?;
        let r = g
            .row(row as usize)
            .ok_or_else(|| EndpointError::Segment(g.seg.corrupt("claimed row vanished")))?;
        r.participant.store(topic.participant.id, Ordering::Relaxed);
        let column = r.column.load(Ordering::Relaxed);
        if opts.transient_local {
            let mut history: Vec<(u64, u32)> = Vec::new();
            for p in 0..g.rows_in_use() {
                let Some(pr) = g.row(p) else { break };
                if pr.state.load(Ordering::Relaxed) != EP_PUB
                    || !delivers(pr, pr.flags.load(Ordering::Relaxed), r, flags)
                    || (opts.ignore_local
                        && pr.participant.load(Ordering::Relaxed) == topic.participant.id)
                {
                    continue;
                }
                let depth = u64::from(pr.depth.load(Ordering::Relaxed).clamp(1, RING_CAP as u32));
                let (head, tail) = (
                    pr.head.load(Ordering::Relaxed),
                    pr.tail.load(Ordering::Relaxed),
                );
                for i in head..tail.min(head + depth) {
                    let idx = g.ring_slot(p, pr, depth, i).load(Ordering::Relaxed);
                    if let Some(s) = g.sample(idx as usize) {
                        history.push((s.seq.load(Ordering::Relaxed), idx));
                    }
                }
            }
            history.sort_unstable();
            let keep = (r.depth.load(Ordering::Relaxed) as usize).min(history.len());
            for (_, idx) in &history[history.len() - keep..] {
                g.push(row, *idx);
            }
        }
        drop(g);
        Ok(Subscriber {
            inner: Arc::new(SubscriberInner {
                topic: topic.clone(),
                row,
                id,
                column,
                copy_pools: EndpointPools::new(opts.domain, opts.pool_size),
                opts,
                taking: Mutex::new(None),
            }),
        })
    }

    /// Memory domain this subscriber reads in.
    pub fn domain(&self) -> Domain {
        self.inner.opts.domain
    }

    /// The topic.
    pub fn topic(&self) -> &Arc<Topic> {
        &self.inner.topic
    }

    /// The endpoint's row; an empty stand-in if the queue no longer shows it (a peer truncated
    /// the object: `take` reports that).
    fn row(&self) -> &EndpointRow {
        // SAFETY: EndpointRow holds only atomics, for which all-zero bytes are a valid value.
        static DETACHED: EndpointRow = unsafe { std::mem::zeroed() };
        self.inner
            .topic
            .row(self.inner.row as usize)
            .unwrap_or(&DETACHED)
    }

    /// Whether a message is waiting (lock-free check, for wait sets).
    pub fn has_data(&self) -> bool {
        let r = self.row();
        r.tail.load(Ordering::SeqCst) != r.head.load(Ordering::SeqCst)
    }

    /// Messages pushed into this subscriber's queue so far (monotonic; overflowed ones included).
    pub fn delivered(&self) -> u64 {
        self.row().tail.load(Ordering::Acquire)
    }

    /// Messages waiting in the queue now.
    pub fn queued(&self) -> u64 {
        let r = self.row();
        let head = r.head.load(Ordering::Acquire);
        r.tail.load(Ordering::Acquire).saturating_sub(head)
    }

    /// Messages dropped from this subscriber's queue by keep-last overflow so far.
    pub fn lost(&self) -> u64 {
        self.row().lost.load(Ordering::Relaxed)
    }

    /// Makes every publish to this subscriber wake `listener`.
    pub fn attach(&self, listener: &Listener) {
        self.attach_addr(listener.addr());
    }

    /// Same as [`Subscriber::attach`] with a raw waker address.
    pub fn attach_addr(&self, addr: WakerAddr) {
        self.row().waker.store(addr.pack(), Ordering::SeqCst);
    }

    /// Stops waking any listener.
    pub fn detach(&self) {
        self.row().waker.store(0, Ordering::SeqCst);
    }

    /// Live publishers on the topic (all processes).
    pub fn publisher_count(&self) -> u32 {
        self.inner.topic.stats().publishers
    }

    /// The publishers that deliver to this subscriber (skipping this participant's own when
    /// ignoring local publications), with their deadline and liveliness state. Lock-free: a
    /// snapshot of rows that may change meanwhile. `check_processes` also asks the kernel whether
    /// each owner process is alive (one OFD lock probe of its participant slot per publisher).
    pub fn publications(&self, check_processes: bool) -> Vec<Publication> {
        let t = &self.inner.topic;
        let me = self.row();
        let requested = me.flags.load(Ordering::Relaxed);
        let mut out = Vec::new();
        for p in 0..t.rows_in_use() {
            let Some(pr) = t.row(p) else { break };
            let offered = pr.flags.load(Ordering::Acquire);
            if pr.state.load(Ordering::Acquire) != EP_PUB
                || !delivers(pr, offered, me, requested)
                || (requested & FLAG_IGNORE_LOCAL != 0
                    && pr.participant.load(Ordering::Relaxed) == t.participant.id)
            {
                continue;
            }
            let process_alive = !check_processes || t.endpoint_owner(pr) != Owner::Dead;
            out.push(Publication {
                gid: pr.gid(),
                last_publish_ns: pr.last_publish.load(Ordering::Relaxed),
                last_assert_ns: pr.last_assert.load(Ordering::Relaxed),
                lease_ns: pr.lease.load(Ordering::Relaxed),
                manual_liveliness: offered & FLAG_MANUAL_LIVELINESS != 0,
                process_alive,
            });
        }
        out
    }

    /// Takes the oldest queued message, `None` if the queue is empty.
    ///
    /// The common case takes no lock: pop the ring with a compare-and-swap, record the sample in
    /// this endpoint's loan table (so a survivor can release it if we die), and read the column of
    /// our domain. Only a message that still needs a copy into our domain takes the topic lock.
    pub fn take(&self) -> Result<Option<Received>, TakeError> {
        let t = &self.inner.topic;
        let row = self.inner.row;
        let col = self.inner.column as usize % MAX_COLUMNS;
        t.check_intact()
            .map_err(|e| TakeError::Corrupt(e.to_string()))?;
        if !self.has_data() {
            return Ok(None);
        }
        let mut one_taker = self.inner.taking.lock().unwrap_or_else(|e| e.into_inner());
        let (pin, s) = loop {
            let Some(idx) = t.pop(row) else {
                return Ok(None);
            };
            // The ring's reference is ours now; record it before anything can fail.
            let record = Topic::sample_record(idx);
            let Some(slot) = t.add_loan(row, record) else {
                let _ = t.sample_unref(idx);
                return Err(TakeError::TooManyLoans);
            };
            let pin = Pin {
                topic: t,
                row,
                slot,
                record,
                idx,
            };
            let Some(s) = t.sample(idx as usize) else {
                drop(pin);
                return Err(TakeError::Corrupt(format!("sample {idx} vanished")));
            };
            let expires = s.expires.load(Ordering::Relaxed);
            if expires != 0 && crate::now_ns() > expires {
                // Past its lifespan: dropped unseen (the pin releases it).
                continue;
            }
            break (pin, s);
        };
        let idx = pin.idx;
        let mut info = SampleInfo {
            sequence: s.seq.load(Ordering::Relaxed),
            source_timestamp: s.timestamp.load(Ordering::Relaxed),
            publisher_gid: [0; 24],
            copied: false,
        };
        info.publisher_gid = load_bytes(&s.gid);
        if !col_ready(s.column(col).state.load(Ordering::Acquire)) {
            info.copied = self.fill_column(s, col)?;
        }
        // The column is READY and stays so while our pin holds the sample.
        let (_, pool, block) = t
            .column_block_cached(s, col, &mut one_taker)
            .map_err(|e| TakeError::Corrupt(e.to_string()))?;
        drop(one_taker);
        let pin = pin.keep();
        Ok(Some(Received {
            sub: self.inner.clone(),
            idx,
            slot: pin.0,
            record: pin.1,
            host: pool.host_ptr(block).map_or(0, |p| p as usize),
            pool,
            block,
            info,
        }))
    }

    /// Makes column `col` of the pinned sample `s` READY: copies the message into this
    /// subscriber's domain once (returns `true`), or waits for the endpoint of our domain that is
    /// already copying it (returns `false`). Runs under the topic lock except for the copy itself.
    fn fill_column(&self, s: &SampleRow, col: usize) -> Result<bool, TakeError> {
        let t = &self.inner.topic;
        let row = self.inner.row;
        let mut g = t.lock().map_err(TakeError::Busy)?;
        let start = std::time::Instant::now();
        loop {
            let state = s.column(col).state.load(Ordering::Acquire);
            if col_ready(state) {
                return Ok(false);
            }
            if state == COL_EMPTY {
                s.column(col)
                    .state
                    .store(COL_CLAIM_BASE + row, Ordering::Release);
                let src = match pick_source(s, col, &g).map(|c| g.column_block(s, c)) {
                    Some(Ok(v)) => v,
                    other => {
                        s.column(col).state.store(COL_EMPTY, Ordering::Release);
                        return Err(TakeError::Corrupt(match other {
                            Some(Err(e)) => e.to_string(),
                            _ => "sample has no copy in any domain".to_owned(),
                        }));
                    }
                };
                drop(g);
                let copied = self.copy_in(&src.1, src.2);
                g = match t.lock() {
                    Ok(g) => g,
                    Err(e) => {
                        // Leave the claim: whoever judges us later sees a live claimer that
                        // never finishes and gives up too; our copy is discarded.
                        if let Ok((_, pool, dst)) = copied {
                            let _ = pool.free_held(dst);
                        }
                        return Err(TakeError::Busy(e));
                    }
                };
                let c = &s.column(col);
                let (dst_idx, dst_pool, dst) = match copied {
                    Ok(v) => v,
                    Err(e) => {
                        let _ = c.state.compare_exchange(
                            COL_CLAIM_BASE + row,
                            COL_EMPTY,
                            Ordering::AcqRel,
                            Ordering::Relaxed,
                        );
                        crate::os::futex::wake(&c.state, i32::MAX);
                        return Err(e);
                    }
                };
                if c.state.load(Ordering::Acquire) != COL_CLAIM_BASE + row
                    || dst_pool.make_shared(dst, 1).is_err()
                {
                    // A survivor declared us dead and reset the claim: discard our copy.
                    let _ = dst_pool.free_held(dst);
                    return Err(TakeError::Corrupt("copy claim was taken over".into()));
                }
                c.pool.store(dst_idx, Ordering::Relaxed);
                c.offset.store(dst.offset, Ordering::Relaxed);
                c.state.store(COL_READY, Ordering::Release);
                s.avail.fetch_or(1 << col, Ordering::Release);
                let h = g.header();
                h.copies[col].fetch_add(1, Ordering::Relaxed);
                h.copy_bytes[col].fetch_add(dst.len, Ordering::Relaxed);
                crate::os::futex::wake(&c.state, i32::MAX);
                return Ok(true);
            }
            // Another endpoint of our domain is copying it: wait for its result.
            let claimer = state.wrapping_sub(COL_CLAIM_BASE) as usize;
            drop(g);
            crate::os::futex::wait(&s.column(col).state, state, Some(COPY_WAIT_CHECK));
            g = t.lock().map_err(TakeError::Busy)?;
            if s.column(col).state.load(Ordering::Acquire) == state {
                let claimer_row = g.row(claimer);
                let dead = claimer_row.is_none_or(|r| {
                    r.state.load(Ordering::Relaxed) == EP_FREE || g.endpoint_owner(r) == Owner::Dead
                });
                if !dead && start.elapsed() >= crate::sync::lock_timeout() {
                    // A live endpoint's copy that never completes (stopped, or a forged
                    // claim): give up rather than wait forever.
                    return Err(TakeError::Busy(LockError {
                        object: t.segment_name().to_owned(),
                        holder: crate::sync::Holder {
                            slot: claimer_row.and_then(|r| {
                                (r.participant_row.load(Ordering::Relaxed) as u32).checked_sub(1)
                            }),
                            incarnation: 0,
                        },
                        waited: start.elapsed(),
                    }));
                }
                if dead {
                    g.reclaim_dead();
                    if s.column(col).state.load(Ordering::Acquire) == state {
                        // The claim belongs to no live endpoint at all: corrupt, reset it.
                        s.column(col).state.store(COL_EMPTY, Ordering::Release);
                    }
                }
            }
        }
    }

    /// Allocates a block in this subscriber's domain and copies `src` into it.
    fn copy_in(
        &self,
        src_pool: &Arc<dyn Allocator>,
        src: BlockRef,
    ) -> Result<(u32, Arc<dyn Allocator>, BlockRef), TakeError> {
        let len = src.len as usize;
        let (idx, pool, dst) = self.alloc_copy(len)?;
        if let Err(e) = alloc::copy(src_pool.as_ref(), src, pool.as_ref(), dst) {
            let _ = pool.free_held(dst);
            return Err(TakeError::Copy(e.to_string()));
        }
        Ok((idx, pool, dst))
    }

    fn alloc_copy(&self, len: usize) -> Result<Allocated, TakeError> {
        let pools = &self.inner.copy_pools;
        if let Some(a) = pools.try_allocate(len).map_err(TakeError::Alloc)? {
            return Ok(a);
        }
        pools
            .grow_and_allocate(&self.inner.topic, self.inner.row, len)
            .map_err(|e| match e {
                GrowError::Alloc(a) => TakeError::Alloc(a),
                other => TakeError::Copy(other.to_string()),
            })
    }
}

/// Chooses the column to copy from: the publisher's own column first, else any ready one.
fn pick_source(s: &SampleRow, dst_col: usize, t: &Topic) -> Option<usize> {
    let pub_col = t
        .row(s.publisher_row.load(Ordering::Relaxed) as usize)
        .map(|r| r.column.load(Ordering::Relaxed) as usize);
    let ready = |c: usize| {
        c != dst_col && c < MAX_COLUMNS && col_ready(s.column(c).state.load(Ordering::Acquire))
    };
    if let Some(c) = pub_col.filter(|c| ready(*c)) {
        return Some(c);
    }
    (0..MAX_COLUMNS).find(|c| ready(*c))
}

/// A sample reference held by a take in progress: released on drop unless kept.
struct Pin<'a> {
    topic: &'a Topic,
    row: u32,
    slot: u32,
    record: u64,
    idx: u32,
}

impl Pin<'_> {
    /// Hands the reference over to a `Received` (slot and record).
    fn keep(self) -> (u32, u64) {
        let kept = (self.slot, self.record);
        std::mem::forget(self);
        kept
    }
}

impl Drop for Pin<'_> {
    fn drop(&mut self) {
        release_pin(self.topic, self.row, self.slot, self.record, self.idx);
    }
}

/// Drops a sample reference recorded in loan `slot`; frees departed owners' pools it emptied.
fn release_pin(t: &Topic, row: u32, slot: u32, record: u64, idx: u32) {
    if t.remove_loan(row, slot, record) && t.sample_unref(idx) == Unref::FreedOrphanBlock {
        if let Ok(g) = t.lock() {
            g.free_orphan_pools();
        }
    }
}

/// A message taken by a subscriber; the bytes stay valid (and are never reused) until it drops.
pub struct Received {
    sub: Arc<SubscriberInner>,
    idx: u32,
    slot: u32,
    record: u64,
    /// CPU address of the payload (validated once at take time), 0 when not host-addressable.
    host: usize,
    pool: Arc<dyn Allocator>,
    block: BlockRef,
    info: SampleInfo,
}

impl fmt::Debug for Received {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Received")
            .field("info", &self.info)
            .field("len", &self.block.len)
            .finish()
    }
}

impl Received {
    /// Metadata.
    pub fn info(&self) -> &SampleInfo {
        &self.info
    }

    /// Length in bytes.
    pub fn len(&self) -> usize {
        self.block.len as usize
    }

    /// Whether the message is empty.
    pub fn is_empty(&self) -> bool {
        self.block.len == 0
    }

    /// Memory domain of the bytes.
    pub fn domain(&self) -> Domain {
        self.pool.domain()
    }

    /// The bytes, when the domain is host-addressable.
    pub fn bytes(&self) -> Option<&[u8]> {
        if self.host == 0 {
            return None;
        }
        // SAFETY: `host` was bounds-checked for `len` bytes by the allocator at take time; the
        // block is pinned by this value's sample reference (never reused while referenced) and
        // nobody writes a published block.
        Some(unsafe { std::slice::from_raw_parts(self.host as *const u8, self.block.len as usize) })
    }

    /// Address of the bytes in their domain.
    pub fn as_ptr(&self) -> *const u8 {
        self.host as *const u8
    }

    /// Copies the bytes into host memory (works for every domain).
    pub fn read_into(&self, dst: &mut [u8]) -> Result<(), crate::alloc::CopyError> {
        self.pool.copy_from(self.block, dst)
    }

    /// Device address of the bytes and the device index, for messages in device memory
    /// (`None` for host-addressable domains). Valid in this process, read-only, until this
    /// value is dropped.
    pub fn device_ptr(&self) -> Option<(u64, u16)> {
        self.pool
            .device_ptr(self.block)
            .map(|p| (p, self.pool.domain().device))
    }
}

impl Drop for Received {
    fn drop(&mut self) {
        // Lock-free: the loan slot is ours alone (a survivor only touches it after we died) and
        // sample references are atomic.
        release_pin(
            &self.sub.topic,
            self.sub.row,
            self.slot,
            self.record,
            self.idx,
        );
    }
}
