//! Where a running `hazcat bridge` serves its status and how `hazcat ls` asks for it.
//!
//! The bridge listens on an *abstract* Unix socket (nothing in the filesystem, gone with the
//! process even after `kill -9`; one namespace per network namespace) named from the user id,
//! the ROS domain and a hash of the resolved shared-memory directory:
//! `hazcat_<uid>_bridge_<domain>_<hash>`, so bridges of other users, domains or shm directories
//! never collide. A client connects and reads one JSON document until end of file; nothing is
//! sent the other way. Both ends check that the peer runs as the same user (`SO_PEERCRED`): a
//! socket squatted by another user is refused by the client, and the bridge answers only its
//! own user.

use crate::os::{fdpass, process, shm_file};
use std::io::{self, Read};
use std::os::linux::net::SocketAddrExt;
use std::os::unix::net::{SocketAddr, UnixListener, UnixStream};
use std::time::Duration;

/// Largest status document a client accepts (bytes).
pub const MAX_STATUS_LEN: u64 = 16 << 20;

/// FNV-1a, 64 bits: a hash that every build of every binary computes the same way.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// The shm directory in use, with symbolic links resolved when it exists.
fn resolved_shm_dir() -> String {
    let dir = shm_file::shm_dir();
    std::fs::canonicalize(&dir).map_or(dir, |p| p.display().to_string())
}

/// The abstract socket name of the bridge of ROS domain `domain` for this user and shm directory.
pub fn socket_name(domain: u32) -> String {
    format!(
        "hazcat_{}_bridge_{domain}_{:016x}",
        process::uid(),
        fnv1a(resolved_shm_dir().as_bytes())
    )
}

/// Listens on the abstract socket `name`; fails with `AddrInUse` when another process (a second
/// bridge of the same domain) holds it.
pub fn bind(name: &str) -> io::Result<UnixListener> {
    UnixListener::bind_addr(&SocketAddr::from_abstract_name(name.as_bytes())?)
}

/// Checks that the peer of an accepted connection runs as this user.
pub fn check_client(conn: &UnixStream) -> io::Result<()> {
    fdpass::check_same_user(conn)
}

/// Reads the status served on `name`: `Ok(None)` when no bridge listens there, the JSON text
/// otherwise. Fails when the socket belongs to another user, when nothing arrives within
/// `timeout`, or when the answer is larger than [`MAX_STATUS_LEN`].
pub fn query(name: &str, timeout: Duration) -> io::Result<Option<String>> {
    let addr = SocketAddr::from_abstract_name(name.as_bytes())?;
    let conn = match UnixStream::connect_addr(&addr) {
        Ok(c) => c,
        Err(e) if e.kind() == io::ErrorKind::ConnectionRefused => return Ok(None),
        Err(e) => return Err(e),
    };
    fdpass::check_same_user(&conn)?;
    conn.set_read_timeout(Some(timeout))?;
    let mut text = String::new();
    (&conn).take(MAX_STATUS_LEN + 1).read_to_string(&mut text)?;
    if text.len() as u64 > MAX_STATUS_LEN {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!("bridge status on {name} is larger than {MAX_STATUS_LEN} bytes"),
        ));
    }
    Ok(Some(text))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn names_differ_by_domain_and_hash_is_stable() {
        assert_ne!(socket_name(0), socket_name(1));
        assert_eq!(socket_name(3), socket_name(3));
        assert!(socket_name(3).starts_with(&format!("hazcat_{}_bridge_3_", process::uid())));
        assert_eq!(fnv1a(b""), 0xcbf2_9ce4_8422_2325);
        assert_ne!(fnv1a(b"/dev/shm"), fnv1a(b"/dev/shm/x"));
    }

    #[test]
    fn query_reads_one_document_and_none_when_nobody_listens() {
        let name = format!("hazcat_test_bridge_status_{}", process::random_u64());
        assert!(query(&name, Duration::from_secs(1)).unwrap().is_none());
        let listener = bind(&name).unwrap();
        assert_eq!(
            bind(&name).unwrap_err().kind(),
            io::ErrorKind::AddrInUse,
            "a second bridge cannot take the name"
        );
        let server = std::thread::spawn(move || {
            let (mut conn, _) = listener.accept().unwrap();
            check_client(&conn).unwrap();
            conn.write_all(b"{\"zid\":\"ab\"}").unwrap();
        });
        let text = query(&name, Duration::from_secs(5)).unwrap();
        server.join().unwrap();
        assert_eq!(text.as_deref(), Some("{\"zid\":\"ab\"}"));
        // The listener is gone with the thread: nothing left behind.
        assert!(query(&name, Duration::from_secs(1)).unwrap().is_none());
    }
}
