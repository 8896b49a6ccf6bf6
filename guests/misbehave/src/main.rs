//! One deliberate misbehaviour, selected by the first input frame (u32). The faults are written
//! in assembly so the faulting instruction is exactly the one named. Under rvjit:
//!
//! | selector | does | outcome |
//! |---|---|---|
//! | 0 | load word from address 0 | fault LoadAccess { addr: 0 } |
//! | 1 | store word to its own code (`main`) | fault StoreReadOnly |
//! | 2 | load word from 0xf000_0000 (outside every segment and the RAM window) | fault LoadAccess |
//! | 3 | load word from an odd address of a known buffer | exit 42 (default policy: allowed); fault MisalignedLoad under `--misaligned=trap` |
//! | 4 | illegal instruction (`.2byte 0`, the defined-illegal all-zero halfword) | fault IllegalInstruction |
//! | 5 | `ebreak` | breakpoint |
//! | 6 | write(fd 1, ptr 0x10, len 4): service call with a bad pointer | fault BadServiceArgument |
//! | 7 | ecall with unknown service number 0x0800_0fff | fault UnknownService |
//! | 8 | endless loop | cycle limit |
//! | 9 | unbounded recursion: the stack runs below its segment into unmapped memory | fault StoreAccess |
//! | 10 | `panic!` | exit 101, message on stderr |
//!
//! Any other selector exits with 2; a misbehaviour that unexpectedly returns exits with 1.
//! In host-native mode only 3, 8 and 10 behave as above; the others print a notice and exit 2.
#![cfg_attr(target_os = "none", no_std, no_main)]

use runtime_abi::{entry, eprintln, exit, println, read};

entry!(main);

/// The buffer selector 3 reads at offset 1 (little-endian word 0x0504_0302).
static BYTES: [u8; 8] = [1, 2, 3, 4, 5, 6, 7, 8];

fn main() {
    let selector: u32 = read();
    println!("misbehave: selector {selector}");
    match selector {
        3 => {
            let v = misaligned_load(BYTES.as_ptr().wrapping_add(1));
            println!("misaligned load read {v:#010x}");
            exit(if v == 0x0504_0302 { 42 } else { 1 });
        }
        8 => endless(),
        9 => {
            let depth = recurse(0);
            println!("recursion returned {depth}");
        }
        10 => panic!("misbehave: deliberate panic (selector 10)"),
        s @ (0 | 1 | 2 | 4 | 5 | 6 | 7) => fault(s),
        _ => {
            eprintln!("unknown selector {selector}");
            exit(2);
        }
    }
    exit(1);
}

fn endless() -> ! {
    let mut i = 0u64;
    loop {
        i = core::hint::black_box(i.wrapping_add(1));
    }
}

/// Each frame keeps 256 bytes live, and the recursion only ends at a depth never reached.
fn recurse(depth: u64) -> u64 {
    let mut frame = [0u8; 256];
    frame[(depth % 256) as usize] = depth as u8;
    let frame = core::hint::black_box(frame);
    if core::hint::black_box(depth) == u64::MAX {
        return 0;
    }
    recurse(depth + 1).wrapping_add(u64::from(frame[(depth % 7) as usize]))
}

#[cfg(target_os = "none")]
fn misaligned_load(p: *const u8) -> u32 {
    let v: u32;
    // SAFETY: p points into BYTES with 4 readable bytes; the access is misaligned on purpose.
    unsafe { core::arch::asm!("lw {v}, 0({p})", v = out(reg) v, p = in(reg) p, options(nostack, readonly)) };
    v
}

#[cfg(not(target_os = "none"))]
fn misaligned_load(p: *const u8) -> u32 {
    // SAFETY: p points into BYTES with 4 readable bytes.
    unsafe { core::ptr::read_unaligned(p as *const u32) }
}

#[cfg(target_os = "none")]
fn fault(selector: u32) {
    use core::arch::asm;
    // SAFETY: none of these is safe: each is meant to fault (and ends the run under rvjit).
    unsafe {
        match selector {
            0 => asm!("lw {t}, 0(zero)", t = out(reg) _, options(nostack)),
            1 => asm!("sw zero, 0({p})", p = in(reg) main as fn() as usize, options(nostack)),
            2 => asm!("lw {t}, 0({p})", t = out(reg) _, p = in(reg) 0xf000_0000usize, options(nostack)),
            4 => asm!(".2byte 0", options(nostack)),
            5 => asm!("ebreak", options(nostack)),
            6 => asm!("ecall", inlateout("a0") 1usize => _, in("a1") 0x10usize, in("a2") 4usize, in("a7") 64usize, options(nostack)),
            7 => asm!("ecall", inlateout("a0") 0usize => _, in("a7") 0x0800_0fffusize, options(nostack)),
            _ => {}
        }
    }
}

#[cfg(not(target_os = "none"))]
fn fault(selector: u32) {
    eprintln!("selector {selector} faults only on RISC-V");
    exit(2);
}
