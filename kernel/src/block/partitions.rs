//! The MBR partition table: four primary entries at offset 446 of sector 0, signature 55 AA.

/// A run of sectors on the disk.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Partition {
    pub first_sector: u64,
    pub sectors: u64,
}

const TABLE_OFFSET: usize = 446;
const ENTRY_SIZE: usize = 16;
const SIGNATURE_OFFSET: usize = 510;
/// The type of the single entry of a GPT disk's protective MBR.
const GPT_PROTECTIVE: u8 = 0xee;
/// Extended partitions hold more tables, not data.
const EXTENDED: [u8; 3] = [0x05, 0x0f, 0x85];

/// The primary partitions of a disk of `disk_sectors` whose first sector is `sector`; `None`
/// when it has no MBR. Empty and extended entries, and entries that reach past the disk's
/// end, are left out (`None` in their place), as is everything on a GPT disk.
pub fn parse_mbr(sector: &[u8; 512], disk_sectors: u64) -> Option<[Option<Partition>; 4]> {
    if sector[SIGNATURE_OFFSET..] != [0x55, 0xaa] {
        return None;
    }
    let mut table = [None; 4];
    for (i, slot) in table.iter_mut().enumerate() {
        let entry = &sector[TABLE_OFFSET + i * ENTRY_SIZE..][..ENTRY_SIZE];
        let kind = entry[4];
        let word = |at: usize| u64::from(u32::from_le_bytes(entry[at..at + 4].try_into().unwrap()));
        let (first_sector, sectors) = (word(8), word(12));
        if kind == GPT_PROTECTIVE {
            return None;
        }
        let usable = kind != 0
            && !EXTENDED.contains(&kind)
            && sectors > 0
            && first_sector > 0
            && first_sector + sectors <= disk_sectors;
        if usable {
            *slot = Some(Partition {
                first_sector,
                sectors,
            });
        }
    }
    Some(table)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mbr(entries: &[(u8, u32, u32)]) -> [u8; 512] {
        let mut sector = [0u8; 512];
        for (i, (kind, first, count)) in entries.iter().enumerate() {
            let entry = &mut sector[TABLE_OFFSET + i * ENTRY_SIZE..][..ENTRY_SIZE];
            entry[4] = *kind;
            entry[8..12].copy_from_slice(&first.to_le_bytes());
            entry[12..16].copy_from_slice(&count.to_le_bytes());
        }
        sector[510] = 0x55;
        sector[511] = 0xaa;
        sector
    }

    #[test]
    fn reads_primary_partitions_in_their_slots() {
        let table = parse_mbr(
            &mbr(&[(0x0c, 2048, 1000), (0, 0, 0), (0x82, 4096, 2048)]),
            8192,
        );
        assert_eq!(
            table,
            Some([
                Some(Partition {
                    first_sector: 2048,
                    sectors: 1000
                }),
                None,
                Some(Partition {
                    first_sector: 4096,
                    sectors: 2048
                }),
                None
            ])
        );
    }

    #[test]
    fn leaves_out_entries_past_the_disk_and_extended_ones() {
        let table = parse_mbr(&mbr(&[(0x82, 4096, 8192), (0x05, 100, 10)]), 8192).unwrap();
        assert_eq!(table, [None; 4]);
    }

    #[test]
    fn no_table_without_signature_or_on_gpt() {
        let mut sector = mbr(&[(0x82, 1, 10)]);
        sector[511] = 0;
        assert_eq!(parse_mbr(&sector, 100), None);
        assert_eq!(parse_mbr(&mbr(&[(GPT_PROTECTIVE, 1, 99)]), 100), None);
    }
}
