//! The list of corpus files an index was built from, as text: one file a
//! line, its fields separated by tabs.
//!
//! ```text
//! medkb-files 1
//! notes/clonazepam.md→2417→1795329295868007415→indexed→clonazepam
//! notes/draft.md→120→1795329295868007415→skipped→3→front matter: …
//! notes/copy.md→2417→1795329295868007415→duplicate→clonazepam→duplicate id …
//! ```
//!
//! (→ stands for a tab.)
//! A skipped file without a line number has `-`. Backslashes, tabs, line
//! breaks and carriage returns in paths, ids and reasons are written `\\`,
//! `\t`, `\n` and `\r`. A large corpus lists hundreds of thousands of
//! files, and an update reads and writes the list whole: as JSON, that was
//! most of an update's time.

use std::borrow::Cow;

use crate::corpus::SourceFile;
use crate::manifest::{FileRecord, Outcome};

/// The first line, naming the format and its version.
const HEADER: &str = "medkb-files 1";

/// Writes `files` in the line format.
pub fn to_text(files: &[FileRecord<'_>]) -> String {
    let mut out = String::with_capacity(64 * files.len() + HEADER.len() + 1);
    out.push_str(HEADER);
    out.push('\n');
    for file in files {
        push_escaped(&mut out, &file.path);
        // Written in place: a large corpus has hundreds of thousands of lines.
        let mut number = itoa::Buffer::new();
        out.push('\t');
        out.push_str(number.format(file.size));
        out.push('\t');
        out.push_str(number.format(file.modified_ns));
        match &file.outcome {
            Outcome::Indexed { id } => {
                out.push_str("\tindexed\t");
                push_escaped(&mut out, id);
            }
            Outcome::Skipped { line, reason } => {
                out.push_str("\tskipped\t");
                match line {
                    Some(line) => out.push_str(&line.to_string()),
                    None => out.push('-'),
                }
                out.push('\t');
                push_escaped(&mut out, reason);
            }
            Outcome::Duplicate { id, reason } => {
                out.push_str("\tduplicate\t");
                push_escaped(&mut out, id);
                out.push('\t');
                push_escaped(&mut out, reason);
            }
        }
        out.push('\n');
    }
    out
}

/// Reads the line format, borrowing every field written without escapes;
/// the error says which line is wrong.
pub fn from_text(text: &str) -> Result<Vec<FileRecord<'_>>, String> {
    let mut lines = text.split_terminator('\n');
    if lines.next() != Some(HEADER) {
        return Err(format!("its first line is not '{HEADER}'"));
    }
    lines
        .enumerate()
        .map(|(index, line)| {
            parse_line(line).ok_or_else(|| format!("line {} is damaged", index + 2))
        })
        .collect()
}

/// Whether `text` lists exactly `files`, in order, with the same sizes and
/// times: a search's freshness check on a corpus that has not changed, read
/// line by line without building the list.
pub fn lists_exactly(text: &str, files: &[SourceFile]) -> bool {
    let mut lines = text.split_terminator('\n');
    if lines.next() != Some(HEADER) {
        return false;
    }
    let mut files = files.iter();
    for line in lines {
        let Some(file) = files.next() else {
            return false;
        };
        let mut fields = fields(line);
        let number = |field: Option<&str>| field.and_then(|field| field.parse::<u64>().ok());
        let same = fields.next() == Some(escaped(&file.rel).as_ref())
            && number(fields.next()) == Some(file.size)
            && number(fields.next()) == Some(file.modified_ns);
        if !same {
            return false;
        }
    }
    files.next().is_none()
}

/// `text` as the line format writes it.
fn escaped(text: &str) -> Cow<'_, str> {
    if needs_escape(text) {
        let mut out = String::with_capacity(text.len() + 2);
        push_escaped(&mut out, text);
        Cow::Owned(out)
    } else {
        Cow::Borrowed(text)
    }
}

/// The tab-separated fields of `line`. A tab is one byte, never part of
/// another character, and the fields are short: found by `memchr`, they
/// cost a fraction of a split by `char`, on every line of a large corpus.
fn fields(line: &str) -> impl Iterator<Item = &str> {
    let mut rest = Some(line);
    std::iter::from_fn(move || {
        let text = rest?;
        match memchr::memchr(b'\t', text.as_bytes()) {
            Some(tab) => {
                rest = Some(&text[tab + 1..]);
                Some(&text[..tab])
            }
            None => {
                rest = None;
                Some(text)
            }
        }
    })
}

fn parse_line(line: &str) -> Option<FileRecord<'_>> {
    let mut fields = fields(line);
    let path = unescape(fields.next()?)?;
    let size = fields.next()?.parse().ok()?;
    let modified_ns = fields.next()?.parse().ok()?;
    let outcome = match fields.next()? {
        "indexed" => Outcome::Indexed {
            id: unescape(fields.next()?)?,
        },
        "skipped" => Outcome::Skipped {
            line: match fields.next()? {
                "-" => None,
                number => Some(number.parse().ok()?),
            },
            reason: unescape(fields.next()?)?,
        },
        "duplicate" => Outcome::Duplicate {
            id: unescape(fields.next()?)?,
            reason: unescape(fields.next()?)?,
        },
        _ => return None,
    };
    if fields.next().is_some() {
        return None;
    }
    Some(FileRecord {
        path,
        size,
        modified_ns,
        outcome,
    })
}

