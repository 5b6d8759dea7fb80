/* The kind/key table: SPEC names, PyTorch keyword names and defaults. The parser
 * validates against it and the formatter renders from it, so the two cannot drift. */
#include <string.h>

#include "sched/sched_internal.h"

#define REQ SCHED_F_REQ
#define RUNLEN SCHED_F_RUNLEN
#define NONE SCHED_F_NONE

const struct sched_kind_def sched_kinds[LRF_SCHED_KIND_COUNT] = {
    [LRF_SCHED_STEP] = {"step",
                        "StepLR",
                        false,
                        {{"step_size", SCHED_P_INT, NULL, NULL, REQ},
                         {"gamma", SCHED_P_NUM, "0.1", NULL, 0}}},
    [LRF_SCHED_MULTISTEP] = {"multistep",
                             "MultiStepLR",
                             false,
                             {{"milestones", SCHED_P_INTLIST, NULL, NULL, REQ},
                              {"gamma", SCHED_P_NUM, "0.1", NULL, 0}}},
    [LRF_SCHED_CONSTANT] = {"constant",
                            "ConstantLR",
                            false,
                            {{"factor", SCHED_P_NUM, "0.33333333333333331", NULL, 0},
                             {"total_iters", SCHED_P_INT, "5", NULL, RUNLEN}}},
    [LRF_SCHED_LINEAR] = {"linear",
                          "LinearLR",
                          false,
                          {{"start_factor", SCHED_P_NUM, "0.33333333333333331", NULL, 0},
                           {"end_factor", SCHED_P_NUM, "1", NULL, 0},
                           {"total_iters", SCHED_P_INT, "5", NULL, RUNLEN}}},
    [LRF_SCHED_EXPONENTIAL] = {"exponential",
                               "ExponentialLR",
                               false,
                               {{"gamma", SCHED_P_NUM, NULL, NULL, REQ}}},
    [LRF_SCHED_MULTIPLICATIVE] = {"multiplicative",
                                  "MultiplicativeLR",
                                  false,
                                  {{"factor", SCHED_P_NUM, NULL, NULL, REQ}}},
    [LRF_SCHED_POLYNOMIAL] = {"polynomial",
                              "PolynomialLR",
                              false,
                              {{"total_iters", SCHED_P_INT, "5", NULL, RUNLEN},
                               {"power", SCHED_P_NUM, "1", NULL, 0}}},
    [LRF_SCHED_COSINE] = {"cosine",
                          "CosineAnnealingLR",
                          false,
                          {{"T_max", SCHED_P_INT, NULL, NULL, REQ | RUNLEN},
                           {"eta_min", SCHED_P_LR, "0", NULL, 0}}},
    [LRF_SCHED_COSINE_RESTARTS] = {"cosine_restarts",
                                   "CosineAnnealingWarmRestarts",
                                   false,
                                   {{"T_0", SCHED_P_INT, NULL, NULL, REQ},
                                    {"T_mult", SCHED_P_INT, "1", NULL, 0},
                                    {"eta_min", SCHED_P_LR, "0", NULL, 0}}},
    [LRF_SCHED_CYCLIC] =
        {"cyclic",
         "CyclicLR",
         false,
         {{"base_lr", SCHED_P_LR, NULL, NULL, REQ},
          {"max_lr", SCHED_P_LR, NULL, NULL, REQ},
          {"step_size_up", SCHED_P_NUM, "2000", NULL, 0},
          {"step_size_down", SCHED_P_NUM, NULL, NULL, NONE},
          {"mode", SCHED_P_ENUM, "triangular", "triangular|triangular2|exp_range|sine", 0},
          {"gamma", SCHED_P_NUM, "1", NULL, 0},
          {"scale_fn", SCHED_P_ENUM, NULL, "triangular|triangular2|exp_range", NONE},
          {"scale_mode", SCHED_P_ENUM, "cycle", "cycle|iterations", 0},
          {"cycle_momentum", SCHED_P_BOOL, "true", NULL, 0},
          {"base_momentum", SCHED_P_NUM, "0.8", NULL, 0},
          {"max_momentum", SCHED_P_NUM, "0.9", NULL, 0}}},
    [LRF_SCHED_ONECYCLE] = {"onecycle",
                            "OneCycleLR",
                            false,
                            {{"max_lr", SCHED_P_LR, NULL, NULL, REQ},
                             {"total_steps", SCHED_P_INT, NULL, NULL, NONE | RUNLEN},
                             {"epochs", SCHED_P_INT, NULL, NULL, NONE},
                             {"steps_per_epoch", SCHED_P_INT, NULL, NULL, NONE},
                             {"pct_start", SCHED_P_NUM, "0.3", NULL, 0},
                             {"anneal_strategy", SCHED_P_ENUM, "cos", "cos|linear", 0},
                             {"cycle_momentum", SCHED_P_BOOL, "true", NULL, 0},
                             {"base_momentum", SCHED_P_NUM, "0.85", NULL, 0},
                             {"max_momentum", SCHED_P_NUM, "0.95", NULL, 0},
                             {"div_factor", SCHED_P_NUM, "25", NULL, 0},
                             {"final_div_factor", SCHED_P_NUM, "10000", NULL, 0},
                             {"three_phase", SCHED_P_BOOL, "false", NULL, 0}}},
    [LRF_SCHED_PLATEAU] = {"plateau",
                           "ReduceLROnPlateau",
                           false,
                           {{"mode", SCHED_P_ENUM, "min", "min|max", 0},
                            {"factor", SCHED_P_NUM, "0.1", NULL, 0},
                            {"patience", SCHED_P_INT, "10", NULL, 0},
                            {"threshold", SCHED_P_NUM, "0.0001", NULL, 0},
                            {"threshold_mode", SCHED_P_ENUM, "rel", "rel|abs", 0},
                            {"cooldown", SCHED_P_INT, "0", NULL, 0},
                            {"min_lr", SCHED_P_LR, "0", NULL, 0},
                            {"eps", SCHED_P_NUM, "1e-08", NULL, 0}}},
    [LRF_SCHED_SEQ] = {"seq",
                       "SequentialLR",
                       true,
                       {{"milestones", SCHED_P_INTLIST, NULL, NULL, REQ}}},
    [LRF_SCHED_CHAIN] = {"chain", "ChainedScheduler", true, {{NULL, SCHED_P_NUM, NULL, NULL, 0}}},
    [LRF_SCHED_WARMUP_COSINE] = {"warmup_cosine",
                                 NULL,
                                 false,
                                 {{"num_warmup_steps", SCHED_P_INT, "0", NULL, 0},
                                  {"num_training_steps", SCHED_P_INT, NULL, NULL, REQ | RUNLEN},
                                  {"num_cycles", SCHED_P_NUM, "0.5", NULL, 0},
                                  {"min_lr_rate", SCHED_P_NUM, NULL, NULL, NONE},
                                  {"min_lr", SCHED_P_LR, NULL, NULL, NONE}}},
    [LRF_SCHED_INVERSE_SQRT] = {"inverse_sqrt",
                                NULL,
                                false,
                                {{"num_warmup_steps", SCHED_P_INT, "0", NULL, 0},
                                 {"timescale", SCHED_P_NUM, NULL, NULL, NONE}}},
    [LRF_SCHED_INVERSE_TIME] = {"inverse_time",
                                NULL,
                                false,
                                {{"decay_rate", SCHED_P_NUM, NULL, NULL, REQ},
                                 {"decay_steps", SCHED_P_NUM, "1", NULL, 0},
                                 {"staircase", SCHED_P_BOOL, "false", NULL, 0}}},
    [LRF_SCHED_WSD] = {"wsd",
                       NULL,
                       false,
                       {{"num_warmup_steps", SCHED_P_INT, "0", NULL, 0},
                        {"num_decay_steps", SCHED_P_INT, NULL, NULL, REQ},
                        {"num_training_steps", SCHED_P_INT, NULL, NULL, NONE | RUNLEN},
                        {"num_stable_steps", SCHED_P_INT, NULL, NULL, NONE},
                        {"warmup_type", SCHED_P_ENUM, "linear", "linear|cosine|1-sqrt", 0},
                        {"decay_type", SCHED_P_ENUM, "cosine", "linear|cosine|1-sqrt", 0},
                        {"min_lr_ratio", SCHED_P_NUM, "0", NULL, 0},
                        {"num_cycles", SCHED_P_NUM, "0.5", NULL, 0}}},
    [LRF_SCHED_PIECEWISE] = {"piecewise",
                             NULL,
                             false,
                             {{"boundaries", SCHED_P_INTLIST, NULL, NULL, REQ},
                              {"values", SCHED_P_LRLIST, NULL, NULL, REQ}}},
    [LRF_SCHED_POLY] = {"poly",
                        NULL,
                        false,
                        {{"power", SCHED_P_NUM, "4", NULL, 0},
                         {"max_iter", SCHED_P_INT, NULL, NULL, REQ | RUNLEN}}},
    [LRF_SCHED_INV] = {"inv",
                       NULL,
                       false,
                       {{"gamma", SCHED_P_NUM, NULL, NULL, REQ},
                        {"power", SCHED_P_NUM, NULL, NULL, REQ}}},
    [LRF_SCHED_SIGMOID] = {"sigmoid",
                           NULL,
                           false,
                           {{"gamma", SCHED_P_NUM, NULL, NULL, REQ},
                            {"stepsize", SCHED_P_NUM, NULL, NULL, REQ}}},
};

const char *lrf_sched_kind_name(enum lrf_sched_kind kind)
{
    if ((int)kind < 0 || kind >= LRF_SCHED_KIND_COUNT)
        return NULL;
    return sched_kinds[kind].name;
}

const char *lrf_sched_kind_list(void)
{
    return "step, multistep, constant, linear, exponential, multiplicative, polynomial, cosine, "
           "cosine_restarts, cyclic, onecycle, plateau, seq, chain, warmup_cosine, inverse_sqrt, "
           "inverse_time, wsd, piecewise, poly, inv, sigmoid";
}

int sched_key_index(enum lrf_sched_kind kind, const char *name)
{
    for (int i = 0; i < SCHED_KEYS_MAX && sched_kinds[kind].keys[i].name; i++)
        if (!strcmp(sched_kinds[kind].keys[i].name, name))
            return i;
    return -1;
}
