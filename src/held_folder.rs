//! Files and folders looked up from a handle on the folder that holds them.
//!
//! A file opened or a folder looked up by its whole path has every folder
//! of that path looked up again. A build opens each of its files, a search
//! reads the time of every corpus folder and opens the files of an index
//! generation: on Unix each is done relative to a handle on its folder,
//! held open, which walks only the last part of the path.
//!
//! In: a folder and paths inside it ([`HeldFolder`]), or the paths of files
//! to read, in walk order ([`FolderOpener`]). Out: files open, folder times,
//! whether a file exists; each failing as the same call on the whole path.

use std::fs::File;
use std::io;
use std::path::{Path, PathBuf};

/// A folder, held open where the platform allows, and the paths in it.
#[derive(Debug)]
pub struct HeldFolder {
    path: PathBuf,
    #[cfg(unix)]
    handle: Option<rustix::fd::OwnedFd>,
}

impl HeldFolder {
    /// Holds `path` open if it can; if not, every lookup uses whole paths,
    /// and so fails as they do.
    pub fn new(path: &Path) -> HeldFolder {
        HeldFolder {
            path: path.to_path_buf(),
            #[cfg(unix)]
            handle: {
                use rustix::fs::{Mode, OFlags};
                let flags = OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC;
                rustix::fs::open(path, flags, Mode::empty()).ok()
            },
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Opens the file at `relative` for reading, as [`File::open`] does.
    pub fn open(&self, relative: &Path) -> io::Result<File> {
        #[cfg(unix)]
        if let Some(handle) = &self.handle {
            use rustix::fs::{Mode, OFlags};
            let flags = OFlags::RDONLY | OFlags::CLOEXEC;
            return rustix::fs::openat(handle, relative, flags, Mode::empty())
                .map(File::from)
                .map_err(io::Error::from);
        }
        File::open(self.path.join(relative))
    }

    /// Whether `relative` exists, as [`Path::try_exists`] tells.
    pub fn exists(&self, relative: &Path) -> io::Result<bool> {
        #[cfg(unix)]
        if let Some(handle) = &self.handle {
            return match rustix::fs::statat(handle, relative, rustix::fs::AtFlags::empty()) {
                Ok(_) => Ok(true),
                Err(rustix::io::Errno::NOENT) => Ok(false),
                Err(err) => Err(err.into()),
            };
        }
        self.path.join(relative).try_exists()
    }

    /// The modification time of `relative` (empty for the folder itself)
    /// as [`crate::corpus::modified_ns`] gives it for the whole path:
    /// nanoseconds since the epoch, links followed.
    pub fn modified_ns(&self, relative: &Path) -> io::Result<u64> {
        #[cfg(unix)]
        if let Some(handle) = &self.handle {
            let stat = if relative.as_os_str().is_empty() {
                rustix::fs::fstat(handle)
            } else {
                rustix::fs::statat(handle, relative, rustix::fs::AtFlags::empty())
            }?;
            // As `Duration::as_nanos() as u64` of the time since the epoch,
            // and 0 before it. The fields' types differ between platforms.
            #[allow(clippy::unnecessary_cast)]
            let nanos = stat.st_mtime_nsec as u64;
            return Ok(u64::try_from(stat.st_mtime).map_or(0, |seconds| {
                seconds.wrapping_mul(1_000_000_000).wrapping_add(nanos)
            }));
        }
        crate::corpus::modified_ns(&self.path.join(relative))
    }
}

/// Opens files given by whole paths, holding the folder of the last one.
#[derive(Default)]
pub struct FolderOpener {
    last: Option<HeldFolder>,
}

impl FolderOpener {
    /// Opens `path` for reading, as [`File::open`] does.
    pub fn open(&mut self, path: &Path) -> io::Result<File> {
        let folder = path
            .parent()
            .filter(|folder| !folder.as_os_str().is_empty());
        let (Some(folder), Some(name)) = (folder, path.file_name()) else {
            return File::open(path);
        };
        let held = match &mut self.last {
            Some(held) if held.path() == folder => held,
            last => last.insert(HeldFolder::new(folder)),
        };
        held.open(Path::new(name))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    fn read(opener: &mut FolderOpener, path: &Path) -> io::Result<String> {
        let mut text = String::new();
        opener.open(path)?.read_to_string(&mut text)?;
        Ok(text)
    }

    #[test]
    fn files_of_one_folder_and_the_next_are_each_read_from_their_own() {
        let dir = tempfile::tempdir().unwrap();
        for (folder, name, text) in [
            ("a", "1.md", "a1"),
            ("a", "2.md", "a2"),
            ("b", "1.md", "b1"),
        ] {
            std::fs::create_dir_all(dir.path().join(folder)).unwrap();
            std::fs::write(dir.path().join(folder).join(name), text).unwrap();
        }
        let mut opener = FolderOpener::default();
        for (path, text) in [
            ("a/1.md", "a1"),
            ("a/2.md", "a2"),
            ("b/1.md", "b1"),
            ("a/1.md", "a1"),
        ] {
            assert_eq!(read(&mut opener, &dir.path().join(path)).unwrap(), text);
        }
    }

    #[test]
    fn a_missing_file_or_folder_fails_as_a_plain_open_does() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("here.md"), "here").unwrap();
        let mut opener = FolderOpener::default();
        assert_eq!(
            read(&mut opener, &dir.path().join("here.md")).unwrap(),
            "here"
        );
        for missing in ["gone.md", "gone/here.md"] {
            let path = dir.path().join(missing);
            let ours = opener.open(&path).unwrap_err().kind();
            assert_eq!(ours, File::open(&path).unwrap_err().kind(), "{missing}");
        }
    }

    #[test]
    fn folder_times_are_those_of_the_whole_path() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("a/b")).unwrap();
        let held = HeldFolder::new(dir.path());
        for relative in ["", "a", "a/b"] {
            let whole = crate::corpus::modified_ns(&dir.path().join(relative)).unwrap();
            let ours = held.modified_ns(Path::new(relative)).unwrap();
            assert_eq!(ours, whole, "{relative:?}");
        }
        let missing = held.modified_ns(Path::new("gone")).unwrap_err().kind();
        assert_eq!(missing, io::ErrorKind::NotFound);
    }

    #[test]
    fn a_held_folder_opens_and_finds_what_the_whole_paths_name() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("a")).unwrap();
        std::fs::write(dir.path().join("a/1.md"), "a1").unwrap();
        let held = HeldFolder::new(dir.path());
        let mut text = String::new();
        held.open(Path::new("a/1.md"))
            .unwrap()
            .read_to_string(&mut text)
            .unwrap();
        assert_eq!(text, "a1");
        assert!(held.exists(Path::new("a/1.md")).unwrap());
        assert!(!held.exists(Path::new("a/2.md")).unwrap());
        let missing = held.open(Path::new("a/2.md")).unwrap_err().kind();
        assert_eq!(missing, io::ErrorKind::NotFound);
    }

    #[test]
    fn a_missing_folder_fails_every_lookup_as_whole_paths_do() {
        let dir = tempfile::tempdir().unwrap();
        let held = HeldFolder::new(&dir.path().join("gone"));
        for relative in ["", "a"] {
            let err = held.modified_ns(Path::new(relative)).unwrap_err().kind();
            assert_eq!(err, io::ErrorKind::NotFound, "{relative:?}");
        }
        let err = held.open(Path::new("a.md")).unwrap_err().kind();
        assert_eq!(err, io::ErrorKind::NotFound);
        assert!(!held.exists(Path::new("a.md")).unwrap());
    }

    #[test]
    fn a_file_named_without_a_folder_is_opened_from_the_working_folder() {
        let mut opener = FolderOpener::default();
        let err = opener.open(Path::new("no-such-file-here.md")).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::NotFound);
        assert!(opener.open(Path::new("Cargo.toml")).is_ok());
    }
}
