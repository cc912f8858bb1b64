//! Classic CDR (XCDR1, `"cdr"`) of message memory, byte-compatible with rmw_cyclonedds_cpp and
//! rmw_fastrtps_cpp:
//!
//! * 4-byte encapsulation header `00 01 00 00` (little-endian; `00 00 00 00` = big-endian is
//!   accepted when reading); alignment is counted from the byte after the header.
//! * Primitives aligned to `min(size, 8)`; `bool`, `char`, `octet`, `int8`, `uint8`: 1 byte;
//!   `wchar`: 2 bytes; `long double`: 16 bytes aligned to 8.
//! * `string`: `u32` length including the NUL, the bytes, a NUL.
//! * `wstring`: `u32` number of code units, then each UTF-16 code unit widened to a 4-byte
//!   `wchar_t` (what cyclone's `CDR_Legacy` writer and Fast-CDR 1.x `std::wstring` do; there is no
//!   terminator). Note that other vendors disagree on wstrings (ROS system_tests skip them).
//! * Sequences: `u32` element count, then the elements; fixed arrays: elements only.
//! * A top-level message with no fields is one `00` byte.
//!
//! Bounded strings / sequences longer than their bound are rejected both ways.
//!
//! Arrays and sequences of primitives are one `memcpy` each way (this crate targets little-endian
//! hosts; big-endian input is byte-swapped in place after the copy). Reading into a C sequence
//! whose buffer already holds enough elements reuses it; a fresh buffer of 4 MiB or more (C, and
//! C++ `std::vector` through the shim's reserve) is advised to use transparent huge pages before it
//! is first written (see `advise_huge_pages`).

use super::cpp_shim;
use super::model::{Container, ElementType, Field, MessageType, Primitive, ResizeFn};
use super::resolve::Language;
use super::{Result, TypeSupportError};
use crate::sys::rosidl::{
    rosidl_runtime_c__Sequence, rosidl_runtime_c__String, rosidl_runtime_c__U16String,
};
use std::ffi::c_void;

/// Encapsulation header of little-endian classic CDR.
pub const CDR_LE_HEADER: [u8; 4] = [0x00, 0x01, 0x00, 0x00];

const HEADER_LEN: usize = 4;

// ---------------------------------------------------------------------------------------------
// Writing

trait Sink {
    /// Bytes written since the header (the alignment origin).
    fn pos(&self) -> usize;
    fn put(&mut self, bytes: &[u8]);
    fn zeros(&mut self, n: usize);
    /// True when only the length is computed (data need not be read).
    fn counting(&self) -> bool;
}

struct Counter(usize);

impl Sink for Counter {
    fn pos(&self) -> usize {
        self.0
    }
    fn put(&mut self, bytes: &[u8]) {
        self.0 += bytes.len();
    }
    fn zeros(&mut self, n: usize) {
        self.0 += n;
    }
    fn counting(&self) -> bool {
        true
    }
}

/// Writes into a slice that was sized by a [`Counter`] pass over the same message.
struct SliceSink<'a> {
    buf: &'a mut [u8],
    at: usize,
}

impl Sink for SliceSink<'_> {
    fn pos(&self) -> usize {
        self.at
    }
    fn put(&mut self, bytes: &[u8]) {
        self.buf[self.at..self.at + bytes.len()].copy_from_slice(bytes);
        self.at += bytes.len();
    }
    fn zeros(&mut self, n: usize) {
        self.buf[self.at..self.at + n].fill(0);
        self.at += n;
    }
    fn counting(&self) -> bool {
        false
    }
}

fn align<S: Sink>(s: &mut S, a: usize) {
    let pad = (a - s.pos() % a) % a;
    if pad > 0 {
        s.zeros(pad);
    }
}

fn put_u32<S: Sink>(s: &mut S, v: usize, what: &str) -> Result<()> {
    let v = u32::try_from(v)
        .map_err(|_| TypeSupportError::InvalidData(format!("{what}: length {v} exceeds u32")))?;
    align(s, 4);
    s.put(&v.to_le_bytes());
    Ok(())
}

