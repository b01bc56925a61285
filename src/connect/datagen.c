/*
 * datagen.c — the `datagen` connector: rows of random, sequential or constant values for
 * any declared schema (like Flink's datagen), for demos and tests.
 *
 *   CREATE SOURCE s (id BIGINT, name VARCHAR, score DOUBLE, at TIMESTAMP)
 *   WITH (connector = 'datagen', number_of_rows = 1000, seed = 7,
 *         fields.id.kind = 'sequence', fields.id.start = 1, fields.id.end = 1000,
 *         fields.name.length = 8, fields.score.min = 0, fields.score.max = 100)
 *
 * Source options: number_of_rows (bounds the source), rows_per_second (real-time pacing),
 * seed. Per-column options fields.<column>.<property> (also written 'fields.x.kind'):
 *   kind      'random' (default), 'sequence' or 'constant'
 *   start/end sequence bounds, inclusive (integer types and VARCHAR); the source ends when
 *             a sequence is exhausted
 *   min/max   random range, inclusive for integer, DATE, TIMESTAMP and DECIMAL columns
 *             (defaults: the type's range; DOUBLE/REAL [0, 1); DATE/TIMESTAMP during 2024)
 *   length    random VARCHAR length in letters (default 100)
 *   value     constant value, as text cast to the column type
 * Row r's values are a pure function of (seed, r, column): same options, same rows, and a
 * projected scan (init_projected) generates only the columns the query reads.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "connect/connector.h"
#include "formats/text_parse.h"

typedef enum field_kind {
    FIELD_RANDOM,
    FIELD_SEQUENCE,
    FIELD_CONSTANT
} field_kind;

typedef struct datagen_field {
    field_kind kind;
    sl_type type;
    int64_t min, max;             /* integer domain: ints, DATE, TIMESTAMP, DECIMAL unscaled; sequence start/end */
    double dmin, dmax;            /* REAL / DOUBLE */
    uint32_t length;              /* random VARCHAR */
    const char *text;             /* constant VARCHAR */
    uint8_t slot[16];             /* constant of a fixed-width type */
} datagen_field;

typedef struct datagen_bind {
    uint64_t seed;
    int64_t rows;                 /* -1: unbounded */
    int64_t rows_per_second;      /* 0: no pacing */
    uint32_t field_count;
    datagen_field *fields;
} datagen_bind;

typedef struct datagen_scan {
    const datagen_bind *bind;
    int64_t next_row;
    int64_t start_micros;
    uint32_t column_count;        /* columns produced */
    uint32_t *columns;            /* field of each produced column (owned) */
} datagen_scan;

static const char *const datagen_options[] = { "number_of_rows", "rows_per_second", "seed", NULL };
static const char *const field_properties[] = { "kind", "start", "end", "min", "max", "length", "value", NULL };

#define ME "datagen"

static bool integer_domain(sl_type t)
{
    switch (t.id) {
    case SL_TYPE_TINYINT: case SL_TYPE_SMALLINT: case SL_TYPE_INTEGER: case SL_TYPE_BIGINT:
    case SL_TYPE_DATE: case SL_TYPE_TIMESTAMP: case SL_TYPE_DECIMAL:
        return true;
    default:
        return false;
    }
}

/* Parses `text` as a value of type t into slot (fixed-width types). */
static bool parse_slot(sl_type t, const char *text, uint8_t slot[16])
{
    sl_vector *v = sl_vector_new(t, 1);
    if (!v)
        return false;
    bool ok = sl_text_parse_slot(v, 0, text, strlen(text));
    if (ok)
        memcpy(slot, v->data, sl_type_width(t));
    sl_vector_unref(v);
    return ok;
}

/* Integer-domain value of a parsed slot (DECIMAL: unscaled, within int64). */
static bool slot_integer(sl_type t, const uint8_t *slot, int64_t *out)
{
    switch (t.id) {
    case SL_TYPE_TINYINT: *out = *(const int8_t *)slot; return true;
    case SL_TYPE_SMALLINT: *out = *(const int16_t *)slot; return true;
    case SL_TYPE_INTEGER: case SL_TYPE_DATE: *out = *(const int32_t *)slot; return true;
    case SL_TYPE_BIGINT: case SL_TYPE_TIMESTAMP: *out = *(const int64_t *)slot; return true;
    case SL_TYPE_DECIMAL:
        if (t.precision <= SL_DECIMAL_INT64_MAX_PRECISION) {
            *out = *(const int64_t *)slot;
            return true;
        } else {
            sl_int128 v;
            memcpy(&v, slot, sizeof v);
            if (v < INT64_MIN || v > INT64_MAX)
                return false;
            *out = (int64_t)v;
            return true;
        }
    default: return false;
    }
}

