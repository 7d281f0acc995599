//! The one English analyzer, used for every text field when building the
//! index, when reading a query and when finding the words to highlight.
//!
//! Text → tokens: split on anything not a letter or digit, drop tokens over
//! 40 bytes, lower-case, fold accents to ASCII, drop English stop words, stem
//! (Snowball English). So "Restless Leg Syndrome" and "restless legs" meet at
//! `restless`, `leg`, and "seizures" finds "seizure". A letter or digit
//! joined by a hyphen to the word before it names a kind of that thing
//! ("GABA-A", "CBT-I") and is kept even when it is a stop word, so "GABA-A"
//! is the phrase `gaba a` and does not also find "GABA-B".

use rustc_hash::FxHashMap as HashMap;

use tantivy::tokenizer::{
    AsciiFoldingFilter, Language, LowerCaser, RawTokenizer, RemoveLongFilter, SimpleTokenizer,
    Stemmer, TextAnalyzer, TokenFilter, TokenStream, Tokenizer,
};
use tantivy::Index;

use crate::inline_word::InlineWord;
use crate::lexicon::Recorder;

/// The name the analyzer is registered under in every index.
pub const ENGLISH: &str = "medkb_english";

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
    english_over(WordTokenizer::default(), CachedTerms::default())
}

/// The English analyzer of a build: [`english`], recording the words it
/// sees as written (lower-cased and folded) into `words`, for spelling.
pub fn english_recording(words: &Recorder) -> TextAnalyzer {
    english_over(
        WordTokenizer::default(),
        CachedTerms {
            recorder: Some(words.clone()),
        },
    )
}

/// The filters of [`english`] over one word of [`word_bounds`] taken whole:
/// the same term as in its text, since every filter works on one word alone.
fn english_word() -> TextAnalyzer {
    english_over(RawTokenizer::default(), CachedTerms::default())
}

/// The English filters over the words `tokenizer` finds.
fn english_over<T: Tokenizer>(tokenizer: T, terms: CachedTerms) -> TextAnalyzer {
    TextAnalyzer::builder(tokenizer)
        .filter(RemoveLongFilter::limit(MAX_TOKEN_BYTES))
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter)
        .filter(terms)
        .build()
}

/// Splits text into words as [`word_bounds`] does: runs of letters and
/// digits, where a word of one letter or digit joined by a hyphen to the word
/// before it ("GABA-A") starts at the hyphen, so that the stop-word filter
/// keeps it and then strips the hyphen ([`StopWords`]).
#[derive(Clone, Default)]
struct WordTokenizer {
    token: tantivy::tokenizer::Token,
}

struct WordStream<'a> {
    text: &'a str,
    words: Words<'a>,
    token: &'a mut tantivy::tokenizer::Token,
}

impl Tokenizer for WordTokenizer {
    type TokenStream<'a> = WordStream<'a>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> WordStream<'a> {
        self.token.reset();
        WordStream {
            text,
            words: Words::new(text),
            token: &mut self.token,
        }
    }
}

impl TokenStream for WordStream<'_> {
    fn advance(&mut self) -> bool {
        let Some((_, start, end)) = self.words.next_word(None) else {
            return false;
        };
        self.token.text.clear();
        self.token.text.push_str(&self.text[start..end]);
        self.token.offset_from = start;
        self.token.offset_to = end;
        self.token.position = self.token.position.wrapping_add(1);
        true
    }

    fn token(&self) -> &tantivy::tokenizer::Token {
        self.token
    }

    fn token_mut(&mut self) -> &mut tantivy::tokenizer::Token {
        self.token
    }
}

/// English stop words: Lucene's list, the one tantivy's `StopWordFilter`
/// has for English, in order. A constant, because tantivy's filter builds a
/// set of 33 `String`s for each analyzer made, several in every search.
const STOP_WORDS: [&str; 33] = [
    "a", "an", "and", "are", "as", "at", "be", "but", "by", "for", "if", "in", "into", "is", "it",
    "no", "not", "of", "on", "or", "such", "that", "the", "their", "then", "there", "these",
    "they", "this", "to", "was", "will", "with",
];

/// Drops the tokens that are [`STOP_WORDS`], then strips the hyphen
/// [`WordTokenizer`] leaves on a letter or digit joined to the word before
/// it: "-a" is not the stop word "a", so it passes, as `a`.
#[derive(Clone)]
struct StopWords;

