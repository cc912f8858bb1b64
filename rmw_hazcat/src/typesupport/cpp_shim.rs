//! Bindings to `cpp/typesupport_shim.cpp`: access to `std::string`, `std::u16string` and
//! `std::vector<bool>` members of C++ messages (introspection gives no accessors for them).

use std::ffi::{c_char, c_void};

extern "C" {
    fn hazcat_ts_cpp_string_sizeof() -> usize;
    fn hazcat_ts_cpp_u16string_sizeof() -> usize;
    fn hazcat_ts_cpp_string_get(s: *const c_void, len: *mut usize) -> *const c_char;
    fn hazcat_ts_cpp_string_set(s: *mut c_void, data: *const c_char, len: usize) -> bool;
    fn hazcat_ts_cpp_u16string_get(s: *const c_void, len: *mut usize) -> *const u16;
    fn hazcat_ts_cpp_u16string_set(s: *mut c_void, data: *const u16, len: usize) -> bool;
    fn hazcat_ts_cpp_bool_vector_len(v: *const c_void) -> usize;
    fn hazcat_ts_cpp_bool_vector_read(v: *const c_void, out: *mut u8, n: usize);
    fn hazcat_ts_cpp_bool_vector_assign(v: *mut c_void, data: *const u8, n: usize) -> bool;
    fn hazcat_ts_cpp_vector_reserve(v: *mut c_void, kind: i32, n: usize) -> *mut c_void;
}

/// `sizeof(std::string)`.
pub(crate) fn string_sizeof() -> usize {
    // SAFETY: pure function without arguments.
    unsafe { hazcat_ts_cpp_string_sizeof() }
}

/// `sizeof(std::u16string)`.
pub(crate) fn u16string_sizeof() -> usize {
    // SAFETY: pure function without arguments.
    unsafe { hazcat_ts_cpp_u16string_sizeof() }
}

/// Borrows the bytes of a `std::string`.
///
/// # Safety
/// `s` points to a live `std::string` that outlives the returned slice and is not mutated.
pub(crate) unsafe fn string_get<'a>(s: *const u8) -> &'a [u8] {
    let mut len = 0usize;
    // SAFETY: `s` is a live std::string per the caller's contract.
    let data = unsafe { hazcat_ts_cpp_string_get(s.cast(), &mut len) };
    // SAFETY: std::string::data() is valid for size() bytes (non-NULL even when empty).
    unsafe { std::slice::from_raw_parts(data.cast::<u8>(), len) }
}

/// Assigns bytes to a `std::string`; false on allocation failure.
///
/// # Safety
/// `s` points to a live `std::string`.
pub(crate) unsafe fn string_set(s: *mut u8, bytes: &[u8]) -> bool {
    // SAFETY: `s` is a live std::string; `bytes` is valid for its length.
    unsafe { hazcat_ts_cpp_string_set(s.cast(), bytes.as_ptr().cast(), bytes.len()) }
}

/// Borrows the code units of a `std::u16string`.
///
/// # Safety
/// As [`string_get`], for `std::u16string`.
pub(crate) unsafe fn u16string_get<'a>(s: *const u8) -> &'a [u16] {
    let mut len = 0usize;
    // SAFETY: `s` is a live std::u16string per the caller's contract.
    let data = unsafe { hazcat_ts_cpp_u16string_get(s.cast(), &mut len) };
    // SAFETY: data() is valid, aligned and non-NULL for size() code units.
    unsafe { std::slice::from_raw_parts(data, len) }
}

/// Assigns code units to a `std::u16string`; false on allocation failure.
///
/// # Safety
/// `s` points to a live `std::u16string`.
pub(crate) unsafe fn u16string_set(s: *mut u8, units: &[u16]) -> bool {
    // SAFETY: `s` is a live std::u16string; `units` is valid for its length.
    unsafe { hazcat_ts_cpp_u16string_set(s.cast(), units.as_ptr(), units.len()) }
}

/// Copies a `std::vector<bool>` (or `BoundedVector<bool, N>`) out as 0/1 bytes.
///
/// # Safety
/// `v` points to a live `std::vector<bool>`.
pub(crate) unsafe fn bool_vector_get(v: *const u8) -> Vec<u8> {
    // SAFETY: `v` is a live std::vector<bool>.
    let n = unsafe { hazcat_ts_cpp_bool_vector_len(v.cast()) };
    let mut out = vec![0u8; n];
    // SAFETY: `out` has room for `n` bytes; the shim writes at most `n`.
    unsafe { hazcat_ts_cpp_bool_vector_read(v.cast(), out.as_mut_ptr(), n) };
    out
}

/// Replaces the contents of a `std::vector<bool>` with `values` (non-zero = true).
///
/// # Safety
/// `v` points to a live `std::vector<bool>`.
pub(crate) unsafe fn bool_vector_set(v: *mut u8, values: &[u8]) -> bool {
    // SAFETY: `v` is a live std::vector<bool>; `values` is valid for its length.
    unsafe { hazcat_ts_cpp_bool_vector_assign(v.cast(), values.as_ptr(), values.len()) }
}

/// Makes room for `n` elements in an unbounded `std::vector<T>`, `T` named by `kind` (the
/// `HAZCAT_*` codes of `cpp/typesupport_shim.cpp`): the new buffer when one was allocated (not yet
/// written from the old length on), `None` when the capacity sufficed, the kind is unknown or the
/// allocation failed (the resize that follows reports that).
///
/// # Safety
/// `v` points to a live `std::vector<T>` with the default allocator, `T` the type `kind` names.
pub(crate) unsafe fn vector_reserve(v: *mut u8, kind: i32, n: usize) -> Option<*mut u8> {
    // SAFETY: `v` is a live std::vector of the element type `kind` names (caller's contract).
    let data = unsafe { hazcat_ts_cpp_vector_reserve(v.cast(), kind, n) };
    (!data.is_null()).then_some(data.cast())
}
