//! Compile-time checks that every declaration in `sys` has the size, alignment, field offsets
//! and constant values recorded in `layouts.rs` — for **every** distro, whichever one this
//! build selected. `build.rs` checks the same table against installed headers.

/// Each distro's complete view of `sys`, as `crate::sys` looks when that distro is selected.
mod views {
    pub mod humble {
        pub use crate::sys::{common::*, humble::*, rcutils::*};
    }
    pub mod jazzy {
        pub use crate::sys::{common::*, jazzy::*, rcutils::*};
    }
    pub mod kilted {
        pub use crate::sys::{common::*, kilted::*, rcutils::*};
    }
    pub mod lyrical {
        pub use crate::sys::{common::*, lyrical::*, rcutils::*};
    }
}

macro_rules! struct_layouts {
    ($( [$($distro:ident)+] $ty:ident ($size:literal, $align:literal) $fields:tt )*) => {
        $( $( check_struct!($distro, $ty, $size, $align, $fields); )+ )*
    };
}

macro_rules! check_struct {
    ($distro:ident, $ty:ident, $size:literal, $align:literal, { $($field:ident : $offset:literal),* $(,)? }) => {
        const _: () = {
            type T = views::$distro::$ty;
            assert!(
                ::core::mem::size_of::<T>() == $size,
                concat!(stringify!($distro), "::", stringify!($ty), ": size differs from layouts.rs"),
            );
            assert!(
                ::core::mem::align_of::<T>() == $align,
                concat!(stringify!($distro), "::", stringify!($ty), ": alignment differs from layouts.rs"),
            );
            $(
                assert!(
                    ::core::mem::offset_of!(T, $field) == $offset,
                    concat!(
                        stringify!($distro), "::", stringify!($ty), ".", stringify!($field),
                        ": offset differs from layouts.rs"
                    ),
                );
            )*
        };
    };
}

macro_rules! const_values {
    ($( [$($distro:ident)+] $name:ident = $value:literal ),* $(,)?) => {
        $( $(
            const _: () = assert!(
                views::$distro::$name as i128 == $value,
                concat!(stringify!($distro), "::", stringify!($name), ": value differs from layouts.rs"),
            );
        )+ )*
    };
}

include!("layouts.rs");
