/* File helpers shared by the dataset tests: a text file written whole, the
 * entries of a directory counted, a temporary directory removed. */
#ifndef LRF_TEST_DATASET_FILES_H
#define LRF_TEST_DATASET_FILES_H

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static inline void write_text_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "wb");
    if (!f) {
        perror(path);
        return;
    }
    fputs(text, f);
    fclose(f);
}

/* Entries of dir whose name contains part (NULL: those not starting with '.'). */
static inline int count_dir_entries(const char *dir, const char *part)
{
    DIR *d = opendir(dir);
    int n = 0;
    for (struct dirent *e; d && (e = readdir(d));)
        n += part ? strstr(e->d_name, part) != NULL : e->d_name[0] != '.';
    if (d)
        closedir(d);
    return n;
}

/* "<dir>/<name>" in one of a few rotating static buffers (a test keeps at most that many
 * paths at once). */
static inline const char *path_under(const char *dir, const char *name)
{
    static char paths[8][768];
    static int next;
    char *p = paths[next++ % 8];
    snprintf(p, sizeof paths[0], "%.400s/%.300s", dir, name);
    return p;
}

/* Writes len bytes to dir/name; returns the path (a path_under buffer). */
static inline const char *write_file_under(const char *dir, const char *name, const void *data,
                                           size_t len)
{
    const char *path = path_under(dir, name);
    FILE *f = fopen(path, "wb");
    if (!f) {
        perror(path);
        return path;
    }
    fwrite(data, 1, len, f);
    fclose(f);
    return path;
}

static inline void remove_tree(const char *dir)
{
    char cmd[700];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", dir);
}

#endif
