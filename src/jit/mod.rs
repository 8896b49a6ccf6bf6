//! The translator: guest regions compiled to host code (x86-64 templates ahead of time and on
//! demand, Cranelift for hot code), run by a small dispatcher.
//!
//! - [`discover`] splits code into basic blocks and groups them into regions (a function or
//!   loop nest with every block start as an entry);
//! - [`lift`] turns a region into Cranelift IR (registers loaded per basic block from the
//!   `Cpu`, exact cycle budget, checked memory accesses, call-outs to the interpreter for rare
//!   instructions);
//! - [`direct`] emits the baseline tier's x86-64 code straight from the instructions (no
//!   Cranelift), ahead of time and on demand; [`lift`] serves the optimising tier, recording
//!   translations and `--jit-baseline cranelift`;
//! - [`cache`] is the dense pc-indexed table of compiled entries;
//! - [`hot`] runs the optimising tier's compiles, in the background by default;
//! - [`runtime`] is the `repr(C)` context and the `extern "C"` helper;
//! - this module owns the JIT module, translates ahead of time and on demand, and runs the
//!   dispatch loop. Outcomes equal the interpreter's in every respect (docs/ARCHITECTURE.md,
//!   "Translator").

pub mod cache;
pub mod checks;
#[cfg(target_arch = "x86_64")]
pub mod direct;
pub mod discover;
pub mod hot;
pub mod lift;
pub mod loops;
pub mod runtime;
pub mod sweep;

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};
use std::cell::RefCell;
use std::sync::Arc;
use std::time::{Duration, Instant};

use cranelift_codegen::control::ControlPlane;
use cranelift_codegen::ir::{types, AbiParam, InstBuilder, UserFuncName};
use cranelift_codegen::isa::{OwnedTargetIsa, TargetIsa};
use cranelift_codegen::settings::{self, Configurable};
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext};
use cranelift_jit::{JITBuilder, JITModule};
use cranelift_module::{FuncId, Linkage, Module, ModuleReloc};
use rayon::prelude::*;
use thiserror::Error;

use crate::interp;
use crate::machine::Machine;
use crate::memory::{FastWindows, GuestMemory, Layout, MemoryConfig};
use crate::outcome::Stop;
use crate::program::Program;
use crate::witness::record::{Recorder, RecordingBus};
use cache::Table;
pub use hot::HotCompile;
use runtime::{Ctx, EnterFn};

#[derive(Debug, Error)]
pub enum JitError {
    #[error("the host CPU is not supported by Cranelift: {0}")]
    UnsupportedHost(String),
    #[error("Cranelift rejected a setting: {0}")]
    Settings(String),
    #[error("translating the region at {pc:#x} failed: {reason}")]
    Translate { pc: u64, reason: String },
    #[error("finalizing translated code failed: {0}")]
    Finalize(String),
    #[error("the machine runs a different program than this translator was built for")]
    ProgramMismatch,
    #[error("internal translator error: region entered at unknown entry for pc {pc:#x}")]
    BadEntry { pc: u64 },
    #[error("the machine's memory layout does not allow the fast windows this translator was built for (build it with `Options::windows` from this machine's memory)")]
    LayoutMismatch,
    #[error("a {found} translation cannot run in {wanted} mode (build it with the matching `Options::record`)")]
    WrongMode {
        found: &'static str,
        wanted: &'static str,
    },
}

/// What was translated and how long it took.
#[derive(Clone, Debug, Default, serde::Serialize)]
pub struct Stats {
    pub regions: u64,
    pub blocks: u64,
    pub instructions: u64,
    /// Regions translated while running (pcs not found ahead of time).
    pub on_demand_regions: u64,
    /// Hot regions recompiled by the optimising tier and installed while running.
    pub hot_regions: u64,
    /// Time spent compiling them, on whichever thread compiled them (see
    /// [`Options::hot_compile`]); only inline compiles are part of `translate_time`.
    pub hot_compile_time: Duration,
    /// Instructions the dispatcher had the interpreter execute one by one: cold memory paths
    /// and the way from a mid-block pc (a chunk or `--max-cycles` boundary) to the next
    /// entry. The partial blocks that finish a run at its cycle limit are not counted.
    pub interpreted: u64,
    /// Translation on the run's critical path: ahead of time, on demand, inline hot
    /// compiles, and installing background ones.
    pub translate_time: Duration,
    /// The background sweep's own time on its thread, once its code is installed (not part
    /// of `translate_time`; see [`Options::sweep_in_background`]).
    pub sweep_time: Duration,
}

/// Ahead-of-time translation options.
#[derive(Clone, Debug)]
pub struct Options {
    /// Also translate code found by a linear sweep of the executable segments (not only code
    /// reachable from the entry point and the function symbols).
    pub sweep: bool,
    /// Translate ahead of time only what is statically reachable from the entry point (no
    /// function symbols, no sweep); everything else on demand when first reached.
    pub lazy: bool,
    /// With the direct baseline: translate the function symbols and the sweep on a background
    /// thread while the run starts ([`sweep`]); code reached first is translated on demand.
    /// False: all of it before the run starts.
    pub sweep_in_background: bool,
    /// Cranelift's optimisation level of the baseline tier.
    pub opt: OptLevel,
    /// Recompile a region with the optimising tier (Cranelift's backtracking register
    /// allocator; `opt_level=speed` for regions with a loop or with 16 (`ROTATING_REGION`)
    /// rotations, `none` for other straight-line ones) after this many passes through its
    /// checkpoints (entries and loop heads); `None` keeps every region in the baseline tier.
    pub hot_threshold: Option<u64>,
    /// With the direct baseline, only regions averaging at least this many instructions per
    /// basic block get a hot counter: the optimising tier pays off for long straight-line
    /// code, while branchy code runs faster in the direct tier (its pinned registers live
    /// across blocks and regions; BENCHMARKS.md, "Tiers"). 0 promotes every region.
    pub hot_min_block: u32,
    /// Where hot regions compile: in the background by default (the run goes on in the
    /// baseline tier meanwhile), or inline.
    pub hot_compile: HotCompile,
    /// Build a recording translation (witness chunks, docs/WITNESS.md): its code logs the value
    /// of every load, and it runs only through [`Translator::run_recording`]. A plain
    /// translation (the default) emits exactly the code it emitted before recording existed.
    pub record: bool,
    /// The fast windows of the memory layout to translate for (translated code checks
    /// accesses against them with immediates, see [`FastWindows`]); take them from the machine
    /// with [`crate::memory::GuestMemory::fast_windows`]. `None`: those of the program under
    /// the default [`MemoryConfig`]. The translator runs only on machines whose memory allows
    /// them ([`JitError::LayoutMismatch`]).
    pub windows: Option<FastWindows>,
    /// Which code generator translates ahead of time (see [`Baseline`]).
    pub baseline: Baseline,
}

