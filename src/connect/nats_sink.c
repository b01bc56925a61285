/*
 * nats_sink.c — publishing query output to NATS JetStream, one message per row, with
 * publish acks (see nats_sink.h for the formats and the guarantee).
 *
 * Each row is rendered into an in-memory output (formats/file_output.h) with the JSON
 * writer's value helper, published with js_PublishAsync, and the batch ends with
 * js_PublishAsyncComplete: the write returns once JetStream acked every message of it.
 * Publish failures reported by the library's thread are counted in the sink (under its
 * mutex) with the first reason, and turn the write into an error.
 */
#include "connect/nats_sink.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "connect/nats_client.h"
#include "exec/operator.h"
#include "formats/file_output.h"
#include "formats/json.h"

#define NATS_DEFAULT_SERVER "nats://127.0.0.1:4222"
#define PUBLISH_ACK_WAIT_MILLIS 10000

struct sl_nats_sink {
    sl_nats_sink_options options;    /* strings owned */
    char what[300];
    sl_nats_link link;
    uint32_t column_count;
    char **names;
    sl_file_output message;          /* in memory: the message being built */
    bool message_open;
    pthread_mutex_t lock;            /* failures, first_failure (publish-ack thread) */
    int64_t failures;
    char first_failure[256];
};

bool sl_nats_sink_format_parse(const char *name, sl_nats_sink_format *out)
{
    if (strcasecmp(name, "json") == 0)
        *out = SL_NATS_SINK_JSON;
    else if (strcasecmp(name, "debezium-json") == 0 || strcasecmp(name, "debezium_json") == 0)
        *out = SL_NATS_SINK_DEBEZIUM_JSON;
    else
        return false;
    return true;
}

sl_status sl_nats_sink_check_subject(const char *subject, sl_error *err)
{
    if (!subject || !*subject)
        return sl_error_set(err, SL_ERR_INVALID_ARG, "a nats sink needs the option subject = '...'");
    if (strpbrk(subject, "*> \t\r\n"))
        return sl_error_set(err, SL_ERR_INVALID_ARG,
                            "nats sink option 'subject' must be one subject without wildcards or spaces, got '%s'",
                            subject);
    if (subject[0] == '.' || subject[strlen(subject) - 1] == '.' || strstr(subject, ".."))
        return sl_error_set(err, SL_ERR_INVALID_ARG, "nats sink option 'subject' has an empty token: '%s'", subject);
    return SL_OK;
}

/* Called by libnats on its own thread for a publish that failed or timed out. */
static void on_publish_error(jsCtx *js, jsPubAckErr *failure, void *closure)
{
    sl_nats_sink *sink = closure;
    pthread_mutex_lock(&sink->lock);
    const char *status = natsStatus_GetText(failure->Err);
    const char *detail = failure->ErrText && strcmp(failure->ErrText, status) != 0 ? failure->ErrText : NULL;
    if (sink->failures++ == 0)
        snprintf(sink->first_failure, sizeof sink->first_failure, "%s%s%s", status, detail ? ": " : "",
                 detail ? detail : "");
    pthread_mutex_unlock(&sink->lock);
}

void sl_nats_sink_close(sl_nats_sink *sink)
{
    if (!sink)
        return;
    if (sink->link.jetstream) {
        jsPubOptions wait;
        jsPubOptions_Init(&wait);
        wait.MaxWait = 2000;
        js_PublishAsyncComplete(sink->link.jetstream, &wait);
    }
    sl_nats_link_close(&sink->link, 2000);
    if (sink->message_open)
        sl_file_output_abort(&sink->message);
    for (uint32_t c = 0; c < sink->column_count && sink->names; c++)
        sl_free(sink->names[c]);
    sl_free(sink->names);
    sl_free((char *)sink->options.sink_name);
    sl_free((char *)sink->options.server);
    sl_free((char *)sink->options.subject);
    pthread_mutex_destroy(&sink->lock);
    sl_free(sink);
}

sl_status sl_nats_sink_open(const sl_nats_sink_options *options, uint32_t column_count, const char *const *names,
                            sl_nats_sink **out, sl_error *err)
{
    SL_TRY(sl_nats_sink_check_subject(options->subject, err));
    sl_nats_sink *sink = sl_calloc(1, sizeof *sink);
    if (!sink)
        return sl_error_oom(err);
    pthread_mutex_init(&sink->lock, NULL);
    sink->options = *options;
    sink->options.sink_name = sl_strdup(options->sink_name ? options->sink_name : "?");
    sink->options.server = sl_strdup(options->server ? options->server : NATS_DEFAULT_SERVER);
    sink->options.subject = sl_strdup(options->subject);
    sink->names = sl_calloc(column_count ? column_count : 1, sizeof *sink->names);
    sl_status st = sink->options.sink_name && sink->options.server && sink->options.subject && sink->names
                       ? SL_OK
                       : sl_error_oom(err);
    for (uint32_t c = 0; c < column_count && st == SL_OK; c++) {
        sink->names[c] = sl_strdup(names[c]);
        sink->column_count = c + 1;
        if (!sink->names[c])
            st = sl_error_oom(err);
    }
    snprintf(sink->what, sizeof sink->what, "sink '%s'", sink->options.sink_name ? sink->options.sink_name : "?");
    if (st == SL_OK) {
        st = sl_file_output_open_memory(&sink->message, err);
        sink->message_open = st == SL_OK;
    }
    if (st == SL_OK) {
        jsOptions js_options;
        jsOptions_Init(&js_options);
        js_options.PublishAsync.ErrHandler = on_publish_error;
        js_options.PublishAsync.ErrHandlerClosure = sink;
        js_options.PublishAsync.MaxPending = 4096;
        st = sl_nats_link_open(sink->options.server, sink->what, &js_options, &sink->link, err);
    }
    if (st != SL_OK) {
        sl_nats_sink_close(sink);
        return st;
    }
    *out = sink;
    return SL_OK;
}

