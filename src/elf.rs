//! ELF loading and validation.
//!
//! The input is untrusted: every header field is checked here, with explicit bounds, before
//! goblin parses the structure it describes, and every goblin error becomes an [`ElfError`].
//! Segment copies total at most twice the file size; the decoded code is bounded by
//! [`MAX_CODE_BYTES`]; nothing else grows beyond the file size.
//!
//! Accepted: ELF32/ELF64, little-endian, EM_RISCV, ET_EXEC, soft-float ABI, at least one
//! PT_LOAD. Kept: entry point, PT_LOAD segments, and the STT_FUNC symbols inside executable
//! segments (symbols are optional: a broken symbol table just yields none).

use goblin::container::{Container, Ctx, Endian};
use goblin::elf::header::{self, Header};
use goblin::elf::program_header::{ProgramHeader, PF_R, PF_W, PF_X, PT_LOAD};
use goblin::elf::section_header::{SectionHeader, SHT_SYMTAB};
use goblin::elf::sym::{Sym, STT_FUNC};
use goblin::elf::Elf;
use thiserror::Error;

use crate::isa::Xlen;
use crate::memory::{
    SegmentImage, ADDRESS_LIMIT_32, ADDRESS_LIMIT_64, NULL_GUARD, PERM_R, PERM_W, PERM_X,
};
use crate::program::{Program, Symbol};

/// At most this many program headers (real guests have a handful).
pub const MAX_PROGRAM_HEADERS: usize = 4096;
/// Total memory size of the executable segments: the decoded code takes one slot per
/// halfword, so this bounds the loader's largest allocation.
pub const MAX_CODE_BYTES: u64 = 64 << 20;
/// At most this many symbols are read from the symbol table.
pub const MAX_SYMBOLS: usize = 1 << 20;
/// Symbol names are cut at this length, and kept only up to this total.
pub const MAX_SYMBOL_NAME: usize = 4096;
pub const MAX_SYMBOL_NAME_BYTES: usize = 64 << 20;

const EM_RISCV: u16 = 243;
/// RISC-V e_flags: float ABI field (0 = soft, 2 = single, 4 = double, 6 = quad).
const EF_RISCV_FLOAT_ABI: u32 = 0x6;

/// Why an ELF file was rejected. Each message is one line.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum ElfError {
    #[error("not an ELF file (bad magic)")]
    NotElf,
    #[error("file too short for an ELF header ({len} bytes)")]
    TooShort { len: usize },
    #[error("unsupported ELF class {class} (expected 1 = ELF32 or 2 = ELF64)")]
    BadClass { class: u8 },
    #[error("big-endian ELF; RISC-V guests are little-endian")]
    BigEndian,
    #[error("invalid ELF data encoding {data}")]
    BadEncoding { data: u8 },
    #[error("ELF is for machine {name} ({machine}), not RISC-V ({EM_RISCV})")]
    WrongMachine { machine: u16, name: &'static str },
    #[error(
        "ELF type {name} ({e_type}) is not an executable (ET_EXEC); link the guest statically"
    )]
    NotExecutable { e_type: u16, name: &'static str },
    #[error("uses the F/D floating-point ABI; rvjit supports IMAC only (e_flags {flags:#x})")]
    FloatAbi { flags: u32 },
    #[error("program header entry size {size} is wrong (expected {expected})")]
    BadProgramHeaderSize { size: u16, expected: u16 },
    #[error("{count} program headers is too many (limit {MAX_PROGRAM_HEADERS})")]
    TooManyProgramHeaders { count: usize },
    #[error(
        "program header table at {offset:#x} ({count} entries) lies outside the {len}-byte file"
    )]
    ProgramHeadersOutOfFile {
        offset: u64,
        count: usize,
        len: usize,
    },
    #[error("no PT_LOAD segment: nothing to run")]
    NoLoadSegment,
    #[error("segment {index}: file range {offset:#x}+{filesz:#x} lies past the end of the {len}-byte file")]
    SegmentPastEof {
        index: usize,
        offset: u64,
        filesz: u64,
        len: usize,
    },
    #[error("segment {index} at {vaddr:#x}: file size {filesz:#x} exceeds memory size {memsz:#x}")]
    FileszExceedsMemsz {
        index: usize,
        vaddr: u64,
        filesz: u64,
        memsz: u64,
    },
    #[error("segment {index} at {vaddr:#x}: memory size {memsz:#x} exceeds the {limit:#x}-byte address space")]
    SegmentTooLarge {
        index: usize,
        vaddr: u64,
        memsz: u64,
        limit: u64,
    },
    #[error("segment {index} at {vaddr:#x}+{memsz:#x} lies outside the guest address space [{NULL_GUARD:#x}, {limit:#x})")]
    OutsideAddressSpace {
        index: usize,
        vaddr: u64,
        memsz: u64,
        limit: u64,
    },
    #[error("segment {index} at {vaddr:#x} lies in the null guard below {NULL_GUARD:#x}")]
    InNullGuard { index: usize, vaddr: u64 },
    #[error("segments overlap in memory: {a_start:#x}..{a_end:#x} and {b_start:#x}..{b_end:#x}")]
    Overlap {
        a_start: u64,
        a_end: u64,
        b_start: u64,
        b_end: u64,
    },
    #[error(
        "executable segments total {bytes:#x} bytes, more than the {MAX_CODE_BYTES:#x}-byte limit"
    )]
    CodeTooLarge { bytes: u64 },
    #[error(
        "segments reference {total:#x} bytes of file data, more than twice the {len}-byte file"
    )]
    FileDataTooLarge { total: u64, len: usize },
    #[error("entry point {entry:#x} is not inside an executable segment")]
    EntryNotExecutable { entry: u64 },
    #[error("malformed ELF: {0}")]
    Malformed(String),
}

