//! The document model shared by every stage: what a corpus file becomes, and
//! what the index stores and gives back.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// Whether a document is a source article or a curated note.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Article,
    Note,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Article => "article",
            Kind::Note => "note",
        }
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

impl FromStr for Kind {
    type Err = String;

    fn from_str(text: &str) -> Result<Kind, String> {
        match text.to_ascii_lowercase().as_str() {
            "article" | "articles" => Ok(Kind::Article),
            "note" | "notes" => Ok(Kind::Note),
            other => Err(format!("unknown kind '{other}' (use article or note)")),
        }
    }
}

/// One article or note, as read from the corpus and stored in the index.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Doc {
    pub id: String,
    pub kind: Kind,
    pub title: String,
    pub aliases: Vec<String>,
    pub tags: Vec<String>,
    pub drugs: Vec<String>,
    /// The article ids a note draws on.
    pub sources: Vec<String>,
    /// The original file an article was taken from, when known.
    pub source: Option<String>,
    /// Path relative to the knowledge base root, with `/` separators,
    /// e.g. `corpus/articles/clonazepam-for-sleep.md`.
    pub path: String,
    /// The body as blocks separated by blank lines; headings start with `#`.
    pub body: String,
    /// The other corpus files the body's blocks link to.
    pub citations: Vec<Citation>,
}

/// A block of a body that links to another file of the corpus: a note's
/// passage citing the article it draws on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Citation {
    /// Which block of [`Doc::body`] (split at blank lines) holds the link.
    pub block: usize,
    /// The linked file, as [`Doc::path`] names it.
    pub path: String,
}

impl Citation {
    /// `block path`, as the index stores it.
    pub fn encode(&self) -> String {
        format!("{} {}", self.block, self.path)
    }

    /// Reads what [`Citation::encode`] wrote.
    pub fn decode(stored: &str) -> Option<Citation> {
        let (block, path) = stored.split_once(' ')?;
        Some(Citation {
            block: block.parse().ok()?,
            path: path.to_string(),
        })
    }
}

/// Where a relative link in the file at `from` (a path with `/`
/// separators) leads, in the same form; `None` if it leaves the root.
pub fn resolve_link(from: &str, target: &str) -> Option<String> {
    let mut parts: Vec<&str> = from.split('/').collect();
    parts.pop();
    for part in target.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            part => parts.push(part),
        }
    }
    Some(parts.join("/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_resolve_from_the_linking_file() {
        let note = "corpus/notes/clonazepam.md";
        assert_eq!(
            resolve_link(note, "../articles/what-is-clonazepam.md").as_deref(),
            Some("corpus/articles/what-is-clonazepam.md")
        );
        assert_eq!(
            resolve_link(note, "./glossary.md").as_deref(),
            Some("corpus/notes/glossary.md")
        );
        assert_eq!(resolve_link("a.md", "../../b.md"), None);
    }

    #[test]
    fn citations_read_back_as_stored() {
        let citation = Citation {
            block: 12,
            path: "corpus/articles/a b.md".into(),
        };
        assert_eq!(Citation::decode(&citation.encode()), Some(citation));
        assert_eq!(Citation::decode("x corpus/a.md"), None);
    }
}
