/* The small accessors of the dataset API that the CLI does not call:
 * lrf_norm_kind, lrf_norm_features and lrf_batch_iter_rows, checked against
 * what was asked for at creation. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "lrf/dataset.h"

static const char CSV[] = "label,a,b,c\n0,1,2,3\n1,4,5,6\n0,7,8,9\n1,2,2,2\n0,5,1,0\n";

static struct lrf_dataset *load(void)
{
    struct lrf_dataset_options o = lrf_dataset_options_default();
    o.use_cache = false;
    struct lrf_dataset *ds = NULL;
    struct lrf_error err;
    if (lrf_dataset_parse_buffer("api.csv", CSV, strlen(CSV), &o, &ds, &err) != LRF_OK)
        fprintf(stderr, "    parse failed: %s\n", err.message);
    return ds;
}

static void test_norm_accessors(const struct lrf_dataset *ds)
{
    for (int k = 0; k < LRF_NORMALIZE_COUNT; k++) {
        struct lrf_norm *nm = NULL;
        struct lrf_error err;
        CHECK(lrf_norm_create(ds, NULL, 0, (enum lrf_normalize)k, &nm, &err) == LRF_OK);
        CHECK(nm && lrf_norm_kind(nm) == (enum lrf_normalize)k);
        CHECK(nm && lrf_norm_features(nm) == 3);
        lrf_norm_destroy(nm);
    }
}

static void test_iter_rows(const struct lrf_dataset *ds)
{
    struct lrf_batch_config cfg = lrf_batch_config_default();
    cfg.batch_size = 2;
    struct lrf_batch_iter *it = NULL;
    struct lrf_error err;
    /* NULL rows: every row of the dataset. */
    CHECK(lrf_batch_iter_create(ds, NULL, NULL, 0, &cfg, &it, &err) == LRF_OK);
    CHECK(it && lrf_batch_iter_rows(it) == 5);
    CHECK(it && lrf_batch_iter_batches_per_epoch(it) == 2); /* drop_last: 5 / 2 */
    lrf_batch_iter_destroy(it);
    /* A subset: its size, whatever the dataset's. */
    const uint32_t subset[] = {4, 0, 2};
    cfg.drop_last = false;
    CHECK(lrf_batch_iter_create(ds, NULL, subset, 3, &cfg, &it, &err) == LRF_OK);
    CHECK(it && lrf_batch_iter_rows(it) == 3);
    CHECK(it && lrf_batch_iter_batches_per_epoch(it) == 2); /* kept short batch: ceil(3 / 2) */
    lrf_batch_iter_destroy(it);
}

int main(void)
{
    struct lrf_dataset *ds = load();
    CHECK(ds != NULL);
    if (ds) {
        test_norm_accessors(ds);
        test_iter_rows(ds);
    }
    lrf_dataset_destroy(ds);
    return check_summary();
}
