/*
 * kafka_source.c — the `kafka` connector: a continuous source over an Apache Kafka topic,
 * read with librdkafka, one split per partition.
 *
 *   CREATE SOURCE bids (auction BIGINT, price BIGINT, date_time TIMESTAMP, _partition INTEGER,
 *                       WATERMARK FOR date_time AS date_time - INTERVAL '1' SECOND)
 *   WITH (connector = 'kafka', topic = 'bids', properties.bootstrap.server = '127.0.0.1:9092',
 *         scan.startup.mode = 'earliest', format = 'json');
 *
 * Options:
 *   topic                          required
 *   properties.bootstrap.server    required: host:port[,host:port...] (also spelled
 *                                  properties.bootstrap.servers)
 *   group.id                       a consumer group: the partitions are split between all
 *                                  readers of the group (Kafka's consumer-group protocol, so
 *                                  several Sluice processes share a topic), and the offsets of
 *                                  delivered records are committed to the group
 *   scan.startup.mode              'earliest' (default), 'latest', 'group-offsets' (needs
 *                                  group.id; a partition without a committed offset starts at
 *                                  the earliest), 'timestamp' (the first record at or after
 *                                  scan.startup.timestamp-millis, milliseconds since 1970)
 *   scan.bounded.mode              'unbounded' (default) or 'latest-offset': each partition ends
 *                                  at the end offset it had when the scan started, so the query
 *                                  ends (exact tests, backfills)
 *   format                         'json' (default), 'csv', 'raw', 'debezium-json', 'avro'
 *   on_error                       'fail' (default), 'skip', 'dead_letter' (formats/record.h)
 *   dead_letter_table              where rejects go (created when absent)
 *   dead_letter_topic              a Kafka topic (same cluster) that receives each rejected
 *                                  record's raw bytes and key, with the headers
 *                                  sluice.error, sluice.topic, sluice.partition, sluice.offset
 *                                  (on_error = 'dead_letter' needs at least one of the two)
 *   properties.<name>              passed to librdkafka as <name> (e.g.
 *                                  properties.fetch.wait.max.ms = '10'); an unknown name or a
 *                                  bad value is an error at CREATE SOURCE
 * plus the options common to every source (connector.h).
 *
 * Columns: declared (required), decoded from the message value by formats/record.h; the
 * metadata columns _key, _partition, _offset, _timestamp and _headers (a JSON object text) come
 * from the decoder's origin.
 *
 * Splits and batches. split_count is the topic's partition count at scan start; split i
 * is partition i. poll() takes what librdkafka has fetched (never waits), decodes each
 * message into its partition's decoder and returns one partition's rows per batch, so
 * watermarks are per partition. Offsets: each partition keeps the next offset to read
 * and the next offset after the rows delivered (sluice_sources shows the latter, with the
 * lag to the partition's high watermark), for a later checkpointing issue to store.
 *
 * Where a partition starts. Without group.id the startup mode alone decides (numeric
 * offsets resolved when the scan starts). With group.id the group's committed offset wins
 * where it exists — that is what lets a restarted query or another process of the group
 * continue where the group stopped, and a partition moved between processes is read once —
 * and the startup mode places a partition that has none.
 *
 * Consumer groups (group.id). The scan subscribes; the group coordinator assigns each
 * process some partitions. split_count is still every partition of the topic: the
 * assigned ones produce rows, the others produce none (they are idle for the watermark:
 * set idle_timeout, or the unassigned partitions hold the watermark back). Offsets of the
 * batches returned are committed on the following poll (by then the batch went through the
 * query: at-least-once), synchronously when partitions are revoked and when the scan ends.
 * With scan.bounded.mode = 'latest-offset' a partition has ended once the group read it
 * to its end offset — read here, or committed by another process of the group — so every
 * process of the group ends when the group has read the topic up to the offsets of start.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <librdkafka/rdkafka.h>

#include "catalog/catalog.h"
#include "connect/connector.h"
#include "connect/kafka_common.h"
#include "formats/record.h"
#include "formats/text_parse.h"

#define ME "kafka"
#define KAFKA_MAX_MESSAGES 1024           /* messages taken from librdkafka per poll */
#define KAFKA_TIMEOUT_MS 10000            /* metadata, offset queries, commits */
#define KAFKA_GROUP_CHECK_MICROS 200000   /* bounded group scans: committed offsets of others */

typedef enum kafka_startup {
    STARTUP_EARLIEST,
    STARTUP_LATEST,
    STARTUP_GROUP_OFFSETS,
    STARTUP_TIMESTAMP
} kafka_startup;

typedef struct kafka_bind {
    sl_catalog *catalog;
    const char *source_name;
    sl_kafka_client_options client;  /* bootstrap, properties.* */
    const char *topic;
    const char *group_id;            /* NULL: no group (assign every partition) */
    kafka_startup startup;
    int64_t startup_millis;
    bool bounded;                    /* scan.bounded.mode = 'latest-offset' */
    sl_record_format format;
    sl_on_error on_error;
    const char *dead_letter_table;   /* NULL: none */
    const char *dead_letter_topic;   /* NULL: none */
    uint32_t column_count;
    sl_type *types;
    const char **names;
    int32_t event_time_column;       /* the WATERMARK FOR column (NULL there rejects a record); -1 none */
} kafka_bind;

typedef struct kafka_partition {
    sl_record_decoder *decoder;
    int64_t read_next;               /* offset after the last message taken; -1 unknown */
    int64_t delivered_next;          /* offset after the records of the batches returned */
    int64_t committed_next;          /* what was committed last (group); -1 none */
    int64_t end_offset;              /* bounded: where the partition ends; -1 unbounded */
    int64_t rows;
    int64_t rejected;
    bool assigned;
    bool ended;
} kafka_partition;

