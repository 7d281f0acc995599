//! `medkb serve` in a real browser: Debian's headless Chromium, driven
//! through chromedriver's WebDriver protocol (JSON over HTTP, spoken with
//! the std-only client of `common::http`). A reader types a question and
//! sees ranked, highlighted results without a page load, clicks through to
//! the document and its sources, searches with JavaScript off, and notes
//! planted with script payloads run nothing.
//!
//! These tests need `chromium` and `chromium-driver` (`.ci/run` installs
//! them); without them they fail, saying so.

mod common;

use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use common::http::{request, try_exchange, Served};
use common::TestKb;
use serde_json::{json, Value};

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
/// WebDriver's key for an element reference.
const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";
const WAIT: Duration = Duration::from_secs(15);

/// A headless Chromium session, closed (and its driver stopped) when dropped.
struct Browser {
    driver: Child,
    addr: String,
    session: String,
    _profile: tempfile::TempDir,
}

impl Browser {
    fn start(javascript: bool) -> Browser {
        for program in [CHROMIUM, CHROMEDRIVER] {
            assert!(
                Path::new(program).exists(),
                "{program} is missing: the browser tests need Debian's headless Chromium \
                 (apt-get install -y chromium chromium-driver; .ci/run installs it)"
            );
        }
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|listener| listener.local_addr())
            .expect("a free port")
            .port();
        let driver = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromedriver");
        let profile = tempfile::tempdir().unwrap();
        let mut browser = Browser {
            driver,
            addr: format!("127.0.0.1:{port}"),
            session: String::new(),
            _profile: profile,
        };
        let started = Instant::now();
        while !browser.ready() {
            assert!(started.elapsed() < WAIT, "chromedriver did not start");
            thread::sleep(Duration::from_millis(50));
        }
        let mut args = vec![
            "--headless".to_string(),
            "--no-sandbox".into(),
            "--disable-gpu".into(),
            "--disable-dev-shm-usage".into(),
            // The sandbox has no network: Chromium must not try to reach one.
            "--disable-quic".into(),
            "--no-first-run".into(),
            "--disable-background-networking".into(),
            "--disable-component-update".into(),
            "--disable-sync".into(),
            "--window-size=1100,800".into(),
            format!("--user-data-dir={}", browser._profile.path().display()),
        ];
        if !javascript {
            args.push("--blink-settings=scriptEnabled=false".into());
        }
        let created = browser.post(
            "/session",
            json!({"capabilities": {"alwaysMatch": {
                "browserName": "chrome",
                "goog:chromeOptions": {"binary": CHROMIUM, "args": args},
            }}}),
        );
        browser.session = created["sessionId"]
            .as_str()
            .expect("a session id")
            .to_string();
        browser
    }

    fn ready(&self) -> bool {
        let status = b"GET /status HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";
        try_exchange(&self.addr, status).is_ok_and(|response| {
            serde_json::from_slice::<Value>(&response.body)
                .is_ok_and(|body| body["value"]["ready"] == true)
        })
    }

    /// Sends a WebDriver command; its `value`, or the error it names.
    fn send(&self, method: &str, path: &str, body: Option<Value>) -> Result<Value, String> {
        let body = body.map(|body| body.to_string());
        let response = request(&self.addr, method, path, body.as_deref());
        let value = response.json()["value"].clone();
        if response.status == 200 {
            Ok(value)
        } else {
            Err(format!("{}: {}", value["error"], value["message"]))
        }
    }

    fn post(&self, path: &str, body: Value) -> Value {
        self.send("POST", path, Some(body))
            .unwrap_or_else(|err| panic!("POST {path}: {err}"))
    }

    fn session_path(&self, rest: &str) -> String {
        format!("/session/{}{rest}", self.session)
    }

    fn goto(&self, url: &str) {
        self.post(&self.session_path("/url"), json!({ "url": url }));
    }

    fn find(&self, css: &str) -> String {
        let found = self.post(
            &self.session_path("/element"),
            json!({"using": "css selector", "value": css}),
        );
        found[ELEMENT].as_str().unwrap().to_string()
    }

    fn type_into(&self, css: &str, text: &str) {
        let element = self.find(css);
        self.post(
            &self.session_path(&format!("/element/{element}/value")),
            json!({ "text": text }),
        );
    }

    fn click(&self, css: &str) {
        let element = self.find(css);
        self.post(
            &self.session_path(&format!("/element/{element}/click")),
            json!({}),
        );
    }

    fn text(&self, css: &str) -> String {
        let element = self.find(css);
        self.send(
            "GET",
            &self.session_path(&format!("/element/{element}/text")),
            None,
        )
        .unwrap()
        .as_str()
        .unwrap()
        .to_string()
    }

    fn current_url(&self) -> String {
        let url = self.send("GET", &self.session_path("/url"), None);
        url.unwrap().as_str().unwrap().to_string()
    }

    /// Runs `script` (a function body) in the page and returns its result.
    fn script(&self, script: &str) -> Value {
        self.post(
            &self.session_path("/execute/sync"),
            json!({"script": script, "args": []}),
        )
    }

    /// Waits until `script` returns something truthy, and returns it.
    fn wait_for(&self, what: &str, script: &str) -> Value {
        let started = Instant::now();
        loop {
            let value = self.script(script);
            if !matches!(value, Value::Null | Value::Bool(false)) {
                return value;
            }
            assert!(started.elapsed() < WAIT, "gave up waiting for {what}");
            thread::sleep(Duration::from_millis(50));
        }
    }

    /// The text of an open alert, confirm or prompt dialog, if any.
    fn dialog(&self) -> Option<String> {
        self.send("GET", &self.session_path("/alert/text"), None)
            .ok()
            .map(|text| text.to_string())
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        if !self.session.is_empty() {
            let _ = self.send("DELETE", &self.session_path(""), None);
        }
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

#[test]
fn typing_a_question_shows_ranked_highlighted_results_and_a_click_opens_the_document() {
    let kb = TestKb::real();
    let served = Served::start(&kb);
    let browser = Browser::start(true);
    browser.goto(&served.url);
    assert_eq!(
        browser.script("return document.querySelectorAll('li.hit').length"),
        0
    );
    // Marks this page: a page load would lose it.
    browser.script("window.__samePage = true; return null");
    browser.type_into("#q", "restless legs");
    let titles = browser.wait_for(
        "results while typing",
        "const hits = [...document.querySelectorAll('#results li.hit h2 a')];
         return location.search.includes('restless') && hits.length > 0
             && hits.map(a => a.getAttribute('href'))",
    );
    assert_eq!(
        browser.script("return window.__samePage === true"),
        true,
        "no page load"
    );
    assert!(browser.current_url().ends_with("/search?q=restless+legs"));
    // Ranked as the API ranks them.
    let api = served.get("/api/search?q=restless+legs").json();
    let expected: Vec<String> = api["hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|hit| format!("/doc/{}?q=restless%20legs", hit["id"].as_str().unwrap()))
        .collect();
    assert_eq!(titles, json!(expected));
    let first = browser.script(
        "const hit = document.querySelector('#results li.hit');
         return {title: hit.querySelector('h2').textContent,
                 kind: hit.querySelector('.kind').textContent,
                 section: hit.querySelector('.section').textContent,
                 marks: [...hit.querySelectorAll('.snippet mark')].map(m => m.textContent.toLowerCase())}",
    );
    assert_eq!(first["title"], "Restless legs syndrome");
    assert_eq!(first["kind"], "note");
    assert!(first["section"].as_str().unwrap().starts_with("§ "));
    let marks = first["marks"].as_array().unwrap();
    assert!(
        marks.contains(&json!("restless")) && marks.contains(&json!("legs")),
        "{marks:?}"
    );
    assert!(browser
        .text("#results .summary")
        .contains("matching documents"));
    assert!(
        browser
            .script("return document.querySelectorAll('#facets a.facet-value').length")
            .as_u64()
            .unwrap()
            > 2,
        "filters drawn"
    );

    browser.click("#results li.hit h2 a");
    browser.wait_for(
        "the document page",
        "return location.pathname === '/doc/restless-legs-syndrome'",
    );
    assert_eq!(browser.text("h1"), "Restless legs syndrome");
    let marked = browser.script("return document.querySelectorAll('.body mark').length");
    assert!(marked.as_u64().unwrap() > 3, "{marked}");
    assert!(browser.text(".facts").contains("Willis-Ekbom disease"));
    browser.click(".links a[href^='/doc/what-is-clonazepam']");
    browser.wait_for(
        "the cited article",
        "return location.pathname === '/doc/what-is-clonazepam'",
    );
    assert!(browser
        .text("main")
        .contains("Notes that cite this article"));
    assert!(browser.dialog().is_none());
}

#[test]
fn without_javascript_the_form_still_searches() {
    let kb = TestKb::real();
    let served = Served::start(&kb);
    let browser = Browser::start(false);
    browser.goto(&served.url);
    browser.type_into("#q", "klonopin");
    // With scripts off, typing alone changes nothing.
    thread::sleep(Duration::from_millis(500));
    assert_eq!(browser.current_url(), served.url, "the script ran");
    browser.click("form.search button");
    let started = Instant::now();
    while !browser.current_url().contains("/search?q=klonopin") {
        assert!(started.elapsed() < WAIT, "the form did not submit");
        thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(
        browser.text("#results li.hit h2"),
        "The Medical Uses and Benefits of Klonopin"
    );
    assert!(browser.text("#results").contains("Clonazepam"));
}

/// Payloads that would set `window.__pwned`, change the title or open a
/// dialog if any of them ran.
const PAYLOADS: &[&str] = &[
    "<script>window.__pwned='script'</script>",
    "<img src=x onerror=\"window.__pwned='img'\">",
    "<svg onload=\"window.__pwned='svg'\">",
    "\"><img src=x onerror=\"window.__pwned='attribute'\">",
    "'><svg onload=window.__pwned='quote'>",
    "</title><script>document.title='pwned'</script>",
    "<iframe srcdoc=\"<script>parent.__pwned='iframe'</script>\"></iframe>",
    "<details open ontoggle=\"window.__pwned='details'\">",
    "<input autofocus onfocus=\"window.__pwned='focus'\">",
    "<math><mtext><table><mglyph><style><img src=x onerror=\"window.__pwned='math'\">",
    "<noscript><p title=\"</noscript><img src=x onerror=window.__pwned='noscript'>\">",
    "<img src=x onerror=alert('xss')>",
    "<body onload=\"document.title='pwned'\">",
    "<a href=\"javascript:window.__pwned='href'\">click</a>",
    "<base href=\"javascript:window.__pwned='base'//\">",
    "<meta http-equiv=\"refresh\" content=\"0;url=javascript:window.__pwned='meta'\">",
    "<object data=\"javascript:window.__pwned='object'\"></object>",
    "<style>@import 'javascript:window.__pwned=1';</style>",
];

/// What the page shows if a payload got through: a planted flag or title,
/// or any element the templates never write.
const PROBE: &str = "return {
    pwned: window.__pwned === undefined ? null : String(window.__pwned),
    title: document.title,
    foreign: [...document.querySelectorAll(
        'img, svg, math, iframe, object, embed, base, video, audio, details, style, noscript, ' +
        'body script, head meta[http-equiv], input:not(#q):not([type=hidden])')]
        .map(e => e.outerHTML.slice(0, 80)),
    links: [...document.querySelectorAll('a')].map(a => a.getAttribute('href'))
        .filter(href => !href.startsWith('/')),
}";

#[test]
fn notes_planted_with_script_payloads_run_nothing() {
    let kb = TestKb::new();
    for (i, payload) in PAYLOADS.iter().enumerate() {
        let quoted = payload.replace('\\', "\\\\").replace('"', "\\\"");
        kb.write(
            &format!("notes/pwn-{i:02}.md"),
            format!(
                "---\nid: pwn-{i:02}\ntitle: \"{quoted} pwnword\"\naliases: [\"{quoted}\"]\n\
                 tags: [\"{quoted}\"]\ndrugs: [\"{quoted}\"]\nsources: [pwn-00]\n---\n\
                 pwnword {payload}\n\n## {payload}\n\n- {payload}\n\n{payload}\n"
            ),
        );
    }
    let served = Served::start(&kb);
    let browser = Browser::start(true);
    let check = |where_: &str| {
        assert!(browser.dialog().is_none(), "a dialog opened on {where_}");
        let probe = browser.script(PROBE);
        assert_eq!(probe["pwned"], Value::Null, "{where_}: {probe}");
        assert_ne!(probe["title"], "pwned", "{where_}");
        assert_eq!(probe["foreign"], json!([]), "{where_}");
        assert_eq!(probe["links"], json!([]), "{where_}");
    };
    // The start page lists every title; typing draws results in the page.
    browser.goto(&served.url);
    check("the start page");
    browser.type_into("#q", "pwnword");
    browser.wait_for(
        "results while typing",
        "return document.querySelectorAll('#results li.hit').length === 10",
    );
    check("results drawn by the script");
    let shown = browser.script(
        "return [...document.querySelectorAll('#results li.hit h2')].map(h => h.textContent)",
    );
    assert!(
        shown
            .as_array()
            .unwrap()
            .contains(&json!(format!("{} pwnword", PAYLOADS[0]))),
        "titles show as text: {shown}"
    );
    // The same question as the server writes it, with every passage.
    browser.goto(&format!(
        "{}search?q=pwnword&limit=100&passages=5",
        served.url
    ));
    check("results written by the server");
    browser.goto(&format!(
        "{}search?q=%3Cscript%3Ewindow.__pwned%3D1%3C%2Fscript%3E",
        served.url
    ));
    check("a hostile question");
    for i in 0..PAYLOADS.len() {
        browser.goto(&format!(
            "{}doc/pwn-{i:02}?q=pwnword+script+img",
            served.url
        ));
        check(&format!("document pwn-{i:02}"));
        assert!(browser
            .text("h1")
            .starts_with(&PAYLOADS[i][..PAYLOADS[i].len().min(12)]));
    }
}
