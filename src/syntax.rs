//! Reading a question: text → clauses. Lenient by design, like a search box:
//! there is no syntax error, only text that is read as words.
//!
//! ```text
//! restless legs            words, ORed: more matching words rank higher
//! "restless legs"          a phrase
//! -alcohol  NOT alcohol    exclude
//! +sleep                   require
//! sleep AND anxiety        both required;  OR is the default
//! (panic OR anxiety) AND sleep
//! title:baclofen  drug:clonazepam  tag:safety  kind:note
//! ```
//!
//! Unbalanced quotes run to the end of the question, stray brackets,
//! operators and colons are ignored, unknown `field:` prefixes are read as
//! words, and past [`MAX_DEPTH`] brackets or [`MAX_TERMS`] words the rest is
//! read flat or dropped, so any input gives an answer in bounded time.

/// Brackets nested deeper than this are read as if absent.
pub const MAX_DEPTH: usize = 8;

/// Words and phrases past this many are ignored.
pub const MAX_TERMS: usize = 64;

/// How a clause takes part in a match.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Occur {
    /// Counts towards the score if present (the default).
    Should,
    /// Required.
    Must,
    /// Excluded.
    MustNot,
}

/// A field a clause is limited to with `field:value`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    Title,
    Drug,
    Tag,
    Kind,
}

