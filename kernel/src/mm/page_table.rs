//! Four-level AArch64 translation tables (4 KiB granule, 48-bit VA): map, unmap, translate.
//!
//! Pure logic: tables are reached through [`TableMemory`], so the same code builds the
//! kernel's tables on the hardware and runs under `cargo test` on the host. TLB
//! maintenance is the caller's job.

use super::protection::Protection;
use alloc::vec::Vec;
use core::ops::Range;

pub const PAGE_SIZE: usize = 4096;
const ENTRIES: usize = 512;
/// Bytes covered by one entry at levels 0 to 3.
const LEVEL_SIZE: [usize; 4] = [1 << 39, 1 << 30, 1 << 21, 1 << 12];
const OUTPUT_ADDRESS: u64 = 0x0000_ffff_ffff_f000;

mod bits {
    pub const VALID: u64 = 1 << 0;
    /// In an invalid level-3 entry (ignored by the walker): the page is swapped out, and
    /// bits 12 and up say where.
    pub const SWAPPED: u64 = 1 << 1;
    pub const SWAP_SHIFT: u32 = 12;
    /// At levels 0-2: next-level table; at level 3: page. Clear: block.
    pub const TABLE_OR_PAGE: u64 = 1 << 1;
    pub const ATTR_INDEX_SHIFT: u32 = 2;
    /// AP[1]: EL0 may access.
    pub const AP_EL0: u64 = 1 << 6;
    /// AP[2]: read-only.
    pub const AP_READ_ONLY: u64 = 1 << 7;
    pub const INNER_SHAREABLE: u64 = 3 << 8;
    pub const ACCESS_FLAG: u64 = 1 << 10;
    pub const NOT_GLOBAL: u64 = 1 << 11;
    pub const PXN: u64 = 1 << 53;
    pub const UXN: u64 = 1 << 54;
}

/// Memory types, as indices into MAIR_EL1 (programmed in boot.s).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MemoryType {
    /// Device-nGnRE: MMIO.
    Device = 0,
    /// Normal, write-back cacheable: RAM.
    Normal = 1,
    /// Normal, non-cacheable: device memory user space may map (a framebuffer), which is
    /// no frame of the allocator's.
    NonCacheable = 2,
}

/// What a mapping allows, independent of the descriptor encoding.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Attributes {
    pub memory: MemoryType,
    pub writable: bool,
    /// Executable at EL1.
    pub kernel_exec: bool,
    /// Accessible from EL0 (user mappings).
    pub user: bool,
    /// Executable at EL0.
    pub user_exec: bool,
    /// Tagged with the current ASID instead of global (user mappings).
    pub not_global: bool,
}

impl Attributes {
    pub const KERNEL_TEXT: Self = Self::kernel(false, true);
    pub const KERNEL_RODATA: Self = Self::kernel(false, false);
    pub const KERNEL_DATA: Self = Self::kernel(true, false);
    pub const DEVICE: Self = Self {
        memory: MemoryType::Device,
        ..Self::KERNEL_DATA
    };

    /// A user page: never executable at EL1, tagged with the ASID. A page the user may
    /// not touch at all (PROT_NONE) keeps its frame but is reachable from EL1 only.
    pub const fn user(protection: Protection) -> Self {
        Self {
            memory: MemoryType::Normal,
            writable: protection.write,
            kernel_exec: false,
            user: protection.read,
            user_exec: protection.execute,
            not_global: true,
        }
    }

    /// A user page of device memory (a driver's export): like [`Self::user`], uncached.
    pub const fn user_uncached(protection: Protection) -> Self {
        Self {
            memory: MemoryType::NonCacheable,
            ..Self::user(protection)
        }
    }

    const fn kernel(writable: bool, kernel_exec: bool) -> Self {
        Self {
            memory: MemoryType::Normal,
            writable,
            kernel_exec,
            user: false,
            user_exec: false,
            not_global: false,
        }
    }

    fn descriptor_bits(self) -> u64 {
        let mut bits =
            bits::VALID | bits::ACCESS_FLAG | ((self.memory as u64) << bits::ATTR_INDEX_SHIFT);
        if self.memory != MemoryType::Device {
            bits |= bits::INNER_SHAREABLE;
        }
        if !self.writable {
            bits |= bits::AP_READ_ONLY;
        }
        if self.user {
            bits |= bits::AP_EL0;
        }
        if !self.kernel_exec {
            bits |= bits::PXN;
        }
        if !self.user_exec {
            bits |= bits::UXN;
        }
        if self.not_global {
            bits |= bits::NOT_GLOBAL;
        }
        bits
    }

    fn from_descriptor(descriptor: u64) -> Self {
        Self {
            memory: memory_type(descriptor),
            writable: descriptor & bits::AP_READ_ONLY == 0,
            kernel_exec: descriptor & bits::PXN == 0,
            user: descriptor & bits::AP_EL0 != 0,
            user_exec: descriptor & bits::UXN == 0,
            not_global: descriptor & bits::NOT_GLOBAL != 0,
        }
    }
}