typedef struct kafka_ready {
    sl_batch *batch;
    uint32_t split;
    int64_t next_offset;             /* the partition's offset after this batch's records */
} kafka_ready;

typedef struct kafka_scan {
    const kafka_bind *bind;
    char what[300];                  /* "source 'x' (topic 't')" for messages */
    bool wants_headers;              /* a _headers column is read */
    char *headers;                   /* the current message's headers as JSON text (owned) */
    size_t headers_length, headers_capacity;
    rd_kafka_t *consumer;
    rd_kafka_queue_t *queue;
    rd_kafka_t *dead_letter;         /* producer for dead_letter_topic; NULL none */
    sl_reject_policy policy;
    uint32_t partition_count;
    kafka_partition *partitions;
    kafka_ready *ready;              /* batches decoded, not returned yet (FIFO) */
    uint32_t ready_head, ready_count, ready_capacity;
    uint32_t last_split;
    sl_record_decoder_config decoder_config;
    rd_kafka_message_t *messages[KAFKA_MAX_MESSAGES];
    int64_t last_group_check;
    sl_status failed;                /* an error raised inside a librdkafka callback */
    sl_error failure;
} kafka_scan;

static const char *const kafka_options[] = { "topic",
                                             "properties.bootstrap.server",
                                             "properties.bootstrap.servers",
                                             "group.id",
                                             "scan.startup.mode",
                                             "scan.startup.timestamp_millis",
                                             "scan.bounded.mode",
                                             "format",
                                             "on_error",
                                             "dead_letter_table",
                                             "dead_letter_topic",
                                             NULL };

/* ------------------------------------------------------------------ bind */

static sl_status kafka_bind_spec(sl_arena *arena, const sl_connector_spec *spec, sl_connector_bound *out,
                                 sl_error *err)
{
    SL_TRY(sl_connector_check_options(spec, ME, kafka_options, sl_kafka_property_option, err));
    kafka_bind *b = sl_arena_calloc(arena, sizeof *b);
    if (!b)
        return sl_error_oom(err);
    b->catalog = spec->catalog;
    b->source_name = sl_arena_strdup(arena, spec->source_name ? spec->source_name : "?");
    if (!b->source_name)
        return sl_error_oom(err);
    SL_TRY(sl_kafka_client_options_bind(arena, spec, ME, &b->client, err));
    SL_TRY(sl_connector_option_text(arena, spec, ME, "topic", &b->topic, err));
    SL_TRY(sl_connector_option_text(arena, spec, ME, "group.id", &b->group_id, err));
    SL_TRY(sl_connector_option_text(arena, spec, ME, "dead_letter_table", &b->dead_letter_table, err));
    SL_TRY(sl_connector_option_text(arena, spec, ME, "dead_letter_topic", &b->dead_letter_topic, err));
    if (!b->topic)
        return sl_error_set_at(err, SL_ERR_INVALID_ARG, spec->position, "connector 'kafka' needs the option topic = '...'");

    const sl_connector_option *o;
    b->startup = STARTUP_EARLIEST;
    if ((o = sl_connector_option_find(spec, "scan.startup.mode"))) {
        if (strcasecmp(o->value, "earliest") == 0 || strcasecmp(o->value, "earliest-offset") == 0)
            b->startup = STARTUP_EARLIEST;
        else if (strcasecmp(o->value, "latest") == 0 || strcasecmp(o->value, "latest-offset") == 0)
            b->startup = STARTUP_LATEST;
        else if (strcasecmp(o->value, "group-offsets") == 0)
            b->startup = STARTUP_GROUP_OFFSETS;
        else if (strcasecmp(o->value, "timestamp") == 0)
            b->startup = STARTUP_TIMESTAMP;
        else
            return sl_connector_option_error(err, o, ME, "expects earliest, latest, group-offsets or timestamp, got '%s'",
                                             o->value);
        if (b->startup == STARTUP_GROUP_OFFSETS && !b->group_id)
            return sl_connector_option_error(err, o, ME, "= 'group-offsets' needs group.id = '...'");
    }
    b->startup_millis = -1;
    SL_TRY(sl_connector_option_int(spec, ME, "scan.startup.timestamp_millis", 0, INT64_MAX, &b->startup_millis, err));
    o = sl_connector_option_find(spec, "scan.startup.timestamp_millis");
    if (b->startup == STARTUP_TIMESTAMP && !o)
        return sl_error_set_at(err, SL_ERR_INVALID_ARG, spec->position,
                               "connector 'kafka': scan.startup.mode = 'timestamp' needs scan.startup.timestamp-millis = "
                               "'<milliseconds since 1970>'");
    if (o && b->startup != STARTUP_TIMESTAMP)
        return sl_connector_option_error(err, o, ME, "needs scan.startup.mode = 'timestamp'");
    if ((o = sl_connector_option_find(spec, "scan.bounded.mode"))) {
        if (strcasecmp(o->value, "latest-offset") == 0)
            b->bounded = true;
        else if (strcasecmp(o->value, "unbounded") != 0)
            return sl_connector_option_error(err, o, ME, "expects 'unbounded' or 'latest-offset', got '%s'", o->value);
    }
    b->format = SL_RECORD_JSON;
    if ((o = sl_connector_option_find(spec, "format")) && !sl_record_format_parse(o->value, &b->format))
        return sl_connector_option_error(err, o, ME, "expects json, csv, raw, debezium-json or avro, got '%s'",
                                         o->value);
    b->on_error = SL_ON_ERROR_FAIL;
    if ((o = sl_connector_option_find(spec, "on_error")) && !sl_on_error_parse(o->value, &b->on_error))
        return sl_connector_option_error(err, o, ME, "expects fail, skip or dead_letter, got '%s'", o->value);
    if (b->on_error == SL_ON_ERROR_DEAD_LETTER && !b->dead_letter_table && !b->dead_letter_topic)
        return sl_error_set_at(err, SL_ERR_INVALID_ARG, spec->position,
                               "connector 'kafka': on_error = 'dead_letter' needs dead_letter_table = '<table name>' "
                               "or dead_letter_topic = '<topic>'");
    if (b->on_error != SL_ON_ERROR_DEAD_LETTER) {
        if ((o = sl_connector_option_find(spec, "dead_letter_table")) ||
            (o = sl_connector_option_find(spec, "dead_letter_topic")))
            return sl_connector_option_error(err, o, ME, "needs on_error = 'dead_letter'");
    }

    if (spec->column_count == 0)
        return sl_error_set_at(err, SL_ERR_INVALID_ARG, spec->position,
                               "connector 'kafka' needs declared columns: CREATE SOURCE %s (column type, ...) WITH (...)",
                               b->source_name);
    uint32_t n = spec->column_count;
    b->column_count = n;
    b->types = sl_arena_alloc(arena, sizeof(sl_type) * n);
    b->names = sl_arena_alloc(arena, sizeof(char *) * n);
    if (!b->types || !b->names)
        return sl_error_oom(err);
    b->event_time_column = -1;
    for (uint32_t i = 0; i < n; i++) {
        b->types[i] = spec->columns[i].type;
        if (!(b->names[i] = sl_arena_strdup(arena, spec->columns[i].name)))
            return sl_error_oom(err);
        if (spec->event_time_column && strcasecmp(spec->event_time_column, b->names[i]) == 0)
            b->event_time_column = (int32_t)i;
    }
    /* The decoder checks the columns against the format; librdkafka checks properties.* */
    sl_record_decoder_config config = { .format = b->format,
                                        .column_count = n,
                                        .types = b->types,
                                        .names = b->names,
                                        .event_time_column = b->event_time_column };
    sl_record_decoder *probe = NULL;
    sl_status st = sl_record_decoder_new(&config, &probe, err);
    sl_record_decoder_free(probe);
    if (st == SL_OK)
        st = sl_kafka_client_options_check(&b->client, ME, b->group_id, err);
    if (st != SL_OK) {
        if (err && err->position < 0)
            err->position = spec->position;
        return st;
    }
    out->column_count = n;
    out->types = b->types;
    out->names = b->names;
    out->bind_data = b;
    out->bounded = b->bounded;
    out->default_watermark_column = NULL;
    out->default_watermark_sql = NULL;
    return SL_OK;
}

