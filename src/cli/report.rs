//! The summary of a run: how it stopped, cycles, speed, public output digest, and rvjit's
//! exit status. Printed as text on stderr, or as one JSON object on stdout (`--json`).

use std::io::Write;
use std::time::Duration;

use serde::Serialize;
use sha2::{Digest, Sha256};

use rvjit::isa::disasm::disasm;
use rvjit::machine::Machine;
use rvjit::outcome::{Fault, FaultKind, Stop};

use super::symbols;

pub const STATUS_CYCLE_LIMIT: i32 = 124;
pub const STATUS_FAULT: i32 = 126;
pub const STATUS_BREAKPOINT: i32 = 133;

/// rvjit's exit status for a stop (see the `--help` text).
pub fn exit_status(stop: &Stop) -> i32 {
    match stop {
        Stop::Exit { code } => match (code & 0xff) as i32 {
            // A failure code must not turn into success when cut to 8 bits.
            0 if *code != 0 => 1,
            low => low,
        },
        Stop::CycleLimit => STATUS_CYCLE_LIMIT,
        Stop::Fault(_) => STATUS_FAULT,
        Stop::Breakpoint { .. } => STATUS_BREAKPOINT,
    }
}

#[derive(Serialize)]
pub struct FaultReport {
    /// `kind`, its operands (`addr`, `size`, `bits`, ...), `pc` and `cycle`.
    #[serde(flatten)]
    pub fault: Fault,
    /// The one-line message (without the disassembly).
    pub message: String,
    /// Disassembly of the faulting instruction, if pc is inside code.
    pub instruction: Option<String>,
    /// `function+0xoff` of the faulting pc, if a function symbol contains it.
    pub function: Option<String>,
    /// What to do about it, in one short sentence (see [`fault_hint`]).
    pub hint: String,
}

/// Lowest address that can ever map (see src/memory.rs): below it is a null pointer.
const NULL_GUARD: u64 = 0x1000;

const STACK_OVERFLOW_HINT: &str =
    "unmapped memory next to the stack pointer: a stack overflow? recurse less or give the guest a larger stack";

/// An unmapped load/store within 64 KiB of `sp`: most likely the stack ran out of its segment.
fn near_stack_pointer(kind: &FaultKind, sp: u64) -> bool {
    match kind {
        FaultKind::LoadAccess { addr, .. } | FaultKind::StoreAccess { addr, .. } => {
            *addr >= NULL_GUARD && addr.abs_diff(sp) <= 64 << 10
        }
        _ => false,
    }
}

/// A short hint of what to do about a fault: the likely cause and the option or fix.
pub fn fault_hint(kind: &FaultKind) -> String {
    match kind {
        FaultKind::IllegalInstruction { bits: 0 } => {
            "an all-zero instruction: did control jump into zeroed memory or data?".to_owned()
        }
        FaultKind::IllegalInstruction { .. } => "rvjit runs RV32/RV64 IMAC with counter CSRs only: was the guest built \
                                                 for a target with extensions rvjit lacks (F/D, V, B, ...)?"
            .to_owned(),
        FaultKind::InstructionFetch { .. } => {
            "control left the code segments: a bad function pointer or a corrupted return address?".to_owned()
        }
        FaultKind::LoadAccess { addr, .. } | FaultKind::StoreAccess { addr, .. } if *addr < NULL_GUARD => {
            "addresses below 0x1000 never map: a null pointer dereference?".to_owned()
        }
        FaultKind::LoadAccess { .. } | FaultKind::StoreAccess { .. } => {
            "the address is outside every segment and the RAM window: raise --memory or fix the pointer".to_owned()
        }
        FaultKind::StoreReadOnly { .. } => "code and read-only segments cannot be written: fix the pointer, or link \
                                           writable data into a writable segment"
            .to_owned(),
        FaultKind::MisalignedLoad { size, .. } | FaultKind::MisalignedStore { size, .. } => format!(
            "the guest must align {size}-byte accesses (under --misaligned=trap, and always for LR/SC/AMOs); \
             --misaligned=allow performs ordinary misaligned loads and stores"
        ),
        FaultKind::UnknownService { .. } => {
            "rvjit has no such service: was the guest built against another runtime or ABI version? \
             (runtime-abi/README.md lists the services)"
                .to_owned()
        }
        FaultKind::BadServiceArgument { service, .. } => format!(
            "the buffer passed to {service} must lie entirely in readable (source) or writable (destination) \
             guest memory: fix the pointer or length"
        ),
        FaultKind::OutputLimit { limit, .. } if *limit == rvjit::host::STDOUT_LIMIT => {
            "raise --max-stdout, or make the guest print less".to_owned()
        }
        FaultKind::OutputLimit { .. } => "raise --max-output, or make the guest reveal less".to_owned(),
    }
}

