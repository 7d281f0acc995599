//! `medkb related ID`: cited sources, citing notes and similar documents,
//! each with its reason.

mod common;

use common::{assert_failure, assert_success, TestKb};
use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RelatedJson {
    id: String,
    title: String,
    related: Vec<RelatedDoc>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RelatedDoc {
    id: String,
    kind: String,
    title: String,
    path: String,
    score: f64,
    reasons: Vec<String>,
}

fn related(kb: &TestKb, id: &str) -> RelatedJson {
    let output = kb.run(&["related", "--json", id]);
    assert_success(&output);
    serde_json::from_slice(&output.stdout).unwrap()
}

fn article(kb: &TestKb, id: &str, body: &str) {
    kb.write(
        &format!("articles/{id}.md"),
        format!("---\nid: {id}\ntitle: {id}\n---\n{body}\n"),
    );
}

#[test]
fn lists_sources_citing_notes_then_similar_documents_with_reasons() {
    let kb = TestKb::new();
    let spasticity = "Spasticity is stiffness of the muscles. Baclofen relaxes spastic muscles \
        after spinal cord injury; intrathecal pumps deliver baclofen to the spinal fluid.";
    article(&kb, "cited", spasticity);
    article(
        &kb,
        "similar",
        &format!("{spasticity} Tizanidine is another choice."),
    );
    article(&kb, "unrelated", "Oranges grow on trees in warm countries.");
    kb.write(
        "notes/note.md",
        "---\nid: note\ntitle: Note on baclofen\nsources: [cited]\n---\n\
         A curated note ([cited](../articles/cited.md)).\n",
    );

    let for_note = related(&kb, "note");
    assert_eq!(for_note.id, "note");
    assert_eq!(for_note.title, "Note on baclofen");
    let first = &for_note.related[0];
    assert_eq!(first.id, "cited");
    assert_eq!(first.reasons[0], "source of this note");

    let for_article = related(&kb, "cited");
    let ids: Vec<&str> = for_article
        .related
        .iter()
        .map(|doc| doc.id.as_str())
        .collect();
    assert_eq!(ids[0], "note", "{ids:?}");
    assert_eq!(for_article.related[0].reasons[0], "cites this article");
    assert_eq!(ids[1], "similar", "{ids:?}");
    let similar = &for_article.related[1];
    assert!(similar.score > 0.0);
    assert_eq!(similar.kind, "article");
    assert_eq!(similar.title, "similar");
    assert!(similar.path.ends_with("similar.md"), "{}", similar.path);
    let shares = &similar.reasons[0];
    assert!(shares.starts_with("shares "), "{shares}");
    assert!(
        shares.contains("baclofen") || shares.contains("spasticity"),
        "{shares}"
    );
    assert!(!ids.contains(&"unrelated"), "{ids:?}");
    assert!(
        !ids.contains(&"cited"),
        "a document is not related to itself"
    );

    let text = common::stdout(&kb.run(&["related", "cited"]));
    assert!(text.contains("cites this article"), "{text}");
}

#[test]
fn on_the_real_corpus_a_drug_note_leads_to_its_sources() {
    let kb = TestKb::real();
    let result = related(&kb, "baclofen");
    assert_eq!(result.related[0].id, "baclofen-muscle-spasticity");
    assert!(result.related.len() <= 10);
    let ids: Vec<&str> = result.related.iter().map(|doc| doc.id.as_str()).collect();
    assert!(ids.contains(&"spasticity-and-muscle-spasms"), "{ids:?}");
}

#[test]
fn an_unknown_id_is_a_clear_error() {
    let kb = TestKb::real();
    assert_failure(&kb.run(&["related", "no-such-doc"]), 6, "no-such-doc");
}
