/* fuzz-tvm: API sequences on the test VM (RELIABILITY R32), decoded from the input.
 *
 * Every input builds a fresh VM (tests/vm/tvm.h) on one thread, so that an input is a
 * reproducer on its own.  Its first byte chooses the configuration:
 *   byte % 3         the plan: SemiSpace, MarkSweep, NoGC
 *   bit 2            binding metadata in the header (else on the side)
 *   bit 3            two GC workers (else one)
 *   bits 4-5         stress_factor: off, off, 1 MiB, 64 KiB
 *   bit 6            MarkSweep's eager_complete_sweep
 * and the sanity verifier runs in every GC of an --enable-sanity build.  Then each byte
 * (or two, for a choice among more than 256) decides one operation and its arguments:
 *
 *   - steps of a model (tests/vm/model.h) on 16 root slots, its choices taken from the
 *     input: allocations, stores through the write barrier, dropped and copied roots,
 *     weak references (mmtk_add_weak_candidate), changed data;
 *   - on 8 root slots of their own, "extra" objects the model does not mirror: any type
 *     (FINALIZABLE ones call mmtk_add_finalizer), sizes up to 64 KiB, alignments from 8
 *     to 4096 bytes, every allocation semantics; stores through each barrier entry
 *     point (mmtk_object_reference_write, its _pre/_post pair, mmtk_memory_region_copy
 *     and its _pre/_post pair); dropped and copied roots; pin and unpin;
 *   - GC requests, gc_poll, finalizers run (each finalized object may be resurrected into
 *     a root slot), model checks.
 *
 * After every requested GC: the reachable graph (both bands) is the same as before it,
 * with dead weak referents cleared (tvm_snapshot, tvm_assert_preserved); the heap matches
 * the model (model_verify); an object mmtk_is_pinned() said was pinned has not moved;
 * finalized objects are intact and finalized once.  At the end the VM's error counters
 * are zero.  Any failure aborts (a crash for libFuzzer).
 *
 * Bounds keep a run fast: at most 8 MiB allocated per input, in a 32 MiB heap (so even
 * NoGC never runs out), and 4096 operations.
 */
#include "fuzz.h"

#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"
#include "tvm.h"

#define EXTRA 8           /* root slots 0..EXTRA-1: the extra objects */
#define MODEL_ROOTS 16    /* then the model's band */
#define BUDGET (8u << 20) /* bytes allocated per input */
#define MAX_OPS 4096

struct run {
  const uint8_t *in;
  size_t n, pos;
  tvm_t *vm;
  tvm_thread_t *th;
  mmtk_t *mmtk;
  model_t *model;
  size_t allocated; /* by the extra operations */
  uint64_t next_data;
  bool oom;
};

