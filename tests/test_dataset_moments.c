/* The fast split and the normalization statistics give the same bits as the
 * straightforward algorithms they replaced: the split as a shuffle followed by
 * two sorts, the standard normalization of uint8 data as per-row 64-bit sums,
 * whether the sums come from the rows themselves, from a cached entry's
 * whole-file sums minus the held-out rows, or from blocks of 32-bit partial sums
 * (more than 65536 rows of 255s would overflow those without the blocks); and
 * the statistics over rows that two "processes" hold (lrf_norm_create_reduced, two
 * threads here) give the bits of one process over all of them. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <pthread.h>
#include <stdbool.h>
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

/* Writes column j's value of row i at out (rng draws random ones); returns its length. */
typedef int (*csv_value)(char *out, size_t i, size_t j, struct lrf_rng *rng, int arg);

/* rows x d values (the first column the label 0..2) as CSV text. */
static char *make_csv(size_t rows, size_t d, uint64_t seed, csv_value value, int arg)
{
    char *text = malloc(rows * (d + 1) * 10 + 64 + d * 8);
    struct lrf_rng rng = lrf_rng_seeded(seed);
    size_t n = (size_t)sprintf(text, "label");
    for (size_t j = 0; j < d; j++)
        n += (size_t)sprintf(text + n, ",f%zu", j);
    text[n++] = '\n';
    for (size_t i = 0; i < rows; i++) {
        n += (size_t)sprintf(text + n, "%d", (int)(i % 3));
        for (size_t j = 0; j < d; j++)
            n += (size_t)value(text + n, i, j, &rng, arg);
        text[n++] = '\n';
    }
    text[n] = '\0';
    return text;
}

/* A random byte; column 1 constant; with max_value 255 every fifth column 255. */
static int byte_value(char *out, size_t i, size_t j, struct lrf_rng *rng, int max_value)
{
    (void)i;
    int v = max_value == 255 && j % 5 == 0 ? 255 : (int)lrf_rng_below(rng, 256);
    return sprintf(out, ",%d", j == 1 ? 7 : v);
}

