/*
 * csv_read.c — the CSV reader: RFC 4180 tokenizer and conversion into typed batches.
 *
 * One pass over a large buffer (see csv.h for the data flow). Per batch the reader first
 * splits up to SL_BATCH_CAPACITY rows into field offsets (no copies, no allocation), then
 * converts column by column straight into the batch's vectors. Rows that fail (wrong
 * field count, bad quoting, unconvertible value, invalid UTF-8) are an error naming
 * file:line:field and the value, or — with ignore_errors — are left out of the batch
 * through its selection vector and counted. Errors are reported in file order (see
 * build_batch and structural_error).
 *
 * Lifetimes: the reader owns its buffer and field arrays; each returned batch owns its
 * vectors and one heap buffer with the batch's long string bytes.
 */
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "formats/csv.h"
#include "formats/text_parse.h"

#define CSV_BUFFER_INITIAL (8u << 20)     /* 8 MiB read buffer */
#define CSV_BUFFER_MAX ((size_t)1 << 31)  /* a single row may not exceed 2 GiB */

/* ------------------------------------------------------------------ tokenizer */

void sl_csv_special_init(const sl_csv_dialect *d, bool special[256])
{
    memset(special, 0, 256 * sizeof(bool));
    special[(unsigned char)d->delimiter] = true;
    special['\n'] = true;
    special['\r'] = true;
}

sl_csv_row_status sl_csv_split_row(const sl_csv_dialect *d, const bool *special, const char *buf, size_t pos,
                                   size_t end, bool eof, uint32_t max_fields, uint32_t *fstart, uint32_t *flen,
                                   uint8_t *fflags, sl_csv_row *row)
{
    const char *p = buf + pos;
    const char *e = buf + end;
    const char delim = d->delimiter, quote = d->quote, escape = d->escape;
    uint32_t field = 0, newlines = 0;
    for (;;) {
        const char *start;
        size_t length;
        uint8_t flags = 0;
        if (quote && p < e && *p == quote) {
            /* quoted field: find the closing quote */
            const char *q = ++p;
            flags = SL_CSV_FIELD_QUOTED;
            for (;;) {
                if (escape == quote) {
                    q = q < e ? memchr(q, quote, (size_t)(e - q)) : NULL;
                    if (!q)
                        goto unterminated;
                    if (q + 1 >= e && !eof)
                        return SL_CSV_ROW_INCOMPLETE;  /* cannot tell "" from " */
                    if (q + 1 < e && q[1] == quote) {
                        flags |= SL_CSV_FIELD_ESCAPED;
                        q += 2;
                        continue;
                    }
                    break;
                }
                while (q < e && *q != quote && *q != escape)
                    q++;
                if (q >= e)
                    goto unterminated;
                if (*q == escape) {
                    if (q + 1 >= e)
                        goto unterminated;
                    flags |= SL_CSV_FIELD_ESCAPED;
                    q += 2;
                    continue;
                }
                break;
            }
            start = p;
            length = (size_t)(q - p);
            for (const char *c = memchr(p, '\n', length); c; c = memchr(c + 1, '\n', (size_t)(q - c - 1)))
                newlines++;
            p = q + 1;
            if (p < e && !special[(unsigned char)*p]) {
                row->error_field = field;
                row->error_offset = (size_t)(p - buf);
                row->field_count = field + 1;
                row->newlines = newlines;
                return SL_CSV_ROW_BAD_QUOTE;
            }
        } else {
            start = p;
            while (!special[(unsigned char)*p])
                p++;
            if (p > e)
                p = e;
            length = (size_t)(p - start);
        }
        if (field < max_fields) {
            fstart[field] = (uint32_t)(start - buf);
            flen[field] = (uint32_t)length;
            fflags[field] = flags;
        }
        field++;
        if (p >= e) {
            if (!eof)
                return SL_CSV_ROW_INCOMPLETE;
            row->next = end;
            break;
        }
        char c = *p;
        if (c == delim) {
            p++;
            continue;
        }
        if (c == '\n') {
            row->next = (size_t)(p + 1 - buf);
            newlines++;
            break;
        }
        /* '\r' or "\r\n" */
        if (p + 1 >= e && !eof)
            return SL_CSV_ROW_INCOMPLETE;
        p += (p + 1 < e && p[1] == '\n') ? 2 : 1;
        row->next = (size_t)(p - buf);
        newlines++;
        break;
    }
    row->field_count = field;
    row->newlines = newlines;
    return SL_CSV_ROW_OK;

unterminated:
    if (!eof)
        return SL_CSV_ROW_INCOMPLETE;
    row->error_field = field;
    row->field_count = field + 1;
    row->newlines = newlines;
    return SL_CSV_ROW_UNTERMINATED;
}

