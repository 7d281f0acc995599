//! `medkb init DIR`: a new, empty knowledge base, laid out as the bundled
//! one is.
//!
//! ```text
//! DIR/
//!   medkb.toml              settings, every key at its default
//!   corpus/articles/        source articles
//!   corpus/notes/           curated notes
//!   corpus/synonyms.txt     the synonyms file, its format explained
//!   index/README.md         what the index folder is
//!   index/.gitignore        the index is built, never committed
//! ```

use std::fs;
use std::path::{Path, PathBuf};

use crate::config;
use crate::corpus::SYNONYMS_FILE;
use crate::error::{Error, Result};

const INDEX_README: &str = include_str!("../index/README.md");
const INDEX_GITIGNORE: &str = include_str!("../index/.gitignore");
const BUNDLED_SYNONYMS: &str = include_str!("../corpus/synonyms.txt");

/// Creates a knowledge base in `dir`, which must be new or empty. Returns
/// the files written, relative to `dir`.
pub fn init(dir: &Path) -> Result<Vec<PathBuf>> {
    match fs::read_dir(dir) {
        Ok(mut entries) => {
            if entries.next().is_some() {
                return Err(Error::Exists {
                    path: dir.to_path_buf(),
                    what:
                        "is not empty (medkb init starts a knowledge base in a new or empty folder)"
                            .into(),
                });
            }
        }
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => {}
        Err(err) if err.kind() == std::io::ErrorKind::NotADirectory => {
            return Err(Error::Exists {
                path: dir.to_path_buf(),
                what: "is a file (medkb init starts a knowledge base in a new or empty folder)"
                    .into(),
            })
        }
        Err(err) => return Err(Error::read(dir, err)),
    }
    // Empty folders are not kept by git: a '.keep' holds each (the corpus
    // walk skips dot files).
    let files = [
        (
            config::CONFIG_FILE.to_string(),
            config::TEMPLATE.to_string(),
        ),
        (format!("corpus/{SYNONYMS_FILE}"), synonyms_header()),
        ("corpus/articles/.keep".to_string(), String::new()),
        ("corpus/notes/.keep".to_string(), String::new()),
        ("index/README.md".to_string(), INDEX_README.to_string()),
        ("index/.gitignore".to_string(), INDEX_GITIGNORE.to_string()),
    ];
    let mut written = Vec::new();
    for (rel, text) in files {
        let path = dir.join(&rel);
        if let Some(folder) = path.parent() {
            fs::create_dir_all(folder).map_err(|err| Error::write(folder, err))?;
        }
        fs::write(&path, text).map_err(|err| Error::write(&path, err))?;
        written.push(PathBuf::from(rel));
    }
    Ok(written)
}

/// The comment block that opens the bundled synonyms file: the format,
/// explained, and no rules.
fn synonyms_header() -> String {
    let mut header: String = BUNDLED_SYNONYMS
        .lines()
        .take_while(|line| line.starts_with('#'))
        .map(|line| format!("{line}\n"))
        .collect();
    header.push_str("\n# Abbreviations\n\n# Everyday words\n");
    header
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_synonyms_header_explains_and_holds_no_rule() {
        let header = synonyms_header();
        assert!(header.starts_with("# Synonyms:"), "{header}");
        assert!(header.contains("a, b => c, d"));
        let (rules, problems) = crate::synonyms::parse_rules(&header);
        assert!(rules.is_empty() && problems.is_empty());
    }

    #[test]
    fn init_refuses_a_folder_that_is_not_empty() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("x"), "").unwrap();
        assert!(matches!(init(dir.path()), Err(Error::Exists { .. })));
        let fresh = dir.path().join("new");
        let written = init(&fresh).unwrap();
        assert!(written.contains(&PathBuf::from("medkb.toml")));
        assert!(fresh.join("corpus/articles").is_dir());
        assert!(fresh.join("index/README.md").is_file());
    }
}