fn memory_type(descriptor: u64) -> MemoryType {
    match (descriptor >> bits::ATTR_INDEX_SHIFT) & 0b111 {
        0 => MemoryType::Device,
        2 => MemoryType::NonCacheable,
        _ => MemoryType::Normal,
    }
}

/// Whether a mapping may use 2 MiB / 1 GiB blocks where alignment allows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Granularity {
    Blocks,
    Pages,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MapError {
    /// No frame left for an intermediate table.
    OutOfTables,
    /// Something is already mapped in the range.
    AlreadyMapped { va: usize },
    /// Addresses or length are not page-aligned.
    Misaligned,
    /// The range is partly covered by a block that cannot be split.
    InsideBlock { va: usize },
}

/// What a level-3 entry holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Leaf {
    /// Nothing, or no table on the way to it.
    Absent,
    /// A page of the frame at this physical address; `accessed` is the access flag, clear
    /// after [`PageTable::clear_accessed`] until the next access faults and sets it.
    Present {
        frame: usize,
        attributes: Attributes,
        accessed: bool,
    },
    /// A page swapped out: where, in the swap code's numbering (at most 51 bits).
    Swapped(u64),
}

impl Leaf {
    fn of_entry(entry: u64) -> Self {
        if entry & bits::VALID != 0 {
            Leaf::Present {
                frame: (entry & OUTPUT_ADDRESS) as usize,
                attributes: Attributes::from_descriptor(entry),
                accessed: entry & bits::ACCESS_FLAG != 0,
            }
        } else if entry & bits::SWAPPED != 0 {
            Leaf::Swapped(entry >> bits::SWAP_SHIFT)
        } else {
            Leaf::Absent
        }
    }

    /// Whether the page is present and RAM: a frame of the allocator's.
    pub fn ram_frame(&self) -> Option<usize> {
        match self {
            Leaf::Present {
                frame, attributes, ..
            } if attributes.memory == MemoryType::Normal => Some(*frame),
            _ => None,
        }
    }
}

/// Physical memory holding translation tables, as seen by whoever builds them.
///
/// # Safety
/// `table` must return exclusive access to the table at physical address `pa` for every
/// `pa` that `allocate_table` returned (or that was given as a root), and `allocate_table`
/// must return zeroed, page-aligned, otherwise unused frames.
pub unsafe trait TableMemory {
    fn allocate_table(&mut self) -> Option<usize>;
    fn table(&mut self, pa: usize) -> &mut [u64; ENTRIES];
}

/// A translation table tree, by the physical address of its level-0 table.
pub struct PageTable<'m, M: TableMemory> {
    root: usize,
    memory: &'m mut M,
    /// The last level-3 table a walk reached, and the 2 MiB of addresses it covers (as
    /// `va / LEVEL_SIZE[2]`): consecutive pages (fork, mapping a range) skip the walk.
    /// Forgotten whenever a table may be freed.
    last_leaf_table: Option<(usize, usize)>,
}

/// The indices of the entries of a level-`level` table covering `base..` that overlap
/// `range`: computed, not searched for, as walks of a small range through a large table are
/// the common case (fork, munmap, exit).
fn entries_overlapping(level: usize, base: usize, range: &Range<usize>) -> Range<usize> {
    let size = LEVEL_SIZE[level];
    let first = range.start.saturating_sub(base) / size;
    let end = range.end.saturating_sub(base).div_ceil(size).min(ENTRIES);
    first..end
}

/// Entries tested together when scanning for used ones: most of a table is empty, so an
/// empty group is passed over with one test.
const EMPTY_GROUP: usize = 8;

fn is_empty(group: &[u64]) -> bool {
    group.iter().fold(0, |any, &entry| any | entry) == 0
}

/// Calls `visit` with the index and value of every non-zero entry of `entries`, numbering
/// them from `first`.
fn for_each_used(entries: &[u64], first: usize, mut visit: impl FnMut(usize, u64)) {
    let groups = entries.chunks_exact(EMPTY_GROUP);
    let tail = groups.remainder();
    let tail_first = first + entries.len() - tail.len();
    let firsts = (first..).step_by(EMPTY_GROUP);
    let groups = firsts.zip(groups).chain([(tail_first, tail)]);
    for (group_first, group) in groups.filter(|(_, group)| !is_empty(group)) {
        for (i, &entry) in (group_first..).zip(group) {
            if entry != 0 {
                visit(i, entry);
            }
        }
    }
}

/// The index of the first non-zero entry of `entries` at or after `from`.
fn next_used(entries: &[u64], from: usize) -> Option<usize> {
    let rest = entries.get(from..)?;
    let skipped = rest
        .chunks_exact(EMPTY_GROUP)
        .take_while(|group| is_empty(group))
        .count()
        * EMPTY_GROUP;
    rest[skipped..]
        .iter()
        .position(|&entry| entry != 0)
        .map(|offset| from + skipped + offset)
}

