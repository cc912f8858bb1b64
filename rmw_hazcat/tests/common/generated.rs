//! Helpers for driving the exported `rmw_*` functions with real generated type support for
//! `test/hazcat_test_msgs`, generated for this build's distro by `scripts/build_test_msgs.sh`
//! (located by [`super::test_msgs`]).
//!
//! Messages are built and read back **through the generated introspection code only** (C:
//! `rosidl_runtime_c` assign functions and the generated init/fini/resize functions; C++: the
//! generated init/fini/size/get/fetch/assign/resize functions plus libstdc++'s documented
//! `std::basic_string` layout), never through this crate's typesupport module, so a
//! language-neutral [`V`] value tree compares what was sent with what arrived.
//!
//! [`load`] decides whether a test runs: it prints `SKIPPED: ...` and returns `None` when the
//! package is not built for this build's distro, and panics instead when
//! `HAZCAT_REQUIRE_TEST_MSGS=1`.
#![deny(clippy::undocumented_unsafe_blocks)]

use libloading::Library;
use rmw_hazcat_rs::api::serialize::*;
use rmw_hazcat_rs::api::wait::*;
use rmw_hazcat_rs::cmem::default_allocator;
use rmw_hazcat_rs::sys::rosidl::field_types::*;
use rmw_hazcat_rs::sys::rosidl::*;
use rmw_hazcat_rs::sys::*;
use std::alloc::{alloc_zeroed, dealloc, Layout};
use std::ffi::{c_void, CStr};
use std::fmt;
use std::ptr::null_mut;
use std::sync::{Arc, OnceLock};

use super::{last_error, Context};

pub use super::test_msgs::PKG;

/// Every message type of the package.
pub const MESSAGES: [&str; 8] = [
    "Plain",
    "Nested",
    "Strings",
    "Sequences",
    "NestedArrays",
    "LargeFixed",
    "AllPrimitives",
    "Empty",
];

/// The fixed-size ("plain") message types: loanable.
pub const PLAIN_MESSAGES: [&str; 5] = ["Plain", "Nested", "LargeFixed", "AllPrimitives", "Empty"];

/// Which introspection type support (and memory layout) a message uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    /// `rosidl_typesupport_introspection_c`.
    C,
    /// `rosidl_typesupport_introspection_cpp`.
    Cpp,
}

/// Both languages.
pub const LANGS: [Lang; 2] = [Lang::C, Lang::Cpp];

/// The loaded generated libraries.
pub struct Libs {
    _generator_c: Library,
    intro_c: Library,
    intro_cpp: Library,
    runtime_c: Library,
    stdcxx: Library,
}

fn load_libs() -> Result<Libs, String> {
    let lib = super::test_msgs::lib_dir_or_skip()?;
    let path = |kind: &str| lib.join(format!("lib{PKG}__{kind}.so"));
    // SAFETY: loading the generated type-support libraries and their runtime dependencies runs
    // only their (trivial) static initializers. generator_c is loaded first by full path because
    // introspection_c needs it by soname (no RPATH).
    unsafe {
        Ok(Libs {
            _generator_c: Library::new(path("rosidl_generator_c")).expect("generator_c"),
            intro_c: Library::new(path("rosidl_typesupport_introspection_c"))
                .expect("introspection_c"),
            intro_cpp: Library::new(path("rosidl_typesupport_introspection_cpp"))
                .expect("introspection_cpp"),
            runtime_c: Library::new("librosidl_runtime_c.so").expect("rosidl_runtime_c"),
            stdcxx: Library::new("libstdc++.so.6").expect("libstdc++"),
        })
    }
}

/// Prints a line straight to the process's stderr: unlike `eprintln!`, libtest does not capture
/// it, so a skip is visible in a plain `cargo test` run.
fn visible(line: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr().lock(), "{line}");
}

/// The generated libraries, or `None` after printing `SKIPPED: <test>: ...` (a panic instead
/// when `HAZCAT_REQUIRE_TEST_MSGS=1`).
pub fn load(test: &str) -> Option<&'static Libs> {
    static LIBS: OnceLock<Result<Libs, String>> = OnceLock::new();
    match LIBS.get_or_init(load_libs) {
        Ok(libs) => Some(libs),
        Err(why) => {
            visible(&format!("SKIPPED: {test}: {why}"));
            None
        }
    }
}

type GetTs = unsafe extern "C" fn() -> *const rosidl_message_type_support_t;

impl Libs {
    /// The generated introspection handle of message `name` for `lang`.
    pub fn ts(&self, lang: Lang, name: &str) -> *const rosidl_message_type_support_t {
        let (lib, id) = match lang {
            Lang::C => (&self.intro_c, "rosidl_typesupport_introspection_c"),
            Lang::Cpp => (&self.intro_cpp, "rosidl_typesupport_introspection_cpp"),
        };
        let sym = format!("{id}__get_message_type_support_handle__{PKG}__msg__{name}\0");
        // SAFETY: the symbol is the generated getter with signature `GetTs`; it returns a static.
        unsafe {
            let f: libloading::Symbol<GetTs> = lib.get(sym.as_bytes()).expect(&sym);
            f()
        }
    }

    /// The introspection model of message `name` for `lang`.
    pub fn members(&self, lang: Lang, name: &str) -> Arc<Members> {
        // SAFETY: a generated introspection handle of `lang`.
        unsafe { Members::from_ts(lang, self.ts(lang, name)) }
    }

    fn runtime<T: Copy>(&self, sym: &[u8]) -> T {
        // SAFETY: the caller names a rosidl_runtime_c function of signature `T`.
        unsafe {
            *self
                .runtime_c
                .get::<T>(sym)
                .expect("rosidl_runtime_c symbol")
        }
    }

    fn operator_new(&self, n: usize) -> *mut u8 {
        type New = unsafe extern "C" fn(usize) -> *mut c_void;
        // SAFETY: `_Znwm` is `operator new(size_t)`; it throws (aborts here) instead of
        // returning NULL.
        unsafe {
            let f = *self.stdcxx.get::<New>(b"_Znwm\0").expect("operator new");
            f(n).cast()
        }
    }
}

