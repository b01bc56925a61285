/*
 * parquet_read.c — the Parquet file reader: footer → schema mapping → row groups →
 * column chunks → pages → Sluice batches of up to SL_BATCH_CAPACITY rows.
 *
 * A file is memory-mapped once and wrapped in a refcounted sl_buffer; string values of
 * uncompressed PLAIN pages point straight into the mapping (the buffer becomes a heap of
 * the output vector), others into the page's decompressed buffer or the dictionary's.
 * Each column keeps one decoded page at a time: its definition levels and its non-null
 * values already converted to the Sluice slot type ("dense" values); batches copy slots
 * from there. Row groups are read in order; batches never span two row groups. Row groups
 * whose statistics rule out a filter (sl_parquet_reader_set_filters) are skipped unread.
 *
 * Every offset and length taken from the file is checked against the mapping or the
 * page; problems become SL_ERR_INVALID_INPUT "<file>: row group <g>, column '<c>': ...".
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "formats/parquet.h"

/* How a physical value becomes a Sluice slot. */
typedef enum pq_conv {
    CV_BOOL, CV_INT,          /* INT32/INT64 → integer-like slot (see int target) */
    CV_INT96, CV_FLOAT, CV_DOUBLE,
    CV_STRING,                /* BYTE_ARRAY / FIXED_LEN_BYTE_ARRAY → VARCHAR */
    CV_BIN_DECIMAL            /* BYTE_ARRAY / FLBA big-endian two's complement → DECIMAL */
} pq_conv;

typedef struct pq_column {
    const char *name;
    int physical;
    int32_t type_length;
    int max_def;              /* 0 = REQUIRED, 1 = OPTIONAL */
    sl_type type;
    pq_conv conv;
    bool is_unsigned;
    int64_t mul, div;         /* integer scaling (TIMESTAMP MILLIS ×1000, NANOS ÷1000) */
} pq_column;

/* ------------------------------------------------------------------ schema mapping */

static sl_status map_column(const sl_pq_schema_element *e, const char *path, pq_column *c, sl_error *err)
{
    memset(c, 0, sizeof *c);
    c->name = e->name;
    c->physical = e->type;
    c->type_length = e->type_length;
    c->max_def = e->repetition == PQ_OPTIONAL ? 1 : 0;
    c->mul = c->div = 1;
    int ct = e->converted_type, lt = e->logical;
    bool is_decimal = lt == PQ_LT_DECIMAL || ct == PQ_CT_DECIMAL;
    int precision = lt == PQ_LT_DECIMAL ? e->lt_precision : e->precision;
    int scale = lt == PQ_LT_DECIMAL ? e->lt_scale : e->scale;
    if (is_decimal && (precision < 1 || precision > SL_DECIMAL_MAX_PRECISION || scale < 0 || scale > precision))
        return sl_error_set(err, SL_ERR_INVALID_INPUT, "%s: column '%s' has DECIMAL(%d,%d), which is not supported",
                            path, e->name, precision, scale);
    const char *unsupported = NULL;
    switch (e->type) {
    case PQ_BOOLEAN:
        c->type = sl_type_make(SL_TYPE_BOOLEAN);
        c->conv = CV_BOOL;
        break;
    case PQ_INT32:
    case PQ_INT64: {
        c->conv = CV_INT;
        int bits = 0;
        bool is_signed = true;
        if (lt == PQ_LT_INTEGER) {
            bits = e->lt_bit_width;
            is_signed = e->lt_signed;
        } else if (ct >= PQ_CT_UINT_8 && ct <= PQ_CT_UINT_64) {
            bits = 8 << (ct - PQ_CT_UINT_8);
            is_signed = false;
        } else if (ct >= PQ_CT_INT_8 && ct <= PQ_CT_INT_64)
            bits = 8 << (ct - PQ_CT_INT_8);
        if (is_decimal)
            c->type = sl_type_decimal(precision, scale);
        else if (lt == PQ_LT_DATE || ct == PQ_CT_DATE)
            c->type = sl_type_make(SL_TYPE_DATE);
        else if (lt == PQ_LT_TIMESTAMP || ct == PQ_CT_TIMESTAMP_MILLIS || ct == PQ_CT_TIMESTAMP_MICROS) {
            int unit = lt == PQ_LT_TIMESTAMP ? e->lt_unit : ct == PQ_CT_TIMESTAMP_MILLIS ? PQ_UNIT_MILLIS : PQ_UNIT_MICROS;
            c->type = sl_type_make(SL_TYPE_TIMESTAMP);
            if (unit == PQ_UNIT_MILLIS)
                c->mul = 1000;
            else if (unit == PQ_UNIT_NANOS)
                c->div = 1000;
        } else if (lt == PQ_LT_TIME || ct == PQ_CT_TIME_MILLIS || ct == PQ_CT_TIME_MICROS)
            unsupported = "TIME";
        else if (bits) {
            c->is_unsigned = !is_signed;
            if (is_signed)
                c->type = sl_type_make(bits == 8 ? SL_TYPE_TINYINT : bits == 16 ? SL_TYPE_SMALLINT
                                       : bits == 32 ? SL_TYPE_INTEGER : SL_TYPE_BIGINT);
            else
                c->type = bits == 8 ? sl_type_make(SL_TYPE_SMALLINT) : bits == 16 ? sl_type_make(SL_TYPE_INTEGER)
                          : bits == 32 ? sl_type_make(SL_TYPE_BIGINT) : sl_type_decimal(20, 0);
        } else
            c->type = sl_type_make(e->type == PQ_INT32 ? SL_TYPE_INTEGER : SL_TYPE_BIGINT);
        if (e->type == PQ_INT32 && c->is_unsigned == false && bits == 0 && !is_decimal)
            c->is_unsigned = false;
        /* INT32 annotated UINT_32 etc. are read as unsigned 32-bit */
        break;
    }
    case PQ_INT96:
        c->type = sl_type_make(SL_TYPE_TIMESTAMP);
        c->conv = CV_INT96;
        break;
    case PQ_FLOAT:
        c->type = sl_type_make(SL_TYPE_REAL);
        c->conv = CV_FLOAT;
        break;
    case PQ_DOUBLE:
        c->type = sl_type_make(SL_TYPE_DOUBLE);
        c->conv = CV_DOUBLE;
        break;
    case PQ_BYTE_ARRAY:
    case PQ_FIXED_LEN_BYTE_ARRAY:
        if (e->type == PQ_FIXED_LEN_BYTE_ARRAY && (e->type_length <= 0 || e->type_length > (1 << 20)))
            return sl_error_set(err, SL_ERR_INVALID_INPUT, "%s: column '%s' has an invalid FIXED_LEN_BYTE_ARRAY length %d",
                                path, e->name, e->type_length);
        if (is_decimal) {
            c->type = sl_type_decimal(precision, scale);
            c->conv = CV_BIN_DECIMAL;
        } else if (ct == PQ_CT_INTERVAL)
            unsupported = "INTERVAL";
        else {
            c->type = sl_type_make(SL_TYPE_VARCHAR);
            c->conv = CV_STRING;
        }
        break;
    default:
        return sl_error_set(err, SL_ERR_INVALID_INPUT, "%s: column '%s' has an unknown physical type %d", path,
                            e->name, e->type);
    }
    if (unsupported)
        return sl_error_set(err, SL_ERR_INVALID_INPUT, "%s: column '%s' has the Parquet type %s, which is not supported yet",
                            path, e->name, unsupported);
    return SL_OK;
}

