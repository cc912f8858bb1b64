//! test_rmw_implementation test_qos_profile_check_compatible (Jazzy): a profile with no
//! system-default or unknown policy is compatible with itself, and the argument checks.
#![allow(clippy::undocumented_unsafe_blocks)]

use rmw_hazcat_rs::api::qos::*;
use rmw_hazcat_rs::sys::*;
use std::ffi::c_char;
use std::ptr::null_mut;

#[test]
fn concrete_profile_is_compatible_with_itself() {
    let mut qos = rmw_qos_profile_default;
    qos.history = RMW_QOS_POLICY_HISTORY_KEEP_LAST;
    qos.depth = 5;
    qos.reliability = RMW_QOS_POLICY_RELIABILITY_BEST_EFFORT;
    qos.durability = RMW_QOS_POLICY_DURABILITY_VOLATILE;
    qos.deadline = rmw_time_t { sec: 1, nsec: 0 };
    qos.lifespan = rmw_time_t { sec: 1, nsec: 0 };
    qos.liveliness = RMW_QOS_POLICY_LIVELINESS_AUTOMATIC;
    qos.liveliness_lease_duration = rmw_time_t { sec: 1, nsec: 0 };
    qos.avoid_ros_namespace_conventions = false;
    let mut compat = RMW_QOS_COMPATIBILITY_ERROR;
    let mut reason = [1 as c_char; 100];
    let rc = unsafe {
        rmw_qos_profile_check_compatible(qos, qos, &mut compat, reason.as_mut_ptr(), reason.len())
    };
    assert_eq!(rc, RMW_RET_OK);
    assert_eq!(compat, RMW_QOS_COMPATIBILITY_OK);
    assert!(reason.contains(&0), "reason is not NUL-terminated");
}

#[test]
fn invalid_input() {
    let s = rmw_qos_profile_sensor_data;
    let mut compat = RMW_QOS_COMPATIBILITY_OK;
    unsafe {
        assert_eq!(
            rmw_qos_profile_check_compatible(s, s, null_mut(), null_mut(), 0),
            RMW_RET_INVALID_ARGUMENT
        );
        assert_eq!(
            rmw_qos_profile_check_compatible(s, s, &mut compat, null_mut(), 1),
            RMW_RET_INVALID_ARGUMENT
        );
        assert_eq!(
            rmw_qos_profile_check_compatible(s, s, &mut compat, null_mut(), 0),
            RMW_RET_OK
        );
        assert_eq!(compat, RMW_QOS_COMPATIBILITY_OK);
    }
}
