//! Loaned messages (rmw.h, reference §4).
//!
//! Decision: loans are offered (`can_loan_messages = true`) exactly for **plain** message types
//! (fixed size, no strings or sequences: identical bytes in C and C++). Such a loan is the
//! message's block in the publisher's shared-memory pool — zero copies end to end — and, like
//! rmw_cyclonedds' zero-copy path, it is handed out uninitialized (rclcpp assigns fields).
//! Non-plain types report `can_loan_messages = false`, so rclcpp allocates locally and publishes
//! by copy (one CDR serialization into shared memory), which rclcpp handles correctly for every
//! type; loaning constructed non-plain messages would save nothing because they must be
//! serialized anyway. Without loans every function here returns `RMW_RET_UNSUPPORTED` before
//! looking at the other arguments (test_rmw_implementation's order).

use std::ffi::c_void;

use crate::api::{check_null, fill_message_info};
use crate::detail::loans::loan_domain;
use crate::detail::publisher::PublisherImpl;
use crate::detail::subscription::SubscriptionImpl;
use crate::handle;
use crate::ret::{guard_ret, RmwError, RmwResult};
use crate::sys::rosidl::rosidl_message_type_support_t;
use crate::sys::*;
use hazcat_core::{Domain, DomainKind};

fn loans_or_unsupported(can: bool, what: &str) -> RmwResult<()> {
    if can {
        Ok(())
    } else {
        Err(RmwError::unsupported(format!(
            "{what}: loans are only available for fixed-size (plain) message types"
        )))
    }
}

/// # Safety
/// `p` NULL or valid.
unsafe fn loaning_publisher<'a>(
    p: *const rmw_publisher_t,
    what: &str,
) -> RmwResult<&'a PublisherImpl> {
    // SAFETY: `p` is NULL or a live handle (this function's safety contract; for an entry point, rmw.h's); `handle::get`
    // rejects NULL and foreign identifiers before it reads `data`.
    let (h, imp) = unsafe { handle::get(p)? };
    loans_or_unsupported(h.can_loan_messages, what)?;
    Ok(imp)
}

/// # Safety
/// `s` NULL or valid.
unsafe fn loaning_subscription<'a>(
    s: *const rmw_subscription_t,
    what: &str,
) -> RmwResult<&'a SubscriptionImpl> {
    // SAFETY: `s` is NULL or a live handle (this function's safety contract; for an entry point, rmw.h's); `handle::get`
    // rejects NULL and foreign identifiers before it reads `data`.
    let (h, imp) = unsafe { handle::get(s)? };
    loans_or_unsupported(h.can_loan_messages, what)?;
    Ok(imp)
}

/// Lends a message-sized block of the publisher's shared memory.
///
/// # Safety
/// Pointers NULL or valid.
#[no_mangle]
pub unsafe extern "C" fn rmw_borrow_loaned_message(
    publisher: *const rmw_publisher_t,
    type_support: *const rosidl_message_type_support_t,
    ros_message: *mut *mut c_void,
) -> rmw_ret_t {
    guard_ret("rmw_borrow_loaned_message", || {
        // SAFETY: `publisher` is NULL or a live publisher (rmw.h contract): `loaning_publisher` checks it through `handle::get`.
        let p = unsafe { loaning_publisher(publisher, "rmw_borrow_loaned_message")? };
        check_null!(type_support, "type_support");
        check_null!(ros_message, "ros_message");
        // SAFETY: non-NULL, valid.
        if !unsafe { *ros_message }.is_null() {
            return Err(RmwError::invalid(
                "*ros_message must be NULL (it would leak)",
            ));
        }
        let m = p.borrow()?;
        // SAFETY: non-NULL, writable.
        unsafe { *ros_message = m.cast() };
        Ok(())
    })
}

/// Gives back an unpublished loan.
///
/// # Safety
/// Pointers NULL or valid.
#[no_mangle]
pub unsafe extern "C" fn rmw_return_loaned_message_from_publisher(
    publisher: *const rmw_publisher_t,
    loaned_message: *mut c_void,
) -> rmw_ret_t {
    guard_ret("rmw_return_loaned_message_from_publisher", || {
        // SAFETY: `publisher` is NULL or a live publisher (rmw.h contract): `loaning_publisher` checks it through `handle::get`.
        let p =
            unsafe { loaning_publisher(publisher, "rmw_return_loaned_message_from_publisher")? };
        check_null!(loaned_message, "loaned_message");
        p.return_loan(loaned_message.cast())
    })
}

