//! Results → text for a person at a terminal, JSON for scripts, HTML for the
//! web. Renderers see plain text and byte ranges only, and write to any
//! `Write`; whether to use colour is decided once, by the caller.
//!
//! Corpus text is never trusted: the terminal renderer drops control
//! characters (a note cannot send escape sequences to your terminal), and
//! the HTML renderer escapes every piece of it and passes the result
//! through ammonia.

use std::io::{self, Write};
use std::ops::Range;

use anstyle::{AnsiColor, Style};
use serde::Serialize;

use crate::doc::{Doc, Kind};
use crate::related::Related;
use crate::search::{Explanation, Hit, SearchResults};
use crate::snippet::Excerpt;

/// Column at which snippets wrap in terminal output.
const WRAP_COLUMN: usize = 88;
const INDENT: &str = "    ";

const MATCH: Style = Style::new()
    .bold()
    .fg_color(Some(anstyle::Color::Ansi(AnsiColor::Yellow)));
const TITLE: Style = Style::new().bold();
const DIM: Style = Style::new().dimmed();
const ERROR: Style = Style::new()
    .bold()
    .fg_color(Some(anstyle::Color::Ansi(AnsiColor::Red)));
const WARNING: Style = Style::new().fg_color(Some(anstyle::Color::Ansi(AnsiColor::Yellow)));

/// The output format for search results.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Human,
    Json,
    Html,
}

/// Terminal output, coloured or not.
#[derive(Debug, Clone, Copy)]
pub struct Human {
    pub color: bool,
}

impl Human {
    fn paint(&self, out: &mut dyn Write, style: Style, text: &str) -> io::Result<()> {
        let text = terminal_safe(text);
        if self.color {
            write!(out, "{style}{text}{style:#}")
        } else {
            out.write_all(text.as_bytes())
        }
    }

    pub fn results(&self, out: &mut dyn Write, results: &SearchResults) -> io::Result<()> {
        self.suggestion(out, results)?;
        for (rank, hit) in results.hits.iter().enumerate() {
            if rank > 0 {
                writeln!(out)?;
            }
            self.hit(out, rank + 1, hit)?;
        }
        if !results.hits.is_empty() {
            writeln!(out)?;
            let shown = results.hits.len();
            let noun = if results.total == 1 {
                "document"
            } else {
                "documents"
            };
            let summary = format!("{shown} of {} matching {noun}", results.total);
            self.paint(out, DIM, &summary)?;
            writeln!(out)?;
        }
        if let Some(facets) = &results.facets {
            for (name, counts) in [
                ("drug", &facets.drug),
                ("kind", &facets.kind),
                ("tag", &facets.tag),
            ] {
                let mut counts: Vec<_> = counts.iter().collect();
                counts.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
                let listed: Vec<String> = counts
                    .iter()
                    .map(|(value, n)| format!("{value} ({n})"))
                    .collect();
                let line = format!(
                    "{name}: {}",
                    if listed.is_empty() {
                        "-".into()
                    } else {
                        listed.join(", ")
                    }
                );
                writeln!(out, "{}", terminal_safe(&line))?;
            }
        }
        Ok(())
    }

    fn hit(&self, out: &mut dyn Write, rank: usize, hit: &Hit) -> io::Result<()> {
        write!(out, "{rank:>2}. ")?;
        self.paint(out, TITLE, &hit.doc.title)?;
        write!(out, "  ")?;
        self.paint(out, DIM, &format!("{} · {:.2}", hit.doc.kind, hit.score))?;
        writeln!(out)?;
        write!(out, "{INDENT}")?;
        self.paint(out, DIM, &hit.doc.path)?;
        writeln!(out)?;
        for passage in &hit.passages {
            if let Some(section) = &passage.section {
                write!(out, "{INDENT}")?;
                self.paint(out, DIM, &format!("§ {section}"))?;
                writeln!(out)?;
            }
            self.excerpt(out, passage)?;
        }
        if let Some(explanation) = &hit.explanation {
            self.explanation(out, explanation)?;
        }
        Ok(())
    }

