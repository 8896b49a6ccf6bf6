//! The host-service table, driven directly through both doors (`Host::ecall` by a7 and
//! `Host::custom0` with real custom-0 encodings) on a machine built from parts.

use std::sync::Arc;

use rvjit::abi::{self, custom0 as c0};
use rvjit::cpu::reg;
use rvjit::host::{HostConfig, HostConfigError, Limits, Service, OUTPUT_LIMIT, STDOUT_LIMIT};
use rvjit::isa::{decode32, Instr, Op, Xlen};
use rvjit::machine::{Machine, RunConfig};
use rvjit::memory::{MemoryConfig, SegmentImage, PERM_R, PERM_W, PERM_X};
use rvjit::outcome::FaultKind;
use rvjit::program::Program;
use sha2::{Digest, Sha256};

const CODE: u64 = 0x1_0000;
const RAM: u64 = 0x2_0000;
const UNMAPPED: u64 = 0x500_0000;

fn machine_xlen(xlen: Xlen, host: HostConfig) -> Machine {
    let code = SegmentImage {
        vaddr: CODE,
        memsz: 0x100,
        data: vec![0x13, 0, 0, 0],
        perm: PERM_R | PERM_X,
    };
    let data = SegmentImage {
        vaddr: RAM,
        memsz: 0x1000,
        data: vec![],
        perm: PERM_R | PERM_W,
    };
    let program = Program::from_parts(xlen, CODE, vec![code, data], vec![]);
    let memory = MemoryConfig {
        ram_size: 1 << 20,
        ..Default::default()
    };
    Machine::new(Arc::new(program), &RunConfig { memory, host }).unwrap()
}

fn machine(host: HostConfig) -> Machine {
    machine_xlen(Xlen::X64, host)
}

fn ecall(m: &mut Machine, number: u64, args: &[u64]) -> Result<Service, FaultKind> {
    for (i, &a) in args.iter().enumerate() {
        m.cpu.set(reg::A0 + i as u8, a);
    }
    m.cpu.set(reg::A7, number);
    m.host.ecall(&mut m.cpu, &mut m.mem)
}

fn a0(m: &Machine) -> u64 {
    m.cpu.get(reg::A0)
}

/// Decode a real custom-0 I-type encoding (checks the table routes it as expected).
fn custom_i(funct3: u32, rd: u8, rs1: u8, imm: u32, op: Op) -> Instr {
    let w = imm << 20 | u32::from(rs1) << 15 | funct3 << 12 | u32::from(rd) << 7 | c0::OPCODE;
    let ins = decode32(w, Xlen::X64);
    assert_eq!(ins.op, op, "{w:#010x}");
    ins
}

/// Run a custom-0 instruction with the given register values.
fn custom(m: &mut Machine, ins: Instr, regs: &[(u8, u64)]) -> Result<Service, FaultKind> {
    for &(r, v) in regs {
        m.cpu.set(r, v);
    }
    m.host.custom0(&ins, &mut m.cpu, &mut m.mem)
}

fn peek(m: &Machine, addr: u64, len: u64) -> Vec<u8> {
    m.mem.peek(addr, len).unwrap().to_vec()
}

fn bad(service: &'static str, addr: u64, len: u64, reason: &'static str) -> FaultKind {
    FaultKind::BadServiceArgument {
        service,
        addr,
        len,
        reason,
    }
}

/// The first `n` bytes of the documented deterministic stream, computed independently.
fn random_stream(n: usize) -> Vec<u8> {
    let mut out = Vec::new();
    let mut counter = 0u64;
    while out.len() < n {
        out.extend(Sha256::digest(
            [abi::GETRANDOM_SEED, &counter.to_le_bytes()].concat(),
        ));
        counter += 1;
    }
    out.truncate(n);
    out
}

#[test]
fn exit_and_exit_group() {
    let mut m = machine(HostConfig::default());
    assert_eq!(
        ecall(&mut m, abi::SYS_EXIT.into(), &[7]),
        Ok(Service::Exit(7))
    );
    assert_eq!(
        ecall(&mut m, abi::SYS_EXIT_GROUP.into(), &[u64::MAX]),
        Ok(Service::Exit(u64::MAX))
    );
    let mut m = machine_xlen(Xlen::X32, HostConfig::default());
    assert_eq!(
        ecall(&mut m, abi::SYS_EXIT.into(), &[u64::MAX]),
        Ok(Service::Exit(0xffff_ffff))
    );
}

