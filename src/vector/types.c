/*
 * types.c — SQL type helpers: widths, names, parsing type names as written in SQL,
 * powers of ten for DECIMAL, and string comparison.
 */
#include "vector/types.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>

#include "vector/value.h"

const int64_t sl_pow10_i64[19] = {
    INT64_C(1), INT64_C(10), INT64_C(100), INT64_C(1000), INT64_C(10000), INT64_C(100000),
    INT64_C(1000000), INT64_C(10000000), INT64_C(100000000), INT64_C(1000000000),
    INT64_C(10000000000), INT64_C(100000000000), INT64_C(1000000000000),
    INT64_C(10000000000000), INT64_C(100000000000000), INT64_C(1000000000000000),
    INT64_C(10000000000000000), INT64_C(100000000000000000), INT64_C(1000000000000000000),
};

sl_int128 sl_pow10_i128(int n)
{
    if (n < 0)
        return 0;
    if (n <= 18)
        return sl_pow10_i64[n];
    sl_int128 r = sl_pow10_i64[18];
    for (int i = 18; i < n && i < 38; i++)
        r *= 10;
    return r;
}

int sl_string_compare(const sl_string *a, const sl_string *b)
{
    /* the 4-byte prefix decides most comparisons without touching the heap */
    uint32_t min = a->length < b->length ? a->length : b->length;
    uint32_t prefix = min < 4 ? min : 4;
    int c = memcmp(a->prefix, b->prefix, prefix);
    if (c != 0)
        return c;
    if (min > 4) {
        c = memcmp(sl_string_data(a) + 4, sl_string_data(b) + 4, min - 4);
        if (c != 0)
            return c;
    }
    return a->length < b->length ? -1 : a->length > b->length ? 1 : 0;
}

sl_type sl_type_decimal(int precision, int scale)
{
    sl_type t = { SL_TYPE_DECIMAL, (uint8_t)precision, (uint8_t)scale };
    return t;
}

bool sl_type_equal(sl_type a, sl_type b)
{
    if (a.id != b.id)
        return false;
    if (a.id == SL_TYPE_DECIMAL)
        return a.precision == b.precision && a.scale == b.scale;
    return true;
}

size_t sl_type_width(sl_type t)
{
    switch ((sl_type_id)t.id) {
    case SL_TYPE_BOOLEAN:
    case SL_TYPE_TINYINT: return 1;
    case SL_TYPE_SMALLINT: return 2;
    case SL_TYPE_INTEGER:
    case SL_TYPE_DATE:
    case SL_TYPE_REAL: return 4;
    case SL_TYPE_BIGINT:
    case SL_TYPE_TIMESTAMP:
    case SL_TYPE_DOUBLE: return 8;
    case SL_TYPE_DECIMAL: return sl_decimal_is_small(t) ? 8 : 16;
    case SL_TYPE_VARCHAR: return sizeof(sl_string);
    case SL_TYPE_INTERVAL: return sizeof(sl_interval);
    default: return 0;
    }
}

bool sl_type_is_integer(sl_type t)
{
    return t.id >= SL_TYPE_TINYINT && t.id <= SL_TYPE_BIGINT;
}

bool sl_type_is_numeric(sl_type t)
{
    return t.id >= SL_TYPE_TINYINT && t.id <= SL_TYPE_DECIMAL;
}

bool sl_type_is_temporal(sl_type t)
{
    return t.id == SL_TYPE_DATE || t.id == SL_TYPE_TIMESTAMP || t.id == SL_TYPE_INTERVAL;
}

const char *sl_type_name(sl_type t, char *buf, size_t cap)
{
    const char *name;
    switch ((sl_type_id)t.id) {
    case SL_TYPE_NULL: name = "NULL"; break;
    case SL_TYPE_BOOLEAN: name = "BOOLEAN"; break;
    case SL_TYPE_TINYINT: name = "TINYINT"; break;
    case SL_TYPE_SMALLINT: name = "SMALLINT"; break;
    case SL_TYPE_INTEGER: name = "INTEGER"; break;
    case SL_TYPE_BIGINT: name = "BIGINT"; break;
    case SL_TYPE_REAL: name = "FLOAT"; break;
    case SL_TYPE_DOUBLE: name = "DOUBLE"; break;
    case SL_TYPE_DECIMAL:
        snprintf(buf, cap, "DECIMAL(%d,%d)", t.precision, t.scale);
        return buf;
    case SL_TYPE_VARCHAR: name = "VARCHAR"; break;
    case SL_TYPE_DATE: name = "DATE"; break;
    case SL_TYPE_TIMESTAMP: name = "TIMESTAMP"; break;
    case SL_TYPE_INTERVAL: name = "INTERVAL"; break;
    default: name = "INVALID"; break;
    }
    snprintf(buf, cap, "%s", name);
    return buf;
}

