/*
 * bind_window.c — event-time windows in SQL (docs/sql.md "Windows"):
 *
 *   window table functions in FROM, Flink and short syntax (parser: parser_query.c)
 *     TABLE(TUMBLE(TABLE t, DESCRIPTOR(ts), size [, offset]))   TUMBLE(t, ts, size [, offset])
 *     TABLE(HOP(TABLE t, DESCRIPTOR(ts), slide, size [, offset])) HOP(t, ts, slide, size [, offset])
 *     TABLE(CUMULATE(TABLE t, DESCRIPTOR(ts), step, size [, o]))  CUMULATE(t, ts, step, size [, offset])
 *     TABLE(SESSION(TABLE t PARTITION BY k, DESCRIPTOR(ts), gap)) SESSION(t, ts, gap)
 *   Flink's legacy group windows
 *     GROUP BY TUMBLE(ts, size) | HOP(ts, slide, size) | SESSION(ts, gap), keys ...
 *     with TUMBLE_START / _END / _ROWTIME (HOP_*, SESSION_*) in the select list and HAVING.
 *
 * Both become SL_LOP_WINDOW_TVF over the input (plan/logical.h): the input's columns pass
 * through, then three TIMESTAMP columns bound at (table_index, 0..2): window_start,
 * window_end and window_time = window_end - 1 microsecond. A legacy group window sits
 * between the WHERE filter and the AGGREGATE, which groups on window_start and window_end
 * (and window_time once a *_ROWTIME call needs it); its SESSION is partitioned by the
 * other GROUP BY keys. The *_START / *_END / *_ROWTIME calls become references to those
 * columns, so the group rewriting of bind_query.c maps them to group outputs.
 *
 * Sizes are constant INTERVALs without months (a window needs a fixed length), in
 * microseconds in the plan. HOP's size must be a multiple of its slide and CUMULATE's
 * size a multiple of its step (as Flink requires). Errors carry the argument's position.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "sql/bind_internal.h"

#define MICROS_PER_DAY 86400000000LL

static const char *const kind_names[] = { "TUMBLE", "HOP", "CUMULATE", "SESSION" };

static sl_window_kind plan_kind(sl_ast_window_kind kind)
{
    switch (kind) {
    case SL_AST_WINDOW_HOP: return SL_WINDOW_HOP;
    case SL_AST_WINDOW_CUMULATE: return SL_WINDOW_CUMULATE;
    case SL_AST_WINDOW_SESSION: return SL_WINDOW_SESSION;
    default: return SL_WINDOW_TUMBLE;
    }
}

/* ---------------------------------------------------------------- arguments */

/* Folds a window size argument to microseconds. It must be a constant INTERVAL without
 * months; positive unless `any_sign` (offsets). `what` names it in messages. */
static sl_status window_interval(sl_binder *b, const sl_ast_expr *ast, const char *fname, const char *what,
                                 bool any_sign, int64_t *out, sl_error *err)
{
    sl_binder argb;   /* constants only: no FROM scope */
    sl_binder_init(&argb, b->ctx, b->catalog, b->sql, b->options, NULL, b->ctes, b->nesting);
    sl_expr *e;
    SL_TRY(sl_bind_expr(&argb, ast, SL_BIND_PLAIN, &e, err));
    char tbuf[64];
    if (e->type.id != SL_TYPE_INTERVAL)
        return sl_error_set_at(err, SL_ERR_TYPE, ast->position, "the %s of %s must be an INTERVAL, not %s", what,
                               fname, sl_type_name(e->type, tbuf, sizeof tbuf));
    if (!sl_expr_is_foldable(e))
        return sl_error_set_at(err, SL_ERR_INVALID_INPUT, ast->position, "the %s of %s must be a constant INTERVAL",
                               what, fname);
    sl_value v;
    SL_TRY(sl_bind_fold_constant(b, e, &v, err));
    if (v.is_null)
        return sl_error_set_at(err, SL_ERR_INVALID_INPUT, ast->position, "the %s of %s must not be NULL", what,
                               fname);
    sl_interval iv = v.v.interval;
    if (iv.months != 0)
        return sl_error_set_at(err, SL_ERR_INVALID_INPUT, ast->position,
                               "the %s of %s must not contain months or years (a window needs a fixed length; "
                               "write days instead)",
                               what, fname);
    int64_t micros;
    if (__builtin_mul_overflow((int64_t)iv.days, MICROS_PER_DAY, &micros) ||
        __builtin_add_overflow(micros, iv.micros, &micros))
        return sl_error_set_at(err, SL_ERR_INVALID_INPUT, ast->position, "the %s of %s is out of range", what,
                               fname);
    if (!any_sign && micros <= 0)
        return sl_error_set_at(err, SL_ERR_INVALID_INPUT, ast->position, "the %s of %s must be positive", what,
                               fname);
    *out = micros;
    return SL_OK;
}

