/*
 * text_parse.c — text to typed slot conversion for the file readers (see text_parse.h).
 *
 * Hand-written because the readers call these once per field: no allocation, no
 * NUL-terminated copy (except DOUBLE, which goes through strtod on a small stack copy).
 */
#include <math.h>
#include <stdlib.h>

#include "expr/function.h"
#include "formats/text_parse.h"

static inline bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

static void trim(const char **s, size_t *n)
{
    const char *p = *s, *e = *s + *n;
    while (p < e && is_space(*p))
        p++;
    while (e > p && is_space(e[-1]))
        e--;
    *s = p;
    *n = (size_t)(e - p);
}

static inline char lower(char c)
{
    return (c >= 'A' && c <= 'Z') ? (char)(c + 32) : c;
}

static bool equals_nocase(const char *s, size_t n, const char *word)
{
    size_t i = 0;
    for (; i < n; i++)
        if (!word[i] || lower(s[i]) != word[i])
            return false;
    return word[i] == '\0';
}

bool sl_text_parse_boolean(const char *s, size_t n, bool *out)
{
    trim(&s, &n);
    if (equals_nocase(s, n, "true") || equals_nocase(s, n, "t") || equals_nocase(s, n, "yes") ||
        equals_nocase(s, n, "y") || (n == 1 && s[0] == '1')) {
        *out = true;
        return true;
    }
    if (equals_nocase(s, n, "false") || equals_nocase(s, n, "f") || equals_nocase(s, n, "no") ||
        equals_nocase(s, n, "n") || (n == 1 && s[0] == '0')) {
        *out = false;
        return true;
    }
    return false;
}

bool sl_text_parse_int64(const char *s, size_t n, int64_t *out)
{
    trim(&s, &n);
    const char *p = s, *e = s + n;
    bool neg = false;
    if (p < e && (*p == '-' || *p == '+'))
        neg = *p++ == '-';
    if (p == e)
        return false;
    uint64_t v = 0;
    for (; p < e; p++) {
        unsigned d = (unsigned)(*p - '0');
        if (d > 9)
            return false;
        if (v > (UINT64_MAX - d) / 10)
            return false;
        v = v * 10 + d;
    }
    if (neg) {
        if (v > (uint64_t)INT64_MAX + 1)
            return false;
        *out = (int64_t)(0 - v);
    } else {
        if (v > (uint64_t)INT64_MAX)
            return false;
        *out = (int64_t)v;
    }
    return true;
}

bool sl_text_parse_double(const char *s, size_t n, double *out)
{
    trim(&s, &n);
    if (n == 0 || n >= 128)
        return false;
    char buf[128];
    memcpy(buf, s, n);
    buf[n] = '\0';
    /* strtod also accepts hex floats; SQL does not */
    for (size_t i = 0; i < n; i++)
        if (buf[i] == 'x' || buf[i] == 'X')
            return false;
    char *end;
    double d = strtod(buf, &end);
    if (end != buf + n)
        return false;
    *out = d;
    return true;
}

