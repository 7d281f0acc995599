//! Clauses → a tantivy query, and the terms a snippet should highlight.
//!
//! Each word is looked up in the title, the aliases and the body, scored by
//! BM25 and combined by "best field wins, the others add a little"
//! (dis-max), with the title and aliases weighted above the body. Words are
//! ORed unless the question says otherwise, so documents that match more of
//! them rank first.

use tantivy::query::{
    AllQuery, BooleanQuery, BoostQuery, ConstScoreQuery, DisjunctionMaxQuery,
    Occur as TantivyOccur, PhraseQuery, Query, TermQuery,
};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::tokenizer::TextAnalyzer;
use tantivy::Term;

use crate::analysis::{self, Token};
use crate::doc::Kind;
use crate::index::Fields;
use crate::syntax::{Clause, Node, Occur, Parsed, Scope};

/// How much a match in the title counts against one in the body.
const TITLE_BOOST: f32 = 2.5;
/// How much a match in a note's aliases counts against one in the body.
const ALIASES_BOOST: f32 = 2.0;
/// How much the fields that are not the best match add to a word's score.
const TIE_BREAKER: f32 = 0.2;

/// Restrictions applied besides the question itself.
#[derive(Debug, Clone, Default)]
pub struct Filters {
    pub kind: Option<Kind>,
}

/// A question ready to run.
pub struct Compiled {
    pub query: Box<dyn Query>,
    /// Analysed terms of the wanted (not excluded) words, for highlighting.
    pub highlight: Vec<String>,
}

/// Builds the query; `None` when nothing in the question can be searched
/// (only stop words or punctuation).
pub fn compile(parsed: &Parsed, fields: &Fields, filters: &Filters) -> Option<Compiled> {
    let mut compiler = Compiler {
        fields,
        analyzer: analysis::english(),
        highlight: Vec::new(),
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
    if let Some(kind) = filters.kind {
        let term = Term::from_field_text(fields.kind, kind.as_str());
        let filter = ConstScoreQuery::new(
            Box::new(TermQuery::new(term, IndexRecordOption::Basic)),
            0.0,
        );
        clauses.push((TantivyOccur::Must, Box::new(filter)));
    }
    compiler.highlight.sort();
    compiler.highlight.dedup();
    Some(Compiled {
        query: Box::new(BooleanQuery::new(clauses)),
        highlight: compiler.highlight,
    })
}

struct Compiler<'a> {
    fields: &'a Fields,
    analyzer: TextAnalyzer,
    highlight: Vec<String>,
}

impl Compiler<'_> {
    fn clauses(
        &mut self,
        clauses: &[Clause],
        negated: bool,
    ) -> Vec<(TantivyOccur, Box<dyn Query>)> {
        clauses
            .iter()
            .filter_map(|clause| {
                let excluded = clause.occur == Occur::MustNot;
                let query = self.node(&clause.node, negated != excluded)?;
                let occur = match clause.occur {
                    Occur::Should => TantivyOccur::Should,
                    Occur::Must => TantivyOccur::Must,
                    Occur::MustNot => TantivyOccur::MustNot,
                };
                Some((occur, query))
            })
            .collect()
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
                Some(Scope::Title) => self.text(&[(self.fields.title, 1.0)], text, negated),
                None => {
                    let fields = [
                        (self.fields.title, TITLE_BOOST),
                        (self.fields.aliases, ALIASES_BOOST),
                        (self.fields.body, 1.0),
                    ];
                    self.text(&fields, text, negated)
                }
            },
        }
    }

    /// A word or phrase across `fields`. A word that analyses to several
    /// tokens ("GABA-A", "anti-anxiety") is matched as a phrase.
    fn text(
        &mut self,
        fields: &[(Field, f32)],
        text: &str,
        negated: bool,
    ) -> Option<Box<dyn Query>> {
        let tokens = analysis::tokens(&mut self.analyzer, text);
        if tokens.is_empty() {
            return None;
        }
        if !negated {
            self.highlight
                .extend(tokens.iter().map(|token| token.term.clone()));
        }
        let per_field: Vec<Box<dyn Query>> = fields
            .iter()
            .map(|&(field, boost)| {
                let query = field_query(field, &tokens);
                if boost == 1.0 {
                    query
                } else {
                    Box::new(BoostQuery::new(query, boost)) as Box<dyn Query>
                }
            })
            .collect();
        if per_field.len() == 1 {
            per_field.into_iter().next()
        } else {
            Some(Box::new(DisjunctionMaxQuery::with_tie_breaker(
                per_field,
                TIE_BREAKER,
            )))
        }
    }
}

fn field_query(field: Field, tokens: &[Token]) -> Box<dyn Query> {
    if let [token] = tokens {
        let term = Term::from_field_text(field, &token.term);
        return Box::new(TermQuery::new(term, IndexRecordOption::WithFreqs));
    }
    let first = tokens[0].position;
    let terms = tokens
        .iter()
        .map(|token| {
            (
                token.position - first,
                Term::from_field_text(field, &token.term),
            )
        })
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
