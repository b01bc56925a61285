/*
 * stream_aggregate.c — STREAM_AGGREGATE: GROUP BY plan->exprs computing plan->aggregates
 * over an unbounded input, emitting a changelog (src/stream/README.md). Output columns:
 * groups ++ aggregates, with the types HASH_AGGREGATE gives them.
 *
 * A push stage. Every DATA batch is one mini-batch:
 *   1. the group keys are evaluated and looked up in an sl_hash_table (created as needed);
 *      the groups the batch touches are listed once each, in order of first touch;
 *   2. the touched groups' current results are finalized ("before");
 *   3. the rows are folded in: an insert (change NULL, +1, +2) adds, a retraction (-1, -2)
 *      removes; every group counts its net rows;
 *   4. the results are finalized again ("after") and, per touched group:
 *        had a row, still has rows, result changed  -> UPDATE_BEFORE(before), UPDATE_AFTER(after)
 *        had no row, has rows now                    -> INSERT(after)
 *        had a row, its row count dropped to 0       -> DELETE(before); its states are reset
 *        result unchanged                            -> nothing.
 * WATERMARK and BARRIER pass through; END is forwarded (nothing is ever pending).
 *
 * Global aggregates (no GROUP BY) follow PostgreSQL: exactly one row always exists (over
 * an empty input count(*) = 0, sum = NULL). It is emitted (INSERT) with the first message
 * of any kind — folded with the first batch when that is DATA — and from then on only
 * updated (-U/+U), never deleted, so the consolidated output equals the batch query's
 * result over the input seen so far, the empty input included. (Flink emits nothing until
 * the first row and deletes the row when every row is retracted; we prefer the result
 * that matches the batch query.)
 *
 * Aggregate states. Over an append-only input (plan->children[0]->append_only) every
 * aggregate uses the registry's own states (expr/aggregate.c: init / update / finalize),
 * so results equal HASH_AGGREGATE's exactly, for every aggregate function. Over a
 * retracting input the retractable aggregates use the accumulators of this file:
 *   count(*), count(x)          net count (of non-NULL x)
 *   sum(x), avg(x)              exact 128-bit sum (integers, decimals) or double sum, plus
 *                               the count of non-NULL values (a double sum is reset to 0
 *                               when that count drops to 0, so rounding drift does not stay)
 *   bool_and(x), bool_or(x)     counts of TRUE and FALSE values
 *   min(x), max(x)              the group's distinct values, sorted (see multisets below):
 *                               retracting the current minimum makes the next one current
 * and any other aggregate over a retracting input is rejected at init, naming it.
 *
 * Multisets. A DISTINCT aggregate, and min/max over a retracting input, keep per aggregate
 * one hash table (group id, arguments) -> occurrence count, like HASH_AGGREGATE's DISTINCT
 * sets. A row only reaches the accumulator when it changes a count between 0 and 1 — a
 * value becoming present (+) or absent (-) in its group — so count(DISTINCT x) is count
 * over those transitions, and min/max keep the present values of a group in a sorted
 * array of multiset entry ids.
 *
 * Lifetimes. All state lives in the global state (one driver thread runs a continuous
 * query). A group whose rows are all retracted has its states destroyed and re-initialized
 * (owned memory released); its hash-table entry and the multiset entries of its values stay
 * (sl_hash_table has no delete) and are reused when the key comes back. Metrics:
 * state_rows = groups holding rows, state_bytes = bytes reserved by the tables and arrays.
 */
#include <string.h>

#include "exec/hash_table.h"
#include "expr/function.h"
#include "expr/registry.h"

#define AGG_NAME "STREAM_AGGREGATE"

/* How one aggregate's state is kept. */
typedef enum agg_mode {
    MODE_REGISTRY,      /* append-only input: the registry's state and functions */
    MODE_COUNT,         /* count(*) (no argument) / count(x) */
    MODE_SUM_EXACT,
    MODE_AVG_EXACT,
    MODE_SUM_DOUBLE,
    MODE_AVG_DOUBLE,
    MODE_BOOL_AND,
    MODE_BOOL_OR,
    MODE_MIN,
    MODE_MAX
} agg_mode;

typedef struct exact_state {
    sl_int128 sum;
    int64_t count;
} exact_state;

typedef struct double_state {
    double sum;
    int64_t count;
} double_state;

typedef struct bool_state {
    int64_t trues;
    int64_t falses;
} bool_state;

/* The present values of a group, as multiset entry ids sorted by value. */
typedef struct minmax_state {
    uint32_t *ids;
    uint32_t count;
    uint32_t capacity;
} minmax_state;

/* Per group, before the aggregate states. */
typedef struct group_header {
    int64_t rows;          /* net input rows (inserts - retractions) */
    uint64_t touched;      /* the mini-batch that last touched the group */
    bool live;             /* the group's row is in the emitted output */
} group_header;

#define HEADER_SIZE ((sizeof(group_header) + 15) & ~(size_t)15)

typedef struct agg_info {
    agg_mode mode;
    size_t offset;             /* state offset in a group payload */
    bool multiset;             /* DISTINCT, or MIN/MAX over retractions */
    bool values_ready;
    sl_hash_table values;      /* (group id, args...) -> int64 occurrences */
    int scale;                 /* avg of a DECIMAL: its scale */
    /* evaluation */
    uint32_t arg_count;        /* declared args + ORDER BY keys */
    sl_expr_state **args;
    sl_vector **vectors;       /* +1 slot: the group id in multiset keys */
    sl_expr_state *filter;
} agg_info;

