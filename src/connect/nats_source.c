/*
 * nats_source.c — the `nats` connector: a continuous source over a NATS JetStream stream,
 * read through a pull consumer.
 *
 *   CREATE SOURCE orders (id BIGINT, amount DOUBLE, at TIMESTAMP, _subject VARCHAR,
 *                         WATERMARK FOR at AS at - INTERVAL '5' SECOND)
 *   WITH (connector = 'nats', server = 'nats://127.0.0.1:4222', stream = 'ORDERS',
 *         subject = 'orders.>', durable = 'sluice_orders', format = 'json');
 *
 * Options:
 *   server             NATS URL (default nats://127.0.0.1:4222; a comma-separated list is
 *                      tried in order)
 *   subject            required: the consumer's filter subject; wildcards `*` (one token)
 *                      and `>` (the rest) work as in NATS
 *   stream             the stream's name; absent: the stream that stores `subject`
 *   durable            name of a durable pull consumer (created when absent, resumed when
 *                      present); absent: an ephemeral consumer that ends with the query
 *   deliver            'all' (default: from the stream's first message) or 'new' (only
 *                      messages published after the consumer is created). An existing
 *                      durable resumes from its own position; its deliver policy and filter
 *                      subject must be the ones given (else the error says which differs).
 *                      Scans naming the same durable share it: NATS splits its messages
 *                      between them. So give each concurrent query its own durable, and for
 *                      a self-join declare a second source with another durable
 *   format             'json' (default), 'csv', 'raw', 'debezium-json', 'avro'
 *                      (formats/record.h); avro needs `avro.schema` (the writer schema as
 *                      JSON text)
 *   on_error           'fail' (default), 'skip', 'dead_letter' (formats/record.h)
 *   dead_letter_table  with on_error = 'dead_letter': where rejects go (created when absent)
 *   max_ack_pending    1..100000 (default 1024): messages the consumer may have unacked;
 *                      also the most messages one fetch takes (at most 1024)
 * plus the options common to every source (connector.h).
 *
 * Columns: declared (required). Each is decoded from the message body by name, except the
 * metadata columns: `_subject` (VARCHAR) is the message's subject, filled here; `_offset`
 * (the stream sequence) and `_timestamp` (the time JetStream stored the message) come from
 * the decoder's origin (formats/record.h).
 *
 * Acknowledgement and delivery guarantee (at least once). Each poll() first acks every
 * message of the batch the previous poll() returned — by then the TABLE_FUNCTION operator
 * has pushed that batch through every operator of the query, so its rows are in the
 * operators' state or in the query's output — and then fetches (without waiting) at most
 * min(max_ack_pending, 1024) messages, decodes them and returns their rows as one batch.
 * Rejected messages (on_error skip / dead_letter) are acked with the batch they came in.
 * When the scan ends (the query is cancelled, reaches its LIMIT or fails), the messages of
 * the last batch are not acked but NAKed, so the server redelivers them at once to the
 * next reader of the durable consumer. Hence with a durable consumer, a restarted query
 * loses no message and sees again exactly the messages of the last batch the previous
 * query read (duplicates are only those). If the process dies without closing the scan,
 * the unacked messages come back after the consumer's ack wait (30 s by default) instead.
 * What an ack does not cover: rows held in operator state (open windows, join state) when
 * a query stops are lost for the next run although their messages were acked — surviving
 * that needs checkpoints of operator state together with the consumer's position (a later
 * issue), which would make the source exactly-once.
 *
 * Splits: one. A consumer's messages come in stream order across all subjects the filter
 * matches; splitting by subject would need one consumer per subject, and the subjects a
 * wildcard matches are not known in advance. The split's name in sluice_sources is the
 * filter subject; its offset is the next stream sequence after the last message read, its
 * lag the consumer's pending count reported with that message.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "catalog/catalog.h"
#include "connect/connector.h"
#include "connect/nats_client.h"
#include "formats/record.h"

#define ME "nats"
#define NATS_DEFAULT_SERVER "nats://127.0.0.1:4222"
#define NATS_MAX_FETCH 1024          /* messages per fetch: debezium-json's 2 rows each fit a batch */

