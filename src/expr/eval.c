/*
 * eval.c — the vectorized expression evaluator.
 *
 * sl_expr_state mirrors the (immutable) expression tree with one node_state per node:
 * the cached vector of a constant or parameter (SL_BATCH_CAPACITY copies, built once),
 * a reusable output vector, and scratch selection vectors. Evaluation walks the tree a
 * batch at a time. Every node evaluates only at the active rows it is given (physical
 * positions `sel[0..count)`, or 0..count-1 when sel is NULL) and returns a vector of
 * input->length slots; AND/OR/CASE/COALESCE/IN narrow the selection for later arguments,
 * so `CASE WHEN x = 0 THEN NULL ELSE 1 / x END` never divides by zero.
 *
 * NULLs: for SL_NULLS_PROPAGATE functions the evaluator sets the output validity to the
 * AND of the arguments' validity and calls the kernel only on rows where every argument is
 * valid (kernels never see NULL rows, so they may raise errors freely).
 *
 * Lifetimes: a state is owned by one operator instance (one thread); vectors returned to
 * the caller carry one reference each.
 */
#include <string.h>

#include "expr/registry.h"

typedef struct node_state {
    const sl_expr *expr;
    uint32_t child_count;
    struct node_state **children;
    sl_vector *constant;       /* CONSTANT / PARAMETER: cached copies */
    sl_vector *out_cache;      /* reusable output vector (fixed-width types) */
    uint32_t *scratch[2];      /* selection scratch, scratch_cap entries each */
    uint32_t scratch_cap;
    sl_vector *cast_tmp;       /* IN list: element cast to the probe type */
} node_state;

struct sl_expr_state {
    node_state *root;
    sl_eval_context ctx;
};

/* ------------------------------------------------------------------ state */

static void node_free(node_state *n)
{
    if (!n)
        return;
    for (uint32_t i = 0; i < n->child_count; i++)
        node_free(n->children[i]);
    sl_free(n->children);
    if (n->constant)
        sl_vector_unref(n->constant);
    if (n->out_cache)
        sl_vector_unref(n->out_cache);
    sl_free(n->scratch[0]);
    sl_free(n->scratch[1]);
    sl_free(n);
}

static node_state *node_new(const sl_expr *e)
{
    node_state *n = sl_calloc(1, sizeof *n);
    if (!n)
        return NULL;
    n->expr = e;
    if (e->arg_count) {
        n->children = sl_calloc(e->arg_count, sizeof *n->children);
        if (!n->children) {
            sl_free(n);
            return NULL;
        }
        n->child_count = e->arg_count;
        for (uint32_t i = 0; i < e->arg_count; i++) {
            n->children[i] = node_new(e->args[i]);
            if (!n->children[i]) {
                node_free(n);
                return NULL;
            }
        }
    }
    return n;
}

sl_expr_state *sl_expr_state_new(const sl_expr *expr, const sl_eval_context *ctx)
{
    sl_expr_state *s = sl_calloc(1, sizeof *s);
    if (!s)
        return NULL;
    if (ctx)
        s->ctx = *ctx;
    s->root = node_new(expr);
    if (!s->root) {
        sl_free(s);
        return NULL;
    }
    return s;
}

void sl_expr_state_free(sl_expr_state *state)
{
    if (!state)
        return;
    node_free(state->root);
    sl_free(state);
}

/* Ensures both scratch selections hold `length` entries. */
static sl_status ensure_scratch(node_state *n, uint32_t length, sl_error *err)
{
    if (n->scratch_cap >= length && n->scratch[0])
        return SL_OK;
    uint32_t cap = length < SL_BATCH_CAPACITY ? SL_BATCH_CAPACITY : length;
    for (int k = 0; k < 2; k++) {
        uint32_t *p = sl_realloc(n->scratch[k], (size_t)cap * sizeof(uint32_t));
        if (!p)
            return sl_error_oom(err);
        n->scratch[k] = p;
    }
    n->scratch_cap = cap;
    return SL_OK;
}

