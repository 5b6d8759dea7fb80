/* The median the encoders impute with (src/dataset/select.c): numpy's
 * definition (the middle value, or the mean of the two middle ones), checked
 * against a sort on random columns with negatives, duplicates and -0.0. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "dataset/internal.h"

static int cmp_float(const void *a, const void *b)
{
    float x = *(const float *)a, y = *(const float *)b;
    return (x > y) - (x < y);
}

static float sorted_median(float *w, size_t n)
{
    qsort(w, n, sizeof *w, cmp_float);
    return n % 2 ? w[n / 2] : (float)(((double)w[n / 2 - 1] + (double)w[n / 2]) / 2.0);
}

int main(void)
{
    enum { N = 3000 };
    static float v[N], w[N];
    uint64_t z = 7;
    bool same = true;
    for (int trial = 0; trial < 300; trial++) {
        size_t n = 1 + (trial < 100 ? (size_t)trial : (size_t)((z >> 40) % N));
        for (size_t i = 0; i < n; i++) {
            z = z * 6364136223846793005ull + 1442695040888963407ull;
            int kind = (int)((z >> 33) % 5);
            v[i] = kind == 0   ? -0.0f
                   : kind == 1 ? (float)((z >> 40) % 7) /* many duplicates */
                               : (float)((int64_t)(z >> 20) % 200001 - 100000) / 37.0f;
        }
        memcpy(w, v, n * sizeof *v);
        float want = sorted_median(w, n), got = ds_median(v, n);
        same &= got == want;
    }
    CHECK_MSG(same, "ds_median differs from the sorted middle");
    float one = 5.0f;
    CHECK(ds_median(&one, 1) == 5.0f && ds_median(NULL, 0) == 0.0f);
    float d[4] = {3, 1, 2, 4}, e[3] = {1, 2, 1};
    CHECK(ds_all_distinct(d, 4) && !ds_all_distinct(e, 3));
    return check_summary();
}
