/*
 * test_functions.c — the string, LIKE, regexp, date/time and aggregate function kernels,
 * called directly on vectors through their overload tables (expr/registry.h), with the
 * evaluator's NULL handling emulated: the output's validity is the AND of the arguments'
 * unless the function declares SL_NULLS_SPECIAL. Expected values were checked with DuckDB.
 */
#include "check.h"
#include "expr/registry.h"
#include "vector/value.h"

#include <math.h>
#include <stdlib.h>

/* ------------------------------------------------------------------ helpers */

#define ROWS_MAX 16

typedef struct arg_spec {
    sl_type_id type;
    const char *s[ROWS_MAX];   /* VARCHAR values (NULL pointer = SQL NULL) */
    int64_t i[ROWS_MAX];       /* integer / date / timestamp values */
    double d[ROWS_MAX];
    uint32_t null_mask;        /* non-VARCHAR NULLs: bit r */
    uint8_t precision, scale;  /* DECIMAL */
} arg_spec;

static sl_type spec_type(const arg_spec *spec)
{
    if (spec->type == SL_TYPE_DECIMAL)
        return sl_type_decimal(spec->precision, spec->scale);
    return sl_type_make((sl_type_id)spec->type);
}

static sl_vector *make_arg(const arg_spec *spec, uint32_t n)
{
    sl_error err;
    sl_vector *v = sl_vector_new(spec_type(spec), n);
    for (uint32_t r = 0; r < n; r++) {
        switch (spec->type) {
        case SL_TYPE_VARCHAR:
            if (spec->s[r])
                sl_vector_set_string(v, r, spec->s[r], (uint32_t)strlen(spec->s[r]), &err);
            else
                sl_vector_set_null(v, r, &err);
            break;
        case SL_TYPE_BOOLEAN: case SL_TYPE_TINYINT: SL_VECTOR_DATA(v, int8_t)[r] = (int8_t)spec->i[r]; break;
        case SL_TYPE_SMALLINT: SL_VECTOR_DATA(v, int16_t)[r] = (int16_t)spec->i[r]; break;
        case SL_TYPE_INTEGER: case SL_TYPE_DATE: SL_VECTOR_DATA(v, int32_t)[r] = (int32_t)spec->i[r]; break;
        case SL_TYPE_DOUBLE: SL_VECTOR_DATA(v, double)[r] = spec->d[r]; break;
        case SL_TYPE_DECIMAL:
            if (sl_decimal_is_small(spec_type(spec)))
                SL_VECTOR_DATA(v, int64_t)[r] = spec->i[r];
            else
                SL_VECTOR_DATA(v, sl_int128)[r] = spec->i[r];
            break;
        default: SL_VECTOR_DATA(v, int64_t)[r] = spec->i[r]; break;
        }
        if (spec->type != SL_TYPE_VARCHAR && (spec->null_mask >> r) & 1)
            sl_vector_set_null(v, r, &err);
    }
    return v;
}

static const sl_overload *find_overload(const char *name, uint32_t argc, const sl_type_id *types)
{
    const sl_overload *tables[] = { sl_string_overloads, sl_datetime_overloads };
    const size_t counts[] = { sl_string_overload_count, sl_datetime_overload_count };
    for (int t = 0; t < 2; t++) {
        for (size_t k = 0; k < counts[t]; k++) {
            const sl_overload *o = &tables[t][k];
            if (strcmp(o->name, name) != 0)
                continue;
            if (!(o->variadic ? argc >= o->arg_count : argc == o->arg_count))
                continue;
            bool ok = true;
            for (uint32_t a = 0; a < argc && ok; a++) {
                sl_type_id want = o->args[a < o->arg_count ? a : o->arg_count - 1];
                ok = want == SL_TYPE_INVALID || want == types[a];
            }
            if (ok)
                return o;
        }
    }
    return NULL;
}

/* Runs name(args) over n rows with an optional selection; returns the output vector (or
 * NULL with *status set when the kernel fails). */
static sl_vector *run_scalar(const char *name, const arg_spec *specs, uint32_t argc, uint32_t n, const uint32_t *sel,
                             uint32_t count, sl_type result, sl_status *status, sl_error *err)
{
    sl_type_id types[8];
    for (uint32_t a = 0; a < argc; a++)
        types[a] = (sl_type_id)specs[a].type;
    const sl_overload *o = find_overload(name, argc, types);
    if (!o) {
        fprintf(stderr, "no overload for %s/%u\n", name, argc);
        *status = SL_ERR_CATALOG;
        return NULL;
    }
    sl_vector *args[8];
    sl_expr arg_exprs[8];
    sl_expr *arg_ptrs[8];
    for (uint32_t a = 0; a < argc; a++) {
        args[a] = make_arg(&specs[a], n);
        memset(&arg_exprs[a], 0, sizeof arg_exprs[a]);
        arg_exprs[a].kind = SL_EXPR_COLUMN;
        arg_exprs[a].type = sl_type_make((sl_type_id)specs[a].type);
        arg_ptrs[a] = &arg_exprs[a];
    }
    sl_expr call;
    memset(&call, 0, sizeof call);
    call.kind = SL_EXPR_CALL;
    call.type = result;
    call.position = -1;
    call.function = &o->function;
    call.arg_count = argc;
    call.args = arg_ptrs;
    sl_vector *out = sl_vector_new(result, n);
    memset(out->data, 0, n * sl_type_width(result));
    if (o->function.nulls == SL_NULLS_PROPAGATE) {
        for (uint32_t r = 0; r < n; r++)
            for (uint32_t a = 0; a < argc; a++)
                if (!sl_vector_is_valid(args[a], r))
                    sl_vector_set_null(out, r, err);
    }
    *status = o->function.kernel(&call, args, sel, sel ? count : n, out, err);
    for (uint32_t a = 0; a < argc; a++)
        sl_vector_unref(args[a]);
    if (*status != SL_OK) {
        sl_vector_unref(out);
        return NULL;
    }
    return out;
}

