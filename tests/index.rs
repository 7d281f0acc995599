//! `medkb index` and the index's life: freshness, atomic rebuilds, locks,
//! and every kind of bad input reported on one line.

mod common;

use std::fs;
use std::process::Stdio;
use std::time::{Duration, Instant};

use common::{assert_failure, assert_success, stderr, stdout, TestKb};

#[test]
fn index_prints_a_one_line_summary() {
    let kb = TestKb::real();
    let output = kb.run(&["index"]);
    assert_success(&output);
    let summary = stdout(&output);
    assert_eq!(summary.lines().count(), 1, "{summary}");
    assert!(
        summary.starts_with("indexed 18 documents into "),
        "{summary}"
    );
    assert!(summary.contains(" s"), "{summary}");
}

#[test]
fn search_sees_added_changed_and_removed_files() {
    let kb = TestKb::new();
    kb.note("first", "First note", &[], "About zebrafish.");
    let changing = kb.note("second", "Second note", &[], "About herons.");
    assert_eq!(kb.ids("zebrafish"), vec!["first"]);

    kb.note("third", "Third note", &[], "Also zebrafish, and herons.");
    let output = kb.run(&["search", "--json", "zebrafish"]);
    assert!(
        stderr(&output).contains("notes/third.md was added"),
        "{}",
        stderr(&output)
    );
    assert_eq!(kb.ids("zebrafish").len(), 2);

    fs::write(
        &changing,
        "---\nid: second\ntitle: Second note\n---\nNow about capybaras.\n",
    )
    .unwrap();
    assert_eq!(kb.ids("capybaras"), vec!["second"]);
    assert_eq!(kb.ids("herons"), vec!["third"]);

    fs::remove_file(kb.corpus.join("notes/third.md")).unwrap();
    let output = kb.run(&["search", "--json", "zebrafish"]);
    assert!(
        stderr(&output).contains("notes/third.md was removed"),
        "{}",
        stderr(&output)
    );
    assert_eq!(kb.ids("zebrafish"), vec!["first"]);
}

#[test]
fn index_updates_only_what_changed_and_leaves_no_ghosts() {
    let kb = TestKb::new();
    kb.note("stays", "Stays", &[], "About zebrafish.");
    let changing = kb.note("changes", "Changes", &[], "About herons.");
    let removed = kb.note("goes", "Goes", &[], "About wombats.");
    let first = kb.run(&["index"]);
    assert_success(&first);
    assert!(
        stdout(&first).starts_with("indexed 3 documents"),
        "{}",
        stdout(&first)
    );

    let unchanged = kb.run(&["index"]);
    assert_success(&unchanged);
    assert!(
        stdout(&unchanged).contains("is up to date: 3 documents"),
        "{}",
        stdout(&unchanged)
    );

    kb.note("new", "New", &[], "About capybaras.");
    fs::write(
        &changing,
        "---\nid: changes\ntitle: Changes\n---\nNow about ibises.\n",
    )
    .unwrap();
    fs::remove_file(&removed).unwrap();
    let update = kb.run(&["index"]);
    assert_success(&update);
    let summary = stdout(&update);
    assert!(summary.starts_with("updated "), "{summary}");
    assert!(
        summary.contains("1 added, 1 changed, 1 removed; 3 documents"),
        "{summary}"
    );

    assert_eq!(kb.ids("capybaras"), vec!["new"]);
    assert_eq!(kb.ids("ibises"), vec!["changes"]);
    assert!(
        kb.ids("herons").is_empty(),
        "the old text of a changed file is gone"
    );
    assert!(
        kb.ids("wombats").is_empty(),
        "a removed file leaves no ghost"
    );
    assert_eq!(kb.ids("zebrafish"), vec!["stays"]);
    let listed = stdout(&kb.run(&["list"]));
    let ids: Vec<&str> = listed
        .lines()
        .filter_map(|line| line.split_whitespace().next())
        .collect();
    assert_eq!(ids, ["changes", "new", "stays"], "{listed}");

    let full = kb.run(&["index", "--full"]);
    assert_success(&full);
    assert!(
        stdout(&full).starts_with("indexed 3 documents"),
        "{}",
        stdout(&full)
    );
}

