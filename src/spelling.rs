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
//! Candidates are read from the [`Lexicon`] of the corpus's words as written
//! (not stemmed), so suggestions are real words: "clonazapam" → "clonazepam".

use std::collections::HashMap;

use tantivy::tokenizer::TextAnalyzer;

use crate::analysis;
use crate::edits::WithinEdits;
use crate::error::Result;
use crate::index::Opened;
use crate::lexicon::Lexicon;
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
    opened: &'a Opened,
    /// Opened on the first word that needs it: most questions have none.
    lexicon: Option<Lexicon>,
    /// Why the lexicon could not be opened, once it was needed.
    failure: Option<crate::Error>,
    analyzer: TextAnalyzer,
    /// Whether a word is found in the index as it is now (or is a synonym
    /// or a stop word), and so is no typo.
    known: &'a dyn Fn(&str) -> bool,
    cache: HashMap<String, Option<String>>,
}

impl<'a> Speller<'a> {
    pub fn new(opened: &'a Opened, known: &'a dyn Fn(&str) -> bool) -> Speller<'a> {
        Speller {
            opened,
            lexicon: None,
            failure: None,
            analyzer: analysis::words(),
            known,
            cache: HashMap::new(),
        }
    }

    /// Corrects the words of `clauses` in place and says what it changed.
    /// Fails when the index's lexicon is missing or damaged.
    pub fn correct(&mut self, clauses: &mut [Clause]) -> Result<Vec<Correction>> {
        let mut corrections = Vec::new();
        for clause in clauses {
            self.correct_node(&mut clause.node, &mut corrections);
        }
        match self.failure.take() {
            Some(err) => Err(err),
            None => Ok(corrections),
        }
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

    fn find(&mut self, word: &str) -> Option<String> {
        let length = word.chars().count();
        if length < MIN_LENGTH || !word.chars().all(char::is_alphabetic) || (self.known)(word) {
            return None;
        }
        if self.lexicon.is_none() && self.failure.is_none() {
            match self.opened.lexicon() {
                Ok(lexicon) => self.lexicon = Some(lexicon),
                Err(err) => self.failure = Some(err),
            }
        }
        let lexicon = self.lexicon.as_ref()?;
        if lexicon.uses(word) > 0 {
            return None;
        }
        let allowed = if length >= 8 { 2 } else { 1 };
        // Nearest first: one edit keeping the first letter, one edit
        // anywhere ("clonopin" → "klonopin"), then two edits keeping the
        // first letter. Each walk costs more than the one before, and most
        // typos are found by the first.
        [(1, true), (1, false), (2, true)]
            .into_iter()
            .filter(|&(distance, _)| distance <= allowed)
            .find_map(|(distance, keep_first)| {
                closest(lexicon, self.known, word, distance, keep_first)
            })
    }
}

/// The corpus word within `allowed` edits of `word` that is closest, then
/// used most often, and still in the index (`known`).
fn closest(
    lexicon: &Lexicon,
    known: &dyn Fn(&str) -> bool,
    word: &str,
    allowed: usize,
    keep_first: bool,
) -> Option<String> {
    // The automaton walks only the part of the lexicon within reach,
    // however large the lexicon.
    let automaton = WithinEdits::new(word, allowed as u8)?;
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
    // (distance, uses, candidate)
    let mut candidates: Vec<(usize, std::cmp::Reverse<u64>, String)> = lexicon
        .within(&automaton, &from, to.as_deref())
        .into_iter()
        .map(|(candidate, uses)| {
            let distance = strsim::osa_distance(word, &candidate);
            (distance, std::cmp::Reverse(uses), candidate)
        })
        .filter(|&(distance, _, _)| distance <= allowed)
        .collect();
    candidates.sort_unstable();
    // An update never removes a word from the lexicon, so a candidate
    // may be a word no document uses any more.
    candidates
        .into_iter()
        .map(|(_, _, candidate)| candidate)
        .find(|candidate| known(candidate))
}
