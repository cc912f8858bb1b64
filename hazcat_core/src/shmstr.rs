//! Fixed-capacity strings stored in shared memory as atomic words.

use std::sync::atomic::{AtomicU64, Ordering};

use crate::segment::ShmSafe;

/// A string of at most `8 * N - 1` bytes in `N` atomic words, NUL-padded.
#[repr(C)]
pub struct ShmStr<const N: usize> {
    words: [AtomicU64; N],
}
// SAFETY: repr(C), atomics only.
unsafe impl<const N: usize> ShmSafe for ShmStr<N> {}

impl<const N: usize> ShmStr<N> {
    /// Largest storable length in bytes.
    pub const CAPACITY: usize = 8 * N - 1;

    /// Stores `s`; returns `false` (storing nothing) if it is too long.
    pub fn store(&self, s: &str) -> bool {
        let b = s.as_bytes();
        if b.len() > Self::CAPACITY {
            return false;
        }
        for (i, w) in self.words.iter().enumerate() {
            let mut chunk = [0u8; 8];
            let start = (i * 8).min(b.len());
            let end = (i * 8 + 8).min(b.len());
            chunk[..end - start].copy_from_slice(&b[start..end]);
            w.store(u64::from_le_bytes(chunk), Ordering::Relaxed);
        }
        true
    }

    /// Loads the string; invalid UTF-8 (a corrupt segment) is replaced lossily.
    pub fn load(&self) -> String {
        let mut bytes = Vec::with_capacity(8 * N);
        for w in &self.words {
            bytes.extend_from_slice(&w.load(Ordering::Relaxed).to_le_bytes());
        }
        let end = bytes.iter().position(|&c| c == 0).unwrap_or(bytes.len());
        bytes.truncate(end);
        String::from_utf8(bytes)
            .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
    }
}
