//! A virtio block device on the virtio-mmio transport, version 2 (Virtio 1.2, sections 4.2
//! and 5.2): one request in flight, a 4-entry split virtqueue in one page of DMA memory.

use crate::{BlockDevice, BlockError, DmaPage, Transfer};
use core::ptr::{addr_of_mut, read_volatile, write_volatile};
use core::sync::atomic::{AtomicU16, Ordering, fence};
use tock_registers::interfaces::{Readable, Writeable};
use tock_registers::register_bitfields;
use tock_registers::register_structs;
use tock_registers::registers::{ReadOnly, ReadWrite, WriteOnly};

/// "virt" in little-endian ASCII.
const MAGIC: u32 = 0x7472_6976;
/// The modern transport; version 1 is the legacy one, which QEMU offers unless told
/// `-global virtio-mmio.force-legacy=false`.
const MODERN: u32 = 2;
const BLOCK_DEVICE_ID: u32 = 2;
/// Feature bit 32, VIRTIO_F_VERSION_1: in the second 32-bit feature word.
const VERSION_1_IN_HIGH_WORD: u32 = 1 << 0;
const QUEUE_SIZE: u16 = 4;
const SECTOR_SIZE: usize = 512;

register_bitfields! {
    u32,
    /// Device status (section 2.1): the driver's progress through initialisation.
    STATUS [
        ACKNOWLEDGE OFFSET(0) NUMBITS(1) [],
        DRIVER OFFSET(1) NUMBITS(1) [],
        DRIVER_OK OFFSET(2) NUMBITS(1) [],
        FEATURES_OK OFFSET(3) NUMBITS(1) [],
        FAILED OFFSET(7) NUMBITS(1) []
    ],
    /// InterruptStatus / InterruptACK.
    INTERRUPT [
        /// The device used a buffer.
        USED_BUFFER OFFSET(0) NUMBITS(1) [],
        /// The configuration changed.
        CONFIG_CHANGE OFFSET(1) NUMBITS(1) []
    ]
}

register_structs! {
    /// The virtio-mmio register block (section 4.2.2), followed by the block device's
    /// configuration (section 5.2.4), of which only the capacity is read.
    Registers {
        (0x000 => magic: ReadOnly<u32>),
        (0x004 => version: ReadOnly<u32>),
        (0x008 => device_id: ReadOnly<u32>),
        (0x00c => _vendor),
        (0x010 => device_features: ReadOnly<u32>),
        (0x014 => device_features_select: WriteOnly<u32>),
        (0x018 => _reserved0),
        (0x020 => driver_features: WriteOnly<u32>),
        (0x024 => driver_features_select: WriteOnly<u32>),
        (0x028 => _reserved1),
        (0x030 => queue_select: WriteOnly<u32>),
        /// Largest queue the device supports; 0 if the queue does not exist.
        (0x034 => queue_size_max: ReadOnly<u32>),
        (0x038 => queue_size: WriteOnly<u32>),
        (0x03c => _reserved2),
        (0x044 => queue_ready: ReadWrite<u32>),
        (0x048 => _reserved3),
        /// Written with the queue's index when it has new buffers.
        (0x050 => queue_notify: WriteOnly<u32>),
        (0x054 => _reserved4),
        (0x060 => interrupt_status: ReadOnly<u32, INTERRUPT::Register>),
        (0x064 => interrupt_ack: WriteOnly<u32, INTERRUPT::Register>),
        (0x068 => _reserved5),
        (0x070 => status: ReadWrite<u32, STATUS::Register>),
        (0x074 => _reserved6),
        /// Physical addresses of the descriptor table, driver (available) and device (used) rings.
        (0x080 => queue_descriptors_low: WriteOnly<u32>),
        (0x084 => queue_descriptors_high: WriteOnly<u32>),
        (0x088 => _reserved7),
        (0x090 => queue_driver_low: WriteOnly<u32>),
        (0x094 => queue_driver_high: WriteOnly<u32>),
        (0x098 => _reserved8),
        (0x0a0 => queue_device_low: WriteOnly<u32>),
        (0x0a4 => queue_device_high: WriteOnly<u32>),
        (0x0a8 => _reserved9),
        /// virtio_blk_config.capacity: the disk's size in 512-byte sectors.
        (0x100 => capacity_low: ReadOnly<u32>),
        (0x104 => capacity_high: ReadOnly<u32>),
        (0x108 => @END),
    }
}

