//! ASID generations: more address spaces than ASIDs still each see their own memory.

use super::{OrFail, check, check_eq, ktest};
use crate::arch::aarch64::cpu;
use crate::mm::address_space::{self, AddressSpace, Protection};
use crate::uaccess::{UserPtr, get_user};
use alloc::vec::Vec;

const PAGE: usize = 0x1_0000;

/// Puts the CPU's full ASID range back, and no address space, when the test ends.
struct Restore;

impl Drop for Restore {
    fn drop(&mut self) {
        address_space::switch_to(None);
        address_space::limit_asids(1 << cpu::id().asid_bits());
    }
}

ktest!(
    "asid",
    fn generations_roll_over_and_spaces_stay_apart() {
        let _restore = Restore;
        // Three user ASIDs for six address spaces: every round runs through generations.
        address_space::limit_asids(4);
        let spaces: Vec<_> = (0..6u8)
            .map(|i| {
                let space = AddressSpace::new().or_fail("new")?;
                space
                    .reserve(PAGE..PAGE + 4096, Protection::READ_WRITE)
                    .or_fail("reserve")?;
                space.write_bytes(PAGE, &[i; 8]).or_fail("write")?;
                Ok(space)
            })
            .collect::<Result<_, _>>()?;
        for _round in 0..3 {
            for (i, space) in spaces.iter().enumerate() {
                address_space::switch_to(Some(space.clone()));
                check_eq!(get_user(UserPtr::<u8>::new(PAGE)), Ok(i as u8));
            }
        }
        Ok(())
    }
);
