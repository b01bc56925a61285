/*
 * storage.c — a persistent database directory behind the in-memory catalog.
 *
 *   <dir>/lock          flock'd while a process has the database open
 *   <dir>/manifest      the catalog (manifest.c), replaced atomically on every DDL change
 *   <dir>/t_<n>.data    one append-only data file per table (table_file.c)
 *
 * sl_storage_open loads everything into the catalog; sl_storage_sync, called after each
 * statement, makes the directory match the catalog again. Order of a sync, chosen so a
 * crash at any point leaves a loadable database holding whole statements only:
 *   1. new tables get a fresh data file (a new number, never reused within the directory
 *      while the old file may exist), appends go to data files and are committed;
 *   2. the manifest is rewritten (manifest.tmp, fsync, rename, fsync of the directory)
 *      when its bytes differ from what is on disk;
 *   3. only then are the files of dropped tables removed.
 * A data file not listed by the manifest (a crash between 1 and 2, or between 2 and 3) is
 * an orphan and removed at the next open.
 */
#include "storage/storage.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "storage/storage_internal.h"

struct sl_storage {
    char *dir;
    int dir_fd;
    int lock_fd;
    sl_table_file *files;       /* one per table the manifest lists (or is about to) */
    size_t file_count;
    size_t file_capacity;
    uint64_t next_file_number;
    sl_bytes manifest;          /* the manifest bytes on disk */
};

static sl_status sl_storage_io_error(sl_error *err, const char *what, const char *path)
{
    return sl_error_set(err, SL_ERR_IO, "cannot %s '%s': %s", what, path, strerror(errno));
}

/* s->files is kept sorted by number: loaded files are sorted after the load, new files get
 * numbers above every existing one, removal keeps the order. */
static int sl_compare_file_numbers(const void *a, const void *b)
{
    uint64_t x = ((const sl_table_file *)a)->number, y = ((const sl_table_file *)b)->number;
    return x < y ? -1 : x > y;
}

static sl_table_file *sl_storage_find_file(sl_storage *s, uint64_t number)
{
    sl_table_file key = { .number = number };
    return s->file_count ? bsearch(&key, s->files, s->file_count, sizeof key, sl_compare_file_numbers) : NULL;
}

/* Writes the manifest bytes atomically: manifest.tmp, fsync, rename, fsync(dir). */
static sl_status sl_storage_write_manifest(sl_storage *s, const sl_bytes *bytes, sl_error *err)
{
    char *tmp = sl_asprintf("%s/manifest.tmp", s->dir);
    char *path = sl_asprintf("%s/manifest", s->dir);
    sl_status st = SL_OK;
    if (!tmp || !path) {
        st = sl_error_oom(err);
        goto done;
    }
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        st = sl_storage_io_error(err, "create", tmp);
        goto done;
    }
    if (sl_storage_pwrite_all(fd, bytes->data, bytes->size, 0) != 0 || fsync(fd) != 0) {
        st = sl_storage_io_error(err, "write", tmp);
        close(fd);
        unlink(tmp);
        goto done;
    }
    close(fd);
    if (rename(tmp, path) != 0) {
        st = sl_storage_io_error(err, "replace", path);
        unlink(tmp);
        goto done;
    }
    if (fsync(s->dir_fd) != 0)
        st = sl_storage_io_error(err, "sync the directory", s->dir);
done:
    sl_free(tmp);
    sl_free(path);
    return st;
}

/* Steps 1-3 of the header comment; the caller holds the catalog lock. */
static sl_status sl_storage_sync_locked(sl_storage *s, sl_catalog *catalog, sl_error *err)
{
    const char **names = NULL;
    size_t count = 0;
    SL_TRY(sl_catalog_list_tables(catalog, &names, &count, err));
    bool *live = sl_calloc(s->file_count + count + 1, sizeof(bool));
    sl_bytes manifest = { 0 };
    sl_status st = live ? SL_OK : sl_error_oom(err);
    for (size_t i = 0; i < count && st == SL_OK; i++) {
        sl_table *t = sl_catalog_find_table(catalog, names[i]);
        if (!t)
            continue;
        sl_table_file *file = t->storage_id ? sl_storage_find_file(s, t->storage_id) : NULL;
        if (!file) {
            st = sl_array_reserve((void **)&s->files, &s->file_capacity, s->file_count + 1, sizeof(sl_table_file),
                                  err);
            if (st != SL_OK)
                break;
            sl_table_file created;
            for (int attempt = 0;; attempt++) {
                st = sl_table_file_create(s->dir, s->next_file_number++, t, &created, err);
                if (st == SL_OK || errno != EEXIST || attempt == 100)
                    break;
            }
            if (st != SL_OK)
                break;
            s->files[s->file_count++] = created;
            file = &s->files[s->file_count - 1];
            t->storage_id = created.number;
        }
        live[file - s->files] = true;
        st = sl_table_file_append(file, t, err);
    }
    sl_free(names);
    if (st == SL_OK)
        st = sl_manifest_build(catalog, &manifest, err);
    if (st == SL_OK && (manifest.size != s->manifest.size || memcmp(manifest.data, s->manifest.data, manifest.size))) {
        st = sl_storage_write_manifest(s, &manifest, err);
        if (st == SL_OK) {
            sl_bytes_free(&s->manifest);
            s->manifest = manifest;
            manifest = (sl_bytes){ 0 };
        }
    }
    sl_bytes_free(&manifest);
    if (st == SL_OK) {
        /* The manifest no longer lists the dropped tables: remove their files. */
        size_t kept = 0;
        for (size_t i = 0; i < s->file_count; i++) {
            if (live[i]) {
                s->files[kept++] = s->files[i];
                continue;
            }
            if (unlink(s->files[i].path) != 0 && errno != ENOENT)
                st = sl_storage_io_error(err, "remove the data file of a dropped table", s->files[i].path);
            sl_table_file_close(&s->files[i]);
        }
        s->file_count = kept;
    }
    sl_free(live);
    return st;
}