uint32_t sl_csv_unescape(const sl_csv_dialect *d, const char *src, uint32_t n, char *dst)
{
    uint32_t o = 0;
    for (uint32_t i = 0; i < n; i++) {
        char c = src[i];
        if (c == d->escape && i + 1 < n && (src[i + 1] == d->quote || src[i + 1] == d->escape)) {
            dst[o++] = src[++i];
            continue;
        }
        dst[o++] = c;
    }
    return o;
}

/* ------------------------------------------------------------------ files */

static int compare_strings(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

sl_status sl_file_glob(sl_arena *arena, const char *pattern, const char ***paths, uint32_t *count, sl_error *err)
{
    if (!strpbrk(pattern, "*?[")) {
        const char **one = sl_arena_alloc(arena, sizeof *one);
        if (!one || !(one[0] = sl_arena_strdup(arena, pattern)))
            return sl_error_oom(err);
        if (access(pattern, R_OK) != 0)
            return sl_error_set(err, SL_ERR_IO, "cannot open file \"%s\": %s", pattern, strerror(errno));
        *paths = one;
        *count = 1;
        return SL_OK;
    }
    glob_t g;
    int rc = glob(pattern, 0, NULL, &g);
    if (rc == GLOB_NOMATCH || (rc == 0 && g.gl_pathc == 0)) {
        if (rc == 0)
            globfree(&g);
        return sl_error_set(err, SL_ERR_IO, "no files found that match the pattern \"%s\"", pattern);
    }
    if (rc != 0)
        return sl_error_set(err, SL_ERR_IO, "cannot expand the file pattern \"%s\"", pattern);
    const char **list = sl_arena_alloc(arena, g.gl_pathc * sizeof *list);
    if (!list) {
        globfree(&g);
        return sl_error_oom(err);
    }
    for (size_t i = 0; i < g.gl_pathc; i++) {
        list[i] = sl_arena_strdup(arena, g.gl_pathv[i]);
        if (!list[i]) {
            globfree(&g);
            return sl_error_oom(err);
        }
    }
    qsort(list, g.gl_pathc, sizeof *list, compare_strings);
    *paths = list;
    *count = (uint32_t)g.gl_pathc;
    globfree(&g);
    return SL_OK;
}

/* ------------------------------------------------------------------ reader */

struct sl_csv_reader {
    sl_csv_reader_config config;
    uint32_t ncols;
    bool has_varchar;
    bool special[256];
    uint32_t null_length;

    /* current file */
    uint32_t file_index;          /* next file to open */
    int fd;                       /* -1 = none open */
    const char *path;
    bool at_file_start;
    bool eof;
    int64_t line;                 /* 1-based line number of buf[pos] */
    int64_t bytes_read;

    /* buffer: valid bytes buf[0..end), next row at pos; buf[end] is a sentinel */
    char *buf;
    size_t cap;
    size_t pos;
    size_t end;

    /* per batch scratch */
    uint32_t *fstart;
    uint32_t *flen;
    uint8_t *fflags;
    int64_t *row_line;
    uint8_t *row_bad;
    uint32_t *sel;
    uint32_t field_slots;         /* fields per row stored (ncols + 1) */
};

sl_status sl_csv_reader_open(const sl_csv_reader_config *config, sl_csv_reader **out, sl_error *err)
{
    if (config->column_count == 0)
        return sl_error_set(err, SL_ERR_INVALID_ARG, "CSV reader needs at least one column");
    sl_csv_reader *r = sl_calloc(1, sizeof *r);
    if (!r)
        return sl_error_oom(err);
    r->config = *config;
    r->ncols = config->column_count;
    r->fd = -1;
    for (uint32_t c = 0; c < r->ncols; c++)
        if (config->types[c].id == SL_TYPE_VARCHAR)
            r->has_varchar = true;
    sl_csv_special_init(&config->dialect, r->special);
    r->null_length = config->dialect.null_string ? (uint32_t)strlen(config->dialect.null_string) : 0;
    r->field_slots = r->ncols + 1;
    size_t slots = (size_t)SL_BATCH_CAPACITY * r->field_slots;
    r->cap = CSV_BUFFER_INITIAL;
    r->buf = sl_malloc(r->cap + 1);
    r->fstart = sl_malloc(slots * sizeof *r->fstart);
    r->flen = sl_malloc(slots * sizeof *r->flen);
    r->fflags = sl_malloc(slots);
    r->row_line = sl_malloc(SL_BATCH_CAPACITY * sizeof *r->row_line);
    r->row_bad = sl_malloc(SL_BATCH_CAPACITY);
    r->sel = sl_malloc(SL_BATCH_CAPACITY * sizeof *r->sel);
    if (!r->buf || !r->fstart || !r->flen || !r->fflags || !r->row_line || !r->row_bad || !r->sel) {
        sl_csv_reader_free(r);
        return sl_error_oom(err);
    }
    *out = r;
    return SL_OK;
}

void sl_csv_reader_free(sl_csv_reader *r)
{
    if (!r)
        return;
    if (r->fd >= 0)
        close(r->fd);
    sl_free(r->buf);
    sl_free(r->fstart);
    sl_free(r->flen);
    sl_free(r->fflags);
    sl_free(r->row_line);
    sl_free(r->row_bad);
    sl_free(r->sel);
    sl_free(r);
}

int64_t sl_csv_reader_bytes_read(const sl_csv_reader *r)
{
    return r->bytes_read;
}

int64_t sl_csv_reader_bytes_total(const sl_csv_reader *r)
{
    int64_t total = 0;
    for (uint32_t i = 0; i < r->config.path_count; i++) {
        struct stat st;
        if (stat(r->config.paths[i], &st) == 0 && S_ISREG(st.st_mode))
            total += (int64_t)st.st_size;
    }
    return total;
}

/* Moves the unread rest to the front of the buffer (growing it when full) and reads more.
 * Sets eof at the end of the file. */
static sl_status reader_fill(sl_csv_reader *r, sl_error *err)
{
    if (r->pos > 0) {
        memmove(r->buf, r->buf + r->pos, r->end - r->pos);
        r->end -= r->pos;
        r->pos = 0;
    }
    if (r->end == r->cap) {
        if (r->cap >= CSV_BUFFER_MAX)
            return sl_error_set(err, SL_ERR_INVALID_INPUT, "row too long (over %zu bytes) at %s:%lld", r->cap,
                                r->path, (long long)r->line);
        size_t ncap = r->cap * 2;
        char *nbuf = sl_realloc(r->buf, ncap + 1);
        if (!nbuf)
            return sl_error_oom(err);
        r->buf = nbuf;
        r->cap = ncap;
    }
    while (r->end < r->cap) {
        ssize_t n = read(r->fd, r->buf + r->end, r->cap - r->end);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return sl_error_set(err, SL_ERR_IO, "cannot read \"%s\": %s", r->path, strerror(errno));
        }
        if (n == 0) {
            r->eof = true;
            break;
        }
        r->end += (size_t)n;
        r->bytes_read += n;
    }
    r->buf[r->end] = '\n';
    return SL_OK;
}

