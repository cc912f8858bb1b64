//! One conformance suite for every memory-domain backend ([`MemoryBackend`]): host, emulated and
//! CUDA run the same checks (allocate, copy in/out and between pools, pin a host pool, map a pool
//! in another process, reference counts, untrusted references, cleanup).
//!
//! The CUDA run needs a device; without one (or in a build without the `cuda` feature) it prints
//! a visible `SKIPPED: no CUDA device (<why>)` line on stderr and passes.

mod common;

use std::io::Write;
use std::sync::Arc;

use common::*;
use hazcat_core::alloc::{self, AllocError, Allocator, BlockRef, CopyError, PoolRequest};
use hazcat_core::memory::{self, MemoryBackend, HOST_MEMORY};
use hazcat_core::{naming, os::shm_file, Domain, DomainKind};

const ENTRY: &str = "backend_child";
const POOL: usize = 1 << 20;
const SIZES: [usize; 6] = [1, 63, 256, 1000, 4096, 70_000];

/// A copy between two pools (`MemoryBackend::copy`, `alloc::copy`).
type CopyFn<'a> =
    dyn Fn(&dyn Allocator, BlockRef, &dyn Allocator, BlockRef) -> Result<u64, CopyError> + 'a;

/// A test pool of [`POOL`] bytes on `device`, with no creating participant.
fn request(ros_domain: u32, device: u16) -> PoolRequest {
    PoolRequest {
        ros_domain,
        device,
        size: POOL,
        creator: None,
    }
}

fn pattern(seed: u8, len: usize) -> Vec<u8> {
    (0..len)
        .map(|i| {
            (i as u32)
                .wrapping_mul(131)
                .wrapping_add(u32::from(seed) * 7) as u8
        })
        .collect()
}

fn read(pool: &dyn Allocator, b: BlockRef) -> Vec<u8> {
    let mut out = vec![0; b.len as usize];
    pool.copy_from(b, &mut out).expect("copy out");
    out
}

/// The byte range a block occupies, in host or device addresses.
fn range(pool: &dyn Allocator, b: BlockRef) -> (u64, u64) {
    let start = match (pool.host_ptr(b), pool.device_ptr(b)) {
        (Some(p), _) => p as u64,
        (None, Some(d)) => d,
        (None, None) => panic!("block {b:?} has no address"),
    };
    (start, start + b.len)
}

fn unlink(ros_domain: u32, pool: &dyn Allocator) {
    let _ = shm_file::unlink(&naming::arena(ros_domain, pool.id()));
}

