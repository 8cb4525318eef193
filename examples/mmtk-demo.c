/* mmtk-demo: the program the README runs.
 *
 *   mmtk-demo                    GCBench on minivm, the reference binding (demo-gc.c), on
 *                                the plan MMTK_PLAN names (default GenImmix, 64 MiB heap);
 *                                a smaller one on PageProtect (a page per object)
 *   mmtk-demo --two-plans PLAN,PLAN
 *                                GCBench twice at once, in one process: two libmmtk
 *                                instances, one per plan (MMTK_PLAN is ignored, the
 *                                other MMTK_* variables apply to both), each driven by
 *                                its own thread (demo-gc.c); a result line per instance
 *   MMTK_PLAN=NoGC mmtk-demo [-t THREADS] [-s OBJECT_SIZE] [-b TOTAL_BYTES]
 *                                allocation throughput without collection (this file)
 *
 * The NoGC workload builds an instance (MMTK_* environment variables apply, as with every libmmtk
 * program), binds one mutator per thread, and has each thread allocate its share of the
 * requested volume through the inline fast path of <mmtk/inline.h> (mmtk_alloc_fast() +
 * mmtk_post_alloc_fast()).  Every object starts with a header word encoding its sequence
 * number and size, followed by a pattern derived from the header.  The address of every
 * object is recorded in a linked list of pointer arrays ("chunks"), themselves allocated
 * from libmmtk, so that afterwards each thread can walk back over all of its objects and
 * check every byte.  NoGC never reclaims anything, so nothing moves and nothing is freed
 * until mmtk_shutdown().
 *
 * Sizes accept K, M and G suffixes (binary).  Exit status: 0 when every object verified,
 * 1 on a mismatch or any failure, 2 on a usage error.
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <mmtk.h>
#include <strings.h>

#include "demo-gc.h"

extern char **environ;

#define DEFAULT_TOTAL_BYTES ((uint64_t)2 << 30) /* 2 GiB */
#define DEFAULT_OBJECT_SIZE 32
#define MAX_OBJECT_SIZE ((size_t)1 << 20)
#define MAX_THREADS 1024
#define HEADER_BYTES sizeof(uint64_t)
#define GIB (1024.0 * 1024.0 * 1024.0)
#define MIB ((uint64_t)1 << 20)

/* A pointer array of 8 KiB: small enough for the bump-pointer space. */
#define CHUNK_OBJECTS 1022
struct chunk {
  struct chunk *next;
  uint64_t count;
  void *objects[CHUNK_OBJECTS];
};

struct thread_ctx {
  unsigned id;
  mmtk_t *mmtk;
  pthread_t thread;
  pthread_barrier_t *start, *allocated;
  size_t object_size;
  uint64_t objects;         /* how many to allocate */
  uint64_t allocated_count; /* how many were allocated */
  uint64_t first_seq;       /* sequence number of this thread's first object */
  struct chunk *chunks;     /* most recent first */
  uint64_t bad_objects;
  const char *failure; /* set when the thread could not do its part */
};

/* ---- The object layout ---------------------------------------------------------------- */

/* Header: sequence number in the high 40 bits, size in the low 24 (sizes <= 1 MiB). */
static uint64_t make_header(uint64_t seq, size_t size) { return seq << 24 | (uint64_t)size; }

/* Payload word k of the object whose header is h: distinct for every object and word. */
static uint64_t pattern_word(uint64_t h, uint64_t k) {
  uint64_t x = (h + k) * UINT64_C(0x9E3779B97F4A7C15);
  return x ^ (x >> 29);
}

static void fill_object(unsigned char *p, size_t size, uint64_t h) {
  memcpy(p, &h, HEADER_BYTES);
  size_t words = (size - HEADER_BYTES) / 8, tail = (size - HEADER_BYTES) % 8;
  uint64_t *w = (uint64_t *)(void *)(p + HEADER_BYTES);
  for (size_t k = 0; k < words; k++) w[k] = pattern_word(h, k);
  if (tail) {
    uint64_t last = pattern_word(h, words);
    memcpy(p + HEADER_BYTES + 8 * words, &last, tail);
  }
}

/* Offset of the first wrong byte, or (size_t)-1 when the object is intact. */
static size_t check_object(const unsigned char *p, size_t size, uint64_t h) {
  unsigned char expect[8];
  memcpy(expect, &h, HEADER_BYTES);
  for (size_t i = 0; i < HEADER_BYTES; i++)
    if (p[i] != expect[i]) return i;
  size_t words = (size - HEADER_BYTES) / 8, tail = (size - HEADER_BYTES) % 8;
  const uint64_t *w = (const uint64_t *)(const void *)(p + HEADER_BYTES);
  for (size_t k = 0; k < words; k++) {
    if (w[k] == pattern_word(h, k)) continue;
    uint64_t want = pattern_word(h, k);
    memcpy(expect, &want, 8);
    for (size_t i = 0; i < 8; i++)
      if (p[HEADER_BYTES + 8 * k + i] != expect[i]) return HEADER_BYTES + 8 * k + i;
  }
  if (tail) {
    uint64_t last = pattern_word(h, words);
    memcpy(expect, &last, 8);
    for (size_t i = 0; i < tail; i++)
      if (p[HEADER_BYTES + 8 * words + i] != expect[i]) return HEADER_BYTES + 8 * words + i;
  }
  return (size_t)-1;
}

