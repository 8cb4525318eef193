/* The heap verifier (MMTk's util::sanity, design.sanity), built with --enable-sanity and
 * run after every GC when the `sanity` option is on.
 *
 * With the world still stopped it scans the roots again and traces the whole reachable
 * graph on its own (a visited set and an explicit stack, nothing shared with the
 * collector), checking every slot: the object it holds is in a live part of a space (not
 * in a freed from-space or freed large-object pages), marked where its space marks,
 * carries the VO bit when that is maintained, and passes the binding's is_object_sane;
 * so does the referent of every reference object reached that libmmtk knows of.
 * Objects are scanned as the GC scans them (scan_object, or scan_object_and_trace_edges
 * where support_slot_enqueuing says no) and the mutators' roots are found through the
 * ActivePlan (vm/active_plan.h).  The first violation aborts, naming the object, the slot
 * and the space, after the binding's dump_object (when it has one) has shown the object
 * and its holder.
 *
 * At a generational plan's nursery GC it also checks, before the trace, that every
 * reference from a mature object to a young one was remembered by the write barrier
 * (design.sanity.gen, below). */
#include "mmtk_internal.h"

#if MMTK_HAVE_SANITY

#include <stdio.h>

struct sanity {
  mmtk_t *mmtk;
  uintptr_t *set; /* open addressing, 0 = empty */
  size_t set_cap, set_count;
  struct { uintptr_t object, slot; } *stack;
  size_t depth, cap;
  uint64_t objects, slots;
  struct mmtk_slot_visitor visitor;
  mmtk_slot_t buf[TRACE_SLOT_BUFFER];
  uintptr_t current; /* the object being scanned, for messages */
  bool referent;     /* checking the referent of reference object `current` */
  struct sanity_gen *gen; /* set: the generational check before a nursery trace */
};


/* In a monotone space, past the pages handed out: freed, possibly unmapped memory. */
static bool beyond_cursor(const struct space *sp, uintptr_t o) {
  return sp->pr.kind == PR_MONOTONE && !sp->ops->alloc && o >= sp->pr.cursor;
}

/* The binding's view of the objects involved, before the abort: the offending object when
 * it can be read at all, then the object holding it. */
static void dump_objects(struct sanity *s, uintptr_t o, const struct space *sp) {
  const mmtk_vm_binding_t *vm = &s->mmtk->vm;
  if (!vm->dump_object) return;
  /* A dead object of a protected space (PageProtect) sits on PROT_NONE pages. */
  bool readable = o % BYTES_IN_WORD == 0 && sp && !beyond_cursor(sp, o) &&
                  !(sp->pr.protect_on_release && !sp->ops->is_live(sp, o));
  mmtk_log(s->mmtk, MMTK_LOG_ERROR, "sanity: the binding's dump_object of the object%s:",
           s->current ? (readable ? " and of its holder" : "'s holder") : "");
  if (readable) vm->dump_object(s->mmtk->vm_ctx, (mmtk_object_t)o);
  if (s->current) vm->dump_object(s->mmtk->vm_ctx, (mmtk_object_t)s->current);
}

static _Noreturn void fail(struct sanity *s, uintptr_t slot, uintptr_t o, const char *what) {
  struct space *sp = space_of(s->mmtk, o);
  dump_objects(s, o, sp);
  if (s->referent)
    mmtk_panic(__FILE__, __LINE__, "sanity: object %p %s (space %s; the referent of reference "
               "object %p)", (void *)o, what, sp ? sp->name : "none", (void *)s->current);
  mmtk_panic(__FILE__, __LINE__, "sanity: object %p %s (space %s; held in slot %p of %s%p)",
             (void *)o, what, sp ? sp->name : "none", (void *)slot,
             s->current ? "object " : "the roots ", (void *)s->current);
}

