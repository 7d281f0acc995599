//! Injection: hostile markup and terminal escape sequences planted in the
//! corpus (titles, aliases, metadata, bodies, file names) and in the
//! question. Whatever a note holds, the HTML page runs nothing, the terminal
//! receives no control sequence medkb did not write itself, JSON stays
//! valid, and no document is dropped for what its text says.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::process::{Command, Output};

use common::{assert_success, stderr, stdout, TestKb};
use serde_json::Value;

/// The harmless word every planted XSS note holds, so one search finds them all.
const XSS_WORD: &str = "payloadword";
/// The same for the notes full of terminal escape sequences.
const TERM_WORD: &str = "termword";

/// Cross-site scripting payloads, each planted in a note's title, aliases
/// and body, and used as a question.
const XSS_PAYLOADS: &[&str] = &[
    // Script elements: plain, mixed case, external, unclosed, nested, doubled.
    "<script>alert(1)</script>",
    "<ScRiPt>alert(2)</sCrIpT>",
    "<script src=//evil.example/x.js></script>",
    "<script>alert(4)",
    "<scr<script>ipt>alert(5)</scr</script>ipt>",
    "<<script>alert(6)//<</script>",
    "<script/xss src=//evil.example/7.js></script>",
    // Breaking out of the element or comment the text might land in.
    "</title><script>alert(8)</script>",
    "</textarea><script>alert(9)</script>",
    "--><script>alert(10)</script>",
    "<!--<script>alert(11)</script>-->",
    "<!--><img src=x onerror=alert(12)>-->",
    "</style><script>alert(13)</script>",
    "<![CDATA[<script>alert(14)</script>]]>",
    // Event handlers on many elements, mixed case, `/` and backtick separators.
    "<img src=x onerror=alert(15)>",
    "<img/src/onerror=alert(16)>",
    "<IMG SRC=x OnErRoR=alert(17)>",
    "<img src=`x` onerror=`alert(18)`>",
    "<img src=x onerror=\"alert(19)\"",
    "<body onload=alert(20)>",
    "<svg onload=alert(21)>",
    "<svg/onload=alert(22)>",
    "<div onmouseover=\"alert(23)\">hover me</div>",
    "<a onmouseover=alert(24)>link</a>",
    "<input autofocus onfocus=alert(25)>",
    "<select onfocus=alert(26) autofocus>",
    "<details open ontoggle=alert(27)>",
    "<video><source onerror=alert(28)></video>",
    "<audio src=x onerror=alert(29)>",
    "<marquee onstart=alert(30)>",
    // Null bytes and odd separators inside tag and attribute names.
    "<scr\0ipt>alert(31)</scr\0ipt>",
    "<img\0src=x onerror=alert(32)>",
    "<img src=x onerror\t=alert(33)>",
    // Script, VBScript and data URLs, plain, mixed case and entity-encoded.
    "<a href=\"javascript:alert(34)\">click</a>",
    "<a href=\"JaVaScRiPt:alert(35)\">click</a>",
    "<a href=\"&#x6A;avascript:alert(36)\">click</a>",
    "<a href=\"&#106;&#97;&#118;&#97;script:alert(37)\">click</a>",
    "<a href=\"java&#x09;script:alert(38)\">click</a>",
    "<a/href=\"javascript:alert(39)\">click</a>",
    "<a href=\"vbscript:msgbox(40)\">click</a>",
    "<a href=\"data:text/html;base64,PHNjcmlwdD5hbGVydCg0MSk8L3NjcmlwdD4=\">click</a>",
    "[click](javascript:alert(42))",
    // Elements that load, embed, redirect or submit.
    "<iframe src=\"javascript:alert(43)\"></iframe>",
    "<iframe srcdoc=\"<script>alert(44)</script>\"></iframe>",
    "<object data=\"javascript:alert(45)\"></object>",
    "<embed src=\"data:text/html,<script>alert(46)</script>\">",
    "<base href=\"javascript:alert(47)//\">",
    "<meta http-equiv=\"refresh\" content=\"0;url=javascript:alert(48)\">",
    "<link rel=\"stylesheet\" href=\"javascript:alert(49)\">",
    "<form action=\"javascript:alert(50)\"><button>go</button></form>",
    "<button formaction=\"javascript:alert(51)\">go</button>",
    // SVG and MathML, including parser-mutation tricks.
    "<svg><script>alert(52)</script></svg>",
    "<svg><a xlink:href=\"javascript:alert(53)\"><text>x</text></a></svg>",
    "<svg><animate onbegin=alert(54) attributeName=x dur=1s>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(55)>",
    "<math href=\"javascript:alert(56)\">x</math>",
    "<noscript><p title=\"</noscript><img src=x onerror=alert(57)>\">",
    "<template><script>alert(58)</script></template>",
    "<xmp><script>alert(59)</script></xmp>",
    "<plaintext><script>alert(60)",
    // CSS: expression(), url(javascript:…), @import.
    "<style>body{background:url(javascript:alert(61))}</style>",
    "<div style=\"width:expression(alert(62))\">x</div>",
    "<p style=\"background-image:url('javascript:alert(63)')\">x</p>",
    "<style>@import 'javascript:alert(64)';</style>",
    // Entities that decode to markup, and escaped-looking text.
    "&lt;script&gt;alert(65)&lt;/script&gt;",
    "&#60;script&#62;alert(66)&#60;/script&#62;",
    "&#x3C;img src=x onerror=alert(67)&#x3E;",
    "\\x3cscript\\x3ealert(68)\\x3c/script\\x3e",
    "＜script＞alert(69)＜/script＞",
    // Template injection.
    "{{constructor.constructor('alert(70)')()}}",
    "${alert(71)}",
    "<%= alert(72) %>",
    // Attribute breakouts.
    "\" onfocus=\"alert(73)",
    "' autofocus onfocus=alert(74) x='",
    "\"><img src=x onerror=alert(75)>",
    "'><svg onload=alert(76)>",
    "`-alert(77)-`",
];

