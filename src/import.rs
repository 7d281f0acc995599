//! `medkb add` and `medkb note new`: files from outside → corpus files with
//! front matter.
//!
//! In: plain text (the first line is the title), Markdown, or a web page
//! saved as HTML. Out: `corpus/articles/<id>.md` with an id made from the
//! title, the title, `kind: article`, where it came from, and the drugs it
//! names (the titles and aliases of the drug notes), or a new note from a
//! template. Nothing is written over an existing id unless asked, and an
//! article much like one already there is reported.
//!
//! HTML is read in two steps. ammonia parses the page as a browser would
//! (decoding entities, closing tags, dropping comments) and keeps only the
//! elements that carry text and structure, with their `id`, `class` and
//! `role`; scripts, styles, forms' controls and embedded media go with their
//! content. Its output is well-formed, so a small walk over it can then drop
//! the page's surroundings (navigation, header, footer, sidebars, comment
//! sections, share buttons, cookie banners: by element and by id, class or
//! role), take the title from `<h1>` or `<title>`, and turn headings, lists
//! and paragraphs into the Markdown blocks medkb reads.

use std::collections::{HashMap, HashSet};
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::analysis;
use crate::check;
use crate::corpus::{self, Corpus};
use crate::doc::{Doc, Kind};
use crate::error::{Error, Result};
use crate::frontmatter;
use crate::markdown;
use crate::synonyms::{self, Occurrences};

/// Ids made from titles are cut to this many bytes, at a word boundary.
const MAX_ID_BYTES: usize = 80;
/// A new article sharing this share of its word runs with an existing one
/// (of the smaller's) is reported as a near-duplicate.
const NEAR_DUPLICATE: f64 = 0.5;
/// Words in a run compared for near-duplicates.
const SHINGLE: usize = 5;

/// What `medkb add` was asked.
#[derive(Debug, Clone, Default)]
pub struct AddOptions {
    /// Where the file came from (a URL), instead of its path.
    pub source: Option<String>,
    /// The id to use instead of one made from the title.
    pub id: Option<String>,
    /// The title to use instead of the one found in the file.
    pub title: Option<String>,
    /// Replace an article that already has the id.
    pub force: bool,
}

/// An article ready to be written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Article {
    pub id: String,
    pub title: String,
    pub source: String,
    pub drugs: Vec<String>,
    /// Markdown blocks separated by blank lines.
    pub body: String,
}

/// An article written into the corpus.
#[derive(Debug, Clone)]
pub struct Added {
    pub path: PathBuf,
    /// The path as the corpus shows it: `corpus/articles/<id>.md`.
    pub rel: String,
    pub article: Article,
    /// Whether an article with this id was replaced (`--force`).
    pub replaced: bool,
    /// Existing documents it looks like, and why.
    pub similar: Vec<String>,
}

/// The kinds of file `medkb add` reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileFormat {
    Text,
    Markdown,
    Html,
}

impl FileFormat {
    /// From the file name, else from the first bytes: a page saved from a
    /// browser starts with `<!doctype html>` or `<html>`.
    pub fn of(path: &Path, text: &str) -> FileFormat {
        let extension = path
            .extension()
            .map(|ext| ext.to_string_lossy().to_ascii_lowercase())
            .unwrap_or_default();
        match extension.as_str() {
            "html" | "htm" | "xhtml" => FileFormat::Html,
            "md" | "markdown" => FileFormat::Markdown,
            _ => {
                let start: String = text.trim_start().chars().take(15).collect();
                let start = start.to_ascii_lowercase();
                if start.starts_with("<!doctype html") || start.starts_with("<html") {
                    FileFormat::Html
                } else {
                    FileFormat::Text
                }
            }
        }
    }
}

