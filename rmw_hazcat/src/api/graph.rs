//! Graph queries (rmw/get_*.h, rmw.h counts): node names, topic/service names and types (also
//! by node), endpoint counts and endpoint info with QoS, gid and type hash. Results are
//! domain-wide, every process included, read from hazcat's shared registry (no discovery delay).

use std::collections::{BTreeMap, BTreeSet};
use std::ffi::c_char;

use hazcat_core::EntryKind;

use crate::api::check_null;
use crate::cmem;
use crate::detail::graph::{self, EndpointInfo};
use crate::detail::node::NodeImpl;
use crate::detail::{names, qos};
use crate::handle;
use crate::ret::{guard_ret, RmwError, RmwResult};
use crate::sys::*;

/// # Safety
/// `node` NULL or valid.
unsafe fn node_of<'a>(node: *const rmw_node_t) -> RmwResult<&'a NodeImpl> {
    // SAFETY: `node` is NULL or a live handle (this function's safety contract; for an entry point, rmw.h's);
    // `handle::get` rejects NULL and foreign identifiers before it reads `data`.
    Ok(unsafe { handle::get(node)? }.1)
}

/// # Safety
/// `allocator` NULL or valid.
unsafe fn allocator_of(allocator: *mut rcutils_allocator_t) -> RmwResult<rcutils_allocator_t> {
    check_null!(allocator, "allocator");
    // SAFETY: non-NULL, valid.
    let a = unsafe { *allocator };
    if !cmem::allocator_is_valid(&a) {
        return Err(RmwError::invalid("allocator is invalid"));
    }
    Ok(a)
}

/// # Safety
/// `p` NULL or NUL-terminated.
unsafe fn string_arg(p: *const c_char, what: &str) -> RmwResult<String> {
    // SAFETY: `p` is NULL or NUL-terminated, per this function's `# Safety`: `str_arg`'s
    // requirement.
    unsafe { cmem::str_arg(p) }
        .map(|s| s.into_owned())
        .ok_or_else(|| RmwError::invalid(format!("{what} is NULL")))
}

fn names_and_types_is_zero(n: &rmw_names_and_types_t) -> bool {
    cmem::string_array_is_zero(&n.names) && n.types.is_null()
}

/// Fills a zero-initialized `rmw_names_and_types_t` (what `rmw_names_and_types_fini` frees).
fn fill_names_and_types(
    out: &mut rmw_names_and_types_t,
    map: &BTreeMap<String, BTreeSet<String>>,
    a: &rcutils_allocator_t,
) -> RmwResult<()> {
    let names: Vec<&str> = map.keys().map(String::as_str).collect();
    let mut result = rmw_names_and_types_t {
        names: rcutils_string_array_t {
            size: 0,
            data: std::ptr::null_mut(),
            allocator: *a,
        },
        types: std::ptr::null_mut(),
    };
    cmem::fill_string_array(&mut result.names, &names, a)?;
    if !names.is_empty() {
        let types = match cmem::zalloc(
            a,
            names.len(),
            std::mem::size_of::<rcutils_string_array_t>(),
        ) {
            Ok(p) => p.cast::<rcutils_string_array_t>(),
            Err(e) => {
                // SAFETY: filled above.
                unsafe { cmem::fini_string_array(&mut result.names) };
                return Err(e);
            }
        };
        for (i, set) in map.values().enumerate() {
            let ts: Vec<&str> = set.iter().map(String::as_str).collect();
            // SAFETY: `types` has `names.len()` zeroed entries.
            let slot = unsafe { &mut *types.add(i) };
            if let Err(e) = cmem::fill_string_array(slot, &ts, a) {
                for j in 0..i {
                    // SAFETY: entries before `i` were filled.
                    unsafe { cmem::fini_string_array(&mut *types.add(j)) };
                }
                // SAFETY: allocated above with `a`; names filled above.
                unsafe {
                    cmem::free(a, types.cast());
                    cmem::fini_string_array(&mut result.names);
                }
                return Err(e);
            }
        }
        result.types = types;
    }
    *out = result;
    Ok(())
}

