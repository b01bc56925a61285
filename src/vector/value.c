/*
 * value.c — single SQL values and the text rendering of every type.
 *
 * The rendering is the CSV output contract and matches DuckDB's `COPY ... TO 'x.csv'`:
 *   DOUBLE/REAL  shortest digits that round-trip, printed like Python's repr:
 *                fixed notation with ".0" for integral values while the decimal exponent
 *                is in [-4, 16), else d.ddde+XX  (0.1, 100.0, 1e+20, 1e-05, inf, -inf, nan)
 *   DECIMAL      exactly `scale` fraction digits; DECIMAL(p,p) drops the leading 0 (".5")
 *   DATE         YYYY-MM-DD, proleptic Gregorian, years <= 0 as "YYYY-MM-DD (BC)"
 *   TIMESTAMP    YYYY-MM-DD HH:MM:SS[.f] (fraction without trailing zeros)
 *   INTERVAL     "1 year 2 months 3 days 04:05:06.5", "-1 day 03:00:00", "00:00:00"
 */
#include "vector/value.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SL_MICROS_PER_SECOND INT64_C(1000000)
#define SL_MICROS_PER_DAY INT64_C(86400000000)
#define SL_DATE_INFINITY INT32_MAX
#define SL_TIMESTAMP_INFINITY INT64_MAX

/* ----------------------------------------------------------------- constructors */

sl_value sl_value_null(sl_type type)
{
    sl_value v;
    memset(&v, 0, sizeof v);
    v.type = type;
    v.is_null = true;
    return v;
}

sl_value sl_value_boolean(bool b)
{
    sl_value v;
    memset(&v, 0, sizeof v);
    v.type = sl_type_make(SL_TYPE_BOOLEAN);
    v.v.boolean = b;
    return v;
}

sl_value sl_value_int(sl_type_id id, int64_t i)
{
    sl_value v;
    memset(&v, 0, sizeof v);
    v.type = sl_type_make(id);
    v.v.i64 = i;
    return v;
}

sl_value sl_value_double(double d)
{
    sl_value v;
    memset(&v, 0, sizeof v);
    v.type = sl_type_make(SL_TYPE_DOUBLE);
    v.v.f64 = d;
    return v;
}

sl_value sl_value_decimal(sl_int128 unscaled, int precision, int scale)
{
    sl_value v;
    memset(&v, 0, sizeof v);
    v.type = sl_type_decimal(precision, scale);
    if (sl_decimal_is_small(v.type))
        v.v.i64 = (int64_t)unscaled;
    else
        v.v.i128 = unscaled;
    return v;
}

sl_value sl_value_interval(sl_interval iv)
{
    sl_value v;
    memset(&v, 0, sizeof v);
    v.type = sl_type_make(SL_TYPE_INTERVAL);
    v.v.interval = iv;
    return v;
}

sl_status sl_value_varchar(const char *data, uint32_t length, sl_value *out, sl_error *err)
{
    char *copy = sl_malloc((size_t)length + 1);
    if (!copy)
        return sl_error_oom(err);
    if (length)
        memcpy(copy, data, length);
    copy[length] = '\0';
    memset(out, 0, sizeof *out);
    out->type = sl_type_make(SL_TYPE_VARCHAR);
    out->v.str.data = copy;
    out->v.str.length = length;
    return SL_OK;
}

sl_status sl_value_copy(const sl_value *src, sl_value *dst, sl_error *err)
{
    if (src->type.id == SL_TYPE_VARCHAR && !src->is_null) {
        sl_value tmp;
        SL_TRY(sl_value_varchar(src->v.str.data ? src->v.str.data : "", src->v.str.length, &tmp, err));
        tmp.type = src->type;
        *dst = tmp;
        return SL_OK;
    }
    *dst = *src;
    if (dst->type.id == SL_TYPE_VARCHAR) {
        dst->v.str.data = NULL;
        dst->v.str.length = 0;
    }
    return SL_OK;
}

void sl_value_free(sl_value *v)
{
    if (v->type.id == SL_TYPE_VARCHAR && !v->is_null) {
        sl_free(v->v.str.data);
        v->v.str.data = NULL;
        v->v.str.length = 0;
    }
}

/* ----------------------------------------------------------------- vector slots */

