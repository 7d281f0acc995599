//! `medkb check`: every rule on a small corpus written for it, the JSON
//! shape, the exit codes, and the bundled corpus, which must pass.

mod common;

use common::{assert_failure, assert_success, stdout, TestKb};
use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CheckJson {
    files: usize,
    errors: usize,
    warnings: usize,
    allowed: usize,
    findings: Vec<FindingJson>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FindingJson {
    path: String,
    line: Option<usize>,
    severity: String,
    rule: String,
    message: String,
    allowed: bool,
}

fn check(kb: &TestKb) -> CheckJson {
    let output = kb.run(&["check", "--json", "--all"]);
    assert!(
        matches!(output.status.code(), Some(0 | 7)),
        "{}",
        common::stderr(&output)
    );
    serde_json::from_slice(&output.stdout).unwrap_or_else(|err| {
        panic!("bad JSON ({err}): {}", stdout(&output));
    })
}

/// The findings of one rule, as `path:line`.
fn found(report: &CheckJson, rule: &str) -> Vec<String> {
    report
        .findings
        .iter()
        .filter(|finding| finding.rule == rule)
        .map(|finding| match finding.line {
            Some(line) => format!("{}:{line}", finding.path),
            None => finding.path.clone(),
        })
        .collect()
}

fn article(kb: &TestKb, id: &str, body: &str) {
    kb.write(
        &format!("articles/{id}.md"),
        format!("---\nid: {id}\ntitle: {id}\nkind: article\n---\n\n{body}\n"),
    );
}

fn note(kb: &TestKb, id: &str, front: &str, body: &str) {
    kb.write(
        &format!("notes/{id}.md"),
        format!("---\nid: {id}\ntitle: {id}\nkind: note\n{front}---\n\n{body}\n"),
    );
}

/// A small corpus that passes: one article and one note citing it.
fn clean_kb() -> TestKb {
    let kb = TestKb::new();
    article(&kb, "quokka-article", "Quokkas sleep by day.");
    note(
        &kb,
        "quokka",
        "aliases: [Setonix]\ntags: [drug]\nsources: [quokka-article]\n",
        "See [the article](../articles/quokka-article.md).",
    );
    kb
}

#[test]
fn the_bundled_corpus_passes_the_check() {
    let kb = TestKb::real();
    let output = kb.run(&["check"]);
    assert_success(&output);
    let text = stdout(&output);
    assert!(text.contains(" 0 errors, 0 warnings"), "{text}");
    // The deliberate exception: the baclofen article keeps its spun text as
    // written, and says so in its front matter.
    let report = check(&kb);
    assert_eq!((report.errors, report.warnings), (0, 0));
    assert!(report.files >= 18, "{report:?}");
    assert!(report.allowed > 0);
    for finding in &report.findings {
        assert!(finding.allowed, "{finding:?}");
        assert_eq!(finding.rule, "spun-text");
        assert_eq!(
            finding.path,
            "corpus/articles/baclofen-muscle-spasticity.md"
        );
    }
}

#[test]
fn a_clean_corpus_has_no_findings_and_exits_0() {
    let kb = clean_kb();
    let output = kb.run(&["check"]);
    assert_success(&output);
    assert_eq!(stdout(&output), "checked 2 files: 0 errors, 0 warnings\n");
    let report = check(&kb);
    assert!(report.findings.is_empty(), "{:?}", report.findings);
}

#[test]
fn duplicate_ids_are_errors_at_the_id_line() {
    let kb = clean_kb();
    kb.write(
        "notes/zz-copy.md",
        "---\ntitle: Copy\nid: quokka\nsources: [quokka-article]\n---\nText.\n",
    );
    let report = check(&kb);
    assert_eq!(
        found(&report, "duplicate-id"),
        vec!["corpus/notes/zz-copy.md:3"]
    );
    assert!(report.findings[0]
        .message
        .contains("corpus/notes/quokka.md"));
    assert_eq!(report.errors, 1);
}

#[test]
fn citations_of_missing_documents_are_errors() {
    let kb = clean_kb();
    note(
        &kb,
        "cites",
        "sources:\n  - quokka-article\n  - no-such-article\n",
        "See [gone](../articles/gone.md) and [ok](quokka.md) and [web](https://example.org/x.md).",
    );
    let report = check(&kb);
    assert_eq!(
        found(&report, "unknown-source"),
        vec!["corpus/notes/cites.md:7"]
    );
    assert_eq!(
        found(&report, "broken-link"),
        vec!["corpus/notes/cites.md:10"]
    );
    let messages: Vec<_> = report.findings.iter().map(|f| f.message.as_str()).collect();
    assert!(
        messages.iter().any(|m| m.contains("'no-such-article'")),
        "{messages:?}"
    );
    assert!(
        messages.iter().any(|m| m.contains("../articles/gone.md")),
        "{messages:?}"
    );
}

#[test]
fn notes_without_sources_are_errors() {
    let kb = clean_kb();
    note(&kb, "lonely", "tags: [test]\nsources: []\n", "Text.");
    note(&kb, "no-key", "tags: [test]\n", "Text.");
    let report = check(&kb);
    assert_eq!(
        found(&report, "no-sources"),
        vec!["corpus/notes/lonely.md:6", "corpus/notes/no-key.md:1"]
    );
    // Articles need no sources.
    assert!(found(&report, "no-sources")
        .iter()
        .all(|place| place.contains("/notes/")));
}

#[test]
fn a_name_claimed_by_two_drug_notes_is_an_error() {
    let kb = clean_kb();
    note(
        &kb,
        "wallaby",
        "aliases: [Macropus, setonix]\ntags: [drug]\nsources: [quokka-article]\n",
        "The quokka note's article says \"Leave a comment\" and \"can/May/Has\".",
    );
    // The same alias on a note that is not about a drug is fine.
    note(
        &kb,
        "marsupials",
        "aliases: [Setonix]\ntags: [topic]\nsources: [quokka-article]\n",
        "Text.",
    );
    let report = check(&kb);
    assert_eq!(
        found(&report, "alias-conflict"),
        vec!["corpus/notes/wallaby.md:5"]
    );
    let message = &report.findings[0].message;
    assert!(
        message.contains("'setonix'") && message.contains("corpus/notes/quokka.md"),
        "{message}"
    );
}

#[test]
fn empty_bodies_are_errors() {
    let kb = clean_kb();
    kb.write(
        "articles/empty.md",
        "---\nid: empty\ntitle: Only front matter\n---\n\n\n",
    );
    let report = check(&kb);
    assert_eq!(
        found(&report, "empty-body"),
        vec!["corpus/articles/empty.md:5"]
    );
}

#[test]
fn spun_text_is_an_error_but_ordinary_slashes_are_not() {
    let kb = clean_kb();
    article(
        &kb,
        "spun",
        "Fine and/or fine, 5 mg/kg/day, GABA-A/B, on 12/03/2024, see https://a.org/b/c.\n\n\
         Baclofen is a/represents/functions as medication.\n\n\
         ```\ncode/with/slashes is not prose\n```",
    );
    let report = check(&kb);
    assert_eq!(
        found(&report, "spun-text"),
        vec!["corpus/articles/spun.md:9"]
    );
    assert!(report.findings[0]
        .message
        .contains("\"a/represents/functions\""));
}

#[test]
fn leftover_web_chrome_is_an_error() {
    let kb = clean_kb();
    article(
        &kb,
        "page",
        "Quokkas are small.\n\nShare this:\n\nShare this with your doctor.\n\n\
         We use cookies to improve your experience.\n\n## Related Posts\n\nLeave a Comment",
    );
    let report = check(&kb);
    assert_eq!(
        found(&report, "web-chrome"),
        vec![
            "corpus/articles/page.md:9",
            "corpus/articles/page.md:13",
            "corpus/articles/page.md:15",
            "corpus/articles/page.md:17",
        ]
    );
}

#[test]
fn synonyms_that_find_nothing_are_warnings_and_bad_lines_errors() {
    let kb = clean_kb();
    kb.write(
        "synonyms.txt",
        "# comment\nrock wallaby, setonix\nptsd, post-traumatic stress disorder\nnaps => day sleep\nlonely\nsleeps by day => siesta\n",
    );
    let report = check(&kb);
    // Line 2 matches the alias Setonix; line 4's target "day sleep" is not a
    // phrase of the corpus; line 6's left side is, but its target is not.
    assert_eq!(
        found(&report, "dead-synonym"),
        vec![
            "corpus/synonyms.txt:3",
            "corpus/synonyms.txt:4",
            "corpus/synonyms.txt:6"
        ]
    );
    assert_eq!(found(&report, "bad-synonym"), vec!["corpus/synonyms.txt:5"]);
    assert_eq!((report.errors, report.warnings), (1, 3));
}

#[test]
fn warnings_alone_pass_unless_strict() {
    let kb = clean_kb();
    kb.write("synonyms.txt", "ptsd, post-traumatic stress disorder\n");
    assert_success(&kb.run(&["check"]));
    let output = kb.run(&["check", "--strict"]);
    assert_failure(&output, 7, "1 error or warning (--strict)");
}

#[test]
fn unreadable_files_are_errors() {
    let kb = clean_kb();
    kb.write("notes/latin1.md", b"caf\xe9\n");
    kb.write("notes/broken.md", "---\ntitle: [unclosed\n---\nText.\n");
    let report = check(&kb);
    let mut places = found(&report, "unreadable");
    places.sort();
    assert_eq!(
        places,
        vec!["corpus/notes/broken.md:2", "corpus/notes/latin1.md:1"]
    );
}

#[test]
fn check_allow_keeps_a_deliberate_exception_out_of_the_counts() {
    let kb = clean_kb();
    kb.write(
        "articles/kept.md",
        "---\nid: kept\ntitle: Kept\n# the spinner's text is kept as written\ncheck-allow: [spun-text, no-such-rule]\n---\n\nIt can/May/Has effects.\n",
    );
    let report = check(&kb);
    let spun = report
        .findings
        .iter()
        .find(|finding| finding.rule == "spun-text")
        .expect("the spun text is still listed");
    assert!(spun.allowed);
    assert_eq!(spun.severity, "error");
    assert_eq!(
        found(&report, "unknown-rule"),
        vec!["corpus/articles/kept.md:5"]
    );
    assert_eq!((report.errors, report.allowed), (1, 1));

    // Without --all, the human output leaves allowed findings out.
    let output = kb.run(&["check"]);
    let text = stdout(&output);
    assert!(!text.contains("error[spun-text]"), "{text}");
    assert!(
        text.contains("1 allowed by check-allow (--all lists them)"),
        "{text}"
    );
}

#[test]
fn errors_exit_7_with_one_line_on_stderr_and_findings_on_stdout() {
    let kb = clean_kb();
    note(&kb, "lonely", "sources: []\n", "Leave a comment");
    let output = kb.run(&["check"]);
    assert_failure(&output, 7, "found 2 errors");
    assert_eq!(common::stderr(&output).lines().count(), 1);
    let text = stdout(&output);
    assert!(
        text.contains("corpus/notes/lonely.md:5: error[no-sources]: "),
        "{text}"
    );
    assert!(
        text.contains("corpus/notes/lonely.md:8: error[web-chrome]: "),
        "{text}"
    );
    assert!(
        text.ends_with("checked 3 files: 2 errors, 0 warnings\n"),
        "{text}"
    );
}

#[test]
fn a_missing_corpus_is_exit_3() {
    let kb = TestKb::new();
    std::fs::remove_dir(&kb.corpus).unwrap();
    assert_failure(&kb.run(&["check"]), 3, "no corpus folder");
}
