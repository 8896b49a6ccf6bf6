//! Helper of bench/compare.sh, not a benchmark: translate and run one guest in one process and
//! report the two times separately, so "jit exec" is measured, not estimated by subtracting the
//! medians of separate runs (translation can be 1000x longer than the run).
//!
//!   jit_split ELF [FRAME...]   -> one JSON line {"translate_seconds", "exec_seconds", "cycles",
//!                                 "stop", "exit_code"}; exit status 0 iff the guest exited 0
//!
//! Translation counts everything the translator compiled: ahead of time, on demand and the
//! optimising tier's recompilations during the run (default options, as `rvjit run`, except
//! that the sweep is translated before the run, as `--jit-sweep ahead`).
//!
//! `cargo bench` runs every bench target with `--bench`; this one then prints a note and exits.
//! (A `[[bench]]` target so it needs no new binary in the package; the timing is of interest only
//! next to the comparison.)

use std::sync::Arc;
use std::time::Instant;

use rvjit::jit::Translator;
use rvjit::machine::{Machine, RunConfig};
use rvjit::outcome::Stop;

fn fail(msg: String) -> ! {
    eprintln!("jit_split: {msg}");
    std::process::exit(2)
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(elf) = args.first().filter(|a| !a.starts_with('-')) else {
        println!("jit_split: helper of bench/compare.sh (usage: jit_split ELF [FRAME...]); nothing to benchmark");
        return;
    };
    let bytes = std::fs::read(elf).unwrap_or_else(|e| fail(format!("{elf}: {e}")));
    let program =
        Arc::new(rvjit::elf::load(&bytes).unwrap_or_else(|e| fail(format!("{elf}: {e}"))));
    let mut config = RunConfig::default();
    config.host.inputs = args[1..]
        .iter()
        .map(|f| std::fs::read(f).unwrap_or_else(|e| fail(format!("{f}: {e}"))))
        .collect();
    config.host.echo = false;
    let mut m =
        Machine::new(Arc::clone(&program), &config).unwrap_or_else(|e| fail(format!("{elf}: {e}")));
    let t0 = Instant::now();
    // The whole ahead-of-time translation before the run (the sweep not in the background),
    // so "translate" is all of it and "exec" runs fully translated code.
    let options = rvjit::jit::Options {
        sweep_in_background: false,
        ..Default::default()
    };
    let mut t = Translator::with_options(&program, &options)
        .unwrap_or_else(|e| fail(format!("translate {elf}: {e}")));
    let translate = t0.elapsed();
    let t1 = Instant::now();
    let stop = t
        .run(&mut m, u64::MAX)
        .unwrap_or_else(|e| fail(format!("run {elf}: {e}")));
    // Regions translated on demand and recompiled hot during the run count as translation
    // (as in `rvjit run`'s report), not as execution.
    let during = t.stats().translate_time.saturating_sub(translate);
    let exec = t1.elapsed().saturating_sub(during);
    let translate = t.stats().translate_time.max(translate);
    let (name, code) = match stop {
        Stop::Exit { code } => ("exit", Some(code)),
        Stop::Fault(_) => ("fault", None),
        Stop::Breakpoint { .. } => ("breakpoint", None),
        Stop::CycleLimit => ("cycle_limit", None),
    };
    println!(
        "{{\"translate_seconds\":{},\"exec_seconds\":{},\"cycles\":{},\"stop\":\"{name}\",\"exit_code\":{}}}",
        translate.as_secs_f64(),
        exec.as_secs_f64(),
        m.cpu.cycle,
        code.map_or("null".to_string(), |c| c.to_string())
    );
    if code != Some(0) {
        std::process::exit(1);
    }
}
