//! The function-signature half of the ABI check (used by `build.rs`, unit-tested by
//! `tests/abi_check.rs`; it depends on `std` only).
//!
//! Two declarations of each `rmw_*` function are compared:
//! - the header's, read from bindgen's Rust output for the installed rmw headers
//!   (`extern "C" { pub fn NAME(..) -> RET; }` plus the `pub type` aliases bindgen emits);
//! - ours, read from the source text of `src/api/` (following `mod x;` from `src/api/mod.rs`):
//!   every `pub [unsafe] extern "C" fn NAME(PARAMS) [-> RET]` item, any formatting, with
//!   attributes. `#[cfg(..)]` on items, macro invocations, modules and parameters is evaluated
//!   (`ros_distro = ".."` against the distro checked, other keys through a caller-supplied
//!   predicate). Item-level `macro_rules!` invocations are expanded when the macro is defined in
//!   the scanned files and its arms are comma-separated `$x:frag` captures and literal tokens
//!   (`$(..)*` repetitions, i.e. doc attributes, are dropped). Our type aliases come from the
//!   `pub type` items of `src/sys/` (a distro module only where its `pub use m::*` is active).
//!
//! Normalisation of types before comparing:
//! - paths are stripped to their last segment (`::std::os::raw::c_char`, `std::ffi::c_char`,
//!   `core::ffi::c_char`, `libc::c_char` and `c_char` are all `c_char`);
//! - C integer spellings map to Rust's fixed-width names on LP64 (`c_int` = `i32`,
//!   `c_uint` = `u32`, `c_long` = `i64`, `size_t` = `usize`, ...); `c_char` stays `c_char`
//!   (its signedness differs per target, so it never equals `i8` or `u8`); `c_void` is `c_void`;
//! - `Option<extern "C" fn ..>` is a nullable function pointer and differs from a bare
//!   `extern "C" fn` (C may pass NULL); `&T` / `&mut T` count as `*const T` / `*mut T`.
//!
//! What must be equal: the parameter count; per parameter and for the return type the pointer
//! structure (`*const` / `*mut` at every depth); function pointers parameter by parameter;
//! array lengths; and the named types:
//! - the same name on both sides is equal;
//! - two different non-primitive names are equal only when their typedef chains meet at a
//!   non-primitive name (`rmw_node_t` = `rmw_node_s`, `rmw_serialized_message_t` =
//!   `rcutils_uint8_array_t`), so two integer typedefs of the same width but different names
//!   (`rmw_ret_t` vs `rcutils_ret_t`) differ, as do two different structs, or `c_void` and a struct;
//! - a primitive (`i32`, `u32`, `bool`, `usize`, `c_char`, ...) against a typedef compares the
//!   typedef's underlying type (`u32` = `rmw_event_type_t` = `enum rmw_event_type_e`);
//! - a typedef against a pointer / function pointer compares what the typedef stands for.
//!
//! Parameter names, `unsafe`, and `const` on by-value parameters (which C ignores) are not
//! compared.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::path::{Path, PathBuf};

// ---------------------------------------------------------------------------------------------
// Tokens

/// A Rust token tree, as far as this checker needs one.
#[derive(Clone, Debug, PartialEq)]
pub enum Tt {
    /// Identifier or keyword (raw identifiers without `r#`).
    Ident(String),
    /// Punctuation; `->`, `::`, `=>`, `..`, `...` are single tokens.
    Punct(String),
    /// String, char, number literal or lifetime, as written.
    Lit(String),
    /// `(`, `[` or `{` group.
    Group(char, Vec<Tt>),
}

impl Tt {
    fn is_punct(&self, p: &str) -> bool {
        matches!(self, Tt::Punct(x) if x == p)
    }
    fn is_ident(&self, i: &str) -> bool {
        matches!(self, Tt::Ident(x) if x == i)
    }
    fn ident(&self) -> Option<&str> {
        match self {
            Tt::Ident(x) => Some(x),
            _ => None,
        }
    }
    fn group(&self, d: char) -> Option<&[Tt]> {
        match self {
            Tt::Group(c, v) if *c == d => Some(v),
            _ => None,
        }
    }
}

