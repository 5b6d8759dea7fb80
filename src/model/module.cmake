# OpenBLAS and oneDNN are loaded by the first model at run time (dlopen, see
# src/model/backend.c), so liblrf does not link them: building needs only their
# headers, and the names of the shared objects to load.
find_path(LRF_CBLAS_INCLUDE_DIR cblas.h
    PATH_SUFFIXES openblas-pthread x86_64-linux-gnu/openblas-pthread
                  aarch64-linux-gnu/openblas-pthread openblas
    REQUIRED)
find_path(LRF_DNNL_INCLUDE_DIR oneapi/dnnl/dnnl.h REQUIRED)
set(LRF_OPENBLAS_SONAME "libopenblas.so.0" CACHE STRING "OpenBLAS shared object the model loads")
set(LRF_DNNL_SONAME "libdnnl.so.2" CACHE STRING "oneDNN shared object the model loads")
target_include_directories(${target} SYSTEM PRIVATE ${LRF_CBLAS_INCLUDE_DIR}
                           ${LRF_DNNL_INCLUDE_DIR})
target_compile_definitions(${target} PRIVATE
    LRF_OPENBLAS_SONAME="${LRF_OPENBLAS_SONAME}" LRF_DNNL_SONAME="${LRF_DNNL_SONAME}")
