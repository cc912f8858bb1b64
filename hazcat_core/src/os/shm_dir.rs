//! Which directory holds the shared-memory objects, chosen so that another user can neither
//! block nor redirect it.
//!
//! `HAZCAT_SHM_DIR`, when set, is used as is: it is the user's explicit choice. Otherwise the
//! objects live in the per-user directory `<base>/hazcat-<euid>`, base `HAZCAT_SHM_BASE` or
//! `/dev/shm`. Anyone may create names in that world-writable base, so the directory is trusted
//! only when it is a real directory (not a symbolic link) owned by this user without group or
//! other permission bits; it is created so (mode 0700) when absent. A name another user took
//! first is *squatted*: the fallback `$XDG_RUNTIME_DIR/hazcat` (per-user and 0700 by design) is
//! used instead, with the same checks, and without it every operation fails with an error naming
//! the squatted path, its owner and the fix. Peers of one user resolve alike, so they still meet.
//!
//! The directory is resolved once per process and held open: objects are created, opened and
//! removed relative to that descriptor, so a path replaced later cannot redirect this process.
//! The last process of a domain removes the per-user directory when it is empty
//! (`remove_if_empty`); a process whose held directory was removed that way resolves (and
//! re-creates) it again (`Dir::removed`).

use std::ffi::CString;
use std::fmt;
use std::io;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, FromRawFd, OwnedFd};
use std::sync::{Arc, Mutex};

/// Names the shm directory explicitly; used as is.
pub const SHM_DIR_ENV: &str = "HAZCAT_SHM_DIR";
/// Parent of the per-user directory when [`SHM_DIR_ENV`] is unset (default [`DEFAULT_BASE`]).
pub const SHM_BASE_ENV: &str = "HAZCAT_SHM_BASE";
/// The default parent of the per-user directory.
pub const DEFAULT_BASE: &str = "/dev/shm";
/// Names the per-user runtime directory holding the fallback.
const FALLBACK_ENV: &str = "XDG_RUNTIME_DIR";

/// A name in the shm base (or of the fallback) that is not a private directory of this user.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Squatted {
    /// The path.
    pub path: String,
    /// What it is: "directory", "symbolic link", "regular file" or "file".
    pub what: &'static str,
    /// Its owner.
    pub owner: u32,
    /// Its permission bits (`st_mode & 0o7777`).
    pub mode: u32,
}

impl fmt::Display for Squatted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "'{}' is a {} owned by uid {} with mode {:o}",
            self.path, self.what, self.owner, self.mode
        )
    }
}

/// How the shm directory was chosen.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Origin {
    /// `HAZCAT_SHM_DIR`.
    Explicit,
    /// The per-user directory in the base.
    PerUser,
    /// `$XDG_RUNTIME_DIR/hazcat`, because the per-user directory is squatted (`None`: it is free
    /// again, but peers that started meanwhile still use the fallback; they must meet).
    Fallback(Option<Squatted>),
}

/// The shm directory as this process would use it now (see [`describe`]).
#[derive(Clone, Debug)]
pub struct DirInfo {
    /// Its path.
    pub path: String,
    /// Why this one.
    pub origin: Origin,
    /// Whether it exists (the per-user one is created by the first object).
    pub exists: bool,
}

/// What resolution depends on; compared on every use, so a changed environment resolves afresh.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Settings {
    explicit: Option<String>,
    base: String,
    fallback: Option<String>,
    euid: u32,
}

/// A held-open shm directory.
#[derive(Debug)]
pub(crate) struct Dir {
    pub(crate) path: String,
    fd: OwnedFd,
    origin: Origin,
}

impl Dir {
    /// The directory's descriptor (for `*at` calls).
    pub(crate) fn fd(&self) -> BorrowedFd<'_> {
        self.fd.as_fd()
    }

    /// Whether the directory was removed since it was opened (no link left).
    pub(crate) fn removed(&self) -> bool {
        fstat(self.fd.as_fd()).is_ok_and(|st| st.st_nlink == 0)
    }
}

/// A resolution: the directory, or where it would be created.
enum Found {
    Dir(Dir),
    Absent { path: String, origin: Origin },
}

/// What a candidate path holds.
enum Check {
    Private(OwnedFd),
    Absent,
    Squatted(Squatted),
}

