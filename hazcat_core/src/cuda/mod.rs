//! CUDA backend: message pools in GPU device memory, shared zero-copy between processes.
//!
//! Built with the `cuda` cargo feature (on by default). The driver is loaded at run time
//! through cudarc's dynamic loading, so building needs no CUDA toolkit and a machine without a
//! GPU runs everything else unchanged: asking for a `cuda:N` domain there fails endpoint
//! creation with a clear [`EndpointError::DeviceUnavailable`](crate::EndpointError) that says
//! whether the driver or the device is missing.
//!
//! # Device pools
//!
//! A device pool ([`DevicePool`]) has two halves:
//! - a **shadow arena** — an ordinary host shared-memory [`Arena`] of the same capacity whose
//!   block headers (boundary tags, state, reference counts) do the bookkeeping exactly as for a
//!   host pool, on a *virtual* offset space. Its payload bytes are never touched (the pages stay
//!   unallocated), so reference counts of device blocks live in host shared memory, and a
//!   survivor can release what a killed process held without touching the GPU;
//! - one **CUDA VMM allocation** on device `N` (`cuMemCreate`, pinned, POSIX-file-descriptor
//!   handle type, size rounded up to the device's granularity), mapped into a reserved VA range
//!   (`cuMemAddressReserve` + `cuMemMap` + `cuMemSetAccess`). The device address of a block is
//!   `mapping base + (payload offset - arena data start)`, rounded up to 256 bytes: every block
//!   reserves 192 bytes more than asked so that device payloads have `cudaMalloc`'s alignment.
//!
//! # Sharing between unrelated processes
//!
//! The creating process exports the allocation as a file descriptor
//! (`cuMemExportToShareableHandle`) and keeps it in its [descriptor server](crate::os::fdserver):
//! one thread per process, started on first export, listening on an abstract Unix socket named
//! from the user id and the owner's (pid, start time), which every arena header records. Another
//! process that meets the pool (in a topic's pool table) opens the shadow arena, asks the owner's
//! server for the descriptor (both sides check that the peer runs as the same user), then
//! `cuMemImportFromShareableHandle` + reserve + map + set access **once**: mappings are cached
//! per process by (ROS domain, pool id) and dropped with the last user. Imported handles are
//! released right after mapping; the mapping keeps the memory alive, so a pool stays valid in
//! every process that mapped it even if its creator is killed.
//!
//! # Copies
//!
//! Host<->device and device->device copies run on per-device streams (`cuStreamCreate`,
//! non-blocking) with `cuMemcpy{HtoD,DtoH,DtoD}Async`; an event recorded after the copy is
//! waited for before the copy is reported done, i.e. before the topic marks the new column
//! READY. Host pools taking part in a copy are page-locked (`cuMemHostRegister`, portable)
//! once, lazily, so those copies are DMA transfers; the registration is undone before the pool
//! is unmapped. Copies between two different devices go through host memory.
//!
//! # Rules for applications
//!
//! - A device loan's bytes must be completely written (the kernel or copy that fills it has
//!   finished, e.g. `cudaStreamSynchronize`) before it is published; hazcat cannot see the
//!   application's streams.
//! - All processes must number devices alike (same `CUDA_VISIBLE_DEVICES`): `cuda:N` means
//!   device N in every process.
//! - Pools are not usable in a child forked after CUDA was initialised (a CUDA rule); start
//!   processes normally (spawn/exec).

mod driver;

use std::collections::HashMap;
use std::io;
use std::os::fd::AsFd;
use std::sync::{Arc, Mutex, OnceLock, Weak};

use crate::alloc::arena::{DATA_START, HDR};
use crate::alloc::{
    check_lengths, AllocError, Allocator, Arena, ArenaStats, BlockError, BlockRef, CopyError,
    MemoryBackend, PinGuard, Pool, PoolBlock, PoolCreator, PoolRequest,
};
use crate::domain::{Domain, DomainKind};
use crate::os::fdserver::{self, ExportInfo};
use crate::segment::SegmentError;

