/* A one-line progress bar on stderr, redrawn at most a few times a second; a
 * disabled bar does nothing, so callers need no branches. */
#ifndef LRF_CLI_PROGRESS_H
#define LRF_CLI_PROGRESS_H

#include <stdbool.h>

struct cli_progress {
    bool enabled;
    const char *title;
    long total;
    double last_draw;
    bool drawn;
};

void cli_progress_init(struct cli_progress *p, bool enabled, const char *title, long total);

/* done of total; label is shown after the bar (may be NULL). */
void cli_progress_update(struct cli_progress *p, long done, const char *label);

/* Clears the bar's line. */
void cli_progress_done(struct cli_progress *p);

/* A bar over a training run of epochs, fed by lrf_trainer_fit's progress callback
 * (cli_fit_progress with user = this struct), which also polls Ctrl-C. A run trained
 * one epoch per lrf_trainer_fit call sets epochs_before to the epochs already done. */
struct cli_fit_progress {
    struct cli_progress bar;
    int epochs, epochs_before;
};

void cli_fit_progress_init(struct cli_fit_progress *fp, bool enabled, const char *title,
                           long total_steps, int epochs);
bool cli_fit_progress(void *user, int epoch, long step, long steps_per_epoch, double loss);

#endif
