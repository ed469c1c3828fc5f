//! The kernel-pointer scope (UAO): kernel buffers through uaccess inside it, EFAULT outside.

use super::user_memory::{READ_WRITE, UserMemory};
use super::{TestError, check, check_eq, ktest};
use crate::arch::aarch64::pan::{self, PanMode};
use crate::errno::EFAULT;
use crate::uaccess::scope::KernelPointers;
use crate::uaccess::{UserPtr, copy_from_user, copy_to_user, get_user, put_user};
use alloc::vec;

ktest!(
    "uaccess",
    fn kernel_buffer_only_inside_the_scope() {
        let mut kernel = vec![0x11u8; 256];
        let address = kernel.as_mut_ptr() as usize;
        let mut dst = [0u8; 256];
        check_eq!(copy_from_user(&mut dst, UserPtr::new(address)), 256);
        {
            let _scope = KernelPointers::enter();
            check_eq!(copy_from_user(&mut dst, UserPtr::new(address)), 0);
            check!(dst.iter().all(|&b| b == 0x11), "read the wrong bytes");
            check_eq!(copy_to_user(UserPtr::new(address + 128), &[0x22u8; 128]), 0);
            check_eq!(put_user(UserPtr::<u32>::new(address), 0x3333_3333), Ok(()));
            check_eq!(get_user(UserPtr::<u32>::new(address + 4)), Ok(0x1111_1111));
        }
        check_eq!(get_user(UserPtr::<u32>::new(address)), Err(EFAULT));
        check_eq!(put_user(UserPtr::<u32>::new(address), 0), Err(EFAULT));
        check!(
            kernel[..4].iter().all(|&b| b == 0x33),
            "put_user inside the scope missed"
        );
        check!(
            kernel[4..128].iter().all(|&b| b == 0x11),
            "bytes changed that nobody wrote"
        );
        check!(
            kernel[128..].iter().all(|&b| b == 0x22),
            "copy_to_user inside the scope missed"
        );
        Ok(())
    }
);

ktest!(
    "uaccess",
    fn scope_refuses_user_pointers() {
        if pan::mode() == PanMode::Off {
            return Err(TestError::Skipped(
                "with PAN off the kernel may read user pages",
            ));
        }
        let _memory = UserMemory::new()?;
        let _scope = KernelPointers::enter();
        // Inside the scope the routines check kernel permissions, and PAN keeps user pages out.
        let mut dst = [0xaau8; 8];
        check_eq!(copy_from_user(&mut dst, UserPtr::new(READ_WRITE)), 8);
        check_eq!(put_user(UserPtr::<u8>::new(READ_WRITE), 1), Err(EFAULT));
        Ok(())
    }
);

ktest!(
    "uaccess",
    fn scope_faults_cleanly_on_unmapped_kernel_addresses() {
        let _scope = KernelPointers::enter();
        check_eq!(
            get_user(UserPtr::<u64>::new(0xffff_8000_dead_0000)),
            Err(EFAULT)
        );
        let mut dst = [0xaau8; 100];
        check_eq!(
            copy_from_user(&mut dst, UserPtr::new(0xffff_8000_dead_0000 - 10)),
            100
        );
        check!(dst.iter().all(|&b| b == 0), "the tail was not zeroed");
        Ok(())
    }
);

ktest!(
    "uaccess",
    fn scope_nests_and_survives_timer_interrupts() {
        let kernel = [0x44u8; 64];
        let address = kernel.as_ptr() as usize;
        let outer = KernelPointers::enter();
        {
            let _inner = KernelPointers::enter();
        }
        check_eq!(get_user(UserPtr::<u8>::new(address)), Ok(0x44));
        super::timer::wait_for_ticks(3)?;
        check_eq!(get_user(UserPtr::<u8>::new(address + 63)), Ok(0x44));
        drop(outer);
        check_eq!(get_user(UserPtr::<u8>::new(address)), Err(EFAULT));
        Ok(())
    }
);
