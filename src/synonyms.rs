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

use std::collections::HashMap;
use std::fmt;
use std::fs;
use std::path::Path;

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
    /// The longest entry, in terms, so matching knows how far to look.
    longest: usize,
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
            let key: Vec<String> = terms[..len].iter().map(|term| term.to_string()).collect();
            self.expansions
                .get(&key)
                .map(|alternatives| (len, alternatives.as_slice()))
        })
    }

    pub fn is_empty(&self) -> bool {
        self.expansions.is_empty()
    }
}

/// The name of the compiled synonyms inside an index generation folder.
pub const COMPILED_FILE_NAME: &str = "medkb-synonyms.json";

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

/// How [`Compiled`] is saved: JSON cannot key a map by a list of terms.
#[derive(Serialize, Deserialize)]
struct Saved {
    file: Option<String>,
    expansions: Vec<(Vec<String>, Vec<Phrase>)>,
    longest: usize,
    problems: Vec<LineProblem>,
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
            Some(Ok(text)) => Some(text.to_string()),
            None => None,
        };
        let saved = Saved {
            file,
            expansions: self
                .synonyms
                .expansions
                .iter()
                .map(|(key, phrases)| (key.clone(), phrases.clone()))
                .collect(),
            longest: self.synonyms.longest,
            problems: self.problems.clone(),
        };
        let json = serde_json::to_vec(&saved).map_err(std::io::Error::other)?;
        fs::write(path, json)
    }

    /// Reads what [`save`](Self::save) wrote; `None` if it is missing or damaged.
    pub fn load(path: &Path) -> Option<Compiled> {
        let saved: Saved = serde_json::from_slice(&fs::read(path).ok()?).ok()?;
        Some(Compiled {
            file: saved.file.map(String::into_bytes),
            synonyms: Synonyms {
                expansions: saved.expansions.into_iter().collect(),
                longest: saved.longest,
            },
            problems: saved.problems,
        })
    }
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
        assert_eq!(loaded.synonyms.expansions, compiled.synonyms.expansions);
        assert_eq!(loaded.synonyms.longest, compiled.synonyms.longest);
        std::fs::write(&path, "{ damaged").unwrap();
        assert!(Compiled::load(&path).is_none());
    }
}
