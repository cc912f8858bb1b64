//! The wire header written into every message, size parsing and latency statistics.

use std::fmt;
use std::str::FromStr;

/// Bytes of the header at the start of every message (the rest of the payload is left untouched).
pub const HEADER_LEN: usize = 24;

/// Header flag: the leader is done, the follower exits.
pub const FLAG_STOP: u64 = 1;
/// Header flag: handshake probe; the follower always echoes it.
pub const FLAG_HANDSHAKE: u64 = 2;
/// Header flag: last message of a throughput stream; the follower always acknowledges it.
pub const FLAG_LAST: u64 = 4;

/// The header: sequence number, send timestamp (ns on the leader's monotonic clock) and flags.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Header {
    /// Sequence number (per run, increasing).
    pub seq: u64,
    /// Send time in ns since the leader started (echoed back unchanged by the follower).
    pub ts: u64,
    /// `FLAG_*` bits.
    pub flags: u64,
}

impl Header {
    /// Writes the header into the first [`HEADER_LEN`] bytes of `buf`.
    pub fn write(&self, buf: &mut [u8]) {
        buf[0..8].copy_from_slice(&self.seq.to_le_bytes());
        buf[8..16].copy_from_slice(&self.ts.to_le_bytes());
        buf[16..24].copy_from_slice(&self.flags.to_le_bytes());
    }

    /// The header as bytes.
    pub fn to_bytes(&self) -> [u8; HEADER_LEN] {
        let mut b = [0u8; HEADER_LEN];
        self.write(&mut b);
        b
    }

    /// Reads a header from the first [`HEADER_LEN`] bytes of `buf`; `None` if it is shorter.
    pub fn read(buf: &[u8]) -> Option<Header> {
        let w = |i: usize| -> Option<u64> {
            Some(u64::from_le_bytes(buf.get(i..i + 8)?.try_into().ok()?))
        };
        Some(Header {
            seq: w(0)?,
            ts: w(8)?,
            flags: w(16)?,
        })
    }
}

/// A message size in bytes, parsed from `64`, `1K`, `16KiB`, `4M`, `64MiB` (binary units).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Size(pub usize);

impl FromStr for Size {
    type Err = String;
    fn from_str(s: &str) -> Result<Size, String> {
        let t = s.trim();
        let t = t
            .strip_suffix("iB")
            .or_else(|| t.strip_suffix('B'))
            .unwrap_or(t);
        let (num, mult) = match t.char_indices().last() {
            Some((i, 'K' | 'k')) => (&t[..i], 1usize << 10),
            Some((i, 'M' | 'm')) => (&t[..i], 1 << 20),
            Some((i, 'G' | 'g')) => (&t[..i], 1 << 30),
            _ => (t, 1),
        };
        let n: usize = num
            .trim()
            .parse()
            .map_err(|_| format!("bad size '{s}': expected e.g. 64, 1K, 16M"))?;
        let bytes = n
            .checked_mul(mult)
            .ok_or_else(|| format!("size '{s}' overflows"))?;
        if bytes < HEADER_LEN {
            return Err(format!("size '{s}' is below the {HEADER_LEN}-byte header"));
        }
        Ok(Size(bytes))
    }
}

impl fmt::Display for Size {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let b = self.0;
        if b >= 1 << 20 && b.is_multiple_of(1 << 20) {
            write!(f, "{}M", b >> 20)
        } else if b >= 1 << 10 && b.is_multiple_of(1 << 10) {
            write!(f, "{}K", b >> 10)
        } else {
            write!(f, "{b}")
        }
    }
}

/// Summary of a set of latency samples (µs).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct LatencySummary {
    /// Number of samples.
    pub n: usize,
    /// Median.
    pub p50: f64,
    /// 99th percentile.
    pub p99: f64,
    /// Mean.
    pub mean: f64,
    /// Minimum.
    pub min: f64,
    /// Maximum.
    pub max: f64,
}

impl LatencySummary {
    /// Summarises samples given in nanoseconds (sorts them), reporting µs.
    pub fn from_ns(samples: &mut [u64]) -> LatencySummary {
        if samples.is_empty() {
            return LatencySummary::default();
        }
        samples.sort_unstable();
        let n = samples.len();
        let pct = |p: f64| -> f64 {
            // Nearest-rank percentile.
            let rank = ((p / 100.0) * n as f64).ceil().max(1.0) as usize;
            samples[rank.min(n) - 1] as f64 / 1000.0
        };
        let sum: u128 = samples.iter().map(|&v| u128::from(v)).sum();
        LatencySummary {
            n,
            p50: pct(50.0),
            p99: pct(99.0),
            mean: sum as f64 / n as f64 / 1000.0,
            min: samples[0] as f64 / 1000.0,
            max: samples[n - 1] as f64 / 1000.0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_parse_and_print() {
        for (s, b) in [
            ("64", 64),
            ("1K", 1024),
            ("16KiB", 16384),
            ("4M", 4 << 20),
            ("64MiB", 64 << 20),
        ] {
            let v: Size = s.parse().unwrap();
            assert_eq!(v.0, b);
            assert_eq!(v.to_string().parse::<Size>().unwrap(), v);
        }
        assert!("8".parse::<Size>().is_err());
        assert!("x".parse::<Size>().is_err());
    }

    #[test]
    fn header_roundtrip_and_percentiles() {
        let h = Header {
            seq: 7,
            ts: 99,
            flags: FLAG_LAST,
        };
        assert_eq!(Header::read(&h.to_bytes()), Some(h));
        let mut v: Vec<u64> = (1..=100).map(|i| i * 1000).collect();
        let s = LatencySummary::from_ns(&mut v);
        assert_eq!((s.p50, s.p99, s.min, s.max), (50.0, 99.0, 1.0, 100.0));
    }
}
