//! Memory system calls: brk, mmap (private or shared, anonymous or of a file), munmap,
//! mprotect, mremap, madvise, msync and memfd_create.

use super::files::install;
use super::{Arguments, SyscallResult, write_user};
use crate::errno::{EBADF, EEXIST, EFAULT, EINVAL, ENOMEM, EOVERFLOW, EPERM, Errno};
use crate::fs::file::{self, OpenFile, Sharing};
use crate::fs::file_data::MAX_FILE_SIZE;
use crate::fs::vfs::Node;
use crate::mm::address_space::{AddressSpace, Protection, decode_lock_all};
use crate::mm::backing::Backing;
use crate::mm::page_table::PAGE_SIZE;
use crate::mm::swap::{areas, reclaim};
use crate::mm::{MIN_USER_ADDRESS, USER_TOP, frames};
use crate::task;
use crate::task::exec::{STACK_SIZE, STACK_TOP};
use crate::uaccess::{UserCStr, strncpy_from_user};
use alloc::sync::Arc;
use core::ops::Range;

const MAP_SHARED: usize = 0x01;
const MAP_PRIVATE: usize = 0x02;
const MAP_FIXED: usize = 0x10;
const MAP_ANONYMOUS: usize = 0x20;
const MAP_FIXED_NOREPLACE: usize = 0x10_0000;
const PROT_WRITE: usize = 0x2;
const PROT_ALL: usize = 0x7;
/// mmap places mappings top-down below this: under the stack and its guard gap.
const MMAP_TOP: usize = STACK_TOP - STACK_SIZE - (1 << 30);

fn space() -> Result<Arc<AddressSpace>, Errno> {
    task::current()
        .state
        .lock()
        .address_space
        .clone()
        .ok_or(ENOMEM)
}

/// Rejects a mapping larger than all of RAM and swap, as Linux's overcommit heuristic does.
fn plausible(len: usize) -> Result<(), Errno> {
    if len / PAGE_SIZE > frames::total_frames() + areas::totals().0 {
        Err(ENOMEM)
    } else {
        Ok(())
    }
}

fn page_range(address: usize, len: usize) -> Result<Range<usize>, Errno> {
    if !address.is_multiple_of(PAGE_SIZE) || len == 0 {
        return Err(EINVAL);
    }
    let end = address
        .checked_add(len)
        .and_then(|end| end.checked_next_multiple_of(PAGE_SIZE))
        .ok_or(ENOMEM)?;
    if end > USER_TOP {
        return Err(ENOMEM);
    }
    Ok(address..end)
}

/// brk: moves the program break; returns the new break, or the old one if it cannot.
pub fn brk(args: &Arguments) -> SyscallResult {
    let process = task::current();
    let (space, current_break) = {
        let state = process.state.lock();
        (
            state.address_space.clone().ok_or(ENOMEM)?,
            state.program_break,
        )
    };
    let requested = args.usize(0);
    if requested < current_break.start || requested >= USER_TOP {
        return Ok(current_break.current);
    }
    let old_end = current_break.current.next_multiple_of(PAGE_SIZE);
    let new_end = requested.next_multiple_of(PAGE_SIZE);
    let moved = if new_end > old_end {
        plausible(new_end - old_end)
            .and_then(|()| space.reserve(old_end..new_end, Protection::READ_WRITE))
    } else if new_end < old_end {
        space.unmap(new_end..old_end)
    } else {
        Ok(())
    };
    if moved.is_err() {
        return Ok(current_break.current);
    }
    process.state.lock().program_break.current = requested;
    Ok(requested)
}

