//! The malformed ELF files the xtask puts in /corpus: execve must refuse each with ENOEXEC,
//! and the caller must live on (each attempt runs in a child, to see that it is refused and
//! does not run or kill).

use core::ffi::CStr;

use rt::errno::Errno;
use rt::fixed_str::FixedStr;
use rt::path::PathBuf;
use rt::sys::dir::for_each_name_sorted;
use rt::sys::stat::{S_IFREG, stat};
use rt::test::{Context, Failure};
use testkit::child::{ExecOutcome, execve_in_child};

const CORPUS: &CStr = c"/corpus";

pub fn malformed_elf_files_are_refused_with_enoexec() -> Result<(), Failure> {
    let mut tried = 0;
    let mut wrong = 0;
    let mut report = FixedStr::<300>::new();
    let mut failure = None;
    for_each_name_sorted(CORPUS, |name| {
        let Some(path) = PathBuf::join(CORPUS, name) else {
            return;
        };
        let path = path.as_c_str();
        if stat(path).map(|status| status.file_type()) != Ok(S_IFREG) {
            return;
        }
        tried += 1;
        match execve_in_child(path, &[name], &[]) {
            Ok(ExecOutcome::Refused(Errno::ENOEXEC)) => {}
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
    .context("list /corpus")?;
    if let Some(error) = failure {
        return Err(error);
    }
    rt::check!(tried > 0, "/corpus holds no files");
    rt::check_eq!(wrong, 0, "of {tried} files: {report}");
    Ok(())
}
