/* Integer ALU: register-register, register-immediate, lui/auipc. */
#include "test_macros.h"
RVTEST_CODE_BEGIN

  /* add / sub */
  TEST_RR_OP( 2,  add, 0x00000000, 0x00000000, 0x00000000 )
  TEST_RR_OP( 3,  add, 0x0000000a, 0x00000003, 0x00000007 )
  TEST_RR_OP( 4,  add, 0xffffffffffff8000, 0x0000000000000000, 0xffffffffffff8000 )
  TEST_RR_OP( 5,  add, 0xffffffff7fff8000, 0xffffffff80000000, 0xffffffffffff8000 )
  TEST_RR_OP( 6,  add, 0x0000000080007ffe, 0x000000007fffffff, 0x0000000000007fff )
  TEST_RR_OP( 7,  add, 0x0000000000000000, 0xffffffffffffffff, 0x0000000000000001 )
  TEST_RR_SRC12_EQ_DEST( 8, add, 26, 13 )
  TEST_RR_ZEROSRC1( 9, add, 15, 15 )
  TEST_RR_ZERODEST( 10, add, 16, 30 )
  TEST_RR_OP( 11, sub, 0x0000000000000000, 0x0000000000000003, 0x0000000000000003 )
  TEST_RR_OP( 12, sub, 0xfffffffffffffffc, 0x0000000000000003, 0x0000000000000007 )
  TEST_RR_OP( 13, sub, 0x0000000000008000, 0x0000000000000000, 0xffffffffffff8000 )
  TEST_RR_OP( 14, sub, 0xffffffff80008000, 0xffffffff80000000, 0xffffffffffff8000 )
  TEST_RR_SRC1_EQ_DEST( 15, sub, 2, 13, 11 )
  TEST_RR_SRC2_EQ_DEST( 16, sub, 3, 14, 11 )

  /* logic */
  TEST_RR_OP( 20, and, 0x000000000f000f00, 0xffffffffff00ff00, 0x000000000f0f0f0f )
  TEST_RR_OP( 21, and, 0x0000000000f000f0, 0x000000000ff00ff0, 0xfffffffff0f0f0f0 )
  TEST_RR_OP( 22, or,  0xffffffffff0fff0f, 0xffffffffff00ff00, 0x000000000f0f0f0f )
  TEST_RR_OP( 23, or,  0xfffffffffff0fff0, 0x000000000ff00ff0, 0xfffffffff0f0f0f0 )
  TEST_RR_OP( 24, xor, 0xfffffffff00ff00f, 0xffffffffff00ff00, 0x000000000f0f0f0f )
  TEST_RR_OP( 25, xor, 0xffffffffff00ff00, 0x000000000ff00ff0, 0xfffffffff0f0f0f0 )
  TEST_IMM_OP( 26, andi, 0xffffffffff00ff00, 0xffffffffff00ff00, 0xf00 )
  TEST_IMM_OP( 27, andi, 0x00000000000000f0, 0x000000000ff00ff0, 0x0f0 )
  TEST_IMM_OP( 28, ori,  0xffffffffffffff0f, 0xffffffffff00ff00, 0xf0f )
  TEST_IMM_OP( 29, ori,  0x000000000ff00ff0, 0x000000000ff00ff0, 0x000 )
  TEST_IMM_OP( 30, xori, 0xffffffffff00f00f, 0x0000000000ff0f00, 0xf0f )
  TEST_IMM_OP( 31, xori, 0x000000000ff00f00, 0x000000000ff00ff0, 0x0f0 )
  TEST_IMM_ZERODEST( 32, xori, 0x00ff0f00, 0x0f0 )

  /* set-less-than */
  TEST_RR_OP( 40, slt,  0, 0x0000000000000000, 0x0000000000000000 )
  TEST_RR_OP( 41, slt,  1, 0x0000000000000003, 0x0000000000000007 )
  TEST_RR_OP( 42, slt,  0, 0x0000000000000007, 0x0000000000000003 )
  TEST_RR_OP( 43, slt,  1, 0xffffffff80000000, 0x0000000000000000 )
  TEST_RR_OP( 44, slt,  0, 0x000000007fffffff, 0xffffffffffff8000 )
  TEST_RR_OP( 45, slt,  1, 0xffffffffffffffff, 0x0000000000000001 )
  TEST_RR_OP( 46, sltu, 0, 0xffffffffffffffff, 0x0000000000000001 )
  TEST_RR_OP( 47, sltu, 1, 0x0000000000000001, 0xffffffffffffffff )
  TEST_RR_OP( 48, sltu, 1, 0x000000007fffffff, 0xffffffff80000000 )
  TEST_RR_OP( 49, sltu, 0, 0x0000000000000000, 0x0000000000000000 )
  TEST_RR_ZEROSRC2( 50, sltu, 0, 5 )
  TEST_RR_ZEROSRC1( 51, sltu, 1, 5 )
  TEST_IMM_OP( 52, slti,  1, 0xffffffffffffffff, 0x000 )
  TEST_IMM_OP( 53, slti,  0, 0x0000000000000000, 0x800 )
  TEST_IMM_OP( 54, slti,  1, 0x0000000000000000, 0x7ff )
  TEST_IMM_OP( 55, slti,  1, 0xffffffff80000000, 0x000 )
  TEST_IMM_OP( 56, sltiu, 1, 0x0000000000000000, 0xfff )
  TEST_IMM_OP( 57, sltiu, 0, 0xffffffffffffffff, 0xfff )
  TEST_IMM_OP( 58, sltiu, 1, 0x000000007fffffff, 0x800 )
  TEST_IMM_OP( 59, sltiu, 0, 0x0000000000000001, 0x001 )
  TEST_IMM_ZEROSRC1( 60, sltiu, 1, 0x001 )

  /* addi */
  TEST_IMM_OP( 70, addi, 0x0000000000000000, 0x0000000000000000, 0x000 )
  TEST_IMM_OP( 71, addi, 0x000000000000000a, 0x0000000000000003, 0x007 )
  TEST_IMM_OP( 72, addi, 0xfffffffffffff800, 0x0000000000000000, 0x800 )
  TEST_IMM_OP( 73, addi, 0x00000000000007ff, 0x00000000000007ff, 0x000 )
  TEST_IMM_OP( 74, addi, 0x000000007ffff7ff, 0x000000007fffffff, 0x800 )
  TEST_IMM_OP( 75, addi, 0xffffffff800007fe, 0xffffffff7fffffff, 0x7ff )
  TEST_IMM_OP( 76, addi, 0x0000000000000000, 0xffffffffffffffff, 0x001 )
  TEST_IMM_SRC1_EQ_DEST( 77, addi, 24, 13, 11 )
  TEST_IMM_ZEROSRC1( 78, addi, 32, 32 )
  TEST_IMM_ZERODEST( 79, addi, 33, 50 )

  /* shifts */
  TEST_RR_OP( 90, sll, 0x0000000000000001, 0x0000000000000001, 0 )
  TEST_RR_OP( 91, sll, 0x0000000000004000, 0x0000000000000001, 14 )
  TEST_RR_OP( 92, sll, 0x0000000080000000, 0x0000000000000001, 31 )
  TEST_RR_OP( 93, sll, 0x0000000000000002, 0x0000000000000001, 0xffffffffffffffc1 ) /* only low bits count */
  TEST_RR_OP( 94, srl, 0x0000000000000001, 0x0000000000000001, 0 )
  TEST_RR_OP( 95, srl, 0x0000000000000000, 0x0000000000000001, 1 )
  TEST_RR_OP( 96, sra, 0xffffffffffffffff, 0xffffffffffffffff, 0xffffffffffffffff )
  TEST_RR_OP( 97, sra, 0x0000000000000000, 0x000000007fffffff, 0xffffffffffffffff )
  TEST_SHIFT_OP( 98,  slli, 0x0000000080000000, 0x0000000000000001, 31 )
  TEST_SHIFT_OP( 99,  slli, 0x0000000042424242, 0x0000000021212121, 1 )
  TEST_SHIFT_OP( 100, srli, 0x0000000000000001, 0x0000000000000001, 0 )
  TEST_SHIFT_OP( 101, srai, 0xffffffffffffffff, 0xffffffff80000000, 31 )
  TEST_SHIFT_OP( 102, srai, 0x0000000000000000, 0x000000007fffffff, 31 )
  TEST_SHIFT_OP( 103, srai, 0xfffffffffffffff8, 0xfffffffffffffff0, 1 )
