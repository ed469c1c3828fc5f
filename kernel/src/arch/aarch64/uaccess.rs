//! The uaccess routines of uaccess.s, grouped by variant, behind safe-to-name function tables.
//!
//! Callers (the `uaccess` module) check and mask pointers first; these are the raw loops.

use core::arch::{asm, global_asm};

global_asm!(include_str!("uaccess.s"), options(raw));

/// Value and error of a single-value read, as the routine returns them in x0 and x1.
#[repr(C)]
pub struct GetResult {
    pub value: u64,
    pub error: i64,
}

/// One variant of every routine; see uaccess.s for the register contracts.
pub struct Routines {
    pub copy_from: unsafe extern "C" fn(dst: *mut u8, src: usize, count: usize) -> usize,
    pub copy_to: unsafe extern "C" fn(dst: usize, src: *const u8, count: usize) -> usize,
    pub clear: unsafe extern "C" fn(dst: usize, count: usize) -> usize,
    pub strnlen: unsafe extern "C" fn(src: usize, limit: usize) -> usize,
    pub strncpy: unsafe extern "C" fn(dst: *mut u8, src: usize, limit: usize) -> isize,
    pub zeroed: unsafe extern "C" fn(src: usize, count: usize) -> isize,
    /// Reads of 1, 2, 4 and 8 bytes.
    pub get: [unsafe extern "C" fn(ptr: usize) -> GetResult; 4],
    /// Writes of 1, 2, 4 and 8 bytes.
    pub put: [unsafe extern "C" fn(ptr: usize, value: u64) -> isize; 4],
}

macro_rules! routines {
    ($table:ident, $copy_from:ident, $copy_to:ident, $clear:ident, $strnlen:ident, $strncpy:ident, $zeroed:ident,
     [$($get:ident),*], [$($put:ident),*]) => {
        unsafe extern "C" {
            fn $copy_from(dst: *mut u8, src: usize, count: usize) -> usize;
            fn $copy_to(dst: usize, src: *const u8, count: usize) -> usize;
            fn $clear(dst: usize, count: usize) -> usize;
            fn $strnlen(src: usize, limit: usize) -> usize;
            fn $strncpy(dst: *mut u8, src: usize, limit: usize) -> isize;
            fn $zeroed(src: usize, count: usize) -> isize;
            $(fn $get(ptr: usize) -> GetResult;)*
            $(fn $put(ptr: usize, value: u64) -> isize;)*
        }
        pub static $table: Routines = Routines {
            copy_from: $copy_from,
            copy_to: $copy_to,
            clear: $clear,
            strnlen: $strnlen,
            strncpy: $strncpy,
            zeroed: $zeroed,
            get: [$($get),*],
            put: [$($put),*],
        };
    };
}

routines!(
    UNPRIVILEGED,
    __uaccess_copy_from_user,
    __uaccess_copy_to_user,
    __uaccess_clear_user,
    __uaccess_strnlen_user,
    __uaccess_strncpy_user,
    __uaccess_zeroed_user,
    [
        __uaccess_get_u8_user,
        __uaccess_get_u16_user,
        __uaccess_get_u32_user,
        __uaccess_get_u64_user
    ],
    [
        __uaccess_put_u8_user,
        __uaccess_put_u16_user,
        __uaccess_put_u32_user,
        __uaccess_put_u64_user
    ]
);

routines!(
    PLAIN,
    __uaccess_copy_from_kernel,
    __uaccess_copy_to_kernel,
    __uaccess_clear_kernel,
    __uaccess_strnlen_kernel,
    __uaccess_strncpy_kernel,
    __uaccess_zeroed_kernel,
    [
        __uaccess_get_u8_kernel,
        __uaccess_get_u16_kernel,
        __uaccess_get_u32_kernel,
        __uaccess_get_u64_kernel
    ],
    [
        __uaccess_put_u8_kernel,
        __uaccess_put_u16_kernel,
        __uaccess_put_u32_kernel,
        __uaccess_put_u64_kernel
    ]
);

unsafe extern "C" {
    fn __uaccess_copy_from_user_mops(dst: *mut u8, src: usize, count: usize) -> usize;
    fn __uaccess_copy_to_user_mops(dst: usize, src: *const u8, count: usize) -> usize;
    fn __uaccess_clear_user_mops(dst: usize, count: usize) -> usize;
}

