//! `medkb check`: the corpus → findings a curator should act on, each with
//! its file, line, severity and rule.
//!
//! The index takes whatever it can read; the check says what a careful
//! curator would not have let in: ids used twice, citations of documents
//! that do not exist, notes without sources, a brand name claimed by two
//! drugs, empty documents, text an article spinner or a web page left behind,
//! and synonyms that can never match. A file may be a deliberate exception
//! to a rule: `check-allow: [spun-text]` in its front matter keeps the
//! finding out of the counts (it is still listed by `--all` and in JSON).

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::fs;
use std::path::Path;

use serde::Serialize;

use crate::analysis;
use crate::corpus::{self, Corpus, SourceFile};
use crate::doc::{Doc, Kind};
use crate::error::Result;
use crate::frontmatter;
use crate::synonyms::{self, Occurrences};

/// How much a finding matters: errors fail the check, warnings do not
/// (unless `--strict`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        })
    }
}

/// A rule of the check: its name (as `check-allow` and JSON give it), its
/// severity, and what it finds.
#[derive(Debug, Clone, Copy)]
pub struct Rule {
    pub name: &'static str,
    pub severity: Severity,
    pub finds: &'static str,
}

const fn rule(name: &'static str, severity: Severity, finds: &'static str) -> Rule {
    Rule {
        name,
        severity,
        finds,
    }
}

const UNREADABLE: Rule = rule(
    "unreadable",
    Severity::Error,
    "a file the index skips: not UTF-8, binary, bad front matter",
);
const DUPLICATE_ID: Rule = rule("duplicate-id", Severity::Error, "an id used by two files");
const UNKNOWN_SOURCE: Rule = rule(
    "unknown-source",
    Severity::Error,
    "a 'sources' id that no document has",
);
const BROKEN_LINK: Rule = rule(
    "broken-link",
    Severity::Error,
    "a link to a file that does not exist",
);
const NO_SOURCES: Rule = rule(
    "no-sources",
    Severity::Error,
    "a note that cites no article in 'sources'",
);
const ALIAS_CONFLICT: Rule = rule(
    "alias-conflict",
    Severity::Error,
    "a title or alias claimed by two drug notes",
);
const EMPTY_BODY: Rule = rule("empty-body", Severity::Error, "a document without text");
const SPUN_TEXT: Rule = rule(
    "spun-text",
    Severity::Error,
    "unresolved spinner alternatives: 'a/represents/functions as'",
);
const WEB_CHROME: Rule = rule(
    "web-chrome",
    Severity::Error,
    "web page leftovers: 'Leave a comment', 'Share this', cookies",
);
const BAD_SYNONYM: Rule = rule(
    "bad-synonym",
    Severity::Error,
    "a line of the synonyms file that cannot be used",
);
const DEAD_SYNONYM: Rule = rule(
    "dead-synonym",
    Severity::Warning,
    "a synonyms line that no document can match",
);
const UNKNOWN_RULE: Rule = rule(
    "unknown-rule",
    Severity::Error,
    "'check-allow' names a rule that does not exist",
);

/// Every rule, in the order `medkb check --help` and the README list them.
pub const RULES: [Rule; 12] = [
    UNREADABLE,
    DUPLICATE_ID,
    UNKNOWN_SOURCE,
    BROKEN_LINK,
    NO_SOURCES,
    ALIAS_CONFLICT,
    EMPTY_BODY,
    SPUN_TEXT,
    WEB_CHROME,
    BAD_SYNONYM,
    DEAD_SYNONYM,
    UNKNOWN_RULE,
];

/// One thing the check found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// The file, relative to the knowledge base root (`corpus/notes/x.md`).
    pub path: String,
    /// 1-based line, when the finding has one.
    pub line: Option<usize>,
    pub severity: Severity,
    pub rule: &'static str,
    pub message: String,
    /// The file's front matter lists the rule in `check-allow`.
    pub allowed: bool,
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}:{line}: ", self.path)?,
            None => write!(f, "{}: ", self.path)?,
        }
        write!(f, "{}[{}]: {}", self.severity, self.rule, self.message)
    }
}

