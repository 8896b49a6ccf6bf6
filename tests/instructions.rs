//! Per-instruction tests, written from the RISC-V unprivileged spec, for RV32 and RV64.
//!
//! Every test runs on every engine in `common::engines()` and compares complete outcomes: the
//! stop value, pc, cycle count, and the full register file (all registers other than the
//! destination must be unchanged).

mod common;

use common::*;
use rvjit::cpu::NO_RESERVATION;
use rvjit::isa::encode::encode;
use rvjit::isa::{Op, Xlen, CSR_CYCLE, CSR_CYCLEH, CSR_INSTRET, CSR_INSTRETH, CSR_TIME, CSR_TIMEH};
use rvjit::memory::{MemoryConfig, MisalignedPolicy};
use rvjit::outcome::{FaultKind, Stop};

use Xlen::{X32, X64};

const M32: u64 = 0xffff_ffff;
const MAX: u64 = u64::MAX;
const MIN64: u64 = 1 << 63;
/// -1 in the XLEN's canonical form.
fn ones(x: Xlen) -> u64 {
    x.trunc(MAX)
}
/// A negative i64 in the XLEN's canonical form.
fn neg(x: Xlen, v: i64) -> u64 {
    x.trunc(v as u64)
}

/// Run one instruction word with initial registers and assert the complete outcome: it
/// retires (cycle 1, pc + 4), `rd` holds `want`, every other register is unchanged.
#[track_caller]
fn check(x: Xlen, word: u32, init: &[(u8, u64)], rd: u8, want: u64) {
    let test = Test::new(x, words(&[word, EBREAK])).regs(init);
    let mut regs = test.machine().cpu.regs;
    if rd != 0 {
        regs[rd as usize] = want;
    }
    let o = test.run();
    o.assert_breakpoint(CODE_BASE + 4, 1);
    assert_eq!(
        o.machine.cpu.regs, regs,
        "{x:?} {word:#010x} {init:x?}: x{rd} want {want:#x}"
    );
}

/// `op x3, x1, x2` with x1 = a, x2 = b.
#[track_caller]
fn rr(x: Xlen, op: Op, a: u64, b: u64, want: u64) {
    check(x, encode(op, 3, 1, 2, 0), &[(1, a), (2, b)], 3, want);
}

/// `op x3, x1, imm` with x1 = a (also shifts by immediate).
#[track_caller]
fn ri(x: Xlen, op: Op, a: u64, imm: i32, want: u64) {
    check(x, encode(op, 3, 1, 0, imm), &[(1, a)], 3, want);
}

// ------------------------------------------------------------------ integer register-register

#[test]
fn register_register_rv32() {
    let x = X32;
    let cases: &[(Op, u64, u64, u64)] = &[
        (Op::Add, 1, 2, 3),
        (Op::Add, M32, 1, 0),
        (Op::Add, 0x7fff_ffff, 1, 0x8000_0000),
        (Op::Sub, 0, 1, M32),
        (Op::Sub, 5, 3, 2),
        (Op::Sll, 1, 31, 0x8000_0000),
        (Op::Sll, 1, 32, 1), // shift amount masked to 5 bits
        (Op::Sll, 3, 0xffff_ffe1, 6),
        (Op::Slt, M32, 0, 1),
        (Op::Slt, 0, M32, 0),
        (Op::Slt, 1, 1, 0),
        (Op::Sltu, M32, 0, 0),
        (Op::Sltu, 0, M32, 1),
        (Op::Xor, 0xff00_ff00, 0x0ff0_0ff0, 0xf0f0_f0f0),
        (Op::Or, 0xff00_ff00, 0x0ff0_0ff0, 0xfff0_fff0),
        (Op::And, 0xff00_ff00, 0x0ff0_0ff0, 0x0f00_0f00),
        (Op::Srl, 0x8000_0000, 31, 1),
        (Op::Srl, 0x8000_0000, 63, 1),
        (Op::Srl, 0x8000_0000, 32, 0x8000_0000),
        (Op::Sra, 0x8000_0000, 31, M32),
        (Op::Sra, 0x8000_0000, 4, 0xf800_0000),
        (Op::Sra, 0x8000_0000, 36, 0xf800_0000),
        (Op::Sra, 0x4000_0000, 1, 0x2000_0000),
    ];
    for &(op, a, b, want) in cases {
        rr(x, op, a, b, want);
    }
}

#[test]
fn register_register_rv64() {
    let x = X64;
    let cases: &[(Op, u64, u64, u64)] = &[
        (Op::Add, MAX, 1, 0),
        (Op::Add, 0x7fff_ffff, 1, 0x8000_0000), // no 32-bit sign extension on RV64
        (Op::Add, M32, 1, 0x1_0000_0000),
        (Op::Sub, 0, 1, MAX),
        (Op::Sll, 1, 63, MIN64),
        (Op::Sll, 1, 64, 1), // masked to 6 bits
        (Op::Sll, 1, 32, 0x1_0000_0000),
        (Op::Slt, MAX, 0, 1),
        (Op::Slt, M32, 0, 0), // 0xffffffff is positive on RV64
        (Op::Sltu, MAX, 0, 0),
        (Op::Sltu, 0, MAX, 1),
        (Op::Xor, MAX, 0x0f, 0xffff_ffff_ffff_fff0),
        (Op::Or, 0xf000_0000_0000_0000, 1, 0xf000_0000_0000_0001),
        (Op::And, MAX, 0x1234_5678_9abc_def0, 0x1234_5678_9abc_def0),
        (Op::Srl, MIN64, 63, 1),
        (Op::Srl, MIN64, 64, MIN64),
        (Op::Srl, 0x8000_0000, 31, 1),
        (Op::Sra, MIN64, 63, MAX),
        (Op::Sra, 0x8000_0000, 31, 1),
        (Op::Sra, MIN64, 127, MAX),
    ];
    for &(op, a, b, want) in cases {
        rr(x, op, a, b, want);
    }
}

#[test]
fn register_immediate() {
    for x in XLENS {
        let cases: &[(Op, u64, i32, u64)] = &[
            (Op::Addi, 1, 2, 3),
            (Op::Addi, 0, -1, ones(x)),
            (Op::Addi, ones(x), 1, 0),
            (Op::Addi, 5, -2048, neg(x, -2043)),
            (Op::Slti, ones(x), 0, 1),
            (Op::Slti, 0, -1, 0),
            (Op::Slti, 5, 2047, 1),
            (Op::Sltiu, 0, -1, 1), // the immediate is sign-extended, then compared unsigned
            (Op::Sltiu, ones(x) - 1, -1, 1),
            (Op::Sltiu, ones(x), -1, 0),
            (Op::Sltiu, 5, 5, 0),
            (Op::Xori, 0x0f, -1, x.trunc(!0x0f)),
            (Op::Xori, 0xff, 0x0f, 0xf0),
            (Op::Ori, 0xf0, -2048, x.trunc(0xffff_ffff_ffff_f8f0)),
            (Op::Andi, ones(x), 0x7ff, 0x7ff),
            (Op::Andi, ones(x), -16, x.trunc(!0xf)),
            (Op::Slli, 1, 31, 0x8000_0000),
            (Op::Slli, 3, 0, 3),
            (Op::Srli, 0x8000_0000, 31, 1),
            (Op::Srli, 0x8000_0000, 0, 0x8000_0000),
            (Op::Srai, 0x4000_0000, 30, 1),
        ];
        for &(op, a, imm, want) in cases {
            ri(x, op, a, imm, want);
        }
    }
    ri(X32, Op::Srai, 0x8000_0000, 31, M32);
    ri(X32, Op::Slli, 0xffff_ffff, 4, 0xffff_fff0);
    ri(X64, Op::Srai, 0x8000_0000, 31, 1);
    ri(X64, Op::Slli, 1, 63, MIN64);
    ri(X64, Op::Slli, 0xffff_ffff, 4, 0xf_ffff_fff0);
    ri(X64, Op::Srli, MIN64, 63, 1);
    ri(X64, Op::Srli, MAX, 32, M32);
    ri(X64, Op::Srai, MIN64, 63, MAX);
    ri(X64, Op::Srai, MIN64, 32, 0xffff_ffff_8000_0000);
}

#[test]
fn shift_immediates_beyond_xlen_are_illegal() {
    // slli x3, x1, 32: shamt[5] is reserved on RV32.
    let word = encode(Op::Slli, 3, 1, 0, 32);
    let o = Test::new(X32, words(&[word])).run();
    o.assert_fault(FaultKind::IllegalInstruction { bits: word }, CODE_BASE, 0);
    ri(X64, Op::Slli, 1, 32, 0x1_0000_0000);
    // slliw with shamt[5] set is reserved on RV64 (encode refuses it, so build it by hand).
    let word = encode(Op::Slliw, 3, 1, 0, 31) | 1 << 25;
    let o = Test::new(X64, words(&[word])).run();
    o.assert_fault(FaultKind::IllegalInstruction { bits: word }, CODE_BASE, 0);
}

#[test]
fn word_forms_rv64() {
    let x = X64;
    let rr_cases: &[(Op, u64, u64, u64)] = &[
        (Op::Addw, 0x7fff_ffff, 1, 0xffff_ffff_8000_0000),
        (Op::Addw, M32, 1, 0),
        (Op::Addw, 0x1_0000_0001, 0x1_0000_0001, 2), // upper halves ignored
        (Op::Subw, 0, 1, MAX),
        (Op::Subw, 0x1_0000_0000, 0, 0),
        (Op::Subw, 0x8000_0000, 1, 0x7fff_ffff),
        (Op::Sllw, 1, 31, 0xffff_ffff_8000_0000),
        (Op::Sllw, 1, 32, 1), // masked to 5 bits
        (Op::Sllw, 1, 63, 0xffff_ffff_8000_0000),
        (Op::Srlw, 0x8000_0000, 0, 0xffff_ffff_8000_0000), // 32-bit result sign-extended
        (Op::Srlw, 0xffff_ffff_8000_0000, 31, 1),
        (Op::Srlw, 0x1_8000_0000, 32, 0xffff_ffff_8000_0000),
        (Op::Srlw, M32, 4, 0x0fff_ffff),
        (Op::Sraw, 0x8000_0000, 31, MAX),
        (Op::Sraw, 0x1_7fff_ffff, 4, 0x07ff_ffff),
        (Op::Sraw, 0x8000_0000, 33, 0xffff_ffff_c000_0000),
        (Op::Mulw, 0x10000, 0x10000, 0),
        (Op::Mulw, 0x7fff_ffff, 2, 0xffff_ffff_ffff_fffe),
        (Op::Mulw, M32, M32, 1),
        (Op::Divw, 0xffff_fff9, 2, neg(x, -3)), // -7 / 2 = -3 (rounds toward zero)
        (Op::Divw, 5, 0, MAX),
        (Op::Divw, 0x8000_0000, M32, 0xffff_ffff_8000_0000), // overflow: MIN / -1 = MIN
        (Op::Divw, 0x1_0000_0006, 0x2_0000_0003, 2),
        (Op::Divuw, 0xffff_fff9, 2, 0x7fff_fffc),
        (Op::Divuw, 5, 0, MAX),
        (Op::Divuw, 0x8000_0000, 1, 0xffff_ffff_8000_0000),
        (Op::Remw, 0xffff_fff9, 2, MAX), // -7 % 2 = -1
        (Op::Remw, 7, 0xffff_fffe, 1),   // 7 % -2 = 1
        (Op::Remw, 0x8000_0000, M32, 0), // overflow: MIN % -1 = 0
        (Op::Remw, 0x1_8000_0000, 0, 0xffff_ffff_8000_0000), // by zero: dividend, sign-extended
        (Op::Remuw, 0xffff_fff9, 2, 1),
        (Op::Remuw, 0x8000_0001, 0, 0xffff_ffff_8000_0001),
        (Op::Remuw, 0x1_0000_0005, 3, 2),
    ];
    for &(op, a, b, want) in rr_cases {
        rr(x, op, a, b, want);
    }
    let ri_cases: &[(Op, u64, i32, u64)] = &[
        (Op::Addiw, 0x7fff_ffff, 1, 0xffff_ffff_8000_0000),
        (Op::Addiw, M32, 0, MAX), // sext.w
        (Op::Addiw, 0x1_0000_0000, -1, MAX),
        (Op::Addiw, 0x1_0000_0005, 1, 6),
        (Op::Slliw, 1, 31, 0xffff_ffff_8000_0000),
        (Op::Slliw, 0x1_0000_0001, 0, 1),
        (Op::Slliw, 0xffff_ffff_4000_0001, 1, 0xffff_ffff_8000_0002),
        (Op::Srliw, 0x8000_0000, 0, 0xffff_ffff_8000_0000),
        (Op::Srliw, 0xffff_ffff_8000_0000, 31, 1),
        (Op::Srliw, MAX, 4, 0x0fff_ffff),
        (Op::Sraiw, 0x8000_0000, 31, MAX),
        (Op::Sraiw, 0x7fff_ffff, 30, 1),
        (Op::Sraiw, 0x1_8000_0000, 4, 0xffff_ffff_f800_0000),
    ];
    for &(op, a, imm, want) in ri_cases {
        ri(x, op, a, imm, want);
    }
}

