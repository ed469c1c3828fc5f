//! Microbenchmarks of uaccess against the kernel's own memcpy/memset, counted in retired
//! instructions (`ktest bench` on the command line; run by `cargo xtask bench` under
//! `-icount`). One line each: `bench <operation> size=<bytes> align=<a|m> instructions=<n>`.

use super::user_memory::{READ_WRITE, UserMemory};
use crate::arch::aarch64::pan::{self, UserWindow};
use crate::arch::aarch64::pmu;
use crate::println;
use crate::uaccess::scope::KernelPointers;
use crate::uaccess::{
    UserCStr, UserPtr, UserSlice, clear_user, copy_from_user, copy_to_user, get_user, put_user,
    strncpy_from_user,
};
use alloc::vec;
use core::hint::black_box;

const SIZES: [usize; 5] = [8, 64, 256, 4096, 65536];
/// Runs per measurement; the fewest instructions wins (all runs are equal under icount
/// once the first has warmed up demand paging).
const RUNS: usize = 3;

/// Instructions `operation` takes, the measuring itself subtracted.
fn measure(overhead: u64, mut operation: impl FnMut()) -> u64 {
    operation();
    (0..RUNS)
        .map(|_| {
            let start = pmu::instructions();
            operation();
            pmu::instructions() - start
        })
        .min()
        .unwrap_or(0)
        .saturating_sub(overhead)
}

fn report(operation: &str, size: usize, misaligned: bool, instructions: u64) {
    let align = if misaligned { "m" } else { "a" };
    println!("bench {operation} size={size} align={align} instructions={instructions}");
}

/// Runs every benchmark, prints the lines, and returns.
pub fn run() {
    pmu::start_instruction_counter();
    let overhead = measure(0, || {});
    let memory = UserMemory::new()
        .unwrap_or_else(|_| panic!("cannot set up user memory for the benchmarks"));
    let mut kernel = vec![0u8; 65536 + 64];
    let source = vec![0x5au8; 65536 + 64];
    println!(
        "bench: pan_mode={} uao_scope={}",
        pan::mode().name(),
        if crate::uaccess::scope::uses_hardware_uao() {
            "hardware"
        } else {
            "software"
        }
    );
    for misaligned in [false, true] {
        let shift = usize::from(misaligned) * 3;
        for size in SIZES {
            let user = UserPtr::new(READ_WRITE + shift);
            let (dst, src) = (&mut kernel[shift..shift + size], &source[..size]);
            report(
                "memcpy",
                size,
                misaligned,
                measure(overhead, || unsafe {
                    // SAFETY: both are live kernel buffers of `size` bytes.
                    core::ptr::copy_nonoverlapping(
                        black_box(src.as_ptr()),
                        black_box(dst.as_mut_ptr()),
                        size,
                    )
                }),
            );
            report(
                "memset",
                size,
                misaligned,
                measure(overhead, || unsafe {
                    // SAFETY: as above.
                    core::ptr::write_bytes(black_box(dst.as_mut_ptr()), 0, size)
                }),
            );
            report(
                "copy_from_user",
                size,
                misaligned,
                measure(overhead, || {
                    black_box(copy_from_user(black_box(&mut *dst), user));
                }),
            );
            report(
                "copy_to_user",
                size,
                misaligned,
                measure(overhead, || {
                    black_box(copy_to_user(user, black_box(&*src)));
                }),
            );
            report(
                "clear_user",
                size,
                misaligned,
                measure(overhead, || {
                    black_box(clear_user(UserSlice {
                        start: user,
                        len: size,
                    }));
                }),
            );
            let kernel_source = UserPtr::new(src.as_ptr() as usize);
            report(
                "copy_from_kernel_pointers",
                size,
                misaligned,
                measure(overhead, || {
                    let _scope = KernelPointers::enter();
                    black_box(copy_from_user(black_box(&mut *dst), kernel_source));
                }),
            );
        }
    }
    let word = UserPtr::<u64>::new(READ_WRITE + 0x100);
    // The calls below are a few instructions each, so what it costs to hand them an opaque
    // pointer and keep their result is measured and subtracted too.
    let plumbing = measure(overhead, || {
        black_box(Some(black_box(word).address() as u64));
    });
    report(
        "get_user",
        8,
        false,
        measure(overhead + plumbing, || {
            black_box(get_user(black_box(word)).ok());
        }),
    );
    report(
        "put_user",
        8,
        false,
        measure(overhead + plumbing, || {
            black_box(put_user(black_box(word), 0x5a5b).ok());
        }),
    );
    for length in [16usize, 255] {
        let at = READ_WRITE + 0x1000;
        let mut text = vec![b'a'; length];
        text.push(0);
        memory
            .write(at, &text)
            .unwrap_or_else(|_| panic!("cannot write the string"));
        let mut out = vec![0u8; 256];
        report(
            "strncpy_from_user",
            length,
            false,
            measure(overhead, || {
                black_box(strncpy_from_user(black_box(&mut out), UserCStr::new(at)).ok());
            }),
        );
    }
    report(
        "pan_window_open_close",
        0,
        false,
        measure(overhead, || {
            black_box(UserWindow::open());
        }),
    );
    drop(memory);
}
