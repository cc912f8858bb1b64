//! Named shared-memory files in the shm directory (see [`super::shm_dir`]) and their mappings.
//!
//! Objects are created unnamed (`O_TMPFILE`), fully initialised, then published under their name
//! with `linkat`: another process can never open a half-initialised object, and a creator killed
//! during initialisation leaves nothing behind. Every operation works relative to the held-open
//! directory, never through its path.

use std::ffi::CString;
use std::io;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, FromRawFd, OwnedFd};
use std::ptr::NonNull;

use super::shm_dir::{self, Dir};
pub use super::shm_dir::{describe, DirInfo, Origin, Squatted};

/// Directory holding the shared-memory objects: `HAZCAT_SHM_DIR`, else the per-user directory
/// `/dev/shm/hazcat-<uid>` (or its fallback; see [`super::shm_dir`]). For messages and tools;
/// when no directory is usable, the path that would have been used.
pub fn shm_dir() -> String {
    shm_dir::path()
}

fn name_of(name: &str) -> io::Result<CString> {
    if name.is_empty() || name.contains('/') || name.len() > 250 {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "invalid shm object name",
        ));
    }
    CString::new(name)
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "NUL in shm object name"))
}

/// Runs `op` in the shm directory (created first when absent and `create`). When it fails with
/// ENOENT because the per-user directory was removed meanwhile (the last process of a domain
/// removes it), resolves it again, re-creating it when `create`, and retries (up to 64 times: each
/// retry needs another process to re-create and remove the directory in between).
fn in_dir<T>(create: bool, op: impl Fn(&Dir) -> io::Result<T>) -> io::Result<T> {
    let mut tries = 0;
    loop {
        let dir = shm_dir::dir(create)?;
        match op(&dir) {
            Err(e) if e.raw_os_error() == Some(libc::ENOENT) && tries < 64 && dir.removed() => {
                tries += 1;
            }
            other => return other,
        }
    }
}

/// Opens the existing object `name` (read-write, never following a symbolic link).
fn open_fd(name: &str) -> io::Result<OwnedFd> {
    let name = name_of(name)?;
    in_dir(false, |d| {
        // SAFETY: valid directory descriptor and C string; flags do not create anything.
        let fd = cvt(unsafe {
            libc::openat(
                d.fd().as_raw_fd(),
                name.as_ptr(),
                libc::O_RDWR | libc::O_CLOEXEC | libc::O_NOFOLLOW,
            )
        })?;
        // SAFETY: fd just opened and owned here.
        Ok(unsafe { OwnedFd::from_raw_fd(fd) })
    })
}

/// `stat` of the object `name` (not following a symbolic link).
fn stat_of(name: &str) -> io::Result<libc::stat> {
    let name = name_of(name)?;
    in_dir(false, |d| {
        // SAFETY: a zeroed stat is a valid out-parameter.
        let mut st: libc::stat = unsafe { std::mem::zeroed() };
        // SAFETY: valid directory descriptor, C string and out-pointer.
        cvt(unsafe {
            libc::fstatat(
                d.fd().as_raw_fd(),
                name.as_ptr(),
                &mut st,
                libc::AT_SYMLINK_NOFOLLOW,
            )
        })?;
        Ok(st)
    })
}

fn cvt(ret: libc::c_int) -> io::Result<libc::c_int> {
    if ret < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(ret)
    }
}

/// A shared mapping of a whole file; unmapped on drop.
#[derive(Debug)]
pub struct Mapping {
    ptr: NonNull<u8>,
    len: usize,
    /// `(st_dev, st_ino)` of the mapped file: identifies the object even after its name is reused.
    file_id: (u64, u64),
    /// The descriptor, when the owner asked to keep it (for OFD locks); closed on drop.
    fd: Option<OwnedFd>,
    /// Turns a SIGBUS from a peer's truncation into a damaged flag (see [`super::fault`]).
    watch: Option<super::fault::Watch>,
}

// SAFETY: the mapping is plain shared memory; all access goes through atomics or bounds-checked
// byte copies in the layers above, so moving or sharing the handle between threads is sound.
unsafe impl Send for Mapping {}
// SAFETY: see `Send`.
unsafe impl Sync for Mapping {}

impl Mapping {
    /// Base address of the mapping.
    pub fn as_ptr(&self) -> *mut u8 {
        self.ptr.as_ptr()
    }

    /// Length in bytes.
    pub fn len(&self) -> usize {
        self.len
    }

    /// `(device, inode)` of the mapped file.
    pub fn file_id(&self) -> (u64, u64) {
        self.file_id
    }