/// The code generator of the ahead-of-time baseline tier.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Baseline {
    /// x86-64 code emitted directly from the instructions ([`direct`]): about ten times less
    /// translation time than Cranelift's. Recording translations and hosts other than x86-64
    /// use Cranelift instead.
    Direct,
    /// Cranelift (single-pass register allocator, `opt_level` from [`Options::opt`]).
    Cranelift,
}

impl Default for Baseline {
    fn default() -> Self {
        if cfg!(target_arch = "x86_64") {
            Baseline::Direct
        } else {
            Baseline::Cranelift
        }
    }
}

/// Default of [`Options::hot_min_block`] (see BENCHMARKS.md, "Tiers").
pub const DEFAULT_HOT_MIN_BLOCK: u32 = 32;

/// Default of [`Options::hot_threshold`] (see BENCHMARKS.md, "Tiers").
pub const DEFAULT_HOT_THRESHOLD: u64 = 2000;

/// How hard Cranelift optimises each region.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum OptLevel {
    /// No mid-end optimisation: about half the translation time (the default; guest code was
    /// already optimised by its compiler, see BENCHMARKS.md).
    #[default]
    None,
    /// Cranelift's e-graph mid-end (GVN, LICM, constant folding).
    Speed,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            sweep: true,
            lazy: false,
            sweep_in_background: true,
            opt: OptLevel::default(),
            hot_threshold: Some(DEFAULT_HOT_THRESHOLD),
            hot_min_block: DEFAULT_HOT_MIN_BLOCK,
            hot_compile: HotCompile::default(),
            record: false,
            windows: None,
            baseline: Baseline::default(),
        }
    }
}

/// Translated code of one program; run it on any number of machines built from that program
/// whose memory allows its fast windows ([`Options::windows`]; any machine with the layout it
/// was translated for).
pub struct Translator {
    program: Arc<Program>,
    /// `Option` so `Drop` can hand the module to `free_memory`.
    module: Option<JITModule>,
    table: Table,
    func_starts: HashSet<u64>,
    /// Pcs of every instruction inside a translated block (for the linear sweep).
    covered: HashSet<u64>,
    /// Defined but not yet finalized: function, its entry pcs in switch order, and whether
    /// it replaces the entries' current code (the optimising tier).
    pending: Vec<(FuncId, Vec<u64>, bool)>,
    /// Entries of pending regions (so a root is not translated twice before finalizing).
    pending_leaders: HashSet<u64>,
    /// The host ISA of the baseline tier, shared with the compiling threads: the single-pass
    /// register allocator (fast to compile; keeps values in stack slots across blocks).
    isa: OwnedTargetIsa,
    /// The host ISAs of the optimising tier, both with the backtracking allocator: for
    /// regions with a loop `opt_level=speed` (the e-graph's loop-invariant code motion and
    /// value numbering across the back edge: keccak-soft's round loop runs 14 % fewer host
    /// instructions), for straight-line regions `opt_level=none`, which compiles about a
    /// third faster and gave the same code on the soft hashes' unrolled rounds, so their hot
    /// code is installed sooner (BENCHMARKS.md, "Loop bodies split across regions, and the
    /// optimiser level of hot regions"), unless they rotate a lot ([`ROTATING_REGION`]).
    hot_isa: OwnedTargetIsa,
    hot_isa_straight: OwnedTargetIsa,
    hot_threshold: Option<u64>,
    /// See [`Options::hot_min_block`] (0 unless the baseline is direct).
    hot_min_block: u32,
    hot_compile: HotCompile,
    /// Optimising-tier compiles in flight.
    queue: hot::Queue,
    /// Baseline regions: execution counter and the region (until it is recompiled hot).
    tiers: Vec<Tier>,
    /// Entries whose table slot holds optimising-tier code.
    /// (`Arc`s: background compiles read snapshots; changed copy-on-write.)
    hot_entries: Arc<HashSet<u64>>,
    /// Entries of every declared region: pc -> (function index, entry index); static exits
    /// to these tail-call instead of returning to the dispatcher.
    targets: Arc<HashMap<u64, (u32, u32)>>,
    /// The System V trampoline Rust enters region code through (see [`EnterFn`]).
    enter_id: FuncId,
    enter: Option<EnterFn>,
    stats: Stats,
    /// A recording translation ([`Options::record`]).
    record: bool,
    /// See [`Options::windows`].
    windows: FastWindows,
    /// The last memory layout found to allow `windows` (the layout and the program determine
    /// every page's permissions, so one check per layout suffices).
    allowed_layout: Option<Layout>,
    /// Ahead-of-time regions go to the direct emitter ([`Baseline::Direct`], plain
    /// translations on x86-64).
    direct: bool,
    /// The direct emitter's code: read + execute mappings the table points into.
    direct_code: Vec<memmap2::Mmap>,
    /// The background sweep, until its code is installed.
    sweep: Option<sweep::Pending>,
    /// The counters of the sweep's regions (tier ids from [`sweep::SWEPT_TIER`]).
    swept_tiers: Vec<Tier>,
}

/// At most this many instructions run in the interpreter to reach an entry from a mid-block
/// pc before the translator compiles a region there (see [`Translator::dispatch`]): one
/// longest block.
const INTERPRET_TO_ENTRY: u32 = discover::MAX_BLOCK as u32;

/// The interpreter executes one instruction with the recording bus.
fn step_recording(m: &mut Machine, rec: &mut Recorder) -> Option<Stop> {
    let Machine {
        program,
        mem,
        cpu,
        host,
    } = m;
    interp::step_with(
        &program.code,
        cpu,
        &mut RecordingBus {
            inner: interp::MachineBus { mem, host },
            rec,
        },
    )
}

/// The interpreter runs to `limit` with the recording bus.
fn run_interp_recording(m: &mut Machine, rec: &mut Recorder, limit: u64) -> Stop {
    let Machine {
        program,
        mem,
        cpu,
        host,
    } = m;
    interp::run_with(
        &program.code,
        cpu,
        RecordingBus {
            inner: interp::MachineBus { mem, host },
            rec,
        },
        limit,
    )
}

/// A baseline-tier region's execution counter (written by its code) and the region itself,
/// kept for recompiling it hot.
struct Tier {
    counter: Box<std::cell::Cell<u64>>,
    region: Option<discover::Region>,
    /// The counter when the optimising tier's code was installed (it then jumps to
    /// [`lift::INSTALLED`]).
    passes_at_install: u64,
}

