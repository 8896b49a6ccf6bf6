//! The boundary between translated code and Rust: the context block translated code reads,
//! the status codes it returns, and the `extern "C"` helper it calls for everything rare.

use crate::cpu::Cpu;
use crate::interp;
use crate::machine::Machine;
use crate::outcome::Stop;
use crate::witness::record::{Recorder, RecordingBus};

/// The entry trampoline (System V, i.e. `extern "C"` on x86-64): `(ctx, region code, entry
/// index) -> status`. Region functions use Cranelift's `Tail` convention so that they can
/// tail-call each other; Rust enters them only through this trampoline.
pub type EnterFn = unsafe extern "C" fn(*mut Ctx, usize, u32) -> u32;

/// Left translated code with `cpu.pc`/`cpu.cycle` set: dispatch on `cpu.pc`.
pub const STATUS_CONTINUE: u32 = 0;
/// The run stopped inside a call-out; the stop is in [`Ctx::stop`] and the Cpu is final.
pub const STATUS_STOP: u32 = 1;
/// The remaining budget is smaller than the block at `cpu.pc`: finish in the interpreter.
pub const STATUS_BUDGET: u32 = 2;
/// Execute the instruction at `cpu.pc` in the interpreter (ebreak, illegal, and memory
/// accesses the inline check does not clear: faults, mixed pages, misaligned accesses).
pub const STATUS_STEP: u32 = 3;
/// A region was entered with an entry index it does not have (a translator bug).
pub const STATUS_BAD_ENTRY: u32 = 4;
/// A baseline region's counter reached the hot threshold at the checkpoint `cpu.pc`
/// ([`Ctx::hot`] names the region): recompile it with the optimising tier, then dispatch.
pub const STATUS_HOT: u32 = 5;

/// Context of one run, read by translated code at fixed offsets (`repr(C)`).
///
/// Every pointer is derived from the one `*mut Machine` the dispatcher holds for the duration
/// of a region call, so translated code and the call-out helper access the machine through the
/// same raw-pointer provenance and no Rust reference to the machine is live meanwhile.
#[repr(C)]
pub struct Ctx {
    /// The Cpu image translated code works on: at the host address of guest address 0
    /// ([`Ctx::mem_base`]), in the null-guard page no guest access can reach, so one base
    /// register serves guest registers and guest memory. The dispatcher copies `machine.cpu`
    /// in before every region call and out after it ([`Ctx::cpu_in`], [`Ctx::cpu_out`]);
    /// call-outs do the same around the interpreter.
    pub cpu: *mut Cpu,
    /// Host address of guest address 0 (also the Cpu image's).
    pub mem_base: *mut u8,
    /// Size of the backed guest address space (a multiple of the page size).
    pub span: u64,
    /// Absolute cycle limit of this run.
    pub limit: u64,
    /// Fast-path tables (see [`crate::memory::GuestMemory::fast_tables`]): one byte per page
    /// of the span plus a sentinel, zero where an aligned load (store) may go straight to host
    /// memory.
    pub load_table: *const u8,
    pub store_table: *const u8,
    pub machine: *mut Machine,
    /// 1 after [`rvjit_step`]'s instruction stopped the run (the stop is in [`Ctx::stop`]);
    /// read by translated code right after the call.
    pub flag: u32,
    /// Set by [`rvjit_step`] when the instruction it executed stopped the run.
    pub stop: Option<Stop>,
    /// The tier index of the region that left with [`STATUS_HOT`] (written by that region).
    pub hot: u64,
    /// Recording translations only (null otherwise): the load log, a window into the
    /// recorder's load stream ([`Recorder::loads_window`]). Translated code appends the value
    /// of every load it performs at `log_ptr` (`size` little-endian bytes; it stores a whole
    /// register, so the window has [`LOG_SLACK`] bytes past `log_end`) and advances it; at
    /// checkpoints it leaves for the dispatcher when fewer than 8 bytes per instruction up to
    /// the next checkpoint are left before `log_end`. [`Ctx::close_log`] appends the bytes
    /// `log_base..log_ptr` to the stream before anything else records; [`Ctx::open_log`]
    /// opens the next window (which may have moved) before translated code runs again.
    pub log_ptr: *mut u8,
    pub log_end: *mut u8,
    pub log_base: *mut u8,
    /// The recorder of the chunk in progress (recording translations only).
    pub recorder: *mut Recorder,
    /// Second-level tables of the optimising tier for accesses the fast tables refuse (see
    /// [`crate::memory::GuestMemory::page_runs`]): one `u32` per page plus the sentinel.
    pub load_runs: *const u32,
    pub store_runs: *const u32,
}

