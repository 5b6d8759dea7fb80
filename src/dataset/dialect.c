/* Reading decisions taken from the first lines, before any value is parsed:
 * the field separator (sniffed among , ; tab | unless given) and the decimal
 * mark (a decimal comma is taken with ';' when the numbers are written so). */
#include <stdio.h>
#include <string.h>

#include "dataset/internal.h"

enum {
    SNIFF_LINES = 64,           /* lines looked at */
    SNIFF_BYTES = 1 << 16,      /* bytes looked at */
    SNIFF_MAJORITY_PERCENT = 80 /* a separator may miss this share of lines */
};

static const char CANDIDATES[] = {',', '\t', ';', '|'};
enum { NCAND = sizeof CANDIDATES };

/* Per line, how often each candidate appears outside quotes. */
struct sniff {
    unsigned count[SNIFF_LINES][NCAND];
    int lines;
};

static void count_lines(const char *s, size_t n, bool whole, struct sniff *sn)
{
    memset(sn, 0, sizeof *sn);
    bool quoted = false, any = false;
    unsigned cur[NCAND] = {0};
    for (size_t i = 0; i < n && sn->lines < SNIFF_LINES; i++) {
        char c = s[i];
        if (c == '"') {
            quoted = !quoted;
        } else if (!quoted && (c == '\n' || c == '\r')) {
            if (any)
                memcpy(sn->count[sn->lines++], cur, sizeof cur);
            memset(cur, 0, sizeof cur);
            any = false;
            continue;
        }
        for (int k = 0; k < NCAND && !quoted; k++)
            cur[k] += c == CANDIDATES[k];
        any |= c != ' ';
    }
    if (any && whole && sn->lines < SNIFF_LINES) /* a last line without a line end */
        memcpy(sn->count[sn->lines++], cur, sizeof cur);
}

/* The count most lines have for candidate k, and on how many lines. */
static unsigned mode_count(const struct sniff *sn, int k, int *lines_with_it)
{
    unsigned best = 0;
    int best_n = 0;
    for (int i = 0; i < sn->lines; i++) {
        int n = 0;
        for (int l = 0; l < sn->lines; l++)
            n += sn->count[l][k] == sn->count[i][k];
        if (sn->count[i][k] > 0 && (n > best_n || (n == best_n && sn->count[i][k] > best))) {
            best = sn->count[i][k];
            best_n = n;
        }
    }
    *lines_with_it = best_n;
    return best;
}

/* The best candidate, or -1 when the lines do not tell. */
static int pick_separator(const struct sniff *sn)
{
    int best = -1, appearing = 0, last_appearing = -1;
    int best_lines = 0;
    unsigned best_count = 0;
    for (int k = 0; k < NCAND; k++) {
        int lines;
        unsigned c = mode_count(sn, k, &lines);
        if (c == 0)
            continue;
        appearing++;
        last_appearing = k;
        /* More lines agreeing wins, then more fields; ';' beats ',' on a tie
         * (commas in a ';' file are decimal commas). */
        bool better = lines > best_lines || (lines == best_lines && c > best_count) ||
                      (lines == best_lines && c == best_count && CANDIDATES[k] == ';');
        if (better) {
            best = k;
            best_lines = lines;
            best_count = c;
        }
    }
    if (appearing == 1)
        return last_appearing;
    if (best >= 0 && best_lines * 100 >= sn->lines * SNIFF_MAJORITY_PERCENT)
        return best;
    return appearing == 0 ? 0 : -1;
}

/* A number written with a decimal comma ("-1,5") or point ("1.5"): 1, 2, or 0. */
static int decimal_style(const char *f, size_t n)
{
    size_t i = n > 0 && (f[0] == '-' || f[0] == '+');
    size_t digits = 0, marks = 0;
    char mark = 0;
    for (; i < n; i++) {
        if (f[i] >= '0' && f[i] <= '9') {
            digits++;
        } else if ((f[i] == ',' || f[i] == '.') && !marks) {
            marks++;
            mark = f[i];
        } else {
            return 0;
        }
    }
    return digits < 2 || !marks ? 0 : mark == ',' ? 1 : 2;
}

/* Decimal comma when the head's ';'-separated fields use it more than a point. */
static char sniff_decimal(const char *s, size_t n)
{
    int comma = 0, point = 0;
    size_t start = 0;
    for (size_t i = 0; i <= n; i++) {
        if (i < n && s[i] != ';' && s[i] != '\n' && s[i] != '\r')
            continue;
        const char *f = s + start;
        size_t len = i - start;
        while (len > 0 && (*f == '"' || *f == ' ')) {
            f++;
            len--;
        }
        while (len > 0 && (f[len - 1] == '"' || f[len - 1] == ' '))
            len--;
        int st = decimal_style(f, len);
        comma += st == 1;
        point += st == 2;
        start = i + 1;
    }
    return comma > point ? ',' : '.';
}

enum lrf_status ds_sniff_dialect(const char *name, const char *data, size_t size, bool whole,
                                 const struct lrf_dataset_options *opt, struct ds_schema *s,
                                 struct lrf_error *err)
{
    size_t n = size < SNIFF_BYTES ? size : SNIFF_BYTES;
    s->sep_given = opt->sep != 0;
    s->sep = opt->sep;
    if (!s->sep) {
        struct sniff sn;
        count_lines(data, n, whole && n == size, &sn);
        int k = pick_separator(&sn);
        if (k < 0)
            return lrf_error_set_at(err, LRF_ERR_PARSE, name, 1, 0,
                                    "cannot determine the field separator: the first %d lines "
                                    "do not agree on , ; tab or | (give it with --sep)",
                                    sn.lines);
        s->sep = CANDIDATES[k];
    }
    s->decimal = opt->decimal ? opt->decimal : s->sep == ';' ? sniff_decimal(data, n) : '.';
    return LRF_OK;
}