#[test]
fn rv64_only_rows_are_illegal_on_rv32() {
    use rvjit::isa::{Width, TABLE};
    for row in TABLE.iter().filter(|r| r.width == Width::Rv64Only) {
        let word = encode(row.op, 3, 1, 2, 0);
        let o = Test::new(X32, words(&[word])).regs(&[(1, DATA_BASE)]).run();
        o.assert_fault(FaultKind::IllegalInstruction { bits: word }, CODE_BASE, 0);
    }
}

// ------------------------------------------------------------------------------------------ M

#[test]
fn multiply_divide_rv32() {
    let x = X32;
    let cases: &[(Op, u64, u64, u64)] = &[
        (Op::Mul, 6, 7, 42),
        (Op::Mul, M32, M32, 1),
        (Op::Mul, 0x10000, 0x10000, 0),
        (Op::Mulh, M32, M32, 0),
        (Op::Mulh, 0x8000_0000, 0x8000_0000, 0x4000_0000),
        (Op::Mulh, M32, 1, M32),
        (Op::Mulh, 0x7fff_ffff, 0x7fff_ffff, 0x3fff_ffff),
        (Op::Mulhsu, M32, M32, M32), // -1 * (2^32 - 1): high word all ones
        (Op::Mulhsu, 2, 0x8000_0000, 1),
        (Op::Mulhsu, 0x8000_0000, M32, 0x8000_0000),
        (Op::Mulhu, M32, M32, 0xffff_fffe),
        (Op::Mulhu, 0x8000_0000, 2, 1),
        (Op::Div, 7, 2, 3),
        (Op::Div, neg(x, -7), 2, neg(x, -3)),
        (Op::Div, 7, neg(x, -2), neg(x, -3)),
        (Op::Div, 5, 0, M32),
        (Op::Div, 0x8000_0000, M32, 0x8000_0000),
        (Op::Divu, 7, 2, 3),
        (Op::Divu, 5, 0, M32),
        (Op::Divu, neg(x, -7), 2, 0x7fff_fffc),
        (Op::Rem, neg(x, -7), 2, M32),
        (Op::Rem, 7, neg(x, -2), 1),
        (Op::Rem, 5, 0, 5),
        (Op::Rem, 0x8000_0000, M32, 0),
        (Op::Remu, neg(x, -7), 2, 1),
        (Op::Remu, 5, 0, 5),
    ];
    for &(op, a, b, want) in cases {
        rr(x, op, a, b, want);
    }
}

#[test]
fn multiply_divide_rv64() {
    let x = X64;
    let cases: &[(Op, u64, u64, u64)] = &[
        (Op::Mul, MAX, MAX, 1),
        (Op::Mul, 0x1_0000_0000, 0x1_0000_0000, 0),
        (Op::Mul, M32, M32, 0xffff_fffe_0000_0001),
        (Op::Mulh, MAX, MAX, 0),
        (Op::Mulh, MIN64, MIN64, 1 << 62),
        (Op::Mulh, MAX, 1, MAX),
        (Op::Mulhsu, MAX, MAX, MAX),
        (Op::Mulhsu, 2, MIN64, 1),
        (Op::Mulhu, MAX, MAX, MAX - 1),
        (Op::Mulhu, M32, M32, 0),
        (Op::Div, neg(x, -7), 2, neg(x, -3)),
        (Op::Div, 5, 0, MAX),
        (Op::Div, MIN64, MAX, MIN64),
        (Op::Div, 0x8000_0000, M32, 0), // no 32-bit overflow case on RV64
        (Op::Divu, MAX, 2, MAX >> 1),
        (Op::Divu, 5, 0, MAX),
        (Op::Rem, neg(x, -7), 2, MAX),
        (Op::Rem, 5, 0, 5),
        (Op::Rem, MIN64, MAX, 0),
        (Op::Remu, MAX, 10, 5),
        (Op::Remu, 5, 0, 5),
    ];
    for &(op, a, b, want) in cases {
        rr(x, op, a, b, want);
    }
}

// --------------------------------------------------------------------------- x0, LUI, AUIPC

#[test]
fn writes_to_x0_are_ignored() {
    for x in XLENS {
        check(x, encode(Op::Addi, 0, 0, 0, 5), &[], 0, 0);
        check(x, encode(Op::Add, 0, 1, 1, 0), &[(1, 7)], 0, 0);
        check(x, encode(Op::Lui, 0, 0, 0, 0x12345000), &[], 0, 0);
        check(x, encode(Op::Csrrs, 0, 0, 0, CSR_CYCLE as i32), &[], 0, 0);
        check(x, encode(Op::Lw, 0, 1, 0, 0), &[(1, DATA_BASE)], 0, 0);
        // A load into x0 still performs the access, so it still faults.
        let word = encode(Op::Lw, 0, 0, 0, 0);
        let o = Test::new(x, words(&[word])).run();
        o.assert_fault(FaultKind::LoadAccess { addr: 0, size: 4 }, CODE_BASE, 0);
    }
}

#[test]
fn lui_auipc() {
    check(
        X32,
        encode(Op::Lui, 5, 0, 0, 0x1234_5000),
        &[],
        5,
        0x1234_5000,
    );
    check(
        X64,
        encode(Op::Lui, 5, 0, 0, 0x1234_5000),
        &[],
        5,
        0x1234_5000,
    );
    check(X32, encode(Op::Lui, 5, 0, 0, i32::MIN), &[], 5, 0x8000_0000);
    check(
        X64,
        encode(Op::Lui, 5, 0, 0, i32::MIN),
        &[],
        5,
        0xffff_ffff_8000_0000,
    );
    check(
        X64,
        encode(Op::Lui, 5, 0, 0, -4096),
        &[],
        5,
        0xffff_ffff_ffff_f000,
    );
    check(
        X32,
        encode(Op::Auipc, 5, 0, 0, 0x1000),
        &[],
        5,
        CODE_BASE + 0x1000,
    );
    check(X32, encode(Op::Auipc, 5, 0, 0, 0), &[], 5, CODE_BASE);
    check(
        X32,
        encode(Op::Auipc, 5, 0, 0, i32::MIN),
        &[],
        5,
        0x8000_0000 + CODE_BASE,
    );
    check(
        X64,
        encode(Op::Auipc, 5, 0, 0, i32::MIN),
        &[],
        5,
        0xffff_ffff_8000_0000 + CODE_BASE,
    );
    // Wraps modulo 2^32 on RV32.
    check(
        X32,
        encode(Op::Auipc, 5, 0, 0, -0x2_0000),
        &[],
        5,
        (CODE_BASE as u32).wrapping_sub(0x2_0000) as u64,
    );
    check(
        X64,
        encode(Op::Auipc, 5, 0, 0, -0x2_0000),
        &[],
        5,
        CODE_BASE.wrapping_sub(0x2_0000),
    );
}

#[test]
fn fences_are_no_ops() {
    for x in XLENS {
        check(x, encode(Op::Fence, 0, 0, 0, 0), &[(1, 1)], 0, 0);
        check(x, encode(Op::FenceI, 0, 0, 0, 0), &[(1, 1)], 0, 0);
        check(x, 0x0ff0_000f, &[], 0, 0); // fence iorw, iorw
    }
}

// ---------------------------------------------------------------------------- jumps, branches

#[test]
fn jal_links_and_jumps() {
    for x in XLENS {
        // jal ra, +8; <illegal>; ebreak
        let o = Test::new(x, words(&[encode(Op::Jal, 1, 0, 0, 8), 0, EBREAK])).run();
        o.assert_breakpoint(CODE_BASE + 8, 1);
        assert_eq!(o.reg(1), CODE_BASE + 4);
        // j +8 (rd = x0): no link. ebreak; then jal t0, -4 back to the ebreak.
        let code = words(&[
            encode(Op::Jal, 0, 0, 0, 8),
            EBREAK,
            encode(Op::Jal, 5, 0, 0, -4),
        ]);
        let o = Test::new(x, code).run();
        o.assert_breakpoint(CODE_BASE + 4, 2);
        assert_eq!(o.reg(0), 0);
        assert_eq!(o.reg(5), CODE_BASE + 12);
    }
}

#[test]
fn jalr_links_clears_low_bit_and_reads_rs1_before_writing_rd() {
    for x in XLENS {
        let code = words(&[encode(Op::Jalr, 1, 5, 0, 3), 0, 0, EBREAK]);
        // target = (x5 + 3) & !1 = CODE_BASE + 12
        let o = Test::new(x, code.clone()).regs(&[(5, CODE_BASE + 9)]).run();
        o.assert_breakpoint(CODE_BASE + 12, 1);
        assert_eq!(o.reg(1), CODE_BASE + 4);
        assert_eq!(o.reg(5), CODE_BASE + 9);
        // Odd register value, zero offset: low bit cleared.
        let code = words(&[encode(Op::Jalr, 5, 5, 0, 0), 0, 0, EBREAK]);
        let o = Test::new(x, code).regs(&[(5, CODE_BASE + 13)]).run();
        o.assert_breakpoint(CODE_BASE + 12, 1);
        assert_eq!(o.reg(5), CODE_BASE + 4); // rd == rs1: target used the old value
                                             // Negative offset.
        let code = words(&[encode(Op::Jalr, 0, 6, 0, -8), EBREAK]);
        let o = Test::new(x, code).regs(&[(6, CODE_BASE + 12)]).run();
        o.assert_breakpoint(CODE_BASE + 4, 1);
    }
    // RV32: the target wraps modulo 2^32.
    let code = words(&[encode(Op::Jalr, 0, 6, 0, 0x10), 0, 0, EBREAK]);
    let o = Test::new(X32, code)
        .regs(&[(6, (CODE_BASE + 12).wrapping_sub(0x10) & M32)])
        .run();
    o.assert_breakpoint(CODE_BASE + 12, 1);
}