/// Terminal escape sequences, each planted in a note's title, aliases,
/// tags, drugs, sources, source file and body.
const TERMINAL_PAYLOADS: &[&str] = &[
    // SGR colour and full reset.
    "\x1b[31mred\x1b[0m",
    "\x1bc",
    // OSC: window title, hyperlink, clipboard write.
    "\x1b]0;evil title\x07",
    "\x1b]8;;http://evil.example\x1b\\click here\x1b]8;;\x1b\\",
    "\x1b]52;c;ZXZpbA==\x07",
    // CSI cursor movement, screen clearing, alternate screen, status report.
    "\x1b[2J\x1b[H",
    "\x1b[1A\x1b[2K",
    "\x1b[?1049h",
    "\x1b[6n",
    // DCS.
    "\x1bP+q544e\x1b\\",
    // C1 controls: CSI, OSC and ST as single characters.
    "\u{9b}31m",
    "\u{9d}0;c1 title\u{9c}",
    // Overwriting what is shown: backspace, carriage return, delete.
    "safe\x08\x08\x08\x08evil",
    "harmless\rEVIL",
    "oops\x7f",
    // Bell.
    "\x07ding",
];

/// A note planted in the test corpus.
struct Planted {
    id: String,
    title: String,
}

/// A YAML double-quoted scalar holding exactly `text`: printable ASCII as is,
/// everything else (controls, line separators, non-ASCII) as a `\u` escape.
fn yaml_quoted(text: &str) -> String {
    let mut out = String::from("\"");
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            ' '..='~' => out.push(c),
            c if (c as u32) <= 0xFFFF => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push_str(&format!("\\U{:08X}", c as u32)),
        }
    }
    out.push('"');
    out
}

/// A YAML flow sequence of double-quoted strings.
fn yaml_list(items: &[String]) -> String {
    let quoted: Vec<String> = items.iter().map(|item| yaml_quoted(item)).collect();
    format!("[{}]", quoted.join(", "))
}

/// A payload as Markdown body text. A raw NUL byte would make medkb skip the
/// whole file as binary (documented), so it is written as the `&#0;` entity.
fn markdown_text(payload: &str) -> String {
    payload.replace('\0', "&#0;")
}

