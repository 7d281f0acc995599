//! Synonyms: words and phrases a reader may use for the same thing.
//!
//! Two sources, both read at query time so that editing them needs no
//! rebuild: `corpus/synonyms.txt` (abbreviations, everyday words), in the
//! Solr format that OpenSearch's `synonym_graph` filter also reads, and the
//! aliases of drug notes (a brand name means its drug).
//!
//! ```text
//! # comment
//! rls, restless legs syndrome       each entry expands to every other one
//! sleeping pills => hypnotic        the left side expands to the right, not back
//! ```
//!
//! Entries are compared after analysis, so case, accents and word endings do
//! not matter, and an entry of several words matches as a phrase.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::fs;
use std::ops::Range;
use std::path::Path;
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

use tantivy::tokenizer::TextAnalyzer;

use crate::analysis;

/// An analysed entry: its terms, with the gaps stop words leave.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Phrase {
    /// (offset from the first term, term)
    pub terms: Vec<(usize, String)>,
    /// The entry as written, for explanations.
    pub text: String,
}

impl Phrase {
    fn key(&self) -> Vec<&str> {
        self.terms.iter().map(|(_, term)| term.as_str()).collect()
    }
}

impl fmt::Display for Phrase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// A problem with one line of the synonyms file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LineProblem {
    pub line: usize,
    pub message: String,
}

/// Every expansion: from an entry's terms to what it may also be written as.
#[derive(Debug, Default, Clone)]
pub struct Synonyms {
    expansions: HashMap<Vec<String>, Vec<Phrase>>,
    /// Expansions as a build saved them, read one by one as questions look
    /// them up: reading them all was a tenth of a short search.
    saved: Option<SavedTable>,
    /// The longest entry, in terms, so matching knows how far to look.
    longest: usize,
}

/// Saved expansions: the saved file's text and, per entry in key order,
/// where its key (its terms joined by spaces: a term never holds one) and
/// its phrases (JSON) are in it.
#[derive(Debug, Clone)]
struct SavedTable {
    text: String,
    entries: Vec<(Range<usize>, Range<usize>)>,
    read: Vec<OnceLock<Vec<Phrase>>>,
}

impl SavedTable {
    fn get(&self, key: &str) -> Option<&[Phrase]> {
        let at = self
            .entries
            .binary_search_by(|(entry, _)| self.text[entry.clone()].cmp(key))
            .ok()?;
        // An entry that does not read as phrases is damaged: it expands to
        // nothing rather than failing the question.
        let phrases = self.read[at].get_or_init(|| {
            serde_json::from_str(&self.text[self.entries[at].1.clone()]).unwrap_or_default()
        });
        Some(phrases)
    }
}

impl Synonyms {
    /// The synonyms of a corpus: the rules of its synonyms file (`None`
    /// when there is none) and the names of its drug notes.
    pub fn compile(file: Option<&[u8]>, drug_names: &[Vec<String>]) -> Compiled {
        let mut synonyms = Synonyms::default();
        let problems = match file.map(std::str::from_utf8) {
            Some(Ok(text)) => synonyms.add_rules(text),
            Some(Err(_)) => vec![LineProblem {
                line: 1,
                message: "not valid UTF-8 (save the file as UTF-8)".into(),
            }],
            None => Vec::new(),
        };
        for names in drug_names {
            synonyms.add_group(names);
        }
        Compiled {
            file: file.map(<[u8]>::to_vec),
            synonyms,
            problems,
        }
    }

    /// Adds rules in the Solr format; returns the lines that could not be used.
    pub fn add_rules(&mut self, text: &str) -> Vec<LineProblem> {
        let (rules, problems) = parse_rules(text);
        for rule in &rules {
            match &rule.to {
                Some(to) => {
                    for entry in &rule.from {
                        self.add(entry, to.iter());
                    }
                }
                None => {
                    for entry in &rule.from {
                        self.add(
                            entry,
                            rule.from.iter().filter(|other| other.key() != entry.key()),
                        );
                    }
                }
            }
        }
        problems
    }

    /// Makes every name in `names` a synonym of every other (a drug note's
    /// title and its aliases).
    pub fn add_group(&mut self, names: &[String]) {
        let mut analyzer = analysis::english();
        let entries: Vec<Phrase> = names
            .iter()
            .filter_map(|name| phrase(&mut analyzer, name))
            .collect();
        for entry in &entries {
            self.add(
                entry,
                entries.iter().filter(|other| other.key() != entry.key()),
            );
        }
    }

