//! The best of a few queries: a word across its fields, or a word and its
//! synonyms.
//!
//! It scores a document as tantivy's `DisjunctionMaxQuery` does (the best
//! score, plus `tie_breaker` times the others, added in the same order, so
//! to the last bit), but walks its few parts side by side instead of
//! through tantivy's buffered union, which sets up 4,096 slots for every
//! such query in every search: up to 9% of a question's instructions on
//! the bundled corpus ("anxiety benzodiazepine", a word and its synonyms
//! across three fields each).

use tantivy::query::{EnableScoring, Explanation, Query, Scorer, Weight};
use tantivy::{DocId, DocSet, Score, SegmentReader, TERMINATED};

/// Matches what any of `parts` matches.
#[derive(Debug)]
pub struct BestOf {
    parts: Vec<Box<dyn Query>>,
    tie_breaker: Score,
}

impl BestOf {
    pub fn new(parts: Vec<Box<dyn Query>>, tie_breaker: Score) -> BestOf {
        BestOf { parts, tie_breaker }
    }
}

impl Clone for BestOf {
    fn clone(&self) -> BestOf {
        BestOf {
            parts: self.parts.iter().map(|part| part.box_clone()).collect(),
            tie_breaker: self.tie_breaker,
        }
    }
}

impl Query for BestOf {
    fn weight(&self, enable_scoring: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        let parts = self
            .parts
            .iter()
            .map(|part| part.weight(enable_scoring))
            .collect::<tantivy::Result<_>>()?;
        Ok(Box::new(BestOfWeight {
            parts,
            tie_breaker: self.tie_breaker,
        }))
    }

    fn query_terms<'a>(&'a self, visitor: &mut dyn FnMut(&'a tantivy::Term, bool)) {
        for part in &self.parts {
            part.query_terms(visitor);
        }
    }
}

struct BestOfWeight {
    parts: Vec<Box<dyn Weight>>,
    tie_breaker: Score,
}

impl Weight for BestOfWeight {
    fn scorer(&self, reader: &SegmentReader, boost: Score) -> tantivy::Result<Box<dyn Scorer>> {
        let mut parts = Vec::with_capacity(self.parts.len());
        for weight in &self.parts {
            let part = weight.scorer(reader, boost)?;
            if part.doc() != TERMINATED {
                parts.push(part);
            }
        }
        if parts.len() == 1 {
            return Ok(parts.pop().expect("one part"));
        }
        let mut scorer = BestOfScorer {
            parts,
            doc: TERMINATED,
            tie_breaker: self.tie_breaker,
        };
        scorer.doc = scorer.first_doc();
        Ok(Box::new(scorer))
    }

    fn explain(&self, reader: &SegmentReader, doc: DocId) -> tantivy::Result<Explanation> {
        let mut scorer = self.scorer(reader, 1.0)?;
        if scorer.seek(doc) != doc {
            return Err(tantivy::TantivyError::InvalidArgument(format!(
                "document #{doc} does not match"
            )));
        }
        let mut explanation = Explanation::new(
            "the best of these, plus the tie-breaker times the rest",
            scorer.score(),
        );
        for weight in &self.parts {
            if let Ok(part) = weight.explain(reader, doc) {
                explanation.add_detail(part);
            }
        }
        Ok(explanation)
    }
}

/// The parts' scorers, each on its own next document.
struct BestOfScorer {
    parts: Vec<Box<dyn Scorer>>,
    doc: DocId,
    tie_breaker: Score,
}

impl BestOfScorer {
    fn first_doc(&self) -> DocId {
        self.parts
            .iter()
            .map(|part| part.doc())
            .min()
            .unwrap_or(TERMINATED)
    }
}

impl DocSet for BestOfScorer {
    fn advance(&mut self) -> DocId {
        let current = self.doc;
        for part in &mut self.parts {
            if part.doc() == current {
                part.advance();
            }
        }
        self.doc = self.first_doc();
        self.doc
    }

    /// Each part is sought the plain way, and only when behind: a phrase
    /// scorer that has run out must not be sought again.
    fn seek(&mut self, target: DocId) -> DocId {
        for part in &mut self.parts {
            if part.doc() < target {
                part.seek(target);
            }
        }
        self.doc = self.first_doc();
        self.doc
    }

    fn doc(&self) -> DocId {
        self.doc
    }

