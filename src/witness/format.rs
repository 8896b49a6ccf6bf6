//! The versioned binary format of chunk records and the run manifest (docs/WITNESS.md).
//!
//! Hand-written little-endian: every file is `magic (8) | version u16 | xlen u8 | 0 u8 |
//! 0 u32 | ELF sha256 (32) | body | XXH3-64 of everything before (8)`. Decoding checks magic,
//! version, then the checksum, then parses the body with bounds checks everywhere: a corrupted
//! or hostile file gives a [`WitnessError`], never a panic.
//!
//! The checksum guards against corruption, not forgery (anyone can recompute any unkeyed
//! digest), so it is the fast non-cryptographic XXH3: records are written at up to ~2 GB/s
//! by a recording run, which SHA-256 (1.3 GB/s here) could not keep up with.

use crate::cpu::{Cpu, NO_RESERVATION};
use crate::isa::Xlen;
use crate::outcome::Stop;

use std::io::Write;

use xxhash_rust::xxh3::Xxh3;

use super::error::WitnessError;
use super::sha256;

/// The format version this rvjit writes and reads (2: the checksum is XXH3-64, was SHA-256).
pub const FORMAT_VERSION: u16 = 2;
pub const CHUNK_MAGIC: [u8; 8] = *b"RVJITCHK";
pub const MANIFEST_MAGIC: [u8; 8] = *b"RVJITMAN";
/// Bytes of the common header: magic, version, xlen, two reserved fields, ELF sha256.
pub const HEADER_LEN: usize = 48;
pub const CHECKSUM_LEN: usize = 8;
/// Bytes of an encoded [`HartState`]: pc, cycle, reservation, x1..x31.
const STATE_LEN: usize = 8 * 34;

const CHUNK: &str = "chunk record";
const MANIFEST: &str = "manifest";

/// The hart state at a chunk boundary: everything the next instruction depends on besides
/// memory. `regs[0]` is always 0.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HartState {
    pub pc: u64,
    pub cycle: u64,
    pub reservation: u64,
    pub regs: [u64; 32],
}

impl HartState {
    pub fn of(cpu: &Cpu) -> HartState {
        HartState {
            pc: cpu.pc,
            cycle: cpu.cycle,
            reservation: cpu.reservation,
            regs: cpu.regs,
        }
    }

    /// A hart in this state.
    pub fn to_cpu(&self, xlen: Xlen) -> Cpu {
        let mut cpu = Cpu::new(xlen, self.pc);
        cpu.regs = self.regs;
        cpu.regs[0] = 0;
        cpu.cycle = self.cycle;
        cpu.reservation = self.reservation;
        cpu
    }
}

/// How the run ended, in a form that can be stored and compared. Faults keep their kind name
/// (`load_access`, ...) and message, not the typed [`crate::outcome::FaultKind`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FinalStop {
    Exit {
        code: u64,
    },
    Fault {
        kind: String,
        message: String,
        pc: u64,
        cycle: u64,
    },
    Breakpoint {
        pc: u64,
    },
    CycleLimit,
}

impl FinalStop {
    pub fn of(stop: &Stop) -> FinalStop {
        match stop {
            Stop::Exit { code } => FinalStop::Exit { code: *code },
            Stop::Fault(f) => {
                let kind = serde_json::to_value(&f.kind)
                    .ok()
                    .and_then(|v| v.get("kind").and_then(|k| k.as_str()).map(str::to_owned))
                    .unwrap_or_default();
                FinalStop::Fault {
                    kind,
                    message: f.kind.to_string(),
                    pc: f.pc,
                    cycle: f.cycle,
                }
            }
            Stop::Breakpoint { pc } => FinalStop::Breakpoint { pc: *pc },
            Stop::CycleLimit => FinalStop::CycleLimit,
        }
    }
}

impl std::fmt::Display for FinalStop {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FinalStop::Exit { code } => write!(f, "exit code {code}"),
            FinalStop::Fault {
                message, pc, cycle, ..
            } => write!(f, "fault: {message} at pc {pc:#x} after {cycle} cycles"),
            FinalStop::Breakpoint { pc } => write!(f, "breakpoint at pc {pc:#x}"),
            FinalStop::CycleLimit => write!(f, "cycle limit"),
        }
    }
}

/// Length and SHA-256 of an output.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutputDigest {
    pub len: u64,
    pub sha256: [u8; 32],
}

