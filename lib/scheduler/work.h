/* Work packets (MMTk's scheduler::work, design.scheduler.packet): a unit of GC work.
 * A packet owns itself: run() does the work and disposes of the packet. */
#ifndef MMTK_SCHEDULER_WORK_H
#define MMTK_SCHEDULER_WORK_H

#include <stddef.h>

#include <mmtk/config.h>

struct mmtk_gc_worker;

struct work_packet {
  void (*run)(struct work_packet *self, struct mmtk_gc_worker *worker);
  struct work_packet *next; /* bucket queues */
#if MMTK_HAVE_WORK_PACKET_STATS
  const char *kind; /* its row in the statistics (design.scheduler.stats) */
#endif
};

/* --enable-work-packet-stats: WORK_KIND("name") is the name of a kind of packet, and
 * work_set_kind() gives it to a packet; without the switch there is no field and no
 * string (design.scheduler.stats). */
#if MMTK_HAVE_WORK_PACKET_STATS
#define WORK_KIND(name) (name)
static inline void work_set_kind(struct work_packet *p, const char *kind) { p->kind = kind; }
#else
#define WORK_KIND(name) ((const char *)0)
static inline void work_set_kind(struct work_packet *p, const char *kind) {
  (void)p;
  (void)kind;
}
#endif

#define container_of(p, type, member) ((type *)(void *)((char *)(p) - offsetof(type, member)))

#endif /* MMTK_SCHEDULER_WORK_H */
