//! Selects the ROS distro ABI (`cfg(ros_distro = "...")`) from `ROS_DISTRO` (default: jazzy),
//! then checks our ABI against the installed ROS / rcutils headers.
//!
//! Headers are looked up in every `AMENT_PREFIX_PATH` entry's `include/` (both the flat and the
//! `include/<pkg>/<pkg>/` layouts) and in `/usr/include` (Debian:
//! `/usr/include/rcutils/rcutils/...`). bindgen (libclang loaded at run time) reads them.
//!
//! - Structs and constants: for every struct and constant in our table (`src/sys/layouts.rs`)
//!   that the installed rcutils / rmw / rosidl_runtime_c headers define, size, alignment, field
//!   offsets and values must equal the table's, else the build panics naming the struct and
//!   field. The crate asserts at compile time that its own declarations equal the same table,
//!   so our types equal the headers'.
//! - Functions (when `rmw/rmw.h` is installed): every `rmw/*.h` of that include directory is
//!   read with the `rmw_*` functions allowlisted; each function of the distro's
//!   `EXPORTED_SYMBOLS` (`src/sys/symbols.rs`), and every other `#[no_mangle]` `rmw_*` function
//!   of ours the headers declare, must be defined in `src/api/` with the header's parameter
//!   count, return type, pointer structure / constness and named types (the rules and
//!   normalisation are in `build/abi_fns.rs`); a mismatch, or a header-declared required
//!   function we do not define, fails the build naming function, parameter and both types.
//!   Required functions the headers do not declare (an older point release) are listed in a
//!   warning.
//!
//! No libclang, or headers bindgen cannot parse: a `cargo:warning` and that part is not checked
//! (rmw headers that fail together are retried one by one; those that still fail are skipped).
//! `HAZCAT_SKIP_ABI_CHECK=1` skips the check. `HAZCAT_REQUIRE_ABI_CHECK=1` (CI, against real
//! ROS headers) makes it mandatory: any part skipped or incomplete fails the build.
//!
//! `ROS_DISTRO=rolling` builds the newest ABI we know (lyrical) with a warning; any other
//! unknown distro fails the build with one line.

#[path = "build/abi_fns.rs"]
mod abi_fns;

use std::collections::HashMap;
use std::path::PathBuf;

fn main() {
    println!("cargo:rerun-if-env-changed=ROS_DISTRO");
    println!("cargo:rerun-if-env-changed=AMENT_PREFIX_PATH");
    println!("cargo:rerun-if-env-changed=HAZCAT_SKIP_ABI_CHECK");
    println!("cargo:rerun-if-env-changed=HAZCAT_REQUIRE_ABI_CHECK");
    println!("cargo:rerun-if-env-changed=LIBCLANG_PATH");
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-changed=src/sys/layouts.rs");
    let requested = std::env::var("ROS_DISTRO").unwrap_or_else(|_| "jazzy".to_owned());
    let distro = match requested.as_str() {
        "jazzy" | "humble" | "kilted" | "lyrical" => requested,
        "rolling" => {
            println!(
                "cargo:warning=ROS_DISTRO=rolling: building the newest ABI rmw_hazcat knows \
                 (lyrical); the ABI check against the installed headers tells whether it fits"
            );
            "lyrical".to_owned()
        }
        other => {
            eprintln!(
                "error: unsupported ROS_DISTRO '{other}': rmw_hazcat_rs builds for humble, jazzy, \
                 kilted, lyrical (and rolling, as lyrical)"
            );
            std::process::exit(1);
        }
    };
    println!("cargo:rustc-cfg=ros_distro=\"{distro}\"");
    println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,librmw_hazcat_rs.so");
    build_typesupport_shim();

    if std::env::var("HAZCAT_SKIP_ABI_CHECK").is_ok_and(|v| v == "1") {
        println!(
            "cargo:warning=HAZCAT_SKIP_ABI_CHECK=1: ABI check against installed headers skipped"
        );
        return;
    }
    abi::check(&distro);
}

mod abi {
    use super::*;

