//! The guest address space.
//!
//! One anonymous host mapping (memmap2) backs guest addresses `[0, span)`, so guest address `a`
//! lives at host `base + a`. Every access is checked against a per-page permission table
//! before it touches the mapping; the host mapping itself is plain read-write memory and never
//! executable. Placement rules (documented in docs/ARCHITECTURE.md):
//!
//! - PT_LOAD segments keep their ELF permissions; executable segments are read + execute,
//!   never writable ("store to code" faults).
//! - The RAM window (read-write, `MemoryConfig::ram_size`, default 512 MiB) starts at the page
//!   holding the lowest writable segment (or, with none, right after the highest segment) and
//!   must cover every writable segment. Non-writable segments inside it keep their permissions.
//! - Addresses below [`NULL_GUARD`] are never mapped.
//! - The input blob is mapped read-only at the first 1 MiB boundary above both the RAM window
//!   and every segment.
//! - A page shared by regions with different permissions is marked [`PERM_MIXED`] and checked
//!   byte-exactly against the region list (slow path only).

use std::ops::Range;

use memmap2::{MmapMut, MmapOptions};
use thiserror::Error;

use crate::isa::Xlen;
use crate::outcome::FaultKind;

pub const PAGE_SHIFT: u32 = 12;
pub const PAGE: u64 = 1 << PAGE_SHIFT;
/// Addresses below this always fault.
pub const NULL_GUARD: u64 = 0x1000;
/// Default RAM window size.
pub const DEFAULT_RAM_SIZE: u64 = 512 << 20;
/// Alignment of the input blob's base address.
pub const INPUT_ALIGN: u64 = 1 << 20;
/// Highest guest address (exclusive) rvjit maps for RV64 guests.
pub const ADDRESS_LIMIT_64: u64 = 1 << 36;
/// Highest guest address (exclusive) for RV32 guests.
pub const ADDRESS_LIMIT_32: u64 = 1 << 32;

pub const PERM_R: u8 = 1;
pub const PERM_W: u8 = 2;
pub const PERM_X: u8 = 4;
/// The page holds regions with different permissions: consult the region list.
pub const PERM_MIXED: u8 = 8;
/// Permissions of a plain RAM page; translated code tests `perm == PERM_RAM` on its fast path.
pub const PERM_RAM: u8 = PERM_R | PERM_W;

/// What to do with a load or store whose address is not a multiple of its size.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub enum MisalignedPolicy {
    /// Perform it and count it (the Ethereum standard target requires Zicclsm).
    #[default]
    Allow,
    /// Fault with `MisalignedLoad` / `MisalignedStore`.
    Trap,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MemoryConfig {
    pub ram_size: u64,
    pub misaligned: MisalignedPolicy,
}

impl Default for MemoryConfig {
    fn default() -> Self {
        MemoryConfig {
            ram_size: DEFAULT_RAM_SIZE,
            misaligned: MisalignedPolicy::Allow,
        }
    }
}

/// A loadable piece of the guest image: `data` at `vaddr`, zero-filled up to `memsz`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SegmentImage {
    pub vaddr: u64,
    pub memsz: u64,
    pub data: Vec<u8>,
    /// `PERM_R | PERM_W | PERM_X` bits.
    pub perm: u8,
}

/// Where things were placed.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Layout {
    pub ram: Range<u64>,
    pub input: Range<u64>,
    /// Size of the host mapping: guest addresses `[0, span)` are backed.
    pub span: u64,
}

