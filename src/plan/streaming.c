/*
 * streaming.c — planning a continuous query (see streaming.h and src/stream/README.md).
 *
 * One bottom-up walk over the batch physical plan. For every operator it decides:
 *   - its streaming form (some operators are swapped, see streaming.h);
 *   - append_only: whether its output can carry retractions;
 *   - time_columns: output columns whose values never fall behind the watermark the
 *     operator forwards (a source's event-time column, window_end / window_time of a
 *     window, window_end of a closed window aggregate), kept through filters, plain
 *     column projections and unions;
 *   - window_end: which output column, if any, holds the end of a window (the key a window
 *     aggregate closes on), and late_rows_table, inherited from the sources below.
 * Whatever cannot run on an unbounded input fails with a message naming the construct and
 * what to write instead.
 */
#include "plan/streaming.h"

#include <stdarg.h>
#include <string.h>

#include "catalog/catalog.h"
#include "connect/connector.h"
#include "plan/table_function.h"

typedef struct stream_planner {
    sl_plan_context *ctx;
    const sl_streaming_options *options;
} stream_planner;

/* What the walk learns about an operator's output besides the plan fields. */
typedef struct stream_props {
    int32_t window_end;         /* output column holding window_end, -1 = none */
    bool unbounded;             /* reads an unbounded source */
    bool reads_source;          /* reads any CREATE SOURCE source */
} stream_props;