#[test]
fn branches_both_ways() {
    for x in XLENS {
        let m1 = ones(x);
        let cases: &[(Op, u64, u64, bool)] = &[
            (Op::Beq, 5, 5, true),
            (Op::Beq, 5, 6, false),
            (Op::Bne, 5, 6, true),
            (Op::Bne, 5, 5, false),
            (Op::Blt, m1, 0, true),
            (Op::Blt, 0, m1, false),
            (Op::Blt, 1, 1, false),
            (Op::Bge, 1, 1, true),
            (Op::Bge, 0, m1, true),
            (Op::Bge, m1, 0, false),
            (Op::Bltu, 0, m1, true),
            (Op::Bltu, m1, 0, false),
            (Op::Bltu, 1, 1, false),
            (Op::Bgeu, m1, 0, true),
            (Op::Bgeu, 1, 1, true),
            (Op::Bgeu, 0, m1, false),
        ];
        for &(op, a, b, taken) in cases {
            // br x1, x2, +8; ebreak; ebreak
            let code = words(&[encode(op, 0, 1, 2, 8), EBREAK, EBREAK]);
            let test = Test::new(x, code).regs(&[(1, a), (2, b)]);
            let regs = test.machine().cpu.regs;
            let o = test.run();
            let at = if taken { CODE_BASE + 8 } else { CODE_BASE + 4 };
            o.assert_breakpoint(at, 1);
            assert_eq!(o.machine.cpu.regs, regs, "{op:?} changed registers");
        }
    }
    // Signed compare on RV64 sees 0xffffffff as positive.
    let code = words(&[encode(Op::Blt, 0, 1, 2, 8), EBREAK, EBREAK]);
    Test::new(X64, code)
        .regs(&[(1, M32), (2, 0)])
        .run()
        .assert_breakpoint(CODE_BASE + 4, 1);
}

#[test]
fn backward_branch_loop() {
    for x in XLENS {
        // x1 = 10; loop: x6 += 3; x1 -= 1; bnez x1, loop; ebreak
        let code = words(&[
            encode(Op::Addi, 1, 0, 0, 10),
            encode(Op::Addi, 6, 6, 0, 3),
            encode(Op::Addi, 1, 1, 0, -1),
            encode(Op::Bne, 0, 1, 0, -8),
            EBREAK,
        ]);
        let o = Test::new(x, code).run();
        o.assert_breakpoint(CODE_BASE + 16, 1 + 3 * 10);
        assert_eq!((o.reg(1), o.reg(6)), (0, 30));
    }
}

// ---------------------------------------------------------------------------- loads, stores

const PATTERN: [u8; 8] = [0x80, 0x81, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87];

#[track_caller]
fn load(x: Xlen, op: Op, offset: i32, data: &[u8], want: u64) {
    let test = Test::new(x, words(&[encode(op, 3, 1, 0, offset), EBREAK]))
        .regs(&[(1, DATA_BASE + 0x100)])
        .data(DATA_BASE + 0x100, data);
    let mut regs = test.machine().cpu.regs;
    regs[3] = want;
    let o = test.run();
    o.assert_breakpoint(CODE_BASE + 4, 1);
    assert_eq!(o.machine.cpu.regs, regs, "{x:?} {op:?} {offset}");
}

#[test]
fn loads_sign_and_zero_extend() {
    for x in XLENS {
        load(x, Op::Lb, 0, &PATTERN, x.trunc(0xffff_ffff_ffff_ff80));
        load(x, Op::Lbu, 0, &PATTERN, 0x80);
        load(x, Op::Lb, 0, &[0x7f], 0x7f);
        load(x, Op::Lh, 0, &PATTERN, x.trunc(0xffff_ffff_ffff_8180));
        load(x, Op::Lhu, 0, &PATTERN, 0x8180);
        load(x, Op::Lh, 0, &[0xff, 0x7f], 0x7fff);
        load(x, Op::Lw, 0, &PATTERN, x.trunc(0xffff_ffff_8382_8180));
        load(x, Op::Lw, 0, &[1, 2, 3, 0x7f], 0x7f03_0201);
        load(x, Op::Lb, 3, &PATTERN, x.trunc(0xffff_ffff_ffff_ff83));
        load(x, Op::Lhu, 2, &PATTERN, 0x8382);
    }
    load(X64, Op::Lwu, 0, &PATTERN, 0x8382_8180);
    load(X64, Op::Ld, 0, &PATTERN, 0x8786_8584_8382_8180);
    // Negative offset: x1 = DATA_BASE + 0x100, data at DATA_BASE + 0xf8.
    let test = Test::new(X64, words(&[encode(Op::Ld, 3, 1, 0, -8), EBREAK]))
        .regs(&[(1, DATA_BASE + 0x100)])
        .data(DATA_BASE + 0xf8, &PATTERN);
    assert_eq!(test.run().reg(3), 0x8786_8584_8382_8180);
}

#[test]
fn loads_can_read_code() {
    for x in XLENS {
        // lw x3, 0(x1) with x1 = CODE_BASE reads the instruction itself.
        let lw = encode(Op::Lw, 3, 1, 0, 0);
        let o = Test::new(x, words(&[lw, EBREAK]))
            .regs(&[(1, CODE_BASE)])
            .run();
        o.assert_breakpoint(CODE_BASE + 4, 1);
        assert_eq!(o.reg(3), lw as u64);
    }
}

#[track_caller]
fn store(x: Xlen, op: Op, offset: i32, value: u64, want: [u8; 8]) {
    let test = Test::new(x, words(&[encode(op, 0, 1, 2, offset), EBREAK]))
        .regs(&[(1, DATA_BASE + 0x100), (2, value)])
        .data(DATA_BASE + 0xf8, &[0xaa; 24]);
    let regs = test.machine().cpu.regs;
    let o = test.run();
    o.assert_breakpoint(CODE_BASE + 4, 1);
    assert_eq!(o.machine.cpu.regs, regs);
    let got = o.machine.mem.peek(DATA_BASE + 0x100, 8).unwrap();
    assert_eq!(got, &want, "{x:?} {op:?} {offset}");
    // Neighbours untouched.
    assert_eq!(o.mem(DATA_BASE + 0xf8, 8), 0xaaaa_aaaa_aaaa_aaaa);
    assert_eq!(o.mem(DATA_BASE + 0x108, 8), 0xaaaa_aaaa_aaaa_aaaa);
}

#[test]
fn stores_write_their_byte_lanes() {
    let v = 0x1122_3344_5566_7788;
    for x in XLENS {
        let v = x.trunc(v);
        store(
            x,
            Op::Sb,
            0,
            v,
            [0x88, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa],
        );
        store(
            x,
            Op::Sb,
            5,
            v,
            [0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0x88, 0xaa, 0xaa],
        );
        store(
            x,
            Op::Sh,
            2,
            v,
            [0xaa, 0xaa, 0x88, 0x77, 0xaa, 0xaa, 0xaa, 0xaa],
        );
        store(
            x,
            Op::Sw,
            4,
            v,
            [0xaa, 0xaa, 0xaa, 0xaa, 0x88, 0x77, 0x66, 0x55],
        );
        store(
            x,
            Op::Sw,
            0,
            v,
            [0x88, 0x77, 0x66, 0x55, 0xaa, 0xaa, 0xaa, 0xaa],
        );
    }
    store(
        X64,
        Op::Sd,
        0,
        v,
        [0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11],
    );
    // Misaligned (allowed by default): written byte-exactly and counted.
    store(
        X32,
        Op::Sw,
        1,
        0x1122_3344,
        [0xaa, 0x44, 0x33, 0x22, 0x11, 0xaa, 0xaa, 0xaa],
    );
    let test = Test::new(
        X64,
        words(&[
            encode(Op::Sd, 0, 1, 2, 3),
            encode(Op::Ld, 3, 1, 0, 3),
            EBREAK,
        ]),
    )
    .regs(&[(1, DATA_BASE), (2, v)]);
    let o = test.run();
    o.assert_breakpoint(CODE_BASE + 8, 2);
    assert_eq!(o.reg(3), v);
    assert_eq!(o.machine.mem.misaligned_count, 2);
}

#[test]
fn rv32_addresses_wrap() {
    // x1 + imm wraps modulo 2^32 before the memory check: 0x10 - 0x20 = 0xffff_fff0.
    let lw = encode(Op::Lw, 3, 1, 0, -0x20);
    let o = Test::new(X32, words(&[lw])).regs(&[(1, 0x10)]).run();
    o.assert_fault(
        FaultKind::LoadAccess {
            addr: 0xffff_fff0,
            size: 4,
        },
        CODE_BASE,
        0,
    );
    let o = Test::new(X64, words(&[lw])).regs(&[(1, 0x10)]).run();
    o.assert_fault(
        FaultKind::LoadAccess {
            addr: 0xffff_ffff_ffff_fff0,
            size: 4,
        },
        CODE_BASE,
        0,
    );
    // Wrapping past 2^32 lands at a low address (below the null guard here): the fault
    // reports the wrapped address.
    let lw = encode(Op::Lw, 3, 1, 0, 0x7ff);
    let o = Test::new(X32, words(&[lw])).regs(&[(1, 0xffff_ff00)]).run();
    o.assert_fault(
        FaultKind::LoadAccess {
            addr: 0x6ff,
            size: 4,
        },
        CODE_BASE,
        0,
    );
}

// ---------------------------------------------------------------------------------- LR / SC

/// Run `code` then ebreak with registers and bytes at DATA_BASE; every instruction retires.
fn atomics_test(x: Xlen, code: &[u32], regs: &[(u8, u64)], data: &[u8]) -> Outcome {
    let mut ws = code.to_vec();
    ws.push(EBREAK);
    let o = Test::new(x, words(&ws))
        .regs(regs)
        .data(DATA_BASE, data)
        .run();
    o.assert_breakpoint(CODE_BASE + 4 * code.len() as u64, code.len() as u64);
    o
}

#[test]
fn lr_sc_success() {
    for x in XLENS {
        let code = [encode(Op::LrW, 3, 1, 0, 0), encode(Op::ScW, 4, 1, 2, 0)];
        let o = atomics_test(
            x,
            &code,
            &[(1, DATA_BASE), (2, 0x1234_5678)],
            &[0, 0, 0, 0x80, 0xee],
        );
        assert_eq!(o.reg(3), x.trunc(0xffff_ffff_8000_0000)); // lr.w sign-extends
        assert_eq!(o.reg(4), 0);
        assert_eq!(o.mem(DATA_BASE, 8), 0xee_1234_5678);
        assert_eq!(o.machine.cpu.reservation, NO_RESERVATION);
    }
    let code = [encode(Op::LrD, 3, 1, 0, 0), encode(Op::ScD, 4, 1, 2, 0)];
    let o = atomics_test(X64, &code, &[(1, DATA_BASE + 8), (2, MAX - 1)], &[0; 8]);
    assert_eq!(
        (o.reg(3), o.reg(4), o.mem(DATA_BASE + 8, 8)),
        (0, 0, MAX - 1)
    );
}

