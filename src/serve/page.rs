//! The server's HTML pages: the search page, results, a document, errors.
//!
//! Every piece of text that comes from the corpus or the request is escaped
//! by [`render`]'s helpers as the markup is built, and the whole body is
//! then passed through ammonia allowing only the tags and attributes these
//! templates write, so whatever a note holds can only ever show as text.
//! The page's script and style are files of its own (`/assets/…`), which is
//! all the Content-Security-Policy lets the browser run.

use std::collections::BTreeMap;

use crate::doc::Doc;
use crate::related::Related;
use crate::render::{escape_html, html_highlighted, sanitizer, NOT_MEDICAL_ADVICE};
use crate::search::SearchResults;
use crate::snippet::Highlighter;

use super::http::percent_encode;

/// A filter of a search: `kind`, `drug` or `tag`, and its value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Filter {
    pub name: &'static str,
    pub value: String,
}

impl Filter {
    pub fn new(name: &'static str, value: &str) -> Filter {
        Filter {
            name,
            value: value.to_string(),
        }
    }
}

/// `/search?q=…` with these filters.
fn search_href(question: &str, filters: &[Filter]) -> String {
    let mut href = format!("/search?q={}", percent_encode(question));
    for filter in filters {
        href.push_str(&format!(
            "&{}={}",
            filter.name,
            percent_encode(&filter.value)
        ));
    }
    href
}

/// `/doc/ID`, with the question whose words to mark.
fn doc_href(id: &str, question: &str) -> String {
    let mut href = format!("/doc/{}", percent_encode(id));
    if !question.is_empty() {
        href.push_str(&format!("?q={}", percent_encode(question)));
    }
    href
}

/// Removes every tag and attribute these templates do not write.
fn clean(body: &str) -> String {
    let mut builder = sanitizer();
    builder
        .add_tags([
            "header", "footer", "main", "div", "section", "aside", "article", "nav", "form",
            "input", "button", "h1", "h3", "h4", "ul", "dl", "dt", "dd", "strong", "small", "a",
        ])
        .add_generic_attributes(["id"])
        .add_tag_attributes("a", ["href"])
        .add_tag_attributes("form", ["action", "method", "role"])
        .add_tag_attributes(
            "input",
            [
                "type",
                "name",
                "value",
                "placeholder",
                "autocomplete",
                "maxlength",
                "aria-label",
            ],
        )
        .add_tag_attributes("button", ["type"])
        .add_tag_attributes("section", ["aria-live", "aria-label"])
        .add_tag_attributes("aside", ["aria-label"])
        // Only links to this server's own paths are written.
        .url_schemes(std::collections::HashSet::new());
    builder.clean(body).to_string()
}

/// A whole page: the search form, the notice, and `main`.
fn layout(title: &str, question: &str, filters: &[Filter], main: &str) -> String {
    let hidden: String = filters
        .iter()
        .map(|filter| {
            format!(
                "<input type=\"hidden\" name=\"{}\" value=\"{}\">",
                filter.name,
                escape_html(&filter.value)
            )
        })
        .collect();
    let body = format!(
        "<header class=\"top\"><div class=\"bar\">\
<a class=\"brand\" href=\"/\">medkb</a>\
<form class=\"search\" method=\"get\" action=\"/search\" role=\"search\">\
<input type=\"search\" id=\"q\" name=\"q\" value=\"{question}\" \
placeholder=\"Ask about a medication, e.g. restless legs\" autocomplete=\"off\" \
maxlength=\"{max}\" aria-label=\"Question\">{hidden}\
<button type=\"submit\">Search</button></form></div></header>\n\
<p class=\"disclaimer\"><strong>Not medical advice.</strong> {NOT_MEDICAL_ADVICE}</p>\n\
<main id=\"main\">{main}</main>\n\
<footer><p>medkb · a local knowledge base about medications · not medical advice</p></footer>",
        question = escape_html(question),
        max = super::routes::MAX_QUESTION_CHARS,
    );
    format!(
        "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\n\
<title>{title}</title>\n<link rel=\"stylesheet\" href=\"/assets/medkb.css\">\n\
<script src=\"/assets/medkb.js\" defer></script>\n</head>\n<body>\n{body}\n</body>\n</html>\n",
        title = escape_html(title),
        body = clean(&body),
    )
}

/// The results and filters side by side; `home` when there are no results yet.
fn columns(facets: &str, results: &str, home: bool) -> String {
    format!(
        "<div class=\"layout{}\"><aside class=\"facets\" id=\"facets\" aria-label=\"Filters\">{facets}</aside>\
<section class=\"answers\" id=\"results\" aria-live=\"polite\">{results}</section></div>",
        if home { " home" } else { "" }
    )
}

