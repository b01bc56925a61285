/*
 * json_read.c — the JSON reader and sniffer (see json.h).
 *
 * Input: newline-delimited objects ({"a":1}\n{"a":2}) or one top-level array of objects
 * ([{"a":1},{"a":2}]), detected from the first non-blank byte of each file. The file is
 * read in large blocks like the CSV reader; a record crossing the end of the buffer is
 * moved to the front and the buffer refilled. Per batch, records are first split into
 * members (key and value spans in the buffer, no copies), then converted column by column.
 * Splitting one object into members is json_record.c (shared with the live-source record
 * decoder); nested values are skipped iteratively (any depth) and kept as raw text.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include "formats/csv.h"
#include "formats/json.h"
#include "formats/json_record.h"
#include "formats/text_parse.h"

#define JSON_BUFFER_INITIAL (8u << 20)
#define JSON_BUFFER_MAX ((size_t)1 << 31)

/* ------------------------------------------------------------------ buffered file */

typedef struct json_input {
    const char *path;
    int fd;
    char *buf;
    size_t cap, pos, end;
    bool eof;
    bool in_array;        /* top-level array format */
    bool started;         /* format detected */
    bool finished;        /* array closed */
    int64_t line;         /* line of buf[pos] */
    size_t line_start;    /* offset in buf where the line of pos starts (may be stale: 0) */
} json_input;

static sl_status input_fill(json_input *in, sl_error *err)
{
    if (in->pos > 0) {
        memmove(in->buf, in->buf + in->pos, in->end - in->pos);
        in->end -= in->pos;
        in->line_start = in->line_start >= in->pos ? in->line_start - in->pos : 0;
        in->pos = 0;
    }
    if (in->end == in->cap) {
        if (in->cap >= JSON_BUFFER_MAX)
            return sl_error_set(err, SL_ERR_INVALID_INPUT, "JSON record too long at %s:%lld", in->path,
                                (long long)in->line);
        char *nb = sl_realloc(in->buf, in->cap * 2 + 1);
        if (!nb)
            return sl_error_oom(err);
        in->buf = nb;
        in->cap *= 2;
    }
    while (in->end < in->cap) {
        ssize_t n = read(in->fd, in->buf + in->end, in->cap - in->end);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return sl_error_set(err, SL_ERR_IO, "cannot read \"%s\": %s", in->path, strerror(errno));
        if (n == 0) {
            in->eof = true;
            break;
        }
        in->end += (size_t)n;
    }
    in->buf[in->end] = '\0';
    return SL_OK;
}

static sl_status input_open(json_input *in, const char *path, sl_error *err)
{
    in->path = path;
    in->fd = open(path, O_RDONLY);
    if (in->fd < 0)
        return sl_error_set(err, SL_ERR_IO, "cannot open file \"%s\": %s", path, strerror(errno));
    in->pos = in->end = 0;
    in->eof = in->started = in->finished = in->in_array = false;
    in->line = 1;
    in->line_start = 0;
    if (!in->buf) {
        in->cap = JSON_BUFFER_INITIAL;
        in->buf = sl_malloc(in->cap + 1);
        if (!in->buf)
            return sl_error_oom(err);
    }
    SL_TRY(input_fill(in, err));
    if (in->end >= 3 && memcmp(in->buf, "\xEF\xBB\xBF", 3) == 0)
        in->pos = in->line_start = 3;
    return SL_OK;
}

static void input_close(json_input *in)
{
    if (in->fd >= 0)
        close(in->fd);
    in->fd = -1;
}

/* Advances pos to `to`, keeping line numbers. */
static void input_advance(json_input *in, size_t to)
{
    for (const char *c = memchr(in->buf + in->pos, '\n', to - in->pos); c;
         c = memchr(c + 1, '\n', (size_t)(in->buf + to - c - 1))) {
        in->line++;
        in->line_start = (size_t)(c + 1 - in->buf);
    }
    in->pos = to;
}

