/* Monotonic wall-clock time for reports and benchmarks. */
#ifndef LRF_CLOCK_H
#define LRF_CLOCK_H

/* Seconds since an arbitrary fixed point; only differences are meaningful. */
double lrf_clock_seconds(void);

#endif
