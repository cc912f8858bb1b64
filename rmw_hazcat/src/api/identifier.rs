//! Implementation identity, serialization format, features, log severity.

use std::ffi::{c_char, CStr};
use std::sync::atomic::{AtomicU32, Ordering};

use crate::handle::identifier;
use crate::ret::{guard_ret, RmwError};
use crate::sys::*;

/// The serialization format of `rmw_serialize` and serialized messages.
static SERIALIZATION_FORMAT: &CStr = c"cdr";

/// Log severity threshold set by `rmw_set_log_severity` (hazcat's own console logging).
pub static LOG_SEVERITY: AtomicU32 = AtomicU32::new(RMW_LOG_SEVERITY_WARN);

/// `"rmw_hazcat_rs"`; the same pointer every handle carries.
#[no_mangle]
pub extern "C" fn rmw_get_implementation_identifier() -> *const c_char {
    identifier()
}

/// `"cdr"`: classic CDR, byte-identical to rmw_cyclonedds / rmw_fastrtps.
#[no_mangle]
pub extern "C" fn rmw_get_serialization_format() -> *const c_char {
    SERIALIZATION_FORMAT.as_ptr()
}

/// Publication sequence numbers (per topic, increasing per publisher) and reception sequence
/// numbers (per subscription) are filled; type discovery and dynamic messages are not offered.
#[no_mangle]
pub extern "C" fn rmw_feature_supported(feature: rmw_feature_t) -> bool {
    feature == RMW_FEATURE_MESSAGE_INFO_PUBLICATION_SEQUENCE_NUMBER
        || feature == RMW_FEATURE_MESSAGE_INFO_RECEPTION_SEQUENCE_NUMBER
}

/// Sets the threshold of hazcat's own console messages.
#[no_mangle]
pub extern "C" fn rmw_set_log_severity(severity: rmw_log_severity_t) -> rmw_ret_t {
    guard_ret("rmw_set_log_severity", || {
        match severity {
            RMW_LOG_SEVERITY_DEBUG
            | RMW_LOG_SEVERITY_INFO
            | RMW_LOG_SEVERITY_WARN
            | RMW_LOG_SEVERITY_ERROR
            | RMW_LOG_SEVERITY_FATAL => {}
            other => return Err(RmwError::invalid(format!("unknown log severity {other}"))),
        }
        LOG_SEVERITY.store(severity, Ordering::Relaxed);
        Ok(())
    })
}
