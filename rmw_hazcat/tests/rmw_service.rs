//! Services and clients through the exported C functions, as rcl drives them: creation and the
//! bad-argument cases of test_rmw_implementation (test_service, test_client,
//! test_unique_identifiers), request/response round trips with `hazcat_test_msgs/srv/Echo`,
//! routing to the requesting client only, wait-set readiness, listener callbacks, graph
//! registration, and a service and clients in separate processes (this test binary re-executed
//! with a role in `HAZCAT_RMW_ROLE`; pipes and `rmw_wait` synchronise, nothing sleeps).
//!
//! Type support: on Humble builds the Debian-generated introspection C library of
//! `hazcat_test_msgs` (`scripts/build_test_msgs.sh`; without it the tests say so and use the
//! fixture, unless `HAZCAT_REQUIRE_TEST_MSGS=1`); otherwise a hand-built C introspection fixture
//! of the same service in the layout of the distro built for.
#![allow(clippy::undocumented_unsafe_blocks)]

mod common;

use common::announce::*;
use common::child::*;
use common::*;
use rmw_hazcat_rs::api::client::*;
use rmw_hazcat_rs::api::service::*;
use rmw_hazcat_rs::api::wait::*;
use rmw_hazcat_rs::sys::rosidl::*;
use rmw_hazcat_rs::sys::*;
use rmw_hazcat_rs::typesupport::{service_types, OwnedMessage, ServiceTypes};
use std::ffi::{c_char, c_void, CStr};
use std::io::{BufRead, BufReader};
use std::process::{Child, ChildStdin, ChildStdout};
use std::ptr::{null, null_mut};

// ---------------------------------------------------------------------------------------------
// The Echo service: `string text; int32 count --- string reply; int64 total; bool ok`, C layout.
// ---------------------------------------------------------------------------------------------

#[repr(C)]
struct EchoRequest {
    text: rosidl_runtime_c__String,
    count: i32,
}

#[repr(C)]
struct EchoResponse {
    reply: rosidl_runtime_c__String,
    total: i64,
    ok: bool,
}

mod fixture {
    use super::*;
    use crate::common::fixture::{
        empty_string, member, message_members, service_handle, service_members,
    };
    use rmw_hazcat_rs::sys::rosidl::field_types::*;
    use std::mem::offset_of;

    unsafe extern "C" fn req_init(p: *mut c_void, _: rosidl_runtime_c__message_initialization) {
        unsafe {
            p.cast::<EchoRequest>().write(EchoRequest {
                text: empty_string(),
                count: 0,
            })
        };
    }

    unsafe extern "C" fn req_fini(p: *mut c_void) {
        unsafe { libc::free((*p.cast::<EchoRequest>()).text.data.cast()) };
    }

    unsafe extern "C" fn resp_init(p: *mut c_void, _: rosidl_runtime_c__message_initialization) {
        unsafe {
            p.cast::<EchoResponse>().write(EchoResponse {
                reply: empty_string(),
                total: 0,
                ok: false,
            })
        };
    }

    unsafe extern "C" fn resp_fini(p: *mut c_void) {
        unsafe { libc::free((*p.cast::<EchoResponse>()).reply.data.cast()) };
    }

    #[cfg(not(ros_distro = "humble"))]
    pub static HASH: rmw_hazcat_rs::sys::rosidl::rosidl_type_hash_t =
        rmw_hazcat_rs::sys::rosidl::rosidl_type_hash_t {
            version: 1,
            value: [7; 32],
        };

    #[cfg(not(ros_distro = "humble"))]
    unsafe extern "C" fn type_hash(
        _: *const rosidl_service_type_support_t,
    ) -> *const rmw_hazcat_rs::sys::rosidl::rosidl_type_hash_t {
        &HASH
    }

    /// A service type-support handle with the given identifier (leaked).
    pub fn handle(id: &'static CStr) -> *const rosidl_service_type_support_t {
        const NAMESPACE: &CStr = c"hazcat_test_msgs__srv";
        let req = message_members(
            NAMESPACE,
            c"Echo_Request",
            std::mem::size_of::<EchoRequest>(),
            vec![
                member(c"text", ROS_TYPE_STRING, offset_of!(EchoRequest, text)),
                member(c"count", ROS_TYPE_INT32, offset_of!(EchoRequest, count)),
            ],
            req_init,
            req_fini,
        );
        let resp = message_members(
            NAMESPACE,
            c"Echo_Response",
            std::mem::size_of::<EchoResponse>(),
            vec![
                member(c"reply", ROS_TYPE_STRING, offset_of!(EchoResponse, reply)),
                member(c"total", ROS_TYPE_INT64, offset_of!(EchoResponse, total)),
                member(c"ok", ROS_TYPE_BOOLEAN, offset_of!(EchoResponse, ok)),
            ],
            resp_init,
            resp_fini,
        );
        #[allow(unused_mut)]
        let mut h = service_handle(id, service_members(NAMESPACE, c"Echo", req, resp));
        #[cfg(not(ros_distro = "humble"))]
        {
            h.get_type_hash_func = Some(type_hash);
        }
        Box::leak(Box::new(h))
    }
}

/// The generated type support of this build's distro, when built.
fn generated() -> Option<*const rosidl_service_type_support_t> {
    use std::sync::OnceLock;
    static TS: OnceLock<Option<usize>> = OnceLock::new();
    let ts = TS.get_or_init(|| {
        let lib = match common::test_msgs::lib_dir_or_skip() {
            Ok(lib) => lib,
            Err(why) => {
                eprintln!("NOTE: {why}; using the fixture type support");
                return None;
            }
        };
        let path = |kind: &str| lib.join(format!("libhazcat_test_msgs__{kind}.so"));
        type GetSrv = unsafe extern "C" fn() -> *const rosidl_service_type_support_t;
        unsafe {
            // The libraries stay loaded for the whole process (type supports must).
            let gen = libloading::Library::new(path("rosidl_generator_c")).expect("generator_c");
            let intro = libloading::Library::new(path("rosidl_typesupport_introspection_c"))
                .expect("introspection_c");
            let f: libloading::Symbol<GetSrv> = intro
                .get(b"rosidl_typesupport_introspection_c__get_service_type_support_handle__hazcat_test_msgs__srv__Echo\0")
                .expect("Echo type support symbol");
            let ts = f() as usize;
            std::mem::forget(intro);
            std::mem::forget(gen);
            Some(ts)
        }
    });
    ts.map(|p| p as *const rosidl_service_type_support_t)
}

