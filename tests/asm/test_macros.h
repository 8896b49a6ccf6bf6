/* Self-checking test macros in the style of riscv-tests (riscv-test-env + isa/macros).
 *
 * Every test case sets TESTNUM (gp), computes a value, and compares it with the expected one;
 * on mismatch the program exits with a0 = (TESTNUM << 1) | 1 via `li a7, 93; ecall`, which
 * works under rvjit and under qemu-user alike. When all cases pass it exits with a0 = 0.
 * Registers: gp (x3) holds TESTNUM; x1, x2, x4..x15 are free for test code; t6 (x31) holds
 * expected values.
 */
#ifndef TEST_MACROS_H
#define TEST_MACROS_H

#if __riscv_xlen == 64
#define LREG ld
#define SREG sd
#define REGBYTES 8
#else
#define LREG lw
#define SREG sw
#define REGBYTES 4
#endif

#if __riscv_xlen == 64
#define lwu_or_lw lwu
#else
#define lwu_or_lw lw
#endif

#if __riscv_xlen == 64
#define XLEN_MIN 0x8000000000000000
#else
#define XLEN_MIN 0x80000000
#endif

#define TESTNUM gp
#define EXPECT t6

/* Keep only XLEN bits of a 64-bit assembler constant. */
#define MASK_XLEN(x) ((x) & ((1 << (__riscv_xlen - 1) << 1) - 1))
/* Sign-extend a 12-bit immediate written as its bit pattern. */
#define SEXT_IMM(x) ((x) | (-(((x) >> 11) & 1) << 11))

#define RVTEST_CODE_BEGIN \
    .section .text.init; .align 2; .globl _start; \
_start: \
    li TESTNUM, 0;

#define RVTEST_CODE_END \
pass: \
    li a0, 0; li a7, 93; ecall; \
fail: \
    slli a0, TESTNUM, 1; ori a0, a0, 1; li a7, 93; ecall; \
hang: \
    j hang; \
    .data; .align 3; \
rvtest_data_marker: .dword 0; \
    .text

/* ---- the core: compute with `code`, compare `testreg` with `correctval` ---- */
#define TEST_CASE(testnum, testreg, correctval, code...) \
test_ ## testnum: \
    li TESTNUM, testnum; \
    code; \
    li EXPECT, MASK_XLEN(correctval); \
    bne testreg, EXPECT, fail;

/* ---- register-immediate ---- */
#define TEST_IMM_OP(testnum, inst, result, val1, imm) \
    TEST_CASE(testnum, x14, result, li x1, MASK_XLEN(val1); inst x14, x1, SEXT_IMM(imm))

#define TEST_IMM_SRC1_EQ_DEST(testnum, inst, result, val1, imm) \
    TEST_CASE(testnum, x1, result, li x1, MASK_XLEN(val1); inst x1, x1, SEXT_IMM(imm))

#define TEST_IMM_ZERODEST(testnum, inst, val1, imm) \
    TEST_CASE(testnum, x0, 0, li x1, MASK_XLEN(val1); inst x0, x1, SEXT_IMM(imm))

#define TEST_IMM_ZEROSRC1(testnum, inst, result, imm) \
    TEST_CASE(testnum, x1, result, inst x1, x0, SEXT_IMM(imm))

/* Shifts take the raw shift amount. */
#define TEST_SHIFT_OP(testnum, inst, result, val1, shamt) \
    TEST_CASE(testnum, x14, result, li x1, MASK_XLEN(val1); inst x14, x1, shamt)

/* ---- register-register ---- */
#define TEST_RR_OP(testnum, inst, result, val1, val2) \
    TEST_CASE(testnum, x14, result, li x1, MASK_XLEN(val1); li x2, MASK_XLEN(val2); inst x14, x1, x2)

#define TEST_RR_SRC1_EQ_DEST(testnum, inst, result, val1, val2) \
    TEST_CASE(testnum, x1, result, li x1, MASK_XLEN(val1); li x2, MASK_XLEN(val2); inst x1, x1, x2)

#define TEST_RR_SRC2_EQ_DEST(testnum, inst, result, val1, val2) \
    TEST_CASE(testnum, x2, result, li x1, MASK_XLEN(val1); li x2, MASK_XLEN(val2); inst x2, x1, x2)

#define TEST_RR_SRC12_EQ_DEST(testnum, inst, result, val1) \
    TEST_CASE(testnum, x1, result, li x1, MASK_XLEN(val1); inst x1, x1, x1)

#define TEST_RR_ZEROSRC1(testnum, inst, result, val) \
    TEST_CASE(testnum, x2, result, li x1, MASK_XLEN(val); inst x2, x0, x1)

#define TEST_RR_ZEROSRC2(testnum, inst, result, val) \
    TEST_CASE(testnum, x2, result, li x1, MASK_XLEN(val); inst x2, x1, x0)

#define TEST_RR_ZERODEST(testnum, inst, val1, val2) \
    TEST_CASE(testnum, x0, 0, li x1, MASK_XLEN(val1); li x2, MASK_XLEN(val2); inst x0, x1, x2)

/* ---- loads and stores (base is a label in .data) ---- */
#define TEST_LD_OP(testnum, inst, result, offset, base) \
    TEST_CASE(testnum, x14, result, la x2, base; inst x14, offset(x2))

#define TEST_ST_OP(testnum, load_inst, store_inst, result, offset, base) \
    TEST_CASE(testnum, x14, result, la x2, base; li x1, MASK_XLEN(result); \
              store_inst x1, offset(x2); load_inst x14, offset(x2))

/* ---- branches: taken forward and backward, or not taken either way ---- */
#define TEST_BR2_OP_TAKEN(testnum, inst, val1, val2) \
test_ ## testnum: \
    li TESTNUM, testnum; \
    li x1, MASK_XLEN(val1); li x2, MASK_XLEN(val2); \
    inst x1, x2, 2f; \
    bne x0, TESTNUM, fail; \
1:  bne x0, TESTNUM, 3f; \
2:  inst x1, x2, 1b; \
    bne x0, TESTNUM, fail; \
3:

#define TEST_BR2_OP_NOTTAKEN(testnum, inst, val1, val2) \
test_ ## testnum: \
    li TESTNUM, testnum; \
    li x1, MASK_XLEN(val1); li x2, MASK_XLEN(val2); \
    inst x1, x2, 1f; \
    bne x0, TESTNUM, 2f; \
1:  bne x0, TESTNUM, fail; \
2:  inst x1, x2, 1b; \
3:

#define TEST_PASSFAIL \
    bne x0, TESTNUM, pass; \
    j fail;

#endif
