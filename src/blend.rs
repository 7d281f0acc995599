//! Blended term statistics: how rare a word is, judged once per document
//! and shared by the word's synonyms.
//!
//! BM25 weighs a term by how rare it is, and tantivy counts rarity field by
//! field. Left alone, that misleads twice:
//!
//! - A common word is rare among titles: "benzodiazepines" is in most
//!   bodies but one title, so a title match on it would outweigh the
//!   question's truly rare word ("opioids"). As BM25F and Elasticsearch's
//!   `combined_fields` do, every field uses the word's document frequency
//!   (the most of any field).
//! - A rare synonym outweighs the common word it stands for ("Rivotril" is
//!   in three documents, "clonazepam" in fourteen), so a document naming a
//!   brand would outrank one about the drug, and the synonym would beat the
//!   word as typed. As Lucene's blended term query does, the one-word
//!   alternatives of a word are scored as if each were as common as the
//!   most common of them. Where the synonyms are broader terms, not other
//!   names for the same thing (a one-way rule, `addictive => dependence`),
//!   the word as typed keeps its own rarity: finding the very word the
//!   reader used ("addiction") says more than finding the broader one.
//!
//! The length of each field comes from the index's manifest rather than
//! from tantivy, which counts it one way when it builds a segment and
//! another when it merges one (see [`crate::index::Writer::finish`]).

use std::collections::HashMap;

use tantivy::query::Bm25StatisticsProvider;
use tantivy::schema::Field;
use tantivy::{Searcher, Term};

/// One query word for blending: the word as typed and its synonyms.
pub struct Group {
    /// The word as typed first, then its synonyms, each a list of analysed
    /// terms (a word or a phrase).
    pub alternatives: Vec<Vec<String>>,
    /// Whether the synonyms are broader terms than the word as typed.
    pub broadened: bool,
}

/// Document frequencies with the terms of each synonym group blended.
pub struct BlendedStatistics<'a> {
    searcher: &'a Searcher,
    blended: HashMap<Term, u64>,
    token_totals: HashMap<Field, u64>,
}

impl<'a> BlendedStatistics<'a> {
    /// Blends the statistics of the question's words, `groups`.
    /// `token_totals` gives the tokens in each field; tantivy counts the
    /// fields it leaves out.
    pub fn new(
        searcher: &'a Searcher,
        fields: &[Field],
        groups: &[Group],
        token_totals: HashMap<Field, u64>,
    ) -> tantivy::Result<BlendedStatistics<'a>> {
        // Document frequency of each term: the most of any field.
        let mut documents: HashMap<&str, u64> = HashMap::new();
        for term in groups
            .iter()
            .flat_map(|group| &group.alternatives)
            .flatten()
        {
            if documents.contains_key(term.as_str()) {
                continue;
            }
            let mut most = 0;
            for &field in fields {
                most = most.max(searcher.doc_freq(&Term::from_field_text(field, term))?);
            }
            documents.insert(term, most);
        }
        let mut blended_frequency = documents.clone();
        for group in groups.iter().filter(|group| group.alternatives.len() > 1) {
            // A phrase is as common as its rarest word.
            let most = group
                .alternatives
                .iter()
                .map(|terms| {
                    terms
                        .iter()
                        .map(|term| documents[term.as_str()])
                        .min()
                        .unwrap_or(0)
                })
                .max()
                .unwrap_or(0);
            let blended = group.alternatives.iter().skip(usize::from(group.broadened));
            for alternative in blended {
                if let [term] = alternative.as_slice() {
                    let entry = blended_frequency.entry(term).or_default();
                    *entry = (*entry).max(most);
                }
            }
        }
        let mut blended = HashMap::new();
        for &field in fields {
            for (term, &frequency) in &blended_frequency {
                blended.insert(Term::from_field_text(field, term), frequency);
            }
        }
        Ok(BlendedStatistics {
            searcher,
            blended,
            token_totals,
        })
    }
}

impl Bm25StatisticsProvider for BlendedStatistics<'_> {
    fn total_num_tokens(&self, field: Field) -> tantivy::Result<u64> {
        match self.token_totals.get(&field) {
            Some(&total) => Ok(total),
            None => self.searcher.total_num_tokens(field),
        }
    }

    fn total_num_docs(&self) -> tantivy::Result<u64> {
        self.searcher.total_num_docs()
    }

    fn doc_freq(&self, term: &Term) -> tantivy::Result<u64> {
        match self.blended.get(term) {
            Some(&blended) => Ok(blended),
            None => self.searcher.doc_freq(term),
        }
    }
}
