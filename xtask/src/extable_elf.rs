//! The exception table inside the kernel ELF file: found where the kernel looks for it, sorted and
//! audited against the executable sections, and written back in place.

use std::fs;
use std::ops::Range;
use std::path::Path;

use anyhow::{Context, Result, bail};
use goblin::elf::Elf;
use goblin::elf::section_header::{SHF_ALLOC, SHF_EXECINSTR, SHT_NOBITS, SectionHeader};

use crate::extable_audit::{self, LinkedBytes};
use crate::symbolize::Symbolizer;

/// The symbols kernel/link.ld puts around the table, between which the kernel searches it. They,
/// not a section name, find the table: the linker script merges the `__ex_table` input sections
/// into `.rodata`, so the linked kernel has no section of that name.
const TABLE_START: &str = "__ex_table_start";
const TABLE_END: &str = "__ex_table_end";

/// Where the table lies, in memory and in the file.
struct TablePlace {
    address: u64,
    file_bytes: Range<usize>,
}

/// Sorts the exception table of the kernel ELF at `path` in place and audits it; a kernel
/// without the table's symbols has no table, and its code is still audited.
pub fn sort_and_audit(path: &Path) -> Result<()> {
    let mut file = fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    let elf = Elf::parse(&file).context("not a valid ELF file")?;
    let place = table_place(&elf)?;
    let table = match &place {
        Some(place) => LinkedBytes {
            address: place.address,
            bytes: file
                .get(place.file_bytes.clone())
                .context("the exception table lies past the end of the file")?,
        },
        None => LinkedBytes {
            address: 0,
            bytes: &[],
        },
    };
    let code = executable_sections(&elf, &file)?;
    let sorted = extable_audit::sort_and_audit(table, &code, &Symbolizer::from_elf(&elf)?)?;
    if let Some(place) = place {
        file[place.file_bytes].copy_from_slice(&sorted);
        fs::write(path, &file).with_context(|| format!("cannot write {}", path.display()))?;
    }
    println!(
        "exception table: {} entries, sorted and audited",
        sorted.len() / extable::ENTRY_SIZE
    );
    Ok(())
}

fn table_place(elf: &Elf) -> Result<Option<TablePlace>> {
    let symbol = |name: &str| {
        elf.syms
            .iter()
            .find(|symbol| elf.strtab.get_at(symbol.st_name) == Some(name))
            .map(|symbol| symbol.st_value)
    };
    let (start, end) = match (symbol(TABLE_START), symbol(TABLE_END)) {
        (None, None) => return Ok(None),
        (Some(start), Some(end)) if start <= end => (start, end),
        (start, end) => bail!(
            "the exception table's symbols are broken: {TABLE_START} = {start:#x?}, \
             {TABLE_END} = {end:#x?}"
        ),
    };
    let section = elf
        .section_headers
        .iter()
        .find(|section| {
            has_file_bytes(section)
                && section.sh_addr <= start
                && end - section.sh_addr <= section.sh_size
        })
        .with_context(|| {
            format!("the exception table {start:#x}..{end:#x} lies in no section with file bytes")
        })?;
    let offset = section.sh_offset + (start - section.sh_addr);
    Ok(Some(TablePlace {
        address: start,
        file_bytes: usize::try_from(offset)?..usize::try_from(offset + (end - start))?,
    }))
}

/// The contents of every executable section the kernel loads, at their link addresses.
fn executable_sections<'a>(elf: &Elf, file: &'a [u8]) -> Result<Vec<LinkedBytes<'a>>> {
    elf.section_headers
        .iter()
        .filter(|section| {
            has_file_bytes(section) && section.sh_flags & u64::from(SHF_EXECINSTR) != 0
        })
        .map(|section| {
            let start = usize::try_from(section.sh_offset)?;
            let bytes = start
                .checked_add(usize::try_from(section.sh_size)?)
                .and_then(|end| file.get(start..end))
                .with_context(|| {
                    format!(
                        "the section at {:#x} lies past the end of the file",
                        section.sh_addr
                    )
                })?;
            Ok(LinkedBytes {
                address: section.sh_addr,
                bytes,
            })
        })
        .collect()
}

/// A loaded section whose bytes are in the file (not BSS).
fn has_file_bytes(section: &SectionHeader) -> bool {
    section.sh_flags & u64::from(SHF_ALLOC) != 0 && section.sh_type != SHT_NOBITS
}
