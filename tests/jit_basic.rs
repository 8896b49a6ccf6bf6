//! Hand-written translator tests: loops, exact cycle limits at every N, resuming across
//! engines, faults with exact pc/cycle, and W^X of the generated code. Every run is compared
//! against the reference interpreter on the complete state.

mod common;

use common::*;
use rvjit::cpu::reg;
use rvjit::isa::encode::encode;
use rvjit::isa::{Op, Xlen};
use rvjit::jit::Translator;
use rvjit::machine::Machine;
use rvjit::outcome::{FaultKind, Stop};

fn jit(m: &mut Machine, limit: u64) -> Stop {
    rvjit::jit::run(m, limit).expect("jit")
}

/// Run `t` on both engines from identical machines; assert identical outcomes.
#[track_caller]
fn both(t: &Test) -> Outcome {
    let mut a = t.machine();
    let sa = rvjit::interp::run(&mut a, t.limit);
    let mut b = t.machine();
    let sb = jit(&mut b, t.limit);
    let ra = Outcome::capture(sa, a);
    ra.assert_same(&Outcome::capture(sb, b), "jit");
    ra
}

const A0: u8 = 10;
const A1: u8 = 11;
const A2: u8 = 12;
const T0: u8 = 5;
const T1: u8 = 6;

/// sum = 0; for i in (1..=a0).rev() { mem[data + 8*(i%8)] += i; sum += i }; call a leaf
/// function; ebreak. Exercises loops, loads/stores, a call/return and compressed forms.
fn loop_program(xlen: Xlen) -> Vec<u8> {
    let store = if xlen == Xlen::X64 { Op::Sd } else { Op::Sw };
    let load = if xlen == Xlen::X64 { Op::Ld } else { Op::Lw };
    let a = Asm::new()
        .i(Op::Lui, A2, 0, 0, DATA_BASE as i32) // a2 = data
        .i(Op::Addi, A1, 0, 0, 0); // a1 = sum
    let top = a.here();
    let a = a
        .i(Op::Add, A1, A1, A0, 0)
        .i(Op::Andi, T0, A0, 0, 7)
        .i(Op::Slli, T0, T0, 0, 3)
        .i(Op::Add, T0, T0, A2, 0)
        .i(load, T1, T0, 0, 0)
        .i(Op::Add, T1, T1, A0, 0)
        .i(store, 0, T0, T1, 0)
        .c(0x157d); // c.addi a0, -1
    let here = a.here();
    let a = a.i(Op::Bne, 0, A0, 0, top as i32 - here as i32);
    // call leaf (jal ra, +8), then ebreak; leaf: a0 = sum * 3; ret
    let a = a.i(Op::Jal, reg::RA, 0, 0, 8).ebreak();
    let a = a
        .i(Op::Add, A0, A1, A1, 0)
        .i(Op::Add, A0, A0, A1, 0)
        .i(Op::Jalr, 0, reg::RA, 0, 0);
    a.bytes
}

#[test]
fn loops_agree_and_compute() {
    for xlen in XLENS {
        let o = both(&Test::new(xlen, loop_program(xlen)).regs(&[(A0, 100)]));
        assert!(matches!(o.stop, Stop::Breakpoint { .. }), "{:?}", o.stop);
        assert_eq!(o.reg(A0), 3 * 5050);
    }
}

#[test]
fn cycle_limit_exact_at_every_n_and_resumable() {
    for xlen in XLENS {
        let t = Test::new(xlen, loop_program(xlen)).regs(&[(A0, 12)]);
        let total = both(&t).cycle();
        for n in 0..=total + 1 {
            let o = both(&t.clone().limit(n));
            if n <= total {
                assert_eq!(o.cycle(), n.min(total));
            }
            // Resume jit -> interp and interp -> jit from the stop point.
            let mut a = t.machine();
            assert_eq!(jit(&mut a, n), o.stop);
            let sa = rvjit::interp::run(&mut a, u64::MAX);
            let mut b = t.machine();
            assert_eq!(rvjit::interp::run(&mut b, n), o.stop);
            let sb = jit(&mut b, u64::MAX);
            let (oa, ob) = (Outcome::capture(sa, a), Outcome::capture(sb, b));
            oa.assert_same(&ob, "resume");
            assert_eq!(oa.cycle(), total);
        }
    }
}