fn env(key: &str) -> Option<String> {
    std::env::var(key).ok().filter(|v| !v.is_empty())
}

fn c_path(path: &str) -> io::Result<CString> {
    CString::new(path).map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "NUL in path"))
}

fn fstat(fd: BorrowedFd<'_>) -> io::Result<libc::stat> {
    // SAFETY: a zeroed stat is a valid out-parameter.
    let mut st: libc::stat = unsafe { std::mem::zeroed() };
    // SAFETY: valid descriptor and out-pointer.
    if unsafe { libc::fstat(fd.as_raw_fd(), &mut st) } < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(st)
}

fn lstat(path: &CString) -> io::Result<libc::stat> {
    // SAFETY: a zeroed stat is a valid out-parameter.
    let mut st: libc::stat = unsafe { std::mem::zeroed() };
    // SAFETY: valid C string and out-pointer.
    if unsafe { libc::lstat(path.as_ptr(), &mut st) } < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(st)
}

/// `err` with the directory it concerns (the OS error code is kept for ENOSPC, which callers
/// report as a full shm directory).
fn context(path: &str, err: io::Error) -> io::Error {
    if err.raw_os_error() == Some(libc::ENOSPC) {
        return err;
    }
    io::Error::new(
        err.kind(),
        format!("shared memory directory '{path}': {err}"),
    )
}

fn squatted(path: &str, st: &libc::stat) -> Squatted {
    Squatted {
        path: path.to_owned(),
        what: match st.st_mode & libc::S_IFMT {
            libc::S_IFDIR => "directory",
            libc::S_IFLNK => "symbolic link",
            libc::S_IFREG => "regular file",
            _ => "file",
        },
        owner: st.st_uid,
        mode: st.st_mode & 0o7777,
    }
}

/// Opens `path` if it is a private directory of `euid` (creating it with mode 0700 first when
/// `create`), without following a symbolic link in its last component.
fn private_dir(path: &str, euid: u32, create: bool) -> io::Result<Check> {
    let c = c_path(path)?;
    // A concurrent rmdir (the last process of a domain) may remove it between mkdir and open.
    for _ in 0..4 {
        // SAFETY: valid C string; mkdir creates nothing else.
        if create && unsafe { libc::mkdir(c.as_ptr(), 0o700) } < 0 {
            let err = io::Error::last_os_error();
            if err.raw_os_error() != Some(libc::EEXIST) {
                return Err(context(path, err));
            }
        }
        // SAFETY: valid C string; O_NOFOLLOW refuses a symbolic link, O_DIRECTORY anything but a
        // directory, and nothing is created.
        let fd = unsafe {
            libc::open(
                c.as_ptr(),
                libc::O_RDONLY | libc::O_DIRECTORY | libc::O_NOFOLLOW | libc::O_CLOEXEC,
            )
        };
        if fd >= 0 {
            // SAFETY: `fd` was just returned by open and is owned by nobody else.
            let fd = unsafe { OwnedFd::from_raw_fd(fd) };
            let st = fstat(fd.as_fd()).map_err(|e| context(path, e))?;
            if st.st_mode & libc::S_IFMT != libc::S_IFDIR
                || st.st_uid != euid
                || st.st_mode & 0o077 != 0
            {
                return Ok(Check::Squatted(squatted(path, &st)));
            }
            // A umask may have taken owner bits away; the directory is useless without them.
            if st.st_mode & 0o700 != 0o700 {
                // SAFETY: valid descriptor of our own directory.
                if unsafe { libc::fchmod(fd.as_raw_fd(), 0o700) } < 0 {
                    return Err(context(path, io::Error::last_os_error()));
                }
            }
            return Ok(Check::Private(fd));
        }
        let err = io::Error::last_os_error();
        match err.raw_os_error() {
            Some(libc::ENOENT) if !create => return Ok(Check::Absent),
            Some(libc::ENOENT) => continue,
            // A symbolic link or not a directory: who put it there?
            Some(libc::ELOOP) | Some(libc::ENOTDIR) => match lstat(&c) {
                Ok(st) => return Ok(Check::Squatted(squatted(path, &st))),
                Err(e) if e.raw_os_error() == Some(libc::ENOENT) => continue,
                Err(e) => return Err(context(path, e)),
            },
            _ => return Err(context(path, err)),
        }
    }
    Err(context(
        path,
        io::Error::new(io::ErrorKind::NotFound, "removed as soon as created"),
    ))
}

