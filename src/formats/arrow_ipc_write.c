/*
 * arrow_ipc_write.c — the Arrow IPC writer behind COPY ... TO 'x.arrow' (FORMAT arrow,
 * the file format) and (FORMAT arrows, the stream format).
 *
 * Incoming batches are gathered into record batches of up to 64Ki rows; each is exported
 * with sl_arrow_export_batch (so the type mapping is arrow.h's: VARCHAR -> utf8, DECIMAL
 * -> decimal128, TIMESTAMP -> timestamp[us], INTERVAL -> month_day_nano, ...) and its
 * buffers are written as one message: [0xFFFFFFFF][metadata length][Message FlatBuffer,
 * padded to 8][body, every buffer padded to 8]. With compression each non-empty buffer
 * is [int64 uncompressed length][LZ4 frame | ZSTD frame], or [-1][raw bytes] when
 * compressing does not help, as Arrow's writers do. The file format adds the ARROW1
 * magic, the end-of-stream marker, and a Footer with the schema and the record batch
 * blocks. The output goes through file_output (temporary file renamed on commit).
 */
#include <lz4frame.h>
#include <string.h>
#include <zstd.h>

#include "formats/arrow_ipc.h"
#include "formats/file_output.h"
#include "formats/flatbuf.h"
#include "vector/arrow.h"

#define IPC_WRITE_BATCH_ROWS 65536

typedef struct ipc_block {
    int64_t offset;
    int32_t metadata_length;
    int32_t pad;
    int64_t body_length;
} ipc_block;

/* One body buffer about to be written. */
typedef struct ipc_out_buffer {
    const uint8_t *data;
    int64_t length;          /* bytes in the body (incl. the compression prefix) */
    int64_t raw_length;      /* -2 = no prefix, else the prefix value (uncompressed size or -1) */
    uint8_t *owned;
} ipc_out_buffer;

struct sl_arrow_ipc_writer {
    sl_file_output out;
    bool file_format;
    sl_arrow_ipc_compression compression;
    uint32_t column_count;
    sl_type *types;
    char **names;
    int64_t position;
    sl_batch *pending;
    sl_fb_builder fb;
    ipc_block *blocks;
    uint32_t block_count;
    uint32_t block_cap;
    ZSTD_CCtx *zstd;
};

static const uint8_t ipc_zeros[8];

static sl_status ipc_write(sl_arrow_ipc_writer *w, const void *data, size_t n, sl_error *err)
{
    w->position += (int64_t)n;
    return sl_file_output_write(&w->out, data, n, err);
}

static sl_status ipc_pad(sl_arrow_ipc_writer *w, int64_t n, sl_error *err)
{
    int64_t pad = (8 - (n & 7)) & 7;
    return pad ? ipc_write(w, ipc_zeros, (size_t)pad, err) : SL_OK;
}

/* ------------------------------------------------------------------ metadata */

/* Field type (union type id + table) of one column. */
static sl_fb_ref ipc_type_table(sl_fb_builder *b, sl_type t, uint8_t *type_id)
{
    sl_fb_table_start(b);
    switch ((sl_type_id)t.id) {
    case SL_TYPE_BOOLEAN: *type_id = 6; break;
    case SL_TYPE_TINYINT:
    case SL_TYPE_SMALLINT:
    case SL_TYPE_INTEGER:
    case SL_TYPE_BIGINT: {
        int32_t bits = t.id == SL_TYPE_TINYINT ? 8 : t.id == SL_TYPE_SMALLINT ? 16 : t.id == SL_TYPE_INTEGER ? 32 : 64;
        uint8_t is_signed = 1;
        sl_fb_add_scalar(b, 0, &bits, 4);
        sl_fb_add_scalar(b, 1, &is_signed, 1);
        *type_id = 2;
        break;
    }
    case SL_TYPE_REAL:
    case SL_TYPE_DOUBLE: {
        int16_t precision = t.id == SL_TYPE_REAL ? 1 : 2;
        sl_fb_add_scalar(b, 0, &precision, 2);
        *type_id = 3;
        break;
    }
    case SL_TYPE_DECIMAL: {
        int32_t precision = t.precision, scale = t.scale, bits = 128;
        sl_fb_add_scalar(b, 0, &precision, 4);
        sl_fb_add_scalar(b, 1, &scale, 4);
        sl_fb_add_scalar(b, 2, &bits, 4);
        *type_id = 7;
        break;
    }
    case SL_TYPE_VARCHAR: *type_id = 5; break;
    case SL_TYPE_DATE: {
        int16_t unit = 0;   /* DAY */
        sl_fb_add_scalar(b, 0, &unit, 2);
        *type_id = 8;
        break;
    }
    case SL_TYPE_TIMESTAMP: {
        int16_t unit = 2;   /* MICROSECOND, no time zone */
        sl_fb_add_scalar(b, 0, &unit, 2);
        *type_id = 10;
        break;
    }
    case SL_TYPE_INTERVAL: {
        int16_t unit = 2;   /* MONTH_DAY_NANO */
        sl_fb_add_scalar(b, 0, &unit, 2);
        *type_id = 11;
        break;
    }
    default: *type_id = 1; break;   /* Null */
    }
    return sl_fb_table_end(b);
}

