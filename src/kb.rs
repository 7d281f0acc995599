//! A knowledge base: a corpus folder and the index built from it.
//!
//! Building reads the corpus into documents and publishes a new index
//! generation. Opening for a search first checks that the index is the
//! corpus's as it is now, and rebuilds it when it is not, unless another
//! process is already doing so.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use rustc_hash::FxHashMap;

use crate::corpus::{self, Corpus, Scan, Skipped, SourceFile};
use crate::doc::Doc;
use crate::error::{Error, Result};
use crate::file_list;
use crate::index::{Opened, Writer};
use crate::lexicon::Lexicon;
use crate::manifest::{self, Changes, FileRecord, Listed, Manifest, Outcome, SCHEMA_VERSION};
use crate::rescan;
use crate::store::{BuildLock, IndexDir};
use crate::synonyms::{self, Synonyms};

/// A corpus folder and its index folder.
#[derive(Debug, Clone)]
pub struct KnowledgeBase {
    corpus: PathBuf,
    index: IndexDir,
}

/// What a build did.
#[derive(Debug)]
pub struct BuildReport {
    pub kind: BuildKind,
    /// Documents in the index now.
    pub documents: usize,
    /// Corpus files added, changed and removed since the last build (for a
    /// full build: every file counts as added).
    pub added: usize,
    pub changed: usize,
    pub removed: usize,
    /// Every file the index leaves out, and why.
    pub skipped: Vec<Skipped>,
    /// Whether an update compiled a changed synonyms file.
    pub synonyms_changed: bool,
    pub elapsed: Duration,
}

/// Told `(read, to_read)` as a build reads corpus files.
pub type Progress<'a> = &'a dyn Fn(usize, usize);

/// How a build brought the index up to date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BuildKind {
    /// Every file was read and a new index written.
    Full,
    /// Only added, changed and removed files were read; the rest of the
    /// index was carried over.
    Update,
    /// Nothing had changed.
    UpToDate,
}

/// Something a person should know about how a search was answered.
#[derive(Debug)]
pub enum Notice {
    /// The index was missing or stale and has been rebuilt.
    Rebuilt { reason: String, report: BuildReport },
    /// The index is stale but could not be rebuilt now; it was used as it is.
    Stale { reason: String, why_kept: String },
}

impl fmt::Display for Notice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Notice::Rebuilt { reason, report } => write!(
                f,
                "{} the index ({reason}): {} documents in {} ms",
                match report.kind {
                    BuildKind::Full => "rebuilt",
                    BuildKind::Update | BuildKind::UpToDate => "updated",
                },
                report.documents,
                report.elapsed.as_millis()
            ),
            Notice::Stale { reason, why_kept } => {
                write!(f, "the index may be out of date ({reason}); {why_kept}")
            }
        }
    }
}

impl KnowledgeBase {
    pub fn new(corpus: &Path, index: &Path) -> KnowledgeBase {
        KnowledgeBase {
            corpus: corpus.to_path_buf(),
            index: IndexDir::new(index),
        }
    }

    pub fn index_dir(&self) -> &Path {
        self.index.path()
    }

    /// Brings the index up to date with the corpus: re-reads only the files
    /// added, changed or removed since the last build, or every file when
    /// `full` is set or there is no usable index to update. Fails at once if
    /// another process is building.
    pub fn build(&self, full: bool) -> Result<BuildReport> {
        self.build_with_progress(full, &|_, _| {})
    }

    /// [`build`](Self::build), calling `progress(read, to_read)` as it reads
    /// corpus files.
    pub fn build_with_progress(&self, full: bool, progress: Progress<'_>) -> Result<BuildReport> {
        let corpus = Corpus::open(&self.corpus)?;
        self.index.current()?;
        let lock = self.index.try_lock()?.ok_or_else(|| Error::IndexBusy {
            path: self.index.path().to_path_buf(),
        })?;
        let started = Instant::now();
        let scan = corpus.scan_parallel()?;
        let previous = if full {
            None
        } else {
            self.open_current().ok().flatten()
        };
        build_locked(&lock, &corpus, scan, previous.as_ref(), started, progress)
    }

