//! Nodes: a graph registration plus the node's graph guard condition.

use std::ffi::CString;
use std::sync::Arc;

use hazcat_core::graph::NodeEntry;

use crate::detail::context::ContextShared;
use crate::detail::guard::GuardImpl;
use crate::detail::names;
use crate::ret::{RmwError, RmwResult};
use crate::sys::rmw_guard_condition_t;

/// What `rmw_node_t::data` points at.
#[derive(Debug)]
pub struct NodeImpl {
    /// The context.
    pub ctx: Arc<ContextShared>,
    /// Node name (`rmw_node_t::name` points here).
    pub name: CString,
    /// Node namespace (`rmw_node_t::namespace_` points here).
    pub namespace: CString,
    /// Registration in the domain graph (removed on drop).
    pub entry: NodeEntry,
    /// The graph guard condition object (`graph_guard_handle.data` points here).
    graph_guard: Box<GuardImpl>,
    /// The handle returned by `rmw_node_get_graph_guard_condition`.
    graph_guard_handle: Box<rmw_guard_condition_t>,
}

impl NodeImpl {
    /// Registers an endpoint of this node in the domain graph (removed when the entry drops).
    pub fn register_endpoint(
        &self,
        kind: hazcat_core::EntryKind,
        name: &str,
        type_name: &str,
        gid: [u8; 24],
        type_hash: [u8; 32],
        actual: &crate::sys::rmw_qos_profile_t,
    ) -> RmwResult<hazcat_core::graph::EndpointEntry> {
        let desc = hazcat_core::EndpointDesc {
            kind,
            topic: name,
            type_name,
            gid,
            type_hash,
            qos: crate::detail::qos::encode(actual),
        };
        let entry = self
            .ctx
            .participant
            .add_endpoint(&self.entry, &desc)
            .map_err(|e| RmwError::error(format!("cannot register '{name}' in the graph: {e}")))?;
        log::debug!(
            "{}: {kind:?} '{name}' ({type_name}), reliability {}, durability {}, depth {}",
            self.fqn(),
            actual.reliability,
            actual.durability,
            actual.depth
        );
        Ok(entry)
    }

    /// Fully qualified name (`/ns/name`), as configuration rules match it.
    pub fn fqn(&self) -> String {
        crate::detail::endpoint_options::node_fqn(
            &self.namespace.to_string_lossy(),
            &self.name.to_string_lossy(),
        )
    }

    /// Validates the names and registers the node in the domain graph. `guard_handle` makes the
    /// handle of the node's graph guard condition (the handle layer's job: it points at the
    /// guard object).
    pub fn new(
        ctx: &Arc<ContextShared>,
        name: &str,
        namespace: &str,
        guard_handle: impl FnOnce(&GuardImpl) -> rmw_guard_condition_t,
    ) -> RmwResult<NodeImpl> {
        if ctx.is_shutdown() {
            return Err(RmwError::error("context has been shut down"));
        }
        names::validate_node_name(name).map_err(RmwError::invalid)?;
        names::validate_namespace(namespace).map_err(RmwError::invalid)?;
        let entry = ctx
            .participant
            .add_node(name, namespace, &ctx.config.enclave)
            .map_err(|e| RmwError::error(format!("cannot register node '{name}': {e}")))?;
        let graph_guard = Box::new(GuardImpl::graph(&ctx.participant));
        let graph_guard_handle = Box::new(guard_handle(&graph_guard));
        let node = NodeImpl {
            ctx: ctx.clone(),
            name: CString::new(name).map_err(|_| RmwError::invalid("node name contains NUL"))?,
            namespace: CString::new(namespace)
                .map_err(|_| RmwError::invalid("namespace contains NUL"))?,
            entry,
            graph_guard,
            graph_guard_handle,
        };
        Ok(node)
    }

    /// The graph guard condition handle (owned by the node).
    pub fn graph_guard_condition(&self) -> *const rmw_guard_condition_t {
        &*self.graph_guard_handle
    }

    /// The graph guard condition object.
    pub fn graph_guard(&self) -> &GuardImpl {
        &self.graph_guard
    }
}