#[test]
fn an_updated_index_ranks_exactly_as_one_built_afresh() {
    let kb = TestKb::real_copy();
    assert_success(&kb.run(&["index", "--full"]));
    let note = kb.corpus.join("notes/clonazepam.md");
    let text = fs::read_to_string(&note).unwrap();
    fs::write(&note, text.replace("panic disorder", "panic attacks")).unwrap();
    let update = kb.run(&["index"]);
    assert!(
        stdout(&update).starts_with("updated "),
        "{}",
        stdout(&update)
    );
    let questions = ["restless legs", "clonazepam for sleep", "panic", "baclofen"];
    let scores = |kb: &TestKb| -> Vec<Vec<(String, f64)>> {
        questions
            .iter()
            .map(|question| {
                kb.search(question)
                    .hits
                    .into_iter()
                    .map(|hit| (hit.id, hit.score))
                    .collect()
            })
            .collect()
    };
    let updated = scores(&kb);
    assert_success(&kb.run(&["index", "--full"]));
    assert_eq!(
        updated,
        scores(&kb),
        "removed text still weighs in the update"
    );
}

#[test]
fn an_index_in_an_older_format_is_rebuilt_by_the_next_search() {
    let kb = TestKb::new();
    kb.note("okapi", "Okapi", &[], "A forest giraffe.");
    for older in [
        // Today's fields with an older number, and an older set of fields.
        |manifest: &mut serde_json::Value| manifest["schema_version"] = 1.into(),
        |manifest: &mut serde_json::Value| {
            manifest["schema_version"] = 2.into();
            manifest.as_object_mut().unwrap().remove("token_totals");
        },
    ] {
        assert_success(&kb.run(&["index", "--full"]));
        let current = fs::read_to_string(kb.index.join("CURRENT")).unwrap();
        let path = kb.index.join(current.trim()).join("medkb-manifest.json");
        let mut manifest: serde_json::Value =
            serde_json::from_slice(&fs::read(&path).unwrap()).unwrap();
        older(&mut manifest);
        fs::write(&path, manifest.to_string()).unwrap();
        let output = kb.run(&["search", "giraffe"]);
        assert_success(&output);
        assert!(stdout(&output).contains("Okapi"), "{}", stdout(&output));
        assert!(
            stderr(&output).contains("rebuilt the index (it was built by medkb"),
            "{}",
            stderr(&output)
        );
    }
}

#[test]
fn an_update_hands_a_duplicate_id_to_the_file_left_when_its_holder_goes() {
    let kb = TestKb::new();
    let holder = kb.write(
        "articles/a.md",
        "---\nid: same\ntitle: A\n---\nAbout okapis.\n",
    );
    kb.write(
        "articles/b.md",
        "---\nid: same\ntitle: B\n---\nAbout tapirs.\n",
    );
    let first = kb.run(&["index"]);
    assert!(
        stderr(&first).contains("duplicate id 'same'"),
        "{}",
        stderr(&first)
    );
    assert!(kb.ids("tapirs").is_empty());

    fs::remove_file(holder).unwrap();
    let update = kb.run(&["index"]);
    assert_success(&update);
    assert!(
        !stderr(&update).contains("duplicate"),
        "{}",
        stderr(&update)
    );
    assert_eq!(kb.ids("tapirs"), vec!["same"]);
    assert!(kb.ids("okapis").is_empty());
}

/// `count` small text documents, `doc-N` in `articles/NN/`, 100 a folder.
fn write_numbered_docs(kb: &TestKb, count: usize) {
    for n in 0..count {
        kb.write(
            &format!("articles/{:02}/doc-{n}.txt", n / 100),
            format!("Doc {n}\nWords for document {n}.\n"),
        );
    }
}

