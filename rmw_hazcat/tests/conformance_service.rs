//! Service, client and unique-identifier assertions of the upstream test_rmw_implementation
//! suite (test_service, test_client, test_unique_identifiers) that the other test files do not
//! already cover, driven through the exported C functions.
#![allow(clippy::undocumented_unsafe_blocks)]

mod common;

use common::fixture::*;
use common::*;
use rmw_hazcat_rs::api::client::*;
use rmw_hazcat_rs::api::publisher::*;
use rmw_hazcat_rs::api::service::*;
use rmw_hazcat_rs::sys::*;
use std::ffi::c_void;
use std::ptr::{null, null_mut};

/// test_client service_server_is_available_bad_args: NULL node, client or output are
/// `RMW_RET_ERROR` up to Jazzy, INVALID_ARGUMENT from Kilted; a foreign client is
/// INCORRECT_RMW_IMPLEMENTATION.
/// service_server_is_available_good_args: false without a server, true once one exists.
#[test]
fn server_is_available_arguments_and_result() {
    let mut ctx = Context::new();
    let node = ctx.node("avail", "/");
    let client = create_client(&node, plain_echo_ts(), "/avail");
    unsafe {
        let mut available = true;
        assert_eq!(
            rmw_service_server_is_available(null(), client, &mut available),
            upstream::SERVER_IS_AVAILABLE_NULL
        );
        assert!(!last_error().is_empty());
        assert_eq!(
            rmw_service_server_is_available(node.0, null(), &mut available),
            upstream::SERVER_IS_AVAILABLE_NULL
        );
        assert_eq!(
            rmw_service_server_is_available(node.0, client, null_mut()),
            upstream::SERVER_IS_AVAILABLE_NULL
        );
        let id = (*client).implementation_identifier;
        (*client).implementation_identifier = c"not-an-rmw-implementation-identifier".as_ptr();
        assert_eq!(
            rmw_service_server_is_available(node.0, client, &mut available),
            RMW_RET_INCORRECT_RMW_IMPLEMENTATION
        );
        (*client).implementation_identifier = id;

        assert_eq!(
            rmw_service_server_is_available(node.0, client, &mut available),
            RMW_RET_OK
        );
        assert!(!available);
        let service = create_service(&node, plain_echo_ts(), "/avail");
        assert_eq!(
            rmw_service_server_is_available(node.0, client, &mut available),
            RMW_RET_OK
        );
        assert!(available);
        assert_eq!(rmw_destroy_service(node.0, service), RMW_RET_OK);
        assert_eq!(rmw_destroy_client(node.0, client), RMW_RET_OK);
    }
}

/// test_unique_identifiers: gid getters reject bad arguments and leave the output alone; gids
/// compare equal to themselves and their copies; two publishers (same or different topic) and
/// two clients (same or different service) have different gids; comparing a foreign gid is
/// INCORRECT_RMW_IMPLEMENTATION.
#[test]
fn gids_of_publishers_and_clients() {
    let mut ctx = Context::new();
    let node = ctx.node("gids", "/");
    let q = rmw_qos_profile_default;
    let opts = pub_opts();
    let (t0, t1) = (cs("/test0"), cs("/test1"));
    let foreign = c"not-an-rmw-implementation-identifier".as_ptr();
    unsafe {
        let pubs = [
            rmw_create_publisher(node.0, plain_ts(), t0.as_ptr(), &q, &opts),
            rmw_create_publisher(node.0, plain_ts(), t1.as_ptr(), &q, &opts),
            rmw_create_publisher(node.0, plain_ts(), t1.as_ptr(), &q, &opts),
        ];
        assert!(pubs.iter().all(|p| !p.is_null()), "{}", last_error());
        let clients = [
            create_client(&node, plain_echo_ts(), "/test_service0"),
            create_client(&node, plain_echo_ts(), "/test_service1"),
            create_client(&node, plain_echo_ts(), "/test_service1"),
        ];

        let equal = |a: &rmw_gid_t, b: &rmw_gid_t| {
            let mut r = false;
            assert_eq!(rmw_compare_gids_equal(a, b, &mut r), RMW_RET_OK);
            r
        };
        let mut pub_gids: Vec<rmw_gid_t> = Vec::new();
        for &p in &pubs {
            let mut gid: rmw_gid_t = std::mem::zeroed();
            assert_eq!(rmw_get_gid_for_publisher(p, &mut gid), RMW_RET_OK);
            let expected = gid;
            assert_eq!(
                rmw_get_gid_for_publisher(null(), &mut gid),
                RMW_RET_INVALID_ARGUMENT
            );
            assert_eq!(
                rmw_get_gid_for_publisher(p, null_mut()),
                RMW_RET_INVALID_ARGUMENT
            );
            let id = (*p).implementation_identifier;
            (*p).implementation_identifier = foreign;
            assert_eq!(
                rmw_get_gid_for_publisher(p, &mut gid),
                RMW_RET_INCORRECT_RMW_IMPLEMENTATION
            );
            (*p).implementation_identifier = id;
            assert!(equal(&expected, &gid), "a failed call changed the gid");
            assert!(equal(&gid, &gid));
            let copy = gid;
            assert!(equal(&gid, &copy));
            pub_gids.push(gid);
        }
        assert!(!equal(&pub_gids[0], &pub_gids[1]));
        assert!(!equal(&pub_gids[1], &pub_gids[2]));

        // rmw_get_gid_for_client exists from Iron on.
        #[cfg(not(ros_distro = "humble"))]
        {
            let mut client_gids: Vec<rmw_gid_t> = Vec::new();
            for &c in &clients {
                let mut gid: rmw_gid_t = std::mem::zeroed();
                assert_eq!(rmw_get_gid_for_client(c, &mut gid), RMW_RET_OK);
                let expected = gid;
                assert_eq!(
                    rmw_get_gid_for_client(null(), &mut gid),
                    RMW_RET_INVALID_ARGUMENT
                );
                assert_eq!(
                    rmw_get_gid_for_client(c, null_mut()),
                    RMW_RET_INVALID_ARGUMENT
                );
                let id = (*c).implementation_identifier;
                (*c).implementation_identifier = foreign;
                assert_eq!(
                    rmw_get_gid_for_client(c, &mut gid),
                    RMW_RET_INCORRECT_RMW_IMPLEMENTATION
                );
                (*c).implementation_identifier = id;
                assert!(equal(&expected, &gid), "a failed call changed the gid");
                client_gids.push(gid);
            }
            assert!(!equal(&client_gids[0], &client_gids[1]));
            assert!(!equal(&client_gids[1], &client_gids[2]));
        }

        // compare_gids_equal argument checks.
        let mut r = false;
        let mut g = pub_gids[0];
        let dup = g;
        assert_eq!(
            rmw_compare_gids_equal(null(), &dup, &mut r),
            RMW_RET_INVALID_ARGUMENT
        );
        assert_eq!(
            rmw_compare_gids_equal(&g, null(), &mut r),
            RMW_RET_INVALID_ARGUMENT
        );
        assert_eq!(
            rmw_compare_gids_equal(&g, &dup, null_mut()),
            RMW_RET_INVALID_ARGUMENT
        );
        g.implementation_identifier = foreign;
        assert_eq!(
            rmw_compare_gids_equal(&g, &dup, &mut r),
            RMW_RET_INCORRECT_RMW_IMPLEMENTATION
        );
        assert_eq!(
            rmw_compare_gids_equal(&dup, &g, &mut r),
            RMW_RET_INCORRECT_RMW_IMPLEMENTATION
        );

        for c in clients {
            assert_eq!(rmw_destroy_client(node.0, c), RMW_RET_OK);
        }
        for p in pubs {
            assert_eq!(rmw_destroy_publisher(node.0, p), RMW_RET_OK);
        }
    }
}

