/*
 * datetime.c — date and time functions on DATE (int32 days since 1970-01-01), TIMESTAMP
 * (int64 microseconds since 1970-01-01 00:00, no time zone) and INTERVAL:
 *
 *   date_part / extract(part, x), year(x) month(x) ... epoch(x), epoch_ms(x)
 *   date_trunc(part, x) -> TIMESTAMP, date_diff / datediff(part, a, b) -> BIGINT
 *   make_date(y, m, d), make_timestamp(y, m, d, h, mi, s) / make_timestamp(micros),
 *   to_timestamp(seconds), epoch_ms(millis) -> TIMESTAMP
 *   strftime(x, format), strptime(text, format), last_day, dayname, monthname, age(a, b)
 *
 * Semantics follow DuckDB: date_part returns BIGINT ('second' is whole seconds,
 * 'millisecond' / 'microsecond' include the seconds), except 'epoch', which returns DOUBLE
 * seconds; 'week' / 'isoyear' / 'isodow' are ISO 8601, 'dow' counts from Sunday = 0.
 * date_diff counts boundaries crossed (month: calendar months, hour: hour marks), except
 * 'week', which is whole days / 7. date_trunc always returns TIMESTAMP.
 *
 * now() / current_date / current_timestamp are not here: the binder folds them into
 * constants from sl_eval_context.now_micros (statement start time).
 *
 * A constant `part` argument is resolved once at bind time (call->bind_data holds the
 * part code); otherwise each row's text is resolved. Every value is split into
 * (days, microseconds of the day) so DATE and TIMESTAMP share the calendar code and
 * dates never overflow a microsecond count.
 */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <strings.h>

#include "expr/string_util.h"

#define MICROS_PER_SECOND INT64_C(1000000)
#define MICROS_PER_MINUTE INT64_C(60000000)
#define MICROS_PER_HOUR INT64_C(3600000000)

/* ------------------------------------------------------------------ calendar */

static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    if ((a % b != 0) && ((a < 0) != (b < 0)))
        q--;
    return q;
}

static int64_t floor_mod(int64_t a, int64_t b) { return a - floor_div(a, b) * b; }

