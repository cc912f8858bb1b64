//! `#[repr(C)]` declarations of the rosidl type-support ABI: `rosidl_message_type_support_t`,
//! `rosidl_service_type_support_t`, the `rosidl_runtime_c` string / sequence structs and the
//! introspection structs of `rosidl_typesupport_introspection_c` and `_cpp`.
//!
//! Layouts follow the upstream headers per distro (`cfg(ros_distro)`); see
//! `reference/rmw_api.md` §3.8–3.9. Humble (rosidl 3.x, also what Debian ships) has the 24-byte
//! type-support structs and no `is_key_` / `has_any_key_member_` / `event_members_`; Jazzy and
//! later have the type-hash / type-description function pointers and service-event type support.
//! Every size and field offset is pinned by a compile-time assertion below.
#![allow(non_camel_case_types)]

use std::ffi::{c_char, c_void, CStr};

/// `rosidl_typesupport_introspection_c__identifier`.
pub const TYPESUPPORT_INTROSPECTION_C_IDENTIFIER: &CStr = c"rosidl_typesupport_introspection_c";
/// `rosidl_typesupport_introspection_cpp::typesupport_identifier`.
pub const TYPESUPPORT_INTROSPECTION_CPP_IDENTIFIER: &CStr = c"rosidl_typesupport_introspection_cpp";
/// Identifier of the C dispatch type support (`rosidl_typesupport_c`), used by rclpy and rcl.
pub const TYPESUPPORT_C_IDENTIFIER: &CStr = c"rosidl_typesupport_c";
/// Identifier of the C++ dispatch type support (`rosidl_typesupport_cpp`), used by rclcpp.
pub const TYPESUPPORT_CPP_IDENTIFIER: &CStr = c"rosidl_typesupport_cpp";

/// Declares an opaque C struct that rmw only passes through by pointer (never read here), so the
/// `rmw_*` signatures name the same pointee types as the headers.
macro_rules! opaque_c_struct {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[repr(C)]
        pub struct $name {
            _data: [u8; 0],
            _marker: core::marker::PhantomData<(*mut u8, core::marker::PhantomPinned)>,
        }
    };
}

opaque_c_struct!(
    /// `rosidl_runtime_c__Sequence__bound` (`rosidl_runtime_c/sequence_bound.h`): the
    /// `message_bounds` of the (unsupported) allocation / serialized-size functions.
    rosidl_runtime_c__Sequence__bound
);
opaque_c_struct!(
    /// `rosidl_dynamic_typesupport_serialization_support_t` (Iron+, `rosidl_dynamic_typesupport`):
    /// argument of the unsupported `rmw_serialization_support_init`.
    rosidl_dynamic_typesupport_serialization_support_t
);
opaque_c_struct!(
    /// `rosidl_dynamic_typesupport_dynamic_data_t` (Iron+, `rosidl_dynamic_typesupport`):
    /// argument of the unsupported `rmw_take_dynamic_message*`.
    rosidl_dynamic_typesupport_dynamic_data_t
);

/// `rosidl_type_hash_t`: versioned SHA-256 type hash (Iron+; version 1 = RIHS01).
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct rosidl_type_hash_t {
    /// Hash version (1 = RIHS01).
    pub version: u8,
    /// The 32 hash bytes.
    pub value: [u8; 32],
}

/// `rosidl_message_typesupport_handle_function`: looks up the handle for an identifier.
pub type rosidl_message_typesupport_handle_function = Option<
    unsafe extern "C" fn(
        handle: *const rosidl_message_type_support_t,
        identifier: *const c_char,
    ) -> *const rosidl_message_type_support_t,
>;

/// `rosidl_service_typesupport_handle_function`.
pub type rosidl_service_typesupport_handle_function = Option<
    unsafe extern "C" fn(
        handle: *const rosidl_service_type_support_t,
        identifier: *const c_char,
    ) -> *const rosidl_service_type_support_t,
>;