/// Plants one note per XSS payload, plus one whose file name is hostile.
fn plant_xss(kb: &TestKb) -> Vec<Planted> {
    let mut planted = Vec::new();
    for (i, payload) in XSS_PAYLOADS.iter().enumerate() {
        let id = format!("xss-{i:02}");
        let title = format!("{payload} {XSS_WORD} title{i}");
        let aliases = [payload.to_string(), format!("alias{i} {payload}")];
        let md = markdown_text(payload);
        // Inline in a paragraph, alone at the start of a block (where
        // Markdown may read it as an HTML block), in a heading, in a list.
        let body = format!("{XSS_WORD} body{i}: {md}\n\n{md}\n\n## Section {md}\n\n- item {md}\n");
        kb.write(
            &format!("notes/{id}.md"),
            format!(
                "---\nid: {id}\ntitle: {}\naliases: {}\ntags: [test]\n---\n{body}",
                yaml_quoted(&title),
                yaml_list(&aliases)
            ),
        );
        planted.push(Planted { id, title });
    }
    let title = format!("Hostile file name {XSS_WORD}");
    kb.write(
        "notes/<svg onload=alert('path')>.md",
        format!(
            "---\nid: xss-path\ntitle: {title}\n---\n{XSS_WORD} in a file named like markup.\n"
        ),
    );
    planted.push(Planted {
        id: "xss-path".into(),
        title,
    });
    planted
}

/// Plants one note per terminal payload, every piece of metadata hostile,
/// each citing `term-00` so that `related term-00` lists them all.
fn plant_terminal(kb: &TestKb) -> Vec<Planted> {
    let mut planted = Vec::new();
    for (i, payload) in TERMINAL_PAYLOADS.iter().enumerate() {
        let id = format!("term-{i:02}");
        let title = format!("{TERM_WORD} {payload} title{i}");
        let list = |label: &str| vec![format!("{label}{i} {payload}")];
        let aliases = [payload.to_string(), format!("alias{i} {payload}")];
        let mut sources = list("src");
        sources.insert(0, "term-00".into());
        let body = format!(
            "{TERM_WORD} body{i}: {payload}\n\n## Heading{i} {payload}\n\n- item{i} {payload}\n\n\
             {payload} plain{i}\n"
        );
        kb.write(
            &format!("notes/{id}.md"),
            format!(
                "---\nid: {id}\ntitle: {}\naliases: {}\ntags: {}\ndrugs: {}\nsources: {}\n\
                 source: {}\n---\n{body}",
                yaml_quoted(&title),
                yaml_list(&aliases),
                yaml_list(&list("tag")),
                yaml_list(&list("drug")),
                yaml_list(&sources),
                yaml_quoted(&format!("orig{i}{payload}.html")),
            ),
        );
        planted.push(Planted { id, title });
    }
    let title = format!("{TERM_WORD} hostile file name");
    kb.write(
        "notes/name\x1b]0;pwned\x07\x1b[2J\u{9b}H.md",
        format!(
            "---\nid: term-path\ntitle: {title}\n---\n{TERM_WORD} in a file named with escapes.\n"
        ),
    );
    planted.push(Planted {
        id: "term-path".into(),
        title,
    });
    planted
}

// ---------------------------------------------------------------- HTML helpers

/// `medkb search --format html` for every hit, with several passages each.
fn html_search(kb: &TestKb, query: &str) -> String {
    let output = kb.run(&[
        "search",
        "--format",
        "html",
        "-n",
        "100",
        "--passages",
        "3",
        "--",
        query,
    ]);
    assert_success(&output);
    stdout(&output)
}

/// The inside of every `<…>` of a page, lower-cased.
fn tags(html: &str) -> Vec<String> {
    let mut tags = Vec::new();
    let mut rest = html;
    while let Some(open) = rest.find('<') {
        let after = &rest[open + 1..];
        let close = after.find('>').expect("unclosed tag");
        tags.push(after[..close].to_lowercase());
        rest = &after[close + 1..];
    }
    tags
}

/// Whether a tag holds an `on…=` attribute (an event handler).
fn has_event_handler(tag: &str) -> bool {
    let bytes = tag.as_bytes();
    tag.match_indices("on").any(|(at, _)| {
        let starts_a_name =
            at == 0 || matches!(bytes[at - 1], b' ' | b'\t' | b'\n' | b'/' | b'"' | b'\'');
        let rest = &tag[at + 2..];
        let letters = rest.bytes().take_while(u8::is_ascii_lowercase).count();
        starts_a_name && letters > 0 && rest[letters..].trim_start().starts_with('=')
    })
}