typedef struct nats_bind {
    sl_catalog *catalog;
    const char *source_name;
    const char *server;
    const char *stream;              /* NULL: looked up by subject */
    const char *subject;
    const char *durable;             /* NULL: ephemeral */
    bool deliver_new;
    sl_record_format format;
    sl_on_error on_error;
    const char *dead_letter_table;   /* NULL: none */
    const char *avro_schema;         /* format avro: the writer schema (JSON text) */
    int64_t max_ack_pending;
    uint32_t column_count;
    sl_type *types;
    const char **names;
    int32_t subject_column;          /* `_subject`; -1 = not declared */
    uint32_t decoded_count;          /* the other columns, decoded by formats/record.h */
    sl_type *decoded_types;
    const char **decoded_names;
    int32_t event_time_column;       /* among the decoded columns; -1 = none */
} nats_bind;

typedef struct nats_scan {
    const nats_bind *bind;
    char what[300];                  /* "source 'x'" for messages */
    sl_nats_link link;
    natsSubscription *subscription;
    sl_record_decoder *decoder;
    sl_reject_policy policy;
    natsMsgList unacked;             /* the messages of the batch returned last */
    const char **row_subject;        /* subject of every pending row (borrowed from unacked) */
    uint32_t *row_subject_length;
    int64_t next_sequence;           /* stream sequence after the last message read; -1 none */
    int64_t lag;                     /* pending count with the last message; -1 unknown */
    int64_t rows;
    int64_t rejected;
} nats_scan;

static const char *const nats_options[] = { "server",   "subject",  "stream",   "durable",           "deliver",
                                            "format",   "on_error", "dead_letter_table", "max_ack_pending", "avro.schema", NULL };

/* ------------------------------------------------------------------ bind */

