//! `rmw_qos_profile_check_compatible` (rmw/qos_profiles.h), with the rmw_dds_common rules.

use std::ffi::c_char;

use crate::api::check_null;
use crate::detail::qos;
use crate::ret::{guard_ret, RmwError};
use crate::sys::*;

/// Checks whether a publisher and a subscription profile are compatible; `reason` receives a
/// NUL-terminated (possibly truncated) explanation.
///
/// # Safety
/// `compatibility` NULL or writable; `reason` NULL or `reason_size` writable bytes.
#[no_mangle]
pub unsafe extern "C" fn rmw_qos_profile_check_compatible(
    publisher_profile: rmw_qos_profile_t,
    subscription_profile: rmw_qos_profile_t,
    compatibility: *mut rmw_qos_compatibility_type_t,
    reason: *mut c_char,
    reason_size: usize,
) -> rmw_ret_t {
    guard_ret("rmw_qos_profile_check_compatible", || {
        check_null!(compatibility, "compatibility");
        if reason.is_null() && reason_size != 0 {
            return Err(RmwError::invalid("reason is NULL but reason_size is not 0"));
        }
        let c = qos::check_compatible(&publisher_profile, &subscription_profile);
        // SAFETY: non-NULL, writable.
        unsafe { *compatibility = c.kind };
        if !reason.is_null() && reason_size > 0 {
            let n = c.reason.len().min(reason_size - 1);
            // SAFETY: `reason` has `reason_size > n` writable bytes.
            unsafe {
                std::ptr::copy_nonoverlapping(c.reason.as_ptr(), reason.cast::<u8>(), n);
                *reason.add(n) = 0;
            }
        }
        Ok(())
    })
}
