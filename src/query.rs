//! Clauses → a tantivy query, and the terms a snippet should highlight.
//!
//! Each word is looked up in the title, the aliases and the body, scored by
//! BM25 and combined by "best field wins, the others add a little"
//! (dis-max), with the title and aliases weighted above the body. Words are
//! ORed unless the question says otherwise, so documents that match more of
//! them rank first. A word or run of words with synonyms also matches them,
//! as phrases and at a lower weight, so the word as typed ranks first.

use tantivy::query::{
    AllQuery, BooleanQuery, BoostQuery, ConstScoreQuery, DisjunctionMaxQuery,
    Occur as TantivyOccur, PhraseQuery, Query, TermQuery,
};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::tokenizer::TextAnalyzer;
use tantivy::Term;

use crate::analysis;
use crate::doc::Kind;
use crate::index::Fields;
use crate::synonyms::{Phrase, Synonyms};
use crate::syntax::{Clause, Node, Occur, Parsed, Scope};

/// How much a match in the title counts against one in the body.
pub const TITLE_BOOST: f32 = 2.5;
/// How much a match in a note's aliases counts against one in the body.
pub const ALIASES_BOOST: f32 = 2.0;
/// How much the fields that are not the best match add to a word's score.
const TIE_BREAKER: f32 = 0.2;
/// How much a synonym counts against the word as typed.
pub const SYNONYM_WEIGHT: f32 = 0.7;

/// Restrictions applied besides the question itself.
#[derive(Debug, Clone, Default)]
pub struct Filters {
    pub kind: Option<Kind>,
    pub drugs: Vec<String>,
    pub tags: Vec<String>,
}

/// A question ready to run.
pub struct Compiled {
    pub query: Box<dyn Query>,
    /// Analysed terms of the wanted (not excluded) words and their synonyms,
    /// with how much each counts (1 for words as typed), for highlighting.
    pub highlight: Vec<(String, f32)>,
    /// The synonyms used, as "typed → also searched".
    pub expansions: Vec<String>,
}

/// Builds the query; `None` when nothing in the question can be searched
/// (only stop words or punctuation).
pub fn compile(
    parsed: &Parsed,
    fields: &Fields,
    filters: &Filters,
    synonyms: &Synonyms,
) -> Option<Compiled> {
    let mut compiler = Compiler {
        fields,
        synonyms,
        analyzer: analysis::english(),
        highlight: Vec::new(),
        expansions: Vec::new(),
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
    // The same term may come as typed and as a synonym: it counts as typed.
    compiler
        .highlight
        .sort_by(|a, b| a.0.cmp(&b.0).then(b.1.total_cmp(&a.1)));
    compiler.highlight.dedup_by(|later, kept| later.0 == kept.0);
    Some(Compiled {
        query: Box::new(BooleanQuery::new(clauses)),
        highlight: compiler.highlight,
        expansions: compiler.expansions,
    })
}

type Terms = Vec<(usize, String)>;

struct Compiler<'a> {
    fields: &'a Fields,
    synonyms: &'a Synonyms,
    analyzer: TextAnalyzer,
    highlight: Vec<(String, f32)>,
    expansions: Vec<String>,
}

