/*
 * parquet.h — Parquet file format: metadata model, codecs, encodings, reader and writer
 * (formats-internal; users: read_parquet (parquet_table_function.c), copy_from.c,
 * exec/copy_to.c).
 *
 * Files:
 *   parquet_thrift.[ch]   Thrift compact protocol
 *   parquet_meta.c        footer (FileMetaData) and page header parse / serialize
 *   parquet_codec.c       snappy, gzip, zstd, lz4 (raw and Hadoop-framed)
 *   parquet_encoding.c    RLE/bit-packed hybrid, DELTA_* and BYTE_STREAM_SPLIT decoders, RLE encoder
 *   parquet_read.c        file reader: schema mapping, column chunks → batches
 *   parquet_write.c       writer for COPY ... TO (FORMAT parquet)
 *
 * Only flat schemas are supported: a root with primitive children (REQUIRED or OPTIONAL).
 * Nested (LIST, MAP, STRUCT, REPEATED) columns are rejected with an error naming them.
 */
#ifndef SL_FORMATS_PARQUET_H
#define SL_FORMATS_PARQUET_H

#include "common/alloc.h"
#include "formats/copy.h"
#include "vector/batch.h"

/* Physical types */
enum { PQ_BOOLEAN = 0, PQ_INT32, PQ_INT64, PQ_INT96, PQ_FLOAT, PQ_DOUBLE, PQ_BYTE_ARRAY, PQ_FIXED_LEN_BYTE_ARRAY };
/* Converted types (legacy annotations) */
enum {
    PQ_CT_NONE = -1, PQ_CT_UTF8 = 0, PQ_CT_MAP = 1, PQ_CT_MAP_KEY_VALUE = 2, PQ_CT_LIST = 3, PQ_CT_ENUM = 4,
    PQ_CT_DECIMAL = 5, PQ_CT_DATE = 6, PQ_CT_TIME_MILLIS = 7, PQ_CT_TIME_MICROS = 8, PQ_CT_TIMESTAMP_MILLIS = 9,
    PQ_CT_TIMESTAMP_MICROS = 10, PQ_CT_UINT_8 = 11, PQ_CT_UINT_16 = 12, PQ_CT_UINT_32 = 13, PQ_CT_UINT_64 = 14,
    PQ_CT_INT_8 = 15, PQ_CT_INT_16 = 16, PQ_CT_INT_32 = 17, PQ_CT_INT_64 = 18, PQ_CT_JSON = 19, PQ_CT_BSON = 20,
    PQ_CT_INTERVAL = 21
};
/* Logical type (the union's field id) */
enum {
    PQ_LT_NONE = 0, PQ_LT_STRING = 1, PQ_LT_MAP = 2, PQ_LT_LIST = 3, PQ_LT_ENUM = 4, PQ_LT_DECIMAL = 5,
    PQ_LT_DATE = 6, PQ_LT_TIME = 7, PQ_LT_TIMESTAMP = 8, PQ_LT_INTEGER = 10, PQ_LT_UNKNOWN = 11, PQ_LT_JSON = 12,
    PQ_LT_BSON = 13, PQ_LT_UUID = 14, PQ_LT_FLOAT16 = 15
};
enum { PQ_UNIT_MILLIS = 1, PQ_UNIT_MICROS = 2, PQ_UNIT_NANOS = 3 };
enum { PQ_REQUIRED = 0, PQ_OPTIONAL = 1, PQ_REPEATED = 2 };
enum {
    PQ_ENC_PLAIN = 0, PQ_ENC_PLAIN_DICTIONARY = 2, PQ_ENC_RLE = 3, PQ_ENC_BIT_PACKED = 4,
    PQ_ENC_DELTA_BINARY_PACKED = 5, PQ_ENC_DELTA_LENGTH_BYTE_ARRAY = 6, PQ_ENC_DELTA_BYTE_ARRAY = 7,
    PQ_ENC_RLE_DICTIONARY = 8, PQ_ENC_BYTE_STREAM_SPLIT = 9
};
enum {
    PQ_CODEC_UNCOMPRESSED = 0, PQ_CODEC_SNAPPY = 1, PQ_CODEC_GZIP = 2, PQ_CODEC_LZO = 3, PQ_CODEC_BROTLI = 4,
    PQ_CODEC_LZ4 = 5, PQ_CODEC_ZSTD = 6, PQ_CODEC_LZ4_RAW = 7
};
enum { PQ_PAGE_DATA = 0, PQ_PAGE_INDEX = 1, PQ_PAGE_DICTIONARY = 2, PQ_PAGE_DATA_V2 = 3 };

