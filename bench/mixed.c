/* mixed: two workloads whose objects are of many sizes, one source built three ways.
 *
 *   bench/mixed-mmtk    libmmtk through examples/minivm (the plan from MMTK_PLAN)
 *   bench/mixed-bdw     the Boehm-Demers-Weiser collector (GC_MALLOC)
 *   bench/mixed-malloc  malloc, every dead structure freed explicitly
 *
 *   mixed-VARIANT [-q] [-n SCALE] [parser] [cache]
 *
 * Cases (both by default; each prints its own @bench line):
 *   parser  builds syntax trees as a parser would, bottom-up: inner nodes of 3 to 9
 *           words (blocks of 2 to 8 statements, calls of 2 to 7 operands, binary
 *           operators), leaves of 2 words (numbers, and identifiers, each with its name:
 *           a string of 1 to 40 bytes, now and then a literal of up to 120).  Each tree
 *           (a "file", about 22000 objects of 29 bytes on average) is hashed once
 *           built, kept among the last 8 files and hashed again when it leaves them:
 *           objects are read back in the order they were allocated, long after.
 *           SCALE * 150 files.
 *   cache   a table of 32768 entries replaced at random (a skewed choice: some slots
 *           change often, others rarely, so lifetimes vary widely); an entry is a node
 *           of 4 words, its key 8 to 56 bytes and its value 8 to 400 bytes of data.
 *           Three of four operations on a filled slot read its entry whole, the fourth
 *           replaces it.  SCALE * 750000 operations.
 * Every object's contents are derived from a seed kept outside the heap (parser: each
 * tree's hash computed as it is built; cache: each slot's seed), so a wrong object, or
 * a wrong word in one, makes a wrong answer (exit status 1).  The pseudo-random choices
 * are fixed (xorshift64*, one seed): every variant does the same work and prints the
 * same hash and sum.  SCALE is 4 by default, 1 with -q (what `make bench BENCH_QUICK=1`
 * passes).  Exit status 2 on a usage error, 3 when the heap is exhausted.
 *
 * Written for the MarkSweep locality question of doc/benchmarks/results.md: a
 * size-segregated heap separates objects allocated together, a bump pointer does not.
 */
#define _POSIX_C_SOURCE 200809L

#include "bench-util.h"

#include <string.h>

/* ---- The object model of each variant -------------------------------------------------
 * An object is a header word, `nrefs` references, then data words, in every variant. */

enum { T_NUM = 1, T_IDENT, T_STR, T_BIN, T_CALL, T_BLOCK, T_ENTRY, T_VALUE, T_TABLE };

#if defined(BENCH_MMTK)

typedef minivm_obj_t obj_t;
#define ROOT1(a) MINIVM_PUSH(a)
#define UNROOT(n) MINIVM_POP(n)
static inline obj_t obj_new(unsigned type, size_t nrefs, size_t nbytes) {
  return minivm_alloc(type, nrefs, nbytes);
}
#define TYPE(o) minivm_type(o)
#define NREFS(o) minivm_nrefs(o)
#define REF(o, i) minivm_get_ref((o), (i))
#define SET_REF(o, i, v) minivm_set_ref((o), (i), (v))
#define DATA(o) ((uint8_t *)minivm_data(o))
#define WORDS(o) ((uint64_t *)minivm_data(o))
static inline void obj_free(obj_t o) { (void)o; }

#else /* BENCH_BDW, BENCH_MALLOC */

struct obj {
  uint64_t header; /* type | nrefs << 8, as minivm's */
  union slot {
    struct obj *ref;
    uint64_t word;
  } slot[];
};
typedef struct obj *obj_t;
#define ROOT1(a) ((void)0)
#define UNROOT(n) ((void)0)
static inline obj_t obj_new(unsigned type, size_t nrefs, size_t nbytes) {
  size_t bytes = 8 * (1 + nrefs + (nbytes + 7) / 8);
  if (bytes < 16) bytes = 16;
#if defined(BENCH_BDW)
  obj_t o = GC_MALLOC(bytes); /* cleared memory */
#else
  obj_t o = malloc(bytes);
  if (o) memset(o, 0, bytes);
#endif
  if (!o) {
    fprintf(stderr, "mixed-%s: out of memory\n", BENCH_VARIANT);
    exit(3);
  }
  o->header = type | (uint64_t)nrefs << 8;
  return o;
}
#define TYPE(o) ((unsigned)((o)->header & 0xff))
#define NREFS(o) ((size_t)((o)->header >> 8))
#define REF(o, i) ((o)->slot[i].ref)
#define SET_REF(o, i, v) ((o)->slot[i].ref = (v))
#define DATA(o) ((uint8_t *)&(o)->slot[NREFS(o)])
#define WORDS(o) (&(o)->slot[NREFS(o)].word)
static inline void obj_free(obj_t o) {
#if defined(BENCH_MALLOC)
  free(o);
#else
  (void)o;
#endif
}

