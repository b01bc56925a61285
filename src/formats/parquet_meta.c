/*
 * parquet_meta.c — parsing of the Parquet footer (FileMetaData) and of page headers from
 * Thrift compact bytes into the model of parquet.h. Unknown fields are skipped; every
 * count is bounded by the bytes left (parquet_thrift.c), so corrupt footers give errors.
 */
#include <string.h>

#include "formats/parquet.h"
#include "formats/parquet_thrift.h"

static const char *arena_string(sl_arena *arena, const uint8_t *s, uint32_t n)
{
    char *c = sl_arena_alloc(arena, n + 1);
    if (!c)
        return NULL;
    memcpy(c, s, n);
    c[n] = '\0';
    return c;
}

/* Reads a union/struct whose only interesting part is which field is set (TimeUnit). */
static int read_union_tag(sl_tc_reader *r)
{
    int tag = 0, ft;
    int16_t id;
    sl_tc_struct_begin(r);
    while (sl_tc_field(r, &ft, &id)) {
        tag = id;
        sl_tc_skip(r, ft);
    }
    sl_tc_struct_end(r);
    return tag;
}

static void read_logical_type(sl_tc_reader *r, sl_pq_schema_element *e)
{
    int ft;
    int16_t id;
    sl_tc_struct_begin(r);
    while (sl_tc_field(r, &ft, &id)) {
        if (ft != SL_TC_STRUCT) {
            sl_tc_skip(r, ft);
            continue;
        }
        e->logical = id;
        int ft2;
        int16_t id2;
        sl_tc_struct_begin(r);
        while (sl_tc_field(r, &ft2, &id2)) {
            if (id == PQ_LT_DECIMAL && id2 == 1 && ft2 == SL_TC_I32)
                e->lt_scale = (int32_t)sl_tc_varint(r);
            else if (id == PQ_LT_DECIMAL && id2 == 2 && ft2 == SL_TC_I32)
                e->lt_precision = (int32_t)sl_tc_varint(r);
            else if ((id == PQ_LT_TIMESTAMP || id == PQ_LT_TIME) && id2 == 2 && ft2 == SL_TC_STRUCT)
                e->lt_unit = read_union_tag(r);
            else if (id == PQ_LT_INTEGER && id2 == 1 && ft2 == SL_TC_BYTE) {
                if (r->p < r->end)
                    e->lt_bit_width = (int8_t)*r->p++;
            } else if (id == PQ_LT_INTEGER && id2 == 2 && (ft2 == SL_TC_TRUE || ft2 == SL_TC_FALSE))
                e->lt_signed = ft2 == SL_TC_TRUE;
            else
                sl_tc_skip(r, ft2);
        }
        sl_tc_struct_end(r);
    }
    sl_tc_struct_end(r);
}

static void read_schema_element(sl_tc_reader *r, sl_arena *arena, sl_pq_schema_element *e, bool *oom)
{
    memset(e, 0, sizeof *e);
    e->type = -1;
    e->repetition = -1;
    e->converted_type = PQ_CT_NONE;
    e->name = "";
    int ft;
    int16_t id;
    sl_tc_struct_begin(r);
    while (sl_tc_field(r, &ft, &id)) {
        switch (id) {
        case 1: e->type = ft == SL_TC_I32 ? (int)sl_tc_varint(r) : (sl_tc_skip(r, ft), -1); break;
        case 2: if (ft == SL_TC_I32) e->type_length = (int32_t)sl_tc_varint(r); else sl_tc_skip(r, ft); break;
        case 3: if (ft == SL_TC_I32) e->repetition = (int)sl_tc_varint(r); else sl_tc_skip(r, ft); break;
        case 4:
            if (ft == SL_TC_BINARY) {
                uint32_t n;
                const uint8_t *s = sl_tc_binary(r, &n);
                if (s) {
                    e->name = arena_string(arena, s, n);
                    if (!e->name) {
                        *oom = true;
                        e->name = "";
                    }
                }
            } else
                sl_tc_skip(r, ft);
            break;
        case 5: if (ft == SL_TC_I32) e->num_children = (int32_t)sl_tc_varint(r); else sl_tc_skip(r, ft); break;
        case 6: if (ft == SL_TC_I32) e->converted_type = (int)sl_tc_varint(r); else sl_tc_skip(r, ft); break;
        case 7: if (ft == SL_TC_I32) e->scale = (int32_t)sl_tc_varint(r); else sl_tc_skip(r, ft); break;
        case 8: if (ft == SL_TC_I32) e->precision = (int32_t)sl_tc_varint(r); else sl_tc_skip(r, ft); break;
        case 10: if (ft == SL_TC_STRUCT) read_logical_type(r, e); else sl_tc_skip(r, ft); break;
        default: sl_tc_skip(r, ft);
        }
    }
    sl_tc_struct_end(r);
}