static sl_status reader_open_next_file(sl_csv_reader *r, sl_error *err)
{
    if (r->fd >= 0) {
        close(r->fd);
        r->fd = -1;
    }
    r->path = r->config.paths[r->file_index++];
    r->fd = open(r->path, O_RDONLY);
    if (r->fd < 0)
        return sl_error_set(err, SL_ERR_IO, "cannot open file \"%s\": %s", r->path, strerror(errno));
    r->pos = r->end = 0;
    r->eof = false;
    r->line = 1;
    r->at_file_start = true;
    SL_TRY(reader_fill(r, err));
    /* UTF-8 byte order mark */
    if (r->end >= 3 && memcmp(r->buf, "\xEF\xBB\xBF", 3) == 0)
        r->pos = 3;
    return SL_OK;
}

/* Splits one row at r->pos into scratch slot `slot`, refilling the buffer when the row is
 * incomplete and `may_fill` (only allowed while no row of the current batch is pending).
 * Returns SL_CSV_ROW_INCOMPLETE only when !may_fill. */
static sl_status reader_split(sl_csv_reader *r, uint32_t slot, bool may_fill, sl_csv_row_status *status,
                              sl_csv_row *row, sl_error *err)
{
    size_t base = (size_t)slot * r->field_slots;
    for (;;) {
        *status = sl_csv_split_row(&r->config.dialect, r->special, r->buf, r->pos, r->end, r->eof, r->field_slots,
                                   r->fstart + base, r->flen + base, r->fflags + base, row);
        if (*status != SL_CSV_ROW_INCOMPLETE || !may_fill)
            return SL_OK;
        SL_TRY(reader_fill(r, err));
    }
}

