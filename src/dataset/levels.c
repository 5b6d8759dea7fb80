/* Distinct texts with their counts: one table per chunk and column in the
 * typing pass, merged in file order (so a shard of the rows can count its
 * own and the counts add up, as the MPI work will need), then sorted into a
 * column's levels. Open addressing over a power-of-two slot array. */
#include <stdlib.h>
#include <string.h>

#include "dataset/internal.h"

static uint64_t text_hash(const char *s, size_t len)
{
    uint64_t h = 0xCBF29CE484222325ull;
    for (size_t i = 0; i < len; i++)
        h = (h ^ (unsigned char)s[i]) * 0x100000001B3ull;
    return h ^ (h >> 31);
}

void ds_levels_free(struct ds_levels *t)
{
    free(t->items);
    free(t->slots);
    memset(t, 0, sizeof *t);
}

static bool rehash(struct ds_levels *t, size_t nslots)
{
    uint32_t *slots = calloc(nslots, sizeof *slots);
    if (!slots)
        return false;
    for (size_t i = 0; i < t->n; i++) {
        size_t at = t->items[i].hash & (nslots - 1);
        while (slots[at])
            at = (at + 1) & (nslots - 1);
        slots[at] = (uint32_t)i + 1;
    }
    free(t->slots);
    t->slots = slots;
    t->nslots = nslots;
    return true;
}

long ds_levels_add_id(struct ds_levels *t, const char *s, size_t len, size_t count)
{
    if ((t->n + 1) * 2 > t->nslots && !rehash(t, t->nslots ? t->nslots * 2 : 64))
        return -1;
    uint64_t h = text_hash(s, len);
    size_t at = h & (t->nslots - 1);
    for (; t->slots[at]; at = (at + 1) & (t->nslots - 1)) {
        struct ds_level *it = &t->items[t->slots[at] - 1];
        if (it->hash == h && it->len == len && !memcmp(it->text, s, len)) {
            it->count += count;
            return (long)(t->slots[at] - 1);
        }
    }
    if (t->n == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 16;
        struct ds_level *q = realloc(t->items, cap * sizeof *q);
        if (!q)
            return -1;
        t->items = q;
        t->cap = cap;
    }
    t->items[t->n] = (struct ds_level){s, len, h, count};
    t->slots[at] = (uint32_t)++t->n;
    return (long)(t->n - 1);
}

bool ds_levels_add(struct ds_levels *t, const char *s, size_t len, size_t count)
{
    return ds_levels_add_id(t, s, len, count) >= 0;
}

bool ds_levels_merge(struct ds_levels *into, const struct ds_levels *from)
{
    for (size_t i = 0; i < from->n; i++)
        if (!ds_levels_add(into, from->items[i].text, from->items[i].len, from->items[i].count))
            return false;
    return true;
}

static int cmp_level(const void *a, const void *b)
{
    const struct ds_level *x = a, *y = b;
    size_t n = x->len < y->len ? x->len : y->len;
    int c = memcmp(x->text, y->text, n);
    return c ? c : (x->len > y->len) - (x->len < y->len);
}

char **ds_levels_sorted(struct ds_levels *t)
{
    qsort(t->items, t->n, sizeof *t->items, cmp_level);
    char **out = calloc(t->n ? t->n : 1, sizeof *out);
    for (size_t i = 0; out && i < t->n; i++) {
        out[i] = malloc(t->items[i].len + 1);
        if (!out[i]) {
            for (size_t k = 0; k < i; k++)
                free(out[k]);
            free(out);
            return NULL;
        }
        memcpy(out[i], t->items[i].text, t->items[i].len);
        out[i][t->items[i].len] = '\0';
    }
    rehash(t, t->nslots ? t->nslots : 64); /* items moved */
    return out;
}

long ds_levels_find(const struct ds_levels *t, const char *s, size_t len)
{
    if (t->nslots == 0)
        return -1;
    uint64_t h = text_hash(s, len);
    for (size_t at = h & (t->nslots - 1); t->slots[at]; at = (at + 1) & (t->nslots - 1)) {
        const struct ds_level *it = &t->items[t->slots[at] - 1];
        if (it->hash == h && it->len == len && !memcmp(it->text, s, len))
            return (long)(t->slots[at] - 1);
    }
    return -1;
}

bool ds_levels_index(struct ds_levels *t, char *const *levels, size_t n)
{
    for (size_t k = 0; k < n; k++)
        if (!ds_levels_add(t, levels[k], strlen(levels[k]), 1))
            return false;
    return true;
}

long ds_level_index(char *const *levels, size_t n, const char *s)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = strcmp(levels[mid], s);
        if (c == 0)
            return (long)mid;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return -1;
}