#[derive(Serialize)]
pub struct MemoryReport {
    pub ram_start: u64,
    pub ram_end: u64,
    pub input_start: u64,
    pub input_end: u64,
}

/// Everything reported about a run. The JSON form has every field; the text form shows the
/// `--stats` ones only when asked.
#[derive(Serialize)]
pub struct Summary {
    /// `exit`, `fault`, `breakpoint` or `cycle_limit`.
    pub stop: &'static str,
    pub exit_code: Option<u64>,
    pub fault: Option<FaultReport>,
    pub breakpoint_pc: Option<u64>,
    /// pc where the run stopped.
    pub pc: u64,
    pub cycles: u64,
    pub cycle_limit: Option<u64>,
    pub wall_seconds: f64,
    /// Millions of retired instructions per second of wall time.
    pub mips: f64,
    pub public_output_len: usize,
    pub public_output_sha256: String,
    pub stdout_len: usize,
    pub stderr_len: usize,
    /// rvjit's exit status.
    pub status: i32,
    pub engine: &'static str,
    pub xlen: u32,
    pub memory: MemoryReport,
    pub misaligned_accesses: u64,
    /// ELF loading and address-space setup.
    pub setup_seconds: f64,
    pub hint_frames_left: usize,
    /// Translator work (`--engine jit` only): not included in `wall_seconds`.
    pub translation: Option<TranslationReport>,
}

/// What the translator compiled for this run, and how long that took.
#[derive(Clone, Debug, Serialize)]
pub struct TranslationReport {
    pub translate_seconds: f64,
    pub regions: u64,
    pub blocks: u64,
    pub instructions: u64,
    pub on_demand_regions: u64,
    /// Regions recompiled by the optimising tier and installed while running.
    pub hot_regions: u64,
    /// Time compiling them: part of `translate_seconds` with `--jit-hot-compile inline`,
    /// on a background thread otherwise.
    pub hot_compile_seconds: f64,
    /// Instructions the dispatcher had the interpreter execute for translated code (cold
    /// memory paths, and from mid-block pcs up to the next entry).
    pub interpreted: u64,
    /// The background sweep's time on its own thread (`--jit-sweep background`), if its code
    /// was installed before the run ended (its regions are then counted above); not part of
    /// `translate_seconds`.
    pub sweep_seconds: f64,
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn fault_instruction(m: &Machine, fault: &Fault) -> Option<String> {
    let ins = m.program.code.fetch(fault.pc)?;
    Some(disasm(ins, fault.pc, m.program.xlen).replace('\t', " "))
}

impl Summary {
    pub fn new(
        m: &Machine,
        stop: &Stop,
        engine: &'static str,
        cycle_limit: Option<u64>,
        setup: Duration,
        wall: Duration,
    ) -> Summary {
        let cycles = m.cpu.cycle;
        let wall_seconds = wall.as_secs_f64();
        let public = m.host.public_output();
        let layout = m.mem.layout();
        let (stop_name, exit_code, fault, breakpoint_pc) = match stop {
            Stop::Exit { code } => ("exit", Some(*code), None, None),
            Stop::Fault(f) => {
                let report = FaultReport {
                    fault: f.clone(),
                    message: f.to_string(),
                    instruction: fault_instruction(m, f),
                    function: symbols::describe(&m.program, f.pc),
                    hint: if near_stack_pointer(&f.kind, m.cpu.get(2)) {
                        STACK_OVERFLOW_HINT.to_owned()
                    } else {
                        fault_hint(&f.kind)
                    },
                };
                ("fault", None, Some(report), None)
            }
            Stop::Breakpoint { pc } => ("breakpoint", None, None, Some(*pc)),
            Stop::CycleLimit => ("cycle_limit", None, None, None),
        };
        Summary {
            stop: stop_name,
            exit_code,
            fault,
            breakpoint_pc,
            pc: m.cpu.pc,
            cycles,
            cycle_limit,
            wall_seconds,
            mips: if wall_seconds > 0.0 {
                cycles as f64 / wall_seconds / 1e6
            } else {
                0.0
            },
            public_output_len: public.len(),
            public_output_sha256: hex(&Sha256::digest(public)),
            stdout_len: m.host.stdout().len(),
            stderr_len: m.host.stderr().len(),
            status: exit_status(stop),
            engine,
            xlen: m.program.xlen.bits(),
            memory: MemoryReport {
                ram_start: layout.ram.start,
                ram_end: layout.ram.end,
                input_start: layout.input.start,
                input_end: layout.input.end,
            },
            misaligned_accesses: m.mem.misaligned_count,
            setup_seconds: setup.as_secs_f64(),
            hint_frames_left: m.host.hints_left(),
            translation: None,
        }
    }