/* An exclusively writable output vector of `type` with at least `length` slots, all
 * valid. Reuses the node's previous output when the caller has dropped it. The caller
 * receives one reference. */
static sl_vector *new_output(node_state *n, sl_type type, uint32_t length)
{
    uint32_t cap = length < SL_BATCH_CAPACITY ? SL_BATCH_CAPACITY : length;
    sl_vector *v = n->out_cache;
    if (v && atomic_load(&v->refcount) == 1 && v->capacity >= length && sl_type_equal(v->type, type) &&
        type.id != SL_TYPE_VARCHAR) {
        if (v->validity)
            memset(v->validity, 0xff, ((size_t)v->capacity + 7) / 8);
        return sl_vector_ref(v);
    }
    if (v)
        sl_vector_unref(v);
    n->out_cache = NULL;
    v = sl_vector_new(type, cap);
    if (!v)
        return NULL;
    if (type.id != SL_TYPE_VARCHAR)
        n->out_cache = sl_vector_ref(v);
    return v;
}

/* A vector with `capacity` copies of value. */
static sl_vector *constant_vector(const sl_value *value, sl_type type, uint32_t capacity, sl_error *err)
{
    sl_vector *one = sl_vector_new(value->type, 1);
    if (!one) {
        sl_error_oom(err);
        return NULL;
    }
    if (value->is_null || value->type.id == SL_TYPE_NULL) {
        if (sl_vector_set_null(one, 0, err) != SL_OK) {
            sl_vector_unref(one);
            return NULL;
        }
    } else if (sl_vector_set_value(one, 0, value, err) != SL_OK) {
        sl_vector_unref(one);
        return NULL;
    }
    if (!sl_type_equal(value->type, type)) {
        /* a parameter whose value type differs from the expected type */
        sl_vector *cast = sl_vector_new(type, 1);
        if (!cast) {
            sl_vector_unref(one);
            sl_error_oom(err);
            return NULL;
        }
        sl_status st = sl_cast_vector(one, cast, NULL, 1, false, err);
        sl_vector_unref(one);
        if (st != SL_OK) {
            sl_vector_unref(cast);
            return NULL;
        }
        one = cast;
    }
    sl_vector *v = sl_vector_new_repeat(one, 0, capacity);
    sl_vector_unref(one);
    if (!v)
        sl_error_oom(err);
    return v;
}

/* ------------------------------------------------------------------ helpers */

/* dst[r] = src[r] for the rows in sel (validity included); casts when the types differ. */
static sl_status copy_rows(sl_vector *dst, const sl_vector *src, const uint32_t *sel, uint32_t n, sl_error *err)
{
    if (n == 0)
        return SL_OK;
    if (!sl_type_equal(dst->type, src->type))
        return sl_cast_vector(src, dst, sel, n, false, err);
    size_t w = sl_type_width(dst->type);
#define COPY_LOOP(T)                                          \
    do {                                                      \
        T *d = (T *)dst->data;                                \
        const T *s = (const T *)src->data;                    \
        for (uint32_t i = 0; i < n; i++)                      \
            d[sel[i]] = s[sel[i]];                            \
    } while (0)
    switch (w) {
    case 1: COPY_LOOP(uint8_t); break;
    case 2: COPY_LOOP(uint16_t); break;
    case 4: COPY_LOOP(uint32_t); break;
    case 8: COPY_LOOP(uint64_t); break;
    case 16: COPY_LOOP(sl_string); break;   /* sl_string, sl_interval, int128: 16 bytes */
    default:
        for (uint32_t i = 0; i < n; i++)
            memcpy((uint8_t *)dst->data + sel[i] * w, (const uint8_t *)src->data + sel[i] * w, w);
    }
#undef COPY_LOOP
    if (src->validity || dst->validity) {
        if (src->validity)
            SL_TRY(sl_vector_ensure_validity(dst, err));
        if (dst->validity)
            for (uint32_t i = 0; i < n; i++)
                sl_validity_set(dst->validity, sel[i], sl_vector_is_valid(src, sel[i]));
    }
    if (dst->type.id == SL_TYPE_VARCHAR && src->heap_count)
        SL_TRY(sl_vector_share_heaps(dst, src, err));
    return SL_OK;
}