/// The Echo type support used by these tests.
fn echo_ts() -> *const rosidl_service_type_support_t {
    if let Some(ts) = generated() {
        return ts;
    }
    use std::sync::OnceLock;
    static TS: OnceLock<usize> = OnceLock::new();
    *TS.get_or_init(|| fixture::handle(TYPESUPPORT_INTROSPECTION_C_IDENTIFIER) as usize)
        as *const rosidl_service_type_support_t
}

fn echo_types() -> ServiceTypes {
    unsafe { service_types(echo_ts()) }.expect("Echo type support")
}

fn set_string(s: &mut rosidl_runtime_c__String, v: &str) {
    unsafe {
        s.data = libc::realloc(s.data.cast(), v.len() + 1).cast();
        std::ptr::copy_nonoverlapping(v.as_ptr(), s.data.cast::<u8>(), v.len());
        *s.data.add(v.len()) = 0;
    }
    s.size = v.len();
    s.capacity = v.len() + 1;
}

fn get_string(s: &rosidl_runtime_c__String) -> String {
    let b = unsafe { std::slice::from_raw_parts(s.data.cast::<u8>(), s.size) };
    String::from_utf8_lossy(b).into_owned()
}

fn request(text: &str, count: i32) -> OwnedMessage {
    let mut m = OwnedMessage::new(echo_types().request).unwrap();
    let r = unsafe { &mut *m.as_mut_ptr().cast::<EchoRequest>() };
    set_string(&mut r.text, text);
    r.count = count;
    m
}

fn response(reply: &str, total: i64) -> OwnedMessage {
    let mut m = OwnedMessage::new(echo_types().response).unwrap();
    let r = unsafe { &mut *m.as_mut_ptr().cast::<EchoResponse>() };
    set_string(&mut r.reply, reply);
    r.total = total;
    r.ok = true;
    m
}

fn read_request(m: &OwnedMessage) -> (String, i32) {
    let r = unsafe { &*m.as_ptr().cast::<EchoRequest>() };
    (get_string(&r.text), r.count)
}

fn read_response(m: &OwnedMessage) -> (String, i64, bool) {
    let r = unsafe { &*m.as_ptr().cast::<EchoResponse>() };
    (get_string(&r.reply), r.total, r.ok)
}

// ---------------------------------------------------------------------------------------------
// Helpers driving the C API.
// ---------------------------------------------------------------------------------------------

const SERVICE: &str = "/echo";

fn destroy_service(node: &Node, s: *mut rmw_service_t) {
    assert_eq!(unsafe { rmw_destroy_service(node.0, s) }, RMW_RET_OK);
}

fn destroy_client(node: &Node, c: *mut rmw_client_t) {
    assert_eq!(unsafe { rmw_destroy_client(node.0, c) }, RMW_RET_OK);
}

fn send_request(c: *mut rmw_client_t, text: &str, count: i32) -> i64 {
    let req = request(text, count);
    let mut seq = -1;
    let rc = unsafe { rmw_send_request(c, req.as_ptr().cast(), &mut seq) };
    assert_eq!(rc, RMW_RET_OK, "{}", last_error());
    seq
}

/// Takes one request (`None` when nothing is queued).
fn take_request(s: *mut rmw_service_t) -> Option<(rmw_service_info_t, String, i32)> {
    let mut m = OwnedMessage::new(echo_types().request).unwrap();
    let mut info = rmw_service_info_t::default();
    let mut taken = true;
    let rc = unsafe { rmw_take_request(s, &mut info, m.as_mut_ptr().cast(), &mut taken) };
    assert_eq!(rc, RMW_RET_OK, "{}", last_error());
    taken.then(|| {
        let (t, c) = read_request(&m);
        (info, t, c)
    })
}

fn send_response(s: *mut rmw_service_t, id: &rmw_request_id_t, reply: &str, total: i64) {
    let resp = response(reply, total);
    let mut id = *id;
    let rc = unsafe { rmw_send_response(s, &mut id, resp.as_ptr().cast_mut().cast()) };
    assert_eq!(rc, RMW_RET_OK, "{}", last_error());
}

/// Takes one response (`None` when nothing is queued).
fn take_response(c: *mut rmw_client_t) -> Option<(rmw_service_info_t, String, i64, bool)> {
    let mut m = OwnedMessage::new(echo_types().response).unwrap();
    let mut info = rmw_service_info_t::default();
    let mut taken = true;
    let rc = unsafe { rmw_take_response(c, &mut info, m.as_mut_ptr().cast(), &mut taken) };
    assert_eq!(rc, RMW_RET_OK, "{}", last_error());
    taken.then(|| {
        let (r, t, ok) = read_response(&m);
        (info, r, t, ok)
    })
}

/// Guard against a hang (not a timing expectation): every wait below is satisfied by an event
/// that has already happened or will happen without any delay.
const HANG_GUARD: rmw_time_t = rmw_time_t { sec: 60, nsec: 0 };
const POLL: rmw_time_t = rmw_time_t { sec: 0, nsec: 0 };

struct WaitSet(*mut rmw_wait_set_t);

impl WaitSet {
    fn new(ctx: &mut Context) -> WaitSet {
        let ws = unsafe { rmw_create_wait_set(ctx.ptr(), 0) };
        assert!(!ws.is_null(), "{}", last_error());
        WaitSet(ws)
    }

    /// Waits on services and clients; returns the return code and per-entry readiness.
    fn wait(
        &self,
        services: &[*mut rmw_service_t],
        clients: &[*mut rmw_client_t],
        timeout: rmw_time_t,
    ) -> (rmw_ret_t, Vec<bool>, Vec<bool>) {
        let mut s: Vec<*mut c_void> = services.iter().map(|s| unsafe { (**s).data }).collect();
        let mut c: Vec<*mut c_void> = clients.iter().map(|c| unsafe { (**c).data }).collect();
        let mut sa = rmw_services_t {
            service_count: s.len(),
            services: s.as_mut_ptr(),
        };
        let mut ca = rmw_clients_t {
            client_count: c.len(),
            clients: c.as_mut_ptr(),
        };
        let rc = unsafe {
            rmw_wait(
                null_mut(),
                null_mut(),
                &mut sa,
                &mut ca,
                null_mut(),
                self.0,
                &timeout,
            )
        };
        (
            rc,
            s.iter().map(|p| !p.is_null()).collect(),
            c.iter().map(|p| !p.is_null()).collect(),
        )
    }

