/* M extension: multiply (low and high halves, all signednesses), divide and remainder,
 * including division by zero and signed overflow. */
#include "test_macros.h"
RVTEST_CODE_BEGIN

  TEST_RR_OP( 2,  mul, 0x0000000000000000, 0x0000000000000000, 0x0000000000000000 )
  TEST_RR_OP( 3,  mul, 0x0000000000000015, 0x0000000000000003, 0x0000000000000007 )
  TEST_RR_OP( 4,  mul, 0x0000000000000001, 0xffffffffffffffff, 0xffffffffffffffff )
  TEST_RR_OP( 5,  mul, 0xfffffffffffffff9, 0xffffffffffffffff, 0x0000000000000007 )
  TEST_RR_OP( 6,  mul, 0xffffffffc0008000, 0xffffffffffff8000, 0x0000000000007fff )
  TEST_RR_SRC12_EQ_DEST( 7, mul, 169, 13 )
  TEST_RR_ZERODEST( 8, mul, 3, 5 )

  /* division: signs, truncation toward zero */
  TEST_RR_OP( 10, div,  3, 20, 6 )
  TEST_RR_OP( 11, div, -3, -20, 6 )
  TEST_RR_OP( 12, div, -3, 20, -6 )
  TEST_RR_OP( 13, div,  3, -20, -6 )
  TEST_RR_OP( 14, rem,  2, 20, 6 )
  TEST_RR_OP( 15, rem, -2, -20, 6 )
  TEST_RR_OP( 16, rem,  2, 20, -6 )
  TEST_RR_OP( 17, rem, -2, -20, -6 )
  TEST_RR_OP( 18, divu, 3, 20, 6 )
  TEST_RR_OP( 19, remu, 2, 20, 6 )
  TEST_RR_OP( 20, remu, 2, -20, 6 )
  /* division by zero: quotient all ones, remainder = dividend */
  TEST_RR_OP( 21, div,  -1, 20, 0 )
  TEST_RR_OP( 22, div,  -1, -20, 0 )
  TEST_RR_OP( 23, divu, -1, 20, 0 )
  TEST_RR_OP( 24, rem,  20, 20, 0 )
  TEST_RR_OP( 25, rem, -20, -20, 0 )
  TEST_RR_OP( 26, remu, -20, -20, 0 )
  TEST_RR_OP( 27, divu, -1, 0, 0 )
  /* signed overflow: quotient = dividend, remainder 0 */
  TEST_RR_OP( 28, div, XLEN_MIN, XLEN_MIN, -1 )
  TEST_RR_OP( 29, rem, 0, XLEN_MIN, -1 )
  TEST_RR_OP( 30, divu, 0, XLEN_MIN, -1 )
  TEST_RR_OP( 31, remu, XLEN_MIN, XLEN_MIN, -1 )
  TEST_RR_OP( 32, div, -1, XLEN_MIN + 1, -1 - XLEN_MIN )

#if __riscv_xlen == 64
  TEST_RR_OP( 40, divu,  0x2aaaaaaaaaaaaaa7, -20, 6 )
  TEST_RR_OP( 41, mul,   0x0000000400000000, 0x0000000000020000, 0x0000000000020000 )
  TEST_RR_OP( 42, mulh,  0x4000000000000000, 0x8000000000000000, 0x8000000000000000 )
  TEST_RR_OP( 43, mulh,  0xffffffffffffffff, 0xffffffffffffffff, 0x0000000000000001 )
  TEST_RR_OP( 44, mulh,  0x0000000000000000, 0x0000000000000005, 0x0000000000000007 )
  TEST_RR_OP( 45, mulhu, 0xfffffffffffffffe, 0xffffffffffffffff, 0xffffffffffffffff )
  TEST_RR_OP( 46, mulhu, 0x0000000000000001, 0x8000000000000000, 0x0000000000000002 )
  TEST_RR_OP( 47, mulhsu, 0xffffffffffffffff, 0xffffffffffffffff, 0xffffffffffffffff )
  TEST_RR_OP( 48, mulhsu, 0x0000000000000000, 0x0000000000000001, 0xffffffffffffffff )
  TEST_RR_OP( 49, mulhsu, 0xffffffffffffffff, 0x8000000000000000, 0x0000000000000001 )
  TEST_RR_OP( 50, mulh,  0x0000000000000000, 0x00000000ffffffff, 0x00000000ffffffff )
  TEST_RR_OP( 51, mulhu, 0x0000000000000000, 0x00000000ffffffff, 0x00000000ffffffff )
#else
  TEST_RR_OP( 40, divu,  0x2aaaaaa7, -20, 6 )
  TEST_RR_OP( 41, mul,   0x0000ff7f, 0xaaaaaaab, 0x0002fe7d )
  TEST_RR_OP( 42, mulh,  0x40000000, 0x80000000, 0x80000000 )
  TEST_RR_OP( 43, mulh,  0xffffffff, 0xffffffff, 0x00000001 )
  TEST_RR_OP( 44, mulh,  0x00000000, 0x00000005, 0x00000007 )
  TEST_RR_OP( 45, mulhu, 0xfffffffe, 0xffffffff, 0xffffffff )
  TEST_RR_OP( 46, mulhu, 0x00000001, 0x80000000, 0x00000002 )
  TEST_RR_OP( 47, mulhsu, 0xffffffff, 0xffffffff, 0xffffffff )
  TEST_RR_OP( 48, mulhsu, 0x00000000, 0x00000001, 0xffffffff )
  TEST_RR_OP( 49, mulhsu, 0xffffffff, 0x80000000, 0x00000001 )
  TEST_RR_OP( 50, mulh,  0x00000000, 0x0000ffff, 0x0000ffff )
  TEST_RR_OP( 51, mulhu, 0x00000000, 0x0000ffff, 0x0000ffff )
#endif

  TEST_PASSFAIL
RVTEST_CODE_END
