/*
 * csv.h — the CSV reader, its row tokenizer and the dialect/type sniffer (formats-internal).
 *
 * Data flow:  files ──read() in big blocks──► buffer ──sl_csv_split_row──► field offsets
 *             ──convert column by column──► typed vectors of one sl_batch (≤ 2048 rows).
 * The buffer holds whole rows; a row that crosses the end of the buffer is moved to the
 * front and the buffer refilled (grown when one row is larger than the buffer). String
 * fields are copied once, into one heap buffer per batch shared by its VARCHAR columns.
 *
 * Users: read_csv (formats/read_csv.c, sniffs first), COPY FROM (copy_from.c, table types).
 */
#ifndef SL_FORMATS_CSV_H
#define SL_FORMATS_CSV_H

#include "formats/copy.h"
#include "vector/batch.h"

typedef struct sl_csv_dialect {
    char delimiter;
    char quote;                   /* '\0' = no quoting */
    char escape;                  /* inside quotes; equal to quote = doubled quotes */
    bool header;                  /* first row (after skip) holds names */
    const char *null_string;      /* NULL = the empty field is NULL */
    int64_t skip;                 /* lines skipped at the top of each file */
    bool allow_trailing_delimiter;/* a row may end with one extra, empty field (TPC-H .tbl) */
} sl_csv_dialect;

/* ------------------------------------------------------------------ tokenizer */

#define SL_CSV_FIELD_QUOTED  1u
#define SL_CSV_FIELD_ESCAPED 2u   /* contains doubled quotes / escapes to remove */

typedef enum sl_csv_row_status {
    SL_CSV_ROW_OK,
    SL_CSV_ROW_INCOMPLETE,        /* the buffer ends inside the row and more data follows */
    SL_CSV_ROW_UNTERMINATED,      /* end of file inside a quoted field */
    SL_CSV_ROW_BAD_QUOTE          /* a character other than delimiter/newline after a closing quote */
} sl_csv_row_status;

typedef struct sl_csv_row {
    uint32_t field_count;         /* fields in the row (may exceed max_fields; only max_fields stored) */
    size_t next;                  /* offset just past the row's line terminator */
    uint32_t newlines;            /* line breaks consumed, including ones inside quotes */
    uint32_t error_field;         /* UNTERMINATED / BAD_QUOTE: 0-based field index */
    size_t error_offset;          /* BAD_QUOTE: offset of the unexpected character */
} sl_csv_row;

/* Builds the "stop byte" table for unquoted scanning (delimiter, '\n', '\r'). */
void sl_csv_special_init(const sl_csv_dialect *d, bool special[256]);

/* Splits the row starting at buf[pos] (buf[end] must be a readable sentinel byte, any
 * value). Field i (< max_fields) is buf[fstart[i] .. fstart[i]+flen[i]) without its quotes,
 * with flags in fflags[i]. eof says no data follows buf[end]. */
sl_csv_row_status sl_csv_split_row(const sl_csv_dialect *d, const bool *special, const char *buf, size_t pos,
                                   size_t end, bool eof, uint32_t max_fields, uint32_t *fstart, uint32_t *flen,
                                   uint8_t *fflags, sl_csv_row *row);

/* Copies a quoted field's content without its escape characters into dst (room for n
 * bytes); returns the new length. */
uint32_t sl_csv_unescape(const sl_csv_dialect *d, const char *src, uint32_t n, char *dst);

/* ------------------------------------------------------------------ reader */

typedef struct sl_csv_reader_config {
    const char *const *paths;     /* borrowed; must outlive the reader */
    uint32_t path_count;
    sl_csv_dialect dialect;
    uint32_t column_count;
    const sl_type *types;         /* borrowed */
    const char *const *names;     /* borrowed, for error messages and header checks */
    bool ignore_errors;
    bool check_header_names;      /* with header: every file's header must equal names */
} sl_csv_reader_config;

typedef struct sl_csv_reader sl_csv_reader;

/* Opens a reader (files are opened lazily, in order). *out is owned by the caller
 * (sl_csv_reader_free). */
sl_status sl_csv_reader_open(const sl_csv_reader_config *config, sl_csv_reader **out, sl_error *err);
/* Next batch (caller frees) or *out = NULL after the last file. *rejected (optional) is
 * increased by the rows skipped under ignore_errors. Errors name file:line:field. */
sl_status sl_csv_reader_next(sl_csv_reader *reader, sl_batch **out, int64_t *rejected, sl_error *err);
/* Bytes read from files so far (for MB/s measurements and progress). */
int64_t sl_csv_reader_bytes_read(const sl_csv_reader *reader);
/* Bytes of all the reader's files (their sizes now; unreadable files count 0). */
int64_t sl_csv_reader_bytes_total(const sl_csv_reader *reader);
void sl_csv_reader_free(sl_csv_reader *reader);

/* ------------------------------------------------------------------ sniffer (csv_sniff.c) */

typedef struct sl_csv_sniff_result {
    sl_csv_dialect dialect;
    uint32_t column_count;
    sl_type *types;               /* arena */
    const char **names;           /* arena */
} sl_csv_sniff_result;

/* Decides dialect (unless given in opts), header (unless given), column names and types
 * (unless opts->columns) from the first rows of `path`. Allocates into arena. */
sl_status sl_csv_sniff(sl_arena *arena, const char *path, const sl_copy_options *opts, sl_csv_sniff_result *out,
                       sl_error *err);

/* ------------------------------------------------------------------ writer (csv_write.c) */

typedef struct sl_csv_writer sl_csv_writer;

/* Creates the output file for COPY ... TO (written atomically on commit). Options used:
 * delimiter (','), quote ('"'), escape (= quote), null string (""), header (default true,
 * like DuckDB). names (borrowed, column_count entries) feed the header row. */
sl_status sl_csv_writer_open(const char *path, const sl_copy_options *opts, uint32_t column_count,
                             const char *const *names, sl_csv_writer **out, sl_error *err);
/* Writes the active rows of batch (columns in order). Per the CSV output contract: NULL is
 * the null string (empty by default), a field is quoted when it contains the delimiter,
 * quote, escape, CR or LF, or when it is an empty string or equals the null string. */
sl_status sl_csv_writer_write(sl_csv_writer *w, const sl_batch *batch, sl_error *err);
/* The writer's output file (to flush it, or make it direct: formats/file_output.h). */
struct sl_file_output *sl_csv_writer_output(sl_csv_writer *w);
/* Finishes the file and frees w (also on error). */
sl_status sl_csv_writer_commit(sl_csv_writer *w, sl_error *err);
/* Deletes the partial file and frees w. NULL is fine. */
void sl_csv_writer_abort(sl_csv_writer *w);

/* ------------------------------------------------------------------ files */

/* Expands a path or glob pattern into a sorted list of files (arena). No match is an
 * SL_ERR_IO error naming the pattern. */
sl_status sl_file_glob(sl_arena *arena, const char *pattern, const char ***paths, uint32_t *count, sl_error *err);

#endif