    fn add<'a>(&mut self, from: &Phrase, to: impl Iterator<Item = &'a Phrase>) {
        let key: Vec<String> = from.key().into_iter().map(str::to_string).collect();
        self.longest = self.longest.max(key.len());
        let alternatives = self.expansions.entry(key).or_default();
        for phrase in to {
            if !alternatives.iter().any(|known| known.key() == phrase.key()) {
                alternatives.push(phrase.clone());
            }
        }
    }

    /// The longest entry that starts `terms`: its length in terms and what
    /// it may also be written as.
    pub fn longest_match(&self, terms: &[&str]) -> Option<(usize, &[Phrase])> {
        let most = self.longest.min(terms.len());
        (1..=most).rev().find_map(|len| {
            if let Some(saved) = &self.saved {
                return saved
                    .get(&terms[..len].join(" "))
                    .map(|phrases| (len, phrases));
            }
            let key: Vec<String> = terms[..len].iter().map(|term| term.to_string()).collect();
            self.expansions
                .get(&key)
                .map(|alternatives| (len, alternatives.as_slice()))
        })
    }

    pub fn is_empty(&self) -> bool {
        self.expansions.is_empty()
            && self
                .saved
                .as_ref()
                .is_none_or(|saved| saved.entries.is_empty())
    }
}

/// The name of the compiled synonyms inside an index generation folder.
pub const COMPILED_FILE_NAME: &str = "medkb-synonyms.tsv";

/// The first line of a saved [`Compiled`]. What follows:
///
/// ```text
/// crc 1a2b3c4d                   the CRC-32 of the rest, in hex
/// longest 3                      the longest entry, in terms
/// problems [...]                 the file's unusable lines, as JSON
/// file 1950                      the length of the file, or `file none`
/// <the file's bytes>
/// rls<TAB>[{"terms":…}]          each entry's key and phrases, by key
/// ```
const SAVED_HEADER: &str = "medkb synonyms 2\n";

/// The synonyms as compiled from one version of the synonyms file. A build
/// saves them with the index, as analysing every entry would otherwise be
/// a fifth of a short search's work; a search uses them only while the file
/// is unchanged, so editing it still needs no rebuild.
#[derive(Debug, Clone)]
pub struct Compiled {
    /// The file's bytes; `None` when there was no file.
    file: Option<Vec<u8>>,
    pub synonyms: Synonyms,
    pub problems: Vec<LineProblem>,
}

impl Compiled {
    /// Whether these were compiled from `file` (`None`: no file).
    pub fn is_of(&self, file: Option<&[u8]>) -> bool {
        self.file.as_deref() == file
    }

    /// Saves these to `path`, unless the file they come from is not text.
    pub fn save(&self, path: &Path) -> std::io::Result<()> {
        let file = match self.file.as_deref().map(std::str::from_utf8) {
            Some(Err(_)) => return Ok(()),
            Some(Ok(text)) => Some(text),
            None => None,
        };
        let mut out = format!("longest {}\n", self.synonyms.longest);
        out.push_str(&format!("problems {}\n", to_json(&self.problems)?));
        match file {
            Some(file) => out.push_str(&format!("file {}\n{file}\n", file.len())),
            None => out.push_str("file none\n"),
        }
        let sorted: BTreeMap<String, &Vec<Phrase>> = self
            .synonyms
            .expansions
            .iter()
            .map(|(key, phrases)| (key.join(" "), phrases))
            .collect();
        for (key, phrases) in sorted {
            out.push_str(&format!("{key}\t{}\n", to_json(phrases)?));
        }
        let crc = crc32fast::hash(out.as_bytes());
        fs::write(path, format!("{SAVED_HEADER}crc {crc:08x}\n{out}"))
    }

