/*
 * nexmark_source.c — the `nexmark` connector: CREATE SOURCE ... WITH (connector = 'nexmark',
 * table = 'person'|'auction'|'bid', ...) over the generator in nexmark.c.
 *
 * Options (all optional but `table`):
 *   table        which projection of the event sequence the source reads
 *   event_rate   events per second of event time (default 10000)
 *   max_events   number of events (of all three kinds) before the source ends; absent:
 *                unbounded. max_events = 10000 gives 200 people, 600 auctions, 9200 bids.
 *   seed         integer seed (default 0); same options, same events
 *   pace         true: emit events no faster than their event time advances (demos)
 *   splits       number of parallel generator splits (default 1; parallel generation
 *                is used by continuous execution, a batch scan runs them in sequence)
 *
 * Columns: the table's Flink DDL columns, or a declared list naming a subset of them in
 * any order (same types). The default watermark is `dateTime - INTERVAL '4' SECOND`.
 * A projected scan (init_projected) fills only the generator columns the query reads.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "connect/connector.h"
#include "connect/nexmark.h"

typedef struct nexmark_bind {
    sl_nexmark_config config;
    sl_nexmark_table table;
    int64_t max_events;          /* -1: unbounded */
    bool pace;
    int64_t splits;
    uint32_t column_count;
    uint32_t *columns;           /* generator column of each output column */
} nexmark_bind;

typedef struct nexmark_scan {
    const nexmark_bind *bind;
    sl_nexmark_generator *generator;
    int64_t next_event;
    int64_t end_event;
    int64_t start_micros;        /* wall clock at the first batch (pace) */
    uint32_t column_count;       /* columns produced */
    uint32_t *columns;           /* generator column of each produced column (owned) */
} nexmark_scan;

static const char *const nexmark_options[] = { "table", "event_rate", "max_events", "seed", "pace", "splits", NULL };