fn index(va: usize, level: usize) -> usize {
    (va / LEVEL_SIZE[level]) % ENTRIES
}

/// Writes a descriptor the hardware walker may be reading: one single-copy-atomic store.
fn set_entry(entry: &mut u64, descriptor: u64) {
    // SAFETY: `entry` is a valid, aligned, exclusive reference.
    unsafe { core::ptr::write_volatile(entry, descriptor) }
}

fn is_aligned(value: usize, alignment: usize) -> bool {
    value.is_multiple_of(alignment)
}

impl<'m, M: TableMemory> PageTable<'m, M> {
    /// Makes a new empty tree.
    pub fn new(memory: &'m mut M) -> Result<Self, MapError> {
        let root = memory.allocate_table().ok_or(MapError::OutOfTables)?;
        Ok(Self::at(root, memory))
    }

    /// Works on an existing tree rooted at `root`.
    pub fn at(root: usize, memory: &'m mut M) -> Self {
        Self {
            root,
            memory,
            last_leaf_table: None,
        }
    }

    /// Physical address of the level-0 table: the TTBR value without ASID.
    pub fn root(&self) -> usize {
        self.root
    }

    /// Maps `[va, va + len)` to `[pa, pa + len)`, with blocks where allowed and aligned.
    pub fn map(
        &mut self,
        va: usize,
        pa: usize,
        len: usize,
        attributes: Attributes,
        granularity: Granularity,
    ) -> Result<(), MapError> {
        if !(is_aligned(va, PAGE_SIZE) && is_aligned(pa, PAGE_SIZE) && is_aligned(len, PAGE_SIZE)) {
            return Err(MapError::Misaligned);
        }
        let mut offset = 0;
        while offset < len {
            let (va, pa, remaining) = (va + offset, pa + offset, len - offset);
            let level = (1..4)
                .find(|&level| {
                    let size = LEVEL_SIZE[level];
                    level == 3
                        || granularity == Granularity::Blocks
                            && is_aligned(va, size)
                            && is_aligned(pa, size)
                            && remaining >= size
                })
                .unwrap_or(3);
            self.set_leaf(va, pa, level, attributes)?;
            offset += LEVEL_SIZE[level];
        }
        Ok(())
    }

    fn set_leaf(
        &mut self,
        va: usize,
        pa: usize,
        level: usize,
        attributes: Attributes,
    ) -> Result<(), MapError> {
        let table = self
            .walk_to(va, level, true)?
            .ok_or(MapError::OutOfTables)?;
        let entry = &mut self.memory.table(table)[index(va, level)];
        if *entry & bits::VALID != 0 {
            return Err(MapError::AlreadyMapped { va });
        }
        let kind = if level == 3 { bits::TABLE_OR_PAGE } else { 0 };
        set_entry(
            entry,
            (pa as u64 & OUTPUT_ADDRESS) | attributes.descriptor_bits() | kind,
        );
        Ok(())
    }

    /// The table at `level` on the way to `va`, creating missing tables when `create`.
    fn walk_to(
        &mut self,
        va: usize,
        level: usize,
        create: bool,
    ) -> Result<Option<usize>, MapError> {
        let covered = va / LEVEL_SIZE[2];
        if level == 3
            && let Some((last_covered, table)) = self.last_leaf_table
            && last_covered == covered
        {
            return Ok(Some(table));
        }
        let mut table = self.root;
        for current in 0..level {
            let entry = self.memory.table(table)[index(va, current)];
            if entry & bits::VALID == 0 {
                if !create {
                    return Ok(None);
                }
                let next = self.memory.allocate_table().ok_or(MapError::OutOfTables)?;
                set_entry(
                    &mut self.memory.table(table)[index(va, current)],
                    next as u64 | bits::VALID | bits::TABLE_OR_PAGE,
                );
                table = next;
            } else if entry & bits::TABLE_OR_PAGE == 0 {
                return Err(MapError::InsideBlock { va });
            } else {
                table = (entry & OUTPUT_ADDRESS) as usize;
            }
        }
        if level == 3 {
            self.last_leaf_table = Some((covered, table));
        }
        Ok(Some(table))
    }

    /// The physical address and attributes `va` translates to, if mapped.
    pub fn translate(&mut self, va: usize) -> Option<(usize, Attributes)> {
        let mut table = self.root;
        for (level, size) in LEVEL_SIZE.into_iter().enumerate() {
            let entry = self.memory.table(table)[index(va, level)];
            if entry & bits::VALID == 0 {
                return None;
            }
            let output = (entry & OUTPUT_ADDRESS) as usize;
            let is_leaf = level == 3 || entry & bits::TABLE_OR_PAGE == 0;
            if is_leaf {
                let base = output & !(size - 1);
                return Some((base + va % size, Attributes::from_descriptor(entry)));
            }
            table = output;
        }
        None
    }