#[test]
fn unknown_service_numbers() {
    let mut m = machine(HostConfig::default());
    assert_eq!(
        ecall(&mut m, 12345, &[]),
        Err(FaultKind::UnknownService { number: 12345 })
    );
    // A high bit must not alias a known number.
    let aliased = (1u64 << 32) | u64::from(abi::SYS_WRITE);
    assert_eq!(
        ecall(&mut m, aliased, &[]),
        Err(FaultKind::UnknownService { number: aliased })
    );
    assert_eq!(
        ecall(&mut m, u64::from(abi::PROJECT_BASE) + 3, &[]),
        Err(FaultKind::UnknownService {
            number: 0x0800_0003
        })
    );
}

#[test]
fn write_to_each_fd() {
    let mut m = machine(HostConfig::default());
    m.mem.write(RAM, b"hello, world").unwrap();
    assert_eq!(
        ecall(&mut m, abi::SYS_WRITE.into(), &[1, RAM, 5]),
        Ok(Service::Continue)
    );
    assert_eq!(a0(&m), 5);
    ecall(&mut m, abi::SYS_WRITE.into(), &[1, RAM + 5, 7]).unwrap();
    ecall(&mut m, abi::SYS_WRITE.into(), &[2, RAM + 7, 5]).unwrap();
    ecall(&mut m, abi::SYS_WRITE.into(), &[3, RAM, 4]).unwrap();
    ecall(&mut m, abi::SYS_WRITE.into(), &[3, RAM + 4, 1]).unwrap();
    assert_eq!(a0(&m), 1);
    assert_eq!(m.host.stdout(), b"hello, world");
    assert_eq!(m.host.stderr(), b"world");
    assert_eq!(m.host.public_output(), b"hello");
    // Code is readable: writing from it is fine.
    ecall(&mut m, abi::SYS_WRITE.into(), &[2, CODE, 4]).unwrap();
    assert_eq!(&m.host.stderr()[5..], [0x13, 0, 0, 0]);
}

#[test]
fn write_rejects_bad_fds_and_buffers() {
    let mut m = machine(HostConfig::default());
    let write = u64::from(abi::SYS_WRITE);
    for fd in [0, 4, 1 << 32 | 1, u64::MAX] {
        assert!(matches!(
            ecall(&mut m, write, &[fd, RAM, 1]),
            Err(FaultKind::BadServiceArgument {
                service: "write",
                addr: RAM,
                len: 1,
                ..
            })
        ));
    }
    assert_eq!(
        ecall(&mut m, write, &[1, UNMAPPED, 4]),
        Err(bad("write", UNMAPPED, 4, "buffer not readable"))
    );
    assert_eq!(
        ecall(&mut m, write, &[1, 0x10, 4]),
        Err(bad("write", 0x10, 4, "buffer not readable"))
    );
    // End of RAM straddled; address overflow; huge length.
    let ram_end = m.mem.layout().ram.end;
    assert_eq!(
        ecall(&mut m, write, &[1, ram_end - 2, 4]),
        Err(bad("write", ram_end - 2, 4, "buffer not readable"))
    );
    assert_eq!(
        ecall(&mut m, write, &[3, u64::MAX - 1, 4]),
        Err(bad("write", u64::MAX - 1, 4, "buffer not readable"))
    );
    assert_eq!(
        ecall(&mut m, write, &[1, RAM, u64::MAX]),
        Err(bad("write", RAM, u64::MAX, "buffer not readable"))
    );
    // A zero-length write is valid whatever the pointer.
    m.cpu.set(reg::A0, 99);
    assert_eq!(
        ecall(&mut m, write, &[1, UNMAPPED, 0]),
        Ok(Service::Continue)
    );
    assert_eq!(a0(&m), 0);
    assert!(m.host.stdout().is_empty() && m.host.public_output().is_empty());
}

