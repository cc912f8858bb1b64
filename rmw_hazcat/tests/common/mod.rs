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
pub mod test_msgs;
pub mod upstream;

use rmw_hazcat_rs::api::client::*;
use rmw_hazcat_rs::api::init::*;
use rmw_hazcat_rs::api::node::*;
use rmw_hazcat_rs::api::publisher::*;
use rmw_hazcat_rs::api::service::*;
use rmw_hazcat_rs::api::subscription::*;
use rmw_hazcat_rs::cmem::default_allocator;
use rmw_hazcat_rs::sys::rosidl::{rosidl_message_type_support_t, rosidl_service_type_support_t};
use rmw_hazcat_rs::sys::*;
use std::ffi::{CStr, CString};
use std::ptr::null_mut;
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

/// Default publisher options.
pub fn pub_opts() -> rmw_publisher_options_t {
    rmw_publisher_options_t {
        rmw_specific_publisher_payload: null_mut(),
        require_unique_network_flow_endpoints: RMW_UNIQUE_NETWORK_FLOW_ENDPOINTS_NOT_REQUIRED,
    }
}

/// Default subscription options, but for `ignore_local_publications`.
pub fn sub_opts(ignore_local: bool) -> rmw_subscription_options_t {
    rmw_subscription_options_t {
        rmw_specific_subscription_payload: null_mut(),
        ignore_local_publications: ignore_local,
        require_unique_network_flow_endpoints: RMW_UNIQUE_NETWORK_FLOW_ENDPOINTS_NOT_REQUIRED,
        content_filter_options: null_mut(),
    }
}

/// `rmw_create_publisher` with [`pub_opts`], asserting success.
pub fn create_pub(
    node: &Node,
    ts: *const rosidl_message_type_support_t,
    topic: &str,
    q: &rmw_qos_profile_t,
) -> *mut rmw_publisher_t {
    let t = cs(topic);
    // SAFETY: valid node, handle, name, QoS and options.
    let p = unsafe { rmw_create_publisher(node.0, ts, t.as_ptr(), q, &pub_opts()) };
    assert!(
        !p.is_null(),
        "rmw_create_publisher({topic}): {}",
        last_error()
    );
    p
}

/// `rmw_create_subscription` with `sub_opts(false)`, asserting success.
pub fn create_sub(
    node: &Node,
    ts: *const rosidl_message_type_support_t,
    topic: &str,
    q: &rmw_qos_profile_t,
) -> *mut rmw_subscription_t {
    create_sub_with(node, ts, topic, q, &sub_opts(false))
}

/// `rmw_create_subscription` with `opts`, asserting success.
pub fn create_sub_with(
    node: &Node,
    ts: *const rosidl_message_type_support_t,
    topic: &str,
    q: &rmw_qos_profile_t,
    opts: &rmw_subscription_options_t,
) -> *mut rmw_subscription_t {
    let t = cs(topic);
    // SAFETY: valid node, handle, name, QoS and options.
    let s = unsafe { rmw_create_subscription(node.0, ts, t.as_ptr(), q, opts) };
    assert!(
        !s.is_null(),
        "rmw_create_subscription({topic}): {}",
        last_error()
    );
    s
}

/// `rmw_create_service` with the services default QoS, asserting success.
pub fn create_service(
    node: &Node,
    ts: *const rosidl_service_type_support_t,
    name: &str,
) -> *mut rmw_service_t {
    let n = cs(name);
    // SAFETY: valid node, handle, name and QoS.
    let s =
        unsafe { rmw_create_service(node.0, ts, n.as_ptr(), &rmw_qos_profile_services_default) };
    assert!(!s.is_null(), "{}", last_error());
    s
}

/// `rmw_create_client` with the services default QoS, asserting success.
pub fn create_client(
    node: &Node,
    ts: *const rosidl_service_type_support_t,
    name: &str,
) -> *mut rmw_client_t {
    let n = cs(name);
    // SAFETY: valid node, handle, name and QoS.
    let c = unsafe { rmw_create_client(node.0, ts, n.as_ptr(), &rmw_qos_profile_services_default) };
    assert!(!c.is_null(), "{}", last_error());
    c
}

/// An all-zero (empty) message info.
pub fn zero_info() -> rmw_message_info_t {
    // SAFETY: all-zero is a valid (empty) message info.
    unsafe { std::mem::zeroed() }
}

/// The gid of a live publisher.
pub fn gid_of(p: *mut rmw_publisher_t) -> rmw_gid_t {
    // SAFETY: all-zero is a valid gid; `p` is a live publisher.
    unsafe {
        let mut g: rmw_gid_t = std::mem::zeroed();
        assert_eq!(rmw_get_gid_for_publisher(p, &mut g), RMW_RET_OK);
        g
    }
}

/// A gid as hex.
pub fn gid_hex(g: &rmw_gid_t) -> String {
    g.data.iter().map(|b| format!("{b:02x}")).collect()
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
