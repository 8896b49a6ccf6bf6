//! ELF loader: the happy path, and every way a hostile or broken file is rejected with a typed
//! error and never a panic.

#[path = "support/elf.rs"]
mod elf_builder;

use elf_builder::{
    code_seg, func, Built, Field, PhField, Seg, Spec, Sym, PF_R, PF_W, PF_X, STT_OBJECT,
};
use rvjit::elf::{load, ElfError, MAX_CODE_BYTES};
use rvjit::isa::Xlen;
use rvjit::memory::{ADDRESS_LIMIT_64, NULL_GUARD, PERM_R, PERM_W, PERM_X};

const CODE: u64 = 0x20_0000;
const RODATA: u64 = 0x20_1000;
const DATA: u64 = 0x20_2000;
/// li a0, 7; li a7, 93; ecall
const EXIT7: [u32; 3] = [0x0070_0513, 0x05d0_0893, 0x0000_0073];

fn spec(class64: bool) -> Spec {
    let mut s = Spec::new(
        class64,
        CODE + 4,
        vec![
            Seg {
                vaddr: DATA,
                memsz: 0x100,
                data: vec![1, 2, 3, 4, 5, 6, 7, 8],
                flags: PF_R | PF_W,
            },
            Seg {
                vaddr: RODATA,
                memsz: 4,
                data: b"abcd".to_vec(),
                flags: PF_R,
            },
            code_seg(CODE, &[0x0000_0013, EXIT7[0], EXIT7[1], EXIT7[2]]),
        ],
    );
    s.syms = vec![
        func("main", CODE + 4, 12),
        func("_start", CODE, 4),
        func("_start", CODE, 4), // duplicate
        func("alias", CODE, 4),
        func("in_data", DATA, 4), // not in code: dropped
        Sym {
            name: "object".into(),
            addr: CODE,
            size: 4,
            kind: STT_OBJECT,
        }, // not a function
        func("", CODE + 8, 4),    // nameless: dropped
    ];
    s
}

fn valid(class64: bool) -> Built {
    spec(class64).build()
}

fn err(bytes: &[u8]) -> ElfError {
    match load(bytes) {
        Ok(_) => panic!("expected an error"),
        Err(e) => e,
    }
}

#[test]
fn happy_path_both_classes() {
    for class64 in [false, true] {
        let p = load(&valid(class64).bytes).expect("valid ELF loads");
        assert_eq!(p.xlen, if class64 { Xlen::X64 } else { Xlen::X32 });
        assert_eq!(p.entry, CODE + 4);
        let got: Vec<_> = p
            .segments
            .iter()
            .map(|s| (s.vaddr, s.memsz, s.perm))
            .collect();
        assert_eq!(
            got,
            vec![
                (CODE, 16, PERM_R | PERM_X),
                (RODATA, 4, PERM_R),
                (DATA, 0x100, PERM_R | PERM_W)
            ],
            "sorted by address, perms from p_flags"
        );
        assert_eq!(p.segments[1].data, b"abcd");
        assert_eq!(p.segments[2].data, [1, 2, 3, 4, 5, 6, 7, 8]);
        assert_eq!(p.segments[0].data.len(), 16);
        let syms: Vec<_> = p
            .functions
            .iter()
            .map(|s| (s.name.as_str(), s.addr, s.size))
            .collect();
        assert_eq!(
            syms,
            vec![
                ("_start", CODE, 4),
                ("alias", CODE, 4),
                ("main", CODE + 4, 12)
            ]
        );
        // The code was decoded: the entry holds `addi a0, zero, 7`.
        let ins = p.code.fetch(CODE + 4).expect("entry decoded");
        assert_eq!(ins.raw, EXIT7[0]);
    }
}

#[test]
fn execute_only_segment_is_readable_too() {
    let mut s = spec(true);
    s.segs[2].flags = PF_X;
    let p = load(&s.build().bytes).unwrap();
    assert_eq!(p.segments[0].perm, PERM_R | PERM_X);
}

#[test]
fn rwx_segment_is_read_only_code_and_empty_segments_are_dropped() {
    let mut s = spec(false);
    s.segs[2].flags = PF_R | PF_W | PF_X;
    s.segs.push(Seg {
        vaddr: 0x30_0000,
        memsz: 0,
        data: vec![],
        flags: PF_R,
    });
    let p = load(&s.build().bytes).unwrap();
    assert_eq!(p.segments.len(), 3);
    // Code is immutable after load: PF_W on an executable segment is dropped.
    assert_eq!(p.segments[0].perm, PERM_R | PERM_X);
}

