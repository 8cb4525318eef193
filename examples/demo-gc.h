/* mmtk-demo's workload for collecting plans (demo-gc.c). */
#ifndef MMTK_DEMO_GC_H
#define MMTK_DEMO_GC_H
/* Run the binary-trees workload on `plan` (from MMTK_PLAN); the exit status. */
int gc_demo_run(const char *plan);
#endif