#[test]
fn lr_sets_the_reservation() {
    let o = atomics_test(
        X64,
        &[encode(Op::LrD, 3, 1, 0, 0)],
        &[(1, DATA_BASE + 16)],
        &[],
    );
    assert_eq!(o.machine.cpu.reservation, DATA_BASE + 16);
}

#[test]
fn sc_fails_without_reservation() {
    for x in XLENS {
        let o = atomics_test(
            x,
            &[encode(Op::ScW, 4, 1, 2, 0)],
            &[(1, DATA_BASE), (2, 7)],
            &[9],
        );
        assert_eq!(o.reg(4), 1);
        assert_eq!(o.mem(DATA_BASE, 4), 9);
    }
    let o = atomics_test(
        X64,
        &[encode(Op::ScD, 4, 1, 2, 0)],
        &[(1, DATA_BASE), (2, 7)],
        &[9],
    );
    assert_eq!((o.reg(4), o.mem(DATA_BASE, 8)), (1, 9));
}

#[test]
fn sc_fails_at_a_different_address_and_clears_the_reservation() {
    for x in XLENS {
        // lr.w x3, (x1); sc.w x4, x2, (x5); sc.w x6, x2, (x1)
        let code = [
            encode(Op::LrW, 3, 1, 0, 0),
            encode(Op::ScW, 4, 5, 2, 0),
            encode(Op::ScW, 6, 1, 2, 0),
        ];
        let o = atomics_test(x, &code, &[(1, DATA_BASE), (5, DATA_BASE + 4), (2, 7)], &[]);
        assert_eq!((o.reg(4), o.reg(6)), (1, 1));
        assert_eq!(o.mem(DATA_BASE, 8), 0);
        assert_eq!(o.machine.cpu.reservation, NO_RESERVATION);
    }
}

#[test]
fn sc_clears_the_reservation() {
    for x in XLENS {
        // lr; sc (succeeds); sc again (fails)
        let code = [
            encode(Op::LrW, 3, 1, 0, 0),
            encode(Op::ScW, 4, 1, 2, 0),
            encode(Op::ScW, 6, 1, 5, 0),
        ];
        let o = atomics_test(x, &code, &[(1, DATA_BASE), (2, 7), (5, 8)], &[]);
        assert_eq!((o.reg(4), o.reg(6), o.mem(DATA_BASE, 4)), (0, 1, 7));
    }
}

#[test]
fn plain_store_between_lr_and_sc_keeps_the_reservation() {
    // Single hart: only another hart's store could invalidate it (documented decision).
    let code = [
        encode(Op::LrW, 3, 1, 0, 0),
        encode(Op::Sw, 0, 1, 5, 0),
        encode(Op::ScW, 4, 1, 2, 0),
    ];
    let o = atomics_test(X32, &code, &[(1, DATA_BASE), (2, 7), (5, 8)], &[]);
    assert_eq!((o.reg(4), o.mem(DATA_BASE, 4)), (0, 7));
}

#[test]
fn atomics_require_natural_alignment_whatever_the_policy() {
    for x in XLENS {
        let a = DATA_BASE + 2;
        let lr = encode(Op::LrW, 3, 1, 0, 0);
        let o = Test::new(x, words(&[lr])).regs(&[(1, a)]).run();
        o.assert_fault(FaultKind::MisalignedLoad { addr: a, size: 4 }, CODE_BASE, 0);
        assert_eq!(o.machine.cpu.reservation, NO_RESERVATION);
        let sc = encode(Op::ScW, 3, 1, 2, 0);
        let o = Test::new(x, words(&[sc])).regs(&[(1, a)]).run();
        o.assert_fault(
            FaultKind::MisalignedStore { addr: a, size: 4 },
            CODE_BASE,
            0,
        );
        let amo = encode(Op::AmoaddW, 3, 1, 2, 0);
        let o = Test::new(x, words(&[amo])).regs(&[(1, a), (2, 1)]).run();
        o.assert_fault(
            FaultKind::MisalignedStore { addr: a, size: 4 },
            CODE_BASE,
            0,
        );
        assert_eq!(o.mem(DATA_BASE, 8), 0);
        assert_eq!(o.machine.mem.misaligned_count, 0);
    }
    let amo = encode(Op::AmoswapD, 3, 1, 2, 0);
    let o = Test::new(X64, words(&[amo]))
        .regs(&[(1, DATA_BASE + 4)])
        .run();
    o.assert_fault(
        FaultKind::MisalignedStore {
            addr: DATA_BASE + 4,
            size: 8,
        },
        CODE_BASE,
        0,
    );
    let lr = encode(Op::LrD, 3, 1, 0, 0);
    let o = Test::new(X64, words(&[lr]))
        .regs(&[(1, DATA_BASE + 4)])
        .run();
    o.assert_fault(
        FaultKind::MisalignedLoad {
            addr: DATA_BASE + 4,
            size: 8,
        },
        CODE_BASE,
        0,
    );
}

#[test]
fn atomics_check_permissions_like_loads_and_stores() {
    for x in XLENS {
        // AMO and SC to code: read-only. LR from code: allowed (a load).
        let amo = encode(Op::AmoorW, 3, 1, 2, 0);
        let o = Test::new(x, words(&[amo])).regs(&[(1, CODE_BASE)]).run();
        o.assert_fault(
            FaultKind::StoreReadOnly {
                addr: CODE_BASE,
                size: 4,
            },
            CODE_BASE,
            0,
        );
        let sc = encode(Op::ScW, 3, 1, 2, 0);
        let o = Test::new(x, words(&[sc])).regs(&[(1, CODE_BASE)]).run();
        o.assert_fault(
            FaultKind::StoreReadOnly {
                addr: CODE_BASE,
                size: 4,
            },
            CODE_BASE,
            0,
        );
        let lr = encode(Op::LrW, 3, 1, 0, 0);
        let o = Test::new(x, words(&[lr, EBREAK]))
            .regs(&[(1, CODE_BASE)])
            .run();
        o.assert_breakpoint(CODE_BASE + 4, 1);
        assert_eq!(o.reg(3), x.trunc(lr as i32 as i64 as u64));
        // Unmapped.
        let o = Test::new(x, words(&[amo])).regs(&[(1, 0x100)]).run();
        o.assert_fault(
            FaultKind::StoreAccess {
                addr: 0x100,
                size: 4,
            },
            CODE_BASE,
            0,
        );
        let o = Test::new(x, words(&[lr])).regs(&[(1, 0x100)]).run();
        o.assert_fault(
            FaultKind::LoadAccess {
                addr: 0x100,
                size: 4,
            },
            CODE_BASE,
            0,
        );
    }
}

// ------------------------------------------------------------------------------------- AMOs

/// `amo x3, x2, (x1)` on memory holding `old`; returns (rd, new memory value of 8 bytes).
fn amo(x: Xlen, op: Op, old: u64, src: u64) -> (u64, u64) {
    let o = atomics_test(
        x,
        &[encode(op, 3, 1, 2, 0)],
        &[(1, DATA_BASE), (2, src)],
        &old.to_le_bytes(),
    );
    (o.reg(3), o.mem(DATA_BASE, 8))
}

#[test]
fn amo_word_forms() {
    // Memory word 0x5555_5555_ffff_fffe: low word -2, high word a sentinel that must survive.
    let hi = 0x5555_5555_0000_0000;
    let old = hi | 0xffff_fffe;
    for x in XLENS {
        // The source's upper 32 bits (RV64) must not matter.
        for src in [1, x.trunc(0xabcd_0000_0000_0001)] {
            let cases: &[(Op, u64)] = &[
                (Op::AmoswapW, 1),
                (Op::AmoaddW, 0xffff_ffff),
                (Op::AmoxorW, 0xffff_ffff),
                (Op::AmoandW, 0),
                (Op::AmoorW, 0xffff_ffff),
                (Op::AmominW, 0xffff_fffe), // signed: -2 < 1
                (Op::AmomaxW, 1),
                (Op::AmominuW, 1), // unsigned: 1 < 0xfffffffe
                (Op::AmomaxuW, 0xffff_fffe),
            ];
            for &(op, new) in cases {
                let (rd, mem) = amo(x, op, old, src);
                assert_eq!(
                    rd,
                    x.trunc(0xffff_ffff_ffff_fffe),
                    "{x:?} {op:?}: rd = old value sign-extended"
                );
                assert_eq!(mem, hi | new, "{x:?} {op:?} src {src:#x}");
            }
        }
        // Positive old value: rd not sign-extended.
        assert_eq!(
            amo(x, Op::AmoaddW, 0x7fff_ffff, 1),
            (0x7fff_ffff, 0x8000_0000)
        );
        assert_eq!(
            amo(x, Op::AmominW, 0x7fff_ffff, x.trunc(0xffff_ffff_8000_0000)),
            (0x7fff_ffff, 0x8000_0000)
        );
        assert_eq!(
            amo(x, Op::AmomaxuW, 0x7fff_ffff, 0x8000_0000),
            (0x7fff_ffff, 0x8000_0000)
        );
    }
}

#[test]
fn amo_doubleword_forms() {
    let old = MAX - 1; // -2
    let cases: &[(Op, u64)] = &[
        (Op::AmoswapD, 1),
        (Op::AmoaddD, MAX),
        (Op::AmoxorD, MAX),
        (Op::AmoandD, 0),
        (Op::AmoorD, MAX),
        (Op::AmominD, MAX - 1),
        (Op::AmomaxD, 1),
        (Op::AmominuD, 1),
        (Op::AmomaxuD, MAX - 1),
    ];
    for &(op, new) in cases {
        assert_eq!(amo(X64, op, old, 1), (old, new), "{op:?}");
    }
    assert_eq!(
        amo(X64, Op::AmoaddD, 0xffff_ffff, 1),
        (0xffff_ffff, 0x1_0000_0000)
    );
    assert_eq!(
        amo(X64, Op::AmominD, 0x8000_0000, MIN64),
        (0x8000_0000, MIN64)
    );
}

#[test]
fn amo_with_rd_equal_rs2_returns_old_value() {
    // amoswap.w x2, x2, (x1): memory gets the old x2, x2 gets the old memory value.
    let o = atomics_test(
        X32,
        &[encode(Op::AmoswapW, 2, 1, 2, 0)],
        &[(1, DATA_BASE), (2, 5)],
        &[9],
    );
    assert_eq!((o.reg(2), o.mem(DATA_BASE, 4)), (9, 5));
}

// ---------------------------------------------------------------------------------- counters

#[test]
fn counters_read_instructions_retired_before() {
    for x in XLENS {
        for csr in [CSR_CYCLE, CSR_TIME, CSR_INSTRET] {
            // nop; nop; csrrs x3, csr, x0; csrrc x4, csr, x0; csrrsi x5; csrrci x6
            let code = [
                encode(Op::Addi, 0, 0, 0, 0),
                encode(Op::Addi, 0, 0, 0, 0),
                encode(Op::Csrrs, 3, 0, 0, csr as i32),
                encode(Op::Csrrc, 4, 0, 0, csr as i32),
                encode(Op::Csrrsi, 5, 0, 0, csr as i32),
                encode(Op::Csrrci, 6, 0, 0, csr as i32),
            ];
            let o = run_words(x, &code, &[]);
            assert_eq!(
                (o.reg(3), o.reg(4), o.reg(5), o.reg(6)),
                (2, 3, 4, 5),
                "{x:?} {csr:#x}"
            );
        }
    }
}