#[test]
fn rvc_flag_accepted_float_abi_rejected() {
    for class64 in [false, true] {
        let b = valid(class64);
        assert!(load(&b.with(b.field(Field::Flags), 0x0)).is_ok());
        assert!(load(&b.with(b.field(Field::Flags), 0x1)).is_ok());
        assert!(
            load(&b.with(b.field(Field::Flags), 0x8)).is_ok(),
            "RVE is a subset of I"
        );
        for flags in [0x2, 0x3, 0x4, 0x5, 0x6, 0x7] {
            assert_eq!(
                err(&b.with(b.field(Field::Flags), flags)),
                ElfError::FloatAbi {
                    flags: flags as u32
                }
            );
        }
    }
    let msg = ElfError::FloatAbi { flags: 5 }.to_string();
    assert!(
        msg.contains("uses the F/D floating-point ABI; rvjit supports IMAC only"),
        "{msg}"
    );
}

#[test]
fn not_elf_and_too_short() {
    assert_eq!(err(b""), ElfError::TooShort { len: 0 });
    assert_eq!(err(b"\x7fEL"), ElfError::TooShort { len: 3 });
    assert_eq!(err(b"\x7fELF\x02\x01"), ElfError::TooShort { len: 6 });
    assert_eq!(err(b"#!/bin/sh\necho hello world\n"), ElfError::NotElf);
    assert_eq!(err(b"MZ\x90\x00"), ElfError::NotElf);
    let mut b = valid(true).bytes;
    b[0] = 0x7e;
    assert_eq!(err(&b), ElfError::NotElf);
    // Identification complete but the rest of the header missing.
    assert_eq!(
        err(&valid(true).bytes[..40]),
        ElfError::TooShort { len: 40 }
    );
    assert_eq!(
        err(&valid(false).bytes[..51]),
        ElfError::TooShort { len: 51 }
    );
}

#[test]
fn class_and_endianness() {
    for class in [0u8, 3, 0xff] {
        let mut b = valid(true).bytes;
        b[4] = class;
        assert_eq!(err(&b), ElfError::BadClass { class });
    }
    let mut b = valid(false).bytes;
    b[5] = 2;
    assert_eq!(err(&b), ElfError::BigEndian);
    b[5] = 0;
    assert_eq!(err(&b), ElfError::BadEncoding { data: 0 });
}

#[test]
fn wrong_machine_says_which() {
    let b = valid(true);
    let e = err(&b.with(b.field(Field::Machine), 62));
    assert_eq!(
        e,
        ElfError::WrongMachine {
            machine: 62,
            name: "X86_64"
        }
    );
    assert!(e.to_string().contains("X86_64"), "{e}");
    let e = err(&b.with(b.field(Field::Machine), 0xb7));
    assert!(matches!(e, ElfError::WrongMachine { machine: 0xb7, .. }));
}

#[test]
fn not_executable() {
    for class64 in [false, true] {
        let b = valid(class64);
        assert_eq!(
            err(&b.with(b.field(Field::Type), 3)),
            ElfError::NotExecutable {
                e_type: 3,
                name: "DYN"
            }
        );
        assert_eq!(
            err(&b.with(b.field(Field::Type), 1)),
            ElfError::NotExecutable {
                e_type: 1,
                name: "REL"
            }
        );
        assert!(matches!(
            err(&b.with(b.field(Field::Type), 0)),
            ElfError::NotExecutable { e_type: 0, .. }
        ));
    }
}