static void read_statistics(sl_tc_reader *r, sl_pq_statistics *s)
{
    int ft;
    int16_t id;
    bool have_new_min = false, have_new_max = false;
    sl_tc_struct_begin(r);
    while (sl_tc_field(r, &ft, &id)) {
        if (ft == SL_TC_BINARY && (id == 1 || id == 2 || id == 5 || id == 6)) {
            uint32_t n;
            const uint8_t *b = sl_tc_binary(r, &n);
            if (id == 6 || (id == 2 && !have_new_min)) {
                s->min = b, s->min_len = n, s->has_min = b != NULL;
                have_new_min |= id == 6;
            } else if (id == 5 || (id == 1 && !have_new_max)) {
                s->max = b, s->max_len = n, s->has_max = b != NULL;
                have_new_max |= id == 5;
            }
        } else if (id == 3 && ft == SL_TC_I64) {
            s->null_count = sl_tc_varint(r);
            s->has_null_count = true;
        } else
            sl_tc_skip(r, ft);
    }
    sl_tc_struct_end(r);
}

static void read_column_meta(sl_tc_reader *r, sl_pq_column_chunk *c)
{
    int ft;
    int16_t id;
    c->has_meta = true;
    sl_tc_struct_begin(r);
    while (sl_tc_field(r, &ft, &id)) {
        bool i64 = ft == SL_TC_I64 || ft == SL_TC_I32;
        switch (id) {
        case 1: if (ft == SL_TC_I32) c->type = (int)sl_tc_varint(r); else sl_tc_skip(r, ft); break;
        case 4: if (ft == SL_TC_I32) c->codec = (int)sl_tc_varint(r); else sl_tc_skip(r, ft); break;
        case 5: if (i64) c->num_values = sl_tc_varint(r); else sl_tc_skip(r, ft); break;
        case 7: if (i64) c->total_compressed_size = sl_tc_varint(r); else sl_tc_skip(r, ft); break;
        case 9: if (i64) c->data_page_offset = sl_tc_varint(r); else sl_tc_skip(r, ft); break;
        case 11: if (i64) c->dictionary_page_offset = sl_tc_varint(r); else sl_tc_skip(r, ft); break;
        case 12: if (ft == SL_TC_STRUCT) read_statistics(r, &c->stats); else sl_tc_skip(r, ft); break;
        default: sl_tc_skip(r, ft);
        }
    }
    sl_tc_struct_end(r);
}

static void read_column_chunk(sl_tc_reader *r, sl_pq_column_chunk *c)
{
    int ft;
    int16_t id;
    memset(c, 0, sizeof *c);
    c->dictionary_page_offset = -1;
    sl_tc_struct_begin(r);
    while (sl_tc_field(r, &ft, &id)) {
        if (id == 1 && ft == SL_TC_BINARY) {
            c->external = true;
            sl_tc_skip(r, ft);
        } else if (id == 3 && ft == SL_TC_STRUCT)
            read_column_meta(r, c);
        else
            sl_tc_skip(r, ft);
    }
    sl_tc_struct_end(r);
}

static void read_row_group(sl_tc_reader *r, sl_arena *arena, sl_pq_row_group *g, bool *oom)
{
    int ft;
    int16_t id;
    memset(g, 0, sizeof *g);
    sl_tc_struct_begin(r);
    while (sl_tc_field(r, &ft, &id)) {
        if (id == 1 && ft == SL_TC_LIST) {
            int et;
            uint32_t n = sl_tc_list(r, &et);
            if (et != SL_TC_STRUCT && n) {
                sl_tc_fail(r, "malformed column chunk list");
                break;
            }
            g->columns = sl_arena_calloc(arena, ((size_t)n + 1) * sizeof *g->columns);
            if (!g->columns) {
                *oom = true;
                sl_tc_fail(r, "out of memory");
                break;
            }
            g->column_count = n;
            for (uint32_t i = 0; i < n && !r->failed; i++)
                read_column_chunk(r, &g->columns[i]);
        } else if (id == 3 && ft == SL_TC_I64)
            g->num_rows = sl_tc_varint(r);
        else
            sl_tc_skip(r, ft);
    }
    sl_tc_struct_end(r);
}