static void default_range(datagen_field *f)
{
    switch (f->type.id) {
    case SL_TYPE_TINYINT: f->min = INT8_MIN; f->max = INT8_MAX; break;
    case SL_TYPE_SMALLINT: f->min = INT16_MIN; f->max = INT16_MAX; break;
    case SL_TYPE_INTEGER: f->min = INT32_MIN; f->max = INT32_MAX; break;
    case SL_TYPE_BIGINT: f->min = INT64_MIN; f->max = INT64_MAX; break;
    case SL_TYPE_DATE: f->min = 19723; f->max = 19723 + 365; break;                  /* 2024 */
    case SL_TYPE_TIMESTAMP:
        f->min = INT64_C(1704067200000000);
        f->max = f->min + INT64_C(366) * 86400 * 1000000 - 1;
        break;
    case SL_TYPE_DECIMAL: {
        int digits = f->type.precision < 18 ? f->type.precision : 18;
        int64_t limit = 1;
        for (int i = 0; i < digits; i++)
            limit *= 10;
        f->min = -(limit - 1);
        f->max = limit - 1;
        break;
    }
    default: break;
    }
    f->dmin = 0.0;
    f->dmax = 1.0;
    f->length = 100;
}

static const sl_connector_option *field_option(const sl_connector_spec *spec, const char *column, const char *property)
{
    char name[256];
    snprintf(name, sizeof name, "fields.%s.%s", column, property);
    /* column names are case-insensitive: compare the whole option name so */
    const sl_connector_option *found = NULL;
    for (uint32_t i = 0; i < spec->option_count; i++)
        if (strcasecmp(spec->options[i].name, name) == 0)
            found = &spec->options[i];
    return found;
}

/* Checks every fields.<column>.<property> option names a declared column and a known property. */
static sl_status check_field_options(const sl_connector_spec *spec, sl_error *err)
{
    for (uint32_t i = 0; i < spec->option_count; i++) {
        const sl_connector_option *o = &spec->options[i];
        if (strncmp(o->name, "fields.", 7) != 0)
            continue;
        const char *column = o->name + 7;
        const char *dot = strrchr(column, '.');
        if (!dot || dot == column)
            return sl_error_set_at(err, SL_ERR_INVALID_ARG, o->position,
                                   "connector 'datagen': option '%s' must be fields.<column>.<property>", o->name);
        const char *property = dot + 1;
        size_t column_length = (size_t)(dot - column);
        bool known = false;
        for (size_t k = 0; field_properties[k] && !known; k++)
            known = strcmp(field_properties[k], property) == 0;
        if (!known)
            return sl_error_set_at(err, SL_ERR_INVALID_ARG, o->position,
                                   "connector 'datagen': unknown property '%s' in option '%s' (valid: kind, start, "
                                   "end, min, max, length, value)",
                                   property, o->name);
        bool declared = false;
        for (uint32_t c = 0; c < spec->column_count && !declared; c++)
            declared = strlen(spec->columns[c].name) == column_length &&
                       strncasecmp(spec->columns[c].name, column, column_length) == 0;
        if (!declared)
            return sl_error_set_at(err, SL_ERR_INVALID_ARG, o->position,
                                   "connector 'datagen': option '%s' names no column of source \"%s\"", o->name,
                                   spec->source_name ? spec->source_name : "?");
    }
    return SL_OK;
}

static bool accept_field_option(const char *name)
{
    return strncmp(name, "fields.", 7) == 0;
}

static sl_status parse_bound(const sl_connector_option *o, datagen_field *f, const char *column, int64_t *ivalue,
                             double *dvalue, sl_error *err)
{
    if (f->type.id == SL_TYPE_REAL || f->type.id == SL_TYPE_DOUBLE) {
        if (!sl_text_parse_double(o->value, strlen(o->value), dvalue))
            return sl_connector_option_error(err, o, ME, "expects a number for column \"%s\", got '%s'", column,
                                             o->value);
        return SL_OK;
    }
    uint8_t slot[16];
    if (!parse_slot(f->type, o->value, slot) || !slot_integer(f->type, slot, ivalue)) {
        char tn[32];
        return sl_connector_option_error(err, o, ME, "expects a %s value for column \"%s\", got '%s'",
                                         sl_type_name(f->type, tn, sizeof tn), column, o->value);
    }
    return SL_OK;
}