/* Formats row r of v ("NULL" for NULL) into a static buffer. */
static const char *fmt(const sl_vector *v, uint32_t r)
{
    static char buf[4][256];
    static int k;
    char *b = buf[k++ & 3];
    if (!v)
        return "(error)";
    if (!sl_vector_is_valid(v, r))
        return "NULL";
    if (v->type.id == SL_TYPE_VARCHAR) {
        const sl_string *s = &SL_VECTOR_DATA(v, sl_string)[r];
        snprintf(b, 256, "%.*s", (int)s->length, sl_string_data(s));
        return b;
    }
    sl_format_slot(v, r, b, 256);
    return b;
}

#define VSTR(...) { .type = SL_TYPE_VARCHAR, .s = { __VA_ARGS__ } }
#define VI64(...) { .type = SL_TYPE_BIGINT, .i = { __VA_ARGS__ } }
#define VI32(...) { .type = SL_TYPE_INTEGER, .i = { __VA_ARGS__ } }

/* Checks name(args) row by row against expected strings. */
static void expect_rows(const char *name, const arg_spec *specs, uint32_t argc, sl_type_id result, uint32_t n,
                        const char *const *expected, int line)
{
    sl_error err;
    sl_status st;
    sl_vector *out = run_scalar(name, specs, argc, n, NULL, 0, sl_type_make(result), &st, &err);
    if (!out) {
        fprintf(stderr, "line %d: %s failed: %s\n", line, name, err.message);
        CHECK(out != NULL);
        return;
    }
    for (uint32_t r = 0; r < n; r++) {
        const char *got = fmt(out, r);
        check_count_++;
        if (strcmp(got, expected[r]) != 0) {
            check_failures_++;
            fprintf(stderr, "line %d: %s row %u: got '%s', expected '%s'\n", line, name, r, got, expected[r]);
        }
    }
    sl_vector_unref(out);
}

#define EXPECT(name, result, n, specs, ...)                                                   \
    do {                                                                                      \
        const arg_spec specs_[] = specs;                                                      \
        const char *exp_[] = { __VA_ARGS__ };                                                 \
        expect_rows(name, specs_, sizeof specs_ / sizeof specs_[0], result, n, exp_, __LINE__); \
    } while (0)
#define ARGS(...) { __VA_ARGS__ }

/* Expects name(args) to fail with `code`. */
static void expect_error(const char *name, const arg_spec *specs, uint32_t argc, sl_type_id result, sl_status code,
                         int line)
{
    sl_error err;
    sl_status st;
    sl_error_clear(&err);
    sl_vector *out = run_scalar(name, specs, argc, 1, NULL, 0, sl_type_make(result), &st, &err);
    check_count_++;
    if (out || st != code) {
        check_failures_++;
        fprintf(stderr, "line %d: %s: expected error %d, got %d\n", line, name, (int)code, (int)st);
    }
    if (out)
        sl_vector_unref(out);
}
#define EXPECT_ERROR(name, result, code, specs)                                               \
    do {                                                                                      \
        const arg_spec specs_[] = specs;                                                      \
        expect_error(name, specs_, sizeof specs_ / sizeof specs_[0], result, code, __LINE__); \
    } while (0)

/* ------------------------------------------------------------------ strings */

static void test_length_case(void)
{
    EXPECT("length", SL_TYPE_BIGINT, 4, ARGS(VSTR("héllo", "", NULL, "a somewhat longer string")), "5", "0", "NULL",
           "24");
    EXPECT("octet_length", SL_TYPE_BIGINT, 2, ARGS(VSTR("héllo", "")), "6", "0");
    EXPECT("upper", SL_TYPE_VARCHAR, 3, ARGS(VSTR("héllo wörld, long enough", "abc", NULL)), "HÉLLO WÖRLD, LONG ENOUGH",
           "ABC", "NULL");
    EXPECT("lower", SL_TYPE_VARCHAR, 2, ARGS(VSTR("ÀB", "ПРИВЕТ Straße")), "àb", "привет straße");
    EXPECT("initcap", SL_TYPE_VARCHAR, 1, ARGS(VSTR("hello wORLD foo-bar")), "Hello World Foo-Bar");
}

static void test_substring(void)
{
    EXPECT("substring", SL_TYPE_VARCHAR, 7,
           ARGS(VSTR("hello", "hello", "hello", "hello", "hello", "hello", "hello"), VI64(0, -3, -3, 3, 2, 10, 0),
                VI64(3, 100, 2, -2, 1000, 1, -1)),
           "he", "llo", "ll", "he", "ello", "", "");
    EXPECT("substring", SL_TYPE_VARCHAR, 13,
           ARGS(VSTR("hello", "hello", "hello", "hello", "hello", "hello", "hello", "hello", "hello", "hello", "hello",
                     "hello", "hello"),
                VI64(-7, -6, -6, -5, -6, -7, -2, -7, 0, -1, 7, 6, 6), VI64(3, 3, 2, 2, 1, 10, -2, -1, 2, 5, -3, -3, -1)),
           "h", "he", "h", "he", "", "hello", "el", "", "h", "o", "lo", "llo", "o");
    EXPECT("substring", SL_TYPE_VARCHAR, 3,
           ARGS(VSTR("héllo wörld and more text", "héllo", NULL), VI64(2, -4, 1)),
           "éllo wörld and more text", "éllo", "NULL");
    EXPECT("left", SL_TYPE_VARCHAR, 3, ARGS(VSTR("hello", "héllo", "hello"), VI64(-2, 2, 10)), "hel", "hé", "hello");
    EXPECT("right", SL_TYPE_VARCHAR, 3, ARGS(VSTR("hello", "héllo", "hello"), VI64(-2, 4, 10)), "llo", "éllo",
           "hello");
}