/// What the check found in a corpus.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// Document files read (readable or not).
    pub files: usize,
    /// Findings of severity error that are not allowed.
    pub errors: usize,
    /// Findings of severity warning that are not allowed.
    pub warnings: usize,
    /// Findings the files' `check-allow` lists.
    pub allowed: usize,
    /// Every finding, allowed or not, by path and line.
    pub findings: Vec<Finding>,
}

/// A readable corpus file and what the line rules need of it.
struct Checked {
    file: SourceFile,
    doc: Doc,
    text: String,
    /// The line where the body starts (after the front matter, or after
    /// the title line of a `.txt` file).
    body_line: usize,
}

/// Checks the corpus at `dir`.
pub fn check(dir: &Path) -> Result<Report> {
    let corpus = Corpus::open(dir)?;
    let scan = corpus.scan()?;
    let corpus_name = corpus.dir().file_name().map_or_else(
        || "corpus".into(),
        |name| name.to_string_lossy().into_owned(),
    );
    let mut findings = Vec::new();
    let mut allows: HashMap<String, Vec<String>> = HashMap::new();
    for skipped in &scan.skipped {
        findings.push(finding(
            UNREADABLE,
            &skipped.path,
            skipped.line,
            format!("not indexed: {}", skipped.reason),
        ));
    }

    let mut checked = Vec::new();
    let mut first_with_id: HashMap<String, String> = HashMap::new();
    for file in &scan.files {
        let doc = match corpus::load(file) {
            Ok(doc) => doc,
            Err(skipped) => {
                findings.push(finding(
                    UNREADABLE,
                    &skipped.path,
                    skipped.line,
                    format!("not indexed: {}", skipped.reason),
                ));
                continue;
            }
        };
        // The file was just read as UTF-8; if it changed since, check what
        // is there now as well as possible.
        let text = fs::read_to_string(&file.path).unwrap_or_default();
        let text = text.strip_prefix('\u{feff}').unwrap_or(&text).to_string();
        let is_text_file = file.rel.to_ascii_lowercase().ends_with(".txt");
        let (body_line, allow) = if is_text_file {
            (2, Vec::new())
        } else {
            match frontmatter::split(&text) {
                Ok((meta, _, body_line)) => (body_line, meta.check_allow),
                Err(_) => (1, Vec::new()),
            }
        };
        for name in &allow {
            if !RULES.iter().any(|rule| rule.name == name) {
                let names: Vec<_> = RULES.iter().map(|rule| rule.name).collect();
                findings.push(finding(
                    UNKNOWN_RULE,
                    &file.rel,
                    key_line(&text, "check-allow"),
                    format!(
                        "check-allow names '{name}', which is not a rule (rules: {})",
                        names.join(", ")
                    ),
                ));
            }
        }
        allows.insert(file.rel.clone(), allow);
        if let Some(first) = first_with_id.get(&doc.id) {
            findings.push(finding(
                DUPLICATE_ID,
                &file.rel,
                key_line(&text, "id").or(Some(1)),
                format!(
                    "id '{}' is already used by {first}; the index skips this file (rename one)",
                    doc.id
                ),
            ));
            continue;
        }
        first_with_id.insert(doc.id.clone(), file.rel.clone());
        checked.push(Checked {
            file: file.clone(),
            doc,
            text,
            body_line,
        });
    }

    let ids: HashSet<&str> = checked.iter().map(|c| c.doc.id.as_str()).collect();
    for entry in &checked {
        check_document(entry, &ids, &mut findings);
    }
    check_drug_names(&checked, &mut findings);
    let synonyms_path = corpus.dir().join(corpus::SYNONYMS_FILE);
    let synonyms_rel = format!("{corpus_name}/{}", corpus::SYNONYMS_FILE);
    check_synonyms(&synonyms_path, &synonyms_rel, &checked, &mut findings);

    for found in &mut findings {
        found.allowed = allows
            .get(&found.path)
            .is_some_and(|allow| allow.iter().any(|name| name == found.rule))
            && found.rule != UNKNOWN_RULE.name;
    }
    findings.sort_by(|a, b| (&a.path, a.line).cmp(&(&b.path, b.line)));
    let count = |severity| {
        findings
            .iter()
            .filter(|found| !found.allowed && found.severity == severity)
            .count()
    };
    Ok(Report {
        files: scan.files.len() + scan.skipped.len(),
        errors: count(Severity::Error),
        warnings: count(Severity::Warning),
        allowed: findings.iter().filter(|found| found.allowed).count(),
        findings,
    })
}

