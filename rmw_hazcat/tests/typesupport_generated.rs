//! Type support and CDR against real introspection type support generated for
//! `test/hazcat_test_msgs` by this build's distro's rosidl generators (humble: Debian's; jazzy,
//! kilted: the PyPI wheels).
//!
//! Build the package first: `scripts/build_test_msgs.sh <distro>` (prefix
//! `target/ros/install-<distro>`, or set `HAZCAT_TEST_MSGS_PREFIX`). Without it every test prints
//! `SKIPPED: ...` and passes, unless `HAZCAT_REQUIRE_TEST_MSGS=1`.
#![allow(clippy::undocumented_unsafe_blocks)]

#[path = "common/test_msgs.rs"]
mod test_msgs;

mod generated {
    use libloading::Library;
    use rmw_hazcat_rs::sys::rosidl::*;
    use rmw_hazcat_rs::typesupport::*;
    use std::ffi::{c_void, CString};
    use std::sync::{Arc, OnceLock};

    use super::test_msgs::PKG;

    struct Libs {
        _generator_c: Library,
        intro_c: Library,
        intro_cpp: Library,
        runtime_c: Library,
    }

    /// The loaded libraries, or None (after printing SKIPPED) when the package is not built.
    fn libs() -> Option<&'static Libs> {
        static LIBS: OnceLock<Option<Libs>> = OnceLock::new();
        LIBS.get_or_init(|| {
            let lib = match super::test_msgs::lib_dir_or_skip() {
                Ok(lib) => lib,
                Err(why) => {
                    eprintln!("SKIPPED: {why}");
                    return None;
                }
            };
            let path = |kind: &str| lib.join(format!("lib{PKG}__{kind}.so"));
            // The introspection_c library needs the generator_c one by soname (no RPATH):
            // loading it first by full path satisfies that dependency.
            unsafe {
                Some(Libs {
                    _generator_c: Library::new(path("rosidl_generator_c")).expect("generator_c"),
                    intro_c: Library::new(path("rosidl_typesupport_introspection_c"))
                        .expect("introspection_c"),
                    intro_cpp: Library::new(path("rosidl_typesupport_introspection_cpp"))
                        .expect("introspection_cpp"),
                    runtime_c: Library::new("librosidl_runtime_c.so").expect("rosidl_runtime_c"),
                })
            }
        })
        .as_ref()
    }

    type GetTs = unsafe extern "C" fn() -> *const rosidl_message_type_support_t;

    fn handle(lang: Language, kind: &str, name: &str) -> *const rosidl_message_type_support_t {
        let libs = libs().unwrap();
        let (lib, id) = match lang {
            Language::C => (&libs.intro_c, "rosidl_typesupport_introspection_c"),
            Language::Cpp => (&libs.intro_cpp, "rosidl_typesupport_introspection_cpp"),
        };
        let sym = format!("{id}__get_message_type_support_handle__{PKG}__{kind}__{name}\0");
        unsafe {
            let f: libloading::Symbol<GetTs> = lib.get(sym.as_bytes()).expect(&sym);
            f()
        }
    }

    fn ty(lang: Language, name: &str) -> Arc<MessageType> {
        let kind = if name.starts_with("Echo_") {
            "srv"
        } else {
            "msg"
        };
        unsafe { message_type(handle(lang, kind, name)) }.expect(name)
    }

    fn field<'a>(t: &'a MessageType, name: &str) -> &'a Field {
        t.fields.iter().find(|f| f.name == name).expect(name)
    }

    /// Writes a primitive value at a field's offset.
    fn put<T: Copy>(m: &mut OwnedMessage, name: &str, v: T) {
        let t = m.message_type().clone();
        let f = field(&t, name);
        unsafe { m.as_mut_ptr().add(f.offset).cast::<T>().write_unaligned(v) };
    }

    fn get<T: Copy>(m: &OwnedMessage, name: &str) -> T {
        let f = field(m.message_type(), name);
        unsafe { m.as_ptr().add(f.offset).cast::<T>().read_unaligned() }
    }

    /// The raw C introspection member of a field (for its resize/get functions).
    fn c_member(
        t: &MessageType,
        name: &str,
    ) -> &'static rosidl_typesupport_introspection_c__MessageMember {
        let mm = unsafe {
            &*(t.members_address() as *const rosidl_typesupport_introspection_c__MessageMembers)
        };
        let members = unsafe { std::slice::from_raw_parts(mm.members_, mm.member_count_ as usize) };
        members
            .iter()
            .find(|m| unsafe { std::ffi::CStr::from_ptr(m.name_) }.to_str() == Ok(name))
            .unwrap()
    }

    /// Assigns a C string with rosidl_runtime_c (independent of the crate's own writer).
    fn c_string(p: *mut u8, s: &str) {
        type Assign = unsafe extern "C" fn(*mut rosidl_runtime_c__String, *const i8) -> bool;
        let libs = libs().unwrap();
        let f: libloading::Symbol<Assign> =
            unsafe { libs.runtime_c.get(b"rosidl_runtime_c__String__assign\0") }.unwrap();
        let c = CString::new(s).unwrap();
        assert!(unsafe { f(p.cast(), c.as_ptr()) });
    }

    fn c_u16string(p: *mut u8, units: &[u16]) {
        type Assign =
            unsafe extern "C" fn(*mut rosidl_runtime_c__U16String, *const u16, usize) -> bool;
        let libs = libs().unwrap();
        let f: libloading::Symbol<Assign> = unsafe {
            libs.runtime_c
                .get(b"rosidl_runtime_c__U16String__assignn\0")
        }
        .unwrap();
        assert!(unsafe { f(p.cast(), units.as_ptr(), units.len()) });
    }

    /// Resizes a C sequence field through its introspection resize function; returns its data.
    fn c_resize(m: &mut OwnedMessage, name: &str, n: usize) -> *mut u8 {
        let t = m.message_type().clone();
        let member = c_member(&t, name);
        let fp = unsafe { m.as_mut_ptr().add(field(&t, name).offset) };
        assert!(unsafe { (member.resize_function.unwrap())(fp.cast(), n) });
        unsafe { (*fp.cast::<rosidl_runtime_c__Sequence<u8>>()).data }
    }

    fn ser(m: &OwnedMessage) -> Vec<u8> {
        let mut out = Vec::new();
        unsafe { serialize(m.message_type(), m.as_ptr(), &mut out) }.unwrap();
        let size = unsafe { serialized_size(m.message_type(), m.as_ptr()) }.unwrap();
        assert_eq!(size, out.len(), "serialized_size == serialize length");
        out
    }

    /// Deserializes into a fresh message of `t`, re-serializes and checks the bytes are equal.
    fn round_trip(t: &Arc<MessageType>, bytes: &[u8]) -> OwnedMessage {
        let mut m = OwnedMessage::new(t.clone()).unwrap();
        unsafe { deserialize(t, bytes, m.as_mut_ptr()) }.unwrap();
        assert_eq!(ser(&m), bytes, "{} {:?} round trip", t.name, t.language);
        m
    }

    fn body(h: &[u8]) -> Vec<u8> {
        let mut v = CDR_LE_HEADER.to_vec();
        v.extend_from_slice(h);
        v
    }

    fn fill_plain(m: &mut OwnedMessage) {
        put(m, "flag", true);
        put(m, "small", 0xABu8);
        put(m, "s16", -2i16);
        put(m, "u32", 0x0102_0304u32);
        put(m, "value", 1.5f64);
        put(m, "triple", [1i32, -1, i32::MAX]);
        put(m, "pair", [1.0f32, -2.0]);
        put(m, "letter", b'Z');
    }

    const PLAIN_BODY: &[u8] = &[
        0x01, 0xAB, 0xFE, 0xFF, 0x04, 0x03, 0x02, 0x01, // flag small s16 u32
        0, 0, 0, 0, 0, 0, 0xF8, 0x3F, // value = 1.5
        1, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F, // triple
        0, 0, 0x80, 0x3F, 0, 0, 0, 0xC0, // pair
        b'Z',
    ];

    macro_rules! need_libs {
        () => {
            if libs().is_none() {
                return;
            }
        };
    }

    #[test]
    fn plain_exact_bytes_c_and_cpp() {
        need_libs!();
        for lang in [Language::C, Language::Cpp] {
            let t = ty(lang, "Plain");
            assert_eq!(t.language, lang);
            assert_eq!(t.ros_type_name(), "hazcat_test_msgs/msg/Plain");
            let mut m = OwnedMessage::new(t.clone()).unwrap();
            fill_plain(&mut m);
            assert_eq!(ser(&m), body(PLAIN_BODY), "{lang:?}");
            let back = round_trip(&t, &body(PLAIN_BODY));
            assert_eq!(get::<i16>(&back, "s16"), -2);
            assert_eq!(get::<f64>(&back, "value"), 1.5);
            assert_eq!(get::<[i32; 3]>(&back, "triple"), [1, -1, i32::MAX]);
        }
    }

    #[test]
    fn nested_alignment_is_relative_to_stream() {
        need_libs!();
        #[rustfmt::skip]
        let expected = body(&[
            0xFF, // tag
            0x01, 0xAB, 0x00, 0xFE, 0xFF, 0x00, 0x00, 0x04, 0x03, 0x02, 0x01, // flag small pad s16 pad u32
            0, 0, 0, 0, // pad to 8
            0, 0, 0, 0, 0, 0, 0xF8, 0x3F,
            1, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F,
            0, 0, 0x80, 0x3F, 0, 0, 0, 0xC0,
            b'Z', 0, 0, 0, // letter, pad to 8
            9, 0, 0, 0, 0, 0, 0, 0, // stamp
        ]);
        for lang in [Language::C, Language::Cpp] {
            let t = ty(lang, "Nested");
            let mut m = OwnedMessage::new(t.clone()).unwrap();
            put(&mut m, "tag", -1i8);
            put(&mut m, "stamp", 9u64);
            let inner = field(&t, "inner").offset;
            let ElementType::Message(pt) = &field(&t, "inner").element else {
                panic!()
            };
            // Fill the nested Plain through a view at its offset.
            for (name, bytes) in [
                ("flag", vec![1u8]),
                ("small", vec![0xAB]),
                ("s16", (-2i16).to_le_bytes().to_vec()),
                ("u32", 0x0102_0304u32.to_le_bytes().to_vec()),
                ("value", 1.5f64.to_le_bytes().to_vec()),
                ("letter", vec![b'Z']),
            ] {
                let off = inner + field(pt, name).offset;
                unsafe {
                    std::ptr::copy_nonoverlapping(
                        bytes.as_ptr(),
                        m.as_mut_ptr().add(off),
                        bytes.len(),
                    )
                };
            }
            let off = inner + field(pt, "triple").offset;
            unsafe {
                m.as_mut_ptr()
                    .add(off)
                    .cast::<[i32; 3]>()
                    .write_unaligned([1, -1, i32::MAX])
            };
            let off = inner + field(pt, "pair").offset;
            unsafe {
                m.as_mut_ptr()
                    .add(off)
                    .cast::<[f32; 2]>()
                    .write_unaligned([1.0, -2.0])
            };
            assert_eq!(ser(&m), expected, "{lang:?}");
            round_trip(&t, &expected);
        }
    }

    #[test]
    fn all_primitives_exact_bytes() {
        need_libs!();
        #[rustfmt::skip]
        let expected = body(&[
            0x01, 0x12, 0x41, 0x00, // b by c pad
            0x00, 0x00, 0x00, 0x3F, // f32 0.5
            0, 0, 0, 0, 0, 0, 0xD0, 0xBF, // f64 -0.25
            0xFD, 0xC8, 0xD4, 0xFE, 0xEF, 0xBE, 0x00, 0x00, // i8 u8 i16 u16 pad
            0x60, 0x79, 0xFE, 0xFF, 0x00, 0x5E, 0xD0, 0xB2, // i32 u32
            0xFB, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, // i64
            0x08, 0x07, 0x06, 0x05, 0x04, 0x03, 0x02, 0x01, // u64
        ]);
        for lang in [Language::C, Language::Cpp] {
            let t = ty(lang, "AllPrimitives");
            let mut m = OwnedMessage::new(t.clone()).unwrap();
            put(&mut m, "b", true);
            put(&mut m, "by", 0x12u8);
            put(&mut m, "c", b'A');
            put(&mut m, "f32", 0.5f32);
            put(&mut m, "f64", -0.25f64);
            put(&mut m, "i8", -3i8);
            put(&mut m, "u8", 200u8);
            put(&mut m, "i16", -300i16);
            put(&mut m, "u16", 0xBEEFu16);
            put(&mut m, "i32", -100_000i32);
            put(&mut m, "u32", 3_000_000_000u32);
            put(&mut m, "i64", -5i64);
            put(&mut m, "u64", 0x0102_0304_0506_0708u64);
            assert_eq!(ser(&m), expected, "{lang:?}");
            let back = round_trip(&t, &expected);
            assert_eq!(get::<u64>(&back, "u64"), 0x0102_0304_0506_0708);
            assert_eq!(get::<i32>(&back, "i32"), -100_000);
        }
    }

    #[rustfmt::skip]
    fn strings_expected() -> Vec<u8> {
        body(&[
            3, 0, 0, 0, b'h', b'i', 0, 0, // text "hi", pad
            4, 0, 0, 0, b'a', b'b', b'c', 0, // bounded_text "abc"
            2, 0, 0, 0, 0x48, 0, 0, 0, 0xAC, 0x20, 0, 0, // wide "H€" as 4-byte wchar_t
            0, 0, 0, 0, // bounded_wide ""
            1, 0, 0, 0, 0, 0, 0, 0, // string_array[0] "", pad
            4, 0, 0, 0, b'x', b'y', b'z', 0, // string_array[1] "xyz"
            0x34, 0x12, // trailer
        ])
    }

    #[test]
    fn strings_exact_bytes_c_then_cpp() {
        need_libs!();
        let expected = strings_expected();
        let t = ty(Language::C, "Strings");
        let mut m = OwnedMessage::new(t.clone()).unwrap();
        let base = m.as_mut_ptr();
        unsafe {
            c_string(base.add(field(&t, "text").offset), "hi");
            c_string(base.add(field(&t, "bounded_text").offset), "abc");
            c_u16string(base.add(field(&t, "wide").offset), &[0x48, 0x20AC]);
            c_string(base.add(field(&t, "string_array").offset + 24), "xyz");
        }
        put(&mut m, "trailer", 0x1234u16);
        assert_eq!(ser(&m), expected);
        let back = round_trip(&t, &expected);
        let s = unsafe {
            &*back
                .as_ptr()
                .add(field(&t, "text").offset)
                .cast::<rosidl_runtime_c__String>()
        };
        assert_eq!(
            unsafe { std::slice::from_raw_parts(s.data.cast::<u8>(), s.size + 1) },
            b"hi\0"
        );
        let w = unsafe {
            &*back
                .as_ptr()
                .add(field(&t, "wide").offset)
                .cast::<rosidl_runtime_c__U16String>()
        };
        assert_eq!(
            unsafe { std::slice::from_raw_parts(w.data, w.size) },
            &[0x48, 0x20AC]
        );

        // C++: deserialize the C bytes, serialize again: identical.
        round_trip(&ty(Language::Cpp, "Strings"), &expected);
    }

    #[test]
    fn bounds_are_enforced() {
        need_libs!();
        for lang in [Language::C, Language::Cpp] {
            let t = ty(lang, "Strings");
            // bounded_text (<= 8) given 9 characters.
            let mut bad = body(&[1, 0, 0, 0, 0, 0, 0, 0, 10, 0, 0, 0]);
            bad.extend_from_slice(b"123456789\0");
            let mut m = OwnedMessage::new(t.clone()).unwrap();
            let err = unsafe { deserialize(&t, &bad, m.as_mut_ptr()) }.unwrap_err();
            assert!(
                matches!(
                    err,
                    TypeSupportError::BoundExceeded {
                        bound: 8,
                        len: 9,
                        ..
                    }
                ),
                "{err}"
            );
            // Truncated input is an error, never a crash.
            let good = strings_expected();
            for cut in 0..good.len() {
                let mut m = OwnedMessage::new(t.clone()).unwrap();
                assert!(
                    unsafe { deserialize(&t, &good[..cut], m.as_mut_ptr()) }.is_err(),
                    "cut {cut}"
                );
            }
        }
        // A C message whose bounded string is too long does not serialize.
        let t = ty(Language::C, "Strings");
        let mut m = OwnedMessage::new(t.clone()).unwrap();
        unsafe {
            c_string(
                m.as_mut_ptr().add(field(&t, "bounded_text").offset),
                "123456789",
            )
        };
        let mut out = Vec::new();
        assert!(unsafe { serialize(&t, m.as_ptr(), &mut out) }.is_err());
    }

    /// `validate` accepts exactly what `deserialize` accepts: every prefix, every single-byte
    /// corruption and the whole of valid messages with strings, bounded and unbounded
    /// sequences, wide strings and nested messages, in both languages and both byte orders.
    #[test]
    fn validate_agrees_with_deserialize() {
        need_libs!();
        let cases: Vec<(&str, Vec<u8>)> = vec![
            ("Strings", strings_expected()),
            ("Sequences", sequences_expected()),
            ("BulkPrimitives", {
                let t = ty(Language::C, "BulkPrimitives");
                encode_per_element(&t, &short_lens, false)
            }),
            ("BulkPrimitives", {
                let t = ty(Language::C, "BulkPrimitives");
                encode_per_element(&t, &short_lens, true)
            }),
        ];
        for lang in [Language::C, Language::Cpp] {
            for (name, good) in &cases {
                let t = ty(lang, name);
                let accepts = |bytes: &[u8]| {
                    let mut m = OwnedMessage::new(t.clone()).unwrap();
                    unsafe { deserialize(&t, bytes, m.as_mut_ptr()) }.is_ok()
                };
                assert!(validate(&t, good).is_ok(), "{name}");
                // Every position of the small messages; a spread of positions of the large one.
                let step = (good.len() / 400).max(1);
                for cut in (0..good.len()).step_by(step) {
                    assert_eq!(
                        validate(&t, &good[..cut]).is_ok(),
                        accepts(&good[..cut]),
                        "{name} cut at {cut}"
                    );
                }
                for at in (0..good.len()).step_by(step) {
                    for v in [0x00, 0x7f, 0xff] {
                        let mut bad = good.clone();
                        bad[at] = v;
                        assert_eq!(
                            validate(&t, &bad).is_ok(),
                            accepts(&bad),
                            "{name} byte {at} = {v:#x}"
                        );
                    }
                }
            }
        }
    }

    #[rustfmt::skip]
    fn sequences_expected() -> Vec<u8> {
        let mut v = vec![
            2, 0, 0, 0, 7, 0, 0, 0, 0xF9, 0xFF, 0xFF, 0xFF, // ints [7, -7]
            1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x40, // bounded_doubles [2.0]
            3, 0, 0, 0, 1, 0, 1, 0, // bools [t, f, t], pad
            0, 0, 0, 0, // bounded_bools []
            1, 0, 0, 0, 2, 0, 0, 0, b'a', 0, 0, 0, // strings ["a"], pad
            1, 0, 0, 0, 6, 0, 0, 0, b'1', b'2', b'3', b'4', b'5', 0, 0, 0, // bounded_strings
            1, 0, 0, 0, // plains: one zero Plain starting at stream offset 68
        ];
        v.extend_from_slice(&[0u8; 41]); // 68..109: Plain of zeros incl. pads
        v.extend_from_slice(&[0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 1, 2, 3]); // pad, bounded_nested [], bytes
        body(&v)
    }

    #[test]
    fn sequences_exact_bytes_c_then_cpp() {
        need_libs!();
        let expected = sequences_expected();
        let t = ty(Language::C, "Sequences");
        let mut m = OwnedMessage::new(t.clone()).unwrap();
        unsafe {
            let p = c_resize(&mut m, "ints", 2).cast::<i32>();
            p.write(7);
            p.add(1).write(-7);
            c_resize(&mut m, "bounded_doubles", 1)
                .cast::<f64>()
                .write(2.0);
            // The generated resize re-inits with malloc: every element must be written.
            let b = c_resize(&mut m, "bools", 3);
            b.write(1);
            b.add(1).write(0);
            b.add(2).write(1);
            c_string(c_resize(&mut m, "strings", 1), "a");
            c_string(c_resize(&mut m, "bounded_strings", 1), "12345");
            c_resize(&mut m, "plains", 1);
            let bytes = c_resize(&mut m, "bytes", 3);
            std::ptr::copy_nonoverlapping([1u8, 2, 3].as_ptr(), bytes, 3);
        }
        assert_eq!(ser(&m), expected);
        round_trip(&t, &expected);

        // C++ reads the same bytes into std::vector / std::vector<bool> / BoundedVector ...
        let tc = ty(Language::Cpp, "Sequences");
        let back = round_trip(&tc, &expected);
        // ... and the std::vector<int32_t> really holds [7, -7] (checked via introspection).
        let f = field(&tc, "ints");
        let mm = unsafe {
            &*(tc.members_address() as *const rosidl_typesupport_introspection_cpp__MessageMembers)
        };
        let member = unsafe { &*mm.members_ };
        let fp = unsafe { back.as_ptr().add(f.offset).cast::<c_void>() };
        assert_eq!(unsafe { member.size_function.unwrap()(fp) }, 2);
        let d = unsafe { member.get_const_function.unwrap()(fp, 0) }.cast::<i32>();
        assert_eq!(unsafe { [*d, *d.add(1)] }, [7, -7]);
    }

    #[test]
    fn nested_arrays_and_large_fixed_c_equals_cpp() {
        need_libs!();
        // NestedArrays: fill in C, the C++ message must produce identical bytes.
        let t = ty(Language::C, "NestedArrays");
        let mut m = OwnedMessage::new(t.clone()).unwrap();
        let strings = field(&t, "strings");
        let ElementType::Message(st) = &strings.element else {
            panic!()
        };
        unsafe {
            let second = m.as_mut_ptr().add(strings.offset + strings.element_size);
            c_string(second.add(field(st, "text").offset), "second");
            c_u16string(second.add(field(st, "bounded_wide").offset), &[1, 2, 3, 4]);
            second
                .add(field(st, "trailer").offset)
                .cast::<u16>()
                .write_unaligned(77);
            let plains = field(&t, "plains");
            m.as_mut_ptr()
                .add(plains.offset + plains.element_size)
                .write(1); // plains[1].flag
        }
        let bytes = ser(&m);
        round_trip(&t, &bytes);
        round_trip(&ty(Language::Cpp, "NestedArrays"), &bytes);

        // LargeFixed: 1 MiB payload.
        let mut out = [Vec::new(), Vec::new()];
        for (i, lang) in [Language::C, Language::Cpp].into_iter().enumerate() {
            let t = ty(lang, "LargeFixed");
            assert!(t.is_plain());
            let mut m = OwnedMessage::new(t.clone()).unwrap();
            put(&mut m, "sequence", 42u64);
            put(&mut m, "frame_id", *b"camera\0\0\0\0\0\0\0\0\0\0");
            let payload = field(&t, "payload");
            assert_eq!(payload.container, Container::Array(1 << 20));
            for j in 0..(1usize << 20) {
                unsafe {
                    m.as_mut_ptr()
                        .add(payload.offset + j)
                        .write((j % 251) as u8)
                };
            }
            out[i] = ser(&m);
            assert_eq!(out[i].len(), 4 + 40 + (1 << 20));
            round_trip(&t, &out[i]);
        }
        assert_eq!(out[0], out[1]);
    }

    #[test]
    fn empty_and_service() {
        need_libs!();
        for lang in [Language::C, Language::Cpp] {
            let m = OwnedMessage::new(ty(lang, "Empty")).unwrap();
            assert_eq!(ser(&m), body(&[0]));
        }
        // Echo request via the service type support.
        let libs = libs().unwrap();
        type GetSrv = unsafe extern "C" fn() -> *const rosidl_service_type_support_t;
        let f: libloading::Symbol<GetSrv> = unsafe {
            libs.intro_c.get(b"rosidl_typesupport_introspection_c__get_service_type_support_handle__hazcat_test_msgs__srv__Echo\0")
        }
        .unwrap();
        let s = unsafe { service_types(f()) }.unwrap();
        assert_eq!(s.name, "Echo");
        assert_eq!(s.request.name, "Echo_Request");
        let mut req = OwnedMessage::new(s.request.clone()).unwrap();
        unsafe {
            c_string(
                req.as_mut_ptr().add(field(&s.request, "text").offset),
                "ping",
            )
        };
        put(&mut req, "count", 3i32);
        let expected = body(&[5, 0, 0, 0, b'p', b'i', b'n', b'g', 0, 0, 0, 0, 3, 0, 0, 0]);
        assert_eq!(ser(&req), expected);
        let cpp = unsafe { service_types(libs.intro_cpp.get::<GetSrv>(b"rosidl_typesupport_introspection_cpp__get_service_type_support_handle__hazcat_test_msgs__srv__Echo\0").unwrap()()) }.unwrap();
        round_trip(&cpp.request, &expected);
        let resp = OwnedMessage::new(cpp.response.clone()).unwrap();
        assert_eq!(
            ser(&resp),
            body(&[1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0])
        );
    }

    #[test]
    fn plainness() {
        need_libs!();
        for lang in [Language::C, Language::Cpp] {
            for (name, plain) in [
                ("Plain", true),
                ("Nested", true),
                ("LargeFixed", true),
                ("AllPrimitives", true),
                ("Empty", true),
                ("Strings", false),
                ("Sequences", false),
                ("NestedArrays", false),
            ] {
                assert_eq!(is_plain(&ty(lang, name)), plain, "{name} {lang:?}");
            }
        }
    }

    #[test]
    fn model_is_cached_and_resolution_reports_language() {
        need_libs!();
        let h = handle(Language::Cpp, "msg", "Sequences");
        let a = unsafe { message_type(h) }.unwrap();
        let b = unsafe { message_type(h) }.unwrap();
        assert!(Arc::ptr_eq(&a, &b));
        assert_eq!(
            unsafe { resolve_message_introspection(h) }.unwrap().0,
            Language::Cpp
        );
        assert_eq!(a.fields.len(), 9);
        assert_eq!(
            field(&a, "bounded_strings").container,
            Container::Sequence { bound: Some(2) }
        );
        assert!(matches!(
            field(&a, "bounded_strings").element,
            ElementType::String { bound: Some(5) }
        ));
        assert!(unsafe { message_type(std::ptr::null()) }.is_err());
    }

    // -----------------------------------------------------------------------------------------
    // BulkPrimitives: large fixed arrays and sequences of every primitive width. The expected
    // bytes come from an encoder written here element by element (independent of the crate's
    // bulk copies), and values are checked element by element after deserialization.

    /// The primitive of a field (BulkPrimitives has only primitive fields).
    fn prim(f: &Field) -> Primitive {
        match f.element {
            ElementType::Primitive(p) => p,
            _ => panic!("{} is not primitive", f.name),
        }
    }

    /// Native (little-endian) bytes of element `i` of the `k`-th field.
    fn elem(p: Primitive, k: usize, i: usize) -> Vec<u8> {
        let x = (i as u64)
            .wrapping_mul(0x9E37_79B9_7F4A_7C15)
            .wrapping_add((k as u64).wrapping_mul(0x1234_5678_9ABC_DEF1));
        match p {
            Primitive::Bool => vec![u8::from((i * 7 + k).is_multiple_of(3))],
            Primitive::Float32 => ((i as f32) * 0.25 - k as f32).to_le_bytes().to_vec(),
            Primitive::Float64 => ((i as f64) * -0.125 + k as f64).to_le_bytes().to_vec(),
            p => x.to_le_bytes()[..p.size()].to_vec(),
        }
    }

    /// Element count of field `k` (singles 1, arrays their size, sequences from `seq_len`).
    fn count(f: &Field, k: usize, seq_len: &dyn Fn(usize) -> usize) -> usize {
        match f.container {
            Container::Single => 1,
            Container::Array(n) => n,
            Container::Sequence { .. } => seq_len(k),
        }
    }

    /// BulkPrimitives sequence lengths: large, different per field, within the bounds.
    fn long_lens(k: usize) -> usize {
        40_000 + 37 * k
    }

    fn short_lens(k: usize) -> usize {
        1 + 3 * k
    }

    /// Classic CDR of a BulkPrimitives message, one element at a time.
    fn encode_per_element(t: &MessageType, seq_len: &dyn Fn(usize) -> usize, be: bool) -> Vec<u8> {
        let mut v = if be {
            vec![0, 0, 0, 0]
        } else {
            CDR_LE_HEADER.to_vec()
        };
        let align = |v: &mut Vec<u8>, a: usize| {
            while !(v.len() - 4).is_multiple_of(a) {
                v.push(0);
            }
        };
        for (k, f) in t.fields.iter().enumerate() {
            let p = prim(f);
            let n = count(f, k, seq_len);
            if let Container::Sequence { .. } = f.container {
                align(&mut v, 4);
                let len = n as u32;
                v.extend_from_slice(&if be {
                    len.to_be_bytes()
                } else {
                    len.to_le_bytes()
                });
            }
            if n > 0 {
                align(&mut v, p.cdr_align());
            }
            for i in 0..n {
                let mut e = elem(p, k, i);
                if be {
                    e.reverse();
                }
                v.extend_from_slice(&e);
            }
        }
        v
    }

    /// Fills a C BulkPrimitives message element by element.
    fn fill_bulk_c(m: &mut OwnedMessage, seq_len: &dyn Fn(usize) -> usize) {
        let t = m.message_type().clone();
        for (k, f) in t.fields.iter().enumerate() {
            let p = prim(f);
            let n = count(f, k, seq_len);
            let base = match f.container {
                Container::Sequence { .. } => c_resize(m, &f.name, n),
                _ => unsafe { m.as_mut_ptr().add(f.offset) },
            };
            for i in 0..n {
                let e = elem(p, k, i);
                unsafe {
                    std::ptr::copy_nonoverlapping(e.as_ptr(), base.add(i * p.size()), e.len())
                };
            }
        }
    }

    /// Checks every element of a BulkPrimitives message (C or C++) against [`elem`].
    fn check_bulk(m: &OwnedMessage, seq_len: &dyn Fn(usize) -> usize) {
        let t = m.message_type().clone();
        for (k, f) in t.fields.iter().enumerate() {
            let p = prim(f);
            let n = count(f, k, seq_len);
            let fp = unsafe { m.as_ptr().add(f.offset) };
            let (base, len) = match (f.container, t.language) {
                (Container::Sequence { .. }, Language::C) => {
                    let s = unsafe { &*fp.cast::<rosidl_runtime_c__Sequence<u8>>() };
                    (s.data as *const u8, s.size)
                }
                // std::vector<bool> has no contiguous storage: covered by the byte checks.
                (Container::Sequence { .. }, Language::Cpp) if p == Primitive::Bool => continue,
                (Container::Sequence { .. }, Language::Cpp) => {
                    let mm = unsafe {
                        &*(t.members_address()
                            as *const rosidl_typesupport_introspection_cpp__MessageMembers)
                    };
                    let member = unsafe { &*mm.members_.add(k) };
                    let len = unsafe { member.size_function.unwrap()(fp.cast()) };
                    let data = if len == 0 {
                        std::ptr::null()
                    } else {
                        unsafe { member.get_const_function.unwrap()(fp.cast(), 0) }.cast::<u8>()
                    };
                    (data, len)
                }
                _ => (fp, n),
            };
            assert_eq!(len, n, "{} {:?}: length", f.name, t.language);
            for i in 0..n {
                let got = unsafe { std::slice::from_raw_parts(base.add(i * p.size()), p.size()) };
                assert_eq!(got, elem(p, k, i), "{}[{i}] {:?}", f.name, t.language);
            }
        }
    }

    #[test]
    fn bulk_primitives_match_per_element_encoding_c_and_cpp() {
        need_libs!();
        let t = ty(Language::C, "BulkPrimitives");
        let tc = ty(Language::Cpp, "BulkPrimitives");
        assert_eq!(t.fields.len(), 25);
        let le = encode_per_element(&t, &long_lens, false);
        let be = encode_per_element(&t, &long_lens, true);

        // C: filled element by element, serialized in bulk: the same bytes.
        let mut m = OwnedMessage::new(t.clone()).unwrap();
        fill_bulk_c(&mut m, &long_lens);
        assert_eq!(ser(&m), le);

        for tt in [&t, &tc] {
            // Little- and big-endian input, into fresh messages: every element right.
            for bytes in [&le, &be] {
                let back = round_trip_to(tt, bytes, &le);
                check_bulk(&back, &long_lens);
            }
        }
    }

    #[test]
    fn bulk_primitives_reused_message_grows_and_shrinks() {
        need_libs!();
        let long = |be| encode_per_element(&ty(Language::C, "BulkPrimitives"), &long_lens, be);
        let short = |be| encode_per_element(&ty(Language::C, "BulkPrimitives"), &short_lens, be);
        for lang in [Language::C, Language::Cpp] {
            let t = ty(lang, "BulkPrimitives");
            let mut m = OwnedMessage::new(t.clone()).unwrap();
            // Long, short (the sequences shrink), long again (grow), each twice (same size).
            for (bytes, lens) in [
                (short(false), &short_lens as &dyn Fn(usize) -> usize),
                (long(true), &long_lens),
                (long(false), &long_lens),
                (short(false), &short_lens),
                (short(true), &short_lens),
                (long(false), &long_lens),
            ] {
                unsafe { deserialize(&t, &bytes, m.as_mut_ptr()) }.unwrap();
                check_bulk(&m, lens);
                assert_eq!(ser(&m), encode_per_element(&t, lens, false), "{lang:?}");
            }
        }
    }

    #[test]
    fn bulk_primitives_multi_mib_sequences_fresh_and_reused() {
        need_libs!();
        // Above the size from which fresh C buffers are advised to use huge pages.
        let t = ty(Language::C, "BulkPrimitives");
        let (u8s, f64s) = (
            t.fields.iter().position(|f| f.name == "u8s").unwrap(),
            t.fields.iter().position(|f| f.name == "f64s").unwrap(),
        );
        let lens = move |k: usize| match k {
            k if k == u8s => (9 << 20) + 3,
            k if k == f64s => (5 << 20) / 8 + 1,
            k => short_lens(k),
        };
        let le = encode_per_element(&t, &lens, false);
        for lang in [Language::C, Language::Cpp] {
            let t = ty(lang, "BulkPrimitives");
            let mut m = round_trip_to(&t, &le, &le);
            check_bulk(&m, &lens);
            // Into the same message again (C: the buffers are reused), then smaller.
            unsafe { deserialize(&t, &le, m.as_mut_ptr()) }.unwrap();
            check_bulk(&m, &lens);
            let short = encode_per_element(&t, &short_lens, false);
            unsafe { deserialize(&t, &short, m.as_mut_ptr()) }.unwrap();
            check_bulk(&m, &short_lens);
            assert_eq!(ser(&m), short);
        }
    }

    /// Deserializes `bytes` into a fresh message of `t` and checks it re-serializes to `le`.
    fn round_trip_to(t: &Arc<MessageType>, bytes: &[u8], le: &[u8]) -> OwnedMessage {
        let mut m = OwnedMessage::new(t.clone()).unwrap();
        unsafe { deserialize(t, bytes, m.as_mut_ptr()) }.unwrap();
        assert_eq!(ser(&m), le, "{} {:?}", t.name, t.language);
        m
    }

    // -----------------------------------------------------------------------------------------
    // Micro-benchmark (not a test: run it by hand, in release):
    //   scripts/build_test_msgs.sh jazzy
    //   ROS_DISTRO=jazzy LD_LIBRARY_PATH=$(scripts/ros_venv.sh jazzy)/lib cargo test --release \
    //     -p rmw_hazcat --test typesupport_generated -- --ignored --nocapture bench_bulk

    fn median(v: &mut [f64]) -> f64 {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    }

    /// Milliseconds of one call of `f`.
    fn time_ms(f: &mut dyn FnMut()) -> f64 {
        let t0 = std::time::Instant::now();
        f();
        t0.elapsed().as_secs_f64() * 1e3
    }

    #[test]
    #[ignore = "micro-benchmark: run by hand with --release"]
    fn bench_bulk_serialize_deserialize_vs_memcpy() {
        need_libs!();
        let rounds = 9;
        println!("| lang | field | MiB | memcpy x2 ms | ser+de (reused msg) ms | ratio | memcpy+alloc ms | ser+de (fresh msg) ms | ratio |");
        println!("|---|---|---:|---:|---:|---:|---:|---:|---:|");
        for (name, mib) in [("u8s", 64usize), ("f32s", 16)] {
            // The wire bytes, made from a C message (other sequences empty).
            let tcl = ty(Language::C, "BulkPrimitives");
            let f = field(&tcl, name);
            let n = (mib << 20) / prim(f).size();
            let mut cm = OwnedMessage::new(tcl.clone()).unwrap();
            let d = c_resize(&mut cm, name, n);
            for i in 0..n * prim(f).size() {
                unsafe { d.add(i).write((i % 251) as u8) };
            }
            let wire = ser(&cm);
            drop(cm);
            for lang in [Language::C, Language::Cpp] {
                let t = ty(lang, "BulkPrimitives");
                let mut src = OwnedMessage::new(t.clone()).unwrap();
                unsafe { deserialize(&t, &wire, src.as_mut_ptr()) }.unwrap();
                let mut dst = OwnedMessage::new(t.clone()).unwrap();
                let mut buf = wire.clone();
                let (a, mut b, mut c) = (wire.clone(), wire.clone(), wire.clone());
                let len = wire.len();
                let mut memcpy2 = || unsafe {
                    std::ptr::copy_nonoverlapping(a.as_ptr(), b.as_mut_ptr(), len);
                    std::ptr::copy_nonoverlapping(b.as_ptr(), c.as_mut_ptr(), len);
                    std::hint::black_box((&b, &c));
                };
                let mut reused = || unsafe {
                    serialize_into(&t, src.as_ptr(), &mut buf).unwrap();
                    deserialize(&t, &buf, dst.as_mut_ptr()).unwrap();
                    std::hint::black_box(dst.as_ptr());
                };
                let mut b2 = wire.clone();
                let mut memcpy_alloc = || unsafe {
                    std::ptr::copy_nonoverlapping(a.as_ptr(), b2.as_mut_ptr(), len);
                    let mut fresh = Vec::<u8>::with_capacity(len);
                    std::ptr::copy_nonoverlapping(b2.as_ptr(), fresh.as_mut_ptr(), len);
                    fresh.set_len(len);
                    std::hint::black_box(&fresh);
                };
                let mut buf2 = wire.clone();
                let mut fresh = || unsafe {
                    serialize_into(&t, src.as_ptr(), &mut buf2).unwrap();
                    let mut m = OwnedMessage::new(t.clone()).unwrap();
                    deserialize(&t, &buf2, m.as_mut_ptr()).unwrap();
                    std::hint::black_box(m.as_ptr());
                };
                let mut s: [Vec<f64>; 4] = Default::default();
                let (mut r1, mut r2) = (Vec::new(), Vec::new());
                for round in 0..rounds + 1 {
                    let mut fs: [&mut dyn FnMut(); 4] =
                        [&mut memcpy2, &mut reused, &mut memcpy_alloc, &mut fresh];
                    let mut t_round = [0.0; 4];
                    let order: Vec<usize> = if round % 2 == 0 {
                        vec![0, 1, 2, 3]
                    } else {
                        vec![3, 2, 1, 0]
                    };
                    for &j in &order {
                        let mut v: Vec<f64> = (0..5).map(|_| time_ms(fs[j])).collect();
                        t_round[j] = median(&mut v);
                    }
                    if round == 0 {
                        continue; // warm-up
                    }
                    for j in 0..4 {
                        s[j].push(t_round[j]);
                    }
                    r1.push(t_round[1] / t_round[0]);
                    r2.push(t_round[3] / t_round[2]);
                }
                println!(
                    "| {lang:?} | {name} | {mib} | {:.2} | {:.2} | {:.2} | {:.2} | {:.2} | {:.2} |",
                    median(&mut s[0]),
                    median(&mut s[1]),
                    median(&mut r1),
                    median(&mut s[2]),
                    median(&mut s[3]),
                    median(&mut r2)
                );
            }
        }
    }
}
