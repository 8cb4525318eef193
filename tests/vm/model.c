/* A mutator-side model of a random object graph (see model.h). */
#include "model.h"

#include <string.h>

struct mnode {
  unsigned type;
  uint32_t nrefs;
  uint32_t data_bytes;
  uint64_t data;
  int64_t *refs;          /* model ids, -1 = NULL */
  uint64_t weak_dead_gc;  /* WEAKREF: 1 + the GC count when its referent was first seen dead */
};

struct model {
  tvm_thread_t *th;
  model_config_t cfg;
  GRand *rand;
  model_choice_fn choice; /* NULL: rand decides */
  void *choice_ctx;
  size_t base; /* the first of the model's root slots */
  int64_t *roots;
  struct mnode *nodes;
  size_t n, cap;
  size_t live, cleared, allocated, allocations;
  /* model_verify() scratch */
  tvm_obj_t *m2h;
  size_t m2h_cap;
  size_t m2h_valid; /* model objects the last model_verify() covered */
};

static _Noreturn void mismatch(const char *fmt, ...) G_GNUC_PRINTF(1, 2);
static _Noreturn void mismatch(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  char *s = g_strdup_vprintf(fmt, ap);
  va_end(ap);
  g_error("model: the heap differs from the model: %s", s);
}

model_t *model_new(tvm_thread_t *th, const model_config_t *config, guint32 seed) {
  model_t *m = g_new0(model_t, 1);
  m->th = th;
  if (config) m->cfg = *config;
  if (!m->cfg.roots) m->cfg.roots = 32;
  if (!m->cfg.max_refs) m->cfg.max_refs = 4;
  if (!m->cfg.max_data) m->cfg.max_data = 64;
  if (!config) m->cfg.weak_percent = 10;
  m->rand = g_rand_new_with_seed(seed);
  m->base = tvm_depth(th);
  m->roots = g_new(int64_t, m->cfg.roots);
  for (size_t i = 0; i < m->cfg.roots; i++) {
    m->roots[i] = -1;
    tvm_push(th, NULL);
  }
  return m;
}

void model_free(model_t *m) {
  if (tvm_depth(m->th) != m->base + m->cfg.roots)
    g_error("model_free: the model's roots are not the top of the shadow stack");
  tvm_pop_to(m->th, m->base);
  for (size_t i = 0; i < m->n; i++) g_free(m->nodes[i].refs);
  g_free(m->nodes);
  g_free(m->roots);
  g_free(m->m2h);
  g_rand_free(m->rand);
  g_free(m);
}

size_t model_live(const model_t *m) { return m->live; }
size_t model_cleared(const model_t *m) { return m->cleared; }

void model_live_objects(const model_t *m, GHashTable *set) {
  /* m2h: filled by the last model_verify() for the objects it reached, NULL elsewhere. */
  for (size_t i = 0; i < m->m2h_valid; i++)
    if (m->m2h[i]) g_hash_table_add(set, m->m2h[i]);
}
size_t model_allocated_bytes(const model_t *m) { return m->allocated; }
size_t model_allocations(const model_t *m) { return m->allocations; }

void model_set_choices(model_t *m, model_choice_fn fn, void *ctx) {
  m->choice = fn;
  m->choice_ctx = ctx;
}

static unsigned rnd(model_t *m, unsigned n) {
  if (m->choice) return m->choice(m->choice_ctx, n);
  return n ? (unsigned)g_rand_int_range(m->rand, 0, (gint32)n) : 0;
}
static bool chance(model_t *m, unsigned percent) { return rnd(m, 100) < percent; }

static size_t first_strong(const struct mnode *n) { return n->type == TVM_WEAKREF ? 1 : 0; }

