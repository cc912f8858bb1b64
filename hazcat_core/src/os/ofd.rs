//! Open-file-description byte-range locks (`F_OFD_SETLK` / `F_OFD_GETLK`): the kernel-tracked
//! liveness beacon of a participant.
//!
//! A participant holds a write lock on one byte of a file every participant of its domain has
//! open. The lock belongs to the open file description, so the kernel drops it when the last
//! descriptor referring to it is closed, in particular when the process dies however it dies.
//! Any other open file description of the same file sees the lock with `F_OFD_GETLK`, whatever PID
//! namespace either process lives in, and a recycled pid cannot inherit it. A forked child that
//! does not `exec` shares the description and so keeps the lock alive while it lives.

use std::io;
use std::os::fd::{AsRawFd, BorrowedFd};

fn flock_for(kind: libc::c_short, byte: u64) -> io::Result<libc::flock> {
    // SAFETY: `flock` is plain old data; all-zero is a valid value (l_pid must be 0 for OFD).
    let mut fl: libc::flock = unsafe { std::mem::zeroed() };
    fl.l_type = kind;
    fl.l_whence = libc::SEEK_SET as libc::c_short;
    fl.l_start = libc::off_t::try_from(byte).map_err(|_| io::ErrorKind::InvalidInput)?;
    fl.l_len = 1;
    Ok(fl)
}

/// Tries to take the write lock on byte `byte` of `fd`'s file for `fd`'s open file description.
/// Returns `Ok(false)` when another open file description holds a conflicting lock.
pub fn try_lock(fd: BorrowedFd<'_>, byte: u64) -> io::Result<bool> {
    let mut fl = flock_for(libc::F_WRLCK as libc::c_short, byte)?;
    // SAFETY: valid descriptor and a pointer to an initialised `flock` that outlives the call.
    if unsafe { libc::fcntl(fd.as_raw_fd(), libc::F_OFD_SETLK, &mut fl) } == 0 {
        return Ok(true);
    }
    let err = io::Error::last_os_error();
    match err.raw_os_error() {
        Some(libc::EAGAIN) | Some(libc::EACCES) => Ok(false),
        _ => Err(err),
    }
}

/// Releases the lock on byte `byte` held by `fd`'s open file description (no-op if none).
pub fn unlock(fd: BorrowedFd<'_>, byte: u64) -> io::Result<()> {
    let mut fl = flock_for(libc::F_UNLCK as libc::c_short, byte)?;
    // SAFETY: valid descriptor and a pointer to an initialised `flock` that outlives the call.
    if unsafe { libc::fcntl(fd.as_raw_fd(), libc::F_OFD_SETLK, &mut fl) } == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

/// Whether an open file description *other than* `fd`'s holds a lock on byte `byte` (the kernel
/// never reports the caller's own description as a conflict).
pub fn is_locked_by_other(fd: BorrowedFd<'_>, byte: u64) -> io::Result<bool> {
    let mut fl = flock_for(libc::F_WRLCK as libc::c_short, byte)?;
    // SAFETY: valid descriptor and a pointer to an initialised `flock` the kernel overwrites.
    if unsafe { libc::fcntl(fd.as_raw_fd(), libc::F_OFD_GETLK, &mut fl) } != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(fl.l_type != libc::F_UNLCK as libc::c_short)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::fd::AsFd;

    #[test]
    fn two_descriptions_of_one_file_see_each_others_locks() {
        let dir = std::env::temp_dir().join(format!("hazcat-ofd-{}", std::process::id()));
        let a = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(true)
            .open(&dir)
            .unwrap();
        let b = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .open(&dir)
            .unwrap();
        std::fs::remove_file(&dir).unwrap();
        assert!(!is_locked_by_other(b.as_fd(), 3).unwrap());
        assert!(try_lock(a.as_fd(), 3).unwrap());
        // The holder's own description reports no conflict; another one does.
        assert!(!is_locked_by_other(a.as_fd(), 3).unwrap());
        assert!(is_locked_by_other(b.as_fd(), 3).unwrap());
        assert!(!is_locked_by_other(b.as_fd(), 4).unwrap());
        assert!(!try_lock(b.as_fd(), 3).unwrap());
        drop(a);
        // Closing the holder's last descriptor drops the lock.
        assert!(!is_locked_by_other(b.as_fd(), 3).unwrap());
        assert!(try_lock(b.as_fd(), 3).unwrap());
        unlock(b.as_fd(), 3).unwrap();
    }
}
