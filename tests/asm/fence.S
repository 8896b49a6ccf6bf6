/* FENCE and FENCE.I are no-ops for a single hart with immutable code: every form executes,
 * retires, and memory keeps program order. */
#include "test_macros.h"
RVTEST_CODE_BEGIN

  TEST_CASE( 2, x14, 0x55, la x2, fdat; li x1, 0x55; sw x1, 0(x2); fence; lw x14, 0(x2) )
  TEST_CASE( 3, x14, 0x66, li x1, 0x66; sw x1, 0(x2); fence rw, rw; lw x14, 0(x2) )
  TEST_CASE( 4, x14, 0x77, li x1, 0x77; sw x1, 0(x2); fence w, r; lw x14, 0(x2) )
  TEST_CASE( 5, x14, 0x88, li x1, 0x88; sw x1, 0(x2); fence iorw, iorw; lw x14, 0(x2) )
  TEST_CASE( 6, x14, 0x99, li x1, 0x99; sw x1, 0(x2); fence.tso; lw x14, 0(x2) )
  TEST_CASE( 7, x14, 0xaa, li x1, 0xaa; sw x1, 0(x2); fence.i; lw x14, 0(x2) )
  TEST_CASE( 8, x14, 0xbb, li x1, 0xbb; sw x1, 0(x2); fence r, w; fence o, i; lw x14, 0(x2) )
  /* a fence between a loop's instructions changes nothing */
  TEST_CASE( 9, x13, 0, li x13, 4; 1: fence; addi x13, x13, -1; fence.i; bnez x13, 1b )

  TEST_PASSFAIL
RVTEST_CODE_END

  .data
  .align 4
fdat: .word 0, 0