    /// Writes the documents related to `doc`, each with its reasons.
    pub fn related(&self, out: &mut dyn Write, doc: &Doc, related: &[Related]) -> io::Result<()> {
        self.paint(
            out,
            DIM,
            &format!("Related to {} ({}):", doc.title, doc.kind),
        )?;
        writeln!(out)?;
        if related.is_empty() {
            writeln!(out, "No related documents.")?;
        }
        for (rank, entry) in related.iter().enumerate() {
            write!(out, "{:>2}. ", rank + 1)?;
            self.paint(out, TITLE, &entry.doc.title)?;
            write!(out, "  ")?;
            self.paint(out, DIM, &format!("{} · {}", entry.doc.kind, entry.doc.id))?;
            writeln!(out)?;
            writeln!(out, "{INDENT}{}", terminal_safe(&entry.reasons.join("; ")))?;
        }
        Ok(())
    }

    /// Writes why a hit scored what it did, one searched word per line.
    fn explanation(&self, out: &mut dyn Write, why: &Explanation) -> io::Result<()> {
        let source = if why.passage >= why.names {
            "best passage"
        } else {
            "title or alias"
        };
        let mut summary = format!(
            "why: {:.2} words in title, aliases and body + {:.2} {source}",
            why.text, why.bonus
        );
        if let Some(citing) = &why.cited_by {
            summary.push_str(&format!(" + {:.2} cited by {citing}", why.cited));
        }
        write!(out, "{INDENT}")?;
        self.paint(out, DIM, &summary)?;
        writeln!(out)?;
        for part in &why.matches {
            let mut line = format!(
                "{INDENT}  {:>6.2}  {} in {}",
                part.score, part.terms, part.field
            );
            if let Some(via) = &part.via {
                line.push_str(&format!(" ({via})"));
            }
            self.paint(out, DIM, &line)?;
            writeln!(out)?;
        }
        Ok(())
    }

    /// Writes an excerpt wrapped at [`WRAP_COLUMN`], highlights in colour.
    fn excerpt(&self, out: &mut dyn Write, excerpt: &Excerpt) -> io::Result<()> {
        // Composed whole, then written once, not a formatted write per word.
        let text = &excerpt.text;
        let mut lines = Vec::with_capacity(text.len() + 64);
        let mut column = INDENT.len();
        lines.extend_from_slice(INDENT.as_bytes());
        let mut first = true;
        for word in words(text) {
            let width = text[word.clone()].chars().count();
            if !first {
                if column + 1 + width > WRAP_COLUMN {
                    lines.push(b'\n');
                    lines.extend_from_slice(INDENT.as_bytes());
                    column = INDENT.len();
                } else {
                    lines.push(b' ');
                    column += 1;
                }
            }
            first = false;
            self.highlighted(&mut lines, text, word, &excerpt.highlights)?;
            column += width;
        }
        lines.push(b'\n');
        out.write_all(&lines)
    }

    /// Writes `text[range]`, painting the parts that fall in `highlights`.
    fn highlighted(
        &self,
        out: &mut dyn Write,
        text: &str,
        range: Range<usize>,
        highlights: &[Range<usize>],
    ) -> io::Result<()> {
        let mut at = range.start;
        for mark in highlights
            .iter()
            .filter(|mark| mark.start < range.end && mark.end > range.start)
        {
            let start = mark.start.max(at);
            let end = mark.end.min(range.end);
            out.write_all(terminal_safe(&text[at..start]).as_bytes())?;
            self.paint(out, MATCH, &text[start..end])?;
            at = end;
        }
        out.write_all(terminal_safe(&text[at..range.end]).as_bytes())
    }

    fn suggestion(&self, out: &mut dyn Write, results: &SearchResults) -> io::Result<()> {
        if let Some(suggestion) = &results.suggestion {
            write!(out, "Did you mean: ")?;
            self.paint(out, TITLE, suggestion)?;
            writeln!(out, "? (showing results for it)\n")?;
        }
        Ok(())
    }

    pub fn no_results(&self, out: &mut dyn Write, results: &SearchResults) -> io::Result<()> {
        self.suggestion(out, results)?;
        if results.nothing_searchable {
            writeln!(
                out,
                "Nothing to search for in \"{}\": it has only very common words or punctuation.",
                terminal_safe(&results.query)
            )
        } else {
            writeln!(
                out,
                "No documents match \"{}\". Try fewer or other words, or 'medkb list' to see what there is.",
                terminal_safe(&results.query)
            )
        }
    }

