//! rmw_zenoh's wire conventions as pure functions (no Zenoh, no shared memory): type names, type
//! hashes, key expressions, liveliness tokens, QoS strings, sample attachments and gids. Each is
//! checked against what a real rmw_zenoh_cpp (Jazzy) puts on the wire.

pub mod attachment;
pub mod gid;
pub mod names;
pub mod qos;
pub mod token;
pub mod type_hash;

pub use attachment::{Attachment, AttachmentError};
pub use gid::{gid_of_key, hazcat_gid};
pub use names::{data_key, dds_to_ros_type, demangle, mangle, ros_to_dds_type, TypeNameError};
pub use qos::{Duration, Qos, QosKeyError};
pub use token::{EntityKind, Token, TokenParseError, TopicPart};
pub use type_hash::{from_rihs01, to_rihs01, TypeHashError};
