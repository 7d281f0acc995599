//! Words within a few edits of a word, found by walking a term dictionary.
//!
//! An edit is an insertion, deletion or substitution of a letter, or a swap
//! of two neighbouring letters: the optimal string alignment distance that
//! [`strsim::osa_distance`] measures. tantivy's Levenshtein automata accept
//! the same words but first build a table for each distance, 3 M
//! instructions for two edits, more than a question costs in all. This one
//! carries in each state the few cells of a row of the edit-distance matrix
//! that can still be within reach, and works out the next row's from the
//! letter read: a few dozen instructions a letter, and only for the part of
//! the dictionary within reach.

use tantivy_fst::Automaton;

/// The most edits [`WithinEdits`] allows.
pub const MAX_EDITS: u8 = 2;

/// A row of the matrix, kept only where it can be within [`MAX_EDITS`]:
/// the distances from the prefixes of the word within that many letters of
/// the length read (the shortest first), capped at one more than allowed.
/// The last cell stays capped, for the prefix one past the band.
type Band = [u8; BAND_CELLS];

const BAND_CELLS: usize = 2 * MAX_EDITS as usize + 2;

/// Accepts the words within `max` edits of a word.
#[derive(Debug)]
pub struct WithinEdits {
    word: Vec<char>,
    max: u8,
}

/// Where [`WithinEdits`] is after reading some bytes.
#[derive(Debug, Clone)]
pub struct State {
    /// How many letters have been read.
    read: usize,
    row: Band,
    /// The row before the last letter: a swap reaches back two letters.
    before: Band,
    /// The last letter read.
    last: Option<char>,
    /// A letter whose UTF-8 bytes are still being read: its bits so far and
    /// how many bytes are to come.
    partial: (u32, u8),
}

impl WithinEdits {
    /// `None` when `max` is more than [`MAX_EDITS`].
    pub fn new(word: &str, max: u8) -> Option<WithinEdits> {
        (max <= MAX_EDITS).then(|| WithinEdits {
            word: word.chars().collect(),
            max,
        })
    }

    fn too_far(&self) -> u8 {
        self.max + 1
    }

    /// A band with every cell too far.
    fn far_band(&self) -> Band {
        [self.too_far(); BAND_CELLS]
    }

    /// A state nothing can follow.
    fn dead(&self) -> State {
        State {
            read: 0,
            row: self.far_band(),
            before: self.far_band(),
            last: None,
            partial: (0, 0),
        }
    }

    /// The state after reading the letter `letter` in `state`. Cell `k` of
    /// a band is the prefix `k` letters from its start; from one row to the
    /// next the band moves on by one prefix, so cell `k` of the new row
    /// follows from cells `k` (one letter shorter) and `k + 1` (the same
    /// prefix) of the row above, and cell `k` of the row before that.
    fn step(&self, state: &State, letter: char) -> State {
        let (word, max, cap) = (&self.word, usize::from(self.max), self.too_far());
        let read = state.read + 1;
        let mut next = self.far_band();
        for k in 0..=2 * max {
            let Some(prefix) = (read + k).checked_sub(max) else {
                continue;
            };
            if prefix > word.len() {
                break;
            }
            let distance = if prefix == 0 {
                read.min(usize::from(cap)) as u8
            } else {
                let substitution = state.row[k] + u8::from(word[prefix - 1] != letter);
                let insertion = state.row[k + 1] + 1;
                let deletion = if k == 0 { cap } else { next[k - 1] } + 1;
                let mut distance = substitution.min(insertion).min(deletion);
                if prefix >= 2 && word[prefix - 2] == letter && state.last == Some(word[prefix - 1])
                {
                    distance = distance.min(state.before[k] + 1);
                }
                distance
            };
            next[k] = distance.min(cap);
        }
        State {
            read,
            row: next,
            before: state.row,
            last: Some(letter),
            partial: (0, 0),
        }
    }
}

impl Automaton for WithinEdits {
    type State = State;

