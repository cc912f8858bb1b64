//! Cross-process behaviour: pub/sub and message info gids between processes, the graph seen from
//! another process, and a SIGKILLed peer disappearing from the graph. Child processes re-execute
//! this test binary with `HAZCAT_RMW_ROLE` set; synchronisation uses pipes and `rmw_wait`
//! (graph guard conditions, subscriptions), never sleeps.
#![allow(clippy::undocumented_unsafe_blocks)]

mod common;

use common::child::*;
use common::fixture::*;
use common::*;
use rmw_hazcat_rs::api::graph::*;
use rmw_hazcat_rs::api::node::*;
use rmw_hazcat_rs::api::publisher::*;
use rmw_hazcat_rs::api::subscription::*;
use rmw_hazcat_rs::api::wait::*;
use rmw_hazcat_rs::sys::*;
use std::ptr::{null, null_mut};

/// Blocks on the node's graph guard condition until `done()` holds.
fn wait_graph(ctx: &mut Context, node: &Node, mut done: impl FnMut() -> bool) {
    unsafe {
        let ws = rmw_create_wait_set(ctx.ptr(), 1);
        let gc = rmw_node_get_graph_guard_condition(node.0);
        while !done() {
            let mut arr = [(*gc).data];
            let mut gcs = rmw_guard_conditions_t {
                guard_condition_count: 1,
                guard_conditions: arr.as_mut_ptr(),
            };
            let rc = rmw_wait(
                null_mut(),
                &mut gcs,
                null_mut(),
                null_mut(),
                null_mut(),
                ws,
                null(),
            );
            assert_eq!(rc, RMW_RET_OK);
        }
        assert_eq!(rmw_destroy_wait_set(ws), RMW_RET_OK);
    }
}

fn role_publisher(domain: usize) {
    let mut ctx = Context::with_domain(domain);
    let node = ctx.node("child_pub", "/mp");
    let p = create_pub(&node, plain_ts(), "/mp/data", &rmw_qos_profile_default);
    say(&format!("GID {}", gid_hex(&gid_of(p))));
    wait_graph(&mut ctx, &node, || {
        let mut n = 0;
        assert_eq!(
            unsafe { rmw_publisher_count_matched_subscriptions(p, &mut n) },
            RMW_RET_OK
        );
        n > 0
    });
    for i in 0..3u32 {
        let m = Plain {
            id: i,
            value: f64::from(i) / 2.0,
            flag: 1,
        };
        assert_eq!(
            unsafe { rmw_publish(p, (&m as *const Plain).cast(), null_mut()) },
            RMW_RET_OK
        );
    }
    // Stay alive until the parent has taken everything (it closes our stdin).
    wait_for_stdin_close();
    assert_eq!(unsafe { rmw_destroy_publisher(node.0, p) }, RMW_RET_OK);
}

fn role_doomed(domain: usize) {
    let mut ctx = Context::with_domain(domain);
    let node = ctx.node("doomed", "/");
    let _p = create_pub(&node, plain_ts(), "/doomed", &rmw_qos_profile_default);
    say("READY");
    wait_for_stdin_close();
    unreachable_by_design();
}

/// The parent SIGKILLs this role before stdin closes.
fn unreachable_by_design() {
    std::process::exit(3);
}

/// Entry point of child processes.
#[test]
#[ignore = "child process entry point; run by the other tests"]
fn child_entry() {
    let Some((role, domain)) = role_and_domain() else {
        return;
    };
    match role.as_str() {
        "publisher" => role_publisher(domain),
        "doomed" => role_doomed(domain),
        other => panic!("unknown role {other}"),
    }
}

#[test]
fn cross_process_pubsub_graph_and_gids() {
    let mut ctx = Context::new();
    let domain = ctx.domain;
    let node = ctx.node("parent", "/");
    let s = create_sub(&node, plain_ts(), "/mp/data", &rmw_qos_profile_default);
    let (mut child, mut out) = spawn("publisher", domain);
    let pub_gid = expect_line(&mut out, "GID ");

    // The child's node is visible here.
    let mut names: rcutils_string_array_t = unsafe { std::mem::zeroed() };
    let mut nss: rcutils_string_array_t = unsafe { std::mem::zeroed() };
    assert_eq!(
        unsafe { rmw_get_node_names(node.0, &mut names, &mut nss) },
        RMW_RET_OK
    );
    let listed: Vec<String> = (0..names.size)
        .map(|i| rs(unsafe { *names.data.add(i) }))
        .collect();
    assert!(listed.contains(&"child_pub".to_owned()), "{listed:?}");
    unsafe {
        rmw_hazcat_rs::cmem::fini_string_array(&mut names);
        rmw_hazcat_rs::cmem::fini_string_array(&mut nss);
    }

    let ws = unsafe { rmw_create_wait_set(ctx.ptr(), 1) };
    let mut got = Vec::new();
    while got.len() < 3 {
        let mut arr = [unsafe { (*s).data }];
        let mut subs = rmw_subscriptions_t {
            subscriber_count: 1,
            subscribers: arr.as_mut_ptr(),
        };
        let rc = unsafe {
            rmw_wait(
                &mut subs,
                null_mut(),
                null_mut(),
                null_mut(),
                null_mut(),
                ws,
                null(),
            )
        };
        assert_eq!(rc, RMW_RET_OK);
        loop {
            let mut m = Plain::default();
            let mut taken = false;
            let mut info: rmw_message_info_t = unsafe { std::mem::zeroed() };
            let rc = unsafe {
                rmw_take_with_info(
                    s,
                    (&mut m as *mut Plain).cast(),
                    &mut taken,
                    &mut info,
                    null_mut(),
                )
            };
            assert_eq!(rc, RMW_RET_OK);
            if !taken {
                break;
            }
            assert_eq!(
                gid_hex(&info.publisher_gid),
                pub_gid,
                "message info gid equals the publisher's gid"
            );
            got.push(m.id);
        }
    }
    assert_eq!(got, vec![0, 1, 2]);
    drop(child.stdin.take());
    assert!(child.wait().unwrap().success());
    unsafe {
        assert_eq!(rmw_destroy_wait_set(ws), RMW_RET_OK);
        assert_eq!(rmw_destroy_subscription(node.0, s), RMW_RET_OK);
    }
    drop(node);
    drop(ctx);
    assert_shm_clean(domain);
}

#[test]
fn killed_peer_leaves_the_graph() {
    let mut ctx = Context::new();
    let domain = ctx.domain;
    let node = ctx.node("observer", "/");
    let (mut child, mut out) = spawn("doomed", domain);
    expect_line(&mut out, "READY");
    let topic = cs("/doomed");
    let count = || {
        let mut n = 0usize;
        assert_eq!(
            unsafe { rmw_count_publishers(node.0, topic.as_ptr(), &mut n) },
            RMW_RET_OK
        );
        n
    };
    assert_eq!(count(), 1);
    child.kill().unwrap();
    child.wait().unwrap();
    // Graph queries sweep out dead participants: the publisher is gone.
    assert_eq!(count(), 0);
    drop(node);
    drop(ctx);
    assert_shm_clean(domain);
}
