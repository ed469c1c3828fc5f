//! The board's disk: its partitions, and page transfers that put the caller to sleep until
//! the disk's interrupt says they are done.
//!
//! One transfer is in flight at a time; others wait their turn asleep. A caller that may not
//! sleep (interrupts masked, or no thread to put to sleep) waits by asking the device instead.

use super::partitions;
pub use super::partitions::Partition;
use crate::arch::aarch64::irq;
use crate::board::{self, Disk};
use crate::mm::frames;
use crate::mm::page_table::PAGE_SIZE;
use crate::mm::phys_to_virt;
use crate::sync::{InterruptsMasked, IrqMutex};
use crate::task::scheduler;
use crate::task::thread::Channel;
use bsp_drivers::{BlockDevice, BlockError, Transfer};
use spin::Once;

pub const SECTOR_SIZE: usize = 512;
const SECTORS_PER_PAGE: u64 = (PAGE_SIZE / SECTOR_SIZE) as u64;

struct TheDisk {
    device: &'static Disk,
    /// Index 0 is the whole disk; 1 to 4 the MBR's primary partitions.
    partitions: [Option<Partition>; 5],
}

static DISK: Once<TheDisk> = Once::new();

/// Whether a transfer is in flight, and how the last one ended, for its owner to pick up.
struct Queue {
    busy: bool,
    outcome: Option<Result<(), BlockError>>,
}

static QUEUE: IrqMutex<Queue> = IrqMutex::new(Queue {
    busy: false,
    outcome: None,
});

/// Why a transfer did not happen.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IoError {
    /// The device failed it.
    Device(BlockError),
    /// The caller may not sleep, and another transfer holds the disk.
    Busy,
    /// The page lies outside the partition.
    OutOfRange,
}

/// Brings up the board's disk, if it has one, and reads its partition table.
pub fn init() {
    let Some(device) = board::init_disk() else {
        return;
    };
    let whole = Partition {
        first_sector: 0,
        sectors: device.sectors(),
    };
    let table = read_partition_table(device).unwrap_or_default();
    crate::println!(
        "disk: {}, {} MiB, {} partition(s)",
        board::DISK_NAME,
        (whole.sectors * SECTOR_SIZE as u64) >> 20,
        table.iter().flatten().count()
    );
    let [p1, p2, p3, p4] = table;
    DISK.call_once(|| TheDisk {
        device,
        partitions: [Some(whole), p1, p2, p3, p4],
    });
}

fn read_partition_table(device: &Disk) -> Option<[Option<Partition>; 4]> {
    let frame = frames::allocate().ok()?;
    let read = transfer(device, false, 0, frame, 1);
    // SAFETY: the frame is ours and in the linear map.
    let sector = unsafe { &*(phys_to_virt(frame) as *const [u8; SECTOR_SIZE]) };
    let table = read
        .ok()
        .and_then(|()| partitions::parse_mbr(sector, device.sectors()));
    frames::deallocate(frame).expect("allocated above");
    table
}

/// Partition `index` (0: the whole disk), if the disk has it.
pub fn partition(index: usize) -> Option<Partition> {
    DISK.get()?.partitions.get(index).copied().flatten()
}

/// The indices of the partitions there are (0: the whole disk), for /dev.
pub fn partition_indices() -> impl Iterator<Item = usize> {
    (0..5).filter(|&index| partition(index).is_some())
}

/// The /dev name of partition `index`: `vda`, `vda1`; `mmcblk0`, `mmcblk0p1` (Linux's rule).
pub fn device_name(index: usize) -> alloc::string::String {
    let disk = board::DISK_NAME;
    match index {
        0 => disk.into(),
        _ if disk.ends_with(|c: char| c.is_ascii_digit()) => alloc::format!("{disk}p{index}"),
        _ => alloc::format!("{disk}{index}"),
    }
}

/// Moves page `page` of `partition` to (`write`) or from the frame at physical `frame`.
pub fn transfer_page(
    partition: Partition,
    page: u64,
    frame: usize,
    write: bool,
) -> Result<(), IoError> {
    let disk = DISK.get().ok_or(IoError::OutOfRange)?;
    if (page + 1) * SECTORS_PER_PAGE > partition.sectors {
        return Err(IoError::OutOfRange);
    }
    let sector = partition.first_sector + page * SECTORS_PER_PAGE;
    transfer(disk.device, write, sector, frame, SECTORS_PER_PAGE as usize)
}

/// One transfer from start to end: waits for the disk, starts, waits for the outcome.
fn transfer(
    device: &Disk,
    write: bool,
    sector: u64,
    buffer: usize,
    sectors: usize,
) -> Result<(), IoError> {
    let may_sleep = irq::enabled() && scheduler::current().is_some();
    acquire(may_sleep)?;
    // SAFETY: the disk is ours until the outcome is taken; the buffer is the caller's RAM and
    // stays allocated meanwhile.
    unsafe {
        device.start(Transfer {
            write,
            sector,
            buffer,
            sectors,
        })
    };
    let outcome = wait_for_outcome(may_sleep, device);
    QUEUE.lock().busy = false;
    scheduler::wake(Channel::Disk);
    outcome.map_err(IoError::Device)
}

/// Takes the disk, asleep while another transfer holds it; Busy if the caller may not sleep.
fn acquire(may_sleep: bool) -> Result<(), IoError> {
    loop {
        let _masked = InterruptsMasked::new();
        let mut queue = QUEUE.lock();
        if !queue.busy {
            queue.busy = true;
            return Ok(());
        }
        drop(queue);
        if !may_sleep {
            return Err(IoError::Busy);
        }
        scheduler::sleep(Channel::Disk);
    }
}

/// How the transfer in flight ended: asking the device, then asleep until its interrupt (or,
/// for a caller that may not sleep, asking again).
fn wait_for_outcome(may_sleep: bool, device: &Disk) -> Result<(), BlockError> {
    loop {
        let _masked = InterruptsMasked::new();
        if let Some(outcome) = QUEUE.lock().outcome.take() {
            return outcome;
        }
        // A driver that moves the data itself is done already; an interrupt may be pending.
        if collect_outcome(device) {
            continue;
        }
        if may_sleep {
            scheduler::sleep(Channel::Disk);
        } else {
            core::hint::spin_loop();
        }
    }
}

/// Records the outcome of the transfer in flight if it has ended; whether it had.
fn collect_outcome(device: &Disk) -> bool {
    match device.finished() {
        Some(outcome) => {
            QUEUE.lock().outcome = Some(outcome);
            true
        }
        None => false,
    }
}

/// The disk's interrupt: a transfer ended.
pub fn on_interrupt() {
    if let Some(disk) = DISK.get() {
        disk.device.acknowledge_interrupt();
        if collect_outcome(disk.device) {
            scheduler::wake(Channel::Disk);
        }
    }
}