static sl_fb_ref ipc_schema_table(sl_arrow_ipc_writer *w)
{
    sl_fb_builder *b = &w->fb;
    sl_fb_ref *fields = sl_malloc((w->column_count ? w->column_count : 1) * sizeof *fields);
    if (!fields) {
        b->failed = true;
        return 0;
    }
    for (uint32_t c = 0; c < w->column_count; c++) {
        sl_fb_ref name = sl_fb_create_string(b, w->names[c], strlen(w->names[c]));
        uint8_t type_id;
        sl_fb_ref type = ipc_type_table(b, w->types[c], &type_id);
        sl_fb_ref children = sl_fb_create_ref_vector(b, NULL, 0);
        uint8_t nullable = 1;
        sl_fb_table_start(b);
        sl_fb_add_ref(b, 0, name);
        sl_fb_add_ref(b, 3, type);
        sl_fb_add_ref(b, 5, children);
        sl_fb_add_scalar(b, 1, &nullable, 1);
        sl_fb_add_scalar(b, 2, &type_id, 1);
        fields[c] = sl_fb_table_end(b);
    }
    sl_fb_ref vector = sl_fb_create_ref_vector(b, fields, w->column_count);
    sl_free(fields);
    int16_t little = 0;
    sl_fb_table_start(b);
    sl_fb_add_ref(b, 1, vector);
    sl_fb_add_scalar(b, 0, &little, 2);
    return sl_fb_table_end(b);
}

/* Writes one framed message whose header (of type header_type) is already built in w->fb
 * as `header`; the body follows separately. Records the block when asked. */
static sl_status ipc_write_message(sl_arrow_ipc_writer *w, uint8_t header_type, sl_fb_ref header,
                                   int64_t body_length, bool record_block, sl_error *err)
{
    sl_fb_builder *b = &w->fb;
    int16_t version = 4;   /* V5 */
    sl_fb_table_start(b);
    sl_fb_add_scalar(b, 3, &body_length, 8);
    sl_fb_add_ref(b, 2, header);
    sl_fb_add_scalar(b, 0, &version, 2);
    sl_fb_add_scalar(b, 1, &header_type, 1);
    sl_fb_ref message = sl_fb_table_end(b);
    const uint8_t *data;
    size_t length;
    SL_TRY(sl_fb_finish(b, message, &data, &length, err));
    int64_t padded = (int64_t)((length + 8 + 7) & ~(size_t)7) - 8;
    if (record_block) {
        if (w->block_count == w->block_cap) {
            uint32_t cap = w->block_cap ? w->block_cap * 2 : 16;
            ipc_block *blocks = sl_realloc(w->blocks, cap * sizeof *blocks);
            if (!blocks)
                return sl_error_oom(err);
            w->blocks = blocks;
            w->block_cap = cap;
        }
        w->blocks[w->block_count++] = (ipc_block){ w->position, (int32_t)(padded + 8), 0, body_length };
    }
    uint32_t prefix[2] = { 0xFFFFFFFFu, (uint32_t)padded };
    SL_TRY(ipc_write(w, prefix, 8, err));
    SL_TRY(ipc_write(w, data, length, err));
    if (padded > (int64_t)length)
        SL_TRY(ipc_write(w, ipc_zeros, (size_t)(padded - (int64_t)length), err));
    sl_fb_builder_reset(b);
    return SL_OK;
}