sl_status sl_storage_sync(sl_storage *storage, sl_catalog *catalog, sl_error *err)
{
    if (!storage)
        return SL_OK;
    sl_catalog_lock(catalog);
    sl_status st = sl_storage_sync_locked(storage, catalog, err);
    sl_catalog_unlock(catalog);
    if (st != SL_OK && err && st != SL_ERR_INTERNAL) {
        char message[SL_ERROR_MESSAGE_MAX + 512];
        snprintf(message, sizeof message, "%s (the change is in memory but not persisted to '%s')", err->message,
                 storage->dir);
        sl_error_set(err, st == SL_ERR_OOM ? SL_ERR_OOM : SL_ERR_IO, "%s", message);
    }
    return st;
}

/* ----------------------------------------------------------------- open / close */

/* Parses "t_<n>.data"; 0 if the name is something else. */
static uint64_t sl_data_file_number(const char *name)
{
    if (strncmp(name, "t_", 2) != 0 || name[2] < '0' || name[2] > '9')
        return 0;
    char *end = NULL;
    errno = 0;
    unsigned long long n = strtoull(name + 2, &end, 10);
    if (errno || strcmp(end, ".data") != 0)
        return 0;
    return n;
}

/* Removes orphan data files (not listed by the manifest) and a leftover manifest.tmp,
 * and moves next_file_number past every number in use. Refuses a directory holding
 * other files when it has no manifest (it is not a Sluice database). */
static sl_status sl_storage_scan_directory(sl_storage *s, bool have_manifest, sl_error *err)
{
    DIR *d = opendir(s->dir);
    if (!d)
        return sl_storage_io_error(err, "list the database directory", s->dir);
    sl_status st = SL_OK;
    struct dirent *e;
    while (st == SL_OK && (e = readdir(d)) != NULL) {
        const char *name = e->d_name;
        if (!strcmp(name, ".") || !strcmp(name, "..") || !strcmp(name, "lock"))
            continue;
        uint64_t number = sl_data_file_number(name);
        if (number >= s->next_file_number)
            s->next_file_number = number + 1;
        bool orphan = number && !sl_storage_find_file(s, number);
        if (!orphan && strcmp(name, "manifest.tmp") != 0) {
            if (!have_manifest)
                st = sl_error_set(err, SL_ERR_IO, "cannot open '%s' as a database: the directory is not empty and has "
                                  "no Sluice manifest (found '%s'); give a new or empty directory", s->dir, name);
            continue;
        }
        char *path = sl_asprintf("%s/%s", s->dir, name);
        if (!path)
            st = sl_error_oom(err);
        else if (unlink(path) != 0 && errno != ENOENT)
            st = sl_storage_io_error(err, "remove leftover file", path);
        sl_free(path);
    }
    closedir(d);
    return st;
}

/* Reads <dir>/manifest into s->manifest; *exists false when there is none yet. */
static sl_status sl_storage_read_manifest(sl_storage *s, bool *exists, sl_error *err)
{
    char *path = sl_asprintf("%s/manifest", s->dir);
    if (!path)
        return sl_error_oom(err);
    sl_status st = SL_OK;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    *exists = fd >= 0;
    if (fd < 0) {
        if (errno != ENOENT)
            st = sl_storage_io_error(err, "open", path);
        sl_free(path);
        return st;
    }
    struct stat info;
    uint8_t *p = NULL;
    if (fstat(fd, &info) != 0)
        st = sl_storage_io_error(err, "stat", path);
    if (st == SL_OK)
        st = sl_bytes_grow(&s->manifest, (size_t)info.st_size, &p, err);
    if (st == SL_OK && info.st_size > 0 && sl_storage_pread_all(fd, p, (size_t)info.st_size, 0) != 1)
        st = sl_storage_io_error(err, "read", path);
    close(fd);
    sl_free(path);
    return st;
}

/* A catalog error while re-creating the manifest's relations, as an IO error naming it. */
static sl_status sl_storage_manifest_error(sl_storage *s, sl_error *err)
{
    if (!err)
        return SL_ERR_IO;
    char why[SL_ERROR_MESSAGE_MAX];
    snprintf(why, sizeof why, "%s", err->message);
    return sl_error_set(err, SL_ERR_IO, "manifest '%s/manifest' is inconsistent: %s", s->dir, why);
}

