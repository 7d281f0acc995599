//! What an index was built from: the corpus folder, each file's size and
//! modification time, and the version of medkb's schema. Saved beside the
//! index, it lets a search tell in a few stat calls whether the index is
//! still the corpus's, and say what changed when it is not.

use std::collections::{HashMap, HashSet};
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::corpus::{Scan, SourceFile};
use crate::error::{Error, Result};

/// Bump when the schema, the analyzer or the stored body format changes, so
/// that indexes built by an older medkb are rebuilt rather than misread.
pub const SCHEMA_VERSION: u32 = 2;

/// The manifest's file name inside an index generation folder.
pub const FILE_NAME: &str = "medkb-manifest.json";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    pub schema_version: u32,
    pub medkb_version: String,
    /// The corpus folder, absolute.
    pub corpus: PathBuf,
    pub documents: usize,
    pub files: Vec<FileStamp>,
}

/// A corpus file as it was when the index was built.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileStamp {
    pub path: String,
    pub size: u64,
    pub modified_ns: u64,
}

impl From<&SourceFile> for FileStamp {
    fn from(file: &SourceFile) -> FileStamp {
        FileStamp {
            path: file.rel.clone(),
            size: file.size,
            modified_ns: file.modified_ns,
        }
    }
}

impl Manifest {
    pub fn new(corpus: &Path, scan: &Scan, documents: usize) -> Manifest {
        Manifest {
            schema_version: SCHEMA_VERSION,
            medkb_version: env!("CARGO_PKG_VERSION").to_string(),
            corpus: corpus.to_path_buf(),
            documents,
            files: scan.files.iter().map(FileStamp::from).collect(),
        }
    }

    /// Reads the manifest of the index generation in `dir`.
    pub fn load(dir: &Path) -> Result<Manifest> {
        let path = dir.join(FILE_NAME);
        let text = fs::read_to_string(&path).map_err(|err| Error::IndexDamaged {
            path: dir.to_path_buf(),
            reason: format!("cannot read {FILE_NAME}: {err}"),
        })?;
        serde_json::from_str(&text).map_err(|err| Error::IndexDamaged {
            path: dir.to_path_buf(),
            reason: format!("{FILE_NAME} is not valid: {err}"),
        })
    }

    /// Writes the manifest into `dir` and flushes it to disk.
    pub fn save(&self, dir: &Path) -> Result<()> {
        let path = dir.join(FILE_NAME);
        let json = serde_json::to_vec(self).expect("a manifest always serialises");
        let mut file = fs::File::create(&path).map_err(|err| Error::write(&path, err))?;
        file.write_all(&json)
            .and_then(|()| file.sync_all())
            .map_err(|err| Error::write(&path, err))
    }

    /// Why an index built from this manifest no longer matches `scan` of the
    /// corpus at `corpus`, or `None` when it is fresh.
    pub fn staleness(&self, corpus: &Path, scan: &Scan) -> Option<String> {
        if self.schema_version != SCHEMA_VERSION {
            return Some(format!(
                "it was built by medkb {} with an older index format",
                self.medkb_version
            ));
        }
        if self.corpus != corpus {
            return Some(format!("it was built from {}", self.corpus.display()));
        }
        let before: HashMap<&str, &FileStamp> = self
            .files
            .iter()
            .map(|file| (file.path.as_str(), file))
            .collect();
        let mut changes = Vec::new();
        let mut still_there = 0;
        for file in &scan.files {
            match before.get(file.rel.as_str()) {
                None => changes.push(format!("{} was added", file.rel)),
                Some(old) => {
                    still_there += 1;
                    if old.size != file.size || old.modified_ns != file.modified_ns {
                        changes.push(format!("{} changed", file.rel));
                    }
                }
            }
        }
        if still_there < self.files.len() {
            let now: HashSet<&str> = scan.files.iter().map(|file| file.rel.as_str()).collect();
            let removed = self
                .files
                .iter()
                .filter(|file| !now.contains(file.path.as_str()));
            changes.extend(removed.map(|file| format!("{} was removed", file.path)));
        }
        match changes.len() {
            0 => None,
            1 => changes.pop(),
            n => Some(format!("{} and {} other changes", changes[0], n - 1)),
        }
    }
}