/// A split virtqueue descriptor (section 2.7.5).
#[repr(C)]
struct Descriptor {
    address: u64,
    length: u32,
    flags: u16,
    next: u16,
}

/// The descriptor continues in `next`.
const DESCRIPTOR_NEXT: u16 = 1;
/// The device writes this buffer (clear: the device reads it).
const DESCRIPTOR_DEVICE_WRITES: u16 = 2;

#[repr(C)]
struct AvailableRing {
    flags: u16,
    index: u16,
    ring: [u16; QUEUE_SIZE as usize],
}

#[repr(C)]
struct UsedElement {
    id: u32,
    length: u32,
}

#[repr(C)]
struct UsedRing {
    flags: u16,
    index: u16,
    ring: [UsedElement; QUEUE_SIZE as usize],
}

/// The request header (section 5.2.6).
#[repr(C)]
struct RequestHeader {
    kind: u32,
    reserved: u32,
    sector: u64,
}

const REQUEST_READ: u32 = 0;
const REQUEST_WRITE: u32 = 1;
const STATUS_OK: u8 = 0;
/// Written by the driver before a request so an unfinished one is told apart.
const STATUS_PENDING: u8 = 0xff;

/// Everything the device reaches by DMA, laid out in the driver's one page.
#[repr(C, align(4096))]
struct QueueMemory {
    descriptors: [Descriptor; QUEUE_SIZE as usize],
    available: AvailableRing,
    /// The used ring must be 4-byte aligned; the header sits after it.
    used: UsedRing,
    header: RequestHeader,
    status: u8,
}

const _: () = assert!(core::mem::size_of::<QueueMemory>() == 4096);

/// A virtio block device, set up and ready for requests.
pub struct VirtioBlk {
    registers: *const Registers,
    queue: *mut QueueMemory,
    queue_physical: u64,
    sectors: u64,
    /// The used ring's index as of the last finished request.
    seen_used: AtomicU16,
}

// SAFETY: only addresses are held; the kernel serialises requests (one in flight).
unsafe impl Sync for VirtioBlk {}
// SAFETY: as above.
unsafe impl Send for VirtioBlk {}

impl VirtioBlk {
    /// Sets up the block device behind the virtio-mmio transport at `registers`, if that is
    /// what is there; `None` for another device, an empty slot or a legacy transport.
    ///
    /// # Safety
    /// `registers` is a mapped virtio-mmio register block nothing else drives; `queue` is a
    /// zeroed page of normal memory the device may reach, owned by the driver from now on.
    pub unsafe fn probe(registers: usize, queue: DmaPage) -> Option<Self> {
        let device = Self {
            registers: registers as *const Registers,
            queue: queue.virt as *mut QueueMemory,
            queue_physical: queue.phys as u64,
            sectors: 0,
            seen_used: AtomicU16::new(0),
        };
        let r = device.registers();
        if r.magic.get() != MAGIC || r.version.get() != MODERN {
            return None;
        }
        if r.device_id.get() != BLOCK_DEVICE_ID {
            return None;
        }
        let sectors = u64::from(r.capacity_low.get()) | (u64::from(r.capacity_high.get()) << 32);
        device.initialise().then_some(Self { sectors, ..device })
    }

    fn registers(&self) -> &Registers {
        // SAFETY: `probe`'s contract.
        unsafe { &*self.registers }
    }

