/*
 * csv_write.c — the CSV writer behind COPY ... TO 'file' (FORMAT csv).
 *
 * Rows are rendered field by field into a buffered output file (file_output.c) that is
 * renamed into place on commit. Values are formatted with sl_format_slot (the shell's CSV
 * contract in vector/value.h); strings are written from their bytes directly.
 */
#include "formats/csv.h"
#include "formats/file_output.h"

struct sl_csv_writer {
    sl_file_output out;
    char delimiter;
    char quote;
    char escape;
    const char *null_string;
    size_t null_length;
    uint32_t column_count;
};

/* Writes one field, quoting it when needed. */
static sl_status write_field(sl_csv_writer *w, const char *s, size_t n, bool is_string, sl_error *err)
{
    bool needs_quote = false;
    if (w->quote) {
        if (is_string && (n == 0 || (w->null_length == n && memcmp(s, w->null_string, n) == 0)))
            needs_quote = true;
        for (size_t i = 0; i < n && !needs_quote; i++) {
            char c = s[i];
            needs_quote = c == w->delimiter || c == w->quote || c == w->escape || c == '\n' || c == '\r';
        }
    }
    if (!needs_quote)
        return sl_file_output_write(&w->out, s, n, err);
    SL_TRY(sl_file_output_putc(&w->out, w->quote, err));
    size_t run = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == w->quote || (s[i] == w->escape && w->escape != w->quote)) {
            SL_TRY(sl_file_output_write(&w->out, s + run, i - run, err));
            SL_TRY(sl_file_output_putc(&w->out, w->escape, err));
            run = i;
        }
    }
    SL_TRY(sl_file_output_write(&w->out, s + run, n - run, err));
    return sl_file_output_putc(&w->out, w->quote, err);
}

sl_status sl_csv_writer_open(const char *path, const sl_copy_options *opts, uint32_t column_count,
                             const char *const *names, sl_csv_writer **out, sl_error *err)
{
    sl_csv_writer *w = sl_calloc(1, sizeof *w);
    if (!w)
        return sl_error_oom(err);
    w->delimiter = opts->delimiter_set ? opts->delimiter : ',';
    w->quote = opts->quote_set ? opts->quote : '"';
    w->escape = opts->escape_set && opts->escape ? opts->escape : w->quote;
    w->null_string = opts->null_string ? opts->null_string : "";
    w->null_length = strlen(w->null_string);
    w->column_count = column_count;
    sl_status st = sl_file_output_open(&w->out, path, err);
    if (st != SL_OK) {
        sl_free(w);
        return st;
    }
    if (opts->header != 0) {
        for (uint32_t c = 0; c < column_count && st == SL_OK; c++) {
            if (c > 0)
                st = sl_file_output_putc(&w->out, w->delimiter, err);
            if (st == SL_OK)
                st = write_field(w, names[c], strlen(names[c]), false, err);
        }
        if (st == SL_OK)
            st = sl_file_output_putc(&w->out, '\n', err);
        if (st != SL_OK) {
            sl_csv_writer_abort(w);
            return st;
        }
    }
    *out = w;
    return SL_OK;
}

sl_status sl_csv_writer_write(sl_csv_writer *w, const sl_batch *batch, sl_error *err)
{
    char text[256];
    for (uint32_t i = 0; i < batch->count; i++) {
        uint32_t row = sl_batch_row(batch, i);
        for (uint32_t c = 0; c < w->column_count; c++) {
            if (c > 0)
                SL_TRY(sl_file_output_putc(&w->out, w->delimiter, err));
            const sl_vector *v = batch->columns[c];
            if (!sl_vector_is_valid(v, row) || v->type.id == SL_TYPE_NULL) {
                SL_TRY(sl_file_output_write(&w->out, w->null_string, w->null_length, err));
                continue;
            }
            if (v->type.id == SL_TYPE_VARCHAR) {
                const sl_string *s = &SL_VECTOR_DATA(v, sl_string)[row];
                SL_TRY(write_field(w, sl_string_data(s), s->length, true, err));
                continue;
            }
            size_t n = sl_format_slot(v, row, text, sizeof text);
            if (n >= sizeof text)
                n = sizeof text - 1;
            SL_TRY(write_field(w, text, n, false, err));
        }
        SL_TRY(sl_file_output_putc(&w->out, '\n', err));
    }
    return SL_OK;
}

sl_file_output *sl_csv_writer_output(sl_csv_writer *w) { return &w->out; }

sl_status sl_csv_writer_commit(sl_csv_writer *w, sl_error *err)
{
    sl_status st = sl_file_output_commit(&w->out, err);
    sl_free(w);
    return st;
}

void sl_csv_writer_abort(sl_csv_writer *w)
{
    if (!w)
        return;
    sl_file_output_abort(&w->out);
    sl_free(w);
}
