/* libmmtk: the inline fast paths: allocation and the write barrier.
 *
 * The first bytes of every mutator are the documented mmtk_mutator_head_t below: a VM or
 * a JIT may read and bump `default_bump` itself (that is what mmtk_alloc_fast() does) and
 * call mmtk_alloc_slow() when it is exhausted.  libmmtk takes every mutator's default
 * buffer back and resets it at each GC (mmtk_flush_mutator() keeps it), so a cached copy
 * is never valid across a safepoint: always go through the mutator.
 */
#ifndef MMTK_INLINE_H
#define MMTK_INLINE_H

#include <mmtk/config.h>
#include <mmtk/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/* A thread-local allocation buffer: [cursor, limit) is free.  {0, 0} or a limit below
 * the cursor (the precise_stress mode) makes every inline attempt fail.  Whoever bumps
 * the cursor keeps it a multiple of MMTK_MIN_ALIGNMENT. */
typedef struct mmtk_bump_pointer {
  uintptr_t cursor;
  uintptr_t limit;
} mmtk_bump_pointer_t;

/* mutator_head.flags */
#define MMTK_MUTATOR_POST_ALLOC_SLOW 0x1u /* default allocations need mmtk_post_alloc() */
#define MMTK_MUTATOR_WRITE_BARRIER 0x2u   /* reference stores need mmtk_object_reference_write() */
/* The unlog bit is in the object header, where log_bit_offset and log_bit_shift say
 * (a library whose head ends at log_bit_base never sets this flag). */
#define MMTK_MUTATOR_LOG_BIT_IN_HEADER 0x4u
/* Reference stores need mmtk_object_reference_write_pre() before them (a barrier that
 * acts before the store; no plan has one yet, and a destroyed mutator's head sets it). */
#define MMTK_MUTATOR_PRE_BARRIER 0x8u

/* The public head of every mmtk_mutator_t (ABI: fields are only ever appended). */
typedef struct mmtk_mutator_head {
  /* The bump pointer that serves MMTK_ALLOC_DEFAULT when the plan's default allocator is
   * a bump-pointer allocator; permanently {0, 0} otherwise. Offset 0. */
  mmtk_bump_pointer_t default_bump;
  /* Valid-object bit table for inline code, 0 when the VO bit is not maintained: the
   * bit of the object at address A is bit ((A >> 3) & 7) of the byte at
   * vo_bit_base + (A >> 6). */
  uintptr_t vo_bit_base;
  uint32_t flags; /* MMTK_MUTATOR_* */
  /* Largest request the inline path may bump into default_bump (bigger ones belong to
   * the large object space, and their post-alloc goes out of line); never above the
   * plan's largest non-LOS default request; 0 disables the inline path. */
  uint32_t max_inline_size;
  mmtk_t *mmtk;  /* the instance this mutator belongs to */
  void *tls;     /* the binding's thread pointer given to mmtk_bind_mutator() */
  /* The size-class free lists that serve MMTK_ALLOC_DEFAULT when the plan's default
   * allocator is a free-list allocator (MarkSweep); NULL otherwise.  Word 2c is the
   * first free cell of class c, whose cells hold 8 (c + 1) bytes, for
   * c < MMTK_INLINE_FREE_LIST_CLASSES (0: none in hand); the first word of a free cell
   * is the next one.  Word 2c + 1 belongs to libmmtk. */
  uintptr_t *free_lists;
  /* The unlog bits of the plan's object barrier (generational plans), for inline code;
   * 0 when the plan has no object barrier or the binding keeps the bit in the header.
   * The bit of the heap object at address A is bit ((A >> 3) & 7) of the byte at
   * log_bit_base + (A >> 6), as for vo_bit_base; 1 means the next store into the object
   * must go to mmtk_object_reference_write(). */
  uintptr_t log_bit_base;
  /* Valid when flags has MMTK_MUTATOR_LOG_BIT_IN_HEADER (the binding keeps the unlog bit
   * in the header and has no ref_to_header callback): the bit of the heap object at
   * address A is bit log_bit_shift of the byte at A + log_bit_offset. */
  int32_t log_bit_offset;
  uint32_t log_bit_shift;
  /* The instance's room of the heap range (mmtk_starting_heap_address() and its size):
   * the inline barrier reads the unlog bit only of objects inside it. */
  uintptr_t room_start;
  uintptr_t room_bytes;
} mmtk_mutator_head_t;