/// Reads the files, checks that none would overwrite what it should not,
/// then writes them all into `corpus/articles/`. Nothing is written if any
/// file fails. `each` is told of every file as it is read.
pub fn add(
    corpus_dir: &Path,
    files: &[PathBuf],
    options: &AddOptions,
    mut each: impl FnMut(&Path),
) -> Result<Vec<Added>> {
    let corpus = Corpus::open(corpus_dir)?;
    let existing = load_documents(&corpus)?;
    let drug_names = DrugNames::of(&existing);
    let articles_dir = corpus.dir().join("articles");
    let corpus_name = corpus.dir().file_name().map_or_else(
        || "corpus".into(),
        |name| name.to_string_lossy().into_owned(),
    );

    let mut prepared = Vec::new();
    let mut ids_in_batch = HashSet::new();
    for file in files {
        each(file);
        let bytes = fs::read(file).map_err(|err| Error::read(file, err))?;
        let text = String::from_utf8_lossy(&bytes);
        let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
        let mut article = read_article(file, text, options)?;
        article.drugs = drug_names.found_in(&article.title, &article.body, &article.drugs);
        if !ids_in_batch.insert(article.id.clone()) {
            return Err(Error::Usage {
                message: format!(
                    "two of the files would both be '{}' (add them one at a time with --id)",
                    article.id
                ),
            });
        }
        let path = articles_dir.join(format!("{}.md", article.id));
        let rel = format!("{corpus_name}/articles/{}.md", article.id);
        let holder = existing.iter().find(|doc| doc.id == article.id);
        let replaced = match holder {
            Some(doc) if doc.path != rel => {
                return Err(Error::Exists {
                    path: PathBuf::from(&doc.path),
                    what: format!("holds id '{}' (choose another with --id)", article.id),
                })
            }
            Some(_) if !options.force => {
                return Err(Error::Exists {
                    path: PathBuf::from(&rel),
                    what: format!(
                        "already holds id '{}' (--force replaces it, --id chooses another)",
                        article.id
                    ),
                })
            }
            Some(_) => true,
            None if path.exists() && !options.force => {
                return Err(Error::Exists {
                    path: PathBuf::from(&rel),
                    what: "already exists (--force replaces it, --id chooses another)".into(),
                })
            }
            None => path.exists(),
        };
        let similar = similar_articles(&article, &existing, &rel);
        prepared.push(Added {
            path,
            rel,
            article,
            replaced,
            similar,
        });
    }
    fs::create_dir_all(&articles_dir).map_err(|err| Error::write(&articles_dir, err))?;
    for added in &prepared {
        write_atomically(&added.path, article_file(&added.article).as_bytes())?;
    }
    Ok(prepared)
}

/// Reads one file into an article: its title, id, source and body.
pub fn read_article(path: &Path, text: &str, options: &AddOptions) -> Result<Article> {
    let (found_title, body, meta_drugs, meta_id, meta_source) = match FileFormat::of(path, text) {
        FileFormat::Html => {
            let page = html_to_markdown(text);
            (page.title, page.body, Vec::new(), None, None)
        }
        FileFormat::Markdown => {
            let (meta, body) = match frontmatter::split(text) {
                Ok((meta, body, _)) => (meta, body),
                Err(err) => {
                    return Err(Error::Usage {
                        message: format!("{}:{}: {}", path.display(), err.line, err.message),
                    })
                }
            };
            let (heading, rest) = leading_heading(body);
            let title = meta.title.clone().or(heading);
            (
                title,
                rest.trim().to_string(),
                meta.drugs,
                meta.id,
                meta.source,
            )
        }
        FileFormat::Text => {
            let trimmed = text.trim_start();
            let (first, rest) = trimmed.split_once('\n').unwrap_or((trimmed, ""));
            let blocks: Vec<String> = markdown::text_blocks(rest)
                .iter()
                .map(|block| escape_block_start(block))
                .collect();
            (
                Some(first.trim().to_string()),
                blocks.join("\n\n"),
                Vec::new(),
                None,
                None,
            )
        }
    };
    let title = options
        .title
        .clone()
        .or(found_title)
        .map(|title| title.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|title| !title.is_empty())
        .ok_or_else(|| Error::Usage {
            message: format!("{} has no title (give one with --title)", path.display()),
        })?;
    if body.trim().is_empty() {
        return Err(Error::Usage {
            message: format!(
                "{} has no text to import (is it the page itself, saved as HTML?)",
                path.display()
            ),
        });
    }
    let id = match options.id.clone().or(meta_id) {
        Some(id) => id,
        None => id_from_title(&title).ok_or_else(|| Error::Usage {
            message: format!("cannot make an id from the title '{title}' (give one with --id)"),
        })?,
    };
    if id.is_empty()
        || !id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
        || id.starts_with('.')
    {
        return Err(Error::Usage {
            message: format!("id '{id}' must use only letters, digits, '-', '_' and '.'"),
        });
    }
    let source = options
        .source
        .clone()
        .or(meta_source)
        .unwrap_or_else(|| path.display().to_string());
    Ok(Article {
        id,
        title,
        source,
        drugs: meta_drugs.iter().map(|drug| drug.to_lowercase()).collect(),
        body,
    })
}

