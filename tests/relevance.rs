//! The public relevance check: the judged questions in `tests/relevance.json`
//! must rank at least as well as the figures in `tests/relevance-floor.json`,
//! overall and in every category, and beside plain BM25 (SQLite FTS5's
//! ranking of the same questions, `tests/fts5-run.json`, written by
//! `bench/fts5-baseline.sh`) must not lose ground. Raise the floor when the
//! ranking improves.

mod common;

use std::collections::BTreeMap;

use common::{assert_success, TestKb};
use medkb::eval::Figures;
use serde::Deserialize;

#[derive(Deserialize)]
struct Floor {
    overall: Figures,
    categories: BTreeMap<String, Figures>,
    /// How many questions may rank worse than with plain BM25.
    worse_than_baseline_at_most: usize,
}

#[derive(Deserialize)]
struct Comparison {
    medkb: Report,
    baseline: Report,
    worse: Vec<serde_json::Value>,
}

#[derive(Deserialize)]
struct Report {
    questions: usize,
    overall: Figures,
    categories: BTreeMap<String, Figures>,
}

fn assert_at_least(name: &str, got: &Figures, floor: &Figures) {
    let pairs = [
        ("nDCG@3", got.ndcg_at_3, floor.ndcg_at_3),
        ("nDCG@10", got.ndcg_at_10, floor.ndcg_at_10),
        ("MRR", got.mrr, floor.mrr),
        ("recall@10", got.recall_at_10, floor.recall_at_10),
    ];
    for (figure, got, floor) in pairs {
        assert!(
            got + 1e-9 >= floor,
            "{name}: {figure} fell to {got:.3}, below {floor:.3}"
        );
    }
}

#[test]
fn judged_questions_rank_at_least_as_well_as_the_floor() {
    let kb = TestKb::real();
    let judged = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/relevance.json");
    let output = kb
        .command(&["eval", "--json"])
        .arg(&judged)
        .output()
        .unwrap();
    assert_success(&output);
    let report: Report = serde_json::from_slice(&output.stdout).unwrap();
    assert!(
        report.questions >= 20,
        "only {} judged questions",
        report.questions
    );
    let floor: Floor = serde_json::from_str(include_str!("relevance-floor.json")).unwrap();
    assert_at_least("overall", &report.overall, &floor.overall);
    for (category, figures) in &floor.categories {
        let got = report
            .categories
            .get(category)
            .unwrap_or_else(|| panic!("no questions in {category}"));
        assert_at_least(category, got, figures);
    }
}

#[test]
fn beats_plain_bm25_where_understanding_matters_and_loses_no_ground() {
    let kb = TestKb::real();
    let tests = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests");
    let output = kb
        .command(&["eval", "--json", "--baseline"])
        .arg(tests.join("fts5-run.json"))
        .arg(tests.join("relevance.json"))
        .output()
        .unwrap();
    assert_success(&output);
    let comparison: Comparison = serde_json::from_slice(&output.stdout).unwrap();
    let floor: Floor = serde_json::from_str(include_str!("relevance-floor.json")).unwrap();
    for category in ["misspelling", "abbreviation", "brand"] {
        let ours = comparison.medkb.categories[category];
        let theirs = comparison.baseline.categories[category];
        assert!(
            ours.ndcg_at_3 > theirs.ndcg_at_3 && ours.ndcg_at_10 > theirs.ndcg_at_10,
            "{category}: medkb {ours:?} vs FTS5 {theirs:?}"
        );
    }
    assert!(comparison.medkb.overall.ndcg_at_3 > comparison.baseline.overall.ndcg_at_3);
    assert!(
        comparison.worse.len() <= floor.worse_than_baseline_at_most,
        "{} questions rank worse than plain BM25 (at most {}): {:#?}",
        comparison.worse.len(),
        floor.worse_than_baseline_at_most,
        comparison.worse
    );
}
