//! Waiting for file descriptors: ppoll (which C libraries use for poll too) and pselect6
//! (select), rechecking the files on every timer tick until one is ready, the time is up or
//! a signal comes.

use super::time::read_timespec;
use super::{Arguments, SyscallResult, read_user, word, write_user};
use crate::arch::aarch64::timer::{NANOS_PER_SECOND, now_nanos};
use crate::errno::{EBADF, EFAULT, EINVAL, ERESTARTNOHAND, Errno};
use crate::fs::fd_table::MAX_FILES;
use crate::fs::file::poll_events;
use crate::sync::InterruptsMasked;
use crate::task::process::Process;
use crate::task::signal::{self, SignalSet};
use crate::task::{self, scheduler, thread::Channel};
use crate::uaccess::{UserPtr, copy_from_user, get_user};
use alloc::vec;
use alloc::vec::Vec;

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

/// The deadline a `struct timespec` timeout at `address` sets: none for NULL (wait for ever).
fn deadline(address: usize) -> Result<Option<u64>, Errno> {
    Ok(match address {
        0 => None,
        timeout => Some(now_nanos().saturating_add(read_timespec(timeout)?)),
    })
}

/// The signal mask to wait under: the `sigset_t` at `address` (none for NULL), which must be
/// `size` bytes.
fn wait_mask(address: usize, size: usize) -> Result<Option<SignalSet>, Errno> {
    Ok(match address {
        0 => None,
        _ if size != size_of::<u64>() => return Err(EINVAL),
        mask => Some(SignalSet(get_user(UserPtr::<u64>::new(mask))?).blockable()),
    })
}

/// Fills in `entries` (`struct pollfd`s) until one is ready, the deadline passes or a signal
/// comes (ERESTARTNOHAND), with `mask` as the signal mask meanwhile; returns how many are
/// ready.
fn wait_for_files(
    entries: &mut [u8],
    deadline: Option<u64>,
    mask: Option<SignalSet>,
) -> Result<usize, Errno> {
    if let Some(mask) = mask {
        signal::mask_until_return(&task::current_thread(), mask);
    }
    let process = task::current();
    loop {
        let _masked = InterruptsMasked::new();
        let ready = check_files(&process, entries);
        let timed_out = deadline.is_some_and(|deadline| now_nanos() >= deadline);
        if ready > 0 || timed_out {
            return Ok(ready);
        }
        if task::signal_pending() {
            return Err(ERESTARTNOHAND);
        }
        scheduler::sleep(Channel::Tick);
    }
}

/// ppoll(fds, nfds, timeout, sigmask, sigsetsize): a NULL timeout waits for ever, a zero one
/// not at all; `sigmask` replaces the mask while waiting, as rt_sigsuspend does.
pub fn ppoll(args: &Arguments) -> SyscallResult {
    let (address, count) = (args.usize(0), args.usize(1));
    if count > MAX_FILES {
        return Err(EINVAL);
    }
    let deadline = deadline(args.usize(2))?;
    let mask = wait_mask(args.usize(3), args.usize(4))?;
    let mut entries = vec![0u8; count * POLLFD_SIZE];
    if copy_from_user(&mut entries, UserPtr::new(address)) != 0 {
        return Err(EFAULT);
    }
    let ready = wait_for_files(&mut entries, deadline, mask)?;
    write_user(address, &entries).map(|()| ready)
}

/// pselect6(nfds, readfds, writefds, exceptfds, timeout, {sigmask, size}): select's three
/// descriptor bit sets, waited on as poll waits; the sets come back with the ready bits, the
/// timeout with the time left.
pub fn pselect6(args: &Arguments) -> SyscallResult {
    use poll_events::{ERR, HUP, IN, NVAL, OUT, PRI};
    let count = usize::try_from(args.i32(0))
        .map_err(|_| EINVAL)?
        .min(MAX_FILES);
    let words = count.div_ceil(64);
    let mut sets = [const { None::<Vec<u64>> }; 3];
    for (index, set) in sets.iter_mut().enumerate() {
        let address = args.usize(1 + index);
        if address != 0 {
            let mut bytes = vec![0u8; words * 8];
            if copy_from_user(&mut bytes, UserPtr::new(address)) != 0 {
                return Err(EFAULT);
            }
            *set = Some(
                bytes
                    .chunks(8)
                    .map(|w| u64::from_le_bytes(w.try_into().expect("8")))
                    .collect(),
            );
        }
    }
    let timeout = args.usize(4);
    let deadline = deadline(timeout)?;
    let mask = match args.usize(5) {
        0 => None,
        address => {
            let pair = read_user::<16>(address)?;
            wait_mask(word(&pair, 0) as usize, word(&pair, 1) as usize)?
        }
    };
    // Asked for: read (IN), write (OUT), exceptional conditions (PRI), per descriptor.
    let wanted = [IN, OUT, PRI];
    let is_set = |set: &Option<Vec<u64>>, fd: usize| {
        set.as_ref()
            .is_some_and(|words| words[fd / 64] & (1 << (fd % 64)) != 0)
    };
    // The descriptors asked about, with what was asked.
    let mut asked = Vec::new();
    let mut entries = Vec::new();
    for fd in 0..count {
        let events = (0..3)
            .filter(|&i| is_set(&sets[i], fd))
            .fold(0u16, |events, i| events | wanted[i]);
        if events != 0 {
            asked.push((fd, events));
            entries.extend_from_slice(&(fd as i32).to_le_bytes());
            entries.extend_from_slice(&events.to_le_bytes());
            entries.extend_from_slice(&0u16.to_le_bytes());
        }
    }
    let ready = wait_for_files(&mut entries, deadline, mask);
    let revents =
        |index: usize| u16::from_le_bytes([entries[index * 8 + 6], entries[index * 8 + 7]]);
    if (0..asked.len()).any(|index| revents(index) & NVAL != 0) {
        return Err(EBADF);
    }
    ready?;
    // What counts as ready for each set, as Linux's POLLIN_SET, POLLOUT_SET and POLLEX_SET.
    let counts_as = [IN | HUP | ERR, OUT | ERR, PRI];
    let mut total = 0;
    for (index, set) in sets.iter_mut().enumerate() {
        let Some(words) = set else { continue };
        words.fill(0);
        for (entry, &(fd, events)) in asked.iter().enumerate() {
            if events & wanted[index] != 0 && revents(entry) & counts_as[index] != 0 {
                words[fd / 64] |= 1 << (fd % 64);
                total += 1;
            }
        }
        let bytes: Vec<u8> = words.iter().flat_map(|w| w.to_le_bytes()).collect();
        write_user(args.usize(1 + index), &bytes)?;
    }
    if let Some(deadline) = deadline {
        // The time left, as Linux reports it; a timeout in read-only memory is no error.
        let left = deadline.saturating_sub(now_nanos());
        let mut timespec = [0u8; 16];
        timespec[..8].copy_from_slice(&(left / NANOS_PER_SECOND).to_le_bytes());
        timespec[8..].copy_from_slice(&(left % NANOS_PER_SECOND).to_le_bytes());
        let _ = write_user(timeout, &timespec);
    }
    Ok(total)
}