/// A Markdown body's leading `# Title` line, and the body after it.
fn leading_heading(body: &str) -> (Option<String>, &str) {
    let trimmed = body.trim_start();
    let (first, rest) = trimmed.split_once('\n').unwrap_or((trimmed, ""));
    match first.strip_prefix("# ") {
        Some(title) if !title.trim().is_empty() => (Some(title.trim().to_string()), rest),
        _ => (None, body),
    }
}

/// An id from a title: `Clonazepam for Sleep: Is It Right?` →
/// `clonazepam-for-sleep-is-it-right`, cut at a word to 80 bytes.
pub fn id_from_title(title: &str) -> Option<String> {
    let mut id = corpus::slug(title);
    if id.len() > MAX_ID_BYTES {
        let cut = id[..MAX_ID_BYTES].rfind('-').unwrap_or(MAX_ID_BYTES);
        id.truncate(cut);
    }
    (!id.is_empty()).then_some(id)
}

/// The text of an article file: front matter in the corpus's own layout,
/// a blank line, the body.
pub fn article_file(article: &Article) -> String {
    let drugs: Vec<String> = article.drugs.iter().map(|drug| yaml_item(drug)).collect();
    format!(
        "---\nid: {}\ntitle: {}\nkind: article\ndrugs: [{}]\nsource: {}\n---\n\n{}\n",
        yaml_scalar(&article.id),
        yaml_scalar(&article.title),
        drugs.join(", "),
        yaml_scalar(&article.source),
        article.body.trim_end()
    )
}

/// A value on a `key: value` line, quoted when YAML would read it otherwise.
pub fn yaml_scalar(text: &str) -> String {
    if is_plain(text, false) {
        text.to_string()
    } else {
        quoted(text)
    }
}

/// A value inside a flow list `[a, b]`, where commas and brackets also matter.
fn yaml_item(text: &str) -> String {
    if is_plain(text, true) {
        text.to_string()
    } else {
        quoted(text)
    }
}

fn is_plain(text: &str, in_list: bool) -> bool {
    let special_words = [
        "true", "false", "yes", "no", "on", "off", "null", "~", "y", "n",
    ];
    !text.is_empty()
        && text.trim() == text
        && !text.starts_with(|c: char| "-?:,[]{}#&*!|>'\"%@`".contains(c))
        && !text.contains(": ")
        && !text.contains(" #")
        && !text.ends_with(':')
        && !text.chars().any(|c| c.is_control())
        && !(in_list && text.contains(|c: char| ",[]{}".contains(c)))
        && !special_words.contains(&text.to_ascii_lowercase().as_str())
        && !text.starts_with(|c: char| c.is_ascii_digit() || c == '.' || c == '+')
}

fn quoted(text: &str) -> String {
    let mut out = String::from("\"");
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Writes `bytes` to `path` through a temporary file in the same folder and
/// a rename, so the corpus never holds half a file.
fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_default();
    // A leading dot keeps the corpus walk from reading it meanwhile.
    let temporary = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    let result = fs::File::create(&temporary)
        .and_then(|mut file| {
            file.write_all(bytes)?;
            file.sync_all()
        })
        .and_then(|()| fs::rename(&temporary, path));
    if let Err(err) = result {
        let _ = fs::remove_file(&temporary); // best effort: the error below matters
        return Err(Error::write(path, err));
    }
    Ok(())
}

/// Every readable document of the corpus, to compare with.
fn load_documents(corpus: &Corpus) -> Result<Vec<Doc>> {
    let scan = corpus.scan()?;
    Ok(scan
        .files
        .iter()
        .filter_map(|file| corpus::load(file).ok())
        .collect())
}

/// The names readers use for each drug: the title and aliases of every drug
/// note (tagged `drug`) that is about one drug.
struct DrugNames {
    /// (the name analysed, the drug's generic name)
    names: Vec<(synonyms::Phrase, String)>,
}

impl DrugNames {
    fn of(docs: &[Doc]) -> DrugNames {
        let mut analyzer = analysis::english();
        let mut names = Vec::new();
        for doc in docs {
            let is_drug_note = doc.kind == Kind::Note && doc.tags.iter().any(|tag| tag == "drug");
            // A note about a class (benzodiazepines) lists several drugs:
            // its names do not say which drug an article is about.
            let drug = match doc.drugs.as_slice() {
                [one] => one.to_lowercase(),
                [] => doc.title.to_lowercase(),
                _ => continue,
            };
            if !is_drug_note {
                continue;
            }
            for name in std::iter::once(&doc.title).chain(&doc.aliases) {
                if let Some(phrase) = synonyms::phrase(&mut analyzer, name) {
                    names.push((phrase, drug.clone()));
                }
            }
        }
        DrugNames { names }
    }

