//! A corpus of crafted ELF files: one minimal valid AArch64 executable and many broken
//! variants of it, each of which a loader must reject cleanly (Linux: ENOEXEC).
//!
//! Used by the kernel's host tests of its ELF checks and by the xtask, which puts the
//! files into the initramfs under /corpus for an execve test inside QEMU.

const EHDR_SIZE: usize = 64;
const PHDR_SIZE: usize = 56;
const BASE: u64 = 0x40_0000;
const PT_LOAD: u32 = 1;
const PT_INTERP: u32 = 3;
const PT_NOTE: u32 = 4;
const PT_TLS: u32 = 7;
const PT_GNU_STACK: u32 = 0x6474_e551;
const PT_GNU_RELRO: u32 = 0x6474_e552;
const PF_X: u32 = 1;
const PF_W: u32 = 2;
const PF_R: u32 = 4;

/// `mov x0, #0; mov x8, #93; svc #0`: exit(0).
const EXIT_ZERO: [u32; 3] = [0xd280_0000, 0xd280_0ba8, 0xd400_0001];

/// A program header, as fields.
#[derive(Clone, Copy)]
struct Phdr {
    kind: u32,
    flags: u32,
    offset: u64,
    vaddr: u64,
    filesz: u64,
    memsz: u64,
}

/// An ELF file being assembled: header fields, program headers and the code.
#[derive(Clone)]
struct Image {
    class: u8,
    data: u8,
    kind: u16,
    machine: u16,
    entry: u64,
    phoff: u64,
    phentsize: u16,
    phnum: Option<u16>,
    phdrs: Vec<Phdr>,
}

impl Image {
    /// exit(0) in one R+X segment holding headers and code, at 0x400000.
    fn valid() -> Self {
        let code_offset = (EHDR_SIZE + PHDR_SIZE) as u64;
        let size = code_offset + 4 * EXIT_ZERO.len() as u64;
        Self {
            class: 2,
            data: 1,
            kind: 2,
            machine: 183,
            entry: BASE + code_offset,
            phoff: EHDR_SIZE as u64,
            phentsize: PHDR_SIZE as u16,
            phnum: None,
            phdrs: vec![Phdr {
                kind: PT_LOAD,
                flags: PF_R | PF_X,
                offset: 0,
                vaddr: BASE,
                filesz: size,
                memsz: size,
            }],
        }
    }

    /// Adds program headers; the code, which follows them, moves, and the first segment and
    /// the entry point move with it.
    fn with_headers(mut self, headers: &[Phdr]) -> Self {
        self.phdrs.extend_from_slice(headers);
        let code_offset = (EHDR_SIZE + PHDR_SIZE * self.phdrs.len()) as u64;
        let size = code_offset + 4 * EXIT_ZERO.len() as u64;
        self.entry = self.phdrs[0].vaddr + code_offset;
        self.phdrs[0].filesz = size;
        self.phdrs[0].memsz = size;
        self
    }

    fn with(mut self, change: impl FnOnce(&mut Self)) -> Self {
        change(&mut self);
        self
    }

    fn bytes(&self) -> Vec<u8> {
        let mut out = Vec::new();
        out.extend_from_slice(&[0x7f, b'E', b'L', b'F', self.class, self.data, 1, 0]);
        out.extend_from_slice(&[0; 8]);
        out.extend_from_slice(&self.kind.to_le_bytes());
        out.extend_from_slice(&self.machine.to_le_bytes());
        out.extend_from_slice(&1u32.to_le_bytes());
        out.extend_from_slice(&self.entry.to_le_bytes());
        out.extend_from_slice(&self.phoff.to_le_bytes());
        out.extend_from_slice(&0u64.to_le_bytes()); // e_shoff
        out.extend_from_slice(&0u32.to_le_bytes()); // e_flags
        out.extend_from_slice(&(EHDR_SIZE as u16).to_le_bytes());
        out.extend_from_slice(&self.phentsize.to_le_bytes());
        let phnum = self.phnum.unwrap_or(self.phdrs.len() as u16);
        out.extend_from_slice(&phnum.to_le_bytes());
        out.extend_from_slice(&[0; 6]); // shentsize, shnum, shstrndx
        for phdr in &self.phdrs {
            out.extend_from_slice(&phdr.kind.to_le_bytes());
            out.extend_from_slice(&phdr.flags.to_le_bytes());
            for field in [
                phdr.offset,
                phdr.vaddr,
                phdr.vaddr,
                phdr.filesz,
                phdr.memsz,
                0x1000,
            ] {
                out.extend_from_slice(&field.to_le_bytes());
            }
        }
        for word in EXIT_ZERO {
            out.extend_from_slice(&word.to_le_bytes());
        }
        out
    }
}

