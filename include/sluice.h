/*
 * sluice.h — the embeddable C API of Sluice, a streaming-first vectorized SQL engine.
 *
 * Handles are opaque and caller-owned: every sluice_X_open/new/prepare has a matching
 * close/free. Every fallible call returns sluice_status (SLUICE_OK == 0). On failure the
 * out-parameters are left untouched and the message is available from the handle the
 * call was made on (sluice_connection_error) or, for sluice_open, through *error_message.
 * No call aborts or exits the host process; out of memory is reported as SLUICE_ERROR_OOM.
 *
 * Results cross the boundary as Apache Arrow: sluice_result_arrow_stream() moves a result
 * into an ArrowArrayStream (C Stream Interface); sluice_register_arrow_stream() makes an
 * external stream queryable as a table.
 *
 * Threading: a database may be shared by threads; a connection (and the results and
 * statements made from it) is used by one thread at a time.
 */
#ifndef SLUICE_H
#define SLUICE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define SLUICE_VERSION "0.1.0"

typedef struct sluice_database sluice_database;
typedef struct sluice_connection sluice_connection;
typedef struct sluice_result sluice_result;
typedef struct sluice_chunk sluice_chunk;
typedef struct sluice_prepared sluice_prepared;

typedef enum sluice_status {
    SLUICE_OK = 0,
    SLUICE_ERROR_SYNTAX,
    SLUICE_ERROR_CATALOG,
    SLUICE_ERROR_TYPE,
    SLUICE_ERROR_RUNTIME,
    SLUICE_ERROR_INVALID_INPUT,
    SLUICE_ERROR_IO,
    SLUICE_ERROR_OOM,
    SLUICE_ERROR_CONSTRAINT,
    SLUICE_ERROR_CANCELLED,
    SLUICE_ERROR_INVALID_ARGUMENT,
    SLUICE_ERROR_INTERNAL
} sluice_status;

typedef enum sluice_type {
    SLUICE_TYPE_INVALID = 0,
    SLUICE_TYPE_NULL,
    SLUICE_TYPE_BOOLEAN,
    SLUICE_TYPE_TINYINT,
    SLUICE_TYPE_SMALLINT,
    SLUICE_TYPE_INTEGER,
    SLUICE_TYPE_BIGINT,
    SLUICE_TYPE_REAL,
    SLUICE_TYPE_DOUBLE,
    SLUICE_TYPE_DECIMAL,
    SLUICE_TYPE_VARCHAR,
    SLUICE_TYPE_DATE,
    SLUICE_TYPE_TIMESTAMP,
    SLUICE_TYPE_INTERVAL
} sluice_type;

/* Library version string, e.g. "0.1.0". Static storage. */
const char *sluice_version(void);

/* ------------------------------------------------------------------ database */

/* Opens a database. path NULL or ":memory:" is an in-memory database. On failure
 * returns an error status and, if error_message is non-NULL, stores a message the
 * caller frees with sluice_free(). */
sluice_status sluice_open(const char *path, sluice_database **out_database, char **error_message);
/* Closes the database; all connections must be closed first. NULL is a no-op. */
void sluice_close(sluice_database *database);

/* ------------------------------------------------------------------ connections */

sluice_status sluice_connect(sluice_database *database, sluice_connection **out_connection);
void sluice_disconnect(sluice_connection *connection);

/* Message of the last failed call on this connection ("" if none). Valid until the next
 * call on the connection. The message starts with the error class, e.g.
 * "Catalog Error: Table with name lineitm does not exist! Did you mean \"lineitem\"?". */
const char *sluice_connection_error(const sluice_connection *connection);
/* Byte offset into the SQL text of the last error, or -1. */
int sluice_connection_error_offset(const sluice_connection *connection);

/* Cancels the statement running on this connection (callable from another thread or a
 * signal handler). The running call returns SLUICE_ERROR_CANCELLED. */
void sluice_interrupt(sluice_connection *connection);
/* How far the statement running on the connection is: the fraction (0..1) of the input
 * its scans know of (tables, CSV files) read so far, or -1 when nothing is known (no
 * statement, or inputs of unknown size such as streams). Callable from any thread while
 * another runs the statement, like sluice_interrupt (a shell's progress bar). */
double sluice_query_progress(const sluice_connection *connection);

/* Runs every statement in sql; *out_result (if out_result non-NULL) receives the result
 * of the last one, which the caller frees with sluice_result_free. */
sluice_status sluice_query(sluice_connection *connection, const char *sql, sluice_result **out_result);

/* Runs the first statement in sql and stores in *rest the text after it (pointing into
 * sql; "" or only whitespace/comments when none remain). Use it to run a script one
 * statement at a time. If sql holds no statement, *out_result is set to NULL. */
sluice_status sluice_query_first(sluice_connection *connection, const char *sql, const char **rest,
                                 sluice_result **out_result);

/* ------------------------------------------------------------------ results */

