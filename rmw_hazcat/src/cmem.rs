//! C memory owned through `rcutils_allocator_t`: strings, string arrays and raw blocks that rcl
//! later frees with the allocator stored next to them. The only module besides `api/`,
//! `handle.rs` and `ret.rs` that touches caller-owned C memory.

use std::ffi::{c_char, c_void, CStr};

use crate::ret::{RmwError, RmwResult};
use crate::sys::{rcutils_allocator_t, rcutils_string_array_t};

unsafe extern "C" fn c_allocate(size: usize, _state: *mut c_void) -> *mut c_void {
    // SAFETY: malloc has no preconditions.
    unsafe { libc::malloc(size) }
}

unsafe extern "C" fn c_deallocate(p: *mut c_void, _state: *mut c_void) {
    // SAFETY: `p` came from one of the functions of this allocator (or is NULL).
    unsafe { libc::free(p) }
}

unsafe extern "C" fn c_reallocate(p: *mut c_void, size: usize, _state: *mut c_void) -> *mut c_void {
    // SAFETY: `p` came from this allocator (or is NULL).
    unsafe { libc::realloc(p, size) }
}

unsafe extern "C" fn c_zero_allocate(n: usize, size: usize, _state: *mut c_void) -> *mut c_void {
    // SAFETY: calloc has no preconditions.
    unsafe { libc::calloc(n, size) }
}

/// An allocator over libc `malloc`/`free` — what `rcutils_get_default_allocator()` returns, built
/// here so that no rcutils symbol is needed.
pub fn default_allocator() -> rcutils_allocator_t {
    rcutils_allocator_t {
        allocate: Some(c_allocate),
        deallocate: Some(c_deallocate),
        reallocate: Some(c_reallocate),
        zero_allocate: Some(c_zero_allocate),
        state: std::ptr::null_mut(),
    }
}

/// `rcutils_allocator_is_valid`: all four functions present.
pub fn allocator_is_valid(a: &rcutils_allocator_t) -> bool {
    a.allocate.is_some()
        && a.deallocate.is_some()
        && a.reallocate.is_some()
        && a.zero_allocate.is_some()
}

/// A zero-initialized allocator (all NULL), as `rcutils_get_zero_initialized_allocator()`.
pub fn zero_allocator() -> rcutils_allocator_t {
    rcutils_allocator_t {
        allocate: None,
        deallocate: None,
        reallocate: None,
        zero_allocate: None,
        state: std::ptr::null_mut(),
    }
}

/// Allocates `size` bytes with `a` (zeroed).
pub fn zalloc(a: &rcutils_allocator_t, n: usize, size: usize) -> RmwResult<*mut c_void> {
    let f = a
        .zero_allocate
        .ok_or_else(|| RmwError::invalid("allocator has no zero_allocate"))?;
    // SAFETY: the allocator's own function with its own state.
    let p = unsafe { f(n.max(1), size.max(1), a.state) };
    if p.is_null() {
        return Err(RmwError::bad_alloc("allocation failed"));
    }
    Ok(p)
}

/// Frees `p` (may be NULL) with `a`.
///
/// # Safety
/// `p` is NULL or was allocated by `a`.
pub unsafe fn free(a: &rcutils_allocator_t, p: *mut c_void) {
    if let (false, Some(f)) = (p.is_null(), a.deallocate) {
        // SAFETY: `p` came from `a` (caller's contract).
        unsafe { f(p, a.state) }
    }
}

/// Copies `s` into a NUL-terminated string owned by `a` (like `rcutils_strdup`).
pub fn strdup(a: &rcutils_allocator_t, s: &str) -> RmwResult<*mut c_char> {
    let bytes = s.as_bytes();
    let p = zalloc(a, bytes.len() + 1, 1)?.cast::<u8>();
    // SAFETY: `p` holds `len + 1` zeroed bytes; the copy leaves the final NUL.
    unsafe { std::ptr::copy_nonoverlapping(bytes.as_ptr(), p, bytes.len()) };
    Ok(p.cast())
}

/// Copies the C string `s` (may be NULL → NULL) with `a`.
///
/// # Safety
/// `s` is NULL or NUL-terminated.
pub unsafe fn strdup_c(a: &rcutils_allocator_t, s: *const c_char) -> RmwResult<*mut c_char> {
    if s.is_null() {
        return Ok(std::ptr::null_mut());
    }
    // SAFETY: NUL-terminated per the caller's contract.
    let s = unsafe { CStr::from_ptr(s) };
    strdup(a, &s.to_string_lossy())
}

/// Reads a C string argument (`None` for NULL; invalid UTF-8 is replaced).
///
/// # Safety
/// `p` is NULL or NUL-terminated and outlives `'a`.
pub unsafe fn str_arg<'a>(p: *const c_char) -> Option<std::borrow::Cow<'a, str>> {
    if p.is_null() {
        None
    } else {
        // SAFETY: non-NULL and NUL-terminated per the caller's contract.
        Some(unsafe { CStr::from_ptr(p) }.to_string_lossy())
    }
}

/// Whether a string array is zero-initialized (`size == 0 && data == NULL`).
pub fn string_array_is_zero(a: &rcutils_string_array_t) -> bool {
    a.size == 0 && a.data.is_null()
}

/// Fills a zero-initialized string array with copies of `items` owned by `alloc`
/// (`rcutils_string_array_init` + `strdup`). On error the array is left zero-initialized.
pub fn fill_string_array(
    out: &mut rcutils_string_array_t,
    items: &[&str],
    alloc: &rcutils_allocator_t,
) -> RmwResult<()> {
    let data = if items.is_empty() {
        std::ptr::null_mut()
    } else {
        zalloc(alloc, items.len(), std::mem::size_of::<*mut c_char>())?.cast::<*mut c_char>()
    };
    for (i, s) in items.iter().enumerate() {
        match strdup(alloc, s) {
            // SAFETY: `data` has `items.len()` slots.
            Ok(p) => unsafe { *data.add(i) = p },
            Err(e) => {
                for j in 0..i {
                    // SAFETY: slots before `i` hold strings allocated with `alloc`.
                    unsafe { free(alloc, (*data.add(j)).cast()) };
                }
                // SAFETY: allocated above with `alloc`.
                unsafe { free(alloc, data.cast()) };
                return Err(e);
            }
        }
    }
    *out = rcutils_string_array_t {
        size: items.len(),
        data,
        allocator: *alloc,
    };
    Ok(())
}

/// Frees a string array filled by [`fill_string_array`] and zeroes it (`rcutils_string_array_fini`).
///
/// # Safety
/// `a` was filled by [`fill_string_array`] (or is zero-initialized).
pub unsafe fn fini_string_array(a: &mut rcutils_string_array_t) {
    if !a.data.is_null() {
        for i in 0..a.size {
            // SAFETY: every slot holds NULL or a string of `a.allocator`.
            unsafe { free(&a.allocator, (*a.data.add(i)).cast()) };
        }
        // SAFETY: allocated with `a.allocator`.
        unsafe { free(&a.allocator, a.data.cast()) };
    }
    a.size = 0;
    a.data = std::ptr::null_mut();
}