/// Publishes a loan (zero copy); the middleware owns the memory afterwards.
///
/// # Safety
/// Pointers NULL or valid.
#[no_mangle]
pub unsafe extern "C" fn rmw_publish_loaned_message(
    publisher: *const rmw_publisher_t,
    ros_message: *mut c_void,
    allocation: *mut rmw_publisher_allocation_t,
) -> rmw_ret_t {
    let _ = allocation;
    guard_ret("rmw_publish_loaned_message", || {
        // SAFETY: `publisher` is NULL or a live publisher (rmw.h contract): `loaning_publisher` checks it through `handle::get`.
        let p = unsafe { loaning_publisher(publisher, "rmw_publish_loaned_message")? };
        check_null!(ros_message, "ros_message");
        p.publish_loan(ros_message.cast())
    })
}

/// # Safety
/// As `rmw_take_loaned_message_with_info`.
unsafe fn take_loaned(
    subscription_h: *const rmw_subscription_t,
    loaned_message: *mut *mut c_void,
    taken: *mut bool,
    message_info: Option<*mut rmw_message_info_t>,
    what: &str,
) -> RmwResult<()> {
    // SAFETY: `subscription_h` is NULL or a live subscription (rmw.h contract):
    // `loaning_subscription` checks it through `handle::get`.
    let s = unsafe { loaning_subscription(subscription_h, what)? };
    check_null!(loaned_message, "loaned_message");
    // SAFETY: non-NULL, valid.
    if !unsafe { *loaned_message }.is_null() {
        return Err(RmwError::invalid("*loaned_message must be NULL"));
    }
    check_null!(taken, "taken");
    if let Some(info) = message_info {
        check_null!(info, "message_info");
    }
    // SAFETY: non-NULL, writable.
    unsafe { *taken = false };
    if let Some((p, t)) = s.take_loan()? {
        if let Some(info) = message_info {
            // SAFETY: non-NULL, writable.
            fill_message_info(unsafe { &mut *info }, &t);
        }
        // SAFETY: non-NULL, writable.
        unsafe {
            *loaned_message = p.cast_mut().cast();
            *taken = true;
        }
    }
    Ok(())
}

/// Takes a message as a loan of its shared-memory bytes (read-only use).
///
/// # Safety
/// Pointers NULL or valid.
#[no_mangle]
pub unsafe extern "C" fn rmw_take_loaned_message(
    subscription: *const rmw_subscription_t,
    loaned_message: *mut *mut c_void,
    taken: *mut bool,
    allocation: *mut rmw_subscription_allocation_t,
) -> rmw_ret_t {
    let _ = allocation;
    // SAFETY: every pointer argument is NULL or valid (rmw.h contract): `take_loaned` checks NULLs
    // and requires no more.
    guard_ret("rmw_take_loaned_message", || unsafe {
        take_loaned(
            subscription,
            loaned_message,
            taken,
            None,
            "rmw_take_loaned_message",
        )
    })
}

/// Takes a message as a loan, with its info.
///
/// # Safety
/// Pointers NULL or valid.
#[no_mangle]
pub unsafe extern "C" fn rmw_take_loaned_message_with_info(
    subscription: *const rmw_subscription_t,
    loaned_message: *mut *mut c_void,
    taken: *mut bool,
    message_info: *mut rmw_message_info_t,
    allocation: *mut rmw_subscription_allocation_t,
) -> rmw_ret_t {
    let _ = allocation;
    // SAFETY: every pointer argument is NULL or valid (rmw.h contract): `take_loaned` checks NULLs
    // and requires no more.
    guard_ret("rmw_take_loaned_message_with_info", || unsafe {
        take_loaned(
            subscription,
            loaned_message,
            taken,
            Some(message_info),
            "rmw_take_loaned_message_with_info",
        )
    })
}

