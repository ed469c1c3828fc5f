//! The raw kernel image: the ELF's loadable bytes laid out from the board's load address, as
//! firmware and QEMU's `-kernel` expect.

use anyhow::{Context, Result, bail, ensure};
use goblin::elf::Elf;
use goblin::elf::header::EM_AARCH64;
use goblin::elf::program_header::{PT_LOAD, ProgramHeader};

/// A segment linked at a virtual instead of a physical address would ask for gigabytes of zeros.
const MAX_IMAGE_LEN: u64 = 64 << 20;

/// Lays out the file bytes of every PT_LOAD segment at its physical address (p_paddr) minus
/// `load_address`, zero-filling the gaps. BSS (no file bytes) is left to the kernel to clear.
pub fn raw_image(elf_bytes: &[u8], load_address: u64) -> Result<Vec<u8>> {
    let elf = Elf::parse(elf_bytes).context("not a valid ELF file")?;
    ensure!(
        elf.header.e_machine == EM_AARCH64,
        "the ELF is for machine {}, not AArch64",
        elf.header.e_machine
    );
    let mut segments: Vec<&ProgramHeader> = elf
        .program_headers
        .iter()
        .filter(|segment| segment.p_type == PT_LOAD && segment.p_filesz > 0)
        .collect();
    segments.sort_by_key(|segment| segment.p_paddr);

    let (Some(first), Some(last)) = (segments.first(), segments.last()) else {
        bail!("the ELF has no loadable bytes");
    };
    let base = first.p_paddr;
    ensure!(
        base == load_address,
        "the lowest loadable segment is at physical address {base:#x}, but the board loads the \
         image at {load_address:#x}: the linker script's load addresses (AT) are wrong"
    );
    for pair in segments.windows(2) {
        ensure!(
            physical_end(pair[0])? <= pair[1].p_paddr,
            "loadable segments overlap: {:#x}..{:#x} and {:#x}..{:#x}",
            pair[0].p_paddr,
            physical_end(pair[0])?,
            pair[1].p_paddr,
            physical_end(pair[1])?
        );
    }
    // Sorted and disjoint, so the last segment ends last.
    let image_len = physical_end(last)? - base;
    ensure!(
        image_len <= MAX_IMAGE_LEN,
        "the image would be {image_len:#x} bytes long, over the {MAX_IMAGE_LEN:#x} limit"
    );

    let mut image = vec![0; usize::try_from(image_len)?];
    for segment in segments {
        let file_bytes = usize::try_from(segment.p_offset)
            .ok()
            .zip(usize::try_from(segment.p_filesz).ok())
            .and_then(|(offset, len)| elf_bytes.get(offset..offset.checked_add(len)?))
            .with_context(|| {
                format!(
                    "the segment at {:#x} lies past the end of the file",
                    segment.p_paddr
                )
            })?;
        let at = usize::try_from(segment.p_paddr - base)?;
        image[at..at + file_bytes.len()].copy_from_slice(file_bytes);
    }
    Ok(image)
}

fn physical_end(segment: &ProgramHeader) -> Result<u64> {
    segment
        .p_paddr
        .checked_add(segment.p_filesz)
        .with_context(|| format!("the segment at {:#x} wraps around", segment.p_paddr))
}

#[cfg(test)]
mod tests {
    use goblin::elf::program_header::PT_NOTE;

    use super::*;

    const KERNEL_VA_OFFSET: u64 = 0xffff_0000_0000_0000;

    struct Segment {
        p_type: u32,
        paddr: u64,
        bytes: &'static [u8],
        memsz: u64,
    }

    fn load(paddr: u64, bytes: &'static [u8]) -> Segment {
        Segment {
            p_type: PT_LOAD,
            paddr,
            bytes,
            memsz: bytes.len() as u64,
        }
    }