#[derive(Debug, Error)]
pub enum LayoutError {
    #[error("segment at {vaddr:#x} lies in the null guard below {NULL_GUARD:#x}")]
    InNullGuard { vaddr: u64 },
    #[error("segment {vaddr:#x}..{end:#x} lies outside the {limit:#x}-byte guest address space")]
    OutsideAddressSpace { vaddr: u64, end: u64, limit: u64 },
    #[error("RAM window of {ram_size:#x} bytes from {start:#x} does not cover writable data up to {need:#x}; raise --memory")]
    RamTooSmall {
        start: u64,
        need: u64,
        ram_size: u64,
    },
    #[error("RAM window or input blob does not fit below the address-space limit {limit:#x}; lower --memory")]
    DoesNotFit { limit: u64 },
    #[error("segment at {vaddr:#x} has {data} bytes of data but a memory size of {memsz}")]
    DataLargerThanMemory { vaddr: u64, data: u64, memsz: u64 },
    #[error("cannot reserve {bytes:#x} bytes of host memory for the guest: {source}")]
    Mmap { bytes: u64, source: std::io::Error },
}

/// A region with uniform permissions, kept for the byte-exact check of mixed pages.
#[derive(Clone, Debug)]
struct Region {
    range: Range<u64>,
    perm: u8,
}

pub struct GuestMemory {
    map: MmapMut,
    /// One byte per page of `[0, span)`.
    perms: Vec<u8>,
    /// Derived from `perms` once the layout is complete: zero where an aligned load (store)
    /// of the page needs no further check, one elsewhere, plus a nonzero sentinel.
    fast_load: Vec<u8>,
    fast_store: Vec<u8>,
    /// Second-level tables (see [`GuestMemory::page_runs`]), one `u32` per page + sentinel.
    runs_load: Vec<u32>,
    runs_store: Vec<u32>,
    /// Derived from the fast tables (see [`GuestMemory::fast_windows`]).
    windows: FastWindows,
    /// Later entries take precedence (segments after RAM, input last).
    regions: Vec<Region>,
    layout: Layout,
    misaligned: MisalignedPolicy,
    /// Misaligned accesses performed under [`MisalignedPolicy::Allow`].
    pub misaligned_count: u64,
}

fn align_down(v: u64, a: u64) -> u64 {
    v & !(a - 1)
}

fn align_up(v: u64, a: u64) -> Option<u64> {
    Some(v.checked_add(a - 1)? & !(a - 1))
}