fn finding(rule: Rule, path: &str, line: Option<usize>, message: String) -> Finding {
    Finding {
        path: path.to_string(),
        line,
        severity: rule.severity,
        rule: rule.name,
        message,
        allowed: false,
    }
}

/// The rules that look at one document.
fn check_document(entry: &Checked, ids: &HashSet<&str>, findings: &mut Vec<Finding>) {
    let Checked {
        file,
        doc,
        text,
        body_line,
    } = entry;
    let rel = &file.rel;
    if doc.body.trim().is_empty() {
        findings.push(finding(
            EMPTY_BODY,
            rel,
            Some(*body_line),
            "the document has a title but no text (write it, or delete the file)".into(),
        ));
    }
    if doc.kind == Kind::Note && doc.sources.is_empty() {
        findings.push(finding(
            NO_SOURCES,
            rel,
            key_line(text, "sources").or(Some(1)),
            "the note cites no article (list the ids it draws on in 'sources')".into(),
        ));
    }
    for source in &doc.sources {
        if !ids.contains(source.as_str()) {
            findings.push(finding(
                UNKNOWN_SOURCE,
                rel,
                value_line(text, "sources", source),
                format!("cites '{source}', but no document has that id (see 'medkb list')"),
            ));
        }
    }
    let dir = file.path.parent().unwrap_or(Path::new("."));
    for (line, content) in body_lines(text, *body_line) {
        for target in link_targets(&without_code(content)) {
            if !dir.join(target).exists() {
                findings.push(finding(
                    BROKEN_LINK,
                    rel,
                    Some(line),
                    format!("links to {target}, which does not exist"),
                ));
            }
        }
        // What a line quotes ("the article says \"Leave a comment\"") is
        // talk about the text, not the text itself.
        let content = &unquoted(content);
        let spun = spun_groups(content);
        if !spun.is_empty() {
            findings.push(finding(
                SPUN_TEXT,
                rel,
                Some(line),
                format!(
                    "unresolved spun text {} (keep one alternative of each)",
                    quoted_list(&spun)
                ),
            ));
        }
        if let Some(phrase) = web_chrome(content) {
            findings.push(finding(
                WEB_CHROME,
                rel,
                Some(line),
                format!("leftover web page text \"{phrase}\" (delete it)"),
            ));
        }
    }
}

/// A name a reader types for a drug may mean one drug only: two drug notes
/// (tagged `drug`) claiming one name would make it a synonym of both.
fn check_drug_names(checked: &[Checked], findings: &mut Vec<Finding>) {
    let mut analyzer = analysis::english();
    let mut claimed: HashMap<String, (&str, &str)> = HashMap::new();
    for entry in checked {
        let doc = &entry.doc;
        if doc.kind != Kind::Note || !doc.tags.iter().any(|tag| tag == "drug") {
            continue;
        }
        let mut own = HashSet::new();
        let names = std::iter::once((&doc.title, "title"))
            .chain(doc.aliases.iter().map(|a| (a, "aliases")));
        for (name, key) in names {
            let terms: Vec<String> = analysis::tokens(&mut analyzer, name)
                .into_iter()
                .map(|token| token.term)
                .collect();
            if terms.is_empty() {
                continue;
            }
            let normal = terms.join(" ");
            if !own.insert(normal.clone()) {
                continue;
            }
            match claimed.get(&normal) {
                Some((other_path, other_name)) => findings.push(finding(
                    ALIAS_CONFLICT,
                    &entry.file.rel,
                    value_line(&entry.text, key, name),
                    format!(
                        "'{name}' is also a name of the drug in {other_path} ('{other_name}'); a name can mean one drug only"
                    ),
                )),
                None => {
                    claimed.insert(normal, (&entry.file.rel, name));
                }
            }
        }
    }
}

