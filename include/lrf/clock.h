/* Monotonic wall-clock time for reports and benchmarks. */
#ifndef LRF_CLOCK_H
#define LRF_CLOCK_H

#ifdef __cplusplus
extern "C" {
#endif

/* Seconds since an arbitrary fixed point; only differences are meaningful. */
double lrf_clock_seconds(void);

#ifdef __cplusplus
}
#endif

#endif