    pub fn document(&self, out: &mut dyn Write, doc: &Doc) -> io::Result<()> {
        self.paint(out, TITLE, &doc.title)?;
        writeln!(out)?;
        self.paint(
            out,
            DIM,
            &format!("{} · {} · {}", doc.id, doc.kind, doc.path),
        )?;
        writeln!(out)?;
        let lists = [
            ("Also known as", &doc.aliases),
            ("Drugs", &doc.drugs),
            ("Tags", &doc.tags),
            ("Sources", &doc.sources),
        ];
        for (label, items) in lists {
            if !items.is_empty() {
                writeln!(out, "{label}: {}", terminal_safe(&items.join(", ")))?;
            }
        }
        if let Some(source) = &doc.source {
            writeln!(out, "Original file: {}", terminal_safe(source))?;
        }
        for block in doc.body.split("\n\n") {
            writeln!(out)?;
            if block.starts_with('#') {
                self.paint(out, TITLE, block.trim_start_matches('#').trim())?;
                writeln!(out)?;
            } else {
                for line in block.lines() {
                    writeln!(out, "{}", terminal_safe(line))?;
                }
            }
        }
        Ok(())
    }

    /// The findings of `medkb check`, one a line as `path:line: severity[rule]:
    /// message`, then a summary. Findings a file allows are listed only
    /// with `all`.
    pub fn check_report(
        &self,
        out: &mut dyn Write,
        report: &crate::check::Report,
        all: bool,
    ) -> io::Result<()> {
        use crate::check::Severity;
        for found in &report.findings {
            if found.allowed && !all {
                continue;
            }
            match found.line {
                Some(line) => write!(out, "{}:{line}: ", terminal_safe(&found.path))?,
                None => write!(out, "{}: ", terminal_safe(&found.path))?,
            }
            let style = match (found.allowed, found.severity) {
                (true, _) => DIM,
                (false, Severity::Error) => ERROR,
                (false, Severity::Warning) => WARNING,
            };
            self.paint(out, style, &found.severity.to_string())?;
            write!(out, "[{}]: {}", found.rule, terminal_safe(&found.message))?;
            if found.allowed {
                write!(out, " (allowed by check-allow)")?;
            }
            writeln!(out)?;
        }
        let plural = |count: usize, noun: &str| match count {
            1 => format!("1 {noun}"),
            n => format!("{n} {noun}s"),
        };
        let mut summary = format!(
            "checked {}: {}, {}",
            plural(report.files, "file"),
            plural(report.errors, "error"),
            plural(report.warnings, "warning")
        );
        if report.allowed > 0 {
            summary.push_str(&format!(", {} allowed by check-allow", report.allowed));
            if !all {
                summary.push_str(" (--all lists them)");
            }
        }
        self.paint(out, DIM, &summary)?;
        writeln!(out)
    }

    pub fn list(&self, out: &mut dyn Write, docs: &[Doc]) -> io::Result<()> {
        let width = docs
            .iter()
            .map(|doc| doc.id.chars().count())
            .max()
            .unwrap_or(0);
        for doc in docs {
            let id = terminal_safe(&doc.id);
            write!(out, "{id:<width$}  {:<7}  ", doc.kind)?;
            writeln!(out, "{}", terminal_safe(&doc.title))?;
        }
        Ok(())
    }
}

/// Byte ranges of the space-separated words of `text`.
fn words(text: &str) -> impl Iterator<Item = Range<usize>> + '_ {
    let mut at = 0;
    text.split(' ').filter_map(move |word| {
        let range = at..at + word.len();
        at += word.len() + 1;
        (!word.is_empty()).then_some(range)
    })
}

/// Text with every control character (C0, DEL, C1) except line breaks
/// removed, so corpus text cannot move the cursor or recolour the terminal.
pub fn terminal_safe(text: &str) -> std::borrow::Cow<'_, str> {
    if has_control(text) {
        text.chars()
            .filter(|&c| !c.is_control() || c == '\n')
            .collect::<String>()
            .into()
    } else {
        text.into()
    }
}

