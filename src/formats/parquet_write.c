/*
 * parquet_write.c — the Parquet writer behind COPY ... TO 'x.parquet' (FORMAT parquet).
 *
 * Rows are buffered per column for one row group (default 122880 rows): definition
 * levels (every column is written OPTIONAL), PLAIN value bytes and, for VARCHAR, a
 * dictionary built on the fly (given up when it grows past 1 MiB or 32767 entries).
 * Flushing a row group writes per column one dictionary page (when kept) and one V1 data
 * page (RLE definition levels + PLAIN or RLE_DICTIONARY values), each compressed with the
 * chosen codec, and records min/max/null_count statistics in the column chunk metadata.
 * Commit writes the footer (Thrift compact FileMetaData) and renames the file into place
 * (file_output.c), so a failed COPY leaves no partial file.
 */
#include <math.h>
#include <stdio.h>

#include "formats/file_output.h"
#include "formats/parquet.h"
#include "formats/parquet_thrift.h"

#define PQ_DICT_MAX_BYTES (1u << 20)
#define PQ_DICT_MAX_ENTRIES 32767u

typedef struct pw_chunk_meta {
    int64_t dict_offset;        /* -1 = none */
    int64_t data_offset;
    int64_t compressed, uncompressed;
    int64_t num_values;
    int64_t null_count;
    bool dict;
    bool has_stats;
    uint8_t *min, *max;         /* stats bytes (sl_malloc) */
    uint32_t min_len, max_len;
} pw_chunk_meta;

typedef struct pw_column {
    sl_type type;
    const char *name;
    int physical;
    int32_t type_length;
    /* row group buffers */
    sl_pq_bytes defs;           /* one byte per row */
    sl_pq_bytes plain;          /* PLAIN bytes of the non-null values */
    uint32_t rows, values;
    /* dictionary (VARCHAR) */
    bool dict_ok;
    sl_pq_bytes dict_plain;     /* PLAIN bytes of the entries */
    uint32_t *dict_offsets;     /* entry → offset of its 4-byte length in dict_plain */
    uint32_t dict_count;
    uint32_t *hash;             /* open addressing: entry + 1, 0 = empty */
    uint32_t hash_cap;
    sl_pq_bytes indices;        /* uint32 per value */
    /* statistics */
    bool has_minmax;
    union { int64_t i; double d; } min, max;
    uint8_t *smin, *smax;
    uint32_t smin_len, smax_len;
} pw_column;

typedef struct pw_row_group {
    int64_t rows;
    int64_t total_bytes;
    pw_chunk_meta *chunks;
} pw_row_group;

struct sl_parquet_writer {
    sl_file_output out;
    bool open;
    int64_t offset;
    int codec;
    int64_t row_group_size;
    uint32_t column_count;
    pw_column *cols;
    uint32_t rows;              /* in the current row group */
    pw_row_group *groups;
    uint32_t group_count, group_cap;
    int64_t total_rows;
};

static sl_status out_write(sl_parquet_writer *w, const void *p, size_t n, sl_error *err)
{
    SL_TRY(sl_file_output_write(&w->out, p, n, err));
    w->offset += (int64_t)n;
    return SL_OK;
}

static void column_reset(pw_column *c)
{
    c->defs.size = c->plain.size = c->dict_plain.size = c->indices.size = 0;
    c->rows = c->values = 0;
    c->dict_ok = c->type.id == SL_TYPE_VARCHAR;
    c->dict_count = 0;
    if (c->hash)
        memset(c->hash, 0, c->hash_cap * sizeof *c->hash);
    c->has_minmax = false;
    sl_free(c->smin);
    sl_free(c->smax);
    c->smin = c->smax = NULL;
}

static void column_free(pw_column *c)
{
    sl_pq_bytes_free(&c->defs);
    sl_pq_bytes_free(&c->plain);
    sl_pq_bytes_free(&c->dict_plain);
    sl_pq_bytes_free(&c->indices);
    sl_free(c->dict_offsets);
    sl_free(c->hash);
    sl_free(c->smin);
    sl_free(c->smax);
}

