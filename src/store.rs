//! The index folder on disk, and how a new index replaces the old one
//! without a reader ever seeing half of either.
//!
//! ```text
//! index/
//!   README.md, .gitignore   what the folder is (kept in git)
//!   .lock                   held by the one process that may build
//!   CURRENT                 the name of the generation to search
//!   gen-<time>-<pid>/       a complete tantivy index + medkb-manifest.json
//!   tmp-<time>-<pid>/       a build in progress (removed if it never finished)
//! ```
//!
//! A build writes a whole generation under `tmp-*`, flushes it, renames it to
//! `gen-*` and then replaces `CURRENT` by an atomic rename. Until that rename
//! readers see the previous generation; after it, the new one. The previous
//! generation is kept one round longer for searches that are still reading it.

use std::fs::{self, File, OpenOptions, TryLockError};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use crate::error::{Error, Result};

const POINTER: &str = "CURRENT";
const LOCK: &str = ".lock";
const GENERATION_PREFIX: &str = "gen-";
const STAGING_PREFIX: &str = "tmp-";
/// Files a folder may hold and still be taken for an index folder.
const EXPLANATORY_FILES: [&str; 4] = ["README.md", ".gitignore", LOCK, POINTER];

/// An index folder.
#[derive(Debug, Clone)]
pub struct IndexDir {
    path: PathBuf,
}

/// The right to build: an exclusive lock on `index/.lock`, held until dropped.
#[derive(Debug)]
pub struct BuildLock {
    dir: IndexDir,
    _file: File,
}

/// A generation being written; it becomes visible only through
/// [`BuildLock::publish`]. Dropped unpublished (a failed build), it is
/// removed at once, so that a full disk gets its space back.
#[derive(Debug)]
pub struct Staging {
    pub path: PathBuf,
    name: String,
    published: bool,
}

impl Drop for Staging {
    fn drop(&mut self) {
        if !self.published {
            remove(&self.path);
        }
    }
}

