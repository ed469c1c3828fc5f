//! Names for kernel code addresses, from the function symbols of the kernel ELF.

use std::fs;
use std::path::Path;

use anyhow::{Context, Result, ensure};
use goblin::elf::Elf;
use goblin::elf::sym::STT_FUNC;

use crate::protocol::Frame;

/// One function of the kernel: `size` bytes of code from `start`.
pub struct FunctionSymbol {
    pub start: u64,
    pub size: u64,
    pub name: String,
}

pub struct Symbolizer {
    functions: Vec<FunctionSymbol>,
}

impl Symbolizer {
    pub fn load(elf_path: &Path) -> Result<Self> {
        let bytes =
            fs::read(elf_path).with_context(|| format!("cannot read {}", elf_path.display()))?;
        let elf = Elf::parse(&bytes)
            .with_context(|| format!("{} is not a valid ELF file", elf_path.display()))?;
        Self::from_elf(&elf)
            .with_context(|| format!("cannot name the code of {}", elf_path.display()))
    }

    /// The function symbols of an ELF already parsed.
    pub fn from_elf(elf: &Elf) -> Result<Self> {
        ensure!(
            !elf.syms.is_empty(),
            "the ELF has no symbol table to name code addresses with"
        );
        let functions = elf
            .syms
            .iter()
            .filter(|symbol| symbol.st_type() == STT_FUNC && symbol.st_size > 0)
            .filter_map(|symbol| {
                Some(FunctionSymbol {
                    start: symbol.st_value,
                    size: symbol.st_size,
                    name: demangle(elf.strtab.get_at(symbol.st_name)?),
                })
            })
            .collect();
        Ok(Self::new(functions))
    }

    pub fn new(functions: Vec<FunctionSymbol>) -> Self {
        Self { functions }
    }

    /// `<function>+0x<offset>` for a backtrace frame, the offset counted to the frame's own address.
    pub fn frame_symbol(&self, frame: &Frame) -> Option<String> {
        let function = self.function_containing(frame.call_site())?;
        Some(function.offset_name(frame.address))
    }

    /// `<function>+0x<offset>` for the code at `address`.
    pub fn code_symbol(&self, address: u64) -> Option<String> {
        Some(self.function_containing(address)?.offset_name(address))
    }

    fn function_containing(&self, address: u64) -> Option<&FunctionSymbol> {
        self.functions
            .iter()
            .find(|function| function.start <= address && address - function.start < function.size)
    }
}

impl FunctionSymbol {
    fn offset_name(&self, address: u64) -> String {
        format!("{}+{:#x}", self.name, address - self.start)
    }
}

/// A Rust symbol without its hash (`kernel::mm::fault`), any other symbol as it is.
fn demangle(symbol: &str) -> String {
    format!("{:#}", rustc_demangle::demangle(symbol))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn symbolizer() -> Symbolizer {
        Symbolizer::new(vec![
            FunctionSymbol {
                start: 0xffff_0000_0008_0000,
                size: 0x100,
                name: "kernel::boot".to_owned(),
            },
            FunctionSymbol {
                start: 0xffff_0000_0008_0100,
                size: 0x40,
                name: "kernel::mm::fault".to_owned(),
            },
        ])
    }

    fn frame(index: u32, address: u64) -> Frame {
        Frame { index, address }
    }

    #[test]
    fn names_the_function_containing_the_pc() {
        let symbols = symbolizer();
        assert_eq!(
            symbols
                .frame_symbol(&frame(0, 0xffff_0000_0008_0000))
                .as_deref(),
            Some("kernel::boot+0x0")
        );
        assert_eq!(
            symbols
                .frame_symbol(&frame(0, 0xffff_0000_0008_0124))
                .as_deref(),
            Some("kernel::mm::fault+0x24")
        );
    }

    #[test]
    fn function_end_is_exclusive_for_the_pc() {
        let symbols = symbolizer();
        assert_eq!(symbols.frame_symbol(&frame(0, 0xffff_0000_0008_0140)), None);
        assert_eq!(symbols.frame_symbol(&frame(0, 0xffff_0000_0007_fffc)), None);
    }

    #[test]
    fn return_address_past_a_function_end_names_the_caller() {
        let symbols = symbolizer();
        assert_eq!(
            symbols
                .frame_symbol(&frame(1, 0xffff_0000_0008_0100))
                .as_deref(),
            Some("kernel::boot+0x100")
        );
        assert_eq!(
            symbols
                .frame_symbol(&frame(0, 0xffff_0000_0008_0100))
                .as_deref(),
            Some("kernel::mm::fault+0x0")
        );
    }

    #[test]
    fn names_code_addresses_by_their_own_offset() {
        let symbols = symbolizer();
        assert_eq!(
            symbols.code_symbol(0xffff_0000_0008_0104).as_deref(),
            Some("kernel::mm::fault+0x4")
        );
        assert_eq!(symbols.code_symbol(0xffff_0000_0008_0140), None);
    }

    #[test]
    fn demangles_without_hash() {
        assert_eq!(
            demangle("_ZN6kernel2mm5fault17h0123456789abcdefE"),
            "kernel::mm::fault"
        );
        assert_eq!(demangle("memcpy"), "memcpy");
    }

    #[test]
    fn loads_function_symbols_from_an_elf() {
        let executable = std::env::current_exe().unwrap();
        let symbols = Symbolizer::load(&executable).unwrap();
        let this_test = symbols
            .functions
            .iter()
            .find(|function| {
                function
                    .name
                    .ends_with("symbolize::tests::loads_function_symbols_from_an_elf")
            })
            .expect("the test binary names this test's function");
        assert_eq!(
            symbols.frame_symbol(&frame(0, this_test.start + 4)),
            Some(format!("{}+0x4", this_test.name))
        );
    }
}
