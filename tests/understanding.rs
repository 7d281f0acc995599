//! Understanding the question: synonyms, aliases and misspellings.

mod common;

use common::{assert_success, stderr, stdout, TestKb};

#[test]
fn brand_names_find_the_drug_and_highlight_it() {
    let kb = TestKb::real();
    let results = kb.search("Klonopin");
    let ids: Vec<&str> = results.hits.iter().map(|hit| hit.id.as_str()).collect();
    for id in [
        "clonazepam",
        "klonopin-medical-uses",
        "what-is-clonazepam",
        "clonazepam-for-sleep",
    ] {
        assert!(ids.contains(&id), "{id} missing: {ids:?}");
    }
    let article = results
        .hits
        .iter()
        .find(|hit| hit.id == "what-is-clonazepam")
        .unwrap();
    assert!(
        article
            .marked()
            .iter()
            .any(|word| word.eq_ignore_ascii_case("clonazepam")),
        "{:?}",
        article.marked()
    );
    // Rivotril is in no article: only the clonazepam note's aliases know it.
    let ids = kb.ids("Rivotril");
    assert_eq!(ids[0], "clonazepam");
    assert!(ids.contains(&"what-is-clonazepam".to_string()), "{ids:?}");
}

#[test]
fn abbreviations_expand_to_what_they_stand_for() {
    let kb = TestKb::real();
    let ids = kb.ids("GAD");
    for id in [
        "anxiety-and-panic-disorder",
        "what-is-clonazepam",
        "nitrazepam-therapeutic-uses",
    ] {
        assert!(
            ids.contains(&id.to_string()),
            "{id} missing for GAD: {ids:?}"
        );
    }
    let results = kb.search("MS spasms");
    let top = &results.hits[0];
    assert!(
        top.id == "spasticity-and-muscle-spasms" || top.id == "baclofen-muscle-spasticity",
        "{}",
        top.id
    );
    let marked: Vec<String> = results
        .hits
        .iter()
        .flat_map(|hit| hit.marked())
        .map(str::to_lowercase)
        .collect();
    assert!(marked.iter().any(|word| word == "sclerosis"), "{marked:?}");
}

#[test]
fn the_word_as_typed_outranks_its_synonym() {
    let kb = TestKb::new();
    kb.write("synonyms.txt", "rls, restless legs syndrome\n");
    kb.note(
        "spelled-out",
        "One",
        &[],
        "Restless legs syndrome keeps people awake.",
    );
    kb.note("abbreviated", "Two", &[], "RLS keeps people awake.");
    assert_eq!(kb.ids("RLS"), vec!["abbreviated", "spelled-out"]);
    assert_eq!(kb.ids("restless legs syndrome")[0], "spelled-out");
}

#[test]
fn the_words_of_a_synonym_entry_also_count_one_by_one() {
    let kb = TestKb::new();
    kb.write("synonyms.txt", "sleeping pills => hypnotic\n");
    kb.note("hypnotics", "One", &[], "A hypnotic helps people sleep.");
    kb.note("phrase", "Two", &[], "Sleeping pills help people sleep.");
    kb.note("apart", "Three", &[], "Some pills are taken for sleep.");
    kb.note("elsewhere", "Four", &[], "Nothing about it.");
    assert_eq!(
        kb.ids("sleeping pills"),
        vec!["phrase", "hypnotics", "apart"]
    );
}

#[test]
fn editing_synonyms_needs_no_rebuild() {
    let kb = TestKb::new();
    kb.note("okapi", "Okapi", &[], "A forest giraffe.");
    assert!(kb.ids("zebragiraffe").is_empty());
    kb.write("synonyms.txt", "zebragiraffe => okapi\n");
    let output = kb.run(&["search", "--json", "zebragiraffe"]);
    assert_success(&output);
    assert_eq!(
        stderr(&output),
        "",
        "a synonyms edit must not rebuild the index"
    );
    assert!(String::from_utf8_lossy(&output.stdout).contains("\"id\":\"okapi\""));

    // The build compiles the synonyms; an edit after it still counts at once.
    assert_success(&kb.run(&["index"]));
    kb.write("synonyms.txt", "stripedgiraffe => okapi\n");
    assert!(kb.ids("zebragiraffe").is_empty());
    assert_eq!(kb.ids("stripedgiraffe"), vec!["okapi"]);
    let update = kb.run(&["index"]);
    assert!(
        stdout(&update).contains("0 added, 0 changed, 0 removed, synonyms compiled again;"),
        "{}",
        stdout(&update)
    );
    assert_eq!(kb.ids("stripedgiraffe"), vec!["okapi"]);
    std::fs::remove_file(kb.corpus.join("synonyms.txt")).unwrap();
    assert!(kb.ids("stripedgiraffe").is_empty());
}