static sl_status bind_field(const sl_connector_spec *spec, const sl_column_def *col, datagen_field *f, sl_arena *arena,
                            sl_error *err)
{
    char tn[32];
    f->type = col->type;
    switch (col->type.id) {
    case SL_TYPE_BOOLEAN: case SL_TYPE_TINYINT: case SL_TYPE_SMALLINT: case SL_TYPE_INTEGER: case SL_TYPE_BIGINT:
    case SL_TYPE_REAL: case SL_TYPE_DOUBLE: case SL_TYPE_DECIMAL: case SL_TYPE_VARCHAR: case SL_TYPE_DATE:
    case SL_TYPE_TIMESTAMP:
        break;
    default:
        return sl_error_set_at(err, SL_ERR_TYPE, spec->position, "connector 'datagen' cannot generate %s column \"%s\"",
                               sl_type_name(col->type, tn, sizeof tn), col->name);
    }
    default_range(f);
    const sl_connector_option *kind = field_option(spec, col->name, "kind");
    f->kind = FIELD_RANDOM;
    if (kind) {
        if (strcasecmp(kind->value, "random") == 0)
            f->kind = FIELD_RANDOM;
        else if (strcasecmp(kind->value, "sequence") == 0)
            f->kind = FIELD_SEQUENCE;
        else if (strcasecmp(kind->value, "constant") == 0)
            f->kind = FIELD_CONSTANT;
        else
            return sl_connector_option_error(err, kind, ME, "must be 'random', 'sequence' or 'constant', got '%s'",
                                             kind->value);
    }
    static const char *const per_kind[3][4] = {
        { "min", "max", "length", NULL },   /* random */
        { "start", "end", NULL, NULL },     /* sequence */
        { "value", NULL, NULL, NULL },      /* constant */
    };
    static const char *const all[] = { "start", "end", "min", "max", "length", "value" };
    static const char *const kind_names[] = { "random", "sequence", "constant" };
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) {
        const sl_connector_option *o = field_option(spec, col->name, all[i]);
        if (!o)
            continue;
        bool allowed = false;
        for (size_t k = 0; per_kind[f->kind][k] && !allowed; k++)
            allowed = strcmp(per_kind[f->kind][k], all[i]) == 0;
        if (!allowed)
            return sl_connector_option_error(err, o, ME, "does not apply to a column of kind '%s'",
                                             kind_names[f->kind]);
    }
    switch (f->kind) {
    case FIELD_SEQUENCE: {
        if (!sl_type_is_integer(col->type) && col->type.id != SL_TYPE_VARCHAR)
            return sl_error_set_at(err, SL_ERR_TYPE, kind->position,
                                   "connector 'datagen': a sequence needs an integer or VARCHAR column, \"%s\" is %s",
                                   col->name, sl_type_name(col->type, tn, sizeof tn));
        const sl_connector_option *start = field_option(spec, col->name, "start");
        const sl_connector_option *end = field_option(spec, col->name, "end");
        if (!start || !end)
            return sl_error_set_at(err, SL_ERR_INVALID_ARG, kind->position,
                                   "connector 'datagen': sequence column \"%s\" needs fields.%s.start and "
                                   "fields.%s.end",
                                   col->name, col->name, col->name);
        sl_type as = sl_type_is_integer(col->type) ? col->type : sl_type_make(SL_TYPE_BIGINT);
        datagen_field tmp = *f;
        tmp.type = as;
        double unused;
        SL_TRY(parse_bound(start, &tmp, col->name, &f->min, &unused, err));
        SL_TRY(parse_bound(end, &tmp, col->name, &f->max, &unused, err));
        if (f->max < f->min)
            return sl_connector_option_error(err, end, ME, "(%lld) is below the start (%lld) of column \"%s\"",
                                             (long long)f->max, (long long)f->min, col->name);
        return SL_OK;
    }
    case FIELD_CONSTANT: {
        const sl_connector_option *value = field_option(spec, col->name, "value");
        if (!value)
            return sl_error_set_at(err, SL_ERR_INVALID_ARG, kind->position,
                                   "connector 'datagen': constant column \"%s\" needs fields.%s.value", col->name,
                                   col->name);
        if (col->type.id == SL_TYPE_VARCHAR) {
            f->text = sl_arena_strdup(arena, value->value);
            return f->text ? SL_OK : sl_error_oom(err);
        }
        if (!parse_slot(col->type, value->value, f->slot))
            return sl_connector_option_error(err, value, ME, "'%s' is not a valid %s for column \"%s\"", value->value,
                                             sl_type_name(col->type, tn, sizeof tn), col->name);
        return SL_OK;
    }
    case FIELD_RANDOM: {
        const sl_connector_option *min = field_option(spec, col->name, "min");
        const sl_connector_option *max = field_option(spec, col->name, "max");
        const sl_connector_option *length = field_option(spec, col->name, "length");
        if ((min || max) && !integer_domain(col->type) && col->type.id != SL_TYPE_REAL &&
            col->type.id != SL_TYPE_DOUBLE)
            return sl_connector_option_error(err, min ? min : max, ME, "does not apply to %s column \"%s\"",
                                             sl_type_name(col->type, tn, sizeof tn), col->name);
        if (min)
            SL_TRY(parse_bound(min, f, col->name, &f->min, &f->dmin, err));
        if (max)
            SL_TRY(parse_bound(max, f, col->name, &f->max, &f->dmax, err));
        if (f->max < f->min || f->dmax < f->dmin)
            return sl_connector_option_error(err, max ? max : min, ME, "gives an empty range for column \"%s\"",
                                             col->name);
        if (length) {
            if (col->type.id != SL_TYPE_VARCHAR)
                return sl_connector_option_error(err, length, ME, "applies to VARCHAR columns only, \"%s\" is %s",
                                                 col->name, sl_type_name(col->type, tn, sizeof tn));
            int64_t n = 0;
            sl_connector_spec one = { spec->source_name, length, 1, NULL, 0, spec->position, spec->catalog, NULL };
            char name[256];
            snprintf(name, sizeof name, "%s", length->name);
            SL_TRY(sl_connector_option_int(&one, ME, name, 0, 1 << 20, &n, err));
            f->length = (uint32_t)n;
        }
        return SL_OK;
    }
    }
    return SL_OK;
}

