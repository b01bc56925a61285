/*
 * nats_client.h — what the NATS JetStream source (nats_source.c) and sink (nats_sink.c)
 * share: connecting to a server (libnats, the NATS C client) and turning libnats failures
 * into sl_error messages that name the connector, the server and what failed.
 *
 * Lifetime: a sl_nats_link owns its connection and JetStream context; sl_nats_link_close
 * flushes what is still buffered (acks, publishes) with a bounded wait, then frees both.
 */
#ifndef SL_CONNECT_NATS_CLIENT_H
#define SL_CONNECT_NATS_CLIENT_H

#include <nats/nats.h>

#include "common/status.h"

typedef struct sl_nats_link {
    natsConnection *connection;
    jsCtx *jetstream;
} sl_nats_link;

/* Connects to `server` (a NATS URL, e.g. nats://127.0.0.1:4222; a comma-separated list is
 * tried in order) within a few seconds and opens a JetStream context. `what` names the
 * caller for messages ("source 'orders'", "sink 'out'"). On failure *link is left empty
 * and the error says which server could not be reached and why. js_options: for the
 * JetStream context (publish-ack handlers of the sink); NULL = defaults. Its Wait (the
 * time JetStream API calls may take) is set to 5 s when 0. */
sl_status sl_nats_link_open(const char *server, const char *what, const jsOptions *js_options, sl_nats_link *link,
                            sl_error *err);
/* Flushes (at most `flush_millis` ms), then closes and frees; an empty link is fine. */
void sl_nats_link_close(sl_nats_link *link, int64_t flush_millis);

/* Error from a failed libnats call: "<what>: <action>: <status text>[: <detail>]", with the
 * JetStream error code when there is one (0 = none). Returns SL_ERR_IO. */
sl_status sl_nats_error(sl_error *err, const char *what, const char *action, natsStatus status, int jerr);

#endif
