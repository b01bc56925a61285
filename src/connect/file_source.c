/*
 * file_source.c — the `file` connector: CREATE SOURCE s (...) WITH (connector = 'file',
 * path = '/x/events.json' or a glob, format = ..., follow = true|false, ...): the
 * lines of one file or of every file matching a glob, one record per line, decoded by the
 * shared record decoder (formats/record.h) under the source's on_error policy.
 *
 * Options:
 *   path               a file or a glob pattern (required)
 *   format             json (default) | csv | raw | debezium-json (avro is not line-based)
 *   follow             true (default): tail — lines appended later are read as they come,
 *                      and files that start matching the glob later are picked up (the
 *                      glob is looked at again at most every 500 ms while idle); the
 *                      source never ends. false: read what is there and end (bounded).
 *   on_error           fail (default) | skip | dead_letter
 *   dead_letter_table  the table rejects go to (with on_error = 'dead_letter')
 *   max_record_bytes   longest line (default 1 MiB)
 *   csv.header         true: the first line of every file is a header (skipped)
 *   csv.delimiter      one character (default ',')
 *
 * Splits: one per file, numbered in the order the files were found (sorted names at
 * start, then order of discovery), so split_count grows while a followed glob finds new
 * files; the continuous-query driver grows its watermark tracker with it. Every batch
 * holds rows of one file. A bounded split ends when its file is read to the end; with
 * follow a split never ends (old files of a directory keep holding the watermark back
 * unless idle_timeout lets them go idle).
 *
 * Lines: a record is a line ending in '\n' ('\r\n' accepted); a last line without its
 * newline waits for it while following, and is a record when the file is read bounded.
 * Blank lines are skipped. A line over max_record_bytes is rejected (its first 1 KB kept)
 * and skipped up to its newline without being held in memory.
 *
 * Positions: per file the byte offset and line number of the next record, the rows
 * delivered and the records rejected (split_stats: name = the path, offset = the line
 * number of the next record) — what a later checkpoint stores. The metadata column
 * `_offset` is the record's byte offset in its file.
 *
 * Truncation and rotation (follow only): when the file shrinks below the position read
 * (copytruncate), it is read again from its start; when the path names a different file
 * than the one open (rename-and-create rotation), the open file is read to its end and the
 * new file is then read from its start in the same split. Both restart the split's line
 * numbers.
 */
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "connect/connector.h"
#include "formats/record.h"

#define FILE_READ_CHUNK ((size_t)1 << 20)
#define FILE_RESCAN_MICROS 500000

typedef struct file_bind {
    const char *source_name;
    const char *path;
    sl_record_format format;
    bool follow;
    sl_on_error on_error;
    const char *dead_letter_table;
    int64_t max_record_bytes;
    bool csv_header;
    char csv_delimiter;
    uint32_t column_count;
    const sl_type *types;
    const char *const *names;
    int32_t event_time_column;
} file_bind;

typedef struct file_split {
    char *path;
    int fd;                       /* -1: not open (yet, or ended) */
    dev_t dev;
    ino_t ino;
    char *buf;                    /* bytes read, not yet consumed: buf[start, end) */
    size_t start, end, cap;
    int64_t offset;               /* byte offset of buf[start] in the file */
    int64_t line;                 /* line number of buf[start] (1-based) */
    bool header_pending;          /* csv.header: the first line is still to skip */
    bool discarding;              /* inside an over-long line: drop up to its newline */
    bool eof;                     /* the last read returned 0 */
    bool ended;                   /* bounded: read to the end */
    int64_t rows;
    int64_t rejected;
} file_split;

typedef struct file_scan {
    const file_bind *bind;
    sl_exec_context *exec;
    sl_record_decoder *decoder;
    sl_reject_policy policy;
    file_split *splits;
    uint32_t split_count, split_cap;
    uint32_t cursor;              /* the split to read next (round robin) */
    uint32_t batch_split;
    int64_t last_scan_micros;
    char what[160];
} file_scan;

static const char *const file_options[] = { "path",     "format",           "follow",
                                            "on_error", "dead_letter_table", "max_record_bytes",
                                            "csv.header", "csv.delimiter",   NULL };

