//! Tests of the exception table as linked: sorted, valid, and found by the fault handler.

use super::{check, check_eq, ktest};
use crate::mm::image;
use crate::uaccess::extable;
use ::extable::{ENTRY_SIZE, Kind};

ktest!(
    "extable",
    fn sorted_and_every_entry_valid() {
        let entries = extable::entries();
        check!(entries.len() >= 26, "only {} entries", entries.len());
        let text = image::text();
        let mut previous = 0;
        for (i, entry) in entries.iter().enumerate() {
            let resolved = entry.resolve(extable::base() + (i * ENTRY_SIZE) as u64);
            check!(resolved.instruction > previous, "entry {i} is out of order");
            previous = resolved.instruction;
            let kind = Kind::from_raw(resolved.kind);
            check!(kind.is_some(), "entry {i} has kind {}", resolved.kind);
            for address in [resolved.instruction, resolved.fixup] {
                check!(
                    text.contains(&(address as usize)),
                    "entry {i} points outside the text: {address:#x}"
                );
            }
            // SAFETY: the instruction lies in the kernel text, which is mapped and readable.
            let instruction = unsafe { (resolved.instruction as *const u32).read() };
            check!(
                kind.is_some_and(|k| k.accepts(instruction)),
                "entry {i} guards {instruction:#010x}"
            );
        }
        Ok(())
    }
);

ktest!(
    "extable",
    fn lookup_finds_every_entry_and_nothing_between() {
        let entries = extable::entries();
        let resolved: alloc::vec::Vec<_> = entries
            .iter()
            .enumerate()
            .map(|(i, e)| e.resolve(extable::base() + (i * ENTRY_SIZE) as u64))
            .collect();
        for entry in &resolved {
            check_eq!(extable::fixup_for(entry.instruction), Some(*entry));
            for neighbour in [entry.instruction - 4, entry.instruction + 4] {
                let is_entry = resolved.iter().any(|e| e.instruction == neighbour);
                check_eq!(extable::fixup_for(neighbour).is_some(), is_entry);
            }
        }
        check_eq!(extable::fixup_for(image::text().start as u64), None);
        Ok(())
    }
);