fn malformed(e: goblin::error::Error) -> ElfError {
    // goblin messages can span lines; keep ours on one.
    ElfError::Malformed(e.to_string().replace('\n', " "))
}

/// Parse and validate a RISC-V executable.
pub fn load(bytes: &[u8]) -> Result<Program, ElfError> {
    let (hdr, ctx, xlen) = parse_header(bytes)?;
    let phdrs = parse_program_headers(bytes, &hdr, ctx)?;
    let segments = load_segments(bytes, &phdrs, xlen)?;
    let entry = hdr.e_entry;
    let in_code =
        |s: &SegmentImage| s.perm & PERM_X != 0 && entry >= s.vaddr && entry - s.vaddr < s.memsz;
    if !segments.iter().any(in_code) {
        return Err(ElfError::EntryNotExecutable { entry });
    }
    let functions = function_symbols(bytes, &hdr, ctx, &segments);
    Ok(Program::from_parts(xlen, entry, segments, functions))
}

/// Check the identification bytes by hand (goblin would accept some of these), then let goblin
/// read the header proper.
fn parse_header(bytes: &[u8]) -> Result<(Header, Ctx, Xlen), ElfError> {
    if bytes.len() < header::SIZEOF_IDENT {
        return Err(if bytes.len() >= 4 && bytes[..4] != *header::ELFMAG {
            ElfError::NotElf
        } else {
            ElfError::TooShort { len: bytes.len() }
        });
    }
    if bytes[..4] != *header::ELFMAG {
        return Err(ElfError::NotElf);
    }
    let (container, xlen, ehsize, phentsize) = match bytes[header::EI_CLASS] {
        header::ELFCLASS32 => (
            Container::Little,
            Xlen::X32,
            header::header32::SIZEOF_EHDR,
            32u16,
        ),
        header::ELFCLASS64 => (
            Container::Big,
            Xlen::X64,
            header::header64::SIZEOF_EHDR,
            56u16,
        ),
        class => return Err(ElfError::BadClass { class }),
    };
    match bytes[header::EI_DATA] {
        header::ELFDATA2LSB => {}
        header::ELFDATA2MSB => return Err(ElfError::BigEndian),
        data => return Err(ElfError::BadEncoding { data }),
    }
    if bytes.len() < ehsize {
        return Err(ElfError::TooShort { len: bytes.len() });
    }
    let hdr = Elf::parse_header(bytes).map_err(malformed)?;
    if hdr.e_machine != EM_RISCV {
        return Err(ElfError::WrongMachine {
            machine: hdr.e_machine,
            name: header::machine_to_str(hdr.e_machine),
        });
    }
    if hdr.e_type != header::ET_EXEC {
        return Err(ElfError::NotExecutable {
            e_type: hdr.e_type,
            name: header::et_to_str(hdr.e_type),
        });
    }
    if hdr.e_flags & EF_RISCV_FLOAT_ABI != 0 {
        return Err(ElfError::FloatAbi { flags: hdr.e_flags });
    }
    if hdr.e_phentsize != phentsize {
        return Err(ElfError::BadProgramHeaderSize {
            size: hdr.e_phentsize,
            expected: phentsize,
        });
    }
    Ok((hdr, Ctx::new(container, Endian::Little), xlen))
}

