/* Handle memory (design.memory_manager.handles): pools of retired handles, reused in the
 * order they were retired once enough younger ones keep them in quarantine. */
#include "util/handle.h"

#include <stdalign.h>
#include <stdlib.h>
#include <string.h>

/* Each handle follows a hidden word that links its block into the pool's list of retired
 * ones; the handle's own bytes, its wiped signature among them, stay untouched while it
 * is retired.  The list holds the blocks' start addresses, so that leak checkers see
 * retired handles as reachable. */
#define HIDDEN alignof(max_align_t)

static void *block_of(void *h) { return (char *)h - HIDDEN; }
static void *handle_of(void *block) { return (char *)block + HIDDEN; }

void *handle_alloc(struct handle_pool *pool) {
  void *block = NULL;
  pthread_mutex_lock(&pool->lock);
  if (pool->retired > HANDLE_QUARANTINE) {
    block = pool->oldest;
    pool->oldest = *(void **)block;
    pool->retired--;
  }
  pthread_mutex_unlock(&pool->lock);
  if (block) {
    memset(handle_of(block), 0, pool->size);
    return handle_of(block);
  }
  block = calloc(1, HIDDEN + pool->size);
  return block ? handle_of(block) : NULL;
}

void handle_retire(struct handle_pool *pool, void *h) {
  void *block = block_of(h);
  *(void **)block = NULL;
  pthread_mutex_lock(&pool->lock);
  if (pool->retired) *(void **)pool->newest = block;
  else pool->oldest = block;
  pool->newest = block;
  pool->retired++;
  pthread_mutex_unlock(&pool->lock);
}