/// The unprivileged routines with the copies and the clear done by FEAT_MOPS instructions,
/// for CPUs that have them.
pub static UNPRIVILEGED_MOPS: Routines = Routines {
    copy_from: __uaccess_copy_from_user_mops,
    copy_to: __uaccess_copy_to_user_mops,
    clear: __uaccess_clear_user_mops,
    ..UNPRIVILEGED
};

/// `address` if `address + size` stays at or below `limit`, else 0, without a branch the
/// CPU could speculate past (`csel` + `csdb`, as Linux's `uaccess_mask_ptr`).
#[inline(always)]
pub fn mask_pointer(address: usize, size: usize, limit: usize) -> usize {
    let masked: usize;
    // SAFETY: arithmetic on registers only.
    unsafe {
        asm!(
            "adds {end}, {address}, {size}",
            "ccmp {end}, {limit}, #2, cc",
            "csel {masked}, {address}, xzr, ls",
            "csdb",
            address = in(reg) address,
            size = in(reg) size,
            limit = in(reg) limit,
            end = out(reg) _,
            masked = lateout(reg) masked,
            options(pure, nomem, nostack)
        );
    }
    masked
}

/// The address bits a user pointer must have clear: everything from `USER_TOP` up.
const NON_USER_BITS: usize = !(crate::mm::USER_TOP - 1);
const _: () = assert!(crate::mm::USER_TOP.is_power_of_two());

/// The shape both inlined accesses share: a pointer with any bit at or above `USER_TOP` set
/// becomes NULL (`tst`, `csel`, `csdb`: no branch to speculate past), then `$access` (one
/// LDTR/STTR) runs with its exception-table entry beside it, and a fault sets `{address}`
/// to 0. A value that starts below `USER_TOP` and ends above it needs no check of its own:
/// its bytes from `USER_TOP` up lie outside what TTBR0 translates, so the access faults.
/// A successful access never leaves `{address}` 0: nothing is ever mapped at NULL.
macro_rules! masked_and_guarded {
    ($access:expr) => {
        concat!(
            "tst {address}, #{non_user_bits}\n",
            "csel {address}, {address}, xzr, eq\n",
            "csdb\n",
            "1: ",
            $access,
            " [{address}]\n",
            "2:\n",
            ".pushsection __ex_table, \"a\"\n",
            ".balign 4\n",
            ".long (1b - .), (3f - .), 1\n",
            ".popsection\n",
            ".pushsection .text.uaccess_fixup, \"ax\"\n",
            "3: mov {address}, #0\n",
            "b 2b\n",
            ".popsection"
        )
    };
}

/// Reads and writes of one value inlined at the call site, yielding `Err` on a fault.
/// For when no software-PAN window and no kernel-pointer scope is needed.
macro_rules! direct_access {
    ($get:ident, $put:ident, $load:literal, $store:literal) => {
        /// Reads one value of this size from a user address; `Err` on a fault.
        #[inline(always)]
        pub fn $get(address: usize) -> Result<u64, ()> {
            let (value, accessed): (u64, usize);
            // SAFETY: the pointer is masked into the user half; a fault is fixed up.
            unsafe {
                asm!(
                    masked_and_guarded!($load),
                    non_user_bits = const NON_USER_BITS,
                    address = inout(reg) address => accessed,
                    value = out(reg) value,
                    options(nostack, readonly)
                );
            }
            if accessed != 0 { Ok(value) } else { Err(()) }
        }

        /// Writes one value of this size to a user address; `Err` on a fault.
        #[inline(always)]
        pub fn $put(address: usize, value: u64) -> Result<(), ()> {
            let accessed: usize;
            // SAFETY: as above.
            unsafe {
                asm!(
                    masked_and_guarded!($store),
                    non_user_bits = const NON_USER_BITS,
                    address = inout(reg) address => accessed,
                    value = in(reg) value,
                    options(nostack)
                );
            }
            if accessed != 0 { Ok(()) } else { Err(()) }
        }
    };
}

direct_access!(get_u8, put_u8, "ldtrb {value:w},", "sttrb {value:w},");
direct_access!(get_u16, put_u16, "ldtrh {value:w},", "sttrh {value:w},");
direct_access!(get_u32, put_u32, "ldtr {value:w},", "sttr {value:w},");
direct_access!(get_u64, put_u64, "ldtr {value:x},", "sttr {value:x},");