/// The search page with nothing searched yet: what the knowledge base holds.
pub fn home(docs: &[Doc]) -> String {
    let mut html = String::from(
        "<p class=\"intro\">Ask a question in your own words: a drug, a brand name, a condition, \
a worry. Results appear as you type.</p>",
    );
    for (kind, heading) in [
        (crate::doc::Kind::Note, "Notes"),
        (crate::doc::Kind::Article, "Source articles"),
    ] {
        let listed: Vec<&Doc> = docs.iter().filter(|doc| doc.kind == kind).collect();
        if listed.is_empty() {
            continue;
        }
        html.push_str(&format!("<h2>{heading}</h2><ul class=\"docs\">"));
        for doc in listed {
            html.push_str(&format!(
                "<li><a href=\"{}\">{}</a></li>",
                escape_html(&doc_href(&doc.id, "")),
                escape_html(&doc.title)
            ));
        }
        html.push_str("</ul>");
    }
    layout("medkb", "", &[], &columns("", &html, true))
}

/// The results page of a search.
pub fn results(results: &SearchResults, filters: &[Filter]) -> String {
    let question = &results.query;
    let mut html = String::new();
    if let Some(suggestion) = &results.suggestion {
        html.push_str(&format!(
            "<p class=\"suggestion\">Did you mean <a href=\"{}\">{}</a>? Showing results for it.</p>",
            escape_html(&search_href(suggestion, filters)),
            escape_html(suggestion)
        ));
    }
    let quoted = format!("“{}”", escape_html(question));
    if results.nothing_searchable {
        html.push_str(&format!(
            "<p class=\"summary\">Nothing to search for in {quoted}: it has only very common words or punctuation.</p>"
        ));
    } else if results.hits.is_empty() {
        html.push_str(&format!(
            "<p class=\"summary\">No documents match {quoted}. Try fewer or other words.</p>"
        ));
    } else {
        let noun = if results.total == 1 {
            "document"
        } else {
            "documents"
        };
        let shown = results.hits.len();
        if shown < results.total {
            let all = format!(
                "{}&limit={}",
                search_href(question, filters),
                results.total.min(super::routes::MAX_LIMIT)
            );
            html.push_str(&format!(
                "<p class=\"summary\">The best {shown} of {} matching {noun} · <a href=\"{}\">show {}</a></p>",
                results.total,
                escape_html(&all),
                if results.total <= super::routes::MAX_LIMIT { "all" } else { "more" }
            ));
        } else {
            html.push_str(&format!(
                "<p class=\"summary\">{} matching {noun}</p>",
                results.total
            ));
        }
        html.push_str("<ol class=\"results\">");
        for hit in &results.hits {
            html.push_str(&format!(
                "<li class=\"hit\"><h2><a href=\"{}\">{}</a></h2>{}",
                escape_html(&doc_href(&hit.doc.id, question)),
                escape_html(&hit.doc.title),
                meta(&hit.doc)
            ));
            for passage in &hit.passages {
                if let Some(section) = &passage.section {
                    html.push_str(&format!(
                        "<p class=\"section\">§ {}</p>",
                        escape_html(section)
                    ));
                }
                html.push_str(&format!(
                    "<p class=\"snippet\">{}</p>",
                    html_highlighted(&passage.text, &passage.highlights)
                ));
            }
            html.push_str("</li>");
        }
        html.push_str("</ol>");
    }
    let facets = results
        .facets
        .as_ref()
        .map(|facets| facet_lists(question, facets, filters))
        .unwrap_or_default();
    layout(
        &format!("{question} · medkb"),
        question,
        filters,
        &columns(&facets, &html, false),
    )
}

/// A document's kind and drugs, under its title.
fn meta(doc: &Doc) -> String {
    let mut html = format!(
        "<p class=\"meta\"><span class=\"kind kind-{0}\">{0}</span>",
        doc.kind
    );
    for drug in &doc.drugs {
        html.push_str(&format!(
            " <span class=\"drug\">{}</span>",
            escape_html(drug)
        ));
    }
    html.push_str("</p>");
    html
}