    /// Points the 4 KiB page at `va` to `pa` with `attributes`, whether or not it was mapped;
    /// returns the frame it mapped before. The caller flushes the TLB for a present page.
    pub fn set_page(
        &mut self,
        va: usize,
        pa: usize,
        attributes: Attributes,
    ) -> Result<Option<usize>, MapError> {
        if !(is_aligned(va, PAGE_SIZE) && is_aligned(pa, PAGE_SIZE)) {
            return Err(MapError::Misaligned);
        }
        let table = self.walk_to(va, 3, true)?.ok_or(MapError::OutOfTables)?;
        let entry = &mut self.memory.table(table)[index(va, 3)];
        let previous = (*entry & bits::VALID != 0).then_some((*entry & OUTPUT_ADDRESS) as usize);
        set_entry(
            entry,
            (pa as u64 & OUTPUT_ADDRESS) | attributes.descriptor_bits() | bits::TABLE_OR_PAGE,
        );
        Ok(previous)
    }

    /// The present 4 KiB pages of RAM in `range`, as (address, frame), walking only the
    /// tables that exist (a huge sparse range costs what is mapped, not its size).
    pub fn present_pages(&mut self, range: Range<usize>) -> Vec<(usize, usize)> {
        let mut out = Vec::new();
        self.walk_leaves(range, &mut |va, entry| {
            if entry & bits::VALID != 0 && memory_type(entry) == MemoryType::Normal {
                out.push((va, (entry & OUTPUT_ADDRESS) as usize));
            }
        });
        out
    }

    /// Creates the tables down to level 3 for all of `range`, mapping nothing, so that
    /// later mappings there never need a frame for a table.
    pub fn prepare_tables(&mut self, range: Range<usize>) -> Result<(), MapError> {
        for va in range.step_by(LEVEL_SIZE[2]) {
            self.walk_to(va, 3, true)?;
        }
        Ok(())
    }

    /// Removes the tables that map nothing inside `range` (never the root), calling `free`
    /// with each; returns whether any went. The caller flushes the TLB's walk caches.
    pub fn release_empty_tables(
        &mut self,
        range: Range<usize>,
        mut free: impl FnMut(usize),
    ) -> bool {
        self.last_leaf_table = None;
        fn walk(
            memory: &mut impl TableMemory,
            table: usize,
            level: usize,
            base: usize,
            range: &Range<usize>,
            free: &mut impl FnMut(usize),
        ) -> bool {
            let mut released = false;
            if level == 3 {
                return false;
            }
            for i in entries_overlapping(level, base, range) {
                let start = base + i * LEVEL_SIZE[level];
                let entry = memory.table(table)[i];
                if entry & bits::VALID == 0 || entry & bits::TABLE_OR_PAGE == 0 {
                    continue;
                }
                let child = (entry & OUTPUT_ADDRESS) as usize;
                released |= walk(memory, child, level + 1, start, range, free);
                // A swapped-out page's entry is invalid but not empty.
                if memory.table(child).iter().all(|e| *e == 0) {
                    set_entry(&mut memory.table(table)[i], 0);
                    free(child);
                    released = true;
                }
            }
            released
        }
        walk(self.memory, self.root, 0, 0, &range, &mut free)
    }

    /// Tears the tree down in one walk: calls `release` with every page that is present or
    /// swapped out (what it holds is the caller's to let go of), and `free` with every
    /// table's physical address, each after the tables below it, the root last.
    pub fn destroy(mut self, mut release: impl FnMut(usize, Leaf), mut free: impl FnMut(usize)) {
        let everything = 0..ENTRIES * LEVEL_SIZE[0];
        self.walk(
            everything,
            &mut |va, entry| release(va, Leaf::of_entry(entry)),
            &mut free,
        );
        free(self.root);
    }

    /// The level-3 entry for the page at `va`, if its tables exist.
    fn leaf_entry(&mut self, va: usize) -> Option<&mut u64> {
        let table = self.walk_to(va, 3, false).ok()??;
        Some(&mut self.memory.table(table)[index(va, 3)])
    }

    /// What the page at `va` holds.
    pub fn leaf(&mut self, va: usize) -> Leaf {
        self.leaf_entry(va)
            .map_or(Leaf::Absent, |entry| Leaf::of_entry(*entry))
    }

    /// The pages of `range` that are present or swapped out, in one walk of the tables that
    /// exist.
    pub fn leaves(&mut self, range: Range<usize>) -> Vec<(usize, Leaf)> {
        let mut out = Vec::new();
        self.walk_leaves(range, &mut |va, entry| {
            let leaf = Leaf::of_entry(entry);
            if leaf != Leaf::Absent {
                out.push((va, leaf));
            }
        });
        out
    }