/// The error of a squatted per-user directory without a usable fallback.
fn no_fallback(s: &Squatted, euid: u32, why: &str) -> io::Error {
    io::Error::new(
        io::ErrorKind::PermissionDenied,
        format!(
            "cannot use the shared memory directory: {s}, not a private directory of uid {euid} \
             (another user may have created it to block this one), and {why}; set \
             HAZCAT_SHM_DIR to a directory you own with mode 0700, or have '{}' removed",
            s.path
        ),
    )
}

impl Settings {
    /// The settings of this process's environment.
    pub(crate) fn from_env() -> Settings {
        Settings {
            explicit: env(SHM_DIR_ENV),
            base: env(SHM_BASE_ENV).unwrap_or_else(|| DEFAULT_BASE.to_owned()),
            fallback: env(FALLBACK_ENV),
            // SAFETY: geteuid has no preconditions and cannot fail.
            euid: unsafe { libc::geteuid() },
        }
    }

    /// The per-user directory's path.
    fn per_user(&self) -> String {
        format!("{}/hazcat-{}", self.base.trim_end_matches('/'), self.euid)
    }

    /// The path to name in messages when resolution fails.
    fn nominal(&self) -> String {
        self.explicit.clone().unwrap_or_else(|| self.per_user())
    }

    /// Finds (with `create`: creates) the directory. Fails only when the per-user directory is
    /// squatted without a usable fallback, or on an I/O error.
    fn resolve(&self, create: bool) -> io::Result<Found> {
        if let Some(path) = &self.explicit {
            let c = c_path(path)?;
            // SAFETY: valid C string; nothing is created.
            let fd = unsafe {
                libc::open(
                    c.as_ptr(),
                    libc::O_RDONLY | libc::O_DIRECTORY | libc::O_CLOEXEC,
                )
            };
            if fd < 0 {
                let err = io::Error::last_os_error();
                if err.raw_os_error() == Some(libc::ENOENT) {
                    return Ok(Found::Absent {
                        path: path.clone(),
                        origin: Origin::Explicit,
                    });
                }
                return Err(context(path, err));
            }
            return Ok(Found::Dir(Dir {
                path: path.clone(),
                // SAFETY: `fd` was just returned by open and is owned by nobody else.
                fd: unsafe { OwnedFd::from_raw_fd(fd) },
                origin: Origin::Explicit,
            }));
        }
        let path = self.per_user();
        let fallback = self
            .fallback
            .as_ref()
            .map(|runtime| format!("{}/hazcat", runtime.trim_end_matches('/')));
        let mut found = private_dir(&path, self.euid, false)?;
        if matches!(found, Check::Absent) {
            // Peers that started while the name was squatted live in the fallback until the last
            // of them removes it: a squatter giving the name up must not split them from us.
            if let Some(f) = &fallback {
                if let Ok(Check::Private(fd)) = private_dir(f, self.euid, false) {
                    return Ok(Found::Dir(Dir {
                        path: f.clone(),
                        fd,
                        origin: Origin::Fallback(None),
                    }));
                }
            }
            if create {
                found = private_dir(&path, self.euid, true)?;
            }
        }
        let squat = match found {
            Check::Private(fd) => {
                return Ok(Found::Dir(Dir {
                    path,
                    fd,
                    origin: Origin::PerUser,
                }))
            }
            Check::Absent => {
                return Ok(Found::Absent {
                    path,
                    origin: Origin::PerUser,
                })
            }
            Check::Squatted(s) => s,
        };
        let Some(path) = fallback else {
            return Err(no_fallback(
                &squat,
                self.euid,
                &format!("there is no fallback (${FALLBACK_ENV} is not set)"),
            ));
        };
        let origin = Origin::Fallback(Some(squat.clone()));
        match private_dir(&path, self.euid, create) {
            Ok(Check::Private(fd)) => Ok(Found::Dir(Dir { path, fd, origin })),
            Ok(Check::Absent) => Ok(Found::Absent { path, origin }),
            Ok(Check::Squatted(f)) => Err(no_fallback(
                &squat,
                self.euid,
                &format!("neither is the fallback: {f}"),
            )),
            Err(e) => Err(no_fallback(
                &squat,
                self.euid,
                &format!("the fallback is not usable: {e}"),
            )),
        }
    }
}

