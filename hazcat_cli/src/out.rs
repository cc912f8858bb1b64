//! Standard output that tolerates a reader going away.
//!
//! `println!` panics when stdout is a pipe whose reader has exited (`hazcat ls | head -1`), and
//! the runtime ignores SIGPIPE, so the command would die with exit code 101 and a panic message.
//! Everything `hazcat` prints goes through [`outln!`] / [`out!`] instead: once the reader is
//! gone, further output is dropped and the command finishes normally (releasing what it holds,
//! which a kill by SIGPIPE would not) with its usual exit status. Any other write error is
//! reported once on stderr and makes the command fail.

use std::fmt;
use std::io::{ErrorKind, Write};
use std::sync::atomic::{AtomicU8, Ordering};

const OPEN: u8 = 0;
const READER_GONE: u8 = 1;
const FAILED: u8 = 2;

static STATE: AtomicU8 = AtomicU8::new(OPEN);

/// Writes formatted text to stdout and flushes it (see the module docs for errors).
pub fn write(args: fmt::Arguments<'_>) {
    if STATE.load(Ordering::Relaxed) != OPEN {
        return;
    }
    let mut stdout = std::io::stdout().lock();
    if let Err(e) = stdout.write_fmt(args).and_then(|()| stdout.flush()) {
        if e.kind() == ErrorKind::BrokenPipe {
            STATE.store(READER_GONE, Ordering::Relaxed);
        } else {
            STATE.store(FAILED, Ordering::Relaxed);
            error(format_args!("cannot write to stdout: {e}"));
        }
    }
}

/// Writes `hazcat: <message>` to stderr, ignoring a closed stderr.
pub fn error(args: fmt::Arguments<'_>) {
    let _ = writeln!(std::io::stderr().lock(), "hazcat: {args}");
}

/// Whether writing to stdout failed for another reason than a closed pipe.
pub fn failed() -> bool {
    STATE.load(Ordering::Relaxed) == FAILED
}

/// `print!` that tolerates a closed stdout.
macro_rules! out {
    ($($arg:tt)*) => {
        $crate::out::write(format_args!($($arg)*))
    };
}

/// `println!` that tolerates a closed stdout.
macro_rules! outln {
    () => {
        $crate::out::write(format_args!("\n"))
    };
    ($($arg:tt)*) => {
        $crate::out::write(format_args!("{}\n", format_args!($($arg)*)))
    };
}

pub(crate) use {out, outln};
