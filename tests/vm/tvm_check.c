/* tvm: the graph checker (see tvm.h, tvm_snapshot()). */
#define _GNU_SOURCE
#include "tvm.h"

#include <glib.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* From tvm.c. */
tvm_obj_t *tvm__stack(tvm_thread_t *th, size_t *depth);
tvm_obj_t *tvm__globals(tvm_t *vm);

/* ---- An address -> number map (open addressing) ------------------------------------ */

struct idmap {
  uintptr_t *keys; /* 0 = empty */
  uint32_t *ids;
  size_t cap, count;
};

static size_t slot_of(uintptr_t key, size_t cap) {
  return (size_t)(((key >> 3) * UINT64_C(0x9E3779B97F4A7C15)) >> 17) & (cap - 1);
}

static void idmap_grow(struct idmap *m) {
  size_t cap = m->cap ? m->cap * 2 : 1024;
  uintptr_t *keys = calloc(cap, sizeof *keys);
  uint32_t *ids = malloc(cap * sizeof *ids);
  if (!keys || !ids) g_error("tvm checker: out of memory for %zu entries", cap);
  for (size_t i = 0; i < m->cap; i++) {
    if (!m->keys[i]) continue;
    size_t h = slot_of(m->keys[i], cap);
    while (keys[h]) h = (h + 1) & (cap - 1);
    keys[h] = m->keys[i];
    ids[h] = m->ids[i];
  }
  free(m->keys);
  free(m->ids);
  m->keys = keys;
  m->ids = ids;
  m->cap = cap;
}

/* The number of `key`, or -1. */
static int64_t idmap_get(const struct idmap *m, uintptr_t key) {
  if (!m->cap) return -1;
  for (size_t h = slot_of(key, m->cap);; h = (h + 1) & (m->cap - 1)) {
    if (m->keys[h] == key) return (int64_t)m->ids[h];
    if (!m->keys[h]) return -1;
  }
}

static void idmap_put(struct idmap *m, uintptr_t key, uint64_t id) {
  if (id > UINT32_MAX) g_error("tvm checker: more than 4G objects");
  if (10 * (m->count + 1) > 7 * m->cap) idmap_grow(m);
  size_t h = slot_of(key, m->cap);
  while (m->keys[h]) h = (h + 1) & (m->cap - 1);
  m->keys[h] = key;
  m->ids[h] = (uint32_t)id;
  m->count++;
}

/* ---- The walk ---------------------------------------------------------------------- */

struct entry {
  tvm_obj_t object;
  uint64_t id;
};

struct weak_field {
  uint64_t id; /* of the weak reference */
  tvm_obj_t referent;
};

struct walker {
  tvm_t *vm;
  mmtk_t *mmtk;
  struct idmap map;
  struct entry *stack;
  size_t depth, cap;
  struct weak_field *weak;
  size_t nweak, weak_cap;
  uint64_t h;
  tvm_snapshot_t *out;
};

static inline void fold(struct walker *w, uint64_t v) {
  uint64_t h = w->h ^ v;
  h *= UINT64_C(0x100000001B3);
  h ^= h >> 29;
  h *= UINT64_C(0xBF58476D1CE4E5B9);
  w->h = h ^ (h >> 32);
}

static _Noreturn void fail(tvm_obj_t o, uint64_t parent, size_t field, const char *fmt, ...)
    G_GNUC_PRINTF(4, 5);
static _Noreturn void fail(tvm_obj_t o, uint64_t parent, size_t field, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  char *what = g_strdup_vprintf(fmt, ap);
  va_end(ap);
  if (parent == UINT64_MAX)
    g_error("tvm checker: object %p held in root slot %zu: %s", o, field, what);
  g_error("tvm checker: object %p held in field %zu of object #%llu: %s", o, field,
          (unsigned long long)parent, what);
}

