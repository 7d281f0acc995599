//! Requests → responses: which page or JSON document answers which path,
//! the question's parameters and their limits, and the headers every
//! response carries.
//!
//! | path | answer |
//! |---|---|
//! | `/` | the search page, with the list of documents |
//! | `/search?q=…&kind=&drug=&tag=&limit=` | the results page (works without JavaScript) |
//! | `/doc/ID?q=…` | one document, the question's words marked |
//! | `/api/search?q=…&kind=&drug=&tag=&limit=&passages=&facets=&explain=` | `medkb search --json` |
//! | `/api/doc/ID` | `medkb show ID --json` |
//! | `/assets/medkb.css`, `/assets/medkb.js` | the page's style and script |

use std::collections::HashSet;
use std::sync::{Arc, Mutex, PoisonError};

use super::http::{self, Handler, Request, Response};
use super::page::{self, Filter};
use crate::doc::Kind;
use crate::error::Error;
use crate::index::Opened;
use crate::kb::{KnowledgeBase, Notice};
use crate::render::{self, terminal_safe, JsonResults};
use crate::search::{self, SearchRequest, SearchResults};
use crate::synonyms::Synonyms;

/// Longest question, in characters; a longer one gets 414.
pub const MAX_QUESTION_CHARS: usize = 1000;
pub const MAX_LIMIT: usize = 100;
const MAX_PASSAGES: usize = 10;
/// Most `drug` and `tag` filters in one request, and longest value.
const MAX_FILTERS: usize = 20;
const MAX_FILTER_CHARS: usize = 100;
/// How many similar documents a document page lists.
const RELATED_SHOWN: usize = 5;

/// No script or style but the page's own files, no plugins, no framing.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; \
style-src 'self'; img-src 'self'; connect-src 'self'; form-action 'self'; \
object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

const CSS: &str = include_str!("assets/medkb.css");
const JS: &str = include_str!("assets/medkb.js");

/// The knowledge base as the server sees it: the index last opened, checked
/// against the corpus before each request and reopened when it changed.
pub struct App {
    kb: KnowledgeBase,
    opened: Mutex<Arc<Opened>>,
    /// Synonym-file warnings already printed, so each is printed once.
    warned: Mutex<HashSet<String>>,
}

/// A request that cannot be answered as asked.
#[derive(Debug)]
struct Failure {
    status: u16,
    message: String,
}

impl Failure {
    fn new(status: u16, message: impl Into<String>) -> Failure {
        Failure {
            status,
            message: message.into(),
        }
    }
}

impl From<Error> for Failure {
    fn from(err: Error) -> Failure {
        match err {
            Error::UnknownId { .. } => Failure::new(404, err.to_string()),
            Error::EmptyQuery => Failure::new(400, "the question is empty"),
            // The index cannot be read or rebuilt now: the same message as
            // the command line gives, in the page and in the server's log.
            err => Failure::new(503, err.to_string()),
        }
    }
}

impl Handler for App {
    fn respond(&self, request: &Request) -> Response {
        let json = request.target.starts_with("/api/");
        let response = match self.route(request) {
            Ok(response) => response,
            Err(failure) => {
                if failure.status >= 500 {
                    eprintln!("medkb: {}", terminal_safe(&failure.message));
                }
                if json {
                    failure_json(&failure)
                } else {
                    Response::new(
                        failure.status,
                        "text/html; charset=utf-8",
                        page::error(failure.status, &failure.message),
                    )
                }
            }
        };
        let response = if response.status == 405 {
            response.with_header("Allow", "GET, HEAD")
        } else {
            response
        };
        secured(response)
    }

    fn reject(&self, status: u16, message: &str) -> Response {
        secured(Response::new(
            status,
            "text/plain; charset=utf-8",
            format!("{status}: {message}\n"),
        ))
    }
}

fn failure_json(failure: &Failure) -> Response {
    let body = serde_json::json!({ "error": failure.message });
    Response::new(failure.status, "application/json", format!("{body}\n"))
}

