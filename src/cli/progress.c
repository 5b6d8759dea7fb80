/* The one progress bar of every long task: sweeps, trainings, loading. */
#include "cli/progress.h"

#include <stdio.h>

#include "lrf/clock.h"
#include "lrf/interrupt.h"

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

void cli_fit_progress_init(struct cli_fit_progress *fp, bool enabled, const char *title,
                           long total_steps, int epochs)
{
    cli_progress_init(&fp->bar, enabled, title, total_steps);
    fp->epochs = epochs;
    fp->epochs_before = 0;
}

bool cli_fit_progress(void *user, int epoch, long step, long steps_per_epoch, double loss)
{
    struct cli_fit_progress *fp = user;
    int e = fp->epochs_before + epoch;
    char label[64];
    snprintf(label, sizeof label, "epoch %d/%d loss %.4f", e, fp->epochs, loss);
    cli_progress_update(&fp->bar, (long)(e - 1) * steps_per_epoch + step, label);
    return lrf_interrupt_requested();
}