bool sl_text_parse_decimal(const char *s, size_t n, int precision, int scale, sl_int128 *out)
{
    trim(&s, &n);
    const char *p = s, *e = s + n;
    bool neg = false;
    if (p < e && (*p == '-' || *p == '+'))
        neg = *p++ == '-';
    sl_int128 v = 0;
    int int_digits = 0, frac_digits = 0;
    bool any = false, round_up = false;
    while (p < e && *p >= '0' && *p <= '9') {
        if (v != 0 || *p != '0')
            int_digits++;
        if (int_digits > precision - scale)
            return false;
        v = v * 10 + (*p - '0');
        p++;
        any = true;
    }
    if (p < e && *p == '.') {
        p++;
        while (p < e && *p >= '0' && *p <= '9') {
            if (frac_digits < scale) {
                v = v * 10 + (*p - '0');
                frac_digits++;
            } else if (frac_digits == scale) {
                round_up = *p >= '5';
                frac_digits++;
            }
            p++;
            any = true;
        }
    }
    if (!any)
        return false;
    if (p < e && (*p == 'e' || *p == 'E')) {
        /* scientific notation: go through double and round */
        double d;
        if (!sl_text_parse_double(s, n, &d))
            return false;
        double scaled = d * (double)sl_pow10_i128(scale);
        scaled = scaled < 0 ? -floor(-scaled + 0.5) : floor(scaled + 0.5);
        if (!(fabs(scaled) < (double)sl_pow10_i128(precision)))
            return false;
        *out = (sl_int128)scaled;
        return true;
    }
    if (p != e)
        return false;
    for (int i = frac_digits; i < scale; i++)
        v *= 10;
    if (round_up)
        v += 1;
    if (v >= sl_pow10_i128(precision))
        return false;
    *out = neg ? -v : v;
    return true;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

static bool is_leap(int64_t y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* Reads 1..max_digits digits. */
static bool read_number(const char **p, const char *e, int max_digits, int64_t *out)
{
    int64_t v = 0;
    int n = 0;
    while (*p < e && **p >= '0' && **p <= '9' && n < max_digits) {
        v = v * 10 + (**p - '0');
        (*p)++;
        n++;
    }
    *out = v;
    return n > 0;
}

/* Parses the date part at *p; leaves *p after it. */
static bool parse_date_prefix(const char **pp, const char *e, int32_t *days)
{
    const char *p = *pp;
    bool neg = false;
    if (p < e && *p == '-')
        neg = true, p++;
    int64_t y, m, d;
    const char *ys = p;
    if (!read_number(&p, e, 7, &y) || p - ys < 1)
        return false;
    if (p >= e || (*p != '-' && *p != '/'))
        return false;
    char sep = *p++;
    if (!read_number(&p, e, 2, &m) || p >= e || *p != sep)
        return false;
    p++;
    if (!read_number(&p, e, 2, &d))
        return false;
    if (neg)
        y = -y;
    static const int mdays[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    if (m < 1 || m > 12 || d < 1)
        return false;
    int max_day = mdays[m - 1] + (m == 2 && is_leap(y));
    if (d > max_day)
        return false;
    int64_t v = days_from_civil(y, (unsigned)m, (unsigned)d);
    if (v < INT32_MIN || v > INT32_MAX)
        return false;
    *days = (int32_t)v;
    *pp = p;
    return true;
}

bool sl_text_parse_date(const char *s, size_t n, int32_t *days)
{
    trim(&s, &n);
    const char *p = s, *e = s + n;
    if (!parse_date_prefix(&p, e, days))
        return false;
    return p == e;
}

bool sl_text_parse_timestamp(const char *s, size_t n, int64_t *micros)
{
    trim(&s, &n);
    const char *p = s, *e = s + n;
    int32_t days;
    if (!parse_date_prefix(&p, e, &days))
        return false;
    int64_t h = 0, mi = 0, sec = 0, frac = 0;
    if (p < e && (*p == ' ' || *p == 'T')) {
        p++;
        while (p < e && *p == ' ')
            p++;
        const char *hs = p;
        if (!read_number(&p, e, 2, &h) || p - hs < 1 || p >= e || *p != ':')
            return false;
        p++;
        if (!read_number(&p, e, 2, &mi))
            return false;
        if (p < e && *p == ':') {
            p++;
            if (!read_number(&p, e, 2, &sec))
                return false;
            if (p < e && *p == '.') {
                p++;
                int digits = 0;
                while (p < e && *p >= '0' && *p <= '9') {
                    if (digits < 6) {
                        frac = frac * 10 + (*p - '0');
                        digits++;
                    }
                    p++;
                }
                if (digits == 0)
                    return false;
                while (digits < 6)
                    frac *= 10, digits++;
            }
        }
        if (h > 24 || mi > 59 || sec > 60 || (h == 24 && (mi || sec || frac)))
            return false;
        /* time zone offset */
        while (p < e && *p == ' ')
            p++;
        if (p < e && (*p == 'Z' || *p == 'z')) {
            p++;
        } else if (p < e && (*p == '+' || *p == '-')) {
            int sign = *p++ == '-' ? -1 : 1;
            int64_t oh = 0, om = 0;
            if (!read_number(&p, e, 2, &oh))
                return false;
            if (p < e && *p == ':')
                p++;
            read_number(&p, e, 2, &om);
            /* local = utc + offset  =>  utc = local - offset */
            h -= sign * oh;
            mi -= sign * om;
        }
    }
    if (p != e)
        return false;
    /* days outside about +-290,000 years do not fit in int64 microseconds */
    int64_t day_micros, time_micros = (((int64_t)h * 60 + mi) * 60 + sec) * 1000000LL + frac;
    if (__builtin_mul_overflow((int64_t)days, 86400000000LL, &day_micros) ||
        __builtin_add_overflow(day_micros, time_micros, micros))
        return false;
    return true;
}

bool sl_text_parse_slot(sl_vector *v, uint32_t row, const char *s, size_t n)
{
    sl_type t = v->type;
    int64_t i;
    switch ((sl_type_id)t.id) {
    case SL_TYPE_BOOLEAN: {
        bool b;
        if (!sl_text_parse_boolean(s, n, &b))
            return false;
        SL_VECTOR_DATA(v, uint8_t)[row] = b;
        return true;
    }
    case SL_TYPE_TINYINT:
        if (!sl_text_parse_int64(s, n, &i) || i < INT8_MIN || i > INT8_MAX)
            return false;
        SL_VECTOR_DATA(v, int8_t)[row] = (int8_t)i;
        return true;
    case SL_TYPE_SMALLINT:
        if (!sl_text_parse_int64(s, n, &i) || i < INT16_MIN || i > INT16_MAX)
            return false;
        SL_VECTOR_DATA(v, int16_t)[row] = (int16_t)i;
        return true;
    case SL_TYPE_INTEGER:
        if (!sl_text_parse_int64(s, n, &i) || i < INT32_MIN || i > INT32_MAX)
            return false;
        SL_VECTOR_DATA(v, int32_t)[row] = (int32_t)i;
        return true;
    case SL_TYPE_BIGINT:
        if (!sl_text_parse_int64(s, n, &i))
            return false;
        SL_VECTOR_DATA(v, int64_t)[row] = i;
        return true;
    case SL_TYPE_REAL: {
        double d;
        if (!sl_text_parse_double(s, n, &d))
            return false;
        SL_VECTOR_DATA(v, float)[row] = (float)d;
        return true;
    }
    case SL_TYPE_DOUBLE: {
        double d;
        if (!sl_text_parse_double(s, n, &d))
            return false;
        SL_VECTOR_DATA(v, double)[row] = d;
        return true;
    }
    case SL_TYPE_DECIMAL: {
        sl_int128 d;
        if (!sl_text_parse_decimal(s, n, t.precision, t.scale, &d))
            return false;
        if (sl_decimal_is_small(t))
            SL_VECTOR_DATA(v, int64_t)[row] = (int64_t)d;
        else
            SL_VECTOR_DATA(v, sl_int128)[row] = d;
        return true;
    }
    case SL_TYPE_DATE: {
        int32_t d;
        if (!sl_text_parse_date(s, n, &d))
            return false;
        SL_VECTOR_DATA(v, int32_t)[row] = d;
        return true;
    }
    case SL_TYPE_TIMESTAMP: {
        int64_t us;
        if (!sl_text_parse_timestamp(s, n, &us))
            return false;
        SL_VECTOR_DATA(v, int64_t)[row] = us;
        return true;
    }
    case SL_TYPE_INTERVAL: {
        sl_value val;
        if (sl_value_parse(s, n, t, &val, NULL) != SL_OK || val.is_null)
            return false;
        SL_VECTOR_DATA(v, sl_interval)[row] = val.v.interval;
        return true;
    }
    default:
        return false;
    }
}

bool sl_utf8_valid(const char *str, size_t n, size_t *bad_offset)
{
    const unsigned char *s = (const unsigned char *)str;
    size_t i = 0;
    while (i < n) {
        /* ASCII fast path, 8 bytes at a time */
        while (i + 8 <= n) {
            uint64_t w;
            memcpy(&w, s + i, 8);
            if (w & 0x8080808080808080ULL)
                break;
            i += 8;
        }
        if (i >= n)
            break;
        unsigned char c = s[i];
        if (c < 0x80) {
            i++;
            continue;
        }
        size_t len;
        uint32_t cp;
        if (c >= 0xC2 && c <= 0xDF)
            len = 2, cp = c & 0x1F;
        else if (c >= 0xE0 && c <= 0xEF)
            len = 3, cp = c & 0x0F;
        else if (c >= 0xF0 && c <= 0xF4)
            len = 4, cp = c & 0x07;
        else
            goto bad;
        if (i + len > n)
            goto bad;
        for (size_t k = 1; k < len; k++) {
            if ((s[i + k] & 0xC0) != 0x80)
                goto bad;
            cp = (cp << 6) | (s[i + k] & 0x3F);
        }
        if ((len == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) || (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)))
            goto bad;
        i += len;
    }
    return true;
bad:
    if (bad_offset)
        *bad_offset = i;
    return false;
}
