//! Message type support: from whatever `rosidl_message_type_support_t` arrives (introspection C,
//! introspection C++, or a `rosidl_typesupport_c` / `_cpp` dispatch handle) to a cached Rust model
//! of the message layout ([`MessageType`]), CDR serialization of message memory, and the
//! "plain" test that decides zero-copy loans; [`by_name`] resolves a model from a type name alone.
//!
//! Wire format: classic CDR (XCDR1, what rmw_cyclonedds and rmw_fastrtps call `"cdr"`),
//! little-endian, with the 4-byte encapsulation header `00 01 00 00`; see [`cdr`] for the rules.
//!
//! Lifetime assumption (the same every rmw makes): the type-support libraries stay loaded while
//! any entity or cached model refers to them. Models are cached per introspection-members address
//! for the life of the process.

pub mod by_name;
pub mod cdr;
mod cpp_shim;
pub mod message;
pub mod model;
pub mod resolve;

pub use by_name::{load_message_type, LoadTypeError};
pub use cdr::{deserialize, serialize, serialize_into, serialized_size, validate, CDR_LE_HEADER};
pub use message::OwnedMessage;
pub use model::{
    is_plain, message_type, service_types, Container, ElementType, Field, MessageType, Primitive,
    ServiceTypes,
};
pub use resolve::{resolve_message_introspection, resolve_service_introspection, Language};

use std::fmt;

/// Why a type-support or CDR operation failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TypeSupportError {
    /// A NULL type-support handle or message pointer.
    NullPointer(&'static str),
    /// Neither introspection C nor C++ type support is reachable from the handle.
    NoIntrospection {
        /// `typesupport_identifier` of the handle that was given.
        identifier: String,
    },
    /// The introspection data is inconsistent (unknown field type, missing function, ...).
    InvalidIntrospection(String),
    /// The CDR buffer ended early.
    Truncated {
        /// Bytes needed at the failing read.
        needed: usize,
        /// Bytes left.
        available: usize,
    },
    /// The encapsulation header is not classic CDR (`00 00` big- or `00 01` little-endian).
    UnsupportedEncapsulation([u8; 2]),
    /// A bounded string or sequence holds more than its bound.
    BoundExceeded {
        /// Field name.
        field: String,
        /// Actual length.
        len: usize,
        /// Declared bound.
        bound: usize,
    },
    /// A value cannot be represented (length beyond `u32`, wide char beyond 16 bits, ...).
    InvalidData(String),
    /// Memory allocation for a string or sequence failed.
    AllocationFailed(String),
}

impl fmt::Display for TypeSupportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NullPointer(what) => write!(f, "{what} is NULL"),
            Self::NoIntrospection { identifier } => write!(
                f,
                "type support '{identifier}' provides neither rosidl_typesupport_introspection_c \
                 nor rosidl_typesupport_introspection_cpp"
            ),
            Self::InvalidIntrospection(m) => write!(f, "invalid introspection data: {m}"),
            Self::Truncated { needed, available } => write!(
                f,
                "CDR data truncated: needed {needed} more bytes, {available} available"
            ),
            Self::UnsupportedEncapsulation(h) => write!(
                f,
                "unsupported CDR encapsulation {:02x} {:02x} (expected classic CDR 00 00/00 01)",
                h[0], h[1]
            ),
            Self::BoundExceeded { field, len, bound } => {
                write!(
                    f,
                    "field '{field}' has {len} elements/characters, bound is {bound}"
                )
            }
            Self::InvalidData(m) => write!(f, "invalid data: {m}"),
            Self::AllocationFailed(m) => write!(f, "allocation failed: {m}"),
        }
    }
}

impl std::error::Error for TypeSupportError {}

impl From<TypeSupportError> for crate::ret::RmwError {
    #[track_caller]
    fn from(e: TypeSupportError) -> Self {
        use crate::ret::RmwError;
        use TypeSupportError as E;
        match e {
            E::NullPointer(_) | E::NoIntrospection { .. } | E::BoundExceeded { .. } => {
                RmwError::invalid(e.to_string())
            }
            E::AllocationFailed(_) => RmwError::bad_alloc(e.to_string()),
            _ => RmwError::error(e.to_string()),
        }
    }
}

/// Result alias of this module.
pub type Result<T> = std::result::Result<T, TypeSupportError>;
