/* --shape and --layout, and the shape decision in reports (image_options.h). */
#include "cli/image_options.h"

#include <stdio.h>

#include "cli/cli.h"

int cli_image_option(struct cli_image_options *o, int c, const char *arg)
{
    struct lrf_error err;
    switch (c) {
    case CLI_IOPT_SHAPE:
        if (lrf_image_shape_parse(arg, &o->shape, &err) != LRF_OK)
            return cli_usage_error("--shape: %s", err.message), -1;
        o->shape_set = true;
        return 1;
    case CLI_IOPT_LAYOUT:
        if (lrf_layout_parse(arg, &o->layout, &err) != LRF_OK)
            return cli_usage_error("--layout: %s", err.message), -1;
        o->layout_set = true;
        return 1;
    default:
        return 0;
    }
}

bool cli_image_options_given(const struct cli_image_options *o)
{
    return o->shape_set || o->layout_set;
}

int cli_image_options_check(const struct cli_image_options *o, const char *data)
{
    if (!data && cli_image_options_given(o))
        return cli_usage_error("--shape and --layout need --data (the built-in dataset's images "
                               "are 1x28x28)");
    return CLI_EXIT_OK;
}

enum lrf_status cli_image_apply(const struct cli_image_options *o, struct lrf_dataset *ds,
                                const char *name, struct lrf_error *err)
{
    if (!cli_image_options_given(o))
        return LRF_OK;
    struct lrf_image_shape s = o->shape_set ? o->shape : lrf_dataset_shape(ds);
    if (o->layout_set && s.channels == 0)
        return lrf_error_set(err, LRF_ERR_INVALID_ARG,
                             "%s: --layout %s: the rows are not images (%s); give their shape "
                             "with --shape C,H,W",
                             name, lrf_layout_name(o->layout), lrf_dataset_shape_reason(ds));
    if (o->layout_set)
        s.layout = o->layout;
    else if (o->shape_set)
        s.layout = LRF_LAYOUT_CHW;
    char why[64];
    snprintf(why, sizeof why, "%s%s%s", o->shape_set ? "--shape" : "",
             o->shape_set && o->layout_set ? ", " : "", o->layout_set ? "--layout" : "");
    struct lrf_error e;
    if (lrf_dataset_set_shape(ds, &s, why, &e) != LRF_OK)
        return lrf_error_set(err, LRF_ERR_INVALID_ARG, "%s: --shape %d,%d,%d: %s", name, s.channels,
                             s.height, s.width, e.message);
    return LRF_OK;
}

const char *cli_image_describe(const struct lrf_dataset *ds, char *buf, size_t size)
{
    struct lrf_image_shape s = lrf_dataset_shape(ds);
    if (s.channels == 0)
        snprintf(buf, size, "not images (%s)", lrf_dataset_shape_reason(ds));
    else
        snprintf(buf, size, "%dx%dx%d images, %s (%s)", s.channels, s.height, s.width,
                 lrf_layout_name(s.layout), lrf_dataset_shape_reason(ds));
    return buf;
}

void cli_image_print_data(FILE *fp, const struct lrf_dataset *ds)
{
    char buf[512];
    if (lrf_dataset_shape(ds).channels)
        fprintf(fp, " = %s", cli_image_describe(ds, buf, sizeof buf));
}

void cli_image_json(struct cli_json *j, const struct lrf_dataset *ds)
{
    struct lrf_image_shape s = lrf_dataset_shape(ds);
    cli_json_key(j, "shape");
    if (s.channels == 0) {
        cli_json_null(j);
    } else {
        cli_json_array_begin(j);
        cli_json_int(j, s.channels);
        cli_json_int(j, s.height);
        cli_json_int(j, s.width);
        cli_json_array_end(j);
    }
    cli_json_field_string(j, "layout", s.channels ? lrf_layout_name(s.layout) : "");
    cli_json_field_string(j, "shape_why", lrf_dataset_shape_reason(ds));
}