static sl_status nexmark_bind_spec(sl_arena *arena, const sl_connector_spec *spec, sl_connector_bound *out,
                                   sl_error *err)
{
    const char *me = "nexmark";
    SL_TRY(sl_connector_check_options(spec, me, nexmark_options, NULL, err));
    nexmark_bind *b = sl_arena_calloc(arena, sizeof *b);
    if (!b)
        return sl_error_oom(err);
    sl_nexmark_config_init(&b->config);
    const sl_connector_option *table = sl_connector_option_find(spec, "table");
    if (!table)
        return sl_error_set_at(err, SL_ERR_INVALID_ARG, spec->position,
                               "connector 'nexmark' needs the option table = 'person' | 'auction' | 'bid'");
    char lower[16];
    size_t n = strlen(table->value);
    for (size_t i = 0; i < n && i + 1 < sizeof lower; i++)
        lower[i] = (char)(table->value[i] >= 'A' && table->value[i] <= 'Z' ? table->value[i] + 32 : table->value[i]);
    lower[n < sizeof lower ? n : sizeof lower - 1] = '\0';
    if (n >= sizeof lower || !sl_nexmark_table_parse(lower, &b->table))
        return sl_connector_option_error(err, table, me, "must be 'person', 'auction' or 'bid', got '%s'",
                                         table->value);
    SL_TRY(sl_connector_option_int(spec, me, "event_rate", 1, INT64_C(1000000000000), &b->config.event_rate, err));
    b->max_events = -1;
    SL_TRY(sl_connector_option_int(spec, me, "max_events", 0, INT64_MAX, &b->max_events, err));
    int64_t seed = 0;
    SL_TRY(sl_connector_option_int(spec, me, "seed", INT64_MIN, INT64_MAX, &seed, err));
    b->config.seed = (uint64_t)seed;
    SL_TRY(sl_connector_option_bool(spec, me, "pace", &b->pace, err));
    b->splits = 1;
    SL_TRY(sl_connector_option_int(spec, me, "splits", 1, 1024, &b->splits, err));

    /* schema: all columns, or the declared ones matched by name */
    uint32_t table_columns = sl_nexmark_column_count(b->table);
    uint32_t count = spec->column_count ? spec->column_count : table_columns;
    b->columns = sl_arena_alloc(arena, sizeof(uint32_t) * count);
    sl_type *types = sl_arena_alloc(arena, sizeof(sl_type) * count);
    const char **names = sl_arena_alloc(arena, sizeof(char *) * count);
    if (!b->columns || !types || !names)
        return sl_error_oom(err);
    for (uint32_t i = 0; i < count; i++) {
        if (!spec->column_count) {
            b->columns[i] = i;
            types[i] = sl_nexmark_column_type(b->table, i);
            names[i] = sl_nexmark_column_name(b->table, i);
            continue;
        }
        const sl_column_def *def = &spec->columns[i];
        uint32_t c;
        for (c = 0; c < table_columns; c++)
            if (strcasecmp(def->name, sl_nexmark_column_name(b->table, c)) == 0)
                break;
        if (c == table_columns) {
            char list[256];
            size_t len = 0;
            for (uint32_t k = 0; k < table_columns; k++)
                len += (size_t)snprintf(list + len, sizeof list - len, "%s%s", k ? ", " : "",
                                        sl_nexmark_column_name(b->table, k));
            return sl_error_set_at(err, SL_ERR_CATALOG, spec->position,
                                   "nexmark table '%s' has no column \"%s\" (its columns: %s)",
                                   sl_nexmark_table_name(b->table), def->name, list);
        }
        sl_type want = sl_nexmark_column_type(b->table, c);
        if (!sl_type_equal(want, def->type)) {
            char a[32], d[32];
            return sl_error_set_at(err, SL_ERR_TYPE, spec->position,
                                   "column \"%s\" of nexmark table '%s' has type %s, not %s", def->name,
                                   sl_nexmark_table_name(b->table), sl_type_name(want, a, sizeof a),
                                   sl_type_name(def->type, d, sizeof d));
        }
        b->columns[i] = c;
        types[i] = want;
        names[i] = def->name;
    }
    b->column_count = count;

    out->column_count = count;
    out->types = types;
    out->names = names;
    out->bind_data = b;
    out->bounded = b->max_events >= 0;
    out->default_watermark_column = "dateTime";
    out->default_watermark_sql = "dateTime - INTERVAL '4' SECOND";
    /* the default watermark needs dateTime among the columns */
    bool has_time = false;
    for (uint32_t i = 0; i < count; i++)
        has_time |= strcasecmp(names[i], "dateTime") == 0;
    if (!has_time)
        out->default_watermark_column = out->default_watermark_sql = NULL;
    return SL_OK;
}

static void nexmark_free(void *state);

/* Starts a scan producing the source columns columns[0..column_count) (NULL: all of
 * them), each mapped to its generator column. */
static sl_status nexmark_start(const nexmark_bind *b, const uint32_t *columns, uint32_t column_count, void **state,
                               sl_error *err)
{
    nexmark_scan *s = sl_calloc(1, sizeof *s);
    if (!s)
        return sl_error_oom(err);
    s->column_count = columns ? column_count : b->column_count;
    s->columns = sl_malloc(sizeof(uint32_t) * (s->column_count + 1));
    if (!s->columns) {
        sl_free(s);
        return sl_error_oom(err);
    }
    for (uint32_t i = 0; i < s->column_count; i++) {
        uint32_t c = columns ? columns[i] : i;
        if (c >= b->column_count) {
            nexmark_free(s);
            return sl_error_set(err, SL_ERR_INTERNAL, "nexmark: column %u out of range", c);
        }
        s->columns[i] = b->columns[c];
    }
    sl_status st = sl_nexmark_generator_new(&b->config, &s->generator, err);
    if (st != SL_OK) {
        nexmark_free(s);
        return st;
    }
    s->bind = b;
    s->next_event = 0;
    s->end_event = b->max_events >= 0 ? b->max_events : INT64_MAX;
    s->start_micros = -1;
    *state = s;
    return SL_OK;
}

