//! Message types resolved by name (`pkg/msg/Type`) rather than from a handle that rcl passes in:
//! for processes that carry messages of types they were not built with (the `hazcat bridge`).
//!
//! The C introspection library of the package, `lib<pkg>__rosidl_typesupport_introspection_c.so`,
//! is loaded with `dlopen` (found through `LD_LIBRARY_PATH` and the loader's usual search, then in
//! `<prefix>/lib` of each `AMENT_PREFIX_PATH` entry), and its generated accessor
//! `rosidl_typesupport_introspection_c__get_message_type_support_handle__<pkg>__msg__<Type>` gives
//! the handle. Loaded libraries are never closed: models refer to their data for the life of the
//! process.

use super::model::{message_type, MessageType};
use super::TypeSupportError;
use crate::sys::rosidl::rosidl_message_type_support_t;
use std::collections::HashMap;
use std::ffi::{c_void, CStr, CString};
use std::fmt;
use std::sync::{Arc, Mutex, OnceLock};

/// Why a message type could not be resolved by name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LoadTypeError {
    /// Not of the form `pkg/msg/Type` with identifier characters only.
    InvalidName(String),
    /// The package's introspection library could not be loaded (the loader's reasons).
    Library {
        /// Library file name.
        library: String,
        /// What `dlopen` said, per place tried.
        reason: String,
    },
    /// The library has no accessor for this type.
    Symbol {
        /// The accessor's name.
        symbol: String,
    },
    /// The introspection data could not be modelled.
    Model(TypeSupportError),
}