/// Whether `text` holds a control character other than a line break,
/// found by its bytes, as every excerpt printed is checked: C0 and DEL are
/// single bytes, and C1 (U+0080 to U+009F) is 0xC2 then 0x80 to 0x9F.
fn has_control(text: &str) -> bool {
    let bytes = text.as_bytes();
    bytes.iter().enumerate().any(|(at, &byte)| {
        (byte < 0x20 && byte != b'\n')
            || byte == 0x7f
            || (byte == 0xc2
                && bytes
                    .get(at + 1)
                    .is_some_and(|next| (0x80..0xa0).contains(next)))
    })
}

/// The JSON document `medkb search --json` prints; its schema is in the README.
#[derive(Debug, Serialize)]
pub struct JsonResults<'a> {
    pub query: &'a str,
    /// The corrected question that was searched, when words were misspelt.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub suggestion: Option<&'a str>,
    pub total: usize,
    pub hits: Vec<JsonHit<'a>>,
    /// With `--facets`: per drug, kind and tag, the number of matching documents.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub facets: Option<&'a crate::search::Facets>,
}

#[derive(Debug, Serialize)]
pub struct JsonHit<'a> {
    pub id: &'a str,
    pub kind: Kind,
    pub title: &'a str,
    pub path: &'a str,
    pub score: f32,
    pub snippet: &'a str,
    pub highlights: Vec<[usize; 2]>,
    pub section: Option<&'a str>,
    pub passages: Vec<JsonPassage<'a>>,
    pub aliases: &'a [String],
    pub tags: &'a [String],
    pub drugs: &'a [String],
    /// With `--explain`: how the score was made.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub explanation: Option<&'a Explanation>,
}

#[derive(Debug, Serialize)]
pub struct JsonPassage<'a> {
    pub text: &'a str,
    pub highlights: Vec<[usize; 2]>,
    pub section: Option<&'a str>,
}

fn pairs(ranges: &[Range<usize>]) -> Vec<[usize; 2]> {
    ranges
        .iter()
        .map(|range| [range.start, range.end])
        .collect()
}

impl<'a> JsonResults<'a> {
    pub fn new(results: &'a SearchResults) -> JsonResults<'a> {
        let hits = results
            .hits
            .iter()
            .map(|hit| {
                let best = hit.passages.first();
                JsonHit {
                    id: &hit.doc.id,
                    kind: hit.doc.kind,
                    title: &hit.doc.title,
                    path: &hit.doc.path,
                    score: hit.score,
                    snippet: best.map_or("", |excerpt| excerpt.text.as_str()),
                    highlights: best
                        .map(|excerpt| pairs(&excerpt.highlights))
                        .unwrap_or_default(),
                    section: best.and_then(|excerpt| excerpt.section.as_deref()),
                    passages: hit
                        .passages
                        .iter()
                        .map(|excerpt| JsonPassage {
                            text: &excerpt.text,
                            highlights: pairs(&excerpt.highlights),
                            section: excerpt.section.as_deref(),
                        })
                        .collect(),
                    aliases: &hit.doc.aliases,
                    tags: &hit.doc.tags,
                    drugs: &hit.doc.drugs,
                    explanation: hit.explanation.as_ref(),
                }
            })
            .collect();
        JsonResults {
            query: &results.query,
            suggestion: results.suggestion.as_deref(),
            total: results.total,
            hits,
            facets: results.facets.as_ref(),
        }
    }
}

/// The JSON document `medkb related --json` prints.
#[derive(Debug, Serialize)]
pub struct JsonRelated<'a> {
    pub id: &'a str,
    pub title: &'a str,
    pub related: Vec<JsonRelatedDoc<'a>>,
}

#[derive(Debug, Serialize)]
pub struct JsonRelatedDoc<'a> {
    pub id: &'a str,
    pub kind: Kind,
    pub title: &'a str,
    pub path: &'a str,
    pub score: f32,
    pub reasons: &'a [String],
}

impl<'a> JsonRelated<'a> {
    pub fn new(doc: &'a Doc, related: &'a [Related]) -> JsonRelated<'a> {
        JsonRelated {
            id: &doc.id,
            title: &doc.title,
            related: related
                .iter()
                .map(|entry| JsonRelatedDoc {
                    id: &entry.doc.id,
                    kind: entry.doc.kind,
                    title: &entry.doc.title,
                    path: &entry.doc.path,
                    score: entry.score,
                    reasons: &entry.reasons,
                })
                .collect(),
        }
    }
}

