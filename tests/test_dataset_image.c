/* Images (issue 14): the shape decided from the header, the feature count and the
 * values, and why; the caller's override and the pixel-range check; per-channel
 * normalization against its definition; augmentation (RandomCrop(padding=4) and
 * horizontal flip) sample by sample, its coverage, determinism under save/restore
 * and reseeding, and no allocation per batch. */
#define _POSIX_C_SOURCE 200809L
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "alloc_count.h"
#include "check.h"
#include "lrf/dataset.h"

/* float32 shift/scale computed in double and rounded once: a few ulps. */
static const double STAT_REL_TOL = 1e-6;

enum { TEXT_MAX = 1 << 20, NAME_MAX_LEN = 32, CROP = 4 };

static char text[TEXT_MAX];

/* The name of feature j in a header: a callback so each case builds its own. */
typedef void (*name_fn)(size_t j, size_t d, char *out);

/* A CSV of rows x d values (value(i, j)) and a label (i % 2), with a header from
 * name (NULL: none). */
static struct lrf_dataset *make(size_t rows, size_t d, name_fn name,
                                double (*value)(size_t, size_t))
{
    size_t n = 0;
    char buf[NAME_MAX_LEN];
    if (name) {
        for (size_t j = 0; j < d; j++) {
            name(j, d, buf);
            n += (size_t)snprintf(text + n, TEXT_MAX - n, "%s,", buf);
        }
        n += (size_t)snprintf(text + n, TEXT_MAX - n, "label\n");
    }
    for (size_t i = 0; i < rows; i++) {
        for (size_t j = 0; j < d; j++)
            n += (size_t)snprintf(text + n, TEXT_MAX - n, "%.9g,", value(i, j));
        n += (size_t)snprintf(text + n, TEXT_MAX - n, "%zu\n", i % 2);
    }
    struct lrf_dataset_options o = lrf_dataset_options_default();
    o.use_cache = false;
    struct lrf_dataset *ds = NULL;
    struct lrf_error err;
    if (lrf_dataset_parse_buffer("img.csv", text, n, &o, &ds, &err) != LRF_OK)
        fprintf(stderr, "    parse failed: %s\n", err.message);
    return ds;
}

static void pixel0(size_t j, size_t d, char *out)
{
    (void)d;
    snprintf(out, NAME_MAX_LEN, "pixel%zu", j);
}
static void pixel1(size_t j, size_t d, char *out)
{
    (void)d;
    snprintf(out, NAME_MAX_LEN, "pixel%zu", j + 1);
}
static void openml(size_t j, size_t d, char *out)
{
    (void)d;
    snprintf(out, NAME_MAX_LEN, "a%zu", j);
}
static void planes(size_t j, size_t d, char *out)
{
    snprintf(out, NAME_MAX_LEN, "%c%zu", "rgb"[j / (d / 3)], j % (d / 3));
}
static void interleaved(size_t j, size_t d, char *out)
{
    (void)d;
    static const char *const colour[3] = {"red", "green", "blue"};
    snprintf(out, NAME_MAX_LEN, "%s%zu", colour[j % 3], j / 3 + 1);
}
static void grid8(size_t j, size_t d, char *out)
{
    (void)d;
    snprintf(out, NAME_MAX_LEN, "%zux%zu", j / 8 + 1, j % 8 + 1);
}
static void plain(size_t j, size_t d, char *out)
{
    (void)d;
    snprintf(out, NAME_MAX_LEN, "f%zu", j);
}
static void gappy(size_t j, size_t d, char *out)
{
    (void)d;
    snprintf(out, NAME_MAX_LEN, "pixel%zu", j == 5 ? 99 : j);
}

static double pixels(size_t i, size_t j)
{
    return (double)((i * 31 + j * 7) % 256);
}
static double scaled(size_t i, size_t j)
{
    return pixels(i, j) / 255.0;
}
static double standardized(size_t i, size_t j)
{
    return pixels(i, j) / 64.0 - 2.0;
}

