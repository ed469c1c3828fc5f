//! The kernel's exception table at build time: sorted by instruction address, so the kernel can
//! binary-search it, and audited against the code it guards.

use std::fmt::Write;

use anyhow::{Result, bail};
use extable::{ENTRY_SIZE, Entry, Kind, Resolved};

use crate::symbolize::Symbolizer;

/// Bytes of the kernel as linked, starting at `address`.
#[derive(Clone, Copy)]
pub struct LinkedBytes<'a> {
    pub address: u64,
    pub bytes: &'a [u8],
}

const INSTRUCTION_BYTES: usize = 4;

/// Checks `table` against the executable sections in `code` and returns it sorted by instruction
/// address, each entry re-encoded for its new place. Fails listing every problem found: an
/// unprivileged load or store without an entry, or an entry that is malformed, guards something
/// its kind does not allow, continues outside the code, or repeats another's instruction.
pub fn sort_and_audit(
    table: LinkedBytes,
    code: &[LinkedBytes],
    symbolizer: &Symbolizer,
) -> Result<Vec<u8>> {
    // The kernel reads the table as a slice of `Entry`; anything else cannot even be decoded.
    if !table.address.is_multiple_of(align_of::<Entry>() as u64)
        || !table.bytes.len().is_multiple_of(ENTRY_SIZE)
    {
        bail!(
            "the exception table at {:#x} is {} bytes long, but should be {}-aligned and a \
             multiple of {ENTRY_SIZE} bytes: the linker script or an entry's `.long`s are wrong",
            table.address,
            table.bytes.len(),
            align_of::<Entry>()
        );
    }
    let mut entries: Vec<Resolved> = table
        .bytes
        .chunks_exact(ENTRY_SIZE)
        .zip(entry_addresses(table.address))
        .map(|(bytes, at)| {
            let bytes = bytes.try_into().expect("chunks_exact gives whole entries");
            Entry::from_bytes(bytes).resolve(at)
        })
        .collect();

    let mut audit = Audit {
        code,
        symbolizer,
        problems: Vec::new(),
    };
    for (index, entry) in entries.iter().enumerate() {
        audit.check_entry(index, entry);
    }
    entries.sort_by_key(|entry| entry.instruction);
    audit.check_no_duplicates(&entries);
    audit.check_every_unprivileged_access_guarded(&entries);
    let sorted = audit.encode(&entries, table.address);
    audit.finish(entries.len())?;
    Ok(sorted)
}

/// The problems found so far, and what they are found against.
struct Audit<'a> {
    code: &'a [LinkedBytes<'a>],
    symbolizer: &'a Symbolizer,
    problems: Vec<String>,
}