/* Flat schema of a parsed footer → columns (arena). Nested columns are an error. */
static sl_status map_schema(sl_arena *arena, const sl_pq_file_meta *meta, const char *path, pq_column **out,
                            uint32_t *count, sl_error *err)
{
    const sl_pq_schema_element *root = &meta->schema[0];
    if (root->num_children < 0 || (uint32_t)root->num_children != meta->schema_count - 1) {
        /* a child group makes the element count larger than the root's children */
        for (uint32_t i = 1; i < meta->schema_count; i++)
            if (meta->schema[i].num_children > 0 || meta->schema[i].type < 0)
                return sl_error_set(err, SL_ERR_INVALID_INPUT,
                                    "%s: column '%s' is nested (LIST, MAP or STRUCT), which is not supported yet; "
                                    "only flat schemas can be read", path, meta->schema[i].name);
        return sl_error_set(err, SL_ERR_INVALID_INPUT, "%s: corrupt Parquet schema (%d children for %u elements)",
                            path, root->num_children, meta->schema_count - 1);
    }
    uint32_t n = meta->schema_count - 1;
    pq_column *cols = sl_arena_calloc(arena, (n + 1) * sizeof *cols);
    if (!cols)
        return sl_error_oom(err);
    for (uint32_t i = 0; i < n; i++) {
        const sl_pq_schema_element *e = &meta->schema[i + 1];
        if (e->num_children > 0 || e->type < 0 || e->repetition == PQ_REPEATED || e->logical == PQ_LT_LIST ||
            e->logical == PQ_LT_MAP)
            return sl_error_set(err, SL_ERR_INVALID_INPUT,
                                "%s: column '%s' is nested (LIST, MAP or STRUCT), which is not supported yet; "
                                "only flat schemas can be read", path, e->name);
        SL_TRY(map_column(e, path, &cols[i], err));
    }
    *out = cols;
    *count = n;
    return SL_OK;
}

/* ------------------------------------------------------------------ file mapping */

static void unmap_release(sl_buffer *buf)
{
    if (buf->data && buf->size)
        munmap(buf->data, buf->size);
}

typedef struct pq_file {
    const char *path;
    sl_buffer *map;           /* the whole file */
    sl_arena arena;           /* footer model */
    sl_pq_file_meta meta;
    pq_column *columns;
    uint32_t column_count;
} pq_file;

static void pq_file_close(pq_file *f)
{
    sl_buffer_unref(f->map);
    f->map = NULL;
    sl_arena_free(&f->arena);
}

static sl_status pq_file_open(const char *path, pq_file *f, sl_error *err)
{
    memset(f, 0, sizeof *f);
    f->path = path;
    sl_arena_init(&f->arena, 0);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return sl_error_set(err, SL_ERR_IO, "cannot open '%s': %s", path, strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0) {
        close(fd);
        return sl_error_set(err, SL_ERR_IO, "cannot read '%s': %s", path, strerror(errno));
    }
    size_t size = (size_t)st.st_size;
    if (size < 12) {
        close(fd);
        return sl_error_set(err, SL_ERR_INVALID_INPUT, "%s: not a Parquet file (too small: %zu bytes)", path, size);
    }
    void *data = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd);
    if (data == MAP_FAILED)
        return sl_error_set(err, SL_ERR_IO, "cannot map '%s': %s", path, strerror(errno));
    f->map = sl_buffer_wrap(data, size, unmap_release, NULL);
    if (!f->map) {
        munmap(data, size);
        return sl_error_oom(err);
    }
    const uint8_t *d = data;
    if (memcmp(d, "PAR1", 4) != 0 || memcmp(d + size - 4, "PAR1", 4) != 0)
        return sl_error_set(err, SL_ERR_INVALID_INPUT, "%s: not a Parquet file (missing PAR1 magic%s)", path,
                            memcmp(d, "PAR1", 4) == 0 ? " at the end: truncated?" : "");
    uint32_t footer_len = (uint32_t)d[size - 8] | (uint32_t)d[size - 7] << 8 | (uint32_t)d[size - 6] << 16 |
                          (uint32_t)d[size - 5] << 24;
    if (footer_len > size - 12)
        return sl_error_set(err, SL_ERR_INVALID_INPUT, "%s: corrupt Parquet file (footer length %u exceeds the file)",
                            path, footer_len);
    SL_TRY(sl_pq_parse_file_meta(&f->arena, d + size - 8 - footer_len, footer_len, path, &f->meta, err));
    SL_TRY(map_schema(&f->arena, &f->meta, path, &f->columns, &f->column_count, err));
    for (uint32_t g = 0; g < f->meta.row_group_count; g++) {
        const sl_pq_row_group *rg = &f->meta.row_groups[g];
        if (rg->column_count != f->column_count || rg->num_rows < 0)
            return sl_error_set(err, SL_ERR_INVALID_INPUT, "%s: row group %u has %u column chunks, expected %u", path,
                                g, rg->column_count, f->column_count);
    }
    return SL_OK;
}

sl_status sl_parquet_read_schema(sl_arena *arena, const char *path, sl_pq_schema *schema, sl_error *err)
{
    pq_file f;
    sl_status st = pq_file_open(path, &f, err);
    if (st == SL_OK) {
        schema->column_count = f.column_count;
        schema->row_count = f.meta.num_rows;
        schema->names = sl_arena_alloc(arena, (f.column_count + 1) * sizeof *schema->names);
        schema->types = sl_arena_alloc(arena, (f.column_count + 1) * sizeof *schema->types);
        if (!schema->names || !schema->types)
            st = sl_error_oom(err);
        for (uint32_t i = 0; st == SL_OK && i < f.column_count; i++) {
            schema->names[i] = sl_arena_strdup(arena, f.columns[i].name);
            schema->types[i] = f.columns[i].type;
            if (!schema->names[i])
                st = sl_error_oom(err);
        }
    }
    pq_file_close(&f);
    return st;
}