struct shape_case {
    size_t d;
    name_fn name;
    double (*value)(size_t, size_t);
    int c, h, w;
    enum lrf_layout layout;
    const char *why; /* a part of lrf_dataset_shape_reason */
};

static void test_detection(void)
{
    static const struct shape_case cases[] = {
        {64, pixel0, pixels, 1, 8, 8, LRF_LAYOUT_CHW, "header pixel0..pixel63: a grey 8x8"},
        {64, pixel1, scaled, 1, 8, 8, LRF_LAYOUT_CHW, "pixel1..pixel64"},
        {192, openml, pixels, 3, 8, 8, LRF_LAYOUT_CHW, "a0..a191: 3 channel planes of 8x8"},
        {192, planes, pixels, 3, 8, 8, LRF_LAYOUT_CHW, "r0..b63: 3 colour planes"},
        {48, interleaved, pixels, 3, 4, 4, LRF_LAYOUT_HWC, "interleaved colour pixels (hwc)"},
        {64, grid8, pixels, 1, 8, 8, LRF_LAYOUT_CHW, "1x1..8x8"},
        {784, NULL, pixels, 1, 28, 28, LRF_LAYOUT_CHW, "784 features"},
        {784, plain, pixels, 1, 28, 28, LRF_LAYOUT_CHW, "MNIST"},
        {3072, NULL, pixels, 3, 32, 32, LRF_LAYOUT_CHW, "3072 features"},
        /* not images */
        {64, plain, pixels, 0, 0, 0, LRF_LAYOUT_CHW, "64 features is not 784"},
        {64, gappy, pixels, 0, 0, 0, LRF_LAYOUT_CHW, "no pixel names"},
        {785, NULL, pixels, 0, 0, 0, LRF_LAYOUT_CHW, "785 features"},
        {64, pixel0, standardized, 0, 0, 0, LRF_LAYOUT_CHW, "values -2..1.98438 are not pixel"},
        {3072, NULL, standardized, 0, 0, 0, LRF_LAYOUT_CHW, "not pixel intensities (0..255)"},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        const struct shape_case *c = &cases[k];
        struct lrf_dataset *ds = make(4, c->d, c->name, c->value);
        CHECK_MSG(ds != NULL, "case %zu", k);
        if (!ds)
            continue;
        struct lrf_image_shape s = lrf_dataset_shape(ds);
        const char *why = lrf_dataset_shape_reason(ds);
        CHECK_MSG(s.channels == c->c && s.height == c->h && s.width == c->w &&
                      (!c->c || s.layout == c->layout),
                  "case %zu: %dx%dx%d %s (%s)", k, s.channels, s.height, s.width,
                  lrf_layout_name(s.layout), why);
        CHECK_MSG(strstr(why, c->why) != NULL, "case %zu: reason '%s', want '%s'", k, why, c->why);
        lrf_dataset_destroy(ds);
    }
    /* A categorical feature: its one-hot features are not pixels. */
    const char *cat = "pixel0,pixel1,pixel2,pixel3,label\n1,2,3,x,0\n4,5,6,y,1\n";
    struct lrf_dataset *ds = NULL;
    struct lrf_error err;
    CHECK(lrf_dataset_parse_buffer("c.csv", cat, strlen(cat), NULL, &ds, &err) == LRF_OK);
    if (ds) {
        CHECK(lrf_dataset_shape(ds).channels == 0);
        CHECK(strstr(lrf_dataset_shape_reason(ds), "encoded from text") != NULL);
        lrf_dataset_destroy(ds);
    }
    /* The built-in Fashion-MNIST subset (pixel1..pixel784). */
    CHECK(lrf_dataset_load_builtin(LRF_BUILTIN_TRAIN, &ds, &err) == LRF_OK);
    if (ds) {
        struct lrf_image_shape s = lrf_dataset_shape(ds);
        CHECK(s.channels == 1 && s.height == 28 && s.width == 28);
        CHECK(strstr(lrf_dataset_shape_reason(ds), "pixel1..pixel784") != NULL);
        lrf_dataset_destroy(ds);
    }
}