static sl_status set_rows_null(sl_vector *dst, const uint32_t *sel, uint32_t n, sl_error *err)
{
    if (n == 0)
        return SL_OK;
    SL_TRY(sl_vector_ensure_validity(dst, err));
    for (uint32_t i = 0; i < n; i++)
        sl_validity_set(dst->validity, sel[i], false);
    return SL_OK;
}

/* Materialises the identity selection 0..count-1 into buf (when sel is NULL). */
static const uint32_t *sel_or_identity(const uint32_t *sel, uint32_t count, uint32_t *buf)
{
    if (sel)
        return sel;
    for (uint32_t i = 0; i < count; i++)
        buf[i] = i;
    return buf;
}

static sl_status eval_node(sl_expr_state *st, node_state *n, const sl_batch *in, const uint32_t *sel,
                           uint32_t count, sl_vector **out, sl_error *err);

/* Evaluates a child; returns its vector (one reference). */
#define EVAL_CHILD(k, s, c, outp) eval_node(st, n->children[k], in, (s), (c), (outp), err)

/* ------------------------------------------------------------------ node kinds */

static sl_status eval_constant(sl_expr_state *st, node_state *n, const sl_batch *in, const sl_value *value,
                               sl_vector **out, sl_error *err)
{
    if (!n->constant || n->constant->capacity < in->length) {
        if (n->constant)
            sl_vector_unref(n->constant);
        n->constant = constant_vector(value, n->expr->type,
                                      in->length < SL_BATCH_CAPACITY ? SL_BATCH_CAPACITY : in->length, err);
        if (!n->constant)
            return err ? err->code : SL_ERR_OOM;
    }
    *out = sl_vector_ref(n->constant);
    return SL_OK;
}

static sl_status eval_call(sl_expr_state *st, node_state *n, const sl_batch *in, const uint32_t *sel,
                           uint32_t count, sl_vector **out, sl_error *err)
{
    const sl_expr *e = n->expr;
    const sl_scalar_function *fn = e->function;
    if (!fn || !fn->kernel)
        return sl_error_set_at(err, SL_ERR_INTERNAL, e->position, "function call without a kernel");
    sl_vector *argv_small[8];
    sl_vector **argv = argv_small;
    if (n->child_count > 8) {
        argv = sl_calloc(n->child_count, sizeof *argv);
        if (!argv)
            return sl_error_oom(err);
    }
    uint32_t done = 0;
    sl_status rc = SL_OK;
    sl_vector *res = NULL;
    for (; done < n->child_count; done++) {
        rc = EVAL_CHILD(done, sel, count, &argv[done]);
        if (rc != SL_OK)
            goto cleanup;
    }
    res = new_output(n, e->type, in->length);
    if (!res) {
        rc = sl_error_oom(err);
        goto cleanup;
    }
    const uint32_t *ksel = sel;
    uint32_t kcount = count;
    if (fn->nulls == SL_NULLS_PROPAGATE) {
        bool nulls = false;
        for (uint32_t k = 0; k < n->child_count && !nulls; k++)
            nulls = argv[k]->validity && sl_vector_has_nulls(argv[k], sel, count);
        if (nulls) {
            rc = ensure_scratch(n, in->length, err);
            if (rc == SL_OK)
                rc = sl_vector_ensure_validity(res, err);
            if (rc != SL_OK)
                goto cleanup;
            uint32_t *narrow = n->scratch[0];
            uint32_t m = 0;
            for (uint32_t i = 0; i < count; i++) {
                uint32_t r = SL_ROW(sel, i);
                bool valid = true;
                for (uint32_t k = 0; k < n->child_count; k++)
                    valid &= sl_vector_is_valid(argv[k], r);
                sl_validity_set(res->validity, r, valid);
                narrow[m] = r;
                m += valid;
            }
            ksel = narrow;
            kcount = m;
        }
    }
    if (kcount > 0 || fn->nulls == SL_NULLS_SPECIAL)
        rc = fn->context_kernel ? fn->context_kernel(&st->ctx, e, argv, ksel, kcount, res, err)
                                : fn->kernel(e, argv, ksel, kcount, res, err);
cleanup:
    for (uint32_t k = 0; k < done; k++)
        sl_vector_unref(argv[k]);
    if (argv != argv_small)
        sl_free(argv);
    if (rc != SL_OK) {
        if (res)
            sl_vector_unref(res);
        return rc;
    }
    *out = res;
    return SL_OK;
}

