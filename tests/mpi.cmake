# The test binaries that also run as MPI jobs: each under mpirun with 2 and with 3
# ranks (3: shards of uneven size). Without MPI (LRF_MPI off or no mpirun) each is
# registered all the same and reported SKIPPED (exit 77) with the reason.
# Included by CMakeLists.txt after the tests are defined.
set(LRF_MPI_TESTS test_dist test_dist_data test_train_dist)
find_program(LRF_MPIRUN NAMES mpirun mpiexec)
if(LRF_MPI AND LRF_MPIRUN)
    # As root, in a container, on a machine with fewer cores than ranks.
    set(LRF_MPIRUN_FLAGS --allow-run-as-root --oversubscribe --bind-to none)
    set(LRF_MPI_SKIP "")
elseif(NOT LRF_MPI)
    set(LRF_MPI_SKIP "SKIPPED: lrfind was built without MPI (LRF_MPI=OFF; apt-get install libopenmpi-dev openmpi-bin, then reconfigure)")
else()
    set(LRF_MPI_SKIP "SKIPPED: no mpirun found (apt-get install openmpi-bin)")
endif()
# Open MPI's shared-memory transport cannot use cross-memory attach in a container;
# Open MPI's own leaks (tests/lsan_mpi.supp) are not lrfind's.
set(LRF_MPI_TEST_ENV "XDG_CACHE_HOME=${CMAKE_BINARY_DIR}/test-cache" "OPENBLAS_NUM_THREADS=1"
    "OMPI_MCA_btl_vader_single_copy_mechanism=none"
    "LSAN_OPTIONS=suppressions=${PROJECT_SOURCE_DIR}/tests/lsan_mpi.supp:fast_unwind_on_malloc=0")
if(LRF_SANITIZE)
    list(APPEND LRF_MPI_TEST_ENV "ASAN_OPTIONS=detect_leaks=1:fast_unwind_on_malloc=0")
endif()
foreach(t IN LISTS LRF_MPI_TESTS)
    foreach(np 2 3)
        set(name mpi${np}_${t})
        if(LRF_MPI_SKIP)
            add_test(NAME ${name} COMMAND sh -c "echo '${name}: ${LRF_MPI_SKIP}'; exit 77")
        else()
            add_test(NAME ${name} COMMAND ${LRF_MPIRUN} ${LRF_MPIRUN_FLAGS} -np ${np}
                     $<TARGET_FILE:${t}>)
        endif()
        set_tests_properties(${name} PROPERTIES TIMEOUT 300 SKIP_RETURN_CODE 77
            ENVIRONMENT "${LRF_MPI_TEST_ENV}")
    endforeach()
endforeach()
# test_cli_dist starts its own MPI jobs of lrfind.
set_tests_properties(test_cli_dist PROPERTIES ENVIRONMENT "${LRF_MPI_TEST_ENV}")
