/*
 * record.c — the record decoder of live sources and the bad-record policy (see record.h).
 *
 * A decoder owns one pending batch of SL_BATCH_CAPACITY rows. sl_record_decoder_add
 * writes a record's row(s) at the next free position(s) and only counts them when the
 * whole record decoded, so a failing record leaves the pending rows as they were (its
 * half-written slots are overwritten by the next record). JSON objects are split by the
 * shared per-record parser (json_record.c: iterative, any nesting depth) and converted
 * member by member with the text parsers (text_parse.c); CSV lines are split here (RFC
 * 4180 quoting, one record = one line); Avro goes through libavro's generic values.
 *
 * Rejected records go to sl_reject_record, which appends them to the dead-letter table
 * the way late rows are appended (stream/late_rows.c): sl_table_append under the catalog
 * lock, so readers see whole batches.
 */
#include "formats/record.h"

#include <avro.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "catalog/catalog.h"
#include "formats/json_record.h"
#include "formats/text_parse.h"

#define RECORD_DEFAULT_MAX_BYTES ((size_t)1 << 20)
#define RAW_KEEP_BYTES 1024

typedef enum column_role {
    ROLE_FIELD = 0,     /* a field of the record */
    ROLE_KEY,           /* _key */
    ROLE_PARTITION,     /* _partition */
    ROLE_OFFSET,        /* _offset */
    ROLE_TIMESTAMP,     /* _timestamp */
    ROLE_HEADERS        /* _headers: the headers as a JSON object text (Kafka), else NULL */
} column_role;

struct sl_record_decoder {
    sl_record_decoder_config config;
    uint32_t ncols;
    uint8_t *role;                /* column_role per column */
    char **lower_names;           /* lower-case column names */
    uint32_t *name_length;
    uint32_t *field_columns;      /* the ROLE_FIELD columns in declared order (CSV) */
    uint32_t field_count;
    uint32_t *filled;             /* per column: the record stamp that filled it */
    uint32_t stamp;
    size_t max_record_bytes;
    char delimiter;
    /* pending rows */
    sl_batch *batch;
    uint32_t rows;
    int8_t *change;               /* debezium-json: change code per pending row */
    /* scratch */
    sl_json_parser parser, inner;
    char *scratch;                /* unescaped strings */
    size_t scratch_cap;
    /* avro */
    avro_schema_t avro_schema;
    avro_value_iface_t *avro_iface;
    avro_value_t avro_value;
    bool avro_value_live;
    avro_reader_t avro_reader;
    int32_t *avro_field;          /* per column: record field index, -1 = absent */
};

/* ------------------------------------------------------------------ names */

bool sl_record_format_parse(const char *name, sl_record_format *out)
{
    static const struct {
        const char *name;
        sl_record_format format;
    } formats[] = { { "json", SL_RECORD_JSON },
                    { "csv", SL_RECORD_CSV },
                    { "raw", SL_RECORD_RAW },
                    { "debezium-json", SL_RECORD_DEBEZIUM_JSON },
                    { "debezium_json", SL_RECORD_DEBEZIUM_JSON },
                    { "avro", SL_RECORD_AVRO } };
    for (size_t i = 0; i < sizeof formats / sizeof formats[0]; i++)
        if (strcasecmp(formats[i].name, name) == 0) {
            *out = formats[i].format;
            return true;
        }
    return false;
}

bool sl_on_error_parse(const char *name, sl_on_error *out)
{
    if (strcasecmp(name, "fail") == 0)
        *out = SL_ON_ERROR_FAIL;
    else if (strcasecmp(name, "skip") == 0)
        *out = SL_ON_ERROR_SKIP;
    else if (strcasecmp(name, "dead_letter") == 0 || strcasecmp(name, "dead-letter") == 0)
        *out = SL_ON_ERROR_DEAD_LETTER;
    else
        return false;
    return true;
}

/* ------------------------------------------------------------------ errors */

/* "source 'bids' partition 3 offset 1234" / "source 'events' file '/x.json' line 7". */
static void origin_text(const sl_record_origin *o, char *buf, size_t cap)
{
    size_t n = 0;
    buf[0] = '\0';
    if (o && o->source)
        n += (size_t)snprintf(buf + n, cap - n, "source '%s'", o->source);
    if (o && o->file) {
        n += (size_t)snprintf(buf + n, n < cap ? cap - n : 0, "%sfile '%s'", n ? " " : "", o->file);
        if (o->line >= 0 && n < cap)
            n += (size_t)snprintf(buf + n, cap - n, " line %lld", (long long)o->line);
    } else {
        if (o && o->partition >= 0 && n < cap)
            n += (size_t)snprintf(buf + n, cap - n, "%spartition %d", n ? " " : "", o->partition);
        if (o && o->offset >= 0 && n < cap)
            n += (size_t)snprintf(buf + n, cap - n, "%soffset %lld", n ? " " : "", (long long)o->offset);
    }
    if (n == 0)
        snprintf(buf, cap, "record");
}

