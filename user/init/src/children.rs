//! Running a program to its end. As process 1, init also inherits every orphan, so while it
//! waits for its own child it reaps whatever else has ended.

use core::ffi::CStr;

use rt::args::env;
use rt::errno::Errno;
use rt::spawn::spawn;
use rt::sys::process::{Pid, wait};
use rt::wait::Termination;

/// Waits until `child` ends, reaping any other child that ends first.
fn wait_reaping_orphans(child: Pid) -> Result<Termination, Errno> {
    loop {
        let (pid, termination) = wait(-1)?;
        if pid == child {
            return Ok(termination);
        }
    }
}

/// Runs `program` with `argv` and init's own environment, and waits for it to end.
pub fn run<'a>(
    program: &CStr,
    argv: impl IntoIterator<Item = &'a CStr>,
) -> Result<Termination, Errno> {
    let child = spawn("init", program, argv, env())?;
    wait_reaping_orphans(child)
}

/// `init <path> [args...]`: runs the program once; its status is init's.
pub fn run_once<'a>(program: &CStr, argv: impl IntoIterator<Item = &'a CStr>) -> i32 {
    match run(program, argv) {
        Ok(termination) => termination.shell_status(),
        Err(errno) => {
            rt::eprintln!("init: {}: {errno}", program.to_bytes().escape_ascii());
            rt::spawn::EXEC_FAILED
        }
    }
}
