//! Payloads between hazcat's shared-memory format and rmw_zenoh's wire format.
//!
//! In shared memory, rmw_hazcat keeps plain (fixed-size, self-contained) messages as their raw
//! C-layout bytes and every other message as CDR with its 4-byte encapsulation header. On the
//! wire rmw_zenoh carries CDR with the header `00 01 00 00`. So CDR passes through unchanged and
//! plain messages are serialized (and deserialized) with the type's introspection model.

use rmw_hazcat_rs::typesupport::{
    deserialize, load_message_type, serialize, validate, LoadTypeError, MessageType, OwnedMessage,
    TypeSupportError,
};
use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

/// How a topic's messages are stored in shared memory.
#[derive(Debug, Clone)]
pub enum Codec {
    /// CDR with header: carried unchanged (checked against this type when it comes from
    /// another host).
    Cdr(Arc<MessageType>),
    /// Raw C-layout bytes of this type.
    Plain(Arc<MessageType>),
}

/// Why a payload could not be converted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConvertError {
    /// A plain message of the wrong size.
    Size {
        /// Bytes given.
        got: usize,
        /// The type's size.
        expected: usize,
    },
    /// Not classic CDR with an encapsulation header.
    NotCdr,
    /// (De)serialization failed.
    Cdr(TypeSupportError),
}

impl fmt::Display for ConvertError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Size { got, expected } => {
                write!(f, "plain message of {got} bytes, the type has {expected}")
            }
            Self::NotCdr => write!(f, "payload is not CDR with an encapsulation header"),
            Self::Cdr(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for ConvertError {}

/// Bytes aligned for any field of a rosidl message (16).
#[derive(Clone, Copy)]
#[repr(C, align(16))]
struct Aligned([u8; 16]);

/// A zeroed buffer of at least `len` bytes aligned for any field.
fn aligned(len: usize) -> Vec<Aligned> {
    vec![Aligned([0; 16]); len.div_ceil(16).max(1)]
}

impl Codec {
    /// The codec of `ros_type` (`pkg/msg/Type`): loads its introspection model to learn whether
    /// it is plain.
    pub fn for_type(ros_type: &str) -> Result<Codec, LoadTypeError> {
        let ty = load_message_type(ros_type)?;
        Ok(if ty.is_plain() {
            Codec::Plain(ty)
        } else {
            Codec::Cdr(ty)
        })
    }

    /// Shared-memory bytes -> the wire payload.
    pub fn to_wire<'a>(&self, shm: &'a [u8]) -> Result<Cow<'a, [u8]>, ConvertError> {
        match self {
            Codec::Cdr(_) => {
                check_cdr(shm)?;
                Ok(Cow::Borrowed(shm))
            }
            Codec::Plain(ty) => {
                if shm.len() != ty.size_of {
                    return Err(ConvertError::Size {
                        got: shm.len(),
                        expected: ty.size_of,
                    });
                }
                let mut buf = aligned(shm.len());
                let base = buf.as_mut_ptr().cast::<u8>();
                // SAFETY: `buf` holds at least `shm.len()` bytes; the regions do not overlap.
                unsafe { std::ptr::copy_nonoverlapping(shm.as_ptr(), base, shm.len()) };
                let mut out = Vec::new();
                // SAFETY: `base` holds an aligned copy of a plain message of type `ty` (its raw
                // bytes, no pointers), which is a live, initialized message of that type.
                unsafe { serialize(ty, base, &mut out) }.map_err(ConvertError::Cdr)?;
                Ok(Cow::Owned(out))
            }
        }
    }

    /// A wire payload -> shared-memory bytes. A payload that is not a valid message of the
    /// type is an error (a peer on another host must not make local subscribers' takes fail);
    /// the check walks the CDR without copying it.
    pub fn from_wire<'a>(&self, wire: &'a [u8]) -> Result<Cow<'a, [u8]>, ConvertError> {
        check_cdr(wire)?;
        match self {
            Codec::Cdr(ty) => {
                validate(ty, wire).map_err(ConvertError::Cdr)?;
                Ok(Cow::Borrowed(wire))
            }
            Codec::Plain(ty) => {
                let mut msg = OwnedMessage::new(ty.clone()).map_err(ConvertError::Cdr)?;
                // SAFETY: `msg` is a live message of type `ty`, constructed by its init function.
                unsafe { deserialize(ty, wire, msg.as_mut_ptr()) }.map_err(ConvertError::Cdr)?;
                // SAFETY: the message occupies `size_of` initialized bytes (a plain type holds
                // no pointers), valid while `msg` lives.
                let raw = unsafe { std::slice::from_raw_parts(msg.as_ptr(), ty.size_of) };
                Ok(Cow::Owned(raw.to_vec()))
            }
        }
    }
}

