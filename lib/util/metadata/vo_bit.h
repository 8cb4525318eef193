/* The valid-object bit (MMTk's vo_bit): one bit per word, set by post_alloc at an
 * object's reference address.  With --enable-vo-bit it backs mmtk_is_mmtk_object(),
 * interior-pointer search and conservative roots.  design.metadata.vo */
#ifndef MMTK_UTIL_METADATA_VO_BIT_H
#define MMTK_UTIL_METADATA_VO_BIT_H

#include "util/metadata/side_metadata.h"

#define VO_BIT_LOG_BITS 0
#define VO_BIT_LOG_REGION LOG_BYTES_IN_WORD

static inline void vo_bit_set(const struct side_metadata_spec *vo, uintptr_t obj) {
  side_metadata_fetch_or(vo, obj, 1);
}
static inline void vo_bit_clear(const struct side_metadata_spec *vo, uintptr_t obj) {
  side_metadata_fetch_and(vo, obj, 0);
}
static inline bool vo_bit_is_set(const struct side_metadata_spec *vo, uintptr_t obj) {
  return side_metadata_load(vo, obj) != 0;
}

#endif /* MMTK_UTIL_METADATA_VO_BIT_H */