    /// The drugs whose names occur in the title or body, with `known`, sorted.
    fn found_in(&self, title: &str, body: &str, known: &[String]) -> Vec<String> {
        let occurrences = Occurrences::of([title, body].into_iter());
        let mut drugs: Vec<String> = known.to_vec();
        for (phrase, drug) in &self.names {
            if !drugs.contains(drug) && occurrences.contains(phrase) {
                drugs.push(drug.clone());
            }
        }
        drugs.sort();
        drugs.dedup();
        drugs
    }
}

/// Existing articles the new one looks like: the same title, or many of
/// the same runs of five words.
fn similar_articles(article: &Article, existing: &[Doc], own_rel: &str) -> Vec<String> {
    let mut analyzer = analysis::english();
    let normal = |title: &str| corpus::slug(title);
    let shingles = |text: &str, analyzer: &mut tantivy::tokenizer::TextAnalyzer| {
        let terms: Vec<String> = analysis::tokens(analyzer, text)
            .into_iter()
            .map(|token| token.term)
            .collect();
        terms
            .windows(SHINGLE)
            .map(|window| window.join(" "))
            .collect::<HashSet<String>>()
    };
    let new_shingles = shingles(&article.body, &mut analyzer);
    let mut similar = Vec::new();
    for doc in existing {
        if doc.kind != Kind::Article || doc.path == own_rel {
            continue;
        }
        if normal(&doc.title) == normal(&article.title) {
            similar.push(format!("{} has the same title", doc.path));
            continue;
        }
        let theirs = shingles(&doc.body, &mut analyzer);
        let smaller = new_shingles.len().min(theirs.len());
        if smaller == 0 {
            continue;
        }
        let shared = new_shingles.intersection(&theirs).count();
        let overlap = shared as f64 / smaller as f64;
        if overlap >= NEAR_DUPLICATE {
            similar.push(format!(
                "{} shares {:.0}% of its five-word runs",
                doc.path,
                overlap * 100.0
            ));
        }
    }
    similar
}

/// What was read from a web page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page {
    pub title: Option<String>,
    /// Markdown blocks separated by blank lines.
    pub body: String,
}

/// Elements kept by the first step: the ones that carry text or structure.
const KEPT_ELEMENTS: &[&str] = &[
    "title",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "p",
    "div",
    "section",
    "article",
    "main",
    "span",
    "a",
    "em",
    "strong",
    "b",
    "i",
    "u",
    "small",
    "sub",
    "sup",
    "mark",
    "abbr",
    "cite",
    "q",
    "code",
    "pre",
    "blockquote",
    "ul",
    "ol",
    "li",
    "dl",
    "dt",
    "dd",
    "table",
    "thead",
    "tbody",
    "tfoot",
    "tr",
    "td",
    "th",
    "caption",
    "figure",
    "figcaption",
    "br",
    "hr",
    "nav",
    "header",
    "footer",
    "aside",
    "form",
    "label",
    "fieldset",
    "legend",
    "address",
    "time",
    "details",
    "summary",
];

/// Elements dropped with everything inside them by the first step.
const DROPPED_ELEMENTS: &[&str] = &[
    "script", "style", "noscript", "template", "iframe", "svg", "math", "object", "embed",
    "canvas", "audio", "video", "button", "select", "textarea", "input", "dialog",
];

/// Elements that are a page's surroundings, never its article.
const CHROME_ELEMENTS: &[&str] = &["nav", "header", "footer", "aside", "form"];

/// Words in an id or class that mark surroundings: `comments`,
/// `share-buttons`, `cookie-banner`, `related-posts`, `sidebar`.
const CHROME_NAMES: &[&str] = &[
    "comment",
    "comments",
    "respond",
    "reply",
    "share",
    "sharing",
    "social",
    "related",
    "cookie",
    "cookies",
    "consent",
    "gdpr",
    "newsletter",
    "subscribe",
    "subscription",
    "sidebar",
    "breadcrumb",
    "breadcrumbs",
    "menu",
    "nav",
    "navbar",
    "navigation",
    "advert",
    "advertisement",
    "ads",
    "promo",
    "popup",
    "modal",
    "disqus",
    "masthead",
    "toolbar",
];