/// `rosidl_message_type_support_t` (`rosidl_runtime_c/message_type_support_struct.h`).
#[repr(C)]
#[derive(Debug)]
pub struct rosidl_message_type_support_t {
    /// Identifier of the type-support library that produced this handle.
    pub typesupport_identifier: *const c_char,
    /// Type-support specific data (introspection: `MessageMembers`).
    pub data: *const c_void,
    /// Handle lookup function (identifier compare, or dispatch for `rosidl_typesupport_c/cpp`).
    pub func: rosidl_message_typesupport_handle_function,
    /// Returns the type hash (Iron+).
    #[cfg(not(ros_distro = "humble"))]
    pub get_type_hash_func: Option<
        unsafe extern "C" fn(*const rosidl_message_type_support_t) -> *const rosidl_type_hash_t,
    >,
    /// Returns `const rosidl_runtime_c__type_description__TypeDescription *` (Iron+).
    #[cfg(not(ros_distro = "humble"))]
    pub get_type_description_func:
        Option<unsafe extern "C" fn(*const rosidl_message_type_support_t) -> *const c_void>,
    /// Returns `const rosidl_runtime_c__type_description__TypeSource__Sequence *` (Iron+).
    #[cfg(not(ros_distro = "humble"))]
    pub get_type_description_sources_func:
        Option<unsafe extern "C" fn(*const rosidl_message_type_support_t) -> *const c_void>,
}

/// `rosidl_service_introspection_info_t` (Iron+): POD part of a service event.
#[cfg(not(ros_distro = "humble"))]
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct rosidl_service_introspection_info_t {
    /// `service_msgs/msg/ServiceEventInfo` event type.
    pub event_type: u8,
    /// Event time stamp, seconds.
    pub stamp_sec: i32,
    /// Event time stamp, nanoseconds.
    pub stamp_nanosec: u32,
    /// GID of the client.
    pub client_gid: [u8; 16],
    /// Request sequence number.
    pub sequence_number: i64,
}

/// `rosidl_service_type_support_t` (`rosidl_runtime_c/service_type_support_struct.h`).
#[repr(C)]
#[derive(Debug)]
pub struct rosidl_service_type_support_t {
    /// Identifier of the type-support library that produced this handle.
    pub typesupport_identifier: *const c_char,
    /// Type-support specific data (introspection: `ServiceMembers`).
    pub data: *const c_void,
    /// Handle lookup function.
    pub func: rosidl_service_typesupport_handle_function,
    /// Request message type support (Iron+).
    #[cfg(not(ros_distro = "humble"))]
    pub request_typesupport: *const rosidl_message_type_support_t,
    /// Response message type support (Iron+).
    #[cfg(not(ros_distro = "humble"))]
    pub response_typesupport: *const rosidl_message_type_support_t,
    /// Service event message type support (Iron+).
    #[cfg(not(ros_distro = "humble"))]
    pub event_typesupport: *const rosidl_message_type_support_t,
    /// Creates a service event message; the allocator is a `rcutils_allocator_t *` (Iron+).
    #[cfg(not(ros_distro = "humble"))]
    pub event_message_create_handle_function: Option<
        unsafe extern "C" fn(
            info: *const rosidl_service_introspection_info_t,
            allocator: *mut c_void,
            request_message: *const c_void,
            response_message: *const c_void,
        ) -> *mut c_void,
    >,
    /// Destroys a service event message; the allocator is a `rcutils_allocator_t *` (Iron+).
    #[cfg(not(ros_distro = "humble"))]
    pub event_message_destroy_handle_function:
        Option<unsafe extern "C" fn(event_message: *mut c_void, allocator: *mut c_void) -> bool>,
    /// Returns the service type hash (Iron+).
    #[cfg(not(ros_distro = "humble"))]
    pub get_type_hash_func: Option<
        unsafe extern "C" fn(*const rosidl_service_type_support_t) -> *const rosidl_type_hash_t,
    >,
    /// Returns the service type description (Iron+).
    #[cfg(not(ros_distro = "humble"))]
    pub get_type_description_func:
        Option<unsafe extern "C" fn(*const rosidl_service_type_support_t) -> *const c_void>,
    /// Returns the service type description sources (Iron+).
    #[cfg(not(ros_distro = "humble"))]
    pub get_type_description_sources_func:
        Option<unsafe extern "C" fn(*const rosidl_service_type_support_t) -> *const c_void>,
}