static bool set_insert(struct sanity *s, uintptr_t o) {
  if (2 * (s->set_count + 1) > s->set_cap) {
    size_t cap = s->set_cap ? s->set_cap * 2 : 1 << 16;
    uintptr_t *set = gc_malloc(s->mmtk, cap * sizeof *set, "the sanity verifier's object set");
    memset(set, 0, cap * sizeof *set);
    for (size_t i = 0; i < s->set_cap; i++) {
      uintptr_t v = s->set[i];
      if (!v) continue;
      size_t h = (v >> 3) * 0x9e3779b97f4a7c15ull & (cap - 1);
      while (set[h]) h = (h + 1) & (cap - 1);
      set[h] = v;
    }
    free(s->set);
    s->set = set;
    s->set_cap = cap;
  }
  size_t h = (o >> 3) * 0x9e3779b97f4a7c15ull & (s->set_cap - 1);
  while (s->set[h]) {
    if (s->set[h] == o) return false;
    h = (h + 1) & (s->set_cap - 1);
  }
  s->set[h] = o;
  s->set_count++;
  return true;
}

static bool set_contains(const struct sanity *s, uintptr_t o) {
  if (!s->set_cap) return false;
  size_t h = (o >> 3) * 0x9e3779b97f4a7c15ull & (s->set_cap - 1);
  for (; s->set[h]; h = (h + 1) & (s->set_cap - 1))
    if (s->set[h] == o) return true;
  return false;
}

/* ---- The generational invariant (design.sanity.gen) ---------------------------------
 *
 * A nursery GC traces the young objects from the roots and from what the barrier
 * remembered, never from the other mature objects: a reference a mature object holds to
 * a young one is seen only if the store went through the barrier.  So before the nursery
 * trace (the mutators stopped, their buffers handed over, nothing copied yet) the
 * verifier traces the whole reachable heap from the roots this GC scanned and checks
 * every such reference: its holder must be remembered (in the remembered set, where the
 * object barrier puts a logged object) or its slot must lie in a recorded region
 * (mmtk_memory_region_copy).  A forgotten barrier then stops the GC with a report naming
 * the holder, the slot and the young object, instead of a dangling reference found after
 * the GC (or never). */
struct sanity_gen {
  pthread_mutex_t lock; /* guards the roots: several workers scan them */
  bool closed;          /* the check has run: roots reported later are not recorded */
  uintptr_t *roots;
  size_t nroots, roots_cap;
  uintptr_t *remembered; /* sorted */
  size_t nremembered;
  struct region { uintptr_t start, end; } *regions; /* sorted by start */
  size_t nregions;
};

static int cmp_uintptr(const void *a, const void *b) {
  uintptr_t x = *(const uintptr_t *)a, y = *(const uintptr_t *)b;
  return x < y ? -1 : x > y;
}

static int cmp_region(const void *a, const void *b) {
  return cmp_uintptr(&((const struct region *)a)->start, &((const struct region *)b)->start);
}

/* Young: in the nursery, or new in a space whose new objects a nursery GC traces (the
 * large object space).  Before the trace those read as not reached while the mature ones
 * read as reached (los_prepare() cleared the young ones' state only). */
static bool young(const struct space *sp, uintptr_t o) {
  return sp && (sp->nursery ||
                (sp->young_traced && sp->ops->is_reachable && !sp->ops->is_reachable(sp, o)));
}

static bool gen_remembered(const struct sanity_gen *g, uintptr_t o) {
  return bsearch(&o, g->remembered, g->nremembered, sizeof *g->remembered, cmp_uintptr) != NULL;
}

/* Does a recorded region overlap [start, end)? */
static bool gen_in_region(const struct sanity_gen *g, uintptr_t start, uintptr_t end) {
  /* The regions may overlap one another: a linear scan of those starting before `end`. */
  for (size_t i = 0; i < g->nregions && g->regions[i].start < end; i++)
    if (g->regions[i].end > start) return true;
  return false;
}

