/*
 * types.h — the SQL types and how each is laid out in memory.
 *
 * Physical layout per type (one value slot in a vector's data buffer):
 *   BOOLEAN     uint8_t (0/1)   — byte per value (Arrow bit-packs; export converts)
 *   TINYINT     int8_t          SMALLINT int16_t    INTEGER int32_t   BIGINT int64_t
 *   REAL        float           DOUBLE   double
 *   DECIMAL     precision <= 18: int64_t; precision 19..38: sl_int128 (value * 10^scale)
 *   VARCHAR     sl_string (16 bytes, inline up to 12 bytes, else pointer into a heap)
 *   DATE        int32_t days since 1970-01-01            (Arrow date32, zero-copy)
 *   TIMESTAMP   int64_t microseconds since 1970-01-01    (Arrow timestamp[us], zero-copy)
 *   INTERVAL    sl_interval {months, days, micros}
 *   NULL        the type of an untyped NULL literal; no storage (coerces to anything)
 */
#ifndef SL_VECTOR_TYPES_H
#define SL_VECTOR_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

typedef __int128 sl_int128;
typedef unsigned __int128 sl_uint128;

typedef enum sl_type_id {
    SL_TYPE_INVALID = 0,
    SL_TYPE_NULL,
    SL_TYPE_BOOLEAN,
    SL_TYPE_TINYINT,
    SL_TYPE_SMALLINT,
    SL_TYPE_INTEGER,
    SL_TYPE_BIGINT,
    SL_TYPE_REAL,
    SL_TYPE_DOUBLE,
    SL_TYPE_DECIMAL,
    SL_TYPE_VARCHAR,
    SL_TYPE_DATE,
    SL_TYPE_TIMESTAMP,
    SL_TYPE_INTERVAL,
    SL_TYPE_COUNT_
} sl_type_id;

typedef struct sl_type {
    uint8_t id;          /* sl_type_id */
    uint8_t precision;   /* DECIMAL only: 1..38 */
    uint8_t scale;       /* DECIMAL only: 0..precision */
} sl_type;

#define SL_DECIMAL_MAX_PRECISION 38
#define SL_DECIMAL_INT64_MAX_PRECISION 18

typedef struct sl_interval {
    int32_t months;
    int32_t days;
    int64_t micros;
} sl_interval;

/* A string value: 16 bytes. Strings of up to 12 bytes live inline; longer strings keep
 * their first 4 bytes in `prefix` and point at the bytes, which live in a heap buffer
 * the owning vector keeps alive (see vector.h). Not NUL-terminated. */
#define SL_STRING_INLINE_MAX 12
typedef struct sl_string {
    uint32_t length;
    char prefix[4];
    union {
        char inlined[8];
        const char *ptr;
    } u;
} sl_string;

/* Pointer to the string's bytes (valid while the owner lives). */
static inline const char *sl_string_data(const sl_string *s)
{
    return s->length <= SL_STRING_INLINE_MAX ? s->prefix : s->u.ptr;
}

/* Builds a string value referencing `data` (no copy for long strings: the caller keeps
 * `data` alive, normally by storing it in a vector heap). */
static inline sl_string sl_string_make(const char *data, uint32_t length)
{
    sl_string s;
    memset(&s, 0, sizeof s);
    s.length = length;
    if (length <= SL_STRING_INLINE_MAX) {
        memcpy(s.prefix, data, length);
    } else {
        memcpy(s.prefix, data, 4);
        s.u.ptr = data;
    }
    return s;
}

static inline bool sl_string_equal(const sl_string *a, const sl_string *b)
{
    if (a->length != b->length || memcmp(a->prefix, b->prefix, 4) != 0)
        return false;
    if (a->length <= SL_STRING_INLINE_MAX)
        return memcmp(a->u.inlined, b->u.inlined, 8) == 0;
    return memcmp(a->u.ptr, b->u.ptr, a->length) == 0;
}

/* Byte-wise comparison (UTF-8 byte order == code point order): <0, 0, >0. */
int sl_string_compare(const sl_string *a, const sl_string *b);

/* --------------------------------------------------------------- type helpers */

static inline sl_type sl_type_make(sl_type_id id)
{
    sl_type t = { (uint8_t)id, 0, 0 };
    return t;
}
sl_type sl_type_decimal(int precision, int scale);
bool sl_type_equal(sl_type a, sl_type b);

/* Bytes per value slot in a vector's data buffer (0 for NULL type). */
size_t sl_type_width(sl_type t);
/* DECIMAL stored as int64 (precision <= 18)? */
static inline bool sl_decimal_is_small(sl_type t) { return t.precision <= SL_DECIMAL_INT64_MAX_PRECISION; }

bool sl_type_is_integer(sl_type t);     /* TINYINT..BIGINT */
bool sl_type_is_numeric(sl_type t);     /* integers, REAL, DOUBLE, DECIMAL */
bool sl_type_is_temporal(sl_type t);    /* DATE, TIMESTAMP, INTERVAL */

/* SQL spelling: "INTEGER", "DECIMAL(15,2)", "VARCHAR", ... Writes into buf (NUL-terminated),
 * returns buf. 32 bytes are always enough. */
const char *sl_type_name(sl_type t, char *buf, size_t cap);

/* Parses a type name as written in SQL ("int", "bigint", "decimal(15,2)", "text",
 * "timestamp", "double precision", ...). Returns false if unknown. */
bool sl_type_parse(const char *name, int precision, int scale, sl_type *out);

/* 10^n for n in 0..38. */
sl_int128 sl_pow10_i128(int n);
extern const int64_t sl_pow10_i64[19];

#endif
