//! Building a process image from an ELF file: segments, stack, program break.

use super::elf::{self, LoadPlan};
use super::signal::frame;
use super::user_stack::{
    self, AT_CLKTCK, AT_EGID, AT_ENTRY, AT_EUID, AT_GID, AT_HWCAP, AT_PAGESZ, AT_PHDR, AT_PHENT,
    AT_PHNUM, AT_SECURE, AT_UID,
};
use crate::errno::{EACCES, ENOEXEC, ENOMEM, Errno};
use crate::fs::vfs::{Node, NodeKind};
use crate::mm::address_space::{AddressSpace, Protection};
use crate::mm::page_table::PAGE_SIZE;
use alloc::sync::Arc;
use alloc::vec::Vec;

/// One past the top of the initial stack, with an unmapped gap below `USER_TOP`.
pub const STACK_TOP: usize = 0x0000_ffff_feff_f000;
/// The page right above the stack, where signal handlers return through when the program
/// names no restorer of its own (glibc on arm64 names none: Linux's vDSO provides the code).
/// It shares the translation table of the stack's top, so it costs no table of its own in
/// every fork, exit and execve.
pub const SIGNAL_RETURN_PAGE: usize = STACK_TOP;
const _: () = assert!(SIGNAL_RETURN_PAGE / (2 << 20) == (STACK_TOP - 1) / (2 << 20));
/// The stack region (demand-paged); below it nothing is mapped: the guard gap.
pub const STACK_SIZE: usize = 8 << 20;

/// AT_HWCAP bits: floating point and Advanced SIMD, which every supported CPU has. C libraries
/// pick their string routines by these.
const HWCAP_FP: u64 = 1 << 0;
const HWCAP_ASIMD: u64 = 1 << 1;
/// AT_CLKTCK: the unit of times() and /proc's tick counts, Linux's USER_HZ.
const CLOCK_TICKS_PER_SECOND: u64 = 100;

/// A loaded program, ready to run.
pub struct Image {
    pub space: Arc<AddressSpace>,
    pub entry: usize,
    pub stack_pointer: usize,
    /// Where the program break starts (the page after the highest segment).
    pub program_break: usize,
}

/// Loads the executable `node` into a new address space with `argv` and `envp`.
pub fn load(
    node: &Node,
    argv: &[Vec<u8>],
    envp: &[Vec<u8>],
    random: [u8; 16],
) -> Result<Image, Errno> {
    let NodeKind::File(data) = &node.kind else {
        return Err(EACCES);
    };
    if node.mode() & 0o111 == 0 {
        return Err(EACCES);
    }
    // An initramfs program is lent as it is; a written one is copied once.
    let file = data.lock().contents();
    let plan = elf::plan(&file).map_err(|_| ENOEXEC)?;
    let space = AddressSpace::new()?;
    for segment in plan.segments.iter().filter(|s| !s.pages.is_empty()) {
        space
            .reserve(segment.pages.clone(), segment.protection)
            .map_err(|_| ENOEXEC)?;
    }
    // Only once all are reserved: a segment's bytes may lie in a page the next one owns.
    for segment in &plan.segments {
        space
            .write_bytes(segment.memory.start, &file[segment.file_bytes.clone()])
            .map_err(|_| ENOMEM)?;
    }
    space.reserve(STACK_TOP - STACK_SIZE..STACK_TOP, Protection::READ_WRITE)?;
    map_signal_return(&space)?;
    let stack = build_stack(&plan, argv, envp, random);
    space
        .write_bytes(stack.sp, &stack.bytes)
        .map_err(|_| ENOMEM)?;
    let program_break = plan.segments.iter().map(|s| s.pages.end).max().unwrap_or(0);
    Ok(Image {
        space,
        entry: plan.entry,
        stack_pointer: stack.sp,
        program_break: program_break.next_multiple_of(PAGE_SIZE),
    })
}

/// Maps [`SIGNAL_RETURN_PAGE`] with its code.
fn map_signal_return(space: &AddressSpace) -> Result<(), Errno> {
    let page = SIGNAL_RETURN_PAGE;
    space.reserve(page..page + PAGE_SIZE, Protection::new(true, false, true))?;
    let code: Vec<u8> = frame::RETURN_TRAMPOLINE_CODE
        .iter()
        .flat_map(|instruction| instruction.to_le_bytes())
        .collect();
    space.write_bytes(page, &code).map_err(|_| ENOMEM)
}

fn build_stack(
    plan: &LoadPlan,
    argv: &[Vec<u8>],
    envp: &[Vec<u8>],
    random: [u8; 16],
) -> user_stack::StackImage {
    let argv: Vec<&[u8]> = argv.iter().map(Vec::as_slice).collect();
    let envp: Vec<&[u8]> = envp.iter().map(Vec::as_slice).collect();
    let auxv = [
        (AT_PHDR, plan.program_headers as u64),
        (AT_PHENT, goblin::elf64::program_header::SIZEOF_PHDR as u64),
        (AT_PHNUM, plan.program_header_count as u64),
        (AT_PAGESZ, PAGE_SIZE as u64),
        (AT_ENTRY, plan.entry as u64),
        (AT_HWCAP, HWCAP_FP | HWCAP_ASIMD),
        (AT_CLKTCK, CLOCK_TICKS_PER_SECOND),
        (AT_UID, 0),
        (AT_EUID, 0),
        (AT_GID, 0),
        (AT_EGID, 0),
        (AT_SECURE, 0),
    ];
    user_stack::build(STACK_TOP, &argv, &envp, &auxv, random)
}
