//! A careful reader of flattened device trees (Devicetree Specification v0.4, chapter 5):
//! the memory, the reserved regions, the model and the command line.
//!
//! Written here rather than taken from a crate because the firmware's tree is input the
//! kernel must survive: every offset, length and string is checked, and anything malformed
//! is an error, never a panic. Pure logic, tested on the host.

use core::ops::Range;

const MAGIC: u32 = 0xd00d_feed;
const HEADER_LEN: usize = 40;
const FDT_BEGIN_NODE: u32 = 1;
const FDT_END_NODE: u32 = 2;
const FDT_PROP: u32 = 3;
const FDT_NOP: u32 = 4;
const FDT_END: u32 = 9;
/// Deeper trees than this are rejected (real ones are a handful of levels).
const MAX_DEPTH: usize = 16;
/// Memory and reserved regions kept; more are an error.
pub const MAX_REGIONS: usize = 16;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DtbError {
    BadMagic,
    Truncated,
    BadStructure,
    TooManyRegions,
}

/// A fixed-capacity list of physical ranges (the allocator needs them before the heap
/// exists). One slot more than the parser fills, so a complement always fits.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Regions {
    items: [Range<u64>; MAX_REGIONS + 1],
    len: usize,
}

impl Regions {
    const fn new() -> Self {
        Self {
            items: [const { 0..0 }; MAX_REGIONS + 1],
            len: 0,
        }
    }

    fn push(&mut self, region: Range<u64>) -> Result<(), DtbError> {
        if region.is_empty() {
            return Ok(());
        }
        if self.len == MAX_REGIONS {
            return Err(DtbError::TooManyRegions);
        }
        self.items[self.len] = region;
        self.len += 1;
        Ok(())
    }

    pub fn iter(&self) -> impl Iterator<Item = Range<u64>> + '_ {
        self.items[..self.len].iter().cloned()
    }

    /// The regions, by value.
    pub fn into_ranges(self) -> impl Iterator<Item = Range<u64>> {
        let len = self.len;
        self.items.into_iter().take(len)
    }

    /// The parts of `within` that none of these regions cover.
    pub fn gaps_within(&self, within: Range<u64>) -> Regions {
        let mut sorted = self.items.clone();
        sorted[..self.len].sort_unstable_by_key(|r| r.start);
        let mut gaps = Regions::new();
        let mut cursor = within.start;
        for region in &sorted[..self.len] {
            if region.start > cursor && cursor < within.end {
                gaps.items[gaps.len] = cursor..region.start.min(within.end);
                gaps.len += 1;
            }
            cursor = cursor.max(region.end);
        }
        if cursor < within.end {
            gaps.items[gaps.len] = cursor..within.end;
            gaps.len += 1;
        }
        gaps
    }
}

/// What the kernel takes from the device tree.
#[derive(Debug, PartialEq, Eq)]
pub struct DeviceTree<'a> {
    pub model: Option<&'a str>,
    pub bootargs: Option<&'a str>,
    /// RAM, from the `/memory` nodes.
    pub memory: Regions,
    /// RAM not to use: the memory reservation block and `/reserved-memory`.
    pub reserved: Regions,
    /// The tree's own size in bytes.
    pub total_size: usize,
}

fn be32(bytes: &[u8], offset: usize) -> Result<u32, DtbError> {
    let word = bytes
        .get(offset..offset.checked_add(4).ok_or(DtbError::Truncated)?)
        .ok_or(DtbError::Truncated)?;
    Ok(u32::from_be_bytes([word[0], word[1], word[2], word[3]]))
}

fn be64(bytes: &[u8], offset: usize) -> Result<u64, DtbError> {
    Ok((u64::from(be32(bytes, offset)?) << 32) | u64::from(be32(bytes, offset + 4)?))
}

/// The NUL-terminated string at `offset` of `bytes`.
fn c_string(bytes: &[u8], offset: usize) -> Result<&str, DtbError> {
    let tail = bytes.get(offset..).ok_or(DtbError::Truncated)?;
    let len = tail
        .iter()
        .position(|&b| b == 0)
        .ok_or(DtbError::Truncated)?;
    core::str::from_utf8(&tail[..len]).map_err(|_| DtbError::BadStructure)
}