pub fn mmap(args: &Arguments) -> SyscallResult {
    let (address, len, prot, flags) = (args.usize(0), args.usize(1), args.usize(2), args.usize(3));
    let sharing = flags & (MAP_SHARED | MAP_PRIVATE);
    let offset_aligned = args.usize(5).is_multiple_of(PAGE_SIZE);
    if len == 0
        || !offset_aligned
        || prot & !PROT_ALL != 0
        || sharing == 0
        || sharing == MAP_SHARED | MAP_PRIVATE
    {
        return Err(EINVAL);
    }
    let len = len.checked_next_multiple_of(PAGE_SIZE).ok_or(ENOMEM)?;
    plausible(len)?;
    let shared = sharing == MAP_SHARED;
    let backing = if flags & MAP_ANONYMOUS != 0 {
        if shared {
            file::anonymous_shared_memory(len)?
        } else {
            Backing::Zero
        }
    } else {
        let fd = usize::try_from(args.i32(4)).map_err(|_| EBADF)?;
        let file = task::current().state.lock().files.get(fd)?;
        let offset = args.usize(5);
        if offset
            .checked_add(len)
            .is_none_or(|end| end > MAX_FILE_SIZE)
        {
            return Err(EOVERFLOW);
        }
        let sharing = if shared {
            Sharing::Shared {
                write: prot & PROT_WRITE != 0,
            }
        } else {
            Sharing::Private
        };
        file.mapping(offset, len, sharing)?
    };
    let space = space()?;
    let start = if flags & (MAP_FIXED | MAP_FIXED_NOREPLACE) != 0 {
        let range = page_range(address, len)?;
        if range.start < MIN_USER_ADDRESS {
            return Err(EPERM);
        }
        if flags & MAP_FIXED == 0 && !space.is_free(&range) {
            return Err(EEXIST);
        }
        space.unmap(range.clone())?;
        range.start
    } else {
        // The hint is taken if it is free, as Linux does; other flags are ignored, as there.
        let hint = address.checked_next_multiple_of(PAGE_SIZE).filter(|hint| {
            *hint >= MIN_USER_ADDRESS
                && hint
                    .checked_add(len)
                    .is_some_and(|end| space.is_free(&(*hint..end)))
        });
        match hint {
            Some(hint) => hint,
            None => space.find_free_below(MMAP_TOP, len).ok_or(ENOMEM)?,
        }
    };
    space
        .reserve_backed(start..start + len, Protection::from_prot(prot), backing)
        .map_err(|_| ENOMEM)?;
    Ok(start)
}

pub fn munmap(args: &Arguments) -> SyscallResult {
    space()?.unmap(page_range(args.usize(0), args.usize(1)).map_err(|_| EINVAL)?)?;
    Ok(0)
}

pub fn mprotect(args: &Arguments) -> SyscallResult {
    if args.usize(2) & !PROT_ALL != 0 {
        return Err(EINVAL);
    }
    if args.usize(1) == 0 {
        return if args.usize(0).is_multiple_of(PAGE_SIZE) {
            Ok(0)
        } else {
            Err(EINVAL)
        };
    }
    space()?.protect(
        page_range(args.usize(0), args.usize(1))?,
        Protection::from_prot(args.usize(2)),
    )?;
    Ok(0)
}

/// The page-aligned range an advice or sync call names; a length of 0 names nothing.
fn advised_range(args: &Arguments) -> Result<Option<Range<usize>>, Errno> {
    let (address, len) = (args.usize(0), args.usize(1));
    if !address.is_multiple_of(PAGE_SIZE) {
        return Err(EINVAL);
    }
    if len == 0 {
        return Ok(None);
    }
    page_range(address, len).map(Some)
}

/// madvise(address, length, advice): MADV_DONTNEED and MADV_FREE drop the pages (they read
/// as zeroes when touched again), MADV_POPULATE_* fault them in, MADV_PAGEOUT swaps the
/// private ones out now, the hints are taken and ignored; advice that would change what fork
/// or memory does later is EINVAL.
pub fn madvise(args: &Arguments) -> SyscallResult {
    const MADV_DONTNEED: usize = 4;
    const MADV_FREE: usize = 8;
    const MADV_POPULATE_READ: usize = 22;
    const MADV_POPULATE_WRITE: usize = 23;
    const MADV_DONTNEED_LOCKED: usize = 24;
    const MADV_PAGEOUT: usize = 21;
    /// NORMAL, RANDOM, SEQUENTIAL, WILLNEED; MERGEABLE to DODUMP; COLD.
    const HINTS: [core::ops::RangeInclusive<usize>; 3] = [0..=3, 12..=17, 20..=20];
    let advice = args.usize(2);
    let Some(range) = advised_range(args)? else {
        return Ok(0);
    };
    let space = space()?;
    match advice {
        MADV_DONTNEED | MADV_FREE | MADV_DONTNEED_LOCKED => space.discard(range)?,
        MADV_PAGEOUT => reclaim::page_out(&space, range)?,
        MADV_POPULATE_READ | MADV_POPULATE_WRITE => {
            if !space.is_mapped(&range) {
                return Err(ENOMEM);
            }
            space.populate(range).map_err(|_| EFAULT)?;
        }
        hint if HINTS.iter().any(|hints| hints.contains(&hint)) => {
            if !space.is_mapped(&range) {
                return Err(ENOMEM);
            }
        }
        _ => return Err(EINVAL),
    }
    Ok(0)
}

