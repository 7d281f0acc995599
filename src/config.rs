//! Where the knowledge base is and how medkb should behave: the root found
//! from the current folder, its `medkb.toml`, and what environment
//! variables and flags say instead, in that order.
//!
//! ```text
//! defaults  <  medkb.toml  <  MEDKB_CORPUS, MEDKB_INDEX, MEDKB_LIMIT, MEDKB_COLOR, NO_COLOR  <  flags
//! ```
//!
//! The root is found as git finds `.git`: the current folder if it holds
//! `medkb.toml` or `corpus/`, else the nearest folder above that holds
//! `medkb.toml`, or both `corpus/` and `index/`.

use std::fs;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::error::{Error, Result};

/// The settings file at a knowledge base root.
pub const CONFIG_FILE: &str = "medkb.toml";

/// What `medkb.toml` may say. Every key is optional; paths are relative to
/// the file's folder.
#[derive(Debug, Default, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    pub corpus: Option<PathBuf>,
    pub index: Option<PathBuf>,
    pub limit: Option<usize>,
    pub color: Option<Color>,
}

/// When to colour output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Color {
    /// On a terminal, unless NO_COLOR is set.
    Auto,
    /// Also when piped.
    Always,
    /// Plain text only.
    Never,
}

/// A knowledge base root and its settings file, if it has one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Root {
    pub dir: PathBuf,
    /// Why this folder is the root, for `--verbose`.
    pub found_by: &'static str,
    pub file: FileConfig,
}

impl Root {
    /// The root for a command run in `cwd`, if there is one.
    pub fn find(cwd: &Path) -> Result<Option<Root>> {
        let is_dir = |path: PathBuf| path.is_dir();
        for (level, dir) in cwd.ancestors().enumerate() {
            let has_config = dir.join(CONFIG_FILE).is_file();
            let has_corpus = is_dir(dir.join("corpus"));
            let found_by = if has_config {
                "medkb.toml"
            } else if has_corpus && (level == 0 || is_dir(dir.join("index"))) {
                "a corpus folder"
            } else {
                continue;
            };
            let file = if has_config {
                load(&dir.join(CONFIG_FILE))?
            } else {
                FileConfig::default()
            };
            return Ok(Some(Root {
                dir: dir.to_path_buf(),
                found_by,
                file,
            }));
        }
        Ok(None)
    }

    /// The corpus folder the file names, else `corpus/` in the root.
    pub fn corpus(&self) -> PathBuf {
        self.dir
            .join(self.file.corpus.as_deref().unwrap_or(Path::new("corpus")))
    }

    /// The index folder the file names, else `index/` in the root.
    pub fn index(&self) -> PathBuf {
        self.dir
            .join(self.file.index.as_deref().unwrap_or(Path::new("index")))
    }
}

/// Reads a `medkb.toml`.
pub fn load(path: &Path) -> Result<FileConfig> {
    let text = fs::read_to_string(path).map_err(|err| Error::read(path, err))?;
    toml::from_str(&text).map_err(|err| {
        let line = err.span().map_or(1, |span| {
            1 + text[..span.start.min(text.len())].matches('\n').count()
        });
        Error::Config {
            path: path.to_path_buf(),
            line,
            message: err.message().trim().to_string(),
        }
    })
}

/// The `medkb.toml` that `medkb init` writes: every key, at its default,
/// with what it means.
pub const TEMPLATE: &str = r#"# medkb settings for this knowledge base; every key may be left out.
# Environment variables override them (MEDKB_CORPUS, MEDKB_INDEX, MEDKB_LIMIT,
# MEDKB_COLOR, NO_COLOR), and command-line flags override both.

# The folder of articles and notes, and the index folder, relative to this file.
corpus = "corpus"
index = "index"

# How many documents 'medkb search' and 'medkb related' show.
limit = 10

# When to colour output: "auto" (on a terminal, unless NO_COLOR is set),
# "always" or "never".
color = "auto"
"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_template_reads_back_as_the_defaults() {
        let config: FileConfig = toml::from_str(TEMPLATE).unwrap();
        assert_eq!(
            config,
            FileConfig {
                corpus: Some("corpus".into()),
                index: Some("index".into()),
                limit: Some(10),
                color: Some(Color::Auto),
            }
        );
    }

    #[test]
    fn a_bad_key_names_its_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(CONFIG_FILE);
        fs::write(&path, "# settings\n\nlimt = 3\n").unwrap();
        match load(&path) {
            Err(Error::Config { line, message, .. }) => {
                assert_eq!(line, 3);
                assert!(message.contains("limt"), "{message}");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn the_root_is_found_from_a_subfolder() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        fs::create_dir_all(root.join("corpus/notes/deep")).unwrap();
        fs::create_dir_all(root.join("index")).unwrap();
        let found = Root::find(&root.join("corpus/notes/deep"))
            .unwrap()
            .unwrap();
        assert_eq!(found.dir, root);
        assert_eq!(found.corpus(), root.join("corpus"));
        // A folder with a corpus but no index counts only when it is the
        // current one.
        fs::remove_dir(root.join("index")).unwrap();
        assert_eq!(Root::find(root).unwrap().unwrap().dir, root);
        fs::write(root.join(CONFIG_FILE), "index = \"../elsewhere\"\n").unwrap();
        let found = Root::find(&root.join("corpus/notes")).unwrap().unwrap();
        assert_eq!(found.found_by, "medkb.toml");
        assert_eq!(found.index(), root.join("../elsewhere"));
    }
}
