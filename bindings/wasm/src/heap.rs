//! The module's global allocator: power-of-two size classes over `memory.grow`.
//!
//! The module allocates few, mostly long-lived blocks (each connection's input and
//! output buffers, handshake strings, arguments copied in by the glue), so a general
//! allocator such as dlmalloc (a tenth of the module) buys nothing here. Every block is
//! a power of two of at least [`MIN_BLOCK`] bytes. A freed block goes to the free list of
//! its size and is reused by the next request of that size; fresh blocks are cut from
//! the end of memory, which grows by whole pages when needed. Blocks are never split or
//! merged: a buffer that grows by doubling (a `Vec`) moves through the classes and
//! leaves one block of each size behind for the next connection.
//!
//! Allocation and freeing are a few instructions, with no search. The price is up to
//! half of a block unused (as with a doubling `Vec`), and memory that held many small
//! blocks is not reused for big ones; linear memory never shrinks anyway.
//!
//! wasm32 here has no threads (the crate refuses `atomics`), so the state needs no lock.

use core::alloc::{GlobalAlloc, Layout};
use core::arch::wasm32::memory_grow;
use core::cell::Cell;
use core::ptr;

#[cfg(target_feature = "atomics")]
compile_error!("the allocator assumes a single thread: build without the atomics feature");

/// The smallest block: room for the free-list link, and the alignment of every block.
const MIN_BLOCK: usize = 16;
const PAGE: usize = 65536;
/// Size classes 2^0 .. 2^31; the first four are never used.
const CLASSES: usize = 32;

/// The allocator's state: the unused end of memory and one free list per size class.
pub struct Heap {
    /// `[next, end)` is memory not handed out yet.
    next: Cell<usize>,
    end: Cell<usize>,
    /// The first free block of each size class (0 for none); each free block holds the
    /// address of the next in its first four bytes.
    free: [Cell<usize>; CLASSES],
}

// SAFETY: wasm32 without the atomics feature (checked above) runs one thread, so the
// cells are never accessed concurrently.
unsafe impl Sync for Heap {}

impl Heap {
    /// An empty heap: the first allocation grows memory.
    pub const fn new() -> Self {
        Self {
            next: Cell::new(0),
            end: Cell::new(0),
            free: [const { Cell::new(0) }; CLASSES],
        }
    }

    /// The size class (log2 of the block size) for a layout, `None` when too large.
    #[inline]
    fn class(layout: &Layout) -> Option<usize> {
        let size = layout.size().max(layout.align()).max(MIN_BLOCK);
        let block = size.checked_next_power_of_two()?;
        Some(block.trailing_zeros() as usize)
    }

    /// Cuts a fresh block of `block` bytes aligned to `align` from the end of memory.
    #[cold]
    fn fresh(&self, block: usize, align: usize) -> *mut u8 {
        let align = align.max(MIN_BLOCK);
        let mut start = match self.next.get().checked_add(align - 1) {
            Some(n) => n & !(align - 1),
            None => return ptr::null_mut(),
        };
        let Some(mut stop) = start.checked_add(block) else {
            return ptr::null_mut();
        };
        if stop > self.end.get() {
            // Grow by what is missing beyond the current end (or the whole block with
            // slack for alignment when memory was grown by someone else meanwhile).
            let want = stop - self.end.get().min(start) + align;
            let pages = want.div_ceil(PAGE);
            let old = memory_grow(0, pages);
            if old == usize::MAX {
                return ptr::null_mut();
            }
            let base = old * PAGE;
            if base != self.end.get() {
                // Not contiguous with the old end: start over at the new memory.
                start = (base + align - 1) & !(align - 1);
                stop = start + block;
            }
            self.end.set(base + pages * PAGE);
        }
        self.next.set(stop);
        start as *mut u8
    }
}

impl Default for Heap {
    fn default() -> Self {
        Self::new()
    }
}

// SAFETY: every block handed out is at least `layout.size()` bytes, aligned to
// `layout.align()`, and belongs to no other live allocation: it comes either fresh from
// memory no block ever used or from the free list of its class, which holds only blocks
// given back through `dealloc` with a layout of that same class.
unsafe impl GlobalAlloc for Heap {
    // Out of line: every buffer and every argument the glue copies in is allocated and
    // freed here, and a copy at each of those places would cost kilobytes.
    #[inline(never)]
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let Some(class) = Self::class(&layout) else {
            return ptr::null_mut();
        };
        let list = &self.free[class];
        let head = list.get();
        // A block in a list is aligned to its size or to 16 bytes, whichever is less,
        // unless a request with a larger alignment cut it; check before reusing.
        if head != 0 && head & (layout.align() - 1) == 0 {
            // SAFETY: `head` is a free block of this class (at least 16 bytes, aligned
            // to 16), whose first four bytes hold the next free block.
            list.set(unsafe { (head as *const usize).read() });
            return head as *mut u8;
        }
        self.fresh(1 << class, layout.align())
    }

    #[inline(never)]
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // The layout is the one the block was allocated with, so the class matches.
        if let Some(class) = Self::class(&layout) {
            let list = &self.free[class];
            // SAFETY: the block is ours, at least 16 bytes, aligned to 16 and no longer
            // in use: its first four bytes can hold the link.
            unsafe { (ptr as *mut usize).write(list.get()) };
            list.set(ptr as usize);
        }
    }

    #[inline]
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: the caller guarantees `new_size`, rounded up to `layout.align()`,
        // does not overflow `isize`.
        let new_layout = unsafe { Layout::from_size_align_unchecked(new_size, layout.align()) };
        if Self::class(&layout) == Self::class(&new_layout) {
            // The block already has room for the new size.
            return ptr;
        }
        // SAFETY: as for `alloc`; `new_layout` has a non-zero size (the caller's
        // contract for realloc).
        let new = unsafe { self.alloc(new_layout) };
        if !new.is_null() {
            // SAFETY: both blocks hold at least the smaller size and are distinct
            // (the old one is still allocated while the new one is taken).
            unsafe {
                ptr::copy_nonoverlapping(ptr, new, layout.size().min(new_size));
                self.dealloc(ptr, layout);
            }
        }
        new
    }
}