impl Audit<'_> {
    /// An entry must have a known kind, guard an instruction that kind accepts and continue in
    /// the code. `index` is its place in the table as linked.
    fn check_entry(&mut self, index: usize, entry: &Resolved) {
        let kind = Kind::from_raw(entry.kind);
        let mut found = Vec::new();
        if kind.is_none() {
            found.push(format!(
                "unknown kind {} for the instruction at {}",
                entry.kind,
                self.describe(entry.instruction)
            ));
        }
        match instruction_at(self.code, entry.instruction) {
            None => found.push(format!(
                "guards {:#x}, which is not an instruction in executable code",
                entry.instruction
            )),
            Some(instruction) => {
                if let Some(kind) = kind
                    && !kind.accepts(instruction)
                {
                    found.push(format!(
                        "a {kind:?} entry guards {}, but the instruction there \
                         ({instruction:#010x}) is not one that kind may protect",
                        self.describe(entry.instruction)
                    ));
                }
            }
        }
        if instruction_at(self.code, entry.fixup).is_none() {
            found.push(format!(
                "the fixup of the instruction at {} is {:#x}, which is not in executable code",
                self.describe(entry.instruction),
                entry.fixup
            ));
        }
        self.problems.extend(
            found
                .into_iter()
                .map(|what| format!("entry {index}: {what}")),
        );
    }

    /// Two entries for one instruction make the binary search's answer arbitrary.
    fn check_no_duplicates(&mut self, sorted: &[Resolved]) {
        for pair in sorted.windows(2) {
            if pair[0].instruction == pair[1].instruction {
                self.problems.push(format!(
                    "two entries guard the instruction at {}",
                    self.describe(pair[0].instruction)
                ));
            }
        }
    }

    fn check_every_unprivileged_access_guarded(&mut self, sorted: &[Resolved]) {
        for (address, instruction) in self.code.iter().flat_map(|section| instructions(*section)) {
            let guarded = sorted
                .binary_search_by_key(&address, |entry| entry.instruction)
                .is_ok();
            if extable::is_unprivileged_load_store(instruction) && !guarded {
                self.problems.push(format!(
                    "the unprivileged load/store {instruction:#010x} at {} has no entry: a fault \
                     there would oops instead of returning an error",
                    self.describe(address)
                ));
            }
        }
    }

    /// The table bytes with each entry re-encoded at its place in `sorted`, since its offsets are
    /// relative to where it is stored.
    fn encode(&mut self, sorted: &[Resolved], table_address: u64) -> Vec<u8> {
        let mut bytes = Vec::with_capacity(sorted.len() * ENTRY_SIZE);
        for (entry, at) in sorted.iter().zip(entry_addresses(table_address)) {
            match Entry::encode(*entry, at) {
                Some(encoded) => bytes.extend_from_slice(&encoded.to_bytes()),
                None => self.problems.push(format!(
                    "the entry for the instruction at {} cannot be stored at {at:#x}: its \
                     offsets do not fit in 32 bits",
                    self.describe(entry.instruction)
                )),
            }
        }
        bytes
    }

    /// Fails with every problem found, one per line.
    fn finish(self, entry_count: usize) -> Result<()> {
        if self.problems.is_empty() {
            return Ok(());
        }
        let mut report = format!("the exception table ({entry_count} entries) failed its audit:");
        for problem in &self.problems {
            write!(report, "\n  - {problem}")?;
        }
        bail!(report)
    }

    /// An address with the function it is in, which says more than the number.
    fn describe(&self, address: u64) -> String {
        match self.symbolizer.code_symbol(address) {
            Some(symbol) => format!("{address:#x} ({symbol})"),
            None => format!("{address:#x} (no function symbol)"),
        }
    }
}

/// Where each entry of a table stored at `table_address` lives.
fn entry_addresses(table_address: u64) -> impl Iterator<Item = u64> {
    (table_address..).step_by(ENTRY_SIZE)
}

/// The 4-byte-aligned instruction words of an executable section, with their addresses.
fn instructions(section: LinkedBytes) -> impl Iterator<Item = (u64, u32)> {
    let first = section.address.next_multiple_of(INSTRUCTION_BYTES as u64);
    let skipped = (first - section.address) as usize;
    section
        .bytes
        .get(skipped..)
        .unwrap_or_default()
        .chunks_exact(INSTRUCTION_BYTES)
        .zip((first..).step_by(INSTRUCTION_BYTES))
        .map(|(word, address)| {
            let word = word.try_into().expect("chunks_exact gives whole words");
            (address, u32::from_le_bytes(word))
        })
}