fn check_bound(field: &Field, len: usize, bound: Option<usize>) -> Result<()> {
    match bound {
        Some(b) if len > b => Err(TypeSupportError::BoundExceeded {
            field: field.name.clone(),
            len,
            bound: b,
        }),
        _ => Ok(()),
    }
}

/// Number of bytes `serialize` produces for the message at `msg`, header included.
///
/// # Safety
/// `msg` points to a live, initialized message of type `ty` (language `ty.language`).
pub unsafe fn serialized_size(ty: &MessageType, msg: *const u8) -> Result<usize> {
    let mut c = Counter(0);
    // SAFETY: `msg` is a live, initialized message of type `ty` (this function's `# Safety`):
    // what `write_top` reads; the counter sink writes nothing.
    unsafe { write_top(&mut c, ty, msg)? };
    Ok(HEADER_LEN + c.0)
}

/// Serializes the message at `msg` into `out` (cleared first).
///
/// # Safety
/// As [`serialized_size`].
pub unsafe fn serialize(ty: &MessageType, msg: *const u8, out: &mut Vec<u8>) -> Result<()> {
    // SAFETY: `msg` is a live message of type `ty` (same contract as `serialized_size`).
    let n = unsafe { serialized_size(ty, msg)? };
    out.clear();
    out.resize(n, 0);
    // SAFETY: `msg` as above (unchanged since it was measured), and `out` has exactly the size
    // `serialized_size` computed for it: `write_sized`'s requirements.
    unsafe { write_sized(ty, msg, out) }
}

/// Serializes into `buf`, which must hold at least [`serialized_size`] bytes; returns the length
/// written. Useful to serialize straight into shared memory.
///
/// # Safety
/// As [`serialized_size`].
pub unsafe fn serialize_into(ty: &MessageType, msg: *const u8, buf: &mut [u8]) -> Result<usize> {
    // SAFETY: `msg` is a live message of type `ty` (same contract as `serialized_size`).
    let n = unsafe { serialized_size(ty, msg)? };
    if buf.len() < n {
        return Err(TypeSupportError::InvalidData(format!(
            "output buffer of {} bytes, {n} needed",
            buf.len()
        )));
    }
    // SAFETY: `msg` as above (unchanged since it was measured), and `buf[..n]` has exactly the
    // size `serialized_size` computed for it: `write_sized`'s requirements.
    unsafe { write_sized(ty, msg, &mut buf[..n])? };
    Ok(n)
}

/// Writes header and body into `buf`, whose length is the message's serialized size.
///
/// # Safety
/// As [`serialized_size`]; the message has not changed since it was sized.
unsafe fn write_sized(ty: &MessageType, msg: *const u8, buf: &mut [u8]) -> Result<()> {
    let (header, body) = buf.split_at_mut(HEADER_LEN);
    header.copy_from_slice(&CDR_LE_HEADER);
    let mut s = SliceSink { buf: body, at: 0 };
    // SAFETY: `msg` is a live message of type `ty` whose serialized body fills `body` exactly
    // (this function's `# Safety`): `write_top` writes only within the sink.
    unsafe { write_top(&mut s, ty, msg)? };
    debug_assert_eq!(s.at, s.buf.len());
    Ok(())
}

/// # Safety
/// As [`serialized_size`].
unsafe fn write_top<S: Sink>(s: &mut S, ty: &MessageType, msg: *const u8) -> Result<()> {
    if msg.is_null() {
        return Err(TypeSupportError::NullPointer("message"));
    }
    if ty.fields.is_empty() {
        s.put(&[0]);
        return Ok(());
    }
    // SAFETY: `msg` is a live, initialized message of type `ty` (this function's `# Safety`),
    // which is all `write_message` reads.
    unsafe { write_message(s, ty, msg) }
}

