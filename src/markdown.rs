//! Markdown → the plain body medkb stores and searches.
//!
//! The stored body is a light, readable form of Markdown: one block per
//! paragraph, list item or table, blocks separated by a blank line, and
//! headings kept as `## Heading` so that passages know their section. Link
//! targets, emphasis marks and code fences go; raw HTML stays as literal text
//! (it is escaped wherever it is shown).

use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};

/// A file body turned into blocks, and its leading `# Title` if it has one.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Blocks {
    pub leading_title: Option<String>,
    pub blocks: Vec<String>,
    /// The other corpus files (Markdown or text) each block links to, as
    /// (block index, link target without its `#fragment`).
    pub links: Vec<(usize, String)>,
}

impl Blocks {
    /// The body as stored: blocks separated by blank lines.
    pub fn join(&self) -> String {
        self.blocks.join("\n\n")
    }
}

/// Reads a Markdown body into blocks.
pub fn blocks(markdown: &str) -> Blocks {
    let mut builder = BlockBuilder::default();
    let options =
        Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TASKLISTS;
    for event in Parser::new_ext(markdown, options) {
        builder.event(event);
    }
    builder.flush();
    let mut blocks = builder.blocks;
    let mut links = builder.links;
    let leading_title = match blocks.first() {
        Some(first) if first.starts_with("# ") => Some(first[2..].trim().to_string()),
        _ => None,
    };
    if leading_title.is_some() {
        blocks.remove(0);
        links.retain(|(block, _)| *block > 0);
        for (block, _) in &mut links {
            *block -= 1;
        }
    }
    Blocks {
        leading_title,
        blocks,
        links,
    }
}

/// A link's target when it is another file of the corpus: a relative
/// Markdown or text path, without its `#fragment`.
fn corpus_link(destination: &str) -> Option<&str> {
    let path = destination.split('#').next().unwrap_or_default();
    let lower = path.to_ascii_lowercase();
    let relative = !path.is_empty() && !path.contains(':') && !path.starts_with('/');
    let document = [".md", ".markdown", ".txt"]
        .iter()
        .any(|extension| lower.ends_with(extension));
    (relative && document).then_some(path)
}

/// Splits plain text (a `.txt` file's body) into blocks at blank lines.
pub fn text_blocks(text: &str) -> Vec<String> {
    let mut blocks = Vec::new();
    let mut current = String::new();
    for line in text.lines() {
        if line.trim().is_empty() {
            push_block(&mut blocks, &mut current);
        } else {
            if !current.is_empty() {
                current.push('\n');
            }
            current.push_str(line.trim_end());
        }
    }
    push_block(&mut blocks, &mut current);
    blocks
}

fn push_block(blocks: &mut Vec<String>, current: &mut String) {
    let block = current.trim();
    if !block.is_empty() {
        blocks.push(block.to_string());
    }
    current.clear();
}

#[derive(Default)]
struct BlockBuilder {
    blocks: Vec<String>,
    current: String,
    /// The marker that opens the current block (`## `, `- `, `3. `): a block
    /// that holds nothing but its marker is dropped.
    marker_len: usize,
    /// Next number of each open list; `None` for bullet lists.
    lists: Vec<Option<u64>>,
    /// Inside a list item, paragraphs join the item rather than end it.
    item_depth: usize,
    links: Vec<(usize, String)>,
    /// Links met in the block being built.
    pending_links: Vec<String>,
}

impl BlockBuilder {
    fn event(&mut self, event: Event<'_>) {
        match event {
            Event::Start(tag) => self.start(tag),
            Event::End(tag) => self.end(tag),
            Event::Text(text)
            | Event::Code(text)
            | Event::InlineHtml(text)
            | Event::Html(text)
            | Event::InlineMath(text)
            | Event::DisplayMath(text) => self.current.push_str(&text),
            Event::SoftBreak => self.current.push(' '),
            Event::HardBreak => self.current.push('\n'),
            Event::Rule => self.flush(),
            Event::TaskListMarker(done) => {
                self.current.push_str(if done { "[x] " } else { "[ ] " })
            }
            Event::FootnoteReference(_) => {}
        }
    }