pub const CTX_MEM_BASE: i32 = std::mem::offset_of!(Ctx, mem_base) as i32;
pub const CTX_SPAN: i32 = std::mem::offset_of!(Ctx, span) as i32;
pub const CTX_LIMIT: i32 = std::mem::offset_of!(Ctx, limit) as i32;
pub const CTX_LOAD_TABLE: i32 = std::mem::offset_of!(Ctx, load_table) as i32;
pub const CTX_STORE_TABLE: i32 = std::mem::offset_of!(Ctx, store_table) as i32;
pub const CTX_FLAG: i32 = std::mem::offset_of!(Ctx, flag) as i32;
pub const CTX_HOT: i32 = std::mem::offset_of!(Ctx, hot) as i32;
pub const CTX_LOG_PTR: i32 = std::mem::offset_of!(Ctx, log_ptr) as i32;
pub const CTX_LOG_END: i32 = std::mem::offset_of!(Ctx, log_end) as i32;
pub const CTX_LOAD_RUNS: i32 = std::mem::offset_of!(Ctx, load_runs) as i32;
pub const CTX_STORE_RUNS: i32 = std::mem::offset_of!(Ctx, store_runs) as i32;
pub const CPU_REGS: i32 = std::mem::offset_of!(Cpu, regs) as i32;
pub const CPU_PC: i32 = std::mem::offset_of!(Cpu, pc) as i32;
pub const CPU_CYCLE: i32 = std::mem::offset_of!(Cpu, cycle) as i32;

// The Cpu image fits in the never-mapped first page, and the page-aligned mapping aligns it.
const _: () = assert!(std::mem::size_of::<Cpu>() as u64 <= crate::memory::NULL_GUARD);
const _: () = assert!(std::mem::align_of::<Cpu>() as u64 <= crate::memory::PAGE);

impl Ctx {
    /// Copy `machine.cpu` to the Cpu image translated code works on.
    ///
    /// # Safety
    /// The context must come from [`Ctx::new`] on a machine that is still live and not
    /// otherwise borrowed.
    pub unsafe fn cpu_in(&mut self) {
        // SAFETY: per the caller, `machine` is live and unaliased; `cpu` is the image in the
        // machine's mapping (see `new`), valid for writes and aligned. `write` does not read
        // the old bytes, which are not a valid `Cpu` before the first copy.
        unsafe { std::ptr::write(self.cpu, (*self.machine).cpu.clone()) }
    }

    /// Copy the Cpu image back to `machine.cpu`.
    ///
    /// # Safety
    /// As for [`Ctx::cpu_in`], which must have run since the context was built.
    pub unsafe fn cpu_out(&mut self) {
        // SAFETY: per the caller, the image holds a valid `Cpu` written by `cpu_in` and changed
        // by translated code only in its register, pc and cycle fields (`u64`s: any bits are
        // valid). `read` copies it out without taking a reference into the mapping.
        unsafe { (*self.machine).cpu = std::ptr::read(self.cpu) }
    }

    /// Build the context for running `m`. The pointers stay valid as long as `m` is neither
    /// moved nor otherwise borrowed, which [`super::Translator::run`] guarantees by holding
    /// `&mut Machine` for the whole run.
    ///
    /// # Safety
    /// `m` must point to a live `Machine` (derived from a `&mut Machine`) with no other
    /// reference to it live during this call.
    pub unsafe fn new(m: *mut Machine, limit: u64) -> Ctx {
        // SAFETY: the caller guarantees `m` is live and unaliased; we only take field
        // addresses and read the (immutable after construction) layout, perms and mapping base.
        // The mapping backs guest addresses from 0, page-aligned and read-write, and no
        // guest access or host service reaches below `NULL_GUARD`, so its first bytes are ours
        // for the Cpu image (sized and aligned by the assertions above).
        unsafe {
            let mem = std::ptr::addr_of_mut!((*m).mem);
            let mem_base = (*mem).host_base();
            Ctx {
                cpu: mem_base.cast::<Cpu>(),
                mem_base,
                span: (*mem).layout().span,
                limit,
                load_table: (*mem).fast_tables().0.as_ptr(),
                store_table: (*mem).fast_tables().1.as_ptr(),
                machine: m,
                flag: 0,
                stop: None,
                hot: 0,
                log_ptr: std::ptr::null_mut(),
                log_end: std::ptr::null_mut(),
                log_base: std::ptr::null_mut(),
                recorder: std::ptr::null_mut(),
                load_runs: (*mem).page_runs().0.as_ptr(),
                store_runs: (*mem).page_runs().1.as_ptr(),
            }
        }
    }
}

