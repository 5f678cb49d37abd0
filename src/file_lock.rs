//! A lock file that processes sharing a data folder take in turn, for a read-change-write of a
//! file beside it (the shared budget, the runs' claims). The file is opened once and locked
//! (`flock`) for each change; within a process a mutex keeps threads in turn as well, since an
//! `flock` is per open file, not per thread.

use std::fs::{File, OpenOptions};
use std::io;
use std::path::PathBuf;
use std::sync::{Mutex, MutexGuard};

#[derive(Debug)]
pub(crate) struct FileLock {
    path: PathBuf,
    /// The lock file, opened the first time it is taken.
    file: Mutex<Option<File>>,
}

/// Holds the lock while alive.
pub(crate) struct Locked<'a>(MutexGuard<'a, Option<File>>);

impl FileLock {
    pub(crate) fn new(path: PathBuf) -> Self {
        Self {
            path,
            file: Mutex::new(None),
        }
    }

    /// Takes the lock (opening the file, and its folder, the first time) until the guard is
    /// dropped.
    pub(crate) fn acquire(&self) -> io::Result<Locked<'_>> {
        // A poisoned mutex only means a holder panicked; the file is still the file.
        let mut handle = self.file.lock().unwrap_or_else(|p| p.into_inner());
        if handle.is_none() {
            if let Some(dir) = self.path.parent() {
                std::fs::create_dir_all(dir)?;
            }
            let file = OpenOptions::new()
                .create(true)
                .truncate(false)
                .write(true)
                .open(&self.path)?;
            *handle = Some(file);
        }
        if let Some(file) = handle.as_ref() {
            file.lock()?;
        }
        Ok(Locked(handle))
    }
}

impl Drop for Locked<'_> {
    fn drop(&mut self) {
        if let Some(file) = self.0.as_ref() {
            let _ = file.unlock();
        }
    }
}