/* ------------------------------------------------------------------ scan state */

static sl_status scan_fail(kafka_scan *s, sl_status code, const char *fmt, const char *detail)
{
    if (s->failed == SL_OK) {
        s->failed = code;
        sl_error_set(&s->failure, code, fmt, s->what, detail);
    }
    return code;
}

static sl_status take_failure(kafka_scan *s, sl_error *err)
{
    if (err)
        *err = s->failure;
    return s->failed;
}

/* Drops the rows of `split` that were decoded but not returned (its partition was revoked:
 * the next owner reads them again from the committed offset). */
static void drop_undelivered(kafka_scan *s, uint32_t split)
{
    kafka_partition *p = &s->partitions[split];
    sl_batch *pending = NULL;
    sl_error ignored;
    if (sl_record_decoder_flush(p->decoder, &pending, &ignored) == SL_OK)
        sl_batch_free(pending);
    uint32_t kept = 0;
    for (uint32_t i = 0; i < s->ready_count; i++) {
        kafka_ready r = s->ready[(s->ready_head + i) % s->ready_capacity];
        if (r.split == split)
            sl_batch_free(r.batch);
        else
            s->ready[(s->ready_head + kept++) % s->ready_capacity] = r;
    }
    s->ready_count = kept;
    p->read_next = p->delivered_next;
}

/* Commits the delivered offsets of the assigned partitions that moved (group only). With
 * `only` >= 0 just that partition. */
static void commit_delivered(kafka_scan *s, bool sync, const rd_kafka_topic_partition_list_t *only)
{
    if (!s->bind->group_id || !s->consumer)
        return;
    rd_kafka_topic_partition_list_t *list = rd_kafka_topic_partition_list_new((int)s->partition_count);
    if (!list)
        return;
    for (uint32_t i = 0; i < s->partition_count; i++) {
        kafka_partition *p = &s->partitions[i];
        if (!p->assigned || p->delivered_next < 0 || p->delivered_next == p->committed_next)
            continue;
        if (only && !rd_kafka_topic_partition_list_find(only, s->bind->topic, (int32_t)i))
            continue;
        rd_kafka_topic_partition_list_add(list, s->bind->topic, (int32_t)i)->offset = p->delivered_next;
        p->committed_next = p->delivered_next;
    }
    if (list->cnt > 0) {
        rd_kafka_resp_err_t e = rd_kafka_commit(s->consumer, list, sync ? 0 : 1);
        if (e != RD_KAFKA_RESP_ERR_NO_ERROR && sync)
            scan_fail(s, SL_ERR_IO, "%s: cannot commit offsets to the consumer group: %s", rd_kafka_err2str(e));
    }
    rd_kafka_topic_partition_list_destroy(list);
}

/* Resolves the numeric start offset of each listed partition per the startup mode
 * (offsets already >= 0 are kept: committed offsets) and records it in the scan. */
