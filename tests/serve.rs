//! `medkb serve`: the real server on the real corpus and on corpora written
//! per test, spoken to over real sockets: the JSON API matches the command
//! line, pages escape whatever the corpus holds, document routes reach only
//! indexed ids, hostile and malformed requests get a 4xx, a rebuilt index is
//! picked up without a restart, and a signal stops the server cleanly.

mod common;

use std::net::TcpListener;

use common::http::{request, HttpResponse, Served};
use common::{assert_failure, assert_success, stdout, SearchJson, TestKb};
use serde_json::Value;

fn cli_json(kb: &TestKb, args: &[&str]) -> Value {
    let output = kb.run(args);
    assert_success(&output);
    serde_json::from_slice(&output.stdout).unwrap()
}

fn assert_status(response: &HttpResponse, status: u16, what: &str) {
    assert_eq!(response.status, status, "{what}: {}", response.text());
}

#[test]
fn prints_its_url_and_serves_the_page_on_loopback() {
    let kb = TestKb::real();
    let served = Served::start(&kb);
    assert!(
        served.url.starts_with("http://127.0.0.1:"),
        "{}",
        served.url
    );
    served.wait_for_stderr(&format!("medkb: serving {} (Ctrl-C to stop)", served.url));
    let page = served.get("/");
    assert_status(&page, 200, "/");
    let html = page.text();
    assert_eq!(
        page.header("Content-Type"),
        Some("text/html; charset=utf-8")
    );
    assert!(html.contains("name=\"viewport\""), "{html}");
    assert!(html.contains("not medical advice"), "{html}");
    assert!(html.contains("<form class=\"search\" method=\"get\" action=\"/search\""));
    assert!(
        html.contains("href=\"/doc/restless-legs-syndrome\""),
        "the home page lists the documents"
    );
}

#[test]
fn the_json_api_answers_as_search_json_does() {
    let kb = TestKb::real();
    let served = Served::start(&kb);
    let cases: [(&str, &[&str]); 5] = [
        ("q=restless+legs", &["restless legs"]),
        (
            "q=klonopin&kind=note&limit=3",
            &["klonopin", "--kind", "note", "-n", "3"],
        ),
        ("q=clonazpam+for+sleep", &["clonazpam for sleep"]),
        (
            "q=sleep&drug=clonazepam&tag=safety&facets=1&passages=2",
            &[
                "sleep",
                "--drug",
                "clonazepam",
                "--tag",
                "safety",
                "--facets",
                "--passages",
                "2",
            ],
        ),
        ("q=rivotril&explain=1", &["rivotril", "--explain"]),
    ];
    for (query, args) in cases {
        let response = served.get(&format!("/api/search?{query}"));
        assert_status(&response, 200, query);
        assert_eq!(response.header("Content-Type"), Some("application/json"));
        // The documented shape, no field more or less.
        let shaped: SearchJson = serde_json::from_slice(&response.body).unwrap();
        assert!(!shaped.hits.is_empty(), "{query}");
        let mut cli = vec!["search", "--json"];
        cli.extend_from_slice(args);
        assert_eq!(response.json(), cli_json(&kb, &cli), "{query}");
    }
    let corrected = served.get("/api/search?q=clonazpam+for+sleep").json();
    assert_eq!(corrected["suggestion"], "clonazepam for sleep");
}

#[test]
fn the_document_api_answers_as_show_json_does() {
    let kb = TestKb::real();
    let served = Served::start(&kb);
    for id in ["clonazepam", "what-is-clonazepam"] {
        let response = served.get(&format!("/api/doc/{id}"));
        assert_status(&response, 200, id);
        assert_eq!(response.json(), cli_json(&kb, &["show", "--json", id]));
    }
    let missing = served.get("/api/doc/no-such-document");
    assert_status(&missing, 404, "unknown id");
    assert!(missing.json()["error"]
        .as_str()
        .unwrap()
        .contains("no-such-document"));
    let empty = served.get("/api/search?q=");
    assert_status(&empty, 400, "empty question");
    assert!(empty.json()["error"].as_str().unwrap().contains("empty"));
}