void sluice_result_free(sluice_result *result);
/* Does the statement produce rows (queries, EXPLAIN, SHOW) as opposed to DDL/DML? */
bool sluice_result_returns_rows(const sluice_result *result);
/* True for a continuous query (over an unbounded source, or run with execution_mode =
 * 'streaming'): its rows are produced while it runs, so each sluice_result_fetch may wait
 * for the sources; an unbounded one ends only when cancelled with sluice_interrupt. */
bool sluice_result_is_continuous(const sluice_result *result);
uint32_t sluice_result_column_count(const sluice_result *result);
/* Column name and type; names are valid while the result lives. */
const char *sluice_result_column_name(const sluice_result *result, uint32_t column);
sluice_type sluice_result_column_type(const sluice_result *result, uint32_t column);
/* SQL spelling of the column type ("DECIMAL(15,2)"); valid while the result lives. */
const char *sluice_result_column_type_name(const sluice_result *result, uint32_t column);
/* Rows inserted / copied for DML, else 0. */
int64_t sluice_result_rows_changed(const sluice_result *result);
/* Informational message ("skipped 3 malformed rows (ignore_errors)"), or NULL. */
const char *sluice_result_message(const sluice_result *result);

/* Fetches the next chunk of rows (NULL at the end). The caller frees each chunk with
 * sluice_chunk_free; chunks stay valid after the result is freed. */
sluice_status sluice_result_fetch(sluice_result *result, sluice_chunk **out_chunk);
uint64_t sluice_chunk_row_count(const sluice_chunk *chunk);
bool sluice_chunk_is_null(const sluice_chunk *chunk, uint32_t column, uint64_t row);
/* Renders one value as text per the CSV contract (NULL renders as ""). Writes at most cap
 * bytes including the terminating NUL; returns the full length, like snprintf. */
size_t sluice_chunk_value_text(const sluice_chunk *chunk, uint32_t column, uint64_t row, char *buf, size_t cap);
void sluice_chunk_free(sluice_chunk *chunk);

/* ---- continuous results (sluice_result_is_continuous) */

/* Like sluice_result_fetch, but waits at most timeout_ms for the next chunk: *out_chunk
 * is NULL when none arrived in time or when the query ended (sluice_result_is_finished). */
sluice_status sluice_result_poll(sluice_result *result, int timeout_ms, sluice_chunk **out_chunk);
/* True once every chunk of the result has been fetched (a continuous query ended). */
bool sluice_result_is_finished(const sluice_result *result);
/* True when a continuous result is updating (its final table is delivered when the
 * inputs end) rather than append-only or a changelog (EMIT CHANGES). */
bool sluice_result_is_updating(const sluice_result *result);
/* An updating continuous result's table as it stands now, as a new (finished) result. */
sluice_status sluice_result_snapshot(sluice_result *result, sluice_result **out_snapshot);

typedef struct sluice_progress {
    uint64_t source_rows;       /* rows the sources produced so far */
    bool has_watermark;
    int64_t watermark_micros;   /* the lowest source watermark (microseconds since the epoch) */
    uint64_t state_rows;        /* rows, groups and windows held by the operators */
    uint64_t state_bytes;
} sluice_progress;
/* Counters of a running continuous query (zeroes once it ended). */
sluice_status sluice_result_progress(sluice_result *result, sluice_progress *out_progress);

/* Moves the remaining rows of the result into an Arrow C stream (the result handle
 * must still be freed and no longer fetches). stream is an `struct ArrowArrayStream *`. */
sluice_status sluice_result_arrow_stream(sluice_result *result, void *out_arrow_stream);

/* ------------------------------------------------------------------ prepared statements */

/* Prepares one statement; parameters are written $1, $2, ... or ?. */
sluice_status sluice_prepare(sluice_connection *connection, const char *sql, sluice_prepared **out_statement);
void sluice_prepared_free(sluice_prepared *statement);
uint32_t sluice_prepared_parameter_count(const sluice_prepared *statement);
/* Binds parameter `index` (1-based). Values are copied. */
sluice_status sluice_bind_null(sluice_prepared *statement, uint32_t index);
sluice_status sluice_bind_boolean(sluice_prepared *statement, uint32_t index, bool value);
sluice_status sluice_bind_int64(sluice_prepared *statement, uint32_t index, int64_t value);
sluice_status sluice_bind_double(sluice_prepared *statement, uint32_t index, double value);
sluice_status sluice_bind_text(sluice_prepared *statement, uint32_t index, const char *value, size_t length);
sluice_status sluice_prepared_execute(sluice_prepared *statement, sluice_result **out_result);

/* ------------------------------------------------------------------ Arrow import */

/* Registers an ArrowArrayStream (`struct ArrowArrayStream *`) as table `name`. The stream
 * is consumed (moved): Sluice reads it to its end, keeps the arrays zero-copy where the
 * layouts agree, and releases the stream. */
sluice_status sluice_register_arrow_stream(sluice_connection *connection, const char *name, void *arrow_stream);

/* Frees memory Sluice handed to the caller (error messages). */
void sluice_free(void *pointer);

#ifdef __cplusplus
}
#endif

#endif