impl IndexDir {
    pub fn new(path: &Path) -> IndexDir {
        IndexDir {
            path: path.to_path_buf(),
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The generation folder that `CURRENT` names, if any. Fails when the
    /// folder exists but holds something that is not a medkb index.
    pub fn current(&self) -> Result<Option<PathBuf>> {
        let pointer = self.path.join(POINTER);
        match fs::read_to_string(&pointer) {
            Ok(name) => {
                let name = name.trim();
                if !name.starts_with(GENERATION_PREFIX) || name.contains(['/', '\\']) {
                    return Err(Error::IndexDamaged {
                        path: self.path.clone(),
                        reason: format!("{POINTER} names '{name}', not an index generation"),
                    });
                }
                Ok(Some(self.path.join(name)))
            }
            Err(err) if err.kind() == io::ErrorKind::NotFound => {
                self.check_is_ours()?;
                Ok(None)
            }
            Err(err) if err.kind() == io::ErrorKind::NotADirectory => Err(Error::NotAnIndex {
                path: self.path.clone(),
            }),
            Err(err) => Err(Error::read(&pointer, err)),
        }
    }

    /// A folder without `CURRENT` is medkb's only if it holds nothing but
    /// what medkb itself puts there, so that a mistyped `--index` never
    /// touches someone's files.
    fn check_is_ours(&self) -> Result<()> {
        let entries = match fs::read_dir(&self.path) {
            Ok(entries) => entries,
            Err(err) if err.kind() == io::ErrorKind::NotFound => return Ok(()),
            Err(err) if err.kind() == io::ErrorKind::NotADirectory => {
                return Err(Error::NotAnIndex {
                    path: self.path.clone(),
                })
            }
            Err(err) => return Err(Error::read(&self.path, err)),
        };
        for entry in entries.flatten() {
            let name = entry.file_name();
            let name = name.to_string_lossy();
            let ours = EXPLANATORY_FILES.contains(&name.as_ref())
                || name.starts_with(GENERATION_PREFIX)
                || name.starts_with(STAGING_PREFIX);
            if !ours {
                return Err(Error::NotAnIndex {
                    path: self.path.clone(),
                });
            }
        }
        Ok(())
    }

    /// Takes the build lock, or returns `None` at once if another process holds it.
    pub fn try_lock(&self) -> Result<Option<BuildLock>> {
        let file = self.open_lock_file()?;
        match file.try_lock() {
            Ok(()) => Ok(Some(self.locked(file))),
            Err(TryLockError::WouldBlock) => Ok(None),
            Err(TryLockError::Error(err)) => Err(Error::write(&self.path.join(LOCK), err)),
        }
    }

    /// Waits for the build lock.
    pub fn lock(&self) -> Result<BuildLock> {
        let file = self.open_lock_file()?;
        file.lock()
            .map_err(|err| Error::write(&self.path.join(LOCK), err))?;
        Ok(self.locked(file))
    }

    fn open_lock_file(&self) -> Result<File> {
        self.check_is_ours()?;
        fs::create_dir_all(&self.path).map_err(|err| Error::write(&self.path, err))?;
        let path = self.path.join(LOCK);
        OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(|err| Error::write(&path, err))
    }

    fn locked(&self, file: File) -> BuildLock {
        let lock = BuildLock {
            dir: self.clone(),
            _file: file,
        };
        lock.remove_unfinished_builds();
        lock
    }
}

impl BuildLock {
    /// Starts a new generation in a staging folder.
    pub fn stage(&self) -> Result<Staging> {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |since| since.as_nanos());
        // Zero-padded so that names sort by time.
        let name = format!("{nanos:024}-{}", std::process::id());
        let path = self.dir.path.join(format!("{STAGING_PREFIX}{name}"));
        fs::create_dir(&path).map_err(|err| Error::write(&path, err))?;
        Ok(Staging {
            path,
            name,
            published: false,
        })
    }

    /// Makes a finished staging folder the current generation, atomically,
    /// and removes generations no reader can need any more.
    pub fn publish(&self, mut staging: Staging) -> Result<PathBuf> {
        let dir = &self.dir.path;
        let previous = self.dir.current()?;
        let generation = dir.join(format!("{GENERATION_PREFIX}{}", staging.name));
        sync_dir(&staging.path)?;
        fs::rename(&staging.path, &generation).map_err(|err| Error::write(&generation, err))?;
        staging.published = true;
        sync_dir(dir)?;

        let pointer = dir.join(POINTER);
        let pointer_tmp = dir.join(format!("{STAGING_PREFIX}{POINTER}"));
        let write_pointer = || -> io::Result<()> {
            let mut file = File::create(&pointer_tmp)?;
            writeln!(file, "{GENERATION_PREFIX}{}", staging.name)?;
            file.sync_all()?;
            fs::rename(&pointer_tmp, &pointer)
        };
        write_pointer().map_err(|err| Error::write(&pointer, err))?;
        sync_dir(dir)?;

        self.remove_generations_except(&[Some(&generation), previous.as_ref()]);
        Ok(generation)
    }

    /// Removes what killed or failed builds left behind. Only the lock
    /// holder builds, so every staging folder found now is abandoned.
    fn remove_unfinished_builds(&self) {
        for (name, path) in self.entries() {
            if name.starts_with(STAGING_PREFIX) {
                remove(&path);
            }
        }
    }

    fn remove_generations_except(&self, keep: &[Option<&PathBuf>]) {
        for (name, path) in self.entries() {
            let kept = keep.iter().flatten().any(|kept| **kept == path);
            if name.starts_with(GENERATION_PREFIX) && !kept {
                remove(&path);
            }
        }
    }

    fn entries(&self) -> Vec<(String, PathBuf)> {
        let Ok(entries) = fs::read_dir(&self.dir.path) else {
            return Vec::new();
        };
        entries
            .flatten()
            .map(|entry| {
                (
                    entry.file_name().to_string_lossy().into_owned(),
                    entry.path(),
                )
            })
            .collect()
    }
}

/// Removes a leftover; failing to is harmless (the next build tries again).
fn remove(path: &Path) {
    let _ = if path.is_dir() {
        fs::remove_dir_all(path)
    } else {
        fs::remove_file(path)
    };
}

/// Flushes a folder's entries (new names, renames) to disk.
fn sync_dir(path: &Path) -> Result<()> {
    File::open(path)
        .and_then(|dir| dir.sync_all())
        .map_err(|err| Error::write(path, err))
}
