//! `medkb add` and `medkb note new`: files from outside become corpus files
//! with front matter, nothing is overwritten unasked, and the index follows.

mod common;

use std::fs;
use std::path::PathBuf;

use common::{assert_failure, assert_success, stderr, stdout, TestKb};

/// A knowledge base with a drug note (so drug names are known), an article,
/// and a folder outside the corpus to import from.
fn kb_with_drug() -> (TestKb, PathBuf) {
    let kb = TestKb::new();
    kb.write(
        "notes/quokkazepam.md",
        "---\nid: quokkazepam\ntitle: Quokkazepam\nkind: note\naliases: [Quokkanol, QZ-7]\ntags: [drug]\ndrugs: [quokkazepam]\nsources: [wallaby-facts]\n---\n\nA drug.\n",
    );
    kb.write(
        "notes/class.md",
        "---\nid: class\ntitle: Marsupial drugs\nkind: note\naliases: [roo pills]\ntags: [drug]\ndrugs: [quokkazepam, wallabine]\nsources: [wallaby-facts]\n---\n\nA class.\n",
    );
    kb.write(
        "articles/wallaby-facts.md",
        "---\nid: wallaby-facts\ntitle: Wallaby facts\nkind: article\n---\n\nWallabies hop across the dry plains at dusk looking for fresh grass and shade under the gum trees.\n",
    );
    let inbox = kb.root.path().join("inbox");
    fs::create_dir_all(&inbox).unwrap();
    (kb, inbox)
}

const PAGE: &str = r##"<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>Quokkanol &amp; Sleep | Marsupial Health</title>
<style>body { font-family: serif }</style>
<script>document.write("<p>injected</p>"); var tracking = 1;</script>
</head><body>
<header class="site-header"><a href="/" class="logo">Marsupial Health</a>
<nav><ul><li><a href="/">Home</a></li><li><a href="/drugs">Drugs</a></li></ul></nav></header>
<main><article class="post">
<h1>Quokkanol &amp; sleep: what the studies say</h1>
<p class="byline">Posted in Sleep</p>
<p>Quokkanol is a brand of quokkazepam. It helps some marsupials sleep &mdash; &ldquo;deeply&rdquo; &amp; long.</p>
<!-- <p>hidden comment text</p> -->
<h2>Side effects</h2>
<ul><li>Drowsiness in the morning</li><li>Dizziness &lt;rare&gt;</li></ul>
<p>Ask your vet&#8217;s advice&nbsp;first.</p>
<div class="share-buttons"><a href="#">Share on Facebook</a><a href="#">Tweet</a></div>
</article></main>
<aside class="sidebar"><h3>Related posts</h3><ul><li>Other post</li></ul></aside>
<section id="comments"><h3>2 comments</h3><p>Great article!</p>
<div id="respond"><h3>Leave a Reply</h3><form action="/comment"><label>Comment</label>
<textarea name="comment">typed text</textarea><input type="submit" value="Post Comment"></form></div></section>
<div class="cookie-banner"><p>We use cookies to improve your experience.</p><button>Accept</button></div>
<footer><p>&copy; 2024 Marsupial Health. All rights reserved.</p></footer>
<script>trackPageview();</script>
</body></html>
"##;

#[test]
fn a_saved_web_page_becomes_a_clean_article_and_is_searchable() {
    let (kb, inbox) = kb_with_drug();
    let page = inbox.join("quokkanol.html");
    fs::write(&page, PAGE).unwrap();
    let output = kb.run(&[
        "add",
        page.to_str().unwrap(),
        "--source",
        "https://example.org/quokkanol-sleep",
    ]);
    assert_success(&output);
    let text = stdout(&output);
    assert!(
        text.starts_with("added corpus/articles/quokkanol-sleep-what-the-studies-say.md: Quokkanol & sleep: what the studies say (drugs: quokkazepam)\n"),
        "{text}"
    );
    assert!(text.contains("indexed 4 documents"), "{text}");

    let written = fs::read_to_string(
        kb.corpus
            .join("articles/quokkanol-sleep-what-the-studies-say.md"),
    )
    .unwrap();
    assert_eq!(
        written,
        "---\n\
         id: quokkanol-sleep-what-the-studies-say\n\
         title: \"Quokkanol & sleep: what the studies say\"\n\
         kind: article\n\
         drugs: [quokkazepam]\n\
         source: https://example.org/quokkanol-sleep\n\
         ---\n\
         \n\
         Quokkanol is a brand of quokkazepam. It helps some marsupials sleep — “deeply” & long.\n\
         \n\
         ## Side effects\n\
         \n\
         - Drowsiness in the morning\n\
         \n\
         - Dizziness <rare>\n\
         \n\
         Ask your vet’s advice first.\n"
    );
    for chrome in [
        "injected",
        "tracking",
        "Home",
        "Posted in",
        "hidden comment",
        "Share",
        "Tweet",
        "Related",
        "Great article",
        "Leave a Reply",
        "typed text",
        "cookies",
        "rights",
    ] {
        assert!(!written.contains(chrome), "{chrome} left in:\n{written}");
    }
    // The index was updated: the article answers at once, and passes the check.
    let ids = kb.ids("dizziness");
    assert_eq!(ids, vec!["quokkanol-sleep-what-the-studies-say"]);
    assert!(!stderr(&kb.run(&["search", "dizziness"])).contains("rebuilt"));
    assert_success(&kb.run(&["check"]));
}

