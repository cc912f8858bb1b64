//! The function-signature half of build.rs's ABI check.
//!
//! - Unit tests of `build/abi_fns.rs` (included here as a module): our `src/api` is read
//!   completely for every distro, and the comparison rules / messages on small inputs.
//! - End to end: `cargo check -p rmw_hazcat` in a child process (own target dir,
//!   `target/abi-check`, reused between runs) with `AMENT_PREFIX_PATH` pointing at a fixture
//!   prefix under `tests/abi_fixture/`:
//!   - `consistent/`: every `rmw_*` declaration of `reference/rmw_api.md` §1.3 (97, in the
//!     headers the reference names) -> the build passes for every distro;
//!   - `mismatch/`: a few matching and several deliberately different declarations -> the build
//!     fails naming each difference;
//!   - `broken/`: an `rmw/rmw.h` libclang cannot parse next to a good `rmw/features.h` -> a
//!     warning, the good header is still checked, the build passes.
//!
//!   These print `SKIPPED: libclang not available` and pass when bindgen cannot load libclang.

#[path = "../build/abi_fns.rs"]
#[allow(dead_code)]
mod abi_fns;

use std::io::Write;
use std::path::PathBuf;
use std::process::Command;
use std::sync::Mutex;

use abi_fns::{collect_bindings, collect_str, collect_tree, compare, exported_symbols, Report};

const DISTROS: [&str; 4] = ["humble", "jazzy", "kilted", "lyrical"];

fn manifest() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn no_cfg(_: &str, _: Option<&str>) -> bool {
    false
}

fn symbols_of(distro: &str) -> &'static [&'static str] {
    use rmw_hazcat_rs::sys::symbols::*;
    match distro {
        "humble" => EXPORTED_SYMBOLS_HUMBLE,
        "jazzy" => EXPORTED_SYMBOLS_JAZZY,
        "kilted" => EXPORTED_SYMBOLS_KILTED,
        _ => EXPORTED_SYMBOLS_LYRICAL,
    }
}

#[test]
fn symbol_lists_are_read_from_symbols_rs() {
    let text = std::fs::read_to_string(manifest().join("src/sys/symbols.rs")).unwrap();
    for distro in DISTROS {
        let got = exported_symbols(&text, distro).unwrap();
        assert_eq!(got, symbols_of(distro), "{distro}");
    }
}

#[test]
fn our_sources_define_every_exported_symbol_once() {
    for distro in DISTROS {
        let (api, files) =
            collect_tree(&manifest().join("src/api/mod.rs"), distro, &no_cfg, false).unwrap();
        assert!(files.len() > 10, "{distro}: only {files:?}");
        assert!(api.problems.is_empty(), "{distro}: {:?}", api.problems);
        for name in symbols_of(distro) {
            let defs: Vec<_> = api.fns.iter().filter(|f| f.name == *name).collect();
            assert_eq!(
                defs.len(),
                1,
                "{distro}: {name} defined {} times",
                defs.len()
            );
            let f = defs[0];
            assert!(f.exported && f.is_pub && f.abi == "C", "{distro}: {f:?}");
        }
        // Nothing exported beyond the list (the same rule tests/exported_symbols.rs checks on
        // the built library), so the parser sees the cfg'd items the way rustc does. The
        // project's own `rmw_hazcat_*` extensions (device.h) are not rmw API.
        for f in api
            .fns
            .iter()
            .filter(|f| f.exported && !f.name.starts_with("rmw_hazcat_"))
        {
            assert!(
                symbols_of(distro).contains(&f.name.as_str()),
                "{distro}: {} is not in the list",
                f.name
            );
        }
    }
}

/// Header side: a piece of bindgen-style output.
const HEADER: &str = r#"
pub type rmw_ret_t = i32;
pub type rcutils_ret_t = ::std::os::raw::c_int;
pub type rmw_event_type_e = ::std::os::raw::c_uint;
pub type rmw_event_type_t = rmw_event_type_e;
pub type rmw_node_t = rmw_node_s;
pub type rmw_event_callback_t = ::std::option::Option<
    unsafe extern "C" fn(user_data: *const ::std::os::raw::c_void, number_of_events: usize),