static sl_status datagen_bind_spec(sl_arena *arena, const sl_connector_spec *spec, sl_connector_bound *out,
                                   sl_error *err)
{
    if (spec->column_count == 0)
        return sl_error_set_at(err, SL_ERR_INVALID_ARG, spec->position,
                               "connector 'datagen' needs a column list: CREATE SOURCE %s (column type, ...) WITH "
                               "(connector = 'datagen', ...)",
                               spec->source_name ? spec->source_name : "name");
    SL_TRY(sl_connector_check_options(spec, ME, datagen_options, accept_field_option, err));
    SL_TRY(check_field_options(spec, err));
    datagen_bind *b = sl_arena_calloc(arena, sizeof *b);
    uint32_t n = spec->column_count;
    sl_type *types = sl_arena_alloc(arena, sizeof(sl_type) * n);
    const char **names = sl_arena_alloc(arena, sizeof(char *) * n);
    if (!b || !types || !names || !(b->fields = sl_arena_calloc(arena, sizeof(datagen_field) * n)))
        return sl_error_oom(err);
    int64_t seed = 0;
    SL_TRY(sl_connector_option_int(spec, ME, "seed", INT64_MIN, INT64_MAX, &seed, err));
    b->seed = (uint64_t)seed;
    b->rows = -1;
    SL_TRY(sl_connector_option_int(spec, ME, "number_of_rows", 0, INT64_MAX, &b->rows, err));
    SL_TRY(sl_connector_option_int(spec, ME, "rows_per_second", 1, INT64_MAX, &b->rows_per_second, err));
    b->field_count = n;
    for (uint32_t i = 0; i < n; i++) {
        SL_TRY(bind_field(spec, &spec->columns[i], &b->fields[i], arena, err));
        types[i] = spec->columns[i].type;
        names[i] = spec->columns[i].name;
        if (b->fields[i].kind == FIELD_SEQUENCE) {
            uint64_t span = (uint64_t)b->fields[i].max - (uint64_t)b->fields[i].min;
            int64_t length = span >= (uint64_t)INT64_MAX ? INT64_MAX : (int64_t)span + 1;
            if (b->rows < 0 || length < b->rows)
                b->rows = length;
        }
    }
    out->column_count = n;
    out->types = types;
    out->names = names;
    out->bind_data = b;
    out->bounded = b->rows >= 0;
    out->default_watermark_column = out->default_watermark_sql = NULL;
    return SL_OK;
}

