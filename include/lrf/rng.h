/* A small explicit-state random generator (xoshiro256** seeded by splitmix64).
 * The state is a value: copy it to snapshot, assign it to restore. */
#ifndef LRF_RNG_H
#define LRF_RNG_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct lrf_rng {
    uint64_t s[4];
};

/* The same seed always gives the same stream, on every platform. */
struct lrf_rng lrf_rng_seeded(uint64_t seed);

/* 64 uniformly random bits. */
uint64_t lrf_rng_next(struct lrf_rng *rng);

/* Uniform double in [0, 1) with 53 random bits. */
double lrf_rng_uniform(struct lrf_rng *rng);

/* w[i] = (float)(bound * (2 * u_i - 1)) for n successive lrf_rng_uniform draws u_i:
 * the same values and final state as n calls, in a third of the time (a weight
 * initialization draws hundreds of thousands). */
void lrf_rng_fill_symmetric(struct lrf_rng *rng, float *w, size_t n, double bound);

/* Uniform integer in [0, n) without modulo bias; n must be > 0. */
uint64_t lrf_rng_below(struct lrf_rng *rng, uint64_t n);

/* Fisher-Yates shuffle of idx[0..n). */
void lrf_rng_shuffle_u32(struct lrf_rng *rng, uint32_t *idx, size_t n);

#ifdef __cplusplus
}
#endif

#endif
