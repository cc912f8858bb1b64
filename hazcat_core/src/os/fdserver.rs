//! A per-process file-descriptor server: hands descriptors this process *exports* (CUDA VMM
//! allocations, in practice) to other processes of the same user that ask for them by key.
//!
//! Why: a descriptor number means nothing outside its process (the predecessor stored one in
//! shared memory, which only worked for fork children). Here the exporting process runs, lazily
//! and once, a thread listening on an abstract Unix socket named from its user id and process
//! identity (`hazcat_<uid>_fdsrv_<pid>_<start time>`); abstract names vanish with the process, so
//! nothing is ever left in `/dev/shm` or on a file system. An importer that knows the owner's
//! [`ProcessId`] (hazcat stores it in every pool header) connects, checks that the server runs as
//! its own user, sends a 16-byte request `{magic, ros domain, pool id}` and receives a 24-byte
//! reply `{magic, status, device, reserved, size}` with the descriptor attached (SCM_RIGHTS) when
//! `status == 0`. The server checks the client's user id too (`SO_PEERCRED`) before answering.
//!
//! Requests are answered one at a time; each connection gets a short I/O timeout so a client that
//! connects and never writes cannot stall the server for long (a bound on misbehaviour, not a
//! synchronisation point).

use std::collections::HashMap;
use std::io::{self, Read, Write};
use std::os::fd::{AsFd, OwnedFd};
use std::os::linux::net::SocketAddrExt;
use std::os::unix::net::{SocketAddr, UnixListener, UnixStream};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use super::fdpass;
use super::process::{self, ProcessId};

const REQ_MAGIC: u32 = u32::from_le_bytes(*b"HZFQ");
const REP_MAGIC: u32 = u32::from_le_bytes(*b"HZFR");
/// Reply status: the descriptor follows.
const ST_OK: u32 = 0;
/// Reply status: nothing is exported under that key.
const ST_UNKNOWN: u32 = 1;
/// Per-connection I/O bound (misbehaving peers only).
const IO_TIMEOUT: Duration = Duration::from_secs(5);

/// What an exporter says about a descriptor besides the descriptor itself.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ExportInfo {
    /// Device index the memory belongs to.
    pub device: u32,
    /// Size in bytes of the exported object.
    pub size: u64,
}

/// Key of an exported descriptor: (ROS domain id, pool id).
pub type ExportKey = (u32, u64);

type Table = HashMap<ExportKey, (Arc<OwnedFd>, ExportInfo)>;

struct Server {
    /// The process that started the thread (a forked child has no server thread).
    owner: ProcessId,
    table: Arc<Mutex<Table>>,
}

static SERVER: OnceLock<Result<Server, String>> = OnceLock::new();

/// Abstract socket name of `owner`'s descriptor server (same user only).
pub fn socket_name(owner: ProcessId) -> String {
    format!(
        "hazcat_{}_fdsrv_{}_{}",
        process::uid(),
        owner.pid,
        owner.start_time
    )
}

fn server() -> io::Result<&'static Server> {
    let s = SERVER.get_or_init(|| start().map_err(|e| e.to_string()));
    match s {
        Ok(s) if s.owner.pid == std::process::id() => Ok(s),
        Ok(_) => Err(io::Error::other(
            "descriptor server belongs to the parent process: device pools cannot be created in a forked child",
        )),
        Err(e) => Err(io::Error::other(format!(
            "descriptor server could not start: {e}"
        ))),
    }
}

fn start() -> io::Result<Server> {
    let owner = ProcessId::current();
    let addr = SocketAddr::from_abstract_name(socket_name(owner).as_bytes())?;
    let listener = UnixListener::bind_addr(&addr)?;
    let table: Arc<Mutex<Table>> = Arc::default();
    let t = table.clone();
    std::thread::Builder::new()
        .name("hazcat-fdsrv".into())
        .spawn(move || serve(listener, t))?;
    Ok(Server { owner, table })
}

