/*
 * json_write.c — the newline-delimited JSON writer behind COPY ... TO (FORMAT json).
 *
 * One object per row, keys in column order, like DuckDB: {"a":1,"b":"x","c":null}.
 * Output goes through file_output.c (buffered, renamed into place on commit).
 */
#include <math.h>
#include <stdio.h>

#include "formats/file_output.h"
#include "formats/json.h"

struct sl_json_writer {
    sl_file_output out;
    uint32_t column_count;
    char **keys;            /* pre-rendered "name": prefixes */
    size_t *key_lengths;
};

sl_status sl_json_write_string(sl_file_output *out, const char *s, size_t n, sl_error *err)
{
    static const char hex[] = "0123456789abcdef";
    SL_TRY(sl_file_output_putc(out, '"', err));
    size_t run = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c != '"' && c != '\\')
            continue;
        SL_TRY(sl_file_output_write(out, s + run, i - run, err));
        run = i + 1;
        char esc[7] = { '\\', 0 };
        size_t k = 2;
        switch (c) {
        case '"': esc[1] = '"'; break;
        case '\\': esc[1] = '\\'; break;
        case '\n': esc[1] = 'n'; break;
        case '\r': esc[1] = 'r'; break;
        case '\t': esc[1] = 't'; break;
        case '\b': esc[1] = 'b'; break;
        case '\f': esc[1] = 'f'; break;
        default:
            esc[1] = 'u', esc[2] = '0', esc[3] = '0', esc[4] = hex[c >> 4], esc[5] = hex[c & 15];
            k = 6;
        }
        SL_TRY(sl_file_output_write(out, esc, k, err));
    }
    SL_TRY(sl_file_output_write(out, s + run, n - run, err));
    return sl_file_output_putc(out, '"', err);
}

sl_status sl_json_writer_open(const char *path, uint32_t column_count, const char *const *names,
                              sl_json_writer **out, sl_error *err)
{
    sl_json_writer *w = sl_calloc(1, sizeof *w);
    if (!w)
        return sl_error_oom(err);
    w->column_count = column_count;
    w->keys = sl_calloc(column_count ? column_count : 1, sizeof *w->keys);
    w->key_lengths = sl_calloc(column_count ? column_count : 1, sizeof *w->key_lengths);
    sl_status st = (w->keys && w->key_lengths) ? sl_file_output_open(&w->out, path, err) : sl_error_oom(err);
    if (st != SL_OK) {
        sl_free(w->keys);
        sl_free(w->key_lengths);
        sl_free(w);
        return st;
    }
    /* render each key once through a scratch output buffer */
    for (uint32_t c = 0; c < column_count && st == SL_OK; c++) {
        size_t mark = w->out.size;
        st = sl_json_write_string(&w->out, names[c], strlen(names[c]), err);
        if (st == SL_OK && w->out.size >= mark) {
            size_t n = w->out.size - mark;
            w->keys[c] = sl_malloc(n + 1);
            if (!w->keys[c]) {
                st = sl_error_oom(err);
                break;
            }
            memcpy(w->keys[c], w->out.buf + mark, n);
            w->keys[c][n] = ':';
            w->key_lengths[c] = n + 1;
            w->out.size = mark;
        }
    }
    if (st != SL_OK) {
        sl_json_writer_abort(w);
        return st;
    }
    *out = w;
    return SL_OK;
}

sl_status sl_json_write_value(sl_file_output *out, const sl_vector *v, uint32_t row, sl_error *err)
{
    char text[256];
    if (v->type.id == SL_TYPE_NULL || !sl_vector_is_valid(v, row))
        return sl_file_output_write(out, "null", 4, err);
    switch ((sl_type_id)v->type.id) {
    case SL_TYPE_VARCHAR: {
        const sl_string *s = &SL_VECTOR_DATA(v, sl_string)[row];
        return sl_json_write_string(out, sl_string_data(s), s->length, err);
    }
    case SL_TYPE_REAL:
    case SL_TYPE_DOUBLE: {
        double d = v->type.id == SL_TYPE_REAL ? SL_VECTOR_DATA(v, float)[row] : SL_VECTOR_DATA(v, double)[row];
        if (!isfinite(d))
            return sl_file_output_write(out, "null", 4, err);
    }
    /* fall through */
    case SL_TYPE_BOOLEAN:
    case SL_TYPE_TINYINT:
    case SL_TYPE_SMALLINT:
    case SL_TYPE_INTEGER:
    case SL_TYPE_BIGINT:
    case SL_TYPE_DECIMAL: {
        size_t n = sl_format_slot(v, row, text, sizeof text);
        return sl_file_output_write(out, text, n < sizeof text ? n : sizeof text - 1, err);
    }
    default: {
        size_t n = sl_format_slot(v, row, text, sizeof text);
        return sl_json_write_string(out, text, n < sizeof text ? n : sizeof text - 1, err);
    }
    }
}