    /// Whether the mapping is empty (never true for a mapped object).
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The file's descriptor, if it was kept open ([`open_with`], [`Unpublished::publish`]).
    pub fn fd(&self) -> Option<BorrowedFd<'_>> {
        self.fd.as_ref().map(AsFd::as_fd)
    }

    /// Whether an access to this mapping faulted because another process truncated or shrank
    /// the object: pages past its end read as zeros here, and the object must not be trusted
    /// any more. One atomic load.
    pub fn damaged(&self) -> bool {
        self.watch.as_ref().is_some_and(|w| w.damaged())
    }

    /// [`Mapping::damaged`], also comparing the object's current size with the mapping when the
    /// descriptor is kept (one `fstat`): finds a truncation before anything touches it.
    pub fn probe_damaged(&self) -> bool {
        let Some(w) = &self.watch else { return false };
        if w.damaged() {
            return true;
        }
        if let Some(fd) = &self.fd {
            // SAFETY: zeroed stat is a valid out-parameter for fstat.
            let mut st: libc::stat = unsafe { std::mem::zeroed() };
            // SAFETY: valid fd and out-pointer.
            if unsafe { libc::fstat(fd.as_raw_fd(), &mut st) } == 0
                && (st.st_size as u64) < self.len as u64
            {
                w.set_damaged();
                return true;
            }
        }
        false
    }
}

impl Drop for Mapping {
    fn drop(&mut self) {
        // Stop watching before the range can be reused by another mapping.
        drop(self.watch.take());
        // SAFETY: ptr/len came from a successful mmap and are unmapped exactly once.
        unsafe {
            libc::munmap(self.ptr.as_ptr().cast(), self.len);
        }
    }
}

fn file_id(fd: &OwnedFd) -> io::Result<(u64, u64)> {
    // SAFETY: zeroed stat is a valid out-parameter for fstat.
    let mut st: libc::stat = unsafe { std::mem::zeroed() };
    // SAFETY: valid fd and out-pointer.
    cvt(unsafe { libc::fstat(fd.as_raw_fd(), &mut st) })?;
    Ok((st.st_dev, st.st_ino))
}

fn map_fd(fd: &OwnedFd, len: usize) -> io::Result<Mapping> {
    let file_id = file_id(fd)?;
    if len == 0 {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            "empty shm object",
        ));
    }
    // SAFETY: mapping a file descriptor we own, with a non-zero length; the result is checked.
    let ptr = unsafe {
        libc::mmap(
            std::ptr::null_mut(),
            len,
            libc::PROT_READ | libc::PROT_WRITE,
            libc::MAP_SHARED,
            fd.as_raw_fd(),
            0,
        )
    };
    if ptr == libc::MAP_FAILED {
        return Err(io::Error::last_os_error());
    }
    let ptr: NonNull<u8> = NonNull::new(ptr.cast()).ok_or_else(io::Error::last_os_error)?;
    Ok(Mapping {
        watch: super::fault::watch(ptr.as_ptr(), len),
        ptr,
        len,
        file_id,
        fd: None,
    })
}

/// An object created and mapped but not yet visible under any name.
pub struct Unpublished {
    fd: OwnedFd,
    map: Mapping,
}

impl Unpublished {
    /// The mapping, for initialisation before publication.
    pub fn mapping(&self) -> &Mapping {
        &self.map
    }

    /// Makes the object visible as `name`, keeping its descriptor open in the mapping when
    /// `keep_fd`. Returns `Ok(None)` if the name is already taken (the unnamed object is then
    /// discarded).
    pub fn publish(self, name: &str, keep_fd: bool) -> io::Result<Option<Mapping>> {
        let name = name_of(name)?;
        let proc_path = CString::new(format!("/proc/self/fd/{}", self.fd.as_raw_fd()))
            .map_err(|_| io::ErrorKind::InvalidInput)?;
        // The directory the file was created in may be gone by now: linking into the re-created
        // one (same file system) is as good.
        let linked = in_dir(true, |d| {
            // SAFETY: valid C strings and directory descriptor; AT_SYMLINK_FOLLOW links the file
            // the /proc entry refers to (the unnamed tmpfile) under its final name, failing with
            // EEXIST if taken.
            cvt(unsafe {
                libc::linkat(
                    libc::AT_FDCWD,
                    proc_path.as_ptr(),
                    d.fd().as_raw_fd(),
                    name.as_ptr(),
                    libc::AT_SYMLINK_FOLLOW,
                )
            })
        });
        if let Err(err) = linked {
            if err.raw_os_error() == Some(libc::EEXIST) {
                return Ok(None);
            }
            return Err(err);
        }
        let mut map = self.map;
        if keep_fd {
            map.fd = Some(self.fd);
        }
        Ok(Some(map))
    }
}

