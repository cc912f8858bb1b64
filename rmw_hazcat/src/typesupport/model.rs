//! A checked Rust model of a message type, built once per introspection `MessageMembers` from
//! the introspection data and cached for the life of the process.

use super::resolve::{resolve_message_introspection, resolve_service_introspection, Language};
use super::{cpp_shim, Result, TypeSupportError};
use crate::sys::rosidl::field_types::*;
use crate::sys::rosidl::{
    rosidl_message_type_support_t, rosidl_runtime_c__String, rosidl_runtime_c__U16String,
    rosidl_runtime_c__message_initialization, rosidl_service_type_support_t,
    rosidl_typesupport_introspection_c__MessageMember,
    rosidl_typesupport_introspection_c__MessageMembers,
    rosidl_typesupport_introspection_c__ServiceMembers,
    rosidl_typesupport_introspection_cpp__MessageMember,
};
use std::collections::HashMap;
use std::ffi::{c_char, c_void, CStr};
use std::sync::{Arc, Mutex, OnceLock};

/// A primitive ROS field type; its in-memory size equals its CDR size.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Primitive {
    /// `float32`.
    Float32,
    /// `float64`.
    Float64,
    /// `long double` (16 bytes in memory and on the wire, x86_64).
    LongDouble,
    /// `char` (1 byte).
    Char,
    /// `wchar` (2 bytes).
    WChar,
    /// `bool` (1 byte, 0 or 1).
    Bool,
    /// `byte` / `octet`.
    Octet,
    /// `uint8`.
    Uint8,
    /// `int8`.
    Int8,
    /// `uint16`.
    Uint16,
    /// `int16`.
    Int16,
    /// `uint32`.
    Uint32,
    /// `int32`.
    Int32,
    /// `uint64`.
    Uint64,
    /// `int64`.
    Int64,
}

impl Primitive {
    /// Maps a `ROS_TYPE_*` id to a primitive; `None` for strings, messages and unknown ids.
    pub fn from_type_id(id: u8) -> Option<Self> {
        Some(match id {
            ROS_TYPE_FLOAT => Self::Float32,
            ROS_TYPE_DOUBLE => Self::Float64,
            ROS_TYPE_LONG_DOUBLE => Self::LongDouble,
            ROS_TYPE_CHAR => Self::Char,
            ROS_TYPE_WCHAR => Self::WChar,
            ROS_TYPE_BOOLEAN => Self::Bool,
            ROS_TYPE_OCTET => Self::Octet,
            ROS_TYPE_UINT8 => Self::Uint8,
            ROS_TYPE_INT8 => Self::Int8,
            ROS_TYPE_UINT16 => Self::Uint16,
            ROS_TYPE_INT16 => Self::Int16,
            ROS_TYPE_UINT32 => Self::Uint32,
            ROS_TYPE_INT32 => Self::Int32,
            ROS_TYPE_UINT64 => Self::Uint64,
            ROS_TYPE_INT64 => Self::Int64,
            _ => return None,
        })
    }

    /// Size in bytes, in memory and in CDR.
    pub fn size(self) -> usize {
        match self {
            Self::Char | Self::Bool | Self::Octet | Self::Uint8 | Self::Int8 => 1,
            Self::WChar | Self::Uint16 | Self::Int16 => 2,
            Self::Float32 | Self::Uint32 | Self::Int32 => 4,
            Self::Float64 | Self::Uint64 | Self::Int64 => 8,
            Self::LongDouble => 16,
        }
    }

    /// CDR alignment: `min(size, 8)`.
    pub fn cdr_align(self) -> usize {
        self.size().min(8)
    }
}

/// What one element of a field is.
#[derive(Debug, Clone)]
pub enum ElementType {
    /// A primitive value.
    Primitive(Primitive),
    /// A string, optionally bounded (characters, terminator excluded).
    String {
        /// Upper bound, `None` when unbounded.
        bound: Option<usize>,
    },
    /// A wide string, optionally bounded (code units).
    WString {
        /// Upper bound, `None` when unbounded.
        bound: Option<usize>,
    },
    /// A nested message.
    Message(Arc<MessageType>),
}