sl_status sl_vector_get_value(const sl_vector *v, uint32_t row, sl_value *out, sl_error *err)
{
    if (!sl_vector_is_valid(v, row) || v->type.id == SL_TYPE_NULL) {
        *out = sl_value_null(v->type);
        return SL_OK;
    }
    sl_value val;
    memset(&val, 0, sizeof val);
    val.type = v->type;
    switch ((sl_type_id)v->type.id) {
    case SL_TYPE_BOOLEAN: val.v.boolean = SL_VECTOR_DATA(v, uint8_t)[row] != 0; break;
    case SL_TYPE_TINYINT: val.v.i64 = SL_VECTOR_DATA(v, int8_t)[row]; break;
    case SL_TYPE_SMALLINT: val.v.i64 = SL_VECTOR_DATA(v, int16_t)[row]; break;
    case SL_TYPE_INTEGER:
    case SL_TYPE_DATE: val.v.i64 = SL_VECTOR_DATA(v, int32_t)[row]; break;
    case SL_TYPE_BIGINT:
    case SL_TYPE_TIMESTAMP: val.v.i64 = SL_VECTOR_DATA(v, int64_t)[row]; break;
    case SL_TYPE_REAL: val.v.f64 = SL_VECTOR_DATA(v, float)[row]; break;
    case SL_TYPE_DOUBLE: val.v.f64 = SL_VECTOR_DATA(v, double)[row]; break;
    case SL_TYPE_DECIMAL:
        if (sl_decimal_is_small(v->type))
            val.v.i64 = SL_VECTOR_DATA(v, int64_t)[row];
        else
            val.v.i128 = SL_VECTOR_DATA(v, sl_int128)[row];
        break;
    case SL_TYPE_INTERVAL: val.v.interval = SL_VECTOR_DATA(v, sl_interval)[row]; break;
    case SL_TYPE_VARCHAR: {
        const sl_string *s = &SL_VECTOR_DATA(v, sl_string)[row];
        SL_TRY(sl_value_varchar(sl_string_data(s), s->length, &val, err));
        break;
    }
    default:
        return sl_error_set(err, SL_ERR_INTERNAL, "sl_vector_get_value: invalid vector type %d", v->type.id);
    }
    *out = val;
    return SL_OK;
}

sl_status sl_vector_set_value(sl_vector *v, uint32_t row, const sl_value *val, sl_error *err)
{
    if (val->is_null || v->type.id == SL_TYPE_NULL)
        return sl_vector_set_null(v, row, err);
    if (!sl_type_equal(v->type, val->type)) {
        char a[32], b[32];
        return sl_error_set(err, SL_ERR_INTERNAL, "sl_vector_set_value: %s value stored in a %s vector",
                            sl_type_name(val->type, a, sizeof a), sl_type_name(v->type, b, sizeof b));
    }
    switch ((sl_type_id)v->type.id) {
    case SL_TYPE_BOOLEAN: SL_VECTOR_DATA(v, uint8_t)[row] = val->v.boolean ? 1 : 0; break;
    case SL_TYPE_TINYINT: SL_VECTOR_DATA(v, int8_t)[row] = (int8_t)val->v.i64; break;
    case SL_TYPE_SMALLINT: SL_VECTOR_DATA(v, int16_t)[row] = (int16_t)val->v.i64; break;
    case SL_TYPE_INTEGER:
    case SL_TYPE_DATE: SL_VECTOR_DATA(v, int32_t)[row] = (int32_t)val->v.i64; break;
    case SL_TYPE_BIGINT:
    case SL_TYPE_TIMESTAMP: SL_VECTOR_DATA(v, int64_t)[row] = val->v.i64; break;
    case SL_TYPE_REAL: SL_VECTOR_DATA(v, float)[row] = (float)val->v.f64; break;
    case SL_TYPE_DOUBLE: SL_VECTOR_DATA(v, double)[row] = val->v.f64; break;
    case SL_TYPE_DECIMAL:
        if (sl_decimal_is_small(v->type))
            SL_VECTOR_DATA(v, int64_t)[row] = val->v.i64;
        else
            SL_VECTOR_DATA(v, sl_int128)[row] = val->v.i128;
        break;
    case SL_TYPE_INTERVAL: SL_VECTOR_DATA(v, sl_interval)[row] = val->v.interval; break;
    case SL_TYPE_VARCHAR:
        SL_TRY(sl_vector_set_string(v, row, val->v.str.data ? val->v.str.data : "", val->v.str.length, err));
        break;
    default:
        return sl_error_set(err, SL_ERR_INTERNAL, "sl_vector_set_value: invalid vector type %d", v->type.id);
    }
    if (v->validity)
        sl_validity_set(v->validity, row, true);
    return SL_OK;
}

/* ----------------------------------------------------------------- formatting */

