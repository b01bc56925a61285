/*
 * connector.c — the registry of source connectors (see connector.h) and the option
 * helpers they share: unknown-option checks (with the options common to every source),
 * integer / boolean / duration parsing with errors that name the option, and real-time
 * pacing.
 */
#include "connect/connector.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "expr/function.h"

static const sl_connector *const sl_connectors[] = {
    &sl_nexmark_connector,
    &sl_datagen_connector,
    &sl_table_connector,
    &sl_file_connector,
    &sl_nats_connector,
    &sl_kafka_connector,
};

const sl_connector *sl_connector_find(const char *name)
{
    for (size_t i = 0; i < sizeof sl_connectors / sizeof sl_connectors[0]; i++)
        if (strcasecmp(sl_connectors[i]->name, name) == 0)
            return sl_connectors[i];
    return NULL;
}

const char *sl_connector_names(void)
{
    return "nexmark, datagen, table, nats, kafka, file";
}

const sl_connector_option *sl_connector_option_find(const sl_connector_spec *spec, const char *name)
{
    const sl_connector_option *found = NULL;
    for (uint32_t i = 0; i < spec->option_count; i++)
        if (strcmp(spec->options[i].name, name) == 0)
            found = &spec->options[i];   /* the last one written wins */
    return found;
}

sl_status sl_connector_option_error(sl_error *err, const sl_connector_option *option, const char *connector,
                                    const char *fmt, ...)
{
    char detail[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(detail, sizeof detail, fmt, ap);
    va_end(ap);
    return sl_error_set_at(err, SL_ERR_INVALID_ARG, option->position, "connector '%s': option '%s' %s", connector,
                           option->name, detail);
}

static const char *const sl_common_options[] = { "idle_timeout", "late_rows_table", NULL };

bool sl_connector_common_option(const char *name)
{
    for (size_t k = 0; sl_common_options[k]; k++)
        if (strcmp(sl_common_options[k], name) == 0)
            return true;
    return false;
}

/* Also validates the values of the common options the driver reads later, so that a bad
 * one fails at CREATE SOURCE, like the connector's own options. */
sl_status sl_connector_check_options(const sl_connector_spec *spec, const char *connector,
                                     const char *const *known, bool (*accept)(const char *name), sl_error *err)
{
    for (uint32_t i = 0; i < spec->option_count; i++) {
        const char *name = spec->options[i].name;
        if (sl_connector_common_option(name))
            continue;
        bool ok = accept && accept(name);
        for (size_t k = 0; known[k] && !ok; k++)
            ok = strcmp(known[k], name) == 0;
        if (ok)
            continue;
        char list[512];
        size_t n = 0;
        list[0] = '\0';
        for (size_t k = 0; known[k] && n < sizeof list; k++)
            n += (size_t)snprintf(list + n, sizeof list - n, "%s%s", k ? ", " : "", known[k]);
        for (size_t k = 0; sl_common_options[k] && n < sizeof list; k++)
            n += (size_t)snprintf(list + n, sizeof list - n, "%s%s", n ? ", " : "", sl_common_options[k]);
        return sl_error_set_at(err, SL_ERR_INVALID_ARG, spec->options[i].position,
                               "unknown option '%s' for connector '%s' (valid options: %s)", name, connector, list);
    }
    int64_t idle_timeout = 0;
    SL_TRY(sl_connector_option_duration(spec, connector, "idle_timeout", &idle_timeout, err));
    const sl_connector_option *late = sl_connector_option_find(spec, "late_rows_table");
    if (late && !late->value[0])
        return sl_connector_option_error(err, late, connector, "expects a table name, got ''");
    return SL_OK;
}

sl_status sl_connector_option_int(const sl_connector_spec *spec, const char *connector, const char *name,
                                  int64_t min, int64_t max, int64_t *out, sl_error *err)
{
    const sl_connector_option *o = sl_connector_option_find(spec, name);
    if (!o)
        return SL_OK;
    const char *s = o->value;
    while (*s == ' ')
        s++;
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    while (*end == ' ')
        end++;
    if (end == s || *end || errno == ERANGE)
        return sl_connector_option_error(err, o, connector, "expects an integer, got '%s'", o->value);
    if (v < min || v > max) {
        if (max == INT64_MAX)
            return sl_connector_option_error(err, o, connector, "must be at least %lld, got %lld", (long long)min, v);
        return sl_connector_option_error(err, o, connector, "must be between %lld and %lld, got %lld", (long long)min,
                                         (long long)max, v);
    }
    *out = v;
    return SL_OK;
}

sl_status sl_connector_option_bool(const sl_connector_spec *spec, const char *connector, const char *name,
                                   bool *out, sl_error *err)
{
    const sl_connector_option *o = sl_connector_option_find(spec, name);
    if (!o)
        return SL_OK;
    static const char *const yes[] = { "true", "1", "on", "yes", "t" };
    static const char *const no[] = { "false", "0", "off", "no", "f" };
    for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++) {
        if (strcasecmp(o->value, yes[i]) == 0) {
            *out = true;
            return SL_OK;
        }
        if (strcasecmp(o->value, no[i]) == 0) {
            *out = false;
            return SL_OK;
        }
    }
    return sl_connector_option_error(err, o, connector, "expects true or false, got '%s'", o->value);
}

