/*
 * bind_name.c — output column names for select-list expressions without an alias,
 * spelled the way DuckDB prints the parsed expression, so result headers match DuckDB:
 *   a + 1 -> "(a + 1)"   count(*) -> "count_star()"   x::BIGINT -> "CAST(x AS BIGINT)"
 *   'abc' -> "'abc'"     x IN (1, 2) -> "(x IN (1, 2))"   t.a -> "a"
 * Only the common forms are reproduced exactly; anything else gets a readable rendering.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "sql/bind_internal.h"

typedef struct name_buf {
    char *data;
    size_t len, cap;
    bool failed;
} name_buf;

static void put(name_buf *nb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(name_buf *nb, const char *fmt, ...)
{
    if (nb->failed)
        return;
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(nb->data + nb->len, nb->cap - nb->len, fmt, ap);
        va_end(ap);
        if (n < 0) {
            nb->failed = true;
            return;
        }
        if ((size_t)n < nb->cap - nb->len) {
            nb->len += (size_t)n;
            return;
        }
        size_t cap = nb->cap * 2 + (size_t)n;
        char *d = sl_realloc(nb->data, cap);
        if (!d) {
            nb->failed = true;
            return;
        }
        nb->data = d;
        nb->cap = cap;
    }
}

static void render(name_buf *nb, const sl_ast_expr *e);

static void render_list(name_buf *nb, sl_ast_expr *const *list, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++) {
        if (i)
            put(nb, ", ");
        render(nb, list[i]);
    }
}

static void render_type(name_buf *nb, const sl_ast_type *t)
{
    sl_type ty;
    char buf[32];
    if (sl_type_parse(t->name, t->param_count > 0 ? (int)t->params[0] : -1,
                      t->param_count > 1 ? (int)t->params[1] : -1, &ty)) {
        sl_type_name(ty, buf, sizeof buf);
        /* DuckDB prints DECIMAL(p, s) with a space */
        char *comma = strchr(buf, ',');
        if (comma && ty.id == SL_TYPE_DECIMAL) {
            put(nb, "DECIMAL(%d, %d)", ty.precision, ty.scale);
            return;
        }
        put(nb, "%s", buf);
    } else {
        put(nb, "%s", t->name);
    }
}

static const char *binary_text(const sl_ast_expr *e)
{
    switch (e->binary.op) {
    case SL_AST_OP_OR: return "OR";
    case SL_AST_OP_AND: return "AND";
    case SL_AST_OP_EQ: return "=";
    case SL_AST_OP_NE: return "!=";
    case SL_AST_OP_LT: return "<";
    case SL_AST_OP_LE: return "<=";
    case SL_AST_OP_GT: return ">";
    case SL_AST_OP_GE: return ">=";
    case SL_AST_OP_IS_DISTINCT: return "IS DISTINCT FROM";
    case SL_AST_OP_IS_NOT_DISTINCT: return "IS NOT DISTINCT FROM";
    case SL_AST_OP_ADD: return "+";
    case SL_AST_OP_SUB: return "-";
    case SL_AST_OP_MUL: return "*";
    case SL_AST_OP_DIV: return "/";
    case SL_AST_OP_MOD: return "%";
    case SL_AST_OP_POW: return "^";
    case SL_AST_OP_CONCAT: return "||";
    default: return e->binary.op_text ? e->binary.op_text : "?";
    }
}

