//! Snippets: the passage of a document that best answers the question, cut
//! to a readable length, with the byte ranges of every matched word.
//!
//! A body is split into passages (paragraphs and list items) under their
//! section headings. Each passage is scored by the matched terms it holds,
//! weighted by how rare they are in the corpus, plus a little for matches in
//! its heading. The best passage is cut to a window around its densest
//! matches. A document that matched only in its title or aliases gets its
//! opening passage, so no snippet is ever empty while the body has text.

use rustc_hash::FxHashMap as HashMap;
use std::ops::Range;

use serde::Serialize;

use crate::analysis::{CachedAnalyzer, Candidates, Token, Words};

/// Longest excerpt, in bytes, before the ellipses.
pub const MAX_EXCERPT_BYTES: usize = 280;
/// How far before the first match a window may start, to show its context.
const LEAD_IN_BYTES: usize = 60;
const ELLIPSIS: &str = "…";

/// A piece of a document to show, with what to highlight in it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Excerpt {
    /// Plain text; control characters are replaced by spaces.
    pub text: String,
    /// Byte ranges of matched words in `text`, in order, not overlapping.
    pub highlights: Vec<Range<usize>>,
    /// The heading of the section the passage is in, if any.
    pub section: Option<String>,
}

/// Term-frequency saturation of passage scores, as BM25's k1.
const PASSAGE_K1: f32 = 1.2;

/// The best passages of a document for one question, chosen but not yet
/// cut into excerpts: a search cuts only those of the hits it shows.
#[derive(Debug, Clone, PartialEq)]
pub struct BestPassages {
    /// How well the best passage answers the question: 0 when none matches.
    pub score: f32,
    /// Which block of the body the best passage is, when one matches.
    pub block: Option<usize>,
    /// The passages to show, best first: the opening one when none matches.
    chosen: Vec<Chosen>,
}

/// A passage chosen to show, by where it is in the body, so that cutting
/// it needs no second split of the body.
#[derive(Debug, Clone, PartialEq)]
struct Chosen {
    section: Option<String>,
    text: Range<usize>,
    matches: Vec<Token>,
}

impl Chosen {
    fn new(passage: &Passage<'_>, matches: Vec<Token>) -> Chosen {
        Chosen {
            section: passage.section.map(str::to_string),
            text: passage.start..passage.start + passage.text.len(),
            matches,
        }
    }
}

/// A paragraph or list item of a stored body, under its section heading.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Passage<'a> {
    pub section: Option<&'a str>,
    pub text: &'a str,
    /// Where `text` starts in the body, in bytes.
    pub start: usize,
    /// Which block of the body this is, counting headings.
    pub block: usize,
}

/// Splits a stored body into passages.
pub fn passages(body: &str) -> Vec<Passage<'_>> {
    let mut section = None;
    let mut out = Vec::new();
    let mut from = 0;
    let ends = memchr::memmem::find_iter(body.as_bytes(), b"\n\n").chain([body.len()]);
    for (index, end) in ends.enumerate() {
        let raw = &body[from..end];
        let start = from + raw.len() - raw.trim_start().len();
        let block = raw.trim();
        from = end + 2;
        if block.starts_with('#') {
            let heading = block.trim_start_matches('#').trim();
            section = Some(heading).filter(|heading| !heading.is_empty());
        } else if !block.is_empty() {
            out.push(Passage {
                section,
                text: block,
                start,
                block: index,
            });
        }
    }
    out
}

/// An analysed term the question looks for, and where it comes from: a
/// query word (`concept`) may be found as typed or as one of its synonyms
/// (`alternative`), and only its best alternative counts.
#[derive(Debug, Clone, PartialEq)]
pub struct Sought {
    pub term: String,
    /// How much one match is worth.
    pub weight: f32,
    pub concept: usize,
    pub alternative: usize,
    /// Where the term stands in its alternative, counting the stop words
    /// left out: 0 for a word, 0, 1… along a phrase.
    pub offset: usize,
}

/// Finds and cuts excerpts for one question.
pub struct Highlighter {
    analyzer: CachedAnalyzer,
    /// Which words are worth analysing at all.
    candidates: Candidates,
    /// Each analysed term and the (concept, alternative, weight) it serves.
    sought: HashMap<String, Vec<(usize, usize, f32)>>,
    /// The alternatives of several terms, as (offset, term): a passage
    /// counts one only where its words stand together, as the index does.
    phrases: HashMap<(usize, usize), Vec<(usize, String)>>,
}

