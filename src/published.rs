//! The directory a search opens a published index generation through.
//!
//! A generation never changes once `CURRENT` names it (updates write a new
//! one), so a reader needs none of tantivy's locks. tantivy would still
//! create `.tantivy-meta.lock` in it on every open: a write per search, and
//! an error on a read-only disk. This directory reads, and refuses writes.
//!
//! Files are mapped into memory as tantivy's `MmapDirectory` maps them, but
//! without its cache of mappings: that cache is keyed by absolute path,
//! and hashing a `Path` (component by component) for every file a search
//! opens cost 5% of a question on the 139,350-document benchmark corpus.
//! A searcher opens each file once, so the cache never served it. Files are
//! opened from a handle on the generation's folder ([`HeldFolder`]).

use std::fs::File;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use tantivy::directory::error::{DeleteError, LockError, OpenReadError, OpenWriteError};
use tantivy::directory::{
    Directory, DirectoryLock, FileHandle, Lock, OwnedBytes, WatchCallback, WatchHandle, WritePtr,
};

use crate::held_folder::HeldFolder;

/// tantivy's list of the files it manages, beside `meta.json`.
const MANAGED_FILE: &str = ".managed.json";

#[derive(Debug, Clone)]
pub struct Published {
    dir: Arc<HeldFolder>,
}

impl Published {
    pub fn open(dir: &Path) -> io::Result<Published> {
        if !std::fs::metadata(dir)?.is_dir() {
            return Err(io::Error::new(
                io::ErrorKind::NotADirectory,
                format!("{} is not a folder", dir.display()),
            ));
        }
        Ok(Published {
            dir: Arc::new(HeldFolder::new(dir)),
        })
    }

    fn open_file(&self, path: &Path) -> Result<File, OpenReadError> {
        self.dir.open(path).map_err(|err| match err.kind() {
            io::ErrorKind::NotFound => OpenReadError::FileDoesNotExist(path.to_path_buf()),
            _ => OpenReadError::wrap_io_error(err, path.to_path_buf()),
        })
    }
}

fn read_only(path: &Path) -> Arc<io::Error> {
    Arc::new(io::Error::new(
        io::ErrorKind::PermissionDenied,
        format!(
            "{} belongs to a published index, which is read-only",
            path.display()
        ),
    ))
}

impl Directory for Published {
    fn get_file_handle(&self, path: &Path) -> Result<Arc<dyn FileHandle>, OpenReadError> {
        let file = self.open_file(path)?;
        let io_error = |err| OpenReadError::wrap_io_error(err, path.to_path_buf());
        let len = file.metadata().map_err(io_error)?.len();
        // An empty file cannot be mapped.
        if len == 0 {
            return Ok(Arc::new(OwnedBytes::empty()));
        }
        let len = usize::try_from(len).map_err(|_| {
            io_error(io::Error::new(
                io::ErrorKind::FileTooLarge,
                "the file is too large to map",
            ))
        })?;
        // SAFETY: as for tantivy's own mapping, the file must not change
        // while mapped; a published generation's files are never written
        // again (an update writes a new generation). The length is given,
        // as it is known, so that the mapping does not ask for it again.
        let mapped =
            unsafe { memmap2::MmapOptions::new().len(len).map(&file) }.map_err(io_error)?;
        Ok(Arc::new(OwnedBytes::new(mapped)))
    }

    fn delete(&self, path: &Path) -> Result<(), DeleteError> {
        Err(DeleteError::IoError {
            io_error: read_only(path),
            filepath: PathBuf::from(path),
        })
    }

    fn exists(&self, path: &Path) -> Result<bool, OpenReadError> {
        self.dir
            .exists(path)
            .map_err(|err| OpenReadError::wrap_io_error(err, path.to_path_buf()))
    }

    fn open_write(&self, path: &Path) -> Result<WritePtr, OpenWriteError> {
        Err(OpenWriteError::IoError {
            io_error: read_only(path),
            filepath: PathBuf::from(path),
        })
    }

    fn atomic_read(&self, path: &Path) -> Result<Vec<u8>, OpenReadError> {
        // tantivy's list of the files it manages serves only its garbage
        // collection, which nothing runs on a read-only generation: read
        // and parsed at every open, it cost 1% of a question on the
        // 139,350-document benchmark corpus. Without it the list is empty.
        if path == Path::new(MANAGED_FILE) {
            return Err(OpenReadError::FileDoesNotExist(path.to_path_buf()));
        }
        let mut bytes = Vec::new();
        io::Read::read_to_end(&mut self.open_file(path)?, &mut bytes)
            .map_err(|err| OpenReadError::wrap_io_error(err, path.to_path_buf()))?;
        Ok(bytes)
    }

    fn atomic_write(&self, path: &Path, _data: &[u8]) -> io::Result<()> {
        Err(io::Error::new(
            io::ErrorKind::PermissionDenied,
            read_only(path).to_string(),
        ))
    }

    fn sync_directory(&self) -> io::Result<()> {
        Ok(())
    }

    /// Nothing changes a published generation, so there is nothing to lock against.
    fn acquire_lock(&self, _lock: &Lock) -> Result<DirectoryLock, LockError> {
        Ok(DirectoryLock::from(Box::new(())))
    }

    fn watch(&self, _watch_callback: WatchCallback) -> tantivy::Result<WatchHandle> {
        Ok(WatchHandle::empty())
    }
}