>;
unsafe extern "C" {
    pub fn rmw_a(
        node: *const rmw_node_t,
        name: *const ::std::os::raw::c_char,
        count: *mut usize,
    ) -> rmw_ret_t;
    pub fn rmw_b(t: rmw_event_type_t) -> bool;
    pub fn rmw_c(cb: rmw_event_callback_t, data: *mut *mut ::std::os::raw::c_void);
    pub fn rmw_d(arg1: *const ::std::os::raw::c_char) -> *const ::std::os::raw::c_char;
    pub fn rmw_e(x: rmw_ret_t) -> rmw_ret_t;
    pub fn rmw_f(
        cb: ::std::option::Option<unsafe extern "C" fn(n: ::std::os::raw::c_int)>,
    );
    pub fn rmw_g();
    pub fn rmw_h(x: i32);
}
"#;

fn check(ours: &str, header: &str, distro: &str, required: &[&str]) -> Report {
    let o = collect_str(ours, "ours.rs", distro, &no_cfg).unwrap();
    assert!(o.problems.is_empty(), "{:?}", o.problems);
    let h = collect_bindings(header).unwrap();
    assert!(h.problems.is_empty(), "{:?}", h.problems);
    let aliases = collect_str(
        "pub type rmw_ret_t = i32;\n\
         pub type rmw_event_callback_t =\n\
             Option<unsafe extern \"C\" fn(user_data: *const c_void, number_of_events: usize)>;",
        "sys.rs",
        distro,
        &no_cfg,
    )
    .unwrap()
    .aliases;
    let required: Vec<String> = required.iter().map(|s| (*s).to_owned()).collect();
    compare(&required, &h, &o, &aliases, &|_| "rmw/rmw.h".to_owned())
}