type InitFn = unsafe extern "C" fn(*mut c_void, rosidl_runtime_c__message_initialization);
type FiniFn = unsafe extern "C" fn(*mut c_void);
type SizeFn = unsafe extern "C" fn(*const c_void) -> usize;
type GetConstFn = unsafe extern "C" fn(*const c_void, usize) -> *const c_void;
type GetFn = unsafe extern "C" fn(*mut c_void, usize) -> *mut c_void;
type FetchFn = unsafe extern "C" fn(*const c_void, usize, *mut c_void);
type AssignFn = unsafe extern "C" fn(*mut c_void, usize, *const c_void);

/// Container of a field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// One element.
    Single,
    /// Fixed array.
    Array(usize),
    /// Sequence with an optional bound.
    Seq(Option<usize>),
}

/// Resize function of a sequence field.
#[derive(Clone, Copy)]
enum Resize {
    C(unsafe extern "C" fn(*mut c_void, usize) -> bool),
    Cpp(unsafe extern "C" fn(*mut c_void, usize)),
    None,
}

/// One field, from either introspection flavour.
#[derive(Clone)]
pub struct Member {
    /// Field name.
    pub name: String,
    /// `ROS_TYPE_*`.
    pub type_id: u8,
    /// Container.
    pub kind: Kind,
    /// Byte offset.
    pub offset: usize,
    /// Nested type of a MESSAGE field.
    pub nested: Option<Arc<Members>>,
    size_fn: Option<SizeFn>,
    get_const: Option<GetConstFn>,
    get: Option<GetFn>,
    fetch: Option<FetchFn>,
    assign: Option<AssignFn>,
    resize: Resize,
}

/// A message type as seen through its generated introspection.
pub struct Members {
    /// Language.
    pub lang: Lang,
    /// Message name.
    pub name: String,
    /// `sizeof` the message.
    pub size_of: usize,
    init: InitFn,
    fini: FiniFn,
    /// The fields in order.
    pub fields: Vec<Member>,
}

fn cstr(p: *const std::ffi::c_char) -> String {
    // SAFETY: introspection names are static NUL-terminated strings.
    unsafe { CStr::from_ptr(p) }.to_string_lossy().into_owned()
}

macro_rules! convert_members {
    ($lang:expr, $mm:expr, $resize:expr) => {{
        let mm = $mm;
        // SAFETY: `members_` has `member_count_` entries (generated static data).
        let raw = unsafe { std::slice::from_raw_parts(mm.members_, mm.member_count_ as usize) };
        let fields = raw
            .iter()
            .map(|m| Member {
                name: cstr(m.name_),
                type_id: m.type_id_,
                kind: match (m.is_array_, m.array_size_, m.is_upper_bound_) {
                    (false, _, _) => Kind::Single,
                    (true, 0, _) => Kind::Seq(None),
                    (true, n, true) => Kind::Seq(Some(n)),
                    (true, n, false) => Kind::Array(n),
                },
                offset: m.offset_ as usize,
                nested: (m.type_id_ == ROS_TYPE_MESSAGE)
                    // SAFETY: a MESSAGE member's `members_` is the nested type's introspection
                    // handle of the same language.
                    .then(|| unsafe { Members::from_ts($lang, m.members_) }),
                size_fn: m.size_function,
                get_const: m.get_const_function,
                get: m.get_function,
                fetch: m.fetch_function,
                assign: m.assign_function,
                resize: m.resize_function.map_or(Resize::None, $resize),
            })
            .collect();
        Arc::new(Members {
            lang: $lang,
            name: cstr(mm.message_name_),
            size_of: mm.size_of_,
            init: mm.init_function.expect("init_function"),
            fini: mm.fini_function.expect("fini_function"),
            fields,
        })
    }};
}

impl Members {
    /// Reads the generated introspection data behind `ts`.
    ///
    /// # Safety
    /// `ts` is a valid introspection handle of `lang`.
    pub unsafe fn from_ts(lang: Lang, ts: *const rosidl_message_type_support_t) -> Arc<Members> {
        assert!(!ts.is_null());
        // SAFETY: valid handle per the contract.
        let data = unsafe { (*ts).data };
        match lang {
            Lang::C => {
                // SAFETY: the data of a C introspection handle.
                let mm =
                    unsafe { &*data.cast::<rosidl_typesupport_introspection_c__MessageMembers>() };
                convert_members!(lang, mm, Resize::C)
            }
            Lang::Cpp => {
                // SAFETY: the data of a C++ introspection handle.
                let mm = unsafe {
                    &*data.cast::<rosidl_typesupport_introspection_cpp__MessageMembers>()
                };
                convert_members!(lang, mm, Resize::Cpp)
            }
        }
    }
}

/// A language-neutral message value. Floats are compared by bits; `Bytes` is an array or
/// sequence of 1-byte integers (uint8, byte, char).
#[derive(Clone, PartialEq)]
pub enum V {
    /// bool.
    Bool(bool),
    /// uint8 / byte / char.
    U8(u8),
    /// int8.
    I8(i8),
    /// uint16 / wchar.
    U16(u16),
    /// int16.
    I16(i16),
    /// uint32.
    U32(u32),
    /// int32.
    I32(i32),
    /// uint64.
    U64(u64),
    /// int64.
    I64(i64),
    /// float32 bits.
    F32(u32),
    /// float64 bits.
    F64(u64),
    /// string bytes.
    Str(Vec<u8>),
    /// wstring code units.
    WStr(Vec<u16>),
    /// uint8/byte/char array or sequence.
    Bytes(Vec<u8>),
    /// Any other array or sequence.
    List(Vec<V>),
    /// A message: fields by name, in order.
    Msg(Vec<(String, V)>),
}

