//! /proc: what programs read to learn about themselves and the machine, made when read.
//! Only `self` of the per-process directories exists: exe, maps, stat, cmdline.

use super::file::now;
use super::page;
use super::vfs::{LinkTarget, Node};
use crate::arch::aarch64::{cpu, timer};
use crate::mm::frames;
use crate::mm::page_table::PAGE_SIZE;
use crate::task::exec::STACK_TOP;
use crate::task::{self, scheduler};
use alloc::format;
use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::fmt::Write;

/// Adds /proc to the tree under `root`.
pub fn install(root: &Arc<Node>) {
    let directory = |entries: &[(&str, Arc<Node>)]| {
        let directory = Node::directory(0o555, now());
        for (name, node) in entries {
            directory
                .insert(name, node.clone(), now())
                .expect("distinct names in a new directory");
        }
        directory
    };
    let own = directory(&[
        (
            "exe",
            Node::symlink(LinkTarget::Computed(executable), now()),
        ),
        ("maps", Node::generated(maps)),
        ("stat", Node::generated(stat)),
        ("cmdline", Node::generated(cmdline)),
    ]);
    let proc = directory(&[
        ("self", own),
        ("meminfo", Node::generated(meminfo)),
        ("uptime", Node::generated(uptime)),
        ("cpuinfo", Node::generated(cpuinfo)),
        ("mounts", Node::generated(mounts)),
    ]);
    // An initramfs that brought its own /proc keeps it.
    let _ = root.insert("proc", proc, now());
}

fn executable() -> String {
    task::current().state.lock().executable.clone()
}

/// One line per region: addresses, permissions, and Linux's names for the stack and heap.
fn maps() -> Vec<u8> {
    let process = task::current();
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
fn stat() -> Vec<u8> {
    let thread = task::current_thread();
    let process = &thread.process;
    let name = thread.state.lock().name;
    let name_length = name.0.iter().position(|&b| b == 0).unwrap_or(name.0.len());
    let (parent, group, session, vsize) = {
        let state = process.state.lock();
        let vsize: usize = state
            .address_space
            .as_ref()
            .map(|space| space.regions().iter().map(|(r, _)| r.len()).sum())
            .unwrap_or(0);
        (state.parent, state.group, state.session, vsize)
    };
    let threads = scheduler::threads_of(process).len();
    let (user, system) = process.cpu_clock.read().clock_ticks();
    let (children_user, children_system) = process.state.lock().children_times.clock_ticks();
    let mut text = format!(
        "{} ({}) R {parent} {group} {session} 0 -1 0 0 0 0 0 {user} {system} {children_user} \
         {children_system} 20 0 {threads} 0 0 {vsize} 0",
        process.pid,
        String::from_utf8_lossy(&name.0[..name_length]),
    );
    // rsslim (25) to exit_code (52): zero.
    for _ in 25..=52 {
        text.push_str(" 0");
    }
    text.push('\n');
    text.into_bytes()
}

/// The arguments are not kept after execve; the program's path stands for them.
fn cmdline() -> Vec<u8> {
    let mut bytes = executable().into_bytes();
    bytes.push(0);
    bytes
}

fn meminfo() -> Vec<u8> {
    let kib = |pages: usize| pages * PAGE_SIZE / 1024;
    let (file_pages, _) = page::usage();
    let (total, free) = (frames::total_frames(), frames::free_frames());
    let mut text = String::new();
    for (label, pages) in [
        ("MemTotal:", total),
        ("MemFree:", free),
        ("MemAvailable:", free),
        ("Buffers:", 0),
        ("Cached:", file_pages),
        ("SwapTotal:", 0),
        ("SwapFree:", 0),
        ("Shmem:", file_pages),
    ] {
        let _ = writeln!(text, "{label:<16}{:>8} kB", kib(pages));
    }
    text.into_bytes()
}

fn uptime() -> Vec<u8> {
    let centiseconds = timer::now_nanos() / 10_000_000;
    // Idle time is not measured.
    format!("{}.{:02} 0.00\n", centiseconds / 100, centiseconds % 100).into_bytes()
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
