/*
 * json_read.c — the JSON reader and sniffer (see json.h).
 *
 * Input: newline-delimited objects ({"a":1}\n{"a":2}) or one top-level array of objects
 * ([{"a":1},{"a":2}]), detected from the first non-blank byte of each file. The file is
 * read in large blocks like the CSV reader; a record crossing the end of the buffer is
 * moved to the front and the buffer refilled. Per batch, records are first split into
 * members (key and value spans in the buffer, no copies), then converted column by column.
 * Nested values are skipped with a depth counter (no recursion) and kept as raw text.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include "formats/csv.h"
#include "formats/json.h"
#include "formats/text_parse.h"

#define JSON_BUFFER_INITIAL (8u << 20)
#define JSON_BUFFER_MAX ((size_t)1 << 31)

typedef enum json_kind {
    JSON_MISSING = 0,
    JSON_NULL,
    JSON_STRING,     /* span excludes the quotes */
    JSON_NUMBER,
    JSON_TRUE,
    JSON_FALSE,
    JSON_NESTED      /* raw text of an object or array */
} json_kind;

typedef struct json_member {
    uint32_t key_start, key_len;
    uint32_t val_start, val_len;
    uint8_t kind;
    bool escaped;    /* string value contains backslash escapes */
} json_member;

typedef enum json_status { JSON_OK, JSON_INCOMPLETE, JSON_ERROR, JSON_END } json_status;

typedef struct json_parse {
    json_member *members;
    uint32_t count, cap;
    size_t next;          /* after the record (and its separator) */
    size_t error_offset;
    const char *error;
} json_parse;

static inline bool json_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Scans a string starting after its opening quote; returns the offset of the closing
 * quote or (size_t)-1 when incomplete; sets *escaped. Control characters are errors. */
static json_status scan_string(const char *buf, size_t *pos, size_t end, bool *escaped, json_parse *p)
{
    size_t i = *pos;
    *escaped = false;
    for (;;) {
        if (i >= end)
            return JSON_INCOMPLETE;
        unsigned char c = (unsigned char)buf[i];
        if (c == '"') {
            *pos = i;
            return JSON_OK;
        }
        if (c == '\\') {
            *escaped = true;
            i += 2;
            continue;
        }
        if (c < 0x20) {
            p->error_offset = i;
            p->error = "control character in a string (escape it)";
            return JSON_ERROR;
        }
        i++;
    }
}

/* Skips a nested object/array starting at buf[*pos] ('{' or '['), iteratively. */
static json_status skip_nested(const char *buf, size_t *pos, size_t end, json_parse *p)
{
    char stack[256];
    size_t depth = 0, i = *pos;
    while (i < end) {
        char c = buf[i];
        if (c == '{' || c == '[') {
            if (depth == sizeof stack) {
                p->error_offset = i;
                p->error = "nesting deeper than 256 levels";
                return JSON_ERROR;
            }
            stack[depth++] = c == '{' ? '}' : ']';
        } else if (c == '}' || c == ']') {
            if (depth == 0 || stack[depth - 1] != c) {
                p->error_offset = i;
                p->error = "mismatched bracket";
                return JSON_ERROR;
            }
            if (--depth == 0) {
                *pos = i + 1;
                return JSON_OK;
            }
        } else if (c == '"') {
            bool esc;
            size_t s = i + 1;
            json_status st = scan_string(buf, &s, end, &esc, p);
            if (st != JSON_OK)
                return st;
            i = s;
        }
        i++;
    }
    return JSON_INCOMPLETE;
}

static bool match_word(const char *buf, size_t i, size_t end, const char *word, size_t n, bool *incomplete)
{
    if (i + n > end) {
        *incomplete = memcmp(buf + i, word, end - i) == 0;
        return false;
    }
    return memcmp(buf + i, word, n) == 0;
}

static bool push_member(json_parse *p, const json_member *m)
{
    if (p->count == p->cap) {
        uint32_t ncap = p->cap ? p->cap * 2 : 32;
        json_member *nm = sl_realloc(p->members, ncap * sizeof *nm);
        if (!nm)
            return false;
        p->members = nm;
        p->cap = ncap;
    }
    p->members[p->count++] = *m;
    return true;
}

#define JSON_FAIL(off, msg)         \
    do {                            \
        p->error_offset = (off);    \
        p->error = (msg);           \
        return JSON_ERROR;          \
    } while (0)
#define JSON_NEED(cond)                  \
    do {                                 \
        if (!(cond))                     \
            return JSON_INCOMPLETE;      \
    } while (0)

/* Parses one object at buf[pos] into p->members. in_array: records are separated by ','
 * and the array closes with ']' (then JSON_END). Returns JSON_INCOMPLETE when the buffer
 * ends first (the caller refills or, at EOF, reports truncation). */