#[test]
fn output_limits() {
    let limits = Limits {
        max_stdout: 10,
        max_output: 8,
        ..Limits::default()
    };
    let mut m = machine(HostConfig {
        limits,
        ..Default::default()
    });
    let write = u64::from(abi::SYS_WRITE);
    m.mem.write(RAM, b"0123456789abcdef").unwrap();
    ecall(&mut m, write, &[1, RAM, 6]).unwrap();
    // stdout and stderr share the limit; an exceeding write appends nothing.
    assert_eq!(
        ecall(&mut m, write, &[2, RAM, 5]),
        Err(FaultKind::OutputLimit {
            limit: STDOUT_LIMIT,
            max: 10
        })
    );
    assert_eq!(m.host.stderr(), b"");
    ecall(&mut m, write, &[2, RAM, 4]).unwrap();
    assert_eq!(m.host.stderr(), b"0123");
    assert_eq!(
        ecall(&mut m, write, &[1, RAM, 1]),
        Err(FaultKind::OutputLimit {
            limit: STDOUT_LIMIT,
            max: 10
        })
    );
    // printstr counts against the same limit.
    let printstr = custom_i(
        c0::FUNCT3_PHANTOM,
        5,
        6,
        c0::IMM_PHANTOM_PRINT_STR,
        Op::PrintStr,
    );
    assert_eq!(
        custom(&mut m, printstr, &[(5, RAM), (6, 1)]),
        Err(FaultKind::OutputLimit {
            limit: STDOUT_LIMIT,
            max: 10
        })
    );
    assert_eq!(
        custom(&mut m, printstr, &[(5, RAM), (6, 0)]),
        Ok(Service::Continue)
    );

    assert_eq!(
        ecall(&mut m, write, &[3, RAM, 9]),
        Err(FaultKind::OutputLimit {
            limit: OUTPUT_LIMIT,
            max: 8
        })
    );
    assert_eq!(m.host.public_output(), b"");
    ecall(&mut m, write, &[3, RAM, 8]).unwrap();
    assert_eq!(
        ecall(&mut m, write, &[3, RAM, 1]),
        Err(FaultKind::OutputLimit {
            limit: OUTPUT_LIMIT,
            max: 8
        })
    );
    // reveal respects max_output too, including offsets that overflow.
    let reveal = custom_i(c0::FUNCT3_REVEAL, 5, 6, 0, Op::Reveal);
    assert_eq!(
        custom(&mut m, reveal, &[(5, 5), (6, 0xaabb_ccdd)]),
        Err(FaultKind::OutputLimit {
            limit: OUTPUT_LIMIT,
            max: 8
        })
    );
    assert_eq!(
        custom(&mut m, reveal, &[(5, u64::MAX - 1), (6, 1)]),
        Err(FaultKind::OutputLimit {
            limit: OUTPUT_LIMIT,
            max: 8
        })
    );
    custom(&mut m, reveal, &[(5, 4), (6, 0xaabb_ccdd)]).unwrap();
    assert_eq!(m.host.public_output(), b"0123\xdd\xcc\xbb\xaa");
}

#[test]
fn echo_keeps_the_captured_copy() {
    let mut m = machine(HostConfig {
        echo: true,
        ..Default::default()
    });
    m.mem
        .write(RAM, b"[services test: echoed guest output]\n")
        .unwrap();
    ecall(&mut m, abi::SYS_WRITE.into(), &[1, RAM, 37]).unwrap();
    assert_eq!(m.host.stdout(), b"[services test: echoed guest output]\n");
}

#[test]
fn read_streams_the_input_blob() {
    let inputs = vec![b"abc".to_vec(), b"de".to_vec()];
    let mut m = machine(HostConfig {
        inputs,
        ..Default::default()
    });
    let read = u64::from(abi::SYS_READ);
    // The destination must be writable; a failed read consumes nothing.
    assert_eq!(
        ecall(&mut m, read, &[0, CODE, 4]),
        Err(bad("read", CODE, 4, "buffer not writable"))
    );
    assert_eq!(
        ecall(&mut m, read, &[0, UNMAPPED, 4]),
        Err(bad("read", UNMAPPED, 4, "buffer not writable"))
    );
    assert_eq!(
        ecall(&mut m, read, &[0, RAM, u64::MAX]),
        Err(bad("read", RAM, u64::MAX, "buffer not writable"))
    );
    let input = m.mem.layout().input.start;
    assert_eq!(
        ecall(&mut m, read, &[0, input, 1]),
        Err(bad("read", input, 1, "buffer not writable"))
    );
    assert!(matches!(
        ecall(&mut m, read, &[1, RAM, 4]),
        Err(FaultKind::BadServiceArgument {
            service: "read",
            ..
        })
    ));
    ecall(&mut m, read, &[0, RAM, 5]).unwrap();
    assert_eq!(a0(&m), 5);
    assert_eq!(peek(&m, RAM, 5), [3, 0, 0, 0, b'a']);
    ecall(&mut m, read, &[0, RAM + 0x100, 100]).unwrap();
    assert_eq!(a0(&m), 8);
    assert_eq!(
        peek(&m, RAM + 0x100, 9),
        [b'b', b'c', 2, 0, 0, 0, b'd', b'e', 0]
    );
    ecall(&mut m, read, &[0, RAM, 100]).unwrap();
    assert_eq!(a0(&m), 0);
    assert_eq!(peek(&m, RAM, 1), [3], "nothing copied at the end");
}

