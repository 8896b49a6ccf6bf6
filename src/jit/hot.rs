//! Where the optimising tier compiles: a baseline region that turns hot is recompiled off the
//! dispatcher's thread by default, while its baseline code keeps running; the dispatcher
//! installs the optimised code at its first visit after the compile is done.
//!
//! The handshake with translated code is one word, the `ready` flag: a worker sets it when it
//! hands in a compile, and a pending region's checkpoints (counter past the threshold, code
//! not installed yet) leave for the dispatcher while it is set, so a hot loop that never
//! leaves translated code still picks its optimised code up at its next pass
//! (`Lifter::count_pass`). Installing is exact at any checkpoint: both tiers have the same
//! outcomes, so *when* the switch happens changes timing only, never results.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::mpsc::{channel, Receiver, Sender};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use cranelift_codegen::isa::OwnedTargetIsa;
use cranelift_frontend::FunctionBuilderContext;
use cranelift_module::FuncId;

use super::{discover, lift, Compiled, JitError};

/// Where [`super::Translator`] compiles regions that turn hot ([`super::Options::hot_compile`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum HotCompile {
    /// On a background thread; the baseline code keeps running until the optimised code is
    /// installed (the default: compiling a hot region never stalls the run).
    #[default]
    Background,
    /// On the dispatcher's thread, before the region runs again (the whole compile is
    /// translation time on the run's critical path).
    Inline,
    /// On a background thread, but the dispatcher waits for every compile in flight at its
    /// next visit after the request: [`HotCompile::Background`]'s code paths with install
    /// points that depend only on the guest's control flow (tests).
    Lockstep,
}

/// A compile for a background thread: the region and the lifter's environment as it was when
/// the compile was requested. A stale snapshot is harmless: an entry it does not know as hot
/// yet is reached through the compiled-code table instead of a direct tail call.
pub(super) struct Job {
    pub tier: u64,
    pub id: FuncId,
    pub region: discover::Region,
    pub isa: OwnedTargetIsa,
    /// The ISA for a region that rotates a lot (see `super::ROTATING_REGION`).
    pub rotating: Option<OwnedTargetIsa>,
    pub env: lift::LiftEnv,
}

/// A finished compile, to be installed by the dispatcher.
pub(super) struct Done {
    pub tier: u64,
    pub id: FuncId,
    pub region: discover::Region,
    pub code: Result<Compiled, JitError>,
    /// Time spent compiling (on whichever thread did it).
    pub time: Duration,
}

impl Job {
    /// Lift and compile on the current thread.
    pub fn run(self) -> Done {
        let start = Instant::now();
        // A panic inside Cranelift must not take the process down from a pool thread (nor
        // leave the dispatcher waiting): it becomes this region's translation error.
        let code = catch_unwind(AssertUnwindSafe(|| {
            super::compile(
                &*self.isa,
                self.rotating.as_deref(),
                &self.env,
                &self.region,
                self.id,
                None,
                &mut FunctionBuilderContext::new(),
                &mut cranelift_codegen::Context::new(),
            )
        }))
        .unwrap_or_else(|_| {
            Err(JitError::Translate {
                pc: self.region.root,
                reason: "the code generator panicked".into(),
            })
        });
        Done {
            tier: self.tier,
            id: self.id,
            region: self.region,
            code,
            time: start.elapsed(),
        }
    }
}

/// The compiles in flight and their results.
pub(super) struct Queue {
    /// Jobs for the workers (started with the first job): one thread per core but the one
    /// running the guest, at least one. They stop when the queue is dropped.
    jobs: Option<Sender<Job>>,
    tx: Sender<Done>,
    rx: Receiver<Done>,
    in_flight: usize,
    /// Nonzero when a result may be waiting (see the module comment); read by translated code
    /// at a fixed address ([`Queue::ready_addr`]), so it lives in its own allocation.
    ready: Arc<AtomicU32>,
}

impl Queue {
    pub fn new() -> Queue {
        let (tx, rx) = channel();
        Queue {
            jobs: None,
            tx,
            rx,
            in_flight: 0,
            ready: Arc::new(AtomicU32::new(0)),
        }
    }

    /// Host address of the `ready` flag (a `u32`; valid as long as the queue lives).
    pub fn ready_addr(&self) -> u64 {
        self.ready.as_ptr() as u64
    }

    pub fn in_flight(&self) -> usize {
        self.in_flight
    }

    /// Queue `job` for the workers, in order of request (the first region to turn hot is
    /// usually the hottest).
    pub fn submit(&mut self, job: Job, mode: HotCompile) -> Result<(), JitError> {
        let jobs = match &self.jobs {
            Some(jobs) => jobs,
            None => self.jobs.insert(self.start_workers()?),
        };
        jobs.send(job)
            .map_err(|_| JitError::Finalize("the hot-tier compile threads are gone".into()))?;
        self.in_flight += 1;
        if mode == HotCompile::Lockstep {
            // Pending regions leave at their next checkpoint pass, where the dispatcher waits.
            self.ready.store(1, Ordering::Release);
        }
        Ok(())
    }

    fn start_workers(&self) -> Result<Sender<Job>, JitError> {
        let (jobs, queue) = channel::<Job>();
        let queue = Arc::new(Mutex::new(queue));
        let workers = std::thread::available_parallelism()
            .map_or(1, |n| n.get().saturating_sub(1))
            .max(1);
        for i in 0..workers {
            let (queue, tx, ready) = (Arc::clone(&queue), self.tx.clone(), Arc::clone(&self.ready));
            std::thread::Builder::new()
                .name(format!("rvjit-hot-{i}"))
                .spawn(move || loop {
                    // The lock is held only while waiting for the next job.
                    let job = match queue.lock() {
                        Ok(q) => q.recv(),
                        Err(_) => return,
                    };
                    let Ok(job) = job else { return };
                    // The receiver is gone only if the translator was dropped.
                    if tx.send(job.run()).is_err() {
                        return;
                    }
                    ready.store(1, Ordering::Release);
                })
                .map_err(|e| JitError::Finalize(format!("starting a compile thread: {e}")))?;
        }
        Ok(jobs)
    }

    /// The compiles to install now: those done ([`HotCompile::Background`]), or all in flight,
    /// waiting for them ([`HotCompile::Lockstep`]).
    pub fn take(&mut self, mode: HotCompile) -> Vec<Done> {
        let mut done = Vec::new();
        if self.in_flight == 0 {
            return done;
        }
        if mode == HotCompile::Lockstep {
            while self.in_flight > 0 {
                // `self.tx` keeps the channel open, and every job sends exactly once.
                let Ok(d) = self.rx.recv() else { break };
                self.in_flight -= 1;
                done.push(d);
            }
            self.ready.store(0, Ordering::Release);
            return done;
        }
        if self.ready.swap(0, Ordering::AcqRel) != 0 {
            while let Ok(d) = self.rx.try_recv() {
                self.in_flight -= 1;
                done.push(d);
            }
        }
        done
    }
}