/* Skips `skip` lines and the header row at the top of a file (checking the header). */
static sl_status reader_file_prologue(sl_csv_reader *r, sl_error *err)
{
    const sl_csv_dialect *d = &r->config.dialect;
    for (int64_t i = 0; i < d->skip; i++) {
        for (;;) {
            char *nl = r->pos < r->end ? memchr(r->buf + r->pos, '\n', r->end - r->pos) : NULL;
            if (nl) {
                r->pos = (size_t)(nl + 1 - r->buf);
                r->line++;
                break;
            }
            if (r->eof) {
                r->pos = r->end;
                break;
            }
            SL_TRY(reader_fill(r, err));
        }
    }
    if (d->header && r->pos < r->end) {
        sl_csv_row_status st;
        sl_csv_row row;
        SL_TRY(reader_split(r, 0, true, &st, &row, err));
        if (st != SL_CSV_ROW_OK)
            return sl_error_set(err, SL_ERR_INVALID_INPUT, "malformed header row at %s:%lld", r->path,
                                (long long)r->line);
        uint32_t n = row.field_count;
        if (n == r->ncols + 1 && d->allow_trailing_delimiter && r->flen[n - 1] == 0)
            n--;
        if (n != r->ncols)
            return sl_error_set(err, SL_ERR_INVALID_INPUT,
                                "the header of \"%s\" has %u columns but %u were expected (all files must "
                                "have the same schema)", r->path, n, r->ncols);
        if (r->config.check_header_names && r->config.names) {
            for (uint32_t c = 0; c < n; c++) {
                const char *want = r->config.names[c];
                const char *got = r->buf + r->fstart[c];
                uint32_t len = r->flen[c];
                if (strlen(want) != len || memcmp(want, got, len) != 0)
                    return sl_error_set(err, SL_ERR_INVALID_INPUT,
                                        "column %u of \"%s\" is named \"%.*s\" but \"%s\" in the first file (all "
                                        "files must have the same schema)", c + 1, r->path, (int)len, got, want);
            }
        }
        r->line += row.newlines;
        r->pos = row.next;
    }
    r->at_file_start = false;
    return SL_OK;
}

static char *type_name(sl_type t, char *buf)
{
    return (char *)sl_type_name(t, buf, 48);
}

/* Reports or (ignore_errors) marks row `row` bad. Without ignore_errors the error is only
 * kept when it comes first in file order: conversion runs column by column, so a later
 * column can still find an earlier row. *limit (rows still worth checking, initially n)
 * shrinks to `row`, so that later columns only look at earlier rows and never overwrite
 * the error with a later one; *failed receives the error code. Returns SL_OK either way. */
