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
}
