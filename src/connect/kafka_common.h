/*
 * kafka_common.h — what the Kafka source (kafka_source.c) and sink (kafka_sink.c) share:
 * the connection options (properties.bootstrap.server and the properties.* passed to
 * librdkafka) and making a librdkafka client from them with errors in Sluice's terms.
 */
#ifndef SL_CONNECT_KAFKA_COMMON_H
#define SL_CONNECT_KAFKA_COMMON_H

#include <librdkafka/rdkafka.h>

#include "connect/connector.h"

typedef struct sl_kafka_client_options {
    const char *bootstrap;              /* properties.bootstrap.server(s) */
    uint32_t property_count;            /* properties.<name> other than the bootstrap */
    const char **property_names;        /* <name> without "properties." */
    const char **property_values;
} sl_kafka_client_options;

/* Is `name` a pass-through librdkafka property ("properties.<name>")? For the `accept`
 * callback of sl_connector_check_options. */
bool sl_kafka_property_option(const char *name);

/* Reads the bootstrap (required) and the properties.* of `options` (arena copies).
 * `position` is the statement's, for the missing-bootstrap error. */
sl_status sl_kafka_client_options_read(sl_arena *arena, const sl_connector_option *options, uint32_t option_count,
                                       int position, const char *connector, sl_kafka_client_options *out,
                                       sl_error *err);
/* The same for a source's spec. */
sl_status sl_kafka_client_options_bind(sl_arena *arena, const sl_connector_spec *spec, const char *connector,
                                       sl_kafka_client_options *out, sl_error *err);
/* Checks that librdkafka takes every property (name and value) without connecting: an
 * error names the property and says why. */
sl_status sl_kafka_client_options_check(const sl_kafka_client_options *options, const char *connector,
                                        const char *group_id, sl_error *err);

/* Makes a client of `type`: the bootstrap, group.id (consumers; NULL none), Sluice's own
 * settings (consumers: no auto commit, no partition EOF events; producers: idempotence,
 * acks=all) then the user's properties (which win). rebalance / error_callback / delivery
 * (producers: each message's delivery report) / opaque may be NULL. `what` ("source 's' (topic 't')") starts error messages. *out: destroy with
 * rd_kafka_destroy. */
sl_status sl_kafka_client_new(const sl_kafka_client_options *options, rd_kafka_type_t type, const char *group_id,
                              void (*rebalance)(rd_kafka_t *, rd_kafka_resp_err_t, rd_kafka_topic_partition_list_t *,
                                                void *),
                              void (*error_callback)(rd_kafka_t *, int, const char *, void *),
                              void (*delivery)(rd_kafka_t *, const rd_kafka_message_t *, void *), void *opaque,
                              const char *what, rd_kafka_t **out, sl_error *err);

#endif