/* ------------------------------------------------------------------ column chunk reader */

typedef struct pq_chunk {
    const pq_column *col;
    const char *path;
    uint32_t row_group;
    int codec;
    const uint8_t *pos, *end;    /* remaining pages of the chunk (inside the mapping) */
    sl_buffer *file;             /* borrowed */
    size_t width;                /* slot width */
    /* dictionary */
    uint8_t *dict;               /* dict_count slots */
    uint32_t dict_count;
    sl_buffer *dict_heap;
    /* current page */
    uint8_t *levels;             /* page_n definition levels (NULL = all defined) */
    uint8_t *dense;              /* non-null values as slots */
    uint32_t page_n, page_pos, dense_count, dense_pos;
    sl_buffer *page_heap;        /* holds the bytes long strings of the page point into */
    uint32_t levels_cap, dense_cap;
    uint32_t *scratch;           /* indices / levels */
    uint32_t scratch_cap;
    int64_t *scratch64;
    uint32_t scratch64_cap;
} pq_chunk;

static sl_status chunk_error(const pq_chunk *c, sl_error *err, const char *problem)
{
    return sl_error_set(err, SL_ERR_INVALID_INPUT, "%s: row group %u, column '%s': %s", c->path, c->row_group,
                        c->col->name, problem);
}

static void chunk_free(pq_chunk *c)
{
    sl_free(c->dict);
    sl_buffer_unref(c->dict_heap);
    sl_buffer_unref(c->page_heap);
    sl_free(c->levels);
    sl_free(c->dense);
    sl_free(c->scratch);
    sl_free(c->scratch64);
    memset(c, 0, sizeof *c);
}

static bool grow(void **p, uint32_t *cap, uint32_t n, size_t elem)
{
    if (n <= *cap && *p)
        return true;
    uint32_t nc = n < 1024 ? 1024 : n;
    void *q = sl_realloc(*p, (size_t)nc * elem);
    if (!q)
        return false;
    *p = q;
    *cap = nc;
    return true;
}

static inline int64_t load_le(const uint8_t *p, int n)
{
    if (n == 4) {
        int32_t v;
        memcpy(&v, p, 4);
        return v;
    }
    int64_t v;
    memcpy(&v, p, 8);
    return v;
}

/* Stores integer v (already scaled) into slot i of dst for the column's type. */
static inline void store_int(const pq_column *col, void *dst, uint32_t i, int64_t v)
{
    switch (col->type.id) {
    case SL_TYPE_TINYINT: ((int8_t *)dst)[i] = (int8_t)v; break;
    case SL_TYPE_SMALLINT: ((int16_t *)dst)[i] = (int16_t)v; break;
    case SL_TYPE_INTEGER:
    case SL_TYPE_DATE: ((int32_t *)dst)[i] = (int32_t)v; break;
    case SL_TYPE_DECIMAL:
        if (!sl_decimal_is_small(col->type)) {
            ((sl_int128 *)dst)[i] = col->is_unsigned ? (sl_int128)(uint64_t)v : (sl_int128)v;
            break;
        }
        /* fall through */
    default: ((int64_t *)dst)[i] = v; break;
    }
}

/* Converts n integers (int64 values) to slots. */
static void convert_ints(const pq_column *col, const int64_t *src, uint32_t n, void *dst)
{
    for (uint32_t i = 0; i < n; i++) {
        int64_t v = src[i];
        if (col->physical == PQ_INT32 && col->is_unsigned)
            v = (int64_t)(uint32_t)v;
        if (col->mul != 1)
            v *= col->mul;
        else if (col->div != 1)
            v = v >= 0 ? v / col->div : -((-v + col->div - 1) / col->div);
        store_int(col, dst, i, v);
    }
}

/* Fixed-width plain values (n of them at src) → slots. */
static void convert_fixed(const pq_column *col, const uint8_t *src, uint32_t n, void *dst)
{
    switch (col->conv) {
    case CV_INT: {
        int w = col->physical == PQ_INT32 ? 4 : 8;
        if (col->physical == PQ_INT32 && col->type.id == SL_TYPE_INTEGER && !col->is_unsigned)
            memcpy(dst, src, (size_t)n * 4);
        else if (col->physical == PQ_INT32 && col->type.id == SL_TYPE_DATE)
            memcpy(dst, src, (size_t)n * 4);
        else if (col->physical == PQ_INT64 && col->mul == 1 && col->div == 1 &&
                 (col->type.id == SL_TYPE_BIGINT || col->type.id == SL_TYPE_TIMESTAMP ||
                  (col->type.id == SL_TYPE_DECIMAL && sl_decimal_is_small(col->type))))
            memcpy(dst, src, (size_t)n * 8);
        else
            for (uint32_t i = 0; i < n; i++) {
                int64_t v = load_le(src + (size_t)i * w, w);
                convert_ints(col, &v, 1, (uint8_t *)dst + (size_t)i * sl_type_width(col->type));
            }
        break;
    }
    case CV_INT96:
        for (uint32_t i = 0; i < n; i++) {
            int64_t nanos;
            int32_t jday;
            memcpy(&nanos, src + (size_t)i * 12, 8);
            memcpy(&jday, src + (size_t)i * 12 + 8, 4);
            ((int64_t *)dst)[i] = ((int64_t)jday - 2440588) * 86400000000LL + nanos / 1000;
        }
        break;
    case CV_FLOAT:
        memcpy(dst, src, (size_t)n * 4);
        break;
    case CV_DOUBLE:
        memcpy(dst, src, (size_t)n * 8);
        break;
    default:
        break;
    }
}

/* One byte-array value → slot i (VARCHAR view into the page bytes, or DECIMAL). */
static bool store_binary(const pq_column *col, void *dst, uint32_t i, const uint8_t *p, uint32_t len)
{
    if (col->conv == CV_STRING) {
        ((sl_string *)dst)[i] = sl_string_make((const char *)p, len);
        return true;
    }
    /* big-endian two's complement */
    if (len > 16)
        return false;
    sl_int128 v = len && (p[0] & 0x80) ? -1 : 0;
    for (uint32_t k = 0; k < len; k++)
        v = (sl_int128)(((sl_uint128)v << 8) | p[k]);
    if (sl_decimal_is_small(col->type))
        ((int64_t *)dst)[i] = (int64_t)v;
    else
        ((sl_int128 *)dst)[i] = v;
    return true;
}