/// # Safety
/// `msg` is a live message of type `ty`.
unsafe fn write_message<S: Sink>(s: &mut S, ty: &MessageType, msg: *const u8) -> Result<()> {
    for f in &ty.fields {
        // SAFETY: the model checked `offset` lies inside the message.
        let fp = unsafe { msg.add(f.offset) };
        match f.container {
            // SAFETY: `fp` holds one element of the field's type.
            Container::Single => unsafe { write_elements(s, ty.language, f, fp, 1)? },
            // SAFETY: fixed arrays are stored inline with stride `element_size`.
            Container::Array(n) => unsafe { write_elements(s, ty.language, f, fp, n)? },
            Container::Sequence { bound } => {
                if ty.language == Language::Cpp
                    && matches!(f.element, ElementType::Primitive(Primitive::Bool))
                {
                    // SAFETY: a C++ bool sequence is a std::vector<bool> (or BoundedVector).
                    let bits = unsafe { cpp_shim::bool_vector_get(fp) };
                    check_bound(f, bits.len(), bound)?;
                    put_u32(s, bits.len(), &f.name)?;
                    s.put(&bits);
                    continue;
                }
                // SAFETY: `fp` is a sequence of the field's language.
                let (data, len) = unsafe { sequence_view(ty.language, f, fp)? };
                check_bound(f, len, bound)?;
                put_u32(s, len, &f.name)?;
                // SAFETY: `data` holds `len` contiguous elements.
                unsafe { write_elements(s, ty.language, f, data, len)? };
            }
        }
    }
    Ok(())
}

/// Data pointer and length of a sequence field.
///
/// # Safety
/// `fp` points to a live sequence field `f` of language `lang` (not a C++ bool sequence).
unsafe fn sequence_view(lang: Language, f: &Field, fp: *const u8) -> Result<(*const u8, usize)> {
    let (data, len) = match lang {
        Language::C => {
            // SAFETY: every C sequence is `{T *data; size_t size; size_t capacity}`.
            let seq = unsafe { &*fp.cast::<rosidl_runtime_c__Sequence<u8>>() };
            (seq.data as *const u8, seq.size)
        }
        Language::Cpp => {
            let (size, get) = (f.fns.size, f.fns.get_const);
            let (Some(size), Some(get)) = (size, get) else {
                return Err(TypeSupportError::InvalidIntrospection(format!(
                    "{}: no size/get_const function",
                    f.name
                )));
            };
            // SAFETY: introspection accessors of this very field.
            let len = unsafe { size(fp.cast()) };
            let data = if len == 0 {
                std::ptr::null()
            } else {
                // SAFETY: index 0 < len; std::vector storage is contiguous.
                unsafe { get(fp.cast(), 0) }.cast::<u8>()
            };
            (data, len)
        }
    };
    if len > 0 && data.is_null() {
        return Err(TypeSupportError::InvalidData(format!(
            "{}: sequence of {len} elements has NULL data",
            f.name
        )));
    }
    Ok((data, len))
}

/// # Safety
/// `base` holds `n` contiguous live elements of field `f` (stride `element_size`).
unsafe fn write_elements<S: Sink>(
    s: &mut S,
    lang: Language,
    f: &Field,
    base: *const u8,
    n: usize,
) -> Result<()> {
    if n == 0 {
        return Ok(());
    }
    match &f.element {
        ElementType::Primitive(p) => {
            align(s, p.cdr_align());
            let bytes = n * p.size();
            if s.counting() {
                s.zeros(bytes);
            } else {
                // SAFETY: `n` primitives of `p.size()` bytes, contiguous; memory order is
                // little-endian like the wire (this crate only targets little-endian hosts).
                s.put(unsafe { std::slice::from_raw_parts(base, bytes) });
            }
        }
        ElementType::String { bound } => {
            for i in 0..n {
                // SAFETY: element `i` of `n`.
                let e = unsafe { base.add(i * f.element_size) };
                // SAFETY: a live string of language `lang`.
                let bytes = unsafe { string_bytes(lang, e) };
                check_bound(f, bytes.len(), *bound)?;
                put_u32(s, bytes.len() + 1, &f.name)?;
                s.put(bytes);
                s.put(&[0]);
            }
        }
        ElementType::WString { bound } => {
            for i in 0..n {
                // SAFETY: element `i` of `n`.
                let e = unsafe { base.add(i * f.element_size) };
                // SAFETY: a live wide string of language `lang`.
                let units = unsafe { wstring_units(lang, e) };
                check_bound(f, units.len(), *bound)?;
                put_u32(s, units.len(), &f.name)?;
                if s.counting() {
                    s.zeros(units.len() * 4);
                } else {
                    for &u in units {
                        s.put(&u32::from(u).to_le_bytes());
                    }
                }
            }
        }
        ElementType::Message(t) => {
            for i in 0..n {
                // SAFETY: element `i` of `n`, a live nested message of type `t`.
                unsafe { write_message(s, t, base.add(i * f.element_size))? };
            }
        }
    }
    Ok(())
}

