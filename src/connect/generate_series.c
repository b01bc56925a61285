/*
 * generate_series.c — the generate_series and range table functions (built-in generators).
 *
 *   generate_series(start, stop[, step])   inclusive of stop     column "generate_series"
 *   range(start, stop[, step]) / range(n)  exclusive of stop     column "range"
 *
 * Integer arguments give a BIGINT column; TIMESTAMP (or DATE) bounds with an INTERVAL step
 * give a TIMESTAMP column. Like DuckDB: step defaults to 1, a zero step is an error, a
 * step pointing away from stop yields no rows, NULL arguments yield no rows. Values stop
 * before they would overflow.
 */
#include "plan/table_function.h"

typedef struct series_bind {
    bool is_timestamp;
    bool inclusive;
    bool empty;            /* a NULL argument */
    int64_t start, stop, step;
    sl_interval interval;  /* timestamp step */
} series_bind;

typedef struct series_state {
    const series_bind *bind;
    int64_t next;
    bool done;
} series_state;

static bool is_integer_value(const sl_value *v)
{
    return sl_type_is_integer(v->type) || v->type.id == SL_TYPE_NULL;
}

/* Days since 1970-01-01 -> civil date (H. Hinnant). */
static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t yy = (int64_t)yoe + era * 400;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = yy + (*m <= 2);
}

static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

/* ts + iv (months clamp the day to the month's end, like PostgreSQL). false on overflow. */
static bool timestamp_add(int64_t ts, sl_interval iv, int64_t *out)
{
    const int64_t day_us = 86400000000LL;
    if (iv.months) {
        int64_t days = ts >= 0 ? ts / day_us : -((-ts + day_us - 1) / day_us);
        int64_t rest = ts - days * day_us;
        int64_t y;
        unsigned m, d;
        civil_from_days(days, &y, &m, &d);
        int64_t months = y * 12 + (m - 1) + iv.months;
        y = months >= 0 ? months / 12 : -((-months + 11) / 12);
        m = (unsigned)(months - y * 12) + 1;
        static const unsigned mdays[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
        unsigned max = mdays[m - 1] + (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0));
        if (d > max)
            d = max;
        ts = days_from_civil(y, m, d) * day_us + rest;
    }
    int64_t add;
    if (__builtin_mul_overflow((int64_t)iv.days, day_us, &add) || __builtin_add_overflow(ts, add, &ts) ||
        __builtin_add_overflow(ts, iv.micros, &ts))
        return false;
    *out = ts;
    return true;
}

static bool as_timestamp(const sl_value *v, int64_t *out)
{
    if (v->type.id == SL_TYPE_TIMESTAMP) {
        *out = v->v.i64;
        return true;
    }
    if (v->type.id == SL_TYPE_DATE) {
        *out = v->v.i64 * 86400000000LL;
        return true;
    }
    return false;
}

static sl_status series_bind_common(const char *name, bool inclusive, sl_arena *arena,
                                    const sl_table_function_args *args, void **bind_data, uint32_t *column_count,
                                    sl_type **types, const char ***names, sl_error *err)
{
    if (args->named_count > 0)
        return sl_error_set_at(err, SL_ERR_INVALID_ARG, args->position, "%s does not take named arguments ('%s')",
                               name, args->named_names[0]);
    uint32_t n = args->positional_count;
    const sl_value *a = args->positional;
    series_bind *b = sl_arena_calloc(arena, sizeof *b);
    sl_type *t = sl_arena_alloc(arena, sizeof *t);
    const char **nm = sl_arena_alloc(arena, sizeof *nm);
    if (!b || !t || !nm)
        return sl_error_oom(err);
    b->inclusive = inclusive;
    for (uint32_t i = 0; i < n; i++)
        if (a[i].is_null)
            b->empty = true;
    bool timestamps = n >= 2 && (a[0].type.id == SL_TYPE_TIMESTAMP || a[0].type.id == SL_TYPE_DATE);
    if (timestamps) {
        if (n != 3 || !as_timestamp(&a[1], &b->stop) || a[2].type.id != SL_TYPE_INTERVAL)
            return sl_error_set_at(err, SL_ERR_TYPE, args->position,
                                   "%s over timestamps expects (TIMESTAMP start, TIMESTAMP stop, INTERVAL step)",
                                   name);
        as_timestamp(&a[0], &b->start);
        b->is_timestamp = true;
        b->interval = a[2].v.interval;
        if (!b->empty && b->interval.months == 0 && b->interval.days == 0 && b->interval.micros == 0)
            return sl_error_set_at(err, SL_ERR_INVALID_ARG, args->position, "%s: the interval step cannot be 0",
                                   name);
        *t = sl_type_make(SL_TYPE_TIMESTAMP);
    } else {
        if (n < 1 || n > 3 || (n == 1 && inclusive))
            return sl_error_set_at(err, SL_ERR_INVALID_ARG, args->position,
                                   inclusive ? "%s expects (start, stop[, step])"
                                             : "%s expects (stop), (start, stop) or (start, stop, step)", name);
        for (uint32_t i = 0; i < n; i++)
            if (!is_integer_value(&a[i]))
                return sl_error_set_at(err, SL_ERR_TYPE, args->position,
                                       "%s expects integer arguments (or timestamps with an interval step)", name);
        if (n == 1) {
            b->start = 0;
            b->stop = a[0].v.i64;
        } else {
            b->start = a[0].v.i64;
            b->stop = a[1].v.i64;
        }
        b->step = n == 3 ? a[2].v.i64 : 1;
        if (!b->empty && b->step == 0)
            return sl_error_set_at(err, SL_ERR_INVALID_ARG, args->position, "%s: the step cannot be 0", name);
        *t = sl_type_make(SL_TYPE_BIGINT);
    }
    *nm = name;
    *bind_data = b;
    *column_count = 1;
    *types = t;
    *names = nm;
    return SL_OK;
}