    fn until_service_ready(&self, s: *mut rmw_service_t) {
        let (rc, ready, _) = self.wait(&[s], &[], HANG_GUARD);
        assert_eq!(rc, RMW_RET_OK, "service never became ready");
        assert_eq!(ready, [true]);
    }

    fn until_client_ready(&self, c: *mut rmw_client_t) {
        let (rc, _, ready) = self.wait(&[], &[c], HANG_GUARD);
        assert_eq!(rc, RMW_RET_OK, "client never became ready");
        assert_eq!(ready, [true]);
    }
}

impl Drop for WaitSet {
    fn drop(&mut self) {
        assert_eq!(unsafe { rmw_destroy_wait_set(self.0) }, RMW_RET_OK);
    }
}

fn client_gid(c: *mut rmw_client_t) -> [u8; 16] {
    let data = unsafe { (*c).data };
    assert!(!data.is_null());
    let imp = unsafe { &*data.cast::<rmw_hazcat_rs::detail::service::ClientImpl>() };
    imp.gid[..16].try_into().unwrap()
}

fn writer_guid(id: &rmw_request_id_t) -> [u8; 16] {
    let mut g = [0u8; 16];
    for (d, s) in g.iter_mut().zip(id.writer_guid) {
        #[allow(clippy::unnecessary_cast)]
        {
            *d = s as u8;
        }
    }
    g
}

fn server_available(node: &Node, c: *mut rmw_client_t) -> bool {
    let mut a = false;
    assert_eq!(
        unsafe { rmw_service_server_is_available(node.0, c, &mut a) },
        RMW_RET_OK
    );
    a
}

// ---------------------------------------------------------------------------------------------
// Creation, destruction, bad arguments.
// ---------------------------------------------------------------------------------------------

#[test]
fn create_with_bad_arguments() {
    let mut ctx = Context::new();
    let node = ctx.node("srv_args", "/");
    let ts = echo_ts();
    let name = cs(SERVICE);
    let qos = rmw_qos_profile_services_default;
    type Create = unsafe fn(
        *const rmw_node_t,
        *const rosidl_service_type_support_t,
        *const c_char,
        *const rmw_qos_profile_t,
    ) -> *mut c_void;
    let creators: [(&str, Create); 2] = [
        ("service", |n, t, s, q| unsafe {
            rmw_create_service(n, t, s, q).cast()
        }),
        ("client", |n, t, s, q| unsafe {
            rmw_create_client(n, t, s, q).cast()
        }),
    ];
    for (what, create) in creators {
        let fails = |n: *const rmw_node_t,
                     t: *const rosidl_service_type_support_t,
                     s: *const c_char,
                     q: *const rmw_qos_profile_t,
                     case: &str| {
            rmw_hazcat_rs::ret::reset_error();
            let p = unsafe { create(n, t, s, q) };
            assert!(p.is_null(), "{what}: {case} was accepted");
            assert!(!last_error().is_empty(), "{what}: {case} set no error");
        };
        fails(null(), ts, name.as_ptr(), &qos, "NULL node");
        let id = unsafe { (*node.0).implementation_identifier };
        unsafe { (*node.0).implementation_identifier = c"not-hazcat".as_ptr() };
        fails(node.0, ts, name.as_ptr(), &qos, "foreign node");
        unsafe { (*node.0).implementation_identifier = id };
        fails(node.0, null(), name.as_ptr(), &qos, "NULL type support");
        fails(node.0, ts, null(), &qos, "NULL name");
        for bad in ["", "/foo bar", "foo", "/1x", "/a//b"] {
            let b = cs(bad);
            fails(node.0, ts, b.as_ptr(), &qos, bad);
        }
        fails(node.0, ts, name.as_ptr(), null(), "NULL qos");
        fails(
            node.0,
            ts,
            name.as_ptr(),
            &rmw_qos_profile_unknown,
            "unknown qos",
        );
        let bogus = fixture::handle(c"not-a-typesupport-identifier");
        fails(node.0, bogus, name.as_ptr(), &qos, "bogus type support");

        // A relative name is fine when the profile avoids ROS namespace conventions.
        let mut avoid = qos;
        avoid.avoid_ros_namespace_conventions = true;
        let rel = cs("foo");
        let p = unsafe { create(node.0, ts, rel.as_ptr(), &avoid) };
        assert!(!p.is_null(), "{what}: {}", last_error());
        let rc = if what == "service" {
            assert_eq!(
                rs(unsafe { (*p.cast::<rmw_service_t>()).service_name }),
                "foo"
            );
            unsafe { rmw_destroy_service(node.0, p.cast()) }
        } else {
            assert_eq!(
                rs(unsafe { (*p.cast::<rmw_client_t>()).service_name }),
                "foo"
            );
            unsafe { rmw_destroy_client(node.0, p.cast()) }
        };
        assert_eq!(rc, RMW_RET_OK);
    }
    drop(node);
    let d = ctx.domain;
    drop(ctx);
    assert_shm_clean(d);
}