/* ---- Allocation through the inline fast path ------------------------------------------ */

static void *alloc_default(mmtk_mutator_t *m, size_t size) {
  void *p = mmtk_alloc_fast(m, size, 8, 0, MMTK_ALLOC_DEFAULT);
  return p;
}

static void allocate_all(struct thread_ctx *t, mmtk_mutator_t *m) {
  struct chunk *chunk = NULL;
  size_t size = t->object_size;
  for (uint64_t i = 0; i < t->objects; i++) {
    if (!chunk || chunk->count == CHUNK_OBJECTS) {
      struct chunk *c = alloc_default(m, sizeof *c);
      if (!c) {
        t->failure = "allocating a pointer array failed (heap too small?)";
        return;
      }
      c->next = chunk;
      c->count = 0;
      mmtk_post_alloc_fast(m, c, sizeof *c, MMTK_ALLOC_DEFAULT);
      t->chunks = chunk = c;
    }
    unsigned char *p = alloc_default(m, size);
    if (!p) {
      t->failure = "allocating an object failed (heap too small?)";
      return;
    }
    fill_object(p, size, make_header(t->first_seq + i, size));
    mmtk_post_alloc_fast(m, p, size, MMTK_ALLOC_DEFAULT);
    chunk->objects[chunk->count++] = p;
    t->allocated_count++;
  }
}

/* Walk the chunks (newest first) back over every object this thread allocated. */
static void verify_all(struct thread_ctx *t) {
  uint64_t seen = 0;
  uint64_t seq = t->first_seq + t->allocated_count;
  for (const struct chunk *c = t->chunks; c; c = c->next) {
    if (c->count > CHUNK_OBJECTS) {
      fprintf(stderr, "mmtk-demo: thread %u: a pointer array is corrupt (count %" PRIu64 ")\n",
              t->id, c->count);
      t->bad_objects++;
      return;
    }
    for (uint64_t j = c->count; j-- > 0;) {
      seq--;
      seen++;
      size_t bad = check_object(c->objects[j], t->object_size, make_header(seq, t->object_size));
      if (bad != (size_t)-1 && t->bad_objects++ < 5)
        fprintf(stderr, "mmtk-demo: thread %u: object %" PRIu64 " at %p: byte %zu is wrong\n",
                t->id, seq, c->objects[j], bad);
    }
  }
  if (seen != t->allocated_count) {
    fprintf(stderr, "mmtk-demo: thread %u: found %" PRIu64 " objects, allocated %" PRIu64 "\n",
            t->id, seen, t->allocated_count);
    t->bad_objects += seen > t->allocated_count ? seen - t->allocated_count
                                                : t->allocated_count - seen;
  }
}

static void *thread_main(void *arg) {
  struct thread_ctx *t = arg;
  mmtk_mutator_t *m = mmtk_bind_mutator(t->mmtk, t);
  if (!m) t->failure = "mmtk_bind_mutator failed";
  pthread_barrier_wait(t->start);
  if (m) allocate_all(t, m);
  pthread_barrier_wait(t->allocated);
  if (m) {
    verify_all(t);
    mmtk_destroy_mutator(m);
  }
  return NULL;
}

/* ---- Set-up ------------------------------------------------------------------------- */

static void demo_out_of_memory(void *ctx, void *tls, int kind) {
  fprintf(stderr, "mmtk-demo: out of memory (%s); a bigger heap: MMTK_GC_TRIGGER=FixedHeapSize:8G\n",
          kind == MMTK_OOM_HEAP ? "the heap limit is reached" : "the system refused memory");
}

/* Is the option `name` set through an MMTK_<NAME> environment variable? */
static bool env_sets(const char *name) {
  size_t len = strlen(name);
  for (char **e = environ; e && *e; e++)
    if (!strncmp(*e, "MMTK_", 5) && !strncasecmp(*e + 5, name, len) && (*e)[5 + len] == '=')
      return true;
  return false;
}

static const char *env_value(const char *name) {
  size_t len = strlen(name);
  for (char **e = environ; e && *e; e++)
    if (!strncmp(*e, "MMTK_", 5) && !strncasecmp(*e + 5, name, len) && (*e)[5 + len] == '=')
      return *e + 6 + len;
  return NULL;
}