impl Highlighter {
    pub fn new(terms: Vec<Sought>) -> Highlighter {
        let mut sought: HashMap<String, Vec<(usize, usize, f32)>> = HashMap::default();
        let mut phrases: HashMap<(usize, usize), Vec<(usize, String)>> = HashMap::default();
        for term in &terms {
            phrases
                .entry((term.concept, term.alternative))
                .or_default()
                .push((term.offset, term.term.clone()));
        }
        phrases.retain(|_, terms| terms.len() > 1);
        for term in terms {
            let serves = sought.entry(term.term).or_default();
            if !serves.iter().any(|&(concept, alternative, _)| {
                (concept, alternative) == (term.concept, term.alternative)
            }) {
                serves.push((term.concept, term.alternative, term.weight));
            }
        }
        Highlighter {
            analyzer: CachedAnalyzer::default(),
            candidates: Candidates::new(sought.keys().map(String::as_str)),
            sought,
            phrases,
        }
    }

    /// Up to `count` excerpts from `body`, best first.
    pub fn excerpts(&mut self, body: &str, count: usize) -> Vec<Excerpt> {
        let best = self.best_passages(body, count);
        self.cut_best(body, best)
    }

    /// Up to `count` passages of `body`, best first, and how well the best
    /// answers the question (0 when no passage matches).
    pub fn best_passages(&mut self, body: &str, count: usize) -> BestPassages {
        let passages = passages(body);
        // The passages of a section share its heading: score it once.
        let mut heading_score: Option<(&str, f32)> = None;
        let mut scored: Vec<(f32, usize, Vec<Token>)> = Vec::new();
        for (order, passage) in passages.iter().enumerate() {
            let matches = self.matches(passage.text);
            let in_heading = match (passage.section, heading_score) {
                (None, _) => 0.0,
                (Some(heading), Some((scored, score))) if std::ptr::eq(heading, scored) => score,
                (Some(heading), _) => {
                    let score = self.score_text(heading);
                    heading_score = Some((heading, score));
                    score
                }
            };
            let score = self.score(&matches) + 0.25 * in_heading;
            if score > 0.0 {
                scored.push((score, order, matches));
            }
        }
        scored.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        let score = scored.first().map_or(0.0, |best| best.0);
        let block = scored.first().map(|best| passages[best.1].block);
        let mut chosen: Vec<Chosen> = scored
            .into_iter()
            .take(count)
            .map(|(_, order, matches)| Chosen::new(&passages[order], matches))
            .collect();
        if chosen.is_empty() && count > 0 {
            chosen.extend(passages.first().map(|lead| Chosen::new(lead, Vec::new())));
        }
        BestPassages {
            score,
            block,
            chosen,
        }
    }

    /// The excerpts of the passages `best` chose from `body`.
    pub fn cut_best(&self, body: &str, best: BestPassages) -> Vec<Excerpt> {
        best.chosen
            .iter()
            .map(|chosen| {
                let text = &body[chosen.text.clone()];
                self.cut(chosen.section.as_deref(), text, &chosen.matches)
            })
            .collect()
    }

    /// How well a short text (a title, an alias) answers the question.
    pub fn score_text(&mut self, text: &str) -> f32 {
        let matches = self.matches(text);
        self.score(&matches)
    }

    /// The byte ranges of every sought word in `text`, in order: to mark
    /// them in a whole document rather than in an excerpt.
    pub fn marks(&mut self, text: &str) -> Vec<Range<usize>> {
        self.matches(text)
            .into_iter()
            .map(|token| token.start..token.end)
            .collect()
    }

    fn matches(&mut self, text: &str) -> Vec<Token> {
        let mut matches = Vec::new();
        let mut words = Words::new(text);
        while let Some((position, start, end)) = words.next_candidate(&self.candidates) {
            let word = &text[start..end];
            if let Some(term) = self.analyzer.term(word) {
                if self.sought.contains_key(term) {
                    // "GABA-A" marks the A, not the hyphen it is split at.
                    let start = if word.starts_with('-') {
                        start + 1
                    } else {
                        start
                    };
                    matches.push(Token {
                        term: term.to_string(),
                        start,
                        end,
                        position,
                    });
                }
            }
        }
        matches
    }