/// Tokenizes Rust source text into token trees; comments (doc comments included) are dropped.
pub fn tokenize(src: &str) -> Result<Vec<Tt>, String> {
    let c: Vec<char> = src.chars().collect();
    let mut i = 0;
    let mut stack: Vec<(char, Vec<Tt>)> = vec![(' ', Vec::new())];
    let ident_char = |ch: char| ch.is_alphanumeric() || ch == '_';
    while i < c.len() {
        let ch = c[i];
        let next = c.get(i + 1).copied().unwrap_or('\0');
        if ch.is_whitespace() {
            i += 1;
        } else if ch == '/' && next == '/' {
            while i < c.len() && c[i] != '\n' {
                i += 1;
            }
        } else if ch == '/' && next == '*' {
            let mut depth = 0;
            loop {
                if i + 1 >= c.len() {
                    return Err("unterminated block comment".into());
                }
                if c[i] == '/' && c[i + 1] == '*' {
                    depth += 1;
                    i += 2;
                } else if c[i] == '*' && c[i + 1] == '/' {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    i += 1;
                }
            }
        } else if ch == '"' || ((ch == 'b' || ch == 'c') && next == '"') {
            let start = i;
            if ch != '"' {
                i += 1;
            }
            i += 1;
            while i < c.len() && c[i] != '"' {
                if c[i] == '\\' {
                    i += 1;
                }
                i += 1;
            }
            if i >= c.len() {
                return Err("unterminated string".into());
            }
            i += 1;
            push(&mut stack, Tt::Lit(c[start..i].iter().collect()));
        } else if (ch == 'r' || ch == 'b' || ch == 'c')
            && (next == '"' || next == '#' || (next == 'r' && ch != 'r'))
            && raw_string_len(&c[i..]).is_some()
        {
            let n = raw_string_len(&c[i..]).unwrap_or(1);
            push(&mut stack, Tt::Lit(c[i..i + n].iter().collect()));
            i += n;
        } else if ch == 'r' && next == '#' && c.get(i + 2).is_some_and(|x| ident_char(*x)) {
            let start = i + 2;
            i = start;
            while i < c.len() && ident_char(c[i]) {
                i += 1;
            }
            push(&mut stack, Tt::Ident(c[start..i].iter().collect()));
        } else if ch == 'b' && next == '\'' {
            let start = i;
            i += 2;
            while i < c.len() && c[i] != '\'' {
                if c[i] == '\\' {
                    i += 1;
                }
                i += 1;
            }
            i += 1;
            push(
                &mut stack,
                Tt::Lit(c[start..i.min(c.len())].iter().collect()),
            );
        } else if ch == '\'' {
            // Char literal or lifetime.
            let start = i;
            if next == '\\' {
                i += 3;
                while i < c.len() && c[i] != '\'' {
                    i += 1;
                }
                i += 1;
            } else if c.get(i + 2) == Some(&'\'') {
                i += 3;
            } else {
                i += 1;
                while i < c.len() && ident_char(c[i]) {
                    i += 1;
                }
            }
            push(
                &mut stack,
                Tt::Lit(c[start..i.min(c.len())].iter().collect()),
            );
        } else if ch.is_ascii_digit() {
            let start = i;
            while i < c.len()
                && (ident_char(c[i])
                    || (c[i] == '.' && c.get(i + 1).is_some_and(|x| x.is_ascii_digit())))
            {
                i += 1;
            }
            push(&mut stack, Tt::Lit(c[start..i].iter().collect()));
        } else if ident_char(ch) {
            let start = i;
            while i < c.len() && ident_char(c[i]) {
                i += 1;
            }
            push(&mut stack, Tt::Ident(c[start..i].iter().collect()));
        } else if matches!(ch, '(' | '[' | '{') {
            stack.push((ch, Vec::new()));
            i += 1;
        } else if matches!(ch, ')' | ']' | '}') {
            let open = match ch {
                ')' => '(',
                ']' => '[',
                _ => '{',
            };
            let Some((d, toks)) = stack.pop() else {
                return Err(format!("unbalanced '{ch}'"));
            };
            if d != open || stack.is_empty() {
                return Err(format!("unbalanced '{ch}'"));
            }
            push(&mut stack, Tt::Group(d, toks));
            i += 1;
        } else {
            let rest: String = c[i..(i + 3).min(c.len())].iter().collect();
            let op = ["...", "->", "::", "=>", "..", "==", "!=", "&&", "||"]
                .into_iter()
                .find(|op| rest.starts_with(op))
                .unwrap_or("");
            let op = if op.is_empty() {
                ch.to_string()
            } else {
                op.to_owned()
            };
            i += op.chars().count();
            push(&mut stack, Tt::Punct(op));
        }
    }
    if stack.len() != 1 {
        return Err("unclosed group".into());
    }
    Ok(stack.pop().map(|(_, t)| t).unwrap_or_default())
}

fn push(stack: &mut [(char, Vec<Tt>)], t: Tt) {
    if let Some(top) = stack.last_mut() {
        top.1.push(t);
    }
}

/// Length of a raw (byte / C) string literal at the start of `c`, if there is one.
fn raw_string_len(c: &[char]) -> Option<usize> {
    let mut i = 0;
    if c.first() == Some(&'b') || c.first() == Some(&'c') {
        i += 1;
    }
    if c.get(i) != Some(&'r') {
        return None;
    }
    i += 1;
    let mut hashes = 0;
    while c.get(i) == Some(&'#') {
        hashes += 1;
        i += 1;
    }
    if c.get(i) != Some(&'"') {
        return None;
    }
    i += 1;
    while i < c.len() {
        if c[i] == '"' && (0..hashes).all(|k| c.get(i + 1 + k) == Some(&'#')) {
            return Some(i + 1 + hashes);
        }
        i += 1;
    }
    None
}

/// Splits at top-level occurrences of `sep` (angle brackets count as nesting).
fn split_top(tts: &[Tt], sep: &str) -> Vec<Vec<Tt>> {
    let mut out = vec![Vec::new()];
    let mut angle = 0i32;
    for t in tts {
        if t.is_punct("<") {
            angle += 1;
        } else if t.is_punct(">") {
            angle -= 1;
        } else if t.is_punct(sep) && angle <= 0 {
            out.push(Vec::new());
            continue;
        }
        if let Some(last) = out.last_mut() {
            last.push(t.clone());
        }
    }
    while out.last().is_some_and(|l| l.is_empty()) {
        out.pop();
    }
    out
}

fn render_tokens(tts: &[Tt]) -> String {
    let mut s = String::new();
    for t in tts {
        match t {
            Tt::Ident(x) | Tt::Lit(x) => {
                if s.ends_with(|c: char| c.is_alphanumeric() || c == '_' || c == '"') {
                    s.push(' ');
                }
                s.push_str(x);
            }
            Tt::Punct(p) => {
                s.push_str(p);
                if p == "," || p == ":" {
                    s.push(' ');
                }
            }
            Tt::Group(d, inner) => {
                let close = match d {
                    '(' => ')',
                    '[' => ']',
                    _ => '}',
                };
                s.push(*d);
                s.push_str(&render_tokens(inner));
                s.push(close);
            }
        }
    }
    s
}

// ---------------------------------------------------------------------------------------------
// Types

/// A normalised type.
#[derive(Clone, Debug, PartialEq)]
pub enum Ty {
    /// `*const T` (`mutable == false`) or `*mut T`.
    Ptr {
        /// `*mut`.
        mutable: bool,
        /// The pointee.
        inner: Box<Ty>,
    },
    /// A named type, normalised (see the module docs).
    Named(String),
    /// A function pointer.
    Fn {
        /// Wrapped in `Option` (NULL allowed).
        nullable: bool,
        /// The ABI string (`C` when `extern` has none; `Rust` without `extern`).
        abi: String,
        /// Parameter types.
        params: Vec<Ty>,
        /// Return type.
        ret: Box<Ty>,
    },
    /// `[T; N]`.
    Array(Box<Ty>, String),
    /// `()` / no return type.
    Unit,
    /// Anything else, as written.
    Other(String),
}