/* ------------------------------------------------------------------ bodies */

/* Prepares one body buffer, compressing it when asked. */
static sl_status ipc_prepare_buffer(sl_arrow_ipc_writer *w, const void *data, int64_t length, ipc_out_buffer *out,
                                    sl_error *err)
{
    memset(out, 0, sizeof *out);
    out->data = data;
    out->length = length;
    out->raw_length = -2;
    if (w->compression == SL_ARROW_IPC_UNCOMPRESSED || length == 0)
        return SL_OK;
    size_t bound = w->compression == SL_ARROW_IPC_ZSTD ? ZSTD_compressBound((size_t)length)
                                                       : LZ4F_compressFrameBound((size_t)length, NULL);
    uint8_t *buf = sl_malloc(bound);
    if (!buf)
        return sl_error_oom(err);
    size_t n;
    if (w->compression == SL_ARROW_IPC_ZSTD) {
        if (!w->zstd && !(w->zstd = ZSTD_createCCtx())) {
            sl_free(buf);
            return sl_error_oom(err);
        }
        n = ZSTD_compressCCtx(w->zstd, buf, bound, data, (size_t)length, 1);
        if (ZSTD_isError(n)) {
            sl_free(buf);
            return sl_error_set(err, SL_ERR_RUNTIME, "ZSTD compression failed: %s", ZSTD_getErrorName(n));
        }
    } else {
        LZ4F_preferences_t prefs;
        memset(&prefs, 0, sizeof prefs);
        prefs.frameInfo.contentSize = (unsigned long long)length;
        n = LZ4F_compressFrame(buf, bound, data, (size_t)length, &prefs);
        if (LZ4F_isError(n)) {
            sl_free(buf);
            return sl_error_set(err, SL_ERR_RUNTIME, "LZ4 compression failed: %s", LZ4F_getErrorName(n));
        }
    }
    if ((int64_t)n >= length) {   /* not worth it: raw bytes behind a -1 prefix */
        sl_free(buf);
        out->raw_length = -1;
        out->length = length + 8;
        return SL_OK;
    }
    out->owned = buf;
    out->data = buf;
    out->raw_length = length;
    out->length = (int64_t)n + 8;
    return SL_OK;
}

