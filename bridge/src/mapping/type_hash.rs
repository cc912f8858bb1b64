//! REP-2011 type hashes as rmw_zenoh writes them: `RIHS01_` and 64 lowercase hex digits of the
//! 32-byte value (what hazcat keeps in its graph, `GraphEndpoint::type_hash`).

use std::fmt;

const PREFIX: &str = "RIHS01_";

/// Why a type hash string was rejected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TypeHashError {
    /// No `RIHS01_` prefix (another hash version, or not a hash).
    Version(String),
    /// Not 64 hex digits after the prefix.
    Digits(String),
}

impl fmt::Display for TypeHashError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Version(s) => write!(f, "'{s}' is not an RIHS01 type hash"),
            Self::Digits(s) => write!(f, "'{s}' does not have 64 hex digits"),
        }
    }
}

impl std::error::Error for TypeHashError {}

/// `RIHS01_<64 hex>` of a hash value.
pub fn to_rihs01(hash: &[u8; 32]) -> String {
    let mut s = String::with_capacity(PREFIX.len() + 64);
    s.push_str(PREFIX);
    for b in hash {
        s.push_str(&format!("{b:02x}"));
    }
    s
}

/// The hash value of `RIHS01_<64 hex>`.
pub fn from_rihs01(s: &str) -> Result<[u8; 32], TypeHashError> {
    let hex = s
        .strip_prefix(PREFIX)
        .ok_or_else(|| TypeHashError::Version(s.to_owned()))?;
    if hex.len() != 64 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(TypeHashError::Digits(s.to_owned()));
    }
    let mut out = [0u8; 32];
    for (i, o) in out.iter_mut().enumerate() {
        *o = u8::from_str_radix(&hex[2 * i..2 * i + 2], 16)
            .map_err(|_| TypeHashError::Digits(s.to_owned()))?;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_reference_string_hash_round_trips() {
        let s = "RIHS01_df668c740482bbd48fb39d76a70dfd4bd59db1288021743503259e948f6b1a18";
        let h = from_rihs01(s).unwrap();
        assert_eq!(h[0], 0xdf);
        assert_eq!(h[31], 0x18);
        assert_eq!(to_rihs01(&h), s);
    }

    #[test]
    fn bad_hashes_are_rejected() {
        assert!(matches!(
            from_rihs01("RIHS02_00"),
            Err(TypeHashError::Version(_))
        ));
        assert!(matches!(
            from_rihs01("RIHS01_00"),
            Err(TypeHashError::Digits(_))
        ));
        let g = format!("RIHS01_{}", "g".repeat(64));
        assert!(matches!(from_rihs01(&g), Err(TypeHashError::Digits(_))));
    }
}
