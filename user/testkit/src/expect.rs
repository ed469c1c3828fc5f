//! Checking one call against many addresses, naming the address that gave a wrong result.

use rt::errno::Errno;
use rt::test::Failure;

use crate::edge::{Beyond, PageEdge};

/// Calls `call` with each labelled address and checks that it returns `expected`.
pub fn expect_for_each(
    addresses: &[(&str, usize)],
    expected: Result<usize, Errno>,
    call: impl Fn(usize) -> Result<usize, Errno>,
) -> Result<(), Failure> {
    for &(label, address) in addresses {
        let result = call(address);
        if result != expected {
            return Err(Failure::new(format_args!(
                "{label} address {address:#x}: got {result:?}, want {expected:?}"
            )));
        }
    }
    Ok(())
}

/// For each kind of edge in `beyonds`, calls `call` with an address `valid` writable bytes
/// before the edge and checks that it returns `expected`.
pub fn expect_at_edges(
    beyonds: &[Beyond],
    valid: usize,
    expected: Result<usize, Errno>,
    call: impl Fn(usize) -> Result<usize, Errno>,
) -> Result<(), Failure> {
    for &beyond in beyonds {
        let edge = PageEdge::new(beyond)?;
        let result = call(edge.before(valid));
        if result != expected {
            return Err(Failure::new(format_args!(
                "{valid} bytes before a {beyond:?} page: got {result:?}, want {expected:?}"
            )));
        }
    }
    Ok(())
}