static char *random_csv(size_t rows, size_t d, uint64_t seed, int max_value)
{
    return make_csv(rows, d, seed, byte_value, max_value);
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

/* ---- two processes as two threads --------------------------------------- */

/* Each reducer call leaves the thread's values in its slot; once both have, each
 * thread combines slot 0's with slot 1's (the same on both) into its array. */
struct pair {
    pthread_barrier_t barrier;
    const void *slot[2];
    size_t count[2];
};

struct part {
    const struct lrf_dataset *ds;
    const uint32_t *rows; /* NULL: all of ds's rows */
    size_t n;
};

/* One thread's call: its part of the rows, its end of the pair. */
struct rank {
    struct pair *pair;
    int index;
    struct part part;
    enum lrf_normalize kind;
    bool per_channel;
    struct lrf_norm *norm;
    enum lrf_status st;
};

enum combine { SUM_U64, SUM_F64, MAX_F64 };

static enum lrf_status exchange(void *user, void *x, size_t n, enum combine how,
                                struct lrf_error *err)
{
    struct rank *r = user;
    struct pair *p = r->pair;
    size_t bytes = n * sizeof(uint64_t); /* = sizeof(double) */
    void *mine = malloc(bytes + 1);      /* a copy: x changes while the other reads */
    memcpy(mine, x, bytes);
    p->slot[r->index] = mine;
    p->count[r->index] = n;
    pthread_barrier_wait(&p->barrier);
    bool same = p->count[0] == p->count[1];
    for (size_t i = 0; same && i < n; i++) {
        if (how == SUM_U64)
            ((uint64_t *)x)[i] =
                ((const uint64_t *)p->slot[0])[i] + ((const uint64_t *)p->slot[1])[i];
        else if (how == SUM_F64)
            ((double *)x)[i] = ((const double *)p->slot[0])[i] + ((const double *)p->slot[1])[i];
        else
            ((double *)x)[i] =
                fmax(((const double *)p->slot[0])[i], ((const double *)p->slot[1])[i]);
    }
    pthread_barrier_wait(&p->barrier); /* both have read the slots */
    free(mine);
    return same ? LRF_OK
                : lrf_error_set(err, LRF_ERR_STATE, "the ranks reduce %zu and %zu values",
                                p->count[0], p->count[1]);
}

static enum lrf_status pair_sum_u64(void *user, uint64_t *x, size_t n, struct lrf_error *err)
{
    return exchange(user, x, n, SUM_U64, err);
}

static enum lrf_status pair_sum_f64(void *user, double *x, size_t n, struct lrf_error *err)
{
    return exchange(user, x, n, SUM_F64, err);
}

static enum lrf_status pair_max_f64(void *user, double *x, size_t n, struct lrf_error *err)
{
    return exchange(user, x, n, MAX_F64, err);
}

static void *rank_run(void *arg)
{
    struct rank *r = arg;
    struct lrf_norm_reducer reducer = {r, pair_sum_u64, pair_sum_f64, pair_max_f64};
    struct lrf_error err;
    r->st = lrf_norm_create_reduced(r->part.ds, r->part.rows, r->part.n, r->kind, r->per_channel,
                                    &reducer, &r->norm, &err);
    if (r->st != LRF_OK)
        fprintf(stderr, "    rank %d: %s\n", r->index, err.message);
    return NULL;
}

/* The normalization over parts[0] and parts[1] as two processes equals, bit for bit,
 * one process's over all (lrf_norm_create, or _per_channel). */
static int same_reduced(struct part all, const struct part parts[2], enum lrf_normalize kind,
                        bool per_channel)
{
    struct pair pair;
    pthread_barrier_init(&pair.barrier, NULL, 2);
    struct rank r[2];
    for (int k = 0; k < 2; k++)
        r[k] = (struct rank){&pair, k, parts[k], kind, per_channel, NULL, LRF_ERR_STATE};
    pthread_t other;
    pthread_create(&other, NULL, rank_run, &r[1]);
    rank_run(&r[0]);
    pthread_join(other, NULL);
    pthread_barrier_destroy(&pair.barrier);
    struct lrf_norm *one = NULL;
    struct lrf_error err;
    enum lrf_status st =
        per_channel ? lrf_norm_create_per_channel(all.ds, all.rows, all.n, kind, &one, &err)
                    : lrf_norm_create(all.ds, all.rows, all.n, kind, &one, &err);
    size_t d = lrf_dataset_features(all.ds) * sizeof(float);
    int ok = st == LRF_OK;
    for (int k = 0; k < 2; k++) {
        ok &= r[k].st == LRF_OK;
        ok = ok && lrf_norm_per_channel(r[k].norm) == per_channel &&
             lrf_norm_features(r[k].norm) == lrf_norm_features(one) &&
             !memcmp(lrf_norm_shift(r[k].norm), lrf_norm_shift(one), d) &&
             !memcmp(lrf_norm_scale(r[k].norm), lrf_norm_scale(one), d);
        lrf_norm_destroy(r[k].norm);
    }
    lrf_norm_destroy(one);
    return ok;
}

/* same_reduced with rows[0..n) of ds cut at cut: the first part one process's. */
static int same_cut(const struct lrf_dataset *ds, const uint32_t *rows, size_t n, size_t cut,
                    enum lrf_normalize kind, bool per_channel)
{
    struct part parts[2] = {{ds, rows, cut}, {ds, rows + cut, n - cut}};
    return same_reduced((struct part){ds, rows, n}, parts, kind, per_channel);
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
        /* two processes: the one with more than half the rows may use the file's sums */
        for (int kind = 0; kind < 2; kind++)
            CHECK_MSG(same_cut(ds, sp.train, sp.n_train, sp.n_train * 2 / 3, kind, false),
                      "two processes, %s, %s, %zu rows", lrf_normalize_name(kind), names[k], rows);
    }
    free(dup);
    lrf_split_free(&sp);
    lrf_dataset_destroy(parsed);
    lrf_dataset_destroy(cached);
    lrf_dataset_destroy(plain);
}

