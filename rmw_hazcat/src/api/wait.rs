//! Wait sets and `rmw_wait` (rmw/rmw.h).
//!
//! The arrays hold `rmw_subscription_t::data`, `rmw_guard_condition_t::data`,
//! `rmw_service_t::data`, `rmw_client_t::data` pointers, but `rmw_event_t *` for events
//! (what rcl puts there). Not-ready entries are set to NULL on return.

use std::ffi::c_void;
use std::time::Duration;

use crate::detail::event::{EventEntry, EventHub};
use crate::detail::guard::GuardImpl;
use crate::detail::service::{ClientImpl, ServiceImpl};
use crate::detail::subscription::SubscriptionImpl;
use crate::detail::wait_set::{WaitSetImpl, Waitable};
use crate::handle::{self, identifier};
use crate::ret::{guard_ptr, guard_ret, RmwError, RmwResult};
use crate::sys::*;

/// Creates a wait set (`max_conditions` is a hint; 0 = unbounded, which hazcat always is).
///
/// # Safety
/// `context` is NULL or a valid context.
#[no_mangle]
pub unsafe extern "C" fn rmw_create_wait_set(
    context: *mut rmw_context_t,
    max_conditions: usize,
) -> *mut rmw_wait_set_t {
    let _ = max_conditions;
    guard_ptr("rmw_create_wait_set", || {
        // SAFETY: `context` is NULL or a live rmw_context_t (rmw.h contract); `handle::context` rejects NULL, foreign and finalized contexts.
        let ctx = unsafe { handle::context(context)? };
        let ws = WaitSetImpl::new(&ctx.shared)?;
        Ok(handle::into_handle(rmw_wait_set_t {
            implementation_identifier: identifier(),
            guard_conditions: std::ptr::null_mut(),
            data: handle::into_data(Box::new(ws)),
        }))
    })
}

/// Destroys a wait set. NULL is `RMW_RET_ERROR` up to Jazzy, INVALID_ARGUMENT from Kilted
/// ([`super::distro_ret`]).
///
/// # Safety
/// `wait_set` is NULL or a wait set of ours, not used afterwards.
#[no_mangle]
pub unsafe extern "C" fn rmw_destroy_wait_set(wait_set: *mut rmw_wait_set_t) -> rmw_ret_t {
    guard_ret("rmw_destroy_wait_set", || {
        if wait_set.is_null() {
            let code = super::distro_ret::DESTROY_WAIT_SET_NULL;
            return Err(RmwError::new(code, "wait set handle is NULL"));
        }
        // SAFETY: `wait_set` is NULL or a live handle (this function's safety contract; for an entry point, rmw.h's); `handle::get` rejects NULL and foreign identifiers before it reads `data`.
        let (h, _) = unsafe { handle::get(wait_set)? };
        // SAFETY: made by rmw_create_wait_set.
        unsafe {
            drop(handle::take_data::<WaitSetImpl>(h.data));
            drop(handle::take_handle(wait_set));
        }
        Ok(())
    })
}

/// `(count, array)` of one wait category as a mutable slice (empty for NULL).
///
/// # Safety
/// `array` is NULL or holds `count` entries, writable.
unsafe fn entries<'a>(count: usize, array: *mut *mut c_void) -> &'a mut [*mut c_void] {
    if array.is_null() || count == 0 {
        &mut []
    } else {
        // SAFETY: caller's contract.
        unsafe { std::slice::from_raw_parts_mut(array, count) }
    }
}

fn timeout_of(t: *const rmw_time_t) -> Option<Duration> {
    if t.is_null() {
        return None;
    }
    // SAFETY: non-NULL; rcl passes a valid rmw_time_t.
    let t = unsafe { *t };
    Some(Duration::from_secs(t.sec).saturating_add(Duration::from_nanos(t.nsec)))
}

