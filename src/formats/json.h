/*
 * json.h — the JSON reader (newline-delimited objects or one top-level array of objects)
 * and its schema sniffer (formats-internal; users: read_json.c and copy_from.c).
 *
 * Each record is a JSON object; its keys are matched to columns by name. Scalars convert
 * to the column type (strings through the text parsers, so "2024-01-02" fills a DATE);
 * nested objects and arrays become the VARCHAR of their raw JSON text; missing keys and
 * null are NULL; keys without a column are ignored. Parsing is iterative (nesting depth is
 * only counted, never recursed), and errors name file:line:column.
 */
#ifndef SL_FORMATS_JSON_H
#define SL_FORMATS_JSON_H

#include "formats/copy.h"
#include "vector/batch.h"

typedef struct sl_json_reader_config {
    const char *const *paths;     /* borrowed */
    uint32_t path_count;
    uint32_t column_count;
    const sl_type *types;         /* borrowed */
    const char *const *names;     /* borrowed: keys */
    bool ignore_errors;
} sl_json_reader_config;

typedef struct sl_json_reader sl_json_reader;

sl_status sl_json_reader_open(const sl_json_reader_config *config, sl_json_reader **out, sl_error *err);
/* Next batch (caller frees) or *out = NULL at the end; *rejected (optional) grows by the
 * records skipped under ignore_errors. */
sl_status sl_json_reader_next(sl_json_reader *reader, sl_batch **out, int64_t *rejected, sl_error *err);
void sl_json_reader_free(sl_json_reader *reader);

/* Sniffs the keys (in order of first appearance) and types (BOOLEAN, BIGINT, DOUBLE,
 * VARCHAR; nested values VARCHAR) of the first sample_size records of path (arena). */
sl_status sl_json_sniff(sl_arena *arena, const char *path, const sl_copy_options *opts, uint32_t *column_count,
                        sl_type **types, const char ***names, sl_error *err);

/* ------------------------------------------------------------------ writer (json_write.c) */

typedef struct sl_json_writer sl_json_writer;

/* Newline-delimited JSON output for COPY ... TO (FORMAT json): one object per row with the
 * columns as keys in order. names are borrowed. */
sl_status sl_json_writer_open(const char *path, uint32_t column_count, const char *const *names,
                              sl_json_writer **out, sl_error *err);
/* Numbers and booleans are written bare (non-finite doubles as null), NULL as null,
 * everything else as a JSON string with ", \\, control characters escaped. */
sl_status sl_json_writer_write(sl_json_writer *w, const sl_batch *batch, sl_error *err);
sl_status sl_json_writer_commit(sl_json_writer *w, sl_error *err);
/* The writer's output file (to flush it, or make it direct: formats/file_output.h). */
struct sl_file_output *sl_json_writer_output(sl_json_writer *w);
void sl_json_writer_abort(sl_json_writer *w);

/* Appends the JSON string literal of s[0..n) (with quotes) to out. */
struct sl_file_output;
sl_status sl_json_write_string(struct sl_file_output *out, const char *s, size_t n, sl_error *err);
/* Writes the value at physical row `row` of v as JSON: null, a number (BOOLEAN and the
 * numeric types; a non-finite REAL/DOUBLE as null) or a string (VARCHAR, and every other
 * type as its text). */
sl_status sl_json_write_value(struct sl_file_output *out, const sl_vector *v, uint32_t row, sl_error *err);
/* One row as a JSON object {"name": value, ...}: physical row `row` of batch, column c named
 * names[c] (c < count). With `op` not NULL, "op": "<op>" comes first (a changelog row). */
sl_status sl_json_write_row(struct sl_file_output *out, const char *const *names, uint32_t count,
                            const sl_batch *batch, uint32_t row, const char *op, sl_error *err);
/* A Debezium change event {"before": row or null, "after": row or null, "op": "c|u|d"}:
 * rows `before` / `after` of batch, UINT32_MAX for null. */
sl_status sl_json_write_debezium(struct sl_file_output *out, const char *const *names, uint32_t count,
                                 const sl_batch *batch, uint32_t before, uint32_t after, const char *op,
                                 sl_error *err);

#endif
