//! The corpus's words as written (lower-cased and folded, not stemmed), with
//! how often each is used: the candidates a misspelling is corrected to.
//!
//! The words are counted while the index is built, by the English analyzer
//! as it stems them ([`crate::analysis::english_recording`]), and saved
//! beside the index as a term dictionary (an FST), which a Levenshtein
//! automaton walks in time that hardly grows with the corpus. Indexing
//! every word a second time, as a field of its own, made a build of the
//! large benchmark corpus half as long again.
//!
//! A full build records exactly the corpus's words. An update adds the words
//! of the documents it reads to the previous generation's and never removes
//! any, so the lexicon holds every word of the corpus and perhaps some that
//! only removed documents used; [`crate::spelling`] checks a candidate
//! against the index before suggesting it.

use std::collections::BTreeMap;
use std::io;
use std::path::Path;
use std::sync::{Arc, Mutex, PoisonError};

use rustc_hash::FxHashMap as HashMap;

use tantivy::directory::FileSlice;
use tantivy::postings::TermInfo;
use tantivy::termdict::{TermDictionary, TermDictionaryBuilder};
use tantivy::HasLen;

use crate::edits::WithinEdits;
use crate::error::{Error, Result};
use crate::inline_word::InlineWord;

/// The lexicon's file in an index generation.
pub const FILE_NAME: &str = "medkb-words.dict";

/// Words shorter than this are never candidates: the shortest word a
/// correction is made for ([`crate::spelling::MIN_LENGTH`]) less one edit.
const MIN_CHARS: usize = crate::spelling::MIN_LENGTH - 1;

/// Whether a word (as the analyzer has it) can be a correction: long
/// enough, and letters only, as a corrected word must be.
fn is_candidate(word: &str) -> bool {
    word.len() >= MIN_CHARS
        && word.chars().all(char::is_alphabetic)
        && word.chars().count() >= MIN_CHARS
}

/// The words a build has recorded so far, from every indexing thread.
#[derive(Debug, Clone, Default)]
pub struct Recorder(Arc<Mutex<Counts>>);

impl Recorder {
    /// The words recorded, with how often each was seen.
    pub fn take(&self) -> Counts {
        std::mem::take(&mut *self.0.lock().unwrap_or_else(PoisonError::into_inner))
    }

    /// Adds words seen, with how often, keeping those that can be a
    /// correction.
    pub fn add(&self, counts: impl Iterator<Item = (String, u64)>) {
        let mut all = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        for (word, count) in counts.filter(|(word, _)| is_candidate(word)) {
            all.add(word, count);
        }
    }

    /// [`Recorder::add`] for words held in place.
    pub fn add_inline(&self, counts: impl Iterator<Item = (InlineWord, u64)>) {
        let mut all = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        for (word, count) in counts.filter(|(word, _)| is_candidate(word.as_str())) {
            *all.inline.entry(word).or_default() += count;
        }
    }
}

/// Words and how often each was seen: those that fit held in place, as the
/// analyzers hand most of them over, the rare others as `String`s. A word
/// is in one map or the other by its length alone.
#[derive(Debug, Default)]
pub struct Counts {
    inline: HashMap<InlineWord, u64>,
    long: HashMap<String, u64>,
}

impl Counts {
    fn add(&mut self, word: String, count: u64) {
        match InlineWord::new(&word) {
            Some(inline) => *self.inline.entry(inline).or_default() += count,
            None => *self.long.entry(word).or_default() += count,
        }
    }

    /// The words in order. A large corpus has hundreds of thousands, and a
    /// build waits for them at its end: those held in place sort as one
    /// 16-byte number each, with no string to follow or compare.
    pub fn sorted(self) -> Vec<(Word, u64)> {
        let mut inline: Vec<_> = self.inline.into_iter().collect();
        inline.sort_unstable_by_key(|&(word, _)| word);
        let mut long: Vec<_> = self.long.into_iter().collect();
        long.sort_unstable();
        let mut words = Vec::with_capacity(inline.len() + long.len());
        let mut long = long.into_iter().peekable();
        for (word, count) in inline {
            while let Some(next) = long.next_if(|(next, _)| next.as_bytes() < word.as_bytes()) {
                words.push((Word::Long(next.0), next.1));
            }
            words.push((Word::Inline(word), count));
        }
        words.extend(long.map(|(word, count)| (Word::Long(word), count)));
        words
    }
}

impl FromIterator<(String, u64)> for Counts {
    fn from_iter<I: IntoIterator<Item = (String, u64)>>(words: I) -> Counts {
        let mut counts = Counts::default();
        for (word, count) in words {
            counts.add(word, count);
        }
        counts
    }
}

