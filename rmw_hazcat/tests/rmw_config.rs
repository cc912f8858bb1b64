//! Memory domains chosen by `HAZCAT_CONFIG` rules and by the rclcpp/rcl payload
//! (`include/rmw_hazcat_rs/options.h`), seen through the exported rmw functions. A test binary of
//! its own: it sets `HAZCAT_CONFIG` for the whole process.

mod common;

use std::ffi::c_void;
use std::ptr::null_mut;

use common::fixture::*;
use common::*;
use hazcat_core::{inspect, Domain};
use rmw_hazcat_rs::api::publisher::*;
use rmw_hazcat_rs::api::subscription::*;
use rmw_hazcat_rs::detail::endpoint_options::{hazcat_endpoint_options_t, OPTIONS_MAGIC};
use rmw_hazcat_rs::sys::*;

fn write_config(text: &str) -> std::path::PathBuf {
    let path = std::env::temp_dir().join(format!("hazcat_cfg_{}.yaml", std::process::id()));
    std::fs::write(&path, text).unwrap();
    path
}

fn sub_with(node: &Node, topic: &str, payload: *mut c_void) -> *mut rmw_subscription_t {
    let t = cs(topic);
    let mut opts = sub_opts(false);
    opts.rmw_specific_subscription_payload = payload;
    // SAFETY: valid node, type support, NUL-terminated name, QoS and options.
    unsafe {
        rmw_create_subscription(
            node.0,
            plain_ts(),
            t.as_ptr(),
            &rmw_qos_profile_default,
            &opts,
        )
    }
}