static sl_status resolve_start(kafka_scan *s, rd_kafka_topic_partition_list_t *list)
{
    const kafka_bind *b = s->bind;
    if (b->startup == STARTUP_TIMESTAMP) {
        rd_kafka_topic_partition_list_t *times = rd_kafka_topic_partition_list_new(list->cnt);
        for (int i = 0; i < list->cnt; i++)
            if (list->elems[i].offset < 0)
                rd_kafka_topic_partition_list_add(times, b->topic, list->elems[i].partition)->offset = b->startup_millis;
        if (times->cnt > 0) {
            rd_kafka_resp_err_t e = rd_kafka_offsets_for_times(s->consumer, times, KAFKA_TIMEOUT_MS);
            if (e != RD_KAFKA_RESP_ERR_NO_ERROR) {
                rd_kafka_topic_partition_list_destroy(times);
                return scan_fail(s, SL_ERR_IO, "%s: cannot look up the offsets for scan.startup.timestamp-millis: %s",
                                 rd_kafka_err2str(e));
            }
            for (int i = 0; i < times->cnt; i++) {
                rd_kafka_topic_partition_t *t =
                    rd_kafka_topic_partition_list_find(list, b->topic, times->elems[i].partition);
                /* -1: no record at or after the time: start at the end */
                t->offset = times->elems[i].offset >= 0 ? times->elems[i].offset : RD_KAFKA_OFFSET_END;
            }
        }
        rd_kafka_topic_partition_list_destroy(times);
    }
    for (int i = 0; i < list->cnt; i++) {
        rd_kafka_topic_partition_t *t = &list->elems[i];
        if (t->offset >= 0 && t->offset != RD_KAFKA_OFFSET_END)
            continue;
        int64_t low = 0, high = 0;
        rd_kafka_resp_err_t e =
            rd_kafka_query_watermark_offsets(s->consumer, b->topic, t->partition, &low, &high, KAFKA_TIMEOUT_MS);
        if (e != RD_KAFKA_RESP_ERR_NO_ERROR)
            return scan_fail(s, SL_ERR_IO, "%s: cannot query the offsets of a partition: %s", rd_kafka_err2str(e));
        bool at_end = t->offset == RD_KAFKA_OFFSET_END || b->startup == STARTUP_LATEST;
        t->offset = at_end ? high : low;
    }
    for (int i = 0; i < list->cnt; i++) {
        kafka_partition *p = &s->partitions[list->elems[i].partition];
        p->read_next = p->delivered_next = list->elems[i].offset;
    }
    return SL_OK;
}

/* Rebalance callback (group.id): takes the partitions the coordinator assigns, starting
 * each at the group's committed offset or per the startup mode; gives revoked ones back
 * after committing what was delivered of them. Runs inside poll(), on the scan's thread. */
static void kafka_rebalance(rd_kafka_t *rk, rd_kafka_resp_err_t e, rd_kafka_topic_partition_list_t *list, void *opaque)
{
    kafka_scan *s = opaque;
    if (e == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
        rd_kafka_resp_err_t ce = rd_kafka_committed(rk, list, KAFKA_TIMEOUT_MS);
        if (ce != RD_KAFKA_RESP_ERR_NO_ERROR) {
            scan_fail(s, SL_ERR_IO, "%s: cannot read the consumer group's committed offsets: %s", rd_kafka_err2str(ce));
            rd_kafka_assign(rk, NULL);
            return;
        }
        for (int i = 0; i < list->cnt; i++)
            if (list->elems[i].offset < 0)
                list->elems[i].offset = RD_KAFKA_OFFSET_INVALID;   /* none committed */
        if (resolve_start(s, list) != SL_OK) {
            rd_kafka_assign(rk, NULL);
            return;
        }
        for (int i = 0; i < list->cnt; i++) {
            int32_t partition = list->elems[i].partition;
            if (partition < 0 || (uint32_t)partition >= s->partition_count)
                continue;   /* added after the scan started: not one of its splits */
            kafka_partition *p = &s->partitions[partition];
            p->assigned = true;
            p->committed_next = list->elems[i].offset;
        }
        rd_kafka_assign(rk, list);
    } else {
        commit_delivered(s, true, list);
        for (int i = 0; i < list->cnt; i++) {
            int32_t partition = list->elems[i].partition;
            if (partition < 0 || (uint32_t)partition >= s->partition_count)
                continue;
            drop_undelivered(s, (uint32_t)partition);
            s->partitions[partition].assigned = false;
        }
        rd_kafka_assign(rk, NULL);
    }
}

static void kafka_error_callback(rd_kafka_t *rk, int code, const char *reason, void *opaque)
{
    kafka_scan *s = opaque;
    if (rd_kafka_fatal_error(rk, NULL, 0) != RD_KAFKA_RESP_ERR_NO_ERROR || code == RD_KAFKA_RESP_ERR__FATAL ||
        code == RD_KAFKA_RESP_ERR__AUTHENTICATION)
        scan_fail(s, SL_ERR_IO, "%s: Kafka client error: %s", reason);
    /* other errors (a broker down for a moment) are retried by librdkafka */
}

static void kafka_free(void *state)
{
    kafka_scan *s = state;
    if (!s)
        return;
    if (s->consumer) {
        commit_delivered(s, true, NULL);
        if (s->queue)
            rd_kafka_queue_destroy(s->queue);
        rd_kafka_consumer_close(s->consumer);
        rd_kafka_destroy(s->consumer);
    }
    if (s->dead_letter) {
        rd_kafka_flush(s->dead_letter, KAFKA_TIMEOUT_MS);
        rd_kafka_destroy(s->dead_letter);
    }
    for (uint32_t i = 0; i < s->ready_count; i++)
        sl_batch_free(s->ready[(s->ready_head + i) % s->ready_capacity].batch);
    for (uint32_t i = 0; s->partitions && i < s->partition_count; i++)
        sl_record_decoder_free(s->partitions[i].decoder);
    sl_free(s->ready);
    sl_free(s->partitions);
    sl_free(s->headers);
    sl_free(s);
}

