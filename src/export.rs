//! `medkb export`: the indexed documents → files an existing search engine
//! loads, for a knowledge base that outgrows one machine.
//!
//! - OpenSearch or Elasticsearch: a `_bulk` body (an action line, then the
//!   document, for each document) and an index definition: medkb's analyzer
//!   rebuilt from the engines' own parts (split on anything not a letter or
//!   digit, lower-case, fold accents, English stop words, Snowball English
//!   stemming), the synonyms file and the drug notes' names as a search-time
//!   `synonym_graph` filter, and the field boosts with the query that uses
//!   them, in the mapping's `_meta`.
//! - Plain NDJSON: one document a line, as Quickwit (and most engines) ingest.
//!
//! In: documents, synonym rules. Out: bytes on any `Write`.

use std::io::{self, Write};

use serde::Serialize;
use serde_json::{json, Value};

use crate::doc::Doc;
use crate::query::{ALIASES_BOOST, TIE_BREAKER, TITLE_BOOST};
use crate::synonyms;

/// The name of the analyzer documents are indexed with.
pub const INDEX_ANALYZER: &str = "medkb_english";
/// The name of the analyzer questions are read with: the same plus synonyms.
pub const SEARCH_ANALYZER: &str = "medkb_english_search";

/// The longest token medkb indexes; the engines count characters, not bytes.
const MAX_TOKEN: usize = 40;

/// Writes the `_bulk` body: for each document an action line naming the
/// index and the document's id, then the document, each on one line, the
/// body ending with a newline as the bulk API requires.
pub fn write_bulk(out: &mut dyn Write, docs: &[Doc], index: &str) -> io::Result<()> {
    for doc in docs {
        let action = json!({"index": {"_index": index, "_id": doc.id}});
        serde_json::to_writer(&mut *out, &action)?;
        out.write_all(b"\n")?;
        serde_json::to_writer(&mut *out, &Source::from(doc))?;
        out.write_all(b"\n")?;
    }
    Ok(())
}

/// Writes one document a line.
pub fn write_ndjson(out: &mut dyn Write, docs: &[Doc]) -> io::Result<()> {
    for doc in docs {
        serde_json::to_writer(&mut *out, &Source::from(doc))?;
        out.write_all(b"\n")?;
    }
    Ok(())
}

/// A document as the engines store it: every field of [`Doc`].
#[derive(Serialize)]
struct Source<'a> {
    id: &'a str,
    kind: &'a str,
    title: &'a str,
    aliases: &'a [String],
    tags: &'a [String],
    drugs: &'a [String],
    sources: &'a [String],
    #[serde(skip_serializing_if = "Option::is_none")]
    source: Option<&'a str>,
    path: &'a str,
    body: &'a str,
}

impl<'a> From<&'a Doc> for Source<'a> {
    fn from(doc: &'a Doc) -> Source<'a> {
        Source {
            id: &doc.id,
            kind: doc.kind.as_str(),
            title: &doc.title,
            aliases: &doc.aliases,
            tags: &doc.tags,
            drugs: &doc.drugs,
            sources: &doc.sources,
            source: doc.source.as_deref(),
            path: &doc.path,
            body: &doc.body,
        }
    }
}

/// The synonym rules medkb searches with, in the Solr format the engines
/// read: the usable lines of the synonyms file as written, then one line per
/// drug note naming the drug and its aliases (`clonazepam, klonopin, rivotril`).
pub fn synonym_rules(file_rules: &[synonyms::Rule], drug_names: &[Vec<String>]) -> Vec<String> {
    let mut rules: Vec<String> = file_rules.iter().map(|rule| rule.text.clone()).collect();
    for names in drug_names {
        let mut group: Vec<String> = Vec::new();
        for name in names {
            let escaped = solr_escape(&name.to_lowercase());
            if !escaped.trim().is_empty() && !group.contains(&escaped) {
                group.push(escaped);
            }
        }
        if group.len() >= 2 {
            rules.push(group.join(", "));
        }
    }
    rules
}

/// A name as one entry of a Solr synonym rule: commas, `=` and backslashes
/// escaped, so "a, b" stays one entry.
fn solr_escape(name: &str) -> String {
    let mut escaped = String::with_capacity(name.len());
    for c in name.trim().chars() {
        if matches!(c, '\\' | ',' | '=') {
            escaped.push('\\');
        }
        escaped.push(c);
    }
    escaped
}

