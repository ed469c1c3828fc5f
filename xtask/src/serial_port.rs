//! A serial port (such as a USB serial cable's /dev/ttyUSB0) set to the boards' console line:
//! 115200 baud, 8 data bits, no parity, 1 stop bit, no flow control, raw bytes.

use std::fs::File;
use std::path::Path;

use anyhow::{Context, Result};
use rustix::fs::{Mode, OFlags};
use rustix::termios::{
    ControlModes, OptionalActions, QueueSelector, SpecialCodeIndex, tcflush, tcgetattr, tcsetattr,
};

/// The rate every board's console runs at: the bsp crates set their PL011s to it.
pub const BAUD_RATE: u32 = 115_200;

/// Opens the serial port at `path` and sets its line up.
pub fn open(path: &Path) -> Result<File> {
    // NOCTTY: a serial port must not become this program's controlling terminal.
    let flags = OFlags::RDWR | OFlags::NOCTTY | OFlags::CLOEXEC;
    let port = File::from(
        rustix::fs::open(path, flags, Mode::empty())
            .with_context(|| format!("cannot open the serial port {}", path.display()))?,
    );
    let mut termios =
        tcgetattr(&port).with_context(|| format!("{} is not a serial port", path.display()))?;
    // No echo, no line editing, no signals, no character translation, 8 bits a character.
    termios.make_raw();
    termios.control_modes -= ControlModes::PARENB | ControlModes::CSTOPB | ControlModes::CRTSCTS;
    // CLOCAL: the cables have no modem lines worth waiting for.
    termios.control_modes |= ControlModes::CLOCAL | ControlModes::CREAD;
    termios.set_speed(BAUD_RATE)?;
    // A read returns as soon as one byte is there.
    termios.special_codes[SpecialCodeIndex::VMIN] = 1;
    termios.special_codes[SpecialCodeIndex::VTIME] = 0;
    tcsetattr(&port, OptionalActions::Now, &termios)
        .with_context(|| format!("cannot set up the serial port {}", path.display()))?;
    // Bytes that arrived before, perhaps at another speed, are no answer to anything we send.
    tcflush(&port, QueueSelector::IFlush)?;
    Ok(port)
}

#[cfg(test)]
mod tests {
    use std::ffi::OsStr;
    use std::os::unix::ffi::OsStrExt;

    use rustix::pty::{OpenptFlags, grantpt, openpt, ptsname, unlockpt};
    use rustix::termios::{InputModes, LocalModes};

    use super::*;

    #[test]
    fn sets_a_terminal_to_115200_8n1_raw() {
        // A pseudo-terminal stands in for the cable: it keeps the settings a serial port takes.
        let controller = openpt(OpenptFlags::RDWR | OpenptFlags::NOCTTY).unwrap();
        grantpt(&controller).unwrap();
        unlockpt(&controller).unwrap();
        let name = ptsname(&controller, Vec::new()).unwrap();
        let port = open(Path::new(OsStr::from_bytes(name.as_bytes()))).unwrap();

        let termios = tcgetattr(&port).unwrap();
        assert_eq!(termios.input_speed(), BAUD_RATE);
        assert_eq!(termios.output_speed(), BAUD_RATE);
        assert!(
            termios
                .control_modes
                .contains(ControlModes::CS8 | ControlModes::CREAD)
        );
        assert!(
            !termios
                .control_modes
                .intersects(ControlModes::PARENB | ControlModes::CSTOPB | ControlModes::CRTSCTS)
        );
        assert!(
            !termios
                .local_modes
                .intersects(LocalModes::ICANON | LocalModes::ECHO | LocalModes::ISIG)
        );
        assert!(
            !termios
                .input_modes
                .intersects(InputModes::ICRNL | InputModes::IXON)
        );
    }

    #[test]
    fn names_a_file_that_is_no_serial_port() {
        let error = open(Path::new("/dev/null")).unwrap_err().to_string();
        assert_eq!(error, "/dev/null is not a serial port");
        let missing = open(Path::new("/dev/no-such-tty")).unwrap_err().to_string();
        assert!(
            missing.contains("cannot open the serial port /dev/no-such-tty"),
            "{missing}"
        );
    }
}
