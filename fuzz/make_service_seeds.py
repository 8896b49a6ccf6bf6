#!/usr/bin/env python3
"""Write the hand-made seeds of the `services` fuzz target (format: fuzz/src/services.rs)."""
import os
import struct

NUMBERS = ["exit", "exit_group", "write", "read", "getrandom", "input_info", "hint_len",
           "hint_read", "keccakf", "sha256", "zero", "unknown_project", "unknown_precompile", "max"]
DATA, SMALL, INPUT, CODE, RAW, RAM_END, MAX, ZERO = range(8)


def val(kind, x=0):
    if kind == ZERO:
        return bytes([ZERO])
    if kind == RAW:
        return bytes([RAW]) + struct.pack("<Q", x)
    return bytes([kind]) + struct.pack("<H", x)


def header(rv64=False, trap=False, max_stdout=512, max_output=64, inputs=(), hints=()):
    b = bytes([(1 if rv64 else 0) | (2 if trap else 0)]) + struct.pack("<HH", max_stdout, max_output)
    for frames in (inputs, hints):
        b += bytes([len(frames)]) + b"".join(bytes([len(f)]) + f for f in frames)
    return b


def ecall(name, *args, raw=None):
    sel = bytes([0xf0]) + struct.pack("<Q", raw) if raw is not None else bytes([NUMBERS.index(name)])
    args = list(args) + [val(ZERO)] * (6 - len(args))
    return bytes([0]) + sel + b"".join(args)


def custom0(funct3, rd=0, rs1=0, imm=0, vals=()):
    word = (imm << 20) | (rs1 << 15) | (funct3 << 12) | (rd << 7) | 0x0b
    vals = list(vals) + [val(ZERO)] * (3 - len(vals))
    return bytes([1]) + struct.pack("<I", word) + b"".join(vals)


io = (ecall("write", val(SMALL, 1), val(DATA, 0), val(SMALL, 5))
      + ecall("write", val(SMALL, 2), val(DATA, 8), val(SMALL, 3))
      + ecall("write", val(SMALL, 3), val(DATA, 0), val(SMALL, 100))  # over max_output 64
      + ecall("read", val(ZERO), val(DATA, 0x100), val(SMALL, 16))
      + ecall("read", val(ZERO), val(CODE, 0), val(SMALL, 4))  # not writable
      + ecall("input_info")
      + ecall("getrandom", val(DATA, 0x300), val(SMALL, 32))
      + ecall("hint_len")
      + ecall("hint_read", val(DATA, 0x200), val(SMALL, 4))
      + ecall("hint_read", val(DATA, 0x200), val(SMALL, 3))  # wrong length
      + ecall("exit", val(SMALL, 3)))
pre = (ecall("keccakf", val(DATA, 0x400))
       + ecall("keccakf", val(RAM_END, 100))  # runs off the RAM window
       + ecall("sha256", val(DATA, 0x500), val(DATA, 0x600))
       + ecall("sha256", val(MAX, 4), val(DATA, 0x600))
       + ecall("write", val(SMALL, 1), val(RAW, 0xffff_ffff_ffff_fff0), val(RAW, 1 << 40))
       + ecall(None, raw=0x1234_5678_9abc))
custom = (custom0(2, rd=5, rs1=6, vals=[val(SMALL, 0), val(SMALL, 0x1234)])  # reveal
          + custom0(2, rd=5, rs1=6, imm=0xffc, vals=[val(MAX, 0), val(SMALL, 1)])  # reveal overflow
          + custom0(3, rd=10, rs1=11, imm=1, vals=[val(DATA, 0), val(SMALL, 5)])  # printstr
          + custom0(3)  # hintinput
          + custom0(1, rd=10, vals=[val(DATA, 0x700)])  # hintstorew
          + custom0(1, rd=10, rs1=11, imm=1, vals=[val(DATA, 0x800), val(SMALL, 1)])  # hintbuffer
          + custom0(1, rd=10, rs1=11, imm=1, vals=[val(DATA, 0x800), val(MAX, 0)])  # hintbuffer huge
          + custom0(3, rd=10, imm=2, vals=[val(SMALL, 2)])  # hintrandom
          + custom0(4, rs1=10, vals=[val(DATA, 0x400)])  # keccakf
          + custom0(5)  # unknown funct3
          + custom0(0, imm=42))  # terminate

out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus", "services")
os.makedirs(out, exist_ok=True)
seeds = {
    "io_rv32": header(inputs=[b"hello"], hints=[b"hint", b"abc"]) + io,
    "io_rv64_trap": header(rv64=True, trap=True, inputs=[b"hello", b""], hints=[b"hint"]) + io,
    "precompiles_rv64": header(rv64=True) + pre,
    "precompiles_rv32": header() + pre,
    "custom0_rv32": header(max_stdout=4, inputs=[b"frame1", b"x"]) + custom,
    "custom0_rv64": header(rv64=True, max_output=8, inputs=[b"frame1"]) + custom,
}
for name, data in seeds.items():
    with open(os.path.join(out, name), "wb") as f:
        f.write(data)
