//! Self-checking assembly programs (tests/asm, riscv-tests style) on every engine.
//!
//! The programs are built here, at test time, with the GNU RISC-V toolchain into
//! `CARGO_TARGET_TMPDIR/asm` (no binaries are committed): each for RV32 and/or RV64, and each
//! both without and with the C extension (the assembler then compresses what it can), except
//! `compressed.S`, which spells every `c.*` form out and only exists with C. A program exits
//! with a0 = 0 when every case passes and with a0 = (test number << 1) | 1 on the first
//! failing case.
//!
//! Each program runs on the interpreter (the translator gets its own `#[test]` calling
//! [`run_all`]) and, as a check of the programs themselves, on qemu-user when it is installed.
//! Without the toolchain the tests are skipped, except under CI (env `CI`).

use std::panic::AssertUnwindSafe;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, OnceLock};

use rvjit::isa::{compressed, Xlen};
use rvjit::machine::{Machine, RunConfig};
use rvjit::outcome::Stop;

const GCC: &str = "riscv64-unknown-elf-gcc";
const OBJDUMP: &str = "riscv64-unknown-elf-objdump";

/// Enough for every program many times over; reaching it means a program hangs.
const CYCLE_LIMIT: u64 = 1_000_000;

/// (source name, built for RV32, built for RV64, only with the C extension)
const PROGRAMS: &[(&str, bool, bool, bool)] = &[
    ("alu", true, true, false),
    ("branch", true, true, false),
    ("mem", true, true, false),
    ("muldiv", true, true, false),
    ("atomic", true, true, false),
    ("rv64w", false, true, false),
    ("counters", true, true, false),
    ("fence", true, true, false),
    ("compressed", true, true, true),
];

/// One built program variant.
struct Built {
    /// e.g. `alu-rv64c`
    label: String,
    xlen: Xlen,
    /// The ELF rvjit runs.
    elf: PathBuf,
    /// The ELF qemu runs (differs only for programs with `UNDER_QEMU` sections).
    qemu_elf: PathBuf,
}

fn asm_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/asm")
}

fn tool_present(tool: &str) -> bool {
    Command::new(tool)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

/// Build every program variant once per test binary; `None` if the toolchain is missing
/// (and CI is not set).
fn built() -> Option<&'static [Built]> {
    static BUILT: OnceLock<Option<Vec<Built>>> = OnceLock::new();
    BUILT
        .get_or_init(|| {
            if !(tool_present(GCC) && tool_present(OBJDUMP)) {
                assert!(std::env::var_os("CI").is_none(), "{GCC}/{OBJDUMP} missing but CI is set: run scripts/setup.sh");
                eprintln!("SKIPPED: {GCC}/{OBJDUMP} not found (install gcc-riscv64-unknown-elf, or run scripts/setup.sh)");
                return None;
            }
            Some(build_all())
        })
        .as_deref()
}

fn build_all() -> Vec<Built> {
    let out_dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("asm");
    std::fs::create_dir_all(&out_dir).expect("create output dir");
    let mut all = Vec::new();
    for &(name, rv32, rv64, c_only) in PROGRAMS {
        let src = asm_dir().join(format!("{name}.S"));
        let text = std::fs::read_to_string(&src).expect("read program source");
        let xlens = [(Xlen::X32, rv32), (Xlen::X64, rv64)];
        for (xlen, wanted) in xlens {
            if !wanted {
                continue;
            }
            let rvc_options: &[bool] = if c_only { &[true] } else { &[false, true] };
            for &rvc in rvc_options {
                let label = format!("{name}-rv{}{}", xlen.bits(), if rvc { "c" } else { "" });
                let elf = out_dir.join(format!("{label}.elf"));
                gcc(&src, &elf, xlen, rvc, &[]);
                let qemu_elf = if text.contains("UNDER_QEMU") {
                    let qemu_elf = out_dir.join(format!("{label}-qemu.elf"));
                    gcc(&src, &qemu_elf, xlen, rvc, &["-DUNDER_QEMU"]);
                    qemu_elf
                } else {
                    elf.clone()
                };
                check_compression(&label, &elf, xlen, rvc, name == "compressed");
                all.push(Built {
                    label,
                    xlen,
                    elf,
                    qemu_elf,
                });
            }
        }
    }
    all
}