#[test]
fn input_info_reports_the_blob() {
    for xlen in [Xlen::X32, Xlen::X64] {
        let mut m = machine_xlen(
            xlen,
            HostConfig {
                inputs: vec![vec![9; 10]],
                ..Default::default()
            },
        );
        ecall(&mut m, abi::SYS_INPUT_INFO.into(), &[]).unwrap();
        let input = m.mem.layout().input.clone();
        assert_eq!((a0(&m), m.cpu.get(reg::A1)), (input.start, 14));
        assert_eq!(input.end - input.start, 14);
        assert_eq!(peek(&m, a0(&m), 5), [10, 0, 0, 0, 9]);
    }
}

#[test]
fn hint_frames_in_order() {
    for xlen in [Xlen::X32, Xlen::X64] {
        let hints = vec![b"abc".to_vec(), vec![], b"xyzw".to_vec()];
        let mut m = machine_xlen(
            xlen,
            HostConfig {
                hints,
                ..Default::default()
            },
        );
        let (len, read) = (u64::from(abi::SYS_HINT_LEN), u64::from(abi::SYS_HINT_READ));
        ecall(&mut m, len, &[]).unwrap();
        assert_eq!(a0(&m), 3);
        // HINT_LEN does not consume; a wrong length or a bad buffer consumes nothing.
        ecall(&mut m, len, &[]).unwrap();
        assert_eq!(a0(&m), 3);
        assert_eq!(
            ecall(&mut m, read, &[RAM, 2]),
            Err(bad(
                "hint_read",
                RAM,
                2,
                "length differs from the next hint frame's"
            ))
        );
        assert_eq!(
            ecall(&mut m, read, &[CODE, 3]),
            Err(bad("hint_read", CODE, 3, "buffer not writable"))
        );
        assert_eq!(m.host.hints_left(), 3);
        ecall(&mut m, read, &[RAM, 3]).unwrap();
        assert_eq!(a0(&m), 3);
        assert_eq!(peek(&m, RAM, 3), b"abc");
        ecall(&mut m, len, &[]).unwrap();
        assert_eq!(a0(&m), 0);
        ecall(&mut m, read, &[UNMAPPED, 0]).unwrap();
        assert_eq!(a0(&m), 0);
        ecall(&mut m, read, &[RAM + 8, 4]).unwrap();
        assert_eq!(peek(&m, RAM + 8, 4), b"xyzw");
        assert_eq!(m.host.hints_left(), 0);
        ecall(&mut m, len, &[]).unwrap();
        assert_eq!(
            a0(&m),
            xlen.trunc(u64::MAX),
            "all-ones when no frame is left"
        );
        assert_eq!(
            ecall(&mut m, read, &[RAM, 0]),
            Err(bad("hint_read", RAM, 0, "no hint frame left"))
        );
    }
}

#[test]
fn getrandom_is_deterministic_and_continues() {
    let stream = random_stream(200);
    let run = || {
        let mut m = machine(HostConfig::default());
        let gr = u64::from(abi::SYS_GETRANDOM);
        ecall(&mut m, gr, &[RAM, 5, 0]).unwrap();
        assert_eq!(a0(&m), 5);
        ecall(&mut m, gr, &[RAM + 5, 70, 0]).unwrap();
        assert_eq!(a0(&m), 70);
        ecall(&mut m, gr, &[UNMAPPED, 0, 0]).unwrap();
        // A bad buffer faults without consuming the stream.
        assert_eq!(
            ecall(&mut m, gr, &[CODE, 8, 0]),
            Err(bad("getrandom", CODE, 8, "buffer not writable"))
        );
        assert_eq!(
            ecall(&mut m, gr, &[RAM, u64::MAX, 0]),
            Err(bad("getrandom", RAM, u64::MAX, "buffer not writable"))
        );
        assert_eq!(m.host.random_position(), 75);
        ecall(&mut m, gr, &[RAM + 75, 125, 0]).unwrap();
        peek(&m, RAM, 200)
    };
    let first = run();
    assert_eq!(first, stream);
    assert_eq!(run(), first);
    // A different call pattern sees the same bytes: the cursor is byte-granular.
    let mut m = machine(HostConfig::default());
    ecall(&mut m, abi::SYS_GETRANDOM.into(), &[RAM, 200]).unwrap();
    assert_eq!(peek(&m, RAM, 200), stream);
    // Larger than the internal chunk size.
    let mut m = machine(HostConfig::default());
    ecall(&mut m, abi::SYS_GETRANDOM.into(), &[RAM, 0x1000 - 8]).unwrap();
    ecall(&mut m, abi::SYS_GETRANDOM.into(), &[RAM + 0x1000 - 8, 8]).unwrap();
    let big = random_stream(0x1000);
    assert_eq!(peek(&m, RAM, 0x1000), big);
}

