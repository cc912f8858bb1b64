//! Loans with Debian's generated type supports (Humble layout), C and C++ handles:
//! for the plain types `rmw_borrow_loaned_message` + `rmw_publish_loaned_message` ->
//! `rmw_take_loaned_message(_with_info)` + `rmw_return_loaned_message_from_subscription`, with
//! zero copy proven through `/proc/self/maps` (the subscription's loan is the very same bytes
//! of the same `/dev/shm/hazcat_*` segment as the publisher's loan); for the other types
//! `can_loan_messages == false` and every loan function returns `RMW_RET_UNSUPPORTED`
//! (reference §4.1).
//!
//! Needs `scripts/build_test_msgs.sh` and `ROS_DISTRO=humble`; otherwise every test prints
//! `SKIPPED: ...` (and fails with `HAZCAT_REQUIRE_TEST_MSGS=1` when only the package is missing).

mod common;

use common::generated::*;
use common::*;
use rmw_hazcat_rs::api::loan::*;
use rmw_hazcat_rs::api::publisher::*;
use rmw_hazcat_rs::api::subscription::*;
use rmw_hazcat_rs::sys::rosidl::rosidl_message_type_support_t;
use rmw_hazcat_rs::sys::*;
use std::ffi::c_void;
use std::ptr::{null, null_mut};

const LANG_NAMES: [&str; 2] = ["C", "C++"];

/// `rmw_take_loaned_message(_with_info)`: the loan, or NULL when nothing was taken.
fn take_loan(s: *mut rmw_subscription_t, info: Option<&mut rmw_message_info_t>) -> *mut c_void {
    let mut loan: *mut c_void = null_mut();
    let mut taken = false;
    // SAFETY: live subscription, writable outputs.
    let rc = unsafe {
        match info {
            Some(i) => rmw_take_loaned_message_with_info(s, &mut loan, &mut taken, i, null_mut()),
            None => rmw_take_loaned_message(s, &mut loan, &mut taken, null_mut()),
        }
    };
    assert_eq!(rc, RMW_RET_OK, "take loaned: {}", last_error());
    assert_eq!(taken, !loan.is_null(), "taken <=> loan pointer set");
    loan
}