/// ARIA roles of surroundings.
const CHROME_ROLES: &[&str] = &[
    "navigation",
    "banner",
    "contentinfo",
    "complementary",
    "search",
    "dialog",
    "alertdialog",
];

/// Elements that end a paragraph (or list item, or table row).
const BLOCK_ELEMENTS: &[&str] = &[
    "p",
    "div",
    "section",
    "article",
    "main",
    "pre",
    "blockquote",
    "ul",
    "ol",
    "li",
    "dl",
    "dt",
    "dd",
    "table",
    "thead",
    "tbody",
    "tfoot",
    "tr",
    "caption",
    "figure",
    "figcaption",
    "hr",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "address",
    "details",
    "summary",
    "fieldset",
    "title",
];

/// Reads a saved web page: its title (the first `<h1>` of the article,
/// else `<title>` without a trailing " | Site"), and its text as Markdown
/// blocks, without the page's surroundings.
pub fn html_to_markdown(html: &str) -> Page {
    let mut cleaner = ammonia::Builder::empty();
    cleaner
        .add_tags(KEPT_ELEMENTS)
        .add_generic_attributes(["id", "class", "role"])
        .clean_content_tags(DROPPED_ELEMENTS.iter().copied().collect())
        .strip_comments(true)
        .link_rel(None);
    let clean = cleaner.clean(html).to_string();
    let mut walk = Walk::default();
    walk.run(&clean);
    walk.finish()
}

/// The walk over ammonia's well-formed output.
#[derive(Default)]
struct Walk {
    /// Open elements: (name, whether it is surroundings).
    open: Vec<(String, bool)>,
    blocks: Vec<String>,
    current: String,
    title_tag: Option<String>,
    h1: Option<String>,
    /// Text of the element being captured for the title, if any.
    capture: Option<String>,
    in_pre: usize,
}

impl Walk {
    fn run(&mut self, html: &str) {
        let mut rest = html;
        while !rest.is_empty() {
            match rest.find('<') {
                Some(0) => {
                    let end = tag_end(rest);
                    self.tag(&rest[1..end.saturating_sub(1).max(1)]);
                    rest = &rest[end..];
                }
                Some(at) => {
                    self.text(&rest[..at]);
                    rest = &rest[at..];
                }
                None => {
                    self.text(rest);
                    rest = "";
                }
            }
        }
    }

    fn skipping(&self) -> bool {
        self.open.iter().any(|(_, chrome)| *chrome)
    }

    /// Whether an `<h1>` here is the article's title: not in the page's
    /// surroundings (a logo in the site header), except in an article's own
    /// `<header>`.
    fn may_hold_title(&self) -> bool {
        let in_article = self
            .open
            .iter()
            .any(|(name, _)| name == "article" || name == "main");
        self.open
            .iter()
            .filter(|(_, chrome)| *chrome)
            .all(|(name, _)| in_article && name == "header")
    }

    fn tag(&mut self, inside: &str) {
        if let Some(name) = inside.strip_prefix('/') {
            self.close(name.trim());
            return;
        }
        let name: String = inside
            .chars()
            .take_while(|c| !c.is_whitespace() && *c != '/')
            .collect::<String>()
            .to_ascii_lowercase();
        let attributes = &inside[name.len()..];
        if name == "br" {
            self.current.push('\n');
            return;
        }
        if name == "hr" {
            self.end_block();
            return;
        }
        let chrome = CHROME_ELEMENTS.contains(&name.as_str()) || is_chrome(attributes);
        if BLOCK_ELEMENTS.contains(&name.as_str()) {
            self.end_block();
        }
        let skipping = self.skipping() || chrome;
        match name.as_str() {
            "title" if self.title_tag.is_none() => self.capture = Some(String::new()),
            "h1" if self.h1.is_none() && self.may_hold_title() => {
                self.capture = Some(String::new())
            }
            "h1" | "h2" | "h3" | "h4" | "h5" | "h6" if !skipping => self.current.push_str("## "),
            "li" if !skipping => self.current.push_str("- "),
            "pre" => self.in_pre += 1,
            _ => {}
        }
        self.open.push((name, chrome));
    }

    fn close(&mut self, name: &str) {
        let name = name.to_ascii_lowercase();
        if let Some(at) = self.open.iter().rposition(|(open, _)| *open == name) {
            self.open.truncate(at);
        }
        match name.as_str() {
            "title" if self.title_tag.is_none() => self.title_tag = self.capture.take(),
            "h1" if self.h1.is_none() && self.capture.is_some() => {
                // The article's first heading is its title, not a section.
                self.h1 = self.capture.take();
            }
            "pre" => self.in_pre = self.in_pre.saturating_sub(1),
            "td" | "th" => self.current.push(' '),
            _ => {}
        }
        if BLOCK_ELEMENTS.contains(&name.as_str()) {
            self.end_block();
        }
    }