impl GuestMemory {
    /// Place the segments, the RAM window and the input blob, and copy their bytes in.
    pub fn new(
        segments: &[SegmentImage],
        xlen: Xlen,
        config: &MemoryConfig,
        input: &[u8],
    ) -> Result<GuestMemory, LayoutError> {
        let limit = match xlen {
            Xlen::X32 => ADDRESS_LIMIT_32,
            Xlen::X64 => ADDRESS_LIMIT_64,
        };
        let mut seg_end_max = NULL_GUARD;
        for s in segments {
            if (s.data.len() as u64) > s.memsz {
                return Err(LayoutError::DataLargerThanMemory {
                    vaddr: s.vaddr,
                    data: s.data.len() as u64,
                    memsz: s.memsz,
                });
            }
            let end = s.vaddr.checked_add(s.memsz).filter(|&e| e <= limit).ok_or(
                LayoutError::OutsideAddressSpace {
                    vaddr: s.vaddr,
                    end: s.vaddr.wrapping_add(s.memsz),
                    limit,
                },
            )?;
            if s.vaddr < NULL_GUARD {
                return Err(LayoutError::InNullGuard { vaddr: s.vaddr });
            }
            seg_end_max = seg_end_max.max(end);
        }
        let writable = segments.iter().filter(|s| s.perm & PERM_W != 0);
        let ram_start = match writable.clone().map(|s| s.vaddr).min() {
            Some(lo) => align_down(lo, PAGE),
            None => align_up(seg_end_max, PAGE).ok_or(LayoutError::DoesNotFit { limit })?,
        };
        let need = writable
            .map(|s| s.vaddr + s.memsz)
            .max()
            .unwrap_or(ram_start);
        let ram_end = ram_start
            .checked_add(config.ram_size)
            .filter(|&e| e <= limit)
            .ok_or(LayoutError::DoesNotFit { limit })?;
        if need > ram_end {
            return Err(LayoutError::RamTooSmall {
                start: ram_start,
                need,
                ram_size: config.ram_size,
            });
        }
        let input_start = align_up(ram_end.max(seg_end_max), INPUT_ALIGN)
            .ok_or(LayoutError::DoesNotFit { limit })?;
        let input_end = input_start
            .checked_add(input.len() as u64)
            .filter(|&e| e <= limit)
            .ok_or(LayoutError::DoesNotFit { limit })?;
        let span =
            align_up(input_end.max(ram_end), PAGE).ok_or(LayoutError::DoesNotFit { limit })?;
        let map_len = usize::try_from(span).map_err(|_| LayoutError::DoesNotFit { limit })?;
        let map = MmapOptions::new()
            .len(map_len)
            .map_anon()
            .map_err(|source| LayoutError::Mmap {
                bytes: span,
                source,
            })?;
        let pages = (span >> PAGE_SHIFT) as usize;
        let mut mem = GuestMemory {
            map,
            // One more page than the span: a zero sentinel, the last entry of the fast tables
            // derived from it (translated code clamps page numbers to it).
            perms: vec![0; pages + 1],
            fast_load: Vec::new(),
            fast_store: Vec::new(),
            runs_load: Vec::new(),
            runs_store: Vec::new(),
            windows: FastWindows::default(),
            regions: Vec::new(),
            layout: Layout {
                ram: ram_start..ram_end,
                input: input_start..input_end,
                span,
            },
            misaligned: config.misaligned,
            misaligned_count: 0,
        };
        mem.add_region(ram_start..ram_end, PERM_RAM);
        for s in segments {
            mem.add_region(s.vaddr..s.vaddr + s.memsz, s.perm);
            let at = s.vaddr as usize;
            mem.map[at..at + s.data.len()].copy_from_slice(&s.data);
        }
        mem.add_region(input_start..input_end, PERM_R);
        let at = input_start as usize;
        mem.map[at..at + input.len()].copy_from_slice(input);
        mem.fast_load = mem
            .perms
            .iter()
            .map(|&p| u8::from(p & (PERM_R | PERM_MIXED) != PERM_R))
            .collect();
        mem.fast_store = mem.perms.iter().map(|&p| u8::from(p != PERM_RAM)).collect();
        for page in 0..(NULL_GUARD >> PAGE_SHIFT) as usize {
            // The null guard faults whatever a segment there says (as `check` does).
            if let (Some(l), Some(s)) = (mem.fast_load.get_mut(page), mem.fast_store.get_mut(page))
            {
                (*l, *s) = (1, 1);
            }
        }
        mem.runs_load = vec![0; mem.perms.len()];
        mem.runs_store = vec![0; mem.perms.len()];
        let guard_pages = (NULL_GUARD >> PAGE_SHIFT) as usize;
        for page in guard_pages..pages {
            if mem.perms.get(page).is_some_and(|&p| p & PERM_MIXED != 0) {
                let bytes = mem.page_byte_perms(page as u64);
                mem.runs_load[page] = single_run(&bytes, PERM_R);
                mem.runs_store[page] = single_run(&bytes, PERM_W);
            }
            // A mixed page every byte of which allows the access (code next to RAM, say) is as
            // fast as a uniform one, and a fast page is one run from end to end.
            for (fast, run) in [
                (&mut mem.fast_load, &mut mem.runs_load[page]),
                (&mut mem.fast_store, &mut mem.runs_store[page]),
            ] {
                if let Some(f) = fast.get_mut(page) {
                    if *run == FULL_PAGE_RUN {
                        *f = 0;
                    } else if *f == 0 {
                        *run = FULL_PAGE_RUN;
                    }
                }
            }
        }
        mem.windows = FastWindows {
            load: windows_of(&mem.fast_load),
            store: windows_of(&mem.fast_store),
        };
        Ok(mem)
    }

    /// The exact permissions of every byte of `page` (a mixed page).
    fn page_byte_perms(&self, page: u64) -> Vec<u8> {
        let start = page << PAGE_SHIFT;
        let mut bytes = vec![0u8; PAGE as usize];
        for r in &self.regions {
            let lo = r.range.start.max(start);
            let hi = r.range.end.min(start + PAGE);
            if lo < hi {
                if let Some(run) = bytes.get_mut((lo - start) as usize..(hi - start) as usize) {
                    run.fill(r.perm);
                }
            }
        }
        bytes
    }