/// How many elements a field holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Container {
    /// Exactly one.
    Single,
    /// A fixed array of this many, stored inline.
    Array(usize),
    /// A sequence, optionally bounded.
    Sequence {
        /// Upper bound, `None` when unbounded.
        bound: Option<usize>,
    },
}

/// C or C++ sequence resize function.
#[derive(Debug, Clone, Copy)]
pub(crate) enum ResizeFn {
    /// C: frees and re-initializes with `size` initialized elements; false on failure.
    C(unsafe extern "C" fn(*mut c_void, usize) -> bool),
    /// C++: `vector::resize`.
    Cpp(unsafe extern "C" fn(*mut c_void, usize)),
}

/// Accessors of an array/sequence member from the introspection data.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct MemberFns {
    pub(crate) size: Option<unsafe extern "C" fn(*const c_void) -> usize>,
    pub(crate) get_const: Option<unsafe extern "C" fn(*const c_void, usize) -> *const c_void>,
    pub(crate) get: Option<unsafe extern "C" fn(*mut c_void, usize) -> *mut c_void>,
    pub(crate) resize: Option<ResizeFn>,
}

/// One field of a message.
#[derive(Debug, Clone)]
pub struct Field {
    /// Field name.
    pub name: String,
    /// The introspection `ROS_TYPE_*` id.
    pub type_id: u8,
    /// Element type.
    pub element: ElementType,
    /// Single, fixed array or sequence.
    pub container: Container,
    /// Byte offset of the field in the message struct.
    pub offset: usize,
    /// In-memory size of one element (array / sequence stride).
    pub element_size: usize,
    pub(crate) fns: MemberFns,
}

type InitFn = unsafe extern "C" fn(*mut c_void, rosidl_runtime_c__message_initialization);
type FiniFn = unsafe extern "C" fn(*mut c_void);

/// The layout of one message type in one language.
#[derive(Debug)]
pub struct MessageType {
    /// Namespace as introspection gives it (`"pkg__msg"` in C, `"pkg::msg"` in C++).
    pub namespace: String,
    /// Type name, e.g. `"String"`.
    pub name: String,
    /// Memory layout language.
    pub language: Language,
    /// `sizeof` the message struct.
    pub size_of: usize,
    /// Fields in declaration (= CDR) order.
    pub fields: Vec<Field>,
    pub(crate) init: Option<InitFn>,
    pub(crate) fini: Option<FiniFn>,
    plain: bool,
    members_addr: usize,
}

impl MessageType {
    /// True when the message is fixed-size and self-contained (see [`is_plain`]).
    pub fn is_plain(&self) -> bool {
        self.plain
    }

    /// The ROS type name, e.g. `"std_msgs/msg/String"`.
    pub fn ros_type_name(&self) -> String {
        let ns = match self.language {
            Language::C => self.namespace.replace("__", "/"),
            Language::Cpp => self.namespace.replace("::", "/"),
        };
        format!("{ns}/{}", self.name)
    }

    /// Address of the introspection `MessageMembers` this model was built from.
    pub fn members_address(&self) -> usize {
        self.members_addr
    }

    /// Constructs a message in place with the type's `init_function` (C: `<Type>__init`, which
    /// allocates empty strings; C++: placement new with `MessageInitialization::ALL`).
    ///
    /// # Safety
    /// `msg` points to `size_of` writable bytes, suitably aligned, not holding a live message.
    pub unsafe fn init_in_place(&self, msg: *mut u8) -> Result<()> {
        let init = self.init.ok_or_else(|| {
            TypeSupportError::InvalidIntrospection(format!("{}: no init_function", self.name))
        })?;
        // SAFETY: memory contract forwarded from the caller.
        unsafe {
            init(
                msg.cast(),
                crate::sys::rosidl::ROSIDL_RUNTIME_C_MSG_INIT_ALL,
            )
        };
        Ok(())
    }

    /// Destroys a message in place with the type's `fini_function`.
    ///
    /// # Safety
    /// `msg` holds a live message of this type, which is dead afterwards.
    pub unsafe fn fini_in_place(&self, msg: *mut u8) -> Result<()> {
        let fini = self.fini.ok_or_else(|| {
            TypeSupportError::InvalidIntrospection(format!("{}: no fini_function", self.name))
        })?;
        // SAFETY: memory contract forwarded from the caller.
        unsafe { fini(msg.cast()) };
        Ok(())
    }
}