/// A new execution counter of a baseline region and how its code uses it ([`lift::HotCounter`]).
/// The counter must outlive the code (the translator keeps it in a [`Tier`]).
fn hot_counter(
    threshold: u64,
    tier: u64,
    ready: u64,
) -> (Box<std::cell::Cell<u64>>, lift::HotCounter) {
    let counter = Box::new(std::cell::Cell::new(0u64));
    let hot = lift::HotCounter {
        addr: counter.as_ptr() as u64,
        threshold,
        tier,
        ready,
    };
    (counter, hot)
}

/// A region compiled to machine code, not yet placed in the module.
struct Compiled {
    bytes: Vec<u8>,
    align: u64,
    relocs: Vec<ModuleReloc>,
}

impl Translator {
    /// Translate everything reachable from the entry point and the function symbols, plus a
    /// linear sweep of the executable segments.
    pub fn new(program: &Arc<Program>) -> Result<Translator, JitError> {
        Translator::with_options(program, &Options::default())
    }

    pub fn with_options(program: &Arc<Program>, options: &Options) -> Result<Translator, JitError> {
        let start = Instant::now();
        let opt = match options.opt {
            OptLevel::None => "none",
            OptLevel::Speed => "speed",
        };
        // Baseline: translation time dominates for large guests, and the single-pass
        // allocator halves it; hot regions move to the optimising tier (BENCHMARKS.md, "Tiers").
        let isa = host_isa(opt, "single_pass")?;
        let hot_isa = host_isa("speed", "backtracking")?;
        let hot_isa_straight = host_isa("none", "backtracking")?;
        let mut module = JITModule::new(JITBuilder::with_isa(
            isa.clone(),
            cranelift_module::default_libcall_names(),
        ));
        let enter_id = define_enter(&mut module)?;
        let direct =
            options.baseline == Baseline::Direct && !options.record && cfg!(target_arch = "x86_64");
        let mut t = Translator {
            program: Arc::clone(program),
            module: Some(module),
            table: Table::new(&program.code),
            func_starts: program.functions.iter().map(|f| f.addr).collect(),
            covered: HashSet::default(),
            pending: Vec::new(),
            pending_leaders: HashSet::default(),
            isa,
            hot_isa,
            hot_isa_straight,
            hot_threshold: options
                .hot_threshold
                .map(|t| t.clamp(1, lift::INSTALLED - 1)),
            hot_min_block: if direct { options.hot_min_block } else { 0 },
            hot_compile: options.hot_compile,
            queue: hot::Queue::new(),
            tiers: Vec::new(),
            hot_entries: Arc::default(),
            targets: Arc::default(),
            enter_id,
            enter: None,
            stats: Stats::default(),
            record: options.record,
            windows: options
                .windows
                .clone()
                .unwrap_or_else(|| default_windows(program)),
            allowed_layout: None,
            direct,
            direct_code: Vec::new(),
            sweep: None,
            swept_tiers: Vec::new(),
        };
        let background = t.direct && options.sweep && !options.lazy && options.sweep_in_background;
        let mut work: Vec<u64> = vec![program.entry];
        if !options.lazy && !background {
            work.extend(program.functions.iter().rev().map(|f| f.addr));
        }
        t.translate_all(&mut work)?;
        if options.sweep && !options.lazy && !background {
            let mut roots = sweep::roots(&program.code, &mut t.covered);
            t.translate_all(&mut roots)?;
        }
        if background {
            let known = t.pending_leaders.clone();
            t.sweep = Some(sweep::spawn(sweep::Job {
                program: Arc::clone(program),
                func_starts: t.func_starts.clone(),
                // Later discoveries (on demand) take all code they reach anyway.
                covered: std::mem::take(&mut t.covered),
                known,
                env: t.lift_env(false),
                hot: t.hot_threshold.map(|h| (h, t.queue.ready_addr())),
                hot_min_block: t.hot_min_block,
            })?);
        }
        t.finalize()?;
        t.stats.translate_time = start.elapsed();
        Ok(t)
    }

    /// [`Translator::with_options`] for `m`'s program and memory layout (unless `options`
    /// names the windows itself).
    pub fn for_machine(m: &Machine, options: &Options) -> Result<Translator, JitError> {
        let options = Options {
            windows: Some(
                options
                    .windows
                    .clone()
                    .unwrap_or_else(|| m.mem.fast_windows().clone()),
            ),
            ..options.clone()
        };
        Translator::with_options(&m.program, &options)
    }

    /// May this translation run on `mem` (of this translator's program): does it allow the
    /// fast windows the code assumes? Translated code accesses host memory directly inside
    /// them, so this is a safety check, not a hint; private because the layout cache is only
    /// sound for memories of this program.
    fn fits(&mut self, mem: &GuestMemory) -> bool {
        if self.allowed_layout.as_ref() == Some(mem.layout()) {
            return true;
        }
        let ok = mem.allows_windows(&self.windows);
        if ok {
            self.allowed_layout = Some(mem.layout().clone());
        }
        ok
    }

    pub fn stats(&self) -> &Stats {
        &self.stats
    }

    pub fn program(&self) -> &Arc<Program> {
        &self.program
    }

    fn known(&mut self, pc: u64) -> bool {
        self.pending_leaders.contains(&pc) || self.table.contains(pc)
    }

    /// Translate regions for every root in `work` (and the static exits they discover):
    /// discover them one after the other, then lift and compile them in parallel (rayon), then
    /// place the code in the module.
    fn translate_all(&mut self, work: &mut Vec<u64>) -> Result<(), JitError> {
        let mut regions = Vec::new();
        while let Some(root) = work.pop() {
            if self.known(root) || self.program.code.fetch(root).is_none() {
                continue;
            }
            let (region, hot) = self.discover(root, false);
            work.extend(region.exits.iter().rev().copied());
            regions.push((region, hot));
        }
        if self.direct {
            return self.emit_direct(regions);
        }
        // Every region of the batch is declared before any is lifted, so static exits
        // between them become direct tail calls.
        let regions = regions
            .into_iter()
            .map(|(region, hot)| Ok((self.declare(&region)?, region, hot)))
            .collect::<Result<Vec<_>, JitError>>()?;
        let env = self.lift_env(false);
        let isa = &*self.isa;
        let compiled: Vec<Result<Compiled, JitError>> = regions
            .par_iter()
            .map_init(
                || {
                    (
                        FunctionBuilderContext::new(),
                        cranelift_codegen::Context::new(),
                    )
                },
                |(fctx, cctx), (id, region, hot)| {
                    compile(isa, None, &env, region, *id, *hot, fctx, cctx)
                },
            )
            .collect();
        for ((id, region, hot), c) in regions.into_iter().zip(compiled) {
            self.define(id, &region, c?, false)?;
            self.keep_for_tier(region, hot);
        }
        Ok(())
    }

