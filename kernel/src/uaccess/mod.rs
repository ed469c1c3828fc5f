//! The only way the kernel touches user memory.
//!
//! | function | returns |
//! |---|---|
//! | [`copy_from_user`] | bytes NOT copied, exact; the uncopied tail of `dst` is zero-filled |
//! | [`copy_to_user`] | bytes NOT copied, exact; nothing written past the first faulting byte |
//! | [`clear_user`] | bytes NOT cleared, exact |
//! | [`get_user`] / [`put_user`] | `Ok` / `Err(EFAULT)` (the raw read yields 0 on a fault) |
//! | [`strnlen_user`] | length including the NUL; `limit + 1` if none within `limit`; 0 on a fault |
//! | [`strncpy_from_user`] | length without the NUL; `dst.len()` if truncated; `Err(EFAULT)` on a fault |
//! | [`check_zeroed_user`] | `Ok(true)` if all zero, `Ok(false)` if not, `Err(EFAULT)` on a fault |
//! | [`copy_struct_from_user`] | `Ok`, `Err(E2BIG)` if the user's extra tail is not zero, `Err(EFAULT)` |
//! | [`access_ok`] | the range lies wholly below `USER_TOP`, computed without overflow |
//!
//! Every function checks its range with `access_ok`, masks the pointer against speculation,
//! opens the software-PAN window if there is one, and runs a routine of arch/aarch64/uaccess.s.
//! Inside a [`scope::KernelPointers`] scope the same functions take kernel addresses instead.
//! Never call them while holding a lock the page-fault handler takes (an address space's).

pub mod extable;
pub mod scope;
mod user_ptr;

pub use scope::{enter_exception, leave_exception};
pub use user_ptr::{UserCStr, UserPtr, UserSlice};

use crate::arch::aarch64::pan::{self, UserWindow};
use crate::arch::aarch64::uaccess::{self as routines, Routines, mask_pointer};
use crate::errno::{E2BIG, EFAULT, Errno};
use crate::mm::USER_TOP;
use core::sync::atomic::{AtomicBool, AtomicU8, Ordering};

/// One past the highest address uaccess may touch right now.
fn limit() -> usize {
    if scope::is_active() {
        usize::MAX
    } else {
        USER_TOP
    }
}

/// Whether the copies and the clear use the CPU's FEAT_MOPS instructions.
static MOPS: AtomicBool = AtomicBool::new(false);

/// Records what the CPU has that uaccess uses. Once, at boot, after PAN's mode is set.
pub fn init(cpu_has_uao: bool, cpu_has_mops: bool) {
    MOPS.store(cpu_has_mops, Ordering::Relaxed);
    scope::init(cpu_has_uao);
}

/// Whether copies and clears outside a kernel-pointer scope use FEAT_MOPS instructions.
#[cfg(feature = "ktest")]
pub fn copies_use_mops() -> bool {
    core::ptr::eq(routines(), &routines::UNPRIVILEGED_MOPS)
}

fn routines() -> &'static Routines {
    if scope::is_active() {
        // The scope's kernel addresses go through the routines it was tested with.
        if scope::uses_hardware_uao() {
            &routines::UNPRIVILEGED
        } else {
            &routines::PLAIN
        }
    } else if MOPS.load(Ordering::Relaxed) {
        &routines::UNPRIVILEGED_MOPS
    } else {
        &routines::UNPRIVILEGED
    }
}

/// The software-PAN window, which kernel-pointer accesses do not need.
fn window() -> Option<UserWindow> {
    (!scope::is_active()).then(UserWindow::open)
}

/// Whether `[address, address + size)` may be accessed: no overflow, and below `USER_TOP`
/// (anywhere, inside a kernel-pointer scope).
pub fn access_ok(address: usize, size: usize) -> bool {
    address.checked_add(size).is_some_and(|end| end <= limit())
}

/// Checks `[address, address + size)` and returns the address masked against speculation.
fn checked(address: usize, size: usize) -> Option<usize> {
    access_ok(address, size).then(|| mask_pointer(address, size, limit()))
}

/// Copies `dst.len()` bytes from user memory; returns how many were NOT copied.
pub fn copy_from_user(dst: &mut [u8], src: UserPtr<u8>) -> usize {
    let Some(src) = checked(src.address(), dst.len()) else {
        dst.fill(0);
        return dst.len();
    };
    let _window = window();
    // SAFETY: `dst` is a live kernel buffer of that length; faults on `src` are fixed up.
    unsafe { (routines().copy_from)(dst.as_mut_ptr(), src, dst.len()) }
}

