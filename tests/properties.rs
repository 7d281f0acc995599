//! Property tests over the code that reads untrusted input: the question
//! parser and the whole search path, the front-matter splitter, the
//! Markdown reader and the snippet cutter. Each property runs 256 random
//! cases by default; `PROPTEST_CASES=100000 cargo test --release --test
//! properties` is the longer run the README reports.

use std::path::Path;
use std::sync::OnceLock;

use medkb::index::Opened;
use medkb::kb::KnowledgeBase;
use medkb::search::{self, SearchRequest};
use medkb::snippet::{Excerpt, Highlighter, Sought, MAX_EXCERPT_BYTES};
use medkb::synonyms::Synonyms;
use medkb::syntax::{self, Clause, Node};
use proptest::prelude::*;

/// The real corpus, indexed once into a temporary folder for all cases.
fn knowledge_base() -> &'static (Opened, Synonyms) {
    static KB: OnceLock<(Opened, Synonyms)> = OnceLock::new();
    KB.get_or_init(|| {
        let index = tempfile::tempdir().unwrap().keep();
        let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus");
        let kb = KnowledgeBase::new(&corpus, &index);
        let opened = kb.open_fresh(&mut Vec::new()).unwrap();
        let (synonyms, _) = kb.synonyms(&opened);
        (opened, synonyms)
    })
}

/// Questions made of the pieces that stress the parser: operators, scopes,
/// quotes, brackets, real and misspelt words, accents and escapes.
fn question() -> impl Strategy<Value = String> {
    let pieces = prop::sample::select(vec![
        "(",
        ")",
        "\"",
        "-",
        "+",
        "AND",
        "OR",
        "NOT",
        "title:",
        "drug:",
        "tag:",
        "kind:",
        ":",
        " ",
        "  ",
        "sleep",
        "restless",
        "legs",
        "clonazapam",
        "rls",
        "klonopin",
        "gaba-a",
        "é",
        "ß",
        "\u{1b}[2J",
        "\t",
        "\n",
        "💊",
        "a",
        "the",
        "spasticty",
    ]);
    prop_oneof![
        prop::collection::vec(pieces, 0..40).prop_map(|parts| parts.concat()),
        any::<String>(),
    ]
}

fn count_words(clauses: &[Clause]) -> usize {
    clauses
        .iter()
        .map(|clause| match &clause.node {
            Node::Group(inner) => count_words(inner),
            _ => 1,
        })
        .sum()
}

fn depth(clauses: &[Clause]) -> usize {
    clauses
        .iter()
        .map(|clause| match &clause.node {
            Node::Group(inner) => 1 + depth(inner),
            _ => 0,
        })
        .max()
        .unwrap_or(0)
}

/// Highlights lie inside the text, on character boundaries, in order.
fn assert_well_formed(excerpt: &Excerpt) {
    let mut previous_end = 0;
    for range in &excerpt.highlights {
        assert!(range.start < range.end && range.end <= excerpt.text.len());
        assert!(range.start >= previous_end, "overlapping highlights");
        assert!(excerpt.text.is_char_boundary(range.start));
        assert!(excerpt.text.is_char_boundary(range.end));
        previous_end = range.end;
    }
    assert!(!excerpt
        .text
        .chars()
        .any(|c| c.is_ascii_control() && c != '\n'));
}

proptest! {
    #[test]
    fn any_question_parses_within_the_limits(input in question()) {
        let parsed = syntax::parse(&input);
        prop_assert!(count_words(&parsed.clauses) <= syntax::MAX_TERMS);
        prop_assert!(depth(&parsed.clauses) <= syntax::MAX_DEPTH);
    }

    #[test]
    fn any_question_gets_an_answer_with_well_formed_snippets(input in question()) {
        let (opened, synonyms) = knowledge_base();
        let request = SearchRequest { passages: 2, explain: true, ..SearchRequest::new(&input) };
        match search::search(opened, &request, synonyms) {
            Ok(results) => {
                prop_assert!(results.hits.len() <= 10);
                prop_assert!(results.hits.len() <= results.total);
                for hit in &results.hits {
                    prop_assert!(hit.score.is_finite());
                    for excerpt in &hit.passages {
                        assert_well_formed(excerpt);
                    }
                }
            }
            Err(medkb::error::Error::EmptyQuery) => prop_assert!(input.trim().is_empty()),
            Err(other) => prop_assert!(false, "unexpected error: {other}"),
        }
    }

    #[test]
    fn any_file_text_splits_into_front_matter_and_body_or_a_located_error(
        yaml in "[-a-z:\\[\\]{}\"' ,\\n|>&*!%@`#]{0,120}",
        body in any::<String>(),
        fenced in any::<bool>(),
    ) {
        let text = if fenced { format!("---\n{yaml}\n---\n{body}") } else { format!("{yaml}{body}") };
        match medkb::frontmatter::split(&text) {
            Ok((_, rest, line)) => {
                prop_assert!(text.ends_with(rest));
                prop_assert!(line >= 1);
            }
            Err(err) => prop_assert!(err.line >= 1 && err.line <= text.lines().count() + 1),
        }
    }

    #[test]
    fn any_markdown_reads_into_blocks(markdown in any::<String>()) {
        let blocks = medkb::markdown::blocks(&markdown);
        prop_assert!(blocks.blocks.iter().all(|block| !block.trim().is_empty()));
    }

    #[test]
    fn any_body_gives_well_formed_excerpts(
        body in prop::collection::vec("[a-zé💊 .,\\n#\u{1b}]{0,400}", 0..6),
        terms in prop::collection::vec("[a-z]{1,6}", 0..5),
    ) {
        let body = body.join("\n\n");
        let sought = terms
            .into_iter()
            .enumerate()
            .map(|(concept, term)| Sought { term, weight: 1.0, concept, alternative: 0, offset: 0 })
            .collect();
        let mut highlighter = Highlighter::new(sought);
        for excerpt in highlighter.excerpts(&body, 3) {
            assert_well_formed(&excerpt);
            prop_assert!(excerpt.text.len() <= MAX_EXCERPT_BYTES + 2 * "…".len());
        }
    }
}
