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

/// One loadable segment: `memory` is exactly what the program header names, of which the
/// first `file_bytes.len()` bytes come from the file; the rest is zero. `pages` is the
/// page-aligned range it owns: a page shared with the segment before it belongs to this one
/// (its protection wins there, as Linux's later mapping replaces the earlier one).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Segment {
    pub memory: Range<usize>,
    pub pages: Range<usize>,
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
    let mut segments: Vec<Segment> = Vec::new();
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
        // The ELF specification orders PT_LOAD by address; segments may share a page but
        // never a byte.
        if let Some(previous) = segments.last_mut() {
            if segment.memory.start < previous.memory.end {
                return Err(ElfError::SegmentsOverlap);
            }
            previous.pages.end = previous.pages.end.min(segment.pages.start);
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
        .any(|s| s.protection.execute && s.memory.contains(&entry));
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
    // A segment with no file bytes (bss alone) has an offset that need not be inside the file:
    // GNU ld gives it the offset its address is congruent to, past a short file's end.
    let file_end = match header.p_filesz {
        0 => Some(0),
        size => header.p_offset.checked_add(size),
    };
    let start = header.p_vaddr.checked_add(base);
    let end = start.and_then(|start| start.checked_add(header.p_memsz));
    let page_end = end.and_then(page_up);
    let page_congruent = header.p_filesz == 0
        || header.p_vaddr % PAGE_SIZE as u64 == header.p_offset % PAGE_SIZE as u64;
    // Linux's rule: offset and address agree modulo the (power-of-two) alignment.
    let align_congruent = header.p_align <= 1
        || !header.p_align.is_power_of_two()
        || header.p_vaddr % header.p_align == header.p_offset % header.p_align;
    let sane = header.p_filesz <= header.p_memsz
        && file_end.is_some_and(|end| end <= file_len as u64)
        && page_congruent
        && align_congruent
        && header.p_memsz <= MAX_IMAGE_SIZE
        && start.is_some_and(|start| start >= MIN_USER_ADDRESS as u64)
        && page_end.is_some_and(|end| end <= USER_TOP as u64);
    let (Some(start), Some(end), Some(page_end), true) = (start, end, page_end, sane) else {
        return Err(ElfError::BadSegment);
    };
    Ok(Segment {
        memory: start as usize..end as usize,
        pages: page_down(start) as usize..page_end as usize,
        file_bytes: match header.p_filesz {
            0 => 0..0,
            size => header.p_offset as usize..(header.p_offset + size) as usize,
        },
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
        assert_eq!(text.memory, 0x40_0000..0x40_0084);
        assert_eq!(text.pages, 0x40_0000..0x40_1000);
        assert_eq!(text.file_bytes, 0..0x84);
        assert_eq!(text.protection, Protection::READ_EXECUTE);
    }

    fn linux_layout(name: &str) -> LoadPlan {
        let layouts = elf_corpus::linux_layouts();
        let (_, bytes) = layouts.iter().find(|(n, _)| *n == name).unwrap();
        plan(bytes).unwrap_or_else(|error| panic!("{name} refused: {error:?}"))
    }

    #[test]
    fn bss_whose_offset_lies_past_the_file_is_zero_memory() {
        let plan = linux_layout("bss-offset-past-the-file");
        let bss = &plan.segments[1];
        assert_eq!(bss.memory, 0x41_fff0..0x42_5ff0);
        assert_eq!(bss.pages, 0x41_f000..0x42_6000);
        assert!(bss.file_bytes.is_empty());
        assert_eq!(bss.protection, Protection::READ_WRITE);
    }

    #[test]
    fn a_shared_page_belongs_to_the_later_segment() {
        let plan = linux_layout("headers-and-text-sharing-a-page");
        let [headers, text] = &plan.segments[..] else {
            panic!("{plan:?}");
        };
        assert!(headers.pages.is_empty(), "{headers:?}");
        assert_eq!(headers.file_bytes, 0..0xb0);
        assert_eq!(text.pages, 0x40_0000..0x40_1000);
        assert_eq!(text.protection, Protection::READ_EXECUTE);
        assert_eq!(plan.entry, 0x40_00b0);
    }

    #[test]
    fn a_static_pie_is_placed_at_the_dynamic_base() {
        let plan = linux_layout("static-pie");
        assert_eq!(plan.entry, DYNAMIC_BASE as usize + 0x78);
        assert_eq!(plan.segments[0].pages.start, DYNAMIC_BASE as usize);
    }

    #[test]
    fn headers_that_load_nothing_are_accepted() {
        let plan = linux_layout("tls-stack-relro-note");
        assert_eq!(plan.program_header_count, 5);
        assert_eq!(plan.segments.len(), 1);
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
        assert_eq!(
            reason("script-naming-no-interpreter"),
            Err(ElfError::NotElf)
        );
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
