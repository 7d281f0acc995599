//! Clauses → a tantivy query, and the terms a snippet should highlight.
//!
//! Each word is looked up in the title, the aliases and the body, scored by
//! BM25 and combined by "best field wins, the others add a little"
//! (dis-max), with the title and aliases weighted above the body. Words are
//! ORed unless the question says otherwise, so documents that match more of
//! them rank first. A word or run of words with synonyms also matches them,
//! as phrases and at a lower weight, so the word as typed ranks first; the
//! words of such a run also count a little one by one.

use tantivy::query::{
    AllQuery, BooleanQuery, BoostQuery, ConstScoreQuery, Occur as TantivyOccur, PhraseQuery, Query,
    TermQuery,
};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::tokenizer::TextAnalyzer;
use tantivy::Term;

use crate::analysis;
use crate::best_of::BestOf;
use crate::doc::Kind;
use crate::exclusion::Excluded;
use crate::index::Fields;
use crate::snippet::Sought;
use crate::synonyms::{Phrase, Synonyms};
use crate::syntax::{Clause, Node, Occur, Parsed, Scope};

/// How much a match in the title counts against one in the body. (The
/// field boosts were chosen by measuring `tests/relevance.json`; with a
/// word's rarity judged per document, aliases need no boost of their own.)
pub const TITLE_BOOST: f32 = 4.0;
/// How much a match in a note's aliases counts against one in the body.
pub const ALIASES_BOOST: f32 = 1.0;
/// How much the fields that are not the best match add to a word's score.
pub const TIE_BREAKER: f32 = 0.2;
/// How much a synonym counts against the word as typed.
pub const SYNONYM_WEIGHT: f32 = 0.7;
/// How much each word of a question's run of words that is a synonym entry
/// ("sleeping pills") counts on its own, besides the run as a phrase and its
/// synonyms: enough to find a document that has only the words apart, not
/// enough to outrank one with the phrase. (Measured on `tests/relevance.json`:
/// 0.1 to 0.3 do about as well; more ranks loose words above the phrase.)
pub const LOOSE_WORD_WEIGHT: f32 = 0.1;

/// Restrictions applied besides the question itself.
#[derive(Debug, Clone, Default)]
pub struct Filters {
    pub kind: Option<Kind>,
    pub drugs: Vec<String>,
    pub tags: Vec<String>,
}

/// Where a searched word comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// As typed (or as corrected: the speller rewrites the question first).
    Typed,
    /// A synonym of the words in `of`.
    Synonym { of: String },
    /// One word of `of`, a synonym entry of several words, on its own.
    WordOf { of: String },
}

/// One word or phrase searched in one field, kept so that a hit's score can
/// be explained part by part.
pub struct Part {
    /// The analysed terms searched, space-separated.
    pub terms: String,
    pub origin: Origin,
    pub field: &'static str,
    /// The part alone, with its field boost and synonym weight.
    pub query: Box<dyn Query>,
}

/// A question ready to run.
pub struct Compiled {
    pub query: Box<dyn Query>,
    /// Analysed terms of the wanted (not excluded) words and their synonyms,
    /// with how much each counts (1 for words as typed), for highlighting.
    pub highlight: Vec<Sought>,
    /// The synonyms used, as "typed → also searched".
    pub expansions: Vec<String>,
    /// Every word and phrase in every field, to explain scores.
    pub parts: Vec<Part>,
    /// The query words whose synonyms are broader terms (a one-way rule,
    /// `addictive => dependence`), not other names for the same thing.
    pub broadened: Vec<usize>,
}

/// Builds the query; `None` when nothing in the question can be searched
/// (only stop words or punctuation).
pub fn compile(
    parsed: &Parsed,
    fields: &Fields,
    searched: &[Field],
    filters: &Filters,
    synonyms: &Synonyms,
) -> Option<Compiled> {
    let mut compiler = Compiler {
        fields,
        searched,
        synonyms,
        analyzer: analysis::english(),
        highlight: Vec::new(),
        expansions: Vec::new(),
        concepts: 0,
        parts: Vec::new(),
        broadened: Vec::new(),
    };
    let mut clauses = compiler.clauses(&parsed.clauses, false);
    if clauses.is_empty() {
        return None;
    }
    if clauses
        .iter()
        .all(|(occur, _)| *occur == TantivyOccur::MustNot)
    {
        // Only exclusions: everything except them, as "-alcohol" means.
        clauses.push((TantivyOccur::Must, Box::new(AllQuery)));
    }
    // The question must match as a whole; filters narrow it down. (Filters
    // added beside its ORed words would make those words optional.)
    let mut clauses: Vec<(TantivyOccur, Box<dyn Query>)> =
        vec![(TantivyOccur::Must, Box::new(BooleanQuery::new(clauses)))];
    let mut filter = |field: Field, value: &str| {
        let term = Term::from_field_text(field, &value.trim().to_lowercase());
        let query = ConstScoreQuery::new(
            Box::new(TermQuery::new(term, IndexRecordOption::Basic)),
            0.0,
        );
        clauses.push((TantivyOccur::Must, Box::new(query)));
    };
    if let Some(kind) = filters.kind {
        filter(fields.kind, kind.as_str());
    }
    for drug in &filters.drugs {
        filter(fields.drugs, drug);
    }
    for tag in &filters.tags {
        filter(fields.tags, tag);
    }
    Some(Compiled {
        query: Box::new(BooleanQuery::new(clauses)),
        highlight: compiler.highlight,
        expansions: compiler.expansions,
        parts: compiler.parts,
        broadened: compiler.broadened,
    })
}

