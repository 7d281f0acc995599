//! The command line: arguments → a resolved configuration → library calls →
//! output on stdout, messages on stderr, and a documented exit code.

use std::io::{self, BufWriter, IsTerminal, Write};
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::doc::Kind;
use crate::error::Error;
use crate::eval;
use crate::kb::{BuildReport, KnowledgeBase, Notice};
use crate::render::{self, Format, Human, JsonResults};
use crate::search::{self, SearchRequest};
use crate::synonyms::Synonyms;

const EXAMPLES: &str = "\
Examples:
  medkb search \"restless legs\"           ranked answers with highlighted passages
  medkb search klonopin --kind note      only curated notes
  medkb search \"sleep apnea\" --json      JSON for scripts (schema in the README)
  medkb index                            rebuild the index after editing the corpus
  medkb show clonazepam                  read one document
  medkb related baclofen                 its sources, the notes citing it, similar documents
  medkb list --kind article              what the knowledge base holds
  medkb serve                            a local web page: search as you type, read documents
  medkb eval tests/relevance.json        measure the ranking against judged questions
  medkb eval tests/relevance.json --baseline tests/fts5-run.json   side by side with SQLite FTS5

Exit codes: 0 success (also when nothing matches), 1 file system error, 2 usage error,
3 corpus problem, 4 index problem, 5 another process is rebuilding the index, 6 unknown id.

medkb is not medical advice: talk to a doctor or pharmacist about your own treatment.";

const SEARCH_EXAMPLES: &str = "\
Examples:
  medkb search restless legs             words are ORed; documents matching more rank first
  medkb search '\"restless legs\"'         an exact phrase
  medkb search sleep AND anxiety         both words required
  medkb search benzodiazepine NOT alcohol exclude a word
  medkb search -- -alcohol sleep         a question that starts with '-' goes after '--'
  medkb search '(panic OR anxiety) AND sleep'
  medkb search title:baclofen            limit a word to the title
  medkb search drug:clonazepam tag:safety kind:note
  medkb search withdrawal --passages 3   up to three passages per document
  medkb search sleep --drug clonazepam --tag safety --facets
  medkb search rivotril --explain        why each document ranked where it did

Stray quotes, brackets and operators never cause an error: they are read as plain text.
If the index is missing or older than the corpus, it is rebuilt first (a note goes to stderr).";

