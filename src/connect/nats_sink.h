/*
 * nats_sink.h — the writer behind CREATE SINK ... WITH (connector = 'nats', ...): publishes
 * the rows of a query's output batches to a NATS JetStream subject, one message per row,
 * and waits for JetStream's publish acks before a write returns.
 *
 *   CREATE SINK big_bids AS SELECT auction, price FROM bid WHERE price > 1000000
 *   WITH (connector = 'nats', server = 'nats://127.0.0.1:4222', subject = 'bids.big',
 *         format = 'json');
 *
 * Options (sl_nats_sink_options; the CREATE SINK binder fills them from WITH):
 *   server   NATS URL (default nats://127.0.0.1:4222)
 *   subject  required: the subject every message is published to (no wildcards); a
 *            JetStream stream must store it, or every publish fails ("no responders")
 *   format   'json' (default): one object per row, the columns as keys in order; rows of
 *            an updating result carry "op" first ('+I', '-U', '+U', '-D', as EMIT CHANGES
 *            prints them and the file sink writes them)
 *            'debezium-json': a Debezium change event per change: {"before": ..., "after":
 *            ..., "op": "c" | "u" | "d"}; an update-before row immediately followed by its
 *            update-after row in the same batch becomes one "u" event, an insert "c", a
 *            retraction "d" (an update half without its partner is written as "d" / "c")
 *
 * Values are written as the JSON writer writes them (formats/json.h: numbers and booleans
 * bare, NULL null, everything else a string). Messages are published asynchronously
 * within a batch, then sl_nats_sink_write waits (at most 10 s) until JetStream has acked
 * every one: when it returns SL_OK, every row of the batch is stored in the stream. A
 * failed or unacknowledged publish fails the write with the server's reason; the rows
 * before it may have been stored (at-least-once on a retry, which the sink does not do).
 *
 * Lifetime: the sink owns its connection; names are copied.
 */
#ifndef SL_CONNECT_NATS_SINK_H
#define SL_CONNECT_NATS_SINK_H

#include "vector/batch.h"

typedef enum sl_nats_sink_format {
    SL_NATS_SINK_JSON,
    SL_NATS_SINK_DEBEZIUM_JSON
} sl_nats_sink_format;

typedef struct sl_nats_sink_options {
    const char *sink_name;       /* for messages */
    const char *server;          /* NULL: nats://127.0.0.1:4222 */
    const char *subject;
    sl_nats_sink_format format;
    bool op_field;               /* json: write "op" first (the query's result is updating) */
} sl_nats_sink_options;

typedef struct sl_nats_sink sl_nats_sink;

/* "json" | "debezium-json" (case-insensitive); false for another name. */
bool sl_nats_sink_format_parse(const char *name, sl_nats_sink_format *out);
/* Checks the subject (not empty, no wildcard, no spaces); the message names the problem. */
sl_status sl_nats_sink_check_subject(const char *subject, sl_error *err);

/* Connects (the server must be reachable now: the error says so) and prepares to publish
 * rows of `column_count` columns named `names`. */
sl_status sl_nats_sink_open(const sl_nats_sink_options *options, uint32_t column_count, const char *const *names,
                            sl_nats_sink **out, sl_error *err);
/* Publishes the active rows of `batch` (its change column gives each row's kind) and
 * waits for their acks. *published (optional) grows by the messages acked. */
sl_status sl_nats_sink_write(sl_nats_sink *sink, const sl_batch *batch, int64_t *published, sl_error *err);
/* Closes the connection (after a bounded flush) and frees; NULL is fine. */
void sl_nats_sink_close(sl_nats_sink *sink);

#endif