type Terms = Vec<(usize, String)>;

struct Compiler<'a> {
    fields: &'a Fields,
    /// The text fields to look in (see [`crate::index::Opened::searched_fields`]).
    searched: &'a [Field],
    synonyms: &'a Synonyms,
    analyzer: TextAnalyzer,
    highlight: Vec<Sought>,
    expansions: Vec<String>,
    /// How many query words (with their synonyms) have been compiled.
    concepts: usize,
    parts: Vec<Part>,
    broadened: Vec<usize>,
}

impl Compiler<'_> {
    fn clauses(
        &mut self,
        clauses: &[Clause],
        negated: bool,
    ) -> Vec<(TantivyOccur, Box<dyn Query>)> {
        let framing = |clause: &Clause| {
            clause.occur == Occur::Should
                && matches!(&clause.node, Node::Word { scope: None, text } if analysis::is_question_word(text))
        };
        let skip_framing = clauses.iter().any(|clause| !framing(clause));
        let kept: Vec<&Clause> = clauses
            .iter()
            .filter(|clause| !(skip_framing && framing(clause)))
            .collect();
        let spans = self.synonym_spans(&kept);
        let mut out = Vec::new();
        let mut index = 0;
        while index < kept.len() {
            if let Some(&(_, end)) = spans.iter().find(|(start, _)| *start == index) {
                // Words that together are a synonym entry ("coming off",
                // "restless legs syndrome") are one word of the question: a
                // phrase, or any of its synonyms.
                let words: Vec<&str> = kept[index..end]
                    .iter()
                    .filter_map(|clause| match &clause.node {
                        Node::Word { text, .. } => Some(text.as_str()),
                        _ => None,
                    })
                    .collect();
                if let Some(query) = self.text(&words.join(" "), negated) {
                    out.push((TantivyOccur::Should, query));
                }
                // Each of its words also counts a little on its own, so a
                // document that speaks of the thing in other words ("sleep"
                // rather than "sleeping pills") is still found.
                if !negated {
                    let entry = words.join(" ");
                    for word in &words {
                        if let Some(query) = self.loose(word, &entry) {
                            out.push((TantivyOccur::Should, query));
                        }
                    }
                }
                index = end;
                continue;
            }
            let clause = kept[index];
            let excluded = clause.occur == Occur::MustNot;
            let occur = match clause.occur {
                Occur::Should => TantivyOccur::Should,
                Occur::Must => TantivyOccur::Must,
                Occur::MustNot => TantivyOccur::MustNot,
            };
            if let Some(query) = self.node(&clause.node, negated != excluded) {
                let query = if excluded {
                    Box::new(Excluded(query))
                } else {
                    query
                };
                out.push((occur, query));
            }
            index += 1;
        }
        out
    }

    /// Runs of plain words that match a synonym entry of several words, as
    /// (first clause, clause after the last); a single word's synonyms are
    /// found where the word is compiled.
    fn synonym_spans(&mut self, clauses: &[&Clause]) -> Vec<(usize, usize)> {
        let mut spans = Vec::new();
        let mut run: Vec<(usize, String)> = Vec::new(); // (clause, term) of plain words
        for (index, clause) in clauses.iter().enumerate() {
            match &clause.node {
                Node::Word { scope: None, text } if clause.occur == Occur::Should => {
                    let terms = self.terms(text);
                    run.extend(terms.into_iter().map(|(_, term)| (index, term)));
                }
                _ => self.spans_in_run(&mut run, &mut spans),
            }
        }
        self.spans_in_run(&mut run, &mut spans);
        spans
    }

    fn spans_in_run(&self, run: &mut Vec<(usize, String)>, spans: &mut Vec<(usize, usize)>) {
        let terms: Vec<&str> = run.iter().map(|(_, term)| term.as_str()).collect();
        let mut at = 0;
        while at < terms.len() {
            let starts_a_word = at == 0 || run[at - 1].0 != run[at].0;
            let matched = self
                .synonyms
                .longest_match(&terms[at..])
                .map(|(len, _)| len)
                .filter(|&len| {
                    let last = at + len - 1;
                    let ends_a_word = last + 1 == run.len() || run[last + 1].0 != run[last].0;
                    starts_a_word && ends_a_word && run[at].0 != run[last].0
                });
            match matched {
                Some(len) => {
                    spans.push((run[at].0, run[at + len - 1].0 + 1));
                    at += len;
                }
                None => at += 1,
            }
        }
        run.clear();
    }

    fn node(&mut self, node: &Node, negated: bool) -> Option<Box<dyn Query>> {
        match node {
            Node::Group(inner) => {
                let clauses = self.clauses(inner, negated);
                (!clauses.is_empty())
                    .then(|| Box::new(BooleanQuery::new(clauses)) as Box<dyn Query>)
            }
            Node::Word { scope, text } | Node::Phrase { scope, text } => match scope {
                Some(Scope::Drug) => Some(exact(self.fields.drugs, text)),
                Some(Scope::Tag) => Some(exact(self.fields.tags, text)),
                Some(Scope::Kind) => Some(exact(self.fields.kind, text)),
                Some(Scope::Title) => {
                    let terms = self.terms(text);
                    let concept = self.next_concept();
                    self.highlight(&terms, negated, 1.0, concept, 0);
                    let query = (!terms.is_empty()).then(|| field_query(self.fields.title, &terms));
                    if let (Some(query), false) = (&query, negated) {
                        self.parts.push(Part {
                            terms: joined(&terms),
                            origin: Origin::Typed,
                            field: "title",
                            query: query.box_clone(),
                        });
                    }
                    query
                }
                None => self.text(text, negated),
            },
        }
    }

    /// A word or phrase across the text fields, with its synonyms when the
    /// whole of it has some. A word that analyses to several tokens
    /// ("GABA-A", "anti-anxiety") is matched as a phrase.
    fn text(&mut self, text: &str, negated: bool) -> Option<Box<dyn Query>> {
        let terms = self.terms(text);
        if terms.is_empty() {
            return None;
        }
        let concept = self.next_concept();
        self.highlight(&terms, negated, 1.0, concept, 0);
        let typed = self.across_fields(&terms, (!negated).then_some((Origin::Typed, 1.0)));
        let keys: Vec<&str> = terms.iter().map(|(_, term)| term.as_str()).collect();
        let alternatives = match self.synonyms.longest_match(&keys) {
            Some((len, alternatives)) if len == keys.len() => alternatives.to_vec(),
            _ => return Some(typed),
        };
        if broadens(self.synonyms, &keys, &alternatives) {
            self.broadened.push(concept);
        }
        match self.alternatives(text, &alternatives, negated, concept) {
            Some(synonyms) => Some(Box::new(BestOf::new(vec![typed, synonyms], 0.0))),
            None => Some(typed),
        }
    }

    /// One word of `entry`, a synonym entry of several words, searched on
    /// its own at [`LOOSE_WORD_WEIGHT`].
    fn loose(&mut self, word: &str, entry: &str) -> Option<Box<dyn Query>> {
        let terms = self.terms(word);
        if terms.is_empty() {
            return None;
        }
        let concept = self.next_concept();
        self.highlight(&terms, false, LOOSE_WORD_WEIGHT, concept, 0);
        let origin = Origin::WordOf {
            of: entry.to_string(),
        };
        let query = self.across_fields(&terms, Some((origin, LOOSE_WORD_WEIGHT)));
        Some(Box::new(BoostQuery::new(query, LOOSE_WORD_WEIGHT)))
    }

    /// One query matching any of `alternatives`, at the synonym weight.
    fn alternatives(
        &mut self,
        typed: &str,
        alternatives: &[Phrase],
        negated: bool,
        concept: usize,
    ) -> Option<Box<dyn Query>> {
        if alternatives.is_empty() {
            return None;
        }
        let named: Vec<String> = alternatives
            .iter()
            .map(|phrase| phrase.text.clone())
            .collect();
        self.expansions
            .push(format!("{typed} → {}", named.join(", ")));
        let typed_terms = self.terms(typed).len().max(1) as f32;
        let queries: Vec<Box<dyn Query>> = alternatives
            .iter()
            .enumerate()
            .map(|(number, phrase)| {
                // A longer alternative matches more terms; scale it down so
                // that "RLS" does not rank "restless legs syndrome" above itself.
                let weight = SYNONYM_WEIGHT * (typed_terms / phrase.terms.len() as f32).min(1.0);
                self.highlight(&phrase.terms, negated, weight, concept, number + 1);
                let origin = Origin::Synonym {
                    of: typed.to_string(),
                };
                let query =
                    self.across_fields(&phrase.terms, (!negated).then_some((origin, weight)));
                Box::new(BoostQuery::new(query, weight)) as Box<dyn Query>
            })
            .collect();
        Some(Box::new(BestOf::new(queries, 0.0)))
    }

    /// The terms in each text field, best field first. With `explained`, each
    /// field's query is also kept as a [`Part`] of that origin and weight.
    fn across_fields(&mut self, terms: &Terms, explained: Option<(Origin, f32)>) -> Box<dyn Query> {
        let fields = [
            (self.fields.title, "title", TITLE_BOOST),
            (self.fields.aliases, "aliases", ALIASES_BOOST),
            (self.fields.body, "body", 1.0),
        ];
        let mut per_field: Vec<Box<dyn Query>> = Vec::new();
        for (field, name, boost) in fields {
            if !self.searched.contains(&field) {
                continue;
            }
            let query = field_query(field, terms);
            if let Some((origin, weight)) = &explained {
                self.parts.push(Part {
                    terms: joined(terms),
                    origin: origin.clone(),
                    field: name,
                    query: Box::new(BoostQuery::new(query.box_clone(), boost * weight)),
                });
            }
            per_field.push(Box::new(BoostQuery::new(query, boost)));
        }
        Box::new(BestOf::new(per_field, TIE_BREAKER))
    }

    fn terms(&mut self, text: &str) -> Terms {
        let tokens = analysis::tokens(&mut self.analyzer, text);
        let first = tokens.first().map_or(0, |token| token.position);
        tokens
            .into_iter()
            .map(|token| (token.position - first, token.term))
            .collect()
    }

    fn next_concept(&mut self) -> usize {
        self.concepts += 1;
        self.concepts
    }

    /// Records terms to highlight: alternative 0 of a concept is the word as
    /// typed, the others its synonyms.
    fn highlight(
        &mut self,
        terms: &Terms,
        negated: bool,
        weight: f32,
        concept: usize,
        alternative: usize,
    ) {
        if !negated {
            self.highlight
                .extend(terms.iter().map(|(offset, term)| Sought {
                    term: term.clone(),
                    weight,
                    concept,
                    alternative,
                    offset: *offset,
                }));
        }
    }
}

