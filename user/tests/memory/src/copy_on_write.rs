//! After fork, parent and child each see only their own writes: to a mapped page, to static
//! data and to the stack.

use core::sync::atomic::{AtomicU64, Ordering};

use rt::fd::Fd;
use rt::sys::file::{pipe2, read, write};
use rt::sys::process::{Fork, exit_group, fork, wait};
use rt::test::{Context, Failure};
use rt::wait::Termination;
use testkit::pages::Pages;

static DATA: AtomicU64 = AtomicU64::new(0);

/// The three places the test writes, read back as one triple.
struct Places<'a> {
    page: &'a Pages,
    stack: &'a mut u64,
}

impl Places<'_> {
    fn set(&mut self, value: u64) {
        self.page.write(self.page.start(), &value.to_ne_bytes());
        DATA.store(value, Ordering::Relaxed);
        // SAFETY: a plain write through a valid reference, volatile so it is not elided.
        unsafe { core::ptr::write_volatile(self.stack, value) };
    }

    fn get(&self) -> [u64; 3] {
        let mut page = [0u8; 8];
        page.copy_from_slice(self.page.bytes(self.page.start(), 8));
        // SAFETY: a plain read through a valid reference, volatile so it is not cached.
        let stack = unsafe { core::ptr::read_volatile(self.stack) };
        [
            u64::from_ne_bytes(page),
            DATA.load(Ordering::Relaxed),
            stack,
        ]
    }
}

/// Blocks until the other side sends its one byte.
fn wait_for(fd: Fd) -> bool {
    read(fd, &mut [0u8]) == Ok(1)
}

fn signal(fd: Fd) -> bool {
    write(fd, b"!") == Ok(1)
}

const BEFORE: u64 = 0x1111;
const CHILD: u64 = 0x2222;
const PARENT: u64 = 0x3333;

/// The child writes first and the parent checks it sees none of it; then the parent writes
/// and the child checks it still sees only its own values.
pub fn fork_copies_on_write_both_ways() -> Result<(), Failure> {
    let page = Pages::writable(1)?;
    let mut stack_value = 0u64;
    let mut places = Places {
        page: &page,
        stack: &mut stack_value,
    };
    places.set(BEFORE);
    let (to_parent_reader, to_parent) = pipe2(0).context("pipe2")?;
    let (to_child_reader, to_child) = pipe2(0).context("pipe2")?;
    match fork().context("fork")? {
        Fork::Child => {
            places.set(CHILD);
            let ok = signal(to_parent.raw())
                && wait_for(to_child_reader.raw())
                && places.get() == [CHILD; 3];
            exit_group(i32::from(!ok))
        }
        Fork::Parent(child) => {
            rt::check!(wait_for(to_parent_reader.raw()), "the child did not report");
            rt::check_eq!(
                places.get(),
                [BEFORE; 3],
                "the parent after the child wrote"
            );
            places.set(PARENT);
            rt::check!(signal(to_child.raw()));
            rt::check_eq!(wait(child).context("wait4")?.1, Termination::Exited(0));
            rt::check_eq!(places.get(), [PARENT; 3]);
            Ok(())
        }
    }
}
