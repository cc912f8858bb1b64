//! A memory object handed to an unrelated process (re-executed, not forked) over a Unix socket.

mod common;

use std::io::{Read, Write};
use std::os::fd::{AsFd, AsRawFd};
use std::os::linux::net::SocketAddrExt;
use std::os::unix::net::{SocketAddr, UnixListener, UnixStream};

use common::*;
use hazcat_core::os::fdpass;

fn map(fd: i32) -> *mut u8 {
    // SAFETY: mapping one page of a memfd we hold; checked against MAP_FAILED.
    let p = unsafe {
        libc::mmap(
            std::ptr::null_mut(),
            4096,
            libc::PROT_READ | libc::PROT_WRITE,
            libc::MAP_SHARED,
            fd,
            0,
        )
    };
    assert_ne!(p, libc::MAP_FAILED);
    p.cast()
}

#[test]
#[ignore = "child process entry point; run by the other tests"]
fn fd_child() {
    if role().as_deref() == Some("importer") {
        // Fetches the descriptor from the owner's descriptor server, knowing only the owner's
        // identity and the key (what a device-pool importer knows from the pool header).
        let owner = hazcat_core::os::process::ProcessId {
            pid: arg("OWNER_PID"),
            start_time: arg("OWNER_START"),
        };
        let key: u64 = arg("KEY");
        let (fd, info) = hazcat_core::os::fdserver::request(owner, (7, key)).unwrap();
        assert_eq!(info.device, 5);
        assert_eq!(info.size, 4096);
        let p = map(fd.as_raw_fd());
        // SAFETY: the page is mapped and 4096 bytes long.
        let page = unsafe { std::slice::from_raw_parts_mut(p, 4096) };
        assert_eq!(&page[..6], b"export");
        page[..6].copy_from_slice(b"import");
        let missing = hazcat_core::os::fdserver::request(owner, (7, key ^ 1)).unwrap_err();
        assert_eq!(missing.kind(), std::io::ErrorKind::NotFound);
        say("done");
        return;
    }
    if role().as_deref() != Some("receiver") {
        return;
    }
    let name: String = arg("SOCK");
    let sock = UnixStream::connect_addr(&SocketAddr::from_abstract_name(name.as_bytes()).unwrap())
        .unwrap();
    fdpass::check_same_user(&sock).unwrap();
    let (data, fds) = fdpass::recv(&sock, 64).unwrap();
    assert_eq!(data, b"memfd");
    assert_eq!(fds.len(), 1);
    let p = map(fds[0].as_raw_fd());
    // SAFETY: the page is mapped and 4096 bytes long.
    let page = unsafe { std::slice::from_raw_parts_mut(p, 4096) };
    assert_eq!(&page[..5], b"hello");
    page[..5].copy_from_slice(b"world");
    (&sock).write_all(b"k").unwrap();
    say("done");
}

#[test]
fn memfd_shared_with_an_unrelated_process() {
    let name = format!("hazcat_test_fdpass_{}", std::process::id());
    let listener =
        UnixListener::bind_addr(&SocketAddr::from_abstract_name(name.as_bytes()).unwrap()).unwrap();
    let mut child = spawn("fd_child", "receiver", &[("SOCK", name.clone())]);
    let (sock, _) = listener.accept().unwrap();
    fdpass::check_same_user(&sock).unwrap();
    // SAFETY: memfd_create with a valid C string; the result is checked.
    let fd = unsafe { libc::memfd_create(c"hazcat-test".as_ptr(), libc::MFD_CLOEXEC) };
    assert!(fd >= 0);
    // SAFETY: `fd` is a fresh descriptor owned here.
    let fd = unsafe { <std::os::fd::OwnedFd as std::os::fd::FromRawFd>::from_raw_fd(fd) };
    // SAFETY: valid fd.
    assert_eq!(unsafe { libc::ftruncate(fd.as_raw_fd(), 4096) }, 0);
    let p = map(fd.as_raw_fd());
    // SAFETY: one mapped page.
    let page = unsafe { std::slice::from_raw_parts_mut(p, 4096) };
    page[..5].copy_from_slice(b"hello");
    fdpass::send(&sock, b"memfd", &[fd.as_fd()]).unwrap();
    let mut ack = [0u8; 1];
    (&sock).read_exact(&mut ack).unwrap();
    assert_eq!(
        &page[..5],
        b"world",
        "the child wrote through its own mapping of our memory"
    );
    child.expect("done");
    child.join();
}

#[test]
fn descriptor_server_serves_an_unrelated_process() {
    use hazcat_core::os::{fdserver, process};
    // SAFETY: memfd_create with a valid C string; the result is checked.
    let fd = unsafe { libc::memfd_create(c"hazcat-fdsrv".as_ptr(), libc::MFD_CLOEXEC) };
    assert!(fd >= 0);
    // SAFETY: `fd` is a fresh descriptor owned here.
    let fd = unsafe { <std::os::fd::OwnedFd as std::os::fd::FromRawFd>::from_raw_fd(fd) };
    // SAFETY: valid fd.
    assert_eq!(unsafe { libc::ftruncate(fd.as_raw_fd(), 4096) }, 0);
    let p = map(fd.as_raw_fd());
    // SAFETY: one mapped page.
    let page = unsafe { std::slice::from_raw_parts_mut(p, 4096) };
    page[..6].copy_from_slice(b"export");
    let key = process::random_u64();
    let export = fdserver::export(
        (7, key),
        fd,
        fdserver::ExportInfo {
            device: 5,
            size: 4096,
        },
    )
    .unwrap();
    let me = process::ProcessId::current();
    let mut child = spawn(
        "fd_child",
        "importer",
        &[
            ("OWNER_PID", me.pid.to_string()),
            ("OWNER_START", me.start_time.to_string()),
            ("KEY", key.to_string()),
        ],
    );
    child.expect("done");
    child.join();
    assert_eq!(
        &page[..6],
        b"import",
        "the child wrote through the exported memory"
    );
    drop(export);
}
