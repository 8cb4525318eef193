/* The mark-compact space (MMTk's MarkCompactSpace, design.markcompact): bump-allocated,
 * with a forwarding word before every object; a GC marks, computes every survivor's new
 * address in address order, updates every reference (the survivors' fields by a walk of
 * the marks, the rest as the Compressor does: design.trace.forwarding), then slides the
 * survivors down, the survivors found in address order through the marks.  The space's
 * own object map (a bit per word at each object's reference, kept whatever --enable-vo-bit
 * says) tells liveness between GCs. */
#ifndef MMTK_POLICY_MARKCOMPACTSPACE_H
#define MMTK_POLICY_MARKCOMPACTSPACE_H

#include <stdbool.h>
#include <stdint.h>

#include "policy/space.h"
#include "util/metadata/side_metadata.h"

struct mmtk;
struct mmtk_gc_worker;

/* The word reserved before each object's start (MMTk's HEADER_RESERVED_IN_BYTES). */
#define MC_HEADER_BYTES sizeof(uintptr_t)

enum mc_phase {
  MC_MARK,    /* Prepare .. the reference stages: marks say what is alive, nothing moved */
  MC_FORWARD, /* CalculateForwarding .. Compact: each survivor's word holds its new address,
               * which trace_object returns */
  MC_DONE,    /* after Compact: the survivors are at their new addresses */
};

struct mc_state {
  struct side_metadata_spec objects; /* the object map: a bit per object reference */
  struct side_metadata_spec mark;    /* the marks of this GC, clear between GCs */
  enum mc_phase phase;
  uintptr_t live_end; /* where the survivors end once compacted */
  uint64_t moved, pinned; /* objects moved / kept in place by pinning, this GC (statistics) */
};

extern const struct space_ops mark_compact_space_ops;

/* Create the space with extent `index` and register its metadata; false when out of
 * memory. */
bool mc_space_create(struct mmtk *mmtk, struct space *s, const char *name, unsigned index,
                     struct mc_state *state);
void mc_space_destroy(struct space *s);
/* The GC's steps (markcompact.c schedules them).  mc_prepare: once the mutators are
 * stopped, before any root is reported (pinning roots tag their words from then on). */
void mc_prepare(struct space *s);
void mc_calculate_forwarding(struct space *s);
/* SecondRoots: queue packets of `stage` that scan every survivor of the space again,
 * updating its references (after mc_calculate_forwarding). */
void mc_schedule_update(struct space *s, int stage);
void mc_compact(struct space *s);

#endif /* MMTK_POLICY_MARKCOMPACTSPACE_H */
