//! Init options, `rmw_init`, `rmw_shutdown`, `rmw_context_fini` (rmw/init.h, rmw/init_options.h).

use std::ffi::c_char;

use crate::api::check_null;
use crate::cmem;
use crate::detail::context::ContextImpl;
use crate::handle::{self, check_ours, identifier};
use crate::ret::{guard_ret, RmwError, RmwResult};
use crate::sys::*;

fn zero_init_options() -> rmw_init_options_t {
    // SAFETY: every field of rmw_init_options_t is an integer, a raw pointer or an
    // `Option<fn>`, for which all-zero bytes are valid (NULL / None / 0): this is exactly
    // `rmw_get_zero_initialized_init_options()`.
    unsafe { std::mem::zeroed() }
}

/// Frees what the options own (enclave, security root path, static peers) with their allocator.
fn free_options_contents(o: &mut rmw_init_options_t) {
    let a = o.allocator;
    // SAFETY: these strings were allocated with the options' allocator by init/copy (or by rcl
    // with the same allocator), and are not used after this.
    unsafe {
        cmem::free(&a, o.enclave.cast());
        cmem::free(&a, o.security_options.security_root_path.cast());
    }
    o.enclave = std::ptr::null_mut();
    o.security_options.security_root_path = std::ptr::null_mut();
    #[cfg(not(ros_distro = "humble"))]
    {
        let d = &mut o.discovery_options;
        // SAFETY: static peers are allocated with the discovery options' allocator.
        unsafe { cmem::free(&d.allocator, d.static_peers.cast()) };
        d.static_peers = std::ptr::null_mut();
        d.static_peers_count = 0;
    }
}

/// Deep copy of `src` into a zero-initialized `dst`; on error `dst` stays zero-initialized.
fn copy_options(src: &rmw_init_options_t, dst: &mut rmw_init_options_t) -> RmwResult<()> {
    let a = src.allocator;
    if !cmem::allocator_is_valid(&a) {
        return Err(RmwError::invalid(
            "source init options have an invalid allocator",
        ));
    }
    let mut out = zero_init_options();
    out.instance_id = src.instance_id;
    out.implementation_identifier = src.implementation_identifier;
    out.domain_id = src.domain_id;
    out.security_options.enforce_security = src.security_options.enforce_security;
    #[cfg(any(ros_distro = "humble", ros_distro = "jazzy"))]
    {
        out.localhost_only = src.localhost_only;
    }
    out.allocator = a;
    out.impl_ = std::ptr::null_mut();
    let result = (|| -> RmwResult<()> {
        // SAFETY: the strings of initialized options are NULL or NUL-terminated.
        out.enclave = unsafe { cmem::strdup_c(&a, src.enclave)? };
        // SAFETY: `security_root_path` of initialized options is NULL or NUL-terminated too.
        out.security_options.security_root_path =
            unsafe { cmem::strdup_c(&a, src.security_options.security_root_path)? };
        #[cfg(not(ros_distro = "humble"))]
        {
            let s = &src.discovery_options;
            let d = &mut out.discovery_options;
            d.automatic_discovery_range = s.automatic_discovery_range;
            d.allocator = if cmem::allocator_is_valid(&s.allocator) {
                s.allocator
            } else {
                a
            };
            if s.static_peers_count > 0 && !s.static_peers.is_null() {
                let n = s.static_peers_count;
                let size = std::mem::size_of::<rmw_peer_address_t>();
                let p = cmem::zalloc(&d.allocator, n, size)?.cast::<rmw_peer_address_t>();
                // SAFETY: `s.static_peers` holds `n` entries; `p` has room for `n`.
                unsafe { std::ptr::copy_nonoverlapping(s.static_peers, p, n) };
                d.static_peers = p;
                d.static_peers_count = n;
            }
        }
        Ok(())
    })();
    match result {
        Ok(()) => {
            *dst = out;
            Ok(())
        }
        Err(e) => {
            free_options_contents(&mut out);
            Err(e)
        }
    }
}

/// Initializes zero-initialized options with defaults and `allocator`.
///
/// # Safety
/// `init_options` is NULL or points to writable `rmw_init_options_t`.
#[no_mangle]
pub unsafe extern "C" fn rmw_init_options_init(
    init_options: *mut rmw_init_options_t,
    allocator: rcutils_allocator_t,
) -> rmw_ret_t {
    guard_ret("rmw_init_options_init", || {
        check_null!(init_options, "init_options");
        if !cmem::allocator_is_valid(&allocator) {
            return Err(RmwError::invalid("allocator is invalid"));
        }
        // SAFETY: non-NULL, writable per the caller's contract.
        let o = unsafe { &mut *init_options };
        if !o.implementation_identifier.is_null() {
            return Err(RmwError::invalid(
                "init_options is already initialized (expected zero-initialized)",
            ));
        }
        let mut n = zero_init_options();
        n.instance_id = 0;
        n.implementation_identifier = identifier();
        n.domain_id = RMW_DEFAULT_DOMAIN_ID;
        n.security_options.enforce_security = RMW_SECURITY_ENFORCEMENT_PERMISSIVE;
        #[cfg(any(ros_distro = "humble", ros_distro = "jazzy"))]
        {
            n.localhost_only = RMW_LOCALHOST_ONLY_DEFAULT;
        }
        #[cfg(not(ros_distro = "humble"))]
        {
            n.discovery_options.automatic_discovery_range = RMW_AUTOMATIC_DISCOVERY_RANGE_NOT_SET;
            n.discovery_options.allocator = allocator;
        }
        n.allocator = allocator;
        *o = n;
        Ok(())
    })
}