/* ------------------------------------------------------------------ bind */

static sl_status file_bind_spec(sl_arena *arena, const sl_connector_spec *spec, sl_connector_bound *out, sl_error *err)
{
    const char *me = "file";
    SL_TRY(sl_connector_check_options(spec, me, file_options, NULL, err));
    file_bind *b = sl_arena_calloc(arena, sizeof *b);
    if (!b)
        return sl_error_oom(err);
    b->source_name = spec->source_name ? sl_arena_strndup(arena, spec->source_name, strlen(spec->source_name)) : "";
    const sl_connector_option *o = sl_connector_option_find(spec, "path");
    if (!o || !o->value[0])
        return sl_error_set_at(err, SL_ERR_INVALID_ARG, spec->position,
                               "connector 'file' needs the option path = '/path/file.json' or a glob '/dir/*.csv'");
    b->path = sl_arena_strndup(arena, o->value, strlen(o->value));
    b->format = SL_RECORD_JSON;
    if ((o = sl_connector_option_find(spec, "format"))) {
        if (!sl_record_format_parse(o->value, &b->format))
            return sl_connector_option_error(err, o, me, "must be 'json', 'csv', 'raw' or 'debezium-json', got '%s'",
                                             o->value);
        if (b->format == SL_RECORD_AVRO)
            return sl_connector_option_error(err, o, me,
                                             "'avro' is a binary format without line boundaries; files hold "
                                             "'json', 'csv', 'raw' or 'debezium-json' lines");
    }
    b->follow = true;
    SL_TRY(sl_connector_option_bool(spec, me, "follow", &b->follow, err));
    b->on_error = SL_ON_ERROR_FAIL;
    if ((o = sl_connector_option_find(spec, "on_error")) && !sl_on_error_parse(o->value, &b->on_error))
        return sl_connector_option_error(err, o, me, "must be 'fail', 'skip' or 'dead_letter', got '%s'", o->value);
    if ((o = sl_connector_option_find(spec, "dead_letter_table"))) {
        if (!o->value[0])
            return sl_connector_option_error(err, o, me, "expects a table name, got ''");
        if (b->on_error != SL_ON_ERROR_DEAD_LETTER)
            return sl_connector_option_error(err, o, me, "needs on_error = 'dead_letter'");
        b->dead_letter_table = sl_arena_strndup(arena, o->value, strlen(o->value));
    } else if (b->on_error == SL_ON_ERROR_DEAD_LETTER) {
        return sl_error_set_at(err, SL_ERR_INVALID_ARG, spec->position,
                               "connector 'file': on_error = 'dead_letter' needs dead_letter_table = 'name'");
    }
    b->max_record_bytes = 1 << 20;
    SL_TRY(sl_connector_option_int(spec, me, "max_record_bytes", 1, INT64_C(1) << 30, &b->max_record_bytes, err));
    SL_TRY(sl_connector_option_bool(spec, me, "csv.header", &b->csv_header, err));
    b->csv_delimiter = ',';
    if ((o = sl_connector_option_find(spec, "csv.delimiter"))) {
        const char *v = o->value;
        if (strcmp(v, "\\t") == 0 || strcmp(v, "\t") == 0)
            b->csv_delimiter = '\t';
        else if (strlen(v) == 1 && v[0] != '"' && v[0] != '\n' && v[0] != '\r')
            b->csv_delimiter = v[0];
        else
            return sl_connector_option_error(err, o, me, "expects one character, got '%s'", v);
    }
    if (spec->column_count == 0)
        return sl_error_set_at(err, SL_ERR_INVALID_ARG, spec->position,
                               "connector 'file' needs the source's columns: CREATE SOURCE s (name TYPE, ...) WITH (...)");
    sl_type *types = sl_arena_alloc(arena, sizeof(sl_type) * spec->column_count);
    const char **names = sl_arena_alloc(arena, sizeof(char *) * spec->column_count);
    if (!types || !names)
        return sl_error_oom(err);
    b->event_time_column = -1;
    for (uint32_t i = 0; i < spec->column_count; i++) {
        types[i] = spec->columns[i].type;
        names[i] = spec->columns[i].name;
        if (spec->event_time_column && strcasecmp(spec->event_time_column, names[i]) == 0)
            b->event_time_column = (int32_t)i;
    }
    b->column_count = spec->column_count;
    b->types = types;
    b->names = names;
    /* the decoder checks the schema against the format (raw: one VARCHAR, metadata types) */
    sl_record_decoder_config config = { .format = b->format,
                                        .column_count = b->column_count,
                                        .types = types,
                                        .names = names,
                                        .event_time_column = b->event_time_column,
                                        .max_record_bytes = (size_t)b->max_record_bytes,
                                        .csv_delimiter = b->csv_delimiter };
    sl_record_decoder *probe = NULL;
    sl_status st = sl_record_decoder_new(&config, &probe, err);
    sl_record_decoder_free(probe);
    if (st != SL_OK) {
        if (err && err->position < 0)
            err->position = spec->position;
        return st;
    }
    out->column_count = b->column_count;
    out->types = types;
    out->names = names;
    out->bind_data = b;
    /* a changelog runs as a continuous query (whose final result consolidates the
     * changes) even when it ends: batch operators would take retractions for rows */
    out->changelog = b->format == SL_RECORD_DEBEZIUM_JSON;
    out->bounded = !b->follow && !out->changelog;
    return SL_OK;
}