    fn start(&self) -> State {
        let mut row = self.far_band();
        let max = usize::from(self.max);
        for prefix in 0..=max.min(self.word.len()) {
            row[prefix + max] = prefix as u8;
        }
        State { row, ..self.dead() }
    }

    fn is_match(&self, state: &State) -> bool {
        let k = (self.word.len() + usize::from(self.max)).checked_sub(state.read);
        state.partial.1 == 0
            && k.is_some_and(|k| k <= 2 * usize::from(self.max) && state.row[k] <= self.max)
    }

    /// No letter read later brings a distance below the smallest in the row:
    /// the next row's are this row's plus 0 or 1, or the row before's plus
    /// the 1 a swap costs, never less than the smallest of this row.
    fn can_match(&self, state: &State) -> bool {
        state.row.iter().any(|&distance| distance <= self.max)
    }

    fn accept(&self, state: &State, byte: u8) -> State {
        let (bits, to_come) = state.partial;
        if to_come > 0 {
            if byte & 0xC0 != 0x80 {
                return self.dead();
            }
            let bits = bits << 6 | u32::from(byte & 0x3F);
            if to_come > 1 {
                return State {
                    partial: (bits, to_come - 1),
                    ..state.clone()
                };
            }
            return match char::from_u32(bits) {
                Some(letter) => self.step(state, letter),
                None => self.dead(),
            };
        }
        let (bits, to_come) = match byte {
            0x00..=0x7F => return self.step(state, char::from(byte)),
            0xC0..=0xDF => (byte & 0x1F, 1),
            0xE0..=0xEF => (byte & 0x0F, 2),
            0xF0..=0xF7 => (byte & 0x07, 3),
            _ => return self.dead(),
        };
        State {
            partial: (u32::from(bits), to_come),
            ..state.clone()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn accepts(automaton: &WithinEdits, candidate: &str) -> bool {
        let mut state = automaton.start();
        for &byte in candidate.as_bytes() {
            if !automaton.can_match(&state) {
                return false;
            }
            state = automaton.accept(&state, byte);
        }
        automaton.is_match(&state)
    }

    #[test]
    fn counts_each_kind_of_edit_once() {
        let one = WithinEdits::new("clonazepam", 1).unwrap();
        assert!(accepts(&one, "clonazepam"));
        assert!(accepts(&one, "clonazapam"), "substitution");
        assert!(accepts(&one, "clonazepm"), "deletion");
        assert!(accepts(&one, "clonazepams"), "insertion");
        assert!(accepts(&one, "clonaezpam"), "swap");
        assert!(!accepts(&one, "clonaezpan"), "swap and substitution");
        assert!(!accepts(&one, "klonopin"));
        assert!(accepts(
            &WithinEdits::new("clonopin", 2).unwrap(),
            "klonopin"
        ));
    }

    #[test]
    fn reads_letters_of_several_bytes_as_one_letter() {
        let one = WithinEdits::new("cafe", 1).unwrap();
        assert!(accepts(&one, "café"));
        assert!(accepts(&one, "caf€"));
        assert!(!accepts(&one, "c€f€"));
        assert!(accepts(&WithinEdits::new("σπασμός", 1).unwrap(), "σπασμος"));
    }

    #[test]
    fn takes_long_words_and_up_to_two_edits() {
        let long = "pneumonoultramicroscopicsilicovolcanoconiosis";
        let two = WithinEdits::new(long, 2).unwrap();
        assert!(accepts(
            &two,
            &long.replace("ultra", "ultar").replace("silico", "silco")
        ));
        assert!(!accepts(&two, &long.replace("volcano", "vulkan")));
        assert!(WithinEdits::new(long, MAX_EDITS + 1).is_none());
    }

    proptest! {
        #[test]
        fn accepts_exactly_the_words_within_the_distance(
            word in "[abcé€]{0,9}",
            candidate in "[abcé€]{0,10}",
            max in 0u8..3,
        ) {
            let automaton = WithinEdits::new(&word, max).unwrap();
            let within = strsim::osa_distance(&word, &candidate) <= usize::from(max);
            prop_assert_eq!(accepts(&automaton, &candidate), within);
        }
    }
}