/* Copies the n-byte text into buf (truncating to cap-1, NUL-terminating); returns n. */
static size_t sl_emit(const char *text, size_t n, char *buf, size_t cap)
{
    if (cap) {
        size_t k = n < cap - 1 ? n : cap - 1;
        memcpy(buf, text, k);
        buf[k] = '\0';
    }
    return n;
}

/* Renders shortest round-trip digits (digits[0..ndigits), value = 0.d1d2.. * 10^decpt)
 * the way Python's repr does, which is what DuckDB prints. */
static size_t sl_render_digits(bool negative, const char *digits, int ndigits, int decpt, char *out)
{
    char *p = out;
    if (negative)
        *p++ = '-';
    if (decpt > -4 && decpt <= 16) {
        if (decpt <= 0) {
            *p++ = '0';
            *p++ = '.';
            for (int i = 0; i < -decpt; i++)
                *p++ = '0';
            memcpy(p, digits, ndigits);
            p += ndigits;
        } else if (ndigits <= decpt) {
            memcpy(p, digits, ndigits);
            p += ndigits;
            for (int i = ndigits; i < decpt; i++)
                *p++ = '0';
            *p++ = '.';
            *p++ = '0';
        } else {
            memcpy(p, digits, decpt);
            p += decpt;
            *p++ = '.';
            memcpy(p, digits + decpt, ndigits - decpt);
            p += ndigits - decpt;
        }
    } else {
        *p++ = digits[0];
        if (ndigits > 1) {
            *p++ = '.';
            memcpy(p, digits + 1, ndigits - 1);
            p += ndigits - 1;
        }
        int e = decpt - 1;
        p += sprintf(p, "e%c%02d", e < 0 ? '-' : '+', e < 0 ? -e : e);
    }
    *p = '\0';
    return (size_t)(p - out);
}

/* Shortest decimal digits of |d| that parse back to d (as a float when `single`).
 * Uses %.{p}e for p = min..max significant digits: with at most DBL_DIG (FLT_DIG) digits
 * printing is exact for any shorter representation, so trailing zeros are stripped. */
static size_t sl_format_binary_float(double d, bool single, char *buf, size_t cap)
{
    char out[48];
    if (isnan(d))
        return sl_emit("nan", 3, buf, cap);
    if (isinf(d))
        return d < 0 ? sl_emit("-inf", 4, buf, cap) : sl_emit("inf", 3, buf, cap);
    bool negative = signbit(d);
    double a = fabs(d);
    if (a == 0.0) {
        size_t n = (size_t)sprintf(out, "%s0.0", negative ? "-" : "");
        return sl_emit(out, n, buf, cap);
    }
    int lo = single ? 6 : 15, hi = single ? 9 : 17;
    if (a < (single ? 1.17549435e-38 : 2.2250738585072014e-308))
        lo = 1;   /* subnormals carry fewer digits: search from one digit */
    char tmp[40];
    for (int prec = lo; prec <= hi; prec++) {
        snprintf(tmp, sizeof tmp, "%.*e", prec - 1, a);
        bool ok = single ? strtof(tmp, NULL) == (float)a : strtod(tmp, NULL) == a;
        if (!ok && prec < hi)
            continue;
        /* tmp = "d.dddde[+-]XX" */
        char digits[24];
        int nd = 0;
        const char *p = tmp;
        for (; *p && *p != 'e'; p++)
            if (*p >= '0' && *p <= '9')
                digits[nd++] = *p;
        int exp10 = atoi(p + 1);
        while (nd > 1 && digits[nd - 1] == '0')
            nd--;
        size_t n = sl_render_digits(negative, digits, nd, exp10 + 1, out);
        return sl_emit(out, n, buf, cap);
    }
    return 0; /* unreachable: the widest precision always round-trips */
}

size_t sl_format_double(double d, char *buf, size_t cap)
{
    return sl_format_binary_float(d, false, buf, cap);
}

/* Shared by sl_format_decimal and DECIMAL(p,p) output (which DuckDB prints as ".5"). */
static size_t sl_format_decimal_ex(sl_int128 unscaled, int scale, bool leading_zero, char *buf, size_t cap)
{
    char digits[48];
    int nd = 0;
    bool negative = unscaled < 0;
    sl_uint128 u = negative ? (sl_uint128)0 - (sl_uint128)unscaled : (sl_uint128)unscaled;
    do {
        digits[nd++] = (char)('0' + (int)(u % 10));
        u /= 10;
    } while (u);
    char out[96];
    char *p = out;
    if (negative)
        *p++ = '-';
    if (scale <= 0) {
        for (int i = nd - 1; i >= 0; i--)
            *p++ = digits[i];
    } else {
        int int_digits = nd - scale;
        if (int_digits <= 0) {
            if (leading_zero)
                *p++ = '0';
        } else {
            for (int i = nd - 1; i >= scale; i--)
                *p++ = digits[i];
        }
        *p++ = '.';
        for (int i = scale - 1; i >= 0; i--)
            *p++ = i < nd ? digits[i] : '0';
    }
    return sl_emit(out, (size_t)(p - out), buf, cap);
}

