/*
 * kafka_sink.c — CREATE SINK ... WITH (connector = 'kafka'): the idempotent librdkafka
 * producer writing a query's output rows to a topic (see kafka_sink.h for the options and
 * the message forms).
 *
 * Each message value is rendered into an in-memory output (formats/file_output.h) with the
 * JSON writer's value functions and handed to librdkafka, which copies it; the key is the
 * key column's text. A write produces the whole batch, then flushes and checks the
 * delivery report of every message (counted by the delivery callback).
 */
#include "connect/kafka_sink.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "exec/operator.h"
#include "formats/file_output.h"
#include "formats/json.h"

#define ME "kafka"
#define KAFKA_SINK_FLUSH_MS 30000
#define KAFKA_SINK_METADATA_MS 10000

struct sl_kafka_sink {
    sl_kafka_sink_options options;
    char what[300];
    rd_kafka_t *producer;
    rd_kafka_topic_t *topic;
    uint32_t column_count;
    char **names;
    int32_t key_column;              /* -1 none */
    bool updating;
    sl_file_output message;          /* in memory: the value being built */
    bool message_open;
    char key[256];                   /* the key's text (longer keys are rendered in key_long) */
    sl_file_output key_long;
    bool key_long_open;
    int64_t delivered;               /* delivery reports: acknowledged */
    int64_t failed;                  /* delivery reports: failed */
    char first_failure[512];
    char *topic_name;                /* copies: options' strings belong to the caller */
    char *bootstrap;
};

/* ------------------------------------------------------------------ options */

static const char *const sink_options[] = { "topic", "format", "key", NULL };

sl_status sl_kafka_sink_bind(sl_arena *arena, const sl_connector_option *options, uint32_t option_count,
                             int position, sl_kafka_sink_options *out, sl_error *err)
{
    memset(out, 0, sizeof *out);
    out->format = SL_KAFKA_SINK_JSON;
    for (uint32_t i = 0; i < option_count; i++) {
        const sl_connector_option *o = &options[i];
        bool known = sl_kafka_property_option(o->name);
        for (size_t k = 0; sink_options[k] && !known; k++)
            known = strcmp(sink_options[k], o->name) == 0;
        if (!known)
            return sl_error_set_at(err, SL_ERR_INVALID_ARG, o->position,
                                   "unknown sink option '%s' (a kafka sink takes connector, topic, "
                                   "properties.bootstrap.server, format, key and properties.<librdkafka property>)",
                                   o->name);
        if (strcmp(o->name, "topic") == 0 || strcmp(o->name, "key") == 0) {
            if (!o->value[0])
                return sl_connector_option_error(err, o, ME, "must not be empty");
            const char *copy = sl_arena_strdup(arena, o->value);
            if (!copy)
                return sl_error_oom(err);
            if (o->name[0] == 't')
                out->topic = copy;
            else
                out->key = copy;
        } else if (strcmp(o->name, "format") == 0) {
            if (strcasecmp(o->value, "json") == 0)
                out->format = SL_KAFKA_SINK_JSON;
            else if (strcasecmp(o->value, "debezium-json") == 0 || strcasecmp(o->value, "debezium_json") == 0)
                out->format = SL_KAFKA_SINK_DEBEZIUM_JSON;
            else
                return sl_connector_option_error(err, o, ME, "expects 'json' or 'debezium-json', got '%s'", o->value);
        }
    }
    if (!out->topic)
        return sl_error_set_at(err, SL_ERR_INVALID_ARG, position, "a kafka sink needs the option topic = '...'");
    SL_TRY(sl_kafka_client_options_read(arena, options, option_count, position, ME, &out->client, err));
    sl_status st = sl_kafka_client_options_check(&out->client, ME, NULL, err);
    if (st != SL_OK && err && err->position < 0)
        err->position = position;
    return st;
}

/* ------------------------------------------------------------------ open, close */

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
    sl_kafka_sink *sink = opaque;
    (void)rk;
    if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
        sink->delivered++;
        return;
    }
    if (sink->failed++ == 0)
        snprintf(sink->first_failure, sizeof sink->first_failure, "%s", rd_kafka_err2str(m->err));
}

void sl_kafka_sink_close(sl_kafka_sink *sink)
{
    if (!sink)
        return;
    if (sink->producer)
        rd_kafka_flush(sink->producer, KAFKA_SINK_FLUSH_MS);
    if (sink->topic)
        rd_kafka_topic_destroy(sink->topic);
    if (sink->producer)
        rd_kafka_destroy(sink->producer);
    if (sink->message_open)
        sl_file_output_abort(&sink->message);
    if (sink->key_long_open)
        sl_file_output_abort(&sink->key_long);
    for (uint32_t c = 0; sink->names && c < sink->column_count; c++)
        sl_free(sink->names[c]);
    sl_free(sink->names);
    sl_free(sink->topic_name);
    sl_free(sink->bootstrap);
    sl_free(sink);
}