static void test_trim_pad(void)
{
    EXPECT("trim", SL_TYPE_VARCHAR, 2, ARGS(VSTR("  a  ", "   ")), "a", "");
    EXPECT("trim", SL_TYPE_VARCHAR, 2, ARGS(VSTR("xxaxx", "éxaéyx"), VSTR("x", "xé")), "a", "aéy");
    EXPECT("ltrim", SL_TYPE_VARCHAR, 1, ARGS(VSTR("xxaxx"), VSTR("x")), "axx");
    EXPECT("rtrim", SL_TYPE_VARCHAR, 1, ARGS(VSTR("xxaxx"), VSTR("x")), "xxa");
    EXPECT("lpad", SL_TYPE_VARCHAR, 4, ARGS(VSTR("ab", "abcdef", "ab", "é"), VI64(5, 3, -1, 20), VSTR("xy", "x", "x", "ü")),
           "xyxab", "abc", "", "üüüüüüüüüüüüüüüüüüüé");
    EXPECT("rpad", SL_TYPE_VARCHAR, 1, ARGS(VSTR("ab"), VI64(5), VSTR("xy")), "abxyx");
    EXPECT_ERROR("lpad", SL_TYPE_VARCHAR, SL_ERR_RUNTIME, ARGS(VSTR("ab"), VI64(5), VSTR("")));
}

static void test_search_replace(void)
{
    EXPECT("strpos", SL_TYPE_BIGINT, 4, ARGS(VSTR("hello", "héllo", "abc", "abc"), VSTR("l", "lo", "", "x")), "3", "4",
           "1", "0");
    EXPECT("contains", SL_TYPE_BOOLEAN, 2, ARGS(VSTR("abc", "abc"), VSTR("b", "d")), "true", "false");
    EXPECT("starts_with", SL_TYPE_BOOLEAN, 3, ARGS(VSTR("abc", "abc", "a"), VSTR("ab", "b", "abc")), "true", "false",
           "false");
    EXPECT("ends_with", SL_TYPE_BOOLEAN, 2, ARGS(VSTR("abc", "abc"), VSTR("bc", "b")), "true", "false");
    EXPECT("replace", SL_TYPE_VARCHAR, 3, ARGS(VSTR("aaa", "abc", "the quick brown fox"), VSTR("a", "", "quick"),
                                                VSTR("bb", "x", "slow")),
           "bbbbbb", "abc", "the slow brown fox");
    EXPECT("split_part", SL_TYPE_VARCHAR, 6,
           ARGS(VSTR("a,b,c", "a,b,c", "a,b,c", "a,b,c", "a::b::c", "a,b"), VSTR(",", ",", ",", "", "::", ","),
                VI64(2, 5, -1, 1, 3, 0)),
           "b", "", "c", "a", "c", "");
    EXPECT("repeat", SL_TYPE_VARCHAR, 3, ARGS(VSTR("ab", "ab", "xyz"), VI64(3, -1, 5)), "ababab", "", "xyzxyzxyzxyzxyz");
    EXPECT("reverse", SL_TYPE_VARCHAR, 1, ARGS(VSTR("héllo")), "olléh");
    EXPECT("ascii", SL_TYPE_INTEGER, 3, ARGS(VSTR("é", "A", "")), "233", "65", "0");
    EXPECT("chr", SL_TYPE_VARCHAR, 2, ARGS(VI32(233, 65)), "é", "A");
    EXPECT_ERROR("chr", SL_TYPE_VARCHAR, SL_ERR_RUNTIME, ARGS(VI32(-1)));
    EXPECT_ERROR("repeat", SL_TYPE_VARCHAR, SL_ERR_RUNTIME, ARGS(VSTR("ab"), VI64(1000000000000)));
}

static void test_concat(void)
{
    EXPECT("concat", SL_TYPE_VARCHAR, 3, ARGS(VSTR("a", NULL, "a long prefix "), VSTR(NULL, NULL, "and suffix"), VSTR("b", NULL, "!")),
           "ab", "", "a long prefix and suffix!");
    EXPECT("||", SL_TYPE_VARCHAR, 2, ARGS(VSTR("a", "abc"), VSTR(NULL, "def")), "NULL", "abcdef");
}

static void test_selection(void)
{
    /* Only the selected rows are written; a NULL row in between is skipped. */
    sl_error err;
    sl_status st;
    const arg_spec specs[] = { VSTR("Hello World, long string", NULL, "xyz", "skipped") };
    uint32_t sel[2] = { 0, 2 };
    sl_vector *out = run_scalar("upper", specs, 1, 4, sel, 2, sl_type_make(SL_TYPE_VARCHAR), &st, &err);
    CHECK(out != NULL);
    CHECK_EQ_STR(fmt(out, 0), "HELLO WORLD, LONG STRING");
    CHECK_EQ_STR(fmt(out, 2), "XYZ");
    sl_vector_unref(out);
}

/* ------------------------------------------------------------------ LIKE / regexp */