static sl_status record_fail(sl_error *err, const sl_record_origin *origin, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static sl_status record_fail(sl_error *err, const sl_record_origin *origin, const char *fmt, ...)
{
    char where[384], detail[640];
    origin_text(origin, where, sizeof where);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(detail, sizeof detail, fmt, ap);
    va_end(ap);
    return sl_error_set(err, SL_ERR_INVALID_INPUT, "%s: %s", where, detail);
}

/* Up to 60 bytes of text for a message, quoted, cut with "...". */
static void excerpt(const char *s, size_t n, char *buf, size_t cap)
{
    size_t keep = n > 60 ? 60 : n;
    snprintf(buf, cap, "\"%.*s%s\"", (int)keep, s, n > keep ? "..." : "");
}

/* The error of text that did not convert to column c's type: numeric overflow when the
 * text is a number that does not fit the (numeric) type, else a type mismatch. */
static sl_status conversion_fail(sl_record_decoder *d, uint32_t c, const char *text, size_t n, bool nested,
                                 const sl_record_origin *origin, sl_error *err)
{
    sl_type t = d->config.types[c];
    char tname[48], shown[80];
    sl_type_name(t, tname, sizeof tname);
    excerpt(text, n, shown, sizeof shown);
    const char *name = d->config.names[c];
    if (nested)
        return record_fail(err, origin, "type mismatch in column \"%s\": expected %s, got a nested %s %s", name, tname,
                           text[0] == '[' ? "array" : "object", shown);
    double value;
    if (sl_type_is_numeric(t) && sl_text_parse_double(text, n, &value)) {
        bool fraction = memchr(text, '.', n) || memchr(text, 'e', n) || memchr(text, 'E', n);
        bool fits_int64 = value > -9.2e18 && value < 9.2e18;
        if (!(sl_type_is_integer(t) && fraction && fits_int64))
            return record_fail(err, origin, "numeric overflow in column \"%s\": %s is out of range for %s", name,
                               shown, tname);
    }
    return record_fail(err, origin, "type mismatch in column \"%s\": cannot convert %s to %s", name, shown, tname);
}

/* ------------------------------------------------------------------ life */

static column_role role_of(const char *name)
{
    static const char *const names[] = { "_key", "_partition", "_offset", "_timestamp", "_headers" };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcasecmp(names[i], name) == 0)
            return (column_role)(ROLE_KEY + i);
    return ROLE_FIELD;
}

static sl_batch *new_pending(const sl_record_decoder *d)
{
    return sl_batch_new_typed(d->config.types, d->ncols, SL_BATCH_CAPACITY);
}

static sl_status avro_setup(sl_record_decoder *d, sl_error *err)
{
    const char *text = d->config.avro_schema;
    if (!text || !text[0])
        return sl_error_set(err, SL_ERR_INVALID_ARG,
                            "format 'avro' needs the writer schema: the option avro.schema = '<Avro schema JSON>' "
                            "(a schema registry is not supported)");
    if (avro_schema_from_json_length(text, strlen(text), &d->avro_schema) != 0)
        return sl_error_set(err, SL_ERR_INVALID_ARG, "avro.schema is not a valid Avro schema: %s", avro_strerror());
    if (!is_avro_record(d->avro_schema))
        return sl_error_set(err, SL_ERR_INVALID_ARG, "avro.schema must be a record schema");
    d->avro_iface = avro_generic_class_from_schema(d->avro_schema);
    if (!d->avro_iface || avro_generic_value_new(d->avro_iface, &d->avro_value) != 0)
        return sl_error_set(err, SL_ERR_INVALID_ARG, "avro.schema: %s", avro_strerror());
    d->avro_value_live = true;
    d->avro_reader = avro_reader_memory("", 0);
    d->avro_field = sl_malloc(sizeof *d->avro_field * (d->ncols ? d->ncols : 1));
    if (!d->avro_reader || !d->avro_field)
        return sl_error_oom(err);
    size_t fields = avro_schema_record_size(d->avro_schema);
    for (uint32_t c = 0; c < d->ncols; c++) {
        d->avro_field[c] = -1;
        if (d->role[c] != ROLE_FIELD)
            continue;
        for (size_t f = 0; f < fields; f++) {
            const char *fname = avro_schema_record_field_name(d->avro_schema, (int)f);
            if (fname && strcasecmp(fname, d->config.names[c]) == 0)
                d->avro_field[c] = (int32_t)f;
        }
    }
    return SL_OK;
}