size_t sl_format_decimal(sl_int128 unscaled, int scale, char *buf, size_t cap)
{
    return sl_format_decimal_ex(unscaled, scale, true, buf, cap);
}

/* Days since 1970-01-01 to proleptic Gregorian (astronomical year: 0 = 1 BC).
 * Howard Hinnant's civil_from_days; exact for every int32 day count. */
static void sl_civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = yoe + era * 400 + (*m <= 2);
}

/* Writes "YYYY-MM-DD" (plus " (BC)" when bc_suffix and the year is <= 0) into out. */
static int sl_render_date(int64_t days, bool *bc, char *out)
{
    int64_t y;
    int m, d;
    sl_civil_from_days(days, &y, &m, &d);
    *bc = y <= 0;
    if (*bc)
        y = 1 - y;
    return sprintf(out, "%04lld-%02d-%02d", (long long)y, m, d);
}

size_t sl_format_date(int32_t days, char *buf, size_t cap)
{
    if (days == SL_DATE_INFINITY)
        return sl_emit("infinity", 8, buf, cap);
    if (days == -SL_DATE_INFINITY)
        return sl_emit("-infinity", 9, buf, cap);
    char out[48];
    bool bc;
    int n = sl_render_date(days, &bc, out);
    if (bc)
        n += sprintf(out + n, " (BC)");
    return sl_emit(out, (size_t)n, buf, cap);
}

/* "HH:MM:SS[.ffffff]" with trailing fraction zeros removed; hours may exceed 24. */
static int sl_render_time(uint64_t micros, char *out)
{
    uint64_t secs = micros / SL_MICROS_PER_SECOND;
    uint64_t frac = micros % SL_MICROS_PER_SECOND;
    int n = sprintf(out, "%02llu:%02llu:%02llu", (unsigned long long)(secs / 3600),
                    (unsigned long long)(secs / 60 % 60), (unsigned long long)(secs % 60));
    if (frac) {
        char f[8];
        sprintf(f, "%06llu", (unsigned long long)frac);
        int len = 6;
        while (f[len - 1] == '0')
            len--;
        out[n++] = '.';
        memcpy(out + n, f, len);
        n += len;
        out[n] = '\0';
    }
    return n;
}

size_t sl_format_timestamp(int64_t micros, char *buf, size_t cap)
{
    if (micros == SL_TIMESTAMP_INFINITY)
        return sl_emit("infinity", 8, buf, cap);
    if (micros == -SL_TIMESTAMP_INFINITY)
        return sl_emit("-infinity", 9, buf, cap);
    int64_t days = micros / SL_MICROS_PER_DAY;
    int64_t rem = micros % SL_MICROS_PER_DAY;
    if (rem < 0) {
        rem += SL_MICROS_PER_DAY;
        days--;
    }
    char out[80];
    bool bc;
    int n = sl_render_date(days, &bc, out);
    if (bc)
        n += sprintf(out + n, " (BC)");
    out[n++] = ' ';
    n += sl_render_time((uint64_t)rem, out + n);
    return sl_emit(out, (size_t)n, buf, cap);
}

static int sl_render_part(char *out, int n, int64_t amount, const char *unit)
{
    return n + sprintf(out + n, "%s%lld %s%s", n ? " " : "", (long long)amount, unit,
                       (amount == 1 || amount == -1) ? "" : "s");
}

size_t sl_format_interval(sl_interval iv, char *buf, size_t cap)
{
    char out[128];
    int n = 0;
    out[0] = '\0';
    if (iv.months) {
        int64_t years = iv.months / 12, months = iv.months % 12;
        if (years)
            n = sl_render_part(out, n, years, "year");
        if (months)
            n = sl_render_part(out, n, months, "month");
    }
    if (iv.days)
        n = sl_render_part(out, n, iv.days, "day");
    if (iv.micros || n == 0) {
        if (n)
            out[n++] = ' ';
        uint64_t mag = (uint64_t)iv.micros;
        if (iv.micros < 0) {
            out[n++] = '-';
            mag = (uint64_t)0 - mag;
        }
        n += sl_render_time(mag, out + n);
    }
    return sl_emit(out, (size_t)n, buf, cap);
}

