//! A minimal hand-written ELF builder for tests (no toolchain needed).
//!
//! Layout: ELF header, program headers, segment data (4-byte aligned), .symtab, .strtab,
//! then section headers [null, .symtab, .strtab]. Field offsets are exposed so tests can
//! corrupt exactly one field.
#![allow(dead_code)]

pub const PF_X: u32 = 1;
pub const PF_W: u32 = 2;
pub const PF_R: u32 = 4;
pub const STT_OBJECT: u8 = 1;
pub const STT_FUNC: u8 = 2;

#[derive(Clone, Debug)]
pub struct Seg {
    pub vaddr: u64,
    pub memsz: u64,
    pub data: Vec<u8>,
    pub flags: u32,
}

#[derive(Clone, Debug)]
pub struct Sym {
    pub name: String,
    pub addr: u64,
    pub size: u64,
    pub kind: u8,
}

#[derive(Clone, Debug)]
pub struct Spec {
    pub class64: bool,
    pub entry: u64,
    pub segs: Vec<Seg>,
    pub syms: Vec<Sym>,
    pub e_flags: u32,
    pub machine: u16,
    pub e_type: u16,
}

/// The bytes plus where things are.
#[derive(Clone, Debug)]
pub struct Built {
    pub bytes: Vec<u8>,
    pub class64: bool,
    pub phoff: usize,
    pub seg_offsets: Vec<usize>,
    pub symtab_off: usize,
    pub strtab_off: usize,
    pub shoff: usize,
    /// End of the last segment's file data.
    pub data_end: usize,
}

pub fn code_seg(vaddr: u64, words: &[u32]) -> Seg {
    Seg {
        vaddr,
        memsz: 4 * words.len() as u64,
        data: words.iter().flat_map(|w| w.to_le_bytes()).collect(),
        flags: PF_R | PF_X,
    }
}

pub fn func(name: &str, addr: u64, size: u64) -> Sym {
    Sym {
        name: name.into(),
        addr,
        size,
        kind: STT_FUNC,
    }
}

impl Spec {
    pub fn new(class64: bool, entry: u64, segs: Vec<Seg>) -> Spec {
        Spec {
            class64,
            entry,
            segs,
            syms: Vec::new(),
            e_flags: 0x1,
            machine: 243,
            e_type: 2,
        }
    }

    pub fn build(&self) -> Built {
        let c64 = self.class64;
        let (ehsize, phentsize, shentsize, symentsize) = if c64 {
            (64, 56, 64, 24)
        } else {
            (52, 32, 40, 16)
        };
        let phoff = ehsize;
        let mut out = vec![0u8; ehsize + phentsize * self.segs.len()];
        let mut seg_offsets = Vec::new();
        for s in &self.segs {
            align(&mut out, 4);
            seg_offsets.push(out.len());
            out.extend_from_slice(&s.data);
        }
        let data_end = out.len();
        // String table: leading NUL, then names.
        let mut strtab = vec![0u8];
        let mut name_offs = Vec::new();
        for s in &self.syms {
            name_offs.push(strtab.len() as u32);
            strtab.extend_from_slice(s.name.as_bytes());
            strtab.push(0);
        }
        align(&mut out, 8);
        let symtab_off = out.len();
        out.extend(std::iter::repeat_n(0u8, symentsize)); // null symbol
        for (s, &name) in self.syms.iter().zip(&name_offs) {
            let info = (1u8 << 4) | s.kind; // STB_GLOBAL
            let shndx: u16 = 1; // any defined section
            if c64 {
                out.extend_from_slice(&name.to_le_bytes());
                out.push(info);
                out.push(0);
                out.extend_from_slice(&shndx.to_le_bytes());
                out.extend_from_slice(&s.addr.to_le_bytes());
                out.extend_from_slice(&s.size.to_le_bytes());
            } else {
                out.extend_from_slice(&name.to_le_bytes());
                out.extend_from_slice(&(s.addr as u32).to_le_bytes());
                out.extend_from_slice(&(s.size as u32).to_le_bytes());
                out.push(info);
                out.push(0);
                out.extend_from_slice(&shndx.to_le_bytes());
            }
        }
        let symtab_size = out.len() - symtab_off;
        let strtab_off = out.len();
        out.extend_from_slice(&strtab);
        align(&mut out, 8);
        let shoff = out.len();
        out.extend(std::iter::repeat_n(0u8, shentsize)); // null section
        let mut sh = |name: u32, kind: u32, off: usize, size: usize, link: u32, entsize: usize| {
            let mut w = W { out: &mut out, c64 };
            w.u32(name);
            w.u32(kind);
            w.word(0); // flags
            w.word(0); // addr
            w.word(off as u64);
            w.word(size as u64);
            w.u32(link);
            w.u32(1); // info: index of the first global symbol
            w.word(8); // addralign
            w.word(entsize as u64);
        };
        sh(0, 2, symtab_off, symtab_size, 2, symentsize); // .symtab, link -> .strtab
        sh(0, 3, strtab_off, strtab.len(), 0, 0); // .strtab

        // ELF header.
        let mut h = Vec::new();
        h.extend_from_slice(b"\x7fELF");
        h.push(if c64 { 2 } else { 1 });
        h.push(1); // little-endian
        h.push(1); // EV_CURRENT
        h.extend_from_slice(&[0; 9]);
        {
            let mut w = W { out: &mut h, c64 };
            w.u16(self.e_type);
            w.u16(self.machine);
            w.u32(1);
            w.word(self.entry);
            w.word(phoff as u64);
            w.word(shoff as u64);
            w.u32(self.e_flags);
            w.u16(ehsize as u16);
            w.u16(phentsize as u16);
            w.u16(self.segs.len() as u16);
            w.u16(shentsize as u16);
            w.u16(3);
            w.u16(0);
        }
        assert_eq!(h.len(), ehsize);
        // Program headers.
        for (s, &off) in self.segs.iter().zip(&seg_offsets) {
            let mut w = W { out: &mut h, c64 };
            w.u32(1); // PT_LOAD
            if c64 {
                w.u32(s.flags);
            }
            w.word(off as u64);
            w.word(s.vaddr);
            w.word(s.vaddr);
            w.word(s.data.len() as u64);
            w.word(s.memsz);
            if !c64 {
                w.u32(s.flags);
            }
            w.word(4);
        }
        out[..h.len()].copy_from_slice(&h);
        Built {
            bytes: out,
            class64: c64,
            phoff,
            seg_offsets,
            symtab_off,
            strtab_off,
            shoff,
            data_end,
        }
    }
}