/// Alignment of device payloads (that of `cudaMalloc`).
pub const DEVICE_ALIGN: u64 = 256;
/// Extra bytes reserved per block so that the payload can be moved up to `DEVICE_ALIGN`.
const PAD: u64 = DEVICE_ALIGN - HDR;

/// Number of CUDA devices, or why CUDA cannot be used on this machine (no driver, no device,
/// driver too old).
pub fn device_count() -> Result<u32, String> {
    Ok(driver::driver()?.device_count())
}

/// Whether device `device` can hold hazcat pools: `Ok`, or a message saying why not.
pub fn check_device(device: u16) -> Result<(), String> {
    driver::driver()?.device(device).map(|_| ())
}

fn round_up(v: u64, a: u64) -> u64 {
    v.div_ceil(a) * a
}

/// The host-side half of a device pool: an arena whose blocks stand for device ranges. Each
/// block reserves `PAD` bytes more than asked, so that its device payload can be aligned to
/// [`DEVICE_ALIGN`]; lengths are translated both ways. Needs no GPU.
#[derive(Debug)]
struct Shadow {
    arena: Arena,
}

impl Shadow {
    fn allocate(&self, len: usize) -> Result<BlockRef, AllocError> {
        let b = self.arena.allocate(len.saturating_add(PAD as usize))?;
        Ok(BlockRef {
            offset: b.offset,
            len: len as u64,
        })
    }

    fn block_at(&self, offset: u64) -> Result<BlockRef, BlockError> {
        let b = self.arena.block_at(offset)?;
        let len = b
            .len
            .checked_sub(PAD)
            .ok_or(BlockError::InvalidOffset { offset })?;
        Ok(BlockRef { offset, len })
    }

    /// Validated device address of `block`'s payload in a mapping of `size` bytes at `base`.
    fn device_addr(&self, base: u64, size: u64, block: BlockRef) -> Result<u64, BlockError> {
        let bad = || BlockError::InvalidOffset {
            offset: block.offset,
        };
        let real = self.block_at(block.offset)?;
        if block.len > real.len {
            return Err(bad());
        }
        let virt = block.offset.checked_sub(DATA_START).ok_or_else(bad)?;
        let addr = round_up(base + virt, DEVICE_ALIGN);
        // The arena bounds `offset + len + PAD` by its capacity, which is at most the mapped
        // size (checked when mapping): the rounded range stays inside the mapping. Checked
        // again here all the same, since the arena lives in shared memory.
        let end = addr.checked_add(block.len).ok_or_else(bad)?;
        if end > base + size {
            return Err(bad());
        }
        Ok(addr)
    }
}

/// A pool of message blocks in CUDA device memory (see the module documentation).
pub struct DevicePool {
    // Drop order matters: withdraw the export, unmap the device memory, then unmap the arena.
    export: Option<fdserver::Export>,
    mem: driver::DeviceMemory,
    shadow: Shadow,
}

impl std::fmt::Debug for DevicePool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DevicePool")
            .field("id", &self.shadow.arena.id())
            .field("domain", &self.shadow.arena.domain())
            .field("size", &self.mem.size())
            .finish()
    }
}

type PoolKey = (u32, u64);

/// Pools mapped in this process, by (ROS domain, pool id).
fn cache() -> &'static Mutex<HashMap<PoolKey, Weak<DevicePool>>> {
    static CACHE: OnceLock<Mutex<HashMap<PoolKey, Weak<DevicePool>>>> = OnceLock::new();
    CACHE.get_or_init(Mutex::default)
}

