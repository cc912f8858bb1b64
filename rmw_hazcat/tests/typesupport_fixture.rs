//! Type support against a hand-built C introspection fixture in the layout of the distro this
//! crate is built for (Jazzy by default: `is_key_`, `has_any_key_member_`, 48-byte handles).
//! Needs no ROS packages. Also checks resolution through a `rosidl_typesupport_c`-style
//! dispatch handle and rejection of a handle without introspection.
#![allow(clippy::undocumented_unsafe_blocks)]

mod common;

use common::fixture::{empty_string, ident_compare, member, message_handle, message_members};
use rmw_hazcat_rs::sys::rosidl::field_types::*;
use rmw_hazcat_rs::sys::rosidl::*;
use rmw_hazcat_rs::typesupport::*;
use std::ffi::{c_char, c_void, CStr};
use std::mem::offset_of;

/// The fixture message: `uint32 id; string name; int16[] values; float64 ratio`.
#[repr(C)]
struct Fix {
    id: u32,
    name: rosidl_runtime_c__String,
    values: rosidl_runtime_c__Sequence<i16>,
    ratio: f64,
}

unsafe extern "C" fn fix_init(p: *mut c_void, _: rosidl_runtime_c__message_initialization) {
    let m = p.cast::<Fix>();
    unsafe {
        m.write(Fix {
            id: 0,
            name: empty_string(),
            values: rosidl_runtime_c__Sequence {
                data: std::ptr::null_mut(),
                size: 0,
                capacity: 0,
            },
            ratio: 0.0,
        })
    };
}

unsafe extern "C" fn fix_fini(p: *mut c_void) {
    let m = unsafe { &mut *p.cast::<Fix>() };
    unsafe {
        libc::free(m.name.data.cast());
        libc::free(m.values.data.cast());
    }
}

unsafe extern "C" fn values_resize(p: *mut c_void, n: usize) -> bool {
    let s = unsafe { &mut *p.cast::<rosidl_runtime_c__Sequence<i16>>() };
    unsafe { libc::free(s.data.cast()) };
    s.data = if n == 0 {
        std::ptr::null_mut()
    } else {
        unsafe { libc::calloc(n, 2) }.cast()
    };
    s.size = n;
    s.capacity = n;
    n == 0 || !s.data.is_null()
}

static mut INTROSPECTION: *const rosidl_message_type_support_t = std::ptr::null();

/// Mimics a `rosidl_typesupport_c` dispatch handle: only knows the C introspection identifier.
unsafe extern "C" fn dispatch(
    _: *const rosidl_message_type_support_t,
    id: *const c_char,
) -> *const rosidl_message_type_support_t {
    if unsafe { CStr::from_ptr(id) } == TYPESUPPORT_INTROSPECTION_C_IDENTIFIER {
        unsafe { INTROSPECTION }
    } else {
        std::ptr::null()
    }
}

/// Builds (once, leaked) the fixture's introspection handle and a dispatch handle for it.
fn fixture() -> (
    *const rosidl_message_type_support_t,
    *const rosidl_message_type_support_t,
) {
    static ONCE: std::sync::OnceLock<(usize, usize)> = std::sync::OnceLock::new();
    let (a, b) = *ONCE.get_or_init(|| {
        let mut values = member(c"values", ROS_TYPE_INT16, offset_of!(Fix, values));
        values.is_array_ = true;
        values.resize_function = Some(values_resize);
        let mm = message_members(
            c"fixture_msgs__msg",
            c"Fix",
            std::mem::size_of::<Fix>(),
            vec![
                member(c"id", ROS_TYPE_UINT32, offset_of!(Fix, id)),
                member(c"name", ROS_TYPE_STRING, offset_of!(Fix, name)),
                values,
                member(c"ratio", ROS_TYPE_DOUBLE, offset_of!(Fix, ratio)),
            ],
            fix_init,
            fix_fini,
        );
        let intro: &'static _ = Box::leak(Box::new(message_handle(
            TYPESUPPORT_INTROSPECTION_C_IDENTIFIER,
            (mm as *const rosidl_typesupport_introspection_c__MessageMembers).cast(),
            Some(ident_compare),
        )));
        unsafe { INTROSPECTION = intro };
        let disp: &'static _ = Box::leak(Box::new(message_handle(
            TYPESUPPORT_C_IDENTIFIER,
            std::ptr::null(),
            Some(dispatch),
        )));
        (intro as *const _ as usize, disp as *const _ as usize)
    });
    (a as *const _, b as *const _)
}

