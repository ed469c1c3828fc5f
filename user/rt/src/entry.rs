//! The process entry point: `_start` records the initial stack, aligns it and calls the
//! program's main, whose result becomes the exit status.

use crate::args::{self, Args};
use crate::sys::process::exit_group;

unsafe extern "Rust" {
    /// The program's main, defined by [`entry!`](crate::entry).
    fn rt_main(args: Args) -> i32;
}

/// Names the program's `fn main(args: Args) -> i32`.
#[macro_export]
macro_rules! entry {
    ($main:path) => {
        #[unsafe(no_mangle)]
        fn rt_main(args: $crate::args::Args) -> i32 {
            let main: fn($crate::args::Args) -> i32 = $main;
            main(args)
        }
    };
}

/// The ELF entry point. The ABI promises a 16-byte aligned sp, but aligning costs one
/// instruction and makes a kernel that gets it wrong fail loudly in a test, not here.
#[unsafe(naked)]
#[unsafe(no_mangle)]
unsafe extern "C" fn _start() -> ! {
    core::arch::naked_asm!(
        // Zero frame pointer and link register: the outermost frame for a backtrace.
        "mov x29, xzr",
        "mov x30, xzr",
        "mov x0, sp",
        "and x1, x0, #~15",
        "mov sp, x1",
        "b {start}",
        start = sym start,
    )
}

extern "C" fn start(initial_stack: *const usize) -> ! {
    args::record_initial_stack(initial_stack);
    // SAFETY: `entry!` defines `rt_main` with exactly this signature.
    let status = unsafe { rt_main(args::args()) };
    exit_group(status)
}
