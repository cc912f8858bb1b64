//! The exported `rmw_*` C entry points, one file per concern. Every function only validates,
//! converts and delegates to [`crate::detail`], checking in the upstream order: NULL arguments →
//! implementation identifier → capability (`RMW_RET_UNSUPPORTED`) → remaining arguments → work.
//! Each body runs inside [`crate::ret::guard_ret`] (or its pointer/value variants) so every
//! non-OK return carries an error message and no panic crosses the C boundary.
//! Codes that differ between distros (Humble/Jazzy vs Kilted): table in [`distro_ret`].

pub mod client;
pub mod distro_ret;
pub mod event;
pub mod graph;
pub mod guard;
pub mod identifier;
pub mod init;
pub mod loan;
pub mod node;
pub mod publisher;
pub mod qos;
pub mod serialize;
pub mod service;
pub mod subscription;
pub mod unsupported;
pub mod wait;

use crate::detail::publisher::EndpointType;
use crate::detail::subscription::TakenInfo;
use crate::ret::RmwResult;
use crate::sys::rosidl::rosidl_message_type_support_t;
use crate::sys::{rmw_gid_t, rmw_message_info_t, RMW_GID_STORAGE_SIZE};

/// `RMW_CHECK_ARGUMENT_FOR_NULL`: `RMW_RET_INVALID_ARGUMENT` naming the argument.
macro_rules! check_null {
    ($p:expr, $what:literal) => {
        if $p.is_null() {
            return Err($crate::ret::RmwError::invalid(concat!($what, " is NULL")));
        }
    };
}
pub(crate) use check_null;

/// The message type behind a type-support handle, with its ROS name and type hash.
///
/// # Safety
/// `ts` is NULL or a valid type-support handle whose libraries stay loaded.
pub(crate) unsafe fn endpoint_type(
    ts: *const rosidl_message_type_support_t,
) -> RmwResult<EndpointType> {
    // SAFETY: `ts` is NULL or a valid handle whose libraries stay loaded (this function's
    // `# Safety`), which is what `message_type` requires.
    let model = unsafe { crate::typesupport::message_type(ts)? };
    // A dispatch lookup that failed for the other language left an rcutils error behind.
    crate::ret::reset_rcutils_error();
    #[allow(unused_mut)]
    let mut hash = [0u8; 32];
    #[cfg(not(ros_distro = "humble"))]
    {
        // SAFETY: `ts` is valid (message_type succeeded).
        if let Some(f) = unsafe { (*ts).get_type_hash_func } {
            // SAFETY: the handle's own hash function; returns NULL or a static hash.
            let h = unsafe { f(ts) };
            // SAFETY: `h` is NULL-checked first, then a valid static hash.
            if !h.is_null() && unsafe { (*h).version } == 1 {
                // SAFETY: `h` is non-NULL (checked in the condition) and points to the type
                // support's static hash.
                hash = unsafe { (*h).value };
            }
        }
    }
    Ok(EndpointType {
        name: model.ros_type_name(),
        model,
        hash,
    })
}

/// An rmw gid of ours with the first `RMW_GID_STORAGE_SIZE` bytes of a hazcat gid.
pub(crate) fn rmw_gid(gid: &[u8; 24]) -> rmw_gid_t {
    let mut data = [0u8; RMW_GID_STORAGE_SIZE];
    data.copy_from_slice(&gid[..RMW_GID_STORAGE_SIZE]);
    rmw_gid_t {
        implementation_identifier: crate::handle::identifier(),
        data,
    }
}

/// Fills `rmw_message_info_t` for a taken message.
pub(crate) fn fill_message_info(out: &mut rmw_message_info_t, t: &TakenInfo) {
    out.source_timestamp = t.sample.source_timestamp as i64;
    out.received_timestamp = t.received_timestamp as i64;
    out.publication_sequence_number = t.sample.sequence;
    out.reception_sequence_number = t.reception_sequence;
    out.publisher_gid = rmw_gid(&t.sample.publisher_gid);
    out.from_intra_process = false;
}