/* Largest size the inline path attempts (bigger requests go out of line). */
#define MMTK_INLINE_ALLOC_MAX ((size_t)1 << 20)
/* Size classes the inline free-list path serves: requests of up to 64 bytes. */
#define MMTK_INLINE_FREE_LIST_CLASSES 8

MMTK_EXTERN void *mmtk_alloc_slow(mmtk_mutator_t *mutator, size_t size, size_t align,
                                  size_t offset, mmtk_alloc_semantics_t semantics);
MMTK_EXTERN void mmtk_post_alloc(mmtk_mutator_t *mutator, mmtk_object_t object, size_t bytes,
                                 mmtk_alloc_semantics_t semantics);
MMTK_EXTERN void mmtk_object_reference_write(mmtk_mutator_t *mutator, mmtk_object_t src,
                                            mmtk_slot_t slot, mmtk_object_t target);
MMTK_EXTERN void mmtk_object_reference_write_pre(mmtk_mutator_t *mutator, mmtk_object_t src,
                                                mmtk_slot_t slot, mmtk_object_t target);
MMTK_EXTERN void mmtk_object_reference_write_post(mmtk_mutator_t *mutator, mmtk_object_t src,
                                                 mmtk_slot_t slot, mmtk_object_t target);

static inline mmtk_mutator_head_t *mmtk__head(mmtk_mutator_t *mutator) {
  return (mmtk_mutator_head_t *)(void *)mutator;
}

/* Allocate `size` bytes such that result + offset is a multiple of `align`.  Same
 * contract as mmtk_alloc(); the bump happens inline when it can. */
static inline MMTK_ALWAYS_INLINE void *mmtk_alloc_fast(mmtk_mutator_t *mutator, size_t size,
                                                       size_t align, size_t offset,
                                                       mmtk_alloc_semantics_t semantics) {
  size_t a = align < MMTK_MIN_ALIGNMENT ? MMTK_MIN_ALIGNMENT : align;
  if (MMTK_LIKELY(semantics == MMTK_ALLOC_DEFAULT &&
                  size - 1 < (size_t)mmtk__head(mutator)->max_inline_size &&
                  align - 1 < (size_t)MMTK_MAX_ALIGNMENT && (align & (align - 1)) == 0 && offset < a)) {
    mmtk_bump_pointer_t *bp = &mmtk__head(mutator)->default_bump;
    size_t bytes = (size + (MMTK_MIN_ALIGNMENT - 1)) & ~(size_t)(MMTK_MIN_ALIGNMENT - 1);
    /* The cursor is always a multiple of MMTK_MIN_ALIGNMENT, so the usual request
     * (align <= 8, offset 0; constants in practice) needs no rounding at all. */
    uintptr_t result = bp->cursor;
    if (a > MMTK_MIN_ALIGNMENT || offset != 0)
      result = ((result + offset + (a - 1)) & ~(uintptr_t)(a - 1)) - offset;
    uintptr_t end = result + bytes;
    if (offset % MMTK_MIN_ALIGNMENT != 0)
      end = (end + (MMTK_MIN_ALIGNMENT - 1)) & ~(uintptr_t)(MMTK_MIN_ALIGNMENT - 1);
    if (MMTK_LIKELY(end <= bp->limit)) {
      bp->cursor = end;
      return (void *)result;
    }
    /* A free-list plan: pop a cell of the size class and zero it. */
    uintptr_t *lists = mmtk__head(mutator)->free_lists;
    if (lists && size - 1 < 8 * MMTK_INLINE_FREE_LIST_CLASSES && a == MMTK_MIN_ALIGNMENT &&
        offset == 0) {
      size_t c = (size - 1) >> 3;
      uintptr_t *cell = (uintptr_t *)lists[2 * c];
      if (MMTK_LIKELY(cell != NULL)) {
        lists[2 * c] = cell[0];
        for (size_t i = 0; i <= c; i++) cell[i] = 0;
        return cell;
      }
    }
  }
  return mmtk_alloc_slow(mutator, size, align, offset, semantics);
}

/* Finish an allocation once the VM has initialised the object's header: same contract as
 * mmtk_post_alloc(); for default allocations it is a VO-bit store (or nothing) inline.
 * Only an object the inline path could have bumped (at most max_inline_size bytes) is
 * finished here: a bigger default request went to the large object space, which must
 * see the object's reference (it may not be the address allocation returned). */