static void writer_free(sl_parquet_writer *w)
{
    for (uint32_t i = 0; w->cols && i < w->column_count; i++)
        column_free(&w->cols[i]);
    for (uint32_t g = 0; g < w->group_count; g++) {
        for (uint32_t i = 0; i < w->column_count; i++) {
            sl_free(w->groups[g].chunks[i].min);
            sl_free(w->groups[g].chunks[i].max);
        }
        sl_free(w->groups[g].chunks);
    }
    sl_free(w->groups);
    sl_free(w->cols);
    sl_free(w);
}

sl_status sl_parquet_writer_open(const char *path, uint32_t column_count, const sl_type *types,
                                 const char *const *names, int codec, int64_t row_group_size,
                                 sl_parquet_writer **out, sl_error *err)
{
    for (uint32_t i = 0; i < column_count; i++)
        if (types[i].id == SL_TYPE_INTERVAL)
            return sl_error_set(err, SL_ERR_INVALID_ARG,
                                "column '%s' is an INTERVAL, which cannot be written to Parquet yet", names[i]);
    sl_parquet_writer *w = sl_calloc(1, sizeof *w);
    if (!w)
        return sl_error_oom(err);
    w->codec = codec;
    w->row_group_size = row_group_size > 0 ? row_group_size : 122880;
    w->column_count = column_count;
    w->cols = sl_calloc(column_count + 1, sizeof *w->cols);
    if (!w->cols) {
        writer_free(w);
        return sl_error_oom(err);
    }
    for (uint32_t i = 0; i < column_count; i++) {
        pw_column *c = &w->cols[i];
        c->type = types[i];
        c->name = names[i];
        switch (types[i].id) {
        case SL_TYPE_BOOLEAN: c->physical = PQ_BOOLEAN; break;
        case SL_TYPE_BIGINT: case SL_TYPE_TIMESTAMP: c->physical = PQ_INT64; break;
        case SL_TYPE_REAL: c->physical = PQ_FLOAT; break;
        case SL_TYPE_DOUBLE: c->physical = PQ_DOUBLE; break;
        case SL_TYPE_VARCHAR: c->physical = PQ_BYTE_ARRAY; break;
        case SL_TYPE_DECIMAL:
            if (types[i].precision <= 9)
                c->physical = PQ_INT32;
            else if (types[i].precision <= 18)
                c->physical = PQ_INT64;
            else {
                c->physical = PQ_FIXED_LEN_BYTE_ARRAY;
                c->type_length = 16;
            }
            break;
        default: c->physical = PQ_INT32; break;   /* TINYINT, SMALLINT, INTEGER, DATE, NULL */
        }
        column_reset(c);
    }
    sl_status st = sl_file_output_open(&w->out, path, err);
    if (st != SL_OK) {
        writer_free(w);
        return st;
    }
    w->open = true;
    st = out_write(w, "PAR1", 4, err);
    if (st != SL_OK) {
        sl_parquet_writer_abort(w);
        return st;
    }
    *out = w;
    return SL_OK;
}

static uint32_t hash_bytes(const uint8_t *p, uint32_t n)
{
    uint32_t h = 2166136261u;
    for (uint32_t i = 0; i < n; i++)
        h = (h ^ p[i]) * 16777619u;
    return h;
}

