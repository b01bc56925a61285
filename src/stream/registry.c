/*
 * registry.c — the running continuous queries of a database (see registry.h).
 */
#include "stream/registry.h"

#include <pthread.h>

typedef struct registered_query {
    uint64_t id;
    sl_continuous *query;
} registered_query;

struct sl_query_registry {
    pthread_mutex_t lock;
    registered_query *items;
    size_t count, capacity;
    uint64_t next_id;
};

sl_query_registry *sl_query_registry_new(void)
{
    sl_query_registry *r = sl_calloc(1, sizeof *r);
    if (!r)
        return NULL;
    pthread_mutex_init(&r->lock, NULL);
    r->next_id = 1;
    return r;
}

void sl_query_registry_free(sl_query_registry *r)
{
    if (!r)
        return;
    pthread_mutex_destroy(&r->lock);
    sl_free(r->items);
    sl_free(r);
}

sl_status sl_query_registry_add(sl_query_registry *r, sl_continuous *query, uint64_t *id, sl_error *err)
{
    pthread_mutex_lock(&r->lock);
    sl_status st = sl_array_reserve((void **)&r->items, &r->capacity, r->count + 1, sizeof *r->items, err);
    if (st == SL_OK) {
        *id = r->next_id++;
        r->items[r->count++] = (registered_query){ *id, query };
    }
    pthread_mutex_unlock(&r->lock);
    return st;
}

void sl_query_registry_remove(sl_query_registry *r, uint64_t id)
{
    pthread_mutex_lock(&r->lock);
    for (size_t i = 0; i < r->count; i++) {
        if (r->items[i].id == id) {
            memmove(r->items + i, r->items + i + 1, (r->count - i - 1) * sizeof *r->items);
            r->count--;
            break;
        }
    }
    pthread_mutex_unlock(&r->lock);
}

sl_status sl_query_registry_visit(sl_query_registry *r, sl_query_visit_fn visit, void *state, sl_error *err)
{
    sl_status st = SL_OK;
    pthread_mutex_lock(&r->lock);
    for (size_t i = 0; i < r->count && st == SL_OK; i++) {
        uint32_t n = sl_continuous_operator_count(r->items[i].query);
        for (uint32_t k = 0; k < n && st == SL_OK; k++) {
            const sl_op_metrics *metrics = NULL;
            const sl_physical_op *plan = sl_continuous_operator(r->items[i].query, k, &metrics);
            st = visit(state, r->items[i].id, k, plan, metrics,
                       sl_continuous_operator_state(r->items[i].query, k), err);
        }
    }
    pthread_mutex_unlock(&r->lock);
    return st;
}
