/* Write barriers and the remembered set (design.barrier). */
#include "mmtk_internal.h"

/* ---- Mutator side ------------------------------------------------------------------- */

void barrier_flush(struct mmtk_mutator *m) {
  struct barrier_buffers *b = &m->barrier_buf;
  if (b->nobjects == 0 && b->nregions == 0) return;
  mmtk_t *mmtk = m->head.mmtk;
  /* The entries must reach the next GC: wait for memory rather than lose them. */
  struct remset_chunk *c = gc_malloc(mmtk, sizeof *c, "a remembered-set chunk");
  c->nobjects = b->nobjects;
  c->nregions = b->nregions;
  memcpy(c->buf.objects, b->objects, b->nobjects * sizeof b->objects[0]);
  memcpy(c->buf.regions, b->regions, b->nregions * sizeof b->regions[0]);
  b->nobjects = b->nregions = 0;
  struct remset *r = &mmtk->remset;
  pthread_mutex_lock(&r->lock);
  c->next = r->chunks;
  r->chunks = c;
  pthread_mutex_unlock(&r->lock);
}

static void remember(struct mmtk_mutator *m, uintptr_t object) {
  struct barrier_buffers *b = &m->barrier_buf;
  if (b->nobjects == MODBUF_CAPACITY) barrier_flush(m);
  b->objects[b->nobjects++] = object;
}

void barrier_remember_new(struct mmtk_mutator *m, uintptr_t object) { remember(m, object); }

void barrier_object_post(struct mmtk_mutator *m, uintptr_t src) {
  mmtk_t *mmtk = m->head.mmtk;
  /* Objects outside the heap (the VM space) have no unlog bit: always remembered. */
  if (!heap_space_of(mmtk, src)) {
    if (space_of(mmtk, src)) remember(m, src);
    return;
  }
  /* Young objects are never unlogged; a mature one is logged by the first store after a
   * GC only (a plain load first: the common case costs no atomic operation). */
  if (om_load(mmtk, &mmtk->om.log, src) == 1 && om_cas(mmtk, &mmtk->om.log, src, 1, 0))
    remember(m, src);
}

void barrier_region_post(struct mmtk_mutator *m, uintptr_t dst, size_t bytes) {
  mmtk_t *mmtk = m->head.mmtk;
  struct space *s = space_of(mmtk, dst);
  if (!s || s->nursery || bytes < sizeof(void *)) return; /* young slots are traced anyway */
  struct barrier_buffers *b = &m->barrier_buf;
  if (b->nregions == MODBUF_CAPACITY / 4) barrier_flush(m);
  b->regions[b->nregions].start = dst;
  b->regions[b->nregions].bytes = bytes;
  b->nregions++;
}

/* ---- GC side ------------------------------------------------------------------------ */

void remset_init(struct remset *r) {
  pthread_mutex_init(&r->lock, NULL);
  r->chunks = NULL;
}

static void free_chunks(struct remset_chunk *c) {
  while (c) {
    struct remset_chunk *next = c->next;
    free(c);
    c = next;
  }
}

void remset_destroy(struct remset *r) {
  free_chunks(r->chunks);
  r->chunks = NULL;
  pthread_mutex_destroy(&r->lock);
}

/* MMTk's ProcessModBuf and ProcessRegionModBuf, for one chunk: every remembered object
 * is unlogged again and scanned (its fields are roots of the nursery trace); every slot
 * of a remembered range is traced. */
static void process_chunk(mmtk_gc_worker_t *w, void *arg) {
  struct remset_chunk *c = arg;
  mmtk_t *mmtk = w->mmtk;
  for (size_t i = 0; i < c->nobjects; i++) {
    uintptr_t o = c->buf.objects[i];
    if (heap_space_of(mmtk, o)) om_store(mmtk, &mmtk->om.log, o, 1);
    trace_push(w, o);
  }
  for (size_t i = 0; i < c->nregions; i++) {
    uintptr_t a = align_up(c->buf.regions[i].start, sizeof(void *));
    uintptr_t end = c->buf.regions[i].start + c->buf.regions[i].bytes;
    for (; a + sizeof(void *) <= end; a += sizeof(void *)) trace_slot(w, (mmtk_slot_t)a);
  }
  free(c);
  trace_drain(w);
}

void remset_schedule(mmtk_t *mmtk, bool nursery) {
  struct remset *r = &mmtk->remset;
  pthread_mutex_lock(&r->lock);
  struct remset_chunk *c = r->chunks;
  r->chunks = NULL;
  pthread_mutex_unlock(&r->lock);
  if (!nursery) {
    free_chunks(c);
    return;
  }
  while (c) {
    struct remset_chunk *next = c->next;
    gc_add_simple(mmtk, MMTK_STAGE_CLOSURE, process_chunk, c);
    c = next;
  }
}
