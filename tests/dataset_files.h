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

static inline void remove_tree(const char *dir)
{
    char cmd[700];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", dir);
}

#endif