/// A property value that is one string (NUL-terminated).
fn string_value(value: &[u8]) -> Option<&str> {
    let (nul, text) = value.split_last()?;
    (*nul == 0)
        .then(|| core::str::from_utf8(text).ok())
        .flatten()
}

/// Decodes `reg` (address and size cells of 1 or 2 words each) into `into`.
fn push_reg(value: &[u8], cells: (u32, u32), into: &mut Regions) -> Result<(), DtbError> {
    let read = |offset: usize, count: u32| match count {
        1 => be32(value, offset).map(u64::from),
        2 => be64(value, offset),
        _ => Err(DtbError::BadStructure),
    };
    let entry = 4 * (cells.0 + cells.1) as usize;
    if entry == 0 || !value.len().is_multiple_of(entry) {
        return Err(DtbError::BadStructure);
    }
    for offset in (0..value.len()).step_by(entry) {
        let start = read(offset, cells.0)?;
        let size = read(offset + 4 * cells.0 as usize, cells.1)?;
        into.push(start..start.checked_add(size).ok_or(DtbError::BadStructure)?)?;
    }
    Ok(())
}

/// Which node a property belongs to, as far as this reader cares.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Node {
    Root,
    Memory,
    Chosen,
    ReservedMemory,
    ReservedChild,
    Other,
}

/// Parses the tree at the start of `bytes`.
pub fn parse(bytes: &[u8]) -> Result<DeviceTree<'_>, DtbError> {
    if be32(bytes, 0)? != MAGIC {
        return Err(DtbError::BadMagic);
    }
    let total_size = be32(bytes, 4)? as usize;
    if total_size < HEADER_LEN || total_size > bytes.len() {
        return Err(DtbError::Truncated);
    }
    let bytes = &bytes[..total_size];
    let block = |offset_field: usize, size_field: usize| -> Result<&[u8], DtbError> {
        let start = be32(bytes, offset_field)? as usize;
        let size = be32(bytes, size_field)? as usize;
        bytes
            .get(start..start.checked_add(size).ok_or(DtbError::Truncated)?)
            .ok_or(DtbError::Truncated)
    };
    let structure = block(8, 36)?;
    let strings = block(12, 32)?;
    let mut tree = DeviceTree {
        model: None,
        bootargs: None,
        memory: Regions::new(),
        reserved: Regions::new(),
        total_size,
    };
    read_reservations(bytes, be32(bytes, 16)? as usize, &mut tree.reserved)?;

    let mut path = [Node::Other; MAX_DEPTH];
    let mut depth = 0usize;
    // #address-cells/#size-cells of the root and of /reserved-memory (defaults: 2 and 1).
    let mut root_cells = (2, 1);
    let mut reserved_cells = (2, 1);
    let mut offset = 0;
    loop {
        let token = be32(structure, offset)?;
        offset += 4;
        match token {
            FDT_BEGIN_NODE => {
                let name = c_string(structure, offset)?;
                offset = (offset + name.len() + 1).next_multiple_of(4);
                let parent = depth.checked_sub(1).map(|d| path[d]);
                let node = match (parent, name.split('@').next().unwrap_or(name)) {
                    (None, _) => Node::Root,
                    (Some(Node::Root), "memory") => Node::Memory,
                    (Some(Node::Root), "chosen") => Node::Chosen,
                    (Some(Node::Root), "reserved-memory") => Node::ReservedMemory,
                    (Some(Node::ReservedMemory), _) => Node::ReservedChild,
                    _ => Node::Other,
                };
                *path.get_mut(depth).ok_or(DtbError::BadStructure)? = node;
                depth += 1;
            }
            FDT_END_NODE => depth = depth.checked_sub(1).ok_or(DtbError::BadStructure)?,
            FDT_PROP => {
                let len = be32(structure, offset)? as usize;
                let name = c_string(strings, be32(structure, offset + 4)? as usize)?;
                let value_start = offset + 8;
                let value = structure
                    .get(value_start..value_start.checked_add(len).ok_or(DtbError::Truncated)?)
                    .ok_or(DtbError::Truncated)?;
                offset = (value_start + len).next_multiple_of(4);
                let node = depth
                    .checked_sub(1)
                    .map(|d| path[d])
                    .ok_or(DtbError::BadStructure)?;
                match (node, name) {
                    (Node::Root, "#address-cells") => root_cells.0 = be32(value, 0)?,
                    (Node::Root, "#size-cells") => root_cells.1 = be32(value, 0)?,
                    (Node::Root, "model") => tree.model = string_value(value),
                    (Node::Chosen, "bootargs") => tree.bootargs = string_value(value),
                    (Node::Memory, "reg") => push_reg(value, root_cells, &mut tree.memory)?,
                    (Node::ReservedMemory, "#address-cells") => reserved_cells.0 = be32(value, 0)?,
                    (Node::ReservedMemory, "#size-cells") => reserved_cells.1 = be32(value, 0)?,
                    (Node::ReservedChild, "reg") => {
                        push_reg(value, reserved_cells, &mut tree.reserved)?
                    }
                    _ => {}
                }
            }
            FDT_NOP => {}
            FDT_END if depth == 0 => return Ok(tree),
            _ => return Err(DtbError::BadStructure),
        }
    }
}