impl fmt::Display for Ty {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Ty::Ptr { mutable, inner } => {
                write!(f, "*{} {inner}", if *mutable { "mut" } else { "const" })
            }
            Ty::Named(n) => f.write_str(n),
            Ty::Fn {
                nullable,
                abi,
                params,
                ret,
            } => {
                let ps: Vec<String> = params.iter().map(|p| p.to_string()).collect();
                let r = if **ret == Ty::Unit {
                    String::new()
                } else {
                    format!(" -> {ret}")
                };
                let inner = format!("extern \"{abi}\" fn({}){r}", ps.join(", "));
                if *nullable {
                    write!(f, "Option<{inner}>")
                } else {
                    f.write_str(&inner)
                }
            }
            Ty::Array(t, n) => write!(f, "[{t}; {n}]"),
            Ty::Unit => f.write_str("()"),
            Ty::Other(s) => f.write_str(s),
        }
    }
}

/// The canonical spelling of a (path-stripped) type name.
pub fn canonical_name(name: &str) -> &str {
    match name {
        "c_schar" | "int8_t" => "i8",
        "c_uchar" | "uint8_t" => "u8",
        "c_short" | "int16_t" => "i16",
        "c_ushort" | "uint16_t" => "u16",
        "c_int" | "int32_t" => "i32",
        "c_uint" | "uint32_t" => "u32",
        "c_long" | "c_longlong" | "int64_t" => "i64",
        "c_ulong" | "c_ulonglong" | "uint64_t" => "u64",
        "c_float" => "f32",
        "c_double" => "f64",
        "size_t" | "uintptr_t" => "usize",
        "ssize_t" | "ptrdiff_t" | "intptr_t" | "c_ssize_t" | "c_ptrdiff_t" => "isize",
        other => other,
    }
}

/// Primitive (non-typedef) types after normalisation.
pub fn is_primitive(name: &str) -> bool {
    matches!(
        name,
        "i8" | "u8"
            | "i16"
            | "u16"
            | "i32"
            | "u32"
            | "i64"
            | "u64"
            | "i128"
            | "u128"
            | "isize"
            | "usize"
            | "bool"
            | "f32"
            | "f64"
            | "char"
            | "c_char"
            | "c_void"
            | "!"
    )
}

/// Parses a whole token slice as one type.
pub fn parse_type(tts: &[Tt]) -> Result<Ty, String> {
    let mut pos = 0;
    let t = parse_type_at(tts, &mut pos)?;
    if pos != tts.len() {
        return Err(format!(
            "unexpected tokens in type `{}`",
            render_tokens(tts)
        ));
    }
    Ok(t)
}

fn parse_type_at(tts: &[Tt], pos: &mut usize) -> Result<Ty, String> {
    let err = || format!("cannot read type `{}`", render_tokens(tts));
    let t = tts.get(*pos).ok_or_else(err)?;
    if t.is_punct("*") {
        *pos += 1;
        let mutable = match tts.get(*pos).and_then(Tt::ident) {
            Some("mut") => true,
            Some("const") => false,
            _ => return Err(err()),
        };
        *pos += 1;
        let inner = parse_type_at(tts, pos)?;
        return Ok(Ty::Ptr {
            mutable,
            inner: Box::new(inner),
        });
    }
    if t.is_punct("&") {
        *pos += 1;
        if matches!(tts.get(*pos), Some(Tt::Lit(l)) if l.starts_with('\'')) {
            *pos += 1;
        }
        let mutable = tts.get(*pos).is_some_and(|t| t.is_ident("mut"));
        if mutable {
            *pos += 1;
        }
        let inner = parse_type_at(tts, pos)?;
        return Ok(Ty::Ptr {
            mutable,
            inner: Box::new(inner),
        });
    }
    if t.is_punct("!") {
        *pos += 1;
        return Ok(Ty::Named("!".into()));
    }
    if let Some(inner) = t.group('(') {
        *pos += 1;
        return Ok(if inner.is_empty() {
            Ty::Unit
        } else {
            Ty::Other(format!("({})", render_tokens(inner)))
        });
    }
    if let Some(inner) = t.group('[') {
        *pos += 1;
        let parts = split_top(inner, ";");
        return Ok(if parts.len() == 2 {
            Ty::Array(Box::new(parse_type(&parts[0])?), render_tokens(&parts[1]))
        } else {
            Ty::Other(format!("[{}]", render_tokens(inner)))
        });
    }
    if t.is_ident("unsafe") || t.is_ident("extern") || t.is_ident("fn") {
        return parse_fn_ptr(tts, pos);
    }
    // A path, optionally with generic arguments on its last segment.
    let mut last;
    if t.is_punct("::") {
        *pos += 1;
    }
    loop {
        match tts.get(*pos) {
            Some(Tt::Ident(id)) if id != "dyn" && id != "impl" => {
                last = id.clone();
                *pos += 1;
            }
            _ => return Err(err()),
        }
        if tts.get(*pos).is_some_and(|t| t.is_punct("::")) {
            *pos += 1;
            continue;
        }
        break;
    }
    if tts.get(*pos).is_some_and(|t| t.is_punct("<")) {
        let start = *pos + 1;
        let mut depth = 1;
        *pos += 1;
        while *pos < tts.len() && depth > 0 {
            if tts[*pos].is_punct("<") {
                depth += 1;
            } else if tts[*pos].is_punct(">") {
                depth -= 1;
            }
            *pos += 1;
        }
        if depth != 0 {
            return Err(err());
        }
        let args = &tts[start..*pos - 1];
        let list = split_top(args, ",");
        if last == "Option" && list.len() == 1 {
            let args = list[0].as_slice();
            let inner = parse_type(args)?;
            return Ok(match inner {
                Ty::Fn {
                    abi, params, ret, ..
                } => Ty::Fn {
                    nullable: true,
                    abi,
                    params,
                    ret,
                },
                Ty::Ptr { .. } if args.first().is_some_and(|t| t.is_punct("&")) => inner,
                other => Ty::Other(format!("Option<{other}>")),
            });
        }
        return Ok(Ty::Other(format!("{last}<{}>", render_tokens(args))));
    }
    Ok(Ty::Named(canonical_name(&last).to_owned()))
}

