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

/// Run `t` on a fresh translator with the given tier options; the outcome and the translator
/// (for its statistics).
fn run_tiered(t: &Test, hot: Option<u64>, mode: rvjit::jit::HotCompile) -> (Outcome, Translator) {
    let run = |baseline| {
        let mut b = t.machine();
        let options = rvjit::jit::Options {
            hot_threshold: hot,
            hot_min_block: 0,
            hot_compile: mode,
            baseline,
            ..Default::default()
        };
        let mut tr = Translator::for_machine(&b, &options).expect("translate");
        let sb = tr.run(&mut b, t.limit).expect("jit");
        (Outcome::capture(sb, b), tr)
    };
    // Both baseline code generators, with the same tiers above them.
    let (o, tr) = run(rvjit::jit::Baseline::default());
    let (cranelift, _) = run(rvjit::jit::Baseline::Cranelift);
    o.assert_same(&cranelift, "Cranelift baseline vs the default baseline");
    (o, tr)
}

/// Stop `t` at `limit` on the translator and finish on the interpreter, and the reverse (both
/// first legs must stop as `stop`); the two final outcomes.
#[track_caller]
fn resumed_both_ways(t: &Test, limit: u64, stop: &Stop) -> (Outcome, Outcome) {
    let mut a = t.machine();
    assert_eq!(&jit(&mut a, limit), stop);
    let sa = rvjit::interp::run(&mut a, u64::MAX);
    let mut b = t.machine();
    assert_eq!(&rvjit::interp::run(&mut b, limit), stop);
    let sb = jit(&mut b, u64::MAX);
    (Outcome::capture(sa, a), Outcome::capture(sb, b))
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
            let (oa, ob) = resumed_both_ways(&t, n, &o.stop);
            oa.assert_same(&ob, "resume");
            assert_eq!(oa.cycle(), total);
        }
    }
}