static const struct {
    const char *name;
    sl_type_id id;
} sl_type_aliases[] = {
    { "boolean", SL_TYPE_BOOLEAN }, { "bool", SL_TYPE_BOOLEAN }, { "logical", SL_TYPE_BOOLEAN },
    { "tinyint", SL_TYPE_TINYINT }, { "int1", SL_TYPE_TINYINT },
    { "smallint", SL_TYPE_SMALLINT }, { "int2", SL_TYPE_SMALLINT }, { "short", SL_TYPE_SMALLINT },
    { "integer", SL_TYPE_INTEGER }, { "int", SL_TYPE_INTEGER }, { "int4", SL_TYPE_INTEGER },
    { "signed", SL_TYPE_INTEGER },
    { "bigint", SL_TYPE_BIGINT }, { "int8", SL_TYPE_BIGINT }, { "long", SL_TYPE_BIGINT },
    /* DuckDB: FLOAT is single precision (PostgreSQL would make it double) */
    { "real", SL_TYPE_REAL }, { "float4", SL_TYPE_REAL }, { "float", SL_TYPE_REAL },
    { "double", SL_TYPE_DOUBLE }, { "float8", SL_TYPE_DOUBLE }, { "double precision", SL_TYPE_DOUBLE },
    { "decimal", SL_TYPE_DECIMAL }, { "numeric", SL_TYPE_DECIMAL }, { "dec", SL_TYPE_DECIMAL },
    { "varchar", SL_TYPE_VARCHAR }, { "text", SL_TYPE_VARCHAR }, { "string", SL_TYPE_VARCHAR },
    { "char", SL_TYPE_VARCHAR }, { "bpchar", SL_TYPE_VARCHAR }, { "character", SL_TYPE_VARCHAR },
    { "character varying", SL_TYPE_VARCHAR }, { "nvarchar", SL_TYPE_VARCHAR },
    { "date", SL_TYPE_DATE },
    { "timestamp", SL_TYPE_TIMESTAMP }, { "datetime", SL_TYPE_TIMESTAMP },
    { "timestamp without time zone", SL_TYPE_TIMESTAMP }, { "timestamp_us", SL_TYPE_TIMESTAMP },
    { "interval", SL_TYPE_INTERVAL },
};

/* Accepts the name with an optional "(p)" / "(p,s)" suffix ("decimal(15,2)", "varchar(10)");
 * explicit precision/scale arguments (> 0 / >= 0) are used when the name has none.
 * DECIMAL without precision is DECIMAL(18,3), as in DuckDB. */
bool sl_type_parse(const char *name, int precision, int scale, sl_type *out)
{
    char norm[64];
    size_t n = 0;
    const char *p = name;
    bool space = false;
    while (*p && *p != '(') {
        unsigned char c = (unsigned char)*p++;
        if (isspace(c)) {
            space = n > 0;
            continue;
        }
        if (space) {
            if (n + 1 >= sizeof norm)
                return false;
            norm[n++] = ' ';
            space = false;
        }
        if (n + 1 >= sizeof norm)
            return false;
        norm[n++] = (char)tolower(c);
    }
    norm[n] = '\0';
    bool has_args = false;
    if (*p == '(') {
        char *end;
        long a = strtol(p + 1, &end, 10);
        long b = -1;
        while (isspace((unsigned char)*end))
            end++;
        if (*end == ',') {
            b = strtol(end + 1, &end, 10);
            while (isspace((unsigned char)*end))
                end++;
        }
        if (*end != ')')
            return false;
        end++;
        while (isspace((unsigned char)*end))
            end++;
        if (*end)
            return false;
        precision = (int)a;
        scale = b < 0 ? 0 : (int)b;
        has_args = true;
    }
    for (size_t i = 0; i < sizeof sl_type_aliases / sizeof sl_type_aliases[0]; i++) {
        if (strcmp(norm, sl_type_aliases[i].name) != 0)
            continue;
        sl_type_id id = sl_type_aliases[i].id;
        if (id == SL_TYPE_DECIMAL) {
            if (!has_args && precision <= 0) {
                precision = 18;
                scale = 3;
            }
            if (scale < 0)
                scale = 0;
            if (precision < 1 || precision > SL_DECIMAL_MAX_PRECISION || scale > precision)
                return false;
            *out = sl_type_decimal(precision, scale);
        } else {
            /* a length on a string type is accepted and ignored, as in DuckDB */
            if (has_args && id != SL_TYPE_VARCHAR)
                return false;
            *out = sl_type_make(id);
        }
        return true;
    }
    return false;
}