typedef struct stream_agg {
    uint32_t group_count;
    uint32_t agg_count;
    uint32_t column_count;     /* group_count + agg_count */
    sl_type *out_types;
    agg_info *aggs;
    size_t payload_size;
    bool table_ready;
    sl_hash_table table;       /* group keys -> header ++ states */
    uint8_t *single;           /* the payload without GROUP BY */
    sl_expr_state **groups;
    sl_vector **group_vectors;
    sl_hash_scratch *scratch;
    uint64_t batch_seq;
    int64_t live_groups;
    int64_t array_bytes;       /* min/max sorted arrays */
    /* per-batch scratch, `capacity` rows each */
    size_t capacity;
    uint64_t *hashes;
    uint64_t *ids;
    uint8_t **payloads;
    uint32_t *fresh;
    uint32_t *rows;            /* active physical rows */
    uint8_t **row_payload;     /* per physical row */
    int8_t *row_sign;          /* per physical row: +1 / -1 */
    uint32_t *sel;
    uint32_t *sel2;
    int8_t *signs;
    uint64_t *entries;
    void **states;
    sl_vector *group_id;       /* BIGINT per physical row */
    /* touched groups of the current batch */
    uint8_t **touched;
    uint32_t *touched_row;     /* a physical row of the group (its key values) */
    bool *was_live;
    uint32_t touched_count;
} stream_agg;

static inline group_header *header_of(uint8_t *payload) { return (group_header *)payload; }

/* ------------------------------------------------------------------ modes */

static bool is_integer_or_decimal(sl_type t)
{
    return t.id == SL_TYPE_TINYINT || t.id == SL_TYPE_SMALLINT || t.id == SL_TYPE_INTEGER ||
           t.id == SL_TYPE_BIGINT || t.id == SL_TYPE_DECIMAL;
}

/* The retractable accumulator for `agg`, or MODE_REGISTRY when there is none. */
static agg_mode retract_mode_of(const sl_expr *agg)
{
    const char *name = agg->aggregate->name;
    if (agg->order_count > 0 && strcmp(name, "min") && strcmp(name, "max"))
        return MODE_REGISTRY;
    if (!strcmp(name, "count_star") || !strcmp(name, "count"))
        return MODE_COUNT;
    if (agg->arg_count != 1)
        return MODE_REGISTRY;
    sl_type t = agg->args[0]->type;
    bool exact = is_integer_or_decimal(t);
    bool floating = t.id == SL_TYPE_DOUBLE || t.id == SL_TYPE_REAL;
    if (!strcmp(name, "sum"))
        return exact ? MODE_SUM_EXACT : floating ? MODE_SUM_DOUBLE : MODE_REGISTRY;
    if (!strcmp(name, "avg"))
        return exact ? MODE_AVG_EXACT : floating ? MODE_AVG_DOUBLE : MODE_REGISTRY;
    if (!strcmp(name, "bool_and"))
        return MODE_BOOL_AND;
    if (!strcmp(name, "bool_or"))
        return MODE_BOOL_OR;
    if (!strcmp(name, "min"))
        return MODE_MIN;
    if (!strcmp(name, "max"))
        return MODE_MAX;
    return MODE_REGISTRY;
}

static size_t mode_state_size(const sl_expr *agg, agg_mode mode)
{
    switch (mode) {
    case MODE_REGISTRY: return agg->aggregate->state_size;
    case MODE_COUNT: return sizeof(int64_t);
    case MODE_SUM_EXACT: case MODE_AVG_EXACT: return sizeof(exact_state);
    case MODE_SUM_DOUBLE: case MODE_AVG_DOUBLE: return sizeof(double_state);
    case MODE_BOOL_AND: case MODE_BOOL_OR: return sizeof(bool_state);
    case MODE_MIN: case MODE_MAX: return sizeof(minmax_state);
    }
    return 0;
}

static void state_init(const sl_expr *agg, const agg_info *a, void *state)
{
    if (a->mode == MODE_REGISTRY)
        agg->aggregate->init(agg, state);
    else
        memset(state, 0, mode_state_size(agg, a->mode));
}

static void state_destroy(stream_agg *g, const sl_expr *agg, const agg_info *a, void *state)
{
    if (a->mode == MODE_REGISTRY) {
        if (agg->aggregate->destroy)
            agg->aggregate->destroy(agg, state);
    } else if (a->mode == MODE_MIN || a->mode == MODE_MAX) {
        minmax_state *m = state;
        g->array_bytes -= (int64_t)(m->capacity * sizeof *m->ids);
        sl_free(m->ids);
        memset(m, 0, sizeof *m);
    }
}

/* ------------------------------------------------------------------ retractable accumulators */

/* Value of an integer / decimal slot as a 128-bit integer (unscaled). */
static sl_int128 read_exact(const sl_vector *v, uint32_t row)
{
    switch (v->type.id) {
    case SL_TYPE_TINYINT: return SL_VECTOR_DATA(v, int8_t)[row];
    case SL_TYPE_SMALLINT: return SL_VECTOR_DATA(v, int16_t)[row];
    case SL_TYPE_INTEGER: return SL_VECTOR_DATA(v, int32_t)[row];
    case SL_TYPE_BIGINT: return SL_VECTOR_DATA(v, int64_t)[row];
    case SL_TYPE_DECIMAL:
        return sl_decimal_is_small(v->type) ? (sl_int128)SL_VECTOR_DATA(v, int64_t)[row]
                                             : SL_VECTOR_DATA(v, sl_int128)[row];
    default: return 0;
    }
}

static double read_double(const sl_vector *v, uint32_t row)
{
    return v->type.id == SL_TYPE_REAL ? (double)SL_VECTOR_DATA(v, float)[row] : SL_VECTOR_DATA(v, double)[row];
}

/* The value of multiset entry `entry` of aggregate a: the vector and slot of its first argument. */
static const sl_vector *entry_value(const agg_info *a, uint64_t entry, uint32_t *slot)
{
    const sl_hash_partition *part = &a->values.partitions[entry >> 32];
    uint32_t e = (uint32_t)entry;
    *slot = e % SL_BATCH_CAPACITY;
    return part->keys.chunks[e / SL_BATCH_CAPACITY]->columns[1];
}