/// The filters: each value of each facet a link that adds it to the
/// search, or removes it when it is on.
fn facet_lists(question: &str, facets: &crate::search::Facets, filters: &[Filter]) -> String {
    let mut html = String::new();
    for (name, title, counts) in [
        ("kind", "Kind", &facets.kind),
        ("drug", "Drug", &facets.drug),
        ("tag", "Tag", &facets.tag),
    ] {
        let mut values: BTreeMap<&str, usize> = counts
            .iter()
            .map(|(value, count)| (value.as_str(), *count))
            .collect();
        for filter in filters.iter().filter(|filter| filter.name == name) {
            values.entry(&filter.value).or_insert(0);
        }
        if values.is_empty() {
            continue;
        }
        let mut values: Vec<(&str, usize)> = values.into_iter().collect();
        values.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        html.push_str(&format!(
            "<h2 class=\"facet-title\">{title}</h2><ul class=\"facet\">"
        ));
        for (value, count) in values {
            let this = Filter::new(name, value);
            let on = filters.contains(&this);
            let toggled: Vec<Filter> = if on {
                filters.iter().filter(|f| **f != this).cloned().collect()
            } else {
                let mut more: Vec<Filter> = filters
                    .iter()
                    // One kind at a time: choosing another replaces it.
                    .filter(|f| !(name == "kind" && f.name == "kind"))
                    .cloned()
                    .collect();
                more.push(this);
                more
            };
            html.push_str(&format!(
                "<li><a class=\"facet-value{}\" href=\"{}\">{} <span class=\"count\">{count}</span></a></li>",
                if on { " on" } else { "" },
                escape_html(&search_href(question, &toggled)),
                escape_html(value)
            ));
        }
        html.push_str("</ul>");
    }
    html
}

/// A document page and what it links to.
pub struct DocView<'a> {
    pub doc: &'a Doc,
    /// The question whose words to mark; may be empty.
    pub question: &'a str,
    /// The ids of the articles it cites, each with the article if present.
    pub sources: &'a [(String, Option<Doc>)],
    /// The notes that cite it.
    pub citing: &'a [Doc],
    /// Similar documents not listed above, with reasons.
    pub related: &'a [Related],
}

impl DocView<'_> {
    pub fn render(&self, mut highlighter: Option<&mut Highlighter>) -> String {
        let doc = self.doc;
        let mut mark = |text: &str| match highlighter.as_deref_mut() {
            Some(highlighter) => html_highlighted(text, &highlighter.marks(text)),
            None => escape_html(text),
        };
        let mut html = String::from("<article class=\"doc\">");
        if !self.question.trim().is_empty() {
            html.push_str(&format!(
                "<p class=\"back\"><a href=\"{}\">← Results for “{}”</a></p>",
                escape_html(&search_href(self.question, &[])),
                escape_html(self.question)
            ));
        }
        html.push_str(&format!("<h1>{}</h1>{}", mark(&doc.title), meta(doc)));
        let mut facts = String::new();
        if !doc.aliases.is_empty() {
            let aliases: Vec<String> = doc.aliases.iter().map(|alias| mark(alias)).collect();
            facts.push_str(&format!(
                "<dt>Also known as</dt><dd>{}</dd>",
                aliases.join(", ")
            ));
        }
        if !doc.tags.is_empty() {
            let tags: Vec<String> = doc
                .tags
                .iter()
                .map(|tag| format!("<span class=\"tag\">{}</span>", escape_html(tag)))
                .collect();
            facts.push_str(&format!("<dt>Tags</dt><dd>{}</dd>", tags.join(" ")));
        }
        if let Some(source) = &doc.source {
            facts.push_str(&format!(
                "<dt>Original file</dt><dd><code>{}</code></dd>",
                escape_html(source)
            ));
        }
        facts.push_str(&format!(
            "<dt>File</dt><dd><code>{}</code></dd>",
            escape_html(&doc.path)
        ));
        html.push_str(&format!("<dl class=\"facts\">{facts}</dl>"));
        html.push_str(&format!(
            "<div class=\"body\">{}</div>",
            body(&doc.body, &mut mark)
        ));

        if !self.sources.is_empty() {
            html.push_str("<section class=\"links\"><h2>Sources</h2><ul>");
            for (id, found) in self.sources {
                match found {
                    Some(source) => html.push_str(&format!(
                        "<li><a href=\"{}\">{}</a></li>",
                        escape_html(&doc_href(id, self.question)),
                        escape_html(&source.title)
                    )),
                    None => html.push_str(&format!(
                        "<li>{} <small>(not in the knowledge base)</small></li>",
                        escape_html(id)
                    )),
                }
            }
            html.push_str("</ul></section>");
        }
        if !self.citing.is_empty() {
            html.push_str(&format!(
                "<section class=\"links\"><h2>Notes that cite this {}</h2><ul>",
                doc.kind
            ));
            for other in self.citing {
                html.push_str(&format!(
                    "<li><a href=\"{}\">{}</a></li>",
                    escape_html(&doc_href(&other.id, self.question)),
                    escape_html(&other.title)
                ));
            }
            html.push_str("</ul></section>");
        }
        if !self.related.is_empty() {
            html.push_str("<section class=\"links\"><h2>Related</h2><ul>");
            for entry in self.related {
                html.push_str(&format!(
                    "<li><a href=\"{}\">{}</a> <span class=\"kind kind-{kind}\">{kind}</span> <small>{}</small></li>",
                    escape_html(&doc_href(&entry.doc.id, self.question)),
                    escape_html(&entry.doc.title),
                    escape_html(&entry.reasons.join("; ")),
                    kind = entry.doc.kind,
                ));
            }
            html.push_str("</ul></section>");
        }
        html.push_str("</article>");
        layout(&format!("{} · medkb", doc.title), self.question, &[], &html)
    }
}