fn serve(listener: UnixListener, table: Arc<Mutex<Table>>) {
    for conn in listener.incoming() {
        let Ok(conn) = conn else { continue };
        // Errors concern one client only; the server keeps serving.
        let _ = answer(&conn, &table);
    }
}

fn answer(conn: &UnixStream, table: &Mutex<Table>) -> io::Result<()> {
    conn.set_read_timeout(Some(IO_TIMEOUT))?;
    conn.set_write_timeout(Some(IO_TIMEOUT))?;
    fdpass::check_same_user(conn)?;
    let mut req = [0u8; 16];
    (&*conn).read_exact(&mut req)?;
    let word = |i: usize| u32::from_le_bytes(req[i..i + 4].try_into().expect("4 bytes"));
    if word(0) != REQ_MAGIC {
        return Err(io::Error::new(io::ErrorKind::InvalidData, "bad request"));
    }
    let key = (
        word(4),
        u64::from_le_bytes(req[8..16].try_into().expect("8 bytes")),
    );
    let found = table
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .get(&key)
        .cloned();
    let mut rep = [0u8; 24];
    rep[0..4].copy_from_slice(&REP_MAGIC.to_le_bytes());
    match found {
        Some((fd, info)) => {
            rep[4..8].copy_from_slice(&ST_OK.to_le_bytes());
            rep[8..12].copy_from_slice(&info.device.to_le_bytes());
            rep[16..24].copy_from_slice(&info.size.to_le_bytes());
            fdpass::send(conn, &rep, &[fd.as_fd()])
        }
        None => {
            rep[4..8].copy_from_slice(&ST_UNKNOWN.to_le_bytes());
            (&*conn).write_all(&rep)
        }
    }
}

/// Keeps a descriptor exported; dropping it withdraws the export and closes the descriptor
/// (a client that already received it keeps its own copy).
#[derive(Debug)]
pub struct Export {
    key: ExportKey,
}

impl Drop for Export {
    fn drop(&mut self) {
        if let Some(Ok(s)) = SERVER.get() {
            s.table
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .remove(&self.key);
        }
    }
}

/// Makes `fd` available to processes of this user under `key`, starting the server thread on
/// first use. Fails if `key` is already exported.
pub fn export(key: ExportKey, fd: OwnedFd, info: ExportInfo) -> io::Result<Export> {
    let s = server()?;
    let mut t = s.table.lock().unwrap_or_else(|e| e.into_inner());
    if t.contains_key(&key) {
        return Err(io::Error::new(
            io::ErrorKind::AlreadyExists,
            format!(
                "pool {:#x} of ROS domain {} is exported already",
                key.1, key.0
            ),
        ));
    }
    t.insert(key, (Arc::new(fd), info));
    Ok(Export { key })
}