/// A recorded word, held in place or not.
#[derive(Debug)]
pub enum Word {
    Inline(InlineWord),
    Long(String),
}

impl From<&[u8]> for Word {
    fn from(bytes: &[u8]) -> Word {
        let word = String::from_utf8_lossy(bytes);
        match InlineWord::new(&word) {
            Some(inline) => Word::Inline(inline),
            None => Word::Long(word.into_owned()),
        }
    }
}

impl Word {
    pub fn as_bytes(&self) -> &[u8] {
        match self {
            Word::Inline(word) => word.as_bytes(),
            Word::Long(word) => word.as_bytes(),
        }
    }
}

/// A saved lexicon, opened for lookups: the words of the last full build,
/// and those added by updates since, kept apart so that an update rewrites
/// only its own few.
pub struct Lexicon {
    built: Part,
    updates: Option<Part>,
}

/// One file of a lexicon.
struct Part {
    words: TermDictionary,
    bytes: usize,
}

/// Bytes after a file's dictionary: its CRC-32, so that a damaged file is
/// refused rather than walked.
const CHECKSUM_BYTES: usize = 4;

/// The file of the words updates added since the last full build.
pub const UPDATES_FILE_NAME: &str = "medkb-words-updates.dict";

/// An update folds its words into the build's file once they outgrow this
/// share of it (1/8): the rewrite then costs about what an update saved.
const FOLD_AT_SHARE: usize = 8;

impl Part {
    /// Opens the saved file `name`, checking it is whole.
    fn open(name: &str, file: FileSlice) -> io::Result<Part> {
        let invalid =
            |what: &str| io::Error::new(io::ErrorKind::InvalidData, format!("{name} {what}"));
        if file.len() < CHECKSUM_BYTES {
            return Err(invalid("is truncated"));
        }
        let bytes = file.len();
        let (words, checksum) = file.split_from_end(CHECKSUM_BYTES);
        let checksum = checksum.read_bytes()?;
        let expected = u32::from_le_bytes(checksum.as_slice().try_into().expect("4 bytes"));
        if crc32fast::hash(words.read_bytes()?.as_slice()) != expected {
            return Err(invalid("is damaged: its checksum does not match"));
        }
        let words =
            TermDictionary::open(words).map_err(|err| invalid(&format!("is not valid: {err}")))?;
        Ok(Part { words, bytes })
    }

    fn uses(&self, word: &str) -> u64 {
        self.words
            .get(word)
            .ok()
            .flatten()
            .map_or(0, |info| u64::from(info.doc_freq))
    }

    /// Every word with its uses, in order.
    fn each(&self, mut each: impl FnMut(&[u8], u64)) -> io::Result<()> {
        let mut stream = self.words.stream()?;
        while stream.advance() {
            each(stream.key(), u64::from(stream.value().doc_freq));
        }
        Ok(())
    }
}

impl Lexicon {
    /// Opens the lexicon whose files `file(name)` gives (`None` when there
    /// is no such file), checking each is whole.
    pub fn open(file: impl Fn(&str) -> io::Result<Option<FileSlice>>) -> io::Result<Lexicon> {
        let built = file(FILE_NAME)?.ok_or_else(|| {
            io::Error::new(io::ErrorKind::NotFound, format!("{FILE_NAME} is missing"))
        })?;
        Ok(Lexicon {
            built: Part::open(FILE_NAME, built)?,
            updates: match file(UPDATES_FILE_NAME)? {
                Some(updates) => Some(Part::open(UPDATES_FILE_NAME, updates)?),
                None => None,
            },
        })
    }

    /// Reads the lexicon saved in the generation folder `dir`.
    pub fn read(dir: &Path) -> Result<Lexicon> {
        let file = |name: &str| match std::fs::read(dir.join(name)) {
            Ok(bytes) => Ok(Some(FileSlice::from(bytes))),
            Err(err) if err.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(err) => Err(err),
        };
        Lexicon::open(file).map_err(|err| Error::IndexDamaged {
            path: dir.to_path_buf(),
            reason: err.to_string(),
        })
    }

    fn parts(&self) -> impl Iterator<Item = &Part> {
        std::iter::once(&self.built).chain(&self.updates)
    }

    /// How often the corpus uses `word`; 0 if never.
    pub fn uses(&self, word: &str) -> u64 {
        self.parts().map(|part| part.uses(word)).sum()
    }