    /// Record a region and update the page table. Callers guarantee `range.end <= span`.
    fn add_region(&mut self, range: Range<u64>, perm: u8) {
        if range.is_empty() {
            return;
        }
        let first = range.start >> PAGE_SHIFT;
        let last = (range.end - 1) >> PAGE_SHIFT;
        for page in first..=last {
            let page_start = page << PAGE_SHIFT;
            let covers_page = range.start <= page_start && range.end >= page_start + PAGE;
            let slot = &mut self.perms[page as usize];
            // A partial cover keeps the page uniform only if it already had the same permissions.
            *slot = if covers_page || *slot == perm {
                perm
            } else {
                PERM_MIXED
            };
        }
        self.regions.push(Region { range, perm });
    }

    pub fn layout(&self) -> &Layout {
        &self.layout
    }

    pub fn misaligned_policy(&self) -> MisalignedPolicy {
        self.misaligned
    }

    /// Translated code's fast-path tables `(load, store)`: one byte per page of the span and a
    /// sentinel (page numbers at or beyond the span clamp to it), zero exactly where an aligned
    /// access needs no further check: readable uniform pages for loads, plain RAM for stores.
    pub fn fast_tables(&self) -> (&[u8], &[u8]) {
        (&self.fast_load, &self.fast_store)
    }

    /// Translated code's second-level tables `(load, store)`, consulted when the fast windows
    /// (and tables) say no: per page (and the sentinel), `lo | hi << 16` where `lo..hi` is the
    /// one run of page offsets whose bytes all allow the access: the whole page where the fast
    /// table allows it, the run on a mixed page whose allowed bytes form a single run (a
    /// segment's last page with the gap after it, typically), 0 (no run) everywhere else. An
    /// aligned access at offset `off` of a page may go straight to host memory iff
    /// `lo <= off && off + size <= hi`, exactly what [`Self::check`] decides byte by byte.
    pub fn page_runs(&self) -> (&[u32], &[u32]) {
        (&self.runs_load, &self.runs_store)
    }

    /// Address ranges where every aligned load (store) may go straight to host memory, for
    /// translated code to check against with immediates (see [`FastWindows`]).
    pub fn fast_windows(&self) -> &FastWindows {
        &self.windows
    }

    /// Does every window of `w` lie where this memory's fast tables allow the access? Code
    /// translated with windows from another layout may run on this memory only if so.
    pub fn allows_windows(&self, w: &FastWindows) -> bool {
        let inside = |win: &Window, fast: &[u8]| {
            let end = win.lo.checked_add(win.len).filter(|_| win.len > 0);
            let Some(last) = end.map(|e| e - 1) else {
                return false;
            };
            let pages = (win.lo >> PAGE_SHIFT) as usize..=(last >> PAGE_SHIFT) as usize;
            // The last table entry is the sentinel (never zero), so a window past the span
            // fails here.
            fast.get(pages).is_some_and(|p| p.iter().all(|&b| b == 0))
        };
        w.load.iter().all(|win| inside(win, &self.fast_load))
            && w.store.iter().all(|win| inside(win, &self.fast_store))
    }

    /// Ask the kernel for transparent huge pages in the whole mapping (advice only: an error,
    /// or a kernel that ignores it, changes nothing but speed). A guest filling fresh stack
    /// and heap then takes a page fault per 2 MiB instead of per 4 KiB; only touched 2 MiB
    /// ranges are backed, so memory use stays bounded by the mapping as before. The
    /// translator asks when it starts running; the interpreter, slow enough that faults do not
    /// show, does not (a first touch clears 2 MiB, which the thousands of short test runs
    /// would pay for).
    pub fn advise_huge_pages(&self) {
        #[cfg(target_os = "linux")]
        let _ = self.map.advise(memmap2::Advice::HugePage);
    }