/// Search a local knowledge base about medications.
#[derive(Debug, Parser)]
#[command(name = "medkb", version, after_help = EXAMPLES, arg_required_else_help = true)]
pub struct Cli {
    /// The folder of articles and notes.
    #[arg(
        long,
        global = true,
        env = "MEDKB_CORPUS",
        value_name = "DIR",
        default_value = "corpus"
    )]
    corpus: PathBuf,

    /// The folder that holds the index (created if missing).
    #[arg(
        long,
        global = true,
        env = "MEDKB_INDEX",
        value_name = "DIR",
        default_value = "index"
    )]
    index: PathBuf,

    /// When to colour output: auto is on a terminal unless NO_COLOR is set.
    #[arg(long, global = true, value_enum, value_name = "WHEN", default_value_t = ColorWhen::Auto)]
    color: ColorWhen,

    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum ColorWhen {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum FormatArg {
    Human,
    Json,
    Html,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Answer a question with ranked documents and highlighted passages.
    #[command(after_help = SEARCH_EXAMPLES)]
    Search(SearchArgs),
    /// Rebuild the index from the corpus.
    Index,
    /// Print one document in full.
    Show {
        /// The document's id, as 'medkb list' shows it.
        id: String,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// List the documents most like one: its sources, the notes citing it,
    /// then those sharing its distinctive words, each with the reason.
    Related {
        /// The document's id, as 'medkb list' shows it.
        id: String,
        /// How many documents to show.
        #[arg(short = 'n', long, value_name = "N", default_value_t = 10)]
        limit: usize,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Score the ranking against a judged question set (nDCG, MRR, recall).
    Eval {
        /// A JSON array of {"query", "relevant": {id: grade 1-3}, "category"}.
        #[arg(value_name = "FILE")]
        file: PathBuf,
        /// Compare with another engine's ranking of the same questions: a
        /// JSON object mapping each question to ranked ids (bench/fts5-baseline.sh
        /// writes one for SQLite FTS5).
        #[arg(long, value_name = "RUN")]
        baseline: Option<PathBuf>,
        /// Print the full report as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Serve a local web page and JSON API: search as you type, read the
    /// documents. Prints the page's address; Ctrl-C stops it.
    Serve {
        /// The port to listen on (0: any free port).
        #[arg(long, value_name = "N", default_value_t = 7878)]
        port: u16,
        /// The address to listen on. Any other than 127.0.0.1 lets other
        /// machines that can reach this one read the knowledge base.
        #[arg(long, value_name = "ADDR", default_value = "127.0.0.1")]
        bind: IpAddr,
    },
    /// List every document: id, kind and title.
    List {
        /// Only articles or only notes.
        #[arg(long, value_parser = parse_kind)]
        kind: Option<Kind>,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Args)]
struct SearchArgs {
    /// The question, in your own words.
    #[arg(required = true, value_name = "QUERY")]
    query: Vec<String>,

    /// How many documents to show.
    #[arg(short = 'n', long, value_name = "N", default_value_t = 10)]
    limit: usize,

    /// Only articles or only notes.
    #[arg(long, value_name = "KIND", value_parser = parse_kind)]
    kind: Option<Kind>,

    /// Only documents about this drug (repeat for several).
    #[arg(long, value_name = "DRUG")]
    drug: Vec<String>,

    /// Only documents with this tag (repeat for several).
    #[arg(long, value_name = "TAG")]
    tag: Vec<String>,

    /// Also count the matching documents per drug, kind and tag.
    #[arg(long)]
    facets: bool,

    /// Show why each document ranked where it did: the words, fields,
    /// synonyms and corrections that scored, and the best passage's share.
    #[arg(long)]
    explain: bool,

    /// How many highlighted passages to show per document.
    #[arg(long, value_name = "N", default_value_t = 1)]
    passages: usize,

    /// Print JSON (the same as --format json).
    #[arg(long, conflicts_with = "format")]
    json: bool,

    /// Output format.
    #[arg(long, value_enum, value_name = "FORMAT", default_value_t = FormatArg::Human)]
    format: FormatArg,
}

fn parse_kind(text: &str) -> Result<Kind, String> {
    text.parse()
}

/// Runs the command line and returns the process exit code.
pub fn run() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => {
            // Help and version go to stdout with 0, usage errors to stderr with 2.
            let _ = err.print();
            return err.exit_code();
        }
    };
    let color = match cli.color {
        ColorWhen::Always => true,
        ColorWhen::Never => false,
        ColorWhen::Auto => {
            std::env::var_os("NO_COLOR").is_none_or(|value| value.is_empty())
                && io::stdout().is_terminal()
        }
    };
    let kb = KnowledgeBase::new(&cli.corpus, &cli.index);
    let stdout = io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    let result =
        dispatch(&cli.command, &kb, Human { color }, &mut out).and_then(|()| Ok(out.flush()?));
    match result {
        Ok(()) => 0,
        Err(err) => report(&err),
    }
}

fn dispatch(
    command: &Command,
    kb: &KnowledgeBase,
    human: Human,
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    match command {
        Command::Search(args) => search_command(args, kb, human, out),
        Command::Index => {
            let report = kb.build()?;
            warn_skipped(&report);
            writeln!(out, "{}", build_summary(&report, kb))?;
            Ok(())
        }
        Command::Show { id, json } => {
            let opened = open(kb)?;
            let doc = opened
                .find(id)?
                .ok_or_else(|| Error::UnknownId { id: id.clone() })?;
            if *json {
                render::json(out, &doc)?;
            } else {
                human.document(out, &doc)?;
            }
            Ok(())
        }
        Command::Related { id, limit, json } => {
            let opened = open(kb)?;
            let doc = opened
                .find(id)?
                .ok_or_else(|| Error::UnknownId { id: id.clone() })?;
            let related = crate::related::related(&opened, &doc, *limit)?;
            if *json {
                render::json(out, &render::JsonRelated::new(&doc, &related))?;
            } else {
                human.related(out, &doc, &related)?;
            }
            Ok(())
        }
        Command::Eval {
            file,
            baseline,
            json,
        } => {
            let judged = eval::load(file)?;
            let opened = open(kb)?;
            let synonyms = load_synonyms(kb, &opened)?;
            let report = eval::run(&opened, &judged, &synonyms)?;
            let baseline = match baseline {
                Some(path) => Some(eval::score_run(&judged, &eval::load_run(path)?)),
                None => None,
            };
            match (&baseline, *json) {
                (None, true) => render::json(out, &report)?,
                (None, false) => render::eval_report(out, &report)?,
                (Some(baseline), true) => render::json(
                    out,
                    &serde_json::json!({
                        "medkb": report,
                        "baseline": baseline,
                        "worse": eval::worse(&report, baseline)
                            .iter()
                            .map(|(query, ours, theirs)| serde_json::json!({"query": query, "medkb": ours, "baseline": theirs}))
                            .collect::<Vec<_>>(),
                    }),
                )?,
                (Some(baseline), false) => render::eval_comparison(out, &report, baseline)?,
            }
            Ok(())
        }
        Command::Serve { port, bind } => {
            let opened = open(kb)?;
            let server =
                crate::serve::Serve::bind(kb.clone(), opened, SocketAddr::new(*bind, *port))?;
            eprintln!("medkb: serving {} (Ctrl-C to stop)", server.url());
            if !bind.is_loopback() {
                eprintln!("medkb: listening on {bind}: any machine that can reach this one can read the knowledge base");
            }
            // The address alone on stdout, for scripts; the rest on stderr.
            writeln!(out, "{}", server.url())?;
            out.flush()?;
            server.run();
            eprintln!("medkb: stopped");
            Ok(())
        }
        Command::List { kind, json } => {
            let opened = open(kb)?;
            let mut docs = opened.all_docs()?;
            docs.retain(|doc| kind.is_none_or(|kind| doc.kind == kind));
            docs.sort_by(|a, b| (a.kind, &a.id).cmp(&(b.kind, &b.id)));
            if *json {
                let rows: Vec<_> = docs
                    .iter()
                    .map(|doc| serde_json::json!({"id": doc.id, "kind": doc.kind, "title": doc.title, "path": doc.path}))
                    .collect();
                render::json(out, &rows)?;
            } else {
                human.list(out, &docs)?;
            }
            Ok(())
        }
    }
}

fn search_command(
    args: &SearchArgs,
    kb: &KnowledgeBase,
    human: Human,
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    let query = args.query.join(" ");
    if query.trim().is_empty() {
        return Err(Error::EmptyQuery.into());
    }
    let format = match (args.json, args.format) {
        (true, _) | (_, FormatArg::Json) => Format::Json,
        (_, FormatArg::Html) => Format::Html,
        (_, FormatArg::Human) => Format::Human,
    };
    let opened = open(kb)?;
    let request = SearchRequest {
        query,
        limit: args.limit,
        kind: args.kind,
        drugs: args.drug.clone(),
        tags: args.tag.clone(),
        passages: args.passages,
        facets: args.facets,
        explain: args.explain,
    };
    let synonyms = load_synonyms(kb, &opened)?;
    let results = search::search(&opened, &request, &synonyms)?;
    if results.truncated {
        eprintln!(
            "medkb: the question is long; only its first {} words were used",
            crate::syntax::MAX_TERMS
        );
    }
    match format {
        Format::Json => render::json(out, &JsonResults::new(&results))?,
        Format::Html => render::html_page(out, &results)?,
        Format::Human if results.hits.is_empty() => human.no_results(out, &results)?,
        Format::Human => human.results(out, &results)?,
    }
    Ok(())
}

/// Opens the index, rebuilding it first when it is missing or stale.
fn open(kb: &KnowledgeBase) -> anyhow::Result<crate::index::Opened> {
    let mut notices = Vec::new();
    let opened = kb.open_fresh(&mut notices);
    for notice in &notices {
        if let Notice::Rebuilt { report, .. } = notice {
            warn_skipped(report);
        }
        eprintln!("medkb: {notice}");
    }
    Ok(opened?)
}

fn load_synonyms(kb: &KnowledgeBase, opened: &crate::index::Opened) -> anyhow::Result<Synonyms> {
    let (synonyms, warnings) = kb.synonyms(opened)?;
    for warning in warnings {
        eprintln!("medkb: {}", render::terminal_safe(&warning));
    }
    Ok(synonyms)
}

fn warn_skipped(report: &BuildReport) {
    for skipped in &report.skipped {
        eprintln!(
            "medkb: skipped {}",
            render::terminal_safe(&skipped.to_string())
        );
    }
}

fn build_summary(report: &BuildReport, kb: &KnowledgeBase) -> String {
    let mut summary = format!(
        "indexed {} documents into {} in {:.2} s",
        report.documents,
        kb.index_dir().display(),
        report.elapsed.as_secs_f64()
    );
    match report.skipped.len() {
        0 => {}
        1 => summary.push_str(&format!("; skipped {}", report.skipped[0])),
        n => summary.push_str(&format!("; skipped {n} files (reasons above)")),
    }
    render::terminal_safe(&summary).into_owned()
}

/// Prints an error on one line and returns its exit code. A closed stdout
/// (`medkb search x | head -1`) is not an error.
fn report(err: &anyhow::Error) -> i32 {
    if let Some(io_err) = err.downcast_ref::<io::Error>() {
        if io_err.kind() == io::ErrorKind::BrokenPipe {
            return 0;
        }
    }
    let message = format!("{err:#}");
    eprintln!(
        "medkb: {}",
        render::terminal_safe(&message).replace('\n', " ")
    );
    match err.downcast_ref::<Error>() {
        Some(err) => err.exit_code(),
        None => 1,
    }
}