#[test]
fn misspelt_words_are_corrected_ranked_and_highlighted() {
    let kb = TestKb::real();
    for (typo, corrected, expected) in [
        ("clonazapam", "clonazepam", "clonazepam"),
        ("baclophen", "baclofen", "baclofen"),
        ("spasticty", "spasticity", "spasticity-and-muscle-spasms"),
        ("restles legs", "restless legs", "restless-legs-syndrome"),
        ("siezures", "seizures", "seizure-disorders-and-epilepsy"),
        // One edit away, in the first letter.
        ("clonopin", "klonopin", "klonopin-medical-uses"),
    ] {
        let results = kb.search(typo);
        assert_eq!(results.suggestion.as_deref(), Some(corrected), "{typo}");
        assert_eq!(results.hits[0].id, expected, "{typo}");
        // Ranked as the question spelt right is.
        let right: Vec<String> = kb.ids(corrected);
        let typed: Vec<&str> = results.hits.iter().map(|hit| hit.id.as_str()).collect();
        assert_eq!(typed, right, "{typo}");
        assert!(results.hits.len() >= 2, "{typo}");
        assert!(
            results.hits[0].score > results.hits[results.hits.len() - 1].score,
            "flat scores for {typo}"
        );
        let marked: Vec<String> = results.hits[0]
            .marked()
            .iter()
            .map(|w| w.to_lowercase())
            .collect();
        let first_word = corrected.split(' ').next().unwrap();
        assert!(
            marked.iter().any(|w| w.starts_with(&first_word[..5])),
            "{typo}: {marked:?}"
        );
    }
    let output = kb.run(&["search", "clonazapam for sleep"]);
    assert!(
        String::from_utf8_lossy(&output.stdout).starts_with("Did you mean: clonazepam for sleep?")
    );
}

#[test]
fn correct_and_short_words_are_never_corrected() {
    let kb = TestKb::real();
    for query in ["seizures", "restless legs", "greece", "sleep", "fits"] {
        assert_eq!(kb.search(query).suggestion, None, "{query}");
    }
    assert!(kb.search("greece").hits.is_empty());
}

#[test]
fn corrections_follow_the_corpus_through_updates() {
    let kb = TestKb::new();
    kb.note("a", "Alpha", &[], "Tapirs sleep by day.");
    assert_success(&kb.run(&["index"]));
    assert_eq!(kb.search("zolpidm").suggestion, None);
    // A word that only an update brought in is a correction, and is no
    // typo itself.
    let added = kb.note("b", "Beta", &[], "Zolpidem is a hypnotic.");
    let output = kb.run(&["index"]);
    assert_success(&output);
    assert!(stdout(&output).contains("updated"), "{}", stdout(&output));
    assert_eq!(kb.search("zolpidm").suggestion.as_deref(), Some("zolpidem"));
    assert_eq!(kb.search("zolpidem").suggestion, None);
    // Once no document uses it, it is never suggested.
    std::fs::remove_file(added).unwrap();
    assert_success(&kb.run(&["index"]));
    let results = kb.search("zolpidm");
    assert_eq!(results.suggestion, None);
    assert!(results.hits.is_empty());
}

#[test]
fn a_missing_or_damaged_lexicon_is_named_and_a_build_replaces_it() {
    let kb = TestKb::new();
    kb.note("a", "Alpha", &[], "Tapirs sleep by day.");
    for damage in ["remove", "garble", "truncate"] {
        assert_success(&kb.run(&["index"]));
        let current = std::fs::read_to_string(kb.index.join("CURRENT")).unwrap();
        let lexicon = kb.index.join(current.trim()).join("medkb-words.dict");
        let bytes = std::fs::read(&lexicon).unwrap();
        match damage {
            "remove" => std::fs::remove_file(&lexicon).unwrap(),
            "garble" => {
                std::fs::write(&lexicon, bytes.iter().map(|b| b ^ 0x5a).collect::<Vec<_>>())
                    .unwrap()
            }
            _ => std::fs::write(&lexicon, &bytes[..bytes.len() / 2]).unwrap(),
        }
        // A question with no typo does not need it.
        assert_eq!(kb.ids("tapirs"), ["a"]);
        let output = kb.run(&["search", "tapirz"]);
        common::assert_failure(&output, 4, "medkb-words.dict");
        let err = stderr(&output);
        assert!(err.contains("medkb index"), "{damage}: {err}");
        assert_eq!(err.trim().lines().count(), 1, "{damage}: {err}");
        let output = kb.run(&["index"]);
        assert_success(&output);
        assert_eq!(
            kb.search("tapirz").suggestion.as_deref(),
            Some("tapirs"),
            "{damage}"
        );
    }
}