/// Creates an unnamed object of `len` bytes with mode 0600 in the shm directory and maps it. The
/// first `reserve` bytes (rounded up to whole pages) get their backing store allocated now
/// (`fallocate`), so a full directory fails here with `ENOSPC` instead of raising SIGBUS at the
/// first touch; the rest stays sparse until [`populate`] reserves it.
pub fn create_unpublished(len: usize, reserve: usize) -> io::Result<Unpublished> {
    let fd = in_dir(true, |d| {
        // SAFETY: valid directory descriptor and C string; O_TMPFILE creates an unnamed file we
        // own.
        cvt(unsafe {
            libc::openat(
                d.fd().as_raw_fd(),
                c".".as_ptr(),
                libc::O_TMPFILE | libc::O_RDWR | libc::O_CLOEXEC,
                0o600 as libc::c_uint,
            )
        })
    })?;
    // SAFETY: `fd` was just returned by open and is owned by nobody else.
    let fd = unsafe { OwnedFd::from_raw_fd(fd) };
    // The umask may have removed bits but never adds any; make the mode exact.
    // SAFETY: valid fd.
    cvt(unsafe { libc::fchmod(fd.as_raw_fd(), 0o600) })?;
    let size = i64::try_from(len).map_err(|_| io::ErrorKind::InvalidInput)?;
    // SAFETY: valid fd and a non-negative length.
    cvt(unsafe { libc::ftruncate(fd.as_raw_fd(), size) })?;
    let reserve = page_up(reserve.min(len));
    if reserve > 0 {
        fallocate(&fd, 0, reserve)?;
    }
    let map = map_fd(&fd, len)?;
    Ok(Unpublished { fd, map })
}

/// The system page size.
pub fn page_size() -> usize {
    // SAFETY: sysconf has no preconditions.
    let p = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
    usize::try_from(p).unwrap_or(4096).max(4096)
}

fn page_up(v: usize) -> usize {
    v.div_ceil(page_size()) * page_size()
}

/// Allocates the backing store of bytes `off..off + len` of `fd` (size unchanged).
fn fallocate(fd: &OwnedFd, off: usize, len: usize) -> io::Result<()> {
    let (off, len) = (
        i64::try_from(off).map_err(|_| io::ErrorKind::InvalidInput)?,
        i64::try_from(len).map_err(|_| io::ErrorKind::InvalidInput)?,
    );
    // SAFETY: valid fd; mode 0 only allocates blocks (the range lies inside the file).
    cvt(unsafe { libc::fallocate(fd.as_raw_fd(), 0, off, len) }).map(drop)
}

/// `madvise` advice that faults pages in writable, allocating their backing store, and reports
/// failure as an error instead of SIGBUS (Linux 5.14).
const MADV_POPULATE_WRITE: libc::c_int = 23;

/// Allocates the backing store of bytes `off..off + len` of a mapped object (page-rounded,
/// clamped to the mapping) without changing its contents: once this returns `Ok`, touching those
/// bytes cannot raise SIGBUS for lack of space. A full file system gives `ENOSPC`. Idempotent and
/// safe while other processes use the pages. `name` is the object's name, used on kernels without
/// `MADV_POPULATE_WRITE` when the mapping keeps no descriptor (the object is reopened, and used
/// only if it is still the mapped file).
pub fn populate(map: &Mapping, name: &str, off: usize, len: usize) -> io::Result<()> {
    let page = page_size();
    let start = (off / page) * page;
    let end = page_up(off.saturating_add(len)).min(map.len);
    if start >= end {
        return Ok(());
    }
    // SAFETY: the range lies inside our live mapping; POPULATE_WRITE only faults pages in (it
    // never changes their contents).
    let ret = unsafe {
        libc::madvise(
            map.as_ptr().add(start).cast(),
            end - start,
            MADV_POPULATE_WRITE,
        )
    };
    if ret == 0 {
        return Ok(());
    }
    let err = io::Error::last_os_error();
    match err.raw_os_error() {
        // Kernels before 5.14 do not know the advice: allocate through the descriptor instead.
        Some(libc::EINVAL) => match &map.fd {
            Some(fd) => fallocate(fd, start, end - start),
            None => {
                let fd = open_fd(name)?;
                if file_id(&fd)? != map.file_id {
                    // The name now belongs to another object: ours is being removed anyway.
                    return Err(io::Error::from_raw_os_error(libc::ENOENT));
                }
                fallocate(&fd, start, end - start)
            }
        },
        // "Populating failed because a SIGBUS would have been generated": no space.
        Some(libc::EFAULT) | Some(libc::ENOMEM) => Err(io::Error::from_raw_os_error(libc::ENOSPC)),
        _ => Err(err),
    }
}

