/*
 * arrow_ipc_read.c — the Arrow IPC reader (stream and file format) behind read_arrow()
 * and COPY ... FROM 'x.arrow'.
 *
 * Data flow per record batch: the message's metadata (a FlatBuffer, read with flatbuf.c)
 * and its body are read with pread; every field node and buffer is validated against the
 * body and the column's layout (sizes, string offsets, view offsets); compressed buffers
 * (LZ4_FRAME, ZSTD) are decompressed into their own allocations, uncompressed ones stay
 * in the body (copied only when misaligned). The buffers then form a struct ArrowArray
 * whose release frees the body, and sl_arrow_import_array_chunked turns it into batches
 * of SL_BATCH_CAPACITY rows without copying fixed-width data. Dictionaries are decoded
 * into owned, reference-counted arrays (deltas append, stream replacements swap them);
 * each record batch holds references to the dictionaries it uses.
 *
 * Framing: a message is [0xFFFFFFFF][int32 metadata length][metadata][body] (the legacy
 * form without the 0xFFFFFFFF marker is accepted); length 0 ends the stream. The file
 * format is "ARROW1\0\0", a stream, the Footer FlatBuffer, its int32 length and "ARROW1";
 * it is read through the footer's dictionary and record-batch blocks.
 *
 * Trust: nothing read from the file is used before it is checked, so a corrupt or
 * truncated file is an SL_ERR_INVALID_INPUT error naming the file, the message/batch and
 * the column, never a crash.
 */
#include <errno.h>
#include <fcntl.h>
#include <lz4frame.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>

#include "expr/function.h"
#include "formats/arrow_ipc.h"
#include "formats/flatbuf.h"
#include "vector/arrow.h"

/* Message header types (Message.fbs) */
enum { IPC_SCHEMA = 1, IPC_DICTIONARY_BATCH = 2, IPC_RECORD_BATCH = 3 };

/* Physical layout of one array (what buffers it has in IPC). */
typedef enum ipc_layout {
    IPC_LAYOUT_NULL,     /* no buffers */
    IPC_LAYOUT_BITS,     /* validity, bit-packed values */
    IPC_LAYOUT_FIXED,    /* validity, values of `width` bytes */
    IPC_LAYOUT_VAR32,    /* validity, int32 offsets, data */
    IPC_LAYOUT_VAR64,    /* validity, int64 offsets, data */
    IPC_LAYOUT_VIEW,     /* validity, 16-byte views, variadic data buffers */
} ipc_layout;

typedef struct ipc_column {
    const char *name;
    char format[48];           /* C Data format of the (value) type */
    ipc_layout layout;         /* layout in record batches (the index type for dictionaries) */
    int width;
    bool dictionary;
    int64_t dictionary_id;
    char index_format[2];
    ipc_layout value_layout;   /* dictionary values */
} ipc_column;

/* One decoded dictionary (string values), owned and reference-counted. */
typedef struct ipc_dict {
    atomic_int refs;
    int64_t id;
    struct ArrowArray array;   /* buffers below; release is a no-op marker */
    const void *buffers[3];
    uint8_t *validity;
    void *offsets;             /* int32 (utf8) or int64 (large_utf8) */
    char *data;
    int64_t data_length;
    bool large;
} ipc_dict;

typedef struct ipc_file {
    const char *path;
    int fd;
    int64_t size;
    bool file_format;
    char where[96];            /* what is being read, for errors */

    uint32_t column_count;
    ipc_column *columns;
    struct ArrowSchema schema;            /* "+s" over the columns, for the importer */
    struct ArrowSchema *child_schemas;
    struct ArrowSchema **child_pointers;
    struct ArrowSchema *dict_schemas;
    sl_arena arena;                        /* names, formats */

    ipc_dict **dicts;
    uint32_t dict_count;

    int64_t stream_pos;                    /* stream format: next message */
    uint32_t message_index;
    const uint8_t *blocks;                 /* file format: record batch blocks (in footer) */
    uint32_t block_count;
    uint32_t next_block;
    uint8_t *footer;
    uint32_t batch_index;                  /* record batches decoded so far */
    uint32_t dict_batch_index;
    LZ4F_dctx *lz4;
} ipc_file;

/* ------------------------------------------------------------------ errors */

