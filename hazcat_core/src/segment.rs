//! A mapped shared-memory object with a validated header and bounds-checked typed access.
//!
//! Every object hazcat creates starts with a [`SegmentHeader`]. Opening checks magic, layout
//! version, kind and size before anything else is read; every later access goes through
//! [`Segment::get`] / [`Segment::slice`], which check bounds and alignment, so a corrupt or
//! hostile object yields an error instead of undefined behaviour.

use std::fmt;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};

use crate::os::shm_file::{self, Mapping};

/// First 8 bytes of every hazcat object.
pub const MAGIC: u64 = u64::from_le_bytes(*b"HAZCAT\x00\x01");
/// Bumped on every change of any shared layout.
pub const LAYOUT_VERSION: u32 = 7;

/// Marker for `#[repr(C)]` types that may live in shared memory: every bit pattern is valid and
/// all mutable state is atomic, so references to them stay sound while other processes write.
///
/// # Safety
/// Implementors must be `#[repr(C)]`, contain only atomics, integers or byte arrays, and have no
/// invariants beyond those of their fields.
pub unsafe trait ShmSafe: Sized {}

// SAFETY: atomics are valid for every bit pattern and designed for concurrent mutation.
unsafe impl ShmSafe for AtomicU32 {}
// SAFETY: like AtomicU32: every bit pattern is a valid value, and concurrent mutation is what
// the type is for.
unsafe impl ShmSafe for AtomicU64 {}

/// Bytes stored as little-endian words (gids, type hashes): the value of `words`, as `N` bytes.
pub(crate) fn load_bytes<const N: usize>(words: &[AtomicU64]) -> [u8; N] {
    let mut out = [0u8; N];
    for (chunk, w) in out.chunks_mut(8).zip(words) {
        chunk.copy_from_slice(&w.load(Ordering::Relaxed).to_le_bytes()[..chunk.len()]);
    }
    out
}

/// What a segment holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u32)]
pub enum SegmentKind {
    /// Per-ROS-domain registry: participants, wakers, graph.
    Registry = 1,
    /// Per-topic queue.
    Topic = 2,
    /// A memory pool (arena) of message blocks.
    Arena = 3,
}

/// Header at offset 0 of every segment (32 bytes).
#[repr(C)]
pub struct SegmentHeader {
    magic: AtomicU64,
    version: AtomicU32,
    kind: AtomicU32,
    size: AtomicU64,
    creator_pid: AtomicU32,
    _reserved: AtomicU32,
}
// SAFETY: repr(C), atomics only.
unsafe impl ShmSafe for SegmentHeader {}
const _: () = assert!(std::mem::size_of::<SegmentHeader>() == 32);

/// Why a segment could not be opened or used.
#[derive(Debug)]
pub enum SegmentError {
    /// The operating system refused (`op` names the call).
    Io {
        /// Operation that failed.
        op: &'static str,
        /// Object name.
        name: String,
        /// Underlying error.
        source: std::io::Error,
    },
    /// The shm directory has no room for the memory an object needs (reserved before use, so
    /// running out is this error and never SIGBUS).
    NoSpace {
        /// The shm directory.
        dir: String,
        /// Object name.
        name: String,
        /// Bytes the operation tried to reserve.
        needed: u64,
        /// Bytes free in the directory's file system when it failed.
        free: u64,
        /// Size of that file system.
        size: u64,
    },
    /// The object exists but its contents are not a valid hazcat segment of the expected kind.
    Corrupt {
        /// Object name.
        name: String,
        /// What was wrong.
        what: String,
    },
}

impl fmt::Display for SegmentError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SegmentError::Io { op, name, source } => {
                write!(f, "{op} of shared memory '{name}' failed: {source}")
            }
            SegmentError::NoSpace {
                dir,
                name,
                needed,
                free,
                size,
            } => write!(
                f,
                "shared memory directory '{dir}' is full: need {needed} bytes for '{name}', \
                 {free} of {size} bytes free (enlarge it, e.g. docker run --shm-size=512m, \
                 or point HAZCAT_SHM_DIR at a larger tmpfs; `hazcat doctor` shows the use)"
            ),
            SegmentError::Corrupt { name, what } => {
                write!(f, "shared memory '{name}' is corrupt: {what}")
            }
        }
    }
}

impl std::error::Error for SegmentError {}

impl SegmentError {
    /// The error for a failed operation `op` on `name`: [`SegmentError::NoSpace`] when the file
    /// system is full (`needed` bytes were asked for), else [`SegmentError::Io`].
    pub(crate) fn from_io(
        op: &'static str,
        name: &str,
        needed: usize,
        source: std::io::Error,
    ) -> SegmentError {
        if source.raw_os_error() == Some(libc::ENOSPC) {
            let (size, free) = shm_file::space().unwrap_or((0, 0));
            return SegmentError::NoSpace {
                dir: shm_file::shm_dir(),
                name: name.to_owned(),
                needed: needed as u64,
                free,
                size,
            };
        }
        SegmentError::Io {
            op,
            name: name.to_owned(),
            source,
        }
    }

