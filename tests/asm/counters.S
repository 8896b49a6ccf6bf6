/* Zicsr counter reads. Under rvjit every counter reads the number of instructions retired
 * before the reading instruction, so a known instruction sequence between two reads gives an
 * exact difference. qemu-user's counters tick with host time, so the qemu build
 * (-DUNDER_QEMU) only checks that the reads work and do not go backwards. */
#include "test_macros.h"

#ifdef UNDER_QEMU
#define CHECK_DIFF(testnum, exact) \
test_ ## testnum: li TESTNUM, testnum; bltu x2, x1, fail;
#else
#define CHECK_DIFF(testnum, exact) \
    TEST_CASE(testnum, x14, exact, sub x14, x2, x1)
#endif

RVTEST_CODE_BEGIN

  /* back-to-back reads: the first read retires in between */
  rdcycle x1
  rdcycle x2
  CHECK_DIFF( 2, 1 )
  /* five instructions between the reads: 1 + 5 */
  rdinstret x1
  nop; nop; nop; nop; nop
  rdinstret x2
  CHECK_DIFF( 3, 6 )
  /* cycle, instret and time are the same count */
  rdcycle x1
  rdinstret x2
  CHECK_DIFF( 4, 1 )
  rdinstret x1
  rdtime x2
  CHECK_DIFF( 5, 1 )
  /* a loop: 1 (read) + 1 (li) + 10 * 2 (addi, bnez) */
  rdcycle x1
  li x13, 10
1:
  addi x13, x13, -1
  bnez x13, 1b
  rdcycle x2
  CHECK_DIFF( 6, 22 )
  /* a taken branch, a jump and a call count one each */
  rdinstret x5              /* not x1: the call below links into ra = x1 */
  beq x0, x0, 2f
  nop
2:
  jal x0, 3f
  nop
3:
  jal ra, leaf
  rdinstret x2
  mv x1, x5
  CHECK_DIFF( 7, 6 )   /* read, beq, jal, jal ra, leaf's addi and ret */
  /* every read form: csrrs, csrrc, csrrsi, csrrci with no write */
  csrrs x1, cycle, x0
  csrrc x2, cycle, x0
  CHECK_DIFF( 8, 1 )
  csrrsi x1, instret, 0
  csrrci x2, instret, 0
  CHECK_DIFF( 9, 1 )
  /* reading into x0 has no effect but retires */
  rdcycle x1
  csrrs x0, cycle, x0
  rdcycle x2
  CHECK_DIFF( 10, 2 )
#if __riscv_xlen == 32
  /* the high halves of a small count are 0 */
#ifndef UNDER_QEMU
  TEST_CASE( 11, x14, 0, rdcycleh x14 )
  TEST_CASE( 12, x14, 0, rdinstreth x14 )
  TEST_CASE( 13, x14, 0, rdtimeh x14 )
#else
  rdcycleh x14
  rdinstreth x14
  rdtimeh x14
#endif
#endif

  TEST_PASSFAIL

leaf:
  addi x0, x0, 0
  ret
RVTEST_CODE_END
