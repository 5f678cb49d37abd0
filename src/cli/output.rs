//! Writing from the command line. Everything printed may hold text from outside (names, the
//! platform's words, callback payloads), so these macros pass it through
//! [`crate::terminal_safe`] first: nothing printed can act on the terminal. And `println!`
//! panics when the reader has gone away (`handoff roster list | head -1`); a closed pipe is not
//! an error worth a panic, so these drop what cannot be written.

/// Like `println!`, made terminal-safe, and a closed stdout is ignored.
macro_rules! out {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let text = format!($($arg)*);
        let _ = writeln!(std::io::stdout().lock(), "{}", $crate::terminal_safe::block(&text));
    }};
}

/// Like `print!`, made terminal-safe, and a closed stdout is ignored.
macro_rules! out_raw {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let text = format!($($arg)*);
        let _ = write!(std::io::stdout().lock(), "{}", $crate::terminal_safe::block(&text));
    }};
}

/// Like `eprintln!`, made terminal-safe, and a closed stderr is ignored.
macro_rules! err {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let text = format!($($arg)*);
        let _ = writeln!(std::io::stderr().lock(), "{}", $crate::terminal_safe::block(&text));
    }};
}

/// One JSON value on one line of stdout, with every character a terminal could act on escaped
/// the JSON way.
macro_rules! out_json {
    ($value:expr) => {{
        use std::io::Write as _;
        let text = $crate::terminal_safe::json(&$value);
        let _ = writeln!(std::io::stdout().lock(), "{text}");
    }};
}

pub(crate) use {err, out, out_json, out_raw};

/// A command's end: success, or its error said on stderr with its exit code.
pub fn finish(result: Result<(), (u8, String)>) -> std::process::ExitCode {
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err((code, message)) => {
            err!("error: {message}");
            std::process::ExitCode::from(code)
        }
    }
}