static void test_like(void)
{
    EXPECT("like", SL_TYPE_BOOLEAN, 10,
           ARGS(VSTR("abc", "abc", "abc", "abc", "héllo", "abc", "xabcx", "a", "aXbXc", "abcabd"),
                VSTR("a%", "%c", "%b%", "abc", "h_llo", "a_", "%abc%", "%%", "a%b%c", "%ab_")),
           "true", "true", "true", "true", "true", "false", "true", "true", "true", "true");
    EXPECT("like", SL_TYPE_BOOLEAN, 3, ARGS(VSTR("a_c", "abc", "a%"), VSTR("a$_c", "a$_c", "a$%"), VSTR("$", "$", "$")),
           "true", "false", "true");
    EXPECT("not_like", SL_TYPE_BOOLEAN, 2, ARGS(VSTR("abc", "abc"), VSTR("a%", "b%")), "false", "true");
    EXPECT("ilike", SL_TYPE_BOOLEAN, 3, ARGS(VSTR("ABC", "ÀB", "x"), VSTR("a%", "àb", "Y")), "true", "true", "false");
    EXPECT("not_ilike", SL_TYPE_BOOLEAN, 1, ARGS(VSTR("ABC"), VSTR("a%")), "false");
    EXPECT_ERROR("like", SL_TYPE_BOOLEAN, SL_ERR_INVALID_INPUT, ARGS(VSTR("abc"), VSTR("abc$"), VSTR("$")));
    EXPECT_ERROR("like", SL_TYPE_BOOLEAN, SL_ERR_INVALID_INPUT, ARGS(VSTR("abc"), VSTR("a%"), VSTR("xy")));
}

static void test_like_bound_pattern(void)
{
    /* A constant pattern is compiled by the bind hook into bind_data. */
    sl_arena arena;
    sl_arena_init(&arena, 0);
    sl_error err;
    sl_type_id types[2] = { SL_TYPE_VARCHAR, SL_TYPE_VARCHAR };
    const sl_overload *o = find_overload("ilike", 2, types);
    CHECK(o && o->bind);
    sl_expr col, pat, call;
    memset(&col, 0, sizeof col);
    memset(&pat, 0, sizeof pat);
    memset(&call, 0, sizeof call);
    col.kind = SL_EXPR_COLUMN;
    col.type = sl_type_make(SL_TYPE_VARCHAR);
    pat.kind = SL_EXPR_CONSTANT;
    pat.type = col.type;
    CHECK_OK(sl_value_varchar("%WORLD%", 7, &pat.value, &err));
    sl_expr *args_e[2] = { &col, &pat };
    call.kind = SL_EXPR_CALL;
    call.function = &o->function;
    call.args = args_e;
    call.arg_count = 2;
    call.position = -1;
    CHECK_OK(o->bind(&arena, &call, &err));
    CHECK(call.bind_data != NULL);
    const arg_spec specs[] = { VSTR("hello world", "nothing"), VSTR("ignored", "ignored") };
    sl_vector *args[2] = { make_arg(&specs[0], 2), make_arg(&specs[1], 2) };
    sl_vector *out = sl_vector_new(sl_type_make(SL_TYPE_BOOLEAN), 2);
    CHECK_OK(o->function.kernel(&call, args, NULL, 2, out, &err));
    CHECK_EQ_INT(SL_VECTOR_DATA(out, uint8_t)[0], 1);
    CHECK_EQ_INT(SL_VECTOR_DATA(out, uint8_t)[1], 0);
    sl_vector_unref(out);
    sl_vector_unref(args[0]);
    sl_vector_unref(args[1]);
    sl_value_free(&pat.value);
    sl_arena_free(&arena);
}

static void test_regexp(void)
{
    EXPECT("regexp_matches", SL_TYPE_BOOLEAN, 3, ARGS(VSTR("abc", "abc", "abc"), VSTR("B", "^b", "b")), "false", "false",
           "true");
    EXPECT("regexp_matches", SL_TYPE_BOOLEAN, 1, ARGS(VSTR("abc"), VSTR("B"), VSTR("i")), "true");
    EXPECT("regexp_full_match", SL_TYPE_BOOLEAN, 2, ARGS(VSTR("abc", "abcd"), VSTR("a.c", "a.c")), "true", "false");
    EXPECT("regexp_replace", SL_TYPE_VARCHAR, 4,
           ARGS(VSTR("aaa", "abc", "no match here at all", "héllo"), VSTR("a", "(b)", "x", "l"),
                VSTR("b", "<\\1>", "y", "L")),
           "baa", "a<b>c", "no match here at all", "héLlo");
    EXPECT("regexp_replace", SL_TYPE_VARCHAR, 2, ARGS(VSTR("aaa", "abc"), VSTR("a", "x*"), VSTR("b", "-"), VSTR("g", "g")),
           "bbb", "-a-b-c-");
    EXPECT("regexp_extract", SL_TYPE_VARCHAR, 2, ARGS(VSTR("abc123", "abc"), VSTR("[0-9]+", "x")), "123", "NULL");
    EXPECT("regexp_extract", SL_TYPE_VARCHAR, 1, ARGS(VSTR("abc123"), VSTR("([a-z]+)([0-9]+)"), VI64(2)), "123");
    EXPECT("glob", SL_TYPE_BOOLEAN, 7,
           ARGS(VSTR("abc", "abc", "a.c", "abc", "a]c", "ABC", "x[y"), VSTR("a*", "?b?", "a.c", "a[!b]c", "a[]]c", "a*", "x[y")),
           "true", "true", "true", "false", "true", "false", "true");
    EXPECT_ERROR("regexp_matches", SL_TYPE_BOOLEAN, SL_ERR_INVALID_INPUT, ARGS(VSTR("abc"), VSTR("(")));
    EXPECT_ERROR("regexp_extract", SL_TYPE_VARCHAR, SL_ERR_INVALID_INPUT, ARGS(VSTR("abc"), VSTR("(a)"), VI64(3)));
}