    /// Records the page at `va` as swapped out to `slot`, replacing what was there (the caller
    /// flushes the TLB for a page that was present).
    pub fn set_swapped(&mut self, va: usize, slot: u64) -> Result<(), MapError> {
        if !is_aligned(va, PAGE_SIZE) {
            return Err(MapError::Misaligned);
        }
        let table = self.walk_to(va, 3, true)?.ok_or(MapError::OutOfTables)?;
        set_entry(
            &mut self.memory.table(table)[index(va, 3)],
            (slot << bits::SWAP_SHIFT) | bits::SWAPPED,
        );
        Ok(())
    }

    /// Forgets the swapped-out page at `va`, returning its slot.
    pub fn clear_swapped(&mut self, va: usize) -> Option<u64> {
        let Leaf::Swapped(slot) = self.leaf(va) else {
            return None;
        };
        set_entry(self.leaf_entry(va)?, 0);
        Some(slot)
    }

    /// The swapped-out pages in `range`, as (address, slot).
    pub fn swapped_pages(&mut self, range: Range<usize>) -> Vec<(usize, u64)> {
        let mut out = Vec::new();
        self.walk_leaves(range, &mut |va, entry| {
            if entry & bits::VALID == 0 && entry & bits::SWAPPED != 0 {
                out.push((va, entry >> bits::SWAP_SHIFT));
            }
        });
        out
    }

    /// Clears the access flag of the present page at `va`; whether it was set. The caller
    /// flushes the TLB, so the next access faults and sets it again ([`Self::set_accessed`]).
    pub fn clear_accessed(&mut self, va: usize) -> bool {
        match self.leaf_entry(va) {
            Some(entry) if *entry & bits::VALID != 0 => {
                let was = *entry & bits::ACCESS_FLAG != 0;
                set_entry(entry, *entry & !bits::ACCESS_FLAG);
                was
            }
            _ => false,
        }
    }

    /// Sets the access flag of the present page at `va`; whether it was clear. An entry
    /// without it is never cached, so no TLB maintenance is needed.
    pub fn set_accessed(&mut self, va: usize) -> bool {
        match self.leaf_entry(va) {
            Some(entry) if *entry & bits::VALID != 0 && *entry & bits::ACCESS_FLAG == 0 => {
                set_entry(entry, *entry | bits::ACCESS_FLAG);
                true
            }
            _ => false,
        }
    }

    /// Calls `visit` with the address and raw entry of every level-3 entry in `range` that is
    /// not empty.
    fn walk_leaves(&mut self, range: Range<usize>, visit: &mut impl FnMut(usize, u64)) {
        self.walk(range, visit, &mut |_| {});
    }

    /// The walk under `range` both [`Self::walk_leaves`] and [`Self::destroy`] make: `visit`
    /// gets the address and raw entry of every non-empty level-3 entry, and `done_with` every
    /// table below the root once its entries in `range` were walked.
    fn walk(
        &mut self,
        range: Range<usize>,
        visit: &mut impl FnMut(usize, u64),
        done_with: &mut impl FnMut(usize),
    ) {
        fn walk(
            memory: &mut impl TableMemory,
            table: usize,
            level: usize,
            base: usize,
            range: &Range<usize>,
            visit: &mut impl FnMut(usize, u64),
            done_with: &mut impl FnMut(usize),
        ) {
            let size = LEVEL_SIZE[level];
            let overlapping = entries_overlapping(level, base, range);
            if level == 3 {
                let first = overlapping.start;
                for_each_used(&memory.table(table)[overlapping], first, |i, entry| {
                    visit(base + i * size, entry);
                });
                return;
            }
            let mut next = overlapping.start;
            while let Some(i) = next_used(&memory.table(table)[..overlapping.end], next) {
                next = i + 1;
                let entry = memory.table(table)[i];
                if entry & bits::VALID != 0 && entry & bits::TABLE_OR_PAGE != 0 {
                    let child = (entry & OUTPUT_ADDRESS) as usize;
                    walk(
                        memory,
                        child,
                        level + 1,
                        base + i * size,
                        range,
                        visit,
                        done_with,
                    );
                    done_with(child);
                }
            }
        }
        walk(self.memory, self.root, 0, 0, &range, visit, done_with);
    }

