//! Reader for "newc" cpio archives (the initramfs format): names, modes and contents.
//!
//! Each entry is a 110-byte ASCII header (`070701` and 13 eight-digit hex fields), the
//! NUL-terminated name padded to 4 bytes, then the data padded to 4 bytes; the archive ends
//! with the entry named `TRAILER!!!`.

const MAGIC: &[u8; 6] = b"070701";
const HEADER_LEN: usize = 110;
const TRAILER: &str = "TRAILER!!!";

/// One archive member.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Entry<'a> {
    /// Path inside the archive, without a leading `./` or `/`.
    pub name: &'a str,
    /// Unix mode: file type and permissions.
    pub mode: u32,
    pub data: &'a [u8],
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CpioError {
    /// An entry is cut short, or a field is not hex, or the magic is wrong; at byte offset.
    Malformed(usize),
}

/// Iterates over the entries of `archive` up to the trailer.
pub fn entries(archive: &[u8]) -> impl Iterator<Item = Result<Entry<'_>, CpioError>> {
    let mut offset = 0;
    let mut done = archive.is_empty();
    core::iter::from_fn(move || {
        if done {
            return None;
        }
        match parse_entry(archive, offset) {
            Ok((entry, next)) if entry.name == TRAILER => {
                done = true;
                let _ = next;
                None
            }
            Ok((entry, next)) => {
                offset = next;
                Some(Ok(entry))
            }
            Err(error) => {
                done = true;
                Some(Err(error))
            }
        }
    })
}

fn hex_field(header: &[u8], index: usize) -> Option<usize> {
    let digits = header.get(6 + index * 8..6 + index * 8 + 8)?;
    let text = core::str::from_utf8(digits).ok()?;
    usize::from_str_radix(text, 16).ok()
}

fn align4(value: usize) -> usize {
    value.next_multiple_of(4)
}

fn parse_entry(archive: &[u8], offset: usize) -> Result<(Entry<'_>, usize), CpioError> {
    let malformed = CpioError::Malformed(offset);
    let header = archive.get(offset..offset + HEADER_LEN).ok_or(malformed)?;
    if &header[..6] != MAGIC {
        return Err(malformed);
    }
    let field = |index| hex_field(header, index).ok_or(malformed);
    let mode = field(1)? as u32;
    let file_size = field(6)?;
    let name_size = field(11)?;
    let name_start = offset + HEADER_LEN;
    let name_bytes = archive
        .get(name_start..name_start.checked_add(name_size).ok_or(malformed)?)
        .ok_or(malformed)?;
    let name = name_bytes
        .split_last()
        .filter(|(last, _)| **last == 0)
        .and_then(|(_, name)| core::str::from_utf8(name).ok())
        .ok_or(malformed)?;
    let data_start = align4(name_start + name_size);
    let data_end = data_start.checked_add(file_size).ok_or(malformed)?;
    let data = archive.get(data_start..data_end).ok_or(malformed)?;
    let name = name.trim_start_matches("./").trim_start_matches('/');
    Ok((Entry { name, mode, data }, align4(data_end)))
}

#[cfg(test)]
pub mod tests {
    use super::*;

    /// Builds a newc archive from (name, mode, data) triples.
    pub fn archive(members: &[(&str, u32, &[u8])]) -> Vec<u8> {
        let mut out = Vec::new();
        let trailer = [(TRAILER, 0, &[][..])];
        for (ino, (name, mode, data)) in members.iter().chain(trailer.iter()).enumerate() {
            let fields = [
                ino,
                *mode as usize,
                0,
                0,
                1,
                0,
                data.len(),
                0,
                0,
                0,
                0,
                name.len() + 1,
                0,
            ];
            out.extend_from_slice(MAGIC);
            for field in fields {
                out.extend_from_slice(format!("{field:08x}").as_bytes());
            }
            out.extend_from_slice(name.as_bytes());
            out.push(0);
            out.resize(align4(out.len()), 0);
            out.extend_from_slice(data);
            out.resize(align4(out.len()), 0);
        }
        out
    }

    #[test]
    fn reads_names_modes_and_contents() {
        let bytes = archive(&[
            ("bin", 0o040755, b""),
            ("bin/init", 0o100755, b"\x7fELF..."),
        ]);
        let all: Vec<_> = entries(&bytes).collect::<Result<_, _>>().unwrap();
        assert_eq!(all.len(), 2);
        assert_eq!(all[0].name, "bin");
        assert_eq!(all[0].mode, 0o040755);
        assert_eq!(
            all[1],
            Entry {
                name: "bin/init",
                mode: 0o100755,
                data: b"\x7fELF..."
            }
        );
    }

    #[test]
    fn empty_archives_have_no_entries() {
        assert_eq!(entries(&[]).count(), 0);
        assert_eq!(entries(&archive(&[])).count(), 0);
    }

    #[test]
    fn truncation_and_garbage_are_errors_not_panics() {
        let bytes = archive(&[("a", 0o100644, b"hello world")]);
        for cut in 0..bytes.len() - 1 {
            let result: Result<Vec<_>, _> = entries(&bytes[..cut]).collect();
            assert!(cut == 0 || result.is_err(), "cut at {cut} parsed");
        }
        let mut garbage = bytes.clone();
        garbage[0] = b'X';
        assert_eq!(entries(&garbage).next(), Some(Err(CpioError::Malformed(0))));
        let mut huge = bytes;
        huge[6 + 6 * 8..6 + 7 * 8].copy_from_slice(b"ffffffff");
        assert!(entries(&huge).next().unwrap().is_err());
    }
}