/// True when messages of the type are fixed-size and self-contained: only primitives, fixed
/// arrays and nested plain messages (no strings, no sequences, recursively). Such messages have
/// the same bytes in C and C++ and can be loaned and shared without serialization.
pub fn is_plain(ty: &MessageType) -> bool {
    ty.plain
}

/// Request and response models of a service.
#[derive(Debug, Clone)]
pub struct ServiceTypes {
    /// Namespace, e.g. `"example_interfaces__srv"` (C) or `"example_interfaces::srv"` (C++).
    pub namespace: String,
    /// Service name, e.g. `"AddTwoInts"`.
    pub name: String,
    /// Request type.
    pub request: Arc<MessageType>,
    /// Response type.
    pub response: Arc<MessageType>,
}

type CacheKey = (usize, Language);

fn cache() -> &'static Mutex<HashMap<CacheKey, Arc<MessageType>>> {
    static CACHE: OnceLock<Mutex<HashMap<CacheKey, Arc<MessageType>>>> = OnceLock::new();
    CACHE.get_or_init(Default::default)
}

/// A type-support handle as it is *now*: its address and the fields that decide what it
/// resolves to. Callers may rewrite a handle in place (test_rmw_implementation swaps in a bogus
/// `typesupport_identifier` on the very handle it used before and expects creation to fail), so
/// the address alone must not answer from the cache.
type HandleKey = (usize, usize, usize, usize);

fn handle_cache() -> &'static Mutex<HashMap<HandleKey, Arc<MessageType>>> {
    static CACHE: OnceLock<Mutex<HashMap<HandleKey, Arc<MessageType>>>> = OnceLock::new();
    CACHE.get_or_init(Default::default)
}

/// # Safety
/// `ts` is a valid, non-NULL `rosidl_message_type_support_t`.
unsafe fn handle_key(ts: *const rosidl_message_type_support_t) -> HandleKey {
    // SAFETY: non-NULL and valid per the caller's contract.
    let h = unsafe { &*ts };
    (
        ts as usize,
        h.typesupport_identifier as usize,
        h.data as usize,
        h.func.map_or(0, |f| f as usize),
    )
}

/// The model of the message type behind any type-support handle (cached per handle and per
/// introspection members).
///
/// # Safety
/// `ts` is NULL or a valid `rosidl_message_type_support_t` whose libraries stay loaded for the
/// rest of the process (or at least while the returned model is used).
pub unsafe fn message_type(ts: *const rosidl_message_type_support_t) -> Result<Arc<MessageType>> {
    if ts.is_null() {
        return Err(TypeSupportError::NullPointer("message type support"));
    }
    // SAFETY: non-NULL, valid per the caller's contract.
    let key = unsafe { handle_key(ts) };
    if let Some(t) = handle_cache()
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .get(&key)
    {
        return Ok(t.clone());
    }
    // SAFETY: `ts` is non-NULL (checked) and a valid handle whose libraries stay loaded (this
    // function's `# Safety`): `resolve_message_introspection`'s requirement.
    let (lang, intro) = unsafe { resolve_message_introspection(ts)? };
    // SAFETY: `intro` is an introspection handle of `lang`; its `data` is MessageMembers.
    let members =
        unsafe { (*intro).data }.cast::<rosidl_typesupport_introspection_c__MessageMembers>();
    // SAFETY: `members` is that MessageMembers, of language `lang`, in a library that stays
    // loaded: `model_of_members`'s requirement.
    let ty = unsafe { model_of_members(members, lang)? };
    handle_cache()
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .insert(key, ty.clone());
    Ok(ty)
}