static size_t plain_width(const pq_column *col)
{
    switch (col->physical) {
    case PQ_INT32: case PQ_FLOAT: return 4;
    case PQ_INT64: case PQ_DOUBLE: return 8;
    case PQ_INT96: return 12;
    case PQ_FIXED_LEN_BYTE_ARRAY: return (size_t)col->type_length;
    default: return 0;
    }
}

/* Decodes n PLAIN values from data[0..size) into slots at dst. */
static sl_status decode_plain(pq_chunk *c, const uint8_t *data, size_t size, uint32_t n, void *dst, sl_error *err)
{
    const pq_column *col = c->col;
    if (col->physical == PQ_BOOLEAN) {
        if (((size_t)n + 7) / 8 > size)
            return chunk_error(c, err, "PLAIN boolean values exceed the page");
        for (uint32_t i = 0; i < n; i++)
            ((uint8_t *)dst)[i] = (data[i >> 3] >> (i & 7)) & 1;
        return SL_OK;
    }
    if (col->physical == PQ_BYTE_ARRAY) {
        const uint8_t *p = data, *end = data + size;
        for (uint32_t i = 0; i < n; i++) {
            if (end - p < 4)
                return chunk_error(c, err, "PLAIN string values exceed the page");
            uint32_t len = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
            p += 4;
            if (len > (size_t)(end - p))
                return chunk_error(c, err, "string length exceeds the page");
            if (!store_binary(col, dst, i, p, len))
                return chunk_error(c, err, "DECIMAL value longer than 16 bytes");
            p += len;
        }
        return SL_OK;
    }
    size_t w = plain_width(col);
    if ((uint64_t)n * w > size)
        return chunk_error(c, err, "PLAIN values exceed the page");
    if (col->physical == PQ_FIXED_LEN_BYTE_ARRAY) {
        for (uint32_t i = 0; i < n; i++)
            if (!store_binary(col, dst, i, data + (size_t)i * w, (uint32_t)w))
                return chunk_error(c, err, "DECIMAL value longer than 16 bytes");
        return SL_OK;
    }
    convert_fixed(col, data, n, dst);
    return SL_OK;
}

/* Reads the next page header at c->pos; returns its header and payload (still compressed). */
static sl_status next_page(pq_chunk *c, sl_pq_page_header *h, const uint8_t **payload, sl_error *err)
{
    size_t hlen;
    const char *problem = NULL;
    if (!sl_pq_parse_page_header(c->pos, (size_t)(c->end - c->pos), h, &hlen, &problem))
        return chunk_error(c, err, problem ? problem : "corrupt page header");
    c->pos += hlen;
    if ((size_t)h->compressed_size > (size_t)(c->end - c->pos))
        return chunk_error(c, err, "page size exceeds the column chunk (truncated file?)");
    *payload = c->pos;
    c->pos += h->compressed_size;
    return SL_OK;
}

/* Decompressed page bytes: either the payload itself (uncompressed; heap = file) or a new
 * buffer. `prefix` bytes at the start are copied raw (V2 levels). */
static sl_status page_bytes(pq_chunk *c, const sl_pq_page_header *h, const uint8_t *payload, size_t prefix,
                            bool compressed, sl_buffer **heap, const uint8_t **data, size_t *size, sl_error *err)
{
    if (prefix > (size_t)h->compressed_size || prefix > (size_t)h->uncompressed_size)
        return chunk_error(c, err, "level lengths exceed the page");
    if (c->codec == PQ_CODEC_UNCOMPRESSED || !compressed) {
        if (h->uncompressed_size != h->compressed_size)
            return chunk_error(c, err, "uncompressed page with differing sizes");
        *heap = sl_buffer_ref(c->file);
        *data = payload;
        *size = (size_t)h->compressed_size;
        return SL_OK;
    }
    sl_buffer *b = sl_buffer_new((size_t)h->uncompressed_size + 1);
    if (!b)
        return sl_error_oom(err);
    memcpy(b->data, payload, prefix);
    const char *problem;
    if (!sl_pq_decompress(c->codec, payload + prefix, (size_t)h->compressed_size - prefix, b->data + prefix,
                          (size_t)h->uncompressed_size - prefix, &problem)) {
        sl_buffer_unref(b);
        char msg[160];
        snprintf(msg, sizeof msg, "%s page: %s", sl_pq_codec_name(c->codec), problem);
        return chunk_error(c, err, msg);
    }
    b->size = (size_t)h->uncompressed_size;
    *heap = b;
    *data = b->data;
    *size = (size_t)h->uncompressed_size;
    return SL_OK;
}

static sl_status read_dictionary(pq_chunk *c, const sl_pq_page_header *h, const uint8_t *payload, sl_error *err)
{
    if (c->dict)
        return chunk_error(c, err, "more than one dictionary page");
    if (h->encoding != PQ_ENC_PLAIN && h->encoding != PQ_ENC_PLAIN_DICTIONARY)
        return chunk_error(c, err, "dictionary page is not PLAIN encoded");
    const uint8_t *data;
    size_t size;
    SL_TRY(page_bytes(c, h, payload, 0, true, &c->dict_heap, &data, &size, err));
    uint32_t n = (uint32_t)h->num_values;
    if (n > size * 8 + 1)
        return chunk_error(c, err, "dictionary has more values than bytes");
    c->dict = sl_malloc(((size_t)n + 1) * c->width);
    if (!c->dict)
        return sl_error_oom(err);
    c->dict_count = n;
    return decode_plain(c, data, size, n, c->dict, err);
}

