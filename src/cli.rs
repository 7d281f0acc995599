//! The command line: arguments → a resolved configuration → library calls →
//! output on stdout, messages on stderr, and a documented exit code.

use std::io::{self, BufWriter, IsTerminal, Write};
use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use clap::{Args, CommandFactory, FromArgMatches, Parser, Subcommand, ValueEnum};

use crate::config::{Color, Root};
use crate::doc::Kind;
use crate::error::Error;
use crate::eval;
use crate::export;
use crate::kb::{BuildKind, BuildReport, KnowledgeBase, Notice};
use crate::progress::Progress;
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
  medkb add page.html --source https://example.org/page   import a saved web page as an article
  medkb note new \"Zolpidem\"               start corpus/notes/zolpidem.md from the template
  medkb check                            lint the corpus: ids, citations, spun text, web chrome
  medkb export --format opensearch --out export/   bulk body and index definition for a cluster
  medkb serve                            a local web page: search as you type, read documents
  medkb init my-kb                       start a new, empty knowledge base
  medkb completions bash > ~/.local/share/bash-completion/completions/medkb
  medkb man > medkb.1                    the manual page
  medkb eval tests/relevance.json        measure the ranking against judged questions
  medkb eval tests/relevance.json --baseline tests/fts5-run.json   side by side with SQLite FTS5

Run from any folder of a knowledge base: medkb finds its root as git does (a folder
with medkb.toml, or with corpus/ and index/). Defaults come from medkb.toml, then
MEDKB_CORPUS, MEDKB_INDEX, MEDKB_LIMIT, MEDKB_COLOR and NO_COLOR, then flags.

