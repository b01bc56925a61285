/*
 * arrow_export.c — batches out through the Arrow C Data Interface and C Stream Interface.
 *
 * Every exported struct (schema, array, stream) owns its memory through private_data and
 * frees it in its release callback, which also releases its children (as the spec
 * requires) and then marks itself released (release = NULL). Fixed-width columns are
 * zero-copy: the child array's private data holds a reference to the sl_vector whose
 * buffers it points at.
 */
#include "vector/arrow.h"

#include <stdio.h>
#include <string.h>

/* ------------------------------------------------------------------ schema */

typedef struct sl_arrow_schema_private {
    char *format;
    char *name;
    struct ArrowSchema **children;   /* n_children pointers into child_storage */
    struct ArrowSchema *child_storage;
} sl_arrow_schema_private;

static void sl_arrow_schema_release(struct ArrowSchema *schema)
{
    if (!schema || !schema->release)
        return;
    sl_arrow_schema_private *p = schema->private_data;
    for (int64_t i = 0; i < schema->n_children; i++)
        if (schema->children[i]->release)
            schema->children[i]->release(schema->children[i]);
    if (schema->dictionary && schema->dictionary->release)
        schema->dictionary->release(schema->dictionary);
    if (p) {
        sl_free(p->format);
        sl_free(p->name);
        sl_free(p->children);
        sl_free(p->child_storage);
        sl_free(p);
    }
    schema->release = NULL;
}

/* Arrow format string of a type into buf. */
static const char *sl_arrow_format(sl_type t, char *buf, size_t cap)
{
    switch ((sl_type_id)t.id) {
    case SL_TYPE_BOOLEAN: return "b";
    case SL_TYPE_TINYINT: return "c";
    case SL_TYPE_SMALLINT: return "s";
    case SL_TYPE_INTEGER: return "i";
    case SL_TYPE_BIGINT: return "l";
    case SL_TYPE_REAL: return "f";
    case SL_TYPE_DOUBLE: return "g";
    case SL_TYPE_DECIMAL:
        snprintf(buf, cap, "d:%d,%d", t.precision, t.scale);
        return buf;
    case SL_TYPE_VARCHAR: return "u";
    case SL_TYPE_DATE: return "tdD";
    case SL_TYPE_TIMESTAMP: return "tsu:";
    case SL_TYPE_INTERVAL: return "tin";
    default: return "n";
    }
}

/* Initialises one schema node; children are allocated (zeroed) but not filled. */
static sl_status sl_arrow_schema_init(struct ArrowSchema *s, const char *format, const char *name,
                                      int64_t n_children, int64_t flags, sl_error *err)
{
    sl_arrow_schema_private *p = sl_calloc(1, sizeof *p);
    if (!p)
        return sl_error_oom(err);
    p->format = sl_strdup(format);
    p->name = sl_strdup(name ? name : "");
    if (n_children) {
        p->children = sl_calloc((size_t)n_children, sizeof(struct ArrowSchema *));
        p->child_storage = sl_calloc((size_t)n_children, sizeof(struct ArrowSchema));
    }
    if (!p->format || !p->name || (n_children && (!p->children || !p->child_storage))) {
        sl_free(p->format);
        sl_free(p->name);
        sl_free(p->children);
        sl_free(p->child_storage);
        sl_free(p);
        return sl_error_oom(err);
    }
    for (int64_t i = 0; i < n_children; i++)
        p->children[i] = &p->child_storage[i];
    memset(s, 0, sizeof *s);
    s->format = p->format;
    s->name = p->name;
    s->flags = flags;
    s->n_children = n_children;
    s->children = p->children;
    s->release = sl_arrow_schema_release;
    s->private_data = p;
    return SL_OK;
}

sl_status sl_arrow_export_schema(const sl_type *types, const char *const *names, uint32_t count,
                                 struct ArrowSchema *out, sl_error *err)
{
    struct ArrowSchema root;
    SL_TRY(sl_arrow_schema_init(&root, "+s", "", count, 0, err));
    for (uint32_t i = 0; i < count; i++) {
        char fmt[32];
        char fallback[24];
        const char *name = names && names[i] ? names[i] : (snprintf(fallback, sizeof fallback, "column%u", i), fallback);
        sl_status st = sl_arrow_schema_init(root.children[i], sl_arrow_format(types[i], fmt, sizeof fmt), name, 0,
                                            ARROW_FLAG_NULLABLE, err);
        if (st != SL_OK) {
            root.n_children = i;   /* release only the initialised children */
            sl_arrow_schema_release(&root);
            return st;
        }
    }
    *out = root;
    return SL_OK;
}

