/* Exact per-feature sums and sums of squares of uint8 values over a set of rows:
 * what standard normalization needs. The whole file's sums are computed once,
 * while the values are still fresh from the parse, and kept with the cache
 * entry; a training split's sums are then the whole file's minus those of the
 * (few) held-out rows, which reads a tenth of the data instead of all of it.
 * Integer sums are exact, so either way the result is the same bits. */
#include <stdlib.h>
#include <string.h>

#include "dataset/internal.h"

/* Rows per block of 32-bit partial sums: 65536 * 255^2 < 2^32. A multiple of 4. */
enum { BLOCK_ROWS = 1 << 16 };

/* Four rows at once: their sums fit 16 bits and their squares 32, so each
 * accumulator is read and written once per four rows. */
static void add_rows4(const uint8_t *restrict r0, const uint8_t *restrict r1,
                      const uint8_t *restrict r2, const uint8_t *restrict r3, size_t d,
                      uint32_t *restrict s, uint32_t *restrict q)
{
    for (size_t j = 0; j < d; j++) {
        uint16_t x0 = r0[j], x1 = r1[j], x2 = r2[j], x3 = r3[j];
        s[j] += (uint16_t)(x0 + x1 + x2 + x3);
        q[j] += (uint32_t)(uint16_t)(x0 * x0) + (uint16_t)(x1 * x1) + (uint16_t)(x2 * x2) +
                (uint16_t)(x3 * x3);
    }
}

static void add_row(const uint8_t *restrict r0, size_t d, uint32_t *restrict s,
                    uint32_t *restrict q)
{
    for (size_t j = 0; j < d; j++) {
        uint16_t x0 = r0[j];
        s[j] += x0;
        q[j] += (uint16_t)(x0 * x0);
    }
}

/* Adds the sums over rows[0, n) (rows NULL: 0..n-1) to sum and sumsq; s32 and
 * q32 are (d) scratch. */
static void add_sums(const uint8_t *u8, size_t d, const uint32_t *rows, size_t n, uint64_t *sum,
                     uint64_t *sumsq, uint32_t *s32, uint32_t *q32)
{
#define ROW(i) (u8 + (size_t)(rows ? rows[i] : (i)) * d)
    for (size_t i0 = 0; i0 < n; i0 += BLOCK_ROWS) {
        size_t i1 = n - i0 < BLOCK_ROWS ? n : i0 + BLOCK_ROWS, i = i0;
        memset(s32, 0, d * sizeof *s32);
        memset(q32, 0, d * sizeof *q32);
        for (; i + 4 <= i1; i += 4)
            add_rows4(ROW(i), ROW(i + 1), ROW(i + 2), ROW(i + 3), d, s32, q32);
        for (; i < i1; i++)
            add_row(ROW(i), d, s32, q32);
        for (size_t j = 0; j < d; j++) {
            sum[j] += s32[j];
            sumsq[j] += q32[j];
        }
    }
#undef ROW
}

bool ds_sums_u8(const struct lrf_dataset *ds, const uint32_t *rows, size_t n, uint64_t *sum,
                uint64_t *sumsq)
{
    size_t d = ds->features;
    uint32_t *scratch = malloc(2 * (d ? d : 1) * sizeof *scratch);
    if (!scratch)
        return false;
    add_sums(ds->u8, d, rows, n, sum, sumsq, scratch, scratch + d);
    free(scratch);
    return true;
}

/* One thread's share of the whole-file sums: rows [first, first + n). */
struct sums_job {
    const struct lrf_dataset *ds;
    size_t first, n;
    uint64_t *sums; /* (2, features), zeroed */
    bool ok;
};

static void *sums_job_run(void *arg)
{
    struct sums_job *j = arg;
    size_t d = j->ds->features;
    uint32_t *scratch = malloc(2 * (d ? d : 1) * sizeof *scratch);
    j->ok = scratch != NULL;
    if (j->ok)
        add_sums(j->ds->u8 + j->first * d, d, NULL, j->n, j->sums, j->sums + d, scratch,
                 scratch + d);
    free(scratch);
    return NULL;
}

