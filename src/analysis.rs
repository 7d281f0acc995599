//! The one English analyzer, used for every text field when building the
//! index, when reading a query and when finding the words to highlight.
//!
//! Text → tokens: split on anything not a letter or digit, drop tokens over
//! 40 bytes, lower-case, fold accents to ASCII, drop English stop words, stem
//! (Snowball English). So "Restless Leg Syndrome" and "restless legs" meet at
//! `restless`, `leg`, and "seizures" finds "seizure".

use tantivy::tokenizer::{
    AsciiFoldingFilter, Language, LowerCaser, RemoveLongFilter, SimpleTokenizer, Stemmer,
    StopWordFilter, TextAnalyzer, TokenStream,
};
use tantivy::Index;

/// The name the analyzer is registered under in every index.
pub const ENGLISH: &str = "medkb_english";

/// The name of the word analyzer: the English one without stop words and
/// stemming, so the index keeps every word as written, for spelling.
pub const WORDS: &str = "medkb_words";

/// Tokens longer than this (in bytes) are dropped: they are never words.
const MAX_TOKEN_BYTES: usize = 40;

/// A word of analysed text: its indexed form and where it stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    /// The indexed form: lower-cased, folded, stemmed.
    pub term: String,
    /// Byte range of the original word in the analysed text.
    pub start: usize,
    pub end: usize,
    /// Word position, counting stop words, so phrases keep their gaps.
    pub position: usize,
}

/// Words that frame a question rather than say what it is about ("what is",
/// "can I", "how does"). A question drops them when it has other words, so
/// "what is a hypnotic" is not answered by "What is Clonazepam". The index
/// keeps them, and a phrase in quotes still matches them.
const QUESTION_WORDS: &[&str] = &[
    "what", "which", "who", "whom", "whose", "why", "how", "when", "where", "can", "could",
    "should", "would", "may", "might", "must", "shall", "do", "does", "did", "am", "has", "have",
    "had", "i", "me", "my", "we", "our", "you", "your",
];

/// Whether a word as typed only frames a question (see [`QUESTION_WORDS`]).
pub fn is_question_word(word: &str) -> bool {
    QUESTION_WORDS.contains(&word.to_lowercase().as_str())
}

/// Builds the English analyzer.
pub fn english() -> TextAnalyzer {
    let stop_words = StopWordFilter::new(Language::English)
        .unwrap_or_else(|| StopWordFilter::remove(Vec::<String>::new()));
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(MAX_TOKEN_BYTES))
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter)
        .filter(stop_words)
        .filter(Stemmer::new(Language::English))
        .build()
}

/// Builds the word analyzer: tokens as written, lower-cased and folded.
pub fn words() -> TextAnalyzer {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(MAX_TOKEN_BYTES))
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter)
        .build()
}

/// Registers the analyzers with an index. tantivy does not save custom
/// analyzers with the index, so this runs every time one is created or opened.
pub fn register(index: &Index) {
    index.tokenizers().register(ENGLISH, english());
    index.tokenizers().register(WORDS, words());
}

/// Analyses `text` into its tokens.
pub fn tokens(analyzer: &mut TextAnalyzer, text: &str) -> Vec<Token> {
    let mut stream = analyzer.token_stream(text);
    let mut tokens = Vec::new();
    while let Some(token) = stream.next() {
        tokens.push(Token {
            term: token.text.clone(),
            start: token.offset_from,
            end: token.offset_to,
            position: token.position,
        });
    }
    tokens
}

#[cfg(test)]
mod tests {
    use super::*;

    fn terms(text: &str) -> Vec<String> {
        tokens(&mut english(), text)
            .into_iter()
            .map(|t| t.term)
            .collect()
    }

    #[test]
    fn plural_and_singular_meet() {
        assert_eq!(
            terms("Restless Leg Syndrome"),
            terms("restless legs syndrome")
        );
        assert_eq!(terms("seizures"), terms("seizure"));
    }

    #[test]
    fn stop_words_go_but_positions_keep_their_gaps() {
        let tokens = tokens(&mut english(), "side effects of the drug");
        let words: Vec<_> = tokens
            .iter()
            .map(|t| (t.term.as_str(), t.position))
            .collect();
        assert_eq!(words, vec![("side", 0), ("effect", 1), ("drug", 4)]);
    }

    #[test]
    fn accents_fold_and_offsets_point_at_the_original() {
        let text = "Café naïve";
        let tokens = tokens(&mut english(), text);
        assert_eq!(tokens[0].term, "cafe");
        assert_eq!(&text[tokens[1].start..tokens[1].end], "naïve");
    }
}