/* ------------------------------------------------------------------ aggregates */

/* Runs aggregate `name` over n rows of specs[0..argc) (plus order keys specs[argc..]) into
 * `ngroups` groups (row r goes to groups[r]). With `split`, rows are folded into two
 * partial state sets that are then combined (exercises combine). Returns the finalized
 * vector of ngroups rows. */
static sl_vector *run_aggregate(const char *name, const arg_spec *specs, uint32_t argc, uint32_t order_count,
                                const bool *order_desc, uint32_t n, const int *groups, uint32_t ngroups, bool split,
                                sl_error *err)
{
    const sl_aggregate_overload *o = NULL;
    for (size_t k = 0; k < sl_aggregate_overload_count && !o; k++) {
        const sl_aggregate_overload *c = &sl_aggregate_overloads[k];
        if (strcmp(c->name, name) != 0 || c->arg_count != argc)
            continue;
        bool ok = true;
        for (uint32_t a = 0; a < argc; a++)
            ok &= c->args[a] == SL_TYPE_INVALID || c->args[a] == specs[a].type;
        if (ok)
            o = c;
    }
    if (!o) {
        fprintf(stderr, "no aggregate overload %s/%u\n", name, argc);
        return NULL;
    }
    const sl_aggregate_function *f = o->function;
    sl_arena arena;
    sl_arena_init(&arena, 0);
    sl_expr arg_exprs[8], agg;
    sl_expr *arg_ptrs[8], *order_ptrs[8];
    uint32_t total = argc + order_count;
    sl_vector *args[8];
    for (uint32_t a = 0; a < total; a++) {
        memset(&arg_exprs[a], 0, sizeof arg_exprs[a]);
        arg_exprs[a].kind = SL_EXPR_COLUMN;
        arg_exprs[a].type = spec_type(&specs[a]);
        if (a < argc)
            arg_ptrs[a] = &arg_exprs[a];
        else
            order_ptrs[a - argc] = &arg_exprs[a];
        args[a] = make_arg(&specs[a], n);
    }
    memset(&agg, 0, sizeof agg);
    agg.kind = SL_EXPR_AGGREGATE;
    agg.position = -1;
    agg.aggregate = f;
    agg.arg_count = argc;
    agg.args = arg_ptrs;
    agg.order_count = order_count;
    agg.order_by = order_ptrs;
    agg.order_desc = (bool *)order_desc;
    agg.type = o->result == SL_TYPE_INVALID ? arg_exprs[0].type : sl_type_make(o->result);
    if (o->bind && o->bind(&arena, &agg, err) != SL_OK)
        return NULL;

    char *blob = calloc(2 * ngroups, f->state_size);
    void *part[2][ROWS_MAX];
    for (uint32_t g = 0; g < ngroups; g++) {
        part[0][g] = blob + g * f->state_size;
        part[1][g] = blob + (ngroups + g) * f->state_size;
        f->init(&agg, part[0][g]);
        f->init(&agg, part[1][g]);
    }
    /* Fold rows [0, half) into part 0 and [half, n) into part 1 (all into part 0 if !split),
     * through a selection vector so physical rows differ from active positions. */
    uint32_t half = split ? n / 2 : n;
    sl_status st = SL_OK;
    for (int p = 0; p < 2 && st == SL_OK; p++) {
        uint32_t sel[ROWS_MAX], cnt = 0;
        void *states[ROWS_MAX];
        for (uint32_t r = p ? half : 0; r < (p ? n : half); r++) {
            sel[cnt] = r;
            states[cnt++] = part[p][groups[r]];
        }
        if (cnt)
            st = f->update(&agg, states, args, sel, cnt, err);
    }
    if (st == SL_OK && split)
        st = f->combine(&agg, part[1], part[0], ngroups, err);
    sl_vector *out = sl_vector_new(agg.type, ngroups);
    memset(out->data, 0, ngroups * sl_type_width(agg.type));
    if (st == SL_OK)
        st = f->finalize(&agg, part[0], ngroups, out, 0, err);
    for (uint32_t g = 0; g < ngroups; g++) {
        if (f->destroy) {
            f->destroy(&agg, part[0][g]);
            f->destroy(&agg, part[1][g]);
        }
    }
    free(blob);
    for (uint32_t a = 0; a < total; a++)
        sl_vector_unref(args[a]);
    sl_arena_free(&arena);
    if (st != SL_OK) {
        sl_vector_unref(out);
        return NULL;
    }
    return out;
}

static void expect_aggregate(const char *name, const arg_spec *specs, uint32_t argc, uint32_t order_count,
                             const bool *desc, uint32_t n, const int *groups, uint32_t ngroups,
                             const char *const *expected, int line)
{
    for (int split = 0; split < 2; split++) {
        sl_error err;
        sl_error_clear(&err);
        sl_vector *out = run_aggregate(name, specs, argc, order_count, desc, n, groups, ngroups, split, &err);
        if (!out) {
            fprintf(stderr, "line %d: %s failed: %s\n", line, name, err.message);
            CHECK(out != NULL);
            continue;
        }
        for (uint32_t g = 0; g < ngroups; g++) {
            const char *got = fmt(out, g);
            check_count_++;
            bool same = strcmp(got, expected[g]) == 0;
            if (!same && out->type.id == SL_TYPE_DOUBLE && sl_vector_is_valid(out, g)) {
                /* partial-state combines may round differently in the last bits */
                double want = strtod(expected[g], NULL), have = SL_VECTOR_DATA(out, double)[g];
                same = fabs(want - have) <= 1e-12 * fabs(want);
            }
            if (!same) {
                check_failures_++;
                fprintf(stderr, "line %d: %s (split %d) group %u: got '%s', expected '%s'\n", line, name, split, g, got,
                        expected[g]);
            }
        }
        sl_vector_unref(out);
    }
}

