//! Finding the introspection handle behind any message or service type-support handle.
//!
//! `handle->func(handle, identifier)` is what `get_message_typesupport_handle` does: on a concrete
//! handle it is an identifier compare, on a `rosidl_typesupport_c`/`_cpp` dispatch handle it loads
//! `lib<pkg>__<identifier>.so` on demand. A C dispatch handle only knows C type supports and a C++
//! one only C++ ones, so the language found always matches the caller's message memory layout.
//! A failed dispatch lookup leaves a message in the rcutils error state; callers in the rmw layer
//! reset it (this module does not link rcutils).

use super::{Result, TypeSupportError};
use crate::sys::rosidl::{
    rosidl_message_type_support_t, rosidl_service_type_support_t,
    TYPESUPPORT_INTROSPECTION_CPP_IDENTIFIER, TYPESUPPORT_INTROSPECTION_C_IDENTIFIER,
};
use std::ffi::{c_char, CStr};

/// Memory layout language of a message: rosidl C structs or C++ classes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Language {
    /// `rosidl_generator_c` structs (`rosidl_runtime_c__String`, `<T>__Sequence`).
    C,
    /// `rosidl_generator_cpp` classes (`std::string`, `std::vector`, `std::array`).
    Cpp,
}

impl Language {
    /// The introspection identifier for this language.
    pub fn introspection_identifier(self) -> &'static CStr {
        match self {
            Language::C => TYPESUPPORT_INTROSPECTION_C_IDENTIFIER,
            Language::Cpp => TYPESUPPORT_INTROSPECTION_CPP_IDENTIFIER,
        }
    }
}

/// Reads a possibly-NULL C string identifier for messages.
///
/// # Safety
/// `p` is NULL or points to a NUL-terminated string.
unsafe fn identifier_of(p: *const c_char) -> String {
    if p.is_null() {
        return "(null)".to_owned();
    }
    // SAFETY: non-NULL and NUL-terminated per the caller's contract.
    unsafe { CStr::from_ptr(p) }.to_string_lossy().into_owned()
}

/// Returns the introspection handle reachable from `ts` and its language (C tried first).
///
/// # Safety
/// `ts` is NULL or points to a valid `rosidl_message_type_support_t` whose library is loaded.
pub unsafe fn resolve_message_introspection(
    ts: *const rosidl_message_type_support_t,
) -> Result<(Language, *const rosidl_message_type_support_t)> {
    if ts.is_null() {
        return Err(TypeSupportError::NullPointer("message type support"));
    }
    // SAFETY: non-NULL, valid per the caller's contract.
    let handle = unsafe { &*ts };
    // SAFETY: identifiers of type-support handles are static NUL-terminated strings.
    let own = unsafe { identifier_of(handle.typesupport_identifier) };
    for lang in [Language::C, Language::Cpp] {
        let id = lang.introspection_identifier();
        if own.as_bytes() == id.to_bytes() {
            return Ok((lang, ts));
        }
        if let Some(func) = handle.func {
            // SAFETY: `func` is the handle's own lookup function, called as rosidl does.
            let found = unsafe { func(ts, id.as_ptr()) };
            if !found.is_null() {
                return Ok((lang, found));
            }
        }
    }
    Err(TypeSupportError::NoIntrospection { identifier: own })
}

/// Service counterpart of [`resolve_message_introspection`].
///
/// # Safety
/// `ts` is NULL or points to a valid `rosidl_service_type_support_t` whose library is loaded.
pub unsafe fn resolve_service_introspection(
    ts: *const rosidl_service_type_support_t,
) -> Result<(Language, *const rosidl_service_type_support_t)> {
    if ts.is_null() {
        return Err(TypeSupportError::NullPointer("service type support"));
    }
    // SAFETY: non-NULL, valid per the caller's contract.
    let handle = unsafe { &*ts };
    // SAFETY: identifiers of type-support handles are static NUL-terminated strings.
    let own = unsafe { identifier_of(handle.typesupport_identifier) };
    for lang in [Language::C, Language::Cpp] {
        let id = lang.introspection_identifier();
        if own.as_bytes() == id.to_bytes() {
            return Ok((lang, ts));
        }
        if let Some(func) = handle.func {
            // SAFETY: `func` is the handle's own lookup function, called as rosidl does.
            let found = unsafe { func(ts, id.as_ptr()) };
            if !found.is_null() {
                return Ok((lang, found));
            }
        }
    }
    Err(TypeSupportError::NoIntrospection { identifier: own })
}