    /// The initialisation sequence of section 3.1.1, accepting only VIRTIO_F_VERSION_1.
    fn initialise(&self) -> bool {
        let r = self.registers();
        r.status.set(0);
        r.status.write(STATUS::ACKNOWLEDGE::SET);
        r.status
            .write(STATUS::ACKNOWLEDGE::SET + STATUS::DRIVER::SET);
        r.device_features_select.set(1);
        if r.device_features.get() & VERSION_1_IN_HIGH_WORD == 0 {
            r.status.write(STATUS::FAILED::SET);
            return false;
        }
        r.driver_features_select.set(0);
        r.driver_features.set(0);
        r.driver_features_select.set(1);
        r.driver_features.set(VERSION_1_IN_HIGH_WORD);
        r.status
            .write(STATUS::ACKNOWLEDGE::SET + STATUS::DRIVER::SET + STATUS::FEATURES_OK::SET);
        if !r.status.is_set(STATUS::FEATURES_OK) {
            r.status.write(STATUS::FAILED::SET);
            return false;
        }
        r.queue_select.set(0);
        if r.queue_size_max.get() < u32::from(QUEUE_SIZE) || r.queue_ready.get() != 0 {
            r.status.write(STATUS::FAILED::SET);
            return false;
        }
        r.queue_size.set(u32::from(QUEUE_SIZE));
        let base = self.queue_physical;
        let split = |address: u64| (address as u32, (address >> 32) as u32);
        let (low, high) = split(base + core::mem::offset_of!(QueueMemory, descriptors) as u64);
        r.queue_descriptors_low.set(low);
        r.queue_descriptors_high.set(high);
        let (low, high) = split(base + core::mem::offset_of!(QueueMemory, available) as u64);
        r.queue_driver_low.set(low);
        r.queue_driver_high.set(high);
        let (low, high) = split(base + core::mem::offset_of!(QueueMemory, used) as u64);
        r.queue_device_low.set(low);
        r.queue_device_high.set(high);
        r.queue_ready.set(1);
        r.status.write(
            STATUS::ACKNOWLEDGE::SET
                + STATUS::DRIVER::SET
                + STATUS::FEATURES_OK::SET
                + STATUS::DRIVER_OK::SET,
        );
        true
    }

    fn physical<T>(&self, field: *mut T) -> u64 {
        self.queue_physical + (field as usize - self.queue as usize) as u64
    }
}

impl BlockDevice for VirtioBlk {
    fn sectors(&self) -> u64 {
        self.sectors
    }

    unsafe fn start(&self, transfer: Transfer) {
        let queue = self.queue;
        let (kind, data_flags) = match transfer.write {
            true => (REQUEST_WRITE, 0),
            false => (REQUEST_READ, DESCRIPTOR_DEVICE_WRITES),
        };
        // SAFETY: the queue page is ours (probe's contract) and the device reads it only after
        // the notify below; the caller keeps the buffer alive until `finished` says so.
        unsafe {
            let header = addr_of_mut!((*queue).header);
            write_volatile(
                header,
                RequestHeader {
                    kind,
                    reserved: 0,
                    sector: transfer.sector,
                },
            );
            let status = addr_of_mut!((*queue).status);
            write_volatile(status, STATUS_PENDING);
            let descriptors = addr_of_mut!((*queue).descriptors);
            let chain = [
                (self.physical(header), 16, DESCRIPTOR_NEXT),
                (
                    transfer.buffer as u64,
                    (transfer.sectors * SECTOR_SIZE) as u32,
                    DESCRIPTOR_NEXT | data_flags,
                ),
                (self.physical(status), 1, DESCRIPTOR_DEVICE_WRITES),
            ];
            for (i, (address, length, flags)) in chain.into_iter().enumerate() {
                write_volatile(
                    addr_of_mut!((*descriptors)[i]),
                    Descriptor {
                        address,
                        length,
                        flags,
                        next: i as u16 + 1,
                    },
                );
            }
            let available = addr_of_mut!((*queue).available);
            let index = read_volatile(addr_of_mut!((*available).index));
            write_volatile(
                addr_of_mut!((*available).ring[(index % QUEUE_SIZE) as usize]),
                0,
            );
            // The descriptors before the index that publishes them.
            fence(Ordering::SeqCst);
            write_volatile(addr_of_mut!((*available).index), index.wrapping_add(1));
            fence(Ordering::SeqCst);
        }
        self.registers().queue_notify.set(0);
    }

    fn finished(&self) -> Option<Result<(), BlockError>> {
        let queue = self.queue;
        // SAFETY: reads of the queue page the device writes, through volatile accesses.
        let (used, status) = unsafe {
            let used = read_volatile(addr_of_mut!((*queue).used.index));
            fence(Ordering::SeqCst);
            (used, read_volatile(addr_of_mut!((*queue).status)))
        };
        if used == self.seen_used.load(Ordering::Relaxed) {
            return None;
        }
        self.seen_used.store(used, Ordering::Relaxed);
        Some(if status == STATUS_OK {
            Ok(())
        } else {
            Err(BlockError::Device(status))
        })
    }

    fn acknowledge_interrupt(&self) {
        let r = self.registers();
        r.interrupt_ack.set(r.interrupt_status.get());
    }
}
