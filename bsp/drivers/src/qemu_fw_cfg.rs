//! QEMU's firmware configuration device (fw_cfg, QEMU's docs/specs/fw_cfg.rst) on its MMIO
//! interface: named files the emulator offers, read through the data port and written by DMA.

use crate::DmaPage;
use core::ptr::{read_volatile, write_volatile};
use core::sync::atomic::{Ordering, fence};
use tock_registers::interfaces::{Readable, Writeable};
use tock_registers::register_structs;
use tock_registers::registers::{ReadOnly, WriteOnly};

/// Selector keys: the signature, the feature bits and the file directory.
const SIGNATURE: u16 = 0x0000;
const FEATURES: u16 = 0x0001;
const FILE_DIRECTORY: u16 = 0x0019;
const EXPECTED_SIGNATURE: [u8; 4] = *b"QEMU";
const FEATURE_DMA: u32 = 1 << 1;
/// A directory entry: size (be32), selector (be16), reserved (be16), name (56 bytes, NUL-padded).
const NAME_LEN: usize = 56;

/// DMA control bits: the transfer failed; select an item first; write to it.
const CONTROL_ERROR: u32 = 1 << 0;
const CONTROL_SELECT: u32 = 1 << 3;
const CONTROL_WRITE: u32 = 1 << 4;
/// Where in the DMA page the access descriptor goes, and the data after it.
const DESCRIPTOR_OFFSET: usize = 0;
const DATA_OFFSET: usize = 64;
const PATIENCE: u32 = 1_000_000;

register_structs! {
    /// The MMIO interface (big-endian selector and DMA address, whatever the CPU's order).
    Registers {
        /// The selected item's next byte on each byte read.
        (0x00 => data: ReadOnly<u8>),
        (0x01 => _reserved),
        (0x08 => selector: WriteOnly<u16>),
        (0x0a => _reserved1),
        /// The physical address of a DMA descriptor; writing it runs the transfer.
        (0x10 => dma_address: WriteOnly<u64>),
        (0x18 => @END),
    }
}

/// One of fw_cfg's files, by the selector that reaches it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FileEntry {
    pub selector: u16,
    pub size: u32,
}

pub struct FwCfg {
    registers: &'static Registers,
    dma: DmaPage,
}

impl FwCfg {
    /// The device at `base`, if it is there and can do DMA (QEMU 2.9 and later).
    ///
    /// # Safety
    /// `base` is fw_cfg's registers, mapped as device memory, ours alone; `dma` is a page
    /// ours alone.
    pub unsafe fn probe(base: usize, dma: DmaPage) -> Option<Self> {
        let device = Self {
            // SAFETY: as the caller promises.
            registers: unsafe { &*(base as *const Registers) },
            dma,
        };
        device.select(SIGNATURE);
        if device.read_bytes::<4>() != EXPECTED_SIGNATURE {
            return None;
        }
        device.select(FEATURES);
        let features = u32::from_le_bytes(device.read_bytes());
        (features & FEATURE_DMA != 0).then_some(device)
    }

    /// The file called `name`, if the emulator offers it.
    pub fn find(&self, name: &str) -> Option<FileEntry> {
        self.select(FILE_DIRECTORY);
        let count = u32::from_be_bytes(self.read_bytes());
        (0..count).find_map(|_| {
            let size = u32::from_be_bytes(self.read_bytes());
            let selector = u16::from_be_bytes(self.read_bytes());
            let _reserved: [u8; 2] = self.read_bytes();
            let entry_name: [u8; NAME_LEN] = self.read_bytes();
            let len = entry_name.iter().position(|&byte| byte == 0)?;
            (&entry_name[..len] == name.as_bytes()).then_some(FileEntry { selector, size })
        })
    }

    /// Writes `bytes` (at most a page less the descriptor) to the start of `file` by DMA;
    /// false if the device refused.
    pub fn write(&self, file: FileEntry, bytes: &[u8]) -> bool {
        assert!(DATA_OFFSET + bytes.len() <= 4096, "fits the DMA page");
        let data = (self.dma.virt + DATA_OFFSET) as *mut u8;
        let descriptor = (self.dma.virt + DESCRIPTOR_OFFSET) as *mut u32;
        let control = (u32::from(file.selector) << 16) | CONTROL_SELECT | CONTROL_WRITE;
        // SAFETY: the DMA page is ours; the device reads it only during the transfer below.
        unsafe {
            for (index, byte) in bytes.iter().enumerate() {
                write_volatile(data.add(index), *byte);
            }
            write_volatile(descriptor, control.to_be());
            write_volatile(descriptor.add(1), (bytes.len() as u32).to_be());
            write_volatile(
                descriptor.add(2) as *mut u64,
                ((self.dma.phys + DATA_OFFSET) as u64).to_be(),
            );
        }
        fence(Ordering::SeqCst);
        self.registers
            .dma_address
            .set(((self.dma.phys + DESCRIPTOR_OFFSET) as u64).to_be());
        // The device clears the control word when done, leaving only the error bit.
        let finished = (0..PATIENCE).find_map(|_| {
            // SAFETY: as above.
            let control = u32::from_be(unsafe { read_volatile(descriptor) });
            (control & !CONTROL_ERROR == 0).then_some(control)
        });
        fence(Ordering::SeqCst);
        finished == Some(0)
    }

    fn select(&self, key: u16) {
        self.registers.selector.set(key.to_be());
    }

    fn read_bytes<const N: usize>(&self) -> [u8; N] {
        core::array::from_fn(|_| self.registers.data.get())
    }
}