    /// One struct of the reference table.
    pub struct StructLayout {
        pub distros: &'static [&'static str],
        pub name: &'static str,
        pub size: usize,
        pub align: usize,
        pub fields: &'static [(&'static str, usize)],
    }

    /// One constant of the reference table.
    pub struct ConstValue {
        pub distros: &'static [&'static str],
        pub name: &'static str,
        pub value: i128,
    }

    macro_rules! struct_layouts {
        ($( [$($distro:ident)+] $ty:ident ($size:literal, $align:literal)
            { $($field:ident : $offset:literal),* $(,)? } )*) => {
            pub const STRUCTS: &[StructLayout] = &[$(StructLayout {
                distros: &[$(stringify!($distro)),+],
                name: stringify!($ty),
                size: $size,
                align: $align,
                fields: &[$((stringify!($field), $offset)),*],
            }),*];
        };
    }

    macro_rules! const_values {
        ($( [$($distro:ident)+] $name:ident = $value:literal ),* $(,)?) => {
            pub const CONSTS: &[ConstValue] = &[$(ConstValue {
                distros: &[$(stringify!($distro)),+],
                name: stringify!($name),
                value: $value,
            }),*];
        };
    }

    include!("src/sys/layouts.rs");

    /// Headers fed to bindgen, each only when it is installed.
    const HEADERS: &[&str] = &[
        "rcutils/allocator.h",
        "rcutils/error_handling.h",
        "rcutils/logging.h",
        "rcutils/time.h",
        "rcutils/types/rcutils_ret.h",
        "rcutils/types/string_array.h",
        "rcutils/types/uint8_array.h",
        "rosidl_runtime_c/type_hash.h",
        "rmw/rmw.h",
        "rmw/types.h",
        "rmw/init.h",
        "rmw/init_options.h",
        "rmw/event.h",
        "rmw/events_statuses/events_statuses.h",
        "rmw/features.h",
        "rmw/discovery_options.h",
        "rmw/localhost.h",
        "rmw/names_and_types.h",
        "rmw/message_sequence.h",
        "rmw/network_flow_endpoint_array.h",
        "rmw/qos_profiles.h",
        "rmw/security_options.h",
        "rmw/subscription_content_filter_options.h",
        "rmw/topic_endpoint_info_array.h",
        "rmw/service_endpoint_info_array.h",
    ];

    /// Include directories: `<root>` and every `<root>/<pkg>` that holds `<root>/<pkg>/<pkg>`.
    fn include_dirs() -> Vec<PathBuf> {
        let mut roots: Vec<PathBuf> = std::env::var_os("AMENT_PREFIX_PATH")
            .map(|v| {
                std::env::split_paths(&v)
                    .map(|p| p.join("include"))
                    .collect()
            })
            .unwrap_or_default();
        roots.push(PathBuf::from("/usr/include"));
        let mut dirs = Vec::new();
        for root in roots {
            if !root.is_dir() {
                continue;
            }
            dirs.push(root.clone());
            let Ok(entries) = std::fs::read_dir(&root) else {
                continue;
            };
            let mut nested: Vec<PathBuf> = entries
                .flatten()
                .map(|e| e.path())
                .filter(|p| p.file_name().is_some_and(|n| p.join(n).is_dir()))
                .collect();
            nested.sort();
            dirs.extend(nested);
        }
        dirs
    }

    fn find(dirs: &[PathBuf], header: &str) -> Option<PathBuf> {
        dirs.iter().map(|d| d.join(header)).find(|p| p.is_file())
    }

    /// Parts of the check that could not run (see [`incomplete`]).
    static INCOMPLETE: std::sync::Mutex<Vec<String>> = std::sync::Mutex::new(Vec::new());

    /// Records a part of the check that was skipped or left incomplete: a warning, or with
    /// `HAZCAT_REQUIRE_ABI_CHECK=1` a build failure.
    fn incomplete(message: String) {
        println!("cargo:warning={message}");
        INCOMPLETE.lock().unwrap().push(message);
    }

    /// Runs both halves; panics with every mismatch found (and, when the check is required,
    /// every part that did not run), else prints one summary warning each.
    pub fn check(distro: &str) {
        let dirs = include_dirs();
        let mut errors = Vec::new();
        let libclang = check_structs(distro, &dirs, &mut errors);
        if libclang {
            check_functions(distro, &dirs, &mut errors);
        }
        if std::env::var("HAZCAT_REQUIRE_ABI_CHECK").is_ok_and(|v| v == "1") {
            errors.extend(
                INCOMPLETE
                    .lock()
                    .unwrap()
                    .iter()
                    .map(|m| format!("HAZCAT_REQUIRE_ABI_CHECK=1 but: {m}")),
            );
        }
        if !errors.is_empty() {
            panic!(
                "rmw_hazcat ABI check failed for ROS_DISTRO={distro} against the installed \
                 headers:\n  {}\n\
                 (set ROS_DISTRO to the distro of these headers, or HAZCAT_SKIP_ABI_CHECK=1)",
                errors.join("\n  ")
            );
        }
    }

    /// The struct / constant half. Returns `false` when libclang could not be loaded.
    fn check_structs(distro: &str, dirs: &[PathBuf], errors: &mut Vec<String>) -> bool {
        let found: Vec<(&str, PathBuf)> = HEADERS
            .iter()
            .filter_map(|h| find(dirs, h).map(|p| (*h, p)))
            .collect();
        if found.is_empty() {
            incomplete(
                "ABI check skipped: no rcutils/rmw headers found \
                 (AMENT_PREFIX_PATH include dirs, /usr/include)"
                    .to_owned(),
            );
            return true;
        }
        for (_, path) in &found {
            println!("cargo:rerun-if-changed={}", path.display());
        }
        let wrapper: String = found
            .iter()
            .map(|(h, _)| format!("#include <{h}>\n"))
            .collect();
        let families: Vec<&str> = ["rcutils/", "rmw/", "rosidl_runtime_c/"]
            .into_iter()
            .filter(|f| found.iter().any(|(h, _)| h.starts_with(f)))
            .collect();

        let bindings = match run_bindgen(&wrapper, dirs, Mode::Types) {
            Bindgen::Ok(b) => b,
            Bindgen::Unparsable(e) => {
                incomplete(format!(
                    "ABI check of structs skipped: bindgen could not parse the installed \
                     headers: {e}"
                ));
                return true;
            }
            Bindgen::NoLibclang => {
                incomplete(NO_LIBCLANG.to_owned());
                return false;
            }
        };
        let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("OUT_DIR"));
        let _ = std::fs::write(out.join("abi_check_bindings.rs"), &bindings);
        let parsed = Parsed::new(&bindings);

        let mut checked = 0usize;
        let mut missing = Vec::new();
        let errors_before = errors.len();
        for s in STRUCTS.iter().filter(|s| s.distros.contains(&distro)) {
            let Some(layout) = parsed.layout(s.name) else {
                missing.push(s.name);
                continue;
            };
            checked += 1;
            if layout.size != s.size {
                errors.push(format!(
                    "{}: size is {} in the installed headers, {} in rmw_hazcat",
                    s.name, layout.size, s.size
                ));
            }
            if layout.align != s.align {
                errors.push(format!(
                    "{}: alignment is {} in the installed headers, {} in rmw_hazcat",
                    s.name, layout.align, s.align
                ));
            }
            for (field, offset) in s.fields {
                match layout.fields.get(*field) {
                    None => errors.push(format!(
                        "{}.{field}: field missing from the installed headers",
                        s.name
                    )),
                    Some(o) if o != offset => errors.push(format!(
                        "{}.{field}: offset is {o} in the installed headers, {offset} in rmw_hazcat",
                        s.name
                    )),
                    Some(_) => {}
                }
            }
            for field in layout.fields.keys() {
                if !s.fields.iter().any(|(f, _)| f == field) {
                    errors.push(format!(
                        "{}.{field}: field in the installed headers but not in rmw_hazcat",
                        s.name
                    ));
                }
            }
        }
        let mut consts_checked = 0usize;
        for c in CONSTS.iter().filter(|c| c.distros.contains(&distro)) {
            if let Some(v) = parsed.consts.get(c.name) {
                consts_checked += 1;
                if *v != c.value {
                    errors.push(format!(
                        "{}: value is {v} in the installed headers, {} in rmw_hazcat",
                        c.name, c.value
                    ));
                }
            }
        }
        if errors.len() > errors_before {
            return true;
        }
        if !families.contains(&"rmw/") {
            incomplete("ABI check: no rmw headers installed, rmw types unchecked".to_owned());
        } else if !missing.is_empty() {
            incomplete(format!(
                "ABI check: structs not in the installed headers: {}",
                missing.join(", ")
            ));
        }
        // Without rmw headers every rmw type is "missing": only list names when rmw is there.
        let missing_note = if missing.is_empty() {
            String::new()
        } else if families.contains(&"rmw/") {
            format!("; not in these headers: {}", missing.join(", "))
        } else {
            format!("; {} rmw types unchecked (no rmw headers)", missing.len())
        };
        println!(
            "cargo:warning=ABI check ({distro}) against installed {families:?} headers: \
             {checked} structs and {consts_checked} constants match{missing_note}"
        );
        true
    }

    /// Shown (and matched by `tests/abi_check.rs`) when bindgen cannot load libclang.
    const NO_LIBCLANG: &str = "ABI check skipped: libclang could not be loaded \
                               (install libclang-dev or set LIBCLANG_PATH)";

    /// The function-signature half (see the crate docs and `build/abi_fns.rs`).
    fn check_functions(distro: &str, dirs: &[PathBuf], errors: &mut Vec<String>) {
        let Some(root) = dirs.iter().find(|d| d.join("rmw/rmw.h").is_file()) else {
            incomplete(
                "ABI check of rmw_* function signatures skipped: no rmw/rmw.h \
                 (AMENT_PREFIX_PATH include dirs, /usr/include)"
                    .to_owned(),
            );
            return;
        };
        let mut headers: Vec<String> = std::fs::read_dir(root.join("rmw"))
            .map(|rd| {
                rd.flatten()
                    .filter_map(|e| e.file_name().into_string().ok())
                    .filter(|n| n.ends_with(".h"))
                    .map(|n| format!("rmw/{n}"))
                    .collect()
            })
            .unwrap_or_default();
        headers.sort();
        let manifest = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("manifest"));
        for h in &headers {
            println!("cargo:rerun-if-changed={}", root.join(h).display());
        }
        for p in ["src/api", "src/sys", "build/abi_fns.rs"] {
            println!("cargo:rerun-if-changed={}", manifest.join(p).display());
        }

        // All headers in one run; if that fails, one run per header, keeping those that parse.
        let wrapper =
            |hs: &[String]| -> String { hs.iter().map(|h| format!("#include <{h}>\n")).collect() };
        let mut skipped = Vec::new();
        let bindings = match run_bindgen(&wrapper(&headers), dirs, Mode::Functions) {
            Bindgen::Ok(b) => b,
            Bindgen::NoLibclang => {
                incomplete(NO_LIBCLANG.to_owned());
                return;
            }
            Bindgen::Unparsable(_) => {
                let mut all = String::new();
                for h in &headers {
                    match run_bindgen(&wrapper(std::slice::from_ref(h)), dirs, Mode::Functions) {
                        Bindgen::Ok(b) => {
                            all.push_str(&b);
                            all.push('\n');
                        }
                        Bindgen::Unparsable(e) => skipped.push(format!("{h} ({e})")),
                        Bindgen::NoLibclang => return,
                    }
                }
                all
            }
        };
        if !skipped.is_empty() {
            incomplete(format!(
                "ABI check of rmw_* function signatures: bindgen could not parse {}; functions \
                 declared there are not checked",
                skipped.join("; ")
            ));
        }
        let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("OUT_DIR"));
        let _ = std::fs::write(out.join("abi_check_functions.rs"), &bindings);
        let theirs = match abi_fns::collect_bindings(&bindings) {
            Ok(c) => c,
            Err(e) => {
                incomplete(format!(
                    "ABI check of rmw_* function signatures skipped: {e}"
                ));
                return;
            }
        };

        if !theirs.problems.is_empty() {
            incomplete(format!(
                "ABI check of rmw_* function signatures: could not read {} (those functions \
                 are not checked)",
                theirs.problems.join("; ")
            ));
        }

        // Ours.
        let cfg = |key: &str, value: Option<&str>| -> bool {
            let var = |k: &str| format!("CARGO_CFG_{}", k.to_uppercase());
            match (key, value) {
                ("test", None) => false,
                ("feature", Some(v)) => std::env::var_os(format!(
                    "CARGO_FEATURE_{}",
                    v.to_uppercase().replace('-', "_")
                ))
                .is_some(),
                (k, None) => std::env::var_os(var(k)).is_some(),
                (k, Some(v)) => std::env::var(var(k)).is_ok_and(|s| s.split(',').any(|x| x == v)),
            }
        };
        let read_ours = || -> Result<_, String> {
            let (api, _) =
                abi_fns::collect_tree(&manifest.join("src/api/mod.rs"), distro, &cfg, false)?;
            let (sys, _) =
                abi_fns::collect_tree(&manifest.join("src/sys/mod.rs"), distro, &cfg, true)?;
            let symbols = std::fs::read_to_string(manifest.join("src/sys/symbols.rs"))
                .map_err(|e| format!("src/sys/symbols.rs: {e}"))?;
            let required = abi_fns::exported_symbols(&symbols, distro)?;
            Ok((api, sys, required))
        };
        let (api, sys, required) = read_ours().unwrap_or_else(|e| {
            panic!(
                "rmw_hazcat ABI check: cannot read our own declarations: {e} \
                 (a bug in build/abi_fns.rs; HAZCAT_SKIP_ABI_CHECK=1 bypasses the check)"
            )
        });

        let texts: Vec<(String, String)> = headers
            .iter()
            .filter_map(|h| {
                std::fs::read_to_string(root.join(h))
                    .ok()
                    .map(|t| (h.clone(), t))
            })
            .collect();
        let header_of = |name: &str| {
            abi_fns::declaring_header(&texts, name)
                .unwrap_or_else(|| "the installed rmw headers".to_owned())
        };
        let report = abi_fns::compare(&required, &theirs, &api, &sys.aliases, &header_of);
        if !report.errors.is_empty() {
            errors.extend(report.errors);
            errors.extend(api.problems.iter().map(|p| format!("note: {p}")));
            return;
        }
        if !report.not_in_headers.is_empty() {
            incomplete(format!(
                "ABI check: functions required for {distro} but not declared in the installed \
                 headers: {}",
                report.not_in_headers.join(", ")
            ));
        }
        let absent = if report.not_in_headers.is_empty() {
            String::new()
        } else {
            format!(
                "; required for {distro} but not declared in these headers (not checked): {}",
                report.not_in_headers.join(", ")
            )
        };
        println!(
            "cargo:warning=ABI check ({distro}) of rmw_* functions against {}/rmw: {} \
             signatures match{absent}",
            root.display(),
            report.matched.len()
        );
    }

    /// What bindgen is asked for.
    #[derive(Clone, Copy)]
    enum Mode {
        /// rcutils / rmw / rosidl types and constants, with layout tests.
        Types,
        /// `rmw_*` function declarations (and the types they use).
        Functions,
    }

    /// The outcome of one bindgen run.
    enum Bindgen {
        /// The generated Rust text.
        Ok(String),
        /// libclang reported errors (first lines of the message).
        Unparsable(String),
        /// libclang could not be loaded.
        NoLibclang,
    }

    fn run_bindgen(wrapper: &str, dirs: &[PathBuf], mode: Mode) -> Bindgen {
        let args: Vec<String> = dirs.iter().map(|d| format!("-I{}", d.display())).collect();
        let wrapper = wrapper.to_owned();
        // bindgen panics when libclang cannot be loaded; treat that as "no check possible".
        let result = std::panic::catch_unwind(move || {
            let b = bindgen::Builder::default()
                .header_contents("hazcat_abi_check.h", &wrapper)
                .clang_args(args)
                .prepend_enum_name(false)
                .generate_comments(false)
                .derive_debug(false)
                .derive_copy(false);
            match mode {
                Mode::Types => b
                    .allowlist_type("(rcutils|rmw|rosidl_type_hash)_.*|RCUTILS_LOG_SEVERITY")
                    .allowlist_var("(RCUTILS|RMW|ROSIDL_TYPE_HASH)_.*")
                    .ignore_functions()
                    .layout_tests(true),
                Mode::Functions => b.allowlist_function("rmw_.*").layout_tests(false),
            }
            .generate()
        });
        match result {
            Ok(Ok(b)) => Bindgen::Ok(b.to_string()),
            Ok(Err(e)) => {
                let msg: Vec<String> = e.to_string().lines().take(3).map(str::to_owned).collect();
                Bindgen::Unparsable(msg.join(" "))
            }
            Err(_) => Bindgen::NoLibclang,
        }
    }

    #[derive(Default)]
    pub struct Layout {
        pub size: usize,
        pub align: usize,
        pub fields: HashMap<String, usize>,
    }

    /// What we read back from bindgen's output: type aliases, layout tests, constants.
    pub struct Parsed {
        aliases: HashMap<String, String>,
        layouts: HashMap<String, Layout>,
        pub consts: HashMap<String, i128>,
    }

    impl Parsed {
        pub fn new(text: &str) -> Self {
            let mut aliases = HashMap::new();
            let mut consts = HashMap::new();
            for item in text.split(';') {
                let item = item.split_whitespace().collect::<Vec<_>>().join(" ");
                let Some(pos) = item.find("pub ") else {
                    continue;
                };
                let item = &item[pos..];
                if let Some(rest) = item.strip_prefix("pub type ") {
                    if let Some((name, target)) = rest.split_once(" = ") {
                        aliases.insert(name.trim().to_owned(), target.trim().to_owned());
                    }
                } else if let Some(rest) = item.strip_prefix("pub const ") {
                    if let (Some((name, _)), Some((_, value))) =
                        (rest.split_once(':'), rest.rsplit_once(" = "))
                    {
                        if let Ok(v) = value.trim().parse::<i128>() {
                            consts.insert(name.trim().to_owned(), v);
                        }
                    }
                }
            }
            let mut layouts: HashMap<String, Layout> = HashMap::new();
            for (label, value) in layout_tests(text) {
                if let Some(name) = label.strip_prefix("Size of ") {
                    layouts.entry(name.to_owned()).or_default().size = value;
                } else if let Some(name) = label.strip_prefix("Alignment of ") {
                    layouts.entry(name.to_owned()).or_default().align = value;
                } else if let Some(path) = label.strip_prefix("Offset of field: ") {
                    if let Some((name, field)) = path.split_once("::") {
                        layouts
                            .entry(name.to_owned())
                            .or_default()
                            .fields
                            .insert(field.to_owned(), value);
                    }
                }
            }
            if layouts.is_empty() && text.contains("pub struct ") {
                panic!(
                    "rmw_hazcat ABI check: no layout tests recognised in bindgen's output \
                     (format changed?); set HAZCAT_SKIP_ABI_CHECK=1 to bypass"
                );
            }
            Parsed {
                aliases,
                layouts,
                consts,
            }
        }

        /// The layout of a C type by typedef name, following `typedef struct x_s {..} x_t`.
        pub fn layout(&self, name: &str) -> Option<&Layout> {
            let mut name = name.to_owned();
            for _ in 0..8 {
                if let Some(l) = self.layouts.get(&name) {
                    return Some(l);
                }
                name = self.aliases.get(&name)?.clone();
            }
            None
        }
    }

    /// `["<label>"][... - <n>usize];` items emitted by bindgen's compile-time layout tests.
    fn layout_tests(text: &str) -> Vec<(String, usize)> {
        let mut out = Vec::new();
        let mut rest = text;
        while let Some(start) = rest.find("[\"") {
            rest = &rest[start + 2..];
            let Some(end) = rest.find("\"]") else { break };
            let label = rest[..end].to_owned();
            rest = &rest[end + 2..];
            let is_test = label.starts_with("Size of ")
                || label.starts_with("Alignment of ")
                || label.starts_with("Offset of field: ");
            if !is_test {
                continue;
            }
            // The expression in the following brackets ends with `- <n>usize]`.
            let Some(close) = rest.find("usize]") else {
                break;
            };
            let expr = &rest[..close];
            let digits: String = expr
                .chars()
                .rev()
                .take_while(|c| c.is_ascii_digit())
                .collect::<Vec<_>>()
                .into_iter()
                .rev()
                .collect();
            if let Ok(v) = digits.parse() {
                out.push((label, v));
            }
            rest = &rest[close..];
        }
        out
    }
}

/// Compiles `cpp/typesupport_shim.cpp` (std::string / std::u16string / std::vector<bool> access
/// for C++ messages, used by `src/typesupport/cpp_shim.rs`); links libstdc++.
fn build_typesupport_shim() {
    println!("cargo:rerun-if-changed=cpp/typesupport_shim.cpp");
    cc::Build::new()
        .cpp(true)
        .file("cpp/typesupport_shim.cpp")
        .flag_if_supported("-std=c++17")
        .warnings(true)
        .compile("hazcat_typesupport_shim");
}
