//! A panic prints where and why, and exits with status 101 (as Rust's std does).

use core::panic::PanicInfo;

use crate::sys::process::exit_group;

#[panic_handler]
fn panic(info: &PanicInfo<'_>) -> ! {
    if !crate::test::report_panic(info) {
        match info.location() {
            Some(location) => crate::eprintln!("panicked at {location}: {}", info.message()),
            None => crate::eprintln!("panicked: {}", info.message()),
        }
    }
    exit_group(101)
}