/// The memory reservation block: (address, size) pairs of u64 up to a (0, 0).
fn read_reservations(bytes: &[u8], mut offset: usize, into: &mut Regions) -> Result<(), DtbError> {
    loop {
        let (address, size) = (be64(bytes, offset)?, be64(bytes, offset + 8)?);
        if address == 0 && size == 0 {
            return Ok(());
        }
        into.push(address..address.checked_add(size).ok_or(DtbError::BadStructure)?)?;
        offset += 16;
    }
}

#[cfg(test)]
pub mod tests {
    use super::*;

    /// A node for [`build`]: depth, name, and (property, value) pairs.
    pub type TestNode<'a> = (usize, &'a str, &'a [(&'a str, &'a [u8])]);

    /// Builds a device tree from a flat list of nodes in document order.
    pub fn build(reservations: &[(u64, u64)], nodes: &[TestNode<'_>]) -> Vec<u8> {
        let mut structure = Vec::new();
        let mut strings: Vec<u8> = Vec::new();
        let word = |out: &mut Vec<u8>, value: u32| out.extend_from_slice(&value.to_be_bytes());
        let mut depth = 0;
        for (node_depth, name, properties) in nodes {
            while depth > *node_depth {
                word(&mut structure, FDT_END_NODE);
                depth -= 1;
            }
            word(&mut structure, FDT_BEGIN_NODE);
            structure.extend_from_slice(name.as_bytes());
            structure.push(0);
            structure.resize(structure.len().next_multiple_of(4), 0);
            for (key, value) in *properties {
                let name_offset = strings.len() as u32;
                strings.extend_from_slice(key.as_bytes());
                strings.push(0);
                word(&mut structure, FDT_PROP);
                word(&mut structure, value.len() as u32);
                word(&mut structure, name_offset);
                structure.extend_from_slice(value);
                structure.resize(structure.len().next_multiple_of(4), 0);
            }
            depth = node_depth + 1;
        }
        for _ in 0..depth {
            word(&mut structure, FDT_END_NODE);
        }
        word(&mut structure, FDT_END);
        let mut map = Vec::new();
        for (address, size) in reservations.iter().chain(&[(0, 0)]) {
            map.extend_from_slice(&address.to_be_bytes());
            map.extend_from_slice(&size.to_be_bytes());
        }
        let map_offset = HEADER_LEN;
        let structure_offset = map_offset + map.len();
        let strings_offset = structure_offset + structure.len();
        let total = strings_offset + strings.len();
        let mut out = Vec::new();
        for field in [
            MAGIC,
            total as u32,
            structure_offset as u32,
            strings_offset as u32,
            map_offset as u32,
            17,
            16,
            0,
            strings.len() as u32,
            structure.len() as u32,
        ] {
            word(&mut out, field);
        }
        out.extend_from_slice(&map);
        out.extend_from_slice(&structure);
        out.extend_from_slice(&strings);
        out
    }

    fn cells(values: &[u32]) -> Vec<u8> {
        values.iter().flat_map(|v| v.to_be_bytes()).collect()
    }

    fn pi_like() -> Vec<u8> {
        let two = cells(&[2]);
        let one = cells(&[1]);
        let memory = cells(&[0, 0, 0x3b40_0000, 0, 0x4000_0000, 0x3c00_0000]);
        let reserved = cells(&[0, 0x3b40_0000, 0x40_0000]);
        build(
            &[(0, 0x1000)],
            &[
                (
                    0,
                    "",
                    &[
                        ("#address-cells", &two),
                        ("#size-cells", &one),
                        ("model", b"Raspberry Pi 4 Model B Rev 1.4\0"),
                    ],
                ),
                (1, "chosen", &[("bootargs", b"pan=software -- --test\0")]),
                (
                    1,
                    "memory@0",
                    &[("device_type", b"memory\0"), ("reg", &memory)],
                ),
                (
                    1,
                    "reserved-memory",
                    &[("#address-cells", &two), ("#size-cells", &one)],
                ),
                (2, "linux,cma", &[("reg", &reserved)]),
                (1, "soc", &[("reg", &cells(&[1, 2, 3]))]),
            ],
        )
    }

    #[test]
    fn reads_model_bootargs_memory_and_reservations() {
        let bytes = pi_like();
        let tree = parse(&bytes).unwrap();
        assert_eq!(tree.model, Some("Raspberry Pi 4 Model B Rev 1.4"));
        assert_eq!(tree.bootargs, Some("pan=software -- --test"));
        assert_eq!(
            tree.memory.iter().collect::<Vec<_>>(),
            [0..0x3b40_0000, 0x4000_0000..0x7c00_0000]
        );
        assert_eq!(
            tree.reserved.iter().collect::<Vec<_>>(),
            [0..0x1000, 0x3b40_0000..0x3b80_0000]
        );
        assert_eq!(tree.total_size, bytes.len());
    }

    #[test]
    fn gaps_are_what_the_memory_nodes_leave_out() {
        let tree_bytes = pi_like();
        let tree = parse(&tree_bytes).unwrap();
        let gaps: Vec<_> = tree.memory.gaps_within(0..0x8000_0000).iter().collect();
        assert_eq!(gaps, [0x3b40_0000..0x4000_0000, 0x7c00_0000..0x8000_0000]);
        assert_eq!(tree.memory.gaps_within(0..0x3b40_0000).iter().count(), 0);
        let whole: Vec<_> = Regions::new().gaps_within(5..9).iter().collect();
        assert_eq!(whole, vec![5..9]);
    }

    #[test]
    fn every_truncation_and_single_byte_corruption_is_an_error_or_a_tree_never_a_panic() {
        let bytes = pi_like();
        for len in 0..bytes.len() {
            assert!(parse(&bytes[..len]).is_err(), "a {len}-byte prefix parsed");
        }
        for index in 0..bytes.len() {
            for flip in [0x01u8, 0x80, 0xff] {
                let mut corrupt = bytes.clone();
                corrupt[index] ^= flip;
                let _ = parse(&corrupt);
            }
        }
    }

    #[test]
    fn rejects_garbage_and_structural_errors() {
        assert_eq!(parse(&[0; 64]), Err(DtbError::BadMagic));
        let unterminated = {
            // Replace the FDT_END that closes the structure block with a NOP.
            let mut bytes = pi_like();
            let strings = be32(&bytes, 12).unwrap() as usize;
            bytes[strings - 4..strings].copy_from_slice(&FDT_NOP.to_be_bytes());
            bytes
        };
        assert_eq!(parse(&unterminated), Err(DtbError::Truncated));
        let deep: Vec<_> = (0..=MAX_DEPTH).map(|depth| (depth, "n", &[][..])).collect();
        assert_eq!(parse(&build(&[], &deep)), Err(DtbError::BadStructure));
    }
}