#define EXPECT_AGG(name, argc, order_count, desc, n, groups, ngroups, specs, ...)                          \
    do {                                                                                                  \
        const arg_spec specs_[] = specs;                                                                  \
        const int groups_[] = groups;                                                                     \
        const char *exp_[] = { __VA_ARGS__ };                                                             \
        expect_aggregate(name, specs_, argc, order_count, desc, n, groups_, ngroups, exp_, __LINE__);    \
    } while (0)
#define GROUPS(...) { __VA_ARGS__ }

static void test_aggregate_basic(void)
{
    /* groups: 0 = rows 0,2,4; 1 = rows 1,3; 2 = row 5 (NULL) */
    const arg_spec ints = { .type = SL_TYPE_INTEGER, .i = { 1, 10, 2, 20, 3, 99 }, .null_mask = 1u << 5 };
    EXPECT_AGG("count", 1, 0, NULL, 6, GROUPS(0, 1, 0, 1, 0, 2), 3, ARGS(ints), "3", "2", "0");
    EXPECT_AGG("count_star", 0, 0, NULL, 6, GROUPS(0, 1, 0, 1, 0, 2), 3, ARGS(ints), "3", "2", "1");
    EXPECT_AGG("sum", 1, 0, NULL, 6, GROUPS(0, 1, 0, 1, 0, 2), 3, ARGS(ints), "6", "30", "NULL");
    EXPECT_AGG("avg", 1, 0, NULL, 6, GROUPS(0, 1, 0, 1, 0, 2), 3, ARGS(ints), "2.0", "15.0", "NULL");
    EXPECT_AGG("min", 1, 0, NULL, 6, GROUPS(0, 1, 0, 1, 0, 2), 3, ARGS(ints), "1", "10", "NULL");
    EXPECT_AGG("max", 1, 0, NULL, 6, GROUPS(0, 1, 0, 1, 0, 2), 3, ARGS(ints), "3", "20", "NULL");
    const arg_spec bigs = { .type = SL_TYPE_BIGINT, .i = { INT64_MAX, INT64_MAX, -5 } };
    EXPECT_AGG("sum", 1, 0, NULL, 3, GROUPS(0, 0, 0), 1, ARGS(bigs), "18446744073709551609");
    EXPECT_AGG("avg", 1, 0, NULL, 2, GROUPS(0, 0), 1, ARGS(bigs), "9.223372036854776e+18");
    const arg_spec decs = { .type = SL_TYPE_DECIMAL, .precision = 10, .scale = 2, .i = { 150, 225 } };
    EXPECT_AGG("sum", 1, 0, NULL, 2, GROUPS(0, 0), 1, ARGS(decs), "3.75");
    EXPECT_AGG("avg", 1, 0, NULL, 2, GROUPS(0, 0), 1, ARGS(decs), "1.875");
    EXPECT_AGG("min", 1, 0, NULL, 2, GROUPS(0, 0), 1, ARGS(decs), "1.50");
    const arg_spec dbl = { .type = SL_TYPE_DOUBLE, .d = { 1, 2, 4, NAN } };
    EXPECT_AGG("sum", 1, 0, NULL, 3, GROUPS(0, 0, 0), 1, ARGS(dbl), "7.0");
    EXPECT_AGG("max", 1, 0, NULL, 4, GROUPS(0, 0, 0, 0), 1, ARGS(dbl), "nan");
    EXPECT_AGG("min", 1, 0, NULL, 4, GROUPS(0, 0, 0, 0), 1, ARGS(dbl), "1.0");
}

static void test_aggregate_strings(void)
{
    const arg_spec strs = VSTR("banana split with cream", "apple", NULL, "cherry tart, a long one", "ab");
    EXPECT_AGG("min", 1, 0, NULL, 5, GROUPS(0, 0, 0, 1, 1), 2, ARGS(strs), "apple", "ab");
    EXPECT_AGG("max", 1, 0, NULL, 5, GROUPS(0, 0, 0, 1, 1), 2, ARGS(strs), "banana split with cream",
               "cherry tart, a long one");
    EXPECT_AGG("first", 1, 0, NULL, 5, GROUPS(1, 0, 0, 1, 1), 2, ARGS(strs), "apple", "banana split with cream");
    EXPECT_AGG("first", 1, 0, NULL, 3, GROUPS(1, 1, 0), 2, ARGS(strs), "NULL", "banana split with cream");
    EXPECT_AGG("any_value", 1, 0, NULL, 3, GROUPS(0, 0, 0), 1, ARGS(strs), "banana split with cream");
    EXPECT_AGG("string_agg", 1, 0, NULL, 5, GROUPS(0, 0, 0, 0, 1), 2, ARGS(strs),
               "banana split with cream,apple,cherry tart, a long one", "ab");
    const arg_spec sep = VSTR("-", "-", "-", "-", "-");
    EXPECT_AGG("string_agg", 2, 0, NULL, 5, GROUPS(0, 0, 0, 0, 0), 1, ARGS(strs, sep),
               "banana split with cream-apple-cherry tart, a long one-ab");
    /* ORDER BY key DESC, passed as a trailing argument */
    const arg_spec keys = VI64(2, 3, 9, 1, 5);
    const bool desc[1] = { true };
    EXPECT_AGG("string_agg", 2, 1, desc, 5, GROUPS(0, 0, 0, 0, 0), 1, ARGS(strs, sep, keys),
               "ab-apple-banana split with cream-cherry tart, a long one");
    const bool asc[1] = { false };
    EXPECT_AGG("string_agg", 2, 1, asc, 5, GROUPS(0, 0, 0, 0, 1), 2, ARGS(strs, sep, keys),
               "cherry tart, a long one-banana split with cream-apple", "ab");
    const arg_spec empty = VSTR(NULL, NULL);
    EXPECT_AGG("string_agg", 1, 0, NULL, 2, GROUPS(0, 0), 1, ARGS(empty), "NULL");
    EXPECT_AGG("arg_max", 2, 0, NULL, 5, GROUPS(0, 0, 0, 0, 0), 1, ARGS(strs, keys), "NULL");
    EXPECT_AGG("arg_min", 2, 0, NULL, 5, GROUPS(0, 0, 0, 0, 0), 1, ARGS(strs, keys), "cherry tart, a long one");
    EXPECT_AGG("arg_max", 2, 0, NULL, 5, GROUPS(0, 0, 1, 0, 0), 2, ARGS(strs, keys), "ab", "NULL");
}

