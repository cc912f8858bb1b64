//! hazcat_core's modules form layers: the import graph of `src/` (top-level modules, and the
//! submodules of `topic`) has no cycle. See `support/import_graph.rs` for what counts as an edge.

#[path = "support/import_graph.rs"]
mod import_graph;

use import_graph::{scan, Rules};

#[test]
fn module_imports_have_no_cycle() {
    let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let graph = scan(
        &src,
        &Rules {
            split: &[("topic", &["layout", "pools", "publisher", "subscriber"])],
        },
    );
    println!("{}", graph.render());
    graph.assert_acyclic("hazcat_core");
}
