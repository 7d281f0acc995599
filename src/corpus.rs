//! The corpus: a folder of Markdown (`.md`) and plain-text (`.txt`) files.
//!
//! In: a folder. Out: the list of source files with their sizes and times
//! (cheap: the freshness check runs it before every search) and, file by
//! file, a [`Doc`] or the reason the file was skipped.

use std::ffi::{OsStr, OsString};
use std::fmt;
use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::UNIX_EPOCH;

use crate::doc::{self, Citation, Doc, Kind};
use crate::error::{Error, Result};
use crate::frontmatter;
use crate::held_folder::FolderOpener;
use crate::markdown;

/// Files larger than this are skipped: no article is this long, and reading
/// one would cost every search.
pub const MAX_FILE_BYTES: u64 = 10 * 1024 * 1024;

/// Folders nested deeper than this below the corpus are skipped.
pub const MAX_DEPTH: usize = 32;

/// The synonyms list at the corpus root: configuration, not a document.
pub const SYNONYMS_FILE: &str = "synonyms.txt";

/// A corpus folder.
#[derive(Debug, Clone)]
pub struct Corpus {
    dir: PathBuf,
    /// The folder's own name, which starts every document path
    /// (`corpus/notes/x.md`), so paths read from the knowledge base root.
    name: String,
}

/// A document file found in the corpus.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceFile {
    pub path: PathBuf,
    /// The path shown to people and stored in the index: `corpus/notes/x.md`.
    pub rel: String,
    pub size: u64,
    pub modified_ns: u64,
}

/// A file that was not indexed, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    pub path: String,
    pub line: Option<usize>,
    pub reason: String,
}

impl fmt::Display for Skipped {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}:{}: {}", self.path, line, self.reason),
            None => write!(f, "{}: {}", self.path, self.reason),
        }
    }
}

/// A folder of the corpus and its modification time, which changes when a
/// file in it is added, removed or renamed. Saved as a pair, `[path, time]`:
/// every search reads them all, and a pair parses in a fraction of the time
/// of an object with named fields.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(from = "(String, u64)", into = "(String, u64)")]
pub struct FolderStamp {
    /// Relative to the corpus folder, `/`-separated; empty for the corpus itself.
    pub path: String,
    pub modified_ns: u64,
}

impl From<(String, u64)> for FolderStamp {
    fn from((path, modified_ns): (String, u64)) -> FolderStamp {
        FolderStamp { path, modified_ns }
    }
}

impl From<FolderStamp> for (String, u64) {
    fn from(stamp: FolderStamp) -> (String, u64) {
        (stamp.path, stamp.modified_ns)
    }
}

/// What a walk of the corpus found.
#[derive(Debug, Default)]
pub struct Scan {
    pub files: Vec<SourceFile>,
    pub folders: Vec<FolderStamp>,
    pub skipped: Vec<Skipped>,
}

/// A file's or folder's modification time in nanoseconds since the epoch.
pub fn modified_ns(path: &Path) -> std::io::Result<u64> {
    fs::metadata(path).map(|meta| stamp_of(&meta))
}

fn stamp_of(meta: &fs::Metadata) -> u64 {
    meta.modified()
        .ok()
        .and_then(|time| time.duration_since(UNIX_EPOCH).ok())
        .map_or(0, |since| since.as_nanos() as u64)
}