#[test]
fn destroy_and_use_with_bad_arguments() {
    let mut ctx = Context::new();
    let node = ctx.node("srv_bad", "/ns");
    let srv = create_service(&node, echo_ts(), SERVICE);
    let cli = create_client(&node, echo_ts(), SERVICE);
    assert_eq!(rs(unsafe { (*srv).service_name }), SERVICE);
    assert_eq!(rs(unsafe { (*cli).service_name }), SERVICE);
    unsafe {
        // destroy
        assert_eq!(
            rmw_destroy_service(null_mut(), srv),
            RMW_RET_INVALID_ARGUMENT
        );
        assert_eq!(
            rmw_destroy_service(node.0, null_mut()),
            RMW_RET_INVALID_ARGUMENT
        );
        assert_eq!(
            rmw_destroy_client(null_mut(), cli),
            RMW_RET_INVALID_ARGUMENT
        );
        assert_eq!(
            rmw_destroy_client(node.0, null_mut()),
            RMW_RET_INVALID_ARGUMENT
        );
        let nid = (*node.0).implementation_identifier;
        (*node.0).implementation_identifier = c"not-hazcat".as_ptr();
        assert_eq!(
            rmw_destroy_service(node.0, srv),
            RMW_RET_INCORRECT_RMW_IMPLEMENTATION
        );
        assert_eq!(
            rmw_destroy_client(node.0, cli),
            RMW_RET_INCORRECT_RMW_IMPLEMENTATION
        );
        let mut avail = false;
        assert_eq!(
            rmw_service_server_is_available(node.0, cli, &mut avail),
            RMW_RET_INCORRECT_RMW_IMPLEMENTATION
        );
        (*node.0).implementation_identifier = nid;

        // take_request / send_response
        let mut req = OwnedMessage::new(echo_types().request).unwrap();
        let mut resp = OwnedMessage::new(echo_types().response).unwrap();
        let mut info = rmw_service_info_t::default();
        let mut id = rmw_request_id_t::default();
        let mut taken = false;
        let rp = req.as_mut_ptr().cast::<c_void>();
        let sp = resp.as_mut_ptr().cast::<c_void>();
        assert_eq!(
            rmw_take_request(null(), &mut info, rp, &mut taken),
            RMW_RET_INVALID_ARGUMENT
        );
        assert_eq!(
            rmw_take_request(srv, null_mut(), rp, &mut taken),
            RMW_RET_INVALID_ARGUMENT
        );
        assert_eq!(
            rmw_take_request(srv, &mut info, null_mut(), &mut taken),
            RMW_RET_INVALID_ARGUMENT
        );
        assert_eq!(
            rmw_take_request(srv, &mut info, rp, null_mut()),
            RMW_RET_INVALID_ARGUMENT
        );
        assert_eq!(
            rmw_send_response(null(), &mut id, sp),
            RMW_RET_INVALID_ARGUMENT
        );
        assert_eq!(
            rmw_send_response(srv, null_mut(), sp),
            RMW_RET_INVALID_ARGUMENT
        );
        assert_eq!(
            rmw_send_response(srv, &mut id, null_mut()),
            RMW_RET_INVALID_ARGUMENT
        );
        // send_request / take_response
        let mut seq = 0i64;
        assert_eq!(
            rmw_send_request(null(), rp, &mut seq),
            RMW_RET_INVALID_ARGUMENT
        );
        assert_eq!(
            rmw_send_request(cli, null(), &mut seq),
            RMW_RET_INVALID_ARGUMENT
        );
        assert_eq!(
            rmw_send_request(cli, rp, null_mut()),
            RMW_RET_INVALID_ARGUMENT
        );
        assert_eq!(
            rmw_take_response(null(), &mut info, sp, &mut taken),
            RMW_RET_INVALID_ARGUMENT
        );
        assert_eq!(
            rmw_take_response(cli, null_mut(), sp, &mut taken),
            RMW_RET_INVALID_ARGUMENT
        );
        assert_eq!(
            rmw_take_response(cli, &mut info, null_mut(), &mut taken),
            RMW_RET_INVALID_ARGUMENT
        );
        assert_eq!(
            rmw_take_response(cli, &mut info, sp, null_mut()),
            RMW_RET_INVALID_ARGUMENT
        );
        // server_is_available: NULL arguments as test_client expects (ERROR up to Jazzy)
        assert_eq!(
            rmw_service_server_is_available(null(), cli, &mut avail),
            common::upstream::SERVER_IS_AVAILABLE_NULL
        );
        assert_eq!(
            rmw_service_server_is_available(node.0, null(), &mut avail),
            common::upstream::SERVER_IS_AVAILABLE_NULL
        );
        assert_eq!(
            rmw_service_server_is_available(node.0, cli, null_mut()),
            common::upstream::SERVER_IS_AVAILABLE_NULL
        );
        // actual QoS
        let mut q = rmw_qos_profile_unknown;
        assert_eq!(
            rmw_service_request_subscription_get_actual_qos(null(), &mut q),
            RMW_RET_INVALID_ARGUMENT
        );
        assert_eq!(
            rmw_service_response_publisher_get_actual_qos(srv, null_mut()),
            RMW_RET_INVALID_ARGUMENT
        );
        assert_eq!(
            rmw_client_request_publisher_get_actual_qos(null(), &mut q),
            RMW_RET_INVALID_ARGUMENT
        );
        assert_eq!(
            rmw_client_response_subscription_get_actual_qos(cli, null_mut()),
            RMW_RET_INVALID_ARGUMENT
        );
        // callbacks
        assert_eq!(
            rmw_service_set_on_new_request_callback(null_mut(), None, null()),
            RMW_RET_INVALID_ARGUMENT
        );
        assert_eq!(
            rmw_client_set_on_new_response_callback(null_mut(), None, null()),
            RMW_RET_INVALID_ARGUMENT
        );
        #[cfg(not(ros_distro = "humble"))]
        {
            let mut gid: rmw_gid_t = std::mem::zeroed();
            assert_eq!(
                rmw_get_gid_for_client(null(), &mut gid),
                RMW_RET_INVALID_ARGUMENT
            );
            assert_eq!(
                rmw_get_gid_for_client(cli, null_mut()),
                RMW_RET_INVALID_ARGUMENT
            );
        }

        // Foreign handles.
        let sid = (*srv).implementation_identifier;
        let cid = (*cli).implementation_identifier;
        (*srv).implementation_identifier = c"not-hazcat".as_ptr();
        (*cli).implementation_identifier = c"not-hazcat".as_ptr();
        assert_eq!(
            rmw_take_request(srv, &mut info, rp, &mut taken),
            RMW_RET_INCORRECT_RMW_IMPLEMENTATION
        );
        assert_eq!(
            rmw_send_response(srv, &mut id, sp),
            RMW_RET_INCORRECT_RMW_IMPLEMENTATION
        );
        assert_eq!(
            rmw_send_request(cli, rp, &mut seq),
            RMW_RET_INCORRECT_RMW_IMPLEMENTATION
        );
        assert_eq!(
            rmw_take_response(cli, &mut info, sp, &mut taken),
            RMW_RET_INCORRECT_RMW_IMPLEMENTATION
        );
        assert_eq!(
            rmw_service_server_is_available(node.0, cli, &mut avail),
            RMW_RET_INCORRECT_RMW_IMPLEMENTATION
        );
        assert_eq!(
            rmw_service_request_subscription_get_actual_qos(srv, &mut q),
            RMW_RET_INCORRECT_RMW_IMPLEMENTATION
        );
        assert_eq!(
            rmw_client_request_publisher_get_actual_qos(cli, &mut q),
            RMW_RET_INCORRECT_RMW_IMPLEMENTATION
        );
        assert_eq!(
            rmw_service_set_on_new_request_callback(srv, None, null()),
            RMW_RET_INCORRECT_RMW_IMPLEMENTATION
        );
        assert_eq!(
            rmw_destroy_service(node.0, srv),
            RMW_RET_INCORRECT_RMW_IMPLEMENTATION
        );
        assert_eq!(
            rmw_destroy_client(node.0, cli),
            RMW_RET_INCORRECT_RMW_IMPLEMENTATION
        );
        assert!(!last_error().is_empty());
        (*srv).implementation_identifier = sid;
        (*cli).implementation_identifier = cid;

        // Nothing queued: taken is false.
        assert_eq!(rmw_take_request(srv, &mut info, rp, &mut taken), RMW_RET_OK);
        assert!(!taken);
        assert_eq!(
            rmw_take_response(cli, &mut info, sp, &mut taken),
            RMW_RET_OK
        );
        assert!(!taken);
    }
    destroy_client(&node, cli);
    destroy_service(&node, srv);
    drop(node);
    let d = ctx.domain;
    drop(ctx);
    assert_shm_clean(d);
}

