//! The module-level import graph of a crate, read from its sources: every `crate::...`,
//! `super::...` and child-module path in `src/**/*.rs` (`use` items and inline paths alike) is an
//! edge from the module of the file to the module it names. Comments, string literals and
//! `#[cfg(test)]` items are skipped (unit tests may use anything). Shared by the `layering` tests
//! of `hazcat_core` and `rmw_hazcat` (included with `#[path]`), so that both crates are held to
//! the same rules: no cycles, and where a crate declares an order of layers, no upward edge.
//!
//! A module's own submodules are part of it: a parent file's `mod` declarations and re-exports of
//! its children are its facade, not edges; edges from a child to its parent (`super::`) and
//! between children count.
#![allow(dead_code)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Where an edge comes from: `file:line`.
pub type Site = String;

/// Edges between graph nodes, each with the places that create it.
#[derive(Debug, Default)]
pub struct Graph {
    /// from -> to -> sites.
    pub edges: BTreeMap<String, BTreeMap<String, Vec<Site>>>,
}

/// How a crate's module paths become graph nodes.
pub struct Rules<'a> {
    /// Top-level modules whose listed submodules are nodes of their own (`topic` -> `pools`, ...).
    pub split: &'a [(&'a str, &'a [&'a str])],
}

impl Rules<'_> {
    /// The node of an absolute module path (without `crate`); `None` for the crate root.
    fn node(
        &self,
        path: &[String],
        modules: &BTreeSet<String>,
        root_exports: &BTreeMap<String, String>,
    ) -> Option<String> {
        let first = path.first()?;
        let first = match root_exports.get(first) {
            // `crate::Name` re-exported by lib.rs: the module that defines it.
            Some(m) if !modules.contains(first) => m.clone(),
            _ => first.clone(),
        };
        if !modules.contains(&first) {
            return None; // an item of the crate root itself
        }
        if let (Some(second), Some((_, subs))) =
            (path.get(1), self.split.iter().find(|(m, _)| *m == first))
        {
            if subs.contains(&second.as_str()) {
                return Some(format!("{first}::{second}"));
            }
        }
        Some(first)
    }
}

/// Source text with comments, string and character literals blanked out (newlines kept, so
/// that byte offsets still give line numbers).
fn strip(src: &str) -> String {
    let b = src.as_bytes();
    let mut out = String::with_capacity(src.len());
    let mut i = 0;
    let blank = |out: &mut String, s: &[u8]| {
        for &c in s {
            out.push(if c == b'\n' { '\n' } else { ' ' });
        }
    };
    while i < b.len() {
        let rest = &b[i..];
        if rest.starts_with(b"//") {
            let end = rest.iter().position(|&c| c == b'\n').unwrap_or(rest.len());
            blank(&mut out, &rest[..end]);
            i += end;
        } else if rest.starts_with(b"/*") {
            let mut depth = 0;
            let mut j = 0;
            while j < rest.len() {
                if rest[j..].starts_with(b"/*") {
                    depth += 1;
                    j += 2;
                } else if rest[j..].starts_with(b"*/") {
                    depth -= 1;
                    j += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    j += 1;
                }
            }
            blank(&mut out, &rest[..j]);
            i += j;
        } else if rest[0] == b'"'
            || ((rest.starts_with(b"r\"") || rest.starts_with(b"r#") || rest.starts_with(b"b\""))
                && (i == 0 || !is_ident(b[i - 1])))
        {
            // (raw) string literal
            let mut j = 0;
            let raw = rest[0] == b'r';
            if rest[0] != b'"' {
                j += 1;
            }
            let mut hashes = 0;
            while raw && rest[j] == b'#' {
                hashes += 1;
                j += 1;
            }
            if rest[j] != b'"' {
                out.push(rest[0] as char);
                i += 1;
                continue;
            }
            j += 1;
            while j < rest.len() {
                if !raw && rest[j] == b'\\' {
                    j += 2;
                    continue;
                }
                if rest[j] == b'"' && rest[j + 1..].iter().take(hashes).all(|&c| c == b'#') {
                    j += 1 + hashes;
                    break;
                }
                j += 1;
            }
            blank(&mut out, &rest[..j.min(rest.len())]);
            i += j;
        } else if rest[0] == b'\'' {
            // A char literal ('x', '\n', '\u{..}'), or a lifetime (left alone).
            let end = if rest.get(1) == Some(&b'\\') {
                rest[2..].iter().position(|&c| c == b'\'').map(|p| p + 3)
            } else if rest.get(2) == Some(&b'\'') {
                Some(3)
            } else {
                // multi-byte UTF-8 char literal
                let s = std::str::from_utf8(&rest[1..rest.len().min(6)]).unwrap_or("");
                s.chars()
                    .next()
                    .filter(|c| c.len_utf8() > 1 && rest.get(1 + c.len_utf8()) == Some(&b'\''))
                    .map(|c| 2 + c.len_utf8())
            };
            match end {
                Some(e) => {
                    blank(&mut out, &rest[..e]);
                    i += e;
                }
                None => {
                    out.push('\'');
                    i += 1;
                }
            }
        } else {
            let ch = src[i..].chars().next().expect("in range");
            out.push(ch);
            i += ch.len_utf8();
        }
    }
    out
}