/* ------------------------------------------------------------------ arrays */

typedef struct sl_arrow_array_private {
    sl_vector *vector;               /* zero-copy reference (children), or NULL */
    void *owned[3];                  /* sl_malloc'd buffers this array made */
    const void *buffers[3];
    struct ArrowArray **children;    /* struct array: n_children pointers into child_storage */
    struct ArrowArray *child_storage;
} sl_arrow_array_private;

static void sl_arrow_array_release(struct ArrowArray *array)
{
    if (!array || !array->release)
        return;
    sl_arrow_array_private *p = array->private_data;
    for (int64_t i = 0; i < array->n_children; i++)
        if (array->children[i]->release)
            array->children[i]->release(array->children[i]);
    if (p) {
        sl_vector_unref(p->vector);
        for (int i = 0; i < 3; i++)
            sl_free(p->owned[i]);
        sl_free(p->children);
        sl_free(p->child_storage);
        sl_free(p);
    }
    array->release = NULL;
}

static int64_t sl_count_nulls(const uint8_t *bits, uint32_t n)
{
    if (!bits)
        return 0;
    int64_t valid = 0;
    uint32_t full = n / 8;
    for (uint32_t i = 0; i < full; i++)
        valid += __builtin_popcount(bits[i]);
    for (uint32_t r = full * 8; r < n; r++)
        valid += (bits[r >> 3] >> (r & 7)) & 1;
    return (int64_t)n - valid;
}

/* Exports the first n rows of a dense vector into child array `a`. */
static sl_status sl_arrow_export_column(const sl_vector *v, uint32_t n, struct ArrowArray *a, sl_error *err)
{
    sl_arrow_array_private *p = sl_calloc(1, sizeof *p);
    if (!p)
        return sl_error_oom(err);
    memset(a, 0, sizeof *a);
    a->length = n;
    a->private_data = p;
    a->release = sl_arrow_array_release;
    a->buffers = p->buffers;
    a->n_buffers = 2;
    int64_t nulls = sl_count_nulls(v->validity, n);
    a->null_count = nulls;
    p->buffers[0] = nulls ? v->validity : NULL;
    bool keep_vector = nulls != 0;   /* the validity bitmap is shared zero-copy */

    switch ((sl_type_id)v->type.id) {
    case SL_TYPE_NULL:
        a->n_buffers = 0;
        a->null_count = n;
        p->buffers[0] = NULL;
        keep_vector = false;
        break;
    case SL_TYPE_TINYINT:
    case SL_TYPE_SMALLINT:
    case SL_TYPE_INTEGER:
    case SL_TYPE_BIGINT:
    case SL_TYPE_REAL:
    case SL_TYPE_DOUBLE:
    case SL_TYPE_DATE:
    case SL_TYPE_TIMESTAMP:
        p->buffers[1] = v->data;
        keep_vector = true;
        break;
    case SL_TYPE_DECIMAL:
        if (!sl_decimal_is_small(v->type)) {
            p->buffers[1] = v->data;
            keep_vector = true;
        } else {
            sl_int128 *wide = sl_malloc((size_t)(n ? n : 1) * sizeof(sl_int128));
            if (!wide)
                goto oom;
            const int64_t *in = v->data;
            for (uint32_t i = 0; i < n; i++)
                wide[i] = in[i];
            p->owned[1] = wide;
            p->buffers[1] = wide;
        }
        break;
    case SL_TYPE_BOOLEAN: {
        uint8_t *bits = sl_calloc(((size_t)n + 7) / 8 + 1, 1);
        if (!bits)
            goto oom;
        const uint8_t *in = v->data;
        for (uint32_t i = 0; i < n; i++)
            bits[i >> 3] |= (uint8_t)((in[i] != 0) << (i & 7));
        p->owned[1] = bits;
        p->buffers[1] = bits;
        break;
    }
    case SL_TYPE_INTERVAL: {
        /* month_day_nano: {int32 months, int32 days, int64 nanoseconds} */
        sl_interval *out = sl_malloc((size_t)(n ? n : 1) * sizeof(sl_interval));
        if (!out)
            goto oom;
        const sl_interval *in = v->data;
        for (uint32_t i = 0; i < n; i++) {
            out[i] = in[i];
            out[i].micros = in[i].micros * 1000;
        }
        p->owned[1] = out;
        p->buffers[1] = out;
        break;
    }
    case SL_TYPE_VARCHAR: {
        const sl_string *in = v->data;
        size_t total = 0;
        for (uint32_t i = 0; i < n; i++)
            if (sl_vector_is_valid(v, i))
                total += in[i].length;
        if (total > INT32_MAX) {
            sl_free(p);
            a->release = NULL;
            return sl_error_set(err, SL_ERR_RUNTIME, "Arrow export: more than 2 GiB of string data in one batch");
        }
        int32_t *offsets = sl_malloc(((size_t)n + 1) * sizeof(int32_t));
        char *bytes = sl_malloc(total ? total : 1);
        if (!offsets || !bytes) {
            sl_free(offsets);
            sl_free(bytes);
            goto oom;
        }
        int32_t pos = 0;
        offsets[0] = 0;
        for (uint32_t i = 0; i < n; i++) {
            if (sl_vector_is_valid(v, i)) {
                memcpy(bytes + pos, sl_string_data(&in[i]), in[i].length);
                pos += (int32_t)in[i].length;
            }
            offsets[i + 1] = pos;
        }
        a->n_buffers = 3;
        p->owned[1] = offsets;
        p->owned[2] = bytes;
        p->buffers[1] = offsets;
        p->buffers[2] = bytes;
        break;
    }
    default:
        sl_free(p);
        a->release = NULL;
        return sl_error_set(err, SL_ERR_INTERNAL, "Arrow export: invalid vector type %d", v->type.id);
    }
    if (keep_vector)
        p->vector = sl_vector_ref((sl_vector *)v);
    return SL_OK;
oom:
    sl_free(p);
    a->release = NULL;
    return sl_error_oom(err);
}