fn gcc(src: &Path, out: &Path, xlen: Xlen, rvc: bool, extra: &[&str]) {
    let march = format!(
        "-march=rv{}ima{}_zicsr_zifencei",
        xlen.bits(),
        if rvc { "c" } else { "" }
    );
    let mabi = if xlen == Xlen::X32 {
        "-mabi=ilp32"
    } else {
        "-mabi=lp64"
    };
    let output = Command::new(GCC)
        .args([
            &march,
            mabi,
            "-nostdlib",
            "-nostartfiles",
            "-static",
            "-mno-relax",
            "-Wl,--build-id=none",
        ])
        .arg("-T")
        .arg(asm_dir().join("link.ld"))
        .arg("-I")
        .arg(asm_dir())
        .args(extra)
        .arg(src)
        .arg("-o")
        .arg(out)
        .output()
        .expect("run gcc");
    assert!(
        output.status.success(),
        "building {} failed:\n{}",
        src.display(),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// With C enabled the assembler must actually emit compressed instructions; `compressed.S`
/// must show every `c.*` form of its XLEN (objdump -M no-aliases prints c.nop as
/// `c.addi zero,0`). Without C there must be none.
fn check_compression(label: &str, elf: &Path, xlen: Xlen, rvc: bool, all_forms: bool) {
    let out = Command::new(OBJDUMP)
        .args(["-d", "-M", "no-aliases"])
        .arg(elf)
        .output()
        .expect("run objdump");
    assert!(out.status.success(), "objdump {label}");
    let text = String::from_utf8_lossy(&out.stdout);
    let mnemonics: Vec<&str> = text
        .lines()
        .filter_map(|l| l.split('\t').nth(2))
        .map(|m| m.trim())
        .collect();
    let compressed_count = mnemonics.iter().filter(|m| m.starts_with("c.")).count();
    if !rvc {
        assert_eq!(
            compressed_count, 0,
            "{label}: built without C but has compressed instructions"
        );
        return;
    }
    assert!(
        compressed_count > 10,
        "{label}: built with C but only {compressed_count} compressed instructions"
    );
    if all_forms {
        for form in compressed::FORMS {
            let exists = match *form {
                "c.jal" => xlen == Xlen::X32,
                "c.ld" | "c.sd" | "c.addiw" | "c.subw" | "c.addw" | "c.ldsp" | "c.sdsp" => {
                    xlen == Xlen::X64
                }
                _ => true,
            };
            let shown = if *form == "c.nop" {
                text.contains("\tc.addi\tzero,0\n")
            } else {
                mnemonics.contains(form)
            };
            if exists {
                assert!(shown, "{label}: objdump shows no {form}");
            }
        }
    }
}

/// Describe a stop that is not a pass.
fn verdict(stop: &Stop) -> Option<String> {
    match stop {
        Stop::Exit { code: 0 } => None,
        Stop::Exit { code } if code & 1 == 1 => {
            Some(format!("test {} failed (exit code {code:#x})", code >> 1))
        }
        other => Some(format!("did not pass: {other:?}")),
    }
}

/// Run every built program on `engine` (given the machine and an absolute cycle limit) and
/// assert each exits with code 0. Each engine gets one `#[test]` calling this; the translator's
/// will be `run_all("jit", |m, limit| rvjit::jit::run(m, limit).unwrap_or_else(|e| panic!("{e}")))`.
fn run_all(engine_name: &str, engine: impl Fn(&mut Machine, u64) -> Stop) {
    let Some(programs) = built() else { return };
    let mut failures = Vec::new();
    for b in programs {
        let bytes = std::fs::read(&b.elf).expect("read built ELF");
        let program = match rvjit::elf::load(&bytes) {
            Ok(p) => p,
            Err(e) => {
                failures.push(format!("{}: ELF rejected: {e}", b.label));
                continue;
            }
        };
        assert_eq!(program.xlen, b.xlen, "{}: ELF class", b.label);
        let mut m = match Machine::new(Arc::new(program), &RunConfig::default()) {
            Ok(m) => m,
            Err(e) => {
                failures.push(format!("{}: machine setup failed: {e}", b.label));
                continue;
            }
        };
        // A panicking engine is a failure of this program; keep going to report all of them.
        let stop = match std::panic::catch_unwind(AssertUnwindSafe(|| engine(&mut m, CYCLE_LIMIT)))
        {
            Ok(stop) => stop,
            Err(_) => {
                failures.push(format!("{}: {engine_name} panicked", b.label));
                continue;
            }
        };
        match verdict(&stop) {
            None => eprintln!(
                "{engine_name}: {} passed in {} cycles",
                b.label, m.cpu.cycle
            ),
            Some(why) => failures.push(format!(
                "{}: {why} (pc {:#x}, cycle {})",
                b.label, m.cpu.pc, m.cpu.cycle
            )),
        }
    }
    assert!(
        failures.is_empty(),
        "{engine_name}: {} program(s) failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn programs_pass_on_interpreter() {
    run_all("interp", rvjit::interp::run);
}

/// The programs themselves are validated against an independent executor.
#[test]
fn programs_pass_on_qemu_user() {
    let Some(programs) = built() else { return };
    let mut failures = Vec::new();
    let mut ran = 0;
    for b in programs {
        let qemu = format!("qemu-riscv{}", b.xlen.bits());
        if !tool_present(&qemu) {
            eprintln!("SKIPPED on qemu: {qemu} not found ({})", b.label);
            continue;
        }
        let out = Command::new(&qemu)
            .arg(&b.qemu_elf)
            .output()
            .expect("run qemu");
        ran += 1;
        match out.status.code() {
            Some(0) => {}
            Some(code) if code & 1 == 1 => failures.push(format!(
                "{}: test {} (mod 128) failed under {qemu}",
                b.label,
                code >> 1
            )),
            other => failures.push(format!("{}: {qemu} ended with {other:?}", b.label)),
        }
    }
    eprintln!("{ran} program variants ran on qemu-user");
    assert!(
        failures.is_empty(),
        "qemu: {} program(s) failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
