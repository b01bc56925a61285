/*
 * kafka_sink.h — the writer behind CREATE SINK ... WITH (connector = 'kafka', ...): produces
 * the rows of a query's output batches to a Kafka topic with librdkafka's idempotent
 * producer, and waits for the broker's acknowledgement before a write returns.
 *
 *   CREATE SINK bid_counts AS SELECT auction, count(*) AS n FROM bids GROUP BY auction
 *   WITH (connector = 'kafka', topic = 'bid_counts', properties.bootstrap.server =
 *         '127.0.0.1:9092', format = 'json', key = 'auction');
 *
 * Options (sl_kafka_sink_bind reads them from CREATE SINK's WITH):
 *   topic                         required
 *   properties.bootstrap.server   required; properties.<name> go to librdkafka as <name>
 *   format   'json' (default)     append-only results: one message per row, the value a JSON
 *                                 object with the columns as keys in order. Updating results
 *                                 (an aggregate's changelog) are upserts and need `key`: an
 *                                 insert or update-after is a message whose value is the row,
 *                                 a retraction not immediately followed by a row with the same
 *                                 key is a tombstone (the key with a null value), the
 *                                 update-before of an update is not sent — so a compacted
 *                                 topic (or a reader keeping the last value per key) holds
 *                                 the result
 *            'debezium-json'      a Debezium change event per change: {"before": ..., "after":
 *                                 ..., "op": "c" | "u" | "d"}; an update-before immediately
 *                                 followed by its update-after is one "u" event
 *   key      a column of the query: its value (text) is every message's key, so all changes
 *            of one key go to one partition, in order
 *
 * Values are written as the JSON writer writes them (formats/json.h). The producer has
 * enable.idempotence = true (no duplicates or reordering from its own retries) and acks =
 * all; sl_kafka_sink_write produces every message of the batch, then waits (at most 30 s)
 * until each is acknowledged or failed: SL_OK means the whole batch is stored in the topic.
 *
 * Lifetime: the sink owns its producer; names are copied.
 */
#ifndef SL_CONNECT_KAFKA_SINK_H
#define SL_CONNECT_KAFKA_SINK_H

#include "connect/connector.h"
#include "connect/kafka_common.h"
#include "vector/batch.h"

typedef enum sl_kafka_sink_format {
    SL_KAFKA_SINK_JSON,
    SL_KAFKA_SINK_DEBEZIUM_JSON
} sl_kafka_sink_format;

typedef struct sl_kafka_sink_options {
    const char *sink_name;            /* for messages */
    const char *topic;
    sl_kafka_sink_format format;
    const char *key;                  /* key column name; NULL none */
    sl_kafka_client_options client;
} sl_kafka_sink_options;

typedef struct sl_kafka_sink sl_kafka_sink;

/* Reads and checks CREATE SINK's options (all of them except `connector`, which the caller
 * has read) into *out (arena copies); errors name the option at its position. */
sl_status sl_kafka_sink_bind(sl_arena *arena, const sl_connector_option *options, uint32_t option_count,
                             int position, sl_kafka_sink_options *out, sl_error *err);

/* Makes the producer and checks that the topic exists (the error says so when it does not
 * or the broker cannot be reached) for rows of `column_count` columns named `names`.
 * updating: the query's output is a changelog with retractions (json then needs `key`). */
sl_status sl_kafka_sink_open(const sl_kafka_sink_options *options, uint32_t column_count, const char *const *names,
                             bool updating, sl_kafka_sink **out, sl_error *err);
/* Produces the active rows of `batch` (its change column gives each row's kind) and waits
 * for their acknowledgements. *produced (optional) grows by the messages acknowledged. */
sl_status sl_kafka_sink_write(sl_kafka_sink *sink, const sl_batch *batch, int64_t *produced, sl_error *err);
/* Flushes (bounded), destroys the producer and frees; NULL is fine. */
void sl_kafka_sink_close(sl_kafka_sink *sink);

#endif
