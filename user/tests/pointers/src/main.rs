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
mod signals;
mod struct_outputs;
mod time;

use rt::args::Args;

rt::entry!(main);

fn main(_: Args) -> i32 {
    use buffer_outputs::*;
    use exec_args::*;
    use io::*;
    use paths::*;
    use signals::*;
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
            rt_sigaction_with_bad_act_is_efault_and_changes_nothing,
            rt_sigaction_into_bad_oldact_is_efault_after_changing_the_action,
            rt_sigaction_reads_act_before_checking_the_signal,
            rt_sigaction_with_null_pointers_succeeds,
            wrong_sigsetsize_is_einval_before_any_pointer_is_used,
            rt_sigprocmask_with_bad_set_is_efault_and_keeps_the_mask,
            rt_sigprocmask_into_bad_oldset_is_efault_after_changing_the_mask,
            rt_sigprocmask_with_null_pointers_succeeds,
            rt_sigpending_into_bad_set_is_efault,
            rt_sigpending_writes_only_sigsetsize_bytes,
            rt_sigsuspend_with_bad_mask_is_efault_without_sleeping,
            rt_sigtimedwait_with_bad_set_is_efault_and_takes_nothing,
            rt_sigtimedwait_with_bad_timeout_is_efault_and_takes_nothing,
            rt_sigtimedwait_into_bad_info_is_efault_and_takes_the_signal,
            rt_sigtimedwait_with_null_info_and_timeout_succeeds,
            sigaltstack_with_bad_ss_is_efault_and_changes_nothing,
            sigaltstack_into_bad_old_ss_is_efault_after_changing_the_stack,
            sigaltstack_with_null_pointers_succeeds,
            getitimer_into_bad_buffer_is_efault,
            setitimer_with_bad_new_is_efault_and_keeps_the_timer,
            setitimer_into_bad_old_is_efault_after_arming,
            setitimer_with_null_new_disarms,
            signal_inputs_from_read_only_memory_work,
        ],
    )
}
