/* cfg.threads, scoped: each public model call that runs kernels sets OpenBLAS's
 * and OpenMP's thread counts to the model's choice and puts the previous values
 * back before returning. OpenBLAS's count is process-wide (a second model
 * running concurrently in another thread sees it too); OpenMP's is the calling
 * thread's. Both setters are cheap when the pool is already large enough. */
#include "model/model_internal.h"

void model_threads_enter(const struct lrf_model *m, struct model_threads *saved)
{
    saved->blas = saved->omp = 0;
    int n = m->cfg.threads;
    if (n < 1)
        return;
    int b = m->blas->get_num_threads();
    if (b != n) {
        m->blas->set_num_threads(n);
        saved->blas = b;
    }
    if (m->dnnl) {
        int o = m->dnnl->omp_get_max_threads();
        if (o != n) {
            m->dnnl->omp_set_num_threads(n);
            saved->omp = o;
        }
    }
}

void model_threads_leave(const struct lrf_model *m, const struct model_threads *saved)
{
    if (saved->blas > 0)
        m->blas->set_num_threads(saved->blas);
    if (saved->omp > 0 && m->dnnl)
        m->dnnl->omp_set_num_threads(saved->omp);
}