    /// The words `automaton` accepts, with their uses, from the first at or
    /// after `from` up to the last before `to` (if given).
    pub fn within(
        &self,
        automaton: &WithinEdits,
        from: &[u8],
        to: Option<&[u8]>,
    ) -> Vec<(String, u64)> {
        let mut found: BTreeMap<String, u64> = BTreeMap::new();
        for part in self.parts() {
            let mut range = part.words.search(automaton).ge(from);
            if let Some(to) = to {
                range = range.lt(to);
            }
            let Ok(mut stream) = range.into_stream() else {
                continue;
            };
            while stream.advance() {
                if let Ok(word) = std::str::from_utf8(stream.key()) {
                    *found.entry(word.to_string()).or_default() +=
                        u64::from(stream.value().doc_freq);
                }
            }
        }
        found.into_iter().collect()
    }
}

/// Saves the lexicon of `recorded` words in the generation folder `dir`:
/// for a full build, on its own; for an update, added to `previous`, whose
/// build's file `dir` shares (a hard link or a copy).
pub fn save(dir: &Path, recorded: Counts, previous: Option<&Lexicon>) -> Result<()> {
    let write = |name: &str, words: io::Result<Vec<u8>>| {
        let path = dir.join(name);
        let bytes = words.map_err(|err| Error::write(&path, err))?;
        // Never write through a link into the previous generation's file.
        match std::fs::remove_file(&path) {
            Err(err) if err.kind() != io::ErrorKind::NotFound => {
                return Err(Error::write(&path, err));
            }
            _ => {}
        }
        crate::manifest::write_file(dir, name, &bytes)
    };
    let Some(previous) = previous else {
        return write(FILE_NAME, build(&recorded.sorted(), None));
    };
    let updates_path = dir.join(UPDATES_FILE_NAME);
    let words = recorded.sorted();
    let updates =
        build(&words, previous.updates.as_ref()).map_err(|err| Error::write(&updates_path, err))?;
    if updates.len() * FOLD_AT_SHARE < previous.built.bytes {
        return write(UPDATES_FILE_NAME, Ok(updates));
    }
    let mut words = Vec::new();
    Part::open(UPDATES_FILE_NAME, FileSlice::from(updates))
        .and_then(|updates| updates.each(|word, uses| words.push((Word::from(word), uses))))
        .map_err(|err| Error::write(&updates_path, err))?;
    write(FILE_NAME, build(&words, Some(&previous.built)))
}