sl_status sl_record_decoder_new(const sl_record_decoder_config *config, sl_record_decoder **out, sl_error *err)
{
    *out = NULL;
    sl_record_decoder *d = sl_calloc(1, sizeof *d);
    if (!d)
        return sl_error_oom(err);
    d->config = *config;
    d->ncols = config->column_count;
    d->max_record_bytes = config->max_record_bytes ? config->max_record_bytes : RECORD_DEFAULT_MAX_BYTES;
    d->delimiter = config->csv_delimiter ? config->csv_delimiter : ',';
    uint32_t slots = d->ncols ? d->ncols : 1;
    d->role = sl_calloc(slots, 1);
    d->lower_names = sl_calloc(slots, sizeof *d->lower_names);
    d->name_length = sl_calloc(slots, sizeof *d->name_length);
    d->field_columns = sl_calloc(slots, sizeof *d->field_columns);
    d->filled = sl_calloc(slots, sizeof *d->filled);
    d->change = sl_malloc(SL_BATCH_CAPACITY);
    sl_status st = d->role && d->lower_names && d->name_length && d->field_columns && d->filled && d->change
                       ? SL_OK
                       : sl_error_oom(err);
    for (uint32_t c = 0; c < d->ncols && st == SL_OK; c++) {
        const char *name = config->names[c];
        size_t n = strlen(name);
        d->lower_names[c] = sl_malloc(n + 1);
        if (!d->lower_names[c]) {
            st = sl_error_oom(err);
            break;
        }
        for (size_t i = 0; i <= n; i++)
            d->lower_names[c][i] = (char)(name[i] >= 'A' && name[i] <= 'Z' ? name[i] + 32 : name[i]);
        d->name_length[c] = (uint32_t)n;
        d->role[c] = (uint8_t)role_of(name);
        sl_type_id t = config->types[c].id;
        char tname[48];
        sl_type_name(config->types[c], tname, sizeof tname);
        switch (d->role[c]) {
        case ROLE_FIELD: d->field_columns[d->field_count++] = c; break;
        case ROLE_KEY:
        case ROLE_HEADERS:
            if (t != SL_TYPE_VARCHAR)
                st = sl_error_set(err, SL_ERR_TYPE, "metadata column \"%s\" must be VARCHAR, not %s", name, tname);
            break;
        case ROLE_PARTITION:
        case ROLE_OFFSET:
            if (!sl_type_is_integer(config->types[c]))
                st = sl_error_set(err, SL_ERR_TYPE, "metadata column \"%s\" must be an integer type (BIGINT), not %s",
                                  name, tname);
            break;
        case ROLE_TIMESTAMP:
            if (t != SL_TYPE_TIMESTAMP)
                st = sl_error_set(err, SL_ERR_TYPE, "metadata column \"%s\" must be TIMESTAMP, not %s", name, tname);
            break;
        }
    }
    if (st == SL_OK && config->format == SL_RECORD_RAW &&
        (d->field_count != 1 || config->types[d->field_columns[0]].id != SL_TYPE_VARCHAR))
        st = sl_error_set(err, SL_ERR_TYPE,
                          "format 'raw' needs exactly one VARCHAR column for the record (besides metadata columns "
                          "_key, _partition, _offset, _timestamp, _headers); %u given",
                          d->field_count);
    if (st == SL_OK && config->event_time_column >= (int32_t)d->ncols)
        st = sl_error_set(err, SL_ERR_INTERNAL, "record decoder: event-time column %d of %u", config->event_time_column,
                          d->ncols);
    if (st == SL_OK && config->format == SL_RECORD_AVRO)
        st = avro_setup(d, err);
    if (st == SL_OK) {
        d->batch = new_pending(d);
        if (!d->batch)
            st = sl_error_oom(err);
    }
    if (st != SL_OK) {
        sl_record_decoder_free(d);
        return st;
    }
    *out = d;
    return SL_OK;
}

void sl_record_decoder_free(sl_record_decoder *d)
{
    if (!d)
        return;
    for (uint32_t c = 0; d->lower_names && c < d->ncols; c++)
        sl_free(d->lower_names[c]);
    sl_free(d->lower_names);
    sl_free(d->role);
    sl_free(d->name_length);
    sl_free(d->field_columns);
    sl_free(d->filled);
    sl_free(d->change);
    sl_free(d->scratch);
    sl_free(d->avro_field);
    sl_json_parser_free(&d->parser);
    sl_json_parser_free(&d->inner);
    if (d->avro_value_live)
        avro_value_decref(&d->avro_value);
    if (d->avro_iface)
        avro_value_iface_decref(d->avro_iface);
    if (d->avro_schema)
        avro_schema_decref(d->avro_schema);
    if (d->avro_reader)
        avro_reader_free(d->avro_reader);
    if (d->batch)
        sl_batch_free(d->batch);
    sl_free(d);
}

uint32_t sl_record_decoder_pending(const sl_record_decoder *d)
{
    return d->rows;
}

bool sl_record_decoder_full(const sl_record_decoder *d)
{
    return d->rows + 2 > SL_BATCH_CAPACITY;
}

sl_status sl_record_decoder_flush(sl_record_decoder *d, sl_batch **out, sl_error *err)
{
    *out = NULL;
    if (d->rows == 0)
        return SL_OK;
    sl_batch *next = new_pending(d);
    if (!next)
        return sl_error_oom(err);
    sl_batch *b = d->batch;
    b->length = b->count = d->rows;
    if (d->config.format == SL_RECORD_DEBEZIUM_JSON) {
        sl_status st = sl_batch_set_change(b, d->change, 0, d->rows, err);
        if (st != SL_OK) {
            sl_batch_free(next);
            return st;
        }
    }
    d->batch = next;
    d->rows = 0;
    *out = b;
    return SL_OK;
}

/* ------------------------------------------------------------------ slots */

static inline sl_status slot_null(sl_vector *v, uint32_t row, sl_error *err)
{
    size_t w = sl_type_width(v->type);
    memset((char *)v->data + (size_t)row * w, 0, w);
    return sl_vector_set_null(v, row, err);
}

static inline void slot_valid(sl_vector *v, uint32_t row)
{
    if (v->validity)
        sl_validity_set(v->validity, row, true);
}

static char *scratch(sl_record_decoder *d, size_t n)
{
    if (n > d->scratch_cap) {
        size_t cap = n < 4096 ? 4096 : n * 2;
        char *s = sl_realloc(d->scratch, cap);
        if (!s)
            return NULL;
        d->scratch = s;
        d->scratch_cap = cap;
    }
    return d->scratch;
}

/* Writes text into slot `row` of column c: VARCHAR as is (UTF-8 checked when asked),
 * other types through the text parsers. */
static sl_status text_slot(sl_record_decoder *d, uint32_t c, uint32_t row, const char *s, size_t n, bool check_utf8,
                           const sl_record_origin *origin, sl_error *err)
{
    sl_vector *v = d->batch->columns[c];
    if (v->type.id == SL_TYPE_VARCHAR) {
        size_t bad;
        if (check_utf8 && !sl_utf8_valid(s, n, &bad))
            return record_fail(err, origin, "invalid UTF-8 in column \"%s\" at byte %zu of the value",
                               d->config.names[c], bad);
        SL_TRY(sl_vector_set_string(v, row, s, (uint32_t)n, err));
    } else if (!sl_text_parse_slot(v, row, s, n)) {
        return conversion_fail(d, c, s, n, false, origin, err);
    }
    slot_valid(v, row);
    return SL_OK;
}