impl OutputDigest {
    pub fn of(bytes: &[u8]) -> OutputDigest {
        OutputDigest {
            len: bytes.len() as u64,
            sha256: sha256(bytes),
        }
    }
}

/// One recorded service call: the cycle it ran at, whether it exited, the result registers
/// it set and the guest-memory ranges it wrote (their bytes are in the record's data stream).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ServiceEntry {
    pub cycle: u64,
    pub exit: Option<u64>,
    pub regs: Vec<(u8, u64)>,
    pub writes: Vec<(u64, u64)>,
}

impl ServiceEntry {
    pub fn encode(&self, out: &mut Vec<u8>) {
        put_u64(out, self.cycle);
        match self.exit {
            Some(code) => {
                out.push(1);
                put_u64(out, code);
            }
            None => out.push(0),
        }
        // A service sets at most two registers (a0, a1); u8 is ample.
        out.push(self.regs.len() as u8);
        for &(r, v) in &self.regs {
            out.push(r);
            put_u64(out, v);
        }
        put_u64(out, self.writes.len() as u64);
        for &(addr, len) in &self.writes {
            put_u64(out, addr);
            put_u64(out, len);
        }
    }

    /// Decode one entry from the services stream.
    pub fn decode(r: &mut Reader) -> Result<ServiceEntry, WitnessError> {
        let cycle = r.u64()?;
        let exit = match r.u8()? {
            0 => None,
            1 => Some(r.u64()?),
            t => {
                return Err(WitnessError::corrupt(
                    r.what,
                    format!("service entry kind {t}"),
                ))
            }
        };
        let nregs = r.u8()?;
        let mut regs = Vec::with_capacity(usize::from(nregs));
        for _ in 0..nregs {
            let reg = r.u8()?;
            if reg == 0 || reg > 31 {
                return Err(WitnessError::corrupt(
                    r.what,
                    format!("service result register x{reg}"),
                ));
            }
            regs.push((reg, r.u64()?));
        }
        let nwrites = r.u64()?;
        // Each write takes 16 bytes of the stream: bound the count before allocating.
        if nwrites > r.remaining() as u64 / 16 {
            return Err(WitnessError::corrupt(
                r.what,
                "service write count exceeds the record",
            ));
        }
        let mut writes = Vec::with_capacity(nwrites as usize);
        for _ in 0..nwrites {
            writes.push((r.u64()?, r.u64()?));
        }
        Ok(ServiceEntry {
            cycle,
            exit,
            regs,
            writes,
        })
    }
}

/// One chunk's record: start state, end cycle and the three value streams.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChunkRecord {
    pub xlen: Xlen,
    pub elf_sha256: [u8; 32],
    pub index: u64,
    pub start: HartState,
    /// `cycle` when the chunk ends (start + N, or where the run stopped).
    pub end_cycle: u64,
    /// The little-endian bytes of every load value in order, each `size` bytes wide.
    pub loads: Vec<u8>,
    /// Number of entries in `services`.
    pub service_count: u64,
    /// Encoded [`ServiceEntry`]s.
    pub services: Vec<u8>,
    /// Bytes services copied into guest memory (input, hints, random, precompile results).
    pub data: Vec<u8>,
}

/// The run as a whole: written once the run has stopped.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Manifest {
    pub xlen: Xlen,
    pub elf_sha256: [u8; 32],
    pub chunk_size: u64,
    pub chunk_count: u64,
    pub final_state: HartState,
    pub stop: FinalStop,
    pub public_output: OutputDigest,
    pub stdout: OutputDigest,
    pub stderr: OutputDigest,
}

fn put_u64(out: &mut Vec<u8>, v: u64) {
    out.extend_from_slice(&v.to_le_bytes());
}

fn put_bytes(out: &mut Vec<u8>, b: &[u8]) {
    put_u64(out, b.len() as u64);
    out.extend_from_slice(b);
}

fn put_str(out: &mut Vec<u8>, s: &str) {
    // Messages are short; cut (at a char boundary) anything beyond the u16 prefix.
    let mut end = s.len().min(u16::MAX as usize);
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    out.extend_from_slice(&(end as u16).to_le_bytes());
    out.extend_from_slice(&s.as_bytes()[..end]);
}

fn put_state(out: &mut Vec<u8>, s: &HartState) {
    put_u64(out, s.pc);
    put_u64(out, s.cycle);
    put_u64(out, s.reservation);
    for &r in &s.regs[1..] {
        put_u64(out, r);
    }
}