static sl_status eval_cast(sl_expr_state *st, node_state *n, const sl_batch *in, const uint32_t *sel,
                           uint32_t count, sl_vector **out, sl_error *err)
{
    sl_vector *child;
    SL_TRY(EVAL_CHILD(0, sel, count, &child));
    if (sl_type_equal(child->type, n->expr->type)) {
        *out = child;
        return SL_OK;
    }
    sl_vector *res = new_output(n, n->expr->type, in->length);
    if (!res) {
        sl_vector_unref(child);
        return sl_error_oom(err);
    }
    sl_status rc = sl_cast_vector(child, res, sel, count, n->expr->try_cast, err);
    sl_vector_unref(child);
    if (rc != SL_OK) {
        sl_vector_unref(res);
        return rc;
    }
    *out = res;
    return SL_OK;
}

/* AND (is_and) / OR over n arguments, three-valued, short-circuit: argument k is only
 * evaluated on the rows arguments 0..k-1 left undecided. */
static sl_status eval_logic(sl_expr_state *st, node_state *n, const sl_batch *in, const uint32_t *sel,
                            uint32_t count, bool is_and, sl_vector **out, sl_error *err)
{
    SL_TRY(ensure_scratch(n, in->length, err));
    sl_vector *res = new_output(n, sl_type_make(SL_TYPE_BOOLEAN), in->length);
    if (!res)
        return sl_error_oom(err);
    uint8_t *o = SL_VECTOR_DATA(res, uint8_t);
    const uint8_t decided = is_and ? 0 : 1;      /* FALSE decides AND, TRUE decides OR */
    uint32_t *undecided = n->scratch[0];
    uint32_t m = 0;
    for (uint32_t i = 0; i < count; i++) {
        uint32_t r = SL_ROW(sel, i);
        undecided[m++] = r;
        o[r] = !decided;
    }
    sl_status rc = SL_OK;
    for (uint32_t k = 0; k < n->child_count && m > 0; k++) {
        sl_vector *v;
        rc = EVAL_CHILD(k, undecided, m, &v);
        if (rc != SL_OK)
            break;
        const uint8_t *b = SL_VECTOR_DATA(v, const uint8_t);
        uint32_t keep = 0;
        for (uint32_t i = 0; i < m; i++) {
            uint32_t r = undecided[i];
            bool valid = sl_vector_is_valid(v, r);
            if (valid && b[r] == decided) {
                o[r] = decided;
                if (res->validity)
                    sl_validity_set(res->validity, r, true);
                continue;
            }
            if (!valid) {
                rc = sl_vector_set_null(res, r, err);
                if (rc != SL_OK)
                    break;
            }
            undecided[keep++] = r;
        }
        sl_vector_unref(v);
        if (rc != SL_OK)
            break;
        m = keep;
    }
    if (rc != SL_OK) {
        sl_vector_unref(res);
        return rc;
    }
    *out = res;
    return SL_OK;
}

static sl_status eval_not(sl_expr_state *st, node_state *n, const sl_batch *in, const uint32_t *sel, uint32_t count,
                          sl_vector **out, sl_error *err)
{
    sl_vector *v;
    SL_TRY(EVAL_CHILD(0, sel, count, &v));
    sl_vector *res = new_output(n, sl_type_make(SL_TYPE_BOOLEAN), in->length);
    if (!res) {
        sl_vector_unref(v);
        return sl_error_oom(err);
    }
    const uint8_t *b = SL_VECTOR_DATA(v, const uint8_t);
    uint8_t *o = SL_VECTOR_DATA(res, uint8_t);
    sl_status rc = SL_OK;
    bool nulls = v->validity && sl_vector_has_nulls(v, sel, count);
    if (nulls)
        rc = sl_vector_ensure_validity(res, err);
    for (uint32_t i = 0; i < count && rc == SL_OK; i++) {
        uint32_t r = SL_ROW(sel, i);
        o[r] = v->type.id == SL_TYPE_NULL ? 0 : !b[r];
        if (nulls)
            sl_validity_set(res->validity, r, sl_vector_is_valid(v, r));
    }
    sl_vector_unref(v);
    if (rc != SL_OK) {
        sl_vector_unref(res);
        return rc;
    }
    *out = res;
    return SL_OK;
}