/// Every check, for `backend` on device `device` of its kind.
fn conformance(backend: &'static dyn MemoryBackend, device: u16) {
    let kind = backend.kind();
    let domain = Domain { kind, device };
    let ros_domain = unique_domain();
    assert_eq!(
        memory::backend(kind).map(|b| b.kind()),
        Some(kind),
        "the backend table serves {domain} with this backend"
    );
    backend.check(device).expect("device usable");

    // Allocate: blocks of the asked length, found again by offset, never overlapping.
    let pool = backend
        .create_pool(request(ros_domain, device))
        .expect("create pool");
    assert_eq!(pool.domain(), domain);
    assert_eq!(pool.backend().kind(), kind);
    let blocks: Vec<BlockRef> = SIZES
        .iter()
        .map(|&len| pool.allocate(len).expect("allocate"))
        .collect();
    for (b, &len) in blocks.iter().zip(&SIZES) {
        assert_eq!(b.len, len as u64);
        assert_eq!(pool.block_at(b.offset).expect("block_at"), *b);
        assert_eq!(pool.checked_block(b.offset, b.len).expect("checked"), *b);
    }
    let mut ranges: Vec<(u64, u64)> = blocks.iter().map(|b| range(&*pool, *b)).collect();
    ranges.sort_unstable();
    assert!(ranges.windows(2).all(|w| w[0].1 <= w[1].0), "{ranges:?}");
    assert!(matches!(
        pool.allocate(POOL * 4),
        Err(AllocError::TooLarge { .. } | AllocError::OutOfMemory { .. })
    ));

    // Untrusted references are refused.
    let b = blocks[3];
    assert!(pool.block_at(b.offset + 64).is_err());
    assert!(pool.checked_block(u64::MAX - 8, 16).is_err());
    let mut short = vec![0; 10];
    assert!(matches!(
        pool.copy_from(b, &mut short),
        Err(CopyError::LengthMismatch { .. })
    ));

    // Copy in and out of host bytes.
    for (i, b) in blocks.iter().enumerate() {
        let data = pattern(i as u8, b.len as usize);
        pool.copy_to(*b, &data).expect("copy in");
        assert_eq!(read(&*pool, *b), data);
    }

    // Copies between pools through the backend and through alloc::copy: host -> pool,
    // pool -> host, pool -> pool.
    let host = HOST_MEMORY
        .create_pool(request(ros_domain, 0))
        .expect("host pool");
    let len = 70_000;
    let data = pattern(42, len);
    let hsrc = host.allocate(len).unwrap();
    host.copy_to(hsrc, &data).unwrap();
    let check_copies = |copy: &CopyFn| {
        let (d1, d2, h) = (
            pool.allocate(len).unwrap(),
            pool.allocate(len).unwrap(),
            host.allocate(len).unwrap(),
        );
        assert_eq!(copy(&*host, hsrc, &*pool, d1).expect("copy in"), len as u64);
        assert_eq!(read(&*pool, d1), data);
        assert_eq!(
            copy(&*pool, d1, &*pool, d2).expect("copy within"),
            len as u64
        );
        assert_eq!(read(&*pool, d2), data);
        assert_eq!(copy(&*pool, d2, &*host, h).expect("copy out"), len as u64);
        assert_eq!(read(&*host, h), data);
        assert!(matches!(
            copy(&*pool, d1, &*host, BlockRef { len: 10, ..h }),
            Err(CopyError::LengthMismatch { .. })
        ));
        for b in [d1, d2] {
            pool.free_held(b).unwrap();
        }
        host.free_held(h).unwrap();
    };
    check_copies(&|f, s, t, d| backend.copy((f, s), (t, d)));
    check_copies(&|f, s, t, d| alloc::copy(f, s, t, d));

    // Pin: once, idempotent, reported as the pool's registration; copies still work.
    let pinned = backend.pin(&*host, device);
    assert_eq!(backend.pin(&*host, device), pinned);
    assert_eq!(
        pinned,
        host.pin_slot().is_some_and(|s| s.is_pinned()),
        "pin reports the host pool's registration"
    );
    if kind != DomainKind::Cuda {
        assert!(!pinned, "host memory has nothing to register");
    }
    check_copies(&|f, s, t, d| backend.copy((f, s), (t, d)));

    // Map in this process (a second endpoint) and in another process.
    let again = backend.open_pool(ros_domain, pool.id()).expect("open");
    assert_eq!((again.domain(), again.id()), (domain, pool.id()));
    assert_eq!(read(&*again, blocks[4]), pattern(4, blocks[4].len as usize));
    drop(again);
    let shared = blocks[5];
    pool.make_shared(shared, 1).unwrap();
    let mut child = spawn(
        ENTRY,
        "open",
        &[
            ("ROS_DOMAIN", ros_domain.to_string()),
            ("DOMAIN", domain.to_string()),
            ("POOL", pool.id().to_string()),
            ("OFFSET", shared.offset.to_string()),
            ("LEN", shared.len.to_string()),
        ],
    );
    assert_eq!(child.expect("read"), "5");
    child.send("release");
    child.expect("released");
    child.join();
    // The child took a reference and dropped it: ours is the last one.
    assert!(pool.release(shared).expect("release"));

    // Reference counts: shared blocks are freed by the last release.
    let b = blocks[0];
    pool.make_shared(b, 2).unwrap();
    pool.share(b).unwrap();
    assert!(!pool.release(b).unwrap());
    assert!(!pool.release(b).unwrap());
    assert!(pool.release(b).unwrap());
    assert!(pool.release(b).is_err(), "a freed block cannot be released");

    // Cleanup: nothing left once the pools are unlinked and dropped.
    unlink(ros_domain, &*pool);
    unlink(ros_domain, &*host);
    drop((pool, host));
    assert!(shm_objects(ros_domain).is_empty());
}

#[test]
#[ignore = "child process entry point; run by the other tests"]
fn backend_child() {
    let Some(role) = role() else { return };
    assert_eq!(role, "open");
    let ros_domain: u32 = arg("ROS_DOMAIN");
    let domain: Domain = arg("DOMAIN");
    let backend = memory::backend(domain.kind).expect("backend in this build");
    let pool: Arc<dyn Allocator> = backend
        .open_pool(ros_domain, arg("POOL"))
        .expect("map the pool in another process");
    assert_eq!(pool.domain(), domain);
    assert!(matches!(pool.allocate(16), Err(AllocError::NotOwner)));
    let b = pool
        .checked_block(arg("OFFSET"), arg("LEN"))
        .expect("block");
    pool.share(b).expect("reference from another process");
    assert_eq!(read(&*pool, b), pattern(5, b.len as usize));
    say("read 5");
    assert_eq!(listen(), "release");
    assert!(!pool.release(b).expect("release"));
    say("released");
}

#[test]
fn host_backend() {
    conformance(&HOST_MEMORY, 0);
}

#[test]
fn emulated_backend() {
    conformance(&memory::EMULATED_MEMORY, 1);
}

#[test]
fn cuda_backend() {
    let Some(backend) = memory::backend(DomainKind::Cuda) else {
        skip("this build has no `cuda` feature");
        return;
    };
    if let Err(e) = backend.check(0) {
        skip(&e);
        return;
    }
    conformance(backend, 0);
}

/// Straight to stderr: visible even when the test harness captures output.
fn skip(why: &str) {
    let _ = writeln!(std::io::stderr(), "SKIPPED: no CUDA device ({why})");
}