/// Returns a loan taken from the subscription; a pointer it did not lend is `RMW_RET_ERROR`.
///
/// # Safety
/// Pointers NULL or valid.
#[no_mangle]
pub unsafe extern "C" fn rmw_return_loaned_message_from_subscription(
    subscription: *const rmw_subscription_t,
    loaned_message: *mut c_void,
) -> rmw_ret_t {
    guard_ret("rmw_return_loaned_message_from_subscription", || {
        // SAFETY: `subscription` is NULL or a live subscription (rmw.h contract): `loaning_subscription` checks it through `handle::get`.
        let s = unsafe {
            loaning_subscription(subscription, "rmw_return_loaned_message_from_subscription")?
        };
        check_null!(loaned_message, "loaned_message");
        s.return_loan(loaned_message.cast_const().cast())
    })
}

/// Where a loaned message lives (`rmw_hazcat_rs/device.h`): `*kind` receives a
/// `hazcat_domain_kind_t` (`HAZCAT_DOMAIN_HOST`, `_CUDA`, `_EMULATED`) and `*device` the device
/// index. Any address that is not a live loan of this process in a device domain is reported
/// as host memory. Never dereferences `loaned_message`.
///
/// # Safety
/// `kind` and `device` NULL or valid for writes.
#[no_mangle]
pub unsafe extern "C" fn rmw_hazcat_loan_domain(
    loaned_message: *const c_void,
    kind: *mut i32,
    device: *mut i32,
) -> rmw_ret_t {
    guard_ret("rmw_hazcat_loan_domain", || {
        check_null!(loaned_message, "loaned_message");
        check_null!(kind, "kind");
        check_null!(device, "device");
        let d = loan_domain(loaned_message.cast()).unwrap_or(Domain::HOST);
        // Values of hazcat_domain_kind_t (options.h): the DomainKind value plus one.
        let k = match d.kind {
            DomainKind::Host => 1,
            DomainKind::Cuda => 2,
            DomainKind::Emulated => 3,
        };
        // SAFETY: non-NULL (checked), valid for writes by the caller's contract.
        unsafe {
            *kind = k;
            *device = i32::from(d.device);
        }
        Ok(())
    })
}

/// Whether `loaned_message` is a live loan of this process in CUDA device memory; NULL or any
/// other address gives `false`.
#[no_mangle]
pub extern "C" fn rmw_hazcat_loan_is_device(loaned_message: *const c_void) -> bool {
    !loaned_message.is_null()
        && loan_domain(loaned_message.cast()).is_some_and(|d| d.kind == DomainKind::Cuda)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detail::loans::{forget_loan_domain, note_loan_domain};

    #[test]
    fn loan_domain_helper() {
        let x = 7u64;
        let p = (&x as *const u64).cast::<c_void>();
        let (mut kind, mut device) = (-1i32, -1i32);
        // SAFETY: valid out-pointers; the loan address is never dereferenced.
        let query =
            |kind: &mut i32, device: &mut i32| unsafe { rmw_hazcat_loan_domain(p, kind, device) };
        assert_eq!(query(&mut kind, &mut device), RMW_RET_OK);
        assert_eq!((kind, device), (1, 0), "unknown addresses are host memory");
        note_loan_domain(p.cast(), Domain::emulated(2));
        assert_eq!(query(&mut kind, &mut device), RMW_RET_OK);
        assert_eq!((kind, device), (3, 2));
        assert!(!rmw_hazcat_loan_is_device(p));
        note_loan_domain(p.cast(), Domain::cuda(1));
        assert!(rmw_hazcat_loan_is_device(p));
        assert_eq!(query(&mut kind, &mut device), RMW_RET_OK);
        assert_eq!((kind, device), (2, 1));
        forget_loan_domain(p.cast());
        assert!(!rmw_hazcat_loan_is_device(p));
        assert!(!rmw_hazcat_loan_is_device(std::ptr::null()));
        // SAFETY: NULL arguments are rejected before any write.
        let rc = unsafe { rmw_hazcat_loan_domain(p, std::ptr::null_mut(), &mut device) };
        assert_eq!(rc, RMW_RET_INVALID_ARGUMENT);
    }
}
