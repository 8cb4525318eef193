/* The GC trigger (design.heap.trigger).  Collecting plans add the decision of when to
 * collect on top of this budget. */
#include "mmtk_internal.h"

void gc_trigger_init(mmtk_t *mmtk) {
  struct gc_trigger *t = &mmtk->trigger;
  const struct mmtk_options *o = &mmtk->options;
  atomic_init(&t->used_pages, 0);
  atomic_init(&t->acquired_pages, 0);
  atomic_init(&t->pending_pages, 0);
  t->alloc_bytes = t->mutator_ns = t->traced_bytes = t->gc_ns = 0;
  t->last_gc_end_ns = stats_now_ns();
  t->last_live_bytes = 0;
  switch (o->gc_trigger.kind) {
  case MMTK_TRIGGER_FIXED:
    t->limit_bytes = t->max_bytes = o->gc_trigger.max;
    break;
  case MMTK_TRIGGER_DYNAMIC:
    /* Page multiples within [MIN, MAX] (rounded inwards; a range without one gets the
     * page below MAX, or one page). */
    t->max_bytes = align_down(o->gc_trigger.max, BYTES_IN_PAGE);
    if (!t->max_bytes) t->max_bytes = BYTES_IN_PAGE;
    t->min_bytes = align_up(o->gc_trigger.min, BYTES_IN_PAGE);
    if (t->min_bytes > t->max_bytes) t->min_bytes = t->max_bytes;
    /* A heap that cannot collect cannot shrink: it may as well start at its maximum. */
    t->limit_bytes = mmtk->plan->collects_garbage ? t->min_bytes : t->max_bytes;
    break;
  case MMTK_TRIGGER_DELEGATED:
    /* The binding decides when to collect; the heap range bounds the size. */
    t->limit_bytes = t->max_bytes = mmtk->layout.end - mmtk->layout.start;
    break;
  }
}

size_t gc_trigger_extra_bytes(const mmtk_t *mmtk) {
  size_t extra = 0;
#if MMTK_HAVE_MALLOC_COUNTED_SIZE
  extra += atomic_load_explicit(&mmtk->malloc_bytes, memory_order_relaxed);
#endif
  if (mmtk->vm.vm_live_bytes) extra += mmtk->vm.vm_live_bytes(mmtk->vm_ctx);
  return extra;
}

size_t gc_trigger_used_bytes(const mmtk_t *mmtk) {
  size_t pages = atomic_load_explicit(&mmtk->trigger.used_pages, memory_order_relaxed);
  return (pages << LOG_BYTES_IN_PAGE) + gc_trigger_extra_bytes(mmtk);
}

bool gc_trigger_charge(mmtk_t *mmtk, size_t pages, bool overcommit) {
  struct gc_trigger *t = &mmtk->trigger;
  size_t now = atomic_fetch_add_explicit(&t->used_pages, pages, memory_order_relaxed) + pages;
  if (!overcommit) {
    size_t limit_pages = t->limit_bytes >> LOG_BYTES_IN_PAGE;
    size_t extra_pages = bytes_to_pages_up(gc_trigger_extra_bytes(mmtk));
    if (mmtk->plan->reserved_pages) extra_pages += mmtk->plan->reserved_pages(mmtk);
    if (now > limit_pages || limit_pages - now < extra_pages) {
      atomic_fetch_sub_explicit(&t->used_pages, pages, memory_order_relaxed);
      if (mmtk->options.gc_trigger.kind == MMTK_TRIGGER_DYNAMIC)
        atomic_fetch_add_explicit(&t->pending_pages, pages, memory_order_relaxed);
      return false;
    }
  }
  atomic_fetch_add_explicit(&t->acquired_pages, pages, memory_order_relaxed);
  return true;
}

void gc_trigger_uncharge(mmtk_t *mmtk, size_t pages) {
  atomic_fetch_sub_explicit(&mmtk->trigger.used_pages, pages, memory_order_relaxed);
}

/* ---- DynamicHeapSize: MemBalancer -----------------------------------------------------
 *
 * Kirisame, Shenoy and Panchekha ("Optimal heap limits for reducing browser memory use",
 * OOPSLA 2022) show that the heap limits minimising total memory for a given total GC
 * time give each heap extra room E = sqrt(L * g / (c * s)) beyond its live size L, where
 * g is the rate at which the mutators allocate, s the rate at which the collector traces
 * and c a constant trading memory for time.  The square root is the point: a small heap
 * gets generous headroom relative to its size and a big one proportionally less, and a
 * program that allocates fast or a collector that is slow earns more room.
 *
 * g is measured between GCs (what filled the heap since the last GC's live size, over
 * the mutator time in between), s over each pause (live bytes per ns), both smoothed
 * over GCs so one odd cycle does not swing the heap.  A copying plan needs room for a
 * copy of all of it.  The result stays within [MIN, MAX]. */