static void check_remembered(struct sanity *s, uintptr_t slot, uintptr_t o,
                             const struct space *sp) {
  mmtk_t *mmtk = s->mmtk;
  uintptr_t src = s->current;
  if (!src || s->referent || !young(sp, o)) return; /* roots; referents are not edges */
  const struct space *ssp = space_of(mmtk, src);
  if (!ssp || young(ssp, src)) return; /* the binding's own object, or a young one */
  const struct sanity_gen *g = s->gen;
  if (gen_remembered(g, src)) return;
  /* An edge traced through mmtk_trace_object() has no slot: any region in the object. */
  uintptr_t end = slot ? slot + sizeof(void *) : src + binding_current_size(mmtk, (void *)src);
  if (gen_in_region(g, slot ? slot : src, end)) return;
  const mmtk_vm_binding_t *vm = &mmtk->vm;
  if (vm->dump_object) {
    mmtk_log(mmtk, MMTK_LOG_ERROR, "sanity: the binding's dump_object of the mature object "
             "and of the young object:");
    vm->dump_object(mmtk->vm_ctx, (mmtk_object_t)src);
    vm->dump_object(mmtk->vm_ctx, (mmtk_object_t)o);
  }
  if (slot)
    mmtk_panic(__FILE__, __LINE__, "sanity: slot %p of mature object %p (space %s) holds young "
               "object %p (space %s), but the object was not remembered: a reference store "
               "into it missed the write barrier (mmtk_object_reference_write() or its _post; "
               "mmtk_memory_region_copy() for copied slots); found before nursery GC %llu traced",
               (void *)slot, (void *)src, ssp->name, (void *)o, sp->name,
               (unsigned long long)mmtk->stats.gc_count + 1);
  mmtk_panic(__FILE__, __LINE__, "sanity: an edge of mature object %p (space %s), traced "
             "through mmtk_trace_object(), reaches young object %p (space %s), but the object "
             "was not remembered: a reference store into it missed the write barrier "
             "(mmtk_object_reference_write() or its _post); found before nursery GC %llu traced",
             (void *)src, ssp->name, (void *)o, sp->name,
             (unsigned long long)mmtk->stats.gc_count + 1);
}

static void check_object(struct sanity *s, uintptr_t slot, uintptr_t o) {
  mmtk_t *mmtk = s->mmtk;
  if (o % BYTES_IN_WORD) fail(s, slot, o, "is not word aligned");
  struct space *sp = space_of(mmtk, o);
  if (!sp) {
    if (layout_in_heap(&mmtk->layout, o)) fail(s, slot, o, "is in an unmapped part of the heap");
    return; /* the binding's own object */
  }
  if (beyond_cursor(sp, o))
    fail(s, slot, o, "lies beyond the space's allocated pages (freed memory)");
  /* Before a nursery trace (the generational check) nothing is marked, forwarded or in
   * an evacuated from-space yet. */
  if (!s->gen) {
    if (sp->from_space) fail(s, slot, o, "is in a from-space after the GC");
    /* A space this GC did not collect (a nursery GC's mature spaces) has nothing to say:
     * only that no reachable object was left in a from-space, checked above. */
    if (sp->collected && sp->ops->trace_object && !sp->ops->is_reachable(sp, o))
      fail(s, slot, o, "is reachable but not marked or forwarded by the GC");
    if (sp->collected && sp->ops->get_forwarded && sp->ops->get_forwarded(sp, o) != o)
      fail(s, slot, o, "is reachable through a stale reference (it was forwarded)");
  }
#if MMTK_HAVE_VO_BIT
  if (sp != &mmtk->vm_space && !vo_bit_is_set(&mmtk->vo_bit, o))
    fail(s, slot, o, "has no valid-object bit");
#endif
  if (mmtk->vm.is_object_sane && !mmtk->vm.is_object_sane(mmtk->vm_ctx, (void *)o))
    fail(s, slot, o, "is rejected by the binding's is_object_sane");
  if (s->gen) check_remembered(s, slot, o, sp);
}

