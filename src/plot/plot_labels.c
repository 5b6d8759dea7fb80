/* Label placement for the suggestion markers: a small greedy search over a few offsets per
 * label, enough for the handful of rules a range test reports. */
#include <math.h>
#include <stdlib.h>

#include "plot/plot_internal.h"

enum { MAX_LABELS = 64, MAX_LINES_AWAY = 3 };
static const double LABEL_GAP = 1.0;        /* characters kept free between two labels */
static const double POINT_HALF_WIDTH = 0.5; /* a marker point, in characters */

struct box {
    double x0, x1, row;
};

static struct box box_of(const struct plot_label *l, int right, int dy)
{
    struct box b;
    b.x0 = right ? l->x + 1 : l->x - 1 - l->len;
    b.x1 = b.x0 + l->len;
    b.row = l->y + dy;
    return b;
}

static int overlaps(struct box a, struct box b)
{
    return fabs(a.row - b.row) < 1.0 && a.x0 < b.x1 + LABEL_GAP && b.x0 < a.x1 + LABEL_GAP;
}

static int inside(struct box b, double width, double height)
{
    return b.x0 >= 0 && b.x1 <= width && b.row >= 0.5 && b.row <= height - 0.5;
}

void plot_place_labels(struct plot_label *labels, size_t n, double width, double height)
{
    if (n > MAX_LABELS)
        n = MAX_LABELS;
    size_t order[MAX_LABELS];
    for (size_t i = 0; i < n; i++)
        order[i] = i;
    /* Stable insertion sort by priority, highest first. */
    for (size_t i = 1; i < n; i++)
        for (size_t j = i; j > 0 && labels[order[j]].priority > labels[order[j - 1]].priority;
             j--) {
            size_t t = order[j];
            order[j] = order[j - 1];
            order[j - 1] = t;
        }
    /* The points themselves are obstacles too: a label must not cover another marker. */
    struct box placed[2 * MAX_LABELS];
    size_t n_placed = 0;
    for (size_t i = 0; i < n; i++) {
        struct box p = {labels[i].x - POINT_HALF_WIDTH, labels[i].x + POINT_HALF_WIDTH,
                        labels[i].y};
        placed[n_placed++] = p;
    }
    for (size_t oi = 0; oi < n; oi++) {
        struct plot_label *l = &labels[order[oi]];
        int up = l->prefer_up ? 1 : -1;
        int best_right = l->prefer_right, best_dy = up, found = 0;
        /* Nearest first: preferred side up/down at distance 1, the other side, then 2, 3. */
        for (int dist = 1; dist <= MAX_LINES_AWAY && !found; dist++) {
            for (int c = 0; c < 4 && !found; c++) {
                int right = c < 2 ? l->prefer_right : !l->prefer_right;
                int dy = (c % 2 == 0 ? up : -up) * dist;
                struct box b = box_of(l, right, dy);
                if (!inside(b, width, height))
                    continue;
                int clash = 0;
                for (size_t p = 0; p < n_placed && !clash; p++)
                    clash = overlaps(b, placed[p]);
                if (!clash) {
                    best_right = right, best_dy = dy, found = 1;
                }
            }
        }
        l->right = best_right;
        l->dy = best_dy;
        placed[n_placed++] = box_of(l, best_right, best_dy);
    }
}
