//! `init --test`: runs every regular file in /tests, in name order, with argv = [path]. A
//! program passed if it exited with status 0. All passed: power off (QEMU exits with 0);
//! otherwise init exits with 1, which the kernel passes on as QEMU's status.

use core::ffi::CStr;

use rt::path::PathBuf;
use rt::sys::dir::for_each_name_sorted;
use rt::sys::stat::{S_IFREG, stat};
use rt::sys::system::power_off;
use rt::wait::Termination;

use crate::children::run;

const TESTS: &CStr = c"/tests";

/// Runs the test program at `path`; whether it passed.
fn run_test(path: &CStr) -> bool {
    let shown = path.to_bytes().escape_ascii();
    match run(path, [path]) {
        Ok(Termination::Exited(0)) => true,
        Ok(termination) => {
            rt::println!("init: {shown} {termination}");
            false
        }
        Err(errno) => {
            rt::println!("init: {shown}: {errno}");
            false
        }
    }
}

pub fn run_all() -> i32 {
    let mut passed = 0;
    let mut total = 0;
    let listed = for_each_name_sorted(TESTS, |name| {
        let Some(path) = PathBuf::join(TESTS, name) else {
            return;
        };
        let path = path.as_c_str();
        if stat(path).map(|status| status.file_type()) != Ok(S_IFREG) {
            return;
        }
        total += 1;
        if run_test(path) {
            passed += 1;
        }
    });
    if let Err(errno) = listed {
        rt::println!("init: cannot list /tests: {errno}");
    }
    rt::println!("init: {passed} of {total} test programs passed");
    if listed.is_ok() && total > 0 && passed == total {
        rt::println!("init: power off failed: {}", power_off());
    }
    1
}
