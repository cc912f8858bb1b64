//! Nodes (rmw/rmw.h: create/destroy node, graph guard condition).

use std::ffi::c_char;

use crate::api::check_null;
use crate::cmem;
use crate::detail::node::NodeImpl;
use crate::handle::{self, identifier};
use crate::ret::{guard_ptr, guard_ret, guard_value, RmwError};
use crate::sys::*;

/// Creates a node and registers it in the domain graph.
///
/// # Safety
/// `context` is NULL or a valid context; `name` and `namespace_` are NULL or NUL-terminated.
#[no_mangle]
pub unsafe extern "C" fn rmw_create_node(
    context: *mut rmw_context_t,
    name: *const c_char,
    namespace_: *const c_char,
) -> *mut rmw_node_t {
    guard_ptr("rmw_create_node", || {
        // SAFETY: `context` is NULL or a live rmw_context_t (rmw.h contract); `handle::context` rejects NULL, foreign and finalized contexts.
        let ctx = unsafe { handle::context(context)? };
        check_null!(name, "name");
        check_null!(namespace_, "namespace");
        // SAFETY: non-NULL, NUL-terminated per the caller's contract.
        let (n, ns) = unsafe { (cmem::str_arg(name), cmem::str_arg(namespace_)) };
        let (n, ns) = (n.unwrap_or_default(), ns.unwrap_or_default());
        let node = Box::new(NodeImpl::new(&ctx.shared, &n, &ns, |g| {
            handle::graph_guard_handle(g, context)
        })?);
        let h = rmw_node_t {
            implementation_identifier: identifier(),
            name: node.name.as_ptr(),
            namespace_: node.namespace.as_ptr(),
            context,
            data: handle::into_data(node),
        };
        Ok(handle::into_handle(h))
    })
}

/// Destroys a node (its endpoints must have been destroyed before).
///
/// # Safety
/// `node` is NULL or a node created by `rmw_create_node`, not used afterwards.
#[no_mangle]
pub unsafe extern "C" fn rmw_destroy_node(node: *mut rmw_node_t) -> rmw_ret_t {
    guard_ret("rmw_destroy_node", || {
        // SAFETY: `node` is NULL or a live handle (this function's safety contract; for an entry point, rmw.h's); `handle::get` rejects NULL and foreign identifiers before it reads `data`.
        let (h, _) = unsafe { handle::get(node)? };
        // SAFETY: `data` came from `into_data::<NodeImpl>`; the handle from `into_handle`.
        unsafe {
            drop(handle::take_data::<NodeImpl>(h.data));
            drop(handle::take_handle(node));
        }
        Ok(())
    })
}

/// The node's graph guard condition: triggered by every graph change in the domain.
///
/// # Safety
/// `node` is NULL or a valid node.
#[no_mangle]
pub unsafe extern "C" fn rmw_node_get_graph_guard_condition(
    node: *const rmw_node_t,
) -> *const rmw_guard_condition_t {
    guard_value(
        "rmw_node_get_graph_guard_condition",
        std::ptr::null(),
        || {
            if node.is_null() {
                return Err(RmwError::invalid("node is NULL"));
            }
            // SAFETY: `node` is NULL or a live handle (this function's safety contract; for an entry point, rmw.h's); `handle::get` rejects NULL and foreign identifiers before it reads `data`.
            let (_, n) = unsafe { handle::get(node)? };
            Ok(n.graph_guard_condition())
        },
    )
}