/// The FIPS 180-4 "abc" test vector through SHA256_COMPRESS, and a random state against sha2.
#[test]
fn sha256_compress_matches_sha2() {
    const IV: [u32; 8] = [
        0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab,
        0x5be0cd19,
    ];
    let mut m = machine(HostConfig::default());
    let (state, block) = (RAM + 0x101, RAM + 0x203); // unaligned on purpose
    let le: Vec<u8> = IV.iter().flat_map(|w| w.to_le_bytes()).collect();
    m.mem.write(state, &le).unwrap();
    let mut b = [0u8; 64];
    b[..3].copy_from_slice(b"abc");
    b[3] = 0x80;
    b[63] = 24;
    m.mem.write(block, &b).unwrap();
    m.cpu.set(reg::A0, 0x55);
    ecall(&mut m, abi::SYS_SHA256_COMPRESS.into(), &[state, block]).unwrap();
    assert_eq!(a0(&m), state, "no result register");
    let words: Vec<u32> = peek(&m, state, 32)
        .chunks(4)
        .map(|c| u32::from_le_bytes(c.try_into().unwrap()))
        .collect();
    let digest: Vec<u8> = words.iter().flat_map(|w| w.to_be_bytes()).collect();
    assert_eq!(digest, Sha256::digest(b"abc").to_vec());

    // Arbitrary state and block: compare with sha2::compress256 directly.
    let mut s: [u32; 8] = std::array::from_fn(|i| 0x0102_0304u32.wrapping_mul(i as u32 + 7));
    let blk: [u8; 64] = std::array::from_fn(|i| (i * 37) as u8);
    m.mem
        .write(
            state,
            &s.iter().flat_map(|w| w.to_le_bytes()).collect::<Vec<_>>(),
        )
        .unwrap();
    m.mem.write(block, &blk).unwrap();
    ecall(&mut m, abi::SYS_SHA256_COMPRESS.into(), &[state, block]).unwrap();
    sha2::compress256(
        &mut s,
        &[sha2::digest::generic_array::GenericArray::clone_from_slice(
            &blk,
        )],
    );
    assert_eq!(
        peek(&m, state, 32),
        s.iter().flat_map(|w| w.to_le_bytes()).collect::<Vec<_>>()
    );

    let sc = u64::from(abi::SYS_SHA256_COMPRESS);
    assert_eq!(
        ecall(&mut m, sc, &[CODE, block]),
        Err(bad("sha256_compress", CODE, 32, "buffer not writable"))
    );
    assert_eq!(
        ecall(&mut m, sc, &[state, UNMAPPED]),
        Err(bad("sha256_compress", UNMAPPED, 64, "buffer not readable"))
    );
    assert_eq!(
        ecall(&mut m, sc, &[u64::MAX - 8, block]),
        Err(bad(
            "sha256_compress",
            u64::MAX - 8,
            32,
            "buffer not readable"
        ))
    );
    // The block may be read-only (code).
    let before = peek(&m, state, 32);
    ecall(&mut m, sc, &[state, CODE]).unwrap();
    assert_ne!(peek(&m, state, 32), before);
}

fn keccak_state_bytes(lanes: &[u64; 25]) -> Vec<u8> {
    lanes.iter().flat_map(|l| l.to_le_bytes()).collect()
}

#[test]
fn keccakf_through_both_doors() {
    let mut m = machine(HostConfig::default());
    // Known answer: keccak-f[1600] of the zero state.
    ecall(&mut m, abi::SYS_KECCAKF.into(), &[RAM + 3]).unwrap();
    assert_eq!(
        u64::from_le_bytes(peek(&m, RAM + 3, 8).try_into().unwrap()),
        0xF1258F7940E1DDE7
    );
    let mut zero = [0u64; 25];
    tiny_keccak::keccakf(&mut zero);
    assert_eq!(peek(&m, RAM + 3, 200), keccak_state_bytes(&zero));

    // A non-trivial state, through the ecall and the custom-0 door.
    let mut lanes: [u64; 25] =
        std::array::from_fn(|i| (i as u64 + 1).wrapping_mul(0x9e37_79b9_7f4a_7c15));
    m.mem
        .write(RAM + 0x400, &keccak_state_bytes(&lanes))
        .unwrap();
    m.mem
        .write(RAM + 0x600, &keccak_state_bytes(&lanes))
        .unwrap();
    ecall(&mut m, abi::SYS_KECCAKF.into(), &[RAM + 0x400]).unwrap();
    let w = 7u32 << 15 | c0::FUNCT3_KECCAK << 12 | c0::FUNCT7_KECCAKF << 25 | c0::OPCODE;
    let ins = decode32(w, Xlen::X64);
    assert_eq!(ins.op, Op::Keccakf);
    assert_eq!(
        custom(&mut m, ins, &[(7, RAM + 0x600)]),
        Ok(Service::Continue)
    );
    tiny_keccak::keccakf(&mut lanes);
    assert_eq!(peek(&m, RAM + 0x400, 200), keccak_state_bytes(&lanes));
    assert_eq!(peek(&m, RAM + 0x600, 200), keccak_state_bytes(&lanes));

    let kf = u64::from(abi::SYS_KECCAKF);
    assert_eq!(
        ecall(&mut m, kf, &[CODE]),
        Err(bad("keccakf", CODE, 200, "buffer not writable"))
    );
    assert_eq!(
        ecall(&mut m, kf, &[UNMAPPED]),
        Err(bad("keccakf", UNMAPPED, 200, "buffer not readable"))
    );
    let ram_end = m.mem.layout().ram.end;
    assert_eq!(
        ecall(&mut m, kf, &[ram_end - 100]),
        Err(bad("keccakf", ram_end - 100, 200, "buffer not readable"))
    );
    assert_eq!(
        custom(&mut m, ins, &[(7, 0)]),
        Err(bad("keccakf", 0, 200, "buffer not readable"))
    );
}

