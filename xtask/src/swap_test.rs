//! The swap boot of each row whose board has a disk driver: the test kernel with little RAM
//! (`mem=`) and a disk of mkswap-formatted partitions (one with a slot QEMU fails to read) and
//! a scratch one, the kernel's `disk` tests, then /bin/swap-test (user/linux/swap-test.c) as
//! the first process.

use crate::board::Board;
use crate::capture::Ending;
use crate::swap_disk::PartitionSpec;
use crate::transcript::Transcript;

const MIB: u64 = 1 << 20;

/// /dev/vda1 and /dev/vda2: swap; /dev/vda3: the kernel's disk tests write there; /dev/vda4:
/// swap whose first slot cannot be read back ([`FAILING_PARTITION`]).
pub const DISK: [PartitionSpec; 4] = [
    PartitionSpec {
        bytes: 128 * MIB,
        swap: true,
    },
    PartitionSpec {
        bytes: 128 * MIB,
        swap: true,
    },
    PartitionSpec {
        bytes: 4 * MIB,
        swap: false,
    },
    PartitionSpec {
        bytes: 32 * MIB,
        swap: true,
    },
];

/// The partition (index into [`DISK`]) whose first slot, page 1, fails to read.
pub const FAILING_PARTITION: usize = 3;

/// The sector QEMU fails reads of: the first sector of [`FAILING_PARTITION`]'s page 1, the
/// slot a new area hands out first.
pub fn failing_sector(starts: &[u64]) -> u64 {
    (starts[FAILING_PARTITION] + 4096) / 512
}

/// The RAM the kernel may use: the test kernel, with its initramfs and heap, takes about 30 MiB
/// of it, leaving processes about 9 MiB.
pub const MEMORY: &str = "mem=40M";
pub const KTEST_FILTER: &str = "ktest.filter=disk::";
pub const PROGRAM: &str = "/bin/swap-test";

/// swap-test's arguments on `board`: whether the disk passes on the read errors QEMU injects
/// (virtio-blk does; the raspi machines' SD card model, on raspi3b's EMMC as on raspi4b's
/// EMMC2, logs the error and hands out stale data instead, so there the test that needs one
/// is reported skipped).
pub fn arguments(board: Board) -> &'static [&'static str] {
    match board {
        Board::Virt => &["read-errors"],
        _ => &[],
    }
}
/// Tests the boot must report: the kernel's disk test and swap-test's eleven.
const EXPECTED_TESTS: usize = 12;

/// What is wrong with the swap boot beyond its FAILED test lines.
pub fn failures(transcript: &Transcript, ending: Ending) -> Vec<String> {
    let mut failures = Vec::new();
    if transcript.banner.is_none() {
        failures.push("no `boot:` banner: the kernel did not boot".to_owned());
    }
    if transcript.tests.len() < EXPECTED_TESTS {
        failures.push(format!(
            "{} test lines, not the {EXPECTED_TESTS} expected",
            transcript.tests.len()
        ));
    }
    if let Some(test) = transcript.unfinished_test() {
        failures.push(format!(
            "QEMU {ending} before test {test} printed its verdict"
        ));
    }
    match ending {
        Ending::Exited(0 | 1) => {}
        other => failures.push(format!("QEMU {other}")),
    }
    failures
}