    /// [`build`](Self::build) looking only at `paths`, files or folders of
    /// the corpus (absolute, or relative to the working folder) said to be
    /// added, changed or removed since the last build: the rest of the corpus
    /// is taken to be as the last build listed it. Without an index to update,
    /// or when an update cannot carry it, every file is looked at.
    pub fn build_paths(&self, paths: &[PathBuf], progress: Progress<'_>) -> Result<BuildReport> {
        let corpus = Corpus::open(&self.corpus)?;
        let targets = paths
            .iter()
            .map(|path| corpus.relative(path))
            .collect::<Result<Vec<_>>>()?;
        self.index.current()?;
        let lock = self.index.try_lock()?.ok_or_else(|| Error::IndexBusy {
            path: self.index.path().to_path_buf(),
        })?;
        let started = Instant::now();
        let previous = self.open_current().ok().flatten();
        if let Some(previous) = previous.as_ref().filter(|p| is_updatable(p, &corpus)) {
            if let Some(report) =
                update_paths(&lock, &corpus, &targets, previous, started, progress)?
            {
                return Ok(report);
            }
        }
        let scan = corpus.scan_parallel()?;
        build_locked(&lock, &corpus, scan, previous.as_ref(), started, progress)
    }

    /// The synonyms for searching `opened`: the corpus's synonyms file and
    /// the names of its drug notes, as the build compiled them if the file
    /// has not changed since. Lines of the file that cannot be used come
    /// back as warnings.
    pub fn synonyms(&self, opened: &Opened) -> (Synonyms, Vec<String>) {
        let path = self.corpus.join(corpus::SYNONYMS_FILE);
        let file = std::fs::read(&path).ok();
        let compiled = compiled_synonyms(&opened.dir, file.as_deref())
            .unwrap_or_else(|| Synonyms::compile(file.as_deref(), &opened.drug_names()));
        let shown = path.display();
        let warnings = compiled
            .problems
            .into_iter()
            .map(|problem| format!("{shown}:{}: {}", problem.line, problem.message))
            .collect();
        (compiled.synonyms, warnings)
    }

    /// Opens the current index without checking it against the corpus.
    pub fn open_as_built(&self) -> Result<Opened> {
        match self.open_current()? {
            Some(opened) => Ok(opened),
            None => Err(Error::NoIndex {
                path: self.index.path().to_path_buf(),
            }),
        }
    }

    /// Opens the index for searching, bringing it up to date first if it
    /// does not match the corpus. `notices` says what was done and why.
    pub fn open_fresh(&self, notices: &mut Vec<Notice>) -> Result<Opened> {
        // Without a corpus nothing can be rebuilt, but an index built earlier
        // still answers.
        let keep_as_built =
            |corpus_error: Error, notices: &mut Vec<Notice>| match self.open_current() {
                Ok(Some(opened)) => {
                    notices.push(Notice::Stale {
                        reason: corpus_error.to_string(),
                        why_kept: "searching the index as last built".into(),
                    });
                    Ok(opened)
                }
                _ => Err(corpus_error),
            };
        let corpus = match Corpus::open(&self.corpus) {
            Ok(corpus) => corpus,
            Err(corpus_error) => return keep_as_built(corpus_error, notices),
        };
        // Twice at most: once more after waiting for another process's build.
        for _ in 0..2 {
            let (usable, reason) = match self.open_current() {
                Ok(Some(opened)) => match staleness(&opened, &corpus) {
                    Ok(None) => return Ok(opened),
                    Ok(Some(reason)) => (Some(opened), reason),
                    Err(corpus_error) => return keep_as_built(corpus_error, notices),
                },
                Ok(None) => (None, "there was none yet".to_string()),
                Err(err @ Error::NotAnIndex { .. }) => return Err(err),
                Err(Error::IndexOutdated { version, .. }) => (
                    None,
                    format!("it was built by medkb {version} in an older format"),
                ),
                Err(err) => (None, err.to_string()),
            };
            let keep_stale = |why_kept: String, notices: &mut Vec<Notice>, opened| {
                notices.push(Notice::Stale {
                    reason: reason.clone(),
                    why_kept,
                });
                Ok(opened)
            };
            let lock = match (self.index.try_lock(), usable) {
                (Ok(Some(lock)), usable) => (lock, usable),
                (Ok(None), Some(opened)) => {
                    return keep_stale("another process is rebuilding it".into(), notices, opened)
                }
                (Ok(None), None) => {
                    drop(self.index.lock()?);
                    continue;
                }
                (Err(err), Some(opened)) => {
                    return keep_stale(format!("it cannot be rebuilt: {err}"), notices, opened)
                }
                (Err(err), None) => return Err(err),
            };
            let (lock, usable) = lock;
            let started = Instant::now();
            let built = corpus.scan().and_then(|scan| {
                build_locked(&lock, &corpus, scan, usable.as_ref(), started, &|_, _| {})
            });
            match built {
                Ok(report) => {
                    drop(lock);
                    notices.push(Notice::Rebuilt { reason, report });
                    return self.open_as_built();
                }
                Err(err) => match usable {
                    Some(opened) => {
                        return keep_stale(format!("rebuilding it failed: {err}"), notices, opened)
                    }
                    None => return Err(err),
                },
            }
        }
        self.open_as_built()
    }

