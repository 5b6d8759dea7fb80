/* The model file's layout (include/lrf/model_file.h documents it), shared by its writer
 * (model_file.c) and its reader (model_file_read.c). */
#ifndef LRF_TRAIN_MODEL_FILE_FORMAT_H
#define LRF_TRAIN_MODEL_FILE_FORMAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lrf/model_file.h"

static const char MF_MAGIC[8] = {'L', 'R', 'F', 'M', 'O', 'D', 'E', 'L'};
enum {
    MF_HEADER_BYTES = 48,
    MF_SECTION_BYTES = 16, /* tag, zero, length */
    MF_TRAILER_BYTES = 8,
    MF_CONF_INTS = 26,
    MF_TASK_BYTES = 24,
};
static const uint32_t MF_BYTE_ORDER = 0x01020304u;

/* The sections, by their four-letter tags. */
enum mf_section { MF_CONF, MF_PARM, MF_STAT, MF_NORM, MF_ENCD, MF_TASK, MF_INFO, MF_SECTIONS };
static const char MF_TAGS[MF_SECTIONS][4] = {
    {'C', 'O', 'N', 'F'}, {'P', 'A', 'R', 'M'}, {'S', 'T', 'A', 'T'}, {'N', 'O', 'R', 'M'},
    {'E', 'N', 'C', 'D'}, {'T', 'A', 'S', 'K'}, {'I', 'N', 'F', 'O'}};

/* FNV-1a 64 of data: the trailer's checksum. */
static inline uint64_t mf_checksum(const unsigned char *data, size_t n)
{
    uint64_t h = 0xCBF29CE484222325ull;
    for (size_t i = 0; i < n; i++)
        h = (h ^ data[i]) * 0x100000001B3ull;
    return h;
}

/* The model config as the CONF section's integers, and back (false: out of range). */
void mf_config_to_ints(const struct lrf_model_config *c, int32_t *v);
bool mf_config_from_ints(const int32_t *v, struct lrf_model_config *c);

#endif