/// The per-user directory this process holds (explicit directories are opened per use).
struct Cached {
    settings: Settings,
    dir: Arc<Dir>,
}

static CACHE: Mutex<Option<Cached>> = Mutex::new(None);

fn cache() -> std::sync::MutexGuard<'static, Option<Cached>> {
    CACHE.lock().unwrap_or_else(|e| e.into_inner())
}

/// The held directory for `settings`, unless it changed or was removed.
fn cached(cache: &Option<Cached>, settings: &Settings) -> Option<Arc<Dir>> {
    cache
        .as_ref()
        .filter(|c| c.settings == *settings && !c.dir.removed())
        .map(|c| c.dir.clone())
}

/// The shm directory, held open (created first when absent and `create`; only the per-user one:
/// an explicit `HAZCAT_SHM_DIR` must exist), or where it would be.
fn lookup(create: bool) -> io::Result<Result<Arc<Dir>, (String, Origin)>> {
    let settings = Settings::from_env();
    // An explicit directory is the user's: reopened per use, as a path would be.
    let mut cache = settings.explicit.is_none().then(cache);
    if let Some(d) = cache.as_deref().and_then(|c| cached(c, &settings)) {
        return Ok(Ok(d));
    }
    let found = settings.resolve(create)?;
    let Some(cache) = cache.as_deref_mut() else {
        return Ok(match found {
            Found::Dir(d) => Ok(Arc::new(d)),
            Found::Absent { path, origin } => Err((path, origin)),
        });
    };
    match found {
        Found::Dir(d) => {
            if let Origin::Fallback(Some(s)) = &d.origin {
                static WARNED: std::sync::Once = std::sync::Once::new();
                WARNED.call_once(|| {
                    log::warn!(
                        "{s}, not a private directory of this user (another user may have \
                         created it): using '{}' instead; peers must share {FALLBACK_ENV}",
                        d.path
                    );
                });
            }
            let d = Arc::new(d);
            *cache = Some(Cached {
                settings,
                dir: d.clone(),
            });
            Ok(Ok(d))
        }
        Found::Absent { path, origin } => {
            *cache = None;
            Ok(Err((path, origin)))
        }
    }
}

/// The shm directory, held open; created when absent and `create` (only the per-user one: an
/// explicit `HAZCAT_SHM_DIR` must exist). An absent directory is a `NotFound` error.
pub(crate) fn dir(create: bool) -> io::Result<Arc<Dir>> {
    lookup(create)?.map_err(|(path, origin)| {
        io::Error::new(
            io::ErrorKind::NotFound,
            match origin {
                Origin::Explicit => {
                    format!("shared memory directory '{path}' ({SHM_DIR_ENV}) does not exist")
                }
                _ => format!("shared memory directory '{path}' does not exist yet"),
            },
        )
    })
}

/// Where the objects are (or will be), without creating anything: the directory, why it was
/// chosen, whether it exists. Fails when the per-user directory is squatted and no fallback is
/// usable (the error names the squatted path, its owner and mode, and the fix).
pub fn describe() -> io::Result<DirInfo> {
    Ok(match lookup(false)? {
        Ok(d) => DirInfo {
            path: d.path.clone(),
            origin: d.origin.clone(),
            exists: true,
        },
        Err((path, origin)) => DirInfo {
            path,
            origin,
            exists: false,
        },
    })
}

/// The path of the shm directory in use (see [`describe`]); when resolution fails, the path it
/// would have used, for messages.
pub fn path() -> String {
    describe().map_or_else(|_| Settings::from_env().nominal(), |i| i.path)
}