impl DevicePool {
    /// Creates a pool of at least `capacity` bytes on CUDA device `device`, owned (allocated
    /// from) by this process and exported to other processes of this user.
    pub fn create(
        ros_domain: u32,
        device: u16,
        capacity: usize,
        creator: Option<PoolCreator>,
    ) -> Result<Arc<DevicePool>, AllocError> {
        let dev = driver::driver()
            .and_then(|d| d.device(device))
            .map_err(AllocError::Device)?;
        let g = dev.granularity() as u64;
        let size = round_up(capacity.max(1) as u64, g);
        // The shadow arena carries the pool's name and creator: a creator gone before
        // registering the pool has its arena removed like a host pool's (the device memory went
        // with the process).
        let shadow = Arena::create_by(ros_domain, Domain::cuda(device), size as usize, creator)?;
        let vsize = round_up(shadow.capacity(), g);
        let fail = |shadow: &Arena, e: String| {
            shadow.unlink();
            AllocError::Device(e)
        };
        let (mem, fd) = match dev.create_exported(vsize as usize) {
            Ok(v) => v,
            Err(e) => return Err(fail(&shadow, e)),
        };
        let export = match fdserver::export(
            (ros_domain, shadow.id()),
            fd,
            ExportInfo {
                device: u32::from(device),
                size: vsize,
            },
        ) {
            Ok(e) => e,
            Err(e) => return Err(fail(&shadow, format!("exporting the device pool: {e}"))),
        };
        let pool = Arc::new(DevicePool {
            export: Some(export),
            mem,
            shadow: Shadow { arena: shadow },
        });
        cache()
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert((ros_domain, pool.id()), Arc::downgrade(&pool));
        Ok(pool)
    }

    /// Maps pool `id` of `ros_domain`, created by another process (or another endpoint of this
    /// one): from the cache when this process has it mapped already, else by fetching its
    /// descriptor from the owner and importing it.
    pub fn open(ros_domain: u32, id: u64) -> Result<Arc<DevicePool>, SegmentError> {
        let mut cache = cache().lock().unwrap_or_else(|e| e.into_inner());
        if let Some(p) = cache.get(&(ros_domain, id)).and_then(Weak::upgrade) {
            return Ok(p);
        }
        cache.retain(|_, w| w.strong_count() > 0);
        let shadow = Arena::open(ros_domain, id)?;
        let name = shadow.name().to_owned();
        let domain = shadow.domain();
        let corrupt = |what: String| SegmentError::Corrupt {
            name: name.clone(),
            what,
        };
        if domain.kind != DomainKind::Cuda {
            return Err(corrupt(format!("pool is in {domain}, not a CUDA domain")));
        }
        let io_err = |op: &'static str, e: String| SegmentError::Io {
            op,
            name: name.clone(),
            source: io::Error::other(e),
        };
        let dev = driver::driver()
            .and_then(|d| d.device(domain.device))
            .map_err(|e| io_err("open CUDA device", e))?;
        let (fd, info) =
            fdserver::request(shadow.owner(), (ros_domain, id)).map_err(|e| SegmentError::Io {
                op: "fetch device pool descriptor",
                name: name.clone(),
                source: e,
            })?;
        if info.device != u32::from(domain.device)
            || info.size < shadow.capacity()
            || info.size > isize::MAX as u64
        {
            return Err(corrupt(format!(
                "exported device memory ({} bytes on device {}) does not match the pool",
                info.size, info.device
            )));
        }
        let mem = dev
            .import(fd.as_fd(), info.size as usize)
            .map_err(|e| io_err("map device pool", e))?;
        drop(fd);
        let pool = Arc::new(DevicePool {
            export: None,
            mem,
            shadow: Shadow { arena: shadow },
        });
        cache.insert((ros_domain, id), Arc::downgrade(&pool));
        Ok(pool)
    }

    /// Whether this process created the pool (and exports it).
    pub fn is_owner(&self) -> bool {
        self.export.is_some()
    }

    /// Base device address of the mapping in this process.
    pub fn base(&self) -> u64 {
        self.mem.base()
    }

    /// Validated device address of `block`'s payload (256-byte aligned).
    fn dptr(&self, block: BlockRef) -> Result<u64, BlockError> {
        self.shadow
            .device_addr(self.mem.base(), self.mem.size() as u64, block)
    }
}

impl Allocator for DevicePool {
    fn domain(&self) -> Domain {
        self.shadow.arena.domain()
    }

    fn id(&self) -> u64 {
        self.shadow.arena.id()
    }

    fn allocate(&self, len: usize) -> Result<BlockRef, AllocError> {
        self.shadow.allocate(len)
    }

    fn free_held(&self, block: BlockRef) -> Result<(), BlockError> {
        self.shadow.arena.free_held(block)
    }