#[test]
fn actual_qos_echoes_the_requested_profile() {
    let mut ctx = Context::new();
    let node = ctx.node("srv_qos", "/");
    let mut qos = rmw_qos_profile_services_default;
    qos.depth = 3;
    qos.deadline = rmw_time_t { sec: 1, nsec: 1 };
    qos.lifespan = rmw_time_t { sec: 1, nsec: 1 };
    qos.liveliness_lease_duration = rmw_time_t { sec: 1, nsec: 1 };
    qos.liveliness = RMW_QOS_POLICY_LIVELINESS_AUTOMATIC;
    let name = cs(SERVICE);
    let srv = unsafe { rmw_create_service(node.0, echo_ts(), name.as_ptr(), &qos) };
    let cli = unsafe { rmw_create_client(node.0, echo_ts(), name.as_ptr(), &qos) };
    assert!(!srv.is_null() && !cli.is_null(), "{}", last_error());
    let get = |f: &dyn Fn(*mut rmw_qos_profile_t) -> rmw_ret_t| {
        let mut q = rmw_qos_profile_unknown;
        assert_eq!(f(&mut q), RMW_RET_OK);
        q
    };
    unsafe {
        assert_eq!(
            get(&|q| rmw_service_request_subscription_get_actual_qos(srv, q)),
            qos
        );
        assert_eq!(
            get(&|q| rmw_service_response_publisher_get_actual_qos(srv, q)),
            qos
        );
        assert_eq!(
            get(&|q| rmw_client_request_publisher_get_actual_qos(cli, q)),
            qos
        );
        assert_eq!(
            get(&|q| rmw_client_response_subscription_get_actual_qos(cli, q)),
            qos
        );
    }
    destroy_client(&node, cli);
    destroy_service(&node, srv);

    // System defaults come back concrete.
    let srv = unsafe {
        rmw_create_service(
            node.0,
            echo_ts(),
            name.as_ptr(),
            &rmw_qos_profile_system_default,
        )
    };
    assert!(!srv.is_null(), "{}", last_error());
    let q = get(&|q| unsafe { rmw_service_request_subscription_get_actual_qos(srv, q) });
    assert_eq!(q.history, RMW_QOS_POLICY_HISTORY_KEEP_LAST);
    assert_eq!(q.reliability, RMW_QOS_POLICY_RELIABILITY_RELIABLE);
    assert_eq!(q.durability, RMW_QOS_POLICY_DURABILITY_VOLATILE);
    assert_eq!(q.liveliness, RMW_QOS_POLICY_LIVELINESS_AUTOMATIC);
    destroy_service(&node, srv);
    drop(node);
    let d = ctx.domain;
    drop(ctx);
    assert_shm_clean(d);
}

#[cfg(not(ros_distro = "humble"))]
#[test]
fn client_gids_are_distinct_and_match_request_ids() {
    let mut ctx = Context::new();
    let node = ctx.node("srv_gid", "/");
    let a = create_client(&node, echo_ts(), SERVICE);
    let b = create_client(&node, echo_ts(), SERVICE);
    let gid = |c| {
        let mut g: rmw_gid_t = unsafe { std::mem::zeroed() };
        assert_eq!(unsafe { rmw_get_gid_for_client(c, &mut g) }, RMW_RET_OK);
        assert_eq!(g.implementation_identifier, unsafe {
            (*c).implementation_identifier
        });
        g.data
    };
    assert_eq!(gid(a), gid(a));
    assert_ne!(gid(a), gid(b));
    assert_eq!(gid(a), client_gid(a));
    destroy_client(&node, a);
    destroy_client(&node, b);
    drop(node);
    let d = ctx.domain;
    drop(ctx);
    assert_shm_clean(d);
}

// ---------------------------------------------------------------------------------------------
// Request / response in one process.
// ---------------------------------------------------------------------------------------------

