//! Hostile questions: huge, deeply nested, full of operators or control
//! characters. Each gets an answer (results, "no documents match", or a
//! one-line usage error) and never a panic. How fast they return is
//! measured in the README (Reliability), not asserted here.

mod common;

use common::{assert_failure, assert_success, stderr, stdout, TestKb};

/// Runs a search that must succeed without a panic, and returns its stderr.
fn answered(kb: &TestKb, query: &str) -> String {
    let output = kb.run(&["search", "--json", "--", query]);
    assert_success(&output);
    let err = stderr(&output);
    assert!(!err.contains("panicked"), "{err}");
    let json: serde_json::Value = serde_json::from_str(&stdout(&output))
        .unwrap_or_else(|e| panic!("bad JSON for a hostile query: {e}"));
    assert!(json["hits"].is_array());
    err
}

#[test]
fn a_100_kb_question_is_answered_from_its_first_words() {
    let kb = TestKb::real();
    let long = "restless legs ".repeat(100 * 1024 / 14);
    assert!(long.len() >= 100 * 1000);
    let err = answered(&kb, &long);
    assert!(err.contains("only its first 64 words were used"), "{err}");
    let output = kb.run(&["search", "--json", "--", &long]);
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(json["hits"][0]["id"], "restless-legs-syndrome");
}

#[test]
fn ten_thousand_terms_and_operators() {
    let kb = TestKb::real();
    let words: Vec<String> = (0..10_000).map(|n| format!("w{n}")).collect();
    answered(&kb, &words.join(" "));
    answered(&kb, &words.join(" AND "));
    answered(&kb, &words.join(" OR "));
    answered(&kb, &format!("sleep {}", "-x ".repeat(10_000)));
    answered(&kb, &"\"a b\" ".repeat(5_000));
    answered(&kb, &"title:x drug:y tag:z kind:note ".repeat(2_500));
}

#[test]
fn deeply_nested_brackets() {
    let kb = TestKb::real();
    for depth in [9, 100, 10_000] {
        let nested = format!("{}seizures{}", "(".repeat(depth), ")".repeat(depth));
        answered(&kb, &nested);
        answered(&kb, &"(".repeat(depth));
        answered(&kb, &")".repeat(depth));
        answered(&kb, &format!("{}sleep AND", "(NOT ".repeat(depth)));
    }
}

#[test]
fn lone_operators_quotes_and_colons() {
    let kb = TestKb::real();
    for query in [
        "\"", "-", ":", "+", "(", ")", "AND", "OR", "NOT", "\"\"\"", "::", "-:", "title:\"",
        "drug:", ":sleep", "sleep:", "*", "?", "~", "^2", "\\", "/", "'", "`",
    ] {
        answered(&kb, query);
    }
}

#[test]
fn control_characters_and_odd_unicode() {
    let kb = TestKb::real();
    // (A NUL byte cannot be passed in a process's arguments at all.)
    for query in [
        "sleep\u{1}apnea",
        "\u{1b}[31mseizures\u{1b}[0m",
        "restless\tlegs\r\n",
        "\u{7}\u{8}\u{7f}",
        "\u{202e}mapezanolc",
        "clonazepam\u{200b}",
        "ｃｌｏｎａｚｅｐａｍ",
        "🙂💊",
        "\u{fffd}\u{fffd}",
        "ǅ ß ﬁ İ",
    ] {
        answered(&kb, query);
    }
}

#[test]
fn questions_with_nothing_to_search_are_answered_or_refused_plainly() {
    let kb = TestKb::real();
    // Only stop words or punctuation: an answer with no hits.
    let output = kb.run(&["search", "--", "the of and"]);
    assert_success(&output);
    // Only whitespace: a usage error, exit 2, one line.
    let output = kb.run(&["search", "--", " \t\n "]);
    assert_failure(&output, 2, "empty");
    assert_eq!(stderr(&output).lines().count(), 1);
}