/* --val: a file loaded like the training file takes its shape, also one set by hand. */
static void test_like_takes_the_shape(void)
{
    char dir[] = "/tmp/lrf_image_XXXXXX", path[64];
    if (!mkdtemp(dir)) {
        CHECK_MSG(0, "mkdtemp");
        return;
    }
    struct lrf_dataset *ref = make(6, 48, plain, pixels), *val = NULL;
    snprintf(path, sizeof path, "%s/val.csv", dir);
    FILE *f = fopen(path, "w");
    if (f) {
        fputs(text, f);
        fclose(f);
    }
    struct lrf_error err;
    struct lrf_image_shape s = {3, 4, 4, LRF_LAYOUT_HWC};
    CHECK(ref && lrf_dataset_set_shape(ref, &s, "by hand", &err) == LRF_OK);
    CHECK(ref && lrf_dataset_load_csv_like(path, ref, NULL, &val, &err) == LRF_OK);
    if (val) {
        struct lrf_image_shape v = lrf_dataset_shape(val);
        CHECK(v.channels == 3 && v.height == 4 && v.width == 4 && v.layout == LRF_LAYOUT_HWC);
        CHECK_STR(lrf_dataset_shape_reason(val), "by hand");
    }
    lrf_dataset_destroy(val);
    lrf_dataset_destroy(ref);
    remove(path);
    rmdir(dir);
}

static void test_set_shape_and_pixels(void)
{
    struct lrf_dataset *ds = make(4, 64, plain, standardized);
    if (!ds) {
        CHECK_MSG(0, "dataset");
        return;
    }
    struct lrf_error err;
    struct lrf_image_shape bad = {3, 32, 30, LRF_LAYOUT_CHW}, good = {1, 8, 8, LRF_LAYOUT_CHW};
    CHECK(lrf_dataset_set_shape(ds, &bad, "x", &err) == LRF_ERR_INVALID_ARG);
    CHECK_STR(err.message, "image shape 3x32x30 (channels x height x width) has 2880 values, "
                           "but the data has 64 features");
    struct lrf_image_shape zero_side = {1, 0, 8, LRF_LAYOUT_CHW};
    CHECK(lrf_dataset_set_shape(ds, &zero_side, "x", &err) == LRF_ERR_INVALID_ARG);
    CHECK(lrf_dataset_shape(ds).channels == 0); /* a refused shape changes nothing */
    CHECK(lrf_dataset_set_shape(ds, &good, "--shape", &err) == LRF_OK);
    CHECK(lrf_dataset_shape(ds).height == 8 && !strcmp(lrf_dataset_shape_reason(ds), "--shape"));
    /* standardized values: the first column outside 0..255, its range */
    CHECK(lrf_dataset_check_pixels(ds, &err) == LRF_ERR_DATA);
    CHECK_MSG(strstr(err.message, "column 'f0' (0): values -2..-0.546875, outside 0..255") != NULL,
              "%s", err.message);
    CHECK_STR(err.file, "img.csv");
    struct lrf_image_shape none = {0, 0, 0, LRF_LAYOUT_CHW};
    CHECK(lrf_dataset_set_shape(ds, &none, "--shape none", &err) == LRF_OK);
    CHECK(lrf_dataset_shape(ds).channels == 0);
    lrf_dataset_destroy(ds);
    ds = make(4, 64, pixel0, scaled);
    CHECK(ds && lrf_dataset_check_pixels(ds, &err) == LRF_OK);
    lrf_dataset_destroy(ds);

    struct lrf_image_shape s;
    CHECK(lrf_image_shape_parse("3,32,32", &s, &err) == LRF_OK && s.channels == 3 &&
          s.height == 32 && s.width == 32);
    CHECK(lrf_image_shape_parse("none", &s, &err) == LRF_OK && s.channels == 0);
    static const char *const bad_text[] = {"3,32", "3,32,32,1", "0,8,8",  "3,x,8",
                                           "",     "3, 8,8",    "3,8,8,", "1,1,70000"};
    for (size_t k = 0; k < sizeof bad_text / sizeof *bad_text; k++)
        CHECK_MSG(lrf_image_shape_parse(bad_text[k], &s, &err) == LRF_ERR_INVALID_ARG, "'%s'",
                  bad_text[k]);
    enum lrf_layout l;
    CHECK(lrf_layout_parse("hwc", &l, &err) == LRF_OK && l == LRF_LAYOUT_HWC);
    CHECK(lrf_layout_parse("nchw", &l, &err) == LRF_ERR_INVALID_ARG);
}