    /// The direct emitter's half of [`Self::translate_all`]: emit the regions in parallel,
    /// place them in one read + execute mapping, and enter their entries in the table.
    fn emit_direct(
        &mut self,
        regions: Vec<(discover::Region, Option<lift::HotCounter>)>,
    ) -> Result<(), JitError> {
        if regions.is_empty() {
            return Ok(());
        }
        let batch = place_direct(&self.lift_env(false), &regions, true)?;
        self.enter_direct(batch, regions);
        Ok(())
    }

    /// Enter placed direct code in the table (entries that have code keep it) and keep its
    /// regions for the optimising tier.
    fn enter_direct(
        &mut self,
        batch: DirectBatch,
        regions: Vec<(discover::Region, Option<lift::HotCounter>)>,
    ) {
        let base = batch.map.as_ptr() as usize;
        perf_map(
            regions
                .iter()
                .zip(&batch.placed)
                .map(|((r, _), &(off, len, _))| (base + off, len, r.root)),
        );
        for ((region, hot), (off, _, inner)) in regions.into_iter().zip(batch.placed) {
            let order = region.entry_order();
            for ((index, pc), &inner) in order.into_iter().enumerate().zip(&inner) {
                self.table.insert(pc, base + off, index as u32, inner);
            }
            self.keep_for_tier(region, hot);
        }
        self.direct_code.push(batch.map);
    }

    /// Install the background sweep's code if it is done (`wait`: wait for it).
    fn install_sweep(&mut self, wait: bool) -> Result<(), JitError> {
        let Some(pending) = &self.sweep else {
            return Ok(());
        };
        let done = if wait {
            pending.done.recv().ok()
        } else {
            match pending.done.try_recv() {
                Ok(done) => Some(done),
                Err(std::sync::mpsc::TryRecvError::Empty) => return Ok(()),
                Err(std::sync::mpsc::TryRecvError::Disconnected) => None,
            }
        };
        self.sweep = None;
        let done = done.ok_or(JitError::Finalize(
            "the background sweep thread died".into(),
        ))??;
        let start = Instant::now();
        self.swept_tiers
            .extend(done.counters.into_iter().map(|counter| Tier {
                counter,
                region: None,
                passes_at_install: 0,
            }));
        self.stats.regions += done.regions.len() as u64;
        self.stats.blocks += done.blocks;
        self.stats.instructions += done.instructions;
        self.enter_direct(done.batch, done.regions);
        self.stats.sweep_time += done.time;
        self.stats.translate_time += start.elapsed();
        Ok(())
    }

    /// Wait for the background sweep ([`Options::sweep_in_background`]) and install its code:
    /// afterwards the translation covers what an ahead-of-time sweep covers (a no-op without
    /// a sweep in flight).
    pub fn wait_for_sweep(&mut self) -> Result<(), JitError> {
        self.install_sweep(true)
    }

    /// The counter and region of tier `id` (the translator's own, or the sweep's).
    fn tier_mut(&mut self, id: u64) -> Option<&mut Tier> {
        match id.checked_sub(sweep::SWEPT_TIER) {
            Some(k) => self.swept_tiers.get_mut(usize::try_from(k).ok()?),
            None => self.tiers.get_mut(usize::try_from(id).ok()?),
        }
    }

    /// Discover the region rooted at `root` and claim its pcs and entries.
    fn discover(
        &mut self,
        root: u64,
        on_demand: bool,
    ) -> (discover::Region, Option<lift::HotCounter>) {
        let xlen = self.program.xlen;
        // Ahead of time, regions do not duplicate each other; a region made on demand (for a pc
        // that is no entry, e.g. a jump-table target) takes all code it reaches, so hot code
        // reached that way stays inside one region.
        let empty = HashSet::default();
        let covered = if on_demand { &empty } else { &self.covered };
        let region = discover::region(
            &self.program.code,
            root,
            &self.func_starts,
            covered,
            move |v| xlen.trunc(v),
        );
        discover::claim(&region, &mut self.covered, &mut self.pending_leaders);
        self.stats.regions += 1;
        self.stats.blocks += region.blocks.len() as u64;
        self.stats.instructions += region.instr_count() as u64;
        let tiered = discover::worth_tiering(&region, self.hot_min_block);
        let hot = self.hot_threshold.filter(|_| tiered).map(|threshold| {
            let (counter, hot) =
                hot_counter(threshold, self.tiers.len() as u64, self.queue.ready_addr());
            self.tiers.push(Tier {
                counter,
                region: None,
                passes_at_install: 0,
            });
            hot
        });
        (region, hot)
    }

    /// Declare a region's function in the module and record its entries as direct tail-call
    /// targets (Cranelift code; the direct emitter's regions are reached through the table).
    fn declare(&mut self, region: &discover::Region) -> Result<FuncId, JitError> {
        let name = format!("r{:x}_{}", region.root, self.stats.regions);
        let id = self.declare_function(&name, region.root)?;
        let targets = Arc::make_mut(&mut self.targets);
        for (i, pc) in region.entry_order().into_iter().enumerate() {
            targets.entry(pc).or_insert((id.as_u32(), i as u32));
        }
        Ok(id)
    }

    /// Declare a region function `name` (for the region rooted at `root`) in the module.
    fn declare_function(&mut self, name: &str, root: u64) -> Result<FuncId, JitError> {
        let module = self
            .module
            .as_mut()
            .ok_or(JitError::Finalize("module already freed".into()))?;
        module
            .declare_function(name, Linkage::Local, &lift::region_signature())
            .map_err(|e| JitError::Translate {
                pc: root,
                reason: e.to_string(),
            })
    }

    /// Keep a baseline region for recompiling it when it gets hot.
    fn keep_for_tier(&mut self, region: discover::Region, hot: Option<lift::HotCounter>) {
        if let Some(t) = hot.and_then(|h| self.tier_mut(h.tier)) {
            t.region = Some(region);
        }
    }

    /// Recompile the baseline region of tier `tier` with the optimising tier: inline, or
    /// start it in the background ([`Options::hot_compile`]). A no-op for a region requested
    /// already.
    fn promote(&mut self, tier: u64) -> Result<(), JitError> {
        let Some(region) = self.tier_mut(tier).and_then(|t| t.region.take()) else {
            return Ok(());
        };
        let start = Instant::now();
        let id = self.declare_function(&format!("h{:x}_{}", region.root, tier), region.root)?;
        let xlen = self.program.xlen;
        let (isa, rotating) = if discover::has_loop(&region, move |v| xlen.trunc(v)) {
            (self.hot_isa.clone(), None)
        } else {
            (self.hot_isa_straight.clone(), Some(self.hot_isa.clone()))
        };
        let job = hot::Job {
            tier,
            id,
            region,
            isa,
            rotating,
            env: self.lift_env(true),
        };
        if self.hot_compile == HotCompile::Inline {
            let done = job.run();
            self.install(done)?;
        } else {
            self.queue.submit(job, self.hot_compile)?;
        }
        self.stats.translate_time += start.elapsed();
        Ok(())
    }

