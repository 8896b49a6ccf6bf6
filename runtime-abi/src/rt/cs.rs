//! Single-hart `critical-section` implementation: there are no interrupts and one hart, so
//! acquire and release have nothing to do (lets portable-atomic and embedded-alloc work on
//! targets without the A extension).

struct SingleHart;
critical_section::set_impl!(SingleHart);

// SAFETY: one hart and no interrupts: nothing can run concurrently with a critical section.
unsafe impl critical_section::Impl for SingleHart {
    unsafe fn acquire() -> critical_section::RawRestoreState {
        false
    }
    unsafe fn release(_restore: critical_section::RawRestoreState) {}
}