/// Blocks until a subscription has data, a guard condition is triggered, an event changed, or
/// the timeout passes (`NULL`: forever, `{0,0}`: poll). Returns `RMW_RET_TIMEOUT` if nothing is
/// ready; not-ready entries are set to NULL either way.
///
/// # Safety
/// Every non-NULL array holds its count of live entries of this implementation; `wait_set` is
/// NULL or valid; `wait_timeout` is NULL or valid.
#[no_mangle]
pub unsafe extern "C" fn rmw_wait(
    subscriptions: *mut rmw_subscriptions_t,
    guard_conditions: *mut rmw_guard_conditions_t,
    services: *mut rmw_services_t,
    clients: *mut rmw_clients_t,
    events: *mut rmw_events_t,
    wait_set: *mut rmw_wait_set_t,
    wait_timeout: *const rmw_time_t,
) -> rmw_ret_t {
    guard_ret("rmw_wait", || {
        // SAFETY: `wait_set` is NULL or a live handle (this function's safety contract; for an entry point, rmw.h's); `handle::get` rejects NULL and foreign identifiers before it reads `data`.
        let (_, ws) = unsafe { handle::get(wait_set)? };
        // SAFETY: each array struct is NULL or valid with `count` entries (caller's contract).
        let (subs, gcs, srvs, clis, evs) = unsafe {
            (
                subscriptions
                    .as_mut()
                    .map_or(&mut [][..], |s| entries(s.subscriber_count, s.subscribers)),
                guard_conditions.as_mut().map_or(&mut [][..], |g| {
                    entries(g.guard_condition_count, g.guard_conditions)
                }),
                services
                    .as_mut()
                    .map_or(&mut [][..], |s| entries(s.service_count, s.services)),
                clients
                    .as_mut()
                    .map_or(&mut [][..], |c| entries(c.client_count, c.clients)),
                events
                    .as_mut()
                    .map_or(&mut [][..], |e| entries(e.event_count, e.events)),
            )
        };
        let mut event_entries: Vec<Option<EventEntry<'_>>> = Vec::with_capacity(evs.len());
        for &e in evs.iter() {
            event_entries.push(event_entry(e)?);
        }
        let mut waitables: Vec<&dyn Waitable> = Vec::new();
        // Non-NULL entries are `data` pointers of live handles of ours: rcl fills the arrays
        // from the handles it holds for the duration of the wait.
        for &p in subs.iter().filter(|p| !p.is_null()) {
            // SAFETY: see above; subscription data is a `SubscriptionImpl`.
            waitables.push(unsafe { handle::from_data::<SubscriptionImpl>(p) });
        }
        for &p in gcs.iter().filter(|p| !p.is_null()) {
            // SAFETY: see above; guard condition data is a `GuardImpl`.
            waitables.push(unsafe { handle::from_data::<GuardImpl>(p) });
        }
        for &p in srvs.iter().filter(|p| !p.is_null()) {
            // SAFETY: see above; service data is a `ServiceImpl`.
            waitables.push(unsafe { handle::from_data::<ServiceImpl>(p) });
        }
        for &p in clis.iter().filter(|p| !p.is_null()) {
            // SAFETY: see above; client data is a `ClientImpl`.
            waitables.push(unsafe { handle::from_data::<ClientImpl>(p) });
        }
        for e in event_entries.iter().flatten() {
            waitables.push(e);
        }
        let ready = ws.wait(&waitables, timeout_of(wait_timeout));
        let mut ready = ready.into_iter();
        let mut any = false;
        for slot in subs
            .iter_mut()
            .chain(gcs.iter_mut())
            .chain(srvs.iter_mut())
            .chain(clis.iter_mut())
        {
            if slot.is_null() {
                continue;
            }
            if ready.next().unwrap_or(false) {
                any = true;
            } else {
                *slot = std::ptr::null_mut();
            }
        }
        for (slot, e) in evs.iter_mut().zip(&event_entries) {
            if e.is_some() && ready.next().unwrap_or(false) {
                any = true;
            } else {
                *slot = std::ptr::null_mut();
            }
        }
        if any {
            Ok(())
        } else {
            Err(RmwError::timeout("rmw_wait timed out"))
        }
    })
}

/// The wait entry of an `rmw_event_t *` (`None` for NULL or an event type we do not support).
fn event_entry<'a>(p: *mut c_void) -> RmwResult<Option<EventEntry<'a>>> {
    if p.is_null() {
        return Ok(None);
    }
    // SAFETY: event arrays hold `rmw_event_t *` of live events (rcl's contract).
    let (h, hub) = unsafe { handle::get::<rmw_event_t>(p.cast())? };
    let hub: &EventHub = hub;
    Ok(hub
        .event_kind(h.event_type)
        .map(|kind| EventEntry { hub, kind }))
}