impl TokenFilter for StopWords {
    type Tokenizer<T: Tokenizer> = StopWordsFilter<T>;

    fn transform<T: Tokenizer>(self, inner: T) -> StopWordsFilter<T> {
        StopWordsFilter { inner }
    }
}

#[derive(Clone)]
struct StopWordsFilter<T> {
    inner: T,
}

impl<T: Tokenizer> Tokenizer for StopWordsFilter<T> {
    type TokenStream<'a> = StopWordsStream<T::TokenStream<'a>>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> Self::TokenStream<'a> {
        StopWordsStream {
            tail: self.inner.token_stream(text),
        }
    }
}

struct StopWordsStream<T> {
    tail: T,
}

impl<T: TokenStream> TokenStream for StopWordsStream<T> {
    fn advance(&mut self) -> bool {
        while self.tail.advance() {
            let token = self.tail.token_mut();
            if STOP_WORDS.binary_search(&token.text.as_str()).is_ok() {
                continue;
            }
            if token.text.starts_with('-') {
                token.text.remove(0);
            }
            return true;
        }
        false
    }

    fn token(&self) -> &tantivy::tokenizer::Token {
        self.tail.token()
    }

    fn token_mut(&mut self) -> &mut tantivy::tokenizer::Token {
        self.tail.token_mut()
    }
}

/// Drops stop words, strips the hyphen of a joined letter ([`StopWords`])
/// and stems with Snowball English, remembering what became of each word:
/// a text repeats its words, and this is most of the cost of analysis. Each
/// clone of an analyzer (tantivy makes one per text field and segment being
/// written) has its own memory, bounded by [`MAX_REMEMBERED`]. In a build it
/// also counts the words it sees, for the [`crate::lexicon`]: one lookup
/// serves both.
#[derive(Clone, Default)]
struct CachedTerms {
    recorder: Option<Recorder>,
}

/// Words each analyzer remembers before it starts afresh. A build has one
/// analyzer per text field and thread; 20,000 words keep the common ones at
/// a megabyte or two each.
const MAX_REMEMBERED: usize = 20_000;

/// What the filters made of a word, and how often it has been seen since
/// the analyzer last started afresh.
struct Remembered<T> {
    /// `None` for a stop word.
    term: Option<T>,
    seen: u64,
}

/// The words an analyzer remembers: those that fit, with their terms, held
/// in place ([`InlineWord`]), the rare others as `String`s.
#[derive(Default)]
struct Memory {
    inline: HashMap<InlineWord, Remembered<InlineWord>>,
    long: HashMap<String, Remembered<String>>,
}

impl Memory {
    fn len(&self) -> usize {
        self.inline.len() + self.long.len()
    }

    /// Analyses a word not yet remembered, remembers its term, and returns
    /// it. The word is held in place when its term fits too.
    fn remember(
        &mut self,
        terms: &mut TextAnalyzer,
        inline: Option<InlineWord>,
        word: &str,
    ) -> Option<&str> {
        let term = terms
            .token_stream(word)
            .next()
            .map(|term| term.text.clone());
        let inline_term = match &term {
            Some(term) => InlineWord::new(term).map(Some),
            None => Some(None),
        };
        match (inline, inline_term) {
            (Some(word), Some(term)) => {
                let remembered = self
                    .inline
                    .entry(word)
                    .or_insert(Remembered { term, seen: 1 });
                remembered.term.as_ref().map(InlineWord::as_str)
            }
            _ => {
                let remembered = self
                    .long
                    .entry(word.to_string())
                    .or_insert(Remembered { term, seen: 1 });
                remembered.term.as_deref()
            }
        }
    }
}

impl TokenFilter for CachedTerms {
    type Tokenizer<T: Tokenizer> = CachedTermsFilter<T>;

    fn transform<T: Tokenizer>(self, inner: T) -> CachedTermsFilter<T> {
        CachedTermsFilter {
            inner,
            terms: TextAnalyzer::builder(RawTokenizer::default())
                .filter(StopWords)
                .filter(Stemmer::new(Language::English))
                .build(),
            memory: Memory::default(),
            recorder: self.recorder,
        }
    }
}