impl fmt::Debug for V {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            V::Bool(v) => write!(f, "{v}"),
            V::U8(v) => write!(f, "{v}u8"),
            V::I8(v) => write!(f, "{v}i8"),
            V::U16(v) => write!(f, "{v}u16"),
            V::I16(v) => write!(f, "{v}i16"),
            V::U32(v) => write!(f, "{v}u32"),
            V::I32(v) => write!(f, "{v}i32"),
            V::U64(v) => write!(f, "{v}u64"),
            V::I64(v) => write!(f, "{v}i64"),
            V::F32(v) => write!(f, "{}f32", f32::from_bits(*v)),
            V::F64(v) => write!(f, "{}f64", f64::from_bits(*v)),
            V::Str(s) if s.len() > 64 => write!(f, "Str(len {})", s.len()),
            V::Str(s) => write!(f, "{:?}", String::from_utf8_lossy(s)),
            V::WStr(s) => write!(f, "WStr(len {})", s.len()),
            V::Bytes(b) => write!(f, "Bytes(len {})", b.len()),
            V::List(l) => f.debug_list().entries(l).finish(),
            V::Msg(m) => f
                .debug_map()
                .entries(m.iter().map(|(k, v)| (k, v)))
                .finish(),
        }
    }
}

/// The path of the first difference between two values, if any.
pub fn first_diff(a: &V, b: &V, path: &str) -> Option<String> {
    match (a, b) {
        (V::Msg(x), V::Msg(y)) => {
            if x.len() != y.len() {
                return Some(format!("{path}: {} vs {} fields", x.len(), y.len()));
            }
            x.iter()
                .zip(y)
                .find_map(|((n, u), (_, w))| first_diff(u, w, &format!("{path}.{n}")))
        }
        (V::List(x), V::List(y)) if x.len() == y.len() => x
            .iter()
            .zip(y)
            .enumerate()
            .find_map(|(i, (u, w))| first_diff(u, w, &format!("{path}[{i}]"))),
        (V::Bytes(x), V::Bytes(y)) if x.len() == y.len() => x
            .iter()
            .zip(y)
            .position(|(u, w)| u != w)
            .map(|i| format!("{path}[{i}]: {} vs {}", x[i], y[i])),
        _ if a == b => None,
        _ => Some(format!("{path}: {a:?} vs {b:?}")),
    }
}

/// Asserts `got == expected`, naming the first differing field.
#[track_caller]
pub fn assert_same(expected: &V, got: &V, what: &str) {
    if let Some(d) = first_diff(expected, got, "") {
        panic!("{what}: received content differs at {d}");
    }
}

/// A message constructed by its generated `init_function` in zeroed storage of `size_of` bytes
/// aligned to 16 (enough for any rosidl C or C++ message); destroyed by `fini_function`.
pub struct Msg {
    /// Its type.
    pub members: Arc<Members>,
    ptr: *mut u8,
    layout: Layout,
}

impl Msg {
    /// Constructs a message.
    pub fn new(members: &Arc<Members>) -> Msg {
        let layout = Layout::from_size_align(members.size_of.max(1), 16).unwrap();
        // SAFETY: non-zero size.
        let ptr = unsafe { alloc_zeroed(layout) };
        assert!(!ptr.is_null());
        // SAFETY: fresh storage of `size_of` bytes, suitably aligned.
        unsafe { (members.init)(ptr.cast(), ROSIDL_RUNTIME_C_MSG_INIT_ALL) };
        Msg {
            members: members.clone(),
            ptr,
            layout,
        }
    }

    /// Constructs a message holding `v`.
    pub fn with(libs: &Libs, members: &Arc<Members>, v: &V) -> Msg {
        let mut m = Msg::new(members);
        // SAFETY: `m` is a live message of `members`.
        unsafe { write_msg(libs, members, m.as_mut_ptr(), v) };
        m
    }

    /// `const void * ros_message`.
    pub fn as_ptr(&self) -> *const c_void {
        self.ptr.cast()
    }

    /// `void * ros_message`.
    pub fn as_mut_ptr(&mut self) -> *mut u8 {
        self.ptr
    }

    /// Reads the content.
    pub fn value(&self) -> V {
        // SAFETY: a live message of `members`.
        unsafe { read_msg(&self.members, self.ptr) }
    }
}

impl Drop for Msg {
    fn drop(&mut self) {
        // SAFETY: the live message constructed in `new`, destroyed once; then its storage.
        unsafe {
            (self.members.fini)(self.ptr.cast());
            dealloc(self.ptr, self.layout);
        }
    }
}

fn scalar_size(t: u8) -> usize {
    match t {
        ROS_TYPE_BOOLEAN | ROS_TYPE_OCTET | ROS_TYPE_UINT8 | ROS_TYPE_INT8 | ROS_TYPE_CHAR => 1,
        ROS_TYPE_UINT16 | ROS_TYPE_INT16 | ROS_TYPE_WCHAR => 2,
        ROS_TYPE_UINT32 | ROS_TYPE_INT32 | ROS_TYPE_FLOAT => 4,
        ROS_TYPE_UINT64 | ROS_TYPE_INT64 | ROS_TYPE_DOUBLE => 8,
        other => panic!("no scalar type {other}"),
    }
}

fn is_byte(t: u8) -> bool {
    matches!(t, ROS_TYPE_OCTET | ROS_TYPE_UINT8 | ROS_TYPE_CHAR)
}

/// # Safety
/// `p` points to a value of type `t`.
unsafe fn read_scalar(t: u8, p: *const u8) -> V {
    // SAFETY: per the contract (unaligned reads: the value may be anywhere).
    unsafe {
        match t {
            ROS_TYPE_BOOLEAN => V::Bool(p.read() != 0),
            ROS_TYPE_OCTET | ROS_TYPE_UINT8 | ROS_TYPE_CHAR => V::U8(p.read()),
            ROS_TYPE_INT8 => V::I8(p.cast::<i8>().read()),
            ROS_TYPE_UINT16 | ROS_TYPE_WCHAR => V::U16(p.cast::<u16>().read_unaligned()),
            ROS_TYPE_INT16 => V::I16(p.cast::<i16>().read_unaligned()),
            ROS_TYPE_UINT32 => V::U32(p.cast::<u32>().read_unaligned()),
            ROS_TYPE_INT32 => V::I32(p.cast::<i32>().read_unaligned()),
            ROS_TYPE_UINT64 => V::U64(p.cast::<u64>().read_unaligned()),
            ROS_TYPE_INT64 => V::I64(p.cast::<i64>().read_unaligned()),
            ROS_TYPE_FLOAT => V::F32(p.cast::<u32>().read_unaligned()),
            ROS_TYPE_DOUBLE => V::F64(p.cast::<u64>().read_unaligned()),
            other => panic!("no scalar type {other}"),
        }
    }
}