/* ------------------------------------------------------------------ rendering */

static const char *op_name(int8_t change)
{
    switch (change) {
    case SL_CHANGE_UPDATE_BEFORE: return "-U";
    case SL_CHANGE_UPDATE_AFTER: return "+U";
    case SL_CHANGE_DELETE: return "-D";
    default: return "+I";
    }
}

/* Publishes the message built so far (asynchronously) and empties the buffer. */
static sl_status publish_message(sl_nats_sink *sink, sl_error *err)
{
    natsStatus s = js_PublishAsync(sink->link.jetstream, sink->options.subject, sink->message.buf,
                                   (int)sink->message.size, NULL);
    sink->message.size = 0;
    if (s != NATS_OK) {
        char action[400];
        snprintf(action, sizeof action, "cannot publish to subject '%s' of %s", sink->options.subject,
                 sink->options.server);
        return sl_nats_error(err, sink->what, action, s, 0);
    }
    return SL_OK;
}

sl_status sl_nats_sink_write(sl_nats_sink *sink, const sl_batch *batch, int64_t *published, sl_error *err)
{
    int64_t messages = 0;
    sl_status st = SL_OK;
    sink->message.size = 0;
    for (uint32_t i = 0; i < batch->count && st == SL_OK; i++) {
        uint32_t row = sl_batch_row(batch, i);
        int8_t change = batch->change ? batch->change[row] : SL_CHANGE_INSERT;
        if (sink->options.format == SL_NATS_SINK_JSON) {
            st = sl_json_write_row(&sink->message, (const char *const *)sink->names, sink->column_count, batch, row,
                                   sink->options.op_field ? op_name(batch->change ? batch->change[row] : SL_CHANGE_INSERT) : NULL, err);
        } else if (change == SL_CHANGE_UPDATE_BEFORE && i + 1 < batch->count &&
                   batch->change[sl_batch_row(batch, i + 1)] == SL_CHANGE_UPDATE_AFTER) {
            st = sl_json_write_debezium(&sink->message, (const char *const *)sink->names, sink->column_count, batch, row, sl_batch_row(batch, i + 1), "u", err);
            i++;
        } else if (change < 0) {
            st = sl_json_write_debezium(&sink->message, (const char *const *)sink->names, sink->column_count, batch, row, UINT32_MAX, "d", err);
        } else {
            st = sl_json_write_debezium(&sink->message, (const char *const *)sink->names, sink->column_count, batch, UINT32_MAX, row, "c", err);
        }
        if (st == SL_OK)
            st = publish_message(sink, err);
        if (st == SL_OK)
            messages++;
    }
    /* wait for the acks of what was published, also after a failure */
    jsPubOptions wait;
    jsPubOptions_Init(&wait);
    wait.MaxWait = PUBLISH_ACK_WAIT_MILLIS;
    natsStatus s = js_PublishAsyncComplete(sink->link.jetstream, &wait);
    if (st != SL_OK)
        return st;
    if (s == NATS_TIMEOUT) {
        natsMsgList pending = { 0 };
        int missing = 0;
        if (js_PublishAsyncGetPendingList(&pending, sink->link.jetstream) == NATS_OK)
            missing = pending.Count;
        natsMsgList_Destroy(&pending);
        return sl_error_set(err, SL_ERR_IO, "%s: %d of %lld messages to subject '%s' were not acknowledged by JetStream within %d s",
                            sink->what, missing, (long long)messages, sink->options.subject,
                            PUBLISH_ACK_WAIT_MILLIS / 1000);
    }
    if (s != NATS_OK)
        return sl_nats_error(err, sink->what, "waiting for publish acks failed", s, 0);
    pthread_mutex_lock(&sink->lock);
    int64_t failures = sink->failures;
    char reason[256];
    snprintf(reason, sizeof reason, "%s", sink->first_failure);
    sink->failures = 0;
    pthread_mutex_unlock(&sink->lock);
    if (failures)
        return sl_error_set(err, SL_ERR_IO,
                            "%s: %lld of %lld messages to subject '%s' were not stored by JetStream: %s%s", sink->what,
                            (long long)failures, (long long)messages, sink->options.subject, reason,
                            strstr(reason, "No responders") ? " (no stream stores this subject?)" : "");
    if (published)
        *published += messages;
    return SL_OK;
}