    /// Put finished optimising-tier code in place: the table's slots of its entries (and
    /// static exits compiled from now on) lead to it. Baseline code keeps its entries' old
    /// callers; their checkpoints see the counter at [`lift::INSTALLED`] and go through the
    /// table to the new code.
    fn install(&mut self, done: hot::Done) -> Result<(), JitError> {
        let start = Instant::now();
        let hot::Done {
            tier,
            id,
            region,
            code,
            time,
        } = done;
        self.define(id, &region, code?, true)?;
        self.finalize()?;
        let (targets, hot_entries) = (
            Arc::make_mut(&mut self.targets),
            Arc::make_mut(&mut self.hot_entries),
        );
        for (i, pc) in region.entry_order().into_iter().enumerate() {
            targets.insert(pc, (id.as_u32(), i as u32));
            hot_entries.insert(pc);
        }
        if let Some(t) = self.tier_mut(tier) {
            t.passes_at_install = t.counter.get();
            t.counter.set(lift::INSTALLED);
        }
        self.stats.hot_regions += 1;
        self.stats.hot_compile_time += time;
        self.stats.translate_time += start.elapsed();
        Ok(())
    }

    /// Install the background compiles that are done (all in flight, in lockstep mode).
    fn install_finished(&mut self) -> Result<(), JitError> {
        for done in self.queue.take(self.hot_compile) {
            self.install(done)?;
        }
        Ok(())
    }

    /// Passes through the checkpoints of every baseline region's code so far (tests and
    /// stats).
    pub fn checkpoint_passes(&self) -> u64 {
        self.tiers
            .iter()
            .chain(&self.swept_tiers)
            .map(|t| match t.counter.get().checked_sub(lift::INSTALLED) {
                Some(after) => t.passes_at_install.saturating_add(after),
                None => t.counter.get(),
            })
            .fold(0, u64::saturating_add)
    }

    /// Place compiled code in the module (entered in the table by [`Self::finalize`]; with
    /// `replace`, over the entries' current code).
    fn define(
        &mut self,
        id: FuncId,
        region: &discover::Region,
        c: Compiled,
        replace: bool,
    ) -> Result<(), JitError> {
        let module = self
            .module
            .as_mut()
            .ok_or(JitError::Finalize("module already freed".into()))?;
        module
            .define_function_bytes(id, c.align, &c.bytes, &c.relocs)
            .map_err(|e| JitError::Translate {
                pc: region.root,
                reason: format!("{e:?}"),
            })?;
        self.pending.push((id, region.entry_order(), replace));
        Ok(())
    }

    /// Make pending code executable (never writable at the same time) and enter it in the table.
    fn finalize(&mut self) -> Result<(), JitError> {
        let module = self
            .module
            .as_mut()
            .ok_or(JitError::Finalize("module already freed".into()))?;
        module
            .finalize_definitions()
            .map_err(|e| JitError::Finalize(e.to_string()))?;
        if self.enter.is_none() {
            let ptr = module.get_finalized_function(self.enter_id);
            // SAFETY: `ptr` is the finalized (read + execute) code of the function built by
            // `define_enter`: `(i64, i64, i32) -> i32` in the platform's default C calling
            // convention, which is exactly `EnterFn`.
            self.enter = Some(unsafe { std::mem::transmute::<*const u8, EnterFn>(ptr) });
        }
        for (id, order, replace) in std::mem::take(&mut self.pending) {
            let code = module.get_finalized_function(id) as usize;
            for (index, pc) in order.into_iter().enumerate() {
                if replace {
                    self.table.replace(pc, code, index as u32);
                } else {
                    self.table.insert(pc, code, index as u32, 0);
                }
            }
        }
        self.pending_leaders.clear();
        Ok(())
    }

    /// What the lifter needs from the translator, for the baseline or the optimising tier (a
    /// snapshot: `Arc`s of the entry maps, which the translator changes copy-on-write).
    fn lift_env(&self, optimised: bool) -> lift::LiftEnv {
        lift::LiftEnv {
            xlen: self.program.xlen,
            call_conv: self.isa.default_call_conv(),
            targets: Arc::clone(&self.targets),
            hot_entries: optimised.then(|| Arc::clone(&self.hot_entries)),
            record: self.record,
            windows: self.windows.clone(),
            table: self.table.main_view(),
        }
    }

    /// Compile one Cranelift baseline region on its own (on demand).
    fn compile_single(
        &self,
        region: &discover::Region,
        id: FuncId,
        hot: Option<lift::HotCounter>,
    ) -> Result<Compiled, JitError> {
        compile(
            &*self.isa,
            None,
            &self.lift_env(false),
            region,
            id,
            hot,
            &mut FunctionBuilderContext::new(),
            &mut cranelift_codegen::Context::new(),
        )
    }

    /// Translate the region at `pc` while running (the direct emitter's code goes to a mapping
    /// of its own).
    fn translate_on_demand(&mut self, pc: u64) -> Result<(), JitError> {
        let start = Instant::now();
        let (region, hot) = self.discover(pc, true);
        if self.direct {
            self.emit_direct(vec![(region, hot)])?;
        } else {
            let id = self.declare(&region)?;
            let c = self.compile_single(&region, id, hot)?;
            self.define(id, &region, c, false)?;
            self.finalize()?;
            self.keep_for_tier(region, hot);
        }
        self.pending_leaders.clear();
        self.stats.on_demand_regions += 1;
        self.stats.translate_time += start.elapsed();
        Ok(())
    }

    /// Run until the guest stops or `cpu.cycle` reaches `cycle_limit` (absolute). On
    /// [`Stop::CycleLimit`] the state is that before the next instruction, resumable on either
    /// engine.
    pub fn run(&mut self, m: &mut Machine, cycle_limit: u64) -> Result<Stop, JitError> {
        if self.record {
            return Err(JitError::WrongMode {
                found: "recording",
                wanted: "plain",
            });
        }
        if !Arc::ptr_eq(&m.program, &self.program) {
            return Err(JitError::ProgramMismatch);
        }
        self.dispatch(m, None, cycle_limit)
    }

    /// Is this a recording translation ([`Options::record`])?
    pub fn is_recording(&self) -> bool {
        self.record
    }

