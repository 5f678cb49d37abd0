//! Writing to stdout from the command line. `println!` panics when the reader has gone away
//! (`handoff roster list | head -1`); a closed pipe is not an error worth a panic, so these
//! macros drop what cannot be written.

/// Like `println!`, but a closed stdout is ignored.
macro_rules! out {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout().lock(), $($arg)*);
    }};
}

/// Like `print!`, but a closed stdout is ignored.
macro_rules! out_raw {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = write!(std::io::stdout().lock(), $($arg)*);
    }};
}

pub(crate) use {out, out_raw};