#[test]
fn the_results_page_works_without_javascript() {
    let kb = TestKb::real();
    let served = Served::start(&kb);
    let html = served.get("/search?q=restless+legs").text();
    assert!(
        html.contains("value=\"restless legs\""),
        "the box keeps the question"
    );
    let first = html.find("<ol class=\"results\">").expect("a results list");
    let hit = &html[first..];
    assert!(hit.contains("href=\"/doc/restless-legs-syndrome?q=restless%20legs\""));
    assert!(
        hit.contains("<mark>restless</mark> <mark>legs</mark>"),
        "{hit}"
    );
    assert!(hit.contains("<p class=\"section\">§ "), "{hit}");
    assert!(html.contains("matching documents"));
    // Filters are links that narrow the search.
    assert!(
        html.contains("href=\"/search?q=restless%20legs&amp;kind=note\""),
        "{html}"
    );
    let narrowed = served.get("/search?q=restless+legs&kind=article").text();
    assert!(narrowed.contains("class=\"facet-value on\""));
    assert!(!narrowed.contains("kind kind-note"), "only articles");
    // Did you mean.
    let corrected = served.get("/search?q=clonazpam").text();
    assert!(
        corrected.contains("Did you mean <a href=\"/search?q=clonazepam\""),
        "{corrected}"
    );
    // More than one page of results: a link to all of them.
    let many = served.get("/search?q=klonopin").text();
    let total = served.get("/api/search?q=klonopin").json()["total"]
        .as_u64()
        .unwrap();
    assert!(total > 10);
    assert!(
        many.contains(&format!("href=\"/search?q=klonopin&amp;limit={total}\"")),
        "{many}"
    );
    let all = served
        .get(&format!("/search?q=klonopin&limit={total}"))
        .text();
    assert_eq!(all.matches("class=\"hit\"").count() as u64, total);
    // An empty question shows the start page.
    assert_status(&served.get("/search?q="), 200, "empty question");
}

#[test]
fn the_document_page_marks_the_question_and_links_sources_and_citing_notes() {
    let kb = TestKb::real();
    let served = Served::start(&kb);
    let note = served.get("/doc/restless-legs-syndrome?q=restless+legs");
    assert_status(&note, 200, "note");
    let html = note.text();
    assert!(
        html.contains("<h1><mark>Restless</mark> <mark>legs</mark> syndrome</h1>"),
        "{html}"
    );
    assert!(html.contains("<dt>Also known as</dt><dd>RLS"), "aliases");
    assert!(
        html.contains("<span class=\"tag\">condition</span>"),
        "tags"
    );
    assert!(html.contains("<h2>Sources</h2>"));
    assert!(
        html.contains("href=\"/doc/what-is-clonazepam?q=restless%20legs\""),
        "cited article"
    );
    let article = served.get("/doc/clonazepam-for-sleep").text();
    assert!(
        article.contains("<h2>Notes that cite this article</h2>"),
        "{article}"
    );
    assert!(
        article.contains("href=\"/doc/restless-legs-syndrome\""),
        "citing note"
    );
    assert!(!article.contains("<mark>"), "no question, nothing marked");
}