/* A random object: a root, then a few random strong fields.  No safepoint. */
static tvm_obj_t walk(model_t *m, int64_t *id_out) {
  size_t r = 0;
  bool found = false;
  for (int tries = 0; tries < 16 && !found; tries++) {
    r = rnd(m, (unsigned)m->cfg.roots);
    found = m->roots[r] >= 0;
  }
  if (!found) return NULL;
  tvm_obj_t o = tvm_root(m->th, m->base + r);
  int64_t id = m->roots[r];
  if (!o) mismatch("root slot %zu is NULL, the model has object %lld", r, (long long)id);
  for (unsigned steps = rnd(m, 5); steps; steps--) {
    const struct mnode *n = &m->nodes[id];
    size_t first = first_strong(n);
    if (n->nrefs <= first) break;
    size_t i = first + rnd(m, n->nrefs - (unsigned)first);
    if (n->refs[i] < 0) break;
    tvm_obj_t next = tvm_ref(o, i);
    if (!next) mismatch("field %zu of object %lld is NULL, the model has %lld", i, (long long)id,
                        (long long)n->refs[i]);
    o = next;
    id = n->refs[i];
  }
  *id_out = id;
  return o;
}

static int64_t add_node(model_t *m, unsigned type, size_t nrefs, size_t data_bytes, uint64_t data) {
  if (m->n == m->cap) {
    m->cap = m->cap ? 2 * m->cap : 1024;
    m->nodes = g_renew(struct mnode, m->nodes, m->cap);
  }
  struct mnode *n = &m->nodes[m->n];
  n->type = type;
  n->nrefs = (uint32_t)nrefs;
  n->data_bytes = (uint32_t)data_bytes;
  n->data = data;
  n->refs = g_new(int64_t, nrefs ? nrefs : 1);
  for (size_t i = 0; i < nrefs; i++) n->refs[i] = -1;
  n->weak_dead_gc = 0;
  return (int64_t)m->n++;
}

static void set_field(model_t *m, tvm_obj_t o, int64_t id, size_t i, tvm_obj_t t, int64_t tid) {
  tvm_set_ref(m->th, o, i, t);
  m->nodes[id].refs[i] = t ? tid : -1;
}

static bool op_alloc(model_t *m) {
  unsigned type = TVM_NODE;
  size_t nrefs = 1 + rnd(m, m->cfg.max_refs), data_bytes = rnd(m, m->cfg.max_data + 1);
  bool large = rnd(m, 1000) < m->cfg.large_permille;
  unsigned k = rnd(m, 100);
  if (k < m->cfg.weak_percent) {
    type = TVM_WEAKREF;
    nrefs = 1 + rnd(m, 2);
  } else if (k < m->cfg.weak_percent + 10) {
    type = TVM_ARRAY;
    nrefs = large ? 2100 + rnd(m, 2000) : 8 + rnd(m, 57);
    data_bytes = 0;
  } else if (k < m->cfg.weak_percent + 20) {
    type = TVM_BYTES;
    nrefs = 0;
    data_bytes = large ? (16u << 10) + 1 + rnd(m, 64u << 10) : rnd(m, 200);
  } else if (large) {
    data_bytes = (16u << 10) + rnd(m, 32u << 10);
  }
  uint64_t data = ((uint64_t)g_rand_int(m->rand) << 32) | g_rand_int(m->rand);
  tvm_obj_t o = tvm_alloc(m->th, type, nrefs, data_bytes, data);
  if (!o) return false;
  m->allocated += tvm_object_size(nrefs, data_bytes);
  m->allocations++;
  int64_t id = add_node(m, type, nrefs, data_bytes, data);
  /* No safepoint until `o` is in a root. */
  size_t fill = nrefs < 8 ? nrefs : 8;
  for (size_t f = 0; f < fill; f++) {
    size_t i = nrefs <= 8 ? f : rnd(m, (unsigned)nrefs);
    if (!chance(m, 60)) continue;
    int64_t tid;
    tvm_obj_t t = walk(m, &tid);
    if (t) set_field(m, o, id, i, t, tid);
  }
  size_t r = rnd(m, (unsigned)m->cfg.roots);
  tvm_set_root(m->th, m->base + r, o);
  m->roots[r] = id;
  return true;
}

static void op_store(model_t *m) {
  int64_t sid, tid = -1;
  tvm_obj_t s = walk(m, &sid);
  if (!s) return;
  /* The referent of a weak reference is only ever stored at its allocation. */
  size_t first = first_strong(&m->nodes[sid]);
  if (m->nodes[sid].nrefs <= first) return;
  size_t i = first + rnd(m, m->nodes[sid].nrefs - (unsigned)first);
  tvm_obj_t t = chance(m, 85) ? walk(m, &tid) : NULL;
  set_field(m, s, sid, i, t, tid);
}

