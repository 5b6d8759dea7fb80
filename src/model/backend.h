/* The model's kernel libraries, loaded on first use (dlopen), not at program
 * start: OpenBLAS 0.3.x (pthreads build) starts its thread pool in a load-time
 * constructor, and oneDNN pulls in libstdc++, libgomp and OpenCL. A process
 * that never creates a model (inspect, suggest, schedule) loads neither.
 *
 * The function pointers have the exact types of the libraries' headers. */
#ifndef LRF_MODEL_BACKEND_H
#define LRF_MODEL_BACKEND_H

#include <cblas.h>
#include <oneapi/dnnl/dnnl.h>

#include "lrf/status.h"

struct model_blas {
    __typeof__(cblas_sgemm) *sgemm;
    __typeof__(openblas_set_num_threads) *set_num_threads;
    __typeof__(openblas_get_num_threads) *get_num_threads;
};

/* Every oneDNN function the convolution layer calls, without the dnnl_ prefix. */
#define MODEL_DNNL_FUNCS(X)                                                                        \
    X(engine_create)                                                                               \
    X(stream_create)                                                                               \
    X(stream_destroy)                                                                              \
    X(stream_wait)                                                                                 \
    X(memory_desc_init_by_tag)                                                                     \
    X(memory_desc_equal)                                                                           \
    X(memory_desc_get_size)                                                                        \
    X(memory_create)                                                                               \
    X(memory_destroy)                                                                              \
    X(convolution_forward_desc_init)                                                               \
    X(convolution_backward_data_desc_init)                                                         \
    X(convolution_backward_weights_desc_init)                                                      \
    X(reorder_primitive_desc_create)                                                               \
    X(primitive_attr_create)                                                                       \
    X(primitive_attr_destroy)                                                                      \
    X(primitive_attr_set_scratchpad_mode)                                                          \
    X(primitive_desc_create)                                                                       \
    X(primitive_desc_destroy)                                                                      \
    X(primitive_desc_query_md)                                                                     \
    X(primitive_create)                                                                            \
    X(primitive_destroy)                                                                           \
    X(primitive_execute)

struct model_dnnl {
#define MODEL_DNNL_MEMBER(f) __typeof__(dnnl_##f) *f;
    MODEL_DNNL_FUNCS(MODEL_DNNL_MEMBER)
#undef MODEL_DNNL_MEMBER
    /* oneDNN (Debian's build) threads with OpenMP: libgomp, found through it. */
    void (*omp_set_num_threads)(int);
    int (*omp_get_max_threads)(void);
    dnnl_engine_t engine; /* the CPU engine, shared by every model */
};

/* Load once per process (thread-safe); later calls return the same result. On
 * failure LRF_ERR_UNSUPPORTED with the library's name and dlerror() in err. */
enum lrf_status model_blas_get(const struct model_blas **out, struct lrf_error *err);
enum lrf_status model_dnnl_get(const struct model_dnnl **out, struct lrf_error *err);

#endif