/* k/8 for a random 0 <= k <= 2040, an integer (k/8 rounded down) in the rows before
 * int_rows. Over 64 rows of these every sum of the float moments is exact, whatever
 * the order: two processes' must be the same bits as one's. */
static int eighth_value(char *out, size_t i, size_t j, struct lrf_rng *rng, int int_rows)
{
    (void)j;
    unsigned k = (unsigned)lrf_rng_below(rng, 2041);
    return sprintf(out, ",%g", i < (size_t)int_rows ? (double)(k / 8) : k / 8.0);
}

/* text parsed, as an image of 3x2x2 (12 features); NULL on failure (checked). */
static struct lrf_dataset *parse_image(const char *text, enum lrf_storage storage)
{
    struct lrf_dataset *ds = NULL;
    struct lrf_error err;
    struct lrf_image_shape shape = {3, 2, 2, LRF_LAYOUT_CHW};
    int ok = lrf_dataset_parse_buffer("i.csv", text, strlen(text), NULL, &ds, &err) == LRF_OK &&
             lrf_dataset_set_shape(ds, &shape, "test", &err) == LRF_OK &&
             lrf_dataset_storage(ds) == storage;
    CHECK_MSG(ok, "parse as %s: %s", lrf_storage_name(storage), ds ? "" : err.message);
    if (!ok) {
        lrf_dataset_destroy(ds);
        return NULL;
    }
    return ds;
}

/* Two processes over uint8 and over float32 images: every kind, per channel or not,
 * the rows cut unevenly, and one process without rows. */
static void test_reduced_kinds(void)
{
    char *u8_text = random_csv(300, 12, 5, 0), *f32_text = make_csv(64, 12, 6, eighth_value, 0);
    struct lrf_dataset *u8 = parse_image(u8_text, LRF_STORAGE_UINT8);
    struct lrf_dataset *f32 = parse_image(f32_text, LRF_STORAGE_FLOAT32);
    free(u8_text);
    free(f32_text);
    uint32_t order[300];
    struct lrf_rng rng = lrf_rng_seeded(9);
    const struct lrf_dataset *all[] = {u8, f32};
    for (int s = 0; s < 2 && u8 && f32; s++) {
        size_t n = lrf_dataset_rows(all[s]);
        for (size_t i = 0; i < n; i++)
            order[i] = (uint32_t)i;
        lrf_rng_shuffle_u32(&rng, order, n); /* any rows, in any order */
        const size_t cuts[] = {n / 3, 0, n};
        for (int kind = 0; kind < 2; kind++)
            for (int per_channel = 0; per_channel < 2; per_channel++)
                for (int c = 0; c < 3; c++)
                    CHECK_MSG(same_cut(all[s], order, n, cuts[c], kind, per_channel),
                              "%s, %s%s, cut at %zu of %zu",
                              lrf_storage_name(lrf_dataset_storage(all[s])),
                              lrf_normalize_name(kind), per_channel ? " per channel" : "", cuts[c],
                              n);
    }
    lrf_dataset_destroy(u8);
    lrf_dataset_destroy(f32);
}

/* One process's rows all integers (stored uint8), the other's not (float32): both
 * take the float path, as one process with the whole (float32) file does. */