/* Checks the time column: a column of this level, of type TIMESTAMP. */
static sl_status check_time_column(const sl_expr *e, const sl_ast_expr *ast, const char *fname, sl_error *err)
{
    if (e->kind != SL_EXPR_COLUMN || e->depth != 0)
        return sl_error_set_at(err, SL_ERR_INVALID_INPUT, ast->position,
                               "the time column of %s must be a column of its input", fname);
    if (e->type.id != SL_TYPE_TIMESTAMP) {
        char tbuf[64];
        return sl_error_set_at(err, SL_ERR_TYPE, ast->position,
                               "the time column \"%s\" of %s must be of type TIMESTAMP, not %s",
                               e->alias ? e->alias : "?", fname, sl_type_name(e->type, tbuf, sizeof tbuf));
    }
    return SL_OK;
}

/* The sizes of a window of `kind`: size [slide] [offset] with the multiple rules. */
static sl_status window_sizes(sl_binder *b, sl_ast_window_kind kind, const sl_ast_expr *size_ast,
                              const sl_ast_expr *slide_ast, const sl_ast_expr *offset_ast, int64_t *size,
                              int64_t *slide, int64_t *offset, sl_error *err)
{
    const char *fname = kind_names[kind];
    const char *size_what = kind == SL_AST_WINDOW_SESSION ? "gap" : kind == SL_AST_WINDOW_CUMULATE ? "max size" : "size";
    SL_TRY(window_interval(b, size_ast, fname, size_what, false, size, err));
    *slide = 0;
    *offset = 0;
    if (slide_ast) {
        const char *slide_what = kind == SL_AST_WINDOW_CUMULATE ? "step" : "slide";
        SL_TRY(window_interval(b, slide_ast, fname, slide_what, false, slide, err));
        if (*size % *slide != 0)
            return sl_error_set_at(err, SL_ERR_INVALID_INPUT, size_ast->position,
                                   "the %s of %s must be a whole multiple of its %s", size_what, fname, slide_what);
    }
    if (offset_ast)
        SL_TRY(window_interval(b, offset_ast, fname, "offset", true, offset, err));
    return SL_OK;
}

/* A new WINDOW_TVF over child (columns computed). */
static sl_status new_window_op(sl_binder *b, sl_ast_window_kind kind, sl_logical_op *child, sl_expr *time,
                               int64_t size, int64_t slide, int64_t offset, sl_expr **keys, uint32_t key_count,
                               sl_logical_op **out, sl_error *err)
{
    sl_logical_op *op = sl_bind_new_op(b, SL_LOP_WINDOW_TVF, 1, err);
    if (!op)
        return err ? err->code : SL_ERR_OOM;
    op->children[0] = child;
    op->table_index = sl_bind_next_index(b);
    op->window_kind = plan_kind(kind);
    op->window_time = time;
    op->window_size = size;
    op->window_slide = slide;
    op->window_offset = offset;
    op->exprs = keys;
    op->expr_count = key_count;
    SL_TRY(sl_logical_columns(b->ctx, op, err));
    *out = op;
    return SL_OK;
}

/* ---------------------------------------------------------------- window table functions */

