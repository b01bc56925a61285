/*
 * record.h — decoding records of live sources (Kafka and NATS messages, lines of a tailed
 * file) into rows of the source's schema, and the bad-record policy.
 *
 * Data flow: a connector reads raw records (bytes plus where they came from), hands each
 * to sl_record_decoder_add, and when it has a batch's worth (or nothing more is available
 * now) takes the rows with sl_record_decoder_flush and emits them. A record that does not
 * decode goes through the source's `on_error` policy (sl_reject_policy): 'fail' stops the
 * query with an error naming what and where; 'skip' drops and counts it; 'dead_letter'
 * also appends it to `dead_letter_table` (and, for Kafka, `dead_letter_topic`). Every
 * reject keeps its origin, the error and up to 1 KB of the raw bytes. Nothing disappears:
 * records in = rows out + records rejected, and the counts are visible per partition in
 * the system table sluice_sources.
 *
 * Formats: 'json' (one object per record; keys matched to columns by name, case-
 * insensitively; missing keys and nulls are NULL, extra keys ignored, nested values become
 * their JSON text in VARCHAR columns; iterative parser, any nesting depth without
 * recursion), 'csv' (one line per record; the columns in declared order, metadata
 * columns left out; an empty unquoted field is NULL, missing trailing fields are NULL,
 * extra fields are ignored), 'raw' (the
 * bytes in the single VARCHAR column), 'debezium-json' (a Debezium change event: op c/r
 * -> insert of `after`, u -> retraction of `before` + insert of `after`, d -> retraction
 * of `before`, delivered through the batch's change column; an update is the pair
 * SL_CHANGE_UPDATE_BEFORE / SL_CHANGE_UPDATE_AFTER in one batch; the event may be wrapped
 * in {"schema":...,"payload":{...}}; an empty or `null` record is a tombstone: no
 * rows), 'avro' (Confluent wire format: magic byte, schema id, Avro binary; the schema
 * declared in avro_schema, no registry client; a long read into a TIMESTAMP column is
 * epoch milliseconds).
 * Invalid UTF-8 in text, numbers out of range of the column type, a NULL event-time
 * column and records over max_record_bytes are errors of the record.
 *
 * Metadata columns: a declared column may take a record's metadata instead of a field
 * (Flink/RisingWave style, `col TYPE METADATA FROM 'offset'` is not parsed yet; by name:
 * columns named `_key`, `_partition`, `_offset`, `_timestamp`, `_headers` are filled
 * from the origin when the connector provides them).
 *
 * Lifetime: the decoder copies what it keeps; `data` is borrowed for the call.
 */
#ifndef SL_FORMATS_RECORD_H
#define SL_FORMATS_RECORD_H

#include "exec/operator.h"

struct sl_catalog;
struct sl_table;

typedef enum sl_record_format {
    SL_RECORD_JSON,
    SL_RECORD_CSV,
    SL_RECORD_RAW,
    SL_RECORD_DEBEZIUM_JSON,
    SL_RECORD_AVRO
} sl_record_format;

/* "json" ... "avro" (case-insensitive); false for an unknown name. */
bool sl_record_format_parse(const char *name, sl_record_format *out);

/* Where a record came from: a partition and offset (Kafka), a stream sequence (NATS), a
 * file and line (files). Unknown fields are -1 / NULL. */
typedef struct sl_record_origin {
    const char *source;          /* the source's name */
    int32_t partition;
    int64_t offset;
    const char *file;
    int64_t line;
    int64_t timestamp_micros;    /* broker timestamp (metadata column _timestamp) */
    const char *key;             /* message key (metadata column _key) */
    size_t key_length;
    const char *headers;         /* message headers as a JSON object text (metadata column _headers), or NULL */
    size_t headers_length;
} sl_record_origin;

/* The decoder's configuration (borrowed for the decoder's life). */
typedef struct sl_record_decoder_config {
    sl_record_format format;
    uint32_t column_count;
    const sl_type *types;
    const char *const *names;
    int32_t event_time_column;   /* must not be NULL in a record; -1 = none */
    size_t max_record_bytes;     /* 0 = 1 MiB */
    char csv_delimiter;          /* 0 = ',' */
    const char *avro_schema;     /* AVRO: the writer schema as JSON text (source option avro.schema) */
} sl_record_decoder_config;

typedef struct sl_record_decoder sl_record_decoder;

sl_status sl_record_decoder_new(const sl_record_decoder_config *config, sl_record_decoder **out, sl_error *err);
void sl_record_decoder_free(sl_record_decoder *decoder);
/* Decodes one record into the pending rows. A record that does not decode leaves the
 * pending rows as they were and returns SL_ERR_INVALID_INPUT with a message naming the
 * problem and the origin ("source 'bids' partition 3 offset 1234: invalid JSON at byte 17:
 * ..."); the caller applies the reject policy. */
sl_status sl_record_decoder_add(sl_record_decoder *decoder, const char *data, size_t length,
                                const sl_record_origin *origin, sl_error *err);
/* Rows decoded so far (not yet flushed). */
uint32_t sl_record_decoder_pending(const sl_record_decoder *decoder);
/* At most SL_BATCH_CAPACITY rows are pending, and one record makes up to 2 rows (a
 * debezium-json update): true when the next record might not fit, so flush first (an
 * add that does not fit fails with SL_ERR_INTERNAL). */
bool sl_record_decoder_full(const sl_record_decoder *decoder);
/* Moves the pending rows into a new batch (caller frees; change column set for
 * debezium-json); *out = NULL when none are pending. */
sl_status sl_record_decoder_flush(sl_record_decoder *decoder, sl_batch **out, sl_error *err);

/* ---- the bad-record policy */

typedef enum sl_on_error {
    SL_ON_ERROR_FAIL,
    SL_ON_ERROR_SKIP,
    SL_ON_ERROR_DEAD_LETTER
} sl_on_error;

/* "fail" | "skip" | "dead_letter"; false for an unknown name. */
bool sl_on_error_parse(const char *name, sl_on_error *out);

/* The dead-letter table's schema, created when absent (an existing table must match):
 *   source VARCHAR, partition INTEGER, "offset" BIGINT, file VARCHAR, line BIGINT,
 *   error VARCHAR, raw VARCHAR (at most 1 KB of the record; invalid UTF-8 bytes as \xNN),
 *   at TIMESTAMP (wall clock) */
sl_status sl_dead_letter_table_create(struct sl_catalog *catalog, const char *name, sl_error *err);

typedef struct sl_reject_policy {
    sl_on_error on_error;
    struct sl_catalog *catalog;
    struct sl_table *dead_letter_table;   /* DEAD_LETTER: NULL = none (a topic only) */
} sl_reject_policy;

/* Applies the policy to a record that failed with `error`: FAIL returns the error
 * (unchanged code and message); SKIP and DEAD_LETTER return SL_OK after counting it
 * (*rejected += 1) and, for DEAD_LETTER with a table, appending it there. */
sl_status sl_reject_record(const sl_reject_policy *policy, const sl_record_origin *origin, const char *data,
                           size_t length, const sl_error *error, int64_t *rejected, sl_error *err);

#endif
