//! Memory domains: where the bytes of a message live (host RAM, a CUDA device, ...).

use std::fmt;
use std::str::FromStr;

/// The kind of memory a domain is made of.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u16)]
pub enum DomainKind {
    /// Ordinary host memory, directly addressable by the CPU.
    Host = 0,
    /// Memory of CUDA device `device`.
    Cuda = 1,
    /// Host memory that hazcat treats as a separate device domain: it is only reached through
    /// explicit copies. Exercises the multi-domain machinery (copy once per domain) without a GPU.
    Emulated = 2,
}

/// A memory domain: kind plus device index. Packs into a `u32` for shared memory
/// (kind in the low 16 bits, device in the high 16 bits).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Domain {
    /// Kind of memory.
    pub kind: DomainKind,
    /// Device index within the kind (0 for host).
    pub device: u16,
}

impl Domain {
    /// Host memory.
    pub const HOST: Domain = Domain {
        kind: DomainKind::Host,
        device: 0,
    };

    /// CUDA device `device`.
    pub const fn cuda(device: u16) -> Domain {
        Domain {
            kind: DomainKind::Cuda,
            device,
        }
    }

    /// Emulated device domain `device` (host memory reached by copies only).
    pub const fn emulated(device: u16) -> Domain {
        Domain {
            kind: DomainKind::Emulated,
            device,
        }
    }

    /// Packed form stored in shared memory.
    pub const fn pack(self) -> u32 {
        (self.kind as u32) | ((self.device as u32) << 16)
    }

    /// Unpacks a value read from shared memory; `None` for an unknown kind.
    pub fn unpack(v: u32) -> Option<Domain> {
        let kind = match v & 0xffff {
            0 => DomainKind::Host,
            1 => DomainKind::Cuda,
            2 => DomainKind::Emulated,
            _ => return None,
        };
        let device = (v >> 16) as u16;
        if kind == DomainKind::Host && device != 0 {
            return None;
        }
        Some(Domain { kind, device })
    }

    /// Whether the CPU can read the bytes of this domain in place.
    pub fn host_addressable(self) -> bool {
        matches!(self.kind, DomainKind::Host | DomainKind::Emulated)
    }
}

impl fmt::Display for Domain {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.kind {
            DomainKind::Host => f.write_str("host"),
            DomainKind::Cuda => write!(f, "cuda:{}", self.device),
            DomainKind::Emulated => write!(f, "emulated:{}", self.device),
        }
    }
}

/// Error parsing a domain name such as `host`, `cuda:1` or `emulated:0`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseDomainError(pub String);

impl fmt::Display for ParseDomainError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "unknown memory domain '{}': expected host, cuda:N or emulated:N",
            self.0
        )
    }
}

impl std::error::Error for ParseDomainError {}

impl FromStr for Domain {
    type Err = ParseDomainError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = || ParseDomainError(s.to_owned());
        if s == "host" {
            return Ok(Domain::HOST);
        }
        let (kind, dev) = s.split_once(':').ok_or_else(err)?;
        let device: u16 = dev.parse().map_err(|_| err())?;
        match kind {
            "cuda" => Ok(Domain::cuda(device)),
            "emulated" => Ok(Domain::emulated(device)),
            _ => Err(err()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pack_roundtrip_and_parse() {
        for d in [
            Domain::HOST,
            Domain::cuda(0),
            Domain::cuda(3),
            Domain::emulated(1),
        ] {
            assert_eq!(Domain::unpack(d.pack()), Some(d));
            assert_eq!(d.to_string().parse::<Domain>(), Ok(d));
        }
        assert_eq!(Domain::HOST.pack(), 0);
        assert_eq!(Domain::cuda(2).pack(), 0x0002_0001);
        assert_eq!(Domain::unpack(7), None);
        assert_eq!(Domain::unpack(0x0001_0000), None);
        assert!("gpu:0".parse::<Domain>().is_err());
        assert!("cuda:x".parse::<Domain>().is_err());
    }
}