fn parse_fn_ptr(tts: &[Tt], pos: &mut usize) -> Result<Ty, String> {
    let err = || format!("cannot read function pointer `{}`", render_tokens(tts));
    if tts.get(*pos).is_some_and(|t| t.is_ident("unsafe")) {
        *pos += 1;
    }
    let mut abi = "Rust".to_owned();
    if tts.get(*pos).is_some_and(|t| t.is_ident("extern")) {
        *pos += 1;
        abi = "C".into();
        if let Some(Tt::Lit(l)) = tts.get(*pos) {
            abi = l.trim_matches('"').to_owned();
            *pos += 1;
        }
    }
    if !tts.get(*pos).is_some_and(|t| t.is_ident("fn")) {
        return Err(err());
    }
    *pos += 1;
    let inner = tts.get(*pos).and_then(|t| t.group('(')).ok_or_else(err)?;
    *pos += 1;
    let mut params = Vec::new();
    for p in split_top(inner, ",") {
        let (_, ty) = split_param(&p)?;
        if let Some(ty) = ty {
            params.push(ty);
        }
    }
    let ret = if tts.get(*pos).is_some_and(|t| t.is_punct("->")) {
        *pos += 1;
        parse_type_at(tts, pos)?
    } else {
        Ty::Unit
    };
    Ok(Ty::Fn {
        nullable: false,
        abi,
        params,
        ret: Box::new(ret),
    })
}

/// `name: Type` or a bare `Type` (function pointers) -> (name, type); `None` for `...`.
fn split_param(p: &[Tt]) -> Result<(String, Option<Ty>), String> {
    if p.len() == 1 && p[0].is_punct("...") {
        return Ok(("...".into(), None));
    }
    let colon = p.iter().position(|t| t.is_punct(":"));
    match colon {
        Some(c) => {
            let name = p[..c]
                .iter()
                .rev()
                .find_map(Tt::ident)
                .unwrap_or("_")
                .to_owned();
            Ok((name, Some(parse_type(&p[c + 1..])?)))
        }
        None => Ok((String::new(), Some(parse_type(p)?))),
    }
}

// ---------------------------------------------------------------------------------------------
// Items

/// One function declaration.
#[derive(Clone, Debug)]
pub struct FnDecl {
    /// Symbol name (`#[export_name]` applied).
    pub name: String,
    /// `(name, type)` per parameter.
    pub params: Vec<(String, Ty)>,
    /// Return type (`Unit` when none).
    pub ret: Ty,
    /// ABI string of the item (`C` for bindgen's foreign items).
    pub abi: String,
    /// Declared `pub`.
    pub is_pub: bool,
    /// Has `#[no_mangle]` / `#[unsafe(no_mangle)]` / `#[export_name]` (always true for headers).
    pub exported: bool,
    /// Where it was found (file, or header).
    pub origin: String,
}

/// How `cfg` predicates other than `ros_distro` are decided: `(key, Some(value))` for
/// `key = "value"`, `(name, None)` for a bare name.
pub type CfgFn<'a> = &'a dyn Fn(&str, Option<&str>) -> bool;

/// Everything collected from a set of files (ours) or from bindgen's output (the headers').
#[derive(Default)]
pub struct Collected {
    /// Function items: for ours `extern "C"` items, for the headers foreign items.
    pub fns: Vec<FnDecl>,
    /// `pub type NAME = TYPE;` aliases (first definition wins).
    pub aliases: HashMap<String, Ty>,
    /// `pub const NAME: &[&str] = &["..", ..]` lists, or `= OTHER_LIST` references.
    pub str_lists: HashMap<String, Result<Vec<String>, String>>,
    /// Modules declared with `mod NAME;` that are active, in order.
    pub file_mods: Vec<String>,
    /// Problems reading items (unreadable types); reported by the caller.
    pub problems: Vec<String>,
}

type Macro = Vec<(Vec<Tt>, Vec<Tt>)>;

struct Walker<'a> {
    distro: &'a str,
    cfg: CfgFn<'a>,
    macros: HashMap<String, Macro>,
    origin: String,
}

