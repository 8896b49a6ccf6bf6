//! The guest heap: from the end of `.bss` (`__heap_start`) to `__heap_end` (HEAP_LIMIT), a
//! NOBITS section so every ELF-faithful executor maps it.

#[cfg(not(feature = "heap-embedded-alloc"))]
mod bump {
    use core::alloc::{GlobalAlloc, Layout};
    use core::cell::Cell;

    extern "C" {
        static mut __heap_start: u8;
        static mut __heap_end: u8;
    }

    /// Never frees, except that the most recent allocation can grow or shrink in place (a
    /// growing `Vec` costs no copies). Single hart, no interrupts: plain cells suffice.
    struct Bump {
        next: Cell<usize>,
        last: Cell<usize>,
    }

    // SAFETY: there is exactly one hart and no interrupts, so no concurrent access exists.
    unsafe impl Sync for Bump {}

    impl Bump {
        fn bounds(&self) -> (usize, usize) {
            // SAFETY: taking the addresses of linker-script symbols; nothing is read.
            (core::ptr::addr_of!(__heap_start) as usize, core::ptr::addr_of!(__heap_end) as usize)
        }
    }

    unsafe impl GlobalAlloc for Bump {
        unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
            let (start, end) = self.bounds();
            let next = if self.next.get() == 0 { start } else { self.next.get() };
            let Some(addr) = next.checked_add(layout.align() - 1).map(|a| a & !(layout.align() - 1)) else {
                return core::ptr::null_mut();
            };
            match addr.checked_add(layout.size()) {
                Some(new_next) if new_next <= end => {
                    self.next.set(new_next);
                    self.last.set(addr);
                    addr as *mut u8
                }
                _ => core::ptr::null_mut(),
            }
        }

        unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
            // Free only the most recent allocation.
            if ptr as usize == self.last.get() {
                let _ = layout;
                self.next.set(ptr as usize);
                self.last.set(0);
            }
        }

        unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
            let (_, end) = self.bounds();
            if ptr as usize == self.last.get() {
                if let Some(new_next) = (ptr as usize).checked_add(new_size) {
                    if new_next <= end {
                        self.next.set(new_next);
                        return ptr;
                    }
                }
                return core::ptr::null_mut();
            }
            // SAFETY: the caller's contract for `realloc` (valid ptr/layout, non-zero size).
            unsafe {
                let new = self.alloc(Layout::from_size_align_unchecked(new_size, layout.align()));
                if !new.is_null() {
                    core::ptr::copy_nonoverlapping(ptr, new, layout.size().min(new_size));
                }
                new
            }
        }
    }

    #[global_allocator]
    static HEAP: Bump = Bump { next: Cell::new(0), last: Cell::new(0) };

    /// Called by `_start` before `main`; the bump allocator needs no set-up.
    #[no_mangle]
    extern "C" fn __rvjit_heap_init() {}
}

#[cfg(feature = "heap-embedded-alloc")]
mod llff {
    use embedded_alloc::LlffHeap;

    extern "C" {
        static mut __heap_start: u8;
        static mut __heap_end: u8;
    }

    #[global_allocator]
    static HEAP: LlffHeap = LlffHeap::empty();

    /// Called by `_start` through `__rvjit_heap_init` before `main`.
    #[no_mangle]
    extern "C" fn __rvjit_heap_init() {
        // SAFETY: called once before any allocation; the range is the linker's heap section.
        unsafe {
            let start = core::ptr::addr_of_mut!(__heap_start) as usize;
            let end = core::ptr::addr_of_mut!(__heap_end) as usize;
            HEAP.init(start, end - start);
        }
    }
}