/* Adds a string to the dictionary; returns false when the dictionary was given up. */
static bool dict_add(pw_column *c, const uint8_t *s, uint32_t n)
{
    if (!c->dict_ok)
        return false;
    if (c->hash_cap == 0 || (c->dict_count + 1) * 2 > c->hash_cap) {
        uint32_t cap = c->hash_cap ? c->hash_cap * 2 : 1024;
        uint32_t *h = sl_calloc(cap, sizeof *h);
        uint32_t *offs = sl_realloc(c->dict_offsets, (size_t)cap * sizeof *offs);
        if (!h || !offs) {
            sl_free(h);
            if (offs)
                c->dict_offsets = offs;
            c->dict_ok = false;
            return false;
        }
        c->dict_offsets = offs;
        for (uint32_t e = 0; e < c->dict_count; e++) {
            const uint8_t *p = c->dict_plain.data + c->dict_offsets[e];
            uint32_t len;
            memcpy(&len, p, 4);
            uint32_t k = hash_bytes(p + 4, len) & (cap - 1);
            while (h[k])
                k = (k + 1) & (cap - 1);
            h[k] = e + 1;
        }
        sl_free(c->hash);
        c->hash = h;
        c->hash_cap = cap;
    }
    uint32_t k = hash_bytes(s, n) & (c->hash_cap - 1);
    while (c->hash[k]) {
        uint32_t e = c->hash[k] - 1;
        const uint8_t *p = c->dict_plain.data + c->dict_offsets[e];
        uint32_t len;
        memcpy(&len, p, 4);
        if (len == n && memcmp(p + 4, s, n) == 0) {
            sl_pq_bytes_put(&c->indices, &e, 4);
            return true;
        }
        k = (k + 1) & (c->hash_cap - 1);
    }
    if (c->dict_count >= PQ_DICT_MAX_ENTRIES || c->dict_plain.size + n + 4 > PQ_DICT_MAX_BYTES) {
        c->dict_ok = false;
        return false;
    }
    uint32_t e = c->dict_count++;
    c->dict_offsets[e] = (uint32_t)c->dict_plain.size;
    sl_pq_bytes_put(&c->dict_plain, &n, 4);
    sl_pq_bytes_put(&c->dict_plain, s, n);
    c->hash[k] = e + 1;
    sl_pq_bytes_put(&c->indices, &e, 4);
    return true;
}

static bool set_bytes(uint8_t **dst, uint32_t *dst_len, const void *s, uint32_t n)
{
    uint8_t *p = sl_realloc(*dst, n ? n : 1);
    if (!p)
        return false;
    memcpy(p, s, n);
    *dst = p;
    *dst_len = n;
    return true;
}

static int bytes_cmp(const uint8_t *a, uint32_t an, const uint8_t *b, uint32_t bn)
{
    int c = memcmp(a, b, an < bn ? an : bn);
    return c ? c : (an > bn) - (an < bn);
}

