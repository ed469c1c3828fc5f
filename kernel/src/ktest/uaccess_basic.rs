//! uaccess on valid and invalid pointers: round trips, single values, kernel addresses,
//! `access_ok` edges, and demand paging from inside uaccess.

use super::user_memory::{LAZY, LAZY_PAGES, READ_WRITE, UserMemory, pattern};
use super::{OrFail, check, check_eq, ktest};
use crate::arch::aarch64::uaccess::UNPRIVILEGED;
use crate::errno::EFAULT;
use crate::mm::page_table::PAGE_SIZE;
use crate::mm::{USER_TOP, frames};
use crate::uaccess::{
    UserCStr, UserPtr, UserSlice, access_ok, clear_user, copies_use_mops, copy_from_user,
    copy_to_user, get_user, put_user, strncpy_from_user, strnlen_user,
};
use alloc::vec;
use alloc::vec::Vec;

ktest!(
    "uaccess",
    fn full_page_round_trips() {
        let memory = UserMemory::new()?;
        let page = READ_WRITE + PAGE_SIZE;
        let mut from_user = vec![0u8; PAGE_SIZE];
        check_eq!(copy_from_user(&mut from_user, UserPtr::new(page)), 0);
        check!(
            from_user
                .iter()
                .enumerate()
                .all(|(i, &b)| b == pattern(page + i)),
            "copy_from_user read wrong bytes"
        );
        let to_user: Vec<u8> = (0..PAGE_SIZE).map(|i| (i * 13) as u8).collect();
        check_eq!(copy_to_user(UserPtr::new(page), &to_user), 0);
        check!(
            memory.read(page..page + PAGE_SIZE)? == to_user,
            "copy_to_user wrote wrong bytes"
        );
        check_eq!(clear_user(UserSlice::new(page, PAGE_SIZE)), 0);
        check!(
            memory.read(page..page + PAGE_SIZE)?.iter().all(|&b| b == 0),
            "clear_user left bytes"
        );
        Ok(())
    }
);

ktest!(
    "uaccess",
    fn get_and_put_every_size() {
        let memory = UserMemory::new()?;
        let at = READ_WRITE + 0x100;
        put_user(UserPtr::<u8>::new(at), 0x5a).or_fail("put u8")?;
        check_eq!(memory.read(at..at + 1)?, [0x5a]);
        check_eq!(get_user(UserPtr::<u8>::new(at)), Ok(0x5a));
        put_user(UserPtr::<u16>::new(at), 0x5a5b).or_fail("put u16")?;
        check_eq!(memory.read(at..at + 2)?, 0x5a5bu16.to_le_bytes());
        check_eq!(get_user(UserPtr::<u16>::new(at)), Ok(0x5a5b));
        put_user(UserPtr::<u32>::new(at), 0x5a5b_5c5d).or_fail("put u32")?;
        check_eq!(memory.read(at..at + 4)?, 0x5a5b_5c5du32.to_le_bytes());
        check_eq!(get_user(UserPtr::<u32>::new(at)), Ok(0x5a5b_5c5d));
        put_user(UserPtr::<u64>::new(at), 0x5a5b_5c5d_6a6b_6c6d).or_fail("put u64")?;
        check_eq!(
            memory.read(at..at + 8)?,
            0x5a5b_5c5d_6a6b_6c6du64.to_le_bytes()
        );
        check_eq!(get_user(UserPtr::<u64>::new(at)), Ok(0x5a5b_5c5d_6a6b_6c6d));
        // Misaligned and page-straddling single values.
        let straddle = READ_WRITE + PAGE_SIZE - 3;
        put_user(UserPtr::<u64>::new(straddle), 0x0102_0304_0506_0708)
            .or_fail("put straddling u64")?;
        check_eq!(
            get_user(UserPtr::<u64>::new(straddle)),
            Ok(0x0102_0304_0506_0708)
        );
        Ok(())
    }
);

/// Addresses that are never user memory: kernel data, kernel text, the top of the kernel half.
fn kernel_addresses(buffer: &[u8]) -> [usize; 3] {
    [
        buffer.as_ptr() as usize,
        crate::mm::image::text().start,
        usize::MAX - 7,
    ]
}

ktest!(
    "uaccess",
    fn kernel_addresses_are_rejected_by_every_function() {
        let _memory = UserMemory::new()?;
        let kernel = [0x77u8; 64];
        for address in kernel_addresses(&kernel) {
            let mut dst = [0xaau8; 16];
            check_eq!(copy_from_user(&mut dst, UserPtr::new(address)), 16);
            check!(
                dst.iter().all(|&b| b == 0),
                "copy_from_user({address:#x}) left the buffer unzeroed"
            );
            check_eq!(copy_to_user(UserPtr::new(address), &[1u8; 16]), 16);
            check_eq!(clear_user(UserSlice::new(address, 16)), 16);
            check_eq!(get_user(UserPtr::<u64>::new(address)), Err(EFAULT));
            check_eq!(put_user(UserPtr::<u64>::new(address), 0x1234), Err(EFAULT));
            check_eq!(strnlen_user(UserCStr::new(address), 16), 0);
            check_eq!(
                strncpy_from_user(&mut dst, UserCStr::new(address)),
                Err(EFAULT)
            );
        }
        check!(
            kernel.iter().all(|&b| b == 0x77),
            "a kernel buffer was written through uaccess"
        );
        Ok(())
    }
);

