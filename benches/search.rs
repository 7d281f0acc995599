//! In-process figures for the search path, without process start: opening
//! the index, and answering each question of `bench/queries.txt` (ranking,
//! passages and highlights) many times, reported as p50 and p99.
//!
//! ```text
//! cargo bench --bench search                                   # the bundled corpus
//! MEDKB_BENCH_CORPUS=DIR MEDKB_BENCH_INDEX=DIR cargo bench --bench search
//! ```
//!
//! The index is brought up to date once before timing. `MEDKB_BENCH_RUNS`
//! sets the runs per question (default 200).

use std::path::PathBuf;
use std::time::{Duration, Instant};

use medkb::kb::KnowledgeBase;
use medkb::search::{self, SearchRequest};

fn main() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let corpus = std::env::var_os("MEDKB_BENCH_CORPUS").map_or(root.join("corpus"), PathBuf::from);
    let index = std::env::var_os("MEDKB_BENCH_INDEX").map_or(root.join("index"), PathBuf::from);
    let runs: usize = std::env::var("MEDKB_BENCH_RUNS")
        .ok()
        .and_then(|runs| runs.parse().ok())
        .unwrap_or(200);
    let queries =
        std::fs::read_to_string(root.join("bench/queries.txt")).expect("bench/queries.txt");
    let queries: Vec<&str> = queries
        .lines()
        .filter(|line| !line.trim().is_empty())
        .collect();

    let kb = KnowledgeBase::new(&corpus, &index);
    let mut notices = Vec::new();
    kb.open_fresh(&mut notices).expect("an index");

    let mut opens = Vec::with_capacity(runs);
    for _ in 0..runs {
        let started = Instant::now();
        let opened = kb.open_fresh(&mut notices).expect("an index");
        let (_synonyms, _) = kb.synonyms(&opened);
        opens.push(started.elapsed());
    }

    let opened = kb.open_fresh(&mut notices).expect("an index");
    let (synonyms, _) = kb.synonyms(&opened);
    let mut searches = Vec::with_capacity(runs * queries.len());
    for query in &queries {
        let request = SearchRequest::new(query);
        for _ in 0..runs {
            let started = Instant::now();
            let results = search::search(&opened, &request, &synonyms).expect("search");
            searches.push(started.elapsed());
            std::hint::black_box(results);
        }
    }

    println!(
        "corpus: {} ({} documents)",
        corpus.display(),
        opened.manifest.documents
    );
    report("open + freshness check + synonyms", &mut opens);
    report(
        &format!("search, top 10 with passages ({} questions)", queries.len()),
        &mut searches,
    );
}

fn report(what: &str, times: &mut [Duration]) {
    times.sort();
    let at = |share: f64| times[((times.len() - 1) as f64 * share).round() as usize];
    let ms = |time: Duration| time.as_secs_f64() * 1000.0;
    println!(
        "{what}: p50 {:.3} ms, p99 {:.3} ms ({} runs)",
        ms(at(0.50)),
        ms(at(0.99)),
        times.len()
    );
}