    fn text(&mut self, escaped: &str) {
        let text = decode_entities(escaped);
        if let Some(capture) = &mut self.capture {
            capture.push_str(&text);
            return;
        }
        if self.skipping() || self.open.iter().any(|(name, _)| name == "title") {
            return;
        }
        if self.in_pre > 0 {
            self.current.push_str(&text);
            return;
        }
        let words: Vec<&str> = text.split_whitespace().collect();
        let needs_space = !self.current.is_empty() && !self.current.ends_with([' ', '\n']);
        if words.is_empty() {
            if needs_space && !text.is_empty() {
                self.current.push(' ');
            }
            return;
        }
        if needs_space && text.starts_with(char::is_whitespace) {
            self.current.push(' ');
        }
        self.current.push_str(&words.join(" "));
        if text.ends_with(char::is_whitespace) {
            self.current.push(' ');
        }
    }

    fn end_block(&mut self) {
        let block: String = self
            .current
            .lines()
            .map(str::trim)
            .filter(|line| !line.is_empty())
            .collect::<Vec<_>>()
            .join("\n");
        self.current.clear();
        let is_marker_only = matches!(block.as_str(), "##" | "-" | "## " | "- ");
        if block.is_empty() || is_marker_only {
            return;
        }
        // A short paragraph that is only a page's button or banner text.
        if block.split_whitespace().count() <= 12 && check::web_chrome(&block).is_some() {
            return;
        }
        let is_marked = block.starts_with("## ") || block.starts_with("- ");
        self.blocks.push(if is_marked {
            block
        } else {
            escape_block_start(&block)
        });
    }

    fn finish(mut self) -> Page {
        self.end_block();
        let clean = |text: String| {
            let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
            (!text.is_empty()).then_some(text)
        };
        let title_tag = self.title_tag.and_then(clean).map(|title| {
            // "Clonazepam for Sleep | Example Health": the site's name goes.
            match title.rsplit_once(" | ") {
                Some((title, _site)) if !title.trim().is_empty() => title.trim().to_string(),
                _ => title,
            }
        });
        Page {
            title: self.h1.and_then(clean).or(title_tag),
            body: self.blocks.join("\n\n"),
        }
    }
}

/// The end of the tag starting `rest` (just past its `>`), skipping `>`
/// inside quoted attribute values.
fn tag_end(rest: &str) -> usize {
    let mut quote = None;
    for (at, c) in rest.char_indices().skip(1) {
        match (quote, c) {
            (None, '"' | '\'') => quote = Some(c),
            (Some(open), _) if c == open => quote = None,
            (None, '>') => return at + 1,
            _ => {}
        }
    }
    rest.len()
}

/// Whether an element's `id`, `class` or `role` marks a page's surroundings.
fn is_chrome(attributes: &str) -> bool {
    let values = attribute_values(attributes);
    values.iter().any(|(name, value)| match name.as_str() {
        "role" => CHROME_ROLES.contains(&value.to_ascii_lowercase().as_str()),
        "id" | "class" => value
            .to_ascii_lowercase()
            .split(|c: char| c.is_whitespace() || c == '-' || c == '_')
            .any(|word| CHROME_NAMES.contains(&word)),
        _ => false,
    })
}

/// `name="value"` pairs of a serialised tag (ammonia always quotes values).
fn attribute_values(attributes: &str) -> Vec<(String, String)> {
    let mut pairs = Vec::new();
    let mut rest = attributes;
    while let Some(equals) = rest.find("=\"") {
        let name = rest[..equals]
            .rsplit(char::is_whitespace)
            .next()
            .unwrap_or("")
            .to_ascii_lowercase();
        let after = &rest[equals + 2..];
        let Some(close) = after.find('"') else { break };
        pairs.push((name, decode_entities(&after[..close])));
        rest = &after[close + 1..];
    }
    pairs
}