static json_status parse_record(const char *buf, size_t pos, size_t end, bool in_array, json_parse *p, bool *oom)
{
    size_t i = pos;
    p->count = 0;
    while (i < end && json_space(buf[i]))
        i++;
    JSON_NEED(i < end);
    if (in_array && buf[i] == ']') {
        p->next = i + 1;
        return JSON_END;
    }
    if (buf[i] != '{')
        JSON_FAIL(i, in_array ? "expected an object in the array" : "expected a JSON object (one per line)");
    i++;
    while (i < end && json_space(buf[i]))
        i++;
    JSON_NEED(i < end);
    if (buf[i] == '}') {
        i++;
    } else {
        for (;;) {
            json_member m;
            memset(&m, 0, sizeof m);
            if (buf[i] != '"')
                JSON_FAIL(i, "expected a string key");
            size_t s = i + 1;
            bool esc;
            json_status st = scan_string(buf, &s, end, &esc, p);
            if (st != JSON_OK)
                return st;
            m.key_start = (uint32_t)(i + 1);
            m.key_len = (uint32_t)(s - i - 1);
            i = s + 1;
            while (i < end && json_space(buf[i]))
                i++;
            JSON_NEED(i < end);
            if (buf[i] != ':')
                JSON_FAIL(i, "expected ':' after the key");
            i++;
            while (i < end && json_space(buf[i]))
                i++;
            JSON_NEED(i < end);
            char c = buf[i];
            size_t vstart = i;
            bool incomplete = false;
            if (c == '"') {
                s = i + 1;
                st = scan_string(buf, &s, end, &m.escaped, p);
                if (st != JSON_OK)
                    return st;
                m.kind = JSON_STRING;
                vstart = i + 1;
                m.val_len = (uint32_t)(s - i - 1);
                i = s + 1;
            } else if (c == '{' || c == '[') {
                s = i;
                st = skip_nested(buf, &s, end, p);
                if (st != JSON_OK)
                    return st;
                m.kind = JSON_NESTED;
                m.val_len = (uint32_t)(s - i);
                i = s;
            } else if (c == '-' || (c >= '0' && c <= '9')) {
                s = i + 1;
                while (s < end && ((buf[s] >= '0' && buf[s] <= '9') || buf[s] == '.' || buf[s] == 'e' ||
                                   buf[s] == 'E' || buf[s] == '+' || buf[s] == '-'))
                    s++;
                JSON_NEED(s < end);
                m.kind = JSON_NUMBER;
                m.val_len = (uint32_t)(s - i);
                i = s;
            } else if (match_word(buf, i, end, "true", 4, &incomplete)) {
                m.kind = JSON_TRUE, m.val_len = 4, i += 4;
            } else if (match_word(buf, i, end, "false", 5, &incomplete)) {
                m.kind = JSON_FALSE, m.val_len = 5, i += 5;
            } else if (match_word(buf, i, end, "null", 4, &incomplete)) {
                m.kind = JSON_NULL, m.val_len = 4, i += 4;
            } else {
                JSON_NEED(!incomplete);
                JSON_FAIL(i, "invalid value");
            }
            m.val_start = (uint32_t)vstart;
            if (!push_member(p, &m)) {
                *oom = true;
                return JSON_ERROR;
            }
            while (i < end && json_space(buf[i]))
                i++;
            JSON_NEED(i < end);
            if (buf[i] == ',') {
                i++;
                while (i < end && json_space(buf[i]))
                    i++;
                JSON_NEED(i < end);
                continue;
            }
            if (buf[i] == '}') {
                i++;
                break;
            }
            JSON_FAIL(i, "expected ',' or '}'");
        }
    }
    /* separator */
    if (in_array) {
        while (i < end && json_space(buf[i]))
            i++;
        JSON_NEED(i < end);
        if (buf[i] == ',')
            i++;
        else if (buf[i] != ']')
            JSON_FAIL(i, "expected ',' or ']' after an object in the array");
    } else {
        while (i < end && (buf[i] == ' ' || buf[i] == '\t' || buf[i] == '\r'))
            i++;
        if (i < end && buf[i] != '\n' && buf[i] != '{')
            JSON_FAIL(i, "unexpected text after the object");
    }
    p->next = i;
    return JSON_OK;
}

