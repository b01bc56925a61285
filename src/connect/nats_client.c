/*
 * nats_client.c — connecting to a NATS server with JetStream for the nats source and sink
 * (see nats_client.h), and libnats failures as sl_error messages.
 */
#include "connect/nats_client.h"

#include <stdio.h>
#include <string.h>

sl_status sl_nats_error(sl_error *err, const char *what, const char *action, natsStatus status, int jerr)
{
    natsStatus last_status = NATS_OK;
    const char *detail = nats_GetLastError(&last_status);
    /* libnats prefixes its detail with "Error: (file.c:line): "; the reader needs the rest */
    const char *source_location = detail ? strstr(detail, "): ") : NULL;
    if (source_location && strchr(detail, '(') && strchr(detail, '(') < source_location)
        detail = source_location + 3;
    char code[48] = "";
    if (jerr)
        snprintf(code, sizeof code, " (JetStream error %d)", jerr);
    if (detail && *detail && status == NATS_ERR)   /* "Error": the detail says it all */
        return sl_error_set(err, SL_ERR_IO, "%s: %s: %s%s", what, action, detail, code);
    if (detail && *detail && strcmp(detail, natsStatus_GetText(status)) != 0)
        return sl_error_set(err, SL_ERR_IO, "%s: %s: %s: %s%s", what, action, natsStatus_GetText(status), detail, code);
    return sl_error_set(err, SL_ERR_IO, "%s: %s: %s%s", what, action, natsStatus_GetText(status), code);
}

sl_status sl_nats_link_open(const char *server, const char *what, const jsOptions *js_options, sl_nats_link *link,
                            sl_error *err)
{
    memset(link, 0, sizeof *link);
    natsOptions *options = NULL;
    natsStatus s = natsOptions_Create(&options);
    if (s == NATS_OK)
        s = natsOptions_SetURL(options, server);      /* a comma-separated list is fine */
    if (s == NATS_OK)
        s = natsOptions_SetTimeout(options, 5000);          /* connect: 5 s */
    if (s == NATS_OK)
        s = natsOptions_SetMaxReconnect(options, 60);       /* then 60 tries, 2 s apart */
    if (s == NATS_OK)
        s = natsOptions_SetName(options, "sluice");
    char action[512];
    snprintf(action, sizeof action, "cannot connect to NATS server %s", server);
    if (s == NATS_OK)
        s = natsConnection_Connect(&link->connection, options);
    natsOptions_Destroy(options);
    if (s != NATS_OK) {
        link->connection = NULL;
        return sl_nats_error(err, what, action, s, 0);
    }
    jsOptions options_copy;
    if (js_options)
        options_copy = *js_options;
    else
        jsOptions_Init(&options_copy);
    if (options_copy.Wait <= 0)
        options_copy.Wait = 5000;                            /* JetStream API calls: 5 s */
    s = natsConnection_JetStream(&link->jetstream, link->connection, &options_copy);
    if (s != NATS_OK) {
        sl_status st = sl_nats_error(err, what, "cannot open a JetStream context", s, 0);
        sl_nats_link_close(link, 0);
        return st;
    }
    return SL_OK;
}

void sl_nats_link_close(sl_nats_link *link, int64_t flush_millis)
{
    if (link->connection && flush_millis > 0)
        natsConnection_FlushTimeout(link->connection, flush_millis);
    if (link->jetstream)
        jsCtx_Destroy(link->jetstream);
    if (link->connection)
        natsConnection_Destroy(link->connection);
    link->jetstream = NULL;
    link->connection = NULL;
}