enum lrf_status ds_compute_sums(struct lrf_dataset *ds, int threads)
{
    if (ds->storage != LRF_STORAGE_UINT8 || ds->sums || ds->map)
        return LRF_OK;
    size_t d = ds->features ? ds->features : 1;
    int n = threads < 1 ? 1 : threads > DS_THREADS_MAX ? DS_THREADS_MAX : threads;
    if ((size_t)n > ds->rows / 4096 + 1) /* not worth a thread below a few MB */
        n = (int)(ds->rows / 4096 + 1);
    struct sums_job jobs[DS_THREADS_MAX];
    uint64_t *sums = calloc(2 * d * (size_t)n, sizeof *sums);
    if (!sums)
        return LRF_ERR_NOMEM;
    for (int t = 0; t < n; t++) {
        size_t a = ds->rows * (size_t)t / (size_t)n, b = ds->rows * (size_t)(t + 1) / (size_t)n;
        jobs[t] = (struct sums_job){ds, a, b - a, sums + 2 * d * (size_t)t, false};
    }
    ds_run_parallel(jobs, sizeof jobs[0], n, sums_job_run);
    bool ok = true;
    for (int t = 0; t < n; t++) {
        ok &= jobs[t].ok;
        for (size_t k = 0; t > 0 && k < 2 * d; k++) /* exact: integers */
            sums[k] += jobs[t].sums[k];
    }
    if (!ok) {
        free(sums);
        return LRF_ERR_NOMEM;
    }
    ds->sums = sums; /* the first 2 * features of the allocation */
    return LRF_OK;
}

/* The rows of ds not in rows[0, n) into *out (ascending), or false when a row is
 * listed twice or out of range (then the whole-file sums cannot be used). */
static bool complement(const struct lrf_dataset *ds, const uint32_t *rows, size_t n,
                       unsigned char *mark, uint32_t *out, size_t *n_out)
{
    for (size_t i = 0; i < n; i++) {
        if (rows[i] >= ds->rows || mark[rows[i]])
            return false;
        mark[rows[i]] = 1;
    }
    size_t k = 0;
    for (size_t r = 0; r < ds->rows; r++)
        if (!mark[r])
            out[k++] = (uint32_t)r;
    *n_out = k;
    return true;
}

/* From the whole file's sums minus the other rows' when those are fewer. */
static bool sums_by_complement(const struct lrf_dataset *ds, const uint32_t *rows, size_t n,
                               uint64_t *sum, uint64_t *sumsq, bool *done)
{
    size_t d = ds->features, rest = ds->rows - n;
    *done = false;
    unsigned char *mark = calloc(ds->rows, 1);
    uint32_t *other = malloc((rest ? rest : 1) * sizeof *other);
    uint64_t *sub = calloc(2 * d, sizeof *sub);
    bool ok = mark && other && sub;
    size_t k = 0;
    if (ok && complement(ds, rows, n, mark, other, &k) && k == rest) {
        ok = ds_sums_u8(ds, other, k, sub, sub + d);
        for (size_t j = 0; ok && j < d; j++) {
            sum[j] += ds->sums[j] - sub[j];
            sumsq[j] += ds->sums[d + j] - sub[d + j];
        }
        *done = ok;
    }
    free(mark);
    free(other);
    free(sub);
    return ok;
}

bool ds_rows_sums_u8(const struct lrf_dataset *ds, const uint32_t *rows, size_t n, uint64_t *sum,
                     uint64_t *sumsq)
{
    size_t d = ds->features;
    if (ds->sums && !rows) {
        for (size_t j = 0; j < d; j++) {
            sum[j] += ds->sums[j];
            sumsq[j] += ds->sums[d + j];
        }
        return true;
    }
    if (ds->sums && n <= ds->rows && n > ds->rows / 2) {
        bool done;
        if (!sums_by_complement(ds, rows, n, sum, sumsq, &done))
            return false;
        if (done)
            return true;
    }
    return ds_sums_u8(ds, rows, n, sum, sumsq);
}