#[test]
fn every_response_carries_the_security_headers() {
    let kb = TestKb::real();
    let served = Served::start(&kb);
    for path in [
        "/",
        "/search?q=sleep",
        "/doc/clonazepam",
        "/api/search?q=sleep",
        "/api/doc/clonazepam",
        "/assets/medkb.js",
        "/assets/medkb.css",
        "/nowhere",
    ] {
        let response = served.get(path);
        let csp = response
            .header("Content-Security-Policy")
            .unwrap_or_else(|| panic!("no CSP on {path}"));
        assert!(
            csp.contains("default-src 'none'") && csp.contains("script-src 'self'"),
            "{csp}"
        );
        assert!(
            csp.contains("object-src 'none'") && csp.contains("base-uri 'none'"),
            "{csp}"
        );
        assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
        assert!(!csp.contains("unsafe"), "{csp}");
        assert_eq!(
            response.header("X-Content-Type-Options"),
            Some("nosniff"),
            "{path}"
        );
    }
    assert_eq!(
        served.get("/assets/medkb.js").header("Content-Type"),
        Some("text/javascript; charset=utf-8")
    );
    // The page runs only its own script file: no inline script or style.
    let html = served.get("/search?q=sleep").text();
    assert_eq!(html.matches("<script").count(), 1);
    assert!(html.contains("<script src=\"/assets/medkb.js\" defer></script>"));
    assert!(!html.contains("<style") && !html.contains("style="));
}