/// Whether the synonyms `alternatives` of the words `typed` are broader
/// terms: a one-way rule (`addictive => dependence`), whose right side does
/// not lead back to the words typed, unlike a group of names for one thing.
fn broadens(synonyms: &Synonyms, typed: &[&str], alternatives: &[Phrase]) -> bool {
    let key = |phrase: &Phrase| -> Vec<String> {
        phrase.terms.iter().map(|(_, term)| term.clone()).collect()
    };
    !alternatives.iter().all(|alternative| {
        let back = key(alternative);
        let back: Vec<&str> = back.iter().map(String::as_str).collect();
        synonyms
            .longest_match(&back)
            .filter(|(len, _)| *len == back.len())
            .is_some_and(|(_, others)| others.iter().any(|other| key(other) == typed))
    })
}

fn joined(terms: &Terms) -> String {
    terms
        .iter()
        .map(|(_, term)| term.as_str())
        .collect::<Vec<_>>()
        .join(" ")
}

/// A term or phrase query on one field.
fn field_query(field: Field, terms: &Terms) -> Box<dyn Query> {
    if let [(_, term)] = terms.as_slice() {
        let term = Term::from_field_text(field, term);
        return Box::new(TermQuery::new(term, IndexRecordOption::WithFreqs));
    }
    let terms = terms
        .iter()
        .map(|(offset, term)| (*offset, Term::from_field_text(field, term)))
        .collect();
    Box::new(PhraseQuery::new_with_offset(terms))
}

/// An exact, case-insensitive match on a keyword field (drug, tag, kind).
fn exact(field: Field, value: &str) -> Box<dyn Query> {
    let term = Term::from_field_text(field, &value.trim().to_lowercase());
    Box::new(ConstScoreQuery::new(
        Box::new(TermQuery::new(term, IndexRecordOption::Basic)),
        1.0,
    ))
}
