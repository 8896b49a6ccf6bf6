//! The `rvjit` binary end to end, on tiny hand-built ELFs.

#[path = "support/elf.rs"]
mod elf_builder;

use std::path::PathBuf;
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};

use elf_builder::{code_seg, func, Seg, Spec, PF_R, PF_W};

const CODE: u64 = 0x20_0000;
const RODATA: u64 = 0x20_1000;
const DATA: u64 = 0x20_2000;

const ECALL: u32 = 0x0000_0073;
const EBREAK: u32 = 0x0010_0073;
const LI_A0_0: u32 = 0x0000_0513;
const LI_A0_3: u32 = 0x0030_0513;
const LI_A0_7: u32 = 0x0070_0513;
const LI_A0_256: u32 = 0x1000_0513;
const LI_A7_EXIT: u32 = 0x05d0_0893; // li a7, 93
const LI_A7_WRITE: u32 = 0x0400_0893; // li a7, 64
const LI_A7_READ: u32 = 0x03f0_0893; // li a7, 63
const LI_A0_1: u32 = 0x0010_0513;
const LUI_A1_CODE: u32 = 0x0020_05b7; // lui a1, 0x200
const LUI_A1_RODATA: u32 = 0x0020_15b7; // lui a1, 0x201
const LUI_A1_DATA: u32 = 0x0020_25b7; // lui a1, 0x202
const LI_A2_6: u32 = 0x0060_0613;
const LI_A2_8: u32 = 0x0080_0613;
const MV_A2_A0: u32 = 0x0005_0613;
const SW_A0_4_A1: u32 = 0x00a5_a223; // sw a0, 4(a1)
const JAL_SELF: u32 = 0x0000_006f; // j .

/// Write an ELF with this code at CODE (entry), optional extra segments, `_start` symbol.
fn elf(class64: bool, code: &[u32], extra: Vec<Seg>) -> TempFile {
    let mut segs = vec![code_seg(CODE, code)];
    segs.extend(extra);
    let mut spec = Spec::new(class64, CODE, segs);
    spec.syms = vec![func("_start", CODE, 4 * code.len() as u64)];
    write_file(&spec.build().bytes)
}

/// A file under the target's temp dir, removed when dropped.
struct TempFile(PathBuf);

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

impl std::ops::Deref for TempFile {
    type Target = PathBuf;
    fn deref(&self) -> &PathBuf {
        &self.0
    }
}

fn write_file(bytes: &[u8]) -> TempFile {
    static N: AtomicUsize = AtomicUsize::new(0);
    let n = N.fetch_add(1, Ordering::Relaxed);
    let path = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("cli-{}-{n}.bin", std::process::id()));
    std::fs::write(&path, bytes).unwrap();
    TempFile(path)
}

fn rvjit(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_rvjit"))
        .args(args)
        .output()
        .expect("run rvjit")
}

fn run(path: &std::path::Path, extra: &[&str]) -> Output {
    let mut args = vec!["run", path.to_str().unwrap()];
    args.extend_from_slice(extra);
    rvjit(&args)
}