/// `rosidl_runtime_c__String`: heap, NUL-terminated; `size` excludes the NUL.
#[repr(C)]
#[derive(Debug)]
pub struct rosidl_runtime_c__String {
    /// NUL-terminated bytes (allocated with the rcutils default allocator, i.e. `malloc`).
    pub data: *mut c_char,
    /// Length without the terminator.
    pub size: usize,
    /// Allocated bytes, terminator included.
    pub capacity: usize,
}

/// `rosidl_runtime_c__U16String`: heap, NUL-terminated UTF-16 code units.
#[repr(C)]
#[derive(Debug)]
pub struct rosidl_runtime_c__U16String {
    /// NUL-terminated code units.
    pub data: *mut u16,
    /// Length in code units without the terminator.
    pub size: usize,
    /// Allocated code units, terminator included.
    pub capacity: usize,
}

/// Every `rosidl_runtime_c__<T>__Sequence` (primitives, strings, messages) has this shape.
#[repr(C)]
#[derive(Debug)]
pub struct rosidl_runtime_c__Sequence<T> {
    /// Elements.
    pub data: *mut T,
    /// Number of valid elements.
    pub size: usize,
    /// Number of allocated elements.
    pub capacity: usize,
}

/// `rosidl_runtime_c__message_initialization` (C) / `rosidl_runtime_cpp::MessageInitialization`.
pub type rosidl_runtime_c__message_initialization = i32;
/// Initialize all fields, defaults included.
pub const ROSIDL_RUNTIME_C_MSG_INIT_ALL: rosidl_runtime_c__message_initialization = 0;
/// Skip initialization.
pub const ROSIDL_RUNTIME_C_MSG_INIT_SKIP: rosidl_runtime_c__message_initialization = 1;
/// Zero all fields.
pub const ROSIDL_RUNTIME_C_MSG_INIT_ZERO: rosidl_runtime_c__message_initialization = 2;
/// Only fields with defaults.
pub const ROSIDL_RUNTIME_C_MSG_INIT_DEFAULTS_ONLY: rosidl_runtime_c__message_initialization = 3;

/// Field type ids of `rosidl_typesupport_introspection_c/field_types.h` (same values in C++).
pub mod field_types {
    /// `float` (FLOAT32).
    pub const ROS_TYPE_FLOAT: u8 = 1;
    /// `double` (FLOAT64).
    pub const ROS_TYPE_DOUBLE: u8 = 2;
    /// `long double`.
    pub const ROS_TYPE_LONG_DOUBLE: u8 = 3;
    /// `char` (1 byte).
    pub const ROS_TYPE_CHAR: u8 = 4;
    /// `wchar` (2 bytes: `uint16_t` in C, `char16_t` in C++).
    pub const ROS_TYPE_WCHAR: u8 = 5;
    /// `bool` (BOOL).
    pub const ROS_TYPE_BOOLEAN: u8 = 6;
    /// `octet` (BYTE).
    pub const ROS_TYPE_OCTET: u8 = 7;
    /// `uint8`.
    pub const ROS_TYPE_UINT8: u8 = 8;
    /// `int8`.
    pub const ROS_TYPE_INT8: u8 = 9;
    /// `uint16`.
    pub const ROS_TYPE_UINT16: u8 = 10;
    /// `int16`.
    pub const ROS_TYPE_INT16: u8 = 11;
    /// `uint32`.
    pub const ROS_TYPE_UINT32: u8 = 12;
    /// `int32`.
    pub const ROS_TYPE_INT32: u8 = 13;
    /// `uint64`.
    pub const ROS_TYPE_UINT64: u8 = 14;
    /// `int64`.
    pub const ROS_TYPE_INT64: u8 = 15;
    /// `string`.
    pub const ROS_TYPE_STRING: u8 = 16;
    /// `wstring`.
    pub const ROS_TYPE_WSTRING: u8 = 17;
    /// Nested message.
    pub const ROS_TYPE_MESSAGE: u8 = 18;
}

