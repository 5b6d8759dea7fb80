/* The naive reference: the same network in plain double-precision loops,
 * kept beside the fast path so that tests can check it (and check it against
 * finite differences). Not used for training. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "model/model_internal.h"

static double act_f(enum lrf_activation act, double v)
{
    switch (act) {
    case LRF_ACT_RELU:
        return v > 0 ? v : 0;
    case LRF_ACT_TANH:
        return tanh(v);
    default:
        return 0.5 * v * (1 + erf(v / sqrt(2.0)));
    }
}

static double act_d(enum lrf_activation act, double v)
{
    switch (act) {
    case LRF_ACT_RELU:
        return v > 0 ? 1 : 0;
    case LRF_ACT_TANH: {
        double t = tanh(v);
        return 1 - t * t;
    }
    default:
        return 0.5 * (1 + erf(v / sqrt(2.0))) +
               v * exp(-0.5 * v * v) / sqrt(2 * 3.14159265358979323846);
    }
}

double lrf_model_reference_loss(const struct lrf_model *m, const double *params, const float *x,
                                const int32_t *y, int B, double *grads)
{
    const int L = m->n_layers;
    /* z[l], a[l]: (B, out[l]); a[-1] is the input. */
    size_t total = 0, off[MODEL_LAYERS_MAX + 1];
    for (int l = 0; l < L; l++) {
        off[l] = total;
        total += (size_t)B * (size_t)m->out[l];
    }
    double *z = malloc(total * sizeof(double)), *a = malloc(total * sizeof(double));
    double *dz = malloc(total * sizeof(double));
    double *xin = malloc((size_t)B * (size_t)m->in[0] * sizeof(double));
    if (!z || !a || !dz || !xin) {
        free(z), free(a), free(dz), free(xin);
        return NAN;
    }
    for (size_t i = 0; i < (size_t)B * (size_t)m->in[0]; i++)
        xin[i] = x[i];
    for (int l = 0; l < L; l++) {
        const double *in = l == 0 ? xin : a + off[l - 1];
        const double *W = params + m->w_off[l], *bias = params + m->b_off[l];
        for (int r = 0; r < B; r++)
            for (int o = 0; o < m->out[l]; o++) {
                double s = bias[o];
                for (int i = 0; i < m->in[l]; i++)
                    s += in[(size_t)r * m->in[l] + i] * W[(size_t)o * m->in[l] + i];
                size_t k = off[l] + (size_t)r * m->out[l] + o;
                z[k] = s;
                a[k] = l < L - 1 ? act_f(m->cfg.activation, s) : s;
            }
    }
    const int C = m->cfg.n_classes;
    double loss = 0;
    double *logits = z + off[L - 1], *dl = dz + off[L - 1];
    for (int r = 0; r < B; r++) {
        double mx = logits[(size_t)r * C];
        for (int j = 1; j < C; j++)
            mx = fmax(mx, logits[(size_t)r * C + j]);
        double s = 0;
        for (int j = 0; j < C; j++)
            s += exp(logits[(size_t)r * C + j] - mx);
        loss += mx + log(s) - logits[(size_t)r * C + y[r]];
        for (int j = 0; j < C; j++)
            dl[(size_t)r * C + j] =
                (exp(logits[(size_t)r * C + j] - mx) / s - (j == y[r] ? 1 : 0)) / B;
    }
    if (grads) {
        memset(grads, 0, m->n_params * sizeof(double));
        for (int l = L - 1; l >= 0; l--) {
            const double *in = l == 0 ? xin : a + off[l - 1];
            const double *d = dz + off[l], *W = params + m->w_off[l];
            double *gW = grads + m->w_off[l], *gb = grads + m->b_off[l];
            for (int r = 0; r < B; r++)
                for (int o = 0; o < m->out[l]; o++) {
                    double g = d[(size_t)r * m->out[l] + o];
                    gb[o] += g;
                    for (int i = 0; i < m->in[l]; i++)
                        gW[(size_t)o * m->in[l] + i] += g * in[(size_t)r * m->in[l] + i];
                }
            if (l == 0)
                break;
            double *dprev = dz + off[l - 1];
            const double *zprev = z + off[l - 1];
            for (int r = 0; r < B; r++)
                for (int i = 0; i < m->in[l]; i++) {
                    double s = 0;
                    for (int o = 0; o < m->out[l]; o++)
                        s += d[(size_t)r * m->out[l] + o] * W[(size_t)o * m->in[l] + i];
                    size_t k = (size_t)r * m->in[l] + i;
                    dprev[k] = s * act_d(m->cfg.activation, zprev[k]);
                }
        }
    }
    free(z), free(a), free(dz), free(xin);
    return loss / B;
}