/* Appends one column of a batch (active rows only). */
static sl_status append_column(pw_column *c, const sl_vector *v, const sl_batch *b, sl_error *err)
{
    for (uint32_t r = 0; r < b->count; r++) {
        uint32_t row = sl_batch_row(b, r);
        uint8_t def = c->type.id != SL_TYPE_NULL && sl_vector_is_valid(v, row);
        sl_pq_bytes_put(&c->defs, &def, 1);
        c->rows++;
        if (!def)
            continue;
        c->values++;
        int64_t iv = 0;
        double dv = 0;
        bool is_int = false, is_dbl = false;
        switch (c->type.id) {
        case SL_TYPE_BOOLEAN: {
            uint8_t x = SL_VECTOR_DATA(v, uint8_t)[row] != 0;
            sl_pq_bytes_put(&c->plain, &x, 1);   /* bit-packed at flush */
            iv = x, is_int = true;
            break;
        }
        case SL_TYPE_TINYINT: iv = SL_VECTOR_DATA(v, int8_t)[row]; goto i32;
        case SL_TYPE_SMALLINT: iv = SL_VECTOR_DATA(v, int16_t)[row]; goto i32;
        case SL_TYPE_INTEGER: case SL_TYPE_DATE: iv = SL_VECTOR_DATA(v, int32_t)[row]; goto i32;
        case SL_TYPE_BIGINT: case SL_TYPE_TIMESTAMP: iv = SL_VECTOR_DATA(v, int64_t)[row]; goto i64;
        case SL_TYPE_DECIMAL:
            if (c->physical == PQ_FIXED_LEN_BYTE_ARRAY) {
                sl_int128 x = SL_VECTOR_DATA(v, sl_int128)[row];
                uint8_t be[16];
                for (int k = 0; k < 16; k++)
                    be[15 - k] = (uint8_t)((sl_uint128)x >> (8 * k));
                sl_pq_bytes_put(&c->plain, be, 16);
                break;
            }
            iv = SL_VECTOR_DATA(v, int64_t)[row];
            if (c->physical == PQ_INT64)
                goto i64;
        i32: {
            int32_t x = (int32_t)iv;
            sl_pq_bytes_put(&c->plain, &x, 4);
            is_int = true;
            break;
        }
        i64:
            sl_pq_bytes_put(&c->plain, &iv, 8);
            is_int = true;
            break;
        case SL_TYPE_REAL: {
            float x = SL_VECTOR_DATA(v, float)[row];
            sl_pq_bytes_put(&c->plain, &x, 4);
            dv = x, is_dbl = !isnan(x);
            break;
        }
        case SL_TYPE_DOUBLE: {
            double x = SL_VECTOR_DATA(v, double)[row];
            sl_pq_bytes_put(&c->plain, &x, 8);
            dv = x, is_dbl = !isnan(x);
            break;
        }
        case SL_TYPE_VARCHAR: {
            const sl_string *s = &SL_VECTOR_DATA(v, sl_string)[row];
            const uint8_t *p = (const uint8_t *)sl_string_data(s);
            uint32_t n = s->length;
            sl_pq_bytes_put(&c->plain, &n, 4);
            sl_pq_bytes_put(&c->plain, p, n);
            if (c->dict_ok)
                dict_add(c, p, n);
            if (!c->has_minmax) {
                if (!set_bytes(&c->smin, &c->smin_len, p, n) || !set_bytes(&c->smax, &c->smax_len, p, n))
                    return sl_error_oom(err);
                c->has_minmax = true;
            } else {
                if (bytes_cmp(p, n, c->smin, c->smin_len) < 0 && !set_bytes(&c->smin, &c->smin_len, p, n))
                    return sl_error_oom(err);
                if (bytes_cmp(p, n, c->smax, c->smax_len) > 0 && !set_bytes(&c->smax, &c->smax_len, p, n))
                    return sl_error_oom(err);
            }
            break;
        }
        default:
            break;
        }
        if (is_int) {
            if (!c->has_minmax || iv < c->min.i) c->min.i = iv;
            if (!c->has_minmax || iv > c->max.i) c->max.i = iv;
            c->has_minmax = true;
        } else if (is_dbl) {
            if (!c->has_minmax || dv < c->min.d) c->min.d = dv;
            if (!c->has_minmax || dv > c->max.d) c->max.d = dv;
            c->has_minmax = true;
        }
    }
    if (c->defs.failed || c->plain.failed || c->dict_plain.failed || c->indices.failed)
        return sl_error_oom(err);
    return SL_OK;
}