    /// Reads what [`save`](Self::save) wrote; `None` if it is missing or damaged.
    pub fn load(path: &Path) -> Option<Compiled> {
        let text = String::from_utf8(fs::read(path).ok()?).ok()?;
        let rest = text.strip_prefix(SAVED_HEADER)?;
        // Entries are read only when a question uses them, so damage is
        // caught here, for the whole file at once.
        let (crc, rest) = rest.split_once('\n')?;
        let crc = u32::from_str_radix(crc.strip_prefix("crc ")?, 16).ok()?;
        if crc32fast::hash(rest.as_bytes()) != crc {
            return None;
        }
        let (longest, rest) = rest.split_once('\n')?;
        let longest = longest.strip_prefix("longest ")?.parse().ok()?;
        let (problems, rest) = rest.split_once('\n')?;
        let problems = serde_json::from_str(problems.strip_prefix("problems ")?).ok()?;
        let (file, mut rest) = rest.split_once('\n')?;
        let file = match file.strip_prefix("file ")? {
            "none" => None,
            len => {
                let len = len.parse().ok()?;
                let file = rest.get(..len)?;
                rest = rest.get(len..)?.strip_prefix('\n')?;
                Some(file.as_bytes().to_vec())
            }
        };
        let mut at = text.len() - rest.len();
        let mut entries = Vec::new();
        for line in rest.split_terminator('\n') {
            let (key, phrases) = line.split_once('\t')?;
            let key = at..at + key.len();
            entries.push((key.clone(), key.end + 1..key.end + 1 + phrases.len()));
            at += line.len() + 1;
        }
        let sorted = entries
            .windows(2)
            .all(|pair| text[pair[0].0.clone()] < text[pair[1].0.clone()]);
        if !sorted || !text.ends_with('\n') && !rest.is_empty() {
            return None;
        }
        let read = vec![OnceLock::new(); entries.len()];
        Some(Compiled {
            file,
            synonyms: Synonyms {
                expansions: HashMap::new(),
                saved: Some(SavedTable {
                    text,
                    entries,
                    read,
                }),
                longest,
            },
            problems,
        })
    }
}

fn to_json<T: Serialize + ?Sized>(value: &T) -> std::io::Result<String> {
    serde_json::to_string(value).map_err(std::io::Error::other)
}

/// One usable line of a synonyms file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    /// 1-based line in the file.
    pub line: usize,
    /// The rule as written, without its comment: `a, b => c`.
    pub text: String,
    /// The entries before `=>`, or all of them in an equivalence group.
    pub from: Vec<Phrase>,
    /// The entries after `=>`; `None` when every entry means every other.
    pub to: Option<Vec<Phrase>>,
}

/// Reads rules in the Solr format (`a, b, c` or `a, b => c`), one a line,
/// `#` starting a comment; returns the usable rules and the lines that are not.
pub fn parse_rules(text: &str) -> (Vec<Rule>, Vec<LineProblem>) {
    let mut analyzer = analysis::english();
    let mut rules = Vec::new();
    let mut problems = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let line = line.split('#').next().unwrap_or("").trim();
        if line.is_empty() {
            continue;
        }
        let (left, right) = match line.split_once("=>") {
            Some((left, right)) => (left, Some(right)),
            None => (line, None),
        };
        let from = entries(&mut analyzer, left);
        let to = right.map(|right| entries(&mut analyzer, right));
        let usable = match &to {
            Some(to) => !from.is_empty() && !to.is_empty(),
            None => from.len() >= 2,
        };
        if usable {
            rules.push(Rule {
                line: index + 1,
                text: line.to_string(),
                from,
                to,
            });
        } else {
            problems.push(LineProblem {
                line: index + 1,
                message: "needs two entries separated by ',' (or 'a => b')".into(),
            });
        }
    }
    (rules, problems)
}

/// Where the analysed terms of some texts stand, to tell whether a phrase
/// occurs in any of them (a synonym that can match, a drug name in an article).
pub struct Occurrences {
    /// (text number, position) → term
    at: HashMap<(usize, usize), String>,
    /// term → where it stands
    starts: HashMap<String, Vec<(usize, usize)>>,
}

impl Occurrences {
    /// Analyses `texts`; a phrase must lie within one of them.
    pub fn of<'a>(texts: impl Iterator<Item = &'a str>) -> Occurrences {
        let mut analyzer = analysis::english();
        let mut occurrences = Occurrences {
            at: HashMap::new(),
            starts: HashMap::new(),
        };
        for (number, text) in texts.enumerate() {
            for token in analysis::tokens(&mut analyzer, text) {
                occurrences
                    .starts
                    .entry(token.term.clone())
                    .or_default()
                    .push((number, token.position));
                occurrences.at.insert((number, token.position), token.term);
            }
        }
        occurrences
    }

    /// Whether `phrase` occurs, its terms in order with the same gaps.
    pub fn contains(&self, phrase: &Phrase) -> bool {
        let Some((_, first)) = phrase.terms.first() else {
            return false;
        };
        self.starts.get(first).is_some_and(|starts| {
            starts.iter().any(|&(text, start)| {
                phrase.terms.iter().all(|(offset, term)| {
                    self.at
                        .get(&(text, start + offset))
                        .is_some_and(|found| found == term)
                })
            })
        })
    }
}

