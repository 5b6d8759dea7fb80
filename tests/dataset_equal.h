/* Exact equality of two datasets: shape, storage, every value, labels, class
 * names and counts, header and column names, feature ranges. */
#ifndef LRF_TEST_DATASET_EQUAL_H
#define LRF_TEST_DATASET_EQUAL_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "lrf/dataset.h"

static inline bool same_dataset(const struct lrf_dataset *a, const struct lrf_dataset *b)
{
    size_t n = lrf_dataset_rows(a) * lrf_dataset_features(a);
    if (lrf_dataset_rows(a) != lrf_dataset_rows(b) ||
        lrf_dataset_features(a) != lrf_dataset_features(b) ||
        lrf_dataset_classes(a) != lrf_dataset_classes(b) ||
        lrf_dataset_storage(a) != lrf_dataset_storage(b) ||
        lrf_dataset_label_index(a) != lrf_dataset_label_index(b) ||
        lrf_dataset_has_header(a) != lrf_dataset_has_header(b) ||
        lrf_dataset_labels_numeric(a) != lrf_dataset_labels_numeric(b) ||
        strcmp(lrf_dataset_label_name(a), lrf_dataset_label_name(b)))
        return false;
    if (lrf_dataset_storage(a) == LRF_STORAGE_UINT8
            ? memcmp(lrf_dataset_data_u8(a), lrf_dataset_data_u8(b), n) != 0
            : memcmp(lrf_dataset_data_f32(a), lrf_dataset_data_f32(b), n * sizeof(float)) != 0)
        return false;
    if (memcmp(lrf_dataset_labels(a), lrf_dataset_labels(b),
               lrf_dataset_rows(a) * sizeof(int32_t)) != 0)
        return false;
    for (size_t k = 0; k < lrf_dataset_classes(a); k++)
        if (strcmp(lrf_dataset_class_name(a, k), lrf_dataset_class_name(b, k)) ||
            lrf_dataset_class_count(a, k) != lrf_dataset_class_count(b, k))
            return false;
    for (size_t j = 0; j < lrf_dataset_features(a); j++) {
        float lo1, hi1, lo2, hi2;
        lrf_dataset_feature_range(a, j, &lo1, &hi1);
        lrf_dataset_feature_range(b, j, &lo2, &hi2);
        if (lo1 != lo2 || hi1 != hi2 ||
            strcmp(lrf_dataset_feature_name(a, j), lrf_dataset_feature_name(b, j)))
            return false;
    }
    return true;
}

#endif