/* Gathers dictionary slots for n indices. */
static sl_status gather_dict(pq_chunk *c, const uint32_t *idx, uint32_t n, uint8_t *dst, sl_error *err)
{
    if (!c->dict)
        return chunk_error(c, err, "dictionary-encoded page without a dictionary");
    for (uint32_t i = 0; i < n; i++)
        if (idx[i] >= c->dict_count)
            return chunk_error(c, err, "dictionary index out of range");
    switch (c->width) {
    case 1: for (uint32_t i = 0; i < n; i++) dst[i] = c->dict[idx[i]]; break;
    case 2: for (uint32_t i = 0; i < n; i++) ((int16_t *)dst)[i] = ((int16_t *)c->dict)[idx[i]]; break;
    case 4: for (uint32_t i = 0; i < n; i++) ((int32_t *)dst)[i] = ((int32_t *)c->dict)[idx[i]]; break;
    case 8: for (uint32_t i = 0; i < n; i++) ((int64_t *)dst)[i] = ((int64_t *)c->dict)[idx[i]]; break;
    case 16: for (uint32_t i = 0; i < n; i++) ((sl_string *)dst)[i] = ((sl_string *)c->dict)[idx[i]]; break;
    default: for (uint32_t i = 0; i < n; i++) memcpy(dst + i * c->width, c->dict + idx[i] * c->width, c->width);
    }
    return SL_OK;
}

/* Decodes the values section of a data page (nv non-null values) into c->dense. */
static sl_status decode_values(pq_chunk *c, int encoding, const uint8_t *data, size_t size, uint32_t nv,
                               sl_error *err)
{
    const pq_column *col = c->col;
    if (!grow((void **)&c->dense, &c->dense_cap, nv + 1, c->width))
        return sl_error_oom(err);
    uint8_t *dst = c->dense;
    switch (encoding) {
    case PQ_ENC_PLAIN:
        return decode_plain(c, data, size, nv, dst, err);
    case PQ_ENC_PLAIN_DICTIONARY:
    case PQ_ENC_RLE_DICTIONARY: {
        if (nv == 0)
            return SL_OK;
        if (size < 1)
            return chunk_error(c, err, "dictionary indices missing");
        if (!grow((void **)&c->scratch, &c->scratch_cap, nv, sizeof(uint32_t)))
            return sl_error_oom(err);
        if (!sl_pq_rle_decode(data + 1, size - 1, data[0], nv, c->scratch))
            return chunk_error(c, err, "corrupt dictionary indices");
        return gather_dict(c, c->scratch, nv, dst, err);
    }
    case PQ_ENC_RLE: {
        if (col->physical != PQ_BOOLEAN)
            return chunk_error(c, err, "RLE encoding on a non-boolean column");
        if (size < 4)
            return chunk_error(c, err, "RLE boolean values missing");
        uint32_t len = (uint32_t)data[0] | (uint32_t)data[1] << 8 | (uint32_t)data[2] << 16 | (uint32_t)data[3] << 24;
        if (len > size - 4)
            return chunk_error(c, err, "RLE length exceeds the page");
        if (!grow((void **)&c->scratch, &c->scratch_cap, nv, sizeof(uint32_t)))
            return sl_error_oom(err);
        if (!sl_pq_rle_decode(data + 4, len, 1, nv, c->scratch))
            return chunk_error(c, err, "corrupt RLE boolean values");
        for (uint32_t i = 0; i < nv; i++)
            dst[i] = (uint8_t)c->scratch[i];
        return SL_OK;
    }
    case PQ_ENC_DELTA_BINARY_PACKED: {
        if (col->physical != PQ_INT32 && col->physical != PQ_INT64)
            return chunk_error(c, err, "DELTA_BINARY_PACKED on a non-integer column");
        if (!grow((void **)&c->scratch64, &c->scratch64_cap, nv + 1, sizeof(int64_t)))
            return sl_error_oom(err);
        size_t used;
        if (!sl_pq_delta_decode(data, size, nv, c->scratch64, &used))
            return chunk_error(c, err, "corrupt DELTA_BINARY_PACKED values");
        if (col->physical == PQ_INT32)
            for (uint32_t i = 0; i < nv; i++)
                c->scratch64[i] = (int32_t)c->scratch64[i];
        convert_ints(col, c->scratch64, nv, dst);
        return SL_OK;
    }
    case PQ_ENC_DELTA_LENGTH_BYTE_ARRAY:
    case PQ_ENC_DELTA_BYTE_ARRAY: {
        if (col->physical != PQ_BYTE_ARRAY && col->physical != PQ_FIXED_LEN_BYTE_ARRAY)
            return chunk_error(c, err, "DELTA byte-array encoding on a non-binary column");
        bool prefixed = encoding == PQ_ENC_DELTA_BYTE_ARRAY;
        if (!grow((void **)&c->scratch64, &c->scratch64_cap, 2 * nv + 2, sizeof(int64_t)))
            return sl_error_oom(err);
        int64_t *prefix = c->scratch64, *lens = c->scratch64 + nv + 1;
        size_t used = 0, used2 = 0;
        if (prefixed && !sl_pq_delta_decode(data, size, nv, prefix, &used))
            return chunk_error(c, err, "corrupt DELTA_BYTE_ARRAY prefix lengths");
        if (!sl_pq_delta_decode(data + used, size - used, nv, lens, &used2))
            return chunk_error(c, err, "corrupt DELTA lengths");
        const uint8_t *p = data + used + used2, *end = data + size;
        if (!prefixed) {
            for (uint32_t i = 0; i < nv; i++) {
                if (lens[i] < 0 || lens[i] > end - p)
                    return chunk_error(c, err, "string length exceeds the page");
                if (!store_binary(col, dst, i, p, (uint32_t)lens[i]))
                    return chunk_error(c, err, "DECIMAL value longer than 16 bytes");
                p += lens[i];
            }
            return SL_OK;
        }
        /* rebuild full values into a new heap */
        uint64_t total = 0;
        for (uint32_t i = 0; i < nv; i++) {
            if (lens[i] < 0 || prefix[i] < 0 || lens[i] > end - p)
                return chunk_error(c, err, "corrupt DELTA_BYTE_ARRAY lengths");
            total += (uint64_t)prefix[i] + (uint64_t)lens[i];
            if (total > ((uint64_t)1 << 32))
                return chunk_error(c, err, "DELTA_BYTE_ARRAY values too large");
        }
        sl_buffer *heap = sl_buffer_new(total + 1);
        if (!heap)
            return sl_error_oom(err);
        uint8_t *out = heap->data;
        const uint8_t *prev = NULL;
        uint64_t prev_len = 0;
        for (uint32_t i = 0; i < nv; i++) {
            if ((uint64_t)prefix[i] > prev_len || lens[i] > end - p) {
                sl_buffer_unref(heap);
                return chunk_error(c, err, "DELTA_BYTE_ARRAY prefix longer than the previous value");
            }
            memcpy(out, prev, (size_t)prefix[i]);
            memcpy(out + prefix[i], p, (size_t)lens[i]);
            p += lens[i];
            uint32_t len = (uint32_t)(prefix[i] + lens[i]);
            if (!store_binary(col, dst, i, out, len)) {
                sl_buffer_unref(heap);
                return chunk_error(c, err, "DECIMAL value longer than 16 bytes");
            }
            prev = out;
            prev_len = len;
            out += len;
        }
        heap->size = total;
        sl_buffer_unref(c->page_heap);
        c->page_heap = heap;
        return SL_OK;
    }
    case PQ_ENC_BYTE_STREAM_SPLIT: {
        size_t w = plain_width(col);
        if (w == 0 || col->physical == PQ_INT96)
            return chunk_error(c, err, "BYTE_STREAM_SPLIT on an unsupported type");
        if ((uint64_t)nv * w > size)
            return chunk_error(c, err, "BYTE_STREAM_SPLIT values exceed the page");
        uint8_t *tmp = sl_malloc((size_t)nv * w + 1);
        if (!tmp)
            return sl_error_oom(err);
        for (size_t b = 0; b < w; b++)
            for (uint32_t i = 0; i < nv; i++)
                tmp[(size_t)i * w + b] = data[b * nv + i];
        sl_status st = decode_plain(c, tmp, (size_t)nv * w, nv, dst, err);
        sl_free(tmp);
        return st;
    }
    default: {
        char msg[80];
        snprintf(msg, sizeof msg, "unsupported encoding %d", encoding);
        return chunk_error(c, err, msg);
    }
    }
}