/* Per-channel statistics by their definition: every pixel of channel c in the rows. */
static void check_channel_norm(const struct lrf_dataset *ds, const uint32_t *rows, size_t n,
                               enum lrf_normalize kind)
{
    struct lrf_image_shape s = lrf_dataset_shape(ds);
    struct lrf_norm *nm = NULL;
    struct lrf_error err;
    CHECK(lrf_norm_create_per_channel(ds, rows, n, kind, &nm, &err) == LRF_OK);
    if (!nm)
        return;
    CHECK(lrf_norm_per_channel(nm) && lrf_norm_kind(nm) == kind);
    size_t d = lrf_dataset_features(ds);
    float *row = malloc(d * sizeof(float));
    for (int c = 0; c < s.channels && row; c++) {
        double sum = 0, lo = 1e300, hi = -1e300, m2 = 0;
        long count = 0;
        for (int pass = 0; pass < 2; pass++)
            for (size_t i = 0; i < n; i++) {
                lrf_dataset_gather(ds, NULL, rows + i, 1, row, NULL);
                for (int y = 0; y < s.height; y++)
                    for (int x = 0; x < s.width; x++) {
                        double v = (double)row[lrf_image_index(&s, c, y, x)];
                        if (pass == 0)
                            sum += v, count++, lo = v < lo ? v : lo, hi = v > hi ? v : hi;
                        else
                            m2 += (v - sum / (double)count) * (v - sum / (double)count);
                    }
            }
        double shift = kind == LRF_NORMALIZE_STANDARD ? sum / (double)count : lo;
        double spread = kind == LRF_NORMALIZE_STANDARD ? sqrt(m2 / (double)count) : hi - lo;
        for (int y = 0; y < s.height; y++)
            for (int x = 0; x < s.width; x++) {
                long j = lrf_image_index(&s, c, y, x);
                CHECK_CLOSE(lrf_norm_shift(nm)[j], shift, STAT_REL_TOL, 1e-12);
                CHECK_CLOSE(lrf_norm_scale(nm)[j], 1.0 / spread, STAT_REL_TOL, 0);
            }
    }
    free(row);
    lrf_norm_destroy(nm);
}

static double channel_biased(size_t i, size_t j)
{
    return (double)((i * 13 + j * 5) % 97 + (j % 3) * 50);
}
static double channel_biased_float(size_t i, size_t j)
{
    return channel_biased(i, j) / 255.0 + 1e-3;
}

static void test_per_channel_norm(void)
{
    uint32_t rows[] = {0, 2, 3, 5, 7, 8, 9};
    size_t n = sizeof rows / sizeof *rows;
    /* uint8 and float32 storage; hwc (interleaved names) and chw (planes) */
    struct lrf_dataset *sets[] = {make(10, 48, interleaved, channel_biased),
                                  make(10, 48, interleaved, channel_biased_float),
                                  make(10, 192, planes, channel_biased)};
    CHECK(sets[0] && lrf_dataset_storage(sets[0]) == LRF_STORAGE_UINT8);
    CHECK(sets[1] && lrf_dataset_storage(sets[1]) == LRF_STORAGE_FLOAT32);
    for (size_t k = 0; k < 3; k++) {
        if (!sets[k])
            continue;
        check_channel_norm(sets[k], rows, n, LRF_NORMALIZE_STANDARD);
        check_channel_norm(sets[k], rows, n, LRF_NORMALIZE_MINMAX);
        lrf_dataset_destroy(sets[k]);
    }
    struct lrf_dataset *flat = make(4, 10, plain, pixels);
    struct lrf_norm *nm = NULL;
    struct lrf_error err;
    CHECK(flat && lrf_norm_create_per_channel(flat, NULL, 0, LRF_NORMALIZE_STANDARD, &nm, &err) ==
                      LRF_ERR_INVALID_ARG);
    CHECK(strstr(err.message, "needs images") != NULL);
    CHECK(flat && lrf_norm_create(flat, NULL, 0, LRF_NORMALIZE_STANDARD, &nm, &err) == LRF_OK);
    CHECK(nm && !lrf_norm_per_channel(nm));
    lrf_norm_destroy(nm);
    lrf_dataset_destroy(flat);
}