/// msync(address, length, flags): a shared mapping maps the file's own pages (the file
/// system is in memory), so there is nothing to write back; the arguments are checked as
/// Linux checks them.
pub fn msync(args: &Arguments) -> SyscallResult {
    const MS_ASYNC: usize = 1;
    const MS_INVALIDATE: usize = 2;
    const MS_SYNC: usize = 4;
    let flags = args.usize(2);
    if flags & !(MS_ASYNC | MS_INVALIDATE | MS_SYNC) != 0
        || flags & (MS_ASYNC | MS_SYNC) == MS_ASYNC | MS_SYNC
    {
        return Err(EINVAL);
    }
    match advised_range(args)? {
        Some(range) if !space()?.is_mapped(&range) => Err(ENOMEM),
        _ => Ok(0),
    }
}

/// mremap(old address, old size, new size, flags, new address): shrinks a mapping in place,
/// grows it in place when the pages after it are free, or else (MREMAP_MAYMOVE) moves it,
/// or moves it to a given address (MREMAP_FIXED); MREMAP_DONTUNMAP moves the pages but leaves
/// the old mapping in place, empty (reading as zeroes, or the file again).
pub fn mremap(args: &Arguments) -> SyscallResult {
    const MREMAP_MAYMOVE: usize = 1;
    const MREMAP_FIXED: usize = 2;
    const MREMAP_DONTUNMAP: usize = 4;
    let (old, flags, new_address) = (args.usize(0), args.usize(3), args.usize(4));
    let round = |size: usize| size.checked_next_multiple_of(PAGE_SIZE).ok_or(EINVAL);
    let (old_size, new_size) = (round(args.usize(1))?, round(args.usize(2))?);
    let may_move = flags & MREMAP_MAYMOVE != 0;
    let keep_old = flags & MREMAP_DONTUNMAP != 0;
    if flags & !(MREMAP_MAYMOVE | MREMAP_FIXED | MREMAP_DONTUNMAP) != 0
        || (flags & MREMAP_FIXED != 0 || keep_old) && !may_move
        || keep_old && old_size != new_size
        || !old.is_multiple_of(PAGE_SIZE)
    {
        return Err(EINVAL);
    }
    if old_size == 0 || new_size == 0 {
        return Err(EINVAL);
    }
    plausible(new_size)?;
    let old_end = old
        .checked_add(old_size)
        .filter(|end| *end <= USER_TOP)
        .ok_or(EFAULT)?;
    let space = space()?;
    let protection = space.uniform_protection(&(old..old_end)).ok_or(EFAULT)?;
    // Where the old pages end up: unmapped, or (MREMAP_DONTUNMAP) mapped but empty.
    let leave = |range: Range<usize>| {
        if keep_old {
            space.discard(range)
        } else {
            space.unmap(range)
        }
    };
    if flags & MREMAP_FIXED != 0 {
        let target = page_range(new_address, new_size)?;
        if target.start < MIN_USER_ADDRESS {
            return Err(EPERM);
        }
        if target.start < old_end && old < target.end {
            return Err(EINVAL);
        }
        space.unmap(target.clone())?;
        let kept = old..old + old_size.min(new_size);
        if kept.end < old_end {
            space.unmap(kept.end..old_end)?;
        }
        space.copy_mapping(kept.clone(), target.start, new_size, protection)?;
        leave(kept)?;
        return Ok(target.start);
    }
    if !keep_old {
        if new_size <= old_size {
            if new_size < old_size {
                space.unmap(old + new_size..old_end)?;
            }
            return Ok(old);
        }
        let extension = old_end..old + new_size;
        if extension.end <= USER_TOP && space.is_free(&extension) {
            // A file mapping grows into more of the file.
            let last_page = old_end - PAGE_SIZE;
            let backing = space
                .backing_at(last_page)
                .map_or(Backing::Zero, |backing| backing.advanced(PAGE_SIZE));
            space.reserve_backed(extension, protection, backing)?;
            return Ok(old);
        }
        if !may_move {
            return Err(ENOMEM);
        }
    }
    let target = space.find_free_below(MMAP_TOP, new_size).ok_or(ENOMEM)?;
    space.copy_mapping(old..old_end, target, new_size, protection)?;
    leave(old..old_end)?;
    Ok(target)
}

