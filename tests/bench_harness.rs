//! CI smoke test of the comparison script bench/compare.sh: one `--quick` run on the smallest
//! input (fibonacci small, every committed target). It asserts that the run succeeds and that
//! all engines agree (the script fails on any difference in stdout, public output or exit
//! status), that its ratios divide in-process run times (jit/native, interp/jit) and that
//! qemu's start-up is measured; it is not a timing gate. Without qemu-user or the host-native
//! build those columns are skipped with a message, except under CI (env CI set), where they
//! are required (`--strict`; the native build is made with scripts/build-guests.sh when
//! missing).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).to_path_buf()
}

fn have(tool: &str) -> bool {
    Command::new("sh")
        .arg("-c")
        .arg(format!("command -v {tool}"))
        .output()
        .is_ok_and(|o| o.status.success())
}

fn compare(args: &[&str], envs: &[(&str, &Path)]) -> Output {
    let mut cmd = Command::new("bash");
    cmd.arg(root().join("bench/compare.sh"))
        .args(["--quick", "--guest", "fibonacci"])
        .args(args);
    cmd.env("RVJIT_BIN", env!("CARGO_BIN_EXE_rvjit"));
    for (k, v) in envs {
        cmd.env(k, v);
    }
    cmd.output().expect("run bash bench/compare.sh")
}

fn tools_present() -> bool {
    if have("bash") && have("python3") {
        return true;
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "CI: bench/compare.sh needs bash and python3"
    );
    eprintln!("note: bash or python3 missing; skipping the bench/compare.sh smoke test");
    false
}

#[test]
fn quick_comparison_runs_and_engines_agree() {
    if !tools_present() {
        return;
    }
    let ci = std::env::var_os("CI").is_some();
    // The benchmarks' native build if there is one, else the quicker check build (made here
    // under CI; this test checks agreement, not timing).
    let release = root().join("guests/target/native/release");
    let check = root().join("guests/target/native-check/release");
    let native_dir = if release.join("fibonacci").is_file() {
        release
    } else {
        check
    };
    let native = native_dir.join("fibonacci");
    if ci && !native.is_file() {
        let ok = Command::new("bash")
            .arg(root().join("scripts/build-guests.sh"))
            .args(["--target", "native-check", "--guest", "fibonacci"])
            .status()
            .is_ok_and(|s| s.success());
        assert!(
            ok && native.is_file(),
            "CI: building the host-native fibonacci failed"
        );
    }
    if !native.is_file() {
        eprintln!("note: {} not built; the native column is skipped (scripts/build-guests.sh --target native)", native.display());
    }
    if !have("qemu-riscv64") || !have("qemu-riscv32") {
        eprintln!("note: qemu-user missing; the qemu column is skipped (scripts/setup.sh)");
    }

    let md = std::env::temp_dir().join(format!("rvjit-bench-harness-{}.md", std::process::id()));
    let md_arg = md.to_string_lossy().into_owned();
    let mut args = vec!["--markdown", md_arg.as_str()];
    if ci {
        args.push("--strict");
    }
    let out = compare(&args, &[("RVJIT_NATIVE_DIR", &native_dir)]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "bench/compare.sh --quick failed:\n{stdout}\n{stderr}"
    );

    // One row per committed target, each with a measured (not pending) translator column, and
    // a reference outcome every engine matched.
    let targets = ["rv32im ", "rv32imac ", "rv64im ", "rv64imac "];
    for t in targets {
        let row = stdout
            .lines()
            .find(|l| l.starts_with("fibonacci") && l.contains(t))
            .unwrap_or_else(|| panic!("no fibonacci/{} row in:\n{stdout}", t.trim()));
        assert!(
            !row.contains("pending"),
            "the translator did not run: {row}"
        );
        assert_eq!(
            stderr
                .matches("reference outcome from interp: exit 0")
                .count(),
            targets.len(),
            "{stderr}"
        );
    }
    assert!(stdout.contains("geomean (all)"), "{stdout}");
    if have("qemu-riscv64") && have("qemu-riscv32") {
        // qemu's start-up, measured per target for the (qemu-start)/jit column.
        let key = "qemu start-up (median, fibonacci small):";
        let starts = stdout
            .split_once(key)
            .map(|(_, rest)| rest.lines().next().unwrap_or_default())
            .unwrap_or_else(|| panic!("no {key:?} in: {stdout}"));
        for t in targets {
            assert!(
                starts.contains(&format!("{} 0.", t.trim())),
                "no qemu start-up for {t}: {starts}"
            );
        }
    }
    let markdown = std::fs::read_to_string(&md).expect("the --markdown file");
    let _ = std::fs::remove_file(&md);
    assert!(markdown.starts_with("| guest | target |"), "{markdown}");
    assert_eq!(
        markdown
            .lines()
            .filter(|l| l.starts_with("| fibonacci |"))
            .count(),
        targets.len(),
        "{markdown}"
    );
    // The ratios compare in-process run times: with the native build present, every row has
    // the interpreter's and the native build's own run time, and a jit/native ratio.
    if native.is_file() {
        let cells = |l: &str| -> Vec<String> {
            l.trim_matches('|')
                .split('|')
                .map(|c| c.trim().to_string())
                .collect()
        };
        let head = cells(markdown.lines().next().unwrap_or_default());
        let col = |name: &str| {
            head.iter()
                .position(|h| h == name)
                .unwrap_or_else(|| panic!("no {name:?} column in:\n{markdown}"))
        };
        let (interp_exec, jit_exec, native_exec) = (
            col("interp exec s"),
            col("jit exec s"),
            col("native exec s"),
        );
        let (jit_native, interp_jit) = (col("jit/native"), col("interp/jit"));
        for line in markdown.lines().filter(|l| l.starts_with("| fibonacci |")) {
            let row = cells(line);
            let v = |i: usize| -> f64 {
                let v = row[i]
                    .parse()
                    .unwrap_or_else(|_| panic!("column {:?} is not a number: {line} (a native build from before RVJIT_NATIVE_TIMING? scripts/build-guests.sh --target native)", head[i]));
                assert!(v > 0.0, "column {:?}: {line}", head[i]);
                v
            };
            // The printed times have 3 significant digits, the ratios 2 decimals.
            let close = |a: f64, b: f64| (a - b).abs() <= 0.03 * b.max(a) + 0.006;
            assert!(
                close(v(jit_native), v(jit_exec) / v(native_exec)),
                "jit/native is not jit exec / native exec: {line}"
            );
            assert!(
                close(v(interp_jit), v(interp_exec) / v(jit_exec)),
                "interp/jit is not interp exec / jit exec: {line}"
            );
        }
    }
}