/// # Safety
/// All pointers NULL or valid.
unsafe fn get_names_and_types(
    node: *const rmw_node_t,
    allocator: *mut rcutils_allocator_t,
    node_name: Option<*const c_char>,
    node_namespace: Option<*const c_char>,
    out: *mut rmw_names_and_types_t,
    kinds: &[EntryKind],
) -> RmwResult<()> {
    // SAFETY: `node` is NULL or a live node, per this function's `# Safety`, which is all `node_of`
    // requires.
    let n = unsafe { node_of(node)? };
    // SAFETY: `allocator` is NULL or a valid allocator, per this function's `# Safety`, which is
    // all `allocator_of` requires.
    let a = unsafe { allocator_of(allocator)? };
    let by_node = match (node_name, node_namespace) {
        (Some(name), Some(ns)) => {
            // SAFETY: NULL or NUL-terminated.
            let (name, ns) = unsafe {
                (
                    string_arg(name, "node_name")?,
                    string_arg(ns, "node_namespace")?,
                )
            };
            graph::validate_node(&name, &ns)?;
            Some((name, ns))
        }
        _ => None,
    };
    check_null!(out, "names_and_types");
    // SAFETY: non-NULL, valid.
    let out = unsafe { &mut *out };
    if !names_and_types_is_zero(out) {
        return Err(RmwError::invalid("names_and_types is not zero-initialized"));
    }
    let map = graph::names_and_types(
        &n.ctx,
        kinds,
        by_node.as_ref().map(|(a, b)| (a.as_str(), b.as_str())),
    )?;
    fill_names_and_types(out, &map, &a)
}

/// All topics with at least one publisher or subscription, with their `pkg/msg/Type` names.
///
/// # Safety
/// Pointers NULL or valid.
#[no_mangle]
pub unsafe extern "C" fn rmw_get_topic_names_and_types(
    node: *const rmw_node_t,
    allocator: *mut rcutils_allocator_t,
    no_demangle: bool,
    topic_names_and_types: *mut rmw_names_and_types_t,
) -> rmw_ret_t {
    let _ = no_demangle;
    // SAFETY: every pointer argument is NULL or valid (rmw.h contract of this entry point):
    // `get_names_and_types` checks NULLs and requires no more.
    guard_ret("rmw_get_topic_names_and_types", || unsafe {
        get_names_and_types(
            node,
            allocator,
            None,
            None,
            topic_names_and_types,
            &[EntryKind::Publisher, EntryKind::Subscription],
        )
    })
}

/// All services with at least one server or client.
///
/// # Safety
/// Pointers NULL or valid.
#[no_mangle]
pub unsafe extern "C" fn rmw_get_service_names_and_types(
    node: *const rmw_node_t,
    allocator: *mut rcutils_allocator_t,
    service_names_and_types: *mut rmw_names_and_types_t,
) -> rmw_ret_t {
    // SAFETY: every pointer argument is NULL or valid (rmw.h contract of this entry point):
    // `get_names_and_types` checks NULLs and requires no more.
    guard_ret("rmw_get_service_names_and_types", || unsafe {
        get_names_and_types(
            node,
            allocator,
            None,
            None,
            service_names_and_types,
            &[EntryKind::Service, EntryKind::Client],
        )
    })
}

