//! Running a question against an opened index: ranked hits, each with its
//! best passages highlighted.

use std::collections::{BTreeMap, HashMap};

use tantivy::collector::{Count, DocSetCollector};
use tantivy::query::{Bm25StatisticsProvider, EnableScoring};
use tantivy::DocSet;
use tantivy::Term;

use crate::blend::{BlendedStatistics, Group};
use crate::doc::{Doc, Kind};
use crate::error::{Error, Result};
use crate::index::{best_by_score, Opened};
use crate::query::{self, Filters};
use crate::snippet::{BestPassages, Excerpt, Highlighter, Sought};
use crate::spelling::{Correction, Speller};
use crate::synonyms::Synonyms;
use crate::syntax;

/// How many of the best documents by BM25 are re-ranked by their passages,
/// or as many as are asked for if more: twice the ten shown by default. On
/// 139,350 documents, 30 cost 0.2 ms more a question.
const RERANK_DEPTH: usize = 20;

/// How much the best passage's score adds to the document's.
const PASSAGE_WEIGHT: f32 = 2.0;

/// How much of a passage's score it lends to each document it cites
/// (at most this much of the cited document's own best passage).
const CITATION_WEIGHT: f32 = 0.5;

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
    /// Say for each hit which words and fields made its score.
    pub explain: bool,
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
            explain: false,
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
    /// Why it ranked where it did, when asked for.
    pub explanation: Option<Explanation>,
}

/// How a hit's score was made:
/// `score = text + PASSAGE_WEIGHT × max(passage, names) + cited`.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Explanation {
    /// BM25 of the question's words in the title, aliases and body.
    pub text: f32,
    /// How well the best passage answers, before weighting.
    pub passage: f32,
    /// How well the title or an alias answers, before weighting.
    pub names: f32,
    /// What the passage or name added to `text`.
    pub bonus: f32,
    /// What the best passage of another hit that cites this one lent it.
    pub cited: f32,
    /// The id of that hit.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cited_by: Option<String>,
    /// Each searched word or phrase that matched, per field, best first.
    /// Per word, the best field counts fully and the others a fifth.
    pub matches: Vec<Contribution>,
}

/// One searched word or phrase matching in one field.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Contribution {
    /// The terms as indexed (lower-cased, stemmed).
    pub terms: String,
    pub field: &'static str,
    pub score: f32,
    /// How the words came into the question: "synonym of …", "corrected from …".
    #[serde(skip_serializing_if = "Option::is_none")]
    pub via: Option<String>,
}

