/* The Compressor space (MMTk's CompressorSpace, design.policy.compressor): Kermany and
 * Petrank's compactor, stop-the-world and parallel.  Objects are bump-allocated into
 * fixed, aligned regions and each GC slides the survivors of every region down to the
 * region's start, one region per work packet.  The new address of an object is computed,
 * never stored: a mark bitmap (one bit per word: the first and the last word of every
 * live object) and an offset vector (one word per 512-byte block: where the live words
 * before the block go) give it with two 64-bit loads and a few popcounts. */
#ifndef MMTK_POLICY_COMPRESSOR_H
#define MMTK_POLICY_COMPRESSOR_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "util/metadata/side_metadata.h"

struct mmtk;
struct space;
struct mmtk_gc_worker;

#define LOG_BYTES_IN_COMPRESSOR_REGION 18 /* 256 KiB: the unit of allocation and compaction */
#define BYTES_IN_COMPRESSOR_REGION ((size_t)1 << LOG_BYTES_IN_COMPRESSOR_REGION)
#define LOG_BYTES_IN_COMPRESSOR_BLOCK 9 /* 512 bytes: 64 words, one bitmap word */
#define COMPRESSOR_MAX_WORKERS 64       /* per-worker region counts kept (the rest share) */

/* Where a GC is, as the space sees it (what its liveness and forwarding questions mean). */
enum compressor_phase {
  COMPRESSOR_MARKING,   /* the closure: marks say what is live, nothing has moved */
  COMPRESSOR_FORWARDED, /* offsets computed: an old address maps to its new one */
  COMPRESSOR_COMPACTED, /* objects moved: the survivors' new addresses are marked */
};

/* The space's metadata, registered by compressor_space_create(): the side tables are
 * the space's own. */
struct compressor_meta {
  struct side_metadata_spec first; /* the first word of a live object (the mark bit) */
  struct side_metadata_spec last;  /* the last word of a live object */
  struct side_metadata_spec moved; /* after compaction: a survivor starts here */
  struct side_metadata_spec offset; /* per block: the new address of its first live word */
};

bool compressor_space_create(struct mmtk *mmtk, struct space *s, const char *name,
                             unsigned index, struct compressor_meta *meta);
void compressor_space_destroy(struct space *s);
/* Prepare stage: clear the marks of every region, start marking. */
void compressor_prepare(struct space *s);
/* Queue one packet per region of `stage` (CALCULATE_FORWARDING: the offset vector;
 * COMPACT: slide and update). */
void compressor_schedule_regions(struct mmtk *mmtk, struct space *s, int stage);
/* Release stage: the pinned regions are forgotten (pinning roots pin for one GC). */
void compressor_release(struct space *s);
/* Every offset is computed: old addresses map to new ones from now on. */
void compressor_set_phase(struct space *s, enum compressor_phase phase);
enum compressor_phase compressor_phase(const struct space *s);
/* The new address of a marked object of the space (valid in COMPRESSOR_FORWARDED). */
uintptr_t compressor_forward(const struct space *s, uintptr_t object);
/* Regions the last GC compacted, in all and by the worker with id `worker` (ids past
 * COMPRESSOR_MAX_WORKERS - 1 share the last count). */
uint64_t compressor_regions_compacted(const struct space *s, unsigned worker);
/* Log this GC's region counts (verbose >= 2). */
void compressor_log(struct space *s);

extern const struct space_ops compressor_space_ops;

#endif /* MMTK_POLICY_COMPRESSOR_H */