static _Noreturn void fail(struct run *r, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
static _Noreturn void fail(struct run *r, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fprintf(stderr, "fuzz-tvm: at input byte %zu: ", r->pos);
  vfprintf(stderr, fmt, ap);
  fprintf(stderr, "\n");
  va_end(ap);
  abort();
}

/* A number below n from the next byte (two bytes when n > 256); 0 once the input is
 * used up, or when there is only one choice. */
static unsigned take(struct run *r, unsigned n) {
  if (n <= 1) return 0;
  unsigned v = 0;
  if (r->pos < r->n) v = r->in[r->pos++];
  if (n > 256 && r->pos < r->n) v = v << 8 | r->in[r->pos++];
  return v % n;
}

static unsigned model_choice(void *ctx, unsigned n) { return take(ctx, n); }

static tvm_obj_t extra(struct run *r, unsigned slot) { return tvm_root(r->th, slot); }
static void set_extra(struct run *r, unsigned slot, tvm_obj_t o) { tvm_set_root(r->th, slot, o); }

/* ---- Extra objects ------------------------------------------------------------------ */

static size_t data_size(struct run *r) {
  switch (take(r, 4)) {
  case 0: return take(r, 64);
  case 1: return take(r, 512);
  case 2: return take(r, 8192);
  default: return (16u << 10) + take(r, 48u << 10);
  }
}

static void op_alloc(struct run *r) {
  unsigned type = TVM_TYPE_MIN + take(r, TVM_TYPE_MAX - TVM_TYPE_MIN + 1);
  size_t nrefs = 0, bytes = 0;
  switch (type) {
  case TVM_NODE: nrefs = take(r, 5); bytes = data_size(r); break;
  case TVM_ARRAY: nrefs = take(r, 2) ? 8 + take(r, 4200) : take(r, 9); break;
  case TVM_BYTES: bytes = data_size(r); break;
  case TVM_WEAKREF: nrefs = 1 + take(r, 3); bytes = take(r, 64); break;
  default: nrefs = take(r, 4); bytes = take(r, 64); break; /* FINALIZABLE */
  }
  size_t align = (size_t)8 << take(r, 10); /* 8 .. 4096 */
  mmtk_alloc_semantics_t sem = (mmtk_alloc_semantics_t)take(r, MMTK_ALLOC_SEMANTICS_COUNT);
  unsigned slot = take(r, EXTRA);
  /* Large-object semantics take whole pages: count them so. */
  size_t size = tvm_object_size(nrefs, bytes), cost = size + align;
  if (sem == MMTK_ALLOC_LOS || sem == MMTK_ALLOC_LARGE_CODE) cost = (size + 8191) & ~(size_t)4095;
  if (r->allocated + cost > BUDGET) return;
  r->allocated += cost;
  uint64_t data = ++r->next_data;
  tvm_obj_t o = tvm_alloc_aligned(r->th, type, nrefs, bytes, data, sem, align);
  if (!o) {
    r->oom = true;
    return;
  }
  /* No safepoint until `o` is in its slot: fill a few fields from the extra slots (for
   * a weak reference, field 0 is the referent, stored only now). */
  size_t fill = nrefs < 3 ? nrefs : 3;
  for (size_t f = 0; f < fill; f++) {
    size_t i = f == 0 ? 0 : take(r, (unsigned)nrefs);
    tvm_obj_t t = extra(r, take(r, EXTRA));
    if (t) tvm_set_ref(r->th, o, i, t);
  }
  set_extra(r, slot, o);
}

static size_t first_strong(tvm_obj_t o) { return tvm_type(o) == TVM_WEAKREF ? 1 : 0; }

/* A store into a strong field of an extra object, through one of the barrier entry
 * points. */
static void op_store(struct run *r) {
  tvm_obj_t o = extra(r, take(r, EXTRA));
  unsigned how = take(r, 4);
  if (!o || tvm_nrefs(o) <= first_strong(o)) return;
  size_t nstrong = tvm_nrefs(o) - first_strong(o);
  size_t i = first_strong(o) + take(r, (unsigned)nstrong);
  tvm_obj_t *slot = &tvm_refs(o)[i];
  mmtk_mutator_t *mu = tvm_mutator(r->th);
  if (how < 2) {
    unsigned t = take(r, EXTRA + 1);
    tvm_obj_t v = t == EXTRA ? NULL : extra(r, t);
    if (how == 0) {
      mmtk_object_reference_write(mu, o, slot, v);
    } else {
      mmtk_object_reference_write_pre(mu, o, slot, v);
      *slot = v;
      mmtk_object_reference_write_post(mu, o, slot, v);
    }
    return;
  }
  /* Copy a run of strong fields of another extra object (or of this one: memmove). */
  tvm_obj_t u = extra(r, take(r, EXTRA));
  if (!u || tvm_nrefs(u) <= first_strong(u)) return;
  size_t ustrong = tvm_nrefs(u) - first_strong(u);
  size_t j = first_strong(u) + take(r, (unsigned)ustrong);
  size_t k = 1 + take(r, 8);
  if (k > tvm_nrefs(o) - i) k = tvm_nrefs(o) - i;
  if (k > tvm_nrefs(u) - j) k = tvm_nrefs(u) - j;
  tvm_obj_t *from = &tvm_refs(u)[j];
  if (how == 2) {
    mmtk_memory_region_copy(mu, from, slot, k * sizeof *slot);
  } else {
    mmtk_memory_region_copy_pre(mu, from, slot, k * sizeof *slot);
    memmove(slot, from, k * sizeof *slot);
    mmtk_memory_region_copy_post(mu, from, slot, k * sizeof *slot);
  }
}

static void op_pin(struct run *r, bool pin) {
  tvm_obj_t o = extra(r, take(r, EXTRA));
  if (!o) return;
  bool changed = pin ? mmtk_pin_object(r->mmtk, o) : mmtk_unpin_object(r->mmtk, o);
  if (changed && mmtk_is_pinned(r->mmtk, o) != pin)
    fail(r, "mmtk_%spin_object(%p) returned true, but mmtk_is_pinned says %s", pin ? "" : "un",
         o, pin ? "no" : "yes");
}

/* ---- GC and finalizers ---------------------------------------------------------------- */

static void resurrect(tvm_thread_t *th, tvm_obj_t o, void *arg) {
  struct run *r = arg;
  (void)th;
  if (take(r, 2)) set_extra(r, take(r, EXTRA), o);
}

static void checked_gc(struct run *r) {
  /* Objects revived for their finalizers (by a GC an allocation triggered) are roots
   * until the VM takes them, and the snapshots do not see them: take them first, or
   * what they reach would look dead and yet be kept. */
  tvm_run_finalizers(r->th, resurrect, r);
  tvm_obj_t pinned[EXTRA];
  for (unsigned i = 0; i < EXTRA; i++) {
    tvm_obj_t o = extra(r, i);
    pinned[i] = o && mmtk_is_pinned(r->mmtk, o) ? o : NULL;
  }
  tvm_snapshot_t before, after;
  tvm_snapshot(r->vm, &before);
  uint64_t n = tvm_gc_count(r->vm);
  bool ran = tvm_gc(r->th);
  if (ran != tvm_collects(r->vm))
    fail(r, "mmtk_handle_user_collection_request returned %d on a plan that %s", ran,
         tvm_collects(r->vm) ? "collects" : "does not collect");
  if (tvm_gc_count(r->vm) != n + ran)
    fail(r, "%llu GCs ran for one request", (unsigned long long)(tvm_gc_count(r->vm) - n));
  tvm_snapshot(r->vm, &after);
  /* NoGC: nothing ran, so nothing was cleared either. */
  if (ran) tvm_assert_preserved(&before, &after);
  else tvm_assert_same(&before, &after);
  for (unsigned i = 0; i < EXTRA; i++)
    if (pinned[i] && extra(r, i) != pinned[i])
      fail(r, "the pinned object %p in slot %u moved to %p", pinned[i], i, extra(r, i));
  model_verify(r->model, ran);
  tvm_run_finalizers(r->th, resurrect, r);
}

static void check_counters(struct run *r) {
  tvm_counters_t c;
  tvm_counters(r->vm, &c);
  if (c.finalize_errors || c.enqueue_errors || c.weak_glue_errors || c.insane_objects ||
      c.handshake_errors)
    fail(r, "the VM counted errors: finalize %llu, enqueue %llu, weak glue %llu, insane objects "
         "%llu, handshake %llu", (unsigned long long)c.finalize_errors,
         (unsigned long long)c.enqueue_errors, (unsigned long long)c.weak_glue_errors,
         (unsigned long long)c.insane_objects, (unsigned long long)c.handshake_errors);
  /* Running out of memory logs an error by design; nothing else may. */
  if (c.log_errors && !c.oom_calls)
    fail(r, "libmmtk logged %llu error(s)", (unsigned long long)c.log_errors);
}

/* ---- The input ------------------------------------------------------------------------- */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static const char *const plans[] = {"SemiSpace", "MarkSweep", "NoGC"};
  static const char *const stress[] = {NULL, NULL, "1M", "64K"};
  struct run run = {.in = data, .n = size}, *r = &run;
  unsigned cfg = take(r, 256);
  tvm_options_t o = {
      .plan = plans[cfg % 3],
      .header_metadata = cfg & 4,
      .workers = cfg & 8 ? 2 : 1,
      .heap = "FixedHeapSize:32M",
      .stress_factor = stress[(cfg >> 4) & 3],
      .sanity = true,
      .extra = cfg % 3 == 1 && (cfg & 64) ? "eager_complete_sweep=true" : NULL,
  };
  r->vm = tvm_new(&o);
  r->mmtk = tvm_mmtk(r->vm);
  r->th = tvm_attach(r->vm);
  for (unsigned i = 0; i < EXTRA; i++) tvm_push(r->th, NULL);
  model_config_t mc = {.roots = MODEL_ROOTS, .max_refs = 4, .max_data = 64,
                       .large_permille = 20, .weak_percent = 10};
  r->model = model_new(r->th, &mc, 1);
  model_set_choices(r->model, model_choice, r);

  for (unsigned ops = 0; ops < MAX_OPS && r->pos < r->n && !r->oom; ops++) {
    unsigned op = take(r, 16);
    if (op < 6) {
      if (model_allocated_bytes(r->model) + r->allocated + (128u << 10) > BUDGET) continue;
      if (!model_step(r->model)) r->oom = true;
    } else if (op < 8) {
      op_alloc(r);
    } else if (op < 10) {
      op_store(r);
    } else if (op == 10) {
      set_extra(r, take(r, EXTRA), NULL);
    } else if (op == 11) {
      unsigned from = take(r, EXTRA);
      set_extra(r, take(r, EXTRA), extra(r, from));
    } else if (op == 12) {
      checked_gc(r);
    } else if (op == 13) {
      op_pin(r, !take(r, 2));
    } else if (op == 14) {
      if (take(r, 2)) mmtk_gc_poll(tvm_mutator(r->th));
      else tvm_run_finalizers(r->th, resurrect, r);
    } else {
      model_verify(r->model, false);
    }
  }
  if (!r->oom) checked_gc(r);
  check_counters(r);
  /* FUZZ_TVM_VERBOSE=1: what the input did, to tell whether a seed reaches anything. */
  if (getenv("FUZZ_TVM_VERBOSE")) {
    tvm_counters_t c;
    tvm_counters(r->vm, &c);
    fprintf(stderr, "fuzz-tvm: %s: %zu bytes read, %llu GCs, %zu + %zu bytes allocated, "
            "%zu model objects live, %zu weak referents cleared, %llu finalized%s\n", o.plan,
            r->pos, (unsigned long long)c.gcs, model_allocated_bytes(r->model), r->allocated,
            model_live(r->model), model_cleared(r->model), (unsigned long long)c.finalized,
            r->oom ? ", out of memory" : "");
  }
  model_free(r->model);
  tvm_pop_to(r->th, 0);
  tvm_detach(r->th);
  tvm_destroy(r->vm);
  return 0;
}
