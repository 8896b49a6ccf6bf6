//! Host-native mode: the services from the process environment.
//!
//! `guest --input FILE... --hint FILE... [--output FILE]`: each `--input` file is one input
//! frame (the frames are served as the same length-prefixed byte stream as on RISC-V), each
//! `--hint` file one hint frame, and the public output goes to `--output` (or is discarded).
//!
//! With `RVJIT_NATIVE_TIMING` set in the environment, the process prints
//! `rvjit-native: exec_seconds S` on stderr when it exits: the time from the end of argument
//! parsing and input loading to the process exit, i.e. the guest's own run without process
//! start-up, as `rvjit`'s in-process run time excludes its own start-up and ELF loading.
//! bench/compare.sh compares the translated code against this.

use std::fs::File;
use std::io::Write;
use std::string::String;
use std::sync::{Mutex, MutexGuard, OnceLock};
use std::time::Instant;
use std::vec::Vec;

use crate::abi;

struct State {
    input: Vec<u8>,
    input_pos: usize,
    hints: std::collections::VecDeque<Vec<u8>>,
    output: Option<File>,
}

static STATE: OnceLock<Mutex<State>> = OnceLock::new();

fn usage(msg: &str) -> ! {
    std::eprintln!("{msg}\nusage: guest [--input FILE]... [--hint FILE]... [--output FILE]");
    std::process::exit(125)
}

fn load() -> State {
    let mut st = State { input: Vec::new(), input_pos: 0, hints: Default::default(), output: None };
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let Some(value) = args.next() else { usage(&std::format!("missing value after {flag}")) };
        let read = |path: &String| std::fs::read(path).unwrap_or_else(|e| usage(&std::format!("cannot read {path}: {e}")));
        match flag.as_str() {
            "--input" => {
                let frame = read(&value);
                let len = u32::try_from(frame.len()).unwrap_or_else(|_| usage("input frame larger than 4 GiB"));
                st.input.extend_from_slice(&len.to_le_bytes());
                st.input.extend_from_slice(&frame);
            }
            "--hint" => st.hints.push_back(read(&value)),
            "--output" => {
                st.output = Some(File::create(&value).unwrap_or_else(|e| usage(&std::format!("cannot create {value}: {e}"))));
            }
            _ => usage(&std::format!("unknown argument {flag}")),
        }
    }
    st
}

fn state() -> MutexGuard<'static, State> {
    let m = STATE.get_or_init(|| Mutex::new(load()));
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Run by `entry!` before `main` (an `.init_array` constructor): parse the arguments, and make
/// a panic print its message and location and exit with [`abi::EXIT_PANIC`], as on RISC-V.
pub fn native_init() {
    drop(state());
    std::panic::set_hook(std::boxed::Box::new(|info| {
        let _ = std::io::stdout().flush();
        std::eprintln!("{info}");
        std::process::exit(abi::EXIT_PANIC as i32);
    }));
    if std::env::var_os("RVJIT_NATIVE_TIMING").is_some() {
        start_timing();
    }
}

static RUN_START: OnceLock<Instant> = OnceLock::new();

extern "C" {
    // libc's; std links libc on every host this mode supports.
    fn atexit(callback: extern "C" fn()) -> core::ffi::c_int;
}

/// Both ways out (`main` returning, and `exit`/panic through `std::process::exit`) end in libc's
/// `exit`, which runs the `atexit` callbacks: one hook covers them all.
fn start_timing() {
    extern "C" fn report() {
        if let Some(start) = RUN_START.get() {
            let secs = start.elapsed().as_secs_f64();
            let _ = std::io::stdout().flush();
            let _ = writeln!(std::io::stderr(), "rvjit-native: exec_seconds {secs:.9}");
        }
    }
    // SAFETY: `report` is a plain `extern "C" fn()` that stays valid for the whole process; it
    // only reads a `OnceLock` and writes to stderr, both fine during `exit`.
    if unsafe { atexit(report) } == 0 {
        let _ = RUN_START.set(Instant::now());
    }
}

pub fn write(fd: u32, bytes: &[u8]) {
    match fd {
        abi::FD_STDOUT => {
            let _ = std::io::stdout().write_all(bytes);
        }
        abi::FD_STDERR => {
            let _ = std::io::stderr().write_all(bytes);
        }
        abi::FD_PUBLIC_OUTPUT => {
            if let Some(f) = state().output.as_mut() {
                if let Err(e) = f.write_all(bytes) {
                    usage(&std::format!("cannot write the public output: {e}"));
                }
            }
        }
        _ => {}
    }
}

pub fn read(_fd: u32, buf: &mut [u8]) -> usize {
    let mut st = state();
    let pos = st.input_pos;
    let n = buf.len().min(st.input.len() - pos);
    buf[..n].copy_from_slice(&st.input[pos..pos + n]);
    st.input_pos += n;
    n
}

pub fn exit(code: i32) -> ! {
    let _ = std::io::stdout().flush();
    std::process::exit(code)
}

pub fn hint_len() -> Option<usize> {
    state().hints.front().map(|h| h.len())
}

pub fn hint_read(buf: &mut [u8]) {
    let h = state().hints.pop_front().unwrap_or_default();
    assert_eq!(h.len(), buf.len(), "hint read length differs from the hint frame's");
    buf.copy_from_slice(&h);
}

/// The whole input blob, leaked once (the zkVM C interface hands out a `'static` pointer).
pub fn input_info() -> (*const u8, usize) {
    static BLOB: OnceLock<&'static [u8]> = OnceLock::new();
    let blob = BLOB.get_or_init(|| std::boxed::Box::leak(state().input.clone().into_boxed_slice()));
    (blob.as_ptr(), blob.len())
}

/// The same deterministic stream rvjit serves: SHA-256(seed || counter_le_u64) blocks.
pub fn getrandom(buf: &mut [u8]) {
    use sha2::Digest;
    static COUNTER: Mutex<(u64, Vec<u8>)> = Mutex::new((0, Vec::new()));
    let mut g = COUNTER.lock().unwrap_or_else(|e| e.into_inner());
    for b in buf.iter_mut() {
        if g.1.is_empty() {
            let mut h = sha2::Sha256::new();
            h.update(abi::GETRANDOM_SEED);
            h.update(g.0.to_le_bytes());
            g.0 += 1;
            let mut block = h.finalize().to_vec();
            block.reverse(); // popped from the back
            g.1 = block;
        }
        *b = g.1.pop().unwrap_or(0);
    }
}

pub fn keccakf(state: &mut [u64; 25]) {
    tiny_keccak::keccakf(state);
}

pub fn sha256_compress(state: &mut [u32; 8], block: &[u8; 64]) {
    sha2::compress256(state, core::slice::from_ref(sha2::digest::generic_array::GenericArray::from_slice(block)));
}