#[test]
fn plain_text_takes_its_first_line_as_title_and_its_path_as_source() {
    let (kb, inbox) = kb_with_drug();
    let file = inbox.join("leaflet.txt");
    fs::write(
        &file,
        "\n  QZ-7 Leaflet  \nTake QZ-7 at night.\nIt is quokkazepam.\n\n# of doses: see your vet.\n",
    )
    .unwrap();
    assert_success(&kb.run(&["add", file.to_str().unwrap()]));
    let written = fs::read_to_string(kb.corpus.join("articles/qz-7-leaflet.md")).unwrap();
    assert_eq!(
        written,
        format!(
            "---\nid: qz-7-leaflet\ntitle: QZ-7 Leaflet\nkind: article\ndrugs: [quokkazepam]\nsource: {}\n---\n\nTake QZ-7 at night.\nIt is quokkazepam.\n\n\\# of doses: see your vet.\n",
            file.display()
        )
    );
    // The escaped '#' stays text, not a heading.
    let output = kb.run(&["show", "qz-7-leaflet", "--json"]);
    let doc: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert!(doc["body"]
        .as_str()
        .unwrap()
        .ends_with("# of doses: see your vet."));
}

#[test]
fn markdown_keeps_its_body_and_takes_its_title_from_the_heading() {
    let (kb, inbox) = kb_with_drug();
    let file = inbox.join("roo.md");
    fs::write(
        &file,
        "---\ndate: 2024-01-01\n---\n# Roo pills explained\n\nSome *text* about [roo pills](https://example.org).\n\n## Uses\n\n- sleep\n",
    )
    .unwrap();
    assert_success(&kb.run(&["add", file.to_str().unwrap()]));
    let written = fs::read_to_string(kb.corpus.join("articles/roo-pills-explained.md")).unwrap();
    // "roo pills" names a class of drugs, not one drug: no drug is detected.
    assert!(
        written.starts_with(
            "---\nid: roo-pills-explained\ntitle: Roo pills explained\nkind: article\ndrugs: []\n"
        ),
        "{written}"
    );
    assert!(
        written.ends_with(
            "---\n\nSome *text* about [roo pills](https://example.org).\n\n## Uses\n\n- sleep\n"
        ),
        "{written}"
    );
}

#[test]
fn an_existing_id_is_not_overwritten_without_force() {
    let (kb, inbox) = kb_with_drug();
    let file = inbox.join("wallaby.txt");
    fs::write(&file, "Wallaby facts\nNew text about wallabies.\n").unwrap();
    let before = fs::read_to_string(kb.corpus.join("articles/wallaby-facts.md")).unwrap();
    let output = kb.run(&["add", file.to_str().unwrap()]);
    assert_failure(
        &output,
        8,
        "corpus/articles/wallaby-facts.md already holds id 'wallaby-facts' (--force replaces it, --id chooses another)",
    );
    assert_eq!(
        fs::read_to_string(kb.corpus.join("articles/wallaby-facts.md")).unwrap(),
        before
    );
    let output = kb.run(&["add", file.to_str().unwrap(), "--force"]);
    assert_success(&output);
    assert!(stdout(&output).starts_with("replaced corpus/articles/wallaby-facts.md"));
    assert!(
        fs::read_to_string(kb.corpus.join("articles/wallaby-facts.md"))
            .unwrap()
            .contains("New text about wallabies.")
    );
}