#endif

/* ---- Pseudo-random numbers and hashing ------------------------------------------------ */

static uint64_t rng_state = 0x9e3779b97f4a7c15u;
static inline uint64_t rnd(void) {
  rng_state ^= rng_state >> 12;
  rng_state ^= rng_state << 25;
  rng_state ^= rng_state >> 27;
  return rng_state * 0x2545f4914f6cdd1du;
}
static inline uint64_t mix(uint64_t h, uint64_t v) {
  h ^= v + 0x9e3779b97f4a7c15u + (h << 6) + (h >> 2);
  return h * 0xff51afd7ed558ccdu;
}
/* Byte i of the contents derived from `seed`. */
static inline uint8_t byte_of(uint64_t seed, size_t i) {
  return (uint8_t)((seed >> (8 * (i & 7))) + i * 131);
}
static void fill(uint8_t *p, size_t n, uint64_t seed) {
  for (size_t i = 0; i < n; i++) p[i] = byte_of(seed, i);
}
static uint64_t hash_bytes(const uint8_t *p, size_t n, uint64_t h) {
  uint64_t w = 0;
  for (size_t i = 0; i < n; i++) w = w * 31 + p[i];
  return mix(h, w ^ n);
}

/* ---- parser ----------------------------------------------------------------------------- */

/* A string of n bytes: its length in the first data word, then the bytes. */
static obj_t new_string(size_t n, uint64_t seed, uint64_t *h) {
  obj_t s = obj_new(T_STR, 0, 8 + n);
  WORDS(s)[0] = n;
  fill(DATA(s) + 8, n, seed);
  *h = hash_bytes(DATA(s) + 8, n, T_STR);
  return s;
}

static uint64_t hash_string(obj_t s) {
  return hash_bytes(DATA(s) + 8, (size_t)WORDS(s)[0], T_STR);
}

/* A subtree; *h gets its hash, computed from what was put in it. */
static obj_t build(int depth, uint64_t *h) {
  uint64_t r = rnd();
  if (depth <= 0 || r % 5 == 0) {
    uint64_t v = rnd();
    if (r & 64) { /* a number */
      obj_t n = obj_new(T_NUM, 0, 8);
      WORDS(n)[0] = v;
      *h = mix(T_NUM, v);
      return n;
    }
    /* an identifier, or now and then a string literal */
    size_t len = (r & 0x700) ? 1 + v % 40 : 1 + v % 120;
    uint64_t hs;
    obj_t s = new_string(len, v, &hs);
    ROOT1(s);
    obj_t id = obj_new(T_IDENT, 1, 0);
    SET_REF(id, 0, s);
    UNROOT(1);
    *h = mix(T_IDENT, hs);
    return id;
  }
  unsigned kind = (unsigned)(r >> 8) % 8, type;
  size_t nrefs, ndata;
  if (kind < 4) { /* binary operator: 2 operands, the operator */
    type = T_BIN, nrefs = 2, ndata = 8;
  } else if (kind < 7) { /* call: the callee's name, 1 to 6 arguments, a line number */
    type = T_CALL, nrefs = 2 + (r >> 16) % 6, ndata = 8;
  } else { /* block: 2 to 8 statements */
    type = T_BLOCK, nrefs = 2 + (r >> 16) % 7, ndata = 0;
  }
  /* Children first (bottom-up, as a parser reduces), each kept in a root. */
  obj_t kids[8] = {0};
  uint64_t hk[8];
  for (size_t i = 0; i < nrefs; i++) {
    kids[i] = build(depth - 1 - (int)(i > 2), &hk[i]);
    ROOT1(kids[i]);
  }
  obj_t n = obj_new(type, nrefs, ndata);
  uint64_t hn = mix(type, nrefs);
  for (size_t i = 0; i < nrefs; i++) {
    SET_REF(n, i, kids[i]);
    hn = mix(hn, hk[i]);
  }
  UNROOT(nrefs);
  if (ndata) {
    WORDS(n)[0] = r >> 40;
    hn = mix(hn, r >> 40);
  }
  *h = hn;
  return n;
}

