//! A query for the excluded part of a question (`-"sleep drug"`).
//!
//! tantivy tests exclusions with `seek_danger`, which a phrase scorer that
//! has run out of documents answers with a failed assertion (in debug
//! builds) instead of "not found". Wrapped in [`Excluded`], the scorer is
//! sought the plain way: `seek` when behind, "not found" when past.

use tantivy::query::{EnableScoring, Explanation, Query, Scorer, Weight};
use tantivy::{DocId, DocSet, Score, SegmentReader};

/// Matches what the wrapped query matches, for use as a `MustNot` clause.
#[derive(Debug)]
pub struct Excluded(pub Box<dyn Query>);

impl Clone for Excluded {
    fn clone(&self) -> Excluded {
        Excluded(self.0.box_clone())
    }
}

impl Query for Excluded {
    fn weight(&self, enable_scoring: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        Ok(Box::new(ExcludedWeight(self.0.weight(enable_scoring)?)))
    }

    fn query_terms<'a>(&'a self, visitor: &mut dyn FnMut(&'a tantivy::Term, bool)) {
        self.0.query_terms(visitor);
    }
}

struct ExcludedWeight(Box<dyn Weight>);

impl Weight for ExcludedWeight {
    fn scorer(&self, reader: &SegmentReader, boost: Score) -> tantivy::Result<Box<dyn Scorer>> {
        Ok(Box::new(PlainSeek(self.0.scorer(reader, boost)?)))
    }

    fn explain(&self, reader: &SegmentReader, doc: DocId) -> tantivy::Result<Explanation> {
        self.0.explain(reader, doc)
    }
}

/// A scorer that keeps `DocSet`'s default `seek_danger`.
struct PlainSeek(Box<dyn Scorer>);

impl DocSet for PlainSeek {
    fn advance(&mut self) -> DocId {
        self.0.advance()
    }

    fn seek(&mut self, target: DocId) -> DocId {
        self.0.seek(target)
    }

    fn doc(&self) -> DocId {
        self.0.doc()
    }

    fn size_hint(&self) -> u32 {
        self.0.size_hint()
    }
}

impl Scorer for PlainSeek {
    fn score(&mut self) -> Score {
        self.0.score()
    }
}