/* A size with an optional K, M or G suffix (binary); false if malformed or zero. */
static bool parse_size(const char *s, uint64_t *out) {
  char *end;
  errno = 0;
  if (*s < '0' || *s > '9') return false;
  unsigned long long v = strtoull(s, &end, 10);
  if (errno || end == s) return false;
  unsigned shift = 0;
  switch (*end) {
  case 'k': case 'K': shift = 10; end++; break;
  case 'm': case 'M': shift = 20; end++; break;
  case 'g': case 'G': shift = 30; end++; break;
  default: break;
  }
  if (*end == 'i' || *end == 'B') end += *end == 'i' && end[1] == 'B' ? 2 : 1;
  if (*end || v == 0 || v > (UINT64_MAX >> shift)) return false;
  *out = (uint64_t)v << shift;
  return true;
}

static void usage(FILE *f) {
  fprintf(f,
          "usage: mmtk-demo                  GCBench on MMTK_PLAN (default GenImmix)\n"
          "       mmtk-demo --two-plans PLAN,PLAN\n"
          "                                  GCBench on two instances at once, one per plan\n"
          "                                  (e.g. SemiSpace,MarkSweep), each on its own thread;\n"
          "                                  the other MMTK_* variables apply to both\n"
          "       MMTK_PLAN=NoGC mmtk-demo [-t THREADS] [-s OBJECT_SIZE] [-b TOTAL_BYTES]\n"
          "  -t THREADS      mutator threads, 1..%d (default 1)\n"
          "  -s OBJECT_SIZE  bytes per object, 8..1M (default %d)\n"
          "  -b TOTAL_BYTES  bytes to allocate in all (default 2G)\n"
          "Sizes take K, M, G suffixes.  MMTK_* environment variables set libmmtk's options\n"
          "(see mmtk-options(7)); the demo asks for plan=NoGC and a heap big enough for the\n"
          "run unless MMTK_PLAN or MMTK_GC_TRIGGER say otherwise.  MMTK_PLAN=PageProtect\n"
          "runs a smaller GCBench (trees of depth 12, 10 and 4..10 rather than 18, 16 and\n"
          "4..16): that plan gives every object a page of its own.\n",
          MAX_THREADS, DEFAULT_OBJECT_SIZE);
}

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

