/*
 * file_output.h — buffered, atomically committed output file used by the CSV and JSON
 * writers (COPY ... TO).
 *
 * Bytes go to "<path>.tmp.<pid>" through a 1 MiB buffer; sl_file_output_commit flushes and
 * renames it over <path>, so readers never see a half-written file and a failed COPY
 * leaves the old file untouched; sl_file_output_abort removes the temporary file.
 */
#ifndef SL_FORMATS_FILE_OUTPUT_H
#define SL_FORMATS_FILE_OUTPUT_H

#include "common/alloc.h"

typedef struct sl_file_output {
    int fd;
    char *path;           /* final name */
    char *temp_path;
    char *buf;
    size_t size;
    size_t cap;
    int64_t bytes_written;
} sl_file_output;

sl_status sl_file_output_open(sl_file_output *out, const char *path, sl_error *err);
sl_status sl_file_output_flush(sl_file_output *out, sl_error *err);
/* Appends n bytes (flushing as needed). */
sl_status sl_file_output_write(sl_file_output *out, const void *data, size_t n, sl_error *err);
static inline sl_status sl_file_output_putc(sl_file_output *out, char c, sl_error *err)
{
    if (out->size == out->cap)
        SL_TRY(sl_file_output_flush(out, err));
    out->buf[out->size++] = c;
    return SL_OK;
}
/* An output kept in memory instead of a file: the bytes collect in buf[0..size), the
 * buffer growing as needed (a flush makes room), so text can be built with the writers'
 * helpers (stream/late_rows.c renders a row as JSON). Release with sl_file_output_abort;
 * never commit it. */
sl_status sl_file_output_open_memory(sl_file_output *out, sl_error *err);
/* Makes an open file output write straight into its final path from now on (sinks of
 * continuous queries, api/background.c): renames the temporary file over <path> at once,
 * so every sl_file_output_flush is visible there; commit then only flushes and closes,
 * and abort closes without deleting. */
sl_status sl_file_output_make_direct(sl_file_output *out, sl_error *err);
/* Flushes, closes and renames into place; frees everything (also on failure). */
sl_status sl_file_output_commit(sl_file_output *out, sl_error *err);
/* Closes and deletes the temporary file; frees everything. Safe on a failed open. */
void sl_file_output_abort(sl_file_output *out);

#endif