sl_status sl_bind_window_table(sl_binder *b, const sl_ast_table_ref *ref, sl_logical_op **out, sl_error *err)
{
    sl_ast_window_kind kind = ref->window.kind;
    const char *fname = kind_names[kind];
    const sl_ast_table_ref *input = ref->window.input;

    /* The input is bound in a scope of its own: the time column and the keys name its
     * columns only. Outer references resolve as for a derived table. */
    sl_binder in;
    sl_binder_init(&in, b->ctx, b->catalog, b->sql, b->options, b->parent, b->ctes, b->nesting);
    sl_logical_op *child;
    SL_TRY(sl_bind_from(&in, input, &child, err));

    const sl_ast_expr *time_ast = ref->window.time_column;
    if (time_ast->kind != SL_AST_EXPR_COLUMN)
        return sl_error_set_at(err, SL_ERR_INVALID_INPUT, time_ast->position,
                               "the time column of %s must be a column name", fname);
    sl_expr *time;
    SL_TRY(sl_bind_column_ref(&in, &time_ast->column.name, time_ast->position, &time, err));
    SL_TRY(check_time_column(time, time_ast, fname, err));

    uint32_t key_count = ref->window.partition_count;
    sl_expr **keys = NULL;
    if (key_count > 0) {
        if (kind != SL_AST_WINDOW_SESSION)
            return sl_error_set_at(err, SL_ERR_INVALID_INPUT, ref->window.partition_by[0]->position,
                                   "PARTITION BY is only allowed for SESSION windows");
        keys = sl_arena_alloc(b->arena, sizeof(sl_expr *) * key_count);
        if (!keys)
            return sl_error_oom(err);
        for (uint32_t i = 0; i < key_count; i++) {
            const sl_ast_expr *k = ref->window.partition_by[i];
            if (sl_ast_has_aggregate(k) || sl_ast_has_window(k))
                return sl_error_set_at(err, SL_ERR_INVALID_INPUT, k->position,
                                       "PARTITION BY of SESSION cannot contain aggregates or window functions");
            SL_TRY(sl_bind_expr(&in, k, SL_BIND_PLAIN, &keys[i], err));
        }
    }

    int64_t size, slide, offset;
    SL_TRY(window_sizes(b, kind, ref->window.size, ref->window.slide, ref->window.offset, &size, &slide, &offset,
                        err));
    sl_logical_op *op = NULL;
    SL_TRY(new_window_op(b, kind, child, time, size, slide, offset, keys, key_count, &op, err));

    /* The relation: the input's names (as its scope shows them), then the window columns;
     * column aliases rename from the left. */
    if (ref->column_alias_count > op->column_count)
        return sl_error_set_at(err, SL_ERR_CATALOG, ref->position,
                               "table has %u columns available but %u columns specified", op->column_count,
                               ref->column_alias_count);
    const char **names = sl_arena_alloc(b->arena, sizeof(char *) * op->column_count);
    if (!names)
        return sl_error_oom(err);
    const sl_bind_relation *rel = in.scope.rel_count == 1 ? &in.scope.rels[0] : NULL;
    for (uint32_t i = 0; i < op->column_count; i++) {
        names[i] = op->names[i];
        if (rel && i < rel->column_count)
            names[i] = rel->names[i];
        if (i < ref->column_alias_count)
            names[i] = ref->column_aliases[i].name;
        if (!names[i])
            names[i] = "";
    }
    const sl_ast_name *iname = &input->base.name;
    const char *alias = ref->alias.name ? ref->alias.name : iname->parts[iname->count - 1].name;
    SL_TRY(sl_bind_scope_add(b, alias, op->column_count, names, op->types, op->columns, ref->position, err));
    *out = op;
    return SL_OK;
}

/* ---------------------------------------------------------------- legacy group windows */

struct sl_bind_group_window {
    sl_ast_window_kind kind;
    const sl_ast_expr *call;     /* the GROUP BY item */
    sl_expr *time;               /* bound time column (FROM scope) */
    int64_t size, slide, offset;
    uint32_t table_index;        /* the WINDOW_TVF's */
};

/* TUMBLE / HOP / SESSION call in GROUP BY: its kind, or -1. */
static int group_window_kind(const sl_ast_expr *e)
{
    if (e->kind != SL_AST_EXPR_FUNCTION || e->function.over || e->function.name.count != 1 || e->function.star)
        return -1;
    const char *n = e->function.name.parts[0].name;
    if (e->function.name.parts[0].quoted)
        return -1;
    if (strcmp(n, "tumble") == 0)
        return SL_AST_WINDOW_TUMBLE;
    if (strcmp(n, "hop") == 0)
        return SL_AST_WINDOW_HOP;
    if (strcmp(n, "session") == 0)
        return SL_AST_WINDOW_SESSION;
    return -1;
}