static void reach(struct sanity *s, uintptr_t slot, uintptr_t o) {
  s->slots++;
  if (!o) return;
  check_object(s, slot, o);
  if (!set_insert(s, o)) return;
  if (s->depth == s->cap) {
    s->cap = s->cap ? s->cap * 2 : 4096;
    s->stack = gc_realloc(s->mmtk, s->stack, s->cap * sizeof *s->stack,
                          "the sanity verifier's stack");
  }
  s->stack[s->depth].object = o;
  s->stack[s->depth].slot = slot;
  s->depth++;
}

static void flush(struct mmtk_slot_visitor *v) {
  struct sanity *s = container_of(v, struct sanity, visitor);
  size_t n = (size_t)(v->cursor - s->buf);
  v->cursor = s->buf;
  for (size_t i = 0; i < n; i++) reach(s, (uintptr_t)s->buf[i], *(uintptr_t *)s->buf[i]);
}

bool sanity_collect_roots(mmtk_roots_factory_t *f, const void *items, size_t count, bool slots) {
  struct sanity *s = f->mmtk->sanity_active;
  if (!f->sanity || !s) return false;
  for (size_t i = 0; i < count; i++) {
    uintptr_t v = ((const uintptr_t *)items)[i];
    if (slots) reach(s, v, *(uintptr_t *)v);
    else reach(s, 0, v);
  }
  return true;
}

struct rescan {
  const mmtk_vm_binding_t *vm;
  void *ctx, *worker_tls;
  mmtk_roots_factory_t *factory;
};

static void rescan_mutator(mmtk_mutator_t *m, void *arg) {
  struct rescan *r = arg;
  r->vm->scan_roots_in_mutator_thread(r->ctx, r->worker_tls, m, r->factory);
}

/* Scan s->current as the GC does: through the slot visitor, or through the object tracer
 * for objects whose slots the binding does not enqueue (sanity_trace_object()). */
static void scan(struct sanity *s, mmtk_gc_worker_t *w, mmtk_object_tracer_t *tracer) {
  const mmtk_vm_binding_t *vm = &s->mmtk->vm;
  void *o = (void *)s->current;
  if (vm->support_slot_enqueuing && !vm->support_slot_enqueuing(s->mmtk->vm_ctx, w->tls, o)) {
    vm->scan_object_and_trace_edges(s->mmtk->vm_ctx, w->tls, o, tracer);
    return;
  }
  vm->scan_object(s->mmtk->vm_ctx, w->tls, o, &s->visitor);
  flush(&s->visitor);
}

mmtk_object_t sanity_trace_object(struct sanity *s, mmtk_object_t object) {
  /* No slot to name: the binding stores the result itself.  Nothing moves here. */
  reach(s, 0, (uintptr_t)object);
  return object;
}

static void drain(struct sanity *s, mmtk_gc_worker_t *w, mmtk_object_tracer_t *tracer) {
  while (s->depth) {
    s->depth--;
    s->current = s->stack[s->depth].object;
    s->objects++;
    scan(s, w, tracer);
  }
}

static size_t copy_list(mmtk_object_t *to, const struct object_list *from) {
  if (from->count) memcpy(to, from->items, from->count * sizeof *from->items);
  return from->count;
}

/* The binding's scan skips referents, so they are checked here (design.sanity.referents):
 * every reference object the trace reached that libmmtk knows of (a candidate, or one
 * found dead and dropped by this GC, which a later stage may have revived) must hold NULL
 * or a live, valid object, and what that object reaches is checked in turn.  Candidates
 * registered during this GC by a thread the VM does not stop are included: a referent
 * this GC did not look at must still be valid. */
