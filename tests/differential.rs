//! Differential testing of the translator against the reference interpreter on random
//! instruction sequences (RV32 and RV64): random valid encodings of every table row and of
//! compressed forms, in-sequence forward/backward branches and jumps, indirect jumps to
//! computed in-sequence targets, loads/stores into the data region and out of range, service
//! calls with good and bad pointers and unknown numbers, illegal encodings, and cycle limits
//! that fall anywhere (also mid-block, with the run resumed on the other engine).
//!
//! Cases: 64 per property by default; set `RVJIT_PROPTEST_CASES` for more.

mod common;

use common::*;
use proptest::prelude::*;
use rvjit::isa::encode::encode;
use rvjit::isa::{self, Format, Op, Xlen, TABLE};
use rvjit::machine::Machine;
use rvjit::memory::{MemoryConfig, MisalignedPolicy, SegmentImage, PERM_R};
use rvjit::outcome::Stop;
use rvjit::witness::{
    record_run_with, replay_chunk, ChunkRecord, Expected, MemorySink, RecordEngine,
};

/// Registers that hold pointers into the data region and are never overwritten.
const SP: u8 = 2;
const S0: u8 = 8;
const S1: u8 = 9;
const POINTERS: [u8; 3] = [SP, S0, S1];
/// Scratch register for computed jump targets (never a random destination).
const TMP: u8 = 31;
/// Where the pointers point: the middle of a 4 KiB window at the start of the data segment.
const PTR_BASE: u64 = DATA_BASE + 0x800;
/// `S1` points into a mixed page instead: the data segment's page at `MIXED_PAGE`, whose last
/// 0x100 bytes a read-only segment covers (loads anywhere on it, stores only below that), so
/// both tiers' cold paths and the optimising tier's second-level check see random accesses.
const MIXED_PAGE: u64 = DATA_BASE + 0x3000;
const S1_BASE: u64 = MIXED_PAGE + 0xf00;

fn reserved(r: u8) -> bool {
    POINTERS.contains(&r) || r == TMP
}

/// One generated piece of the program, before branch targets are resolved.
#[derive(Clone, Debug)]
enum Slot {
    /// A 32-bit word, already final.
    Word(u32),
    /// A 16-bit compressed parcel.
    Half(u16),
    /// Three 32-bit words, already final.
    Words([u32; 3]),
    /// A conditional branch / jal to slot `target`.
    Branch {
        op: Op,
        rd: u8,
        rs1: u8,
        rs2: u8,
        target: usize,
    },
    /// `auipc tmp, 0; jalr rd, off(tmp)` to slot `target`.
    Indirect { rd: u8, target: usize },
    /// A service call sequence: a0..a2 and a7 set up, then `ecall`.
    Ecall {
        number: u32,
        a0: u32,
        ptr_ok: bool,
        len: u16,
    },
}

impl Slot {
    fn size(&self) -> u64 {
        match self {
            Slot::Word(_) | Slot::Branch { .. } => 4,
            Slot::Half(_) => 2,
            Slot::Indirect { .. } => 8,
            Slot::Words(_) => 12,
            Slot::Ecall { .. } => 28,
        }
    }
}

/// Replace the rd field of a 32-bit encoding.
fn with_rd(w: u32, rd: u8) -> u32 {
    (w & !(31 << 7)) | (u32::from(rd) << 7)
}

fn with_rs1(w: u32, rs1: u8) -> u32 {
    (w & !(31 << 15)) | (u32::from(rs1) << 15)
}