    /// For a long-running process holding `previous`: `None` when it is
    /// still the generation `CURRENT` names and still matches the corpus, so
    /// it can go on being used; otherwise the index as [`open_fresh`]
    /// (Self::open_fresh) opens it, brought up to date first if need be. The
    /// check is the one a search makes, and reads nothing of the index.
    pub fn reopen_fresh(
        &self,
        previous: &Opened,
        notices: &mut Vec<Notice>,
    ) -> Result<Option<Opened>> {
        if let Ok(corpus) = Corpus::open(&self.corpus) {
            if let Ok(Some(current)) = self.index.current() {
                if current == previous.dir && matches!(staleness(previous, &corpus), Ok(None)) {
                    return Ok(None);
                }
            }
        }
        self.open_fresh(notices).map(Some)
    }

    /// Opens the generation `CURRENT` names. A search that read `CURRENT`
    /// just before a build replaced it may find its generation gone: read
    /// the pointer again once before calling the index damaged.
    fn open_current(&self) -> Result<Option<Opened>> {
        let Some(generation) = self.index.current()? else {
            return Ok(None);
        };
        match Opened::open(&generation) {
            Ok(opened) => Ok(Some(opened)),
            Err(first_error) => match self.index.current()? {
                Some(again) if again != generation => Opened::open(&again).map(Some),
                _ => Err(first_error),
            },
        }
    }
}

/// Why `opened` no longer matches the corpus, or `None` when it does. For a
/// large corpus this looks only at folder times (see
/// [`manifest::FULL_CHECK_MAX_FILES`]); an error means the corpus could not
/// be read.
fn staleness(opened: &Opened, corpus: &Corpus) -> Result<Option<String>> {
    let manifest = &opened.manifest;
    if let Some(reason) = manifest.mismatch(corpus.dir()) {
        return Ok(Some(reason));
    }
    if !manifest.needs_full_check() {
        return Ok(manifest.changed_folder(corpus.dir()));
    }
    let scan = corpus.scan()?;
    if Manifest::files_text(&opened.dir)
        .is_ok_and(|text| file_list::lists_exactly(&text, &scan.files))
    {
        return Ok(None);
    }
    let described = Manifest::files_text(&opened.dir).and_then(|text| {
        let records = Manifest::parse_files(&opened.dir, &text)?;
        Ok(manifest::changes(&records, &scan).describe())
    });
    Ok(described.unwrap_or_else(|damaged| Some(damaged.to_string())))
}