#[test]
fn counters_beyond_32_bits() {
    let start = 0x1_2345_6789;
    for (csr, csrh) in [
        (CSR_CYCLE, CSR_CYCLEH),
        (CSR_TIME, CSR_TIMEH),
        (CSR_INSTRET, CSR_INSTRETH),
    ] {
        let code = words(&[
            encode(Op::Csrrs, 3, 0, 0, csr as i32),
            encode(Op::Csrrs, 4, 0, 0, csrh as i32),
            EBREAK,
        ]);
        let o = Test::new(X32, code)
            .start_cycle(start)
            .limit(start + 100)
            .run();
        o.assert_breakpoint(CODE_BASE + 8, start + 2);
        assert_eq!((o.reg(3), o.reg(4)), (0x2345_6789, 1));
        let code = words(&[encode(Op::Csrrs, 3, 0, 0, csr as i32), EBREAK]);
        let o = Test::new(X64, code)
            .start_cycle(start)
            .limit(start + 100)
            .run();
        o.assert_breakpoint(CODE_BASE + 4, start + 1);
        assert_eq!(o.reg(3), start);
        // The h halves do not exist on RV64.
        let word = encode(Op::Csrrs, 3, 0, 0, csrh as i32);
        let o = Test::new(X64, words(&[word])).run();
        o.assert_fault(FaultKind::IllegalInstruction { bits: word }, CODE_BASE, 0);
    }
    // Low half wraps: cycle 0xffff_ffff then 0x1_0000_0000.
    let code = words(&[
        encode(Op::Csrrs, 3, 0, 0, CSR_CYCLE as i32),
        encode(Op::Csrrs, 4, 0, 0, CSR_CYCLEH as i32),
        encode(Op::Csrrs, 5, 0, 0, CSR_CYCLE as i32),
        EBREAK,
    ]);
    let o = Test::new(X32, code)
        .start_cycle(0xffff_fffe)
        .limit(1 << 40)
        .run();
    assert_eq!((o.reg(3), o.reg(4), o.reg(5)), (0xffff_fffe, 0, 0));
}

#[test]
fn csr_writes_and_other_csrs_are_illegal() {
    for x in XLENS {
        for word in [
            encode(Op::Csrrs, 3, 1, 0, CSR_CYCLE as i32), // rs1 != 0 would write
            encode(Op::Csrrsi, 3, 1, 0, CSR_CYCLE as i32),
            0xc000_9173,                       // csrrw x2, cycle, x1
            encode(Op::Csrrs, 3, 0, 0, 0x300), // mstatus
            encode(Op::Csrrs, 3, 0, 0, 0xc03), // hpmcounter3
        ] {
            let o = Test::new(x, words(&[word])).regs(&[(1, 1)]).run();
            o.assert_fault(FaultKind::IllegalInstruction { bits: word }, CODE_BASE, 0);
        }
    }
}

// -------------------------------------------------------------------------------- compressed

/// Run 16-bit parcels (then ebreak); every parcel retires; returns the outcome.
#[track_caller]
fn run_c(x: Xlen, parcels: &[u16], regs: &[(u8, u64)]) -> Outcome {
    let mut asm = Asm::new();
    for &p in parcels {
        asm = asm.c(p);
    }
    let code = asm.ebreak().bytes;
    let o = Test::new(x, code).regs(regs).run();
    o.assert_breakpoint(CODE_BASE + 2 * parcels.len() as u64, parcels.len() as u64);
    o
}

/// A compressed parcel behaves exactly like its 32-bit expansion (same registers, memory).
#[track_caller]
fn same_as(x: Xlen, parcel: u16, word: u32, regs: &[(u8, u64)]) {
    let c = run_c(x, &[parcel], regs);
    let w = run_words(x, &[word], regs);
    assert_eq!(
        c.machine.cpu.regs, w.machine.cpu.regs,
        "{x:?} {parcel:#06x} vs {word:#010x}"
    );
    assert!(c.data() == w.data(), "{parcel:#06x}: memory differs");
}

const S0: u8 = 8;
const S1: u8 = 9;
const A0: u8 = 10;
const A1: u8 = 11;
const A2: u8 = 12;
const A5: u8 = 15;
const SP: u8 = 2;
const T0: u8 = 5;

#[test]
fn compressed_arithmetic_and_memory() {
    for x in XLENS {
        let regs: &[(u8, u64)] = &[
            (SP, DATA_BASE + 0x800),
            (S0, DATA_BASE + 0x100),
            (S1, 0x0f0f_1234),
            (A0, DATA_BASE + 0x200),
            (A1, ones(x) - 6),
            (A5, 0x5555_aaaa),
        ];
        let cases: &[(u16, u32)] = &[
            (0x0800, encode(Op::Addi, S0, SP, 0, 16)), // c.addi4spn s0, sp, 16
            (0x1fe4, encode(Op::Addi, S1, SP, 0, 1020)), // c.addi4spn s1, sp, 1020
            (0x4044, encode(Op::Lw, S1, S0, 0, 4)),    // c.lw s1, 4(s0)
            (0x5d7c, encode(Op::Lw, A5, A0, 0, 124)),  // c.lw a5, 124(a0)
            (0xc404, encode(Op::Sw, 0, S0, S1, 8)),    // c.sw s1, 8(s0)
            (0xdd7c, encode(Op::Sw, 0, A0, A5, 124)),  // c.sw a5, 124(a0)
            (0x0001, encode(Op::Addi, 0, 0, 0, 0)),    // c.nop
            (0x1575, encode(Op::Addi, A0, A0, 0, -3)), // c.addi a0, -3
            (0x057d, encode(Op::Addi, A0, A0, 0, 31)), // c.addi a0, 31
            (0x55fd, encode(Op::Addi, A1, 0, 0, -1)),  // c.li a1, -1
            (0x45c5, encode(Op::Addi, A1, 0, 0, 17)),  // c.li a1, 17
            (0x7139, encode(Op::Addi, SP, SP, 0, -64)), // c.addi16sp sp, -64
            (0x617d, encode(Op::Addi, SP, SP, 0, 496)), // c.addi16sp sp, 496
            (0x767d, encode(Op::Lui, A2, 0, 0, -4096)), // c.lui a2, 0xfffff
            (0x667d, encode(Op::Lui, A2, 0, 0, 0x1f000)), // c.lui a2, 0x1f
            (0x800d, encode(Op::Srli, S0, S0, 0, 3)),  // c.srli s0, 3
            (0x840d, encode(Op::Srai, S0, S0, 0, 3)),  // c.srai s0, 3
            (0x807d, encode(Op::Srli, S0, S0, 0, 31)), // c.srli s0, 31
            (0x847d, encode(Op::Srai, S0, S0, 0, 31)), // c.srai s0, 31
            (0x9879, encode(Op::Andi, S0, S0, 0, -2)), // c.andi s0, -2
            (0x883d, encode(Op::Andi, S0, S0, 0, 15)), // c.andi s0, 15
            (0x8c05, encode(Op::Sub, S0, S0, S1, 0)),  // c.sub s0, s1
            (0x8c25, encode(Op::Xor, S0, S0, S1, 0)),  // c.xor s0, s1
            (0x8c45, encode(Op::Or, S0, S0, S1, 0)),   // c.or s0, s1
            (0x8c65, encode(Op::And, S0, S0, S1, 0)),  // c.and s0, s1
            (0x0512, encode(Op::Slli, A0, A0, 0, 4)),  // c.slli a0, 4
            (0x057e, encode(Op::Slli, A0, A0, 0, 31)), // c.slli a0, 31
            (0x4532, encode(Op::Lw, A0, SP, 0, 12)),   // c.lwsp a0, 12(sp)
            (0x557e, encode(Op::Lw, A0, SP, 0, 252)),  // c.lwsp a0, 252(sp)
            (0xc42a, encode(Op::Sw, 0, SP, A0, 8)),    // c.swsp a0, 8(sp)
            (0xdfaa, encode(Op::Sw, 0, SP, A0, 252)),  // c.swsp a0, 252(sp)
            (0x852e, encode(Op::Add, A0, 0, A1, 0)),   // c.mv a0, a1
            (0x952e, encode(Op::Add, A0, A0, A1, 0)),  // c.add a0, a1
        ];
        for &(parcel, word) in cases {
            same_as(x, parcel, word, regs);
        }
        // Spot-check absolute values, not only equivalence.
        assert_eq!(run_c(x, &[0x0800], regs).reg(S0), DATA_BASE + 0x810);
        assert_eq!(
            run_c(x, &[0x767d], regs).reg(A2),
            x.trunc(0xffff_ffff_ffff_f000)
        );
        assert_eq!(run_c(x, &[0x7139], regs).reg(SP), DATA_BASE + 0x800 - 64);
        // c.sw s1, 8(s0) writes offset 8; c.lw s1, 4(s0) then reads offset 4 (still 0).
        let o = run_c(x, &[0xc404, 0x4044], &[(S0, DATA_BASE), (S1, 0x8765_4321)]);
        assert_eq!((o.mem(DATA_BASE + 8, 4), o.reg(S1)), (0x8765_4321, 0));
        // c.lw sign-extends on RV64.
        let o = Test::new(x, Asm::new().c(0x4044).ebreak().bytes)
            .regs(&[(S0, DATA_BASE)])
            .data(DATA_BASE + 4, &[0x21, 0x43, 0x65, 0x87])
            .run();
        assert_eq!(o.reg(S1), x.trunc(0xffff_ffff_8765_4321));
    }
}

#[test]
fn compressed_rv64_forms() {
    let x = X64;
    let regs: &[(u8, u64)] = &[
        (SP, DATA_BASE + 0x800),
        (S0, DATA_BASE + 0x100),
        (S1, 0x7fff_ffff),
        (A0, DATA_BASE + 0x200),
        (A5, 0x1122_3344_5566_7788),
    ];
    let cases: &[(u16, u32)] = &[
        (0x6404, encode(Op::Ld, S1, S0, 0, 8)),     // c.ld s1, 8(s0)
        (0x7d7c, encode(Op::Ld, A5, A0, 0, 248)),   // c.ld a5, 248(a0)
        (0xe804, encode(Op::Sd, 0, S0, S1, 16)),    // c.sd s1, 16(s0)
        (0xfd7c, encode(Op::Sd, 0, A0, A5, 248)),   // c.sd a5, 248(a0)
        (0x357d, encode(Op::Addiw, A0, A0, 0, -1)), // c.addiw a0, -1
        (0x2501, encode(Op::Addiw, A0, A0, 0, 0)),  // c.addiw a0, 0 (sext.w)
        (0x9c05, encode(Op::Subw, S0, S0, S1, 0)),  // c.subw s0, s1
        (0x9c25, encode(Op::Addw, S0, S0, S1, 0)),  // c.addw s0, s1
        (0x6542, encode(Op::Ld, A0, SP, 0, 16)),    // c.ldsp a0, 16(sp)
        (0x757e, encode(Op::Ld, A0, SP, 0, 504)),   // c.ldsp a0, 504(sp)
        (0xec2a, encode(Op::Sd, 0, SP, A0, 24)),    // c.sdsp a0, 24(sp)
        (0xffaa, encode(Op::Sd, 0, SP, A0, 504)),   // c.sdsp a0, 504(sp)
        (0x1502, encode(Op::Slli, A0, A0, 0, 32)),  // c.slli a0, 32
        (0x9001, encode(Op::Srli, S0, S0, 0, 32)),  // c.srli s0, 32
        (0x947d, encode(Op::Srai, S0, S0, 0, 63)),  // c.srai s0, 63
    ];
    for &(parcel, word) in cases {
        same_as(x, parcel, word, regs);
    }
    // c.addw sign-extends: 0x7fffffff + 1.
    let o = run_c(x, &[0x9c25], &[(S0, 1), (S1, 0x7fff_ffff)]);
    assert_eq!(o.reg(S0), 0xffff_ffff_8000_0000);
    let o = run_c(x, &[0x2501], &[(A0, 0x1_8000_0000)]);
    assert_eq!(o.reg(A0), 0xffff_ffff_8000_0000);
    let o = run_c(x, &[0xe804, 0x6404], &[(S0, DATA_BASE), (S1, MAX - 5)]);
    assert_eq!((o.mem(DATA_BASE + 16, 8), o.reg(S1)), (MAX - 5, 0));
}

