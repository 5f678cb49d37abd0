//! Reading `--sessions-file` (or stdin, `-`) for a bulk run, up to a bound. A file given by
//! mistake (`/dev/zero`, a log, a pipe that never ends) is refused as soon as it passes the
//! bound, having held no more than the bound in memory, instead of being read until the machine
//! runs out.

use std::io::Read;
use std::path::Path;

use crate::ids::SessionList;
use crate::terminal_safe::{NAME_CHARS, cut, grouped};

/// More lines than any run a supervisor would start, blank ones included: at the platform's
/// usual 60 transfers a minute, this many take more than a day.
const MAX_LINES: usize = 100_000;
/// Room for that many ids: one takes 25 to 28 bytes with its line break and any quotes.
const MAX_BYTES: usize = 4 * 1024 * 1024;
/// Read at a time.
const CHUNK_BYTES: usize = 64 * 1024;

/// The file's session ids, or why it cannot be used: unreadable, too long, empty, or with words
/// that are not session ids (each named with its line).
pub(super) fn read_sessions(file: &Path) -> Result<SessionList, String> {
    let named = format!("--sessions-file {}", file.display());
    let text = if file == Path::new("-") {
        read_bounded(std::io::stdin().lock())
            .map_err(|error| error.describe(&named, "cannot read stdin"))?
    } else {
        let opened = std::fs::File::open(file)
            .map_err(|error| format!("{named}: cannot read it: {error}"))?;
        read_bounded(opened).map_err(|error| error.describe(&named, "cannot read it"))?
    };
    let list = SessionList::parse(&text);
    if list.bad_count > 0 {
        let mut lines: Vec<String> = list
            .bad
            .iter()
            .map(|(line, word, error)| {
                format!("  line {line}: {:?}: {error}", cut(word, NAME_CHARS))
            })
            .collect();
        if list.bad_count > lines.len() {
            lines.push(format!("  and {} more", list.bad_count - lines.len()));
        }
        return Err(format!(
            "{named}: {} word(s) are not session ids:\n{}",
            list.bad_count,
            lines.join("\n")
        ));
    }
    if list.ids.is_empty() {
        return Err(format!("{named}: no session ids in it"));
    }
    Ok(list)
}

/// Why a sessions file could not be read.
#[derive(Debug)]
enum ReadError {
    Io(std::io::Error),
    TooManyLines,
    TooManyBytes,
    /// Not UTF-8 text, from this line (from 1).
    NotText(usize),
}

impl ReadError {
    /// The message, for the file `named`; `cannot_read` says what failed to read.
    fn describe(&self, named: &str, cannot_read: &str) -> String {
        let bound = format!(
            "a sessions file may hold {} lines and {} MiB at most: split it into several runs",
            grouped(MAX_LINES),
            MAX_BYTES / (1024 * 1024)
        );
        match self {
            Self::Io(error) => format!("{named}: {cannot_read}: {error}"),
            Self::TooManyLines => {
                format!("{named}: over {} lines; {bound}", grouped(MAX_LINES))
            }
            Self::TooManyBytes => {
                format!("{named}: over {} MiB; {bound}", MAX_BYTES / (1024 * 1024))
            }
            Self::NotText(line) => format!("{named}: line {line} is not UTF-8 text"),
        }
    }
}

/// All of `source` as text, read a chunk at a time: past [`MAX_LINES`] lines or [`MAX_BYTES`]
/// bytes, it stops there, whether the text ends or not (a line of a gigabyte included). A
/// byte order mark is left to the parser, which reads it as a separator.
fn read_bounded(mut source: impl Read) -> Result<String, ReadError> {
    let mut bytes = Vec::new();
    let mut chunk = vec![0; CHUNK_BYTES];
    let mut line_breaks = 0;
    loop {
        let read = match source.read(&mut chunk) {
            Ok(0) => break,
            Ok(read) => read,
            Err(error) if error.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(error) => return Err(ReadError::Io(error)),
        };
        let chunk = &chunk[..read];
        line_breaks += chunk.iter().filter(|&&b| b == b'\n').count();
        if line_breaks > MAX_LINES {
            return Err(ReadError::TooManyLines);
        }
        let needed = bytes.len() + read;
        if needed > MAX_BYTES {
            return Err(ReadError::TooManyBytes);
        }
        if needed > bytes.capacity() {
            // Doubling, as a Vec does by itself, but never past the bound.
            let capacity = (bytes.capacity() * 2).clamp(needed, MAX_BYTES);
            bytes.reserve_exact(capacity - bytes.len());
        }
        bytes.extend_from_slice(chunk);
    }
    let text = String::from_utf8(bytes).map_err(|error| {
        let valid = &error.as_bytes()[..error.utf8_error().valid_up_to()];
        ReadError::NotText(valid.iter().filter(|&&b| b == b'\n').count() + 1)
    })?;
    // The last line may have no line break of its own.
    if text.lines().count() > MAX_LINES {
        return Err(ReadError::TooManyLines);
    }
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Reads from `inner`, counting what was read.
    struct Counted<R> {
        inner: R,
        read: usize,
    }

    impl<R: Read> Read for Counted<R> {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            let read = self.inner.read(buf)?;
            self.read += read;
            Ok(read)
        }
    }

    fn endless(byte: u8) -> Counted<std::io::Repeat> {
        Counted {
            inner: std::io::repeat(byte),
            read: 0,
        }
    }

    #[test]
    fn an_endless_line_stops_at_the_byte_bound() {
        let mut zeros = endless(0);
        assert!(matches!(
            read_bounded(&mut zeros),
            Err(ReadError::TooManyBytes)
        ));
        assert!(zeros.read <= MAX_BYTES + CHUNK_BYTES, "read {}", zeros.read);
    }

    #[test]
    fn endless_lines_stop_at_the_line_bound() {
        let mut lines = endless(b'\n');
        assert!(matches!(
            read_bounded(&mut lines),
            Err(ReadError::TooManyLines)
        ));
        assert!(lines.read <= MAX_LINES + CHUNK_BYTES, "read {}", lines.read);
    }

    #[test]
    fn the_bounds_themselves_are_allowed() {
        let id = "6538f8a3c9cf425ee5cf0a1b\n";
        let most = id.repeat(MAX_LINES);
        assert!(most.len() <= MAX_BYTES);
        assert_eq!(read_bounded(most.as_bytes()).unwrap().len(), most.len());
        let one_more = format!("{most}6538f8a3c9cf425ee5cf0a1b");
        assert!(matches!(
            read_bounded(one_more.as_bytes()),
            Err(ReadError::TooManyLines)
        ));
        let full = vec![b' '; MAX_BYTES];
        assert!(read_bounded(&full[..]).is_ok());
        let over = vec![b' '; MAX_BYTES + 1];
        assert!(matches!(
            read_bounded(&over[..]),
            Err(ReadError::TooManyBytes)
        ));
    }

    #[test]
    fn text_that_is_not_utf8_is_named_by_its_line() {
        let error = read_bounded(&b"6538f8a3c9cf425ee5cf0a1b\n\xff\xfe\n"[..]).unwrap_err();
        assert_eq!(
            error.describe("--sessions-file x", "cannot read it"),
            "--sessions-file x: line 2 is not UTF-8 text"
        );
    }

    #[test]
    fn the_message_states_the_bound() {
        assert_eq!(
            ReadError::TooManyBytes.describe("--sessions-file /dev/zero", "cannot read it"),
            "--sessions-file /dev/zero: over 4 MiB; a sessions file may hold 100,000 lines and 4 MiB at most: split it into several runs"
        );
    }
}