/// The minimal valid executable every malformed file is derived from.
pub fn valid() -> Vec<u8> {
    Image::valid().bytes()
}

fn second_segment(flags: u32, vaddr: u64) -> Phdr {
    Phdr {
        kind: PT_LOAD,
        flags,
        offset: 0,
        vaddr,
        filesz: 0,
        memsz: 0x1000,
    }
}

/// A PT_INTERP header, which a static-only loader must refuse.
fn interpreter_segment() -> Phdr {
    Phdr {
        kind: PT_INTERP,
        flags: PF_R,
        offset: 0,
        vaddr: 0,
        filesz: 8,
        memsz: 8,
    }
}

/// A program header that loads nothing.
fn note(kind: u32) -> Phdr {
    Phdr {
        kind,
        flags: PF_R,
        offset: 0x40,
        vaddr: BASE + 0x40,
        filesz: 0,
        memsz: 0,
    }
}

/// Files laid out as GNU ld and glibc lay them out, each of which exits 0 under Linux and must
/// under any loader that accepts what Linux does: (name, contents).
pub fn linux_layouts() -> Vec<(&'static str, Vec<u8>)> {
    let valid = Image::valid();
    let bss = |offset: u64, vaddr: u64| Phdr {
        kind: PT_LOAD,
        flags: PF_R | PF_W,
        offset,
        vaddr,
        filesz: 0,
        memsz: 0x6000,
    };
    vec![
        // `gcc -static -nostdlib` with only bss: its offset lies past the end of the file.
        (
            "bss-offset-past-the-file",
            valid
                .clone()
                .with_headers(&[bss(0xfff0, BASE + 0x1_fff0)])
                .bytes(),
        ),
        // Read-only headers, then the code in the same page: the later segment's protection
        // is the page's, as with Linux's later mapping over the earlier one.
        (
            "headers-and-text-sharing-a-page",
            valid
                .clone()
                .with(|image| image.phdrs[0].flags = PF_R)
                .with_headers(&[Phdr {
                    kind: PT_LOAD,
                    flags: PF_R | PF_X,
                    offset: (EHDR_SIZE + 2 * PHDR_SIZE) as u64,
                    vaddr: BASE + (EHDR_SIZE + 2 * PHDR_SIZE) as u64,
                    filesz: 4 * EXIT_ZERO.len() as u64,
                    memsz: 4 * EXIT_ZERO.len() as u64,
                }])
                .with(|image| {
                    image.phdrs[0].filesz = (EHDR_SIZE + 2 * PHDR_SIZE) as u64;
                    image.phdrs[0].memsz = image.phdrs[0].filesz;
                })
                .bytes(),
        ),
        (
            "static-pie",
            valid
                .clone()
                .with(|image| {
                    image.kind = 3;
                    image.phdrs[0].vaddr = 0;
                })
                .with_headers(&[])
                .bytes(),
        ),
        (
            "tls-stack-relro-note",
            valid
                .clone()
                .with_headers(&[
                    note(PT_NOTE),
                    note(PT_TLS),
                    note(PT_GNU_STACK),
                    note(PT_GNU_RELRO),
                ])
                .bytes(),
        ),
    ]
}