/// # Safety
/// `p` points to writable storage of type `t`.
unsafe fn write_scalar(t: u8, p: *mut u8, v: &V) {
    // SAFETY: per the contract.
    unsafe {
        match (t, v) {
            (ROS_TYPE_BOOLEAN, V::Bool(b)) => p.write(u8::from(*b)),
            (ROS_TYPE_OCTET | ROS_TYPE_UINT8 | ROS_TYPE_CHAR, V::U8(x)) => p.write(*x),
            (ROS_TYPE_INT8, V::I8(x)) => p.cast::<i8>().write(*x),
            (ROS_TYPE_UINT16 | ROS_TYPE_WCHAR, V::U16(x)) => p.cast::<u16>().write_unaligned(*x),
            (ROS_TYPE_INT16, V::I16(x)) => p.cast::<i16>().write_unaligned(*x),
            (ROS_TYPE_UINT32, V::U32(x)) => p.cast::<u32>().write_unaligned(*x),
            (ROS_TYPE_INT32, V::I32(x)) => p.cast::<i32>().write_unaligned(*x),
            (ROS_TYPE_UINT64, V::U64(x)) => p.cast::<u64>().write_unaligned(*x),
            (ROS_TYPE_INT64, V::I64(x)) => p.cast::<i64>().write_unaligned(*x),
            (ROS_TYPE_FLOAT, V::F32(x)) => p.cast::<u32>().write_unaligned(*x),
            (ROS_TYPE_DOUBLE, V::F64(x)) => p.cast::<u64>().write_unaligned(*x),
            (t, v) => panic!("value {v:?} does not fit type {t}"),
        }
    }
}

/// libstdc++ (C++11 ABI) `std::basic_string<C>`: `{C* p; size_t len; union {C local[16 /
/// sizeof(C)]; size_t capacity}}`.
#[repr(C)]
struct StdString {
    p: *mut u8,
    len: usize,
    local: [u8; 16],
}

/// # Safety
/// `s` is a live `std::basic_string` whose characters are `unit` bytes wide.
unsafe fn read_std_string(s: *const u8, unit: usize) -> (*const u8, usize) {
    // SAFETY: per the contract.
    let s = unsafe { &*s.cast::<StdString>() };
    (s.p, s.len * unit)
}

/// Stores `bytes` (`unit`-byte characters) in a freshly constructed (empty, local-buffer)
/// `std::basic_string`, exactly as libstdc++ would: in the local buffer when it fits, else in
/// `operator new` storage of `len + 1` characters with capacity `len`.
///
/// # Safety
/// `s` is a live, empty `std::basic_string` not owning heap storage.
unsafe fn write_std_string(libs: &Libs, s: *mut u8, bytes: &[u8], unit: usize) {
    // SAFETY: per the contract.
    let s = unsafe { &mut *s.cast::<StdString>() };
    assert_eq!(
        s.p,
        s.local.as_mut_ptr(),
        "a fresh std::string uses its local buffer (libstdc++ C++11 ABI)"
    );
    assert_eq!(s.len, 0);
    let chars = bytes.len() / unit;
    let p = if bytes.len() < 16 {
        s.local.as_mut_ptr()
    } else {
        let p = libs.operator_new(bytes.len() + unit);
        s.p = p;
        s.local[..8].copy_from_slice(&chars.to_ne_bytes());
        p
    };
    // SAFETY: `p` has room for the characters and the terminator.
    unsafe {
        std::ptr::copy_nonoverlapping(bytes.as_ptr(), p, bytes.len());
        std::ptr::write_bytes(p.add(bytes.len()), 0, unit);
    }
    s.len = chars;
}

/// # Safety
/// `p` points to a live element of field `m` of a `lang` message.
unsafe fn read_elem(lang: Lang, m: &Member, p: *const u8) -> V {
    // SAFETY: per the contract; the runtime structs are the generated ones.
    unsafe {
        match (m.type_id, lang) {
            (ROS_TYPE_MESSAGE, _) => read_msg(m.nested.as_ref().unwrap(), p),
            (ROS_TYPE_STRING, Lang::C) => {
                let s = &*p.cast::<rosidl_runtime_c__String>();
                assert!(!s.data.is_null() && *s.data.add(s.size) == 0, "C string");
                V::Str(std::slice::from_raw_parts(s.data.cast::<u8>(), s.size).to_vec())
            }
            (ROS_TYPE_WSTRING, Lang::C) => {
                let s = &*p.cast::<rosidl_runtime_c__U16String>();
                assert!(!s.data.is_null() && *s.data.add(s.size) == 0, "C u16string");
                V::WStr(std::slice::from_raw_parts(s.data, s.size).to_vec())
            }
            (ROS_TYPE_STRING, Lang::Cpp) => {
                let (d, n) = read_std_string(p, 1);
                V::Str(std::slice::from_raw_parts(d, n).to_vec())
            }
            (ROS_TYPE_WSTRING, Lang::Cpp) => {
                let (d, n) = read_std_string(p, 2);
                V::WStr(std::slice::from_raw_parts(d.cast::<u16>(), n / 2).to_vec())
            }
            (t, _) => read_scalar(t, p),
        }
    }
}