static void datagen_free(void *state);

/* Starts a scan producing fields columns[0..column_count) (NULL: every field). */
static sl_status datagen_start(const datagen_bind *b, const uint32_t *columns, uint32_t column_count, void **state,
                               sl_error *err)
{
    datagen_scan *s = sl_calloc(1, sizeof *s);
    if (!s)
        return sl_error_oom(err);
    s->bind = b;
    s->start_micros = -1;
    s->column_count = columns ? column_count : b->field_count;
    s->columns = sl_malloc(sizeof(uint32_t) * (s->column_count + 1));
    if (!s->columns) {
        sl_free(s);
        return sl_error_oom(err);
    }
    for (uint32_t i = 0; i < s->column_count; i++) {
        s->columns[i] = columns ? columns[i] : i;
        if (s->columns[i] >= b->field_count) {
            uint32_t c = s->columns[i];
            datagen_free(s);
            return sl_error_set(err, SL_ERR_INTERNAL, "datagen: column %u out of range", c);
        }
    }
    *state = s;
    return SL_OK;
}

static sl_status datagen_init(const void *bind_data, sl_exec_context *exec, void **state, sl_error *err)
{
    return datagen_start(bind_data, NULL, 0, state, err);
}

static sl_status datagen_init_projected(const void *bind_data, sl_exec_context *exec, const uint32_t *columns,
                                        uint32_t column_count, void **state, sl_error *err)
{
    if (!columns)
        return sl_error_set(err, SL_ERR_INTERNAL, "datagen: projected scan without a column list");
    return datagen_start(bind_data, columns, column_count, state, err);
}

static inline uint64_t mix64(uint64_t z)
{
    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}

/* The random stream of (row, column): splitmix64 from a mixed start. */
static inline uint64_t draw(uint64_t *state)
{
    *state += UINT64_C(0x9e3779b97f4a7c15);
    return mix64(*state);
}

static inline int64_t draw_between(uint64_t *state, int64_t min, int64_t max)
{
    uint64_t span = (uint64_t)max - (uint64_t)min;
    uint64_t x = draw(state);
    if (span == UINT64_MAX)
        return (int64_t)x;
    return (int64_t)((uint64_t)min + (uint64_t)(((unsigned __int128)x * (span + 1)) >> 64));
}

