//! Hand-built C introspection type supports in the layout of the distro under test:
//! `fixture_msgs/msg/Plain` (fixed size), `fixture_msgs/msg/Text` (has a string) and the service
//! `fixture_msgs/srv/PlainEcho`, and the pieces to build others.
#![allow(
    dead_code,
    clippy::undocumented_unsafe_blocks,
    clippy::missing_safety_doc
)]

use rmw_hazcat_rs::sys::rosidl::field_types::*;
use rmw_hazcat_rs::sys::rosidl::*;
use std::ffi::{c_char, c_void, CStr};
use std::mem::offset_of;

/// Plain: `uint32 id; float64 value; uint8 flag`.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Plain {
    pub id: u32,
    pub value: f64,
    pub flag: u8,
}

/// Text: `uint32 id; string text`.
#[repr(C)]
pub struct Text {
    pub id: u32,
    pub text: rosidl_runtime_c__String,
}

unsafe extern "C" fn plain_init(p: *mut c_void, _: rosidl_runtime_c__message_initialization) {
    unsafe { p.cast::<Plain>().write(Plain::default()) };
}
unsafe extern "C" fn plain_fini(_: *mut c_void) {}

/// An empty string as rosidl initializes one (a `malloc`ed NUL).
pub fn empty_string() -> rosidl_runtime_c__String {
    rosidl_runtime_c__String {
        data: unsafe { libc::calloc(1, 1) }.cast(),
        size: 0,
        capacity: 1,
    }
}

unsafe extern "C" fn text_init(p: *mut c_void, _: rosidl_runtime_c__message_initialization) {
    unsafe {
        p.cast::<Text>().write(Text {
            id: 0,
            text: empty_string(),
        })
    };
}
unsafe extern "C" fn text_fini(p: *mut c_void) {
    unsafe { libc::free((*p.cast::<Text>()).text.data.cast()) };
}

/// A type-support handle (message or service), seen through its identifier.
pub trait TypeSupportHandle {
    fn identifier(&self) -> *const c_char;
}

impl TypeSupportHandle for rosidl_message_type_support_t {
    fn identifier(&self) -> *const c_char {
        self.typesupport_identifier
    }
}

impl TypeSupportHandle for rosidl_service_type_support_t {
    fn identifier(&self) -> *const c_char {
        self.typesupport_identifier
    }
}

/// The `func` of a hand-built type-support handle: the handle itself for its own identifier.
pub unsafe extern "C" fn ident_compare<H: TypeSupportHandle>(
    h: *const H,
    id: *const c_char,
) -> *const H {
    if unsafe { CStr::from_ptr((*h).identifier()) == CStr::from_ptr(id) } {
        h
    } else {
        std::ptr::null()
    }
}

/// A scalar (or string) member at `offset`; set the array fields on the result for sequences.
pub fn member(
    name: &'static CStr,
    type_id: u8,
    offset: usize,
) -> rosidl_typesupport_introspection_c__MessageMember {
    rosidl_typesupport_introspection_c__MessageMember {
        name_: name.as_ptr(),
        type_id_: type_id,
        string_upper_bound_: 0,
        members_: std::ptr::null(),
        #[cfg(not(ros_distro = "humble"))]
        is_key_: false,
        is_array_: false,
        array_size_: 0,
        is_upper_bound_: false,
        offset_: offset as u32,
        default_value_: std::ptr::null(),
        size_function: None,
        get_const_function: None,
        get_function: None,
        fetch_function: None,
        assign_function: None,
        resize_function: None,
    }
}

/// The `init_function` of a message.
pub type InitFn = unsafe extern "C" fn(*mut c_void, rosidl_runtime_c__message_initialization);
/// The `fini_function` of a message.
pub type FiniFn = unsafe extern "C" fn(*mut c_void);

/// Introspection members of the message `namespace::name` (leaked).
pub fn message_members(
    namespace: &'static CStr,
    name: &'static CStr,
    size: usize,
    members: Vec<rosidl_typesupport_introspection_c__MessageMember>,
    init: InitFn,
    fini: FiniFn,
) -> &'static rosidl_typesupport_introspection_c__MessageMembers {
    let members: &'static [_] = Box::leak(members.into_boxed_slice());
    Box::leak(Box::new(
        rosidl_typesupport_introspection_c__MessageMembers {
            message_namespace_: namespace.as_ptr(),
            message_name_: name.as_ptr(),
            member_count_: members.len() as u32,
            size_of_: size,
            #[cfg(not(ros_distro = "humble"))]
            has_any_key_member_: false,
            members_: members.as_ptr(),
            init_function: Some(init),
            fini_function: Some(fini),
        },
    ))
}

/// A message type-support handle (no type hash or description functions).
pub fn message_handle(
    id: &'static CStr,
    data: *const c_void,
    func: rosidl_message_typesupport_handle_function,
) -> rosidl_message_type_support_t {
    rosidl_message_type_support_t {
        typesupport_identifier: id.as_ptr(),
        data,
        func,
        #[cfg(not(ros_distro = "humble"))]
        get_type_hash_func: None,
        #[cfg(not(ros_distro = "humble"))]
        get_type_description_func: None,
        #[cfg(not(ros_distro = "humble"))]
        get_type_description_sources_func: None,
    }
}

