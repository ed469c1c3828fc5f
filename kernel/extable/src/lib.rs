//! The exception table: one entry per instruction that may fault on a user (or scoped kernel)
//! pointer, naming where execution continues if it does.
//!
//! An entry is three little-endian 32-bit words: the instruction's address and the fixup's
//! address, each relative to the word holding it, then the [`Kind`]. Relative offsets keep
//! the table position-independent and half the size of absolute addresses. The build sorts
//! the table by instruction address (see `xtask`), so the kernel can binary-search it.
#![no_std]

/// Bytes per entry.
pub const ENTRY_SIZE: usize = 12;
/// Name of the ELF section holding the table.
pub const SECTION: &str = "__ex_table";

/// What kind of access an entry protects, which fixes the instructions it may point at.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u32)]
pub enum Kind {
    /// An unprivileged load or store (LDTR/STTR family) on a user pointer.
    User = 1,
    /// A plain load or store (LDUR/STUR family): the kernel-pointer variant of a uaccess
    /// routine, used inside a kernel-pointer scope on CPUs without FEAT_UAO.
    Kernel = 2,
    /// A FEAT_MOPS copy or set with its user side unprivileged (CPYF*RT, CPYF*WT, SET*T):
    /// only a fault on the user side may be fixed up; the kernel side is the kernel's own.
    UserMops = 3,
}

impl Kind {
    pub fn from_raw(raw: u32) -> Option<Self> {
        match raw {
            1 => Some(Self::User),
            2 => Some(Self::Kernel),
            3 => Some(Self::UserMops),
            _ => None,
        }
    }

    /// Whether `instruction` is one this kind of entry may protect.
    pub fn accepts(self, instruction: u32) -> bool {
        match self {
            Self::User => is_unprivileged_load_store(instruction),
            Self::Kernel => is_unscaled_load_store(instruction),
            Self::UserMops => is_unprivileged_mops(instruction),
        }
    }
}

/// One entry, as laid out in memory.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(C)]
pub struct Entry {
    pub instruction: i32,
    pub fixup: i32,
    pub kind: u32,
}

/// An entry with its offsets resolved.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Resolved {
    pub instruction: u64,
    pub fixup: u64,
    pub kind: u32,
}

impl Entry {
    /// Resolves the offsets of the entry stored at address `at`.
    pub fn resolve(&self, at: u64) -> Resolved {
        Resolved {
            instruction: at.wrapping_add_signed(self.instruction.into()),
            fixup: (at + 4).wrapping_add_signed(self.fixup.into()),
            kind: self.kind,
        }
    }

    /// Encodes `resolved` for storage at address `at`; `None` if an offset does not fit.
    pub fn encode(resolved: Resolved, at: u64) -> Option<Self> {
        let relative =
            |target: u64, field: u64| i32::try_from(target.wrapping_sub(field) as i64).ok();
        Some(Self {
            instruction: relative(resolved.instruction, at)?,
            fixup: relative(resolved.fixup, at + 4)?,
            kind: resolved.kind,
        })
    }

    pub fn from_bytes(bytes: &[u8; ENTRY_SIZE]) -> Self {
        let word = |i: usize| [bytes[i], bytes[i + 1], bytes[i + 2], bytes[i + 3]];
        Self {
            instruction: i32::from_le_bytes(word(0)),
            fixup: i32::from_le_bytes(word(4)),
            kind: u32::from_le_bytes(word(8)),
        }
    }

    pub fn to_bytes(self) -> [u8; ENTRY_SIZE] {
        let mut bytes = [0; ENTRY_SIZE];
        bytes[0..4].copy_from_slice(&self.instruction.to_le_bytes());
        bytes[4..8].copy_from_slice(&self.fixup.to_le_bytes());
        bytes[8..12].copy_from_slice(&self.kind.to_le_bytes());
        bytes
    }
}

/// Finds the entry for `pc` in a table sorted by instruction address, stored at `base`.
pub fn search(table: &[Entry], base: u64, pc: u64) -> Option<Resolved> {
    let resolve = |i: usize| table[i].resolve(base + (i * ENTRY_SIZE) as u64);
    let index = table
        .binary_search_by(|entry| {
            let i = (entry as *const Entry as usize - table.as_ptr() as usize) / ENTRY_SIZE;
            resolve(i).instruction.cmp(&pc)
        })
        .ok()?;
    Some(resolve(index))
}

/// LDTR, LDTRB, LDTRH, LDTRSB, LDTRSH, LDTRSW, STTR, STTRB, STTRH (Arm ARM C4.1.94,
/// "Load/store register (unprivileged)"): size:111:0:00:opc:0:imm9:10:Rn:Rt.
pub fn is_unprivileged_load_store(instruction: u32) -> bool {
    instruction & 0x3b20_0c00 == 0x3800_0800
}

/// LDUR, STUR and their byte/halfword/signed forms ("Load/store register (unscaled
/// immediate)"): size:111:0:00:opc:0:imm9:00:Rn:Rt.
pub fn is_unscaled_load_store(instruction: u32) -> bool {
    instruction & 0x3b20_0c00 == 0x3800_0000
}