static sl_status open_policy(kafka_scan *s, sl_exec_context *exec, sl_error *err)
{
    const kafka_bind *b = s->bind;
    s->policy.on_error = b->on_error;
    s->policy.catalog = b->catalog ? b->catalog : exec->catalog;
    if (b->dead_letter_table) {
        SL_TRY(sl_dead_letter_table_create(s->policy.catalog, b->dead_letter_table, err));
        sl_catalog_lock(s->policy.catalog);
        s->policy.dead_letter_table = sl_catalog_find_table(s->policy.catalog, b->dead_letter_table);
        sl_catalog_unlock(s->policy.catalog);
        if (!s->policy.dead_letter_table)
            return sl_error_set(err, SL_ERR_CATALOG, "%s: dead_letter_table \"%s\" does not exist", s->what,
                                b->dead_letter_table);
    }
    if (b->dead_letter_topic)
        SL_TRY(sl_kafka_client_new(&b->client, RD_KAFKA_PRODUCER, NULL, NULL, NULL, NULL, NULL, s->what, &s->dead_letter,
                                   err));
    return SL_OK;
}

/* The topic's partition count (metadata request). */
static sl_status topic_partitions(kafka_scan *s, uint32_t *count, sl_error *err)
{
    rd_kafka_topic_t *topic = rd_kafka_topic_new(s->consumer, s->bind->topic, NULL);
    if (!topic)
        return sl_error_set(err, SL_ERR_IO, "%s: cannot create a topic handle", s->what);
    const struct rd_kafka_metadata *md = NULL;
    rd_kafka_resp_err_t e = rd_kafka_metadata(s->consumer, 0, topic, &md, KAFKA_TIMEOUT_MS);
    rd_kafka_topic_destroy(topic);
    if (e != RD_KAFKA_RESP_ERR_NO_ERROR)
        return sl_error_set(err, SL_ERR_IO, "%s: cannot read the topic's metadata from %s: %s", s->what,
                            s->bind->client.bootstrap, rd_kafka_err2str(e));
    sl_status st = SL_OK;
    if (md->topic_cnt != 1 || md->topics[0].err != RD_KAFKA_RESP_ERR_NO_ERROR || md->topics[0].partition_cnt <= 0)
        st = sl_error_set(err, SL_ERR_IO, "%s: topic '%s' does not exist on %s (%s)", s->what, s->bind->topic,
                          s->bind->client.bootstrap,
                          md->topic_cnt == 1 ? rd_kafka_err2str(md->topics[0].err) : "no metadata");
    else
        *count = (uint32_t)md->topics[0].partition_cnt;
    rd_kafka_metadata_destroy(md);
    return st;
}

/* Bounded scans: each partition's end offset now. */
static sl_status query_end_offsets(kafka_scan *s, sl_error *err)
{
    for (uint32_t i = 0; i < s->partition_count; i++) {
        int64_t low = 0, high = 0;
        rd_kafka_resp_err_t e = rd_kafka_query_watermark_offsets(s->consumer, s->bind->topic, (int32_t)i, &low, &high,
                                                                 KAFKA_TIMEOUT_MS);
        if (e != RD_KAFKA_RESP_ERR_NO_ERROR)
            return sl_error_set(err, SL_ERR_IO, "%s: cannot query the end offset of partition %u: %s", s->what, i,
                                rd_kafka_err2str(e));
        s->partitions[i].end_offset = high;
        if (high <= low)
            s->partitions[i].ended = true;   /* empty now: nothing to read */
    }
    return SL_OK;
}

static sl_status kafka_init(const void *bind_data, sl_exec_context *exec, void **state, sl_error *err)
{
    const kafka_bind *b = bind_data;
    kafka_scan *s = sl_calloc(1, sizeof *s);
    if (!s)
        return sl_error_oom(err);
    s->bind = b;
    sl_error_clear(&s->failure);
    snprintf(s->what, sizeof s->what, "source '%s' (topic '%s')", b->source_name, b->topic);
    s->decoder_config = (sl_record_decoder_config){ .format = b->format,
                                                    .column_count = b->column_count,
                                                    .types = b->types,
                                                    .names = b->names,
                                                    .event_time_column = b->event_time_column };
    for (uint32_t c = 0; c < b->column_count; c++)
        s->wants_headers |= strcasecmp(b->names[c], "_headers") == 0;
    sl_status st = open_policy(s, exec, err);
    if (st == SL_OK)
        st = sl_kafka_client_new(&b->client, RD_KAFKA_CONSUMER, b->group_id, b->group_id ? kafka_rebalance : NULL,
                                 kafka_error_callback, NULL, s, s->what, &s->consumer, err);
    if (st == SL_OK)
        st = topic_partitions(s, &s->partition_count, err);
    if (st == SL_OK) {
        s->partitions = sl_calloc(s->partition_count, sizeof *s->partitions);
        s->ready_capacity = 16;
        s->ready = sl_malloc(sizeof *s->ready * s->ready_capacity);
        if (!s->partitions || !s->ready)
            st = sl_error_oom(err);
    }
    for (uint32_t i = 0; st == SL_OK && i < s->partition_count; i++) {
        kafka_partition *p = &s->partitions[i];
        p->read_next = p->delivered_next = p->committed_next = p->end_offset = -1;
        st = sl_record_decoder_new(&s->decoder_config, &p->decoder, err);
    }
    if (st == SL_OK && b->bounded)
        st = query_end_offsets(s, err);
    if (st == SL_OK) {
        s->queue = rd_kafka_queue_get_consumer(s->consumer);
        rd_kafka_topic_partition_list_t *list = rd_kafka_topic_partition_list_new((int)s->partition_count);
        if (b->group_id) {
            rd_kafka_topic_partition_list_add(list, b->topic, RD_KAFKA_PARTITION_UA);
            rd_kafka_resp_err_t e = rd_kafka_subscribe(s->consumer, list);
            if (e != RD_KAFKA_RESP_ERR_NO_ERROR)
                st = sl_error_set(err, SL_ERR_IO, "%s: cannot subscribe with group.id '%s': %s", s->what, b->group_id,
                                  rd_kafka_err2str(e));
        } else {
            for (uint32_t i = 0; i < s->partition_count; i++)
                rd_kafka_topic_partition_list_add(list, b->topic, (int32_t)i)->offset = RD_KAFKA_OFFSET_INVALID;
            if (resolve_start(s, list) != SL_OK)
                st = take_failure(s, err);
            for (uint32_t i = 0; st == SL_OK && i < s->partition_count; i++)
                s->partitions[i].assigned = true;
            rd_kafka_resp_err_t e = st == SL_OK ? rd_kafka_assign(s->consumer, list) : RD_KAFKA_RESP_ERR_NO_ERROR;
            if (e != RD_KAFKA_RESP_ERR_NO_ERROR)
                st = sl_error_set(err, SL_ERR_IO, "%s: cannot assign the partitions: %s", s->what, rd_kafka_err2str(e));
        }
        rd_kafka_topic_partition_list_destroy(list);
    }
    if (st != SL_OK) {
        kafka_free(s);
        return st;
    }
    *state = s;
    return SL_OK;
}

