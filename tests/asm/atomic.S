/* A extension: lr/sc (success, failure without or with a different reservation, a retry
 * loop) and every AMO, on words (and doublewords on RV64). */
#include "test_macros.h"

/* rd = old value, memory = op(old, rs2); the memory check is test number testnum*100. */
#define TEST_AMO(testnum, inst, load, init, src, old, new) \
    TEST_CASE(testnum, x14, old, la x2, amo_dat; li x1, MASK_XLEN(init); SREG x1, 0(x2); \
              SREG x1, REGBYTES(x2); li x13, MASK_XLEN(src); inst x14, x13, (x2)) \
    TEST_CASE(testnum ## 00, x15, new, load x15, 0(x2))

RVTEST_CODE_BEGIN

  TEST_AMO( 2,  amoswap.w, lw, 0xffffffff80000000, 0x12345678, 0xffffffff80000000, 0x12345678 )
  TEST_AMO( 3,  amoadd.w,  lw, 0xffffffff80000000, 0xfffffffffffff800, 0xffffffff80000000, 0x7ffff800 )
  TEST_AMO( 4,  amoadd.w,  lw, 0x7fffffff, 1, 0x7fffffff, 0xffffffff80000000 )
  TEST_AMO( 5,  amoxor.w,  lw, 0xffffffffff00ff00, 0x0f0f0f0f, 0xffffffffff00ff00, 0xfffffffff00ff00f )
  TEST_AMO( 6,  amoand.w,  lw, 0xffffffffff00ff00, 0x0f0f0f0f, 0xffffffffff00ff00, 0x0f000f00 )
  TEST_AMO( 7,  amoor.w,   lw, 0xffffffffff00ff00, 0x0f0f0f0f, 0xffffffffff00ff00, 0xffffffffff0fff0f )
  TEST_AMO( 8,  amomin.w,  lw, 0xffffffffffffffff, 1, 0xffffffffffffffff, 0xffffffffffffffff )
  TEST_AMO( 9,  amomin.w,  lw, 5, -3, 5, -3 )
  TEST_AMO( 11, amomax.w,  lw, 0xffffffffffffffff, 1, 0xffffffffffffffff, 1 )
  TEST_AMO( 12, amomax.w,  lw, 0xffffffff80000000, 0x7fffffff, 0xffffffff80000000, 0x7fffffff )
  TEST_AMO( 13, amominu.w, lw, 0xffffffffffffffff, 1, 0xffffffffffffffff, 1 )
  TEST_AMO( 14, amominu.w, lw, 0x7fffffff, 0xffffffff80000000, 0x7fffffff, 0x7fffffff )
  TEST_AMO( 15, amomaxu.w, lw, 0xffffffffffffffff, 1, 0xffffffffffffffff, 0xffffffffffffffff )
  TEST_AMO( 16, amomaxu.w, lw, 0x7fffffff, 0xffffffff80000000, 0x7fffffff, 0xffffffff80000000 )
  TEST_AMO( 17, amoswap.w.aqrl, lw, 1, 2, 1, 2 )
  TEST_AMO( 18, amoadd.w.aq, lw, 1, 2, 1, 3 )
  TEST_AMO( 19, amoor.w.rl,  lw, 1, 2, 1, 3 )

  /* rd == rs2: the old value goes to rd, the sum uses rs2's value from before. */
  TEST_CASE( 20, x1, 7, la x2, amo_dat; li x1, 7; sw x1, 0(x2); li x1, 5; amoadd.w x1, x1, (x2) )
  TEST_CASE( 21, x13, 12, lw x13, 0(x2) )
  /* rd == x0 discards the old value but still updates memory. */
  TEST_CASE( 22, x13, 13, li x1, 1; amoadd.w x0, x1, (x2); lw x13, 0(x2) )

  /* lr/sc success */
  TEST_CASE( 30, x15, 0, la x2, amo_dat; li x1, 41; sw x1, 0(x2); lr.w x14, (x2); \
             addi x14, x14, 1; sc.w x15, x14, (x2) )
  TEST_CASE( 31, x13, 42, lw x13, 0(x2) )
  /* sc without a live reservation (the previous sc consumed it) fails and stores nothing */
  TEST_CASE( 32, x13, 42, li x1, 99; sc.w x15, x1, (x2); lw x13, 0(x2) )
test_33:
  li TESTNUM, 33
  beqz x15, fail
  /* sc to a different address than the reservation fails */
  TEST_CASE( 34, x13, 42, la x2, amo_dat; lr.w x14, (x2); li x1, 7; addi x4, x2, 4; sc.w x15, x1, (x4); lw x13, 0(x2) )
test_35:
  li TESTNUM, 35
  beqz x15, fail
  /* the usual retry loop */
  TEST_CASE( 36, x13, 52, la x2, amo_dat; li x5, 10; \
    1: lr.w.aq x14, (x2); addi x14, x14, 1; sc.w.rl x15, x14, (x2); bnez x15, 1b; \
       addi x5, x5, -1; bnez x5, 1b; lw x13, 0(x2) )

#if __riscv_xlen == 64
  TEST_AMO( 40, amoswap.d, ld, 0x8000000000000000, 0x123456789abcdef0, 0x8000000000000000, 0x123456789abcdef0 )
  TEST_AMO( 41, amoadd.d,  ld, 0x7fffffffffffffff, 1, 0x7fffffffffffffff, 0x8000000000000000 )
  TEST_AMO( 42, amoxor.d,  ld, 0xff00ff00ff00ff00, 0x0f0f0f0f0f0f0f0f, 0xff00ff00ff00ff00, 0xf00ff00ff00ff00f )
  TEST_AMO( 43, amoand.d,  ld, 0xff00ff00ff00ff00, 0x0f0f0f0f0f0f0f0f, 0xff00ff00ff00ff00, 0x0f000f000f000f00 )
  TEST_AMO( 44, amoor.d,   ld, 0xff00ff00ff00ff00, 0x0f0f0f0f0f0f0f0f, 0xff00ff00ff00ff00, 0xff0fff0fff0fff0f )
  TEST_AMO( 45, amomin.d,  ld, 0x8000000000000000, 1, 0x8000000000000000, 0x8000000000000000 )
  TEST_AMO( 46, amomax.d,  ld, 0x8000000000000000, 1, 0x8000000000000000, 1 )
  TEST_AMO( 47, amominu.d, ld, 0x8000000000000000, 1, 0x8000000000000000, 1 )
  TEST_AMO( 48, amomaxu.d, ld, 0x8000000000000000, 1, 0x8000000000000000, 0x8000000000000000 )
  /* word AMOs on RV64: sign-extended result, only the low word changes */
  TEST_AMO( 49, amomaxu.w, ld, 0x1111111180000000, 1, 0xffffffff80000000, 0x1111111180000000 )
  TEST_AMO( 50, amoadd.w,  ld, 0x11111111ffffffff, 1, 0xffffffffffffffff, 0x1111111100000000 )
  TEST_AMO( 51, amomin.w,  ld, 0x2222222200000001, 0x00000000ffffffff, 0x0000000000000001, 0x22222222ffffffff )
  TEST_CASE( 52, x15, 0, la x2, amo_dat; li x1, 41; sd x1, 0(x2); lr.d x14, (x2); \
             addi x14, x14, 1; sc.d x15, x14, (x2) )
  TEST_CASE( 53, x13, 42, ld x13, 0(x2) )
  TEST_CASE( 54, x13, 42, li x1, 99; sc.d x15, x1, (x2); ld x13, 0(x2) )
test_55:
  li TESTNUM, 55
  beqz x15, fail
  /* lr.w sign-extends */
  TEST_CASE( 56, x14, 0xffffffff80000000, la x2, amo_dat; li x1, 0x80000000; sw x1, 0(x2); lr.w x14, (x2) )
#endif

  TEST_PASSFAIL
RVTEST_CODE_END

  .data
  .align 4
amo_dat: .dword 0, 0, 0, 0
