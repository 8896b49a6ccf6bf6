//! Naming guest addresses for people: the function symbol containing an address, demangled.

use rvjit::program::{Program, Symbol};

/// A symbol name as people read it: Rust names demangled (without the hash), others as is.
pub fn display_name(name: &str) -> String {
    format!("{:#}", rustc_demangle::demangle(name))
}

/// The last function symbol at or below `addr` (`functions` is sorted by address) that can
/// contain it: zero-size symbols (hand-written assembly) extend to the next symbol.
pub fn containing(p: &Program, addr: u64) -> Option<&Symbol> {
    let s = at_or_below(p, addr)?;
    (s.size == 0 || addr - s.addr < s.size).then_some(s)
}

/// `name` or `name+0xoff` for an address inside a function.
pub fn describe(p: &Program, addr: u64) -> Option<String> {
    containing(p, addr).map(|s| relative(s, addr))
}

/// Like objdump: relative to the nearest symbol at or below `addr`, whatever its size.
pub fn nearest(p: &Program, addr: u64) -> Option<String> {
    at_or_below(p, addr).map(|s| relative(s, addr))
}

/// Binary search: listings of large guests look up every branch target.
fn at_or_below(p: &Program, addr: u64) -> Option<&Symbol> {
    let n = p.functions.partition_point(|s| s.addr <= addr);
    n.checked_sub(1).and_then(|i| p.functions.get(i))
}

fn relative(s: &Symbol, addr: u64) -> String {
    let name = display_name(&s.name);
    if addr == s.addr {
        name
    } else {
        format!("{name}+{:#x}", addr - s.addr)
    }
}