/// Adds the headers every response carries.
fn secured(response: Response) -> Response {
    let cache = if response.header("Cache-Control").is_none() {
        Some("no-store")
    } else {
        None
    };
    let mut response = response
        .with_header("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        .with_header("X-Content-Type-Options", "nosniff")
        .with_header("X-Frame-Options", "DENY")
        .with_header("Referrer-Policy", "no-referrer");
    if let Some(cache) = cache {
        response = response.with_header("Cache-Control", cache);
    }
    response
}

/// What a search request asks, read from its query string.
#[derive(Debug)]
struct Question {
    text: String,
    limit: usize,
    kind: Option<Kind>,
    drugs: Vec<String>,
    tags: Vec<String>,
    passages: usize,
    facets: bool,
    explain: bool,
}

impl Question {
    fn read(params: &[(String, String)]) -> Result<Question, Failure> {
        let first = |name: &str| {
            params
                .iter()
                .find(|(key, _)| key == name)
                .map(|(_, value)| value.as_str())
        };
        let text = first("q").unwrap_or_default().to_string();
        check_question_length(&text)?;
        let number =
            |name: &str, default: usize, range: std::ops::RangeInclusive<usize>| match first(name)
                .filter(|value| !value.is_empty())
            {
                None => Ok(default),
                Some(value) => value
                    .parse()
                    .ok()
                    .filter(|n| range.contains(n))
                    .ok_or_else(|| {
                        Failure::new(
                            400,
                            format!(
                                "{name} must be a whole number from {} to {}",
                                range.start(),
                                range.end()
                            ),
                        )
                    }),
            };
        let kind = match first("kind").filter(|value| !value.is_empty()) {
            None => None,
            Some(value) => Some(value.parse().map_err(|err| Failure::new(400, err))?),
        };
        let values = |name: &str| -> Result<Vec<String>, Failure> {
            let values: Vec<String> = params
                .iter()
                .filter(|(key, value)| key == name && !value.trim().is_empty())
                .map(|(_, value)| value.trim().to_string())
                .collect();
            if values.len() > MAX_FILTERS
                || values.iter().any(|v| v.chars().count() > MAX_FILTER_CHARS)
            {
                return Err(Failure::new(
                    400,
                    format!(
                        "at most {MAX_FILTERS} {name} filters of {MAX_FILTER_CHARS} characters"
                    ),
                ));
            }
            Ok(values)
        };
        let flag = |name: &str| {
            first(name).is_some_and(|value| matches!(value, "1" | "true" | "yes" | "on"))
        };
        Ok(Question {
            text,
            limit: number("limit", 10, 0..=MAX_LIMIT)?,
            kind,
            drugs: values("drug")?,
            tags: values("tag")?,
            passages: number("passages", 1, 1..=MAX_PASSAGES)?,
            facets: flag("facets"),
            explain: flag("explain"),
        })
    }

    /// The filters, in the order the page lists them.
    fn filters(&self) -> Vec<Filter> {
        let mut filters = Vec::new();
        if let Some(kind) = self.kind {
            filters.push(Filter::new("kind", kind.as_str()));
        }
        filters.extend(self.drugs.iter().map(|drug| Filter::new("drug", drug)));
        filters.extend(self.tags.iter().map(|tag| Filter::new("tag", tag)));
        filters
    }
}

fn check_question_length(text: &str) -> Result<(), Failure> {
    if text.chars().count() > MAX_QUESTION_CHARS {
        return Err(Failure::new(
            414,
            format!("the question is too long (at most {MAX_QUESTION_CHARS} characters)"),
        ));
    }
    Ok(())
}

impl App {
    pub fn new(kb: KnowledgeBase, opened: Opened) -> App {
        App {
            kb,
            opened: Mutex::new(Arc::new(opened)),
            warned: Mutex::new(HashSet::new()),
        }
    }

    fn route(&self, request: &Request) -> Result<Response, Failure> {
        if !matches!(request.method.as_str(), "GET" | "HEAD") {
            return Err(Failure::new(
                405,
                format!("{} is not served here: use GET", request.method),
            ));
        }
        let (path, query) = request
            .target
            .split_once('?')
            .unwrap_or((&request.target, ""));
        let path = http::percent_decode(path, false)
            .ok_or_else(|| Failure::new(400, "the path is not valid percent-encoded UTF-8"))?;
        let params = http::query_pairs(query).ok_or_else(|| {
            Failure::new(400, "the query string is not valid percent-encoded UTF-8")
        })?;
        match path.as_str() {
            "/" => self.home(),
            "/search" => self.search_page(&params),
            "/api/search" => self.api_search(&params),
            "/assets/medkb.css" => Ok(asset(CSS, "text/css; charset=utf-8")),
            "/assets/medkb.js" => Ok(asset(JS, "text/javascript; charset=utf-8")),
            _ => {
                if let Some(id) = path.strip_prefix("/api/doc/") {
                    self.api_doc(id)
                } else if let Some(id) = path.strip_prefix("/doc/") {
                    self.doc_page(id, &params)
                } else {
                    Err(Failure::new(404, format!("nothing at {path}")))
                }
            }
        }
    }

    /// The index to answer from: the one held, unless the corpus or the
    /// index changed since, in which case it is reopened (and rebuilt first
    /// if the corpus changed).
    fn opened(&self) -> Result<Arc<Opened>, Failure> {
        let held = self
            .opened
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        let mut notices = Vec::new();
        let fresh = self.kb.reopen_fresh(&held, &mut notices);
        for notice in &notices {
            if let Notice::Rebuilt { report, .. } = notice {
                for skipped in &report.skipped {
                    eprintln!("medkb: skipped {}", terminal_safe(&skipped.to_string()));
                }
            }
            eprintln!("medkb: {}", terminal_safe(&notice.to_string()));
        }
        match fresh? {
            None => Ok(held),
            Some(opened) => {
                let opened = Arc::new(opened);
                *self.opened.lock().unwrap_or_else(PoisonError::into_inner) = opened.clone();
                Ok(opened)
            }
        }
    }

    /// The synonyms as the CLI reads them: at every search, so that an
    /// edited synonyms file needs no restart.
    fn synonyms(&self, opened: &Opened) -> Result<Synonyms, Failure> {
        let (synonyms, warnings) = self.kb.synonyms(opened);
        let mut warned = self.warned.lock().unwrap_or_else(PoisonError::into_inner);
        for warning in warnings {
            if warned.insert(warning.clone()) {
                eprintln!("medkb: {}", terminal_safe(&warning));
            }
        }
        Ok(synonyms)
    }

    fn search(&self, question: &Question) -> Result<SearchResults, Failure> {
        let opened = self.opened()?;
        let synonyms = self.synonyms(&opened)?;
        let request = SearchRequest {
            query: question.text.clone(),
            limit: question.limit,
            kind: question.kind,
            drugs: question.drugs.clone(),
            tags: question.tags.clone(),
            passages: question.passages,
            facets: question.facets,
            explain: question.explain,
        };
        Ok(search::search(&opened, &request, &synonyms)?)
    }

    fn home(&self) -> Result<Response, Failure> {
        let mut docs = self.opened()?.all_docs()?;
        docs.sort_by(|a, b| (a.kind, &a.title).cmp(&(b.kind, &b.title)));
        Ok(html(page::home(&docs)))
    }

    fn search_page(&self, params: &[(String, String)]) -> Result<Response, Failure> {
        let mut question = Question::read(params)?;
        if question.text.trim().is_empty() {
            return self.home();
        }
        question.facets = true;
        let results = self.search(&question)?;
        Ok(html(page::results(&results, &question.filters())))
    }

    fn api_search(&self, params: &[(String, String)]) -> Result<Response, Failure> {
        let question = Question::read(params)?;
        if question.text.trim().is_empty() {
            return Err(Failure::new(
                400,
                "the question is empty (try /api/search?q=restless+legs)",
            ));
        }
        let results = self.search(&question)?;
        Ok(json(&JsonResults::new(&results)))
    }

    fn find(&self, opened: &Opened, id: &str) -> Result<crate::doc::Doc, Failure> {
        // Ids are looked up in the index, never taken as a file path; an id
        // that could not be one is refused before the lookup.
        let plausible = !id.is_empty()
            && id.len() <= 200
            && id
                .chars()
                .all(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | '.'));
        let not_found = || Failure::new(404, format!("no document with id '{id}'"));
        if !plausible {
            return Err(not_found());
        }
        opened.find(id)?.ok_or_else(not_found)
    }

    fn api_doc(&self, id: &str) -> Result<Response, Failure> {
        let opened = self.opened()?;
        let doc = self.find(&opened, id)?;
        Ok(json(&doc))
    }

    fn doc_page(&self, id: &str, params: &[(String, String)]) -> Result<Response, Failure> {
        let question = params
            .iter()
            .find(|(key, _)| key == "q")
            .map(|(_, value)| value.as_str())
            .unwrap_or_default();
        check_question_length(question)?;
        let opened = self.opened()?;
        let doc = self.find(&opened, id)?;
        let mut highlighter = if question.trim().is_empty() {
            None
        } else {
            let synonyms = self.synonyms(&opened)?;
            Some(search::highlighter(&opened, question, &synonyms)?)
        };
        let mut sources = Vec::new();
        for source in &doc.sources {
            sources.push((source.clone(), opened.find(source)?));
        }
        let citing = crate::related::citing(&opened, &doc)?;
        let mut related = crate::related::related(&opened, &doc, RELATED_SHOWN + 10)?;
        related.retain(|entry| {
            !doc.sources.contains(&entry.doc.id)
                && !citing.iter().any(|other| other.id == entry.doc.id)
        });
        related.truncate(RELATED_SHOWN);
        let view = page::DocView {
            doc: &doc,
            question,
            sources: &sources,
            citing: &citing,
            related: &related,
        };
        Ok(html(view.render(highlighter.as_mut())))
    }
}

