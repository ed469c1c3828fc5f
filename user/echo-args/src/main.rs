//! echo-args: prints argc, then each argument and environment string on its own line, so a
//! test can check what execve passed.
#![no_std]
#![no_main]

use rt::args::{Args, env};
use rt::println;

rt::entry!(main);

fn main(args: Args) -> i32 {
    println!("argc {}", args.count());
    for (index, arg) in args.iter().enumerate() {
        println!("argv[{index}] {}", arg.to_bytes().escape_ascii());
    }
    for (index, variable) in env().enumerate() {
        println!("envp[{index}] {}", variable.to_bytes().escape_ascii());
    }
    0
}