static void test_aggregate_bool_stats(void)
{
    const arg_spec b = { .type = SL_TYPE_BOOLEAN, .i = { 1, 0, 1, 1 }, .null_mask = 1u << 3 };
    EXPECT_AGG("bool_and", 1, 0, NULL, 4, GROUPS(0, 0, 1, 2), 3, ARGS(b), "false", "true", "NULL");
    EXPECT_AGG("bool_or", 1, 0, NULL, 4, GROUPS(0, 0, 1, 2), 3, ARGS(b), "true", "true", "NULL");
    const arg_spec d = { .type = SL_TYPE_DOUBLE, .d = { 1, 2, 4, 7 } };
    EXPECT_AGG("var_samp", 1, 0, NULL, 4, GROUPS(0, 0, 0, 1), 2, ARGS(d), "2.333333333333333", "NULL");
    EXPECT_AGG("var_pop", 1, 0, NULL, 4, GROUPS(0, 0, 0, 1), 2, ARGS(d), "1.5555555555555554", "0.0");
    EXPECT_AGG("stddev", 1, 0, NULL, 3, GROUPS(0, 0, 0), 1, ARGS(d), "1.5275252316519465");
    EXPECT_AGG("stddev_pop", 1, 0, NULL, 3, GROUPS(0, 0, 0), 1, ARGS(d), "1.247219128924647");
}


/* ------------------------------------------------------------------ date / time */

#define TS1 INT64_C(1614870367123456)      /* 2021-03-04 15:06:07.123456 */
#define TS2 INT64_C(-315619199500000)      /* 1960-01-01 00:00:00.5 */
#define D_2021_01_01 18628
#define D_2021_01_03 18630                  /* a Sunday */
#define D_2021_12_31 18992
#define VTS(...) { .type = SL_TYPE_TIMESTAMP, .i = { __VA_ARGS__ } }
#define VDATE(...) { .type = SL_TYPE_DATE, .i = { __VA_ARGS__ } }

static void test_date_part(void)
{
    EXPECT("date_part", SL_TYPE_BIGINT, 16,
           ARGS(VSTR("year", "quarter", "month", "day", "dow", "isodow", "doy", "week", "hour", "minute", "second",
                     "millisecond", "microsecond", "decade", "century", "EPOCH"),
                VTS(TS1, TS1, TS1, TS1, TS1, TS1, TS1, TS1, TS1, TS1, TS1, TS1, TS1, TS1, TS1, TS1)),
           "2021", "1", "3", "4", "4", "4", "63", "9", "15", "6", "7", "7123", "7123456", "202", "21", "1614870367");
    EXPECT("date_part", SL_TYPE_BIGINT, 6,
           ARGS(VSTR("week", "isoyear", "yearweek", "dow", "isodow", "hour"),
                VDATE(D_2021_01_01, D_2021_01_01, D_2021_01_01, D_2021_01_03, D_2021_01_03, D_2021_01_03)),
           "53", "2020", "202053", "0", "7", "0");
    EXPECT("date_part", SL_TYPE_BIGINT, 2, ARGS(VSTR("millisecond", "dow"), VTS(TS2, TS2)), "500", "5");
    EXPECT("epoch", SL_TYPE_DOUBLE, 2, ARGS(VTS(TS2, TS1)), "-315619199.5", "1614870367.123456");
    EXPECT("year", SL_TYPE_BIGINT, 2, ARGS(VDATE(D_2021_01_01, 0)), "2021", "1970");
    EXPECT("dayofweek", SL_TYPE_BIGINT, 1, ARGS(VDATE(D_2021_01_03)), "0");
    EXPECT("epoch_ms", SL_TYPE_BIGINT, 1, ARGS(VDATE(D_2021_01_01)), "1609459200000");
    EXPECT_ERROR("date_part", SL_TYPE_BIGINT, SL_ERR_INVALID_INPUT, ARGS(VSTR("fortnight"), VTS(TS1)));
}