fn is_ident(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_'
}

/// Blanks every item preceded by `#[cfg(test)]` (up to its `;` or its balanced `{...}`).
fn drop_test_items(code: &mut String) {
    while let Some(at) = code.find("#[cfg(test)]") {
        let b = code.as_bytes();
        let mut j = at + "#[cfg(test)]".len();
        let mut depth = 0usize;
        while j < b.len() {
            match b[j] {
                b';' if depth == 0 => {
                    j += 1;
                    break;
                }
                b'{' => depth += 1,
                b'}' => {
                    depth -= 1;
                    if depth == 0 {
                        j += 1;
                        break;
                    }
                }
                _ => {}
            }
            j += 1;
        }
        let blanked: String = code[at..j]
            .chars()
            .map(|c| if c == '\n' { '\n' } else { ' ' })
            .collect();
        code.replace_range(at..j, &blanked);
    }
}

/// Parses the path tree that follows a path prefix at `code[i..]` (`a::b::{c, d::e}`), returning
/// the full paths it names.
fn path_tree(code: &[u8], mut i: usize) -> Vec<Vec<String>> {
    let skip_ws = |i: &mut usize| {
        while *i < code.len() && code[*i].is_ascii_whitespace() {
            *i += 1;
        }
    };
    let mut prefix = Vec::new();
    loop {
        skip_ws(&mut i);
        if i < code.len() && code[i] == b'{' {
            // group: split at top-level commas
            let mut out = Vec::new();
            let mut depth = 0;
            let mut start = i + 1;
            let mut j = i;
            while j < code.len() {
                match code[j] {
                    b'{' => depth += 1,
                    b'}' | b',' if depth == 1 => {
                        for mut p in path_tree(&code[..j], start) {
                            let mut full = prefix.clone();
                            full.append(&mut p);
                            out.push(full);
                        }
                        start = j + 1;
                        if code[j] == b'}' {
                            break;
                        }
                    }
                    b'}' => depth -= 1,
                    _ => {}
                }
                j += 1;
            }
            return out;
        }
        let s = i;
        while i < code.len() && is_ident(code[i]) {
            i += 1;
        }
        if s == i {
            return if prefix.is_empty() {
                vec![]
            } else {
                vec![prefix]
            };
        }
        prefix.push(String::from_utf8_lossy(&code[s..i]).into_owned());
        skip_ws(&mut i);
        if code[i..].starts_with(b"::") {
            i += 2;
        } else {
            return vec![prefix];
        }
    }
}

/// Start offsets of `word::` where `word` begins a path (not preceded by an identifier or `::`).
fn path_starts(code: &str, word: &str) -> Vec<usize> {
    let b = code.as_bytes();
    let pat = format!("{word}::");
    code.match_indices(&pat)
        .map(|(at, _)| at)
        .filter(|&at| at == 0 || !(is_ident(b[at - 1]) || (at >= 1 && b[at - 1] == b':')))
        .collect()
}

fn rs_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("dir entry").path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            rs_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "rs") {
            out.push(p);
        }
    }
}