/* The reference transform: dst[c][y][x] = src[c][y+dy][(flip ? W-1-x : x) + dx], 0
 * outside, then (v - shift) * scale as the gather computes it. */
static void reference(const struct lrf_image_shape *s, const float *src, const struct lrf_norm *nm,
                      int dy, int dx, bool flip, float *dst)
{
    for (int c = 0; c < s->channels; c++)
        for (int y = 0; y < s->height; y++)
            for (int x = 0; x < s->width; x++) {
                int ys = y + dy, xs = (flip ? s->width - 1 - x : x) + dx;
                bool in = ys >= 0 && ys < s->height && xs >= 0 && xs < s->width;
                long j = lrf_image_index(s, c, y, x);
                float v = in ? src[lrf_image_index(s, c, ys, xs)] : 0.0f;
                dst[j] = (v - lrf_norm_shift(nm)[j]) * lrf_norm_scale(nm)[j];
            }
}

/* Which (dy, dx, flip) turns raw into got (-1 when none does); values 1..255, so a
 * padded pixel cannot pass for an image's. */
static int find_transform(const struct lrf_image_shape *s, const float *raw,
                          const struct lrf_norm *nm, const float *got, float *tmp, size_t d)
{
    for (int flip = 0; flip < 2; flip++)
        for (int dy = -CROP; dy <= CROP; dy++)
            for (int dx = -CROP; dx <= CROP; dx++) {
                reference(s, raw, nm, dy, dx, flip, tmp);
                if (!memcmp(tmp, got, d * sizeof(float)))
                    return (flip * 9 + dy + CROP) * 9 + dx + CROP;
            }
    return -1;
}

static double nonzero_pixels(size_t i, size_t j)
{
    return (double)(1 + (i * 131 + j * 97 + (i * j) % 61) % 255);
}

struct aug_run {
    int seen[2 * 81]; /* how often each (flip, dy, dx) was drawn */
    int unmatched;
};

/* Gathers batches and matches every sample with a transform of its raw row. */
static void run_batches(struct lrf_batch_iter *it, const struct lrf_dataset *ds,
                        const struct lrf_norm *nm, int batches, size_t b, struct aug_run *r)
{
    struct lrf_image_shape s = lrf_dataset_shape(ds);
    size_t d = lrf_dataset_features(ds);
    float *x = malloc(b * d * sizeof(float)), *raw = malloc(d * sizeof(float));
    float *tmp = malloc(d * sizeof(float));
    int32_t *y = malloc(b * sizeof(int32_t));
    for (int k = 0; k < batches && x && raw && tmp && y; k++) {
        size_t got = lrf_batch_iter_next(it, x, y), n;
        const uint32_t *rows = lrf_batch_iter_batch_rows(it, &n);
        for (size_t i = 0; i < got; i++) {
            lrf_dataset_gather(ds, NULL, rows + i, 1, raw, NULL);
            int t = find_transform(&s, raw, nm, x + i * d, tmp, d);
            if (t < 0)
                r->unmatched++;
            else
                r->seen[t]++;
            CHECK(y[i] == lrf_dataset_labels(ds)[rows[i]]);
        }
    }
    free(x);
    free(raw);
    free(tmp);
    free(y);
}

static struct lrf_batch_iter *aug_iter(const struct lrf_dataset *ds, const struct lrf_norm *nm,
                                       unsigned augment, size_t batch)
{
    struct lrf_batch_config bc = lrf_batch_config_default();
    bc.batch_size = batch;
    bc.seed = 7;
    bc.augment = augment;
    struct lrf_batch_iter *it = NULL;
    struct lrf_error err;
    if (lrf_batch_iter_create(ds, nm, NULL, 0, &bc, &it, &err) != LRF_OK)
        fprintf(stderr, "    iterator: %s\n", err.message);
    return it;
}

