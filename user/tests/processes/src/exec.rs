//! execve: the arguments and environment a program receives, and the files it refuses.

use rt::errno::Errno;
use rt::sys::process::execve;
use rt::test::Failure;
use rt::wait::Termination;
use testkit::child::{ExecOutcome, capture_stdout, execve_in_child};

pub fn execve_passes_argv_and_envp() -> Result<(), Failure> {
    let captured = capture_stdout(|| {
        let argv = [c"echo-args", c"one", c"two words", c""];
        let envp = [c"A=1", c"EMPTY="];
        execve(c"/bin/echo-args", argv, envp).0
    })?;
    rt::check_eq!(captured.termination, Termination::Exited(0));
    rt::check_eq!(
        captured.text(),
        "argc 4\nargv[0] echo-args\nargv[1] one\nargv[2] two words\nargv[3] \n\
         envp[0] A=1\nenvp[1] EMPTY=\n"
    );
    Ok(())
}

/// Refused before anything is replaced: the caller carries on.
pub fn execve_of_missing_file_is_enoent() -> Result<(), Failure> {
    rt::check_eq!(execve(c"/bin/no-such-program", [c"x"], []), Errno::ENOENT);
    let outcome = execve_in_child(c"/no/such/dir/program", &[c"x"], &[])?;
    rt::check_eq!(outcome, ExecOutcome::Refused(Errno::ENOENT));
    Ok(())
}

/// An executable file that is neither ELF nor a `#!` script (installed by the xtask from
/// user/testdata with mode 0755).
pub fn execve_of_non_elf_file_is_enoexec() -> Result<(), Failure> {
    let outcome = execve_in_child(c"/testdata/not-an-elf", &[c"not-an-elf"], &[])?;
    rt::check_eq!(outcome, ExecOutcome::Refused(Errno::ENOEXEC));
    Ok(())
}

pub fn execve_of_directory_is_eacces() -> Result<(), Failure> {
    let outcome = execve_in_child(c"/bin", &[c"bin"], &[])?;
    rt::check_eq!(outcome, ExecOutcome::Refused(Errno::EACCES));
    Ok(())
}
