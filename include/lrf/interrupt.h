/* Ctrl-C (SIGINT) and SIGTERM as a request to stop cleanly, for programs with long
 * loops such as the lrfind CLI: a sweep, a training or a load polls the flag, stops,
 * reports what it has and removes its temporary files.
 *
 * Signals belong to the process, so this flag is the library's one piece of
 * process-wide state; it changes only after a program calls lrf_interrupt_install.
 * Everything else reaches it through lrf_interrupt_poll, which has the signature of
 * the finder's and the dataset loader's `interrupted` callbacks. */
#ifndef LRF_INTERRUPT_H
#define LRF_INTERRUPT_H

#include <stdbool.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Installs handlers for SIGINT and SIGTERM (process-wide): the first signal sets the
 * flag and puts both signals back to their default action, so a second one ends the
 * process at once. */
void lrf_interrupt_install(void);

/* True once SIGINT or SIGTERM arrived after lrf_interrupt_install. */
bool lrf_interrupt_requested(void);

/* lrf_interrupt_requested() as an `interrupted(ctx)` callback; ctx is unused. */
bool lrf_interrupt_poll(void *ctx);

#ifdef __cplusplus
}
#endif

#endif
