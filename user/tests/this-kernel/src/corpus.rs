//! The crafted ELF files the xtask puts in the initramfs: execve must refuse each malformed
//! one in /corpus with ENOEXEC, and the caller must live on (each attempt runs in a child, to
//! see that it is refused and does not run or kill); each in /linux-layouts, laid out as GNU
//! ld and glibc lay files out, must run and exit 0.

use core::ffi::CStr;

use rt::errno::Errno;
use rt::fixed_str::FixedStr;
use rt::path::PathBuf;
use rt::sys::dir::for_each_name_sorted;
use rt::sys::stat::{S_IFREG, stat};
use rt::test::{Context, Failure};
use rt::wait::Termination;
use testkit::child::{ExecOutcome, execve_in_child};

const CORPUS: &CStr = c"/corpus";
const LINUX_LAYOUTS: &CStr = c"/linux-layouts";

pub fn malformed_elf_files_are_refused_with_enoexec() -> Result<(), Failure> {
    expect_of_each(CORPUS, |outcome| {
        matches!(outcome, ExecOutcome::Refused(Errno::ENOEXEC))
    })
}

pub fn elf_files_laid_out_as_linux_accepts_run() -> Result<(), Failure> {
    expect_of_each(LINUX_LAYOUTS, |outcome| {
        matches!(outcome, ExecOutcome::Ran(Termination::Exited(0)))
    })
}

/// Executes every regular file in `directory`, each in a child, and checks that `expected`
/// holds for each outcome.
fn expect_of_each(directory: &CStr, expected: fn(&ExecOutcome) -> bool) -> Result<(), Failure> {
    let mut tried = 0;
    let mut wrong = 0;
    let mut report = FixedStr::<300>::new();
    let mut failure = None;
    for_each_name_sorted(directory, |name| {
        let Some(path) = PathBuf::join(directory, name) else {
            return;
        };
        let path = path.as_c_str();
        if stat(path).map(|status| status.file_type()) != Ok(S_IFREG) {
            return;
        }
        tried += 1;
        match execve_in_child(path, &[name], &[]) {
            Ok(outcome) if expected(&outcome) => {}
            Ok(outcome) => {
                wrong += 1;
                report.push_str(
                    FixedStr::<120>::from_fmt(format_args!(
                        "{}: {outcome:?}; ",
                        name.to_bytes().escape_ascii()
                    ))
                    .as_str(),
                );
            }
            Err(error) => failure = Some(error),
        }
    })
    .context("list the directory")?;
    if let Some(error) = failure {
        return Err(error);
    }
    rt::check!(tried > 0, "the directory holds no files");
    rt::check_eq!(wrong, 0, "of {tried} files: {report}");
    Ok(())
}