static sl_status eval_is_null(sl_expr_state *st, node_state *n, const sl_batch *in, const uint32_t *sel,
                              uint32_t count, bool want_null, sl_vector **out, sl_error *err)
{
    sl_vector *v;
    SL_TRY(EVAL_CHILD(0, sel, count, &v));
    sl_vector *res = new_output(n, sl_type_make(SL_TYPE_BOOLEAN), in->length);
    if (!res) {
        sl_vector_unref(v);
        return sl_error_oom(err);
    }
    uint8_t *o = SL_VECTOR_DATA(res, uint8_t);
    for (uint32_t i = 0; i < count; i++) {
        uint32_t r = SL_ROW(sel, i);
        o[r] = sl_vector_is_valid(v, r) != want_null;
    }
    sl_vector_unref(v);
    *out = res;
    return SL_OK;
}

/* CASE WHEN c0 THEN v0 ... [ELSE e] END: each THEN runs only on the rows that reach it. */
static sl_status eval_case(sl_expr_state *st, node_state *n, const sl_batch *in, const uint32_t *sel,
                           uint32_t count, sl_vector **out, sl_error *err)
{
    const sl_expr *e = n->expr;
    SL_TRY(ensure_scratch(n, in->length, err));
    sl_vector *res = sl_vector_new(e->type, in->length < SL_BATCH_CAPACITY ? SL_BATCH_CAPACITY : in->length);
    if (!res)
        return sl_error_oom(err);
    uint32_t *remaining = n->scratch[0], *matched = n->scratch[1];
    uint32_t m = count;
    if (sel)
        memcpy(remaining, sel, count * sizeof *remaining);
    else
        sel_or_identity(NULL, count, remaining);
    uint32_t pairs = (n->child_count - (e->has_else ? 1 : 0)) / 2;
    sl_status rc = SL_OK;
    for (uint32_t p = 0; p < pairs && m > 0 && rc == SL_OK; p++) {
        sl_vector *w;
        rc = EVAL_CHILD(2 * p, remaining, m, &w);
        if (rc != SL_OK)
            break;
        const uint8_t *b = SL_VECTOR_DATA(w, const uint8_t);
        bool null_type = w->type.id == SL_TYPE_NULL;
        uint32_t hit = 0, keep = 0;
        for (uint32_t i = 0; i < m; i++) {
            uint32_t r = remaining[i];
            if (!null_type && sl_vector_is_valid(w, r) && b[r])
                matched[hit++] = r;
            else
                remaining[keep++] = r;
        }
        sl_vector_unref(w);
        m = keep;
        if (hit > 0) {
            sl_vector *t;
            rc = EVAL_CHILD(2 * p + 1, matched, hit, &t);
            if (rc == SL_OK) {
                rc = copy_rows(res, t, matched, hit, err);
                sl_vector_unref(t);
            }
        }
    }
    if (rc == SL_OK && m > 0) {
        if (e->has_else) {
            sl_vector *t;
            rc = EVAL_CHILD(n->child_count - 1, remaining, m, &t);
            if (rc == SL_OK) {
                rc = copy_rows(res, t, remaining, m, err);
                sl_vector_unref(t);
            }
        } else {
            rc = set_rows_null(res, remaining, m, err);
        }
    }
    if (rc != SL_OK) {
        sl_vector_unref(res);
        return rc;
    }
    *out = res;
    return SL_OK;
}