    /// Unmaps the 4 KiB page at `va` and returns the physical address it mapped.
    pub fn unmap_page(&mut self, va: usize) -> Result<Option<usize>, MapError> {
        if !is_aligned(va, PAGE_SIZE) {
            return Err(MapError::Misaligned);
        }
        let Some(table) = self.walk_to(va, 3, false)? else {
            return Ok(None);
        };
        let entry = &mut self.memory.table(table)[index(va, 3)];
        if *entry & bits::VALID == 0 {
            return Ok(None);
        }
        let pa = (*entry & OUTPUT_ADDRESS) as usize;
        set_entry(entry, 0);
        Ok(Some(pa))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Fake physical memory: table frames numbered from a base, held in a Vec.
    struct HostTables {
        base: usize,
        tables: Vec<[u64; ENTRIES]>,
        limit: usize,
    }

    impl HostTables {
        fn new(limit: usize) -> Self {
            Self {
                base: 0x8000_0000,
                tables: Vec::new(),
                limit,
            }
        }
    }

    // SAFETY: every address handed out indexes a distinct zeroed entry of `tables`.
    unsafe impl TableMemory for HostTables {
        fn allocate_table(&mut self) -> Option<usize> {
            if self.tables.len() == self.limit {
                return None;
            }
            self.tables.push([0; ENTRIES]);
            Some(self.base + (self.tables.len() - 1) * PAGE_SIZE)
        }

        fn table(&mut self, pa: usize) -> &mut [u64; ENTRIES] {
            &mut self.tables[(pa - self.base) / PAGE_SIZE]
        }
    }

    const KERNEL: usize = 0xffff_0000_0000_0000;

    #[test]
    fn next_used_finds_every_non_zero_entry_in_order() {
        let mut entries = [0u64; ENTRIES];
        let used = [0, 3, 4, 5, 7, 8, 100, 255, 256, 509, 511];
        for &i in &used {
            entries[i] = 1 + i as u64;
        }
        for from in 0..ENTRIES {
            let expected = used.iter().copied().find(|&i| i >= from);
            assert_eq!(next_used(&entries, from), expected, "from {from}");
        }
        assert_eq!(next_used(&entries, ENTRIES), None);
        assert_eq!(next_used(&entries[..6], 6), None);
        assert_eq!(next_used(&entries[..7], 6), None);
        assert_eq!(next_used(&[0u64; 7], 0), None);
        assert_eq!(next_used(&entries[..9], 6), Some(7));
    }

    #[test]
    fn map_translate_unmap_a_page() {
        let mut memory = HostTables::new(16);
        let mut table = PageTable::new(&mut memory).unwrap();
        let va = KERNEL + 0x1234_5000;
        table
            .map(
                va,
                0x4000_0000,
                PAGE_SIZE,
                Attributes::KERNEL_DATA,
                Granularity::Pages,
            )
            .unwrap();
        assert_eq!(
            table.translate(va + 0x123),
            Some((0x4000_0123, Attributes::KERNEL_DATA))
        );
        assert_eq!(table.translate(va + PAGE_SIZE), None);
        assert_eq!(table.unmap_page(va), Ok(Some(0x4000_0000)));
        assert_eq!(table.translate(va), None);
        assert_eq!(table.unmap_page(va), Ok(None));
    }

    #[test]
    fn aligned_ranges_use_blocks_and_others_pages() {
        let mut memory = HostTables::new(16);
        let mut table = PageTable::new(&mut memory).unwrap();
        // 2 MiB aligned, 4 MiB long: two level-2 blocks, no level-3 table.
        table
            .map(
                KERNEL,
                0,
                4 << 20,
                Attributes::KERNEL_DATA,
                Granularity::Blocks,
            )
            .unwrap();
        assert_eq!(memory.tables.len(), 3);
        let mut table = PageTable::at(memory.base, &mut memory);
        assert_eq!(
            table.translate(KERNEL + (3 << 20) + 8).map(|(pa, _)| pa),
            Some((3 << 20) + 8)
        );
        // An unaligned start needs a page first, then a block from the 2 MiB boundary on.
        let boundary = 6 << 20;
        table
            .map(
                KERNEL + boundary - PAGE_SIZE,
                boundary - PAGE_SIZE,
                PAGE_SIZE + (2 << 20),
                Attributes::KERNEL_DATA,
                Granularity::Blocks,
            )
            .unwrap();
        assert_eq!(
            table.unmap_page(KERNEL + boundary),
            Err(MapError::InsideBlock {
                va: KERNEL + boundary
            })
        );
        assert_eq!(
            table.unmap_page(KERNEL + boundary - PAGE_SIZE),
            Ok(Some(boundary - PAGE_SIZE))
        );
    }

    #[test]
    fn set_page_replaces_and_reports_the_old_frame() {
        let mut memory = HostTables::new(16);
        let mut table = PageTable::new(&mut memory).unwrap();
        let read_only = Attributes::user(Protection::READ_ONLY);
        assert_eq!(table.set_page(0x1000, 0x9000_0000, read_only), Ok(None));
        assert_eq!(
            table.set_page(
                0x1000,
                0x9000_1000,
                Attributes::user(Protection::READ_WRITE)
            ),
            Ok(Some(0x9000_0000))
        );
        assert_eq!(
            table.translate(0x1008),
            Some((0x9000_1008, Attributes::user(Protection::READ_WRITE)))
        );
        assert_eq!(
            table.set_page(0x1001, 0, read_only),
            Err(MapError::Misaligned)
        );
    }

    #[test]
    fn device_pages_are_kept_apart_from_ram_pages() {
        let mut memory = HostTables::new(16);
        let mut table = PageTable::new(&mut memory).unwrap();
        let uncached = Attributes::user_uncached(Protection::READ_WRITE);
        table
            .set_page(
                0x1000,
                0x9000_0000,
                Attributes::user(Protection::READ_WRITE),
            )
            .unwrap();
        table.set_page(0x2000, 0x3c10_0000, uncached).unwrap();
        table.set_swapped(0x3000, 7).unwrap();
        assert_eq!(table.present_pages(0..0x10_0000), [(0x1000, 0x9000_0000)]);
        let leaves = table.leaves(0..0x10_0000);
        let frames: Vec<_> = leaves.iter().map(|(_, leaf)| leaf.ram_frame()).collect();
        assert_eq!(frames, [Some(0x9000_0000), None, None]);
        assert_eq!(leaves[2], (0x3000, Leaf::Swapped(7)));
        assert_eq!(table.translate(0x2004), Some((0x3c10_0004, uncached)));
    }

    #[test]
    fn present_pages_walks_only_what_is_mapped() {
        let mut memory = HostTables::new(16);
        let mut table = PageTable::new(&mut memory).unwrap();
        let user = Attributes::user(Protection::READ_WRITE);
        for va in [0x1000usize, 0x3000, 0x40_0000_0000] {
            table
                .set_page(va, 0x9000_0000 + va % 0x10_0000, user)
                .unwrap();
        }
        assert_eq!(
            table.present_pages(0..1 << 47),
            [
                (0x1000, 0x9000_1000),
                (0x3000, 0x9000_3000),
                (0x40_0000_0000, 0x9000_0000)
            ]
        );
        assert_eq!(table.present_pages(0x2000..0x4000), [(0x3000, 0x9000_3000)]);
        assert!(table.present_pages(0x5000..0x40_0000_0000).is_empty());
    }

    #[test]
    fn swapped_pages_are_recorded_listed_and_keep_their_tables() {
        let mut memory = HostTables::new(16);
        let mut table = PageTable::new(&mut memory).unwrap();
        let user = Attributes::user(Protection::READ_WRITE);
        table.set_page(0x1000, 0x9000_0000, user).unwrap();
        table.set_swapped(0x2000, (3 << 32) | 77).unwrap();
        assert_eq!(table.leaf(0x2000), Leaf::Swapped((3 << 32) | 77));
        assert_eq!(table.translate(0x2000), None);
        assert_eq!(table.present_pages(0..0x10_0000), [(0x1000, 0x9000_0000)]);
        assert_eq!(
            table.swapped_pages(0..0x10_0000),
            [(0x2000, (3 << 32) | 77)]
        );
        table.unmap_page(0x1000).unwrap();
        assert!(!table.release_empty_tables(0..1 << 47, |_| {}));
        assert_eq!(table.clear_swapped(0x2000), Some((3 << 32) | 77));
        assert_eq!(table.leaf(0x2000), Leaf::Absent);
        assert!(table.release_empty_tables(0..1 << 47, |_| {}));
    }

    #[test]
    fn the_access_flag_is_cleared_and_set_again() {
        let mut memory = HostTables::new(16);
        let mut table = PageTable::new(&mut memory).unwrap();
        let user = Attributes::user(Protection::READ_WRITE);
        table.set_page(0x1000, 0x9000_0000, user).unwrap();
        let accessed = |table: &mut PageTable<'_, HostTables>| match table.leaf(0x1000) {
            Leaf::Present { accessed, .. } => accessed,
            other => panic!("{other:?}"),
        };
        assert!(accessed(&mut table));
        assert!(table.clear_accessed(0x1000));
        assert!(!accessed(&mut table));
        assert!(!table.clear_accessed(0x1000));
        assert!(table.set_accessed(0x1000));
        assert!(!table.set_accessed(0x1000));
        assert!(accessed(&mut table));
        assert!(!table.clear_accessed(0x5000));
    }

