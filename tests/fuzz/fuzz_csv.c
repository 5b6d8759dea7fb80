/* libFuzzer target: the CSV loader (lrf_dataset_parse_buffer) on arbitrary bytes.
 * Besides crashes and sanitizer reports it checks the loader's own promise that the
 * fast line scanner and libcsv give the same result (status, and on success the same
 * dataset), and reads every value of an accepted file. The first byte picks the label
 * option, so auto-detection, names and indexes are all reached. */
#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "dataset_equal.h"
#include "lrf/dataset.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const labels[] = {NULL, "-1", "0", "1", "label", "class"};

static void touch(const struct lrf_dataset *ds)
{
    size_t rows = lrf_dataset_rows(ds), d = lrf_dataset_features(ds);
    if (rows > 64)
        rows = 64;
    float *x = malloc(rows * d * sizeof *x + 1);
    int32_t *y = malloc(rows * sizeof *y + 1);
    const bool regression = lrf_dataset_task(ds) == LRF_TASK_REGRESSION;
    const float *targets = lrf_dataset_targets(ds);
    if (regression && (lrf_dataset_classes(ds) != 0 || !targets))
        abort(); /* a regression label has targets and no classes */
    if (x && y) {
        lrf_dataset_gather_range(ds, NULL, 0, rows, x, y);
        for (size_t r = 0; r < rows; r++) {
            if (regression ? y[r] != 0 || !isfinite(targets[r])
                           : y[r] < 0 || (size_t)y[r] >= lrf_dataset_classes(ds))
                abort(); /* a label outside the class list, or a non-finite target */
        }
    }
    free(x);
    free(y);
    for (size_t k = 0; k < lrf_dataset_classes(ds); k++)
        if (!lrf_dataset_class_name(ds, k))
            abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    struct lrf_dataset_options o = lrf_dataset_options_default();
    o.use_cache = false;
    o.threads = 1;
    o.label = labels[data[0] % (sizeof labels / sizeof labels[0])];
    data++;
    size--;
    struct lrf_dataset *fast = NULL, *slow = NULL;
    struct lrf_error e1, e2;
    enum lrf_status s1 = lrf_dataset_parse_buffer("fuzz.csv", data, size, &o, &fast, &e1);
    o.force_libcsv = true;
    enum lrf_status s2 = lrf_dataset_parse_buffer("fuzz.csv", data, size, &o, &slow, &e2);
    if (s1 != s2 || (s1 == LRF_OK && !same_dataset(fast, slow)))
        abort(); /* the fast path and libcsv disagree */
    if (s1 == LRF_OK)
        touch(fast);
    lrf_dataset_destroy(fast);
    lrf_dataset_destroy(slow);
    return 0;
}
