//! What an index was built from, saved beside it in two files:
//!
//! - `medkb-manifest.json` (small): the schema version, the corpus folder,
//!   and the modification time of every folder of the corpus;
//! - `medkb-files.tsv`: every corpus file with its size, modification time
//!   and what became of it (indexed under an id, or skipped and why), in
//!   the line format of [`crate::file_list`].
//!
//! A search reads the small file and checks freshness at a cost that suits
//! the corpus (see [`Manifest::check`]); a build reads the file list to
//! re-index only what changed.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::corpus::{FolderStamp, Scan, SourceFile};
use crate::error::{Error, Result};
use crate::file_list;

/// Bump when the schema, the analyzer or the stored body format changes, so
/// that indexes built by an older medkb are rebuilt rather than misread.
pub const SCHEMA_VERSION: u32 = 6;

/// The manifest's file name inside an index generation folder.
pub const FILE_NAME: &str = "medkb-manifest.json";

/// The file list's name inside an index generation folder (see
/// [`crate::file_list`]).
pub const FILES_FILE_NAME: &str = "medkb-files.tsv";

/// Up to this many files, a search compares every file's size and time with
/// the manifest (about a millisecond per thousand files). Above it, a search
/// compares only the folders' times, which catches files added, removed or
/// renamed, and files saved the way editors save (a new file renamed over
/// the old), but not a file rewritten in place; `medkb index` catches that.
pub const FULL_CHECK_MAX_FILES: usize = 2_000;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    pub schema_version: u32,
    pub medkb_version: String,
    /// The corpus folder, absolute.
    pub corpus: PathBuf,
    pub documents: usize,
    /// How many corpus files `medkb-files.json` lists.
    pub files: usize,
    pub folders: Vec<FolderStamp>,
    /// Tokens in each text field, summed over the documents' field lengths
    /// (see [`crate::index::Writer::finish`]).
    pub token_totals: BTreeMap<String, u64>,
    /// The title and aliases of each drug note, by id: a brand name is a
    /// synonym of its drug, and a search needs these without reading notes.
    pub drug_names: BTreeMap<String, Vec<String>>,
}

/// A corpus file as it was when the index was built, and what became of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileRecord {
    pub path: String,
    pub size: u64,
    pub modified_ns: u64,
    pub outcome: Outcome,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    /// Indexed as the document with this id.
    Indexed { id: String },
    /// Not indexed, for a reason that a later build would repeat.
    Skipped { line: Option<usize>, reason: String },
    /// Not indexed because another file has the same id.
    Duplicate { id: String, reason: String },
}

impl FileRecord {
    pub fn new(file: &SourceFile, outcome: Outcome) -> FileRecord {
        FileRecord {
            path: file.rel.clone(),
            size: file.size,
            modified_ns: file.modified_ns,
            outcome,
        }
    }

    /// Whether `file` is this file unchanged.
    pub fn matches(&self, file: &SourceFile) -> bool {
        self.size == file.size && self.modified_ns == file.modified_ns
    }
}

/// How a corpus differs from what an index was built from.
#[derive(Debug, Default)]
pub struct Changes<'a> {
    pub added: Vec<&'a SourceFile>,
    pub changed: Vec<&'a SourceFile>,
    pub removed: Vec<&'a FileRecord>,
}

impl Changes<'_> {
    pub fn is_empty(&self) -> bool {
        self.added.is_empty() && self.changed.is_empty() && self.removed.is_empty()
    }

    /// One line for people: "corpus/x.md was added and 2 other changes".
    pub fn describe(&self) -> Option<String> {
        let mut all = self
            .added
            .iter()
            .map(|file| format!("{} was added", file.rel))
            .chain(
                self.changed
                    .iter()
                    .map(|file| format!("{} changed", file.rel)),
            )
            .chain(
                self.removed
                    .iter()
                    .map(|file| format!("{} was removed", file.path)),
            );
        let first = all.next()?;
        Some(match all.count() {
            0 => first,
            others => format!("{first} and {others} other changes"),
        })
    }
}

/// Compares a walk of the corpus with the files an index was built from.
pub fn changes<'a>(records: &'a [FileRecord], scan: &'a Scan) -> Changes<'a> {
    let before: HashMap<&str, &FileRecord> = records
        .iter()
        .map(|record| (record.path.as_str(), record))
        .collect();
    let mut changes = Changes::default();
    for file in &scan.files {
        match before.get(file.rel.as_str()) {
            None => changes.added.push(file),
            Some(record) if !record.matches(file) => changes.changed.push(file),
            Some(_) => {}
        }
    }
    if scan.files.len() - changes.added.len() < records.len() {
        let now: HashSet<&str> = scan.files.iter().map(|file| file.rel.as_str()).collect();
        changes.removed = records
            .iter()
            .filter(|record| !now.contains(record.path.as_str()))
            .collect();
    }
    changes
}