Exit codes: 0 success (also when nothing matches), 1 file system error, 2 usage error,
3 corpus problem, 4 index problem, 5 another process is rebuilding the index, 6 unknown id,
7 'medkb check' found errors, 8 the file or id exists already (nothing was overwritten).

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
    /// The folder of articles and notes [default: corpus/ at the knowledge
    /// base root, or as medkb.toml says].
    #[arg(long, global = true, env = "MEDKB_CORPUS", value_name = "DIR")]
    corpus: Option<PathBuf>,

    /// The folder that holds the index, created if missing [default: index/
    /// at the knowledge base root, or as medkb.toml says].
    #[arg(long, global = true, env = "MEDKB_INDEX", value_name = "DIR")]
    index: Option<PathBuf>,

    /// When to colour output: auto is on a terminal unless NO_COLOR is set
    /// [default: auto, or as medkb.toml says].
    #[arg(
        long,
        global = true,
        env = "MEDKB_COLOR",
        value_enum,
        value_name = "WHEN"
    )]
    color: Option<Color>,

    /// Print nothing on stderr but errors: no notices, no progress.
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    quiet: bool,

    /// Also say on stderr where the knowledge base was found and how long
    /// each step took.
    #[arg(short, long, global = true)]
    verbose: bool,

    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum FormatArg {
    Human,
    Json,
    Html,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum ExportFormat {
    Opensearch,
    Ndjson,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Answer a question with ranked documents and highlighted passages.
    #[command(after_help = SEARCH_EXAMPLES)]
    Search(Deferred<SearchArgs>),
    /// Bring the index up to date with the corpus.
    ///
    /// Re-reads only the files added, changed or removed since the last
    /// build; --full reads every file and writes a new index.
    #[command(after_help = INDEX_EXAMPLES)]
    Index(Deferred<IndexArgs>),
    /// Print one document in full.
    Show(Deferred<ShowArgs>),
    /// List the documents most like one: its sources, the notes citing it,
    /// then those sharing its distinctive words, each with the reason.
    Related(Deferred<RelatedArgs>),
    /// Score the ranking against a judged question set (nDCG, MRR, recall).
    Eval(Deferred<EvalArgs>),
    /// Import articles into corpus/articles/: plain text (the first line is
    /// the title), Markdown, or web pages saved as HTML. Then update the index.
    #[command(after_help = ADD_EXAMPLES)]
    Add(Deferred<AddArgs>),
    /// Curated notes.
    Note {
        #[command(subcommand)]
        command: NoteCommand,
    },
    /// Lint the corpus: duplicate ids, citations of missing documents, notes
    /// without sources, names claimed by two drugs, empty documents, spun
    /// text, leftover web chrome, synonyms that find nothing.
    #[command(after_help = check_help())]
    Check(Deferred<CheckArgs>),
    /// Write the documents for another search engine: an OpenSearch or
    /// Elasticsearch bulk body and index definition, or plain NDJSON.
    #[command(after_help = EXPORT_EXAMPLES)]
    Export(Deferred<ExportArgs>),
    /// Serve a local web page and JSON API: search as you type, read the
    /// documents. Prints the page's address; Ctrl-C stops it.
    Serve(Deferred<ServeArgs>),
    /// Start a new, empty knowledge base in DIR (new or empty): medkb.toml,
    /// corpus/articles, corpus/notes, corpus/synonyms.txt and index/.
    #[command(after_help = INIT_EXAMPLES)]
    Init(Deferred<InitArgs>),
    /// Print a shell's completion script for medkb.
    #[command(after_help = COMPLETIONS_EXAMPLES)]
    Completions(Deferred<CompletionsArgs>),
    /// Print medkb's manual page (roff) to stdout.
    #[command(after_help = "Example:\n  medkb man > medkb.1 && man ./medkb.1")]
    Man,
    /// List every document: id, kind and title.
    List(Deferred<ListArgs>),
}

#[derive(Debug, Args)]
struct IndexArgs {
    /// Rebuild from every file instead of updating.
    #[arg(long, conflicts_with = "paths")]
    full: bool,
    /// Look only at these files or folders, added, changed or removed since
    /// the last build (a folder: everything in it), and take the rest of the
    /// corpus to be as the last build left it. Quicker than looking at every
    /// file of a large corpus.
    #[arg(value_name = "PATH")]
    paths: Vec<PathBuf>,
}

#[derive(Debug, Args)]
struct ShowArgs {
    /// The document's id, as 'medkb list' shows it.
    id: String,
    /// Print JSON instead of text.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
struct RelatedArgs {
    /// The document's id, as 'medkb list' shows it.
    id: String,
    /// How many documents to show [default: 10, or as medkb.toml says].
    #[arg(short = 'n', long, env = "MEDKB_LIMIT", value_name = "N")]
    limit: Option<usize>,
    /// Print JSON instead of text.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
struct EvalArgs {
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
}

#[derive(Debug, Args)]
struct AddArgs {
    /// The files to import.
    #[arg(required = true, value_name = "FILE")]
    files: Vec<PathBuf>,
    /// Where the article came from (a URL), recorded as its source
    /// instead of the file's path. One FILE only.
    #[arg(long, value_name = "URL")]
    source: Option<String>,
    /// The id (and file name) instead of one made from the title. One FILE only.
    #[arg(long, value_name = "ID")]
    id: Option<String>,
    /// The title instead of the one found in the file. One FILE only.
    #[arg(long, value_name = "TITLE")]
    title: Option<String>,
    /// Replace the article that already has this id.
    #[arg(long)]
    force: bool,
}

#[derive(Debug, Args)]
struct CheckArgs {
    /// Print JSON instead of text.
    #[arg(long)]
    json: bool,
    /// Also list the findings that files allow with 'check-allow'.
    #[arg(long)]
    all: bool,
    /// Fail on warnings too.
    #[arg(long)]
    strict: bool,
}

#[derive(Debug, Args)]
struct ExportArgs {
    /// opensearch: a _bulk body (with --out, also the index definition);
    /// ndjson: one document a line (what Quickwit ingests).
    #[arg(long, value_enum, value_name = "FORMAT")]
    format: ExportFormat,
    /// Write the files into this folder (created if missing) instead of
    /// printing to stdout.
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Print the index definition (settings, analyzers, mappings)
    /// instead of the documents.
    #[arg(long, conflicts_with = "out")]
    definition: bool,
    /// The index the documents go to: in the bulk action lines and the
    /// file names.
    #[arg(long, value_name = "NAME", default_value = "medkb")]
    index_name: String,
}

#[derive(Debug, Args)]
struct ServeArgs {
    /// The port to listen on (0: any free port).
    #[arg(long, value_name = "N", default_value_t = 7878)]
    port: u16,
    /// The address to listen on. Any other than 127.0.0.1 lets other
    /// machines that can reach this one read the knowledge base.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1")]
    bind: IpAddr,
}

#[derive(Debug, Args)]
struct InitArgs {
    /// The folder to create the knowledge base in.
    #[arg(value_name = "DIR")]
    dir: PathBuf,
}

#[derive(Debug, Args)]
struct CompletionsArgs {
    /// The shell.
    #[arg(value_enum, value_name = "SHELL")]
    shell: clap_complete::Shell,
}

#[derive(Debug, Args)]
struct ListArgs {
    /// Only articles or only notes.
    #[arg(long, value_parser = parse_kind)]
    kind: Option<Kind>,
    /// Print JSON instead of text.
    #[arg(long)]
    json: bool,
}

/// A subcommand's arguments, added to its command only when that subcommand
/// is parsed or its help is shown (clap's `Command::defer`): every search is
/// a new process, and building every other subcommand's arguments too was
/// 2% of its instructions.
#[derive(Debug)]
struct Deferred<T>(T);

impl<T: Args> Args for Deferred<T> {
    fn augment_args(command: clap::Command) -> clap::Command {
        command.defer(T::augment_args)
    }

    fn augment_args_for_update(command: clap::Command) -> clap::Command {
        command.defer(T::augment_args_for_update)
    }

    fn group_id() -> Option<clap::Id> {
        T::group_id()
    }
}

impl<T: FromArgMatches> FromArgMatches for Deferred<T> {
    fn from_arg_matches(matches: &clap::ArgMatches) -> Result<Self, clap::Error> {
        T::from_arg_matches(matches).map(Deferred)
    }

    fn from_arg_matches_mut(matches: &mut clap::ArgMatches) -> Result<Self, clap::Error> {
        T::from_arg_matches_mut(matches).map(Deferred)
    }

    fn update_from_arg_matches(&mut self, matches: &clap::ArgMatches) -> Result<(), clap::Error> {
        self.0.update_from_arg_matches(matches)
    }

    fn update_from_arg_matches_mut(
        &mut self,
        matches: &mut clap::ArgMatches,
    ) -> Result<(), clap::Error> {
        self.0.update_from_arg_matches_mut(matches)
    }
}

#[derive(Debug, Subcommand)]
enum NoteCommand {
    /// Start a note: writes corpus/notes/<id>.md from the template and
    /// prints its path. Never overwrites.
    #[command(after_help = NOTE_EXAMPLES)]
    New {
        /// The note's title.
        #[arg(required = true, value_name = "TITLE")]
        title: Vec<String>,
        /// The id (and file name) instead of one made from the title.
        #[arg(long, value_name = "ID")]
        id: Option<String>,
    },
}

#[derive(Debug, Args)]
struct SearchArgs {
    /// The question, in your own words.
    #[arg(required = true, value_name = "QUERY")]
    query: Vec<String>,

    /// How many documents to show [default: 10, or as medkb.toml says].
    #[arg(short = 'n', long, env = "MEDKB_LIMIT", value_name = "N")]
    limit: Option<usize>,

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
    /// synonyms and corrections that scored, the best passage's share, and
    /// what a hit whose best passage links to it lent it.
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

const INDEX_EXAMPLES: &str = "\
Examples:
  medkb index                                 update: only what changed is read
  medkb index --full                          read every file into a new index
  medkb index corpus/notes/clonazepam.md      look at this file alone (quick on a
                                              large corpus); the rest is taken as
                                              the last build left it
  medkb index corpus/articles/gone.md corpus/articles/new/
                                              a file removed and a folder added

Exit code 5 if another process is building the index.";

const INIT_EXAMPLES: &str = "\
Examples:
  medkb init my-kb                 then: cd my-kb && medkb note new \"Zolpidem\"
  medkb init .                     in the current folder, if it is empty

Exit code 8 if DIR holds anything already.";

const COMPLETIONS_EXAMPLES: &str = "\
Examples:
  medkb completions bash > ~/.local/share/bash-completion/completions/medkb
  medkb completions zsh > ~/.zfunc/_medkb        (with fpath+=~/.zfunc in ~/.zshrc)
  medkb completions fish > ~/.config/fish/completions/medkb.fish";

const ADD_EXAMPLES: &str = "\
Examples:
  medkb add leaflet.txt                       plain text: the first line is the title
  medkb add notes-from-web.md                 Markdown, with or without front matter
  medkb add page.html --source https://example.org/clonazepam
                                              a saved web page: navigation, scripts,
                                              comment forms and share buttons are dropped
  medkb add page.html --title \"Clonazepam and sleep\" --id clonazepam-and-sleep
  medkb add page.html --force                 replace the article with the same id

Each article gets front matter: id (from the title), title, kind: article, source,
and the drugs it names (the titles and aliases of the drug notes). An article much
like one already there is reported on stderr. Nothing is written if any file
fails. Exit codes: 8 an article has that id already (use --force or --id),
2 a file without title or text, 1 a file that cannot be read.";

const NOTE_EXAMPLES: &str = "\
Examples:
  medkb note new \"Zolpidem\"                   corpus/notes/zolpidem.md
  medkb note new \"Sleep hygiene\" --id sleep-habits
  $EDITOR \"$(medkb note new \"Zolpidem\")\"     start it and open it

The template has the front matter of the corpus's notes (id, title, kind, aliases,
tags, drugs, sources) and their sections. 'medkb check' reports the note until its
sources are filled in. Exit code 8 if the id or file exists already.";

const EXPORT_EXAMPLES: &str = "\
Examples:
  medkb export --format opensearch --out export/
      export/medkb-index.json (index definition) and export/medkb-bulk.ndjson
  curl -XPUT localhost:9200/medkb -H 'Content-Type: application/json' --data-binary @export/medkb-index.json
  curl -XPOST localhost:9200/_bulk -H 'Content-Type: application/x-ndjson' --data-binary @export/medkb-bulk.ndjson
  medkb export --format opensearch --definition      the index definition on stdout
  medkb export --format ndjson > medkb.ndjson        one document a line, for Quickwit

The index is rebuilt first if it is older than the corpus. The README's
'Scaling out' section says what ranks differently there.";

/// The rules of `medkb check`, for its `--help`.
fn check_help() -> String {
    let mut help = String::from("Rules:\n");
    for rule in crate::check::RULES {
        help.push_str(&format!(
            "  {:<15} {:<8} {}\n",
            rule.name, rule.severity, rule.finds
        ));
    }
    help.push_str(
        "
A file that is a deliberate exception to a rule says so in its front matter,
with the reason in a comment:
  check-allow: [spun-text]   # kept as written; the note on it points this out
Its findings of that rule are then listed only with --all and not counted.

Examples:
  medkb check                 findings as file:line: severity[rule]: message
  medkb check --json          JSON for scripts (schema in the README)
  medkb check --strict        fail on warnings too

Exit codes: 0 no errors (warnings are allowed unless --strict), 7 errors found,
3 the corpus folder is missing.",
    );
    help
}

fn parse_kind(text: &str) -> Result<Kind, String> {
    text.parse()
}

/// Runs the command line and returns the process exit code.
pub fn run() -> i32 {
    let started = Instant::now();
    let cli = Cli::try_parse();
    let cli = match cli {
        Ok(cli) => cli,
        Err(err) => {
            // Help and version go to stdout with 0, usage errors to stderr with 2.
            let _ = err.print();
            return err.exit_code();
        }
    };
    let messages = Messages {
        quiet: cli.quiet,
        verbose: cli.verbose,
    };
    let stdout = io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    let result = match without_knowledge_base(&cli.command, &mut out) {
        Some(result) => result,
        None => Context::resolve(&cli, messages)
            .and_then(|context| dispatch(&cli.command, &context, &mut out)),
    }
    .and_then(|()| Ok(out.flush()?));
    messages.detail(&format!("done in {} ms", started.elapsed().as_millis()));
    match result {
        Ok(()) => 0,
        Err(err) => report(&err),
    }
}

/// Messages on stderr: notices unless `--quiet`, details with `--verbose`.
/// Errors are always printed, by [`report`].
#[derive(Debug, Clone, Copy)]
struct Messages {
    quiet: bool,
    verbose: bool,
}

impl Messages {
    /// Something a person should know: a rebuild, a skipped file.
    fn notice(&self, text: &str) {
        if !self.quiet {
            eprintln!("medkb: {}", render::terminal_safe(text));
        }
    }

    /// Where things were found and how long they took.
    fn detail(&self, text: &str) {
        if self.verbose {
            eprintln!("medkb: {}", render::terminal_safe(text));
        }
    }
}

/// Everything a command needs, resolved once from the knowledge base root,
/// its medkb.toml, the environment and the flags.
struct Context {
    corpus: PathBuf,
    kb: KnowledgeBase,
    human: Human,
    /// The result limit when a command's --limit is not given.
    limit: usize,
    messages: Messages,
    progress: Progress,
}

/// Results shown when neither a flag, MEDKB_LIMIT nor medkb.toml says.
const DEFAULT_LIMIT: usize = 10;

impl Context {
    fn resolve(cli: &Cli, messages: Messages) -> anyhow::Result<Context> {
        let cwd = std::env::current_dir().map_err(|err| Error::read(Path::new("."), err))?;
        let root = Root::find(&cwd)?;
        let file = root
            .as_ref()
            .map(|root| root.file.clone())
            .unwrap_or_default();
        // Paths from medkb.toml are relative to the root; run from the root
        // itself, they stay short in messages.
        let from_root = |path: PathBuf| match &root {
            Some(root) if root.dir != cwd => root.dir.join(path),
            _ => path,
        };
        let corpus = match &cli.corpus {
            Some(corpus) => corpus.clone(),
            None => from_root(file.corpus.clone().unwrap_or_else(|| "corpus".into())),
        };
        let index = match &cli.index {
            Some(index) => index.clone(),
            None => from_root(file.index.clone().unwrap_or_else(|| "index".into())),
        };
        // Flag or MEDKB_COLOR, then NO_COLOR, then medkb.toml.
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|value| !value.is_empty());
        let color = match (cli.color, no_color, file.color) {
            (Some(color), _, _) => color,
            (None, true, _) => Color::Never,
            (None, false, Some(color)) => color,
            (None, false, None) => Color::Auto,
        };
        let color = match color {
            Color::Always => true,
            Color::Never => false,
            Color::Auto => io::stdout().is_terminal(),
        };
        match &root {
            Some(root) => messages.detail(&format!(
                "knowledge base root {} (found by {})",
                root.dir.display(),
                root.found_by
            )),
            None => messages.detail("no knowledge base root here or above"),
        }
        messages.detail(&format!(
            "corpus {}, index {}",
            corpus.display(),
            index.display()
        ));
        Ok(Context {
            kb: KnowledgeBase::new(&corpus, &index),
            corpus,
            human: Human { color },
            limit: file.limit.unwrap_or(DEFAULT_LIMIT),
            messages,
            progress: Progress::new(cli.quiet),
        })
    }
}

/// Runs the commands that need no knowledge base (so that a broken
/// medkb.toml does not stop them); `None` for the others.
fn without_knowledge_base(command: &Command, out: &mut dyn Write) -> Option<anyhow::Result<()>> {
    match command {
        Command::Completions(Deferred(CompletionsArgs { shell })) => {
            let mut command = Cli::command();
            command.set_bin_name("medkb");
            command.build();
            Some(
                clap_complete::Generator::try_generate(shell, &command, out)
                    .map_err(anyhow::Error::from),
            )
        }
        Command::Man => Some(
            clap_mangen::Man::new(Cli::command())
                .render(out)
                .map_err(anyhow::Error::from),
        ),
        Command::Init(Deferred(InitArgs { dir })) => Some(init_command(dir, out)),
        _ => None,
    }
}

fn init_command(dir: &Path, out: &mut dyn Write) -> anyhow::Result<()> {
    let written = crate::init::init(dir)?;
    let shown: Vec<String> = written
        .iter()
        .map(|path| path.display().to_string())
        .filter(|path| !path.ends_with(".keep"))
        .collect();
    let line = format!(
        "created a knowledge base in {}: {}",
        dir.display(),
        shown.join(", ")
    );
    writeln!(out, "{}", render::terminal_safe(&line))?;
    Ok(())
}

/// Brings the index up to date, with a bar counting the files read on a
/// terminal (shown only when there are enough to wait for).
/// Builds the index: in full, as an update, or (given `paths`) as an update
/// looking at those paths alone.
fn build(context: &Context, full: bool, paths: &[PathBuf]) -> crate::Result<BuildReport> {
    let bar: std::cell::RefCell<Option<crate::progress::Shown>> = Default::default();
    let progress = |read, to_read| {
        if to_read < PROGRESS_MIN_FILES {
            return;
        }
        let mut bar = bar.borrow_mut();
        bar.get_or_insert_with(|| context.progress.bar(to_read as u64, "reading the corpus"))
            .set(read as u64);
    };
    let report = if paths.is_empty() {
        context.kb.build_with_progress(full, &progress)
    } else {
        context.kb.build_paths(paths, &progress)
    };
    drop(bar);
    if let Ok(report) = &report {
        context.messages.detail(&format!(
            "built the index in {} ms",
            report.elapsed.as_millis()
        ));
    }
    report
}

/// Builds reading fewer files than this are over too soon for a bar.
const PROGRESS_MIN_FILES: usize = 2_000;

fn dispatch(command: &Command, context: &Context, out: &mut dyn Write) -> anyhow::Result<()> {
    let (corpus, kb, human) = (&context.corpus, &context.kb, context.human);
    match command {
        Command::Search(Deferred(args)) => search_command(args, context, out),
        Command::Index(Deferred(IndexArgs { full, paths })) => {
            let report = build(context, *full, paths)?;
            warn_skipped(context, &report);
            writeln!(out, "{}", build_summary(&report, kb))?;
            Ok(())
        }
        Command::Show(Deferred(ShowArgs { id, json })) => {
            let opened = open(context)?;
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
        Command::Related(Deferred(RelatedArgs { id, limit, json })) => {
            let opened = open(context)?;
            let doc = opened
                .find(id)?
                .ok_or_else(|| Error::UnknownId { id: id.clone() })?;
            let limit = limit.unwrap_or(context.limit);
            let related = crate::related::related(&opened, &doc, limit)?;
            if *json {
                render::json(out, &render::JsonRelated::new(&doc, &related))?;
            } else {
                human.related(out, &doc, &related)?;
            }
            Ok(())
        }
        Command::Eval(Deferred(EvalArgs {
            file,
            baseline,
            json,
        })) => {
            let judged = eval::load(file)?;
            let opened = open(context)?;
            let synonyms = load_synonyms(context, &opened)?;
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
        Command::Check(Deferred(CheckArgs { json, all, strict })) => {
            let report = crate::check::check(corpus)?;
            if *json {
                render::json(out, &report)?;
            } else {
                human.check_report(out, &report, *all)?;
            }
            let failing = report.errors + if *strict { report.warnings } else { 0 };
            if failing > 0 {
                out.flush()?;
                let noun = match (*strict, failing) {
                    (false, 1) => "1 error".to_string(),
                    (false, n) => format!("{n} errors"),
                    (true, 1) => "1 error or warning (--strict)".to_string(),
                    (true, n) => format!("{n} errors and warnings (--strict)"),
                };
                return Err(Error::CheckFailed {
                    path: corpus.to_path_buf(),
                    problems: noun,
                }
                .into());
            }
            Ok(())
        }
        Command::Add(Deferred(AddArgs {
            files,
            source,
            id,
            title,
            force,
        })) => {
            if files.len() > 1 && (source.is_some() || id.is_some() || title.is_some()) {
                let message =
                    "--source, --id and --title describe one file (add the files one at a time)"
                        .into();
                return Err(Error::Usage { message }.into());
            }
            let options = crate::import::AddOptions {
                source: source.clone(),
                id: id.clone(),
                title: title.clone(),
                force: *force,
            };
            let bar = context.progress.bar(files.len() as u64, "importing");
            let added = crate::import::add(corpus, files, &options, |file| {
                bar.step(&file.display().to_string())
            })?;
            drop(bar);
            for each in &added {
                let verb = if each.replaced { "replaced" } else { "added" };
                let drugs = match each.article.drugs.as_slice() {
                    [] => String::new(),
                    drugs => format!(" (drugs: {})", drugs.join(", ")),
                };
                let line = format!("{verb} {}: {}{drugs}", each.rel, each.article.title);
                writeln!(out, "{}", render::terminal_safe(&line))?;
                for similar in &each.similar {
                    let line = format!("{} looks like a duplicate: {similar}", each.rel);
                    context.messages.notice(&line);
                }
            }
            match build(context, false, &[]) {
                Ok(report) => {
                    warn_skipped(context, &report);
                    writeln!(out, "{}", build_summary(&report, kb))?;
                }
                Err(Error::IndexBusy { .. }) => context.messages.notice(
                    "another process is rebuilding the index; the next search brings it up to date",
                ),
                Err(err) => return Err(err.into()),
            }
            Ok(())
        }
        Command::Note {
            command: NoteCommand::New { title, id },
        } => {
            let (path, _) = crate::import::new_note(corpus, &title.join(" "), id.as_deref())?;
            // As reached from here, so that "$EDITOR $(medkb note new X)" opens it.
            let shown = match path.file_name() {
                Some(name) => corpus.join("notes").join(name),
                None => path,
            };
            writeln!(
                out,
                "{}",
                render::terminal_safe(&shown.display().to_string())
            )?;
            Ok(())
        }
        Command::Export(Deferred(ExportArgs {
            format,
            out: dir,
            definition,
            index_name,
        })) => export_command(
            *format,
            dir.as_deref(),
            *definition,
            index_name,
            context,
            out,
        ),
        Command::Serve(Deferred(ServeArgs { port, bind })) => {
            let opened = open(context)?;
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
        Command::Init(_) | Command::Completions(_) | Command::Man => {
            without_knowledge_base(command, out).unwrap_or(Ok(()))
        }
        Command::List(Deferred(ListArgs { kind, json })) => {
            let opened = open(context)?;
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

fn search_command(args: &SearchArgs, context: &Context, out: &mut dyn Write) -> anyhow::Result<()> {
    let human = context.human;
    let query = args.query.join(" ");
    if query.trim().is_empty() {
        return Err(Error::EmptyQuery.into());
    }
    let format = match (args.json, args.format) {
        (true, _) | (_, FormatArg::Json) => Format::Json,
        (_, FormatArg::Html) => Format::Html,
        (_, FormatArg::Human) => Format::Human,
    };
    let opened = open(context)?;
    let request = SearchRequest {
        query,
        limit: args.limit.unwrap_or(context.limit),
        kind: args.kind,
        drugs: args.drug.clone(),
        tags: args.tag.clone(),
        passages: args.passages,
        facets: args.facets,
        explain: args.explain,
    };
    let synonyms = load_synonyms(context, &opened)?;
    let searching = Instant::now();
    let results = search::search(&opened, &request, &synonyms)?;
    context.messages.detail(&format!(
        "searched in {} ms",
        searching.elapsed().as_millis()
    ));
    if results.truncated {
        context.messages.notice(&format!(
            "the question is long; only its first {} words were used",
            crate::syntax::MAX_TERMS
        ));
    }
    match format {
        Format::Json => render::json(out, &JsonResults::new(&results))?,
        Format::Html => render::html_page(out, &results)?,
        Format::Human if results.hits.is_empty() => human.no_results(out, &results)?,
        Format::Human => human.results(out, &results)?,
    }
    // The process ends next: leaving the index, synonyms and results to the
    // OS saves unmapping every index file and freeing every string one by
    // one, a tenth of a short search on a large corpus.
    std::mem::forget((opened, synonyms, results));
    Ok(())
}

fn export_command(
    format: ExportFormat,
    dir: Option<&std::path::Path>,
    definition: bool,
    index_name: &str,
    context: &Context,
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    if !export::is_index_name(index_name) {
        let message = format!(
            "'{index_name}' cannot name an index (use lower case, no spaces or \\/*?\"<>|,#:, not starting with - _ +)"
        );
        return Err(Error::Usage { message }.into());
    }
    if definition && format == ExportFormat::Ndjson {
        let message =
            "--definition is the index definition of --format opensearch; ndjson has none".into();
        return Err(Error::Usage { message }.into());
    }
    let opened = open(context)?;
    let mut docs = opened.all_docs()?;
    docs.sort_by(|a, b| (a.kind, &a.id).cmp(&(b.kind, &b.id)));
    let synonyms_path = context.corpus.join(crate::corpus::SYNONYMS_FILE);
    let synonyms_text = std::fs::read_to_string(&synonyms_path).unwrap_or_default();
    let (file_rules, problems) = crate::synonyms::parse_rules(&synonyms_text);
    for problem in problems {
        context.messages.notice(&format!(
            "{}:{}: {} (left out of the export)",
            synonyms_path.display(),
            problem.line,
            problem.message
        ));
    }
    let rules = export::synonym_rules(&file_rules, &opened.drug_names());
    let definition_json = || -> anyhow::Result<Vec<u8>> {
        let mut bytes = serde_json::to_vec_pretty(&export::index_definition(&rules))?;
        bytes.push(b'\n');
        Ok(bytes)
    };
    let Some(dir) = dir else {
        match (format, definition) {
            (ExportFormat::Opensearch, true) => out.write_all(&definition_json()?)?,
            (ExportFormat::Opensearch, false) => export::write_bulk(out, &docs, index_name)?,
            (ExportFormat::Ndjson, _) => export::write_ndjson(out, &docs)?,
        }
        return Ok(());
    };
    std::fs::create_dir_all(dir).map_err(|err| Error::Write {
        path: dir.to_path_buf(),
        source: err,
    })?;
    let write = |name: String, bytes: &[u8]| -> anyhow::Result<PathBuf> {
        let path = dir.join(name);
        std::fs::write(&path, bytes).map_err(|err| Error::Write {
            path: path.clone(),
            source: err,
        })?;
        Ok(path)
    };
    let mut documents = Vec::new();
    match format {
        ExportFormat::Opensearch => {
            export::write_bulk(&mut documents, &docs, index_name)?;
            let bulk = write(format!("{index_name}-bulk.ndjson"), &documents)?;
            let index = write(format!("{index_name}-index.json"), &definition_json()?)?;
            writeln!(
                out,
                "wrote {} documents to {} and the index definition to {}",
                docs.len(),
                bulk.display(),
                index.display()
            )?;
        }
        ExportFormat::Ndjson => {
            export::write_ndjson(&mut documents, &docs)?;
            let path = write(format!("{index_name}.ndjson"), &documents)?;
            writeln!(out, "wrote {} documents to {}", docs.len(), path.display())?;
        }
    }
    Ok(())
}

/// Opens the index, rebuilding it first when it is missing or stale.
fn open(context: &Context) -> anyhow::Result<crate::index::Opened> {
    let mut notices = Vec::new();
    let opened = {
        // Drawn only if the check turns into a rebuild that takes a while.
        let _spinner = context
            .progress
            .spinner("bringing the index up to date", Duration::from_millis(300));
        context.kb.open_fresh(&mut notices)
    };
    for notice in &notices {
        if let Notice::Rebuilt { report, .. } = notice {
            warn_skipped(context, report);
        }
        context.messages.notice(&notice.to_string());
    }
    Ok(opened?)
}

fn load_synonyms(context: &Context, opened: &crate::index::Opened) -> anyhow::Result<Synonyms> {
    let (synonyms, warnings) = context.kb.synonyms(opened);
    for warning in warnings {
        context.messages.notice(&warning);
    }
    Ok(synonyms)
}

fn warn_skipped(context: &Context, report: &BuildReport) {
    for skipped in &report.skipped {
        context.messages.notice(&format!("skipped {skipped}"));
    }
}

fn build_summary(report: &BuildReport, kb: &KnowledgeBase) -> String {
    let index = kb.index_dir().display();
    let seconds = report.elapsed.as_secs_f64();
    let mut summary = match report.kind {
        BuildKind::Full => format!(
            "indexed {} documents into {index} in {seconds:.2} s",
            report.documents
        ),
        BuildKind::Update => format!(
            "updated {index} in {seconds:.2} s: {} added, {} changed, {} removed{}; {} documents",
            report.added,
            report.changed,
            report.removed,
            if report.synonyms_changed {
                ", synonyms compiled again"
            } else {
                ""
            },
            report.documents
        ),
        BuildKind::UpToDate => format!(
            "{index} is up to date: {} documents (use --full to rebuild anyway)",
            report.documents
        ),
    };
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
    // medkb's own errors already name their cause; anyhow's chain would repeat it.
    let message = match err.downcast_ref::<Error>() {
        Some(own) => own.to_string(),
        None => format!("{err:#}"),
    };
    eprintln!(
        "medkb: {}",
        render::terminal_safe(&message).replace('\n', " ")
    );
    match err.downcast_ref::<Error>() {
        Some(err) => err.exit_code(),
        None => 1,
    }
}