impl Corpus {
    /// A corpus at `dir`, which must be a readable folder.
    pub fn open(dir: &Path) -> Result<Corpus> {
        let meta = match fs::metadata(dir) {
            Ok(meta) => meta,
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
                return Err(Error::CorpusMissing {
                    path: dir.to_path_buf(),
                })
            }
            Err(err) => return Err(Error::read(dir, err)),
        };
        if !meta.is_dir() {
            return Err(Error::CorpusNotAFolder {
                path: dir.to_path_buf(),
            });
        }
        let absolute = fs::canonicalize(dir).map_err(|err| Error::read(dir, err))?;
        let name = absolute
            .file_name()
            .map(|name| name.to_string_lossy().into_owned())
            .unwrap_or_else(|| "corpus".to_string());
        Ok(Corpus {
            dir: absolute,
            name,
        })
    }

    /// The corpus folder, made absolute.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The file or folder at `rel`, a path as the index names it
    /// (`corpus/notes/x.md`).
    pub fn path_of(&self, rel: &str) -> PathBuf {
        match rel.split_once('/') {
            Some((_, below)) => self.dir.join(below),
            None => self.dir.clone(),
        }
    }

    /// `path` (absolute, or relative to the working folder) as the index
    /// names it, `corpus/notes/x.md`. It need not exist: a file removed is
    /// named to take it out of the index. Its folder is resolved, links and
    /// all; its own name is kept, so a link in the corpus stays itself.
    pub fn relative(&self, path: &Path) -> Result<String> {
        let not_in_corpus = || Error::NotInCorpus {
            path: path.to_path_buf(),
            corpus: self.dir.clone(),
        };
        let absolute = std::path::absolute(path).map_err(|err| Error::read(path, err))?;
        // The longest part of it that exists is resolved; the rest, named
        // but gone, is kept as written.
        let mut rest = Vec::new();
        let mut existing = absolute.as_path();
        let resolved = loop {
            let (Some(parent), Some(name)) = (existing.parent(), existing.file_name()) else {
                return Err(not_in_corpus());
            };
            rest.push(name);
            existing = parent;
            if let Ok(resolved) = fs::canonicalize(existing) {
                break resolved;
            }
        };
        let resolved = rest
            .iter()
            .rev()
            .fold(resolved, |path, name| path.join(name));
        let below = resolved
            .strip_prefix(&self.dir)
            .map_err(|_| not_in_corpus())?;
        let mut rel = self.name.clone();
        for part in below.components() {
            let std::path::Component::Normal(part) = part else {
                return Err(not_in_corpus());
            };
            let part = part.to_str().ok_or_else(not_in_corpus)?;
            rel.push('/');
            rel.push_str(part);
        }
        Ok(rel)
    }

    /// What a walk of the corpus would find at each of `rels` (paths as the
    /// index names them): the file, or the folder and everything below it;
    /// nothing for a path that is gone or that a walk leaves out.
    pub fn scan_paths(&self, rels: &[String]) -> Scan {
        let mut scan = Scan::default();
        for rel in rels {
            let below: Vec<&str> = rel.split('/').skip(1).collect();
            let Some((name, folders)) = below.split_last() else {
                self.walk(&self.dir, &self.name, 0, &mut scan);
                continue;
            };
            let left_out = below.iter().any(|part| part.starts_with('.'))
                || (folders.is_empty() && *name == SYNONYMS_FILE);
            // A walk never reaches below a folder nested too deep.
            if left_out || folders.len() >= MAX_DEPTH {
                continue;
            }
            let parent_rel = &rel[..rel.len() - name.len() - 1];
            let dir = self.path_of(parent_rel);
            let path = dir.join(name);
            let depth = folders.len();
            let meta = fs::symlink_metadata(&path);
            if let Some((path, rel_path)) =
                self.visit(&dir, OsStr::new(name), meta, parent_rel, depth, &mut scan)
            {
                self.walk(&path, &rel_path, depth + 1, &mut scan);
            }
        }
        scan
    }

    /// Walks the corpus in a stable order, without reading any file.
    pub fn scan(&self) -> Result<Scan> {
        self.scan_on(1)
    }

    /// [`scan`](Self::scan) with the corpus's top folders shared among
    /// every core: a build walks every file, and on a large corpus the
    /// walk is mostly waiting for the file system.
    pub fn scan_parallel(&self) -> Result<Scan> {
        self.scan_on(std::thread::available_parallelism().map_or(1, |n| n.get().min(8)))
    }

    fn scan_on(&self, threads: usize) -> Result<Scan> {
        let mut scan = Scan::default();
        // The corpus folder itself must be readable; a folder below it that
        // is not is reported and skipped.
        self.stamp_folder(&self.dir, &self.name, &mut scan);
        let entries = fs::read_dir(&self.dir).map_err(|err| Error::read(&self.dir, err))?;
        if threads <= 1 {
            self.walk_entries(&self.dir, entries, &self.name, 0, &mut scan);
            return Ok(scan);
        }
        // One part per top entry, the folders among them walked in
        // parallel, then joined in order: the same scan as one thread's.
        let mut parts = Vec::new();
        let mut folders = Vec::new();
        for (file_name, entry) in sorted(entries) {
            let mut part = Scan::default();
            if let Some(folder) = self.visit(
                &self.dir,
                &file_name,
                entry.metadata(),
                &self.name,
                0,
                &mut part,
            ) {
                folders.push((parts.len(), folder));
            }
            parts.push(part);
        }
        let share = folders.len().div_ceil(threads).max(1);
        let walked: Vec<(usize, Scan)> = std::thread::scope(|scope| {
            let workers: Vec<_> = folders
                .chunks(share)
                .map(|chunk| {
                    scope.spawn(move || {
                        chunk
                            .iter()
                            .map(|(slot, (path, rel))| {
                                let mut part = Scan::default();
                                self.walk(path, rel, 1, &mut part);
                                (*slot, part)
                            })
                            .collect::<Vec<_>>()
                    })
                })
                .collect();
            workers
                .into_iter()
                .flat_map(|worker| worker.join().expect("walking a folder does not panic"))
                .collect()
        });
        for (slot, part) in walked {
            parts[slot] = part;
        }
        for part in parts {
            scan.files.extend(part.files);
            scan.folders.extend(part.folders);
            scan.skipped.extend(part.skipped);
        }
        Ok(scan)
    }

    /// Records a folder's time before reading it, so that a change made
    /// during the walk shows as a change at the next check.
    fn stamp_folder(&self, dir: &Path, rel: &str, scan: &mut Scan) {
        if let Ok(modified_ns) = modified_ns(dir) {
            let path = rel.split_once('/').map_or("", |(_, below)| below);
            scan.folders.push(FolderStamp {
                path: path.to_string(),
                modified_ns,
            });
        }
    }

    fn walk(&self, dir: &Path, rel: &str, depth: usize, scan: &mut Scan) {
        self.stamp_folder(dir, rel, scan);
        match fs::read_dir(dir) {
            Ok(entries) => self.walk_entries(dir, entries, rel, depth, scan),
            Err(err) => scan
                .skipped
                .push(skipped(rel, format!("cannot read folder: {err}"))),
        }
    }

    fn walk_entries(
        &self,
        dir: &Path,
        entries: fs::ReadDir,
        rel: &str,
        depth: usize,
        scan: &mut Scan,
    ) {
        for (file_name, entry) in sorted(entries) {
            if let Some((path, rel_path)) =
                self.visit(dir, &file_name, entry.metadata(), rel, depth, scan)
            {
                self.walk(&path, &rel_path, depth + 1, scan);
            }
        }
    }

    /// Records one entry of the folder `dir` at `rel` in `scan`, given its
    /// own metadata (a link's, not its target's); a folder to walk comes back
    /// as its path and relative path.
    fn visit(
        &self,
        dir: &Path,
        file_name: &OsStr,
        link_meta: std::io::Result<fs::Metadata>,
        rel: &str,
        depth: usize,
        scan: &mut Scan,
    ) -> Option<(PathBuf, String)> {
        let Some(name) = file_name.to_str() else {
            let shown = format!("{rel}/{}", file_name.to_string_lossy());
            scan.skipped.push(skipped(
                &shown,
                "file name is not valid UTF-8 (rename it)".into(),
            ));
            return None;
        };
        if name.starts_with('.') || (depth == 0 && name == SYNONYMS_FILE) {
            return None;
        }
        let mut rel_path = String::with_capacity(rel.len() + 1 + name.len());
        rel_path.push_str(rel);
        rel_path.push('/');
        rel_path.push_str(name);
        // Made to measure: `entry.path()` copies the folder's path and then
        // grows the copy, two allocations for each of a large corpus's files.
        let mut path = PathBuf::with_capacity(dir.as_os_str().len() + 1 + file_name.len());
        path.push(dir);
        path.push(file_name);
        // An entry removed while we walked is no longer part of the corpus.
        let link_meta = link_meta.ok()?;
        let meta = if link_meta.file_type().is_symlink() {
            match fs::metadata(&path) {
                Ok(meta) if meta.is_dir() => {
                    scan.skipped
                        .push(skipped(&rel_path, "link to a folder, not followed".into()));
                    return None;
                }
                Ok(meta) => meta,
                Err(_) => {
                    scan.skipped
                        .push(skipped(&rel_path, "broken symbolic link".into()));
                    return None;
                }
            }
        } else {
            link_meta
        };
        if meta.is_dir() {
            if depth + 1 >= MAX_DEPTH {
                let reason = format!("folder nested deeper than {MAX_DEPTH} levels, not read");
                scan.skipped.push(skipped(&rel_path, reason));
                return None;
            }
            return Some((path, rel_path));
        }
        if meta.is_file() && is_document_name(name) {
            scan.files.push(SourceFile {
                path,
                rel: rel_path,
                size: meta.len(),
                modified_ns: stamp_of(&meta),
            });
        }
        None
    }
}