    /// BM25 over the matches of one passage: each distinct term counts by
    /// its weight, repeats add less and less. A query word counts once, by
    /// its best alternative, so a passage naming a drug and two of its
    /// brands does not outrank one that names it once. A phrase counts by
    /// the times its words stand together, weighted as all its terms.
    fn score(&self, matches: &[Token]) -> f32 {
        if matches.is_empty() {
            return 0.0;
        }
        // A passage holds a few distinct terms: short lists beat hash maps,
        // and this runs for every passage of every candidate.
        let mut counts: Vec<(&str, f32)> = Vec::with_capacity(8);
        for token in matches {
            match counts.iter_mut().find(|(term, _)| *term == token.term) {
                Some((_, count)) => *count += 1.0,
                None => counts.push((&token.term, 1.0)),
            }
        }
        let mut per_alternative: Vec<((usize, usize), f32)> = Vec::with_capacity(8);
        let mut phrase_weights: Vec<((usize, usize), f32)> = Vec::new();
        for (term, tf) in counts {
            for &(concept, alternative, weight) in self.sought.get(term).into_iter().flatten() {
                let key = (concept, alternative);
                if self.phrases.contains_key(&key) {
                    add(&mut phrase_weights, key, weight);
                } else {
                    add(&mut per_alternative, key, weight * saturation(tf));
                }
            }
        }
        for (key, weight) in phrase_weights {
            let found = phrase_count(&self.phrases[&key], matches);
            if found > 0 {
                add(&mut per_alternative, key, weight * saturation(found as f32));
            }
        }
        // Each concept by its best alternative, summed in concept order.
        per_alternative.sort_by_key(|&(key, _)| key);
        let mut total = 0.0;
        let mut concepts = per_alternative.chunk_by(|a, b| a.0 .0 == b.0 .0);
        for alternatives in &mut concepts {
            total += alternatives
                .iter()
                .map(|&(_, score)| score)
                .fold(0.0, f32::max);
        }
        total
    }

    /// Cuts a passage to a window around its best run of matches.
    fn cut(&self, section: Option<&str>, text: &str, matches: &[Token]) -> Excerpt {
        let (start, end) = if text.len() <= MAX_EXCERPT_BYTES {
            (0, text.len())
        } else {
            self.best_window(text, matches)
        };
        let prefix = if start > 0 { ELLIPSIS } else { "" };
        let suffix = if end < text.len() { ELLIPSIS } else { "" };
        let shift = prefix.len();
        let mut out = String::with_capacity(end - start + 8);
        out.push_str(prefix);
        // Single-byte replacements keep every offset valid.
        out.extend(text[start..end].chars().map(|c| {
            if c.is_control() && c.is_ascii() {
                ' '
            } else {
                c
            }
        }));
        out.push_str(suffix);
        let highlights = matches
            .iter()
            .filter(|token| token.start >= start && token.end <= end)
            .map(|token| token.start - start + shift..token.end - start + shift)
            .collect();
        Excerpt {
            text: out,
            highlights,
            section: section.map(str::to_string),
        }
    }

    /// The window of at most [`MAX_EXCERPT_BYTES`] whose matches are worth
    /// most, starting at a sentence or word boundary shortly before a match.
    fn best_window(&self, text: &str, matches: &[Token]) -> (usize, usize) {
        let candidates: Vec<usize> = if matches.is_empty() {
            vec![0]
        } else {
            matches
                .iter()
                .map(|token| window_start(text, token.start))
                .collect()
        };
        let mut best = (f32::MIN, 0, 0);
        for start in candidates {
            let end = window_end(text, start);
            // Matches are in text order, so those inside are one run of them.
            let first = matches.partition_point(|token| token.start < start);
            let last = first + matches[first..].partition_point(|token| token.end <= end);
            let score = self.score(&matches[first..last]);
            if score > best.0 {
                best = (score, start, end);
            }
        }
        (best.1, best.2)
    }
}

/// BM25's term-frequency saturation: repeats add less and less.
fn saturation(tf: f32) -> f32 {
    tf * (PASSAGE_K1 + 1.0) / (tf + PASSAGE_K1)
}

/// Adds `amount` to the entry of `key` in a short list.
fn add(list: &mut Vec<((usize, usize), f32)>, key: (usize, usize), amount: f32) {
    match list.iter_mut().find(|(entry, _)| *entry == key) {
        Some((_, sum)) => *sum += amount,
        None => list.push((key, amount)),
    }
}

/// How many times the (offset, term) of a phrase stand together in `matches`.
fn phrase_count(phrase: &[(usize, String)], matches: &[Token]) -> usize {
    // Matches are in text order, one to a position.
    let at = |position: usize, term: &str| {
        matches
            .binary_search_by_key(&position, |token| token.position)
            .is_ok_and(|found| matches[found].term == term)
    };
    let (first_offset, first) = &phrase[0];
    matches
        .iter()
        .filter(|token| token.term == *first && token.position >= *first_offset)
        .filter(|token| {
            let start = token.position - first_offset;
            phrase.iter().all(|(offset, term)| at(start + offset, term))
        })
        .count()
}

