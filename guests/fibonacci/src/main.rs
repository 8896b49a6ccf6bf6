//! fib(n) mod 2^64 by a plain loop: n (u32) is the first input frame. Prints `fib(n) = v` and
//! commits `v` (u64, postcard). n = 10_000_000 makes a decent benchmark.
#![cfg_attr(target_os = "none", no_std, no_main)]

use runtime_abi::{commit, entry, println, read};

entry!(main);

fn fib(n: u32) -> u64 {
    let (mut a, mut b) = (0u64, 1u64);
    for _ in 0..n {
        let next = a.wrapping_add(b);
        a = b;
        // Keep the loop a loop: stop LLVM from turning it into a closed form or vectorising it.
        b = core::hint::black_box(next);
    }
    a
}

fn main() {
    let n: u32 = read();
    let v = fib(n);
    println!("fib({n}) = {v}");
    commit(&v);
}
