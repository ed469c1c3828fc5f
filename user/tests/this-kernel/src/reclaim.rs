//! Processes that end badly give back all their memory: one killed by a fault, a memory hog
//! that runs out, and a fork bomb that meets the process cap; so do the Linux test programs
//! (threads, signals, file mappings, /proc). Memory never touched costs no frames, and a
//! file's pages go back when its last name and descriptor do.

use core::ffi::CStr;
use rt::errno::Errno;
use rt::signal::{SIGKILL, SIGSEGV};
use rt::spawn::EXEC_FAILED;
use rt::sys::file::{
    AT_FDCWD, O_CREAT, O_TRUNC, O_WRONLY, close, dup3, open, openat, pipe2, read, unlink, write_all,
};
use rt::sys::memory::{PROT_READ, PROT_WRITE, map_anonymous, munmap};
use rt::sys::process::{Fork, execve, exit_group, fork, wait};
use rt::test::{Context, Failure};
use rt::wait::Termination;
use testkit::child::in_child;
use testkit::pages::page_size;

use crate::free_memory::{check_gives_back, free_bytes};

const READ_WRITE: u32 = PROT_READ | PROT_WRITE;
const MIB: usize = 1 << 20;

/// Writes one byte in every page of `len` bytes at `start`.
fn touch_pages(start: usize, len: usize) {
    for page in (start..start + len).step_by(page_size()) {
        // SAFETY: callers pass memory they mapped writable.
        unsafe { core::ptr::write_volatile(page as *mut u8, 1) };
    }
}

pub fn faulting_process_gives_back_its_memory() -> Result<(), Failure> {
    check_gives_back(|| {
        let termination = in_child(|| {
            let Ok(start) = map_anonymous(4 * MIB, READ_WRITE) else {
                return 1;
            };
            touch_pages(start, 4 * MIB);
            // SAFETY: a child meant to die: nothing is mapped at 0.
            unsafe { core::ptr::write_volatile(core::ptr::null_mut::<u8>(), 1) };
            2
        })?;
        rt::check_eq!(termination, Termination::Killed(SIGSEGV));
        Ok(())
    })
}

/// Mapping 64 MiB and touching 16 pages of it costs about 16 frames, not 16384.
pub fn untouched_memory_costs_nothing() -> Result<(), Failure> {
    check_gives_back(|| {
        let before = free_bytes()?;
        let start = map_anonymous(64 * MIB, READ_WRITE).context("mmap 64 MiB")?;
        touch_pages(start, 16 * page_size());
        let spent = before.saturating_sub(free_bytes()?);
        // SAFETY: the mapping is ours and no longer used.
        unsafe { munmap(start, 64 * MIB) }.context("munmap")?;
        rt::check!(spent < MIB as u64, "touching 16 pages took {spent} bytes");
        Ok(())
    })
}

/// More than this machine has: a hog that gets this far was never stopped.
const HOG_LIMIT: usize = 2048 * MIB;

/// The hog maps and touches memory until mmap says ENOMEM (it then exits 0) or a fault it
/// cannot be given a page for kills it.
pub fn memory_hog_gives_back_its_memory() -> Result<(), Failure> {
    check_gives_back(|| {
        let termination = in_child(|| {
            let mut taken = 0;
            while taken < HOG_LIMIT {
                match map_anonymous(MIB, READ_WRITE) {
                    Ok(start) => touch_pages(start, MIB),
                    Err(Errno::ENOMEM) => return 0,
                    Err(_) => return 1,
                }
                taken += MIB;
            }
            2
        })?;
        let accepted = [
            Termination::Exited(0),
            Termination::Killed(SIGKILL),
            Termination::Killed(SIGSEGV),
        ];
        rt::check!(
            accepted.contains(&termination),
            "the hog {termination} (1: mmap failed otherwise, 2: 2 GiB and still going)"
        );
        Ok(())
    })
}

/// Far more processes than any sensible cap.
const FORK_LIMIT: usize = 4096;

/// Forks children that wait on a pipe until fork is refused with EAGAIN, then lets them all
/// exit and reaps them.
pub fn fork_bomb_meets_the_process_cap_and_gives_back_its_memory() -> Result<(), Failure> {
    check_gives_back(|| {
        let (reader, writer) = pipe2(0).context("pipe2")?;
        let (read_end, write_end) = (reader.raw(), writer.raw());
        let mut forked = 0;
        let refusal = loop {
            if forked == FORK_LIMIT {
                break None;
            }
            match fork() {
                // Each child drops its copy of the write end, so closing the parent's is
                // the end of file every child waits for.
                Ok(Fork::Child) => {
                    let _ = close(write_end);
                    let _ = read(read_end, &mut [0u8]);
                    exit_group(0)
                }
                Ok(Fork::Parent(_)) => forked += 1,
                Err(errno) => break Some(errno),
            }
        };
        writer.close().context("close the write end")?;
        for _ in 0..forked {
            rt::check_eq!(wait(-1).context("wait4")?.1, Termination::Exited(0));
        }
        rt::check_eq!(refusal, Some(Errno::EAGAIN), "after {forked} forks");
        rt::check!(forked > 0, "not one fork succeeded");
        Ok(())
    })
}

/// A 1 MiB file in /tmp takes frames (file data lives in page frames), keeps them while it is
/// open after its name is gone, and gives every one back once closed.
pub fn a_removed_file_gives_back_its_pages_when_closed() -> Result<(), Failure> {
    const PATH: &core::ffi::CStr = c"/tmp/this-kernel-pages";
    check_gives_back(|| {
        let before = free_bytes()?;
        let file = openat(AT_FDCWD, PATH, O_WRONLY | O_CREAT | O_TRUNC, 0o600).context("open")?;
        let chunk = [0x5a_u8; 4096];
        for _ in 0..MIB / chunk.len() {
            write_all(file.raw(), &chunk).context("write")?;
        }
        unlink(PATH).context("unlink")?;
        let spent = before.saturating_sub(free_bytes()?);
        drop(file);
        rt::check!(
            spent >= MIB as u64,
            "1 MiB written and still open took only {spent} bytes"
        );
        Ok(())
    })
}

/// Linux test programs whose every run must leave memory as it found it: threads that exit
/// or are killed, and signals delivered to them (test-threads), file and shared mappings
/// (test-mmap), zombies and /proc (test-proc), message queues and sockets.
const LINUX_PROGRAMS: [&CStr; 5] = [
    c"/tests/test-threads",
    c"/tests/test-mmap",
    c"/tests/test-proc",
    c"/tests/test-mqueue",
    c"/tests/test-sockets",
];

/// Each program runs again, its output thrown away, and must pass and give back every frame.
pub fn linux_test_programs_give_back_their_memory() -> Result<(), Failure> {
    for program in LINUX_PROGRAMS {
        check_gives_back(|| {
            let pid = match fork().context("fork")? {
                Fork::Child => {
                    if let Ok(null) = open(c"/dev/null", O_WRONLY) {
                        let _ = dup3(null.raw(), 1, 0);
                    }
                    let _ = execve(program, [program], []);
                    exit_group(EXEC_FAILED)
                }
                Fork::Parent(pid) => pid,
            };
            let (_, termination) = wait(pid).context("wait4")?;
            rt::check_eq!(
                termination,
                Termination::Exited(0),
                "{}",
                program.to_bytes().escape_ascii()
            );
            Ok(())
        })
        .map_err(|failure| {
            let program = program.to_bytes().escape_ascii();
            Failure::new(format_args!("{program}: {}", failure.reason()))
        })?;
    }
    Ok(())
}