/// memfd_create(name, flags): a descriptor of a new file that has no name in the tree
/// (MFD_CLOEXEC, MFD_ALLOW_SEALING, MFD_EXEC and MFD_NOEXEC_SEAL taken; seals are not kept;
/// MFD_HUGETLB is EINVAL).
pub fn memfd_create(args: &Arguments) -> SyscallResult {
    const MFD_CLOEXEC: usize = 0x1;
    const MFD_ALLOW_SEALING: usize = 0x2;
    const MFD_NOEXEC_SEAL: usize = 0x8;
    const MFD_EXEC: usize = 0x10;
    /// NAME_MAX less Linux's "memfd:" prefix.
    const NAME_MAX: usize = 249;
    let flags = args.usize(1);
    if flags & !(MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_NOEXEC_SEAL | MFD_EXEC) != 0 {
        return Err(EINVAL);
    }
    let mut name = [0u8; NAME_MAX + 1];
    if strncpy_from_user(&mut name, UserCStr::new(args.usize(0)))? > NAME_MAX {
        return Err(EINVAL);
    }
    let node = Node::file(0o777, &[], file::now());
    install(
        OpenFile::opened(node, true, true, 0),
        flags & MFD_CLOEXEC != 0,
    )
}

/// The pages mlock and munlock act on: `address` rounded down and the end rounded up.
fn lock_range(args: &Arguments) -> Result<Option<Range<usize>>, Errno> {
    let (address, len) = (args.usize(0), args.usize(1));
    if len == 0 {
        return Ok(None);
    }
    let start = address & !(PAGE_SIZE - 1);
    let end = address
        .checked_add(len)
        .and_then(|end| end.checked_next_multiple_of(PAGE_SIZE))
        .filter(|end| *end <= USER_TOP)
        .ok_or(ENOMEM)?;
    Ok(Some(start..end))
}

/// mlock(address, length): locks the pages and makes them present (EAGAIN if memory runs
/// out, ENOMEM if part of the range is not mapped). Every process is root, so
/// RLIMIT_MEMLOCK does not apply, as on Linux with CAP_IPC_LOCK.
pub fn mlock(args: &Arguments) -> SyscallResult {
    if let Some(range) = lock_range(args)? {
        space()?.lock(range, false)?;
    }
    Ok(0)
}

/// mlock2(address, length, flags): mlock, or with MLOCK_ONFAULT lock without making the
/// pages present.
pub fn mlock2(args: &Arguments) -> SyscallResult {
    const MLOCK_ONFAULT: usize = 1;
    let flags = args.usize(2);
    if flags & !MLOCK_ONFAULT != 0 {
        return Err(EINVAL);
    }
    if let Some(range) = lock_range(args)? {
        space()?.lock(range, flags & MLOCK_ONFAULT != 0)?;
    }
    Ok(0)
}

pub fn munlock(args: &Arguments) -> SyscallResult {
    if let Some(range) = lock_range(args)? {
        space()?.unlock(range)?;
    }
    Ok(0)
}

/// mlockall(flags): MCL_CURRENT locks what is mapped, MCL_FUTURE what will be, MCL_ONFAULT
/// without making pages present.
pub fn mlockall(args: &Arguments) -> SyscallResult {
    let (current, on_fault, future) = decode_lock_all(args.usize(0))?;
    space()?.lock_all(current, on_fault, future)?;
    Ok(0)
}

pub fn munlockall() -> SyscallResult {
    space()?.unlock_all();
    Ok(0)
}

/// mincore(address, length, vector): one byte per page of the range, 1 where the page is
/// present in memory. The range must be mapped (ENOMEM) and start on a page (EINVAL).
pub fn mincore(args: &Arguments) -> SyscallResult {
    let (address, len) = (args.usize(0), args.usize(1));
    if !address.is_multiple_of(PAGE_SIZE) {
        return Err(EINVAL);
    }
    let end = address
        .checked_add(len)
        .and_then(|end| end.checked_next_multiple_of(PAGE_SIZE))
        .filter(|end| *end <= USER_TOP)
        .ok_or(ENOMEM)?;
    let space = space()?;
    if !space.is_mapped(&(address..end)) {
        return Err(ENOMEM);
    }
    // A page at a time, so that a large range needs no large buffer.
    for (index, page) in (address..end).step_by(PAGE_SIZE).enumerate() {
        let present = u8::from(space.is_present(page));
        write_user(args.usize(2) + index, &[present])?;
    }
    Ok(0)
}