static sl_status generate_series_bind(sl_arena *arena, const sl_table_function_args *args, void **bind_data,
                                      uint32_t *column_count, sl_type **types, const char ***names, sl_error *err)
{
    return series_bind_common("generate_series", true, arena, args, bind_data, column_count, types, names, err);
}

static sl_status range_bind(sl_arena *arena, const sl_table_function_args *args, void **bind_data,
                            uint32_t *column_count, sl_type **types, const char ***names, sl_error *err)
{
    return series_bind_common("range", false, arena, args, bind_data, column_count, types, names, err);
}

static sl_status series_init(const void *bind_data, sl_exec_context *exec, void **state, sl_error *err)
{
    series_state *s = sl_calloc(1, sizeof *s);
    if (!s)
        return sl_error_oom(err);
    s->bind = bind_data;
    s->next = s->bind->start;
    s->done = s->bind->empty;
    *state = s;
    return SL_OK;
}

/* Is v still inside the series? The direction comes from the step. */
static bool series_within(const series_bind *b, int64_t v, bool ascending)
{
    if (ascending)
        return b->inclusive ? v <= b->stop : v < b->stop;
    return b->inclusive ? v >= b->stop : v > b->stop;
}

static bool interval_ascending(sl_interval iv)
{
    /* a mixed-sign interval is judged by its approximate length */
    double approx = iv.months * 30.0 * 86400e6 + iv.days * 86400e6 + (double)iv.micros;
    return approx > 0;
}

static sl_status series_next(void *state, sl_exec_context *exec, sl_batch **out, sl_error *err)
{
    series_state *s = state;
    const series_bind *b = s->bind;
    *out = NULL;
    if (s->done)
        return SL_OK;
    sl_type t = sl_type_make(b->is_timestamp ? SL_TYPE_TIMESTAMP : SL_TYPE_BIGINT);
    bool ascending = b->is_timestamp ? interval_ascending(b->interval) : b->step > 0;
    if (!series_within(b, s->next, ascending)) {
        s->done = true;
        return SL_OK;
    }
    sl_batch *batch = sl_batch_new_typed(&t, 1, SL_BATCH_CAPACITY);
    if (!batch)
        return sl_error_oom(err);
    int64_t *data = SL_VECTOR_DATA(batch->columns[0], int64_t);
    uint32_t n = 0;
    int64_t v = s->next;
    while (n < SL_BATCH_CAPACITY) {
        data[n++] = v;
        int64_t next;
        bool ok = b->is_timestamp ? timestamp_add(v, b->interval, &next) : !__builtin_add_overflow(v, b->step, &next);
        if (!ok || !series_within(b, next, ascending)) {
            s->done = true;
            break;
        }
        v = next;
    }
    s->next = v; /* when not done: the next value to emit (already checked in range) */
    batch->length = batch->count = n;
    *out = batch;
    return SL_OK;
}

static void series_free(void *state)
{
    sl_free(state);
}

const sl_table_function sl_generate_series_function = {
    .name = "generate_series",
    .bind = generate_series_bind,
    .init = series_init,
    .next = series_next,
    .free = series_free,
};

const sl_table_function sl_range_function = {
    .name = "range",
    .bind = range_bind,
    .init = series_init,
    .next = series_next,
    .free = series_free,
};