#[test]
fn document_routes_reach_indexed_ids_only_never_files() {
    let kb = TestKb::real();
    let served = Served::start(&kb);
    for path in [
        "/doc/../Cargo.toml",
        "/doc/..%2FCargo.toml",
        "/doc/..%2f..%2f..%2fetc%2fpasswd",
        "/doc/%2e%2e/%2e%2e/Cargo.toml",
        "/doc/%2e%2e%2f%2e%2e%2fREADME.md",
        "/doc/%2E%2E",
        "/doc/..",
        "/doc/.",
        "/doc/",
        "/doc/notes/clonazepam",
        "/doc/clonazepam.md",
        "/doc/corpus%2fnotes%2fclonazepam.md",
        "/doc/%2fetc%2fpasswd",
        "/doc/..%5c..%5cCargo.toml",
        "/api/doc/..%2F..%2FCargo.toml",
        "/api/doc/%2e%2e",
        "/assets/../Cargo.toml",
        "/assets/..%2f..%2fCargo.toml",
        "/corpus/notes/clonazepam.md",
        "/index/CURRENT",
        "/Cargo.toml",
    ] {
        let raw = format!("GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        let response = served.raw(raw.as_bytes());
        assert_status(&response, 404, path);
        let body = response.text();
        assert!(
            !body.contains("[package]") && !body.contains("root:"),
            "{path}: {body}"
        );
    }
    for path in ["/doc/%ff", "/doc/%", "/doc/%zz", "/search?q=%ff"] {
        assert_status(&served.get(path), 400, path);
    }
}

#[test]
fn malformed_oversized_and_non_get_requests_get_4xx_and_the_server_goes_on() {
    let kb = TestKb::real();
    let served = Served::start(&kb);
    let long_question = format!("/api/search?q={}", "a".repeat(1001));
    assert_status(&served.get(&long_question), 414, "1001-character question");
    let long_page = format!("/search?q={}", "a+".repeat(600));
    assert_status(
        &served.get(&long_page),
        414,
        "1200-character question on the page",
    );
    assert_status(
        &served.get(&format!("/doc/clonazepam?q={}", "a".repeat(1001))),
        414,
        "doc",
    );
    let long_target = format!("/{}", "a".repeat(100_000));
    assert_status(&served.get(&long_target), 414, "100 KB target");
    let huge_header = format!(
        "GET / HTTP/1.1\r\nHost: x\r\nX-Big: {}\r\n\r\n",
        "b".repeat(200 * 1024)
    );
    assert_status(&served.raw(huge_header.as_bytes()), 431, "200 KB header");
    let many_headers = format!("GET / HTTP/1.1\r\n{}\r\n", "X-A: b\r\n".repeat(500));
    assert_status(&served.raw(many_headers.as_bytes()), 431, "500 headers");
    for raw in [
        &b"garbage\r\n\r\n"[..],
        b"GET\r\n\r\n",
        b"GET /\r\n\r\n",
        b"GET / HTTP/1.1 more\r\n\r\n",
        b"GET nothing HTTP/1.1\r\n\r\n",
        b"\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03\r\n\r\n",
        b"GET /\x00 HTTP/1.1\r\n\r\n",
        b"GET / HTTP/1.1\r\nno-colon\r\n\r\n",
        b"GET / HTTP/1.1\r\nContent-Length: lots\r\n\r\n",
    ] {
        let response = served.raw(raw);
        assert_status(&response, 400, &String::from_utf8_lossy(raw));
    }
    for method in ["POST", "PUT", "DELETE", "OPTIONS", "PATCH", "BREW"] {
        let response = request(&served.addr, method, "/api/search?q=sleep", Some("{}"));
        assert_status(&response, 405, method);
        assert_eq!(response.header("Allow"), Some("GET, HEAD"), "{method}");
    }
    assert_status(&served.get("/api/search?q=a&limit=many"), 400, "bad limit");
    assert_status(&served.get("/api/search?q=a&kind=video"), 400, "bad kind");
    assert_status(&served.get("/nowhere"), 404, "unknown route");
    assert_status(&served.get("/api/nowhere"), 404, "unknown API route");
    // HEAD: the headers of GET, no body.
    let head = request(&served.addr, "HEAD", "/", None);
    assert_status(&head, 200, "HEAD");
    assert!(head.body.is_empty());
    assert!(
        head.header("Content-Length")
            .unwrap()
            .parse::<usize>()
            .unwrap()
            > 0
    );
    // After all that, it still answers, and nothing crashed.
    assert_status(&served.get("/api/search?q=sleep"), 200, "after abuse");
    let stderr = served.stderr();
    assert!(
        !stderr.contains("internal error") && !stderr.contains("panicked"),
        "{stderr}"
    );
}

#[test]
fn one_connection_carries_many_requests() {
    let kb = TestKb::real();
    let served = Served::start(&kb);
    let raw = "GET /api/search?q=sleep HTTP/1.1\r\nHost: x\r\n\r\n".repeat(3)
        + "GET /api/doc/baclofen HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
    let mut stream = std::net::TcpStream::connect(&served.addr).unwrap();
    std::io::Write::write_all(&mut stream, raw.as_bytes()).unwrap();
    let mut bytes = Vec::new();
    std::io::Read::read_to_end(&mut stream, &mut bytes).unwrap();
    let text = String::from_utf8_lossy(&bytes);
    assert_eq!(text.matches("HTTP/1.1 200 OK\r\n").count(), 4, "{text}");
    assert!(text.ends_with("}\n"), "the last body is whole");
}

#[test]
fn a_changed_corpus_or_rebuilt_index_is_picked_up_without_a_restart() {
    let kb = TestKb::new();
    kb.note("first", "First note", &[], "Nothing about fish here.");
    let served = Served::start(&kb);
    let total = |query: &str| served.get(&format!("/api/search?q={query}")).json()["total"].clone();
    assert_eq!(total("zebrafish"), 0);
    // A note added: the next request finds the corpus changed and rebuilds.
    kb.note("zebrafish", "Zebrafish", &[], "Zebrafish sleep studies.");
    assert_eq!(total("zebrafish"), 1);
    served.wait_for_stderr("medkb: rebuilt the index");
    // Another process rebuilds: the server reopens the new generation.
    kb.note("goldfish", "Goldfish", &[], "Goldfish memory.");
    assert_success(&kb.run(&["index"]));
    assert_eq!(total("goldfish"), 1);
    let page = served.get("/doc/goldfish").text();
    assert!(page.contains("<h1>Goldfish</h1>"), "{page}");
    // A removed note is gone too.
    std::fs::remove_file(kb.corpus.join("notes/zebrafish.md")).unwrap();
    assert_eq!(total("zebrafish"), 0);
    assert_status(&served.get("/doc/zebrafish"), 404, "removed note");
}

#[test]
fn without_its_corpus_the_server_answers_from_the_index_as_last_built() {
    let kb = TestKb::new();
    kb.note("kept", "Kept note", &[], "Axolotl regeneration.");
    let served = Served::start(&kb);
    std::fs::remove_dir_all(&kb.corpus).unwrap();
    let answer = served.get("/api/search?q=axolotl");
    assert_status(&answer, 200, "corpus gone");
    assert_eq!(answer.json()["total"], 1);
    served.wait_for_stderr("the index may be out of date");
    // The index gone too: nothing to answer from, said plainly.
    std::fs::remove_dir_all(&kb.index).unwrap();
    let failed = served.get("/api/search?q=axolotl");
    assert_status(&failed, 503, "corpus and index gone");
    assert!(
        failed.json()["error"]
            .as_str()
            .unwrap()
            .contains("no corpus folder"),
        "{}",
        failed.text()
    );
    assert_status(&served.get("/search?q=axolotl"), 503, "the page too");
}

#[test]
fn sigterm_and_ctrl_c_stop_the_server_cleanly() {
    let kb = TestKb::real();
    for signal in ["TERM", "INT"] {
        let served = Served::start(&kb);
        assert_status(&served.get("/"), 200, "before the signal");
        let addr = served.addr.clone();
        let (status, took) = served.stop(signal);
        assert_eq!(status.code(), Some(0), "SIG{signal}");
        assert!(took.as_secs() < 5, "SIG{signal} took {took:?}");
        assert!(
            std::net::TcpStream::connect(&addr).is_err(),
            "still listening after SIG{signal}"
        );
    }
}

#[test]
fn a_port_in_use_is_one_clear_error() {
    let kb = TestKb::real();
    let taken = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port().to_string();
    let output = kb.run(&["serve", "--port", &port]);
    assert_failure(
        &output,
        1,
        &format!("medkb: cannot listen on 127.0.0.1:{port}: "),
    );
    assert!(
        common::stderr(&output).contains("(choose another --port, or --port 0 for any free one)")
    );
    assert!(stdout(&output).is_empty());
    let bad = kb.run(&["serve", "--bind", "localhost:80"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(common::stderr(&bad).contains("invalid value 'localhost:80' for '--bind <ADDR>'"));
}

/// Payloads that, if any reached the page as markup, would show in the
/// markup check below (the browser test checks that none runs).
const HOSTILE: &[&str] = &[
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(2)>",
    "\"><svg onload=alert(3)>",
    "<a href=\"javascript:alert(4)\">click</a>",
    "</title><script>alert(5)</script>",
    "<iframe srcdoc=\"<script>alert(6)</script>\"></iframe>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(7)>",
    "' autofocus onfocus=alert(8) x='",
    "<base href=\"javascript:alert(9)//\">",
    "<meta http-equiv=\"refresh\" content=\"0;url=javascript:alert(10)\">",
];

/// Tag name and attributes of every tag in `html`; attribute values as
/// written (the serializer always double-quotes them).
fn tags(html: &str) -> Vec<(String, Vec<(String, String)>)> {
    let mut tags = Vec::new();
    let mut rest = html;
    while let Some(open) = rest.find('<') {
        let after = &rest[open + 1..];
        let close = after.find('>').expect("unclosed tag");
        let inside = &after[..close];
        let name_end = inside.find(char::is_whitespace).unwrap_or(inside.len());
        let name = inside[..name_end].trim_start_matches('/').to_lowercase();
        let mut attributes = Vec::new();
        let mut attrs = inside[name_end..].trim();
        while !attrs.is_empty() {
            let name_len = attrs.find(['=', ' ']).unwrap_or(attrs.len());
            let attr = attrs[..name_len].to_lowercase();
            attrs = &attrs[name_len..];
            let value = if let Some(quoted) = attrs.strip_prefix("=\"") {
                let end = quoted.find('"').expect("closing quote");
                attrs = &quoted[end + 1..];
                quoted[..end].to_string()
            } else {
                String::new()
            };
            attributes.push((attr, value));
            attrs = attrs.trim_start();
        }
        tags.push((name, attributes));
        rest = &after[close + 1..];
    }
    tags
}

/// Every tag and attribute of a served page is one the templates write.
fn assert_page_markup_is_ours(html: &str) {
    const TAGS: &[&str] = &[
        "!doctype", "html", "head", "meta", "title", "link", "script", "body", "header", "div",
        "a", "form", "input", "button", "p", "strong", "main", "footer", "aside", "section", "h1",
        "h2", "ol", "ul", "li", "mark", "span", "article", "dl", "dt", "dd", "code", "small",
    ];
    const ATTRIBUTES: &[&str] = &[
        "lang",
        "charset",
        "name",
        "content",
        "rel",
        "class",
        "id",
        "href",
        "method",
        "action",
        "role",
        "type",
        "value",
        "placeholder",
        "autocomplete",
        "maxlength",
        "aria-label",
        "aria-live",
        "src",
        "defer",
    ];
    for (name, attributes) in tags(html) {
        assert!(
            TAGS.contains(&name.as_str()),
            "unexpected <{name}> in the page"
        );
        for (attribute, value) in attributes {
            if name == "!doctype" {
                continue;
            }
            assert!(
                ATTRIBUTES.contains(&attribute.as_str()),
                "unexpected attribute {attribute}={value:?} on <{name}>"
            );
            if matches!(attribute.as_str(), "href" | "action" | "src") {
                assert!(value.starts_with('/'), "{attribute}={value:?} on <{name}>");
            }
            if name == "script" && attribute == "src" {
                assert_eq!(value, "/assets/medkb.js");
            }
        }
    }
}

#[test]
fn pages_show_hostile_notes_as_text() {
    let kb = TestKb::new();
    for (i, payload) in HOSTILE.iter().enumerate() {
        let escaped = payload.replace('\\', "\\\\").replace('"', "\\\"");
        kb.write(
            &format!("notes/hostile-{i}.md"),
            format!(
                "---\nid: hostile-{i}\ntitle: \"{escaped} hostileword\"\naliases: [\"{escaped}\"]\n\
                 tags: [\"{escaped}\"]\ndrugs: [\"{escaped}\"]\nsources: [\"{escaped}\", hostile-0]\n---\n\
                 hostileword {payload}\n\n## {payload}\n\n- {payload}\n\n{payload}\n"
            ),
        );
    }
    let served = Served::start(&kb);
    let mut pages = vec![
        served.get("/"),
        served.get("/search?q=hostileword&limit=100&passages=5"),
        served.get("/search?q=%3Cscript%3Ealert(1)%3C%2Fscript%3E"),
        served.get("/search?q=hostileword&drug=%3Cscript%3E&tag=%22%3E%3Cimg"),
        served.get("/nowhere%3Cscript%3Ealert(1)%3C%2Fscript%3E"),
    ];
    for i in 0..HOSTILE.len() {
        pages.push(served.get(&format!("/doc/hostile-{i}?q=hostileword+%3Cscript%3E")));
    }
    for page in &pages {
        let html = page.text();
        assert_page_markup_is_ours(&html);
    }
    let results = pages[1].text();
    assert_eq!(results.matches("class=\"hit\"").count(), HOSTILE.len());
    assert!(
        results.contains("&lt;script&gt;alert(1)&lt;/script&gt; hostileword"),
        "titles as text"
    );
    let doc = pages[5].text();
    // The question's words are marked even inside the hostile text.
    assert!(
        doc.contains("<h1>&lt;<mark>script</mark>&gt;alert(1)&lt;/<mark>script</mark>&gt; <mark>hostileword</mark></h1>"),
        "{doc}"
    );
    // JSON stays valid and carries the text as it is.
    let json = served.get("/api/search?q=hostileword&limit=100").json();
    let titles: Vec<&str> = json["hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|hit| hit["title"].as_str().unwrap())
        .collect();
    assert!(
        titles.contains(&"<script>alert(1)</script> hostileword"),
        "{titles:?}"
    );
}