impl Walker<'_> {
    fn cfg_true(&self, pred: &[Tt]) -> bool {
        let Some(name) = pred.first().and_then(Tt::ident) else {
            return false;
        };
        if let Some(args) = pred.get(1).and_then(|t| t.group('(')) {
            let parts = split_top(args, ",");
            return match name {
                "not" => !parts.first().is_some_and(|p| self.cfg_true(p)),
                "all" => parts.iter().all(|p| self.cfg_true(p)),
                "any" => parts.iter().any(|p| self.cfg_true(p)),
                _ => false,
            };
        }
        if pred.get(1).is_some_and(|t| t.is_punct("=")) {
            let value = match pred.get(2) {
                Some(Tt::Lit(l)) => l.trim_matches('"').to_owned(),
                _ => return false,
            };
            if name == "ros_distro" {
                return value == self.distro;
            }
            return (self.cfg)(name, Some(&value));
        }
        (self.cfg)(name, None)
    }

    /// `false` when one of the attributes is a `cfg` that does not hold.
    fn attrs_active(&self, attrs: &[Vec<Tt>]) -> bool {
        attrs.iter().all(|a| {
            match (
                a.first().and_then(Tt::ident),
                a.get(1).and_then(|t| t.group('(')),
            ) {
                (Some("cfg"), Some(pred)) => self.cfg_true(pred),
                _ => true,
            }
        })
    }

    /// Walks the items of one level (file, module body, foreign block, macro expansion).
    fn walk(&mut self, tts: &[Tt], foreign: bool, out: &mut Collected, depth: usize) {
        if depth > 16 {
            out.problems
                .push(format!("{}: items nested too deeply", self.origin));
            return;
        }
        let mut i = 0;
        while i < tts.len() {
            let mut attrs: Vec<Vec<Tt>> = Vec::new();
            loop {
                if tts.get(i).is_some_and(|t| t.is_punct("#")) {
                    if tts.get(i + 1).is_some_and(|t| t.is_punct("!"))
                        && tts.get(i + 2).and_then(|t| t.group('[')).is_some()
                    {
                        i += 3;
                        continue;
                    }
                    if let Some(a) = tts.get(i + 1).and_then(|t| t.group('[')) {
                        attrs.push(a.to_vec());
                        i += 2;
                        continue;
                    }
                }
                break;
            }
            let start = i;
            while i < tts.len() {
                let t = &tts[i];
                i += 1;
                if t.is_punct(";") || t.group('{').is_some() {
                    break;
                }
            }
            let item = &tts[start..i];
            if item.is_empty() || !self.attrs_active(&attrs) {
                continue;
            }
            self.item(item, &attrs, foreign, out, depth);
        }
    }

    fn item(
        &mut self,
        item: &[Tt],
        attrs: &[Vec<Tt>],
        foreign: bool,
        out: &mut Collected,
        depth: usize,
    ) {
        // Visibility.
        let mut k = 0;
        let is_pub = item.first().is_some_and(|t| t.is_ident("pub"));
        if is_pub {
            k = 1;
            if item.get(1).and_then(|t| t.group('(')).is_some() {
                k = 2;
            }
        }
        let rest = &item[k..];
        let head = rest.first().and_then(Tt::ident).unwrap_or("");
        // macro_rules! name { arms }
        if head == "macro_rules" && rest.get(1).is_some_and(|t| t.is_punct("!")) {
            if let (Some(name), Some(body)) = (
                rest.get(2).and_then(Tt::ident),
                rest.get(3).and_then(|t| t.group('{').or(t.group('('))),
            ) {
                self.macros.insert(name.to_owned(), macro_arms(body));
            }
            return;
        }
        // name!( .. ); / name! { .. }
        if k == 0 && rest.get(1).is_some_and(|t| t.is_punct("!")) {
            if let Some(args) = rest.get(2).and_then(|t| match t {
                Tt::Group(_, v) => Some(v.as_slice()),
                _ => None,
            }) {
                if let Some(arms) = self.macros.get(head).cloned() {
                    if let Some(expanded) = expand(&arms, args) {
                        self.walk(&expanded, foreign, out, depth + 1);
                    } else {
                        out.problems.push(format!(
                            "{}: `{head}!` invocation matches none of its arms (as read by the \
                             ABI check)",
                            self.origin
                        ));
                    }
                }
            }
            return;
        }
        match head {
            "mod" => {
                if let Some(name) = rest.get(1).and_then(Tt::ident) {
                    match rest.get(2) {
                        Some(Tt::Group('{', body)) => {
                            let body = body.clone();
                            self.walk(&body, foreign, out, depth + 1);
                        }
                        _ => out.file_mods.push(name.to_owned()),
                    }
                }
                return;
            }
            "type" => {
                if let (Some(name), Some(eq)) = (
                    rest.get(1).and_then(Tt::ident),
                    rest.iter().position(|t| t.is_punct("=")),
                ) {
                    let end =
                        rest.len() - usize::from(rest.last().is_some_and(|t| t.is_punct(";")));
                    if eq < end {
                        match parse_type(&rest[eq + 1..end]) {
                            Ok(t) => {
                                out.aliases.entry(name.to_owned()).or_insert(t);
                            }
                            Err(_) => {
                                // An alias we cannot read is only a problem if it is consulted.
                            }
                        }
                    }
                }
                return;
            }
            "const" | "static" => {
                if let Some(name) = rest.get(1).and_then(Tt::ident) {
                    if let Some(eq) = rest.iter().position(|t| t.is_punct("=")) {
                        let value = &rest[eq + 1..];
                        let list = match value {
                            [Tt::Punct(a), Tt::Group('[', elems), ..] if a == "&" => Ok(elems
                                .iter()
                                .filter_map(|t| match t {
                                    Tt::Lit(l) if l.starts_with('"') => {
                                        Some(l.trim_matches('"').to_owned())
                                    }
                                    _ => None,
                                })
                                .collect()),
                            [Tt::Ident(other), ..] => Err(other.clone()),
                            _ => return,
                        };
                        out.str_lists.entry(name.to_owned()).or_insert(list);
                    }
                }
                return;
            }
            _ => {}
        }
        // Foreign block: [unsafe] extern "ABI" { .. }
        let fb = usize::from(head == "unsafe");
        if rest.get(fb).is_some_and(|t| t.is_ident("extern")) {
            let body = match (rest.get(fb + 1), rest.get(fb + 2)) {
                (Some(Tt::Lit(_)), Some(Tt::Group('{', b))) => Some(b),
                (Some(Tt::Group('{', b)), _) => Some(b),
                _ => None,
            };
            if let Some(body) = body {
                let body = body.clone();
                self.walk(&body, true, out, depth + 1);
                return;
            }
        }
        // Functions.
        let Some(fpos) = rest.iter().position(|t| t.is_ident("fn")) else {
            return;
        };
        let (Some(name), Some(params)) = (
            rest.get(fpos + 1).and_then(Tt::ident),
            rest.get(fpos + 2).and_then(|t| t.group('(')),
        ) else {
            return;
        };
        // Qualifiers before `fn`: const / async / unsafe / extern "ABI".
        let quals = &rest[..fpos];
        if !quals.iter().all(|t| {
            matches!(t, Tt::Lit(_))
                || ["const", "async", "unsafe", "extern", "safe"]
                    .iter()
                    .any(|q| t.is_ident(q))
        }) {
            return;
        }
        let abi = match quals.iter().position(|t| t.is_ident("extern")) {
            Some(e) => match quals.get(e + 1) {
                Some(Tt::Lit(l)) => l.trim_matches('"').to_owned(),
                _ => "C".to_owned(),
            },
            None if foreign => "C".to_owned(),
            None => return, // A Rust-ABI function: not an exported C entry point.
        };
        let mut export_name = None;
        let mut exported = foreign;
        for a in attrs {
            let inner: &[Tt] = match (a.first(), a.get(1)) {
                (Some(t), Some(Tt::Group('(', v))) if t.is_ident("unsafe") => v,
                _ => a,
            };
            if inner.first().is_some_and(|t| t.is_ident("no_mangle")) {
                exported = true;
            }
            if inner.first().is_some_and(|t| t.is_ident("export_name")) {
                if let Some(Tt::Lit(l)) = inner.get(2) {
                    export_name = Some(l.trim_matches('"').to_owned());
                    exported = true;
                }
            }
        }
        let sym = export_name.unwrap_or_else(|| name.to_owned());
        let decl = (|| -> Result<FnDecl, String> {
            let mut ps = Vec::new();
            for p in split_top(params, ",") {
                // Parameter attributes (#[cfg] on parameters).
                let mut j = 0;
                let mut pattrs = Vec::new();
                while p.get(j).is_some_and(|t| t.is_punct("#")) {
                    if let Some(a) = p.get(j + 1).and_then(|t| t.group('[')) {
                        pattrs.push(a.to_vec());
                    }
                    j += 2;
                }
                if !self.attrs_active(&pattrs) {
                    continue;
                }
                let (pname, ty) = split_param(&p[j.min(p.len())..])?;
                if let Some(ty) = ty {
                    ps.push((pname, ty));
                }
            }
            let after = &rest[fpos + 3..];
            let ret = if after.first().is_some_and(|t| t.is_punct("->")) {
                let end = after
                    .iter()
                    .position(|t| t.is_ident("where") || t.is_punct(";") || t.group('{').is_some())
                    .unwrap_or(after.len());
                parse_type(&after[1..end])?
            } else {
                Ty::Unit
            };
            Ok(FnDecl {
                name: sym.clone(),
                params: ps,
                ret,
                abi,
                is_pub,
                exported,
                origin: self.origin.clone(),
            })
        })();
        match decl {
            Ok(d) => out.fns.push(d),
            Err(e) => out.problems.push(format!("{}: fn {sym}: {e}", self.origin)),
        }
    }
}

