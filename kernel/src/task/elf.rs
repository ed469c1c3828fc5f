//! Checks a static AArch64 ELF executable and turns it into a plan of what to map where.
//!
//! Pure logic (goblin parses; this module decides), tested on the host against a corpus of
//! malformed files. Everything the loader later does with the plan is known to be sane:
//! segments inside the lower half, page-congruent, not overlapping, never W+X, backed by
//! the file, and an entry point inside an executable segment.

use crate::mm::USER_TOP;
use crate::mm::page_table::PAGE_SIZE;
use crate::mm::protection::Protection;
use alloc::vec::Vec;
use core::ops::Range;
use goblin::container::{Container, Ctx, Endian};
use goblin::elf::program_header::{PF_W, PF_X, PT_INTERP, PT_LOAD, PT_PHDR, ProgramHeader};
use goblin::elf::{Elf, header};

/// More program headers than any sane executable has.
const MAX_PROGRAM_HEADERS: usize = 64;
/// Largest total size of the loadable segments.
const MAX_IMAGE_SIZE: u64 = 1 << 30;
use crate::mm::MIN_USER_ADDRESS;
/// Where a position-independent (`ET_DYN`) executable is placed.
pub const DYNAMIC_BASE: u64 = 0x5555_0000_0000;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ElfError {
    Truncated,
    NotElf,
    Not64Bit,
    NotLittleEndian,
    NotAarch64,
    NotExecutable,
    NeedsInterpreter,
    BadProgramHeaders,
    BadSegment,
    WritableAndExecutable,
    SegmentsOverlap,
    NoLoadableSegment,
    BadEntryPoint,
}

/// One loadable segment: `[start, end)` page-aligned in memory, of which `file_bytes` of the
/// file go at `file_address`; the rest is zero.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Segment {
    pub pages: Range<usize>,
    pub file_address: usize,
    pub file_bytes: Range<usize>,
    pub protection: Protection,
}

/// What execve needs to build the process image.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoadPlan {
    pub entry: usize,
    pub segments: Vec<Segment>,
    /// Where the program headers are in memory (AT_PHDR), if they are loaded.
    pub program_headers: usize,
    pub program_header_count: usize,
}

fn page_down(value: u64) -> u64 {
    value & !(PAGE_SIZE as u64 - 1)
}

fn page_up(value: u64) -> Option<u64> {
    value.checked_add(PAGE_SIZE as u64 - 1).map(page_down)
}

/// Checks `file` and plans its loading.
pub fn plan(file: &[u8]) -> Result<LoadPlan, ElfError> {
    if file.len() < goblin::elf64::header::SIZEOF_EHDR {
        return Err(if file.starts_with(header::ELFMAG) || file.len() < 4 {
            ElfError::Truncated
        } else {
            ElfError::NotElf
        });
    }
    if &file[..4] != header::ELFMAG {
        return Err(ElfError::NotElf);
    }
    match file[header::EI_CLASS] {
        header::ELFCLASS64 => {}
        _ => return Err(ElfError::Not64Bit),
    }
    if file[header::EI_DATA] != header::ELFDATA2LSB {
        return Err(ElfError::NotLittleEndian);
    }
    let elf_header = Elf::parse_header(file).map_err(|_| ElfError::Truncated)?;
    if elf_header.e_machine != header::EM_AARCH64 {
        return Err(ElfError::NotAarch64);
    }
    let base = match elf_header.e_type {
        header::ET_EXEC => 0,
        header::ET_DYN => DYNAMIC_BASE,
        _ => return Err(ElfError::NotExecutable),
    };
    let count = usize::from(elf_header.e_phnum);
    let table_end = (count as u64)
        .checked_mul(u64::from(elf_header.e_phentsize))
        .and_then(|size| size.checked_add(elf_header.e_phoff));
    let valid_table = usize::from(elf_header.e_phentsize)
        == goblin::elf64::program_header::SIZEOF_PHDR
        && (1..=MAX_PROGRAM_HEADERS).contains(&count)
        && table_end.is_some_and(|end| end <= file.len() as u64);
    if !valid_table {
        return Err(ElfError::BadProgramHeaders);
    }
    let ctx = Ctx::new(Container::Big, Endian::Little);
    let headers = ProgramHeader::parse(file, elf_header.e_phoff as usize, count, ctx)
        .map_err(|_| ElfError::BadProgramHeaders)?;
    if headers.iter().any(|h| h.p_type == PT_INTERP) {
        return Err(ElfError::NeedsInterpreter);
    }
    let mut segments = Vec::new();
    let mut total = 0u64;
    for header in headers
        .iter()
        .filter(|h| h.p_type == PT_LOAD && h.p_memsz > 0)
    {
        let segment = check_segment(header, base, file.len())?;
        total += (segment.pages.end - segment.pages.start) as u64;
        if total > MAX_IMAGE_SIZE {
            return Err(ElfError::BadSegment);
        }
        if segments.iter().any(|s: &Segment| {
            s.pages.start < segment.pages.end && segment.pages.start < s.pages.end
        }) {
            return Err(ElfError::SegmentsOverlap);
        }
        segments.push(segment);
    }
    if segments.is_empty() {
        return Err(ElfError::NoLoadableSegment);
    }
    let entry = elf_header
        .e_entry
        .checked_add(base)
        .ok_or(ElfError::BadEntryPoint)? as usize;
    let executable = segments
        .iter()
        .any(|s| s.protection.execute && (s.file_address..s.pages.end).contains(&entry));
    if !executable {
        return Err(ElfError::BadEntryPoint);
    }
    Ok(LoadPlan {
        entry,
        program_headers: program_header_address(&headers, &elf_header, base),
        program_header_count: count,
        segments,
    })
}

