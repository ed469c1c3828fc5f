//! /proc: what programs read to learn about themselves, each other and the machine, made when
//! read. One directory per process (while it is not reaped) with exe, cwd, cmdline, comm, stat,
//! status, maps and fd/; `self` leads to the reader's own.

use super::file::{FileKind, now};
use super::initramfs;
use super::page;
use super::vfs::{self, LinkTarget, Listing, Node};
use crate::arch::aarch64::{cpu, timer};
use crate::mm::frames;
use crate::mm::page_table::PAGE_SIZE;
use crate::mm::swap::areas;
use crate::task::exec::STACK_TOP;
use crate::task::process::{Pid, Process};
use crate::task::thread::{RunState, ThreadName};
use crate::task::{self, scheduler};
use crate::task::{cpu_time, load_average};
use alloc::boxed::Box;
use alloc::collections::BTreeMap;
use alloc::format;
use alloc::string::{String, ToString};
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::fmt::Write;

/// Adds /proc to the tree under `root`.
pub fn install(root: &Arc<Node>) {
    let machine_files = [
        ("meminfo", Node::generated(meminfo)),
        ("uptime", Node::generated(uptime)),
        ("stat", Node::generated(machine_stat)),
        ("loadavg", Node::generated(loadavg)),
        ("swaps", Node::generated(areas::proc_swaps)),
        ("cpuinfo", Node::generated(cpuinfo)),
        ("mounts", Node::generated(mounts)),
    ];
    let mut fixed: BTreeMap<String, Arc<Node>> = machine_files
        .into_iter()
        .map(|(name, node)| (String::from(name), node))
        .collect();
    let own_pid = || task::current().pid.to_string();
    fixed.insert(String::from("self"), computed_link(own_pid));
    // An initramfs that brought its own /proc keeps it.
    let _ = root.insert("proc", Node::listed(ProcRoot { fixed }), now());
}

fn computed_link(target: impl Fn() -> String + Send + Sync + 'static) -> Arc<Node> {
    Node::symlink(LinkTarget::Computed(Box::new(target)), now())
}

/// /proc itself: the machine's files, `self`, and a directory per process.
struct ProcRoot {
    fixed: BTreeMap<String, Arc<Node>>,
}

impl Listing for ProcRoot {
    fn names(&self) -> Vec<String> {
        let pids = scheduler::processes()
            .into_iter()
            .map(|p| p.pid.to_string());
        self.fixed.keys().cloned().chain(pids).collect()
    }

    fn make(&self, name: &str) -> Option<Arc<Node>> {
        if let Some(node) = self.fixed.get(name) {
            return Some(node.clone());
        }
        let pid = name.parse().ok()?;
        scheduler::find(pid)?;
        Some(Node::listed(ProcessDirectory { pid }))
    }
}

/// /proc/<pid>. Each file looks the process up when read: it reads empty once the process
/// is reaped.
struct ProcessDirectory {
    pid: Pid,
}

type ProcessFile = fn(&Process) -> Vec<u8>;

const PROCESS_FILES: [(&str, ProcessFile); 5] = [
    ("cmdline", cmdline),
    ("comm", comm),
    ("maps", maps),
    ("stat", stat),
    ("status", status),
];

impl Listing for ProcessDirectory {
    fn names(&self) -> Vec<String> {
        let files = PROCESS_FILES.iter().map(|(name, _)| *name);
        files
            .chain(["cwd", "exe", "fd"])
            .map(String::from)
            .collect()
    }

    fn make(&self, name: &str) -> Option<Arc<Node>> {
        let pid = self.pid;
        let with_process = move |read: fn(&Process) -> String| {
            move || scheduler::find(pid).map_or_else(String::new, |p| read(&p))
        };
        match name {
            "exe" => Some(computed_link(with_process(|p| {
                p.state.lock().executable.clone()
            }))),
            "cwd" => Some(computed_link(with_process(|p| {
                let cwd = p.state.lock().cwd.clone();
                cwd.path_below(initramfs::root()).unwrap_or_default()
            }))),
            "fd" => Some(Node::listed(FdDirectory { pid })),
            _ => {
                let (_, generate) = PROCESS_FILES.iter().find(|(file, _)| *file == name)?;
                let generate = *generate;
                Some(Node::generated(move || {
                    scheduler::find(pid).map_or_else(Vec::new, |p| generate(&p))
                }))
            }
        }
    }
}

/// /proc/<pid>/fd: a link per open descriptor to what it has open.
struct FdDirectory {
    pid: Pid,
}

