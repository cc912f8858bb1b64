//! The one place that converts between rmw handles (`rmw_*_t`, owned by C callers) and the Rust
//! objects of [`crate::detail`], and that checks implementation identifiers.
//!
//! Rules (style anchors E.5):
//! - every handle's `implementation_identifier` is [`identifier()`], one static pointer;
//! - `data` (and `rmw_context_t::impl`) always points at the object `rmw_wait` and the other
//!   entry points need, created with [`into_data`] (a leaked `Box`) and reclaimed exactly once
//!   with [`take_data`] by the matching destroy function;
//! - checks run in the upstream order: NULL handle → identifier → missing data.

use std::ffi::{c_char, c_void, CStr};

use crate::detail::context::ContextImpl;
use crate::detail::guard::GuardImpl;
use crate::detail::node::NodeImpl;
use crate::detail::wait_set::WaitSetImpl;
use crate::ret::{RmwError, RmwResult};
use crate::sys::{rmw_context_t, rmw_event_t, rmw_guard_condition_t, rmw_node_t, rmw_wait_set_t};

/// The implementation identifier (`"rmw_hazcat_rs"`); every handle stores this very pointer.
pub static IMPLEMENTATION_IDENTIFIER: &CStr = c"rmw_hazcat_rs";

/// The identifier pointer stored in handles.
pub fn identifier() -> *const c_char {
    IMPLEMENTATION_IDENTIFIER.as_ptr()
}

/// Whether `id` names this implementation: pointer equality, as the stock
/// `RMW_CHECK_TYPE_IDENTIFIERS_MATCH` does (every handle carries [`identifier()`]).
pub fn is_ours(id: *const c_char) -> bool {
    std::ptr::eq(id, identifier())
}

/// `RMW_RET_INCORRECT_RMW_IMPLEMENTATION` unless `id` is ours.
#[track_caller]
pub fn check_ours(id: *const c_char, what: &str) -> RmwResult<()> {
    if is_ours(id) {
        Ok(())
    } else {
        Err(RmwError::incorrect_implementation(format!(
            "{what} implementation is not rmw_hazcat_rs"
        )))
    }
}

/// An rmw handle type whose `data` holds a `Box<Self::Impl>` made by [`into_data`].
pub trait RmwHandle {
    /// The object `data` points at.
    type Impl;
    /// Name used in error messages.
    const WHAT: &'static str;
    /// The handle's `implementation_identifier`.
    fn identifier(&self) -> *const c_char;
    /// The handle's `data`.
    fn data(&self) -> *mut c_void;
}

macro_rules! rmw_handle {
    ($handle:ty, $impl:ty, $what:literal) => {
        impl RmwHandle for $handle {
            type Impl = $impl;
            const WHAT: &'static str = $what;
            fn identifier(&self) -> *const c_char {
                self.implementation_identifier
            }
            fn data(&self) -> *mut c_void {
                self.data
            }
        }
    };
}

rmw_handle!(rmw_node_t, NodeImpl, "node");
rmw_handle!(rmw_guard_condition_t, GuardImpl, "guard condition");
rmw_handle!(rmw_wait_set_t, WaitSetImpl, "wait set");
rmw_handle!(
    crate::sys::rmw_publisher_t,
    crate::detail::publisher::PublisherImpl,
    "publisher"
);
rmw_handle!(
    crate::sys::rmw_subscription_t,
    crate::detail::subscription::SubscriptionImpl,
    "subscription"
);
rmw_handle!(rmw_event_t, crate::detail::event::EventHub, "event");

/// The handle behind `h` after the NULL and identifier checks (in that order).
///
/// # Safety
/// `h` is NULL or points to a live handle of type `H`.
#[track_caller]
pub unsafe fn handle<'a, H: RmwHandle>(h: *const H) -> RmwResult<&'a H> {
    if h.is_null() {
        return Err(RmwError::invalid(format!("{} handle is NULL", H::WHAT)));
    }
    // SAFETY: non-NULL and live per the caller's contract.
    let h = unsafe { &*h };
    check_ours(h.identifier(), H::WHAT)?;
    Ok(h)
}

