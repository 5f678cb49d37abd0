//! One handoff run (a console, or a command) as the other runs on the same data folder see it:
//! a name, and a lock on a file of its own that it holds for as long as it lives. The kernel
//! lets go of the lock when the process ends, however it ends (`kill -9` included), so a run
//! that finds the lock free knows its owner is gone, without trusting a process id that may have
//! been reused.

use std::fs::{File, OpenOptions, TryLockError};
use std::io;
use std::path::{Path, PathBuf};

/// Where the runs' lock files live, in the data folder.
const FOLDER: &str = "runs";
/// Dead runs' lock files cleared at each start, at most: enough to keep up with any number of
/// crashes, few enough that a start never walks a huge folder.
const SWEPT_AT_START: usize = 64;

/// This run, alive while the value lives. Dropping it removes its lock file.
#[derive(Debug)]
pub struct LiveRun {
    id: String,
    path: PathBuf,
    /// Held locked; the lock is what says this run is alive.
    _lock: File,
}

impl LiveRun {
    /// A new run on `data_dir`, its lock taken. Lock files that dead runs left are cleared on
    /// the way.
    pub fn start(data_dir: &Path) -> io::Result<Self> {
        let folder = data_dir.join(FOLDER);
        std::fs::create_dir_all(&folder)?;
        sweep(&folder);
        let id = uuid::Uuid::new_v4().simple().to_string();
        let path = lock_path(data_dir, &id);
        // Locked under another name first, then renamed (the lock goes with the file): another
        // run never sees this run's file unlocked, which would read as dead.
        let unready = folder.join(format!(".{id}.new"));
        let lock = OpenOptions::new()
            .create_new(true)
            .write(true)
            .open(&unready)?;
        lock.lock()?;
        std::fs::rename(&unready, &path)?;
        Ok(Self {
            id,
            path,
            _lock: lock,
        })
    }

    /// The run's name, as claims and audit lines carry it.
    pub fn id(&self) -> &str {
        &self.id
    }
}

impl Drop for LiveRun {
    fn drop(&mut self) {
        // Before the lock goes with the file handle: no other run can take the ended run's file
        // for a live one.
        let _ = std::fs::remove_file(&self.path);
    }
}

fn lock_path(data_dir: &Path, id: &str) -> PathBuf {
    data_dir.join(FOLDER).join(format!("{id}.lock"))
}

/// Whether the run named `id` on `data_dir` is still alive. A run with no lock file has ended;
/// one whose lock cannot be checked (permissions, say) counts as alive: better to leave a
/// session it may be sending alone than to send it twice.
pub fn is_alive(data_dir: &Path, id: &str) -> bool {
    if id.is_empty() || !id.bytes().all(|b| b.is_ascii_alphanumeric()) {
        // Not a name this module gives: nothing can be said of it, and it names no file.
        return false;
    }
    let file = match File::open(lock_path(data_dir, id)) {
        Ok(file) => file,
        Err(error) => return error.kind() != io::ErrorKind::NotFound,
    };
    match file.try_lock() {
        Ok(()) => false,
        Err(TryLockError::WouldBlock) => true,
        Err(TryLockError::Error(_)) => true,
    }
}

/// Removes the lock files of runs that ended without removing their own (a crash, `kill -9`).
fn sweep(folder: &Path) {
    let Ok(entries) = std::fs::read_dir(folder) else {
        return;
    };
    for entry in entries.flatten().take(SWEPT_AT_START) {
        let path = entry.path();
        if path.extension().is_none_or(|extension| extension != "lock") {
            continue;
        }
        let Ok(file) = File::open(&path) else {
            continue;
        };
        if file.try_lock().is_ok() {
            let _ = std::fs::remove_file(&path);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_run_is_alive_until_it_ends() {
        let dir = tempfile::tempdir().unwrap();
        let run = LiveRun::start(dir.path()).unwrap();
        let other = LiveRun::start(dir.path()).unwrap();
        assert_ne!(run.id(), other.id());
        let id = run.id().to_owned();
        assert!(is_alive(dir.path(), &id));
        drop(run);
        assert!(!is_alive(dir.path(), &id));
        assert!(is_alive(dir.path(), other.id()));
        assert!(!is_alive(dir.path(), "../../etc/passwd"));
    }

    #[test]
    fn a_lock_file_left_by_a_dead_run_reads_as_dead_and_is_swept() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join(FOLDER)).unwrap();
        // What `kill -9` leaves: the file, with nobody holding its lock.
        let left = lock_path(dir.path(), "0123456789abcdef0123456789abcdef");
        std::fs::write(&left, b"").unwrap();
        assert!(!is_alive(dir.path(), "0123456789abcdef0123456789abcdef"));
        let _run = LiveRun::start(dir.path()).unwrap();
        assert!(!left.exists());
    }
}
