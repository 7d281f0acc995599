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

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::corpus::{FolderStamp, Scan, SourceFile};
use crate::error::{Error, Result};
use crate::file_list;
use crate::held_folder::HeldFolder;

/// Bump when the schema, the analyzer or the stored body format changes, so
/// that indexes built by an older medkb are rebuilt rather than misread.
pub const SCHEMA_VERSION: u32 = 10;

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
    /// How many corpus files `medkb-files.tsv` lists.
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
/// Its text borrows from the file list it was read from, or from the walk
/// that found it: a large corpus has hundreds of thousands of records, and
/// an update copying each one's path and id spent more time allocating than
/// comparing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileRecord<'a> {
    pub path: Cow<'a, str>,
    pub size: u64,
    pub modified_ns: u64,
    pub outcome: Outcome<'a>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome<'a> {
    /// Indexed as the document with this id.
    Indexed { id: Cow<'a, str> },
    /// Not indexed, for a reason that a later build would repeat.
    Skipped {
        line: Option<usize>,
        reason: Cow<'a, str>,
    },
    /// Not indexed because another file has the same id.
    Duplicate {
        id: Cow<'a, str>,
        reason: Cow<'a, str>,
    },
}

impl<'a> FileRecord<'a> {
    pub fn new(file: &'a SourceFile, outcome: Outcome<'a>) -> FileRecord<'a> {
        FileRecord {
            path: Cow::Borrowed(&file.rel),
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
    pub removed: Vec<&'a FileRecord<'a>>,
    /// Every file of the corpus now, in walk order.
    pub listing: Vec<Listed<'a>>,
    /// For each record, whether its file changed or went.
    pub touched: Vec<bool>,
}

/// A file of the corpus as the next build lists it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Listed<'a> {
    /// Unchanged since the last build: its record, by index.
    Kept(usize),
    /// Added or changed since: to be read.
    Read(&'a SourceFile),
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
pub fn changes<'a>(records: &'a [FileRecord<'a>], scan: &'a Scan) -> Changes<'a> {
    let in_walk_order = |a: &str, b: &str| walk_order(a, b).is_lt();
    // A walk lists files in walk order by construction; a file list, as
    // whichever medkb wrote it.
    debug_assert!(scan
        .files
        .is_sorted_by(|a, b| in_walk_order(&a.rel, &b.rel)));
    let before = if records.is_sorted_by(|a, b| in_walk_order(&a.path, &b.path)) {
        matched_in_order(records, &scan.files)
    } else {
        matched_by_path(records, &scan.files)
    };
    let mut changes = Changes {
        touched: vec![true; records.len()],
        ..Changes::default()
    };
    changes.listing.reserve_exact(scan.files.len());
    for (file, record) in scan.files.iter().zip(&before) {
        changes.listing.push(match *record {
            None => {
                changes.added.push(file);
                Listed::Read(file)
            }
            Some(index) if !records[index].matches(file) => {
                changes.changed.push(file);
                Listed::Read(file)
            }
            Some(index) => {
                changes.touched[index] = false;
                Listed::Kept(index)
            }
        });
    }
    let mut present = vec![false; records.len()];
    for index in before.iter().flatten() {
        present[*index] = true;
    }
    changes.removed = records
        .iter()
        .zip(&present)
        .filter(|(_, &present)| !present)
        .map(|(record, _)| record)
        .collect();
    changes
}

/// The order of a walk of the corpus: folder by folder, each folder's
/// entries by name, so `a/b` comes before `a-c`. That is the byte order
/// with `/` below every other byte.
pub fn walk_order(a: &str, b: &str) -> std::cmp::Ordering {
    let key = |byte: u8| if byte == b'/' { 0 } else { byte };
    let (a, b) = (a.as_bytes(), b.as_bytes());
    match a.iter().zip(b).position(|(x, y)| x != y) {
        Some(at) => key(a[at]).cmp(&key(b[at])),
        None => a.len().cmp(&b.len()),
    }
}

/// Pairs files with records by a merge of two lists in walk order: no
/// hashing of the hundreds of thousands of paths of a large corpus.
fn matched_in_order(records: &[FileRecord<'_>], files: &[SourceFile]) -> Vec<Option<usize>> {
    let mut matched = Vec::with_capacity(files.len());
    let mut next = 0;
    for file in files {
        // Most files are where the list had them: equal paths compare
        // fastest, so they are tried first.
        while next < records.len()
            && records[next].path != file.rel
            && walk_order(&records[next].path, &file.rel).is_lt()
        {
            next += 1;
        }
        if next < records.len() && records[next].path == file.rel {
            matched.push(Some(next));
            next += 1;
        } else {
            matched.push(None);
        }
    }
    matched
}

/// Pairs files with records by path, whatever their order.
fn matched_by_path(records: &[FileRecord<'_>], files: &[SourceFile]) -> Vec<Option<usize>> {
    let by_path: HashMap<&str, usize> = records
        .iter()
        .enumerate()
        .map(|(index, record)| (record.path.as_ref(), index))
        .collect();
    files
        .iter()
        .map(|file| by_path.get(file.rel.as_str()).copied())
        .collect()
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

    /// The list of files the index generation in `dir` was built from, read
    /// from its text (see [`files_text`](Self::files_text)).
    pub fn parse_files<'a>(dir: &Path, text: &'a str) -> Result<Vec<FileRecord<'a>>> {
        file_list::from_text(text).map_err(|reason| Error::IndexDamaged {
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

    /// Writes the manifest into `dir`, flushed to disk.
    pub fn save(&self, dir: &Path) -> Result<()> {
        let json = serde_json::to_vec(self).expect("a manifest always serialises");
        write_file(dir, FILE_NAME, &json)
    }

    /// Writes the file list into `dir`, flushed to disk.
    pub fn save_files(dir: &Path, files: &[FileRecord<'_>]) -> Result<()> {
        write_file(dir, FILES_FILE_NAME, file_list::to_text(files).as_bytes())
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
    /// file in it was added, removed or renamed. Costs one `stat` a folder,
    /// each from a handle on the corpus folder rather than from the root.
    pub fn changed_folder(&self, corpus: &Path) -> Option<String> {
        let held = HeldFolder::new(corpus);
        self.folders.iter().find_map(|folder| {
            let time = held.modified_ns(Path::new(&folder.path));
            let same = time.ok() == Some(folder.modified_ns);
            (!same).then(|| format!("{} changed", corpus.join(&folder.path).display()))
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

pub(crate) fn write_file(dir: &Path, name: &str, bytes: &[u8]) -> Result<()> {
    let path = dir.join(name);
    let mut file = fs::File::create(&path).map_err(|err| Error::write(&path, err))?;
    file.write_all(bytes)
        .and_then(|()| file.sync_all())
        .map_err(|err| Error::write(&path, err))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(rel: &str, size: u64) -> SourceFile {
        SourceFile {
            path: PathBuf::from(rel),
            rel: rel.to_string(),
            size,
            modified_ns: 1,
        }
    }

    fn record(path: &str, size: u64) -> FileRecord<'static> {
        FileRecord {
            path: path.to_string().into(),
            size,
            modified_ns: 1,
            outcome: Outcome::Indexed {
                id: path.replace('/', "-").into(),
            },
        }
    }

    fn scan(files: Vec<SourceFile>) -> Scan {
        Scan {
            files,
            folders: Vec::new(),
            skipped: Vec::new(),
        }
    }

    #[test]
    fn walk_order_goes_folder_by_folder() {
        let mut paths = vec!["c/a-c", "c/a/b", "c/a", "c/b.md", "c/a/a"];
        paths.sort_by(|a, b| walk_order(a, b));
        assert_eq!(paths, ["c/a", "c/a/a", "c/a/b", "c/a-c", "c/b.md"]);
    }

    #[test]
    fn changes_are_the_same_in_walk_order_and_out_of_it() {
        let records = vec![
            record("c/a/b.md", 1),
            record("c/a-c.md", 1),
            record("c/gone.md", 1),
            record("c/same.md", 1),
        ];
        let now = scan(vec![
            file("c/a/b.md", 2),
            file("c/a/new.md", 1),
            file("c/a-c.md", 1),
            file("c/same.md", 1),
        ]);
        let merged = changes(&records, &now);
        let shuffled: Vec<FileRecord> = records.iter().rev().cloned().collect();
        let hashed = changes(&shuffled, &now);
        for found in [&merged, &hashed] {
            let rels =
                |files: &[&SourceFile]| files.iter().map(|f| f.rel.clone()).collect::<Vec<_>>();
            assert_eq!(rels(&found.added), ["c/a/new.md"]);
            assert_eq!(rels(&found.changed), ["c/a/b.md"]);
            let removed: Vec<&str> = found.removed.iter().map(|r| r.path.as_ref()).collect();
            assert_eq!(removed, ["c/gone.md"]);
        }
        let read = |at: usize| Listed::Read(&now.files[at]);
        assert_eq!(
            merged.listing,
            [read(0), read(1), Listed::Kept(1), Listed::Kept(3)]
        );
        assert_eq!(merged.touched, [true, false, true, false]);
        assert_eq!(
            hashed.listing,
            [read(0), read(1), Listed::Kept(2), Listed::Kept(0)]
        );
        assert_eq!(hashed.touched, [false, true, false, true]);
    }
}