impl Manifest {
    pub fn new(corpus: &Path, scan: &Scan, documents: usize) -> Manifest {
        Manifest {
            schema_version: SCHEMA_VERSION,
            medkb_version: env!("CARGO_PKG_VERSION").to_string(),
            corpus: corpus.to_path_buf(),
            documents,
            files: scan.files.len(),
            folders: scan.folders.clone(),
            token_totals: BTreeMap::new(),
            drug_names: BTreeMap::new(),
        }
    }

    /// Reads the manifest of the index generation in `dir`. An index from
    /// another version of the format says so, whatever else its manifest holds.
    pub fn load(dir: &Path) -> Result<Manifest> {
        #[derive(Deserialize)]
        struct Version {
            schema_version: u32,
            medkb_version: String,
        }
        let bytes = read(dir, FILE_NAME)?;
        let outdated = |version| Error::IndexOutdated {
            path: dir.to_path_buf(),
            version,
        };
        // Parsed once as today's manifest; only one that is not is read
        // again for its version.
        match parse::<Manifest>(dir, FILE_NAME, &bytes) {
            Ok(manifest) if manifest.schema_version == SCHEMA_VERSION => Ok(manifest),
            Ok(manifest) => Err(outdated(manifest.medkb_version)),
            Err(damaged) => match serde_json::from_slice::<Version>(&bytes) {
                Ok(found) if found.schema_version != SCHEMA_VERSION => {
                    Err(outdated(found.medkb_version))
                }
                _ => Err(damaged),
            },
        }
    }

    /// Reads the list of files the index generation in `dir` was built from.
    pub fn load_files(dir: &Path) -> Result<Vec<FileRecord>> {
        let text = Manifest::files_text(dir)?;
        file_list::from_text(&text).map_err(|reason| Error::IndexDamaged {
            path: dir.to_path_buf(),
            reason: format!("{FILES_FILE_NAME} is not valid: {reason}"),
        })
    }

    /// The file list of the index generation in `dir`, as text.
    pub fn files_text(dir: &Path) -> Result<String> {
        String::from_utf8(read(dir, FILES_FILE_NAME)?).map_err(|err| Error::IndexDamaged {
            path: dir.to_path_buf(),
            reason: format!("{FILES_FILE_NAME} is not valid: {err}"),
        })
    }

    /// Writes the manifest and the file list into `dir`, flushed to disk.
    pub fn save(&self, dir: &Path, files: &[FileRecord]) -> Result<()> {
        write_file(dir, FILES_FILE_NAME, file_list::to_text(files).as_bytes())?;
        let json = serde_json::to_vec(self).expect("a manifest always serialises");
        write_file(dir, FILE_NAME, &json)
    }

    /// Why the index cannot be the corpus's at `corpus` whatever its files
    /// hold: another index format, or another corpus folder.
    pub fn mismatch(&self, corpus: &Path) -> Option<String> {
        if self.schema_version != SCHEMA_VERSION {
            return Some(format!(
                "it was built by medkb {} with an older index format",
                self.medkb_version
            ));
        }
        if self.corpus != corpus {
            return Some(format!("it was built from {}", self.corpus.display()));
        }
        None
    }

    /// The first corpus folder whose time differs from the manifest's: a
    /// file in it was added, removed or renamed. Costs one `stat` a folder.
    pub fn changed_folder(&self, corpus: &Path) -> Option<String> {
        self.folders.iter().find_map(|folder| {
            let path = corpus.join(&folder.path);
            let same = crate::corpus::modified_ns(&path).ok() == Some(folder.modified_ns);
            (!same).then(|| format!("{} changed", path.display()))
        })
    }

    /// Whether a search should compare every file, not just the folders.
    pub fn needs_full_check(&self) -> bool {
        self.files <= FULL_CHECK_MAX_FILES
    }
}

fn read(dir: &Path, name: &str) -> Result<Vec<u8>> {
    fs::read(dir.join(name)).map_err(|err| Error::IndexDamaged {
        path: dir.to_path_buf(),
        reason: format!("cannot read {name}: {err}"),
    })
}

fn parse<T: serde::de::DeserializeOwned>(dir: &Path, name: &str, bytes: &[u8]) -> Result<T> {
    serde_json::from_slice(bytes).map_err(|err| Error::IndexDamaged {
        path: dir.to_path_buf(),
        reason: format!("{name} is not valid: {err}"),
    })
}

fn write_file(dir: &Path, name: &str, bytes: &[u8]) -> Result<()> {
    let path = dir.join(name);
    let mut file = fs::File::create(&path).map_err(|err| Error::write(&path, err))?;
    file.write_all(bytes)
        .and_then(|()| file.sync_all())
        .map_err(|err| Error::write(&path, err))
}