static void test_augment_samples(void)
{
    /* 3x8x8 hwc: every shift leaves part of the image, so each draw shows */
    struct lrf_dataset *ds = make(40, 192, interleaved, nonzero_pixels);
    struct lrf_norm *nm = NULL;
    struct lrf_error err;
    CHECK(ds &&
          lrf_norm_create_per_channel(ds, NULL, 0, LRF_NORMALIZE_STANDARD, &nm, &err) == LRF_OK);
    if (!nm) {
        lrf_dataset_destroy(ds);
        return;
    }
    struct aug_run all = {{0}, 0}, flip = {{0}, 0}, crop = {{0}, 0};
    struct lrf_batch_iter *it = aug_iter(ds, nm, LRF_AUGMENT_ALL, 8);
    run_batches(it, ds, nm, 200, 8, &all);
    lrf_batch_iter_destroy(it);
    CHECK_MSG(all.unmatched == 0, "%d samples are no crop/flip of their image", all.unmatched);
    int never = 0, flipped = 0;
    for (int t = 0; t < 162; t++)
        never += all.seen[t] == 0, flipped += t >= 81 ? all.seen[t] : 0;
    CHECK_MSG(never == 0, "%d of the 162 (flip, dy, dx) never drawn in 1600 samples", never);
    CHECK_MSG(flipped > 700 && flipped < 900, "%d of 1600 flipped", flipped);
    /* one kind alone */
    it = aug_iter(ds, nm, LRF_AUGMENT_FLIP, 8);
    run_batches(it, ds, nm, 50, 8, &flip);
    lrf_batch_iter_destroy(it);
    it = aug_iter(ds, nm, LRF_AUGMENT_CROP, 8);
    run_batches(it, ds, nm, 50, 8, &crop);
    lrf_batch_iter_destroy(it);
    int centre = 4 * 9 + 4; /* dy = dx = 0 */
    CHECK(flip.unmatched == 0 && crop.unmatched == 0);
    CHECK(flip.seen[centre] + flip.seen[81 + centre] == 400 && flip.seen[81 + centre] > 0);
    int crop_flipped = 0; /* matched first without a flip, as every crop is */
    for (int t = 81; t < 162; t++)
        crop_flipped += crop.seen[t];
    CHECK(crop_flipped == 0 && crop.seen[centre] < 400);
    lrf_norm_destroy(nm);
    lrf_dataset_destroy(ds);
}

/* The draws are a function of the iterator's state: two iterators agree, restoring
 * the state replays a batch, another epoch_rng (a reseeded run) changes it. */
