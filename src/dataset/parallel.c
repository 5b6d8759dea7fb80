/* Threads for loading: how many, running one function over a set of work
 * items, and cutting a byte range into line-aligned pieces for them. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <pthread.h>
#include <unistd.h>

#include "dataset/internal.h"

static int online_cores(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1 : n > DS_THREADS_MAX ? DS_THREADS_MAX : (int)n;
}

int ds_threads_for(const struct lrf_dataset_options *opt)
{
    int t = opt->threads > 0 ? opt->threads : online_cores();
    return t > DS_THREADS_MAX ? DS_THREADS_MAX : t;
}

void ds_run_parallel(void *items, size_t stride, int n, void *(*fn)(void *))
{
    pthread_t tid[DS_THREADS_MAX];
    bool started[DS_THREADS_MAX] = {false};
    char *base = items;
    for (int t = 1; t < n; t++)
        started[t] = pthread_create(&tid[t], NULL, fn, base + (size_t)t * stride) == 0;
    if (n > 0)
        fn(base);
    for (int t = 1; t < n; t++) {
        if (started[t])
            pthread_join(tid[t], NULL);
        else
            fn(base + (size_t)t * stride); /* no thread to be had: do it here */
    }
}

int ds_split_lines(size_t start, size_t size, int pieces,
                   size_t (*line_end)(void *ctx, size_t pos, size_t size), void *ctx,
                   size_t *bounds)
{
    size_t rest = size - start, pos = start;
    int n = 0;
    bounds[0] = start;
    for (int t = 0; t < pieces && pos < size; t++) {
        size_t end = t == pieces - 1 ? size : start + rest / (size_t)pieces * (size_t)(t + 1);
        if (end < pos)
            end = pos;
        if (end < size)
            end = line_end(ctx, end, size);
        bounds[++n] = end;
        pos = end;
    }
    return n;
}

int ds_pread_full(int fd, char *buf, size_t len, size_t off)
{
    size_t done = 0;
    while (done < len) {
        ssize_t n = pread(fd, buf + done, len - done, (off_t)(off + done));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return n < 0 ? errno : -1;
        done += (size_t)n;
    }
    return 0;
}