/* Binds the interval arguments of a group window call (after the time column). */
static sl_status group_window_sizes(sl_binder *b, sl_ast_window_kind kind, const sl_ast_expr *call, int64_t *size,
                                    int64_t *slide, int64_t *offset, sl_error *err)
{
    sl_ast_expr *const *args = call->function.args;
    switch (kind) {
    case SL_AST_WINDOW_HOP:   /* HOP(ts, slide, size) */
        return window_sizes(b, kind, args[2], args[1], NULL, size, slide, offset, err);
    default:                  /* TUMBLE(ts, size), SESSION(ts, gap) */
        return window_sizes(b, kind, args[1], NULL, NULL, size, slide, offset, err);
    }
}

static uint32_t group_window_arity(sl_ast_window_kind kind) { return kind == SL_AST_WINDOW_HOP ? 3 : 2; }

static const char *group_window_usage(sl_ast_window_kind kind)
{
    switch (kind) {
    case SL_AST_WINDOW_HOP: return "HOP(time column, slide, size)";
    case SL_AST_WINDOW_SESSION: return "SESSION(time column, gap)";
    default: return "TUMBLE(time column, size)";
    }
}

bool sl_bind_is_group_window_call(const sl_ast_expr *e) { return group_window_kind(e) >= 0; }

sl_status sl_bind_group_window(sl_binder *b, const sl_ast_select_core *core, sl_logical_op **plan, sl_error *err)
{
    const sl_ast_expr *call = NULL;
    for (uint32_t i = 0; i < core->group_count; i++) {
        if (group_window_kind(core->group_by[i]) < 0)
            continue;
        if (call)
            return sl_error_set_at(err, SL_ERR_INVALID_INPUT, core->group_by[i]->position,
                                   "only one group window (TUMBLE, HOP or SESSION) is allowed in GROUP BY");
        call = core->group_by[i];
    }
    if (!call)
        return SL_OK;
    sl_ast_window_kind kind = (sl_ast_window_kind)group_window_kind(call);
    const char *fname = kind_names[kind];
    if (call->function.arg_count != group_window_arity(kind) || call->function.arg_names ||
        call->function.distinct || call->function.filter || call->function.order_count)
        return sl_error_set_at(err, SL_ERR_INVALID_INPUT, call->position, "%s in GROUP BY takes %s", fname,
                               group_window_usage(kind));

    sl_expr *time;
    SL_TRY(sl_bind_expr(b, call->function.args[0], SL_BIND_PLAIN, &time, err));
    SL_TRY(check_time_column(time, call->function.args[0], fname, err));
    int64_t size, slide, offset;
    SL_TRY(group_window_sizes(b, kind, call, &size, &slide, &offset, err));

    /* SESSION: sessions are per group, i.e. partitioned by the other GROUP BY keys. */
    sl_expr **keys = NULL;
    uint32_t key_count = 0;
    if (kind == SL_AST_WINDOW_SESSION && core->group_count > 1) {
        keys = sl_arena_alloc(b->arena, sizeof(sl_expr *) * core->group_count);
        if (!keys)
            return sl_error_oom(err);
        for (uint32_t i = 0; i < core->group_count; i++) {
            const sl_ast_expr *g = core->group_by[i];
            if (g == call)
                continue;
            if (g->kind == SL_AST_EXPR_CONSTANT)
                return sl_error_set_at(err, SL_ERR_INVALID_INPUT, g->position,
                                       "with a SESSION group window, write the other GROUP BY keys as "
                                       "expressions, not ordinals");
            if (sl_ast_has_aggregate(g) || sl_ast_has_window(g))
                continue;   /* bind_group_item reports it */
            SL_TRY(sl_bind_expr(b, g, SL_BIND_PLAIN, &keys[key_count], err));
            key_count++;
        }
    }

    sl_logical_op *op = NULL;
    SL_TRY(new_window_op(b, kind, *plan, time, size, slide, offset, keys, key_count, &op, err));
    struct sl_bind_group_window *gw = sl_arena_calloc(b->arena, sizeof *gw);
    if (!gw)
        return sl_error_oom(err);
    gw->kind = kind;
    gw->call = call;
    gw->time = time;
    gw->size = size;
    gw->slide = slide;
    gw->offset = offset;
    gw->table_index = op->table_index;
    b->group_window = gw;
    *plan = op;
    return SL_OK;
}

