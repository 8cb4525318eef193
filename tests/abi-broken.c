/* Libraries for tests/test-abi.sh, built from this file with the real <mmtk.h> or with
 * a copy whose structs the test changed, and libmmtk's version script.
 *
 * Without ABI_ONE_FUNCTION: a libmmtk whose mmtk_version() takes an argument and whose
 * other functions are gone.  With it: mmtk_init() and mmtk_get_stats() alone, for
 * comparing two builds that differ only in the layout of the structs they take. */
#include <mmtk.h>

#ifdef ABI_ONE_FUNCTION
mmtk_t *mmtk_init(const mmtk_builder_t *builder, const mmtk_vm_binding_t *binding,
                  void *vm_context) {
  (void)builder, (void)vm_context;
  return binding->size ? NULL : NULL;
}
bool mmtk_get_stats(const mmtk_t *mmtk, mmtk_stats_t *stats) {
  (void)mmtk;
  return stats->size != 0;
}
#else
int mmtk_version_broken(int which);
int mmtk_version_broken(int which) { return which; }
#endif