/// A random valid (or occasionally illegal) 32-bit encoding of a non-control table row.
fn random_word(xlen: Xlen, sel: u32, r: u32, r2: u32) -> Slot {
    let row = &TABLE[sel as usize % TABLE.len()];
    let mut w = (r & !row.mask) | row.bits;
    match row.op {
        Op::Jal | Op::Beq | Op::Bne | Op::Blt | Op::Bge | Op::Bltu | Op::Bgeu => {
            let rd = if row.op == Op::Jal {
                (r >> 7) as u8 & 31
            } else {
                0
            };
            let rd = if reserved(rd) { 1 } else { rd };
            return Slot::Branch {
                op: row.op,
                rd,
                rs1: (r >> 15) as u8 & 31,
                rs2: (r >> 20) as u8 & 31,
                target: r2 as usize,
            };
        }
        Op::Jalr => {
            let rd = (r >> 7) as u8 & 31;
            return Slot::Indirect {
                rd: if reserved(rd) { 0 } else { rd },
                target: r2 as usize,
            };
        }
        // Only legal counter reads; the decoder rejects the rest (kept for a few cases).
        Op::Csrrs | Op::Csrrc | Op::Csrrsi | Op::Csrrci if !r2.is_multiple_of(8) => {
            let csrs = [0xc00u32, 0xc01, 0xc02, 0xc80, 0xc81, 0xc82];
            w = with_rs1(w, 0) & 0x000f_ffff | csrs[(r2 as usize / 8) % csrs.len()] << 20;
        }
        _ => {}
    }
    // Memory accesses mostly through a pointer register (some through random registers).
    let memory = matches!(
        row.format,
        Format::Load | Format::S | Format::Amo | Format::Lr
    ) || matches!(
        row.op,
        Op::HintStorew | Op::HintBuffer | Op::Reveal | Op::PrintStr | Op::Keccakf
    );
    if memory && !r2.is_multiple_of(8) {
        let base = POINTERS[(r2 as usize / 8) % 3];
        w = with_rs1(w, base);
        if base == S1 {
            // Offsets of -16..16 from S1 (at the read-only run's start): stores straddle it.
            let imm = (r2 >> 8) % 32;
            let imm = imm.wrapping_sub(16) & 0xfff;
            match row.format {
                Format::Load => w = (w & 0x000f_ffff) | imm << 20,
                Format::S => w = (w & 0x01ff_f07f) | (imm >> 5) << 25 | (imm & 31) << 7,
                _ => {}
            }
        }
        if matches!(row.format, Format::Amo | Format::Lr) && !r2.is_multiple_of(5) {
            // mostly aligned atomics: pointers are aligned; keep them so
        }
    }
    // A quarter of the register-immediate operations use an edge immediate (0: `mv`-like
    // forms a translator may shortcut, 1, -1).
    if row.format == Format::I && r2 % 4 == 2 {
        let imm = [0u32, 1, 0xfff][(r2 as usize >> 8) % 3];
        w = (w & 0x000f_ffff) | imm << 20;
    }
    // Half the register-register operations draw rd, rs1 and rs2 from three registers (a0
    // and a1, which the direct baseline keeps in host registers, and t0, kept in the Cpu), so
    // operands alias each other often.
    if row.format == Format::R && r2 % 2 == 1 {
        let few = [10u32, 11, 5];
        let pick = |k: u32| few[((r2 >> k) & 3) as usize % 3];
        w = (w & !(31 << 7 | 31 << 15 | 31 << 20)) | pick(8) << 7 | pick(10) << 15 | pick(12) << 20;
    }
    let ins = isa::decode32(w, xlen);
    if ins.op != Op::Illegal && reserved(ins.rd) {
        w = with_rd(w, ins.rd ^ 16);
    }
    Slot::Word(w)
}

/// A random compressed parcel that is not control flow and does not write a reserved register
/// (mostly; illegal parcels are kept).
fn random_half(xlen: Xlen, r: u32) -> Slot {
    for k in 0..16u32 {
        let h = (r.rotate_left(k * 5) ^ k.wrapping_mul(0x9e37)) as u16;
        if h & 3 == 3 {
            continue;
        }
        let ins = isa::compressed::decode(h, xlen);
        let control = matches!(ins.op, Op::Jal | Op::Jalr | Op::Beq | Op::Bne | Op::Ebreak);
        if control || (ins.op != Op::Illegal && ins.rd != 0 && reserved(ins.rd)) {
            continue;
        }
        if ins.op == Op::Illegal && k < 8 {
            continue;
        }
        return Slot::Half(h);
    }
    Slot::Half(0x0001) // c.nop
}

fn random_ecall(a: u32, b: u32) -> Slot {
    let numbers = [
        64u32,
        63,
        278,
        93,
        0x0800_0000,
        0x0800_0001,
        999,
        0x0800_0010,
    ];
    let number = numbers[a as usize % numbers.len()];
    // write goes to stdout/stderr/public output, or a bad fd
    let a0 = match number {
        64 => [1, 2, 3, 7][(b % 4) as usize],
        93 => b % 256,
        _ => 0,
    };
    Slot::Ecall {
        number,
        a0,
        ptr_ok: !b.is_multiple_of(5),
        len: ((b >> 8) % 40) as u16,
    }
}