/// The module path of a source file (`topic/mod.rs` -> `[topic]`, `lib.rs` -> `[]`).
fn module_of(src: &Path, file: &Path) -> Vec<String> {
    let rel = file.strip_prefix(src).expect("under src");
    let mut parts: Vec<String> = rel
        .iter()
        .map(|c| c.to_string_lossy().into_owned())
        .collect();
    let last = parts.pop().expect("file name");
    let stem = last.trim_end_matches(".rs");
    if stem != "mod" && stem != "lib" {
        parts.push(stem.to_owned());
    }
    parts
}

/// Names the crate root (`lib.rs`) re-exports, with the top-level module each comes from.
fn root_exports(lib: &str) -> BTreeMap<String, String> {
    let code = strip(lib);
    let mut out = BTreeMap::new();
    for at in code.match_indices("pub use ").map(|(at, _)| at + 8) {
        for p in path_tree(code.as_bytes(), at) {
            if let (Some(first), Some(last)) = (p.first(), p.last()) {
                if p.len() > 1 {
                    out.insert(last.clone(), first.clone());
                }
            }
        }
    }
    out
}

/// Reads every source file under `src` and builds the graph.
pub fn scan(src: &Path, rules: &Rules<'_>) -> Graph {
    let mut files = Vec::new();
    rs_files(src, &mut files);
    let modules: BTreeSet<String> = files
        .iter()
        .filter_map(|f| module_of(src, f).first().cloned())
        .collect();
    let lib = std::fs::read_to_string(src.join("lib.rs")).expect("lib.rs");
    let exports = root_exports(&lib);
    let mut g = Graph::default();
    for file in &files {
        let module = module_of(src, file);
        let Some(from) = rules.node(&module, &modules, &BTreeMap::new()) else {
            continue; // lib.rs: the facade
        };
        let text = std::fs::read_to_string(file).expect("readable source");
        let mut code = strip(&text);
        drop_test_items(&mut code);
        let b = code.as_bytes();
        let is_mod_rs = file.file_name().is_some_and(|n| n == "mod.rs");
        // The module `super` names from this file.
        let parent: Vec<String> = if is_mod_rs {
            module[..module.len().saturating_sub(1)].to_vec()
        } else {
            module[..module.len() - 1].to_vec()
        };
        let mut refs: Vec<(usize, Vec<String>)> = Vec::new();
        for at in path_starts(&code, "crate") {
            for p in path_tree(b, at + "crate::".len()) {
                refs.push((at, p));
            }
        }
        for at in path_starts(&code, "super") {
            let mut base = parent.clone();
            let mut i = at + "super::".len();
            while code[i..].trim_start().starts_with("super::") {
                i += code[i..].find("super::").expect("found") + "super::".len();
                base.pop();
            }
            for p in path_tree(b, i) {
                let mut full = base.clone();
                full.extend(p);
                refs.push((at, full));
            }
        }
        // Child modules named by relative paths (`publisher::x`, `use layout::*`) in a file that
        // declares them: part of this module's facade unless they are nodes of their own.
        for child in declared_children(&code) {
            for at in path_starts(&code, &child) {
                let mut full = module.clone();
                full.push(child.clone());
                refs.push((at, full));
            }
        }
        let rel = file
            .strip_prefix(src.parent().unwrap_or(src))
            .unwrap_or(file);
        for (at, path) in refs {
            let Some(to) = rules.node(&path, &modules, &exports) else {
                continue;
            };
            // A parent's edges to its own children are its facade.
            if to == from || to.starts_with(&format!("{from}::")) {
                continue;
            }
            let line = code[..at].matches('\n').count() + 1;
            let site = format!("{}:{line}", rel.display());
            let sites = g
                .edges
                .entry(from.clone())
                .or_default()
                .entry(to)
                .or_default();
            if !sites.contains(&site) {
                sites.push(site);
            }
        }
    }
    g
}

/// Names of the `mod name;` declarations of a file.
fn declared_children(code: &str) -> Vec<String> {
    let mut out = Vec::new();
    for line in code.lines() {
        let t = line.trim_start();
        let t = t
            .strip_prefix("pub(crate) ")
            .or_else(|| t.strip_prefix("pub "))
            .unwrap_or(t);
        if let Some(rest) = t.strip_prefix("mod ") {
            if let Some(name) = rest.trim().strip_suffix(';') {
                out.push(name.trim().to_owned());
            }
        }
    }
    out
}

