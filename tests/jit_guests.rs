//! Every committed guest ELF on the translator (the default direct baseline, every region
//! promoted to the optimising tier, and the Cranelift baseline), compared with the interpreter
//! on the complete outcome (stop, Cpu, outputs), with translation statistics printed
//! (`--nocapture`).

use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use rvjit::jit::Translator;
use rvjit::machine::{Machine, RunConfig};

const LIMIT: u64 = 200_000_000;

fn guests() -> Vec<(String, std::path::PathBuf)> {
    let bin = Path::new(env!("CARGO_MANIFEST_DIR")).join("guests/bin");
    let mut out = Vec::new();
    for target in std::fs::read_dir(&bin).into_iter().flatten().flatten() {
        if !target.path().is_dir() {
            continue;
        }
        for elf in std::fs::read_dir(target.path())
            .into_iter()
            .flatten()
            .flatten()
        {
            let name = format!(
                "{}/{}",
                target.file_name().to_string_lossy(),
                elf.file_name().to_string_lossy()
            );
            out.push((name, elf.path()));
        }
    }
    out.sort();
    out
}

fn input_for(name: &str) -> Vec<Vec<u8>> {
    let base = name.rsplit('/').next().unwrap_or("");
    let dir = base.trim_end_matches("-soft").trim_end_matches("-accel");
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("guests/inputs")
        .join(dir)
        .join("small.bin");
    std::fs::read(path).map(|b| vec![b]).unwrap_or_default()
}

#[test]
fn guests_agree_on_both_engines() {
    // RVJIT_GUEST=substring selects guests ("/" = all four targets); by default one target per
    // XLEN keeps the (translation-heavy) test quick.
    let filter = std::env::var("RVJIT_GUEST").ok();
    let selected = |n: &str| match &filter {
        Some(f) => n.contains(f.as_str()),
        None => n.starts_with("riscv32imac-") || n.starts_with("riscv64im-"),
    };
    for (name, path) in guests().into_iter().filter(|(n, _)| selected(n)) {
        let bytes = std::fs::read(&path).expect("read guest");
        let program = Arc::new(rvjit::elf::load(&bytes).expect("valid guest ELF"));
        let mut config = RunConfig::default();
        config.host.inputs = input_for(&name);
        let t0 = Instant::now();
        let mut tr = Translator::new(&program).expect("translate");
        let translate = t0.elapsed();
        let mut a = Machine::new(Arc::clone(&program), &config).expect("machine");
        let t1 = Instant::now();
        let sa = rvjit::interp::run(&mut a, LIMIT);
        let ti = t1.elapsed();
        let mut b = Machine::new(Arc::clone(&program), &config).expect("machine");
        let t2 = Instant::now();
        let sb = tr.run(&mut b, LIMIT).expect("jit run");
        let tj = t2.elapsed();
        // The same outcome as the interpreter in every respect.
        let same = |what: &str, s: &rvjit::outcome::Stop, m: &Machine| {
            assert_eq!(&sa, s, "{name}: stop ({what})");
            assert_eq!(a.cpu, m.cpu, "{name}: cpu ({what})");
            assert_eq!(a.host.stdout(), m.host.stdout(), "{name}: stdout ({what})");
            assert_eq!(
                a.host.public_output(),
                m.host.public_output(),
                "{name}: output ({what})"
            );
            assert_eq!(
                a.mem.misaligned_count, m.mem.misaligned_count,
                "{name}: misaligned ({what})"
            );
        };
        same("default options", &sb, &b);
        let run_with = |options: rvjit::jit::Options, what: &str| {
            let mut t = Translator::with_options(&program, &options).expect("translate");
            // With the sweep in the background: install it first, so its regions run (and
            // turn hot) too. (The default-options run above lets it land whenever.)
            t.wait_for_sweep().expect("sweep");
            let mut m = Machine::new(Arc::clone(&program), &config).expect("machine");
            let s = t.run(&mut m, LIMIT).expect("jit run");
            same(what, &s, &m);
            t
        };
        // Every region that runs at all promoted to the optimising tier at its first
        // checkpoint pass: the tier switch must not change anything either.
        let hot = rvjit::jit::Options {
            hot_threshold: Some(1),
            hot_min_block: 0,
            hot_compile: rvjit::jit::HotCompile::Lockstep,
            ..Default::default()
        };
        let th = run_with(hot, "hot");
        assert!(th.stats().hot_regions > 0, "{name}: nothing promoted");
        // The Cranelift baseline (the default is the direct emitter).
        let cranelift = rvjit::jit::Options {
            baseline: rvjit::jit::Baseline::Cranelift,
            ..Default::default()
        };
        run_with(cranelift, "Cranelift baseline");
        // Lazily: all but the entry's code translated on demand, by the direct emitter.
        let lazy = rvjit::jit::Options {
            lazy: true,
            hot_threshold: None,
            ..Default::default()
        };
        let tl = run_with(lazy, "lazy");
        assert!(
            tl.stats().on_demand_regions > 0,
            "{name}: nothing translated on demand"
        );
        let s = tr.stats();
        eprintln!(
            "{name}: {:?} cycles={} interp={:.3}s jit={:.3}s translate={:.3}s regions={} (+{} on demand, {} hot; {} hot at threshold 1) blocks={} instrs={}",
            sa, a.cpu.cycle, ti.as_secs_f64(), tj.as_secs_f64(), translate.as_secs_f64(), s.regions, s.on_demand_regions, s.hot_regions, th.stats().hot_regions, s.blocks, s.instructions
        );
    }
}