#if __riscv_xlen == 64
  TEST_RR_OP(  110, sll,  0x8000000000000000, 0x0000000000000001, 63 )
  TEST_RR_OP(  111, srl,  0x7fffffffc0000000, 0xffffffff80000000, 1 )
  TEST_RR_OP(  112, srl,  0x0000000000000001, 0xffffffff80000000, 63 )
  TEST_RR_OP(  113, sra,  0xffffffffc0000000, 0xffffffff80000000, 1 )
  TEST_RR_OP(  114, sra,  0xffffffffffffffff, 0x8000000000000000, 0xffffffffffffffff )
  TEST_SHIFT_OP( 115, slli, 0x2121212100000000, 0x0000000021212121, 32 )
  TEST_SHIFT_OP( 116, srli, 0x00000001ffffffff, 0xffffffff80000000, 31 )
  TEST_SHIFT_OP( 117, srli, 0x0000000000000001, 0x8000000000000000, 63 )
  TEST_SHIFT_OP( 118, srai, 0xffffffffffffffff, 0x8000000000000000, 63 )
  TEST_SHIFT_OP( 119, srai, 0x0000000012345678, 0x1234567800000000, 32 )
#else
  TEST_RR_OP(  110, srl,  0x40000000, 0x80000000, 1 )
  TEST_RR_OP(  111, srl,  0x00000001, 0x80000000, 31 )
  TEST_RR_OP(  112, srl,  0x00000001, 0x80000000, 63 )   /* amount is rs2 mod 32 */
  TEST_RR_OP(  113, sra,  0xc0000000, 0x80000000, 1 )
  TEST_RR_OP(  114, sll,  0x80000000, 0x00000001, 0x3f )
  TEST_SHIFT_OP( 115, srli, 0x00000001, 0x80000000, 31 )
  TEST_SHIFT_OP( 116, srli, 0x01ffffff, 0xffffffff, 7 )
  TEST_SHIFT_OP( 117, srai, 0xff000000, 0x80000000, 7 )
#endif

  /* lui / auipc */
  TEST_CASE( 130, x1, 0x0000000000000000, lui x1, 0x00000 )
  TEST_CASE( 131, x1, 0xfffffffffffff800, lui x1, 0xfffff; sra x1, x1, 1 )
  TEST_CASE( 132, x1, 0x00000000000007ff, lui x1, 0x7ffff; srl x1, x1, 20 )
  TEST_CASE( 133, x1, 0xffffffff80000000, lui x1, 0x80000 )
  TEST_CASE( 134, x0, 0, lui x0, 0x80000 )
  TEST_CASE( 135, a0, 10000, \
    .align 3; \
    lla a0, 1f + 10000; \
    jal a1, 1f; \
    1: sub a0, a0, a1; )
  TEST_CASE( 136, a0, -10000, \
    .align 3; \
    lla a0, 1f - 10000; \
    jal a1, 1f; \
    1: sub a0, a0, a1; )
  TEST_CASE( 137, a0, 0x12345000, auipc a0, 0x12345; auipc a1, 0; addi a1, a1, -4; sub a0, a0, a1 )

  TEST_PASSFAIL
RVTEST_CODE_END