sl_status sl_connector_option_duration(const sl_connector_spec *spec, const char *connector, const char *name,
                                       int64_t *micros, sl_error *err)
{
    const sl_connector_option *o = sl_connector_option_find(spec, name);
    if (!o)
        return SL_OK;
    sl_value v;
    sl_error parse_error;
    sl_status st = sl_value_parse(o->value, strlen(o->value), sl_type_make(SL_TYPE_INTERVAL), &v, &parse_error);
    if (st == SL_ERR_OOM)
        return sl_error_oom(err);
    if (st != SL_OK || v.is_null)
        return sl_connector_option_error(err, o, connector, "expects a duration such as '5s', '100 ms' or '2 minutes', got '%s'",
                                         o->value);
    sl_interval iv = v.v.interval;
    if (iv.months != 0)
        return sl_connector_option_error(err, o, connector,
                                         "expects a duration in days or less (months and years vary in length), got '%s'",
                                         o->value);
    int64_t total;
    if (__builtin_mul_overflow((int64_t)iv.days, INT64_C(86400000000), &total) ||
        __builtin_add_overflow(total, iv.micros, &total))
        return sl_connector_option_error(err, o, connector, "is out of range: '%s'", o->value);
    if (total < 0)
        return sl_connector_option_error(err, o, connector, "must not be negative, got '%s'", o->value);
    *micros = total;
    return SL_OK;
}

int64_t sl_connector_now_micros(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

sl_status sl_connector_pace(sl_exec_context *exec, int64_t start_micros, int64_t target_micros, sl_error *err)
{
    for (;;) {
        if (exec && sl_exec_interrupted(exec))
            return sl_error_set(err, SL_ERR_CANCELLED, "query interrupted");
        int64_t wait = start_micros + target_micros - sl_connector_now_micros();
        if (wait <= 0)
            return SL_OK;
        if (wait > 50000)
            wait = 50000;   /* wake up regularly to notice an interrupt */
        struct timespec ts = { (time_t)(wait / 1000000), (long)(wait % 1000000) * 1000 };
        nanosleep(&ts, NULL);
    }
}

sl_status sl_connector_option_text(sl_arena *arena, const sl_connector_spec *spec, const char *connector,
                                   const char *name, const char **out, sl_error *err)
{
    const sl_connector_option *o = sl_connector_option_find(spec, name);
    if (!o)
        return SL_OK;
    if (!o->value[0])
        return sl_connector_option_error(err, o, connector, "must not be empty");
    *out = sl_arena_strdup(arena, o->value);
    return *out ? SL_OK : sl_error_oom(err);
}