/// A folder's entries, sorted by name.
fn sorted(entries: fs::ReadDir) -> Vec<(OsString, fs::DirEntry)> {
    let mut entries: Vec<_> = entries
        .filter_map(|entry| entry.ok())
        .map(|entry| (entry.file_name(), entry))
        .collect();
    entries.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    entries
}

/// Whether a file name is one medkb reads as a document.
pub fn is_document_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    lower.ends_with(".md") || lower.ends_with(".markdown") || lower.ends_with(".txt")
}

fn skipped(path: &str, reason: String) -> Skipped {
    Skipped {
        path: path.to_string(),
        line: None,
        reason,
    }
}

/// Reads one file into a document, or says why it cannot be indexed.
pub fn load(file: &SourceFile) -> Result<Doc, Skipped> {
    load_with(file, |path| fs::File::open(path))
}

/// [`load`], opening the file with `open`.
fn load_with(
    file: &SourceFile,
    open: impl FnOnce(&Path) -> std::io::Result<fs::File>,
) -> Result<Doc, Skipped> {
    let fail = |line: Option<usize>, reason: String| Skipped {
        path: file.rel.clone(),
        line,
        reason,
    };
    if file.size > MAX_FILE_BYTES {
        let reason = format!("larger than the {} MiB limit", MAX_FILE_BYTES >> 20);
        return Err(fail(None, reason));
    }
    let bytes = read_whole(file, open).map_err(|err| fail(None, format!("cannot read: {err}")))?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        let reason = format!("larger than the {} MiB limit", MAX_FILE_BYTES >> 20);
        return Err(fail(None, reason));
    }
    if bytes.iter().take(8192).any(|&byte| byte == 0) {
        return Err(fail(None, "looks like a binary file, not text".into()));
    }
    let text = std::str::from_utf8(&bytes).map_err(|err| {
        let line = 1 + bytes[..err.valid_up_to()]
            .iter()
            .filter(|&&b| b == b'\n')
            .count();
        fail(
            Some(line),
            "not valid UTF-8 (save the file as UTF-8)".into(),
        )
    })?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if text.trim().is_empty() {
        return Err(fail(None, "empty file".into()));
    }
    let stem = file_stem(&file.rel);
    let is_markdown = !file.rel.to_ascii_lowercase().ends_with(".txt");
    let (meta, title, blocks, links) = if is_markdown {
        let (meta, body, _) =
            frontmatter::split(text).map_err(|err| fail(Some(err.line), err.message))?;
        let blocks = markdown::blocks(body);
        let title = meta.title.clone().or(blocks.leading_title.clone());
        (meta, title, blocks.blocks, blocks.links)
    } else {
        let (first, rest) = text
            .trim_start()
            .split_once('\n')
            .unwrap_or((text.trim(), ""));
        let title = Some(first.trim().to_string());
        (
            frontmatter::FrontMatter::default(),
            title,
            markdown::text_blocks(rest),
            Vec::new(),
        )
    };
    let id = match meta.id {
        Some(id) => id.trim().to_string(),
        None => slug(stem),
    };
    if id.is_empty()
        || !id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
    {
        let reason = format!("id '{id}' must use only letters, digits, '-', '_' and '.'");
        return Err(fail(Some(2), reason));
    }
    let title = title
        .map(|title| title.trim().to_string())
        .filter(|title| !title.is_empty())
        .unwrap_or_else(|| stem.replace(['-', '_'], " "));
    let kind = meta.kind.unwrap_or_else(|| kind_from_path(&file.rel));
    Ok(Doc {
        id,
        kind,
        title,
        aliases: meta.aliases,
        tags: meta.tags.iter().map(|tag| tag.to_lowercase()).collect(),
        drugs: meta.drugs.iter().map(|drug| drug.to_lowercase()).collect(),
        sources: meta.sources,
        source: meta.source,
        path: file.rel.clone(),
        body: blocks.join("\n\n"),
        citations: links
            .into_iter()
            .filter_map(|(block, target)| {
                let path = doc::resolve_link(&file.rel, &target)?;
                (path != file.rel).then_some(Citation { block, path })
            })
            .collect(),
    })
}

