# The libFuzzer targets: one executable per tests/fuzz/fuzz_<target>.c, linked with
# the whole library (built instrumented by the LRF_FUZZ block of CMakeLists.txt).
# Run them with scripts/fuzz.sh; corpora live in tests/fuzz/corpus/<target>/.
file(GLOB LRF_FUZZ_SOURCES CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/tests/fuzz/fuzz_*.c)
foreach(source IN LISTS LRF_FUZZ_SOURCES)
    get_filename_component(name ${source} NAME_WE)
    add_executable(${name} ${source})
    target_include_directories(${name} PRIVATE ${PROJECT_SOURCE_DIR}/tests ${PROJECT_SOURCE_DIR}/src)
    target_compile_options(${name} PRIVATE ${LRF_WARNINGS})
    target_link_libraries(${name} PRIVATE lrf)
    target_link_options(${name} PRIVATE -fsanitize=fuzzer)
endforeach()