/// FEAT_MOPS prologue, main and epilogue instructions (stage 0, 1, 2 in bits 23:22) whose
/// user side is unprivileged (Arm ARM C6.2, "Memory Copy and Memory Set"):
/// CPYF*RT (read unprivileged: 00:011001:stage:0:Rs:0010:01:Rn:Rd), CPYF*WT (write
/// unprivileged: op2 0001) and SET*T (00:011001:11:0:Rs:stage:01:01:Rn:Rd).
pub fn is_unprivileged_mops(instruction: u32) -> bool {
    let copy_stage = (instruction >> 22) & 3;
    let set_stage = (instruction >> 14) & 3;
    let copy = instruction & 0xff20_fc00;
    (copy_stage != 3 && (copy == 0x1900_2400 || copy == 0x1900_1400))
        || (set_stage != 3 && instruction & 0xffe0_3c00 == 0x19c0_1400)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Encodings from the Arm ARM, checked against an assembler.
    const LDTR_X3_X1: u32 = 0xf840_0823; // ldtr x3, [x1]
    const LDTRB_W3_X1: u32 = 0x3840_0823; // ldtrb w3, [x1]
    const STTRH_W1_X0: u32 = 0x7800_0801; // sttrh w1, [x0]
    const STTR_X3_X0_56: u32 = 0xf803_8803; // sttr x3, [x0, #56]
    const LDUR_X3_X1: u32 = 0xf840_0023; // ldur x3, [x1]
    const STURB_W3_X0: u32 = 0x3800_0003; // sturb w3, [x0]
    const LDR_X3_X1: u32 = 0xf940_0023; // ldr x3, [x1]
    const NOP: u32 = 0xd503_201f;
    /// `[x0]!, [x1]!, x2!` and `[x0]!, x1!, xzr` forms, from GNU as 2.40 (armv8.8-a+mops).
    const CPYFPRT: u32 = 0x1901_2440;
    const CPYFMRT: u32 = 0x1941_2440;
    const CPYFERT: u32 = 0x1981_2440;
    const CPYFPWT: u32 = 0x1901_1440;
    const CPYFEWT: u32 = 0x1981_1440;
    const SETPT: u32 = 0x19df_1420;
    const SETMT: u32 = 0x19df_5420;
    const SETET: u32 = 0x19df_9420;
    /// Privileged or both-unprivileged forms, which a user copy never uses.
    const CPYFP: u32 = 0x1901_0440;
    const CPYFPT: u32 = 0x1901_3440;
    const CPYFPRTWN: u32 = 0x1901_6440;
    const SETP: u32 = 0x19df_0420;
    const CPYPRT: u32 = 0x1d01_2440;

    #[test]
    fn classifies_unprivileged_loads_and_stores() {
        for insn in [LDTR_X3_X1, LDTRB_W3_X1, STTRH_W1_X0, STTR_X3_X0_56] {
            assert!(is_unprivileged_load_store(insn), "{insn:#x}");
            assert!(!is_unscaled_load_store(insn), "{insn:#x}");
        }
        for insn in [LDUR_X3_X1, STURB_W3_X0, LDR_X3_X1, NOP] {
            assert!(!is_unprivileged_load_store(insn), "{insn:#x}");
        }
        assert!(is_unscaled_load_store(LDUR_X3_X1));
        assert!(is_unscaled_load_store(STURB_W3_X0));
        assert!(!is_unscaled_load_store(LDR_X3_X1));
    }

    #[test]
    fn classifies_unprivileged_mops() {
        for insn in [
            CPYFPRT, CPYFMRT, CPYFERT, CPYFPWT, CPYFEWT, SETPT, SETMT, SETET,
        ] {
            assert!(is_unprivileged_mops(insn), "{insn:#x}");
            assert!(Kind::UserMops.accepts(insn), "{insn:#x}");
            assert!(!Kind::User.accepts(insn), "{insn:#x}");
        }
        for insn in [CPYFP, CPYFPT, CPYFPRTWN, SETP, CPYPRT, LDTR_X3_X1, NOP] {
            assert!(!is_unprivileged_mops(insn), "{insn:#x}");
        }
        assert_eq!(Kind::from_raw(3), Some(Kind::UserMops));
    }

    #[test]
    fn kinds_accept_their_own_instructions_only() {
        assert!(Kind::User.accepts(LDTR_X3_X1));
        assert!(!Kind::User.accepts(LDUR_X3_X1));
        assert!(Kind::Kernel.accepts(LDUR_X3_X1));
        assert!(!Kind::Kernel.accepts(NOP));
        assert_eq!(Kind::from_raw(1), Some(Kind::User));
        assert_eq!(Kind::from_raw(4), None);
    }

    #[test]
    fn entries_round_trip_through_bytes_and_offsets() {
        let at = 0xffff_0000_0009_0000;
        let resolved = Resolved {
            instruction: 0xffff_0000_0008_1234,
            fixup: 0xffff_0000_0008_1300,
            kind: Kind::User as u32,
        };
        let entry = Entry::encode(resolved, at).unwrap();
        assert_eq!(Entry::from_bytes(&entry.to_bytes()), entry);
        assert_eq!(entry.resolve(at), resolved);
        let far = Resolved {
            instruction: at + (1 << 32),
            ..resolved
        };
        assert_eq!(Entry::encode(far, at), None);
    }

    #[test]
    fn search_finds_every_entry_and_nothing_between() {
        let base = 0x1000_0000u64;
        let instructions = [0x0800_0000u64, 0x0800_0010, 0x0800_0100, 0x0800_0104];
        let table: [Entry; 4] = core::array::from_fn(|i| {
            let at = base + (i * ENTRY_SIZE) as u64;
            Entry::encode(
                Resolved {
                    instruction: instructions[i],
                    fixup: instructions[i] + 0x40,
                    kind: 1,
                },
                at,
            )
            .unwrap()
        });
        for pc in instructions {
            assert_eq!(search(&table, base, pc).map(|r| r.fixup), Some(pc + 0x40));
        }
        for pc in [0x07ff_fffc, 0x0800_0004, 0x0800_0014, 0x0800_0108] {
            assert_eq!(search(&table, base, pc), None);
        }
        assert_eq!(search(&[], base, 0x0800_0000), None);
    }
}