static sl_status nexmark_init(const void *bind_data, sl_exec_context *exec, void **state, sl_error *err)
{
    return nexmark_start(bind_data, NULL, 0, state, err);
}

static sl_status nexmark_init_projected(const void *bind_data, sl_exec_context *exec, const uint32_t *columns,
                                        uint32_t column_count, void **state, sl_error *err)
{
    if (!columns)
        return sl_error_set(err, SL_ERR_INTERNAL, "nexmark: projected scan without a column list");
    return nexmark_start(bind_data, columns, column_count, state, err);
}

static sl_status nexmark_next(void *state, sl_exec_context *exec, sl_batch **out, sl_error *err)
{
    nexmark_scan *s = state;
    const nexmark_bind *b = s->bind;
    *out = NULL;
    while (s->next_event < s->end_event) {
        int64_t end = s->end_event;
        if (b->pace) {
            /* at most a tenth of a second of events per batch, released at its event time */
            int64_t chunk = b->config.event_rate / 10 > 0 ? b->config.event_rate / 10 : 1;
            if (end - s->next_event > chunk)
                end = s->next_event + chunk;
        }
        int64_t first = s->next_event;
        sl_batch *batch = NULL;
        SL_TRY(sl_nexmark_generate(s->generator, b->table, &s->next_event, end, SL_BATCH_CAPACITY, s->columns,
                                   s->column_count, &batch, err));
        if (b->pace) {
            if (s->start_micros < 0)
                s->start_micros = sl_connector_now_micros();
            int64_t due = sl_nexmark_event_time(&b->config, s->next_event - 1) -
                          sl_nexmark_event_time(&b->config, 0);
            sl_status st = sl_connector_pace(exec, s->start_micros, due, err);
            if (st != SL_OK) {
                sl_batch_free(batch);
                return st;
            }
        }
        if (batch->count > 0 || s->next_event >= s->end_event) {
            if (batch->count == 0) {
                sl_batch_free(batch);
                return SL_OK;
            }
            *out = batch;
            return SL_OK;
        }
        sl_batch_free(batch);
        if (s->next_event == first)
            break;   /* no progress: cannot happen, but never spin */
    }
    return SL_OK;
}

/* Continuous queries: like next(), but a paced scan whose next events are not due yet
 * reports idle instead of sleeping, so the driver (and the statement lock) is free
 * meanwhile. */
static sl_status nexmark_poll(void *state, sl_exec_context *exec, sl_batch **out, bool *idle, sl_error *err)
{
    nexmark_scan *s = state;
    const nexmark_bind *b = s->bind;
    *out = NULL;
    *idle = false;
    if (b->pace && s->next_event < s->end_event) {
        int64_t chunk = b->config.event_rate / 10 > 0 ? b->config.event_rate / 10 : 1;
        int64_t last = s->next_event + chunk < s->end_event ? s->next_event + chunk - 1 : s->end_event - 1;
        int64_t due = sl_nexmark_event_time(&b->config, last) - sl_nexmark_event_time(&b->config, 0);
        int64_t now = sl_connector_now_micros();
        if (s->start_micros < 0)
            s->start_micros = now;
        if (now - s->start_micros < due) {
            *idle = true;
            return SL_OK;
        }
    }
    return nexmark_next(state, exec, out, err);   /* due now: its pacing does not wait */
}

static void nexmark_free(void *state)
{
    nexmark_scan *s = state;
    if (!s)
        return;
    sl_nexmark_generator_free(s->generator);
    sl_free(s->columns);
    sl_free(s);
}

static const sl_table_function nexmark_scan_function = {
    .name = "nexmark",
    .bind = NULL,
    .init = nexmark_init,
    .init_projected = nexmark_init_projected,
    .next = nexmark_next,
    .free = nexmark_free,
    .poll = nexmark_poll,
};

const sl_connector sl_nexmark_connector = {
    .name = "nexmark",
    .bind = nexmark_bind_spec,
    .scan = &nexmark_scan_function,
};