    /// The one line saying how the run stopped.
    pub fn stop_line(&self) -> String {
        match (&self.fault, self.exit_code, self.breakpoint_pc) {
            (Some(f), _, _) => {
                let mut line = format!("rvjit: guest fault: {}", f.message);
                if let Some(ins) = &f.instruction {
                    line += &format!("; instruction: {ins}");
                }
                if let Some(func) = &f.function {
                    line += &format!(" in <{func}>");
                }
                line
            }
            (None, Some(code), _) => {
                // Show negative codes (e.g. exit(-1)) as the guest wrote them.
                let signed = if self.xlen == 32 { i64::from(code as u32 as i32) } else { code as i64 };
                let shown = if signed < 0 { format!("{signed} ({code:#x})") } else { code.to_string() };
                format!("rvjit: guest exited with code {shown} after {} cycles", self.cycles)
            }
            (None, None, Some(pc)) => format!("rvjit: breakpoint (ebreak) at pc {pc:#x} after {} cycles", self.cycles),
            (None, None, None) => format!(
                "rvjit: cycle limit of {} cycles reached at pc {:#x}; raise --max-cycles to run further",
                self.cycles, self.pc
            ),
        }
    }

    pub fn text(&self, stats: bool) -> String {
        let mut s = self.stop_line();
        if let Some(f) = &self.fault {
            s += &format!("\nrvjit: hint: {}", f.hint);
        }
        s += &format!(
            "\nrvjit: {} cycles in {:.3} s ({:.1} M instructions/s)",
            self.cycles, self.wall_seconds, self.mips
        );
        if let Some(t) = &self.translation {
            s += &format!(
                "\nrvjit: translated {} instructions in {} regions in {:.3} s (not included above); {} regions recompiled hot in {:.3} s",
                t.instructions, t.regions, t.translate_seconds, t.hot_regions, t.hot_compile_seconds
            );
        }
        s += &format!(
            "\nrvjit: public output: {} bytes, sha256 {}",
            self.public_output_len, self.public_output_sha256
        );
        if stats {
            let m = &self.memory;
            s += &format!(
                "\nrvjit: engine {}, RV{}, setup {:.3} s",
                self.engine, self.xlen, self.setup_seconds
            );
            s += &format!(
                "\nrvjit: memory: RAM {:#x}..{:#x} ({} MiB), input blob {:#x}..{:#x} ({} bytes)",
                m.ram_start,
                m.ram_end,
                (m.ram_end - m.ram_start) >> 20,
                m.input_start,
                m.input_end,
                m.input_end - m.input_start
            );
            s += &format!("\nrvjit: misaligned accesses: {}", self.misaligned_accesses);
            s += &format!(
                "\nrvjit: guest stdout {} bytes, stderr {} bytes, hint frames left {}",
                self.stdout_len, self.stderr_len, self.hint_frames_left
            );
        }
        s
    }