/* ------------------------------------------------------------------ reading */

static sl_status push_ready(kafka_scan *s, sl_batch *batch, uint32_t split, int64_t next_offset, sl_error *err)
{
    if (s->ready_count == s->ready_capacity) {
        uint32_t capacity = s->ready_capacity * 2;
        kafka_ready *grown = sl_malloc(sizeof *grown * capacity);
        if (!grown) {
            sl_batch_free(batch);
            return sl_error_oom(err);
        }
        for (uint32_t i = 0; i < s->ready_count; i++)
            grown[i] = s->ready[(s->ready_head + i) % s->ready_capacity];
        sl_free(s->ready);
        s->ready = grown;
        s->ready_head = 0;
        s->ready_capacity = capacity;
    }
    s->ready[(s->ready_head + s->ready_count++) % s->ready_capacity] =
        (kafka_ready){ .batch = batch, .split = split, .next_offset = next_offset };
    return SL_OK;
}

/* Moves the pending rows of `split` into a ready batch; a partition whose records were
 * all rejected has nothing to deliver and counts as delivered up to where it was read. */
static sl_status flush_split(kafka_scan *s, uint32_t split, sl_error *err)
{
    kafka_partition *p = &s->partitions[split];
    if (sl_record_decoder_pending(p->decoder) == 0) {
        bool queued = false;
        for (uint32_t i = 0; i < s->ready_count && !queued; i++)
            queued = s->ready[(s->ready_head + i) % s->ready_capacity].split == split;
        if (!queued && p->read_next > p->delivered_next)
            p->delivered_next = p->read_next;
        return SL_OK;
    }
    sl_batch *batch = NULL;
    SL_TRY(sl_record_decoder_flush(p->decoder, &batch, err));
    return batch ? push_ready(s, batch, split, p->read_next, err) : SL_OK;
}

/* Sends a rejected record to dead_letter_topic with headers saying what and where. */
static sl_status send_dead_letter(kafka_scan *s, const rd_kafka_message_t *m, const sl_error *error, sl_error *err)
{
    char partition[16], offset[32];
    snprintf(partition, sizeof partition, "%d", (int)m->partition);
    snprintf(offset, sizeof offset, "%lld", (long long)m->offset);
    rd_kafka_headers_t *headers = rd_kafka_headers_new(4);
    rd_kafka_header_add(headers, "sluice.error", -1, error->message, -1);
    rd_kafka_header_add(headers, "sluice.topic", -1, s->bind->topic, -1);
    rd_kafka_header_add(headers, "sluice.partition", -1, partition, -1);
    rd_kafka_header_add(headers, "sluice.offset", -1, offset, -1);
    rd_kafka_resp_err_t e = rd_kafka_producev(
        s->dead_letter, RD_KAFKA_V_TOPIC(s->bind->dead_letter_topic), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
        RD_KAFKA_V_VALUE(m->payload, m->len), RD_KAFKA_V_KEY(m->key, m->key_len), RD_KAFKA_V_HEADERS(headers),
        RD_KAFKA_V_END);
    if (e != RD_KAFKA_RESP_ERR_NO_ERROR) {
        rd_kafka_headers_destroy(headers);
        return sl_error_set(err, SL_ERR_IO, "%s: cannot send a rejected record to dead_letter_topic '%s': %s", s->what,
                            s->bind->dead_letter_topic, rd_kafka_err2str(e));
    }
    return SL_OK;
}

/* Appends s[0..n) to the headers text as a JSON string: quotes, backslashes and control
 * characters escaped; bytes that are not UTF-8 (headers are raw bytes) as \u00NN. */
static bool headers_string(char **buf, size_t *len, size_t *cap, const char *text, size_t n)
{
    if (sl_array_reserve((void **)buf, cap, *len + n * 6 + 3, 1, NULL) != SL_OK)
        return false;
    char *o = *buf + *len;
    size_t bad;
    bool utf8 = sl_utf8_valid(text, n, &bad);
    *o++ = '"';
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)text[i];
        if (c == '"' || c == '\\') {
            *o++ = '\\';
            *o++ = (char)c;
        } else if (c < 0x20 || (!utf8 && c >= 0x80)) {
            o += snprintf(o, 7, "\\u%04x", c);
        } else {
            *o++ = (char)c;
        }
    }
    *o++ = '"';
    *len = (size_t)(o - *buf);
    return true;
}

/* The message's headers as a JSON object text in s->headers ({"name":"value",...}; a
 * header without a value is null); false when it has none. */