static sl_status check_topic(sl_kafka_sink *sink, sl_error *err)
{
    const struct rd_kafka_metadata *md = NULL;
    rd_kafka_resp_err_t e = rd_kafka_metadata(sink->producer, 0, sink->topic, &md, KAFKA_SINK_METADATA_MS);
    if (e != RD_KAFKA_RESP_ERR_NO_ERROR)
        return sl_error_set(err, SL_ERR_IO, "%s: cannot read the topic's metadata from %s: %s", sink->what,
                            sink->options.client.bootstrap, rd_kafka_err2str(e));
    sl_status st = SL_OK;
    if (md->topic_cnt != 1 || md->topics[0].err != RD_KAFKA_RESP_ERR_NO_ERROR || md->topics[0].partition_cnt <= 0)
        st = sl_error_set(err, SL_ERR_IO, "%s: topic '%s' does not exist on %s (%s)", sink->what, sink->options.topic,
                          sink->options.client.bootstrap,
                          md->topic_cnt == 1 ? rd_kafka_err2str(md->topics[0].err) : "no metadata");
    rd_kafka_metadata_destroy(md);
    return st;
}

sl_status sl_kafka_sink_open(const sl_kafka_sink_options *options, uint32_t column_count, const char *const *names,
                             bool updating, sl_kafka_sink **out, sl_error *err)
{
    sl_kafka_sink *sink = sl_calloc(1, sizeof *sink);
    if (!sink)
        return sl_error_oom(err);
    sink->options = *options;
    sink->topic_name = sl_strdup(options->topic);
    sink->bootstrap = sl_strdup(options->client.bootstrap);
    sink->options.topic = sink->topic_name;
    sink->options.client.bootstrap = sink->bootstrap;
    sink->options.sink_name = NULL;   /* only used below, through `what` */
    sink->options.key = NULL;         /* only used below, as key_column */
    sink->column_count = column_count;
    sink->updating = updating;
    sink->key_column = -1;
    snprintf(sink->what, sizeof sink->what, "sink '%s' (topic '%s')", options->sink_name ? options->sink_name : "?",
             options->topic);
    sl_status st = sink->topic_name && sink->bootstrap ? SL_OK : sl_error_oom(err);
    sink->names = sl_calloc(column_count ? column_count : 1, sizeof *sink->names);
    if (!sink->names)
        st = sl_error_oom(err);
    for (uint32_t c = 0; st == SL_OK && c < column_count; c++) {
        if (!(sink->names[c] = sl_strdup(names[c])))
            st = sl_error_oom(err);
        else if (options->key && strcasecmp(options->key, names[c]) == 0)
            sink->key_column = (int32_t)c;
    }
    if (st == SL_OK && options->key && sink->key_column < 0)
        st = sl_error_set(err, SL_ERR_INVALID_ARG, "%s: key column '%s' is not a column of the query", sink->what,
                          options->key);
    if (st == SL_OK && updating && options->format == SL_KAFKA_SINK_JSON && sink->key_column < 0)
        st = sl_error_set(err, SL_ERR_INVALID_ARG,
                          "%s: the query's result is updating (it retracts rows): format = 'json' writes it as "
                          "upserts and needs key = '<column>', or use format = 'debezium-json'",
                          sink->what);
    if (st == SL_OK && (st = sl_file_output_open_memory(&sink->message, err)) == SL_OK)
        sink->message_open = true;
    if (st == SL_OK && (st = sl_file_output_open_memory(&sink->key_long, err)) == SL_OK)
        sink->key_long_open = true;
    if (st == SL_OK) {
        st = sl_kafka_client_new(&options->client, RD_KAFKA_PRODUCER, NULL, NULL, NULL, on_delivery, sink, sink->what,
                                 &sink->producer, err);
    }
    sink->options.client.property_count = 0;   /* used by the producer made above only */
    sink->options.client.property_names = sink->options.client.property_values = NULL;
    if (st == SL_OK && !(sink->topic = rd_kafka_topic_new(sink->producer, sink->topic_name, NULL)))
        st = sl_error_set(err, SL_ERR_IO, "%s: cannot create a topic handle: %s", sink->what,
                          rd_kafka_err2str(rd_kafka_last_error()));
    if (st == SL_OK)
        st = check_topic(sink, err);
    if (st != SL_OK) {
        sl_kafka_sink_close(sink);
        return st;
    }
    *out = sink;
    return SL_OK;
}

/* ------------------------------------------------------------------ rendering */

/* The key text of physical row `row` (NULL and 0 without a key column or for a NULL key).
 * Valid until the next call. */
static const char *key_text(sl_kafka_sink *sink, const sl_batch *batch, uint32_t row, size_t *length)
{
    *length = 0;
    if (sink->key_column < 0)
        return NULL;
    const sl_vector *v = batch->columns[sink->key_column];
    if (!sl_vector_is_valid(v, row))
        return NULL;
    if (v->type.id == SL_TYPE_VARCHAR) {
        const sl_string *s = &SL_VECTOR_DATA(v, sl_string)[row];
        *length = s->length;
        return sl_string_data(s);
    }
    size_t n = sl_format_slot(v, row, sink->key, sizeof sink->key);
    *length = n < sizeof sink->key ? n : sizeof sink->key - 1;
    return sink->key;
}