sl_status sl_json_writer_write(sl_json_writer *w, const sl_batch *batch, sl_error *err)
{
    for (uint32_t i = 0; i < batch->count; i++) {
        uint32_t row = sl_batch_row(batch, i);
        SL_TRY(sl_file_output_putc(&w->out, '{', err));
        for (uint32_t c = 0; c < w->column_count; c++) {
            if (c > 0)
                SL_TRY(sl_file_output_putc(&w->out, ',', err));
            SL_TRY(sl_file_output_write(&w->out, w->keys[c], w->key_lengths[c], err));
            SL_TRY(sl_json_write_value(&w->out, batch->columns[c], row, err));
        }
        SL_TRY(sl_file_output_write(&w->out, "}\n", 2, err));
    }
    return SL_OK;
}

static void json_writer_release(sl_json_writer *w)
{
    for (uint32_t c = 0; c < w->column_count; c++)
        sl_free(w->keys[c]);
    sl_free(w->keys);
    sl_free(w->key_lengths);
    sl_free(w);
}

sl_file_output *sl_json_writer_output(sl_json_writer *w) { return &w->out; }

sl_status sl_json_writer_commit(sl_json_writer *w, sl_error *err)
{
    sl_status st = sl_file_output_commit(&w->out, err);
    json_writer_release(w);
    return st;
}

void sl_json_writer_abort(sl_json_writer *w)
{
    if (!w)
        return;
    sl_file_output_abort(&w->out);
    json_writer_release(w);
}

static sl_status put_text(sl_file_output *o, const char *text, sl_error *err)
{
    return sl_file_output_write(o, text, strlen(text), err);
}

sl_status sl_json_write_row(sl_file_output *o, const char *const *names, uint32_t count, const sl_batch *batch,
                            uint32_t row, const char *op, sl_error *err)
{
    SL_TRY(sl_file_output_putc(o, '{', err));
    bool first = true;
    if (op) {
        SL_TRY(put_text(o, "\"op\":", err));
        SL_TRY(sl_json_write_string(o, op, strlen(op), err));
        first = false;
    }
    for (uint32_t c = 0; c < count && c < batch->column_count; c++, first = false) {
        if (!first)
            SL_TRY(sl_file_output_putc(o, ',', err));
        SL_TRY(sl_json_write_string(o, names[c], strlen(names[c]), err));
        SL_TRY(sl_file_output_putc(o, ':', err));
        SL_TRY(sl_json_write_value(o, batch->columns[c], row, err));
    }
    return sl_file_output_putc(o, '}', err);
}

sl_status sl_json_write_debezium(sl_file_output *o, const char *const *names, uint32_t count, const sl_batch *batch,
                                 uint32_t before, uint32_t after, const char *op, sl_error *err)
{
    SL_TRY(put_text(o, "{\"before\":", err));
    if (before == UINT32_MAX)
        SL_TRY(put_text(o, "null", err));
    else
        SL_TRY(sl_json_write_row(o, names, count, batch, before, NULL, err));
    SL_TRY(put_text(o, ",\"after\":", err));
    if (after == UINT32_MAX)
        SL_TRY(put_text(o, "null", err));
    else
        SL_TRY(sl_json_write_row(o, names, count, batch, after, NULL, err));
    SL_TRY(put_text(o, ",\"op\":", err));
    SL_TRY(sl_json_write_string(o, op, strlen(op), err));
    return sl_file_output_putc(o, '}', err);
}
