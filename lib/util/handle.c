/* Handle memory (design.memory_manager.handles): pools of retired handles, reused in the
 * order they were retired once enough younger ones keep them in quarantine. */
#include "util/handle.h"

#include <stdalign.h>
#include <stdlib.h>
#include <string.h>

/* The word before each handle links it into its pool's list of retired handles; the
 * handle's own bytes, its wiped signature among them, stay untouched while retired. */
#define HIDDEN alignof(max_align_t)

static void **link_of(void *h) { return (void **)((char *)h - HIDDEN); }

void *handle_alloc(struct handle_pool *pool) {
  void *h = NULL;
  pthread_mutex_lock(&pool->lock);
  if (pool->retired > HANDLE_QUARANTINE) {
    h = pool->oldest;
    pool->oldest = *link_of(h);
    pool->retired--;
  }
  pthread_mutex_unlock(&pool->lock);
  if (h) {
    memset(h, 0, pool->size);
    return h;
  }
  char *block = calloc(1, HIDDEN + pool->size);
  return block ? block + HIDDEN : NULL;
}

void handle_retire(struct handle_pool *pool, void *h) {
  *link_of(h) = NULL;
  pthread_mutex_lock(&pool->lock);
  if (pool->newest && pool->retired) *link_of(pool->newest) = h;
  else pool->oldest = h;
  pool->newest = h;
  pool->retired++;
  pthread_mutex_unlock(&pool->lock);
}