/// Writes a new index generation: an update of `previous` when there is one
/// built from this corpus in this format, else a full build. `started` is
/// when the walk of the corpus began, so that reports count it.
fn build_locked(
    lock: &BuildLock,
    corpus: &Corpus,
    scan: Scan,
    previous: Option<&Opened>,
    started: Instant,
    progress: Progress<'_>,
) -> Result<BuildReport> {
    let updatable = previous.filter(|previous| is_updatable(previous, corpus));
    let listed = updatable.and_then(|previous| Manifest::files_text(&previous.dir).ok());
    let updated = match updatable.zip(listed.as_deref()) {
        Some((previous, text)) => match Manifest::parse_files(&previous.dir, text) {
            Ok(records) => {
                let changes = manifest::changes(&records, &scan);
                update(
                    lock, corpus, &scan, &changes, previous, &records, started, progress,
                )
            }
            Err(_) => Ok(None),
        },
        None => Ok(None),
    };
    drop_in_background(listed);
    let report = updated.and_then(|updated| match updated {
        Some(report) => Ok(report),
        None => full_build(lock, corpus, &scan, started, progress),
    });
    drop_in_background(scan);
    report
}

/// Whether `previous` can be updated into the next generation: built from
/// this corpus, in this format.
fn is_updatable(previous: &Opened, corpus: &Corpus) -> bool {
    previous.manifest.schema_version == SCHEMA_VERSION && previous.manifest.corpus == corpus.dir()
}

/// Updates `previous` looking at `targets` alone (see
/// [`KnowledgeBase::build_paths`]); `None` when every file must be looked at.
fn update_paths(
    lock: &BuildLock,
    corpus: &Corpus,
    targets: &[String],
    previous: &Opened,
    started: Instant,
    progress: Progress<'_>,
) -> Result<Option<BuildReport>> {
    let Ok(text) = Manifest::files_text(&previous.dir) else {
        return Ok(None);
    };
    let Ok(records) = Manifest::parse_files(&previous.dir, &text) else {
        return Ok(None);
    };
    let scan = rescan::look_again(corpus, &previous.manifest.folders, targets);
    let Some(changes) = rescan::changes(&records, targets, &scan) else {
        return Ok(None);
    };
    let updated = update(
        lock, corpus, &scan, &changes, previous, &records, started, progress,
    );
    drop(changes);
    drop(records);
    drop_in_background(text);
    updated
}

/// Frees `value` on a thread of its own. A large corpus's file lists are
/// hundreds of thousands of allocations, and freeing them would be the last
/// thing a build waits for, its work done.
fn drop_in_background<T: Send + 'static>(value: T) {
    // A thread that cannot start hands the value back to be dropped here.
    let _ = std::thread::Builder::new().spawn(move || drop(value));
}