/// The synonyms file: lines that cannot be used, and lines that can never
/// add a match because what they expand to occurs in no document.
fn check_synonyms(path: &Path, rel: &str, checked: &[Checked], findings: &mut Vec<Finding>) {
    let Ok(bytes) = fs::read(path) else {
        return; // no synonyms file: nothing to check
    };
    let Ok(text) = String::from_utf8(bytes) else {
        findings.push(finding(
            BAD_SYNONYM,
            rel,
            Some(1),
            "not valid UTF-8 (save the file as UTF-8)".into(),
        ));
        return;
    };
    let (rules, problems) = synonyms::parse_rules(&text);
    for problem in problems {
        findings.push(finding(
            BAD_SYNONYM,
            rel,
            Some(problem.line),
            problem.message,
        ));
    }
    let texts = checked.iter().flat_map(|entry| {
        let doc = &entry.doc;
        [&doc.title, &doc.body]
            .into_iter()
            .chain(doc.aliases.iter())
    });
    let occurrences = Occurrences::of(texts.map(String::as_str));
    for rule in rules {
        let (wanted, what) = match &rule.to {
            Some(to) => (to, "nothing right of '=>'"),
            None => (&rule.from, "no entry"),
        };
        if !wanted.iter().any(|phrase| occurrences.contains(phrase)) {
            findings.push(finding(
                DEAD_SYNONYM,
                rel,
                Some(rule.line),
                format!(
                    "{what} of '{}' occurs in any document, so the line finds nothing (delete it, or keep it for documents to come)",
                    rule.text
                ),
            ));
        }
    }
}

/// The 1-based line of a front matter key (`key:`), if the file has it.
fn key_line(text: &str, key: &str) -> Option<usize> {
    front_matter_lines(text).find_map(|(line, content)| {
        let rest = content.strip_prefix(key)?;
        rest.trim_start().starts_with(':').then_some(line)
    })
}

/// The line of `value` in a front matter list under `key`, else the key's line.
fn value_line(text: &str, key: &str, value: &str) -> Option<usize> {
    let start = key_line(text, key)?;
    front_matter_lines(text)
        .skip_while(|(line, _)| *line < start)
        .take_while(|(line, content)| {
            *line == start || !content.contains(':') || content.trim_start().starts_with('-')
        })
        .find(|(_, content)| content.contains(value))
        .map(|(line, _)| line)
        .or(Some(start))
}

/// Lines of the front matter, numbered from 1 as in the file.
fn front_matter_lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    let has_front_matter = text
        .lines()
        .next()
        .is_some_and(|first| first.trim_end() == "---");
    text.lines()
        .enumerate()
        .skip(1)
        .take_while(move |(_, line)| has_front_matter && !matches!(line.trim_end(), "---" | "..."))
        .map(|(index, line)| (index + 1, line))
}

/// Lines of the body, numbered as in the file, without fenced code blocks.
fn body_lines(text: &str, body_line: usize) -> impl Iterator<Item = (usize, &str)> {
    let mut in_fence = false;
    text.lines()
        .enumerate()
        .skip(body_line.saturating_sub(1))
        .filter_map(move |(index, line)| {
            let trimmed = line.trim_start();
            if trimmed.starts_with("```") || trimmed.starts_with("~~~") {
                in_fence = !in_fence;
                return None;
            }
            (!in_fence).then_some((index + 1, line))
        })
}

/// `line` without what it quotes: text between double quotes (straight or
/// curly) and code spans between backticks.
fn unquoted(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut closing = None;
    for c in line.chars() {
        match (closing, c) {
            (None, '"' | '`') => closing = Some(c),
            (None, '“') => closing = Some('”'),
            (None, _) => out.push(c),
            (Some(end), _) if c == end => {
                closing = None;
                out.push(' ');
            }
            (Some(_), _) => {}
        }
    }
    out
}