/// Copies `src` to user memory; returns how many bytes were NOT copied.
pub fn copy_to_user(dst: UserPtr<u8>, src: &[u8]) -> usize {
    let Some(dst) = checked(dst.address(), src.len()) else {
        return src.len();
    };
    let _window = window();
    // SAFETY: `src` is a live kernel buffer of that length; faults on `dst` are fixed up.
    unsafe { (routines().copy_to)(dst, src.as_ptr(), src.len()) }
}

/// Zeroes the user bytes of `dst`; returns how many were NOT zeroed.
pub fn clear_user(dst: UserSlice) -> usize {
    let count = dst.len;
    let Some(dst) = checked(dst.start.address(), count) else {
        return count;
    };
    let _window = window();
    // SAFETY: faults on `dst` are fixed up.
    unsafe { (routines().clear)(dst, count) }
}

/// Values `get_user`/`put_user` move: integers of 1, 2, 4 or 8 bytes.
pub trait UserScalar: Copy {
    /// Index into the routines' per-size tables.
    const SIZE_INDEX: usize;
    /// The inlined single access of this size (see `arch::aarch64::uaccess`).
    const GET: fn(usize) -> Result<u64, ()>;
    const PUT: fn(usize, u64) -> Result<(), ()>;
    fn from_raw(raw: u64) -> Self;
    fn to_raw(self) -> u64;
}

macro_rules! user_scalar {
    ($($type:ty => $index:expr, $get:ident, $put:ident);*) => {$(
        impl UserScalar for $type {
            const SIZE_INDEX: usize = $index;
            const GET: fn(usize) -> Result<u64, ()> = routines::$get;
            const PUT: fn(usize, u64) -> Result<(), ()> = routines::$put;
            fn from_raw(raw: u64) -> Self {
                raw as $type
            }
            fn to_raw(self) -> u64 {
                self as u64
            }
        }
    )*};
}

user_scalar!(
    u8 => 0, get_u8, put_u8; i8 => 0, get_u8, put_u8; u16 => 1, get_u16, put_u16; i16 => 1, get_u16, put_u16;
    u32 => 2, get_u32, put_u32; i32 => 2, get_u32, put_u32; u64 => 3, get_u64, put_u64;
    i64 => 3, get_u64, put_u64; usize => 3, get_u64, put_u64; isize => 3, get_u64, put_u64
);

/// How `get_user`/`put_user` reach user memory now; kept current by
/// [`refresh_single_value_path`].
static SINGLE_VALUE_PATH: AtomicU8 = AtomicU8::new(ROUTINE);
/// The inlined access alone: hardware PAN or none, and no kernel-pointer scope.
const DIRECT: u8 = 0;
/// The inlined access inside a software-PAN window.
const WINDOW: u8 = 1;
/// The out-of-line routines, for the kernel-pointer scope.
const ROUTINE: u8 = 2;

/// Recomputes [`SINGLE_VALUE_PATH`] after the PAN mode or the scope changed.
pub fn refresh_single_value_path() {
    let path = if scope::is_active() {
        ROUTINE
    } else if pan::switches_ttbr0() {
        WINDOW
    } else {
        DIRECT
    };
    SINGLE_VALUE_PATH.store(path, Ordering::Relaxed);
}

/// Reads one value from user memory.
#[inline]
pub fn get_user<T: UserScalar>(src: UserPtr<T>) -> Result<T, Errno> {
    let path = SINGLE_VALUE_PATH.load(Ordering::Relaxed);
    if path == DIRECT {
        return T::GET(src.address()).map(T::from_raw).map_err(|()| EFAULT);
    }
    if path == WINDOW {
        // The window closes before the result is made, which keeps it in registers.
        let read = {
            let _window = UserWindow::open_switching();
            T::GET(src.address())
        };
        return read.map(T::from_raw).map_err(|()| EFAULT);
    }
    get_user_in_scope(src)
}

/// [`get_user`] inside a kernel-pointer scope.
#[cold]
#[inline(never)]
fn get_user_in_scope<T: UserScalar>(src: UserPtr<T>) -> Result<T, Errno> {
    let src = checked(src.address(), size_of::<T>()).ok_or(EFAULT)?;
    // SAFETY: faults on `src` are fixed up.
    let result = unsafe { (routines().get[T::SIZE_INDEX])(src) };
    if result.error == 0 {
        Ok(T::from_raw(result.value))
    } else {
        Err(EFAULT)
    }
}