struct CachedTermsFilter<T> {
    inner: T,
    /// The filters, for one word not yet remembered.
    terms: TextAnalyzer,
    memory: Memory,
    recorder: Option<Recorder>,
}

impl<T> CachedTermsFilter<T> {
    /// Forgets every word, first handing their counts to the recorder.
    fn forget(&mut self) {
        match &self.recorder {
            Some(recorder) => {
                recorder.add_inline(
                    self.memory
                        .inline
                        .drain()
                        .map(|(word, remembered)| (word, remembered.seen)),
                );
                recorder.add(
                    self.memory
                        .long
                        .drain()
                        .map(|(word, remembered)| (word, remembered.seen)),
                );
            }
            None => {
                self.memory.inline.clear();
                self.memory.long.clear();
            }
        }
    }
}

/// A copy starts afresh: what the original saw is the original's to count.
impl<T: Clone> Clone for CachedTermsFilter<T> {
    fn clone(&self) -> Self {
        CachedTermsFilter {
            inner: self.inner.clone(),
            terms: self.terms.clone(),
            memory: Memory::default(),
            recorder: self.recorder.clone(),
        }
    }
}

/// tantivy drops a segment's analyzers once the segment is written, before
/// a commit returns, so every count reaches the recorder by then.
impl<T> Drop for CachedTermsFilter<T> {
    fn drop(&mut self) {
        self.forget();
    }
}

impl<T: Tokenizer> Tokenizer for CachedTermsFilter<T> {
    type TokenStream<'a> = CachedTermsStream<'a, T::TokenStream<'a>>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> Self::TokenStream<'a> {
        if self.memory.len() >= MAX_REMEMBERED {
            self.forget();
        }
        CachedTermsStream {
            tail: self.inner.token_stream(text),
            terms: &mut self.terms,
            memory: &mut self.memory,
        }
    }
}

struct CachedTermsStream<'a, T> {
    tail: T,
    terms: &'a mut TextAnalyzer,
    memory: &'a mut Memory,
}

impl<T: TokenStream> TokenStream for CachedTermsStream<'_, T> {
    fn advance(&mut self) -> bool {
        while self.tail.advance() {
            let token = self.tail.token_mut();
            let inline = InlineWord::new(&token.text);
            let term = if let Some(remembered) =
                inline.and_then(|word| self.memory.inline.get_mut(&word))
            {
                remembered.seen += 1;
                remembered.term.as_ref().map(InlineWord::as_str)
            } else if let Some(remembered) = self.memory.long.get_mut(&token.text) {
                remembered.seen += 1;
                remembered.term.as_deref()
            } else {
                self.memory.remember(self.terms, inline, &token.text)
            };
            if let Some(term) = term {
                token.text.clear();
                token.text.push_str(term);
                return true;
            }
        }
        false
    }

    fn token(&self) -> &tantivy::tokenizer::Token {
        self.tail.token()
    }

    fn token_mut(&mut self) -> &mut tantivy::tokenizer::Token {
        self.tail.token_mut()
    }
}

/// Builds the word analyzer: tokens as written, lower-cased and folded, as
/// the [`crate::lexicon`] holds them.
pub fn words() -> TextAnalyzer {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(MAX_TOKEN_BYTES))
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter)
        .build()
}

/// Registers the analyzer with an index. tantivy does not save custom
/// analyzers with the index, so this runs every time one is opened.
pub fn register(index: &Index) {
    index.tokenizers().register(ENGLISH, english());
}