#[test]
fn round_trip_and_wait_set_readiness() {
    let mut ctx = Context::new();
    let node = ctx.node("srv_rt", "/");
    let ws = WaitSet::new(&mut ctx);
    let cli = create_client(&node, echo_ts(), SERVICE);
    assert!(!server_available(&node, cli));
    let srv = create_service(&node, echo_ts(), SERVICE);
    assert!(server_available(&node, cli));

    // Nothing queued: both entries NULLed, RMW_RET_TIMEOUT.
    let (rc, s, c) = ws.wait(&[srv], &[cli], POLL);
    assert_eq!(rc, RMW_RET_TIMEOUT);
    assert_eq!((s, c), (vec![false], vec![false]));

    let before = hazcat_core::now_ns() as i64;
    assert_eq!(send_request(cli, "hello", 3), 1);
    assert_eq!(send_request(cli, "again", 4), 2);
    let (rc, s, c) = ws.wait(&[srv], &[cli], HANG_GUARD);
    assert_eq!(rc, RMW_RET_OK);
    assert_eq!((s, c), (vec![true], vec![false]));

    let (info, text, count) = take_request(srv).expect("request queued");
    assert_eq!((text.as_str(), count), ("hello", 3));
    assert_eq!(info.request_id.sequence_number, 1);
    assert_eq!(writer_guid(&info.request_id), client_gid(cli));
    assert!(info.source_timestamp >= before);
    assert!(info.received_timestamp >= info.source_timestamp);
    send_response(srv, &info.request_id, "HELLO", 33);

    let (info2, text, count) = take_request(srv).expect("second request queued");
    assert_eq!((text.as_str(), count), ("again", 4));
    assert_eq!(info2.request_id.sequence_number, 2);
    assert!(take_request(srv).is_none());
    let (rc, s, _) = ws.wait(&[srv], &[], POLL);
    assert_eq!((rc, s), (RMW_RET_TIMEOUT, vec![false]));

    ws.until_client_ready(cli);
    let (rinfo, reply, total, ok) = take_response(cli).expect("response queued");
    assert_eq!((reply.as_str(), total, ok), ("HELLO", 33, true));
    assert_eq!(rinfo.request_id.sequence_number, 1);
    assert_eq!(writer_guid(&rinfo.request_id), client_gid(cli));
    assert!(take_response(cli).is_none());

    send_response(srv, &info2.request_id, "AGAIN", 44);
    ws.until_client_ready(cli);
    let (rinfo, reply, total, _) = take_response(cli).expect("second response");
    assert_eq!((reply.as_str(), total), ("AGAIN", 44));
    assert_eq!(rinfo.request_id.sequence_number, 2);

    destroy_service(&node, srv);
    assert!(!server_available(&node, cli));
    destroy_client(&node, cli);
    drop(ws);
    drop(node);
    let d = ctx.domain;
    drop(ctx);
    assert_shm_clean(d);
}

#[test]
fn two_clients_get_only_their_own_responses() {
    let mut ctx = Context::new();
    let node = ctx.node("srv_two", "/");
    let ws = WaitSet::new(&mut ctx);
    let srv = create_service(&node, echo_ts(), SERVICE);
    let a = create_client(&node, echo_ts(), SERVICE);
    let b = create_client(&node, echo_ts(), SERVICE);
    assert_ne!(client_gid(a), client_gid(b));
    assert_eq!(send_request(a, "from a", 1), 1);
    assert_eq!(send_request(b, "from b", 2), 1);
    assert_eq!(send_request(a, "from a again", 3), 2);
    for _ in 0..3 {
        ws.until_service_ready(srv);
        let (info, text, count) = take_request(srv).expect("request");
        send_response(srv, &info.request_id, &format!("re: {text}"), count.into());
    }
    assert!(take_request(srv).is_none());

    ws.until_client_ready(a);
    let mut got_a = Vec::new();
    while let Some((info, reply, total, _)) = take_response(a) {
        assert_eq!(writer_guid(&info.request_id), client_gid(a));
        got_a.push((info.request_id.sequence_number, reply, total));
    }
    got_a.sort();
    assert_eq!(
        got_a,
        [
            (1, "re: from a".to_owned(), 1),
            (2, "re: from a again".to_owned(), 3)
        ]
    );
    ws.until_client_ready(b);
    let (info, reply, total, _) = take_response(b).expect("response for b");
    assert_eq!(
        (info.request_id.sequence_number, reply.as_str(), total),
        (1, "re: from b", 2)
    );
    assert!(take_response(b).is_none());
    let (rc, _, c) = ws.wait(&[], &[a, b], POLL);
    assert_eq!((rc, c), (RMW_RET_TIMEOUT, vec![false, false]));

    for c in [a, b] {
        destroy_client(&node, c);
    }
    destroy_service(&node, srv);
    drop(ws);
    drop(node);
    let d = ctx.domain;
    drop(ctx);
    assert_shm_clean(d);
}

#[test]
fn every_service_of_a_name_gets_every_request() {
    let mut ctx = Context::new();
    let node = ctx.node("srv_many", "/");
    let ws = WaitSet::new(&mut ctx);
    let s1 = create_service(&node, echo_ts(), SERVICE);
    let s2 = create_service(&node, echo_ts(), SERVICE);
    let other = create_service(&node, echo_ts(), "/other");
    let cli = create_client(&node, echo_ts(), SERVICE);
    let seq = send_request(cli, "both", 7);
    for s in [s1, s2] {
        ws.until_service_ready(s);
        let (info, text, _) = take_request(s).expect("each service gets the request");
        assert_eq!(
            (text.as_str(), info.request_id.sequence_number),
            ("both", seq)
        );
        send_response(s, &info.request_id, "answer", 1);
    }
    assert!(take_request(other).is_none());
    // The client takes both answers (rcl drops the one whose request is no longer pending).
    let mut n = 0;
    while n < 2 {
        ws.until_client_ready(cli);
        while let Some((info, _, _, _)) = take_response(cli) {
            assert_eq!(info.request_id.sequence_number, seq);
            n += 1;
        }
    }
    assert_eq!(n, 2);
    destroy_client(&node, cli);
    for s in [s1, s2, other] {
        destroy_service(&node, s);
    }
    drop(ws);
    drop(node);
    let d = ctx.domain;
    drop(ctx);
    assert_shm_clean(d);
}

#[test]
fn response_after_the_client_is_gone_returns_ok() {
    let mut ctx = Context::new();
    let node = ctx.node("srv_gone", "/");
    let ws = WaitSet::new(&mut ctx);
    let srv = create_service(&node, echo_ts(), SERVICE);
    let cli = create_client(&node, echo_ts(), SERVICE);
    send_request(cli, "bye", 1);
    destroy_client(&node, cli);
    ws.until_service_ready(srv);
    let (info, _, _) = take_request(srv).expect("the request outlives its client");
    send_response(srv, &info.request_id, "too late", 0);
    // An id nobody ever had is fine too.
    let bogus = rmw_request_id_t {
        sequence_number: 99,
        ..Default::default()
    };
    send_response(srv, &bogus, "nobody", 0);
    destroy_service(&node, srv);
    drop(ws);
    drop(node);
    let d = ctx.domain;
    drop(ctx);
    assert_shm_clean(d);
}

