/* Reads the text fixtures written by scripts/gen_model_fixtures.py: one array
 * per line, "NAME COUNT v1 ... vCOUNT"; lines starting with '#' are comments. */
#ifndef LRF_TEST_FIXTURE_READER_H
#define LRF_TEST_FIXTURE_READER_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { FIXTURE_ARRAYS_MAX = 64, FIXTURE_NAME_MAX = 64 };

struct fixture {
    int n;
    char names[FIXTURE_ARRAYS_MAX][FIXTURE_NAME_MAX];
    long counts[FIXTURE_ARRAYS_MAX];
    double *values[FIXTURE_ARRAYS_MAX];
};

static inline void fixture_free(struct fixture *f)
{
    for (int i = 0; i < f->n; i++)
        free(f->values[i]);
    f->n = 0;
}

/* Loads LRF_FIXTURES_DIR/model/<name>; returns 0 on success. */
static inline int fixture_load(struct fixture *f, const char *name)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/model/%s", LRF_FIXTURES_DIR, name);
    FILE *fp = fopen(path, "r");
    f->n = 0;
    if (!fp) {
        fprintf(stderr, "cannot open fixture %s\n", path);
        return -1;
    }
    int c;
    while ((c = fgetc(fp)) != EOF) {
        if (c == '#' || c == '\n') {
            while (c != '\n' && c != EOF)
                c = fgetc(fp);
            continue;
        }
        ungetc(c, fp);
        if (f->n == FIXTURE_ARRAYS_MAX)
            break;
        long count;
        if (fscanf(fp, "%63s %ld", f->names[f->n], &count) != 2 || count < 0)
            break;
        double *v = malloc((size_t)(count ? count : 1) * sizeof(double));
        if (!v)
            break;
        for (long i = 0; i < count; i++)
            if (fscanf(fp, "%lf", &v[i]) != 1)
                v[i] = 0;
        f->counts[f->n] = count;
        f->values[f->n++] = v;
    }
    fclose(fp);
    return f->n ? 0 : -1;
}

/* The array called name (NULL if absent); *count gets its length. */
static inline const double *fixture_get(const struct fixture *f, const char *name, long *count)
{
    for (int i = 0; i < f->n; i++)
        if (!strcmp(f->names[i], name)) {
            if (count)
                *count = f->counts[i];
            return f->values[i];
        }
    if (count)
        *count = 0;
    fprintf(stderr, "fixture array '%s' missing\n", name);
    return NULL;
}

static inline double fixture_scalar(const struct fixture *f, const char *name)
{
    const double *v = fixture_get(f, name, NULL);
    return v ? v[0] : 0;
}

#endif
