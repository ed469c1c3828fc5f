//! test-files: files of the initramfs, directories, /dev/null, /dev/zero and /dev/console,
//! pipes, descriptor duplication and the working directory, with Linux's error numbers.
#![no_std]
#![no_main]

mod cwd;
mod descriptors;
mod devices;
mod directories;
mod opening;
mod pipes;
mod seeking;
mod status;

use rt::args::Args;

rt::entry!(main);

fn main(_: Args) -> i32 {
    use cwd::*;
    use descriptors::*;
    use devices::*;
    use directories::*;
    use opening::*;
    use pipes::*;
    use seeking::*;
    use status::*;
    rt::test::run_tests(
        "files",
        &rt::tests![
            program_starts_with_elf_magic,
            text_file_reads_back_whole,
            missing_file_is_enoent,
            path_through_a_file_is_enotdir,
            directory_opened_for_writing_is_eisdir,
            reading_a_directory_is_eisdir,
            o_directory_accepts_only_directories,
            read_on_write_only_descriptor_is_ebadf,
            lseek_moves_from_start_current_and_end,
            lseek_rejects_bad_whence_and_negative_offsets,
            lseek_on_pipe_is_espipe,
            fstat_of_regular_file,
            fstat_of_directory_pipe_and_devices,
            newfstatat_matches_fstat,
            newfstatat_relative_to_directory_descriptor,
            root_lists_its_directories,
            dev_lists_its_devices,
            bin_lists_its_programs,
            getdents64_records_are_well_formed,
            getdents64_with_tiny_buffer_is_einval,
            getdents64_on_file_is_enotdir,
            dev_null_reads_eof_and_takes_writes,
            dev_zero_reads_zeros,
            console_is_a_terminal,
            other_files_are_not_terminals,
            pipe_carries_bytes_in_order,
            pipe_reads_eof_after_writer_closes,
            pipe_without_reader_is_epipe_or_sigpipe,
            pipe_ends_are_one_way,
            pipe2_rejects_unknown_flags,
            dup_takes_lowest_free_and_shares_offset,
            dup3_replaces_target,
            dup3_rejects_same_descriptor_and_bad_flags,
            closing_a_bad_descriptor_is_ebadf,
            chdir_moves_getcwd_and_relative_paths,
            chdir_rejects_files_and_missing_paths,
            getcwd_with_small_buffer_is_erange,
        ],
    )
}