impl Compiler<'_> {
    fn clauses(
        &mut self,
        clauses: &[Clause],
        negated: bool,
    ) -> Vec<(TantivyOccur, Box<dyn Query>)> {
        let mut out = Vec::new();
        let mut plain_run: Vec<(usize, String)> = Vec::new(); // (clause, term) of plain words
        for (index, clause) in clauses.iter().enumerate() {
            let excluded = clause.occur == Occur::MustNot;
            let occur = match clause.occur {
                Occur::Should => TantivyOccur::Should,
                Occur::Must => TantivyOccur::Must,
                Occur::MustNot => TantivyOccur::MustNot,
            };
            if let (Node::Word { scope: None, text }, false) = (&clause.node, excluded) {
                let terms = self.terms(text);
                plain_run.extend(terms.iter().map(|(_, term)| (index, term.clone())));
            } else {
                self.expand_run(&mut plain_run, negated, &mut out);
            }
            if let Some(query) = self.node(&clause.node, negated != excluded) {
                out.push((occur, query));
            }
        }
        self.expand_run(&mut plain_run, negated, &mut out);
        out
    }

    /// Adds synonyms of runs of plain words that span several words ("restless
    /// legs syndrome" → RLS). A single word's synonyms are added where the
    /// word is compiled.
    fn expand_run(
        &mut self,
        run: &mut Vec<(usize, String)>,
        negated: bool,
        out: &mut Vec<(TantivyOccur, Box<dyn Query>)>,
    ) {
        let terms: Vec<&str> = run.iter().map(|(_, term)| term.as_str()).collect();
        let mut at = 0;
        while at < terms.len() {
            match self.synonyms.longest_match(&terms[at..]) {
                Some((len, alternatives)) if run[at].0 != run[at + len - 1].0 => {
                    let alternatives = alternatives.to_vec();
                    let typed = terms[at..at + len].join(" ");
                    if let Some(query) = self.alternatives(&typed, &alternatives, negated) {
                        out.push((TantivyOccur::Should, query));
                    }
                    at += len;
                }
                _ => at += 1,
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
                    self.highlight(&terms, negated, 1.0);
                    (!terms.is_empty()).then(|| field_query(self.fields.title, &terms))
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
        self.highlight(&terms, negated, 1.0);
        let typed = self.across_fields(&terms);
        let keys: Vec<&str> = terms.iter().map(|(_, term)| term.as_str()).collect();
        let alternatives = match self.synonyms.longest_match(&keys) {
            Some((len, alternatives)) if len == keys.len() => alternatives.to_vec(),
            _ => return Some(typed),
        };
        match self.alternatives(text, &alternatives, negated) {
            Some(synonyms) => Some(Box::new(DisjunctionMaxQuery::with_tie_breaker(
                vec![typed, synonyms],
                0.0,
            ))),
            None => Some(typed),
        }
    }

    /// One query matching any of `alternatives`, at the synonym weight.
    fn alternatives(
        &mut self,
        typed: &str,
        alternatives: &[Phrase],
        negated: bool,
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
            .map(|phrase| {
                // A longer alternative matches more terms; scale it down so
                // that "RLS" does not rank "restless legs syndrome" above itself.
                let weight = SYNONYM_WEIGHT * (typed_terms / phrase.terms.len() as f32).min(1.0);
                self.highlight(&phrase.terms, negated, weight);
                Box::new(BoostQuery::new(self.across_fields(&phrase.terms), weight))
                    as Box<dyn Query>
            })
            .collect();
        Some(Box::new(DisjunctionMaxQuery::with_tie_breaker(
            queries, 0.0,
        )))
    }

    fn across_fields(&self, terms: &Terms) -> Box<dyn Query> {
        let fields = [
            (self.fields.title, TITLE_BOOST),
            (self.fields.aliases, ALIASES_BOOST),
            (self.fields.body, 1.0),
        ];
        let per_field = fields
            .iter()
            .map(|&(field, boost)| {
                Box::new(BoostQuery::new(field_query(field, terms), boost)) as Box<dyn Query>
            })
            .collect();
        Box::new(DisjunctionMaxQuery::with_tie_breaker(
            per_field,
            TIE_BREAKER,
        ))
    }

    fn terms(&mut self, text: &str) -> Terms {
        let tokens = analysis::tokens(&mut self.analyzer, text);
        let first = tokens.first().map_or(0, |token| token.position);
        tokens
            .into_iter()
            .map(|token| (token.position - first, token.term))
            .collect()
    }

    fn highlight(&mut self, terms: &Terms, negated: bool, weight: f32) {
        if !negated {
            self.highlight
                .extend(terms.iter().map(|(_, term)| (term.clone(), weight)));
        }
    }
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
