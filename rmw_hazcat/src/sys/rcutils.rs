//! rcutils types that appear in the rmw ABI (`rcutils/allocator.h`, `rcutils/types/*.h`,
//! `rcutils/time.h`, `rcutils/logging.h`, `rcutils/error_handling.h`).
//!
//! These layouts are identical in every supported distro. librcutils is **not** linked: the
//! error-state functions are resolved at run time from the hosting process (`dlsym`), so their
//! signatures are declared here only as function-pointer types.

use core::ffi::{c_char, c_int, c_void};

/// `rcutils_ret_t`: return code of rcutils functions (`int`).
pub type rcutils_ret_t = c_int;
/// `RCUTILS_RET_OK`.
pub const RCUTILS_RET_OK: rcutils_ret_t = 0;
/// `RCUTILS_RET_ERROR`.
pub const RCUTILS_RET_ERROR: rcutils_ret_t = 2;
/// `RCUTILS_RET_BAD_ALLOC`.
pub const RCUTILS_RET_BAD_ALLOC: rcutils_ret_t = 10;
/// `RCUTILS_RET_INVALID_ARGUMENT`.
pub const RCUTILS_RET_INVALID_ARGUMENT: rcutils_ret_t = 11;

/// `rcutils_allocator_t::allocate`: `void * (*)(size_t size, void * state)`.
pub type rcutils_allocate_fn =
    Option<unsafe extern "C" fn(size: usize, state: *mut c_void) -> *mut c_void>;
/// `rcutils_allocator_t::deallocate`: `void (*)(void * pointer, void * state)`.
pub type rcutils_deallocate_fn =
    Option<unsafe extern "C" fn(pointer: *mut c_void, state: *mut c_void)>;
/// `rcutils_allocator_t::reallocate`: `void * (*)(void * pointer, size_t size, void * state)`.
pub type rcutils_reallocate_fn = Option<
    unsafe extern "C" fn(pointer: *mut c_void, size: usize, state: *mut c_void) -> *mut c_void,
>;
/// `rcutils_allocator_t::zero_allocate`:
/// `void * (*)(size_t number_of_elements, size_t size_of_element, void * state)`.
pub type rcutils_zero_allocate_fn = Option<
    unsafe extern "C" fn(
        number_of_elements: usize,
        size_of_element: usize,
        state: *mut c_void,
    ) -> *mut c_void,
>;

/// `rcutils_allocator_t` (40 B): an allocator as a set of C callbacks plus opaque state.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct rcutils_allocator_t {
    /// Allocate `size` bytes; NULL on failure.
    pub allocate: rcutils_allocate_fn,
    /// Free memory returned by `allocate`, `reallocate` or `zero_allocate`.
    pub deallocate: rcutils_deallocate_fn,
    /// Resize an allocation (like `realloc`).
    pub reallocate: rcutils_reallocate_fn,
    /// Allocate zeroed memory for an array (like `calloc`).
    pub zero_allocate: rcutils_zero_allocate_fn,
    /// Opaque state handed back to every callback.
    pub state: *mut c_void,
}

/// `rcutils_string_array_t` (56 B): an owned array of C strings plus the allocator that owns them.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct rcutils_string_array_t {
    /// Number of entries in `data`.
    pub size: usize,
    /// `size` pointers to NUL-terminated strings.
    pub data: *mut *mut c_char,
    /// Allocator used for `data` and for each string.
    pub allocator: rcutils_allocator_t,
}

/// `rcutils_uint8_array_t` (64 B): a growable byte buffer; `rmw_serialized_message_t` is this type.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct rcutils_uint8_array_t {
    /// Start of the buffer.
    pub buffer: *mut u8,
    /// Bytes in use.
    pub buffer_length: usize,
    /// Bytes allocated.
    pub buffer_capacity: usize,
    /// Allocator that owns `buffer`.
    pub allocator: rcutils_allocator_t,
}

/// `rcutils_time_point_value_t`: nanoseconds since an epoch (`int64_t`).
pub type rcutils_time_point_value_t = i64;
/// `rcutils_duration_value_t`: a duration in nanoseconds (`int64_t`).
pub type rcutils_duration_value_t = i64;

/// `enum RCUTILS_LOG_SEVERITY` (values are what rcutils uses for log levels).
pub type RCUTILS_LOG_SEVERITY = u32;
/// `RCUTILS_LOG_SEVERITY_UNSET`.
pub const RCUTILS_LOG_SEVERITY_UNSET: RCUTILS_LOG_SEVERITY = 0;
/// `RCUTILS_LOG_SEVERITY_DEBUG`.
pub const RCUTILS_LOG_SEVERITY_DEBUG: RCUTILS_LOG_SEVERITY = 10;
/// `RCUTILS_LOG_SEVERITY_INFO`.
pub const RCUTILS_LOG_SEVERITY_INFO: RCUTILS_LOG_SEVERITY = 20;
/// `RCUTILS_LOG_SEVERITY_WARN`.
pub const RCUTILS_LOG_SEVERITY_WARN: RCUTILS_LOG_SEVERITY = 30;
/// `RCUTILS_LOG_SEVERITY_ERROR`.
pub const RCUTILS_LOG_SEVERITY_ERROR: RCUTILS_LOG_SEVERITY = 40;
/// `RCUTILS_LOG_SEVERITY_FATAL`.
pub const RCUTILS_LOG_SEVERITY_FATAL: RCUTILS_LOG_SEVERITY = 50;

