//! The `services` target: arbitrary service calls (`Host::ecall`) and custom-0 instructions
//! (`Host::custom0`) against a machine with code, data, an input blob and hint frames.
//!
//! Input format (a byte reader that yields zeros past the end):
//! - header: flags u8 (bit 0: RV64, bit 1: misaligned trap), max_stdout u16, max_output u16,
//!   input frame count u8 (mod 4) then per frame a length u8 and its bytes, hint frame count
//!   u8 (mod 4) and likewise;
//! - then up to [`MAX_CALLS`] calls, each a kind byte: even = ecall (number selector, then
//!   a0..a5), odd = custom-0 (a u32 word forced to opcode 0x0b, then values for its rd, rs1
//!   and rs2 registers). A value is a selector byte and an operand (see [`Reader::value`]).
//!
//! Invariants checked after every call: the result is a typed `Service` or `FaultKind`; the
//! outputs stay within their limits; registers stay canonical for the XLEN and x0 is 0; a
//! call that faults has no effect (registers, RAM window, outputs, hint/random cursors).

use crate::{data_pattern, Snapshot, CODE_BASE, DATA_BASE, DATA_SIZE, RAM_SIZE};
use rvjit::abi;
use rvjit::host::{HostConfig, Limits};
use rvjit::isa::{self, Xlen};
use rvjit::machine::{Machine, RunConfig};
use rvjit::memory::{MemoryConfig, MisalignedPolicy, SegmentImage, PERM_R, PERM_W, PERM_X};
use rvjit::outcome::Stop;
use rvjit::program::Program;
use std::sync::Arc;

pub const MAX_CALLS: usize = 32;

/// Service numbers the selector picks from (plus unknown ones).
pub const NUMBERS: [u32; 14] = [
    abi::SYS_EXIT,
    abi::SYS_EXIT_GROUP,
    abi::SYS_WRITE,
    abi::SYS_READ,
    abi::SYS_GETRANDOM,
    abi::SYS_INPUT_INFO,
    abi::SYS_HINT_LEN,
    abi::SYS_HINT_READ,
    abi::SYS_KECCAKF,
    abi::SYS_SHA256_COMPRESS,
    0,
    abi::PROJECT_BASE + 3,
    abi::PROJECT_BASE + 0x12,
    u32::MAX,
];

/// A byte reader that yields zeros once the input is exhausted.
pub struct Reader<'a> {
    data: &'a [u8],
}

impl<'a> Reader<'a> {
    pub fn new(data: &'a [u8]) -> Reader<'a> {
        Reader { data }
    }
    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }
    pub fn bytes(&mut self, n: usize) -> &'a [u8] {
        let n = n.min(self.data.len());
        let (head, tail) = self.data.split_at(n);
        self.data = tail;
        head
    }
    pub fn u8(&mut self) -> u8 {
        self.bytes(1).first().copied().unwrap_or(0)
    }
    pub fn u16(&mut self) -> u16 {
        u16::from(self.u8()) | u16::from(self.u8()) << 8
    }
    pub fn u32(&mut self) -> u32 {
        u32::from(self.u16()) | u32::from(self.u16()) << 16
    }
    pub fn u64(&mut self) -> u64 {
        u64::from(self.u32()) | u64::from(self.u32()) << 32
    }
    /// A guest value: selector `s % 8` picks 0 data+u16, 1 small u16, 2 input+u16,
    /// 3 code+u16, 4 raw u64, 5 RAM end-u16, 6 u64::MAX-u16, 7 zero.
    pub fn value(&mut self, m: &Machine) -> u64 {
        let layout = m.mem.layout();
        match self.u8() % 8 {
            0 => DATA_BASE + u64::from(self.u16()),
            1 => u64::from(self.u16()),
            2 => layout.input.start + u64::from(self.u16()),
            3 => CODE_BASE + u64::from(self.u16()),
            4 => self.u64(),
            5 => layout.ram.end.wrapping_sub(u64::from(self.u16())),
            6 => u64::MAX - u64::from(self.u16()),
            _ => 0,
        }
    }
    fn frames(&mut self) -> Vec<Vec<u8>> {
        let n = self.u8() % 4;
        (0..n).map(|_| {
            let len = usize::from(self.u8());
            self.bytes(len).to_vec()
        }).collect()
    }
}