    /// A minimal little-endian ELF64 executable: header, program headers, then segment bytes.
    fn elf(machine: u16, segments: &[Segment]) -> Vec<u8> {
        const HEADER_LEN: u64 = 64;
        const PHDR_LEN: u64 = 56;
        let mut data_offset = HEADER_LEN + PHDR_LEN * segments.len() as u64;

        let mut file = Vec::new();
        file.extend_from_slice(b"\x7fELF");
        file.extend_from_slice(&[2, 1, 1, 0]);
        file.extend_from_slice(&[0; 8]);
        file.extend_from_slice(&2u16.to_le_bytes());
        file.extend_from_slice(&machine.to_le_bytes());
        file.extend_from_slice(&1u32.to_le_bytes());
        file.extend_from_slice(&(KERNEL_VA_OFFSET + 0x8_0000).to_le_bytes());
        file.extend_from_slice(&HEADER_LEN.to_le_bytes());
        file.extend_from_slice(&0u64.to_le_bytes());
        file.extend_from_slice(&0u32.to_le_bytes());
        for half in [
            HEADER_LEN as u16,
            PHDR_LEN as u16,
            segments.len() as u16,
            64,
            0,
            0,
        ] {
            file.extend_from_slice(&half.to_le_bytes());
        }
        for segment in segments {
            file.extend_from_slice(&segment.p_type.to_le_bytes());
            file.extend_from_slice(&5u32.to_le_bytes());
            for word in [
                data_offset,
                KERNEL_VA_OFFSET + segment.paddr,
                segment.paddr,
                segment.bytes.len() as u64,
                segment.memsz,
                0x1000,
            ] {
                file.extend_from_slice(&word.to_le_bytes());
            }
            data_offset += segment.bytes.len() as u64;
        }
        for segment in segments {
            file.extend_from_slice(segment.bytes);
        }
        file
    }

    #[test]
    fn lays_out_segments_by_physical_address_with_zero_gaps() {
        let bss = Segment {
            p_type: PT_LOAD,
            paddr: 0x9_0000,
            bytes: &[],
            memsz: 0x1000,
        };
        let note = Segment {
            p_type: PT_NOTE,
            paddr: 0x7_0000,
            bytes: b"note",
            memsz: 4,
        };
        let file = elf(
            EM_AARCH64,
            &[load(0x8_0010, b"DATA"), note, load(0x8_0000, b"TEXT"), bss],
        );
        let image = raw_image(&file, 0x8_0000).unwrap();
        let mut expected = b"TEXT".to_vec();
        expected.resize(0x10, 0);
        expected.extend_from_slice(b"DATA");
        assert_eq!(image, expected);
    }

    #[test]
    fn rejects_image_not_at_the_board_load_address() {
        let file = elf(EM_AARCH64, &[load(0x4008_0000, b"TEXT")]);
        let error = raw_image(&file, 0x8_0000).unwrap_err().to_string();
        assert!(
            error.contains("0x40080000") && error.contains("0x80000"),
            "{error}"
        );
    }

    #[test]
    fn rejects_overlapping_segments() {
        let file = elf(
            EM_AARCH64,
            &[load(0x8_0000, b"TEXT"), load(0x8_0002, b"DATA")],
        );
        let error = raw_image(&file, 0x8_0000).unwrap_err().to_string();
        assert!(error.contains("overlap"), "{error}");
    }

    #[test]
    fn adjacent_segments_are_not_overlapping() {
        let file = elf(
            EM_AARCH64,
            &[load(0x8_0000, b"TEXT"), load(0x8_0004, b"DATA")],
        );
        assert_eq!(raw_image(&file, 0x8_0000).unwrap(), b"TEXTDATA");
    }

    #[test]
    fn rejects_other_architectures_and_empty_images() {
        const EM_X86_64: u16 = 62;
        let x86 = elf(EM_X86_64, &[load(0x8_0000, b"TEXT")]);
        assert!(raw_image(&x86, 0x8_0000).is_err());
        let only_bss = elf(
            EM_AARCH64,
            &[Segment {
                p_type: PT_LOAD,
                paddr: 0x8_0000,
                bytes: &[],
                memsz: 0x100,
            }],
        );
        assert!(raw_image(&only_bss, 0x8_0000).is_err());
        assert!(raw_image(b"not an elf", 0x8_0000).is_err());
    }

    #[test]
    fn rejects_segment_at_a_virtual_address() {
        let file = elf(
            EM_AARCH64,
            &[load(0x8_0000, b"TEXT"), load(0x1_0000_0000, b"DATA")],
        );
        let error = raw_image(&file, 0x8_0000).unwrap_err().to_string();
        assert!(error.contains("limit"), "{error}");
    }
}
