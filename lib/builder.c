/* The builder (MMTk's MMTKBuilder, design.memory_manager.builder): options collected
 * before an instance exists. */
#include <stdlib.h>
#include <string.h>

#include "mmtk_internal.h"

mmtk_builder_t *mmtk_builder_new(void) {
  mmtk_builder_t *b = malloc(sizeof *b);
  if (!b) {
    mmtk_error(NULL, "mmtk_builder_new: out of memory");
    return NULL;
  }
  b->sig = MMTK_BUILDER_SIG;
  mmtk_options_init(&b->options);
  b->env_ok = mmtk_options_read_env(&b->options, b->env_bad, sizeof b->env_bad);
  return b;
}

static bool check(const mmtk_builder_t *b, const char *who) {
  if (!b) {
    mmtk_error(NULL, "%s: the builder is NULL (make one with mmtk_builder_new)", who);
    return false;
  }
  if (b->sig != MMTK_BUILDER_SIG) {
    mmtk_error(NULL, "%s: %p is not a live builder", who, (const void *)b);
    return false;
  }
  return true;
}

void mmtk_builder_free(mmtk_builder_t *b) {
  if (!b) return;
  if (!check(b, "mmtk_builder_free")) return;
  memset(b, 0, sizeof *b); /* a later use of the dangling pointer fails the signature */
  free(b);
}

bool mmtk_process(mmtk_builder_t *b, const char *name, const char *value) {
  return check(b, "mmtk_process") && mmtk_options_set(&b->options, name, value);
}

bool mmtk_process_bulk(mmtk_builder_t *b, const char *options) {
  return check(b, "mmtk_process_bulk") && mmtk_options_set_bulk(&b->options, options);
}