/// `line` without its code spans: a link in backticks is an example.
fn without_code(line: &str) -> String {
    line.split('`').step_by(2).collect::<Vec<_>>().join(" ")
}

/// Relative link targets of a Markdown line: `[text](../articles/x.md)`.
/// Web addresses, anchors and absolute paths are not files of the corpus.
fn link_targets(line: &str) -> Vec<&str> {
    let mut targets = Vec::new();
    let mut rest = line;
    while let Some(open) = rest.find("](") {
        let after = &rest[open + 2..];
        let Some(close) = after.find(')') else { break };
        let raw = after[..close].trim();
        let target = match raw.strip_prefix('<') {
            Some(inside) => inside.split('>').next().unwrap_or(""),
            None => raw.split_whitespace().next().unwrap_or(""),
        };
        let target = target.split('#').next().unwrap_or("");
        let is_file = !target.is_empty()
            && !target.contains(':')
            && !target.starts_with('/')
            && !target.contains('%');
        if is_file {
            targets.push(target);
        }
        rest = &after[close..];
    }
    targets
}

/// Word pairs that are written with a slash in ordinary prose.
const SLASH_PAIRS: &[&str] = &[
    "and/or",
    "either/or",
    "he/she",
    "she/he",
    "his/her",
    "her/his",
    "him/her",
    "her/him",
    "yes/no",
    "on/off",
    "true/false",
    "input/output",
    "male/female",
    "pass/fail",
    "before/after",
    "plus/minus",
    "his/hers",
    "they/them",
    "s/he",
];

/// Units written with a slash (`mg/kg/day`): never spinner alternatives.
const UNITS: &[&str] = &[
    "mg", "mcg", "ug", "µg", "g", "kg", "lb", "lbs", "ml", "l", "dl", "mmol", "mol", "iu", "min",
    "h", "hr", "hrs", "day", "days", "d", "wk", "week", "weeks", "month", "year", "sec", "s", "m",
    "cm", "mm", "m2", "mmhg", "bpm", "dose", "doses", "tablet", "tablets", "kcal",
];

/// Slash groups in `line` that look like an article spinner's unresolved
/// alternatives (`a/represents/functions as`).
///
/// A slash group is a run of two or more words joined by `/` with nothing
/// else: no digits (dates, `24/7`), no dots or colons (links, paths,
/// `e.g./i.e.`), no one-letter parts but "a" and "I" (`A/B`, `GABA-A/B`,
/// `w/o`), not only
/// capitals (`TCP/IP`), no units (`mg/kg`), and not a usual pair
/// (`and/or`, `his/her`). Ordinary prose uses such a group now and then
/// ("benefit/risk"); a spinner leaves three alternatives or more, or many
/// groups in one line. So a line is flagged for a group of three words or
/// more, or for three groups of two.
pub fn spun_groups(line: &str) -> Vec<String> {
    let mut groups = Vec::new();
    for token in line.split_whitespace() {
        let token = token
            .trim_start_matches(['(', '[', '{', '"', '\'', '“', '‘', '*', '_'])
            .trim_end_matches([
                ')', ']', '}', '"', '\'', '”', '’', '.', ',', ';', ':', '!', '?', '*', '_',
            ]);
        if let Some(parts) = slash_group(token) {
            groups.push((token.to_string(), parts));
        }
    }
    let spun = groups.iter().any(|&(_, parts)| parts >= 3) || groups.len() >= 3;
    if spun {
        groups.into_iter().map(|(group, _)| group).collect()
    } else {
        Vec::new()
    }
}