/* Writes the exported batch `a` (struct of the writer's columns) as one record batch. */
static sl_status ipc_write_array(sl_arrow_ipc_writer *w, const struct ArrowArray *a, sl_error *err)
{
    uint32_t n = w->column_count;
    ipc_out_buffer *bufs = sl_calloc((size_t)n * 3 + 1, sizeof *bufs);
    int64_t *nodes = sl_malloc(((size_t)n * 2 + 1) * sizeof(int64_t));
    int64_t *descs = sl_malloc(((size_t)n * 6 + 1) * sizeof(int64_t));
    uint32_t buf_count = 0;
    sl_status st = SL_OK;
    if (!bufs || !nodes || !descs) {
        st = sl_error_oom(err);
        goto done;
    }
    int64_t rows = a->length;
    for (uint32_t c = 0; c < n && st == SL_OK; c++) {
        const struct ArrowArray *child = a->children[c];
        nodes[2 * c] = rows;
        nodes[2 * c + 1] = child->null_count;
        sl_type t = w->types[c];
        if (t.id == SL_TYPE_NULL)
            continue;
        int64_t bitmap = (rows + 7) / 8;
        st = ipc_prepare_buffer(w, child->buffers[0], child->null_count ? bitmap : 0, &bufs[buf_count++], err);
        if (st != SL_OK)
            break;
        if (t.id == SL_TYPE_VARCHAR) {
            const int32_t *offsets = child->buffers[1];
            st = ipc_prepare_buffer(w, offsets, (rows + 1) * 4, &bufs[buf_count++], err);
            if (st == SL_OK)
                st = ipc_prepare_buffer(w, child->buffers[2], offsets[rows], &bufs[buf_count++], err);
            continue;
        }
        int64_t bytes;
        switch ((sl_type_id)t.id) {
        case SL_TYPE_BOOLEAN: bytes = bitmap; break;
        case SL_TYPE_DECIMAL:
        case SL_TYPE_INTERVAL: bytes = rows * 16; break;
        default: bytes = rows * (int64_t)sl_type_width(t); break;
        }
        st = ipc_prepare_buffer(w, child->buffers[1], bytes, &bufs[buf_count++], err);
    }
    if (st != SL_OK)
        goto done;
    int64_t body = 0;
    for (uint32_t i = 0; i < buf_count; i++) {
        descs[2 * i] = body;
        descs[2 * i + 1] = bufs[i].length;
        body += (bufs[i].length + 7) & ~(int64_t)7;
    }
    sl_fb_builder *b = &w->fb;
    sl_fb_ref node_vec = sl_fb_create_vector(b, nodes, 16, n, 8);
    sl_fb_ref buf_vec = sl_fb_create_vector(b, descs, 16, buf_count, 8);
    sl_fb_ref compression = 0;
    if (w->compression != SL_ARROW_IPC_UNCOMPRESSED) {
        int8_t codec = w->compression == SL_ARROW_IPC_ZSTD ? 1 : 0, method = 0;
        sl_fb_table_start(b);
        sl_fb_add_scalar(b, 0, &codec, 1);
        sl_fb_add_scalar(b, 1, &method, 1);
        compression = sl_fb_table_end(b);
    }
    sl_fb_table_start(b);
    sl_fb_add_scalar(b, 0, &rows, 8);
    sl_fb_add_ref(b, 1, node_vec);
    sl_fb_add_ref(b, 2, buf_vec);
    if (compression)
        sl_fb_add_ref(b, 3, compression);
    sl_fb_ref header = sl_fb_table_end(b);
    st = ipc_write_message(w, 3, header, body, true, err);
    for (uint32_t i = 0; i < buf_count && st == SL_OK; i++) {
        if (bufs[i].raw_length != -2)
            st = ipc_write(w, &bufs[i].raw_length, 8, err);
        if (st == SL_OK)
            st = ipc_write(w, bufs[i].data, (size_t)(bufs[i].length - (bufs[i].raw_length != -2 ? 8 : 0)), err);
        if (st == SL_OK)
            st = ipc_pad(w, bufs[i].length, err);
    }
done:
    if (bufs)
        for (uint32_t i = 0; i < buf_count; i++)
            sl_free(bufs[i].owned);
    sl_free(bufs);
    sl_free(nodes);
    sl_free(descs);
    return st;
}

static sl_status ipc_flush_pending(sl_arrow_ipc_writer *w, sl_error *err)
{
    if (!w->pending || w->pending->count == 0)
        return SL_OK;
    struct ArrowArray a;
    SL_TRY(sl_arrow_export_batch(w->pending, &a, err));
    sl_status st = ipc_write_array(w, &a, err);
    a.release(&a);
    sl_batch_free(w->pending);
    w->pending = NULL;
    return st;
}

/* ------------------------------------------------------------------ public */

static void ipc_writer_free(sl_arrow_ipc_writer *w)
{
    if (!w)
        return;
    sl_batch_free(w->pending);
    sl_fb_builder_free(&w->fb);
    if (w->names)
        for (uint32_t c = 0; c < w->column_count; c++)
            sl_free(w->names[c]);
    sl_free(w->names);
    sl_free(w->types);
    sl_free(w->blocks);
    if (w->zstd)
        ZSTD_freeCCtx(w->zstd);
    sl_free(w);
}

