//! Opening the files of a corpus, and reading the times of its folders,
//! from a handle on a folder.
//!
//! A file opened or a folder looked up by its whole path has every folder
//! of that path looked up again, and a build opens each of its files while
//! a search reads the time of every corpus folder: on Unix both are done
//! relative to a handle on a folder held open.
//!
//! In: the paths of files to read, in walk order ([`FolderOpener`]); the
//! corpus folder and its folders' relative paths ([`FolderTimes`]). Out:
//! each file, open; each folder's modification time.

use std::fs::File;
use std::io;
use std::path::Path;

/// Opens files, holding the folder of the last one open.
#[derive(Default)]
pub struct FolderOpener {
    #[cfg(unix)]
    folder: Option<(std::path::PathBuf, rustix::fd::OwnedFd)>,
}

impl FolderOpener {
    /// Opens `path` for reading, as [`File::open`] does.
    pub fn open(&mut self, path: &Path) -> io::Result<File> {
        #[cfg(unix)]
        if let Some(file) = self.open_in_folder(path) {
            return file;
        }
        File::open(path)
    }

    /// `None` when the file's folder cannot be held open: the whole path
    /// then decides, and so does the error.
    #[cfg(unix)]
    fn open_in_folder(&mut self, path: &Path) -> Option<io::Result<File>> {
        use rustix::fs::{Mode, OFlags};

        let (folder, name) = (path.parent()?, path.file_name()?);
        if folder.as_os_str().is_empty() {
            return None;
        }
        let held = matches!(&self.folder, Some((held, _)) if held == folder);
        if !held {
            let flags = OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC;
            self.folder = rustix::fs::open(folder, flags, Mode::empty())
                .ok()
                .map(|fd| (folder.to_path_buf(), fd));
        }
        let (_, fd) = self.folder.as_ref()?;
        let flags = OFlags::RDONLY | OFlags::CLOEXEC;
        Some(
            rustix::fs::openat(fd, name, flags, Mode::empty())
                .map(File::from)
                .map_err(io::Error::from),
        )
    }
}

/// Reads the modification times of the folders inside one folder.
pub struct FolderTimes<'a> {
    base: &'a Path,
    #[cfg(unix)]
    held: Option<rustix::fd::OwnedFd>,
}

impl<'a> FolderTimes<'a> {
    /// Times of the folders in `base`, which is held open if it can be.
    pub fn new(base: &'a Path) -> FolderTimes<'a> {
        FolderTimes {
            base,
            #[cfg(unix)]
            held: {
                use rustix::fs::{Mode, OFlags};
                let flags = OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC;
                rustix::fs::open(base, flags, Mode::empty()).ok()
            },
        }
    }

    /// The modification time of `relative` (`/`-separated, empty for the
    /// folder itself), as [`crate::corpus::modified_ns`] gives it for the
    /// whole path: nanoseconds since the epoch, links followed.
    pub fn modified_ns(&self, relative: &str) -> io::Result<u64> {
        #[cfg(unix)]
        if let Some(held) = &self.held {
            let stat = if relative.is_empty() {
                rustix::fs::fstat(held)
            } else {
                rustix::fs::statat(held, relative, rustix::fs::AtFlags::empty())
            }?;
            // As `Duration::as_nanos() as u64` of the time since the epoch,
            // and 0 before it. The fields' types differ between platforms.
            #[allow(clippy::unnecessary_cast)]
            let nanos = stat.st_mtime_nsec as u64;
            return Ok(u64::try_from(stat.st_mtime).map_or(0, |seconds| {
                seconds.wrapping_mul(1_000_000_000).wrapping_add(nanos)
            }));
        }
        crate::corpus::modified_ns(&self.base.join(relative))
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
        let times = FolderTimes::new(dir.path());
        for relative in ["", "a", "a/b"] {
            let whole = crate::corpus::modified_ns(&dir.path().join(relative)).unwrap();
            assert_eq!(times.modified_ns(relative).unwrap(), whole, "{relative:?}");
        }
        let missing = times.modified_ns("gone").unwrap_err().kind();
        assert_eq!(missing, io::ErrorKind::NotFound);
    }

    #[test]
    fn folder_times_of_a_missing_folder_are_errors() {
        let dir = tempfile::tempdir().unwrap();
        let gone = dir.path().join("gone");
        let times = FolderTimes::new(&gone);
        for relative in ["", "a"] {
            let err = times.modified_ns(relative).unwrap_err().kind();
            assert_eq!(err, io::ErrorKind::NotFound, "{relative:?}");
        }
    }

    #[test]
    fn a_file_named_without_a_folder_is_opened_from_the_working_folder() {
        let mut opener = FolderOpener::default();
        let err = opener.open(Path::new("no-such-file-here.md")).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::NotFound);
        assert!(opener.open(Path::new("Cargo.toml")).is_ok());
    }
}