/// `(pattern) => {body}` arms of a `macro_rules!` body.
fn macro_arms(body: &[Tt]) -> Macro {
    let mut arms = Vec::new();
    let mut i = 0;
    loop {
        match (body.get(i), body.get(i + 1), body.get(i + 2)) {
            (Some(Tt::Group(_, pat)), Some(arrow), Some(Tt::Group(_, b)))
                if arrow.is_punct("=>") =>
            {
                arms.push((pat.clone(), b.clone()));
                i += 3;
                if body.get(i).is_some_and(|t| t.is_punct(";")) {
                    i += 1;
                }
            }
            _ => break,
        }
    }
    arms
}

/// Drops `$( .. ) sep? op` repetitions.
fn drop_repetitions(tts: &[Tt]) -> Vec<Tt> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < tts.len() {
        if tts[i].is_punct("$") && tts.get(i + 1).and_then(|t| t.group('(')).is_some() {
            i += 2;
            let is_op = |t: Option<&Tt>| {
                t.is_some_and(|t| t.is_punct("*") || t.is_punct("+") || t.is_punct("?"))
            };
            if is_op(tts.get(i)) {
                i += 1;
            } else if matches!(tts.get(i), Some(Tt::Punct(_))) && is_op(tts.get(i + 1)) {
                i += 2;
            }
            continue;
        }
        out.push(tts[i].clone());
        i += 1;
    }
    out
}

/// Expands an invocation with the first arm whose comma-separated pattern matches.
fn expand(arms: &Macro, args: &[Tt]) -> Option<Vec<Tt>> {
    // Invocation attributes (`#[doc]`) belong to `$(#[$m:meta])*` repetitions, dropped here too.
    let mut plain = Vec::new();
    let mut i = 0;
    while i < args.len() {
        if args[i].is_punct("#") && args.get(i + 1).and_then(|t| t.group('[')).is_some() {
            i += 2;
            continue;
        }
        plain.push(args[i].clone());
        i += 1;
    }
    let given = split_top(&plain, ",");
    'arms: for (pat, body) in arms {
        let segs = split_top(&drop_repetitions(pat), ",");
        if segs.len() != given.len() {
            continue;
        }
        let mut caps: HashMap<String, Vec<Tt>> = HashMap::new();
        for (s, g) in segs.iter().zip(&given) {
            match s.as_slice() {
                [d, Tt::Ident(name), c, Tt::Ident(_)] if d.is_punct("$") && c.is_punct(":") => {
                    if g.is_empty() {
                        continue 'arms;
                    }
                    caps.insert(name.clone(), g.clone());
                }
                lit => {
                    if lit != g.as_slice() {
                        continue 'arms;
                    }
                }
            }
        }
        return Some(substitute(&drop_repetitions(body), &caps));
    }
    None
}

fn substitute(tts: &[Tt], caps: &HashMap<String, Vec<Tt>>) -> Vec<Tt> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < tts.len() {
        match (&tts[i], tts.get(i + 1)) {
            (d, Some(Tt::Ident(n))) if d.is_punct("$") => {
                if let Some(v) = caps.get(n) {
                    out.extend(v.iter().cloned());
                } else {
                    out.push(Tt::Ident(n.clone()));
                }
                i += 2;
                continue;
            }
            (Tt::Group(d, inner), _) => out.push(Tt::Group(*d, substitute(inner, caps))),
            (t, _) => out.push(t.clone()),
        }
        i += 1;
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Reading our sources and bindgen's output

/// Reads a module tree: `root` (a `mod.rs`) and the files of its active `mod x;` declarations
/// (`x.rs` or `x/mod.rs` next to it). With `glob_filter`, a child module that only has
/// inactive `pub use x::*` re-exports (a distro module not selected) is left out.
pub fn collect_tree(
    root: &Path,
    distro: &str,
    cfg: CfgFn<'_>,
    glob_filter: bool,
) -> Result<(Collected, Vec<PathBuf>), String> {
    let mut walker = Walker {
        distro,
        cfg,
        macros: HashMap::new(),
        origin: String::new(),
    };
    let mut files = Vec::new();
    let mut pending = vec![root.to_path_buf()];
    let mut parsed: Vec<(PathBuf, Vec<Tt>)> = Vec::new();
    // First pass: tokens and module structure; macros are collected from every file.
    while let Some(path) = pending.pop() {
        let text = std::fs::read_to_string(&path)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        let tts =
            tokenize(&text).map_err(|e| format!("cannot tokenize {}: {e}", path.display()))?;
        let mut probe = Collected::default();
        walker.origin = path.display().to_string();
        walker.walk(&tts, false, &mut probe, 0);
        let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
        let is_root_like = path.file_name().is_some_and(|n| n == "mod.rs");
        for m in &probe.file_mods {
            if glob_filter && is_root_like {
                let uses: Vec<bool> = glob_use_activity(&tts, m, &walker);
                if !uses.is_empty() && !uses.iter().any(|a| *a) {
                    continue;
                }
            }
            let base = if is_root_like {
                dir.clone()
            } else {
                dir.join(path.file_stem().unwrap_or_default())
            };
            let file = base.join(format!("{m}.rs"));
            let file = if file.is_file() {
                file
            } else {
                base.join(m).join("mod.rs")
            };
            pending.push(file);
        }
        parsed.push((path, tts));
    }
    parsed.sort_by(|a, b| a.0.cmp(&b.0));
    let mut out = Collected::default();
    for (path, tts) in &parsed {
        walker.origin = path.display().to_string();
        walker.walk(tts, false, &mut out, 0);
        files.push(path.clone());
    }
    Ok((out, files))
}

/// For module `m` declared in `tts`: the activity of each `pub use m::*` item (cfg included).
fn glob_use_activity(tts: &[Tt], m: &str, w: &Walker<'_>) -> Vec<bool> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < tts.len() {
        let mut attrs = Vec::new();
        while tts.get(i).is_some_and(|t| t.is_punct("#")) {
            if let Some(a) = tts.get(i + 1).and_then(|t| t.group('[')) {
                attrs.push(a.to_vec());
            }
            i += 2;
        }
        let start = i;
        while i < tts.len() && !tts[i].is_punct(";") && tts[i].group('{').is_none() {
            i += 1;
        }
        let item = &tts[start..i.min(tts.len())];
        i += 1;
        if item.len() == 5
            && item[0].is_ident("pub")
            && item[1].is_ident("use")
            && item[2].is_ident(m)
            && item[3].is_punct("::")
            && item[4].is_punct("*")
        {
            out.push(w.attrs_active(&attrs));
        }
    }
    out
}

