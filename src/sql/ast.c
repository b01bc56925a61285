/*
 * ast.c — AST node constructors and the S-expression printer (used by parser tests and
 * for debugging). The printed form is compact and stable, e.g.
 *   SELECT a, count(*) FROM t WHERE x > 1 GROUP BY a
 *   -> (select (items a (call count *)) (from (table t)) (where (> x 1)) (group-by a))
 */
#include "sql/ast.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* ------------------------------------------------------------------ constructors */

sl_ast_expr *sl_ast_expr_new(sl_arena *arena, sl_ast_expr_kind kind, int position)
{
    sl_ast_expr *e = sl_arena_calloc(arena, sizeof *e);
    if (e) {
        e->kind = kind;
        e->position = position;
    }
    return e;
}

sl_ast_query *sl_ast_query_new(sl_arena *arena, sl_ast_query_kind kind, int position)
{
    sl_ast_query *q = sl_arena_calloc(arena, sizeof *q);
    if (q) {
        q->kind = kind;
        q->position = position;
    }
    return q;
}

sl_ast_table_ref *sl_ast_table_ref_new(sl_arena *arena, sl_ast_table_ref_kind kind, int position)
{
    sl_ast_table_ref *r = sl_arena_calloc(arena, sizeof *r);
    if (r) {
        r->kind = kind;
        r->position = position;
    }
    return r;
}

sl_ast_stmt *sl_ast_stmt_new(sl_arena *arena, sl_ast_stmt_kind kind, int position)
{
    sl_ast_stmt *s = sl_arena_calloc(arena, sizeof *s);
    if (s) {
        s->kind = kind;
        s->position = position;
    }
    return s;
}

const char *sl_ast_binary_op_name(sl_ast_binary_op op)
{
    switch (op) {
    case SL_AST_OP_OR: return "or";
    case SL_AST_OP_AND: return "and";
    case SL_AST_OP_EQ: return "=";
    case SL_AST_OP_NE: return "<>";
    case SL_AST_OP_LT: return "<";
    case SL_AST_OP_LE: return "<=";
    case SL_AST_OP_GT: return ">";
    case SL_AST_OP_GE: return ">=";
    case SL_AST_OP_IS_DISTINCT: return "is-distinct-from";
    case SL_AST_OP_IS_NOT_DISTINCT: return "is-not-distinct-from";
    case SL_AST_OP_ADD: return "+";
    case SL_AST_OP_SUB: return "-";
    case SL_AST_OP_MUL: return "*";
    case SL_AST_OP_DIV: return "/";
    case SL_AST_OP_MOD: return "%";
    case SL_AST_OP_POW: return "^";
    case SL_AST_OP_CONCAT: return "||";
    case SL_AST_OP_OTHER: return "op";
    }
    return "?";
}

const char *sl_ast_stmt_kind_name(sl_ast_stmt_kind kind)
{
    switch (kind) {
    case SL_AST_STMT_SELECT: return "SELECT";
    case SL_AST_STMT_CREATE_TABLE: return "CREATE TABLE";
    case SL_AST_STMT_CREATE_VIEW: return "CREATE VIEW";
    case SL_AST_STMT_DROP: return "DROP";
    case SL_AST_STMT_INSERT: return "INSERT";
    case SL_AST_STMT_COPY: return "COPY";
    case SL_AST_STMT_EXPLAIN: return "EXPLAIN";
    case SL_AST_STMT_SET: return "SET";
    case SL_AST_STMT_RESET: return "RESET";
    case SL_AST_STMT_SHOW: return "SHOW";
    case SL_AST_STMT_DESCRIBE: return "DESCRIBE";
    case SL_AST_STMT_CREATE_SOURCE: return "CREATE SOURCE";
    case SL_AST_STMT_CREATE_MATERIALIZED_VIEW: return "CREATE MATERIALIZED VIEW";
    case SL_AST_STMT_CREATE_SINK: return "CREATE SINK";
    }
    return "?";
}