sl_status sl_arrow_export_batch(const sl_batch *batch, struct ArrowArray *out, sl_error *err)
{
    sl_batch *compact = NULL;
    if (batch->sel) {
        compact = sl_batch_compact(batch, err);
        if (!compact)
            return err ? err->code : SL_ERR_OOM;
        batch = compact;
    }
    sl_status st = SL_OK;
    uint32_t n = batch->count;
    sl_arrow_array_private *p = sl_calloc(1, sizeof *p);
    if (p && batch->column_count) {
        p->children = sl_calloc(batch->column_count, sizeof(struct ArrowArray *));
        p->child_storage = sl_calloc(batch->column_count, sizeof(struct ArrowArray));
    }
    if (!p || (batch->column_count && (!p->children || !p->child_storage))) {
        if (p) {
            sl_free(p->children);
            sl_free(p->child_storage);
            sl_free(p);
        }
        sl_batch_free(compact);
        return sl_error_oom(err);
    }
    struct ArrowArray root;
    memset(&root, 0, sizeof root);
    root.length = n;
    root.n_buffers = 1;
    root.buffers = p->buffers;          /* buffers[0] = NULL: no struct-level nulls */
    root.children = p->children;
    root.private_data = p;
    root.release = sl_arrow_array_release;
    for (uint32_t i = 0; i < batch->column_count; i++) {
        p->children[i] = &p->child_storage[i];
        st = sl_arrow_export_column(batch->columns[i], n, p->children[i], err);
        if (st != SL_OK)
            break;
        root.n_children = i + 1;
    }
    sl_batch_free(compact);
    if (st != SL_OK) {
        sl_arrow_array_release(&root);
        return st;
    }
    *out = root;
    return SL_OK;
}

/* ------------------------------------------------------------------ streams */

typedef struct sl_arrow_stream_private {
    sl_type *types;
    char **names;
    uint32_t count;
    sl_arrow_next_fn next;
    sl_arrow_state_free_fn free_state;
    void *state;
    sl_error error;
} sl_arrow_stream_private;

static int sl_arrow_errno(sl_status st)
{
    switch (st) {
    case SL_OK: return 0;
    case SL_ERR_OOM: return 12;          /* ENOMEM */
    case SL_ERR_IO: return 5;            /* EIO */
    case SL_ERR_INVALID_ARG: return 22;  /* EINVAL */
    case SL_ERR_CANCELLED: return 125;   /* ECANCELED */
    default: return 5;
    }
}

static int sl_arrow_stream_get_schema(struct ArrowArrayStream *stream, struct ArrowSchema *out)
{
    sl_arrow_stream_private *p = stream->private_data;
    sl_error_clear(&p->error);
    sl_status st = sl_arrow_export_schema(p->types, (const char *const *)p->names, p->count, out, &p->error);
    return sl_arrow_errno(st);
}