static void op_drop(model_t *m) {
  size_t r = rnd(m, (unsigned)m->cfg.roots);
  tvm_set_root(m->th, m->base + r, NULL);
  m->roots[r] = -1;
}

static void op_copy(model_t *m) {
  int64_t id;
  tvm_obj_t o = walk(m, &id);
  if (!o) return;
  size_t r = rnd(m, (unsigned)m->cfg.roots);
  tvm_set_root(m->th, m->base + r, o);
  m->roots[r] = id;
}

static void op_data(model_t *m) {
  int64_t id;
  tvm_obj_t o = walk(m, &id);
  if (!o) return;
  uint64_t d = ((uint64_t)g_rand_int(m->rand) << 32) | g_rand_int(m->rand);
  tvm_set_data(o, d);
  m->nodes[id].data = d;
}

bool model_step(model_t *m) {
  unsigned k = rnd(m, 100);
  if (k < 40) return op_alloc(m);
  if (k < 70) op_store(m);
  else if (k < 80) op_drop(m);
  else if (k < 92) op_copy(m);
  else if (k < 97) op_data(m);
  else tvm_safepoint(m->th);
  return true;
}

/* ---- Verification ------------------------------------------------------------------- */

struct pair {
  tvm_obj_t o;
  int64_t id;
};

static void check_pair(model_t *m, tvm_obj_t o, int64_t id) {
  const struct mnode *n = &m->nodes[id];
  mmtk_t *mmtk = tvm_mmtk(tvm_vm(m->th));
  if (!mmtk_is_in_mmtk_spaces(mmtk, o) || !mmtk_is_live_object(mmtk, o))
    mismatch("object %lld at %p is not a live object in an MMTk space", (long long)id, o);
  const char *p = tvm_header_problem(o);
  if (p) mismatch("object %lld at %p has a broken header (%s)", (long long)id, o, p);
  if (tvm_type(o) != n->type || tvm_nrefs(o) != n->nrefs || tvm_data_bytes(o) != n->data_bytes)
    mismatch("object %lld at %p is type %u with %zu fields and %zu data bytes, the model has "
             "%u/%u/%u", (long long)id, o, tvm_type(o), tvm_nrefs(o), tvm_data_bytes(o), n->type,
             n->nrefs, n->data_bytes);
  if (tvm_data(o) != n->data)
    mismatch("object %lld at %p has data word %016llx, the model %016llx", (long long)id, o,
             (unsigned long long)tvm_data(o), (unsigned long long)n->data);
  if (!tvm_pattern_ok(o)) mismatch("object %lld at %p: data bytes corrupted", (long long)id, o);
}

