/* The large object space (MMTk's LargeObjectSpace): every object gets whole pages from a
 * free-list page resource and never moves.  Under NoGC nothing is freed; the collecting
 * plans add its mark/nursery states and the sweep that returns pages. */
#include "mmtk_internal.h"

const struct space_ops large_object_space_ops = {
    .policy = "largeobject",
    .is_live = space_always,
    .is_movable = space_never,
    .pin = space_no_change,
    .unpin = space_no_change,
    .is_pinned = space_always,
    .post_alloc = space_no_metadata,
    .alloc = NULL,
};
