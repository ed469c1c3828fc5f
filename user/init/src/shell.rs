//! `init` with no arguments: the console always has a shell; when one ends, another starts.

use rt::sys::time::sleep_millis;

use crate::children::run;

const SHELL: &core::ffi::CStr = c"/bin/sh";

/// How long to wait before trying again after the shell could not be started, so a
/// missing shell does not turn into a busy loop.
const RETRY_MILLIS: i64 = 1000;

pub fn keep_a_shell_running() -> ! {
    loop {
        match run(SHELL, [c"sh"]) {
            Ok(termination) => rt::println!("init: /bin/sh {termination}; starting another"),
            Err(errno) => {
                rt::eprintln!("init: cannot run /bin/sh: {errno}");
                let _ = sleep_millis(RETRY_MILLIS);
            }
        }
    }
}