static inline MMTK_ALWAYS_INLINE void mmtk_post_alloc_fast(mmtk_mutator_t *mutator,
                                                           mmtk_object_t object, size_t bytes,
                                                           mmtk_alloc_semantics_t semantics) {
  mmtk_mutator_head_t *h = mmtk__head(mutator);
  if (MMTK_LIKELY(semantics == MMTK_ALLOC_DEFAULT && bytes <= h->max_inline_size &&
                  !(h->flags & MMTK_MUTATOR_POST_ALLOC_SLOW))) {
    if (h->vo_bit_base) {
      uintptr_t a = (uintptr_t)object;
      __atomic_fetch_or((uint8_t *)(h->vo_bit_base + (a >> 6)), (uint8_t)(1u << ((a >> 3) & 7)),
                        __ATOMIC_RELEASE);
    }
    return;
  }
  mmtk_post_alloc(mutator, object, bytes, semantics);
}

/* Whether a reference store into `a` needs nothing of the write barrier, by the head
 * alone: the plan has no barrier, or `a` is a heap object whose unlog bit, where the head
 * says it is, is 0 (a young object, or one already logged since the last GC).  False
 * when the head cannot tell. */
static inline MMTK_ALWAYS_INLINE int mmtk__store_is_plain(const mmtk_mutator_head_t *h,
                                                          uintptr_t a) {
  if (MMTK_LIKELY(!(h->flags & MMTK_MUTATOR_WRITE_BARRIER))) return 1;
  if (MMTK_UNLIKELY(a - h->room_start >= h->room_bytes)) return 0;
  const uint8_t *byte;
  unsigned shift;
  if (h->log_bit_base != 0) {
    byte = (const uint8_t *)(h->log_bit_base + (a >> 6));
    shift = (unsigned)(a >> 3) & 7;
  } else if (h->flags & MMTK_MUTATOR_LOG_BIT_IN_HEADER) {
    byte = (const uint8_t *)(a + (uintptr_t)(intptr_t)h->log_bit_offset);
    shift = h->log_bit_shift;
  } else {
    return 0;
  }
  return !((__atomic_load_n(byte, __ATOMIC_RELAXED) >> shift) & 1);
}

/* Store `target` into the reference slot `slot` of `src`: same contract as
 * mmtk_object_reference_write(); a plain store, inline, when the plan has no write
 * barrier (the mutator head's flags say so), and when the object barrier has nothing to
 * do (the unlog bit, where the head says it is, is 0).  Every other store, and every
 * store into an object outside the instance's room (the VM space), goes out of line. */
static inline MMTK_ALWAYS_INLINE void mmtk_object_reference_write_fast(mmtk_mutator_t *mutator,
                                                                       mmtk_object_t src,
                                                                       mmtk_slot_t slot,
                                                                       mmtk_object_t target) {
  if (MMTK_LIKELY(mmtk__store_is_plain(mmtk__head(mutator), (uintptr_t)src))) {
    *(mmtk_object_t *)slot = target;
    return;
  }
  mmtk_object_reference_write(mutator, src, slot, target);
}

/* Before a reference store the VM makes itself: same contract as
 * mmtk_object_reference_write_pre(); nothing, inline, unless the head asks for it. */
static inline MMTK_ALWAYS_INLINE void mmtk_object_reference_write_pre_fast(mmtk_mutator_t *mutator,
                                                                           mmtk_object_t src,
                                                                           mmtk_slot_t slot,
                                                                           mmtk_object_t target) {
  if (MMTK_LIKELY(!(mmtk__head(mutator)->flags & MMTK_MUTATOR_PRE_BARRIER))) return;
  mmtk_object_reference_write_pre(mutator, src, slot, target);
}

/* After a reference store the VM made itself: same contract as
 * mmtk_object_reference_write_post(); nothing, inline, when the object barrier has
 * nothing to do (as in mmtk_object_reference_write_fast()). */
static inline MMTK_ALWAYS_INLINE void mmtk_object_reference_write_post_fast(mmtk_mutator_t *mutator,
                                                                            mmtk_object_t src,
                                                                            mmtk_slot_t slot,
                                                                            mmtk_object_t target) {
  if (MMTK_LIKELY(mmtk__store_is_plain(mmtk__head(mutator), (uintptr_t)src))) return;
  mmtk_object_reference_write_post(mutator, src, slot, target);
}

#ifdef __cplusplus
}
#endif

#endif /* MMTK_INLINE_H */