#[test]
fn config_rules_and_payloads_place_endpoints_in_memory_domains() {
    // 1. A malformed file fails rmw_init with file, line and rule in the message.
    let bad = write_config("version: 1\nrules:\n  - topic: /x\n    domain: gpu:0\n");
    std::env::set_var("HAZCAT_CONFIG", &bad);
    let mut opts = options(unique_domain());
    let mut ctx = zero_context();
    // SAFETY: valid init options and a zero-initialised context.
    let rc = unsafe { rmw_hazcat_rs::api::init::rmw_init(&opts, &mut ctx) };
    assert_ne!(rc, RMW_RET_OK);
    let msg = last_error();
    assert!(
        msg.contains(&format!("{}:4", bad.display())) && msg.contains("rules[0]"),
        "{msg}"
    );
    // SAFETY: options initialised by `options()`.
    unsafe { rmw_hazcat_rs::api::init::rmw_init_options_fini(&mut opts) };

    // 1b. Every error of the file is named, not only the first; an empty file is an error.
    let init_error = |text: &str| {
        let path = write_config(text);
        std::env::set_var("HAZCAT_CONFIG", &path);
        let mut opts = options(unique_domain());
        let mut ctx = zero_context();
        // SAFETY: valid init options and a zero-initialised context.
        let rc = unsafe { rmw_hazcat_rs::api::init::rmw_init(&opts, &mut ctx) };
        // SAFETY: options initialised by `options()`.
        unsafe { rmw_hazcat_rs::api::init::rmw_init_options_fini(&mut opts) };
        assert_ne!(rc, RMW_RET_OK, "{text:?}");
        (path.display().to_string(), last_error())
    };
    let (file, msg) =
        init_error("version: 1\nrules:\n  - topic: /x\n    domain: gpu:0\n  - depth: 0\n");
    assert!(
        msg.contains("2 errors")
            && msg.contains(&format!("{file}:4: rules[0]: domain"))
            && msg.contains(&format!("{file}:5: rules[1]: depth")),
        "{msg}"
    );
    let (file, msg) = init_error("# nothing yet\n");
    assert!(
        msg.contains(&format!("{file}: empty configuration file")) && msg.contains("version: 1"),
        "{msg}"
    );

    // 2. A rule puts subscriptions of /cfg/emu in an emulated device domain.
    let good = write_config(
        "version: 1\nrules:\n  - name: emulated subscribers\n    topic: /cfg/emu\n    role: subscriber\n    domain: emulated:0\n",
    );
    std::env::set_var("HAZCAT_CONFIG", &good);
    let mut c = Context::new();
    let node = c.node("cfg_node", "/");
    let t = cs("/cfg/emu");
    let popts = pub_opts();
    // SAFETY: valid arguments.
    let p = unsafe {
        rmw_create_publisher(
            node.0,
            plain_ts(),
            t.as_ptr(),
            &rmw_qos_profile_default,
            &popts,
        )
    };
    assert!(!p.is_null(), "{}", last_error());
    let subs = [
        sub_with(&node, "/cfg/emu", null_mut()),
        sub_with(&node, "/cfg/emu", null_mut()),
    ];
    // 3. A payload overrides the rule: this one reads in host memory.
    let mut host = hazcat_endpoint_options_t {
        magic: OPTIONS_MAGIC,
        version: 1,
        struct_size: 32,
        domain_kind: 1,
        ..Default::default()
    };
    let host_sub = sub_with(
        &node,
        "/cfg/emu",
        (&mut host as *mut hazcat_endpoint_options_t).cast(),
    );
    assert!(
        subs.iter().chain([&host_sub]).all(|s| !s.is_null()),
        "{}",
        last_error()
    );
    // 4. A payload asking for a domain this machine cannot provide fails with a clear error.
    let mut cuda = hazcat_endpoint_options_t {
        domain_kind: 2,
        ..host
    };
    let none = sub_with(
        &node,
        "/cfg/emu",
        (&mut cuda as *mut hazcat_endpoint_options_t).cast(),
    );
    assert!(none.is_null());
    assert!(last_error().contains("cuda:0"), "{}", last_error());
    // Without a GPU the message says what is missing (driver or device), never a silent fallback.
    if hazcat_core::cuda::device_count().is_err() {
        let e = last_error();
        assert!(
            e.contains("not available") && (e.contains("no CUDA") || e.contains("no usable CUDA")),
            "{e}"
        );
    }

    for id in 1..=5u32 {
        let m = Plain {
            id,
            value: f64::from(id),
            flag: 1,
        };
        // SAFETY: valid publisher and message of the publisher's type.
        let rc = unsafe { rmw_publish(p, (&m as *const Plain).cast(), null_mut()) };
        assert_eq!(rc, RMW_RET_OK);
    }
    for s in subs.iter().chain([&host_sub]) {
        for id in 1..=5u32 {
            let mut m = Plain::default();
            let mut taken = false;
            // SAFETY: valid subscription and destination message.
            let rc = unsafe { rmw_take(*s, (&mut m as *mut Plain).cast(), &mut taken, null_mut()) };
            assert_eq!((rc, taken, m.id), (RMW_RET_OK, true, id));
        }
    }
    // Exactly one copy per message into the emulated domain, none for the host subscription.
    let report = inspect::domain(c.domain as u32);
    let topic = report
        .topics
        .iter()
        .find(|t| t.name == "/cfg/emu")
        .expect("topic");
    let emu = topic
        .domains
        .iter()
        .find(|d| d.domain == Domain::emulated(0))
        .expect("emulated column");
    assert_eq!(emu.copies, 5, "{topic:?}");
    let host_copies: u64 = topic
        .domains
        .iter()
        .filter(|d| d.domain == Domain::HOST)
        .map(|d| d.copies)
        .sum();
    assert_eq!(host_copies, 0);
    for s in subs.into_iter().chain([host_sub]) {
        // SAFETY: created above, destroyed once.
        assert_eq!(unsafe { rmw_destroy_subscription(node.0, s) }, RMW_RET_OK);
    }
    // SAFETY: created above, destroyed once.
    assert_eq!(unsafe { rmw_destroy_publisher(node.0, p) }, RMW_RET_OK);
    let domain = c.domain;
    drop(node);
    drop(c);
    std::env::remove_var("HAZCAT_CONFIG");
    let _ = std::fs::remove_file(bad);
    let _ = std::fs::remove_file(good);
    assert_shm_clean(domain);
}