/// The request/response models of a service type-support handle.
///
/// # Safety
/// As [`message_type`], for a `rosidl_service_type_support_t`.
pub unsafe fn service_types(ts: *const rosidl_service_type_support_t) -> Result<ServiceTypes> {
    // SAFETY: `ts` is NULL or a valid service handle whose libraries stay loaded (this
    // function's `# Safety`): `resolve_service_introspection` checks NULL and needs no more.
    let (lang, intro) = unsafe { resolve_service_introspection(ts)? };
    // SAFETY: C and C++ ServiceMembers have the same layout; `data` points to one.
    let sm = unsafe { (*intro).data }.cast::<rosidl_typesupport_introspection_c__ServiceMembers>();
    if sm.is_null() {
        return Err(TypeSupportError::InvalidIntrospection(
            "service members are NULL".into(),
        ));
    }
    // SAFETY: non-NULL ServiceMembers from a loaded library.
    let sm = unsafe { &*sm };
    Ok(ServiceTypes {
        // SAFETY: static strings of the introspection data.
        namespace: unsafe { cstr(sm.service_namespace_) },
        // SAFETY: also a static string of the introspection data (NULL-checked by `cstr`).
        name: unsafe { cstr(sm.service_name_) },
        // SAFETY: request/response members are MessageMembers of the same library.
        request: unsafe { model_of_members(sm.request_members_, lang)? },
        // SAFETY: the response members are MessageMembers of the same library and language.
        response: unsafe { model_of_members(sm.response_members_, lang)? },
    })
}

/// # Safety
/// `p` is NULL or a NUL-terminated string.
unsafe fn cstr(p: *const c_char) -> String {
    if p.is_null() {
        String::new()
    } else {
        // SAFETY: non-NULL and NUL-terminated per the contract.
        unsafe { CStr::from_ptr(p) }.to_string_lossy().into_owned()
    }
}

/// Builds (or fetches) the model of a C or C++ `MessageMembers` (the two share a layout).
///
/// # Safety
/// `members` is NULL or valid introspection data of language `lang`, kept loaded.
unsafe fn model_of_members(
    members: *const rosidl_typesupport_introspection_c__MessageMembers,
    lang: Language,
) -> Result<Arc<MessageType>> {
    if members.is_null() {
        return Err(TypeSupportError::InvalidIntrospection(
            "message members are NULL".into(),
        ));
    }
    let key = (members as usize, lang);
    if let Some(t) = cache().lock().unwrap_or_else(|e| e.into_inner()).get(&key) {
        return Ok(t.clone());
    }
    // SAFETY: `members` is non-NULL (checked) valid introspection data of `lang`, kept loaded
    // (this function's `# Safety`): `build`'s requirement. Built without the lock (nested types
    // recurse here).
    let built = Arc::new(unsafe { build(members, lang)? });
    let mut map = cache().lock().unwrap_or_else(|e| e.into_inner());
    Ok(map.entry(key).or_insert(built).clone())
}

/// # Safety
/// As [`model_of_members`], `members` non-NULL.
unsafe fn build(
    members: *const rosidl_typesupport_introspection_c__MessageMembers,
    lang: Language,
) -> Result<MessageType> {
    // SAFETY: non-NULL valid MessageMembers per the contract.
    let mm = unsafe { &*members };
    // SAFETY: static strings of the introspection data.
    let (namespace, name) = unsafe { (cstr(mm.message_namespace_), cstr(mm.message_name_)) };
    let count = mm.member_count_ as usize;
    if count > 0 && mm.members_.is_null() {
        return Err(TypeSupportError::InvalidIntrospection(format!(
            "{name}: members_ is NULL"
        )));
    }
    let mut fields = Vec::with_capacity(count);
    for i in 0..count {
        // SAFETY: `members_` has `member_count_` entries; the C and C++ MessageMember layouts
        // are identical except for the return type of `resize_function`, handled below.
        let m = unsafe { &*mm.members_.add(i) };
        // SAFETY: `m` is member `i < member_count_` of valid introspection data of `lang`, kept
        // loaded: `build_field`'s requirement.
        let field = unsafe { build_field(m, lang, &name)? };
        if field.offset + field_mem_size(&field) > mm.size_of_ {
            return Err(TypeSupportError::InvalidIntrospection(format!(
                "{name}.{}: field extends past size_of {}",
                field.name, mm.size_of_
            )));
        }
        fields.push(field);
    }
    let plain = fields.iter().all(|f| {
        !matches!(f.container, Container::Sequence { .. })
            && match &f.element {
                ElementType::Primitive(_) => true,
                ElementType::Message(t) => t.plain,
                ElementType::String { .. } | ElementType::WString { .. } => false,
            }
    });
    Ok(MessageType {
        namespace,
        name,
        language: lang,
        size_of: mm.size_of_,
        fields,
        init: mm.init_function,
        fini: mm.fini_function,
        plain,
        members_addr: members as usize,
    })
}