/// Everything a page could run: no handler, script URL, style or link
/// attribute inside a tag, and no dangerous element at all.
fn assert_nothing_executable(html: &str) {
    common::assert_only_safe_markup(html);
    for tag in tags(html) {
        assert!(!has_event_handler(&tag), "event handler in <{tag}>");
        for word in [
            "javascript:",
            "vbscript:",
            "data:",
            "expression(",
            "url(",
            "style=",
            "src",
            "href",
            "action",
            "http-equiv",
        ] {
            assert!(!tag.contains(word), "{word} in <{tag}>");
        }
    }
    let lower = html.to_lowercase();
    for element in [
        "<script",
        "<img",
        "<svg",
        "<math",
        "<iframe",
        "<object",
        "<embed",
        "<base",
        "<link",
        "<form",
        "<button",
        "<input",
        "<select",
        "<a ",
        "<a/",
        "<body ",
        "<div",
        "<video",
        "<audio",
        "<source",
        "<details",
        "<marquee",
        "<noscript",
        "<template",
        "<xmp",
        "<plaintext",
        "<textarea",
        "<!--",
        "<![cdata[",
    ] {
        assert!(!lower.contains(element), "raw {element} in the page");
    }
    // medkb's own head: one title, one style sheet, two meta tags.
    assert_eq!(lower.matches("<title").count(), 1, "{html}");
    assert_eq!(lower.matches("<style").count(), 1, "{html}");
    assert_eq!(lower.matches("<meta").count(), 2, "{html}");
}