fn header(magic: [u8; 8], xlen: Xlen, elf: &[u8; 32]) -> Vec<u8> {
    let mut out = Vec::with_capacity(512);
    out.extend_from_slice(&magic);
    out.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
    out.push(xlen.bits() as u8);
    out.push(0);
    out.extend_from_slice(&0u32.to_le_bytes());
    out.extend_from_slice(elf);
    out
}

/// The checksum of a file's content (everything before the checksum).
pub fn checksum(content: &[u8]) -> [u8; CHECKSUM_LEN] {
    xxhash_rust::xxh3::xxh3_64(content).to_le_bytes()
}

fn seal(mut out: Vec<u8>) -> Vec<u8> {
    let sum = checksum(&out);
    out.extend_from_slice(&sum);
    out
}

/// A bounds-checked little-endian cursor.
pub struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
    what: &'static str,
}

impl<'a> Reader<'a> {
    pub fn new(bytes: &'a [u8], what: &'static str) -> Reader<'a> {
        Reader {
            bytes,
            pos: 0,
            what,
        }
    }

    pub fn remaining(&self) -> usize {
        self.bytes.len() - self.pos
    }

    pub fn take(&mut self, n: usize) -> Result<&'a [u8], WitnessError> {
        if n > self.remaining() {
            return Err(WitnessError::corrupt(
                self.what,
                "a field runs past the end of the record",
            ));
        }
        let s = &self.bytes[self.pos..self.pos + n];
        self.pos += n;
        Ok(s)
    }

    pub fn u8(&mut self) -> Result<u8, WitnessError> {
        Ok(self.take(1)?[0])
    }

    pub fn u16(&mut self) -> Result<u16, WitnessError> {
        let b = self.take(2)?;
        Ok(u16::from_le_bytes([b[0], b[1]]))
    }

    pub fn u64(&mut self) -> Result<u64, WitnessError> {
        let mut w = [0u8; 8];
        w.copy_from_slice(self.take(8)?);
        Ok(u64::from_le_bytes(w))
    }

    fn bytes(&mut self) -> Result<&'a [u8], WitnessError> {
        let len = self.u64()?;
        let len = usize::try_from(len)
            .map_err(|_| WitnessError::corrupt(self.what, "stream length overflows"))?;
        self.take(len)
    }

    fn string(&mut self) -> Result<String, WitnessError> {
        let len = self.u16()?;
        let b = self.take(usize::from(len))?;
        String::from_utf8(b.to_vec())
            .map_err(|_| WitnessError::corrupt(self.what, "a text field is not UTF-8"))
    }

    fn digest(&mut self) -> Result<[u8; 32], WitnessError> {
        let mut d = [0u8; 32];
        d.copy_from_slice(self.take(32)?);
        Ok(d)
    }

    fn state(&mut self, xlen: Xlen) -> Result<HartState, WitnessError> {
        let (pc, cycle, reservation) = (self.u64()?, self.u64()?, self.u64()?);
        let mut regs = [0u64; 32];
        for r in regs.iter_mut().skip(1) {
            *r = self.u64()?;
        }
        let canonical = |v: u64| xlen.trunc(v) == v;
        if !canonical(pc) || !regs.iter().all(|&v| canonical(v)) {
            return Err(WitnessError::corrupt(
                self.what,
                "a register or pc value is wider than XLEN",
            ));
        }
        if reservation != NO_RESERVATION && !canonical(reservation) {
            return Err(WitnessError::corrupt(
                self.what,
                "the LR reservation is wider than XLEN",
            ));
        }
        Ok(HartState {
            pc,
            cycle,
            reservation,
            regs,
        })
    }

    fn finish(&self) -> Result<(), WitnessError> {
        if self.remaining() != 0 {
            return Err(WitnessError::corrupt(
                self.what,
                format!("{} unexpected bytes after the body", self.remaining()),
            ));
        }
        Ok(())
    }
}