ktest!(
    "uaccess",
    fn unprivileged_loads_fault_on_kernel_memory_and_yield_zero() {
        // Past access_ok: the LDTR/STTR themselves must refuse kernel pages.
        let kernel = [0x77u8; 64];
        let address = kernel.as_ptr() as usize;
        // SAFETY: the routines fault (and are fixed up) instead of touching kernel memory.
        let (read, written) = unsafe {
            (
                (UNPRIVILEGED.get[3])(address),
                (UNPRIVILEGED.put[3])(address, 0x1234),
            )
        };
        check_eq!(read.value, 0);
        check_eq!(read.error, -(EFAULT.0 as i64));
        check_eq!(written, -(EFAULT.0 as isize));
        check!(
            kernel.iter().all(|&b| b == 0x77),
            "STTR wrote a kernel page"
        );
        Ok(())
    }
);

ktest!(
    "uaccess",
    fn null_and_unmapped_pointers_fault() {
        let _memory = UserMemory::new()?;
        for address in [0usize, 8, 0x7000_0000, USER_TOP - PAGE_SIZE] {
            let mut dst = [0xaau8; 32];
            check_eq!(copy_from_user(&mut dst, UserPtr::new(address)), 32);
            check!(
                dst.iter().all(|&b| b == 0),
                "tail not zeroed for {address:#x}"
            );
            check_eq!(copy_to_user(UserPtr::new(address), &[1u8; 32]), 32);
            check_eq!(get_user(UserPtr::<u32>::new(address)), Err(EFAULT));
            check_eq!(put_user(UserPtr::<u32>::new(address), 1), Err(EFAULT));
        }
        Ok(())
    }
);

ktest!(
    "uaccess",
    fn values_reaching_past_user_top_or_tagged_fault() {
        let _memory = UserMemory::new()?;
        let tagged = (1usize << 56) | READ_WRITE;
        for address in [USER_TOP - 4, USER_TOP - 1, USER_TOP, tagged] {
            check_eq!(get_user(UserPtr::<u64>::new(address)), Err(EFAULT));
            check_eq!(put_user(UserPtr::<u64>::new(address), 1), Err(EFAULT));
            check_eq!(get_user(UserPtr::<u16>::new(address)), Err(EFAULT));
            check_eq!(put_user(UserPtr::<u16>::new(address), 1), Err(EFAULT));
        }
        Ok(())
    }
);

ktest!(
    "uaccess",
    fn copies_use_mops_exactly_where_the_cpu_has_it() {
        // Every other uaccess test then runs the MOPS forms on such a CPU (virt/max).
        check_eq!(
            copies_use_mops(),
            crate::arch::aarch64::cpu::id().has_mops()
        );
        Ok(())
    }
);

ktest!(
    "uaccess",
    fn access_ok_edges() {
        check!(access_ok(0, 0), "empty range at 0");
        check!(access_ok(USER_TOP, 0), "empty range at USER_TOP");
        check!(access_ok(0, USER_TOP), "the whole lower half");
        check!(
            access_ok(USER_TOP - 8, 8),
            "a range ending exactly at USER_TOP"
        );
        check!(!access_ok(USER_TOP - 8, 9), "a range ending past USER_TOP");
        check!(!access_ok(1, USER_TOP), "the whole lower half plus one");
        check!(!access_ok(usize::MAX, 2), "a wrapping range");
        check!(!access_ok(8, usize::MAX), "a wrapping size");
        check!(!access_ok(0xffff_0000_0000_0000, 1), "the kernel half");
        check!(!access_ok(USER_TOP, 1), "the first kernel-half byte");
        Ok(())
    }
);

ktest!(
    "uaccess",
    fn demand_paging_inside_uaccess() {
        let memory = UserMemory::new()?;
        check!(!memory.is_present(LAZY), "the lazy region starts populated");
        let free_before = frames::free_frames();
        let data: Vec<u8> = (0..2 * PAGE_SIZE).map(|i| i as u8 ^ 0x5c).collect();
        let at = LAZY + PAGE_SIZE / 2;
        check_eq!(copy_to_user(UserPtr::new(at), &data), 0);
        check!(
            memory.read(at..at + data.len())? == data,
            "demand-paged bytes differ"
        );
        check_eq!(frames::free_frames(), free_before - 3);
        // A read of an untouched page gives zeroes and populates it too.
        let last = LAZY + (LAZY_PAGES - 1) * PAGE_SIZE;
        let mut zeroes = [0xffu8; 64];
        check_eq!(copy_from_user(&mut zeroes, UserPtr::new(last)), 0);
        check!(zeroes.iter().all(|&b| b == 0), "a fresh page is not zeroed");
        check!(
            memory.is_present(last),
            "the read did not populate the page"
        );
        Ok(())
    }
);

ktest!(
    "uaccess",
    fn address_space_teardown_returns_every_frame() {
        let free_before = frames::free_frames();
        {
            let _memory = UserMemory::new()?;
            check_eq!(copy_to_user(UserPtr::new(LAZY), &[1u8; 3 * PAGE_SIZE]), 0);
            check!(
                frames::free_frames() < free_before,
                "the address space took no frames"
            );
        }
        check_eq!(frames::free_frames(), free_before);
        Ok(())
    }
);