/// Asks `owner`'s server for the descriptor exported under `key`.
pub fn request(owner: ProcessId, key: ExportKey) -> io::Result<(OwnedFd, ExportInfo)> {
    let addr = SocketAddr::from_abstract_name(socket_name(owner).as_bytes())?;
    let conn = UnixStream::connect_addr(&addr).map_err(|e| {
        io::Error::new(
            e.kind(),
            format!(
                "cannot reach the descriptor server of process {} (has it exited?): {e}",
                owner.pid
            ),
        )
    })?;
    conn.set_read_timeout(Some(IO_TIMEOUT))?;
    conn.set_write_timeout(Some(IO_TIMEOUT))?;
    // Abstract names are not protected by file permissions: never trust another user's server.
    fdpass::check_same_user(&conn)?;
    let mut req = [0u8; 16];
    req[0..4].copy_from_slice(&REQ_MAGIC.to_le_bytes());
    req[4..8].copy_from_slice(&key.0.to_le_bytes());
    req[8..16].copy_from_slice(&key.1.to_le_bytes());
    (&conn).write_all(&req)?;
    let (rep, mut fds) = fdpass::recv(&conn, 24)?;
    let bad = |what: &str| io::Error::new(io::ErrorKind::InvalidData, what.to_owned());
    if rep.len() != 24 {
        return Err(bad("short reply from descriptor server"));
    }
    let word = |i: usize| u32::from_le_bytes(rep[i..i + 4].try_into().expect("4 bytes"));
    if word(0) != REP_MAGIC {
        return Err(bad("bad reply from descriptor server"));
    }
    match word(4) {
        ST_OK if fds.len() == 1 => Ok((
            fds.pop().expect("one fd"),
            ExportInfo {
                device: word(8),
                size: u64::from_le_bytes(rep[16..24].try_into().expect("8 bytes")),
            },
        )),
        ST_UNKNOWN => Err(io::Error::new(
            io::ErrorKind::NotFound,
            format!(
                "process {} exports no pool {:#x} in ROS domain {}",
                owner.pid, key.1, key.0
            ),
        )),
        _ => Err(bad("descriptor server reply carries no descriptor")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::fd::{AsRawFd, FromRawFd};

    fn memfd(content: &[u8]) -> OwnedFd {
        // SAFETY: memfd_create with a valid C string; the result is checked before use.
        let fd = unsafe { libc::memfd_create(c"hazcat-fdsrv-test".as_ptr(), libc::MFD_CLOEXEC) };
        assert!(fd >= 0);
        // SAFETY: `fd` is a fresh descriptor owned by nobody else.
        let fd = unsafe { OwnedFd::from_raw_fd(fd) };
        let mut f = std::fs::File::from(fd.try_clone().unwrap());
        f.write_all(content).unwrap();
        fd
    }

    fn read_all(fd: OwnedFd) -> Vec<u8> {
        use std::io::Seek;
        let mut f = std::fs::File::from(fd);
        f.seek(io::SeekFrom::Start(0)).unwrap();
        let mut v = Vec::new();
        f.read_to_end(&mut v).unwrap();
        v
    }

    #[test]
    fn export_request_withdraw() {
        let me = ProcessId::current();
        let key = (4242, process::random_u64());
        let info = ExportInfo {
            device: 3,
            size: 2 << 20,
        };
        let export = super::export(key, memfd(b"device pool"), info).unwrap();
        // A second export under the same key is refused.
        assert_eq!(
            super::export(key, memfd(b"x"), info).unwrap_err().kind(),
            io::ErrorKind::AlreadyExists
        );
        let (fd, got) = request(me, key).unwrap();
        assert_eq!(got, info);
        assert!(fd.as_raw_fd() >= 0);
        assert_eq!(read_all(fd), b"device pool");
        // Unknown keys get a clear error, not a descriptor.
        let e = request(me, (4242, key.1 ^ 1)).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::NotFound);
        assert!(e.to_string().contains("exports no pool"), "{e}");
        drop(export);
        assert_eq!(
            request(me, key).unwrap_err().kind(),
            io::ErrorKind::NotFound
        );
    }

    #[test]
    fn absent_server_is_a_clear_error() {
        let gone = ProcessId {
            pid: std::process::id(),
            start_time: u64::MAX,
        };
        let e = request(gone, (0, 1)).unwrap_err();
        assert!(e.to_string().contains("has it exited"), "{e}");
    }

    #[test]
    fn garbage_request_does_not_stop_the_server() {
        let me = ProcessId::current();
        let key = (4243, process::random_u64());
        let _e = super::export(key, memfd(b"ok"), ExportInfo { device: 0, size: 2 }).unwrap();
        let addr = SocketAddr::from_abstract_name(socket_name(me).as_bytes()).unwrap();
        let c = UnixStream::connect_addr(&addr).unwrap();
        (&c).write_all(&[0xff; 16]).unwrap();
        let mut buf = [0u8; 1];
        // The server drops the connection without a reply.
        assert_eq!((&c).read(&mut buf).unwrap(), 0);
        let (fd, _) = request(me, key).unwrap();
        assert_eq!(read_all(fd), b"ok");
    }
}
