/* A deliberately incompatible libmmtk for tests/test-abi.sh: mmtk_version() takes an
 * argument and returns an int, mmtk_init() lost its last parameter, and every other
 * function is gone.  `make abi-check` must refuse it. */
struct mmtk_builder;
int mmtk_version(int which);
void *mmtk_init(const struct mmtk_builder *builder, const void *binding);

int mmtk_version(int which) { return which; }
void *mmtk_init(const struct mmtk_builder *builder, const void *binding) {
  (void)builder, (void)binding;
  return 0;
}