/// # Safety
/// `e` is a live string of language `lang`; the result must not outlive it.
unsafe fn string_bytes<'a>(lang: Language, e: *const u8) -> &'a [u8] {
    match lang {
        Language::C => {
            // SAFETY: a rosidl_runtime_c__String.
            let st = unsafe { &*e.cast::<rosidl_runtime_c__String>() };
            if st.data.is_null() || st.size == 0 {
                &[]
            } else {
                // SAFETY: `data` holds `size` bytes.
                unsafe { std::slice::from_raw_parts(st.data.cast::<u8>(), st.size) }
            }
        }
        // SAFETY: a std::string.
        Language::Cpp => unsafe { cpp_shim::string_get(e) },
    }
}

/// # Safety
/// `e` is a live wide string of language `lang`; the result must not outlive it.
unsafe fn wstring_units<'a>(lang: Language, e: *const u8) -> &'a [u16] {
    match lang {
        Language::C => {
            // SAFETY: a rosidl_runtime_c__U16String.
            let st = unsafe { &*e.cast::<rosidl_runtime_c__U16String>() };
            if st.data.is_null() || st.size == 0 {
                &[]
            } else {
                // SAFETY: `data` holds `size` code units.
                unsafe { std::slice::from_raw_parts(st.data, st.size) }
            }
        }
        // SAFETY: a std::u16string.
        Language::Cpp => unsafe { cpp_shim::u16string_get(e) },
    }
}

// ---------------------------------------------------------------------------------------------
// Reading

struct Reader<'a> {
    body: &'a [u8],
    at: usize,
    swap: bool,
}

