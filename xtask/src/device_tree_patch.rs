//! Adding a node to a flattened device tree (the Devicetree Specification's DTB format), for
//! giving Linux a device QEMU's own tree does not describe.

use anyhow::{Result, bail, ensure};

const MAGIC: u32 = 0xd00d_feed;
const BEGIN_NODE: u32 = 1;
const END_NODE: u32 = 2;
const PROP: u32 = 3;
const END: u32 = 9;
/// Header fields, by their byte offsets.
const TOTAL_SIZE: usize = 4;
const STRUCT_OFFSET: usize = 8;
const STRINGS_OFFSET: usize = 12;
const STRINGS_SIZE: usize = 32;
const STRUCT_SIZE: usize = 36;

/// A property's value as the tree stores it.
pub enum Value<'a> {
    Cells(&'a [u32]),
    String(&'a str),
}

impl Value<'_> {
    fn bytes(&self) -> Vec<u8> {
        match self {
            Value::Cells(cells) => cells.iter().flat_map(|cell| cell.to_be_bytes()).collect(),
            Value::String(text) => [text.as_bytes(), &[0]].concat(),
        }
    }
}

fn field(dtb: &[u8], offset: usize) -> Result<usize> {
    let bytes = dtb
        .get(offset..offset + 4)
        .ok_or_else(|| anyhow::anyhow!("truncated"))?;
    Ok(u32::from_be_bytes(bytes.try_into()?) as usize)
}

fn set_field(dtb: &mut [u8], offset: usize, value: usize) -> Result<()> {
    dtb[offset..offset + 4].copy_from_slice(&u32::try_from(value)?.to_be_bytes());
    Ok(())
}

fn push_word(out: &mut Vec<u8>, word: u32) {
    out.extend(word.to_be_bytes());
}

fn push_padded(out: &mut Vec<u8>, bytes: &[u8]) {
    out.extend(bytes);
    out.resize(out.len().next_multiple_of(4), 0);
}

/// `dtb` with a node `name` holding `properties` added as the root's last child. The tree
/// must be laid out as compilers and QEMU write it: header, reservations, structure, strings.
pub fn add_root_node(dtb: &[u8], name: &str, properties: &[(&str, Value)]) -> Result<Vec<u8>> {
    ensure!(
        field(dtb, 0)? == MAGIC as usize,
        "not a flattened device tree"
    );
    let (struct_offset, struct_size) = (field(dtb, STRUCT_OFFSET)?, field(dtb, STRUCT_SIZE)?);
    let (strings_offset, strings_size) = (field(dtb, STRINGS_OFFSET)?, field(dtb, STRINGS_SIZE)?);
    if strings_offset != struct_offset + struct_size || dtb.len() < strings_offset + strings_size {
        bail!("the device tree's blocks are not in the usual order");
    }
    let structure = &dtb[struct_offset..strings_offset];
    // The structure ends with the root's END_NODE, then END: the new node goes before both.
    let tail = struct_size.checked_sub(8).filter(|tail| {
        field(structure, *tail).ok() == Some(END_NODE as usize)
            && field(structure, tail + 4).ok() == Some(END as usize)
    });
    let Some(tail) = tail else {
        bail!("the device tree's structure does not end with the root node");
    };

    let mut strings = dtb[strings_offset..strings_offset + strings_size].to_vec();
    let mut node = Vec::new();
    push_word(&mut node, BEGIN_NODE);
    push_padded(&mut node, &[name.as_bytes(), &[0]].concat());
    for (property, value) in properties {
        let bytes = value.bytes();
        push_word(&mut node, PROP);
        push_word(&mut node, u32::try_from(bytes.len())?);
        push_word(&mut node, u32::try_from(strings.len())?);
        push_padded(&mut node, &bytes);
        strings.extend(property.as_bytes());
        strings.push(0);
    }
    push_word(&mut node, END_NODE);

    let mut out = dtb[..struct_offset].to_vec();
    out.extend(&structure[..tail]);
    out.extend(&node);
    out.extend(&structure[tail..]);
    let new_struct_size = struct_size + node.len();
    out.extend(&strings);
    let total_size = out.len();
    set_field(&mut out, TOTAL_SIZE, total_size)?;
    set_field(&mut out, STRINGS_OFFSET, struct_offset + new_struct_size)?;
    set_field(&mut out, STRINGS_SIZE, strings.len())?;
    set_field(&mut out, STRUCT_SIZE, new_struct_size)?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A tree with a root holding `#address-cells = <2>` and a `memory` child.
    fn small_tree() -> Vec<u8> {
        let mut structure = Vec::new();
        push_word(&mut structure, BEGIN_NODE);
        push_padded(&mut structure, b"\0");
        push_word(&mut structure, PROP);
        push_word(&mut structure, 4);
        push_word(&mut structure, 0);
        push_word(&mut structure, 2);
        push_word(&mut structure, BEGIN_NODE);
        push_padded(&mut structure, b"memory@40000000\0");
        push_word(&mut structure, END_NODE);
        push_word(&mut structure, END_NODE);
        push_word(&mut structure, END);
        let strings = b"#address-cells\0".to_vec();
        let reservations = [0u8; 16];
        let struct_offset = 40 + reservations.len();
        let mut header = Vec::new();
        for word in [
            MAGIC as usize,
            struct_offset + structure.len() + strings.len(),
            struct_offset,
            struct_offset + structure.len(),
            40,
            17,
            16,
            0,
            strings.len(),
            structure.len(),
        ] {
            push_word(&mut header, word as u32);
        }
        [header, reservations.to_vec(), structure, strings].concat()
    }

    #[test]
    fn the_new_node_is_a_child_of_the_root_with_its_properties() {
        let patched = add_root_node(
            &small_tree(),
            "framebuffer@7f000000",
            &[
                ("compatible", Value::String("simple-framebuffer")),
                ("reg", Value::Cells(&[0, 0x7f00_0000, 0, 0x12_c000])),
            ],
        )
        .unwrap();
        let tree = fdt::Fdt::new(&patched).unwrap();
        let node = tree.find_node("/framebuffer@7f000000").unwrap();
        assert_eq!(
            node.property("compatible").unwrap().as_str(),
            Some("simple-framebuffer")
        );
        assert_eq!(
            node.property("reg").unwrap().value,
            [0, 0, 0, 0, 0x7f, 0, 0, 0, 0, 0, 0, 0, 0, 0x12, 0xc0, 0]
        );
        assert!(tree.find_node("/memory@40000000").is_some());
        assert_eq!(
            tree.root().property("#address-cells").unwrap().as_usize(),
            Some(2)
        );
    }

    #[test]
    fn what_is_not_a_tree_in_the_usual_layout_is_an_error() {
        assert!(add_root_node(b"not a tree at all, no", "x", &[]).is_err());
        let mut tree = small_tree();
        let end = field(&tree, STRUCT_OFFSET).unwrap() + field(&tree, STRUCT_SIZE).unwrap();
        tree[end - 8..end - 4].copy_from_slice(&PROP.to_be_bytes());
        assert!(add_root_node(&tree, "x", &[]).is_err());
    }
}
