/* The fast split and the normalization statistics give the same bits as the
 * straightforward algorithms they replaced: the split as a shuffle followed by
 * two sorts, the standard normalization of uint8 data as per-row 64-bit sums,
 * whether the sums come from the rows themselves, from a cached entry's
 * whole-file sums minus the held-out rows, or from blocks of 32-bit partial sums
 * (more than 65536 rows of 255s would overflow those without the blocks). */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "dataset_files.h"
#include "lrf/dataset.h"
#include "lrf/rng.h"

static char tmpdir[] = "/tmp/lrf_test_moments_XXXXXX";

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

/* The split as it was computed before: shuffle, take the tail, sort both. */
static void reference_split(size_t n, double f, uint64_t seed, uint32_t *train, uint32_t *val,
                            size_t *n_train, size_t *n_val)
{
    size_t nv = (size_t)floor(f * (double)n + 0.5);
    if (nv >= n)
        nv = n - 1;
    if (f > 0.0 && nv == 0)
        nv = n > 1 ? 1 : 0;
    for (size_t i = 0; i < n; i++)
        train[i] = (uint32_t)i;
    struct lrf_rng rng = lrf_rng_seeded(seed);
    lrf_rng_shuffle_u32(&rng, train, n);
    memcpy(val, train + (n - nv), nv * sizeof *val);
    qsort(train, n - nv, sizeof *train, cmp_u32);
    qsort(val, nv, sizeof *val, cmp_u32);
    *n_train = n - nv;
    *n_val = nv;
}

/* rows x d random bytes (the first column the label 0..2) as CSV text. */
static char *random_csv(size_t rows, size_t d, uint64_t seed, int max_value)
{
    char *text = malloc(rows * (d + 1) * 4 + 64 + d * 8);
    struct lrf_rng rng = lrf_rng_seeded(seed);
    size_t n = (size_t)sprintf(text, "label");
    for (size_t j = 0; j < d; j++)
        n += (size_t)sprintf(text + n, ",f%zu", j);
    text[n++] = '\n';
    for (size_t i = 0; i < rows; i++) {
        n += (size_t)sprintf(text + n, "%d", (int)(i % 3));
        for (size_t j = 0; j < d; j++) {
            int v = max_value == 255 && j % 5 == 0 ? 255 : (int)lrf_rng_below(&rng, 256);
            n += (size_t)sprintf(text + n, ",%d", j == 1 ? 7 : v); /* one constant column */
        }
        text[n++] = '\n';
    }
    text[n] = '\0';
    return text;
}

/* The normalization as it was computed before (64-bit sums per row). */
static void reference_norm(const struct lrf_dataset *ds, const uint32_t *rows, size_t n,
                           float *shift, float *scale)
{
    size_t d = lrf_dataset_features(ds);
    const uint8_t *u8 = lrf_dataset_data_u8(ds);
    uint64_t *sum = calloc(d, sizeof *sum), *sumsq = calloc(d, sizeof *sumsq);
    for (size_t i = 0; i < n; i++) {
        const uint8_t *v = u8 + (size_t)(rows ? rows[i] : i) * d;
        for (size_t j = 0; j < d; j++) {
            sum[j] += v[j];
            sumsq[j] += (uint64_t)v[j] * v[j];
        }
    }
    double nn = (double)n;
    for (size_t j = 0; j < d; j++) {
        double a = (double)sum[j] / nn;
        double b = (double)(n * sumsq[j] - sum[j] * sum[j]) / (nn * nn);
        double sd = sqrt(b);
        shift[j] = (float)a;
        scale[j] = (float)(1.0 / (sd < 1e-8 ? 1.0 : sd));
    }
    free(sum);
    free(sumsq);
}

/* lrf_norm_create over rows equals the reference, bit for bit. */
static int same_norm(const struct lrf_dataset *ds, const uint32_t *rows, size_t n)
{
    size_t d = lrf_dataset_features(ds);
    float *shift = malloc(d * sizeof *shift), *scale = malloc(d * sizeof *scale);
    reference_norm(ds, rows, rows ? n : lrf_dataset_rows(ds), shift, scale);
    struct lrf_norm *nm = NULL;
    struct lrf_error err;
    int ok = lrf_norm_create(ds, rows, n, LRF_NORMALIZE_STANDARD, &nm, &err) == LRF_OK &&
             !memcmp(lrf_norm_shift(nm), shift, d * sizeof *shift) &&
             !memcmp(lrf_norm_scale(nm), scale, d * sizeof *scale);
    lrf_norm_destroy(nm);
    free(shift);
    free(scale);
    return ok;
}