static sl_status int_slot(sl_vector *v, uint32_t row, int64_t value, sl_error *err)
{
    switch (v->type.id) {
    case SL_TYPE_TINYINT: SL_VECTOR_DATA(v, int8_t)[row] = (int8_t)value; break;
    case SL_TYPE_SMALLINT: SL_VECTOR_DATA(v, int16_t)[row] = (int16_t)value; break;
    case SL_TYPE_INTEGER: SL_VECTOR_DATA(v, int32_t)[row] = (int32_t)value; break;
    default: SL_VECTOR_DATA(v, int64_t)[row] = value; break;
    }
    slot_valid(v, row);
    (void)err;
    return SL_OK;
}

/* Fills the metadata columns of `row` from the origin, checks the event time, and makes
 * every field column the record did not fill NULL. */
static sl_status finish_row(sl_record_decoder *d, uint32_t row, const sl_record_origin *o, sl_error *err)
{
    for (uint32_t c = 0; c < d->ncols; c++) {
        sl_vector *v = d->batch->columns[c];
        switch (d->role[c]) {
        case ROLE_FIELD:
            if (d->filled[c] != d->stamp)
                SL_TRY(slot_null(v, row, err));
            break;
        case ROLE_KEY:
            if (o && o->key) {
                size_t bad;
                if (!sl_utf8_valid(o->key, o->key_length, &bad))
                    return record_fail(err, o, "invalid UTF-8 in the key at byte %zu", bad);
                SL_TRY(sl_vector_set_string(v, row, o->key, (uint32_t)o->key_length, err));
                slot_valid(v, row);
            } else {
                SL_TRY(slot_null(v, row, err));
            }
            break;
        case ROLE_PARTITION:
            if (o && o->partition >= 0)
                SL_TRY(int_slot(v, row, o->partition, err));
            else
                SL_TRY(slot_null(v, row, err));
            break;
        case ROLE_OFFSET:
            if (o && o->offset >= 0)
                SL_TRY(int_slot(v, row, o->offset, err));
            else
                SL_TRY(slot_null(v, row, err));
            break;
        case ROLE_TIMESTAMP:
            if (o && o->timestamp_micros >= 0) {
                SL_VECTOR_DATA(v, int64_t)[row] = o->timestamp_micros;
                slot_valid(v, row);
            } else {
                SL_TRY(slot_null(v, row, err));
            }
            break;
        case ROLE_HEADERS:
            if (o && o->headers) {
                SL_TRY(sl_vector_set_string(v, row, o->headers, (uint32_t)o->headers_length, err));
                slot_valid(v, row);
            } else {
                SL_TRY(slot_null(v, row, err));
            }
            break;
        default: SL_TRY(slot_null(v, row, err)); break;
        }
    }
    int32_t et = d->config.event_time_column;
    if (et >= 0 && !sl_vector_is_valid(d->batch->columns[et], row))
        return record_fail(err, o, "NULL event time: column \"%s\" (the WATERMARK column) is missing or null",
                           d->config.names[et]);
    return SL_OK;
}

/* ------------------------------------------------------------------ json */

static inline int find_column(const sl_record_decoder *d, const char *key, uint32_t n, uint32_t hint)
{
    /* fast path: the key at the position of its column, spelled as declared */
    if (hint < d->ncols && d->name_length[hint] == n && d->role[hint] == ROLE_FIELD &&
        memcmp(key, d->config.names[hint], n) == 0)
        return (int)hint;
    for (uint32_t k = 0; k < d->ncols; k++) {
        uint32_t c = hint + k < d->ncols ? hint + k : hint + k - d->ncols;
        if (d->name_length[c] != n || d->role[c] != ROLE_FIELD)
            continue;
        const char *name = d->lower_names[c];
        uint32_t i = 0;
        while (i < n && (key[i] == name[i] || ((key[i] | 32) == name[i] && name[i] >= 'a' && name[i] <= 'z')))
            i++;
        if (i == n)
            return (int)c;
    }
    return -1;
}

/* Writes the members of one parsed object (spans into buf) as pending row `row`. */
static sl_status json_object_row(sl_record_decoder *d, const char *buf, const sl_json_parser *p, uint32_t row,
                                 const sl_record_origin *origin, sl_error *err)
{
    d->stamp++;
    for (uint32_t k = 0; k < p->count; k++) {
        const sl_json_member *m = &p->members[k];
        int col = find_column(d, buf + m->key_start, m->key_len, k < d->ncols ? k : 0);
        if (col < 0)
            continue;   /* extra field: ignored */
        uint32_t c = (uint32_t)col;
        if (d->filled[c] == d->stamp)   /* {"v": 1, "v": 2}: which one was meant? */
            return record_fail(err, origin, "duplicate key \"%.*s\" (column %s)", (int)(m->key_len > 64 ? 64 : m->key_len),
                               buf + m->key_start, d->config.names[c]);
        d->filled[c] = d->stamp;
        sl_vector *v = d->batch->columns[c];
        if (m->kind == SL_JSON_NULL) {
            SL_TRY(slot_null(v, row, err));
            continue;
        }
        const char *s = buf + m->val_start;
        uint32_t len = m->val_len;
        if (m->escaped) {
            char *dst = scratch(d, len);
            if (!dst)
                return sl_error_oom(err);
            len = sl_json_unescape(s, len, dst);
            s = dst;
        }
        if (v->type.id == SL_TYPE_VARCHAR) {
            /* the record was checked as a whole; escapes can still spell bad code points */
            SL_TRY(text_slot(d, c, row, s, len, m->escaped, origin, err));
            continue;
        }
        if (!sl_json_member_to_slot(v, row, m, s, len))
            return conversion_fail(d, c, s, len, m->kind == SL_JSON_NESTED, origin, err);
        slot_valid(v, row);
    }
    return finish_row(d, row, origin, err);
}

