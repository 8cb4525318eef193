# Several instances alive at once in one process (issue #14), on the test VM
# (test-instances.c): two instances on different plans collecting at the same time with
# the sanity verifier, one instance's world stopped while the other's runs, shutting one
# down while another runs and starting a third in its room, per-instance queries and
# checks, a range with no room left, per-instance log prefixes.
#   tests/vm/test-instances                                 Paths: /instances/...
if HAVE_GLIB
check_PROGRAMS += tests/vm/test-instances
TESTS += tests/vm/test-instances
# TVM_PLAN_ID only for suite.h (its watchdog and child-process runner): each test
# chooses the plans of its instances.
tests_vm_test_instances_SOURCES = tests/vm/test-instances.c
tests_vm_test_instances_CPPFLAGS = $(TVM_CPP) -DTVM_PLAN_ID=1
tests_vm_test_instances_CFLAGS = $(TVM_CC)
tests_vm_test_instances_LDFLAGS = $(TVM_LINK)
tests_vm_test_instances_LDADD = $(TVM_DEPLIBS)
endif

# In both sanitizer builds' samples (Makefile.am, print-ci-sample and print-tsan-sample):
# it is the program where instances race with each other.
CI_SAMPLE_TVM += tests/vm/test-instances
CI_TSAN_TESTS += tests/vm/test-instances