/// Text with HTML character references decoded, as a browser shows it.
fn decode_entities(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        let after = &rest[at..];
        let decoded = after.find(';').and_then(|end| {
            let name = &after[1..end];
            let c = match name {
                "amp" => Some('&'),
                "lt" => Some('<'),
                "gt" => Some('>'),
                "quot" => Some('"'),
                "apos" => Some('\''),
                "nbsp" => Some('\u{a0}'),
                _ => match name.strip_prefix("#x").or(name.strip_prefix("#X")) {
                    Some(hex) => u32::from_str_radix(hex, 16).ok().and_then(char::from_u32),
                    None => name
                        .strip_prefix('#')
                        .and_then(|dec| dec.parse().ok())
                        .and_then(char::from_u32),
                },
            };
            c.map(|c| (c, end))
        });
        match decoded {
            Some((c, end)) => {
                out.push(c);
                rest = &after[end + 1..];
            }
            None => {
                out.push('&');
                rest = &after[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// The text a browser shows for a page: tags dropped, references decoded.
fn visible_text(html: &str) -> String {
    let mut text = String::new();
    let mut rest = html;
    while let Some(open) = rest.find('<') {
        text.push_str(&rest[..open]);
        let close = rest[open..].find('>').expect("unclosed tag");
        rest = &rest[open + close + 1..];
    }
    text.push_str(rest);
    decode_entities(&text)
}

/// The decoded contents of every `<name>…</name>` (no attributes) of a page.
fn element_texts(html: &str, name: &str) -> Vec<String> {
    let (open, close) = (format!("<{name}>"), format!("</{name}>"));
    html.split(open.as_str())
        .skip(1)
        .map(|part| {
            let end = part
                .find(close.as_str())
                .unwrap_or_else(|| panic!("{open} not closed"));
            decode_entities(&part[..end])
        })
        .collect()
}

// ------------------------------------------------------------ terminal helpers

/// Runs medkb with `--color always` (the harness's `run` says never, and
/// clap refuses the option twice before the command).
fn run_coloured(kb: &TestKb, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_medkb"))
        .arg("--corpus")
        .arg(&kb.corpus)
        .arg("--index")
        .arg(&kb.index)
        .args(["--color", "always"])
        .args(args)
        .current_dir(kb.root.path())
        .env_remove("MEDKB_CORPUS")
        .env_remove("MEDKB_INDEX")
        .env_remove("NO_COLOR")
        .output()
        .expect("run medkb")
}

/// The human-output commands run over the terminal corpus, as argument lists.
fn human_commands(planted: &[Planted]) -> Vec<Vec<String>> {
    let mut commands: Vec<Vec<String>> = [
        // Every note, every passage, facets (tags and drugs) and explanations.
        &[
            "search",
            "-n",
            "100",
            "--passages",
            "3",
            "--facets",
            "--explain",
            "--",
            TERM_WORD,
        ][..],
        // Hostile questions: with hits, misspelt ("Did you mean"), and no hits.
        &[
            "search",
            "--",
            "termword \x1b[2J\x1b]0;q\x07 \u{9b}31m \x08\r",
        ],
        &["search", "--", "termwrd\x1b[31m\x1b]0;q\x07"],
        &["search", "--", "zzqqxxvv \x1b[2J\x07\u{9b}H\r"],
        &["list"],
        &["related", "term-00", "-n", "100"],
        &["related", "term-03"],
    ]
    .iter()
    .map(|args| args.iter().map(|arg| arg.to_string()).collect())
    .collect();
    for note in planted {
        commands.push(vec!["show".into(), note.id.clone()]);
    }
    commands
}

/// No control character but the line feed: no ESC, C1 (CSI, OSC, ST), BEL,
/// backspace, carriage return, tab or DEL.
fn assert_no_controls(text: &str, context: &str) {
    if let Some(c) = text.chars().find(|&c| c.is_control() && c != '\n') {
        panic!("control character {c:?} in the output of {context}:\n{text:?}");
    }
}

/// No C0 control character but the line feed. JSON must escape these (and
/// serde does); DEL and C1 characters are valid raw in a JSON string.
fn assert_no_c0_controls(text: &str, context: &str) {
    if let Some(c) = text.chars().find(|&c| c < ' ' && c != '\n') {
        panic!("raw control character {c:?} in the output of {context}:\n{text:?}");
    }
}

/// `text` without medkb's own colour sequences (`ESC [ digits/semicolons m`);
/// panics at any other escape sequence.
fn strip_own_sgr(text: &str, context: &str) -> String {
    let mut plain = String::new();
    let mut rest = text;
    while let Some(at) = rest.find('\x1b') {
        plain.push_str(&rest[..at]);
        let sequence = &rest[at + 1..];
        let params = sequence.strip_prefix('[').map(|after| {
            after
                .bytes()
                .take_while(|b| b.is_ascii_digit() || *b == b';')
                .count()
        });
        match params {
            Some(len) if sequence.as_bytes().get(1 + len) == Some(&b'm') => {
                rest = &sequence[len + 2..];
            }
            _ => panic!(
                "escape sequence medkb did not write in the output of {context}: {:?}",
                &sequence[..sequence.len().min(20)]
            ),
        }
    }
    plain.push_str(rest);
    plain
}

fn json_of(output: &Output, context: &str) -> Value {
    assert_success(output);
    serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|err| panic!("bad JSON from {context} ({err}): {}", stdout(output)))
}

// ----------------------------------------------------------------------- tests

#[test]
fn there_are_at_least_50_distinct_xss_payloads() {
    let distinct: BTreeSet<&str> = XSS_PAYLOADS.iter().copied().collect();
    assert_eq!(
        distinct.len(),
        XSS_PAYLOADS.len(),
        "a payload is listed twice"
    );
    assert!(
        XSS_PAYLOADS.len() >= 50,
        "only {} payloads",
        XSS_PAYLOADS.len()
    );
    let distinct: BTreeSet<&str> = TERMINAL_PAYLOADS.iter().copied().collect();
    assert_eq!(distinct.len(), TERMINAL_PAYLOADS.len());
}

#[test]
fn the_checks_catch_what_they_look_for() {
    // The helpers below must not pass vacuously.
    assert!(has_event_handler("img src=x onerror=alert(1)"));
    assert!(has_event_handler("svg/onload =alert(1)"));
    assert!(has_event_handler("a\tonmouseover=\"x\""));
    assert!(!has_event_handler(
        "meta name=\"viewport\" content=\"width=device-width\""
    ));
    assert_eq!(
        decode_entities("&lt;a&gt; &amp;lt; &#106;&#x6A;&quot;&#39;"),
        "<a> &lt; jj\"'"
    );
    assert_eq!(visible_text("<p>a<mark>b</mark>&lt;c</p>"), "ab<c");
    assert_eq!(strip_own_sgr("\x1b[1;33mx\x1b[0m", "test"), "x");
    for hostile in ["\x1b]0;t\x07", "\x1b[2J", "\x1b[H", "\x1bc"] {
        let caught = std::panic::catch_unwind(|| strip_own_sgr(hostile, "test"));
        assert!(caught.is_err(), "{hostile:?} passed as medkb's own colour");
    }
    for hostile in ["\u{9b}31m", "\x07", "\x08", "\r", "\x7f"] {
        let caught = std::panic::catch_unwind(|| assert_no_controls(hostile, "test"));
        assert!(caught.is_err(), "{hostile:?} passed as plain text");
    }
}

#[test]
fn html_page_runs_none_of_the_planted_payloads_and_shows_every_title() {
    let kb = TestKb::new();
    let planted = plant_xss(&kb);
    let html = html_search(&kb, XSS_WORD);
    assert_nothing_executable(&html);
    // Every planted note is listed once, its title shown as text, whole
    // (a browser drops NUL characters, and so does ammonia's parser).
    assert_eq!(html.matches("<li>").count(), planted.len(), "{html}");
    let shown: BTreeSet<String> = element_texts(&html, "h2").into_iter().collect();
    let expected: BTreeSet<String> = planted
        .iter()
        .map(|note| note.title.replace('\0', ""))
        .collect();
    assert_eq!(shown, expected);
    assert!(
        html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
        "{html}"
    );
    assert!(html.contains("not medical advice"));
}

#[test]
fn html_passages_show_planted_body_markup_as_text() {
    let kb = TestKb::new();
    plant_xss(&kb);
    let html = html_search(&kb, XSS_WORD);
    assert_nothing_executable(&html);
    let text = visible_text(&html);
    // Markdown rewrites entities, links, code spans, emphasis and escapes,
    // and passages turn tabs into spaces; any other payload must read exactly
    // as written, raw HTML included.
    let literal: Vec<(usize, &&str)> = XSS_PAYLOADS
        .iter()
        .enumerate()
        .filter(|(_, payload)| !payload.contains(['&', '`', '[', '\\', '*', '_', '\0', '\t']))
        .collect();
    assert!(
        literal.len() >= 50,
        "only {} payloads checked",
        literal.len()
    );
    for (i, payload) in literal {
        let passage = format!("{XSS_WORD} body{i}: {payload}");
        assert!(
            text.contains(&passage),
            "passage {passage:?} missing from the page"
        );
    }
    // Every passage is there, even for payloads Markdown rewrites.
    for i in 0..XSS_PAYLOADS.len() {
        assert!(
            text.contains(&format!("{XSS_WORD} body{i}: ")),
            "body{i} missing"
        );
    }
}

#[test]
fn html_page_escapes_a_hostile_question_in_title_and_heading() {
    let kb = TestKb::new();
    plant_xss(&kb);
    // A question cannot hold a NUL byte (it is a command-line argument).
    for payload in XSS_PAYLOADS
        .iter()
        .filter(|payload| !payload.contains('\0'))
    {
        for query in [payload.to_string(), format!("{XSS_WORD} {payload}")] {
            let html = html_search(&kb, &query);
            assert_nothing_executable(&html);
            assert_eq!(element_texts(&html, "title"), [format!("medkb: {query}")]);
            assert_eq!(
                element_texts(&html, "h1"),
                [format!("Results for “{query}”")]
            );
        }
    }
}

#[test]
fn json_search_keeps_hostile_titles_and_aliases_exactly() {
    let kb = TestKb::new();
    let planted = plant_xss(&kb);
    let results = kb.search_with(XSS_WORD, &["-n", "100", "--passages", "3"]);
    assert_eq!(results.total, planted.len());
    let titles: BTreeMap<&str, &str> = results
        .hits
        .iter()
        .map(|hit| (hit.id.as_str(), hit.title.as_str()))
        .collect();
    for note in &planted {
        assert_eq!(titles.get(note.id.as_str()), Some(&note.title.as_str()));
    }
    for hit in results.hits.iter().filter(|hit| hit.id != "xss-path") {
        let i: usize = hit.id["xss-".len()..].parse().unwrap();
        assert_eq!(hit.aliases[0], XSS_PAYLOADS[i], "aliases of {}", hit.id);
    }
}

#[test]
fn terminal_output_without_colour_holds_no_control_characters() {
    let kb = TestKb::new();
    let planted = plant_terminal(&kb);
    for args in human_commands(&planted) {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let output = kb.run(&args);
        assert_success(&output);
        let context = format!("{args:?}");
        assert_no_controls(&stdout(&output), &context);
        assert_no_controls(&stderr(&output), &context);
    }
}

#[test]
fn terminal_output_with_colour_holds_only_medkbs_own_colour_sequences() {
    let kb = TestKb::new();
    let planted = plant_terminal(&kb);
    let mut coloured = 0;
    for args in human_commands(&planted) {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let output = run_coloured(&kb, &args);
        assert_success(&output);
        let context = format!("--color always {args:?}");
        let out = stdout(&output);
        coloured += usize::from(out.contains("\x1b["));
        // No OSC, cursor movement or clearing: only `ESC [ … m`.
        let plain = strip_own_sgr(&out, &context);
        assert_no_controls(&plain, &context);
        assert_no_controls(&stderr(&output), &context);
    }
    // Colour really was on: the check above was not vacuous.
    assert!(coloured >= 3, "only {coloured} outputs were coloured");
}

#[test]
fn terminal_output_still_shows_the_hostile_text_without_its_controls() {
    let kb = TestKb::new();
    plant_terminal(&kb);
    // Only the control characters go: the visible rest of a title stays.
    let shown = stdout(&kb.run(&["show", "term-00"]));
    assert!(
        shown.starts_with("termword [31mred[0m title0\n"),
        "{shown:?}"
    );
    let listed = stdout(&kb.run(&["list"]));
    assert!(
        listed.contains("termword ]0;evil title title2"),
        "{listed:?}"
    );
    assert!(
        listed.contains("termword harmlessEVIL title13"),
        "{listed:?}"
    );
}

#[test]
fn json_output_stays_valid_and_keeps_control_characters_escaped() {
    let kb = TestKb::new();
    let planted = plant_terminal(&kb);
    let context = "search --json";
    let output = kb.run(&[
        "search",
        "--json",
        "-n",
        "100",
        "--passages",
        "3",
        "--facets",
        "--explain",
        TERM_WORD,
    ]);
    let results = json_of(&output, context);
    assert_no_c0_controls(&stdout(&output), context);
    let hits = results["hits"].as_array().unwrap();
    assert_eq!(hits.len(), planted.len());
    for note in &planted {
        let hit = hits.iter().find(|hit| hit["id"] == note.id.as_str());
        assert_eq!(hit.unwrap()["title"], note.title.as_str(), "{}", note.id);
        let shown = json_of(&kb.run(&["show", "--json", &note.id]), "show --json");
        assert_eq!(shown["title"], note.title.as_str());
    }
    for args in [
        &[
            "search",
            "--json",
            "--",
            "termword \x1b[2J\x1b]0;q\x07 \u{9b}31m",
        ][..],
        &["search", "--json", "--", "termwrd\x1b[31m"],
        &["related", "--json", "term-00", "-n", "100"],
        &["list", "--json"],
    ] {
        let output = kb.run(args);
        json_of(&output, &format!("{args:?}"));
        assert_no_c0_controls(&stdout(&output), &format!("{args:?}"));
    }
    let related = json_of(
        &kb.run(&["related", "--json", "term-00", "-n", "100"]),
        "related",
    );
    // Every other planted note cites term-00 (the file-name note does not).
    assert!(related["related"].as_array().unwrap().len() >= TERMINAL_PAYLOADS.len() - 1);
}

#[test]
fn no_planted_document_is_lost() {
    let kb = TestKb::new();
    let mut planted = plant_xss(&kb);
    planted.extend(plant_terminal(&kb));
    let output = kb.run(&["list", "--json"]);
    let listed = json_of(&output, "list --json");
    assert!(
        !stderr(&output).contains("skipped"),
        "a hostile file was skipped: {}",
        stderr(&output)
    );
    let listed: BTreeMap<&str, &str> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|doc| (doc["id"].as_str().unwrap(), doc["title"].as_str().unwrap()))
        .collect();
    assert_eq!(listed.len(), planted.len());
    for note in &planted {
        assert_eq!(
            listed.get(note.id.as_str()),
            Some(&note.title.as_str()),
            "{}",
            note.id
        );
    }
    // And each is still found by its word, after everything above.
    assert_eq!(
        kb.search_with(XSS_WORD, &["-n", "100"]).total,
        XSS_PAYLOADS.len() + 1
    );
    assert_eq!(
        kb.search_with(TERM_WORD, &["-n", "100"]).total,
        TERMINAL_PAYLOADS.len() + 1
    );
}