/* Loads the next data page (skipping dictionary/index pages) into levels + dense. */
static sl_status load_page(pq_chunk *c, sl_error *err)
{
    for (;;) {
        if (c->pos >= c->end)
            return chunk_error(c, err, "column chunk ends before the row group's rows (truncated file?)");
        sl_pq_page_header h;
        const uint8_t *payload = NULL;
        SL_TRY(next_page(c, &h, &payload, err));
        if (h.type == PQ_PAGE_DICTIONARY) {
            SL_TRY(read_dictionary(c, &h, payload, err));
            continue;
        }
        if (h.type != PQ_PAGE_DATA && h.type != PQ_PAGE_DATA_V2)
            continue;
        bool v2 = h.type == PQ_PAGE_DATA_V2;
        if (v2 && h.rep_length)
            return chunk_error(c, err, "repetition levels in a flat column");
        size_t prefix = v2 ? (size_t)h.def_length + (size_t)h.rep_length : 0;
        sl_buffer *heap = NULL;
        const uint8_t *data;
        size_t size;
        SL_TRY(page_bytes(c, &h, payload, prefix, v2 ? h.is_compressed : true, &heap, &data, &size, err));
        sl_buffer_unref(c->page_heap);
        c->page_heap = heap;
        uint32_t n = (uint32_t)h.num_values;
        if (n > (1u << 30))
            return chunk_error(c, err, "page value count too large");
        const uint8_t *values = data;
        size_t values_size = size;
        uint32_t nv = n;
        if (c->col->max_def > 0) {
            const uint8_t *lv;
            size_t lv_size;
            if (v2) {
                lv = data;
                lv_size = (size_t)h.def_length;
                values = data + prefix;
                values_size = size - prefix;
            } else {
                if (size < 4)
                    return chunk_error(c, err, "definition levels missing");
                uint32_t len = (uint32_t)data[0] | (uint32_t)data[1] << 8 | (uint32_t)data[2] << 16 |
                               (uint32_t)data[3] << 24;
                if (len > size - 4)
                    return chunk_error(c, err, "definition levels exceed the page");
                lv = data + 4;
                lv_size = len;
                values = data + 4 + len;
                values_size = size - 4 - len;
            }
            if (!grow((void **)&c->scratch, &c->scratch_cap, n + 1, sizeof(uint32_t)) ||
                !grow((void **)&c->levels, &c->levels_cap, n + 1, 1))
                return sl_error_oom(err);
            if (!sl_pq_rle_decode(lv, lv_size, 1, n, c->scratch))
                return chunk_error(c, err, "corrupt definition levels");
            nv = 0;
            for (uint32_t i = 0; i < n; i++) {
                c->levels[i] = (uint8_t)c->scratch[i];
                nv += c->scratch[i];
            }
        } else if (v2) {
            values = data + prefix;
            values_size = size - prefix;
        }
        SL_TRY(decode_values(c, h.encoding, values, values_size, nv, err));
        c->page_n = n;
        c->page_pos = 0;
        c->dense_count = nv;
        c->dense_pos = 0;
        return SL_OK;
    }
}

/* Copies the next n rows into out[offset..). */
static sl_status chunk_fill(pq_chunk *c, sl_vector *out, uint32_t n, sl_error *err)
{
    uint32_t row = 0;
    bool strings = c->col->type.id == SL_TYPE_VARCHAR;
    while (row < n) {
        if (c->page_pos >= c->page_n)
            SL_TRY(load_page(c, err));
        uint32_t take = c->page_n - c->page_pos;
        if (take > n - row)
            take = n - row;
        if (strings) {
            if (c->page_heap)
                SL_TRY(sl_vector_add_heap(out, c->page_heap, err));
            if (c->dict_heap)
                SL_TRY(sl_vector_add_heap(out, c->dict_heap, err));
        }
        uint8_t *dst = (uint8_t *)out->data;
        if (c->col->max_def == 0) {
            memcpy(dst + (size_t)row * c->width, c->dense + (size_t)c->dense_pos * c->width, (size_t)take * c->width);
            c->dense_pos += take;
        } else {
            const uint8_t *lv = c->levels + c->page_pos;
            uint32_t defined = 0;
            for (uint32_t i = 0; i < take; i++)
                defined += lv[i];
            if (defined == take) {
                memcpy(dst + (size_t)row * c->width, c->dense + (size_t)c->dense_pos * c->width,
                       (size_t)take * c->width);
                c->dense_pos += take;
            } else {
                SL_TRY(sl_vector_ensure_validity(out, err));
                for (uint32_t i = 0; i < take; i++) {
                    if (lv[i]) {
                        memcpy(dst + (size_t)(row + i) * c->width, c->dense + (size_t)c->dense_pos * c->width,
                               c->width);
                        c->dense_pos++;
                    } else {
                        memset(dst + (size_t)(row + i) * c->width, 0, c->width);
                        sl_validity_set(out->validity, row + i, false);
                    }
                }
            }
        }
        c->page_pos += take;
        row += take;
    }
    return SL_OK;
}