static sl_status nats_bind_spec(sl_arena *arena, const sl_connector_spec *spec, sl_connector_bound *out,
                                sl_error *err)
{
    SL_TRY(sl_connector_check_options(spec, ME, nats_options, NULL, err));
    nats_bind *b = sl_arena_calloc(arena, sizeof *b);
    if (!b)
        return sl_error_oom(err);
    b->catalog = spec->catalog;
    b->source_name = sl_arena_strdup(arena, spec->source_name ? spec->source_name : "?");
    b->server = NATS_DEFAULT_SERVER;
    b->max_ack_pending = 1024;
    if (!b->source_name)
        return sl_error_oom(err);
    SL_TRY(sl_connector_option_text(arena, spec, ME, "server", &b->server, err));
    SL_TRY(sl_connector_option_text(arena, spec, ME, "subject", &b->subject, err));
    SL_TRY(sl_connector_option_text(arena, spec, ME, "stream", &b->stream, err));
    SL_TRY(sl_connector_option_text(arena, spec, ME, "durable", &b->durable, err));
    SL_TRY(sl_connector_option_text(arena, spec, ME, "dead_letter_table", &b->dead_letter_table, err));
    SL_TRY(sl_connector_option_text(arena, spec, ME, "avro.schema", &b->avro_schema, err));
    SL_TRY(sl_connector_option_int(spec, ME, "max_ack_pending", 1, 100000, &b->max_ack_pending, err));
    if (!b->subject)
        return sl_error_set_at(err, SL_ERR_INVALID_ARG, spec->position,
                               "connector 'nats' needs the option subject = '...' (wildcards * and > allowed)");
    const sl_connector_option *o = sl_connector_option_find(spec, "durable");
    if (o && (strpbrk(o->value, ".*> \t") != NULL))
        return sl_connector_option_error(err, o, ME, "must not contain '.', '*', '>' or spaces, got '%s'", o->value);
    if ((o = sl_connector_option_find(spec, "deliver"))) {
        if (strcasecmp(o->value, "new") == 0)
            b->deliver_new = true;
        else if (strcasecmp(o->value, "all") != 0)
            return sl_connector_option_error(err, o, ME, "expects 'all' or 'new', got '%s'", o->value);
    }
    b->format = SL_RECORD_JSON;
    if ((o = sl_connector_option_find(spec, "format")) && !sl_record_format_parse(o->value, &b->format))
        return sl_connector_option_error(err, o, ME, "expects json, csv, raw, debezium-json or avro, got '%s'",
                                         o->value);
    b->on_error = SL_ON_ERROR_FAIL;
    if ((o = sl_connector_option_find(spec, "on_error")) && !sl_on_error_parse(o->value, &b->on_error))
        return sl_connector_option_error(err, o, ME, "expects fail, skip or dead_letter, got '%s'", o->value);
    o = sl_connector_option_find(spec, "dead_letter_table");
    if (b->on_error == SL_ON_ERROR_DEAD_LETTER && !o)
        return sl_error_set_at(err, SL_ERR_INVALID_ARG, spec->position,
                               "connector 'nats': on_error = 'dead_letter' needs dead_letter_table = '<table name>'");
    if (o && b->on_error != SL_ON_ERROR_DEAD_LETTER)
        return sl_connector_option_error(err, o, ME, "needs on_error = 'dead_letter'");

    if (spec->column_count == 0)
        return sl_error_set_at(err, SL_ERR_INVALID_ARG, spec->position,
                               "connector 'nats' needs declared columns: CREATE SOURCE %s (column type, ...) WITH (...)",
                               b->source_name);
    uint32_t n = spec->column_count;
    b->column_count = n;
    b->types = sl_arena_alloc(arena, sizeof(sl_type) * n);
    b->names = sl_arena_alloc(arena, sizeof(char *) * n);
    b->decoded_types = sl_arena_alloc(arena, sizeof(sl_type) * n);
    b->decoded_names = sl_arena_alloc(arena, sizeof(char *) * n);
    if (!b->types || !b->names || !b->decoded_types || !b->decoded_names)
        return sl_error_oom(err);
    b->subject_column = -1;
    b->event_time_column = -1;
    for (uint32_t i = 0; i < n; i++) {
        b->types[i] = spec->columns[i].type;
        b->names[i] = sl_arena_strdup(arena, spec->columns[i].name);
        if (!b->names[i])
            return sl_error_oom(err);
        if (strcasecmp(b->names[i], "_subject") == 0) {
            if (b->types[i].id != SL_TYPE_VARCHAR)
                return sl_error_set_at(err, SL_ERR_TYPE, spec->position,
                                       "connector 'nats': metadata column _subject must be VARCHAR");
            b->subject_column = (int32_t)i;
            continue;
        }
        if (spec->event_time_column && strcasecmp(spec->event_time_column, b->names[i]) == 0)
            b->event_time_column = (int32_t)b->decoded_count;   /* a NULL there rejects the record */
        b->decoded_types[b->decoded_count] = b->types[i];
        b->decoded_names[b->decoded_count++] = b->names[i];
    }
    if (b->decoded_count == 0)
        return sl_error_set_at(err, SL_ERR_INVALID_ARG, spec->position,
                               "connector 'nats': declare at least one column besides _subject");
    /* the decoder checks the columns against the format (e.g. raw: one VARCHAR column) */
    sl_record_decoder_config config = { .format = b->format,
                                        .column_count = b->decoded_count,
                                        .types = b->decoded_types,
                                        .names = b->decoded_names,
                                        .event_time_column = b->event_time_column,
                                        .avro_schema = b->avro_schema };
    sl_record_decoder *probe = NULL;
    sl_status st = sl_record_decoder_new(&config, &probe, err);
    sl_record_decoder_free(probe);
    if (st != SL_OK) {
        if (err && err->position < 0)
            err->position = spec->position;
        return st;
    }
    out->column_count = n;
    out->types = b->types;
    out->names = b->names;
    out->bind_data = b;
    out->bounded = false;
    out->default_watermark_column = NULL;
    out->default_watermark_sql = NULL;
    return SL_OK;
}

/* ------------------------------------------------------------------ scan */

/* NAKs the messages of the last batch (not known to be processed: the server redelivers
 * them at once) and frees them. */
static void nak_unacked(nats_scan *s)
{
    for (int i = 0; i < s->unacked.Count; i++)
        if (s->unacked.Msgs[i])
            natsMsg_Nak(s->unacked.Msgs[i], NULL);
    natsMsgList_Destroy(&s->unacked);
    memset(&s->unacked, 0, sizeof s->unacked);
}