/// The bytes of `file`, up to one more than [`MAX_FILE_BYTES`], in as few
/// system calls as can be: a large corpus is mostly small files, and each
/// call costs about as much as reading one. The walk has found the file's
/// size, so it is read into a buffer one byte larger, and a read that stops
/// short at that size has met the end of a regular file, with no second read
/// to see it return nothing (`fs::read` also asks the file its size again).
/// A file that changed since the walk is read whole all the same.
fn read_whole(
    file: &SourceFile,
    open: impl FnOnce(&Path) -> std::io::Result<fs::File>,
) -> std::io::Result<Vec<u8>> {
    let mut reader = open(&file.path)?.take(MAX_FILE_BYTES + 1);
    let mut bytes = vec![0; file.size.min(MAX_FILE_BYTES) as usize + 1];
    let mut filled = 0;
    loop {
        match reader.read(&mut bytes[filled..]) {
            Ok(0) => break,
            Ok(read) => filled += read,
            Err(err) if err.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(err) => return Err(err),
        }
        if filled as u64 == file.size {
            break;
        }
        if filled == bytes.len() {
            bytes.resize(2 * bytes.len(), 0);
        }
    }
    bytes.truncate(filled);
    Ok(bytes)
}

/// Files read per round of [`load_each`]: enough to keep every core busy,
/// few enough that a round's documents take little memory.
const LOAD_BATCH: usize = 512;

