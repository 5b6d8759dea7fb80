/* Number fields: an exact fast path for plain integers and short decimals,
 * strtof (correctly rounded) for everything else, and a strict character set
 * so that "nan", "inf" and hex floats are refused rather than half-accepted. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "dataset/internal.h"

/* Powers of ten exactly representable in float (5^10 < 2^24), so that
 * m / 10^k with m < 2^24 is one correctly rounded division: the same result
 * strtof gives (Clinger's fast path in single precision). */
static const float pow10f_exact[] = {1e0f, 1e1f, 1e2f, 1e3f, 1e4f, 1e5f,
                                     1e6f, 1e7f, 1e8f, 1e9f, 1e10f};

enum { NUMBER_TEXT_MAX = 512 };

static bool equals_lower(const char *s, size_t len, const char *word)
{
    size_t n = strlen(word);
    if (len != n)
        return false;
    for (size_t i = 0; i < n; i++)
        if ((s[i] | 0x20) != word[i])
            return false;
    return true;
}

/* Spelled-out non-finite values get their own message: they are numbers to
 * the user, just not usable ones. */
static bool is_nan_or_inf(const char *s, size_t len)
{
    if (len > 0 && (s[0] == '-' || s[0] == '+')) {
        s++;
        len--;
    }
    return equals_lower(s, len, "nan") || equals_lower(s, len, "inf") ||
           equals_lower(s, len, "infinity");
}

bool ds_is_missing(const char *s, size_t len)
{
    while (len > 0 && (s[0] == ' ' || s[0] == '\t')) {
        s++;
        len--;
    }
    while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t'))
        len--;
    if (len == 0 || (len == 1 && s[0] == '?'))
        return true;
    if (len > 4)
        return false;
    return equals_lower(s, len, "na") || equals_lower(s, len, "n/a") ||
           equals_lower(s, len, "nan") || equals_lower(s, len, "null") ||
           equals_lower(s, len, "none");
}

int ds_parse_number_dec(const char *s, size_t len, char dec, float *out)
{
    if (dec != ',')
        return ds_parse_number(s, len, out);
    /* With a decimal comma, a '.' makes it text: thousands separators are not read. */
    if (len >= NUMBER_TEXT_MAX || memchr(s, '.', len))
        return 2;
    char buf[NUMBER_TEXT_MAX];
    memcpy(buf, s, len);
    char *comma = memchr(buf, ',', len);
    if (comma)
        *comma = '.';
    return ds_parse_number(buf, len, out);
}

int ds_parse_number(const char *s, size_t len, float *out)
{
    if (len == 0)
        return 1;
    size_t i = 0;
    bool neg = false;
    if (s[0] == '-' || s[0] == '+') {
        neg = s[0] == '-';
        i = 1;
    }
    uint32_t m = 0;
    size_t digits = 0, frac = 0;
    bool dot = false, simple = true;
    for (; i < len; i++) {
        unsigned d = (unsigned)(s[i] - '0');
        if (d < 10) {
            if (m >= (1u << 24) / 10) {
                simple = false;
                break;
            }
            m = m * 10 + d;
            digits++;
            frac += dot;
        } else if (s[i] == '.' && !dot) {
            dot = true;
        } else {
            simple = false;
            break;
        }
    }
    if (simple && digits > 0 && frac < sizeof pow10f_exact / sizeof pow10f_exact[0]) {
        float v = (float)m / pow10f_exact[frac];
        *out = neg ? -v : v;
        return 0;
    }
    /* General path: only characters that can appear in a decimal number. */
    for (size_t k = 0; k < len; k++) {
        char c = s[k];
        if (!((c >= '0' && c <= '9') || c == '.' || c == 'e' || c == 'E' || c == '+' || c == '-')) {
            return is_nan_or_inf(s, len) ? 3 : 2;
        }
    }
    if (len >= NUMBER_TEXT_MAX)
        return 2;
    char buf[NUMBER_TEXT_MAX];
    memcpy(buf, s, len);
    buf[len] = '\0';
    char *end;
    float v = strtof(buf, &end);
    if (end != buf + len)
        return 2;
    if (!isfinite(v))
        return 3;
    *out = v;
    return 0;
}