/// Straight-line code longer than `discover::MAX_BLOCK` (split into blocks that fall through
/// to each other), with grouped loads and stores through a1 in every block and a fault after
/// the first split: exact at every cycle limit around the splits, resumable both ways.
#[test]
fn long_straight_line_code_splits_exactly() {
    use rvjit::jit::discover::MAX_BLOCK;
    for xlen in XLENS {
        let (st, ld, w) = if xlen == Xlen::X64 {
            (Op::Sd, Op::Ld, 8)
        } else {
            (Op::Sw, Op::Lw, 4)
        };
        let mut a = Asm::new().i(Op::Lui, A1, 0, 0, DATA_BASE as i32);
        let n = MAX_BLOCK * 2 + 40;
        for k in 0..n {
            let off = (k % 16) as i32 * w;
            a = match k % 3 {
                0 => a.i(st, 0, A1, A0, off),
                1 => a.i(ld, A2, A1, 0, off),
                _ => a.i(Op::Addi, A0, A0, 0, k as i32 % 7),
            };
        }
        // Past the first split: a1 moves out of RAM, the next store faults.
        let a = a
            .i(Op::Lui, A1, 0, 0, 0x7fff_f000u32 as i32)
            .i(st, 0, A1, A0, 0);
        let t = Test::new(xlen, a.ebreak().bytes);
        let o = both(&t);
        let total = o.cycle();
        assert!(matches!(o.stop, Stop::Fault(_)), "{:?}", o.stop);
        let mut limits: Vec<u64> = vec![0, 1, 2, total - 1, total, total + 1];
        for split in [MAX_BLOCK as u64, 2 * MAX_BLOCK as u64] {
            limits.extend(split - 2..=split + 2);
        }
        for limit in limits {
            let o = both(&t.clone().limit(limit));
            assert_eq!(o.cycle(), limit.min(total));
            let (a, b) = resumed_both_ways(&t, limit, &o.stop);
            a.assert_same(&b, "resumed");
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

/// A loop in a function only an indirect call reaches: the entry point's translation does not
/// find it, the background sweep does. Its regions run and turn hot (tier ids of their own)
/// exactly like the rest, whether the sweep lands before the run, during it, or not at all.
#[test]
fn background_sweep_code_runs_and_turns_hot() {
    for xlen in XLENS {
        // t0 = address of f (auipc + addi: no static exit); call it; ebreak.
        let a = Asm::new()
            .i(Op::Auipc, T0, 0, 0, 0)
            .i(Op::Addi, T0, T0, 0, 16)
            .i(Op::Jalr, reg::RA, T0, 0, 0)
            .ebreak();
        assert_eq!(a.here() - Asm::new().here(), 16);
        // f: a1 += a0 while a0 -= 1 is not zero; return.
        let top = a.here();
        let a = a.i(Op::Add, A1, A1, A0, 0).i(Op::Addi, A0, A0, 0, -1);
        let here = a.here();
        let a = a
            .i(Op::Bne, 0, A0, 0, top as i32 - here as i32)
            .i(Op::Jalr, 0, reg::RA, 0, 0);
        let t = Test::new(xlen, a.bytes).regs(&[(A0, 100)]);
        let mut r = t.machine();
        let reference = Outcome::capture(rvjit::interp::run(&mut r, t.limit), r);
        assert_eq!(reference.reg(A1), 5050);
        let options = rvjit::jit::Options {
            hot_threshold: Some(1),
            hot_min_block: 0,
            hot_compile: rvjit::jit::HotCompile::Lockstep,
            sweep_in_background: true,
            ..Default::default()
        };
        // Sweep landed before the run: f comes from it, nothing is translated on demand, and
        // every region (f's too) is promoted.
        let mut m = t.machine();
        let mut tr = Translator::for_machine(&m, &options).expect("translate");
        let before = tr.stats().regions;
        tr.wait_for_sweep().expect("sweep");
        assert!(tr.stats().regions > before, "{:?}", tr.stats());
        let s = tr.run(&mut m, t.limit).expect("jit");
        reference.assert_same(&Outcome::capture(s, m), "sweep waited for");
        assert_eq!(tr.stats().on_demand_regions, 0, "{:?}", tr.stats());
        assert_eq!(
            tr.stats().hot_regions,
            tr.stats().regions,
            "{:?}",
            tr.stats()
        );
        // Not waited for: the sweep lands whenever it lands.
        let mut m = t.machine();
        let mut tr = Translator::for_machine(&m, &options).expect("translate");
        let s = tr.run(&mut m, t.limit).expect("jit");
        reference.assert_same(&Outcome::capture(s, m), "sweep not waited for");
        // Ahead of time: the same code before the run starts.
        let mut m = t.machine();
        let ahead = rvjit::jit::Options {
            sweep_in_background: false,
            ..options
        };
        let mut tr = Translator::for_machine(&m, &ahead).expect("translate");
        let s = tr.run(&mut m, t.limit).expect("jit");
        reference.assert_same(&Outcome::capture(s, m), "sweep ahead of time");
        assert_eq!(tr.stats().on_demand_regions, 0, "{:?}", tr.stats());
    }
}

/// With the direct baseline, only regions averaging `hot_min_block` instructions per block
/// turn hot: a loop of short blocks stays in the direct tier, a loop with a long body is
/// promoted (both still agree with the interpreter).
#[test]
fn only_long_block_regions_turn_hot_on_the_direct_baseline() {
    if !cfg!(target_arch = "x86_64") {
        return;
    }
    for xlen in XLENS {
        for (body, promoted) in [(1, false), (80, true)] {
            // a1 += body each pass, a0 counts down; ebreak.
            let mut a = Asm::new();
            let top = a.here();
            for _ in 0..body {
                a = a.i(Op::Addi, A1, A1, 0, 1);
            }
            a = a.i(Op::Addi, A0, A0, 0, -1);
            let here = a.here();
            let a = a.i(Op::Bne, 0, A0, 0, top as i32 - here as i32).ebreak();
            let t = Test::new(xlen, a.bytes).regs(&[(A0, 50)]);
            let mut r = t.machine();
            let reference = Outcome::capture(rvjit::interp::run(&mut r, t.limit), r);
            assert_eq!(reference.reg(A1), 50 * body);
            let options = rvjit::jit::Options {
                hot_threshold: Some(1),
                hot_compile: rvjit::jit::HotCompile::Lockstep,
                ..Default::default()
            };
            assert_eq!(options.hot_min_block, rvjit::jit::DEFAULT_HOT_MIN_BLOCK);
            let mut m = t.machine();
            let mut tr = Translator::for_machine(&m, &options).expect("translate");
            let s = tr.run(&mut m, t.limit).expect("jit");
            reference.assert_same(&Outcome::capture(s, m), "jit");
            assert_eq!(
                tr.stats().hot_regions > 0,
                promoted,
                "body {body}: {:?}",
                tr.stats()
            );
        }
    }
}

/// cranelift-jit maps code read-write while emitting and flips it to read+execute on
/// finalize; check that the pages we run are never writable and executable at once.
#[test]
fn generated_code_is_not_writable() {
    check_code_not_writable(false);
}

/// The recording translation (witness chunks) too, after it ran (the log is data, not code).
#[test]
fn recording_code_is_not_writable() {
    check_code_not_writable(true);
}

fn check_code_not_writable(record: bool) {
    let t = Test::new(Xlen::X64, loop_program(Xlen::X64));
    let mut m = t.machine();
    let options = rvjit::jit::Options {
        record,
        ..rvjit::jit::Options::default()
    };
    let mut tr = Translator::for_machine(&m, &options).expect("translate");
    if record {
        let mut rec = rvjit::witness::Recorder::new(Xlen::X64, [0; 32]);
        rec.begin_chunk(&m.cpu);
        tr.run_recording(&mut m, &mut rec, 1000)
            .expect("recording run");
        assert!(
            tr.run(&mut m, 2000).is_err(),
            "a recording translation refuses plain runs"
        );
    }
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

/// Accesses to mixed pages (a segment's last page with unmapped bytes after it, as in real
/// guests' rodata) pass the optimising tier's second-level check inside the segment's run,
/// and still fault exactly just outside it: a hot loop reads a read-only table and writes a
/// small read-write segment, then one access hits the unmapped bytes next to them.
#[test]
fn mixed_page_runs_in_the_optimising_tier() {
    use rvjit::memory::{SegmentImage, PERM_R};
    // Bytes 0..0x100 of this page are R (a segment below the RAM window), the rest unmapped.
    const RO: u64 = 0x1_8000;
    // A RAM page whose first 0x100 bytes a read-only segment covers: bytes 0x100.. are RW.
    const RW: u64 = DATA_BASE + 0x1_1100;
    const A3: u8 = 13;
    const T2: u8 = 7;
    for xlen in XLENS {
        let (load, store, shift) = if xlen == Xlen::X64 {
            (Op::Ld, Op::Sd, 3)
        } else {
            (Op::Lw, Op::Sw, 2)
        };
        // (last access, its fault): a load just past the R run, a store just before the RW
        // run (into the read-only bytes), and none (the run ends at ebreak).
        let lasts = [
            Some((
                Op::Lbu,
                A1,
                0x100,
                FaultKind::LoadAccess {
                    addr: RO + 0x100,
                    size: 1,
                },
            )),
            Some((
                store,
                A2,
                -(1 << shift),
                FaultKind::StoreReadOnly {
                    addr: RW - (1 << shift),
                    size: 1 << shift,
                },
            )),
            None,
        ];
        for last in lasts {
            let a = Asm::new()
                .i(Op::Lui, A1, 0, 0, RO as i32)
                .i(Op::Lui, A2, 0, 0, (RW & !0xfff) as i32)
                .i(Op::Addi, A2, A2, 0, (RW & 0xfff) as i32)
                .i(Op::Addi, A3, 0, 0, 0);
            let top = a.here();
            let a = a
                .i(Op::Andi, T0, A0, 0, 31)
                .i(Op::Slli, T0, T0, 0, shift)
                .i(Op::Add, T1, A1, T0, 0)
                .i(load, T1, T1, 0, 0)
                .i(Op::Add, A3, A3, T1, 0)
                .i(Op::Add, T2, A2, T0, 0)
                .i(store, 0, T2, A3, 0)
                .i(Op::Addi, A0, A0, 0, -1);
            let here = a.here();
            let mut a = a.i(Op::Bne, 0, A0, 0, top as i32 - here as i32);
            if let Some((op, base, imm, _)) = last {
                a = match op {
                    Op::Lbu => a.i(op, T1, base, 0, imm),
                    _ => a.i(op, 0, base, T1, imm),
                };
            }
            let table: Vec<u8> = (0..0x100u32).map(|i| (i * 37 + 11) as u8).collect();
            let t = Test::new(xlen, a.ebreak().bytes)
                .regs(&[(A0, 5000)])
                .segment(SegmentImage {
                    vaddr: RO,
                    memsz: 0x100,
                    data: table,
                    perm: PERM_R,
                })
                .segment(SegmentImage {
                    vaddr: RW - 0x100,
                    memsz: 0x100,
                    data: vec![1; 0x100],
                    perm: PERM_R,
                });
            let mut a = t.machine();
            let reference = Outcome::capture(rvjit::interp::run(&mut a, t.limit), a);
            match last {
                Some((_, _, _, kind)) => {
                    assert!(
                        matches!(&reference.stop, Stop::Fault(f) if f.kind == kind),
                        "{:?}",
                        reference.stop
                    );
                }
                None => assert!(matches!(reference.stop, Stop::Breakpoint { .. })),
            }
            use rvjit::jit::HotCompile;
            for (hot, mode) in [
                (Some(1), HotCompile::Lockstep),
                (Some(1), HotCompile::Inline),
                (Some(2000), HotCompile::Background),
                (None, HotCompile::Background),
            ] {
                let (o, tr) = run_tiered(&t, hot, mode);
                reference.assert_same(&o, &format!("jit (hot {hot:?}, {mode:?})"));
                if hot == Some(1) {
                    assert!(tr.stats().hot_regions > 0, "nothing promoted");
                    // The hot loop's table loads and stores all pass the second-level check:
                    // the interpreter executed only the faulting access, if any.
                    assert!(
                        tr.stats().interpreted <= 1,
                        "interpreted {}",
                        tr.stats().interpreted
                    );
                }
            }
        }
    }
}

/// The fast windows (`GuestMemory::fast_windows`, checked by translated code with immediates
/// before the page tables): every access size, aligned and not, just inside and just outside
/// both ends of every load and store window, through the stack pointer and another register
/// (they try the windows in different orders), on both tiers. A read-only segment inside RAM
/// splits the store windows in two, as code and rodata do in a runtime-abi guest; trapping
/// misaligned accesses makes alignment part of the outcome.
#[test]
fn fast_window_edges_agree_with_the_interpreter() {
    use rvjit::memory::{SegmentImage, PERM_R};
    const SP: u8 = 2;
    let hole = SegmentImage {
        vaddr: DATA_BASE + 0x4_0000,
        memsz: 0x3000,
        data: vec![5; 0x3000],
        perm: PERM_R,
    };
    let loads = [(Op::Lb, 1), (Op::Lh, 2), (Op::Lw, 4), (Op::Ld, 8)];
    let stores = [(Op::Sb, 1), (Op::Sh, 2), (Op::Sw, 4), (Op::Sd, 8)];
    let mut checked = 0;
    for xlen in XLENS {
        for trap in [false, true] {
            let mut base = Test::new(xlen, Vec::new()).segment(hole.clone());
            if trap {
                base = base.trap_misaligned();
            }
            let windows = base.machine().mem.fast_windows().clone();
            assert_eq!(windows.store.len(), 2, "{windows:?}");
            assert!(!windows.load.is_empty(), "{windows:?}");
            let kinds = [(&windows.load, &loads[..]), (&windows.store, &stores[..])];
            for (list, ops) in kinds {
                for w in list.iter() {
                    for edge in [w.lo, w.lo + w.len] {
                        for &(op, size) in ops {
                            if size == 8 && xlen == Xlen::X32 {
                                continue;
                            }
                            for off in [-9i64, -8, -5, -1, 0, 1, 3, 8] {
                                let addr = edge.wrapping_add(off as u64);
                                for rs1 in [SP, A1] {
                                    let code = match op {
                                        Op::Lb | Op::Lh | Op::Lw | Op::Ld => {
                                            Asm::new().i(op, T1, rs1, 0, 24)
                                        }
                                        _ => Asm::new().i(op, 0, rs1, T1, 24),
                                    };
                                    let t = Test {
                                        code: code.ebreak().bytes,
                                        ..base.clone()
                                    }
                                    .regs(&[(rs1, addr.wrapping_sub(24)), (T1, 0x1122_3344)]);
                                    let mut a = t.machine();
                                    let reference =
                                        Outcome::capture(rvjit::interp::run(&mut a, t.limit), a);
                                    for hot in [Some(1), None] {
                                        let (o, _) =
                                            run_tiered(&t, hot, rvjit::jit::HotCompile::Lockstep);
                                        reference.assert_same(
                                            &o,
                                            &format!("{op:?} at {addr:#x} via x{rs1} (hot {hot:?}, trap {trap})"),
                                        );
                                    }
                                    checked += 1;
                                }
                            }
                        }
                    }
                }
            }
        }
    }
    assert!(checked > 1000, "{checked}");
}

/// Grouped memory checks (`jit::checks`): accesses through one base register value in a basic
/// block share one check of their whole range. Groups of stores and of loads slide across both
/// ends of every fast window (leader inside, members outside and the reverse), with misaligned
/// bases allowed and trapping; a base written between two accesses, and a service call
/// (HINT_LEN rewrites a0, which the check planner does not see) between two accesses through
/// a0. Both tiers, full state against the interpreter.
#[test]
fn grouped_checks_agree_with_the_interpreter() {
    use rvjit::jit::HotCompile;
    use rvjit::memory::{SegmentImage, PERM_R};
    let hole = SegmentImage {
        vaddr: DATA_BASE + 0x4_0000,
        memsz: 0x3000,
        data: vec![5; 0x3000],
        perm: PERM_R,
    };
    let hot_modes = [
        (None, HotCompile::Background),
        (Some(1), HotCompile::Lockstep),
    ];
    let run = |t: &Test, what: &str| {
        let mut a = t.machine();
        let reference = Outcome::capture(rvjit::interp::run(&mut a, t.limit), a);
        for (hot, mode) in hot_modes {
            let (o, _) = run_tiered(t, hot, mode);
            reference.assert_same(&o, &format!("{what} (hot {hot:?})"));
        }
        reference
    };
    let mut checked = 0;
    for xlen in XLENS {
        let (wide_l, wide_s, w) = if xlen == Xlen::X64 {
            (Op::Ld, Op::Sd, 8)
        } else {
            (Op::Lw, Op::Sw, 4)
        };
        for trap in [false, true] {
            let mut base = Test::new(xlen, Vec::new()).segment(hole.clone());
            if trap {
                base = base.trap_misaligned();
            }
            let windows = base.machine().mem.fast_windows().clone();
            // A group of stores and a group of loads through a1 (offsets -2w..2w), then a
            // loop back over them so the optimising tier runs them too.
            let stores = |a: Asm| {
                a.i(wide_s, 0, A1, T1, -2 * w)
                    .i(Op::Sw, 0, A1, T1, 0)
                    .i(Op::Sh, 0, A1, T1, 6)
                    .i(wide_s, 0, A1, T1, w)
                    .i(Op::Sb, 0, A1, T1, 2 * w - 1)
            };
            let loads = |a: Asm| {
                a.i(wide_l, T0, A1, 0, -2 * w)
                    .i(Op::Lhu, A2, A1, 0, 2)
                    .i(wide_l, A2, A1, 0, 2 * w)
                    .i(Op::Lb, T0, A1, 0, w - 1)
            };
            // Stores first and loads first: a mixed group led by either kind.
            let looped = |first: &dyn Fn(Asm) -> Asm, then: &dyn Fn(Asm) -> Asm| {
                let start = Asm::new();
                let top = start.here();
                let body = then(first(start));
                let here = body.here();
                body.i(Op::Addi, A0, A0, 0, -1)
                    .i(Op::Bne, 0, A0, 0, top as i32 - here as i32 - 4)
                    .ebreak()
                    .bytes
            };
            let codes = [looped(&stores, &loads), looped(&loads, &stores)];
            let all = windows.load.iter().chain(windows.store.iter());
            for (code, win) in codes.iter().flat_map(|c| all.clone().map(move |w| (c, w))) {
                for edge in [win.lo, win.lo + win.len] {
                    for off in [
                        -3 * w as i64,
                        -2 * w as i64,
                        -w as i64 - 2,
                        -4,
                        0,
                        2,
                        4,
                        w as i64,
                        2 * w as i64 + 1,
                        3 * w as i64,
                    ] {
                        let addr = edge.wrapping_add(off as u64);
                        let t = Test {
                            code: code.clone(),
                            ..base.clone()
                        }
                        .regs(&[
                            (A1, addr),
                            (A0, 3),
                            (T1, 0x1122_3344_5566_7788),
                        ]);
                        run(&t, &format!("group at {addr:#x} ({xlen:?}, trap {trap})"));
                        checked += 1;
                    }
                }
            }
            // The base changes between two accesses: separate checks.
            let ram = windows
                .store
                .iter()
                .map(|w| w.lo)
                .max()
                .unwrap_or(DATA_BASE);
            let code = Asm::new()
                .i(wide_s, 0, A1, T1, 0)
                .i(Op::Addi, A1, A1, 0, -2047)
                .i(wide_s, 0, A1, T1, 0)
                .ebreak()
                .bytes;
            let t = Test {
                code,
                ..base.clone()
            }
            .regs(&[(A1, ram + 8), (T1, 7)]);
            let o = run(&t, "base written between accesses");
            assert!(matches!(o.stop, Stop::Fault(_)), "{:?}", o.stop);
            // HINT_LEN (no hint frames) sets a0 to all ones between two stores through a0:
            // the second must fault at its own pc, not be waved through by the first's check.
            let code = Asm::new()
                .i(wide_s, 0, A0, T1, 0)
                .w(0x0000_0073) // ecall
                .i(wide_s, 0, A0, T1, w)
                .ebreak()
                .bytes;
            let t = Test {
                code,
                ..base.clone()
            }
            .regs(&[
                (A0, ram + 64),
                (17, u64::from(rvjit::abi::SYS_HINT_LEN)),
                (T1, 9),
            ]);
            let o = run(&t, "service call between accesses");
            match &o.stop {
                Stop::Fault(f) => assert_eq!(f.pc, CODE_BASE + 8, "{f:?}"),
                s => panic!("expected a fault, got {s:?}"),
            }
        }
    }
    assert!(checked > 100, "{checked}");
}

/// Register aliasing in the direct baseline's templates, which keep a0-a5 and sp in host
/// registers and compute in place where they can: every ALU, shift, compare and M operation
/// with rd, rs1 and rs2 each drawn from two pinned registers (a0, a1), one kept in the Cpu
/// (t0) and x0, every combination, on values that make the operands' order matter.
#[test]
fn register_aliasing_agrees_with_the_interpreter() {
    const T0: u8 = 5;
    let rr = [
        Op::Add,
        Op::Sub,
        Op::And,
        Op::Or,
        Op::Xor,
        Op::Sll,
        Op::Srl,
        Op::Sra,
        Op::Slt,
        Op::Sltu,
        Op::Mul,
        Op::Mulh,
        Op::Mulhu,
        Op::Mulhsu,
        Op::Div,
        Op::Divu,
        Op::Rem,
        Op::Remu,
    ];
    let rr64 = [
        Op::Addw,
        Op::Subw,
        Op::Sllw,
        Op::Srlw,
        Op::Sraw,
        Op::Mulw,
        Op::Divw,
        Op::Divuw,
        Op::Remw,
        Op::Remuw,
    ];
    let ri = [
        (Op::Addi, -7),
        (Op::Xori, 0x5a5),
        (Op::Ori, -0x800),
        (Op::Andi, 0x3f0),
        (Op::Slti, -3),
        (Op::Sltiu, 9),
        (Op::Slli, 3),
        (Op::Srli, 5),
        (Op::Srai, 7),
    ];
    let ri64 = [
        (Op::Addiw, 13),
        (Op::Slliw, 4),
        (Op::Srliw, 6),
        (Op::Sraiw, 31),
    ];
    let regs = [0, A0, A1, T0];
    let values = [
        (A0, 0xffff_fff0_8765_4321),
        (A1, 0x0000_0000_0000_0013),
        (T0, 0x8000_0000_f00d_0007),
    ];
    let mut checked = 0;
    for xlen in XLENS {
        let mut ops: Vec<(Op, i32)> = rr.iter().map(|&op| (op, 0)).collect();
        ops.extend(ri);
        if xlen == Xlen::X64 {
            ops.extend(rr64.iter().map(|&op| (op, 0)));
            ops.extend(ri64);
        }
        let values: Vec<(u8, u64)> = values.iter().map(|&(r, v)| (r, xlen.trunc(v))).collect();
        for &(op, imm) in &ops {
            for rd in regs {
                for rs1 in regs {
                    for rs2 in regs {
                        // The operation twice: the second reads what the first wrote.
                        let code = Asm::new()
                            .i(op, rd, rs1, rs2, imm)
                            .i(op, rd, rs1, rs2, imm)
                            .ebreak()
                            .bytes;
                        both(&Test::new(xlen, code).regs(&values));
                        checked += 1;
                    }
                }
            }
        }
    }
    assert!(checked > 3000, "{checked}");
}

/// Long blocks in the Cranelift tiers: a register's last write in a block is stored at once
/// and a clean value read again only much later is reloaded from the Cpu (`Lifter::expire`),
/// while earlier writes stay pending to the block's end. Each case writes a register, reads
/// it after `gap` unrelated instructions, writes it again and reads it once more, for gaps
/// around the reload distance; every run agrees with the interpreter.
#[test]
fn far_reads_in_long_blocks_agree_with_the_interpreter() {
    const S1: u8 = 9;
    const A3: u8 = 13;
    let values = [(A0, 5), (A1, 0x1234), (S1, 77)];
    let mut checked = 0;
    for xlen in XLENS {
        for r in [T0, A0, S1] {
            for gap in [0, 7, 8, 9, 16, 30] {
                let filler = |mut a: Asm| {
                    for _ in 0..gap {
                        a = a.i(Op::Addi, A3, A3, 0, 3);
                    }
                    a
                };
                // r = a1 + 1 (not its last write); ...; t1 = r + r; r = t1 ^ a1 (last write);
                // ...; a2 = r + t1; ebreak.
                let a = Asm::new().i(Op::Addi, r, A1, 0, 1);
                let a = filler(a).i(Op::Add, T1, r, r, 0).i(Op::Xor, r, T1, A1, 0);
                let a = filler(a).i(Op::Add, A2, r, T1, 0).ebreak();
                let t = Test::new(xlen, a.bytes).regs(&values);
                let mut i = t.machine();
                let reference = Outcome::capture(rvjit::interp::run(&mut i, t.limit), i);
                for hot in [None, Some(1)] {
                    let (o, _) = run_tiered(&t, hot, rvjit::jit::HotCompile::Lockstep);
                    reference.assert_same(&o, &format!("x{r}, gap {gap}, hot {hot:?}"));
                    checked += 1;
                }
            }
        }
    }
    assert_eq!(checked, 2 * 3 * 6 * 2);
}

/// `auipc t, hi; jalr rd, lo(t)` pairs, whose target the code generators take as static: a far
/// call in a loop (upper part nonzero, target with bit 0 set, cleared by `jalr`), its return,
/// and a far jump; both XLENs, every tier, with cycle limits falling between the two
/// instructions. Every run agrees with the interpreter, including the `auipc` results.
#[test]
fn static_far_calls_and_jumps_agree_with_the_interpreter() {
    const RA: u8 = 1;
    let pad = 700; // puts the callee more than 2 KiB away: a nonzero upper part
    let call_at = CODE_BASE + 4; // the loop's auipc
    let f = CODE_BASE + 4 * (8 + pad as u64); // the callee
    let end = f + 12;
    let split = |dist: i64| {
        let hi = (dist + 0x800) & !0xfff;
        (hi as i32, (dist - hi) as i32)
    };
    let (call_hi, call_lo) = split(f as i64 + 1 - call_at as i64);
    assert_ne!(call_hi, 0);
    let jump_at = CODE_BASE + 20;
    let (jump_hi, jump_lo) = split(end as i64 - jump_at as i64);
    let mut a = Asm::new()
        .i(Op::Addi, A0, 0, 0, 5)
        .i(Op::Auipc, T1, 0, 0, call_hi) // loop:
        .i(Op::Jalr, RA, T1, 0, call_lo) // call f (target + 1, bit 0 cleared)
        .i(Op::Addi, A0, A0, 0, -1)
        .i(Op::Bne, 0, A0, 0, -12)
        .i(Op::Auipc, T0, 0, 0, jump_hi)
        .i(Op::Jalr, 0, T0, 0, jump_lo) // far jump to end
        .i(Op::Addi, A1, A1, 0, 1000); // skipped
    for _ in 0..pad {
        a = a.i(Op::Addi, A2, A2, 0, 1); // skipped
    }
    assert_eq!(a.here(), f);
    let a = a
        .i(Op::Addi, A1, A1, 0, 3) // f:
        .i(Op::Slli, A2, A1, 0, 1)
        .i(Op::Jalr, 0, RA, 0, 0)
        .i(Op::Add, A2, A2, T1, 0) // end: the auipc results reach the final state
        .i(Op::Add, A2, A2, T0, 0)
        .ebreak();
    for xlen in XLENS {
        let t = Test::new(xlen, a.bytes.clone());
        let reference = both(&t);
        assert_eq!(reference.reg(A1), 15, "five calls");
        for hot in [None, Some(1)] {
            let (o, _) = run_tiered(&t, hot, rvjit::jit::HotCompile::Lockstep);
            reference.assert_same(&o, &format!("hot {hot:?}"));
        }
        // Stops between an auipc and its jalr, resumed on either engine.
        for limit in [2, 3, 7, 8, 22, 23] {
            let (x, y) = resumed_both_ways(&t, limit, &Stop::CycleLimit);
            reference.assert_same(&x, &format!("jit then interpreter at {limit}"));
            reference.assert_same(&y, &format!("interpreter then jit at {limit}"));
        }
    }
}

/// A loop closed by `auipc t0, 0; jalr x0, -4(t0)` back to a block that is no entry: the
/// static target is an edge of the region's graph, so the loop has a budget checkpoint and
/// every run stops at exactly the cycle limit (without one, translated code spun forever).
#[test]
fn a_loop_closed_by_a_static_jalr_stops_at_the_cycle_limit() {
    let a = Asm::new()
        .i(Op::Addi, A1, 0, 0, 7)
        .i(Op::Bne, 0, A1, 0, 4) // to the loop block, which is no entry
        .i(Op::Addi, A0, A0, 0, 1) // loop:
        .i(Op::Auipc, T0, 0, 0, 0)
        .i(Op::Jalr, 0, T0, 0, -4)
        .ebreak();
    // Translated code that misses the limit never returns: run on a thread, so the test fails
    // (after a generous time) instead of hanging.
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for xlen in XLENS {
            for limit in [10, 11, 1001] {
                let t = Test::new(xlen, a.bytes.clone()).limit(limit);
                let reference = both(&t);
                assert_eq!(reference.stop, Stop::CycleLimit);
                assert_eq!(reference.reg(A0), (limit - 2).div_ceil(3));
                for hot in [None, Some(1)] {
                    let (o, _) = run_tiered(&t, hot, rvjit::jit::HotCompile::Lockstep);
                    reference.assert_same(&o, &format!("limit {limit}, hot {hot:?}"));
                }
            }
        }
        let _ = tx.send(());
    });
    match rx.recv_timeout(std::time::Duration::from_secs(60)) {
        Ok(()) => {}
        Err(std::sync::mpsc::RecvTimeoutError::Timeout) => panic!("a run missed its cycle limit"),
        Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => panic!("a check failed (above)"),
    }
}

// Simple loops (`jit::loops`): the direct tier checks the accesses of a one-block loop once,
// before it, and runs an unchecked copy for as many iterations as stay inside the fast
// windows. Every case below must agree with the interpreter on the full state, at cycle
// limits throughout the loop, and resumed across engines: loops inside the windows, running
// off their end or start (the fault at the exact iteration), starting misaligned or outside
// any window, with a zero count that wraps, and ending on data.

use reg::{A3, A4, A5, A7};
const A6: u8 = 16;

/// Run `t` to its end and at cycle limits spread over the run (all of the first 40), on both
/// engines and resumed both ways; the full outcome.
#[track_caller]
fn exact_throughout(t: &Test) -> Outcome {
    let o = both(t);
    let total = o.cycle();
    let stride = (total / 60).max(1);
    let limits = (0..40.min(total + 2)).chain((40..total + 2).step_by(stride as usize));
    for limit in limits {
        let s = both(&t.clone().limit(limit));
        let (a, b) = resumed_both_ways(t, limit, &s.stop);
        a.assert_same(&b, "resumed");
        a.assert_same(&o, "resumed vs whole run");
    }
    o
}

/// memset's word loop: `sd a5,0(a4); addi a4,a4,8; bltu a4,a3,loop; ebreak`.
fn store_words(xlen: Xlen, start: u64, end: u64) -> Test {
    let st = if xlen == Xlen::X64 { Op::Sd } else { Op::Sw };
    let a = Asm::new();
    let top = a.here();
    let a = a.i(st, 0, A4, A5, 0).i(Op::Addi, A4, A4, 0, 8);
    let here = a.here();
    let a = a.i(Op::Bltu, 0, A4, A3, top as i32 - here as i32).ebreak();
    Test::new(xlen, a.bytes).regs(&[(A4, start), (A3, end), (A5, 0x0123_4567_89ab_cdef)])
}

/// memcpy's byte loop counting down: `lbu t0,0(a7); addi a5,a5,-1; sb t0,0(a6);
/// addi a6,a6,1; addi a7,a7,1; bnez a5,loop; ebreak`.
fn copy_bytes(xlen: Xlen, dst: u64, src: u64, n: u64) -> Test {
    let a = Asm::new();
    let top = a.here();
    let a = a
        .i(Op::Lbu, T0, A7, 0, 0)
        .i(Op::Addi, A5, A5, 0, -1)
        .i(Op::Sb, 0, A6, T0, 0)
        .i(Op::Addi, A6, A6, 0, 1)
        .i(Op::Addi, A7, A7, 0, 1);
    let here = a.here();
    let a = a.i(Op::Bne, 0, A5, 0, top as i32 - here as i32).ebreak();
    let bytes: Vec<u8> = (0..200u32).map(|i| (i * 7 + 3) as u8).collect();
    Test::new(xlen, a.bytes)
        .regs(&[(A6, dst), (A7, src), (A5, n)])
        .data(DATA_BASE, &bytes)
}

/// A descending search that ends on data, with an invariant base too: `ld t0,-8(a0);
/// addi a0,a0,-8; lw t1,4(a1); add a2,a2,t1; beq t0,zero,loop; ebreak`.
fn search_down(xlen: Xlen, from: u64, words: &[u64]) -> Test {
    let ld = if xlen == Xlen::X64 { Op::Ld } else { Op::Lw };
    let w = if xlen == Xlen::X64 { 8 } else { 4 };
    let a = Asm::new();
    let top = a.here();
    let a = a
        .i(ld, T0, A0, 0, -w)
        .i(Op::Addi, A0, A0, 0, -w)
        .i(Op::Lw, T1, A1, 0, 4)
        .i(Op::Add, A2, A2, T1, 0);
    let here = a.here();
    let a = a.i(Op::Beq, 0, T0, 0, top as i32 - here as i32).ebreak();
    let mut bytes = Vec::new();
    for v in words {
        bytes.extend_from_slice(&v.to_le_bytes()[..w as usize]);
    }
    Test::new(xlen, a.bytes)
        .regs(&[(A0, from), (A1, DATA_BASE + 0x800)])
        .data(DATA_BASE, &bytes)
        .data(DATA_BASE + 0x800, &[1, 2, 3, 4, 5, 6, 7, 8])
}

#[test]
fn simple_loops_inside_the_windows() {
    for xlen in XLENS {
        let o = exact_throughout(&store_words(xlen, DATA_BASE + 0x100, DATA_BASE + 0x200));
        assert!(matches!(o.stop, Stop::Breakpoint { .. }), "{:?}", o.stop);
        assert_eq!(o.reg(A4), DATA_BASE + 0x200);
        let o = exact_throughout(&copy_bytes(xlen, DATA_BASE + 0x1000, DATA_BASE + 3, 150));
        assert!(matches!(o.stop, Stop::Breakpoint { .. }), "{:?}", o.stop);
        assert_eq!(
            o.mem(DATA_BASE + 0x1000 + 149, 1),
            u64::from((152u32 * 7 + 3) as u8)
        );
        // Zeros, then a nonzero word at index 2: the search from index 9 ends there.
        let o = exact_throughout(&search_down(xlen, DATA_BASE + 80, &[0, 0, 5, 0, 0]));
        assert!(matches!(o.stop, Stop::Breakpoint { .. }), "{:?}", o.stop);
        // One iteration: the bound is below the start.
        exact_throughout(&store_words(xlen, DATA_BASE + 0x100, DATA_BASE));
    }
}

#[test]
fn simple_loops_leaving_the_windows_fault_at_the_exact_iteration() {
    let ram_end = DATA_BASE + RAM_SIZE;
    for xlen in XLENS {
        // Runs off the end of RAM at its 9th store.
        let o = exact_throughout(&store_words(xlen, ram_end - 64, ram_end + 64));
        let Stop::Fault(f) = &o.stop else {
            panic!("{:?}", o.stop)
        };
        assert_eq!(f.pc, CODE_BASE);
        assert_eq!(o.reg(A4), ram_end);
        assert_eq!(o.cycle(), 3 * 8);
        // Starts outside every window: the code is read-only.
        let o = exact_throughout(&store_words(xlen, CODE_BASE, CODE_BASE + 64));
        assert!(matches!(o.stop, Stop::Fault(_)), "{:?}", o.stop);
        // A zero count wraps: the copy runs until the destination leaves RAM.
        let o = exact_throughout(&copy_bytes(xlen, ram_end - 40, DATA_BASE, 0));
        assert!(matches!(o.stop, Stop::Fault(_)), "{:?}", o.stop);
        assert_eq!(o.reg(A6), ram_end);
        // The source (a load) runs off the end of RAM first.
        let o = exact_throughout(&copy_bytes(xlen, DATA_BASE + 0x1000, ram_end - 20, 100));
        let Stop::Fault(f) = &o.stop else {
            panic!("{:?}", o.stop)
        };
        assert_eq!(f.pc, CODE_BASE);
        assert_eq!(o.reg(A7), ram_end);
        assert_eq!(o.reg(A5), 80);
        // Only zeros: the search runs below the start of RAM.
        let o = exact_throughout(&search_down(xlen, DATA_BASE + 48, &[0; 6]));
        let Stop::Fault(f) = &o.stop else {
            panic!("{:?}", o.stop)
        };
        assert_eq!(f.pc, CODE_BASE);
    }
}

#[test]
fn simple_loops_starting_misaligned_agree() {
    for xlen in XLENS {
        // Doublewords 4 bytes off their alignment on RV64 (words stay aligned on RV32):
        // allowed (and counted) by default, trapped on request.
        let t = store_words(xlen, DATA_BASE + 0x104, DATA_BASE + 0x180);
        let o = exact_throughout(&t);
        assert!(matches!(o.stop, Stop::Breakpoint { .. }), "{:?}", o.stop);
        let o = exact_throughout(&t.trap_misaligned());
        match xlen {
            Xlen::X64 => assert!(matches!(o.stop, Stop::Fault(_)), "{:?}", o.stop),
            Xlen::X32 => assert!(matches!(o.stop, Stop::Breakpoint { .. }), "{:?}", o.stop),
        }
        // Reads straddling the words until the 5 shows up.
        let o = exact_throughout(&search_down(xlen, DATA_BASE + 84, &[0, 0, 5, 0, 0]));
        assert!(matches!(o.stop, Stop::Breakpoint { .. }), "{:?}", o.stop);
    }
}

/// RV32 addresses wrap modulo 2^32: a simple loop whose base register lies in the null-guard
/// page reads the top page of the address space through a negative offset (`lw t0,-512(a0);
/// add a2,a2,t0; addi a0,a0,4; bne a0,a3,loop`), one whose base steps up from the top page
/// wraps into the null guard mid-loop, and straight-line groups do the same. Both tiers check a loop's first addresses in exact
/// arithmetic (`jit::loops`), so these run in the checked copies; the sums and the exits must
/// be the interpreter's, under every cycle limit and promoted.
#[test]
fn rv32_simple_loops_over_wrapping_addresses_agree() {
    use rvjit::jit::HotCompile;
    use rvjit::memory::{SegmentImage, PERM_R};
    // 64 KiB at the top of the address space: the second-largest run of readable pages, so
    // a fast window for loads.
    let top = SegmentImage {
        vaddr: 0xffff_0000,
        memsz: 0x1_0000,
        data: (0..0x1_0000u32).map(|i| (i * 13 + 1) as u8).collect(),
        perm: PERM_R,
    };
    let sum_up = |from: u64, to: u64, step: i32, imm: i32| {
        let a = Asm::new();
        let head = a.here();
        let a = a
            .i(Op::Lw, T0, A0, 0, imm)
            .i(Op::Add, A2, A2, T0, 0)
            .i(Op::Addi, A0, A0, 0, step);
        let here = a.here();
        let a = a.i(Op::Bne, 0, A0, A3, head as i32 - here as i32).ebreak();
        Test::new(Xlen::X32, a.bytes)
            .regs(&[(A0, from), (A3, to)])
            .segment(top.clone())
    };
    // Straight-line groups (one check for the group in both tiers): through a base in the
    // null-guard page into the top page, then words from the top page up across 2^32 into
    // the null guard (a fault at the third load).
    let group = |base: u64, imm: i32| {
        let a = Asm::new()
            .i(Op::Lw, T0, A0, 0, imm)
            .i(Op::Lw, T1, A0, 0, imm + 4)
            .i(Op::Add, A2, T0, T1, 0)
            .i(Op::Lw, T1, A0, 0, imm + 8)
            .i(Op::Add, A2, A2, T1, 0)
            .ebreak();
        Test::new(Xlen::X32, a.bytes)
            .regs(&[(A0, base)])
            .segment(top.clone())
    };
    let cases = [
        group(0x100, -0x200),
        group(0xffff_fff8, 0),
        group(0xffff_fff8, -0x100),
        group(0x8, -0x10),
        // Base 0x100..0x1f0 in the null-guard page, addresses 0xffffff00.. at the top.
        sum_up(0x100, 0x1f0, 4, -512),
        // Base 0xffffffe0 stepping up to 0x20: addresses wrap past 2^32 into page 0 (fault).
        sum_up(0xffff_ffe0, 0x20, 4, 0),
        // Base near 0 stepping down: the first address is in the null guard (a fault).
        sum_up(0x40, 0xffff_ffc0, -4, -0x40),
        // Every address in the top window, while the base register wraps from 0xfffffff0 to
        // 0x40: a loop's unchecked copy must not count iterations in windows that reach the
        // top (`loops::RV32_TOP`), where `base + imm` in 64 bits leaves the guest's space.
        sum_up(0xffff_fff0, 0x40, 4, -0x100),
    ];
    for t in &cases {
        let o = exact_throughout(t);
        let mut a = t.machine();
        let reference = Outcome::capture(rvjit::interp::run(&mut a, t.limit), a);
        reference.assert_same(&o, "interp vs both engines");
        for hot in [Some(1), Some(2)] {
            let (p, _) = run_tiered(t, hot, HotCompile::Lockstep);
            reference.assert_same(&p, &format!("hot {hot:?}"));
        }
    }
    // The loop through the null-guard base ran to its end and summed the top page's words.
    let o = exact_throughout(&cases[4]);
    assert!(matches!(o.stop, Stop::Breakpoint { .. }), "{:?}", o.stop);
    let expect = (0..60u64).fold(0u32, |s, k| {
        let at = (0xff00 + 4 * k) as u32;
        let w = (0..4).fold(0u32, |w, b| {
            w | u32::from(((at + b) * 13 + 1) as u8) << (8 * b)
        });
        s.wrapping_add(w)
    });
    assert_eq!(o.reg(A2), u64::from(expect));
}

/// The simple loops the tiered tests run: `words` doublewords stored inside RAM, then off its
/// end; `bytes` bytes copied inside RAM, then a copy whose source runs off its end; a search
/// that ends on data.
fn tiered_loops(xlen: Xlen, words: u64, bytes: u64) -> Vec<Test> {
    let ram_end = DATA_BASE + RAM_SIZE;
    vec![
        store_words(xlen, DATA_BASE + 0x100, DATA_BASE + 0x100 + 8 * words),
        store_words(xlen, ram_end - 64, ram_end + 64),
        copy_bytes(xlen, DATA_BASE + 0x1000, DATA_BASE + 3, bytes),
        copy_bytes(xlen, DATA_BASE + 0x1000, ram_end - 20, 100),
        search_down(xlen, DATA_BASE + 80, &[0, 0, 5, 0, 0]),
    ]
}

/// Simple loops under hot counters (every region counted, promoted after 1, 2 and 5 passes,
/// compiled in lockstep or inline): the direct tier counts the loop's entry and the checked
/// copy's iterations (not the unchecked copy's), and a promotion takes over at an iteration
/// boundary.
#[test]
fn simple_loops_agree_when_promoted() {
    use rvjit::jit::HotCompile;
    for xlen in XLENS {
        for t in &tiered_loops(xlen, 64, 150) {
            let mut a = t.machine();
            let reference = Outcome::capture(rvjit::interp::run(&mut a, t.limit), a);
            for (hot, mode) in [
                (Some(1), HotCompile::Lockstep),
                (Some(2), HotCompile::Inline),
                (Some(5), HotCompile::Lockstep),
            ] {
                let (o, _) = run_tiered(t, hot, mode);
                reference.assert_same(&o, &format!("hot {hot:?} {mode:?}"));
            }
        }
    }
}

/// The optimising tier keeps a simple loop's registers in SSA values across iterations and
/// stores them only when control leaves the loop (`lift::Promoted`): every exit inside the
/// loop (a cycle limit at any iteration, a fault at the exact iteration, a misaligned access
/// the interpreter finishes) must still leave the interpreter's full state. Regions turn hot
/// at their first checkpoint pass, so the loops run in that tier from their second iteration.
#[test]
fn simple_loops_with_promoted_registers_exit_exactly() {
    use rvjit::jit::HotCompile;
    for xlen in XLENS {
        let mut cases = tiered_loops(xlen, 32, 60);
        cases.push(store_words(xlen, DATA_BASE + 0x104, DATA_BASE + 0x180).trap_misaligned());
        cases.push(search_down(xlen, DATA_BASE + 84, &[0, 0, 5, 0, 0]));
        for t in &cases {
            let mut a = t.machine();
            let whole = Outcome::capture(rvjit::interp::run(&mut a, t.limit), a);
            let total = whole.cycle();
            let mut promoted = false;
            // Every limit up to the end, and none (the unchecked copy's bound is then the
            // windows', not the budget's).
            for limit in (0..total + 2).chain([t.limit]) {
                let t = t.clone().limit(limit);
                let mut a = t.machine();
                let reference = Outcome::capture(rvjit::interp::run(&mut a, limit), a);
                let (o, tr) = run_tiered(&t, Some(1), HotCompile::Lockstep);
                reference.assert_same(&o, &format!("optimising tier, limit {limit}"));
                promoted |= tr.stats().hot_regions > 0;
            }
            // (RV64's doublewords 4 bytes off their alignment trap at the first store.)
            assert!(
                promoted || total < 4,
                "the loop never ran in the optimising tier ({total} cycles)"
            );
        }
    }
}

/// A straight-line function of rotations written as two shifts and an `or`, `xor` or `add`
/// (`Lifter::combine`), called three times by a loop (so it turns hot and runs in the
/// optimising tier, whose regions with many rotations compile at `opt_level=speed`): every
/// amount from 1 to XLEN - 1 in a few steps, both shift orders and operand orders, the source
/// overwritten by its own shift, the shifts' registers read afterwards, funnel shifts (two
/// sources, every seventh case), and near misses (amounts adding up to more or less than
/// XLEN, whose bits then overlap, with one source and with two; a shift by 0; `sub`). Between each
/// pair of shifts and their combination the previous result is stored, so with `a2` near
/// RAM's end the third call faults there with the shifts' registers pending.
fn rotations(xlen: Xlen, a2: u64) -> Test {
    const S0: u8 = 8;
    const S2: u8 = 18;
    const S3: u8 = 19;
    const T2: u8 = 7;
    const A3: u8 = 13;
    const A4: u8 = 14;
    let bits = if xlen == Xlen::X64 { 64 } else { 32 };
    let st = if xlen == Xlen::X64 { Op::Sd } else { Op::Sw };
    // main: loop { f() } three times; ebreak. The function follows.
    let a = Asm::new().i(Op::Addi, S0, 0, 0, 3);
    let top = a.here();
    let a = a.i(Op::Jal, reg::RA, 0, 0, 16);
    let a = a.i(Op::Addi, S0, S0, 0, -1);
    let here = a.here();
    let a = a.i(Op::Bne, 0, S0, 0, top as i32 - here as i32).ebreak();
    // f: new inputs and a new output area for each call.
    let mut a =
        a.i(Op::Add, S2, S2, S3, 0)
            .i(Op::Xori, S3, S3, 0, 0x5a5)
            .i(Op::Addi, A2, A2, 0, 0x400);
    let mut off = 0;
    // (left amount, right amount, combining op, right shift first, shifted operand first)
    let mut cases = Vec::new();
    for k in [1, 3, bits / 2, bits - 5, bits - 1] {
        for (n, op) in [Op::Or, Op::Xor, Op::Add].into_iter().enumerate() {
            cases.push((k, bits - k, op, n == 1, k % 2 == 0));
            cases.push((k, bits - k, op, n != 1, k % 2 == 1));
        }
    }
    cases.extend([
        (4, bits - 3, Op::Or, false, true),
        (bits - 2, 3, Op::Or, true, false),
    ]);
    cases.extend([
        (0, bits, Op::Or, false, false),
        (5, bits - 5, Op::Sub, false, true),
        // Overlapping bits: two sources (the 35th case), then one.
        (6, bits - 9, Op::Or, false, true),
        (6, bits - 9, Op::Or, true, false),
    ]);
    for (i, &(kl, kr, op, right_first, left_operand_first)) in cases.iter().enumerate() {
        // kr = bits is no shift amount: a shift by 0 instead, a near miss too.
        let kr = kr % bits;
        // Two sources every seventh case: a funnel shift, or a near miss.
        let src2 = if i % 7 == 6 { S3 } else { S2 };
        let left = |a: Asm| a.i(Op::Slli, T0, S2, 0, kl);
        let right = |a: Asm| a.i(Op::Srli, T1, src2, 0, kr);
        a = if right_first {
            left(right(a))
        } else {
            right(left(a))
        };
        a = a.i(st, 0, A2, A3, off);
        off += 8;
        a = if left_operand_first {
            a.i(op, A3, T0, T1, 0)
        } else {
            a.i(op, A3, T1, T0, 0)
        };
        if i % 5 == 4 {
            // The shifts' values read after their combination.
            a = a.i(Op::Sub, A4, T0, T1, 0).i(st, 0, A2, A4, off);
            off += 8;
        }
    }
    // The source overwritten by its own shift: t2 = rotl(s2, 9) through t2.
    a = a
        .i(Op::Addi, T2, S2, 0, 0)
        .i(Op::Srli, T1, T2, 0, bits - 9)
        .i(Op::Slli, T2, T2, 0, 9)
        .i(st, 0, A2, A3, off)
        .i(Op::Or, T2, T2, T1, 0)
        .i(st, 0, A2, T2, off + 8);
    let a = a.i(Op::Jalr, 0, reg::RA, 0, 0);
    Test::new(xlen, a.bytes).regs(&[
        (S2, 0x8123_4567_89ab_cdef),
        (S3, 0x0fed_cba9_7654_3211),
        (A2, a2),
    ])
}

#[test]
fn rotations_agree_with_the_interpreter() {
    use rvjit::jit::HotCompile;
    let ram_end = DATA_BASE + RAM_SIZE;
    let mut faults = 0;
    for xlen in XLENS {
        // Inside RAM throughout, and the third call's stores running off its end.
        for a2 in [DATA_BASE, ram_end - 3 * 0x400 - 160] {
            let t = rotations(xlen, a2);
            let mut a = t.machine();
            let whole = Outcome::capture(rvjit::interp::run(&mut a, t.limit), a);
            faults += u32::from(matches!(whole.stop, Stop::Fault(_)));
            let total = whole.cycle();
            let mut promoted = false;
            for limit in (0..total + 2).step_by(3).chain([t.limit]) {
                let t = t.clone().limit(limit);
                let mut a = t.machine();
                let reference = Outcome::capture(rvjit::interp::run(&mut a, limit), a);
                for (hot, mode) in [
                    (None, HotCompile::Lockstep),
                    (Some(1), HotCompile::Lockstep),
                ] {
                    let (o, tr) = run_tiered(&t, hot, mode);
                    reference.assert_same(&o, &format!("{xlen:?} hot {hot:?}, limit {limit}"));
                    promoted |= tr.stats().hot_regions > 0;
                }
            }
            assert!(promoted, "the function never ran in the optimising tier");
        }
    }
    assert_eq!(faults, 2, "the third call faults on both XLENs");
}