#[test]
fn compressed_control_flow() {
    for x in XLENS {
        // c.j +6 over two c.nops-that-would-fault (0x0000), landing on ebreak.
        let code = Asm::new().c(0xa019).c(0).c(0).ebreak().bytes;
        Test::new(x, code).run().assert_breakpoint(CODE_BASE + 6, 1);
        // c.j -6: layout ebreak(4) ; c.nop ; c.j -6 -> ebreak at 0.
        let code = Asm::new().ebreak().c(0x0001).c(0xbfed).bytes;
        Test::new(x, code)
            .start_pc(CODE_BASE + 6)
            .run()
            .assert_breakpoint(CODE_BASE, 1);
        // c.beqz s0, +4 / c.bnez s0, +4: [branch][c.ebreak][ebreak]
        for (parcel, zero_taken) in [(0xc011u16, true), (0xe011u16, false)] {
            for s0 in [0u64, 5] {
                let code = Asm::new().c(parcel).c(0x9002).ebreak().bytes;
                let o = Test::new(x, code).regs(&[(S0, s0)]).run();
                let taken = (s0 == 0) == zero_taken;
                o.assert_breakpoint(if taken { CODE_BASE + 4 } else { CODE_BASE + 2 }, 1);
            }
        }
        // c.beqz s0, -10 (0xd87d) backward.
        let code = Asm::new()
            .ebreak()
            .c(0x0001)
            .c(0x0001)
            .c(0x0001)
            .c(0xd87d)
            .bytes;
        Test::new(x, code)
            .start_pc(CODE_BASE + 10)
            .run()
            .assert_breakpoint(CODE_BASE, 1);
        // c.jr t0: [c.jr][c.ebreak][ebreak]
        let code = Asm::new().c(0x8282).c(0x9002).ebreak().bytes;
        let o = Test::new(x, code).regs(&[(T0, CODE_BASE + 4)]).run();
        o.assert_breakpoint(CODE_BASE + 4, 1);
        assert_eq!(o.reg(1), 0); // no link
                                 // c.jalr t0 links ra = pc + 2.
        let code = Asm::new().c(0x9282).c(0x9002).ebreak().bytes;
        let o = Test::new(x, code).regs(&[(T0, CODE_BASE + 4)]).run();
        o.assert_breakpoint(CODE_BASE + 4, 1);
        assert_eq!(o.reg(1), CODE_BASE + 2);
        // c.jalr ra: target read before ra is written.
        let code = Asm::new().c(0x9082).c(0x9002).ebreak().bytes;
        let o = Test::new(x, code).regs(&[(1, CODE_BASE + 4)]).run();
        o.assert_breakpoint(CODE_BASE + 4, 1);
        assert_eq!(o.reg(1), CODE_BASE + 2);
        // c.ebreak
        let code = Asm::new().c(0x0001).c(0x9002).bytes;
        Test::new(x, code).run().assert_breakpoint(CODE_BASE + 2, 1);
    }
    // c.jal (RV32 only): +4 links ra = pc + 2.
    let code = Asm::new().c(0x2011).c(0x9002).ebreak().bytes;
    let o = Test::new(X32, code).run();
    o.assert_breakpoint(CODE_BASE + 4, 1);
    assert_eq!(o.reg(1), CODE_BASE + 2);
    // c.jal -22 (0x37ed) from offset 0x16.
    let mut asm = Asm::new().ebreak();
    while asm.here() < CODE_BASE + 0x16 {
        asm = asm.c(0x0001);
    }
    let code = asm.c(0x37ed).bytes;
    let o = Test::new(X32, code).start_pc(CODE_BASE + 0x16).run();
    o.assert_breakpoint(CODE_BASE, 1);
    assert_eq!(o.reg(1), CODE_BASE + 0x18);
    // Long c.j: +2002 (0xafc9) and back -2026 (0xb819) from 0x7ea to 0.
    let mut asm = Asm::new().ebreak();
    while asm.here() < CODE_BASE + 0x18 {
        asm = asm.c(0x0001);
    }
    asm = asm.c(0xafc9);
    while asm.here() < CODE_BASE + 0x7ea {
        asm = asm.c(0x0000);
    }
    let code = asm.c(0xb819).bytes;
    let o = Test::new(X64, code).start_pc(CODE_BASE + 0x18).run();
    o.assert_breakpoint(CODE_BASE, 2);
}

#[test]
fn compressed_c_jal_encoding_space_is_c_addiw_on_rv64() {
    // c.addiw a0, 4 (0x2511) would be c.jal on RV32; on RV64 it adds and sign-extends.
    let o = run_c(X64, &[0x2511], &[(A0, 0x7fff_fffe)]);
    assert_eq!(o.reg(A0), 0xffff_ffff_8000_0002);
}

#[test]
fn compressed_hints_execute_as_no_ops() {
    for x in XLENS {
        // c.addi x0, 1 (0x0005), c.li x0, 1 (0x4005), c.mv x0, a1 (0x802e), c.add x0, a1 (0x902e),
        // c.slli x0, 1 (0x0006), c.nop with imm (0x0005 is c.addi x0): all write x0 only.
        let hints = [0x0005u16, 0x4005, 0x802e, 0x902e, 0x0006];
        let o = run_c(x, &hints, &[(A1, 3)]);
        assert_eq!(o.reg(0), 0);
        // c.lui x0 with nonzero imm is a hint too (0x6005: c.lui x0, 1).
        run_c(x, &[0x6005], &[]);
        // c.slli with shamt 0 (0x0502: c.slli a0, 0) is a hint (no change).
        assert_eq!(run_c(x, &[0x0502], &[(A0, 7)]).reg(A0), 7);
    }
}

#[test]
fn reserved_compressed_encodings_are_illegal() {
    let both: &[u16] = &[
        0x0000, // all zeros
        0x0010, // c.addi4spn with nzuimm = 0 (rd = a2)
        0x6101, // c.addi16sp with imm 0
        0x6181, // c.lui x3, 0
        0x8002, // c.jr x0
        0x4002, // c.lwsp x0
        0x8000, // quadrant 0, funct3 100: reserved
        0x2000, // c.fld (no D)
        0xa000, // c.fsd
        0x2002, // c.fldsp
        0xa002, // c.fsdsp
    ];
    let rv32: &[u16] = &[
        0x1082, // c.slli x1, 32 (shamt[5] = 1)
        0x9001, // c.srli s0, 32
        0x9401, // c.srai s0, 32
        0x6008, // c.ld on RV32 is c.flw
        0xe008, // c.sd on RV32 is c.fsw
        0x6002, // c.ldsp on RV32 is c.flwsp
        0xe002, // c.sdsp on RV32 is c.fswsp
        0x9c05, // c.subw
        0x9c25, // c.addw
    ];
    let rv64: &[u16] = &[
        0x2001, // c.addiw x0
        0x6002, // c.ldsp x0
        0x9c45, // c.subw/addw space, funct2 10: reserved
        0x9c65, // funct2 11: reserved
    ];
    let cases = both
        .iter()
        .map(|&h| (X32, h))
        .chain(both.iter().map(|&h| (X64, h)));
    let cases = cases
        .chain(rv32.iter().map(|&h| (X32, h)))
        .chain(rv64.iter().map(|&h| (X64, h)));
    for (x, h) in cases {
        let code = Asm::new().c(h).c(0).bytes;
        let o = Test::new(x, code).regs(&[(A1, 1)]).run();
        o.assert_fault(
            FaultKind::IllegalInstruction { bits: u32::from(h) },
            CODE_BASE,
            0,
        );
    }
}

// ------------------------------------------------------------------------------------ faults

#[test]
fn memory_faults() {
    for x in XLENS {
        // Load below the null guard, after one retired instruction; no register changes.
        let code = words(&[encode(Op::Addi, 5, 0, 0, 1), encode(Op::Lw, 3, 1, 0, 0xff)]);
        let test = Test::new(x, code).regs(&[(1, 0x100), (3, 77)]);
        let mut regs = test.machine().cpu.regs;
        regs[5] = 1;
        let o = test.run();
        o.assert_fault(
            FaultKind::LoadAccess {
                addr: 0x1ff,
                size: 4,
            },
            CODE_BASE + 4,
            1,
        );
        assert_eq!(o.machine.cpu.regs, regs);
        // Store to code.
        let o = Test::new(x, words(&[encode(Op::Sb, 0, 1, 2, 1)]))
            .regs(&[(1, CODE_BASE)])
            .run();
        o.assert_fault(
            FaultKind::StoreReadOnly {
                addr: CODE_BASE + 1,
                size: 1,
            },
            CODE_BASE,
            0,
        );
        // Store to unmapped memory (above RAM).
        let far = DATA_BASE + RAM_SIZE + 0x10_0000;
        let o = Test::new(x, words(&[encode(Op::Sw, 0, 1, 2, 0)]))
            .regs(&[(1, far)])
            .run();
        o.assert_fault(FaultKind::StoreAccess { addr: far, size: 4 }, CODE_BASE, 0);
        let o = Test::new(x, words(&[encode(Op::Lh, 3, 1, 0, 0)]))
            .regs(&[(1, far)])
            .run();
        o.assert_fault(FaultKind::LoadAccess { addr: far, size: 2 }, CODE_BASE, 0);
        // Access straddling the end of RAM.
        let end = DATA_BASE + RAM_SIZE - 2;
        let o = Test::new(x, words(&[encode(Op::Sw, 0, 1, 2, 0)]))
            .regs(&[(1, end)])
            .run();
        o.assert_fault(FaultKind::StoreAccess { addr: end, size: 4 }, CODE_BASE, 0);
    }
}

