//! Documents like a given one, each with the reason it is listed: the
//! articles a note cites, the notes that cite a document, then the
//! documents that share most of its distinctive words (tantivy's
//! more-like-this query over the title, aliases and body).

use std::collections::HashMap;

use tantivy::query::{MoreLikeThisQuery, TermQuery};
use tantivy::schema::{IndexRecordOption, OwnedValue};
use tantivy::{Searcher, Term};

use crate::analysis;
use crate::doc::{Doc, Kind};
use crate::error::{Error, Result};
use crate::index::{best_by_score, Opened};

/// How many distinctive words of the document the similarity looks for.
const MAX_QUERY_TERMS: usize = 30;
/// How many shared words a reason names.
const SHARED_WORDS_SHOWN: usize = 4;

/// A document related to another, and why.
#[derive(Debug, Clone)]
pub struct Related {
    pub doc: Doc,
    /// Similarity of wording; 0 when only a citation relates them.
    pub score: f32,
    /// Short reasons, most important first: "source of this note", "cites
    /// this article", "shares spasticity, baclofen, gaba".
    pub reasons: Vec<String>,
}

/// The documents related to `doc`, cited and citing ones first, then by
/// similarity; at most `limit`.
pub fn related(opened: &Opened, doc: &Doc, limit: usize) -> Result<Vec<Related>> {
    let searcher = opened.searcher();
    let fail = |err| Error::tantivy(&opened.dir, err);
    let fields = &opened.fields;
    let mut found: HashMap<String, Related> = HashMap::new();
    let mut add = |other: Doc, score: f32, reason: Option<String>| {
        if other.id == doc.id {
            return;
        }
        let entry = found.entry(other.id.clone()).or_insert(Related {
            doc: other,
            score: 0.0,
            reasons: Vec::new(),
        });
        entry.score = entry.score.max(score);
        entry.reasons.extend(reason);
    };

    for source in &doc.sources {
        if let Some(cited) = opened.find(source)? {
            add(cited, 0.0, Some("source of this note".into()));
        }
    }
    let noun = match doc.kind {
        Kind::Article => "article",
        Kind::Note => "note",
    };
    for other in citing(opened, doc)? {
        add(other, 0.0, Some(format!("cites this {noun}")));
    }

    let aliases = doc.aliases.iter().cloned().map(OwnedValue::from).collect();
    let like_this = MoreLikeThisQuery::builder()
        .with_min_doc_frequency(2)
        .with_min_term_frequency(1)
        .with_min_word_length(3)
        .with_max_query_terms(MAX_QUERY_TERMS)
        .with_document_fields(vec![
            (fields.title, vec![OwnedValue::from(doc.title.clone())]),
            (fields.aliases, aliases),
            (fields.body, vec![OwnedValue::from(doc.body.clone())]),
        ]);
    let similar = searcher
        .search(&like_this, &best_by_score(limit + 1))
        .map_err(fail)?;
    let words = Distinctive::new(&searcher, opened, doc).map_err(fail)?;
    for ((score, _), address) in similar {
        let other = opened.doc(&searcher, address)?;
        let shared = words.shared_with(&other);
        let reason = (!shared.is_empty()).then(|| format!("shares {}", shared.join(", ")));
        add(other, score, reason);
    }
    // Documents similar only through their citations get their shared words too.
    let mut related: Vec<Related> = found.into_values().collect();
    for entry in &mut related {
        if !entry
            .reasons
            .iter()
            .any(|reason| reason.starts_with("shares"))
        {
            let shared = words.shared_with(&entry.doc);
            if !shared.is_empty() {
                entry.reasons.push(format!("shares {}", shared.join(", ")));
            }
        }
    }
    let cited = |entry: &Related| !entry.reasons.iter().all(|r| r.starts_with("shares"));
    related.sort_by(|a, b| {
        cited(b)
            .cmp(&cited(a))
            .then(b.score.total_cmp(&a.score))
            .then(a.doc.id.cmp(&b.doc.id))
    });
    related.truncate(limit);
    Ok(related)
}

/// The documents that name `doc` among their sources, by id: the first
/// 1,000 by score.
pub fn citing(opened: &Opened, doc: &Doc) -> Result<Vec<Doc>> {
    let searcher = opened.searcher();
    let query = TermQuery::new(
        Term::from_field_text(opened.fields.sources, &doc.id),
        IndexRecordOption::Basic,
    );
    let found = searcher
        .search(&query, &best_by_score(MAX_CITING))
        .map_err(|err| Error::tantivy(&opened.dir, err))?;
    let mut citing = found
        .into_iter()
        .map(|(_, address)| opened.doc(&searcher, address))
        .collect::<Result<Vec<Doc>>>()?;
    citing.sort_by(|a, b| a.id.cmp(&b.id));
    Ok(citing)
}

/// The most citing documents [`citing`] returns.
const MAX_CITING: usize = 1000;

/// The words of a document, by how much they say about it (frequency in it
/// × rarity in the corpus), with the form they first take in its text.
struct Distinctive {
    /// term → (weight, word as written)
    words: HashMap<String, (f32, String)>,
}

impl Distinctive {
    fn new(searcher: &Searcher, opened: &Opened, doc: &Doc) -> tantivy::Result<Distinctive> {
        let mut analyzer = analysis::english();
        let mut counts: HashMap<String, (f32, String)> = HashMap::new();
        for text in std::iter::once(&doc.title)
            .chain(&doc.aliases)
            .chain([&doc.body])
        {
            for token in analysis::tokens(&mut analyzer, text) {
                if token.term.len() < 3 || token.term.chars().all(|c| c.is_ascii_digit()) {
                    continue;
                }
                let word = text[token.start..token.end].to_lowercase();
                counts.entry(token.term).or_insert((0.0, word)).0 += 1.0;
            }
        }
        let documents = searcher.num_docs().max(1) as f32;
        let mut words = HashMap::new();
        for (term, (count, word)) in counts {
            let frequency =
                searcher.doc_freq(&Term::from_field_text(opened.fields.body, &term))? as f32;
            let idf = (1.0 + (documents - frequency + 0.5) / (frequency + 0.5)).ln();
            words.insert(term, (count.min(5.0).sqrt() * idf, word));
        }
        Ok(Distinctive { words })
    }

    /// The most distinctive words `other` shares, best first: words both
    /// use often and few other documents use.
    fn shared_with(&self, other: &Doc) -> Vec<String> {
        let mut analyzer = analysis::english();
        let mut counts: HashMap<String, f32> = HashMap::new();
        for text in std::iter::once(&other.title)
            .chain(&other.aliases)
            .chain([&other.body])
        {
            for token in analysis::tokens(&mut analyzer, text) {
                *counts.entry(token.term).or_default() += 1.0;
            }
        }
        let mut shared: Vec<(f32, &str)> = counts
            .into_iter()
            .filter_map(|(term, count)| {
                let (weight, word) = self.words.get(&term)?;
                Some((weight * count.min(5.0).sqrt(), word.as_str()))
            })
            .collect();
        shared.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(b.1)));
        shared
            .into_iter()
            .take(SHARED_WORDS_SHOWN)
            .map(|(_, word)| word.to_string())
            .collect()
    }
}