    /// Host address of guest address 0. Translated code adds guest addresses to it after its
    /// checks have passed.
    pub fn host_base(&mut self) -> *mut u8 {
        self.map.as_mut_ptr()
    }

    /// Exact permission bits of the byte at `addr` (0 if unmapped).
    fn byte_perm(&self, addr: u64) -> u8 {
        self.regions
            .iter()
            .rev()
            .find(|r| r.range.contains(&addr))
            .map_or(0, |r| r.perm)
    }

    /// Do all bytes of `[addr, addr + len)` have every bit of `need`? `len > 0`.
    pub fn check(&self, addr: u64, len: u64, need: u8) -> bool {
        let Some(end) = addr.checked_add(len) else {
            return false;
        };
        if addr < NULL_GUARD || end > self.layout.span || len == 0 {
            return false;
        }
        let first = addr >> PAGE_SHIFT;
        let last = (end - 1) >> PAGE_SHIFT;
        for page in first..=last {
            let p = self.perms[page as usize];
            if p & PERM_MIXED != 0 {
                let lo = addr.max(page << PAGE_SHIFT);
                let hi = end.min((page + 1) << PAGE_SHIFT);
                if !(lo..hi).all(|a| self.byte_perm(a) & need == need) {
                    return false;
                }
            } else if p & need != need {
                return false;
            }
        }
        true
    }

    fn misaligned_ok(&mut self, addr: u64, size: u64) -> bool {
        if addr & (size - 1) == 0 {
            return true;
        }
        match self.misaligned {
            MisalignedPolicy::Allow => {
                self.misaligned_count += 1;
                true
            }
            MisalignedPolicy::Trap => false,
        }
    }

    /// Load `size` (1, 2, 4 or 8) bytes, little-endian, zero-extended.
    #[inline]
    pub fn load(&mut self, addr: u64, size: u64) -> Result<u64, FaultKind> {
        if !self.check(addr, size, PERM_R) {
            return Err(FaultKind::LoadAccess { addr, size });
        }
        if !self.misaligned_ok(addr, size) {
            return Err(FaultKind::MisalignedLoad { addr, size });
        }
        let at = addr as usize;
        let mut buf = [0u8; 8];
        buf[..size as usize].copy_from_slice(&self.map[at..at + size as usize]);
        Ok(u64::from_le_bytes(buf))
    }

    /// Store the low `size` (1, 2, 4 or 8) bytes of `value`, little-endian.
    #[inline]
    pub fn store(&mut self, addr: u64, size: u64, value: u64) -> Result<(), FaultKind> {
        self.store_check(addr, size)?;
        if !self.misaligned_ok(addr, size) {
            return Err(FaultKind::MisalignedStore { addr, size });
        }
        let at = addr as usize;
        self.map[at..at + size as usize].copy_from_slice(&value.to_le_bytes()[..size as usize]);
        Ok(())
    }

    /// The fault a store to `[addr, addr+size)` raises, if any (alignment aside).
    pub fn store_check(&self, addr: u64, size: u64) -> Result<(), FaultKind> {
        if self.check(addr, size, PERM_W) {
            Ok(())
        } else if self.check(addr, size, PERM_R) {
            Err(FaultKind::StoreReadOnly { addr, size })
        } else {
            Err(FaultKind::StoreAccess { addr, size })
        }
    }

    /// Borrow `len` readable guest bytes (for host services). `len == 0` always succeeds.
    pub fn read(&self, addr: u64, len: u64) -> Result<&[u8], FaultKind> {
        if len == 0 {
            return Ok(&[]);
        }
        if !self.check(addr, len, PERM_R) {
            return Err(FaultKind::LoadAccess { addr, size: len });
        }
        Ok(&self.map[addr as usize..(addr + len) as usize])
    }

