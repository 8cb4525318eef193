# tests/test-faults: the failure-injection walk (RELIABILITY.md R22, R23), built and run
# only in a ./configure --enable-fault-injection build; other builds do not list it.
# It runs on the test VM (tests/vm/local.mk).

if HAVE_GLIB
if MMTK_FAULT_INJECTION
check_PROGRAMS += tests/test-faults
TESTS += tests/test-faults
tests_test_faults_SOURCES = tests/test-faults.c
tests_test_faults_CPPFLAGS = $(TVM_CPP)
tests_test_faults_CFLAGS = $(TVM_CC)
tests_test_faults_LDFLAGS = $(TVM_LINK)
tests_test_faults_LDADD = $(TVM_DEPLIBS)
endif
endif