    #[test]
    fn empty_tables_are_released_and_busy_ones_kept() {
        let mut memory = HostTables::new(16);
        let mut table = PageTable::new(&mut memory).unwrap();
        let user = Attributes::user(Protection::READ_WRITE);
        table.set_page(0x1000, 0x9000_0000, user).unwrap();
        table.set_page(0x40_0000_0000, 0x9000_1000, user).unwrap();
        let tables_before = memory.tables.len();
        let mut table = PageTable::at(memory.base, &mut memory);
        table.unmap_page(0x40_0000_0000).unwrap();
        let mut freed = Vec::new();
        assert!(table.release_empty_tables(0..1 << 47, |pa| freed.push(pa)));
        assert_eq!(freed.len(), 2, "the L2 and L3 only the unmapped page used");
        assert_eq!(table.translate(0x1000).map(|(pa, _)| pa), Some(0x9000_0000));
        assert!(!table.release_empty_tables(0..1 << 47, |_| panic!("nothing is empty")));
        assert_eq!(
            tables_before, 6,
            "root, a shared L1, and an L2 and L3 per page"
        );
    }

    #[test]
    fn prepared_tables_make_mapping_allocation_free() {
        let mut memory = HostTables::new(8);
        let mut table = PageTable::new(&mut memory).unwrap();
        table.prepare_tables(KERNEL..KERNEL + (4 << 20)).unwrap();
        let tables = memory.tables.len();
        let mut table = PageTable::at(memory.base, &mut memory);
        for page in (KERNEL..KERNEL + (4 << 20)).step_by(1 << 20) {
            table
                .map(
                    page,
                    0x1000,
                    PAGE_SIZE,
                    Attributes::KERNEL_DATA,
                    Granularity::Pages,
                )
                .unwrap();
        }
        assert_eq!(memory.tables.len(), tables);
        assert_eq!(tables, 5, "root, L1, L2 and two L3 tables");
    }