    fn start(&mut self, tag: Tag<'_>) {
        match tag {
            Tag::Heading { level, .. } => {
                self.flush();
                self.open(&format!("{} ", "#".repeat(level as usize)));
            }
            Tag::List(first) => {
                self.flush();
                self.lists.push(first);
            }
            Tag::Item => {
                self.flush();
                self.item_depth += 1;
                let marker = match self.lists.last_mut() {
                    Some(Some(number)) => {
                        let marker = format!("{number}. ");
                        *number += 1;
                        marker
                    }
                    _ => "- ".to_string(),
                };
                self.open(&marker);
            }
            // A second paragraph in a list item joins the item.
            Tag::Paragraph if self.item_depth > 0 && self.current.len() > self.marker_len => {
                self.current.push(' ')
            }
            Tag::Paragraph if self.item_depth > 0 => {}
            Tag::Link { dest_url, .. } => {
                if let Some(target) = corpus_link(&dest_url) {
                    self.pending_links.push(target.to_string());
                }
            }
            Tag::Paragraph
            | Tag::CodeBlock(_)
            | Tag::BlockQuote(_)
            | Tag::HtmlBlock
            | Tag::Table(_) => self.flush(),
            _ => {}
        }
    }

    fn end(&mut self, tag: TagEnd) {
        match tag {
            TagEnd::Paragraph if self.item_depth > 0 => {}
            TagEnd::Item => {
                self.flush();
                self.item_depth = self.item_depth.saturating_sub(1);
            }
            TagEnd::List(_) => {
                self.flush();
                self.lists.pop();
            }
            TagEnd::TableCell => self.current.push_str(" | "),
            TagEnd::TableHead | TagEnd::TableRow => {
                let row_end = self.current.trim_end_matches([' ', '|']).len();
                self.current.truncate(row_end);
                self.current.push('\n');
            }
            TagEnd::Heading(_)
            | TagEnd::Paragraph
            | TagEnd::CodeBlock
            | TagEnd::BlockQuote(_)
            | TagEnd::HtmlBlock
            | TagEnd::Table => self.flush(),
            _ => {}
        }
    }

    fn open(&mut self, marker: &str) {
        self.current.push_str(marker);
        self.marker_len = marker.len();
    }

    fn flush(&mut self) {
        let has_content = self.current.len() > self.marker_len
            && !self.current[self.marker_len..].trim().is_empty();
        if has_content {
            // A blank line inside a block would split it when read back.
            let mut block = self.current.trim().to_string();
            while block.contains("\n\n") {
                block = block.replace("\n\n", "\n");
            }
            let index = self.blocks.len();
            self.links
                .extend(self.pending_links.drain(..).map(|target| (index, target)));
            self.blocks.push(block);
        }
        self.pending_links.clear();
        self.current.clear();
        self.marker_len = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_headings_paragraphs_and_list_items_as_blocks() {
        let md = "# Title\n\nIntro *text* with a [link](x.md).\n\n## Uses\n\n1. One\n2. Two\n\n- a\n- b\n";
        let out = blocks(md);
        assert_eq!(out.leading_title.as_deref(), Some("Title"));
        assert_eq!(
            out.blocks,
            vec![
                "Intro text with a link.",
                "## Uses",
                "1. One",
                "2. Two",
                "- a",
                "- b"
            ]
        );
    }

    #[test]
    fn links_to_corpus_files_are_kept_with_their_block() {
        let md = "# Title\n\nSee [a](../articles/a.md#uses) and [web](https://x.org/b.md).\n\n\
                  ## Uses\n\n- one ([b](b.md))\n- two\n";
        let out = blocks(md);
        assert_eq!(out.blocks[2], "- one (b)");
        assert_eq!(
            out.links,
            vec![(0, "../articles/a.md".to_string()), (2, "b.md".to_string())]
        );
    }

    #[test]
    fn raw_html_stays_literal_text() {
        let out = blocks("Hello <script>alert(1)</script> world\n");
        assert_eq!(out.blocks, vec!["Hello <script>alert(1)</script> world"]);
    }

    #[test]
    fn code_blocks_lose_inner_blank_lines() {
        let out = blocks("```\na\n\n\nb\n```\n");
        assert_eq!(out.join(), "a\nb");
    }

    #[test]
    fn text_blocks_split_at_blank_lines() {
        assert_eq!(text_blocks("a\nb\n\n\nc\n"), vec!["a\nb", "c"]);
    }

    #[test]
    fn empty_heading_is_dropped() {
        assert!(blocks("##\n").blocks.is_empty());
    }
}