static sl_status row_failed(sl_csv_reader *reader, uint32_t row, uint32_t *bad_count, uint32_t *limit,
                            sl_status *failed, sl_status code, sl_error *err, const char *fmt, ...)
    __attribute__((format(printf, 8, 9)));
static sl_status row_failed(sl_csv_reader *reader, uint32_t row, uint32_t *bad_count, uint32_t *limit,
                            sl_status *failed, sl_status code, sl_error *err, const char *fmt, ...)
{
    if (reader->config.ignore_errors) {
        if (!reader->row_bad[row]) {
            reader->row_bad[row] = 1;
            (*bad_count)++;
        }
        return SL_OK;
    }
    if (row >= *limit)
        return SL_OK;  /* an earlier row already failed */
    *limit = row;
    *failed = code;
    va_list ap;
    va_start(ap, fmt);
    sl_error_setv(err, code, -1, fmt, ap);
    va_end(ap);
    return SL_OK;
}

static inline bool field_is_null(const sl_csv_reader *r, const char *s, uint32_t n, bool is_string)
{
    if (n == 0)
        return !is_string || r->config.dialect.null_string == NULL || r->null_length == 0;
    return r->config.dialect.null_string && n == r->null_length && memcmp(s, r->config.dialect.null_string, n) == 0;
}

static void clear_slot(sl_vector *v, uint32_t row)
{
    size_t w = sl_type_width(v->type);
    memset((char *)v->data + (size_t)row * w, 0, w);
}

/* Converts column c of rows [0, *limit) into v. A value that does not convert marks its row
 * bad (ignore_errors) or records the error and stops the column (see row_failed; *failed
 * is set). Returns an error only for failures other than bad data (out of memory). */
static sl_status convert_column(sl_csv_reader *r, uint32_t c, sl_vector *v, uint32_t *limit, sl_buffer *heap,
                                uint32_t *bad_count, sl_status *failed, sl_error *err)
{
    const sl_type t = r->config.types[c];
    const uint32_t slots = r->field_slots;
    const char *buf = r->buf;
    char tbuf[48];
    if (t.id == SL_TYPE_VARCHAR) {
        sl_string *out = SL_VECTOR_DATA(v, sl_string);
        uint32_t n = *limit;
        for (uint32_t i = 0; i < n; i++) {
            if (r->row_bad[i])
                continue;
            size_t f = (size_t)i * slots + c;
            const char *s = buf + r->fstart[f];
            uint32_t len = r->flen[f];
            if (field_is_null(r, s, len, true)) {
                memset(&out[i], 0, sizeof out[i]);
                SL_TRY(sl_vector_set_null(v, i, err));
                continue;
            }
            if (r->fflags[f] & SL_CSV_FIELD_ESCAPED) {
                char *dst = (char *)heap->data + heap->size;
                len = sl_csv_unescape(&r->config.dialect, s, len, dst);
                heap->size += len;
                s = dst;
            } else if (len > SL_STRING_INLINE_MAX) {
                char *dst = (char *)heap->data + heap->size;
                memcpy(dst, s, len);
                heap->size += len;
                s = dst;
            }
            size_t bad;
            if (!sl_utf8_valid(s, len, &bad)) {
                SL_TRY(row_failed(r, i, bad_count, limit, failed, SL_ERR_INVALID_INPUT, err,
                                  "invalid UTF-8 at %s:%lld:%u in column \"%s\" (byte %zu of the value)", r->path,
                                  (long long)r->row_line[i], c + 1, r->config.names ? r->config.names[c] : "?",
                                  bad + 1));
                n = *limit;
                continue;
            }
            out[i] = sl_string_make(s, len);
        }
        return SL_OK;
    }
    uint32_t n = *limit;
    for (uint32_t i = 0; i < n; i++) {
        if (r->row_bad[i])
            continue;
        size_t f = (size_t)i * slots + c;
        const char *s = buf + r->fstart[f];
        uint32_t len = r->flen[f];
        if (field_is_null(r, s, len, false)) {
            clear_slot(v, i);
            SL_TRY(sl_vector_set_null(v, i, err));
            continue;
        }
        char unescaped[256];
        if ((r->fflags[f] & SL_CSV_FIELD_ESCAPED) && len <= sizeof unescaped) {
            len = sl_csv_unescape(&r->config.dialect, s, len, unescaped);
            s = unescaped;
        }
        if (!sl_text_parse_slot(v, i, s, len)) {
            clear_slot(v, i);
            SL_TRY(row_failed(r, i, bad_count, limit, failed, SL_ERR_INVALID_INPUT, err,
                              "Error when converting column \"%s\" at %s:%lld:%u: could not convert \"%.*s\" to %s",
                              r->config.names ? r->config.names[c] : "?", r->path, (long long)r->row_line[i], c + 1,
                              (int)(len > 200 ? 200 : len), s, type_name(t, tbuf)));
            n = *limit;
        }
    }
    return SL_OK;
}

