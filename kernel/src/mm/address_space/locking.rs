//! Memory locks (mlock, mlock2, munlock, mlockall, munlockall): a locked region's pages are
//! made present when it is locked (unless only on fault) and stay: MADV_DONTNEED refuses to
//! drop them, as Linux does. Locks belong to the address space: fork does not pass them on,
//! and execve starts without them.

use super::{Access, AddressSpace, FaultError, Inner, pages};
use crate::errno::{EAGAIN, EINVAL, ENOMEM, Errno};
use core::ops::Range;

/// What mlockall's MCL_FUTURE asked for the regions made from now on.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum FutureLocks {
    #[default]
    None,
    /// Locked and made present (MCL_FUTURE).
    Present,
    /// Locked, made present as touched (MCL_FUTURE | MCL_ONFAULT).
    OnFault,
}

impl Inner {
    /// Sets whether the regions of `range` (which regions must cover: ENOMEM) are locked.
    fn set_locked(&mut self, range: &Range<usize>, locked: bool) -> Result<(), Errno> {
        if !self.covers(range) {
            return Err(ENOMEM);
        }
        self.split_at_edges(range);
        for region in self
            .regions
            .iter_mut()
            .filter(|r| range.start <= r.range.start && r.range.end <= range.end)
        {
            region.locked = locked;
        }
        Ok(())
    }
}

impl AddressSpace {
    /// mlock, mlock2: locks `range`, making its pages present now unless `on_fault`.
    pub fn lock(&self, range: Range<usize>, on_fault: bool) -> Result<(), Errno> {
        self.inner.lock().set_locked(&range, true)?;
        if on_fault {
            Ok(())
        } else {
            self.make_present(range)
        }
    }

    /// munlock.
    pub fn unlock(&self, range: Range<usize>) -> Result<(), Errno> {
        self.inner.lock().set_locked(&range, false)
    }

    /// mlockall: locks every region now (`current`, made present unless `on_fault`) and, as
    /// `future` says, those made later.
    pub fn lock_all(
        &self,
        current: bool,
        on_fault: bool,
        future: FutureLocks,
    ) -> Result<(), Errno> {
        let ranges: alloc::vec::Vec<Range<usize>> = {
            let mut inner = self.inner.lock();
            inner.future_locks = future;
            if !current {
                return Ok(());
            }
            for region in inner.regions.iter_mut() {
                region.locked = true;
            }
            inner.regions.iter().map(|r| r.range.clone()).collect()
        };
        if on_fault {
            return Ok(());
        }
        ranges
            .into_iter()
            .try_for_each(|range| self.make_present(range))
    }

    /// munlockall.
    pub fn unlock_all(&self) {
        let mut inner = self.inner.lock();
        inner.future_locks = FutureLocks::None;
        for region in inner.regions.iter_mut() {
            region.locked = false;
        }
    }

    /// The bytes locked (/proc/<pid>/status's VmLck).
    pub fn locked_bytes(&self) -> usize {
        let inner = self.inner.lock();
        let locked = inner.regions.iter().filter(|r| r.locked);
        locked.map(|r| r.range.len()).sum()
    }

    /// Faults in each page of `range` not present yet, as a write where the region allows
    /// writing (so that no copy-on-write is left to do) and as a read elsewhere; pages no
    /// access is allowed to, or past the end of a mapped file, are left out. EAGAIN when
    /// memory runs out, as Linux's mlock says.
    pub(super) fn make_present(&self, range: Range<usize>) -> Result<(), Errno> {
        for page in pages(range) {
            let protection = self.inner.lock().region(page).map(|r| r.protection);
            let access = match protection {
                Some(protection) if protection.write => Access::Write,
                Some(protection) if protection.read => Access::Read,
                _ => continue,
            };
            if self.is_present(page) {
                continue;
            }
            match self.handle_fault(page, access) {
                Ok(()) | Err(FaultError::BeyondFile) => {}
                Err(FaultError::OutOfMemory) => return Err(EAGAIN),
                Err(FaultError::Unmapped | FaultError::Denied | FaultError::SwapIo) => {
                    return Err(ENOMEM);
                }
            }
        }
        Ok(())
    }
}

/// mlockall's flags, checked: (current, on fault, future).
pub fn decode_lock_all(flags: usize) -> Result<(bool, bool, FutureLocks), Errno> {
    const MCL_CURRENT: usize = 1;
    const MCL_FUTURE: usize = 2;
    const MCL_ONFAULT: usize = 4;
    if flags & !(MCL_CURRENT | MCL_FUTURE | MCL_ONFAULT) != 0
        || flags & (MCL_CURRENT | MCL_FUTURE) == 0
    {
        return Err(EINVAL);
    }
    let on_fault = flags & MCL_ONFAULT != 0;
    let future = match (flags & MCL_FUTURE != 0, on_fault) {
        (false, _) => FutureLocks::None,
        (true, false) => FutureLocks::Present,
        (true, true) => FutureLocks::OnFault,
    };
    Ok((flags & MCL_CURRENT != 0, on_fault, future))
}