sl_status sl_pq_parse_file_meta(sl_arena *arena, const uint8_t *data, size_t size, const char *path,
                                sl_pq_file_meta *meta, sl_error *err)
{
    memset(meta, 0, sizeof *meta);
    sl_tc_reader r;
    sl_tc_reader_init(&r, data, size);
    bool oom = false;
    int ft;
    int16_t id;
    sl_tc_struct_begin(&r);
    while (sl_tc_field(&r, &ft, &id)) {
        if (id == 2 && ft == SL_TC_LIST) {
            int et;
            uint32_t n = sl_tc_list(&r, &et);
            if (et != SL_TC_STRUCT && n) {
                sl_tc_fail(&r, "malformed schema list");
                break;
            }
            meta->schema = sl_arena_calloc(arena, ((size_t)n + 1) * sizeof *meta->schema);
            if (!meta->schema) {
                oom = true;
                break;
            }
            meta->schema_count = n;
            for (uint32_t i = 0; i < n && !r.failed; i++)
                read_schema_element(&r, arena, &meta->schema[i], &oom);
        } else if (id == 3 && ft == SL_TC_I64)
            meta->num_rows = sl_tc_varint(&r);
        else if (id == 4 && ft == SL_TC_LIST) {
            int et;
            uint32_t n = sl_tc_list(&r, &et);
            if (et != SL_TC_STRUCT && n) {
                sl_tc_fail(&r, "malformed row group list");
                break;
            }
            meta->row_groups = sl_arena_calloc(arena, ((size_t)n + 1) * sizeof *meta->row_groups);
            if (!meta->row_groups) {
                oom = true;
                break;
            }
            meta->row_group_count = n;
            for (uint32_t i = 0; i < n && !r.failed; i++)
                read_row_group(&r, arena, &meta->row_groups[i], &oom);
        } else if (id == 6 && ft == SL_TC_BINARY) {
            uint32_t n;
            const uint8_t *s = sl_tc_binary(&r, &n);
            if (s)
                meta->created_by = arena_string(arena, s, n);
        } else
            sl_tc_skip(&r, ft);
    }
    if (oom)
        return sl_error_oom(err);
    if (r.failed)
        return sl_error_set(err, SL_ERR_INVALID_INPUT, "%s: corrupt Parquet footer: %s", path, r.problem);
    if (meta->schema_count == 0)
        return sl_error_set(err, SL_ERR_INVALID_INPUT, "%s: Parquet footer has no schema", path);
    return SL_OK;
}

bool sl_pq_parse_page_header(const uint8_t *data, size_t size, sl_pq_page_header *h, size_t *header_len,
                             const char **problem)
{
    memset(h, 0, sizeof *h);
    h->is_compressed = true;
    sl_tc_reader r;
    sl_tc_reader_init(&r, data, size);
    int ft;
    int16_t id;
    sl_tc_struct_begin(&r);
    while (sl_tc_field(&r, &ft, &id)) {
        if (id == 1 && ft == SL_TC_I32)
            h->type = (int)sl_tc_varint(&r);
        else if (id == 2 && ft == SL_TC_I32)
            h->uncompressed_size = (int32_t)sl_tc_varint(&r);
        else if (id == 3 && ft == SL_TC_I32)
            h->compressed_size = (int32_t)sl_tc_varint(&r);
        else if ((id == 5 || id == 7 || id == 8) && ft == SL_TC_STRUCT) {
            int ft2;
            int16_t id2;
            if (id == 5) h->has_data = true;
            if (id == 7) h->has_dict = true;
            if (id == 8) h->has_v2 = true;
            sl_tc_struct_begin(&r);
            while (sl_tc_field(&r, &ft2, &id2)) {
                bool is_int = ft2 == SL_TC_I32;
                if (id2 == 1 && is_int)
                    h->num_values = (int32_t)sl_tc_varint(&r);
                else if (id == 5 && id2 == 2 && is_int)
                    h->encoding = (int)sl_tc_varint(&r);
                else if (id == 7 && id2 == 2 && is_int)
                    h->encoding = (int)sl_tc_varint(&r);
                else if (id == 8 && id2 == 2 && is_int)
                    h->num_nulls = (int32_t)sl_tc_varint(&r);
                else if (id == 8 && id2 == 3 && is_int)
                    h->num_rows = (int32_t)sl_tc_varint(&r);
                else if (id == 8 && id2 == 4 && is_int)
                    h->encoding = (int)sl_tc_varint(&r);
                else if (id == 8 && id2 == 5 && is_int)
                    h->def_length = (int32_t)sl_tc_varint(&r);
                else if (id == 8 && id2 == 6 && is_int)
                    h->rep_length = (int32_t)sl_tc_varint(&r);
                else if (id == 8 && id2 == 7 && (ft2 == SL_TC_TRUE || ft2 == SL_TC_FALSE))
                    h->is_compressed = ft2 == SL_TC_TRUE;
                else
                    sl_tc_skip(&r, ft2);
            }
            sl_tc_struct_end(&r);
        } else
            sl_tc_skip(&r, ft);
    }
    if (r.failed) {
        *problem = r.problem;
        return false;
    }
    if (h->compressed_size < 0 || h->uncompressed_size < 0 || h->num_values < 0 || h->def_length < 0 ||
        h->rep_length < 0) {
        *problem = "negative size in page header";
        return false;
    }
    *header_len = (size_t)(r.p - data);
    return true;
}
