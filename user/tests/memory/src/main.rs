//! test-memory: the program break, anonymous mappings and their protections, demand paging,
//! and copy-on-write after fork. Accesses that must fault happen in forked children, whose
//! death by SIGSEGV the test checks.
#![no_std]
#![no_main]

mod brk;
mod copy_on_write;
mod faults;
mod mappings;
mod protection;

use rt::args::Args;

rt::entry!(main);

fn main(_: Args) -> i32 {
    use brk::*;
    use copy_on_write::*;
    use faults::*;
    use mappings::*;
    use protection::*;
    rt::test::run_tests(
        "memory",
        &rt::tests![
            brk_grows_to_the_exact_request,
            brk_memory_is_writable_and_regrows_zeroed,
            brk_shrink_unmaps,
            brk_refuses_impossible_requests_by_staying,
            mmap_gives_zeroed_writable_pages,
            mmap_rounds_length_up_to_pages,
            mmap_fixed_replaces_pages,
            mmap_rejects_bad_arguments,
            mmap_of_absurd_length_is_enomem,
            munmap_then_access_kills_with_sigsegv,
            munmap_of_middle_page_keeps_neighbours,
            munmap_rejects_unaligned_and_empty_ranges,
            mprotect_read_only_keeps_data_and_forbids_writes,
            mprotect_none_forbids_reads,
            mprotect_rejects_unaligned_and_unmapped_ranges,
            executing_non_executable_memory_kills,
            null_kernel_and_code_writes_kill,
            sparse_touches_of_large_mapping_work,
            fork_copies_on_write_both_ways,
        ],
    )
}
