#include "lrf/rng.h"

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static uint64_t rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

struct lrf_rng lrf_rng_seeded(uint64_t seed)
{
    struct lrf_rng rng;
    for (int i = 0; i < 4; i++)
        rng.s[i] = splitmix64(&seed);
    return rng;
}

static inline uint64_t next(uint64_t *restrict s)
{
    uint64_t result = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

static inline double uniform(uint64_t *restrict s)
{
    return (double)(next(s) >> 11) * 0x1.0p-53;
}

uint64_t lrf_rng_next(struct lrf_rng *rng)
{
    return next(rng->s);
}

double lrf_rng_uniform(struct lrf_rng *rng)
{
    return uniform(rng->s);
}

void lrf_rng_fill_symmetric(struct lrf_rng *rng, float *w, size_t n, double bound)
{
    uint64_t s[4] = {rng->s[0], rng->s[1], rng->s[2], rng->s[3]}; /* in registers */
    for (size_t i = 0; i < n; i++)
        w[i] = (float)(bound * (2.0 * uniform(s) - 1.0));
    for (int k = 0; k < 4; k++)
        rng->s[k] = s[k];
}

uint64_t lrf_rng_below(struct lrf_rng *rng, uint64_t n)
{
    /* Rejection keeps every value equally likely. */
    uint64_t limit = UINT64_MAX - UINT64_MAX % n;
    uint64_t x;
    do
        x = lrf_rng_next(rng);
    while (x >= limit);
    return x % n;
}

void lrf_rng_shuffle_u32(struct lrf_rng *rng, uint32_t *idx, size_t n)
{
    for (size_t i = n; i > 1; i--) {
        size_t j = (size_t)lrf_rng_below(rng, i);
        uint32_t t = idx[i - 1];
        idx[i - 1] = idx[j];
        idx[j] = t;
    }
}
