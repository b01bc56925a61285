/*
 * connector.c — the registry of source connectors (see connector.h) and the option
 * helpers they share: unknown-option checks, integer / boolean parsing with errors that
 * name the option, and real-time pacing.
 */
#include "connect/connector.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

static const sl_connector *const sl_connectors[] = {
    &sl_nexmark_connector,
    &sl_datagen_connector,
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
    return "nexmark, datagen";
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

sl_status sl_connector_check_options(const sl_connector_spec *spec, const char *connector,
                                     const char *const *known, bool (*accept)(const char *name), sl_error *err)
{
    for (uint32_t i = 0; i < spec->option_count; i++) {
        const char *name = spec->options[i].name;
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
        return sl_error_set_at(err, SL_ERR_INVALID_ARG, spec->options[i].position,
                               "unknown option '%s' for connector '%s' (valid options: %s)", name, connector, list);
    }
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