    /// Copy `data` into writable guest memory (for host services).
    pub fn write(&mut self, addr: u64, data: &[u8]) -> Result<(), FaultKind> {
        if data.is_empty() {
            return Ok(());
        }
        self.store_check(addr, data.len() as u64)?;
        let at = addr as usize;
        self.map[at..at + data.len()].copy_from_slice(data);
        Ok(())
    }

    /// Is `[addr, addr+len)` executable code?
    pub fn is_executable(&self, addr: u64, len: u64) -> bool {
        self.check(addr, len, PERM_X)
    }

    /// Raw guest bytes for state comparison in tests and checkpoints: `None` if not backed.
    pub fn peek(&self, addr: u64, len: u64) -> Option<&[u8]> {
        let end = addr.checked_add(len)?;
        if end > self.layout.span {
            return None;
        }
        Some(&self.map[addr as usize..end as usize])
    }
}

/// `lo | hi << 16` if the bytes having every bit of `need` form one non-empty run `lo..hi`
/// of `bytes`, else 0.
/// `single_run`'s answer for a page whose every byte allows the access.
const FULL_PAGE_RUN: u32 = (PAGE as u32) << 16;

/// A range of guest addresses `lo..lo + len` where every aligned access of one kind may go
/// straight to host memory (all its pages are zero in that kind's fast table).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Window {
    pub lo: u64,
    pub len: u64,
}

/// Up to [`MAX_WINDOWS`] windows per access kind: the largest runs of fast pages (for a
/// runtime-abi guest the stack below the code and the data + heap above it for stores; all of
/// RAM for loads), sorted by address. Translated code tests an access against them with a few
/// instructions and immediates before it consults the fast tables (docs/ARCHITECTURE.md,
/// "Memory checks").
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FastWindows {
    pub load: Vec<Window>,
    pub store: Vec<Window>,
}

impl FastWindows {
    /// Does every store window lie inside a load window (every page that allows direct
    /// stores allows direct loads too)? Then one check against the store windows covers
    /// loads and stores alike (`jit::checks`).
    pub fn stores_inside_loads(&self) -> bool {
        self.store.iter().all(|s| {
            self.load.iter().any(|l| {
                s.lo >= l.lo
                    && (s.lo - l.lo)
                        .checked_add(s.len)
                        .is_some_and(|end| end <= l.len)
            })
        })
    }
}

pub const MAX_WINDOWS: usize = 2;
/// Longest window: translated code compares `(addr - lo) / size` against an immediate, which
/// x86-64 sign-extends from 32 bits.
pub const MAX_WINDOW_LEN: u64 = 1 << 31;

/// The largest runs of zero entries of a fast table, as address windows.
fn windows_of(fast: &[u8]) -> Vec<Window> {
    let mut runs = Vec::new();
    let mut start = None;
    for (page, &f) in fast.iter().enumerate() {
        match (f == 0, start) {
            (true, None) => start = Some(page),
            (false, Some(s)) => {
                runs.push((s as u64) << PAGE_SHIFT..(page as u64) << PAGE_SHIFT);
                start = None;
            }
            _ => {}
        }
    }
    // The sentinel entry is never zero, so every run has ended.
    runs.sort_by_key(|r| std::cmp::Reverse(r.end - r.start));
    runs.truncate(MAX_WINDOWS);
    let mut windows: Vec<Window> = runs
        .into_iter()
        .map(|r| Window {
            lo: r.start,
            len: (r.end - r.start).min(MAX_WINDOW_LEN),
        })
        .collect();
    windows.sort_by_key(|w| w.lo);
    windows
}