/* COALESCE(a, b, ...): argument k only evaluated on rows still NULL. */
static sl_status eval_coalesce(sl_expr_state *st, node_state *n, const sl_batch *in, const uint32_t *sel,
                               uint32_t count, sl_vector **out, sl_error *err)
{
    SL_TRY(ensure_scratch(n, in->length, err));
    sl_vector *res = sl_vector_new(n->expr->type, in->length < SL_BATCH_CAPACITY ? SL_BATCH_CAPACITY : in->length);
    if (!res)
        return sl_error_oom(err);
    uint32_t *remaining = n->scratch[0], *found = n->scratch[1];
    uint32_t m = count;
    if (sel)
        memcpy(remaining, sel, count * sizeof *remaining);
    else
        sel_or_identity(NULL, count, remaining);
    sl_status rc = SL_OK;
    for (uint32_t k = 0; k < n->child_count && m > 0 && rc == SL_OK; k++) {
        sl_vector *v;
        rc = EVAL_CHILD(k, remaining, m, &v);
        if (rc != SL_OK)
            break;
        uint32_t hit = 0, keep = 0;
        for (uint32_t i = 0; i < m; i++) {
            uint32_t r = remaining[i];
            if (sl_vector_is_valid(v, r))
                found[hit++] = r;
            else
                remaining[keep++] = r;
        }
        rc = copy_rows(res, v, found, hit, err);
        sl_vector_unref(v);
        m = keep;
    }
    if (rc == SL_OK)
        rc = set_rows_null(res, remaining, m, err);
    if (rc != SL_OK) {
        sl_vector_unref(res);
        return rc;
    }
    *out = res;
    return SL_OK;
}

/* Casts v to `type` at rows sel into a temporary (IN lists / IS DISTINCT whose operand
 * types were not unified by the binder). Consumes v's reference. */
static sl_status align_type(node_state *n, sl_vector **v, sl_type type, const sl_batch *in, const uint32_t *sel,
                            uint32_t count, sl_error *err)
{
    if (sl_type_equal((*v)->type, type) || (*v)->type.id == SL_TYPE_NULL)
        return SL_OK;
    sl_vector *c = sl_vector_new(type, in->length < SL_BATCH_CAPACITY ? SL_BATCH_CAPACITY : in->length);
    if (!c)
        return sl_error_oom(err);
    sl_status rc = sl_cast_vector(*v, c, sel, count, false, err);
    sl_vector_unref(*v);
    *v = c;
    return rc;
}

/* x [NOT] IN (a, b, ...): TRUE on a match; otherwise NULL if x or any element was NULL;
 * else FALSE. Elements are evaluated only on rows not yet matched. */
static sl_status eval_in_list(sl_expr_state *st, node_state *n, const sl_batch *in, const uint32_t *sel,
                              uint32_t count, sl_vector **out, sl_error *err)
{
    SL_TRY(ensure_scratch(n, in->length, err));
    sl_vector *x;
    SL_TRY(EVAL_CHILD(0, sel, count, &x));
    sl_vector *res = new_output(n, sl_type_make(SL_TYPE_BOOLEAN), in->length);
    if (!res) {
        sl_vector_unref(x);
        return sl_error_oom(err);
    }
    uint8_t *o = SL_VECTOR_DATA(res, uint8_t);
    const uint8_t yes = n->expr->negated ? 0 : 1;
    uint32_t *undecided = n->scratch[0];
    uint32_t m = 0;
    sl_status rc = SL_OK;
    for (uint32_t i = 0; i < count && rc == SL_OK; i++) {
        uint32_t r = SL_ROW(sel, i);
        o[r] = !yes;
        if (sl_vector_is_valid(x, r))
            undecided[m++] = r;
        else
            rc = sl_vector_set_null(res, r, err);
    }
    for (uint32_t k = 1; k < n->child_count && m > 0 && rc == SL_OK; k++) {
        sl_vector *v;
        rc = EVAL_CHILD(k, undecided, m, &v);
        if (rc != SL_OK)
            break;
        rc = align_type(n, &v, x->type, in, undecided, m, err);
        uint32_t keep = 0;
        for (uint32_t i = 0; i < m && rc == SL_OK; i++) {
            uint32_t r = undecided[i];
            if (!sl_vector_is_valid(v, r)) {
                rc = sl_vector_set_null(res, r, err);
                undecided[keep++] = r;
            } else if (sl_slot_compare(x, r, v, r) == 0) {
                o[r] = yes;
                if (res->validity)
                    sl_validity_set(res->validity, r, true);
            } else {
                undecided[keep++] = r;
            }
        }
        sl_vector_unref(v);
        m = keep;
    }
    sl_vector_unref(x);
    if (rc != SL_OK) {
        sl_vector_unref(res);
        return rc;
    }
    *out = res;
    return SL_OK;
}

