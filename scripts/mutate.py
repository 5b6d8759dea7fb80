#!/usr/bin/python3
"""Mutation check of the test suite (issue 17): plants small bugs one at a time in a
temporary copy of the source tree, rebuilds, runs ctest, and reports which bugs no test
catches ("survivors"). A tool for us, not part of CI: a full run takes ~20-30 minutes
on 2 cores.

Each mutant replaces one exact piece of text, which must occur exactly once in its file;
a mutant whose text is gone (the code moved on) is reported STALE, one that does not
compile BUILD-ERROR, and both count as failures of this script, so the list cannot rot
silently. Survivors must be caught by a new test or shown to be equivalent changes
(write the reason in `equivalent`).

Usage (the machine is shared: be nice):
    nice -n 15 scripts/mutate.py              # every mutant
    nice -n 15 scripts/mutate.py --only O1,C2 # some
    scripts/mutate.py --list                  # the list, no build
Options: --jobs N (build/ctest parallelism, default 2), --keep (keep the temporary
copy), --tests REGEX (ctest -R, default all). Exit status 0 when every mutant is killed
(or marked equivalent), 1 otherwise.
"""
import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

# id, file, old text, new text, what the bug is. The five of issue 17 first.
MUTANTS = [
    ("C1", "src/cli/suggest_report.c",
     'cli_json_field_number(j, "suggested_lr", rec->valid ? rec->lr : (double)NAN);',
     'cli_json_field_number(j, "suggested_lr", rec->valid ? rec->lr * 10 : (double)NAN);',
     "JSON suggested_lr printed 10x too large"),
    ("F1", "src/finder/result.c",
     "r->cosine_lr = max_lr / cfg->robust.cosine_div;",
     "r->cosine_lr = max_lr;",
     "cosine hand-off lr equal to max_lr instead of a third"),
    ("C2", "src/cli/find_handoff.c",
     "factors[VERIFY_CANDIDATES] = {1.0 / 3.0, 1.0, 3.0};",
     "factors[VERIFY_CANDIDATES] = {1.0 / 10.0, 1.0, 10.0};",
     "--verify tries x1/10 and x10 instead of x1/3 and x3"),
    ("F2", "src/finder/smooth.c",
     "double scale = fmax(fabs(sm->best), LRF_FINDER_DIVERGE_FLOOR * fabs(sm->first));",
     "double scale = fabs(sm->best);",
     "divergence rule's floor near zero loss dropped"),
    ("O1", "src/optim/optim.c",
     "float denom = sqrtf(sq) / bc2_sqrt + eps;",
     "float denom = sqrtf(sq) / bc2_sqrt - eps;",
     "Adam's eps subtracted instead of added"),
    # ---- optim
    ("O2", "src/optim/optim.c",
     "d = nesterov ? d + mom * b : b;",
     "d = nesterov ? d - mom * b : b;",
     "SGD Nesterov look-ahead sign flipped"),
    ("O3", "src/optim/optim.c",
     "sq[i] = sq[i] * a + one_a * (grad * grad);",
     "sq[i] = sq[i] * one_a + a * (grad * grad);",
     "RMSprop alpha and 1-alpha swapped"),
    ("O4", "src/optim/optim.c",
     "(-(lr / (1.0 + (step - 1.0) * c->lr_decay)))",
     "(-(lr / (1.0 + step * c->lr_decay)))",
     "Adagrad lr_decay off by one step"),
    ("O5", "src/optim/optim.c",
     "decay = (float)(1.0 - lr * c->weight_decay);",
     "decay = (float)(1.0 + lr * c->weight_decay);",
     "AdamW decoupled decay sign flipped"),
    ("O6", "src/optim/optim.c",
     "bc2 = 1.0 - pow(c->beta2, step);",
     "bc2 = 1.0 - pow(beta1, step);",
     "Adam second-moment bias correction uses beta1"),
    ("O7", "src/optim/optim.c",
     "avg = avg + eps;",
     "avg = avg + eps * eps;",
     "RMSprop eps squared (wrong constant)"),
    # ---- sched
    ("S1", "src/sched/sched_build.c",
     "        p->n_phases = 2;\n        p->end_step[0] = pct * N - 1;",
     "        p->n_phases = 2;\n        p->end_step[0] = pct * N;",
     "one-cycle warm-up phase one step too long"),
    ("S2", "src/sched/sched_formula.c",
     "return end + (start - end) / 2.0 * (cos(PI * pct) + 1);",
     "return start + (end - start) / 2.0 * (cos(PI * pct) + 1);",
     "cosine anneal's start and end swapped"),
    ("S3", "src/sched/sched_kinds.c",
     '{"pct_start", SCHED_P_NUM, "0.3", NULL, 0},',
     '{"pct_start", SCHED_P_NUM, "0.25", NULL, 0},',
     "one-cycle pct_start default 0.25 instead of 0.3"),
    ("S4", "src/sched/sched_formula.c",
     "(base - p->eta_min) * (1 + cos(PI * (double)t / (double)p->T_max)) / 2;",
     "(base - p->eta_min) * (1 - cos(PI * (double)t / (double)p->T_max)) / 2;",
     "cosine annealing sign flipped"),
    ("S5", "src/sched/sched_build.c",
     "p->min_lr = p->initial_lr / fdiv;",
     "p->min_lr = p->max_lr / fdiv;",
     "one-cycle min_lr from max_lr instead of initial_lr"),
    # ---- finder
    ("F3", "src/finder/config.c",
     "double denom = c->grid_include_end ? (double)(c->num_iter - 1) : (double)c->num_iter;",
     "double denom = c->grid_include_end ? (double)c->num_iter : (double)(c->num_iter - 1);",
     "lr grid: the two conventions swapped (off by one rung)"),
    ("F4", "src/finder/smooth.c",
     "s = sm->v / (1.0 - pow(sm->beta, (double)sm->count));",
     "s = sm->v / (1.0 - pow(sm->beta, (double)(sm->count + 1)));",
     "debiased EMA's correction off by one step"),
    ("F5", "src/finder/rules.c",
     "        if (best < 0 || d < bestv) {\n            best = (long)i;\n            bestv = d;",
     "        if (best < 0 || d > bestv) {\n            best = (long)i;\n            bestv = d;",
     "fastai steep: argmax instead of argmin"),
    ("F6", "src/finder/config.c",
     ".floor_position = 0.6,",
     ".floor_position = 0.5,",
     "robust rule's floor position 0.5 instead of 0.6"),
    ("F7", "src/finder/config.c",
     ".cyclic_base_div = 4.0,",
     ".cyclic_base_div = 3.0,",
     "cyclic base_lr = max_lr/3 instead of /4"),
    ("F8", "src/finder/smooth.c",
     "div = s > sm->best + (sm->diverge - 1.0) * scale;",
     "div = s > sm->best + sm->diverge * scale;",
     "relative divergence threshold off by one factor"),
    ("F9", "src/finder/config.c",
     ".skip_end = 5,",
     ".skip_end = 4,",
     "steepest rule skips 4 points at the end instead of 5"),
    ("F10", "src/finder/result.c",
     'snprintf(half, sizeof half, "%ld", total / 2 > 0 ? total / 2 : 1);',
     'snprintf(half, sizeof half, "%ld", total / 2 > 0 ? total / 2 + 1 : 1);',
     "cyclic step_size_up off by one"),
    # ---- dataset
    ("D1", "src/dataset/batch.c",
     "size_t n_val = (size_t)floor(val_fraction * (double)n + 0.5);",
     "size_t n_val = (size_t)floor(val_fraction * (double)n);",
     "validation split rounds down instead of to nearest"),
    ("D2", "src/dataset/batch.c",
     "    for (size_t j = 0; j < d; j++)\n        b[j] /= (double)n;",
     "    for (size_t j = 0; j < d; j++)\n        b[j] /= (double)(n - 1);",
     "float32 standardization: sample instead of population variance"),
    ("D3", "src/dataset/batch.c",
     "return it->cfg.drop_last ? it->n / b : (it->n + b - 1) / b;",
     "return it->cfg.drop_last ? it->n / b : (it->n + b) / b;",
     "batches per epoch (keep last) off by one"),
    ("D4", "src/dataset/load.c",
     'size_t bom = size >= 3 && !memcmp(data, "\\xEF\\xBB\\xBF", 3) ? 3 : 0;',
     'size_t bom = size >= 3 && !memcmp(data, "\\xEF\\xBB\\xBF", 3) ? 2 : 0;',
     "UTF-8 BOM skipped one byte short"),
    ("D5", "src/dataset/batch.c",
     "a[j] = (double)sum[j] / nn;",
     "a[j] = (double)sum[j] / (nn + 1);",
     "uint8 standardization mean divided by n+1"),
    # ---- cli
    ("C3", "src/cli/find_handoff.c",
     "double base_lr = cosine ? r->cosine_lr : lrf_trainer_config(t)->optim.lr;",
     "double base_lr = cosine ? r->one_cycle_max_lr : lrf_trainer_config(t)->optim.lr;",
     "--train --schedule cosine trains at max_lr instead of the cosine lr"),
    ("C4", "src/cli/find_handoff.c",
     "if (acc[c] > acc[best] + VERIFY_ACCURACY_MARGIN)",
     "if (acc[c] > acc[best] - VERIFY_ACCURACY_MARGIN)",
     "--verify margin sign flipped"),
    ("C5", "src/cli/cmd_train.c",
     '        cli_json_key(&j, "val_loss");\n        cli_json_number(&j, ep[i].val_loss);',
     '        cli_json_key(&j, "val_loss");\n        cli_json_number(&j, ep[i].val_accuracy);',
     "lrfind train JSON: epoch val_loss holds the accuracy"),
    ("C6", "src/cli/suggest_report.c",
     'fprintf(fp, exact ? "%.17g" : "%.4g", s->lr);',
     'fprintf(fp, exact ? "%.17g" : "%.3g", s->lr);',
     "report prints rule lrs with 3 digits"),
    ("C7", "src/cli/train_options.c",
     "c.optim.momentum = 0.9; /* the CLI's default",
     "c.optim.momentum = 0.8; /* the CLI's default",
     "CLI's SGD momentum default 0.8"),
    ("C8", "src/cli/train_options.c",
     "o->val_split = 0.1;",
     "o->val_split = 0.2;",
     "--val-split default 0.2"),
    ("C9", "src/cli/find_run.c",
     "fcfg.total_steps = lrf_trainer_run_steps(t, o->epochs);",
     "fcfg.total_steps = lrf_trainer_run_steps(t, o->epochs + 1);",
     "hand-off run length one epoch too long"),
    ("C10", "src/cli/cmd_suggest.c",
     "struct lrf_finder_config cfg = lrf_finder_config_compat(compat);",
     "struct lrf_finder_config cfg = lrf_finder_config_compat(LRF_FINDER_COMPAT_NONE);",
     "suggest --compat ignored for the analysis"),
    ("C11", "src/cli/find_handoff.c",
     'cli_json_field_number(j, "factor", factors[c]);',
     'cli_json_field_number(j, "factor", lr[c]);',
     "--verify JSON: factor holds the lr"),
    ("C12", "src/cli/suggest_report.c",
     'cli_json_field_int(j, "index", s->index);',
     'cli_json_field_int(j, "index", s->index + 1);',
     "JSON rule index off by one"),
    ("C13", "src/cli/find_handoff.c",
     'cli_json_field_number(j, "val_accuracy", done ? ep[done - 1].val_accuracy : (double)NAN);',
     'cli_json_field_number(j, "val_accuracy", done ? ep[0].val_accuracy : (double)NAN);',
     "--train JSON: final accuracy from the first epoch"),
    # ---- train
    ("T1", "src/train/train_fit.c",
     "ep.train_loss = ep.samples ? loss_sum / (double)ep.samples : (double)NAN;",
     "ep.train_loss = ep.samples ? loss_sum / (double)(ep.samples + 1) : (double)NAN;",
     "epoch train loss averaged over one sample too many"),
]