    /// Print the summary after the guest's (echoed) output.
    pub fn emit(&self, json: bool, stats: bool, stdout_ends_line: bool, stderr_ends_line: bool) {
        if json {
            let mut out = std::io::stdout().lock();
            let sep = if stdout_ends_line { "" } else { "\n" };
            // The struct holds only strings and numbers: serialization cannot fail.
            let text = serde_json::to_string(self).unwrap_or_default();
            let _ = writeln!(out, "{sep}{text}").and_then(|()| out.flush());
        } else {
            let sep = if stdout_ends_line && stderr_ends_line {
                ""
            } else {
                "\n"
            };
            eprintln!("{sep}{}", self.text(stats));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_statuses() {
        assert_eq!(exit_status(&Stop::Exit { code: 0 }), 0);
        assert_eq!(exit_status(&Stop::Exit { code: 7 }), 7);
        assert_eq!(exit_status(&Stop::Exit { code: 255 }), 255);
        assert_eq!(exit_status(&Stop::Exit { code: 0x107 }), 7);
        assert_eq!(exit_status(&Stop::Exit { code: 256 }), 1);
        assert_eq!(exit_status(&Stop::Exit { code: 0xffff_ffff }), 255);
        assert_eq!(exit_status(&Stop::Exit { code: 1 << 40 }), 1);
        assert_eq!(exit_status(&Stop::CycleLimit), 124);
        assert_eq!(exit_status(&Stop::Breakpoint { pc: 0 }), 133);
    }

    #[test]
    fn fault_hints() {
        use rvjit::host::{OUTPUT_LIMIT, STDOUT_LIMIT};
        let cases: [(FaultKind, &str); 13] = [
            (
                FaultKind::IllegalInstruction { bits: 0 },
                "all-zero instruction",
            ),
            (
                FaultKind::IllegalInstruction { bits: 0x0000_0053 },
                "extensions rvjit lacks",
            ),
            (
                FaultKind::InstructionFetch { addr: 0x1234 },
                "function pointer",
            ),
            (FaultKind::LoadAccess { addr: 0, size: 4 }, "null pointer"),
            (
                FaultKind::StoreAccess {
                    addr: 0xff8,
                    size: 8,
                },
                "null pointer",
            ),
            (
                FaultKind::LoadAccess {
                    addr: 0xf000_0000,
                    size: 4,
                },
                "raise --memory or fix the pointer",
            ),
            (
                FaultKind::StoreAccess {
                    addr: 0x1000,
                    size: 8,
                },
                "raise --memory or fix the pointer",
            ),
            (
                FaultKind::StoreReadOnly {
                    addr: 0x20_0004,
                    size: 4,
                },
                "cannot be written",
            ),
            (
                FaultKind::MisalignedLoad {
                    addr: 0x2001,
                    size: 4,
                },
                "the guest must align 4-byte accesses",
            ),
            (
                FaultKind::MisalignedStore {
                    addr: 0x2002,
                    size: 8,
                },
                "the guest must align 8-byte accesses",
            ),
            (
                FaultKind::UnknownService {
                    number: 0x0800_0fff,
                },
                "no such service",
            ),
            (
                FaultKind::OutputLimit {
                    limit: STDOUT_LIMIT,
                    max: 10,
                },
                "raise --max-stdout",
            ),
            (
                FaultKind::OutputLimit {
                    limit: OUTPUT_LIMIT,
                    max: 10,
                },
                "raise --max-output",
            ),
        ];
        for (kind, needle) in cases {
            let hint = fault_hint(&kind);
            assert!(hint.contains(needle), "{kind:?}: {hint}");
            assert!(
                !hint.contains('\n') && hint.len() < 160,
                "{kind:?}: not one short line: {hint}"
            );
        }
        let overflow = FaultKind::StoreAccess {
            addr: 0xf_ffe0,
            size: 4,
        };
        assert!(near_stack_pointer(&overflow, 0x10_0000));
        assert!(near_stack_pointer(&overflow, 0xf_ffd0));
        assert!(!near_stack_pointer(&overflow, 0x20_0000));
        assert!(!near_stack_pointer(
            &FaultKind::StoreAccess {
                addr: 0x10,
                size: 4
            },
            0x20
        ));
        assert!(!near_stack_pointer(
            &FaultKind::StoreReadOnly {
                addr: 0xf_ffe0,
                size: 4
            },
            0x10_0000
        ));
        let bad = FaultKind::BadServiceArgument {
            service: "write",
            addr: 0x10,
            len: 4,
            reason: "not readable",
        };
        assert!(
            fault_hint(&bad).contains("passed to write"),
            "{}",
            fault_hint(&bad)
        );
    }

    #[test]
    fn hex_digest() {
        assert_eq!(
            hex(&Sha256::digest(b"")),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }
}