static void test_split_same(void)
{
    const size_t sizes[] = {2, 3, 10, 100, 1001, 60000};
    const double fractions[] = {0.0, 0.01, 0.1, 0.5, 0.9};
    uint32_t *tr = malloc(60000 * sizeof *tr), *va = malloc(60000 * sizeof *va);
    int ok = 1, cases = 0;
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
        size_t n = sizes[s];
        char *text = random_csv(n, 2, 1, 0);
        struct lrf_dataset *ds = NULL;
        struct lrf_error err;
        if (lrf_dataset_parse_buffer("r.csv", text, strlen(text), NULL, &ds, &err) != LRF_OK) {
            CHECK_MSG(0, "parse of %zu rows: %s", n, err.message);
            free(text);
            continue;
        }
        for (size_t k = 0; k < sizeof fractions / sizeof fractions[0]; k++)
            for (uint64_t seed = 0; seed < 3; seed++) {
                struct lrf_split sp;
                size_t nt, nv;
                reference_split(n, fractions[k], seed * 977 + 42, tr, va, &nt, &nv);
                if (lrf_dataset_split(ds, fractions[k], seed * 977 + 42, &sp, &err) != LRF_OK) {
                    ok = 0;
                    continue;
                }
                ok &= sp.n_train == nt && sp.n_val == nv &&
                      !memcmp(sp.train, tr, nt * sizeof *tr) &&
                      !memcmp(sp.val, va, nv * sizeof *va);
                cases++;
                lrf_split_free(&sp);
            }
        lrf_dataset_destroy(ds);
        free(text);
    }
    CHECK_MSG(ok, "a split differs from shuffle + sort (%d cases)", cases);
    free(tr);
    free(va);
}

/* A file parsed and the same file from its cache entry (which carries the whole
 * file's sums): every way of normalizing gives the reference's bits. */
static void test_norm_same(size_t rows, size_t d, int max_value)
{
    char *text = random_csv(rows, d, rows, max_value);
    char path[700], cache[700];
    snprintf(path, sizeof path, "%s/m%zu.csv", tmpdir, rows);
    snprintf(cache, sizeof cache, "%s/cache", tmpdir);
    write_text_file(path, text);
    free(text);
    struct lrf_dataset_options o = lrf_dataset_options_default();
    o.cache_dir = cache;
    o.threads = 3; /* the whole-file sums in three parts */
    struct lrf_dataset *parsed = NULL, *cached = NULL, *plain = NULL;
    struct lrf_error err;
    CHECK(lrf_dataset_load_csv(path, &o, &parsed, &err) == LRF_OK);
    CHECK(lrf_dataset_load_csv(path, &o, &cached, &err) == LRF_OK);
    o.use_cache = false; /* no whole-file sums: every row summed */
    CHECK(lrf_dataset_load_csv(path, &o, &plain, &err) == LRF_OK);
    if (!parsed || !cached || !plain)
        return;
    CHECK(!lrf_dataset_from_cache(parsed) && lrf_dataset_from_cache(cached));
    CHECK(lrf_dataset_storage(cached) == LRF_STORAGE_UINT8);
    struct lrf_split sp;
    CHECK(lrf_dataset_split(parsed, 0.1, 7, &sp, &err) == LRF_OK);
    uint32_t *dup = malloc(sp.n_train * sizeof *dup);
    memcpy(dup, sp.train, sp.n_train * sizeof *dup);
    dup[1] = dup[0]; /* a row twice: the whole-file sums cannot be used */
    const struct lrf_dataset *all[] = {parsed, cached, plain};
    const char *names[] = {"parsed and cached", "from the cache", "--no-cache"};
    for (int k = 0; k < 3; k++) {
        const struct lrf_dataset *ds = all[k];
        CHECK_MSG(same_norm(ds, sp.train, sp.n_train), "training split, %s, %zu rows", names[k],
                  rows);
        CHECK_MSG(same_norm(ds, NULL, 0), "all rows, %s, %zu rows", names[k], rows);
        CHECK_MSG(same_norm(ds, sp.val, sp.n_val), "held-out rows, %s", names[k]);
        CHECK_MSG(same_norm(ds, dup, sp.n_train), "a row twice, %s", names[k]);
    }
    free(dup);
    lrf_split_free(&sp);
    lrf_dataset_destroy(parsed);
    lrf_dataset_destroy(cached);
    lrf_dataset_destroy(plain);
}

int main(void)
{
    if (!mkdtemp(tmpdir)) {
        perror("mkdtemp");
        return 1;
    }
    test_split_same();
    test_norm_same(1000, 37, 0);
    test_norm_same(3, 5, 0);
    test_norm_same(70001, 6, 255); /* more rows than one block of 32-bit sums */
    remove_tree(tmpdir);
    return check_summary();
}
