/* Work packets (MMTk's scheduler::work, design.scheduler.packet): a unit of GC work.
 * A packet owns itself: run() does the work and disposes of the packet. */
#ifndef MMTK_SCHEDULER_WORK_H
#define MMTK_SCHEDULER_WORK_H

#include <stddef.h>

struct mmtk_gc_worker;

struct work_packet {
  void (*run)(struct work_packet *self, struct mmtk_gc_worker *worker);
  struct work_packet *next; /* bucket queues */
};

#define container_of(p, type, member) ((type *)(void *)((char *)(p) - offsetof(type, member)))

#endif /* MMTK_SCHEDULER_WORK_H */