sl_status sl_arrow_ipc_writer_open(const char *path, bool file_format, sl_arrow_ipc_compression compression,
                                   uint32_t column_count, const sl_type *types, const char *const *names,
                                   sl_arrow_ipc_writer **out, sl_error *err)
{
    sl_arrow_ipc_writer *w = sl_calloc(1, sizeof *w);
    if (!w)
        return sl_error_oom(err);
    w->out.fd = -1;
    w->file_format = file_format;
    w->compression = compression;
    w->column_count = column_count;
    sl_fb_builder_init(&w->fb);
    w->types = sl_malloc((column_count ? column_count : 1) * sizeof *w->types);
    w->names = sl_calloc(column_count ? column_count : 1, sizeof *w->names);
    if (!w->types || !w->names) {
        ipc_writer_free(w);
        return sl_error_oom(err);
    }
    for (uint32_t c = 0; c < column_count; c++) {
        w->types[c] = types[c];
        w->names[c] = sl_strdup(names && names[c] ? names[c] : "");
        if (!w->names[c]) {
            ipc_writer_free(w);
            return sl_error_oom(err);
        }
    }
    sl_status st = sl_file_output_open(&w->out, path, err);
    if (st != SL_OK) {
        ipc_writer_free(w);
        return st;
    }
    if (file_format)
        st = ipc_write(w, "ARROW1\0\0", 8, err);
    if (st == SL_OK)
        st = ipc_write_message(w, 1, ipc_schema_table(w), 0, false, err);
    if (st != SL_OK) {
        sl_arrow_ipc_writer_abort(w);
        return st;
    }
    *out = w;
    return SL_OK;
}

sl_status sl_arrow_ipc_writer_write(sl_arrow_ipc_writer *w, const sl_batch *batch, sl_error *err)
{
    if (batch->count == 0)
        return SL_OK;
    if (w->pending && w->pending->count + batch->count > IPC_WRITE_BATCH_ROWS)
        SL_TRY(ipc_flush_pending(w, err));
    if (batch->count >= IPC_WRITE_BATCH_ROWS / 2 && !w->pending) {   /* big enough on its own */
        struct ArrowArray a;
        SL_TRY(sl_arrow_export_batch(batch, &a, err));
        sl_status st = ipc_write_array(w, &a, err);
        a.release(&a);
        return st;
    }
    if (!w->pending) {
        w->pending = sl_batch_new_typed(w->types, w->column_count, IPC_WRITE_BATCH_ROWS);
        if (!w->pending)
            return sl_error_oom(err);
    }
    return sl_batch_append(w->pending, batch, err);
}

sl_status sl_arrow_ipc_writer_commit(sl_arrow_ipc_writer *w, sl_error *err)
{
    sl_status st = ipc_flush_pending(w, err);
    uint32_t end[2] = { 0xFFFFFFFFu, 0 };
    if (st == SL_OK)
        st = ipc_write(w, end, 8, err);
    if (st == SL_OK && w->file_format) {
        sl_fb_builder *b = &w->fb;
        sl_fb_ref schema = ipc_schema_table(w);
        sl_fb_ref dicts = sl_fb_create_vector(b, NULL, 24, 0, 8);
        sl_fb_ref batches = sl_fb_create_vector(b, w->blocks, 24, w->block_count, 8);
        int16_t version = 4;
        sl_fb_table_start(b);
        sl_fb_add_ref(b, 1, schema);
        sl_fb_add_ref(b, 2, dicts);
        sl_fb_add_ref(b, 3, batches);
        sl_fb_add_scalar(b, 0, &version, 2);
        sl_fb_ref footer = sl_fb_table_end(b);
        const uint8_t *data;
        size_t length;
        st = sl_fb_finish(b, footer, &data, &length, err);
        int32_t footer_length = (int32_t)length;
        if (st == SL_OK)
            st = ipc_write(w, data, length, err);
        if (st == SL_OK)
            st = ipc_write(w, &footer_length, 4, err);
        if (st == SL_OK)
            st = ipc_write(w, "ARROW1", 6, err);
    }
    if (st != SL_OK) {
        sl_arrow_ipc_writer_abort(w);
        return st;
    }
    st = sl_file_output_commit(&w->out, err);
    w->out.fd = -1;
    ipc_writer_free(w);
    return st;
}

void sl_arrow_ipc_writer_abort(sl_arrow_ipc_writer *w)
{
    if (!w)
        return;
    sl_file_output_abort(&w->out);
    ipc_writer_free(w);
}