/// Writes `value` as one line of JSON.
pub fn json<T: Serialize>(out: &mut dyn Write, value: &T) -> io::Result<()> {
    serde_json::to_writer(&mut *out, value)?;
    writeln!(out)
}

/// The disclaimer every page carries.
pub const NOT_MEDICAL_ADVICE: &str =
    "medkb collects articles and notes about medications for reading and \
research. It is not medical advice: talk to a doctor or pharmacist about your own treatment.";

/// Search results as a whole HTML page.
pub fn html_page(out: &mut dyn Write, results: &SearchResults) -> io::Result<()> {
    let query = escape_html(&results.query);
    let body = ammonia_clean(&html_results(results));
    write!(
        out,
        "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\n\
<title>medkb: {query}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n\
<p class=\"disclaimer\">{NOT_MEDICAL_ADVICE}</p>\n<h1>Results for “{query}”</h1>\n{body}\n</body>\n</html>\n"
    )
}

const STYLE: &str = "body{font-family:system-ui,sans-serif;max-width:46rem;margin:1rem auto;padding:0 1rem;\
line-height:1.5}mark{background:#ffe58a;padding:0 .1em}.meta,.section{color:#555;font-size:.9em;margin:0}\
.disclaimer{background:#f3f3f3;padding:.5rem;font-size:.9em}h2{font-size:1.1em;margin-bottom:0}";

/// The results list, built from escaped text only.
fn html_results(results: &SearchResults) -> String {
    let mut html = String::new();
    if results.hits.is_empty() {
        html.push_str("<p class=\"summary\">No documents match.</p>");
        return html;
    }
    html.push_str(&format!(
        "<p class=\"summary\">{} of {} matching documents</p>\n<ol class=\"results\">\n",
        results.hits.len(),
        results.total
    ));
    for hit in &results.hits {
        html.push_str(&format!(
            "<li><h2>{}</h2>\n<p class=\"meta\">{} · <code>{}</code> · {:.2}</p>\n",
            escape_html(&hit.doc.title),
            hit.doc.kind,
            escape_html(&hit.doc.path),
            hit.score
        ));
        for passage in &hit.passages {
            if let Some(section) = &passage.section {
                html.push_str(&format!(
                    "<p class=\"section\">§ {}</p>\n",
                    escape_html(section)
                ));
            }
            html.push_str("<p class=\"snippet\">");
            html.push_str(&html_highlighted(&passage.text, &passage.highlights));
            html.push_str("</p>\n");
        }
        html.push_str("</li>\n");
    }
    html.push_str("</ol>");
    html
}

/// `text` escaped, with the byte ranges `highlights` wrapped in `<mark>`.
pub fn html_highlighted(text: &str, highlights: &[Range<usize>]) -> String {
    let mut html = String::new();
    let mut at = 0;
    for mark in highlights {
        html.push_str(&escape_html(&text[at..mark.start]));
        html.push_str("<mark>");
        html.push_str(&escape_html(&text[mark.clone()]));
        html.push_str("</mark>");
        at = mark.end;
    }
    html.push_str(&escape_html(&text[at..]));
    html
}

/// Escapes text for HTML element content and quoted attribute values.
pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// ammonia with the few tags and the class attribute medkb's markup uses.
pub fn ammonia_clean(html: &str) -> String {
    sanitizer().clean(html).to_string()
}

/// The ammonia settings of [`ammonia_clean`], for a page that needs a few
/// more tags of its own (`medkb serve`).
pub fn sanitizer() -> ammonia::Builder<'static> {
    let mut builder = ammonia::Builder::empty();
    builder
        .add_tags(["ol", "li", "h2", "p", "code", "mark", "span"])
        .add_generic_attributes(["class"]);
    builder
}