/* Writes one page: header + compressed body. */
static sl_status write_page(sl_parquet_writer *w, int type, const sl_pq_bytes *body, uint32_t num_values,
                            int encoding, pw_chunk_meta *m, sl_error *err)
{
    uint8_t *comp = NULL;
    size_t comp_size = 0;
    if (!sl_pq_compress(w->codec, body->data ? body->data : (const uint8_t *)"", body->size, &comp, &comp_size))
        return sl_error_set(err, SL_ERR_IO, "Parquet %s compression failed", sl_pq_codec_name(w->codec));
    if (body->size > INT32_MAX || comp_size > INT32_MAX) {
        sl_free(comp);
        return sl_error_set(err, SL_ERR_INVALID_ARG, "Parquet page larger than 2 GiB; use a smaller ROW_GROUP_SIZE");
    }
    sl_tc_writer t;
    sl_tc_writer_init(&t);
    sl_tc_w_struct_begin(&t);
    sl_tc_w_i32(&t, 1, type);
    sl_tc_w_i32(&t, 2, (int32_t)body->size);
    sl_tc_w_i32(&t, 3, (int32_t)comp_size);
    sl_tc_w_field(&t, SL_TC_STRUCT, type == PQ_PAGE_DICTIONARY ? 7 : 5);
    sl_tc_w_struct_begin(&t);
    sl_tc_w_i32(&t, 1, (int32_t)num_values);
    sl_tc_w_i32(&t, 2, encoding);
    if (type == PQ_PAGE_DATA) {
        sl_tc_w_i32(&t, 3, PQ_ENC_RLE);
        sl_tc_w_i32(&t, 4, PQ_ENC_RLE);
    }
    sl_tc_w_struct_end(&t);
    sl_tc_w_struct_end(&t);
    sl_status st = t.failed ? sl_error_oom(err) : out_write(w, t.data, t.size, err);
    if (st == SL_OK)
        st = out_write(w, comp, comp_size, err);
    m->compressed += (int64_t)(t.size + comp_size);
    m->uncompressed += (int64_t)(t.size + body->size);
    sl_tc_writer_free(&t);
    sl_free(comp);
    return st;
}

static sl_status flush_column(sl_parquet_writer *w, pw_column *c, pw_chunk_meta *m, sl_error *err)
{
    memset(m, 0, sizeof *m);
    m->dict_offset = -1;
    m->num_values = c->rows;
    m->null_count = c->rows - c->values;
    bool dict = c->dict_ok && c->type.id == SL_TYPE_VARCHAR && c->values > 0;
    sl_status st = SL_OK;
    sl_pq_bytes body = { 0 };
    if (dict) {
        m->dict = true;
        m->dict_offset = w->offset;
        SL_TRY(write_page(w, PQ_PAGE_DICTIONARY, &c->dict_plain, c->dict_count, PQ_ENC_PLAIN, m, err));
    }
    m->data_offset = w->offset;
    /* definition levels */
    uint32_t *levels = sl_malloc(((size_t)c->rows + 1) * sizeof *levels);
    if (!levels)
        return sl_error_oom(err);
    for (uint32_t i = 0; i < c->rows; i++)
        levels[i] = c->defs.data[i];
    sl_pq_bytes rle = { 0 };
    sl_pq_rle_encode(&rle, levels, c->rows, 1);
    uint32_t len = (uint32_t)rle.size;
    sl_pq_bytes_put(&body, &len, 4);
    sl_pq_bytes_put(&body, rle.data, rle.size);
    sl_pq_bytes_free(&rle);
    sl_free(levels);
    int encoding = PQ_ENC_PLAIN;
    if (dict) {
        encoding = PQ_ENC_RLE_DICTIONARY;
        uint8_t bw = (uint8_t)sl_pq_bit_width(c->dict_count - 1);
        sl_pq_bytes_put(&body, &bw, 1);
        sl_pq_rle_encode(&body, (const uint32_t *)c->indices.data, c->values, bw);
    } else if (c->type.id == SL_TYPE_BOOLEAN) {
        uint8_t byte = 0;
        for (uint32_t i = 0; i < c->values; i++) {
            byte |= (uint8_t)(c->plain.data[i] << (i & 7));
            if ((i & 7) == 7 || i + 1 == c->values) {
                sl_pq_bytes_put(&body, &byte, 1);
                byte = 0;
            }
        }
    } else
        sl_pq_bytes_put(&body, c->plain.data, c->plain.size);
    if (body.failed)
        st = sl_error_oom(err);
    if (st == SL_OK)
        st = write_page(w, PQ_PAGE_DATA, &body, c->rows, encoding, m, err);
    sl_pq_bytes_free(&body);
    SL_TRY(st);
    /* statistics in PLAIN encoding of the physical type */
    if (c->has_minmax) {
        uint8_t a[8], b[8];
        uint32_t n = 0;
        if (c->type.id == SL_TYPE_VARCHAR) {
            if (!set_bytes(&m->min, &m->min_len, c->smin, c->smin_len) ||
                !set_bytes(&m->max, &m->max_len, c->smax, c->smax_len))
                return sl_error_oom(err);
            m->has_stats = true;
            return SL_OK;
        }
        if (c->physical == PQ_BOOLEAN) {
            a[0] = (uint8_t)c->min.i, b[0] = (uint8_t)c->max.i, n = 1;
        } else if (c->physical == PQ_INT32) {
            int32_t x = (int32_t)c->min.i, y = (int32_t)c->max.i;
            memcpy(a, &x, 4), memcpy(b, &y, 4), n = 4;
        } else if (c->physical == PQ_INT64) {
            memcpy(a, &c->min.i, 8), memcpy(b, &c->max.i, 8), n = 8;
        } else if (c->physical == PQ_FLOAT) {
            float x = (float)c->min.d, y = (float)c->max.d;
            memcpy(a, &x, 4), memcpy(b, &y, 4), n = 4;
        } else if (c->physical == PQ_DOUBLE) {
            memcpy(a, &c->min.d, 8), memcpy(b, &c->max.d, 8), n = 8;
        }
        if (n) {
            if (!set_bytes(&m->min, &m->min_len, a, n) || !set_bytes(&m->max, &m->max_len, b, n))
                return sl_error_oom(err);
            m->has_stats = true;
        }
    }
    return SL_OK;
}

