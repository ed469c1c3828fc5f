//! Linux's swap area header (include/linux/swap.h, `union swap_header`), as util-linux's
//! `mkswap` writes it in the area's first page: "SWAPSPACE2" in the page's last ten bytes,
//! version 1, the last usable page and a list of bad pages.

use crate::mm::page_table::PAGE_SIZE;

const MAGIC: &[u8; 10] = b"SWAPSPACE2";
const VERSION_OFFSET: usize = 1024;
const LAST_PAGE_OFFSET: usize = 1028;
const BAD_PAGE_COUNT_OFFSET: usize = 1032;
const BAD_PAGES_OFFSET: usize = 1536;
/// Linux's MAX_SWAP_BADPAGES for 4 KiB pages: what fits between the list and the magic.
const MAX_BAD_PAGES: usize = (PAGE_SIZE - 10 - BAD_PAGES_OFFSET) / 4;

/// What the header says about the area.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Header {
    /// Pages 1 to `last_page` hold swapped-out pages (page 0 is the header).
    pub last_page: u32,
    pub bad_pages: alloc::vec::Vec<u32>,
}

/// Why a page is not a usable swap header (swapon's EINVAL).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HeaderError {
    /// No "SWAPSPACE2" signature (an old "SWAP-SPACE" one included).
    NoSignature,
    /// Version other than 1, or written by a machine of the other byte order.
    Version(u32),
    /// No page to swap to, or more bad pages than fit.
    Malformed,
}

fn word(page: &[u8; PAGE_SIZE], at: usize) -> u32 {
    u32::from_le_bytes(page[at..at + 4].try_into().expect("four bytes"))
}

/// Reads the header of an area of `area_pages` pages; the usable pages are those the header
/// and the area both reach.
pub fn parse(page: &[u8; PAGE_SIZE], area_pages: u64) -> Result<Header, HeaderError> {
    if &page[PAGE_SIZE - MAGIC.len()..] != MAGIC {
        return Err(HeaderError::NoSignature);
    }
    let version = word(page, VERSION_OFFSET);
    if version != 1 {
        return Err(HeaderError::Version(version));
    }
    let bad_count = word(page, BAD_PAGE_COUNT_OFFSET) as usize;
    if bad_count > MAX_BAD_PAGES {
        return Err(HeaderError::Malformed);
    }
    let last_page = (u64::from(word(page, LAST_PAGE_OFFSET)))
        .min(area_pages.saturating_sub(1))
        .try_into()
        .map_err(|_| HeaderError::Malformed)?;
    if last_page == 0 {
        return Err(HeaderError::Malformed);
    }
    let bad_pages = (0..bad_count)
        .map(|i| word(page, BAD_PAGES_OFFSET + 4 * i))
        .collect();
    Ok(Header {
        last_page,
        bad_pages,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(version: u32, last_page: u32, bad: &[u32]) -> [u8; PAGE_SIZE] {
        let mut page = [0u8; PAGE_SIZE];
        page[PAGE_SIZE - 10..].copy_from_slice(MAGIC);
        page[VERSION_OFFSET..][..4].copy_from_slice(&version.to_le_bytes());
        page[LAST_PAGE_OFFSET..][..4].copy_from_slice(&last_page.to_le_bytes());
        page[BAD_PAGE_COUNT_OFFSET..][..4].copy_from_slice(&(bad.len() as u32).to_le_bytes());
        for (i, bad) in bad.iter().enumerate() {
            page[BAD_PAGES_OFFSET + 4 * i..][..4].copy_from_slice(&bad.to_le_bytes());
        }
        page
    }

    #[test]
    fn reads_what_mkswap_writes() {
        let parsed = parse(&header(1, 255, &[7, 9]), 256).unwrap();
        assert_eq!(parsed.last_page, 255);
        assert_eq!(parsed.bad_pages, [7, 9]);
    }

    #[test]
    fn the_area_bounds_the_last_page() {
        assert_eq!(parse(&header(1, 1000, &[]), 100).unwrap().last_page, 99);
    }

    #[test]
    fn rejects_what_is_not_a_version_1_header() {
        let mut page = header(1, 10, &[]);
        page[PAGE_SIZE - 1] = b'1';
        assert_eq!(parse(&page, 100), Err(HeaderError::NoSignature));
        assert_eq!(
            parse(&header(1u32.swap_bytes(), 10, &[]), 100),
            Err(HeaderError::Version(1u32.swap_bytes()))
        );
        assert_eq!(parse(&header(1, 0, &[]), 100), Err(HeaderError::Malformed));
        assert_eq!(parse(&header(1, 10, &[]), 1), Err(HeaderError::Malformed));
        let mut many = header(1, 10, &[]);
        many[BAD_PAGE_COUNT_OFFSET..][..4].copy_from_slice(&1000u32.to_le_bytes());
        assert_eq!(parse(&many, 100), Err(HeaderError::Malformed));
    }
}
