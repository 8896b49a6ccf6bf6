//! Architectural state of the single hart.

use crate::isa::Xlen;

/// No live LR reservation.
pub const NO_RESERVATION: u64 = u64::MAX;

/// Registers, pc, retired-instruction count and the LR/SC reservation.
///
/// `repr(C)` because translated code reads and writes these fields at fixed offsets.
/// Register values are canonical for the XLEN: RV32 values are zero-extended in the `u64`.
#[repr(C)]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cpu {
    /// x0..x31; `regs[0]` is always 0.
    pub regs: [u64; 32],
    pub pc: u64,
    /// Retired instructions so far (one cycle = one retired instruction).
    pub cycle: u64,
    /// Address of the live LR reservation, or [`NO_RESERVATION`].
    pub reservation: u64,
    pub xlen: Xlen,
}

impl Cpu {
    pub fn new(xlen: Xlen, pc: u64) -> Cpu {
        Cpu {
            regs: [0; 32],
            pc,
            cycle: 0,
            reservation: NO_RESERVATION,
            xlen,
        }
    }

    /// Write a register, ignoring x0 and keeping the value canonical.
    #[inline(always)]
    pub fn set(&mut self, rd: u8, value: u64) {
        if rd != 0 {
            // rd comes from a 5-bit field; masking keeps the index in range by construction.
            self.regs[(rd & 31) as usize] = self.xlen.trunc(value);
        }
    }

    #[inline(always)]
    pub fn get(&self, r: u8) -> u64 {
        self.regs[(r & 31) as usize]
    }
}

/// ABI register numbers used by the host-service door.
pub mod reg {
    pub const RA: u8 = 1;
    pub const SP: u8 = 2;
    pub const GP: u8 = 3;
    pub const A0: u8 = 10;
    pub const A1: u8 = 11;
    pub const A2: u8 = 12;
    pub const A3: u8 = 13;
    pub const A4: u8 = 14;
    pub const A5: u8 = 15;
    pub const A7: u8 = 17;
}

/// ABI names of x0..x31, as objdump prints them.
pub const REG_NAMES: [&str; 32] = [
    "zero", "ra", "sp", "gp", "tp", "t0", "t1", "t2", "s0", "s1", "a0", "a1", "a2", "a3", "a4",
    "a5", "a6", "a7", "s2", "s3", "s4", "s5", "s6", "s7", "s8", "s9", "s10", "s11", "t3", "t4",
    "t5", "t6",
];
