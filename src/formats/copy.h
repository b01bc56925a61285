/*
 * copy.h — options of the file formats (CSV, JSON) shared by COPY ... FROM / TO and the
 * read_csv / read_json table functions, and the COPY FROM entry point.
 *
 * Options arrive as name/value pairs (COPY t FROM 'f' (FORMAT csv, HEADER, DELIMITER '|')
 * or read_csv('f', header = true, delim = '|')) and are parsed once, at bind time, into an
 * sl_copy_options that lives in the statement's arena and is read-only afterwards (the
 * physical plan points at it: sl_physical_op.copy). Unknown options, wrong value types and
 * impossible values are errors naming the option.
 *
 * Fields left "unset" (the *_set flags false, header < 0) are decided later: by the sniffer
 * for read_csv, by the table schema for COPY FROM, by the format defaults for COPY TO.
 */
#ifndef SL_FORMATS_COPY_H
#define SL_FORMATS_COPY_H

#include "common/alloc.h"
#include "vector/value.h"

struct sl_table;
struct sl_exec_context;

typedef enum sl_copy_format {
    SL_COPY_FORMAT_CSV = 0,
    SL_COPY_FORMAT_JSON,
    SL_COPY_FORMAT_PARQUET,
    SL_COPY_FORMAT_ARROW,        /* Arrow IPC file format (.arrow, .feather) — formats/arrow_ipc.h */
    SL_COPY_FORMAT_ARROWS        /* Arrow IPC stream format (.arrows) */
} sl_copy_format;

typedef struct sl_copy_options {
    sl_copy_format format;
    const char *path;            /* file name or glob pattern (arena string) */

    int header;                  /* -1 = not given (auto-detect / default), 0 = no, 1 = yes */
    char delimiter;              /* CSV field separator */
    bool delimiter_set;
    char quote;                  /* CSV quote character; '\0' = quoting disabled */
    bool quote_set;
    char escape;                 /* CSV escape character inside quotes (default = quote) */
    bool escape_set;
    const char *null_string;     /* text that reads as NULL; NULL pointer = default "" */
    bool ignore_errors;          /* skip malformed rows and count them in rows_rejected */
    bool auto_detect;            /* sniff dialect / header / types (read_csv default true) */
    bool all_varchar;            /* sniffed columns are all VARCHAR */
    int64_t sample_size;         /* rows sampled by the sniffer (default 20480, -1 = all of the first block) */
    int64_t skip;                /* lines skipped at the top of each file */

    /* Explicit schema: columns = {'a': 'INTEGER', ...} gives names and types; names = [...]
     * only names; types = [...] only types. 0 = not given. */
    uint32_t column_count;
    const char **column_names;   /* column_count names or NULL */
    sl_type *column_types;       /* column_count types or NULL */
    uint32_t name_count;         /* names = [...] without types */
    const char **names;
    uint32_t type_count;         /* types = [...] without names */
    sl_type *types;

    /* COPY TO */
    bool overwrite;              /* reserved; files are always replaced */

    /* Parquet (formats/parquet.h) */
    bool format_set;             /* FORMAT given explicitly (else a .parquet path means Parquet) */
    int compression;             /* COMPRESSION: -1 = default (snappy), else a PQ_CODEC_* value */
    int64_t row_group_size;      /* ROW_GROUP_SIZE: 0 = default (122880) */
} sl_copy_options;

/* Fills opts with the defaults (CSV, header unset, auto_detect true, sample 20480). */
void sl_copy_options_init(sl_copy_options *opts);

/* Applies one option (name in any case) to opts. Strings are copied into arena. Accepted
 * names: format, header, delim/delimiter/sep, quote, escape, null/nullstr, ignore_errors,
 * auto_detect, all_varchar, sample_size, skip, columns, names/column_names,
 * types/column_types, overwrite/overwrite_or_ignore. A boolean option given without value
 * (COPY ... (HEADER)) arrives as a BOOLEAN true value. Errors: SL_ERR_INVALID_ARG naming
 * the option ("unknown COPY option 'foo'"; "DELIMITER must be a single character"). */
sl_status sl_copy_option_set(sl_arena *arena, sl_copy_options *opts, const char *name, const sl_value *value,
                             sl_error *err);

/* Applies `count` options in order (see sl_copy_option_set). */
/* The effective format: opts->format, or Parquet when FORMAT was not given and the path
 * ends in .parquet (any case). */
sl_copy_format sl_copy_effective_format(const sl_copy_options *opts);

sl_status sl_copy_options_parse(sl_arena *arena, sl_copy_options *opts, uint32_t count, const char *const *names,
                                const sl_value *values, sl_error *err);

/* COPY table FROM opts->path: reads every file matching the path (a glob) in opts->format
 * with the table's column types (no type sniffing; CSV header defaults to false and the
 * dialect to ',' and '"' unless given; a trailing delimiter at the end of every line, as
 * in TPC-H .tbl files, is tolerated) and appends the rows with sl_table_append.
 * *rows_loaded / *rows_rejected (optional) receive the counts; rejected rows (only with
 * ignore_errors) are also added to exec->rows_rejected, and exec->rows_affected is set to
 * rows_loaded. On error nothing more is appended, but batches appended before the error
 * stay (the caller's statement rollback, if any, removes them). exec may be NULL. */
sl_status sl_copy_from(struct sl_exec_context *exec, struct sl_table *table, const sl_copy_options *opts,
                       int64_t *rows_loaded, int64_t *rows_rejected, sl_error *err);

#endif