static sl_status input_error(json_input *in, size_t offset, const char *what, sl_error *err)
{
    int64_t line = in->line;
    size_t line_start = in->line_start;
    for (size_t i = in->pos; i < offset && i < in->end; i++)
        if (in->buf[i] == '\n')
            line++, line_start = i + 1;
    return sl_error_set(err, SL_ERR_INVALID_INPUT, "malformed JSON at %s:%lld:%zu: %s", in->path, (long long)line,
                        offset - line_start + 1, what);
}

/* Reads the next record into p. *got = false at the end of the file. */
static sl_status input_next_record(json_input *in, sl_json_parser *p, bool may_fill, bool *got, bool *incomplete,
                                   sl_error *err)
{
    *got = false;
    *incomplete = false;
    for (;;) {
        while (in->pos < in->end && sl_json_space(in->buf[in->pos]))
            input_advance(in, in->pos + 1);
        if (in->pos >= in->end) {
            if (in->eof) {
                if (in->in_array && !in->finished)
                    return input_error(in, in->end, "the top-level array is not closed", err);
                return SL_OK;
            }
            if (!may_fill) {
                *incomplete = true;
                return SL_OK;
            }
            SL_TRY(input_fill(in, err));
            continue;
        }
        if (!in->started) {
            in->started = true;
            if (in->buf[in->pos] == '[') {
                in->in_array = true;
                input_advance(in, in->pos + 1);
                continue;
            }
        }
        if (in->finished)
            return input_error(in, in->pos, "text after the end of the top-level array", err);
        bool oom = false;
        sl_json_status st = sl_json_parse_object(in->buf, in->pos, in->end, in->in_array, p, &oom);
        if (oom)
            return sl_error_oom(err);
        if (st == SL_JSON_INCOMPLETE) {
            if (in->eof)
                return input_error(in, in->end, "unexpected end of file inside a record", err);
            if (!may_fill) {
                *incomplete = true;
                return SL_OK;
            }
            SL_TRY(input_fill(in, err));
            continue;
        }
        if (st == SL_JSON_ERROR)
            return input_error(in, p->error_offset, p->error, err);
        if (st == SL_JSON_END) {
            in->finished = true;
            input_advance(in, p->next);
            continue;
        }
        *got = true;
        return SL_OK;
    }
}

/* ------------------------------------------------------------------ reader */

struct sl_json_reader {
    sl_json_reader_config config;
    uint32_t ncols;
    uint32_t file_index;
    json_input in;
    sl_json_parser parse;
    /* per batch: value of column c in row r at cells[r * ncols + c] */
    sl_json_member *cells;
    int64_t *row_line;
    uint8_t *row_bad;
    uint32_t *sel;
    size_t *key_lengths;
};

sl_status sl_json_reader_open(const sl_json_reader_config *config, sl_json_reader **out, sl_error *err)
{
    sl_json_reader *r = sl_calloc(1, sizeof *r);
    if (!r)
        return sl_error_oom(err);
    r->config = *config;
    r->ncols = config->column_count;
    r->in.fd = -1;
    size_t slots = (size_t)SL_BATCH_CAPACITY * (r->ncols ? r->ncols : 1);
    r->cells = sl_malloc(slots * sizeof *r->cells);
    r->row_line = sl_malloc(SL_BATCH_CAPACITY * sizeof *r->row_line);
    r->row_bad = sl_malloc(SL_BATCH_CAPACITY);
    r->sel = sl_malloc(SL_BATCH_CAPACITY * sizeof *r->sel);
    r->key_lengths = sl_malloc((r->ncols + 1) * sizeof *r->key_lengths);
    if (!r->cells || !r->row_line || !r->row_bad || !r->sel || !r->key_lengths) {
        sl_json_reader_free(r);
        return sl_error_oom(err);
    }
    for (uint32_t c = 0; c < r->ncols; c++)
        r->key_lengths[c] = strlen(config->names[c]);
    *out = r;
    return SL_OK;
}