fn align(out: &mut Vec<u8>, a: usize) {
    while !out.len().is_multiple_of(a) {
        out.push(0);
    }
}

struct W<'a> {
    out: &'a mut Vec<u8>,
    c64: bool,
}

impl W<'_> {
    fn u16(&mut self, v: u16) {
        self.out.extend_from_slice(&v.to_le_bytes());
    }
    fn u32(&mut self, v: u32) {
        self.out.extend_from_slice(&v.to_le_bytes());
    }
    /// An address-sized field.
    fn word(&mut self, v: u64) {
        if self.c64 {
            self.out.extend_from_slice(&v.to_le_bytes());
        } else {
            self.out.extend_from_slice(&(v as u32).to_le_bytes());
        }
    }
}

/// Header fields that tests corrupt: (offset, width) for this class.
#[derive(Clone, Copy, Debug)]
pub enum Field {
    Type,
    Machine,
    Entry,
    Phoff,
    Shoff,
    Flags,
    Phentsize,
    Phnum,
    Shentsize,
    Shnum,
}

#[derive(Clone, Copy, Debug)]
pub enum PhField {
    Type,
    Flags,
    Offset,
    Vaddr,
    Filesz,
    Memsz,
}

impl Built {
    pub fn field(&self, f: Field) -> (usize, usize) {
        let w = if self.class64 { 8 } else { 4 };
        let c = self.class64;
        match f {
            Field::Type => (16, 2),
            Field::Machine => (18, 2),
            Field::Entry => (24, w),
            Field::Phoff => (if c { 32 } else { 28 }, w),
            Field::Shoff => (if c { 40 } else { 32 }, w),
            Field::Flags => (if c { 48 } else { 36 }, 4),
            Field::Phentsize => (if c { 54 } else { 42 }, 2),
            Field::Phnum => (if c { 56 } else { 44 }, 2),
            Field::Shentsize => (if c { 58 } else { 46 }, 2),
            Field::Shnum => (if c { 60 } else { 48 }, 2),
        }
    }

    pub fn ph_field(&self, index: usize, f: PhField) -> (usize, usize) {
        let c = self.class64;
        let base = self.phoff + index * if c { 56 } else { 32 };
        let w = if c { 8 } else { 4 };
        let (off, width) = match f {
            PhField::Type => (0, 4),
            PhField::Flags => (if c { 4 } else { 24 }, 4),
            PhField::Offset => (if c { 8 } else { 4 }, w),
            PhField::Vaddr => (if c { 16 } else { 8 }, w),
            PhField::Filesz => (if c { 32 } else { 16 }, w),
            PhField::Memsz => (if c { 40 } else { 20 }, w),
        };
        (base + off, width)
    }

    /// Section header `index` field at byte offset `off` within the entry (class-specific).
    pub fn sh_entry(&self, index: usize) -> usize {
        self.shoff + index * if self.class64 { 64 } else { 40 }
    }

    pub fn with(&self, (off, width): (usize, usize), value: u64) -> Vec<u8> {
        let mut b = self.bytes.clone();
        b[off..off + width].copy_from_slice(&value.to_le_bytes()[..width]);
        b
    }

    pub fn set(&mut self, (off, width): (usize, usize), value: u64) {
        self.bytes[off..off + width].copy_from_slice(&value.to_le_bytes()[..width]);
    }
}