fn single_run(bytes: &[u8], need: u8) -> u32 {
    let ok = |b: &u8| b & need == need;
    let Some(lo) = bytes.iter().position(ok) else {
        return 0;
    };
    let hi = bytes[lo..]
        .iter()
        .position(|b| !ok(b))
        .map_or(bytes.len(), |n| lo + n);
    if bytes[hi..].iter().any(ok) {
        return 0;
    }
    (lo as u32) | (hi as u32) << 16
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn single_run_finds_exactly_one_run() {
        let mut b = vec![0u8; 16];
        assert_eq!(single_run(&b, PERM_R), 0);
        b[3..9].fill(PERM_R | PERM_W);
        assert_eq!(single_run(&b, PERM_R), 3 | 9 << 16);
        assert_eq!(single_run(&b, PERM_W), 3 | 9 << 16);
        b[12] = PERM_R;
        assert_eq!(single_run(&b, PERM_R), 0, "two runs");
        assert_eq!(single_run(&b, PERM_W), 3 | 9 << 16);
        b.fill(PERM_R);
        assert_eq!(single_run(&b, PERM_R), 16 << 16);
    }

    fn mem(policy: MisalignedPolicy) -> GuestMemory {
        let code = SegmentImage {
            vaddr: 0x20_0800,
            memsz: 0x100,
            data: vec![0x13; 0x100],
            perm: PERM_R | PERM_X,
        };
        let data = SegmentImage {
            vaddr: 0x20_2000,
            memsz: 0x2000,
            data: vec![7; 16],
            perm: PERM_R | PERM_W,
        };
        let config = MemoryConfig {
            ram_size: 1 << 24,
            misaligned: policy,
        };
        GuestMemory::new(&[code, data], Xlen::X32, &config, b"hello").unwrap()
    }

    #[test]
    fn places_ram_input_and_guards() {
        let mut m = mem(MisalignedPolicy::Allow);
        assert_eq!(m.layout().ram.start, 0x20_2000);
        assert_eq!(m.layout().input.start % INPUT_ALIGN, 0);
        assert_eq!(m.read(m.layout().input.start, 5).unwrap(), b"hello");
        assert_eq!(m.load(0x20_2000, 1), Ok(7));
        assert_eq!(m.load(0x20_2010, 1), Ok(0));
        assert!(matches!(m.load(0x10, 4), Err(FaultKind::LoadAccess { .. })));
        assert!(matches!(
            m.store(0x20_0800, 4, 1),
            Err(FaultKind::StoreReadOnly { .. })
        ));
        let input = m.layout().input.start;
        assert!(matches!(
            m.store(input, 1, 1),
            Err(FaultKind::StoreReadOnly { .. })
        ));
        assert!(matches!(
            m.load(u64::MAX - 2, 8),
            Err(FaultKind::LoadAccess { .. })
        ));
        m.store(0x20_2001, 4, 0xdead_beef).unwrap();
        assert_eq!(m.load(0x20_2001, 4), Ok(0xdead_beef));
        assert_eq!(m.misaligned_count, 2);
    }

    #[test]
    fn misaligned_trap() {
        let mut m = mem(MisalignedPolicy::Trap);
        assert!(matches!(
            m.load(0x20_2001, 2),
            Err(FaultKind::MisalignedLoad { .. })
        ));
        assert!(matches!(
            m.store(0x20_2002, 4, 0),
            Err(FaultKind::MisalignedStore { .. })
        ));
        assert_eq!(m.load(0x20_2002, 2), Ok(0x0707));
    }

    #[test]
    fn mixed_pages_are_byte_exact() {
        // Code ends mid-page and RAM starts on that page: code bytes stay read-only.
        let code = SegmentImage {
            vaddr: 0x1_0000,
            memsz: 0x10,
            data: vec![0; 0x10],
            perm: PERM_R | PERM_X,
        };
        let data = SegmentImage {
            vaddr: 0x1_0010,
            memsz: 0x10,
            data: vec![],
            perm: PERM_R | PERM_W,
        };
        let mut m = GuestMemory::new(
            &[code, data],
            Xlen::X64,
            &MemoryConfig {
                ram_size: 1 << 20,
                ..Default::default()
            },
            &[],
        )
        .unwrap();
        assert!(m.store(0x1_0010, 8, 1).is_ok());
        assert!(matches!(
            m.store(0x1_000c, 8, 1),
            Err(FaultKind::StoreReadOnly { .. })
        ));
        assert!(m.is_executable(0x1_0000, 4));
        assert!(!m.is_executable(0x1_0010, 4));
    }
}