typedef struct sl_pq_schema_element {
    int type;                    /* physical type, -1 for groups */
    int32_t type_length;
    int repetition;              /* -1 = not given (root) */
    const char *name;            /* arena, NUL-terminated */
    int32_t num_children;
    int converted_type;          /* PQ_CT_*, PQ_CT_NONE */
    int32_t scale, precision;
    int logical;                 /* PQ_LT_* */
    int32_t lt_scale, lt_precision;
    int lt_bit_width;            /* INTEGER */
    bool lt_signed;
    int lt_unit;                 /* TIMESTAMP / TIME */
} sl_pq_schema_element;

typedef struct sl_pq_statistics {
    bool has_min, has_max, has_null_count;
    const uint8_t *min;          /* points into the footer bytes */
    uint32_t min_len;
    const uint8_t *max;
    uint32_t max_len;
    int64_t null_count;
} sl_pq_statistics;

typedef struct sl_pq_column_chunk {
    int type;
    int codec;
    int64_t num_values;
    int64_t total_compressed_size;
    int64_t data_page_offset;
    int64_t dictionary_page_offset;   /* -1 = none */
    bool has_meta;
    bool external;                    /* file_path set: data in another file (unsupported) */
    sl_pq_statistics stats;
} sl_pq_column_chunk;

typedef struct sl_pq_row_group {
    int64_t num_rows;
    uint32_t column_count;
    sl_pq_column_chunk *columns;
} sl_pq_row_group;

typedef struct sl_pq_file_meta {
    int64_t num_rows;
    uint32_t schema_count;
    sl_pq_schema_element *schema;
    uint32_t row_group_count;
    sl_pq_row_group *row_groups;
    const char *created_by;
} sl_pq_file_meta;

typedef struct sl_pq_page_header {
    int type;
    int32_t uncompressed_size;
    int32_t compressed_size;
    int32_t num_values;
    int encoding;
    /* V2 */
    int32_t num_nulls, num_rows;
    int32_t def_length, rep_length;
    bool is_compressed;
    /* dictionary */
    bool has_data, has_dict, has_v2;
} sl_pq_page_header;

/* Parses the footer bytes. Strings and stats point into `data` (must outlive meta) or are
 * copied into arena. On malformed input: SL_ERR_INVALID_INPUT "<path>: ...". */
sl_status sl_pq_parse_file_meta(sl_arena *arena, const uint8_t *data, size_t size, const char *path,
                                sl_pq_file_meta *meta, sl_error *err);
/* Parses a page header at data[0..size); *header_len = bytes consumed. false if malformed
 * (*problem says why). */
bool sl_pq_parse_page_header(const uint8_t *data, size_t size, sl_pq_page_header *h, size_t *header_len,
                             const char **problem);

/* ------------------------------------------------------------------ codecs (parquet_codec.c) */

/* Decompresses src into dst (exactly dst_size bytes expected). false + *problem on failure. */
bool sl_pq_decompress(int codec, const uint8_t *src, size_t src_size, uint8_t *dst, size_t dst_size,
                      const char **problem);
/* Compresses src into a fresh sl_malloc'd buffer. false on failure/OOM. */
bool sl_pq_compress(int codec, const uint8_t *src, size_t src_size, uint8_t **dst, size_t *dst_size);
const char *sl_pq_codec_name(int codec);

/* ------------------------------------------------------------------ encodings (parquet_encoding.c) */

/* RLE/bit-packed hybrid decoder of `count` values of `bit_width` bits (0..32) into out.
 * Returns false if data runs out or a value is out of range. */