    fn make_shared(&self, block: BlockRef, refs: u32) -> Result<(), BlockError> {
        self.shadow.arena.make_shared(block, refs)
    }

    fn share(&self, block: BlockRef) -> Result<(), BlockError> {
        self.shadow.arena.share(block)
    }

    fn release(&self, block: BlockRef) -> Result<bool, BlockError> {
        self.shadow.arena.release(block)
    }

    fn block_at(&self, offset: u64) -> Result<BlockRef, BlockError> {
        self.shadow.block_at(offset)
    }

    fn copy_from(&self, src: BlockRef, dst: &mut [u8]) -> Result<(), CopyError> {
        if dst.len() as u64 != src.len {
            return Err(CopyError::LengthMismatch {
                src: src.len,
                dst: dst.len() as u64,
            });
        }
        let p = self.dptr(src)?;
        // SAFETY: `p..p+len` lies inside this pool's live mapping (validated by `dptr`); the
        // block is pinned by the caller's reference and shared blocks are never written.
        unsafe { self.mem.device().copy_dtoh(dst, p) }.map_err(CopyError::Device)
    }

    fn copy_to(&self, dst: BlockRef, src: &[u8]) -> Result<(), CopyError> {
        if src.len() as u64 != dst.len {
            return Err(CopyError::LengthMismatch {
                src: src.len() as u64,
                dst: dst.len,
            });
        }
        let p = self.dptr(dst)?;
        // SAFETY: `p..p+len` lies inside this pool's live mapping (validated by `dptr`) and the
        // destination block is held exclusively by the caller.
        unsafe { self.mem.device().copy_htod(p, src) }.map_err(CopyError::Device)
    }

    fn host_ptr(&self, _block: BlockRef) -> Option<*mut u8> {
        None
    }

    fn device_ptr(&self, block: BlockRef) -> Option<u64> {
        self.dptr(block).ok()
    }

    fn stats(&self) -> Option<ArenaStats> {
        Some(self.shadow.arena.stats())
    }

    fn backend(&self) -> &'static dyn MemoryBackend {
        &CUDA_MEMORY
    }
}

/// The CUDA backend: pools are [`DevicePool`]s, copies run on the device's streams, host pools
/// taking part in a copy are page-locked once.
#[derive(Debug)]
pub struct CudaMemory;

/// The backend of the `cuda:N` domains.
pub static CUDA_MEMORY: CudaMemory = CudaMemory;

impl MemoryBackend for CudaMemory {
    fn kind(&self) -> DomainKind {
        DomainKind::Cuda
    }

    fn check(&self, device: u16) -> Result<(), String> {
        check_device(device)
    }

    fn create_pool(&self, req: PoolRequest) -> Result<Pool, AllocError> {
        let pool = DevicePool::create(req.ros_domain, req.device, req.size, req.creator)?;
        Ok(pool)
    }

    fn open_pool(&self, ros_domain: u32, id: u64) -> Result<Pool, SegmentError> {
        Ok(DevicePool::open(ros_domain, id)?)
    }

    fn copy(&self, (from, src): PoolBlock<'_>, (to, dst): PoolBlock<'_>) -> Result<u64, CopyError> {
        check_lengths(src, dst)?;
        copy(from, src, to, dst)
    }

    fn pin(&self, host: &dyn Allocator, device: u16) -> bool {
        if let Ok(dev) = device_of(Domain::cuda(device)) {
            pin(host, dev);
        }
        host.pin_slot().is_some_and(|s| s.is_pinned())
    }
}

