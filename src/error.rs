//! The library's error type: every failure a person can act on, with the path
//! (and line) it concerns and what to do about it.

use std::io;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

/// The library's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can stop a medkb command.
///
/// Messages are lower case, name the file or folder, and say what to do, so
/// that the command line can print them on one line as they are.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("no corpus folder at {} (create it, or point --corpus at one)", .path.display())]
    CorpusMissing { path: PathBuf },

    #[error("{} is not a folder (point --corpus at the folder that holds the articles and notes)", .path.display())]
    CorpusNotAFolder { path: PathBuf },

    #[error("{} is not in the corpus {} (name files or folders inside it, or point --corpus at the corpus that holds it)", .path.display(), .corpus.display())]
    NotInCorpus { path: PathBuf, corpus: PathBuf },

    #[error("cannot read {}: {source}", .path.display())]
    Read { path: PathBuf, source: io::Error },

    #[error("cannot write {}: {source}", .path.display())]
    Write { path: PathBuf, source: io::Error },

    #[error(
        "{} is not a medkb index and not empty (point --index at an empty or new folder)",
        .path.display()
    )]
    NotAnIndex { path: PathBuf },

    #[error(
        "another medkb process is rebuilding the index at {} (wait for it to finish, then try again)",
        .path.display()
    )]
    IndexBusy { path: PathBuf },

    #[error("no index at {} and the corpus cannot be read to build one", .path.display())]
    NoIndex { path: PathBuf },

    #[error("the index at {} is damaged: {reason} (run 'medkb index' to rebuild it)", .path.display())]
    IndexDamaged { path: PathBuf, reason: String },

    #[error(
        "the index at {} was built by medkb {version} in an older format (run 'medkb index' to rebuild it)",
        .path.display()
    )]
    IndexOutdated { path: PathBuf, version: String },

    #[error("index error at {}: {source}", .path.display())]
    Tantivy {
        path: PathBuf,
        source: tantivy::TantivyError,
    },

    #[error("the query is empty (try: medkb search \"restless legs\")")]
    EmptyQuery,

    /// Arguments that clap accepts one by one but not together.
    #[error("{message}")]
    Usage { message: String },

    #[error("no document with id '{id}' (run 'medkb list' to see the ids)")]
    UnknownId { id: String },

    #[error("{} {what}", .path.display())]
    Exists { path: PathBuf, what: String },

    #[error(
        "{}:{line}: {message} (the keys are corpus, index, limit and color; see the README)",
        .path.display()
    )]
    Config {
        path: PathBuf,
        line: usize,
        message: String,
    },

    #[error(
        "the check of {} found {problems} (fix them, or see 'medkb check --help' for deliberate exceptions)",
        .path.display()
    )]
    CheckFailed { path: PathBuf, problems: String },

    #[error(
        "cannot listen on {addr}: {source} (choose another --port, or --port 0 for any free one)"
    )]
    Listen { addr: SocketAddr, source: io::Error },
}

impl Error {
    /// The process exit code for this error, as documented in the README.
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::EmptyQuery
            | Error::Usage { .. }
            | Error::Config { .. }
            | Error::NotInCorpus { .. } => 2,
            Error::CorpusMissing { .. } | Error::CorpusNotAFolder { .. } => 3,
            Error::NotAnIndex { .. }
            | Error::NoIndex { .. }
            | Error::IndexDamaged { .. }
            | Error::IndexOutdated { .. }
            | Error::Tantivy { .. } => 4,
            Error::IndexBusy { .. } => 5,
            Error::UnknownId { .. } => 6,
            Error::CheckFailed { .. } => 7,
            Error::Exists { .. } => 8,
            Error::Read { .. } | Error::Write { .. } | Error::Listen { .. } => 1,
        }
    }

    pub(crate) fn read(path: &Path, source: io::Error) -> Error {
        Error::Read {
            path: path.to_path_buf(),
            source,
        }
    }

    pub(crate) fn write(path: &Path, source: io::Error) -> Error {
        Error::Write {
            path: path.to_path_buf(),
            source,
        }
    }

    pub(crate) fn tantivy(path: &Path, source: tantivy::TantivyError) -> Error {
        Error::Tantivy {
            path: path.to_path_buf(),
            source,
        }
    }
}
