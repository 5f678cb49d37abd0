//! Saving the roster without ever losing it.
//!
//! Every change is a read-modify-write under a lock file: the file is read fresh, the change is
//! applied to what is on disk now (so a hand edit made meanwhile is kept, and the caller is told),
//! and the result is written to a temporary file in the same folder, synced, and renamed over the
//! roster. The previous version is kept as `roster.toml.bak`. A crash at any point leaves either
//! the old file or the new one, never a mix; a file that no longer parses is never overwritten.

use std::fs::{File, OpenOptions};
use std::hash::{DefaultHasher, Hash, Hasher};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use super::Roster;
use super::check::EditError;
use super::file::{Loaded, RosterError};

#[derive(Debug)]
pub struct RosterStore {
    path: PathBuf,
    /// Fingerprint of the file as this store last read or wrote it; `None` when there was none.
    seen: Option<u64>,
    /// Size and modification time that went with `seen`: while they hold, the file is not read
    /// again to look for hand edits.
    seen_stat: Option<Stat>,
}

type Stat = (u64, Option<SystemTime>);

fn stat(path: &Path) -> Option<Stat> {
    std::fs::metadata(path)
        .ok()
        .map(|m| (m.len(), m.modified().ok()))
}

/// The result of a saved change.
#[derive(Debug)]
pub struct Saved<T> {
    pub value: T,
    /// The roster as saved.
    pub roster: Roster,
    /// The file had been changed by someone else since it was last read: the change was applied
    /// to that newer content.
    pub merged_hand_edit: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The file on disk does not parse: it is left alone until it is fixed.
    #[error("{0}; fix the file first: it is not overwritten")]
    Unreadable(#[from] RosterError),
    #[error(transparent)]
    Edit(#[from] EditError),
    #[error("cannot save the roster {path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
}

impl RosterStore {
    /// Opens the roster at `path` (a missing file is an empty roster until the first save).
    pub fn open(path: &Path) -> Result<(Self, Loaded), RosterError> {
        let mut store = Self {
            path: path.to_owned(),
            seen: None,
            seen_stat: None,
        };
        let loaded = store.reload()?;
        Ok((store, loaded))
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Reads the file again, e.g. after a hand edit.
    pub fn reload(&mut self) -> Result<Loaded, RosterError> {
        let text = self.read()?;
        let loaded = match &text {
            Some(text) => Roster::parse(text, &self.path)?,
            None => Loaded::missing(&self.path),
        };
        self.seen = text.as_deref().map(fingerprint);
        self.seen_stat = stat(&self.path);
        Ok(loaded)
    }

    /// True when the file on disk is no longer what this store last read or wrote. The content
    /// is read only when its size or modification time moved; a save still compares the
    /// content itself, so nothing depends on this shortcut being exact.
    pub fn changed_on_disk(&mut self) -> bool {
        let now = stat(&self.path);
        if now.is_some() && now == self.seen_stat {
            return false;
        }
        match self.read() {
            Ok(text) => {
                let changed = text.as_deref().map(fingerprint) != self.seen;
                if !changed {
                    self.seen_stat = now;
                }
                changed
            }
            // Unreadable now: the next reload will say why.
            Err(_) => true,
        }
    }

    /// Applies `change` to the roster as it is on disk now and saves the result.
    pub fn update<T>(
        &mut self,
        change: impl FnOnce(&mut Roster) -> Result<T, EditError>,
    ) -> Result<Saved<T>, StoreError> {
        let _lock = self.lock()?;
        self.remove_leftovers();
        let text = self.read()?;
        let merged_hand_edit = text.as_deref().map(fingerprint) != self.seen;
        let mut roster = match &text {
            Some(text) => Roster::parse(text, &self.path)?.roster,
            None => Roster::default(),
        };
        let value = change(&mut roster)?;
        let new_text = roster.to_toml();
        self.write(text.as_deref(), &new_text)
            .map_err(|source| StoreError::Write {
                path: self.path.clone(),
                source,
            })?;
        self.seen = Some(fingerprint(&new_text));
        self.seen_stat = stat(&self.path);
        Ok(Saved {
            value,
            roster,
            merged_hand_edit,
        })
    }

    fn read(&self) -> Result<Option<String>, RosterError> {
        match std::fs::read_to_string(&self.path) {
            Ok(text) => Ok(Some(text)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(source) => Err(RosterError::Unreadable {
                path: self.path.clone(),
                source,
            }),
        }
    }

    fn folder(&self) -> &Path {
        match self.path.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => parent,
            _ => Path::new("."),
        }
    }

    /// Holds `roster.toml.lock` so two handoff processes never interleave their changes.
    fn lock(&self) -> Result<File, StoreError> {
        let error = |source| StoreError::Write {
            path: self.path.clone(),
            source,
        };
        std::fs::create_dir_all(self.folder()).map_err(error)?;
        let lock = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(sibling(&self.path, "lock"))
            .map_err(error)?;
        lock.lock().map_err(error)?;
        Ok(lock)
    }

    /// Deletes temporary files that a save killed half-way left behind. Only called under the
    /// lock, so no other save is using them.
    fn remove_leftovers(&self) {
        let Ok(entries) = std::fs::read_dir(self.folder()) else {
            return;
        };
        for entry in entries.flatten() {
            let name = entry.file_name();
            let name = name.to_string_lossy();
            if name.starts_with(TEMP_PREFIX) && name.ends_with(TEMP_SUFFIX) {
                let _ = std::fs::remove_file(entry.path());
            }
        }
    }

    /// Keeps `previous` as the backup, then replaces the roster in one rename.
    fn write(&self, previous: Option<&str>, text: &str) -> std::io::Result<()> {
        if let Some(previous) = previous {
            let backup = prepare(self.folder(), previous)?;
            backup.persist(sibling(&self.path, "bak"))?;
        }
        let new = prepare(self.folder(), text)?;
        // The new file keeps the permissions the supervisor gave the old one.
        if let Ok(metadata) = std::fs::metadata(&self.path) {
            std::fs::set_permissions(new.path(), metadata.permissions())?;
        }
        new.persist(&self.path)?;
        sync_folder(self.folder())
    }
}

const TEMP_PREFIX: &str = ".roster-";
const TEMP_SUFFIX: &str = ".tmp";

/// Writes `text` to a new temporary file in `folder` and syncs it to disk: the first half of an
/// atomic replace. Until it is persisted (renamed) the real file is untouched.
pub(crate) fn prepare(folder: &Path, text: &str) -> std::io::Result<tempfile::NamedTempFile> {
    let mut file = tempfile::Builder::new()
        .prefix(TEMP_PREFIX)
        .suffix(TEMP_SUFFIX)
        .tempfile_in(folder)?;
    file.write_all(text.as_bytes())?;
    file.as_file().sync_all()?;
    Ok(file)
}

/// `roster.toml` → `roster.toml.<extension>`
fn sibling(path: &Path, extension: &str) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(".");
    name.push(extension);
    path.with_file_name(name)
}

/// Makes the rename itself durable (the folder entry), where the platform allows it.
fn sync_folder(folder: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    File::open(folder)?.sync_all()?;
    #[cfg(not(unix))]
    let _ = folder;
    Ok(())
}

fn fingerprint(text: &str) -> u64 {
    let mut hasher = DefaultHasher::new();
    text.hash(&mut hasher);
    hasher.finish()
}

#[cfg(test)]
mod tests;
