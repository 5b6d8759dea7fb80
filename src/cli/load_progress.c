/* Loading progress: the loader's threads add what they parsed; whichever gets the drawing
 * flag redraws the one progress bar (cli/progress.c), which limits itself to a few draws
 * a second. */
#include "cli/load_progress.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "lrf/clock.h"

static const double MIB = 1024.0 * 1024.0;
/* Files up to this many MiB load in a blink: no bar. */
enum { LOAD_PROGRESS_MIN_MIB = 4 };

static void on_progress(void *ctx, size_t bytes, size_t rows, bool restart)
{
    struct cli_load_progress *p = ctx;
    if (restart) { /* before the pass's threads start: no other call runs now */
        atomic_store(&p->bytes, 0);
        atomic_store(&p->rows, 0);
        p->pass_start = lrf_clock_seconds();
        return;
    }
    size_t b = atomic_fetch_add(&p->bytes, bytes) + bytes;
    size_t r = atomic_fetch_add(&p->rows, rows) + rows;
    if (atomic_flag_test_and_set(&p->drawing))
        return; /* another thread is drawing */
    double mib = (double)b / MIB, secs = lrf_clock_seconds() - p->pass_start;
    char label[96];
    snprintf(label, sizeof label, "MiB, %.0f rows/s", secs > 0 ? (double)r / secs : 0.0);
    long done = (long)mib < p->bar.total ? (long)mib : p->bar.total - 1; /* gzip: more */
    cli_progress_update(&p->bar, done, label);
    atomic_flag_clear(&p->drawing);
}

void cli_load_progress_start(struct cli_load_progress *p, bool enabled, const char *path,
                             struct lrf_dataset_options *opt)
{
    struct stat sb;
    bool file = path && strcmp(path, "-") != 0 && stat(path, &sb) == 0 && S_ISREG(sb.st_mode);
    const char *base = path ? strrchr(path, '/') : NULL;
    snprintf(p->title, sizeof p->title, "loading %.50s", base ? base + 1 : path ? path : "");
    long mib = file ? (long)((double)sb.st_size / MIB) + 1 : 1;
    /* Only a file of a few MiB takes long enough to be worth a bar. */
    cli_progress_init(&p->bar, enabled && file && mib > LOAD_PROGRESS_MIN_MIB, p->title, mib);
    atomic_init(&p->bytes, 0);
    atomic_init(&p->rows, 0);
    atomic_flag_clear(&p->drawing);
    p->pass_start = lrf_clock_seconds();
    if (p->bar.enabled) {
        opt->progress = on_progress;
        opt->progress_ctx = p;
    }
}

void cli_load_progress_done(struct cli_load_progress *p, struct lrf_dataset_options *opt)
{
    cli_progress_done(&p->bar);
    if (opt->progress_ctx == p) {
        opt->progress = NULL;
        opt->progress_ctx = NULL;
    }
}