#[test]
fn faults_have_exact_pc_and_cycle() {
    for xlen in XLENS {
        // load from unmapped memory at the 3rd instruction
        let code = words(&[
            encode(Op::Addi, A0, 0, 0, 1),
            encode(Op::Addi, A1, 0, 0, 16),
            encode(Op::Lw, A2, A1, 0, 0),
        ]);
        both(&Test::new(xlen, code)).assert_fault(
            FaultKind::LoadAccess { addr: 16, size: 4 },
            CODE_BASE + 8,
            2,
        );
        // store to code
        let code = words(&[
            encode(Op::Lui, A1, 0, 0, CODE_BASE as i32),
            encode(Op::Sw, 0, A1, A0, 4),
            EBREAK,
        ]);
        both(&Test::new(xlen, code)).assert_fault(
            FaultKind::StoreReadOnly {
                addr: CODE_BASE + 4,
                size: 4,
            },
            CODE_BASE + 4,
            1,
        );
        // misaligned under trap policy, allowed (and counted) by default
        let code = words(&[
            encode(Op::Lui, A1, 0, 0, DATA_BASE as i32),
            encode(Op::Lh, A2, A1, 0, 1),
            EBREAK,
        ]);
        both(&Test::new(xlen, code.clone()).trap_misaligned()).assert_fault(
            FaultKind::MisalignedLoad {
                addr: DATA_BASE + 1,
                size: 2,
            },
            CODE_BASE + 4,
            1,
        );
        let o = both(&Test::new(xlen, code));
        o.assert_breakpoint(CODE_BASE + 8, 2);
        assert_eq!(o.machine.mem.misaligned_count, 1);
        // jump out of code faults at fetch of the target, after the jump retired
        let code = words(&[
            encode(Op::Addi, A1, 0, 0, 0x100),
            encode(Op::Jalr, 0, A1, 0, 0),
        ]);
        both(&Test::new(xlen, code)).assert_fault(
            FaultKind::InstructionFetch { addr: 0x100 },
            0x100,
            2,
        );
        // illegal instruction mid-block
        let code = words(&[encode(Op::Addi, A0, 0, 0, 1), 0xffff_ffff]);
        both(&Test::new(xlen, code)).assert_fault(
            FaultKind::IllegalInstruction { bits: 0xffff_ffff },
            CODE_BASE + 4,
            1,
        );
        // running off the end of code
        let code = words(&[encode(Op::Addi, A0, 0, 0, 1)]);
        both(&Test::new(xlen, code)).assert_fault(
            FaultKind::InstructionFetch {
                addr: CODE_BASE + 4,
            },
            CODE_BASE + 4,
            1,
        );
    }
}

#[test]
fn division_and_counters() {
    for xlen in XLENS {
        let min = if xlen == Xlen::X64 {
            i64::MIN as u64
        } else {
            0x8000_0000
        };
        let code = words(&[
            encode(Op::Div, 3, A0, A1, 0),
            encode(Op::Rem, 4, A0, A1, 0),
            encode(Op::Divu, 5, A0, 0, 0),
            encode(Op::Remu, 6, A0, 0, 0),
            encode(Op::Div, 7, A0, 0, 0),
            encode(Op::Mulh, 8, A0, A1, 0),
            encode(Op::Mulhsu, 9, A0, A1, 0),
            encode(Op::Mulhu, 28, A0, A1, 0),
            encode(Op::Csrrs, 29, 0, 0, 0xc00),
            encode(Op::Csrrs, 30, 0, 0, 0xc02),
            EBREAK,
        ]);
        let o = both(&Test::new(xlen, code).regs(&[(A0, min), (A1, xlen.trunc(u64::MAX))]));
        assert_eq!(o.reg(3), min);
        assert_eq!(o.reg(4), 0);
        assert_eq!(o.reg(5), xlen.trunc(u64::MAX));
        assert_eq!(o.reg(6), min);
        assert_eq!(o.reg(29), 8);
        assert_eq!(o.reg(30), 9);
    }
}

