/* gzip input, recognized by its magic bytes whatever the file is called:
 * inflated into memory with zlib (members one after another, as gzip -d
 * reads them), polling for an interrupt as it goes. */
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "dataset/internal.h"

enum { INFLATE_STEP = 1 << 20 }; /* output bytes between two interrupt polls */

bool ds_is_gzip(const char *data, size_t size)
{
    return size >= 2 && (unsigned char)data[0] == 0x1f && (unsigned char)data[1] == 0x8b;
}

static bool grow_output(char **out, size_t *cap, size_t need)
{
    if (need <= *cap)
        return true;
    size_t c = *cap * 2 > need ? *cap * 2 : need;
    char *q = realloc(*out, c);
    if (!q)
        return false;
    *out = q;
    *cap = c;
    return true;
}

/* Inflates every member; the zlib status it ended on. */
static int inflate_all(z_stream *zs, const char *in, size_t n, char **out, size_t *len,
                       const struct lrf_dataset_options *opt, bool *stopped)
{
    size_t cap = 0;
    int r = Z_OK;
    zs->next_in = (Bytef *)(uintptr_t)in;
    zs->avail_in = (uInt)n;
    for (;;) {
        if (ds_interrupted(opt)) {
            *stopped = true;
            return Z_OK;
        }
        if (!grow_output(out, &cap, *len + INFLATE_STEP + 1))
            return Z_MEM_ERROR;
        zs->next_out = (Bytef *)(*out + *len);
        zs->avail_out = INFLATE_STEP;
        r = inflate(zs, Z_NO_FLUSH);
        *len += INFLATE_STEP - zs->avail_out;
        if (r == Z_STREAM_END) {
            /* Another member may follow; anything else after it is ignored. */
            if (zs->avail_in < 2 || !ds_is_gzip((const char *)zs->next_in, zs->avail_in))
                return Z_STREAM_END;
            r = inflateReset(zs);
        }
        if (r != Z_OK)
            return r;
        if (zs->avail_in == 0 && zs->avail_out != 0)
            return Z_BUF_ERROR; /* input used up without the end of the stream */
    }
}

enum lrf_status ds_gunzip(const char *name, const char *in, size_t n,
                          const struct lrf_dataset_options *opt, char **out, size_t *out_len,
                          struct lrf_error *err)
{
    if (n > (size_t)UINT32_MAX)
        return lrf_error_set_at(err, LRF_ERR_UNSUPPORTED, name, 0, 0,
                                "gzip input over 4 GB: decompress it first");
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK)
        return lrf_error_set(err, LRF_ERR_NOMEM, "out of memory for zlib");
    char *buf = NULL;
    size_t len = 0;
    bool stopped = false;
    int r = inflate_all(&zs, in, n, &buf, &len, opt, &stopped);
    enum lrf_status st = LRF_OK;
    if (stopped)
        st = lrf_error_set_at(err, LRF_ERR_INTERRUPTED, name, 0, 0, "interrupted");
    else if (r == Z_MEM_ERROR)
        st = lrf_error_set_at(err, LRF_ERR_NOMEM, name, 0, 0, "out of memory decompressing");
    else if (r == Z_BUF_ERROR)
        st = lrf_error_set_at(err, LRF_ERR_PARSE, name, 0, 0,
                              "truncated gzip stream: the file ends before the compressed data "
                              "does (an interrupted download or copy?)");
    else if (r != Z_STREAM_END)
        st = lrf_error_set_at(err, LRF_ERR_PARSE, name, 0, 0, "corrupt gzip stream: %s",
                              zs.msg ? zs.msg : "invalid compressed data");
    inflateEnd(&zs);
    if (st != LRF_OK) {
        free(buf);
        return st;
    }
    *out = buf;
    *out_len = len;
    return LRF_OK;
}
