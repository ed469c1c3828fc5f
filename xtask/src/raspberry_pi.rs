//! The Raspberry Pi boards as their firmware boots them from an SD card: the kernel's file name
//! and the firmware files the card must hold.

use anyhow::{Result, bail};

use crate::board::Board;

/// A board whose firmware loads the kernel from the SD card's FAT partition.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RaspberryPi {
    Pi3,
    Pi4,
    Pi5,
}

impl RaspberryPi {
    pub fn of(board: Board) -> Result<Self> {
        match board {
            Board::Rpi3 => Ok(RaspberryPi::Pi3),
            Board::Rpi4 => Ok(RaspberryPi::Pi4),
            Board::Rpi5 => Ok(RaspberryPi::Pi5),
            Board::Virt => bail!(
                "board virt exists only in QEMU and boots from no SD card; SD-card images are \
                 for the boards rpi3, rpi4 and rpi5"
            ),
        }
    }

    pub fn board(self) -> Board {
        match self {
            RaspberryPi::Pi3 => Board::Rpi3,
            RaspberryPi::Pi4 => Board::Rpi4,
            RaspberryPi::Pi5 => Board::Rpi5,
        }
    }

    /// The models the board's kernel is for, for people reading config.txt.
    pub fn models(self) -> &'static str {
        match self {
            RaspberryPi::Pi3 => "Raspberry Pi 3B, 3B+, 3A+, Zero 2 W",
            RaspberryPi::Pi4 => "Raspberry Pi 4B, 400, CM4",
            RaspberryPi::Pi5 => "Raspberry Pi 5",
        }
    }

    /// The file the firmware loads as a 64-bit kernel: the Pi 5's firmware looks for its own
    /// name first, so a card can serve it and older Pis at once.
    pub fn kernel_file(self) -> &'static str {
        match self {
            RaspberryPi::Pi3 | RaspberryPi::Pi4 => "kernel8.img",
            RaspberryPi::Pi5 => "kernel_2712.img",
        }
    }

    /// The firmware's own files on the card. The Pi 3's boot ROM loads bootcode.bin, which starts
    /// the VideoCore firmware start.elf with its memory-split table fixup.dat; the Pi 4 boots
    /// from its EEPROM straight into start4.elf; the Pi 5's EEPROM bootloader loads the kernel
    /// itself and needs nothing on the card.
    pub fn firmware_files(self) -> &'static [&'static str] {
        match self {
            RaspberryPi::Pi3 => &["bootcode.bin", "start.elf", "fixup.dat"],
            RaspberryPi::Pi4 => &["start4.elf", "fixup4.dat"],
            RaspberryPi::Pi5 => &[],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_raspberry_pi_board_has_a_card_and_virt_has_none() {
        for board in [Board::Rpi3, Board::Rpi4, Board::Rpi5] {
            assert_eq!(RaspberryPi::of(board).unwrap().board(), board);
        }
        let error = RaspberryPi::of(Board::Virt).unwrap_err().to_string();
        assert!(error.contains("only in QEMU"), "{error}");
    }

    #[test]
    fn only_the_pi_5_has_its_own_kernel_name_and_no_firmware_files() {
        assert_eq!(RaspberryPi::Pi3.kernel_file(), "kernel8.img");
        assert_eq!(RaspberryPi::Pi5.kernel_file(), "kernel_2712.img");
        assert!(RaspberryPi::Pi5.firmware_files().is_empty());
        // The Pi 4 boots from EEPROM: bootcode.bin on its card would only be dead weight.
        assert!(!RaspberryPi::Pi4.firmware_files().contains(&"bootcode.bin"));
        assert!(RaspberryPi::Pi3.firmware_files().contains(&"bootcode.bin"));
    }
}