fn plain_loans(name: &str) {
    let Some(libs) = load(&format!("rmw_generated_loans::{name}")) else {
        return;
    };
    let mut ctx = Context::new();
    let domain = ctx.domain;
    let node = ctx.node("loans", "/");
    let ws = WaitSet::new(&mut ctx);
    let topic = format!("/gen/loan_{}", name.to_lowercase());
    let ts: [*const rosidl_message_type_support_t; 2] = LANGS.map(|l| libs.ts(l, name));
    let mm = LANGS.map(|l| libs.members(l, name));
    let q = qos(4);
    let pubs = ts.map(|t| create_pub(&node, t, &topic, &q));
    let subs = ts.map(|t| create_sub(&node, t, &topic, &q));
    let gids = pubs.map(|p| gid_hex(&gid_of(p)));
    // SAFETY: live handles.
    unsafe {
        for l in 0..2 {
            assert!(
                (*pubs[l]).can_loan_messages,
                "{name} {}: publisher loans",
                LANG_NAMES[l]
            );
            assert!(
                (*subs[l]).can_loan_messages,
                "{name} {}: subscription loans",
                LANG_NAMES[l]
            );
        }
        // Argument checks once loans are available (§4.1).
        let mut p: *mut c_void = null_mut();
        assert_eq!(
            rmw_borrow_loaned_message(pubs[0], null(), &mut p),
            RMW_RET_INVALID_ARGUMENT
        );
        assert_eq!(
            rmw_borrow_loaned_message(pubs[0], ts[0], null_mut()),
            RMW_RET_INVALID_ARGUMENT
        );
        assert_eq!(
            rmw_return_loaned_message_from_subscription(subs[0], null_mut()),
            RMW_RET_INVALID_ARGUMENT
        );
        assert!(take_loan(subs[0], None).is_null(), "empty: nothing taken");
    }

    for v in values(name) {
        for pl in 0..2 {
            let what = format!("{name} loan from {}", LANG_NAMES[pl]);
            // Borrow, fill in place (rclcpp does not construct plain loans), publish.
            let mut loan: *mut c_void = null_mut();
            // SAFETY: live publisher, its type support, NULL-initialized out pointer.
            let rc = unsafe { rmw_borrow_loaned_message(pubs[pl], ts[pl], &mut loan) };
            assert_eq!(rc, RMW_RET_OK, "{what}: {}", last_error());
            let pub_loc = assert_in_shm(loan.cast(), &what);
            let mut again = loan;
            // SAFETY: as above; a non-NULL out pointer is the leak guard.
            let rc = unsafe { rmw_borrow_loaned_message(pubs[pl], ts[pl], &mut again) };
            assert_eq!(rc, RMW_RET_INVALID_ARGUMENT, "{what}: *ros_message != NULL");
            // SAFETY: the loan has `size_of` writable bytes; the type is plain.
            unsafe { write_msg(libs, &mm[pl], loan.cast(), &v) };
            // SAFETY: the loan of this publisher; ownership goes back to the middleware.
            let rc = unsafe { rmw_publish_loaned_message(pubs[pl], loan, null_mut()) };
            assert_eq!(rc, RMW_RET_OK, "{what}: {}", last_error());

            for sl in 0..2 {
                let what = format!("{what} -> loan of {} subscription", LANG_NAMES[sl]);
                ws.wait_for(subs[sl]);
                let mut info = zero_info();
                let got = take_loan(subs[sl], (sl == 0).then_some(&mut info));
                assert!(!got.is_null(), "{what}: taken");
                let sub_loc = assert_in_shm(got.cast(), &what);
                assert_eq!(
                    sub_loc.identity(),
                    pub_loc.identity(),
                    "{what}: zero copy: the subscription reads the publisher's loaned bytes"
                );
                if sl == 0 {
                    assert_eq!(gid_hex(&info.publisher_gid), gids[pl], "{what}: gid");
                }
                // SAFETY: a live loan of a plain message of the subscription's type.
                let got_v = unsafe { read_msg(&mm[sl], got.cast()) };
                assert_same(&v, &got_v, &what);
                // SAFETY: live subscription; its loan, returned once; then a stale pointer.
                unsafe {
                    assert_eq!(
                        rmw_return_loaned_message_from_subscription(subs[sl], got),
                        RMW_RET_OK
                    );
                    assert_eq!(
                        rmw_return_loaned_message_from_subscription(subs[sl], got),
                        RMW_RET_ERROR,
                        "{what}: a pointer that is no longer loaned"
                    );
                }
                assert!(take_loan(subs[sl], None).is_null(), "{what}: one message");
            }

            // Borrow + return without publishing: nothing arrives.
            let mut unused: *mut c_void = null_mut();
            // SAFETY: live publisher; its loan returned once, then a stale pointer.
            unsafe {
                assert_eq!(
                    rmw_borrow_loaned_message(pubs[pl], ts[pl], &mut unused),
                    RMW_RET_OK
                );
                assert_eq!(
                    rmw_return_loaned_message_from_publisher(pubs[pl], unused),
                    RMW_RET_OK
                );
                assert_ne!(
                    rmw_return_loaned_message_from_publisher(pubs[pl], unused),
                    RMW_RET_OK
                );
            }

            // A copied publish is taken as a loan; a loaned publish is taken by copy.
            let m = Msg::with(libs, &mm[pl], &v);
            // SAFETY: live publisher; a message of its type.
            let rc = unsafe { rmw_publish(pubs[pl], m.as_ptr(), null_mut()) };
            assert_eq!(rc, RMW_RET_OK);
            for sl in 0..2 {
                ws.wait_for(subs[sl]);
                let got = take_loan(subs[sl], None);
                assert!(!got.is_null());
                assert_in_shm(got.cast(), "loan of a copied publish");
                // SAFETY: live loan of the subscription's plain type; returned once.
                unsafe {
                    assert_same(&v, &read_msg(&mm[sl], got.cast()), "rmw_publish -> loan");
                    assert_eq!(
                        rmw_return_loaned_message_from_subscription(subs[sl], got),
                        RMW_RET_OK
                    );
                }
            }
            let mut loan: *mut c_void = null_mut();
            // SAFETY: as above.
            unsafe {
                assert_eq!(
                    rmw_borrow_loaned_message(pubs[pl], ts[pl], &mut loan),
                    RMW_RET_OK
                );
                write_msg(libs, &mm[pl], loan.cast(), &v);
                assert_eq!(
                    rmw_publish_loaned_message(pubs[pl], loan, null_mut()),
                    RMW_RET_OK
                );
            }
            for sl in 0..2 {
                ws.wait_for(subs[sl]);
                let mut out = Msg::new(&mm[sl]);
                let mut taken = false;
                // SAFETY: live subscription; a message of its type.
                let rc =
                    unsafe { rmw_take(subs[sl], out.as_mut_ptr().cast(), &mut taken, null_mut()) };
                assert_eq!(rc, RMW_RET_OK);
                assert!(taken);
                assert_same(&v, &out.value(), "loaned publish -> rmw_take");
            }
        }
    }

    // Loans outstanding at destruction are reclaimed (no leak in /dev/shm below).
    let mut dangling: *mut c_void = null_mut();
    // SAFETY: live publisher.
    let rc = unsafe { rmw_borrow_loaned_message(pubs[0], ts[0], &mut dangling) };
    assert_eq!(rc, RMW_RET_OK);
    // SAFETY: live handles of `node`, destroyed once.
    unsafe {
        for s in subs {
            assert_eq!(rmw_destroy_subscription(node.0, s), RMW_RET_OK);
        }
        for p in pubs {
            assert_eq!(rmw_destroy_publisher(node.0, p), RMW_RET_OK);
        }
    }
    drop(ws);
    drop(node);
    drop(ctx);
    assert_shm_clean(domain);
}