#[test]
fn fixture_serializes_and_round_trips() {
    let (intro, disp) = fixture();
    let t = unsafe { message_type(disp) }.unwrap();
    assert_eq!(t.language, Language::C);
    assert_eq!(t.ros_type_name(), "fixture_msgs/msg/Fix");
    assert!(!t.is_plain());
    assert!(std::sync::Arc::ptr_eq(
        &t,
        &unsafe { message_type(intro) }.unwrap()
    ));

    let mut m = OwnedMessage::new(t.clone()).unwrap();
    let fix = unsafe { &mut *m.as_mut_ptr().cast::<Fix>() };
    fix.id = 5;
    fix.ratio = 0.5;
    unsafe {
        fix.name.data = libc::realloc(fix.name.data.cast(), 3).cast();
        std::ptr::copy_nonoverlapping(c"ab".as_ptr(), fix.name.data, 3);
        fix.name.size = 2;
        fix.name.capacity = 3;
        assert!(values_resize(
            (&mut fix.values as *mut rosidl_runtime_c__Sequence<i16>).cast(),
            2
        ));
        fix.values.data.write(1);
        fix.values.data.add(1).write(-1);
    }
    #[rustfmt::skip]
    let expected = [
        0, 1, 0, 0,
        5, 0, 0, 0, 3, 0, 0, 0, b'a', b'b', 0, 0,
        2, 0, 0, 0, 1, 0, 0xFF, 0xFF,
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xE0, 0x3F,
    ];
    let mut out = Vec::new();
    unsafe { serialize(&t, m.as_ptr(), &mut out) }.unwrap();
    assert_eq!(out, expected);
    assert_eq!(
        unsafe { serialized_size(&t, m.as_ptr()) }.unwrap(),
        expected.len()
    );

    let mut back = OwnedMessage::new(t.clone()).unwrap();
    unsafe { deserialize(&t, &expected, back.as_mut_ptr()) }.unwrap();
    let b = unsafe { &*back.as_ptr().cast::<Fix>() };
    assert_eq!((b.id, b.ratio, b.name.size), (5, 0.5, 2));
    assert_eq!(
        unsafe { std::slice::from_raw_parts(b.values.data, 2) },
        &[1, -1]
    );

    // Big-endian input is accepted.
    #[rustfmt::skip]
    let be = [
        0, 0, 0, 0,
        0, 0, 0, 5, 0, 0, 0, 3, b'a', b'b', 0, 0,
        0, 0, 0, 2, 0, 1, 0xFF, 0xFF,
        0, 0, 0, 0, 0x3F, 0xE0, 0, 0, 0, 0, 0, 0,
    ];
    let mut back = OwnedMessage::new(t.clone()).unwrap();
    unsafe { deserialize(&t, &be, back.as_mut_ptr()) }.unwrap();
    let mut again = Vec::new();
    unsafe { serialize(&t, back.as_ptr(), &mut again) }.unwrap();
    assert_eq!(again, expected);

    // Unknown encapsulation (e.g. XCDR2) is rejected.
    let mut x = expected;
    x[1] = 0x07;
    assert!(unsafe { deserialize(&t, &x, back.as_mut_ptr()) }.is_err());
}

#[test]
fn handle_without_introspection_is_rejected() {
    let bogus: &'static _ = Box::leak(Box::new(message_handle(
        c"bogus_typesupport",
        std::ptr::null(),
        Some(ident_compare),
    )));
    let err = unsafe { message_type(bogus) }.unwrap_err();
    assert!(
        matches!(err, TypeSupportError::NoIntrospection { ref identifier } if identifier == "bogus_typesupport")
    );
}