/// How many word alternatives `token` joins with slashes, if it is such a group.
fn slash_group(token: &str) -> Option<usize> {
    if !token.contains('/') {
        return None;
    }
    let lower = token.to_lowercase();
    if SLASH_PAIRS.contains(&lower.as_str()) {
        return None;
    }
    let parts: Vec<&str> = token.split('/').collect();
    let is_word = |part: &str| {
        let chars: Vec<char> = part.chars().collect();
        chars.len() >= 2
            && chars.first().is_some_and(|c| c.is_alphabetic())
            && chars.last().is_some_and(|c| c.is_alphabetic())
            && chars
                .iter()
                .all(|&c| c.is_alphabetic() || matches!(c, '\'' | '’' | '-'))
    };
    // "a" and "I" are words too ("a/represents/functions as"), but other
    // single letters are labels ("A/B", "GABA-A/B").
    let has_long_word = parts.iter().any(|part| part.chars().count() >= 3);
    let is_word_or_article =
        |part: &str| is_word(part) || (has_long_word && matches!(part, "a" | "A" | "I"));
    if !parts.iter().all(|part| is_word_or_article(part)) {
        return None;
    }
    let all_capitals = parts
        .iter()
        .all(|part| part.chars().all(|c| !c.is_lowercase()));
    let has_unit = parts
        .iter()
        .any(|part| UNITS.contains(&part.to_lowercase().as_str()));
    (!all_capitals && !has_unit).then_some(parts.len())
}

/// Phrases that only a web page's surroundings use: comment forms, share
/// buttons, cookie banners, navigation. They count anywhere in a line.
const CHROME_ANYWHERE: &[&str] = &[
    "leave a comment",
    "leave a reply",
    "post a comment",
    "your email address will not be published",
    "required fields are marked",
    "save my name, email, and website",
    "comments are closed",
    "click here",
    "we use cookies",
    "this site uses cookies",
    "this website uses cookies",
    "accept all cookies",
    "accept cookies",
    "cookie policy",
    "cookie settings",
    "manage cookies",
    "related posts",
    "related articles",
    "you may also like",
    "you might also like",
    "subscribe to our newsletter",
    "sign up for our newsletter",
    "skip to content",
    "skip to main content",
    "post navigation",
    "all rights reserved",
    "follow us on",
    "powered by wordpress",
    "previous post",
    "next post",
];

/// Phrases that are chrome when a short line starts with them ("Share this:",
/// "Read more", "Posted in Health"), but may be prose inside a sentence
/// ("share this with your doctor").
const CHROME_LINE_STARTS: &[&str] = &[
    "share this",
    "share on",
    "tweet",
    "pin it",
    "read more",
    "continue reading",
    "advertisement",
    "sponsored",
    "posted in",
    "posted on",
    "filed under",
    "tags:",
    "categories:",
    "home »",
    "home >",
    "log in",
    "sign in",
    "sign up",
    "subscribe",
];

/// The web page text `line` holds, if any.
pub fn web_chrome(line: &str) -> Option<&'static str> {
    let text = line
        .trim()
        .trim_start_matches(['#', '-', '*', '>', '+', ' '])
        .replace('’', "'")
        .to_lowercase();
    if let Some(phrase) = CHROME_ANYWHERE.iter().find(|phrase| text.contains(*phrase)) {
        return Some(phrase);
    }
    // A short line that is not a sentence: "Share this:", not "Share this
    // with your doctor."
    let end = text.trim_end();
    let is_sentence = end.ends_with('.') && !end.ends_with("...");
    let short = text.split_whitespace().count() <= 6 && !is_sentence;
    CHROME_LINE_STARTS
        .iter()
        .find(|phrase| short && starts_with_words(&text, phrase))
        .copied()
}

/// Whether `text` starts with `phrase` as whole words ("tweet" not "tweets").
fn starts_with_words(text: &str, phrase: &str) -> bool {
    text.strip_prefix(phrase)
        .is_some_and(|rest| !rest.starts_with(|c: char| c.is_alphanumeric()))
}

