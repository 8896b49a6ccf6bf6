//! The instruction table: every 32-bit instruction rvjit knows, once.
//!
//! Each row gives the operation's name, mnemonic, operand format, encoding mask/match, and the
//! XLENs it exists in. The decoder, disassembler and encoder are derived from these rows; the
//! interpreter and the lifter match exhaustively on [`Op`], so adding a row without teaching
//! both engines does not compile. Compressed instructions expand to these same operations
//! (see `compressed.rs`).

/// Operand layout of an instruction; drives field extraction, encoding and disassembly.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Format {
    /// `rd, rs1, rs2`
    R,
    /// `rd, rs1, imm` (12-bit signed)
    I,
    /// `rd, imm(rs1)` loads
    Load,
    /// `rs2, imm(rs1)` stores
    S,
    /// `rs1, rs2, offset` conditional branches
    B,
    /// `rd, imm` with imm = the upper 20 bits already shifted (LUI, AUIPC)
    U,
    /// `rd, offset` (JAL)
    J,
    /// `rd, rs1, shamt` (shamt 5 bits on RV32 and for W-forms, 6 bits on RV64)
    Shift,
    /// `rd, rs2, (rs1)` atomics; `aq`/`rl` bits are accepted and ignored (single hart)
    Amo,
    /// `rd, (rs1)` load-reserved
    Lr,
    /// `rd, csr, rs1` / `rd, csr, uimm` counter reads; `imm` holds the CSR number
    Csr,
    /// no operands shown (ECALL, EBREAK, FENCE, FENCE.I)
    None,
    /// custom-0 I-type `rd, rs1, imm`
    CustomI,
    /// custom-0 R-type `rd, rs1, rs2`
    CustomR,
}

/// Which XLENs an operation exists in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Width {
    Both,
    Rv64Only,
}

/// One row of the table.
#[derive(Clone, Copy, Debug)]
pub struct OpInfo {
    pub op: Op,
    pub mnemonic: &'static str,
    pub format: Format,
    pub mask: u32,
    pub bits: u32,
    pub width: Width,
}

macro_rules! instructions {
    ($( $op:ident $mn:literal $fmt:ident $mask:literal $bits:literal $w:ident ; )*) => {
        /// A decoded operation. Compressed instructions decode to the operation they expand to.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum Op {
            $( $op, )*
            /// Not a valid instruction for this hart; executing it faults. The raw bits are
            /// kept in [`super::Instr::raw`].
            Illegal,
        }

        /// Every row of the table, in decode priority order (more specific masks first
        /// where rows overlap).
        pub const TABLE: &[OpInfo] = &[
            $( OpInfo { op: Op::$op, mnemonic: $mn, format: Format::$fmt, mask: $mask, bits: $bits, width: Width::$w }, )*
        ];
    };
}