#[test]
fn terminate_exits_with_the_immediate() {
    let mut m = machine(HostConfig::default());
    let t = custom_i(c0::FUNCT3_TERMINATE, 0, 0, 42, Op::Terminate);
    assert_eq!(custom(&mut m, t, &[]), Ok(Service::Exit(42)));
    let t = custom_i(c0::FUNCT3_TERMINATE, 0, 0, 0xfff, Op::Terminate);
    assert_eq!(custom(&mut m, t, &[]), Ok(Service::Exit(0xfff)));
}

#[test]
fn openvm_hint_stream_from_input_frames() {
    let inputs = vec![b"hello".to_vec(), vec![], vec![1, 2, 3, 4]];
    let mut m = machine(HostConfig {
        inputs,
        ..Default::default()
    });
    let hint_input = custom_i(
        c0::FUNCT3_PHANTOM,
        0,
        0,
        c0::IMM_PHANTOM_HINT_INPUT,
        Op::HintInput,
    );
    let storew = custom_i(c0::FUNCT3_HINT, 5, 0, c0::IMM_HINT_STOREW, Op::HintStorew);
    let buffer = custom_i(c0::FUNCT3_HINT, 5, 6, c0::IMM_HINT_BUFFER, Op::HintBuffer);

    // Nothing to read before the first hintinput.
    assert_eq!(
        custom(&mut m, storew, &[(5, RAM)]),
        Err(bad(
            "hintstorew",
            RAM,
            4,
            "read past the end of the hint stream"
        ))
    );
    custom(&mut m, hint_input, &[]).unwrap();
    // Stream: len 5 (u32 LE), "hello", 3 zero bytes of padding = 12 bytes.
    custom(&mut m, storew, &[(5, RAM + 1)]).unwrap();
    assert_eq!(peek(&m, RAM + 1, 4), [5, 0, 0, 0]);
    // Unwritable destination or too many words: no effect, stream not consumed.
    assert_eq!(
        custom(&mut m, buffer, &[(5, CODE), (6, 2)]),
        Err(bad("hintbuffer", CODE, 8, "buffer not writable"))
    );
    assert_eq!(
        custom(&mut m, buffer, &[(5, RAM), (6, 3)]),
        Err(bad(
            "hintbuffer",
            RAM,
            12,
            "read past the end of the hint stream"
        ))
    );
    assert_eq!(
        custom(&mut m, buffer, &[(5, RAM), (6, u64::MAX)]),
        Err(bad("hintbuffer", RAM, u64::MAX, "word count overflows"))
    );
    custom(&mut m, buffer, &[(5, RAM + 0x20), (6, 2)]).unwrap();
    assert_eq!(peek(&m, RAM + 0x20, 8), b"hello\0\0\0");
    assert!(matches!(
        custom(&mut m, storew, &[(5, RAM)]),
        Err(FaultKind::BadServiceArgument { .. })
    ));

    // An empty frame: just its length word. hintinput resets any unread rest.
    custom(&mut m, hint_input, &[]).unwrap();
    custom(&mut m, buffer, &[(5, RAM + 0x40), (6, 0)]).unwrap();
    m.mem.write(RAM + 0x40, &[0xff; 4]).unwrap();
    custom(&mut m, storew, &[(5, RAM + 0x40)]).unwrap();
    assert_eq!(peek(&m, RAM + 0x40, 4), [0, 0, 0, 0]);
    custom(&mut m, hint_input, &[]).unwrap();
    custom(&mut m, buffer, &[(5, RAM + 0x50), (6, 2)]).unwrap();
    assert_eq!(peek(&m, RAM + 0x50, 8), [4, 0, 0, 0, 1, 2, 3, 4]);
    assert_eq!(
        custom(&mut m, hint_input, &[]),
        Err(bad(
            "hintinput",
            m.mem.layout().input.end,
            0,
            "no input frame left"
        ))
    );

    // hintinput has its own cursor: fd-0 reads still start at the beginning of the blob.
    ecall(&mut m, abi::SYS_READ.into(), &[0, RAM + 0x60, 4]).unwrap();
    assert_eq!(peek(&m, RAM + 0x60, 4), [5, 0, 0, 0]);
}

