/* The immortal space (MMTk's ImmortalSpace): objects are never freed and never move.
 * Collecting plans will trace it with a mark bit; NoGC uses it for every semantic that
 * is not large. */
#include "mmtk_internal.h"

const struct space_ops immortal_space_ops = {
    .policy = "immortal",
    .is_live = space_always,
    .is_movable = space_never,
    .pin = space_no_change,
    .unpin = space_no_change,
    .is_pinned = space_always,
    .post_alloc = space_no_metadata,
    .alloc = NULL,
};
