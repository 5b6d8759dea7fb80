/* Shared by the step benchmarks (scripts/bench_step.c, scripts/bench_cnn.c). */
#ifndef LRF_BENCH_COMMON_H
#define LRF_BENCH_COMMON_H

#include "lrf/clock.h"

/* Samples/s of step() (batch samples each) repeated for about `seconds`, after
 * `warm` untimed calls that warm the caches and the libraries' threads. */
static inline double bench_rate(void (*step)(void), int batch, int warm, double seconds)
{
    for (int i = 0; i < warm; i++)
        step();
    long n = 0;
    double t0 = lrf_clock_seconds(), t;
    do {
        step();
        n++;
    } while ((t = lrf_clock_seconds() - t0) < seconds);
    return (double)batch * (double)n / t;
}

#endif