/// Raw device-to-host bandwidth (bytes per second) of `device` into page-locked host memory:
/// `iters` copies of `bytes` from a device pool into a registered host arena, each on a stream
/// and waited for with an event — the same driver path hazcat's copies take, without any queue
/// bookkeeping. The yardstick for hazcat's host-subscriber copy throughput (benchmarks).
pub fn raw_dtoh_bandwidth(device: u16, bytes: usize, iters: u32) -> Result<f64, String> {
    let pool =
        DevicePool::create(u32::MAX, device, bytes + 4096, None).map_err(|e| e.to_string())?;
    let host = Arena::create(u32::MAX, Domain::HOST, bytes + 4096).map_err(|e| e.to_string())?;
    pool.shadow.arena.unlink();
    host.unlink();
    let dev = device_of(pool.domain()).map_err(|e| e.to_string())?;
    pin(&host, dev);
    if !host.pin_slot().is_some_and(|s| s.is_pinned()) {
        return Err("could not page-lock the host buffer".into());
    }
    let src = pool.allocate(bytes).map_err(|e| e.to_string())?;
    let dst = host.allocate(bytes).map_err(|e| e.to_string())?;
    let d = host.host_ptr(dst).ok_or("host buffer")?;
    let s = pool.dptr(src).map_err(|e| e.to_string())?;
    // SAFETY: `d` is valid for `bytes` bytes and held exclusively by this function.
    let buf = unsafe { std::slice::from_raw_parts_mut(d, bytes) };
    // SAFETY: `s` is a validated device range of `bytes` bytes in a live mapping.
    unsafe { dev.copy_dtoh(buf, s) }?; // warm-up
    let t = std::time::Instant::now();
    for _ in 0..iters {
        // SAFETY: the same `buf` and `s` as the warm-up copy: a validated device range and a host
        // buffer of `bytes` bytes each, both alive for the whole loop.
        unsafe { dev.copy_dtoh(buf, s) }?;
    }
    Ok(bytes as f64 * f64::from(iters) / t.elapsed().as_secs_f64())
}

fn device_of(domain: Domain) -> Result<&'static driver::Device, CopyError> {
    driver::driver()
        .and_then(|d| d.device(domain.device))
        .map_err(CopyError::Device)
}

/// Page-locks a host pool (once; a failure just leaves it pageable, copies still work).
fn pin(host: &dyn Allocator, dev: &'static driver::Device) {
    if let Some(slot) = host.pin_slot() {
        slot.pin_with(|p, len| {
            // SAFETY: the slot belongs to the pool's mapping of `len` bytes at `p`, and the
            // pool drops the registration (its slot) before unmapping.
            let reg = unsafe { dev.register_host(p, len) }.ok()?;
            Some(Box::new(reg) as PinGuard)
        });
    }
}