/// The query that ranks as medkb does, as far as the engines allow: each
/// word is looked up in the title, aliases and body with medkb's boosts; the
/// best field counts fully and the others add `tie_breaker`; a word's rarity
/// is blended across the fields (`cross_fields`), as medkb judges it over
/// whole documents.
pub fn suggested_query(question: &str) -> Value {
    json!({
        "query": {
            "multi_match": {
                "query": question,
                "type": "cross_fields",
                "fields": [
                    format!("title^{TITLE_BOOST}"),
                    format!("aliases^{ALIASES_BOOST}"),
                    "body",
                ],
                "operator": "or",
                "tie_breaker": decimal(TIE_BREAKER),
            }
        },
        "highlight": {
            "fields": {"body": {"fragment_size": crate::snippet::MAX_EXCERPT_BYTES, "number_of_fragments": 1}}
        }
    })
}

/// The index definition for `PUT /<index>`: settings with medkb's analysis,
/// and mappings for every field of a document.
pub fn index_definition(synonym_rules: &[String]) -> Value {
    let text = json!({
        "type": "text",
        "analyzer": INDEX_ANALYZER,
        "search_analyzer": SEARCH_ANALYZER,
    });
    let keyword = json!({"type": "keyword"});
    json!({
        "settings": {
            // One shard: BM25 judges a word's rarity per shard, and a small
            // knowledge base split in several ranks differently on each.
            "number_of_shards": 1,
            "analysis": {
                "tokenizer": {
                    "medkb_words": {"type": "pattern", "pattern": "[^\\p{L}\\p{N}]+"}
                },
                "filter": {
                    "medkb_long": {"type": "length", "max": MAX_TOKEN},
                    "medkb_stop": {"type": "stop", "stopwords": "_english_"},
                    "medkb_stemmer": {"type": "stemmer", "language": "porter2"},
                    "medkb_synonyms": {"type": "synonym_graph", "synonyms": synonym_rules}
                },
                "analyzer": {
                    INDEX_ANALYZER: {
                        "type": "custom",
                        "tokenizer": "medkb_words",
                        "filter": ["medkb_long", "lowercase", "asciifolding", "medkb_stop", "medkb_stemmer"]
                    },
                    SEARCH_ANALYZER: {
                        "type": "custom",
                        "tokenizer": "medkb_words",
                        "filter": ["medkb_long", "lowercase", "asciifolding", "medkb_synonyms", "medkb_stop", "medkb_stemmer"]
                    }
                }
            }
        },
        "mappings": {
            "_meta": {
                "medkb": {
                    "version": env!("CARGO_PKG_VERSION"),
                    "boosts": {"title": decimal(TITLE_BOOST), "aliases": decimal(ALIASES_BOOST), "body": 1.0},
                    "tie_breaker": decimal(TIE_BREAKER),
                    "query": suggested_query("{{question}}"),
                }
            },
            "dynamic": "strict",
            "properties": {
                "id": keyword,
                "kind": keyword,
                "title": text,
                "aliases": text,
                "body": text,
                "tags": keyword,
                "drugs": keyword,
                "sources": keyword,
                "source": {"type": "keyword", "index": false},
                "path": keyword,
            }
        }
    })
}

/// `x` as the decimal it was written as: 0.2, not 0.20000000298023224.
fn decimal(x: f32) -> f64 {
    x.to_string().parse().unwrap_or(f64::from(x))
}

/// Whether `name` can name an OpenSearch or Elasticsearch index: lower case,
/// no spaces or `\ / * ? " < > | , # :`, not starting with `-`, `_` or `+`,
/// not `.` or `..`, at most 255 bytes.
pub fn is_index_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 255
        && name != "."
        && name != ".."
        && !name.starts_with(['-', '_', '+'])
        && name
            .chars()
            .all(|c| !c.is_uppercase() && !c.is_whitespace() && !"\\/*?\"<>|,#:".contains(c))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drug_names_become_escaped_synonym_groups() {
        let (file_rules, _) =
            synonyms::parse_rules("# comment\nrls, restless legs syndrome\nlonely\n");
        let rules = synonym_rules(
            &file_rules,
            &[
                vec!["Clonazepam".into(), "Klonopin".into(), "klonopin".into()],
                vec!["Odd, Name".into(), "a=>b".into()],
                vec!["Alone".into()],
            ],
        );
        assert_eq!(
            rules,
            vec![
                "rls, restless legs syndrome",
                "clonazepam, klonopin",
                "odd\\, name, a\\=>b",
            ]
        );
    }

    #[test]
    fn index_names_follow_the_engines_rules() {
        assert!(is_index_name("medkb"));
        assert!(is_index_name("medkb-2024.01"));
        for bad in ["", "MedKB", "-x", "_x", "a b", "a/b", "a,b", ".", ".."] {
            assert!(!is_index_name(bad), "{bad}");
        }
    }

    #[test]
    fn the_query_carries_medkbs_boosts() {
        let query = suggested_query("rls");
        let fields = &query["query"]["multi_match"]["fields"];
        assert_eq!(fields[0], format!("title^{TITLE_BOOST}"));
        assert_eq!(query["query"]["multi_match"]["type"], "cross_fields");
    }
}