/// The object behind a handle that passed [`handle`].
///
/// # Safety
/// `h.data()` is NULL or was produced by [`into_data`] for `H::Impl` and not yet taken back.
#[track_caller]
pub unsafe fn object<'a, H: RmwHandle>(h: &H) -> RmwResult<&'a H::Impl> {
    let d = h.data();
    if d.is_null() {
        return Err(RmwError::invalid(format!("{} handle has no data", H::WHAT)));
    }
    // SAFETY: produced by `into_data::<H::Impl>` and live (caller's contract).
    Ok(unsafe { &*d.cast::<H::Impl>() })
}

/// [`handle`] then [`object`]: the one check every entry point runs on a handle argument.
///
/// # Safety
/// `h` is NULL or points to a live handle of type `H` (what rmw.h promises for every handle
/// argument). Nothing more is needed: a handle that passes [`handle`]'s identifier check was
/// made by this library, so its `data` came from [`into_data`] for `H::Impl`.
#[track_caller]
pub unsafe fn get<'a, H: RmwHandle>(h: *const H) -> RmwResult<(&'a H, &'a H::Impl)> {
    // SAFETY: `h` is NULL or a live `H`: exactly `handle`'s requirement.
    let h = unsafe { handle(h)? };
    // SAFETY: `h` carries our identifier, so its `data` is NULL or came from `into_data` for
    // `H::Impl` and was not taken back (destroy functions take it back and free `h` together).
    let o = unsafe { object(h)? };
    Ok((h, o))
}

/// Leaks `obj` into a `data` pointer.
pub fn into_data<T>(obj: Box<T>) -> *mut c_void {
    Box::into_raw(obj).cast()
}

/// Takes back an object leaked with [`into_data`].
///
/// # Safety
/// `p` came from `into_data::<T>` and is not used afterwards.
pub unsafe fn take_data<T>(p: *mut c_void) -> Box<T> {
    // SAFETY: caller's contract.
    unsafe { Box::from_raw(p.cast::<T>()) }
}

/// Borrow of the object behind a `data` pointer found in an `rmw_wait` array.
///
/// # Safety
/// `p` is non-NULL, came from `into_data::<T>` and is live.
pub unsafe fn from_data<'a, T>(p: *mut c_void) -> &'a T {
    // SAFETY: caller's contract.
    unsafe { &*p.cast::<T>() }
}

/// A `data` pointer to an object owned elsewhere (a node's graph guard condition, an entity's
/// event hub): valid as long as its owner, never reclaimed with [`take_data`].
pub fn borrowed_data<T>(obj: &T) -> *mut c_void {
    (obj as *const T).cast_mut().cast()
}

/// The handle of a node's graph guard condition; `data` points at `guard`, which the node owns
/// (boxed, so its address is stable) together with this handle.
pub fn graph_guard_handle(guard: &GuardImpl, context: *mut rmw_context_t) -> rmw_guard_condition_t {
    rmw_guard_condition_t {
        implementation_identifier: identifier(),
        data: borrowed_data(guard),
        context,
    }
}

/// Leaks a handle struct (handles are allocated by us; rcl never frees them itself).
pub fn into_handle<T>(h: T) -> *mut T {
    Box::into_raw(Box::new(h))
}

/// Takes back a handle made by [`into_handle`].
///
/// # Safety
/// `h` came from `into_handle::<T>` and is not used afterwards.
pub unsafe fn take_handle<T>(h: *mut T) -> Box<T> {
    // SAFETY: caller's contract.
    unsafe { Box::from_raw(h) }
}

/// The context object behind an initialized, non-shut-down-checked `rmw_context_t`.
///
/// # Safety
/// `c` is NULL or points to a live `rmw_context_t` whose `impl` is NULL or ours.
#[track_caller]
pub unsafe fn context<'a>(c: *const rmw_context_t) -> RmwResult<&'a ContextImpl> {
    if c.is_null() {
        return Err(RmwError::invalid("context is NULL"));
    }
    // SAFETY: non-NULL and live per the caller's contract.
    let c = unsafe { &*c };
    if c.implementation_identifier.is_null() && c.impl_.is_null() {
        return Err(RmwError::invalid(
            "context is zero-initialized (not initialized)",
        ));
    }
    check_ours(c.implementation_identifier, "context")?;
    if c.impl_.is_null() {
        return Err(RmwError::invalid("context is not initialized"));
    }
    // SAFETY: `impl_` was set by rmw_init from `into_data::<ContextImpl>`.
    Ok(unsafe { &*c.impl_.cast::<ContextImpl>() })
}
