//! rclrs relay for `scripts/rclrs_check.sh`: every `std_msgs/String` taken on `/from_py` is
//! published again on `/from_rs` with a prefix (first argument, default `rs:`), until the message
//! `__quit__` arrives.
//!
//! Order of events, so that no message can be lost to late matching on any RMW:
//! 1. create the `/from_rs` publisher and spin until a subscriber has matched it
//!    (`notify_on_subscriber_ready`, a graph condition; `HAZCAT_RCLRS_TIMEOUT_S` bounds it);
//! 2. only then create the `/from_py` subscription, whose match is what the rclpy peer waits for
//!    before it publishes anything;
//! 3. relay until `__quit__`, then exit 0 (exit 1 on a timeout or an rclrs error).
//!
//! Prints, on stdout, `rclrs: rmw <identifier>` first (the RMW this process really runs on),
//! `rclrs: ready` after step 2 and `rclrs: relayed N` at the end.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rclrs::{Context, CreateBasicExecutor, RclrsError, SpinOptions};

extern "C" {
    /// From the RMW implementation that the process runs on: rmw_fastrtps_cpp, which the PyPI
    /// wheels' librcl links, unless LD_PRELOAD put another one first (see build.rs).
    fn rmw_get_implementation_identifier() -> *const std::ffi::c_char;
}

/// The message that ends the relay.
const QUIT: &str = "__quit__";

fn main() {
    match run() {
        Ok(relayed) => println!("rclrs: relayed {relayed}"),
        Err(e) => {
            eprintln!("rclrs: error: {e}");
            std::process::exit(1);
        }
    }
}

/// Fails with `what` when the executor reported errors.
fn check(errors: Vec<RclrsError>, what: &str) -> Result<(), String> {
    match errors.first() {
        None => Ok(()),
        Some(e) => Err(format!("{what}: {e} ({} errors)", errors.len())),
    }
}

fn run() -> Result<usize, String> {
    let prefix = std::env::args().nth(1).unwrap_or_else(|| "rs:".to_owned());
    let timeout = Duration::from_secs(
        std::env::var("HAZCAT_RCLRS_TIMEOUT_S")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(60),
    );

    // SAFETY: takes no arguments and returns a static NUL-terminated string (or null).
    let rmw = unsafe { rmw_get_implementation_identifier() };
    if !rmw.is_null() {
        // SAFETY: non-null, NUL-terminated and static, per the rmw API.
        let rmw = unsafe { std::ffi::CStr::from_ptr(rmw) };
        println!("rclrs: rmw {}", rmw.to_string_lossy());
    }

    let context = Context::default_from_env().map_err(|e| format!("context: {e}"))?;
    let mut executor = context.create_basic_executor();
    let node = executor
        .create_node("hazcat_rclrs_relay")
        .map_err(|e| format!("node: {e}"))?;
    let publisher = node
        .create_publisher::<std_msgs::msg::String>("/from_rs")
        .map_err(|e| format!("publisher: {e}"))?;

    let matched = publisher.notify_on_subscriber_ready();
    check(
        executor.spin(
            SpinOptions::new()
                .until_promise_resolved(matched)
                .timeout(timeout),
        ),
        "waiting for a /from_rs subscriber",
    )?;
    if publisher.get_subscription_count().unwrap_or(0) == 0 {
        return Err(format!("no /from_rs subscriber within {timeout:?}"));
    }

    let relayed = Arc::new(AtomicUsize::new(0));
    // Set by the callback when it halts the executor: Ok on quit, Err on a failed publish.
    let outcome = Arc::new(Mutex::new(None::<Result<(), String>>));
    let commands = Arc::clone(executor.commands());
    let _subscription = {
        let relayed = Arc::clone(&relayed);
        let outcome = Arc::clone(&outcome);
        node.create_subscription("/from_py", move |msg: std_msgs::msg::String| {
            let done = if msg.data == QUIT {
                Ok(())
            } else {
                let reply = std_msgs::msg::String {
                    data: format!("{prefix}{}", msg.data),
                };
                match publisher.publish(reply) {
                    Ok(()) => {
                        relayed.fetch_add(1, Ordering::Relaxed);
                        return;
                    }
                    Err(e) => Err(format!("publish: {e}")),
                }
            };
            *outcome.lock().unwrap() = Some(done);
            commands.halt_spinning();
        })
        .map_err(|e| format!("subscription: {e}"))?
    };
    println!("rclrs: ready");

    // Spins until the callback halts it (quit or a failed publish), or the timeout.
    check(
        executor.spin(SpinOptions::new().timeout(timeout)),
        "relaying",
    )?;
    let done = outcome.lock().unwrap().take();
    match done {
        Some(Ok(())) => Ok(relayed.load(Ordering::Relaxed)),
        Some(Err(e)) => Err(e),
        None => Err(format!("no {QUIT} within {timeout:?}")),
    }
}
