//! Helpers for tests that drive the exported `rmw_*` functions the way rcl does.
#![allow(
    dead_code,
    clippy::undocumented_unsafe_blocks,
    clippy::missing_safety_doc
)]

pub mod announce;
pub mod child;
pub mod fixture;
pub mod generated;

use rmw_hazcat_rs::api::init::*;
use rmw_hazcat_rs::api::node::*;
use rmw_hazcat_rs::cmem::default_allocator;
use rmw_hazcat_rs::sys::*;
use std::ffi::{CStr, CString};
use std::sync::atomic::{AtomicUsize, Ordering};

/// A ROS domain id unique to this test process and call, so parallel tests do not see each
/// other's graph.
pub fn unique_domain() -> usize {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let pid = std::process::id() as usize;
    1000 + (pid % 20_000) * 64 + NEXT.fetch_add(1, Ordering::Relaxed) % 64
}

/// Zero-initialized init options.
pub fn zero_options() -> rmw_init_options_t {
    unsafe { std::mem::zeroed() }
}

/// Zero-initialized context.
pub fn zero_context() -> rmw_context_t {
    unsafe { std::mem::zeroed() }
}

/// Initialized init options for `domain` with enclave "/" (what rcl_init passes).
pub fn options(domain: usize) -> rmw_init_options_t {
    let mut o = zero_options();
    assert_eq!(
        unsafe { rmw_init_options_init(&mut o, default_allocator()) },
        RMW_RET_OK
    );
    o.domain_id = domain;
    o.enclave = rmw_hazcat_rs::cmem::strdup(&o.allocator, "/").unwrap();
    o
}

/// An initialized context; shut down and finalized on drop.
pub struct Context {
    pub options: Box<rmw_init_options_t>,
    pub context: Box<rmw_context_t>,
    pub domain: usize,
}

impl Context {
    pub fn new() -> Context {
        Self::with_domain(unique_domain())
    }

    pub fn with_domain(domain: usize) -> Context {
        let mut options = Box::new(options(domain));
        let mut context = Box::new(zero_context());
        let rc = unsafe { rmw_init(&*options, &mut *context) };
        assert_eq!(rc, RMW_RET_OK, "{:?}", rmw_hazcat_rs::ret::last_error());
        options.domain_id = domain;
        Context {
            options,
            context,
            domain,
        }
    }

    pub fn ptr(&mut self) -> *mut rmw_context_t {
        &mut *self.context
    }

    pub fn node(&mut self, name: &str, ns: &str) -> Node {
        let n = CString::new(name).unwrap();
        let s = CString::new(ns).unwrap();
        let node = unsafe { rmw_create_node(self.ptr(), n.as_ptr(), s.as_ptr()) };
        assert!(!node.is_null(), "{:?}", rmw_hazcat_rs::ret::last_error());
        Node(node)
    }
}

impl Drop for Context {
    fn drop(&mut self) {
        unsafe {
            assert_eq!(rmw_shutdown(&mut *self.context), RMW_RET_OK);
            assert_eq!(rmw_context_fini(&mut *self.context), RMW_RET_OK);
            assert_eq!(rmw_init_options_fini(&mut *self.options), RMW_RET_OK);
        }
    }
}

/// A node destroyed on drop.
pub struct Node(pub *mut rmw_node_t);

impl Drop for Node {
    fn drop(&mut self) {
        assert_eq!(unsafe { rmw_destroy_node(self.0) }, RMW_RET_OK);
    }
}

/// The last error message set by the library on this thread.
pub fn last_error() -> String {
    rmw_hazcat_rs::ret::last_error().unwrap_or_default()
}

/// C string helper.
pub fn cs(s: &str) -> CString {
    CString::new(s).unwrap()
}

/// Reads a C string.
pub fn rs(p: *const std::ffi::c_char) -> String {
    unsafe { CStr::from_ptr(p) }.to_string_lossy().into_owned()
}

/// Asserts that nothing of `domain` is left in /dev/shm.
pub fn assert_shm_clean(domain: usize) {
    let left = hazcat_core::os::shm_file::list(&hazcat_core::naming::prefix(domain as u32));
    assert!(left.is_empty(), "left in /dev/shm: {left:?}");
}
