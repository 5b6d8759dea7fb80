/* lrfind under mpirun: joining the job, rank 0 as the only voice, the
 * default thread count and the sharded data of --data-parallel. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/dist_run.h"
#include "cli/image_options.h"
#include "lrf/interrupt.h"

void cli_dist_quiet_others(void)
{
    static const char *const vars[] = {"OMPI_COMM_WORLD_RANK", "PMIX_RANK", "PMI_RANK"};
    const char *rank = NULL;
    for (size_t i = 0; !rank && i < sizeof vars / sizeof vars[0]; i++)
        rank = getenv(vars[i]);
    const char *verbose = getenv("LRF_DIST_VERBOSE");
    if (!rank || !strcmp(rank, "0") || (verbose && !strcmp(verbose, "1")))
        return;
    if (!freopen("/dev/null", "w", stdout) || !freopen("/dev/null", "w", stderr))
        return; /* nowhere to say it: the rank just stays as it was */
}

size_t cli_dist_rows(const struct cli_train_data *data)
{
    return data->data.dist ? data->data.shard.total : lrf_dataset_rows(data->train);
}

int cli_dist_begin(struct lrf_dist **out)
{
    struct lrf_error err;
    if (lrf_dist_init(NULL, NULL, out, &err) != LRF_OK)
        return cli_fail(&err);
    return CLI_EXIT_OK;
}

void cli_dist_end(struct lrf_dist *d)
{
    lrf_dist_finalize(d);
}

int cli_dist_agree_exit(struct lrf_dist *d, int status)
{
    uint64_t worst = (uint64_t)status;
    if (lrf_dist_allreduce_max_u64(d, &worst, 1, NULL) != LRF_OK)
        lrf_dist_abort(d, CLI_EXIT_FAILURE);
    return (int)worst;
}

int cli_dist_threads(const struct lrf_dist *d, int threads)
{
    if (threads > 0 || lrf_dist_size(d) == 1)
        return threads;
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    long per_rank = cores / lrf_dist_local_size(d);
    return per_rank < 1 ? 1 : (int)per_rank;
}

/* The split of the whole file and this rank's training rows among them. */
static enum lrf_status split_rows(const struct cli_train_options *o,
                                  const struct lrf_dist_shard *sh, struct cli_train_data *data,
                                  uint32_t **mine, size_t *n_mine, struct lrf_error *err)
{
    double fraction = o->val_split > 0 ? o->val_split : 0.0;
    enum lrf_status st = lrf_dataset_split_rows(sh->total, fraction, o->seed, &data->split, err);
    if (st != LRF_OK)
        return st;
    data->val_source = data->split.n_val ? "split" : "none";
    *mine = malloc((sh->rows ? sh->rows : 1) * sizeof **mine);
    if (!*mine)
        return lrf_error_set(err, LRF_ERR_NOMEM, "out of memory for the split");
    *n_mine = 0;
    for (size_t i = 0; i < data->split.n_train; i++) {
        size_t row = data->split.train[i];
        if (row >= sh->first && row < sh->first + sh->rows)
            (*mine)[(*n_mine)++] = (uint32_t)(row - sh->first);
    }
    return LRF_OK;
}

enum lrf_status cli_dist_data_load(struct lrf_dist *d, const struct cli_train_options *o,
                                   struct cli_train_data *data, struct lrf_error *err)
{
    memset(data, 0, sizeof *data);
    if (!o->data)
        return lrf_error_set(err, LRF_ERR_INVALID_ARG,
                             "--data-parallel needs --data FILE.csv (each rank reads its share)");
    if (o->val)
        return lrf_error_set(err, LRF_ERR_INVALID_ARG,
                             "--data-parallel validates on a split of --data (--val-split F), "
                             "not on --val FILE");
    struct lrf_dataset_options dopt = o->dataset;
    dopt.label = o->label;
    dopt.use_cache = false; /* a shard is never cached */
    dopt.threads = o->threads;
    dopt.interrupted = lrf_interrupt_poll;
    struct lrf_dist_shard sh;
    enum lrf_status st = lrf_dist_load_csv(d, o->data, &dopt, &data->train, &sh, err);
    uint32_t *mine = NULL;
    size_t n_mine = 0;
    /* The shape and the model are decided as one process decides them. */
    if (st == LRF_OK && ((st = cli_image_apply(&o->image, data->train, o->data, err)) != LRF_OK ||
                         (st = cli_train_model_decide(o, data, err)) != LRF_OK))
        data->usage_error = true;
    if (st == LRF_OK)
        st = split_rows(o, &sh, data, &mine, &n_mine, err);
    st = lrf_dist_agree(d, st, err);
    if (st == LRF_OK && o->normalize != LRF_NORMALIZE_NONE)
        st = lrf_dist_norm_create(d, data->train, mine, n_mine, o->normalize,
                                  cli_train_model_uses_images(data), &data->norm, err);
    free(mine);
    if ((st = lrf_dist_agree(d, st, err)) != LRF_OK) {
        cli_train_data_free(data);
        return st;
    }
    data->data = (struct lrf_train_data){.train = data->train,
                                         .train_rows = data->split.train,
                                         .n_train = data->split.n_train,
                                         .norm = data->norm,
                                         .dist = d,
                                         .shard = sh};
    if (data->split.n_val) {
        data->data.val = data->train;
        data->data.val_rows = data->split.val;
        data->data.n_val = data->split.n_val;
    }
    return LRF_OK;
}
