/*
 * database.c — database and connection handles, error reporting through the API, and
 * the database-wide settings (SET / SHOW).
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "api/api_internal.h"
#include "stream/registry.h"

const char *sluice_version(void) { return SLUICE_VERSION; }

void sluice_free(void *pointer) { sl_free(pointer); }

sluice_status sl_api_status(sl_status st)
{
    /* sl_status and sluice_status share their numbering (checked in tests/unit/test_api.c). */
    return (sluice_status)st;
}

sluice_status sl_api_fail(sluice_connection *conn, const sl_error *err)
{
    conn->error = *err;
    if (err->code == SL_OK)
        conn->error.code = SL_ERR_INTERNAL;
    snprintf(conn->error_text, sizeof conn->error_text, "%s: %s", sl_status_name(conn->error.code), err->message);
    return sl_api_status(conn->error.code);
}

static bool is_memory_path(const char *path)
{
    return !path || !*path || strcmp(path, ":memory:") == 0;
}

sluice_status sluice_open(const char *path, sluice_database **out_database, char **error_message)
{
    if (!out_database)
        return SLUICE_ERROR_INVALID_ARGUMENT;
    sluice_database *db = sl_calloc(1, sizeof *db);
    if (!db || !(db->catalog = sl_catalog_new()) || !(db->queries = sl_query_registry_new())) {
        if (db)
            sl_catalog_free(db->catalog);
        sl_free(db);
        if (error_message)
            *error_message = sl_strdup("Out of Memory Error: cannot allocate the database");
        return SLUICE_ERROR_OOM;
    }
    if (!is_memory_path(path)) {
        /* A persistent database: a directory loaded into the catalog (src/storage). */
        sl_error err;
        sl_error_clear(&err);
        if (sl_storage_open(path, db->catalog, &db->storage, &err) != SL_OK) {
            if (error_message)
                *error_message = sl_asprintf("%s: %s", sl_status_name(err.code), err.message);
            sl_catalog_free(db->catalog);
            sl_query_registry_free(db->queries);
            sl_free(db);
            return sl_api_status(err.code);
        }
    }
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    db->settings.threads = cores > 0 ? cores : 1;
    db->settings.memory_limit = sl_memory_default_limit();
    db->settings.temp_directory = sl_strdup(".tmp");
    sl_memory_init(&db->memory, db->settings.memory_limit);
    pthread_mutex_init(&db->lock, NULL);
    pthread_mutex_init(&db->statement_lock, NULL);
    *out_database = db;
    return SLUICE_OK;
}

void sluice_close(sluice_database *db)
{
    if (!db)
        return;
    sl_background_stop_all(db);   /* materialized views and sinks stop before anything goes */
    if (db->storage) {
        sl_error ignored;   /* every statement already synced; this retries what failed */
        sl_storage_sync(db->storage, db->catalog, &ignored);
        sl_storage_close(db->storage);
    }
    sl_catalog_free(db->catalog);
    sl_query_registry_free(db->queries);
    sl_free(db->settings.temp_directory);
    pthread_mutex_destroy(&db->lock);
    pthread_mutex_destroy(&db->statement_lock);
    sl_free(db);
}

sluice_status sluice_connect(sluice_database *db, sluice_connection **out)
{
    if (!db || !out)
        return SLUICE_ERROR_INVALID_ARGUMENT;
    sluice_connection *conn = sl_calloc(1, sizeof *conn);
    if (!conn)
        return SLUICE_ERROR_OOM;
    conn->database = db;
    sl_error_clear(&conn->error);
    atomic_init(&conn->interrupt, false);
    atomic_init(&conn->progress.done, 0);
    atomic_init(&conn->progress.total, 0);
    atomic_fetch_add(&db->connection_count, 1);
    *out = conn;
    return SLUICE_OK;
}

void sluice_disconnect(sluice_connection *conn)
{
    if (!conn)
        return;
    atomic_fetch_sub(&conn->database->connection_count, 1);
    sl_free(conn);
}

const char *sluice_connection_error(const sluice_connection *conn)
{
    if (!conn || conn->error.code == SL_OK)
        return "";
    return conn->error_text;
}

int sluice_connection_error_offset(const sluice_connection *conn)
{
    return conn && conn->error.code != SL_OK ? conn->error.position : -1;
}

void sluice_interrupt(sluice_connection *conn)
{
    if (conn)
        atomic_store(&conn->interrupt, true);
}

double sluice_query_progress(const sluice_connection *conn)
{
    if (!conn)
        return -1;
    sluice_connection *c = (sluice_connection *)conn;   /* atomics: loads only */
    long long total = atomic_load(&c->progress.total), done = atomic_load(&c->progress.done);
    if (total <= 0)
        return -1;
    return done >= total ? 1.0 : (double)done / (double)total;
}