    fn size_hint(&self) -> u32 {
        self.parts
            .iter()
            .map(|part| part.size_hint())
            .fold(0, u32::saturating_add)
    }
}

impl Scorer for BestOfScorer {
    /// As tantivy's `DisjunctionMaxCombiner` adds them up.
    fn score(&mut self) -> Score {
        let (mut best, mut sum): (Score, Score) = (0.0, 0.0);
        for part in &mut self.parts {
            if part.doc() == self.doc {
                let score = part.score();
                best = Score::max(score, best);
                sum += score;
            }
        }
        best + (sum - best) * self.tie_breaker
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tantivy::collector::{Count, TopDocs};
    use tantivy::query::{BooleanQuery, BoostQuery, DisjunctionMaxQuery, Occur, TermQuery};
    use tantivy::schema::{Field, IndexRecordOption, Schema, TEXT};
    use tantivy::{doc, Index, Term};

    const TITLE: Field = Field::from_field_id(0);
    const BODY: Field = Field::from_field_id(1);

    const TEXTS: [&str; 8] = [
        "restless legs at night",
        "legs and arms, legs again",
        "sleep at night, restless sleep",
        "arms",
        "night sweats",
        "restless restless restless",
        "nothing here",
        "legs night restless sleep arms",
    ];

    fn both_ways(parts: impl Fn() -> Vec<Box<dyn Query>>, tie_breaker: Score) {
        let mut schema = Schema::builder();
        assert_eq!(schema.add_text_field("title", TEXT), TITLE);
        assert_eq!(schema.add_text_field("body", TEXT), BODY);
        let index = Index::create_in_ram(schema.build());
        let mut writer = index.writer_with_num_threads(1, 15_000_000).unwrap();
        for (number, text) in TEXTS.iter().enumerate() {
            writer
                .add_document(doc!(TITLE => TEXTS[(number + 3) % TEXTS.len()], BODY => *text))
                .unwrap();
        }
        writer.commit().unwrap();
        let searcher = index.reader().unwrap().searcher();
        let ours = BestOf::new(parts(), tie_breaker);
        let theirs = DisjunctionMaxQuery::with_tie_breaker(parts(), tie_breaker);
        // Also inside a conjunction, which seeks rather than advances.
        let within = |query: Box<dyn Query>| {
            let night = Term::from_field_text(BODY, "night");
            BooleanQuery::new(vec![
                (Occur::Must, query),
                (
                    Occur::Must,
                    Box::new(TermQuery::new(night, IndexRecordOption::WithFreqs)),
                ),
            ])
        };
        let collector = (TopDocs::with_limit(10).order_by_score(), Count);
        let ranked = |query: &dyn Query| {
            let (top, count) = searcher.search(query, &collector).unwrap();
            let top: Vec<(u32, u32)> = top
                .into_iter()
                .map(|(score, address)| (score.to_bits(), address.doc_id))
                .collect();
            (top, count)
        };
        assert_eq!(ranked(&ours), ranked(&theirs));
        assert_eq!(
            ranked(&within(Box::new(ours.clone()))),
            ranked(&within(Box::new(theirs)))
        );
        assert!(ranked(&ours).1 > 0);
    }

    fn term(field: Field, word: &str) -> Box<dyn Query> {
        let term = Term::from_field_text(field, word);
        Box::new(TermQuery::new(term, IndexRecordOption::WithFreqs))
    }

    #[test]
    fn scores_every_document_as_tantivys_disjunction_max_does() {
        both_ways(
            || {
                vec![
                    Box::new(BoostQuery::new(term(TITLE, "restless"), 3.0)) as Box<dyn Query>,
                    term(BODY, "restless"),
                    Box::new(BoostQuery::new(term(BODY, "legs"), 0.5)),
                ]
            },
            0.2,
        );
        both_ways(|| vec![term(BODY, "arms"), term(TITLE, "night")], 0.0);
    }

    #[test]
    fn nested_and_single_parts_score_the_same_too() {
        both_ways(
            || {
                let inner = BestOf::new(vec![term(BODY, "sleep"), term(TITLE, "sleep")], 0.1);
                vec![Box::new(inner) as Box<dyn Query>, term(BODY, "sweats")]
            },
            0.3,
        );
        both_ways(|| vec![term(BODY, "legs")], 0.2);
        both_ways(|| vec![term(BODY, "absent"), term(BODY, "arms")], 0.2);
    }
}