/// Defines one introspection `MessageMember` struct; C and C++ differ only in `resize_function`.
macro_rules! message_member {
    ($(#[$doc:meta])* $name:ident, $resize_ret:ty) => {
        $(#[$doc])*
        #[repr(C)]
        #[derive(Debug)]
        pub struct $name {
            /// Field name.
            pub name_: *const c_char,
            /// Field type id (`field_types::ROS_TYPE_*`).
            pub type_id_: u8,
            /// Upper bound of a bounded string (0 = unbounded).
            pub string_upper_bound_: usize,
            /// For `ROS_TYPE_MESSAGE`: the nested type's introspection handle.
            pub members_: *const rosidl_message_type_support_t,
            /// Whether the field is a key (Jazzy+).
            #[cfg(not(ros_distro = "humble"))]
            pub is_key_: bool,
            /// Array or sequence.
            pub is_array_: bool,
            /// Fixed array size, or the upper bound of a bounded sequence (0 for unbounded).
            pub array_size_: usize,
            /// `array_size_` is an upper bound (bounded sequence).
            pub is_upper_bound_: bool,
            /// Byte offset of the field in the message struct.
            pub offset_: u32,
            /// Default value (unused by rmw).
            pub default_value_: *const c_void,
            /// Number of elements of an array/sequence field.
            pub size_function: Option<unsafe extern "C" fn(field: *const c_void) -> usize>,
            /// Pointer to element `index`.
            pub get_const_function:
                Option<unsafe extern "C" fn(field: *const c_void, index: usize) -> *const c_void>,
            /// Mutable pointer to element `index`.
            pub get_function:
                Option<unsafe extern "C" fn(field: *mut c_void, index: usize) -> *mut c_void>,
            /// Copies element `index` out to `out`.
            pub fetch_function:
                Option<unsafe extern "C" fn(field: *const c_void, index: usize, out: *mut c_void)>,
            /// Copies `value` into element `index`.
            pub assign_function:
                Option<unsafe extern "C" fn(field: *mut c_void, index: usize, value: *const c_void)>,
            /// Resizes a sequence.
            pub resize_function: Option<unsafe extern "C" fn(field: *mut c_void, size: usize) -> $resize_ret>,
        }
    };
}

/// Defines one introspection `MessageMembers` struct.
macro_rules! message_members {
    ($(#[$doc:meta])* $name:ident, $member:ty) => {
        $(#[$doc])*
        #[repr(C)]
        #[derive(Debug)]
        pub struct $name {
            /// `"pkg__msg"` (C) or `"pkg::msg"` (C++).
            pub message_namespace_: *const c_char,
            /// Type name, e.g. `"String"`.
            pub message_name_: *const c_char,
            /// Number of entries in `members_`.
            pub member_count_: u32,
            /// `sizeof` the message struct.
            pub size_of_: usize,
            /// Whether any member is a key (Jazzy+).
            #[cfg(not(ros_distro = "humble"))]
            pub has_any_key_member_: bool,
            /// The fields, in declaration order.
            pub members_: *const $member,
            /// Constructs a message in place (C: `<Type>__init`; C++: placement new).
            pub init_function: Option<
                unsafe extern "C" fn(message: *mut c_void, init: rosidl_runtime_c__message_initialization),
            >,
            /// Destroys a message in place (C: `<Type>__fini`; C++: destructor).
            pub fini_function: Option<unsafe extern "C" fn(message: *mut c_void)>,
        }
    };
}

/// Defines one introspection `ServiceMembers` struct.
macro_rules! service_members {
    ($(#[$doc:meta])* $name:ident, $members:ty) => {
        $(#[$doc])*
        #[repr(C)]
        #[derive(Debug)]
        pub struct $name {
            /// `"pkg__srv"` (C) or `"pkg::srv"` (C++).
            pub service_namespace_: *const c_char,
            /// Service name, e.g. `"AddTwoInts"`.
            pub service_name_: *const c_char,
            /// Request type.
            pub request_members_: *const $members,
            /// Response type.
            pub response_members_: *const $members,
            /// Service event type (Iron+).
            #[cfg(not(ros_distro = "humble"))]
            pub event_members_: *const $members,
        }
    };
}

message_member!(
    /// `rosidl_typesupport_introspection_c__MessageMember`.
    rosidl_typesupport_introspection_c__MessageMember,
    bool
);
message_members!(
    /// `rosidl_typesupport_introspection_c__MessageMembers`.
    rosidl_typesupport_introspection_c__MessageMembers,
    rosidl_typesupport_introspection_c__MessageMember
);
service_members!(
    /// `rosidl_typesupport_introspection_c__ServiceMembers`.
    rosidl_typesupport_introspection_c__ServiceMembers,
    rosidl_typesupport_introspection_c__MessageMembers
);
message_member!(
    /// `rosidl_typesupport_introspection_cpp::MessageMember` (`resize_function` returns `void`).
    rosidl_typesupport_introspection_cpp__MessageMember,
    ()
);
message_members!(
    /// `rosidl_typesupport_introspection_cpp::MessageMembers`.
    rosidl_typesupport_introspection_cpp__MessageMembers,
    rosidl_typesupport_introspection_cpp__MessageMember
);
service_members!(
    /// `rosidl_typesupport_introspection_cpp::ServiceMembers`.
    rosidl_typesupport_introspection_cpp__ServiceMembers,
    rosidl_typesupport_introspection_cpp__MessageMembers
);

/// Compile-time layout pins (x86_64 / LP64 figures from `reference/rmw_api.md` §3.8–3.9).
#[cfg(target_pointer_width = "64")]
mod layout_asserts {
    use super::*;
    use std::mem::{offset_of, size_of};

    const _: () = assert!(size_of::<rosidl_type_hash_t>() == 33);
    const _: () = assert!(size_of::<rosidl_runtime_c__String>() == 24);
    const _: () = assert!(size_of::<rosidl_runtime_c__U16String>() == 24);
    const _: () = assert!(size_of::<rosidl_runtime_c__Sequence<u8>>() == 24);

    const _: () = assert!(offset_of!(rosidl_message_type_support_t, data) == 8);
    const _: () = assert!(offset_of!(rosidl_message_type_support_t, func) == 16);
    const _: () = assert!(offset_of!(rosidl_service_type_support_t, func) == 16);

    #[cfg(ros_distro = "humble")]
    const _: () = {
        assert!(size_of::<rosidl_message_type_support_t>() == 24);
        assert!(size_of::<rosidl_service_type_support_t>() == 24);
        assert!(offset_of!(rosidl_typesupport_introspection_c__MessageMember, is_array_) == 32);
        assert!(size_of::<rosidl_typesupport_introspection_c__MessageMembers>() == 56);
        assert!(offset_of!(rosidl_typesupport_introspection_c__MessageMembers, members_) == 32);
        assert!(
            offset_of!(
                rosidl_typesupport_introspection_c__MessageMembers,
                init_function
            ) == 40
        );
        assert!(size_of::<rosidl_typesupport_introspection_c__ServiceMembers>() == 32);
        assert!(
            offset_of!(
                rosidl_typesupport_introspection_cpp__MessageMember,
                is_array_
            ) == 32
        );
        assert!(size_of::<rosidl_typesupport_introspection_cpp__MessageMembers>() == 56);
        assert!(size_of::<rosidl_typesupport_introspection_cpp__ServiceMembers>() == 32);
    };

    #[cfg(not(ros_distro = "humble"))]
    const _: () = {
        assert!(size_of::<rosidl_message_type_support_t>() == 48);
        assert!(offset_of!(rosidl_message_type_support_t, get_type_hash_func) == 24);
        assert!(offset_of!(rosidl_message_type_support_t, get_type_description_func) == 32);
        assert!(
            offset_of!(
                rosidl_message_type_support_t,
                get_type_description_sources_func
            ) == 40
        );
        assert!(size_of::<rosidl_service_type_support_t>() == 88);
        assert!(offset_of!(rosidl_service_type_support_t, request_typesupport) == 24);
        assert!(offset_of!(rosidl_service_type_support_t, response_typesupport) == 32);
        assert!(offset_of!(rosidl_service_type_support_t, event_typesupport) == 40);
        assert!(
            offset_of!(
                rosidl_service_type_support_t,
                event_message_create_handle_function
            ) == 48
        );
        assert!(
            offset_of!(
                rosidl_service_type_support_t,
                event_message_destroy_handle_function
            ) == 56
        );
        assert!(offset_of!(rosidl_service_type_support_t, get_type_hash_func) == 64);
        assert!(offset_of!(rosidl_service_type_support_t, get_type_description_func) == 72);
        assert!(
            offset_of!(
                rosidl_service_type_support_t,
                get_type_description_sources_func
            ) == 80
        );
        assert!(size_of::<rosidl_service_introspection_info_t>() == 40);
        assert!(offset_of!(rosidl_service_introspection_info_t, client_gid) == 12);
        assert!(offset_of!(rosidl_service_introspection_info_t, sequence_number) == 32);
        assert!(offset_of!(rosidl_typesupport_introspection_c__MessageMember, is_key_) == 32);
        assert!(offset_of!(rosidl_typesupport_introspection_c__MessageMember, is_array_) == 33);
        assert!(size_of::<rosidl_typesupport_introspection_c__MessageMembers>() == 64);
        assert!(
            offset_of!(
                rosidl_typesupport_introspection_c__MessageMembers,
                has_any_key_member_
            ) == 32
        );
        assert!(offset_of!(rosidl_typesupport_introspection_c__MessageMembers, members_) == 40);
        assert!(
            offset_of!(
                rosidl_typesupport_introspection_c__MessageMembers,
                init_function
            ) == 48
        );
        assert!(
            offset_of!(
                rosidl_typesupport_introspection_c__MessageMembers,
                fini_function
            ) == 56
        );
        assert!(size_of::<rosidl_typesupport_introspection_c__ServiceMembers>() == 40);
        assert!(
            offset_of!(
                rosidl_typesupport_introspection_cpp__MessageMember,
                is_array_
            ) == 33
        );
        assert!(size_of::<rosidl_typesupport_introspection_cpp__MessageMembers>() == 64);
        assert!(size_of::<rosidl_typesupport_introspection_cpp__ServiceMembers>() == 40);
    };

    // Offsets shared by every distro.
    macro_rules! member_common {
        ($t:ty) => {
            const _: () = {
                assert!(size_of::<$t>() == 112);
                assert!(offset_of!($t, type_id_) == 8);
                assert!(offset_of!($t, string_upper_bound_) == 16);
                assert!(offset_of!($t, members_) == 24);
                assert!(offset_of!($t, array_size_) == 40);
                assert!(offset_of!($t, is_upper_bound_) == 48);
                assert!(offset_of!($t, offset_) == 52);
                assert!(offset_of!($t, default_value_) == 56);
                assert!(offset_of!($t, size_function) == 64);
                assert!(offset_of!($t, get_const_function) == 72);
                assert!(offset_of!($t, get_function) == 80);
                assert!(offset_of!($t, fetch_function) == 88);
                assert!(offset_of!($t, assign_function) == 96);
                assert!(offset_of!($t, resize_function) == 104);
            };
        };
    }
    member_common!(rosidl_typesupport_introspection_c__MessageMember);
    member_common!(rosidl_typesupport_introspection_cpp__MessageMember);
    const _: () = assert!(
        offset_of!(
            rosidl_typesupport_introspection_c__MessageMembers,
            member_count_
        ) == 16
    );
    const _: () =
        assert!(offset_of!(rosidl_typesupport_introspection_c__MessageMembers, size_of_) == 24);
}