/// Check magic, version and checksum; return (xlen, ELF sha256, body).
fn open<'b>(
    bytes: &'b [u8],
    magic: [u8; 8],
    what: &'static str,
) -> Result<(Xlen, [u8; 32], &'b [u8]), WitnessError> {
    let needed = (HEADER_LEN + CHECKSUM_LEN) as u64;
    if bytes.len() < 10 {
        return Err(WitnessError::Truncated {
            what,
            len: bytes.len() as u64,
            needed,
        });
    }
    if bytes[..8] != magic {
        return Err(WitnessError::BadMagic { what });
    }
    let version = u16::from_le_bytes([bytes[8], bytes[9]]);
    if version != FORMAT_VERSION {
        return Err(WitnessError::VersionMismatch {
            what,
            found: version,
            supported: FORMAT_VERSION,
        });
    }
    if bytes.len() < HEADER_LEN + CHECKSUM_LEN {
        return Err(WitnessError::Truncated {
            what,
            len: bytes.len() as u64,
            needed,
        });
    }
    let (content, sum) = bytes.split_at(bytes.len() - CHECKSUM_LEN);
    if checksum(content) != sum {
        return Err(WitnessError::ChecksumMismatch { what });
    }
    let xlen = match content[10] {
        32 => Xlen::X32,
        64 => Xlen::X64,
        x => return Err(WitnessError::corrupt(what, format!("XLEN {x}"))),
    };
    if content[11] != 0 || content[12..16] != [0; 4] {
        return Err(WitnessError::corrupt(
            what,
            "reserved header bytes are not zero",
        ));
    }
    let mut elf = [0u8; 32];
    elf.copy_from_slice(&content[16..48]);
    Ok((xlen, elf, &content[HEADER_LEN..]))
}

impl ChunkRecord {
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.encoded_len());
        // Writing to a Vec cannot fail.
        let _ = self.write_to(&mut out);
        out
    }

    /// Bytes of the encoded record.
    pub fn encoded_len(&self) -> usize {
        HEADER_LEN
            + 8
            + STATE_LEN
            + 8
            + 8
            + self.loads.len()
            + 8
            + 8
            + self.services.len()
            + 8
            + self.data.len()
            + CHECKSUM_LEN
    }

    /// Write the encoded record to `w` without assembling it in memory first (the streams
    /// are written from where they are, and checksummed on the way); the bytes written.
    pub fn write_to<W: Write>(&self, w: &mut W) -> std::io::Result<u64> {
        let mut sum = Xxh3::new();
        let mut written = 0u64;
        let mut piece = |w: &mut W, bytes: &[u8]| {
            sum.update(bytes);
            written += bytes.len() as u64;
            w.write_all(bytes)
        };
        let mut head = header(CHUNK_MAGIC, self.xlen, &self.elf_sha256);
        put_u64(&mut head, self.index);
        put_state(&mut head, &self.start);
        put_u64(&mut head, self.end_cycle);
        put_u64(&mut head, self.loads.len() as u64);
        piece(w, &head)?;
        piece(w, &self.loads)?;
        let mut tail = Vec::with_capacity(24 + self.services.len() + self.data.len());
        put_u64(&mut tail, self.service_count);
        put_bytes(&mut tail, &self.services);
        put_bytes(&mut tail, &self.data);
        piece(w, &tail)?;
        let check = sum.digest().to_le_bytes();
        w.write_all(&check)?;
        Ok(written + CHECKSUM_LEN as u64)
    }

    pub fn decode(bytes: &[u8]) -> Result<ChunkRecord, WitnessError> {
        let (xlen, elf_sha256, body) = open(bytes, CHUNK_MAGIC, CHUNK)?;
        let mut r = Reader::new(body, CHUNK);
        let index = r.u64()?;
        let start = r.state(xlen)?;
        let end_cycle = r.u64()?;
        if end_cycle < start.cycle {
            return Err(WitnessError::corrupt(
                CHUNK,
                "the chunk ends before it starts",
            ));
        }
        let loads = r.bytes()?.to_vec();
        let service_count = r.u64()?;
        let services = r.bytes()?.to_vec();
        let data = r.bytes()?.to_vec();
        r.finish()?;
        Ok(ChunkRecord {
            xlen,
            elf_sha256,
            index,
            start,
            end_cycle,
            loads,
            service_count,
            services,
            data,
        })
    }
}

impl Manifest {
    pub fn encode(&self) -> Vec<u8> {
        let mut out = header(MANIFEST_MAGIC, self.xlen, &self.elf_sha256);
        put_u64(&mut out, self.chunk_size);
        put_u64(&mut out, self.chunk_count);
        put_state(&mut out, &self.final_state);
        match &self.stop {
            FinalStop::Exit { code } => {
                out.push(0);
                put_u64(&mut out, *code);
            }
            FinalStop::Fault {
                kind,
                message,
                pc,
                cycle,
            } => {
                out.push(1);
                put_u64(&mut out, *pc);
                put_u64(&mut out, *cycle);
                put_str(&mut out, kind);
                put_str(&mut out, message);
            }
            FinalStop::Breakpoint { pc } => {
                out.push(2);
                put_u64(&mut out, *pc);
            }
            FinalStop::CycleLimit => out.push(3),
        }
        for d in [&self.public_output, &self.stdout, &self.stderr] {
            put_u64(&mut out, d.len);
            out.extend_from_slice(&d.sha256);
        }
        seal(out)
    }