    /// [`Translator::run`] for a recording translation: every load value and service effect of
    /// the run goes to `rec`, in program order, exactly as the interpreter's recording bus
    /// would log them (translated code logs its loads; everything the interpreter executes —
    /// cold memory paths, call-outs, the last partial block before `cycle_limit` — goes through
    /// [`RecordingBus`]). Chunk boundaries are the caller's: run to each boundary in turn.
    pub fn run_recording(
        &mut self,
        m: &mut Machine,
        rec: &mut Recorder,
        cycle_limit: u64,
    ) -> Result<Stop, JitError> {
        if !self.record {
            return Err(JitError::WrongMode {
                found: "plain",
                wanted: "recording",
            });
        }
        if !Arc::ptr_eq(&m.program, &self.program) {
            return Err(JitError::ProgramMismatch);
        }
        self.dispatch(m, Some(rec), cycle_limit)
    }

    /// The dispatch loop of [`Self::run`] and, with a recorder, of
    /// [`Self::run_recording`]: enter the region of `cpu.pc` (translating on demand), act on
    /// the status it returns, and let the interpreter execute what translated code leaves to
    /// it (through the recording bus when recording).
    fn dispatch(
        &mut self,
        m: &mut Machine,
        rec: Option<&mut Recorder>,
        cycle_limit: u64,
    ) -> Result<Stop, JitError> {
        let enter = self
            .enter
            .ok_or(JitError::Finalize("translator not finalized".into()))?;
        if !self.fits(&m.mem) {
            return Err(JitError::LayoutMismatch);
        }
        // Translated code runs long enough to fill fresh memory: json's run takes 1600 page
        // faults fewer (BENCHMARKS.md, "Huge pages").
        m.mem.advise_huge_pages();
        let mp: *mut Machine = m;
        // SAFETY: `mp` comes from the `&mut Machine` we hold; no other reference to it is live.
        let mut ctx = unsafe { Ctx::new(mp, cycle_limit) };
        let mut rp: *mut Recorder = std::ptr::null_mut();
        if let Some(rec) = rec {
            rp = rec;
            ctx.recorder = rp;
        }
        // The interpreter's share: one instruction, or the rest up to the limit.
        // SAFETY (both): `mp` and a non-null `rp` come from the `&mut Machine` / `&mut
        // Recorder` we hold for the whole loop; no other reference to either is live between
        // region calls, and the load log window is closed then (after every region call).
        let step = |mp: *mut Machine| unsafe {
            if rp.is_null() {
                interp::step(&mut *mp)
            } else {
                step_recording(&mut *mp, &mut *rp)
            }
        };
        let finish = |mp: *mut Machine| unsafe {
            if rp.is_null() {
                interp::run(&mut *mp, cycle_limit)
            } else {
                run_interp_recording(&mut *mp, &mut *rp, cycle_limit)
            }
        };
        // Is the pc possibly a one-off in the middle of a block? True where a run starts (a
        // chunk or `--max-cycles` boundary may fall anywhere) until the first region call.
        let mut mid_block = true;
        // Instructions the interpreter executed in a row since the last region call.
        let mut interpreted = 0u32;
        // The last region call asked for a hot compile.
        let mut requested = false;
        loop {
            // SAFETY: as above, the only live reference to the machine.
            let (pc, cycle) = unsafe { ((*mp).cpu.pc, (*mp).cpu.cycle) };
            if cycle >= cycle_limit {
                return Ok(Stop::CycleLimit);
            }
            // Not at the visit that requested a compile: in lockstep mode the region then
            // runs on in the baseline tier until its next pass, as it would in the background.
            if self.queue.in_flight() > 0 && !std::mem::take(&mut requested) {
                self.install_finished()?;
            }
            if self.sweep.is_some() {
                self.install_sweep(false)?;
            }
            let entry = match self.table.get(pc) {
                Some(e) => e,
                // A mid-block pc is a one-off (every chunk boundary lands somewhere else):
                // the interpreter runs on to the next entry, usually a few instructions away,
                // instead of compiling a region for it. A pc that is still no entry after
                // `INTERPRET_TO_ENTRY` instructions, or a jump target, gets its region.
                None if self.program.code.is_decoded(pc)
                    && !(mid_block && interpreted < INTERPRET_TO_ENTRY) =>
                {
                    self.translate_on_demand(pc)?;
                    self.table.get(pc).ok_or(JitError::BadEntry { pc })?
                }
                None => {
                    // Not code: the interpreter raises the exact fetch fault.
                    if let Some(stop) = step(mp) {
                        return Ok(stop);
                    }
                    interpreted += 1;
                    self.stats.interpreted += 1;
                    continue;
                }
            };
            interpreted = 0;
            mid_block = false;
            if !rp.is_null() {
                // SAFETY: `ctx.recorder` is the recorder we hold, not otherwise used now.
                unsafe { ctx.open_log() };
            }
            // SAFETY: `enter` is the finalized entry trampoline and `entry.code` finalized code
            // of a region function (see `finalize`), both kept alive by `self.module` for the
            // duration of the call; regions only tail-call other finalized regions (static
            // exits and table slots). `ctx` points into the live machine (`Ctx::new`; its
            // registers in the Cpu image at the mapping's base, `Ctx::cpu`) and the
            // live table, which the code only touches at checked offsets: registers/pc/cycle
            // inside `Cpu`, guest memory only after the inline bounds/permission/alignment
            // check (fast windows this machine's memory allows: `fits` above), table slots
            // only below the main range's size (a constant in the code), everything else through
            // `rvjit_step` (`rvjit_step_record`). `entry.index` is an index the region's switch
            // knows. When recording, `ctx.log_*` delimit the log window (with LOG_SLACK bytes
            // of slack past `log_end`), which translated code writes only below `log_end + 8`
            // because a checkpoint leaves unless 8 bytes per instruction up to the next
            // checkpoint fit (a call-out's `open_log` opens a new window of the same size),
            // and `ctx.recorder` is only used by `rvjit_step_record`. Baseline code also reads
            // its region's counter (a `Box` in `self.tiers`) and the `u32` ready flag of
            // `self.queue` (an `Arc<AtomicU32>`; a plain aligned load, which is atomic on x86-64,
            // racing only with worker threads' atomic stores): both live as long as `self`.
            // SAFETY (the copies): no reference to the machine is live (see above).
            let status = unsafe {
                ctx.cpu_in();
                let status = enter(&mut ctx, entry.code, entry.index);
                ctx.cpu_out();
                status
            };
            if !rp.is_null() {
                // SAFETY: the region returned; the window is the one opened above (call-outs
                // reopen it in place), and nothing else used the recorder since.
                unsafe { ctx.close_log() };
            }
            match status {
                runtime::STATUS_CONTINUE => {}
                runtime::STATUS_STOP => {
                    return ctx.stop.take().ok_or(JitError::BadEntry { pc });
                }
                // Fewer cycles left than the next block: finish exactly in the interpreter.
                runtime::STATUS_BUDGET => return Ok(finish(mp)),
                runtime::STATUS_HOT => {
                    self.promote(ctx.hot)?;
                    requested = true;
                }
                runtime::STATUS_STEP => {
                    if let Some(stop) = step(mp) {
                        return Ok(stop);
                    }
                    // The next pc is mid-block too, but it recurs (a misaligned or mixed-page
                    // access in a loop): it gets its own region, compiled once.
                    self.stats.interpreted += 1;
                }
                _ => return Err(JitError::BadEntry { pc }),
            }
        }
    }