static bool message_headers(kafka_scan *s, const rd_kafka_message_t *m)
{
    rd_kafka_headers_t *headers = NULL;
    if (rd_kafka_message_headers(m, &headers) != RD_KAFKA_RESP_ERR_NO_ERROR || !headers)
        return false;
    s->headers_length = 0;
    if (sl_array_reserve((void **)&s->headers, &s->headers_capacity, 2, 1, NULL) != SL_OK)
        return false;
    s->headers[s->headers_length++] = '{';
    const char *name;
    const void *value;
    size_t size;
    for (size_t i = 0; rd_kafka_header_get_all(headers, i, &name, &value, &size) == RD_KAFKA_RESP_ERR_NO_ERROR; i++) {
        if (i && sl_array_reserve((void **)&s->headers, &s->headers_capacity, s->headers_length + 1, 1, NULL) == SL_OK)
            s->headers[s->headers_length++] = ',';
        if (!headers_string(&s->headers, &s->headers_length, &s->headers_capacity, name, strlen(name)))
            return false;
        if (sl_array_reserve((void **)&s->headers, &s->headers_capacity, s->headers_length + 6, 1, NULL) != SL_OK)
            return false;
        s->headers[s->headers_length++] = ':';
        if (!value) {
            memcpy(s->headers + s->headers_length, "null", 4);
            s->headers_length += 4;
        } else if (!headers_string(&s->headers, &s->headers_length, &s->headers_capacity, value, size)) {
            return false;
        }
    }
    if (sl_array_reserve((void **)&s->headers, &s->headers_capacity, s->headers_length + 1, 1, NULL) != SL_OK)
        return false;
    s->headers[s->headers_length++] = '}';
    return true;
}

static sl_status decode_message(kafka_scan *s, sl_exec_context *exec, const rd_kafka_message_t *m, sl_error *err)
{
    int32_t partition = m->partition;
    if (partition < 0 || (uint32_t)partition >= s->partition_count)
        return SL_OK;   /* a partition added after the scan started: not one of its splits */
    kafka_partition *p = &s->partitions[partition];
    if (!p->assigned || p->ended)
        return SL_OK;   /* fetched before a revoke took effect; bounded: past the end */
    if (p->end_offset >= 0 && m->offset >= p->end_offset)
        return SL_OK;   /* bounded: after the end of start */
    rd_kafka_timestamp_type_t kind;
    int64_t millis = rd_kafka_message_timestamp(m, &kind);
    sl_record_origin origin = { .source = s->bind->source_name,
                                .partition = partition,
                                .offset = m->offset,
                                .file = NULL,
                                .line = -1,
                                .timestamp_micros = millis >= 0 ? millis * 1000 : -1,
                                .key = m->key,
                                .key_length = m->key ? m->key_len : 0 };
    if (s->wants_headers && message_headers(s, m)) {
        origin.headers = s->headers;
        origin.headers_length = s->headers_length;
    }
    if (sl_record_decoder_pending(p->decoder) + 2 > SL_BATCH_CAPACITY)   /* debezium: 2 rows a record */
        SL_TRY(flush_split(s, (uint32_t)partition, err));
    const char *data = m->payload ? m->payload : "";
    size_t length = m->payload ? m->len : 0;
    sl_error record_error;
    sl_error_clear(&record_error);
    sl_status st = sl_record_decoder_add(p->decoder, data, length, &origin, &record_error);
    p->read_next = m->offset + 1;
    if (st == SL_OK)
        return SL_OK;
    if (st != SL_ERR_INVALID_INPUT) {
        if (err)
            *err = record_error;
        return st;
    }
    int64_t rejected = 0;
    SL_TRY(sl_reject_record(&s->policy, &origin, data, length, &record_error, &rejected, err));
    if (rejected && s->dead_letter)
        SL_TRY(send_dead_letter(s, m, &record_error, err));
    p->rejected += rejected;
    if (exec)
        atomic_fetch_add(&exec->rows_rejected, rejected);
    return SL_OK;
}

/* Takes what librdkafka has fetched (serving its callbacks), decodes it into the
 * partitions' pending rows and moves those into ready batches. */
static sl_status fetch(kafka_scan *s, sl_exec_context *exec, int timeout_ms, sl_error *err)
{
    ssize_t n = rd_kafka_consume_batch_queue(s->queue, timeout_ms, s->messages, KAFKA_MAX_MESSAGES);
    if (s->failed != SL_OK) {
        for (ssize_t i = 0; i < n; i++)
            rd_kafka_message_destroy(s->messages[i]);
        return take_failure(s, err);
    }
    if (n < 0)
        return sl_error_set(err, SL_ERR_IO, "%s: cannot consume: %s", s->what, rd_kafka_err2str(rd_kafka_last_error()));
    sl_status st = SL_OK;
    for (ssize_t i = 0; i < n; i++) {
        rd_kafka_message_t *m = s->messages[i];
        if (st == SL_OK && m->err) {
            if (m->err == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART || m->err == RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC ||
                m->err == RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED || m->err == RD_KAFKA_RESP_ERR__FATAL)
                st = sl_error_set(err, SL_ERR_IO, "%s: %s", s->what, rd_kafka_message_errstr(m));
            /* others (partition EOF, a transient broker error) are retried by librdkafka */
        } else if (st == SL_OK) {
            st = decode_message(s, exec, m, err);
        }
        rd_kafka_message_destroy(m);
    }
    for (uint32_t i = 0; st == SL_OK && i < s->partition_count; i++)
        st = flush_split(s, i, err);
    if (s->dead_letter)
        rd_kafka_poll(s->dead_letter, 0);   /* delivery reports */
    return st;
}

/* Bounded group scans: a partition not assigned here has ended once the group committed
 * its end offset (another process read it to the end). */
