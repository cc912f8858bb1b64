//! `hazcat bridge`: carries ROS 2 traffic between hosts over Zenoh, wire-compatible with
//! rmw_zenoh (key expressions, liveliness tokens, attachments and CDR payloads), so hazcat hosts
//! talk to each other and to rmw_zenoh nodes through zenohd routers.
//!
//! One bridge per host is one more hazcat participant of the local ROS domain:
//! - [`announce`]: local nodes and topic endpoints become liveliness tokens;
//! - [`remote`]: remote tokens become proxy nodes and endpoints in the local graph;
//! - [`forward`]: local samples of topics that a remote subscription wants go out on Zenoh;
//! - [`services`]: service calls both ways (queryables for local services, gets for remote
//!   ones), request ids preserved;
//! - [`proxy`]: remote samples of topics that a local subscription wants are published into
//!   shared memory by proxy publishers that carry the remote publishers' gids;
//! - [`bridge`]: the single-threaded loop over all of them; [`inbox`]: what Zenoh's threads
//!   hand to it;
//! - [`mapping`]: rmw_zenoh's wire conventions as pure functions; [`payload`]: shared-memory
//!   layouts to and from CDR; [`session`]: the Zenoh session; [`local`]: the local graph view;
//! - [`config`]: the bridge's YAML file (allow / deny, rate limits); [`status`]: what it serves
//!   to `hazcat ls`.
//!
//! Loops are impossible by construction: the bridge's subscribers ignore its own publishers, its
//! proxies are never announced, and its Zenoh subscribers accept only remote samples.

pub mod announce;
pub mod bridge;
pub mod config;
pub mod forward;
pub mod inbox;
pub mod local;
pub mod mapping;
pub mod payload;
pub mod proxy;
pub mod remote;
pub mod services;
pub mod session;
pub mod status;