#[test]
fn an_id_held_by_a_note_is_refused_even_with_force() {
    let (kb, inbox) = kb_with_drug();
    let file = inbox.join("q.txt");
    fs::write(&file, "Quokkazepam\nAn article about it.\n").unwrap();
    let output = kb.run(&["add", file.to_str().unwrap(), "--force"]);
    assert_failure(
        &output,
        8,
        "corpus/notes/quokkazepam.md holds id 'quokkazepam' (choose another with --id)",
    );
    assert!(!kb.corpus.join("articles/quokkazepam.md").exists());
    assert_success(&kb.run(&["add", file.to_str().unwrap(), "--id", "quokkazepam-article"]));
    assert!(kb.corpus.join("articles/quokkazepam-article.md").exists());
}

#[test]
fn a_near_duplicate_is_reported() {
    let (kb, inbox) = kb_with_drug();
    let file = inbox.join("copy.txt");
    fs::write(
        &file,
        "About wallabies\nWallabies hop across the dry plains at dusk looking for fresh grass and shade under the gum trees.\n",
    )
    .unwrap();
    let output = kb.run(&["add", file.to_str().unwrap()]);
    assert_success(&output);
    assert!(
        stderr(&output).contains(
            "medkb: corpus/articles/about-wallabies.md looks like a duplicate: corpus/articles/wallaby-facts.md shares 100% of its five-word runs"
        ),
        "{}",
        stderr(&output)
    );
}

#[test]
fn a_failing_file_means_nothing_is_written() {
    let (kb, inbox) = kb_with_drug();
    let good = inbox.join("good.txt");
    fs::write(&good, "Good one\nText.\n").unwrap();
    let empty = inbox.join("empty.html");
    fs::write(&empty, "<html><head><title>Only a title</title><script>x()</script></head><body><nav>Menu</nav></body></html>").unwrap();
    let output = kb.run(&["add", good.to_str().unwrap(), empty.to_str().unwrap()]);
    assert_failure(&output, 2, "empty.html has no text to import");
    assert!(!kb.corpus.join("articles/good-one.md").exists());

    let missing = inbox.join("missing.txt");
    let output = kb.run(&["add", good.to_str().unwrap(), missing.to_str().unwrap()]);
    assert_failure(&output, 1, "missing.txt");
    assert!(!kb.corpus.join("articles/good-one.md").exists());

    let output = kb.run(&[
        "add",
        good.to_str().unwrap(),
        empty.to_str().unwrap(),
        "--source",
        "x",
    ]);
    assert_failure(&output, 2, "describe one file");
}

#[test]
fn note_new_writes_the_template_and_never_overwrites() {
    let (kb, _) = kb_with_drug();
    let output = kb.run(&["note", "new", "Sleep", "hygiene"]);
    assert_success(&output);
    let path = kb.corpus.join("notes/sleep-hygiene.md");
    assert_eq!(stdout(&output), format!("{}\n", path.display()));
    let text = fs::read_to_string(&path).unwrap();
    // The same front matter keys, in the same order, as the corpus's notes.
    let keys: Vec<&str> = text
        .lines()
        .skip(1)
        .take_while(|line| *line != "---")
        .map(|line| line.split(':').next().unwrap())
        .collect();
    let real = fs::read_to_string(common::real_corpus().join("notes/nitrazepam.md")).unwrap();
    let real_keys: Vec<&str> = real
        .lines()
        .skip(1)
        .take_while(|line| *line != "---")
        .map(|line| line.split(':').next().unwrap())
        .collect();
    assert_eq!(keys, real_keys);
    assert!(text.starts_with("---\nid: sleep-hygiene\ntitle: Sleep hygiene\nkind: note\naliases: []\ntags: []\ndrugs: []\nsources: []\n---\n\n## What it is\n"), "{text}");
    assert!(text.contains("\n## Notes on the sources\n"));
    assert!(text.ends_with("This note is not medical advice; talk to a doctor or pharmacist about your own treatment.\n"));

    // Searchable at once; the check asks for its sources.
    assert_eq!(kb.ids("hygiene"), vec!["sleep-hygiene"]);
    let output = kb.run(&["check"]);
    assert_failure(&output, 7, "found 1 error");
    assert!(stdout(&output).contains("corpus/notes/sleep-hygiene.md:8: error[no-sources]"));

    fs::write(&path, "edited").unwrap();
    let output = kb.run(&["note", "new", "Sleep hygiene"]);
    assert_failure(
        &output,
        8,
        "corpus/notes/sleep-hygiene.md already holds id 'sleep-hygiene' (edit it, or choose another id with --id)",
    );
    assert_eq!(fs::read_to_string(&path).unwrap(), "edited");
    let output = kb.run(&["note", "new", "Quokkazepam"]);
    assert_failure(
        &output,
        8,
        "corpus/notes/quokkazepam.md already holds id 'quokkazepam'",
    );
}