impl fmt::Display for LoadTypeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::InvalidName(n) => write!(
                f,
                "'{n}' is not a message type name (pkg/msg/Type, or pkg/srv/Type_Request or \
                 _Response)"
            ),
            Self::Library { library, reason } => write!(
                f,
                "cannot load {library} (is the package installed and its lib/ directory on \
                 LD_LIBRARY_PATH?): {reason}"
            ),
            Self::Symbol { symbol } => write!(f, "type support accessor {symbol} not found"),
            Self::Model(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for LoadTypeError {}

/// The C-layout model of message type `ros_type` (`pkg/msg/Type`, or a service's
/// `pkg/srv/Type_Request` / `pkg/srv/Type_Response`), loading its package's
/// introspection library on first use. Cached per name for the life of the process.
pub fn load_message_type(ros_type: &str) -> Result<Arc<MessageType>, LoadTypeError> {
    static CACHE: OnceLock<Mutex<HashMap<String, Arc<MessageType>>>> = OnceLock::new();
    let cache = CACHE.get_or_init(Mutex::default);
    if let Some(t) = cache
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .get(ros_type)
    {
        return Ok(t.clone());
    }
    let (pkg, kind, name) = split_type_name(ros_type)?;
    let library = format!("lib{pkg}__rosidl_typesupport_introspection_c.so");
    let handle = open_library(&library)?;
    let symbol = format!(
        "rosidl_typesupport_introspection_c__get_message_type_support_handle__{pkg}__{kind}__{name}"
    );
    let c_symbol = CString::new(symbol.clone()).map_err(|_| LoadTypeError::Symbol {
        symbol: symbol.clone(),
    })?;
    // SAFETY: `handle` is a live dlopen handle (never closed); the name is NUL-terminated.
    let f = unsafe { libc::dlsym(handle, c_symbol.as_ptr()) };
    if f.is_null() {
        return Err(LoadTypeError::Symbol { symbol });
    }
    type Accessor = unsafe extern "C" fn() -> *const rosidl_message_type_support_t;
    // SAFETY: rosidl generates this symbol as a function of no arguments returning the handle.
    let accessor: Accessor = unsafe { std::mem::transmute::<*mut c_void, Accessor>(f) };
    // SAFETY: the generated accessor returns a static handle of the loaded library.
    let ts = unsafe { accessor() };
    // SAFETY: `ts` is NULL (reported) or a static handle whose library is never unloaded.
    let ty = unsafe { message_type(ts) }.map_err(LoadTypeError::Model)?;
    cache
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .insert(ros_type.to_owned(), ty.clone());
    Ok(ty)
}

/// `pkg/msg/Type` -> (`pkg`, `Type`), each a C identifier.
/// (package, interface kind, name) of `pkg/msg/Type`, or of a service's request or response
/// message `pkg/srv/Type_Request` / `pkg/srv/Type_Response`.
fn split_type_name(ros_type: &str) -> Result<(&str, &str, &str), LoadTypeError> {
    let invalid = || LoadTypeError::InvalidName(ros_type.to_owned());
    let mut parts = ros_type.split('/');
    let (Some(pkg), Some(kind), Some(name), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(invalid());
    };
    let service_part = name.ends_with("_Request") || name.ends_with("_Response");
    if !(kind == "msg" || (kind == "srv" && service_part)) {
        return Err(invalid());
    }
    let ident = |s: &str| {
        !s.is_empty()
            && !s.starts_with(|c: char| c.is_ascii_digit())
            && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
    };
    if ident(pkg) && ident(name) {
        Ok((pkg, kind, name))
    } else {
        Err(invalid())
    }
}

fn dlerror_text() -> String {
    // SAFETY: dlerror returns NULL or a NUL-terminated message owned by libc.
    let e = unsafe { libc::dlerror() };
    if e.is_null() {
        "unknown error".to_owned()
    } else {
        // SAFETY: non-NULL, NUL-terminated (above).
        unsafe { CStr::from_ptr(e) }.to_string_lossy().into_owned()
    }
}

fn dlopen(path: &str) -> Result<*mut c_void, String> {
    let c = CString::new(path).map_err(|_| "path contains NUL".to_owned())?;
    // SAFETY: NUL-terminated path; the handle is kept for the life of the process.
    let h = unsafe { libc::dlopen(c.as_ptr(), libc::RTLD_NOW | libc::RTLD_LOCAL) };
    if h.is_null() {
        Err(dlerror_text())
    } else {
        Ok(h)
    }
}

/// Loads `library` by name, else from `<prefix>/lib` of each `AMENT_PREFIX_PATH` entry.
fn open_library(library: &str) -> Result<*mut c_void, LoadTypeError> {
    let mut reasons = Vec::new();
    match dlopen(library) {
        Ok(h) => return Ok(h),
        Err(e) => reasons.push(e),
    }
    for prefix in std::env::var("AMENT_PREFIX_PATH")
        .unwrap_or_default()
        .split(':')
        .filter(|p| !p.is_empty())
    {
        let path = format!("{prefix}/lib/{library}");
        if !std::path::Path::new(&path).exists() {
            continue;
        }
        match dlopen(&path) {
            Ok(h) => return Ok(h),
            Err(e) => reasons.push(e),
        }
    }
    Err(LoadTypeError::Library {
        library: library.to_owned(),
        reason: reasons.join("; "),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn type_names_are_checked_before_any_library_is_touched() {
        assert_eq!(
            split_type_name("std_msgs/msg/String"),
            Ok(("std_msgs", "msg", "String"))
        );
        assert_eq!(
            split_type_name("test_msgs/srv/BasicTypes_Request"),
            Ok(("test_msgs", "srv", "BasicTypes_Request"))
        );
        for bad in [
            "std_msgs/String",
            "std_msgs/srv/String",
            "std_msgs/action/String_Request",
            "../x/msg/Y",
            "a/msg/B/C",
            "a b/msg/C",
            "/msg/C",
            "1pkg/msg/C",
        ] {
            assert_eq!(
                load_message_type(bad).unwrap_err(),
                LoadTypeError::InvalidName(bad.to_owned())
            );
        }
    }

    #[test]
    fn a_missing_package_is_a_library_error() {
        match load_message_type("no_such_pkg_hazcat/msg/Nothing") {
            Err(LoadTypeError::Library { library, .. }) => assert_eq!(
                library,
                "libno_such_pkg_hazcat__rosidl_typesupport_introspection_c.so"
            ),
            other => panic!("{other:?}"),
        }
    }
}
