#include "cli/progress.h"

#include <stdio.h>

#include "lrf/clock.h"

enum { BAR_WIDTH = 30 };

/* Redraws no more often than this: a terminal is slow next to a training step. */
#define PROGRESS_INTERVAL_SECONDS 0.1

void cli_progress_init(struct cli_progress *p, bool enabled, const char *title, long total)
{
    p->enabled = enabled;
    p->title = title;
    p->total = total > 0 ? total : 1;
    p->last_draw = 0;
    p->drawn = false;
}

void cli_progress_update(struct cli_progress *p, long done, const char *label)
{
    if (!p->enabled)
        return;
    double now = lrf_clock_seconds();
    if (p->drawn && done < p->total && now - p->last_draw < PROGRESS_INTERVAL_SECONDS)
        return;
    p->last_draw = now;
    p->drawn = true;
    int filled = (int)((double)done / (double)p->total * BAR_WIDTH);
    if (filled > BAR_WIDTH)
        filled = BAR_WIDTH;
    char bar[BAR_WIDTH + 1];
    for (int i = 0; i < BAR_WIDTH; i++)
        bar[i] = i < filled ? '#' : '.';
    bar[BAR_WIDTH] = '\0';
    fprintf(stderr, "\r\033[K%s [%s] %ld/%ld %s", p->title, bar, done, p->total,
            label ? label : "");
    fflush(stderr);
}

void cli_progress_done(struct cli_progress *p)
{
    if (p->enabled && p->drawn) {
        fputs("\r\033[K", stderr);
        fflush(stderr);
    }
    p->drawn = false;
}