/// The file of `words` (sorted) merged with `previous`: the dictionary,
/// then its checksum.
fn build(words: &[(Word, u64)], previous: Option<&Part>) -> io::Result<Vec<u8>> {
    let mut builder = TermDictionaryBuilder::create(Vec::new())?;
    let mut insert = |word: &[u8], uses: u64| {
        let info = TermInfo {
            doc_freq: u32::try_from(uses).unwrap_or(u32::MAX),
            postings_range: 0..0,
            positions_range: 0..0,
        };
        builder.insert(word, &info)
    };
    let mut new = words.iter().peekable();
    let mut failed = Ok(());
    if let Some(previous) = previous {
        previous.each(|word, uses| {
            if failed.is_err() {
                return;
            }
            let mut uses = uses;
            while let Some((next, count)) = new.next_if(|(next, _)| next.as_bytes() <= word) {
                if next.as_bytes() == word {
                    uses += count;
                } else if let Err(err) = insert(next.as_bytes(), *count) {
                    failed = Err(err);
                    return;
                }
            }
            if let Err(err) = insert(word, uses) {
                failed = Err(err);
            }
        })?;
    }
    failed?;
    for (word, count) in new {
        insert(word.as_bytes(), *count)?;
    }
    let mut bytes = builder.finish()?;
    let checksum = crc32fast::hash(&bytes);
    bytes.extend_from_slice(&checksum.to_le_bytes());
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn counts(words: &[(&str, u64)]) -> Counts {
        words.iter().map(|&(w, n)| (w.to_string(), n)).collect()
    }

    #[test]
    fn words_held_in_place_or_not_come_out_in_one_order() {
        let words = [
            ("pharmacokinetics", 1),
            ("pharmacokinetic", 2),
            ("pharmacokineticz", 3),
            ("internationalisation", 4),
            ("international", 5),
            ("zolpidem", 6),
            ("abcdefghijklmnopqrstuvwxyz", 7),
            ("abc", 8),
        ];
        let mut expected = words.to_vec();
        expected.sort_unstable();
        let sorted: Vec<(String, u64)> = counts(&words)
            .sorted()
            .into_iter()
            .map(|(word, n)| (String::from_utf8(word.as_bytes().to_vec()).unwrap(), n))
            .collect();
        let expected: Vec<(String, u64)> =
            expected.iter().map(|&(w, n)| (w.to_string(), n)).collect();
        assert_eq!(sorted, expected);
    }

    fn all(lexicon: &Lexicon) -> Vec<(String, u64)> {
        let mut out: BTreeMap<String, u64> = BTreeMap::new();
        for part in lexicon.parts() {
            part.each(|word, uses| {
                *out.entry(String::from_utf8(word.to_vec()).unwrap())
                    .or_default() += uses
            })
            .unwrap();
        }
        out.into_iter().collect()
    }

    /// Saves a generation in `root/name`, an update of `previous` if given,
    /// sharing its build's file as [`crate::index::Writer`] does.
    fn generation(
        root: &Path,
        name: &str,
        words: &[(&str, u64)],
        previous: Option<&str>,
    ) -> Lexicon {
        let dir = root.join(name);
        std::fs::create_dir(&dir).unwrap();
        let previous = previous.map(|previous| {
            std::fs::hard_link(root.join(previous).join(FILE_NAME), dir.join(FILE_NAME)).unwrap();
            Lexicon::read(&root.join(previous)).unwrap()
        });
        save(&dir, counts(words), previous.as_ref()).unwrap();
        Lexicon::read(&dir).unwrap()
    }

    #[test]
    fn updates_add_their_counts_apart_until_they_are_folded_in() {
        let root = tempfile::tempdir().unwrap();
        let root = root.path();
        let many: Vec<(String, u64)> = (0..400)
            .map(|i| {
                (
                    format!("word{}", "abcdefghij".chars().nth(i % 10).unwrap()).repeat(1 + i / 10),
                    1,
                )
            })
            .collect();
        let mut first: Vec<(&str, u64)> = many.iter().map(|(w, n)| (w.as_str(), *n)).collect();
        first.extend([("baclofen", 3), ("seizure", 2)]);
        let built = generation(root, "1", &first, None);
        let built_file = std::fs::read(root.join("1").join(FILE_NAME)).unwrap();
        assert!(built.updates.is_none());
        let updated = generation(root, "2", &[("seizure", 5), ("zolpidem", 2)], Some("1"));
        assert_eq!(updated.uses("seizure"), 7);
        assert_eq!(updated.uses("zolpidem"), 2);
        assert_eq!(updated.uses("baclofen"), 3);
        assert_eq!(updated.uses("seizures"), 0);
        // The build's file is shared, never rewritten by a small update.
        assert!(updated.updates.is_some());
        assert_eq!(
            std::fs::read(root.join("1").join(FILE_NAME)).unwrap(),
            built_file
        );
        assert_eq!(
            std::fs::read(root.join("2").join(FILE_NAME)).unwrap(),
            built_file
        );
        // An update that brings many words folds them all into a new file,
        // leaving the previous generation's as it was.
        let big: Vec<(String, u64)> = (0..200)
            .map(|i| {
                (
                    format!("new{}", "klmnopqrst".chars().nth(i % 10).unwrap()).repeat(1 + i / 10),
                    1,
                )
            })
            .collect();
        let big: Vec<(&str, u64)> = big.iter().map(|(w, n)| (w.as_str(), *n)).collect();
        let folded = generation(root, "3", &big, Some("2"));
        assert!(folded.updates.is_none());
        assert_eq!(folded.uses("zolpidem"), 2);
        assert_eq!(folded.uses("seizure"), 7);
        assert_eq!(all(&folded).len(), all(&updated).len() + big.len());
        assert_eq!(
            std::fs::read(root.join("2").join(FILE_NAME)).unwrap(),
            built_file
        );
        assert_eq!(all(&Lexicon::read(&root.join("2")).unwrap()), all(&updated));
    }

    #[test]
    fn a_damaged_file_is_refused() {
        let bytes = build(&[(Word::from(&b"baclofen"[..]), 3)], None).unwrap();
        let mut flipped = bytes.clone();
        flipped[0] ^= 1;
        for damaged in [flipped, bytes[..bytes.len() - 1].to_vec(), Vec::new()] {
            assert!(Part::open(FILE_NAME, FileSlice::from(damaged)).is_err());
        }
        assert!(Part::open(FILE_NAME, FileSlice::from(bytes)).is_ok());
    }

    #[test]
    fn only_words_of_letters_long_enough_to_suggest_are_candidates() {
        assert!(is_candidate("legs"));
        assert!(is_candidate("éèàü"));
        assert!(!is_candidate("leg"));
        assert!(!is_candidate("b12x"));
    }
}