static sl_status check_group_ends(kafka_scan *s, sl_error *err)
{
    int64_t now = sl_connector_now_micros();
    if (now - s->last_group_check < KAFKA_GROUP_CHECK_MICROS)
        return SL_OK;
    s->last_group_check = now;
    rd_kafka_topic_partition_list_t *list = rd_kafka_topic_partition_list_new((int)s->partition_count);
    for (uint32_t i = 0; i < s->partition_count; i++)
        if (!s->partitions[i].ended && !s->partitions[i].assigned)
            rd_kafka_topic_partition_list_add(list, s->bind->topic, (int32_t)i);
    sl_status st = SL_OK;
    if (list->cnt > 0) {
        rd_kafka_resp_err_t e = rd_kafka_committed(s->consumer, list, KAFKA_TIMEOUT_MS);
        if (e != RD_KAFKA_RESP_ERR_NO_ERROR)
            st = sl_error_set(err, SL_ERR_IO, "%s: cannot read the consumer group's committed offsets: %s", s->what,
                              rd_kafka_err2str(e));
        for (int i = 0; st == SL_OK && i < list->cnt; i++) {
            kafka_partition *p = &s->partitions[list->elems[i].partition];
            if (!p->assigned && list->elems[i].offset >= p->end_offset)
                p->ended = true;
        }
    }
    rd_kafka_topic_partition_list_destroy(list);
    return st;
}

/* Updates `ended` of the bounded partitions; true when every partition ended. */
static bool bounded_done(kafka_scan *s)
{
    bool all = true;
    for (uint32_t i = 0; i < s->partition_count; i++) {
        kafka_partition *p = &s->partitions[i];
        if (!p->ended && p->assigned && p->delivered_next >= p->end_offset) {
            bool queued = false;
            for (uint32_t r = 0; r < s->ready_count && !queued; r++)
                queued = s->ready[(s->ready_head + r) % s->ready_capacity].split == i;
            p->ended = !queued;
        }
        all = all && p->ended;
    }
    return all;
}

static sl_status kafka_poll(void *state, sl_exec_context *exec, sl_batch **out, bool *idle, sl_error *err)
{
    kafka_scan *s = state;
    *out = NULL;
    *idle = false;
    if (s->failed != SL_OK)
        return take_failure(s, err);
    commit_delivered(s, false, NULL);   /* the batches returned before went through the query */
    if (s->ready_count == 0)
        SL_TRY(fetch(s, exec, 0, err));
    if (s->ready_count > 0) {
        kafka_ready r = s->ready[s->ready_head];
        s->ready_head = (s->ready_head + 1) % s->ready_capacity;
        s->ready_count--;
        kafka_partition *p = &s->partitions[r.split];
        p->delivered_next = r.next_offset;
        p->rows += r.batch->count;
        s->last_split = r.split;
        *out = r.batch;
        if (s->bind->bounded)
            bounded_done(s);
        return SL_OK;
    }
    if (s->bind->bounded) {
        if (bounded_done(s)) {
            commit_delivered(s, true, NULL);
            return s->failed != SL_OK ? take_failure(s, err) : SL_OK;   /* ended */
        }
        if (s->bind->group_id) {
            commit_delivered(s, true, NULL);   /* so the others see how far this process got */
            SL_TRY(check_group_ends(s, err));
            if (bounded_done(s))
                return SL_OK;
        }
    }
    *idle = true;
    return SL_OK;
}

/* Blocking form for callers without poll: waits (in slices, watching for interruption)
 * until a batch has rows or the bounded scan ended. */
static sl_status kafka_next(void *state, sl_exec_context *exec, sl_batch **out, sl_error *err)
{
    kafka_scan *s = state;
    for (;;) {
        if (exec && sl_exec_interrupted(exec))
            return sl_error_set(err, SL_ERR_CANCELLED, "query interrupted");
        bool idle = false;
        SL_TRY(kafka_poll(s, exec, out, &idle, err));
        if (*out || !idle)
            return SL_OK;
        /* not a blocking consume: with a timeout, librdkafka wakes the consumer for every
         * message it enqueues, and the two threads then trade the queue's lock per message */
        struct timespec pause = { 0, 1000000 };   /* 1 ms, as the continuous driver's idle wait */
        nanosleep(&pause, NULL);
    }
}

static void kafka_split_stats(void *state, uint32_t split, sl_split_stats *out)
{
    kafka_scan *s = state;
    const kafka_partition *p = &s->partitions[split];
    out->partition = (int32_t)split;
    out->name = s->bind->topic;
    out->offset = p->delivered_next;
    out->lag = -1;
    int64_t low = 0, high = 0;
    if (p->assigned && p->delivered_next >= 0 &&
        rd_kafka_get_watermark_offsets(s->consumer, s->bind->topic, (int32_t)split, &low, &high) ==
            RD_KAFKA_RESP_ERR_NO_ERROR &&
        high >= 0)
        out->lag = high > p->delivered_next ? high - p->delivered_next : 0;
    out->rows = p->rows;
    out->rejected = p->rejected;
}

static uint32_t kafka_split_count(void *state)
{
    return ((kafka_scan *)state)->partition_count;
}

static uint32_t kafka_batch_split(void *state)
{
    return ((kafka_scan *)state)->last_split;
}

static bool kafka_split_ended(void *state, uint32_t split)
{
    kafka_scan *s = state;
    return s->bind->bounded && s->partitions[split].ended;
}

static const sl_table_function kafka_scan_function = {
    .name = "kafka",
    .bind = NULL,
    .init = kafka_init,
    .next = kafka_next,
    .free = kafka_free,
    .split_count = kafka_split_count,
    .batch_split = kafka_batch_split,
    .split_ended = kafka_split_ended,
    .split_stats = kafka_split_stats,
    .poll = kafka_poll,
};

const sl_connector sl_kafka_connector = {
    .name = "kafka",
    .bind = kafka_bind_spec,
    .scan = &kafka_scan_function,
};