fn build(
    name: &'static CStr,
    size: usize,
    members: Vec<rosidl_typesupport_introspection_c__MessageMember>,
    init: InitFn,
    fini: FiniFn,
) -> usize {
    let mm = message_members(c"fixture_msgs__msg", name, size, members, init, fini);
    let h: &'static _ = Box::leak(Box::new(message_handle(
        TYPESUPPORT_INTROSPECTION_C_IDENTIFIER,
        (mm as *const rosidl_typesupport_introspection_c__MessageMembers).cast(),
        Some(ident_compare),
    )));
    h as *const _ as usize
}

/// Introspection members of the service `namespace::name` (leaked).
pub fn service_members(
    namespace: &'static CStr,
    name: &'static CStr,
    request: *const rosidl_typesupport_introspection_c__MessageMembers,
    response: *const rosidl_typesupport_introspection_c__MessageMembers,
) -> &'static rosidl_typesupport_introspection_c__ServiceMembers {
    Box::leak(Box::new(
        rosidl_typesupport_introspection_c__ServiceMembers {
            service_namespace_: namespace.as_ptr(),
            service_name_: name.as_ptr(),
            request_members_: request,
            response_members_: response,
            #[cfg(not(ros_distro = "humble"))]
            event_members_: std::ptr::null(),
        },
    ))
}

/// A service type-support handle with identifier `id` for `members` (no type hash, no
/// description, no event type support).
pub fn service_handle(
    id: &'static CStr,
    members: &'static rosidl_typesupport_introspection_c__ServiceMembers,
) -> rosidl_service_type_support_t {
    rosidl_service_type_support_t {
        typesupport_identifier: id.as_ptr(),
        data: (members as *const rosidl_typesupport_introspection_c__ServiceMembers).cast(),
        func: Some(ident_compare),
        #[cfg(not(ros_distro = "humble"))]
        request_typesupport: std::ptr::null(),
        #[cfg(not(ros_distro = "humble"))]
        response_typesupport: std::ptr::null(),
        #[cfg(not(ros_distro = "humble"))]
        event_typesupport: std::ptr::null(),
        #[cfg(not(ros_distro = "humble"))]
        event_message_create_handle_function: None,
        #[cfg(not(ros_distro = "humble"))]
        event_message_destroy_handle_function: None,
        #[cfg(not(ros_distro = "humble"))]
        get_type_hash_func: None,
        #[cfg(not(ros_distro = "humble"))]
        get_type_description_func: None,
        #[cfg(not(ros_distro = "humble"))]
        get_type_description_sources_func: None,
    }
}

/// The Plain type support handle.
pub fn plain_ts() -> *const rosidl_message_type_support_t {
    static H: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
    *H.get_or_init(|| {
        build(
            c"Plain",
            std::mem::size_of::<Plain>(),
            vec![
                member(c"id", ROS_TYPE_UINT32, offset_of!(Plain, id)),
                member(c"value", ROS_TYPE_DOUBLE, offset_of!(Plain, value)),
                member(c"flag", ROS_TYPE_UINT8, offset_of!(Plain, flag)),
            ],
            plain_init,
            plain_fini,
        )
    }) as *const _
}

/// The Text type support handle.
pub fn text_ts() -> *const rosidl_message_type_support_t {
    static H: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
    *H.get_or_init(|| {
        build(
            c"Text",
            std::mem::size_of::<Text>(),
            vec![
                member(c"id", ROS_TYPE_UINT32, offset_of!(Text, id)),
                member(c"text", ROS_TYPE_STRING, offset_of!(Text, text)),
            ],
            text_init,
            text_fini,
        )
    }) as *const _
}

/// `fixture_msgs/srv/PlainEcho`: request and response are both the Plain message.
pub fn plain_echo_ts() -> *const rosidl_service_type_support_t {
    static H: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
    *H.get_or_init(|| {
        let members = unsafe { (*plain_ts()).data }
            .cast::<rosidl_typesupport_introspection_c__MessageMembers>();
        let sm = service_members(c"fixture_msgs__srv", c"PlainEcho", members, members);
        let h: &'static _ = Box::leak(Box::new(service_handle(
            TYPESUPPORT_INTROSPECTION_C_IDENTIFIER,
            sm,
        )));
        h as *const rosidl_service_type_support_t as usize
    }) as *const rosidl_service_type_support_t
}

/// A Text message on the heap (constructed / destroyed like rosidl does).
pub struct TextMsg(pub Box<std::mem::MaybeUninit<Text>>);

impl TextMsg {
    pub fn new(id: u32, s: &str) -> TextMsg {
        let mut b = Box::new(std::mem::MaybeUninit::<Text>::uninit());
        unsafe {
            text_init(b.as_mut_ptr().cast(), 0);
            let t = &mut *b.as_mut_ptr();
            t.id = id;
            libc::free(t.text.data.cast());
            let c = std::ffi::CString::new(s).unwrap();
            t.text.data = libc::strdup(c.as_ptr());
            t.text.size = s.len();
            t.text.capacity = s.len() + 1;
        }
        TextMsg(b)
    }
    pub fn ptr(&mut self) -> *mut c_void {
        self.0.as_mut_ptr().cast()
    }
    pub fn id(&self) -> u32 {
        unsafe { (*self.0.as_ptr()).id }
    }
    pub fn text(&self) -> String {
        unsafe { CStr::from_ptr((*self.0.as_ptr()).text.data) }
            .to_string_lossy()
            .into_owned()
    }
}

impl Drop for TextMsg {
    fn drop(&mut self) {
        unsafe { text_fini(self.0.as_mut_ptr().cast()) };
    }
}
