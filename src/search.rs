//! Running a question against an opened index: ranked hits, each with its
//! best passages highlighted.

use std::collections::{BTreeMap, HashMap};

use tantivy::collector::{Count, DocSetCollector, TopDocs};
use tantivy::Term;

use crate::doc::{Doc, Kind};
use crate::error::{Error, Result};
use crate::index::Opened;
use crate::query::{self, Filters};
use crate::snippet::{Excerpt, Highlighter};
use crate::spelling::{Correction, Speller};
use crate::synonyms::Synonyms;
use crate::syntax;

/// How many of the best documents by BM25 are re-ranked by their passages.
const RERANK_DEPTH: usize = 30;
/// How much the best passage's score adds to the document's.
const PASSAGE_WEIGHT: f32 = 2.0;

/// How much more a title or alias match counts than a passage match.
const TITLE_PASSAGE_BOOST: f32 = 1.5;

/// A question and how to answer it.
#[derive(Debug, Clone)]
pub struct SearchRequest {
    pub query: String,
    pub limit: usize,
    pub kind: Option<Kind>,
    /// Only documents about all of these drugs.
    pub drugs: Vec<String>,
    /// Only documents with all of these tags.
    pub tags: Vec<String>,
    /// How many passages to show per hit.
    pub passages: usize,
    /// Count the matching documents per drug, kind and tag.
    pub facets: bool,
}

impl SearchRequest {
    pub fn new(query: &str) -> SearchRequest {
        SearchRequest {
            query: query.to_string(),
            limit: 10,
            kind: None,
            drugs: Vec::new(),
            tags: Vec::new(),
            passages: 1,
            facets: false,
        }
    }
}

/// The answer to a question.
#[derive(Debug, Clone)]
pub struct SearchResults {
    pub query: String,
    /// How many documents match, of which `hits` are the best.
    pub total: usize,
    pub hits: Vec<Hit>,
    /// Set when the question had no word that can be searched.
    pub nothing_searchable: bool,
    /// Set when words past the limit were ignored.
    pub truncated: bool,
    /// The question as searched, when misspelt words were corrected.
    pub suggestion: Option<String>,
    pub corrections: Vec<Correction>,
    /// The synonyms searched besides the words as typed.
    pub expansions: Vec<String>,
    /// Per drug, kind and tag, how many matching documents have it.
    pub facets: Option<Facets>,
}

/// Counts of matching documents by metadata value.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Facets {
    pub drug: BTreeMap<String, usize>,
    pub kind: BTreeMap<String, usize>,
    pub tag: BTreeMap<String, usize>,
}

/// One matching document.
#[derive(Debug, Clone)]
pub struct Hit {
    pub doc: Doc,
    pub score: f32,
    /// The best passages, best first; never empty when the body has text.
    pub passages: Vec<Excerpt>,
}

/// Answers `request` from `opened`, with `synonyms` expanding the question.
pub fn search(
    opened: &Opened,
    request: &SearchRequest,
    synonyms: &Synonyms,
) -> Result<SearchResults> {
    if request.query.trim().is_empty() {
        return Err(Error::EmptyQuery);
    }
    let searcher = opened.searcher();
    let mut parsed = syntax::parse(&request.query);
    let is_synonym = |word: &str| synonyms.longest_match(&[word]).is_some();
    let mut speller = Speller::new(&searcher, opened.fields.words, &is_synonym);
    let corrections = speller.correct(&mut parsed.clauses);
    let suggestion =
        (!corrections.is_empty()).then(|| speller.correct_text(&request.query, &mut Vec::new()));
    let filters = Filters {
        kind: request.kind,
        drugs: request.drugs.clone(),
        tags: request.tags.clone(),
    };
    let mut results = SearchResults {
        query: request.query.clone(),
        total: 0,
        hits: Vec::new(),
        nothing_searchable: false,
        truncated: parsed.truncated,
        suggestion,
        corrections,
        expansions: Vec::new(),
        facets: None,
    };
    let Some(compiled) = query::compile(&parsed, &opened.fields, &filters, synonyms) else {
        results.nothing_searchable = true;
        return Ok(results);
    };
    results.expansions = compiled.expansions.clone();
    let fail = |err| Error::tantivy(&opened.dir, err);
    // The best few by BM25 are re-ranked with how well their best passage
    // answers: a paragraph about the question beats scattered mentions.
    let depth = request.limit.max(RERANK_DEPTH);
    let collector = (TopDocs::with_limit(depth).order_by_score(), Count);
    let (top, total) = searcher
        .search(&*compiled.query, &collector)
        .map_err(fail)?;
    results.total = total;
    if request.facets {
        let mut facets = Facets::default();
        for address in searcher
            .search(&*compiled.query, &DocSetCollector)
            .map_err(fail)?
        {
            let doc = opened.doc(&searcher, address)?;
            *facets.kind.entry(doc.kind.to_string()).or_default() += 1;
            for drug in doc.drugs {
                *facets.drug.entry(drug).or_default() += 1;
            }
            for tag in doc.tags {
                *facets.tag.entry(tag).or_default() += 1;
            }
        }
        results.facets = Some(facets);
    }
    if request.limit == 0 {
        return Ok(results);
    }

    // Rarer words make a passage a better answer, as they make a document one.
    let documents = searcher.num_docs().max(1) as f32;
    let mut weights = HashMap::new();
    for (term, weight) in &compiled.highlight {
        let frequency = searcher
            .doc_freq(&Term::from_field_text(opened.fields.body, term))
            .map_err(fail)? as f32;
        let idf = (1.0 + (documents - frequency + 0.5) / (frequency + 0.5)).ln();
        weights.insert(term.clone(), weight * idf.max(0.1));
    }
    let mut highlighter = Highlighter::new(weights);
    for (score, address) in top {
        let doc = opened.doc(&searcher, address)?;
        let best = highlighter.best_passages(&doc.body, request.passages.max(1));
        // A title or alias that answers counts at least as much as a passage.
        let named = TITLE_PASSAGE_BOOST
            * std::iter::once(&doc.title)
                .chain(&doc.aliases)
                .map(|name| highlighter.score_text(name))
                .fold(0.0, f32::max);
        results.hits.push(Hit {
            doc,
            score: score + PASSAGE_WEIGHT * best.score.max(named),
            passages: best.excerpts,
        });
    }
    results.hits.sort_by(|a, b| b.score.total_cmp(&a.score));
    results.hits.truncate(request.limit);
    Ok(results)
}