/// Collects what each part of the question scored in one document.
fn explain(
    searcher: &tantivy::Searcher,
    statistics: &BlendedStatistics,
    address: tantivy::DocAddress,
    parts: &[query::Part],
    corrections: &[(String, String)],
) -> Vec<Contribution> {
    let segment = searcher.segment_reader(address.segment_ord);
    let mut matches: Vec<Contribution> = parts
        .iter()
        .filter_map(|part| {
            let scoring = EnableScoring::enabled_from_statistics_provider(statistics, searcher);
            let weight = part.query.weight(scoring).ok()?;
            // Scored directly rather than through `Weight::explain`: tantivy's
            // phrase explain seeks backwards when the phrase's first match
            // comes after this document.
            let mut scorer = weight.scorer(segment, 1.0).ok()?;
            if scorer.doc() > address.doc_id || scorer.seek(address.doc_id) != address.doc_id {
                return None;
            }
            let score = scorer.score();
            let via = match &part.origin {
                query::Origin::Synonym { of } => Some(format!("synonym of {of}")),
                query::Origin::WordOf { of } => Some(format!("a word of {of}")),
                query::Origin::Typed => corrections
                    .iter()
                    .find(|(_, to)| *to == part.terms)
                    .map(|(from, _)| format!("corrected from {from}")),
            };
            (score > 0.0).then(|| Contribution {
                terms: part.terms.clone(),
                field: part.field,
                score,
                via,
            })
        })
        .collect();
    matches.sort_by(|a, b| b.score.total_cmp(&a.score));
    matches
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
    let filters = Filters {
        kind: request.kind,
        drugs: request.drugs.clone(),
        tags: request.tags.clone(),
    };
    let understood = understand(opened, &searcher, &request.query, &filters, synonyms)?;
    let mut results = SearchResults {
        query: request.query.clone(),
        total: 0,
        hits: Vec::new(),
        nothing_searchable: false,
        truncated: understood.truncated,
        suggestion: understood.suggestion,
        corrections: understood.corrections,
        expansions: Vec::new(),
        facets: None,
    };
    let Some(compiled) = understood.compiled else {
        results.nothing_searchable = true;
        return Ok(results);
    };
    results.expansions = compiled.expansions.clone();
    let fail = |err| Error::tantivy(&opened.dir, err);
    let fields = &opened.fields;
    let text_fields = opened.searched_fields();
    let token_totals = text_fields
        .iter()
        .filter_map(|&field| Some((field, opened.token_total(field)?)))
        .collect();
    let statistics = BlendedStatistics::new(
        &searcher,
        &text_fields,
        &word_groups(&compiled.highlight, &compiled.broadened),
        token_totals,
    )
    .map_err(fail)?;
    // The best few by BM25 are re-ranked with how well their best passage
    // answers: a paragraph about the question beats scattered mentions.
    let depth = request.limit.max(RERANK_DEPTH);
    let collector = (best_by_score(depth), Count);
    let (top, total) = searcher
        .search_with_statistics_provider(&*compiled.query, &collector, &statistics)
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
    let mut sought = compiled.highlight.clone();
    let mut idfs = HashMap::new();
    for term in &mut sought {
        let idf = match idfs.get(&term.term) {
            Some(&idf) => idf,
            None => {
                let frequency = statistics
                    .doc_freq(&Term::from_field_text(fields.body, &term.term))
                    .map_err(fail)? as f32;
                let idf = (1.0 + (documents - frequency + 0.5) / (frequency + 0.5)).ln();
                *idfs.entry(term.term.clone()).or_insert(idf.max(0.1))
            }
        };
        term.weight *= idf;
    }
    let mut highlighter = Highlighter::new(sought);
    // Corrections as (typed, analysed replacement), to label explained parts.
    let mut analyzer = None;
    let corrected: Vec<(String, String)> = results
        .corrections
        .iter()
        .filter(|_| request.explain)
        .map(|correction| {
            let analyzer = analyzer.get_or_insert_with(crate::analysis::english);
            let terms = crate::analysis::tokens(analyzer, &correction.to);
            let terms: Vec<String> = terms.into_iter().map(|token| token.term).collect();
            (correction.from.clone(), terms.join(" "))
        })
        .collect();
    // Per hit, the block of its best passage and that passage's score, and
    // the passages to cut into excerpts if it is shown.
    let mut best_blocks = Vec::with_capacity(top.len());
    let mut chosen = Vec::with_capacity(top.len());
    for ((score, _), address) in top {
        let doc = opened.doc(&searcher, address)?;
        let best = highlighter.best_passages(&doc.body, request.passages.max(1));
        // A title or alias that answers counts at least as much as a passage.
        let named = TITLE_PASSAGE_BOOST
            * std::iter::once(&doc.title)
                .chain(&doc.aliases)
                .map(|name| highlighter.score_text(name))
                .fold(0.0, f32::max);
        let bonus = PASSAGE_WEIGHT * best.score.max(named);
        let explanation = request.explain.then(|| Explanation {
            text: score,
            passage: best.score,
            names: named,
            bonus,
            cited: 0.0,
            cited_by: None,
            matches: explain(&searcher, &statistics, address, &compiled.parts, &corrected),
        });
        best_blocks.push(best.block.map(|block| BestBlock {
            block,
            score: best.score,
        }));
        results.hits.push(Hit {
            doc,
            score: score + bonus,
            passages: Vec::new(),
            explanation,
        });
        chosen.push(best);
    }
    lend_to_cited(&mut results.hits, &best_blocks);
    let mut ranked: Vec<(Hit, BestPassages)> = results.hits.drain(..).zip(chosen).collect();
    // Equal scores go by id: a rebuild with its documents in other
    // segments must not reorder them.
    ranked.sort_by(|a, b| {
        b.0.score
            .total_cmp(&a.0.score)
            .then_with(|| a.0.doc.id.cmp(&b.0.doc.id))
    });
    ranked.truncate(request.limit);
    results.hits = ranked
        .into_iter()
        .map(|(mut hit, best)| {
            hit.passages = highlighter.cut_best(&hit.doc.body, best);
            hit
        })
        .collect();
    Ok(results)
}

/// A hit's best passage: which block of its body, and its score.
struct BestBlock {
    block: usize,
    score: f32,
}

