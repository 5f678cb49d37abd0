//! The relay's spool: callbacks taken while Redis could not, kept in an append-only file of its
//! data folder until they are forwarded. A callback is answered 200 only once it is on the
//! stream or written here and synced to disk, so a relay killed at any moment has lost nothing
//! it answered for. A restarted relay forwards what its spool holds before anything new.
//!
//! The file is one JSON line per callback. Beside it, `relay-spool.forwarded` holds how many
//! bytes of it were forwarded; once all of it is, that is set back to 0 and the spool emptied,
//! in that order. A crash between a forward and its mark sends some callbacks again, which the
//! stream takes once (`stream`'s digest).

use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use super::stream::Kept;

/// The relay's spool in its data folder, and how much of it has reached the stream.
pub const SPOOL_FILE: &str = "relay-spool.jsonl";
pub const FORWARDED_FILE: &str = "relay-spool.forwarded";
/// Past this the spool takes no more, and the relay says it cannot keep a callback rather
/// than claim it did: a Redis away for hours at a busy floor's pace fills a small part of it.
pub const MOST_BYTES: u64 = 256 * 1024 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum SpoolError {
    #[error("the relay's spool {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("the relay's spool {path} is full ({MOST_BYTES} bytes): Redis has been away too long")]
    Full { path: PathBuf },
}

pub struct Spool {
    path: PathBuf,
    forwarded_path: PathBuf,
    file: File,
    /// Bytes in the file, all whole lines.
    len: u64,
    /// Bytes forwarded, from the start.
    forwarded: u64,
    /// Lines skipped because they could not be read (a disk fault, or a hand that edited it).
    pub unreadable: u64,
}

