/* The builder (MMTk's MMTKBuilder, design.memory_manager.builder): options collected
 * before an instance exists. */
#include "mmtk_internal.h"

/* Builders are retired, never freed, so that a freed one is still refused
 * (design.memory_manager.handles). */
static struct handle_pool builders = HANDLE_POOL_INIT(mmtk_builder_t);

mmtk_builder_t *mmtk_builder_new(void) {
  mmtk_builder_t *b = handle_alloc(&builders);
  if (!b) {
    mmtk_error(NULL, "mmtk_builder_new: out of memory");
    return NULL;
  }
  mmtk_options_init(&b->options);
  b->env_ok = mmtk_options_read_env(&b->options, b->env_bad, sizeof b->env_bad);
  handle_set_sig(&b->sig, MMTK_BUILDER_SIG); /* last: now it is a builder */
  return b;
}

static bool check(const mmtk_builder_t *b, const char *who) {
  if (!b) {
    mmtk_error(NULL, "%s: the builder is NULL (make one with mmtk_builder_new)", who);
    return false;
  }
  if (handle_sig(&b->sig) != MMTK_BUILDER_SIG) {
    mmtk_error(NULL, "%s: %p is not a live builder", who, (const void *)b);
    return false;
  }
  return true;
}

void mmtk_builder_free(mmtk_builder_t *b) {
  if (!b) return;
  if (!check(b, "mmtk_builder_free")) return;
  handle_set_sig(&b->sig, 0); /* a later use of the dangling pointer fails the check */
  handle_retire(&builders, b);
}

bool mmtk_process(mmtk_builder_t *b, const char *name, const char *value) {
  return check(b, "mmtk_process") && mmtk_options_set(&b->options, name, value);
}

bool mmtk_process_bulk(mmtk_builder_t *b, const char *options) {
  return check(b, "mmtk_process_bulk") && mmtk_options_set_bulk(&b->options, options);
}