impl Scope {
    fn from_prefix(prefix: &str) -> Option<Scope> {
        match prefix.to_ascii_lowercase().as_str() {
            "title" => Some(Scope::Title),
            "drug" | "drugs" => Some(Scope::Drug),
            "tag" | "tags" => Some(Scope::Tag),
            "kind" => Some(Scope::Kind),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Node {
    /// One word as typed (it may still analyse to several tokens: "GABA-A").
    Word {
        scope: Option<Scope>,
        text: String,
    },
    /// Words in quotes, matched in this order.
    Phrase {
        scope: Option<Scope>,
        text: String,
    },
    Group(Vec<Clause>),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Clause {
    pub occur: Occur,
    pub node: Node,
}

/// A question read into clauses.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Parsed {
    pub clauses: Vec<Clause>,
    /// True when words past [`MAX_TERMS`] were dropped.
    pub truncated: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Lexeme {
    Open,
    Close,
    And,
    Or,
    Not,
    Term {
        prefix: Option<char>,
        scope: Option<Scope>,
        text: String,
        phrase: bool,
    },
}

/// Reads a question. Never fails; an empty result means nothing searchable.
pub fn parse(input: &str) -> Parsed {
    let lexemes = lex(input);
    let mut parser = Parser {
        lexemes,
        at: 0,
        terms: 0,
        truncated: false,
    };
    let clauses = parser.group(0);
    Parsed {
        clauses,
        truncated: parser.truncated,
    }
}

fn lex(input: &str) -> Vec<Lexeme> {
    let chars: Vec<char> = input.chars().collect();
    let mut lexemes = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() || c.is_control() {
            i += 1;
        } else if c == '(' {
            lexemes.push(Lexeme::Open);
            i += 1;
        } else if c == ')' {
            lexemes.push(Lexeme::Close);
            i += 1;
        } else {
            let prefix = match c {
                '-' | '+' => {
                    i += 1;
                    Some(c)
                }
                _ => None,
            };
            let (scope, text, phrase, next) = lex_term(&chars, i);
            i = next;
            if text.trim().is_empty() {
                continue;
            }
            let operator = match (prefix, phrase, scope, text.as_str()) {
                (None, false, None, "AND" | "&&") => Some(Lexeme::And),
                (None, false, None, "OR" | "||") => Some(Lexeme::Or),
                (None, false, None, "NOT") => Some(Lexeme::Not),
                _ => None,
            };
            lexemes.push(operator.unwrap_or(Lexeme::Term {
                prefix,
                scope,
                text,
                phrase,
            }));
        }
    }
    lexemes
}

/// Reads a word, `"phrase"`, `field:word` or `field:"phrase"` starting at `i`.
fn lex_term(chars: &[char], mut i: usize) -> (Option<Scope>, String, bool, usize) {
    let mut scope = None;
    if i < chars.len() && chars[i] != '"' {
        let word_end = (i..chars.len())
            .find(|&j| is_word_end(chars[j]) || chars[j] == '"')
            .unwrap_or(chars.len());
        let word: String = chars[i..word_end].iter().collect();
        if let Some((prefix, _)) = word.split_once(':') {
            if let Some(found) = Scope::from_prefix(prefix) {
                scope = Some(found);
                i += prefix.chars().count() + 1;
            }
        }
    }
    if i < chars.len() && chars[i] == '"' {
        let end = (i + 1..chars.len())
            .find(|&j| chars[j] == '"')
            .unwrap_or(chars.len());
        let text: String = chars[i + 1..end].iter().collect();
        return (scope, text, true, end + 1);
    }
    let end = (i..chars.len())
        .find(|&j| is_word_end(chars[j]))
        .unwrap_or(chars.len());
    let text: String = chars[i..end].iter().collect();
    (scope, text, false, end)
}

fn is_word_end(c: char) -> bool {
    c.is_whitespace() || c.is_control() || c == '(' || c == ')'
}

struct Parser {
    lexemes: Vec<Lexeme>,
    at: usize,
    terms: usize,
    truncated: bool,
}

impl Parser {
    fn group(&mut self, depth: usize) -> Vec<Clause> {
        let mut clauses: Vec<Clause> = Vec::new();
        let mut and_pending = false;
        let mut not_pending = false;
        while let Some(lexeme) = self.lexemes.get(self.at).cloned() {
            self.at += 1;
            let (node, prefix) = match lexeme {
                Lexeme::Close if depth > 0 => return clauses,
                Lexeme::Close => continue,
                Lexeme::Open if depth < MAX_DEPTH => {
                    let inner = self.group(depth + 1);
                    if inner.is_empty() {
                        continue;
                    }
                    (Node::Group(inner), None)
                }
                Lexeme::Open => continue,
                Lexeme::And => {
                    and_pending = !clauses.is_empty();
                    continue;
                }
                Lexeme::Or => {
                    and_pending = false;
                    continue;
                }
                Lexeme::Not => {
                    not_pending = true;
                    continue;
                }
                Lexeme::Term {
                    prefix,
                    scope,
                    text,
                    phrase,
                } => {
                    if self.terms >= MAX_TERMS {
                        self.truncated = true;
                        continue;
                    }
                    self.terms += 1;
                    let node = if phrase {
                        Node::Phrase { scope, text }
                    } else {
                        Node::Word { scope, text }
                    };
                    (node, prefix)
                }
            };
            let mut occur = match prefix {
                Some('-') => Occur::MustNot,
                Some('+') => Occur::Must,
                _ if not_pending => Occur::MustNot,
                _ => Occur::Should,
            };
            if and_pending {
                if let Some(previous) = clauses.last_mut() {
                    if previous.occur == Occur::Should {
                        previous.occur = Occur::Must;
                    }
                }
                if occur == Occur::Should {
                    occur = Occur::Must;
                }
            }
            and_pending = false;
            not_pending = false;
            clauses.push(Clause { occur, node });
        }
        clauses
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn word(text: &str) -> Node {
        Node::Word {
            scope: None,
            text: text.into(),
        }
    }

    fn should(node: Node) -> Clause {
        Clause {
            occur: Occur::Should,
            node,
        }
    }

    #[test]
    fn plain_words_are_ored() {
        assert_eq!(
            parse("restless legs").clauses,
            vec![should(word("restless")), should(word("legs"))]
        );
    }

    #[test]
    fn stray_syntax_is_read_leniently() {
        assert_eq!(
            parse("\"unbalanced").clauses,
            vec![should(Node::Phrase {
                scope: None,
                text: "unbalanced".into()
            })]
        );
        assert_eq!(parse("AND (").clauses, vec![]);
        assert_eq!(parse(":").clauses, vec![should(word(":"))]);
        assert_eq!(parse("- + )))").clauses, vec![]);
    }

    #[test]
    fn operators_prefixes_and_fields() {
        let parsed = parse("sleep AND anxiety -alcohol title:\"restless legs\" foo:bar");
        let occurs: Vec<_> = parsed.clauses.iter().map(|c| c.occur).collect();
        assert_eq!(
            occurs,
            vec![
                Occur::Must,
                Occur::Must,
                Occur::MustNot,
                Occur::Should,
                Occur::Should
            ]
        );
        assert_eq!(
            parsed.clauses[3].node,
            Node::Phrase {
                scope: Some(Scope::Title),
                text: "restless legs".into()
            }
        );
        assert_eq!(parsed.clauses[4].node, word("foo:bar"));
    }

    #[test]
    fn deep_nesting_and_many_terms_are_bounded() {
        let deep = format!("{}x{}", "(".repeat(10_000), ")".repeat(10_000));
        assert!(!parse(&deep).clauses.is_empty());
        let many = "word ".repeat(10_000);
        let parsed = parse(&many);
        assert_eq!(parsed.clauses.len(), MAX_TERMS);
        assert!(parsed.truncated);
    }
}