fn status(o: &Output) -> i32 {
    o.status.code().expect("exited normally")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn json(o: &Output) -> serde_json::Value {
    let out = stdout(o);
    let last = out.lines().last().expect("JSON line on stdout");
    serde_json::from_str(last).unwrap_or_else(|e| panic!("bad JSON {last:?}: {e}"))
}

fn exit7() -> Vec<u32> {
    vec![LI_A0_7, LI_A7_EXIT, ECALL]
}

#[test]
fn exit_code_and_summary() {
    for class64 in [false, true] {
        let o = run(&elf(class64, &exit7(), vec![]), &[]);
        let err = stderr(&o);
        assert_eq!(status(&o), 7, "{err}");
        assert!(
            err.contains("rvjit: guest exited with code 7 after 3 cycles"),
            "{err}"
        );
        assert!(err.contains("3 cycles in"), "{err}");
        assert!(err.contains("M instructions/s"), "{err}");
        // SHA-256 of the empty public output.
        assert!(
            err.contains("public output: 0 bytes, sha256 e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
            "{err}"
        );
        assert!(stdout(&o).is_empty());
    }
}

#[test]
fn exit_code_low_byte_zero_maps_to_one() {
    let o = run(&elf(true, &[LI_A0_256, LI_A7_EXIT, ECALL], vec![]), &[]);
    assert_eq!(status(&o), 1, "{}", stderr(&o));
    assert!(stderr(&o).contains("code 256"));
}

#[test]
fn negative_exit_code() {
    const LI_A0_MINUS_1: u32 = 0xfff0_0513;
    for (class64, shown) in [
        (false, "code -1 (0xffffffff)"),
        (true, "code -1 (0xffffffffffffffff)"),
    ] {
        let o = run(
            &elf(class64, &[LI_A0_MINUS_1, LI_A7_EXIT, ECALL], vec![]),
            &[],
        );
        assert_eq!(status(&o), 255, "{}", stderr(&o));
        assert!(stderr(&o).contains(shown), "{}", stderr(&o));
    }
}

#[test]
fn json_summary() {
    let o = run(&elf(true, &exit7(), vec![]), &["--json"]);
    assert_eq!(status(&o), 7, "{}", stderr(&o));
    let j = json(&o);
    assert_eq!(j["stop"], "exit");
    assert_eq!(j["exit_code"], 7);
    assert!(j["fault"].is_null());
    assert_eq!(j["cycles"], 3);
    assert_eq!(j["status"], 7);
    assert_eq!(j["engine"], "jit", "the translator is the default engine");
    assert_eq!(j["xlen"], 64);
    assert_eq!(j["public_output_len"], 0);
    assert_eq!(
        j["public_output_sha256"],
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    );
    assert!(j["wall_seconds"].as_f64().unwrap() >= 0.0);
    assert!(j["mips"].is_number());
    assert!(j["memory"]["ram_start"].is_u64());
    // The text summary is replaced, not duplicated.
    assert!(!stderr(&o).contains("guest exited"), "{}", stderr(&o));
}

#[test]
fn stats() {
    let o = run(
        &elf(false, &exit7(), vec![]),
        &["--stats", "--memory", "64M"],
    );
    let err = stderr(&o);
    assert_eq!(status(&o), 7, "{err}");
    assert!(err.contains("engine jit, RV32"), "{err}");
    assert!(err.contains("RAM ") && err.contains("(64 MiB)"), "{err}");
    assert!(err.contains("misaligned accesses: 0"), "{err}");
}

#[test]
fn guest_output_streams_and_public_output_file() {
    let code = [
        LI_A0_1,
        LUI_A1_RODATA,
        LI_A2_6,
        LI_A7_WRITE,
        ECALL, // write(1, "hello\n", 6)
        LI_A0_3,
        ECALL, // write(3, "hello\n", 6): a1, a2, a7 survive the call
        LI_A0_0,
        LI_A7_EXIT,
        ECALL,
    ];
    let rodata = Seg {
        vaddr: RODATA,
        memsz: 6,
        data: b"hello\n".to_vec(),
        flags: PF_R,
    };
    let path = elf(true, &code, vec![rodata]);
    let out_file = write_file(b"stale");
    let o = run(&path, &["--output", out_file.to_str().unwrap()]);
    let err = stderr(&o);
    assert_eq!(status(&o), 0, "{err}");
    assert_eq!(stdout(&o), "hello\n");
    assert!(
        err.contains("public output: 6 bytes, sha256 5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03"),
        "{err}"
    );
    assert_eq!(std::fs::read(&*out_file).unwrap(), b"hello\n");
    // With --json the object follows the guest's output on stdout.
    let o = run(&path, &["--json"]);
    let out = stdout(&o);
    assert!(out.starts_with("hello\n{"), "{out}");
    assert_eq!(json(&o)["public_output_len"], 6);
}

#[test]
fn input_frames_reach_the_guest() {
    // read(0, DATA, 8) then write(3, DATA, bytes_read): echoes the input blob's first 8 bytes.
    let code = [
        LI_A0_0,
        LUI_A1_DATA,
        LI_A2_8,
        LI_A7_READ,
        ECALL,
        MV_A2_A0,
        LI_A0_3,
        LI_A7_WRITE,
        ECALL,
        LI_A0_0,
        LI_A7_EXIT,
        ECALL,
    ];
    let data = Seg {
        vaddr: DATA,
        memsz: 0x100,
        data: vec![],
        flags: PF_R | PF_W,
    };
    let path = elf(false, &code, vec![data]);
    let input = write_file(b"abcd");
    let out_file = write_file(b"");
    let o = run(
        &path,
        &[
            "--input",
            input.to_str().unwrap(),
            "--output",
            out_file.to_str().unwrap(),
        ],
    );
    assert_eq!(status(&o), 0, "{}", stderr(&o));
    assert_eq!(std::fs::read(&*out_file).unwrap(), b"\x04\x00\x00\x00abcd");
}

#[test]
fn cycle_limit() {
    let path = elf(true, &[JAL_SELF], vec![]);
    let o = run(&path, &["--max-cycles", "1000"]);
    let err = stderr(&o);
    assert_eq!(status(&o), 124, "{err}");
    assert!(
        err.contains("cycle limit of 1000 cycles reached at pc 0x200000"),
        "{err}"
    );
    let o = run(&path, &["--max-cycles", "1_000", "--json"]);
    assert_eq!(status(&o), 124);
    let j = json(&o);
    assert_eq!(j["stop"], "cycle_limit");
    assert_eq!(j["cycles"], 1000);
    assert_eq!(j["cycle_limit"], 1000);
}

#[test]
fn guest_fault() {
    // lui a1, 0x200; sw a0, 4(a1): a store into code.
    let path = elf(true, &[LUI_A1_CODE, SW_A0_4_A1, LI_A7_EXIT, ECALL], vec![]);
    let o = run(&path, &[]);
    let err = stderr(&o);
    assert_eq!(status(&o), 126, "{err}");
    let line = err
        .lines()
        .find(|l| l.starts_with("rvjit: guest fault: "))
        .expect("fault line");
    assert!(
        line.starts_with(
            "rvjit: guest fault: store of 4 bytes to read-only or code address 0x200004 at pc 0x200004 after 1 cycles"
        ),
        "{line}"
    );
    assert!(
        line.ends_with("; instruction: sw a0,4(a1) in <_start+0x4>"),
        "{line}"
    );
    assert_eq!(
        stop_and_hint(&err).1.as_deref(),
        Some(concat!(
            "rvjit: hint: code and read-only segments cannot be written: fix the pointer, ",
            "or link writable data into a writable segment"
        ))
    );
    let j = json(&run(&path, &["--json"]));
    assert_eq!(j["stop"], "fault");
    assert_eq!(j["status"], 126);
    assert_eq!(j["fault"]["kind"], "store_read_only");
    assert_eq!(j["fault"]["addr"], 0x200004);
    assert_eq!(j["fault"]["pc"], 0x200004);
    assert_eq!(j["fault"]["cycle"], 1);
    assert_eq!(j["fault"]["instruction"], "sw a0,4(a1)");
    assert_eq!(j["fault"]["function"], "_start+0x4");
    assert!(
        j["fault"]["hint"]
            .as_str()
            .unwrap()
            .starts_with("code and read-only segments cannot be written"),
        "{j}"
    );
    assert!(j["exit_code"].is_null());
}

#[test]
fn misaligned_trap_faults() {
    // lui a1, 0x202; sw a0, 4(a1) is aligned; use a store at DATA+2 instead: sw a0, 2(a1).
    const SW_A0_2_A1: u32 = 0x00a5_a123;
    let data = Seg {
        vaddr: DATA,
        memsz: 0x100,
        data: vec![],
        flags: PF_R | PF_W,
    };
    let path = elf(
        true,
        &[LUI_A1_DATA, SW_A0_2_A1, LI_A0_0, LI_A7_EXIT, ECALL],
        vec![data],
    );
    let o = run(&path, &["--stats"]);
    assert_eq!(status(&o), 0, "{}", stderr(&o));
    assert!(
        stderr(&o).contains("misaligned accesses: 1"),
        "{}",
        stderr(&o)
    );
    let o = run(&path, &["--misaligned", "trap"]);
    assert_eq!(status(&o), 126, "{}", stderr(&o));
    assert!(
        stderr(&o).contains("misaligned 4-byte store to 0x202002"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn breakpoint() {
    let o = run(&elf(true, &[LI_A0_7, EBREAK], vec![]), &[]);
    let err = stderr(&o);
    assert_eq!(status(&o), 133, "{err}");
    assert!(
        err.contains("breakpoint (ebreak) at pc 0x200004 after 1 cycles"),
        "{err}"
    );
}

fn assert_rvjit_error(o: &Output, needle: &str) {
    let err = stderr(o);
    assert_eq!(status(o), 125, "{err}");
    let first = err.lines().next().unwrap_or("");
    assert!(first.starts_with("rvjit: error: "), "{err}");
    assert!(first.contains(needle), "{err}");
    assert_eq!(
        err.lines()
            .filter(|l| l.starts_with("rvjit: error"))
            .count(),
        1,
        "{err}"
    );
    assert!(stdout(o).is_empty());
}

#[test]
fn bad_elf_is_an_rvjit_error() {
    let path = write_file(b"#!/bin/sh\necho not an elf\n");
    let o = run(&path, &[]);
    assert_rvjit_error(&o, "not an ELF file");
    assert!(stderr(&o).contains("hint"), "{}", stderr(&o));
    // Float ABI.
    let mut spec = Spec::new(true, CODE, vec![code_seg(CODE, &exit7())]);
    spec.e_flags = 0x5;
    let o = run(&write_file(&spec.build().bytes), &[]);
    assert_rvjit_error(
        &o,
        "uses the F/D floating-point ABI; rvjit supports IMAC only",
    );
    // disasm reports it the same way.
    assert_rvjit_error(
        &rvjit(&["disasm", path.to_str().unwrap()]),
        "not an ELF file",
    );
}

#[test]
fn bad_arguments_are_rvjit_errors() {
    let path = elf(true, &exit7(), vec![]);
    let p = path.to_str().unwrap();
    assert_rvjit_error(
        &rvjit(&["run", "/nonexistent/guest.elf"]),
        "cannot read ELF /nonexistent/guest.elf",
    );
    assert_rvjit_error(
        &rvjit(&["run", p, "--input", "/nonexistent/in.bin"]),
        "/nonexistent/in.bin",
    );
    assert_rvjit_error(
        &rvjit(&["run", p, "--engine", "qemu"]),
        "invalid value 'qemu'",
    );
    assert_rvjit_error(&rvjit(&["run", p, "--memory", "12X"]), "12X");
    assert_rvjit_error(&rvjit(&["run", p, "--memory", "1000"]), "multiple of 4 KiB");
    assert_rvjit_error(&rvjit(&["run", p, "--max-cycles", "-5"]), "-5");
    assert_rvjit_error(
        &rvjit(&["run", p, "--output", "/nonexistent/dir/out.bin"]),
        "/nonexistent/dir/out.bin",
    );
    assert_rvjit_error(&rvjit(&["frobnicate"]), "frobnicate");
    assert_eq!(status(&rvjit(&[])), 125);
}

#[test]
fn ram_too_small_is_an_rvjit_error() {
    let data = Seg {
        vaddr: DATA,
        memsz: 0x10_0000,
        data: vec![],
        flags: PF_R | PF_W,
    };
    let path = elf(true, &exit7(), vec![data]);
    assert_rvjit_error(&run(&path, &["--memory", "64K"]), "raise --memory");
}

#[test]
fn jit_engine() {
    for class64 in [false, true] {
        let path = elf(class64, &exit7(), vec![]);
        let o = run(&path, &["--engine", "jit"]);
        let err = stderr(&o);
        assert_eq!(status(&o), 7, "{err}");
        assert!(
            err.contains("rvjit: guest exited with code 7 after 3 cycles"),
            "{err}"
        );
        assert!(err.contains("rvjit: translated "), "{err}");
        let j = json(&run(&path, &["--engine", "jit", "--json"]));
        assert_eq!(j["engine"], "jit");
        assert_eq!(j["exit_code"], 7);
        assert_eq!(j["cycles"], 3);
        assert!(j["translation"]["regions"].as_u64().unwrap() >= 1, "{j}");
    }
}

const ENGINES: [&str; 2] = ["interp", "jit"];

/// write(1, "hello\n", 6) twice, then write(3, "hello\n", 6) twice, then exit 0.
fn hello_twice() -> TempFile {
    let code = [
        LI_A0_1,
        LUI_A1_RODATA,
        LI_A2_6,
        LI_A7_WRITE,
        ECALL, //
        LI_A0_1,
        ECALL, // a1, a2, a7 survive the call; a0 = 6 is reset
        LI_A0_3,
        ECALL,
        LI_A0_3,
        ECALL,
        LI_A0_0,
        LI_A7_EXIT,
        ECALL,
    ];
    let rodata = Seg {
        vaddr: RODATA,
        memsz: 6,
        data: b"hello\n".to_vec(),
        flags: PF_R,
    };
    elf(true, &code, vec![rodata])
}

/// The line of the summary that says how the run stopped, and the hint line after it.
fn stop_and_hint(err: &str) -> (String, Option<String>) {
    let mut lines = err.lines().skip_while(|l| {
        !["rvjit: guest ", "rvjit: breakpoint", "rvjit: cycle limit"]
            .iter()
            .any(|p| l.starts_with(p))
    });
    let stop = lines
        .next()
        .unwrap_or_else(|| panic!("no stop line in {err}"))
        .to_owned();
    let hint = lines
        .next()
        .filter(|l| l.starts_with("rvjit: hint: "))
        .map(str::to_owned);
    (stop, hint)
}

#[test]
fn max_stdout_limit() {
    let path = hello_twice();
    for engine in ENGINES {
        // 12 bytes fit both writes.
        let o = run(&path, &["--engine", engine, "--max-stdout", "12"]);
        assert_eq!(status(&o), 0, "{engine}: {}", stderr(&o));
        assert_eq!(stdout(&o), "hello\nhello\n");
        // 11 do not: the second write faults and prints nothing.
        let o = run(&path, &["--engine", engine, "--max-stdout", "11"]);
        let err = stderr(&o);
        assert_eq!(status(&o), 126, "{engine}: {err}");
        assert_eq!(stdout(&o), "hello\n", "{engine}");
        let (line, hint) = stop_and_hint(&err);
        assert!(
            line.starts_with("rvjit: guest fault: stdout+stderr limit of 11 bytes exceeded at pc 0x200018 after 6 cycles"),
            "{engine}: {line}"
        );
        assert_eq!(
            hint.as_deref(),
            Some("rvjit: hint: raise --max-stdout, or make the guest print less"),
            "{engine}"
        );
        let j = json(&run(
            &path,
            &["--engine", engine, "--max-stdout", "11", "--json"],
        ));
        assert_eq!(j["fault"]["kind"], "output_limit");
        assert_eq!(j["fault"]["limit"], "stdout+stderr");
        assert_eq!(j["fault"]["max"], 11);
        assert_eq!(
            j["fault"]["hint"],
            "raise --max-stdout, or make the guest print less"
        );
        assert_eq!(j["stdout_len"], 6);
        // The size syntax of --memory; 1K is plenty.
        assert_eq!(
            status(&run(&path, &["--engine", engine, "--max-stdout", "1K"])),
            0
        );
    }
    assert_rvjit_error(&run(&path, &["--max-stdout", "12X"]), "12X");
}

#[test]
fn max_stdout_on_a_real_guest() {
    let elf = guest_elf("riscv64im-unknown-none-elf", "misbehave");
    let input = misbehave_inputs()
        .into_iter()
        .find(|(s, _)| *s == 3)
        .expect("selector 3")
        .1;
    for engine in ENGINES {
        let o = run(
            &elf,
            &[
                "--engine",
                engine,
                "--input",
                input.to_str().unwrap(),
                "--max-stdout",
                "8",
            ],
        );
        let err = stderr(&o);
        assert_eq!(status(&o), 126, "{engine}: {err}");
        assert!(
            o.stdout.len() <= 8,
            "{engine}: printed past the limit: {:?}",
            stdout(&o)
        );
        assert!(
            stop_and_hint(&err)
                .0
                .contains("stdout+stderr limit of 8 bytes exceeded at pc 0x"),
            "{engine}: {err}"
        );
        assert!(!err.contains("panicked at"), "{engine}: {err}");
    }
}

#[test]
fn max_output_limit() {
    let path = hello_twice();
    for engine in ENGINES {
        assert_eq!(
            status(&run(&path, &["--engine", engine, "--max-output", "12"])),
            0
        );
        let out_file = write_file(b"");
        let o = run(
            &path,
            &[
                "--engine",
                engine,
                "--max-output",
                "11",
                "--output",
                out_file.to_str().unwrap(),
            ],
        );
        let err = stderr(&o);
        assert_eq!(status(&o), 126, "{engine}: {err}");
        let (line, hint) = stop_and_hint(&err);
        assert!(
            line.starts_with("rvjit: guest fault: public output limit of 11 bytes exceeded at pc 0x200028 after 10 cycles"),
            "{engine}: {line}"
        );
        assert_eq!(
            hint.as_deref(),
            Some("rvjit: hint: raise --max-output, or make the guest reveal less"),
            "{engine}"
        );
        // Nothing past the limit: the first write only.
        assert_eq!(std::fs::read(&*out_file).unwrap(), b"hello\n", "{engine}");
        assert!(err.contains("public output: 6 bytes"), "{engine}: {err}");
    }
}

fn guests_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("guests")
}

/// Every target the guests are built for (guests/bin/MANIFEST).
const TARGETS: [&str; 4] = [
    "riscv32im-unknown-none-elf",
    "riscv32imac-unknown-none-elf",
    "riscv64imac-unknown-none-elf",
    "riscv64im-unknown-none-elf",
];

fn guest_elf(target: &str, bin: &str) -> PathBuf {
    let p = guests_dir().join("bin").join(target).join(bin);
    assert!(p.is_file(), "missing committed ELF {}", p.display());
    p
}

/// (selector, input file) for every committed misbehave input (`NN-name.bin`, NN = selector).
fn misbehave_inputs() -> Vec<(u32, PathBuf)> {
    let dir = guests_dir().join("inputs/misbehave");
    let mut out: Vec<(u32, PathBuf)> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("dir entry").path())
        .map(|p| {
            let name = p
                .file_name()
                .unwrap_or_default()
                .to_string_lossy()
                .into_owned();
            let selector = name.split('-').next().and_then(|n| n.parse().ok());
            (
                selector.unwrap_or_else(|| panic!("input {name} does not start with its selector")),
                p,
            )
        })
        .collect();
    out.sort();
    assert_eq!(
        out.iter().map(|(s, _)| *s).collect::<Vec<_>>(),
        (0..=10).collect::<Vec<_>>(),
        "one input per selector"
    );
    out
}

/// What the CLI shows for one run: status, stop line, hint line, stdout, guest stderr.
#[derive(Debug, PartialEq)]
struct Shown {
    status: i32,
    stop: String,
    hint: Option<String>,
    stdout: String,
    guest_stderr: String,
}

fn shown(o: &Output) -> Shown {
    let err = stderr(o);
    let (stop, hint) = stop_and_hint(&err);
    let guest_stderr = err
        .lines()
        .filter(|l| !l.starts_with("rvjit: ") && !l.is_empty())
        .collect::<Vec<_>>()
        .join("\n");
    Shown {
        status: status(o),
        stop,
        hint,
        stdout: stdout(o),
        guest_stderr,
    }
}

/// The misbehave guest, every selector on every target, on both engines: the documented stop,
/// the same status, one-line message (kind, pc, address) and hint on both engines, no host
/// panic. Selector 3 also under --misaligned=trap.
#[test]
fn misbehave_on_both_engines() {
    let panic_code = rvjit::abi::EXIT_PANIC as i32;
    let mut cases: Vec<(u32, PathBuf, &[&str])> = misbehave_inputs()
        .into_iter()
        .map(|(s, p)| (s, p, &[][..]))
        .collect();
    let trap = cases[3].1.clone();
    cases.push((3, trap, &["--misaligned", "trap"][..]));
    for target in TARGETS {
        let elf = guest_elf(target, "misbehave");
        for (selector, input, extra) in &cases {
            let ctx = format!("misbehave {selector} {extra:?} on {target}");
            let mut args = vec![
                "--input",
                input.to_str().unwrap(),
                "--max-cycles",
                "5000000",
            ];
            args.extend_from_slice(extra);
            let mut results = Vec::new();
            for engine in ENGINES {
                let mut a = args.clone();
                a.extend_from_slice(&["--engine", engine]);
                let o = run(&elf, &a);
                let err = stderr(&o);
                // The host's panic message starts with "thread '...' panicked at"; the guest's
                // own (selector 10) is "panicked at misbehave/src/main.rs...".
                let host_panic = err
                    .lines()
                    .any(|l| l.starts_with("thread ") && l.contains("panicked at"));
                assert!(
                    !host_panic && (*selector == 10 || !err.contains("panicked at")),
                    "{ctx} ({engine}): host panic: {err}"
                );
                let got = shown(&o);
                assert!(
                    got.stdout
                        .starts_with(&format!("misbehave: selector {selector}\n")),
                    "{ctx} ({engine}): {got:?}"
                );
                let trap = !extra.is_empty();
                let (want_status, needle, hint) = match selector {
                    0 => (
                        126,
                        "load of 4 bytes from unmapped or unreadable address 0x0 at pc 0x",
                        "null pointer",
                    ),
                    1 => (
                        126,
                        "store of 4 bytes to read-only or code address 0x",
                        "cannot be written",
                    ),
                    2 => (
                        126,
                        "load of 4 bytes from unmapped or unreadable address 0xf0000000 at pc 0x",
                        "raise --memory",
                    ),
                    3 if trap => (
                        126,
                        "misaligned 4-byte load from 0x",
                        "the guest must align 4-byte accesses",
                    ),
                    3 => (42, "rvjit: guest exited with code 42", ""),
                    4 => (
                        126,
                        "illegal instruction 0x00000000 at pc 0x",
                        "all-zero instruction",
                    ),
                    5 => (133, "rvjit: breakpoint (ebreak) at pc 0x", ""),
                    6 => (
                        126,
                        "service write called with bad argument",
                        "passed to write",
                    ),
                    7 => (
                        126,
                        "unknown service call 0x8000fff at pc 0x",
                        "no such service",
                    ),
                    8 => (
                        124,
                        "rvjit: cycle limit of 5000000 cycles reached at pc 0x",
                        "",
                    ),
                    9 => (126, "unmapped", "a stack overflow?"),
                    10 => (panic_code, "rvjit: guest exited with code 101", ""),
                    _ => unreachable!(),
                };
                assert_eq!(got.status, want_status, "{ctx} ({engine}): {err}");
                assert!(
                    got.stop.contains(needle),
                    "{ctx} ({engine}): {:?} lacks {needle:?}",
                    got.stop
                );
                if want_status == 126 {
                    assert!(
                        got.stop.starts_with("rvjit: guest fault: "),
                        "{ctx} ({engine}): {}",
                        got.stop
                    );
                    assert!(
                        got.stop.contains(" at pc 0x"),
                        "{ctx} ({engine}): {}",
                        got.stop
                    );
                    let hint_line = got
                        .hint
                        .as_deref()
                        .unwrap_or_else(|| panic!("{ctx} ({engine}): no hint: {err}"));
                    assert!(
                        hint_line.contains(hint),
                        "{ctx} ({engine}): {hint_line:?} lacks {hint:?}"
                    );
                } else {
                    assert_eq!(got.hint, None, "{ctx} ({engine})");
                }
                if *selector == 10 {
                    assert!(
                        got.guest_stderr.contains("deliberate panic"),
                        "{ctx} ({engine}): {err}"
                    );
                }
                results.push(got);
            }
            assert_eq!(results[0], results[1], "{ctx}: interp and jit differ");
        }
    }
}

#[test]
fn help_documents_exit_statuses() {
    for args in [&["--help"][..], &["run", "--help"][..]] {
        let o = rvjit(args);
        assert_eq!(status(&o), 0);
        let out = stdout(&o);
        if args.len() == 2 {
            assert!(
                out.contains("--max-stdout") && out.contains("--max-output"),
                "{args:?} help:\n{out}"
            );
        }
        for needle in ["124", "125", "126", "133", "--max-cycles", "--json"] {
            assert!(
                out.contains(needle),
                "{needle} missing from {args:?} help:\n{out}"
            );
        }
    }
}

#[test]
fn disasm_listing() {
    // c.li a0, 7 (compressed), then full-size instructions, then an illegal word.
    let mut bytes = vec![0x1d, 0x45];
    for w in [LI_A7_EXIT, ECALL, 0xffff_ffff, JAL_SELF] {
        bytes.extend_from_slice(&w.to_le_bytes());
    }
    let code = Seg {
        vaddr: CODE,
        memsz: bytes.len() as u64,
        data: bytes,
        flags: PF_R | elf_builder::PF_X,
    };
    let mut spec = Spec::new(true, CODE, vec![code]);
    spec.syms = vec![func("_start", CODE, 6), func("tail", CODE + 6, 8)];
    let path = write_file(&spec.build().bytes);
    let o = rvjit(&["disasm", path.to_str().unwrap()]);
    let out = stdout(&o);
    assert_eq!(status(&o), 0, "{}", stderr(&o));
    assert!(out.contains("file format elf64-littleriscv"), "{out}");
    assert!(out.contains("0000000000200000 <_start>:"), "{out}");
    assert!(out.contains("0000000000200006 <tail>:"), "{out}");
    let lines: Vec<&str> = out
        .lines()
        .filter(|l| l.trim_start().starts_with("20"))
        .collect();
    assert_eq!(lines.len(), 5, "{out}");
    assert!(
        lines[0].starts_with("  200000:\t451d") && lines[0].ends_with("c.li\ta0,7"),
        "{out}"
    );
    assert!(
        lines[1].starts_with("  200002:\t05d00893") && lines[1].ends_with("addi\ta7,zero,93"),
        "{out}"
    );
    assert!(
        lines[2].starts_with("  200006:\t00000073") && lines[2].ends_with("ecall"),
        "{out}"
    );
    assert!(
        lines[3].starts_with("  20000a:\tffffffff") && lines[3].contains("illegal"),
        "{out}"
    );
    // Direct jumps name their target like objdump.
    assert!(lines[4].ends_with("jal\tzero,20000e <tail+0x8>"), "{out}");
}