fn slot(xlen: Xlen, kind: u8, r: u32, r2: u32) -> Slot {
    match kind % 32 {
        0..=19 => random_word(xlen, r2 >> 8, r, r2),
        20..=24 => random_half(xlen, r),
        25..=27 => {
            let ops = [
                Op::Beq,
                Op::Bne,
                Op::Blt,
                Op::Bge,
                Op::Bltu,
                Op::Bgeu,
                Op::Jal,
            ];
            let op = ops[r as usize % ops.len()];
            let rd = if op == Op::Jal && r.is_multiple_of(3) {
                1
            } else {
                0
            };
            Slot::Branch {
                op,
                rd,
                rs1: (r >> 8) as u8 % 16,
                rs2: (r >> 16) as u8 % 16,
                target: r2 as usize,
            }
        }
        28 => Slot::Indirect {
            rd: if r.is_multiple_of(2) { 1 } else { 0 },
            target: r2 as usize,
        },
        29 => random_ecall(r, r2),
        30 => Slot::Word(r), // any bits at all: mostly illegal or odd instructions
        31 if r2 % 2 == 1 => rotation(xlen, r, r2),
        _ => Slot::Word(encode(
            Op::Addi,
            (r % 8) as u8 + 10,
            (r2 % 8) as u8 + 10,
            0,
            (r2 >> 20) as i32 % 2048,
        )),
    }
}

/// `slli t, x, k; srli u, x, XLEN - k; or|xor|add d, t, u`, a rotation without Zbb (the
/// translator turns the combination into one), in either shift order and operand order;
/// one in four a near miss (the right amount one more), one in four a funnel shift (`srli`
/// of another register); registers from a small set, so the shifts may overwrite their
/// sources or each other.
fn rotation(xlen: Xlen, r: u32, r2: u32) -> Slot {
    let bits = if xlen == Xlen::X64 { 64 } else { 32 };
    let regs = [10u8, 11, 5, 12, 13];
    let pick = |k: u32| regs[((r >> k) % 5) as usize];
    let (x, t, u, d) = (pick(0), pick(4), pick(8), pick(12));
    let k = 1 + (r2 >> 1) % (bits - 1);
    let miss = u32::from((r2 >> 8).is_multiple_of(4));
    let kr = (bits - k + miss) % bits;
    let left = encode(Op::Slli, t, x, 0, k as i32);
    let y = if (r2 >> 14).is_multiple_of(4) {
        pick(16)
    } else {
        x
    };
    let right = encode(Op::Srli, u, y, 0, kr as i32);
    let op = [Op::Or, Op::Xor, Op::Add][((r2 >> 10) % 3) as usize];
    let (a, b) = if (r2 >> 12).is_multiple_of(2) {
        (t, u)
    } else {
        (u, t)
    };
    let combine = encode(op, d, a, b, 0);
    if (r2 >> 13).is_multiple_of(2) {
        Slot::Words([left, right, combine])
    } else {
        Slot::Words([right, left, combine])
    }
}

/// Lay out the slots, resolve targets, append `ebreak`.
fn assemble(slots: &[Slot]) -> Vec<u8> {
    let mut pcs = Vec::with_capacity(slots.len() + 1);
    let mut pc = CODE_BASE;
    for s in slots {
        pcs.push(pc);
        pc += s.size();
    }
    pcs.push(pc); // the final ebreak
    let mut a = Asm::new();
    for (i, s) in slots.iter().enumerate() {
        let here = pcs[i];
        let off = |t: usize| pcs[t % pcs.len()] as i64 - here as i64;
        a = match *s {
            Slot::Word(w) => a.w(w),
            Slot::Half(h) => a.c(h),
            Slot::Words(ws) => ws.iter().fold(a, |a, &w| a.w(w)),
            Slot::Branch {
                op,
                rd,
                rs1,
                rs2,
                target,
            } => {
                let o = off(target) as i32;
                if op == Op::Jal {
                    a.i(Op::Jal, rd, 0, 0, o)
                } else {
                    a.i(op, 0, rs1, rs2, o)
                }
            }
            Slot::Indirect { rd, target } => {
                let o = off(target) as i32;
                a.i(Op::Auipc, TMP, 0, 0, 0).i(Op::Jalr, rd, TMP, 0, o)
            }
            Slot::Ecall {
                number,
                a0,
                ptr_ok,
                len,
            } => {
                let ptr_src = if ptr_ok { S0 } else { 0 };
                let a = a.i(Op::Addi, 10, 0, 0, a0 as i32 & 0x3ff);
                // write/read take the buffer in a1 (getrandom/keccakf in a0, set below)
                let a = a.i(Op::Addi, 11, ptr_src, 0, 16);
                let a = a.i(Op::Addi, 12, 0, 0, i32::from(len));
                let a = if number >= 0x800 {
                    a.i(Op::Lui, 17, 0, 0, (number & 0xffff_f000) as i32).i(
                        Op::Addi,
                        17,
                        17,
                        0,
                        (number & 0xfff) as i32,
                    )
                } else {
                    a.i(Op::Addi, 17, 0, 0, number as i32)
                        .i(Op::Addi, 0, 0, 0, 0)
                };
                // For getrandom/keccakf the pointer goes in a0.
                let a = if number == 278 || number == 0x0800_0010 {
                    a.i(Op::Addi, 10, ptr_src, 0, 16)
                } else {
                    a.i(Op::Addi, 0, 0, 0, 0)
                };
                a.w(0x0000_0073)
            }
        };
    }
    a.ebreak().bytes
}

