//! QoS events (rmw/event.h) and the event listener callback. State lives in the parent's
//! `EventHub` (see `detail/event.rs`).

use std::ffi::c_void;

use crate::api::check_null;
use crate::detail::event::{EventHub, EventStatus};
use crate::handle::{self, identifier};
use crate::ret::{guard_ret, RmwError, RmwResult};
use crate::sys::*;

/// # Safety
/// `event` is non-NULL and writable.
unsafe fn init_event(
    event: *mut rmw_event_t,
    hub: &EventHub,
    event_type: rmw_event_type_t,
) -> RmwResult<()> {
    if hub.event_kind(event_type).is_none() {
        return Err(RmwError::unsupported(format!(
            "event type {event_type} is not supported by rmw_hazcat_rs for this entity"
        )));
    }
    // SAFETY: non-NULL, writable (caller's contract).
    let e = unsafe { &mut *event };
    e.implementation_identifier = identifier();
    e.data = handle::borrowed_data(hub);
    e.event_type = event_type;
    if let Some(kind) = hub.event_kind(event_type) {
        hub.enable(kind);
    }
    Ok(())
}

/// Initializes an event of a publisher.
///
/// # Safety
/// Pointers NULL or valid.
#[no_mangle]
pub unsafe extern "C" fn rmw_publisher_event_init(
    rmw_event: *mut rmw_event_t,
    publisher: *const rmw_publisher_t,
    event_type: rmw_event_type_t,
) -> rmw_ret_t {
    guard_ret("rmw_publisher_event_init", || {
        check_null!(rmw_event, "rmw_event");
        // SAFETY: `publisher` is NULL or a live handle (this function's safety contract; for an entry point, rmw.h's); `handle::get` rejects NULL and foreign identifiers before it reads `data`.
        let (_, p) = unsafe { handle::get(publisher)? };
        // SAFETY: non-NULL, writable.
        unsafe { init_event(rmw_event, &p.events, event_type) }
    })
}

/// Initializes an event of a subscription.
///
/// # Safety
/// Pointers NULL or valid.
#[no_mangle]
pub unsafe extern "C" fn rmw_subscription_event_init(
    rmw_event: *mut rmw_event_t,
    subscription: *const rmw_subscription_t,
    event_type: rmw_event_type_t,
) -> rmw_ret_t {
    guard_ret("rmw_subscription_event_init", || {
        check_null!(rmw_event, "rmw_event");
        // SAFETY: `subscription` is NULL or a live handle (this function's safety contract; for an entry point, rmw.h's); `handle::get` rejects NULL and foreign identifiers before it reads `data`.
        let (_, s) = unsafe { handle::get(subscription)? };
        // SAFETY: non-NULL, writable.
        unsafe { init_event(rmw_event, &s.events, event_type) }
    })
}

/// Fills the status struct of the event's type and resets its change counters; always
/// `taken = true` (a status can always be read).
///
/// # Safety
/// Pointers NULL or valid; `event_info` points to the status struct of the event's type.
#[no_mangle]
pub unsafe extern "C" fn rmw_take_event(
    event_handle: *const rmw_event_t,
    event_info: *mut c_void,
    taken: *mut bool,
) -> rmw_ret_t {
    guard_ret("rmw_take_event", || {
        // SAFETY: `event_handle` is NULL or a live handle (this function's safety contract; for an entry point, rmw.h's); `handle::get` rejects NULL and foreign identifiers before it reads `data`.
        let (h, hub) = unsafe { handle::get(event_handle)? };
        check_null!(event_info, "event_info");
        check_null!(taken, "taken");
        let kind = hub
            .event_kind(h.event_type)
            .ok_or_else(|| RmwError::invalid("event has an unsupported type"))?;
        // `event_info` points to the status struct of this event type (caller's contract).
        let info = event_info;
        match hub.take(kind) {
            #[cfg(not(ros_distro = "humble"))]
            // SAFETY: see above (rmw_matched_status_t).
            EventStatus::Matched(s) => unsafe { *info.cast() = s },
            // SAFETY: see above (rmw_qos_incompatible_event_status_t).
            EventStatus::QosIncompatible(s) => unsafe { *info.cast() = s },
            #[cfg(not(ros_distro = "humble"))]
            // SAFETY: see above (rmw_incompatible_type_status_t).
            EventStatus::IncompatibleType(s) => unsafe { *info.cast() = s },
            // SAFETY: see above (rmw_message_lost_status_t).
            EventStatus::MessageLost(s) => unsafe { *info.cast() = s },
            // SAFETY: see above (rmw_offered_deadline_missed_status_t).
            EventStatus::OfferedDeadlineMissed(s) => unsafe { *info.cast() = s },
            // SAFETY: see above (rmw_requested_deadline_missed_status_t).
            EventStatus::RequestedDeadlineMissed(s) => unsafe { *info.cast() = s },
            // SAFETY: see above (rmw_liveliness_lost_status_t).
            EventStatus::LivelinessLost(s) => unsafe { *info.cast() = s },
            // SAFETY: see above (rmw_liveliness_changed_status_t).
            EventStatus::LivelinessChanged(s) => unsafe { *info.cast() = s },
        }
        // SAFETY: non-NULL, writable.
        unsafe { *taken = true };
        Ok(())
    })
}

/// Sets (or clears) the event's listener callback; earlier changes are announced at once.
///
/// # Safety
/// `event` NULL or valid; callback and user data valid while set.
#[no_mangle]
pub unsafe extern "C" fn rmw_event_set_callback(
    event: *mut rmw_event_t,
    callback: rmw_event_callback_t,
    user_data: *const c_void,
) -> rmw_ret_t {
    guard_ret("rmw_event_set_callback", || {
        // SAFETY: `event` is NULL or a live handle (this function's safety contract; for an entry point, rmw.h's); `handle::get` rejects NULL and foreign identifiers before it reads `data`.
        let (h, hub) = unsafe { handle::get(event)? };
        let kind = hub
            .event_kind(h.event_type)
            .ok_or_else(|| RmwError::invalid("event has an unsupported type"))?;
        hub.set_callback(kind, callback, user_data)
    })
}

/// True exactly for the event types `rmw_*_event_init` accepts.
#[cfg(not(ros_distro = "humble"))]
#[no_mangle]
pub extern "C" fn rmw_event_type_is_supported(rmw_event_type: rmw_event_type_t) -> bool {
    crate::detail::event::EventKind::is_supported(rmw_event_type)
}