#[test]
fn a_large_corpus_is_checked_by_folder_and_still_sees_new_and_removed_files() {
    // Above 2,000 files a search compares folder times, not every file.
    let kb = TestKb::new();
    write_numbered_docs(&kb, 2_010);
    assert_success(&kb.run(&["index"]));
    let unchanged = kb.run(&["search", "--json", "document"]);
    assert_success(&unchanged);
    assert_eq!(stderr(&unchanged), "", "an unchanged corpus is fresh");
    kb.write("articles/07/late.txt", "Late arrival\nAbout pangolins.\n");
    let output = kb.run(&["search", "--json", "pangolins"]);
    assert_success(&output);
    assert!(
        stderr(&output).contains("articles/07 changed"),
        "{}",
        stderr(&output)
    );
    assert_eq!(kb.ids("pangolins"), vec!["late"]);

    fs::remove_file(kb.corpus.join("articles/07/late.txt")).unwrap();
    assert!(kb.ids("pangolins").is_empty());

    // Rewriting a file in place leaves its folder's time alone: only
    // `medkb index`, which compares every file, sees it.
    kb.write("articles/03/doc-300.txt", "Doc 300\nNow about axolotls.\n");
    assert_success(&kb.run(&["index"]));
    assert_eq!(kb.ids("axolotls"), vec!["doc-300"]);
}