    /// Whether the error means the shm directory is full.
    pub fn is_no_space(&self) -> bool {
        matches!(self, SegmentError::NoSpace { .. })
    }

    /// Whether the error means "no object of that name".
    pub fn is_not_found(&self) -> bool {
        matches!(self, SegmentError::Io { source, .. } if source.kind() == std::io::ErrorKind::NotFound)
    }
}

/// A mapped, validated hazcat segment.
#[derive(Debug)]
pub struct Segment {
    map: MapOrView,
    name: String,
}

/// A segment owns its mapping, except the transient one handed to `create`'s initialiser.
#[derive(Debug)]
enum MapOrView {
    Map(Mapping),
    View(SegmentView),
}

impl MapOrView {
    #[inline]
    fn as_ptr(&self) -> *mut u8 {
        match self {
            MapOrView::Map(m) => m.as_ptr(),
            MapOrView::View(v) => v.base,
        }
    }

    #[inline]
    fn len(&self) -> usize {
        match self {
            MapOrView::Map(m) => m.len(),
            MapOrView::View(v) => v.len,
        }
    }

    fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl Segment {
    /// Creates `name` with `len` bytes, all reserved (see [`Segment::create_with`]), writes the
    /// header, runs `init`, publishes atomically. `Ok(None)` when an object of that name already
    /// exists.
    pub fn create(
        name: &str,
        kind: SegmentKind,
        len: usize,
        init: impl FnOnce(&Segment) -> Result<(), SegmentError>,
    ) -> Result<Option<Segment>, SegmentError> {
        Segment::create_with(name, kind, len, len, false, init)
    }

    /// [`Segment::create`] of a sparse object: only the first `reserve` bytes get their backing
    /// store now (the rest is reserved with [`Segment::reserve`] before first use); the file
    /// descriptor stays open when `keep_fd` (see [`Segment::fd`]). A full shm directory is
    /// [`SegmentError::NoSpace`].
    pub fn create_with(
        name: &str,
        kind: SegmentKind,
        len: usize,
        reserve: usize,
        keep_fd: bool,
        init: impl FnOnce(&Segment) -> Result<(), SegmentError>,
    ) -> Result<Option<Segment>, SegmentError> {
        let io = |source| SegmentError::from_io("create", name, reserve, source);
        let fresh = shm_file::create_unpublished(len, reserve).map_err(io)?;
        // Initialise through a temporary Segment that borrows the unpublished mapping.
        let view = SegmentView {
            base: fresh.mapping().as_ptr(),
            len: fresh.mapping().len(),
        };
        {
            let hdr: &SegmentHeader = view.get(0).map_err(|what| SegmentError::Corrupt {
                name: name.to_owned(),
                what,
            })?;
            hdr.version.store(LAYOUT_VERSION, Ordering::Relaxed);
            hdr.kind.store(kind as u32, Ordering::Relaxed);
            hdr.size.store(len as u64, Ordering::Relaxed);
            hdr.creator_pid.store(std::process::id(), Ordering::Relaxed);
            init(&Segment::borrowed(view, name))?;
            hdr.magic.store(MAGIC, Ordering::Release);
        }
        match fresh.publish(name, keep_fd).map_err(io)? {
            Some(map) => Ok(Some(Segment {
                map: MapOrView::Map(map),
                name: name.to_owned(),
            })),
            None => Ok(None),
        }
    }

    fn borrowed(view: SegmentView, name: &str) -> Segment {
        Segment {
            map: MapOrView::View(view),
            name: name.to_owned(),
        }
    }

    /// Opens and validates the existing segment `name` of the given kind.
    pub fn open(name: &str, kind: SegmentKind) -> Result<Segment, SegmentError> {
        Segment::open_with(name, kind, false)
    }

    /// [`Segment::open`], keeping the file descriptor open when `keep_fd` (see [`Segment::fd`]).
    pub fn open_with(
        name: &str,
        kind: SegmentKind,
        keep_fd: bool,
    ) -> Result<Segment, SegmentError> {
        let map = shm_file::open_with(name, keep_fd).map_err(|source| SegmentError::Io {
            op: "open",
            name: name.to_owned(),
            source,
        })?;
        let seg = Segment {
            map: MapOrView::Map(map),
            name: name.to_owned(),
        };
        let corrupt = |what: String| {
            log::warn!("{name}: not opened, corrupt: {what}");
            SegmentError::Corrupt {
                name: name.to_owned(),
                what,
            }
        };
        let hdr: &SegmentHeader = seg
            .get(0)
            .map_err(|_| corrupt("shorter than its header".into()))?;
        let magic = hdr.magic.load(Ordering::Acquire);
        if magic != MAGIC {
            return Err(corrupt(format!("bad magic {magic:#018x}")));
        }
        let version = hdr.version.load(Ordering::Relaxed);
        if version != LAYOUT_VERSION {
            return Err(corrupt(format!(
                "layout version {version}, this build uses {LAYOUT_VERSION}"
            )));
        }
        let k = hdr.kind.load(Ordering::Relaxed);
        if k != kind as u32 {
            return Err(corrupt(format!("kind {k}, expected {}", kind as u32)));
        }
        let size = hdr.size.load(Ordering::Relaxed);
        if size != seg.len() as u64 {
            return Err(corrupt(format!(
                "header size {size} but object is {} bytes",
                seg.len()
            )));
        }
        Ok(seg)
    }

    /// The object's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The error for contents of this segment that are not what its layout says (`what`).
    pub(crate) fn corrupt(&self, what: impl Into<String>) -> SegmentError {
        SegmentError::Corrupt {
            name: self.name.clone(),
            what: what.into(),
        }
    }

    /// The object's file descriptor, when it was opened or created keeping it.
    pub fn fd(&self) -> Option<std::os::fd::BorrowedFd<'_>> {
        match &self.map {
            MapOrView::Map(m) => m.fd(),
            MapOrView::View(_) => None,
        }
    }

