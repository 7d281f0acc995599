//! medkb: a local, full-text searchable knowledge base about medications.
//!
//! The data flows one way:
//!
//! ```text
//! corpus/ ──corpus, frontmatter, markdown──▶ Doc ──index (analysis)──▶ store: index/gen-*/
//!                                                                          │
//! question ──syntax──▶ clauses ──query──▶ tantivy query ──search──▶ Hit ◀──┘
//!                                                     snippet ──▶ Excerpt ──render──▶ terminal | JSON | HTML
//! ```
//!
//! [`serve`] puts the same search, documents and JSON behind a local web page.
//!
//! [`kb::KnowledgeBase`] ties the two halves together: before a search it
//! checks the index against the corpus (via the [`manifest`]) and rebuilds it
//! when the corpus has changed.

pub mod analysis;
pub mod best_of;
pub mod blend;
pub mod check;
pub mod cli;
pub mod config;
pub mod corpus;
pub mod doc;
pub mod edits;
pub mod error;
pub mod eval;
pub mod exclusion;
pub mod export;
pub mod file_list;
pub mod frontmatter;
pub mod held_folder;
pub mod import;
pub mod index;
pub mod init;
pub mod inline_word;
pub mod kb;
pub mod lexicon;
pub mod manifest;
pub mod markdown;
pub mod progress;
pub mod published;
pub mod query;
pub mod related;
pub mod render;
pub mod rescan;
pub mod search;
pub mod serve;
pub mod snippet;
pub mod spelling;
pub mod store;
pub mod synonyms;
pub mod syntax;

pub use error::{Error, Result};