static void test_date_trunc_diff(void)
{
    EXPECT("date_trunc", SL_TYPE_TIMESTAMP, 6,
           ARGS(VSTR("week", "quarter", "hour", "millisecond", "decade", "month"),
                VTS(INT64_C(18630) * 86400000000, INT64_C(18992) * 86400000000, TS1, TS1, TS1, TS2)),
           "2020-12-28 00:00:00", "2021-10-01 00:00:00", "2021-03-04 15:00:00", "2021-03-04 15:06:07.123",
           "2020-01-01 00:00:00", "1960-01-01 00:00:00");
    EXPECT("date_trunc", SL_TYPE_TIMESTAMP, 2, ARGS(VSTR("month", "century"), VDATE(D_2021_12_31, D_2021_12_31)),
           "2021-12-01 00:00:00", "2000-01-01 00:00:00");
    EXPECT("date_diff", SL_TYPE_BIGINT, 6,
           ARGS(VSTR("week", "week", "day", "month", "decade", "century"),
                VDATE(18628, 18630, 18631, 18717, 18261, 11322), VDATE(18634, 18631, 18630, 18628, 18262, 11323)),
           "0", "0", "-1", "-2", "1", "0");
    EXPECT("date_diff", SL_TYPE_BIGINT, 3, ARGS(VSTR("hour", "second", "minute"),
                                                 VTS(1609498740000000, 1609498799900000, 0),
                                                 VTS(1609498800000000, 1609498800100000, 86400000000)),
           "1", "1", "1440");
}

static void test_make_and_format(void)
{
    EXPECT("make_date", SL_TYPE_DATE, 1, ARGS(VI64(2021), VI64(2), VI64(28)), "2021-02-28");
    EXPECT_ERROR("make_date", SL_TYPE_DATE, SL_ERR_RUNTIME, ARGS(VI64(2021), VI64(2), VI64(29)));
    const arg_spec mts[] = { VI64(2021), VI64(1), VI64(2), { .type = SL_TYPE_DOUBLE, .d = { 3 } },
                             { .type = SL_TYPE_DOUBLE, .d = { 4 } }, { .type = SL_TYPE_DOUBLE, .d = { 5.5 } } };
    expect_rows("make_timestamp", mts, 6, SL_TYPE_TIMESTAMP, 1, (const char *[]){ "2021-01-02 03:04:05.5" }, __LINE__);
    EXPECT("strftime", SL_TYPE_VARCHAR, 3,
           ARGS(VTS(TS1, TS1, INT64_C(18690) * 86400000000),
                VSTR("%Y %m %d %H %M %S %f %j %a %A %b %B %y %p %I %%",
                     "%-m %-d %g %G %V %u %w %U %W %z %Z %c %x %X %-H %-I %-j %-M %-S %n", "%Y/%m/%d %H")),
           "2021 03 04 15 06 07 123456 063 Thu Thursday Mar March 21 PM 03 %",
           "3 4 123 2021 09 4 4 09 09 +00  2021-03-04 15:06:07 2021-03-04 15:06:07 15 3 63 6 7 123456000",
           "2021/03/04 00");
    EXPECT("strptime", SL_TYPE_TIMESTAMP, 3,
           ARGS(VSTR("03/04/21 5:06 PM", "2021-03-04T05:06:07.123", "Thursday, March 4 2021"),
                VSTR("%m/%d/%y %I:%M %p", "%Y-%m-%dT%H:%M:%S.%f", "%A, %B %-d %Y")),
           "2021-03-04 17:06:00", "2021-03-04 05:06:07.123", "2021-03-04 00:00:00");
    EXPECT_ERROR("strptime", SL_TYPE_TIMESTAMP, SL_ERR_INVALID_INPUT, ARGS(VSTR("2021-03-04 xyz"), VSTR("%Y-%m-%d")));
    EXPECT("last_day", SL_TYPE_DATE, 1, ARGS(VDATE(18295)), "2020-02-29");
    EXPECT("dayname", SL_TYPE_VARCHAR, 1, ARGS(VDATE(D_2021_01_03)), "Sunday");
    EXPECT("monthname", SL_TYPE_VARCHAR, 1, ARGS(VTS(TS1)), "March");

    sl_error err;
    sl_status st;
    const arg_spec age_args[] = { VTS(1614852000000000, INT64_C(18687) * 86400000000),
                                  VTS(1580472000000000, INT64_C(18658) * 86400000000) };
    sl_vector *out = run_scalar("age", age_args, 2, 2, NULL, 0, sl_type_make(SL_TYPE_INTERVAL), &st, &err);
    CHECK(out != NULL);
    if (out) {
        sl_interval a = SL_VECTOR_DATA(out, sl_interval)[0], b = SL_VECTOR_DATA(out, sl_interval)[1];
        CHECK(a.months == 13 && a.days == 3 && a.micros == INT64_C(22) * 3600000000);   /* 1 year 1 mon 3 days 22:00 */
        CHECK(b.months == 1 && b.days == 1 && b.micros == 0);                               /* 2021-03-01 - 2021-01-31 */
        sl_vector_unref(out);
    }
}

int main(void)
{
    CHECK_RUN(test_length_case);
    CHECK_RUN(test_substring);
    CHECK_RUN(test_trim_pad);
    CHECK_RUN(test_search_replace);
    CHECK_RUN(test_concat);
    CHECK_RUN(test_selection);
    CHECK_RUN(test_like);
    CHECK_RUN(test_like_bound_pattern);
    CHECK_RUN(test_regexp);
    CHECK_RUN(test_aggregate_basic);
    CHECK_RUN(test_aggregate_strings);
    CHECK_RUN(test_aggregate_bool_stats);
    CHECK_RUN(test_date_part);
    CHECK_RUN(test_date_trunc_diff);
    CHECK_RUN(test_make_and_format);
    return CHECK_EXIT_CODE();
}
