/* The Immix space on the test VM (placeholder, filled in below). */
#include "suite.h"
static void test_smoke(void) {}
int main(int argc, char **argv) {
  g_test_init(&argc, &argv, NULL);
  suite_add("smoke", test_smoke, 10);
  return g_test_run();
}