/// # Safety
/// `p` points to a live, freshly initialized element of field `m` of a `lang` message.
unsafe fn write_elem(libs: &Libs, lang: Lang, m: &Member, p: *mut u8, v: &V) {
    type Assign = unsafe extern "C" fn(*mut c_void, *const c_void, usize) -> bool;
    // SAFETY: per the contract; the rosidl_runtime_c assign functions copy `n` characters.
    unsafe {
        match (m.type_id, lang, v) {
            (ROS_TYPE_MESSAGE, _, v) => write_msg(libs, m.nested.as_ref().unwrap(), p, v),
            (ROS_TYPE_STRING, Lang::C, V::Str(s)) => {
                let f: Assign = libs.runtime(b"rosidl_runtime_c__String__assignn\0");
                assert!(f(p.cast(), s.as_ptr().cast(), s.len()));
            }
            (ROS_TYPE_WSTRING, Lang::C, V::WStr(s)) => {
                let f: Assign = libs.runtime(b"rosidl_runtime_c__U16String__assignn\0");
                assert!(f(p.cast(), s.as_ptr().cast(), s.len()));
            }
            (ROS_TYPE_STRING, Lang::Cpp, V::Str(s)) => write_std_string(libs, p, s, 1),
            (ROS_TYPE_WSTRING, Lang::Cpp, V::WStr(s)) => {
                let bytes: Vec<u8> = s.iter().flat_map(|u| u.to_ne_bytes()).collect();
                write_std_string(libs, p, &bytes, 2)
            }
            (t, _, v) => write_scalar(t, p, v),
        }
    }
}

fn c_elem_size(m: &Member) -> usize {
    match m.type_id {
        ROS_TYPE_MESSAGE => m.nested.as_ref().unwrap().size_of,
        ROS_TYPE_STRING => std::mem::size_of::<rosidl_runtime_c__String>(),
        ROS_TYPE_WSTRING => std::mem::size_of::<rosidl_runtime_c__U16String>(),
        t => scalar_size(t),
    }
}

/// Pointers to the elements of an array/sequence field (not C++ `std::vector<bool>`).
///
/// # Safety
/// `f` points to the live field `m` of a `lang` message.
unsafe fn elements(lang: Lang, m: &Member, f: *const u8) -> Vec<*const u8> {
    // SAFETY: per the contract: C arrays are inline, C sequences are rosidl_runtime_c
    // sequences, C++ containers are accessed through the generated functions.
    unsafe {
        match (lang, m.kind) {
            (Lang::C, Kind::Array(n)) => (0..n).map(|i| f.add(i * c_elem_size(m))).collect(),
            (Lang::C, _) => {
                let s = &*f.cast::<rosidl_runtime_c__Sequence<u8>>();
                if let Kind::Seq(Some(b)) = m.kind {
                    assert!(s.size <= b, "{}: {} > bound {b}", m.name, s.size);
                }
                (0..s.size)
                    .map(|i| s.data.add(i * c_elem_size(m)).cast_const())
                    .collect()
            }
            (Lang::Cpp, _) => {
                let n = m.size_fn.unwrap()(f.cast());
                if let Kind::Array(k) = m.kind {
                    assert_eq!(n, k);
                }
                (0..n)
                    .map(|i| m.get_const.unwrap()(f.cast(), i).cast::<u8>())
                    .collect()
            }
        }
    }
}

fn is_cpp_bool_vector(lang: Lang, m: &Member) -> bool {
    lang == Lang::Cpp && m.type_id == ROS_TYPE_BOOLEAN && matches!(m.kind, Kind::Seq(_))
}

/// # Safety
/// `f` points to the live field `m` of a `lang` message.
unsafe fn read_field(lang: Lang, m: &Member, f: *const u8) -> V {
    // SAFETY: per the contract.
    unsafe {
        if m.kind == Kind::Single {
            return read_elem(lang, m, f);
        }
        if is_cpp_bool_vector(lang, m) {
            // std::vector<bool> has no element pointers: fetch each value.
            let n = m.size_fn.unwrap()(f.cast());
            return V::List(
                (0..n)
                    .map(|i| {
                        let mut b = false;
                        m.fetch.unwrap()(f.cast(), i, (&mut b as *mut bool).cast());
                        V::Bool(b)
                    })
                    .collect(),
            );
        }
        let ptrs = elements(lang, m, f);
        if is_byte(m.type_id) {
            V::Bytes(ptrs.iter().map(|p| p.read()).collect())
        } else {
            V::List(ptrs.iter().map(|p| read_elem(lang, m, *p)).collect())
        }
    }
}

/// # Safety
/// `f` points to the live, freshly initialized field `m` of a `lang` message.
unsafe fn write_field(libs: &Libs, lang: Lang, m: &Member, f: *mut u8, v: &V) {
    // SAFETY: per the contract.
    unsafe {
        if m.kind == Kind::Single {
            return write_elem(libs, lang, m, f, v);
        }
        let items: Vec<V> = match v {
            V::Bytes(b) => b.iter().map(|x| V::U8(*x)).collect(),
            V::List(l) => l.clone(),
            other => panic!("{}: {other:?} is not a list", m.name),
        };
        match m.kind {
            Kind::Array(n) => assert_eq!(items.len(), n, "{}: array length", m.name),
            Kind::Seq(_) => match m.resize {
                Resize::C(r) => assert!(r(f.cast(), items.len()), "{}: resize", m.name),
                Resize::Cpp(r) => r(f.cast(), items.len()),
                Resize::None => panic!("{}: no resize function", m.name),
            },
            Kind::Single => unreachable!(),
        }
        if is_cpp_bool_vector(lang, m) {
            for (i, b) in items.iter().enumerate() {
                let V::Bool(b) = b else { panic!("bool") };
                m.assign.unwrap()(f.cast(), i, (b as *const bool).cast());
            }
            return;
        }
        let ptrs: Vec<*mut u8> = match lang {
            Lang::C => elements(lang, m, f)
                .into_iter()
                .map(|p| p.cast_mut())
                .collect(),
            Lang::Cpp => (0..items.len())
                .map(|i| m.get.unwrap()(f.cast(), i).cast::<u8>())
                .collect(),
        };
        assert_eq!(ptrs.len(), items.len());
        for (p, v) in ptrs.into_iter().zip(&items) {
            write_elem(libs, lang, m, p, v);
        }
    }
}

