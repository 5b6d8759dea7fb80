#include "lrf/accumulate.h"

enum lrf_status lrf_accumulate_step(const struct lrf_accumulator *a, double lr, double momentum,
                                    double *loss, const char **failed)
{
    const char *which = "micro_step";
    enum lrf_status st = LRF_OK;
    double sum = 0;
    for (size_t k = 0; k < a->n && st == LRF_OK; k++) {
        double l;
        st = a->micro_step(a->user, &l);
        if (st == LRF_OK)
            sum += l;
    }
    if (st == LRF_OK) {
        which = "apply";
        st = a->apply(a->user, lr, momentum);
        *loss = sum / (double)a->n;
    }
    if (failed)
        *failed = which;
    return st;
}