    /// Address of the compiled code for the block starting at `pc`, if translated (tests use
    /// it to check that code pages are not writable).
    pub fn code_address(&mut self, pc: u64) -> Option<*const u8> {
        self.table.get(pc).map(|e| e.code as *const u8)
    }
}

/// The fast windows of `program` laid out under the default [`MemoryConfig`] (none if it
/// does not fit: every access then takes the table check).
fn default_windows(program: &Program) -> FastWindows {
    GuestMemory::new(
        &program.segments,
        program.xlen,
        &MemoryConfig::default(),
        &[],
    )
    .map(|m| m.fast_windows().clone())
    .unwrap_or_default()
}

/// Cranelift's ISA for this host with the given optimisation level and register allocator.
fn host_isa(opt: &str, regalloc: &str) -> Result<OwnedTargetIsa, JitError> {
    let mut flags = settings::builder();
    let set = |f: &mut settings::Builder, k: &str, v: &str| {
        f.set(k, v).map_err(|e| JitError::Settings(e.to_string()))
    };
    set(&mut flags, "opt_level", opt)?;
    set(&mut flags, "regalloc_algorithm", regalloc)?;
    set(&mut flags, "is_pic", "false")?;
    // Tail calls between regions (Cranelift's x64 tail calls rely on frame pointers).
    set(&mut flags, "preserve_frame_pointers", "true")?;
    set(&mut flags, "use_colocated_libcalls", "false")?;
    set(
        &mut flags,
        "enable_verifier",
        if cfg!(debug_assertions) {
            "true"
        } else {
            "false"
        },
    )?;
    cranelift_native::builder()
        .map_err(|e| JitError::UnsupportedHost(e.to_string()))?
        .finish(settings::Flags::new(flags))
        .map_err(|e| JitError::Settings(e.to_string()))
}

/// Define the entry trampoline: `enter(ctx, code, index) -> status` in the C convention calls
/// the `Tail`-convention region function at `code`.
fn define_enter(module: &mut JITModule) -> Result<FuncId, JitError> {
    let err = |e: cranelift_module::ModuleError| JitError::Translate {
        pc: 0,
        reason: format!("entry trampoline: {e:?}"),
    };
    let call_conv = module.target_config().default_call_conv;
    let mut cctx = module.make_context();
    let mut sig = cranelift_codegen::ir::Signature::new(call_conv);
    for t in [types::I64, types::I64, types::I32] {
        sig.params.push(AbiParam::new(t));
    }
    sig.returns.push(AbiParam::new(types::I32));
    cctx.func.signature = sig.clone();
    let id = module
        .declare_function("rvjit_enter", Linkage::Local, &sig)
        .map_err(err)?;
    cctx.func.name = UserFuncName::user(1, id.as_u32());
    let mut fctx = FunctionBuilderContext::new();
    let mut b = FunctionBuilder::new(&mut cctx.func, &mut fctx);
    let block = b.create_block();
    b.append_block_params_for_function_params(block);
    b.switch_to_block(block);
    b.seal_block(block);
    let (ctx, code, index) = (
        b.block_params(block)[0],
        b.block_params(block)[1],
        b.block_params(block)[2],
    );
    let rsig = b.import_signature(lift::region_signature());
    let call = b.ins().call_indirect(rsig, code, &[ctx, index]);
    let status = b.inst_results(call)[0];
    b.ins().return_(&[status]);
    b.finalize(module.target_config());
    module.define_function(id, &mut cctx).map_err(err)?;
    module.clear_context(&mut cctx);
    Ok(id)
}

/// Direct-emitted regions in one read + execute mapping, not yet in the table.
pub struct DirectBatch {
    map: memmap2::Mmap,
    /// Per region: its code's offset in `map` and length, and each entry's offset in that
    /// code.
    placed: Vec<(usize, usize, Vec<u32>)>,
}

/// Emit `regions` with the direct emitter (in parallel if `parallel`), copy the code into one
/// anonymous mapping and make it read + execute (never writable at the same time). Runs on
/// any thread.
#[cfg(target_arch = "x86_64")]
fn place_direct(
    env: &lift::LiftEnv,
    regions: &[(discover::Region, Option<lift::HotCounter>)],
    parallel: bool,
) -> Result<DirectBatch, JitError> {
    let emit = |(region, hot): &(discover::Region, Option<lift::HotCounter>)| {
        direct::emit(env, region, *hot).map_err(|reason| JitError::Translate {
            pc: region.root,
            reason,
        })
    };
    let code: Vec<direct::Emitted> = if parallel {
        regions.par_iter().map(emit).collect::<Result<_, _>>()?
    } else {
        regions.iter().map(emit).collect::<Result<_, _>>()?
    };
    for ((region, _), c) in regions.iter().zip(&code) {
        if dump_requested(region.root) {
            dump_code(region.root, "direct", &c.bytes);
        }
    }
    // Functions start 16-byte aligned.
    let mut offsets = Vec::with_capacity(code.len());
    let mut len = 0usize;
    for c in &code {
        offsets.push(len);
        len = (len + c.bytes.len()).next_multiple_of(16);
    }
    let mut map = memmap2::MmapMut::map_anon(len.max(1))
        .map_err(|e| JitError::Finalize(format!("mapping code: {e}")))?;
    for (c, &off) in code.iter().zip(&offsets) {
        map.get_mut(off..off + c.bytes.len())
            .ok_or(JitError::Finalize("code layout".into()))?
            .copy_from_slice(&c.bytes);
    }
    let map = map
        .make_exec()
        .map_err(|e| JitError::Finalize(format!("making code executable: {e}")))?;
    let placed = offsets
        .into_iter()
        .zip(code)
        .map(|(off, c)| (off, c.bytes.len(), c.inner))
        .collect();
    Ok(DirectBatch { map, placed })
}