impl Spool {
    /// Opens the spool in `data_dir`, creating it if need be. A last line cut short (the relay
    /// was killed while writing it, before it answered) is dropped.
    pub fn open(data_dir: &Path) -> Result<Self, SpoolError> {
        let path = data_dir.join(SPOOL_FILE);
        let io = |source| SpoolError::Io {
            path: path.clone(),
            source,
        };
        std::fs::create_dir_all(data_dir).map_err(io)?;
        let mut file = OpenOptions::new()
            .read(true)
            .append(true)
            .create(true)
            .open(&path)
            .map_err(io)?;
        let whole = whole_lines(&mut file).map_err(io)?;
        if whole < file.metadata().map_err(io)?.len() {
            file.set_len(whole).map_err(io)?;
            file.sync_all().map_err(io)?;
        }
        let forwarded_path = data_dir.join(FORWARDED_FILE);
        let forwarded = std::fs::read_to_string(&forwarded_path)
            .ok()
            .and_then(|text| text.trim().parse::<u64>().ok())
            .unwrap_or(0)
            .min(whole);
        Ok(Self {
            path,
            forwarded_path,
            file,
            len: whole,
            forwarded,
            unreadable: 0,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Nothing waits to be forwarded.
    pub fn is_empty(&self) -> bool {
        self.forwarded >= self.len
    }

    /// Bytes waiting to be forwarded.
    pub fn waiting_bytes(&self) -> u64 {
        self.len - self.forwarded
    }

    /// Writes `kept` at the end and syncs it to disk.
    pub fn push(&mut self, kept: &Kept) -> Result<(), SpoolError> {
        let mut line = serde_json::to_vec(kept).expect("a kept callback is plain JSON");
        line.push(b'\n');
        if self.len + line.len() as u64 > MOST_BYTES {
            return Err(SpoolError::Full {
                path: self.path.clone(),
            });
        }
        let io = |source| SpoolError::Io {
            path: self.path.clone(),
            source,
        };
        if let Err(error) = self
            .file
            .write_all(&line)
            .and_then(|()| self.file.sync_data())
        {
            // Whatever part of the line reached the file is cut off again, so the next line
            // starts clean.
            let _ = self.file.set_len(self.len);
            return Err(io(error));
        }
        self.len += line.len() as u64;
        Ok(())
    }

    /// Up to `count` callbacks waiting, oldest first, each with where the spool stands once it
    /// is forwarded (for [`forwarded_to`](Self::forwarded_to)).
    pub fn waiting(&mut self, count: usize) -> Result<Vec<(Kept, u64)>, SpoolError> {
        let io = |source| SpoolError::Io {
            path: self.path.clone(),
            source,
        };
        let mut reader = BufReader::new(&self.file);
        reader.seek(SeekFrom::Start(self.forwarded)).map_err(io)?;
        let mut at = self.forwarded;
        let mut batch = Vec::new();
        let mut line = Vec::new();
        while batch.len() < count && at < self.len {
            line.clear();
            let read = reader
                .by_ref()
                .take(self.len - at)
                .read_until(b'\n', &mut line)
                .map_err(io)?;
            if read == 0 {
                break;
            }
            at += read as u64;
            match serde_json::from_slice::<Kept>(&line) {
                Ok(kept) => batch.push((kept, at)),
                Err(_) => self.unreadable += 1,
            }
        }
        if batch.is_empty() && at > self.forwarded {
            // Only unreadable lines: passed over.
            self.forwarded_to(at)?;
        }
        Ok(batch)
    }

    /// Everything up to byte `at` is on the stream. Once all is, the spool is emptied.
    pub fn forwarded_to(&mut self, at: u64) -> Result<(), SpoolError> {
        let io = |source| SpoolError::Io {
            path: self.path.clone(),
            source,
        };
        self.forwarded = at.min(self.len);
        if self.is_empty() {
            // The mark goes to 0 first: a crash before the spool is emptied sends it all again
            // (taken once), never skips a callback written after.
            write_mark(&self.forwarded_path, 0).map_err(io)?;
            self.file.set_len(0).map_err(io)?;
            self.file.sync_all().map_err(io)?;
            (self.len, self.forwarded) = (0, 0);
        } else {
            write_mark(&self.forwarded_path, self.forwarded).map_err(io)?;
        }
        Ok(())
    }
}

/// The length of the file's whole lines: up to and with its last `\n`.
fn whole_lines(file: &mut File) -> std::io::Result<u64> {
    let len = file.metadata()?.len();
    let mut end = len;
    let mut chunk = [0u8; 4096];
    while end > 0 {
        let start = end.saturating_sub(chunk.len() as u64);
        let part = &mut chunk[..(end - start) as usize];
        file.seek(SeekFrom::Start(start))?;
        file.read_exact(part)?;
        if let Some(newline) = part.iter().rposition(|&byte| byte == b'\n') {
            return Ok(start + newline as u64 + 1);
        }
        end = start;
    }
    Ok(0)
}

/// Writes the forwarded mark whole, beside it first.
fn write_mark(path: &Path, at: u64) -> std::io::Result<()> {
    let folder = path.parent().unwrap_or_else(|| Path::new("."));
    let mut temp = tempfile::NamedTempFile::new_in(folder)?;
    temp.write_all(at.to_string().as_bytes())?;
    temp.as_file().sync_all()?;
    temp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kept(n: i64) -> Kept {
        Kept {
            transfer: Some(format!("t{n}")),
            body: format!(r#"{{"n":{n}}}"#),
            at_ms: n,
        }
    }

    fn drain(spool: &mut Spool, batch: usize) -> Vec<i64> {
        let mut seen = Vec::new();
        loop {
            let waiting = spool.waiting(batch).unwrap();
            let Some((_, at)) = waiting.last().cloned() else {
                return seen;
            };
            seen.extend(waiting.iter().map(|(kept, _)| kept.at_ms));
            spool.forwarded_to(at).unwrap();
        }
    }

    #[test]
    fn callbacks_come_out_in_order_and_the_spool_empties() {
        let dir = tempfile::tempdir().unwrap();
        let mut spool = Spool::open(dir.path()).unwrap();
        assert!(spool.is_empty());
        for n in 0..10 {
            spool.push(&kept(n)).unwrap();
        }
        assert_eq!(drain(&mut spool, 3), (0..10).collect::<Vec<_>>());
        assert!(spool.is_empty());
        assert_eq!(std::fs::metadata(spool.path()).unwrap().len(), 0);
    }

    #[test]
    fn a_reopened_spool_goes_on_from_its_mark() {
        let dir = tempfile::tempdir().unwrap();
        let mut spool = Spool::open(dir.path()).unwrap();
        for n in 0..5 {
            spool.push(&kept(n)).unwrap();
        }
        let first = spool.waiting(2).unwrap();
        spool.forwarded_to(first[1].1).unwrap();
        drop(spool);
        let mut spool = Spool::open(dir.path()).unwrap();
        assert_eq!(drain(&mut spool, 10), [2, 3, 4]);
    }

    #[test]
    fn a_line_cut_short_by_a_kill_is_dropped_and_garbage_passed_over() {
        let dir = tempfile::tempdir().unwrap();
        let mut spool = Spool::open(dir.path()).unwrap();
        spool.push(&kept(1)).unwrap();
        drop(spool);
        let path = dir.path().join(SPOOL_FILE);
        let mut file = OpenOptions::new().append(true).open(&path).unwrap();
        file.write_all(b"not json\n{\"transfer\":null,\"bo")
            .unwrap();
        drop(file);
        let mut spool = Spool::open(dir.path()).unwrap();
        spool.push(&kept(2)).unwrap();
        assert_eq!(drain(&mut spool, 10), [1, 2]);
        assert_eq!(spool.unreadable, 1);
    }

    #[test]
    fn a_full_spool_refuses_in_words() {
        let dir = tempfile::tempdir().unwrap();
        let mut spool = Spool::open(dir.path()).unwrap();
        spool.len = MOST_BYTES - 5;
        let error = spool.push(&kept(1)).unwrap_err().to_string();
        assert!(error.contains("is full"), "{error}");
    }
}