#[test]
fn openvm_hintinput_without_inputs() {
    let mut m = machine(HostConfig::default());
    let hint_input = custom_i(
        c0::FUNCT3_PHANTOM,
        0,
        0,
        c0::IMM_PHANTOM_HINT_INPUT,
        Op::HintInput,
    );
    let input = m.mem.layout().input.start;
    assert_eq!(
        custom(&mut m, hint_input, &[]),
        Err(bad("hintinput", input, 0, "no input frame left"))
    );
}

#[test]
fn openvm_hintrandom_shares_the_getrandom_stream() {
    let stream = random_stream(64);
    let mut m = machine(HostConfig::default());
    let hint_random = custom_i(
        c0::FUNCT3_PHANTOM,
        5,
        0,
        c0::IMM_PHANTOM_HINT_RANDOM,
        Op::HintRandom,
    );
    let buffer = custom_i(c0::FUNCT3_HINT, 5, 6, c0::IMM_HINT_BUFFER, Op::HintBuffer);
    ecall(&mut m, abi::SYS_GETRANDOM.into(), &[RAM, 5]).unwrap();
    custom(&mut m, hint_random, &[(5, 3)]).unwrap();
    assert_eq!(m.host.random_position(), 17);
    custom(&mut m, buffer, &[(5, RAM + 0x100), (6, 3)]).unwrap();
    assert_eq!(peek(&m, RAM + 0x100, 12), stream[5..17]);
    ecall(&mut m, abi::SYS_GETRANDOM.into(), &[RAM + 0x200, 3]).unwrap();
    assert_eq!(peek(&m, RAM + 0x200, 3), stream[17..20]);

    // A hostile word count costs nothing until read, and reads stay bounded by memory.
    custom(&mut m, hint_random, &[(5, 1 << 60)]).unwrap();
    assert_eq!(m.host.random_position(), 20 + (1 << 62));
    assert_eq!(
        custom(&mut m, buffer, &[(5, RAM), (6, 1 << 40)]),
        Err(bad("hintbuffer", RAM, 1 << 42, "buffer not writable"))
    );
    custom(&mut m, buffer, &[(5, RAM + 0x300), (6, 1)]).unwrap();
    assert_eq!(
        custom(&mut m, hint_random, &[(5, u64::MAX)]),
        Err(bad(
            "hintrandom",
            0,
            u64::MAX,
            "word count exhausts the random stream"
        ))
    );
    assert_eq!(
        custom(&mut m, hint_random, &[(5, 3 << 60)]),
        Err(bad(
            "hintrandom",
            0,
            3 << 60,
            "word count exhausts the random stream"
        ))
    );
}

#[test]
fn openvm_reveal_and_printstr() {
    let mut m = machine(HostConfig::default());
    let reveal = custom_i(c0::FUNCT3_REVEAL, 5, 6, 4, Op::Reveal);
    // Word at byte offset rd + imm = 4; the output grows with zeros.
    custom(&mut m, reveal, &[(5, 0), (6, 0xffff_ffff_1122_3344)]).unwrap();
    assert_eq!(m.host.public_output(), [0, 0, 0, 0, 0x44, 0x33, 0x22, 0x11]);
    let reveal0 = custom_i(c0::FUNCT3_REVEAL, 5, 6, 0, Op::Reveal);
    custom(&mut m, reveal0, &[(5, 2), (6, 0xaabb_ccdd)]).unwrap();
    assert_eq!(
        m.host.public_output(),
        [0, 0, 0xdd, 0xcc, 0xbb, 0xaa, 0x22, 0x11]
    );
    // fd-3 writes append after whatever reveal produced.
    m.mem.write(RAM, b"hi there").unwrap();
    ecall(&mut m, abi::SYS_WRITE.into(), &[3, RAM, 2]).unwrap();
    assert_eq!(&m.host.public_output()[8..], b"hi");

    let printstr = custom_i(
        c0::FUNCT3_PHANTOM,
        5,
        6,
        c0::IMM_PHANTOM_PRINT_STR,
        Op::PrintStr,
    );
    custom(&mut m, printstr, &[(5, RAM), (6, 8)]).unwrap();
    assert_eq!(m.host.stdout(), b"hi there");
    assert_eq!(
        custom(&mut m, printstr, &[(5, UNMAPPED), (6, 8)]),
        Err(bad("printstr", UNMAPPED, 8, "buffer not readable"))
    );
}