static void check_referents(struct sanity *s, mmtk_gc_worker_t *w, mmtk_object_tracer_t *tracer) {
  mmtk_t *mmtk = s->mmtk;
  struct references *refs = &mmtk->refs;
  /* The array is allocated unlocked: gc_malloc() may call the binding's out_of_memory,
   * which must not run with the lock held.  A foreign thread may register meanwhile. */
  mmtk_object_t *todo = NULL;
  size_t n, cap = 0;
  for (;;) {
    pthread_mutex_lock(&refs->lock);
    n = refs->soft.count + refs->weak.count + refs->phantom.count + refs->dropped.count;
    if (todo && n <= cap) break;
    pthread_mutex_unlock(&refs->lock);
    free(todo);
    cap = n ? n : 1;
    todo = gc_malloc(mmtk, cap * sizeof *todo, "the sanity verifier's reference list");
  }
  n = copy_list(todo, &refs->soft);
  n += copy_list(todo + n, &refs->weak);
  n += copy_list(todo + n, &refs->phantom);
  pthread_mutex_unlock(&refs->lock);
  n += copy_list(todo + n, &refs->dropped);
  refs->dropped.count = 0;
  for (bool progress = true; progress;) {
    progress = false;
    for (size_t i = 0; i < n;) {
      uintptr_t r = (uintptr_t)todo[i];
      if (!set_contains(s, r)) {
        i++;
        continue;
      }
      todo[i] = todo[--n]; /* each one once */
      progress = true;
      /* Unlocked: the binding's get_referent may register candidates. */
      mmtk_object_t referent = mmtk->vm.get_referent(mmtk->vm_ctx, (void *)r);
      s->current = r;
      s->referent = true;
      reach(s, 0, (uintptr_t)referent);
      s->referent = false;
      drain(s, w, tracer);
    }
  }
  free(todo);
}

/* The Prepare stage's sentinel: every root of this GC has been scanned (and recorded),
 * no closure packet has run. */
static void gen_check(mmtk_gc_worker_t *w, void *arg) {
  struct sanity_gen *g = arg;
  mmtk_t *mmtk = w->mmtk;
  pthread_mutex_lock(&g->lock);
  g->closed = true;
  pthread_mutex_unlock(&g->lock);
  struct sanity s = {.mmtk = mmtk, .gen = g};
  s.visitor.cursor = s.buf;
  s.visitor.limit = s.buf + TRACE_SLOT_BUFFER;
  s.visitor.flush = flush;
  for (size_t i = 0; i < g->nroots; i++) reach(&s, 0, g->roots[i]);
  mmtk_object_tracer_t tracer = {.worker = w, .sanity = &s};
  drain(&s, w, &tracer);
  if (mmtk->options.verbose >= 2)
    mmtk_log(mmtk, MMTK_LOG_INFO, "sanity: no unremembered mature-to-young reference among "
             "%llu objects and %llu slots", (unsigned long long)s.objects,
             (unsigned long long)s.slots);
  free(s.set);
  free(s.stack);
}

void sanity_gen_begin(mmtk_t *mmtk) {
  struct sanity_gen *g = gc_malloc(mmtk, sizeof *g, "the sanity verifier's generational check");
  memset(g, 0, sizeof *g);
  pthread_mutex_init(&g->lock, NULL);
  /* The remembered set as the mutators handed it over; the chunks stay on the list while
   * it is read (remset_schedule() takes them next, on this thread). */
  struct remset *r = &mmtk->remset;
  size_t nobjects = 0, nregions = 0;
  pthread_mutex_lock(&r->lock);
  for (const struct remset_chunk *c = r->chunks; c; c = c->next) {
    nobjects += c->nobjects;
    nregions += c->nregions;
  }
  pthread_mutex_unlock(&r->lock);
  g->remembered = gc_malloc(mmtk, (nobjects ? nobjects : 1) * sizeof *g->remembered,
                            "the sanity verifier's remembered objects");
  g->regions = gc_malloc(mmtk, (nregions ? nregions : 1) * sizeof *g->regions,
                         "the sanity verifier's remembered regions");
  pthread_mutex_lock(&r->lock);
  for (const struct remset_chunk *c = r->chunks; c; c = c->next) {
    for (size_t i = 0; i < c->nobjects && g->nremembered < nobjects; i++)
      g->remembered[g->nremembered++] = c->buf.objects[i];
    for (size_t i = 0; i < c->nregions && g->nregions < nregions; i++) {
      g->regions[g->nregions].start = c->buf.regions[i].start;
      g->regions[g->nregions].end = c->buf.regions[i].start + c->buf.regions[i].bytes;
      g->nregions++;
    }
  }
  pthread_mutex_unlock(&r->lock);
  qsort(g->remembered, g->nremembered, sizeof *g->remembered, cmp_uintptr);
  qsort(g->regions, g->nregions, sizeof *g->regions, cmp_region);
  mmtk->gc.sanity_gen = g;
  scheduler_set_sentinel(mmtk, MMTK_STAGE_PREPARE, gc_simple_packet_new(gen_check, g));
}

