//! Running a program: a word with a '/' is a path, any other names a file in /bin. The shell
//! waits for it and reports how it ended unless it exited with 0.

use core::ffi::CStr;

use rt::args::env;
use rt::errno::Errno;
use rt::path::PathBuf;
use rt::spawn::spawn;
use rt::sys::process::wait;
use rt::sys::stat::stat;
use rt::wait::Termination;

use crate::words::Words;

const PROGRAMS: &CStr = c"/bin";

pub fn run(command: &CStr, words: &Words<'_>) {
    let shown = command.to_bytes().escape_ascii();
    let path = if command.to_bytes().contains(&b'/') {
        PathBuf::new(command)
    } else {
        PathBuf::join(PROGRAMS, command)
    };
    let Some(path) = path else {
        return rt::eprintln!("sh: {shown}: name too long");
    };
    let path = path.as_c_str();
    // Looked up first, so that a missing program is reported once, by the shell.
    match stat(path) {
        Ok(_) => {}
        Err(Errno::ENOENT) => return rt::eprintln!("sh: {shown}: not found"),
        Err(errno) => return rt::eprintln!("sh: {shown}: {errno}"),
    }
    let ended = spawn("sh", path, words.all().iter().copied(), env())
        .and_then(|child| wait(child).map(|(_, termination)| termination));
    match ended {
        Ok(Termination::Exited(0)) => {}
        Ok(termination) => rt::eprintln!("sh: {shown}: {termination:?}"),
        Err(errno) => rt::eprintln!("sh: {shown}: {errno}"),
    }
}