static void nats_free(void *state)
{
    nats_scan *s = state;
    if (!s)
        return;
    if (s->link.connection)
        nak_unacked(s);
    else
        natsMsgList_Destroy(&s->unacked);
    /* Destroy, not Unsubscribe: unsubscribing would delete a durable consumer the
     * subscription created, and with it the position the next query resumes from. */
    if (s->subscription)
        natsSubscription_Destroy(s->subscription);
    sl_nats_link_close(&s->link, 2000);   /* the acks and naks reach the server */
    sl_record_decoder_free(s->decoder);
    sl_free(s->row_subject);
    sl_free(s->row_subject_length);
    sl_free(s);
}

static sl_status nats_subscribe(nats_scan *s, sl_error *err)
{
    const nats_bind *b = s->bind;
    jsSubOptions options;
    jsSubOptions_Init(&options);
    options.Stream = b->stream;
    options.ManualAck = true;
    options.Config.AckPolicy = js_AckExplicit;
    options.Config.DeliverPolicy = b->deliver_new ? js_DeliverNew : js_DeliverAll;
    options.Config.MaxAckPending = b->max_ack_pending;
    jsErrCode jerr = 0;
    natsStatus st = js_PullSubscribe(&s->subscription, s->link.jetstream, b->subject, b->durable, NULL, &options, &jerr);
    if (st != NATS_OK) {
        s->subscription = NULL;
        char action[600];
        snprintf(action, sizeof action, "cannot create the %s consumer%s%s on subject '%s'%s%s of server %s",
                 b->durable ? "durable pull" : "pull", b->durable ? " " : "", b->durable ? b->durable : "", b->subject,
                 b->stream ? " of stream " : " (no stream option: the stream storing it)", b->stream ? b->stream : "",
                 b->server);
        return sl_nats_error(err, s->what, action, st, jerr);
    }
    return SL_OK;
}

static sl_status nats_init(const void *bind_data, sl_exec_context *exec, void **state, sl_error *err)
{
    const nats_bind *b = bind_data;
    nats_scan *s = sl_calloc(1, sizeof *s);
    if (!s)
        return sl_error_oom(err);
    s->bind = b;
    s->next_sequence = -1;
    s->lag = -1;
    snprintf(s->what, sizeof s->what, "source '%s'", b->source_name);
    s->row_subject = sl_malloc(sizeof *s->row_subject * SL_BATCH_CAPACITY);
    s->row_subject_length = sl_malloc(sizeof *s->row_subject_length * SL_BATCH_CAPACITY);
    sl_status st = s->row_subject && s->row_subject_length ? SL_OK : sl_error_oom(err);
    sl_record_decoder_config config = { .format = b->format,
                                        .column_count = b->decoded_count,
                                        .types = b->decoded_types,
                                        .names = b->decoded_names,
                                        .event_time_column = b->event_time_column,
                                        .avro_schema = b->avro_schema };
    if (st == SL_OK)
        st = sl_record_decoder_new(&config, &s->decoder, err);
    s->policy.on_error = b->on_error;
    s->policy.catalog = b->catalog ? b->catalog : exec->catalog;
    if (st == SL_OK && b->dead_letter_table) {
        st = sl_dead_letter_table_create(s->policy.catalog, b->dead_letter_table, err);
        if (st == SL_OK) {
            sl_catalog_lock(s->policy.catalog);
            s->policy.dead_letter_table = sl_catalog_find_table(s->policy.catalog, b->dead_letter_table);
            sl_catalog_unlock(s->policy.catalog);
            if (!s->policy.dead_letter_table)
                st = sl_error_set(err, SL_ERR_CATALOG, "%s: dead_letter_table \"%s\" does not exist", s->what,
                                  b->dead_letter_table);
        }
    }
    if (st == SL_OK)
        st = sl_nats_link_open(b->server, s->what, NULL, &s->link, err);
    if (st == SL_OK)
        st = nats_subscribe(s, err);
    if (st != SL_OK) {
        nats_free(s);
        return st;
    }
    *state = s;
    return SL_OK;
}

/* Acks the messages of the batch returned last (it has been pushed through the query). */
static sl_status ack_unacked(nats_scan *s, sl_error *err)
{
    sl_status result = SL_OK;
    for (int i = 0; i < s->unacked.Count; i++) {
        natsMsg *m = s->unacked.Msgs[i];
        if (!m)
            continue;
        natsStatus st = natsMsg_Ack(m, NULL);
        if (st != NATS_OK && result == SL_OK)
            result = sl_nats_error(err, s->what, "cannot acknowledge a message", st, 0);
    }
    natsMsgList_Destroy(&s->unacked);
    memset(&s->unacked, 0, sizeof s->unacked);
    return result;
}

