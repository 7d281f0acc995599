//! A test knowledge base in a temporary folder, and the real `medkb` binary
//! run against it.

#![allow(dead_code)] // each test file uses its own part of this harness

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub mod http;

use serde::Deserialize;

/// The repository's own corpus.
pub fn real_corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus")
}

/// A knowledge base root in a temporary folder: `corpus/` and `index/`.
pub struct TestKb {
    pub root: tempfile::TempDir,
    pub corpus: PathBuf,
    pub index: PathBuf,
}

impl TestKb {
    /// An empty corpus folder.
    pub fn new() -> TestKb {
        let root = tempfile::tempdir().expect("temp dir");
        let corpus = root.path().join("corpus");
        fs::create_dir_all(&corpus).unwrap();
        let index = root.path().join("index");
        TestKb {
            root,
            corpus,
            index,
        }
    }

    /// The repository's real corpus, with an index in a fresh temp folder,
    /// as on a fresh clone.
    pub fn real() -> TestKb {
        let root = tempfile::tempdir().expect("temp dir");
        let index = root.path().join("index");
        TestKb {
            root,
            corpus: real_corpus(),
            index,
        }
    }

    /// A copy of the real corpus that tests may change.
    pub fn real_copy() -> TestKb {
        let kb = TestKb::new();
        copy_dir(&real_corpus(), &kb.corpus);
        kb
    }

    /// Writes a corpus file (path relative to `corpus/`).
    pub fn write(&self, rel: &str, content: impl AsRef<[u8]>) -> PathBuf {
        let path = self.corpus.join(rel);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(&path, content).unwrap();
        path
    }

    /// A note with front matter.
    pub fn note(&self, id: &str, title: &str, aliases: &[&str], body: &str) -> PathBuf {
        let aliases = aliases.join(", ");
        self.write(
            &format!("notes/{id}.md"),
            format!("---\nid: {id}\ntitle: \"{title}\"\naliases: [{aliases}]\ntags: [test]\n---\n{body}\n"),
        )
    }

    /// Runs medkb with `--corpus` and `--index` pointing here, no colour.
    pub fn run(&self, args: &[&str]) -> Output {
        self.command(args).output().expect("run medkb")
    }

    pub fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_medkb"));
        command
            .arg("--corpus")
            .arg(&self.corpus)
            .arg("--index")
            .arg(&self.index)
            .arg("--color")
            .arg("never")
            .args(args)
            .current_dir(self.root.path())
            .env_remove("MEDKB_CORPUS")
            .env_remove("MEDKB_INDEX")
            .env_remove("MEDKB_LIMIT")
            .env_remove("MEDKB_COLOR")
            .env_remove("NO_COLOR");
        command
    }

    /// `medkb search --json QUERY`, which must succeed.
    pub fn search(&self, query: &str) -> SearchJson {
        self.search_with(query, &[])
    }

    pub fn search_with(&self, query: &str, extra: &[&str]) -> SearchJson {
        let mut args = vec!["search", "--json"];
        args.extend_from_slice(extra);
        args.push("--");
        args.push(query);
        let output = self.run(&args);
        assert_success(&output);
        serde_json::from_slice(&output.stdout).unwrap_or_else(|err| {
            panic!(
                "bad JSON ({err}): {}",
                String::from_utf8_lossy(&output.stdout)
            )
        })
    }

    pub fn ids(&self, query: &str) -> Vec<String> {
        self.search(query)
            .hits
            .into_iter()
            .map(|hit| hit.id)
            .collect()
    }
}

pub fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for entry in fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            fs::copy(entry.path(), &target).unwrap();
        }
    }
}

pub fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

pub fn assert_success(output: &Output) {
    assert!(
        output.status.success(),
        "medkb failed with {:?}\nstdout: {}\nstderr: {}",
        output.status.code(),
        stdout(output),
        stderr(output)
    );
}

/// Asserts a failure with this exit code and a one-line message containing `message`.
pub fn assert_failure(output: &Output, code: i32, message: &str) {
    let err = stderr(output);
    assert_eq!(
        output.status.code(),
        Some(code),
        "stderr: {err}\nstdout: {}",
        stdout(output)
    );
    assert!(
        err.contains(message),
        "expected {message:?} in stderr: {err}"
    );
    assert!(err.starts_with("medkb: "), "stderr: {err}");
    assert!(
        !err.contains("panicked") && !err.contains("RUST_BACKTRACE"),
        "stderr: {err}"
    );
}

/// The documented JSON shape of `medkb search --json`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SearchJson {
    pub query: String,
    pub total: usize,
    pub hits: Vec<HitJson>,
    #[serde(default)]
    pub suggestion: Option<String>,
    #[serde(default)]
    pub facets: Option<serde_json::Value>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HitJson {
    pub id: String,
    pub kind: String,
    pub title: String,
    pub path: String,
    pub score: f64,
    pub snippet: String,
    pub highlights: Vec<[usize; 2]>,
    pub section: Option<String>,
    pub passages: Vec<PassageJson>,
    pub aliases: Vec<String>,
    pub tags: Vec<String>,
    pub drugs: Vec<String>,
    #[serde(default)]
    pub explanation: Option<serde_json::Value>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PassageJson {
    pub text: String,
    pub highlights: Vec<[usize; 2]>,
    pub section: Option<String>,
}

impl HitJson {
    /// The highlighted words of the snippet.
    pub fn marked(&self) -> Vec<&str> {
        self.highlights
            .iter()
            .map(|[start, end]| &self.snippet[*start..*end])
            .collect()
    }
}

/// Asserts that every tag in `html` is one medkb writes itself, with no
/// event handler, script URL or style attribute: whatever the corpus held
/// can only appear as escaped text.
pub fn assert_only_safe_markup(html: &str) {
    const ALLOWED: [&str; 16] = [
        "!doctype", "html", "head", "meta", "title", "style", "body", "h1", "h2", "p", "ol", "li",
        "code", "mark", "span", "small",
    ];
    let mut rest = html;
    while let Some(open) = rest.find('<') {
        let after = &rest[open + 1..];
        let close = after
            .find('>')
            .unwrap_or_else(|| panic!("unclosed tag in {html}"));
        let tag = after[..close].to_lowercase();
        let name = tag
            .trim_start_matches('/')
            .split_whitespace()
            .next()
            .unwrap_or("");
        assert!(ALLOWED.contains(&name), "unexpected tag <{tag}> in output");
        let attributes = if name == "!doctype" { 0 } else { usize::MAX };
        for attribute in tag.split_whitespace().skip(1).take(attributes) {
            let attribute_name = attribute.split('=').next().unwrap_or("");
            assert!(
                ["class", "lang", "charset", "name", "content"].contains(&attribute_name),
                "unexpected attribute {attribute} in <{tag}>"
            );
            assert!(!attribute.contains("javascript:"), "script URL in <{tag}>");
        }
        rest = &after[close + 1..];
    }
}