#[test]
fn program_header_table() {
    for class64 in [false, true] {
        let b = valid(class64);
        let len = b.bytes.len();
        assert!(matches!(
            err(&b.with(b.field(Field::Phoff), len as u64)),
            ElfError::ProgramHeadersOutOfFile { .. }
        ));
        assert!(matches!(
            err(&b.with(b.field(Field::Phoff), len as u64 - 8)),
            ElfError::ProgramHeadersOutOfFile { .. }
        ));
        let huge = if class64 {
            u64::MAX - 4
        } else {
            u32::MAX as u64
        };
        assert!(matches!(
            err(&b.with(b.field(Field::Phoff), huge)),
            ElfError::ProgramHeadersOutOfFile { .. }
        ));
        // More entries than the file holds.
        assert!(matches!(
            err(&b.with(b.field(Field::Phnum), 1000)),
            ElfError::ProgramHeadersOutOfFile { count: 1000, .. }
        ));
        assert_eq!(
            err(&b.with(b.field(Field::Phnum), 5000)),
            ElfError::TooManyProgramHeaders { count: 5000 }
        );
        assert_eq!(
            err(&b.with(b.field(Field::Phnum), 0xffff)),
            ElfError::TooManyProgramHeaders { count: 0xffff }
        );
        assert_eq!(
            err(&b.with(b.field(Field::Phnum), 0)),
            ElfError::NoLoadSegment
        );
        let expected = if class64 { 56 } else { 32 };
        assert_eq!(
            err(&b.with(b.field(Field::Phentsize), 40)),
            ElfError::BadProgramHeaderSize { size: 40, expected }
        );
    }
}

#[test]
fn no_load_segment() {
    for class64 in [false, true] {
        let mut b = valid(class64);
        for i in 0..3 {
            b.set(b.ph_field(i, PhField::Type), 4); // PT_NOTE
        }
        assert_eq!(err(&b.bytes), ElfError::NoLoadSegment);
    }
}

#[test]
fn segment_file_range_past_eof() {
    for class64 in [false, true] {
        let b = valid(class64);
        let len = b.bytes.len();
        let e = err(&b.with(b.ph_field(0, PhField::Offset), len as u64 - 4));
        assert_eq!(
            e,
            ElfError::SegmentPastEof {
                index: 0,
                offset: len as u64 - 4,
                filesz: 8,
                len
            }
        );
        let max = if class64 { u64::MAX } else { u32::MAX as u64 };
        assert!(matches!(
            err(&b.with(b.ph_field(0, PhField::Offset), max)),
            ElfError::SegmentPastEof { index: 0, .. }
        ));
        // filesz past the end (memsz raised so filesz <= memsz stays true).
        let mut b2 = b.clone();
        b2.set(b2.ph_field(0, PhField::Memsz), 0x10_0000);
        assert!(matches!(
            err(&b2.with(b2.ph_field(0, PhField::Filesz), 0x10_0000)),
            ElfError::SegmentPastEof { index: 0, .. }
        ));
        assert!(matches!(
            err(&b2.with(b2.ph_field(0, PhField::Filesz), max)),
            ElfError::SegmentPastEof { index: 0, .. }
        ));
    }
}

#[test]
fn filesz_larger_than_memsz() {
    for class64 in [false, true] {
        let b = valid(class64);
        let e = err(&b.with(b.ph_field(0, PhField::Memsz), 4));
        assert_eq!(
            e,
            ElfError::FileszExceedsMemsz {
                index: 0,
                vaddr: DATA,
                filesz: 8,
                memsz: 4
            }
        );
    }
}

#[test]
fn overlapping_segments() {
    for class64 in [false, true] {
        let b = valid(class64);
        // Move rodata (index 1) into the data segment.
        let e = err(&b.with(b.ph_field(1, PhField::Vaddr), DATA + 0x80));
        assert_eq!(
            e,
            ElfError::Overlap {
                a_start: DATA,
                a_end: DATA + 0x100,
                b_start: DATA + 0x80,
                b_end: DATA + 0x84
            }
        );
        // Same start address.
        assert!(matches!(
            err(&b.with(b.ph_field(1, PhField::Vaddr), CODE)),
            ElfError::Overlap { .. }
        ));
        // Grow data backwards over nothing, but grow code forward into rodata.
        assert!(matches!(
            err(&b.with(b.ph_field(2, PhField::Memsz), 0x1001)),
            ElfError::Overlap { .. }
        ));
        // Touching is fine.
        assert!(load(&b.with(b.ph_field(2, PhField::Memsz), 0x1000)).is_ok());
    }
}