/// The codecs of the types a bridge carries, each loaded once; a type whose support cannot be
/// loaded is logged once, not at every graph change, and its topics are not carried.
#[derive(Debug, Default)]
pub struct Codecs {
    loaded: HashMap<String, Option<Codec>>,
}

impl Codecs {
    /// The codec of `ros_type`, or `None` if its type support cannot be loaded.
    pub fn get(&mut self, ros_type: &str) -> Option<Codec> {
        self.loaded
            .entry(ros_type.to_owned())
            .or_insert_with(|| match Codec::for_type(ros_type) {
                Ok(c) => Some(c),
                Err(e) => {
                    log::error!("not carrying topics of type {ros_type}: {e}");
                    None
                }
            })
            .clone()
    }
}

/// Classic CDR: at least the header, `00 00` (big-endian) or `00 01` (little-endian).
fn check_cdr(b: &[u8]) -> Result<(), ConvertError> {
    match b {
        [0, 0 | 1, _, _, ..] => Ok(()),
        _ => Err(ConvertError::NotCdr),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The codec of `ros_type`, or `None` (SKIPPED) without the wheels' libraries.
    fn codec(ros_type: &str) -> Option<Codec> {
        match Codec::for_type(ros_type) {
            Ok(c) => Some(c),
            Err(e @ LoadTypeError::Library { .. }) => {
                eprintln!("SKIPPED: {e}");
                None
            }
            Err(e) => panic!("{e}"),
        }
    }

    /// Needs the Jazzy wheels' libraries on LD_LIBRARY_PATH (scripts/test.sh sets it).
    #[test]
    fn cdr_passes_through_unchanged_when_valid() {
        let Some(string) = codec("std_msgs/msg/String") else {
            return;
        };
        assert!(matches!(string, Codec::Cdr(_)));
        // std_msgs/String "Hello World: 8" as the reference sample carries it.
        let wire = [
            0x00, 0x01, 0x00, 0x00, 0x0f, 0x00, 0x00, 0x00, 0x48, 0x65, 0x6c, 0x6c, 0x6f, 0x20,
            0x57, 0x6f, 0x72, 0x6c, 0x64, 0x3a, 0x20, 0x38, 0x00,
        ];
        assert_eq!(&*string.to_wire(&wire).unwrap(), &wire);
        assert_eq!(&*string.from_wire(&wire).unwrap(), &wire);
        assert_eq!(string.from_wire(&[1, 2]), Err(ConvertError::NotCdr));
        assert_eq!(
            string.from_wire(&[0x00, 0x07, 0, 0]),
            Err(ConvertError::NotCdr)
        );
        // From another host: a string longer than the payload is refused, not passed on.
        let mut lying = wire;
        lying[4] = 0xff;
        assert!(matches!(
            string.from_wire(&lying),
            Err(ConvertError::Cdr(TypeSupportError::Truncated { .. }))
        ));
        assert!(matches!(
            string.from_wire(&wire[..10]),
            Err(ConvertError::Cdr(_))
        ));
    }

    #[test]
    fn a_type_without_support_is_not_carried() {
        let mut codecs = Codecs::default();
        assert!(codecs.get("no_such_pkg/msg/Nothing").is_none());
        assert!(codecs.get("no_such_pkg/msg/Nothing").is_none()); // remembered, not reloaded
        assert_eq!(codecs.loaded.len(), 1);
    }

    /// Needs the Jazzy wheels' libraries on LD_LIBRARY_PATH (scripts/test.sh sets it).
    #[test]
    fn plain_types_are_serialized() {
        let Some(time) = codec("builtin_interfaces/msg/Time") else {
            return;
        };
        assert!(matches!(time, Codec::Plain(_)));
        // sec = -2 (int32), nanosec = 7 (uint32), as C lays them out.
        let raw = [0xfe, 0xff, 0xff, 0xff, 0x07, 0x00, 0x00, 0x00];
        let wire = time.to_wire(&raw).unwrap();
        assert_eq!(&*wire, &[0, 1, 0, 0, 0xfe, 0xff, 0xff, 0xff, 7, 0, 0, 0]);
        assert_eq!(&*time.from_wire(&wire).unwrap(), &raw);
        assert_eq!(
            time.to_wire(&raw[..4]),
            Err(ConvertError::Size {
                got: 4,
                expected: 8
            })
        );
        assert!(matches!(
            time.from_wire(&[0, 1, 0, 0, 1]),
            Err(ConvertError::Cdr(_))
        ));
    }
}