instructions! {
    // ---- RV32I / RV64I base ----
    Lui     "lui"      U     0x0000007f 0x00000037 Both;
    Auipc   "auipc"    U     0x0000007f 0x00000017 Both;
    Jal     "jal"      J     0x0000007f 0x0000006f Both;
    Jalr    "jalr"     Load  0x0000707f 0x00000067 Both;
    Beq     "beq"      B     0x0000707f 0x00000063 Both;
    Bne     "bne"      B     0x0000707f 0x00001063 Both;
    Blt     "blt"      B     0x0000707f 0x00004063 Both;
    Bge     "bge"      B     0x0000707f 0x00005063 Both;
    Bltu    "bltu"     B     0x0000707f 0x00006063 Both;
    Bgeu    "bgeu"     B     0x0000707f 0x00007063 Both;
    Lb      "lb"       Load  0x0000707f 0x00000003 Both;
    Lh      "lh"       Load  0x0000707f 0x00001003 Both;
    Lw      "lw"       Load  0x0000707f 0x00002003 Both;
    Ld      "ld"       Load  0x0000707f 0x00003003 Rv64Only;
    Lbu     "lbu"      Load  0x0000707f 0x00004003 Both;
    Lhu     "lhu"      Load  0x0000707f 0x00005003 Both;
    Lwu     "lwu"      Load  0x0000707f 0x00006003 Rv64Only;
    Sb      "sb"       S     0x0000707f 0x00000023 Both;
    Sh      "sh"       S     0x0000707f 0x00001023 Both;
    Sw      "sw"       S     0x0000707f 0x00002023 Both;
    Sd      "sd"       S     0x0000707f 0x00003023 Rv64Only;
    Addi    "addi"     I     0x0000707f 0x00000013 Both;
    Slti    "slti"     I     0x0000707f 0x00002013 Both;
    Sltiu   "sltiu"    I     0x0000707f 0x00003013 Both;
    Xori    "xori"     I     0x0000707f 0x00004013 Both;
    Ori     "ori"      I     0x0000707f 0x00006013 Both;
    Andi    "andi"     I     0x0000707f 0x00007013 Both;
    // Shift immediates: the mask leaves shamt[5] free; the decoder rejects it on RV32.
    Slli    "slli"     Shift 0xfc00707f 0x00001013 Both;
    Srli    "srli"     Shift 0xfc00707f 0x00005013 Both;
    Srai    "srai"     Shift 0xfc00707f 0x40005013 Both;
    Add     "add"      R     0xfe00707f 0x00000033 Both;
    Sub     "sub"      R     0xfe00707f 0x40000033 Both;
    Sll     "sll"      R     0xfe00707f 0x00001033 Both;
    Slt     "slt"      R     0xfe00707f 0x00002033 Both;
    Sltu    "sltu"     R     0xfe00707f 0x00003033 Both;
    Xor     "xor"      R     0xfe00707f 0x00004033 Both;
    Srl     "srl"      R     0xfe00707f 0x00005033 Both;
    Sra     "sra"      R     0xfe00707f 0x40005033 Both;
    Or      "or"       R     0xfe00707f 0x00006033 Both;
    And     "and"      R     0xfe00707f 0x00007033 Both;
    Addiw   "addiw"    I     0x0000707f 0x0000001b Rv64Only;
    Slliw   "slliw"    Shift 0xfe00707f 0x0000101b Rv64Only;
    Srliw   "srliw"    Shift 0xfe00707f 0x0000501b Rv64Only;
    Sraiw   "sraiw"    Shift 0xfe00707f 0x4000501b Rv64Only;
    Addw    "addw"     R     0xfe00707f 0x0000003b Rv64Only;
    Subw    "subw"     R     0xfe00707f 0x4000003b Rv64Only;
    Sllw    "sllw"     R     0xfe00707f 0x0000103b Rv64Only;
    Srlw    "srlw"     R     0xfe00707f 0x0000503b Rv64Only;
    Sraw    "sraw"     R     0xfe00707f 0x4000503b Rv64Only;
    Fence   "fence"    None  0x0000707f 0x0000000f Both;
    FenceI  "fence.i"  None  0x0000707f 0x0000100f Both;
    Ecall   "ecall"    None  0xffffffff 0x00000073 Both;
    Ebreak  "ebreak"   None  0xffffffff 0x00100073 Both;
    // ---- Zicsr: only reads of the counters are legal (checked by the decoder) ----
    Csrrs   "csrrs"    Csr   0x0000707f 0x00002073 Both;
    Csrrc   "csrrc"    Csr   0x0000707f 0x00003073 Both;
    Csrrsi  "csrrsi"   Csr   0x0000707f 0x00006073 Both;
    Csrrci  "csrrci"   Csr   0x0000707f 0x00007073 Both;
    // ---- M ----
    Mul     "mul"      R     0xfe00707f 0x02000033 Both;
    Mulh    "mulh"     R     0xfe00707f 0x02001033 Both;
    Mulhsu  "mulhsu"   R     0xfe00707f 0x02002033 Both;
    Mulhu   "mulhu"    R     0xfe00707f 0x02003033 Both;
    Div     "div"      R     0xfe00707f 0x02004033 Both;
    Divu    "divu"     R     0xfe00707f 0x02005033 Both;
    Rem     "rem"      R     0xfe00707f 0x02006033 Both;
    Remu    "remu"     R     0xfe00707f 0x02007033 Both;
    Mulw    "mulw"     R     0xfe00707f 0x0200003b Rv64Only;
    Divw    "divw"     R     0xfe00707f 0x0200403b Rv64Only;
    Divuw   "divuw"    R     0xfe00707f 0x0200503b Rv64Only;
    Remw    "remw"     R     0xfe00707f 0x0200603b Rv64Only;
    Remuw   "remuw"    R     0xfe00707f 0x0200703b Rv64Only;
    // ---- A (aq/rl bits 26:25 are free in the mask) ----
    LrW      "lr.w"      Lr  0xf9f0707f 0x1000202f Both;
    ScW      "sc.w"      Amo 0xf800707f 0x1800202f Both;
    AmoswapW "amoswap.w" Amo 0xf800707f 0x0800202f Both;
    AmoaddW  "amoadd.w"  Amo 0xf800707f 0x0000202f Both;
    AmoxorW  "amoxor.w"  Amo 0xf800707f 0x2000202f Both;
    AmoandW  "amoand.w"  Amo 0xf800707f 0x6000202f Both;
    AmoorW   "amoor.w"   Amo 0xf800707f 0x4000202f Both;
    AmominW  "amomin.w"  Amo 0xf800707f 0x8000202f Both;
    AmomaxW  "amomax.w"  Amo 0xf800707f 0xa000202f Both;
    AmominuW "amominu.w" Amo 0xf800707f 0xc000202f Both;
    AmomaxuW "amomaxu.w" Amo 0xf800707f 0xe000202f Both;
    LrD      "lr.d"      Lr  0xf9f0707f 0x1000302f Rv64Only;
    ScD      "sc.d"      Amo 0xf800707f 0x1800302f Rv64Only;
    AmoswapD "amoswap.d" Amo 0xf800707f 0x0800302f Rv64Only;
    AmoaddD  "amoadd.d"  Amo 0xf800707f 0x0000302f Rv64Only;
    AmoxorD  "amoxor.d"  Amo 0xf800707f 0x2000302f Rv64Only;
    AmoandD  "amoand.d"  Amo 0xf800707f 0x6000302f Rv64Only;
    AmoorD   "amoor.d"   Amo 0xf800707f 0x4000302f Rv64Only;
    AmominD  "amomin.d"  Amo 0xf800707f 0x8000302f Rv64Only;
    AmomaxD  "amomax.d"  Amo 0xf800707f 0xa000302f Rv64Only;
    AmominuD "amominu.d" Amo 0xf800707f 0xc000302f Rv64Only;
    AmomaxuD "amomaxu.d" Amo 0xf800707f 0xe000302f Rv64Only;
    // ---- OpenVM custom-0 door into the host-service table (runtime_abi::abi::custom0) ----
    Terminate  "terminate"  CustomI 0x0000707f 0x0000000b Both;
    HintStorew "hintstorew" CustomI 0xfff0707f 0x0000100b Both;
    HintBuffer "hintbuffer" CustomI 0xfff0707f 0x0010100b Both;
    Reveal     "reveal"     CustomI 0x0000707f 0x0000200b Both;
    HintInput  "hintinput"  CustomI 0xfff0707f 0x0000300b Both;
    PrintStr   "printstr"   CustomI 0xfff0707f 0x0010300b Both;
    HintRandom "hintrandom" CustomI 0xfff0707f 0x0020300b Both;
    Keccakf    "keccakf"    CustomR 0xfe00707f 0x0000400b Both;
}