/// Registers the analyzer of a build with an index being written, recording
/// its words into `words`.
pub fn register_recording(index: &Index, words: &Recorder) {
    index
        .tokenizers()
        .register(ENGLISH, english_recording(words));
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

/// The English analyzer applied a word at a time, remembering each distinct
/// word's term: highlighting analyses whole documents in a fresh process,
/// where a text repeats its words and a lookup costs far less than
/// lower-casing, folding, stop-word filtering and stemming again. Every
/// filter of [`english`] works on one word alone, so the tokens are exactly
/// those of [`tokens`].
pub struct CachedAnalyzer {
    analyzer: TextAnalyzer,
    /// Each word as written → its term, or `None` when the analyzer drops it.
    terms: HashMap<String, Option<String>>,
}

impl Default for CachedAnalyzer {
    fn default() -> CachedAnalyzer {
        CachedAnalyzer {
            analyzer: english_word(),
            terms: HashMap::default(),
        }
    }
}

impl CachedAnalyzer {
    /// The term `word` (one word of [`word_bounds`]) is indexed under, or
    /// `None` when the analyzer drops it (a stop word, an over-long token).
    pub fn term(&mut self, word: &str) -> Option<&str> {
        if self.terms.len() >= MAX_REMEMBERED && !self.terms.contains_key(word) {
            self.terms.clear();
        }
        if !self.terms.contains_key(word) {
            let term = tokens(&mut self.analyzer, word)
                .pop()
                .map(|token| token.term);
            self.terms.insert(word.to_string(), term);
        }
        self.terms.get(word).and_then(Option::as_deref)
    }
}

/// A quick test of which words could be analysed into some terms, so the
/// others need no analysis. Stemming only rewrites a word's ending: the
/// stem of a word keeps all its letters but the last as the word,
/// lower-cased, begins ("possibility" → `possibl`, "cry" → `cri`), or all
/// but the last two for a stem in "ie" ("dying" → `die`), after the hyphen
/// of a letter joined to the word before it ("-A" → `a`). A word
/// with letters outside ASCII is always a candidate, as folding may change
/// its length.
#[derive(Debug, Clone)]
pub struct Candidates {
    /// Kept beginnings, indexed by their first byte.
    beginnings: Vec<Vec<Vec<u8>>>,
    /// Which first bytes, in either case, some beginning has.
    first_bytes: [bool; 256],
}

impl Candidates {
    pub fn new<'a>(terms: impl IntoIterator<Item = &'a str>) -> Candidates {
        let mut candidates = Candidates {
            beginnings: vec![Vec::new(); 256],
            first_bytes: [false; 256],
        };
        for term in terms {
            // "dying" → `die`: only a stem in "ie" may differ in two letters.
            let rewritten = if term.ends_with("ie") { 2 } else { 1 };
            let kept = term.chars().count().saturating_sub(rewritten).max(1);
            let beginning: String = term.chars().take(kept).collect();
            let beginning = beginning.into_bytes();
            let Some(&first) = beginning.first() else {
                continue;
            };
            candidates.first_bytes[usize::from(first)] = true;
            candidates.first_bytes[usize::from(first.to_ascii_uppercase())] = true;
            let list = &mut candidates.beginnings[usize::from(first)];
            if !list.contains(&beginning) {
                list.push(beginning);
            }
        }
        candidates
    }

    /// Whether an ASCII word beginning with `byte` might be analysed into
    /// one of the terms: the quick half of [`Candidates::may_match`].
    #[inline(always)]
    fn may_begin(&self, byte: u8) -> bool {
        self.first_bytes[usize::from(byte)]
    }

    /// Whether `word` might be analysed into one of the terms.
    pub fn may_match(&self, word: &str) -> bool {
        let word = word.strip_prefix('-').unwrap_or(word);
        let bytes = word.as_bytes();
        if !word.is_ascii() {
            return true;
        }
        let Some(first) = bytes.first() else {
            return false;
        };
        self.beginnings[usize::from(first.to_ascii_lowercase())]
            .iter()
            .any(|beginning| {
                bytes.len() >= beginning.len()
                    && bytes[..beginning.len()].eq_ignore_ascii_case(beginning)
            })
    }
}

/// The byte ranges of the words of `text` as the English analyzer splits it:
/// each run of letters and digits, except that a single letter or digit
/// joined by a hyphen to the word before it ("GABA-A") takes in the hyphen.
pub fn word_bounds(text: &str) -> impl Iterator<Item = (usize, usize)> + '_ {
    let mut words = Words::new(text);
    std::iter::from_fn(move || words.next_word(None).map(|(_, start, end)| (start, end)))
}

/// The words of a text as [`word_bounds`] splits it, each with its position
/// (counting every word, as the index does), optionally only those a
/// [`Candidates`] may match.
///
/// This runs over every passage of every hit and over every text indexed.
/// Where the next 64 bytes are all ASCII they are classified at once into a
/// bit mask of letters and digits, and the words are read off its bits; a
/// word whose first letter no candidate begins with costs a few
/// instructions. Elsewhere the text is decoded character by character.
pub struct Words<'a> {
    text: &'a str,
    /// Where reading resumes: never inside a word.
    at: usize,
    position: usize,
    /// The ASCII block being read, from `block_end - BLOCK`: which of its
    /// bytes are letters or digits, and the word starts not yet taken.
    block_end: usize,
    letters: u64,
    starts: u64,
}