# id -> why a survivor is an equivalent change (none so far).
EQUIVALENT = {}


def sh(cmd, cwd, log=None, timeout=None):
    r = subprocess.run(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       text=True, timeout=timeout)
    if log is not None:
        log.append(r.stdout)
    return r.returncode, r.stdout


def copy_tree(dst):
    files = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                           cwd=ROOT, stdout=subprocess.PIPE, check=True).stdout.split(b"\0")
    for f in files:
        if not f:
            continue
        rel = f.decode()
        src = os.path.join(ROOT, rel)
        if not os.path.isfile(src):
            continue
        out = os.path.join(dst, rel)
        os.makedirs(os.path.dirname(out), exist_ok=True)
        shutil.copy2(src, out)


def failed_tests(output):
    names = re.findall(r"^\s*\d+ - (\S+) \((?:Failed|Timeout|SEGFAULT|Subprocess aborted|"
                       r"Child aborted|Exception|Not Run)[^)]*\)", output, re.M)
    return sorted(set(names))


def run_ctest(tree, jobs, regex):
    cmd = ["ctest", "--test-dir", "build", "--parallel", str(jobs), "--timeout", "600"]
    if regex:
        cmd += ["-R", regex]
    code, out = sh(cmd, tree)
    return code, failed_tests(out), out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--only", help="comma-separated mutant ids")
    ap.add_argument("--list", action="store_true")
    ap.add_argument("--keep", action="store_true")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--tests", help="ctest -R regex (default: every test)")
    args = ap.parse_args()
    chosen = MUTANTS
    if args.only:
        want = set(args.only.split(","))
        chosen = [m for m in MUTANTS if m[0] in want]
        unknown = want - {m[0] for m in chosen}
        if unknown:
            sys.exit("mutate: unknown ids: " + ", ".join(sorted(unknown)))
    if args.list:
        for mid, path, _, _, what in chosen:
            print("%-4s %-28s %s" % (mid, path, what))
        print("%d mutants" % len(chosen))
        return 0

    tree = tempfile.mkdtemp(prefix="lrf-mutate-")
    print("mutate: copy in %s" % tree, flush=True)
    results = []
    try:
        copy_tree(tree)
        code, out = sh(["cmake", "-S", ".", "-B", "build", "-DCMAKE_BUILD_TYPE=Release"], tree)
        if code:
            print(out)
            sys.exit("mutate: cmake failed")
        code, out = sh(["cmake", "--build", "build", "--parallel", str(args.jobs)], tree)
        if code:
            print(out[-4000:])
            sys.exit("mutate: the unmutated tree does not build")
        code, failed, out = run_ctest(tree, args.jobs, args.tests)
        if code:
            print(out[-4000:])
            sys.exit("mutate: the unmutated suite fails (%s); fix that first" % ", ".join(failed))
        print("mutate: baseline builds and passes; %d mutants" % len(chosen), flush=True)
        for mid, rel, old, new, what in chosen:
            t0 = time.time()
            path = os.path.join(tree, rel)
            with open(path) as f:
                orig = f.read()
            count = orig.count(old)
            if count != 1:
                status, detail = "STALE", "text found %d times" % count
            else:
                with open(path, "w") as f:
                    f.write(orig.replace(old, new))
                code, out = sh(["cmake", "--build", "build", "--parallel", str(args.jobs)], tree)
                if code:
                    status, detail = "BUILD-ERROR", out[-600:].strip().replace("\n", " | ")
                else:
                    code, failed, out = run_ctest(tree, args.jobs, args.tests)
                    if code:
                        status, detail = "killed", ", ".join(failed) or "ctest failed"
                    elif mid in EQUIVALENT:
                        status, detail = "equivalent", EQUIVALENT[mid]
                    else:
                        status, detail = "SURVIVED", ""
                with open(path, "w") as f:
                    f.write(orig)
            results.append((mid, rel, what, status, detail))
            print("%-4s %-12s %-28s %s%s  (%.0f s)" % (mid, status, rel, what,
                                                       " -- " + detail if detail else "",
                                                       time.time() - t0), flush=True)
    finally:
        if args.keep:
            print("mutate: kept %s" % tree)
        else:
            shutil.rmtree(tree, ignore_errors=True)
    bad = [r for r in results if r[3] not in ("killed", "equivalent")]
    print("\nmutate: %d mutants: %d killed, %d equivalent, %d survived, %d stale, "
          "%d did not build" % (len(results), sum(r[3] == "killed" for r in results),
                                sum(r[3] == "equivalent" for r in results),
                                sum(r[3] == "SURVIVED" for r in results),
                                sum(r[3] == "STALE" for r in results),
                                sum(r[3] == "BUILD-ERROR" for r in results)))
    for mid, rel, what, status, detail in bad:
        print("  %s %s: %s (%s)" % (status, mid, what, rel))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
