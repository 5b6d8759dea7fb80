/* --shape and --layout, shared by the range test, train and inspect: the rows'
 * image shape when detection (lrf_dataset_shape) is wrong or silent, applied to
 * the loaded training data; and the printing of the shape decision. */
#ifndef LRF_CLI_IMAGE_OPTIONS_H
#define LRF_CLI_IMAGE_OPTIONS_H

#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>

#include "cli/json.h"
#include "lrf/dataset.h"

/* getopt_long values, outside every other option table's. */
enum { CLI_IOPT_SHAPE = 0x1200, CLI_IOPT_LAYOUT };

#define CLI_IMAGE_LONG_OPTIONS                                                                     \
    {"shape", required_argument, NULL, CLI_IOPT_SHAPE},                                            \
    {                                                                                              \
        "layout", required_argument, NULL, CLI_IOPT_LAYOUT                                         \
    }

#define CLI_IMAGE_OPTIONS_USAGE                                                                    \
    "      --shape C,H,W       the rows are images of C channels of H x W pixels (none: not\n"     \
    "                          images); default: detected from the header (pixel0.., a0..,\n"      \
    "                          r0../g0../b0..) or the feature count (784, 3072)\n"                 \
    "      --layout L          chw (channel planes, default) or hwc (interleaved pixels)\n"

struct cli_image_options {
    struct lrf_image_shape shape;
    bool shape_set;
    enum lrf_layout layout;
    bool layout_set;
};

/* Handles getopt_long's result c if it is --shape or --layout: 1 = handled,
 * 0 = not one of them, -1 = bad value (a usage error was printed). */
int cli_image_option(struct cli_image_options *o, int c, const char *arg);

/* True when --shape or --layout was given. */
bool cli_image_options_given(const struct cli_image_options *o);
/* They need --data (the built-in images are 1x28x28): CLI_EXIT_OK, or a usage error
 * printed and CLI_EXIT_USAGE. */
int cli_image_options_check(const struct cli_image_options *o, const char *data);

/* Applies --shape/--layout to ds (loaded from name). LRF_ERR_INVALID_ARG when they
 * do not fit, err's message the usage error to print ("NAME: --shape 3,32,30: ...
 * has 2880 values, but the data has 3072 features"). */
enum lrf_status cli_image_apply(const struct cli_image_options *o, struct lrf_dataset *ds,
                                const char *name, struct lrf_error *err);

/* "3x32x32 images, chw (header a0..a3071: ...)" or "not images (why)" into buf. */
const char *cli_image_describe(const struct lrf_dataset *ds, char *buf, size_t size);

/* The reports' data line's part about images: " = 3x32x32 images, chw (why)", or
 * nothing when the rows are not images. */
void cli_image_print_data(FILE *fp, const struct lrf_dataset *ds);

/* The shape as JSON fields of the open object: "shape": [C, H, W] or null,
 * "layout", "shape_why". */
void cli_image_json(struct cli_json *j, const struct lrf_dataset *ds);

#endif