void sl_json_reader_free(sl_json_reader *r)
{
    if (!r)
        return;
    input_close(&r->in);
    sl_free(r->in.buf);
    sl_json_parser_free(&r->parse);
    sl_free(r->cells);
    sl_free(r->row_line);
    sl_free(r->row_bad);
    sl_free(r->sel);
    sl_free(r->key_lengths);
    sl_free(r);
}

/* Column of a key (keys with escapes are compared decoded); -1 if none. `hint` is tried first. */
static int find_column(const sl_json_reader *r, const char *key, uint32_t n, uint32_t hint)
{
    if (hint < r->ncols && r->key_lengths[hint] == n && memcmp(r->config.names[hint], key, n) == 0)
        return (int)hint;
    for (uint32_t c = 0; c < r->ncols; c++)
        if (r->key_lengths[c] == n && memcmp(r->config.names[c], key, n) == 0)
            return (int)c;
    return -1;
}

static sl_status json_row_failed(sl_json_reader *r, uint32_t row, uint32_t *bad, sl_error *err, uint32_t c,
                                 const char *text, uint32_t n)
{
    if (r->config.ignore_errors) {
        if (!r->row_bad[row]) {
            r->row_bad[row] = 1;
            (*bad)++;
        }
        return SL_OK;
    }
    char tname[48];
    return sl_error_set(err, SL_ERR_INVALID_INPUT,
                        "Error when converting key \"%s\" at %s:%lld: could not convert %.*s to %s",
                        r->config.names[c], r->in.path, (long long)r->row_line[row], (int)(n > 200 ? 200 : n), text,
                        sl_type_name(r->config.types[c], tname, sizeof tname));
}

