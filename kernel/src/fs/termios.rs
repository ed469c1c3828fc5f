//! `struct termios` as arm64 Linux has it (asm-generic, 36 bytes), the flags the console's
//! line discipline obeys, and the settings a terminal starts with. Pure data, tested on the
//! host.

/// c_iflag bits.
pub const INLCR: u32 = 0o100;
pub const IGNCR: u32 = 0o200;
pub const ICRNL: u32 = 0o400;
pub const IXON: u32 = 0o2000;
/// c_oflag bits.
pub const OPOST: u32 = 0o1;
pub const ONLCR: u32 = 0o4;
/// c_cflag bits (the baud rate is the console's 115200).
pub const B115200: u32 = 0o10002;
pub const CS8: u32 = 0o60;
pub const CREAD: u32 = 0o200;
pub const HUPCL: u32 = 0o2000;
/// c_lflag bits.
pub const ISIG: u32 = 0o1;
pub const ICANON: u32 = 0o2;
pub const ECHO: u32 = 0o10;
pub const ECHOE: u32 = 0o20;
pub const ECHOK: u32 = 0o40;
pub const ECHONL: u32 = 0o100;
pub const NOFLSH: u32 = 0o200;
pub const TOSTOP: u32 = 0o400;
pub const ECHOCTL: u32 = 0o1000;
pub const ECHOKE: u32 = 0o4000;
pub const IEXTEN: u32 = 0o100000;

/// c_cc indices.
pub const VINTR: usize = 0;
pub const VQUIT: usize = 1;
pub const VERASE: usize = 2;
pub const VKILL: usize = 3;
pub const VEOF: usize = 4;
pub const VTIME: usize = 5;
pub const VMIN: usize = 6;
pub const VSUSP: usize = 10;
pub const VEOL: usize = 11;
pub const VWERASE: usize = 14;
pub const VEOL2: usize = 16;
/// Control characters (NCCS).
const CONTROL_CHARACTERS: usize = 19;
/// Bytes of `struct termios`.
pub const SIZE: usize = 36;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Termios {
    pub iflag: u32,
    pub oflag: u32,
    pub cflag: u32,
    pub lflag: u32,
    pub line: u8,
    pub cc: [u8; CONTROL_CHARACTERS],
}

/// What Linux gives a new terminal (tty_std_termios): lines edited and echoed, Ctrl-C and
/// Ctrl-\ as signals, CR read as NL, NL written as CR NL.
pub const DEFAULT: Termios = Termios {
    iflag: ICRNL | IXON,
    oflag: OPOST | ONLCR,
    cflag: B115200 | CS8 | CREAD | HUPCL,
    lflag: ISIG | ICANON | ECHO | ECHOE | ECHOK | ECHOCTL | ECHOKE | IEXTEN,
    line: 0,
    // INTR ^C, QUIT ^\, ERASE DEL, KILL ^U, EOF ^D, TIME 0, MIN 1, SWTC, START ^Q, STOP ^S,
    // SUSP ^Z, EOL, REPRINT ^R, DISCARD ^O, WERASE ^W, LNEXT ^V, EOL2.
    cc: [
        0x03, 0x1c, 0x7f, 0x15, 0x04, 0, 1, 0, 0x11, 0x13, 0x1a, 0, 0x12, 0x0f, 0x17, 0x16, 0, 0, 0,
    ],
};

impl Termios {
    pub fn to_bytes(self) -> [u8; SIZE] {
        let mut bytes = [0u8; SIZE];
        for (index, flag) in [self.iflag, self.oflag, self.cflag, self.lflag]
            .into_iter()
            .enumerate()
        {
            bytes[index * 4..index * 4 + 4].copy_from_slice(&flag.to_le_bytes());
        }
        bytes[16] = self.line;
        bytes[17..].copy_from_slice(&self.cc);
        bytes
    }

    pub fn from_bytes(bytes: &[u8; SIZE]) -> Self {
        let flag = |index: usize| {
            u32::from_le_bytes(bytes[index * 4..index * 4 + 4].try_into().expect("4 bytes"))
        };
        Self {
            iflag: flag(0),
            oflag: flag(1),
            cflag: flag(2),
            lflag: flag(3),
            line: bytes[16],
            cc: bytes[17..].try_into().expect("19 bytes"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_layout_is_linux_s() {
        let bytes = DEFAULT.to_bytes();
        // c_lflag at 12, c_line at 16, c_cc from 17: VINTR, VMIN.
        assert_eq!(
            u32::from_le_bytes(bytes[12..16].try_into().unwrap()),
            0o105073
        );
        assert_eq!(bytes[17 + VINTR], 0x03);
        assert_eq!(bytes[17 + VMIN], 1);
        assert_eq!(Termios::from_bytes(&bytes), DEFAULT);
    }
}