static bool is_leap(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

static unsigned days_in_month(int64_t y, unsigned m)
{
    static const unsigned dm[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    return m == 2 && is_leap(y) ? 29 : dm[m - 1];
}

/* A point in time split into calendar parts. */
typedef struct civil {
    int64_t days;      /* since 1970-01-01 */
    int64_t time;      /* microseconds since midnight, 0 <= time < a day */
    int64_t year;
    unsigned month;    /* 1..12 */
    unsigned day;      /* 1..31 */
} civil;

static void civil_from(int64_t days, int64_t time, civil *c)
{
    c->days = days;
    c->time = time;
    sl_civil_from_days(days, &c->year, &c->month, &c->day);
}

static void civil_from_timestamp(int64_t micros, civil *c)
{
    int64_t days = floor_div(micros, SL_MICROS_PER_DAY);
    civil_from(days, micros - days * SL_MICROS_PER_DAY, c);
}

/* Reads row `row` of a DATE or TIMESTAMP vector as civil parts. */
static void civil_read(const sl_vector *v, uint32_t row, civil *c)
{
    if (v->type.id == SL_TYPE_DATE)
        civil_from(SL_VECTOR_DATA(v, int32_t)[row], 0, c);
    else
        civil_from_timestamp(SL_VECTOR_DATA(v, int64_t)[row], c);
}

/* days * MICROS_PER_DAY + time, false on overflow. */
static bool to_timestamp_micros(int64_t days, int64_t time, int64_t *out)
{
    int64_t r;
    if (__builtin_mul_overflow(days, SL_MICROS_PER_DAY, &r) || __builtin_add_overflow(r, time, &r))
        return false;
    *out = r;
    return true;
}

static int64_t iso_dow(int64_t days) { return floor_mod(days + 3, 7) + 1; }   /* Monday = 1 */

static int64_t day_of_year(const civil *c) { return c->days - sl_days_from_civil(c->year, 1, 1) + 1; }

/* ISO 8601 year and week of a day. */
static void iso_week(int64_t days, int64_t *iso_year, int64_t *week)
{
    int64_t thursday = days - (iso_dow(days) - 1) + 3;
    civil t;
    civil_from(thursday, 0, &t);
    *iso_year = t.year;
    *week = (day_of_year(&t) - 1) / 7 + 1;
}

/* ------------------------------------------------------------------ parts */

typedef enum dt_part {
    PART_INVALID = 0,
    PART_YEAR, PART_QUARTER, PART_MONTH, PART_DAY, PART_DOW, PART_ISODOW, PART_DOY, PART_WEEK, PART_ISOYEAR,
    PART_YEARWEEK, PART_HOUR, PART_MINUTE, PART_SECOND, PART_MILLISECOND, PART_MICROSECOND, PART_EPOCH,
    PART_DECADE, PART_CENTURY, PART_MILLENNIUM, PART_ERA
} dt_part;

static const struct {
    const char *name;
    dt_part part;
} part_names[] = {
    { "year", PART_YEAR }, { "years", PART_YEAR }, { "y", PART_YEAR }, { "yr", PART_YEAR }, { "yrs", PART_YEAR },
    { "quarter", PART_QUARTER }, { "quarters", PART_QUARTER },
    { "month", PART_MONTH }, { "months", PART_MONTH }, { "mon", PART_MONTH }, { "mons", PART_MONTH },
    { "day", PART_DAY }, { "days", PART_DAY }, { "d", PART_DAY }, { "dayofmonth", PART_DAY },
    { "dow", PART_DOW }, { "dayofweek", PART_DOW }, { "weekday", PART_DOW },
    { "isodow", PART_ISODOW },
    { "doy", PART_DOY }, { "dayofyear", PART_DOY },
    { "week", PART_WEEK }, { "weeks", PART_WEEK }, { "w", PART_WEEK }, { "weekofyear", PART_WEEK },
    { "isoyear", PART_ISOYEAR }, { "yearweek", PART_YEARWEEK },
    { "hour", PART_HOUR }, { "hours", PART_HOUR }, { "h", PART_HOUR }, { "hr", PART_HOUR }, { "hrs", PART_HOUR },
    { "minute", PART_MINUTE }, { "minutes", PART_MINUTE }, { "m", PART_MINUTE }, { "min", PART_MINUTE },
    { "mins", PART_MINUTE },
    { "second", PART_SECOND }, { "seconds", PART_SECOND }, { "s", PART_SECOND }, { "sec", PART_SECOND },
    { "secs", PART_SECOND },
    { "millisecond", PART_MILLISECOND }, { "milliseconds", PART_MILLISECOND }, { "ms", PART_MILLISECOND },
    { "msec", PART_MILLISECOND }, { "msecs", PART_MILLISECOND },
    { "microsecond", PART_MICROSECOND }, { "microseconds", PART_MICROSECOND }, { "us", PART_MICROSECOND },
    { "usec", PART_MICROSECOND }, { "usecs", PART_MICROSECOND },
    { "epoch", PART_EPOCH },
    { "decade", PART_DECADE }, { "decades", PART_DECADE },
    { "century", PART_CENTURY }, { "centuries", PART_CENTURY },
    { "millennium", PART_MILLENNIUM }, { "millennia", PART_MILLENNIUM }, { "millenniums", PART_MILLENNIUM },
    { "era", PART_ERA },
};

static dt_part part_lookup(const char *text, uint32_t n)
{
    for (size_t k = 0; k < sizeof part_names / sizeof part_names[0]; k++)
        if (strlen(part_names[k].name) == n && strncasecmp(part_names[k].name, text, n) == 0)
            return part_names[k].part;
    return PART_INVALID;
}

static sl_status part_error(const char *fname, const char *text, uint32_t n, int position, sl_error *err)
{
    return sl_error_set_at(err, SL_ERR_INVALID_INPUT, position,
                           "%s: unknown date part '%.*s' (use year, quarter, month, week, day, dow, isodow, doy, "
                           "hour, minute, second, millisecond, microsecond, epoch, decade, century, ...)",
                           fname, (int)(n > 64 ? 64 : n), text);
}

/* Resolves the part of row `row` (args[0]) or the bound constant. */
typedef struct part_cache {
    const dt_part *fixed;
    const sl_vector *texts;
    const char *fname;
    int position;
} part_cache;

static sl_status part_for_row(const part_cache *pc, uint32_t row, dt_part *out, sl_error *err)
{
    if (pc->fixed) {
        *out = *pc->fixed;
        return SL_OK;
    }
    const sl_string *s = &SL_VECTOR_DATA(pc->texts, sl_string)[row];
    *out = part_lookup(sl_string_data(s), s->length);
    if (*out == PART_INVALID)
        return part_error(pc->fname, sl_string_data(s), s->length, pc->position, err);
    return SL_OK;
}

static const char *fname_of(const sl_expr *call) { return call->function ? call->function->name : "date function"; }

/* Bind hook of date_part / extract / date_trunc / date_diff: resolves a constant part into
 * bind_data; date_part('epoch', ...) returns DOUBLE. */
static sl_status part_bind(sl_arena *arena, sl_expr *call, sl_error *err)
{
    call->bind_data = NULL;
    const sl_expr *p = call->args[0];
    if (p->kind != SL_EXPR_CONSTANT || p->value.is_null || p->value.type.id != SL_TYPE_VARCHAR)
        return SL_OK;
    dt_part part = part_lookup(p->value.v.str.data, p->value.v.str.length);
    if (part == PART_INVALID)
        return part_error(fname_of(call), p->value.v.str.data, p->value.v.str.length, call->position, err);
    dt_part *bound = (dt_part *)sl_arena_alloc(arena, sizeof *bound);
    if (!bound)
        return sl_error_oom(err);
    *bound = part;
    call->bind_data = bound;
    const char *name = fname_of(call);
    if (part == PART_EPOCH && (strcmp(name, "date_part") == 0 || strcmp(name, "extract") == 0 ||
                               strcmp(name, "datepart") == 0))
        call->type = sl_type_make(SL_TYPE_DOUBLE);
    return SL_OK;
}

/* The value of `part` for c (BIGINT semantics; epoch in whole seconds). */
static bool part_value(dt_part part, const civil *c, int64_t *out)
{
    switch (part) {
    case PART_YEAR: *out = c->year; return true;
    case PART_QUARTER: *out = (c->month - 1) / 3 + 1; return true;
    case PART_MONTH: *out = c->month; return true;
    case PART_DAY: *out = c->day; return true;
    case PART_DOW: *out = iso_dow(c->days) % 7; return true;
    case PART_ISODOW: *out = iso_dow(c->days); return true;
    case PART_DOY: *out = day_of_year(c); return true;
    case PART_WEEK: { int64_t y; iso_week(c->days, &y, out); return true; }
    case PART_ISOYEAR: { int64_t w; iso_week(c->days, out, &w); return true; }
    case PART_YEARWEEK: { int64_t y, w; iso_week(c->days, &y, &w); *out = y * 100 + w; return true; }
    case PART_HOUR: *out = c->time / MICROS_PER_HOUR; return true;
    case PART_MINUTE: *out = c->time / MICROS_PER_MINUTE % 60; return true;
    case PART_SECOND: *out = c->time / MICROS_PER_SECOND % 60; return true;
    case PART_MILLISECOND: *out = c->time % MICROS_PER_MINUTE / 1000; return true;
    case PART_MICROSECOND: *out = c->time % MICROS_PER_MINUTE; return true;
    case PART_EPOCH: *out = c->days * 86400 + c->time / MICROS_PER_SECOND; return true;
    case PART_DECADE: *out = floor_div(c->year, 10); return true;
    case PART_CENTURY: *out = c->year > 0 ? (c->year + 99) / 100 : -((99 - (c->year - 1)) / 100); return true;
    case PART_MILLENNIUM: *out = c->year > 0 ? (c->year + 999) / 1000 : -((999 - (c->year - 1)) / 1000); return true;
    case PART_ERA: *out = c->year > 0; return true;
    default: return false;
    }
}

static double epoch_seconds(const civil *c) { return (double)c->days * 86400.0 + (double)c->time / 1e6; }

/* date_part(VARCHAR part, DATE|TIMESTAMP x) -> BIGINT (DOUBLE for a constant 'epoch'). */
static sl_status dt_date_part(const sl_expr *call, sl_vector **args, const uint32_t *sel, uint32_t count,
                              sl_vector *out, sl_error *err)
{
    part_cache pc = { (const dt_part *)call->bind_data, args[0], fname_of(call), call->position };
    bool as_double = out->type.id == SL_TYPE_DOUBLE;
    for (uint32_t i = 0; i < count; i++) {
        uint32_t row = SL_ROW(sel, i);
        if (sl_out_is_null(out, row))
            continue;
        dt_part part;
        SL_TRY(part_for_row(&pc, row, &part, err));
        civil c;
        civil_read(args[1], row, &c);
        if (as_double) {
            SL_VECTOR_DATA(out, double)[row] = epoch_seconds(&c);
        } else {
            int64_t v;
            part_value(part, &c, &v);
            SL_VECTOR_DATA(out, int64_t)[row] = v;
        }
    }
    return SL_OK;
}

/* The part named by the function itself: year(x), month(x), dayofweek(x), epoch(x) ... */
static dt_part part_of_function(const sl_expr *call)
{
    const char *name = fname_of(call);
    if (strcmp(name, "epoch") == 0)
        return PART_EPOCH;
    return part_lookup(name, (uint32_t)strlen(name));
}

static sl_status dt_named_part(const sl_expr *call, sl_vector **args, const uint32_t *sel, uint32_t count,
                               sl_vector *out, sl_error *err)
{
    dt_part part = part_of_function(call);
    if (part == PART_INVALID)
        return sl_error_set_at(err, SL_ERR_INTERNAL, call->position, "%s: not a date part function", fname_of(call));
    bool as_double = out->type.id == SL_TYPE_DOUBLE;
    for (uint32_t i = 0; i < count; i++) {
        uint32_t row = SL_ROW(sel, i);
        if (sl_out_is_null(out, row))
            continue;
        civil c;
        civil_read(args[0], row, &c);
        if (as_double) {
            SL_VECTOR_DATA(out, double)[row] = epoch_seconds(&c);
        } else {
            int64_t v;
            part_value(part, &c, &v);
            SL_VECTOR_DATA(out, int64_t)[row] = v;
        }
    }
    return SL_OK;
}

/* date_part(part, INTERVAL) -> BIGINT (DOUBLE for 'epoch'). */
static sl_status dt_interval_part(const sl_expr *call, sl_vector **args, const uint32_t *sel, uint32_t count,
                                  sl_vector *out, sl_error *err)
{
    part_cache pc = { (const dt_part *)call->bind_data, args[0], fname_of(call), call->position };
    const sl_interval *ivs = SL_VECTOR_DATA(args[1], sl_interval);
    bool as_double = out->type.id == SL_TYPE_DOUBLE;
    for (uint32_t i = 0; i < count; i++) {
        uint32_t row = SL_ROW(sel, i);
        if (sl_out_is_null(out, row))
            continue;
        dt_part part;
        SL_TRY(part_for_row(&pc, row, &part, err));
        sl_interval iv = ivs[row];
        /* DuckDB: a year is 365.25 days, a month 30 days. */
        double epoch = (double)(iv.months / 12) * 365.25 * 86400.0 + (double)(iv.months % 12) * 30.0 * 86400.0 +
                       (double)iv.days * 86400.0 + (double)iv.micros / 1e6;
        if (as_double) {
            SL_VECTOR_DATA(out, double)[row] = epoch;
            continue;
        }
        int64_t v;
        switch (part) {
        case PART_YEAR: v = iv.months / 12; break;
        case PART_QUARTER: v = iv.months % 12 / 3 + 1; break;
        case PART_MONTH: v = iv.months % 12; break;
        case PART_DAY: v = iv.days; break;
        case PART_DECADE: v = iv.months / 120; break;
        case PART_CENTURY: v = iv.months / 1200; break;
        case PART_MILLENNIUM: v = iv.months / 12000; break;
        case PART_HOUR: v = iv.micros / MICROS_PER_HOUR; break;
        case PART_MINUTE: v = iv.micros / MICROS_PER_MINUTE % 60; break;
        case PART_SECOND: v = iv.micros / MICROS_PER_SECOND % 60; break;
        case PART_MILLISECOND: v = iv.micros % MICROS_PER_MINUTE / 1000; break;
        case PART_MICROSECOND: v = iv.micros % MICROS_PER_MINUTE; break;
        case PART_EPOCH: v = (int64_t)epoch; break;
        default:
            return sl_error_set_at(err, SL_ERR_INVALID_INPUT, call->position,
                                   "%s: this date part is not defined for INTERVAL values", fname_of(call));
        }
        SL_VECTOR_DATA(out, int64_t)[row] = v;
    }
    return SL_OK;
}

/* epoch_ms(DATE|TIMESTAMP) -> BIGINT milliseconds since the epoch. */
static sl_status dt_epoch_ms(const sl_expr *call, sl_vector **args, const uint32_t *sel, uint32_t count,
                             sl_vector *out, sl_error *err)
{
    for (uint32_t i = 0; i < count; i++) {
        uint32_t row = SL_ROW(sel, i);
        if (sl_out_is_null(out, row))
            continue;
        civil c;
        civil_read(args[0], row, &c);
        SL_VECTOR_DATA(out, int64_t)[row] = c.days * 86400000 + floor_div(c.time, 1000);
    }
    return SL_OK;
}

/* ------------------------------------------------------------------ date_trunc */

/* Truncates c to `part`; false for parts that cannot truncate. */
static bool truncate_civil(dt_part part, const civil *c, int64_t *days, int64_t *time)
{
    *days = c->days;
    *time = 0;
    switch (part) {
    case PART_MILLENNIUM: *days = sl_days_from_civil(c->year - floor_mod(c->year, 1000), 1, 1); return true;
    case PART_CENTURY: *days = sl_days_from_civil(c->year - floor_mod(c->year, 100), 1, 1); return true;
    case PART_DECADE: *days = sl_days_from_civil(c->year - floor_mod(c->year, 10), 1, 1); return true;
    case PART_YEAR: *days = sl_days_from_civil(c->year, 1, 1); return true;
    case PART_QUARTER: *days = sl_days_from_civil(c->year, (c->month - 1) / 3 * 3 + 1, 1); return true;
    case PART_MONTH: *days = sl_days_from_civil(c->year, c->month, 1); return true;
    case PART_WEEK: case PART_YEARWEEK: *days = c->days - (iso_dow(c->days) - 1); return true;
    case PART_ISOYEAR: {
        int64_t y, w;
        iso_week(c->days, &y, &w);
        *days = c->days - (iso_dow(c->days) - 1) - (w - 1) * 7;
        return true;
    }
    case PART_DAY: case PART_DOW: case PART_ISODOW: case PART_DOY: return true;
    case PART_HOUR: *time = c->time - c->time % MICROS_PER_HOUR; return true;
    case PART_MINUTE: *time = c->time - c->time % MICROS_PER_MINUTE; return true;
    case PART_SECOND: *time = c->time - c->time % MICROS_PER_SECOND; return true;
    case PART_MILLISECOND: *time = c->time - c->time % 1000; return true;
    case PART_MICROSECOND: *time = c->time; return true;
    default: return false;
    }
}

/* date_trunc(VARCHAR part, DATE|TIMESTAMP x) -> TIMESTAMP. */
static sl_status dt_date_trunc(const sl_expr *call, sl_vector **args, const uint32_t *sel, uint32_t count,
                               sl_vector *out, sl_error *err)
{
    part_cache pc = { (const dt_part *)call->bind_data, args[0], fname_of(call), call->position };
    int64_t *res = SL_VECTOR_DATA(out, int64_t);
    for (uint32_t i = 0; i < count; i++) {
        uint32_t row = SL_ROW(sel, i);
        if (sl_out_is_null(out, row))
            continue;
        dt_part part;
        SL_TRY(part_for_row(&pc, row, &part, err));
        civil c;
        civil_read(args[1], row, &c);
        int64_t days, time;
        if (!truncate_civil(part, &c, &days, &time))
            return sl_error_set_at(err, SL_ERR_INVALID_INPUT, call->position, "date_trunc: cannot truncate to this part");
        if (!to_timestamp_micros(days, time, &res[row]))
            return sl_error_set_at(err, SL_ERR_RUNTIME, call->position, "date_trunc: timestamp out of range");
    }
    return SL_OK;
}

/* ------------------------------------------------------------------ date_diff */

/* Number of `part` boundaries between a and b (b - a). false on overflow / bad part. */
static bool diff_value(dt_part part, const civil *a, const civil *b, int64_t *out, bool *overflow)
{
    *overflow = false;
    int64_t unit = 0;
    switch (part) {
    case PART_YEAR: *out = b->year - a->year; return true;
    case PART_ISOYEAR: {
        int64_t ya, yb, w;
        iso_week(a->days, &ya, &w);
        iso_week(b->days, &yb, &w);
        *out = yb - ya;
        return true;
    }
    case PART_QUARTER:
        *out = (b->year * 4 + (b->month - 1) / 3) - (a->year * 4 + (a->month - 1) / 3);
        return true;
    case PART_MONTH: *out = (b->year * 12 + b->month) - (a->year * 12 + a->month); return true;
    case PART_DECADE: *out = floor_div(b->year, 10) - floor_div(a->year, 10); return true;
    case PART_CENTURY: *out = floor_div(b->year, 100) - floor_div(a->year, 100); return true;
    case PART_MILLENNIUM: *out = floor_div(b->year, 1000) - floor_div(a->year, 1000); return true;
    case PART_WEEK: case PART_YEARWEEK: *out = (b->days - a->days) / 7; return true;
    case PART_DAY: case PART_DOW: case PART_ISODOW: case PART_DOY: *out = b->days - a->days; return true;
    case PART_HOUR: unit = MICROS_PER_HOUR; break;
    case PART_MINUTE: unit = MICROS_PER_MINUTE; break;
    case PART_SECOND: case PART_EPOCH: unit = MICROS_PER_SECOND; break;
    case PART_MILLISECOND: unit = 1000; break;
    case PART_MICROSECOND: unit = 1; break;
    default: return false;
    }
    int64_t per_day = SL_MICROS_PER_DAY / unit, r;
    if (__builtin_mul_overflow(b->days - a->days, per_day, &r) ||
        __builtin_add_overflow(r, b->time / unit - a->time / unit, &r)) {
        *overflow = true;
        return false;
    }
    *out = r;
    return true;
}

/* date_diff(VARCHAR part, x, y) -> BIGINT for two DATEs or two TIMESTAMPs. */
static sl_status dt_date_diff(const sl_expr *call, sl_vector **args, const uint32_t *sel, uint32_t count,
                              sl_vector *out, sl_error *err)
{
    part_cache pc = { (const dt_part *)call->bind_data, args[0], fname_of(call), call->position };
    int64_t *res = SL_VECTOR_DATA(out, int64_t);
    for (uint32_t i = 0; i < count; i++) {
        uint32_t row = SL_ROW(sel, i);
        if (sl_out_is_null(out, row))
            continue;
        dt_part part;
        SL_TRY(part_for_row(&pc, row, &part, err));
        civil a, b;
        civil_read(args[1], row, &a);
        civil_read(args[2], row, &b);
        bool overflow;
        if (!diff_value(part, &a, &b, &res[row], &overflow))
            return sl_error_set_at(err, overflow ? SL_ERR_RUNTIME : SL_ERR_INVALID_INPUT, call->position,
                                   overflow ? "%s: result out of range for BIGINT"
                                            : "%s: this date part cannot be used for differences",
                                   fname_of(call));
    }
    return SL_OK;
}

/* ------------------------------------------------------------------ constructors */

static bool valid_date(int64_t y, int64_t m, int64_t d)
{
    return y >= -290000 && y <= 290000 && m >= 1 && m <= 12 && d >= 1 && d <= days_in_month(y, (unsigned)m);
}

/* make_date(BIGINT year, BIGINT month, BIGINT day) -> DATE. */
static sl_status dt_make_date(const sl_expr *call, sl_vector **args, const uint32_t *sel, uint32_t count,
                              sl_vector *out, sl_error *err)
{
    const int64_t *ys = SL_VECTOR_DATA(args[0], int64_t), *ms = SL_VECTOR_DATA(args[1], int64_t),
                  *ds = SL_VECTOR_DATA(args[2], int64_t);
    int32_t *res = SL_VECTOR_DATA(out, int32_t);
    for (uint32_t i = 0; i < count; i++) {
        uint32_t row = SL_ROW(sel, i);
        if (sl_out_is_null(out, row))
            continue;
        if (!valid_date(ys[row], ms[row], ds[row]))
            return sl_error_set_at(err, SL_ERR_RUNTIME, call->position, "make_date: date out of range: %lld-%lld-%lld",
                                   (long long)ys[row], (long long)ms[row], (long long)ds[row]);
        res[row] = sl_days_from_civil(ys[row], (unsigned)ms[row], (unsigned)ds[row]);
    }
    return SL_OK;
}

/* make_timestamp(y, m, d, h, mi, DOUBLE s) -> TIMESTAMP (declared variadic over DOUBLE
 * after the date: y, m, d BIGINT then h, mi, s DOUBLE; exactly six arguments). */
static sl_status dt_make_timestamp(const sl_expr *call, sl_vector **args, const uint32_t *sel, uint32_t count,
                                   sl_vector *out, sl_error *err)
{
    if (call->arg_count != 6)
        return sl_error_set_at(err, SL_ERR_TYPE, call->position,
                               "make_timestamp takes (year, month, day, hour, minute, seconds) or (microseconds)");
    const int64_t *ys = SL_VECTOR_DATA(args[0], int64_t), *ms = SL_VECTOR_DATA(args[1], int64_t),
                  *ds = SL_VECTOR_DATA(args[2], int64_t);
    const double *hs = SL_VECTOR_DATA(args[3], double), *mis = SL_VECTOR_DATA(args[4], double),
                 *ss = SL_VECTOR_DATA(args[5], double);
    int64_t *res = SL_VECTOR_DATA(out, int64_t);
    for (uint32_t i = 0; i < count; i++) {
        uint32_t row = SL_ROW(sel, i);
        if (sl_out_is_null(out, row))
            continue;
        double h = hs[row], mi = mis[row], s = ss[row];
        if (!valid_date(ys[row], ms[row], ds[row]) || !(h >= 0 && h < 24 && h == floor(h)) ||
            !(mi >= 0 && mi < 60 && mi == floor(mi)) || !(s >= 0 && s < 60))
            return sl_error_set_at(err, SL_ERR_RUNTIME, call->position,
                                   "make_timestamp: timestamp out of range: %lld-%lld-%lld %g:%g:%g", (long long)ys[row],
                                   (long long)ms[row], (long long)ds[row], h, mi, s);
        int64_t days = sl_days_from_civil(ys[row], (unsigned)ms[row], (unsigned)ds[row]);
        int64_t time = (int64_t)h * MICROS_PER_HOUR + (int64_t)mi * MICROS_PER_MINUTE + llround(s * 1e6);
        if (!to_timestamp_micros(days, time, &res[row]))
            return sl_error_set_at(err, SL_ERR_RUNTIME, call->position, "make_timestamp: timestamp out of range");
    }
    return SL_OK;
}

/* make_timestamp's six-argument form is declared variadic: insist on exactly six. */
static sl_status make_timestamp_bind(sl_arena *arena, sl_expr *call, sl_error *err)
{
    if (call->arg_count != 6)
        return sl_error_set_at(err, SL_ERR_TYPE, call->position,
                               "make_timestamp takes (year, month, day, hour, minute, seconds) or (microseconds), "
                               "not %u arguments", call->arg_count);
    return SL_OK;
}

/* make_timestamp(BIGINT micros) -> TIMESTAMP. */
static sl_status dt_timestamp_from_micros(const sl_expr *call, sl_vector **args, const uint32_t *sel, uint32_t count,
                                          sl_vector *out, sl_error *err)
{
    const int64_t *in = SL_VECTOR_DATA(args[0], int64_t);
    int64_t *res = SL_VECTOR_DATA(out, int64_t);
    for (uint32_t i = 0; i < count; i++) {
        uint32_t row = SL_ROW(sel, i);
        res[row] = in[row];
    }
    return SL_OK;
}

/* epoch_ms(BIGINT millis) -> TIMESTAMP. */
static sl_status dt_timestamp_from_millis(const sl_expr *call, sl_vector **args, const uint32_t *sel, uint32_t count,
                                          sl_vector *out, sl_error *err)
{
    const int64_t *in = SL_VECTOR_DATA(args[0], int64_t);
    int64_t *res = SL_VECTOR_DATA(out, int64_t);
    for (uint32_t i = 0; i < count; i++) {
        uint32_t row = SL_ROW(sel, i);
        if (sl_out_is_null(out, row))
            continue;
        if (__builtin_mul_overflow(in[row], 1000, &res[row]))
            return sl_error_set_at(err, SL_ERR_RUNTIME, call->position, "epoch_ms: timestamp out of range");
    }
    return SL_OK;
}

/* to_timestamp(DOUBLE seconds) -> TIMESTAMP. */
static sl_status dt_to_timestamp(const sl_expr *call, sl_vector **args, const uint32_t *sel, uint32_t count,
                                 sl_vector *out, sl_error *err)
{
    const double *in = SL_VECTOR_DATA(args[0], double);
    int64_t *res = SL_VECTOR_DATA(out, int64_t);
    for (uint32_t i = 0; i < count; i++) {
        uint32_t row = SL_ROW(sel, i);
        if (sl_out_is_null(out, row))
            continue;
        double us = round(in[row] * 1e6);
        if (!(us >= -9.2e18 && us <= 9.2e18))
            return sl_error_set_at(err, SL_ERR_RUNTIME, call->position, "to_timestamp: %g seconds is out of range",
                                   in[row]);
        res[row] = (int64_t)us;
    }
    return SL_OK;
}

/* ------------------------------------------------------------------ last_day, names, age */

static const char *const month_names[12] = { "January", "February", "March", "April", "May", "June", "July",
                                             "August", "September", "October", "November", "December" };
static const char *const day_names[7] = { "Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday",
                                          "Saturday" };

/* last_day(DATE|TIMESTAMP) -> DATE. */
static sl_status dt_last_day(const sl_expr *call, sl_vector **args, const uint32_t *sel, uint32_t count,
                             sl_vector *out, sl_error *err)
{
    int32_t *res = SL_VECTOR_DATA(out, int32_t);
    for (uint32_t i = 0; i < count; i++) {
        uint32_t row = SL_ROW(sel, i);
        if (sl_out_is_null(out, row))
            continue;
        civil c;
        civil_read(args[0], row, &c);
        res[row] = sl_days_from_civil(c.year, c.month, days_in_month(c.year, c.month));
    }
    return SL_OK;
}

static sl_status dt_dayname(const sl_expr *call, sl_vector **args, const uint32_t *sel, uint32_t count,
                            sl_vector *out, sl_error *err)
{
    for (uint32_t i = 0; i < count; i++) {
        uint32_t row = SL_ROW(sel, i);
        if (sl_out_is_null(out, row))
            continue;
        civil c;
        civil_read(args[0], row, &c);
        const char *name = day_names[iso_dow(c.days) % 7];
        sl_str_view(out, row, name, (uint32_t)strlen(name));   /* <= 12 bytes: inlined */
    }
    return SL_OK;
}

static sl_status dt_monthname(const sl_expr *call, sl_vector **args, const uint32_t *sel, uint32_t count,
                              sl_vector *out, sl_error *err)
{
    for (uint32_t i = 0; i < count; i++) {
        uint32_t row = SL_ROW(sel, i);
        if (sl_out_is_null(out, row))
            continue;
        civil c;
        civil_read(args[0], row, &c);
        const char *name = month_names[c.month - 1];
        sl_str_view(out, row, name, (uint32_t)strlen(name));
    }
    return SL_OK;
}

/* age(a, b) -> INTERVAL: a - b in years, months, days and time, PostgreSQL style (the day
 * borrow uses the length of b's month). */
static sl_status dt_age(const sl_expr *call, sl_vector **args, const uint32_t *sel, uint32_t count, sl_vector *out,
                        sl_error *err)
{
    sl_interval *res = SL_VECTOR_DATA(out, sl_interval);
    for (uint32_t i = 0; i < count; i++) {
        uint32_t row = SL_ROW(sel, i);
        if (sl_out_is_null(out, row))
            continue;
        civil a, b;
        civil_read(args[0], row, &a);
        civil_read(args[1], row, &b);
        bool negative = a.days < b.days || (a.days == b.days && a.time < b.time);
        if (negative) {
            civil t = a;
            a = b;
            b = t;
        }
        int64_t time = a.time - b.time;
        int64_t days = (int64_t)a.day - (int64_t)b.day;
        int64_t months = (int64_t)a.month - (int64_t)b.month + (a.year - b.year) * 12;
        if (time < 0) {
            time += SL_MICROS_PER_DAY;
            days--;
        }
        if (days < 0) {
            days += days_in_month(b.year, b.month);
            months--;
        }
        sl_interval iv = { (int32_t)months, (int32_t)days, time };
        if (negative) {
            iv.months = -iv.months;
            iv.days = -iv.days;
            iv.micros = -iv.micros;
        }
        res[row] = iv;
    }
    return SL_OK;
}

/* ------------------------------------------------------------------ strftime */

static sl_status append_number(sl_strbuf *b, int64_t v, int width, sl_error *err)
{
    char tmp[32];
    int n = width > 0 ? snprintf(tmp, sizeof tmp, "%0*lld", width, (long long)v) : snprintf(tmp, sizeof tmp, "%lld", (long long)v);
    return sl_strbuf_append(b, tmp, (size_t)n, err);
}

/* Appends c formatted with `format` (DuckDB/C strftime specifiers; '%-x' drops padding). */
static sl_status format_civil(sl_strbuf *b, const civil *c, const char *f, uint32_t n, int position, sl_error *err)
{
    int64_t hour = c->time / MICROS_PER_HOUR, minute = c->time / MICROS_PER_MINUTE % 60,
            second = c->time / MICROS_PER_SECOND % 60, micros = c->time % MICROS_PER_SECOND;
    int64_t hour12 = hour % 12 == 0 ? 12 : hour % 12;
    int64_t dow = iso_dow(c->days) % 7;
    for (uint32_t k = 0; k < n; k++) {
        if (f[k] != '%') {
            uint32_t start = k;
            while (k + 1 < n && f[k + 1] != '%')
                k++;
            SL_TRY(sl_strbuf_append(b, f + start, k - start + 1, err));
            continue;
        }
        if (++k >= n)
            return sl_error_set_at(err, SL_ERR_INVALID_INPUT, position, "strftime: format ends with a lone '%%'");
        bool pad = true;
        if (f[k] == '-' && k + 1 < n) {
            pad = false;
            k++;
        }
        int w2 = pad ? 2 : 0;
        sl_status st = SL_OK;
        switch (f[k]) {
        case 'Y': st = append_number(b, c->year, pad ? 4 : 0, err); break;
        case 'y': st = append_number(b, floor_mod(c->year, 100), w2, err); break;
        case 'm': st = append_number(b, c->month, w2, err); break;
        case 'd': st = append_number(b, c->day, w2, err); break;
        case 'e': {
            char tmp[4];
            int len = snprintf(tmp, sizeof tmp, "%2u", c->day);
            st = sl_strbuf_append(b, tmp, (size_t)len, err);
            break;
        }
        case 'H': st = append_number(b, hour, w2, err); break;
        case 'I': st = append_number(b, hour12, w2, err); break;
        case 'M': st = append_number(b, minute, w2, err); break;
        case 'S': st = append_number(b, second, w2, err); break;
        case 'f': st = append_number(b, micros, 6, err); break;
        case 'g': st = append_number(b, micros / 1000, 3, err); break;
        case 'n': st = append_number(b, micros * 1000, 9, err); break;
        case 'j': st = append_number(b, day_of_year(c), pad ? 3 : 0, err); break;
        case 'p': st = sl_strbuf_append(b, hour < 12 ? "AM" : "PM", 2, err); break;
        case 'a': st = sl_strbuf_append(b, day_names[dow], 3, err); break;
        case 'A': st = sl_strbuf_append(b, day_names[dow], strlen(day_names[dow]), err); break;
        case 'b': case 'h': st = sl_strbuf_append(b, month_names[c->month - 1], 3, err); break;
        case 'B': st = sl_strbuf_append(b, month_names[c->month - 1], strlen(month_names[c->month - 1]), err); break;
        case 'w': st = append_number(b, dow, 0, err); break;
        case 'u': st = append_number(b, iso_dow(c->days), 0, err); break;
        case 'V': { int64_t y, w; iso_week(c->days, &y, &w); st = append_number(b, w, w2, err); break; }
        case 'G': { int64_t y, w; iso_week(c->days, &y, &w); st = append_number(b, y, pad ? 4 : 0, err); break; }
        case 'U': /* week of year, weeks start on Sunday */
            st = append_number(b, (day_of_year(c) - 1 + 7 - dow) / 7, w2, err);
            break;
        case 'W': /* week of year, weeks start on Monday */
            st = append_number(b, (day_of_year(c) - 1 + 7 - (iso_dow(c->days) - 1)) / 7, w2, err);
            break;
        case 'z': st = sl_strbuf_append(b, "+00", 3, err); break;
        case 'Z': break;
        case 'c':
            st = format_civil(b, c, "%Y-%m-%d %H:%M:%S", 17, position, err);
            break;
        case 'x': st = format_civil(b, c, "%Y-%m-%d", 8, position, err); break;
        case 'X': st = format_civil(b, c, "%H:%M:%S", 8, position, err); break;
        case '%': st = sl_strbuf_append(b, "%", 1, err); break;
        default:
            return sl_error_set_at(err, SL_ERR_INVALID_INPUT, position, "strftime: unknown format specifier '%%%c'",
                                   f[k]);
        }
        SL_TRY(st);
    }
    return SL_OK;
}

/* strftime(DATE|TIMESTAMP x, VARCHAR format) -> VARCHAR. */
static sl_status dt_strftime(const sl_expr *call, sl_vector **args, const uint32_t *sel, uint32_t count,
                             sl_vector *out, sl_error *err)
{
    const sl_string *formats = SL_VECTOR_DATA(args[1], sl_string);
    sl_strbuf buf = { 0 };
    sl_status st = SL_OK;
    for (uint32_t i = 0; i < count && st == SL_OK; i++) {
        uint32_t row = SL_ROW(sel, i);
        if (sl_out_is_null(out, row))
            continue;
        civil c;
        civil_read(args[0], row, &c);
        buf.length = 0;
        st = format_civil(&buf, &c, sl_string_data(&formats[row]), formats[row].length, call->position, err);
        if (st == SL_OK && buf.length > SL_STRING_MAX_LENGTH)
            st = sl_error_set_at(err, SL_ERR_RUNTIME, call->position, "strftime: result too long");
        if (st == SL_OK)
            st = sl_vector_set_string(out, row, buf.data ? buf.data : "", (uint32_t)buf.length, err);
    }
    sl_strbuf_free(&buf);
    return st;
}

/* ------------------------------------------------------------------ strptime */

/* Reads up to max_digits digits (at least one) at s[*pos]; optional leading sign. */
static bool parse_digits(const char *s, uint32_t n, uint32_t *pos, int max_digits, bool allow_sign, int64_t *out)
{
    uint32_t p = *pos;
    bool neg = false;
    if (allow_sign && p < n && (s[p] == '-' || s[p] == '+')) {
        neg = s[p] == '-';
        p++;
    }
    int64_t v = 0;
    int digits = 0;
    while (p < n && digits < max_digits && isdigit((unsigned char)s[p])) {
        v = v * 10 + (s[p] - '0');
        p++;
        digits++;
    }
    if (digits == 0)
        return false;
    *pos = p;
    *out = neg ? -v : v;
    return true;
}

/* Matches a name (full or 3-letter abbreviation, case-insensitive) from names[0..count). */
static bool parse_name(const char *s, uint32_t n, uint32_t *pos, const char *const *names, int count, bool full,
                       int *index)
{
    for (int k = 0; k < count; k++) {
        size_t len = full ? strlen(names[k]) : 3;
        if (*pos + len <= n && strncasecmp(s + *pos, names[k], len) == 0) {
            *pos += (uint32_t)len;
            *index = k;
            return true;
        }
    }
    return false;
}

/* Parses s with format f into a timestamp; false when it does not match. */
static bool parse_with_format(const char *s, uint32_t n, const char *f, uint32_t fn, int64_t *out, const char **why)
{
    int64_t year = 1900, month = 1, day = 1, hour = 0, minute = 0, second = 0, micros = 0, doy = -1;
    bool pm = false, has_ampm = false;
    uint32_t p = 0;
    *why = "the text does not match the format";
    for (uint32_t k = 0; k < fn; k++) {
        if (f[k] != '%') {
            if (isspace((unsigned char)f[k])) {   /* whitespace matches any run of whitespace */
                while (p < n && isspace((unsigned char)s[p]))
                    p++;
                continue;
            }
            if (p >= n || s[p] != f[k])
                return false;
            p++;
            continue;
        }
        if (++k >= fn)
            return false;
        if (f[k] == '-' && k + 1 < fn)
            k++;
        int64_t v;
        int idx;
        switch (f[k]) {
        case 'Y': if (!parse_digits(s, n, &p, 6, true, &year)) return false; break;
        case 'y':
            if (!parse_digits(s, n, &p, 2, false, &v)) return false;
            year = v < 69 ? 2000 + v : 1900 + v;   /* POSIX pivot */
            break;
        case 'm': if (!parse_digits(s, n, &p, 2, false, &month)) return false; break;
        case 'd': case 'e':
            while (f[k] == 'e' && p < n && s[p] == ' ')
                p++;
            if (!parse_digits(s, n, &p, 2, false, &day)) return false;
            break;
        case 'H': if (!parse_digits(s, n, &p, 2, false, &hour)) return false; break;
        case 'I': if (!parse_digits(s, n, &p, 2, false, &hour)) return false; break;
        case 'M': if (!parse_digits(s, n, &p, 2, false, &minute)) return false; break;
        case 'S': if (!parse_digits(s, n, &p, 2, false, &second)) return false; break;
        case 'j': if (!parse_digits(s, n, &p, 3, false, &doy)) return false; break;
        case 'f': case 'g': case 'n': {
            uint32_t start = p;
            if (!parse_digits(s, n, &p, 9, false, &v)) return false;
            int digits = (int)(p - start);
            while (digits < 6) { v *= 10; digits++; }
            while (digits > 6) { v /= 10; digits--; }
            micros = v;
            break;
        }
        case 'p':
            if (p + 2 > n) return false;
            if (strncasecmp(s + p, "AM", 2) == 0) pm = false;
            else if (strncasecmp(s + p, "PM", 2) == 0) pm = true;
            else return false;
            has_ampm = true;
            p += 2;
            break;
        case 'b': case 'h':
            if (!parse_name(s, n, &p, month_names, 12, false, &idx)) return false;
            month = idx + 1;
            break;
        case 'B':
            if (!parse_name(s, n, &p, month_names, 12, true, &idx)) return false;
            month = idx + 1;
            break;
        case 'a': if (!parse_name(s, n, &p, day_names, 7, false, &idx)) return false; break;
        case 'A': if (!parse_name(s, n, &p, day_names, 7, true, &idx)) return false; break;
        case 'z': case 'Z':   /* accepted and ignored: timestamps carry no time zone */
            while (p < n && !isspace((unsigned char)s[p]))
                p++;
            break;
        case '%': if (p >= n || s[p] != '%') return false; p++; break;
        default: *why = "unknown format specifier"; return false;
        }
    }
    if (p != n) {
        *why = "trailing characters after the format";
        return false;
    }
    if (has_ampm) {
        if (hour < 1 || hour > 12) { *why = "hour out of range for %p"; return false; }
        hour = hour % 12 + (pm ? 12 : 0);
    }
    int64_t days;
    if (doy >= 0) {
        if (doy < 1 || doy > (is_leap(year) ? 366 : 365)) { *why = "day of year out of range"; return false; }
        days = sl_days_from_civil(year, 1, 1) + doy - 1;
    } else {
        if (!valid_date(year, month, day)) { *why = "date out of range"; return false; }
        days = sl_days_from_civil(year, (unsigned)month, (unsigned)day);
    }
    if (hour > 23 || minute > 59 || second > 59) { *why = "time out of range"; return false; }
    int64_t time = hour * MICROS_PER_HOUR + minute * MICROS_PER_MINUTE + second * MICROS_PER_SECOND + micros;
    if (!to_timestamp_micros(days, time, out)) { *why = "timestamp out of range"; return false; }
    return true;
}

/* strptime(VARCHAR text, VARCHAR format) -> TIMESTAMP; a mismatch is an error. */
static sl_status dt_strptime(const sl_expr *call, sl_vector **args, const uint32_t *sel, uint32_t count,
                             sl_vector *out, sl_error *err)
{
    const sl_string *texts = SL_VECTOR_DATA(args[0], sl_string);
    const sl_string *formats = SL_VECTOR_DATA(args[1], sl_string);
    int64_t *res = SL_VECTOR_DATA(out, int64_t);
    for (uint32_t i = 0; i < count; i++) {
        uint32_t row = SL_ROW(sel, i);
        if (sl_out_is_null(out, row))
            continue;
        const char *why;
        const sl_string *t = &texts[row], *f = &formats[row];
        if (!parse_with_format(sl_string_data(t), t->length, sl_string_data(f), f->length, &res[row], &why))
            return sl_error_set_at(err, SL_ERR_INVALID_INPUT, call->position,
                                   "strptime: could not parse '%.*s' with format '%.*s': %s",
                                   (int)(t->length > 100 ? 100 : t->length), sl_string_data(t),
                                   (int)(f->length > 100 ? 100 : f->length), sl_string_data(f), why);
    }
    return SL_OK;
}

/* ------------------------------------------------------------------ overload table */

#define V SL_TYPE_VARCHAR
#define DT SL_TYPE_DATE
#define TS SL_TYPE_TIMESTAMP
#define IV SL_TYPE_INTERVAL
#define I64 SL_TYPE_BIGINT
#define F64 SL_TYPE_DOUBLE
#define FN(sqlname, kernel) { sqlname, kernel, SL_NULLS_PROPAGATE, false }

#define PART_FUNCTION(sqlname, rtype)                                                                           \
    { .name = sqlname, .arg_count = 1, .args = { DT }, .result = rtype, .function = FN(sqlname, dt_named_part) }, \
    { .name = sqlname, .arg_count = 1, .args = { TS }, .result = rtype, .function = FN(sqlname, dt_named_part) }

const sl_overload sl_datetime_overloads[] = {
    { .name = "date_part", .arg_count = 2, .args = { V, DT }, .result = I64, .function = FN("date_part", dt_date_part),
      .bind = part_bind },
    { .name = "date_part", .arg_count = 2, .args = { V, TS }, .result = I64, .function = FN("date_part", dt_date_part),
      .bind = part_bind },
    { .name = "date_part", .arg_count = 2, .args = { V, IV }, .result = I64,
      .function = FN("date_part", dt_interval_part), .bind = part_bind },
    { .name = "datepart", .arg_count = 2, .args = { V, DT }, .result = I64, .function = FN("datepart", dt_date_part),
      .bind = part_bind },
    { .name = "datepart", .arg_count = 2, .args = { V, TS }, .result = I64, .function = FN("datepart", dt_date_part),
      .bind = part_bind },
    { .name = "extract", .arg_count = 2, .args = { V, DT }, .result = I64, .function = FN("extract", dt_date_part),
      .bind = part_bind },
    { .name = "extract", .arg_count = 2, .args = { V, TS }, .result = I64, .function = FN("extract", dt_date_part),
      .bind = part_bind },
    { .name = "extract", .arg_count = 2, .args = { V, IV }, .result = I64, .function = FN("extract", dt_interval_part),
      .bind = part_bind },

    PART_FUNCTION("year", I64), PART_FUNCTION("quarter", I64), PART_FUNCTION("month", I64), PART_FUNCTION("day", I64),
    PART_FUNCTION("dayofmonth", I64), PART_FUNCTION("dayofweek", I64), PART_FUNCTION("weekday", I64),
    PART_FUNCTION("isodow", I64), PART_FUNCTION("dayofyear", I64), PART_FUNCTION("week", I64),
    PART_FUNCTION("weekofyear", I64), PART_FUNCTION("isoyear", I64), PART_FUNCTION("yearweek", I64),
    PART_FUNCTION("hour", I64), PART_FUNCTION("minute", I64), PART_FUNCTION("second", I64),
    PART_FUNCTION("millisecond", I64), PART_FUNCTION("microsecond", I64), PART_FUNCTION("decade", I64),
    PART_FUNCTION("century", I64), PART_FUNCTION("millennium", I64), PART_FUNCTION("era", I64),
    PART_FUNCTION("epoch", F64),

    { .name = "epoch_ms", .arg_count = 1, .args = { DT }, .result = I64, .function = FN("epoch_ms", dt_epoch_ms) },
    { .name = "epoch_ms", .arg_count = 1, .args = { TS }, .result = I64, .function = FN("epoch_ms", dt_epoch_ms) },
    { .name = "epoch_ms", .arg_count = 1, .args = { I64 }, .result = TS,
      .function = FN("epoch_ms", dt_timestamp_from_millis) },

    { .name = "date_trunc", .arg_count = 2, .args = { V, DT }, .result = TS,
      .function = FN("date_trunc", dt_date_trunc), .bind = part_bind },
    { .name = "date_trunc", .arg_count = 2, .args = { V, TS }, .result = TS,
      .function = FN("date_trunc", dt_date_trunc), .bind = part_bind },
    { .name = "datetrunc", .arg_count = 2, .args = { V, DT }, .result = TS,
      .function = FN("datetrunc", dt_date_trunc), .bind = part_bind },
    { .name = "datetrunc", .arg_count = 2, .args = { V, TS }, .result = TS,
      .function = FN("datetrunc", dt_date_trunc), .bind = part_bind },

    { .name = "date_diff", .arg_count = 3, .args = { V, DT, DT }, .result = I64,
      .function = FN("date_diff", dt_date_diff), .bind = part_bind },
    { .name = "date_diff", .arg_count = 3, .args = { V, TS, TS }, .result = I64,
      .function = FN("date_diff", dt_date_diff), .bind = part_bind },
    { .name = "datediff", .arg_count = 3, .args = { V, DT, DT }, .result = I64,
      .function = FN("datediff", dt_date_diff), .bind = part_bind },
    { .name = "datediff", .arg_count = 3, .args = { V, TS, TS }, .result = I64,
      .function = FN("datediff", dt_date_diff), .bind = part_bind },

    { .name = "make_date", .arg_count = 3, .args = { I64, I64, I64 }, .result = DT,
      .function = FN("make_date", dt_make_date) },
    { .name = "make_timestamp", .arg_count = 4, .args = { I64, I64, I64, F64 }, .variadic = true, .result = TS,
      .function = FN("make_timestamp", dt_make_timestamp), .bind = make_timestamp_bind },
    { .name = "make_timestamp", .arg_count = 1, .args = { I64 }, .result = TS,
      .function = FN("make_timestamp", dt_timestamp_from_micros) },
    { .name = "to_timestamp", .arg_count = 1, .args = { F64 }, .result = TS,
      .function = FN("to_timestamp", dt_to_timestamp) },

    { .name = "last_day", .arg_count = 1, .args = { DT }, .result = DT, .function = FN("last_day", dt_last_day) },
    { .name = "last_day", .arg_count = 1, .args = { TS }, .result = DT, .function = FN("last_day", dt_last_day) },
    { .name = "dayname", .arg_count = 1, .args = { DT }, .result = V, .function = FN("dayname", dt_dayname) },
    { .name = "dayname", .arg_count = 1, .args = { TS }, .result = V, .function = FN("dayname", dt_dayname) },
    { .name = "monthname", .arg_count = 1, .args = { DT }, .result = V, .function = FN("monthname", dt_monthname) },
    { .name = "monthname", .arg_count = 1, .args = { TS }, .result = V, .function = FN("monthname", dt_monthname) },
    { .name = "age", .arg_count = 2, .args = { TS, TS }, .result = IV, .function = FN("age", dt_age) },
    { .name = "age", .arg_count = 2, .args = { DT, DT }, .result = IV, .function = FN("age", dt_age) },

    { .name = "strftime", .arg_count = 2, .args = { DT, V }, .result = V, .function = FN("strftime", dt_strftime) },
    { .name = "strftime", .arg_count = 2, .args = { TS, V }, .result = V, .function = FN("strftime", dt_strftime) },
    { .name = "strptime", .arg_count = 2, .args = { V, V }, .result = TS, .function = FN("strptime", dt_strptime) },
};
const size_t sl_datetime_overload_count = sizeof sl_datetime_overloads / sizeof sl_datetime_overloads[0];
