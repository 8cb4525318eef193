/* mmtk-demo's workload for collecting plans (demo-gc.c): GCBench on minivm. */
#ifndef MMTK_DEMO_GC_H
#define MMTK_DEMO_GC_H
/* Run GCBench on the plan MMTK_PLAN names (default MarkSweep); the exit status. */
int gc_demo_run(void);
#endif
