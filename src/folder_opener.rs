//! Opening the files of a corpus one folder at a time.
//!
//! In: the paths of files to read, in walk order. Out: each file, open. A
//! file opened by its whole path has every folder of that path looked up
//! again, and a build opens each of its files: on Unix the files are opened
//! relative to a handle on the folder they share with the one before.

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
    fn a_file_named_without_a_folder_is_opened_from_the_working_folder() {
        let mut opener = FolderOpener::default();
        let err = opener.open(Path::new("no-such-file-here.md")).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::NotFound);
        assert!(opener.open(Path::new("Cargo.toml")).is_ok());
    }
}
