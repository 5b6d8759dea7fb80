/* Loading OpenBLAS and oneDNN at the first model, once per process.
 *
 * Why not link them: OpenBLAS 0.3.21's gotoblas_init() is an ELF constructor
 * that reads OPENBLAS_NUM_THREADS and starts its pthread pool (one thread per
 * core but one) and warms it up before main() runs, so every lrfind command
 * paid for threads it never used; linking libdnnl adds ~10 ms of loading. */
#define _GNU_SOURCE /* RTLD_* on older glibc */
#include "model/backend.h"
#include "lrf/model.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#ifndef LRF_OPENBLAS_SONAME
#define LRF_OPENBLAS_SONAME "libopenblas.so.0"
#endif
#ifndef LRF_DNNL_SONAME
#define LRF_DNNL_SONAME "libdnnl.so.2"
#endif

/* The outcome of one load: written once under pthread_once, read-only after. */
struct loaded {
    enum lrf_status status;
    char message[LRF_ERROR_MESSAGE_MAX];
};

static struct model_blas blas;
static struct loaded blas_state;
static pthread_once_t blas_once = PTHREAD_ONCE_INIT;

static struct model_dnnl dnnl;
static struct loaded dnnl_state;
static pthread_once_t dnnl_once = PTHREAD_ONCE_INIT;

static void set_failure(struct loaded *s, const char *lib, const char *what)
{
    const char *why = dlerror();
    s->status = LRF_ERR_UNSUPPORTED;
    snprintf(s->message, sizeof s->message, "cannot load %s (%s): %s", lib, what,
             why ? why : "unknown error");
}

/* dlsym returns void *; converting it to a function pointer is what POSIX
 * requires to work, done through memcpy so that ISO C stays quiet. */
static int resolve(void *handle, const char *name, void *fn_out, size_t fn_size)
{
    void *sym = dlsym(handle, name);
    if (!sym)
        return -1;
    memcpy(fn_out, &sym, fn_size);
    return 0;
}

#define RESOLVE(handle, name, field) resolve(handle, name, &(field), sizeof(field))

static void load_blas(void)
{
    void *h = dlopen(LRF_OPENBLAS_SONAME, RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        set_failure(&blas_state, LRF_OPENBLAS_SONAME, "needed for the model's matrix products");
        return;
    }
    if (RESOLVE(h, "cblas_sgemm", blas.sgemm) ||
        RESOLVE(h, "openblas_set_num_threads", blas.set_num_threads) ||
        RESOLVE(h, "openblas_get_num_threads", blas.get_num_threads)) {
        set_failure(&blas_state, LRF_OPENBLAS_SONAME, "missing a function");
        return;
    }
    blas_state.status = LRF_OK;
}

static void load_dnnl(void)
{
    void *h = dlopen(LRF_DNNL_SONAME, RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        set_failure(&dnnl_state, LRF_DNNL_SONAME, "oneDNN, needed for convolutions");
        return;
    }
    int bad = 0;
#define MODEL_DNNL_RESOLVE(f) bad |= RESOLVE(h, "dnnl_" #f, dnnl.f);
    MODEL_DNNL_FUNCS(MODEL_DNNL_RESOLVE)
#undef MODEL_DNNL_RESOLVE
    /* dlsym on a handle searches its dependencies too: libgomp. */
    bad |= RESOLVE(h, "omp_set_num_threads", dnnl.omp_set_num_threads);
    bad |= RESOLVE(h, "omp_get_max_threads", dnnl.omp_get_max_threads);
    if (bad) {
        set_failure(&dnnl_state, LRF_DNNL_SONAME, "missing a function");
        return;
    }
    if (dnnl.engine_create(&dnnl.engine, dnnl_cpu, 0) != dnnl_success) {
        dnnl_state.status = LRF_ERR_UNSUPPORTED;
        snprintf(dnnl_state.message, sizeof dnnl_state.message,
                 "oneDNN (%s) could not create its CPU engine", LRF_DNNL_SONAME);
        return;
    }
    dnnl_state.status = LRF_OK;
}

static enum lrf_status report(const struct loaded *s, struct lrf_error *err)
{
    if (s->status != LRF_OK)
        return lrf_error_set(err, s->status, "%s", s->message);
    return LRF_OK;
}

enum lrf_status model_blas_get(const struct model_blas **out, struct lrf_error *err)
{
    pthread_once(&blas_once, load_blas);
    *out = blas_state.status == LRF_OK ? &blas : NULL;
    return report(&blas_state, err);
}

/* The background load: the same pthread_once as a model's, so a model created
 * meanwhile waits for it rather than loading twice. */
static void *preload(void *convolutions)
{
    pthread_once(&blas_once, load_blas);
    if (convolutions)
        pthread_once(&dnnl_once, load_dnnl);
    return NULL;
}

void lrf_model_preload(const struct lrf_model_config *cfg)
{
    pthread_attr_t attr;
    pthread_t thread;
    if (pthread_attr_init(&attr) != 0)
        return;
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    /* Nothing to do here if it cannot start: the first model loads them. */
    (void)pthread_create(&thread, &attr, preload,
                         cfg && cfg->arch == LRF_ARCH_CNN ? (void *)&dnnl : NULL);
    pthread_attr_destroy(&attr);
}

enum lrf_status model_dnnl_get(const struct model_dnnl **out, struct lrf_error *err)
{
    pthread_once(&dnnl_once, load_dnnl);
    *out = dnnl_state.status == LRF_OK ? &dnnl : NULL;
    return report(&dnnl_state, err);
}
