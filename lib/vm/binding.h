/* How libmmtk calls the binding (MMTk's vm module, the library's side; design.vm): the
 * binding is copied into the instance at mmtk_init() and checked there; optional
 * callbacks get their defaults here. */
#ifndef MMTK_VM_BINDING_H
#define MMTK_VM_BINDING_H

#include <mmtk.h>

struct plan_ops;
struct mmtk_options;

/* The size of a version-1 binding struct: every binding must be at least this big. */
#define BINDING_V1_SIZE sizeof(mmtk_vm_binding_t)

/* Check `b` for `plan` with `options` and copy it into `out`; false with a message naming
 * the first problem (a wrong size or version, a required callback that is NULL, a callback
 * set without its partner). */
bool binding_install(mmtk_vm_binding_t *out, const mmtk_vm_binding_t *b,
                     const struct plan_ops *plan, const struct mmtk_options *options);
/* The out_of_memory callback, or the default: log the last error. */
void binding_out_of_memory(mmtk_t *mmtk, void *tls, int kind);
/* get_current_size, or 0 when the binding has none. */
size_t binding_current_size(const mmtk_t *mmtk, mmtk_object_t object);

#endif /* MMTK_VM_BINDING_H */