size_t sl_format_slot(const sl_vector *v, uint32_t row, char *buf, size_t cap)
{
    if (v->type.id == SL_TYPE_NULL || !sl_vector_is_valid(v, row))
        return sl_emit("", 0, buf, cap);
    char out[64];
    switch ((sl_type_id)v->type.id) {
    case SL_TYPE_BOOLEAN:
        return SL_VECTOR_DATA(v, uint8_t)[row] ? sl_emit("true", 4, buf, cap) : sl_emit("false", 5, buf, cap);
    case SL_TYPE_TINYINT:
        return sl_emit(out, (size_t)sprintf(out, "%d", SL_VECTOR_DATA(v, int8_t)[row]), buf, cap);
    case SL_TYPE_SMALLINT:
        return sl_emit(out, (size_t)sprintf(out, "%d", SL_VECTOR_DATA(v, int16_t)[row]), buf, cap);
    case SL_TYPE_INTEGER:
        return sl_emit(out, (size_t)sprintf(out, "%d", SL_VECTOR_DATA(v, int32_t)[row]), buf, cap);
    case SL_TYPE_BIGINT:
        return sl_emit(out, (size_t)sprintf(out, "%lld", (long long)SL_VECTOR_DATA(v, int64_t)[row]), buf, cap);
    case SL_TYPE_REAL:
        return sl_format_binary_float(SL_VECTOR_DATA(v, float)[row], true, buf, cap);
    case SL_TYPE_DOUBLE:
        return sl_format_double(SL_VECTOR_DATA(v, double)[row], buf, cap);
    case SL_TYPE_DECIMAL: {
        sl_int128 u = sl_decimal_is_small(v->type) ? SL_VECTOR_DATA(v, int64_t)[row] : SL_VECTOR_DATA(v, sl_int128)[row];
        return sl_format_decimal_ex(u, v->type.scale, v->type.precision != v->type.scale, buf, cap);
    }
    case SL_TYPE_VARCHAR: {
        const sl_string *s = &SL_VECTOR_DATA(v, sl_string)[row];
        return sl_emit(sl_string_data(s), s->length, buf, cap);
    }
    case SL_TYPE_DATE:
        return sl_format_date(SL_VECTOR_DATA(v, int32_t)[row], buf, cap);
    case SL_TYPE_TIMESTAMP:
        return sl_format_timestamp(SL_VECTOR_DATA(v, int64_t)[row], buf, cap);
    case SL_TYPE_INTERVAL:
        return sl_format_interval(SL_VECTOR_DATA(v, sl_interval)[row], buf, cap);
    default:
        return sl_emit("", 0, buf, cap);
    }
}

size_t sl_value_format(const sl_value *v, char *buf, size_t cap)
{
    if (v->is_null || v->type.id == SL_TYPE_NULL)
        return sl_emit("", 0, buf, cap);
    char out[64];
    switch ((sl_type_id)v->type.id) {
    case SL_TYPE_BOOLEAN:
        return v->v.boolean ? sl_emit("true", 4, buf, cap) : sl_emit("false", 5, buf, cap);
    case SL_TYPE_TINYINT:
    case SL_TYPE_SMALLINT:
    case SL_TYPE_INTEGER:
    case SL_TYPE_BIGINT:
        return sl_emit(out, (size_t)sprintf(out, "%lld", (long long)v->v.i64), buf, cap);
    case SL_TYPE_REAL:
        return sl_format_binary_float(v->v.f64, true, buf, cap);
    case SL_TYPE_DOUBLE:
        return sl_format_double(v->v.f64, buf, cap);
    case SL_TYPE_DECIMAL: {
        sl_int128 u = sl_decimal_is_small(v->type) ? v->v.i64 : v->v.i128;
        return sl_format_decimal_ex(u, v->type.scale, v->type.precision != v->type.scale, buf, cap);
    }
    case SL_TYPE_VARCHAR:
        return sl_emit(v->v.str.data ? v->v.str.data : "", v->v.str.length, buf, cap);
    case SL_TYPE_DATE:
        return sl_format_date((int32_t)v->v.i64, buf, cap);
    case SL_TYPE_TIMESTAMP:
        return sl_format_timestamp(v->v.i64, buf, cap);
    case SL_TYPE_INTERVAL:
        return sl_format_interval(v->v.interval, buf, cap);
    default:
        return sl_emit("", 0, buf, cap);
    }
}
