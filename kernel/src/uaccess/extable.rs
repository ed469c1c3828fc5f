//! The kernel's exception table, sorted at build time by the xtask, searched on faults.

use extable::{Entry, Kind, Resolved};

unsafe extern "C" {
    static __ex_table_start: u8;
    static __ex_table_end: u8;
}

/// The table as linked into the kernel.
pub fn entries() -> &'static [Entry] {
    let start = &raw const __ex_table_start;
    let len = (&raw const __ex_table_end as usize - start as usize) / extable::ENTRY_SIZE;
    // SAFETY: the linker script collects only 12-byte, 4-aligned entries between the symbols.
    unsafe { core::slice::from_raw_parts(start.cast::<Entry>(), len) }
}

/// Address of the table, against which the entries' offsets resolve.
pub fn base() -> u64 {
    &raw const __ex_table_start as u64
}

/// Where to continue if the instruction at `pc` faults, if it is a guarded access.
pub fn fixup_for(pc: u64) -> Option<Resolved> {
    extable::search(entries(), base(), pc).filter(|entry| Kind::from_raw(entry.kind).is_some())
}
