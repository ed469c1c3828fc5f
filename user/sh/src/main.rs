//! sh: an interactive shell on the console. It reads a line with its own echo and erase
//! (the console is raw), splits it into words, and runs a builtin or a program.
#![no_std]
#![no_main]

mod builtins;
mod line;
mod program;
mod words;

use rt::args::Args;

use crate::line::{Line, read_line};
use crate::words::Words;

rt::entry!(main);

fn main(_: Args) -> i32 {
    line::take_raw_input();
    let mut buffer = [0u8; line::CAPACITY];
    loop {
        rt::print!("$ ");
        let len = match read_line(&mut buffer) {
            Line::Complete(len) => len,
            Line::EndOfInput => return 0,
        };
        let words = Words::split(&mut buffer, len);
        let Some(command) = words.get(0) else {
            continue;
        };
        if !builtins::run(command, &words) {
            program::run(command, &words);
        }
    }
}