/* ------------------------------------------------------------------ files */

static sl_status add_split(file_scan *s, const char *path, sl_error *err)
{
    if (s->split_count == s->split_cap) {
        uint32_t cap = s->split_cap ? s->split_cap * 2 : 8;
        file_split *n = sl_realloc(s->splits, sizeof *n * cap);
        if (!n)
            return sl_error_oom(err);
        s->splits = n;
        s->split_cap = cap;
    }
    file_split *f = &s->splits[s->split_count];
    memset(f, 0, sizeof *f);
    f->fd = -1;
    f->line = 1;
    f->header_pending = s->bind->csv_header;
    f->path = sl_malloc(strlen(path) + 1);
    if (!f->path)
        return sl_error_oom(err);
    strcpy(f->path, path);
    s->split_count++;
    return SL_OK;
}

/* Adds the files matching the pattern that are not splits yet (in sorted order). */
static sl_status scan_files(file_scan *s, sl_error *err)
{
    glob_t g;
    memset(&g, 0, sizeof g);
    int rc = glob(s->bind->path, 0, NULL, &g);
    if (rc == GLOB_NOSPACE) {
        globfree(&g);
        return sl_error_oom(err);
    }
    sl_status st = SL_OK;
    for (size_t i = 0; rc == 0 && i < g.gl_pathc && st == SL_OK; i++) {
        struct stat sb;
        if (stat(g.gl_pathv[i], &sb) != 0 || !S_ISREG(sb.st_mode))
            continue;
        bool known = false;
        for (uint32_t k = 0; k < s->split_count && !known; k++)
            known = strcmp(s->splits[k].path, g.gl_pathv[i]) == 0;
        if (!known)
            st = add_split(s, g.gl_pathv[i], err);
    }
    globfree(&g);
    s->last_scan_micros = sl_connector_now_micros();
    return st;
}

static sl_status open_split(file_scan *s, file_split *f, sl_error *err)
{
    f->fd = open(f->path, O_RDONLY);
    if (f->fd < 0)
        return sl_error_set(err, SL_ERR_IO, "%s: cannot open file '%s': %s", s->what, f->path, strerror(errno));
    struct stat sb;
    if (fstat(f->fd, &sb) == 0) {
        f->dev = sb.st_dev;
        f->ino = sb.st_ino;
    }
    return SL_OK;
}

/* Starts the split's file over (truncated or replaced): position, line and buffer reset. */
static void restart_split(file_split *f)
{
    f->start = f->end = 0;
    f->offset = 0;
    f->line = 1;
    f->discarding = false;
    f->eof = false;
}

/* Reads more bytes of the split's file into its buffer; *got = bytes read (0 at the
 * current end of the file). */
