/* The GC trigger (MMTk's util::heap::gc_trigger, design.heap.trigger): the heap limit and
 * the page budget every space draws from.  Pages are charged before they are taken from a
 * page resource, so the limit is never exceeded except by an over-committing request. */
#ifndef MMTK_UTIL_HEAP_GC_TRIGGER_H
#define MMTK_UTIL_HEAP_GC_TRIGGER_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct mmtk;

struct gc_trigger {
  _Atomic size_t used_pages;     /* pages held by all spaces */
  _Atomic size_t acquired_pages; /* pages ever acquired (statistics) */
  size_t limit_bytes;            /* the current heap size */
  size_t min_bytes, max_bytes;   /* DynamicHeapSize: its bounds, in whole pages */
  /* DynamicHeapSize: pages of requests refused for lack of budget since the last GC (the
   * GC they bring must leave room for them; MMTk's on_pending_allocation). */
  _Atomic size_t pending_pages;
  /* DynamicHeapSize's estimates (smoothed over GCs, see gc_trigger.c). */
  double alloc_bytes, mutator_ns; /* the mutators' allocation rate: bytes per ns */
  double traced_bytes, gc_ns;     /* the collector's speed: live bytes per ns of pause */
  uint64_t last_gc_end_ns;
  size_t last_live_bytes;
};

void gc_trigger_init(struct mmtk *mmtk);
/* Charge `pages`; false (nothing charged) when that would pass the heap limit, unless
 * `overcommit`. */
bool gc_trigger_charge(struct mmtk *mmtk, size_t pages, bool overcommit);
void gc_trigger_uncharge(struct mmtk *mmtk, size_t pages);
/* Bytes in use as the heap counts them: pages held, counted malloc bytes (with
 * --enable-malloc-counted-size) and the VM's off-heap live bytes. */
size_t gc_trigger_used_bytes(const struct mmtk *mmtk);
/* The part of it that is not pages (counted malloc bytes, the VM's off-heap bytes). */
size_t gc_trigger_extra_bytes(const struct mmtk *mmtk);
/* DynamicHeapSize: resize the heap limit after a GC from the live size, the allocation
 * rate and the collector's speed (MemBalancer, design.heap.trigger.dynamic). */
void gc_trigger_after_gc(struct mmtk *mmtk, size_t live_bytes);

#endif /* MMTK_UTIL_HEAP_GC_TRIGGER_H */
