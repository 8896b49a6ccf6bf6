/* Conditional branches (taken and not taken, forward and backward), jal and jalr. */
#include "test_macros.h"
RVTEST_CODE_BEGIN

  TEST_BR2_OP_TAKEN(    2, beq,  0,  0 )
  TEST_BR2_OP_TAKEN(    3, beq, -1, -1 )
  TEST_BR2_OP_NOTTAKEN( 4, beq,  0,  1 )
  TEST_BR2_OP_NOTTAKEN( 5, beq, -1,  1 )
  TEST_BR2_OP_TAKEN(    6, bne,  0,  1 )
  TEST_BR2_OP_TAKEN(    7, bne, -1,  1 )
  TEST_BR2_OP_NOTTAKEN( 8, bne,  0,  0 )
  TEST_BR2_OP_NOTTAKEN( 9, bne, -1, -1 )
  TEST_BR2_OP_TAKEN(   10, blt,  0,  1 )
  TEST_BR2_OP_TAKEN(   11, blt, -1,  1 )
  TEST_BR2_OP_TAKEN(   12, blt, -2, -1 )
  TEST_BR2_OP_NOTTAKEN(13, blt,  1,  0 )
  TEST_BR2_OP_NOTTAKEN(14, blt,  1, -1 )
  TEST_BR2_OP_NOTTAKEN(15, blt,  5,  5 )
  TEST_BR2_OP_TAKEN(   16, bge,  0,  0 )
  TEST_BR2_OP_TAKEN(   17, bge,  1, -1 )
  TEST_BR2_OP_TAKEN(   18, bge, -1, -2 )
  TEST_BR2_OP_NOTTAKEN(19, bge, -1,  1 )
  TEST_BR2_OP_NOTTAKEN(20, bge, -2, -1 )
  TEST_BR2_OP_TAKEN(   21, bltu, 0x00000000, 0x00000001 )
  TEST_BR2_OP_TAKEN(   22, bltu, 0x00000001, 0xffffffffffffffff )
  TEST_BR2_OP_TAKEN(   23, bltu, 0x000000007fffffff, 0xffffffff80000000 )
  TEST_BR2_OP_NOTTAKEN(24, bltu, 0xffffffffffffffff, 0x00000001 )
  TEST_BR2_OP_NOTTAKEN(25, bltu, 0x00000001, 0x00000001 )
  TEST_BR2_OP_TAKEN(   26, bgeu, 0xffffffffffffffff, 0x00000000 )
  TEST_BR2_OP_TAKEN(   27, bgeu, 0x00000001, 0x00000001 )
  TEST_BR2_OP_TAKEN(   28, bgeu, 0xffffffff80000000, 0x000000007fffffff )
  TEST_BR2_OP_NOTTAKEN(29, bgeu, 0x00000000, 0x00000001 )
  TEST_BR2_OP_NOTTAKEN(30, bgeu, 0x000000007fffffff, 0xffffffff80000000 )

  /* jal: link = address of the next instruction, target reached. */
test_40:
  li TESTNUM, 40
  li ra, 0
  jal x4, 1f
2:
  j fail
1:
  la x5, 2b
  bne x4, x5, fail

  /* jal with rd = x0 writes nothing; a long backward jump. */
test_41:
  li TESTNUM, 41
  li x2, 1
  jal x0, 3f
4:
  addi x2, x2, 1
  jal x0, 5f
3:
  jal x0, 4b
5:
  li EXPECT, 2
  bne x2, EXPECT, fail

  /* jalr: target = (rs1 + imm) & ~1, link written after reading rs1 (rd == rs1). */
test_42:
  li TESTNUM, 42
  la x6, 6f
  jalr x7, 0(x6)
7:
  j fail
6:
  la x8, 7b
  bne x7, x8, fail
test_43:
  li TESTNUM, 43
  la x6, 8f - 3
  jalr x6, 3(x6)
9:
  j fail
8:
  la x8, 9b
  bne x6, x8, fail
test_44:
  li TESTNUM, 44
  la x6, 10f + 1          /* odd: the low bit is cleared */
  jalr x0, 0(x6)
  j fail
10:
test_45:
  li TESTNUM, 45
  la x6, 11f + 16
  jalr x1, -16(x6)
  j fail
11:

  /* A call/return pair through ra. */
test_46:
  li TESTNUM, 46
  li a0, 5
  call double_it
  li EXPECT, 10
  bne a0, EXPECT, fail

  TEST_PASSFAIL

double_it:
  add a0, a0, a0
  ret
RVTEST_CODE_END
