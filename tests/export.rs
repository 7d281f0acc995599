//! `medkb export`: the bulk body follows the `_bulk` format line by line,
//! the index definition holds medkb's analysis and boosts, and NDJSON holds
//! one document a line, every indexed document exactly once.

mod common;

use std::collections::HashSet;

use common::{assert_failure, assert_success, stdout, TestKb};
use serde::Deserialize;
use serde_json::Value;

/// A document as exported.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ExportedDoc {
    id: String,
    kind: String,
    title: String,
    aliases: Vec<String>,
    tags: Vec<String>,
    drugs: Vec<String>,
    sources: Vec<String>,
    #[serde(default)]
    source: Option<String>,
    path: String,
    body: String,
}

/// The number of documents the index holds, as `medkb list` shows them.
fn indexed_count(kb: &TestKb) -> usize {
    let output = kb.run(&["list", "--json"]);
    assert_success(&output);
    let rows: Vec<Value> = serde_json::from_slice(&output.stdout).unwrap();
    rows.len()
}

/// Checks a `_bulk` body line by line and returns its documents.
fn parse_bulk(body: &str, index: &str) -> Vec<ExportedDoc> {
    assert!(
        body.ends_with('\n'),
        "the bulk body must end with a newline"
    );
    let lines: Vec<&str> = body.lines().collect();
    assert_eq!(lines.len() % 2, 0, "an action line without its document");
    let mut docs = Vec::new();
    for pair in lines.chunks(2) {
        let action: Value = serde_json::from_str(pair[0]).expect("action line is JSON");
        let action = action.as_object().expect("action is an object");
        assert_eq!(action.len(), 1, "{action:?}");
        let meta = action["index"].as_object().expect("an index action");
        assert_eq!(meta["_index"], index);
        let id = meta["_id"].as_str().expect("_id is a string");
        assert!(!id.is_empty());
        let doc: ExportedDoc = serde_json::from_str(pair[1]).expect("source line is a document");
        assert_eq!(doc.id, id, "the _id is the document's id");
        docs.push(doc);
    }
    docs
}

fn assert_unique_ids(docs: &[ExportedDoc]) {
    let ids: HashSet<&str> = docs.iter().map(|doc| doc.id.as_str()).collect();
    assert_eq!(ids.len(), docs.len(), "ids are unique");
}

#[test]
fn opensearch_bulk_holds_every_indexed_document_once() {
    let kb = TestKb::real();
    let output = kb.run(&["export", "--format", "opensearch"]);
    assert_success(&output);
    let docs = parse_bulk(&stdout(&output), "medkb");
    assert_unique_ids(&docs);
    assert_eq!(docs.len(), indexed_count(&kb));
    let clonazepam = docs.iter().find(|doc| doc.id == "clonazepam").unwrap();
    assert_eq!(clonazepam.kind, "note");
    assert_eq!(clonazepam.title, "Clonazepam");
    assert_eq!(clonazepam.aliases, vec!["Klonopin", "Rivotril"]);
    assert!(clonazepam.tags.contains(&"drug".to_string()));
    assert_eq!(clonazepam.drugs, vec!["clonazepam"]);
    assert!(!clonazepam.sources.is_empty());
    assert_eq!(clonazepam.path, "corpus/notes/clonazepam.md");
    assert!(clonazepam.body.contains("## What it is"));
    let article = docs.iter().find(|doc| doc.kind == "article").unwrap();
    assert!(article.source.is_some());
}