static sl_status read_more(file_scan *s, file_split *f, size_t *got, sl_error *err)
{
    *got = 0;
    if (f->fd < 0)
        SL_TRY(open_split(s, f, err));
    if (f->start > 0 && (f->start == f->end || f->start > f->cap / 2)) {
        memmove(f->buf, f->buf + f->start, f->end - f->start);
        f->end -= f->start;
        f->start = 0;
    }
    if (f->cap - f->end < FILE_READ_CHUNK) {
        size_t cap = f->cap ? f->cap : FILE_READ_CHUNK;
        while (cap - f->end < FILE_READ_CHUNK)
            cap *= 2;
        char *n = sl_realloc(f->buf, cap);
        if (!n)
            return sl_error_oom(err);
        f->buf = n;
        f->cap = cap;
    }
    for (;;) {
        ssize_t n = read(f->fd, f->buf + f->end, f->cap - f->end);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return sl_error_set(err, SL_ERR_IO, "%s: cannot read '%s': %s", s->what, f->path, strerror(errno));
        f->end += (size_t)n;
        f->eof = n == 0;
        *got = (size_t)n;
        return SL_OK;
    }
}

/* Follow mode, nothing new in the open file: checks for truncation and rotation. */
static sl_status check_rotation(file_scan *s, file_split *f, sl_error *err)
{
    if (f->fd < 0)
        return SL_OK;
    struct stat open_sb, path_sb;
    int64_t read_to = f->offset + (int64_t)(f->end - f->start);
    if (fstat(f->fd, &open_sb) == 0 && (int64_t)open_sb.st_size < read_to) {
        /* truncated in place: read it again from its start */
        if (lseek(f->fd, 0, SEEK_SET) < 0)
            return sl_error_set(err, SL_ERR_IO, "%s: cannot rewind truncated '%s': %s", s->what, f->path,
                                strerror(errno));
        restart_split(f);
        return SL_OK;
    }
    if (stat(f->path, &path_sb) == 0 && (path_sb.st_ino != f->ino || path_sb.st_dev != f->dev)) {
        /* the open file was read to its end (no new bytes): continue with the new one */
        close(f->fd);
        f->fd = -1;
        restart_split(f);
        return open_split(s, f, err);
    }
    return SL_OK;
}

/* ------------------------------------------------------------------ records */

static sl_status reject(file_scan *s, file_split *f, const sl_record_origin *origin, const char *data, size_t length,
                        const sl_error *error, sl_error *err)
{
    int64_t rejected = 0;
    SL_TRY(sl_reject_record(&s->policy, origin, data, length, error, &rejected, err));
    f->rejected += rejected;
    if (s->exec)
        atomic_fetch_add(&s->exec->rows_rejected, rejected);
    return SL_OK;
}

/* Decodes the complete lines in the split's buffer (and, at the end of a bounded file,
 * the last line without a newline) until the decoder is full. */
static sl_status decode_lines(file_scan *s, file_split *f, uint32_t split, sl_error *err)
{
    const file_bind *b = s->bind;
    while (f->start < f->end && !sl_record_decoder_full(s->decoder)) {
        char *line = f->buf + f->start;
        size_t avail = f->end - f->start;
        char *nl = memchr(line, '\n', avail);
        sl_record_origin origin = { .source = b->source_name, .partition = -1, .offset = f->offset, .file = f->path,
                                    .line = f->line, .timestamp_micros = -1, .key = NULL, .key_length = 0 };
        if (!nl) {
            bool last = !b->follow && f->eof;
            if (!last && avail <= (size_t)b->max_record_bytes && !f->discarding)
                return SL_OK;   /* wait for the rest of the line */
            if (f->discarding) {   /* the tail of an over-long line */
                f->offset += (int64_t)avail;
                f->start = f->end;
                if (last)
                    f->discarding = false;
                return SL_OK;
            }
            if (!last) {   /* a line already over the limit: reject it now, drop the rest later */
                sl_error record_error;
                sl_error_clear(&record_error);
                sl_error_set(&record_error, SL_ERR_INVALID_INPUT,
                             "%s file '%s' line %lld: record of more than %lld bytes is over max_record_bytes (%lld)",
                             s->what, f->path, (long long)f->line, (long long)b->max_record_bytes,
                             (long long)b->max_record_bytes);
                SL_TRY(reject(s, f, &origin, line, avail, &record_error, err));
                f->offset += (int64_t)avail;
                f->start = f->end;
                f->discarding = true;
                return SL_OK;
            }
            nl = line + avail;   /* bounded: the last line ends at the end of the file */
        }
        size_t length = (size_t)(nl - line);
        size_t consumed = length + (nl < f->buf + f->end ? 1 : 0);
        if (f->discarding) {
            f->discarding = false;
            f->offset += (int64_t)consumed;
            f->start += consumed;
            f->line++;
            continue;
        }
        if (length > 0 && line[length - 1] == '\r')
            length--;
        bool skip = length == 0;
        if (f->header_pending) {
            f->header_pending = false;
            skip = true;
        }
        if (!skip) {
            uint32_t before = sl_record_decoder_pending(s->decoder);
            sl_error record_error;
            sl_error_clear(&record_error);
            sl_status st = sl_record_decoder_add(s->decoder, line, length, &origin, &record_error);
            if (st == SL_OK)
                f->rows += sl_record_decoder_pending(s->decoder) - before;
            else if (st == SL_ERR_INVALID_INPUT)
                SL_TRY(reject(s, f, &origin, line, length, &record_error, err));
            else {
                if (err)
                    *err = record_error;
                return st;
            }
        }
        f->offset += (int64_t)consumed;
        f->start += consumed;
        f->line++;
    }
    (void)split;
    return SL_OK;
}