/* The hash of a tree, from the heap. */
static uint64_t hash_tree(obj_t n) {
  unsigned type = TYPE(n);
  switch (type) {
  case T_NUM: return mix(T_NUM, WORDS(n)[0]);
  case T_IDENT: return mix(T_IDENT, hash_string(REF(n, 0)));
  default: break;
  }
  size_t nrefs = NREFS(n);
  uint64_t h = mix(type, nrefs);
  for (size_t i = 0; i < nrefs; i++) h = mix(h, hash_tree(REF(n, i)));
  if (type != T_BLOCK) h = mix(h, WORDS(n)[0]);
  return h;
}

static void free_tree(obj_t n) {
#if defined(BENCH_MALLOC)
  if (TYPE(n) != T_NUM && TYPE(n) != T_STR)
    for (size_t i = 0; i < NREFS(n); i++) free_tree(REF(n, i));
  obj_free(n);
#else
  (void)n;
#endif
}

#define KEPT 8
/* A file: statements (blocks of subtrees) under one block, built until about `objects`. */
static long run_parser(long files, uint64_t *sum) {
  long wrong = 0;
  obj_t kept[KEPT] = {0};
  uint64_t kept_hash[KEPT] = {0};
  for (int i = 0; i < KEPT; i++) ROOT1(kept[i]);
  for (long f = 0; f < files; f++) {
    uint64_t h;
    obj_t t = build(11, &h);
    uint64_t got = hash_tree(t); /* checked once built... */
    if (got != h) wrong++;
    int k = (int)(f % KEPT);
    if (kept[k]) { /* ...and again when it leaves the kept files */
      if (hash_tree(kept[k]) != kept_hash[k]) wrong++;
      free_tree(kept[k]);
    }
    kept[k] = t;
    kept_hash[k] = h;
    *sum = mix(*sum, h);
  }
  for (int i = 0; i < KEPT; i++) {
    if (kept[i] && hash_tree(kept[i]) != kept_hash[i]) wrong++;
    if (kept[i]) free_tree(kept[i]);
    kept[i] = NULL;
  }
  UNROOT(KEPT);
  return wrong;
}

/* ---- cache ------------------------------------------------------------------------------ */

#define SLOTS 32768

/* Word i of the contents derived from `seed`. */
static inline uint64_t word_of(uint64_t seed, size_t i) { return (seed + i) * 0x9e3779b97f4a7c15u; }
static inline size_t key_words(uint64_t seed) { return 1 + seed % 7; }
static inline size_t value_words(uint64_t seed) { return 1 + (seed >> 8) % 50; }

/* An entry: key, value, the seed. */
static obj_t new_entry(uint64_t seed) {
  size_t kw = key_words(seed), vw = value_words(seed);
  obj_t key = obj_new(T_STR, 0, 8 * kw), value = NULL, e = NULL;
  for (size_t i = 0; i < kw; i++) WORDS(key)[i] = word_of(seed, i);
  ROOT1(key);
  value = obj_new(T_VALUE, 0, 8 * vw);
  for (size_t i = 0; i < vw; i++) WORDS(value)[i] = word_of(~seed, i);
  ROOT1(value);
  e = obj_new(T_ENTRY, 2, 8);
  SET_REF(e, 0, key);
  SET_REF(e, 1, value);
  WORDS(e)[0] = seed;
  UNROOT(2);
  return e;
}

/* Read all of an entry; false if it is not what `seed` made. */
static bool check_entry(obj_t e, uint64_t seed, uint64_t *sum) {
  if (WORDS(e)[0] != seed) return false;
  const uint64_t *k = WORDS(REF(e, 0)), *v = WORDS(REF(e, 1));
  uint64_t s = 0, bad = 0;
  for (size_t i = 0, n = key_words(seed); i < n; i++) {
    bad |= k[i] ^ word_of(seed, i);
    s += k[i];
  }
  for (size_t i = 0, n = value_words(seed); i < n; i++) {
    bad |= v[i] ^ word_of(~seed, i);
    s += v[i];
  }
  *sum = mix(*sum, s);
  return bad == 0;
}