/// Reads `files` on every core and hands each outcome to `each` in the
/// files' order, so that what a build does never depends on timing. Each
/// core reads a run of files of the walk, mostly of one folder, so they are
/// opened from the folder ([`FolderOpener`]).
pub fn load_each<'a, E>(
    files: &[&'a SourceFile],
    mut each: impl FnMut(&'a SourceFile, Result<Doc, Skipped>) -> Result<(), E>,
) -> Result<(), E> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get().min(8));
    for batch in files.chunks(LOAD_BATCH) {
        let share = batch.len().div_ceil(threads);
        let loaded: Vec<Vec<Result<Doc, Skipped>>> = std::thread::scope(|scope| {
            let workers: Vec<_> = batch
                .chunks(share)
                .map(|part| {
                    scope.spawn(move || {
                        let mut opener = FolderOpener::default();
                        let mut open = |path: &Path| opener.open(path);
                        part.iter().map(|file| load_with(file, &mut open)).collect()
                    })
                })
                .collect();
            workers
                .into_iter()
                .map(|worker| worker.join().expect("loading a file does not panic"))
                .collect()
        });
        for (file, outcome) in batch.iter().zip(loaded.into_iter().flatten()) {
            each(file, outcome)?;
        }
    }
    Ok(())
}

fn file_stem(rel: &str) -> &str {
    let name = rel.rsplit('/').next().unwrap_or(rel);
    name.rsplit_once('.').map_or(name, |(stem, _)| stem)
}