    #[test]
    fn destroy_releases_every_page_and_frees_every_table_once() {
        let mut memory = HostTables::new(16);
        let mut table = PageTable::new(&mut memory).unwrap();
        let user = Attributes::user(Protection::READ_WRITE);
        for (i, va) in [0x1000usize, 0x2000, 0x4000_0000, 0x7f_0000_0000]
            .into_iter()
            .enumerate()
        {
            table
                .map(
                    va,
                    0x9000_0000 + i * PAGE_SIZE,
                    PAGE_SIZE,
                    user,
                    Granularity::Pages,
                )
                .unwrap();
        }
        let tables = memory.tables.len();
        let mut freed = Vec::new();
        let mut released = Vec::new();
        PageTable::at(memory.base, &mut memory).destroy(
            |va, leaf| released.push((va, leaf.ram_frame())),
            |pa| freed.push(pa),
        );
        released.sort();
        assert_eq!(
            released,
            [
                (0x1000, Some(0x9000_0000)),
                (0x2000, Some(0x9000_1000)),
                (0x4000_0000, Some(0x9000_2000)),
                (0x7f_0000_0000, Some(0x9000_3000)),
            ],
            "every page is released once, at its address"
        );
        assert_eq!(freed.len(), tables);
        assert_eq!(freed.last(), Some(&memory.base), "the root goes last");
        freed.sort();
        freed.dedup();
        assert_eq!(freed.len(), tables);
        assert!(
            freed.iter().all(|pa| *pa < 0x9000_0000),
            "no page is freed as a table"
        );
    }

    #[test]
    fn attributes_round_trip_through_descriptors() {
        for attributes in [
            Attributes::KERNEL_TEXT,
            Attributes::KERNEL_RODATA,
            Attributes::KERNEL_DATA,
            Attributes::DEVICE,
            Attributes::user(Protection::READ_EXECUTE),
            Attributes::user(Protection::READ_WRITE),
        ] {
            assert_eq!(
                Attributes::from_descriptor(attributes.descriptor_bits()),
                attributes
            );
        }
        let text = Attributes::KERNEL_TEXT.descriptor_bits();
        assert_eq!(text & bits::PXN, 0, "kernel text is executable");
        assert_ne!(text & bits::AP_READ_ONLY, 0, "kernel text is read-only");
        assert_ne!(Attributes::KERNEL_DATA.descriptor_bits() & bits::PXN, 0);
    }

    #[test]
    fn double_map_and_misalignment_are_errors() {
        let mut memory = HostTables::new(16);
        let mut table = PageTable::new(&mut memory).unwrap();
        table
            .map(
                KERNEL,
                0x1000,
                PAGE_SIZE,
                Attributes::KERNEL_DATA,
                Granularity::Pages,
            )
            .unwrap();
        assert_eq!(
            table.map(
                KERNEL,
                0x2000,
                PAGE_SIZE,
                Attributes::KERNEL_DATA,
                Granularity::Pages
            ),
            Err(MapError::AlreadyMapped { va: KERNEL })
        );
        assert_eq!(
            table.map(
                KERNEL + 1,
                0x2000,
                PAGE_SIZE,
                Attributes::KERNEL_DATA,
                Granularity::Pages
            ),
            Err(MapError::Misaligned)
        );
    }

    #[test]
    fn running_out_of_table_frames_is_an_error() {
        let mut memory = HostTables::new(2);
        let mut table = PageTable::new(&mut memory).unwrap();
        assert_eq!(
            table.map(
                KERNEL,
                0,
                PAGE_SIZE,
                Attributes::KERNEL_DATA,
                Granularity::Pages
            ),
            Err(MapError::OutOfTables)
        );
    }
}
