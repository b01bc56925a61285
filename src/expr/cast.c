/*
 * cast.c — type conversions: the run-time cast kernel (sl_cast_vector), cast binding
 * with constant folding (sl_cast_bind), implicit-cast rules and costs used by overload
 * resolution (sl_cast_is_implicit, sl_cast_cost, sl_type_common), and the text parsers
 * shared by casts from VARCHAR and by sl_value_parse (CSV/JSON readers, literals).
 *
 * Semantics follow DuckDB: numeric overflow is a conversion error naming the value,
 * DECIMAL scale reduction rounds half away from zero, DOUBLE -> integer rounds to nearest
 * (ties to even), VARCHAR -> X errors name the string ("Could not convert string 'abc' to
 * INTEGER"). TRY_CAST turns every failure into NULL.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "expr/registry.h"

/* ================================================================ calendar */

int32_t sl_days_from_civil(int64_t y, unsigned m, unsigned d)
{
    /* Howard Hinnant's days_from_civil. */
    y -= m <= 2;
    const int64_t era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = (unsigned)(y - era * 400);
    const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return (int32_t)(era * 146097 + (int64_t)doe - 719468);
}

void sl_civil_from_days(int64_t z, int64_t *year, unsigned *month, unsigned *day)
{
    z += 719468;
    const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const unsigned doe = (unsigned)(z - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const int64_t y = (int64_t)yoe + era * 400;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    const unsigned d = doy - (153 * mp + 2) / 5 + 1;
    const unsigned m = mp < 10 ? mp + 3 : mp - 9;
    *year = y + (m <= 2);
    *month = m;
    *day = d;
}

static bool is_leap(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

static unsigned days_in_month(int64_t y, unsigned m)
{
    static const unsigned dm[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    return m == 2 && is_leap(y) ? 29 : dm[m - 1];
}

static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    if ((a % b != 0) && ((a < 0) != (b < 0)))
        q--;
    return q;
}

bool sl_timestamp_add_interval(int64_t micros, sl_interval iv, int64_t *out)
{
    int64_t days = floor_div(micros, SL_MICROS_PER_DAY);
    int64_t time = micros - days * SL_MICROS_PER_DAY;
    if (iv.months != 0) {
        int64_t y;
        unsigned m, d;
        sl_civil_from_days(days, &y, &m, &d);
        int64_t total = y * 12 + (m - 1) + iv.months;
        y = floor_div(total, 12);
        m = (unsigned)(total - y * 12) + 1;
        if (d > days_in_month(y, m))
            d = days_in_month(y, m);
        days = sl_days_from_civil(y, m, d);
    }
    days += iv.days;
    int64_t r;
    if (__builtin_mul_overflow(days, SL_MICROS_PER_DAY, &r) || __builtin_add_overflow(r, time, &r) ||
        __builtin_add_overflow(r, iv.micros, &r))
        return false;
    *out = r;
    return true;
}

/* ================================================================ text parsers */

static void trim(const char **s, size_t *n)
{
    while (*n > 0 && isspace((unsigned char)**s)) {
        (*s)++;
        (*n)--;
    }
    while (*n > 0 && isspace((unsigned char)(*s)[*n - 1]))
        (*n)--;
}

static bool ieq(const char *s, size_t n, const char *word)
{
    size_t w = strlen(word);
    return n == w && strncasecmp(s, word, n) == 0;
}

static bool parse_bool(const char *s, size_t n, bool *out)
{
    trim(&s, &n);
    if (ieq(s, n, "true") || ieq(s, n, "t") || ieq(s, n, "yes") || ieq(s, n, "y") || ieq(s, n, "on") ||
        ieq(s, n, "1")) {
        *out = true;
        return true;
    }
    if (ieq(s, n, "false") || ieq(s, n, "f") || ieq(s, n, "no") || ieq(s, n, "n") || ieq(s, n, "off") ||
        ieq(s, n, "0")) {
        *out = false;
        return true;
    }
    return false;
}

/* Integer with optional sign; rejects fractions and garbage; false on overflow. */
static bool parse_int64(const char *s, size_t n, int64_t *out)
{
    trim(&s, &n);
    if (n == 0)
        return false;
    bool neg = false;
    size_t i = 0;
    if (s[0] == '+' || s[0] == '-') {
        neg = s[0] == '-';
        i = 1;
    }
    if (i == n)
        return false;
    uint64_t v = 0;
    for (; i < n; i++) {
        if (s[i] == '_' && i > 0 && isdigit((unsigned char)s[i - 1]) && i + 1 < n)
            continue;
        if (!isdigit((unsigned char)s[i]))
            return false;
        unsigned dgt = (unsigned)(s[i] - '0');
        if (v > (UINT64_MAX - dgt) / 10)
            return false;
        v = v * 10 + dgt;
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

static bool parse_double(const char *s, size_t n, double *out)
{
    trim(&s, &n);
    if (n == 0 || n > 400)
        return false;
    char buf[401];
    memcpy(buf, s, n);
    buf[n] = '\0';
    char *end;
    errno = 0;
    double d = strtod(buf, &end);
    if (end != buf + n)
        return false;
    /* strtod accepts hex floats; PostgreSQL/DuckDB do not. */
    for (size_t i = 0; i < n; i++)
        if (buf[i] == 'x' || buf[i] == 'X')
            return false;
    *out = d;
    return true;
}

/* Decimal text -> unscaled value at `scale`, rounding half away from zero; checks the
 * result fits `precision` digits. Accepts an exponent ("1.5e3"). */
static bool parse_decimal(const char *s, size_t n, int precision, int scale, sl_int128 *out)
{
    trim(&s, &n);
    if (n == 0)
        return false;
    size_t i = 0;
    bool neg = false;
    if (s[0] == '+' || s[0] == '-') {
        neg = s[0] == '-';
        i++;
    }
    sl_int128 digits = 0;   /* all significant digits read */
    int frac = 0;           /* how many of them are after the point */
    int ndig = 0;
    bool seen_point = false, any = false;
    int dropped_first = -1; /* first digit that did not fit (for rounding) */
    for (; i < n; i++) {
        char c = s[i];
        if (c == '.') {
            if (seen_point)
                return false;
            seen_point = true;
            continue;
        }
        if (!isdigit((unsigned char)c))
            break;
        any = true;
        if (ndig >= 38) {   /* beyond int128 precision: only matters for rounding */
            if (!seen_point)
                return false;
            if (dropped_first < 0)
                dropped_first = c - '0';
            continue;
        }
        digits = digits * 10 + (c - '0');
        if (digits != 0)
            ndig++;
        if (seen_point)
            frac++;
    }
    if (!any)
        return false;
    int exponent = 0;
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        int64_t e;
        if (!parse_int64(s + i + 1, n - i - 1, &e) || e > 100 || e < -100)
            return false;
        exponent = (int)e;
        i = n;
    }
    if (i != n)
        return false;
    /* value = digits * 10^(exponent - frac); want unscaled = value * 10^scale */
    int shift = scale + exponent - frac;
    sl_int128 v = digits;
    if (shift >= 0) {
        for (int k = 0; k < shift; k++)
            if (__builtin_mul_overflow(v, (sl_int128)10, &v))
                return false;
    } else {
        int down = -shift;
        if (down > 38) {
            v = 0;
        } else {
            sl_int128 f = sl_pow10_i128(down);
            sl_int128 q = v / f, r = v % f;
            if (r * 2 >= f)
                q++;
            v = q;
        }
    }
    if (dropped_first >= 5 && shift == 0)
        v++;
    if (v >= sl_pow10_i128(precision))
        return false;
    *out = neg ? -v : v;
    return true;
}

/* Reads up to `max` digits into *v; returns digits read. */
static int read_digits(const char *s, size_t n, size_t *i, int max, int64_t *v)
{
    int k = 0;
    *v = 0;
    while (*i < n && k < max && isdigit((unsigned char)s[*i])) {
        *v = *v * 10 + (s[*i] - '0');
        (*i)++;
        k++;
    }
    return k;
}

/* "YYYY-MM-DD" at s[*i]; advances *i. */
static bool parse_date_part(const char *s, size_t n, size_t *i, int32_t *out)
{
    int64_t y, m, d;
    bool neg = false;
    if (*i < n && s[*i] == '-') {
        neg = true;
        (*i)++;
    }
    if (read_digits(s, n, i, 7, &y) < 1)
        return false;
    if (*i >= n || (s[*i] != '-' && s[*i] != '/'))
        return false;
    char sep = s[(*i)++];
    if (read_digits(s, n, i, 2, &m) < 1)
        return false;
    if (*i >= n || s[*i] != sep)
        return false;
    (*i)++;
    if (read_digits(s, n, i, 2, &d) < 1)
        return false;
    if (neg)
        y = -y;
    if (m < 1 || m > 12 || d < 1 || d > days_in_month(y, (unsigned)m))
        return false;
    *out = sl_days_from_civil(y, (unsigned)m, (unsigned)d);
    return true;
}

/* "HH:MM[:SS[.ffffff]]" -> micros since midnight (hours may exceed 24 when allow_big). */
static bool parse_time_part(const char *s, size_t n, size_t *i, bool allow_big, int64_t *out)
{
    int64_t h, m, sec = 0, frac = 0;
    int hd = read_digits(s, n, i, allow_big ? 9 : 2, &h);
    if (hd < 1 || *i >= n || s[*i] != ':')
        return false;
    (*i)++;
    if (read_digits(s, n, i, 2, &m) != 2)
        return false;
    if (*i < n && s[*i] == ':') {
        (*i)++;
        if (read_digits(s, n, i, 2, &sec) != 2)
            return false;
        if (*i < n && s[*i] == '.') {
            (*i)++;
            int64_t f;
            int k = read_digits(s, n, i, 6, &f);
            if (k < 1)
                return false;
            for (int z = k; z < 6; z++)
                f *= 10;
            frac = f;
            while (*i < n && isdigit((unsigned char)s[*i]))   /* sub-microsecond digits dropped */
                (*i)++;
        }
    }
    if ((!allow_big && h > 24) || m > 59 || sec > 60)
        return false;
    *out = ((h * 60 + m) * 60 + sec) * INT64_C(1000000) + frac;
    return true;
}

static bool parse_date(const char *s, size_t n, int32_t *out)
{
    trim(&s, &n);
    size_t i = 0;
    if (!parse_date_part(s, n, &i, out))
        return false;
    /* DuckDB accepts a trailing midnight time for DATE ("1998-12-01 00:00:00"). */
    if (i < n && (s[i] == ' ' || s[i] == 'T')) {
        size_t j = i + 1;
        int64_t t;
        if (!parse_time_part(s, n, &j, false, &t) || t != 0 || j != n)
            return false;
        i = j;
    }
    return i == n;
}

static bool parse_timestamp(const char *s, size_t n, int64_t *out)
{
    trim(&s, &n);
    size_t i = 0;
    int32_t days;
    if (!parse_date_part(s, n, &i, &days))
        return false;
    int64_t t = 0;
    if (i < n && (s[i] == ' ' || s[i] == 'T')) {
        i++;
        while (i < n && s[i] == ' ')
            i++;
        if (!parse_time_part(s, n, &i, false, &t))
            return false;
        while (i < n && s[i] == ' ')
            i++;
        /* UTC offsets: Z, +HH[:MM], -HH[:MM] */
        if (i < n && (s[i] == 'Z' || s[i] == 'z')) {
            i++;
        } else if (i < n && (s[i] == '+' || s[i] == '-')) {
            int sign = s[i] == '-' ? -1 : 1;
            i++;
            int64_t oh, om = 0;
            if (read_digits(s, n, &i, 2, &oh) != 2)
                return false;
            if (i < n && s[i] == ':')
                i++;
            read_digits(s, n, &i, 2, &om);
            t -= sign * (oh * 60 + om) * INT64_C(60000000);
        }
    }
    if (i != n)
        return false;
    *out = (int64_t)days * SL_MICROS_PER_DAY + t;
    return true;
}

/* PostgreSQL/DuckDB interval text: "3 days", "1 year 2 months", "02:00:00",
 * "1 day 02:00:00", "-1 day", "1.5 hours", "2 weeks", optional "@" prefix, "ago". */
static bool parse_interval(const char *s, size_t n, sl_interval *out)
{
    trim(&s, &n);
    size_t i = 0;
    sl_interval iv = { 0, 0, 0 };
    bool any = false;
    if (i < n && s[i] == '@')
        i++;
    for (;;) {
        while (i < n && isspace((unsigned char)s[i]))
            i++;
        if (i >= n)
            break;
        size_t start = i;
        int sign = 1;
        if (s[i] == '+' || s[i] == '-') {
            sign = s[i] == '-' ? -1 : 1;
            i++;
        }
        /* time part hh:mm:ss */
        size_t j = i;
        while (j < n && isdigit((unsigned char)s[j]))
            j++;
        if (j < n && s[j] == ':' && j > i) {
            int64_t t;
            if (!parse_time_part(s, n, &i, true, &t))
                return false;
            iv.micros += sign * t;
            any = true;
            continue;
        }
        if (ieq(s + start, n - start >= 3 ? 3 : n - start, "ago") && (start + 3 == n)) {
            iv.months = -iv.months;
            iv.days = -iv.days;
            iv.micros = -iv.micros;
            i = n;
            break;
        }
        /* number */
        int64_t whole = 0;
        double fraction = 0;
        int k = 0;
        while (i < n && isdigit((unsigned char)s[i])) {
            if (whole > INT64_MAX / 10 - 10)
                return false;
            whole = whole * 10 + (s[i] - '0');
            i++;
            k++;
        }
        if (i < n && s[i] == '.') {
            i++;
            double scale = 0.1;
            while (i < n && isdigit((unsigned char)s[i])) {
                fraction += (s[i] - '0') * scale;
                scale /= 10;
                i++;
                k++;
            }
        }
        if (k == 0)
            return false;
        while (i < n && isspace((unsigned char)s[i]))
            i++;
        size_t us = i;
        while (i < n && isalpha((unsigned char)s[i]))
            i++;
        const char *u = s + us;
        size_t ul = i - us;
        if (ul > 1 && (u[ul - 1] == 's' || u[ul - 1] == 'S') && !ieq(u, ul, "ms") && !ieq(u, ul, "us"))
            ul--;   /* plural */
        double f = sign * fraction;
        int64_t w = sign * whole;
        if (ul == 0 || ieq(u, ul, "second") || ieq(u, ul, "sec") || ieq(u, ul, "s")) {
            if (ul == 0 && (i < n))
                return false;
            iv.micros += w * INT64_C(1000000) + (int64_t)llround(f * 1e6);
        } else if (ieq(u, ul, "year") || ieq(u, ul, "yr") || ieq(u, ul, "y")) {
            iv.months += (int32_t)(w * 12 + (int64_t)(f * 12));
        } else if (ieq(u, ul, "month") || ieq(u, ul, "mon")) {
            iv.months += (int32_t)w;
            double days = f * 30;
            iv.days += (int32_t)days;
            iv.micros += (int64_t)llround((days - (int32_t)days) * 86400e6);
        } else if (ieq(u, ul, "week") || ieq(u, ul, "w")) {
            iv.days += (int32_t)(w * 7);
            iv.micros += (int64_t)llround(f * 7 * 86400e6);
        } else if (ieq(u, ul, "day") || ieq(u, ul, "d")) {
            iv.days += (int32_t)w;
            iv.micros += (int64_t)llround(f * 86400e6);
        } else if (ieq(u, ul, "hour") || ieq(u, ul, "hr") || ieq(u, ul, "h")) {
            iv.micros += w * INT64_C(3600000000) + (int64_t)llround(f * 3600e6);
        } else if (ieq(u, ul, "minute") || ieq(u, ul, "min") || ieq(u, ul, "m")) {
            iv.micros += w * INT64_C(60000000) + (int64_t)llround(f * 60e6);
        } else if (ieq(u, ul, "millisecond") || ieq(u, ul, "msec") || ieq(u, ul, "ms")) {
            iv.micros += w * 1000 + (int64_t)llround(f * 1e3);
        } else if (ieq(u, ul, "microsecond") || ieq(u, ul, "usec") || ieq(u, ul, "us")) {
            iv.micros += w;
        } else if (ieq(u, ul, "decade")) {
            iv.months += (int32_t)(w * 120);
        } else if (ieq(u, ul, "century") || ieq(u, ul, "centurie")) {
            iv.months += (int32_t)(w * 1200);
        } else if (ieq(u, ul, "millennium") || ieq(u, ul, "millennia")) {
            iv.months += (int32_t)(w * 12000);
        } else {
            return false;
        }
        any = true;
    }
    if (!any)
        return false;
    *out = iv;
    return true;
}

/* Parses text into one value slot of `t` (slot layout per types.h). VARCHAR is handled by
 * the callers (it needs a heap). */
static bool parse_slot(const char *s, size_t n, sl_type t, void *slot)
{
    int64_t i;
    switch ((sl_type_id)t.id) {
    case SL_TYPE_BOOLEAN: {
        bool b;
        if (!parse_bool(s, n, &b))
            return false;
        *(uint8_t *)slot = b;
        return true;
    }
    case SL_TYPE_TINYINT:
        if (!parse_int64(s, n, &i) || i < INT8_MIN || i > INT8_MAX)
            return false;
        *(int8_t *)slot = (int8_t)i;
        return true;
    case SL_TYPE_SMALLINT:
        if (!parse_int64(s, n, &i) || i < INT16_MIN || i > INT16_MAX)
            return false;
        *(int16_t *)slot = (int16_t)i;
        return true;
    case SL_TYPE_INTEGER:
        if (!parse_int64(s, n, &i) || i < INT32_MIN || i > INT32_MAX)
            return false;
        *(int32_t *)slot = (int32_t)i;
        return true;
    case SL_TYPE_BIGINT:
        if (!parse_int64(s, n, &i))
            return false;
        *(int64_t *)slot = i;
        return true;
    case SL_TYPE_REAL: {
        double d;
        if (!parse_double(s, n, &d))
            return false;
        *(float *)slot = (float)d;
        return true;
    }
    case SL_TYPE_DOUBLE:
        return parse_double(s, n, (double *)slot);
    case SL_TYPE_DECIMAL: {
        sl_int128 v;
        if (!parse_decimal(s, n, t.precision, t.scale, &v))
            return false;
        if (sl_decimal_is_small(t))
            *(int64_t *)slot = (int64_t)v;
        else
            memcpy(slot, &v, sizeof v);
        return true;
    }
    case SL_TYPE_DATE:
        return parse_date(s, n, (int32_t *)slot);
    case SL_TYPE_TIMESTAMP:
        return parse_timestamp(s, n, (int64_t *)slot);
    case SL_TYPE_INTERVAL:
        return parse_interval(s, n, (sl_interval *)slot);
    default:
        return false;
    }
}

static sl_status parse_error(sl_error *err, sl_status code, const char *s, size_t n, sl_type t)
{
    char tn[40];
    sl_type_name(t, tn, sizeof tn);
    return sl_error_set(err, code, "Could not convert string '%.*s' to %s", (int)(n > 200 ? 200 : n), s, tn);
}

sl_status sl_value_parse(const char *text, size_t length, sl_type type, sl_value *out, sl_error *err)
{
    if (type.id == SL_TYPE_VARCHAR)
        return sl_value_varchar(text, (uint32_t)length, out, err);
    union {
        uint8_t b;
        int8_t i8;
        int16_t i16;
        int32_t i32;
        int64_t i64;
        float f;
        double d;
        sl_int128 i128;
        sl_interval iv;
    } slot;
    if (type.id == SL_TYPE_NULL) {
        *out = sl_value_null(type);
        return SL_OK;
    }
    if (!parse_slot(text, length, type, &slot))
        return parse_error(err, SL_ERR_INVALID_INPUT, text, length, type);
    sl_value v;
    memset(&v, 0, sizeof v);
    v.type = type;
    switch ((sl_type_id)type.id) {
    case SL_TYPE_BOOLEAN: v.v.boolean = slot.b; break;
    case SL_TYPE_TINYINT: v.v.i64 = slot.i8; break;
    case SL_TYPE_SMALLINT: v.v.i64 = slot.i16; break;
    case SL_TYPE_INTEGER: v.v.i64 = slot.i32; break;
    case SL_TYPE_DATE: v.v.i64 = slot.i32; break;
    case SL_TYPE_BIGINT:
    case SL_TYPE_TIMESTAMP: v.v.i64 = slot.i64; break;
    case SL_TYPE_REAL: v.v.f64 = slot.f; break;
    case SL_TYPE_DOUBLE: v.v.f64 = slot.d; break;
    case SL_TYPE_DECIMAL:
        if (sl_decimal_is_small(type))
            v.v.i64 = slot.i64;
        else
            v.v.i128 = slot.i128;
        break;
    case SL_TYPE_INTERVAL: v.v.interval = slot.iv; break;
    default: return sl_error_set(err, SL_ERR_INTERNAL, "sl_value_parse: unexpected type");
    }
    *out = v;
    return SL_OK;
}

/* ================================================================ numeric slots */

typedef enum { CLS_NONE, CLS_INT, CLS_DEC, CLS_FLT } num_class;

static num_class class_of(sl_type t)
{
    switch ((sl_type_id)t.id) {
    case SL_TYPE_BOOLEAN:
    case SL_TYPE_TINYINT:
    case SL_TYPE_SMALLINT:
    case SL_TYPE_INTEGER:
    case SL_TYPE_BIGINT: return CLS_INT;
    case SL_TYPE_DECIMAL: return CLS_DEC;
    case SL_TYPE_REAL:
    case SL_TYPE_DOUBLE: return CLS_FLT;
    default: return CLS_NONE;
    }
}

static inline int64_t load_int(const sl_vector *v, uint32_t r)
{
    switch ((sl_type_id)v->type.id) {
    case SL_TYPE_BOOLEAN: return ((const uint8_t *)v->data)[r];
    case SL_TYPE_TINYINT: return ((const int8_t *)v->data)[r];
    case SL_TYPE_SMALLINT: return ((const int16_t *)v->data)[r];
    case SL_TYPE_INTEGER: return ((const int32_t *)v->data)[r];
    default: return ((const int64_t *)v->data)[r];
    }
}

static inline sl_int128 load_dec(const sl_vector *v, uint32_t r)
{
    if (sl_decimal_is_small(v->type))
        return ((const int64_t *)v->data)[r];
    return ((const sl_int128 *)v->data)[r];
}

static inline double load_flt(const sl_vector *v, uint32_t r)
{
    if (v->type.id == SL_TYPE_REAL)
        return ((const float *)v->data)[r];
    return ((const double *)v->data)[r];
}

static inline bool store_int(sl_vector *v, uint32_t r, sl_int128 x)
{
    switch ((sl_type_id)v->type.id) {
    case SL_TYPE_BOOLEAN: ((uint8_t *)v->data)[r] = x != 0; return true;
    case SL_TYPE_TINYINT:
        if (x < INT8_MIN || x > INT8_MAX)
            return false;
        ((int8_t *)v->data)[r] = (int8_t)x;
        return true;
    case SL_TYPE_SMALLINT:
        if (x < INT16_MIN || x > INT16_MAX)
            return false;
        ((int16_t *)v->data)[r] = (int16_t)x;
        return true;
    case SL_TYPE_INTEGER:
        if (x < INT32_MIN || x > INT32_MAX)
            return false;
        ((int32_t *)v->data)[r] = (int32_t)x;
        return true;
    default:
        if (x < INT64_MIN || x > INT64_MAX)
            return false;
        ((int64_t *)v->data)[r] = (int64_t)x;
        return true;
    }
}

static inline bool store_dec(sl_vector *v, uint32_t r, sl_int128 x)
{
    sl_int128 lim = sl_pow10_i128(v->type.precision);
    if (x >= lim || x <= -lim)
        return false;
    if (sl_decimal_is_small(v->type))
        ((int64_t *)v->data)[r] = (int64_t)x;
    else
        ((sl_int128 *)v->data)[r] = x;
    return true;
}

/* x / 10^k rounded half away from zero. */
static inline sl_int128 div_round(sl_int128 x, int k)
{
    if (k <= 0)
        return x;
    if (k > 38)
        return 0;
    sl_int128 f = sl_pow10_i128(k);
    sl_int128 q = x / f, rem = x % f;
    if (rem < 0)
        rem = -rem;
    if (rem * 2 >= f)
        q += x < 0 ? -1 : 1;
    return q;
}

/* Converts one numeric slot; false when out of range for dst. */
static bool cast_numeric_slot(const sl_vector *src, num_class sc, sl_vector *dst, num_class dc, uint32_t r)
{
    switch (sc) {
    case CLS_INT: {
        int64_t x = load_int(src, r);
        if (dc == CLS_INT)
            return store_int(dst, r, x);
        if (dc == CLS_FLT) {
            if (dst->type.id == SL_TYPE_REAL)
                ((float *)dst->data)[r] = (float)x;
            else
                ((double *)dst->data)[r] = (double)x;
            return true;
        }
        sl_int128 y;
        if (__builtin_mul_overflow((sl_int128)x, sl_pow10_i128(dst->type.scale), &y))
            return false;
        return store_dec(dst, r, y);
    }
    case CLS_DEC: {
        sl_int128 x = load_dec(src, r);
        int s1 = src->type.scale;
        if (dc == CLS_INT)
            return store_int(dst, r, div_round(x, s1));
        if (dc == CLS_FLT) {
            double d = (double)x / (double)sl_pow10_i128(s1);
            if (dst->type.id == SL_TYPE_REAL)
                ((float *)dst->data)[r] = (float)d;
            else
                ((double *)dst->data)[r] = d;
            return true;
        }
        int s2 = dst->type.scale;
        sl_int128 y;
        if (s2 >= s1) {
            if (__builtin_mul_overflow(x, sl_pow10_i128(s2 - s1), &y))
                return false;
        } else {
            y = div_round(x, s1 - s2);
        }
        return store_dec(dst, r, y);
    }
    case CLS_FLT: {
        double d = load_flt(src, r);
        if (dc == CLS_FLT) {
            if (dst->type.id == SL_TYPE_REAL) {
                if (isfinite(d) && fabs(d) > 3.4028234663852886e38)
                    return false;
                ((float *)dst->data)[r] = (float)d;
            } else {
                ((double *)dst->data)[r] = d;
            }
            return true;
        }
        if (!isfinite(d))
            return false;
        if (dc == CLS_INT) {
            if (dst->type.id == SL_TYPE_BOOLEAN) {
                ((uint8_t *)dst->data)[r] = d != 0;
                return true;
            }
            d = nearbyint(d);
            if (!(d >= -9223372036854775808.0 && d < 9223372036854775808.0))
                return false;
            return store_int(dst, r, (int64_t)d);
        }
        double scaled = round(d * pow(10.0, dst->type.scale));
        if (!(fabs(scaled) < 1e38))
            return false;
        return store_dec(dst, r, (sl_int128)scaled);
    }
    default: return false;
    }
}

/* ================================================================ the cast kernel */

static bool cast_possible(sl_type from, sl_type to)
{
    if (from.id == to.id || from.id == SL_TYPE_NULL || from.id == SL_TYPE_VARCHAR || to.id == SL_TYPE_VARCHAR)
        return true;
    num_class a = class_of(from), b = class_of(to);
    if (a != CLS_NONE && b != CLS_NONE) {
        /* DECIMAL <-> BOOLEAN is not allowed (PostgreSQL/DuckDB) */
        if ((from.id == SL_TYPE_BOOLEAN && b == CLS_DEC) || (to.id == SL_TYPE_BOOLEAN && a == CLS_DEC))
            return false;
        return true;
    }
    if ((from.id == SL_TYPE_DATE && to.id == SL_TYPE_TIMESTAMP) ||
        (from.id == SL_TYPE_TIMESTAMP && to.id == SL_TYPE_DATE))
        return true;
    return false;
}

static sl_status value_error(sl_error *err, const sl_vector *src, uint32_t r, sl_type to)
{
    char buf[128], from_name[40], to_name[40];
    sl_format_slot(src, r, buf, sizeof buf);
    sl_type_name(src->type, from_name, sizeof from_name);
    sl_type_name(to, to_name, sizeof to_name);
    return sl_error_set(err, SL_ERR_RUNTIME,
                        "Conversion Error: Type %s with value %s can't be cast because the value is out of "
                        "range for the destination type %s",
                        from_name, buf, to_name);
}

/* Marks row r NULL (try_cast failure or NULL input). */
static sl_status set_null(sl_vector *dst, uint32_t r, sl_error *err)
{
    return sl_vector_set_null(dst, r, err);
}

sl_status sl_cast_vector(const sl_vector *src, sl_vector *dst, const uint32_t *sel, uint32_t count, bool try_cast,
                         sl_error *err)
{
    sl_type from = src->type, to = dst->type;
    if (!cast_possible(from, to)) {
        char a[40], b[40];
        sl_type_name(from, a, sizeof a);
        sl_type_name(to, b, sizeof b);
        return sl_error_set(err, SL_ERR_TYPE, "Conversion Error: Unimplemented type for cast (%s -> %s)", a, b);
    }
    /* Validity: copy from src at the active rows; failures (try_cast) add NULLs. */
    bool src_nulls = from.id == SL_TYPE_NULL || (src->validity && sl_vector_has_nulls(src, sel, count));
    if (src_nulls || dst->validity) {
        SL_TRY(sl_vector_ensure_validity(dst, err));
        for (uint32_t i = 0; i < count; i++) {
            uint32_t r = SL_ROW(sel, i);
            sl_validity_set(dst->validity, r, from.id != SL_TYPE_NULL && sl_vector_is_valid(src, r));
        }
    }
    if (from.id == SL_TYPE_NULL)
        return SL_OK;
#define FOR_VALID_ROWS(body)                                            \
    for (uint32_t i = 0; i < count; i++) {                              \
        uint32_t r = SL_ROW(sel, i);                                    \
        if (src_nulls && !sl_vector_is_valid(src, r))                   \
            continue;                                                   \
        body                                                            \
    }

    /* same type (including decimal rescale handled below) */
    if (from.id == to.id && from.id != SL_TYPE_DECIMAL) {
        size_t w = sl_type_width(from);
        switch (w) {   /* typed copies: a memcpy of runtime width is a call per row */
        case 1: FOR_VALID_ROWS(((uint8_t *)dst->data)[r] = ((const uint8_t *)src->data)[r];) break;
        case 2: FOR_VALID_ROWS(((uint16_t *)dst->data)[r] = ((const uint16_t *)src->data)[r];) break;
        case 4: FOR_VALID_ROWS(((uint32_t *)dst->data)[r] = ((const uint32_t *)src->data)[r];) break;
        case 8: FOR_VALID_ROWS(((uint64_t *)dst->data)[r] = ((const uint64_t *)src->data)[r];) break;
        default:
            FOR_VALID_ROWS(
                memcpy((uint8_t *)dst->data + (size_t)r * w, (const uint8_t *)src->data + (size_t)r * w, w);)
            break;
        }
        if (from.id == SL_TYPE_VARCHAR)
            SL_TRY(sl_vector_share_heaps(dst, src, err));
        return SL_OK;
    }
    if (to.id == SL_TYPE_VARCHAR) {
        char buf[256];
        FOR_VALID_ROWS({
            size_t n = sl_format_slot(src, r, buf, sizeof buf);
            if (n >= sizeof buf)
                n = sizeof buf - 1;
            SL_TRY(sl_vector_set_string(dst, r, buf, (uint32_t)n, err));
        })
        return SL_OK;
    }
    if (from.id == SL_TYPE_VARCHAR) {
        const sl_string *strs = SL_VECTOR_DATA(src, const sl_string);
        size_t w = sl_type_width(to);
        FOR_VALID_ROWS({
            const char *s = sl_string_data(&strs[r]);
            if (!parse_slot(s, strs[r].length, to, (uint8_t *)dst->data + (size_t)r * w)) {
                if (!try_cast)
                    return parse_error(err, SL_ERR_RUNTIME, s, strs[r].length, to);
                SL_TRY(set_null(dst, r, err));
            }
        })
        return SL_OK;
    }
    if (from.id == SL_TYPE_DATE && to.id == SL_TYPE_TIMESTAMP) {
        const int32_t *a = SL_VECTOR_DATA(src, const int32_t);
        int64_t *o = SL_VECTOR_DATA(dst, int64_t);
        FOR_VALID_ROWS(o[r] = (int64_t)a[r] * SL_MICROS_PER_DAY;)
        return SL_OK;
    }
    if (from.id == SL_TYPE_TIMESTAMP && to.id == SL_TYPE_DATE) {
        const int64_t *a = SL_VECTOR_DATA(src, const int64_t);
        int32_t *o = SL_VECTOR_DATA(dst, int32_t);
        FOR_VALID_ROWS(o[r] = (int32_t)floor_div(a[r], SL_MICROS_PER_DAY);)
        return SL_OK;
    }
    if (from.id == SL_TYPE_DECIMAL && to.id == SL_TYPE_DECIMAL && sl_decimal_is_small(from) &&
        sl_decimal_is_small(to) && to.scale >= from.scale) {
        /* both stored as int64 and the scale kept or raised: one multiply per row; when
         * the integer digits do not shrink the result cannot overflow */
        const int64_t *a = SL_VECTOR_DATA(src, const int64_t);
        int64_t *o = SL_VECTOR_DATA(dst, int64_t);
        int64_t f = sl_pow10_i64[to.scale - from.scale];
        if (to.precision - to.scale >= from.precision - from.scale) {
            FOR_VALID_ROWS(o[r] = a[r] * f;)
            return SL_OK;
        }
        int64_t lim = sl_pow10_i64[to.precision];
        FOR_VALID_ROWS({
            int64_t y;
            if (__builtin_mul_overflow(a[r], f, &y) || y >= lim || y <= -lim) {
                if (!try_cast)
                    return value_error(err, src, r, to);
                SL_TRY(set_null(dst, r, err));
            } else {
                o[r] = y;
            }
        })
        return SL_OK;
    }
    num_class sc = class_of(from), dc = class_of(to);
    FOR_VALID_ROWS({
        if (!cast_numeric_slot(src, sc, dst, dc, r)) {
            if (!try_cast)
                return value_error(err, src, r, to);
            SL_TRY(set_null(dst, r, err));
        }
    })
#undef FOR_VALID_ROWS
    return SL_OK;
}

/* ================================================================ binding */

/* Copies a value's string bytes into the arena so an arena-owned constant expression
 * never needs sl_value_free. */
static sl_status arena_value(sl_arena *arena, sl_value *v, sl_error *err)
{
    if (v->type.id == SL_TYPE_VARCHAR && !v->is_null && v->v.str.data) {
        uint32_t length = v->v.str.length;
        char *copy = sl_arena_strndup(arena, v->v.str.data, length);
        if (!copy)
            return sl_error_oom(err);
        sl_value_free(v);   /* resets data and length */
        v->type = sl_type_make(SL_TYPE_VARCHAR);
        v->v.str.data = copy;
        v->v.str.length = length;
    }
    return SL_OK;
}

/* Casts a constant value (1-row vectors, the same kernel as run time). *out is owned
 * (sl_value_free). */
static sl_status cast_value(const sl_value *in, sl_type to, bool try_cast, sl_value *out, sl_error *err)
{
    if (in->is_null || in->type.id == SL_TYPE_NULL) {
        *out = sl_value_null(to);
        return SL_OK;
    }
    if (in->type.id == SL_TYPE_VARCHAR && to.id != SL_TYPE_VARCHAR) {
        sl_status st = sl_value_parse(in->v.str.data, in->v.str.length, to, out, err);
        if (st == SL_ERR_INVALID_INPUT) {
            if (try_cast) {
                *out = sl_value_null(to);
                return SL_OK;
            }
            if (err)
                err->code = st = SL_ERR_RUNTIME;
        }
        return st;
    }
    sl_vector *a = sl_vector_new(in->type, 1);
    sl_vector *b = sl_vector_new(to, 1);
    sl_status st = SL_OK;
    if (!a || !b) {
        st = sl_error_oom(err);
        goto done;
    }
    st = sl_vector_set_value(a, 0, in, err);
    if (st == SL_OK)
        st = sl_cast_vector(a, b, NULL, 1, try_cast, err);
    if (st == SL_OK)
        st = sl_vector_get_value(b, 0, out, err);
done:
    if (a)
        sl_vector_unref(a);
    if (b)
        sl_vector_unref(b);
    return st;
}

sl_status sl_cast_bind(sl_arena *arena, sl_expr *expr, sl_type target, bool try_cast, sl_expr **out, sl_error *err)
{
    if (sl_type_equal(expr->type, target)) {
        *out = expr;
        return SL_OK;
    }
    if (!cast_possible(expr->type, target)) {
        char a[40], b[40];
        sl_type_name(expr->type, a, sizeof a);
        sl_type_name(target, b, sizeof b);
        return sl_error_set_at(err, SL_ERR_TYPE, expr->position, "Cannot cast type %s to %s", a, b);
    }
    if (expr->kind == SL_EXPR_CONSTANT) {
        sl_value v;
        sl_status st = cast_value(&expr->value, target, try_cast, &v, err);
        if (st != SL_OK) {
            if (err && err->position < 0)
                err->position = expr->position;
            return st;
        }
        st = arena_value(arena, &v, err);
        if (st != SL_OK) {
            sl_value_free(&v);
            return st;
        }
        sl_expr *c = sl_expr_new(arena, SL_EXPR_CONSTANT, target);
        if (!c)
            return sl_error_oom(err);
        c->value = v;
        c->value.type = target;
        c->position = expr->position;
        c->alias = expr->alias;
        *out = c;
        return SL_OK;
    }
    sl_expr *c = sl_expr_new(arena, SL_EXPR_CAST, target);
    sl_expr **args = sl_arena_alloc(arena, sizeof *args);
    if (!c || !args)
        return sl_error_oom(err);
    args[0] = expr;
    c->args = args;
    c->arg_count = 1;
    c->try_cast = try_cast;
    c->position = expr->position;
    *out = c;
    return SL_OK;
}

/* ================================================================ implicit casts */

static int int_rank(sl_type_id id)
{
    switch (id) {
    case SL_TYPE_TINYINT: return 1;
    case SL_TYPE_SMALLINT: return 2;
    case SL_TYPE_INTEGER: return 3;
    case SL_TYPE_BIGINT: return 4;
    default: return 0;
    }
}

static int type_cost(sl_type_id from, sl_type_id to)
{
    if (from == to)
        return 0;
    if (from == SL_TYPE_NULL)
        return 1;
    int rf = int_rank(from), rt = int_rank(to);
    if (rf) {
        if (rt)
            return rt > rf ? rt - rf : -1;
        if (to == SL_TYPE_DECIMAL)
            return 10;
        if (to == SL_TYPE_DOUBLE)
            return 18;   /* cheaper than REAL: int / int must divide as DOUBLE */
        if (to == SL_TYPE_REAL)
            return 20;
        return -1;
    }
    if (from == SL_TYPE_DECIMAL)
        return to == SL_TYPE_DOUBLE ? 20 : to == SL_TYPE_REAL ? 22 : -1;
    if (from == SL_TYPE_REAL)
        return to == SL_TYPE_DOUBLE ? 5 : -1;
    if (from == SL_TYPE_DATE)
        return to == SL_TYPE_TIMESTAMP ? 5 : -1;
    return -1;
}

bool sl_cast_is_implicit(sl_type from, sl_type to)
{
    return type_cost((sl_type_id)from.id, (sl_type_id)to.id) >= 0;
}

int sl_cast_cost(const sl_expr *arg, sl_type_id to)
{
    if (to == SL_TYPE_INVALID)
        return 0;
    sl_type_id from = (sl_type_id)arg->type.id;
    int c = type_cost(from, to);
    if (c >= 0)
        return c;
    /* A string literal becomes whatever the overload needs when its text parses. */
    if (from == SL_TYPE_VARCHAR && arg->kind == SL_EXPR_CONSTANT && to != SL_TYPE_VARCHAR) {
        if (arg->value.is_null)
            return 1;
        union {
            sl_int128 i;
            sl_interval iv;
            double d;
        } slot;
        sl_type t = to == SL_TYPE_DECIMAL ? sl_type_decimal(38, 10) : sl_type_make(to);
        if (parse_slot(arg->value.v.str.data, arg->value.v.str.length, t, &slot))
            return 3;
    }
    return -1;
}

sl_type sl_decimal_for_integer(sl_type t)
{
    switch ((sl_type_id)t.id) {
    case SL_TYPE_BOOLEAN:
    case SL_TYPE_TINYINT: return sl_type_decimal(3, 0);
    case SL_TYPE_SMALLINT: return sl_type_decimal(5, 0);
    case SL_TYPE_INTEGER: return sl_type_decimal(10, 0);
    case SL_TYPE_BIGINT: return sl_type_decimal(19, 0);
    default: return t;
    }
}

static sl_type decimal_merge(sl_type a, sl_type b)
{
    int scale = a.scale > b.scale ? a.scale : b.scale;
    int ia = a.precision - a.scale, ib = b.precision - b.scale;
    int digits = (ia > ib ? ia : ib) + scale;
    if (digits > SL_DECIMAL_MAX_PRECISION)
        digits = SL_DECIMAL_MAX_PRECISION;
    return sl_type_decimal(digits, scale);
}

sl_type sl_decimal_add_type(sl_type a, sl_type b)
{
    a = sl_decimal_for_integer(a);
    b = sl_decimal_for_integer(b);
    sl_type m = decimal_merge(a, b);
    int p = m.precision + 1;
    if (p > SL_DECIMAL_MAX_PRECISION)
        p = SL_DECIMAL_MAX_PRECISION;
    return sl_type_decimal(p, m.scale);
}

sl_type sl_decimal_multiply_type(sl_type a, sl_type b)
{
    a = sl_decimal_for_integer(a);
    b = sl_decimal_for_integer(b);
    int s = a.scale + b.scale;
    int p = a.precision + b.precision;
    /* DuckDB keeps a product of two 64-bit decimals in 64 bits (checked at run time). */
    if (p > SL_DECIMAL_INT64_MAX_PRECISION && a.precision <= SL_DECIMAL_INT64_MAX_PRECISION &&
        b.precision <= SL_DECIMAL_INT64_MAX_PRECISION && s < SL_DECIMAL_INT64_MAX_PRECISION)
        p = SL_DECIMAL_INT64_MAX_PRECISION;
    if (p > SL_DECIMAL_MAX_PRECISION)
        p = SL_DECIMAL_MAX_PRECISION;
    if (s > p)
        s = p;
    return sl_type_decimal(p, s);
}

bool sl_type_common(sl_type a, sl_type b, sl_type *out)
{
    sl_type_id x = (sl_type_id)a.id, y = (sl_type_id)b.id;
    if (x == SL_TYPE_NULL) {
        *out = b;
        return true;
    }
    if (y == SL_TYPE_NULL || sl_type_equal(a, b)) {
        *out = a;
        return true;
    }
    if (x == SL_TYPE_VARCHAR && y != SL_TYPE_VARCHAR) {
        *out = b;
        return true;
    }
    if (y == SL_TYPE_VARCHAR) {
        *out = a;
        return true;
    }
    int rx = int_rank(x), ry = int_rank(y);
    if (rx && ry) {
        *out = rx > ry ? a : b;
        return true;
    }
    if ((rx || x == SL_TYPE_DECIMAL) && (ry || y == SL_TYPE_DECIMAL)) {
        *out = decimal_merge(sl_decimal_for_integer(a), sl_decimal_for_integer(b));
        return true;
    }
    if (sl_type_is_numeric(a) && sl_type_is_numeric(b)) {
        *out = sl_type_make(x == SL_TYPE_REAL && y == SL_TYPE_REAL ? SL_TYPE_REAL : SL_TYPE_DOUBLE);
        return true;
    }
    if ((x == SL_TYPE_DATE && y == SL_TYPE_TIMESTAMP) || (x == SL_TYPE_TIMESTAMP && y == SL_TYPE_DATE)) {
        *out = sl_type_make(SL_TYPE_TIMESTAMP);
        return true;
    }
    return false;
}