/// Deep-copies initialized `src` into zero-initialized `dst`.
///
/// # Safety
/// `src` is NULL or valid options; `dst` is NULL or writable options.
#[no_mangle]
pub unsafe extern "C" fn rmw_init_options_copy(
    src: *const rmw_init_options_t,
    dst: *mut rmw_init_options_t,
) -> rmw_ret_t {
    guard_ret("rmw_init_options_copy", || {
        check_null!(src, "src");
        check_null!(dst, "dst");
        // SAFETY: non-NULL per the checks, valid per the caller's contract.
        let (s, d) = unsafe { (&*src, &mut *dst) };
        if s.implementation_identifier.is_null() {
            return Err(RmwError::invalid("src init options are not initialized"));
        }
        check_ours(s.implementation_identifier, "src init options")?;
        if !d.implementation_identifier.is_null() {
            return Err(RmwError::invalid(
                "dst init options are already initialized",
            ));
        }
        copy_options(s, d)
    })
}

/// Frees what the options own and zeroes them.
///
/// # Safety
/// `init_options` is NULL or points to initialized options.
#[no_mangle]
pub unsafe extern "C" fn rmw_init_options_fini(init_options: *mut rmw_init_options_t) -> rmw_ret_t {
    guard_ret("rmw_init_options_fini", || {
        check_null!(init_options, "init_options");
        // SAFETY: non-NULL, valid per the caller's contract.
        let o = unsafe { &mut *init_options };
        if o.implementation_identifier.is_null() {
            return Err(RmwError::invalid("init_options is not initialized"));
        }
        check_ours(o.implementation_identifier, "init options")?;
        if !cmem::allocator_is_valid(&o.allocator) {
            return Err(RmwError::invalid("init_options has an invalid allocator"));
        }
        free_options_contents(o);
        *o = zero_init_options();
        Ok(())
    })
}

/// Joins the ROS domain of the options: one hazcat participant per context.
///
/// # Safety
/// `options` is NULL or valid options; `context` is NULL or a writable context.
#[no_mangle]
pub unsafe extern "C" fn rmw_init(
    options: *const rmw_init_options_t,
    context: *mut rmw_context_t,
) -> rmw_ret_t {
    guard_ret("rmw_init", || {
        crate::logging::install();
        check_null!(options, "options");
        check_null!(context, "context");
        // SAFETY: non-NULL per the checks, valid per the caller's contract.
        let (o, c) = unsafe { (&*options, &mut *context) };
        if o.implementation_identifier.is_null() {
            return Err(RmwError::invalid("options are not initialized"));
        }
        check_ours(o.implementation_identifier, "init options")?;
        if o.enclave.is_null() {
            return Err(RmwError::invalid("options.enclave is NULL"));
        }
        if !c.implementation_identifier.is_null() || !c.impl_.is_null() {
            return Err(RmwError::invalid("context is already initialized"));
        }
        if o.security_options.enforce_security == RMW_SECURITY_ENFORCEMENT_ENFORCE {
            return Err(RmwError::unsupported(
                "security enforcement requested, but rmw_hazcat_rs does not implement ROS 2 security",
            ));
        }
        // SAFETY: non-NULL, NUL-terminated (initialized options).
        let enclave = unsafe { cmem::str_arg(o.enclave as *const c_char) }
            .unwrap_or_default()
            .into_owned();
        let imp = ContextImpl::new(o.domain_id, enclave, o.instance_id)?;
        let domain = imp.shared.config.domain_id as usize;
        let mut copied = zero_init_options();
        copy_options(o, &mut copied)?;
        c.instance_id = o.instance_id;
        c.implementation_identifier = identifier();
        c.options = copied;
        c.actual_domain_id = domain;
        c.impl_ = handle::into_data(Box::new(imp)).cast();
        Ok(())
    })
}

/// Marks the context shut down (idempotent): nodes can no longer be created.
///
/// # Safety
/// `context` is NULL or a valid context.
#[no_mangle]
pub unsafe extern "C" fn rmw_shutdown(context: *mut rmw_context_t) -> rmw_ret_t {
    guard_ret("rmw_shutdown", || {
        // SAFETY: `context` is NULL or a live rmw_context_t (rmw.h contract); `handle::context` rejects NULL, foreign and finalized contexts.
        let c = unsafe { handle::context(context)? };
        c.shutdown();
        Ok(())
    })
}

/// Releases a shut-down context and zeroes it.
///
/// # Safety
/// `context` is NULL or a valid context.
#[no_mangle]
pub unsafe extern "C" fn rmw_context_fini(context: *mut rmw_context_t) -> rmw_ret_t {
    guard_ret("rmw_context_fini", || {
        // SAFETY: `context` is NULL or a live rmw_context_t (rmw.h contract); `handle::context` rejects NULL, foreign and finalized contexts.
        let imp = unsafe { handle::context(context)? };
        if !imp.shared.is_shutdown() {
            return Err(RmwError::invalid("context has not been shut down"));
        }
        // SAFETY: `context` passed the checks above.
        let c = unsafe { &mut *context };
        free_options_contents(&mut c.options);
        // SAFETY: `impl_` came from `into_data::<ContextImpl>` in rmw_init; cleared below.
        drop(unsafe { handle::take_data::<ContextImpl>(c.impl_.cast()) });
        // SAFETY: all-zero is `rmw_get_zero_initialized_context()` (integers, pointers, Options).
        *c = unsafe { std::mem::zeroed() };
        Ok(())
    })
}