#[derive(Clone, Debug)]
struct Case {
    xlen: Xlen,
    code: Vec<u8>,
    regs: Vec<(u8, u64)>,
    data: Vec<u8>,
    limit: u64,
    split: u64,
    trap: bool,
}

fn case(xlen: Xlen) -> impl Strategy<Value = Case> {
    (
        prop::collection::vec((any::<u8>(), any::<u32>(), any::<u32>()), 1..40),
        prop::collection::vec(any::<u64>(), 32),
        prop::collection::vec(any::<u8>(), 64),
        0u64..600,
        any::<u64>(),
        any::<u8>(),
    )
        .prop_map(move |(raw, regvals, data, limit, split, flags)| {
            let slots: Vec<Slot> = raw.iter().map(|&(k, r, r2)| slot(xlen, k, r, r2)).collect();
            let code = assemble(&slots);
            let mut regs: Vec<(u8, u64)> = (1..32u8)
                .map(|r| {
                    let v = regvals[r as usize];
                    // Mix small values in: they make branches and shifts interesting.
                    let v = if v % 3 == 0 { v % 64 } else { v };
                    (r, xlen.trunc(v))
                })
                .collect();
            regs.push((SP, PTR_BASE));
            regs.push((S0, PTR_BASE + 0x100));
            regs.push((S1, S1_BASE));
            // Mostly unlimited (ends at ebreak or a stop); sometimes a limit anywhere.
            let limit = if flags % 4 == 0 { limit } else { 5_000 };
            Case {
                xlen,
                code,
                regs,
                data,
                limit,
                split: split % (limit + 1),
                trap: flags % 8 == 1,
            }
        })
}

impl Case {
    fn test(&self) -> Test {
        let mut t = Test::new(self.xlen, self.code.clone())
            .regs(&self.regs)
            .data(PTR_BASE - 32, &self.data)
            .data(S1_BASE - 64, &self.data)
            .segment(SegmentImage {
                vaddr: MIXED_PAGE + 0xf00,
                memsz: 0x100,
                data: self.data.iter().rev().copied().collect(),
                perm: PERM_R,
            });
        if self.trap {
            t = t.memory(MemoryConfig {
                ram_size: RAM_SIZE,
                misaligned: MisalignedPolicy::Trap,
            });
        }
        t.limit(self.limit)
    }
}

fn jit(m: &mut Machine, limit: u64) -> Stop {
    rvjit::jit::run(m, limit).expect("jit")
}

/// Everything observable must agree: stop, Cpu, data segment, host outputs, misaligned count.
fn assert_same(a: &Outcome, b: &Outcome, what: &str) -> Result<(), TestCaseError> {
    prop_assert_eq!(&a.stop, &b.stop, "{}: stop", what);
    prop_assert_eq!(&a.machine.cpu, &b.machine.cpu, "{}: cpu", what);
    prop_assert!(a.data() == b.data(), "{}: data segment", what);
    prop_assert_eq!(
        a.machine.host.stdout(),
        b.machine.host.stdout(),
        "{}: stdout",
        what
    );
    prop_assert_eq!(
        a.machine.host.stderr(),
        b.machine.host.stderr(),
        "{}: stderr",
        what
    );
    prop_assert_eq!(
        a.machine.host.public_output(),
        b.machine.host.public_output(),
        "{}: output",
        what
    );
    prop_assert_eq!(
        a.machine.mem.misaligned_count,
        b.machine.mem.misaligned_count,
        "{}: misaligned",
        what
    );
    Ok(())
}

