/* C extension: every compressed form rvjit supports, written explicitly as c.* so the
 * assembler cannot choose otherwise (the harness also checks objdump shows them). Built only
 * with C enabled. c.ebreak sits in dead code: it would stop the run. */
#include "test_macros.h"
RVTEST_CODE_BEGIN
  la sp, cstack            /* a stack of our own, in .data */

  TEST_CASE( 2,  x10, 16,   c.addi4spn a0, sp, 16; sub a0, a0, sp )
  TEST_CASE( 3,  x10, 1020, c.addi4spn a0, sp, 1020; sub a0, a0, sp )
  TEST_CASE( 4,  x10, 0xffffffff87654321, la a1, cdat; c.lw a0, 4(a1) )
  TEST_CASE( 5,  x12, 0x0000000012345678, la a1, cdat; li a0, 0x12345678; c.sw a0, 8(a1); lw a2, 8(a1) )
  TEST_CASE( 6,  x10, 7,    li a0, 7; c.nop )
  TEST_CASE( 7,  x10, 4,    li a0, 7; c.addi a0, -3 )
  TEST_CASE( 8,  x10, 38,   li a0, 7; c.addi a0, 31 )
  TEST_CASE( 9,  x10, -1,   c.li a0, -1 )
  TEST_CASE( 10, x10, 31,   c.li a0, 31 )
  TEST_CASE( 11, x10, -32,  c.li a0, -32 )
  TEST_CASE( 12, x10, -64,  mv a1, sp; c.addi16sp sp, -64; sub a0, sp, a1; c.addi16sp sp, 64 )
  TEST_CASE( 13, x10, 496,  mv a1, sp; c.addi16sp sp, 496; sub a0, sp, a1; c.addi16sp sp, -496 )
  TEST_CASE( 14, x10, 0xfffffffffffff000, c.lui a0, 0xfffff )
  TEST_CASE( 15, x10, 0x1f000, c.lui a0, 0x1f )
  TEST_CASE( 16, x10, 0xfffffffffffe0000, c.lui a0, 0xfffe0 )
  TEST_CASE( 17, x8,  0x0000000010000000, li s0, 0x80000000; c.srli s0, 3 )
  TEST_CASE( 18, x8,  0xfffffffff0000000, li s0, MASK_XLEN(0xffffffff80000000); c.srai s0, 3 )
  TEST_CASE( 19, x9,  0x00000000000000f0, li s1, 0xff; c.andi s1, -16 )
  TEST_CASE( 20, x9,  0x00000000000000ff, li s1, 0xff; c.andi s1, -1 )
  TEST_CASE( 21, x8,  5,    li s0, 12; li s1, 7; c.sub s0, s1 )
  TEST_CASE( 22, x8,  0xf0, li s0, 0xff; li s1, 0x0f; c.xor s0, s1 )
  TEST_CASE( 23, x8,  0xff, li s0, 0xf0; li s1, 0x0f; c.or s0, s1 )
  TEST_CASE( 24, x8,  0x0f, li s0, 0xff; li s1, 0x0f; c.and s0, s1 )
  TEST_CASE( 25, x10, 24,   li a0, 3; c.slli a0, 3 )
  TEST_CASE( 26, x10, 0xffffffff87654321, c.lwsp a0, 4(sp) )
  TEST_CASE( 27, x11, 0x0000000055aa55aa, li a0, 0x55aa55aa; c.swsp a0, 12(sp); lw a1, 12(sp) )
  TEST_CASE( 28, x10, 9,    li a1, 9; c.mv a0, a1 )
  TEST_CASE( 29, x10, 12,   li a0, 3; li a1, 9; c.add a0, a1 )

  /* c.j forward and backward */
test_30:
  li TESTNUM, 30
  c.j 2f
1:
  c.j 3f
2:
  c.j 1b
  j fail
3:
  /* c.beqz / c.bnez taken and not taken */
test_31:
  li TESTNUM, 31
  li s0, 0
  li s1, 1
  c.beqz s1, 4f
  c.bnez s0, 4f
  c.beqz s0, 5f
4:
  j fail
5:
  c.bnez s1, 6f
  j fail
6:
  /* c.jr / c.jalr: jump through a register, link = next instruction */
test_32:
  li TESTNUM, 32
  la a0, 7f
  c.jr a0
  j fail
7:
  la a0, cleaf
  li a1, 0
  c.jalr a0
8:
  la a2, 8b
  bne ra, a2, fail
  li EXPECT, 1
  bne a1, EXPECT, fail

#if __riscv_xlen == 32
  /* c.jal (RV32 only) */
test_33:
  li TESTNUM, 33
  li a1, 0
  c.jal cleaf
9:
  la a2, 9b
  bne ra, a2, fail
  li EXPECT, 1
  bne a1, EXPECT, fail
#else
  TEST_CASE( 40, x10, 0x0123456789abcdef, la a1, cdat; c.ld a0, 16(a1) )
  TEST_CASE( 41, x12, 0x0fedcba987654321, la a1, cdat; li a0, 0x0fedcba987654321; c.sd a0, 24(a1); ld a2, 24(a1) )
  TEST_CASE( 42, x10, 0xffffffff80000000, li a0, 0x7fffffff; c.addiw a0, 1 )
  TEST_CASE( 43, x10, 0xffffffffffffffff, li a0, 0x00000000ffffffff; c.addiw a0, 0 )
  TEST_CASE( 44, x8,  0x000000007fffffff, li s0, 0xffffffff80000000; li s1, 1; c.subw s0, s1 )
  TEST_CASE( 45, x8,  0xffffffff80000000, li s0, 0x000000007fffffff; li s1, 1; c.addw s0, s1 )
  TEST_CASE( 46, x10, 0x0123456789abcdef, c.ldsp a0, 16(sp) )
  TEST_CASE( 47, x11, 0x1122334455667788, li a0, 0x1122334455667788; c.sdsp a0, 24(sp); ld a1, 24(sp) )
  TEST_CASE( 48, x10, 0x8000000000000000, li a0, 1; c.slli a0, 63 )
  TEST_CASE( 49, x8,  0x0000000000000001, li s0, 0x8000000000000000; c.srli s0, 63 )
  TEST_CASE( 50, x8,  0xffffffff80000000, li s0, 0x8000000000000000; c.srai s0, 32 )
#endif

  TEST_PASSFAIL

cleaf:
  c.li a1, 1
  c.jr ra
  c.ebreak                 /* never reached */
RVTEST_CODE_END

  .data
  .align 4
cstack:
cdat:
  .word 0x00000000, 0x87654321, 0, 0
  .dword 0x0123456789abcdef, 0
  .zero 1024