/// Decodes the entities ammonia's output uses (and numeric ones): the page's
/// own entities were decoded when it was parsed.
fn decode_entities(text: &str) -> String {
    if !text.contains('&') {
        return text.to_string();
    }
    let named: HashMap<&str, &str> = [
        ("amp", "&"),
        ("lt", "<"),
        ("gt", ">"),
        ("quot", "\""),
        ("apos", "'"),
        ("nbsp", " "),
    ]
    .into_iter()
    .collect();
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        let after = &rest[at + 1..];
        let decoded = after.find(';').filter(|&end| end <= 10).and_then(|end| {
            let entity = &after[..end];
            let value = match entity.strip_prefix('#') {
                Some(number) => {
                    let code = match number.strip_prefix(['x', 'X']) {
                        Some(hex) => u32::from_str_radix(hex, 16).ok(),
                        None => number.parse().ok(),
                    };
                    code.and_then(char::from_u32).map(String::from)
                }
                None => named.get(entity).map(|value| value.to_string()),
            };
            value.map(|value| (value, end))
        });
        match decoded {
            Some((value, end)) => {
                out.push_str(&value);
                rest = &after[end + 1..];
            }
            None => {
                out.push('&');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// A paragraph of text that would read as Markdown structure at its start
/// (`# `, `> `, `- `, `1. `) gets a backslash, so it stays text.
fn escape_block_start(block: &str) -> String {
    let starts_marker = block.starts_with(['#', '>', '-', '+', '*', '='])
        || block.split_once(['.', ')']).is_some_and(|(number, _)| {
            !number.is_empty() && number.chars().all(|c| c.is_ascii_digit())
        });
    if starts_marker {
        format!("\\{block}")
    } else {
        block.to_string()
    }
}

/// Writes `corpus/notes/<id>.md` from the note template and returns its path.
/// Refuses when the id is taken or the file exists.
pub fn new_note(corpus_dir: &Path, title: &str, id: Option<&str>) -> Result<(PathBuf, String)> {
    let corpus = Corpus::open(corpus_dir)?;
    let title = title.split_whitespace().collect::<Vec<_>>().join(" ");
    if title.is_empty() {
        return Err(Error::Usage {
            message: "the note needs a title (try: medkb note new \"Zolpidem\")".into(),
        });
    }
    let id = match id {
        Some(id) => id.to_string(),
        None => id_from_title(&title).ok_or_else(|| Error::Usage {
            message: format!("cannot make an id from the title '{title}' (give one with --id)"),
        })?,
    };
    if !id
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
        || id.starts_with('.')
    {
        return Err(Error::Usage {
            message: format!("id '{id}' must use only letters, digits, '-', '_' and '.'"),
        });
    }
    let corpus_name = corpus.dir().file_name().map_or_else(
        || "corpus".into(),
        |name| name.to_string_lossy().into_owned(),
    );
    let rel = format!("{corpus_name}/notes/{id}.md");
    if let Some(doc) = load_documents(&corpus)?.iter().find(|doc| doc.id == id) {
        return Err(Error::Exists {
            path: PathBuf::from(&doc.path),
            what: format!("already holds id '{id}' (edit it, or choose another id with --id)"),
        });
    }
    let notes_dir = corpus.dir().join("notes");
    let path = notes_dir.join(format!("{id}.md"));
    if path.exists() {
        return Err(Error::Exists {
            path: PathBuf::from(&rel),
            what: "already exists (edit it, or choose another id with --id)".into(),
        });
    }
    fs::create_dir_all(&notes_dir).map_err(|err| Error::write(&notes_dir, err))?;
    let text = format!(
        "---\nid: {}\ntitle: {}\nkind: note\naliases: []\ntags: []\ndrugs: []\nsources: []\n---\n\n{NOTE_BODY}",
        yaml_scalar(&id),
        yaml_scalar(&title),
    );
    // create_new: a file that appeared meanwhile is not overwritten either.
    let written = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&path)
        .and_then(|mut file| file.write_all(text.as_bytes()));
    match written {
        Ok(()) => Ok((path, rel)),
        Err(err) if err.kind() == std::io::ErrorKind::AlreadyExists => Err(Error::Exists {
            path: PathBuf::from(&rel),
            what: "already exists (edit it, or choose another id with --id)".into(),
        }),
        Err(err) => Err(Error::write(&path, err)),
    }
}

/// The body of a new note: the sections the corpus's notes have.
const NOTE_BODY: &str = "\
## What it is

Say what it is, citing the articles it draws on with a link after each
claim, as `([Article title](../articles/<id>.md))`, and list their ids in
`sources` above. Add brand names and abbreviations to `aliases`, topic words
to `tags` (`drug` for a note about one drug) and the generic names to `drugs`.

## Notes on the sources

Say where an article is wrong or unclear.

This note is not medical advice; talk to a doctor or pharmacist about your own treatment.
";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yaml_values_read_back_as_written() {
        for title in [
            "Clonazepam for Sleep: Is It Right for You?",
            "Plain title",
            "- starts with a dash",
            "\"quoted\" and \\ backslash",
            "yes",
            "2024 review",
            "#hashtag",
            "a # comment?",
            "tab\there",
            "[bracketed]",
        ] {
            let article = Article {
                id: "x".into(),
                title: title.into(),
                source: "https://example.org/a?b=c#d".into(),
                drugs: vec!["clonazepam".into(), "odd, name".into()],
                body: "Body.".into(),
            };
            let text = article_file(&article);
            let (meta, body, _) = frontmatter::split(&text).unwrap();
            assert_eq!(meta.title.as_deref(), Some(title), "{text}");
            assert_eq!(meta.kind, Some(Kind::Article));
            assert_eq!(meta.drugs, vec!["clonazepam", "odd, name"]);
            assert_eq!(meta.source.as_deref(), Some("https://example.org/a?b=c#d"));
            assert_eq!(body.trim(), "Body.");
        }
    }

    #[test]
    fn front_matter_matches_the_corpus_layout() {
        let article = Article {
            id: "clonazepam-for-sleep".into(),
            title: "Clonazepam for Sleep: Is It Right for You?".into(),
            source: "page.html".into(),
            drugs: vec!["clonazepam".into()],
            body: "Text.".into(),
        };
        assert_eq!(
            article_file(&article),
            "---\nid: clonazepam-for-sleep\ntitle: \"Clonazepam for Sleep: Is It Right for You?\"\nkind: article\ndrugs: [clonazepam]\nsource: page.html\n---\n\nText.\n"
        );
    }

    #[test]
    fn a_web_page_loses_its_surroundings() {
        let html = r#"<!DOCTYPE html><html><head><title>Quokka facts | Example Site</title>
            <style>p { color: red }</style><script>var x = "<p>not text</p>";</script></head>
            <body><header class="site-header"><a href="/">Home</a><h1 class="logo">Example Site</h1></header>
            <nav><ul><li>Menu item</li></ul></nav>
            <article><h1>Quokka facts &amp; figures</h1>
            <p>Quokkas are small&nbsp;marsupials &mdash; &#8220;happy&#8221; ones.</p>
            <!-- a comment -->
            <h2>Diet</h2><ul><li>Leaves</li><li>Grass &lt;fresh&gt;</li></ul>
            <p>Line one<br>line two</p>
            <div class="share-buttons"><p>Share on Facebook</p></div>
            <p>Share this:</p>
            </article>
            <section id="comments"><h3>3 comments</h3><p>Great post!</p>
            <form><label>Comment</label><textarea>typed</textarea><button>Post Comment</button></form></section>
            <aside><p>Related posts</p></aside><footer><p>© 2024 Example</p></footer></body></html>"#;
        let page = html_to_markdown(html);
        assert_eq!(page.title.as_deref(), Some("Quokka facts & figures"));
        assert_eq!(
            page.body,
            "Quokkas are small marsupials — “happy” ones.\n\n## Diet\n\n- Leaves\n\n- Grass <fresh>\n\nLine one\nline two"
        );
    }

    #[test]
    fn the_title_tag_serves_when_there_is_no_h1() {
        let page = html_to_markdown("<title>Baclofen leaflet | Pharmacy</title><p>Text.</p>");
        assert_eq!(page.title.as_deref(), Some("Baclofen leaflet"));
        assert_eq!(page.body, "Text.");
    }

    #[test]
    fn text_that_looks_like_markdown_stays_text() {
        assert_eq!(escape_block_start("# of patients"), "\\# of patients");
        assert_eq!(escape_block_start("1. first"), "\\1. first");
        assert_eq!(escape_block_start("Plain."), "Plain.");
        assert_eq!(escape_block_start("2024 was"), "2024 was");
    }

    #[test]
    fn ids_come_from_titles() {
        assert_eq!(
            id_from_title("Clonazepam for Sleep: Is It Right for You?").as_deref(),
            Some("clonazepam-for-sleep-is-it-right-for-you")
        );
        assert_eq!(id_from_title("Ελληνικά"), None);
        let long = id_from_title(&"word ".repeat(40)).unwrap();
        assert!(long.len() <= MAX_ID_BYTES && !long.ends_with('-'), "{long}");
    }
}