/// Execute one instruction at `cpu.pc` in the reference interpreter. Translated code calls
/// this for every rare instruction (services, atomics) after writing its registers, pc and
/// cycle back to the Cpu, and reloads them afterwards. Sets `flag` (and `stop`) if the
/// instruction stopped the run.
///
/// # Safety
/// `ctx` must be the context the dispatcher passed to the running region.
pub unsafe extern "C" fn rvjit_step(ctx: *mut Ctx) {
    // SAFETY: the dispatcher passes a valid, exclusive `Ctx` whose `machine` pointer comes from
    // the `&mut Machine` it holds; translated code holds no Rust reference, so these are the
    // only live references to the context and the machine until we return.
    let ctx = unsafe { &mut *ctx };
    // SAFETY: translated code called us with its state in the image (see `Ctx::cpu`).
    unsafe { ctx.cpu_out() };
    // SAFETY: as above; `cpu_out` left no reference behind.
    let machine = unsafe { &mut *ctx.machine };
    if let Some(stop) = interp::step(machine) {
        ctx.stop = Some(stop);
        ctx.flag = 1;
    }
    // SAFETY: as above; `machine` is dead.
    unsafe { ctx.cpu_in() };
}

/// Bytes of the load-log window translated code may fill before it leaves for the dispatcher.
pub const LOG_BYTES: usize = 1 << 16;
/// Writable bytes past [`LOG_BYTES`]: a logged value is stored as a whole register (8 bytes)
/// even when only its low `size` bytes count.
pub const LOG_SLACK: usize = 8;

impl Ctx {
    /// Open a load-log window of [`LOG_BYTES`] (+ [`LOG_SLACK`]) at the end of the
    /// recorder's load stream (recording runs, before translated code runs).
    ///
    /// # Safety
    /// `recorder` must be valid and not otherwise borrowed.
    pub unsafe fn open_log(&mut self) {
        // SAFETY: the caller guarantees the recorder is valid and unaliased; the window has
        // LOG_BYTES + LOG_SLACK writable bytes, so `base + LOG_BYTES` is inside it.
        unsafe {
            let base = (*self.recorder).loads_window(LOG_BYTES + LOG_SLACK);
            self.log_base = base;
            self.log_ptr = base;
            self.log_end = base.add(LOG_BYTES);
        }
    }

    /// Append what translated code logged since [`Ctx::open_log`] to the recorder's load
    /// stream. The window is closed: open it again before translated code runs.
    ///
    /// # Safety
    /// As for [`Ctx::open_log`], and the window must be the one the last `open_log` opened,
    /// with no other use of the recorder since.
    pub unsafe fn close_log(&mut self) {
        // SAFETY: translated code only advances `log_ptr` within `log_base..=log_end` (its
        // stores may reach LOG_SLACK bytes further, which are not counted), having written
        // every byte it passed; so `n` initialised bytes lie in the window, n <= LOG_BYTES.
        unsafe {
            let n = self.log_ptr.offset_from(self.log_base);
            if n > 0 {
                (*self.recorder).loads_commit(n as usize);
            }
            self.log_ptr = self.log_base;
        }
    }
}

/// [`rvjit_step`] of recording translations: first move the load log into the recorder, then
/// execute the instruction with the interpreter's recording bus, so LR/AMO values and service
/// effects land in the recorder in program order.
///
/// # Safety
/// `ctx` must be the context the recording dispatcher passed to the running region.
pub unsafe extern "C" fn rvjit_step_record(ctx: *mut Ctx) {
    // SAFETY: as in `rvjit_step`; in addition the recording dispatcher set `recorder` to the
    // `&mut Recorder` it holds for the run (not otherwise used while a region runs) and
    // opened the log window in that recorder's load stream.
    let ctx = unsafe { &mut *ctx };
    unsafe { ctx.close_log() };
    // SAFETY: translated code called us with its state in the image (see `Ctx::cpu`).
    unsafe { ctx.cpu_out() };
    // SAFETY: see above; the machine and recorder are distinct objects.
    let (machine, rec) = unsafe { (&mut *ctx.machine, &mut *ctx.recorder) };
    let Machine {
        program,
        mem,
        cpu,
        host,
    } = machine;
    let mut bus = RecordingBus {
        inner: interp::MachineBus { mem, host },
        rec,
    };
    if let Some(stop) = interp::step_with(&program.code, cpu, &mut bus) {
        ctx.stop = Some(stop);
        ctx.flag = 1;
    }
    // The instruction may have grown the load stream: translated code continues in a new
    // window (it reloads `log_ptr` after the call and reads `log_end` at every checkpoint).
    // SAFETY: as above; `bus` (the other borrow of the recorder) and the machine's borrow
    // are dead.
    unsafe {
        ctx.open_log();
        ctx.cpu_in();
    }
}