fn check_segment(header: &ProgramHeader, base: u64, file_len: usize) -> Result<Segment, ElfError> {
    if header.p_flags & PF_W != 0 && header.p_flags & PF_X != 0 {
        return Err(ElfError::WritableAndExecutable);
    }
    let file_end = header.p_offset.checked_add(header.p_filesz);
    let start = header.p_vaddr.checked_add(base);
    let end = start
        .and_then(|start| start.checked_add(header.p_memsz))
        .and_then(page_up);
    let sane = header.p_filesz <= header.p_memsz
        && file_end.is_some_and(|end| end <= file_len as u64)
        && header.p_vaddr % PAGE_SIZE as u64 == header.p_offset % PAGE_SIZE as u64
        && header.p_memsz <= MAX_IMAGE_SIZE
        && start.is_some_and(|start| start >= MIN_USER_ADDRESS as u64)
        && end.is_some_and(|end| end <= USER_TOP as u64);
    let (Some(start), Some(end), true) = (start, end, sane) else {
        return Err(ElfError::BadSegment);
    };
    Ok(Segment {
        pages: page_down(start) as usize..end as usize,
        file_address: start as usize,
        file_bytes: header.p_offset as usize..(header.p_offset + header.p_filesz) as usize,
        protection: Protection::new(true, header.p_flags & PF_W != 0, header.p_flags & PF_X != 0),
    })
}

/// AT_PHDR: PT_PHDR's address, else where the loaded file bytes put the table, else 0.
fn program_header_address(
    headers: &[ProgramHeader],
    elf_header: &header::Header,
    base: u64,
) -> usize {
    if let Some(phdr) = headers.iter().find(|h| h.p_type == PT_PHDR) {
        return (phdr.p_vaddr + base) as usize;
    }
    headers
        .iter()
        .filter(|h| h.p_type == PT_LOAD)
        .find(|h| (h.p_offset..h.p_offset + h.p_filesz).contains(&elf_header.e_phoff))
        .map_or(0, |h| {
            (h.p_vaddr + base + (elf_header.e_phoff - h.p_offset)) as usize
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_valid_file_plans_one_text_segment() {
        let plan = plan(&elf_corpus::valid()).expect("valid ELF");
        assert_eq!(plan.entry, 0x40_0078);
        assert_eq!(plan.program_headers, 0x40_0040);
        assert_eq!(plan.program_header_count, 1);
        assert_eq!(plan.segments.len(), 1);
        let text = &plan.segments[0];
        assert_eq!(text.pages, 0x40_0000..0x40_1000);
        assert_eq!(text.file_bytes, 0..0x84);
        assert_eq!(text.protection, Protection::READ_EXECUTE);
    }

    #[test]
    fn every_malformed_file_is_rejected() {
        for (name, bytes) in elf_corpus::malformed() {
            assert!(
                plan(&bytes).is_err(),
                "{name} was accepted: {:?}",
                plan(&bytes)
            );
        }
    }

    #[test]
    fn rejections_name_the_problem() {
        let corpus = elf_corpus::malformed();
        let reason =
            |wanted: &str| plan(&corpus.iter().find(|(name, _)| *name == wanted).unwrap().1);
        assert_eq!(reason("interpreter"), Err(ElfError::NeedsInterpreter));
        assert_eq!(reason("machine-x86-64"), Err(ElfError::NotAarch64));
        assert_eq!(
            reason("segment-writable-executable"),
            Err(ElfError::WritableAndExecutable)
        );
        assert_eq!(reason("segments-overlap"), Err(ElfError::SegmentsOverlap));
        assert_eq!(
            reason("entry-in-data-segment"),
            Err(ElfError::BadEntryPoint)
        );
        assert_eq!(reason("phnum-huge"), Err(ElfError::BadProgramHeaders));
        assert_eq!(reason("shell-script"), Err(ElfError::NotElf));
    }

    #[test]
    fn every_prefix_of_the_valid_file_is_rejected_without_panicking() {
        let bytes = elf_corpus::valid();
        for len in 0..bytes.len() {
            assert!(
                plan(&bytes[..len]).is_err(),
                "prefix of {len} bytes accepted"
            );
        }
    }
}