/// Bytes classified at once; one bit each in a `u64`.
const BLOCK: usize = 64;

impl<'a> Words<'a> {
    pub fn new(text: &'a str) -> Words<'a> {
        Words {
            text,
            at: 0,
            position: 0,
            block_end: 0,
            letters: 0,
            starts: 0,
        }
    }

    /// The next word `candidates` may match, as (position, start, end).
    pub fn next_candidate(&mut self, candidates: &Candidates) -> Option<(usize, usize, usize)> {
        self.next_word(Some(candidates))
    }

    #[inline(always)]
    fn next_word(&mut self, candidates: Option<&Candidates>) -> Option<(usize, usize, usize)> {
        let text = self.text;
        let bytes = text.as_bytes();
        loop {
            let (start, end, ascii) = if self.starts != 0 {
                self.word_of_block()
            } else {
                // Every word of the last block is taken, and `at` is never
                // inside a word, so no word runs into the next block.
                let from = self.at.max(self.block_end);
                if from >= bytes.len() {
                    self.at = bytes.len();
                    return None;
                }
                self.at = from;
                if let Some(letters) = ascii_letters(&bytes[from..]) {
                    self.block_end = from + BLOCK;
                    self.letters = letters;
                    self.starts = letters & !(letters << 1);
                    continue;
                }
                self.word_decoded()?
            };
            let position = self.position;
            self.position += 1;
            let first = bytes[start];
            if candidates.is_some_and(|candidates| ascii && !candidates.may_begin(first)) {
                continue;
            }
            let joined = end == start + char_at(text, first, start).1
                && start >= 1
                && bytes[start - 1] == b'-'
                && text[..start - 1]
                    .chars()
                    .next_back()
                    .is_some_and(char::is_alphanumeric);
            let start = if joined { start - 1 } else { start };
            if candidates.is_some_and(|candidates| !candidates.may_match(&text[start..end])) {
                continue;
            }
            return Some((position, start, end));
        }
    }

    /// The next word of the ASCII block, as (start, end, all ASCII); it may
    /// run on past the block.
    #[inline(always)]
    fn word_of_block(&mut self) -> (usize, usize, bool) {
        let bit = self.starts.trailing_zeros() as usize;
        self.starts &= self.starts - 1;
        let start = self.block_end - BLOCK + bit;
        let run = (!(self.letters >> bit)).trailing_zeros() as usize;
        let mut end = start + run;
        let mut ascii = true;
        if bit + run == BLOCK {
            let (rest, rest_ascii) = word_rest(self.text, end);
            end = rest;
            ascii = rest_ascii;
        }
        self.at = end;
        (start, end, ascii)
    }

    /// The next word from `at`, decoding character by character, as
    /// (start, end, all ASCII); `None` at the end of the text.
    fn word_decoded(&mut self) -> Option<(usize, usize, bool)> {
        let text = self.text;
        let bytes = text.as_bytes();
        let mut at = self.at;
        let start = loop {
            let Some(&byte) = bytes.get(at) else {
                self.at = at;
                return None;
            };
            let (is_word, len) = char_at(text, byte, at);
            if is_word {
                break at;
            }
            at += len;
        };
        let (end, ascii) = word_rest(text, start);
        self.at = end;
        Some((start, end, ascii))
    }
}

/// Where the word that goes on at byte `at` ends, and whether its bytes
/// from `at` are all ASCII.
#[inline(always)]
fn word_rest(text: &str, mut at: usize) -> (usize, bool) {
    let bytes = text.as_bytes();
    let mut ascii = true;
    while let Some(&byte) = bytes.get(at) {
        let (is_word, len) = char_at(text, byte, at);
        if !is_word {
            break;
        }
        ascii &= byte.is_ascii();
        at += len;
    }
    (at, ascii)
}

/// Which of the first [`BLOCK`] bytes (fewer at the end) are ASCII letters
/// or digits, one bit each, or `None` if any of them is not ASCII.
#[inline(always)]
fn ascii_letters(bytes: &[u8]) -> Option<u64> {
    match bytes.first_chunk::<BLOCK>() {
        Some(block) => classify(block),
        None => {
            let mut block = [0; BLOCK];
            block[..bytes.len()].copy_from_slice(bytes);
            classify(&block)
        }
    }
}

/// Eight bytes at a time in a `u64`: every byte below 0x80 stays below it
/// when a constant below 0x80 is added, so a byte's high bit then tells
/// whether it reached a bound, with no carry into the next byte.
#[inline(always)]
fn classify(block: &[u8; BLOCK]) -> Option<u64> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x80 * ONES;
    let words = block
        .chunks_exact(8)
        .map(|eight| u64::from_le_bytes(eight.try_into().unwrap_or_default()));
    if words.clone().fold(0, |high, word| high | word) & HIGH != 0 {
        return None;
    }
    // High bit of each byte: at least `low` and at most `high`.
    let within = |word: u64, low: u64, high: u64| {
        word.wrapping_add((0x80 - low) * ONES) & !word.wrapping_add((0x7f - high) * ONES)
    };
    Some(words.enumerate().fold(0, |letters, (index, word)| {
        let lower = word | (0x20 * ONES);
        let flags = (within(lower, 0x61, 0x7a) | within(word, 0x30, 0x39)) & HIGH;
        // The eight high bits gathered into the top byte, first byte lowest.
        let bits = ((flags >> 7).wrapping_mul(0x0102_0408_1020_4080)) >> 56;
        letters | (bits << (8 * index))
    }))
}

