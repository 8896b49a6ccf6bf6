//! `__sync_*` libcalls for targets without the A extension (feature `sync-libcalls`).
//!
//! With `+forced-atomics` (riscv32im / riscv64im) LLVM lowers atomic loads and stores to plain
//! `l*`/`s*` (+ `fence`) and every read-modify-write or compare-and-swap to a call of
//! `__sync_<op>_<size>`. compiler-builtins provides these only for ARM, so they are here. The
//! guest runs on one hart with no interrupts, so a plain load/op/store is atomic.
//!
//! Only useful together with the `target_has_atomic` cfgs the target spec withholds (it says
//! `"atomic-cas": false`): build with
//! `-A explicit_builtin_cfgs_in_flags --cfg target_has_atomic --cfg target_has_atomic="8"
//! ... --cfg target_has_atomic="ptr"` and `-Zbuild-std=core,alloc`, so core/alloc get CAS-based
//! atomics and `alloc::sync::Arc`.

use core::ptr::{read_volatile, write_volatile};

macro_rules! rmw {
    ($ty:ty: $($name:ident = |$a:ident, $b:ident| $e:expr;)*) => {$(
        #[no_mangle]
        pub unsafe extern "C" fn $name(p: *mut $ty, $b: $ty) -> $ty {
            // SAFETY: the caller passes a valid, aligned pointer; one hart, no interrupts.
            unsafe {
                let $a = read_volatile(p);
                write_volatile(p, $e);
                $a
            }
        }
    )*};
}

macro_rules! sync {
    ($u:ty, $i:ty, $cas:ident, $xchg:ident, $add:ident, $sub:ident, $and:ident, $or:ident,
     $xor:ident, $nand:ident, $max:ident, $min:ident, $umax:ident, $umin:ident) => {
        #[no_mangle]
        pub unsafe extern "C" fn $cas(p: *mut $u, expected: $u, new: $u) -> $u {
            // SAFETY: as in `rmw!`.
            unsafe {
                let old = read_volatile(p);
                if old == expected {
                    write_volatile(p, new);
                }
                old
            }
        }
        rmw! { $u:
            $xchg = |a, b| b;
            $add = |a, b| a.wrapping_add(b);
            $sub = |a, b| a.wrapping_sub(b);
            $and = |a, b| a & b;
            $or = |a, b| a | b;
            $xor = |a, b| a ^ b;
            $nand = |a, b| !(a & b);
            $umax = |a, b| if a > b { a } else { b };
            $umin = |a, b| if a < b { a } else { b };
        }
        rmw! { $i:
            $max = |a, b| if a > b { a } else { b };
            $min = |a, b| if a < b { a } else { b };
        }
    };
}

sync!(u8, i8, __sync_val_compare_and_swap_1, __sync_lock_test_and_set_1, __sync_fetch_and_add_1,
    __sync_fetch_and_sub_1, __sync_fetch_and_and_1, __sync_fetch_and_or_1, __sync_fetch_and_xor_1,
    __sync_fetch_and_nand_1, __sync_fetch_and_max_1, __sync_fetch_and_min_1,
    __sync_fetch_and_umax_1, __sync_fetch_and_umin_1);
sync!(u16, i16, __sync_val_compare_and_swap_2, __sync_lock_test_and_set_2, __sync_fetch_and_add_2,
    __sync_fetch_and_sub_2, __sync_fetch_and_and_2, __sync_fetch_and_or_2, __sync_fetch_and_xor_2,
    __sync_fetch_and_nand_2, __sync_fetch_and_max_2, __sync_fetch_and_min_2,
    __sync_fetch_and_umax_2, __sync_fetch_and_umin_2);
sync!(u32, i32, __sync_val_compare_and_swap_4, __sync_lock_test_and_set_4, __sync_fetch_and_add_4,
    __sync_fetch_and_sub_4, __sync_fetch_and_and_4, __sync_fetch_and_or_4, __sync_fetch_and_xor_4,
    __sync_fetch_and_nand_4, __sync_fetch_and_max_4, __sync_fetch_and_min_4,
    __sync_fetch_and_umax_4, __sync_fetch_and_umin_4);
#[cfg(target_pointer_width = "64")]
sync!(u64, i64, __sync_val_compare_and_swap_8, __sync_lock_test_and_set_8, __sync_fetch_and_add_8,
    __sync_fetch_and_sub_8, __sync_fetch_and_and_8, __sync_fetch_and_or_8, __sync_fetch_and_xor_8,
    __sync_fetch_and_nand_8, __sync_fetch_and_max_8, __sync_fetch_and_min_8,
    __sync_fetch_and_umax_8, __sync_fetch_and_umin_8);