static sl_status fail(sl_error *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static sl_status fail(sl_error *err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    sl_status st = sl_error_setv(err, SL_ERR_INVALID_ARG, -1, fmt, ap);
    va_end(ap);
    return st;
}

bool sl_plan_reads_source(const sl_physical_op *op, bool *unbounded)
{
    bool reads = false;
    if (op->kind == SL_POP_TABLE_FUNCTION && op->source) {
        reads = true;
        if (!op->source->bounded)
            *unbounded = true;
    }
    for (uint32_t i = 0; i < op->child_count; i++)
        reads |= sl_plan_reads_source(op->children[i], unbounded);
    return reads;
}

static bool *new_flags(stream_planner *sp, uint32_t count)
{
    return sl_arena_calloc(sp->ctx->arena, sizeof(bool) * (count ? count : 1));
}

static bool is_time_column(const sl_physical_op *op, uint32_t column)
{
    return op->time_columns && column < op->column_count && op->time_columns[column];
}

/* The child column a plain column reference reads, or -1. */
static int32_t column_ref(const sl_expr *e)
{
    return e && e->kind == SL_EXPR_COLUMN && e->depth == 0 ? (int32_t)e->index : -1;
}

/* ---- sources */

static const char *source_option(const struct sl_source *source, const char *name)
{
    for (uint32_t i = 0; i < source->option_count; i++)
        if (strcmp(source->options[i].name, name) == 0)
            return source->options[i].value;
    return NULL;
}

/* The single column the watermark expression reads (its WATERMARK FOR column), or -1. */
static int32_t watermark_column(const sl_expr *e)
{
    if (!e)
        return -1;
    int32_t own = column_ref(e);
    if (own >= 0)
        return own;
    int32_t found = -1;
    for (uint32_t i = 0; i < e->arg_count; i++) {
        int32_t c = watermark_column(e->args[i]);
        if (c == -2 || (c >= 0 && found >= 0 && c != found))
            return -2;
        if (c >= 0)
            found = c;
    }
    return found;
}

static sl_status plan_source(stream_planner *sp, sl_physical_op *op, stream_props *props, sl_error *err)
{
    const struct sl_source *source = op->source;
    props->reads_source = true;
    props->unbounded = !source->bounded;
    op->append_only = !source->changelog;
    op->time_columns = new_flags(sp, op->column_count);
    if (!op->time_columns)
        return sl_error_oom(err);
    int32_t c = watermark_column(op->watermark);
    if (c >= 0 && (uint32_t)c < op->column_count)
        op->time_columns[c] = true;
    /* the options the driver reads: idle_timeout and late_rows_table */
    sl_connector_option *options = sl_arena_calloc(sp->ctx->arena, sizeof *options * (source->option_count + 1));
    if (!options)
        return sl_error_oom(err);
    for (uint32_t i = 0; i < source->option_count; i++)
        options[i] = (sl_connector_option){ source->options[i].name, source->options[i].value, -1 };
    sl_connector_spec spec = { .source_name = source->name, .options = options, .option_count = source->option_count,
                               .position = -1 };
    SL_TRY(sl_connector_option_duration(&spec, source->connector, "idle_timeout", &op->idle_timeout, err));
    const char *late = source_option(source, "late_rows_table");
    if (late) {
        op->late_rows_table = sp->options->catalog ? sl_catalog_find_table(sp->options->catalog, late) : NULL;
        if (!op->late_rows_table)
            return fail(err, "source \"%s\": late_rows_table '%s' does not exist", source->name, late);
    }
    return SL_OK;
}

/* ---- joins */

/* Whether every leaf under op is a table or constant rows (no source): a lookup side. */
static bool is_static(const sl_physical_op *op)
{
    if (op->kind == SL_POP_TABLE_FUNCTION && op->source)
        return false;
    for (uint32_t i = 0; i < op->child_count; i++)
        if (!is_static(op->children[i]))
            return false;
    return true;
}

static sl_status plan_join(stream_planner *sp, sl_physical_op *op, const stream_props *left_props, sl_error *err)
{
    sl_physical_op *left = op->children[0], *right = op->children[1];
    if (op->kind == SL_POP_HASH_JOIN && is_static(right)) {
        /* lookup join: the table side is built once, the stream probes it */
        if (!left->append_only)
            return fail(err, "a join between an updating stream (an aggregate, outer join or top-N result) and a "
                             "table is not supported: join the table before aggregating");
        op->append_only = true;
        if (left->time_columns) {
            op->time_columns = new_flags(sp, op->column_count);
            if (!op->time_columns)
                return sl_error_oom(err);
            uint32_t keep = op->join_type == SL_JOIN_RIGHT || op->join_type == SL_JOIN_FULL ? 0 : left->column_count;
            for (uint32_t c = 0; c < keep && c < op->column_count; c++)
                op->time_columns[c] = left->time_columns[c];
        }
        (void)left_props;
        return SL_OK;
    }
    switch (op->join_type) {
    case SL_JOIN_INNER:
    case SL_JOIN_LEFT:
    case SL_JOIN_RIGHT:
    case SL_JOIN_FULL:
        break;
    default:
        return fail(err, "%s joins (from IN / EXISTS subqueries) between two streams are not supported in a "
                         "continuous query: write them as an inner join with DISTINCT",
                    sl_join_type_name(op->join_type));
    }
    op->kind = SL_POP_STREAM_JOIN;
    op->append_only = op->join_type == SL_JOIN_INNER && left->append_only && right->append_only;
    op->time_column[0] = op->time_column[1] = -1;
    for (uint32_t side = 0; side < 2; side++) {
        const sl_physical_op *child = op->children[side];
        for (uint32_t c = 0; c < child->column_count && op->time_column[side] < 0; c++)
            if (is_time_column(child, c))
                op->time_column[side] = (int32_t)c;
    }
    return sl_interval_join_bounds(sp->ctx, op, err);
}

/* ---- aggregates */

static sl_status plan_aggregate(stream_planner *sp, sl_physical_op *op, const stream_props *child_props,
                                stream_props *props, sl_error *err)
{
    const sl_physical_op *child = op->children[0];
    int32_t key = -1;
    if (child_props->window_end >= 0 && child->append_only)
        for (uint32_t g = 0; g < op->expr_count && key < 0; g++)
            if (column_ref(op->exprs[g]) == child_props->window_end)
                key = (int32_t)g;
    if (key >= 0) {
        op->kind = SL_POP_WINDOW_AGGREGATE;
        op->window_end_group = (uint32_t)key;
        op->append_only = true;
        op->time_columns = new_flags(sp, op->column_count);
        if (!op->time_columns)
            return sl_error_oom(err);
        op->time_columns[key] = true;
        props->window_end = key;
        return SL_OK;
    }
    if (sp->options->emit_on_window_close)
        return fail(err, "EMIT ON WINDOW CLOSE needs an aggregate grouped by window_end of a window table function "
                         "(TUMBLE, HOP, CUMULATE, SESSION) over an append-only input");
    op->kind = SL_POP_STREAM_AGGREGATE;
    op->append_only = false;
    return SL_OK;
}

/* ---- the walk */

static sl_status plan_node(stream_planner *sp, sl_physical_op **slot, stream_props *props, bool top, sl_error *err);

/* Operators that keep their child's columns. */
static void inherit(sl_physical_op *op, const sl_physical_op *child, const stream_props *child_props,
                    stream_props *props)
{
    op->append_only = child->append_only;
    op->time_columns = child->time_columns;
    props->window_end = child_props->window_end;
}

static sl_status plan_projection(stream_planner *sp, sl_physical_op *op, const stream_props *child_props,
                                 stream_props *props, sl_error *err)
{
    const sl_physical_op *child = op->children[0];
    op->append_only = child->append_only;
    op->time_columns = new_flags(sp, op->column_count);
    if (!op->time_columns)
        return sl_error_oom(err);
    for (uint32_t i = 0; i < op->expr_count; i++) {
        int32_t c = column_ref(op->exprs[i]);
        if (c < 0)
            continue;
        op->time_columns[i] = is_time_column(child, (uint32_t)c);
        if (c == child_props->window_end && props->window_end < 0)
            props->window_end = (int32_t)i;
    }
    return SL_OK;
}

static sl_status plan_window_tvf(stream_planner *sp, sl_physical_op *op, const stream_props *child_props,
                                 stream_props *props, sl_error *err)
{
    const sl_physical_op *child = op->children[0];
    if (op->kind == SL_POP_SESSION_WINDOW && !child->append_only)
        return fail(err, "SESSION windows need an append-only input, not an updating result");
    if (child_props->unbounded && !is_time_column(child, op->window_column))
        return fail(err, "the window's time column \"%s\" has no watermark, so its windows would never close: "
                         "declare WATERMARK FOR it in CREATE SOURCE",
                    child->names && child->names[op->window_column] ? child->names[op->window_column] : "?");
    op->append_only = child->append_only;
    op->time_columns = new_flags(sp, op->column_count);
    if (!op->time_columns)
        return sl_error_oom(err);
    uint32_t n = child->column_count;
    for (uint32_t c = 0; c < n; c++)
        op->time_columns[c] = is_time_column(child, c);
    op->time_columns[n + 1] = true;   /* window_end */
    op->time_columns[n + 2] = true;   /* window_time */
    props->window_end = (int32_t)(n + 1);
    return SL_OK;
}

static sl_status plan_union(stream_planner *sp, sl_physical_op *op, stream_props *child_props, stream_props *props,
                            sl_error *err)
{
    op->append_only = true;
    op->time_columns = new_flags(sp, op->column_count);
    if (!op->time_columns)
        return sl_error_oom(err);
    for (uint32_t c = 0; c < op->column_count; c++)
        op->time_columns[c] = true;
    props->window_end = child_props[0].window_end;
    for (uint32_t i = 0; i < op->child_count; i++) {
        const sl_physical_op *child = op->children[i];
        op->append_only &= child->append_only;
        for (uint32_t c = 0; c < op->column_count; c++)
            op->time_columns[c] &= is_time_column(child, c);
        if (child_props[i].window_end != props->window_end)
            props->window_end = -1;
    }
    return SL_OK;
}

static sl_status plan_children(stream_planner *sp, sl_physical_op *op, stream_props *child_props, sl_error *err)
{
    for (uint32_t i = 0; i < op->child_count; i++)
        SL_TRY(plan_node(sp, &op->children[i], &child_props[i], false, err));
    return SL_OK;
}

static sl_status plan_node(stream_planner *sp, sl_physical_op **slot, stream_props *props, bool top, sl_error *err)
{
    sl_physical_op *op = *slot;
    memset(props, 0, sizeof *props);
    props->window_end = -1;

    /* top-N shapes are replaced before their parts are planned */
    if (op->kind == SL_POP_FILTER || op->kind == SL_POP_TOP_N) {
        sl_physical_op *top_n = NULL;
        SL_TRY(sl_stream_plan_top_n(sp->ctx, op, &top_n, err));
        if (top_n) {
            *slot = op = top_n;
        } else if (op->kind == SL_POP_TOP_N) {
            return fail(err, "this ORDER BY ... LIMIT cannot run on an unbounded input");
        }
    }

    stream_props *child_props = sl_arena_calloc(sp->ctx->arena, sizeof *child_props * (op->child_count + 1));
    if (!child_props)
        return sl_error_oom(err);
    SL_TRY(plan_children(sp, op, child_props, err));
    for (uint32_t i = 0; i < op->child_count; i++) {
        props->unbounded |= child_props[i].unbounded;
        props->reads_source |= child_props[i].reads_source;
        if (!op->late_rows_table && op->children[i]->late_rows_table)
            op->late_rows_table = op->children[i]->late_rows_table;
    }
    op->streaming = true;
    sl_physical_op *child = op->child_count ? op->children[0] : NULL;

    switch (op->kind) {
    case SL_POP_TABLE_FUNCTION:
        if (op->source)
            return plan_source(sp, op, props, err);
        op->append_only = true;
        return SL_OK;
    case SL_POP_TABLE_SCAN:
    case SL_POP_VALUES:
    case SL_POP_EMPTY:
        op->append_only = true;
        return SL_OK;
    case SL_POP_FILTER:
        inherit(op, child, &child_props[0], props);
        return SL_OK;
    case SL_POP_PROJECTION:
        return plan_projection(sp, op, &child_props[0], props, err);
    case SL_POP_LIMIT:
        if (!child->append_only)
            return fail(err, "LIMIT over an updating result (an aggregate, outer join or top-N) cannot run "
                             "continuously: add ORDER BY to make it a top-N");
        inherit(op, child, &child_props[0], props);
        return SL_OK;
    case SL_POP_WINDOW_TVF:
    case SL_POP_SESSION_WINDOW:
        return plan_window_tvf(sp, op, &child_props[0], props, err);
    case SL_POP_HASH_AGGREGATE:
        return plan_aggregate(sp, op, &child_props[0], props, err);
    case SL_POP_HASH_JOIN:
    case SL_POP_NESTED_LOOP_JOIN:
        return plan_join(sp, op, &child_props[0], err);
    case SL_POP_UNION_ALL:
        return plan_union(sp, op, child_props, props, err);
    case SL_POP_STREAM_TOP_N:
        op->append_only = false;
        return SL_OK;
    case SL_POP_SORT:
        if (!top || props->unbounded)
            return fail(err, "ORDER BY without LIMIT cannot run on an unbounded input: the sort would never "
                             "finish. Add LIMIT n for a continuously maintained top-n, or sort the output");
        if (!child->append_only)
            return fail(err, "ORDER BY over an updating result is not supported in a continuous query: "
                             "add LIMIT n for a top-n");
        op->streaming = false;   /* a bounded run sorts once its inputs ended */
        op->append_only = true;
        return SL_OK;
    case SL_POP_WINDOW:
        return fail(err, "window functions cannot run on an unbounded input, except ROW_NUMBER() OVER "
                         "(PARTITION BY ... ORDER BY ...) filtered to rn <= N (a top-N)");
    case SL_POP_SET_OPERATION:
        return fail(err, "INTERSECT and EXCEPT cannot run on an unbounded input");
    case SL_POP_TOP_N:
    default:
        return fail(err, "%s cannot run in a continuous query", sl_physical_kind_name(op->kind));
    }
}

sl_status sl_plan_streaming(sl_plan_context *ctx, sl_physical_op **root, const sl_streaming_options *options,
                            sl_error *err)
{
    stream_planner sp = { ctx, options };
    sl_physical_op *sink = *root;
    if (sink->kind != SL_POP_RESULT && sink->kind != SL_POP_INSERT && sink->kind != SL_POP_COPY_TO)
        return sl_error_set(err, SL_ERR_INTERNAL, "streaming planner: the root must be a sink");
    stream_props props;
    SL_TRY(plan_node(&sp, &sink->children[0], &props, true, err));
    sl_physical_op *child = sink->children[0];
    sink->streaming = true;
    sink->append_only = true;
    if (sink->kind != SL_POP_RESULT) {
        if (!child->append_only)
            return fail(err, "%s of an updating result (an aggregate, outer join or top-N over a stream) is not "
                             "supported: write an append-only query (e.g. a window aggregate)",
                        sink->kind == SL_POP_INSERT ? "INSERT" : "COPY");
        return SL_OK;
    }
    if (options->emit_changes) {
        /* op ++ the query's columns */
        uint32_t n = child->column_count + 1;
        sl_type *types = sl_arena_alloc(ctx->arena, sizeof *types * n);
        const char **names = sl_arena_alloc(ctx->arena, sizeof *names * n);
        if (!types || !names)
            return sl_error_oom(err);
        types[0] = sl_type_make(SL_TYPE_VARCHAR);
        names[0] = "op";
        for (uint32_t i = 1; i < n; i++) {
            types[i] = child->types[i - 1];
            names[i] = child->names ? child->names[i - 1] : "";
        }
        sink->emit_changes = true;
        sink->column_count = n;
        sink->types = types;
        sink->names = names;
    }
    return SL_OK;
}
