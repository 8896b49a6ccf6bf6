//! OpenVM-style custom instructions through the assembler's `.insn` directive.
//!
//! ```ignore
//! // keccak-f on the state at `ptr`: custom-0, funct3 4, funct7 0, rd = x0, rs1 = ptr, rs2 = x0
//! custom_insn_r!(opcode = 0x0b, funct3 = 4, funct7 = 0, rd = Const "x0", rs1 = In ptr, rs2 = Const "x0");
//! // terminate with exit code 3
//! custom_insn_i!(opcode = 0x0b, funct3 = 0, rd = Const "x0", rs1 = Const "x0", imm = Const 3);
//! ```
//! Register slots (in the order rd, rs1, rs2 / imm) are `In expr`, `Out place`, `InOut place`
//! or `Const "xN"` (a fixed register); `imm` is `Const expr` (a constant). Only on RISC-V.

#[doc(hidden)]
#[macro_export]
macro_rules! __custom_insn {
    (@go [$($t:tt)*] [$($o:tt)*]) => {
        // SAFETY: the caller vouches for the custom instruction's effect (like any asm!).
        unsafe { core::arch::asm!(concat!($($t)*), $($o)* options(nostack)) }
    };
    (@go [$($t:tt)*] [$($o:tt)*] , $($rest:tt)*) => { $crate::__custom_insn!(@go [$($t)*] [$($o)*] $($rest)*) };
    (@go [$($t:tt)*] [$($o:tt)*] imm = Const $e:expr $(, $($rest:tt)*)?) => {
        $crate::__custom_insn!(@go [$($t)*, ", {imm}"] [$($o)* imm = const $e,] $($($rest)*)?)
    };
    (@go [$($t:tt)*] [$($o:tt)*] $n:ident = Const $r:literal $(, $($rest:tt)*)?) => {
        $crate::__custom_insn!(@go [$($t)*, ", ", $r] [$($o)*] $($($rest)*)?)
    };
    (@go [$($t:tt)*] [$($o:tt)*] $n:ident = In $e:expr $(, $($rest:tt)*)?) => {
        $crate::__custom_insn!(@go [$($t)*, ", {", stringify!($n), "}"] [$($o)* $n = in(reg) $e,] $($($rest)*)?)
    };
    (@go [$($t:tt)*] [$($o:tt)*] $n:ident = Out $e:expr $(, $($rest:tt)*)?) => {
        $crate::__custom_insn!(@go [$($t)*, ", {", stringify!($n), "}"] [$($o)* $n = out(reg) $e,] $($($rest)*)?)
    };
    (@go [$($t:tt)*] [$($o:tt)*] $n:ident = InOut $e:expr $(, $($rest:tt)*)?) => {
        $crate::__custom_insn!(@go [$($t)*, ", {", stringify!($n), "}"] [$($o)* $n = inout(reg) $e,] $($($rest)*)?)
    };
}

/// R-type custom instruction: `custom_insn_r!(opcode = .., funct3 = .., funct7 = .., rd = .., rs1 = .., rs2 = ..)`.
#[macro_export]
macro_rules! custom_insn_r {
    (opcode = $op:expr, funct3 = $f3:expr, funct7 = $f7:expr, $($rest:tt)*) => {
        $crate::__custom_insn!(@go [".insn r {op}, {f3}, {f7}"]
            [op = const $op, f3 = const $f3, f7 = const $f7,] $($rest)*)
    };
}

/// I-type custom instruction: `custom_insn_i!(opcode = .., funct3 = .., rd = .., rs1 = .., imm = Const ..)`.
#[macro_export]
macro_rules! custom_insn_i {
    (opcode = $op:expr, funct3 = $f3:expr, $($rest:tt)*) => {
        $crate::__custom_insn!(@go [".insn i {op}, {f3}"] [op = const $op, f3 = const $f3,] $($rest)*)
    };
}
