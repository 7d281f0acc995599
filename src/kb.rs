//! A knowledge base: a corpus folder and the index built from it.
//!
//! Building reads the corpus into documents and publishes a new index
//! generation. Opening for a search first checks that the index is the
//! corpus's as it is now, and rebuilds it when it is not, unless another
//! process is already doing so.

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::corpus::{self, Corpus, Scan, Skipped};
use crate::error::{Error, Result};
use crate::index::{self, Opened};
use crate::manifest::Manifest;
use crate::store::{BuildLock, IndexDir};
use crate::synonyms::Synonyms;

/// A corpus folder and its index folder.
#[derive(Debug, Clone)]
pub struct KnowledgeBase {
    corpus: PathBuf,
    index: IndexDir,
}

/// What a build did.
#[derive(Debug)]
pub struct BuildReport {
    pub documents: usize,
    pub skipped: Vec<Skipped>,
    pub elapsed: Duration,
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
                "rebuilt the index ({reason}): {} documents in {} ms",
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

    /// Rebuilds the index from the corpus. Fails at once if another process
    /// is building.
    pub fn build(&self) -> Result<BuildReport> {
        let corpus = Corpus::open(&self.corpus)?;
        self.index.current()?;
        let lock = self.index.try_lock()?.ok_or_else(|| Error::IndexBusy {
            path: self.index.path().to_path_buf(),
        })?;
        let scan = corpus.scan()?;
        build_locked(&lock, &corpus, scan)
    }

    /// The synonyms for searching `opened`: the corpus's synonyms file and
    /// the names of its drug notes. Lines of the file that cannot be used
    /// come back as warnings.
    pub fn synonyms(&self, opened: &Opened) -> Result<(Synonyms, Vec<String>)> {
        let path = self.corpus.join(corpus::SYNONYMS_FILE);
        let (mut synonyms, problems) = Synonyms::load(&path);
        for names in opened.drug_names()? {
            synonyms.add_group(&names);
        }
        let shown = path.display();
        let warnings = problems
            .into_iter()
            .map(|problem| format!("{shown}:{}: {}", problem.line, problem.message))
            .collect();
        Ok((synonyms, warnings))
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

    /// Opens the index for searching, rebuilding it first if it does not
    /// match the corpus. `notices` says what was done and why.
    pub fn open_fresh(&self, notices: &mut Vec<Notice>) -> Result<Opened> {
        let corpus = match Corpus::open(&self.corpus).and_then(|c| c.scan().map(|s| (c, s))) {
            Ok(found) => found,
            Err(corpus_error) => {
                // Without a corpus nothing can be rebuilt, but an index built
                // earlier still answers.
                return match self.open_current() {
                    Ok(Some(opened)) => {
                        notices.push(Notice::Stale {
                            reason: corpus_error.to_string(),
                            why_kept: "searching the index as last built".into(),
                        });
                        Ok(opened)
                    }
                    _ => Err(corpus_error),
                };
            }
        };
        let (corpus, scan) = corpus;
        // Twice at most: once more after waiting for another process's build.
        for _ in 0..2 {
            let (usable, reason) = match self.open_current() {
                Ok(Some(opened)) => match opened.manifest.staleness(corpus.dir(), &scan) {
                    None => return Ok(opened),
                    Some(reason) => (Some(opened), reason),
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
            match build_locked(&lock, &corpus, scan) {
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
    /// (Self::open_fresh) opens it, rebuilt first if need be. The check costs
    /// a walk of the corpus folder and no index reads.
    pub fn reopen_fresh(
        &self,
        previous: &Opened,
        notices: &mut Vec<Notice>,
    ) -> Result<Option<Opened>> {
        if let Ok(corpus) = Corpus::open(&self.corpus) {
            if let (Ok(scan), Ok(Some(current))) = (corpus.scan(), self.index.current()) {
                if current == previous.dir
                    && previous.manifest.staleness(corpus.dir(), &scan).is_none()
                {
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

/// Reads every corpus file and writes a new index generation.
fn build_locked(lock: &BuildLock, corpus: &Corpus, scan: Scan) -> Result<BuildReport> {
    let started = Instant::now();
    let mut skipped = scan.skipped.clone();
    let mut docs = Vec::with_capacity(scan.files.len());
    let mut paths_by_id: HashMap<String, String> = HashMap::new();
    for file in &scan.files {
        match corpus::load(file) {
            Ok(doc) => {
                if let Some(first) = paths_by_id.get(&doc.id) {
                    skipped.push(Skipped {
                        path: file.rel.clone(),
                        line: None,
                        reason: format!(
                            "duplicate id '{}' (also used by {first}); rename one",
                            doc.id
                        ),
                    });
                    continue;
                }
                paths_by_id.insert(doc.id.clone(), doc.path.clone());
                docs.push(doc);
            }
            Err(skip) => skipped.push(skip),
        }
    }
    let staging = lock.stage()?;
    index::write(&staging.path, &docs)?;
    Manifest::new(corpus.dir(), &scan, docs.len()).save(&staging.path)?;
    lock.publish(staging)?;
    Ok(BuildReport {
        documents: docs.len(),
        skipped,
        elapsed: started.elapsed(),
    })
}