/// Reads a whole message.
///
/// # Safety
/// `p` points to a live message of `t`.
pub unsafe fn read_msg(t: &Members, p: *const u8) -> V {
    V::Msg(
        t.fields
            .iter()
            .map(|m| {
                // SAFETY: the field lies inside the live message.
                let v = unsafe { read_field(t.lang, m, p.add(m.offset)) };
                (m.name.clone(), v)
            })
            .collect(),
    )
}

/// Writes a whole message (field names must match the type's, in order).
///
/// # Safety
/// `p` points to a live, freshly initialized message of `t` (or, for plain types, to
/// `size_of` writable bytes).
pub unsafe fn write_msg(libs: &Libs, t: &Members, p: *mut u8, v: &V) {
    let V::Msg(fields) = v else {
        panic!("{}: not a message value", t.name)
    };
    let names: Vec<&str> = fields.iter().map(|(n, _)| n.as_str()).collect();
    let expected: Vec<&str> = t.fields.iter().map(|m| m.name.as_str()).collect();
    assert_eq!(names, expected, "{} fields", t.name);
    for (m, (_, v)) in t.fields.iter().zip(fields) {
        // SAFETY: the field lies inside the live message.
        unsafe { write_field(libs, t.lang, m, p.add(m.offset), v) };
    }
}

// ---------------------------------------------------------------------------------------------
// Test values.

fn msg(fields: Vec<(&str, V)>) -> V {
    V::Msg(fields.into_iter().map(|(n, v)| (n.to_owned(), v)).collect())
}

fn f32v(x: f32) -> V {
    V::F32(x.to_bits())
}

fn f64v(x: f64) -> V {
    V::F64(x.to_bits())
}

fn s(x: &str) -> V {
    V::Str(x.as_bytes().to_vec())
}

fn w(x: &str) -> V {
    V::WStr(x.encode_utf16().collect())
}

fn bools(pattern: &[bool]) -> V {
    V::List(pattern.iter().map(|b| V::Bool(*b)).collect())
}

/// A long string: multi-byte UTF-8, longer than any small-string buffer, distinct per `seed`.
pub fn long_text(seed: u32, len: usize) -> String {
    let alphabet = ['a', 'Z', '0', 'ä', '€', '𝄞', ' ', '~'];
    let mut out = String::new();
    let mut i = seed as usize;
    while out.len() < len {
        out.push(alphabet[i % alphabet.len()]);
        i = i.wrapping_mul(31).wrapping_add(7);
    }
    out
}

/// `Plain` with values derived from `seed` (0: extremes).
pub fn plain_value(seed: u32) -> V {
    if seed == 0 {
        return msg(vec![
            ("flag", V::Bool(true)),
            ("small", V::U8(u8::MAX)),
            ("s16", V::I16(i16::MIN)),
            ("u32", V::U32(u32::MAX)),
            ("value", f64v(f64::MIN_POSITIVE)),
            (
                "triple",
                V::List(vec![V::I32(i32::MIN), V::I32(0), V::I32(i32::MAX)]),
            ),
            (
                "pair",
                V::List(vec![f32v(f32::MAX), f32v(f32::NEG_INFINITY)]),
            ),
            ("letter", V::U8(b'~')),
        ]);
    }
    msg(vec![
        ("flag", V::Bool(seed % 2 == 1)),
        ("small", V::U8(seed as u8)),
        ("s16", V::I16(-(seed as i16))),
        ("u32", V::U32(seed.wrapping_mul(2_654_435_761))),
        ("value", f64v(f64::from(seed) * -0.125)),
        (
            "triple",
            V::List(vec![
                V::I32(seed as i32),
                V::I32(-(seed as i32)),
                V::I32(seed as i32 * 3),
            ]),
        ),
        ("pair", V::List(vec![f32v(seed as f32), f32v(-0.0)])),
        ("letter", V::U8(b'a' + (seed % 26) as u8)),
    ])
}

/// `Strings`: `full` has long, bound-filling and multi-byte content; otherwise all empty.
pub fn strings_value(seed: u32, full: bool) -> V {
    if !full {
        return msg(vec![
            ("text", s("")),
            ("bounded_text", s("")),
            ("wide", w("")),
            ("bounded_wide", w("")),
            ("string_array", V::List(vec![s(""), s("")])),
            ("trailer", V::U16(0)),
        ]);
    }
    msg(vec![
        ("text", s(&long_text(seed, 10_000))),
        ("bounded_text", s("12345678")), // exactly the bound
        ("wide", w(&long_text(seed + 1, 300))),
        ("bounded_wide", w("H€𝄞")), // 4 UTF-16 units: exactly the bound
        (
            "string_array",
            V::List(vec![s(""), s(&long_text(seed + 2, 40))]),
        ),
        ("trailer", V::U16(u16::MAX - seed as u16)),
    ])
}

/// `Sequences`: `full` exercises every sequence (long, bound-filling, bool bit packing,
/// nested); otherwise all empty.
pub fn sequences_value(seed: u32, full: bool) -> V {
    if !full {
        return msg(vec![
            ("ints", V::List(vec![])),
            ("bounded_doubles", V::List(vec![])),
            ("bools", V::List(vec![])),
            ("bounded_bools", V::List(vec![])),
            ("strings", V::List(vec![])),
            ("bounded_strings", V::List(vec![])),
            ("plains", V::List(vec![])),
            ("bounded_nested", V::List(vec![])),
            ("bytes", V::Bytes(vec![])),
        ]);
    }
    let mut ints = vec![V::I32(i32::MIN), V::I32(-1), V::I32(0), V::I32(i32::MAX)];
    ints.extend((0..5000).map(|i| V::I32(i * seed as i32)));
    let bool_pattern: Vec<bool> = (0..131).map(|i| (i * 7 + seed).is_multiple_of(3)).collect();
    msg(vec![
        ("ints", V::List(ints)),
        (
            "bounded_doubles",
            V::List(vec![
                f64v(-0.0),
                f64v(f64::MAX),
                f64v(f64::EPSILON),
                f64v(f64::NAN),
            ]),
        ),
        ("bools", bools(&bool_pattern)),
        ("bounded_bools", bools(&[true, false, true])),
        (
            "strings",
            V::List(vec![
                s(""),
                s("short"),
                s(&long_text(seed, 1000)),
                s("ünïcödé"),
            ]),
        ),
        ("bounded_strings", V::List(vec![s("12345"), s("")])),
        (
            "plains",
            V::List((0..3).map(|i| plain_value(seed + i)).collect()),
        ),
        (
            "bounded_nested",
            V::List(vec![strings_value(seed, true), strings_value(seed, false)]),
        ),
        ("bytes", V::Bytes((0..=255u8).chain(0..=255u8).collect())),
    ])
}

