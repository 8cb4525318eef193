/* Heap enumeration (MMTk's MMTK::enumerate_objects and util::object_enum,
 * design.metadata.vo.enum): report every object whose valid-object bit is set.
 *
 * MMTk asks each space for the regions that may hold objects and scans their VO bits.
 * Here every space keeps the same invariant, so one walk serves them all: a space has
 * only ever handed out [start, high-water mark) of its extent (the page resource's
 * cursor, or the lock-free space's own), the VO table is committed for each chunk a
 * space has mapped, and the collectors keep the bits exact — the copy space's from-space
 * is cleared when it is reset, MarkSweep clears dead cells' bits at Release (before any
 * lazy sweep), the LOS clears a dead object's bit when it sweeps it.  Pages given back
 * keep no set bit, so scanning them finds nothing. */
#include "mmtk_internal.h"

#if MMTK_HAVE_VO_BIT
/* Report the objects of [start, end), one chunk (mapped by `s`) at most.  The bits of a
 * 64-bit word cover 512 bytes of heap; most words are zero and cost one load. */
static void scan_vo_bits(const mmtk_t *mmtk, uintptr_t start, uintptr_t end,
                         mmtk_object_visitor_fn visit, void *data) {
  const struct side_metadata_spec *vo = &mmtk->vo_bit;
  const uintptr_t word_heap = 64 << LOG_BYTES_IN_WORD;
  for (uintptr_t a = align_down(start, word_heap); a < end; a += word_heap) {
    const _Atomic uint64_t *w = (const _Atomic uint64_t *)side_metadata_unit_address(vo, a);
    if (atomic_load_explicit(w, memory_order_relaxed) == 0) continue;
    /* Byte by byte: bit k of the byte for `b` is the granule b + 8k words (any endianness). */
    for (uintptr_t b = a; b < a + word_heap; b += 8 << LOG_BYTES_IN_WORD) {
      unsigned byte = atomic_load_explicit(
          (const _Atomic uint8_t *)side_metadata_unit_address(vo, b), memory_order_relaxed);
      for (; byte; byte &= byte - 1) {
        uintptr_t object = b + ((uintptr_t)__builtin_ctz(byte) << LOG_BYTES_IN_WORD);
        if (object >= start && object < end) visit((mmtk_object_t)object, data);
      }
    }
  }
}

static void enumerate_space(const mmtk_t *mmtk, struct space *s, mmtk_object_visitor_fn visit,
                            void *data) {
  pthread_mutex_lock(&s->pr.lock);
  uintptr_t end = s->pr.cursor;
  pthread_mutex_unlock(&s->pr.lock);
  uintptr_t lockfree_end = atomic_load_explicit(&s->cursor, memory_order_acquire);
  if (lockfree_end > end) end = lockfree_end;
  for (uintptr_t c = s->start; c < end; c += BYTES_IN_CHUNK) {
    /* A chunk not mapped (yet) has neither objects nor committed metadata. */
    if (layout_chunk_owner(&mmtk->layout, c) != s->index + 1) continue;
    scan_vo_bits(mmtk, c, end - c < BYTES_IN_CHUNK ? end : c + BYTES_IN_CHUNK, visit, data);
  }
}

/* During a GC, between the start of tracing and the end of Release, objects are being
 * copied and freed: the VO bits describe neither the old heap nor the new one. */
static bool heap_in_flux(mmtk_t *mmtk, int *stage) {
  if (!mmtk->plan->collects_garbage) return false;
  struct scheduler *s = &mmtk->sched;
  pthread_mutex_lock(&s->lock);
  bool flux = s->in_gc && !s->finishing && s->open_upto >= MMTK_STAGE_PREPARE &&
              s->open_upto <= MMTK_STAGE_RELEASE;
  *stage = s->open_upto;
  pthread_mutex_unlock(&s->lock);
  return flux;
}
#endif

bool mmtk_enumerate_objects(mmtk_t *mmtk, mmtk_object_visitor_fn visit, void *data) {
  if (!instance_check(mmtk, "mmtk_enumerate_objects")) return false;
  if (!visit) {
    mmtk_error(mmtk, "mmtk_enumerate_objects: the callback is NULL");
    return false;
  }
#if MMTK_HAVE_VO_BIT
  int stage;
  if (heap_in_flux(mmtk, &stage)) {
    mmtk_error(mmtk, "mmtk_enumerate_objects: a GC is under way (stage %d is open); call it "
               "between GCs with the mutators stopped, or from a work packet of "
               "MMTK_STAGE_FINAL", stage);
    return false;
  }
  for (unsigned i = 0; i < MAX_SPACES; i++)
    if (mmtk->spaces[i]) enumerate_space(mmtk, mmtk->spaces[i], visit, data);
  /* The VM space has no VO bits (the side metadata does not reach it, and
   * mmtk_post_alloc() refuses its addresses): as MMTk, which scans the VM space's VO bits,
   * would find none there, it reports nothing; the VM knows its own image. */
  return true;
#else
  (void)data;
  mmtk_error(mmtk, "mmtk_enumerate_objects: libmmtk was built without the valid-object bit "
             "(configure with --enable-vo-bit)");
  return false;
#endif
}