/// A stored body as HTML: headings, paragraphs, and runs of list items as
/// lists; `mark` escapes each piece of text and marks the question's words.
fn body(body: &str, mark: &mut dyn FnMut(&str) -> String) -> String {
    let mut html = String::new();
    let mut open_list: Option<&str> = None;
    for block in body.split("\n\n").map(str::trim).filter(|b| !b.is_empty()) {
        let item = list_item(block);
        let wanted = item.map(|(tag, _)| tag);
        if open_list != wanted {
            if let Some(tag) = open_list {
                html.push_str(&format!("</{tag}>"));
            }
            if let Some(tag) = wanted {
                html.push_str(&format!("<{tag}>"));
            }
            open_list = wanted;
        }
        if let Some((_, text)) = item {
            html.push_str(&format!("<li>{}</li>", mark(text)));
        } else if block.starts_with('#') {
            let level = block.chars().take_while(|&c| c == '#').count();
            // The title is the page's h1: the body's headings start at h2.
            let tag = format!("h{}", level.clamp(2, 4));
            let text = block.trim_start_matches('#').trim();
            html.push_str(&format!("<{tag}>{}</{tag}>", mark(text)));
        } else if block.contains('\n') {
            html.push_str(&format!("<p class=\"lines\">{}</p>", mark(block)));
        } else {
            html.push_str(&format!("<p>{}</p>", mark(block)));
        }
    }
    if let Some(tag) = open_list {
        html.push_str(&format!("</{tag}>"));
    }
    html
}

/// `("ul", text)` for `- text`, `("ol", text)` for `3. text`.
fn list_item(block: &str) -> Option<(&'static str, &str)> {
    if let Some(text) = block.strip_prefix("- ") {
        return Some(("ul", text));
    }
    let digits = block.chars().take_while(char::is_ascii_digit).count();
    match block[digits..].strip_prefix(". ") {
        Some(text) if digits > 0 => Some(("ol", text)),
        _ => None,
    }
}

/// A page saying why a request failed, with the search box to go on from.
pub fn error(status: u16, message: &str) -> String {
    let title = match status {
        404 => "Not found",
        405 => "Method not allowed",
        414 => "Too long",
        400..=499 => "Bad request",
        _ => "The knowledge base cannot answer now",
    };
    let main = format!(
        "<h1>{title}</h1><p class=\"summary\">{}</p><p><a href=\"/\">Start again</a></p>",
        escape_html(message)
    );
    layout(
        &format!("{title} · medkb"),
        "",
        &[],
        &columns("", &main, true),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_become_headings_paragraphs_and_lists() {
        let html = body(
            "Intro <b>bold</b>.\n\n## Uses\n\n- one\n\n- two\n\n1. first\n\n2. second\n\nRow | a\nRow | b",
            &mut |text: &str| escape_html(text),
        );
        assert_eq!(
            html,
            "<p>Intro &lt;b&gt;bold&lt;/b&gt;.</p><h2>Uses</h2><ul><li>one</li><li>two</li></ul>\
<ol><li>first</li><li>second</li></ol><p class=\"lines\">Row | a\nRow | b</p>"
        );
    }

    #[test]
    fn the_page_keeps_its_own_markup_and_drops_anything_else() {
        let cleaned = clean(
            "<form class=\"search\" method=\"get\" action=\"/search\"><input type=\"search\" name=\"q\" \
value=\"&quot;&gt;&lt;script&gt;\"></form><a href=\"javascript:alert(1)\">x</a>\
<a href=\"/doc/a\" onclick=\"x()\">y</a><script>alert(1)</script><img src=x onerror=alert(1)>",
        );
        assert!(cleaned.contains("<form class=\"search\" method=\"get\" action=\"/search\">"));
        assert!(
            cleaned.contains("value=\"&quot;&gt;&lt;script&gt;\""),
            "{cleaned}"
        );
        assert!(!cleaned.contains("javascript:"), "{cleaned}");
        assert!(
            !cleaned.contains("onclick")
                && !cleaned.contains("<script")
                && !cleaned.contains("<img")
        );
        assert!(cleaned.contains("href=\"/doc/a\""), "{cleaned}");
    }

    #[test]
    fn links_encode_the_question_and_filters() {
        assert_eq!(
            search_href("a&b c", &[Filter::new("drug", "x y")]),
            "/search?q=a%26b%20c&drug=x%20y"
        );
        assert_eq!(doc_href("a.b", "q?"), "/doc/a.b?q=q%3F");
    }
}