    pub fn decode(bytes: &[u8]) -> Result<Manifest, WitnessError> {
        let (xlen, elf_sha256, body) = open(bytes, MANIFEST_MAGIC, MANIFEST)?;
        let mut r = Reader::new(body, MANIFEST);
        let chunk_size = r.u64()?;
        let chunk_count = r.u64()?;
        if chunk_size == 0 || chunk_count == 0 {
            return Err(WitnessError::corrupt(
                MANIFEST,
                "zero chunk size or chunk count",
            ));
        }
        let final_state = r.state(xlen)?;
        let stop = match r.u8()? {
            0 => FinalStop::Exit { code: r.u64()? },
            1 => {
                let (pc, cycle) = (r.u64()?, r.u64()?);
                FinalStop::Fault {
                    pc,
                    cycle,
                    kind: r.string()?,
                    message: r.string()?,
                }
            }
            2 => FinalStop::Breakpoint { pc: r.u64()? },
            3 => FinalStop::CycleLimit,
            t => return Err(WitnessError::corrupt(MANIFEST, format!("stop kind {t}"))),
        };
        let mut digest = || -> Result<OutputDigest, WitnessError> {
            Ok(OutputDigest {
                len: r.u64()?,
                sha256: r.digest()?,
            })
        };
        let (public_output, stdout, stderr) = (digest()?, digest()?, digest()?);
        r.finish()?;
        Ok(Manifest {
            xlen,
            elf_sha256,
            chunk_size,
            chunk_count,
            final_state,
            stop,
            public_output,
            stdout,
            stderr,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record() -> ChunkRecord {
        let mut services = Vec::new();
        let entry = ServiceEntry {
            cycle: 9,
            exit: None,
            regs: vec![(10, 4)],
            writes: vec![(0x2000, 4)],
        };
        entry.encode(&mut services);
        ChunkRecord {
            xlen: Xlen::X32,
            elf_sha256: [7; 32],
            index: 3,
            start: HartState {
                pc: 0x1000,
                cycle: 5,
                reservation: NO_RESERVATION,
                regs: [2; 32],
            },
            end_cycle: 12,
            loads: vec![1, 2, 3],
            service_count: 1,
            services,
            data: vec![9, 9, 9, 9],
        }
    }

    #[test]
    fn chunk_round_trip_and_every_flipped_byte_is_an_error() {
        let mut rec = record();
        rec.start.regs[0] = 0;
        let bytes = rec.encode();
        assert_eq!(bytes.len(), rec.encoded_len());
        assert_eq!(ChunkRecord::decode(&bytes).unwrap(), rec);
        let mut r = Reader::new(&rec.services, "t");
        assert_eq!(
            ServiceEntry::decode(&mut r).unwrap().writes,
            vec![(0x2000, 4)]
        );
        for i in 0..bytes.len() {
            let mut b = bytes.clone();
            b[i] ^= 0x10;
            assert!(ChunkRecord::decode(&b).is_err(), "flip at {i}");
            assert!(ChunkRecord::decode(&bytes[..i]).is_err(), "cut at {i}");
        }
    }

    #[test]
    fn manifest_round_trip() {
        let m = Manifest {
            xlen: Xlen::X64,
            elf_sha256: [1; 32],
            chunk_size: 7,
            chunk_count: 2,
            final_state: HartState {
                pc: 0x1004,
                cycle: 13,
                reservation: 0x2000,
                regs: [0; 32],
            },
            stop: FinalStop::Fault {
                kind: "load_access".into(),
                message: "m".into(),
                pc: 0x1004,
                cycle: 13,
            },
            public_output: OutputDigest::of(b"x"),
            stdout: OutputDigest::of(b""),
            stderr: OutputDigest::of(b"e"),
        };
        assert_eq!(Manifest::decode(&m.encode()).unwrap(), m);
        assert!(matches!(
            ChunkRecord::decode(&m.encode()),
            Err(WitnessError::BadMagic { .. })
        ));
    }
}