static sl_status chunk_open(pq_chunk *c, const pq_file *f, uint32_t g, uint32_t leaf, sl_error *err)
{
    memset(c, 0, sizeof *c);
    const sl_pq_column_chunk *cc = &f->meta.row_groups[g].columns[leaf];
    c->col = &f->columns[leaf];
    c->path = f->path;
    c->row_group = g;
    c->codec = cc->codec;
    c->file = f->map;
    c->width = sl_type_width(c->col->type);
    if (!cc->has_meta)
        return chunk_error(c, err, "column chunk without metadata");
    if (cc->external)
        return chunk_error(c, err, "column chunk stored in another file, which is not supported");
    if (cc->type != c->col->physical)
        return chunk_error(c, err, "column chunk type differs from the schema");
    int64_t start = cc->data_page_offset;
    if (cc->dictionary_page_offset > 0 && cc->dictionary_page_offset < start)
        start = cc->dictionary_page_offset;
    int64_t fsize = (int64_t)f->map->size;
    if (start < 4 || start >= fsize || cc->total_compressed_size < 0 || cc->total_compressed_size > fsize - start)
        return chunk_error(c, err, "column chunk lies outside the file (truncated file?)");
    c->pos = f->map->data + start;
    c->end = c->pos + cc->total_compressed_size;
    if (c->codec != PQ_CODEC_UNCOMPRESSED && c->codec != PQ_CODEC_SNAPPY && c->codec != PQ_CODEC_GZIP &&
        c->codec != PQ_CODEC_ZSTD && c->codec != PQ_CODEC_LZ4 && c->codec != PQ_CODEC_LZ4_RAW) {
        char msg[80];
        snprintf(msg, sizeof msg, "compression codec %s is not supported", sl_pq_codec_name(c->codec));
        return chunk_error(c, err, msg);
    }
    return SL_OK;
}

/* ------------------------------------------------------------------ reader */

struct sl_parquet_reader {
    const char *const *paths;
    uint32_t path_count;
    uint32_t next_path;
    const sl_pq_schema *schema;
    uint32_t column_count;
    uint32_t *columns;           /* output column → schema column */
    sl_type *types;
    bool file_open;
    pq_file file;
    uint32_t row_group;          /* next row group to open */
    bool group_open;
    int64_t group_rows_left;
    pq_chunk *chunks;            /* column_count */
    uint32_t filter_count;
    sl_pq_filter *filters;       /* row-group skipping conjuncts (owned copy) */
};

static void close_group(sl_parquet_reader *r)
{
    if (r->group_open)
        for (uint32_t i = 0; i < r->column_count; i++)
            chunk_free(&r->chunks[i]);
    r->group_open = false;
}

static void close_file(sl_parquet_reader *r)
{
    close_group(r);
    if (r->file_open)
        pq_file_close(&r->file);
    r->file_open = false;
}

static sl_status open_file(sl_parquet_reader *r, const char *path, sl_error *err)
{
    r->file_open = true;
    r->row_group = 0;
    SL_TRY(pq_file_open(path, &r->file, err));
    const sl_pq_schema *s = r->schema;
    if (r->file.column_count != s->column_count)
        return sl_error_set(err, SL_ERR_INVALID_INPUT, "%s: has %u columns but the first file has %u", path,
                            r->file.column_count, s->column_count);
    for (uint32_t i = 0; i < s->column_count; i++) {
        if (strcmp(r->file.columns[i].name, s->names[i]) != 0 || !sl_type_equal(r->file.columns[i].type, s->types[i])) {
            char a[32], b[32];
            return sl_error_set(err, SL_ERR_INVALID_INPUT,
                                "%s: column %u is '%s' %s but the first file has '%s' %s (schemas of all files must match)",
                                path, i + 1, r->file.columns[i].name, sl_type_name(r->file.columns[i].type, a, sizeof a),
                                s->names[i], sl_type_name(s->types[i], b, sizeof b));
        }
    }
    return SL_OK;
}

sl_status sl_parquet_reader_open(const char *const *paths, uint32_t path_count, const sl_pq_schema *schema,
                                 const uint32_t *columns, uint32_t column_count, sl_parquet_reader **out,
                                 sl_error *err)
{
    sl_parquet_reader *r = sl_calloc(1, sizeof *r);
    if (!r)
        return sl_error_oom(err);
    r->paths = paths;
    r->path_count = path_count;
    r->schema = schema;
    r->column_count = columns ? column_count : schema->column_count;
    r->columns = sl_calloc(r->column_count + 1, sizeof *r->columns);
    r->types = sl_calloc(r->column_count + 1, sizeof *r->types);
    r->chunks = sl_calloc(r->column_count + 1, sizeof *r->chunks);
    if (!r->columns || !r->types || !r->chunks) {
        sl_parquet_reader_free(r);
        return sl_error_oom(err);
    }
    for (uint32_t i = 0; i < r->column_count; i++) {
        r->columns[i] = columns ? columns[i] : i;
        if (r->columns[i] >= schema->column_count) {
            sl_parquet_reader_free(r);
            return sl_error_set(err, SL_ERR_INTERNAL, "parquet reader: column %u out of range", r->columns[i]);
        }
        r->types[i] = schema->types[r->columns[i]];
    }
    *out = r;
    return SL_OK;
}

sl_status sl_parquet_reader_set_filters(sl_parquet_reader *r, const sl_pq_filter *filters, uint32_t count,
                                        sl_error *err)
{
    sl_free(r->filters);
    r->filters = NULL;
    r->filter_count = 0;
    if (count == 0)
        return SL_OK;
    r->filters = sl_malloc(sizeof *filters * count);
    if (!r->filters)
        return sl_error_oom(err);
    for (uint32_t i = 0; i < count; i++) {
        if (filters[i].column >= r->schema->column_count)
            return sl_error_set(err, SL_ERR_INTERNAL, "parquet reader: filter column %u out of range",
                                filters[i].column);
        r->filters[r->filter_count++] = filters[i];   /* only fixed-width values are read */
    }
    return SL_OK;
}

/* A statistics bound (min or max) of an integer-slot column as the slot's int64 value
 * (the same monotone conversion the decoder applies); false if unusable. */
static bool stat_int(const pq_column *col, const uint8_t *bytes, uint32_t len, int64_t *out)
{
    int64_t v;
    if (col->physical == PQ_INT32 && len == 4) {
        int32_t x;
        memcpy(&x, bytes, 4);
        v = x;
    } else if (col->physical == PQ_INT64 && len == 8) {
        memcpy(&v, bytes, 8);
    } else
        return false;
    if (col->mul != 1 && __builtin_mul_overflow(v, col->mul, &v))
        return false;
    if (col->div != 1)
        v = v >= 0 ? v / col->div : -((-v + col->div - 1) / col->div);
    *out = v;
    return true;
}