/// Size and free bytes of the file system holding the shm directory.
pub fn space() -> io::Result<(u64, u64)> {
    let dir = shm_dir::dir(false)?;
    // SAFETY: zeroed statvfs is a valid out-parameter.
    let mut st: libc::statvfs = unsafe { std::mem::zeroed() };
    // SAFETY: valid descriptor and out-pointer.
    cvt(unsafe { libc::fstatvfs(dir.fd().as_raw_fd(), &mut st) })?;
    let frsize = st.f_frsize as u64;
    Ok((st.f_blocks as u64 * frsize, st.f_bavail as u64 * frsize))
}

/// Opens and maps the existing object `name` (whole file). Refuses objects not owned by this user
/// or accessible by others.
pub fn open(name: &str) -> io::Result<Mapping> {
    open_with(name, false)
}

/// [`open`], keeping the descriptor open in the mapping when `keep_fd` (see [`Mapping::fd`]).
pub fn open_with(name: &str, keep_fd: bool) -> io::Result<Mapping> {
    let fd = open_fd(name)?;
    // SAFETY: zeroed stat is a valid out-parameter for fstat.
    let mut st: libc::stat = unsafe { std::mem::zeroed() };
    // SAFETY: valid fd and out-pointer.
    cvt(unsafe { libc::fstat(fd.as_raw_fd(), &mut st) })?;
    // SAFETY: getuid has no preconditions.
    if st.st_uid != unsafe { libc::getuid() } || st.st_mode & 0o077 != 0 {
        return Err(io::Error::new(
            io::ErrorKind::PermissionDenied,
            format!(
                "{name}: not owned by this user or accessible by others (mode {:o})",
                st.st_mode & 0o777
            ),
        ));
    }
    let mut map = map_fd(
        &fd,
        usize::try_from(st.st_size).map_err(|_| io::ErrorKind::InvalidData)?,
    )?;
    if keep_fd {
        map.fd = Some(fd);
    }
    Ok(map)
}

/// Removes the name `name`; mappings stay valid. A missing name is not an error.
pub fn unlink(name: &str) -> io::Result<()> {
    let name = name_of(name)?;
    let removed = in_dir(false, |d| {
        // SAFETY: valid directory descriptor and C string.
        cvt(unsafe { libc::unlinkat(d.fd().as_raw_fd(), name.as_ptr(), 0) })
    });
    match removed {
        Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
        _ => Ok(()),
    }
}

/// `(device, inode)` of the object now named `name`.
pub fn file_id_of(name: &str) -> io::Result<(u64, u64)> {
    stat_of(name).map(|st| (st.st_dev, st.st_ino))
}

/// Removes the name `name` only if it still refers to the file `file_id` (so a stale handle never
/// removes a newer object that reused the name).
pub fn unlink_if_same(name: &str, file_id: (u64, u64)) -> io::Result<()> {
    match file_id_of(name) {
        Ok(id) if id == file_id => unlink(name),
        Ok(_) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(e),
    }
}

/// File mode bits (`st_mode & 0o777`) of the object `name`.
pub fn mode(name: &str) -> io::Result<u32> {
    Ok(stat_of(name)?.st_mode & 0o777)
}

/// Names in the shm directory starting with `prefix` (none while it does not exist).
pub fn list(prefix: &str) -> Vec<String> {
    let Ok(dir) = shm_dir::dir(false) else {
        return Vec::new();
    };
    // The directory we hold, whatever its path names by now.
    std::fs::read_dir(format!("/proc/self/fd/{}", dir.fd().as_raw_fd()))
        .map(|rd| {
            rd.filter_map(|e| e.ok())
                .filter_map(|e| e.file_name().into_string().ok())
                .filter(|n| n.starts_with(prefix))
                .collect()
        })
        .unwrap_or_default()
}

/// The shm directory's path, creating the per-user directory when absent (for tools and tests
/// that place files there by path).
pub fn ensure_dir() -> io::Result<String> {
    Ok(shm_dir::dir(true)?.path.clone())
}

/// Removes the per-user shm directory if it is empty (the last process of a domain, once that
/// domain's objects are gone); never an explicit `HAZCAT_SHM_DIR`.
pub fn remove_dir_if_empty() {
    shm_dir::remove_if_empty();
}