static sl_status fill_column(const datagen_bind *b, uint32_t c, sl_vector *v, int64_t first_row, uint32_t n,
                             sl_error *err)
{
    const datagen_field *f = &b->fields[c];
    uint64_t key = mix64(b->seed ^ UINT64_C(0x64617461676e6e21)) + (uint64_t)c * UINT64_C(0xa0761d6478bd642f);
    for (uint32_t i = 0; i < n; i++) {
        int64_t row = first_row + i;
        uint64_t st = mix64(key + (uint64_t)row * UINT64_C(0xd1b54a32d192ed03));
        int64_t iv = 0;
        double dv = 0;
        if (f->kind == FIELD_CONSTANT) {
            if (f->type.id == SL_TYPE_VARCHAR)
                SL_TRY(sl_vector_set_string(v, i, f->text, (uint32_t)strlen(f->text), err));
            else
                memcpy((uint8_t *)v->data + (size_t)i * sl_type_width(f->type), f->slot, sl_type_width(f->type));
            continue;
        }
        if (f->kind == FIELD_SEQUENCE) {
            iv = f->min + row;
            if (f->type.id == SL_TYPE_VARCHAR) {
                char text[24];
                int len = snprintf(text, sizeof text, "%lld", (long long)iv);
                SL_TRY(sl_vector_set_string(v, i, text, (uint32_t)len, err));
                continue;
            }
        } else if (f->type.id == SL_TYPE_VARCHAR) {
            char *dst = f->length > SL_STRING_INLINE_MAX ? sl_vector_heap_alloc(v, f->length) : NULL;
            char small[SL_STRING_INLINE_MAX];
            char *out = dst ? dst : small;
            if (f->length > SL_STRING_INLINE_MAX && !dst)
                return sl_error_oom(err);
            for (uint32_t k = 0; k < f->length; k++)
                out[k] = (char)('a' + (((draw(&st) >> 32) * 26) >> 32));
            SL_VECTOR_DATA(v, sl_string)[i] = sl_string_make(out, f->length);
            continue;
        } else if (f->type.id == SL_TYPE_REAL || f->type.id == SL_TYPE_DOUBLE) {
            dv = f->dmin + (double)(draw(&st) >> 11) * (1.0 / 9007199254740992.0) * (f->dmax - f->dmin);
        } else if (f->type.id == SL_TYPE_BOOLEAN) {
            iv = (int64_t)(draw(&st) >> 63);
        } else {
            iv = draw_between(&st, f->min, f->max);
        }
        switch (f->type.id) {
        case SL_TYPE_BOOLEAN: SL_VECTOR_DATA(v, uint8_t)[i] = iv != 0; break;
        case SL_TYPE_TINYINT: SL_VECTOR_DATA(v, int8_t)[i] = (int8_t)iv; break;
        case SL_TYPE_SMALLINT: SL_VECTOR_DATA(v, int16_t)[i] = (int16_t)iv; break;
        case SL_TYPE_INTEGER: case SL_TYPE_DATE: SL_VECTOR_DATA(v, int32_t)[i] = (int32_t)iv; break;
        case SL_TYPE_BIGINT: case SL_TYPE_TIMESTAMP: SL_VECTOR_DATA(v, int64_t)[i] = iv; break;
        case SL_TYPE_REAL: SL_VECTOR_DATA(v, float)[i] = (float)dv; break;
        case SL_TYPE_DOUBLE: SL_VECTOR_DATA(v, double)[i] = dv; break;
        case SL_TYPE_DECIMAL:
            if (f->type.precision <= SL_DECIMAL_INT64_MAX_PRECISION)
                SL_VECTOR_DATA(v, int64_t)[i] = iv;
            else
                SL_VECTOR_DATA(v, sl_int128)[i] = (sl_int128)iv;
            break;
        default: return sl_error_set(err, SL_ERR_INTERNAL, "datagen: unexpected column type");
        }
    }
    return SL_OK;
}

static sl_status datagen_next(void *state, sl_exec_context *exec, sl_batch **out, sl_error *err)
{
    datagen_scan *s = state;
    const datagen_bind *b = s->bind;
    *out = NULL;
    int64_t left = b->rows >= 0 ? b->rows - s->next_row : INT64_MAX;
    if (left <= 0)
        return SL_OK;
    uint32_t n = left < SL_BATCH_CAPACITY ? (uint32_t)left : SL_BATCH_CAPACITY;
    if (b->rows_per_second > 0) {
        /* a tenth of a second of rows per batch, released on time */
        int64_t tenth = b->rows_per_second / 10 > 0 ? b->rows_per_second / 10 : 1;
        if (n > tenth)
            n = (uint32_t)tenth;
        if (s->start_micros < 0)
            s->start_micros = sl_connector_now_micros();
        int64_t due = (int64_t)((double)s->next_row * 1e6 / (double)b->rows_per_second);
        SL_TRY(sl_connector_pace(exec, s->start_micros, due, err));
    }
    sl_batch *batch = sl_batch_new(s->column_count);
    if (!batch)
        return sl_error_oom(err);
    for (uint32_t i = 0; i < s->column_count; i++) {
        uint32_t c = s->columns[i];
        sl_vector *v = sl_vector_new(b->fields[c].type, n);
        if (!v) {
            sl_batch_free(batch);
            return sl_error_oom(err);
        }
        sl_batch_set_column(batch, i, v);
        sl_status st = fill_column(b, c, v, s->next_row, n, err);
        if (st != SL_OK) {
            sl_batch_free(batch);
            return st;
        }
    }
    batch->length = batch->count = n;
    s->next_row += n;
    *out = batch;
    return SL_OK;
}

static void datagen_free(void *state)
{
    datagen_scan *s = state;
    if (!s)
        return;
    sl_free(s->columns);
    sl_free(s);
}

static const sl_table_function datagen_scan_function = {
    .name = "datagen",
    .bind = NULL,
    .init = datagen_init,
    .init_projected = datagen_init_projected,
    .next = datagen_next,
    .free = datagen_free,
};

const sl_connector sl_datagen_connector = {
    .name = "datagen",
    .bind = datagen_bind_spec,
    .scan = &datagen_scan_function,
};
