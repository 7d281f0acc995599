//! What people expect of a command-line tool: completions and a man page
//! from the same definitions, medkb.toml < environment < flags, running from
//! any subfolder, `medkb init`, and `--quiet` / `--verbose`.

mod common;

use std::fs;
use std::path::Path;
use std::process::{Command, Output};

use common::{assert_failure, assert_success, stderr, stdout, SearchJson};

/// medkb run in `dir` with no flag or variable of ours set.
fn medkb(dir: &Path, args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_medkb"));
    command.args(args).current_dir(dir);
    for name in [
        "MEDKB_CORPUS",
        "MEDKB_INDEX",
        "MEDKB_LIMIT",
        "MEDKB_COLOR",
        "NO_COLOR",
    ] {
        command.env_remove(name);
    }
    command
}

fn run(dir: &Path, args: &[&str]) -> Output {
    medkb(dir, args).output().expect("run medkb")
}

fn search_json(output: &Output) -> SearchJson {
    assert_success(output);
    serde_json::from_slice(&output.stdout).expect("search JSON")
}

/// A new knowledge base made by `medkb init`, with three notes on quokkas.
fn quokka_kb() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    assert_success(&run(dir.path(), &["init", "kb"]));
    let root = dir.path().join("kb");
    for (id, words) in [
        ("one", "quokka"),
        ("two", "quokka quokka"),
        ("three", "quokka quokka quokka"),
    ] {
        fs::write(
            root.join(format!("corpus/notes/{id}.md")),
            format!("---\nid: {id}\ntitle: Note {id}\nsources: [one]\n---\n\nThe {words}.\n"),
        )
        .unwrap();
    }
    dir
}

#[test]
fn completions_are_generated_for_every_shell_from_the_command_definitions() {
    let here = std::env::temp_dir();
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let output = run(&here, &["completions", shell]);
        assert_success(&output);
        let script = stdout(&output);
        for command in [
            "search",
            "index",
            "check",
            "export",
            "add",
            "init",
            "completions",
        ] {
            assert!(
                script.contains(command),
                "{shell} completions lack {command}"
            );
        }
        // Options of subcommands are completed too.
        assert!(script.contains("passages"), "{shell}: no --passages");
    }
    let output = run(&here, &["completions", "tcsh"]);
    assert_eq!(output.status.code(), Some(2));
}

#[test]
fn the_man_page_renders_from_the_same_definitions() {
    let output = run(&std::env::temp_dir(), &["man"]);
    assert_success(&output);
    let page = stdout(&output);
    assert!(page.contains(".TH medkb 1"), "{page}");
    assert!(page.contains(".SH NAME") && page.contains(".SH SYNOPSIS"));
    for text in ["search", "export", "\\-\\-quiet", "MEDKB_CORPUS"] {
        assert!(page.contains(text), "man page lacks {text}");
    }
    // Every line is roff: a request, or text; nothing binary.
    assert!(!page.contains('\u{0}'));
}

#[test]
fn the_result_limit_comes_from_the_file_then_the_environment_then_the_flag() {
    let dir = quokka_kb();
    let root = dir.path().join("kb");
    let hits = |limit_env: Option<&str>, flag: Option<&str>| {
        let mut args = vec!["search", "--json"];
        if let Some(flag) = flag {
            args.extend(["--limit", flag]);
        }
        args.push("quokka");
        let mut command = medkb(&root, &args);
        if let Some(limit) = limit_env {
            command.env("MEDKB_LIMIT", limit);
        }
        search_json(&command.output().unwrap()).hits.len()
    };
    // The default of medkb init's file is 10.
    assert_eq!(hits(None, None), 3);
    fs::write(root.join("medkb.toml"), "limit = 1\n").unwrap();
    assert_eq!(hits(None, None), 1);
    assert_eq!(hits(Some("2"), None), 2);
    assert_eq!(hits(Some("2"), Some("3")), 3);

    let mut command = medkb(&root, &["search", "quokka"]);
    let output = command.env("MEDKB_LIMIT", "many").output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("many"));
}