/// Whether the character at byte `at` of `text`, whose first byte is
/// `byte`, is a letter or digit, and its length in bytes.
#[inline(always)]
fn char_at(text: &str, byte: u8, at: usize) -> (bool, usize) {
    match BYTE_CLASS[usize::from(byte)] {
        ByteClass::Word => (true, 1),
        ByteClass::Other => (false, 1),
        ByteClass::NotAscii => {
            let c = text[at..].chars().next().unwrap_or(' ');
            (c.is_alphanumeric(), c.len_utf8())
        }
    }
}

#[derive(Clone, Copy)]
enum ByteClass {
    /// An ASCII letter or digit.
    Word,
    /// Any other ASCII character.
    Other,
    /// Part of a character beyond ASCII, which must be decoded.
    NotAscii,
}

const BYTE_CLASS: [ByteClass; 256] = {
    let mut classes = [ByteClass::NotAscii; 256];
    let mut byte = 0;
    while byte < 128 {
        classes[byte] = if (byte as u8).is_ascii_alphanumeric() {
            ByteClass::Word
        } else {
            ByteClass::Other
        };
        byte += 1;
    }
    classes
};

#[cfg(test)]
mod tests {
    use super::*;
    use tantivy::tokenizer::StopWordFilter;

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
    fn the_stop_words_are_tantivys_english_ones() {
        assert!(STOP_WORDS.is_sorted(), "in order, for the binary search");
        let text = format!(
            "{} Nothing THE Then thence an and-a ANDs isn't",
            STOP_WORDS.join(" ")
        );
        let words = |filtered: TextAnalyzer| -> Vec<String> {
            let mut filtered = filtered;
            tokens(&mut filtered, &text)
                .into_iter()
                .map(|t| t.term)
                .collect()
        };
        let reference = words(
            TextAnalyzer::builder(SimpleTokenizer::default())
                .filter(LowerCaser)
                .filter(StopWordFilter::new(Language::English).unwrap())
                .build(),
        );
        let words = words(
            TextAnalyzer::builder(SimpleTokenizer::default())
                .filter(LowerCaser)
                .filter(StopWords)
                .build(),
        );
        assert_eq!(words, reference);
        assert_eq!(words, ["nothing", "thence", "ands", "isn", "t"]);
    }

    #[test]
    fn remembered_stems_are_the_stems() {
        let text = "Seizures, SEIZURE and the restless legs' syndromes: naive cafes, seizures.";
        let plain = || {
            TextAnalyzer::builder(SimpleTokenizer::default())
                .filter(LowerCaser)
                .filter(StopWordFilter::new(Language::English).unwrap())
                .filter(Stemmer::new(Language::English))
                .build()
        };
        let mut cached = english();
        let expected = tokens(&mut plain(), text);
        assert_eq!(tokens(&mut cached, text), expected);
        assert_eq!(tokens(&mut cached, text), expected, "from memory");
    }

