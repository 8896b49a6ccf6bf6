//! `rvjit run`: load, lay out, run on the chosen engine, write outputs, report.

use std::io::{Read, Write};
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use rvjit::host::{HostConfig, Limits};
use rvjit::machine::{Machine, RunConfig};
use rvjit::memory::{MemoryConfig, PAGE};
use rvjit::program::Program;
use rvjit::witness::RecordEngine;
use rvjit::{interp, jit};

use super::args::{Engine, JitSweep, RunArgs};
use super::error::CliError;
use super::report::{Summary, TranslationReport};

/// Read and validate the guest ELF.
pub fn load_program(path: &Path) -> Result<Program, CliError> {
    read_program(path).map(|(_, program)| program)
}

/// The guest ELF's bytes and the program they hold.
fn read_program(path: &Path) -> Result<(Vec<u8>, Program), CliError> {
    let bytes = std::fs::read(path).map_err(|e| CliError::io("read ELF", path, e))?;
    let program = rvjit::elf::load(&bytes).map_err(|e| CliError::elf(path, &e))?;
    Ok((bytes, program))
}

/// A frame file; `-` is stdin.
fn read_frame(path: &Path, what: &str) -> Result<Vec<u8>, CliError> {
    if path.as_os_str() == "-" {
        let mut buf = Vec::new();
        std::io::stdin()
            .read_to_end(&mut buf)
            .map_err(|e| CliError::io(&format!("read {what} from"), path, e))?;
        return Ok(buf);
    }
    std::fs::read(path).map_err(|e| CliError::io(&format!("read {what}"), path, e))
}

fn run_config(args: &RunArgs) -> Result<RunConfig, CliError> {
    if args.memory == 0 || !args.memory.is_multiple_of(PAGE) {
        return Err(CliError::new(
            format!(
                "--memory {} is not a positive multiple of 4 KiB",
                args.memory
            ),
            "use a size such as 64M, 512M or 1G",
        ));
    }
    let inputs = args
        .inputs
        .iter()
        .map(|p| read_frame(p, "input frame"))
        .collect::<Result<Vec<_>, _>>()?;
    let hints = args
        .hints
        .iter()
        .map(|p| read_frame(p, "hint frame"))
        .collect::<Result<Vec<_>, _>>()?;
    let host = HostConfig {
        inputs,
        hints,
        limits: Limits {
            max_output: args.max_output,
            max_stdout: args.max_stdout,
            ..Limits::default()
        },
        echo: true,
    };
    host.validate()
        .map_err(|e| CliError::new(e.to_string(), "pass smaller --input/--hint files"))?;
    Ok(RunConfig {
        memory: MemoryConfig {
            ram_size: args.memory,
            misaligned: args.misaligned.into(),
        },
        host,
    })
}

/// The translator's options from the `--jit-*` flags.
fn jit_options(args: &RunArgs) -> jit::Options {
    jit::Options {
        opt: args.jit_opt.level(),
        lazy: args.jit_lazy,
        sweep_in_background: args.jit_sweep == JitSweep::Background,
        hot_threshold: Some(args.jit_hot).filter(|&n| n > 0),
        hot_min_block: args.jit_hot_min_block,
        hot_compile: args.jit_hot_compile.mode(),
        baseline: args.jit_baseline.generator(),
        ..jit::Options::default()
    }
}

/// A translator error, rendered for the CLI.
fn jit_error(e: jit::JitError) -> CliError {
    CliError::new(format!("--engine jit: {e}"), "run with --engine interp")
}

/// Run the guest; the result is rvjit's exit status.
pub fn run(args: &RunArgs) -> Result<i32, CliError> {
    let start = Instant::now();
    let (elf_bytes, program) = read_program(&args.elf)?;
    let config = run_config(args)?;
    let mut m = Machine::new(Arc::new(program), &config).map_err(|e| {
        CliError::new(
            format!("{}: {e}", args.elf.display()),
            "see `rvjit run --help` for --memory",
        )
    })?;
    // Create the output file now, so that a bad path fails before a long run.
    let output = match &args.output {
        Some(path) => Some((
            path,
            std::fs::File::create(path).map_err(|e| CliError::io("create", path, e))?,
        )),
        None => None,
    };
    let setup = start.elapsed();
    let limit = args.max_cycles.unwrap_or(u64::MAX);
    let t = Instant::now();
    let mut witness = None;
    let mut translation = None;
    // The translator lives until the run is timed: freeing its code and the regions it keeps
    // for recompiling took ~10 ms for the evm guest, which is not execution.
    let mut translator_kept = None;
    let stop = match (args.chunk_size, &args.chunks_dir, args.engine) {
        (Some(chunk_size), Some(dir), Engine::Interp) => {
            let recorded = super::replay::record(
                &mut m,
                &elf_bytes,
                dir,
                chunk_size,
                limit,
                RecordEngine::Interpreter,
            )?;
            let stop = recorded.run.stop.clone();
            witness = Some((recorded, dir));
            stop
        }
        (Some(chunk_size), Some(dir), Engine::Jit) => {
            // A recording translation: its code logs every load (the plain one pays nothing).
            let options = jit::Options {
                record: true,
                ..jit_options(args)
            };
            let mut translator = jit::Translator::for_machine(&m, &options).map_err(jit_error)?;
            let recorded = super::replay::record(
                &mut m,
                &elf_bytes,
                dir,
                chunk_size,
                limit,
                RecordEngine::Translator(&mut translator),
            )?;
            translation = Some(translator.stats().clone());
            translator_kept = Some(translator);
            let stop = recorded.run.stop.clone();
            witness = Some((recorded, dir));
            stop
        }
        (_, _, Engine::Interp) => interp::run(&mut m, limit),
        (_, _, Engine::Jit) => {
            let options = jit_options(args);
            let mut translator = jit::Translator::for_machine(&m, &options).map_err(jit_error)?;
            let stop = translator.run(&mut m, limit).map_err(jit_error)?;
            translation = Some(translator.stats().clone());
            translator_kept = Some(translator);
            stop
        }
    };
    // Translation (ahead of time and on demand) is reported on its own; `wall` is execution.
    let translate_time = translation
        .as_ref()
        .map_or(Duration::ZERO, |s| s.translate_time);
    let wall = t.elapsed().saturating_sub(translate_time);
    drop(translator_kept);
    if let Some((path, mut file)) = output {
        file.write_all(m.host.public_output())
            .map_err(|e| CliError::io("write public output to", path, e))?;
    }
    let mut summary = Summary::new(&m, &stop, args.engine.name(), args.max_cycles, setup, wall);
    summary.translation = translation.map(|s| TranslationReport {
        translate_seconds: s.translate_time.as_secs_f64(),
        regions: s.regions,
        blocks: s.blocks,
        instructions: s.instructions,
        on_demand_regions: s.on_demand_regions,
        hot_regions: s.hot_regions,
        hot_compile_seconds: s.hot_compile_time.as_secs_f64(),
        interpreted: s.interpreted,
        sweep_seconds: s.sweep_time.as_secs_f64(),
    });
    let ends_line = |b: &[u8]| b.last().is_none_or(|&c| c == b'\n');
    summary.emit(
        args.json,
        args.stats,
        ends_line(m.host.stdout()),
        ends_line(m.host.stderr()),
    );
    if let Some((recorded, dir)) = witness {
        super::replay::report_recording(&recorded, dir, m.cpu.cycle, args.engine.name());
    }
    Ok(summary.status)
}