impl Listing for FdDirectory {
    fn names(&self) -> Vec<String> {
        scheduler::find(self.pid).map_or_else(Vec::new, |process| {
            let state = process.state.lock();
            state
                .files
                .open_descriptors()
                .map(|fd| fd.to_string())
                .collect()
        })
    }

    fn make(&self, name: &str) -> Option<Arc<Node>> {
        let (pid, fd) = (self.pid, name.parse().ok()?);
        Some(computed_link(move || {
            let file = scheduler::find(pid).and_then(|p| p.state.lock().files.get(fd).ok());
            file.map_or_else(String::new, |file| describe(&file.kind))
        }))
    }
}

/// What Linux's /proc/<pid>/fd links say: the file's path, or the kind of anonymous file and
/// its inode number.
fn describe(kind: &FileKind) -> String {
    match kind {
        FileKind::Node(node) => {
            vfs::find_path(initramfs::root(), node).unwrap_or_else(|| String::from("/ (deleted)"))
        }
        FileKind::PipeRead(pipe) | FileKind::PipeWrite(pipe) => {
            format!("pipe:[{}]", pipe.channel())
        }
        FileKind::Socket(socket) => format!("socket:[{}]", Arc::as_ptr(socket) as u64),
        FileKind::MessageQueue(queue) => format!("mqueue:[{}]", Arc::as_ptr(queue) as u64),
    }
}

/// The process's command name: its first thread's (which prctl may have changed).
fn name(process: &Process) -> String {
    let name = scheduler::find_thread(process.pid)
        .map(|leader| leader.state.lock().name)
        .unwrap_or_else(|| ThreadName::of_program(&process.state.lock().executable));
    let length = name.0.iter().position(|&b| b == 0).unwrap_or(name.0.len());
    String::from_utf8_lossy(&name.0[..length]).into_owned()
}

/// Linux's one-letter state and its word: running, sleeping, stopped or zombie.
fn run_state(process: &Process) -> (char, &'static str) {
    let (zombie, stopped) = {
        let state = process.state.lock();
        (state.zombie.is_some(), state.stopped)
    };
    let leader = scheduler::find_thread(process.pid);
    match leader.map(|thread| thread.state.lock().run) {
        _ if zombie => ('Z', "zombie"),
        _ if stopped => ('T', "stopped"),
        Some(RunState::Sleeping(_)) => ('S', "sleeping"),
        _ => ('R', "running"),
    }
}

fn virtual_size(process: &Process) -> usize {
    let space = process.state.lock().address_space.clone();
    space.map_or(0, |space| {
        space.regions().iter().map(|(r, _)| r.len()).sum()
    })
}

/// One line per region: addresses, permissions, and Linux's names for the stack and heap.
fn maps(process: &Process) -> Vec<u8> {
    let (space, program_break) = {
        let state = process.state.lock();
        (state.address_space.clone(), state.program_break.start)
    };
    let mut text = String::new();
    for (range, protection) in space.map(|space| space.regions()).unwrap_or_default() {
        let name = if range.contains(&(STACK_TOP - 1)) {
            "[stack]"
        } else if range.start == program_break {
            "[heap]"
        } else {
            ""
        };
        let flag = |on: bool, letter: char| if on { letter } else { '-' };
        let _ = writeln!(
            text,
            "{:08x}-{:08x} {}{}{}p 00000000 00:00 0{}{name}",
            range.start,
            range.end,
            flag(protection.read, 'r'),
            flag(protection.write, 'w'),
            flag(protection.execute, 'x'),
            if name.is_empty() { "" } else { "          " },
        );
    }
    text.into_bytes()
}

/// The 52 fields of Linux's /proc/<pid>/stat; fault counts and memory sizes other than the
/// virtual size are not kept (zero).
fn stat(process: &Process) -> Vec<u8> {
    let (parent, group, session) = {
        let state = process.state.lock();
        (state.parent, state.group, state.session)
    };
    let (state, _) = run_state(process);
    let threads = scheduler::threads_of(process).len();
    let vsize = virtual_size(process);
    let (user, system) = process.cpu_clock.read().clock_ticks();
    let (children_user, children_system) = process.state.lock().children_times.clock_ticks();
    let mut text = format!(
        "{} ({}) {state} {parent} {group} {session} 0 -1 0 0 0 0 0 {user} {system} \
         {children_user} {children_system} 20 0 {threads} 0 0 {vsize} 0",
        process.pid,
        name(process),
    );
    // rsslim (25) to exit_code (52): zero.
    for _ in 25..=52 {
        text.push_str(" 0");
    }
    text.push('\n');
    text.into_bytes()
}