/* The pending rows as a batch with the _subject column put in its place. */
static sl_status take_batch(nats_scan *s, sl_batch **out, sl_error *err)
{
    const nats_bind *b = s->bind;
    *out = NULL;
    uint32_t pending = sl_record_decoder_pending(s->decoder);
    sl_batch *decoded = NULL;
    SL_TRY(sl_record_decoder_flush(s->decoder, &decoded, err));
    if (!decoded)
        return SL_OK;
    if (b->subject_column < 0) {
        *out = decoded;
        return SL_OK;
    }
    if (decoded->sel || decoded->length != pending || decoded->column_count != b->decoded_count) {
        sl_batch_free(decoded);
        return sl_error_set(err, SL_ERR_INTERNAL, "%s: the record decoder returned %u rows for %u pending", s->what,
                            decoded->length, pending);
    }
    sl_vector *subjects = sl_vector_new(sl_type_make(SL_TYPE_VARCHAR), pending ? pending : 1);
    sl_batch *batch = sl_batch_new(b->column_count);
    sl_status st = subjects && batch ? SL_OK : sl_error_oom(err);
    for (uint32_t r = 0; r < pending && st == SL_OK; r++)
        st = sl_vector_set_string(subjects, r, s->row_subject[r], s->row_subject_length[r], err);
    if (st == SL_OK && decoded->change)
        st = sl_batch_set_change(batch, decoded->change, 0, decoded->length, err);
    if (st != SL_OK) {
        if (subjects)
            sl_vector_unref(subjects);
        sl_batch_free(batch);
        sl_batch_free(decoded);
        return st;
    }
    for (uint32_t c = 0, d = 0; c < b->column_count; c++) {
        if ((int32_t)c == b->subject_column) {
            sl_batch_set_column(batch, c, subjects);
            subjects = NULL;
        } else {
            sl_batch_set_column(batch, c, sl_vector_ref(decoded->columns[d++]));
        }
    }
    batch->length = decoded->length;
    batch->count = decoded->count;
    sl_batch_free(decoded);
    *out = batch;
    return SL_OK;
}

/* Decodes one message into the pending rows, or applies the reject policy to it. */
static sl_status decode_message(nats_scan *s, sl_exec_context *exec, natsMsg *m, sl_error *err)
{
    const nats_bind *b = s->bind;
    jsMsgMetaData *meta = NULL;
    sl_record_origin origin = { .source = b->source_name, .partition = -1, .offset = -1, .file = NULL, .line = -1,
                                .timestamp_micros = -1, .key = NULL, .key_length = 0 };
    if (natsMsg_GetMetaData(&meta, m) == NATS_OK && meta) {
        origin.offset = (int64_t)meta->Sequence.Stream;
        origin.timestamp_micros = meta->Timestamp / 1000;
        s->next_sequence = (int64_t)meta->Sequence.Stream + 1;
        s->lag = (int64_t)meta->NumPending;
        jsMsgMetaData_Destroy(meta);
    }
    const char *data = natsMsg_GetData(m);
    int length = natsMsg_GetDataLength(m);
    uint32_t before = sl_record_decoder_pending(s->decoder);
    sl_error record_error;
    sl_error_clear(&record_error);
    sl_status st = sl_record_decoder_add(s->decoder, data ? data : "", length > 0 ? (size_t)length : 0, &origin,
                                         &record_error);
    if (st == SL_OK) {
        const char *subject = natsMsg_GetSubject(m);
        uint32_t after = sl_record_decoder_pending(s->decoder);
        for (uint32_t r = before; r < after && r < SL_BATCH_CAPACITY; r++) {
            s->row_subject[r] = subject ? subject : "";
            s->row_subject_length[r] = subject ? (uint32_t)strlen(subject) : 0;
        }
        return SL_OK;
    }
    if (st != SL_ERR_INVALID_INPUT) {
        if (err)
            *err = record_error;
        return st;
    }
    int64_t rejected = 0;
    SL_TRY(sl_reject_record(&s->policy, &origin, data ? data : "", length > 0 ? (size_t)length : 0, &record_error,
                            &rejected, err));
    s->rejected += rejected;
    if (exec)
        atomic_fetch_add(&exec->rows_rejected, rejected);
    return SL_OK;
}

