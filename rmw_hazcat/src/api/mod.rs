//! The exported `rmw_*` C entry points, one file per concern. Every function only validates,
//! converts and delegates to [`crate::detail`], checking in the upstream order: NULL arguments →
//! implementation identifier → capability (`RMW_RET_UNSUPPORTED`) → remaining arguments → work.
//! Each body runs inside [`crate::ret::guard_ret`] (or its pointer/value variants) so every
//! non-OK return carries an error message and no panic crosses the C boundary.

pub mod client;
pub mod guard;
pub mod identifier;
pub mod init;
pub mod node;
pub mod service;
pub mod wait;

/// `RMW_CHECK_ARGUMENT_FOR_NULL`: `RMW_RET_INVALID_ARGUMENT` naming the argument.
macro_rules! check_null {
    ($p:expr, $what:literal) => {
        if $p.is_null() {
            return Err($crate::ret::RmwError::invalid(concat!($what, " is NULL")));
        }
    };
}
pub(crate) use check_null;
