//! Tests of the PAN state itself: PSTATE.PAN in hardware mode, the TTBR0 switch in software mode.

use super::user_memory::{READ_WRITE, UserMemory};
use super::{TestError, check, check_eq, ktest};
use crate::arch::aarch64::pan::{self, PanMode};
use crate::uaccess::{UserPtr, get_user};

ktest!(
    "pan",
    fn hardware_pan_stays_set_across_interrupts() {
        if pan::mode() != PanMode::Hardware {
            return Err(TestError::Skipped("PAN is not in hardware mode"));
        }
        check!(pan::pstate_pan(), "PSTATE.PAN is clear");
        super::timer::wait_for_ticks(2)?;
        check!(pan::pstate_pan(), "PSTATE.PAN is clear after interrupts");
        Ok(())
    }
);

ktest!(
    "pan",
    fn software_pan_keeps_ttbr0_empty_outside_uaccess() {
        if !pan::mode().switches_ttbr0() {
            return Err(TestError::Skipped("PAN does not switch TTBR0 in this mode"));
        }
        let empty = crate::mm::kernel_space::empty_table() as u64;
        let memory = UserMemory::new()?;
        check_eq!(pan::current_ttbr0(), empty);
        check_eq!(
            get_user(UserPtr::<u8>::new(READ_WRITE)),
            Ok(super::user_memory::pattern(READ_WRITE))
        );
        check_eq!(pan::current_ttbr0(), empty);
        super::timer::wait_for_ticks(2)?;
        check_eq!(pan::current_ttbr0(), empty);
        drop(memory);
        check_eq!(pan::current_ttbr0(), empty);
        Ok(())
    }
);