void model_verify(model_t *m, bool after_gc) {
  if (m->m2h_cap < m->n) {
    g_free(m->m2h);
    m->m2h_cap = m->n + m->n / 2 + 16;
    m->m2h = g_new(tvm_obj_t, m->m2h_cap);
  }
  if (m->n) memset(m->m2h, 0, m->n * sizeof *m->m2h); /* m2h is NULL while n is 0 */
  m->m2h_valid = m->n;
  GHashTable *h2m = g_hash_table_new(g_direct_hash, g_direct_equal);
  GArray *stack = g_array_new(FALSE, FALSE, sizeof(struct pair));
  GArray *weak = g_array_new(FALSE, FALSE, sizeof(struct pair));
  size_t live = 0;

#define VISIT(obj, mid)                                                                        \
  do {                                                                                         \
    tvm_obj_t o_ = (obj);                                                                      \
    int64_t id_ = (mid);                                                                       \
    if (m->m2h[id_]) {                                                                         \
      if (m->m2h[id_] != o_)                                                                   \
        mismatch("model object %lld is two heap objects, %p and %p", (long long)id_,          \
                 m->m2h[id_], o_);                                                             \
    } else {                                                                                   \
      gpointer prev_ = g_hash_table_lookup(h2m, o_);                                           \
      if (prev_)                                                                               \
        mismatch("heap object %p is two model objects, %lld and %lld", o_,                    \
                 (long long)(GPOINTER_TO_SIZE(prev_) - 1), (long long)id_);                    \
      check_pair(m, o_, id_);                                                                  \
      m->m2h[id_] = o_;                                                                        \
      g_hash_table_insert(h2m, o_, GSIZE_TO_POINTER((gsize)id_ + 1));                          \
      struct pair p_ = {o_, id_};                                                              \
      g_array_append_val(stack, p_);                                                           \
      live++;                                                                                  \
    }                                                                                          \
  } while (0)

  for (size_t r = 0; r < m->cfg.roots; r++) {
    tvm_obj_t o = tvm_root(m->th, m->base + r);
    int64_t id = m->roots[r];
    if (id < 0) {
      if (o) mismatch("root slot %zu holds %p, the model NULL", r, o);
      continue;
    }
    if (!o) mismatch("root slot %zu is NULL, the model has object %lld", r, (long long)id);
    VISIT(o, id);
    while (stack->len) {
      struct pair p = g_array_index(stack, struct pair, stack->len - 1);
      g_array_set_size(stack, stack->len - 1);
      const struct mnode *n = &m->nodes[p.id];
      if (n->type == TVM_WEAKREF) g_array_append_val(weak, p);
      for (size_t i = first_strong(n); i < n->nrefs; i++) {
        tvm_obj_t t = tvm_ref(p.o, i);
        int64_t tid = n->refs[i];
        if ((tid < 0) != (t == NULL))
          mismatch("field %zu of object %lld holds %p, the model %lld", i, (long long)p.id, t,
                   (long long)tid);
        if (t) VISIT(t, tid);
      }
    }
  }
#undef VISIT

  /* Only a full-heap GC must clear a dead referent: a generational plan's nursery GC
   * leaves the mature objects alone. */
  mmtk_stats_t st = {.size = sizeof st};
  g_assert_true(mmtk_get_stats(tvm_mmtk(tvm_vm(m->th)), &st));
  uint64_t gcs = st.gc_count - st.nursery_gc_count;
  for (guint k = 0; k < weak->len; k++) {
    struct pair p = g_array_index(weak, struct pair, k);
    struct mnode *n = &m->nodes[p.id];
    int64_t r = n->refs[0];
    tvm_obj_t ho = tvm_ref(p.o, 0);
    bool reachable = r >= 0 && m->m2h[r] != NULL;
    if (!ho) {
      if (reachable)
        mismatch("weak reference %lld was cleared, but its referent %lld is reachable",
                 (long long)p.id, (long long)r);
      if (r >= 0) {
        m->cleared++;
        n->refs[0] = -1;
      }
      continue;
    }
    if (r < 0) mismatch("weak reference %lld holds %p, the model NULL", (long long)p.id, ho);
    if (reachable) {
      if (m->m2h[r] != ho)
        mismatch("weak reference %lld holds %p, the model's referent %lld is %p",
                 (long long)p.id, ho, (long long)r, m->m2h[r]);
      continue;
    }
    /* The referent is dead: a GC must clear it. */
    if (after_gc)
      mismatch("weak reference %lld still holds %p after a GC, but its referent %lld is "
               "unreachable", (long long)p.id, ho, (long long)r);
    if (n->weak_dead_gc && gcs + 1 > n->weak_dead_gc)
      mismatch("weak reference %lld still holds %p after %llu GC(s) since its referent %lld "
               "was found unreachable", (long long)p.id, ho,
               (unsigned long long)(gcs + 1 - n->weak_dead_gc), (long long)r);
    if (!n->weak_dead_gc) n->weak_dead_gc = gcs + 1;
    /* Not collected yet: still the object the model knows. */
    if (tvm_header_problem(ho) || tvm_data(ho) != m->nodes[r].data)
      mismatch("the dead referent %lld of weak reference %lld is corrupted before any GC",
               (long long)r, (long long)p.id);
  }
  m->live = live;
  g_array_free(stack, TRUE);
  g_array_free(weak, TRUE);
  g_hash_table_destroy(h2m);
}
