//! A short word held in place, as a key of the word caches of a build
//! ([`crate::analysis`], [`crate::lexicon`]): a build looks up every word it
//! indexes, and a key of a `String` sends each lookup to a heap block
//! elsewhere and its comparison to `memcmp`. Nearly every word fits in
//! [`InlineWord::CAPACITY`] bytes; longer ones stay `String`s.

use std::hash::{Hash, Hasher};

/// A word of at most [`InlineWord::CAPACITY`] bytes, stored in place: its
/// bytes, zero-padded, then its length in the last byte.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct InlineWord([u8; 16]);

impl InlineWord {
    /// The longest word, in bytes, that is held in place.
    pub const CAPACITY: usize = 15;

    /// `word` held in place, or `None` when it is longer than
    /// [`InlineWord::CAPACITY`].
    #[inline]
    pub fn new(word: &str) -> Option<InlineWord> {
        let len = word.len();
        if len > Self::CAPACITY {
            return None;
        }
        let mut bytes = [0; 16];
        bytes[..len].copy_from_slice(word.as_bytes());
        bytes[Self::CAPACITY] = len as u8;
        Some(InlineWord(bytes))
    }

    #[inline]
    pub fn as_str(&self) -> &str {
        // Always whole: the bytes were copied from a `&str`.
        std::str::from_utf8(self.as_bytes()).unwrap_or_default()
    }

    #[inline]
    pub fn as_bytes(&self) -> &[u8] {
        &self.0[..usize::from(self.0[Self::CAPACITY])]
    }

    /// The 16 bytes as two words, for hashing.
    #[inline]
    fn halves(&self) -> (u64, u64) {
        let [a, b, c, d, e, f, g, h, i, j, k, l, m, n, o, p] = self.0;
        (
            u64::from_le_bytes([a, b, c, d, e, f, g, h]),
            u64::from_le_bytes([i, j, k, l, m, n, o, p]),
        )
    }
}

impl Hash for InlineWord {
    #[inline]
    fn hash<H: Hasher>(&self, state: &mut H) {
        let (low, high) = self.halves();
        state.write_u64(low);
        state.write_u64(high);
    }
}

/// The order of the words as strings: zero padding sorts before any byte,
/// and of two words equal to the end of the shorter, the shorter comes first
/// by its length, in the last byte.
impl Ord for InlineWord {
    #[inline]
    fn cmp(&self, other: &InlineWord) -> std::cmp::Ordering {
        u128::from_be_bytes(self.0).cmp(&u128::from_be_bytes(other.0))
    }
}

impl PartialOrd for InlineWord {
    #[inline]
    fn partial_cmp(&self, other: &InlineWord) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl std::fmt::Debug for InlineWord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.as_str().fmt(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_word_up_to_fifteen_bytes_is_held_as_written() {
        for word in [
            "",
            "a",
            "clonazepam",
            "benzodiazepines",
            "ünïcödé",
            "123456789012345",
        ] {
            let inline = InlineWord::new(word).expect("fits");
            assert_eq!(inline.as_str(), word);
        }
    }

    #[test]
    fn a_longer_word_is_not_held() {
        assert_eq!(InlineWord::new("1234567890123456"), None);
        assert_eq!(InlineWord::new("benzodiazepinesx"), None);
    }

    #[test]
    fn words_sort_as_their_strings_do() {
        let mut words = vec![
            "b",
            "a\0",
            "",
            "ab",
            "a",
            "abc",
            "\0",
            "zz",
            "é",
            "a\0\0",
            "ab\0c",
            "abd",
            "123456789012345",
            "12345678901234",
        ];
        let mut inline: Vec<InlineWord> = words.iter().filter_map(|w| InlineWord::new(w)).collect();
        words.sort_unstable();
        inline.sort_unstable();
        let sorted: Vec<&str> = inline.iter().map(InlineWord::as_str).collect();
        assert_eq!(sorted, words);
    }

    #[test]
    fn words_that_differ_only_in_padding_or_length_are_different() {
        assert_ne!(InlineWord::new("a"), InlineWord::new("a\0"));
        assert_ne!(InlineWord::new(""), InlineWord::new("\0"));
        assert_eq!(InlineWord::new("leg"), InlineWord::new("leg"));
    }
}