fn parse_program_headers(
    bytes: &[u8],
    hdr: &Header,
    ctx: Ctx,
) -> Result<Vec<ProgramHeader>, ElfError> {
    let count = usize::from(hdr.e_phnum);
    // 0xffff (PN_XNUM) means "more than fit in e_phnum": far beyond any guest.
    if count > MAX_PROGRAM_HEADERS {
        return Err(ElfError::TooManyProgramHeaders { count });
    }
    let out_of_file = ElfError::ProgramHeadersOutOfFile {
        offset: hdr.e_phoff,
        count,
        len: bytes.len(),
    };
    let table = (count as u64) * u64::from(hdr.e_phentsize);
    let offset = usize::try_from(hdr.e_phoff).map_err(|_| out_of_file.clone())?;
    match hdr.e_phoff.checked_add(table) {
        Some(end) if end <= bytes.len() as u64 => {}
        _ => return Err(out_of_file),
    }
    if count == 0 {
        return Err(ElfError::NoLoadSegment);
    }
    ProgramHeader::parse(bytes, offset, count, ctx).map_err(malformed)
}

fn perm_of(p_flags: u32) -> u8 {
    let mut perm = 0;
    if p_flags & PF_R != 0 {
        perm |= PERM_R;
    }
    if p_flags & PF_X != 0 {
        // Code is immutable after load (it is decoded once, and FENCE.I is a no-op), so an
        // executable segment is read + execute even if the ELF also asks for write: a store to
        // code faults instead of silently diverging from what executes.
        return perm | PERM_X | PERM_R;
    }
    if p_flags & PF_W != 0 {
        perm |= PERM_W;
    }
    perm
}

/// Validate the PT_LOAD segments and copy their file bytes; sorted by address.
fn load_segments(
    bytes: &[u8],
    phdrs: &[ProgramHeader],
    xlen: Xlen,
) -> Result<Vec<SegmentImage>, ElfError> {
    let limit = match xlen {
        Xlen::X32 => ADDRESS_LIMIT_32,
        Xlen::X64 => ADDRESS_LIMIT_64,
    };
    let mut segments = Vec::new();
    let mut any_load = false;
    let mut code_bytes = 0u64;
    // Segments may share file bytes, but many segments naming one large range must not
    // multiply the memory the copies take.
    let mut file_bytes = 0u64;
    for (index, ph) in phdrs
        .iter()
        .enumerate()
        .filter(|(_, ph)| ph.p_type == PT_LOAD)
    {
        any_load = true;
        let (vaddr, memsz, filesz, offset) = (ph.p_vaddr, ph.p_memsz, ph.p_filesz, ph.p_offset);
        let file_range = offset
            .checked_add(filesz)
            .filter(|&end| end <= bytes.len() as u64)
            .map(|end| offset as usize..end as usize)
            .ok_or(ElfError::SegmentPastEof {
                index,
                offset,
                filesz,
                len: bytes.len(),
            })?;
        if filesz > memsz {
            return Err(ElfError::FileszExceedsMemsz {
                index,
                vaddr,
                filesz,
                memsz,
            });
        }
        file_bytes += filesz; // each filesz <= file length, at most 4096 of them: no overflow
        if file_bytes > 2 * bytes.len() as u64 {
            return Err(ElfError::FileDataTooLarge {
                total: file_bytes,
                len: bytes.len(),
            });
        }
        if memsz == 0 {
            // Occupies no memory; nothing to map or check.
            continue;
        }
        if memsz > limit {
            return Err(ElfError::SegmentTooLarge {
                index,
                vaddr,
                memsz,
                limit,
            });
        }
        if vaddr.checked_add(memsz).is_none_or(|end| end > limit) {
            return Err(ElfError::OutsideAddressSpace {
                index,
                vaddr,
                memsz,
                limit,
            });
        }
        if vaddr < NULL_GUARD {
            return Err(ElfError::InNullGuard { index, vaddr });
        }
        let perm = perm_of(ph.p_flags);
        if perm & PERM_X != 0 {
            code_bytes = code_bytes.saturating_add(memsz);
            if code_bytes > MAX_CODE_BYTES {
                return Err(ElfError::CodeTooLarge { bytes: code_bytes });
            }
        }
        segments.push(SegmentImage {
            vaddr,
            memsz,
            data: bytes[file_range].to_vec(),
            perm,
        });
    }
    if !any_load {
        return Err(ElfError::NoLoadSegment);
    }
    segments.sort_by_key(|s| s.vaddr);
    for w in segments.windows(2) {
        // Bounds were checked above, so these additions cannot overflow.
        let (a, b) = (&w[0], &w[1]);
        if a.vaddr + a.memsz > b.vaddr {
            return Err(ElfError::Overlap {
                a_start: a.vaddr,
                a_end: a.vaddr + a.memsz,
                b_start: b.vaddr,
                b_end: b.vaddr + b.memsz,
            });
        }
    }
    Ok(segments)
}

