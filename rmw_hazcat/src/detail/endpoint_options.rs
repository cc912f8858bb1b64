//! Where an endpoint's messages live: the memory domain, pool size and queue depth of a publisher
//! or subscription, decided per field by the application's payload
//! (`include/rmw_hazcat_rs/options.h`) over the first matching `HAZCAT_CONFIG` rule over the
//! file's defaults.

use std::ffi::c_void;

use hazcat_core::config::{Config, Role, MAX_DEPTH, MAX_POOL_SIZE};
use hazcat_core::Domain;

use crate::ret::{RmwError, RmwResult};

/// "HZCO": identifies a `hazcat_endpoint_options_t` payload.
pub const OPTIONS_MAGIC: u32 = 0x4f43_5a48;
/// Layout version understood here.
pub const OPTIONS_VERSION: u32 = 1;

/// `hazcat_endpoint_options_t` of `options.h` (version 1, 32 bytes).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct hazcat_endpoint_options_t {
    /// Must be [`OPTIONS_MAGIC`].
    pub magic: u32,
    /// Layout version.
    pub version: u32,
    /// `sizeof` as compiled by the application.
    pub struct_size: u32,
    /// 0 unset, 1 host, 2 CUDA, 3 emulated.
    pub domain_kind: u32,
    /// Device index.
    pub device: u32,
    /// Depth override, 0: unset.
    pub depth: u32,
    /// Pool size in bytes, 0: unset.
    pub pool_size: u64,
}
const _: () = assert!(size_of::<hazcat_endpoint_options_t>() == 32);
const _: () = assert!(std::mem::offset_of!(hazcat_endpoint_options_t, pool_size) == 24);

/// Reads the rmw-specific payload of publisher/subscription options: `None` when absent or when
/// it is not a hazcat payload (another RMW's); an error when it claims to be ours but is invalid.
///
/// # Safety
/// `payload` is NULL or points at readable memory of at least 8 bytes, and of `struct_size`
/// bytes if it starts with [`OPTIONS_MAGIC`] (the `options.h` contract).
pub unsafe fn read_payload(payload: *const c_void) -> RmwResult<Option<hazcat_endpoint_options_t>> {
    if payload.is_null() {
        return Ok(None);
    }
    let head = payload.cast::<u32>();
    // SAFETY: the caller guarantees 8 readable bytes; read unaligned to be safe with any pointer.
    let (magic, version) = unsafe { (head.read_unaligned(), head.add(1).read_unaligned()) };
    if magic != OPTIONS_MAGIC {
        return Ok(None);
    }
    if version != OPTIONS_VERSION {
        return Err(RmwError::invalid(format!(
            "hazcat endpoint options: version {version} is not supported (expected {OPTIONS_VERSION})"
        )));
    }
    // SAFETY: with our magic the struct is a version-1 `hazcat_endpoint_options_t`; check its
    // declared size before reading all of it.
    let size = unsafe { head.add(2).read_unaligned() } as usize;
    if size < size_of::<hazcat_endpoint_options_t>() {
        return Err(RmwError::invalid(format!(
            "hazcat endpoint options: struct_size {size} is too small"
        )));
    }
    // SAFETY: `struct_size` bytes are readable per the contract and cover the whole struct.
    Ok(Some(unsafe {
        payload.cast::<hazcat_endpoint_options_t>().read_unaligned()
    }))
}

/// The decided settings of one endpoint.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EndpointOptions {
    /// Memory domain of the endpoint's messages.
    pub domain: Domain,
    /// Size of each memory pool.
    pub pool_size: usize,
    /// Queue depth override (else the QoS depth).
    pub depth: Option<u32>,
}

/// Fully qualified node name (`/ns/name`).
pub fn node_fqn(namespace: &str, name: &str) -> String {
    if namespace.ends_with('/') {
        format!("{namespace}{name}")
    } else {
        format!("{namespace}/{name}")
    }
}

