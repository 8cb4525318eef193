/* mmtk-demo's workload for collecting plans (demo-gc.c): GCBench on minivm. */
#ifndef MMTK_DEMO_GC_H
#define MMTK_DEMO_GC_H
/* Run GCBench on the plan MMTK_PLAN names (default MarkSweep); the exit status. */
int gc_demo_run(void);
/* Run it on two instances at once, one per plan of "PLAN,PLAN", each on its own thread;
 * the exit status (2 for a malformed list). */
int gc_demo_run_plans(const char *plans);
#endif