static sl_status flush_row_group(sl_parquet_writer *w, sl_error *err)
{
    if (w->rows == 0)
        return SL_OK;
    if (w->group_count == w->group_cap) {
        uint32_t cap = w->group_cap ? w->group_cap * 2 : 8;
        pw_row_group *g = sl_realloc(w->groups, cap * sizeof *g);
        if (!g)
            return sl_error_oom(err);
        w->groups = g;
        w->group_cap = cap;
    }
    pw_row_group *g = &w->groups[w->group_count];
    g->chunks = sl_calloc(w->column_count + 1, sizeof *g->chunks);
    if (!g->chunks)
        return sl_error_oom(err);
    g->rows = w->rows;
    g->total_bytes = 0;
    w->group_count++;
    for (uint32_t i = 0; i < w->column_count; i++) {
        SL_TRY(flush_column(w, &w->cols[i], &g->chunks[i], err));
        g->total_bytes += g->chunks[i].uncompressed;
        column_reset(&w->cols[i]);
    }
    w->total_rows += w->rows;
    w->rows = 0;
    return SL_OK;
}

sl_status sl_parquet_writer_write(sl_parquet_writer *w, const sl_batch *batch, sl_error *err)
{
    /* split the batch at row-group boundaries */
    uint32_t done = 0;
    while (done < batch->count) {
        uint32_t room = (uint32_t)(w->row_group_size - w->rows);
        uint32_t take = batch->count - done < room ? batch->count - done : room;
        sl_batch part = *batch;
        uint32_t *sel = NULL;
        if (done > 0 || take < batch->count) {
            sel = sl_malloc(((size_t)take + 1) * sizeof *sel);
            if (!sel)
                return sl_error_oom(err);
            for (uint32_t r = 0; r < take; r++)
                sel[r] = sl_batch_row(batch, done + r);
            part.sel = sel;
            part.count = take;
        }
        sl_status st = SL_OK;
        for (uint32_t i = 0; i < w->column_count && st == SL_OK; i++)
            st = append_column(&w->cols[i], batch->columns[i], &part, err);
        sl_free(sel);
        SL_TRY(st);
        w->rows += take;
        done += take;
        if (w->rows >= w->row_group_size)
            SL_TRY(flush_row_group(w, err));
    }
    return SL_OK;
}