static sl_status json_convert(sl_json_reader *r, uint32_t n, uint32_t bad, sl_batch **out, int64_t *rejected,
                              size_t span, sl_error *err)
{
    sl_batch *batch = sl_batch_new_typed(r->config.types, r->ncols, SL_BATCH_CAPACITY);
    if (!batch)
        return sl_error_oom(err);
    sl_buffer *heap = sl_buffer_new(span + 16);
    if (!heap) {
        sl_batch_free(batch);
        return sl_error_oom(err);
    }
    heap->size = 0;
    sl_status st = SL_OK;
    const char *buf = r->in.buf;
    for (uint32_t c = 0; c < r->ncols && st == SL_OK; c++) {
        sl_vector *v = batch->columns[c];
        bool is_string = v->type.id == SL_TYPE_VARCHAR;
        if (is_string)
            st = sl_vector_add_heap(v, heap, err);
        for (uint32_t i = 0; i < n && st == SL_OK; i++) {
            if (r->row_bad[i])
                continue;
            const sl_json_member *m = &r->cells[(size_t)i * r->ncols + c];
            size_t w = sl_type_width(v->type);
            if (m->kind == SL_JSON_MISSING || m->kind == SL_JSON_NULL) {
                memset((char *)v->data + (size_t)i * w, 0, w);
                st = sl_vector_set_null(v, i, err);
                continue;
            }
            const char *s = buf + m->val_start;
            uint32_t len = m->val_len;
            if (m->escaped) {
                char *dst = (char *)heap->data + heap->size;
                len = sl_json_unescape(s, len, dst);
                heap->size += len;
                s = dst;
            }
            if (is_string) {
                if (len > SL_STRING_INLINE_MAX && !m->escaped) {
                    char *dst = (char *)heap->data + heap->size;
                    memcpy(dst, s, len);
                    heap->size += len;
                    s = dst;
                }
                size_t badpos;
                if (!sl_utf8_valid(s, len, &badpos)) {
                    st = json_row_failed(r, i, &bad, err, c, "(invalid UTF-8)", 15);
                    continue;
                }
                SL_VECTOR_DATA(v, sl_string)[i] = sl_string_make(s, len);
                continue;
            }
            bool ok = sl_json_member_to_slot(v, i, m, s, len);
            if (!ok) {
                memset((char *)v->data + (size_t)i * w, 0, w);
                st = json_row_failed(r, i, &bad, err, c, buf + m->val_start - (m->kind == SL_JSON_STRING),
                                     m->val_len + (m->kind == SL_JSON_STRING ? 2 : 0));
            }
        }
    }
    sl_buffer_unref(heap);
    if (st != SL_OK) {
        sl_batch_free(batch);
        return st;
    }
    batch->length = batch->count = n;
    if (bad) {
        if (rejected)
            *rejected += bad;
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

sl_status sl_json_reader_next(sl_json_reader *r, sl_batch **out, int64_t *rejected, sl_error *err)
{
    *out = NULL;
    for (;;) {
        if (r->in.fd < 0) {
            if (r->file_index >= r->config.path_count)
                return SL_OK;
            SL_TRY(input_open(&r->in, r->config.paths[r->file_index++], err));
        }
        uint32_t n = 0, bad = 0;
        size_t first = r->in.pos;
        bool file_done = false;
        while (n < SL_BATCH_CAPACITY) {
            bool got, incomplete;
            sl_status st = input_next_record(&r->in, &r->parse, n == 0, &got, &incomplete, err);
            if (st != SL_OK) {
                if (!r->config.ignore_errors || st == SL_ERR_OOM || st == SL_ERR_IO)
                    return st;
                /* skip to the next line and count the record as rejected */
                if (rejected)
                    *rejected += 1;
                const char *nl = memchr(r->in.buf + r->in.pos, '\n', r->in.end - r->in.pos);
                if (!nl) {
                    r->in.pos = r->in.end;
                    if (r->in.eof) {
                        file_done = true;
                        break;
                    }
                    continue;
                }
                r->in.pos = (size_t)(nl - r->in.buf);
                continue;
            }
            if (incomplete)
                break;
            if (!got) {
                file_done = true;
                break;
            }
            if (n == 0)
                first = r->in.pos; /* the record starts here (the buffer may have moved) */
            /* record -> cells */
            sl_json_member *row = &r->cells[(size_t)n * r->ncols];
            memset(row, 0, r->ncols * sizeof *row);
            for (uint32_t k = 0; k < r->parse.count; k++) {
                const sl_json_member *m = &r->parse.members[k];
                int c = find_column(r, r->in.buf + m->key_start, m->key_len, k);
                if (c >= 0)
                    row[c] = *m;
            }
            r->row_bad[n] = 0;
            r->row_line[n] = r->in.line;
            input_advance(&r->in, r->parse.next);
            n++;
        }
        if (n > 0) {
            sl_batch *batch;
            SL_TRY(json_convert(r, n, bad, &batch, rejected, r->in.pos - first, err));
            if (file_done)
                input_close(&r->in);
            if (batch) {
                *out = batch;
                return SL_OK;
            }
            continue;
        }
        if (file_done)
            input_close(&r->in);
    }
}

/* ------------------------------------------------------------------ sniffer */

enum { SNIFF_NONE = 0, SNIFF_BOOL, SNIFF_BIGINT, SNIFF_DOUBLE, SNIFF_VARCHAR };

sl_status sl_json_sniff(sl_arena *arena, const char *path, const sl_copy_options *opts, uint32_t *column_count,
                        sl_type **types, const char ***names, sl_error *err)
{
    json_input in;
    memset(&in, 0, sizeof in);
    in.fd = -1;
    sl_json_parser p;
    memset(&p, 0, sizeof p);
    uint32_t n = 0, cap = 16;
    char **keys = sl_malloc(cap * sizeof *keys);
    uint8_t *kinds = sl_malloc(cap);
    sl_status st = keys && kinds ? input_open(&in, path, err) : sl_error_oom(err);
    int64_t limit = opts->sample_size < 0 ? INT64_MAX : opts->sample_size;
    for (int64_t records = 0; st == SL_OK && records < limit; records++) {
        bool got, incomplete;
        st = input_next_record(&in, &p, false, &got, &incomplete, err);
        if (st != SL_OK || !got)
            break;
        for (uint32_t k = 0; k < p.count && st == SL_OK; k++) {
            const sl_json_member *m = &p.members[k];
            char keybuf[1024];
            uint32_t klen = m->key_len < sizeof keybuf ? sl_json_unescape(in.buf + m->key_start, m->key_len, keybuf) : 0;
            uint32_t c = 0;
            while (c < n && !(strlen(keys[c]) == klen && memcmp(keys[c], keybuf, klen) == 0))
                c++;
            if (c == n) {
                if (n == cap) {
                    char **nk = sl_realloc(keys, 2 * cap * sizeof *nk);
                    uint8_t *nt = nk ? sl_realloc(kinds, 2 * cap) : NULL;
                    if (nk)
                        keys = nk;
                    if (!nt) {
                        st = sl_error_oom(err);
                        break;
                    }
                    kinds = nt;
                    cap *= 2;
                }
                keys[n] = sl_arena_strndup(arena, keybuf, klen);
                if (!keys[n]) {
                    st = sl_error_oom(err);
                    break;
                }
                kinds[n++] = SNIFF_NONE;
            }
            uint8_t k2;
            int64_t iv;
            switch (m->kind) {
            case SL_JSON_NULL: continue;
            case SL_JSON_TRUE:
            case SL_JSON_FALSE: k2 = SNIFF_BOOL; break;
            case SL_JSON_NUMBER:
                k2 = sl_text_parse_int64(in.buf + m->val_start, m->val_len, &iv) ? SNIFF_BIGINT : SNIFF_DOUBLE;
                break;
            default: k2 = SNIFF_VARCHAR; break;
            }
            uint8_t k1 = kinds[c];
            if (k1 == SNIFF_NONE || k1 == k2)
                kinds[c] = k2;
            else if ((k1 == SNIFF_BIGINT || k1 == SNIFF_DOUBLE) && (k2 == SNIFF_BIGINT || k2 == SNIFF_DOUBLE))
                kinds[c] = SNIFF_DOUBLE;
            else
                kinds[c] = SNIFF_VARCHAR;
        }
        if (st == SL_OK && in.pos < in.end)
            input_advance(&in, p.next);
    }
    if (st == SL_OK && n == 0)
        st = sl_error_set(err, SL_ERR_INVALID_INPUT, "no JSON objects with keys found in \"%s\"", path);
    if (st == SL_OK) {
        sl_type *t = sl_arena_alloc(arena, n * sizeof *t);
        if (!t) {
            st = sl_error_oom(err);
        } else {
            for (uint32_t c = 0; c < n; c++) {
                static const sl_type_id map[] = { SL_TYPE_VARCHAR, SL_TYPE_BOOLEAN, SL_TYPE_BIGINT, SL_TYPE_DOUBLE,
                                                  SL_TYPE_VARCHAR };
                t[c] = sl_type_make(map[kinds[c]]);
            }
            *column_count = n;
            *types = t;
            *names = (const char **)keys;
            keys = NULL;
            /* the names array itself must live in the arena */
        }
    }
    if (st == SL_OK) {
        const char **arena_names = sl_arena_alloc(arena, n * sizeof *arena_names);
        if (!arena_names) {
            st = sl_error_oom(err);
        } else {
            memcpy(arena_names, *names, n * sizeof *arena_names);
            sl_free((void *)*names);
            *names = arena_names;
        }
    }
    sl_free(keys);
    sl_free(kinds);
    sl_json_parser_free(&p);
    input_close(&in);
    sl_free(in.buf);
    return st;
}