#[test]
fn explain_names_the_words_fields_synonyms_and_corrections_that_scored() {
    let kb = TestKb::real();
    let results = kb.search_with("Rivotril", &["--explain"]);
    let top = &results.hits[0];
    assert_eq!(top.id, "clonazepam");
    let why = top.explanation.as_ref().expect("an explanation per hit");
    let total = why["text"].as_f64().unwrap()
        + why["bonus"].as_f64().unwrap()
        + why["cited"].as_f64().unwrap();
    assert!((total - top.score).abs() < 1e-3, "{why} vs {}", top.score);
    let matches = why["matches"].as_array().unwrap();
    let typed = matches
        .iter()
        .find(|m| m["terms"] == "rivotril" && m["field"] == "aliases")
        .unwrap_or_else(|| panic!("{matches:?}"));
    assert!(typed.get("via").is_none(), "{typed}");
    assert!(
        matches
            .iter()
            .any(|m| m["terms"] == "clonazepam" && m["via"] == "synonym of Rivotril"),
        "{matches:?}"
    );
    // Without --explain there is no explanation.
    assert!(kb.search("Rivotril").hits[0].explanation.is_none());

    let corrected = kb.search_with("clonazapam", &["--explain"]);
    let matches = corrected.hits[0].explanation.as_ref().unwrap()["matches"].clone();
    assert!(
        matches
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["via"] == "corrected from clonazapam"),
        "{matches}"
    );

    let entry = kb.search_with("sleeping pills", &["--explain"]);
    let matches = entry.hits[0].explanation.as_ref().unwrap()["matches"].clone();
    assert!(
        matches
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["terms"] == "pill" && m["via"] == "a word of sleeping pills"),
        "{matches}"
    );

    let output = kb.run(&["search", "--explain", "-n", "2", "Rivotril"]);
    assert_success(&output);
    let text = common::stdout(&output);
    assert!(text.contains("why: "), "{text}");
    assert!(text.contains("rivotril in aliases"), "{text}");
    assert!(text.contains("(synonym of Rivotril)"), "{text}");
}

#[test]
fn a_note_that_cites_an_article_for_its_answer_lifts_that_article() {
    let kb = TestKb::new();
    let filler = "Wombats dig long burrows and sleep through the day.\n\n";
    // Other documents make moxidectin a rare, telling word.
    for n in 0..8 {
        kb.note(
            &format!("other-{n}"),
            "Other",
            &[],
            "Wombats graze on grasses at night.",
        );
    }
    for id in ["wombat-care", "wombat-diet"] {
        kb.write(
            &format!("articles/{id}.md"),
            format!("# {id}\n\n{filler}Mange in wombats is treated with moxidectin poured along the back.\n"),
        );
    }
    kb.note(
        "mange",
        "Mange",
        &[],
        "Moxidectin treats mange ([Wombat care](../articles/wombat-care.md#treatment)).",
    );
    let results = kb.search_with("moxidectin", &["--explain"]);
    let ids: Vec<&str> = results.hits.iter().map(|hit| hit.id.as_str()).collect();
    // The two articles say the same; only the one the note cites is lifted,
    // above the note that summarises it.
    assert_eq!(ids, ["wombat-care", "mange", "wombat-diet"]);
    let why = results.hits[0].explanation.as_ref().unwrap();
    assert_eq!(why["cited_by"], "mange");
    assert!(why["cited"].as_f64().unwrap() > 0.0, "{why}");
    assert!(results.hits[2].explanation.as_ref().unwrap()["cited_by"].is_null());

    let human = stdout(&kb.run(&["search", "--explain", "moxidectin"]));
    assert!(human.contains("cited by mange"), "{human}");
}