/* 1/c: how many bytes of headroom a byte of live data buys, squared (tuned so that a
 * program with a few MiB live, allocating about as fast as it is traced, gets a heap of
 * three to four times its live size, as the old fixed rule gave it). */
#define MEMBALANCER_BYTES 64e6
/* Each GC's measurement weighs this much against the history. */
#define MEMBALANCER_SMOOTHING 0.5
/* Headroom never below this (allocation needs somewhere to go) nor below live / 8. */
#define MEMBALANCER_MIN_EXTRA ((size_t)1 << 20)

/* Square root without libm (the library links nothing but libc and pthreads). */
static double root(double x) {
  if (!(x > 0)) return 0;
  double r = x >= 1 ? x : 1;
  for (int i = 0; i < 200; i++) {
    double next = 0.5 * (r + x / r);
    if (next >= r) break; /* Newton's iteration decreases monotonically from above */
    r = next;
  }
  return r;
}

static void smooth(double *avg, double sample, bool first) {
  *avg = first ? sample : *avg * (1 - MEMBALANCER_SMOOTHING) + sample * MEMBALANCER_SMOOTHING;
}

void gc_trigger_after_gc(mmtk_t *mmtk, size_t live_bytes) {
  struct gc_trigger *t = &mmtk->trigger;
  if (mmtk->options.gc_trigger.kind != MMTK_TRIGGER_DYNAMIC) return;
  const struct gc_state *g = &mmtk->gc;
  uint64_t now = stats_now_ns();
  bool first = t->gc_ns == 0;
  uint64_t mutator_ns = g->start_ns > t->last_gc_end_ns ? g->start_ns - t->last_gc_end_ns : 1;
  size_t allocated = g->used_before > t->last_live_bytes ? g->used_before - t->last_live_bytes : 0;
  smooth(&t->alloc_bytes, (double)allocated, first);
  smooth(&t->mutator_ns, (double)mutator_ns, first);
  smooth(&t->traced_bytes, (double)live_bytes, first);
  smooth(&t->gc_ns, (double)(now > g->start_ns ? now - g->start_ns : 1), first);
  t->last_gc_end_ns = now;
  t->last_live_bytes = live_bytes;

  double alloc_rate = t->alloc_bytes / (t->mutator_ns > 1 ? t->mutator_ns : 1);
  double trace_rate = t->traced_bytes / (t->gc_ns > 1 ? t->gc_ns : 1);
  if (trace_rate <= 0) trace_rate = 1; /* nothing live: any headroom will do */
  double extra = root((double)live_bytes * MEMBALANCER_BYTES * alloc_rate / trace_rate);
  size_t floor = live_bytes / 8 > MEMBALANCER_MIN_EXTRA ? live_bytes / 8 : MEMBALANCER_MIN_EXTRA;
  double want = (double)live_bytes + (extra > (double)floor ? extra : (double)floor);
  /* The plan's reserve (its copy reserve, design.heap.trigger.reserve): as a share of
   * what the heap holds now, applied to the target, since it grows with what it covers.
   * SemiSpace and GenCopy reserve as much as their copying spaces hold (about double
   * the heap), Immix only its defrag headroom, MarkSweep nothing. */
  if (mmtk->plan->reserved_pages) {
    size_t used = atomic_load_explicit(&t->used_pages, memory_order_relaxed);
    if (used) want += want * (double)mmtk->plan->reserved_pages(mmtk) / (double)used;
  }
  size_t target = want >= (double)t->max_bytes ? t->max_bytes : (size_t)want;
  /* Whatever the rule: room for what survived, the copy reserve, the VM's bytes and the
   * requests that failed for lack of budget (without it, a request bigger than the
   * current limit would fail while the heap may still grow). */
  size_t pending = atomic_exchange_explicit(&t->pending_pages, 0, memory_order_relaxed);
  size_t needed = atomic_load_explicit(&t->used_pages, memory_order_relaxed) + pending +
                  bytes_to_pages_up(gc_trigger_extra_bytes(mmtk));
  if (mmtk->plan->reserved_pages) needed += mmtk->plan->reserved_pages(mmtk);
  if (target < (needed << LOG_BYTES_IN_PAGE)) target = needed << LOG_BYTES_IN_PAGE;
  target = align_up(target, BYTES_IN_PAGE);
  if (target < t->min_bytes) target = t->min_bytes;
  if (target > t->max_bytes) target = t->max_bytes;
  t->limit_bytes = target;
}