#[test]
fn outside_address_space() {
    // RV32: end beyond 2^32.
    let b = valid(false);
    let e = err(&b.with(b.ph_field(0, PhField::Vaddr), 0xffff_ff80));
    assert_eq!(
        e,
        ElfError::OutsideAddressSpace {
            index: 0,
            vaddr: 0xffff_ff80,
            memsz: 0x100,
            limit: 1 << 32
        }
    );
    // RV32: memsz alone almost the whole space.
    assert!(matches!(
        err(&b.with(b.ph_field(0, PhField::Memsz), 0xffff_0000)),
        ElfError::OutsideAddressSpace { index: 0, .. }
    ));
    // RV64: beyond ADDRESS_LIMIT_64, and wrapping around u64.
    let b = valid(true);
    let e = err(&b.with(b.ph_field(0, PhField::Vaddr), ADDRESS_LIMIT_64 - 0x80));
    assert!(
        matches!(
            e,
            ElfError::OutsideAddressSpace {
                index: 0,
                limit: ADDRESS_LIMIT_64,
                ..
            }
        ),
        "{e:?}"
    );
    let e = err(&b.with(b.ph_field(0, PhField::Vaddr), u64::MAX - 0x10));
    assert!(
        matches!(e, ElfError::OutsideAddressSpace { index: 0, .. }),
        "{e:?}"
    );
    // RV64: absurd memsz.
    let e = err(&b.with(b.ph_field(0, PhField::Memsz), 1 << 40));
    assert_eq!(
        e,
        ElfError::SegmentTooLarge {
            index: 0,
            vaddr: DATA,
            memsz: 1 << 40,
            limit: ADDRESS_LIMIT_64
        }
    );
    let e = err(&b.with(b.ph_field(0, PhField::Memsz), u64::MAX));
    assert!(matches!(e, ElfError::SegmentTooLarge { index: 0, .. }));
}

#[test]
fn null_guard() {
    for class64 in [false, true] {
        let b = valid(class64);
        assert_eq!(
            err(&b.with(b.ph_field(1, PhField::Vaddr), 0)),
            ElfError::InNullGuard { index: 1, vaddr: 0 }
        );
        assert_eq!(
            err(&b.with(b.ph_field(1, PhField::Vaddr), NULL_GUARD - 4)),
            ElfError::InNullGuard {
                index: 1,
                vaddr: NULL_GUARD - 4
            }
        );
        assert!(load(&b.with(b.ph_field(1, PhField::Vaddr), NULL_GUARD)).is_ok());
    }
}

#[test]
fn code_too_large() {
    let b = valid(true);
    let big = MAX_CODE_BYTES + 2;
    // Move code high so that it overlaps nothing.
    let mut b2 = b.clone();
    b2.set(b2.ph_field(2, PhField::Vaddr), 0x1000_0000);
    b2.set(b2.field(Field::Entry), 0x1000_0000);
    assert!(load(&b2.bytes).is_ok());
    assert_eq!(
        err(&b2.with(b2.ph_field(2, PhField::Memsz), big)),
        ElfError::CodeTooLarge { bytes: big }
    );
}

#[test]
fn segments_sharing_file_bytes_are_bounded() {
    // Many segments naming the same large file range would multiply memory use.
    let big = vec![0x55u8; 0x1000];
    let mut segs = vec![code_seg(CODE, &EXIT7)];
    for i in 0..3 {
        segs.push(Seg {
            vaddr: 0x100_0000 + i * 0x1000,
            memsz: 0x1000,
            data: big.clone(),
            flags: PF_R,
        });
    }
    let mut b = Spec::new(true, CODE, segs).build();
    assert!(load(&b.bytes).is_ok());
    // Point all three data segments at the first one's bytes: fine (2x bound not reached)...
    let first = b.seg_offsets[1] as u64;
    b.set(b.ph_field(2, PhField::Offset), first);
    assert!(load(&b.bytes).is_ok());
    // ...but a file whose segments reference more than twice its size is rejected.
    let mut segs = vec![code_seg(CODE, &EXIT7)];
    for i in 0..8 {
        segs.push(Seg {
            vaddr: 0x100_0000 + i * 0x1000,
            memsz: 0x1000,
            data: vec![],
            flags: PF_R,
        });
    }
    let mut s = Spec::new(true, CODE, segs);
    s.segs[1].data = big.clone();
    let mut b = s.build();
    let off = b.seg_offsets[1] as u64;
    for i in 2..9 {
        b.set(b.ph_field(i, PhField::Offset), off);
        b.set(b.ph_field(i, PhField::Filesz), 0x1000);
    }
    assert!(matches!(err(&b.bytes), ElfError::FileDataTooLarge { .. }));
}

#[test]
fn entry_point_outside_code() {
    for class64 in [false, true] {
        let b = valid(class64);
        for entry in [0, DATA, RODATA, CODE + 16, CODE - 2, 0xdead_0000] {
            assert_eq!(
                err(&b.with(b.field(Field::Entry), entry)),
                ElfError::EntryNotExecutable { entry }
            );
        }
        assert!(load(&b.with(b.field(Field::Entry), CODE + 14)).is_ok());
    }
}