static sl_status json_syntax_fail(const sl_json_parser *p, sl_json_status st, size_t length,
                                  const sl_record_origin *origin, sl_error *err)
{
    if (st == SL_JSON_INCOMPLETE)
        return record_fail(err, origin, "truncated JSON: the record ends inside a value (%zu bytes)", length);
    return record_fail(err, origin, "invalid JSON at byte %zu: %s", p->error_offset + 1, p->error);
}

/* Parses buf[start, end) as exactly one object into p. */
static sl_status parse_one_object(const char *buf, size_t start, size_t end, sl_json_parser *p,
                                  const sl_record_origin *origin, sl_error *err)
{
    bool oom = false;
    sl_json_status st = sl_json_parse_object(buf, start, end, false, p, &oom);
    if (oom)
        return sl_error_oom(err);
    if (st != SL_JSON_OK)
        return json_syntax_fail(p, st, end - start, origin, err);
    size_t i = p->next;
    while (i < end && sl_json_space(buf[i]))
        i++;
    if (i < end)
        return record_fail(err, origin, "invalid JSON at byte %zu: unexpected text after the object", i + 1);
    return SL_OK;
}

static sl_status decode_json(sl_record_decoder *d, const char *data, size_t length, const sl_record_origin *origin,
                             uint32_t *produced, sl_error *err)
{
    SL_TRY(parse_one_object(data, 0, length, &d->parser, origin, err));
    SL_TRY(json_object_row(d, data, &d->parser, d->rows, origin, err));
    *produced = 1;
    return SL_OK;
}

/* ------------------------------------------------------------------ debezium-json */

static const sl_json_member *member_named(const char *buf, const sl_json_parser *p, const char *name)
{
    size_t n = strlen(name);
    for (uint32_t k = 0; k < p->count; k++)
        if (p->members[k].key_len == n && memcmp(buf + p->members[k].key_start, name, n) == 0)
            return &p->members[k];
    return NULL;
}

/* One image (`before` / `after`) as pending row `row` with change code `code`. */
static sl_status debezium_image(sl_record_decoder *d, const char *buf, const sl_json_member *m, const char *which,
                                uint32_t row, int8_t code, const sl_record_origin *origin, sl_error *err)
{
    if (!m || m->kind != SL_JSON_NESTED || buf[m->val_start] != '{')
        return record_fail(err, origin, "Debezium event without a '%s' object (op needs it%s)", which,
                           strcmp(which, "before") == 0 ? "; for PostgreSQL set REPLICA IDENTITY FULL" : "");
    SL_TRY(parse_one_object(buf, m->val_start, (size_t)m->val_start + m->val_len, &d->inner, origin, err));
    SL_TRY(json_object_row(d, buf, &d->inner, row, origin, err));
    d->change[row] = code;
    return SL_OK;
}

static sl_status decode_debezium(sl_record_decoder *d, const char *data, size_t length,
                                 const sl_record_origin *origin, uint32_t *produced, sl_error *err)
{
    size_t i = 0;
    while (i < length && sl_json_space(data[i]))
        i++;
    if (i == length || (length - i == 4 && memcmp(data + i, "null", 4) == 0)) {
        *produced = 0;   /* a tombstone (the Kafka record after a delete): no change */
        return SL_OK;
    }
    SL_TRY(parse_one_object(data, 0, length, &d->parser, origin, err));
    const sl_json_member *payload = member_named(data, &d->parser, "payload");
    if (payload && payload->kind == SL_JSON_NESTED && data[payload->val_start] == '{')
        SL_TRY(parse_one_object(data, payload->val_start, (size_t)payload->val_start + payload->val_len, &d->parser,
                                origin, err));
    const sl_json_member *op = member_named(data, &d->parser, "op");
    const sl_json_member *before = member_named(data, &d->parser, "before");
    const sl_json_member *after = member_named(data, &d->parser, "after");
    sl_json_member before_m, after_m;   /* copies: the member array is reused */
    if (before)
        before_m = *before, before = &before_m;
    if (after)
        after_m = *after, after = &after_m;
    if (!op || op->kind != SL_JSON_STRING || op->val_len != 1)
        return record_fail(err, origin, "Debezium event without an 'op' of c, r, u or d");
    char code = data[op->val_start];
    uint32_t row = d->rows;
    switch (code) {
    case 'c':
    case 'r':
        SL_TRY(debezium_image(d, data, after, "after", row, SL_CHANGE_INSERT, origin, err));
        *produced = 1;
        return SL_OK;
    case 'u':
        if (row + 2 > SL_BATCH_CAPACITY)
            return sl_error_set(err, SL_ERR_INTERNAL, "record decoder: no room for an update (flush when "
                                                      "sl_record_decoder_full)");
        SL_TRY(debezium_image(d, data, before, "before", row, SL_CHANGE_UPDATE_BEFORE, origin, err));
        SL_TRY(debezium_image(d, data, after, "after", row + 1, SL_CHANGE_UPDATE_AFTER, origin, err));
        *produced = 2;
        return SL_OK;
    case 'd':
        SL_TRY(debezium_image(d, data, before, "before", row, SL_CHANGE_DELETE, origin, err));
        *produced = 1;
        return SL_OK;
    default: return record_fail(err, origin, "Debezium event with an unknown op '%c' (expected c, r, u or d)", code);
    }
}

/* ------------------------------------------------------------------ csv */