/// An evaluation report as a table, then the questions that fall short.
pub fn eval_report(out: &mut dyn Write, report: &crate::eval::Report) -> io::Result<()> {
    let row = |out: &mut dyn Write, name: &str, f: &crate::eval::Figures| {
        writeln!(
            out,
            "{:<16} {:>7.3} {:>8.3} {:>7.3} {:>10.3}",
            name, f.ndcg_at_3, f.ndcg_at_10, f.mrr, f.recall_at_10
        )
    };
    writeln!(
        out,
        "{:<16} {:>7} {:>8} {:>7} {:>10}",
        "", "nDCG@3", "nDCG@10", "MRR", "recall@10"
    )?;
    row(out, &format!("all ({})", report.questions), &report.overall)?;
    for (category, figures) in &report.categories {
        row(out, category, figures)?;
    }
    let short: Vec<_> = report
        .queries
        .iter()
        .filter(|q| q.figures.ndcg_at_3 < 0.999 || q.figures.mrr < 0.999)
        .collect();
    if !short.is_empty() {
        writeln!(out, "\nQuestions that fall short ({}):", short.len())?;
        for query in short {
            let top: Vec<&str> = query.ranked.iter().take(3).map(String::as_str).collect();
            writeln!(
                out,
                "  {:<40} nDCG@3 {:.3}  MRR {:.3}  top: {}",
                terminal_safe(&query.query),
                query.figures.ndcg_at_3,
                query.figures.mrr,
                top.join(", ")
            )?;
        }
    }
    Ok(())
}

/// Writes medkb's figures beside another engine's on the same questions,
/// then every question on which medkb does worse.
pub fn eval_comparison(
    out: &mut dyn Write,
    ours: &crate::eval::Report,
    theirs: &crate::eval::Report,
) -> io::Result<()> {
    let row =
        |out: &mut dyn Write, name: &str, a: &crate::eval::Figures, b: &crate::eval::Figures| {
            writeln!(
                out,
                "{:<16} {:>6.3} {:>6.3}  {:>6.3} {:>6.3}  {:>6.3} {:>6.3}  {:>6.3} {:>6.3}",
                name,
                a.ndcg_at_3,
                b.ndcg_at_3,
                a.ndcg_at_10,
                b.ndcg_at_10,
                a.mrr,
                b.mrr,
                a.recall_at_10,
                b.recall_at_10
            )
        };
    writeln!(
        out,
        "{:<16} {:>13}  {:>13}  {:>13}  {:>13}",
        "", "nDCG@3", "nDCG@10", "MRR", "recall@10"
    )?;
    writeln!(out, "{:<16} {}", "", ["medkb  other"; 4].join("   "))?;
    row(
        out,
        &format!("all ({})", ours.questions),
        &ours.overall,
        &theirs.overall,
    )?;
    for (category, figures) in &ours.categories {
        let other = theirs.categories.get(category).copied().unwrap_or_default();
        row(out, category, figures, &other)?;
    }
    let worse = crate::eval::worse(ours, theirs);
    writeln!(out, "\nQuestions where medkb ranks worse: {}", worse.len())?;
    for (query, a, b) in worse {
        writeln!(
            out,
            "  {:<40} nDCG@3 {:.3} vs {:.3}  nDCG@10 {:.3} vs {:.3}  MRR {:.3} vs {:.3}",
            terminal_safe(query),
            a.ndcg_at_3,
            b.ndcg_at_3,
            a.ndcg_at_10,
            b.ndcg_at_10,
            a.mrr,
            b.mrr
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::{has_control, terminal_safe};

    #[test]
    fn control_characters_are_found_by_their_bytes_as_by_their_chars() {
        let by_chars = |text: &str| text.chars().any(|c| c.is_control() && c != '\n');
        let mut samples: Vec<String> = ["", "plain text\n", "é à ü", "naïve\u{a0}space", "€ 中文"]
            .map(String::from)
            .to_vec();
        // Every C0, DEL and C1 character, and their neighbours, alone and in text.
        for code in (0..0x30).chain(0x70..0x100).chain([0x2028, 0xfeff]) {
            let c = char::from_u32(code).unwrap();
            samples.push(c.to_string());
            samples.push(format!("a{c}é"));
        }
        for text in &samples {
            assert_eq!(has_control(text), by_chars(text), "{text:?}");
        }
        assert_eq!(terminal_safe("a\u{1b}[31mb\u{9b}c\nd"), "a[31mbc\nd");
    }
}
