//! System calls: the Linux AArch64 numbers, their arguments, and negative errno results.
//!
//! Handlers are safe code: every user pointer reaches them as a `UserPtr`/`UserSlice`/
//! `UserCStr` and is only touched through uaccess.

mod files;
mod futex;
mod identity;
mod memory;
mod poll;
mod process;
mod resources;
mod signal;
mod socket;
mod system;
mod time;

use crate::arch::aarch64::trap_frame::TrapFrame;
use crate::errno::{EFAULT, EINTR, ENOSYS, Errno};
use crate::task::signal::delivery::Interrupted;
use crate::uaccess::{UserPtr, copy_from_user, copy_to_user};

pub type SyscallResult = Result<usize, Errno>;

/// `N` bytes from user memory at `address`, all of them or EFAULT.
fn read_user<const N: usize>(address: usize) -> Result<[u8; N], Errno> {
    let mut bytes = [0u8; N];
    match copy_from_user(&mut bytes, UserPtr::new(address)) {
        0 => Ok(bytes),
        _ => Err(EFAULT),
    }
}

/// `bytes` to user memory at `address`, all of them or EFAULT.
fn write_user(address: usize, bytes: &[u8]) -> Result<(), Errno> {
    match copy_to_user(UserPtr::new(address), bytes) {
        0 => Ok(()),
        _ => Err(EFAULT),
    }
}

/// The 64-bit little-endian word at `index` (in words) of a structure read from user memory.
fn word(bytes: &[u8], index: usize) -> u64 {
    u64::from_le_bytes(bytes[8 * index..8 * index + 8].try_into().expect("8 bytes"))
}

/// The six argument registers.
pub struct Arguments([u64; 6]);

impl Arguments {
    pub fn usize(&self, index: usize) -> usize {
        self.0[index] as usize
    }

    /// A 32-bit signed argument (file descriptors, flags) as the kernel sees it.
    pub fn i32(&self, index: usize) -> i32 {
        self.0[index] as i32
    }

    pub fn i64(&self, index: usize) -> i64 {
        self.0[index] as i64
    }
}

/// Runs the system call in x8 with x0-x5 and puts the result (or -errno) in x0. A call a
/// signal interrupted says EINTR there and is returned, for the signal code to settle.
pub fn dispatch(frame: &mut TrapFrame) -> Option<Interrupted> {
    let number = frame.x[8];
    let args = Arguments([
        frame.x[0], frame.x[1], frame.x[2], frame.x[3], frame.x[4], frame.x[5],
    ]);
    let result = match number {
        17 => files::getcwd(&args),
        23 => files::dup(&args),
        24 => files::dup3(&args),
        25 => files::fcntl(&args),
        29 => files::ioctl(&args),
        49 => files::chdir(&args),
        56 => files::openat(&args),
        57 => files::close(&args),
        59 => files::pipe2(&args),
        61 => files::getdents64(&args),
        62 => files::lseek(&args),
        63 => files::read(&args),
        64 => files::write(&args),
        65 => files::readv(&args),
        66 => files::writev(&args),
        73 => poll::ppoll(&args),
        79 => files::newfstatat(&args),
        80 => files::fstat(&args),
        93 => process::exit(&args),
        94 => process::exit_group(&args),
        96 => process::set_tid_address(&args),
        98 => futex::futex(&args),
        99 => futex::set_robust_list(&args),
        100 => futex::get_robust_list(&args),
        101 => time::nanosleep(&args),
        102 => signal::getitimer(&args),
        103 => signal::setitimer(&args),
        113 => time::clock_gettime(&args),
        114 => time::clock_getres(&args),
        115 => time::clock_nanosleep(&args),
        123 => resources::sched_getaffinity(&args),
        124 => process::sched_yield(),
        129 => signal::kill(&args),
        130 => signal::tkill(&args),
        131 => signal::tgkill(&args),
        132 => signal::sigaltstack(&args, frame),
        133 => signal::rt_sigsuspend(&args),
        134 => signal::rt_sigaction(&args),
        135 => signal::rt_sigprocmask(&args),
        136 => signal::rt_sigpending(&args),
        137 => signal::rt_sigtimedwait(&args),
        139 => signal::rt_sigreturn(frame),
        142 => system::reboot(&args),
        143 | 145 => identity::set_ids(&args, 2),
        144 | 146 => identity::set_ids(&args, 1),
        147 | 149 => identity::set_ids(&args, 3),
        148 | 150 => identity::get_real_effective_saved(&args),
        154 => identity::setpgid(&args),
        155 => identity::getpgid(&args),
        156 => identity::getsid(&args),
        157 => identity::setsid(),
        160 => system::uname(&args),
        163 => resources::getrlimit(&args),
        164 => resources::setrlimit(&args),
        166 => files::umask(&args),
        167 => process::prctl(&args),
        169 => time::gettimeofday(&args),
        172 => process::getpid(),
        173 => process::getppid(),
        174..=177 => identity::root_id(),
        178 => process::gettid(),
        179 => system::sysinfo(&args),
        198 => socket::socket(&args),
        199 => socket::socketpair(&args),
        206 => socket::sendto(&args),
        207 => socket::recvfrom(&args),
        210 => socket::shutdown(&args),
        211 => socket::sendmsg(&args),
        212 => socket::recvmsg(&args),
        214 => memory::brk(&args),
        215 => memory::munmap(&args),
        220 => process::clone(&args, frame),
        221 => process::execve(&args, frame),
        222 => memory::mmap(&args),
        226 => memory::mprotect(&args),
        260 => process::wait4(&args),
        261 => resources::prlimit64(&args),
        278 => system::getrandom(&args),
        437 => files::openat2(&args),
        _ => Err(ENOSYS),
    };
    let interrupted = match result {
        Err(error) => Interrupted::from_result(error, args.0[0]),
        Ok(_) => None,
    };
    let result = if interrupted.is_some() {
        Err(EINTR)
    } else {
        result
    };
    frame.x[0] = match result {
        Ok(value) => value as u64,
        Err(Errno(errno)) => (-(errno as i64)) as u64,
    };
    interrupted
}
