/*
 * arrow_ipc.h — Arrow IPC stream and file format (".arrows" / ".arrow", ".feather" v2):
 * reader for read_arrow() and COPY ... FROM, writer for COPY ... TO (FORMAT arrow|arrows).
 *
 * Both directions reuse the Arrow C Data Interface code in vector/arrow.h: the reader
 * wraps each validated record-batch body in an ArrowArray (zero-copy where the layout
 * allows) and imports it with sl_arrow_import_array_chunked; the writer exports each
 * batch with sl_arrow_export_batch and serializes the buffers. So the type mapping is the
 * one documented in arrow.h.
 *
 * The reader detects the format by its magic ("ARROW1" = file format with a footer, read
 * through the footer's blocks; else the stream format), accepts uncompressed, LZ4_FRAME
 * and ZSTD bodies, dictionary-encoded string columns (with delta dictionaries and, in
 * streams, replacement dictionaries) and validates every offset and length read from the
 * file before using it. Errors name the file, the message or batch and the column.
 */
#ifndef SL_FORMATS_ARROW_IPC_H
#define SL_FORMATS_ARROW_IPC_H

#include "common/alloc.h"
#include "vector/batch.h"

/* ------------------------------------------------------------------ reader */

typedef struct sl_arrow_ipc_reader sl_arrow_ipc_reader;

typedef struct sl_arrow_ipc_reader_config {
    const char *const *paths;   /* files read in order; borrowed for the reader's life */
    uint32_t path_count;
    uint32_t column_count;      /* expected schema (from sl_arrow_ipc_sniff or a table) */
    const sl_type *types;       /* borrowed */
    const char *const *names;   /* borrowed; used in errors */
    bool cast;                  /* convert columns whose type differs (COPY FROM); else a
                                   file whose types differ from `types` is an error */
} sl_arrow_ipc_reader_config;

/* Reads the schema of the Arrow IPC file at path: *column_count, *types, *names
 * (arena-allocated). Unsupported types are SL_ERR_TYPE naming the file and column. */
sl_status sl_arrow_ipc_sniff(sl_arena *arena, const char *path, uint32_t *column_count, sl_type **types,
                             const char ***names, sl_error *err);

sl_status sl_arrow_ipc_reader_open(const sl_arrow_ipc_reader_config *config, sl_arrow_ipc_reader **out,
                                   sl_error *err);
/* Next batch of at most SL_BATCH_CAPACITY rows (caller frees), or *out = NULL at the end. */
sl_status sl_arrow_ipc_reader_next(sl_arrow_ipc_reader *reader, sl_batch **out, sl_error *err);
void sl_arrow_ipc_reader_free(sl_arrow_ipc_reader *reader);

/* ------------------------------------------------------------------ writer */

typedef enum sl_arrow_ipc_compression {
    SL_ARROW_IPC_UNCOMPRESSED = 0,
    SL_ARROW_IPC_LZ4,
    SL_ARROW_IPC_ZSTD
} sl_arrow_ipc_compression;

typedef struct sl_arrow_ipc_writer sl_arrow_ipc_writer;

/* Creates path (atomically replaced on commit) in the file format (file_format = true,
 * magic + footer) or the stream format. Names and types are copied. */
sl_status sl_arrow_ipc_writer_open(const char *path, bool file_format, sl_arrow_ipc_compression compression,
                                   uint32_t column_count, const sl_type *types, const char *const *names,
                                   sl_arrow_ipc_writer **out, sl_error *err);
/* Appends the batch's active rows. Small batches are gathered into record batches of up
 * to 64Ki rows. */
sl_status sl_arrow_ipc_writer_write(sl_arrow_ipc_writer *writer, const sl_batch *batch, sl_error *err);
/* Writes what is pending, the end-of-stream marker (and the footer), and renames the file
 * into place; frees the writer (also on failure). */
sl_status sl_arrow_ipc_writer_commit(sl_arrow_ipc_writer *writer, sl_error *err);
/* Removes the partial file and frees the writer. NULL is fine. */
void sl_arrow_ipc_writer_abort(sl_arrow_ipc_writer *writer);

#endif
