//! Splitting a line into words at whitespace, in place: each separator becomes a NUL, so the
//! words are C strings ready for execve.

use core::ffi::CStr;

/// Most words a line may have; the rest are dropped.
const MAX_WORDS: usize = 32;

pub struct Words<'a> {
    words: [&'a CStr; MAX_WORDS],
    count: usize,
}

impl<'a> Words<'a> {
    /// Splits the first `len` bytes of `buffer`; the byte after them becomes the last
    /// word's NUL, so `len` must be less than the buffer's length.
    pub fn split(buffer: &'a mut [u8], len: usize) -> Self {
        let line = &mut buffer[..=len];
        line[len] = 0;
        for byte in line.iter_mut().filter(|byte| byte.is_ascii_whitespace()) {
            *byte = 0;
        }
        let line: &'a [u8] = line;
        let mut words = Words {
            words: [c""; MAX_WORDS],
            count: 0,
        };
        let starts = (0..len).filter(|&at| line[at] != 0 && (at == 0 || line[at - 1] == 0));
        for start in starts.take(MAX_WORDS) {
            if let Ok(word) = CStr::from_bytes_until_nul(&line[start..]) {
                words.words[words.count] = word;
                words.count += 1;
            }
        }
        words
    }

    pub fn get(&self, index: usize) -> Option<&'a CStr> {
        self.all().get(index).copied()
    }

    pub fn all(&self) -> &[&'a CStr] {
        &self.words[..self.count]
    }
}