static sl_status eval_is_distinct(sl_expr_state *st, node_state *n, const sl_batch *in, const uint32_t *sel,
                                  uint32_t count, sl_vector **out, sl_error *err)
{
    sl_vector *a, *b;
    SL_TRY(EVAL_CHILD(0, sel, count, &a));
    sl_status rc = EVAL_CHILD(1, sel, count, &b);
    if (rc != SL_OK) {
        sl_vector_unref(a);
        return rc;
    }
    if (a->type.id == SL_TYPE_NULL) {
        sl_vector *t = a;
        a = b;
        b = t;
    }
    rc = align_type(n, &b, a->type, in, sel, count, err);
    sl_vector *res = rc == SL_OK ? new_output(n, sl_type_make(SL_TYPE_BOOLEAN), in->length) : NULL;
    if (rc == SL_OK && !res)
        rc = sl_error_oom(err);
    if (rc == SL_OK) {
        uint8_t *o = SL_VECTOR_DATA(res, uint8_t);
        for (uint32_t i = 0; i < count; i++) {
            uint32_t r = SL_ROW(sel, i);
            bool va = sl_vector_is_valid(a, r), vb = sl_vector_is_valid(b, r);
            bool distinct = va != vb || (va && sl_slot_compare(a, r, b, r) != 0);
            o[r] = n->expr->negated ? !distinct : distinct;
        }
    }
    sl_vector_unref(a);
    sl_vector_unref(b);
    if (rc != SL_OK)
        return rc;
    *out = res;
    return SL_OK;
}

static sl_status eval_node(sl_expr_state *st, node_state *n, const sl_batch *in, const uint32_t *sel,
                           uint32_t count, sl_vector **out, sl_error *err)
{
    const sl_expr *e = n->expr;
    sl_status rc;
    switch (e->kind) {
    case SL_EXPR_COLUMN:
        if (e->index >= in->column_count || !in->columns[e->index])
            return sl_error_set_at(err, SL_ERR_INTERNAL, e->position,
                                   "column reference #%u outside the input batch (%u columns)", e->index,
                                   in->column_count);
        *out = sl_vector_ref(in->columns[e->index]);
        return SL_OK;
    case SL_EXPR_CONSTANT:
        rc = eval_constant(st, n, in, &e->value, out, err);
        break;
    case SL_EXPR_PARAMETER:
        if (e->param_index < 1 || e->param_index > st->ctx.param_count)
            return sl_error_set_at(err, SL_ERR_INVALID_ARG, e->position, "no value bound for parameter $%u",
                                   e->param_index);
        rc = eval_constant(st, n, in, &st->ctx.params[e->param_index - 1], out, err);
        break;
    case SL_EXPR_CALL: rc = eval_call(st, n, in, sel, count, out, err); break;
    case SL_EXPR_CAST: rc = eval_cast(st, n, in, sel, count, out, err); break;
    case SL_EXPR_AND: rc = eval_logic(st, n, in, sel, count, true, out, err); break;
    case SL_EXPR_OR: rc = eval_logic(st, n, in, sel, count, false, out, err); break;
    case SL_EXPR_NOT: rc = eval_not(st, n, in, sel, count, out, err); break;
    case SL_EXPR_IS_NULL: rc = eval_is_null(st, n, in, sel, count, true, out, err); break;
    case SL_EXPR_IS_NOT_NULL: rc = eval_is_null(st, n, in, sel, count, false, out, err); break;
    case SL_EXPR_CASE: rc = eval_case(st, n, in, sel, count, out, err); break;
    case SL_EXPR_COALESCE: rc = eval_coalesce(st, n, in, sel, count, out, err); break;
    case SL_EXPR_IN_LIST: rc = eval_in_list(st, n, in, sel, count, out, err); break;
    case SL_EXPR_IS_DISTINCT: rc = eval_is_distinct(st, n, in, sel, count, out, err); break;
    default:
        return sl_error_set_at(err, SL_ERR_INTERNAL, e->position,
                               "expression kind %d cannot be evaluated (must be planned away first)", (int)e->kind);
    }
    if (rc != SL_OK && err && err->position < 0)
        err->position = e->position;
    return rc;
}

