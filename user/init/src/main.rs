//! init, the first process. `init` keeps a shell on the console; `init --test` runs every
//! program in /tests and powers off if all passed; `init <path> [args...]` runs one program
//! and exits with its status.
#![no_std]
#![no_main]

mod children;
mod shell;
mod test_programs;

use rt::args::Args;

rt::entry!(main);

fn main(args: Args) -> i32 {
    match args.get(1) {
        None => shell::keep_a_shell_running(),
        Some(option) if option == c"--test" => test_programs::run_all(),
        Some(program) => children::run_once(program, args.iter().skip(1)),
    }
}
