//! Guard conditions (rmw/rmw.h).

use crate::api::check_null;
use crate::detail::guard::GuardImpl;
use crate::handle::{self, identifier};
use crate::ret::{guard_ptr, guard_ret};
use crate::sys::*;

/// Creates a guard condition of `context`.
///
/// # Safety
/// `context` is NULL or a valid context.
#[no_mangle]
pub unsafe extern "C" fn rmw_create_guard_condition(
    context: *mut rmw_context_t,
) -> *mut rmw_guard_condition_t {
    guard_ptr("rmw_create_guard_condition", || {
        // SAFETY: `context` is NULL or a live rmw_context_t (rmw.h contract); `handle::context` rejects NULL, foreign and finalized contexts.
        unsafe { handle::context(context)? };
        Ok(handle::into_handle(rmw_guard_condition_t {
            implementation_identifier: identifier(),
            data: handle::into_data(Box::new(GuardImpl::user())),
            context,
        }))
    })
}

/// Destroys a guard condition made by `rmw_create_guard_condition`.
///
/// # Safety
/// `guard_condition` is NULL or a guard condition of ours, not used afterwards.
#[no_mangle]
pub unsafe extern "C" fn rmw_destroy_guard_condition(
    guard_condition: *mut rmw_guard_condition_t,
) -> rmw_ret_t {
    guard_ret("rmw_destroy_guard_condition", || {
        check_null!(guard_condition, "guard_condition");
        // SAFETY: `guard_condition` is NULL or a live handle (this function's safety contract; for an entry point, rmw.h's); `handle::get` rejects NULL and foreign identifiers before it reads `data`.
        let (h, _) = unsafe { handle::get(guard_condition)? };
        // SAFETY: made by rmw_create_guard_condition (`into_data` / `into_handle`).
        unsafe {
            drop(handle::take_data::<GuardImpl>(h.data));
            drop(handle::take_handle(guard_condition));
        }
        Ok(())
    })
}

/// Triggers a guard condition; wakes a wait blocked on it in any thread.
///
/// # Safety
/// `guard_condition` is NULL or a valid guard condition.
#[no_mangle]
pub unsafe extern "C" fn rmw_trigger_guard_condition(
    guard_condition: *const rmw_guard_condition_t,
) -> rmw_ret_t {
    guard_ret("rmw_trigger_guard_condition", || {
        // SAFETY: `guard_condition` is NULL or a live handle (this function's safety contract; for an entry point, rmw.h's); `handle::get` rejects NULL and foreign identifiers before it reads `data`.
        let (_, g) = unsafe { handle::get(guard_condition)? };
        g.trigger();
        Ok(())
    })
}