/// Removes the per-user directory (or the fallback) if it is empty: called by the last process
/// of a domain once that domain's objects are gone. Another domain's objects keep it (ENOTEMPTY);
/// an explicit `HAZCAT_SHM_DIR` is never removed. A process that still holds the directory
/// re-creates it on its next use.
pub(crate) fn remove_if_empty() {
    let Ok(d) = dir(false) else { return };
    if d.origin == Origin::Explicit {
        return;
    }
    let Ok(c) = c_path(&d.path) else { return };
    // Only the directory we hold: by now the name may belong to someone else's.
    let same = match (lstat(&c), fstat(d.fd())) {
        (Ok(a), Ok(b)) => (a.st_dev, a.st_ino) == (b.st_dev, b.st_ino),
        _ => false,
    };
    if same {
        // SAFETY: valid C string; rmdir fails harmlessly on a non-empty directory.
        unsafe {
            libc::rmdir(c.as_ptr());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    use std::path::{Path, PathBuf};

    /// A fresh directory of mode 1777 (a world-writable sticky base, like /dev/shm); removed on
    /// drop.
    struct Base(PathBuf);

    impl Base {
        fn new(tag: &str) -> Base {
            static N: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
            let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let p = std::env::temp_dir()
                .join(format!("hazcat-shmdir-{tag}-{}-{n}", std::process::id()));
            let _ = std::fs::remove_dir_all(&p);
            std::fs::create_dir(&p).unwrap();
            std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o1777)).unwrap();
            Base(p)
        }

        fn join(&self, name: &str) -> PathBuf {
            self.0.join(name)
        }

        /// Creates the directory `name` with exactly `mode` (whatever the umask).
        fn mkdir(&self, name: &str, mode: u32) -> PathBuf {
            let p = self.join(name);
            std::fs::create_dir(&p).unwrap();
            std::fs::set_permissions(&p, std::fs::Permissions::from_mode(mode)).unwrap();
            p
        }

        fn settings(&self, fallback: Option<&Path>) -> Settings {
            Settings {
                explicit: None,
                base: self.0.display().to_string(),
                fallback: fallback.map(|p| p.display().to_string()),
                euid: euid(),
            }
        }
    }

    impl Drop for Base {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    fn euid() -> u32 {
        // SAFETY: geteuid has no preconditions.
        unsafe { libc::geteuid() }
    }

    fn check(path: &Path, create: bool) -> Check {
        private_dir(path.to_str().unwrap(), euid(), create).unwrap()
    }

    fn squat_of(path: &Path) -> Squatted {
        match check(path, true) {
            Check::Squatted(s) => s,
            Check::Private(_) => panic!("{} accepted", path.display()),
            Check::Absent => panic!("{} absent", path.display()),
        }
    }

    /// The directory `name` of `base` owned by uid 4242, or `None` (printing why) when not
    /// root.
    fn foreign_dir(base: &Base, name: &str, mode: u32) -> Option<PathBuf> {
        if euid() != 0 {
            println!("skipped: creating a directory of another uid needs root");
            return None;
        }
        let p = base.mkdir(name, mode);
        std::os::unix::fs::chown(&p, Some(4242), Some(4242)).unwrap();
        Some(p)
    }

    #[test]
    fn absent_private_dir_is_created_0700_and_reused() {
        let base = Base::new("ok");
        let p = base.join("hazcat-x");
        assert!(matches!(check(&p, false), Check::Absent));
        assert!(!p.exists(), "probing creates nothing");
        // SAFETY: umask has no preconditions; a loose one must not loosen the directory.
        let old = unsafe { libc::umask(0o002) };
        let created = check(&p, true);
        // SAFETY: as above.
        unsafe { libc::umask(old) };
        assert!(matches!(created, Check::Private(_)));
        let m = std::fs::symlink_metadata(&p).unwrap();
        assert!(m.is_dir());
        assert_eq!((m.mode() & 0o7777, m.uid()), (0o700, euid()));
        assert!(matches!(check(&p, true), Check::Private(_)), "existing");
        assert!(matches!(check(&p, false), Check::Private(_)));
    }

    #[test]
    fn symlink_is_squatted_even_to_a_private_dir() {
        let base = Base::new("link");
        let p = base.join("hazcat-x");
        std::os::unix::fs::symlink(base.mkdir("target", 0o700), &p).unwrap();
        let s = squat_of(&p);
        assert_eq!(s.what, "symbolic link");
        assert_eq!(s.owner, euid());
        assert!(
            s.to_string().contains("is a symbolic link owned by uid"),
            "{s}"
        );
    }

    #[test]
    fn regular_file_is_squatted() {
        let base = Base::new("file");
        let p = base.join("hazcat-x");
        std::fs::write(&p, b"").unwrap();
        assert_eq!(squat_of(&p).what, "regular file");
    }

    #[test]
    fn dir_with_group_or_other_bits_is_squatted() {
        let base = Base::new("mode");
        let s = squat_of(&base.mkdir("hazcat-x", 0o755));
        assert_eq!((s.what, s.owner, s.mode), ("directory", euid(), 0o755));
    }

    #[test]
    fn dir_of_another_owner_is_squatted() {
        let base = Base::new("owner");
        let Some(p) = foreign_dir(&base, "hazcat-x", 0o700) else {
            return;
        };
        let s = squat_of(&p);
        assert_eq!((s.what, s.owner, s.mode), ("directory", 4242, 0o700));
        assert!(s.to_string().contains("owned by uid 4242"), "{s}");
    }

    #[test]
    fn squatted_per_user_dir_falls_back_or_fails_naming_it() {
        let base = Base::new("fallback");
        let runtime = Base::new("runtime");
        std::fs::set_permissions(&runtime.0, std::fs::Permissions::from_mode(0o700)).unwrap();
        let squatted = base.join(&format!("hazcat-{}", euid()));
        std::fs::write(&squatted, b"").unwrap();

        let with = base.settings(Some(&runtime.0));
        let expected = runtime.join("hazcat").display().to_string();
        match with.resolve(false).unwrap() {
            Found::Absent { path, origin } => {
                assert_eq!(path, expected);
                assert!(matches!(origin, Origin::Fallback(Some(s)) if s.what == "regular file"));
            }
            Found::Dir(_) => panic!("probing created the fallback"),
        }
        match with.resolve(true).unwrap() {
            Found::Dir(d) => {
                assert_eq!(d.path, expected);
                assert!(!d.removed());
                // The last process out removes it: a holder sees that.
                std::fs::remove_dir(&d.path).unwrap();
                assert!(d.removed());
            }
            Found::Absent { .. } => panic!("not created"),
        }

        // The name given up while the fallback exists: peers still meet there.
        assert!(matches!(with.resolve(true).unwrap(), Found::Dir(_)));
        std::fs::remove_file(&squatted).unwrap();
        match with.resolve(true).unwrap() {
            Found::Dir(d) => {
                assert_eq!(
                    (d.path.as_str(), &d.origin),
                    (expected.as_str(), &Origin::Fallback(None))
                );
                std::fs::remove_dir(&d.path).unwrap();
            }
            Found::Absent { .. } => panic!("fallback not found"),
        }
        match with.resolve(true).unwrap() {
            Found::Dir(d) => {
                assert_eq!(
                    (&d.path, &d.origin),
                    (&squatted.display().to_string(), &Origin::PerUser)
                );
                std::fs::remove_dir(&d.path).unwrap();
            }
            Found::Absent { .. } => panic!("not created"),
        }
        std::fs::write(&squatted, b"").unwrap();

        let without = base.settings(None);
        let e = without.resolve(true).err().expect("no fallback: an error");
        assert_eq!(e.kind(), io::ErrorKind::PermissionDenied);
        let text = e.to_string();
        for part in [
            format!("'{}'", squatted.display()),
            format!("uid {}", euid()),
            "XDG_RUNTIME_DIR".into(),
            "HAZCAT_SHM_DIR".into(),
        ] {
            assert!(text.contains(&part), "{part}: {text}");
        }

        // A squatted fallback is no way out either.
        std::fs::write(runtime.join("hazcat"), b"").unwrap();
        let text = with.resolve(true).err().expect("both squatted").to_string();
        assert!(text.contains("neither is the fallback"), "{text}");
    }

    #[test]
    fn explicit_dir_is_used_as_is() {
        let base = Base::new("explicit");
        std::fs::set_permissions(&base.0, std::fs::Permissions::from_mode(0o777)).unwrap();
        let s = Settings {
            explicit: Some(base.0.display().to_string()),
            ..base.settings(None)
        };
        assert!(matches!(s.resolve(true).unwrap(), Found::Dir(d) if d.origin == Origin::Explicit));
        let gone = Settings {
            explicit: Some(base.join("missing").display().to_string()),
            ..s
        };
        assert!(matches!(gone.resolve(true).unwrap(), Found::Absent { .. }));
        assert!(!base.join("missing").exists(), "never created");
    }
}