/// Whether `text` holds a character the line format escapes. By bytes: a
/// pattern of chars decodes each one, on every path and id.
fn needs_escape(text: &str) -> bool {
    text.bytes()
        .any(|byte| matches!(byte, b'\\' | b'\t' | b'\n' | b'\r'))
}

fn push_escaped(out: &mut String, text: &str) {
    if !needs_escape(text) {
        out.push_str(text);
        return;
    }
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c => out.push(c),
        }
    }
}

fn unescape(field: &str) -> Option<Cow<'_, str>> {
    if memchr::memchr(b'\\', field.as_bytes()).is_none() {
        return Some(Cow::Borrowed(field));
    }
    let mut out = String::with_capacity(field.len());
    let mut chars = field.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        out.push(match chars.next()? {
            '\\' => '\\',
            't' => '\t',
            'n' => '\n',
            'r' => '\r',
            _ => return None,
        });
    }
    Some(Cow::Owned(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record<'a>(path: &'a str, outcome: Outcome<'a>) -> FileRecord<'a> {
        FileRecord {
            path: path.into(),
            size: 2417,
            modified_ns: 1_795_329_295_868_007_415,
            outcome,
        }
    }

    #[test]
    fn fields_are_split_at_every_tab_as_a_split_by_char_would() {
        for line in [
            "", "a", "a\tb", "\t", "a\t", "\ta", "a\t\tb", "é\tü\t", "x\\t\ty",
        ] {
            let ours: Vec<&str> = fields(line).collect();
            let chars: Vec<&str> = line.split('\t').collect();
            assert_eq!(ours, chars, "{line:?}");
        }
    }

    #[test]
    fn every_outcome_and_awkward_text_survive_the_round_trip() {
        let files = vec![
            record(
                "notes/clonazepam.md",
                Outcome::Indexed {
                    id: "clonazepam".into(),
                },
            ),
            record(
                "odd\tname\nwith\\breaks\r.md",
                Outcome::Skipped {
                    line: Some(3),
                    reason: "front matter: bad\tvalue \\n here".into(),
                },
            ),
            record(
                "ünï/cödé.txt",
                Outcome::Skipped {
                    line: None,
                    reason: "not valid UTF-8 (save the file as UTF-8)".into(),
                },
            ),
            record(
                "notes/copy.md",
                Outcome::Duplicate {
                    id: "clonazepam".into(),
                    reason: "duplicate id 'clonazepam' (also used by notes/clonazepam.md)".into(),
                },
            ),
        ];
        let text = to_text(&files);
        assert_eq!(text.lines().count(), files.len() + 1, "{text}");
        assert_eq!(from_text(&text), Ok(files));
        assert_eq!(from_text(HEADER), Ok(Vec::new()));
    }

    #[test]
    fn fields_without_escapes_are_borrowed_from_the_text() {
        let text = format!("{HEADER}\na.md\t1\t2\tindexed\ta\nb\\tc.md\t1\t2\tindexed\tb\n");
        let records = from_text(&text).unwrap();
        assert!(matches!(records[0].path, Cow::Borrowed("a.md")));
        assert!(matches!(
            &records[0].outcome,
            Outcome::Indexed {
                id: Cow::Borrowed("a")
            }
        ));
        assert!(matches!(&records[1].path, Cow::Owned(path) if path == "b\tc.md"));
    }

    #[test]
    fn damage_is_reported_by_line() {
        let good = to_text(&[record("a.md", Outcome::Indexed { id: "a".into() })]);
        assert!(from_text("").is_err());
        assert!(from_text("[{\"path\": \"a.md\"}]").is_err());
        for damaged in [
            good.replace("2417", "many"),
            good.replace("indexed", "lost"),
            good.replace("\ta\n", "\ta\textra\n"),
            good.replace("\ta\n", "\ta\\q\n"),
            format!("{good}half a line\n"),
        ] {
            let err = from_text(&damaged).unwrap_err();
            assert!(
                err.starts_with("line 2") || err.starts_with("line 3"),
                "{err}"
            );
        }
    }

    #[test]
    fn a_list_is_checked_against_a_walk_line_by_line() {
        let file = |rel: &str, size| SourceFile {
            path: rel.into(),
            rel: rel.to_string(),
            size,
            modified_ns: 7,
        };
        let walked = vec![file("a.md", 1), file("tab\there.md", 2)];
        let records: Vec<FileRecord> = walked
            .iter()
            .map(|f| {
                FileRecord::new(
                    f,
                    Outcome::Indexed {
                        id: f.rel.as_str().into(),
                    },
                )
            })
            .collect();
        let text = to_text(&records);
        assert!(lists_exactly(&text, &walked));
        assert!(!lists_exactly(&text, &walked[..1]), "a file removed");
        let mut added = walked.clone();
        added.push(file("b.md", 3));
        assert!(!lists_exactly(&text, &added), "a file added");
        let mut changed = walked.clone();
        changed[1].size = 5;
        assert!(!lists_exactly(&text, &changed), "a file changed");
        assert!(!lists_exactly("", &walked), "no header");
    }
}
