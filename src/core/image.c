/* Image layouts and shapes (lrf/image.h): names and the "C,H,W" parser. */
#include "lrf/image.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* Larger sides than this are a typo, and keep C*H*W within a long. */
enum { IMAGE_SIDE_MAX = 65535 };

const char *lrf_layout_name(enum lrf_layout layout)
{
    switch (layout) {
    case LRF_LAYOUT_CHW:
        return "chw";
    case LRF_LAYOUT_HWC:
        return "hwc";
    default:
        return "unknown";
    }
}

enum lrf_status lrf_layout_parse(const char *text, enum lrf_layout *out, struct lrf_error *err)
{
    for (int k = 0; k < LRF_LAYOUT_COUNT; k++)
        if (text && !strcmp(text, lrf_layout_name((enum lrf_layout)k))) {
            *out = (enum lrf_layout)k;
            return LRF_OK;
        }
    return lrf_error_set(err, LRF_ERR_INVALID_ARG,
                         "expected chw (channel planes) or hwc (interleaved pixels), got '%s'",
                         text ? text : "(null)");
}

enum lrf_status lrf_image_shape_parse(const char *text, struct lrf_image_shape *out,
                                      struct lrf_error *err)
{
    struct lrf_image_shape s = {0, 0, 0, LRF_LAYOUT_CHW};
    if (text && !strcmp(text, "none")) {
        *out = s;
        return LRF_OK;
    }
    int *dims[3] = {&s.channels, &s.height, &s.width};
    const char *p = text ? text : "";
    for (int k = 0; k < 3; k++) {
        char *end;
        errno = 0;
        long v = strtol(p, &end, 10);
        bool sep_ok = k < 2 ? *end == ',' : *end == '\0';
        if (end == p || !sep_ok || errno || v < 1 || v > IMAGE_SIDE_MAX || *p == '+' || *p == ' ')
            return lrf_error_set(err, LRF_ERR_INVALID_ARG,
                                 "expected C,H,W (channels, height, width; each 1..%d, e.g. "
                                 "3,32,32) or none, got '%s'",
                                 IMAGE_SIDE_MAX, text ? text : "(null)");
        *dims[k] = (int)v;
        p = end + 1;
    }
    *out = s;
    return LRF_OK;
}
