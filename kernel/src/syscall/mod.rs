//! System calls: the Linux AArch64 numbers, their arguments, and negative errno results.
//!
//! Handlers are safe code: every user pointer reaches them as a `UserPtr`/`UserSlice`/
//! `UserCStr` and is only touched through uaccess.

mod attributes;
mod files;
mod framebuffer;
mod futex;
mod identity;
mod memory;
mod message_queue;
mod namespace;
mod paths;
mod poll;
mod process;
mod resources;
mod signal;
mod socket;
mod swap;
mod system;
mod terminal;
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

/// Stores `values` as 64-bit little-endian words at the start of a structure for user memory.
fn put_words(bytes: &mut [u8], values: &[u64]) {
    for (index, value) in values.iter().enumerate() {
        bytes[8 * index..8 * index + 8].copy_from_slice(&value.to_le_bytes());
    }
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
        17 => paths::getcwd(&args),
        23 => files::dup(&args),
        24 => files::dup3(&args),
        25 => files::fcntl(&args), // partial: no locks; only dup, FD_CLOEXEC and F_GETFL/F_SETFL
        29 => files::ioctl(&args), // partial: FIONBIO, FIOCLEX, FIONCLEX; the console's terminal requests
        34 => namespace::mkdirat(&args),
        35 => namespace::unlinkat(&args),
        36 => namespace::symlinkat(&args),
        37 => namespace::linkat(&args),
        38 => namespace::renameat(&args),
        43 => attributes::statfs(&args),
        44 => attributes::fstatfs(&args),
        45 => attributes::truncate(&args),
        46 => attributes::ftruncate(&args),
        48 => attributes::faccessat(&args),
        49 => paths::chdir(&args),
        50 => paths::fchdir(&args),
        52 => attributes::fchmod(&args),
        53 => attributes::fchmodat(&args),
        54 => attributes::fchownat(&args),
        55 => attributes::fchown(&args),
        56 => files::openat(&args),
        57 => files::close(&args),
        59 => files::pipe2(&args),
        61 => files::getdents64(&args),
        62 => files::lseek(&args),
        63 => files::read(&args),
        64 => files::write(&args),
        65 => files::readv(&args),
        66 => files::writev(&args),
        67 => files::pread64(&args),
        68 => files::pwrite64(&args),
        72 => poll::pselect6(&args),
        73 => poll::ppoll(&args),
        78 => namespace::readlinkat(&args),
        79 => attributes::newfstatat(&args),
        80 => attributes::fstat(&args),
        81 => attributes::sync(),
        82 | 83 => files::fsync(&args),
        88 => attributes::utimensat(&args),
        93 => process::exit(&args),
        94 => process::exit_group(&args),
        96 => process::set_tid_address(&args),
        98 => futex::futex(&args), // partial: no FUTEX_WAKE_OP and no PI operations (ENOSYS)
        99 => futex::set_robust_list(&args), // partial: the list is not walked when a thread exits
        100 => futex::get_robust_list(&args),
        101 => time::nanosleep(&args),
        102 => signal::getitimer(&args),
        103 => signal::setitimer(&args),
        113 => time::clock_gettime(&args), // partial: clocks count from boot (no RTC, no CPU time)
        114 => time::clock_getres(&args),
        115 => time::clock_nanosleep(&args), // partial: no CPU-time clocks (EINVAL)
        123 => resources::sched_getaffinity(&args), // partial: one CPU (CPU 0)
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
        142 => system::reboot(&args), // partial: restart and halt power off; no CAD_ON/CAD_OFF
        143 | 145 => identity::set_ids(&args, 2), // partial: only root's id (0) is accepted
        144 | 146 => identity::set_ids(&args, 1), // partial: only root's id (0) is accepted
        147 | 149 => identity::set_ids(&args, 3), // partial: only root's id (0) is accepted
        148 | 150 => identity::get_real_effective_saved(&args),
        153 => resources::times(&args),
        154 => identity::setpgid(&args),
        155 => identity::getpgid(&args),
        156 => identity::getsid(&args),
        157 => identity::setsid(),
        160 => system::uname(&args),
        163 => resources::getrlimit(&args),
        164 => resources::setrlimit(&args),
        165 => resources::getrusage(&args), // partial: CPU times only
        166 => files::umask(&args),
        167 => process::prctl(&args), // partial: only PR_SET_NAME and PR_GET_NAME
        169 => time::gettimeofday(&args), // partial: counts from boot: no real-time clock
        172 => process::getpid(),
        173 => process::getppid(),
        174..=177 => identity::root_id(),
        178 => process::gettid(),
        179 => system::sysinfo(&args),
        180 => message_queue::mq_open(&args),
        181 => message_queue::mq_unlink(&args),
        182 => message_queue::mq_timedsend(&args),
        183 => message_queue::mq_timedreceive(&args),
        185 => message_queue::mq_getsetattr(&args),
        198 => socket::socket(&args), // partial: always EAFNOSUPPORT: no address families
        199 => socket::socketpair(&args), // partial: AF_UNIX stream and seqpacket only
        206 => socket::sendto(&args), // partial: no MSG_OOB (EOPNOTSUPP)
        207 => socket::recvfrom(&args), // partial: no MSG_PEEK, MSG_OOB, MSG_WAITALL (EOPNOTSUPP)
        210 => socket::shutdown(&args),
        211 => socket::sendmsg(&args), // partial: no ancillary data (SCM_RIGHTS), no MSG_OOB
        212 => socket::recvmsg(&args), // partial: no ancillary data, MSG_PEEK, MSG_OOB, MSG_WAITALL
        214 => memory::brk(&args),
        215 => memory::munmap(&args),
        216 => memory::mremap(&args), // partial: a moved mapping's pages are copied
        220 => process::clone(&args, frame), // partial: fork, vfork and whole threads only
        221 => process::execve(&args, frame),
        222 => memory::mmap(&args),
        224 => swap::swapon(&args), // partial: partitions only, no swap files
        225 => swap::swapoff(&args),
        226 => memory::mprotect(&args),
        227 => memory::msync(&args),
        228 => memory::mlock(&args),
        229 => memory::munlock(&args),
        230 => memory::mlockall(&args),
        231 => memory::munlockall(),
        232 => memory::mincore(&args),
        233 => memory::madvise(&args), // partial: hints ignored; no REMOVE, WIPEONFORK, HWPOISON
        260 => process::wait4(&args),  // partial: rusage has CPU times only
        261 => resources::prlimit64(&args),
        276 => namespace::renameat2(&args), // partial: no RENAME_WHITEOUT
        278 => system::getrandom(&args),
        279 => memory::memfd_create(&args),
        284 => memory::mlock2(&args),
        437 => files::openat2(&args), // partial: no RESOLVE_* flags (EINVAL)
        439 => attributes::faccessat2(&args),
        452 => attributes::fchmodat2(&args),
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