/* ------------------------------------------------------------------ printer */

typedef struct printer {
    char *buf;
    size_t cap;
    size_t len;      /* length of the full output, even beyond cap */
} printer;

static void out(printer *pr, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void out(printer *pr, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    size_t room = pr->len < pr->cap ? pr->cap - pr->len : 0;
    int n = vsnprintf(room ? pr->buf + pr->len : NULL, room, fmt, ap);
    va_end(ap);
    if (n > 0)
        pr->len += (size_t)n;
}

static void print_expr(printer *pr, const sl_ast_expr *e);
static void print_query(printer *pr, const sl_ast_query *q);
static void print_stmt(printer *pr, const sl_ast_stmt *s);

static void print_ident(printer *pr, const sl_ast_ident *id)
{
    if (id->quoted)
        out(pr, "\"%s\"", id->name);
    else
        out(pr, "%s", id->name);
}

static void print_name(printer *pr, const sl_ast_name *name)
{
    for (uint32_t i = 0; i < name->count; i++) {
        if (i)
            out(pr, ".");
        print_ident(pr, &name->parts[i]);
    }
}

static void print_string(printer *pr, const char *s)
{
    out(pr, "'");
    for (; *s; s++)
        out(pr, "%s", *s == '\'' ? "''" : (char[2]){ *s, 0 });
    out(pr, "'");
}

static void print_type(printer *pr, const sl_ast_type *t)
{
    out(pr, "%s", t->name);
    if (t->param_count == 1)
        out(pr, "(%lld)", (long long)t->params[0]);
    else if (t->param_count == 2)
        out(pr, "(%lld,%lld)", (long long)t->params[0], (long long)t->params[1]);
    for (uint32_t i = 0; i < t->array_dims; i++)
        out(pr, "[]");
}

static void print_expr_list(printer *pr, sl_ast_expr *const *list, uint32_t count)
{
    for (uint32_t i = 0; i < count; i++) {
        if (i)
            out(pr, " ");
        print_expr(pr, list[i]);
    }
}

static void print_order(printer *pr, const sl_ast_order_item *items, uint32_t count)
{
    out(pr, "(order-by");
    for (uint32_t i = 0; i < count; i++) {
        out(pr, " ");
        if (items[i].descending || items[i].nulls != SL_AST_NULLS_DEFAULT) {
            out(pr, "(");
            print_expr(pr, items[i].expr);
            if (items[i].descending)
                out(pr, " desc");
            if (items[i].nulls == SL_AST_NULLS_FIRST)
                out(pr, " nulls-first");
            else if (items[i].nulls == SL_AST_NULLS_LAST)
                out(pr, " nulls-last");
            out(pr, ")");
        } else {
            print_expr(pr, items[i].expr);
        }
    }
    out(pr, ")");
}

static void print_bound(printer *pr, const sl_ast_frame_bound *b)
{
    switch (b->kind) {
    case SL_AST_BOUND_UNBOUNDED_PRECEDING: out(pr, "unbounded-preceding"); break;
    case SL_AST_BOUND_UNBOUNDED_FOLLOWING: out(pr, "unbounded-following"); break;
    case SL_AST_BOUND_CURRENT_ROW: out(pr, "current-row"); break;
    case SL_AST_BOUND_PRECEDING:
    case SL_AST_BOUND_FOLLOWING:
        out(pr, "(");
        print_expr(pr, b->offset);
        out(pr, b->kind == SL_AST_BOUND_PRECEDING ? " preceding)" : " following)");
        break;
    }
}

static void print_window(printer *pr, const sl_ast_window *w)
{
    out(pr, "(window");
    if (w->name.name) {
        out(pr, " ");
        print_ident(pr, &w->name);
    }
    if (w->ref.name) {
        out(pr, " (ref ");
        print_ident(pr, &w->ref);
        out(pr, ")");
    }
    if (w->partition_count) {
        out(pr, " (partition-by ");
        print_expr_list(pr, w->partition_by, w->partition_count);
        out(pr, ")");
    }
    if (w->order_count) {
        out(pr, " ");
        print_order(pr, w->order_by, w->order_count);
    }
    if (w->frame_unit != SL_AST_FRAME_NONE) {
        static const char *const units[] = { "", "rows", "range", "groups" };
        out(pr, " (%s ", units[w->frame_unit]);
        print_bound(pr, &w->frame_start);
        out(pr, " ");
        print_bound(pr, &w->frame_end);
        static const char *const excludes[] = { "", " exclude-current-row", " exclude-group", " exclude-ties" };
        out(pr, "%s)", excludes[w->exclude]);
    }
    out(pr, ")");
}

static void print_expr(printer *pr, const sl_ast_expr *e)
{
    if (!e) {
        out(pr, "<null>");
        return;
    }
    switch (e->kind) {
    case SL_AST_EXPR_CONSTANT:
        switch (e->constant.kind) {
        case SL_AST_CONST_NULL: out(pr, "NULL"); break;
        case SL_AST_CONST_BOOLEAN: out(pr, e->constant.boolean ? "TRUE" : "FALSE"); break;
        case SL_AST_CONST_STRING: print_string(pr, e->constant.text); break;
        default: out(pr, "%s", e->constant.text); break;
        }
        break;
    case SL_AST_EXPR_COLUMN:
        print_name(pr, &e->column.name);
        break;
    case SL_AST_EXPR_STAR:
        if (e->star.qualifier.count) {
            print_name(pr, &e->star.qualifier);
            out(pr, ".*");
        } else {
            out(pr, "*");
        }
        break;
    case SL_AST_EXPR_PARAMETER:
        out(pr, "%s%u", e->parameter.question_mark ? "?" : "$", e->parameter.index);
        break;
    case SL_AST_EXPR_UNARY: {
        static const char *const ops[] = { "not", "neg", "pos", "~" };
        out(pr, "(%s ", ops[e->unary.op]);
        print_expr(pr, e->unary.arg);
        out(pr, ")");
        break;
    }
    case SL_AST_EXPR_BINARY:
        out(pr, "(%s ", e->binary.op == SL_AST_OP_OTHER ? e->binary.op_text : sl_ast_binary_op_name(e->binary.op));
        print_expr(pr, e->binary.left);
        out(pr, " ");
        print_expr(pr, e->binary.right);
        out(pr, ")");
        break;
    case SL_AST_EXPR_IS: {
        static const char *const what[] = { "null", "true", "false", "unknown" };
        out(pr, "(is-%s%s ", e->is.negated ? "not-" : "", what[e->is.what]);
        print_expr(pr, e->is.arg);
        out(pr, ")");
        break;
    }
    case SL_AST_EXPR_BETWEEN:
        out(pr, "(%sbetween%s ", e->between.negated ? "not-" : "", e->between.symmetric ? "-symmetric" : "");
        print_expr(pr, e->between.arg);
        out(pr, " ");
        print_expr(pr, e->between.low);
        out(pr, " ");
        print_expr(pr, e->between.high);
        out(pr, ")");
        break;
    case SL_AST_EXPR_IN_LIST:
        out(pr, "(%sin ", e->in_list.negated ? "not-" : "");
        print_expr(pr, e->in_list.arg);
        out(pr, " (");
        print_expr_list(pr, e->in_list.list, e->in_list.count);
        out(pr, "))");
        break;
    case SL_AST_EXPR_LIKE: {
        static const char *const kinds[] = { "like", "ilike", "similar-to", "glob" };
        out(pr, "(%s%s ", e->like.negated ? "not-" : "", kinds[e->like.like]);
        print_expr(pr, e->like.arg);
        out(pr, " ");
        print_expr(pr, e->like.pattern);
        if (e->like.escape) {
            out(pr, " (escape ");
            print_expr(pr, e->like.escape);
            out(pr, ")");
        }
        out(pr, ")");
        break;
    }
    case SL_AST_EXPR_SUBQUERY:
        switch (e->subquery.kind) {
        case SL_AST_SUBQUERY_SCALAR: out(pr, "(scalar "); break;
        case SL_AST_SUBQUERY_EXISTS: out(pr, "(exists "); break;
        case SL_AST_SUBQUERY_IN:
            out(pr, "(%sin-subquery ", e->subquery.negated ? "not-" : "");
            print_expr(pr, e->subquery.left);
            out(pr, " ");
            break;
        case SL_AST_SUBQUERY_ANY:
        case SL_AST_SUBQUERY_ALL:
            out(pr, "(%s %s ", e->subquery.kind == SL_AST_SUBQUERY_ANY ? "any" : "all",
                sl_ast_binary_op_name(e->subquery.op));
            print_expr(pr, e->subquery.left);
            out(pr, " ");
            break;
        }
        print_query(pr, e->subquery.query);
        out(pr, ")");
        break;
    case SL_AST_EXPR_FUNCTION:
        out(pr, "(call ");
        print_name(pr, &e->function.name);
        if (e->function.distinct)
            out(pr, " distinct");
        if (e->function.star)
            out(pr, " *");
        for (uint32_t i = 0; i < e->function.arg_count; i++) {
            out(pr, " ");
            if (e->function.arg_names && e->function.arg_names[i])
                out(pr, "(%s := ", e->function.arg_names[i]);
            print_expr(pr, e->function.args[i]);
            if (e->function.arg_names && e->function.arg_names[i])
                out(pr, ")");
        }
        if (e->function.order_count) {
            out(pr, " ");
            print_order(pr, e->function.order_by, e->function.order_count);
        }
        if (e->function.ignore_nulls)
            out(pr, " ignore-nulls");
        if (e->function.filter) {
            out(pr, " (filter ");
            print_expr(pr, e->function.filter);
            out(pr, ")");
        }
        if (e->function.over) {
            out(pr, " (over ");
            print_window(pr, e->function.over);
            out(pr, ")");
        }
        out(pr, ")");
        break;
    case SL_AST_EXPR_CASE:
        out(pr, "(case");
        if (e->case_.operand) {
            out(pr, " ");
            print_expr(pr, e->case_.operand);
        }
        for (uint32_t i = 0; i < e->case_.when_count; i++) {
            out(pr, " (when ");
            print_expr(pr, e->case_.whens[i].condition);
            out(pr, " ");
            print_expr(pr, e->case_.whens[i].result);
            out(pr, ")");
        }
        if (e->case_.else_result) {
            out(pr, " (else ");
            print_expr(pr, e->case_.else_result);
            out(pr, ")");
        }
        out(pr, ")");
        break;
    case SL_AST_EXPR_CAST:
        out(pr, "(%s ", e->cast.try_cast ? "try-cast" : "cast");
        print_expr(pr, e->cast.arg);
        out(pr, " ");
        print_type(pr, &e->cast.type);
        out(pr, ")");
        break;
    case SL_AST_EXPR_TYPED_LITERAL:
        out(pr, "(");
        print_type(pr, &e->typed.type);
        out(pr, " ");
        print_string(pr, e->typed.text);
        if (e->typed.interval_unit)
            out(pr, " %s", e->typed.interval_unit);
        out(pr, ")");
        break;
    case SL_AST_EXPR_SUBSCRIPT:
        out(pr, "(%s ", e->subscript.slice ? "slice" : "index");
        print_expr(pr, e->subscript.arg);
        out(pr, " ");
        if (e->subscript.index)
            print_expr(pr, e->subscript.index);
        else
            out(pr, "_");
        if (e->subscript.slice) {
            out(pr, " ");
            if (e->subscript.slice_end)
                print_expr(pr, e->subscript.slice_end);
            else
                out(pr, "_");
        }
        out(pr, ")");
        break;
    case SL_AST_EXPR_FIELD:
        out(pr, "(field ");
        print_expr(pr, e->field.arg);
        out(pr, " ");
        print_ident(pr, &e->field.field);
        out(pr, ")");
        break;
    }
}

static void print_alias(printer *pr, const sl_ast_table_ref *r)
{
    if (!r->alias.name)
        return;
    out(pr, " (as ");
    print_ident(pr, &r->alias);
    for (uint32_t i = 0; i < r->column_alias_count; i++) {
        out(pr, " ");
        print_ident(pr, &r->column_aliases[i]);
    }
    out(pr, ")");
}

static void print_table_ref(printer *pr, const sl_ast_table_ref *r)
{
    static const char *const joins[] = { "inner", "left", "right", "full", "cross" };
    switch (r->kind) {
    case SL_AST_TABLE_BASE:
        out(pr, "(table ");
        print_name(pr, &r->base.name);
        break;
    case SL_AST_TABLE_SUBQUERY:
        out(pr, "(%ssubquery ", r->subquery.lateral ? "lateral-" : "");
        print_query(pr, r->subquery.query);
        break;
    case SL_AST_TABLE_FUNCTION:
        out(pr, "(%stable-function ", r->function.lateral ? "lateral-" : "");
        print_expr(pr, r->function.call);
        break;
    case SL_AST_TABLE_JOIN:
        out(pr, "(%sjoin %s ", r->join.natural ? "natural-" : "", joins[r->join.type]);
        print_table_ref(pr, r->join.left);
        out(pr, " ");
        print_table_ref(pr, r->join.right);
        if (r->join.condition) {
            out(pr, " (on ");
            print_expr(pr, r->join.condition);
            out(pr, ")");
        }
        if (r->join.using_count) {
            out(pr, " (using");
            for (uint32_t i = 0; i < r->join.using_count; i++) {
                out(pr, " ");
                print_ident(pr, &r->join.using_columns[i]);
            }
            out(pr, ")");
        }
        break;
    case SL_AST_TABLE_WINDOW: {
        static const char *const kinds[] = { "tumble", "hop", "cumulate", "session" };
        out(pr, "(window-%s ", kinds[r->window.kind]);
        print_table_ref(pr, r->window.input);
        out(pr, " ");
        print_expr(pr, r->window.time_column);
        if (r->window.partition_count) {
            out(pr, " (partition-by ");
            print_expr_list(pr, r->window.partition_by, r->window.partition_count);
            out(pr, ")");
        }
        if (r->window.slide) {
            out(pr, " (slide ");
            print_expr(pr, r->window.slide);
            out(pr, ")");
        }
        out(pr, " (size ");
        print_expr(pr, r->window.size);
        out(pr, ")");
        if (r->window.offset) {
            out(pr, " (offset ");
            print_expr(pr, r->window.offset);
            out(pr, ")");
        }
        break;
    }
    }
    print_alias(pr, r);
    out(pr, ")");
}

static void print_query(printer *pr, const sl_ast_query *q)
{
    bool wrapped = q->cte_count || q->order_count || q->limit || q->offset || q->emit != SL_AST_EMIT_NONE;
    if (wrapped)
        out(pr, "(query ");
    if (q->cte_count) {
        out(pr, "(with%s", q->recursive ? "-recursive" : "");
        for (uint32_t i = 0; i < q->cte_count; i++) {
            out(pr, " (cte ");
            print_ident(pr, &q->ctes[i].name);
            for (uint32_t c = 0; c < q->ctes[i].column_count; c++) {
                out(pr, " ");
                print_ident(pr, &q->ctes[i].columns[c]);
            }
            out(pr, " ");
            print_query(pr, q->ctes[i].query);
            out(pr, ")");
        }
        out(pr, ") ");
    }
    switch (q->kind) {
    case SL_AST_QUERY_SELECT: {
        const sl_ast_select_core *c = &q->select;
        out(pr, "(select");
        if (c->distinct)
            out(pr, " distinct");
        if (c->distinct_on_count) {
            out(pr, " (on ");
            print_expr_list(pr, c->distinct_on, c->distinct_on_count);
            out(pr, ")");
        }
        out(pr, " (items");
        for (uint32_t i = 0; i < c->item_count; i++) {
            out(pr, " ");
            if (c->items[i].alias.name) {
                out(pr, "(as ");
                print_expr(pr, c->items[i].expr);
                out(pr, " ");
                print_ident(pr, &c->items[i].alias);
                out(pr, ")");
            } else {
                print_expr(pr, c->items[i].expr);
            }
        }
        out(pr, ")");
        if (c->from) {
            out(pr, " (from ");
            print_table_ref(pr, c->from);
            out(pr, ")");
        }
        if (c->where) {
            out(pr, " (where ");
            print_expr(pr, c->where);
            out(pr, ")");
        }
        if (c->group_by_all)
            out(pr, " (group-by all)");
        if (c->group_count) {
            out(pr, " (group-by ");
            print_expr_list(pr, c->group_by, c->group_count);
            out(pr, ")");
        }
        if (c->having) {
            out(pr, " (having ");
            print_expr(pr, c->having);
            out(pr, ")");
        }
        for (uint32_t i = 0; i < c->window_count; i++) {
            out(pr, " ");
            print_window(pr, &c->windows[i]);
        }
        if (c->qualify) {
            out(pr, " (qualify ");
            print_expr(pr, c->qualify);
            out(pr, ")");
        }
        out(pr, ")");
        break;
    }
    case SL_AST_QUERY_SET_OP: {
        static const char *const ops[] = { "union", "intersect", "except" };
        out(pr, "(%s%s ", ops[q->set_op.op], q->set_op.all ? "-all" : "");
        print_query(pr, q->set_op.left);
        out(pr, " ");
        print_query(pr, q->set_op.right);
        out(pr, ")");
        break;
    }
    case SL_AST_QUERY_VALUES:
        out(pr, "(values");
        for (uint32_t r = 0; r < q->values.row_count; r++) {
            out(pr, " (");
            print_expr_list(pr, q->values.rows[r], q->values.column_count);
            out(pr, ")");
        }
        out(pr, ")");
        break;
    }
    if (q->order_count) {
        out(pr, " ");
        print_order(pr, q->order_by, q->order_count);
    }
    if (q->limit) {
        out(pr, " (limit ");
        print_expr(pr, q->limit);
        out(pr, ")");
    }
    if (q->offset) {
        out(pr, " (offset ");
        print_expr(pr, q->offset);
        out(pr, ")");
    }
    if (q->emit != SL_AST_EMIT_NONE)
        out(pr, " (emit %s)", q->emit == SL_AST_EMIT_CHANGES ? "changes" : "on-window-close");
    if (wrapped)
        out(pr, ")");
}

static void print_ident_list(printer *pr, const char *label, const sl_ast_ident *ids, uint32_t count)
{
    if (!count)
        return;
    out(pr, " (%s", label);
    for (uint32_t i = 0; i < count; i++) {
        out(pr, " ");
        print_ident(pr, &ids[i]);
    }
    out(pr, ")");
}

static void print_options(printer *pr, const sl_ast_option *opts, uint32_t count)
{
    for (uint32_t i = 0; i < count; i++) {
        out(pr, " (%s", opts[i].name);
        if (opts[i].value) {
            out(pr, " ");
            print_expr(pr, opts[i].value);
        }
        if (opts[i].list_count) {
            out(pr, " (");
            print_expr_list(pr, opts[i].list, opts[i].list_count);
            out(pr, ")");
        }
        out(pr, ")");
    }
}

static void print_stmt(printer *pr, const sl_ast_stmt *s)
{
    switch (s->kind) {
    case SL_AST_STMT_SELECT:
        print_query(pr, s->select.query);
        break;
    case SL_AST_STMT_CREATE_TABLE:
        out(pr, "(create-table%s%s%s ", s->create_table.or_replace ? " or-replace" : "",
            s->create_table.temporary ? " temporary" : "", s->create_table.if_not_exists ? " if-not-exists" : "");
        print_name(pr, &s->create_table.name);
        for (uint32_t i = 0; i < s->create_table.column_count; i++) {
            const sl_ast_column_def *c = &s->create_table.columns[i];
            out(pr, " (column ");
            print_ident(pr, &c->name);
            out(pr, " ");
            print_type(pr, &c->type);
            if (c->not_null)
                out(pr, " not-null");
            if (c->primary_key)
                out(pr, " primary-key");
            if (c->unique)
                out(pr, " unique");
            if (c->default_value) {
                out(pr, " (default ");
                print_expr(pr, c->default_value);
                out(pr, ")");
            }
            out(pr, ")");
        }
        print_ident_list(pr, "primary-key", s->create_table.primary_key, s->create_table.primary_key_count);
        print_ident_list(pr, "columns", s->create_table.as_columns, s->create_table.as_column_count);
        if (s->create_table.as_query) {
            out(pr, " (as ");
            print_query(pr, s->create_table.as_query);
            out(pr, ")");
        }
        out(pr, ")");
        break;
    case SL_AST_STMT_CREATE_VIEW:
        out(pr, "(create-view%s%s ", s->create_view.or_replace ? " or-replace" : "",
            s->create_view.if_not_exists ? " if-not-exists" : "");
        print_name(pr, &s->create_view.name);
        print_ident_list(pr, "columns", s->create_view.columns, s->create_view.column_count);
        out(pr, " ");
        print_query(pr, s->create_view.query);
        out(pr, ")");
        break;
    case SL_AST_STMT_DROP:
        out(pr, "(drop-%s%s",
            s->drop.object == SL_AST_OBJECT_TABLE                ? "table"
            : s->drop.object == SL_AST_OBJECT_VIEW             ? "view"
            : s->drop.object == SL_AST_OBJECT_MATERIALIZED_VIEW ? "materialized-view"
            : s->drop.object == SL_AST_OBJECT_SINK             ? "sink"
                                                               : "source",
            s->drop.if_exists ? " if-exists" : "");
        for (uint32_t i = 0; i < s->drop.name_count; i++) {
            out(pr, " ");
            print_name(pr, &s->drop.names[i]);
        }
        if (s->drop.cascade)
            out(pr, " cascade");
        out(pr, ")");
        break;
    case SL_AST_STMT_INSERT:
        out(pr, "(insert ");
        print_name(pr, &s->insert.table);
        print_ident_list(pr, "columns", s->insert.columns, s->insert.column_count);
        if (s->insert.by_name)
            out(pr, " by-name");
        if (s->insert.default_values)
            out(pr, " default-values");
        if (s->insert.query) {
            out(pr, " ");
            print_query(pr, s->insert.query);
        }
        out(pr, ")");
        break;
    case SL_AST_STMT_COPY:
        out(pr, "(copy ");
        if (s->copy.query)
            print_query(pr, s->copy.query);
        else
            print_name(pr, &s->copy.table);
        print_ident_list(pr, "columns", s->copy.columns, s->copy.column_count);
        out(pr, " %s ", s->copy.to ? "to" : "from");
        print_string(pr, s->copy.path);
        print_options(pr, s->copy.options, s->copy.option_count);
        out(pr, ")");
        break;
    case SL_AST_STMT_EXPLAIN:
        out(pr, "(explain%s%s ", s->explain.analyze ? " analyze" : "", s->explain.verbose ? " verbose" : "");
        print_stmt(pr, s->explain.stmt);
        out(pr, ")");
        break;
    case SL_AST_STMT_SET: {
        static const char *const scopes[] = { "", " session", " local", " global" };
        out(pr, "(set%s %s ", scopes[s->set.scope], s->set.name);
        if (s->set.is_default)
            out(pr, "default");
        else
            print_expr(pr, s->set.value);
        out(pr, ")");
        break;
    }
    case SL_AST_STMT_RESET:
        out(pr, "(reset %s)", s->reset.all ? "all" : s->reset.name);
        break;
    case SL_AST_STMT_SHOW:
        if (s->show.kind == SL_AST_SHOW_TABLES)
            out(pr, "(show-tables)");
        else if (s->show.kind == SL_AST_SHOW_ALL_TABLES)
            out(pr, "(show-all-tables)");
        else if (s->show.kind == SL_AST_SHOW_SOURCES)
            out(pr, "(show-sources)");
        else if (s->show.kind == SL_AST_SHOW_MATERIALIZED_VIEWS)
            out(pr, "(show-materialized-views)");
        else if (s->show.kind == SL_AST_SHOW_SINKS)
            out(pr, "(show-sinks)");
        else
            out(pr, "(show %s)", s->show.name);
        break;
    case SL_AST_STMT_DESCRIBE:
        out(pr, "(describe ");
        if (s->describe.query)
            print_query(pr, s->describe.query);
        else
            print_name(pr, &s->describe.table);
        out(pr, ")");
        break;
    case SL_AST_STMT_CREATE_SOURCE:
        out(pr, "(create-source%s%s ", s->create_source.or_replace ? " or-replace" : "",
            s->create_source.if_not_exists ? " if-not-exists" : "");
        print_name(pr, &s->create_source.name);
        for (uint32_t i = 0; i < s->create_source.column_count; i++) {
            out(pr, " (column ");
            print_ident(pr, &s->create_source.columns[i].name);
            out(pr, " ");
            print_type(pr, &s->create_source.columns[i].type);
            out(pr, ")");
        }
        if (s->create_source.watermark_column.name) {
            out(pr, " (watermark ");
            print_ident(pr, &s->create_source.watermark_column);
            out(pr, " ");
            print_expr(pr, s->create_source.watermark);
            out(pr, ")");
        }
        print_options(pr, s->create_source.options, s->create_source.option_count);
        out(pr, ")");
        break;
    case SL_AST_STMT_CREATE_MATERIALIZED_VIEW:
    case SL_AST_STMT_CREATE_SINK:
        out(pr, "(create-%s%s ", s->kind == SL_AST_STMT_CREATE_SINK ? "sink" : "materialized-view",
            s->create_stream.if_not_exists ? " if-not-exists" : "");
        print_name(pr, &s->create_stream.name);
        if (s->create_stream.from.count) {
            out(pr, " (from ");
            print_name(pr, &s->create_stream.from);
            out(pr, ")");
        } else {
            out(pr, " ");
            print_query(pr, s->create_stream.query);
        }
        print_options(pr, s->create_stream.options, s->create_stream.option_count);
        out(pr, ")");
        break;
    }
}

static size_t finish(printer *pr)
{
    if (pr->cap)
        pr->buf[pr->len < pr->cap ? pr->len : pr->cap - 1] = '\0';
    return pr->len;
}

size_t sl_ast_print_stmt(const sl_ast_stmt *stmt, char *buf, size_t cap)
{
    printer pr = { buf, cap, 0 };
    print_stmt(&pr, stmt);
    return finish(&pr);
}

size_t sl_ast_print_query(const sl_ast_query *query, char *buf, size_t cap)
{
    printer pr = { buf, cap, 0 };
    print_query(&pr, query);
    return finish(&pr);
}

size_t sl_ast_print_expr(const sl_ast_expr *expr, char *buf, size_t cap)
{
    printer pr = { buf, cap, 0 };
    print_expr(&pr, expr);
    return finish(&pr);
}
