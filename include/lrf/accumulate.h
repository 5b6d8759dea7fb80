/* Gradient accumulation, written once: one optimizer step made of n micro-batches.
 * The range test (lrf_finder_run with accumulate > 1) and the trainer
 * (lrf_trainer_step, and through it lrf_trainer_fit) both step through it. */
#ifndef LRF_ACCUMULATE_H
#define LRF_ACCUMULATE_H

#include <stddef.h>

#include "lrf/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A client's two halves of an optimizer step, with the signatures of the finder's
 * micro_step and apply callbacks (include/lrf/finder.h). */
struct lrf_accumulator {
    void *user;
    /* Forward+backward of the next micro-batch, adding its share of the gradient;
     * *loss = its loss. */
    enum lrf_status (*micro_step)(void *user, double *loss);
    /* The optimizer step on the accumulated gradient, then zero it. */
    enum lrf_status (*apply)(void *user, double lr, double momentum);
    size_t n; /* micro-batches per optimizer step, >= 1 */
};

/* Calls micro_step n times, then apply(lr, momentum) once; *loss = the mean of the n
 * micro-batch losses. Stops at the first failing call and returns its status;
 * *failed (may be NULL) names the callback last called: "micro_step" or "apply". */
enum lrf_status lrf_accumulate_step(const struct lrf_accumulator *a, double lr, double momentum,
                                    double *loss, const char **failed);

#ifdef __cplusplus
}
#endif

#endif