impl Graph {
    /// One cycle of the graph, if there is any: nodes in order, the first repeated at the end.
    pub fn find_cycle(&self) -> Option<Vec<String>> {
        #[derive(Clone, Copy, PartialEq)]
        enum Mark {
            New,
            Open,
            Done,
        }
        let nodes: BTreeSet<&String> = self
            .edges
            .iter()
            .flat_map(|(f, tos)| std::iter::once(f).chain(tos.keys()))
            .collect();
        let mut mark: BTreeMap<&String, Mark> = nodes.iter().map(|n| (*n, Mark::New)).collect();
        fn visit<'a>(
            g: &'a Graph,
            n: &'a String,
            mark: &mut BTreeMap<&'a String, Mark>,
            stack: &mut Vec<&'a String>,
        ) -> Option<Vec<String>> {
            mark.insert(n, Mark::Open);
            stack.push(n);
            for to in g.edges.get(n).into_iter().flat_map(|t| t.keys()) {
                match mark[to] {
                    Mark::Open => {
                        let from = stack.iter().position(|s| *s == to).expect("open");
                        let mut cycle: Vec<String> =
                            stack[from..].iter().map(|s| (*s).clone()).collect();
                        cycle.push(to.clone());
                        return Some(cycle);
                    }
                    Mark::New => {
                        if let Some(c) = visit(g, to, mark, stack) {
                            return Some(c);
                        }
                    }
                    Mark::Done => {}
                }
            }
            stack.pop();
            mark.insert(n, Mark::Done);
            None
        }
        for n in nodes {
            if mark[n] == Mark::New {
                if let Some(c) = visit(self, n, &mut mark, &mut Vec::new()) {
                    return Some(c);
                }
            }
        }
        None
    }

    /// A cycle with the sites of each of its edges, for a failure message.
    pub fn explain(&self, cycle: &[String]) -> String {
        let mut s = format!("import cycle: {}\n", cycle.join(" -> "));
        for w in cycle.windows(2) {
            let sites = &self.edges[&w[0]][&w[1]];
            s += &format!("  {} -> {}: {}\n", w[0], w[1], sites.join(", "));
        }
        s
    }

    /// Fails, printing every cycle found (one per pass, removing an edge of each), if the graph
    /// has any.
    pub fn assert_acyclic(&self, krate: &str) {
        let mut work = Graph {
            edges: self.edges.clone(),
        };
        let mut report = String::new();
        while let Some(c) = work.find_cycle() {
            report += &work.explain(&c);
            let (a, b) = (&c[c.len() - 2], &c[c.len() - 1]);
            work.edges.get_mut(a).expect("edge").remove(b);
        }
        assert!(
            report.is_empty(),
            "{krate}: module imports form cycles:\n{report}"
        );
    }

    /// Fails if a module uses a module to its left in `layers` (ordered top to bottom), other than
    /// the `leaves` (utilities every layer may use, which themselves may only use layers below
    /// them as listed in `leaf_deps`).
    pub fn assert_layers(&self, krate: &str, layers: &[&str], leaves: &[&str], leaf_deps: &[&str]) {
        let rank = |m: &str| layers.iter().position(|l| *l == m);
        let mut bad = String::new();
        for (from, tos) in &self.edges {
            for (to, sites) in tos {
                let ok = if leaves.contains(&from.as_str()) {
                    leaves.contains(&to.as_str()) || leaf_deps.contains(&to.as_str())
                } else if leaves.contains(&to.as_str()) {
                    true
                } else {
                    match (rank(from), rank(to)) {
                        (Some(f), Some(t)) => f < t,
                        _ => false,
                    }
                };
                if !ok {
                    bad += &format!("  {from} -> {to}: {}\n", sites.join(", "));
                }
            }
        }
        assert!(
            bad.is_empty(),
            "{krate}: imports against the layer order {} (leaves {}):\n{bad}",
            layers.join(" -> "),
            leaves.join(", ")
        );
    }

    /// The graph as text, one `from -> to` per line.
    pub fn render(&self) -> String {
        let mut s = String::new();
        for (from, tos) in &self.edges {
            for to in tos.keys() {
                s += &format!("{from} -> {to}\n");
            }
        }
        s
    }
}