/// test_service / test_client take_request / take_response with bad arguments leave the
/// message and the taken flag untouched.
#[test]
fn take_request_and_response_bad_arguments_leave_outputs_unchanged() {
    let mut ctx = Context::new();
    let node = ctx.node("srv_take", "/");
    let service = create_service(&node, plain_echo_ts(), "/srv_take");
    let client = create_client(&node, plain_echo_ts(), "/srv_take");
    let original = Plain {
        id: 1,
        value: 2.0,
        flag: 0,
    };
    let foreign = c"not-an-rmw-implementation-identifier".as_ptr();
    unsafe {
        let mut msg = original;
        let mp = (&mut msg as *mut Plain).cast::<c_void>();
        let mut header: rmw_service_info_t = std::mem::zeroed();
        let mut taken = false;
        assert_eq!(
            rmw_take_request(null(), &mut header, mp, &mut taken),
            RMW_RET_INVALID_ARGUMENT
        );
        assert_eq!(
            rmw_take_request(service, null_mut(), mp, &mut taken),
            RMW_RET_INVALID_ARGUMENT
        );
        assert_eq!(
            rmw_take_request(service, &mut header, null_mut(), &mut taken),
            RMW_RET_INVALID_ARGUMENT
        );
        assert_eq!(
            rmw_take_request(service, &mut header, mp, null_mut()),
            RMW_RET_INVALID_ARGUMENT
        );
        let sid = (*service).implementation_identifier;
        (*service).implementation_identifier = foreign;
        assert_eq!(
            rmw_take_request(service, &mut header, mp, &mut taken),
            RMW_RET_INCORRECT_RMW_IMPLEMENTATION
        );
        (*service).implementation_identifier = sid;
        assert!(!taken);
        assert_eq!(msg, original);

        assert_eq!(
            rmw_take_response(null(), &mut header, mp, &mut taken),
            RMW_RET_INVALID_ARGUMENT
        );
        assert_eq!(
            rmw_take_response(client, null_mut(), mp, &mut taken),
            RMW_RET_INVALID_ARGUMENT
        );
        assert_eq!(
            rmw_take_response(client, &mut header, null_mut(), &mut taken),
            RMW_RET_INVALID_ARGUMENT
        );
        assert_eq!(
            rmw_take_response(client, &mut header, mp, null_mut()),
            RMW_RET_INVALID_ARGUMENT
        );
        let cid = (*client).implementation_identifier;
        (*client).implementation_identifier = foreign;
        assert_eq!(
            rmw_take_response(client, &mut header, mp, &mut taken),
            RMW_RET_INCORRECT_RMW_IMPLEMENTATION
        );
        (*client).implementation_identifier = cid;
        assert!(!taken);
        assert_eq!(msg, original);

        let mut seq = 0i64;
        assert_eq!(
            rmw_send_request(null(), mp, &mut seq),
            RMW_RET_INVALID_ARGUMENT
        );
        assert_eq!(
            rmw_send_request(client, null(), &mut seq),
            RMW_RET_INVALID_ARGUMENT
        );
        assert_eq!(
            rmw_send_request(client, mp, null_mut()),
            RMW_RET_INVALID_ARGUMENT
        );
        (*client).implementation_identifier = foreign;
        assert_eq!(
            rmw_send_request(client, mp, &mut seq),
            RMW_RET_INCORRECT_RMW_IMPLEMENTATION
        );
        (*client).implementation_identifier = cid;

        assert_eq!(rmw_destroy_client(node.0, client), RMW_RET_OK);
        assert_eq!(rmw_destroy_service(node.0, service), RMW_RET_OK);
    }
}