#[cfg(not(target_arch = "x86_64"))]
fn place_direct(
    _env: &lift::LiftEnv,
    _regions: &[(discover::Region, Option<lift::HotCounter>)],
    _parallel: bool,
) -> Result<DirectBatch, JitError> {
    Err(JitError::Finalize(
        "the direct baseline needs an x86-64 host".into(),
    ))
}

/// Under `perf record` (which sets `PERF_BUILDID_DIR`), name direct code `d<root>` in
/// `/tmp/perf-<pid>.map` (as cranelift-jit does for its own code), so `perf report` shows
/// regions instead of bare addresses. `code`: (address, length, root pc).
fn perf_map(code: impl Iterator<Item = (usize, usize, u64)>) {
    use std::io::Write;
    if !cfg!(unix) || std::env::var_os("PERF_BUILDID_DIR").is_none() {
        return;
    }
    let path = format!("/tmp/perf-{}.map", std::process::id());
    let Ok(file) = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
    else {
        return; // A profiling aid only.
    };
    let mut file = std::io::BufWriter::new(file);
    for (addr, len, root) in code {
        let _ = writeln!(file, "{addr:x} {len:x} d{root:x}");
    }
}

/// A straight-line hot region with at least this many rotations (`lift::Lifted::rotations`)
/// compiles at `opt_level=speed`. An empirical sign: the only such regions in the benchmark
/// guests, sha256-soft's rounds on RV32 (about 160 rotations each), need far fewer spills at
/// `speed` (one region: 1510 -> 1326 instructions, 294 -> 170 of them on spill slots; the
/// guest's translated code 615.6 -> 550.0 M host instructions; BENCHMARKS.md, "Rotations"),
/// while straight-line code without rotations loses there (sha256-soft riscv64im, whose W-form
/// rotations keep garbage upper halves and are no rotations: 837.3 -> 851.1 M).
const ROTATING_REGION: u32 = 16;

/// Lift `region` (declared as `id`) and compile it for `isa`, or for `rotating` if given and
/// the region has at least [`ROTATING_REGION`] rotations. Runs on any thread.
#[allow(clippy::too_many_arguments)]
fn compile<'i>(
    mut isa: &'i dyn TargetIsa,
    rotating: Option<&'i dyn TargetIsa>,
    env: &lift::LiftEnv,
    region: &discover::Region,
    id: FuncId,
    hot: Option<lift::HotCounter>,
    fctx: &mut FunctionBuilderContext,
    cctx: &mut cranelift_codegen::Context,
) -> Result<Compiled, JitError> {
    cctx.clear();
    cctx.func.signature = lift::region_signature();
    cctx.func.name = UserFuncName::user(0, id.as_u32());
    {
        let mut b = FunctionBuilder::new(&mut cctx.func, fctx);
        let lifted = lift::lift(&mut b, env, region, hot);
        if lifted.rotations >= ROTATING_REGION {
            isa = rotating.unwrap_or(isa);
        }
        b.finalize(isa.frontend_config());
    }
    let dump = dump_requested(region.root);
    cctx.set_disasm(dump);
    if dump {
        eprintln!("{}", cctx.func.display());
    }
    cctx.compile(isa, &mut ControlPlane::default())
        .map_err(|e| JitError::Translate {
            pc: region.root,
            reason: format!("{:?}", e.inner),
        })?;
    let code = cctx.compiled_code().ok_or(JitError::Translate {
        pc: region.root,
        reason: "no code".into(),
    })?;
    let align = u64::from(code.buffer.alignment)
        .max(u64::from(isa.function_alignment().minimum))
        .max(isa.symbol_alignment());
    if dump {
        eprintln!("{}", code.vcode.as_deref().unwrap_or(""));
    }
    let bytes = code.code_buffer().to_vec();
    if dump {
        // The final machine code, for `objdump -D -b binary -m i386:x86-64` (the listing
        // above is Cranelift's, before branch simplification).
        let tier = if env.hot_entries.is_some() {
            "hot"
        } else {
            "base"
        };
        dump_code(region.root, tier, &bytes);
    }
    let relocs = code
        .buffer
        .relocs()
        .iter()
        .map(|r| ModuleReloc::from_mach_reloc(r, &cctx.func, id))
        .collect();
    Ok(Compiled {
        bytes,
        align,
        relocs,
    })
}

/// Does `RVJIT_DUMP=<hex pc>` ask for the region rooted at `root` (a debugging aid)?
/// `RVJIT_DUMP=all` asks for every region.
fn dump_requested(root: u64) -> bool {
    std::env::var("RVJIT_DUMP").is_ok_and(|v| {
        v == "all" || u64::from_str_radix(v.trim_start_matches("0x"), 16).ok() == Some(root)
    })
}

/// Write a region's final machine code to `$TMPDIR/rvjit-<root>-<tier>.bin`, for
/// `objdump -D -b binary -m i386:x86-64`.
fn dump_code(root: u64, tier: &str, bytes: &[u8]) {
    let path = std::env::temp_dir().join(format!("rvjit-{root:x}-{tier}.bin"));
    match std::fs::write(&path, bytes) {
        Ok(()) => eprintln!("machine code: {}", path.display()),
        Err(e) => eprintln!("machine code not written to {}: {e}", path.display()),
    }
}

impl Drop for Translator {
    fn drop(&mut self) {
        if let Some(module) = self.module.take() {
            // SAFETY: every pointer into the module's code lives in `self.table`, which is being
            // dropped with us; `run` borrows `self`, so no region can be executing.
            unsafe { module.free_memory() };
        }
    }
}

thread_local! {
    /// The translator of the program last run through [`run`] on this thread.
    static CACHE: RefCell<Option<Translator>> = const { RefCell::new(None) };
}

/// Translate (once, cached per program and memory layout on this thread) and run until the guest stops or
/// `cpu.cycle` reaches `cycle_limit`. Outcomes equal the interpreter's in every respect.
pub fn run(m: &mut Machine, cycle_limit: u64) -> Result<Stop, JitError> {
    CACHE.with(|cache| {
        let mut cache = cache.borrow_mut();
        let reuse = cache
            .as_mut()
            .is_some_and(|t| Arc::ptr_eq(t.program(), &m.program) && t.fits(&m.mem));
        if !reuse {
            *cache = None;
            let options = Options {
                windows: Some(m.mem.fast_windows().clone()),
                ..Options::default()
            };
            *cache = Some(Translator::with_options(&m.program, &options)?);
        }
        match cache.as_mut() {
            Some(t) => t.run(m, cycle_limit),
            None => Err(JitError::ProgramMismatch),
        }
    })
}

/// Statistics of the translator [`run`] cached on this thread (for `--stats` reports).
pub fn cached_stats() -> Option<Stats> {
    CACHE.with(|cache| cache.borrow().as_ref().map(|t| t.stats().clone()))
}