/* Reads split `i` until the decoder is full or the file has nothing more now. */
static sl_status read_split(file_scan *s, uint32_t i, sl_error *err)
{
    file_split *f = &s->splits[i];
    for (;;) {
        SL_TRY(decode_lines(s, f, i, err));
        if (sl_record_decoder_full(s->decoder))
            return SL_OK;
        size_t got;
        SL_TRY(read_more(s, f, &got, err));
        if (got == 0) {
            SL_TRY(decode_lines(s, f, i, err));   /* bounded: the last line without newline */
            if (!s->bind->follow && f->start == f->end) {
                f->ended = true;
                close(f->fd);
                f->fd = -1;
                sl_free(f->buf);   /* a glob of many files holds one buffer at a time */
                f->buf = NULL;
                f->start = f->end = f->cap = 0;
            } else if (s->bind->follow && sl_record_decoder_pending(s->decoder) == 0) {
                SL_TRY(check_rotation(s, f, err));
            }
            return SL_OK;
        }
    }
}

/* ------------------------------------------------------------------ scan */

static void file_free(void *state)
{
    file_scan *s = state;
    if (!s)
        return;
    for (uint32_t i = 0; i < s->split_count; i++) {
        if (s->splits[i].fd >= 0)
            close(s->splits[i].fd);
        sl_free(s->splits[i].path);
        sl_free(s->splits[i].buf);
    }
    sl_free(s->splits);
    sl_record_decoder_free(s->decoder);
    sl_free(s);
}

static sl_status file_init(const void *bind_data, sl_exec_context *exec, void **state, sl_error *err)
{
    const file_bind *b = bind_data;
    file_scan *s = sl_calloc(1, sizeof *s);
    if (!s)
        return sl_error_oom(err);
    s->bind = b;
    s->exec = exec;
    snprintf(s->what, sizeof s->what, "source '%s'", b->source_name);
    sl_record_decoder_config config = { .format = b->format,
                                        .column_count = b->column_count,
                                        .types = b->types,
                                        .names = b->names,
                                        .event_time_column = b->event_time_column,
                                        .max_record_bytes = (size_t)b->max_record_bytes,
                                        .csv_delimiter = b->csv_delimiter };
    sl_status st = sl_record_decoder_new(&config, &s->decoder, err);
    s->policy.on_error = b->on_error;
    s->policy.catalog = exec ? exec->catalog : NULL;
    if (st == SL_OK && b->dead_letter_table) {
        if (!s->policy.catalog)
            st = sl_error_set(err, SL_ERR_INTERNAL, "%s: no catalog for the dead-letter table", s->what);
        if (st == SL_OK)
            st = sl_dead_letter_table_create(s->policy.catalog, b->dead_letter_table, err);
        if (st == SL_OK) {
            sl_catalog_lock(s->policy.catalog);
            s->policy.dead_letter_table = sl_catalog_find_table(s->policy.catalog, b->dead_letter_table);
            sl_catalog_unlock(s->policy.catalog);
            if (!s->policy.dead_letter_table)
                st = sl_error_set(err, SL_ERR_CATALOG, "%s: dead_letter_table \"%s\" does not exist", s->what,
                                  b->dead_letter_table);
        }
    }
    if (st == SL_OK)
        st = scan_files(s, err);
    if (st == SL_OK && !b->follow && s->split_count == 0)
        st = sl_error_set(err, SL_ERR_IO, "%s: no file matches '%s'", s->what, b->path);
    for (uint32_t i = 0; i < s->split_count && st == SL_OK; i++)   /* fail early on unreadable files */
        st = open_split(s, &s->splits[i], err);
    if (st != SL_OK) {
        file_free(s);
        return st;
    }
    *state = s;
    return SL_OK;
}