/// `"a", "b" and 2 more`
fn quoted_list(items: &[String]) -> String {
    const SHOWN: usize = 3;
    let mut text = items
        .iter()
        .take(SHOWN)
        .map(|item| format!("\"{item}\""))
        .collect::<Vec<_>>()
        .join(", ");
    if items.len() > SHOWN {
        text.push_str(&format!(" and {} more", items.len() - SHOWN));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spun(line: &str) -> Vec<String> {
        spun_groups(line)
    }

    #[test]
    fn spinner_alternatives_are_found() {
        let line = "Baclofen is a/represents/functions as medication primarily utilized to/employed for/administered in the treatment";
        assert_eq!(
            spun(line),
            vec!["a/represents/functions", "to/employed", "for/administered"]
        );
        assert_eq!(
            spun("It can/May/Has the potential to improve mobility."),
            vec!["can/May/Has"]
        );
        assert_eq!(
            spun("It is/It's recommended to/Patients should be advised to closely monitor/carefully observe"),
            vec!["is/It's", "to/Patients", "monitor/carefully"]
        );
        assert_eq!(
            spun("These include dizziness/lightheadedness/vertigo, drowsiness."),
            vec!["dizziness/lightheadedness/vertigo"]
        );
    }

    #[test]
    fn ordinary_slashes_are_not_spun_text() {
        for line in [
            "Take it with food and/or milk; ask his/her doctor.",
            "The dose is 0.1 mg/kg/day, or 2 mg/kg, given 24/7.",
            "It acts on GABA-A/B receptors and on A/B/C subtypes.",
            "See https://example.org/a/b/c and ../articles/what-is-clonazepam.md.",
            "Updated 12/03/2024 and 2024/03/12.",
            "TCP/IP, CBT/CBT-I and I/O are abbreviations.",
            "Weigh the benefit/risk balance with your doctor/pharmacist.",
            "e.g./i.e. are abbreviations; w/o means without.",
            "A path like /usr/share/doc or a trailing slash/ is not a group.",
        ] {
            assert!(spun(line).is_empty(), "{line}: {:?}", spun(line));
        }
    }

    #[test]
    fn three_pairs_in_a_line_are_spun_text() {
        assert_eq!(
            spun(
                "For many/numerous people, baclofen offers/provides noticeable/meaningful relief."
            ),
            vec!["many/numerous", "offers/provides", "noticeable/meaningful"]
        );
    }

    #[test]
    fn web_chrome_is_found_but_not_prose() {
        assert_eq!(web_chrome("Leave a Comment"), Some("leave a comment"));
        assert_eq!(web_chrome("## Related Posts"), Some("related posts"));
        assert_eq!(
            web_chrome("We use cookies to improve your experience. Accept"),
            Some("we use cookies")
        );
        assert_eq!(web_chrome("Share this:"), Some("share this"));
        assert_eq!(web_chrome("- Tweet"), Some("tweet"));
        assert_eq!(
            web_chrome("Share this information with your doctor before you start the medicine."),
            None
        );
        assert_eq!(web_chrome("Tweets about sleep are not evidence."), None);
        assert_eq!(web_chrome("Share this with your doctor."), None);
        assert_eq!(web_chrome("Read more..."), Some("read more"));
        assert_eq!(web_chrome("Clonazepam is a benzodiazepine."), None);
    }

    #[test]
    fn quoted_text_is_left_out() {
        assert_eq!(
            unquoted("keeps \"a/represents/functions as\" and `x/y/z`, “Leave a comment”."),
            "keeps   and  ,  ."
        );
    }

    #[test]
    fn links_in_code_spans_are_examples() {
        assert_eq!(
            link_targets(&without_code("as `[t](../articles/<id>.md)` and [u](u.md)")),
            vec!["u.md"]
        );
    }

    #[test]
    fn links_to_files_are_found() {
        let line = "See [A](../articles/a.md), [B](b.md#uses), [web](https://x.org/y.md), [top](#top) and [C](<c d.md>).";
        assert_eq!(
            link_targets(line),
            vec!["../articles/a.md", "b.md", "c d.md"]
        );
    }

    #[test]
    fn front_matter_keys_have_lines() {
        let text = "---\nid: x\ntitle: X\nsources:\n  - a\n  - b\ntags: [t]\n---\nbody\n";
        assert_eq!(key_line(text, "id"), Some(2));
        assert_eq!(key_line(text, "sources"), Some(4));
        assert_eq!(value_line(text, "sources", "b"), Some(6));
        assert_eq!(value_line(text, "sources", "zzz"), Some(4));
        assert_eq!(key_line(text, "body"), None);
        assert_eq!(key_line("no front matter\nid: x\n", "id"), None);
    }
}
