//! The attachment rmw_zenoh requires on every sample (33 bytes, zenoh-ext serialization):
//! `i64` sequence number (LE), `i64` source timestamp in ns since the Unix epoch (LE), then the
//! 16-byte publisher gid as a sequence: LEB128 length `0x10` and the bytes.

use std::fmt;

/// Length of an encoded attachment.
pub const LEN: usize = 33;

/// A decoded attachment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Attachment {
    /// Per-publisher sequence number, from 1.
    pub sequence: i64,
    /// Source timestamp, ns since the Unix epoch.
    pub source_timestamp: i64,
    /// Publisher gid.
    pub gid: [u8; 16],
}

/// Why bytes are not an rmw_zenoh attachment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AttachmentError {
    /// Not 33 bytes.
    Length(usize),
    /// The gid's sequence length is not 16.
    GidLength(u8),
}

impl fmt::Display for AttachmentError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Length(n) => write!(f, "attachment of {n} bytes, {LEN} expected"),
            Self::GidLength(n) => write!(f, "attachment gid of length {n}, 16 expected"),
        }
    }
}

impl std::error::Error for AttachmentError {}

impl Attachment {
    /// The 33 bytes.
    pub fn encode(&self) -> [u8; LEN] {
        let mut out = [0u8; LEN];
        out[..8].copy_from_slice(&self.sequence.to_le_bytes());
        out[8..16].copy_from_slice(&self.source_timestamp.to_le_bytes());
        out[16] = 16;
        out[17..].copy_from_slice(&self.gid);
        out
    }

    /// Decodes 33 bytes.
    pub fn decode(bytes: &[u8]) -> Result<Attachment, AttachmentError> {
        if bytes.len() != LEN {
            return Err(AttachmentError::Length(bytes.len()));
        }
        if bytes[16] != 16 {
            return Err(AttachmentError::GidLength(bytes[16]));
        }
        let word = |r: std::ops::Range<usize>| {
            i64::from_le_bytes(bytes[r].try_into().expect("8-byte range"))
        };
        Ok(Attachment {
            sequence: word(0..8),
            source_timestamp: word(8..16),
            gid: bytes[17..].try_into().expect("16-byte range"),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The attachment of the reference /chatter sample.
    const SAMPLE: [u8; LEN] = [
        0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x30, 0xf8, 0xa2, 0xf1, 0x67, 0x8d, 0xed,
        0x18, 0x10, 0xb5, 0x93, 0x2c, 0x37, 0x9c, 0xf1, 0xe9, 0x07, 0xd4, 0x86, 0xe3, 0x71, 0x2b,
        0x11, 0xaa, 0xc9,
    ];

    #[test]
    fn the_reference_attachment() {
        let a = Attachment::decode(&SAMPLE).unwrap();
        assert_eq!(a.sequence, 8);
        assert_eq!(a.source_timestamp, 1_796_247_303_965_833_264);
        assert_eq!(
            a.gid,
            [
                0xb5, 0x93, 0x2c, 0x37, 0x9c, 0xf1, 0xe9, 0x07, 0xd4, 0x86, 0xe3, 0x71, 0x2b, 0x11,
                0xaa, 0xc9
            ]
        );
        assert_eq!(a.encode(), SAMPLE);
    }

    #[test]
    fn malformed_attachments() {
        assert_eq!(
            Attachment::decode(&SAMPLE[..32]),
            Err(AttachmentError::Length(32))
        );
        let mut bad = SAMPLE;
        bad[16] = 15;
        assert_eq!(
            Attachment::decode(&bad),
            Err(AttachmentError::GidLength(15))
        );
    }
}