impl<'a> Reader<'a> {
    /// A reader of the body of CDR `bytes`, after checking its encapsulation header (classic
    /// CDR, either byte order).
    fn after_header(bytes: &'a [u8]) -> Result<Reader<'a>> {
        if bytes.len() < HEADER_LEN {
            return Err(TypeSupportError::Truncated {
                needed: HEADER_LEN,
                available: bytes.len(),
            });
        }
        let swap = match [bytes[0], bytes[1]] {
            [0, 1] => false,
            [0, 0] => true,
            other => return Err(TypeSupportError::UnsupportedEncapsulation(other)),
        };
        Ok(Reader {
            body: &bytes[HEADER_LEN..],
            at: 0,
            swap,
        })
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8]> {
        let available = self.body.len() - self.at;
        if n > available {
            return Err(TypeSupportError::Truncated {
                needed: n,
                available,
            });
        }
        let out = &self.body[self.at..self.at + n];
        self.at += n;
        Ok(out)
    }

    fn align(&mut self, a: usize) -> Result<()> {
        let pad = (a - self.at % a) % a;
        self.take(pad).map(|_| ())
    }

    fn u32(&mut self) -> Result<usize> {
        self.align(4)?;
        let b: [u8; 4] = self.take(4)?.try_into().expect("4 bytes");
        Ok(if self.swap {
            u32::from_be_bytes(b)
        } else {
            u32::from_le_bytes(b)
        } as usize)
    }

    fn remaining(&self) -> usize {
        self.body.len() - self.at
    }
}

/// Deserializes CDR `bytes` (header included) into the live, initialized message at `msg`,
/// resizing its strings and sequences as needed. On error the message stays valid (destructible)
/// but its contents are unspecified.
///
/// # Safety
/// `msg` points to a live, initialized message of type `ty` (language `ty.language`), e.g. one
/// constructed with [`MessageType::init_in_place`].
pub unsafe fn deserialize(ty: &MessageType, bytes: &[u8], msg: *mut u8) -> Result<()> {
    if msg.is_null() {
        return Err(TypeSupportError::NullPointer("message"));
    }
    let mut r = Reader::after_header(bytes)?;
    if ty.fields.is_empty() {
        return r.take(1).map(|_| ());
    }
    // SAFETY: `msg` is a live, initialized message of type `ty` (this function's `# Safety`):
    // `read_message` writes its fields through the type's own init/resize functions.
    unsafe { read_message(&mut r, ty, msg) }
}

/// Checks that CDR `bytes` (header included) hold a message of type `ty` exactly as
/// [`deserialize`] would accept it (same bounds, counts and string checks), without building
/// one: nothing is allocated and array contents are not copied, so a 64 MiB `uint8[]` costs the
/// same as an empty one. For bytes from an untrusted source before they reach a subscriber.
pub fn validate(ty: &MessageType, bytes: &[u8]) -> Result<()> {
    let mut r = Reader::after_header(bytes)?;
    if ty.fields.is_empty() {
        return r.take(1).map(|_| ());
    }
    check_message(&mut r, ty)
}

fn check_message(r: &mut Reader<'_>, ty: &MessageType) -> Result<()> {
    for f in &ty.fields {
        match f.container {
            Container::Single => check_elements(r, f, 1)?,
            Container::Array(n) => check_elements(r, f, n)?,
            Container::Sequence { bound } => {
                let len = sequence_len(r, f, bound)?;
                if ty.language == Language::Cpp
                    && matches!(f.element, ElementType::Primitive(Primitive::Bool))
                {
                    r.take(len)?;
                    continue;
                }
                check_elements(r, f, len)?;
            }
        }
    }
    Ok(())
}

fn check_elements(r: &mut Reader<'_>, f: &Field, n: usize) -> Result<()> {
    if n == 0 {
        return Ok(());
    }
    match &f.element {
        ElementType::Primitive(p) => {
            r.align(p.cdr_align())?;
            r.take(n.saturating_mul(p.size()))?;
        }
        ElementType::String { bound } => {
            for _ in 0..n {
                let len = r.u32()?;
                let raw = r.take(len)?;
                let text = match raw.split_last() {
                    Some((0, rest)) => rest,
                    _ => raw,
                };
                check_bound(f, text.len(), *bound)?;
            }
        }
        ElementType::WString { bound } => {
            for _ in 0..n {
                let len = r.u32()?;
                check_bound(f, len, *bound)?;
                let raw = r.take(len.saturating_mul(4))?;
                for c in raw.chunks_exact(4) {
                    let b: [u8; 4] = c.try_into().expect("4 bytes");
                    let v = if r.swap {
                        u32::from_be_bytes(b)
                    } else {
                        u32::from_le_bytes(b)
                    };
                    if v > u32::from(u16::MAX) {
                        return Err(TypeSupportError::InvalidData(format!(
                            "{}: wide char {v:#x}",
                            f.name
                        )));
                    }
                }
            }
        }
        ElementType::Message(t) => {
            for _ in 0..n {
                check_message(r, t)?;
            }
        }
    }
    Ok(())
}

/// # Safety
/// `msg` is a live message of type `ty`.
unsafe fn read_message(r: &mut Reader<'_>, ty: &MessageType, msg: *mut u8) -> Result<()> {
    for f in &ty.fields {
        // SAFETY: the model checked `offset` lies inside the message.
        let fp = unsafe { msg.add(f.offset) };
        match f.container {
            // SAFETY: one live element at `fp`.
            Container::Single => unsafe { read_elements(r, ty.language, f, fp, 1)? },
            // SAFETY: `n` inline live elements.
            Container::Array(n) => unsafe { read_elements(r, ty.language, f, fp, n)? },
            Container::Sequence { bound } => {
                let len = sequence_len(r, f, bound)?;
                if ty.language == Language::Cpp
                    && matches!(f.element, ElementType::Primitive(Primitive::Bool))
                {
                    let raw = r.take(len)?;
                    // SAFETY: a live std::vector<bool> (or BoundedVector<bool, N>).
                    if !unsafe { cpp_shim::bool_vector_set(fp, raw) } {
                        return Err(TypeSupportError::AllocationFailed(f.name.clone()));
                    }
                    continue;
                }
                // SAFETY: `fp` is a live sequence of the field's language.
                let data = unsafe { resize_sequence(ty.language, f, fp, len)? };
                // SAFETY: after resizing, `data` holds `len` live, initialized elements.
                unsafe { read_elements(r, ty.language, f, data, len)? };
            }
        }
    }
    Ok(())
}

/// Reads a sequence's element count, checked against its bound and against what is left (each
/// element takes at least its smallest CDR size), so a forged count cannot make the reader
/// allocate or loop far beyond the input.
fn sequence_len(r: &mut Reader<'_>, f: &Field, bound: Option<usize>) -> Result<usize> {
    let len = r.u32()?;
    check_bound(f, len, bound)?;
    let needed = len.saturating_mul(min_wire_size(&f.element));
    if needed > r.remaining() {
        return Err(TypeSupportError::Truncated {
            needed,
            available: r.remaining(),
        });
    }
    Ok(len)
}

/// Smallest CDR size of one element (for plausibility checks of sequence counts).
fn min_wire_size(e: &ElementType) -> usize {
    match e {
        ElementType::Primitive(p) => p.size(),
        ElementType::String { .. } | ElementType::WString { .. } => 4,
        ElementType::Message(_) => 1,
    }
}

/// Resizes a sequence to `len` initialized elements and returns its data pointer.
///
/// # Safety
/// `fp` is a live sequence field `f` of language `lang` (not a C++ bool sequence).
unsafe fn resize_sequence(lang: Language, f: &Field, fp: *mut u8, len: usize) -> Result<*mut u8> {
    match (lang, f.fns.resize) {
        (Language::C, Some(ResizeFn::C(resize))) => {
            // Primitive elements own nothing, so a buffer that already holds `len` elements is
            // reused (as std::vector::resize does): the generated resize function would free it
            // and allocate (and for large buffers page-fault) a new one on every take.
            if matches!(f.element, ElementType::Primitive(_)) && len > 0 {
                // SAFETY: every C sequence is `{T *data; size_t size; size_t capacity}`.
                let seq = unsafe { &mut *fp.cast::<rosidl_runtime_c__Sequence<u8>>() };
                if !seq.data.is_null() && seq.capacity >= len {
                    seq.size = len;
                    return Ok(seq.data);
                }
            }
            // SAFETY: C resize_function of this field: fini + init with `len` elements.
            if !unsafe { resize(fp.cast(), len) } {
                return Err(TypeSupportError::AllocationFailed(format!(
                    "{}: {len} elements",
                    f.name
                )));
            }
            // SAFETY: every C sequence is `{T *data; size_t size; size_t capacity}`.
            let seq = unsafe { &*fp.cast::<rosidl_runtime_c__Sequence<u8>>() };
            if len > 0 && (seq.data.is_null() || seq.size != len) {
                return Err(TypeSupportError::AllocationFailed(f.name.clone()));
            }
            if let ElementType::Primitive(p) = f.element {
                advise_huge_pages(seq.data, len * p.size());
            }
            Ok(seq.data)
        }
        (Language::Cpp, Some(ResizeFn::Cpp(resize))) => {
            let get = f.fns.get.ok_or_else(|| {
                TypeSupportError::InvalidIntrospection(format!("{}: no get_function", f.name))
            })?;
            // vector::resize value-initializes (writes) every new element itself; a large fresh
            // buffer is allocated first, advised to use huge pages, and only then written.
            if let (ElementType::Primitive(p), Container::Sequence { bound: None }) =
                (&f.element, f.container)
            {
                if let Some(kind) = cpp_vector_kind(*p) {
                    if len.saturating_mul(p.size()) >= HUGE_ADVICE_MIN {
                        // SAFETY: an unbounded primitive sequence of a C++ message is a
                        // std::vector<T> with the default allocator, T the C++ type of `p`,
                        // which `kind` names.
                        if let Some(data) = unsafe { cpp_shim::vector_reserve(fp, kind, len) } {
                            advise_huge_pages(data, len * p.size());
                        }
                    }
                }
            }
            // SAFETY: C++ resize_function of this field (std::vector::resize).
            unsafe { resize(fp.cast(), len) };
            if len == 0 {
                return Ok(std::ptr::null_mut());
            }
            // SAFETY: index 0 < len; std::vector storage is contiguous.
            Ok(unsafe { get(fp.cast::<c_void>(), 0) }.cast::<u8>())
        }
        _ => Err(TypeSupportError::InvalidIntrospection(format!(
            "{}: sequence without a resize function",
            f.name
        ))),
    }
}

/// The `HAZCAT_*` element kind of `cpp/typesupport_shim.cpp` for a C++ `std::vector` of `p` (the
/// C++ type rosidl uses: byte and char are `unsigned char`, wchar is `char16_t`); `None` for `bool`
/// (`std::vector<bool>` is bit-packed).
fn cpp_vector_kind(p: Primitive) -> Option<i32> {
    Some(match p {
        Primitive::Uint8 | Primitive::Octet | Primitive::Char => 1,
        Primitive::Int8 => 2,
        Primitive::Uint16 => 3,
        Primitive::Int16 => 4,
        Primitive::Uint32 => 5,
        Primitive::Int32 => 6,
        Primitive::Uint64 => 7,
        Primitive::Int64 => 8,
        Primitive::Float32 => 9,
        Primitive::Float64 => 10,
        Primitive::LongDouble => 11,
        Primitive::WChar => 12,
        Primitive::Bool => return None,
    })
}

/// Buffers from this size on are advised to use transparent huge pages before the bulk copy.
const HUGE_ADVICE_MIN: usize = 4 << 20;

/// Asks the kernel to back the 2 MiB-aligned interior of a freshly allocated, not yet written
/// buffer with transparent huge pages (`MADV_HUGEPAGE`, honoured when THP is in `madvise` mode):
/// the bulk copy that follows then takes one page fault per 2 MiB instead of one per 4 KiB, which
/// for a fresh 64 MiB sequence is most of the time of the take. Only advice: the contents are
/// unchanged, and an error (memory that is not anonymous, no THP) leaves the buffer as it was.
fn advise_huge_pages(data: *mut u8, bytes: usize) {
    const HUGE: usize = 2 << 20;
    if bytes < HUGE_ADVICE_MIN || data.is_null() {
        return;
    }
    let start = (data as usize).next_multiple_of(HUGE);
    let end = (data as usize + bytes) / HUGE * HUGE;
    if end > start {
        // SAFETY: [start, end) lies inside the caller's allocation of `bytes` bytes at `data`,
        // so it is mapped; MADV_HUGEPAGE changes no contents and no protection.
        let _ = unsafe { libc::madvise(start as *mut c_void, end - start, libc::MADV_HUGEPAGE) };
    }
}

/// # Safety
/// `base` holds `n` contiguous live, initialized elements of field `f`.
unsafe fn read_elements(
    r: &mut Reader<'_>,
    lang: Language,
    f: &Field,
    base: *mut u8,
    n: usize,
) -> Result<()> {
    if n == 0 {
        return Ok(());
    }
    match &f.element {
        ElementType::Primitive(p) => {
            r.align(p.cdr_align())?;
            let size = p.size();
            let src = r.take(n * size)?;
            // SAFETY: `base` has room for `n` elements of `size` bytes.
            let dst = unsafe { std::slice::from_raw_parts_mut(base, n * size) };
            dst.copy_from_slice(src);
            if *p == Primitive::Bool {
                for b in dst.iter_mut() {
                    *b = u8::from(*b != 0);
                }
            } else if r.swap && size > 1 {
                let width = if *p == Primitive::LongDouble {
                    16
                } else {
                    size
                };
                for chunk in dst.chunks_exact_mut(width) {
                    chunk.reverse();
                }
            }
        }
        ElementType::String { bound } => {
            for i in 0..n {
                let len = r.u32()?;
                let raw = r.take(len)?;
                let text = match raw.split_last() {
                    Some((0, rest)) => rest,
                    _ => raw,
                };
                check_bound(f, text.len(), *bound)?;
                // SAFETY: element `i` of `n`, a live string.
                unsafe { set_string(lang, f, base.add(i * f.element_size), text)? };
            }
        }
        ElementType::WString { bound } => {
            for i in 0..n {
                let len = r.u32()?;
                check_bound(f, len, *bound)?;
                let raw = r.take(len.saturating_mul(4))?;
                let mut units = Vec::with_capacity(len);
                for c in raw.chunks_exact(4) {
                    let b: [u8; 4] = c.try_into().expect("4 bytes");
                    let v = if r.swap {
                        u32::from_be_bytes(b)
                    } else {
                        u32::from_le_bytes(b)
                    };
                    units.push(u16::try_from(v).map_err(|_| {
                        TypeSupportError::InvalidData(format!("{}: wide char {v:#x}", f.name))
                    })?);
                }
                // SAFETY: element `i` of `n`, a live wide string.
                unsafe { set_wstring(lang, f, base.add(i * f.element_size), &units)? };
            }
        }
        ElementType::Message(t) => {
            for i in 0..n {
                // SAFETY: element `i` of `n`, a live nested message of type `t`.
                unsafe { read_message(r, t, base.add(i * f.element_size))? };
            }
        }
    }
    Ok(())
}

/// # Safety
/// `e` is a live string of language `lang`.
unsafe fn set_string(lang: Language, f: &Field, e: *mut u8, text: &[u8]) -> Result<()> {
    let ok = match lang {
        Language::C => {
            // SAFETY: a live rosidl_runtime_c__String whose buffer came from the rcutils default
            // allocator (malloc family), as rosidl_runtime_c__String__init/assign use.
            let st = unsafe { &mut *e.cast::<rosidl_runtime_c__String>() };
            // SAFETY: realloc of a malloc'ed (or NULL) pointer.
            let p = unsafe { libc::realloc(st.data.cast(), text.len() + 1) }.cast::<u8>();
            if p.is_null() {
                false
            } else {
                // SAFETY: `p` has `text.len() + 1` bytes.
                unsafe {
                    std::ptr::copy_nonoverlapping(text.as_ptr(), p, text.len());
                    *p.add(text.len()) = 0;
                }
                st.data = p.cast();
                st.size = text.len();
                st.capacity = text.len() + 1;
                true
            }
        }
        // SAFETY: a live std::string.
        Language::Cpp => unsafe { cpp_shim::string_set(e, text) },
    };
    if ok {
        Ok(())
    } else {
        Err(TypeSupportError::AllocationFailed(f.name.clone()))
    }
}

/// # Safety
/// `e` is a live wide string of language `lang`.
unsafe fn set_wstring(lang: Language, f: &Field, e: *mut u8, units: &[u16]) -> Result<()> {
    let ok = match lang {
        Language::C => {
            // SAFETY: a live rosidl_runtime_c__U16String (malloc-family buffer, see set_string).
            let st = unsafe { &mut *e.cast::<rosidl_runtime_c__U16String>() };
            let bytes = (units.len() + 1) * 2;
            // SAFETY: realloc of a malloc'ed (or NULL) pointer.
            let p = unsafe { libc::realloc(st.data.cast(), bytes) }.cast::<u16>();
            if p.is_null() {
                false
            } else {
                // SAFETY: `p` has room for `units.len() + 1` code units.
                unsafe {
                    std::ptr::copy_nonoverlapping(units.as_ptr(), p, units.len());
                    *p.add(units.len()) = 0;
                }
                st.data = p;
                st.size = units.len();
                st.capacity = units.len() + 1;
                true
            }
        }
        // SAFETY: a live std::u16string.
        Language::Cpp => unsafe { cpp_shim::u16string_set(e, units) },
    };
    if ok {
        Ok(())
    } else {
        Err(TypeSupportError::AllocationFailed(f.name.clone()))
    }
}