#[test]
fn custom0_rejects_other_instructions() {
    let mut m = machine(HostConfig::default());
    let addi = decode32(0x0010_0093, Xlen::X64); // addi ra, zero, 1
    assert_eq!(
        custom(&mut m, addi, &[]),
        Err(FaultKind::IllegalInstruction { bits: 0x0010_0093 })
    );
}

#[test]
fn config_validation() {
    assert_eq!(HostConfig::default().validate(), Ok(()));
    let limits = Limits {
        max_input: 10,
        max_hints: 3,
        ..Limits::default()
    };
    let c = HostConfig {
        inputs: vec![vec![0; 7]],
        hints: vec![vec![0; 4]],
        limits,
        ..Default::default()
    };
    assert_eq!(
        c.validate(),
        Err(HostConfigError::InputTooLarge { total: 11, max: 10 })
    );
    let c = HostConfig {
        inputs: vec![vec![0; 6]],
        ..c
    };
    assert_eq!(
        c.validate(),
        Err(HostConfigError::HintsTooLarge { total: 4, max: 3 })
    );
    let defaults = Limits::default();
    assert_eq!(
        (defaults.max_output, defaults.max_stdout),
        (64 << 20, 64 << 20)
    );
    assert_eq!((defaults.max_input, defaults.max_hints), (1 << 30, 1 << 30));
}

/// Every service and custom-0 op with edge-case register values: each call ends in a value
/// (never a panic), and failures are service faults, not memory faults.
#[test]
fn hostile_arguments_never_panic() {
    for xlen in [Xlen::X32, Xlen::X64] {
        let host = HostConfig {
            inputs: vec![b"in".to_vec()],
            hints: vec![vec![1; 8]],
            ..Default::default()
        };
        let mut m = machine_xlen(xlen, host);
        let (ram_end, input) = (m.mem.layout().ram.end, m.mem.layout().input.start);
        let values = [
            0,
            1,
            3,
            4,
            8,
            200,
            RAM,
            ram_end - 1,
            ram_end - 8,
            CODE,
            input,
            0x7fff_ffff,
            0xffff_ffff,
            1 << 32,
            1 << 62,
            u64::MAX - 3,
            u64::MAX,
        ];
        let numbers = [
            abi::SYS_READ,
            abi::SYS_WRITE,
            abi::SYS_GETRANDOM,
            abi::SYS_INPUT_INFO,
            abi::SYS_HINT_LEN,
            abi::SYS_HINT_READ,
            abi::SYS_KECCAKF,
            abi::SYS_SHA256_COMPRESS,
        ];
        let ops = [
            custom_i(c0::FUNCT3_HINT, 10, 11, c0::IMM_HINT_STOREW, Op::HintStorew),
            custom_i(c0::FUNCT3_HINT, 10, 11, c0::IMM_HINT_BUFFER, Op::HintBuffer),
            custom_i(c0::FUNCT3_REVEAL, 10, 11, 0xfff, Op::Reveal),
            custom_i(
                c0::FUNCT3_PHANTOM,
                10,
                11,
                c0::IMM_PHANTOM_HINT_INPUT,
                Op::HintInput,
            ),
            custom_i(
                c0::FUNCT3_PHANTOM,
                10,
                11,
                c0::IMM_PHANTOM_PRINT_STR,
                Op::PrintStr,
            ),
            custom_i(
                c0::FUNCT3_PHANTOM,
                10,
                11,
                c0::IMM_PHANTOM_HINT_RANDOM,
                Op::HintRandom,
            ),
            decode32(11 << 15 | c0::FUNCT3_KECCAK << 12 | c0::OPCODE, Xlen::X64),
        ];
        let ok = |r: Result<Service, FaultKind>| {
            assert!(
                matches!(
                    r,
                    Ok(Service::Continue)
                        | Err(FaultKind::BadServiceArgument { .. } | FaultKind::OutputLimit { .. })
                ),
                "{r:?}"
            )
        };
        for &a in &values {
            for &b in &values {
                for &c in &values {
                    for &n in &numbers {
                        ok(ecall(&mut m, n.into(), &[a, b, c]));
                    }
                }
                for &ins in &ops {
                    ok(custom(&mut m, ins, &[(10, a), (11, b)]));
                }
            }
        }
        assert!(m.host.stdout().len() as u64 <= Limits::default().max_stdout);
    }
}
