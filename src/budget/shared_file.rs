//! The window shared by the processes of one data folder: a small file, replaced whole on
//! each write and read again only when another process changed it, under a lock file.

use std::fs::File;
use std::io::Write;
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::SystemTime;

use super::window::Window;
use crate::file_lock::FileLock;

#[derive(Debug)]
pub(super) struct SharedFile {
    /// Every update takes it.
    pub(super) lock: FileLock,
    pub(super) data: PathBuf,
    /// The data file as this process last wrote it: while it is still that file, the window
    /// in memory is current and the file need not be read again.
    pub(super) last_written: Mutex<Option<Stamp>>,
}

/// What tells one version of the data file from another: each write replaces the file, so a
/// new version is a new inode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Stamp {
    pub(super) inode: u64,
    pub(super) len: u64,
    pub(super) modified: Option<SystemTime>,
}

impl Stamp {
    pub(super) fn of(path: &std::path::Path) -> Option<Self> {
        use std::os::unix::fs::MetadataExt;
        let metadata = std::fs::metadata(path).ok()?;
        Some(Self {
            inode: metadata.ino(),
            len: metadata.len(),
            modified: metadata.modified().ok(),
        })
    }
}

impl SharedFile {
    /// The window as another process left it; `None` when there is none yet or it is damaged
    /// (then this process's own count stands).
    pub(super) fn read(&self) -> Option<Window> {
        let text = std::fs::read(&self.data).ok()?;
        serde_json::from_slice(&text).ok()
    }

    /// Like [`read`](Self::read), but `None` without reading when the file is still the one
    /// this process wrote last.
    pub(super) fn read_if_changed(&self) -> Option<Window> {
        let last = *self.last_written.lock().unwrap_or_else(|p| p.into_inner());
        if last.is_some() && Stamp::of(&self.data) == last {
            return None;
        }
        self.read()
    }

    /// Replaces the file whole (write beside, then rename), so a crash never leaves half of it.
    pub(super) fn write(&self, window: &Window) -> std::io::Result<()> {
        let temp = self.data.with_extension("json.tmp");
        let mut file = File::create(&temp)?;
        file.write_all(&serde_json::to_vec(window).unwrap_or_default())?;
        drop(file);
        std::fs::rename(&temp, &self.data)?;
        *self.last_written.lock().unwrap_or_else(|p| p.into_inner()) = Stamp::of(&self.data);
        Ok(())
    }
}
