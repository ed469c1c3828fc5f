//! `cargo xtask chainboot`: the kernel sent over a serial cable to the chainloader on the board's
//! SD card, then the serial port as the kernel's terminal.

use std::fs;
use std::io;
use std::path::PathBuf;

use anyhow::{Context, Result};

use crate::board::Board;
use crate::build::{self, Flavour, KernelBuild, Profile};
use crate::chainloader;
use crate::chainloader_link::Link;
use crate::flash;
use crate::raspberry_pi::RaspberryPi;
use crate::serial_port;
use crate::serial_terminal;
use crate::workspace;

/// Transfers the chainloader refuses before the command gives up: one refusal is a byte lost
/// on the line, three in a row a line that does not work.
const ATTEMPTS: usize = 3;

pub struct Options {
    pub board: Board,
    pub profile: Profile,
    /// The serial port wired to the board's console UART; `None` only builds the chainloader.
    pub serial: Option<PathBuf>,
}

pub fn run(options: &Options) -> Result<()> {
    let pi = RaspberryPi::of(options.board)?;
    let Some(serial) = &options.serial else {
        let image = chainloader::build_image(options.board, options.profile)?;
        println!(
            "put {} on the SD card as {} in place of the kernel, or write a whole card with \
             `cargo xtask image --board {} --chainloader`",
            workspace::relative(&image),
            pi.kernel_file(),
            options.board.name()
        );
        return Ok(());
    };
    let kernel = build::build_with_user_space(&KernelBuild {
        board: options.board,
        profile: options.profile,
        flavour: Flavour::Hardware,
    })?;
    let image = fs::read(&kernel.image)
        .with_context(|| format!("cannot read {}", kernel.image.display()))?;
    let port = serial_port::open(serial)?;
    let mut link = Link::new(port.try_clone()?, port);
    println!(
        "waiting for the chainloader on {} ({} baud): reset the board",
        serial.display(),
        serial_port::BAUD_RATE
    );
    let bar = flash::progress_bar(image.len() as u64, "sending");
    link.send_image(
        &image,
        options.board.load_address(),
        ATTEMPTS,
        None,
        &mut io::stdout(),
        &mut |sent| bar.set_position(sent as u64),
    )?;
    bar.finish();
    let (input, output, unread) = link.into_parts();
    serial_terminal::run(input, output, &unread)
}