void sanity_gen_roots(mmtk_roots_factory_t *f, const void *items, size_t count, bool slots) {
  struct sanity_gen *g = f->mmtk->gc.sanity_gen;
  if (!g || !count) return;
  pthread_mutex_lock(&g->lock);
  if (!g->closed) {
    if (g->nroots + count > g->roots_cap) {
      size_t cap = g->roots_cap ? g->roots_cap : 1024;
      while (cap < g->nroots + count) cap *= 2;
      /* Under the lock: gc_realloc() waits for memory rather than fail. */
      g->roots = gc_realloc(f->mmtk, g->roots, cap * sizeof *g->roots,
                            "the sanity verifier's root list");
      g->roots_cap = cap;
    }
    for (size_t i = 0; i < count; i++) {
      uintptr_t v = ((const uintptr_t *)items)[i];
      g->roots[g->nroots++] = slots ? *(uintptr_t *)v : v;
    }
  }
  pthread_mutex_unlock(&g->lock);
}

void sanity_gen_end(mmtk_t *mmtk) {
  struct sanity_gen *g = mmtk->gc.sanity_gen;
  if (!g) return;
  mmtk->gc.sanity_gen = NULL;
  pthread_mutex_destroy(&g->lock);
  free(g->roots);
  free(g->remembered);
  free(g->regions);
  free(g);
}

void sanity_check(mmtk_t *mmtk, mmtk_gc_worker_t *w) {
  struct sanity s = {.mmtk = mmtk};
  s.visitor.cursor = s.buf;
  s.visitor.limit = s.buf + TRACE_SLOT_BUFFER;
  s.visitor.flush = flush;
  mmtk->sanity_active = &s; /* only while this instance's world is stopped */
  mmtk_roots_factory_t f = {.mmtk = mmtk, .worker = w, .kind = mmtk->gc.kind, .sanity = true};
  const mmtk_vm_binding_t *vm = &mmtk->vm;
  if (vm->prepare_for_roots_re_scanning) vm->prepare_for_roots_re_scanning(mmtk->vm_ctx);
  struct rescan r = {.vm = vm, .ctx = mmtk->vm_ctx, .worker_tls = w->tls, .factory = &f};
  if (vm->scan_roots_in_mutator_thread)
    active_plan_iterate_mutators(mmtk, "sanity root scan", rescan_mutator, &r);
  if (vm->scan_vm_specific_roots) vm->scan_vm_specific_roots(mmtk->vm_ctx, w->tls, &f);
  finalizers_scan_ready(mmtk, &f);
  mmtk_object_tracer_t tracer = {.worker = w, .sanity = &s};
  drain(&s, w, &tracer);
  if (mmtk->vm.get_referent) check_referents(&s, w, &tracer);
  mmtk->sanity_active = NULL;
  if (mmtk->options.verbose >= 2)
    mmtk_log(mmtk, MMTK_LOG_INFO, "sanity: %llu objects and %llu slots verified",
             (unsigned long long)s.objects, (unsigned long long)s.slots);
  free(s.set);
  free(s.stack);
}

#endif /* MMTK_HAVE_SANITY */