#[test]
fn services_and_atomics_go_through_the_host() {
    for xlen in XLENS {
        // write(1, data, 3); amoadd.w; lr/sc; exit(7)
        let code = words(&[
            encode(Op::Lui, A1, 0, 0, DATA_BASE as i32),
            encode(Op::Addi, A0, 0, 0, 1),
            encode(Op::Addi, A2, 0, 0, 3),
            encode(Op::Addi, 17, 0, 0, 64),
            0x0000_0073,
            encode(Op::Addi, T0, 0, 0, 5),
            encode(Op::AmoaddW, T1, A1, T0, 0),
            encode(Op::LrW, 28, A1, 0, 0),
            encode(Op::ScW, 29, A1, T0, 0),
            encode(Op::ScW, 30, A1, T0, 0),
            encode(Op::Addi, A0, 0, 0, 7),
            encode(Op::Addi, 17, 0, 0, 93),
            0x0000_0073,
            EBREAK,
        ]);
        let o = both(&Test::new(xlen, code).data(DATA_BASE, b"hi!"));
        assert_eq!(o.stop, Stop::Exit { code: 7 });
        assert_eq!(o.cycle(), 13);
        assert_eq!(o.machine.host.stdout(), b"hi!");
        assert_eq!((o.reg(29), o.reg(30)), (0, 1));
    }
}

#[test]
fn translator_is_reusable_and_reports_stats() {
    let xlen = Xlen::X64;
    let t = Test::new(xlen, loop_program(xlen)).regs(&[(A0, 50)]);
    let m0 = t.machine();
    let mut tr = Translator::new(&m0.program).expect("translate");
    assert!(
        tr.stats().regions >= 1 && tr.stats().instructions >= 10,
        "{:?}",
        tr.stats()
    );
    for _ in 0..3 {
        let mut m = t.machine();
        // a different Program instance is rejected, the same one runs
        assert!(tr.run(&mut m, 1000).is_err());
        let mut m = Machine::new(m0.program.clone(), &Default::default()).expect("machine");
        m.cpu.set(A0, 50);
        let stop = tr.run(&mut m, u64::MAX).expect("run");
        assert!(matches!(stop, Stop::Breakpoint { .. }));
        assert_eq!(m.cpu.get(A0), 3 * 1275);
    }
}

/// cranelift-jit maps code read-write while emitting and flips it to read+execute on
/// finalize; check that the pages we run are never writable and executable at once.
#[test]
fn generated_code_is_not_writable() {
    let t = Test::new(Xlen::X64, loop_program(Xlen::X64));
    let m = t.machine();
    let mut tr = Translator::new(&m.program).expect("translate");
    let addr = tr.code_address(CODE_BASE).expect("entry translated") as u64;
    let maps = std::fs::read_to_string("/proc/self/maps").expect("procfs");
    let line = maps
        .lines()
        .find(|l| {
            let range = l.split_whitespace().next().unwrap_or("");
            let (lo, hi) = range.split_once('-').unwrap_or(("0", "0"));
            let (lo, hi) = (
                u64::from_str_radix(lo, 16).unwrap_or(0),
                u64::from_str_radix(hi, 16).unwrap_or(0),
            );
            (lo..hi).contains(&addr)
        })
        .expect("code mapped");
    let perms = line.split_whitespace().nth(1).unwrap_or("");
    assert!(perms.starts_with("r-x"), "code mapping {line}");
    for l in maps.lines() {
        let p = l.split_whitespace().nth(1).unwrap_or("");
        assert!(!(p.contains('w') && p.contains('x')), "W+X mapping: {l}");
    }
}
