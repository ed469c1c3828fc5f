//! The commands the shell carries out itself.

use core::ffi::CStr;

use rt::sys::dir::{chdir, for_each_name_sorted, getcwd};
use rt::sys::process::exit_group;
use rt::sys::system::power_off;

use crate::words::Words;

const HELP: &str = "\
builtins:
  help             this text
  echo WORDS...    print the words
  ls [DIR]         list a directory (default: the current one)
  cd [DIR]         change directory (default: /)
  pwd              print the current directory
  exit [N]         leave the shell with status N (default 0)
  poweroff         switch the machine off
anything else runs /bin/NAME, or the path if the name has a '/', with its arguments";

/// Carries out `command` if it is a builtin; whether it was one.
pub fn run(command: &CStr, words: &Words<'_>) -> bool {
    let argument = words.get(1);
    match command.to_bytes() {
        b"help" => rt::println!("{HELP}"),
        b"echo" => echo(&words.all()[1..]),
        b"ls" => list(argument.unwrap_or(c".")),
        b"cd" => change_directory(argument.unwrap_or(c"/")),
        b"pwd" => print_working_directory(),
        b"exit" => exit(argument),
        b"poweroff" => rt::eprintln!("poweroff: {}", power_off()),
        _ => return false,
    }
    true
}

fn echo(words: &[&CStr]) {
    for (index, word) in words.iter().enumerate() {
        let separator = if index == 0 { "" } else { " " };
        rt::print!("{separator}{}", word.to_bytes().escape_ascii());
    }
    rt::println!();
}

fn list(directory: &CStr) {
    let listed = for_each_name_sorted(directory, |name| {
        if name != c"." && name != c".." {
            rt::println!("{}", name.to_bytes().escape_ascii());
        }
    });
    if let Err(errno) = listed {
        rt::eprintln!("ls: {}: {errno}", directory.to_bytes().escape_ascii());
    }
}

fn change_directory(directory: &CStr) {
    if let Err(errno) = chdir(directory) {
        rt::eprintln!("cd: {}: {errno}", directory.to_bytes().escape_ascii());
    }
}

fn print_working_directory() {
    let mut buffer = [0u8; 256];
    match getcwd(&mut buffer) {
        Ok(path) => rt::println!("{}", path.to_bytes().escape_ascii()),
        Err(errno) => rt::eprintln!("pwd: {errno}"),
    }
}

fn exit(status: Option<&CStr>) {
    let Some(status) = status else { exit_group(0) };
    match status
        .to_str()
        .ok()
        .and_then(|text| text.parse::<i32>().ok())
    {
        Some(status) => exit_group(status),
        None => rt::eprintln!("exit: {}: not a number", status.to_bytes().escape_ascii()),
    }
}