    #[test]
    fn words_too_long_to_hold_in_place_are_remembered_too() {
        // 15, 16 and 20 bytes: either side of what an `InlineWord` holds.
        let text = "Benzodiazepines, PHARMACOKINETICS and internationalisation; \
                    benzodiazepines' pharmacokinetics, Internationalisations.";
        let expected: Vec<Token> = text
            .split(|c: char| !c.is_alphanumeric())
            .filter(|word| !word.is_empty())
            .flat_map(|word| tokens(&mut english_word(), word))
            .collect();
        let terms: Vec<&str> = expected.iter().map(|token| token.term.as_str()).collect();
        assert_eq!(
            terms,
            [
                "benzodiazepin",
                "pharmacokinet",
                "internationalis",
                "benzodiazepin",
                "pharmacokinet",
                "internationalis"
            ]
        );
        let mut cached = english();
        let found: Vec<String> = tokens(&mut cached, text)
            .into_iter()
            .map(|t| t.term)
            .collect();
        assert_eq!(found, terms);
        let again: Vec<String> = tokens(&mut cached, text)
            .into_iter()
            .map(|t| t.term)
            .collect();
        assert_eq!(again, terms, "from memory");
    }

    #[test]
    fn a_build_analyzer_counts_every_word_it_sees_short_or_long() {
        let recorder = Recorder::default();
        let mut analyzer = english_recording(&recorder);
        let text = "Clonazepam and PHARMACOKINETICS of clonazepam: internationalisation.";
        tokens(&mut analyzer, text);
        tokens(&mut analyzer, "pharmacokinetics, again");
        drop(analyzer);
        let counts: Vec<(String, u64)> = recorder
            .take()
            .sorted()
            .into_iter()
            .map(|(word, count)| (String::from_utf8(word.as_bytes().to_vec()).unwrap(), count))
            .collect();
        let expected = [
            ("again", 1),
            ("clonazepam", 2),
            ("internationalisation", 1),
            ("pharmacokinetics", 2),
        ];
        let expected: Vec<(String, u64)> = expected
            .iter()
            .map(|&(word, count)| (word.to_string(), count))
            .collect();
        assert_eq!(
            counts, expected,
            "words under four letters are never candidates"
        );
    }

    #[test]
    fn accents_fold_and_offsets_point_at_the_original() {
        let text = "Café naïve";
        let tokens = tokens(&mut english(), text);
        assert_eq!(tokens[0].term, "cafe");
        assert_eq!(&text[tokens[1].start..tokens[1].end], "naïve");
    }

    #[test]
    fn cached_analysis_gives_the_tokens_of_the_analyzer() {
        let text = "Seizures—SEIZURE, l'été café naïve 12mg x² Клоназепам 氯硝西泮 and the \
                    restless legs' syndromes: antidisestablishmentarianismantidisestablishment \
                    won't CBT-I seizures GABA-A and GABA-B, vitamin -A x-a--a 5-HT-2 a";
        let mut cached = CachedAnalyzer::default();
        for _ in 0..2 {
            let found: Vec<Token> = word_bounds(text)
                .enumerate()
                .filter_map(|(position, (start, end))| {
                    let term = cached.term(&text[start..end])?;
                    Some(Token {
                        term: term.to_string(),
                        start,
                        end,
                        position,
                    })
                })
                .collect();
            assert_eq!(found, tokens(&mut english(), text));
        }
    }

    #[test]
    fn every_word_is_a_candidate_for_its_own_stem() {
        let text =
            "possibility possibly dying lying tying vying skies skis idly gently ugly early \
                    only singly relational generator organization sensibility hopping hoping \
                    happy cry cries cried agreed agreeing feed fed Seizures sleeping pills \
                    Restless LEGS spasticity spastic anxiety anxious hypnotics dependence \
                    dependent effectiveness fulness carefully hopelessly news atlas bias \
                    y yes 5mg 0.5 CBT-I GABA-A GABA-B";
        let mut analyzer = english_word();
        for (start, end) in word_bounds(text) {
            let word = &text[start..end];
            if let Some(token) = tokens(&mut analyzer, word).pop() {
                let candidates = Candidates::new([token.term.as_str()]);
                assert!(candidates.may_match(word), "{word} → {}", token.term);
            }
        }
        let candidates = Candidates::new(["restless", "leg"]);
        assert!(!candidates.may_match("anxiety"));
        assert!(!candidates.may_match("rest"));
        assert!(
            !candidates.may_match("like"),
            "a short stem keeps all but its last letter"
        );
    }