/// Reads one piece of Rust source text (`origin` names it in messages).
pub fn collect_str(
    text: &str,
    origin: &str,
    distro: &str,
    cfg: CfgFn<'_>,
) -> Result<Collected, String> {
    let tts = tokenize(text).map_err(|e| format!("cannot tokenize {origin}: {e}"))?;
    let mut w = Walker {
        distro,
        cfg,
        macros: HashMap::new(),
        origin: origin.to_owned(),
    };
    let mut out = Collected::default();
    w.walk(&tts, false, &mut out, 0);
    Ok(out)
}

/// Reads bindgen's output: foreign functions and `pub type` aliases.
pub fn collect_bindings(text: &str) -> Result<Collected, String> {
    collect_str(text, "bindgen output", "", &|_, _| false)
}

/// The `EXPORTED_SYMBOLS` list for `distro` from `src/sys/symbols.rs`'s text.
pub fn exported_symbols(symbols_rs: &str, distro: &str) -> Result<Vec<String>, String> {
    let tts = tokenize(symbols_rs)?;
    let no_cfg = |_: &str, _: Option<&str>| false;
    let mut w = Walker {
        distro,
        cfg: &no_cfg,
        macros: HashMap::new(),
        origin: "symbols.rs".into(),
    };
    let mut out = Collected::default();
    w.walk(&tts, false, &mut out, 0);
    let mut name = "EXPORTED_SYMBOLS".to_owned();
    for _ in 0..8 {
        match out.str_lists.get(&name) {
            Some(Ok(list)) => return Ok(list.clone()),
            Some(Err(other)) => name = other.clone(),
            None => break,
        }
    }
    Err(format!(
        "no EXPORTED_SYMBOLS list for ROS_DISTRO={distro} in src/sys/symbols.rs"
    ))
}

// ---------------------------------------------------------------------------------------------
// Comparison

/// Both sides' aliases: the headers' (authoritative for C names) and ours.
pub struct Aliases<'a> {
    /// From bindgen's output.
    pub header: &'a HashMap<String, Ty>,
    /// From `src/sys`.
    pub ours: &'a HashMap<String, Ty>,
}

/// Which side a type comes from.
#[derive(Clone, Copy)]
enum Side {
    Header,
    Ours,
}

impl Aliases<'_> {
    fn lookup(&self, side: Side, name: &str) -> Option<&Ty> {
        match side {
            Side::Header => self.header.get(name).or_else(|| self.ours.get(name)),
            Side::Ours => self.ours.get(name).or_else(|| self.header.get(name)),
        }
    }

    /// Names along the typedef chain of `name`, up to the first non-name or primitive.
    fn chain(&self, side: Side, name: &str) -> Vec<String> {
        let mut out = vec![name.to_owned()];
        let mut cur = name.to_owned();
        for _ in 0..16 {
            match self.lookup(side, &cur) {
                Some(Ty::Named(n)) if !is_primitive(n) && !out.contains(n) => {
                    out.push(n.clone());
                    cur = n.clone();
                }
                _ => break,
            }
        }
        out
    }

    /// Follows typedefs to what they finally stand for.
    fn resolve(&self, side: Side, t: &Ty) -> Ty {
        let mut cur = t.clone();
        for _ in 0..16 {
            match &cur {
                Ty::Named(n) if !is_primitive(n) => match self.lookup(side, n) {
                    Some(next) if next != &cur => cur = next.clone(),
                    _ => break,
                },
                _ => break,
            }
        }
        cur
    }

    /// `T`, or `T (= what it stands for)` for a typedef of a pointer / function pointer.
    fn show(&self, side: Side, t: &Ty) -> String {
        match (t, self.resolve(side, t)) {
            (Ty::Named(_), r @ (Ty::Ptr { .. } | Ty::Fn { .. } | Ty::Array(..))) => {
                format!("{t} (= {r})")
            }
            _ => t.to_string(),
        }
    }

    /// Whether header type `h` and our type `o` are the same under the rules of the module docs.
    pub fn same(&self, h: &Ty, o: &Ty) -> bool {
        self.same_at(h, o, 0)
    }

    fn same_at(&self, h: &Ty, o: &Ty, depth: usize) -> bool {
        if depth > 32 {
            return false;
        }
        match (h, o) {
            (Ty::Named(a), Ty::Named(b)) if a == b => true,
            (Ty::Named(a), Ty::Named(b)) if !is_primitive(a) && !is_primitive(b) => {
                let ha = self.chain(Side::Header, a);
                let ob = self.chain(Side::Ours, b);
                ha.iter().any(|n| ob.contains(n))
            }
            (Ty::Named(_), _) | (_, Ty::Named(_)) => {
                let (rh, ro) = (self.resolve(Side::Header, h), self.resolve(Side::Ours, o));
                if &rh == h && &ro == o {
                    return false;
                }
                self.same_at(&rh, &ro, depth + 1)
            }
            (
                Ty::Ptr {
                    mutable: m1,
                    inner: i1,
                },
                Ty::Ptr {
                    mutable: m2,
                    inner: i2,
                },
            ) => m1 == m2 && self.same_at(i1, i2, depth + 1),
            (
                Ty::Fn {
                    nullable: n1,
                    abi: a1,
                    params: p1,
                    ret: r1,
                },
                Ty::Fn {
                    nullable: n2,
                    abi: a2,
                    params: p2,
                    ret: r2,
                },
            ) => {
                n1 == n2
                    && a1 == a2
                    && p1.len() == p2.len()
                    && p1
                        .iter()
                        .zip(p2)
                        .all(|(x, y)| self.same_at(x, y, depth + 1))
                    && self.same_at(r1, r2, depth + 1)
            }
            (Ty::Array(t1, n1), Ty::Array(t2, n2)) => n1 == n2 && self.same_at(t1, t2, depth + 1),
            (Ty::Unit, Ty::Unit) => true,
            (Ty::Other(a), Ty::Other(b)) => a == b,
            _ => false,
        }
    }
}