static void test_reduced_mixed(void)
{
    char *text = make_csv(64, 12, 7, eighth_value, 32);
    char *second = strchr(text, '\n') + 1;
    for (int i = 0; i < 32; i++) /* the end of row 31 */
        second = strchr(second, '\n') + 1;
    size_t head = (size_t)(strchr(text, '\n') + 1 - text);
    char *first_text = strndup(text, (size_t)(second - text));
    char *second_text = malloc(head + strlen(second) + 1);
    memcpy(second_text, text, head);
    strcpy(second_text + head, second);
    struct lrf_dataset *whole = parse_image(text, LRF_STORAGE_FLOAT32);
    struct lrf_dataset *a = parse_image(first_text, LRF_STORAGE_UINT8);
    struct lrf_dataset *b = parse_image(second_text, LRF_STORAGE_FLOAT32);
    free(text);
    free(first_text);
    free(second_text);
    struct part parts[2] = {{a, NULL, 0}, {b, NULL, 0}}; /* NULL: all of each one's rows */
    for (int kind = 0; whole && a && b && kind < 2; kind++)
        for (int per_channel = 0; per_channel < 2; per_channel++)
            CHECK_MSG(same_reduced((struct part){whole, NULL, 0}, parts, kind, per_channel),
                      "uint8 and float32 processes, %s%s", lrf_normalize_name(kind),
                      per_channel ? " per channel" : "");
    lrf_dataset_destroy(whole);
    lrf_dataset_destroy(a);
    lrf_dataset_destroy(b);
}

/* A reducer whose sums fail, counting its calls in user. */
static enum lrf_status fail_u64(void *user, uint64_t *x, size_t n, struct lrf_error *err)
{
    (void)x;
    (void)n;
    ++*(int *)user;
    return lrf_error_set(err, LRF_ERR_IO, "the reduction failed");
}

static enum lrf_status keep_f64(void *user, double *x, size_t n, struct lrf_error *err)
{
    (void)user;
    (void)x;
    (void)n;
    (void)err;
    return LRF_OK;
}

/* A reducer's error is the result, a reducer without a function is refused, NONE
 * reduces nothing, and no reducer is the process alone. */
static void test_reduced_errors(void)
{
    char *text = random_csv(20, 4, 3, 0);
    struct lrf_dataset *ds = NULL;
    struct lrf_error err;
    CHECK(lrf_dataset_parse_buffer("e.csv", text, strlen(text), NULL, &ds, &err) == LRF_OK);
    free(text);
    if (!ds)
        return;
    int calls = 0;
    struct lrf_norm_reducer r = {&calls, fail_u64, keep_f64, NULL};
    struct lrf_norm *nm = NULL, *one = NULL;
    CHECK(lrf_norm_create_reduced(ds, NULL, 0, LRF_NORMALIZE_STANDARD, false, &r, &nm, &err) ==
              LRF_ERR_INVALID_ARG &&
          !nm && calls == 0);
    r.max_f64 = keep_f64;
    for (int kind = 0; kind < 2; kind++) {
        CHECK(lrf_norm_create_reduced(ds, NULL, 0, kind, false, &r, &nm, &err) == LRF_ERR_IO &&
              !nm);
        CHECK_STR(err.message, "the reduction failed");
    }
    CHECK(calls == 2); /* each stopped at the first: the row count */
    CHECK(lrf_norm_create_reduced(ds, NULL, 0, LRF_NORMALIZE_NONE, false, &r, &nm, &err) ==
              LRF_OK &&
          calls == 2);
    lrf_norm_destroy(nm);
    nm = NULL;
    size_t d = lrf_dataset_features(ds) * sizeof(float);
    CHECK(lrf_norm_create_reduced(ds, NULL, 0, LRF_NORMALIZE_STANDARD, false, NULL, &nm, &err) ==
              LRF_OK &&
          lrf_norm_create(ds, NULL, 0, LRF_NORMALIZE_STANDARD, &one, &err) == LRF_OK &&
          !memcmp(lrf_norm_shift(nm), lrf_norm_shift(one), d) &&
          !memcmp(lrf_norm_scale(nm), lrf_norm_scale(one), d));
    lrf_norm_destroy(nm);
    lrf_norm_destroy(one);
    lrf_dataset_destroy(ds);
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
    test_reduced_kinds();
    test_reduced_mixed();
    test_reduced_errors();
    remove_tree(tmpdir);
    return check_summary();
}