#[test]
fn departed_clients_release_their_response_topic() {
    use rmw_hazcat_rs::detail::service::transport;
    let mut ctx = Context::new();
    let domain = ctx.domain as u32;
    let node = ctx.node("srv_release", "/");
    let ws = WaitSet::new(&mut ctx);
    let srv = create_service(&node, echo_ts(), SERVICE);
    let cli = create_client(&node, echo_ts(), SERVICE);
    let topic = transport::response_topic(SERVICE, "hazcat_test_msgs/srv/Echo", &client_gid(cli));
    let segment = hazcat_core::naming::topic(
        domain,
        &format!("{topic}\nhazcat_test_msgs/srv/Echo_Response"),
    );
    let exists =
        || hazcat_core::os::shm_file::list(&hazcat_core::naming::prefix(domain)).contains(&segment);
    assert!(exists(), "the client's response topic");
    send_request(cli, "x", 1);
    ws.until_service_ready(srv);
    let (info, _, _) = take_request(srv).unwrap();
    send_response(srv, &info.request_id, "y", 2);
    destroy_client(&node, cli);
    assert!(exists(), "still held by the service's response publisher");
    // The next take notices that the client left the graph.
    assert!(take_request(srv).is_none());
    assert!(!exists(), "released once the client left");
    destroy_service(&node, srv);
    drop(ws);
    drop(node);
    drop(ctx);
    assert_shm_clean(domain as usize);
}

#[test]
fn graph_registration() {
    let mut ctx = Context::new();
    let node = ctx.node("srv_graph", "/g");
    let srv = create_service(&node, echo_ts(), SERVICE);
    let cli = create_client(&node, echo_ts(), "/remote");
    let shared = unsafe { &rmw_hazcat_rs::handle::context(ctx.ptr()).unwrap().shared };
    let snap = shared.participant.graph();
    let mine: Vec<_> = snap.endpoints.iter().collect();
    assert_eq!(mine.len(), 2, "{mine:?}");
    let s = mine
        .iter()
        .find(|e| e.kind == hazcat_core::EntryKind::Service)
        .expect("service entry");
    assert_eq!(
        (s.topic.as_str(), s.type_name.as_str()),
        (SERVICE, "hazcat_test_msgs/srv/Echo")
    );
    // The type support's hash function (Jazzy layout and later: the generated one, or the
    // fixture's) is what rcl would call.
    #[cfg(not(ros_distro = "humble"))]
    {
        let ts = echo_ts();
        let hash_fn = unsafe { (*ts).get_type_hash_func }.expect("type hash function");
        assert_eq!(s.type_hash, unsafe { (*hash_fn(ts)).value });
    }
    let c = mine
        .iter()
        .find(|e| e.kind == hazcat_core::EntryKind::Client)
        .expect("client entry");
    assert_eq!(
        (c.topic.as_str(), c.type_name.as_str()),
        ("/remote", "hazcat_test_msgs/srv/Echo")
    );
    assert_eq!(c.gid[..16], client_gid(cli));
    let node_row = snap
        .nodes
        .iter()
        .find(|n| n.name == "srv_graph" && n.namespace == "/g")
        .expect("node")
        .row;
    assert!(mine.iter().all(|e| e.node_row == node_row));
    destroy_client(&node, cli);
    destroy_service(&node, srv);
    assert!(shared.participant.graph().endpoints.is_empty());
    drop(node);
    let d = ctx.domain;
    drop(ctx);
    assert_shm_clean(d);
}

// ---------------------------------------------------------------------------------------------
// Listener callbacks.
// ---------------------------------------------------------------------------------------------

#[test]
fn listener_callbacks_count_arrivals() {
    let mut ctx = Context::new();
    let node = ctx.node("srv_cb", "/");
    let srv = create_service(&node, echo_ts(), SERVICE);
    let cli = create_client(&node, echo_ts(), SERVICE);
    let requests = Box::new(Announced::default());
    let responses = Box::new(Announced::default());

    // Queued before the callback is set: announced at once, with their number.
    send_request(cli, "one", 1);
    send_request(cli, "two", 2);
    let rc = unsafe {
        rmw_service_set_on_new_request_callback(
            srv,
            Some(announce),
            (&*requests as *const Announced).cast(),
        )
    };
    assert_eq!(rc, RMW_RET_OK, "{}", last_error());
    assert_eq!(*requests.count.lock().unwrap(), 2);
    let rc = unsafe {
        rmw_client_set_on_new_response_callback(
            cli,
            Some(announce),
            (&*responses as *const Announced).cast(),
        )
    };
    assert_eq!(rc, RMW_RET_OK);
    assert_eq!(*responses.count.lock().unwrap(), 0);

    // Later arrivals: announced by the notifier thread.
    send_request(cli, "three", 3);
    assert_eq!(requests.wait_for(3), 3);
    let mut seen = Vec::new();
    while let Some((info, text, _)) = take_request(srv) {
        seen.push(text);
        send_response(srv, &info.request_id, "ok", 0);
    }
    assert_eq!(seen, ["one", "two", "three"]);
    assert_eq!(responses.wait_for(3), 3);
    let mut n = 0;
    while take_response(cli).is_some() {
        n += 1;
    }
    assert_eq!(n, 3);

    // Cleared: takes still work; nothing is announced to the old callback.
    unsafe {
        assert_eq!(
            rmw_service_set_on_new_request_callback(srv, None, null()),
            RMW_RET_OK
        );
        assert_eq!(
            rmw_client_set_on_new_response_callback(cli, None, null()),
            RMW_RET_OK
        );
    }
    send_request(cli, "four", 4);
    let ws = WaitSet::new(&mut ctx);
    ws.until_service_ready(srv);
    assert_eq!(take_request(srv).expect("request").1, "four");
    assert_eq!(*requests.count.lock().unwrap(), 3);
    drop(ws);

    destroy_client(&node, cli);
    destroy_service(&node, srv);
    drop(node);
    let d = ctx.domain;
    drop(ctx);
    assert_shm_clean(d);
}

// ---------------------------------------------------------------------------------------------
// Separate processes.
// ---------------------------------------------------------------------------------------------

/// A re-executed copy of this test binary running one `child_*` test in a role.
struct Peer {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
}

