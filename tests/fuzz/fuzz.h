/* What every fuzz harness of tests/fuzz/ defines: libFuzzer's entry point.  The same
 * harness links either with libFuzzer (make fuzz, clang) or with replay.c, the plain
 * driver that make check uses to run the committed corpus as regression tests. */
#ifndef MMTK_FUZZ_H
#define MMTK_FUZZ_H

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#endif /* MMTK_FUZZ_H */