impl Op {
    /// The table row of this operation (`None` for [`Op::Illegal`]).
    pub fn info(self) -> Option<&'static OpInfo> {
        TABLE.iter().find(|row| row.op == self)
    }

    /// Assembly mnemonic.
    pub fn mnemonic(self) -> &'static str {
        self.info().map_or("illegal", |row| row.mnemonic)
    }

    /// Is this a door into the host-service table: `ecall`, or an OpenVM custom-0 instruction
    /// (derived from the table's formats)?
    pub fn is_service(self) -> bool {
        self == Op::Ecall
            || self
                .info()
                .is_some_and(|row| matches!(row.format, Format::CustomI | Format::CustomR))
    }

    /// Is this LR, SC or an AMO (derived from the table's formats)?
    pub fn is_atomic(self) -> bool {
        self.info()
            .is_some_and(|row| matches!(row.format, Format::Amo | Format::Lr))
    }

    /// Is this a conditional branch (derived from the table's formats)?
    pub fn is_branch(self) -> bool {
        self.info().is_some_and(|row| row.format == Format::B)
    }

    /// Does this operation end a basic block (changes control flow or leaves guest code)?
    pub fn ends_block(self) -> bool {
        matches!(
            self,
            Op::Jal
                | Op::Jalr
                | Op::Beq
                | Op::Bne
                | Op::Blt
                | Op::Bge
                | Op::Bltu
                | Op::Bgeu
                | Op::Ecall
                | Op::Ebreak
                | Op::Terminate
                | Op::Illegal
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn branches_are_the_six_b_format_rows() {
        let branches: Vec<Op> = TABLE
            .iter()
            .map(|row| row.op)
            .filter(|op| op.is_branch())
            .collect();
        assert_eq!(
            branches,
            [Op::Beq, Op::Bne, Op::Blt, Op::Bge, Op::Bltu, Op::Bgeu]
        );
        assert!(!Op::Jal.is_branch() && !Op::Jalr.is_branch() && !Op::Illegal.is_branch());
    }
}