/* SL_ERR_INVALID_INPUT "corrupt Arrow IPC file 'p' (record batch 3): ..." */
static sl_status ipc_corrupt_err(ipc_file *f, sl_error *err, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static sl_status ipc_corrupt_err(ipc_file *f, sl_error *err, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return sl_error_set(err, SL_ERR_INVALID_INPUT, "corrupt Arrow IPC file '%s' (%s): %s", f->path,
                        f->where[0] ? f->where : "header", msg);
}

/* Appends " (in 'path'[, where])" to an error raised by code that does not know the file. */
static void ipc_error_context(sl_error *err, sl_status st, const char *path, const char *where)
{
    if (!err)
        return;
    char msg[SL_ERROR_MESSAGE_MAX];
    snprintf(msg, sizeof msg, "%s", err->message);
    if (where && where[0])
        sl_error_set(err, st, "%s (in '%s', %s)", msg, path, where);
    else
        sl_error_set(err, st, "%s (in '%s')", msg, path);
}

static sl_status ipc_read_at(ipc_file *f, int64_t offset, void *buf, size_t n, sl_error *err)
{
    if (offset < 0 || offset > f->size || (uint64_t)(f->size - offset) < n)
        return ipc_corrupt_err(f, err, "truncated: %zu bytes needed at byte %lld but the file has %lld", n,
                               (long long)offset, (long long)f->size);
    size_t done = 0;
    while (done < n) {
        ssize_t r = pread(f->fd, (uint8_t *)buf + done, n - done, offset + (off_t)done);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return sl_error_set(err, SL_ERR_IO, "cannot read '%s': %s", f->path, strerror(errno));
        if (r == 0)
            return ipc_corrupt_err(f, err, "unexpected end of file at byte %lld", (long long)(offset + done));
        done += (size_t)r;
    }
    return SL_OK;
}

/* ------------------------------------------------------------------ dictionaries */

static void ipc_noop_release(struct ArrowArray *a)
{
    a->release = NULL;
}

static void ipc_dict_unref(ipc_dict *d)
{
    if (!d || atomic_fetch_sub_explicit(&d->refs, 1, memory_order_acq_rel) != 1)
        return;
    sl_free(d->validity);
    sl_free(d->offsets);
    sl_free(d->data);
    sl_free(d);
}

static ipc_dict *ipc_dict_find(ipc_file *f, int64_t id, uint32_t *slot)
{
    for (uint32_t i = 0; i < f->dict_count; i++)
        if (f->dicts[i]->id == id) {
            if (slot)
                *slot = i;
            return f->dicts[i];
        }
    return NULL;
}

/* ------------------------------------------------------------------ schema */

static const char *const ipc_type_names[] = {
    "NONE", "Null", "Int", "FloatingPoint", "Binary", "Utf8", "Bool", "Decimal", "Date", "Time",
    "Timestamp", "Interval", "List", "Struct", "Union", "FixedSizeBinary", "FixedSizeList", "Map",
    "Duration", "LargeBinary", "LargeUtf8", "LargeList", "RunEndEncoded", "BinaryView", "Utf8View",
    "ListView", "LargeListView",
};

/* Layout and width of a C Data format; false if we cannot read it. */
static bool ipc_layout_of(const char *f, ipc_layout *layout, int *width)
{
    *width = 0;
    if (!strcmp(f, "n")) { *layout = IPC_LAYOUT_NULL; return true; }
    if (!strcmp(f, "b")) { *layout = IPC_LAYOUT_BITS; return true; }
    if (!strcmp(f, "u")) { *layout = IPC_LAYOUT_VAR32; return true; }
    if (!strcmp(f, "U")) { *layout = IPC_LAYOUT_VAR64; return true; }
    if (!strcmp(f, "vu")) { *layout = IPC_LAYOUT_VIEW; return true; }
    *layout = IPC_LAYOUT_FIXED;
    if (!strcmp(f, "c") || !strcmp(f, "C")) { *width = 1; return true; }
    if (!strcmp(f, "s") || !strcmp(f, "S")) { *width = 2; return true; }
    if (!strcmp(f, "i") || !strcmp(f, "I") || !strcmp(f, "f") || !strcmp(f, "tdD") || !strcmp(f, "tiM")) {
        *width = 4;
        return true;
    }
    if (!strcmp(f, "l") || !strcmp(f, "L") || !strcmp(f, "g") || !strcmp(f, "tdm") || !strcmp(f, "tiD") ||
        !strncmp(f, "ts", 2)) {
        *width = 8;
        return true;
    }
    if (!strcmp(f, "tin")) { *width = 16; return true; }
    if (!strncmp(f, "d:", 2)) {
        int p, s, bits = 128;
        if (sscanf(f + 2, "%d,%d,%d", &p, &s, &bits) >= 2 && bits == 128) {
            *width = 16;
            return true;
        }
    }
    return false;
}

/* The C Data format of an Int type table. */
static bool ipc_int_format(const sl_fb_table *t, char *out)
{
    int32_t bits = 0;
    uint8_t is_signed = 0;
    if (!sl_fb_scalar(t, 0, 4, &bits) || !sl_fb_scalar(t, 1, 1, &is_signed))
        return false;
    const char *s = is_signed ? "csil" : "CSIL";
    switch (bits) {
    case 8: out[0] = s[0]; break;
    case 16: out[0] = s[1]; break;
    case 32: out[0] = s[2]; break;
    case 64: out[0] = s[3]; break;
    default: return false;
    }
    out[1] = '\0';
    return true;
}

/* Fills column c from a Field table. */
static sl_status ipc_parse_field(ipc_file *f, const sl_fb_table *field, uint32_t c, sl_error *err)
{
    ipc_column *col = &f->columns[c];
    const char *name;
    uint32_t name_len;
    if (!sl_fb_string(field, 0, &name, &name_len))
        return ipc_corrupt_err(f, err, "malformed name of column %u", c + 1);
    char *n = sl_arena_alloc(&f->arena, name_len + 1);
    if (!n)
        return sl_error_oom(err);
    memcpy(n, name ? name : "", name_len);
    n[name_len] = '\0';
    col->name = n;
    uint8_t type_type = 0;
    sl_fb_table type;
    bool has_type = false, has_dict = false;
    sl_fb_table dict;
    const uint8_t *children;
    uint32_t child_count;
    if (!sl_fb_scalar(field, 2, 1, &type_type) || !sl_fb_subtable(field, 3, &type, &has_type) ||
        !sl_fb_subtable(field, 4, &dict, &has_dict) || !sl_fb_vector(field, 5, 4, &children, &child_count))
        return ipc_corrupt_err(f, err, "malformed field of column %u \"%s\"", c + 1, col->name);
    const char *type_name = type_type < sizeof ipc_type_names / sizeof ipc_type_names[0] ? ipc_type_names[type_type]
                                                                                          : "unknown";
    char *fmt = col->format;
    fmt[0] = '\0';
    bool ok = true;
    switch (type_type) {
    case 1: strcpy(fmt, "n"); break;
    case 2: ok = has_type && ipc_int_format(&type, fmt); break;
    case 3: {
        int16_t precision = 0;
        ok = has_type && sl_fb_scalar(&type, 0, 2, &precision);
        if (ok && precision == 1)
            strcpy(fmt, "f");
        else if (ok && precision == 2)
            strcpy(fmt, "g");
        else if (ok)
            strcpy(fmt, "e");   /* half float: unsupported below */
        break;
    }
    case 5: strcpy(fmt, "u"); break;
    case 20: strcpy(fmt, "U"); break;
    case 24: strcpy(fmt, "vu"); break;
    case 6: strcpy(fmt, "b"); break;
    case 7: {
        int32_t precision = 0, scale = 0, bits = 128;
        ok = has_type && sl_fb_scalar(&type, 0, 4, &precision) && sl_fb_scalar(&type, 1, 4, &scale) &&
             sl_fb_scalar(&type, 2, 4, &bits);
        if (ok && bits == 128)
            snprintf(fmt, sizeof col->format, "d:%d,%d", precision, scale);
        else if (ok)
            snprintf(fmt, sizeof col->format, "d:%d,%d,%d", precision, scale, bits);
        break;
    }
    case 8: {
        int16_t unit = 1;   /* MILLISECOND by default */
        ok = !has_type || sl_fb_scalar(&type, 0, 2, &unit);
        strcpy(fmt, unit == 0 ? "tdD" : "tdm");
        break;
    }
    case 10: {
        int16_t unit = 0;
        const char *tz;
        uint32_t tz_len;
        ok = has_type && sl_fb_scalar(&type, 0, 2, &unit) && sl_fb_string(&type, 1, &tz, &tz_len) && unit >= 0 &&
             unit <= 3;
        if (ok)
            snprintf(fmt, sizeof col->format, "ts%c:%.*s", "smun"[unit], (int)(tz_len > 32 ? 32 : tz_len),
                     tz ? tz : "");
        break;
    }
    case 11: {
        int16_t unit = 0;
        ok = has_type && sl_fb_scalar(&type, 0, 2, &unit);
        strcpy(fmt, unit == 0 ? "tiM" : unit == 1 ? "tiD" : "tin");
        break;
    }
    default:
        break;
    }
    if (!ok)
        return ipc_corrupt_err(f, err, "malformed %s type of column %u \"%s\"", type_name, c + 1, col->name);
    int width;
    if (!fmt[0] || child_count || !ipc_layout_of(fmt, &col->value_layout, &width))
        return sl_error_set(err, SL_ERR_TYPE, "unsupported Arrow type %s%s%s of column %u \"%s\" in '%s'", type_name,
                            fmt[0] ? " with format " : "", fmt, c + 1, col->name, f->path);
    col->layout = col->value_layout;
    col->width = width;
    if (has_dict) {
        col->dictionary = true;
        col->dictionary_id = 0;
        sl_fb_table index;
        bool has_index;
        if (!sl_fb_scalar(&dict, 0, 8, &col->dictionary_id) || !sl_fb_subtable(&dict, 1, &index, &has_index))
            return ipc_corrupt_err(f, err, "malformed dictionary encoding of column %u \"%s\"", c + 1, col->name);
        strcpy(col->index_format, "i");
        if (has_index && !ipc_int_format(&index, col->index_format))
            return ipc_corrupt_err(f, err, "malformed dictionary index type of column %u \"%s\"", c + 1, col->name);
        if (col->value_layout != IPC_LAYOUT_VAR32 && col->value_layout != IPC_LAYOUT_VAR64)
            return sl_error_set(err, SL_ERR_TYPE,
                                "unsupported Arrow type of column %u \"%s\" in '%s': dictionary-encoded %s "
                                "(only dictionary-encoded Utf8 and LargeUtf8 are supported)",
                                c + 1, col->name, f->path, type_name);
        ipc_layout_of(col->index_format, &col->layout, &col->width);
    }
    return SL_OK;
}

static void ipc_schema_release(struct ArrowSchema *s)
{
    s->release = NULL;   /* memory belongs to the ipc_file */
}

/* Parses a Schema table into f->columns and f->schema. */
static sl_status ipc_parse_schema(ipc_file *f, const sl_fb_table *schema, sl_error *err)
{
    int16_t endianness = 0;
    const uint8_t *fields;
    uint32_t count;
    snprintf(f->where, sizeof f->where, "schema");
    if (!sl_fb_scalar(schema, 0, 2, &endianness) || !sl_fb_vector(schema, 1, 4, &fields, &count))
        return ipc_corrupt_err(f, err, "malformed schema");
    if (endianness != 0)
        return sl_error_set(err, SL_ERR_INVALID_INPUT,
                            "Arrow IPC file '%s' is big-endian; only little-endian Arrow data is supported", f->path);
    if (count == 0)
        return ipc_corrupt_err(f, err, "the schema has no columns");
    if (count > 100000)
        return ipc_corrupt_err(f, err, "implausible column count %u", count);
    f->column_count = count;
    f->columns = sl_arena_calloc(&f->arena, count * sizeof *f->columns);
    f->child_schemas = sl_arena_calloc(&f->arena, count * sizeof *f->child_schemas);
    f->child_pointers = sl_arena_calloc(&f->arena, count * sizeof *f->child_pointers);
    f->dict_schemas = sl_arena_calloc(&f->arena, count * sizeof *f->dict_schemas);
    if (!f->columns || !f->child_schemas || !f->child_pointers || !f->dict_schemas)
        return sl_error_oom(err);
    for (uint32_t c = 0; c < count; c++) {
        sl_fb_table field;
        if (!sl_fb_vector_table(schema, fields, c, &field))
            return ipc_corrupt_err(f, err, "malformed field %u", c + 1);
        SL_TRY(ipc_parse_field(f, &field, c, err));
        ipc_column *col = &f->columns[c];
        struct ArrowSchema *s = &f->child_schemas[c];
        s->format = col->dictionary ? col->index_format : col->format;
        s->name = col->name;
        s->flags = ARROW_FLAG_NULLABLE;
        s->release = ipc_schema_release;
        if (col->dictionary) {
            f->dict_schemas[c].format = col->format;
            f->dict_schemas[c].name = "";
            f->dict_schemas[c].release = ipc_schema_release;
            s->dictionary = &f->dict_schemas[c];
        }
        f->child_pointers[c] = s;
    }
    f->schema.format = "+s";
    f->schema.name = "";
    f->schema.n_children = count;
    f->schema.children = f->child_pointers;
    f->schema.release = ipc_schema_release;
    return SL_OK;
}

/* ------------------------------------------------------------------ messages */

typedef struct ipc_message {
    uint8_t *meta;          /* sl_malloc'd FlatBuffer */
    size_t meta_length;
    sl_fb_table header;
    uint8_t header_type;
    int64_t body_offset;
    int64_t body_length;
    int64_t next_offset;
    bool end;               /* end-of-stream marker */
} ipc_message;

static void ipc_message_free(ipc_message *m);

/* Reads the message framed at `offset` (see ipc_read_message). */
static sl_status ipc_read_message_framed(ipc_file *f, int64_t offset, ipc_message *m, sl_error *err)
{
    memset(m, 0, sizeof *m);
    if (offset == f->size) {   /* a stream may end without the end marker */
        m->end = true;
        return SL_OK;
    }
    uint8_t prefix[8];
    int64_t avail = f->size - offset;
    SL_TRY(ipc_read_at(f, offset, prefix, avail >= 8 ? 8 : 4, err));
    uint32_t first;
    int32_t length;
    memcpy(&first, prefix, 4);
    int64_t header = 4;
    if (first == 0xFFFFFFFFu) {
        if (avail < 8)
            return ipc_corrupt_err(f, err, "truncated message header at byte %lld", (long long)offset);
        memcpy(&length, prefix + 4, 4);
        header = 8;
    } else {
        memcpy(&length, prefix, 4);
    }
    if (length == 0) {
        m->end = true;
        m->next_offset = offset + header;
        return SL_OK;
    }
    if (length < 0 || length > f->size - offset - header)
        return ipc_corrupt_err(f, err, "message length %d at byte %lld exceeds the file (%lld bytes)", length,
                               (long long)offset, (long long)f->size);
    m->meta = sl_malloc((size_t)length);
    if (!m->meta)
        return sl_error_oom(err);
    m->meta_length = (size_t)length;
    sl_status st = ipc_read_at(f, offset + header, m->meta, (size_t)length, err);
    if (st != SL_OK)
        return st;
    sl_fb_table msg;
    int16_t version = 0;
    bool present = false;
    if (!sl_fb_root(m->meta, m->meta_length, &msg) || !sl_fb_scalar(&msg, 0, 2, &version) ||
        !sl_fb_scalar(&msg, 1, 1, &m->header_type) || !sl_fb_subtable(&msg, 2, &m->header, &present) ||
        !sl_fb_scalar(&msg, 3, 8, &m->body_length))
        return ipc_corrupt_err(f, err, "malformed message metadata at byte %lld", (long long)offset);
    if (!present)
        return ipc_corrupt_err(f, err, "message at byte %lld has no header", (long long)offset);
    if (version < 3)
        return sl_error_set(err, SL_ERR_INVALID_INPUT,
                            "Arrow IPC file '%s' uses metadata version V%d; only V4 and V5 are supported", f->path,
                            version + 1);
    m->body_offset = offset + header + length;
    if (m->body_length < 0 || m->body_length > f->size - m->body_offset)
        return ipc_corrupt_err(f, err, "message body of %lld bytes at byte %lld exceeds the file (%lld bytes)",
                               (long long)m->body_length, (long long)m->body_offset, (long long)f->size);
    m->next_offset = m->body_offset + m->body_length;
    return SL_OK;
}

static void ipc_message_free(ipc_message *m)
{
    sl_free(m->meta);
    m->meta = NULL;
}

/* Reads the message framed at `offset` into *m (free with ipc_message_free; on failure
 * nothing is left to free). */
static sl_status ipc_read_message(ipc_file *f, int64_t offset, ipc_message *m, sl_error *err)
{
    sl_status st = ipc_read_message_framed(f, offset, m, err);
    if (st != SL_OK)
        ipc_message_free(m);
    return st;
}

/* ------------------------------------------------------------------ bodies */

/* What a decoded record batch owns: the parent ArrowArray's private data. */
typedef struct ipc_batch_memory {
    uint8_t *body;
    void **owned;                  /* decompressed / realigned buffers */
    uint32_t owned_count;
    uint32_t owned_cap;
    struct ArrowArray *children;
    struct ArrowArray **child_pointers;
    const void **buffers;          /* buffer pointer slots of all arrays */
    ipc_dict **dicts;
    uint32_t dict_count;
} ipc_batch_memory;

static void ipc_batch_memory_free(ipc_batch_memory *mem)
{
    if (!mem)
        return;
    sl_free(mem->body);
    for (uint32_t i = 0; i < mem->owned_count; i++)
        sl_free(mem->owned[i]);
    sl_free(mem->owned);
    sl_free(mem->children);
    sl_free(mem->child_pointers);
    sl_free(mem->buffers);
    for (uint32_t i = 0; i < mem->dict_count; i++)
        ipc_dict_unref(mem->dicts[i]);
    sl_free(mem->dicts);
    sl_free(mem);
}

static void ipc_batch_release(struct ArrowArray *a)
{
    ipc_batch_memory_free(a->private_data);
    a->release = NULL;
}

/* The body-decoding context of one RecordBatch table. */
typedef struct ipc_body {
    ipc_file *f;
    ipc_batch_memory *mem;
    const uint8_t *body;
    int64_t body_length;
    const uint8_t *buffers;        /* Buffer structs {int64 offset, int64 length} */
    uint32_t buffer_count;
    uint32_t next_buffer;
    int codec;                     /* -1 none, 0 LZ4_FRAME, 1 ZSTD */
    const char *column_name;
    uint32_t column;
    size_t align;                  /* alignment the next buffer needs (8, or 16 for 128-bit values) */
} ipc_body;

static sl_status ipc_own(ipc_body *b, void *p, sl_error *err)
{
    ipc_batch_memory *mem = b->mem;
    if (mem->owned_count == mem->owned_cap) {
        uint32_t cap = mem->owned_cap ? mem->owned_cap * 2 : 8;
        void **owned = sl_realloc(mem->owned, cap * sizeof *owned);
        if (!owned) {
            sl_free(p);
            return sl_error_oom(err);
        }
        mem->owned = owned;
        mem->owned_cap = cap;
    }
    mem->owned[mem->owned_count++] = p;
    return SL_OK;
}

static sl_status ipc_decompress(ipc_body *b, const uint8_t *src, size_t src_len, uint8_t *dst, size_t dst_len,
                                sl_error *err)
{
    ipc_file *f = b->f;
    if (b->codec == 1) {
        size_t r = ZSTD_decompress(dst, dst_len, src, src_len);
        if (ZSTD_isError(r) || r != dst_len)
            return ipc_corrupt_err(f, err, "column %u \"%s\": ZSTD buffer does not decompress to %zu bytes (%s)",
                                   b->column + 1, b->column_name, dst_len,
                                   ZSTD_isError(r) ? ZSTD_getErrorName(r) : "size mismatch");
        return SL_OK;
    }
    if (!f->lz4 && LZ4F_isError(LZ4F_createDecompressionContext(&f->lz4, LZ4F_VERSION)))
        return sl_error_oom(err);
    LZ4F_resetDecompressionContext(f->lz4);
    size_t in_done = 0, out_done = 0;
    for (;;) {
        size_t in_size = src_len - in_done, out_size = dst_len - out_done;
        size_t r = LZ4F_decompress(f->lz4, dst + out_done, &out_size, src + in_done, &in_size, NULL);
        if (LZ4F_isError(r))
            return ipc_corrupt_err(f, err, "column %u \"%s\": invalid LZ4 frame (%s)", b->column + 1, b->column_name,
                                   LZ4F_getErrorName(r));
        in_done += in_size;
        out_done += out_size;
        if (r == 0)
            break;
        if (in_size == 0 && out_size == 0)
            return ipc_corrupt_err(f, err, "column %u \"%s\": truncated LZ4 frame", b->column + 1, b->column_name);
    }
    if (out_done != dst_len)
        return ipc_corrupt_err(f, err, "column %u \"%s\": LZ4 buffer decompresses to %zu bytes, expected %zu",
                               b->column + 1, b->column_name, out_done, dst_len);
    return SL_OK;
}

/* The next buffer of the batch: *data and *length (decompressed, 8-aligned); it must hold at
 * least `needed` bytes. Decompressed sizes above needed + 1 MiB are rejected, so a
 * corrupt size cannot make us allocate without bound. */
static sl_status ipc_next_buffer(ipc_body *b, const char *what, uint64_t needed, const uint8_t **data,
                                 uint64_t *length, sl_error *err)
{
    ipc_file *f = b->f;
    if (b->next_buffer >= b->buffer_count)
        return ipc_corrupt_err(f, err, "column %u \"%s\": missing %s buffer (the batch lists %u buffers)",
                               b->column + 1, b->column_name, what, b->buffer_count);
    int64_t offset, len;
    memcpy(&offset, b->buffers + 16 * (size_t)b->next_buffer, 8);
    memcpy(&len, b->buffers + 16 * (size_t)b->next_buffer + 8, 8);
    uint32_t index = b->next_buffer++;
    if (offset < 0 || len < 0 || offset > b->body_length || len > b->body_length - offset)
        return ipc_corrupt_err(f, err,
                               "column %u \"%s\": %s buffer %u (offset %lld, length %lld) lies outside the "
                               "message body (%lld bytes)",
                               b->column + 1, b->column_name, what, index, (long long)offset, (long long)len,
                               (long long)b->body_length);
    const uint8_t *p = b->body + offset;
    uint64_t n = (uint64_t)len;
    if (b->codec >= 0 && n > 0) {
        if (n < 8)
            return ipc_corrupt_err(f, err, "column %u \"%s\": compressed %s buffer %u is shorter than its 8-byte "
                                   "length prefix", b->column + 1, b->column_name, what, index);
        int64_t raw;
        memcpy(&raw, p, 8);
        p += 8;
        n -= 8;
        if (raw != -1) {
            if (raw < 0 || (uint64_t)raw > needed + (1u << 20))
                return ipc_corrupt_err(f, err, "column %u \"%s\": %s buffer %u claims %lld uncompressed bytes, "
                                       "expected %llu", b->column + 1, b->column_name, what, index, (long long)raw,
                                       (unsigned long long)needed);
            uint8_t *out = sl_malloc(raw ? (size_t)raw : 1);
            if (!out)
                return sl_error_oom(err);
            SL_TRY(ipc_own(b, out, err));
            if (raw)
                SL_TRY(ipc_decompress(b, p, (size_t)n, out, (size_t)raw, err));
            p = out;
            n = (uint64_t)raw;
        }
    }
    if (n < needed)
        return ipc_corrupt_err(f, err, "column %u \"%s\": %s buffer %u has %llu bytes, %llu needed", b->column + 1,
                               b->column_name, what, index, (unsigned long long)n, (unsigned long long)needed);
    if (((uintptr_t)p & (b->align - 1)) != 0 && n > 0) {   /* misaligned for our loads: copy */
        uint8_t *copy = sl_malloc((size_t)n);
        if (!copy)
            return sl_error_oom(err);
        memcpy(copy, p, (size_t)n);
        SL_TRY(ipc_own(b, copy, err));
        p = copy;
    }
    *data = n ? p : NULL;
    *length = n;
    return SL_OK;
}

/* Checks string offsets: non-decreasing, within the data buffer. */
static bool ipc_offsets_valid(const void *offsets, bool large, int64_t n, uint64_t data_length)
{
    if (n == 0)
        return true;
    if (large) {
        const int64_t *o = offsets;
        if (o[0] < 0)
            return false;
        for (int64_t i = 0; i < n; i++)
            if (o[i + 1] < o[i])
                return false;
        return (uint64_t)o[n] <= data_length;
    }
    const int32_t *o = offsets;
    if (o[0] < 0)
        return false;
    for (int64_t i = 0; i < n; i++)
        if (o[i + 1] < o[i])
            return false;
    return (uint64_t)o[n] <= data_length;
}

static const uint8_t ipc_empty_buffer[16] __attribute__((aligned(16)));

/* Decodes the buffers of one column (field node `node`, 16 bytes {length, null_count})
 * into child array a. `variadic` is the number of variadic buffers (views only). */
static sl_status ipc_decode_column(ipc_body *b, ipc_layout layout, int width, const uint8_t *node,
                                   int64_t batch_length, int64_t variadic, struct ArrowArray *a,
                                   const void **slots, sl_error *err)
{
    ipc_file *f = b->f;
    int64_t n, nulls;
    memcpy(&n, node, 8);
    memcpy(&nulls, node + 8, 8);
    if (n != batch_length || nulls < 0 || nulls > n)
        return ipc_corrupt_err(f, err, "column %u \"%s\": field node (length %lld, null count %lld) does not match "
                               "the batch length %lld", b->column + 1, b->column_name, (long long)n,
                               (long long)nulls, (long long)batch_length);
    memset(a, 0, sizeof *a);
    a->length = n;
    a->null_count = nulls;
    a->buffers = slots;
    a->release = ipc_noop_release;
    const uint8_t *data;
    uint64_t len;
    uint64_t bitmap_bytes = ((uint64_t)n + 7) / 8;
    if (layout == IPC_LAYOUT_NULL) {
        a->null_count = n;
        return SL_OK;
    }
    SL_TRY(ipc_next_buffer(b, "validity", nulls ? bitmap_bytes : 0, &data, &len, err));
    slots[0] = nulls ? data : NULL;
    a->n_buffers = 2;
    switch (layout) {
    case IPC_LAYOUT_BITS:
        SL_TRY(ipc_next_buffer(b, "values", bitmap_bytes, &data, &len, err));
        slots[1] = data ? data : ipc_empty_buffer;
        break;
    case IPC_LAYOUT_FIXED:
        b->align = width >= 16 ? 16 : 8;   /* sl_int128 loads need 16 */
        SL_TRY(ipc_next_buffer(b, "values", (uint64_t)n * (uint64_t)width, &data, &len, err));
        b->align = 8;
        slots[1] = data ? data : ipc_empty_buffer;
        break;
    case IPC_LAYOUT_VAR32:
    case IPC_LAYOUT_VAR64: {
        bool large = layout == IPC_LAYOUT_VAR64;
        uint64_t offset_bytes = n ? ((uint64_t)n + 1) * (large ? 8 : 4) : 0;
        const uint8_t *offsets;
        SL_TRY(ipc_next_buffer(b, "offsets", offset_bytes, &offsets, &len, err));
        uint64_t data_needed = 0;
        if (n) {
            int64_t last = large ? ((const int64_t *)offsets)[n] : ((const int32_t *)offsets)[n];
            data_needed = last > 0 ? (uint64_t)last : 0;
        }
        SL_TRY(ipc_next_buffer(b, "data", data_needed, &data, &len, err));
        if (!ipc_offsets_valid(offsets, large, n, len))
            return ipc_corrupt_err(f, err, "column %u \"%s\": string offsets are decreasing or exceed the data "
                                   "buffer (%llu bytes)", b->column + 1, b->column_name, (unsigned long long)len);
        slots[1] = offsets ? offsets : ipc_empty_buffer;
        slots[2] = data ? data : ipc_empty_buffer;
        a->n_buffers = 3;
        break;
    }
    case IPC_LAYOUT_VIEW: {
        const uint8_t *views;
        SL_TRY(ipc_next_buffer(b, "views", (uint64_t)n * 16, &views, &len, err));
        slots[1] = views ? views : ipc_empty_buffer;
        int64_t *lengths = sl_malloc((size_t)(variadic ? variadic : 1) * sizeof(int64_t));
        if (!lengths)
            return sl_error_oom(err);
        SL_TRY(ipc_own(b, lengths, err));
        for (int64_t v = 0; v < variadic; v++) {
            uint64_t l;
            SL_TRY(ipc_next_buffer(b, "variadic data", 0, &data, &l, err));
            slots[2 + v] = data ? data : ipc_empty_buffer;
            lengths[v] = (int64_t)l;
        }
        slots[2 + variadic] = lengths;
        a->n_buffers = 3 + variadic;
        const uint8_t *validity = slots[0];
        for (int64_t r = 0; r < n; r++) {
            if (validity && !((validity[r >> 3] >> (r & 7)) & 1))
                continue;
            int32_t l, index, offset;
            memcpy(&l, views + r * 16, 4);
            if (l < 0)
                return ipc_corrupt_err(f, err, "column %u \"%s\": negative string length at row %lld",
                                       b->column + 1, b->column_name, (long long)r);
            if (l <= 12)
                continue;
            memcpy(&index, views + r * 16 + 8, 4);
            memcpy(&offset, views + r * 16 + 12, 4);
            if (index < 0 || index >= variadic || offset < 0 || (int64_t)offset + l > lengths[index])
                return ipc_corrupt_err(f, err, "column %u \"%s\": string view at row %lld points outside its data "
                                       "buffers", b->column + 1, b->column_name, (long long)r);
        }
        break;
    }
    default:
        break;
    }
    return SL_OK;
}

/* Reads the body of message m and decodes RecordBatch table rb over `count` columns of
 * the given layouts into a "+s" ArrowArray *out (owning the body). */
static sl_status ipc_decode_record_batch(ipc_file *f, const ipc_message *m, const sl_fb_table *rb, uint32_t count,
                                         const ipc_layout *layouts, const int *widths, const char *const *names,
                                         const uint32_t *column_numbers, struct ArrowArray *out, sl_error *err)
{
    int64_t length = 0;
    const uint8_t *nodes, *buffers, *variadic;
    uint32_t node_count, buffer_count, variadic_count;
    sl_fb_table compression;
    bool compressed = false;
    if (!sl_fb_scalar(rb, 0, 8, &length) || !sl_fb_vector(rb, 1, 16, &nodes, &node_count) ||
        !sl_fb_vector(rb, 2, 16, &buffers, &buffer_count) || !sl_fb_subtable(rb, 3, &compression, &compressed) ||
        !sl_fb_vector(rb, 4, 8, &variadic, &variadic_count))
        return ipc_corrupt_err(f, err, "malformed record batch metadata");
    if (length < 0 || length > INT32_MAX)
        return ipc_corrupt_err(f, err, "invalid batch length %lld", (long long)length);
    if (node_count != count)
        return ipc_corrupt_err(f, err, "the batch has %u field nodes but the schema %u columns", node_count, count);
    int codec = -1;
    if (compressed) {
        int8_t c = 0, method = 0;
        if (!sl_fb_scalar(&compression, 0, 1, &c) || !sl_fb_scalar(&compression, 1, 1, &method))
            return ipc_corrupt_err(f, err, "malformed body compression");
        if ((c != 0 && c != 1) || method != 0)
            return ipc_corrupt_err(f, err, "unknown body compression codec %d / method %d", c, method);
        codec = c;
    }
    ipc_batch_memory *mem = sl_calloc(1, sizeof *mem);
    if (!mem)
        return sl_error_oom(err);
    sl_status st = SL_OK;
    size_t slot_count = 1;
    uint32_t view_columns = 0;
    for (uint32_t c = 0; c < count; c++) {
        slot_count += 3;
        if (layouts[c] == IPC_LAYOUT_VIEW)
            view_columns++;
    }
    if (view_columns > variadic_count) {
        st = ipc_corrupt_err(f, err, "the batch lists %u variadic buffer counts for %u string view columns",
                             variadic_count, view_columns);
        goto fail;
    }
    for (uint32_t v = 0; v < variadic_count; v++) {
        int64_t k;
        memcpy(&k, variadic + 8 * (size_t)v, 8);
        if (k < 0 || k > buffer_count) {
            st = ipc_corrupt_err(f, err, "invalid variadic buffer count %lld", (long long)k);
            goto fail;
        }
        slot_count += (size_t)k + 1;
    }
    mem->body = sl_malloc(m->body_length ? (size_t)m->body_length : 1);
    mem->children = sl_calloc(count, sizeof *mem->children);
    mem->child_pointers = sl_calloc(count, sizeof *mem->child_pointers);
    mem->buffers = sl_calloc(slot_count, sizeof *mem->buffers);
    if (!mem->body || !mem->children || !mem->child_pointers || !mem->buffers) {
        st = sl_error_oom(err);
        goto fail;
    }
    st = ipc_read_at(f, m->body_offset, mem->body, (size_t)m->body_length, err);
    if (st != SL_OK)
        goto fail;
    ipc_body b = { f, mem, mem->body, m->body_length, buffers, buffer_count, 0, codec, "", 0, 8 };
    size_t slot = 1;
    uint32_t view_index = 0;
    for (uint32_t c = 0; c < count; c++) {
        b.column = column_numbers[c];
        b.column_name = names[c];
        int64_t k = 0;
        if (layouts[c] == IPC_LAYOUT_VIEW)
            memcpy(&k, variadic + 8 * (size_t)view_index++, 8);
        st = ipc_decode_column(&b, layouts[c], widths[c], nodes + 16 * (size_t)c, length, k, &mem->children[c],
                               &mem->buffers[slot], err);
        if (st != SL_OK)
            goto fail;
        slot += layouts[c] == IPC_LAYOUT_VIEW ? (size_t)k + 3 : 3;
        mem->child_pointers[c] = &mem->children[c];
    }
    if (b.next_buffer != buffer_count) {
        st = ipc_corrupt_err(f, err, "the batch lists %u buffers but its columns use %u", buffer_count, b.next_buffer);
        goto fail;
    }
    memset(out, 0, sizeof *out);
    out->length = length;
    out->n_buffers = 1;
    out->buffers = mem->buffers;   /* slot 0 = NULL: no struct-level nulls */
    out->n_children = count;
    out->children = mem->child_pointers;
    out->private_data = mem;
    out->release = ipc_batch_release;
    return SL_OK;
fail:
    ipc_batch_memory_free(mem);
    return st;
}

/* Handles a DictionaryBatch message: decodes the values, then adds, appends (delta) or
 * replaces the dictionary. */
static sl_status ipc_read_dictionary(ipc_file *f, const ipc_message *m, sl_error *err)
{
    snprintf(f->where, sizeof f->where, "dictionary batch %u", f->dict_batch_index++);
    int64_t id = 0;
    uint8_t delta = 0;
    sl_fb_table data;
    bool has_data = false;
    if (!sl_fb_scalar(&m->header, 0, 8, &id) || !sl_fb_subtable(&m->header, 1, &data, &has_data) ||
        !sl_fb_scalar(&m->header, 2, 1, &delta) || !has_data)
        return ipc_corrupt_err(f, err, "malformed dictionary batch metadata");
    const ipc_column *col = NULL;
    uint32_t column = 0;
    for (uint32_t c = 0; c < f->column_count && !col; c++)
        if (f->columns[c].dictionary && f->columns[c].dictionary_id == id) {
            col = &f->columns[c];
            column = c;
        }
    if (!col)
        return ipc_corrupt_err(f, err, "dictionary id %lld is not used by any column", (long long)id);
    ipc_layout layout = col->value_layout;
    int width = 0;
    struct ArrowArray arr;
    SL_TRY(ipc_decode_record_batch(f, m, &data, 1, &layout, &width, &col->name, &column, &arr, err));
    const struct ArrowArray *values = arr.children[0];
    bool large = layout == IPC_LAYOUT_VAR64;
    uint32_t slot = 0;
    ipc_dict *old = ipc_dict_find(f, id, &slot);
    if (delta && !old) {
        arr.release(&arr);
        return ipc_corrupt_err(f, err, "delta for dictionary id %lld that was never defined", (long long)id);
    }
    int64_t base_length = delta ? old->array.length : 0;
    int64_t base_data = delta ? old->data_length : 0;
    int64_t n = base_length + values->length;
    const uint8_t *vbits = values->buffers[0];
    int64_t add_data = values->length
                           ? (large ? ((const int64_t *)values->buffers[1])[values->length]
                                    : ((const int32_t *)values->buffers[1])[values->length])
                           : 0;
    if (!large && base_data + add_data > INT32_MAX) {
        arr.release(&arr);
        return ipc_corrupt_err(f, err, "dictionary id %lld grows beyond 2 GiB", (long long)id);
    }
    ipc_dict *d = sl_calloc(1, sizeof *d);
    size_t ow = large ? 8 : 4;
    if (d) {
        d->offsets = sl_malloc((size_t)(n + 1) * ow);
        d->data = sl_malloc((size_t)(base_data + add_data) + 1);
        d->validity = sl_calloc((size_t)(n + 7) / 8 + 1, 1);
    }
    if (!d || !d->offsets || !d->data || !d->validity) {
        if (d) {
            sl_free(d->offsets);
            sl_free(d->data);
            sl_free(d->validity);
            sl_free(d);
        }
        arr.release(&arr);
        return sl_error_oom(err);
    }
    atomic_init(&d->refs, 1);
    d->id = id;
    d->large = large;
    int64_t nulls = 0;
    if (delta) {
        memcpy(d->offsets, old->offsets, (size_t)(base_length + 1) * ow);
        memcpy(d->data, old->data, (size_t)base_data);
        memcpy(d->validity, old->validity, (size_t)(base_length + 7) / 8);
        nulls = old->array.null_count;
    } else {
        memset(d->offsets, 0, ow);
    }
    memcpy(d->data + base_data, values->buffers[2], (size_t)add_data);
    for (int64_t i = 0; i < values->length; i++) {
        int64_t end = large ? ((const int64_t *)values->buffers[1])[i + 1] : ((const int32_t *)values->buffers[1])[i + 1];
        if (large)
            ((int64_t *)d->offsets)[base_length + i + 1] = base_data + end;
        else
            ((int32_t *)d->offsets)[base_length + i + 1] = (int32_t)(base_data + end);
        bool valid = !vbits || ((vbits[i >> 3] >> (i & 7)) & 1);
        int64_t r = base_length + i;
        if (valid)
            d->validity[r >> 3] |= (uint8_t)(1u << (r & 7));
        else
            nulls++;
    }
    /* the first offset of the new values need not be 0: shift so that values start at base_data */
    if (values->length) {
        int64_t start = large ? ((const int64_t *)values->buffers[1])[0] : ((const int32_t *)values->buffers[1])[0];
        if (start) {
            memmove(d->data + base_data, d->data + base_data + start, (size_t)(add_data - start));
            for (int64_t i = 0; i < values->length; i++) {
                if (large)
                    ((int64_t *)d->offsets)[base_length + i + 1] -= start;
                else
                    ((int32_t *)d->offsets)[base_length + i + 1] -= (int32_t)start;
            }
            add_data -= start;
        }
    }
    d->data_length = base_data + add_data;
    arr.release(&arr);
    d->buffers[0] = nulls ? d->validity : NULL;
    d->buffers[1] = d->offsets;
    d->buffers[2] = d->data;
    d->array.length = n;
    d->array.null_count = nulls;
    d->array.n_buffers = 3;
    d->array.buffers = d->buffers;
    d->array.release = ipc_noop_release;
    if (old) {
        ipc_dict_unref(old);
        f->dicts[slot] = d;
        return SL_OK;
    }
    ipc_dict **dicts = sl_realloc(f->dicts, (f->dict_count + 1) * sizeof *dicts);
    if (!dicts) {
        ipc_dict_unref(d);
        return sl_error_oom(err);
    }
    f->dicts = dicts;
    f->dicts[f->dict_count++] = d;
    return SL_OK;
}

/* Decodes a RecordBatch message of the file's schema into *out. */
static sl_status ipc_read_record_batch(ipc_file *f, const ipc_message *m, struct ArrowArray *out, sl_error *err)
{
    uint32_t n = f->column_count;
    ipc_layout *layouts = sl_malloc(n * sizeof *layouts);
    int *widths = sl_malloc(n * sizeof *widths);
    const char **names = sl_malloc(n * sizeof *names);
    uint32_t *numbers = sl_malloc(n * sizeof *numbers);
    sl_status st = SL_OK;
    if (!layouts || !widths || !names || !numbers) {
        st = sl_error_oom(err);
        goto done;
    }
    for (uint32_t c = 0; c < n; c++) {
        layouts[c] = f->columns[c].layout;
        widths[c] = f->columns[c].width;
        names[c] = f->columns[c].name;
        numbers[c] = c;
    }
    st = ipc_decode_record_batch(f, m, &m->header, n, layouts, widths, names, numbers, out, err);
    if (st != SL_OK)
        goto done;
    /* attach the dictionaries */
    ipc_batch_memory *mem = out->private_data;
    for (uint32_t c = 0; c < n && st == SL_OK; c++) {
        if (!f->columns[c].dictionary)
            continue;
        ipc_dict *d = ipc_dict_find(f, f->columns[c].dictionary_id, NULL);
        if (!d) {
            st = ipc_corrupt_err(f, err, "column %u \"%s\" uses dictionary id %lld, which was not defined", c + 1,
                                 f->columns[c].name, (long long)f->columns[c].dictionary_id);
            break;
        }
        if (!mem->dicts)
            mem->dicts = sl_calloc(n, sizeof *mem->dicts);
        if (!mem->dicts) {
            st = sl_error_oom(err);
            break;
        }
        atomic_fetch_add(&d->refs, 1);
        mem->dicts[mem->dict_count++] = d;
        mem->children[c].dictionary = &d->array;
    }
    if (st != SL_OK)
        out->release(out);
done:
    sl_free(layouts);
    sl_free(widths);
    sl_free(names);
    sl_free(numbers);
    return st;
}

/* ------------------------------------------------------------------ files */

static void ipc_file_close(ipc_file *f)
{
    if (!f)
        return;
    if (f->fd >= 0)
        close(f->fd);
    for (uint32_t i = 0; i < f->dict_count; i++)
        ipc_dict_unref(f->dicts[i]);
    sl_free(f->dicts);
    sl_free(f->footer);
    if (f->lz4)
        LZ4F_freeDecompressionContext(f->lz4);
    sl_arena_free(&f->arena);
    sl_free(f);
}

/* Reads a file-format footer: schema, dictionaries (all read now) and batch blocks. */
static sl_status ipc_open_file_format(ipc_file *f, sl_error *err)
{
    snprintf(f->where, sizeof f->where, "footer");
    if (f->size < 8 + 4 + 6 + 4)
        return ipc_corrupt_err(f, err, "file of %lld bytes is too short for the Arrow file format",
                               (long long)f->size);
    uint8_t tail[10];
    SL_TRY(ipc_read_at(f, f->size - 10, tail, 10, err));
    if (memcmp(tail + 4, "ARROW1", 6) != 0)
        return ipc_corrupt_err(f, err, "missing trailing ARROW1 magic (truncated file?)");
    int32_t footer_length;
    memcpy(&footer_length, tail, 4);
    if (footer_length <= 0 || footer_length > f->size - 10 - 8)
        return ipc_corrupt_err(f, err, "invalid footer length %d", footer_length);
    f->footer = sl_malloc((size_t)footer_length);
    if (!f->footer)
        return sl_error_oom(err);
    SL_TRY(ipc_read_at(f, f->size - 10 - footer_length, f->footer, (size_t)footer_length, err));
    sl_fb_table footer, schema;
    bool has_schema = false;
    const uint8_t *dict_blocks;
    uint32_t dict_count;
    if (!sl_fb_root(f->footer, (size_t)footer_length, &footer) || !sl_fb_subtable(&footer, 1, &schema, &has_schema) ||
        !sl_fb_vector(&footer, 2, 24, &dict_blocks, &dict_count) ||
        !sl_fb_vector(&footer, 3, 24, &f->blocks, &f->block_count))
        return ipc_corrupt_err(f, err, "malformed footer");
    if (!has_schema)
        return ipc_corrupt_err(f, err, "the footer has no schema");
    SL_TRY(ipc_parse_schema(f, &schema, err));
    for (uint32_t i = 0; i < dict_count; i++) {
        int64_t offset;
        memcpy(&offset, dict_blocks + 24 * (size_t)i, 8);
        snprintf(f->where, sizeof f->where, "dictionary batch %u", i);
        ipc_message m = { 0 };
        sl_status st = ipc_read_message(f, offset, &m, err);
        if (st == SL_OK && (m.end || m.header_type != IPC_DICTIONARY_BATCH))
            st = ipc_corrupt_err(f, err, "footer block %u at byte %lld is not a dictionary batch", i,
                                 (long long)offset);
        if (st == SL_OK)
            st = ipc_read_dictionary(f, &m, err);
        ipc_message_free(&m);
        SL_TRY(st);
    }
    return SL_OK;
}

static sl_status ipc_file_open(const char *path, ipc_file **out, sl_error *err)
{
    ipc_file *f = sl_calloc(1, sizeof *f);
    if (!f)
        return sl_error_oom(err);
    f->path = path;
    sl_arena_init(&f->arena, 0);
    f->fd = open(path, O_RDONLY | O_CLOEXEC);
    if (f->fd < 0) {
        sl_status st = sl_error_set(err, SL_ERR_IO, "cannot open '%s': %s", path, strerror(errno));
        ipc_file_close(f);
        return st;
    }
    struct stat sb;
    if (fstat(f->fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        sl_status st = sl_error_set(err, SL_ERR_IO, "'%s' is not a regular file", path);
        ipc_file_close(f);
        return st;
    }
    f->size = sb.st_size;
    sl_status st = SL_OK;
    uint8_t magic[8] = { 0 };
    if (f->size >= 8)
        st = ipc_read_at(f, 0, magic, 8, err);
    if (st == SL_OK && memcmp(magic, "ARROW1", 6) == 0) {
        f->file_format = true;
        st = ipc_open_file_format(f, err);
    } else if (st == SL_OK) {
        snprintf(f->where, sizeof f->where, "message 0");
        ipc_message m = { 0 };
        if (f->size == 0)
            st = ipc_corrupt_err(f, err, "the file is empty");
        if (st == SL_OK)
            st = ipc_read_message(f, 0, &m, err);
        if (st == SL_OK && (m.end || m.header_type != IPC_SCHEMA))
            st = sl_error_set(err, SL_ERR_INVALID_INPUT,
                              "'%s' is not an Arrow IPC file: it does not start with ARROW1 or a schema message",
                              path);
        if (st == SL_OK)
            st = ipc_parse_schema(f, &m.header, err);
        if (st == SL_OK) {
            f->stream_pos = m.next_offset;
            f->message_index = 1;
        }
        ipc_message_free(&m);
    }
    if (st != SL_OK) {
        ipc_file_close(f);
        return st;
    }
    *out = f;
    return SL_OK;
}

/* The next record batch as an ArrowArray; *got = false at the end of the file. */
static sl_status ipc_file_next(ipc_file *f, struct ArrowArray *out, bool *got, sl_error *err)
{
    *got = false;
    if (f->file_format) {
        if (f->next_block >= f->block_count)
            return SL_OK;
        uint32_t i = f->next_block++;
        int64_t offset;
        memcpy(&offset, f->blocks + 24 * (size_t)i, 8);
        snprintf(f->where, sizeof f->where, "record batch %u", i);
        ipc_message m = { 0 };
        sl_status st = ipc_read_message(f, offset, &m, err);
        if (st == SL_OK && (m.end || m.header_type != IPC_RECORD_BATCH))
            st = ipc_corrupt_err(f, err, "footer block at byte %lld is not a record batch", (long long)offset);
        if (st == SL_OK)
            st = ipc_read_record_batch(f, &m, out, err);
        ipc_message_free(&m);
        SL_TRY(st);
        f->batch_index++;
        *got = true;
        return SL_OK;
    }
    for (;;) {
        snprintf(f->where, sizeof f->where, "message %u at byte %lld", f->message_index, (long long)f->stream_pos);
        ipc_message m = { 0 };
        SL_TRY(ipc_read_message(f, f->stream_pos, &m, err));
        if (m.end) {
            f->stream_pos = f->size;
            return SL_OK;
        }
        f->message_index++;
        f->stream_pos = m.next_offset;
        sl_status st;
        if (m.header_type == IPC_DICTIONARY_BATCH) {
            st = ipc_read_dictionary(f, &m, err);
            ipc_message_free(&m);
            SL_TRY(st);
            continue;
        }
        if (m.header_type == IPC_RECORD_BATCH) {
            snprintf(f->where, sizeof f->where, "record batch %u", f->batch_index);
            st = ipc_read_record_batch(f, &m, out, err);
            ipc_message_free(&m);
            SL_TRY(st);
            f->batch_index++;
            *got = true;
            return SL_OK;
        }
        ipc_message_free(&m);
        return ipc_corrupt_err(f, err, "unexpected message type %u", m.header_type);
    }
}

/* ------------------------------------------------------------------ public reader */

sl_status sl_arrow_ipc_sniff(sl_arena *arena, const char *path, uint32_t *column_count, sl_type **types,
                             const char ***names, sl_error *err)
{
    ipc_file *f;
    SL_TRY(ipc_file_open(path, &f, err));
    sl_type *t;
    char **nm;
    uint32_t n;
    sl_status st = sl_arrow_import_schema(&f->schema, &t, &nm, &n, err);
    if (st != SL_OK) {
        ipc_error_context(err, st, path, NULL);
        ipc_file_close(f);
        return st;
    }
    ipc_file_close(f);
    sl_type *at = sl_arena_alloc(arena, n * sizeof *at);
    const char **an = sl_arena_alloc(arena, n * sizeof *an);
    if (!at || !an) {
        sl_arrow_free_columns(t, nm, n);
        return sl_error_oom(err);
    }
    for (uint32_t i = 0; i < n; i++) {
        at[i] = t[i];
        an[i] = sl_arena_strdup(arena, nm[i]);
        if (!an[i]) {
            sl_arrow_free_columns(t, nm, n);
            return sl_error_oom(err);
        }
    }
    sl_arrow_free_columns(t, nm, n);
    *column_count = n;
    *types = at;
    *names = an;
    return SL_OK;
}

struct sl_arrow_ipc_reader {
    sl_arrow_ipc_reader_config config;
    uint32_t next_path;
    ipc_file *file;
    sl_type *file_types;        /* the current file's column types */
    bool needs_cast;
    sl_batch **pending;         /* imported batches not yet returned */
    size_t pending_count;
    size_t pending_next;
};

sl_status sl_arrow_ipc_reader_open(const sl_arrow_ipc_reader_config *config, sl_arrow_ipc_reader **out,
                                   sl_error *err)
{
    sl_arrow_ipc_reader *r = sl_calloc(1, sizeof *r);
    if (!r)
        return sl_error_oom(err);
    r->config = *config;
    *out = r;
    return SL_OK;
}

static void reader_drop_pending(sl_arrow_ipc_reader *r)
{
    for (size_t i = r->pending_next; i < r->pending_count; i++)
        sl_batch_free(r->pending[i]);
    sl_free(r->pending);
    r->pending = NULL;
    r->pending_count = r->pending_next = 0;
}

/* Opens the next file and checks its schema against the expected one. */
static sl_status reader_open_next(sl_arrow_ipc_reader *r, sl_error *err)
{
    const char *path = r->config.paths[r->next_path++];
    SL_TRY(ipc_file_open(path, &r->file, err));
    sl_type *t;
    char **nm;
    uint32_t n;
    sl_status st = sl_arrow_import_schema(&r->file->schema, &t, &nm, &n, err);
    if (st != SL_OK) {
        ipc_error_context(err, st, path, NULL);
        return st;
    }
    sl_arrow_free_columns(NULL, nm, n);
    sl_free(r->file_types);
    r->file_types = t;
    if (n != r->config.column_count) {
        return sl_error_set(err, SL_ERR_INVALID_INPUT, "'%s' has %u columns but %u are expected%s", path, n,
                            r->config.column_count, r->config.cast ? " (the table's)" : " (as in the first file)");
    }
    r->needs_cast = false;
    for (uint32_t c = 0; c < n; c++) {
        if (sl_type_equal(t[c], r->config.types[c]))
            continue;
        if (!r->config.cast) {
            char a[64], b[64];
            return sl_error_set(err, SL_ERR_INVALID_INPUT,
                                "column %u \"%s\" of '%s' has type %s but %s is expected (as in the first file)",
                                c + 1, r->config.names ? r->config.names[c] : "", path, sl_type_name(t[c], a, sizeof a),
                                sl_type_name(r->config.types[c], b, sizeof b));
        }
        r->needs_cast = true;
    }
    return SL_OK;
}

/* Casts the columns of b whose type differs from the expected ones. */
static sl_status reader_cast(sl_arrow_ipc_reader *r, sl_batch *b, sl_error *err)
{
    for (uint32_t c = 0; c < b->column_count; c++) {
        if (sl_type_equal(b->columns[c]->type, r->config.types[c]))
            continue;
        sl_vector *v = sl_vector_new(r->config.types[c], b->count ? b->count : 1);
        if (!v)
            return sl_error_oom(err);
        sl_status st = sl_cast_vector(b->columns[c], v, NULL, b->count, false, err);
        if (st != SL_OK) {
            sl_vector_unref(v);
            char where[128];
            snprintf(where, sizeof where, "column %u \"%s\"", c + 1, r->config.names ? r->config.names[c] : "");
            ipc_error_context(err, st, r->file->path, where);
            return st;
        }
        sl_batch_set_column(b, c, v);
    }
    return SL_OK;
}

sl_status sl_arrow_ipc_reader_next(sl_arrow_ipc_reader *r, sl_batch **out, sl_error *err)
{
    *out = NULL;
    for (;;) {
        if (r->pending_next < r->pending_count) {
            sl_batch *b = r->pending[r->pending_next++];
            if (r->needs_cast) {
                sl_status st = reader_cast(r, b, err);
                if (st != SL_OK) {
                    sl_batch_free(b);
                    return st;
                }
            }
            *out = b;
            return SL_OK;
        }
        reader_drop_pending(r);
        if (!r->file) {
            if (r->next_path >= r->config.path_count)
                return SL_OK;
            SL_TRY(reader_open_next(r, err));
        }
        struct ArrowArray array;
        bool got;
        SL_TRY(ipc_file_next(r->file, &array, &got, err));
        if (!got) {
            ipc_file_close(r->file);
            r->file = NULL;
            continue;
        }
        sl_status st = sl_arrow_import_array_chunked(&array, &r->file->schema, SL_BATCH_CAPACITY, &r->pending,
                                                     &r->pending_count, err);
        if (st != SL_OK) {
            ipc_error_context(err, st, r->file->path, r->file->where);
            return st;
        }
    }
}

void sl_arrow_ipc_reader_free(sl_arrow_ipc_reader *r)
{
    if (!r)
        return;
    reader_drop_pending(r);
    ipc_file_close(r->file);
    sl_free(r->file_types);
    sl_free(r);
}
