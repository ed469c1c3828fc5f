//! fork and the exit status a parent sees through wait4.

use rt::sys::process::wait;
use rt::syscall;
use rt::test::{Context, Failure};
use rt::wait::Termination;
use testkit::child::{in_child, spawn};

pub fn fork_returns_the_child_and_its_exit_status() -> Result<(), Failure> {
    let child = spawn(|| 42)?;
    rt::check!(child > 0);
    rt::check_eq!(
        wait(child).context("wait4")?,
        (child, Termination::Exited(42))
    );
    Ok(())
}

/// Only the low 8 bits of the status reach the parent.
pub fn exit_status_keeps_the_low_eight_bits() -> Result<(), Failure> {
    for (status, seen) in [(255, 255), (256, 0), (257, 1), (-1, 255)] {
        rt::check_eq!(
            in_child(|| status)?,
            Termination::Exited(seen),
            "exit({status})"
        );
    }
    Ok(())
}

/// exit (93) ends the calling thread; in a single-threaded process that is the process.
pub fn exit_ends_the_process_like_exit_group() -> Result<(), Failure> {
    let termination = in_child(|| {
        // SAFETY: exit does not return.
        let _ = unsafe { syscall!(EXIT, 5) };
        1
    })?;
    rt::check_eq!(termination, Termination::Exited(5));
    Ok(())
}