#[test]
fn equal_signatures_in_other_spellings_match() {
    let ours = r#"
        /// Doc.
        ///
        /// # Safety
        /// None.
        #[no_mangle]
        pub unsafe extern "C" fn rmw_a(
            node: *const rmw_node_s,            // typedef of the same struct
            name: *const std::ffi::c_char,      // path spelling
            count: *mut libc::size_t,           // size_t == usize
        ) -> i32 {                              // rmw_ret_t == int32_t
            0
        }
        #[no_mangle]
        pub extern "C" fn rmw_b(t: u32) -> bool { t == 0 }   // enum -> unsigned int
        #[no_mangle]
        pub unsafe extern "C" fn rmw_c(
            cb: Option<unsafe extern "C" fn(*const core::ffi::c_void, usize)>,
            data: *mut *mut c_void,
        ) {}
        #[cfg(ros_distro = "humble")]
        #[no_mangle]
        pub extern "C" fn rmw_d(wrong: u8) {}
        #[cfg(not(ros_distro = "humble"))]
        #[no_mangle]
        pub unsafe extern "C" fn rmw_d(s: *const ::std::os::raw::c_char) -> *const c_char { s }
        macro_rules! gen {
            ($(#[$m:meta])* $name:ident, $t:ty) => {
                $(#[$m])*
                #[no_mangle]
                pub extern "C" fn $name(x: $t) -> rmw_ret_t { x }
            };
            ($(#[$m:meta])* $name:ident) => {
                #[no_mangle]
                pub extern "C" fn $name() {}
            };
        }
        gen!(
            /// Doc.
            rmw_e,
            rmw_ret_t
        );
        gen!(rmw_g);
        #[no_mangle]
        pub extern "C" fn rmw_h(#[cfg(ros_distro = "jazzy")] x: i32, #[cfg(ros_distro = "humble")] y: u8) {}
        // Not exported / not C: ignored.
        pub unsafe fn rmw_f() {}
    "#;
    let r = check(
        ours,
        HEADER,
        "jazzy",
        &[
            "rmw_a", "rmw_b", "rmw_c", "rmw_d", "rmw_e", "rmw_g", "rmw_h",
        ],
    );
    assert!(r.errors.is_empty(), "{:#?}", r.errors);
    assert_eq!(r.matched.len(), 7);
}

#[test]
fn differences_are_named() {
    let ours = r#"
        #[no_mangle]
        pub unsafe extern "C" fn rmw_a(
            node: *mut rmw_node_t,
            name: *const i8,
        ) -> rmw_ret_t { 0 }
        #[no_mangle]
        pub extern "C" fn rmw_b(t: rmw_event_type_t) -> i32 { 0 }
        #[no_mangle]
        pub unsafe extern "C" fn rmw_c(cb: rmw_event_callback_t, data: *mut c_void) {}
        #[no_mangle]
        pub unsafe extern "C" fn rmw_d(s: *const c_char) -> *mut c_char { s }
        #[no_mangle]
        pub extern "C" fn rmw_e(x: rcutils_ret_t) -> rmw_ret_t { x }
        #[no_mangle]
        pub extern "C" fn rmw_f(cb: extern "C" fn(i32)) {}
        pub extern "C" fn rmw_g() {}
        #[no_mangle]
        pub extern "C" fn rmw_h(x: i32) {}
        #[cfg(not(ros_distro = "humble"))]
        #[no_mangle]
        pub extern "C" fn rmw_h(x: i32) {}
    "#;
    let required = [
        "rmw_a",
        "rmw_b",
        "rmw_c",
        "rmw_d",
        "rmw_e",
        "rmw_f",
        "rmw_g",
        "rmw_h",
        "rmw_not_declared",
    ];
    let r = check(ours, HEADER, "jazzy", &required);
    let expected = [
        "rmw_a: 3 parameters in rmw/rmw.h (node: *const rmw_node_t, name: *const c_char, \
         count: *mut usize) but 2 in rmw_hazcat (node: *mut rmw_node_t, name: *const i8)",
        "rmw_b: return type is bool in rmw/rmw.h but i32 in rmw_hazcat",
        "rmw_c: parameter 2 (data) is *mut *mut c_void in rmw/rmw.h but *mut c_void in rmw_hazcat",
        "rmw_d: return type is *const c_char in rmw/rmw.h but *mut c_char in rmw_hazcat",
        "rmw_e: parameter 1 (x) is rmw_ret_t in rmw/rmw.h but rcutils_ret_t in rmw_hazcat",
        "rmw_f: parameter 1 (cb) is Option<extern \"C\" fn(i32)> in rmw/rmw.h but \
         extern \"C\" fn(i32) in rmw_hazcat",
        "rmw_g: declared in rmw/rmw.h (and exported for this distro) but not defined as \
         `#[no_mangle] pub extern \"C\" fn rmw_g` in rmw_hazcat's src/api",
        "rmw_h: defined more than once in rmw_hazcat (ours.rs and ours.rs)",
    ];
    assert_eq!(r.errors, expected, "{:#?}", r.errors);
    assert_eq!(r.not_in_headers, ["rmw_not_declared"]);

    // c_char is not i8 (its signedness is per target), even behind a matching count.
    let r = check(
        "#[no_mangle] pub unsafe extern \"C\" fn rmw_d(s: *const i8) -> *const c_char { s }",
        HEADER,
        "jazzy",
        &["rmw_d"],
    );
    assert_eq!(
        r.errors,
        ["rmw_d: parameter 1 (s) is *const c_char in rmw/rmw.h but *const i8 in rmw_hazcat"]
    );
    // A typedef of a function pointer is shown with what it stands for.
    let r = check(
        "#[no_mangle] pub unsafe extern \"C\" fn rmw_c(cb: rmw_event_callback_t, \
         data: *mut *mut c_void) {}",
        &HEADER.replace(
            "pub fn rmw_c(cb: rmw_event_callback_t,",
            "pub fn rmw_c(cb: ::std::option::Option<unsafe extern \"C\" fn(n: i32)>,",
        ),
        "jazzy",
        &["rmw_c"],
    );
    assert_eq!(
        r.errors,
        [
            "rmw_c: parameter 1 (cb) is Option<extern \"C\" fn(i32)> in rmw/rmw.h but \
          rmw_event_callback_t (= Option<extern \"C\" fn(*const c_void, usize)>) in rmw_hazcat"
        ]
    );
}

#[test]
fn header_names_its_declaring_file() {
    let headers = vec![
        (
            "rmw/init.h".to_owned(),
            "rmw_ret_t rmw_init_options_init(x);".to_owned(),
        ),
        (
            "rmw/rmw.h".to_owned(),
            "// rmw_init is documented here\nrmw_ret_t\nrmw_init (const a * b);".to_owned(),
        ),
    ];
    assert_eq!(
        abi_fns::declaring_header(&headers, "rmw_init").as_deref(),
        Some("rmw/rmw.h")
    );
    assert_eq!(
        abi_fns::declaring_header(&headers, "rmw_init_options_init").as_deref(),
        Some("rmw/init.h")
    );
    assert_eq!(abi_fns::declaring_header(&headers, "rmw_shutdown"), None);
}

// ---------------------------------------------------------------------------------------------
// End to end

/// One child cargo at a time: they share `target/abi-check`.
static CARGO: Mutex<()> = Mutex::new(());

/// `cargo check -p rmw_hazcat` against a fixture prefix: `(succeeded, stderr + stdout)`, or
/// `None` (after printing `SKIPPED: ...`) when libclang cannot be loaded.
fn cargo_check(fixture: &str, distro: &str) -> Option<(bool, String)> {
    cargo_check_with(fixture, distro, &[])
}

/// [`cargo_check`] with extra environment variables.
fn cargo_check_with(fixture: &str, distro: &str, env: &[(&str, &str)]) -> Option<(bool, String)> {
    let _one = CARGO.lock().unwrap_or_else(|e| e.into_inner());
    let root = manifest().parent().unwrap().to_path_buf();
    let prefix = manifest().join("tests/abi_fixture").join(fixture);
    assert!(prefix.join("include/rmw").is_dir(), "{}", prefix.display());
    let out = Command::new(env!("CARGO"))
        .current_dir(&root)
        .args(["check", "-p", "rmw_hazcat", "--color", "never"])
        .env("CARGO_TARGET_DIR", root.join("target/abi-check"))
        .env("AMENT_PREFIX_PATH", &prefix)
        .env("ROS_DISTRO", distro)
        .env_remove("HAZCAT_SKIP_ABI_CHECK")
        .env_remove("HAZCAT_REQUIRE_ABI_CHECK")
        .envs(env.iter().copied())
        .output()
        .expect("run cargo");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stderr),
        String::from_utf8_lossy(&out.stdout)
    );
    if text.contains("libclang could not be loaded") {
        // Straight to stderr: the test harness captures print!/eprint! of passing tests.
        let _ = writeln!(std::io::stderr().lock(), "SKIPPED: libclang not available");
        return None;
    }
    Some((out.status.success(), text))
}

fn fixture_dir(fixture: &str) -> String {
    manifest()
        .join("tests/abi_fixture")
        .join(fixture)
        .join("include")
        .display()
        .to_string()
}

#[test]
fn consistent_headers_pass_for_every_distro() {
    for (distro, n) in [
        ("jazzy", 95),
        ("humble", 88),
        ("kilted", 95),
        ("lyrical", 97),
    ] {
        let Some((ok, out)) = cargo_check("consistent", distro) else {
            return;
        };
        assert!(ok, "{distro}:\n{out}");
        let want = format!(
            "ABI check ({distro}) of rmw_* functions against {}/rmw: {n} signatures match\n",
            fixture_dir("consistent")
        );
        assert!(out.contains(&want), "{distro}: no `{want}` in\n{out}");
    }
}

#[test]
fn mismatching_headers_fail_naming_each_difference() {
    let Some((ok, out)) = cargo_check("mismatch", "jazzy") else {
        return;
    };
    assert!(!ok, "{out}");
    for line in [
        "rmw_create_node: parameter 3 (namespace_) is *mut c_char in rmw/rmw.h but *const c_char \
         in rmw_hazcat",
        "rmw_destroy_node: 2 parameters in rmw/rmw.h (node: *mut rmw_node_t, force: bool) but 1 \
         in rmw_hazcat (node: *mut rmw_node_t)",
        "rmw_take_loaned_message: parameter 2 (loaned_message) is *mut c_void in rmw/rmw.h but \
         *mut *mut c_void in rmw_hazcat",
        "rmw_publish: parameter 1 (publisher) is *const rmw_subscription_t in rmw/rmw.h but \
         *const rmw_publisher_t in rmw_hazcat",
        "rmw_count_publishers: parameter 3 (count) is *mut u32 in rmw/rmw.h but *mut usize in \
         rmw_hazcat",
        "rmw_feature_supported: return type is i32 in rmw/rmw.h but bool in rmw_hazcat",
        "rmw_event_set_callback: parameter 2 (callback) is Option<extern \"C\" fn(*const c_void, \
         i32)> in rmw/rmw.h but rmw_event_callback_t (= Option<extern \"C\" fn(*const c_void, \
         usize)>) in rmw_hazcat",
    ] {
        assert!(out.contains(line), "missing `{line}` in\n{out}");
    }
    // The matching declarations are not reported.
    for name in [
        "rmw_init:",
        "rmw_get_serialization_format:",
        "rmw_set_log_severity:",
        "rmw_create_wait_set:",
        "rmw_count_subscribers:",
        "rmw_subscription_set_on_new_message_callback:",
        "rmw_init_options_init:",
    ] {
        assert!(!out.contains(name), "`{name}` reported in\n{out}");
    }
}

#[test]
fn unparsable_header_is_skipped_with_a_warning() {
    let Some((ok, out)) = cargo_check("broken", "jazzy") else {
        return;
    };
    assert!(ok, "{out}");
    assert!(
        out.contains("ABI check of rmw_* function signatures: bindgen could not parse rmw/rmw.h"),
        "{out}"
    );
    let want = format!(
        "ABI check (jazzy) of rmw_* functions against {}/rmw: 1 signatures match; required for \
         jazzy but not declared in these headers (not checked): rmw_borrow_loaned_message,",
        fixture_dir("broken")
    );
    assert!(out.contains(&want), "no `{want}` in\n{out}");
}

#[test]
fn required_check_fails_when_a_part_is_skipped() {
    let Some((ok, out)) = cargo_check_with("broken", "jazzy", &[("HAZCAT_REQUIRE_ABI_CHECK", "1")])
    else {
        return;
    };
    assert!(!ok, "{out}");
    assert!(
        out.contains(
            "HAZCAT_REQUIRE_ABI_CHECK=1 but: ABI check of rmw_* function signatures: bindgen \
             could not parse rmw/rmw.h"
        ),
        "{out}"
    );
    // (Complete real headers pass it: scripts/test.sh builds against the Jazzy and Kilted
    // wheels with HAZCAT_REQUIRE_ABI_CHECK=1.)
}

#[test]
fn rolling_builds_the_newest_abi_and_unknown_distros_fail_in_one_line() {
    let Some((ok, out)) = cargo_check("consistent", "rolling") else {
        return;
    };
    assert!(ok, "{out}");
    assert!(
        out.contains("ROS_DISTRO=rolling: building the newest ABI rmw_hazcat knows (lyrical)"),
        "{out}"
    );
    assert!(
        out.contains("ABI check (lyrical) of rmw_* functions"),
        "{out}"
    );

    let Some((ok, out)) = cargo_check("consistent", "foxy") else {
        return;
    };
    assert!(!ok, "{out}");
    assert!(
        out.contains("error: unsupported ROS_DISTRO 'foxy': rmw_hazcat_rs builds for humble,"),
        "{out}"
    );
    assert!(!out.contains("panicked"), "{out}");
}
