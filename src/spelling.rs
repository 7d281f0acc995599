//! Typo tolerance: a word of the question that the corpus never uses is
//! matched to the closest word it does use, and the question is searched
//! with that word, ranked as usual.
//!
//! Only unknown words are corrected, so a correctly spelt word is never
//! changed. Words shorter than [`MIN_LENGTH`] are left alone, and the
//! distance allowed grows with the word (1 edit up to 7 letters, 2 from 8),
//! so a short word is not turned into a different real word. An edit is an
//! insertion, deletion, substitution or swap of two neighbouring letters; a
//! correction two edits away keeps the word's first letter.
//! Candidates are read from the index's own dictionary of words as written
//! (not stemmed), so suggestions are real words: "clonazapam" → "clonazepam".

use std::collections::HashMap;

use tantivy::query::FuzzyTermQuery;
use tantivy::schema::Field;
use tantivy::tokenizer::TextAnalyzer;
use tantivy::{Searcher, Term};

use crate::analysis;
use crate::syntax::{Clause, Node, Scope};

/// Words shorter than this are never corrected.
pub const MIN_LENGTH: usize = 5;

/// A word replaced in the question.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Correction {
    pub from: String,
    pub to: String,
}

/// Finds corrections in the words of one index.
pub struct Speller<'a> {
    searcher: &'a Searcher,
    field: Field,
    analyzer: TextAnalyzer,
    /// Words that are not typos although the corpus lacks them (synonyms).
    known: &'a dyn Fn(&str) -> bool,
    cache: HashMap<String, Option<String>>,
}

impl<'a> Speller<'a> {
    pub fn new(
        searcher: &'a Searcher,
        field: Field,
        known: &'a dyn Fn(&str) -> bool,
    ) -> Speller<'a> {
        Speller {
            searcher,
            field,
            analyzer: analysis::words(),
            known,
            cache: HashMap::new(),
        }
    }

    /// Corrects the words of `clauses` in place and says what it changed.
    pub fn correct(&mut self, clauses: &mut [Clause]) -> Vec<Correction> {
        let mut corrections = Vec::new();
        for clause in clauses {
            self.correct_node(&mut clause.node, &mut corrections);
        }
        corrections
    }

    fn correct_node(&mut self, node: &mut Node, corrections: &mut Vec<Correction>) {
        match node {
            Node::Group(inner) => {
                for clause in inner {
                    self.correct_node(&mut clause.node, corrections);
                }
            }
            Node::Word { scope, text } | Node::Phrase { scope, text } => {
                if matches!(scope, None | Some(Scope::Title)) {
                    *text = self.correct_text(text, corrections);
                }
            }
        }
    }

    /// `text` with each unknown word replaced by its correction.
    pub fn correct_text(&mut self, text: &str, corrections: &mut Vec<Correction>) -> String {
        let tokens = analysis::tokens(&mut self.analyzer, text);
        let mut out = String::with_capacity(text.len());
        let mut at = 0;
        for token in tokens {
            if let Some(better) = self.suggest(&token.term) {
                out.push_str(&text[at..token.start]);
                out.push_str(&better);
                at = token.end;
                let correction = Correction {
                    from: token.term.clone(),
                    to: better,
                };
                if !corrections.contains(&correction) {
                    corrections.push(correction);
                }
            }
        }
        out.push_str(&text[at..]);
        out
    }

    /// The closest corpus word for an unknown `word`, or `None` if the word
    /// is known, too short, or has no close match.
    pub fn suggest(&mut self, word: &str) -> Option<String> {
        if let Some(cached) = self.cache.get(word) {
            return cached.clone();
        }
        let suggestion = self.find(word);
        self.cache.insert(word.to_string(), suggestion.clone());
        suggestion
    }

    fn find(&self, word: &str) -> Option<String> {
        let length = word.chars().count();
        if length < MIN_LENGTH || !word.chars().all(char::is_alphabetic) || (self.known)(word) {
            return None;
        }
        let term = Term::from_field_text(self.field, word);
        if self.searcher.doc_freq(&term).unwrap_or(0) > 0 {
            return None;
        }
        let allowed = if length >= 8 { 2 } else { 1 };
        // Nearest first: one edit keeping the first letter, one edit
        // anywhere ("clonopin" → "klonopin"), then two edits keeping the
        // first letter. Each walk costs more than the one before (the
        // automaton for two edits alone costs a millisecond to set up), and
        // most typos are found by the first.
        [(1, true), (1, false), (2, true)]
            .into_iter()
            .filter(|&(distance, _)| distance <= allowed)
            .find_map(|(distance, keep_first)| self.closest(word, distance, keep_first))
    }

    /// The corpus word within `allowed` edits of `word` that is closest,
    /// then used by most documents.
    fn closest(&self, word: &str, allowed: usize, keep_first: bool) -> Option<String> {
        let term = Term::from_field_text(self.field, word);
        // A Levenshtein automaton (with swaps) walks only the part of the
        // term dictionary within reach, however large the dictionary.
        let automaton = FuzzyTermQuery::new(term, allowed as u8, true)
            .automaton()
            .ok()?;
        // Keeping the first letter, as Lucene's spell checker does by
        // default, walks only that letter's share of the dictionary.
        let (from, to) = if keep_first {
            let first = word.as_bytes()[..word.chars().next()?.len_utf8()].to_vec();
            let mut after = first.clone();
            *after.last_mut()? += 1;
            (first, Some(after))
        } else {
            (Vec::new(), None)
        };
        // (distance, documents using the word) for each candidate
        let mut candidates: HashMap<String, (usize, u64)> = HashMap::new();
        for segment in self.searcher.segment_readers() {
            let Ok(inverted) = segment.inverted_index(self.field) else {
                continue;
            };
            let mut stream = inverted.terms().search(&automaton).ge(&from);
            if let Some(to) = &to {
                stream = stream.lt(to);
            }
            let Ok(mut stream) = stream.into_stream() else {
                continue;
            };
            while stream.advance() {
                let Ok(candidate) = std::str::from_utf8(stream.key()) else {
                    continue;
                };
                let distance = strsim::osa_distance(word, candidate);
                if distance <= allowed {
                    let entry = candidates
                        .entry(candidate.to_string())
                        .or_insert((distance, 0));
                    entry.1 += u64::from(stream.value().doc_freq);
                }
            }
        }
        candidates
            .into_iter()
            .min_by(|a, b| {
                (a.1 .0, std::cmp::Reverse(a.1 .1), &a.0).cmp(&(
                    b.1 .0,
                    std::cmp::Reverse(b.1 .1),
                    &b.0,
                ))
            })
            .map(|(candidate, _)| candidate)
    }
}