static int entry_compare(const agg_info *a, uint64_t x, uint64_t y)
{
    uint32_t rx, ry;
    const sl_vector *vx = entry_value(a, x, &rx);
    const sl_vector *vy = entry_value(a, y, &ry);
    return sl_slot_compare(vx, rx, vy, ry);
}

/* Adds (sign > 0) or removes a present value (multiset entry) of a group's sorted set. */
static sl_status minmax_apply(stream_agg *g, const agg_info *a, minmax_state *m, uint64_t entry, int sign,
                              sl_error *err)
{
    /* lo = first position whose value is >= the entry's */
    uint32_t lo = 0, hi = m->count;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (entry_compare(a, m->ids[mid], entry) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (sign > 0) {
        while (lo < m->count && entry_compare(a, m->ids[lo], entry) == 0)
            lo++;   /* equal-comparing distinct keys (e.g. '1 month' and '30 days'): after them */
        if (m->count == m->capacity) {
            size_t cap = m->capacity, old = cap;
            SL_TRY(sl_array_reserve((void **)&m->ids, &cap, (size_t)m->count + 1, sizeof *m->ids, err));
            g->array_bytes += (int64_t)((cap - old) * sizeof *m->ids);
            m->capacity = (uint32_t)cap;
        }
        memmove(m->ids + lo + 1, m->ids + lo, (m->count - lo) * sizeof *m->ids);
        m->ids[lo] = (uint32_t)entry;
        m->count++;
        return SL_OK;
    }
    while (lo < m->count && (uint64_t)m->ids[lo] != (uint32_t)entry)
        lo++;
    if (lo == m->count)
        return sl_error_set(err, SL_ERR_INTERNAL, AGG_NAME ": min/max value to retract is not present");
    memmove(m->ids + lo, m->ids + lo + 1, (m->count - lo - 1) * sizeof *m->ids);
    m->count--;
    return SL_OK;
}

/* Folds rows[i] (physical rows of args) with signs[i] into states[i]; entries[i] = the
 * multiset entry of the row (MIN/MAX). */
static sl_status retract_update(stream_agg *g, const sl_expr *agg, const agg_info *a, void **states,
                                sl_vector **args, const uint32_t *rows, const int8_t *signs, const uint64_t *entries,
                                uint32_t count, sl_error *err)
{
    const sl_vector *v = agg->arg_count > 0 ? args[0] : NULL;
    for (uint32_t i = 0; i < count; i++) {
        uint32_t r = rows[i];
        int s = signs[i];
        if (v && !sl_vector_is_valid(v, r))
            continue;   /* every retractable aggregate skips NULL inputs */
        switch (a->mode) {
        case MODE_COUNT:
            *(int64_t *)states[i] += s;
            break;
        case MODE_SUM_EXACT:
        case MODE_AVG_EXACT: {
            exact_state *e = states[i];
            sl_int128 x = read_exact(v, r);
            if (s < 0)
                x = -x;
            if (__builtin_add_overflow(e->sum, x, &e->sum))
                return sl_error_set_at(err, SL_ERR_RUNTIME, agg->position,
                                       "sum: DECIMAL overflow (the total exceeds 38 digits)");
            e->count += s;
            break;
        }
        case MODE_SUM_DOUBLE:
        case MODE_AVG_DOUBLE: {
            double_state *d = states[i];
            double x = read_double(v, r);
            d->sum += s > 0 ? x : -x;
            d->count += s;
            if (d->count == 0)
                d->sum = 0;
            break;
        }
        case MODE_BOOL_AND:
        case MODE_BOOL_OR: {
            bool_state *b = states[i];
            if (SL_VECTOR_DATA(v, uint8_t)[r])
                b->trues += s;
            else
                b->falses += s;
            break;
        }
        case MODE_MIN:
        case MODE_MAX:
            SL_TRY(minmax_apply(g, a, states[i], entries[i], s, err));
            break;
        case MODE_REGISTRY:
            return sl_error_set(err, SL_ERR_INTERNAL, AGG_NAME ": registry aggregate in the retract path");
        }
    }
    return SL_OK;
}

static const sl_int128 DECIMAL38_MAX = (sl_int128)99999999999999999LL * (sl_int128)1000000000000000000LL * 1000 +
                                       (sl_int128)999999999999999999LL * 1000 + 999;   /* 10^38 - 1 */

/* out[out_offset + i] = result of states[i] (same types and rules as expr/aggregate.c). */
static sl_status retract_finalize(const sl_expr *agg, const agg_info *a, void **states, uint32_t count,
                                  sl_vector *out, uint32_t out_offset, sl_error *err)
{
    for (uint32_t i = 0; i < count; i++) {
        uint32_t row = out_offset + i;
        switch (a->mode) {
        case MODE_COUNT:
            SL_VECTOR_DATA(out, int64_t)[row] = *(const int64_t *)states[i];
            break;
        case MODE_SUM_EXACT: {
            const exact_state *e = states[i];
            if (e->count == 0) {
                SL_TRY(sl_vector_set_null(out, row, err));
            } else if (out->type.id == SL_TYPE_BIGINT) {
                if (e->sum > INT64_MAX || e->sum < INT64_MIN)
                    return sl_error_set_at(err, SL_ERR_RUNTIME, agg->position,
                                           "sum: BIGINT overflow (cast the argument to BIGINT or DECIMAL for a wider sum)");
                SL_VECTOR_DATA(out, int64_t)[row] = (int64_t)e->sum;
            } else if (out->type.id == SL_TYPE_DECIMAL && !sl_decimal_is_small(out->type)) {
                if (e->sum > DECIMAL38_MAX || e->sum < -DECIMAL38_MAX)
                    return sl_error_set_at(err, SL_ERR_RUNTIME, agg->position,
                                           "sum: overflow (the total exceeds 38 digits)");
                SL_VECTOR_DATA(out, sl_int128)[row] = e->sum;
            } else if (out->type.id == SL_TYPE_DECIMAL) {
                SL_VECTOR_DATA(out, int64_t)[row] = (int64_t)e->sum;
            } else {
                return sl_error_set_at(err, SL_ERR_INTERNAL, agg->position, "sum: unexpected result type id %d",
                                       out->type.id);
            }
            break;
        }
        case MODE_AVG_EXACT: {
            const exact_state *e = states[i];
            if (e->count == 0) {
                SL_TRY(sl_vector_set_null(out, row, err));
                break;
            }
            long double divisor = 1;
            for (int k = 0; k < a->scale; k++)
                divisor *= 10;
            sl_int128 q = e->sum / e->count, rem = e->sum % e->count;
            long double v = (long double)q + (long double)rem / (long double)e->count;
            SL_VECTOR_DATA(out, double)[row] = (double)(v / divisor);
            break;
        }
        case MODE_SUM_DOUBLE:
        case MODE_AVG_DOUBLE: {
            const double_state *d = states[i];
            if (d->count == 0)
                SL_TRY(sl_vector_set_null(out, row, err));
            else
                SL_VECTOR_DATA(out, double)[row] = a->mode == MODE_AVG_DOUBLE ? d->sum / (double)d->count : d->sum;
            break;
        }
        case MODE_BOOL_AND:
        case MODE_BOOL_OR: {
            const bool_state *b = states[i];
            if (b->trues + b->falses == 0)
                SL_TRY(sl_vector_set_null(out, row, err));
            else
                SL_VECTOR_DATA(out, uint8_t)[row] = a->mode == MODE_BOOL_AND ? b->falses == 0 : b->trues > 0;
            break;
        }
        case MODE_MIN:
        case MODE_MAX: {
            const minmax_state *m = states[i];
            if (m->count == 0) {
                SL_TRY(sl_vector_set_null(out, row, err));
                break;
            }
            uint32_t slot;
            const sl_vector *src = entry_value(a, m->ids[a->mode == MODE_MIN ? 0 : m->count - 1], &slot);
            SL_TRY(sl_vector_gather(out, row, src, &slot, 1, err));
            break;
        }
        case MODE_REGISTRY:
            return sl_error_set(err, SL_ERR_INTERNAL, AGG_NAME ": registry aggregate in the retract path");
        }
    }
    return SL_OK;
}

/* ------------------------------------------------------------------ global state */

static void destroy_payload(stream_agg *g, const sl_physical_op *plan, uint8_t *payload)
{
    for (uint32_t j = 0; j < g->agg_count; j++)
        state_destroy(g, plan->aggregates[j], &g->aggs[j], payload + g->aggs[j].offset);
}

static void init_payload(stream_agg *g, const sl_physical_op *plan, uint8_t *payload)
{
    memset(payload, 0, HEADER_SIZE);
    for (uint32_t j = 0; j < g->agg_count; j++)
        state_init(plan->aggregates[j], &g->aggs[j], payload + g->aggs[j].offset);
}

static void free_scratch(stream_agg *g)
{
    sl_free(g->hashes);
    sl_free(g->ids);
    sl_free(g->payloads);
    sl_free(g->fresh);
    sl_free(g->rows);
    sl_free(g->row_payload);
    sl_free(g->row_sign);
    sl_free(g->sel);
    sl_free(g->sel2);
    sl_free(g->signs);
    sl_free(g->entries);
    sl_free(g->states);
    sl_free(g->touched);
    sl_free(g->touched_row);
    sl_free(g->was_live);
    if (g->group_id)
        sl_vector_unref(g->group_id);
    g->group_id = NULL;
    g->capacity = 0;
}

static void stream_agg_free_global(const sl_physical_op *plan, void *global)
{
    stream_agg *g = global;
    if (!g)
        return;
    if (g->aggs) {
        if (g->table_ready)
            for (uint32_t p = 0; p < g->table.partition_count; p++)
                for (uint32_t e = 0; e < g->table.partitions[p].entry_count; e++)
                    destroy_payload(g, plan, sl_hash_table_payload(&g->table, p, e));
        if (g->single)
            destroy_payload(g, plan, g->single);
        for (uint32_t j = 0; j < g->agg_count; j++) {
            agg_info *a = &g->aggs[j];
            if (a->values_ready)
                sl_hash_table_free(&a->values);
            if (a->args)
                for (uint32_t k = 0; k < a->arg_count; k++)
                    if (a->args[k])
                        sl_expr_state_free(a->args[k]);
            if (a->filter)
                sl_expr_state_free(a->filter);
            sl_free(a->args);
            sl_free(a->vectors);
        }
    }
    if (g->table_ready)
        sl_hash_table_free(&g->table);
    if (g->groups)
        for (uint32_t i = 0; i < g->group_count; i++)
            if (g->groups[i])
                sl_expr_state_free(g->groups[i]);
    sl_free(g->groups);
    sl_free(g->group_vectors);
    sl_free(g->single);
    sl_free(g->aggs);
    sl_free(g->out_types);
    sl_free(g->scratch);
    free_scratch(g);
    sl_free(g);
}

/* Chooses each aggregate's mode; rejects aggregates that cannot retract over a retracting input. */
static sl_status choose_modes(const sl_physical_op *plan, stream_agg *g, bool retracting, sl_error *err)
{
    for (uint32_t j = 0; j < g->agg_count; j++) {
        const sl_expr *agg = plan->aggregates[j];
        agg_info *a = &g->aggs[j];
        a->mode = MODE_REGISTRY;
        if (retracting) {
            a->mode = retract_mode_of(agg);
            if (a->mode == MODE_REGISTRY) {
                const char *name = agg->aggregate->name;
                return sl_error_set_at(err, SL_ERR_INVALID_INPUT, agg->position,
                                       "%s%s cannot be computed over an input that retracts rows (an aggregate, "
                                       "join or top-N below updates its output); in a continuous query use "
                                       "count, sum, avg, min, max, bool_and or bool_or there, or aggregate an "
                                       "append-only input",
                                       !strcmp(name, "count_star") ? "count(*)" : name,
                                       agg->order_count > 0 ? " with ORDER BY" : "");
            }
            if (agg->arg_count > 0 && agg->args[0]->type.id == SL_TYPE_DECIMAL)
                a->scale = agg->args[0]->type.scale;
        }
        a->multiset = agg->distinct || a->mode == MODE_MIN || a->mode == MODE_MAX;
    }
    return SL_OK;
}

static sl_status stream_agg_init_global(const sl_physical_op *plan, sl_exec_context *exec, void **global,
                                        sl_error *err)
{
    if (plan->child_count != 1)
        return sl_error_set(err, SL_ERR_INTERNAL, AGG_NAME " expects 1 child, has %u", plan->child_count);
    for (uint32_t j = 0; j < plan->aggregate_count; j++) {
        const sl_expr *agg = plan->aggregates[j];
        if (!agg || agg->kind != SL_EXPR_AGGREGATE || !agg->aggregate)
            return sl_error_set(err, SL_ERR_INTERNAL, AGG_NAME ": aggregate %u is not a bound aggregate call", j);
    }
    if (plan->column_count != plan->expr_count + plan->aggregate_count || !plan->types)
        return sl_error_set(err, SL_ERR_INTERNAL, AGG_NAME ": %u output columns for %u groups and %u aggregates",
                            plan->column_count, plan->expr_count, plan->aggregate_count);
    stream_agg *g = sl_calloc(1, sizeof *g);
    if (!g)
        return sl_error_oom(err);
    g->group_count = plan->expr_count;
    g->agg_count = plan->aggregate_count;
    g->column_count = plan->column_count;
    g->aggs = sl_calloc(g->agg_count + 1, sizeof *g->aggs);
    g->out_types = sl_calloc(g->column_count + 1, sizeof *g->out_types);
    g->groups = sl_calloc(g->group_count + 1, sizeof *g->groups);
    g->group_vectors = sl_calloc(g->group_count + 1, sizeof *g->group_vectors);
    g->scratch = sl_malloc(sizeof *g->scratch);
    sl_status st = (!g->aggs || !g->out_types || !g->groups || !g->group_vectors || !g->scratch) ? sl_error_oom(err)
                                                                                                 : SL_OK;
    if (st == SL_OK) {
        memcpy(g->out_types, plan->types, sizeof *g->out_types * g->column_count);
        st = choose_modes(plan, g, !plan->children[0]->append_only, err);
    }
    size_t size = HEADER_SIZE;
    for (uint32_t j = 0; j < g->agg_count && st == SL_OK; j++) {
        const sl_expr *agg = plan->aggregates[j];
        agg_info *a = &g->aggs[j];
        a->offset = size;
        size += (mode_state_size(agg, a->mode) + 15) & ~(size_t)15;
        uint32_t n = agg->arg_count + agg->order_count;
        a->args = sl_calloc(n + 1, sizeof *a->args);
        a->vectors = sl_calloc(n + 2, sizeof *a->vectors);
        if (!a->args || !a->vectors) {
            st = sl_error_oom(err);
            break;
        }
        a->arg_count = n;
        for (uint32_t k = 0; k < n && st == SL_OK; k++) {
            const sl_expr *e = k < agg->arg_count ? agg->args[k] : agg->order_by[k - agg->arg_count];
            if (!(a->args[k] = sl_expr_state_new(e, &exec->eval)))
                st = sl_error_oom(err);
        }
        if (st == SL_OK && agg->filter && !(a->filter = sl_expr_state_new(agg->filter, &exec->eval)))
            st = sl_error_oom(err);
        if (st == SL_OK && a->multiset) {
            sl_type types[257];
            if (agg->arg_count + 1 > 257) {
                st = sl_error_set(err, SL_ERR_INTERNAL, AGG_NAME ": too many DISTINCT arguments");
                break;
            }
            types[0] = sl_type_make(SL_TYPE_BIGINT);
            for (uint32_t k = 0; k < agg->arg_count; k++)
                types[k + 1] = agg->args[k]->type;
            st = sl_hash_table_init(&a->values, types, agg->arg_count + 1, sizeof(int64_t), 0, exec->memory, AGG_NAME,
                                    err);
            a->values_ready = st == SL_OK;
        }
    }
    g->payload_size = size;
    for (uint32_t i = 0; i < g->group_count && st == SL_OK; i++)
        if (!(g->groups[i] = sl_expr_state_new(plan->exprs[i], &exec->eval)))
            st = sl_error_oom(err);
    if (st == SL_OK && g->group_count > 0) {
        sl_type *types = sl_malloc(sizeof *types * g->group_count);
        if (!types) {
            st = sl_error_oom(err);
        } else {
            for (uint32_t i = 0; i < g->group_count; i++)
                types[i] = plan->exprs[i]->type;
            st = sl_hash_table_init(&g->table, types, g->group_count, size, 0, exec->memory, AGG_NAME, err);
            g->table_ready = st == SL_OK;
            sl_free(types);
        }
    } else if (st == SL_OK) {
        g->single = sl_calloc(1, size);
        if (!g->single)
            st = sl_error_oom(err);
        else
            init_payload(g, plan, g->single);
    }
    if (st != SL_OK) {
        stream_agg_free_global(plan, g);
        return st;
    }
    *global = g;
    return SL_OK;
}

static sl_status reserve_scratch(stream_agg *g, uint32_t rows, sl_error *err)
{
    if (rows <= g->capacity)
        return SL_OK;
    free_scratch(g);
    size_t cap = rows;
    g->hashes = sl_malloc(cap * sizeof *g->hashes);
    g->ids = sl_malloc(cap * sizeof *g->ids);
    g->payloads = sl_malloc(cap * sizeof *g->payloads);
    g->fresh = sl_malloc(cap * sizeof *g->fresh);
    g->rows = sl_malloc(cap * sizeof *g->rows);
    g->row_payload = sl_malloc(cap * sizeof *g->row_payload);
    g->row_sign = sl_malloc(cap * sizeof *g->row_sign);
    g->sel = sl_malloc(cap * sizeof *g->sel);
    g->sel2 = sl_malloc(cap * sizeof *g->sel2);
    g->signs = sl_malloc(cap * sizeof *g->signs);
    g->entries = sl_malloc(cap * sizeof *g->entries);
    g->states = sl_malloc(cap * sizeof *g->states);
    g->touched = sl_malloc(cap * sizeof *g->touched);
    g->touched_row = sl_malloc(cap * sizeof *g->touched_row);
    g->was_live = sl_malloc(cap * sizeof *g->was_live);
    g->group_id = sl_vector_new(sl_type_make(SL_TYPE_BIGINT), (uint32_t)cap);
    if (!g->hashes || !g->ids || !g->payloads || !g->fresh || !g->rows || !g->row_payload || !g->row_sign ||
        !g->sel || !g->sel2 || !g->signs || !g->entries || !g->states || !g->touched || !g->touched_row ||
        !g->was_live || !g->group_id) {
        free_scratch(g);
        return sl_error_oom(err);
    }
    g->capacity = cap;
    return SL_OK;
}

/* ------------------------------------------------------------------ folding a batch */

/* Folds the active rows of `in` into aggregate j (FILTER, multiset transitions, update). */
static sl_status fold_aggregate(stream_agg *g, const sl_physical_op *plan, uint32_t j, const sl_batch *in,
                                sl_error *err)
{
    const sl_expr *agg = plan->aggregates[j];
    agg_info *a = &g->aggs[j];
    uint32_t *sel = g->sel;
    uint32_t count = in->count;
    if (a->filter)
        SL_TRY(sl_expr_select(a->filter, in, sel, &count, err));
    else
        memcpy(sel, g->rows, sizeof *sel * count);
    if (count == 0)
        return SL_OK;
    sl_status st = SL_OK;
    for (uint32_t k = 0; k < a->arg_count && st == SL_OK; k++)
        st = sl_expr_evaluate(a->args[k], in, &a->vectors[k], err);
    int8_t *signs = g->signs;
    for (uint32_t i = 0; i < count; i++)
        signs[i] = g->row_sign[sel[i]];
    if (st == SL_OK && a->multiset) {
        /* keep the rows that make a (group, arguments) present or absent */
        sl_vector *keys[257];
        uint32_t key_count = agg->arg_count + 1;
        keys[0] = g->group_id;
        for (uint32_t k = 0; k < agg->arg_count; k++)
            keys[k + 1] = a->vectors[k];
        sl_hash_table_hash(keys, key_count, sel, count, g->hashes);
        uint32_t fresh_count = 0;
        st = sl_hash_table_find_or_insert(&a->values, g->scratch, keys, sel, count, g->hashes, g->ids, g->payloads,
                                          g->fresh, &fresh_count, err);
        uint32_t kept = 0;
        for (uint32_t i = 0; i < count && st == SL_OK; i++) {
            int64_t *occurrences = (int64_t *)g->payloads[i];
            if (signs[i] > 0) {
                if (++*occurrences != 1)
                    continue;
            } else {
                if (*occurrences == 0) {
                    st = sl_error_set_at(err, SL_ERR_INVALID_INPUT, agg->position,
                                         AGG_NAME ": the input retracts a value it never inserted");
                    break;
                }
                if (--*occurrences != 0)
                    continue;
            }
            g->sel2[kept] = sel[i];
            g->entries[kept] = g->ids[i];
            signs[kept] = signs[i];
            kept++;
        }
        sel = g->sel2;
        count = kept;
    }
    if (st == SL_OK && count > 0) {
        for (uint32_t i = 0; i < count; i++)
            g->states[i] = g->row_payload[sel[i]] + a->offset;
        if (a->mode == MODE_REGISTRY) {
            for (uint32_t i = 0; i < count && st == SL_OK; i++)
                if (signs[i] < 0)
                    st = sl_error_set(err, SL_ERR_INTERNAL,
                                      AGG_NAME ": a retraction arrived from an input planned as append-only");
            if (st == SL_OK)
                st = agg->aggregate->update(agg, g->states, a->vectors, sel, count, err);
        } else {
            st = retract_update(g, agg, a, g->states, a->vectors, sel, signs, g->entries, count, err);
        }
    }
    for (uint32_t k = 0; k < a->arg_count; k++) {
        if (a->vectors[k])
            sl_vector_unref(a->vectors[k]);
        a->vectors[k] = NULL;
    }
    return st;
}

/* Maps every active row to its group (creating groups) and lists the touched groups. */
static sl_status lookup_groups(stream_agg *g, const sl_physical_op *plan, const sl_batch *in, sl_error *err)
{
    uint32_t n = in->count;
    int64_t *group_id = SL_VECTOR_DATA(g->group_id, int64_t);
    g->batch_seq++;
    g->touched_count = 0;
    if (g->group_count == 0) {
        for (uint32_t i = 0; i < n; i++) {
            g->row_payload[g->rows[i]] = g->single;
            group_id[g->rows[i]] = 0;
            g->payloads[i] = g->single;
        }
    } else {
        for (uint32_t i = 0; i < g->group_count; i++)
            SL_TRY(sl_expr_evaluate(g->groups[i], in, &g->group_vectors[i], err));
        sl_hash_table_hash(g->group_vectors, g->group_count, in->sel, n, g->hashes);
        uint32_t fresh_count = 0;
        SL_TRY(sl_hash_table_find_or_insert(&g->table, g->scratch, g->group_vectors, in->sel, n, g->hashes, g->ids,
                                            g->payloads, g->fresh, &fresh_count, err));
        for (uint32_t f = 0; f < fresh_count; f++)
            init_payload(g, plan, g->payloads[g->fresh[f]]);
        for (uint32_t i = 0; i < n; i++) {
            g->row_payload[g->rows[i]] = g->payloads[i];
            group_id[g->rows[i]] = (int64_t)g->ids[i];
        }
    }
    for (uint32_t i = 0; i < n; i++) {
        group_header *h = header_of(g->payloads[i]);
        if (h->touched == g->batch_seq)
            continue;
        h->touched = g->batch_seq;
        g->touched[g->touched_count] = g->payloads[i];
        g->touched_row[g->touched_count] = g->rows[i];
        g->was_live[g->touched_count] = h->live;
        g->touched_count++;
    }
    return SL_OK;
}

/* results[j][out_offset + t] = aggregate j of touched group t. */
static sl_status finalize_touched(stream_agg *g, const sl_physical_op *plan, sl_vector **results, uint32_t out_offset,
                                  sl_error *err)
{
    uint32_t n = g->touched_count;
    for (uint32_t j = 0; j < g->agg_count; j++) {
        const sl_expr *agg = plan->aggregates[j];
        const agg_info *a = &g->aggs[j];
        for (uint32_t t = 0; t < n; t++)
            g->states[t] = g->touched[t] + a->offset;
        if (a->mode == MODE_REGISTRY)
            SL_TRY(agg->aggregate->finalize(agg, g->states, n, results[j], out_offset, err));
        else
            SL_TRY(retract_finalize(agg, a, g->states, n, results[j], out_offset, err));
    }
    return SL_OK;
}

/* ------------------------------------------------------------------ emitting the changelog */

/* Output rows collected for one batch: key row (physical row of the group vectors),
 * result row (in the results vectors) and change code. */
typedef struct changelog {
    uint32_t *key_rows;
    uint32_t *result_rows;
    int8_t *codes;
    uint32_t count;
} changelog;

static sl_status flush_changelog(sl_op_context *ctx, stream_agg *g, changelog *log, sl_vector **results,
                                 sl_error *err)
{
    if (log->count == 0)
        return SL_OK;
    uint32_t n = log->count;
    sl_batch *out = sl_batch_new(g->column_count);
    if (!out)
        return sl_error_oom(err);
    sl_status st = sl_batch_set_change(out, log->codes, 0, n, err);
    for (uint32_t c = 0; c < g->column_count && st == SL_OK; c++) {
        sl_vector *v = sl_vector_new(g->out_types[c], n);
        if (!v) {
            st = sl_error_oom(err);
            break;
        }
        sl_batch_set_column(out, c, v);
        if (c < g->group_count)
            st = sl_vector_gather(v, 0, g->group_vectors[c], log->key_rows, n, err);
        else
            st = sl_vector_gather(v, 0, results[c - g->group_count], log->result_rows, n, err);
    }
    if (st == SL_OK) {
        out->length = out->count = n;
        st = sl_emit_batch(ctx, out, err);
    }
    sl_batch_free(out);
    log->count = 0;
    return st;
}

static sl_status log_row(sl_op_context *ctx, stream_agg *g, changelog *log, sl_vector **results, uint32_t key_row,
                         uint32_t result_row, int8_t code, sl_error *err)
{
    log->key_rows[log->count] = key_row;
    log->result_rows[log->count] = result_row;
    log->codes[log->count] = code;
    if (++log->count == SL_BATCH_CAPACITY)
        return flush_changelog(ctx, g, log, results, err);
    return SL_OK;
}

/* Are results rows x and y equal for every aggregate (NULL equals NULL)? */
static bool same_results(const stream_agg *g, sl_vector **results, uint32_t x, uint32_t y)
{
    for (uint32_t j = 0; j < g->agg_count; j++) {
        const sl_vector *v = results[j];
        bool vx = sl_vector_is_valid(v, x), vy = sl_vector_is_valid(v, y);
        if (vx != vy || (vx && sl_slot_compare(v, x, v, y) != 0))
            return false;
    }
    return true;
}

static void update_metrics(sl_op_context *ctx, const stream_agg *g)
{
    int64_t bytes = g->array_bytes + (int64_t)(g->single ? g->payload_size : 0);
    if (g->table_ready) {
        bytes += g->table.reserved;
        for (uint32_t p = 0; p < g->table.partition_count; p++)
            bytes += g->table.partitions[p].keys.reserved;
    }
    for (uint32_t j = 0; j < g->agg_count; j++) {
        const agg_info *a = &g->aggs[j];
        if (!a->values_ready)
            continue;
        bytes += a->values.reserved;
        for (uint32_t p = 0; p < a->values.partition_count; p++)
            bytes += a->values.partitions[p].keys.reserved;
    }
    sl_op_metrics *m = sl_op_metrics_of(ctx);
    atomic_store(&m->state_rows, g->live_groups);
    atomic_store(&m->state_bytes, bytes);
}

/* Emits the changes of the touched groups, given their results before (rows [0, n)) and
 * after (rows [n, 2n)) the batch; resets the groups left without rows. */
static sl_status emit_changes(sl_op_context *ctx, stream_agg *g, const sl_physical_op *plan, sl_vector **results,
                              sl_error *err)
{
    uint32_t n = g->touched_count;
    changelog log = { 0 };
    log.key_rows = sl_malloc(sizeof *log.key_rows * SL_BATCH_CAPACITY);
    log.result_rows = sl_malloc(sizeof *log.result_rows * SL_BATCH_CAPACITY);
    log.codes = sl_malloc(SL_BATCH_CAPACITY);
    sl_status st = (!log.key_rows || !log.result_rows || !log.codes) ? sl_error_oom(err) : SL_OK;
    for (uint32_t t = 0; t < n && st == SL_OK; t++) {
        group_header *h = header_of(g->touched[t]);
        uint32_t key = g->touched_row[t];
        bool before = g->was_live[t];
        bool now = g->group_count == 0 || h->rows > 0;
        if (before && now) {
            if (same_results(g, results, t, n + t))
                continue;
            st = log_row(ctx, g, &log, results, key, t, SL_CHANGE_UPDATE_BEFORE, err);
            if (st == SL_OK)
                st = log_row(ctx, g, &log, results, key, n + t, SL_CHANGE_UPDATE_AFTER, err);
        } else if (now) {
            st = log_row(ctx, g, &log, results, key, n + t, SL_CHANGE_INSERT, err);
            g->live_groups++;
        } else if (before) {
            st = log_row(ctx, g, &log, results, key, t, SL_CHANGE_DELETE, err);
            g->live_groups--;
        }
        h->live = now;
        if (!now && g->group_count > 0) {   /* no rows left: free the group's states */
            destroy_payload(g, plan, g->touched[t]);
            init_payload(g, plan, g->touched[t]);
        }
    }
    if (st == SL_OK)
        st = flush_changelog(ctx, g, &log, results, err);
    sl_free(log.key_rows);
    sl_free(log.result_rows);
    sl_free(log.codes);
    return st;
}

static void release_group_vectors(stream_agg *g)
{
    for (uint32_t i = 0; i < g->group_count; i++) {
        if (g->group_vectors[i])
            sl_vector_unref(g->group_vectors[i]);
        g->group_vectors[i] = NULL;
    }
}

static sl_status push_batch(sl_op_context *ctx, stream_agg *g, const sl_physical_op *plan, const sl_batch *in,
                            sl_error *err)
{
    uint32_t n = in->count;
    if (n == 0)
        return SL_OK;
    SL_TRY(reserve_scratch(g, in->length > n ? in->length : n, err));
    for (uint32_t i = 0; i < n; i++) {
        uint32_t r = sl_batch_row(in, i);
        g->rows[i] = r;
        g->row_sign[r] = (int8_t)(in->change && in->change[r] < 0 ? -1 : 1);
    }
    sl_status st = lookup_groups(g, plan, in, err);
    uint32_t touched = g->touched_count;
    sl_vector **results = sl_calloc(g->agg_count + 1, sizeof *results);
    if (st == SL_OK && !results)
        st = sl_error_oom(err);
    for (uint32_t j = 0; j < g->agg_count && st == SL_OK; j++)
        if (!(results[j] = sl_vector_new(g->out_types[g->group_count + j], 2 * touched)))
            st = sl_error_oom(err);
    if (st == SL_OK)
        st = finalize_touched(g, plan, results, 0, err);
    if (st == SL_OK) {
        for (uint32_t i = 0; i < n; i++)
            header_of(g->row_payload[g->rows[i]])->rows += g->row_sign[g->rows[i]];
        for (uint32_t t = 0; t < touched && st == SL_OK; t++)
            if (header_of(g->touched[t])->rows < 0)
                st = sl_error_set(err, SL_ERR_INVALID_INPUT,
                                  AGG_NAME ": the input retracts more rows of a group than it inserted");
    }
    for (uint32_t j = 0; j < g->agg_count && st == SL_OK; j++)
        st = fold_aggregate(g, plan, j, in, err);
    if (st == SL_OK)
        st = finalize_touched(g, plan, results, touched, err);
    if (st == SL_OK)
        st = emit_changes(ctx, g, plan, results, err);
    if (results)
        for (uint32_t j = 0; j < g->agg_count; j++)
            if (results[j])
                sl_vector_unref(results[j]);
    sl_free(results);
    release_group_vectors(g);
    if (st == SL_OK)
        update_metrics(ctx, g);
    return st;
}

/* Without GROUP BY: emits the row of the (so far empty) input if it was not emitted yet. */
static sl_status emit_global_row(sl_op_context *ctx, stream_agg *g, const sl_physical_op *plan, sl_error *err)
{
    if (g->group_count > 0 || header_of(g->single)->live)
        return SL_OK;
    SL_TRY(reserve_scratch(g, 1, err));
    g->touched[0] = g->single;
    g->touched_row[0] = 0;
    g->was_live[0] = false;
    g->touched_count = 1;
    sl_vector **results = sl_calloc(g->agg_count + 1, sizeof *results);
    sl_status st = results ? SL_OK : sl_error_oom(err);
    for (uint32_t j = 0; j < g->agg_count && st == SL_OK; j++)
        if (!(results[j] = sl_vector_new(g->out_types[j], 2)))
            st = sl_error_oom(err);
    if (st == SL_OK)
        st = finalize_touched(g, plan, results, 1, err);   /* "after" = row 1 */
    if (st == SL_OK)
        st = emit_changes(ctx, g, plan, results, err);
    if (results)
        for (uint32_t j = 0; j < g->agg_count; j++)
            if (results[j])
                sl_vector_unref(results[j]);
    sl_free(results);
    if (st == SL_OK)
        update_metrics(ctx, g);
    return st;
}

static sl_status stream_agg_push(sl_op_context *ctx, const sl_physical_op *plan, void *global, void *local,
                                 const sl_msg *msg, sl_error *err)
{
    (void)local;
    stream_agg *g = global;
    if (msg->kind == SL_MSG_DATA)
        return push_batch(ctx, g, plan, msg->batch, err);
    SL_TRY(emit_global_row(ctx, g, plan, err));
    return sl_emit(ctx, msg, err);
}

const sl_operator_type sl_stream_aggregate_operator = {
    .name = AGG_NAME,
    .init_global = stream_agg_init_global,
    .free_global = stream_agg_free_global,
    .push = stream_agg_push,
};