bool sl_pq_rle_decode(const uint8_t *data, size_t size, int bit_width, uint32_t count, uint32_t *out);
/* DELTA_BINARY_PACKED: decodes `count` values into out (int64). *consumed = bytes read. */
bool sl_pq_delta_decode(const uint8_t *data, size_t size, uint32_t count, int64_t *out, size_t *consumed);
/* RLE hybrid encoder (bit-packed runs of 8 and RLE runs) appending to a growable buffer. */
typedef struct sl_pq_bytes {
    uint8_t *data;
    size_t size, cap;
    bool failed;
} sl_pq_bytes;
void sl_pq_bytes_put(sl_pq_bytes *b, const void *p, size_t n);
void sl_pq_bytes_free(sl_pq_bytes *b);
void sl_pq_rle_encode(sl_pq_bytes *out, const uint32_t *values, uint32_t count, int bit_width);
int sl_pq_bit_width(uint32_t max_value);

/* ------------------------------------------------------------------ reader (parquet_read.c) */

/* The schema of a file as Sluice columns. */
typedef struct sl_pq_schema {
    uint32_t column_count;
    const char **names;
    sl_type *types;
    int64_t row_count;          /* rows of the file the schema was read from (planning estimates) */
} sl_pq_schema;

/* Reads the footer of `path` and maps the schema (arena). Errors name the file and, for
 * unsupported columns, the column. */
sl_status sl_parquet_read_schema(sl_arena *arena, const char *path, sl_pq_schema *schema, sl_error *err);

typedef struct sl_parquet_reader sl_parquet_reader;

/* Reads every file in order; each must have the schema's column names and types.
 * `columns` (NULL = all) selects the columns produced, in that order (projection). */
sl_status sl_parquet_reader_open(const char *const *paths, uint32_t path_count, const sl_pq_schema *schema,
                                 const uint32_t *columns, uint32_t column_count, sl_parquet_reader **out,
                                 sl_error *err);

/* Row-group skipping: `column op value` (schema column number; value non-NULL, of the
 * column's type). */
typedef enum sl_pq_filter_op { SL_PQ_FILTER_EQ, SL_PQ_FILTER_LT, SL_PQ_FILTER_LE, SL_PQ_FILTER_GT, SL_PQ_FILTER_GE } sl_pq_filter_op;
typedef struct sl_pq_filter {
    uint32_t column;
    sl_pq_filter_op op;
    sl_value value;
} sl_pq_filter;
/* Sets conjuncts (copied; call before the first next): a row group whose column-chunk
 * statistics prove that some filter holds for none of its rows (all NULL, or min/max out
 * of range) is skipped. Only statistics of signed integer, DATE, TIMESTAMP, INT32/INT64
 * DECIMAL and REAL/DOUBLE columns are used (REAL/DOUBLE only for =, <, <=: NaN, above every
 * number, is left out of statistics); other filters never skip. Rows of groups that
 * are read are all returned (the caller still filters them). */
sl_status sl_parquet_reader_set_filters(sl_parquet_reader *r, const sl_pq_filter *filters, uint32_t count,
                                        sl_error *err);
/* Next batch (caller frees) or *out = NULL at the end. Corrupt data: SL_ERR_INVALID_INPUT
 * naming file, row group and column. */
sl_status sl_parquet_reader_next(sl_parquet_reader *r, sl_batch **out, sl_error *err);
/* How much of the reader's input has been read (0..1): files done plus the current file's
 * share of row groups read (for progress). */
double sl_parquet_reader_fraction(const sl_parquet_reader *r);
void sl_parquet_reader_free(sl_parquet_reader *r);

/* ------------------------------------------------------------------ writer (parquet_write.c) */

typedef struct sl_parquet_writer sl_parquet_writer;

/* codec: PQ_CODEC_*; row_group_size: rows per row group (0 = 122880). */
sl_status sl_parquet_writer_open(const char *path, uint32_t column_count, const sl_type *types,
                                 const char *const *names, int codec, int64_t row_group_size,
                                 sl_parquet_writer **out, sl_error *err);
sl_status sl_parquet_writer_write(sl_parquet_writer *w, const sl_batch *batch, sl_error *err);
sl_status sl_parquet_writer_commit(sl_parquet_writer *w, sl_error *err);
void sl_parquet_writer_abort(sl_parquet_writer *w);

#endif
