//! test-this-kernel: checks specific to this kernel, not expected to pass on Linux: what
//! uname says, that a fork bomb meets a process cap, that a memory hog, a faulting process,
//! a fork bomb and the Linux test programs each give back every frame (sysinfo's freeram),
//! that untouched memory costs nothing, that execve refuses every malformed ELF in /corpus
//! with ENOEXEC and runs the files in /linux-layouts.
#![no_std]
#![no_main]

mod corpus;
mod free_memory;
mod identity;
mod reclaim;

use rt::args::Args;

rt::entry!(main);

fn main(_: Args) -> i32 {
    use corpus::*;
    use identity::*;
    use reclaim::*;
    identity::print_uname();
    rt::test::run_tests(
        "this_kernel",
        &rt::tests![
            uname_names_the_kernel_and_machine,
            faulting_process_gives_back_its_memory,
            untouched_memory_costs_nothing,
            memory_hog_gives_back_its_memory,
            fork_bomb_meets_the_process_cap_and_gives_back_its_memory,
            a_removed_file_gives_back_its_pages_when_closed,
            linux_test_programs_give_back_their_memory,
            malformed_elf_files_are_refused_with_enoexec,
            elf_files_laid_out_as_linux_accepts_run,
        ],
    )
}
