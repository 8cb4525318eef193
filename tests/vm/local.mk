# The test VM and the GC suites on it (tests/vm/): being written.