static int sl_arrow_stream_get_next(struct ArrowArrayStream *stream, struct ArrowArray *out)
{
    sl_arrow_stream_private *p = stream->private_data;
    sl_error_clear(&p->error);
    sl_batch *batch = NULL;
    sl_status st = p->next(p->state, &batch, &p->error);
    if (st != SL_OK) {
        if (!p->error.message[0])
            sl_error_set(&p->error, st, "%s", sl_status_name(st));
        return sl_arrow_errno(st);
    }
    if (!batch) {
        memset(out, 0, sizeof *out);   /* end of stream: a released array */
        return 0;
    }
    st = sl_arrow_export_batch(batch, out, &p->error);
    sl_batch_free(batch);
    return sl_arrow_errno(st);
}

static const char *sl_arrow_stream_get_last_error(struct ArrowArrayStream *stream)
{
    sl_arrow_stream_private *p = stream->private_data;
    return p->error.code != SL_OK && p->error.message[0] ? p->error.message : NULL;
}

static void sl_arrow_stream_private_free(sl_arrow_stream_private *p)
{
    if (p->free_state)
        p->free_state(p->state);
    if (p->names)
        for (uint32_t i = 0; i < p->count; i++)
            sl_free(p->names[i]);
    sl_free(p->names);
    sl_free(p->types);
    sl_free(p);
}

static void sl_arrow_stream_release(struct ArrowArrayStream *stream)
{
    if (!stream || !stream->release)
        return;
    sl_arrow_stream_private_free(stream->private_data);
    stream->release = NULL;
}

sl_status sl_arrow_stream_new(const sl_type *types, const char *const *names, uint32_t count,
                              sl_arrow_next_fn next, sl_arrow_state_free_fn free_state, void *state,
                              struct ArrowArrayStream *out, sl_error *err)
{
    sl_arrow_stream_private *p = sl_calloc(1, sizeof *p);
    if (!p) {
        if (free_state)
            free_state(state);
        return sl_error_oom(err);
    }
    p->next = next;
    p->free_state = free_state;
    p->state = state;
    p->types = sl_malloc((count ? count : 1) * sizeof(sl_type));
    p->names = sl_calloc(count ? count : 1, sizeof(char *));
    if (!p->types || !p->names) {
        sl_arrow_stream_private_free(p);
        return sl_error_oom(err);
    }
    p->count = count;
    for (uint32_t i = 0; i < count; i++) {
        p->types[i] = types[i];
        p->names[i] = names && names[i] ? sl_strdup(names[i]) : sl_asprintf("column%u", i);
        if (!p->names[i]) {
            sl_arrow_stream_private_free(p);
            return sl_error_oom(err);
        }
    }
    sl_error_clear(&p->error);
    out->get_schema = sl_arrow_stream_get_schema;
    out->get_next = sl_arrow_stream_get_next;
    out->get_last_error = sl_arrow_stream_get_last_error;
    out->release = sl_arrow_stream_release;
    out->private_data = p;
    return SL_OK;
}

typedef struct sl_arrow_batch_list {
    sl_batch **batches;
    size_t count;
    size_t next;
} sl_arrow_batch_list;

static sl_status sl_arrow_batch_list_next(void *state, sl_batch **out, sl_error *err)
{
    sl_arrow_batch_list *list = state;
    if (list->next >= list->count) {
        *out = NULL;
        return SL_OK;
    }
    *out = list->batches[list->next];
    list->batches[list->next++] = NULL;
    return SL_OK;
}

static void sl_arrow_batch_list_free(void *state)
{
    sl_arrow_batch_list *list = state;
    if (!list)
        return;
    for (size_t i = list->next; i < list->count; i++)
        sl_batch_free(list->batches[i]);
    sl_free(list->batches);
    sl_free(list);
}

sl_status sl_arrow_stream_from_batches(const sl_type *types, const char *const *names, uint32_t count,
                                       sl_batch **batches, size_t batch_count,
                                       struct ArrowArrayStream *out, sl_error *err)
{
    sl_arrow_batch_list *list = sl_calloc(1, sizeof *list);
    if (!list) {
        for (size_t i = 0; i < batch_count; i++)
            sl_batch_free(batches[i]);
        sl_free(batches);
        return sl_error_oom(err);
    }
    list->batches = batches;
    list->count = batch_count;
    return sl_arrow_stream_new(types, names, count, sl_arrow_batch_list_next, sl_arrow_batch_list_free, list, out,
                               err);
}