/// The human-readable summary `ps` and people read.
fn status(process: &Process) -> Vec<u8> {
    let (parent, umask) = {
        let state = process.state.lock();
        (state.parent, state.umask)
    };
    let (letter, word) = run_state(process);
    let mut text = format!(
        "Name:\t{}\nUmask:\t{umask:04o}\nState:\t{letter} ({word})\nTgid:\t{pid}\nPid:\t{pid}\n\
         PPid:\t{parent}\nTracerPid:\t0\nUid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\n",
        name(process),
        pid = process.pid,
    );
    let vsize = virtual_size(process);
    if vsize != 0 {
        let space = process.state.lock().address_space.clone();
        let locked = space.map_or(0, |space| space.locked_bytes());
        let _ = writeln!(text, "VmSize:\t{:>8} kB", vsize / 1024);
        let _ = writeln!(text, "VmLck:\t{:>8} kB", locked / 1024);
    }
    let _ = writeln!(text, "Threads:\t{}", scheduler::threads_of(process).len());
    text.into_bytes()
}

fn comm(process: &Process) -> Vec<u8> {
    let mut text = name(process);
    text.push('\n');
    text.into_bytes()
}

/// The arguments of the program's execve, each followed by a NUL.
fn cmdline(process: &Process) -> Vec<u8> {
    process.state.lock().command_line.clone()
}

fn meminfo() -> Vec<u8> {
    let kib = |pages: usize| pages * PAGE_SIZE / 1024;
    let (file_pages, _) = page::usage();
    let (total, free) = (frames::total_frames(), frames::free_frames());
    let (swap_total, swap_free) = areas::totals();
    let mut text = String::new();
    for (label, pages) in [
        ("MemTotal:", total),
        ("MemFree:", free),
        ("MemAvailable:", free),
        ("Buffers:", 0),
        ("Cached:", file_pages),
        ("SwapTotal:", swap_total),
        ("SwapFree:", swap_free),
        ("Shmem:", file_pages),
    ] {
        let _ = writeln!(text, "{label:<16}{:>8} kB", kib(pages));
    }
    text.into_bytes()
}

/// Seconds since boot and seconds the CPU spent idle, to the hundredth.
fn uptime() -> Vec<u8> {
    let up = timer::now_nanos() / 10_000_000;
    let idle = cpu_time::clock_ticks(cpu_time::MACHINE.read().1);
    format!(
        "{}.{:02} {}.{:02}\n",
        up / 100,
        up % 100,
        idle / 100,
        idle % 100
    )
    .into_bytes()
}

/// The CPU's time (user, nice, system, idle, then six kinds this kernel does not have) in
/// clock ticks, for the machine and its one CPU, and how many threads can run.
fn machine_stat() -> Vec<u8> {
    let (busy, idle) = cpu_time::MACHINE.read();
    let (user, system) = busy.clock_ticks();
    let idle = cpu_time::clock_ticks(idle);
    let times = format!("{user} 0 {system} {idle} 0 0 0 0 0 0");
    format!(
        "cpu  {times}\ncpu0 {times}\nbtime 0\nprocs_running {}\nprocs_blocked 0\n",
        scheduler::runnable_count()
    )
    .into_bytes()
}

/// The load averages, the runnable and existing threads, and the last pid handed out.
fn loadavg() -> Vec<u8> {
    let mut text = String::new();
    for (whole, hundredths) in load_average::averages() {
        let _ = write!(text, "{whole}.{hundredths:02} ");
    }
    let _ = writeln!(
        text,
        "{}/{} {}",
        scheduler::runnable_count(),
        scheduler::count(),
        task::last_id()
    );
    text.into_bytes()
}

/// The boot CPU as arm64 Linux describes it (only one CPU runs).
fn cpuinfo() -> Vec<u8> {
    let midr = cpu::id().midr;
    let bogomips = timer::counter_frequency() * 2 / 10_000;
    format!(
        "processor\t: 0\nBogoMIPS\t: {}.{:02}\nFeatures\t: fp asimd cpuid\n\
         CPU implementer\t: {:#04x}\nCPU architecture: 8\nCPU variant\t: {:#x}\n\
         CPU part\t: {:#05x}\nCPU revision\t: {}\n\n",
        bogomips / 100,
        bogomips % 100,
        (midr >> 24) & 0xff,
        (midr >> 20) & 0xf,
        (midr >> 4) & 0xfff,
        midr & 0xf,
    )
    .into_bytes()
}

fn mounts() -> Vec<u8> {
    b"rootfs / tmpfs rw 0 0\nproc /proc proc rw 0 0\n".to_vec()
}