/// The agreement check is real: a "native build" that prints something else fails the run.
#[test]
fn a_disagreeing_engine_fails_the_comparison() {
    if !tools_present() {
        return;
    }
    let dir = std::env::temp_dir().join(format!("rvjit-bench-liar-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let liar = dir.join("fibonacci");
    std::fs::write(&liar, "#!/bin/sh\necho 'fib(90) = 42'\n").expect("write fake native build");
    let status = Command::new("chmod")
        .arg("+x")
        .arg(&liar)
        .status()
        .expect("chmod");
    assert!(status.success());
    let out = compare(
        &["--target", "riscv64im-unknown-none-elf"],
        &[("RVJIT_NATIVE_DIR", &dir)],
    );
    let _ = std::fs::remove_dir_all(&dir);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success(),
        "a wrong native output was accepted:\n{stderr}"
    );
    assert!(stderr.contains("native DISAGREES"), "{stderr}");
}

/// rvjit's SHA-256 service must use sha2's fastest backend in every build of the workspace:
/// the guests' host-native builds force sha2's portable backend in their own manifests, and a
/// `force-soft` on the sha2 of a workspace member (runtime-abi's host-native mode had one) is
/// unified into rvjit's sha2 whenever Cargo builds both at once (`cargo test --workspace`, the
/// `jit_split` bench of bench/compare.sh): the -accel rows then measured the portable SHA-256
/// against an interpreter column built without it.
#[test]
fn workspace_builds_do_not_force_portable_sha2() {
    let out = Command::new(env!("CARGO"))
        .current_dir(root())
        .args(["tree", "--workspace", "-e", "features", "-i", "sha2"])
        .output()
        .expect("run cargo tree");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && text.contains("sha2 v0.10"),
        "cargo tree failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        !text.contains("force-soft"),
        "a workspace member enables sha2's force-soft:\n{text}"
    );
}