static sl_status decode_csv(sl_record_decoder *d, const char *data, size_t length, const sl_record_origin *origin,
                            uint32_t *produced, sl_error *err)
{
    while (length > 0 && (data[length - 1] == '\n' || data[length - 1] == '\r'))
        length--;
    uint32_t row = d->rows;
    d->stamp++;
    size_t i = 0;
    uint32_t field = 0;
    char delim = d->delimiter;
    for (;;) {
        size_t start = i;
        const char *s;
        size_t n;
        bool quoted = i < length && data[i] == '"';
        if (quoted) {
            /* "..." with "" for a quote; decoded into scratch when it has any */
            size_t j = i + 1, quotes = 0;
            for (;;) {
                if (j >= length)
                    return record_fail(err, origin, "invalid CSV: unterminated quoted field %u (starting at byte %zu)",
                                       field + 1, start + 1);
                if (data[j] == '"') {
                    if (j + 1 < length && data[j + 1] == '"') {
                        quotes++;
                        j += 2;
                        continue;
                    }
                    break;
                }
                j++;
            }
            s = data + i + 1;
            n = j - i - 1;
            if (quotes) {
                char *dst = scratch(d, n);
                if (!dst)
                    return sl_error_oom(err);
                size_t o = 0;
                for (size_t k = 0; k < n; k++) {
                    dst[o++] = s[k];
                    if (s[k] == '"')
                        k++;
                }
                s = dst;
                n = o;
            }
            i = j + 1;
            if (i < length && data[i] != delim)
                return record_fail(err, origin, "invalid CSV: text after the closing quote of field %u at byte %zu",
                                   field + 1, i + 1);
        } else {
            const char *end = memchr(data + i, delim, length - i);
            size_t j = end ? (size_t)(end - data) : length;
            s = data + i;
            n = j - i;
            i = j;
        }
        if (field < d->field_count) {   /* extra fields are ignored */
            uint32_t c = d->field_columns[field];
            if (n == 0 && !quoted) {
                SL_TRY(slot_null(d->batch->columns[c], row, err));
            } else {
                SL_TRY(text_slot(d, c, row, s, n, false, origin, err));
            }
            d->filled[c] = d->stamp;
        }
        field++;
        if (i >= length)
            break;
        i++;   /* the delimiter */
    }
    SL_TRY(finish_row(d, row, origin, err));
    *produced = 1;
    return SL_OK;
}

/* ------------------------------------------------------------------ raw */

static sl_status decode_raw(sl_record_decoder *d, const char *data, size_t length, const sl_record_origin *origin,
                            uint32_t *produced, sl_error *err)
{
    uint32_t row = d->rows;
    d->stamp++;
    uint32_t c = d->field_columns[0];
    SL_TRY(text_slot(d, c, row, data, length, false, origin, err));
    d->filled[c] = d->stamp;
    SL_TRY(finish_row(d, row, origin, err));
    *produced = 1;
    return SL_OK;
}

/* ------------------------------------------------------------------ avro */

/* One Avro field value into slot `row` of column c (unions resolved to their branch). */
static sl_status avro_slot(sl_record_decoder *d, uint32_t c, uint32_t row, avro_value_t *value,
                           const sl_record_origin *origin, sl_error *err)
{
    sl_vector *v = d->batch->columns[c];
    avro_value_t branch;
    if (avro_value_get_type(value) == AVRO_UNION) {
        if (avro_value_get_current_branch(value, &branch) != 0)
            return record_fail(err, origin, "invalid Avro union in column \"%s\": %s", d->config.names[c],
                               avro_strerror());
        value = &branch;
    }
    char text[64];
    int64_t l;
    int32_t i32;
    double dbl;
    float flt;
    int b;
    const char *s;
    size_t n;
    switch (avro_value_get_type(value)) {
    case AVRO_NULL: return slot_null(v, row, err);
    case AVRO_STRING:
        avro_value_get_string(value, &s, &n);
        return text_slot(d, c, row, s, n ? n - 1 : 0, true, origin, err);   /* n counts the NUL */
    case AVRO_BYTES:
        avro_value_get_bytes(value, (const void **)&s, &n);
        return text_slot(d, c, row, s, n, true, origin, err);
    case AVRO_ENUM: {
        int symbol;
        avro_value_get_enum(value, &symbol);
        avro_schema_t es = avro_value_get_schema(value);
        const char *name = avro_schema_enum_get(es, symbol);
        return text_slot(d, c, row, name ? name : "", name ? strlen(name) : 0, false, origin, err);
    }
    case AVRO_BOOLEAN:
        avro_value_get_boolean(value, &b);
        snprintf(text, sizeof text, "%s", b ? "true" : "false");
        break;
    case AVRO_INT32:
        avro_value_get_int(value, &i32);
        snprintf(text, sizeof text, "%d", i32);
        break;
    case AVRO_INT64:
        avro_value_get_long(value, &l);
        if (v->type.id == SL_TYPE_TIMESTAMP) {   /* timestamp-millis */
            SL_VECTOR_DATA(v, int64_t)[row] = l * 1000;
            slot_valid(v, row);
            return SL_OK;
        }
        snprintf(text, sizeof text, "%lld", (long long)l);
        break;
    case AVRO_FLOAT:
        avro_value_get_float(value, &flt);
        snprintf(text, sizeof text, "%.9g", (double)flt);
        break;
    case AVRO_DOUBLE:
        avro_value_get_double(value, &dbl);
        snprintf(text, sizeof text, "%.17g", dbl);
        break;
    default:
        return record_fail(err, origin, "type mismatch in column \"%s\": Avro %s values are not supported",
                           d->config.names[c], avro_schema_type_name(avro_value_get_schema(value)));
    }
    return text_slot(d, c, row, text, strlen(text), false, origin, err);
}

