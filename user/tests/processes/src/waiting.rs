//! wait4: not blocking with WNOHANG, ECHILD without children, and many children at once.

use rt::errno::Errno;
use rt::sys::file::{pipe2, read, write};
use rt::sys::process::{Pid, getppid, wait, wait_nohang};
use rt::test::{Context, Failure};
use rt::wait::Termination;
use testkit::child::spawn;

pub fn wait4_nohang_returns_zero_while_child_runs() -> Result<(), Failure> {
    let (reader, writer) = pipe2(0).context("pipe2")?;
    let child = spawn(|| match read(reader.raw(), &mut [0u8]) {
        Ok(1) => 7,
        _ => 1,
    })?;
    rt::check_eq!(wait_nohang(child), Ok(None), "the child is still blocked");
    rt::check_eq!(write(writer.raw(), b"!"), Ok(1));
    rt::check_eq!(
        wait(child).context("wait4")?,
        (child, Termination::Exited(7))
    );
    Ok(())
}

pub fn wait4_without_children_is_echild() -> Result<(), Failure> {
    rt::check_eq!(wait(-1).map(drop), Err(Errno::ECHILD), "any child");
    rt::check_eq!(wait(getppid()).map(drop), Err(Errno::ECHILD), "the parent");
    rt::check_eq!(
        wait_nohang(-1).map(drop),
        Err(Errno::ECHILD),
        "any child, WNOHANG"
    );
    Ok(())
}

const CHILDREN: usize = 60;

/// All children are alive at once (each waits for a byte that comes only after the last
/// fork), then each exits with its index, and each is reaped exactly once.
pub fn sixty_concurrent_children_are_all_reaped() -> Result<(), Failure> {
    let (reader, writer) = pipe2(0).context("pipe2")?;
    let mut pids: [Pid; CHILDREN] = [0; CHILDREN];
    let mut forked = 0;
    let mut fork_failure = None;
    for (index, pid) in pids.iter_mut().enumerate() {
        match spawn(|| match read(reader.raw(), &mut [0u8]) {
            Ok(1) => index as i32,
            _ => 255,
        }) {
            Ok(child) => {
                *pid = child;
                forked += 1;
            }
            Err(failure) => {
                fork_failure = Some(failure);
                break;
            }
        }
    }
    // Release and reap whatever was forked, even after a failure.
    rt::check_eq!(write(writer.raw(), &[0u8; CHILDREN][..forked]), Ok(forked));
    let mut reaped = [false; CHILDREN];
    for _ in 0..forked {
        let (pid, termination) = wait(-1).context("wait4")?;
        let index = pids[..forked].iter().position(|&child| child == pid);
        let index = index.ok_or(Failure::new(format_args!("reaped unknown pid {pid}")))?;
        rt::check!(!reaped[index], "pid {pid} reaped twice");
        reaped[index] = true;
        rt::check_eq!(
            termination,
            Termination::Exited(index as i32),
            "child {index}"
        );
    }
    if let Some(failure) = fork_failure {
        return Err(Failure::new(format_args!(
            "fork {forked}: {}",
            failure.reason()
        )));
    }
    rt::check_eq!(
        wait(-1).map(drop),
        Err(Errno::ECHILD),
        "children left after reaping all"
    );
    Ok(())
}
