//! The ahead-of-time translation of everything the entry point does not reach statically (the
//! function symbols and a linear sweep of the executable ranges), on a background thread.
//!
//! With the direct baseline the run starts once the code the entry point reaches is
//! translated; code reached before the sweep is done is translated on demand on the running
//! thread, as with `--jit-lazy`. The worker discovers and emits its regions on one thread (the
//! other core runs the guest) and hands them over as one [`Done`]; the dispatcher puts them in
//! the table at its next visit, keeping every entry that has code already. Its regions carry
//! their own hot counters, so they reach the optimising tier like any other.
//!
//! Outcomes cannot depend on when (or whether) the sweep lands: any entry runs the same
//! semantics in every region that has it.

use std::cell::Cell;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::sync::Arc;
use std::time::{Duration, Instant};

use rustc_hash::FxHashSet as HashSet;

use super::{discover, lift, DirectBatch, JitError};
use crate::program::{Code, Program};

/// Tier ids of the sweep's hot counters start here (the translator's own count up from 0).
pub const SWEPT_TIER: u64 = 1 << 40;

/// The roots of a linear sweep of `code`: one per run of straight-line code no translated
/// block covers (`covered`), which gains the run's pcs.
pub fn roots(code: &Code, covered: &mut HashSet<u64>) -> Vec<u64> {
    let mut roots = Vec::new();
    for r in &code.ranges {
        let mut i = 0usize;
        while let Some(ins) = r.instrs.get(i) {
            let pc = r.base + 2 * i as u64;
            if ins.op != crate::isa::Op::Illegal && !covered.contains(&pc) {
                roots.push(pc);
                // Claim the straight-line run so one region root per gap suffices.
                let mut j = i;
                while let Some(x) = r.instrs.get(j) {
                    covered.insert(r.base + 2 * j as u64);
                    j += usize::from(x.len / 2).max(1);
                    if discover::is_control(x.op) {
                        break;
                    }
                }
                i = j;
                continue;
            }
            i += usize::from(ins.len / 2).max(1);
        }
    }
    roots.reverse();
    roots
}

/// Everything the worker needs: snapshots of the translator's discovery state.
pub struct Job {
    pub program: Arc<Program>,
    pub func_starts: HashSet<u64>,
    /// Pcs inside blocks translated so far, and the entries that have code.
    pub covered: HashSet<u64>,
    pub known: HashSet<u64>,
    pub env: lift::LiftEnv,
    /// Hot threshold and the address of the optimising tier's ready flag.
    pub hot: Option<(u64, u64)>,
    /// [`super::Options::hot_min_block`].
    pub hot_min_block: u32,
}

/// The sweep's regions, emitted and placed, with the counters their code increments (tier
/// [`SWEPT_TIER`]` + k` is `counters[k]`).
pub struct Done {
    pub regions: Vec<(discover::Region, Option<lift::HotCounter>)>,
    pub counters: Vec<Box<Cell<u64>>>,
    pub batch: DirectBatch,
    pub blocks: u64,
    pub instructions: u64,
    /// The worker's own time.
    pub time: Duration,
}

/// A sweep in progress: its result arrives on `done`; `cancel` asks the worker to give up
/// (the translator was dropped).
pub struct Pending {
    pub done: mpsc::Receiver<Result<Done, JitError>>,
    pub cancel: Arc<AtomicBool>,
}

impl Drop for Pending {
    fn drop(&mut self) {
        self.cancel.store(true, Ordering::Relaxed);
    }
}

/// Start the sweep on a thread of its own.
pub fn spawn(job: Job) -> Result<Pending, JitError> {
    let (tx, done) = mpsc::channel();
    let cancel = Arc::new(AtomicBool::new(false));
    let stop = Arc::clone(&cancel);
    std::thread::Builder::new()
        .name("rvjit-sweep".into())
        .spawn(move || {
            lower_priority();
            if let Some(result) = run(job, &stop) {
                // The translator may be gone; then nobody wants the code.
                let _ = tx.send(result);
            }
        })
        .map_err(|e| JitError::Finalize(format!("starting the sweep thread: {e}")))?;
    Ok(Pending { done, cancel })
}

/// Give the sweep only otherwise idle CPU (nice 19 for this thread): on a machine with few
/// cores it would take time from the guest's thread and the optimising tier's compiles.
fn lower_priority() {
    #[cfg(target_os = "linux")]
    // SAFETY: `setpriority` on this thread's own id changes nothing but its scheduling weight;
    // failing is harmless (the sweep then runs at normal priority).
    unsafe {
        libc::setpriority(libc::PRIO_PROCESS, libc::gettid() as libc::id_t, 19);
    }
}

/// Discover the regions of the function symbols and of the linear sweep, then emit them.
/// `None` when cancelled.
fn run(job: Job, cancel: &AtomicBool) -> Option<Result<Done, JitError>> {
    let start = Instant::now();
    let Job {
        program,
        func_starts,
        mut covered,
        mut known,
        env,
        hot,
        hot_min_block,
    } = job;
    let code = &program.code;
    let xlen = program.xlen;
    let mut regions = Vec::new();
    let mut discover_all = |work: &mut Vec<u64>, covered: &mut HashSet<u64>| {
        while let Some(root) = work.pop() {
            if known.contains(&root) || code.fetch(root).is_none() {
                continue;
            }
            let region =
                discover::region(code, root, &func_starts, covered, move |v| xlen.trunc(v));
            discover::claim(&region, covered, &mut known);
            work.extend(region.exits.iter().rev().copied());
            regions.push(region);
        }
    };
    let mut work: Vec<u64> = program.functions.iter().rev().map(|f| f.addr).collect();
    discover_all(&mut work, &mut covered);
    if cancel.load(Ordering::Relaxed) {
        return None;
    }
    let mut work = roots(code, &mut covered);
    discover_all(&mut work, &mut covered);
    if cancel.load(Ordering::Relaxed) {
        return None;
    }
    let mut counters = Vec::new();
    let regions: Vec<_> = regions
        .into_iter()
        .map(|region| {
            let tiered = discover::worth_tiering(&region, hot_min_block);
            let counter = hot.filter(|_| tiered).map(|(threshold, ready)| {
                let tier = SWEPT_TIER + counters.len() as u64;
                let (c, h) = super::hot_counter(threshold, tier, ready);
                counters.push(c);
                h
            });
            (region, counter)
        })
        .collect();
    let blocks = regions.iter().map(|(r, _)| r.blocks.len() as u64).sum();
    let instructions = regions.iter().map(|(r, _)| r.instr_count() as u64).sum();
    // One thread: the other core runs the guest.
    let batch = match super::place_direct(&env, &regions, false) {
        Ok(b) => b,
        Err(e) => return Some(Err(e)),
    };
    Some(Ok(Done {
        regions,
        counters,
        batch,
        blocks,
        instructions,
        time: start.elapsed(),
    }))
}