/// Copies for pairs where at least one side is device memory. Lengths are checked by the
/// caller. Returns the bytes copied.
fn copy(
    from: &dyn Allocator,
    src: BlockRef,
    to: &dyn Allocator,
    dst: BlockRef,
) -> Result<u64, CopyError> {
    let len = src.len as usize;
    let unsupported = || CopyError::Unsupported {
        from: from.domain(),
        to: to.domain(),
    };
    match (from.device_ptr(src), to.device_ptr(dst)) {
        (Some(s), Some(d)) if from.domain() == to.domain() => {
            let dev = device_of(from.domain())?;
            // SAFETY: both addresses were validated by their pools for `len` bytes and are
            // mapped in this process on this device; the destination block is held
            // exclusively and the source is pinned by the caller.
            unsafe { dev.copy_dtod(d, s, len) }.map_err(CopyError::Device)?;
        }
        (Some(_), Some(_)) => {
            // Two devices: stage through host memory (rare; no peer mappings are set up).
            let mut bounce = vec![0u8; len];
            from.copy_from(src, &mut bounce)?;
            to.copy_to(dst, &bounce)?;
        }
        (Some(s), None) => {
            let d = to.host_ptr(dst).ok_or_else(unsupported)?;
            let dev = device_of(from.domain())?;
            pin(to, dev);
            // SAFETY: `d` is valid for `len` bytes (checked by `host_ptr`) and the destination
            // block is held exclusively by the caller.
            let bytes = unsafe { std::slice::from_raw_parts_mut(d, len) };
            // SAFETY: `s` was validated by its pool for `len` bytes; the source is pinned.
            unsafe { dev.copy_dtoh(bytes, s) }.map_err(CopyError::Device)?;
        }
        (None, Some(d)) => {
            let s = from.host_ptr(src).ok_or_else(unsupported)?;
            let dev = device_of(to.domain())?;
            pin(from, dev);
            // SAFETY: `s` is valid for `len` bytes and pinned by the caller's reference.
            let bytes = unsafe { std::slice::from_raw_parts(s, len) };
            // SAFETY: `d` was validated by its pool for `len` bytes; held exclusively.
            unsafe { dev.copy_htod(d, bytes) }.map_err(CopyError::Device)?;
        }
        (None, None) => return Err(unsupported()),
    }
    Ok(src.len)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Without a GPU (CI), asking for a device must say clearly what is missing.
    #[test]
    fn unavailable_device_is_explained() {
        match device_count() {
            Err(e) => {
                // Straight to stderr: visible even when the test harness captures output.
                let _ = std::io::Write::write_all(
                    &mut std::io::stderr(),
                    format!("SKIPPED: no CUDA device ({e})\n").as_bytes(),
                );
                assert!(
                    e.contains("no CUDA driver")
                        || e.contains("no CUDA device")
                        || e.contains("no usable CUDA device")
                        || e.contains("too old"),
                    "{e}"
                );
                assert_eq!(check_device(0).unwrap_err(), e);
                let err = DevicePool::create(0, 0, 1 << 20, None).unwrap_err();
                assert!(err.to_string().contains(&e), "{err}");
            }
            Ok(n) => {
                let e = check_device(n as u16).unwrap_err();
                assert!(e.contains("does not exist"), "{e}");
            }
        }
    }

    #[test]
    fn shadow_arena_bookkeeping() {
        let arena = Arena::create(4244, Domain::cuda(0), 1 << 20).unwrap();
        let shadow = Shadow { arena };
        let (base, size) = (1u64 << 32, shadow.arena.capacity());
        let mut blocks = Vec::new();
        for len in [0usize, 1, 63, 64, 255, 256, 1000, 4096, 70_000] {
            let b = shadow.allocate(len).unwrap();
            assert_eq!(b.len, len as u64);
            assert_eq!(shadow.block_at(b.offset).unwrap(), b);
            let addr = shadow.device_addr(base, size, b).unwrap();
            assert_eq!(addr % DEVICE_ALIGN, 0, "len {len}");
            assert!(addr >= base + (b.offset - DATA_START));
            assert!(addr + b.len <= base + size);
            blocks.push((b, addr));
        }
        // Device ranges of live blocks never overlap.
        let mut ranges: Vec<(u64, u64)> = blocks.iter().map(|(b, a)| (*a, a + b.len)).collect();
        ranges.sort_unstable();
        assert!(ranges.windows(2).all(|w| w[0].1 <= w[1].0));
        // Reference counts live in the (host) shadow: share, release, free.
        let (b, _) = blocks[6];
        shadow.arena.make_shared(b, 2).unwrap();
        shadow.arena.share(b).unwrap();
        assert!(!shadow.arena.release(b).unwrap());
        assert!(!shadow.arena.release(b).unwrap());
        assert!(shadow.arena.release(b).unwrap());
        assert_eq!(shadow.arena.stats().live_blocks, blocks.len() as u64 - 1);
        // Untrusted references are rejected, and a length beyond the block is refused.
        assert!(shadow.block_at(b.offset + 64).is_err());
        let (c, _) = blocks[2];
        let longer = BlockRef {
            offset: c.offset,
            len: c.len + 1,
        };
        assert!(shadow.device_addr(base, size, longer).is_err());
        // A mapping smaller than the arena claims is caught.
        let (last, _) = blocks[blocks.len() - 1];
        assert!(shadow
            .device_addr(base, last.offset - DATA_START, last)
            .is_err());
        for (b, _) in &blocks {
            let _ = shadow.arena.free_held(*b);
        }
        shadow.arena.unlink();
    }

    #[test]
    fn alignment_padding_covers_the_worst_case() {
        // Payload offsets are 64-byte aligned; moving one up to 256 costs at most 192 bytes.
        for virt in (0..4096u64).step_by(64) {
            let base = 1u64 << 21;
            let addr = round_up(base + virt, DEVICE_ALIGN);
            assert!(addr - (base + virt) <= PAD);
            assert_eq!(addr % DEVICE_ALIGN, 0);
        }
    }
}
