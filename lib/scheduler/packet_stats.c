/* Work-packet statistics (design.scheduler.stats), built with
 * --enable-work-packet-stats only. */
#include "mmtk_internal.h"

#include <stdio.h>

#define OTHER "(other)"

static struct packet_kind_stats *find(struct packet_stats *t, const char *kind) {
  if (!kind) kind = "(unnamed)";
  for (int i = 0; i < PACKET_KINDS - 1; i++) {
    struct packet_kind_stats *k = &t->kinds[i];
    const char *name = atomic_load_explicit(&k->kind, memory_order_relaxed);
    if (!name) {
      atomic_store_explicit(&k->kind, kind, memory_order_release);
      return k;
    }
    /* The same name from another file may be another string. */
    if (name == kind || strcmp(name, kind) == 0) return k;
  }
  struct packet_kind_stats *k = &t->kinds[PACKET_KINDS - 1];
  if (!atomic_load_explicit(&k->kind, memory_order_relaxed))
    atomic_store_explicit(&k->kind, OTHER, memory_order_release);
  return k;
}

void packet_stats_record(struct packet_stats *t, const char *kind, uint64_t ns) {
  struct packet_kind_stats *k = find(t, kind);
  /* The worker is the only writer: a load and a store, no locked instruction. */
  atomic_store_explicit(&k->count, atomic_load_explicit(&k->count, memory_order_relaxed) + 1,
                        memory_order_relaxed);
  atomic_store_explicit(&k->ns, atomic_load_explicit(&k->ns, memory_order_relaxed) + ns,
                        memory_order_relaxed);
}

void packet_stats_begin(mmtk_t *mmtk) {
  struct scheduler *s = &mmtk->sched;
  for (unsigned w = 0; w < s->nworkers; w++)
    for (int i = 0; i < PACKET_KINDS; i++) {
      struct packet_kind_stats *k = &s->workers[w].packet_stats.kinds[i];
      if (!atomic_load_explicit(&k->kind, memory_order_acquire)) break;
      k->begin_count = atomic_load_explicit(&k->count, memory_order_relaxed);
      k->begin_ns = atomic_load_explicit(&k->ns, memory_order_relaxed);
    }
}

struct row {
  const char *kind;
  uint64_t count, ns;
};

static int by_time(const void *a, const void *b) {
  const struct row *x = a, *y = b;
  if (x->ns != y->ns) return x->ns < y->ns ? 1 : -1;
  return strcmp(x->kind, y->kind);
}

void packet_stats_print(mmtk_t *mmtk, FILE *out) {
  struct scheduler *s = &mmtk->sched;
  /* Every worker's kinds, merged by name. */
  struct row rows[PACKET_KINDS];
  int n = 0;
  for (unsigned w = 0; w < s->nworkers; w++)
    for (int i = 0; i < PACKET_KINDS; i++) {
      struct packet_kind_stats *k = &s->workers[w].packet_stats.kinds[i];
      const char *name = atomic_load_explicit(&k->kind, memory_order_acquire);
      if (!name) break;
      uint64_t count = atomic_load_explicit(&k->count, memory_order_relaxed) - k->begin_count;
      uint64_t ns = atomic_load_explicit(&k->ns, memory_order_relaxed) - k->begin_ns;
      if (!count) continue;
      int r = 0;
      while (r < n && strcmp(rows[r].kind, name) != 0) r++;
      if (r == n) {
        if (n == PACKET_KINDS) r = n - 1; /* more names than a worker keeps: lumped */
        else rows[n++] = (struct row){.kind = name};
      }
      rows[r].count += count;
      rows[r].ns += ns;
    }
  if (!n) return;
  qsort(rows, (size_t)n, sizeof rows[0], by_time);
  fprintf(out, "------------------------------- Work packets by kind -------------------------------\n");
  fprintf(out, "kind\tcount\ttime.total.ms\ttime.mean.us\n");
  for (int r = 0; r < n; r++)
    fprintf(out, "%s\t%llu\t%.3f\t%.2f\n", rows[r].kind, (unsigned long long)rows[r].count,
            (double)rows[r].ns / 1e6, (double)rows[r].ns / 1e3 / (double)rows[r].count);
}
