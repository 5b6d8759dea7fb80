/* Order statistics of a column's numbers: the median by a two-pass radix
 * selection (linear, branch-light: a median per numeric column is part of
 * every general load) and an all-distinct test (sorting, for the few
 * identifier candidates). */
#include <stdlib.h>
#include <string.h>

#include "dataset/internal.h"

enum { RADIX = 1 << 16 };

/* float -> uint32 with the same order (negatives: every bit flipped). */
static inline uint32_t key_of(float f)
{
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    return u ^ (u >> 31 ? 0xFFFFFFFFu : 0x80000000u);
}

static inline float float_of(uint32_t k)
{
    uint32_t u = k ^ (k >> 31 ? 0x80000000u : 0xFFFFFFFFu);
    float f;
    memcpy(&f, &u, sizeof f);
    return f;
}

/* The bucket holding the element of rank *k (updated to its rank inside). */
static uint32_t bucket_of(const uint32_t *count, size_t *k)
{
    uint32_t b = 0;
    while (*k >= count[b])
        *k -= count[b++];
    return b;
}

/* The k-th smallest of v[0..n): the high 16 bits by one histogram, then the
 * low 16 among the values that share them. count: RADIX scratch entries. */
static float kth(const float *v, size_t n, size_t k, uint32_t *count)
{
    memset(count, 0, RADIX * sizeof *count);
    for (size_t i = 0; i < n; i++)
        count[key_of(v[i]) >> 16]++;
    uint32_t high = bucket_of(count, &k);
    memset(count, 0, RADIX * sizeof *count);
    for (size_t i = 0; i < n; i++) {
        uint32_t key = key_of(v[i]);
        if (key >> 16 == high)
            count[key & 0xFFFFu]++;
    }
    return float_of(high << 16 | bucket_of(count, &k));
}

float ds_median(float *v, size_t n)
{
    uint32_t *count = n ? malloc(RADIX * sizeof *count) : NULL;
    if (!count) /* none, or no memory for the histogram */
        return n ? v[n / 2] : 0.0f;
    float hi = kth(v, n, n / 2, count);
    float m = hi;
    if (n % 2 == 0) /* numpy's median: the mean of the two middle values */
        m = (float)(((double)kth(v, n, n / 2 - 1, count) + (double)hi) / 2.0);
    free(count);
    return m;
}

static int cmp_float(const void *a, const void *b)
{
    float x = *(const float *)a, y = *(const float *)b;
    return (x > y) - (x < y);
}

bool ds_all_distinct(float *v, size_t n)
{
    qsort(v, n, sizeof *v, cmp_float);
    for (size_t i = 1; i < n; i++)
        if (v[i] == v[i - 1])
            return false;
    return true;
}