/* Creates the manifest's tables and views in the catalog and loads the table data. */
static sl_status sl_storage_load(sl_storage *s, const sl_manifest *m, sl_catalog *catalog, sl_error *err)
{
    for (size_t i = 0; i < m->table_count; i++) {
        const sl_manifest_table *mt = &m->tables[i];
        for (size_t j = 0; j < i; j++)   /* a hand-edited manifest; cheap next to loading the data */
            if (m->tables[j].file_number == mt->file_number)
                return sl_error_set(err, SL_ERR_IO, "manifest '%s/manifest' lists data file t_%llu.data twice",
                                    s->dir, (unsigned long long)mt->file_number);
        sl_table *t = NULL;
        sl_status st = sl_catalog_create_table(catalog, mt->name, mt->columns, mt->column_count, false, &t, err);
        if (st != SL_OK)
            return sl_storage_manifest_error(s, err);
        SL_TRY(sl_array_reserve((void **)&s->files, &s->file_capacity, s->file_count + 1, sizeof(sl_table_file), err));
        sl_table_file file;
        sl_catalog_lock(catalog);
        st = sl_table_file_load(s->dir, mt->file_number, t, &file, err);
        sl_catalog_unlock(catalog);
        SL_TRY(st);
        s->files[s->file_count++] = file;
        t->storage_id = mt->file_number;
        if (mt->file_number >= s->next_file_number)
            s->next_file_number = mt->file_number + 1;
    }
    if (s->file_count)
        qsort(s->files, s->file_count, sizeof(sl_table_file), sl_compare_file_numbers);
    for (size_t i = 0; i < m->view_count; i++) {
        const sl_manifest_view *v = &m->views[i];
        sl_status st = sl_catalog_create_view(catalog, v->name, v->sql, v->aliases, v->alias_count, false, err);
        if (st != SL_OK)
            return sl_storage_manifest_error(s, err);
    }
    return SL_OK;
}

static sl_status sl_storage_open_directory(sl_storage *s, const char *path, sl_error *err)
{
    struct stat info;
    if (mkdir(path, 0777) != 0 && errno != EEXIST)
        return sl_storage_io_error(err, "create the database directory", path);
    if (stat(path, &info) != 0)
        return sl_storage_io_error(err, "open the database directory", path);
    if (!S_ISDIR(info.st_mode))
        return sl_error_set(err, SL_ERR_IO, "cannot open database '%s': it is a file, not a directory (a Sluice "
                            "database is a directory; load data files with COPY or read_csv())", path);
    s->dir_fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (s->dir_fd < 0)
        return sl_storage_io_error(err, "open the database directory", path);
    char *lock = sl_asprintf("%s/lock", path);
    if (!lock)
        return sl_error_oom(err);
    sl_status st = SL_OK;
    s->lock_fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (s->lock_fd < 0)
        st = sl_storage_io_error(err, "create the lock file", lock);
    else if (flock(s->lock_fd, LOCK_EX | LOCK_NB) != 0)
        st = errno == EWOULDBLOCK
                 ? sl_error_set(err, SL_ERR_IO, "database '%s' is already open in another process (it holds the lock "
                                "on '%s'); close it there first", path, lock)
                 : sl_storage_io_error(err, "lock", lock);
    sl_free(lock);
    return st;
}

sl_status sl_storage_open(const char *path, sl_catalog *catalog, sl_storage **out, sl_error *err)
{
    sl_storage *s = sl_calloc(1, sizeof *s);
    if (!s)
        return sl_error_oom(err);
    s->dir_fd = s->lock_fd = -1;
    s->next_file_number = 1;
    s->dir = sl_strdup(path);
    sl_status st = s->dir ? sl_storage_open_directory(s, path, err) : sl_error_oom(err);
    bool have_manifest = false;
    if (st == SL_OK)
        st = sl_storage_read_manifest(s, &have_manifest, err);
    if (st == SL_OK && have_manifest) {
        sl_manifest m;
        char *manifest_path = sl_asprintf("%s/manifest", path);
        st = manifest_path ? sl_manifest_parse(manifest_path, s->manifest.data, s->manifest.size, &m, err)
                           : sl_error_oom(err);
        sl_free(manifest_path);
        if (st == SL_OK) {
            st = sl_storage_load(s, &m, catalog, err);
            sl_manifest_free(&m);
        }
    }
    if (st == SL_OK)
        st = sl_storage_scan_directory(s, have_manifest, err);
    if (st == SL_OK)
        st = sl_storage_sync(s, catalog, err);   /* writes the manifest of a new database */
    if (st != SL_OK) {
        sl_storage_close(s);
        return st;
    }
    *out = s;
    return SL_OK;
}

void sl_storage_close(sl_storage *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->file_count; i++)
        sl_table_file_close(&s->files[i]);
    sl_free(s->files);
    sl_bytes_free(&s->manifest);
    if (s->lock_fd >= 0)
        close(s->lock_fd);   /* releases the flock */
    if (s->dir_fd >= 0)
        close(s->dir_fd);
    sl_free(s->dir);
    sl_free(s);
}
