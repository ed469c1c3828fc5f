//! The system as a whole: its name, its memory, randomness and powering off.

use core::ffi::CStr;

use crate::errno::Errno;
use crate::syscall;

/// `struct utsname`: six NUL-terminated fields of 65 bytes.
#[repr(C)]
pub struct Utsname {
    pub sysname: [u8; 65],
    pub nodename: [u8; 65],
    pub release: [u8; 65],
    pub version: [u8; 65],
    pub machine: [u8; 65],
    pub domainname: [u8; 65],
}

/// One utsname field up to its NUL (empty if it has none).
pub fn field_text(field: &[u8; 65]) -> &CStr {
    CStr::from_bytes_until_nul(field).unwrap_or_default()
}

pub fn uname() -> Result<Utsname, Errno> {
    let mut name = Utsname {
        sysname: [0; 65],
        nodename: [0; 65],
        release: [0; 65],
        version: [0; 65],
        machine: [0; 65],
        domainname: [0; 65],
    };
    // SAFETY: the kernel writes one `struct utsname`, which `name` is.
    unsafe { syscall!(UNAME, &raw mut name) }?;
    Ok(name)
}

/// `struct sysinfo` on a 64-bit kernel (112 bytes).
#[repr(C)]
#[derive(Default, Debug)]
pub struct Sysinfo {
    pub uptime: i64,
    pub loads: [u64; 3],
    pub totalram: u64,
    pub freeram: u64,
    pub sharedram: u64,
    pub bufferram: u64,
    pub totalswap: u64,
    pub freeswap: u64,
    pub procs: u16,
    pub pad: u16,
    pub totalhigh: u64,
    pub freehigh: u64,
    pub mem_unit: u32,
}

const _: () = assert!(size_of::<Sysinfo>() == 112);

impl Sysinfo {
    /// Free memory in bytes.
    pub fn free_bytes(&self) -> u64 {
        self.freeram * u64::from(self.mem_unit.max(1))
    }
}

pub fn sysinfo() -> Result<Sysinfo, Errno> {
    let mut info = Sysinfo::default();
    // SAFETY: the kernel writes one `struct sysinfo`, which `info` is.
    unsafe { syscall!(SYSINFO, &raw mut info) }?;
    Ok(info)
}

pub fn getrandom(buffer: &mut [u8], flags: u32) -> Result<usize, Errno> {
    // SAFETY: the kernel writes at most `buffer.len()` bytes into `buffer`.
    unsafe { syscall!(GETRANDOM, buffer.as_mut_ptr(), buffer.len(), flags) }
}

const LINUX_REBOOT_MAGIC1: usize = 0xfee1_dead;
const LINUX_REBOOT_MAGIC2: usize = 672_274_793;
const LINUX_REBOOT_CMD_POWER_OFF: usize = 0x4321_fedc;

/// Powers the machine off; returns only why it could not.
pub fn power_off() -> Errno {
    // SAFETY: no memory is passed.
    let result = unsafe {
        syscall!(
            REBOOT,
            LINUX_REBOOT_MAGIC1,
            LINUX_REBOOT_MAGIC2,
            LINUX_REBOOT_CMD_POWER_OFF,
            0
        )
    };
    match result {
        Err(errno) => errno,
        Ok(_) => unreachable!("reboot(POWER_OFF) returned"),
    }
}
