//! Who a process is: getpid, getppid, set_tid_address; and sched_yield.

use rt::sys::process::{getpid, getppid, sched_yield, set_tid_address, wait};
use rt::test::{Context, Failure};
use rt::wait::Termination;
use testkit::child::{in_child, spawn};

pub fn getpid_and_getppid_relate_parent_and_child() -> Result<(), Failure> {
    let parent = getpid();
    rt::check!(parent > 0);
    let termination = in_child(|| i32::from(getppid() != parent))?;
    rt::check_eq!(
        termination,
        Termination::Exited(0),
        "the child's getppid is not the parent"
    );
    let child = spawn(|| getpid() & 0x7f)?;
    let (_, ended) = wait(child).context("wait4")?;
    rt::check_eq!(
        ended,
        Termination::Exited(child & 0x7f),
        "the child's getpid is not fork's"
    );
    Ok(())
}

/// In a single-threaded process the thread id is the process id.
pub fn set_tid_address_returns_the_thread_id() -> Result<(), Failure> {
    let mut cleared_at_exit = 0i32;
    rt::check_eq!(set_tid_address(&raw mut cleared_at_exit), getpid());
    rt::check_eq!(set_tid_address(core::ptr::null_mut()), getpid());
    Ok(())
}

pub fn sched_yield_succeeds() -> Result<(), Failure> {
    for _ in 0..10 {
        rt::check_eq!(sched_yield(), Ok(()));
    }
    Ok(())
}
