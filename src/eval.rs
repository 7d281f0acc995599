//! Relevance, measured: runs a judged question set and scores the ranking.
//!
//! The set is a JSON array of `{"query": str, "relevant": {id: grade},
//! "category": str}` with grades 1 (partly relevant) to 3 (the best answer).
//! Figures, each averaged over the questions:
//!
//! - nDCG@k: discounted cumulative gain of the top k (gain 2^grade − 1,
//!   discount log2(rank + 1)), divided by that of the ideal order;
//! - MRR: 1 / rank of the first document with the question's top grade
//!   (a stricter reading than "any relevant document");
//! - recall@10: the share of judged documents found in the top 10.
//!
//! Another engine's ranking of the same questions (a "run": question →
//! ids) is scored the same way, so the two compare side by side.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::index::Opened;
use crate::search::{self, SearchRequest};
use crate::synonyms::Synonyms;

/// One judged question.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct Judged {
    pub query: String,
    pub relevant: HashMap<String, u8>,
    #[serde(default)]
    pub category: Option<String>,
}

/// The figures for one question or an average over several.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Figures {
    pub ndcg_at_3: f64,
    pub ndcg_at_10: f64,
    pub mrr: f64,
    pub recall_at_10: f64,
}

/// What one question scored, and what came back.
#[derive(Debug, Clone, Serialize)]
pub struct QueryReport {
    pub query: String,
    pub category: Option<String>,
    pub figures: Figures,
    pub ranked: Vec<String>,
}

/// A whole run: the average, per category, and per question.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub questions: usize,
    pub overall: Figures,
    pub categories: BTreeMap<String, Figures>,
    pub queries: Vec<QueryReport>,
}

/// Reads a judged question set.
pub fn load(path: &Path) -> Result<Vec<Judged>> {
    read_json(path)
}

fn read_json<T: serde::de::DeserializeOwned>(path: &Path) -> Result<T> {
    let text = std::fs::read_to_string(path).map_err(|err| Error::read(path, err))?;
    serde_json::from_str(&text).map_err(|err| Error::Read {
        path: path.to_path_buf(),
        source: std::io::Error::new(std::io::ErrorKind::InvalidData, err.to_string()),
    })
}

/// Runs every question (top 10) and scores it.
pub fn run(opened: &Opened, judged: &[Judged], synonyms: &Synonyms) -> Result<Report> {
    let mut rankings = Vec::with_capacity(judged.len());
    for question in judged {
        let request = SearchRequest {
            limit: 10,
            ..SearchRequest::new(&question.query)
        };
        let results = search::search(opened, &request, synonyms)?;
        rankings.push(results.hits.into_iter().map(|hit| hit.doc.id).collect());
    }
    Ok(report(judged, rankings))
}

/// A ranking made by another engine: question → ids, best first.
pub type Run = HashMap<String, Vec<String>>;

/// Reads a run file: a JSON object mapping each question to ranked ids.
pub fn load_run(path: &Path) -> Result<Run> {
    read_json(path)
}

/// Scores another engine's run on the same questions; a question the run
/// lacks counts as answered with nothing.
pub fn score_run(judged: &[Judged], run: &Run) -> Report {
    let rankings = judged
        .iter()
        .map(|question| run.get(&question.query).cloned().unwrap_or_default())
        .collect();
    report(judged, rankings)
}

/// The questions on which `ours` ranks worse than `theirs` by nDCG@3,
/// nDCG@10 or MRR, as (question, ours, theirs).
pub fn worse<'a>(ours: &'a Report, theirs: &'a Report) -> Vec<(&'a str, Figures, Figures)> {
    const EPSILON: f64 = 1e-9;
    ours.queries
        .iter()
        .zip(&theirs.queries)
        .filter(|(a, b)| {
            a.figures.ndcg_at_3 + EPSILON < b.figures.ndcg_at_3
                || a.figures.ndcg_at_10 + EPSILON < b.figures.ndcg_at_10
                || a.figures.mrr + EPSILON < b.figures.mrr
        })
        .map(|(a, b)| (a.query.as_str(), a.figures, b.figures))
        .collect()
}

fn report(judged: &[Judged], rankings: Vec<Vec<String>>) -> Report {
    let queries: Vec<QueryReport> = judged
        .iter()
        .zip(rankings)
        .map(|(question, mut ranked)| {
            ranked.truncate(10);
            QueryReport {
                query: question.query.clone(),
                category: question.category.clone(),
                figures: score(&ranked, &question.relevant),
                ranked,
            }
        })
        .collect();
    let mut by_category: BTreeMap<String, Vec<Figures>> = BTreeMap::new();
    for query in &queries {
        let category = query
            .category
            .clone()
            .unwrap_or_else(|| "uncategorised".into());
        by_category.entry(category).or_default().push(query.figures);
    }
    let all: Vec<Figures> = queries.iter().map(|query| query.figures).collect();
    Report {
        questions: queries.len(),
        overall: mean(&all),
        categories: by_category
            .iter()
            .map(|(name, figures)| (name.clone(), mean(figures)))
            .collect(),
        queries,
    }
}