    /// Mapped length.
    pub fn len(&self) -> usize {
        self.map.len()
    }

    /// Whether the mapping is empty (never for a valid segment).
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    #[inline]
    fn view(&self) -> SegmentView {
        SegmentView {
            base: self.map.as_ptr(),
            len: self.map.len(),
        }
    }

    /// A reference to the `T` at byte offset `off`, bounds- and alignment-checked.
    #[inline]
    pub fn get<T: ShmSafe>(&self, off: usize) -> Result<&T, SegmentError> {
        self.view().get(off).map_err(|what| SegmentError::Corrupt {
            name: self.name.clone(),
            what,
        })
    }

    /// `count` consecutive `T`s starting at `off`, bounds- and alignment-checked.
    #[inline]
    pub fn slice<T: ShmSafe>(&self, off: usize, count: usize) -> Result<&[T], SegmentError> {
        self.view()
            .slice(off, count)
            .map_err(|what| SegmentError::Corrupt {
                name: self.name.clone(),
                what,
            })
    }

    /// Raw pointer to `len` bytes at `off` after a bounds check. The bytes may be written by other
    /// processes at any time; callers copy them out or hand them to users under the queue's
    /// ownership rules (a block is never reused while referenced).
    pub fn bytes_ptr(&self, off: usize, len: usize) -> Result<*mut u8, SegmentError> {
        match off.checked_add(len) {
            Some(end) if end <= self.len() => Ok(self.map.as_ptr().wrapping_add(off)),
            _ => Err(SegmentError::Corrupt {
                name: self.name.clone(),
                what: format!("byte range {off}+{len} outside segment of {}", self.len()),
            }),
        }
    }

    /// Whether another process truncated or shrank the object under this mapping (see
    /// [`crate::os::fault`]): its contents can no longer be trusted.
    pub fn damaged(&self) -> bool {
        match &self.map {
            MapOrView::Map(m) => m.damaged(),
            MapOrView::View(_) => false,
        }
    }

    /// [`Segment::damaged`], also comparing the object's size with the mapping when the
    /// descriptor is kept (a system call; for slow paths such as a waiter's periodic check).
    pub fn probe_damaged(&self) -> bool {
        match &self.map {
            MapOrView::Map(m) => m.probe_damaged(),
            MapOrView::View(_) => false,
        }
    }

    /// `Err` naming the object when it is [`Segment::damaged`].
    pub fn check_intact(&self) -> Result<(), SegmentError> {
        if self.damaged() {
            return Err(self.corrupt("truncated or shrunk by another process while in use"));
        }
        Ok(())
    }

    /// Reserves the backing store of bytes `off..off + len` (whole pages) so that touching them
    /// cannot raise SIGBUS: a full shm directory is [`SegmentError::NoSpace`]. Idempotent; safe
    /// while peers use the pages.
    pub fn reserve(&self, off: usize, len: usize) -> Result<(), SegmentError> {
        match &self.map {
            MapOrView::Map(m) => shm_file::populate(m, &self.name, off, len).map_err(|e| {
                let page = shm_file::page_size();
                let pages = (off + len).div_ceil(page) - off / page;
                SegmentError::from_io("reserve", &self.name, pages * page, e)
            }),
            // During `create`'s initialiser only the reserved prefix may be touched.
            MapOrView::View(_) => Ok(()),
        }
    }