    #[test]
    fn a_letter_joined_by_a_hyphen_is_kept_even_as_a_stop_word() {
        let words = |text: &str| -> Vec<(String, usize)> {
            tokens(&mut english(), text)
                .into_iter()
                .map(|t| (t.term, t.position))
                .collect()
        };
        let owned = |pairs: &[(&str, usize)]| -> Vec<(String, usize)> {
            pairs.iter().map(|&(t, p)| (t.to_string(), p)).collect()
        };
        assert_eq!(
            words("GABA-A receptors"),
            owned(&[("gaba", 0), ("a", 1), ("receptor", 2)])
        );
        assert_eq!(words("GABA-B"), owned(&[("gaba", 0), ("b", 1)]));
        assert_eq!(
            words("GABA, a transmitter"),
            owned(&[("gaba", 0), ("transmitt", 2)])
        );
        let text = "GABA-A and x - a";
        let bounds: Vec<&str> = word_bounds(text).map(|(s, e)| &text[s..e]).collect();
        assert_eq!(bounds, vec!["GABA", "-A", "and", "x", "a"]);
    }

    /// Texts of any characters, and texts of several 64-byte blocks that are
    /// mostly ASCII with a character beyond it here and there, so that words
    /// run across blocks and from ASCII into other letters and back.
    const TEXT: &str =
        "(\\PC|[ a-zA-Z0-9éü—’.,-]){0,80}|([ a-zA-Z0-9.,-]{0,100}(\\PC|[éü—’-])?){0,5}";

    proptest::proptest! {
        #[test]
        fn words_are_split_as_the_tokenizer_splits_them(text in TEXT) {
            // Runs of letters and digits, as tantivy's simple tokenizer
            // splits them, but a one-character word after "word-" takes
            // in its hyphen.
            let mut tokenizer = SimpleTokenizer::default();
            let mut stream = tokenizer.token_stream(&text);
            let mut expected = Vec::new();
            while let Some(token) = stream.next() {
                let (start, end) = (token.offset_from, token.offset_to);
                let single = text[start..end].chars().count() == 1;
                let mut before = text[..start].chars().rev();
                let joined = single
                    && before.next() == Some('-')
                    && before.next().is_some_and(char::is_alphanumeric);
                expected.push((if joined { start - 1 } else { start }, end));
            }
            let found: Vec<(usize, usize)> = word_bounds(&text).collect();
            proptest::prop_assert_eq!(found, expected);
        }

        #[test]
        fn words_analysed_one_at_a_time_give_the_tokens_of_the_text(text in TEXT) {
            let mut cached = CachedAnalyzer::default();
            let found: Vec<Token> = word_bounds(&text)
                .enumerate()
                .filter_map(|(position, (start, end))| {
                    let term = cached.term(&text[start..end])?;
                    Some(Token { term: term.to_string(), start, end, position })
                })
                .collect();
            proptest::prop_assert_eq!(found, tokens(&mut english(), &text));
        }

        #[test]
        fn candidate_words_are_the_words_that_may_match(
            text in TEXT,
            terms in proptest::collection::vec("[a-zA-Z0-9é]{1,6}", 0..4),
        ) {
            let candidates = Candidates::new(terms.iter().map(String::as_str));
            let mut words = Words::new(&text);
            let found: Vec<(usize, usize, usize)> =
                std::iter::from_fn(|| words.next_candidate(&candidates)).collect();
            let expected: Vec<(usize, usize, usize)> = word_bounds(&text)
                .enumerate()
                .filter(|(_, (start, end))| candidates.may_match(&text[*start..*end]))
                .map(|(position, (start, end))| (position, start, end))
                .collect();
            proptest::prop_assert_eq!(found, expected);
        }
    }
}