/// The machine and its (max_stdout, max_output) limits.
fn machine(r: &mut Reader) -> (Machine, u64, u64) {
    let flags = r.u8();
    let xlen = if flags & 1 != 0 { Xlen::X64 } else { Xlen::X32 };
    let misaligned = if flags & 2 != 0 { MisalignedPolicy::Trap } else { MisalignedPolicy::Allow };
    let max_stdout = u64::from(r.u16());
    let max_output = u64::from(r.u16());
    let host = HostConfig {
        inputs: r.frames(),
        hints: r.frames(),
        limits: Limits { max_stdout, max_output, ..Limits::default() },
        echo: false,
    };
    let code = vec![0x13; 0x400]; // nops
    let segments = vec![
        SegmentImage { vaddr: CODE_BASE, memsz: code.len() as u64, data: code, perm: PERM_R | PERM_X },
        SegmentImage { vaddr: DATA_BASE, memsz: DATA_SIZE, data: data_pattern(), perm: PERM_R | PERM_W },
    ];
    let program = Program::from_parts(xlen, CODE_BASE, segments, Vec::new());
    let config = RunConfig { memory: MemoryConfig { ram_size: RAM_SIZE, misaligned }, host };
    let m = Machine::new(Arc::new(program), &config).expect("the fuzz layout is valid");
    (m, max_stdout, max_output)
}

/// Registers are canonical for the XLEN and x0 is zero.
fn check_regs(m: &Machine) {
    assert_eq!(m.cpu.regs[0], 0, "x0 was written");
    for (i, &v) in m.cpu.regs.iter().enumerate() {
        assert_eq!(m.cpu.xlen.trunc(v), v, "x{i} = {v:#x} is not canonical for {:?}", m.cpu.xlen);
    }
}

pub fn run(data: &[u8]) {
    let mut r = Reader::new(data);
    let (mut m, max_stdout, max_output) = machine(&mut r);
    for _ in 0..MAX_CALLS {
        if r.is_empty() {
            break;
        }
        let (result, before) = if r.u8() & 1 == 0 {
            let sel = r.u8();
            let number = match sel {
                0xf0..=0xff => r.u64(),
                _ => u64::from(NUMBERS[usize::from(sel) % NUMBERS.len()]),
            };
            for a in [10u8, 11, 12, 13, 14, 15] {
                let v = r.value(&m);
                m.cpu.set(a, v);
            }
            m.cpu.set(17, number);
            let before = Snapshot::take(Stop::CycleLimit, &m);
            (m.host.ecall(&mut m.cpu, &mut m.mem), before)
        } else {
            let word = (r.u32() & !0x7f) | abi::custom0::OPCODE;
            let ins = isa::decode32(word, m.cpu.xlen);
            for reg in [ins.rd, ins.rs1, ins.rs2] {
                let v = r.value(&m);
                m.cpu.set(reg, v);
            }
            let before = Snapshot::take(Stop::CycleLimit, &m);
            (m.host.custom0(&ins, &mut m.cpu, &mut m.mem), before)
        };
        check_regs(&m);
        let used = m.host.stdout().len() as u64 + m.host.stderr().len() as u64;
        assert!(used <= max_stdout, "stdout+stderr hold {used} bytes, over the limit {max_stdout}");
        let public = m.host.public_output().len() as u64;
        assert!(public <= max_output, "public output holds {public} bytes, over the limit {max_output}");
        if let Err(fault) = result {
            // Formatting a fault must not panic either.
            let _ = fault.to_string();
            before.assert_same(&Snapshot::take(Stop::CycleLimit, &m), &format!("{fault:?} had an effect"));
        }
    }
}