/* Builds a batch from the n split rows in scratch (rows span buf[first..last)). *out =
 * NULL when every row was rejected. */
static sl_status build_batch(sl_csv_reader *r, uint32_t n, uint32_t bad_count, size_t span, sl_batch **out,
                             int64_t *rejected, sl_error *err)
{
    sl_batch *batch = sl_batch_new_typed(r->config.types, r->ncols, SL_BATCH_CAPACITY);
    if (!batch)
        return sl_error_oom(err);
    sl_buffer *heap = NULL;
    sl_status st = SL_OK;
    if (r->has_varchar) {
        heap = sl_buffer_new(span + 16);
        if (!heap) {
            sl_batch_free(batch);
            return sl_error_oom(err);
        }
        heap->size = 0;
    }
    /* without ignore_errors, a bad value stops its column at its row (limit) and later
     * columns only check earlier rows, so err ends up with the first error in file order */
    uint32_t limit = n;
    sl_status failed = SL_OK;
    for (uint32_t c = 0; c < r->ncols && st == SL_OK; c++) {
        sl_vector *v = batch->columns[c];
        if (v->type.id == SL_TYPE_VARCHAR)
            st = sl_vector_add_heap(v, heap, err);
        if (st == SL_OK)
            st = convert_column(r, c, v, &limit, heap, &bad_count, &failed, err);
    }
    if (heap)
        sl_buffer_unref(heap);
    if (st == SL_OK)
        st = failed;
    if (st != SL_OK) {
        sl_batch_free(batch);
        return st;
    }
    batch->length = n;
    batch->count = n;
    if (bad_count > 0) {
        if (rejected)
            *rejected += bad_count;
        uint32_t k = 0;
        for (uint32_t i = 0; i < n; i++)
            if (!r->row_bad[i])
                r->sel[k++] = i;
        if (k == 0) {
            sl_batch_free(batch);
            *out = NULL;
            return SL_OK;
        }
        st = sl_batch_set_selection(batch, r->sel, k, err);
        if (st != SL_OK) {
            sl_batch_free(batch);
            return st;
        }
    }
    *out = batch;
    return SL_OK;
}

/* Reports a row-structure error (bad quoting, wrong field count) found while splitting row
 * n of the batch (buf[first..r->pos) holds rows 0..n-1). Values of the rows before it are
 * converted first: errors are reported in file order, so a conversion error there wins. */
