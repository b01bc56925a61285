/*
 * registry.h — the continuous queries running in a database, for the system tables
 * sluice_operator_metrics and sluice_watermarks (stream/system_tables.c).
 *
 * A live result registers its query when it starts and unregisters it before the query
 * is freed. Readers visit the registered queries under the registry's lock; since every
 * statement of a database runs under its statement lock, a continuous query is never
 * being driven while a system table reads it (its counters are atomics anyway).
 */
#ifndef SL_STREAM_REGISTRY_H
#define SL_STREAM_REGISTRY_H

#include "exec/executor.h"

typedef struct sl_query_registry sl_query_registry;

sl_query_registry *sl_query_registry_new(void);
void sl_query_registry_free(sl_query_registry *registry);
/* Registers a running query; *id receives its number (1, 2, ...). */
sl_status sl_query_registry_add(sl_query_registry *registry, sl_continuous *query, uint64_t *id, sl_error *err);
void sl_query_registry_remove(sl_query_registry *registry, uint64_t id);

/* Calls visit once per operator of every running query, in registration and plan order. */
typedef sl_status (*sl_query_visit_fn)(void *state, uint64_t query_id, uint32_t operator_id,
                                       const sl_physical_op *plan, const sl_op_metrics *metrics,
                                       void *operator_state, sl_error *err);
sl_status sl_query_registry_visit(sl_query_registry *registry, sl_query_visit_fn visit, void *state, sl_error *err);

#endif