static void check_object(struct walker *w, tvm_obj_t o, uint64_t parent, size_t field) {
  if ((uintptr_t)o & 7) fail(o, parent, field, "not word aligned");
  if (!mmtk_is_in_mmtk_spaces(w->mmtk, o)) fail(o, parent, field, "not in an MMTk space");
  if (!mmtk_is_live_object(w->mmtk, o)) fail(o, parent, field, "mmtk_is_live_object is false");
#if MMTK_HAVE_VO_BIT
  if (mmtk_is_mmtk_object(w->mmtk, o) != o)
    fail(o, parent, field, "mmtk_is_mmtk_object does not know it (no VO bit)");
#endif
  const char *p = tvm_header_problem(o);
  if (p)
    fail(o, parent, field, "broken header (%s): %016llx %016llx %016llx", p,
         (unsigned long long)tvm_words(o)[0], (unsigned long long)tvm_words(o)[1],
         (unsigned long long)tvm_words(o)[2]);
  if (!tvm_pattern_ok(o))
    fail(o, parent, field, "data bytes do not match the data word %llu",
         (unsigned long long)tvm_data(o));
}

/* The number of `o`, numbering and queueing it when it is new. */
static uint64_t discover(struct walker *w, tvm_obj_t o, uint64_t parent, size_t field) {
  int64_t id = idmap_get(&w->map, (uintptr_t)o);
  if (id >= 0) return (uint64_t)id;
  check_object(w, o, parent, field);
  uint64_t n = w->map.count;
  idmap_put(&w->map, (uintptr_t)o, n);
  if (w->depth == w->cap) {
    w->cap = w->cap ? w->cap * 2 : 1024;
    w->stack = realloc(w->stack, w->cap * sizeof *w->stack);
    if (!w->stack) g_error("tvm checker: out of memory for the stack");
  }
  w->stack[w->depth].object = o;
  w->stack[w->depth].id = n;
  w->depth++;
  return n;
}

static void fold_object(struct walker *w, tvm_obj_t o, uint64_t id) {
  tvm_snapshot_t *s = w->out;
  unsigned type = tvm_type(o);
  size_t nrefs = tvm_nrefs(o), size = tvm_size(o);
  s->objects++;
  s->bytes += size;
  s->by_type[type]++;
  fold(w, id);
  unsigned flags = tvm_flags(o) & ~TVM_FLAG_BINDING_MASK;
  fold(w, (uint64_t)type | (uint64_t)flags << 8 | (uint64_t)nrefs << 16);
  fold(w, size);
  fold(w, tvm_data(o));
  const unsigned char *b = tvm_bytes(o);
  size_t n = tvm_data_bytes(o), k = 0;
  for (; k + 8 <= n; k += 8) {
    uint64_t v;
    memcpy(&v, b + k, 8);
    fold(w, v);
  }
  if (k < n) {
    uint64_t v = 0;
    memcpy(&v, b + k, n - k);
    fold(w, v);
  }
  size_t first = 0;
  if (type == TVM_WEAKREF) {
    s->weakrefs++;
    if (w->nweak == w->weak_cap) {
      w->weak_cap = w->weak_cap ? 2 * w->weak_cap : 64;
      w->weak = realloc(w->weak, w->weak_cap * sizeof *w->weak);
      if (!w->weak) g_error("tvm checker: out of memory");
    }
    w->weak[w->nweak].id = id;
    w->weak[w->nweak].referent = tvm_ref(o, 0);
    w->nweak++;
    first = 1;
  }
  for (size_t i = first; i < nrefs; i++) {
    tvm_obj_t t = tvm_ref(o, i);
    if (!t) {
      fold(w, UINT64_MAX);
      continue;
    }
    s->edges++;
    fold(w, discover(w, t, id, i));
  }
}

static void drain(struct walker *w) {
  while (w->depth) {
    struct entry e = w->stack[--w->depth];
    fold_object(w, e.object, e.id);
  }
}

static void walk_slots(struct walker *w, tvm_obj_t *slots, size_t n) {
  fold(w, n);
  for (size_t i = 0; i < n; i++) {
    if (!slots[i]) {
      fold(w, UINT64_MAX);
      continue;
    }
    fold(w, discover(w, slots[i], UINT64_MAX, i));
    drain(w);
  }
}

