//! rmw_hazcat's layers: `api -> handle -> detail -> typesupport -> sys`. A module may use modules
//! to its right, never to its left; `ret`, `cmem` and `logging` are leaf utilities every layer may use (and
//! they use only `sys` and each other). Checked on the import graph of `src/` (see
//! `hazcat_core/tests/support/import_graph.rs` for what counts as an edge).

#[path = "../../hazcat_core/tests/support/import_graph.rs"]
mod import_graph;

use import_graph::{scan, Rules};

const LAYERS: &[&str] = &["api", "handle", "detail", "typesupport", "sys"];
const LEAVES: &[&str] = &["ret", "cmem", "logging"];

fn graph() -> import_graph::Graph {
    let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    scan(&src, &Rules { split: &[] })
}

#[test]
fn module_imports_have_no_cycle() {
    let g = graph();
    println!("{}", g.render());
    g.assert_acyclic("rmw_hazcat");
}

#[test]
fn modules_only_use_layers_below() {
    graph().assert_layers("rmw_hazcat", LAYERS, LEAVES, &["sys"]);
}
