//! test-pointers: every pointer-taking system call given NULL, unmapped, PROT_NONE, kernel,
//! beyond-user-space, read-only (for outputs) and page-straddling pointers. Linux answers
//! EFAULT, except where it never touches the memory or reports a partial result: those
//! exact answers are checked too.
#![no_std]
#![no_main]

mod buffer_outputs;
mod exec_args;
mod io;
mod paths;
mod struct_outputs;
mod time;

use rt::args::Args;

rt::entry!(main);

fn main(_: Args) -> i32 {
    use buffer_outputs::*;
    use exec_args::*;
    use io::*;
    use paths::*;
    use struct_outputs::*;
    use time::*;
    rt::test::run_tests(
        "pointers",
        &rt::tests![
            read_into_bad_buffer_is_efault,
            read_into_straddling_buffer_is_partial,
            zero_length_read_checks_only_the_range,
            dev_null_ignores_the_buffer,
            write_from_bad_buffer_is_efault,
            write_from_read_only_buffer_works,
            write_from_straddling_buffer_is_efault,
            readv_with_bad_vector_array_is_efault,
            readv_into_bad_buffer_is_efault,
            writev_with_bad_vector_array_is_efault,
            writev_from_bad_buffer_is_efault,
            openat_with_bad_path_is_efault,
            openat_with_read_only_path_works,
            newfstatat_with_bad_path_is_efault,
            chdir_with_bad_path_is_efault,
            execve_with_bad_path_is_efault,
            execve_with_bad_argv_array_is_efault,
            execve_with_bad_argv_string_is_efault,
            execve_with_bad_envp_array_is_efault,
            execve_with_bad_envp_string_is_efault,
            execve_with_null_argv_and_envp_runs,
            fstat_into_bad_buffer_is_efault,
            newfstatat_into_bad_buffer_is_efault,
            pipe2_into_bad_array_is_efault_without_leaking,
            wait4_with_bad_status_is_efault_and_reaps,
            wait4_with_null_status_reaps,
            uname_into_bad_buffer_is_efault,
            sysinfo_into_bad_buffer_is_efault,
            tcgets_into_bad_buffer_is_efault,
            clock_gettime_into_bad_buffer_is_efault,
            clock_getres_into_bad_buffer_is_efault,
            gettimeofday_into_bad_buffer_is_efault,
            gettimeofday_with_null_timeval_succeeds,
            nanosleep_with_bad_request_is_efault,
            clock_nanosleep_with_bad_request_is_efault,
            nanosleep_ignores_bad_remainder_when_not_interrupted,
            getcwd_into_bad_buffer_is_efault,
            getcwd_checks_size_before_buffer,
            getrandom_into_bad_buffer_is_efault,
            getdents64_into_bad_buffer_is_efault,
        ],
    )
}