macro_rules! by_node {
    ($(#[$doc:meta])* $name:ident, $kind:expr, demangle) => {
        $(#[$doc])*
        ///
        /// # Safety
        /// Pointers NULL or valid; strings NUL-terminated.
        #[no_mangle]
        pub unsafe extern "C" fn $name(
            node: *const rmw_node_t,
            allocator: *mut rcutils_allocator_t,
            node_name: *const c_char,
            node_namespace: *const c_char,
            no_demangle: bool,
            out: *mut rmw_names_and_types_t,
        ) -> rmw_ret_t {
            let _ = no_demangle;
            // SAFETY: every pointer argument is NULL or valid (rmw.h contract of this entry point):
            // `get_names_and_types` checks NULLs and requires no more.
            guard_ret(stringify!($name), || unsafe {
                get_names_and_types(node, allocator, Some(node_name), Some(node_namespace), out, &[$kind])
            })
        }
    };
    ($(#[$doc:meta])* $name:ident, $kind:expr) => {
        $(#[$doc])*
        ///
        /// # Safety
        /// Pointers NULL or valid; strings NUL-terminated.
        #[no_mangle]
        pub unsafe extern "C" fn $name(
            node: *const rmw_node_t,
            allocator: *mut rcutils_allocator_t,
            node_name: *const c_char,
            node_namespace: *const c_char,
            out: *mut rmw_names_and_types_t,
        ) -> rmw_ret_t {
            // SAFETY: every pointer argument is NULL or valid (rmw.h contract of this entry point):
            // `get_names_and_types` checks NULLs and requires no more.
            guard_ret(stringify!($name), || unsafe {
                get_names_and_types(node, allocator, Some(node_name), Some(node_namespace), out, &[$kind])
            })
        }
    };
}

by_node!(
    /// Topics published by one node.
    rmw_get_publisher_names_and_types_by_node,
    EntryKind::Publisher,
    demangle
);
by_node!(
    /// Topics subscribed by one node.
    rmw_get_subscriber_names_and_types_by_node,
    EntryKind::Subscription,
    demangle
);
by_node!(
    /// Services served by one node.
    rmw_get_service_names_and_types_by_node,
    EntryKind::Service
);
by_node!(
    /// Services used by one node's clients.
    rmw_get_client_names_and_types_by_node,
    EntryKind::Client
);

/// # Safety
/// Arrays NULL or valid.
unsafe fn node_names_common(
    node: *const rmw_node_t,
    node_names: *mut rcutils_string_array_t,
    node_namespaces: *mut rcutils_string_array_t,
    enclaves: Option<*mut rcutils_string_array_t>,
) -> RmwResult<()> {
    // SAFETY: `node` is NULL or a live node, per this function's `# Safety`, which is all `node_of`
    // requires.
    let n = unsafe { node_of(node)? };
    check_null!(node_names, "node_names");
    check_null!(node_namespaces, "node_namespaces");
    if let Some(e) = enclaves {
        check_null!(e, "enclaves");
    }
    // SAFETY: non-NULL, valid.
    let (names_out, ns_out) = unsafe { (&mut *node_names, &mut *node_namespaces) };
    // SAFETY: non-NULL (checked above), valid.
    let enc_out = enclaves.map(|e| unsafe { &mut *e });
    if !cmem::string_array_is_zero(names_out)
        || !cmem::string_array_is_zero(ns_out)
        || enc_out
            .as_ref()
            .is_some_and(|e| !cmem::string_array_is_zero(e))
    {
        return Err(RmwError::invalid(
            "output string arrays must be zero-initialized",
        ));
    }
    let nodes = graph::node_names(&n.ctx);
    let a = cmem::default_allocator();
    let names: Vec<&str> = nodes.iter().map(|n| n.name.as_str()).collect();
    let nss: Vec<&str> = nodes.iter().map(|n| n.namespace.as_str()).collect();
    let encs: Vec<&str> = nodes.iter().map(|n| n.enclave.as_str()).collect();
    cmem::fill_string_array(names_out, &names, &a)?;
    if let Err(e) = cmem::fill_string_array(ns_out, &nss, &a) {
        // SAFETY: filled above.
        unsafe { cmem::fini_string_array(names_out) };
        return Err(e);
    }
    if let Some(enc_out) = enc_out {
        if let Err(e) = cmem::fill_string_array(enc_out, &encs, &a) {
            // SAFETY: filled above.
            unsafe {
                cmem::fini_string_array(names_out);
                cmem::fini_string_array(ns_out);
            }
            return Err(e);
        }
    }
    Ok(())
}

/// Every node of the domain (this process's included), with namespaces.
///
/// # Safety
/// Pointers NULL or valid; arrays zero-initialized.
#[no_mangle]
pub unsafe extern "C" fn rmw_get_node_names(
    node: *const rmw_node_t,
    node_names: *mut rcutils_string_array_t,
    node_namespaces: *mut rcutils_string_array_t,
) -> rmw_ret_t {
    // SAFETY: every pointer argument is NULL or valid (rmw.h contract): `node_names_common` checks
    // NULLs and requires no more.
    guard_ret("rmw_get_node_names", || unsafe {
        node_names_common(node, node_names, node_namespaces, None)
    })
}

/// Every node of the domain, with namespaces and enclaves.
///
/// # Safety
/// Pointers NULL or valid; arrays zero-initialized.
#[no_mangle]
pub unsafe extern "C" fn rmw_get_node_names_with_enclaves(
    node: *const rmw_node_t,
    node_names: *mut rcutils_string_array_t,
    node_namespaces: *mut rcutils_string_array_t,
    enclaves: *mut rcutils_string_array_t,
) -> rmw_ret_t {
    // SAFETY: every pointer argument is NULL or valid (rmw.h contract): `node_names_common` checks
    // NULLs and requires no more.
    guard_ret("rmw_get_node_names_with_enclaves", || unsafe {
        node_names_common(node, node_names, node_namespaces, Some(enclaves))
    })
}

/// # Safety
/// Pointers NULL or valid.
unsafe fn count_common(
    node: *const rmw_node_t,
    name: *const c_char,
    count: *mut usize,
    kind: EntryKind,
) -> RmwResult<()> {
    // SAFETY: `node` is NULL or a live node, per this function's `# Safety`, which is all `node_of`
    // requires.
    let n = unsafe { node_of(node)? };
    // SAFETY: NULL or NUL-terminated.
    let name = unsafe { string_arg(name, "topic_name")? };
    check_null!(count, "count");
    names::validate_full_topic_name(&name).map_err(RmwError::invalid)?;
    // SAFETY: non-NULL, writable.
    unsafe { *count = graph::count(&n.ctx, kind, &name) };
    Ok(())
}

macro_rules! counter {
    ($(#[$doc:meta])* $name:ident, $kind:expr) => {
        $(#[$doc])*
        ///
        /// # Safety
        /// Pointers NULL or valid.
        #[no_mangle]
        pub unsafe extern "C" fn $name(
            node: *const rmw_node_t,
            topic_name: *const c_char,
            count: *mut usize,
        ) -> rmw_ret_t {
            // SAFETY: every pointer argument is NULL or valid (rmw.h contract): `count_common`
            // checks NULLs and requires no more.
            guard_ret(stringify!($name), || unsafe { count_common(node, topic_name, count, $kind) })
        }
    };
}

counter!(
    /// Publishers on a topic in the domain.
    rmw_count_publishers,
    EntryKind::Publisher
);
counter!(
    /// Subscriptions on a topic in the domain.
    rmw_count_subscribers,
    EntryKind::Subscription
);
#[cfg(not(ros_distro = "humble"))]
counter!(
    /// Clients of a service in the domain.
    rmw_count_clients,
    EntryKind::Client
);
#[cfg(not(ros_distro = "humble"))]
counter!(
    /// Servers of a service in the domain.
    rmw_count_services,
    EntryKind::Service
);

/// Fills one `rmw_topic_endpoint_info_t` with strings owned by `a`.
fn fill_endpoint_info(
    out: &mut rmw_topic_endpoint_info_t,
    e: &EndpointInfo,
    a: &rcutils_allocator_t,
) -> RmwResult<()> {
    out.node_name = cmem::strdup(a, &e.node_name)?;
    out.node_namespace = cmem::strdup(a, &e.node_namespace)?;
    out.topic_type = cmem::strdup(a, &e.endpoint.type_name)?;
    #[cfg(not(ros_distro = "humble"))]
    {
        let known = e.endpoint.type_hash != [0; 32];
        out.topic_type_hash = rosidl_type_hash_t {
            version: u8::from(known),
            value: e.endpoint.type_hash,
        };
    }
    out.endpoint_type = match e.endpoint.kind {
        EntryKind::Publisher => RMW_ENDPOINT_PUBLISHER,
        _ => RMW_ENDPOINT_SUBSCRIPTION,
    };
    out.endpoint_gid
        .copy_from_slice(&e.endpoint.gid[..RMW_GID_STORAGE_SIZE]);
    out.qos_profile = qos::decode(&e.endpoint.qos);
    Ok(())
}

/// # Safety
/// `info` entries were filled (or zeroed) with `a`.
unsafe fn free_endpoint_infos(
    info: *mut rmw_topic_endpoint_info_t,
    n: usize,
    a: &rcutils_allocator_t,
) {
    for i in 0..n {
        // SAFETY: entry `i < n` exists; its strings are NULL or from `a`.
        unsafe {
            let e = &mut *info.add(i);
            cmem::free(a, e.node_name.cast_mut().cast());
            cmem::free(a, e.node_namespace.cast_mut().cast());
            cmem::free(a, e.topic_type.cast_mut().cast());
        }
    }
    // SAFETY: allocated with `a`.
    unsafe { cmem::free(a, info.cast()) };
}

/// # Safety
/// Pointers NULL or valid.
unsafe fn info_by_topic(
    node: *const rmw_node_t,
    allocator: *mut rcutils_allocator_t,
    topic_name: *const c_char,
    no_mangle: bool,
    out: *mut rmw_topic_endpoint_info_array_t,
    kind: EntryKind,
) -> RmwResult<()> {
    // SAFETY: `node` is NULL or a live node, per this function's `# Safety`, which is all `node_of`
    // requires.
    let n = unsafe { node_of(node)? };
    // SAFETY: `allocator` is NULL or a valid allocator, per this function's `# Safety`, which is
    // all `allocator_of` requires.
    let a = unsafe { allocator_of(allocator)? };
    // SAFETY: NULL or NUL-terminated.
    let topic = unsafe { string_arg(topic_name, "topic_name")? };
    check_null!(out, "info array");
    // SAFETY: non-NULL, valid.
    let out = unsafe { &mut *out };
    if out.size != 0 || !out.info_array.is_null() {
        return Err(RmwError::invalid("info array is not zero-initialized"));
    }
    if !no_mangle {
        names::validate_full_topic_name(&topic).map_err(RmwError::invalid)?;
    }
    let infos = graph::endpoints_info(&n.ctx, kind, &topic);
    if infos.is_empty() {
        return Ok(());
    }
    let arr = cmem::zalloc(
        &a,
        infos.len(),
        std::mem::size_of::<rmw_topic_endpoint_info_t>(),
    )?
    .cast::<rmw_topic_endpoint_info_t>();
    for (i, e) in infos.iter().enumerate() {
        // SAFETY: `arr` has `infos.len()` zeroed entries (zero = NULL strings, valid).
        let slot = unsafe { &mut *arr.add(i) };
        if let Err(err) = fill_endpoint_info(slot, e, &a) {
            // SAFETY: entries up to `i` hold NULL or strings of `a`.
            unsafe { free_endpoint_infos(arr, i + 1, &a) };
            return Err(err);
        }
    }
    out.size = infos.len();
    out.info_array = arr;
    Ok(())
}

/// Publishers of a topic with node, type, type hash, gid and QoS.
///
/// # Safety
/// Pointers NULL or valid.
#[no_mangle]
pub unsafe extern "C" fn rmw_get_publishers_info_by_topic(
    node: *const rmw_node_t,
    allocator: *mut rcutils_allocator_t,
    topic_name: *const c_char,
    no_mangle: bool,
    publishers_info: *mut rmw_topic_endpoint_info_array_t,
) -> rmw_ret_t {
    // SAFETY: every pointer argument is NULL or valid (rmw.h contract): `info_by_topic` checks
    // NULLs and requires no more.
    guard_ret("rmw_get_publishers_info_by_topic", || unsafe {
        info_by_topic(
            node,
            allocator,
            topic_name,
            no_mangle,
            publishers_info,
            EntryKind::Publisher,
        )
    })
}

/// Subscriptions of a topic with node, type, type hash, gid and QoS.
///
/// # Safety
/// Pointers NULL or valid.
#[no_mangle]
pub unsafe extern "C" fn rmw_get_subscriptions_info_by_topic(
    node: *const rmw_node_t,
    allocator: *mut rcutils_allocator_t,
    topic_name: *const c_char,
    no_mangle: bool,
    subscriptions_info: *mut rmw_topic_endpoint_info_array_t,
) -> rmw_ret_t {
    // SAFETY: every pointer argument is NULL or valid (rmw.h contract): `info_by_topic` checks
    // NULLs and requires no more.
    guard_ret("rmw_get_subscriptions_info_by_topic", || unsafe {
        info_by_topic(
            node,
            allocator,
            topic_name,
            no_mangle,
            subscriptions_info,
            EntryKind::Subscription,
        )
    })
}