/* Column `which` (0 window_start, 1 window_end, 2 window_time) of the group window. */
static sl_status window_column(sl_binder *b, const struct sl_bind_group_window *gw, uint32_t which, int position,
                               sl_expr **out, sl_error *err)
{
    static const char *const names[] = { "window_start", "window_end", "window_time" };
    sl_expr *c = sl_expr_column(b->arena, sl_type_make(SL_TYPE_TIMESTAMP), gw->table_index, which);
    if (!c)
        return sl_error_oom(err);
    c->position = position;
    c->alias = names[which];
    *out = c;
    return SL_OK;
}

sl_status sl_bind_group_window_groups(sl_binder *b, sl_error *err)
{
    const struct sl_bind_group_window *gw = b->group_window;
    for (uint32_t which = 0; which < 2; which++) {
        sl_expr *c = NULL;
        SL_TRY(window_column(b, gw, which, gw->call->position, &c, err));
        SL_TRY(sl_bind_add_group(b, c, err));
    }
    return SL_OK;
}

/* TUMBLE_START & co.: kind and column, or false. */
static bool group_window_ref(const char *name, int *kind, uint32_t *which)
{
    static const char *const prefixes[] = { "tumble_", "hop_", NULL, "session_" };
    static const char *const suffixes[] = { "start", "end", "rowtime" };
    for (int k = 0; k < 4; k++) {
        if (!prefixes[k])
            continue;
        size_t n = strlen(prefixes[k]);
        if (strncmp(name, prefixes[k], n) != 0)
            continue;
        for (uint32_t s = 0; s < 3; s++) {
            if (strcmp(name + n, suffixes[s]) == 0) {
                *kind = k;
                *which = s;
                return true;
            }
        }
    }
    return false;
}

bool sl_bind_is_group_window_ref(const sl_ast_expr *e)
{
    int kind;
    uint32_t which;
    return e->kind == SL_AST_EXPR_FUNCTION && !e->function.over && e->function.name.count == 1 &&
           group_window_ref(e->function.name.parts[0].name, &kind, &which);
}

sl_status sl_bind_group_window_ref(sl_binder *b, const sl_ast_expr *e, sl_expr **out, sl_error *err)
{
    int kind = 0;
    uint32_t which = 0;
    const char *name = e->function.name.parts[0].name;
    group_window_ref(name, &kind, &which);
    char upper[32];
    size_t len = strlen(name);
    if (len >= sizeof upper)
        len = sizeof upper - 1;
    for (size_t i = 0; i < len; i++)
        upper[i] = (char)(name[i] >= 'a' && name[i] <= 'z' ? name[i] - 'a' + 'A' : name[i]);
    upper[len] = '\0';

    const struct sl_bind_group_window *gw = b->group_window;
    if (!gw)
        return sl_error_set_at(err, SL_ERR_INVALID_INPUT, e->position,
                               "%s needs a %s(...) group window in the GROUP BY clause of the same query", upper,
                               kind_names[kind]);
    if ((int)gw->kind != kind)
        return sl_error_set_at(err, SL_ERR_INVALID_INPUT, e->position,
                               "%s does not match the group window %s(...) in GROUP BY", upper, kind_names[gw->kind]);
    const sl_ast_expr *call = gw->call;
    if (e->function.arg_count != call->function.arg_count || e->function.arg_names || e->function.distinct ||
        e->function.star)
        return sl_error_set_at(err, SL_ERR_INVALID_INPUT, e->position,
                               "%s takes the arguments of the group window in GROUP BY: %s", upper,
                               group_window_usage(gw->kind));
    sl_expr *time;
    SL_TRY(sl_bind_expr(b, e->function.args[0], SL_BIND_PLAIN, &time, err));
    int64_t size, slide, offset;
    SL_TRY(group_window_sizes(b, gw->kind, e, &size, &slide, &offset, err));
    if (!sl_expr_equal(time, gw->time) || size != gw->size || slide != gw->slide || offset != gw->offset)
        return sl_error_set_at(err, SL_ERR_INVALID_INPUT, e->position,
                               "the arguments of %s must match the group window %s(...) in GROUP BY", upper,
                               kind_names[gw->kind]);
    SL_TRY(window_column(b, gw, which, e->position, out, err));
    if (which == 2)   /* window_time: grouped too (it follows window_end) so it stays a column */
        SL_TRY(sl_bind_add_group(b, *out, err));
    return SL_OK;
}