/// STT_FUNC symbols inside executable segments, sorted by address then name, deduplicated.
/// Any problem with the section or symbol tables yields no symbols (they are optional).
fn function_symbols(
    bytes: &[u8],
    hdr: &Header,
    ctx: Ctx,
    segments: &[SegmentImage],
) -> Vec<Symbol> {
    let Some((syms, strings)) = read_symbols(bytes, hdr, ctx) else {
        return Vec::new();
    };
    let in_code = |addr: u64| {
        segments
            .iter()
            .any(|s| s.perm & PERM_X != 0 && addr >= s.vaddr && addr - s.vaddr < s.memsz)
    };
    let mut out = Vec::new();
    let mut name_bytes = 0usize;
    for sym in syms {
        if sym.st_type() != STT_FUNC || sym.st_shndx == 0 || !in_code(sym.st_value) {
            continue;
        }
        let name = symbol_name(strings, sym.st_name);
        if name.is_empty() {
            continue;
        }
        // Many symbols sharing one huge name must not multiply memory use.
        name_bytes += name.len();
        if name_bytes > MAX_SYMBOL_NAME_BYTES {
            break;
        }
        out.push(Symbol {
            name,
            addr: sym.st_value,
            size: sym.st_size,
        });
    }
    out.sort_by(|a, b| (a.addr, &a.name, a.size).cmp(&(b.addr, &b.name, b.size)));
    out.dedup_by(|a, b| a.addr == b.addr && a.name == b.name);
    out
}

/// The NUL-terminated name at `at` in the string table, cut at [`MAX_SYMBOL_NAME`] bytes.
fn symbol_name(strings: &[u8], at: usize) -> String {
    let s = strings.get(at..).unwrap_or_default();
    let s = &s[..s.len().min(MAX_SYMBOL_NAME)];
    let end = s.iter().position(|&b| b == 0).unwrap_or(s.len());
    String::from_utf8_lossy(&s[..end]).into_owned()
}

/// A file range `[offset, offset + size)` as a slice, if it lies inside the file.
fn slice_at(bytes: &[u8], offset: u64, size: u64) -> Option<&[u8]> {
    let start = usize::try_from(offset).ok()?;
    let end = start.checked_add(usize::try_from(size).ok()?)?;
    bytes.get(start..end)
}

/// The symbols of the first SHT_SYMTAB and the bytes of its string table.
fn read_symbols<'a>(bytes: &'a [u8], hdr: &Header, ctx: Ctx) -> Option<(Vec<Sym>, &'a [u8])> {
    let (shentsize, symentsize) = match ctx.container {
        Container::Little => (40u64, 16u64),
        Container::Big => (64, 24),
    };
    let shnum = u64::from(hdr.e_shnum);
    if hdr.e_shoff == 0 || shnum == 0 || u64::from(hdr.e_shentsize) != shentsize {
        return None;
    }
    slice_at(bytes, hdr.e_shoff, shnum * shentsize)?;
    let sections = SectionHeader::parse(
        bytes,
        usize::try_from(hdr.e_shoff).ok()?,
        shnum as usize,
        ctx,
    )
    .ok()?;
    let symtab = sections.iter().find(|s| s.sh_type == SHT_SYMTAB)?;
    let strtab = sections.get(usize::try_from(symtab.sh_link).ok()?)?;
    let strings = slice_at(bytes, strtab.sh_offset, strtab.sh_size)?;
    slice_at(bytes, symtab.sh_offset, symtab.sh_size)?;
    let count = usize::try_from(symtab.sh_size / symentsize)
        .ok()?
        .min(MAX_SYMBOLS);
    let syms = Sym::parse(bytes, usize::try_from(symtab.sh_offset).ok()?, count, ctx).ok()?;
    Some((syms, strings))
}