static sl_status structural_error(sl_csv_reader *r, uint32_t n, size_t first, sl_error *err, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
static sl_status structural_error(sl_csv_reader *r, uint32_t n, size_t first, sl_error *err, const char *fmt, ...)
{
    if (n > 0) {
        sl_batch *batch = NULL;
        SL_TRY(build_batch(r, n, 0, r->pos - first, &batch, NULL, err));
        sl_batch_free(batch);
    }
    va_list ap;
    va_start(ap, fmt);
    sl_error_setv(err, SL_ERR_INVALID_INPUT, -1, fmt, ap);
    va_end(ap);
    return SL_ERR_INVALID_INPUT;
}

sl_status sl_csv_reader_next(sl_csv_reader *r, sl_batch **out, int64_t *rejected, sl_error *err)
{
    const sl_csv_dialect *d = &r->config.dialect;
    *out = NULL;
    for (;;) {
        /* find a file with data left */
        if (r->fd < 0 || (r->pos >= r->end && r->eof)) {
            if (r->file_index >= r->config.path_count) {
                if (r->fd >= 0) {
                    close(r->fd);
                    r->fd = -1;
                }
                return SL_OK;
            }
            SL_TRY(reader_open_next_file(r, err));
        }
        if (r->at_file_start)
            SL_TRY(reader_file_prologue(r, err));

        uint32_t n = 0, bad_count = 0;
        size_t first = r->pos;
        while (n < SL_BATCH_CAPACITY) {
            if (r->pos >= r->end) {
                if (r->eof || n > 0)
                    break;
                SL_TRY(reader_fill(r, err));
                first = r->pos;
                continue;
            }
            sl_csv_row_status status;
            sl_csv_row row;
            SL_TRY(reader_split(r, n, n == 0, &status, &row, err));
            if (status == SL_CSV_ROW_INCOMPLETE)
                break; /* emit what we have; the next call refills */
            if (n == 0)
                first = r->pos;
            r->row_bad[n] = 0;
            r->row_line[n] = r->line;
            if (status == SL_CSV_ROW_UNTERMINATED || status == SL_CSV_ROW_BAD_QUOTE) {
                /* row.newlines counts the line breaks before the bad field */
                if (!r->config.ignore_errors) {
                    if (status == SL_CSV_ROW_UNTERMINATED)
                        return structural_error(r, n, first, err,
                                                "unterminated quoted field starting at %s:%lld:%u (the quote "
                                                "is never closed before the end of the file)",
                                                r->path, (long long)(r->line + row.newlines), row.error_field + 1);
                    return structural_error(r, n, first, err,
                                            "unexpected character after the closing quote at %s:%lld:%u", r->path,
                                            (long long)(r->line + row.newlines), row.error_field + 1);
                }
                /* skip: an unterminated field swallows the rest of the file; a bad quote
                 * skips to the end of its line */
                if (status == SL_CSV_ROW_UNTERMINATED) {
                    r->pos = r->end;
                } else {
                    /* from the bad character: earlier quoted fields may hold line breaks */
                    const char *nl = memchr(r->buf + row.error_offset, '\n', r->end - row.error_offset);
                    r->pos = nl ? (size_t)(nl + 1 - r->buf) : r->end;
                    r->line += row.newlines + 1;
                }
                if (rejected)
                    *rejected += 1;
                continue;
            }
            uint32_t fields = row.field_count;
            size_t base = (size_t)n * r->field_slots;
            if (fields == r->ncols + 1 && d->allow_trailing_delimiter && r->flen[base + r->ncols] == 0 &&
                !(r->fflags[base + r->ncols] & SL_CSV_FIELD_QUOTED))
                fields = r->ncols;
            if (fields != r->ncols) {
                /* a blank line is skipped in multi-column files */
                if (fields == 1 && r->flen[base] == 0 && !(r->fflags[base] & SL_CSV_FIELD_QUOTED)) {
                    r->line += row.newlines;
                    r->pos = row.next;
                    continue;
                }
                if (!r->config.ignore_errors)
                    return structural_error(r, n, first, err, "expected %u columns but found %u at %s:%lld",
                                            r->ncols, fields, r->path, (long long)r->line);
                r->row_bad[n] = 1;
                bad_count++;
            }
            r->line += row.newlines;
            r->pos = row.next;
            n++;
        }
        if (n == 0)
            continue;
        sl_batch *batch;
        SL_TRY(build_batch(r, n, bad_count, r->pos - first, &batch, rejected, err));
        if (batch) {
            *out = batch;
            return SL_OK;
        }
    }
}