/// Where a window showing a match at `at` should start: the start of its
/// passage or sentence if that is close, else a word boundary a little before it.
fn window_start(text: &str, at: usize) -> usize {
    if at <= 2 * LEAD_IN_BYTES {
        return 0;
    }
    let earliest = floor_char_boundary(text, at.saturating_sub(LEAD_IN_BYTES));
    let before = &text[earliest..at];
    if let Some(sentence) = before.rfind(". ") {
        return earliest + sentence + 2;
    }
    if earliest == 0 {
        return 0;
    }
    match before.find(char::is_whitespace) {
        Some(space) => earliest + space + 1,
        None => at,
    }
}

/// Where a window starting at `start` ends: at most [`MAX_EXCERPT_BYTES`]
/// later, on a word boundary.
fn window_end(text: &str, start: usize) -> usize {
    let limit = start + MAX_EXCERPT_BYTES;
    if limit >= text.len() {
        return text.len();
    }
    let limit = floor_char_boundary(text, limit);
    match text[start..limit].rfind(char::is_whitespace) {
        Some(space) if space > 0 => start + space,
        _ => limit,
    }
}

fn floor_char_boundary(text: &str, mut at: usize) -> usize {
    at = at.min(text.len());
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

#[cfg(test)]
mod tests {
    use super::*;

    fn highlighter(terms: &[&str]) -> Highlighter {
        Highlighter::new(
            terms
                .iter()
                .enumerate()
                .map(|(concept, term)| Sought {
                    term: term.to_string(),
                    weight: 1.0,
                    concept,
                    alternative: 0,
                    offset: 0,
                })
                .collect(),
        )
    }

    fn marked(excerpt: &Excerpt) -> Vec<&str> {
        excerpt
            .highlights
            .iter()
            .map(|range| &excerpt.text[range.clone()])
            .collect()
    }

    #[test]
    fn picks_the_passage_with_most_matches_and_names_its_section() {
        let body =
            "Intro about legs.\n\n## Uses\n\nRestless legs syndrome is treated.\n\nOther text.";
        let excerpts = highlighter(&["restless", "leg"]).excerpts(body, 1);
        assert_eq!(excerpts[0].section.as_deref(), Some("Uses"));
        assert_eq!(marked(&excerpts[0]), vec!["Restless", "legs"]);
    }

    #[test]
    fn without_matches_the_opening_passage_is_shown() {
        let excerpts = highlighter(&["rivotril"]).excerpts("First paragraph.\n\nSecond.", 1);
        assert_eq!(excerpts[0].text, "First paragraph.");
        assert!(excerpts[0].highlights.is_empty());
    }

    #[test]
    fn long_passages_are_cut_around_the_match_on_char_boundaries() {
        let body = format!("{} Clonazepam helps. {}", "é".repeat(400), "ü".repeat(400));
        let excerpt = &highlighter(&["clonazepam"]).excerpts(&body, 1)[0];
        assert!(excerpt.text.len() <= MAX_EXCERPT_BYTES + 2 * ELLIPSIS.len());
        assert_eq!(marked(excerpt), vec!["Clonazepam"]);
        assert!(excerpt.text.starts_with(ELLIPSIS));
    }

    #[test]
    fn a_word_counts_once_however_many_of_its_synonyms_match() {
        let sought = |term: &str, alternative| Sought {
            term: term.to_string(),
            weight: 1.0,
            concept: 0,
            alternative,
            offset: 0,
        };
        let mut highlighter = Highlighter::new(vec![
            sought("rivotril", 0),
            sought("clonazepam", 1),
            sought("klonopin", 2),
        ]);
        let brands = highlighter.score_text("Clonazepam (Klonopin, Rivotril)");
        let one = highlighter.score_text("Rivotril");
        assert!((brands - one).abs() < 1e-6, "{brands} vs {one}");
    }

    #[test]
    fn a_phrase_counts_only_where_its_words_stand_together() {
        let sought = |term: &str, offset| Sought {
            term: term.to_string(),
            weight: 1.0,
            concept: 0,
            alternative: 0,
            offset,
        };
        let mut highlighter = Highlighter::new(vec![sought("panic", 0), sought("disord", 1)]);
        let apart = highlighter.score_text("Panic attacks and sleep disorders");
        let together = highlighter.score_text("Panic disorder");
        assert_eq!(apart, 0.0);
        assert!(together > 0.0);
    }

    #[test]
    fn control_characters_become_spaces() {
        let excerpt = &highlighter(&["x"]).excerpts("a \u{1b}[31m x", 1)[0];
        assert!(!excerpt.text.contains('\u{1b}'));
        assert_eq!(marked(excerpt), vec!["x"]);
    }

    #[test]
    fn a_letter_joined_by_a_hyphen_is_marked_without_it() {
        let excerpt = &highlighter(&["gaba", "a"]).excerpts("GABA-A receptors", 1)[0];
        assert_eq!(marked(excerpt), vec!["GABA", "A"]);
    }
}