/* Does row `next` (an insert / update-after) carry the same key as row `row`? */
static bool same_key(sl_kafka_sink *sink, const sl_batch *batch, uint32_t row, uint32_t next)
{
    size_t a_length, b_length;
    const char *a = key_text(sink, batch, row, &a_length);
    if (!a)
        return false;
    /* key_text may reuse sink->key: keep a copy of the first */
    char first[256];
    size_t keep = a_length < sizeof first ? a_length : sizeof first;
    memcpy(first, a, keep);
    const char *b = key_text(sink, batch, next, &b_length);
    return b && a_length == b_length && a_length <= sizeof first && memcmp(first, b, a_length) == 0;
}

/* Hands the message built so far (value; NULL value = tombstone) with row's key to the
 * producer, which copies both; empties the buffer. */
static sl_status produce(sl_kafka_sink *sink, const sl_batch *batch, uint32_t row, bool tombstone, sl_error *err)
{
    size_t key_length;
    const char *key = key_text(sink, batch, row, &key_length);
    int rc = rd_kafka_produce(sink->topic, RD_KAFKA_PARTITION_UA, RD_KAFKA_MSG_F_COPY,
                              tombstone ? NULL : sink->message.buf, tombstone ? 0 : sink->message.size, key,
                              key_length, NULL);
    sink->message.size = 0;
    if (rc == 0)
        return SL_OK;
    rd_kafka_resp_err_t e = rd_kafka_last_error();
    if (e == RD_KAFKA_RESP_ERR__QUEUE_FULL) {   /* wait for room, once */
        rd_kafka_poll(sink->producer, 1000);
        return sl_error_set(err, SL_ERR_IO, "%s: the producer's queue is full (raise "
                            "properties.queue.buffering.max.messages)", sink->what);
    }
    return sl_error_set(err, SL_ERR_IO, "%s: cannot produce to topic '%s': %s", sink->what, sink->options.topic,
                        rd_kafka_err2str(e));
}

sl_status sl_kafka_sink_write(sl_kafka_sink *sink, const sl_batch *batch, int64_t *produced, sl_error *err)
{
    int64_t delivered_before = sink->delivered, failed_before = sink->failed;
    sl_status st = SL_OK;
    sink->message.size = 0;
    for (uint32_t i = 0; i < batch->count && st == SL_OK; i++) {
        uint32_t row = sl_batch_row(batch, i);
        int8_t change = batch->change ? batch->change[row] : SL_CHANGE_INSERT;
        bool has_next = i + 1 < batch->count;
        uint32_t next = has_next ? sl_batch_row(batch, i + 1) : 0;
        int8_t next_change = has_next && batch->change ? batch->change[next] : SL_CHANGE_INSERT;
        if (sink->options.format == SL_KAFKA_SINK_DEBEZIUM_JSON) {
            if (change == SL_CHANGE_UPDATE_BEFORE && has_next && next_change == SL_CHANGE_UPDATE_AFTER) {
                st = sl_json_write_debezium(&sink->message, (const char *const *)sink->names, sink->column_count, batch, row, next, "u", err);
                row = next;   /* the key of the event: the row after */
                i++;
            } else if (change < 0) {
                st = sl_json_write_debezium(&sink->message, (const char *const *)sink->names, sink->column_count, batch, row, UINT32_MAX, "d", err);
            } else {
                st = sl_json_write_debezium(&sink->message, (const char *const *)sink->names, sink->column_count, batch, UINT32_MAX, row, "c", err);
            }
            if (st == SL_OK)
                st = produce(sink, batch, row, false, err);
        } else if (change < 0) {
            /* upsert: the retraction is replaced by a following row of the same key, else
             * it deletes the key */
            bool replaced = has_next && next_change > 0 && same_key(sink, batch, row, next);
            if (!replaced)
                st = produce(sink, batch, row, true, err);
        } else {
            st = sl_json_write_row(&sink->message, (const char *const *)sink->names, sink->column_count, batch, row, NULL, err);
            if (st == SL_OK)
                st = produce(sink, batch, row, false, err);
        }
        rd_kafka_poll(sink->producer, 0);   /* delivery reports as they come */
    }
    /* wait for the acknowledgements of what was produced, also after a failure */
    rd_kafka_resp_err_t e = rd_kafka_flush(sink->producer, KAFKA_SINK_FLUSH_MS);
    if (produced)
        *produced += sink->delivered - delivered_before;
    if (st != SL_OK)
        return st;
    if (e == RD_KAFKA_RESP_ERR__TIMED_OUT)
        return sl_error_set(err, SL_ERR_IO, "%s: %d messages not acknowledged by %s after %d s", sink->what,
                            rd_kafka_outq_len(sink->producer), sink->options.client.bootstrap,
                            KAFKA_SINK_FLUSH_MS / 1000);
    if (sink->failed > failed_before)
        return sl_error_set(err, SL_ERR_IO, "%s: %lld messages failed: %s", sink->what,
                            (long long)(sink->failed - failed_before), sink->first_failure);
    return SL_OK;
}
