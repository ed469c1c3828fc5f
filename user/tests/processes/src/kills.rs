//! Deaths by signal as a parent sees them: a fault is SIGSEGV, kill delivers SIGKILL; and
//! the pids and signals kill refuses.

use rt::errno::Errno;
use rt::signal::{SIGKILL, SIGSEGV};
use rt::sys::process::{getpid, kill, wait};
use rt::test::{Context, Failure};
use rt::wait::Termination;
use testkit::child::{in_child, spawn};

pub fn null_write_kills_with_sigsegv() -> Result<(), Failure> {
    let termination = in_child(|| {
        // SAFETY: a child meant to die: nothing is mapped at 0.
        unsafe { core::ptr::write_volatile(core::ptr::null_mut::<u64>(), 1) };
        0
    })?;
    rt::check_eq!(termination, Termination::Killed(SIGSEGV));
    Ok(())
}

/// Spins forever without a system call, so only preemption lets anything else run.
pub fn spin_forever() -> i32 {
    loop {
        core::hint::spin_loop();
    }
}

pub fn sigkill_ends_a_looping_child() -> Result<(), Failure> {
    let child = spawn(spin_forever)?;
    kill(child, SIGKILL).context("kill")?;
    rt::check_eq!(
        wait(child).context("wait4")?,
        (child, Termination::Killed(SIGKILL))
    );
    Ok(())
}

/// Signal 0 only checks that the process exists.
pub fn kill_checks_pid_and_signal() -> Result<(), Failure> {
    rt::check_eq!(kill(getpid(), 0), Ok(()));
    rt::check_eq!(
        kill(0x3fff_fff0, SIGKILL),
        Err(Errno::ESRCH),
        "no such process"
    );
    rt::check_eq!(kill(getpid(), 99), Err(Errno::EINVAL), "no such signal");
    Ok(())
}
