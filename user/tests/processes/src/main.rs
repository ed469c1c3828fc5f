//! test-processes: identity, fork and exit statuses, execve and the initial stack, deaths
//! by signal, wait4's options and errors, 60 concurrent children, and preemption.
#![no_std]
#![no_main]

mod exec;
mod identity;
mod kills;
mod lifecycle;
mod scheduling;
mod startup;
mod waiting;

use rt::args::Args;

rt::entry!(main);

fn main(_: Args) -> i32 {
    use exec::*;
    use identity::*;
    use kills::*;
    use lifecycle::*;
    use scheduling::*;
    use startup::*;
    use waiting::*;
    rt::test::run_tests(
        "processes",
        &rt::tests![
            getpid_and_getppid_relate_parent_and_child,
            set_tid_address_returns_the_thread_id,
            sched_yield_succeeds,
            fork_returns_the_child_and_its_exit_status,
            exit_status_keeps_the_low_eight_bits,
            exit_ends_the_process_like_exit_group,
            execve_passes_argv_and_envp,
            execve_of_missing_file_is_enoent,
            execve_of_non_elf_file_is_enoexec,
            execve_of_directory_is_eacces,
            initial_stack_is_aligned,
            auxv_describes_the_program,
            null_write_kills_with_sigsegv,
            sigkill_ends_a_looping_child,
            kill_checks_pid_and_signal,
            wait4_nohang_returns_zero_while_child_runs,
            wait4_without_children_is_echild,
            sixty_concurrent_children_are_all_reaped,
            looping_child_does_not_stop_the_parent,
            fp_simd_registers_are_per_process,
        ],
    )
}