fn check(c: &Case) -> Result<(), TestCaseError> {
    let t = c.test();
    let mut a = t.machine();
    let sa = rvjit::interp::run(&mut a, c.limit);
    let reference = Outcome::capture(sa, a);
    let mut b = t.machine();
    let sb = jit(&mut b, c.limit);
    assert_same(&reference, &Outcome::capture(sb, b), "jit")?;
    // The Cranelift baseline (`--jit-baseline cranelift`, also with `--jit-opt speed`; the
    // default baseline is the direct emitter), and the optimising tier: regions turn hot at
    // their first or second checkpoint pass, so runs switch tiers at entries and loop heads
    // mid-run (compiled in the background and installed at the dispatcher's next visit,
    // inline, or whenever the background thread is done); without tiers at all.
    use rvjit::jit::{Baseline, HotCompile, OptLevel};
    let hot_default = Some(rvjit::jit::DEFAULT_HOT_THRESHOLD);
    for (hot, mode, baseline, opt, lazy) in [
        (
            hot_default,
            HotCompile::Background,
            Baseline::Cranelift,
            OptLevel::None,
            false,
        ),
        (
            hot_default,
            HotCompile::Background,
            Baseline::Cranelift,
            OptLevel::Speed,
            false,
        ),
        (
            Some(1),
            HotCompile::Lockstep,
            Baseline::Direct,
            OptLevel::None,
            false,
        ),
        (
            Some(1),
            HotCompile::Lockstep,
            Baseline::Cranelift,
            OptLevel::None,
            false,
        ),
        (
            Some(2),
            HotCompile::Inline,
            Baseline::Direct,
            OptLevel::None,
            false,
        ),
        (
            Some(2),
            HotCompile::Inline,
            Baseline::Cranelift,
            OptLevel::None,
            false,
        ),
        (
            Some(1),
            HotCompile::Background,
            Baseline::Direct,
            OptLevel::None,
            false,
        ),
        (
            None,
            HotCompile::Background,
            Baseline::Direct,
            OptLevel::None,
            false,
        ),
        // Everything but the entry's region translated on demand (direct regions too).
        (
            None,
            HotCompile::Background,
            Baseline::Direct,
            OptLevel::None,
            true,
        ),
    ] {
        let mut b = t.machine();
        let options = rvjit::jit::Options {
            hot_threshold: hot,
            // Every region may turn hot, so tiers switch in these short blocks too.
            hot_min_block: 0,
            hot_compile: mode,
            baseline,
            opt,
            lazy,
            ..Default::default()
        };
        let mut tr = rvjit::jit::Translator::for_machine(&b, &options).expect("translate");
        let sb = tr.run(&mut b, c.limit).expect("jit");
        assert_same(
            &reference,
            &Outcome::capture(sb, b),
            &format!("jit (hot threshold {hot:?}, {mode:?}, {baseline:?} baseline, {opt:?}, lazy {lazy})"),
        )?;
        // Threshold 1: the first checkpoint pass of any region promotes it, and a second
        // pass installs the code (lockstep; in the background the run may end first).
        prop_assert!(
            mode != HotCompile::Lockstep
                || tr.checkpoint_passes() <= 1
                || tr.stats().hot_regions > 0,
            "no promotion"
        );
    }
    // Stop at `split` on one engine, resume on the other (both directions).
    let mut m = t.machine();
    let s = jit(&mut m, c.split);
    let s2 = if s == Stop::CycleLimit {
        rvjit::interp::run(&mut m, c.limit)
    } else {
        s
    };
    assert_same(&reference, &Outcome::capture(s2, m), "jit->interp")?;
    let mut m = t.machine();
    let s = rvjit::interp::run(&mut m, c.split);
    let s2 = if s == Stop::CycleLimit {
        jit(&mut m, c.limit)
    } else {
        s
    };
    assert_same(&reference, &Outcome::capture(s2, m), "interp->jit")?;
    // Witness recording (docs/WITNESS.md) at two chunk sizes: the recording translation ends
    // like the plain run and writes the interpreter's records byte for byte, and they replay.
    let options = rvjit::jit::Options {
        record: true,
        ..Default::default()
    };
    let mut tr =
        rvjit::jit::Translator::for_machine(&t.machine(), &options).expect("translate (record)");
    let program = std::sync::Arc::clone(tr.program());
    for n in [3, 64] {
        let record = |engine: RecordEngine<'_>| {
            let mut m = t.machine();
            // The translator's own program handle (the same code and segments).
            m.program = std::sync::Arc::clone(&program);
            let mut sink = MemorySink::default();
            let run =
                record_run_with(&mut m, [0; 32], n, c.limit, &mut sink, engine).expect("record");
            (run, m, sink.chunks)
        };
        let (irun, _, ichunks) = record(RecordEngine::Interpreter);
        let (jrun, jm, jchunks) = record(RecordEngine::Translator(&mut tr));
        assert_same(
            &reference,
            &Outcome::capture(jrun.stop.clone(), jm),
            &format!("jit recording N={n}"),
        )?;
        prop_assert!(
            jrun.manifest.encode() == irun.manifest.encode(),
            "N={}: manifests differ",
            n
        );
        prop_assert!(
            jchunks == ichunks,
            "N={}: records differ between engines",
            n
        );
        let records: Vec<ChunkRecord> = ichunks
            .iter()
            .map(|b| ChunkRecord::decode(b).expect("decode"))
            .collect();
        for (k, r) in records.iter().enumerate() {
            let expected = match records.get(k + 1) {
                Some(next) => Expected::Next(&next.start),
                None => Expected::Final(&irun.manifest),
            };
            let replayed = replay_chunk(&program, &[0; 32], r, expected, None);
            prop_assert!(
                replayed.is_ok(),
                "N={}: chunk {} replay: {:?}",
                n,
                k,
                replayed.err()
            );
        }
    }
    Ok(())
}