static sl_status file_poll(void *state, sl_exec_context *exec, sl_batch **out, bool *idle, sl_error *err)
{
    file_scan *s = state;
    *out = NULL;
    *idle = false;
    s->exec = exec;
    for (;;) {
        bool any_live = false;
        for (uint32_t k = 0; k < s->split_count; k++) {
            uint32_t i = (s->cursor + k) % s->split_count;
            if (s->splits[i].ended)
                continue;
            any_live = true;
            SL_TRY(read_split(s, i, err));
            if (sl_record_decoder_pending(s->decoder) > 0) {
                SL_TRY(sl_record_decoder_flush(s->decoder, out, err));
                s->batch_split = i;
                /* a full batch: the same file next (it has more); else move on */
                s->cursor = sl_record_decoder_full(s->decoder) ? i : (i + 1) % s->split_count;
                return SL_OK;
            }
        }
        if (!s->bind->follow) {
            if (!any_live)
                return SL_OK;   /* every file read: the end */
            continue;           /* files that held only rejected or blank lines */
        }
        int64_t now = sl_connector_now_micros();
        if (now - s->last_scan_micros >= FILE_RESCAN_MICROS) {
            uint32_t known = s->split_count;
            SL_TRY(scan_files(s, err));
            if (s->split_count > known)
                continue;   /* new files: read them now */
        }
        *idle = true;
        return SL_OK;
    }
}

static sl_status file_next(void *state, sl_exec_context *exec, sl_batch **out, sl_error *err)
{
    for (;;) {
        bool idle = false;
        SL_TRY(file_poll(state, exec, out, &idle, err));
        if (*out || !idle)
            return SL_OK;
        /* a followed file read in a batch context: wait for more, watching for a cancel */
        if (exec && sl_exec_interrupted(exec))
            return sl_error_set(err, SL_ERR_CANCELLED, "query interrupted");
        struct timespec ts = { 0, 20 * 1000000 };
        nanosleep(&ts, NULL);
    }
}

static uint32_t file_split_count(void *state)
{
    file_scan *s = state;
    return s->split_count;
}

static uint32_t file_batch_split(void *state)
{
    file_scan *s = state;
    return s->batch_split;
}

static bool file_split_ended(void *state, uint32_t split)
{
    file_scan *s = state;
    return split < s->split_count && s->splits[split].ended;
}

static void file_split_stats(void *state, uint32_t split, sl_split_stats *out)
{
    file_scan *s = state;
    if (split >= s->split_count)
        return;
    const file_split *f = &s->splits[split];
    out->partition = (int32_t)split;
    out->name = f->path;
    out->offset = f->line;
    out->lag = -1;   /* records not yet read are not counted (only bytes would be known) */
    out->rows = f->rows;
    out->rejected = f->rejected;
}

static const sl_table_function file_scan_function = {
    .name = "file",
    .init = file_init,
    .next = file_next,
    .free = file_free,
    .split_count = file_split_count,
    .batch_split = file_batch_split,
    .split_ended = file_split_ended,
    .split_stats = file_split_stats,
    .poll = file_poll,
};

const sl_connector sl_file_connector = {
    .name = "file",
    .bind = file_bind_spec,
    .scan = &file_scan_function,
};