/// `RCUTILS_ERROR_MESSAGE_MAX_LENGTH`: capacity of a formatted error string, NUL included.
pub const RCUTILS_ERROR_MESSAGE_MAX_LENGTH: usize = 1024;
/// `RCUTILS_ERROR_STATE_LINE_NUMBER_STR_MAX_LENGTH` (`"18446744073709551615"`).
pub const RCUTILS_ERROR_STATE_LINE_NUMBER_STR_MAX_LENGTH: usize = 20;
/// `RCUTILS_ERROR_FORMATTING_CHARACTERS` (`", at "` + `":"`).
pub const RCUTILS_ERROR_FORMATTING_CHARACTERS: usize = 6;
/// `RCUTILS_ERROR_STATE_MESSAGE_MAX_LENGTH`: capacity of the message part of an error state.
pub const RCUTILS_ERROR_STATE_MESSAGE_MAX_LENGTH: usize = 768;
/// `RCUTILS_ERROR_STATE_FILE_MAX_LENGTH`: what is left of the 1024 bytes for the file name (229).
pub const RCUTILS_ERROR_STATE_FILE_MAX_LENGTH: usize = RCUTILS_ERROR_MESSAGE_MAX_LENGTH
    - RCUTILS_ERROR_STATE_MESSAGE_MAX_LENGTH
    - RCUTILS_ERROR_STATE_LINE_NUMBER_STR_MAX_LENGTH
    - RCUTILS_ERROR_FORMATTING_CHARACTERS
    - 1;

/// `rcutils_log_location_t` (`rcutils/logging.h`): where a log call was made.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct rcutils_log_location_t {
    /// The function name (NUL-terminated).
    pub function_name: *const c_char,
    /// The source file (NUL-terminated).
    pub file_name: *const c_char,
    /// The line number.
    pub line_number: usize,
}

/// `void rcutils_log(const rcutils_log_location_t *, int severity, const char * name,
/// const char * format, ...)`.
pub type rcutils_log_fn = unsafe extern "C" fn(
    location: *const rcutils_log_location_t,
    severity: c_int,
    name: *const c_char,
    format: *const c_char,
    ...
);
/// `bool rcutils_logging_logger_is_enabled_for(const char * name, int severity)`.
pub type rcutils_logging_logger_is_enabled_for_fn =
    unsafe extern "C" fn(name: *const c_char, severity: c_int) -> bool;

/// `rcutils_error_string_t` (1024 B): a formatted error message, returned **by value** by
/// `rcutils_get_error_string()`.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct rcutils_error_string_t {
    /// NUL-terminated `"<message>, at <file>:<line>"` (C name `str`; `str_` as bindgen names it).
    pub str_: [c_char; RCUTILS_ERROR_MESSAGE_MAX_LENGTH],
}

/// `rcutils_error_state_t` (1008 B): the thread-local error state of librcutils.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct rcutils_error_state_t {
    /// NUL-terminated message.
    pub message: [c_char; RCUTILS_ERROR_STATE_MESSAGE_MAX_LENGTH],
    /// NUL-terminated source file name.
    pub file: [c_char; RCUTILS_ERROR_STATE_FILE_MAX_LENGTH],
    /// Source line number.
    pub line_number: u64,
}

/// `void rcutils_set_error_state(const char * error_string, const char * file, size_t line_number)`.
pub type rcutils_set_error_state_fn =
    unsafe extern "C" fn(error_string: *const c_char, file: *const c_char, line_number: usize);
/// `void rcutils_reset_error(void)`.
pub type rcutils_reset_error_fn = unsafe extern "C" fn();
/// `bool rcutils_error_is_set(void)`.
pub type rcutils_error_is_set_fn = unsafe extern "C" fn() -> bool;
/// `const rcutils_error_state_t * rcutils_get_error_state(void)`.
pub type rcutils_get_error_state_fn = unsafe extern "C" fn() -> *const rcutils_error_state_t;
/// `rcutils_error_string_t rcutils_get_error_string(void)` (returns the 1024-byte struct by value).
pub type rcutils_get_error_string_fn = unsafe extern "C" fn() -> rcutils_error_string_t;
/// `rcutils_allocator_t rcutils_get_default_allocator(void)`.
pub type rcutils_get_default_allocator_fn = unsafe extern "C" fn() -> rcutils_allocator_t;

/// Names of the rcutils functions resolved at run time with `dlsym`, in one place so that the
/// loader and its tests agree.
pub mod symbol_names {
    use core::ffi::CStr;
    /// `rcutils_set_error_state`.
    pub const SET_ERROR_STATE: &CStr = c"rcutils_set_error_state";
    /// `rcutils_reset_error`.
    pub const RESET_ERROR: &CStr = c"rcutils_reset_error";
    /// `rcutils_error_is_set`.
    pub const ERROR_IS_SET: &CStr = c"rcutils_error_is_set";
    /// `rcutils_get_error_state`.
    pub const GET_ERROR_STATE: &CStr = c"rcutils_get_error_state";
    /// `rcutils_get_error_string`.
    pub const GET_ERROR_STRING: &CStr = c"rcutils_get_error_string";
    /// `rcutils_get_default_allocator`.
    pub const GET_DEFAULT_ALLOCATOR: &CStr = c"rcutils_get_default_allocator";
    /// `rcutils_log`.
    pub const LOG: &CStr = c"rcutils_log";
    /// `rcutils_logging_logger_is_enabled_for`.
    pub const LOGGER_IS_ENABLED_FOR: &CStr = c"rcutils_logging_logger_is_enabled_for";
}
