/* Label placement for the suggestion markers: a small greedy search over a few offsets per
 * label, enough for the handful of rules a range test reports. Its promise is the one a
 * reader needs: two shown labels never overlap, and none leaves the plot area. A label that
 * fits nowhere is hidden rather than drawn over another (the key and the report still name
 * its rule and lr). */
#include <math.h>
#include <stdlib.h>

#include "plot/plot_internal.h"

/* Farther than this from its point, a label would read as another point's (the default). */
enum { MAX_LABELS = 64, MAX_LINES_AWAY = 4 };
static const double LABEL_GAP = 1.0;        /* characters kept free between two labels */
static const double POINT_HALF_WIDTH = 0.5; /* a marker point, in characters */

int plot_label_box(const struct plot_label *l, struct plot_box *out)
{
    out->x0 = l->right ? l->x + 1 : l->x - 1 - l->len;
    out->x1 = out->x0 + l->len;
    out->row = l->y + l->dy;
    return !l->hidden;
}

int plot_boxes_overlap(struct plot_box a, struct plot_box b)
{
    return fabs(a.row - b.row) < 1.0 && a.x0 < b.x1 + LABEL_GAP && b.x0 < a.x1 + LABEL_GAP;
}

static struct plot_box box_at(const struct plot_label *l, int right, int dy)
{
    struct plot_label t = *l;
    struct plot_box b;
    t.right = right;
    t.dy = dy;
    t.hidden = 0;
    plot_label_box(&t, &b);
    return b;
}

static int inside(struct plot_box b, double width, double height)
{
    return b.x0 >= 0 && b.x1 <= width && b.row >= 0.5 && b.row <= height - 0.5;
}

/* Indices of labels by priority, highest first, input order among equals (stable). */
static void priority_order(const struct plot_label *labels, size_t n, size_t *order)
{
    for (size_t i = 0; i < n; i++)
        order[i] = i;
    for (size_t i = 1; i < n; i++)
        for (size_t j = i; j > 0 && labels[order[j]].priority > labels[order[j - 1]].priority;
             j--) {
            size_t t = order[j];
            order[j] = order[j - 1];
            order[j - 1] = t;
        }
}

static int clashes(struct plot_box b, const struct plot_box *placed, size_t n_placed,
                   const struct plot_label_area *area, int avoid_soft)
{
    if (!inside(b, area->width, area->height))
        return 1;
    for (size_t p = 0; p < n_placed; p++)
        if (plot_boxes_overlap(b, placed[p]))
            return 1;
    for (size_t p = 0; avoid_soft && p < area->n_soft; p++) {
        struct plot_box o = area->soft[p];
        if (fabs(b.row - o.row) < 1.0 && b.x0 < o.x1 && o.x0 < b.x1)
            return 1;
    }
    return 0;
}

/* The first free place for l, nearest first: the preferred side up/down at distance 1, the
 * other side, then farther lines; off the soft obstacles if possible. False when none. */
static int find_place(struct plot_label *l, const struct plot_box *placed, size_t n_placed,
                      const struct plot_label_area *area)
{
    int up = l->prefer_up ? 1 : -1;
    int away = area->max_away > 0 ? area->max_away : MAX_LINES_AWAY;
    for (int avoid_soft = 1; avoid_soft >= 0; avoid_soft--)
        for (int dist = 1; dist <= away; dist++)
            for (int c = 0; c < 4; c++) {
                int right = c < 2 ? l->prefer_right : !l->prefer_right;
                int dy = (c % 2 == 0 ? up : -up) * dist;
                if (!clashes(box_at(l, right, dy), placed, n_placed, area, avoid_soft)) {
                    l->right = right;
                    l->dy = dy;
                    return 1;
                }
            }
    return 0;
}

void plot_place_labels(struct plot_label *labels, size_t n, const struct plot_label_area *area)
{
    if (n > MAX_LABELS)
        n = MAX_LABELS;
    size_t order[MAX_LABELS];
    priority_order(labels, n, order);
    /* Obstacles: every marker point, and the fixed labels where their caller put them. */
    struct plot_box placed[2 * MAX_LABELS];
    size_t n_placed = 0;
    for (size_t i = 0; i < n; i++) {
        struct plot_box p = {labels[i].x - POINT_HALF_WIDTH, labels[i].x + POINT_HALF_WIDTH,
                             labels[i].y};
        placed[n_placed++] = p;
        labels[i].hidden = 0;
        if (labels[i].fixed)
            plot_label_box(&labels[i], &placed[n_placed++]);
    }
    for (size_t oi = 0; oi < n; oi++) {
        struct plot_label *l = &labels[order[oi]];
        if (l->fixed)
            continue;
        if (find_place(l, placed, n_placed, area))
            plot_label_box(l, &placed[n_placed++]);
        else
            l->hidden = 1;
    }
}