/// Runs `finish` while the file list is written into `dir` beside it: a
/// large corpus's list is megabytes to format and flush to disk, and need
/// not wait for the index.
fn finish_beside_file_list<T>(
    dir: &Path,
    records: &[FileRecord<'_>],
    finish: impl FnOnce() -> Result<T>,
) -> Result<T> {
    std::thread::scope(|scope| {
        let files = scope.spawn(|| Manifest::save_files(dir, records));
        let finished = finish();
        let saved = files
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        let finished = finished?;
        saved.map(|()| finished)
    })
}

/// Reads every corpus file into a new index.
fn full_build(
    lock: &BuildLock,
    corpus: &Corpus,
    scan: &Scan,
    started: Instant,
    progress: Progress<'_>,
) -> Result<BuildReport> {
    let staging = lock.stage()?;
    let mut writer = Writer::create(&staging.path, scan.files.len())?;
    let mut paths_by_id: FxHashMap<String, String> = FxHashMap::default();
    let mut records = Vec::with_capacity(scan.files.len());
    let mut documents = 0;
    let mut drug_names = BTreeMap::new();
    let files: Vec<&SourceFile> = scan.files.iter().collect();
    corpus::load_each(&files, |file, loaded| {
        progress(records.len() + 1, files.len());
        let outcome = match loaded {
            Ok(doc) => match paths_by_id.get(&doc.id) {
                Some(first) => duplicate(doc.id, first),
                None => {
                    writer.add(&doc)?;
                    documents += 1;
                    record_drug_names(&mut drug_names, &doc);
                    paths_by_id.insert(doc.id.clone(), doc.path);
                    Outcome::Indexed { id: doc.id.into() }
                }
            },
            Err(skip) => Outcome::Skipped {
                line: skip.line,
                reason: skip.reason.into(),
            },
        };
        records.push(FileRecord::new(file, outcome));
        Ok::<(), Error>(())
    })?;
    let token_totals = finish_beside_file_list(&staging.path, &records, || writer.finish())?;
    let manifest = Manifest {
        token_totals,
        drug_names,
        ..Manifest::new(corpus.dir(), scan, documents)
    };
    save_synonyms(corpus, &manifest, &staging.path)?;
    manifest.save(&staging.path)?;
    lock.publish(staging)?;
    let report = BuildReport {
        kind: BuildKind::Full,
        documents,
        added: scan.files.len(),
        changed: 0,
        removed: 0,
        skipped: skipped(scan, &records),
        synonyms_changed: false,
        elapsed: started.elapsed(),
    };
    drop_in_background(paths_by_id);
    Ok(report)
}

/// Carries `previous` over into a new generation, re-reading only the files
/// that changed: `changes` from its `records`, with the folders and files
/// left out in `scan`. `None` when a full build must decide instead: when
/// ids collide, which file keeps an id depends on every file's path.
#[allow(clippy::too_many_arguments)]
fn update(
    lock: &BuildLock,
    corpus: &Corpus,
    scan: &Scan,
    changes: &Changes<'_>,
    previous: &Opened,
    records: &[FileRecord<'_>],
    started: Instant,
    progress: Progress<'_>,
) -> Result<Option<BuildReport>> {
    // A previous generation without a usable lexicon is rebuilt in full.
    let Ok(lexicon) = Lexicon::read(&previous.dir) else {
        return Ok(None);
    };
    // A new synonyms file is compiled into a new generation too.
    let synonyms_changed =
        compiled_synonyms(&previous.dir, synonyms_file(corpus).as_deref()).is_none();
    let report = |kind, documents, records: &[FileRecord<'_>]| BuildReport {
        kind,
        documents,
        added: changes.added.len(),
        changed: changes.changed.len(),
        removed: changes.removed.len(),
        skipped: skipped(scan, records),
        synonyms_changed,
        elapsed: started.elapsed(),
    };
    if changes.is_empty() && previous.manifest.folders == scan.folders && !synonyms_changed {
        return Ok(Some(report(
            BuildKind::UpToDate,
            previous.manifest.documents,
            records,
        )));
    }
    let to_read: Vec<&SourceFile> = changes
        .added
        .iter()
        .chain(&changes.changed)
        .copied()
        .collect();
    let mut loaded: HashMap<&str, Result<Doc, Skipped>> = HashMap::new();
    corpus::load_each(&to_read, |file, outcome| {
        progress(loaded.len() + 1, to_read.len());
        loaded.insert(file.rel.as_str(), outcome);
        Ok::<(), Error>(())
    })?;
    // A full build decides when a new document's id is held by a file left
    // as it was, or when an id that a file was left out for as a duplicate
    // is no longer held by one (its holder changed: the duplicate might win).
    let untouched = || {
        records
            .iter()
            .zip(&changes.touched)
            .filter(|(_, &touched)| !touched)
            .map(|(record, _)| record)
    };
    let mut new_ids: HashSet<&str> = HashSet::new();
    for doc in loaded.values().flatten() {
        if !new_ids.insert(&doc.id) {
            return Ok(None);
        }
    }
    let duplicates: HashSet<&str> = untouched()
        .filter_map(|record| match &record.outcome {
            Outcome::Duplicate { id, .. } => Some(id.as_ref()),
            _ => None,
        })
        .collect();
    let mut held: HashSet<&str> = HashSet::new();
    for record in untouched() {
        if let Outcome::Indexed { id } = &record.outcome {
            if new_ids.contains(id.as_ref()) {
                return Ok(None);
            }
            if duplicates.contains(id.as_ref()) {
                held.insert(id);
            }
        }
    }
    if held.len() < duplicates.len() {
        return Ok(None);
    }

    let staging = lock.stage()?;
    let mut writer = Writer::update_copy(&previous.dir, &staging.path, lexicon)?;
    let mut documents = previous.manifest.documents;
    let mut drug_names = previous.manifest.drug_names.clone();
    for (record, _) in records
        .iter()
        .zip(&changes.touched)
        .filter(|(_, &touched)| touched)
    {
        if let Outcome::Indexed { id } = &record.outcome {
            writer.remove(id);
            drug_names.remove(id.as_ref());
            documents -= 1;
        }
    }
    let mut new_records = Vec::with_capacity(changes.listing.len());
    for listed in &changes.listing {
        let file = match *listed {
            Listed::Kept(index) => {
                new_records.push(records[index].clone());
                continue;
            }
            Listed::Read(file) => file,
        };
        let outcome = match loaded.remove(file.rel.as_str()) {
            Some(Ok(doc)) => {
                writer.add(&doc)?;
                documents += 1;
                record_drug_names(&mut drug_names, &doc);
                Outcome::Indexed { id: doc.id.into() }
            }
            Some(Err(skip)) => Outcome::Skipped {
                line: skip.line,
                reason: skip.reason.into(),
            },
            None => continue, // unreachable: every new file was read
        };
        new_records.push(FileRecord::new(file, outcome));
    }
    let token_totals =
        finish_beside_file_list(&staging.path, &new_records, || writer.finish_compacted())?;
    let manifest = Manifest {
        token_totals,
        drug_names,
        files: new_records.len(),
        ..Manifest::new(corpus.dir(), scan, documents)
    };
    save_synonyms(corpus, &manifest, &staging.path)?;
    manifest.save(&staging.path)?;
    lock.publish(staging)?;
    Ok(Some(report(BuildKind::Update, documents, &new_records)))
}

/// The corpus's synonyms file as it is now; `None` when there is none.
fn synonyms_file(corpus: &Corpus) -> Option<Vec<u8>> {
    std::fs::read(corpus.dir().join(corpus::SYNONYMS_FILE)).ok()
}

/// The synonyms the generation in `dir` compiled, if from this `file`.
fn compiled_synonyms(dir: &Path, file: Option<&[u8]>) -> Option<synonyms::Compiled> {
    synonyms::Compiled::load(&dir.join(synonyms::COMPILED_FILE_NAME))
        .filter(|compiled| compiled.is_of(file))
}

/// Compiles the corpus's synonyms for the generation in `dir`, so that
/// searches need not.
fn save_synonyms(corpus: &Corpus, manifest: &Manifest, dir: &Path) -> Result<()> {
    let drug_names: Vec<Vec<String>> = manifest.drug_names.values().cloned().collect();
    let path = dir.join(synonyms::COMPILED_FILE_NAME);
    Synonyms::compile(synonyms_file(corpus).as_deref(), &drug_names)
        .save(&path)
        .map_err(|err| Error::write(&path, err))
}

/// Records the names of a drug note (tagged `drug`): its title and aliases.
fn record_drug_names(drug_names: &mut BTreeMap<String, Vec<String>>, doc: &Doc) {
    if doc.tags.iter().any(|tag| tag == "drug") {
        let names = std::iter::once(&doc.title).chain(&doc.aliases).cloned();
        drug_names.insert(doc.id.clone(), names.collect());
    }
}

fn duplicate(id: String, first: &str) -> Outcome<'static> {
    let reason = format!("duplicate id '{id}' (also used by {first}); rename one");
    Outcome::Duplicate {
        id: id.into(),
        reason: reason.into(),
    }
}

/// What the index leaves out: folders the walk could not read, then files.
fn skipped(scan: &Scan, records: &[FileRecord<'_>]) -> Vec<Skipped> {
    let files = records.iter().filter_map(|record| match &record.outcome {
        Outcome::Indexed { .. } => None,
        Outcome::Skipped { line, reason } => Some(Skipped {
            path: record.path.to_string(),
            line: *line,
            reason: reason.to_string(),
        }),
        Outcome::Duplicate { reason, .. } => Some(Skipped {
            path: record.path.to_string(),
            line: None,
            reason: reason.to_string(),
        }),
    });
    scan.skipped.iter().cloned().chain(files).collect()
}