static void free_entry(obj_t e) {
  if (!e) return;
  obj_free(REF(e, 0));
  obj_free(REF(e, 1));
  obj_free(e);
}

static long run_cache(long ops, uint64_t *sum) {
  long wrong = 0;
  uint64_t *seeds = calloc(SLOTS, sizeof *seeds); /* outside the heap: the truth */
  if (!seeds) {
    fprintf(stderr, "mixed-%s: out of memory\n", BENCH_VARIANT);
    exit(3);
  }
  obj_t table = NULL;
  ROOT1(table);
  table = obj_new(T_TABLE, SLOTS, 0);
  for (long i = 0; i < ops; i++) {
    uint64_t r = rnd();
    /* Skewed: slot bits drawn from a random width, so low slots are hot. */
    size_t slot = (size_t)((r >> 20) & ((1u << (1 + (r & 15))) - 1)) % SLOTS;
    obj_t e = REF(table, slot);
    if (e && (r >> 4 & 3) != 0) {
      if (!check_entry(e, seeds[slot], sum)) wrong++;
      continue;
    }
    uint64_t seed = rnd() | 1;
    obj_t n = new_entry(seed); /* a safepoint: `e` is not used after it */
    free_entry(REF(table, slot));
    SET_REF(table, slot, n);
    seeds[slot] = seed;
  }
  for (size_t s = 0; s < SLOTS; s++) {
    obj_t e = REF(table, s);
    if (e && !check_entry(e, seeds[s], sum)) wrong++;
    if ((e != NULL) != (seeds[s] != 0)) wrong++;
    free_entry(e);
  }
  obj_free(table);
  table = NULL;
  UNROOT(1);
  free(seeds);
  return wrong;
}

/* ---- main ------------------------------------------------------------------------------- */

int main(int argc, char **argv) {
  long scale = 4;
  bool parser = false, cache = false;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "-q")) {
      scale = 1;
    } else if (!strcmp(argv[i], "-n") && i + 1 < argc) {
      scale = bench_arg("mixed", argv[++i], 1, 1000);
    } else if (!strcmp(argv[i], "parser")) {
      parser = true;
    } else if (!strcmp(argv[i], "cache")) {
      cache = true;
    } else {
      bool help = !strcmp(argv[i], "-h") || !strcmp(argv[i], "--help");
      fprintf(stderr, "usage: mixed-%s [-q] [-n SCALE] [parser] [cache]\n"
                      "  SCALE  work in units of a quarter of the default (default 4; -q: 1)\n",
              BENCH_VARIANT);
      return help ? 0 : 2;
    }
  }
  if (!parser && !cache) parser = cache = true;
  long wrong = 0;
  bench_start("mixed", "plan=MarkSweep gc_trigger=FixedHeapSize:256M");
  if (parser) {
    uint64_t sum = 0;
    rng_state = 0x9e3779b97f4a7c15u;
    double t0 = bench_now();
    long w = run_parser(scale * 150, &sum);
    double seconds = bench_now() - t0;
    char what[96];
    snprintf(what, sizeof what, "%ld syntax trees, hash %016" PRIx64, scale * 150, sum);
    bench_report("mixed", "parser", seconds, what, w == 0);
    wrong += w;
  }
  if (cache) {
    uint64_t sum = 0;
    rng_state = 0x2545f4914f6cdd1du;
    double t0 = bench_now();
    long w = run_cache(scale * 750000, &sum);
    double seconds = bench_now() - t0;
    char what[96];
    snprintf(what, sizeof what, "%ld cache operations, sum %016" PRIx64, scale * 750000, sum);
    bench_report("mixed", "cache", seconds, what, w == 0);
    wrong += w;
  }
  bench_stop();
  if (wrong) {
    fprintf(stderr, "mixed-%s: WRONG ANSWER: %ld check(s) failed\n", BENCH_VARIANT, wrong);
    return 1;
  }
  return 0;
}