/// The instruction at `address`, if it is an aligned word inside one of the executable sections.
fn instruction_at(code: &[LinkedBytes], address: u64) -> Option<u32> {
    if !address.is_multiple_of(INSTRUCTION_BYTES as u64) {
        return None;
    }
    let word = code.iter().find_map(|section| {
        let offset = usize::try_from(address.checked_sub(section.address)?).ok()?;
        section
            .bytes
            .get(offset..offset.checked_add(INSTRUCTION_BYTES)?)
    })?;
    Some(u32::from_le_bytes(word.try_into().ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::symbolize::FunctionSymbol;

    const TEXT: u64 = 0xffff_0000_4008_0000;
    const TABLE: u64 = 0xffff_0000_400a_f200;
    const USER: u32 = Kind::User as u32;
    const KERNEL: u32 = Kind::Kernel as u32;

    const NOP: u32 = 0xd503_201f;
    const LDTR_X3_X1: u32 = 0xf840_0823;
    const LDTRB_W3_X1: u32 = 0x3840_0823;
    const STTRH_W1_X0: u32 = 0x7800_0801;
    const LDUR_X3_X1: u32 = 0xf840_0023;
    const RET: u32 = 0xd65f_03c0;

    /// A uaccess routine: three unprivileged accesses and a plain one, all continuing at FIXUP.
    const CODE: [u32; 7] = [
        NOP,
        LDTR_X3_X1,
        LDTRB_W3_X1,
        STTRH_W1_X0,
        LDUR_X3_X1,
        RET,
        RET,
    ];
    const FIXUP: u64 = TEXT + 5 * 4;

    fn address_of(index: u64) -> u64 {
        TEXT + index * 4
    }

    fn code_bytes() -> Vec<u8> {
        CODE.iter().flat_map(|word| word.to_le_bytes()).collect()
    }

    fn entry(instruction_index: u64, kind: u32) -> Resolved {
        Resolved {
            instruction: address_of(instruction_index),
            fixup: FIXUP,
            kind,
        }
    }

    /// The table as the linker leaves it: entries in the given order, each encoded in place.
    fn table_bytes(entries: &[Resolved]) -> Vec<u8> {
        entries
            .iter()
            .zip(entry_addresses(TABLE))
            .flat_map(|(entry, at)| Entry::encode(*entry, at).unwrap().to_bytes())
            .collect()
    }

    fn resolve_all(table: &[u8]) -> Vec<Resolved> {
        table
            .chunks_exact(ENTRY_SIZE)
            .zip(entry_addresses(TABLE))
            .map(|(bytes, at)| Entry::from_bytes(bytes.try_into().unwrap()).resolve(at))
            .collect()
    }

    fn symbolizer() -> Symbolizer {
        Symbolizer::new(vec![FunctionSymbol {
            start: TEXT,
            size: CODE.len() as u64 * 4,
            name: "kernel::uaccess::copy".to_owned(),
        }])
    }

    fn audit(entries: &[Resolved]) -> Result<Vec<u8>> {
        let code = code_bytes();
        let table = table_bytes(entries);
        sort_and_audit(
            LinkedBytes {
                address: TABLE,
                bytes: &table,
            },
            &[LinkedBytes {
                address: TEXT,
                bytes: &code,
            }],
            &symbolizer(),
        )
    }

    fn complete_table() -> Vec<Resolved> {
        vec![
            entry(1, USER),
            entry(2, USER),
            entry(3, USER),
            entry(4, KERNEL),
        ]
    }

    fn problem_count(error: &str) -> usize {
        error.matches("\n  - ").count()
    }

    fn audit_error(entries: &[Resolved]) -> String {
        match audit(entries) {
            Ok(_) => panic!("a broken table passed the audit: {entries:#x?}"),
            Err(error) => error.to_string(),
        }
    }

    #[test]
    fn sorts_an_unsorted_table_and_re_encodes_every_entry() {
        let linked = vec![
            entry(3, USER),
            entry(4, KERNEL),
            entry(1, USER),
            entry(2, USER),
        ];
        let sorted = audit(&linked).unwrap();
        let resolved = resolve_all(&sorted);
        let mut expected = linked.clone();
        expected.sort_by_key(|entry| entry.instruction);
        assert_eq!(resolved, expected);
        // Moving the bytes without re-encoding would point every moved entry elsewhere.
        let mut moved_only = Vec::new();
        for index in [2, 3, 0, 1] {
            moved_only.extend_from_slice(&table_bytes(&linked)[index * ENTRY_SIZE..][..ENTRY_SIZE]);
        }
        assert_ne!(resolve_all(&moved_only), expected);
    }

    #[test]
    fn a_sorted_complete_table_stays_as_it_is() {
        let table = complete_table();
        assert_eq!(audit(&table).unwrap(), table_bytes(&table));
    }

    #[test]
    fn an_unprivileged_access_without_an_entry_fails_naming_it() {
        let mut table = complete_table();
        table.remove(0);
        let error = audit_error(&table);
        assert_eq!(problem_count(&error), 1, "{error}");
        assert!(
            error.contains(
                "0xf8400823 at 0xffff000040080004 (kernel::uaccess::copy+0x4) has no entry"
            ),
            "{error}"
        );
    }

    #[test]
    fn code_without_a_table_still_needs_entries() {
        let error = audit_error(&[]);
        assert_eq!(problem_count(&error), 3, "{error}");
        assert!(audit(&[]).is_err());
        let plain_code = [NOP, RET].map(u32::to_le_bytes).concat();
        let no_table = LinkedBytes {
            address: 0,
            bytes: &[],
        };
        let text = LinkedBytes {
            address: TEXT,
            bytes: &plain_code,
        };
        assert_eq!(
            sort_and_audit(no_table, &[text], &symbolizer()).unwrap(),
            Vec::<u8>::new()
        );
    }

    #[test]
    fn an_entry_on_an_instruction_its_kind_does_not_accept_fails() {
        let mut on_nop = complete_table();
        on_nop.push(entry(0, USER));
        let error = audit_error(&on_nop);
        assert!(
            error.contains("entry 4: a User entry guards 0xffff000040080000 (kernel::uaccess::copy+0x0), but the instruction there (0xd503201f)"),
            "{error}"
        );
        let mut user_on_ldur = complete_table();
        user_on_ldur[3].kind = USER;
        assert!(audit_error(&user_on_ldur).contains("(0xf8400023) is not one"));
        let mut kernel_on_ldtr = complete_table();
        kernel_on_ldtr[0].kind = KERNEL;
        assert!(audit_error(&kernel_on_ldtr).contains("(0xf8400823) is not one"));
    }

    #[test]
    fn an_unknown_kind_fails() {
        let mut table = complete_table();
        table[1].kind = 7;
        let error = audit_error(&table);
        assert!(
            error.contains("entry 1: unknown kind 7 for the instruction at 0xffff000040080008"),
            "{error}"
        );
    }

    #[test]
    fn two_entries_for_one_instruction_fail() {
        let mut table = complete_table();
        table.push(Resolved {
            fixup: address_of(6),
            ..entry(2, USER)
        });
        let error = audit_error(&table);
        assert!(
            error.contains("two entries guard the instruction at 0xffff000040080008"),
            "{error}"
        );
    }

    #[test]
    fn entries_must_point_into_the_code() {
        let mut table = complete_table();
        table.push(entry(CODE.len() as u64, USER));
        table[0].fixup = TABLE;
        table[1].fixup = FIXUP + 2;
        let error = audit_error(&table);
        assert_eq!(problem_count(&error), 3, "{error}");
        assert!(
            error.contains("entry 4: guards 0xffff00004008001c, which is not an instruction"),
            "{error}"
        );
        assert!(
            error.contains("is 0xffff0000400af200, which is not in executable code"),
            "{error}"
        );
        assert!(
            error.contains("is 0xffff000040080016, which is not in executable code"),
            "{error}"
        );
    }

    #[test]
    fn a_table_of_partial_entries_fails() {
        let code = code_bytes();
        let table = table_bytes(&complete_table());
        let text = [LinkedBytes {
            address: TEXT,
            bytes: &code,
        }];
        let truncated = LinkedBytes {
            address: TABLE,
            bytes: &table[..table.len() - 4],
        };
        assert!(sort_and_audit(truncated, &text, &symbolizer()).is_err());
        let misaligned = LinkedBytes {
            address: TABLE + 2,
            bytes: &table,
        };
        assert!(sort_and_audit(misaligned, &text, &symbolizer()).is_err());
    }

    #[test]
    fn only_aligned_words_are_instructions() {
        let bytes = [0, 0]
            .into_iter()
            .chain(LDTR_X3_X1.to_le_bytes())
            .chain(NOP.to_le_bytes());
        let bytes: Vec<u8> = bytes.collect();
        let section = LinkedBytes {
            address: TEXT + 2,
            bytes: &bytes,
        };
        assert_eq!(
            instructions(section).collect::<Vec<_>>(),
            [(TEXT + 4, LDTR_X3_X1), (TEXT + 8, NOP)]
        );
        assert_eq!(instruction_at(&[section], TEXT + 4), Some(LDTR_X3_X1));
        assert_eq!(instruction_at(&[section], TEXT + 6), None);
        assert_eq!(instruction_at(&[section], TEXT + 12), None);
    }
}
