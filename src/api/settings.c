/*
 * settings.c — SET / RESET / SHOW of database-wide settings.
 *
 *   threads         worker threads (default: all cores)
 *   memory_limit    bytes operators may reserve; '1GB', '512MB', '80%' (of RAM) accepted
 *   temp_directory  where spilling operators write (default '.tmp')
 *   execution_mode  'auto' (default: continuous when a query reads an unbounded source),
 *                   'streaming' (every query over sources runs continuously, also bounded
 *                   ones: its final result equals the batch result), 'batch'
 *   emit_changes    true: a continuous query with an updating result outputs its changelog
 *                   (as with EMIT CHANGES) instead of the final table (default false)
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "api/settings.h"

static const char *const setting_names[] = { "threads", "memory_limit", "temp_directory", "execution_mode",
                                             "emit_changes" };
static const char *const execution_modes[] = { "auto", "batch", "streaming" };

/* Parses "1GB", "1.5 GiB", "512MB", "100kB", "123" (bytes), "80%" (of physical RAM). */
static bool parse_size(const char *text, int64_t *out)
{
    char *end;
    double number = strtod(text, &end);
    if (end == text || number < 0)
        return false;
    while (isspace((unsigned char)*end))
        end++;
    double multiplier = 1;
    if (*end == '%') {
        multiplier = (double)sl_memory_default_limit() / 0.8 / 100.0;
        end++;
    } else if (*end) {
        static const struct { const char *unit; double factor; } units[] = {
            { "b", 1 },          { "bytes", 1 },      { "kb", 1e3 },  { "kib", 1024.0 },
            { "mb", 1e6 },       { "mib", 1048576.0 }, { "gb", 1e9 },  { "gib", 1073741824.0 },
            { "tb", 1e12 },      { "tib", 1099511627776.0 }, { "k", 1e3 }, { "m", 1e6 }, { "g", 1e9 },
        };
        size_t n = strlen(end);
        while (n > 0 && isspace((unsigned char)end[n - 1]))
            n--;
        bool found = false;
        for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
            if (strlen(units[i].unit) == n && strncasecmp(end, units[i].unit, n) == 0) {
                multiplier = units[i].factor;
                found = true;
                break;
            }
        }
        if (!found)
            return false;
        end += n;
    }
    *out = (int64_t)(number * multiplier);
    return true;
}

static int find_setting(const char *name)
{
    for (size_t i = 0; i < sizeof setting_names / sizeof setting_names[0]; i++)
        if (strcasecmp(name, setting_names[i]) == 0)
            return (int)i;
    if (strcasecmp(name, "worker_threads") == 0)
        return 0;
    if (strcasecmp(name, "max_memory") == 0)
        return 1;
    return -1;
}

static sl_status unknown_setting(const char *name, sl_error *err)
{
    return sl_error_set(err, SL_ERR_CATALOG,
                        "unrecognized configuration parameter \"%s\" (known: threads, memory_limit, temp_directory, execution_mode, emit_changes)",
                        name);
}

sl_status sl_setting_set(sluice_database *db, const char *name, const char *value, sl_error *err)
{
    int which = find_setting(name);
    if (which < 0)
        return unknown_setting(name, err);
    sl_status st = SL_OK;
    pthread_mutex_lock(&db->lock);
    switch (which) {
    case 0: {
        char *end;
        long long n = strtoll(value, &end, 10);
        if (end == value || *end || n < 1 || n > 1024)
            st = sl_error_set(err, SL_ERR_INVALID_ARG, "threads must be an integer between 1 and 1024, got '%s'", value);
        else
            db->settings.threads = n;
        break;
    }
    case 1: {
        int64_t bytes;
        if (!parse_size(value, &bytes) || bytes <= 0)
            st = sl_error_set(err, SL_ERR_INVALID_ARG,
                              "invalid memory_limit '%s': write a size such as '1GB', '512MB' or '50%%'", value);
        else {
            db->settings.memory_limit = bytes;
            db->memory.limit = bytes;
        }
        break;
    }
    case 3: {
        int mode = -1;
        for (int m = 0; m < 3; m++)
            if (strcasecmp(value, execution_modes[m]) == 0)
                mode = m;
        if (mode < 0)
            st = sl_error_set(err, SL_ERR_INVALID_ARG,
                              "invalid execution_mode '%s': write 'auto', 'batch' or 'streaming'", value);
        else
            db->settings.execution_mode = (sl_execution_mode)mode;
        break;
    }
    case 4: {
        bool on = strcasecmp(value, "true") == 0 || strcasecmp(value, "on") == 0 || strcmp(value, "1") == 0;
        bool off = strcasecmp(value, "false") == 0 || strcasecmp(value, "off") == 0 || strcmp(value, "0") == 0;
        if (!on && !off)
            st = sl_error_set(err, SL_ERR_INVALID_ARG, "emit_changes must be true or false, got '%s'", value);
        else
            db->settings.emit_changes = on;
        break;
    }
    case 2: {
        char *copy = sl_strdup(value);
        if (!copy) {
            st = sl_error_oom(err);
        } else {
            sl_free(db->settings.temp_directory);
            db->settings.temp_directory = copy;
        }
        break;
    }
    }
    pthread_mutex_unlock(&db->lock);
    return st;
}

sl_status sl_setting_reset(sluice_database *db, const char *name, sl_error *err)
{
    int which = find_setting(name);
    if (which < 0)
        return unknown_setting(name, err);
    char value[64];
    switch (which) {
    case 0: {
        long cores = sysconf(_SC_NPROCESSORS_ONLN);
        snprintf(value, sizeof value, "%ld", cores > 0 ? cores : 1);
        break;
    }
    case 1:
        snprintf(value, sizeof value, "%lld", (long long)sl_memory_default_limit());
        break;
    case 3:
        snprintf(value, sizeof value, "auto");
        break;
    case 4:
        snprintf(value, sizeof value, "false");
        break;
    default:
        snprintf(value, sizeof value, ".tmp");
        break;
    }
    return sl_setting_set(db, setting_names[which], value, err);
}

/* Renders a byte count the way DuckDB shows memory_limit ("1.0 GiB"). */
static void format_size(int64_t bytes, char *buf, size_t cap)
{
    static const char *const units[] = { "bytes", "KiB", "MiB", "GiB", "TiB" };
    double v = (double)bytes;
    int u = 0;
    while (v >= 1024.0 && u < 4) {
        v /= 1024.0;
        u++;
    }
    if (u == 0)
        snprintf(buf, cap, "%lld bytes", (long long)bytes);
    else
        snprintf(buf, cap, "%.1f %s", v, units[u]);
}

sl_status sl_setting_get(sluice_database *db, const char *name, char **out, sl_error *err)
{
    int which = find_setting(name);
    if (which < 0)
        return unknown_setting(name, err);
    char buf[256];
    pthread_mutex_lock(&db->lock);
    switch (which) {
    case 0:
        snprintf(buf, sizeof buf, "%lld", (long long)db->settings.threads);
        break;
    case 1:
        format_size(db->settings.memory_limit, buf, sizeof buf);
        break;
    case 3:
        snprintf(buf, sizeof buf, "%s", execution_modes[db->settings.execution_mode]);
        break;
    case 4:
        snprintf(buf, sizeof buf, "%s", db->settings.emit_changes ? "true" : "false");
        break;
    default:
        snprintf(buf, sizeof buf, "%s", db->settings.temp_directory);
        break;
    }
    pthread_mutex_unlock(&db->lock);
    *out = sl_strdup(buf);
    return *out ? SL_OK : sl_error_oom(err);
}