#[test]
fn the_corpus_and_index_come_from_the_file_then_the_environment_then_the_flag() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    for (folder, id) in [
        ("file-docs", "from-file"),
        ("env-docs", "from-env"),
        ("flag-docs", "from-flag"),
    ] {
        fs::create_dir_all(root.join(folder)).unwrap();
        fs::write(
            root.join(folder).join(format!("{id}.md")),
            "# Wombat\n\nWombats dig.\n",
        )
        .unwrap();
    }
    fs::write(
        root.join("medkb.toml"),
        "corpus = \"file-docs\"\nindex = \"file-index\"\n",
    )
    .unwrap();
    let ids = |env: &[(&str, &str)], flags: &[&str]| {
        let mut args = vec!["search", "--json"];
        args.extend_from_slice(flags);
        args.push("wombat");
        let mut command = medkb(root, &args);
        command.envs(env.iter().copied());
        let results = search_json(&command.output().unwrap());
        results
            .hits
            .into_iter()
            .map(|hit| hit.id)
            .collect::<Vec<_>>()
    };
    assert_eq!(ids(&[], &[]), vec!["from-file"]);
    assert!(root.join("file-index/CURRENT").exists());
    let env = [("MEDKB_CORPUS", "env-docs"), ("MEDKB_INDEX", "env-index")];
    assert_eq!(ids(&env, &[]), vec!["from-env"]);
    assert!(root.join("env-index/CURRENT").exists());
    let flags = ["--corpus", "flag-docs", "--index", "flag-index"];
    assert_eq!(ids(&env, &flags), vec!["from-flag"]);
    assert!(root.join("flag-index/CURRENT").exists());
}

#[test]
fn colour_comes_from_the_file_then_no_color_and_medkb_color_then_the_flag() {
    let dir = quokka_kb();
    let root = dir.path().join("kb");
    let coloured = |env: &[(&str, &str)], flags: &[&str]| {
        let mut args = vec!["search"];
        args.extend_from_slice(flags);
        args.push("quokka");
        let mut command = medkb(&root, &args);
        command.envs(env.iter().copied());
        let output = command.output().unwrap();
        assert_success(&output);
        stdout(&output).contains('\u{1b}')
    };
    // Piped, auto means no colour.
    assert!(!coloured(&[], &[]));
    fs::write(root.join("medkb.toml"), "color = \"always\"\n").unwrap();
    assert!(coloured(&[], &[]));
    assert!(!coloured(&[("NO_COLOR", "1")], &[]));
    assert!(coloured(
        &[("NO_COLOR", "1"), ("MEDKB_COLOR", "always")],
        &[]
    ));
    assert!(!coloured(
        &[("MEDKB_COLOR", "always")],
        &["--color", "never"]
    ));
}

#[test]
fn a_broken_settings_file_is_a_usage_error_naming_its_line() {
    let dir = quokka_kb();
    let root = dir.path().join("kb");
    fs::write(root.join("medkb.toml"), "corpus = \"corpus\"\nlimt = 3\n").unwrap();
    let output = run(&root, &["search", "quokka"]);
    assert_failure(&output, 2, "medkb.toml:2: unknown field `limt`");
    fs::write(root.join("medkb.toml"), "limit = \"ten\"\n").unwrap();
    assert_failure(&run(&root, &["search", "quokka"]), 2, "medkb.toml:1:");
}

#[test]
fn any_subfolder_finds_the_knowledge_base_root() {
    let dir = quokka_kb();
    let root = dir.path().join("kb");
    let deep = root.join("corpus/notes/drafts/old");
    fs::create_dir_all(&deep).unwrap();
    let results = search_json(&run(&deep, &["search", "--json", "quokka"]));
    assert_eq!(results.hits.len(), 3);
    assert_eq!(results.hits[0].path, "corpus/notes/three.md");
    // The index is the root's, not one in the subfolder.
    assert!(root.join("index/CURRENT").exists());
    assert!(!deep.join("index").exists());

    // A folder with corpus/ and index/ but no medkb.toml is a root too.
    fs::remove_file(root.join("medkb.toml")).unwrap();
    let results = search_json(&run(&root.join("corpus"), &["search", "--json", "quokka"]));
    assert_eq!(results.hits.len(), 3);
    let output = run(&root.join("corpus"), &["--verbose", "list"]);
    assert_success(&output);
    assert!(
        stderr(&output).contains(&format!(
            "knowledge base root {} (found by a corpus folder)",
            root.display()
        )),
        "{}",
        stderr(&output)
    );
}

