/* Order statistics of a column's numbers: the median by selection (linear
 * time, not a sort: a median per numeric column is part of every general
 * load) and an all-distinct test (sorting, for the few identifier candidates). */
#include <stdlib.h>

#include "dataset/internal.h"

static void swap(float *a, float *b)
{
    float t = *a;
    *a = *b;
    *b = t;
}

/* Rearranges v so that v[k] is the k-th smallest, smaller ones before it. */
static void select_kth(float *v, size_t n, size_t k)
{
    size_t lo = 0, hi = n - 1;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        /* median of three as the pivot, left in v[mid] */
        if (v[mid] < v[lo])
            swap(&v[mid], &v[lo]);
        if (v[hi] < v[lo])
            swap(&v[hi], &v[lo]);
        if (v[hi] < v[mid])
            swap(&v[hi], &v[mid]);
        float pivot = v[mid];
        size_t i = lo, j = hi;
        while (i <= j) {
            while (v[i] < pivot)
                i++;
            while (pivot < v[j])
                j--;
            if (i <= j) {
                swap(&v[i], &v[j]);
                i++;
                if (j == 0)
                    break;
                j--;
            }
        }
        if (k <= j)
            hi = j;
        else if (k >= i)
            lo = i;
        else
            return;
    }
}

float ds_median(float *v, size_t n)
{
    if (n == 0)
        return 0.0f;
    size_t k = n / 2;
    select_kth(v, n, k);
    if (n % 2)
        return v[k];
    float below = v[0]; /* the largest of v[0..k), all <= v[k] */
    for (size_t i = 1; i < k; i++)
        below = v[i] > below ? v[i] : below;
    return (float)(((double)below + (double)v[k]) / 2.0); /* numpy's median */
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