#[test]
fn broken_symbol_tables_are_not_fatal() {
    for class64 in [false, true] {
        let b = valid(class64);
        let len = b.bytes.len() as u64;
        let ok_without_symbols = |bytes: Vec<u8>| {
            let p = load(&bytes).expect("symbols are optional");
            assert!(p.functions.is_empty());
        };
        ok_without_symbols(b.with(b.field(Field::Shoff), len));
        ok_without_symbols(b.with(
            b.field(Field::Shoff),
            if class64 { u64::MAX } else { u32::MAX as u64 },
        ));
        ok_without_symbols(b.with(b.field(Field::Shoff), 0));
        ok_without_symbols(b.with(b.field(Field::Shnum), 0xffff));
        ok_without_symbols(b.with(b.field(Field::Shentsize), 7));
        // .symtab (section 1): huge size, bad link, offset past the end.
        let sh1 = b.sh_entry(1);
        let (size_at, link_at, off_at, w) = if class64 {
            (sh1 + 32, sh1 + 40, sh1 + 24, 8)
        } else {
            (sh1 + 20, sh1 + 24, sh1 + 16, 4)
        };
        ok_without_symbols(b.with((size_at, w), u32::MAX as u64));
        ok_without_symbols(b.with((link_at, 4), 99));
        ok_without_symbols(b.with((off_at, w), len + 100));
        // String table offsets past the end of .strtab just lose the names.
        let sh2 = b.sh_entry(2);
        let strsize_at = if class64 { sh2 + 32 } else { sh2 + 20 };
        ok_without_symbols(b.with((strsize_at, w), 1));
    }
}

#[test]
fn every_truncation_is_an_error_or_loses_only_symbols() {
    for class64 in [false, true] {
        let b = valid(class64);
        for len in 0..b.bytes.len() {
            match load(&b.bytes[..len]) {
                Err(_) => {}
                Ok(p) => {
                    // Only the symbol/section tables after the loadable data can go missing.
                    assert!(len >= b.data_end, "truncated to {len} bytes but loaded");
                    assert_eq!(p.segments.len(), 3);
                }
            }
            if len < b.data_end {
                assert!(
                    load(&b.bytes[..len]).is_err(),
                    "truncated to {len} bytes but loaded"
                );
            }
        }
    }
}

/// Deterministic xorshift so failures reproduce.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

#[test]
fn random_mutations_never_panic() {
    // RVJIT_ELF_MUTATIONS=N raises the per-class count for a longer local soak.
    let rounds: usize = std::env::var("RVJIT_ELF_MUTATIONS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3000);
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut loaded = 0;
    for class64 in [false, true] {
        let base = valid(class64);
        for _ in 0..rounds {
            let mut b = base.bytes.clone();
            for _ in 0..1 + rng.below(8) {
                // Mostly the headers and tables, where structure lives.
                let at = if rng.below(4) == 0 {
                    rng.below(b.len())
                } else {
                    rng.below(base.phoff + 3 * 56).min(b.len() - 1)
                };
                let v = rng.next();
                match rng.below(4) {
                    0 => b[at] = v as u8,
                    1 => b[at] ^= 1 << (v % 8),
                    2 => b[at] = [0, 0xff, 0x7f, 0x80][(v % 4) as usize],
                    _ => {
                        let n = (b.len() - at).min(8);
                        b[at..at + n].copy_from_slice(&v.to_le_bytes()[..n]);
                    }
                }
            }
            if rng.below(8) == 0 {
                b.truncate(rng.below(b.len() + 1));
            }
            if let Ok(p) = load(&b) {
                loaded += 1;
                // Whatever loads satisfies the loader's promises.
                assert!(p.segments.iter().any(|s| s.perm & PERM_X != 0
                    && p.entry >= s.vaddr
                    && p.entry < s.vaddr + s.memsz));
                for w in p.segments.windows(2) {
                    assert!(w[0].vaddr + w[0].memsz <= w[1].vaddr);
                }
                for s in &p.segments {
                    assert!(s.vaddr >= NULL_GUARD && s.data.len() as u64 <= s.memsz);
                }
            }
        }
    }
    assert!(loaded > 0, "some mutations should still load");
}
