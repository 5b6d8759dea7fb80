# The shared objects src/model/backend.c loads on first use.
target_compile_definitions(${target} PRIVATE
    LRF_OPENBLAS_SONAME="${LRF_OPENBLAS_SONAME}" LRF_DNNL_SONAME="${LRF_DNNL_SONAME}")