/// Decides an endpoint's settings: payload fields over the configuration's rule and defaults.
pub fn resolve(
    config: &Config,
    node_fqn: &str,
    topic: &str,
    role: Role,
    payload: Option<&hazcat_endpoint_options_t>,
) -> RmwResult<EndpointOptions> {
    let from_config = config.endpoint(node_fqn, topic, role);
    let mut out = EndpointOptions {
        domain: from_config.domain,
        pool_size: from_config.pool_size,
        depth: from_config.depth,
    };
    let Some(p) = payload else { return Ok(out) };
    let bad = |what: String| {
        RmwError::invalid(format!(
            "hazcat endpoint options of {role} '{topic}': {what}"
        ))
    };
    let device =
        u16::try_from(p.device).map_err(|_| bad(format!("device {} out of range", p.device)))?;
    out.domain = match p.domain_kind {
        0 => out.domain,
        1 if device == 0 => Domain::HOST,
        1 => return Err(bad(format!("host memory has no device {device}"))),
        2 => Domain::cuda(device),
        3 => Domain::emulated(device),
        k => return Err(bad(format!("unknown domain_kind {k}"))),
    };
    if p.pool_size != 0 {
        let size = usize::try_from(p.pool_size)
            .ok()
            .filter(|s| *s <= MAX_POOL_SIZE);
        out.pool_size =
            size.ok_or_else(|| bad(format!("pool_size {} exceeds {MAX_POOL_SIZE}", p.pool_size)))?;
    }
    if p.depth != 0 {
        if p.depth > MAX_DEPTH {
            return Err(bad(format!("depth {} exceeds {MAX_DEPTH}", p.depth)));
        }
        out.depth = Some(p.depth);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn payload(kind: u32, device: u32, depth: u32, pool: u64) -> hazcat_endpoint_options_t {
        hazcat_endpoint_options_t {
            magic: OPTIONS_MAGIC,
            version: OPTIONS_VERSION,
            struct_size: 32,
            domain_kind: kind,
            device,
            depth,
            pool_size: pool,
        }
    }

    #[test]
    fn payload_overrides_rules_field_by_field() {
        let cfg = Config::parse(
            "version: 1\ndefaults:\n  pool_size: 1MiB\nrules:\n  - topic: /cam\n    domain: emulated:0\n    depth: 3\n",
            "t.yaml",
        )
        .unwrap();
        let rule = resolve(&cfg, "/n", "/cam", Role::Subscriber, None).unwrap();
        assert_eq!(
            rule,
            EndpointOptions {
                domain: Domain::emulated(0),
                pool_size: 1 << 20,
                depth: Some(3)
            }
        );
        let other = resolve(&cfg, "/n", "/other", Role::Subscriber, None).unwrap();
        assert_eq!(other.domain, Domain::HOST);
        let p = payload(0, 0, 7, 0);
        let merged = resolve(&cfg, "/n", "/cam", Role::Subscriber, Some(&p)).unwrap();
        assert_eq!(
            merged,
            EndpointOptions {
                domain: Domain::emulated(0),
                pool_size: 1 << 20,
                depth: Some(7)
            }
        );
        let p = payload(2, 1, 0, 64 << 20);
        let merged = resolve(&cfg, "/n", "/cam", Role::Publisher, Some(&p)).unwrap();
        assert_eq!(
            (merged.domain, merged.pool_size),
            (Domain::cuda(1), 64 << 20)
        );
        for bad in [
            payload(9, 0, 0, 0),
            payload(1, 2, 0, 0),
            payload(0, 0, 1 << 20, 0),
            payload(0, 70_000, 0, 0),
        ] {
            assert!(
                resolve(&cfg, "/n", "/cam", Role::Publisher, Some(&bad)).is_err(),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn foreign_and_malformed_payloads() {
        // SAFETY: pointers to live locals of the required sizes.
        unsafe {
            assert!(read_payload(std::ptr::null()).unwrap().is_none());
            let foreign = [0xdead_beef_u32, 1, 32, 0, 0, 0, 0, 0];
            assert!(read_payload(foreign.as_ptr().cast()).unwrap().is_none());
            let mut p = payload(1, 0, 0, 0);
            assert!(
                read_payload((&p as *const hazcat_endpoint_options_t).cast())
                    .unwrap()
                    .is_some()
            );
            p.version = 2;
            assert!(read_payload((&p as *const hazcat_endpoint_options_t).cast()).is_err());
            p.version = 1;
            p.struct_size = 8;
            assert!(read_payload((&p as *const hazcat_endpoint_options_t).cast()).is_err());
        }
    }

    #[test]
    fn fully_qualified_node_names() {
        assert_eq!(node_fqn("/", "talker"), "/talker");
        assert_eq!(node_fqn("/demo", "talker"), "/demo/talker");
    }
}
