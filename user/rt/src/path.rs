//! A NUL-terminated path held by value, built without a heap.

use core::ffi::CStr;

/// Longest path Linux accepts (PATH_MAX), with its NUL.
const PATH_MAX: usize = 4096;

pub struct PathBuf {
    bytes: [u8; PATH_MAX],
}

impl PathBuf {
    /// A copy of `path`.
    pub fn new(path: &CStr) -> Option<PathBuf> {
        PathBuf::from_parts(&[path.to_bytes()])
    }

    /// `directory/name`.
    pub fn join(directory: &CStr, name: &CStr) -> Option<PathBuf> {
        let directory = directory.to_bytes();
        let separator: &[u8] = if directory.ends_with(b"/") { b"" } else { b"/" };
        PathBuf::from_parts(&[directory, separator, name.to_bytes()])
    }

    /// The parts one after the other; `None` when they do not fit in PATH_MAX with a NUL.
    fn from_parts(parts: &[&[u8]]) -> Option<PathBuf> {
        let mut bytes = [0; PATH_MAX];
        let mut len = 0;
        for part in parts {
            bytes.get_mut(len..len + part.len())?.copy_from_slice(part);
            len += part.len();
        }
        (len < PATH_MAX).then_some(PathBuf { bytes })
    }

    pub fn as_c_str(&self) -> &CStr {
        // `from_parts` always leaves a NUL after the path.
        CStr::from_bytes_until_nul(&self.bytes).unwrap_or_default()
    }
}