/// `LargeFixed` with a 1 MiB payload derived from `seed`.
pub fn large_fixed_value(seed: u32) -> V {
    let mut frame = *b"cam_\xff\x00\x01\x7f_frame__";
    frame[15] = seed as u8;
    msg(vec![
        ("sequence", V::U64(u64::MAX - u64::from(seed))),
        ("stamp_sec", V::I32(i32::MIN + seed as i32)),
        ("stamp_nanosec", V::U32(999_999_999)),
        ("frame_id", V::Bytes(frame.to_vec())),
        ("width", V::U32(1024)),
        ("height", V::U32(1024 + seed)),
        (
            "payload",
            V::Bytes(
                (0..1usize << 20)
                    .map(|j| (j.wrapping_mul(31) as u32 ^ seed) as u8)
                    .collect(),
            ),
        ),
    ])
}

/// `AllPrimitives`: `0` the maxima, `1` the minima and special floats.
pub fn all_primitives_value(seed: u32) -> V {
    if seed.is_multiple_of(2) {
        msg(vec![
            ("b", V::Bool(true)),
            ("by", V::U8(u8::MAX)),
            ("c", V::U8(0x7f)),
            ("f32", f32v(f32::MAX)),
            ("f64", f64v(f64::MAX)),
            ("i8", V::I8(i8::MAX)),
            ("u8", V::U8(u8::MAX)),
            ("i16", V::I16(i16::MAX)),
            ("u16", V::U16(u16::MAX)),
            ("i32", V::I32(i32::MAX)),
            ("u32", V::U32(u32::MAX)),
            ("i64", V::I64(i64::MAX)),
            ("u64", V::U64(u64::MAX)),
        ])
    } else {
        msg(vec![
            ("b", V::Bool(false)),
            ("by", V::U8(0)),
            ("c", V::U8(0x80)),
            ("f32", V::F32(0x7fc0_1234)), // NaN with payload
            ("f64", f64v(f64::NEG_INFINITY)),
            ("i8", V::I8(i8::MIN)),
            ("u8", V::U8(0)),
            ("i16", V::I16(i16::MIN)),
            ("u16", V::U16(0)),
            ("i32", V::I32(i32::MIN)),
            ("u32", V::U32(0)),
            ("i64", V::I64(i64::MIN)),
            ("u64", V::U64(0)),
        ])
    }
}

/// Test values of message `name`: several variants, each non-trivial.
pub fn values(name: &str) -> Vec<V> {
    match name {
        "Plain" => vec![plain_value(0), plain_value(5)],
        "Nested" => vec![
            msg(vec![
                ("tag", V::I8(i8::MIN)),
                ("inner", plain_value(0)),
                ("stamp", V::U64(u64::MAX)),
            ]),
            msg(vec![
                ("tag", V::I8(7)),
                ("inner", plain_value(9)),
                ("stamp", V::U64(1)),
            ]),
        ],
        "Strings" => vec![strings_value(1, true), strings_value(2, false)],
        "Sequences" => vec![sequences_value(3, true), sequences_value(4, false)],
        "NestedArrays" => vec![
            msg(vec![
                ("plains", V::List(vec![plain_value(0), plain_value(1)])),
                (
                    "strings",
                    V::List(vec![strings_value(5, false), strings_value(6, true)]),
                ),
            ]),
            msg(vec![
                ("plains", V::List(vec![plain_value(2), plain_value(3)])),
                (
                    "strings",
                    V::List(vec![strings_value(7, true), strings_value(8, true)]),
                ),
            ]),
        ],
        "LargeFixed" => vec![large_fixed_value(1)],
        "AllPrimitives" => vec![all_primitives_value(0), all_primitives_value(1)],
        "Empty" => vec![msg(vec![("structure_needs_at_least_one_member", V::U8(0))])],
        other => panic!("unknown message {other}"),
    }
}

// ---------------------------------------------------------------------------------------------
// rmw helpers.

/// QoS of these tests: reliable, keep last `depth`, volatile.
pub fn qos(depth: usize) -> rmw_qos_profile_t {
    let mut q = rmw_qos_profile_default;
    q.depth = depth;
    q
}

/// A wait set of a context, destroyed on drop.
pub struct WaitSet(pub *mut rmw_wait_set_t);

impl WaitSet {
    /// `rmw_create_wait_set(ctx, 0)`.
    pub fn new(ctx: &mut Context) -> WaitSet {
        // SAFETY: valid, initialized context.
        let ws = unsafe { rmw_create_wait_set(ctx.ptr(), 0) };
        assert!(!ws.is_null(), "{}", last_error());
        WaitSet(ws)
    }

    /// `rmw_wait` on `subs` (plus optionally one guard condition) with `timeout`, as rcl does:
    /// returns which subscriptions are ready (and whether the guard condition is).
    pub fn wait(
        &self,
        subs: &[*mut rmw_subscription_t],
        gc: Option<*const rmw_guard_condition_t>,
        timeout: std::time::Duration,
    ) -> (Vec<bool>, bool) {
        // SAFETY: the handles are live; the arrays hold their `data` as rcl passes them.
        unsafe {
            let mut sarr: Vec<*mut c_void> = subs.iter().map(|s| (**s).data).collect();
            let mut rs = rmw_subscriptions_t {
                subscriber_count: sarr.len(),
                subscribers: sarr.as_mut_ptr(),
            };
            let mut garr: Vec<*mut c_void> = gc.iter().map(|g| (**g).data).collect();
            let mut rg = rmw_guard_conditions_t {
                guard_condition_count: garr.len(),
                guard_conditions: garr.as_mut_ptr(),
            };
            let t = rmw_time_t {
                sec: timeout.as_secs(),
                nsec: u64::from(timeout.subsec_nanos()),
            };
            let rc = rmw_wait(
                &mut rs,
                &mut rg,
                null_mut(),
                null_mut(),
                null_mut(),
                self.0,
                &t,
            );
            assert!(
                rc == RMW_RET_OK || rc == RMW_RET_TIMEOUT,
                "rmw_wait: {rc} {}",
                last_error()
            );
            (
                sarr.iter().map(|p| !p.is_null()).collect(),
                garr.first().is_some_and(|p| !p.is_null()),
            )
        }
    }