macro_rules! plain_tests {
    ($($test:ident => $name:literal),* $(,)?) => {$(
        #[test]
        fn $test() {
            plain_loans($name);
        }
    )*};
}

plain_tests! {
    loans_plain => "Plain",
    loans_nested => "Nested",
    loans_large_fixed => "LargeFixed",
    loans_all_primitives => "AllPrimitives",
    loans_empty => "Empty",
}

/// Types with strings or sequences: no loans; every loan function is `RMW_RET_UNSUPPORTED`
/// before it looks at its other arguments, and the publisher still delivers by copy.
#[test]
fn non_plain_types_do_not_loan() {
    let Some(libs) = load("rmw_generated_loans::non_plain_types_do_not_loan") else {
        return;
    };
    let mut ctx = Context::new();
    let domain = ctx.domain;
    let node = ctx.node("no_loans", "/");
    let ws = WaitSet::new(&mut ctx);
    for name in MESSAGES.iter().filter(|n| !PLAIN_MESSAGES.contains(n)) {
        for l in LANGS {
            let what = format!("{name} {l:?}");
            let ts = libs.ts(l, name);
            let topic = format!("/gen/noloan_{}_{l:?}", name.to_lowercase());
            let p = create_pub(&node, ts, &topic, &qos(1));
            let s = create_sub(&node, ts, &topic, &qos(1));
            // SAFETY: live handles; the pointers passed are never dereferenced by a
            // non-loaning endpoint (UNSUPPORTED comes first).
            unsafe {
                assert!(!(*p).can_loan_messages, "{what}");
                assert!(!(*s).can_loan_messages, "{what}");
                let mut loan: *mut c_void = null_mut();
                assert_eq!(
                    rmw_borrow_loaned_message(p, ts, &mut loan),
                    RMW_RET_UNSUPPORTED
                );
                assert!(loan.is_null(), "{what}: nothing lent");
                assert_eq!(
                    rmw_borrow_loaned_message(p, null(), null_mut()),
                    RMW_RET_UNSUPPORTED
                );
                let mut m = Msg::with(libs, &libs.members(l, name), &values(name)[0]);
                let mp = m.as_mut_ptr().cast::<c_void>();
                assert_eq!(
                    rmw_return_loaned_message_from_publisher(p, mp),
                    RMW_RET_UNSUPPORTED
                );
                assert_eq!(
                    rmw_publish_loaned_message(p, mp, null_mut()),
                    RMW_RET_UNSUPPORTED
                );
                let mut taken = true;
                let mut info = zero_info();
                assert_eq!(
                    rmw_take_loaned_message(s, &mut loan, &mut taken, null_mut()),
                    RMW_RET_UNSUPPORTED
                );
                assert_eq!(
                    rmw_take_loaned_message_with_info(
                        s,
                        &mut loan,
                        &mut taken,
                        &mut info,
                        null_mut()
                    ),
                    RMW_RET_UNSUPPORTED
                );
                assert!(loan.is_null());
                assert_eq!(
                    rmw_return_loaned_message_from_subscription(s, null_mut()),
                    RMW_RET_UNSUPPORTED
                );
                // The rejected loan publish sent nothing; a copy publish arrives intact.
                assert_eq!(rmw_publish(p, m.as_ptr(), null_mut()), RMW_RET_OK);
                ws.wait_for(s);
                let mut out = Msg::new(&libs.members(l, name));
                assert_eq!(
                    rmw_take(s, out.as_mut_ptr().cast(), &mut taken, null_mut()),
                    RMW_RET_OK
                );
                assert!(taken);
                assert_same(&values(name)[0], &out.value(), &what);
                assert_eq!(
                    rmw_take(s, out.as_mut_ptr().cast(), &mut taken, null_mut()),
                    RMW_RET_OK
                );
                assert!(!taken, "{what}: exactly one message");
                assert_eq!(rmw_destroy_subscription(node.0, s), RMW_RET_OK);
                assert_eq!(rmw_destroy_publisher(node.0, p), RMW_RET_OK);
            }
        }
    }
    drop(ws);
    drop(node);
    drop(ctx);
    assert_shm_clean(domain);
}
