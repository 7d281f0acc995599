//! Front matter: the YAML block between `---` lines at the top of a Markdown
//! file, as Obsidian, Jekyll and Hugo write it. In: a file's text. Out: the
//! metadata and the body that follows, or the line where it went wrong.

use serde::{Deserialize, Deserializer};

use crate::doc::Kind;

/// The metadata a corpus file may carry. Every key is optional; unknown keys
/// (dates, layouts, …) are allowed and ignored, as static-site tools do.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct FrontMatter {
    pub id: Option<String>,
    pub title: Option<String>,
    pub kind: Option<Kind>,
    #[serde(deserialize_with = "one_or_many")]
    pub aliases: Vec<String>,
    #[serde(deserialize_with = "one_or_many")]
    pub tags: Vec<String>,
    #[serde(deserialize_with = "one_or_many")]
    pub drugs: Vec<String>,
    #[serde(deserialize_with = "one_or_many")]
    pub sources: Vec<String>,
    pub source: Option<String>,
    /// Rules of `medkb check` this file is a deliberate exception to.
    #[serde(rename = "check-allow", deserialize_with = "one_or_many")]
    pub check_allow: Vec<String>,
}

/// Front matter that could not be read, with the 1-based line in the file.
#[derive(Debug, PartialEq, Eq)]
pub struct FrontMatterError {
    pub line: usize,
    pub message: String,
}

/// Splits `text` into its front matter and body. A file without a leading
/// `---` line has no front matter; the body is then the whole text, and
/// `body_line` says on which line of the file the body starts.
pub fn split(text: &str) -> Result<(FrontMatter, &str, usize), FrontMatterError> {
    let mut lines = text.split_inclusive('\n');
    let Some(first) = lines.next() else {
        return Ok((FrontMatter::default(), text, 1));
    };
    if first.trim_end() != "---" {
        return Ok((FrontMatter::default(), text, 1));
    }
    let yaml_start = first.len();
    let mut offset = yaml_start;
    for (index, line) in lines.enumerate() {
        let trimmed = line.trim_end();
        if trimmed == "---" || trimmed == "..." {
            let yaml = &text[yaml_start..offset];
            let body = &text[offset + line.len()..];
            // The closing line is line index + 2 of the file; the body starts after it.
            let body_line = index + 3;
            return parse(yaml).map(|meta| (meta, body, body_line));
        }
        offset += line.len();
    }
    Err(FrontMatterError {
        line: 1,
        message: "front matter opens with '---' but has no closing '---' line".into(),
    })
}

fn parse(yaml: &str) -> Result<FrontMatter, FrontMatterError> {
    if yaml.trim().is_empty() {
        return Ok(FrontMatter::default());
    }
    serde_yaml_ng::from_str::<FrontMatter>(yaml).map_err(|err| {
        // The YAML starts on line 2 of the file, after the opening '---'.
        let line = err.location().map_or(2, |at| at.line() + 1);
        let message = err.to_string();
        let message = match message.rfind(" at line ") {
            Some(cut) => message[..cut].to_string(),
            None => message,
        };
        FrontMatterError {
            line,
            message: format!("broken front matter: {message}"),
        }
    })
}

/// Accepts `aliases: Klonopin` as well as `aliases: [Klonopin, Rivotril]`,
/// as Obsidian does, and an empty value as no entries.
fn one_or_many<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum OneOrMany {
        One(String),
        Many(Vec<Option<String>>),
    }
    let value = Option::<OneOrMany>::deserialize(deserializer)?;
    let items = match value {
        None => Vec::new(),
        Some(OneOrMany::One(one)) => vec![one],
        Some(OneOrMany::Many(many)) => many.into_iter().flatten().collect(),
    };
    Ok(items
        .into_iter()
        .map(|item| item.trim().to_string())
        .filter(|item| !item.is_empty())
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_lists_and_single_values() {
        let text = "---\nid: x\ntitle: X\naliases: Klonopin\ntags: [a, b]\n---\nBody\n";
        let (meta, body, line) = split(text).unwrap();
        assert_eq!(meta.id.as_deref(), Some("x"));
        assert_eq!(meta.aliases, vec!["Klonopin"]);
        assert_eq!(meta.tags, vec!["a", "b"]);
        assert_eq!(body, "Body\n");
        assert_eq!(line, 7);
    }

    #[test]
    fn text_without_front_matter_is_all_body() {
        let (meta, body, line) = split("# Title\n\ntext").unwrap();
        assert!(meta.id.is_none());
        assert_eq!(body, "# Title\n\ntext");
        assert_eq!(line, 1);
    }

    #[test]
    fn unclosed_front_matter_is_an_error_on_line_1() {
        let err = split("---\nid: x\nno end\n").unwrap_err();
        assert_eq!(err.line, 1);
        assert!(err.message.contains("no closing"));
    }

    #[test]
    fn yaml_error_names_the_file_line() {
        let err = split("---\nid: x\ntitle: [unclosed\n---\nbody").unwrap_err();
        assert!(err.line >= 3, "line {}", err.line);
        assert!(err.message.starts_with("broken front matter"));
        assert!(!err.message.contains(" at line "));
    }

    #[test]
    fn wrong_type_is_an_error() {
        let err = split("---\nkind: recipe\n---\n").unwrap_err();
        assert_eq!(err.line, 2);
    }
}
