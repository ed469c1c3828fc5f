//! Descriptor bookkeeping: a failed call must not leave descriptors behind.

use rt::fd::Fd;
use rt::sys::file::{O_RDONLY, open};
use rt::test::{Context, Failure};

/// The descriptor the next open would get: Linux always hands out the lowest free one.
pub fn lowest_free() -> Result<Fd, Failure> {
    let probe = open(c"/dev/null", O_RDONLY).context("open /dev/null")?;
    Ok(probe.raw())
}