/* ------------------------------------------------------------------ API */

sl_status sl_expr_evaluate(sl_expr_state *state, const sl_batch *input, sl_vector **out, sl_error *err)
{
    return eval_node(state, state->root, input, input->sel, input->count, out, err);
}

/* Filters: evaluates the predicate at the active rows and keeps the rows where it is
 * TRUE (branch-free compaction). No dedicated column-vs-constant path yet: comparisons
 * already read the cached constant vector in a plain loop. */
sl_status sl_expr_select(sl_expr_state *state, const sl_batch *input, uint32_t *out_sel, uint32_t *out_count,
                         sl_error *err)
{
    sl_vector *v;
    SL_TRY(sl_expr_evaluate(state, input, &v, err));
    uint32_t m = 0;
    if (v->type.id == SL_TYPE_BOOLEAN) {
        const uint8_t *b = SL_VECTOR_DATA(v, const uint8_t);
        if (!v->validity) {
            for (uint32_t i = 0; i < input->count; i++) {
                uint32_t r = sl_batch_row(input, i);
                out_sel[m] = r;
                m += b[r] != 0;
            }
        } else {
            for (uint32_t i = 0; i < input->count; i++) {
                uint32_t r = sl_batch_row(input, i);
                out_sel[m] = r;
                m += (b[r] != 0) & sl_vector_is_valid(v, r);
            }
        }
    } else if (v->type.id != SL_TYPE_NULL) {
        char tn[40];
        sl_type_name(v->type, tn, sizeof tn);
        sl_vector_unref(v);
        return sl_error_set_at(err, SL_ERR_TYPE, state->root->expr->position,
                               "filter condition must be BOOLEAN, not %s", tn);
    }
    sl_vector_unref(v);
    *out_count = m;
    return SL_OK;
}

sl_status sl_expr_evaluate_constant(const sl_expr *expr, const sl_eval_context *ctx, sl_value *out, sl_error *err)
{
    sl_expr_state *st = sl_expr_state_new(expr, ctx);
    if (!st)
        return sl_error_oom(err);
    sl_batch b;
    memset(&b, 0, sizeof b);
    b.length = 1;
    b.count = 1;
    sl_vector *v = NULL;
    sl_status rc = sl_expr_evaluate(st, &b, &v, err);
    if (rc == SL_OK) {
        if (!sl_vector_is_valid(v, 0) || v->type.id == SL_TYPE_NULL)
            *out = sl_value_null(expr->type);
        else
            rc = sl_vector_get_value(v, 0, out, err);
        sl_vector_unref(v);
    }
    sl_expr_state_free(st);
    return rc;
}

bool sl_expr_is_foldable(const sl_expr *expr)
{
    switch (expr->kind) {
    case SL_EXPR_COLUMN:
    case SL_EXPR_PARAMETER:
    case SL_EXPR_SUBQUERY:
    case SL_EXPR_AGGREGATE:
    case SL_EXPR_WINDOW: return false;
    case SL_EXPR_CALL:
        if (!expr->function || expr->function->is_volatile)
            return false;
        break;
    default: break;
    }
    for (uint32_t i = 0; i < expr->arg_count; i++)
        if (!sl_expr_is_foldable(expr->args[i]))
            return false;
    return true;
}