/* Acks the last batch, fetches what the server has now (waiting at most wait_millis; 0 =
 * not at all) and returns its rows; *fetched = the number of messages taken. */
static sl_status fetch_batch(nats_scan *s, sl_exec_context *exec, int64_t wait_millis, sl_batch **out,
                             int *fetched, sl_error *err)
{
    *out = NULL;
    *fetched = 0;
    SL_TRY(ack_unacked(s, err));
    jsFetchRequest request;
    jsFetchRequest_Init(&request);
    request.Batch = (int)(s->bind->max_ack_pending < NATS_MAX_FETCH ? s->bind->max_ack_pending : NATS_MAX_FETCH);
    if (wait_millis > 0)
        request.Expires = wait_millis * 1000000;
    else {
        request.NoWait = true;
        request.Expires = 500 * INT64_C(1000000);    /* bounds the wait for the server's answer */
    }
    natsMsgList list = { 0 };
    natsStatus st = natsSubscription_FetchRequest(&list, s->subscription, &request);
    if (st == NATS_TIMEOUT || st == NATS_NOT_FOUND ||   /* nothing now */
        (st != NATS_OK && natsConnection_Status(s->link.connection) == NATS_CONN_STATUS_RECONNECTING)) {
        natsMsgList_Destroy(&list);   /* while libnats reconnects (60 tries, 2 s apart) the source is idle */
        return SL_OK;
    }
    if (st != NATS_OK) {
        natsMsgList_Destroy(&list);
        char action[600];
        snprintf(action, sizeof action, "cannot fetch messages of subject '%s' from %s", s->bind->subject,
                 s->bind->server);
        return sl_nats_error(err, s->what, action, st, 0);
    }
    s->unacked = list;   /* acked by the next call, NAKed by free */
    *fetched = list.Count;
    for (int i = 0; i < list.Count; i++)
        SL_TRY(decode_message(s, exec, list.Msgs[i], err));
    SL_TRY(take_batch(s, out, err));
    if (*out)
        s->rows += (*out)->count;
    return SL_OK;
}

static sl_status nats_poll(void *state, sl_exec_context *exec, sl_batch **out, bool *idle, sl_error *err)
{
    nats_scan *s = state;
    int fetched = 0;
    SL_TRY(fetch_batch(s, exec, 0, out, &fetched, err));
    *idle = *out == NULL;   /* never ends; a fetch of only rejected messages is idle too */
    return SL_OK;
}

/* Blocking form for callers without poll: waits (in slices, watching for interruption)
 * until a batch has rows. */
static sl_status nats_next(void *state, sl_exec_context *exec, sl_batch **out, sl_error *err)
{
    nats_scan *s = state;
    for (;;) {
        if (exec && sl_exec_interrupted(exec))
            return sl_error_set(err, SL_ERR_CANCELLED, "query interrupted");
        int fetched = 0;
        SL_TRY(fetch_batch(s, exec, 100, out, &fetched, err));
        if (*out)
            return SL_OK;
    }
}

static void nats_split_stats(void *state, uint32_t split, sl_split_stats *out)
{
    nats_scan *s = state;
    out->partition = -1;
    out->name = s->bind->subject;
    out->offset = s->next_sequence;
    out->lag = s->lag;
    out->rows = s->rows;
    out->rejected = s->rejected;
}

static uint32_t nats_split_count(void *state)
{
    return 1;
}

static uint32_t nats_batch_split(void *state)
{
    return 0;
}

static bool nats_split_ended(void *state, uint32_t split)
{
    return false;
}

static const sl_table_function nats_scan_function = {
    .name = "nats",
    .bind = NULL,
    .init = nats_init,
    .next = nats_next,
    .free = nats_free,
    .split_count = nats_split_count,
    .batch_split = nats_batch_split,
    .split_ended = nats_split_ended,
    .split_stats = nats_split_stats,
    .poll = nats_poll,
};

const sl_connector sl_nats_connector = {
    .name = "nats",
    .bind = nats_bind_spec,
    .scan = &nats_scan_function,
};