int main(int argc, char **argv) {
  /* --two-plans A,B: GCBench on two instances at once (demo-gc.c), whatever MMTK_PLAN
   * says. */
  if (argc > 1 && !strncmp(argv[1], "--two-plans", 11)) {
    const char *plans = argv[1][11] == '=' ? argv[1] + 12 : argv[1][11] ? NULL : argv[2];
    if (!plans || argc != (argv[1][11] == '=' ? 2 : 3)) {
      usage(stderr);
      return 2;
    }
    return gc_demo_run_plans(plans);
  }
  if (argc > 1 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
    usage(stdout);
    return 0;
  }
  /* By default, and on every collecting plan: GCBench (demo-gc.c).  MMTK_PLAN=NoGC: the
   * allocation-throughput workload below. */
  const char *env_plan = getenv("MMTK_PLAN");
  if (!env_plan || strcasecmp(env_plan, "NoGC") != 0) {
    if (argc > 1) {
      usage(stderr);
      return 2;
    }
    return gc_demo_run();
  }
  uint64_t threads = 1, object_size = DEFAULT_OBJECT_SIZE, total = DEFAULT_TOTAL_BYTES;
  int opt;
  while ((opt = getopt(argc, argv, "t:s:b:h")) != -1) {
    switch (opt) {
    case 't':
      if (!parse_size(optarg, &threads) || threads > MAX_THREADS) {
        fprintf(stderr, "mmtk-demo: -t %s: give a number of threads from 1 to %d\n", optarg,
                MAX_THREADS);
        return 2;
      }
      break;
    case 's':
      if (!parse_size(optarg, &object_size) || object_size < HEADER_BYTES ||
          object_size > MAX_OBJECT_SIZE) {
        fprintf(stderr, "mmtk-demo: -s %s: give an object size from 8 to 1M bytes\n", optarg);
        return 2;
      }
      break;
    case 'b':
      if (!parse_size(optarg, &total)) {
        fprintf(stderr, "mmtk-demo: -b %s: give a positive number of bytes (e.g. 512M)\n",
                optarg);
        return 2;
      }
      break;
    case 'h':
      usage(stdout);
      return 0;
    default:
      usage(stderr);
      return 2;
    }
  }
  if (optind != argc) {
    usage(stderr);
    return 2;
  }
  uint64_t objects = total / object_size;
  if (objects < threads) {
    fprintf(stderr, "mmtk-demo: -b %" PRIu64 " is too small for %" PRIu64 " threads of %" PRIu64
            "-byte objects\n", total, threads, object_size);
    return 2;
  }
  if (objects >> 40) {
    fprintf(stderr, "mmtk-demo: at most 2^40 objects, please\n");
    return 2;
  }

  /* Options: the environment first (mmtk_builder_new reads it), then ours where the
   * environment says nothing. */
  mmtk_builder_t *builder = mmtk_builder_new();
  if (!builder) return 1;
  const char *plan = env_value("PLAN");
  if (!plan) {
    plan = "NoGC";
    if (!mmtk_process(builder, "plan", plan)) return 1;
  }
  if (!env_sets("GC_TRIGGER")) {
    /* Objects rounded to words, one pointer each in the chunks, and a few buffers of
     * slack per thread; at least 4 GiB (NoGC only reserves, it commits what it uses). */
    uint64_t need = objects * (((object_size + 7) & ~(uint64_t)7) + 8) + threads * 64 * MIB +
                    64 * MIB;
    need = need + need / 8;
    if (need < (uint64_t)4 << 30) need = (uint64_t)4 << 30;
    char value[64];
    snprintf(value, sizeof value, "FixedHeapSize:%" PRIu64 "M", (need + MIB - 1) / MIB);
    if (!mmtk_process(builder, "gc_trigger", value)) return 1;
  }

  mmtk_vm_binding_t binding;
  memset(&binding, 0, sizeof binding);
  binding.size = sizeof binding;
  binding.version = MMTK_VM_BINDING_VERSION;
  binding.out_of_memory = demo_out_of_memory; /* NoGC needs no other callback */
  mmtk_t *mmtk = mmtk_init(builder, &binding, NULL);
  mmtk_builder_free(builder);
  if (!mmtk) {
    fprintf(stderr, "mmtk-demo: mmtk_init failed: %s\n", mmtk_last_error());
    return 1;
  }
  if (!mmtk_initialize_collection(mmtk, NULL)) {
    fprintf(stderr, "mmtk-demo: mmtk_initialize_collection failed: %s\n", mmtk_last_error());
    mmtk_shutdown(mmtk);
    return 1;
  }

  struct thread_ctx *ctx = calloc(threads, sizeof *ctx);
  pthread_barrier_t start, allocated;
  if (!ctx || pthread_barrier_init(&start, NULL, (unsigned)threads + 1) ||
      pthread_barrier_init(&allocated, NULL, (unsigned)threads + 1)) {
    fprintf(stderr, "mmtk-demo: out of memory\n");
    return 1;
  }
  uint64_t seq = 0;
  for (unsigned i = 0; i < threads; i++) {
    struct thread_ctx *t = &ctx[i];
    t->id = i;
    t->mmtk = mmtk;
    t->start = &start;
    t->allocated = &allocated;
    t->object_size = object_size;
    t->objects = objects / threads + (i < objects % threads);
    t->first_seq = seq;
    seq += t->objects;
    int err = pthread_create(&t->thread, NULL, thread_main, t);
    if (err) {
      fprintf(stderr, "mmtk-demo: pthread_create: %s\n", strerror(err));
      return 1; /* the barrier can never open: give up at once */
    }
  }
  pthread_barrier_wait(&start);
  double t0 = now();
  pthread_barrier_wait(&allocated);
  double seconds = now() - t0;

  uint64_t done = 0, bad = 0;
  int status = 0;
  for (unsigned i = 0; i < threads; i++) {
    pthread_join(ctx[i].thread, NULL);
    done += ctx[i].allocated_count;
    bad += ctx[i].bad_objects;
    if (ctx[i].failure) {
      fprintf(stderr, "mmtk-demo: thread %u: %s after %" PRIu64 " objects\n", i, ctx[i].failure,
              ctx[i].allocated_count);
      status = 1;
    }
  }
  pthread_barrier_destroy(&start);
  pthread_barrier_destroy(&allocated);
  free(ctx);
  mmtk_shutdown(mmtk);

  double bytes = (double)done * (double)object_size;
  if (seconds <= 0) seconds = 1e-9;
  char verdict[96];
  if (bad) {
    snprintf(verdict, sizeof verdict, "%" PRIu64 " objects CORRUPT", bad);
    status = 1;
  } else if (status) {
    snprintf(verdict, sizeof verdict, "FAILED (the %" PRIu64 " objects allocated verified)", done);
  } else {
    snprintf(verdict, sizeof verdict, "all objects verified");
  }
  printf("mmtk-demo: %s, %" PRIu64 " thread%s, %" PRIu64 " objects of %" PRIu64
         " bytes (%.2f GiB) in %.2f s: %.2f GiB/s, %.1f M objects/s; %s\n",
         plan, threads, threads == 1 ? "" : "s", done, object_size, bytes / GIB, seconds,
         bytes / GIB / seconds, (double)done / seconds / 1e6, verdict);
  return status;
}
