/* Model configuration: defaults and the --model SPEC ("mlp:512,256:gelu"). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lrf/model.h"

static const char *const act_names[LRF_ACT_COUNT] = {"relu", "gelu", "tanh"};

/* Wider layers than this are surely a typo and would need gigabytes. */
enum { LAYER_WIDTH_MAX = 1 << 16 };

struct lrf_model_config lrf_model_config_default(void)
{
    struct lrf_model_config c;
    memset(&c, 0, sizeof c);
    c.n_hidden = 2;
    c.hidden[0] = 512;
    c.hidden[1] = 256;
    c.activation = LRF_ACT_RELU;
    c.max_batch = 128;
    return c;
}

const char *lrf_activation_name(enum lrf_activation act)
{
    return (unsigned)act < LRF_ACT_COUNT ? act_names[act] : "unknown";
}

enum lrf_status lrf_model_parse_spec(const char *spec, struct lrf_model_config *cfg,
                                     struct lrf_error *err)
{
    if (!spec)
        return lrf_error_set(err, LRF_ERR_INVALID_ARG, "model spec is missing");
    if (!strcmp(spec, "linear")) {
        cfg->n_hidden = 0;
        return LRF_OK;
    }
    if (!strcmp(spec, "mlp")) {
        struct lrf_model_config d = lrf_model_config_default();
        cfg->n_hidden = d.n_hidden;
        memcpy(cfg->hidden, d.hidden, sizeof d.hidden);
        cfg->activation = d.activation;
        return LRF_OK;
    }
    if (strncmp(spec, "mlp:", 4) != 0)
        return lrf_error_set(err, LRF_ERR_PARSE,
                             "model spec '%s': expected mlp:WIDTH[,WIDTH...][:relu|gelu|tanh] "
                             "or linear",
                             spec);
    const char *p = spec + 4;
    int n = 0;
    int hidden[LRF_MODEL_HIDDEN_MAX];
    for (;;) {
        char *end;
        errno = 0;
        long w = strtol(p, &end, 10);
        if (end == p || *p == '-' || *p == '+' || errno || w < 1 || w > LAYER_WIDTH_MAX)
            return lrf_error_set(err, LRF_ERR_PARSE,
                                 "model spec '%s' at column %d: expected a layer width in "
                                 "1..%d",
                                 spec, (int)(p - spec) + 1, LAYER_WIDTH_MAX);
        if (n == LRF_MODEL_HIDDEN_MAX)
            return lrf_error_set(err, LRF_ERR_PARSE, "model spec '%s': more than %d hidden layers",
                                 spec, LRF_MODEL_HIDDEN_MAX);
        hidden[n++] = (int)w;
        p = end;
        if (*p == ',') {
            p++;
            continue;
        }
        break;
    }
    enum lrf_activation act = LRF_ACT_RELU;
    if (*p == ':') {
        int k;
        for (k = 0; k < LRF_ACT_COUNT; k++)
            if (!strcmp(p + 1, act_names[k]))
                break;
        if (k == LRF_ACT_COUNT)
            return lrf_error_set(err, LRF_ERR_PARSE,
                                 "model spec '%s': unknown activation '%s' (expected relu, gelu "
                                 "or tanh)",
                                 spec, p + 1);
        act = (enum lrf_activation)k;
    } else if (*p) {
        return lrf_error_set(err, LRF_ERR_PARSE,
                             "model spec '%s' at column %d: unexpected '%c' (expected ',' or ':')",
                             spec, (int)(p - spec) + 1, *p);
    }
    cfg->n_hidden = n;
    memcpy(cfg->hidden, hidden, (size_t)n * sizeof hidden[0]);
    cfg->activation = act;
    return LRF_OK;
}

void lrf_model_format_spec(const struct lrf_model_config *cfg, char *buf, size_t size)
{
    if (!size)
        return;
    if (cfg->n_hidden == 0) {
        snprintf(buf, size, "linear");
        return;
    }
    size_t len = (size_t)snprintf(buf, size, "mlp:");
    for (int i = 0; i < cfg->n_hidden && len < size; i++)
        len += (size_t)snprintf(buf + len, size - len, "%s%d", i ? "," : "", cfg->hidden[i]);
    if (cfg->activation != LRF_ACT_RELU && len < size)
        snprintf(buf + len, size - len, ":%s", lrf_activation_name(cfg->activation));
}