/// Raises each hit that another hit's best passage cites (links to), and
/// whose own passages match, by [`CITATION_WEIGHT`] of the lesser of the
/// two best passages' scores, taking the best of several citing hits. A
/// note that answers with a sentence drawn from an article points to where
/// the fuller answer is, as anchor text does for a web page: without this
/// a short note outranks the passage it summarises. The cap keeps a strong
/// citing passage from lifting a document that barely matches.
fn lend_to_cited(hits: &mut [Hit], best_blocks: &[Option<BestBlock>]) {
    let mut lent = vec![(0.0f32, None::<usize>); hits.len()];
    for (citing, hit) in hits.iter().enumerate() {
        let Some(best) = &best_blocks[citing] else {
            continue;
        };
        for citation in hit.doc.citations.iter().filter(|c| c.block == best.block) {
            let cited = hits
                .iter()
                .position(|other| other.doc.path == citation.path);
            let Some((cited, own)) =
                cited.and_then(|cited| Some((cited, best_blocks[cited].as_ref()?)))
            else {
                continue;
            };
            let amount = CITATION_WEIGHT * best.score.min(own.score);
            if amount > lent[cited].0 {
                lent[cited] = (amount, Some(citing));
            }
        }
    }
    let citing_ids: Vec<Option<String>> = lent
        .iter()
        .map(|(_, citing)| citing.map(|citing| hits[citing].doc.id.clone()))
        .collect();
    for ((hit, (amount, _)), citing_id) in hits.iter_mut().zip(lent).zip(citing_ids) {
        hit.score += amount;
        if let Some(why) = &mut hit.explanation {
            why.cited = amount;
            why.cited_by = citing_id;
        }
    }
}

/// A question read, its misspellings corrected and compiled into a query.
struct Understood {
    truncated: bool,
    suggestion: Option<String>,
    corrections: Vec<Correction>,
    /// `None` when nothing in the question can be searched.
    compiled: Option<query::Compiled>,
}

fn understand(
    opened: &Opened,
    searcher: &tantivy::Searcher,
    question: &str,
    filters: &Filters,
    synonyms: &Synonyms,
) -> Result<Understood> {
    let mut parsed = syntax::parse(question);
    // A word is no typo when it is a stop word or a synonym, or when another
    // form of it is in the corpus ("addictive" and "addiction" share the
    // stem "addict").
    let analyzer = std::cell::RefCell::new(crate::analysis::english());
    let known = |word: &str| {
        let tokens = crate::analysis::tokens(&mut analyzer.borrow_mut(), word);
        let token = match tokens.as_slice() {
            [] => return true,
            [token] => token,
            _ => return false,
        };
        synonyms.longest_match(&[token.term.as_str()]).is_some()
            || opened.searched_fields().iter().any(|&field| {
                Opened::has_live(searcher, &Term::from_field_text(field, &token.term))
            })
    };
    let mut speller = Speller::new(opened, &known);
    let corrections = speller.correct(&mut parsed.clauses)?;
    let suggestion =
        (!corrections.is_empty()).then(|| speller.correct_text(question, &mut Vec::new()));
    let compiled = query::compile(
        &parsed,
        &opened.fields,
        &opened.searched_fields(),
        filters,
        synonyms,
    );
    Ok(Understood {
        truncated: parsed.truncated,
        suggestion,
        corrections,
        compiled,
    })
}

/// A highlighter for the words `question` looks for, as [`search`] reads
/// it (misspellings corrected, synonyms added), to mark them in a whole
/// document. It marks nothing when the question has no searchable word.
pub fn highlighter(opened: &Opened, question: &str, synonyms: &Synonyms) -> Result<Highlighter> {
    let searcher = opened.searcher();
    let understood = understand(opened, &searcher, question, &Filters::default(), synonyms)?;
    Ok(Highlighter::new(
        understood
            .compiled
            .map(|compiled| compiled.highlight)
            .unwrap_or_default(),
    ))
}

/// The alternatives (each a list of terms) of each query word, the word as
/// typed first; `broadened` lists the words whose synonyms are broader terms.
fn word_groups(sought: &[Sought], broadened: &[usize]) -> Vec<Group> {
    let mut groups: BTreeMap<usize, BTreeMap<usize, Vec<String>>> = BTreeMap::new();
    for term in sought {
        groups
            .entry(term.concept)
            .or_default()
            .entry(term.alternative)
            .or_default()
            .push(term.term.clone());
    }
    groups
        .into_iter()
        .map(|(concept, alternatives)| Group {
            alternatives: alternatives.into_values().collect(),
            broadened: broadened.contains(&concept),
        })
        .collect()
}
