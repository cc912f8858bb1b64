//! The "bridge" section of `hazcat ls`: the status a running `hazcat bridge` of the domain serves
//! on its abstract socket (see `hazcat_core::bridge_status`). Nothing is shown when no bridge
//! answers for the domain.

use std::time::Duration;

use serde_json::{json, Value};

use crate::human_bytes;
use crate::table::Table;

/// How long `hazcat ls` waits for a bridge's answer.
const TIMEOUT: Duration = Duration::from_secs(3);

/// The status of the bridge of ROS domain `domain`: `None` when none runs, `{"error": ...}` when
/// one exists but its answer cannot be read.
pub fn status(domain: u32) -> Option<Value> {
    let name = hazcat_core::bridge_status::socket_name(domain);
    match hazcat_core::bridge_status::query(&name, TIMEOUT) {
        Ok(None) => None,
        Ok(Some(text)) => Some(
            serde_json::from_str(&text)
                .unwrap_or_else(|e| json!({ "error": format!("unreadable status: {e}") })),
        ),
        Err(e) => Some(json!({ "error": format!("cannot read the bridge's status: {e}") })),
    }
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .map(|a| {
            a.iter()
                .filter_map(|s| s.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

fn list(v: &Value) -> String {
    let s = strings(v);
    if s.is_empty() {
        "-".into()
    } else {
        s.join(", ")
    }
}

fn count(v: &Value) -> String {
    v.as_u64().map_or("?".into(), |n| n.to_string())
}

/// The section for people, indented like the rest of a domain's listing.
pub fn render(b: &Value) -> String {
    if let Some(e) = b["error"].as_str() {
        return format!("  bridge: {e}\n");
    }
    let mut out = format!(
        "  bridge: pid {}, zid {}, listening on {}, connecting to {}; peers: {}; routers: {}\n",
        count(&b["pid"]),
        b["zid"].as_str().unwrap_or("?"),
        list(if strings(&b["locators"]).is_empty() {
            &b["listen"]
        } else {
            &b["locators"]
        }),
        list(&b["connect"]),
        list(&b["peers"]),
        list(&b["routers"]),
    );
    if let Some(c) = b["config"].as_str() {
        out.push_str(&format!("  bridge configuration: {c}\n"));
    }
    let mut t = Table::new(&[
        "BRIDGED TOPIC",
        "DIRECTION",
        "TYPE",
        "SAMPLES",
        "BYTES",
        "DROPPED",
        "RATE-LIMITED",
    ]);
    for topic in b["topics"].as_array().into_iter().flatten() {
        let limited = match topic["max_rate"].as_f64() {
            Some(r) => format!("{} (max {r}/s)", count(&topic["rate_limited"])),
            None => count(&topic["rate_limited"]),
        };
        t.row(vec![
            topic["name"].as_str().unwrap_or("?").into(),
            match topic["direction"].as_str() {
                Some("out") => "out (to Zenoh)".into(),
                Some("in") => "in (from Zenoh)".into(),
                other => other.unwrap_or("?").into(),
            },
            topic["type"].as_str().unwrap_or("?").into(),
            count(&topic["samples"]),
            topic["bytes"].as_u64().map_or("?".into(), human_bytes),
            count(&topic["dropped"]),
            limited,
        ]);
    }
    if t.is_empty() {
        out.push_str("  no topic bridged now\n");
    } else {
        out.push_str(&t.render(2));
    }
    let svc = &b["services"];
    let names = |k: &str| -> Vec<String> {
        svc[k]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|s| s["name"].as_str().map(str::to_owned))
            .collect()
    };
    let (served, called) = (names("served"), names("called"));
    if !served.is_empty() || !called.is_empty() {
        out.push_str(&format!(
            "  bridged services: {} served to Zenoh, {} remote; calls: {} in ({} answered), \
             {} out ({} answered), {} dropped\n",
            served.len(),
            called.len(),
            count(&svc["requests_in"]),
            count(&svc["responses_out"]),
            count(&svc["requests_out"]),
            count(&svc["responses_in"]),
            count(&svc["dropped"]),
        ));
    }
    let nodes: Vec<String> = b["remote_nodes"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|n| {
            format!(
                "{} (zid {})",
                n["name"].as_str().unwrap_or("?"),
                n["zid"].as_str().unwrap_or("?")
            )
        })
        .collect();
    if !nodes.is_empty() {
        out.push_str(&format!("  remote nodes: {}\n", nodes.join(", ")));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_the_served_status() {
        let b = json!({
            "pid": 12, "zid": "a1", "listen": ["tcp/0.0.0.0:7447"],
            "locators": ["tcp/10.0.0.1:7447"], "connect": [], "peers": ["b2"], "routers": [],
            "config": "/etc/bridge.yaml",
            "topics": [
                {"name": "/cam", "direction": "out", "type": "sensor_msgs/msg/Image",
                 "samples": 5, "bytes": 2048, "dropped": 0, "rate_limited": 20, "max_rate": 10.0},
                {"name": "/chatter", "direction": "in", "type": "std_msgs/msg/String",
                 "samples": 3, "bytes": 60, "dropped": 1, "rate_limited": 0, "max_rate": null},
            ],
            "services": {"served": [{"name": "/a/get_parameters", "type": "t/srv/T"}],
                         "called": [], "requests_in": 4, "responses_out": 3,
                         "requests_out": 0, "responses_in": 0, "dropped": 1},
            "remote_nodes": [{"zid": "b2", "name": "/talker"}],
        });
        let text = render(&b);
        assert!(
            text.starts_with(
                "  bridge: pid 12, zid a1, listening on tcp/10.0.0.1:7447, connecting to -; \
                 peers: b2; routers: -\n  bridge configuration: /etc/bridge.yaml\n"
            ),
            "{text}"
        );
        assert!(text.contains("/cam           out (to Zenoh)"), "{text}");
        assert!(text.contains("2.0 KiB"), "{text}");
        assert!(text.contains("20 (max 10/s)"), "{text}");
        assert!(
            text.contains(
                "  bridged services: 1 served to Zenoh, 0 remote; calls: 4 in (3 answered), \
                 0 out (0 answered), 1 dropped\n"
            ),
            "{text}"
        );
        assert!(
            text.ends_with("  remote nodes: /talker (zid b2)\n"),
            "{text}"
        );
        assert_eq!(
            render(&json!({"error": "cannot read"})),
            "  bridge: cannot read\n"
        );
        // Nobody listens for a domain no bridge serves.
        assert_eq!(status(231_000), None);
    }
}
