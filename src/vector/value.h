/*
 * value.h — a single typed SQL value (literals, parameters, constant folding, shell output).
 *
 * A VARCHAR value owns its bytes (sl_malloc'd `str`); copy with sl_value_copy and release
 * with sl_value_free. Other types are plain data.
 */
#ifndef SL_VECTOR_VALUE_H
#define SL_VECTOR_VALUE_H

#include "common/status.h"
#include "vector/types.h"
#include "vector/vector.h"

typedef struct sl_value {
    sl_type type;
    bool is_null;
    union {
        bool boolean;
        int64_t i64;          /* TINYINT..BIGINT, DATE (days), TIMESTAMP (us), small DECIMAL */
        sl_int128 i128;       /* large DECIMAL */
        double f64;           /* REAL and DOUBLE */
        sl_interval interval;
        struct {
            char *data;       /* owned, NUL-terminated for convenience */
            uint32_t length;
        } str;
    } v;
} sl_value;

sl_value sl_value_null(sl_type type);
sl_value sl_value_boolean(bool b);
sl_value sl_value_int(sl_type_id id, int64_t v);     /* TINYINT..BIGINT, DATE, TIMESTAMP */
sl_value sl_value_double(double d);
sl_value sl_value_decimal(sl_int128 unscaled, int precision, int scale);
sl_value sl_value_interval(sl_interval iv);
/* Copies the bytes. SL_ERR_OOM on failure. */
sl_status sl_value_varchar(const char *data, uint32_t length, sl_value *out, sl_error *err);

sl_status sl_value_copy(const sl_value *src, sl_value *dst, sl_error *err);
void sl_value_free(sl_value *v);

/* Reads slot `row` of a vector into a value (strings are copied). */
sl_status sl_vector_get_value(const sl_vector *v, uint32_t row, sl_value *out, sl_error *err);
/* Writes a value into slot `row` (value type must equal the vector type). */
sl_status sl_vector_set_value(sl_vector *v, uint32_t row, const sl_value *val, sl_error *err);

/* Text rendering per the shell's CSV contract: NULL -> "" (caller decides), booleans
 * true/false, DATE YYYY-MM-DD, TIMESTAMP YYYY-MM-DD HH:MM:SS[.ffffff], DECIMAL with its
 * scale, DOUBLE shortest round-trip, INTERVAL like DuckDB ("1 year 2 months 3 days 04:05:06").
 * Writes at most cap bytes incl. NUL into buf; returns the full length (snprintf-like). */
size_t sl_format_slot(const sl_vector *v, uint32_t row, char *buf, size_t cap);
size_t sl_value_format(const sl_value *v, char *buf, size_t cap);

/* Individual formatters shared by casts and output. Each returns characters written. */
size_t sl_format_double(double d, char *buf, size_t cap);      /* shortest round-trip; inf/nan as "inf","-inf","nan" */
size_t sl_format_decimal(sl_int128 unscaled, int scale, char *buf, size_t cap);
size_t sl_format_date(int32_t days, char *buf, size_t cap);
size_t sl_format_timestamp(int64_t micros, char *buf, size_t cap);
size_t sl_format_interval(sl_interval iv, char *buf, size_t cap);

#endif
