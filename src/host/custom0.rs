//! The OpenVM custom-0 door (opcode 0x0b): terminate, hint stream, reveal, phantoms, keccakf.
//! `rd`/`rs1` in [`Instr`] are register numbers; the operands are those registers' values.

use super::effects::{bad, Guest};
use super::output::{Stream, OUTPUT_LIMIT};
use super::{precompiles, Host, Service};
use crate::abi::FRAME_LEN_BYTES;
use crate::isa::{Instr, Op};
use crate::outcome::FaultKind;

impl Host {
    pub(super) fn serve_custom0(
        &mut self,
        ins: &Instr,
        g: &mut Guest,
    ) -> Result<Service, FaultKind> {
        match ins.op {
            // The decoder yields the 12-bit immediate unsigned: exit codes 0..=4095.
            Op::Terminate => return Ok(Service::Exit(u64::from(ins.imm as u32 & 0xfff))),
            Op::HintStorew => self.hint_to_guest(g, "hintstorew", g.reg(ins.rd), 4)?,
            Op::HintBuffer => {
                let (dst, words) = (g.reg(ins.rd), g.reg(ins.rs1));
                let len = words
                    .checked_mul(4)
                    .ok_or_else(|| bad("hintbuffer", dst, words, "word count overflows"))?;
                self.hint_to_guest(g, "hintbuffer", dst, len)?
            }
            Op::Reveal => {
                let word = (g.reg(ins.rs1) as u32).to_le_bytes();
                let offset = g.reg(ins.rd).checked_add(u64::from(ins.imm as u32 & 0xfff));
                let limit = FaultKind::OutputLimit {
                    limit: OUTPUT_LIMIT,
                    max: self.out.max_output,
                };
                self.out.store_public(offset.ok_or(limit)?, &word)?
            }
            Op::HintInput => self.hint_input(g)?,
            Op::PrintStr => {
                let bytes = g.read("printstr", g.reg(ins.rd), g.reg(ins.rs1))?;
                self.out.text(Stream::Stdout, bytes)?
            }
            Op::HintRandom => {
                let words = g.reg(ins.rd);
                let too_many = || {
                    bad(
                        "hintrandom",
                        0,
                        words,
                        "word count exhausts the random stream",
                    )
                };
                let len = words.checked_mul(4).ok_or_else(too_many)?;
                let start = self.random.take(len).ok_or_else(too_many)?;
                self.hint_stream.set_random(start, len);
            }
            Op::Keccakf => precompiles::keccakf(g, "keccakf", g.reg(ins.rs1))?,
            // Not a custom-0 instruction: the engine should never route it here.
            _ => return Err(FaultKind::IllegalInstruction { bits: ins.raw }),
        }
        Ok(Service::Continue)
    }

    /// Copy the next `len` hint-stream bytes to `dst`. Faults with no effect if the stream
    /// has fewer bytes left or the destination is not writable.
    fn hint_to_guest(
        &mut self,
        g: &mut Guest,
        service: &'static str,
        dst: u64,
        len: u64,
    ) -> Result<(), FaultKind> {
        if len > self.hint_stream.remaining() {
            return Err(bad(
                service,
                dst,
                len,
                "read past the end of the hint stream",
            ));
        }
        g.check_writable(service, dst, len)?;
        let at = self
            .hint_stream
            .take(len)
            .ok_or_else(|| bad(service, dst, len, "read past the end of the hint stream"))?;
        let stream = &self.hint_stream;
        // take() reserved [at, at + len): the sum cannot overflow.
        g.write_with(service, dst, len, |off, chunk| {
            stream.fill(at.wrapping_add(off), chunk)
        })
    }

    /// `hintinput`: pop the next input frame (own cursor over the input blob) and make the
    /// hint stream its u32-LE length, its bytes, and zero padding to a multiple of 4.
    fn hint_input(&mut self, g: &mut Guest) -> Result<(), FaultKind> {
        const SERVICE: &str = "hintinput";
        let pos = self.input_frame_pos;
        let left = self.input_len.saturating_sub(pos);
        let at = |off: u64| {
            self.input_base.checked_add(off).ok_or_else(|| {
                bad(
                    SERVICE,
                    self.input_base,
                    off,
                    "input blob address overflows",
                )
            })
        };
        if left < FRAME_LEN_BYTES as u64 {
            return Err(bad(SERVICE, at(pos)?, left, "no input frame left"));
        }
        let header = g.read(SERVICE, at(pos)?, FRAME_LEN_BYTES as u64)?;
        let len = u32::from_le_bytes([header[0], header[1], header[2], header[3]]);
        let body = pos + FRAME_LEN_BYTES as u64;
        if u64::from(len) > self.input_len - body {
            return Err(bad(
                SERVICE,
                at(body)?,
                u64::from(len),
                "input frame runs past the end of the input blob",
            ));
        }
        let bytes = g.read(SERVICE, at(body)?, u64::from(len))?;
        let padded = bytes.len().div_ceil(4) * 4;
        let mut stream = Vec::with_capacity(FRAME_LEN_BYTES + padded);
        stream.extend_from_slice(&len.to_le_bytes());
        stream.extend_from_slice(bytes);
        stream.resize(FRAME_LEN_BYTES + padded, 0);
        self.hint_stream.set_bytes(stream);
        self.input_frame_pos = body + u64::from(len);
        Ok(())
    }
}