    /// Waits (10 s timeout, as a failure guard only) until `sub` has data.
    pub fn wait_for(&self, sub: *mut rmw_subscription_t) {
        let (ready, _) = self.wait(&[sub], None, std::time::Duration::from_secs(10));
        assert!(ready[0], "no message within the wait timeout");
    }
}

impl Drop for WaitSet {
    fn drop(&mut self) {
        // SAFETY: created in `new`, destroyed once.
        assert_eq!(unsafe { rmw_destroy_wait_set(self.0) }, RMW_RET_OK);
    }
}

/// An `rmw_serialized_message_t` with the default allocator, freed on drop.
pub struct Serialized(pub rmw_serialized_message_t);

impl Default for Serialized {
    fn default() -> Self {
        Self::new()
    }
}

impl Serialized {
    /// Empty, capacity 0.
    pub fn new() -> Serialized {
        // SAFETY: all-zero is the zero-initialized serialized message.
        let mut m: rmw_serialized_message_t = unsafe { std::mem::zeroed() };
        m.allocator = default_allocator();
        Serialized(m)
    }

    /// From bytes.
    pub fn from_bytes(b: &[u8]) -> Serialized {
        let mut m = Serialized::new();
        let a = &m.0.allocator;
        // SAFETY: the default allocator's allocate.
        let p = unsafe { a.allocate.unwrap()(b.len().max(1), a.state) }.cast::<u8>();
        assert!(!p.is_null());
        // SAFETY: `p` has room for `b`.
        unsafe { std::ptr::copy_nonoverlapping(b.as_ptr(), p, b.len()) };
        m.0.buffer = p;
        m.0.buffer_length = b.len();
        m.0.buffer_capacity = b.len().max(1);
        m
    }

    /// The bytes.
    pub fn bytes(&self) -> &[u8] {
        if self.0.buffer.is_null() {
            return &[];
        }
        // SAFETY: `buffer_length` valid bytes.
        unsafe { std::slice::from_raw_parts(self.0.buffer, self.0.buffer_length) }
    }
}

impl Drop for Serialized {
    fn drop(&mut self) {
        if !self.0.buffer.is_null() {
            let a = &self.0.allocator;
            // SAFETY: allocated by this allocator.
            unsafe { a.deallocate.unwrap()(self.0.buffer.cast(), a.state) };
        }
    }
}

/// `rmw_serialize`, asserting success.
pub fn rmw_ser(m: &Msg, ts: *const rosidl_message_type_support_t) -> Serialized {
    let mut out = Serialized::new();
    // SAFETY: `m` is a live message of `ts`'s type.
    let rc = unsafe { rmw_serialize(m.as_ptr(), ts, &mut out.0) };
    assert_eq!(rc, RMW_RET_OK, "rmw_serialize: {}", last_error());
    out
}

/// Where `p` lies in this process's memory map: the mapped file (path, device, inode) and the
/// offset in that file. Two pointers (even in different processes) whose device, inode and
/// offset are equal address the same physical bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MappedLocation {
    /// Path as the kernel shows it (an unlinked or descriptor-passed file may show differently
    /// in different processes).
    pub path: String,
    /// `major:minor` of the file's device.
    pub dev: String,
    /// Inode number.
    pub inode: u64,
    /// Offset of `p` in the file.
    pub offset: u64,
}

impl MappedLocation {
    /// `dev:inode@offset`: equal strings mean the same bytes.
    pub fn identity(&self) -> String {
        format!("{}:{}@{}", self.dev, self.inode, self.offset)
    }
}

/// The mapping of `p` in `/proc/self/maps`.
pub fn mapped_location(p: *const u8) -> Option<MappedLocation> {
    let maps = std::fs::read_to_string("/proc/self/maps").ok()?;
    let a = p as u64;
    maps.lines().find_map(|l| {
        let mut it = l.split_whitespace();
        let range = it.next()?;
        let _perms = it.next()?;
        let off = u64::from_str_radix(it.next()?, 16).ok()?;
        let dev = it.next()?.to_owned();
        let inode = it.next()?.parse().ok()?;
        let path = it.next().unwrap_or("").to_owned();
        let (lo, hi) = range.split_once('-')?;
        let (lo, hi) = (
            u64::from_str_radix(lo, 16).ok()?,
            u64::from_str_radix(hi, 16).ok()?,
        );
        (lo <= a && a < hi).then(|| MappedLocation {
            path,
            dev,
            inode,
            offset: off + (a - lo),
        })
    })
}

/// Asserts `p` lies in a mapping of a file in hazcat's shared-memory directory (`/dev/shm` or
/// `HAZCAT_SHM_DIR`); returns its location. hazcat's pools are such files, also passed between
/// processes by descriptor (then shown as `<dir>/#<inode>`), so compare
/// [`MappedLocation::identity`], not paths.
#[track_caller]
pub fn assert_in_shm(p: *const u8, what: &str) -> MappedLocation {
    let loc = mapped_location(p).unwrap_or_else(|| panic!("{what}: {p:?} is not mapped"));
    let dir = format!("{}/", hazcat_core::os::shm_file::shm_dir());
    assert!(
        loc.path.starts_with(&dir) && loc.inode != 0,
        "{what}: {p:?} is in {loc:?}, not a shared-memory file"
    );
    loc
}
