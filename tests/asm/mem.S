/* Loads and stores of every width, sign and zero extension, positive and negative offsets. */
#include "test_macros.h"
RVTEST_CODE_BEGIN

  TEST_LD_OP( 2,  lb,  0xffffffffffffffff, 0,  tdat_b )
  TEST_LD_OP( 3,  lb,  0x0000000000000000, 1,  tdat_b )
  TEST_LD_OP( 4,  lb,  0xfffffffffffffff0, 2,  tdat_b )
  TEST_LD_OP( 5,  lb,  0x000000000000000f, 3,  tdat_b )
  TEST_LD_OP( 6,  lb,  0xffffffffffffffff, -3, tdat_b + 3 )
  TEST_LD_OP( 7,  lbu, 0x00000000000000ff, 0,  tdat_b )
  TEST_LD_OP( 8,  lbu, 0x00000000000000f0, 2,  tdat_b )
  TEST_LD_OP( 9,  lbu, 0x000000000000000f, -1, tdat_b + 4 )
  TEST_LD_OP( 10, lh,  0x00000000000000ff, 0,  tdat_h )
  TEST_LD_OP( 11, lh,  0xffffffffffffff00, 2,  tdat_h )
  TEST_LD_OP( 12, lh,  0x0000000000000ff0, 4,  tdat_h )
  TEST_LD_OP( 13, lh,  0xfffffffffffff00f, -2, tdat_h + 8 )
  TEST_LD_OP( 14, lhu, 0x00000000000000ff, 0,  tdat_h )
  TEST_LD_OP( 15, lhu, 0x000000000000ff00, 2,  tdat_h )
  TEST_LD_OP( 16, lhu, 0x000000000000f00f, -2, tdat_h + 8 )
  TEST_LD_OP( 17, lw,  0x0000000000ff00ff, 0,  tdat_w )
  TEST_LD_OP( 18, lw,  0xffffffffff00ff00, 4,  tdat_w )
  TEST_LD_OP( 19, lw,  0x000000000ff00ff0, 8,  tdat_w )
  TEST_LD_OP( 20, lw,  0xfffffffff00ff00f, -4, tdat_w + 16 )

  TEST_ST_OP( 30, lb,  sb,  0xffffffffffffffaa, 0,  sdat )
  TEST_ST_OP( 31, lb,  sb,  0x0000000000000000, 1,  sdat )
  TEST_ST_OP( 32, lbu, sb,  0x00000000000000a0, -1, sdat + 3 )
  TEST_ST_OP( 33, lh,  sh,  0xffffffffffffaaaa, 0,  sdat )
  TEST_ST_OP( 34, lhu, sh,  0x000000000000a00a, 2,  sdat )
  TEST_ST_OP( 35, lh,  sh,  0x0000000000000aa0, -2, sdat + 8 )
  TEST_ST_OP( 36, lw,  sw,  0xffffffffaa00aa00, 0,  sdat )
  TEST_ST_OP( 37, lw,  sw,  0x000000000aa00aa0, 4,  sdat )
  TEST_ST_OP( 38, lw,  sw,  0xffffffffa00aa00a, -4, sdat + 16 )

  /* A byte store touches exactly one byte. */
  TEST_CASE( 40, x14, 0x000000001234ab78, \
    la x2, sdat; li x1, 0x12345678; sw x1, 0(x2); li x13, 0xab; sb x13, 1(x2); lw x14, 0(x2) )
  /* A halfword store touches exactly two bytes. */
  TEST_CASE( 41, x14, 0x00000000beef5678, \
    la x2, sdat; li x1, 0x12345678; sw x1, 0(x2); li x13, 0xbeef; sh x13, 2(x2); lwu_or_lw x14, 0(x2) )
  /* Little-endian byte order. */
  TEST_CASE( 42, x14, 0x34, la x2, sdat; li x1, 0x12345678; sw x1, 0(x2); lbu x14, 2(x2) )
  /* A misaligned word load (allowed by default). */
  TEST_CASE( 43, x14, 0x00000000cdef5678, \
    la x2, sdat; li x1, 0x56781234; sw x1, 0(x2); li x1, 0x9abccdef; sw x1, 4(x2); lwu_or_lw x14, 2(x2) )

#if __riscv_xlen == 64
  TEST_LD_OP( 50, ld,  0x00ff00ff00ff00ff, 0,  tdat_d )
  TEST_LD_OP( 51, ld,  0xff00ff00ff00ff00, 8,  tdat_d )
  TEST_LD_OP( 52, ld,  0xff00ff00ff00ff00, -8, tdat_d + 16 )
  TEST_LD_OP( 53, lwu, 0x00000000ff00ff00, 4,  tdat_w )
  TEST_LD_OP( 54, lwu, 0x00000000f00ff00f, -4, tdat_w + 16 )
  TEST_LD_OP( 55, lwu, 0x0000000000ff00ff, 0,  tdat_w )
  TEST_ST_OP( 56, ld,  sd,  0x00aa00aa00aa00aa, 0,  sdat )
  TEST_ST_OP( 57, ld,  sd,  0xaa00aa00aa00aa00, 8,  sdat )
  TEST_ST_OP( 58, ld,  sd,  0xa00aa00aa00aa00a, -8, sdat + 16 )
  TEST_ST_OP( 59, lwu, sw,  0x00000000aa00aa00, 4,  sdat )
#endif

  /* Stores to x0-based registers do not corrupt neighbours. */
  TEST_CASE( 60, x14, 0x5a, la x2, sdat; li x1, 0x5a; sb x1, 7(x2); sb x0, 6(x2); lbu x14, 7(x2) )

  TEST_PASSFAIL
RVTEST_CODE_END

  .data
  .align 4
tdat_b: .byte 0xff, 0x00, 0xf0, 0x0f
  .align 4
tdat_h: .half 0x00ff, 0xff00, 0x0ff0, 0xf00f
  .align 4
tdat_w: .word 0x00ff00ff, 0xff00ff00, 0x0ff00ff0, 0xf00ff00f
  .align 4
tdat_d: .dword 0x00ff00ff00ff00ff, 0xff00ff00ff00ff00
  .align 4
sdat: .zero 32
