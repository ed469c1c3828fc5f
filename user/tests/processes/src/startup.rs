//! What execve leaves for a program: an aligned initial stack and an auxiliary vector that
//! describes the program.

use rt::args::{at, auxv, initial_stack};
use rt::test::Failure;

unsafe extern "C" {
    /// The entry point the runtime defines.
    fn _start() -> !;
}

const PT_LOAD: u32 = 1;
const PF_X: u32 = 1;

/// Size of an ELF64 program header, and where its fields of interest are.
const PROGRAM_HEADER_SIZE: usize = 56;
const TYPE: usize = 0;
const FLAGS: usize = 4;
const ADDRESS: usize = 16;
const MEMORY_SIZE: usize = 40;

fn u32_at(header: &[u8], at: usize) -> u32 {
    u32::from_ne_bytes(header[at..at + 4].try_into().unwrap_or_default())
}

fn u64_at(header: &[u8], at: usize) -> u64 {
    u64::from_ne_bytes(header[at..at + 8].try_into().unwrap_or_default())
}

pub fn initial_stack_is_aligned() -> Result<(), Failure> {
    let stack = initial_stack();
    rt::check_eq!(stack % 16, 0, "initial sp {stack:#x}");
    Ok(())
}

pub fn auxv_describes_the_program() -> Result<(), Failure> {
    let entry = auxv(at::ENTRY).ok_or("no AT_ENTRY")?;
    rt::check_eq!(
        entry,
        _start as *const () as usize,
        "AT_ENTRY is not _start"
    );
    let page_size = auxv(at::PAGESZ).ok_or("no AT_PAGESZ")?;
    rt::check!(
        page_size >= 4096 && page_size.is_power_of_two(),
        "AT_PAGESZ {page_size}"
    );
    rt::check_eq!(auxv(at::PHENT), Some(PROGRAM_HEADER_SIZE));
    let count = auxv(at::PHNUM).ok_or("no AT_PHNUM")?;
    let headers = auxv(at::PHDR).ok_or("no AT_PHDR")?;
    rt::check!(count > 0, "AT_PHDR {headers:#x}, AT_PHNUM {count}");
    // SAFETY: AT_PHDR points at AT_PHNUM program headers mapped with the program.
    let headers =
        unsafe { core::slice::from_raw_parts(headers as *const u8, count * PROGRAM_HEADER_SIZE) };
    let entry_is_executable = headers.chunks_exact(PROGRAM_HEADER_SIZE).any(|header| {
        let start = u64_at(header, ADDRESS);
        let range = start..start + u64_at(header, MEMORY_SIZE);
        u32_at(header, TYPE) == PT_LOAD
            && u32_at(header, FLAGS) & PF_X != 0
            && range.contains(&(entry as u64))
    });
    rt::check!(
        entry_is_executable,
        "no executable PT_LOAD holds the entry point"
    );
    let random = auxv(at::RANDOM).ok_or("no AT_RANDOM")?;
    // SAFETY: AT_RANDOM points at 16 bytes on the initial stack.
    let random = unsafe { core::slice::from_raw_parts(random as *const u8, 16) };
    rt::check!(
        random.iter().any(|&byte| byte != 0),
        "AT_RANDOM's 16 bytes are all zero"
    );
    Ok(())
}
