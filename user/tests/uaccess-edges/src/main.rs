//! test-uaccess-edges: Linux's results for buffers that run from mapped memory into memory
//! the kernel cannot use. Linux reports partial copies for /dev/zero, files, readv and
//! getrandom, EFAULT with nothing consumed for pipes, and only the whole entries that fit
//! for getdents64. Valid parts are multiples of 64 bytes: Linux's AArch64 copy routines
//! count progress in 8- and 16-byte steps, so only such edges give an exact count there.
#![no_std]
#![no_main]

mod directories;
mod exact_fits;
mod pipes;
mod reads;
mod vectors;

use rt::args::Args;

rt::entry!(main);

fn main(_: Args) -> i32 {
    use directories::*;
    use exact_fits::*;
    use pipes::*;
    use reads::*;
    use vectors::*;
    rt::test::run_tests(
        "uaccess_edges",
        &rt::tests![
            dev_zero_read_stops_at_the_edge,
            dev_zero_read_of_whole_pages_stops_at_the_edge,
            file_read_stops_at_the_edge_and_advances_by_what_it_copied,
            getrandom_stops_at_the_edge,
            readv_with_bad_second_vector_returns_the_first,
            readv_with_kernel_second_vector_is_efault,
            writev_to_dev_null_ignores_an_unmapped_vector,
            pipe_read_across_the_edge_is_efault_and_keeps_the_data,
            pipe_write_across_the_edge_is_efault_and_writes_nothing,
            pipe_writev_with_bad_second_vector_is_efault_and_writes_nothing,
            pipe_write_counts_the_whole_pages_before_the_edge,
            getdents64_returns_the_entries_that_fit,
            getdents64_with_no_entry_fitting_is_efault,
            paths_ending_at_the_edge_work,
            execve_argument_ending_at_the_edge_works,
            getcwd_ending_at_the_edge_works,
            results_ending_at_the_edge_work,
        ],
    )
}