#[test]
fn init_makes_a_working_knowledge_base_and_refuses_a_folder_in_use() {
    let dir = tempfile::tempdir().unwrap();
    let output = run(dir.path(), &["init", "kb"]);
    assert_success(&output);
    assert_eq!(
        stdout(&output),
        "created a knowledge base in kb: medkb.toml, corpus/synonyms.txt, index/README.md, index/.gitignore\n"
    );
    let root = dir.path().join("kb");
    for folder in ["corpus/articles", "corpus/notes", "index"] {
        assert!(root.join(folder).is_dir(), "{folder}");
    }
    assert_eq!(
        fs::read_to_string(root.join("index/.gitignore")).unwrap(),
        fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("index/.gitignore")).unwrap()
    );
    assert!(fs::read_to_string(root.join("corpus/synonyms.txt"))
        .unwrap()
        .starts_with("# Synonyms:"));

    // An empty knowledge base lists nothing and finds nothing, without error.
    assert_success(&run(&root, &["list"]));
    assert_eq!(
        search_json(&run(&root, &["search", "--json", "numbat"])).total,
        0
    );
    // A note makes it answer.
    assert_success(&run(&root, &["note", "new", "Numbat", "care"]));
    let results = search_json(&run(&root, &["search", "--json", "numbat"]));
    assert_eq!(results.hits[0].id, "numbat-care");
    assert_eq!(results.hits[0].path, "corpus/notes/numbat-care.md");

    // A folder that holds anything is refused, and left as it was.
    let output = run(dir.path(), &["init", "kb"]);
    assert_failure(&output, 8, "kb is not empty");
    let file = dir.path().join("file.txt");
    fs::write(&file, "x").unwrap();
    assert_failure(
        &run(dir.path(), &["init", "file.txt"]),
        8,
        "file.txt is a file",
    );
    assert_eq!(fs::read_to_string(&file).unwrap(), "x");
}

#[test]
fn quiet_prints_nothing_on_stderr_for_a_rebuild_and_verbose_says_more() {
    let dir = quokka_kb();
    let root = dir.path().join("kb");
    // A search that rebuilds says so; with --quiet it says nothing.
    let output = run(&root, &["search", "quokka"]);
    assert_success(&output);
    assert!(
        stderr(&output).contains("rebuilt the index"),
        "{}",
        stderr(&output)
    );
    fs::write(root.join("corpus/notes/four.md"), "# Four\n\nA quokka.\n").unwrap();
    let output = run(&root, &["--quiet", "search", "quokka"]);
    assert_success(&output);
    assert_eq!(stderr(&output), "");
    assert!(stdout(&output).contains("Note three"));
    // The same for 'medkb index', whose summary stays on stdout.
    let output = run(&root, &["index", "--full", "-q"]);
    assert_success(&output);
    assert_eq!(stderr(&output), "");
    assert!(stdout(&output).starts_with("indexed 4 documents"));
    // Errors are still printed.
    assert_failure(
        &run(&root, &["-q", "show", "nope"]),
        6,
        "no document with id 'nope'",
    );

    let output = run(&root, &["--verbose", "search", "quokka"]);
    assert_success(&output);
    let err = stderr(&output);
    assert!(err.contains("found by medkb.toml"), "{err}");
    assert!(err.contains("searched in"), "{err}");
    assert!(err.contains("done in"), "{err}");
    // Piped, no progress is drawn: every line of stderr is a message.
    assert!(err.lines().all(|line| line.starts_with("medkb: ")), "{err}");
    let output = run(&root, &["-q", "-v", "list"]);
    assert_eq!(output.status.code(), Some(2));
}