/// Writes one value to user memory.
#[inline]
pub fn put_user<T: UserScalar>(dst: UserPtr<T>, value: T) -> Result<(), Errno> {
    let path = SINGLE_VALUE_PATH.load(Ordering::Relaxed);
    if path == DIRECT {
        return T::PUT(dst.address(), value.to_raw()).map_err(|()| EFAULT);
    }
    if path == WINDOW {
        let written = {
            let _window = UserWindow::open_switching();
            T::PUT(dst.address(), value.to_raw())
        };
        return written.map_err(|()| EFAULT);
    }
    put_user_in_scope(dst, value)
}

/// [`put_user`] inside a kernel-pointer scope.
#[cold]
#[inline(never)]
fn put_user_in_scope<T: UserScalar>(dst: UserPtr<T>, value: T) -> Result<(), Errno> {
    let dst = checked(dst.address(), size_of::<T>()).ok_or(EFAULT)?;
    // SAFETY: faults on `dst` are fixed up.
    match unsafe { (routines().put[T::SIZE_INDEX])(dst, value.to_raw()) } {
        0 => Ok(()),
        _ => Err(EFAULT),
    }
}

/// The part of `limit` bytes from `src` that lies below the access limit.
fn string_limit(src: UserCStr, limit: usize) -> usize {
    self::limit().saturating_sub(src.0.address()).min(limit)
}

/// Length of the user string at `src` including its NUL, looking at most `limit` bytes;
/// `limit + 1` if there is no NUL within them, 0 on a fault.
pub fn strnlen_user(src: UserCStr, limit: usize) -> usize {
    let reachable = string_limit(src, limit);
    let Some(address) = checked(src.0.address(), reachable) else {
        return 0;
    };
    let _window = window();
    // SAFETY: faults are fixed up.
    let length = unsafe { (routines().strnlen)(address, reachable) };
    if length > reachable && reachable < limit {
        // The string runs into the end of the accessible range: that byte would fault.
        0
    } else {
        length
    }
}

/// Copies the user string at `src`, NUL included, into `dst`; returns its length without
/// the NUL, or `dst.len()` if no NUL came within `dst.len()` bytes (then `dst` holds no NUL).
pub fn strncpy_from_user(dst: &mut [u8], src: UserCStr) -> Result<usize, Errno> {
    let reachable = string_limit(src, dst.len());
    let address = checked(src.0.address(), reachable).ok_or(EFAULT)?;
    let _window = window();
    // SAFETY: `dst` is a live buffer of at least `reachable` bytes; faults are fixed up.
    let copied = unsafe { (routines().strncpy)(dst.as_mut_ptr(), address, reachable) };
    match usize::try_from(copied) {
        Ok(length) if length == reachable && reachable < dst.len() => Err(EFAULT),
        Ok(length) => Ok(length),
        Err(_) => Err(EFAULT),
    }
}

/// Whether the user bytes of `src` are all zero.
pub fn check_zeroed_user(src: UserSlice) -> Result<bool, Errno> {
    let address = checked(src.start.address(), src.len).ok_or(EFAULT)?;
    let _window = window();
    // SAFETY: faults are fixed up.
    match unsafe { (routines().zeroed)(address, src.len) } {
        1 => Ok(true),
        0 => Ok(false),
        _ => Err(EFAULT),
    }
}

/// Copies a versioned structure the user gave as `user_size` bytes into `dst` (Linux's
/// `copy_struct_from_user`): a shorter user struct is zero-extended; a longer one is accepted
/// only if the bytes the kernel does not know are zero (`E2BIG` otherwise).
pub fn copy_struct_from_user(
    dst: &mut [u8],
    src: UserPtr<u8>,
    user_size: usize,
) -> Result<(), Errno> {
    let known = dst.len().min(user_size);
    if user_size > dst.len() {
        let unknown_tail = UserSlice {
            start: src.add(dst.len()),
            len: user_size - dst.len(),
        };
        if !check_zeroed_user(unknown_tail)? {
            return Err(E2BIG);
        }
    }
    dst[known..].fill(0);
    match copy_from_user(&mut dst[..known], src) {
        0 => Ok(()),
        _ => Err(EFAULT),
    }
}