static sl_status decode_avro(sl_record_decoder *d, const char *data, size_t length, const sl_record_origin *origin,
                             uint32_t *produced, sl_error *err)
{
    if (length < 5)
        return record_fail(err, origin, "truncated Avro record: %zu bytes, the Confluent header alone is 5", length);
    if (data[0] != 0)
        return record_fail(err, origin, "not an Avro record in the Confluent wire format: magic byte %u, expected 0",
                           (unsigned char)data[0]);
    avro_reader_memory_set_source(d->avro_reader, data + 5, (int64_t)(length - 5));
    avro_value_reset(&d->avro_value);
    if (avro_value_read(d->avro_reader, &d->avro_value) != 0)
        return record_fail(err, origin, "invalid Avro record (schema id %u): %s",
                           (unsigned)((unsigned char)data[1] << 24 | (unsigned char)data[2] << 16 |
                                      (unsigned char)data[3] << 8 | (unsigned char)data[4]),
                           avro_strerror());
    uint32_t row = d->rows;
    d->stamp++;
    for (uint32_t c = 0; c < d->ncols; c++) {
        if (d->avro_field[c] < 0)
            continue;
        avro_value_t field;
        if (avro_value_get_by_index(&d->avro_value, (size_t)d->avro_field[c], &field, NULL) != 0)
            return record_fail(err, origin, "invalid Avro record: %s", avro_strerror());
        SL_TRY(avro_slot(d, c, row, &field, origin, err));
        d->filled[c] = d->stamp;
    }
    SL_TRY(finish_row(d, row, origin, err));
    *produced = 1;
    return SL_OK;
}

/* ------------------------------------------------------------------ add */

sl_status sl_record_decoder_add(sl_record_decoder *d, const char *data, size_t length,
                                const sl_record_origin *origin, sl_error *err)
{
    if (length > d->max_record_bytes)
        return record_fail(err, origin, "record of %zu bytes is over max_record_bytes (%zu)", length,
                           d->max_record_bytes);
    if (d->rows >= SL_BATCH_CAPACITY)
        return sl_error_set(err, SL_ERR_INTERNAL,
                            "record decoder: %u rows pending, flush first (sl_record_decoder_full)", d->rows);
    uint32_t produced = 0;
    sl_status st;
    if (d->config.format != SL_RECORD_AVRO) {
        size_t bad;
        if (!sl_utf8_valid(data, length, &bad))
            return record_fail(err, origin, "invalid UTF-8 at byte %zu of the record", bad + 1);
    }
    switch (d->config.format) {
    case SL_RECORD_JSON: st = decode_json(d, data, length, origin, &produced, err); break;
    case SL_RECORD_CSV: st = decode_csv(d, data, length, origin, &produced, err); break;
    case SL_RECORD_RAW: st = decode_raw(d, data, length, origin, &produced, err); break;
    case SL_RECORD_DEBEZIUM_JSON: st = decode_debezium(d, data, length, origin, &produced, err); break;
    case SL_RECORD_AVRO: st = decode_avro(d, data, length, origin, &produced, err); break;
    default: st = sl_error_set(err, SL_ERR_INTERNAL, "record decoder: unknown format %d", (int)d->config.format);
    }
    if (st != SL_OK)
        return st;
    if (d->config.format != SL_RECORD_DEBEZIUM_JSON)
        d->change[d->rows] = SL_CHANGE_INSERT;
    d->rows += produced;
    return SL_OK;
}

/* ------------------------------------------------------------------ reject policy */

#define DEAD_LETTER_COLUMNS 8

static const char *const dead_letter_names[DEAD_LETTER_COLUMNS] = { "source", "partition", "offset", "file",
                                                                    "line",   "error",     "raw",    "at" };
static const sl_type_id dead_letter_types[DEAD_LETTER_COLUMNS] = { SL_TYPE_VARCHAR, SL_TYPE_INTEGER, SL_TYPE_BIGINT,
                                                                   SL_TYPE_VARCHAR, SL_TYPE_BIGINT,  SL_TYPE_VARCHAR,
                                                                   SL_TYPE_VARCHAR, SL_TYPE_TIMESTAMP };

/* Checks an existing table's schema against the dead-letter schema; runs under the lock. */
static sl_status check_dead_letter_schema(const sl_table *t, sl_error *err)
{
    char want[32], got[32];
    if (t->column_count != DEAD_LETTER_COLUMNS)
        return sl_error_set(err, SL_ERR_CATALOG,
                            "table \"%s\" cannot hold dead letters: it has %u columns, a dead-letter table has 8 "
                            "(source VARCHAR, partition INTEGER, offset BIGINT, file VARCHAR, line BIGINT, error VARCHAR, "
                            "raw VARCHAR, at TIMESTAMP)",
                            t->name, t->column_count);
    for (uint32_t c = 0; c < DEAD_LETTER_COLUMNS; c++) {
        sl_type type = sl_type_make(dead_letter_types[c]);
        if (strcasecmp(t->columns[c].name, dead_letter_names[c]) != 0)
            return sl_error_set(err, SL_ERR_CATALOG,
                                "table \"%s\" cannot hold dead letters: its column %u is \"%s\", expected \"%s\"",
                                t->name, c + 1, t->columns[c].name, dead_letter_names[c]);
        if (!sl_type_equal(t->columns[c].type, type))
            return sl_error_set(err, SL_ERR_CATALOG,
                                "table \"%s\" cannot hold dead letters: column \"%s\" has type %s, expected %s", t->name,
                                t->columns[c].name, sl_type_name(t->columns[c].type, got, sizeof got),
                                sl_type_name(type, want, sizeof want));
    }
    return SL_OK;
}