/// Every malformed file: (name, contents). Names are unique file names.
pub fn malformed() -> Vec<(&'static str, Vec<u8>)> {
    let valid = Image::valid();
    let bytes = valid.bytes();
    let edit = |f: &dyn Fn(&mut Image)| valid.clone().with(f).bytes();
    let segment =
        |f: &dyn Fn(&mut Phdr)| valid.clone().with(|image| f(&mut image.phdrs[0])).bytes();
    let patched = |offset: usize, value: &[u8]| {
        let mut copy = bytes.clone();
        copy[offset..offset + value.len()].copy_from_slice(value);
        copy
    };
    let bad_magic = patched(1, b"XLF");
    vec![
        ("empty", Vec::new()),
        ("truncated-ident", bytes[..10].to_vec()),
        ("truncated-header", bytes[..EHDR_SIZE - 1].to_vec()),
        (
            "truncated-program-headers",
            bytes[..EHDR_SIZE + PHDR_SIZE / 2].to_vec(),
        ),
        ("bad-magic", bad_magic),
        // execve takes "#!" for a script, and one that names no interpreter for malformed.
        ("script-naming-no-interpreter", b"#!\necho hello\n".to_vec()),
        ("class-32", edit(&|i| i.class = 1)),
        ("class-invalid", edit(&|i| i.class = 0)),
        ("big-endian", edit(&|i| i.data = 2)),
        ("machine-x86-64", edit(&|i| i.machine = 62)),
        ("machine-arm32", edit(&|i| i.machine = 40)),
        ("type-relocatable", edit(&|i| i.kind = 1)),
        ("type-core", edit(&|i| i.kind = 4)),
        ("phentsize-wrong", edit(&|i| i.phentsize = 32)),
        ("phnum-zero", edit(&|i| i.phnum = Some(0))),
        ("phnum-huge", edit(&|i| i.phnum = Some(0xffff))),
        ("phoff-beyond-file", edit(&|i| i.phoff = 0x10_0000)),
        ("phoff-overflow", edit(&|i| i.phoff = u64::MAX - 8)),
        (
            "interpreter",
            edit(&|i| i.phdrs.insert(0, interpreter_segment())),
        ),
        (
            "dynamic-with-interpreter",
            edit(&|i| {
                i.kind = 3;
                i.phdrs.insert(0, interpreter_segment());
            }),
        ),
        ("filesz-above-memsz", segment(&|p| p.memsz = p.filesz - 4)),
        ("segment-beyond-file", segment(&|p| p.filesz += 0x1000)),
        (
            "segment-offset-overflow",
            segment(&|p| p.offset = u64::MAX - 4),
        ),
        (
            "segment-in-kernel-half",
            edit(&|i| {
                i.phdrs[0].vaddr = 0xffff_0000_0040_0000;
                i.entry += 0xffff_0000_0000_0000;
            }),
        ),
        (
            "segment-past-user-top",
            segment(&|p| {
                p.vaddr = 0xffff_ffff_f000;
                p.memsz = 0x10_0000;
            }),
        ),
        (
            "segment-end-overflow",
            segment(&|p| p.memsz = u64::MAX - 0x1000),
        ),
        ("segment-absurd-size", segment(&|p| p.memsz = 64 << 30)),
        (
            "segment-writable-executable",
            segment(&|p| p.flags = PF_R | PF_W | PF_X),
        ),
        ("segment-misaligned", segment(&|p| p.vaddr = BASE + 0x10)),
        (
            "segments-overlap",
            edit(&|i| i.phdrs.push(second_segment(PF_R | PF_W, BASE))),
        ),
        ("entry-outside-segments", edit(&|i| i.entry = 0x80_0000)),
        (
            "entry-in-data-segment",
            edit(&|i| {
                i.phdrs.push(second_segment(PF_R | PF_W, BASE + 0x10_0000));
                i.entry = BASE + 0x10_0000;
            }),
        ),
        ("no-loadable-segment", segment(&|p| p.kind = PT_NOTE)),
        (
            "segment-in-null-page",
            edit(&|i| {
                i.phdrs[0].vaddr = 0;
                i.entry -= BASE;
            }),
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn at_least_thirty_distinct_files() {
        let corpus = malformed();
        assert!(corpus.len() >= 30);
        let mut names: Vec<_> = corpus.iter().map(|(name, _)| *name).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), corpus.len());
        let valid = valid();
        assert!(
            corpus.iter().all(|(_, bytes)| *bytes != valid),
            "a corpus file equals the valid one"
        );
    }

    #[test]
    fn the_valid_file_has_the_expected_layout() {
        let bytes = valid();
        assert_eq!(&bytes[..4], b"\x7fELF");
        assert_eq!(bytes.len(), EHDR_SIZE + PHDR_SIZE + 12);
        assert_eq!(
            u64::from_le_bytes(bytes[24..32].try_into().unwrap()),
            BASE + 120
        );
    }
}