    /// Whether the segment's name currently refers to this very object.
    pub fn names_this_object(&self) -> bool {
        match &self.map {
            MapOrView::Map(m) => shm_file::file_id_of(&self.name).is_ok_and(|id| id == m.file_id()),
            MapOrView::View(_) => false,
        }
    }

    /// Removes the name of this segment if it still names this very object (mappings stay valid).
    pub fn unlink(&self) {
        if let MapOrView::Map(m) = &self.map {
            let _ = shm_file::unlink_if_same(&self.name, m.file_id());
        }
    }
}

/// Unchecked base/len pair used during initialisation and by `Segment`'s accessors.
#[derive(Clone, Copy, Debug)]
struct SegmentView {
    base: *mut u8,
    len: usize,
}

impl SegmentView {
    #[inline]
    fn get<'a, T: ShmSafe>(&self, off: usize) -> Result<&'a T, String> {
        match off.checked_add(size_of::<T>()) {
            Some(end)
                if end <= self.len
                    && (self.base as usize + off).is_multiple_of(align_of::<T>()) =>
            {
                // SAFETY: the range is inside the live mapping and aligned (checked above); T is
                // ShmSafe (valid for every bit pattern, mutated only through atomics); the mapping
                // outlives the reference (borrowed from its Segment).
                Ok(unsafe { &*self.base.add(off).cast::<T>() })
            }
            _ => Err(format!(
                "{} bytes at offset {off} outside or misaligned in a segment of {} bytes",
                size_of::<T>(),
                self.len
            )),
        }
    }

    #[inline]
    fn slice<'a, T: ShmSafe>(&self, off: usize, count: usize) -> Result<&'a [T], String> {
        let size = std::mem::size_of::<T>()
            .checked_mul(count)
            .ok_or("size overflow")?;
        let end = off.checked_add(size).ok_or("offset overflow")?;
        if end > self.len {
            return Err(format!(
                "range {off}..{end} outside segment of {} bytes",
                self.len
            ));
        }
        let ptr = self.base.wrapping_add(off);
        if !(ptr as usize).is_multiple_of(std::mem::align_of::<T>()) {
            return Err(format!("offset {off} misaligned"));
        }
        // SAFETY: the range is inside the live mapping (checked above), aligned, and T: ShmSafe
        // is valid for every bit pattern and only mutated through atomics. The mapping outlives
        // the reference because callers borrow it from a `Segment` (or use it during `create`).
        Ok(unsafe { std::slice::from_raw_parts(ptr.cast::<T>(), count) })
    }
}

// SAFETY: a view points into a shared mapping that is only accessed through atomics and
// bounds-checked copies; it is only constructed for the duration of `Segment::create`'s `init`.
unsafe impl Send for SegmentView {}
// SAFETY: see `Send`.
unsafe impl Sync for SegmentView {}

/// A table of fixed-size rows at a fixed offset of a sparse segment. Only its first rows are
/// backed by reserved memory; how many is a word in the segment's header that only grows and is
/// raised only after those rows' pages were reserved, so any process may touch the rows below it
/// (and touches none above: accessors check the word). Tables grow geometrically, in whole pages.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Table {
    /// Byte offset of row 0.
    pub off: usize,
    /// Bytes per row.
    pub row: usize,
    /// Rows the layout has room for.
    pub max: usize,
}

impl Table {
    /// Rows backed (the word is read from shared memory, so it is clamped to the layout).
    #[inline]
    pub(crate) fn backed(&self, word: &AtomicU32) -> usize {
        (word.load(Ordering::Acquire) as usize).min(self.max)
    }

    /// Byte offset of row `i`, if it is backed.
    #[inline]
    pub(crate) fn offset(&self, word: &AtomicU32, i: usize) -> Option<usize> {
        (i < self.backed(word)).then(|| self.off + i * self.row)
    }

    /// Makes at least `rows` rows backed (at most [`Table::max`]; callers compare
    /// [`Table::backed`] with what they need afterwards). Growth reserves at least a quarter more
    /// than is backed, so growing row by row costs O(1) amortised. Safe to call concurrently.
    pub(crate) fn ensure(
        &self,
        seg: &Segment,
        word: &AtomicU32,
        rows: usize,
    ) -> Result<(), SegmentError> {
        let have = self.backed(word);
        if rows <= have || have >= self.max {
            return Ok(());
        }
        let want = rows.max(have + have / 4).min(self.max);
        let start = self.off + have * self.row;
        let page = shm_file::page_size();
        let end = (self.off + want * self.row).div_ceil(page) * page;
        seg.reserve(start, end - start)?;
        let covered = ((end - self.off) / self.row).min(self.max);
        word.fetch_max(covered as u32, Ordering::AcqRel);
        Ok(())
    }
}
