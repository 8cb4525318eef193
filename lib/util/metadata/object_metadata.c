/* Per-object metadata (design.metadata.object). */
#include "mmtk_internal.h"

static bool setup(mmtk_t *mmtk, struct obj_meta *m, const char *name, const mmtk_metadata_spec_t *spec,
                  unsigned log_bits) {
  memset(m, 0, sizeof *m);
  m->name = name;
  m->log_bits = (uint8_t)log_bits;
  m->mask = (uint8_t)((1u << (1u << log_bits)) - 1);
  if (!MMTK_HAVE_SIDE_METADATA && spec->location == MMTK_METADATA_IN_HEADER) {
    int32_t off = spec->bit_offset;
    unsigned bits = 1u << log_bits;
    /* Arithmetic floor division: negative offsets reach bytes before the header base. */
    int32_t byte = off >= 0 ? off / 8 : -((-off + 7) / 8);
    unsigned shift = (unsigned)(off - byte * 8);
    if (shift + bits > 8) {
      mmtk_error(NULL, "mmtk_init: metadata %s (%u bits) at header bit offset %d crosses a byte "
                 "boundary", name, bits, (int)off);
      return false;
    }
    m->in_header = true;
    m->byte_offset = byte;
    m->shift = (uint8_t)shift;
    return true;
  }
  side_metadata_spec_init(&m->side, name, log_bits, LOG_BYTES_IN_WORD);
  if (!side_metadata_add(&mmtk->meta, &m->side)) {
    mmtk_error(NULL, "mmtk_init: out of memory for the side metadata of %s", name);
    return false;
  }
  return true;
}

bool object_metadata_init(mmtk_t *mmtk) {
  const mmtk_vm_binding_t *b = &mmtk->vm;
  struct object_metadata *om = &mmtk->om;
  if (!setup(mmtk, &om->fwd_bits, "forwarding_bits", &b->local_forwarding_bits, 1) ||
      !setup(mmtk, &om->mark, "mark_bit", &b->local_mark_bit, 0) ||
      !setup(mmtk, &om->los, "los_mark_nursery", &b->local_los_mark_nursery, 1) ||
      !setup(mmtk, &om->pin, "pinning_bit", &b->local_pinning_bit, 0) ||
      !setup(mmtk, &om->log, "log_bit", &b->global_log_bit, 0))
    return false;

  const mmtk_metadata_spec_t *fp = &b->local_forwarding_pointer;
  om->fwd_ptr.byte_offset = 0;
  if (fp->location == MMTK_METADATA_IN_HEADER) {
    if (fp->bit_offset % 64) {
      mmtk_error(NULL, "mmtk_init: the forwarding pointer's header bit offset %d is not a "
                 "multiple of 64", (int)fp->bit_offset);
      return false;
    }
    om->fwd_ptr.byte_offset = fp->bit_offset / 8;
  }
  /* Forwarding bits inside the pointer's word must sit in its alignment bits. */
  const struct obj_meta *fb = &om->fwd_bits;
  if (fb->in_header && fb->byte_offset >= om->fwd_ptr.byte_offset &&
      fb->byte_offset < om->fwd_ptr.byte_offset + 8) {
    if (fb->byte_offset != om->fwd_ptr.byte_offset || fb->shift + 2 > LOG_BYTES_IN_WORD) {
      mmtk_error(NULL, "mmtk_init: the forwarding bits (header bit offset %d) overlap the "
                 "forwarding pointer's word outside its three low bits",
                 (int)b->local_forwarding_bits.bit_offset);
      return false;
    }
    om->fwd_ptr.bits_in_word = true;
  }
  return true;
}

