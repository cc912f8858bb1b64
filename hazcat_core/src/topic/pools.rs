//! The memory pools one endpoint allocates from (a publisher's loans, a subscriber's copies into
//! its domain): tried in order, grown by one pool registered in the topic when all are full.
//!
//! Pools are created on demand and start small ([`FIRST_POOL`]); each added pool doubles the last
//! one, up to the endpoint's configured `pool_size` (and always has room for two messages of the
//! size that needed it). So memory follows use: an idle endpoint has no pool, a stream of small
//! messages a 16 KiB one, and a camera stream grows to a few pools of its frame size. A pool's
//! memory is reserved when it is created, so a full shm directory is an error then.

use std::fmt;
use std::sync::{Arc, Mutex, OnceLock};

use super::{EndpointError, Topic, MAX_POOLS};
use crate::alloc::{AllocError, Allocator, ArenaStats, BlockRef, PoolCreator, PoolRequest};
use crate::domain::Domain;
use crate::memory;

/// A block allocated from one of the endpoint's pools: (pool row in the topic, pool, block).
pub(crate) type Allocated = (u32, Arc<dyn Allocator>, BlockRef);

/// Why a pool could not be added.
#[derive(Debug)]
pub(crate) enum GrowError {
    /// Creating the pool failed, or the allocation failed even in the new pool.
    Alloc(AllocError),
    /// The domain has no backend here.
    Domain(EndpointError),
    /// The topic's pool table is full.
    TooManyPools,
    /// The topic lock is held by a live participant for longer than the bounded wait.
    Busy(crate::sync::LockError),
}

impl fmt::Display for GrowError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GrowError::Alloc(e) => e.fmt(f),
            GrowError::Domain(e) => e.fmt(f),
            GrowError::TooManyPools => write!(f, "topic has {MAX_POOLS} pools already"),
            GrowError::Busy(e) => e.fmt(f),
        }
    }
}

/// Whether this build and machine can hold memory of `domain` (checked when endpoints are created,
/// so a subscriber that would only need memory for its first copy fails early and clearly).
pub(crate) fn check_domain(domain: Domain) -> Result<(), EndpointError> {
    let backend = memory::backend(domain.kind).ok_or(EndpointError::UnsupportedDomain(domain))?;
    backend
        .check(domain.device)
        .map_err(|reason| EndpointError::DeviceUnavailable { domain, reason })
}

/// Creates a pool of `size` bytes in `domain`, owned by this process and recording `creator`.
pub(crate) fn create_pool(
    ros_domain: u32,
    domain: Domain,
    size: usize,
    creator: PoolCreator,
) -> Result<Arc<dyn Allocator>, EndpointError> {
    let backend = memory::backend(domain.kind).ok_or(EndpointError::UnsupportedDomain(domain))?;
    check_domain(domain)?;
    backend
        .create_pool(PoolRequest {
            ros_domain,
            device: domain.device,
            size,
            creator: Some(creator),
        })
        .map_err(EndpointError::Pool)
}

/// Test hook for multi-process tests: with `HAZCAT_TEST_HOLD_NEW_POOL` set (read once), the thread
/// that just created a pool prints the variable's value and the pool's object name on stdout and
/// blocks forever before registering it, so a test can kill a creator in that window.
fn hold_new_pool(name: &str) {
    static HOLD: OnceLock<Option<String>> = OnceLock::new();
    if let Some(line) = HOLD.get_or_init(|| std::env::var("HAZCAT_TEST_HOLD_NEW_POOL").ok()) {
        println!("{line} {name}");
        loop {
            std::thread::park();
        }
    }
}

/// Capacity of an endpoint's first pool (unless its `pool_size` cap is smaller).
pub const FIRST_POOL: usize = 16 << 10;

/// The pools of one endpoint, all in its memory domain.
pub(crate) struct EndpointPools {
    domain: Domain,
    /// Cap on the size of one pool (see the module docs).
    pool_size: usize,
    /// Size of the next pool to add (doubles up to `pool_size`).
    next_size: Mutex<usize>,
    pools: Mutex<Vec<(u32, Arc<dyn Allocator>)>>,
}

impl EndpointPools {
    pub(crate) fn new(domain: Domain, pool_size: usize) -> EndpointPools {
        EndpointPools {
            domain,
            pool_size,
            next_size: Mutex::new(FIRST_POOL.min(pool_size)),
            pools: Mutex::new(Vec::new()),
        }
    }

    /// The size of the pool to add for a message of `len` bytes, advancing the doubling.
    fn take_next_size(&self, len: usize) -> usize {
        let mut next = self.next_size.lock().unwrap_or_else(|e| e.into_inner());
        let size = (*next).max((len + 4096).next_multiple_of(4096) * 2);
        *next = (size.saturating_mul(2)).min(self.pool_size).max(*next);
        size
    }

    /// Adopts a pool already registered as topic pool row `idx`.
    pub(crate) fn push(&self, idx: u32, pool: Arc<dyn Allocator>) {
        self.pools
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push((idx, pool));
    }

    /// Allocates `len` bytes from the first pool with room; `Ok(None)` when every pool is full.
    pub(crate) fn try_allocate(&self, len: usize) -> Result<Option<Allocated>, AllocError> {
        let pools = self.pools.lock().unwrap_or_else(|e| e.into_inner());
        for (idx, pool) in pools.iter() {
            match pool.allocate(len) {
                Ok(block) => return Ok(Some((*idx, pool.clone(), block))),
                Err(AllocError::OutOfMemory { .. } | AllocError::TooLarge { .. }) => continue,
                Err(e) => return Err(e),
            }
        }
        Ok(None)
    }

    /// Creates a pool large enough for `len` (see the module docs for its size), registers it in
    /// `topic` for endpoint row `owner_row`, and allocates from it.
    pub(crate) fn grow_and_allocate(
        &self,
        topic: &Topic,
        owner_row: u32,
        len: usize,
    ) -> Result<Allocated, GrowError> {
        let size = self.take_next_size(len);
        let pool = create_pool(topic.ros_domain(), self.domain, size, topic.pool_creator())
            .map_err(|e| match e {
                EndpointError::Pool(a) => GrowError::Alloc(a),
                other => GrowError::Domain(other),
            })?;
        let name = crate::naming::arena(topic.ros_domain(), pool.id());
        hold_new_pool(&name);
        let unlink = || crate::os::shm_file::unlink(&name);
        let idx = match topic.lock() {
            Ok(g) => g.add_pool(&g, owner_row, pool.clone(), size as u64),
            Err(e) => {
                let _ = unlink();
                return Err(GrowError::Busy(e));
            }
        };
        let idx = match idx {
            Ok(Some(idx)) => idx,
            Ok(None) => {
                let _ = unlink();
                return Err(GrowError::TooManyPools);
            }
            Err(e) => {
                let _ = unlink();
                return Err(GrowError::Alloc(AllocError::Segment(e)));
            }
        };
        self.push(idx, pool.clone());
        let block = pool.allocate(len).map_err(GrowError::Alloc)?;
        Ok((idx, pool, block))
    }

    /// Usage of each pool.
    pub(crate) fn stats(&self) -> Vec<ArenaStats> {
        self.pools
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .filter_map(|(_, p)| p.stats())
            .collect()
    }
}