static void finish(struct walker *w) {
  tvm_snapshot_t *s = w->out;
  /* Weak referents: known only once every strongly reachable object is numbered. */
  for (size_t i = 0; i < w->nweak; i++) {
    tvm_obj_t r = w->weak[i].referent;
    int64_t rid = r ? idmap_get(&w->map, (uintptr_t)r) : -1;
    if (!r) s->weak_null++;
    else if (rid >= 0) s->weak_live++;
    else s->weak_dangling++;
    fold(w, w->weak[i].id);
    /* A dangling referent is NULL after the next GC: both fold the same. */
    fold(w, rid >= 0 ? (uint64_t)rid : UINT64_MAX);
  }
  s->checksum = w->h;
  free(w->map.keys);
  free(w->map.ids);
  free(w->stack);
  free(w->weak);
}

static void walker_init(struct walker *w, tvm_t *vm, tvm_snapshot_t *out) {
  memset(w, 0, sizeof *w);
  memset(out, 0, sizeof *out);
  w->vm = vm;
  w->mmtk = tvm_mmtk(vm);
  w->out = out;
  w->h = UINT64_C(0xCBF29CE484222325);
}

void tvm_snapshot(tvm_t *vm, tvm_snapshot_t *out) {
  struct walker w;
  walker_init(&w, vm, out);
  tvm_thread_t *threads[256];
  size_t n = tvm_threads(vm, threads, 256);
  if (n > 256) g_error("tvm_snapshot: more than 256 threads");
  fold(&w, n);
  for (size_t i = 0; i < n; i++) {
    size_t depth;
    tvm_obj_t *stack = tvm__stack(threads[i], &depth);
    walk_slots(&w, stack, depth);
  }
  walk_slots(&w, tvm__globals(vm), TVM_GLOBALS);
  finish(&w);
}

void tvm_snapshot_thread(tvm_thread_t *th, tvm_snapshot_t *out) {
  struct walker w;
  walker_init(&w, tvm_vm(th), out);
  size_t depth;
  tvm_obj_t *stack = tvm__stack(th, &depth);
  walk_slots(&w, stack, depth);
  finish(&w);
}

/* What every GC keeps: the objects, their bytes, types and edges (by the checksum). */
static void assert_graph_same(const tvm_snapshot_t *before, const tvm_snapshot_t *after) {
  g_assert_cmpuint(after->objects, ==, before->objects);
  g_assert_cmpuint(after->bytes, ==, before->bytes);
  g_assert_cmpuint(after->edges, ==, before->edges);
  g_assert_cmpuint(after->weakrefs, ==, before->weakrefs);
  for (int t = 0; t <= TVM_TYPE_MAX; t++) g_assert_cmpuint(after->by_type[t], ==, before->by_type[t]);
  g_assert_cmpuint(after->weak_live, ==, before->weak_live);
  g_assert_cmphex(after->checksum, ==, before->checksum);
}

void tvm_assert_preserved(const tvm_snapshot_t *before, const tvm_snapshot_t *after) {
  assert_graph_same(before, after);
  /* Weak referents: the live ones kept, exactly the dead ones cleared. */
  g_assert_cmpuint(after->weak_dangling, ==, 0);
  g_assert_cmpuint(after->weak_null, ==, before->weak_null + before->weak_dangling);
}

void tvm_assert_preserved_partial(const tvm_snapshot_t *before, const tvm_snapshot_t *after) {
  assert_graph_same(before, after);
  /* A dead referent cleared, or still there if the GC left it. */
  g_assert_cmpuint(after->weak_dangling, <=, before->weak_dangling);
  g_assert_cmpuint(after->weak_null + after->weak_dangling, ==, before->weak_null + before->weak_dangling);
}

void tvm_assert_same(const tvm_snapshot_t *a, const tvm_snapshot_t *b) {
  g_assert_cmpuint(a->objects, ==, b->objects);
  g_assert_cmpuint(a->bytes, ==, b->bytes);
  g_assert_cmpuint(a->edges, ==, b->edges);
  g_assert_cmpuint(a->weakrefs, ==, b->weakrefs);
  g_assert_cmpuint(a->weak_live, ==, b->weak_live);
  g_assert_cmpuint(a->weak_null, ==, b->weak_null);
  g_assert_cmpuint(a->weak_dangling, ==, b->weak_dangling);
  g_assert_cmphex(a->checksum, ==, b->checksum);
}