static void test_augment_state(void)
{
    struct lrf_dataset *ds = make(40, 64, pixel0, nonzero_pixels);
    struct lrf_norm *nm = NULL;
    struct lrf_error err;
    CHECK(ds &&
          lrf_norm_create_per_channel(ds, NULL, 0, LRF_NORMALIZE_STANDARD, &nm, &err) == LRF_OK);
    struct lrf_batch_iter *a = aug_iter(ds, nm, LRF_AUGMENT_ALL, 16);
    struct lrf_batch_iter *b = aug_iter(ds, nm, LRF_AUGMENT_ALL, 16);
    struct lrf_batch_iter *plain_it = aug_iter(ds, nm, LRF_AUGMENT_NONE, 16);
    size_t d = 64, bytes = 16 * d * sizeof(float);
    float *x1 = malloc(bytes), *x2 = malloc(bytes), *x3 = malloc(bytes);
    int32_t y[16];
    bool same = true, differs_from_plain = false;
    for (int k = 0; k < 7 && a && b && plain_it && x1 && x2 && x3; k++) { /* 2.5 epochs */
        lrf_batch_iter_next(a, x1, y);
        lrf_batch_iter_next(b, x2, y);
        lrf_batch_iter_next(plain_it, x3, y);
        same = same && !memcmp(x1, x2, bytes);
        differs_from_plain = differs_from_plain || memcmp(x1, x3, bytes);
    }
    CHECK_MSG(same, "two iterators with one seed drew different augmentations");
    CHECK(differs_from_plain);
    if (a && x1 && x2) {
        struct lrf_batch_state st = lrf_batch_iter_save(a);
        lrf_batch_iter_next(a, x1, y);
        lrf_batch_iter_next(a, x1, y);
        CHECK(lrf_batch_iter_restore(a, &st, &err) == LRF_OK);
        lrf_batch_iter_next(a, x2, y);
        lrf_batch_iter_next(a, x2, y);
        CHECK_MSG(!memcmp(x1, x2, bytes), "restore did not replay the augmentation");
        st.epoch_rng = lrf_rng_seeded(12345); /* as lrf_trainer_reseed does */
        CHECK(lrf_batch_iter_restore(a, &st, &err) == LRF_OK);
        lrf_batch_iter_next(a, x1, y);
        lrf_batch_iter_restore(a, &st, &err);
        lrf_batch_iter_next(a, x2, y);
        CHECK(!memcmp(x1, x2, bytes));
        if (alloc_counter()) {
            size_t before = heap_use();
            for (int k = 0; k < 20; k++)
                lrf_batch_iter_next(a, x1, y);
            CHECK_MSG(heap_use() == before, "augmented batches allocated (%s)", alloc_counter());
        }
    }
    free(x1);
    free(x2);
    free(x3);
    lrf_batch_iter_destroy(a);
    lrf_batch_iter_destroy(b);
    lrf_batch_iter_destroy(plain_it);
    lrf_norm_destroy(nm);
    lrf_dataset_destroy(ds);
}

static void test_augment_refused(void)
{
    struct lrf_dataset *ds = make(4, 64, pixel0, pixels), *flat = make(4, 10, plain, pixels);
    struct lrf_batch_config bc = lrf_batch_config_default();
    struct lrf_error err;
    bc.batch_size = 2;
    bc.augment = LRF_AUGMENT_FLIP;
    struct lrf_batch_iter *bad = NULL;
    CHECK(flat &&
          lrf_batch_iter_create(flat, NULL, NULL, 0, &bc, &bad, &err) == LRF_ERR_INVALID_ARG);
    CHECK(strstr(err.message, "augmentation needs images") != NULL && !bad);
    bc.augment = 1u << 5;
    CHECK(ds && lrf_batch_iter_create(ds, NULL, NULL, 0, &bc, &bad, &err) == LRF_ERR_INVALID_ARG);
    lrf_dataset_destroy(ds);
    lrf_dataset_destroy(flat);
}

static void test_augment_names(void)
{
    struct lrf_error err;
    unsigned a;
    CHECK(lrf_augment_parse("flip,crop", &a, &err) == LRF_OK && a == LRF_AUGMENT_ALL);
    CHECK(lrf_augment_parse("crop,flip", &a, &err) == LRF_OK && a == LRF_AUGMENT_ALL);
    CHECK(lrf_augment_parse("crop", &a, &err) == LRF_OK && a == LRF_AUGMENT_CROP);
    CHECK(lrf_augment_parse("none", &a, &err) == LRF_OK && a == LRF_AUGMENT_NONE);
    static const char *const bad[] = {"", "flip,", "flip,flip", "rotate", "flip,,crop", ",crop"};
    for (size_t k = 0; k < sizeof bad / sizeof *bad; k++)
        CHECK_MSG(lrf_augment_parse(bad[k], &a, &err) == LRF_ERR_INVALID_ARG, "'%s'", bad[k]);
    CHECK_STR(lrf_augment_name(LRF_AUGMENT_ALL), "flip,crop");
    CHECK_STR(lrf_augment_name(LRF_AUGMENT_NONE), "none");
}

int main(void)
{
    test_detection();
    test_like_takes_the_shape();
    test_set_shape_and_pixels();
    test_per_channel_norm();
    test_augment_samples();
    test_augment_state();
    test_augment_refused();
    test_augment_names();
    return check_summary();
}