#[test]
fn pointing_the_index_at_another_corpus_rebuilds_it() {
    let one = TestKb::new();
    one.note("a", "Alpha", &[], "Walrus.");
    let two = TestKb::new();
    two.note("b", "Beta", &[], "Walrus too.");
    assert_eq!(one.ids("walrus"), vec!["a"]);
    let output = two
        .command(&["search", "--json", "walrus"])
        .arg("--index")
        .arg(&one.index)
        .output()
        .unwrap();
    assert_success(&output);
    assert!(
        stderr(&output).contains("it was built from"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn a_failed_rebuild_keeps_the_previous_index_searchable() {
    let kb = TestKb::new();
    kb.note("kept", "Kept", &[], "Ocelot.");
    assert_success(&kb.run(&["index"]));
    let moved = kb.root.path().join("corpus-away");
    fs::rename(&kb.corpus, &moved).unwrap();
    assert_failure(&kb.run(&["index"]), 3, "no corpus folder at");
    let output = kb.run(&["search", "--json", "ocelot"]);
    assert_success(&output);
    assert!(
        stderr(&output).contains("searching the index as last built"),
        "{}",
        stderr(&output)
    );
    let results: common::SearchJson = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(results.hits[0].id, "kept");
}

#[test]
fn a_killed_rebuild_leaves_the_old_or_the_new_index_never_a_mix() {
    let kb = TestKb::new();
    // Big enough that a build takes a while, so the kills land mid-build.
    for n in 0..400 {
        let body = format!(
            "Document {n} about lemurs. {}",
            "Filler words for the index to chew on. ".repeat(200)
        );
        kb.write(
            &format!("articles/doc-{n}.md"),
            format!("---\nid: doc-{n}\ntitle: Doc {n}\n---\n{body}\n"),
        );
    }
    let started = Instant::now();
    assert_success(&kb.run(&["index", "--full"]));
    let build = started.elapsed();
    // Kill at random moments within the length of a build: a seed from the
    // clock, printed so that a failing run can be told apart.
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos() as u64;
    let mut random = seed | 1;
    for round in 0..5u64 {
        random ^= random << 13;
        random ^= random >> 7;
        random ^= random << 17;
        let delay = build.mul_f64((random % 1000) as f64 / 1000.0);
        // Odd rounds kill an update (one file changed) rather than a full build.
        let args: &[&str] = if round % 2 == 1 {
            kb.write(
                &format!("articles/doc-{round}.md"),
                format!("---\nid: doc-{round}\ntitle: Doc {round}\n---\nLemurs, round {round}.\n"),
            );
            &["index"]
        } else {
            &["index", "--full"]
        };
        let mut child = kb
            .command(args)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(delay);
        child.kill().unwrap();
        child.wait().unwrap();
        eprintln!("round {round}: killed after {delay:?} (seed {seed})");
        let results = kb.search_with("lemurs", &["--limit", "1"]);
        assert_eq!(results.total, 400, "round {round}");
    }
    assert_success(&kb.run(&["index"]));
    let leftovers: Vec<_> = fs::read_dir(&kb.index)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.starts_with("tmp-"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn a_second_writer_is_refused_while_the_first_holds_the_lock() {
    let kb = TestKb::new();
    kb.note("a", "Alpha", &[], "Pangolin.");
    assert_success(&kb.run(&["index"]));
    let lock = fs::OpenOptions::new()
        .write(true)
        .open(kb.index.join(".lock"))
        .unwrap();
    lock.lock().unwrap();
    assert_failure(
        &kb.run(&["index"]),
        5,
        "another medkb process is rebuilding the index",
    );
    // A search that finds the index stale uses it as it is rather than wait.
    kb.note("b", "Beta", &[], "Pangolin again.");
    let output = kb.run(&["search", "--json", "pangolin"]);
    assert_success(&output);
    assert!(
        stderr(&output).contains("another process is rebuilding it"),
        "{}",
        stderr(&output)
    );
    drop(lock);
    assert_eq!(kb.ids("pangolin").len(), 2);
}

#[test]
fn a_search_with_no_index_waits_for_the_build_in_progress() {
    let kb = TestKb::new();
    kb.note("a", "Alpha", &[], "Axolotl.");
    fs::create_dir_all(&kb.index).unwrap();
    let lock = fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(kb.index.join(".lock"))
        .unwrap();
    lock.lock().unwrap();
    let started = Instant::now();
    let child = kb
        .command(&["search", "--json", "axolotl"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(300));
    drop(lock);
    let output = child.wait_with_output().unwrap();
    assert_success(&output);
    assert!(started.elapsed() >= Duration::from_millis(300));
    assert!(stdout(&output).contains("\"id\":\"a\""));
}

#[test]
fn missing_corpus_is_a_clear_error() {
    let kb = TestKb::new();
    fs::remove_dir(&kb.corpus).unwrap();
    assert_failure(&kb.run(&["index"]), 3, "no corpus folder at");
    assert_failure(&kb.run(&["search", "anything"]), 3, "no corpus folder at");
}

#[test]
fn a_folder_that_is_not_an_index_is_left_alone() {
    let kb = TestKb::new();
    kb.note("a", "Alpha", &[], "Okapi.");
    fs::create_dir_all(&kb.index).unwrap();
    fs::write(kb.index.join("thesis.docx"), "precious").unwrap();
    assert_failure(&kb.run(&["index"]), 4, "is not a medkb index and not empty");
    assert_failure(&kb.run(&["search", "okapi"]), 4, "is not a medkb index");
    assert_eq!(
        fs::read_to_string(kb.index.join("thesis.docx")).unwrap(),
        "precious"
    );
}

#[test]
fn a_damaged_index_is_rebuilt_by_search_and_reported_by_show() {
    let kb = TestKb::new();
    kb.note("a", "Alpha", &[], "Tapir.");
    assert_success(&kb.run(&["index"]));
    let generation = fs::read_to_string(kb.index.join("CURRENT")).unwrap();
    let generation = kb.index.join(generation.trim());
    fs::write(generation.join("meta.json"), "{ not json").unwrap();
    let output = kb.run(&["search", "--json", "tapir"]);
    assert_success(&output);
    assert!(
        stderr(&output).contains("is damaged"),
        "{}",
        stderr(&output)
    );
    assert!(stdout(&output).contains("\"id\":\"a\""));
}

#[test]
fn a_damaged_file_list_or_synonyms_cache_costs_a_rebuild_never_an_answer() {
    let kb = TestKb::new();
    kb.note("a", "Alpha", &[], "Tapir.");
    kb.write("synonyms.txt", "anteater => tapir\n");
    for (file, damage) in [
        ("medkb-files.tsv", "medkb-files 1\nnotes/a.md\tlots\n"),
        ("medkb-synonyms.tsv", "medkb synonyms 2\ncrc 0\nlongest 1\n"),
    ] {
        assert_success(&kb.run(&["index", "--full"]));
        let generation = fs::read_to_string(kb.index.join("CURRENT")).unwrap();
        fs::write(kb.index.join(generation.trim()).join(file), damage).unwrap();
        assert_eq!(kb.ids("anteater"), vec!["a"], "{file}");
        let index = kb.run(&["index"]);
        assert_success(&index);
        assert_eq!(kb.ids("tapir"), vec!["a"], "{file}");
    }
}

#[test]
fn bad_files_are_reported_with_path_and_line_and_the_rest_is_indexed() {
    let kb = TestKb::new();
    kb.note("good", "Good", &[], "Quokka.");
    kb.write("notes/latin1.md", b"---\ntitle: Bad\n---\nQuokka caf\xe9\n");
    kb.write(
        "notes/broken.md",
        "---\ntitle: [unclosed\nid: broken\n---\nQuokka.\n",
    );
    kb.write("notes/unclosed.md", "---\ntitle: never closed\nQuokka.\n");
    kb.write("notes/empty.md", "");
    kb.write("notes/binary.md", b"\x00\x01\x02quokka");
    kb.write(
        "notes/zz-dup.md",
        "---\nid: good\ntitle: Duplicate\n---\nQuokka.\n",
    );
    let output = kb.run(&["index"]);
    assert_success(&output);
    let err = stderr(&output);
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines.len(), 6, "{err}");
    assert!(
        err.contains("corpus/notes/latin1.md:4: not valid UTF-8"),
        "{err}"
    );
    assert!(
        err.contains("corpus/notes/broken.md:2: broken front matter"),
        "{err}"
    );
    assert!(
        err.contains(
            "corpus/notes/unclosed.md:1: front matter opens with '---' but has no closing"
        ),
        "{err}"
    );
    assert!(err.contains("corpus/notes/empty.md: empty file"), "{err}");
    assert!(
        err.contains("corpus/notes/binary.md: looks like a binary file"),
        "{err}"
    );
    assert!(
        err.contains("corpus/notes/zz-dup.md: duplicate id 'good'"),
        "{err}"
    );
    assert!(
        stdout(&output).contains("indexed 1 documents")
            && stdout(&output).contains("skipped 6 files")
    );
    assert_eq!(kb.ids("quokka"), vec!["good"]);
}

#[test]
fn text_files_are_documents_with_the_title_on_the_first_line() {
    let kb = TestKb::new();
    kb.write(
        "articles/plain.txt",
        "A Plain Title\n\nSome body about wombats.\n\nMore.\n",
    );
    let results = kb.search("wombats");
    assert_eq!(results.hits[0].title, "A Plain Title");
    assert_eq!(results.hits[0].id, "plain");
    assert_eq!(results.hits[0].kind, "article");
}

#[test]
fn files_that_vanish_or_change_during_builds_are_handled_and_caught_up() {
    // One thread keeps creating, rewriting and deleting files while builds
    // run, so walks and reads race with the changes. Every build must
    // finish or report in one line; the build after the churn must match
    // the corpus exactly.
    let kb = TestKb::new();
    for n in 0..200 {
        kb.note(
            &format!("still-{n}"),
            &format!("Still {n}"),
            &[],
            "About gazelles.",
        );
    }
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let churn = {
        let (stop, corpus) = (stop.clone(), kb.corpus.clone());
        std::thread::spawn(move || {
            let mut round = 0u64;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                let path = corpus.join(format!("notes/flicker-{}.md", round % 7));
                let body = format!(
                    "---\nid: flicker-{}\ntitle: Flicker\n---\nAbout herons {round}.\n",
                    round % 7
                );
                if round % 3 == 2 {
                    let _ = fs::remove_file(&path);
                } else {
                    fs::write(&path, body).unwrap();
                }
                round += 1;
            }
        })
    };
    for _ in 0..8 {
        for args in [&["index"][..], &["index", "--full"][..]] {
            let output = kb.run(args);
            let err = stderr(&output);
            assert!(output.status.success(), "{err}");
            assert!(!err.contains("panicked"), "{err}");
        }
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    churn.join().unwrap();

    assert_success(&kb.run(&["index"]));
    let flickers = fs::read_dir(kb.corpus.join("notes"))
        .unwrap()
        .filter(|entry| {
            entry
                .as_ref()
                .unwrap()
                .file_name()
                .to_string_lossy()
                .starts_with("flicker-")
        })
        .count();
    assert_eq!(kb.search("herons").total, flickers);
    assert_eq!(kb.search("gazelles").total, 200);
}

/// The segments of the index generation that `CURRENT` names.
fn segment_count(index: &std::path::Path) -> usize {
    let current = fs::read_to_string(index.join("CURRENT")).unwrap();
    let meta = fs::read_to_string(index.join(current.trim()).join("meta.json")).unwrap();
    let meta: serde_json::Value = serde_json::from_str(&meta).unwrap();
    meta["segments"].as_array().unwrap().len()
}

#[test]
fn a_parallel_build_puts_the_words_of_every_thread_in_the_lexicon() {
    let kb = TestKb::new();
    write_numbered_docs(&kb, 5_010);
    // Words spread over the corpus, so over both indexing threads and
    // their segments.
    let animals = [
        "pangolin", "axolotl", "capybara", "narwhal", "okapi", "wombat",
    ];
    for (k, animal) in animals.iter().enumerate() {
        kb.write(
            &format!("articles/{:02}/animal-{k}.txt", k * 10),
            format!("Animal {k}\nAbout the {animal}.\n"),
        );
    }
    assert_success(&kb.run(&["index"]));
    assert!(segment_count(&kb.index) > 1, "a parallel build");
    let typos = [
        "pangolim", "axolotk", "capybarq", "narwhak", "okapj", "wombah",
    ];
    for (typo, animal) in typos.into_iter().zip(animals) {
        assert_eq!(
            kb.search(typo).suggestion.as_deref(),
            Some(animal),
            "{typo}"
        );
    }
}

#[test]
fn updates_of_a_large_index_leave_one_small_segment_however_many_they_are() {
    // Above 5,000 documents an update does not merge the whole index.
    let kb = TestKb::new();
    write_numbered_docs(&kb, 5_010);
    assert_success(&kb.run(&["index"]));
    let built = segment_count(&kb.index);
    for round in 0..4 {
        let n = round * 100;
        kb.write(
            &format!("articles/{round:02}/doc-{n}.txt"),
            format!("Doc {n}\nNow about quokkas, round {round}.\n"),
        );
        assert_success(&kb.run(&["index"]));
        assert!(
            segment_count(&kb.index) <= built + 1,
            "round {round}: {} segments, {built} after the build",
            segment_count(&kb.index)
        );
    }
    assert_eq!(kb.ids("quokkas").len(), 4);
}

#[test]
fn index_with_paths_looks_at_those_alone_and_lists_as_a_walk_would() {
    let kb = TestKb::new();
    kb.note("stays", "Stays", &[], "About zebrafish.");
    let changing = kb.note("changes", "Changes", &[], "About herons.");
    let removed = kb.note("goes", "Goes", &[], "About wombats.");
    assert_success(&kb.run(&["index"]));

    let added = kb.note("new", "New", &[], "About capybaras.");
    fs::write(
        &changing,
        "---\nid: changes\ntitle: Changes\n---\nNow about ibises.\n",
    )
    .unwrap();
    fs::remove_file(&removed).unwrap();
    // Named as given on a command line: relative to the working folder,
    // absolute, and one (removed) file that no longer exists.
    let update = kb.run(&[
        "index",
        "corpus/notes/new.md",
        changing.to_str().unwrap(),
        removed.to_str().unwrap(),
    ]);
    assert_success(&update);
    let summary = stdout(&update);
    assert!(
        summary.contains("1 added, 1 changed, 1 removed; 3 documents"),
        "{summary}"
    );
    assert_eq!(kb.ids("capybaras"), vec!["new"]);
    assert_eq!(kb.ids("ibises"), vec!["changes"]);
    assert!(kb.ids("herons").is_empty(), "{summary}");
    assert!(
        kb.ids("wombats").is_empty(),
        "a removed file leaves no ghost"
    );
    // What the named update listed is what a walk finds.
    let walk = kb.run(&["index"]);
    assert!(
        stdout(&walk).contains("is up to date: 3 documents"),
        "{}",
        stdout(&walk)
    );

    // A file left unnamed is taken to be as it was, until a walk.
    kb.note("stays", "Stays", &[], "About zebrafish and otters.");
    fs::write(&added, "---\nid: new\ntitle: New\n---\nAbout tapirs now.\n").unwrap();
    let named = kb.run(&["index", "corpus/notes/new.md"]);
    assert!(
        stdout(&named).contains("0 added, 1 changed, 0 removed"),
        "{}",
        stdout(&named)
    );
    let walk = kb.run(&["index"]);
    assert!(
        stdout(&walk).contains("0 added, 1 changed, 0 removed"),
        "{}",
        stdout(&walk)
    );
    assert_eq!(kb.ids("otters"), vec!["stays"]);
}

#[test]
fn index_with_a_folder_named_walks_everything_in_it() {
    let kb = TestKb::new();
    kb.note("stays", "Stays", &[], "About zebrafish.");
    assert_success(&kb.run(&["index"]));

    kb.write("articles/new/deep/a.md", "# Okapi\n\nA forest giraffe.\n");
    kb.write("articles/new/b.txt", "Tapir\nA hoofed browser.\n");
    kb.write("articles/new/.hidden.md", "# Hidden\n\nNot a document.\n");
    let added = kb.run(&["index", "corpus/articles"]);
    assert!(
        stdout(&added).contains("2 added, 0 changed, 0 removed; 3 documents"),
        "{}",
        stdout(&added)
    );
    assert_eq!(kb.ids("okapi"), vec!["a"]);
    let walk = kb.run(&["index"]);
    assert!(
        stdout(&walk).contains("is up to date: 3 documents"),
        "{}",
        stdout(&walk)
    );

    fs::remove_dir_all(kb.corpus.join("articles/new")).unwrap();
    let gone = kb.run(&["index", "corpus/articles/new"]);
    assert!(
        stdout(&gone).contains("0 added, 0 changed, 2 removed; 1 documents"),
        "{}",
        stdout(&gone)
    );
    assert!(
        kb.ids("okapi").is_empty(),
        "a removed folder leaves no ghost"
    );
    let walk = kb.run(&["index"]);
    assert!(
        stdout(&walk).contains("is up to date: 1 documents"),
        "{}",
        stdout(&walk)
    );
}

#[test]
fn index_with_paths_builds_in_full_when_there_is_no_index_yet() {
    let kb = TestKb::new();
    kb.note("first", "First", &[], "About zebrafish.");
    kb.note("second", "Second", &[], "About herons.");
    let output = kb.run(&["index", "corpus/notes/first.md"]);
    assert_success(&output);
    assert!(
        stdout(&output).starts_with("indexed 2 documents"),
        "{}",
        stdout(&output)
    );
}

#[test]
fn index_refuses_paths_outside_the_corpus_and_paths_with_full() {
    let kb = TestKb::new();
    kb.note("first", "First", &[], "About zebrafish.");
    assert_success(&kb.run(&["index"]));
    let outside = kb.root.path().join("elsewhere.md");
    fs::write(&outside, "# Elsewhere\n").unwrap();
    let output = kb.run(&["index", outside.to_str().unwrap()]);
    assert_failure(&output, 2, "is not in the corpus");
    let output = kb.run(&["index", "--full", "corpus/notes/first.md"]);
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(stderr(&output).contains("--full"), "{}", stderr(&output));
}