/* Decodes a JSON string body (with escapes) into dst (room for n bytes: never grows). */
static uint32_t json_unescape(const char *s, uint32_t n, char *dst)
{
    uint32_t o = 0;
    for (uint32_t i = 0; i < n; i++) {
        char c = s[i];
        if (c != '\\' || i + 1 >= n) {
            dst[o++] = c;
            continue;
        }
        c = s[++i];
        switch (c) {
        case 'n': dst[o++] = '\n'; break;
        case 't': dst[o++] = '\t'; break;
        case 'r': dst[o++] = '\r'; break;
        case 'b': dst[o++] = '\b'; break;
        case 'f': dst[o++] = '\f'; break;
        case 'u': {
            uint32_t cp = 0;
            int k;
            for (k = 0; k < 4 && i + 1 < n; k++) {
                char h = s[++i];
                cp = cp * 16 + (uint32_t)(h >= '0' && h <= '9' ? h - '0' : (h | 32) >= 'a' && (h | 32) <= 'f' ? (h | 32) - 'a' + 10 : 0);
            }
            if (cp >= 0xD800 && cp <= 0xDBFF && i + 6 < n + 0 && s[i + 1] == '\\' && s[i + 2] == 'u') {
                uint32_t lo = 0;
                for (k = 0; k < 4; k++) {
                    char h = s[i + 3 + k];
                    lo = lo * 16 + (uint32_t)(h >= '0' && h <= '9' ? h - '0' : (h | 32) >= 'a' && (h | 32) <= 'f' ? (h | 32) - 'a' + 10 : 0);
                }
                if (lo >= 0xDC00 && lo <= 0xDFFF) {
                    cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                    i += 6;
                }
            }
            /* \uXXXX (6 input bytes) encodes to at most 3 bytes; a pair (12) to 4 */
            if (cp < 0x80) {
                dst[o++] = (char)cp;
            } else if (cp < 0x800) {
                dst[o++] = (char)(0xC0 | (cp >> 6));
                dst[o++] = (char)(0x80 | (cp & 0x3F));
            } else if (cp < 0x10000) {
                dst[o++] = (char)(0xE0 | (cp >> 12));
                dst[o++] = (char)(0x80 | ((cp >> 6) & 0x3F));
                dst[o++] = (char)(0x80 | (cp & 0x3F));
            } else {
                dst[o++] = (char)(0xF0 | (cp >> 18));
                dst[o++] = (char)(0x80 | ((cp >> 12) & 0x3F));
                dst[o++] = (char)(0x80 | ((cp >> 6) & 0x3F));
                dst[o++] = (char)(0x80 | (cp & 0x3F));
            }
            break;
        }
        default: dst[o++] = c; break; /* \" \\ \/ */
        }
    }
    return o;
}

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
static sl_status input_next_record(json_input *in, json_parse *p, bool may_fill, bool *got, bool *incomplete,
                                   sl_error *err)
{
    *got = false;
    *incomplete = false;
    for (;;) {
        while (in->pos < in->end && json_space(in->buf[in->pos]))
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
        json_status st = parse_record(in->buf, in->pos, in->end, in->in_array, p, &oom);
        if (oom)
            return sl_error_oom(err);
        if (st == JSON_INCOMPLETE) {
            if (in->eof)
                return input_error(in, in->end, "unexpected end of file inside a record", err);
            if (!may_fill) {
                *incomplete = true;
                return SL_OK;
            }
            SL_TRY(input_fill(in, err));
            continue;
        }
        if (st == JSON_ERROR)
            return input_error(in, p->error_offset, p->error, err);
        if (st == JSON_END) {
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
    json_parse parse;
    /* per batch: value of column c in row r at cells[r * ncols + c] */
    json_member *cells;
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
    sl_free(r->parse.members);
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
            const json_member *m = &r->cells[(size_t)i * r->ncols + c];
            size_t w = sl_type_width(v->type);
            if (m->kind == JSON_MISSING || m->kind == JSON_NULL) {
                memset((char *)v->data + (size_t)i * w, 0, w);
                st = sl_vector_set_null(v, i, err);
                continue;
            }
            const char *s = buf + m->val_start;
            uint32_t len = m->val_len;
            if (m->escaped) {
                char *dst = (char *)heap->data + heap->size;
                len = json_unescape(s, len, dst);
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
            bool ok;
            if (v->type.id == SL_TYPE_BOOLEAN && (m->kind == JSON_TRUE || m->kind == JSON_FALSE)) {
                SL_VECTOR_DATA(v, uint8_t)[i] = m->kind == JSON_TRUE;
                ok = true;
            } else if (m->kind == JSON_NESTED || (m->kind != JSON_STRING && m->kind != JSON_NUMBER)) {
                ok = false;
            } else {
                ok = sl_text_parse_slot(v, i, s, len);
            }
            if (!ok) {
                memset((char *)v->data + (size_t)i * w, 0, w);
                st = json_row_failed(r, i, &bad, err, c, buf + m->val_start - (m->kind == JSON_STRING),
                                     m->val_len + (m->kind == JSON_STRING ? 2 : 0));
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
            json_member *row = &r->cells[(size_t)n * r->ncols];
            memset(row, 0, r->ncols * sizeof *row);
            for (uint32_t k = 0; k < r->parse.count; k++) {
                const json_member *m = &r->parse.members[k];
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
    json_parse p;
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
            const json_member *m = &p.members[k];
            char keybuf[1024];
            uint32_t klen = m->key_len < sizeof keybuf ? json_unescape(in.buf + m->key_start, m->key_len, keybuf) : 0;
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
            case JSON_NULL: continue;
            case JSON_TRUE:
            case JSON_FALSE: k2 = SNIFF_BOOL; break;
            case JSON_NUMBER:
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
    sl_free(p.members);
    input_close(&in);
    sl_free(in.buf);
    return st;
}
