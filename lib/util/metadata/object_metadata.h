/* Per-object GC metadata where the binding placed it (design.metadata.object): in the
 * object's header at a bit offset, or in a side table.  One accessor per piece —
 * forwarding bits, forwarding pointer, mark bit, large-object bits, pinning bit, log
 * bit — hides which it is; with --enable-side-metadata every bit field is on the side.
 *
 * Bit fields are at most 8 bits and never cross a byte; header loads and stores are
 * atomic byte operations, so neighbouring VM bits in the same byte are preserved. */
#ifndef MMTK_UTIL_METADATA_OBJECT_METADATA_H
#define MMTK_UTIL_METADATA_OBJECT_METADATA_H

#include <mmtk.h>

#include "util/metadata/side_metadata.h"

struct mmtk;

struct obj_meta {
  const char *name;
  bool in_header;
  uint8_t log_bits;  /* 0: 1 bit, 1: 2 bits, 3: a byte */
  int32_t byte_offset; /* in-header: from the header base */
  uint8_t shift;       /* in-header: bit position inside that byte */
  uint8_t mask;        /* (1 << bits) - 1 */
  struct side_metadata_spec side;
};

/* The forwarding pointer: a whole word in the header, or the first word of the
 * (forwarded, hence dead) object.  `bits_in_word`: the forwarding bits live in the low
 * bits of that same word and are written together with the pointer. */
struct fwd_pointer_meta {
  int32_t byte_offset; /* from the header base; 0 when on the side */
  bool bits_in_word;
};

/* Read the binding's specs into `mmtk->om` and register the side tables the plan needs
 * (those not in the header).  False with a message on an impossible layout. */
bool object_metadata_init(struct mmtk *mmtk);

struct object_metadata {
  struct obj_meta fwd_bits, mark, los, pin, log;
  struct fwd_pointer_meta fwd_ptr;
};

/* om_header, om_load, om_store, om_cas: inline, in object_metadata_inline.h (they need
 * the complete struct mmtk, so mmtk_internal.h includes that after defining it). */

#endif /* MMTK_UTIL_METADATA_OBJECT_METADATA_H */