static void write_schema_element(sl_tc_writer *t, const pw_column *c)
{
    sl_tc_w_struct_begin(t);
    sl_tc_w_i32(t, 1, c->physical);
    if (c->physical == PQ_FIXED_LEN_BYTE_ARRAY)
        sl_tc_w_i32(t, 2, c->type_length);
    sl_tc_w_i32(t, 3, PQ_OPTIONAL);
    sl_tc_w_binary(t, 4, c->name, strlen(c->name));
    int ct = PQ_CT_NONE;
    switch (c->type.id) {
    case SL_TYPE_TINYINT: ct = PQ_CT_INT_8; break;
    case SL_TYPE_SMALLINT: ct = PQ_CT_INT_16; break;
    case SL_TYPE_VARCHAR: ct = PQ_CT_UTF8; break;
    case SL_TYPE_DECIMAL: ct = PQ_CT_DECIMAL; break;
    case SL_TYPE_DATE: ct = PQ_CT_DATE; break;
    case SL_TYPE_TIMESTAMP: ct = PQ_CT_TIMESTAMP_MICROS; break;
    default: break;
    }
    if (ct != PQ_CT_NONE)
        sl_tc_w_i32(t, 6, ct);
    if (c->type.id == SL_TYPE_DECIMAL) {
        sl_tc_w_i32(t, 7, c->type.scale);
        sl_tc_w_i32(t, 8, c->type.precision);
    }
    int lt = PQ_LT_NONE;
    switch (c->type.id) {
    case SL_TYPE_TINYINT: case SL_TYPE_SMALLINT: lt = PQ_LT_INTEGER; break;
    case SL_TYPE_VARCHAR: lt = PQ_LT_STRING; break;
    case SL_TYPE_DECIMAL: lt = PQ_LT_DECIMAL; break;
    case SL_TYPE_DATE: lt = PQ_LT_DATE; break;
    case SL_TYPE_TIMESTAMP: lt = PQ_LT_TIMESTAMP; break;
    default: break;
    }
    if (lt != PQ_LT_NONE) {
        sl_tc_w_field(t, SL_TC_STRUCT, 10);
        sl_tc_w_struct_begin(t);
        sl_tc_w_field(t, SL_TC_STRUCT, (int16_t)lt);
        sl_tc_w_struct_begin(t);
        if (lt == PQ_LT_INTEGER) {
            sl_tc_w_byte(t, 1, c->type.id == SL_TYPE_TINYINT ? 8 : 16);
            sl_tc_w_bool(t, 2, true);
        } else if (lt == PQ_LT_DECIMAL) {
            sl_tc_w_i32(t, 1, c->type.scale);
            sl_tc_w_i32(t, 2, c->type.precision);
        } else if (lt == PQ_LT_TIMESTAMP) {
            sl_tc_w_bool(t, 1, false);
            sl_tc_w_field(t, SL_TC_STRUCT, 2);
            sl_tc_w_struct_begin(t);
            sl_tc_w_field(t, SL_TC_STRUCT, PQ_UNIT_MICROS);
            sl_tc_w_struct_begin(t);
            sl_tc_w_struct_end(t);
            sl_tc_w_struct_end(t);
        }
        sl_tc_w_struct_end(t);
        sl_tc_w_struct_end(t);
    }
    sl_tc_w_struct_end(t);
}

static void write_column_chunk(sl_tc_writer *t, const pw_column *c, const pw_chunk_meta *m, int codec)
{
    sl_tc_w_struct_begin(t);
    sl_tc_w_i64(t, 2, m->dict ? m->dict_offset : m->data_offset);
    sl_tc_w_field(t, SL_TC_STRUCT, 3);
    sl_tc_w_struct_begin(t);
    sl_tc_w_i32(t, 1, c->physical);
    sl_tc_w_list(t, 2, SL_TC_I32, m->dict ? 3 : 2);
    sl_tc_w_varint(t, m->dict ? PQ_ENC_RLE_DICTIONARY : PQ_ENC_PLAIN);
    sl_tc_w_varint(t, PQ_ENC_RLE);
    if (m->dict)
        sl_tc_w_varint(t, PQ_ENC_PLAIN);
    sl_tc_w_list(t, 3, SL_TC_BINARY, 1);
    sl_tc_w_raw_binary(t, c->name, strlen(c->name));
    sl_tc_w_i32(t, 4, codec);
    sl_tc_w_i64(t, 5, m->num_values);
    sl_tc_w_i64(t, 6, m->uncompressed);
    sl_tc_w_i64(t, 7, m->compressed);
    sl_tc_w_i64(t, 9, m->data_offset);
    if (m->dict)
        sl_tc_w_i64(t, 11, m->dict_offset);
    sl_tc_w_field(t, SL_TC_STRUCT, 12);
    sl_tc_w_struct_begin(t);
    sl_tc_w_i64(t, 3, m->null_count);
    if (m->has_stats) {
        sl_tc_w_binary(t, 5, m->max, m->max_len);
        sl_tc_w_binary(t, 6, m->min, m->min_len);
    }
    sl_tc_w_struct_end(t);
    sl_tc_w_struct_end(t);
    sl_tc_w_struct_end(t);
}