/// Bytes a field occupies inside the message struct, where knowable (sequences: 24 in C; C++
/// containers are not checked and count as 1).
fn field_mem_size(f: &Field) -> usize {
    match f.container {
        Container::Single => f.element_size,
        Container::Array(n) => f.element_size * n,
        Container::Sequence { .. } => 1,
    }
}

/// # Safety
/// `m` is a valid MessageMember of language `lang` (reinterpreted via the C layout).
unsafe fn build_field(
    m: &rosidl_typesupport_introspection_c__MessageMember,
    lang: Language,
    owner: &str,
) -> Result<Field> {
    // SAFETY: static string of the introspection data.
    let name = unsafe { cstr(m.name_) };
    let bad =
        |what: &str| TypeSupportError::InvalidIntrospection(format!("{owner}.{name}: {what}"));
    let bound = |b: usize| if b == 0 { None } else { Some(b) };
    let (element, element_size) = match m.type_id_ {
        ROS_TYPE_STRING => (
            ElementType::String {
                bound: bound(m.string_upper_bound_),
            },
            match lang {
                Language::C => std::mem::size_of::<rosidl_runtime_c__String>(),
                Language::Cpp => cpp_shim::string_sizeof(),
            },
        ),
        ROS_TYPE_WSTRING => (
            ElementType::WString {
                bound: bound(m.string_upper_bound_),
            },
            match lang {
                Language::C => std::mem::size_of::<rosidl_runtime_c__U16String>(),
                Language::Cpp => cpp_shim::u16string_sizeof(),
            },
        ),
        ROS_TYPE_MESSAGE => {
            if m.members_.is_null() {
                return Err(bad("nested type support is NULL"));
            }
            // SAFETY: `members_` of a MESSAGE member is the nested introspection handle.
            let nested = unsafe { (*m.members_).data }
                .cast::<rosidl_typesupport_introspection_c__MessageMembers>();
            // SAFETY: nested MessageMembers of the same language and library set.
            let t = unsafe { model_of_members(nested, lang)? };
            let size = t.size_of;
            (ElementType::Message(t), size)
        }
        id => {
            let p =
                Primitive::from_type_id(id).ok_or_else(|| bad(&format!("unknown type id {id}")))?;
            (ElementType::Primitive(p), p.size())
        }
    };
    let container = if !m.is_array_ {
        Container::Single
    } else if m.is_upper_bound_ {
        Container::Sequence {
            bound: Some(m.array_size_),
        }
    } else if m.array_size_ > 0 {
        Container::Array(m.array_size_)
    } else {
        Container::Sequence { bound: None }
    };
    let resize = match lang {
        Language::C => m.resize_function.map(ResizeFn::C),
        Language::Cpp => {
            // SAFETY: this member really is a C++ MessageMember (same layout); read its
            // `void`-returning resize function through the C++ declaration.
            let cpp = unsafe {
                &*(m as *const rosidl_typesupport_introspection_c__MessageMember)
                    .cast::<rosidl_typesupport_introspection_cpp__MessageMember>()
            };
            cpp.resize_function.map(ResizeFn::Cpp)
        }
    };
    let fns = MemberFns {
        size: m.size_function,
        get_const: m.get_const_function,
        get: m.get_function,
        resize,
    };
    if let Container::Sequence { .. } = container {
        let is_bool = matches!(element, ElementType::Primitive(Primitive::Bool));
        match lang {
            Language::C if fns.resize.is_none() => {
                return Err(bad("sequence without resize_function"))
            }
            Language::Cpp
                if !is_bool
                    && (fns.size.is_none()
                        || fns.get_const.is_none()
                        || fns.get.is_none()
                        || fns.resize.is_none()) =>
            {
                return Err(bad("sequence without size/get/resize functions"))
            }
            _ => {}
        }
    }
    Ok(Field {
        name,
        type_id: m.type_id_,
        element,
        container,
        offset: m.offset_ as usize,
        element_size,
        fns,
    })
}