#[test]
fn a_hostile_corpus_is_reported_file_by_file_and_the_rest_indexed() {
    use std::fs;
    let kb = TestKb::new();
    kb.note("good", "Good", &[], "Quokka.");
    // 100 MB (sparse: no disk is used) is over the 10 MiB limit.
    let huge = fs::File::create(kb.corpus.join("huge.md")).unwrap();
    huge.set_len(100 * 1024 * 1024).unwrap();
    kb.write(
        "notes/front-only.md",
        "---\nid: front-only\ntitle: Only front matter\n---\n",
    );
    // A symlink loop and a folder nested 40 deep.
    std::os::unix::fs::symlink(&kb.corpus, kb.corpus.join("loop")).unwrap();
    let mut deep = kb.corpus.join("deep");
    for level in 0..40 {
        deep = deep.join(format!("d{level}"));
    }
    fs::create_dir_all(&deep).unwrap();
    fs::write(deep.join("lost.md"), "Lost quokka\n\nToo deep.\n").unwrap();
    // A file name that is not UTF-8.
    use std::os::unix::ffi::OsStrExt;
    let name = std::ffi::OsStr::from_bytes(b"caf\xe9.md");
    fs::write(kb.corpus.join(name), "Quokka caf\n\nLatin-1 name.\n").unwrap();

    let output = kb.run(&["index"]);
    assert_success(&output);
    let err = stderr(&output);
    assert!(
        err.contains("huge.md: larger than the 10 MiB limit"),
        "{err}"
    );
    assert!(err.contains("nested deeper than 32 levels"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    assert!(err.lines().all(|line| line.starts_with("medkb: ")), "{err}");
    let ids = kb.ids("quokka");
    assert!(ids.contains(&"good".to_string()), "{ids:?}");
    // The symlinked folder is not followed, so nothing is indexed twice.
    assert_eq!(ids.iter().filter(|id| *id == "good").count(), 1);
    // The corpus is untouched: every file is still there.
    assert_eq!(
        fs::metadata(kb.corpus.join("huge.md")).unwrap().len(),
        100 << 20
    );
    assert!(deep.join("lost.md").exists());
}

#[test]
fn garbled_or_truncated_segment_files_are_detected_and_rebuilt() {
    use std::fs;
    let kb = TestKb::new();
    kb.note("a", "Alpha", &[], "Tapir tapir.");
    for damage in ["truncate", "garble"] {
        assert_success(&kb.run(&["index"]));
        let current = fs::read_to_string(kb.index.join("CURRENT")).unwrap();
        let generation = kb.index.join(current.trim());
        for entry in fs::read_dir(&generation).unwrap() {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            if name.ends_with(".json") || name.starts_with('.') {
                continue;
            }
            let bytes = fs::read(&path).unwrap();
            let damaged = match damage {
                "truncate" => bytes[..bytes.len() / 2].to_vec(),
                _ => bytes.iter().map(|b| b ^ 0x5a).collect(),
            };
            fs::write(&path, damaged).unwrap();
        }
        let output = kb.run(&["search", "--json", "tapir"]);
        assert_success(&output);
        assert!(
            stdout(&output).contains("\"id\":\"a\""),
            "{damage}: {}",
            stdout(&output)
        );
        let err = stderr(&output);
        assert!(
            err.contains("damaged") || err.contains("rebuilt"),
            "{damage}: {err}"
        );
        assert!(!err.contains("panicked"), "{err}");
    }
}

#[test]
fn explain_survives_phrases_that_match_only_later_documents() {
    // Found by the property tests: explaining a hit scored a synonym
    // phrase ("restless legs syndrome" for RLS) whose first match came after
    // the hit, and tantivy's phrase explain asserted on seeking backwards.
    let kb = TestKb::real();
    for query in ["rls(", "RLS", "GAD sleep", "coming off benzos"] {
        let output = kb.run(&["search", "--explain", "--json", "--", query]);
        assert_success(&output);
    }
}

#[test]
fn excluding_a_phrase_that_never_occurs_is_not_a_crash() {
    // Found by the property tests: tantivy tests an exclusion by seeking
    // the excluded phrase, which asserts once the phrase has no documents left.
    let kb = TestKb::real();
    for query in [
        "-\"sleep(drug:",
        "-\"sleep drug\"",
        "clonazepam -\"sleep drug\"",
        "baclofen -(\"zzz yyy\" OR spasm)",
    ] {
        let output = kb.run(&["search", "--json", "--", query]);
        assert_success(&output);
    }
    assert!(!kb.ids("clonazepam -\"sleep drug\"").is_empty());
}
