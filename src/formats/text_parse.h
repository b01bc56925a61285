/*
 * text_parse.h — fast text-to-value conversion used by the CSV and JSON readers.
 *
 * The readers convert fields straight into typed column slots without building sl_values
 * or NUL-terminated copies. Semantics follow the SQL casts (DuckDB/PostgreSQL): leading
 * and trailing spaces are ignored for non-string types, integer overflow and DECIMAL
 * precision overflow are failures, extra DECIMAL fraction digits round half away from
 * zero, BOOLEAN accepts true/false/t/f/yes/no/y/n/1/0 (any case), DATE is
 * [-]YYYY-MM-DD, TIMESTAMP is a date optionally followed by ' ' or 'T' and
 * HH:MM[:SS[.ffffff]] and an optional 'Z' / +HH[:MM] offset (converted to UTC).
 * Each function returns false when the text does not convert; the caller reports it.
 */
#ifndef SL_FORMATS_TEXT_PARSE_H
#define SL_FORMATS_TEXT_PARSE_H

#include "vector/vector.h"

bool sl_text_parse_boolean(const char *s, size_t n, bool *out);
bool sl_text_parse_int64(const char *s, size_t n, int64_t *out);
bool sl_text_parse_double(const char *s, size_t n, double *out);
/* Unscaled value (value * 10^scale) of DECIMAL(precision, scale). */
bool sl_text_parse_decimal(const char *s, size_t n, int precision, int scale, sl_int128 *out);
bool sl_text_parse_date(const char *s, size_t n, int32_t *days);
bool sl_text_parse_timestamp(const char *s, size_t n, int64_t *micros);

/* Parses text into slot `row` of v (whose type is anything but VARCHAR; INTERVAL goes
 * through sl_value_parse). Does not touch validity. false if the text does not convert. */
bool sl_text_parse_slot(sl_vector *v, uint32_t row, const char *s, size_t n);

/* Is s[0..n) valid UTF-8? On false, *bad_offset is the offset of the first bad byte. */
bool sl_utf8_valid(const char *s, size_t n, size_t *bad_offset);

#endif