/// The outcome of comparing one distro's functions.
#[derive(Debug, Default)]
pub struct Report {
    /// Functions whose signatures match.
    pub matched: Vec<String>,
    /// Mismatches and missing definitions: the build fails on any.
    pub errors: Vec<String>,
    /// Required functions the headers do not declare (not compared).
    pub not_in_headers: Vec<String>,
}

/// Compares every function of `required` (the distro's `EXPORTED_SYMBOLS`) plus every other
/// exported `rmw_*` function of ours that the headers declare.
///
/// `header_of` names the header that declares a function (for messages).
pub fn compare(
    required: &[String],
    headers: &Collected,
    ours: &Collected,
    our_aliases: &HashMap<String, Ty>,
    header_of: &dyn Fn(&str) -> String,
) -> Report {
    let mut report = Report::default();
    let aliases = Aliases {
        header: &headers.aliases,
        ours: our_aliases,
    };
    let mut hfns: BTreeMap<&str, &FnDecl> = BTreeMap::new();
    for f in &headers.fns {
        hfns.entry(f.name.as_str()).or_insert(f);
    }
    let mut ofns: BTreeMap<&str, Vec<&FnDecl>> = BTreeMap::new();
    for f in &ours.fns {
        if f.exported && f.name.starts_with("rmw_") {
            ofns.entry(f.name.as_str()).or_default().push(f);
        }
    }
    let mut names: Vec<&str> = required.iter().map(String::as_str).collect();
    for n in ofns.keys() {
        if !names.contains(n) && hfns.contains_key(n) {
            names.push(n);
        }
    }
    for name in names {
        let Some(h) = hfns.get(name) else {
            report.not_in_headers.push(name.to_owned());
            continue;
        };
        let header = header_of(name);
        let o = match ofns.get(name).map(Vec::as_slice) {
            None | Some([]) => {
                report.errors.push(format!(
                    "{name}: declared in {header} (and exported for this distro) but not defined \
                     as `#[no_mangle] pub extern \"C\" fn {name}` in rmw_hazcat's src/api"
                ));
                continue;
            }
            Some([one]) => *one,
            Some([first, second, ..]) => {
                report.errors.push(format!(
                    "{name}: defined more than once in rmw_hazcat ({} and {})",
                    first.origin, second.origin
                ));
                continue;
            }
        };
        let before = report.errors.len();
        if !o.is_pub {
            report
                .errors
                .push(format!("{name}: not `pub` in rmw_hazcat ({})", o.origin));
        }
        if o.abi != "C" {
            report.errors.push(format!(
                "{name}: extern \"{}\" in rmw_hazcat, extern \"C\" in {header}",
                o.abi
            ));
        }
        if h.params.len() != o.params.len() {
            report.errors.push(format!(
                "{name}: {} parameters in {header} ({}) but {} in rmw_hazcat ({})",
                h.params.len(),
                render_params(&h.params),
                o.params.len(),
                render_params(&o.params),
            ));
        } else {
            for (k, ((hn, ht), (on, ot))) in h.params.iter().zip(&o.params).enumerate() {
                if !aliases.same(ht, ot) {
                    let pname = if hn.is_empty() || is_unnamed(hn) {
                        on
                    } else {
                        hn
                    };
                    report.errors.push(format!(
                        "{name}: parameter {} ({pname}) is {} in {header} but {} in rmw_hazcat",
                        k + 1,
                        aliases.show(Side::Header, ht),
                        aliases.show(Side::Ours, ot),
                    ));
                }
            }
        }
        if !aliases.same(&h.ret, &o.ret) {
            report.errors.push(format!(
                "{name}: return type is {} in {header} but {} in rmw_hazcat",
                aliases.show(Side::Header, &h.ret),
                aliases.show(Side::Ours, &o.ret),
            ));
        }
        if report.errors.len() == before {
            report.matched.push(name.to_owned());
        }
    }
    report
}

/// bindgen's names for unnamed C parameters: `arg1`, `arg2`, ...
fn is_unnamed(n: &str) -> bool {
    n.strip_prefix("arg")
        .is_some_and(|d| !d.is_empty() && d.chars().all(|c| c.is_ascii_digit()))
}

fn render_params(ps: &[(String, Ty)]) -> String {
    ps.iter()
        .map(|(n, t)| format!("{n}: {t}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The header (relative to its include directory, e.g. `rmw/rmw.h`) whose text declares
/// `name` (`name` followed by `(`), among `headers` = `(relative name, text)`.
pub fn declaring_header(headers: &[(String, String)], name: &str) -> Option<String> {
    for (rel, text) in headers {
        let mut from = 0;
        while let Some(p) = text[from..].find(name) {
            let at = from + p;
            let before_ok = text[..at]
                .chars()
                .next_back()
                .is_none_or(|c| !(c.is_alphanumeric() || c == '_'));
            let after = text[at + name.len()..].trim_start();
            if before_ok && after.starts_with('(') {
                return Some(rel.clone());
            }
            from = at + name.len();
        }
    }
    None
}