#[test]
fn misaligned_accesses_under_trap_policy() {
    for x in XLENS {
        let cases = [
            (
                encode(Op::Lw, 3, 1, 0, 2),
                FaultKind::MisalignedLoad {
                    addr: DATA_BASE + 2,
                    size: 4,
                },
            ),
            (
                encode(Op::Lh, 3, 1, 0, 1),
                FaultKind::MisalignedLoad {
                    addr: DATA_BASE + 1,
                    size: 2,
                },
            ),
            (
                encode(Op::Lhu, 3, 1, 0, 3),
                FaultKind::MisalignedLoad {
                    addr: DATA_BASE + 3,
                    size: 2,
                },
            ),
            (
                encode(Op::Sh, 0, 1, 2, 1),
                FaultKind::MisalignedStore {
                    addr: DATA_BASE + 1,
                    size: 2,
                },
            ),
            (
                encode(Op::Sw, 0, 1, 2, 6),
                FaultKind::MisalignedStore {
                    addr: DATA_BASE + 6,
                    size: 4,
                },
            ),
        ];
        for (word, kind) in cases {
            let o = Test::new(x, words(&[word]))
                .regs(&[(1, DATA_BASE), (2, MAX)])
                .trap_misaligned()
                .run();
            o.assert_fault(kind, CODE_BASE, 0);
            assert_eq!(o.mem(DATA_BASE, 8), 0);
        }
        // Aligned accesses and byte accesses still work under Trap.
        let code = words(&[
            encode(Op::Sw, 0, 1, 2, 4),
            encode(Op::Lb, 3, 1, 0, 5),
            EBREAK,
        ]);
        let o = Test::new(x, code)
            .regs(&[(1, DATA_BASE), (2, 0x8000)])
            .trap_misaligned()
            .run();
        o.assert_breakpoint(CODE_BASE + 8, 2);
        assert_eq!(o.reg(3), x.trunc(0xffff_ffff_ffff_ff80));
    }
    let ld = encode(Op::Ld, 3, 1, 0, 4);
    let o = Test::new(X64, words(&[ld]))
        .regs(&[(1, DATA_BASE)])
        .trap_misaligned()
        .run();
    o.assert_fault(
        FaultKind::MisalignedLoad {
            addr: DATA_BASE + 4,
            size: 8,
        },
        CODE_BASE,
        0,
    );
}

#[test]
fn fetch_faults() {
    for x in XLENS {
        // Jump outside code: the jump retires, the fetch of the target faults.
        let target = DATA_BASE;
        let o = Test::new(x, words(&[encode(Op::Jalr, 1, 5, 0, 0)]))
            .regs(&[(5, target)])
            .run();
        o.assert_fault(FaultKind::InstructionFetch { addr: target }, target, 1);
        assert_eq!(o.reg(1), CODE_BASE + 4);
        // Below code, in the null guard.
        let o = Test::new(x, words(&[encode(Op::Jalr, 0, 0, 0, 0x100)])).run();
        o.assert_fault(FaultKind::InstructionFetch { addr: 0x100 }, 0x100, 1);
        // Falling off the end of code.
        let o = Test::new(x, words(&[encode(Op::Addi, 0, 0, 0, 0)])).run();
        o.assert_fault(
            FaultKind::InstructionFetch {
                addr: CODE_BASE + 4,
            },
            CODE_BASE + 4,
            1,
        );
        // Backward branch before the start of code.
        let o = Test::new(x, words(&[encode(Op::Beq, 0, 0, 0, -16)])).run();
        o.assert_fault(
            FaultKind::InstructionFetch {
                addr: CODE_BASE - 16,
            },
            CODE_BASE - 16,
            1,
        );
        // An odd pc.
        let o = Test::new(x, words(&[EBREAK])).start_pc(CODE_BASE + 1).run();
        o.assert_fault(
            FaultKind::InstructionFetch {
                addr: CODE_BASE + 1,
            },
            CODE_BASE + 1,
            0,
        );
        // Into the middle of a 4-byte instruction: the halfword there decodes on its own.
        // Here lui t0, 0 has upper half 0x0000, which is the illegal all-zero parcel.
        let code = words(&[encode(Op::Jal, 0, 0, 0, 6), encode(Op::Lui, 5, 0, 0, 0)]);
        let o = Test::new(x, code).run();
        o.assert_fault(FaultKind::IllegalInstruction { bits: 0 }, CODE_BASE + 6, 1);
        // A 4-byte instruction cut off by the end of the segment.
        let code = Asm::new().c(0x0001).c(0x0013).bytes;
        let o = Test::new(x, code).run();
        o.assert_fault(
            FaultKind::IllegalInstruction { bits: 0x13 },
            CODE_BASE + 2,
            1,
        );
        // Illegal words.
        for word in [0xffff_ffffu32, 0x0000_0000] {
            let o = Test::new(x, words(&[word])).run();
            o.assert_fault(FaultKind::IllegalInstruction { bits: word }, CODE_BASE, 0);
        }
    }
}

#[test]
fn ebreak_stops_without_retiring() {
    for x in XLENS {
        let code = words(&[
            encode(Op::Addi, 5, 0, 0, 1),
            encode(Op::Ebreak, 0, 0, 0, 0),
            encode(Op::Addi, 6, 0, 0, 1),
        ]);
        let o = Test::new(x, code).run();
        o.assert_breakpoint(CODE_BASE + 4, 1);
        assert_eq!((o.reg(5), o.reg(6)), (1, 0));
    }
}

// ------------------------------------------------------------------------------- cycle limit

/// A loop of 3 * 1000 + 2 instructions ending in ebreak.
fn loop_program(x: Xlen) -> Test {
    let code = words(&[
        encode(Op::Addi, 1, 0, 0, 1000),
        encode(Op::Add, 6, 6, 1, 0),
        encode(Op::Addi, 1, 1, 0, -1),
        encode(Op::Bne, 0, 1, 0, -8),
        encode(Op::Sw, 0, 3, 6, 0),
        EBREAK,
    ]);
    Test::new(x, code).regs(&[(3, DATA_BASE)])
}

#[test]
fn cycle_limit_stops_exactly_and_resumes() {
    for x in XLENS {
        let test = loop_program(x);
        let full = test.run();
        full.assert_breakpoint(CODE_BASE + 20, 3002);
        assert_eq!(full.reg(6), 500_500);
        assert_eq!(full.mem(DATA_BASE, 4), 500_500);
        for (engine_name, engine) in engines() {
            for limit in [0, 1, 2, 3, 4, 5, 1000, 3001, 3002] {
                let mut m = test.machine();
                let stop = engine(&mut m, limit);
                assert_eq!(stop, Stop::CycleLimit, "{engine_name} {x:?} limit {limit}");
                assert_eq!(m.cpu.cycle, limit);
                // The pc is that of the next instruction: instruction number `limit`.
                let expect_pc = match limit {
                    0 => CODE_BASE,
                    3001 => CODE_BASE + 16,
                    3002 => CODE_BASE + 20,
                    l => CODE_BASE + 4 + 4 * ((l - 1) % 3),
                };
                assert_eq!(m.cpu.pc, expect_pc, "{engine_name} limit {limit}");
                // Calling again with the same limit does nothing.
                assert_eq!(engine(&mut m, limit), Stop::CycleLimit);
                assert_eq!(m.cpu.cycle, limit);
                let stop = engine(&mut m, LIMIT);
                let resumed = Outcome::capture(stop, m);
                full.assert_same(&resumed, engine_name);
            }
            // Many small slices.
            let mut m = test.machine();
            let mut limit = 0;
            let stop = loop {
                limit += 7;
                match engine(&mut m, limit) {
                    Stop::CycleLimit => assert_eq!(m.cpu.cycle, limit),
                    stop => break stop,
                }
            };
            full.assert_same(&Outcome::capture(stop, m), engine_name);
        }
    }
}

#[test]
fn step_matches_run() {
    for x in XLENS {
        let test = loop_program(x);
        let full = test.run();
        let mut m = test.machine();
        let stop = loop {
            if let Some(stop) = rvjit::interp::step(&mut m) {
                break stop;
            }
        };
        full.assert_same(&Outcome::capture(stop, m), "step");
    }
}

// ------------------------------------------------------------------------------------ ecall

#[test]
fn ecall_exit_retires() {
    // li a7, 93; li a0, 42; ecall; ebreak
    for x in XLENS {
        let code = words(&[
            encode(Op::Addi, 17, 0, 0, 93),
            encode(Op::Addi, 10, 0, 0, 42),
            encode(Op::Ecall, 0, 0, 0, 0),
            EBREAK,
        ]);
        let o = Test::new(x, code).run();
        assert_eq!(o.stop, Stop::Exit { code: 42 });
        assert_eq!(o.cycle(), 3);
        assert_eq!(o.pc(), CODE_BASE + 12);
    }
}

#[test]
fn failing_service_does_not_retire() {
    // An unknown service number faults at the ecall, which does not retire.
    for x in XLENS {
        let code = words(&[
            encode(Op::Addi, 17, 0, 0, -1),
            encode(Op::Ecall, 0, 0, 0, 0),
        ]);
        let o = Test::new(x, code).run();
        match &o.stop {
            Stop::Fault(f) => {
                assert!(matches!(f.kind, FaultKind::UnknownService { .. }), "{f:?}");
                assert_eq!((f.pc, f.cycle), (CODE_BASE + 4, 1));
            }
            other => panic!("expected a fault, got {other:?}"),
        }
        assert_eq!((o.pc(), o.cycle()), (CODE_BASE + 4, 1));
    }
}

#[test]
fn mixed_compressed_and_full_width_code() {
    // c.li a0, 17; addi a0, a0, 1; c.addi a0, -3; ebreak
    for x in XLENS {
        let code = Asm::new()
            .c(0x4545)
            .i(Op::Addi, A0, A0, 0, 1)
            .c(0x1575)
            .ebreak()
            .bytes;
        let o = Test::new(x, code).run();
        o.assert_breakpoint(CODE_BASE + 8, 3);
        assert_eq!(o.reg(A0), 15);
    }
}

#[test]
fn misaligned_policy_default_allows() {
    let cfg = MemoryConfig {
        ram_size: RAM_SIZE,
        misaligned: MisalignedPolicy::Allow,
    };
    let code = words(&[encode(Op::Lw, 3, 1, 0, 1), EBREAK]);
    let o = Test::new(X32, code)
        .memory(cfg)
        .regs(&[(1, DATA_BASE)])
        .data(DATA_BASE, &PATTERN)
        .run();
    o.assert_breakpoint(CODE_BASE + 4, 1);
    assert_eq!(o.reg(3), 0x8483_8281);
    assert_eq!(o.machine.mem.misaligned_count, 1);
}

// ------------------------------------------------------------------------------------- speed

