#define _POSIX_C_SOURCE 200809L
#include "lrf/interrupt.h"

#include <signal.h>
#include <string.h>

/* Written by the signal handler, hence a file-scope sig_atomic_t (see the header). */
static volatile sig_atomic_t requested;

static void set_action(void (*handler)(int))
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = handler;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}

static void on_signal(int sig)
{
    (void)sig;
    requested = 1;
    set_action(SIG_DFL); /* sigaction is async-signal-safe: a second signal means now */
}

void lrf_interrupt_install(void)
{
    set_action(on_signal);
}

bool lrf_interrupt_requested(void)
{
    return requested != 0;
}

bool lrf_interrupt_poll(void *ctx)
{
    (void)ctx;
    return lrf_interrupt_requested();
}