fn config() -> ProptestConfig {
    let cases = std::env::var("RVJIT_PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(64);
    ProptestConfig {
        cases,
        ..ProptestConfig::default()
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn rv32_random_sequences(c in case(Xlen::X32)) {
        check(&c)?;
    }

    #[test]
    fn rv64_random_sequences(c in case(Xlen::X64)) {
        check(&c)?;
    }
}

/// The generator reaches every class it claims to (guards against a silently narrow fuzzer).
#[test]
fn generator_covers_every_row() {
    for xlen in XLENS {
        let mut seen = std::collections::HashSet::new();
        for sel in 0..TABLE.len() as u32 * 4 {
            for r in [0u32, 0x1234_5678, 0xdead_beef, 0x0f0f_0f0f] {
                if let Slot::Word(w) = random_word(xlen, sel, r, 9) {
                    seen.insert(isa::decode32(w, xlen).op);
                }
            }
        }
        for row in TABLE {
            let control = matches!(
                row.op,
                Op::Jal | Op::Jalr | Op::Beq | Op::Bne | Op::Blt | Op::Bge | Op::Bltu | Op::Bgeu
            );
            let rv64 = row.width == isa::Width::Rv64Only;
            if !control && !(rv64 && xlen == Xlen::X32) {
                assert!(
                    seen.contains(&row.op),
                    "{:?}: {} never generated",
                    xlen,
                    row.mnemonic
                );
            }
        }
    }
}

/// The generator makes the rotation idiom, as rotations and as near misses, of one source
/// and of two (funnel shifts).
#[test]
fn generator_makes_rotations() {
    for xlen in XLENS {
        let bits = if xlen == Xlen::X64 { 64 } else { 32 };
        let (mut hits, mut misses, mut funnels) = (0, 0, 0);
        for i in 0..256u32 {
            // Odd selectors (the rotation's half of kind 31), their bits spread.
            let r2 = i.wrapping_mul(0x9e37_79b9) | 1;
            let Slot::Words(ws) = slot(xlen, 31, 0x1234_5678, r2) else {
                panic!("kind 31 with an odd r2 is a rotation");
            };
            let ins: Vec<_> = ws[..2].iter().map(|&w| isa::decode32(w, xlen)).collect();
            funnels += u32::from(ins[0].rs1 != ins[1].rs1);
            let amounts: Vec<u64> = ins.iter().map(|i| i.imm as u64 & (bits - 1)).collect();
            if amounts[0] + amounts[1] == bits {
                hits += 1;
            } else {
                misses += 1;
            }
        }
        assert!(
            hits > 100 && misses > 20,
            "{xlen:?}: {hits} rotations, {misses} misses"
        );
        assert!(
            (20..128).contains(&funnels),
            "{xlen:?}: {funnels} funnel shifts of 256"
        );
    }
}