/// Interpreter throughput on a tight ALU/branch loop and a load/store loop (~100 M
/// instructions each). Run with
/// `cargo test --release --test instructions -- --ignored --nocapture interp_speed`.
#[test]
#[ignore = "benchmark; run in release mode"]
fn interp_speed() {
    const ITERS: i32 = 33_333_333;
    let (hi, lo) = ((ITERS + 0x800) & !0xfff, ((ITERS << 20) >> 20));
    let loops: [(&str, Vec<u32>); 2] = [
        (
            "alu loop",
            vec![
                encode(Op::Lui, 1, 0, 0, hi),
                encode(Op::Addi, 1, 1, 0, lo),
                encode(Op::Add, 6, 6, 1, 0),
                encode(Op::Addi, 1, 1, 0, -1),
                encode(Op::Bne, 0, 1, 0, -8),
                EBREAK,
            ],
        ),
        (
            "load/store loop",
            vec![
                encode(Op::Lui, 1, 0, 0, hi),
                encode(Op::Addi, 1, 1, 0, lo),
                encode(Op::Lw, 6, 3, 0, 0),
                encode(Op::Add, 6, 6, 1, 0),
                encode(Op::Sw, 0, 3, 6, 0),
                encode(Op::Addi, 1, 1, 0, -1),
                encode(Op::Bne, 0, 1, 0, -16),
                EBREAK,
            ],
        ),
    ];
    for (name, code) in loops {
        for x in XLENS {
            let mut m = Test::new(x, words(&code)).regs(&[(3, DATA_BASE)]).machine();
            let (start, cpu_start) = (std::time::Instant::now(), thread_cpu_ns());
            let stop = rvjit::interp::run(&mut m, u64::MAX);
            let secs = start.elapsed().as_secs_f64();
            let cpu_secs = thread_cpu_ns()
                .zip(cpu_start)
                .map(|(b, a)| (b - a) as f64 / 1e9);
            assert!(matches!(stop, Stop::Breakpoint { .. }), "{stop:?}");
            let n = m.cpu.cycle as f64;
            print!(
                "{name} {x:?}: {n} instructions, wall {secs:.3} s = {:.0} M instr/s",
                n / secs / 1e6
            );
            match cpu_secs {
                Some(c) => println!(", on-CPU {c:.3} s = {:.0} M instr/s", n / c / 1e6),
                None => println!(),
            }
        }
    }
}

/// Time this thread spent on a CPU (Linux), so a loaded machine does not skew the figure.
fn thread_cpu_ns() -> Option<u64> {
    let s = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    s.split_whitespace().next()?.parse().ok()
}

// ---------------------------------------------------------------------------- more edge cases

#[test]
fn fetch_across_code_ranges() {
    use rvjit::memory::{SegmentImage, PERM_R, PERM_X};
    // A second code range at 0x8000: jump there, run, jump back.
    let b = words(&[encode(Op::Addi, 6, 0, 0, 7), encode(Op::Jalr, 0, 7, 0, 0)]);
    let seg = SegmentImage {
        vaddr: 0x8000,
        memsz: b.len() as u64,
        data: b,
        perm: PERM_R | PERM_X,
    };
    for x in XLENS {
        let code = words(&[encode(Op::Jalr, 0, 5, 0, 0), EBREAK]);
        let test = Test::new(x, code)
            .segment(seg.clone())
            .regs(&[(5, 0x8000), (7, CODE_BASE + 4)]);
        let o = test.run();
        o.assert_breakpoint(CODE_BASE + 4, 3);
        assert_eq!(o.reg(6), 7);
        // The gap right after the second range is not code.
        let o = test.clone().regs(&[(5, 0x8008)]).run();
        o.assert_fault(FaultKind::InstructionFetch { addr: 0x8008 }, 0x8008, 1);
        // Single-stepping agrees.
        let mut m = test.machine();
        let stop = loop {
            if let Some(stop) = rvjit::interp::step(&mut m) {
                break stop;
            }
        };
        assert_eq!(
            (stop, m.cpu.cycle),
            (Stop::Breakpoint { pc: CODE_BASE + 4 }, 3)
        );
    }
}

#[test]
fn register_aliasing() {
    for x in XLENS {
        // add x1, x1, x1
        check(x, encode(Op::Add, 1, 1, 1, 0), &[(1, 21)], 1, 42);
        // lw x1, 0(x1): address from the old value.
        let o = Test::new(x, words(&[encode(Op::Lw, 1, 1, 0, 0), EBREAK]))
            .regs(&[(1, DATA_BASE)])
            .data(DATA_BASE, &[5, 0, 0, 0])
            .run();
        assert_eq!(o.reg(1), 5);
        // sw x1, 0(x1) stores the address itself.
        let o = Test::new(x, words(&[encode(Op::Sw, 0, 1, 1, 0), EBREAK]))
            .regs(&[(1, DATA_BASE)])
            .run();
        assert_eq!(o.mem(DATA_BASE, 4), DATA_BASE);
        // amoadd.w x1, x1, (x1)
        let o = Test::new(x, words(&[encode(Op::AmoaddW, 1, 1, 1, 0), EBREAK]))
            .regs(&[(1, DATA_BASE)])
            .data(DATA_BASE, &[3, 0, 0, 0])
            .run();
        assert_eq!((o.reg(1), o.mem(DATA_BASE, 4)), (3, DATA_BASE + 3));
    }
}

#[test]
fn faulting_sc_keeps_the_reservation() {
    for x in XLENS {
        let code = words(&[encode(Op::LrW, 0, 1, 0, 0), encode(Op::ScW, 4, 5, 2, 0)]);
        let o = Test::new(x, code)
            .regs(&[(1, DATA_BASE), (5, DATA_BASE + 2)])
            .run();
        o.assert_fault(
            FaultKind::MisalignedStore {
                addr: DATA_BASE + 2,
                size: 4,
            },
            CODE_BASE + 4,
            1,
        );
        assert_eq!(o.machine.cpu.reservation, DATA_BASE); // lr into x0 still reserves
    }
}

#[test]
fn terminate_exits_with_its_immediate() {
    for x in XLENS {
        let code = words(&[
            encode(Op::Addi, 5, 0, 0, 1),
            encode(Op::Terminate, 0, 0, 0, 0x7ff),
            EBREAK,
        ]);
        let o = Test::new(x, code).run();
        assert_eq!(o.stop, Stop::Exit { code: 0x7ff });
        assert_eq!((o.pc(), o.cycle()), (CODE_BASE + 8, 2));
    }
}

#[test]
fn custom0_operations_reach_the_host_and_retire() {
    // Service semantics are tested with the host; here: each custom-0 operation is routed to
    // the host, retires, and leaves the registers alone (they have no register results).
    for x in XLENS {
        let code = words(&[
            encode(Op::HintRandom, 5, 0, 0, 2), // hint stream := 4 * x5 = 4 random bytes
            encode(Op::HintStorew, 1, 0, 0, 0), // [x1] := next 4 hint bytes
            encode(Op::HintBuffer, 1, 0, 0, 1), // 4 * x0 = 0 bytes
            encode(Op::Reveal, 0, 6, 0, 0),     // output[0..4] := x6
            encode(Op::PrintStr, 1, 0, 0, 1),   // 0 bytes
            encode(Op::Keccakf, 0, 7, 0, 0),    // permute [x7]
            EBREAK,
        ]);
        let test = Test::new(x, code).regs(&[
            (1, DATA_BASE),
            (5, 1),
            (6, 0x1234_5678),
            (7, DATA_BASE + 0x100),
        ]);
        let regs = test.machine().cpu.regs;
        let o = test.run();
        o.assert_breakpoint(CODE_BASE + 24, 6);
        assert_eq!(o.machine.cpu.regs, regs);
        assert_ne!(
            o.mem(DATA_BASE + 0x100, 8),
            0,
            "keccak-f of zeros is not zero"
        );
        // A failing service does not retire: hintinput with no input frame left.
        let code = words(&[
            encode(Op::Addi, 5, 0, 0, 1),
            encode(Op::HintInput, 0, 0, 0, 0),
        ]);
        let o = Test::new(x, code).run();
        match &o.stop {
            Stop::Fault(f) => assert_eq!((f.pc, f.cycle), (CODE_BASE + 4, 1)),
            other => panic!("expected a fault, got {other:?}"),
        }
        assert_eq!((o.pc(), o.cycle()), (CODE_BASE + 4, 1));
    }
}

// ------------------------------------------------------ RV32 against a native 32-bit model

/// The RV32 R-type operations written directly with Rust's 32-bit integer types: an
/// independent model of the canonical-u64 implementation.
fn native32(op: Op, a: u32, b: u32) -> u32 {
    let (sa, sb) = (a as i32, b as i32);
    match op {
        Op::Add => a.wrapping_add(b),
        Op::Sub => a.wrapping_sub(b),
        Op::Sll => a.wrapping_shl(b),
        Op::Slt => u32::from(sa < sb),
        Op::Sltu => u32::from(a < b),
        Op::Xor => a ^ b,
        Op::Srl => a.wrapping_shr(b),
        Op::Sra => sa.wrapping_shr(b) as u32,
        Op::Or => a | b,
        Op::And => a & b,
        Op::Mul => a.wrapping_mul(b),
        Op::Mulh => ((i64::from(sa) * i64::from(sb)) >> 32) as u32,
        Op::Mulhsu => ((i64::from(sa) * i64::from(b)) >> 32) as u32,
        Op::Mulhu => ((u64::from(a) * u64::from(b)) >> 32) as u32,
        Op::Div => match (sa, sb) {
            (_, 0) => u32::MAX,
            (i32::MIN, -1) => a,
            _ => (sa / sb) as u32,
        },
        Op::Divu => a.checked_div(b).unwrap_or(u32::MAX),
        Op::Rem => match (sa, sb) {
            (_, 0) => a,
            (i32::MIN, -1) => 0,
            _ => (sa % sb) as u32,
        },
        Op::Remu => a.checked_rem(b).unwrap_or(a),
        _ => unreachable!("not an R-type test op"),
    }
}

const R_OPS: [Op; 18] = [
    Op::Add,
    Op::Sub,
    Op::Sll,
    Op::Slt,
    Op::Sltu,
    Op::Xor,
    Op::Srl,
    Op::Sra,
    Op::Or,
    Op::And,
    Op::Mul,
    Op::Mulh,
    Op::Mulhsu,
    Op::Mulhu,
    Op::Div,
    Op::Divu,
    Op::Rem,
    Op::Remu,
];

/// Operands biased towards the edge values where implementations differ.
fn operand32() -> impl proptest::strategy::Strategy<Value = u32> {
    use proptest::prelude::*;
    prop_oneof![
        any::<u32>(),
        prop::sample::select(vec![0, 1, 2, 31, 32, 0x7fff_ffff, 0x8000_0000, 0xffff_ffff])
    ]
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(512))]

    #[test]
    fn rv32_matches_native_32_bit_arithmetic(op in proptest::sample::select(R_OPS.to_vec()), a in operand32(), b in operand32()) {
        rr(X32, op, u64::from(a), u64::from(b), u64::from(native32(op, a, b)));
    }

    /// RV64 W-forms equal the RV32 operation on the low halves, sign-extended; the upper
    /// halves of the operands do not matter.
    #[test]
    fn rv64_word_forms_match_rv32(
        idx in 0usize..9,
        a in operand32(), b in operand32(), ahi in proptest::prelude::any::<u32>(), bhi in proptest::prelude::any::<u32>(),
    ) {
        let (w, op32) = [
            (Op::Addw, Op::Add), (Op::Subw, Op::Sub), (Op::Sllw, Op::Sll), (Op::Srlw, Op::Srl),
            (Op::Sraw, Op::Sra), (Op::Mulw, Op::Mul), (Op::Divw, Op::Div), (Op::Divuw, Op::Divu),
            (Op::Remw, Op::Rem),
        ][idx];
        let want = native32(op32, a, b) as i32 as i64 as u64;
        let (a64, b64) = (u64::from(ahi) << 32 | u64::from(a), u64::from(bhi) << 32 | u64::from(b));
        rr(X64, w, a64, b64, want);
        rr(X64, Op::Remuw, a64, b64, native32(Op::Remu, a, b) as i32 as i64 as u64);
    }
}