sl_status sl_parquet_writer_commit(sl_parquet_writer *w, sl_error *err)
{
    sl_status st = flush_row_group(w, err);
    sl_tc_writer t;
    sl_tc_writer_init(&t);
    if (st == SL_OK) {
        sl_tc_w_struct_begin(&t);
        sl_tc_w_i32(&t, 1, 1);
        sl_tc_w_list(&t, 2, SL_TC_STRUCT, w->column_count + 1);
        sl_tc_w_struct_begin(&t);
        sl_tc_w_binary(&t, 4, "sluice_schema", 13);
        sl_tc_w_i32(&t, 5, (int32_t)w->column_count);
        sl_tc_w_struct_end(&t);
        for (uint32_t i = 0; i < w->column_count; i++)
            write_schema_element(&t, &w->cols[i]);
        sl_tc_w_i64(&t, 3, w->total_rows);
        sl_tc_w_list(&t, 4, SL_TC_STRUCT, w->group_count);
        for (uint32_t g = 0; g < w->group_count; g++) {
            sl_tc_w_struct_begin(&t);
            sl_tc_w_list(&t, 1, SL_TC_STRUCT, w->column_count);
            for (uint32_t i = 0; i < w->column_count; i++)
                write_column_chunk(&t, &w->cols[i], &w->groups[g].chunks[i], w->codec);
            sl_tc_w_i64(&t, 2, w->groups[g].total_bytes);
            sl_tc_w_i64(&t, 3, w->groups[g].rows);
            sl_tc_w_struct_end(&t);
        }
        sl_tc_w_binary(&t, 6, "sluice", 6);
        /* column_orders: TYPE_DEFINED_ORDER for every column (readers then trust min/max) */
        sl_tc_w_list(&t, 7, SL_TC_STRUCT, w->column_count);
        for (uint32_t i = 0; i < w->column_count; i++) {
            sl_tc_w_struct_begin(&t);
            sl_tc_w_field(&t, SL_TC_STRUCT, 1);
            sl_tc_w_struct_begin(&t);
            sl_tc_w_struct_end(&t);
            sl_tc_w_struct_end(&t);
        }
        sl_tc_w_struct_end(&t);
        if (t.failed)
            st = sl_error_oom(err);
    }
    if (st == SL_OK)
        st = out_write(w, t.data, t.size, err);
    uint32_t len = (uint32_t)t.size;
    uint8_t tail[8] = { (uint8_t)len, (uint8_t)(len >> 8), (uint8_t)(len >> 16), (uint8_t)(len >> 24), 'P', 'A', 'R', '1' };
    if (st == SL_OK)
        st = out_write(w, tail, 8, err);
    sl_tc_writer_free(&t);
    if (st != SL_OK) {
        sl_parquet_writer_abort(w);
        return st;
    }
    w->open = false;
    st = sl_file_output_commit(&w->out, err);
    writer_free(w);
    return st;
}

void sl_parquet_writer_abort(sl_parquet_writer *w)
{
    if (!w)
        return;
    if (w->open)
        sl_file_output_abort(&w->out);
    writer_free(w);
}
