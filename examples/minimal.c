/* minimal.c: the smallest complete libmmtk program, for a runtime author's first build.
 *
 *   cc minimal.c $(pkg-config --cflags --libs mmtk) -o minimal && ./minimal
 *
 * It uses the NoGC plan, which needs no binding callback: a zeroed mmtk_vm_binding_t with
 * its size and version set is a valid binding.  It binds one mutator (this thread),
 * allocates a linked list through the inline fast path of <mmtk/inline.h>, walks it back,
 * and shuts the instance down.  The next step is a collecting plan, which needs the VM to
 * scan objects and stop its threads: see minivm.c beside this file and mmtk-porting(7).
 */
#include <mmtk.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

struct node {
  struct node *next;
  uint64_t value;
};

int main(void) {
  mmtk_vm_binding_t binding;
  memset(&binding, 0, sizeof binding);
  binding.size = sizeof binding;
  binding.version = MMTK_VM_BINDING_VERSION;

  mmtk_builder_t *builder = mmtk_builder_new();
  if (!builder || !mmtk_process(builder, "plan", "NoGC")) {
    fprintf(stderr, "minimal: %s\n", mmtk_last_error());
    return 1;
  }
  mmtk_t *mmtk = mmtk_init(builder, &binding, NULL);
  mmtk_builder_free(builder);
  if (!mmtk) {
    fprintf(stderr, "minimal: mmtk_init: %s\n", mmtk_last_error());
    return 1;
  }
  mmtk_mutator_t *mutator = mmtk_bind_mutator(mmtk, NULL);
  if (!mutator) {
    fprintf(stderr, "minimal: mmtk_bind_mutator: %s\n", mmtk_last_error());
    return 1;
  }

  /* Allocation: the fast path bumps a pointer in the mutator's buffer; post_alloc
   * finishes the object (a no-op for NoGC, but a binding always calls it). */
  struct node *list = NULL;
  for (uint64_t i = 0; i < 1000; i++) {
    struct node *n = mmtk_alloc_fast(mutator, sizeof *n, 8, 0, MMTK_ALLOC_DEFAULT);
    if (!n) {
      fprintf(stderr, "minimal: out of memory after %llu nodes\n", (unsigned long long)i);
      return 1;
    }
    mmtk_post_alloc_fast(mutator, n, sizeof *n, MMTK_ALLOC_DEFAULT);
    n->value = i;
    n->next = list;
    list = n;
  }

  uint64_t sum = 0;
  for (struct node *n = list; n; n = n->next) sum += n->value;
  printf("libmmtk %s: 1000 nodes, sum %llu\n", mmtk_version(), (unsigned long long)sum);

  mmtk_destroy_mutator(mutator);
  mmtk_shutdown(mmtk);
  return sum == 999 * 1000 / 2 ? 0 : 1;
}