static bool stat_float(const pq_column *col, const uint8_t *bytes, uint32_t len, double *out)
{
    if (col->conv == CV_DOUBLE && len == 8) {
        memcpy(out, bytes, 8);
    } else if (col->conv == CV_FLOAT && len == 4) {
        float f;
        memcpy(&f, bytes, 4);
        *out = f;
    } else
        return false;
    return !isnan(*out);
}

/* -1, 0, 1: a vs b (callers exclude NaN). */
#define PQ_CMP(a, b) ((a) < (b) ? -1 : (a) > (b) ? 1 : 0)

/* False when row group g's statistics prove filter f true for none of its rows. */
static bool filter_may_match(const sl_parquet_reader *r, uint32_t g, const sl_pq_filter *f)
{
    const sl_pq_row_group *rg = &r->file.meta.row_groups[g];
    const pq_column *col = &r->file.columns[f->column];
    const sl_pq_statistics *st = &rg->columns[f->column].stats;
    if (f->value.is_null || !sl_type_equal(f->value.type, col->type))
        return true;
    if (st->has_null_count && rg->num_rows > 0 && st->null_count >= rg->num_rows)
        return false;   /* all NULL: no comparison is TRUE */
    if (!st->has_min || !st->has_max)
        return true;
    int lo, hi;   /* min vs value, max vs value */
    sl_type_id id = col->type.id;
    bool integer_slot = id == SL_TYPE_TINYINT || id == SL_TYPE_SMALLINT || id == SL_TYPE_INTEGER ||
                        id == SL_TYPE_BIGINT || id == SL_TYPE_DATE || id == SL_TYPE_TIMESTAMP ||
                        (id == SL_TYPE_DECIMAL && col->type.precision <= SL_DECIMAL_INT64_MAX_PRECISION);
    if (col->conv == CV_INT && !col->is_unsigned && integer_slot) {
        int64_t mn, mx;
        if (!stat_int(col, st->min, st->min_len, &mn) || !stat_int(col, st->max, st->max_len, &mx))
            return true;
        lo = PQ_CMP(mn, f->value.v.i64);
        hi = PQ_CMP(mx, f->value.v.i64);
    } else if ((col->conv == CV_DOUBLE || col->conv == CV_FLOAT) && !isnan(f->value.v.f64)) {
        /* writers leave NaN out of min/max, and NaN sorts above every number (PostgreSQL),
         * so a row group may hold values above its max: only upper-bounded filters skip */
        if (f->op == SL_PQ_FILTER_GT || f->op == SL_PQ_FILTER_GE)
            return true;
        double mn, mx;
        if (!stat_float(col, st->min, st->min_len, &mn) || !stat_float(col, st->max, st->max_len, &mx))
            return true;
        lo = PQ_CMP(mn, f->value.v.f64);
        hi = PQ_CMP(mx, f->value.v.f64);
    } else
        return true;
    switch (f->op) {
    case SL_PQ_FILTER_EQ: return lo <= 0 && hi >= 0;
    case SL_PQ_FILTER_LT: return lo < 0;
    case SL_PQ_FILTER_LE: return lo <= 0;
    case SL_PQ_FILTER_GT: return hi > 0;
    case SL_PQ_FILTER_GE: return hi >= 0;
    }
    return true;
}

static bool group_may_match(const sl_parquet_reader *r, uint32_t g)
{
    for (uint32_t i = 0; i < r->filter_count; i++)
        if (!filter_may_match(r, g, &r->filters[i]))
            return false;
    return true;
}

sl_status sl_parquet_reader_next(sl_parquet_reader *r, sl_batch **out, sl_error *err)
{
    *out = NULL;
    for (;;) {
        if (r->group_open && r->group_rows_left > 0)
            break;
        close_group(r);
        if (r->file_open && r->row_group < r->file.meta.row_group_count) {
            uint32_t g = r->row_group++;
            if (!group_may_match(r, g))
                continue;
            r->group_rows_left = r->file.meta.row_groups[g].num_rows;
            r->group_open = true;
            for (uint32_t i = 0; i < r->column_count; i++) {
                sl_status st = chunk_open(&r->chunks[i], &r->file, g, r->columns[i], err);
                if (st != SL_OK) {
                    for (uint32_t k = i + 1; k < r->column_count; k++)
                        memset(&r->chunks[k], 0, sizeof r->chunks[k]);
                    return st;
                }
            }
            continue;
        }
        close_file(r);
        if (r->next_path >= r->path_count)
            return SL_OK;
        SL_TRY(open_file(r, r->paths[r->next_path++], err));
    }
    uint32_t n = r->group_rows_left > SL_BATCH_CAPACITY ? SL_BATCH_CAPACITY : (uint32_t)r->group_rows_left;
    sl_batch *b = sl_batch_new_typed(r->types, r->column_count, SL_BATCH_CAPACITY);
    if (!b)
        return sl_error_oom(err);
    for (uint32_t i = 0; i < r->column_count; i++) {
        sl_status st = chunk_fill(&r->chunks[i], b->columns[i], n, err);
        if (st != SL_OK) {
            sl_batch_free(b);
            return st;
        }
    }
    b->length = b->count = n;
    r->group_rows_left -= n;
    *out = b;
    return SL_OK;
}

double sl_parquet_reader_fraction(const sl_parquet_reader *r)
{
    if (r->path_count == 0)
        return 1;
    double files = (double)r->next_path - (r->file_open ? 1 : 0), within = 0;
    if (r->file_open && r->file.meta.row_group_count > 0) {
        double groups = (double)r->row_group - (r->group_open ? 1 : 0);
        if (r->group_open) {
            int64_t rows = r->file.meta.row_groups[r->row_group - 1].num_rows;
            if (rows > 0)
                groups += (double)(rows - r->group_rows_left) / (double)rows;
        }
        within = groups / (double)r->file.meta.row_group_count;
    }
    double f = (files + within) / (double)r->path_count;
    return f < 0 ? 0 : f > 1 ? 1 : f;
}

void sl_parquet_reader_free(sl_parquet_reader *r)
{
    if (!r)
        return;
    close_file(r);
    sl_free(r->columns);
    sl_free(r->types);
    sl_free(r->chunks);
    sl_free(r->filters);
    sl_free(r);
}
