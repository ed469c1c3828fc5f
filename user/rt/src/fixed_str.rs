//! A string of fixed capacity that formatting fills and silently truncates: text without a heap.

use core::fmt;

pub struct FixedStr<const N: usize> {
    bytes: [u8; N],
    len: usize,
}

impl<const N: usize> FixedStr<N> {
    pub const fn new() -> Self {
        FixedStr {
            bytes: [0; N],
            len: 0,
        }
    }

    /// The formatted text, cut at capacity.
    pub fn from_fmt(args: fmt::Arguments<'_>) -> Self {
        let mut text = Self::new();
        // Writing never fails: what does not fit is dropped.
        let _ = fmt::Write::write_fmt(&mut text, args);
        text
    }

    pub fn as_str(&self) -> &str {
        // Only whole characters are ever appended (see `push_str`), so this cannot fail.
        core::str::from_utf8(&self.bytes[..self.len]).unwrap_or_default()
    }

    /// Appends as much of `text` as fits, never splitting a character.
    pub fn push_str(&mut self, text: &str) {
        let mut take = text.len().min(N - self.len);
        while !text.is_char_boundary(take) {
            take -= 1;
        }
        self.bytes[self.len..self.len + take].copy_from_slice(&text.as_bytes()[..take]);
        self.len += take;
    }
}

impl<const N: usize> Default for FixedStr<N> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const N: usize> fmt::Write for FixedStr<N> {
    fn write_str(&mut self, text: &str) -> fmt::Result {
        self.push_str(text);
        Ok(())
    }
}

impl<const N: usize> fmt::Display for FixedStr<N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl<const N: usize> fmt::Debug for FixedStr<N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}
