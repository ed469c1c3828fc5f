//! The board the chainloader was built for (a cargo feature), and its console with the MMU off.

use bsp_drivers::pl011::Pl011;
use bsp_drivers::{Board, BoardInfo, Devices};

#[cfg(feature = "board-rpi3")]
type ThisBoard = bsp_rpi3::Rpi3;
#[cfg(feature = "board-rpi4")]
type ThisBoard = bsp_rpi4::Rpi4;
#[cfg(feature = "board-rpi5")]
type ThisBoard = bsp_rpi5::Rpi5;
#[cfg(not(any(feature = "board-rpi3", feature = "board-rpi4", feature = "board-rpi5")))]
compile_error!(
    "select a board feature (board-rpi3, -rpi4 or -rpi5); `cargo xtask chainboot --build-only` does"
);

pub const INFO: BoardInfo = ThisBoard::INFO;

/// The console UART, its pins routed and its line set up as the kernel sets it up.
pub fn console() -> Pl011 {
    // SAFETY: with the MMU off every address is physical and every data access a device access,
    // which is the mapping `devices` asks for at offset 0; the chainloader is alone on the board.
    let Devices { console, .. } = unsafe { ThisBoard::devices(0) };
    console
}