fn html(body: String) -> Response {
    Response::new(200, "text/html; charset=utf-8", body)
}

fn json<T: serde::Serialize>(value: &T) -> Response {
    let mut body = Vec::new();
    // Writing to memory cannot fail.
    let _ = render::json(&mut body, value);
    Response::new(200, "application/json", body)
}

fn asset(text: &'static str, content_type: &str) -> Response {
    Response::new(200, content_type, text).with_header("Cache-Control", "no-cache")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(query: &str) -> Vec<(String, String)> {
        http::query_pairs(query).unwrap()
    }

    #[test]
    fn a_question_reads_its_filters_and_limits() {
        let question = Question::read(&params(
            "q=sleep&kind=note&drug=clonazepam&drug=&tag=safety&limit=3&facets=1",
        ))
        .unwrap();
        assert_eq!(question.text, "sleep");
        assert_eq!(question.kind, Some(Kind::Note));
        assert_eq!(question.drugs, vec!["clonazepam"]);
        assert_eq!(question.tags, vec!["safety"]);
        assert_eq!((question.limit, question.passages), (3, 1));
        assert!(question.facets && !question.explain);
    }

    #[test]
    fn bad_parameters_are_refused_with_the_reason() {
        for (query, status) in [
            ("q=a&limit=x", 400),
            ("q=a&limit=101", 400),
            ("q=a&passages=0", 400),
            ("q=a&kind=video", 400),
        ] {
            let failure = Question::read(&params(query)).unwrap_err();
            assert_eq!(failure.status, status, "{query}: {}", failure.message);
        }
        let long = format!("q={}", "a".repeat(MAX_QUESTION_CHARS + 1));
        assert_eq!(Question::read(&params(&long)).unwrap_err().status, 414);
        let many = "drug=x&".repeat(MAX_FILTERS + 1);
        assert_eq!(Question::read(&params(&many)).unwrap_err().status, 400);
    }
}
