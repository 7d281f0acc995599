//! An update that looks only at the paths named as changed (`medkb index
//! PATH...`): on a large corpus, looking at every file is most of an
//! update's time.
//!
//! In: the file list and folder times of the last build, and the paths.
//! Out: what is at the paths now, and the [`Changes`] a walk would find,
//! provided nothing else changed.

use crate::corpus::{self, Corpus, FolderStamp, Scan};
use crate::manifest::{walk_order, Changes, FileRecord, Listed};

/// What is at each of `targets` (paths as the index names them) now: the
/// files in walk order, and the folder times of the last build, `folders`,
/// with those at and around the targets looked at again.
pub fn look_again(corpus: &Corpus, folders: &[FolderStamp], targets: &[String]) -> Scan {
    let mut found = corpus.scan_paths(targets);
    found
        .files
        .sort_unstable_by(|a, b| walk_order(&a.rel, &b.rel));
    found.files.dedup_by(|a, b| a.rel == b.rel);
    found.folders = restamped(corpus, folders, targets, found.folders);
    found
}

/// How the corpus differs from the last build's `records` if only the
/// `targets` changed, `found` being what is at them now (see
/// [`look_again`]). `None` when the records are not in walk order (no
/// medkb writes them otherwise) or a target is the corpus folder itself.
pub fn changes<'a>(
    records: &'a [FileRecord<'a>],
    targets: &[String],
    found: &'a Scan,
) -> Option<Changes<'a>> {
    let in_order = |a: &str, b: &str| walk_order(a, b).is_lt();
    if targets.iter().any(|target| !target.contains('/'))
        || !records.is_sorted_by(|a, b| in_order(&a.path, &b.path))
    {
        return None;
    }
    // What a target covers is one run of the list: in walk order, `a/b`
    // and everything below it come before any other path after `a/b`.
    let mut covered = vec![false; records.len()];
    for target in targets {
        let start = records.partition_point(|record| in_order(&record.path, target));
        for (record, covered) in records[start..].iter().zip(&mut covered[start..]) {
            if !is_at_or_below(&record.path, target) {
                break;
            }
            *covered = true;
        }
    }
    let mut changes = Changes {
        listing: Vec::with_capacity(records.len() + found.files.len()),
        touched: vec![false; records.len()],
        ..Changes::default()
    };
    let mut looked_at = found.files.iter().peekable();
    for (index, record) in records.iter().enumerate() {
        while let Some(file) = looked_at.next_if(|file| in_order(&file.rel, &record.path)) {
            changes.added.push(file);
            changes.listing.push(Listed::Read(file));
        }
        if !covered[index] {
            changes.listing.push(Listed::Kept(index));
            continue;
        }
        match looked_at.next_if(|file| file.rel == record.path) {
            Some(file) if record.matches(file) => changes.listing.push(Listed::Kept(index)),
            Some(file) => {
                changes.touched[index] = true;
                changes.changed.push(file);
                changes.listing.push(Listed::Read(file));
            }
            None => {
                changes.touched[index] = true;
                changes.removed.push(record);
            }
        }
    }
    for file in looked_at {
        changes.added.push(file);
        changes.listing.push(Listed::Read(file));
    }
    Some(changes)
}

/// The folder times of the last build with those at and below each target
/// replaced by the ones `walked` there, and each target's enclosing folders
/// looked at again: adding or removing a file changes its folder's time.
fn restamped(
    corpus: &Corpus,
    folders: &[FolderStamp],
    targets: &[String],
    walked: Vec<FolderStamp>,
) -> Vec<FolderStamp> {
    let mut replaced: Vec<&str> = targets.iter().map(|target| below_root(target)).collect();
    let mut fresh = walked;
    for target in targets {
        let target = below_root(target);
        let ends = target.match_indices('/').map(|(at, _)| at);
        for folder in std::iter::once("").chain(ends.map(|at| &target[..at])) {
            match corpus::modified_ns(&corpus.dir().join(folder)) {
                Ok(modified_ns) => fresh.push(FolderStamp {
                    path: folder.to_string(),
                    modified_ns,
                }),
                // A folder removed takes the folders below it with it.
                Err(_) => replaced.push(folder),
            }
        }
    }
    let kept = folders.iter().filter(|stamp| {
        !replaced
            .iter()
            .any(|replaced| is_at_or_below(&stamp.path, replaced))
    });
    // Looked at now before kept from the last build: a stable sort keeps
    // them first, and the dedup keeps the first of each path.
    fresh.extend(kept.cloned());
    fresh.sort_by(|a, b| walk_order(&a.path, &b.path));
    fresh.dedup_by(|later, first| later.path == first.path);
    fresh
}

/// A path as the index names it (`corpus/notes`) as a folder time names it
/// (`notes`).
fn below_root(rel: &str) -> &str {
    rel.split_once('/').map_or("", |(_, below)| below)
}

/// Whether `path` is `folder` or a path inside it.
fn is_at_or_below(path: &str, folder: &str) -> bool {
    path.strip_prefix(folder)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
}