impl Peer {
    fn spawn(test: &str, role: &str, domain: usize) -> Peer {
        let (mut child, stdout) = spawn_test(test, role, domain);
        let stdin = child.stdin.take().unwrap();
        Peer {
            child,
            stdin,
            stdout,
        }
    }

    /// The next protocol line (after [`MARKER`]), skipping libtest's own output.
    fn expect(&mut self, what: &str) -> String {
        let mut line = String::new();
        loop {
            line.clear();
            let n = self.stdout.read_line(&mut line).unwrap();
            assert!(n > 0, "peer exited before sending {what}");
            // libtest may have printed "test child_x ... " on the same line first.
            if let Some((_, rest)) = line.trim_end().split_once(MARKER) {
                assert!(rest.starts_with(what), "expected {what}, got {rest}");
                return rest[what.len()..].trim().to_owned();
            }
        }
    }

    fn send(&mut self, line: &str) {
        send_line(&mut self.stdin, line);
    }

    fn finish(mut self) {
        drop(self.stdin);
        let status = self.child.wait().unwrap();
        assert!(status.success(), "peer failed: {status}");
    }
}

/// Child: serves `SERVICE` until told `exit`; answers `text` with `"re: text"`, total = count*10.
#[test]
#[ignore = "child process entry point; run by the other tests"]
fn child_server() {
    let Some(domain) = domain_if_role("server") else {
        return;
    };
    let mut ctx = Context::with_domain(domain);
    let node = ctx.node("remote_server", "/");
    let srv = create_service(&node, echo_ts(), SERVICE);
    let ws = WaitSet::new(&mut ctx);
    say("READY");
    let n: usize = read_stdin_line().parse().expect("number of requests");
    let mut served = 0;
    while served < n {
        ws.until_service_ready(srv);
        while let Some((info, text, count)) = take_request(srv) {
            send_response(
                srv,
                &info.request_id,
                &format!("re: {text}"),
                i64::from(count) * 10,
            );
            served += 1;
        }
    }
    say("SERVED");
    assert_eq!(read_stdin_line(), "exit");
    destroy_service(&node, srv);
    drop(ws);
    drop(node);
    drop(ctx);
}

/// Child: one client that sends `count` requests and checks it gets exactly its own answers.
#[test]
#[ignore = "child process entry point; run by the other tests"]
fn child_client() {
    let Some(domain) = domain_if_role("client") else {
        return;
    };
    let mut ctx = Context::with_domain(domain);
    let node = ctx.node("remote_client", "/");
    let cli = create_client(&node, echo_ts(), SERVICE);
    let ws = WaitSet::new(&mut ctx);
    assert!(server_available(&node, cli));
    for i in 1..=3 {
        assert_eq!(send_request(cli, &format!("child {i}"), i), i64::from(i));
    }
    let mut got = Vec::new();
    while got.len() < 3 {
        ws.until_client_ready(cli);
        while let Some((info, reply, total, _)) = take_response(cli) {
            assert_eq!(writer_guid(&info.request_id), client_gid(cli));
            got.push((info.request_id.sequence_number, reply, total));
        }
    }
    got.sort();
    let want: Vec<_> = (1..=3)
        .map(|i| (i64::from(i), format!("re: child {i}"), i64::from(i) * 10))
        .collect();
    assert_eq!(got, want);
    say("DONE");
    destroy_client(&node, cli);
    drop(ws);
    drop(node);
    drop(ctx);
}

/// Child: sends one request and leaves.
#[test]
#[ignore = "child process entry point; run by the other tests"]
fn child_send_and_leave() {
    let Some(domain) = domain_if_role("leaver") else {
        return;
    };
    let mut ctx = Context::with_domain(domain);
    let node = ctx.node("leaver", "/");
    let cli = create_client(&node, echo_ts(), SERVICE);
    assert!(server_available(&node, cli));
    send_request(cli, "leaving", 1);
    destroy_client(&node, cli);
    drop(node);
    drop(ctx);
    say("LEFT");
}

#[test]
fn cross_process_round_trip_routing_and_availability() {
    let domain = unique_domain();
    let mut ctx = Context::with_domain(domain);
    let node = ctx.node("local_client", "/");
    let cli = create_client(&node, echo_ts(), SERVICE);
    let ws = WaitSet::new(&mut ctx);
    assert!(!server_available(&node, cli));

    let mut server = Peer::spawn("child_server", "server", domain);
    server.expect("READY");
    assert!(server_available(&node, cli));
    // 2 requests from here, 3 from the child client.
    server.send("5");
    let mut other = Peer::spawn("child_client", "client", domain);
    assert_eq!(send_request(cli, "local 1", 1), 1);
    assert_eq!(send_request(cli, "local 2", 2), 2);
    let mut got = Vec::new();
    while got.len() < 2 {
        ws.until_client_ready(cli);
        while let Some((info, reply, total, _)) = take_response(cli) {
            assert_eq!(writer_guid(&info.request_id), client_gid(cli));
            got.push((info.request_id.sequence_number, reply, total));
        }
    }
    got.sort();
    assert_eq!(
        got,
        [
            (1, "re: local 1".to_owned(), 10),
            (2, "re: local 2".to_owned(), 20)
        ]
    );
    other.expect("DONE");
    other.finish();
    server.expect("SERVED");
    // Nothing meant for the other client reached this one.
    assert!(take_response(cli).is_none());
    server.send("exit");
    server.finish();
    assert!(!server_available(&node, cli));

    destroy_client(&node, cli);
    drop(ws);
    drop(node);
    drop(ctx);
    assert_shm_clean(domain);
}

#[test]
fn cross_process_response_after_the_client_left() {
    let domain = unique_domain();
    let mut ctx = Context::with_domain(domain);
    let node = ctx.node("local_server", "/");
    let srv = create_service(&node, echo_ts(), SERVICE);
    let ws = WaitSet::new(&mut ctx);
    let mut leaver = Peer::spawn("child_send_and_leave", "leaver", domain);
    leaver.expect("LEFT");
    leaver.finish();
    ws.until_service_ready(srv);
    let (info, text, _) = take_request(srv).expect("request of the departed client");
    assert_eq!(text, "leaving");
    send_response(srv, &info.request_id, "nobody listens", 0);
    destroy_service(&node, srv);
    drop(ws);
    drop(node);
    drop(ctx);
    assert_shm_clean(domain);
}