#[test]
fn the_index_definition_rebuilds_medkbs_analysis_and_boosts() {
    let kb = TestKb::real();
    let output = kb.run(&["export", "--format", "opensearch", "--definition"]);
    assert_success(&output);
    let definition: Value = serde_json::from_slice(&output.stdout).unwrap();
    let analysis = &definition["settings"]["analysis"];

    // Every filter and tokenizer an analyzer names is defined or built in.
    let built_in = ["lowercase", "asciifolding"];
    for name in ["medkb_english", "medkb_english_search"] {
        let analyzer = &analysis["analyzer"][name];
        assert_eq!(analyzer["type"], "custom");
        let tokenizer = analyzer["tokenizer"].as_str().unwrap();
        assert!(analysis["tokenizer"][tokenizer].is_object(), "{tokenizer}");
        for filter in analyzer["filter"].as_array().unwrap() {
            let filter = filter.as_str().unwrap();
            assert!(
                built_in.contains(&filter) || analysis["filter"][filter].is_object(),
                "{filter}"
            );
        }
    }
    let filter = &analysis["filter"];
    assert_eq!(filter["medkb_stop"]["stopwords"], "_english_");
    assert_eq!(filter["medkb_stemmer"]["type"], "stemmer");
    assert_eq!(filter["medkb_stemmer"]["language"], "porter2");
    // Synonyms apply to questions only, before stop words and stemming.
    let search_filters = &analysis["analyzer"]["medkb_english_search"]["filter"];
    assert_eq!(search_filters[3], "medkb_synonyms");
    let index_filters = analysis["analyzer"]["medkb_english"]["filter"]
        .as_array()
        .unwrap();
    assert!(!index_filters.iter().any(|f| f == "medkb_synonyms"));
    assert_eq!(filter["medkb_synonyms"]["type"], "synonym_graph");
    let rules: Vec<&str> = filter["medkb_synonyms"]["synonyms"]
        .as_array()
        .unwrap()
        .iter()
        .map(|rule| rule.as_str().unwrap())
        .collect();
    assert!(
        rules.contains(&"rls, restless legs syndrome, restless leg syndrome, willis-ekbom disease")
    );
    assert!(rules.contains(&"benzos, benzo => benzodiazepine"));
    assert!(
        rules.contains(&"clonazepam, klonopin, rivotril"),
        "{rules:?}"
    );
    assert!(rules
        .iter()
        .all(|rule| !rule.starts_with('#') && !rule.is_empty()));

    // Text fields use both analyzers; metadata is exact.
    let properties = &definition["mappings"]["properties"];
    for field in ["title", "aliases", "body"] {
        assert_eq!(properties[field]["type"], "text");
        assert_eq!(properties[field]["analyzer"], "medkb_english");
        assert_eq!(properties[field]["search_analyzer"], "medkb_english_search");
    }
    for field in ["id", "kind", "tags", "drugs", "sources", "path", "source"] {
        assert_eq!(properties[field]["type"], "keyword", "{field}");
    }
    // The boosts are medkb's own.
    let meta = &definition["mappings"]["_meta"]["medkb"];
    assert_eq!(
        meta["boosts"]["title"],
        f64::from(medkb::query::TITLE_BOOST)
    );
    assert_eq!(
        meta["boosts"]["aliases"],
        f64::from(medkb::query::ALIASES_BOOST)
    );
    let query = &meta["query"]["query"]["multi_match"];
    assert_eq!(query["type"], "cross_fields");
    assert_eq!(
        query["fields"][0],
        format!("title^{}", medkb::query::TITLE_BOOST)
    );
    assert_eq!(query["tie_breaker"], 0.2);
}

#[test]
fn out_writes_the_bulk_body_and_the_definition_as_files() {
    let kb = TestKb::real();
    let dir = kb.root.path().join("export");
    let output = kb.run(&[
        "export",
        "--format",
        "opensearch",
        "--out",
        dir.to_str().unwrap(),
        "--index-name",
        "kb-2024",
    ]);
    assert_success(&output);
    let bulk = std::fs::read_to_string(dir.join("kb-2024-bulk.ndjson")).unwrap();
    let docs = parse_bulk(&bulk, "kb-2024");
    assert_eq!(docs.len(), indexed_count(&kb));
    let definition: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("kb-2024-index.json")).unwrap())
            .unwrap();
    assert!(definition["mappings"]["properties"]["body"].is_object());
    let text = stdout(&output);
    assert!(
        text.starts_with(&format!("wrote {} documents to ", docs.len())),
        "{text}"
    );
}

#[test]
fn ndjson_is_one_plain_document_a_line() {
    let kb = TestKb::new();
    kb.note("a", "Alpha", &["A1"], "Text of a.");
    kb.write(
        "articles/b.md",
        "# Beta\n\nText of b, with \"quotes\" and\nlines.\n",
    );
    let output = kb.run(&["export", "--format", "ndjson"]);
    assert_success(&output);
    let text = stdout(&output);
    let docs: Vec<ExportedDoc> = text
        .lines()
        .map(|line| serde_json::from_str(line).expect("each line is a document"))
        .collect();
    assert_eq!(docs.len(), 2);
    assert_unique_ids(&docs);
    assert_eq!(docs[0].id, "b", "articles first, then notes, by id");
    assert_eq!(docs[0].title, "Beta");
    assert_eq!(docs[1].aliases, vec!["A1"]);
}

#[test]
fn bad_export_arguments_are_usage_errors() {
    let kb = TestKb::new();
    kb.note("a", "Alpha", &[], "Text.");
    assert_failure(
        &kb.run(&["export", "--format", "ndjson", "--definition"]),
        2,
        "--definition is the index definition of --format opensearch",
    );
    assert_failure(
        &kb.run(&["export", "--format", "opensearch", "--index-name", "Med KB"]),
        2,
        "'Med KB' cannot name an index",
    );
    let output = kb.run(&["export"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(common::stderr(&output).contains("--format"));
}
