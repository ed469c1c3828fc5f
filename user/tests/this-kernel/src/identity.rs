//! What uname says about this kernel: any name, as long as there is one; the machine is
//! aarch64, as on Linux.

use rt::sys::system::{field_text, uname};
use rt::test::{Context, Failure};

/// Prints one line naming the kernel under test, for the log (not a protocol line).
pub fn print_uname() {
    match uname() {
        Ok(name) => rt::println!(
            "uname: {} {} {} {}",
            field_text(&name.sysname).to_bytes().escape_ascii(),
            field_text(&name.release).to_bytes().escape_ascii(),
            field_text(&name.version).to_bytes().escape_ascii(),
            field_text(&name.machine).to_bytes().escape_ascii(),
        ),
        Err(errno) => rt::println!("uname: {errno}"),
    }
}

pub fn uname_names_the_kernel_and_machine() -> Result<(), Failure> {
    let name = uname().context("uname")?;
    rt::check!(!field_text(&name.sysname).is_empty(), "empty sysname");
    rt::check!(!field_text(&name.release).is_empty(), "empty release");
    rt::check_eq!(field_text(&name.machine), c"aarch64");
    Ok(())
}
