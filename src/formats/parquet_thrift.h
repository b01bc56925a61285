/*
 * parquet_thrift.h — a minimal Thrift compact-protocol decoder and encoder, enough for the
 * Parquet footer (FileMetaData) and page headers (formats-internal; parquet_meta.c).
 *
 * Decoding works on a bounded byte range: every length, count and nesting step is checked
 * against the end of the input and a depth cap, and the first problem sets `failed` (all
 * later reads then return zeros), so callers check once at the end. Nothing allocates.
 * Encoding appends to a growable byte buffer (sl_malloc); an allocation failure sets
 * `failed` as well.
 */
#ifndef SL_FORMATS_PARQUET_THRIFT_H
#define SL_FORMATS_PARQUET_THRIFT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Compact-protocol type codes. */
enum {
    SL_TC_STOP = 0, SL_TC_TRUE = 1, SL_TC_FALSE = 2, SL_TC_BYTE = 3, SL_TC_I16 = 4, SL_TC_I32 = 5,
    SL_TC_I64 = 6, SL_TC_DOUBLE = 7, SL_TC_BINARY = 8, SL_TC_LIST = 9, SL_TC_SET = 10, SL_TC_MAP = 11,
    SL_TC_STRUCT = 12
};

#define SL_TC_MAX_DEPTH 64

typedef struct sl_tc_reader {
    const uint8_t *p;
    const uint8_t *end;
    bool failed;
    const char *problem;          /* first problem, static text */
    int16_t last_id[SL_TC_MAX_DEPTH];
    int depth;
} sl_tc_reader;

void sl_tc_reader_init(sl_tc_reader *r, const uint8_t *data, size_t size);
/* Enters a struct (resets the field id delta base). */
void sl_tc_struct_begin(sl_tc_reader *r);
void sl_tc_struct_end(sl_tc_reader *r);
/* Next field header of the current struct: false at STOP (or failure). *type is the
 * compact type (TRUE/FALSE for booleans: the value is in the type). */
bool sl_tc_field(sl_tc_reader *r, int *type, int16_t *id);
int64_t sl_tc_varint(sl_tc_reader *r);           /* zigzag i16/i32/i64 */
uint64_t sl_tc_uvarint(sl_tc_reader *r);
double sl_tc_double(sl_tc_reader *r);
/* Binary/string: pointer into the input and length. */
const uint8_t *sl_tc_binary(sl_tc_reader *r, uint32_t *len);
/* List/set header: element type and count (count checked against the remaining bytes). */
uint32_t sl_tc_list(sl_tc_reader *r, int *elem_type);
/* Boolean field value from the field type (TRUE/FALSE) or, in lists, a byte. */
bool sl_tc_bool_elem(sl_tc_reader *r);
/* Skips a value of the given type (nested values included, depth-capped). */
void sl_tc_skip(sl_tc_reader *r, int type);
void sl_tc_fail(sl_tc_reader *r, const char *problem);

/* ------------------------------------------------------------------ encoder */

typedef struct sl_tc_writer {
    uint8_t *data;
    size_t size;
    size_t cap;
    bool failed;
    int16_t last_id[SL_TC_MAX_DEPTH];
    int depth;
} sl_tc_writer;

void sl_tc_writer_init(sl_tc_writer *w);
void sl_tc_writer_free(sl_tc_writer *w);
void sl_tc_w_struct_begin(sl_tc_writer *w);
void sl_tc_w_struct_end(sl_tc_writer *w);  /* writes STOP */
void sl_tc_w_field(sl_tc_writer *w, int type, int16_t id);
void sl_tc_w_i32(sl_tc_writer *w, int16_t id, int32_t v);
void sl_tc_w_i64(sl_tc_writer *w, int16_t id, int64_t v);
void sl_tc_w_bool(sl_tc_writer *w, int16_t id, bool v);
void sl_tc_w_byte(sl_tc_writer *w, int16_t id, int8_t v);
void sl_tc_w_binary(sl_tc_writer *w, int16_t id, const void *data, size_t len);
/* A list field header; the caller then writes `count` elements (varints via
 * sl_tc_w_varint, binaries via sl_tc_w_raw_binary, structs via struct_begin/end). */
void sl_tc_w_list(sl_tc_writer *w, int16_t id, int elem_type, uint32_t count);
void sl_tc_w_varint(sl_tc_writer *w, int64_t v);
void sl_tc_w_raw_binary(sl_tc_writer *w, const void *data, size_t len);

#endif