sl_status sl_dead_letter_table_create(struct sl_catalog *catalog, const char *name, sl_error *err)
{
    sl_column_def columns[DEAD_LETTER_COLUMNS];
    for (uint32_t c = 0; c < DEAD_LETTER_COLUMNS; c++) {
        columns[c].name = (char *)dead_letter_names[c];
        columns[c].type = sl_type_make(dead_letter_types[c]);
        columns[c].not_null = false;
    }
    /* one critical section: nobody can create or drop the table between look and create */
    sl_catalog_lock(catalog);
    sl_table *t = sl_catalog_find_table(catalog, name);
    sl_status st;
    if (t)
        st = check_dead_letter_schema(t, err);
    else if (sl_catalog_find_view(catalog, name) || sl_catalog_find_source(catalog, name))
        st = sl_error_set(err, SL_ERR_CATALOG, "cannot keep dead letters in \"%s\": it is a %s, not a table", name,
                          sl_catalog_find_view(catalog, name) ? "view" : "source");
    else
        st = sl_catalog_create_table(catalog, name, columns, DEAD_LETTER_COLUMNS, false, NULL, err);
    sl_catalog_unlock(catalog);
    return st;
}

/* Up to RAW_KEEP_BYTES of the record as text: valid UTF-8 kept, other bytes as \xNN. */
static size_t raw_text(const char *data, size_t length, char *out, size_t cap)
{
    size_t o = 0, i = 0;
    while (i < length && o + 4 < cap && i < RAW_KEEP_BYTES) {
        unsigned char c = (unsigned char)data[i];
        size_t n = c < 0x80 ? 1 : c >= 0xC2 && c <= 0xDF ? 2 : c >= 0xE0 && c <= 0xEF ? 3 : c >= 0xF0 && c <= 0xF4 ? 4 : 0;
        size_t bad;
        if (n && i + n <= length && i + n <= RAW_KEEP_BYTES && o + n < cap && sl_utf8_valid(data + i, n, &bad)) {
            memcpy(out + o, data + i, n);
            o += n;
            i += n;
            continue;
        }
        o += (size_t)snprintf(out + o, cap - o, "\\x%02X", c);
        i++;
    }
    return o;
}

static sl_status dead_letter_append(const sl_reject_policy *policy, const sl_record_origin *o, const char *data,
                                    size_t length, const sl_error *error, sl_error *err)
{
    sl_type types[DEAD_LETTER_COLUMNS];
    for (uint32_t c = 0; c < DEAD_LETTER_COLUMNS; c++)
        types[c] = sl_type_make(dead_letter_types[c]);
    sl_batch *b = sl_batch_new_typed(types, DEAD_LETTER_COLUMNS, 1);
    char *raw = sl_malloc(RAW_KEEP_BYTES * 4 + 8);
    if (!b || !raw) {
        if (b)
            sl_batch_free(b);
        sl_free(raw);
        return sl_error_oom(err);
    }
    sl_status st = SL_OK;
    if (o && o->source)
        st = sl_vector_set_string(b->columns[0], 0, o->source, (uint32_t)strlen(o->source), err);
    else
        st = sl_vector_set_null(b->columns[0], 0, err);
    if (st == SL_OK && o && o->partition >= 0)
        SL_VECTOR_DATA(b->columns[1], int32_t)[0] = o->partition;
    else if (st == SL_OK)
        st = slot_null(b->columns[1], 0, err);
    if (st == SL_OK && o && o->offset >= 0)
        SL_VECTOR_DATA(b->columns[2], int64_t)[0] = o->offset;
    else if (st == SL_OK)
        st = slot_null(b->columns[2], 0, err);
    if (st == SL_OK && o && o->file)
        st = sl_vector_set_string(b->columns[3], 0, o->file, (uint32_t)strlen(o->file), err);
    else if (st == SL_OK)
        st = slot_null(b->columns[3], 0, err);
    if (st == SL_OK && o && o->line >= 0)
        SL_VECTOR_DATA(b->columns[4], int64_t)[0] = o->line;
    else if (st == SL_OK)
        st = slot_null(b->columns[4], 0, err);
    if (st == SL_OK) {
        const char *message = error ? error->message : "";
        st = sl_vector_set_string(b->columns[5], 0, message, (uint32_t)strlen(message), err);
    }
    if (st == SL_OK) {
        size_t n = raw_text(data, length, raw, RAW_KEEP_BYTES * 4 + 8);
        st = sl_vector_set_string(b->columns[6], 0, raw, (uint32_t)n, err);
    }
    if (st == SL_OK) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        SL_VECTOR_DATA(b->columns[7], int64_t)[0] = (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
        b->length = b->count = 1;
        if (policy->catalog)
            sl_catalog_lock(policy->catalog);
        st = sl_table_append(policy->dead_letter_table, b, err);
        if (policy->catalog)
            sl_catalog_unlock(policy->catalog);
    }
    sl_free(raw);
    sl_batch_free(b);
    return st;
}

sl_status sl_reject_record(const sl_reject_policy *policy, const sl_record_origin *origin, const char *data,
                           size_t length, const sl_error *error, int64_t *rejected, sl_error *err)
{
    if (policy->on_error == SL_ON_ERROR_FAIL) {
        if (err && error)
            *err = *error;
        return error && error->code != SL_OK ? error->code : SL_ERR_INVALID_INPUT;
    }
    if (rejected)
        *rejected += 1;
    if (policy->on_error == SL_ON_ERROR_DEAD_LETTER && policy->dead_letter_table)
        return dead_letter_append(policy, origin, data, length, error, err);
    return SL_OK;
}