static void render(name_buf *nb, const sl_ast_expr *e)
{
    if (!e) {
        put(nb, "NULL");
        return;
    }
    switch (e->kind) {
    case SL_AST_EXPR_CONSTANT:
        switch (e->constant.kind) {
        case SL_AST_CONST_NULL: put(nb, "NULL"); break;
        case SL_AST_CONST_BOOLEAN: put(nb, "%s", e->constant.boolean ? "true" : "false"); break;
        case SL_AST_CONST_STRING:
            put(nb, "'");
            for (size_t i = 0; i < e->constant.length; i++) {
                char c = e->constant.text[i];
                put(nb, c == '\'' ? "''" : "%c", c);
            }
            put(nb, "'");
            break;
        default: put(nb, "%s", e->constant.text ? e->constant.text : ""); break;
        }
        break;
    case SL_AST_EXPR_COLUMN:
        put(nb, "%s", e->column.name.parts[e->column.name.count - 1].name);
        break;
    case SL_AST_EXPR_STAR: put(nb, "*"); break;
    case SL_AST_EXPR_PARAMETER: put(nb, "$%u", e->parameter.index); break;
    case SL_AST_EXPR_UNARY:
        switch (e->unary.op) {
        case SL_AST_UNARY_NOT: put(nb, "(NOT "); render(nb, e->unary.arg); put(nb, ")"); break;
        case SL_AST_UNARY_MINUS:
            if (e->unary.arg->kind == SL_AST_EXPR_CONSTANT && e->unary.arg->constant.text &&
                e->unary.arg->constant.kind != SL_AST_CONST_STRING) {
                put(nb, "-%s", e->unary.arg->constant.text);
                break;
            }
            put(nb, "(-(");
            render(nb, e->unary.arg);
            put(nb, "))");
            break;
        case SL_AST_UNARY_PLUS: put(nb, "(+"); render(nb, e->unary.arg); put(nb, ")"); break;
        case SL_AST_UNARY_BITNOT: put(nb, "(~"); render(nb, e->unary.arg); put(nb, ")"); break;
        }
        break;
    case SL_AST_EXPR_BINARY:
        put(nb, "(");
        render(nb, e->binary.left);
        put(nb, " %s ", binary_text(e));
        render(nb, e->binary.right);
        put(nb, ")");
        break;
    case SL_AST_EXPR_IS:
        put(nb, "(");
        render(nb, e->is.arg);
        put(nb, " IS %s%s)", e->is.negated ? "NOT " : "",
            e->is.what == SL_AST_IS_NULL ? "NULL" : e->is.what == SL_AST_IS_TRUE ? "TRUE"
                                                : e->is.what == SL_AST_IS_FALSE ? "FALSE" : "UNKNOWN");
        break;
    case SL_AST_EXPR_BETWEEN:
        put(nb, e->between.negated ? "(NOT (" : "(");
        render(nb, e->between.arg);
        put(nb, " BETWEEN ");
        render(nb, e->between.low);
        put(nb, " AND ");
        render(nb, e->between.high);
        put(nb, e->between.negated ? "))" : ")");
        break;
    case SL_AST_EXPR_IN_LIST:
        put(nb, e->in_list.negated ? "(NOT (" : "(");
        render(nb, e->in_list.arg);
        put(nb, " IN (");
        render_list(nb, e->in_list.list, e->in_list.count);
        put(nb, e->in_list.negated ? ")))" : "))");
        break;
    case SL_AST_EXPR_LIKE: {
        const char *op = e->like.like == SL_AST_LIKE_LIKE    ? (e->like.negated ? "!~~" : "~~")
                         : e->like.like == SL_AST_LIKE_ILIKE ? (e->like.negated ? "!~~*" : "~~*")
                         : e->like.like == SL_AST_LIKE_GLOB  ? "GLOB"
                                                             : "SIMILAR TO";
        put(nb, "(");
        render(nb, e->like.arg);
        put(nb, " %s ", op);
        render(nb, e->like.pattern);
        put(nb, ")");
        break;
    }
    case SL_AST_EXPR_SUBQUERY:
        switch (e->subquery.kind) {
        case SL_AST_SUBQUERY_EXISTS: put(nb, "EXISTS(SELECT ...)"); break;
        case SL_AST_SUBQUERY_SCALAR: put(nb, "(SELECT ...)"); break;
        default:
            put(nb, "(");
            render(nb, e->subquery.left);
            put(nb, " IN (SELECT ...))");
            break;
        }
        break;
    case SL_AST_EXPR_FUNCTION: {
        const char *name = e->function.name.parts[e->function.name.count - 1].name;
        if (e->function.star) {
            put(nb, "count_star()");
        } else if (e->function.no_parens) {
            put(nb, "%s", name);
        } else {
            if (strcmp(name, "coalesce") == 0)
                put(nb, "COALESCE(");
            else
                put(nb, "%s(", name);
            if (e->function.distinct)
                put(nb, "DISTINCT ");
            render_list(nb, e->function.args, e->function.arg_count);
            put(nb, ")");
        }
        if (e->function.filter) {
            put(nb, " FILTER (WHERE ");
            render(nb, e->function.filter);
            put(nb, ")");
        }
        if (e->function.over) {
            const sl_ast_window *w = e->function.over;
            put(nb, " OVER (");
            bool sp = false;
            if (w->ref.name) {
                put(nb, "%s", w->ref.name);
                sp = true;
            }
            if (w->partition_count) {
                put(nb, "%sPARTITION BY ", sp ? " " : "");
                render_list(nb, w->partition_by, w->partition_count);
                sp = true;
            }
            if (w->order_count) {
                put(nb, "%sORDER BY ", sp ? " " : "");
                for (uint32_t i = 0; i < w->order_count; i++) {
                    if (i)
                        put(nb, ", ");
                    render(nb, w->order_by[i].expr);
                    if (w->order_by[i].descending)
                        put(nb, " DESC");
                }
            }
            put(nb, ")");
        }
        break;
    }
    case SL_AST_EXPR_CASE:
        put(nb, "CASE ");
        for (uint32_t i = 0; i < e->case_.when_count; i++) {
            put(nb, " WHEN (");
            if (e->case_.operand) {
                put(nb, "(");
                render(nb, e->case_.operand);
                put(nb, " = ");
                render(nb, e->case_.whens[i].condition);
                put(nb, ")");
            } else {
                render(nb, e->case_.whens[i].condition);
            }
            put(nb, ") THEN (");
            render(nb, e->case_.whens[i].result);
            put(nb, ")");
        }
        put(nb, " ELSE ");
        render(nb, e->case_.else_result);
        put(nb, " END");
        break;
    case SL_AST_EXPR_CAST:
        put(nb, e->cast.try_cast ? "TRY_CAST(" : "CAST(");
        render(nb, e->cast.arg);
        put(nb, " AS ");
        render_type(nb, &e->cast.type);
        put(nb, ")");
        break;
    case SL_AST_EXPR_TYPED_LITERAL:
        put(nb, "CAST('%s' AS ", e->typed.text ? e->typed.text : "");
        render_type(nb, &e->typed.type);
        put(nb, ")");
        break;
    case SL_AST_EXPR_SUBSCRIPT:
        render(nb, e->subscript.arg);
        put(nb, "[...]");
        break;
    case SL_AST_EXPR_FIELD:
        render(nb, e->field.arg);
        put(nb, ".%s", e->field.field.name);
        break;
    }
}

const char *sl_bind_expr_name(sl_binder *b, const sl_ast_expr *e)
{
    name_buf nb = { NULL, 0, 0, false };
    nb.cap = 64;
    nb.data = sl_malloc(nb.cap);
    if (!nb.data)
        return "?column?";
    nb.data[0] = '\0';
    render(&nb, e);
    const char *result = nb.failed ? "?column?" : sl_arena_strdup(b->arena, nb.data);
    sl_free(nb.data);
    return result ? result : "?column?";
}
