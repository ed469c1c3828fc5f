//! Waiting for file descriptors: ppoll (which C libraries use for poll too), rechecking the
//! files on every timer tick until one is ready, the time is up or a signal comes.

use super::time::read_timespec;
use super::{Arguments, SyscallResult, write_user};
use crate::arch::aarch64::timer::now_nanos;
use crate::errno::{EFAULT, EINVAL, ERESTARTNOHAND};
use crate::fs::fd_table::MAX_FILES;
use crate::fs::file::poll_events;
use crate::sync::InterruptsMasked;
use crate::task::process::Process;
use crate::task::signal::{self, SignalSet};
use crate::task::{self, scheduler, thread::Channel};
use crate::uaccess::{UserPtr, copy_from_user, get_user};
use alloc::vec;

/// `struct pollfd`: fd (int), events (short), revents (short).
const POLLFD_SIZE: usize = 8;

/// Fills in the `revents` of every `struct pollfd` in `entries`, for the descriptors of
/// `process`; returns how many are non-zero.
fn check_files(process: &Process, entries: &mut [u8]) -> usize {
    let mut ready = 0;
    for entry in entries.chunks_exact_mut(POLLFD_SIZE) {
        let fd = i32::from_le_bytes(entry[..4].try_into().expect("4 bytes"));
        let events = u16::from_le_bytes(entry[4..6].try_into().expect("2 bytes"));
        let revents = match fd {
            // A negative descriptor is skipped, as poll(2) promises.
            fd if fd < 0 => 0,
            fd => {
                let file = process.state.lock().files.get(fd as usize);
                file.map_or(poll_events::NVAL, |file| file.poll(events))
            }
        };
        entry[6..8].copy_from_slice(&revents.to_le_bytes());
        ready += usize::from(revents != 0);
    }
    ready
}

/// ppoll(fds, nfds, timeout, sigmask, sigsetsize): a NULL timeout waits for ever, a zero one
/// not at all; `sigmask` replaces the mask while waiting, as rt_sigsuspend does.
pub fn ppoll(args: &Arguments) -> SyscallResult {
    let (address, count) = (args.usize(0), args.usize(1));
    if count > MAX_FILES {
        return Err(EINVAL);
    }
    let deadline = match args.usize(2) {
        0 => None,
        timeout => Some(now_nanos().saturating_add(read_timespec(timeout)?)),
    };
    let mask = match args.usize(3) {
        0 => None,
        _ if args.usize(4) != size_of::<u64>() => return Err(EINVAL),
        mask => Some(SignalSet(get_user(UserPtr::<u64>::new(mask))?).blockable()),
    };
    let mut entries = vec![0u8; count * POLLFD_SIZE];
    if copy_from_user(&mut entries, UserPtr::new(address)) != 0 {
        return Err(EFAULT);
    }
    if let Some(mask) = mask {
        signal::mask_until_return(&task::current_thread(), mask);
    }
    let process = task::current();
    loop {
        let _masked = InterruptsMasked::new();
        let ready = check_files(&process, &mut entries);
        let timed_out = deadline.is_some_and(|deadline| now_nanos() >= deadline);
        if ready > 0 || timed_out {
            return write_user(address, &entries).map(|()| ready);
        }
        if task::signal_pending() {
            return Err(ERESTARTNOHAND);
        }
        scheduler::sleep(Channel::Tick);
    }
}