/// Scores one ranking against its judgements.
pub fn score(ranked: &[String], relevant: &HashMap<String, u8>) -> Figures {
    let grade = |id: &String| relevant.get(id).copied().unwrap_or(0);
    let gains: Vec<u8> = ranked.iter().map(grade).collect();
    let mut ideal: Vec<u8> = relevant.values().copied().filter(|&g| g > 0).collect();
    ideal.sort_unstable_by(|a, b| b.cmp(a));
    let top_grade = ideal.first().copied().unwrap_or(0);
    let mrr = gains
        .iter()
        .position(|&g| g == top_grade && g > 0)
        .map_or(0.0, |rank| 1.0 / (rank + 1) as f64);
    let judged = ideal.len().max(1) as f64;
    let found = gains.iter().take(10).filter(|&&g| g > 0).count() as f64;
    Figures {
        ndcg_at_3: ndcg(&gains, &ideal, 3),
        ndcg_at_10: ndcg(&gains, &ideal, 10),
        mrr,
        recall_at_10: found / judged,
    }
}

fn ndcg(gains: &[u8], ideal: &[u8], k: usize) -> f64 {
    let dcg = |grades: &[u8]| -> f64 {
        grades
            .iter()
            .take(k)
            .enumerate()
            .map(|(rank, &g)| (2f64.powi(g as i32) - 1.0) / ((rank + 2) as f64).log2())
            .sum()
    };
    let best = dcg(ideal);
    if best == 0.0 {
        return 0.0;
    }
    dcg(gains) / best
}

fn mean(figures: &[Figures]) -> Figures {
    let n = figures.len().max(1) as f64;
    let sum = |pick: fn(&Figures) -> f64| figures.iter().map(pick).sum::<f64>() / n;
    Figures {
        ndcg_at_3: sum(|f| f.ndcg_at_3),
        ndcg_at_10: sum(|f| f.ndcg_at_10),
        mrr: sum(|f| f.mrr),
        recall_at_10: sum(|f| f.recall_at_10),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn judged(pairs: &[(&str, u8)]) -> HashMap<String, u8> {
        pairs.iter().map(|(id, g)| (id.to_string(), *g)).collect()
    }

    fn ids(list: &[&str]) -> Vec<String> {
        list.iter().map(|id| id.to_string()).collect()
    }

    #[test]
    fn ideal_order_scores_one() {
        let relevant = judged(&[("a", 3), ("b", 2)]);
        let figures = score(&ids(&["a", "b", "x"]), &relevant);
        assert_eq!(figures.ndcg_at_3, 1.0);
        assert_eq!(figures.mrr, 1.0);
        assert_eq!(figures.recall_at_10, 1.0);
    }

    #[test]
    fn best_answer_second_halves_mrr_and_lowers_ndcg() {
        let relevant = judged(&[("a", 3), ("b", 2)]);
        let figures = score(&ids(&["b", "a"]), &relevant);
        assert_eq!(figures.mrr, 0.5);
        assert!(figures.ndcg_at_3 < 1.0 && figures.ndcg_at_3 > 0.5);
    }

    #[test]
    fn a_run_is_scored_like_a_search_and_compared_question_by_question() {
        let questions = vec![
            Judged {
                query: "q1".into(),
                relevant: judged(&[("a", 3)]),
                category: None,
            },
            Judged {
                query: "q2".into(),
                relevant: judged(&[("b", 3)]),
                category: None,
            },
        ];
        let good: Run = [("q1", vec!["a"]), ("q2", vec!["b"])]
            .into_iter()
            .map(|(q, ids)| (q.to_string(), ids.into_iter().map(String::from).collect()))
            .collect();
        let partial: Run = [("q1".to_string(), vec!["x".to_string(), "a".to_string()])].into();
        let good = score_run(&questions, &good);
        let partial = score_run(&questions, &partial);
        assert_eq!(good.overall.mrr, 1.0);
        assert_eq!(partial.overall.mrr, 0.25);
        let worse = worse(&partial, &good);
        assert_eq!(
            worse.iter().map(|w| w.0).collect::<Vec<_>>(),
            vec!["q1", "q2"]
        );
        assert!(super::worse(&good, &partial).is_empty());
    }

    #[test]
    fn nothing_found_scores_zero() {
        let figures = score(&ids(&["x"]), &judged(&[("a", 3)]));
        assert_eq!(figures, Figures::default());
    }
}