fn entries(analyzer: &mut TextAnalyzer, side: &str) -> Vec<Phrase> {
    side.split(',')
        .filter_map(|entry| phrase(analyzer, entry))
        .collect()
}

/// `text` analysed into a phrase; `None` when nothing of it is searchable
/// (only stop words or punctuation).
pub fn phrase(analyzer: &mut TextAnalyzer, text: &str) -> Option<Phrase> {
    let tokens = analysis::tokens(analyzer, text);
    let first = tokens.first()?.position;
    Some(Phrase {
        terms: tokens
            .into_iter()
            .map(|token| (token.position - first, token.term))
            .collect(),
        text: text.trim().to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(found: Option<(usize, &[Phrase])>) -> Option<(usize, Vec<String>)> {
        found.map(|(len, phrases)| (len, phrases.iter().map(|p| p.text.clone()).collect()))
    }

    #[test]
    fn equivalent_entries_expand_to_each_other() {
        let mut synonyms = Synonyms::default();
        assert!(synonyms
            .add_rules("# comment\nRLS, Restless Legs Syndrome\n")
            .is_empty());
        assert_eq!(
            texts(synonyms.longest_match(&["rls"])),
            Some((1, vec!["Restless Legs Syndrome".into()]))
        );
        let found = synonyms.longest_match(&["restless", "leg", "syndrom", "more"]);
        assert_eq!(texts(found), Some((3, vec!["RLS".into()])));
        assert_eq!(synonyms.longest_match(&["restless"]).map(|m| m.0), None);
    }

    #[test]
    fn arrows_expand_one_way() {
        let mut synonyms = Synonyms::default();
        synonyms.add_rules("sleeping pills => hypnotic");
        assert!(synonyms.longest_match(&["sleep", "pill"]).is_some());
        assert!(synonyms.longest_match(&["hypnot"]).is_none());
    }

    #[test]
    fn bad_lines_are_reported() {
        let mut synonyms = Synonyms::default();
        let problems = synonyms.add_rules("just-one\n\nok, fine\n=> x\n");
        let lines: Vec<usize> = problems.iter().map(|p| p.line).collect();
        assert_eq!(lines, vec![1, 4]);
    }

    #[test]
    fn saved_synonyms_load_as_compiled() {
        let file = b"rls, restless legs syndrome\nsleeping pills => hypnotic\njust-one\n";
        let names = vec![vec![
            "Clonazepam".to_string(),
            "Klonopin".into(),
            "Rivotril".into(),
        ]];
        let compiled = Synonyms::compile(Some(file), &names);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(COMPILED_FILE_NAME);
        compiled.save(&path).unwrap();
        let loaded = Compiled::load(&path).unwrap();
        assert!(loaded.is_of(Some(file)) && !loaded.is_of(None));
        assert_eq!(loaded.problems, compiled.problems);
        assert_eq!(loaded.synonyms.longest, compiled.synonyms.longest);
        let saved = loaded.synonyms.saved.as_ref().unwrap();
        assert_eq!(saved.entries.len(), compiled.synonyms.expansions.len());
        for (key, phrases) in &compiled.synonyms.expansions {
            let terms: Vec<&str> = key.iter().map(String::as_str).collect();
            assert_eq!(
                loaded.synonyms.longest_match(&terms),
                Some((terms.len(), phrases.as_slice())),
                "{key:?}"
            );
        }
        assert_eq!(loaded.synonyms.longest_match(&["unknown"]), None);
        let saved = std::fs::read_to_string(&path).unwrap();
        let damaged = saved.replacen("\"terms\"", "\"terns\"", 1);
        assert_ne!(damaged, saved);
        std::fs::write(&path, damaged).unwrap();
        assert!(Compiled::load(&path).is_none());
    }
}