/// A readable id from a file name: `Clonazepam for Sleep.md` → `clonazepam-for-sleep`.
pub fn slug(text: &str) -> String {
    let mut slug = String::new();
    for c in text.chars() {
        if c.is_ascii_alphanumeric() {
            slug.push(c.to_ascii_lowercase());
        } else if !slug.ends_with('-') && !slug.is_empty() {
            slug.push('-');
        }
    }
    slug.trim_end_matches('-').to_string()
}

/// Files under a `notes` folder are notes; everything else is an article.
fn kind_from_path(rel: &str) -> Kind {
    if rel
        .split('/')
        .any(|part| part.eq_ignore_ascii_case("notes"))
    {
        Kind::Note
    } else {
        Kind::Article
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_that_changed_since_the_walk_is_read_whole() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.txt");
        let text = "Title\n".to_string() + &"word ".repeat(5000);
        fs::write(&path, &text).unwrap();
        for size in [0, 3, text.len() as u64, 1 << 20] {
            let file = SourceFile {
                path: path.clone(),
                rel: "corpus/a.txt".into(),
                size,
                modified_ns: 0,
            };
            assert_eq!(
                read_whole(&file, |path| fs::File::open(path)).unwrap(),
                text.as_bytes(),
                "size {size}"
            );
        }
    }

    #[test]
    fn a_parallel_walk_finds_what_one_thread_finds_in_the_same_order() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path();
        for (rel, text) in [
            ("top.md", "x"),
            ("a/one.md", "x"),
            ("a/deep/two.txt", "x"),
            ("a/skip.pdf", "x"),
            ("b/.hidden.md", "x"),
            ("b/three.markdown", "x"),
            ("c/d/e/four.md", "x"),
            ("c-d.md", "x"),
            ("z.txt", "x"),
            ("synonyms.txt", "a, b"),
        ] {
            let path = dir.join(rel);
            fs::create_dir_all(path.parent().unwrap()).unwrap();
            fs::write(path, text).unwrap();
        }
        fs::create_dir_all(dir.join("empty")).unwrap();
        #[cfg(unix)]
        std::os::unix::fs::symlink(dir.join("missing"), dir.join("b/broken.md")).unwrap();
        let corpus = Corpus::open(dir).unwrap();
        let summary = |scan: Scan| {
            let files: Vec<String> = scan.files.into_iter().map(|file| file.rel).collect();
            let skipped: Vec<String> = scan.skipped.iter().map(ToString::to_string).collect();
            (files, scan.folders, skipped)
        };
        let one = summary(corpus.scan().unwrap());
        assert_eq!(one.0.len(), 7, "{:?}", one.0);
        // Updates pair the walk with the file list by this order.
        assert!(
            one.0
                .is_sorted_by(|a, b| crate::manifest::walk_order(a, b).is_lt()),
            "{:?}",
            one.0
        );
        for threads in [2, 3, 8] {
            assert_eq!(summary(corpus.scan_on(threads).unwrap()), one);
        }
    }

    #[test]
    fn slug_makes_readable_ids() {
        assert_eq!(slug("Clonazepam for Sleep"), "clonazepam-for-sleep");
        assert_eq!(slug("--A  b--"), "a-b");
    }

    #[test]
    fn kind_follows_the_folder() {
        assert_eq!(kind_from_path("corpus/notes/x.md"), Kind::Note);
        assert_eq!(kind_from_path("corpus/articles/x.md"), Kind::Article);
    }
}
