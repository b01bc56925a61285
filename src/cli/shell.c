/*
 * shell.c — the `sluice` command-line shell.
 *
 *   sluice [-csv|-json|-table|-line] [-c "SQL"] [DATABASE]      (SQL from -c, a script on stdin,
 *                                                               or an interactive session)
 *
 * Interactive sessions use libedit for line editing and history (~/.sluice_history),
 * collect multi-line statements until a ';' ends one, and accept dot commands (.help).
 * Scripts run statement by statement; each statement that returns rows prints them, DDL
 * prints nothing; the first error stops the script with exit status 1. Errors go to
 * stderr with the line, the column and a caret under the SQL.
 *
 * Ctrl-C cancels the running statement (sluice_interrupt); at the prompt it clears the
 * line being typed. A statement that runs for more than two seconds shows a one-line
 * progress bar on stderr (when stderr is a terminal): the fraction of its input scanned,
 * from sluice_query_progress, redrawn by a helper thread and cleared when it ends.
 */
#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <editline/readline.h>

#include "cli/render.h"
#include "sluice.h"
#include "sql/parser.h"

typedef struct shell {
    sluice_database *db;
    sluice_connection *conn;
    sl_output_mode mode;
    bool timer;
    bool interactive;
    bool bail;          /* stop at the first error (scripts and -c) */
    int errors;
} shell;

static sluice_connection *volatile running_connection;

static void on_sigint(int sig)
{
    (void)sig;
    sluice_connection *conn = running_connection;
    if (conn)
        sluice_interrupt(conn);
}

static double seconds_now(void)
{
    struct timeval tv;
    gettimeofday(&tv, NULL);
    return (double)tv.tv_sec + tv.tv_usec / 1e6;
}

/* ------------------------------------------------------------------ progress bar */

#define PROGRESS_DELAY_SECONDS 2
#define PROGRESS_REDRAW_MS 200
#define PROGRESS_WIDTH 40

typedef struct progress_bar {
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    sluice_connection *conn;
    bool stop;                   /* the statement ended (guarded by lock) */
    bool running;                /* a thread was started */
} progress_bar;

static void progress_draw(double fraction)
{
    char bar[PROGRESS_WIDTH + 1];
    int filled = (int)(fraction * PROGRESS_WIDTH + 0.5);
    for (int i = 0; i < PROGRESS_WIDTH; i++)
        bar[i] = i < filled ? '=' : ' ';
    bar[PROGRESS_WIDTH] = '\0';
    fprintf(stderr, "\r%3d%% [%s]", (int)(fraction * 100), bar);
    fflush(stderr);
}

/* Waits PROGRESS_DELAY_SECONDS, then redraws the bar until told to stop; clears it. */
static void *progress_main(void *arg)
{
    progress_bar *p = arg;
    struct timespec at;
    clock_gettime(CLOCK_REALTIME, &at);
    at.tv_sec += PROGRESS_DELAY_SECONDS;
    bool drawn = false;
    pthread_mutex_lock(&p->lock);
    while (!p->stop) {
        if (pthread_cond_timedwait(&p->wake, &p->lock, &at) != ETIMEDOUT)
            continue;
        double fraction = sluice_query_progress(p->conn);
        if (fraction >= 0) {
            progress_draw(fraction);
            drawn = true;
        }
        at.tv_nsec += PROGRESS_REDRAW_MS * 1000000L;
        if (at.tv_nsec >= 1000000000L) {
            at.tv_sec++;
            at.tv_nsec -= 1000000000L;
        }
    }
    if (drawn) {
        fprintf(stderr, "\r\033[K");
        fflush(stderr);
    }
    pthread_mutex_unlock(&p->lock);
    return NULL;
}

/* Starts watching the statement about to run on conn (only when stderr is a terminal). */
static void progress_start(progress_bar *p, sluice_connection *conn)
{
    memset(p, 0, sizeof *p);
    if (!isatty(STDERR_FILENO))
        return;
    p->conn = conn;
    pthread_mutex_init(&p->lock, NULL);
    pthread_cond_init(&p->wake, NULL);
    p->running = pthread_create(&p->thread, NULL, progress_main, p) == 0;
    if (!p->running) {
        pthread_cond_destroy(&p->wake);
        pthread_mutex_destroy(&p->lock);
    }
}

/* The statement ended: clears the bar (if drawn) before anything else is printed. */
static void progress_stop(progress_bar *p)
{
    if (!p->running)
        return;
    pthread_mutex_lock(&p->lock);
    p->stop = true;
    pthread_cond_signal(&p->wake);
    pthread_mutex_unlock(&p->lock);
    pthread_join(p->thread, NULL);
    pthread_cond_destroy(&p->wake);
    pthread_mutex_destroy(&p->lock);
    p->running = false;
}

/* Prints the error of the last call and, when it has a position, the SQL line holding it
 * with a caret under the column. `text` is the script (or statement buffer), `base` the
 * offset in text that the error offset is relative to, `base_line` the line number
 * (1-based) of text's first line. */
static void report_error(shell *sh, const char *text, size_t base, int base_line)
{
    sh->errors++;
    fprintf(stderr, "Error: %s\n", sluice_connection_error(sh->conn));
    int relative = sluice_connection_error_offset(sh->conn);
    size_t length = text ? strlen(text) : 0;
    if (relative < 0 || !text || base + (size_t)relative > length)
        return;
    size_t offset = base + (size_t)relative;
    /* an error at the end of the input points just after the last token */
    size_t rest = offset;
    while (rest < length && isspace((unsigned char)text[rest]))
        rest++;
    if (rest == length)
        while (offset > 0 && isspace((unsigned char)text[offset - 1]))
            offset--;
    int line = base_line;
    const char *line_start = text;
    for (const char *p = text; p < text + offset; p++) {
        if (*p == '\n') {
            line++;
            line_start = p + 1;
        }
    }
    const char *line_end = strchr(line_start, '\n');
    size_t line_len = line_end ? (size_t)(line_end - line_start) : strlen(line_start);
    int column = 1;
    for (const char *p = line_start; p < text + offset; p++)
        if ((*(const unsigned char *)p & 0xC0) != 0x80)
            column++;
    char prefix[64];
    snprintf(prefix, sizeof prefix, "LINE %d:%d: ", line, column);
    fprintf(stderr, "%s%.*s\n", prefix, (int)line_len, line_start);
    for (size_t i = 0; i < strlen(prefix); i++)
        fputc(' ', stderr);
    for (const char *p = line_start; p < text + offset; p++) {
        if (*p == '\t')
            fputc('\t', stderr);
        else if ((*(const unsigned char *)p & 0xC0) != 0x80)
            fputc(' ', stderr);
    }
    fputs("^\n", stderr);
}

static bool is_blank_sql(const char *s)
{
    /* whitespace and comments only */
    while (*s) {
        if (isspace((unsigned char)*s)) {
            s++;
        } else if (s[0] == '-' && s[1] == '-') {
            while (*s && *s != '\n')
                s++;
        } else if (s[0] == '/' && s[1] == '*') {
            const char *end = strstr(s + 2, "*/");
            if (!end)
                return false;
            s = end + 2;
        } else {
            return false;
        }
    }
    return true;
}

/* Runs every statement in sql, printing results. Returns false on the first error. */
/* Runs the statements in sql, printing results; returns false on the first error. With
 * complete_only, stops before a trailing statement that has no ';' yet (multi-line input
 * still being typed or read) and stores in *consumed how much of sql was run. */
static bool run_statements(shell *sh, const char *sql, int base_line, bool complete_only, size_t *consumed)
{
    const char *cursor = sql;
    if (consumed)
        *consumed = 0;
    while (!is_blank_sql(cursor) && (!complete_only || sl_sql_is_complete(cursor))) {
        sluice_result *result = NULL;
        const char *rest = NULL;
        double start = seconds_now();
        running_connection = sh->conn;
        progress_bar progress;
        progress_start(&progress, sh->conn);
        sluice_status st = sluice_query_first(sh->conn, cursor, &rest, &result);
        progress_stop(&progress);
        if (st == SLUICE_OK && result && sluice_result_returns_rows(result)) {
            st = sl_render_result(result, sh->mode, stdout);
            /* Ctrl-C is how a continuous query ends: a clean stop, not an error */
            if (st == SLUICE_ERROR_CANCELLED && sluice_result_is_continuous(result)) {
                fflush(stdout);
                fprintf(stderr, "cancelled\n");
                st = SLUICE_OK;
            }
        }
        running_connection = NULL;
        if (st != SLUICE_OK) {
            report_error(sh, sql, (size_t)(cursor - sql), base_line);
            sluice_result_free(result);
            return false;
        }
        if (result) {
            const char *message = sluice_result_message(result);
            if (message)
                fprintf(stderr, "%s\n", message);
        }
        sluice_result_free(result);
        if (sh->timer)
            printf("Run Time: real %.3f s\n", seconds_now() - start);
        fflush(stdout);
        if (!rest || rest == cursor)
            break;
        cursor = rest;
        if (consumed)
            *consumed = (size_t)(cursor - sql);
    }
    return true;
}

static bool run_sql(shell *sh, const char *sql, int base_line)
{
    return run_statements(sh, sql, base_line, false, NULL);
}

/* Drops the first `consumed` bytes of a statement buffer, advancing *line by the lines
 * they held. */
static size_t keep_rest(char *buffer, size_t length, size_t consumed, int *line)
{
    for (size_t i = 0; i < consumed; i++)
        if (buffer[i] == '\n')
            (*line)++;
    memmove(buffer, buffer + consumed, length - consumed + 1);
    return length - consumed;
}

static void print_help(void)
{
    puts(".help                 show this message\n"
         ".mode MODE            output mode: table, csv, json, line\n"
         ".timer on|off         print the run time of each statement\n"
         ".read FILE            run the statements in FILE\n"
         ".tables               list tables and views\n"
         ".schema [TABLE]       show CREATE TABLE statements\n"
         ".print TEXT           print TEXT\n"
         ".bail on|off          stop at the first error\n"
         ".quit / .exit         leave the shell\n"
         "\n"
         "SQL statements end with ';' and may span several lines.");
}

static bool run_file(shell *sh, const char *path);

/* Runs a query and prints it in a fixed mode (for .tables / .schema). */
static void run_internal(shell *sh, const char *sql, sl_output_mode mode)
{
    sl_output_mode saved = sh->mode;
    sh->mode = mode;
    run_sql(sh, sql, 1);
    sh->mode = saved;
}

static void print_schema(shell *sh, const char *only)
{
    sluice_result *tables = NULL;
    if (sluice_query(sh->conn, "SHOW TABLES", &tables) != SLUICE_OK) {
        report_error(sh, NULL, 0, 1);
        return;
    }
    sluice_chunk *chunk;
    while (sluice_result_fetch(tables, &chunk) == SLUICE_OK && chunk) {
        for (uint64_t r = 0; r < sluice_chunk_row_count(chunk); r++) {
            char name[512];
            sluice_chunk_value_text(chunk, 0, r, name, sizeof name);
            if (only && strcasecmp(only, name) != 0)
                continue;
            char sql[600];
            snprintf(sql, sizeof sql, "DESCRIBE \"%s\"", name);
            sluice_result *desc = NULL;
            if (sluice_query(sh->conn, sql, &desc) != SLUICE_OK) {
                report_error(sh, NULL, 0, 1);
                continue;
            }
            printf("CREATE TABLE %s(", name);
            sluice_chunk *cols;
            bool first = true;
            while (sluice_result_fetch(desc, &cols) == SLUICE_OK && cols) {
                for (uint64_t i = 0; i < sluice_chunk_row_count(cols); i++) {
                    char col[512], type[128];
                    sluice_chunk_value_text(cols, 0, i, col, sizeof col);
                    sluice_chunk_value_text(cols, 1, i, type, sizeof type);
                    printf("%s%s %s", first ? "" : ", ", col, type);
                    first = false;
                }
                sluice_chunk_free(cols);
            }
            printf(");\n");
            sluice_result_free(desc);
        }
        sluice_chunk_free(chunk);
    }
    sluice_result_free(tables);
}

/* Handles a dot command line. Returns false to quit the shell. */
static bool run_dot_command(shell *sh, char *line, bool *ok)
{
    *ok = true;
    char *args[4] = { 0 };
    int argc = 0;
    char *p = line + 1;
    char *command = strsep(&p, " \t");
    while (p && *p && argc < 4) {
        while (*p == ' ' || *p == '\t')
            p++;
        if (!*p)
            break;
        if (*p == '\'' || *p == '"') {
            char q = *p++;
            args[argc++] = p;
            char *end = strchr(p, q);
            if (end) {
                *end = 0;
                p = end + 1;
            } else {
                p += strlen(p);
            }
        } else {
            args[argc++] = strsep(&p, " \t");
        }
    }
    if (!strcmp(command, "quit") || !strcmp(command, "exit") || !strcmp(command, "q")) {
        return false;
    } else if (!strcmp(command, "help")) {
        print_help();
    } else if (!strcmp(command, "mode")) {
        if (argc < 1 || !sl_output_mode_parse(args[0], &sh->mode)) {
            fprintf(stderr, "Error: .mode takes one of: table, csv, json, line\n");
            *ok = false;
        }
    } else if (!strcmp(command, "timer")) {
        sh->timer = argc > 0 && (!strcasecmp(args[0], "on") || !strcmp(args[0], "1"));
    } else if (!strcmp(command, "bail")) {
        sh->bail = argc > 0 && (!strcasecmp(args[0], "on") || !strcmp(args[0], "1"));
    } else if (!strcmp(command, "read")) {
        if (argc < 1) {
            fprintf(stderr, "Error: .read takes a file name\n");
            *ok = false;
        } else {
            *ok = run_file(sh, args[0]);
        }
    } else if (!strcmp(command, "tables")) {
        run_internal(sh, "SHOW TABLES", sh->mode == SL_OUTPUT_TABLE ? SL_OUTPUT_TABLE : sh->mode);
    } else if (!strcmp(command, "schema")) {
        print_schema(sh, argc > 0 ? args[0] : NULL);
    } else if (!strcmp(command, "print")) {
        for (int i = 0; i < argc; i++)
            printf("%s%s", i ? " " : "", args[i]);
        printf("\n");
    } else {
        fprintf(stderr, "Error: unknown command \".%s\"; .help lists the commands\n", command);
        *ok = false;
    }
    fflush(stdout);
    return true;
}

/* Runs a whole script: dot commands on their own lines (outside a statement) and SQL.
 * Returns false after the first error when bailing. */
/* A script being run line by line (a file, -c, or stdin as it arrives): statements run
 * as soon as their last line is in, so `producer | sluice` works on an endless stream. */
typedef struct script_state {
    char *statement;             /* lines of the statement being read, each ending in '\n' */
    size_t stmt_len, stmt_cap;
    int stmt_line, line_no;
    bool ok;
    bool quit;                   /* .quit / .exit was read, or an error stopped a -bail script */
} script_state;

static void script_begin(script_state *st)
{
    memset(st, 0, sizeof *st);
    st->stmt_line = 1;
    st->ok = true;
}

/* Feeds one line (without its newline). */
static void script_line(shell *sh, script_state *st, const char *p, size_t n)
{
    if (st->quit)
        return;
    st->line_no++;
    if (st->stmt_len + n + 2 > st->stmt_cap) {
        size_t cap = st->stmt_cap ? st->stmt_cap : 4096;
        while (cap < st->stmt_len + n + 2)
            cap *= 2;
        char *grown = realloc(st->statement, cap);
        if (!grown) {
            fprintf(stderr, "Error: out of memory reading the script\n");
            st->ok = false;
            st->quit = true;
            return;
        }
        st->statement = grown;
        st->stmt_cap = cap;
    }
    char *statement = st->statement;
    statement[st->stmt_len] = 0;
    if (is_blank_sql(statement) && p[0] == '.') {
        char *line = strndup(p, n);
        bool dot_ok;
        bool go_on = run_dot_command(sh, line, &dot_ok);
        free(line);
        st->stmt_len = 0;
        if (!go_on) {
            st->quit = true;
            return;
        }
        if (!dot_ok) {
            sh->errors++;
            st->ok = false;
            if (sh->bail)
                st->quit = true;
        }
        return;
    }
    if (is_blank_sql(statement)) {
        st->stmt_len = 0;
        st->stmt_line = st->line_no;
    }
    memcpy(statement + st->stmt_len, p, n);
    st->stmt_len += n;
    statement[st->stmt_len++] = '\n';
    statement[st->stmt_len] = 0;
    if (!sl_sql_is_complete(statement))
        return;
    size_t consumed;
    if (!run_statements(sh, statement, st->stmt_line, true, &consumed)) {
        st->ok = false;
        st->stmt_len = 0;
        st->stmt_line = st->line_no + 1;
        if (sh->bail)
            st->quit = true;
    } else {
        st->stmt_len = keep_rest(statement, st->stmt_len, consumed, &st->stmt_line);
        if (is_blank_sql(statement)) {
            st->stmt_len = 0;
            st->stmt_line = st->line_no + 1;
        }
    }
}

/* Runs what is left (a last statement without ';'); returns whether all went well. */
static bool script_end(shell *sh, script_state *st)
{
    if (st->statement) {
        st->statement[st->stmt_len] = 0;
        if ((st->ok || !sh->bail) && !st->quit && !is_blank_sql(st->statement)) {
            if (!run_sql(sh, st->statement, st->stmt_line))
                st->ok = false;
        }
    }
    free(st->statement);
    st->statement = NULL;
    return st->ok;
}

static bool run_script(shell *sh, const char *text, bool *quit)
{
    script_state st;
    script_begin(&st);
    const char *p = text;
    while (*p && !st.quit) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        script_line(sh, &st, p, n);
        p = nl ? nl + 1 : p + n;
    }
    bool quit_read = st.quit && (st.ok || !sh->bail);
    bool ok = script_end(sh, &st);
    *quit = quit_read;
    return ok;
}

/* Runs statements from a stream as they arrive (stdin that is not a terminal). */
static bool run_stream(shell *sh, FILE *in)
{
    script_state st;
    script_begin(&st);
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    while (!st.quit && (n = getline(&line, &cap, in)) >= 0) {
        if (n > 0 && line[n - 1] == '\n')
            n--;
        script_line(sh, &st, line, (size_t)n);
    }
    free(line);
    return script_end(sh, &st);
}

static char *slurp(FILE *f)
{
    size_t cap = 1 << 16, len = 0;
    char *buf = malloc(cap);
    size_t n;
    while (buf && (n = fread(buf + len, 1, cap - len - 1, f)) > 0) {
        len += n;
        if (len + 1 == cap) {
            char *grown = realloc(buf, cap * 2);
            if (!grown) {
                free(buf);
                return NULL;
            }
            buf = grown;
            cap *= 2;
        }
    }
    if (buf)
        buf[len] = 0;
    return buf;
}

static bool run_file(shell *sh, const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "Error: cannot open \"%s\": %s\n", path, strerror(errno));
        return false;
    }
    char *text = slurp(f);
    fclose(f);
    if (!text)
        return false;
    bool quit;
    bool ok = run_script(sh, text, &quit);
    free(text);
    return ok;
}

static void interactive_loop(shell *sh)
{
    char history_path[4096] = "";
    const char *home = getenv("HOME");
    if (home) {
        snprintf(history_path, sizeof history_path, "%s/.sluice_history", home);
        read_history(history_path);
    }
    printf("Sluice %s — a streaming-first SQL engine. Enter \".help\" for usage hints.\n", sluice_version());
    size_t cap = 4096, len = 0;
    char *buffer = malloc(cap);
    buffer[0] = 0;
    for (;;) {
        char *line = readline(len == 0 ? "sluice> " : "   ...> ");
        if (!line) {
            printf("\n");
            break;
        }
        if (len == 0 && line[0] == '.') {
            add_history(line);
            bool ok;
            bool go_on = run_dot_command(sh, line, &ok);
            free(line);
            if (!go_on)
                break;
            continue;
        }
        size_t n = strlen(line);
        if (len + n + 2 > cap) {
            cap = (len + n + 2) * 2;
            buffer = realloc(buffer, cap);
        }
        memcpy(buffer + len, line, n);
        len += n;
        buffer[len++] = '\n';
        buffer[len] = 0;
        free(line);
        if (is_blank_sql(buffer)) {
            len = 0;
            buffer[0] = 0;
            continue;
        }
        if (sl_sql_is_complete(buffer)) {
            char *entry = strdup(buffer);
            if (entry) {
                size_t l = strlen(entry);
                while (l > 0 && entry[l - 1] == '\n')
                    entry[--l] = 0;
                add_history(entry);
                free(entry);
            }
            size_t consumed;
            int line = 1;
            if (run_statements(sh, buffer, 1, true, &consumed)) {
                len = keep_rest(buffer, len, consumed, &line);
                if (is_blank_sql(buffer)) {
                    len = 0;
                    buffer[0] = 0;
                }
            } else {
                len = 0;
                buffer[0] = 0;
            }
        }
    }
    free(buffer);
    if (history_path[0])
        write_history(history_path);
}

static void usage(FILE *out)
{
    fprintf(out,
            "usage: sluice [OPTIONS] [DATABASE]\n"
            "  -c SQL         run SQL and exit\n"
            "  -csv -json -table -line   output mode (default: table)\n"
            "  -bail          stop at the first error (default for scripts and -c)\n"
            "  -changelog     continuous queries with an updating result print their changelog\n"
            "                 (an op column: +I, -U, +U, -D) instead of the final table\n"
            "  -version       print the version and exit\n"
            "  -help          this message\n"
            "With no -c and stdin not a terminal, the statements on stdin run as a script.\n");
}

int main(int argc, char **argv)
{
    shell sh = { .mode = SL_OUTPUT_TABLE, .bail = true };
    const char *command = NULL;
    const char *path = NULL;
    bool changelog = false;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (a[0] == '-' && a[1] == '-')
            a++;
        if (!strcmp(a, "-c") && i + 1 < argc) {
            command = argv[++i];
        } else if (!strcmp(a, "-csv") || !strcmp(a, "-json") || !strcmp(a, "-table") || !strcmp(a, "-line") ||
                   !strcmp(a, "-box")) {
            sl_output_mode_parse(a + 1, &sh.mode);
        } else if (!strcmp(a, "-bail")) {
            sh.bail = true;
        } else if (!strcmp(a, "-changelog")) {
            changelog = true;
        } else if (!strcmp(a, "-version")) {
            printf("%s\n", sluice_version());
            return 0;
        } else if (!strcmp(a, "-help") || !strcmp(a, "-h")) {
            usage(stdout);
            return 0;
        } else if (a[0] == '-') {
            fprintf(stderr, "Error: unknown option %s\n", argv[i]);
            usage(stderr);
            return 2;
        } else if (!path) {
            path = a;
        } else {
            fprintf(stderr, "Error: more than one database given (%s and %s)\n", path, a);
            return 2;
        }
    }

    char *open_error = NULL;
    if (sluice_open(path, &sh.db, &open_error) != SLUICE_OK) {
        fprintf(stderr, "Error: %s\n", open_error ? open_error : "cannot open the database");
        sluice_free(open_error);
        return 1;
    }
    if (sluice_connect(sh.db, &sh.conn) != SLUICE_OK) {
        fprintf(stderr, "Error: cannot connect to the database\n");
        sluice_close(sh.db);
        return 1;
    }
    if (changelog && sluice_query(sh.conn, "SET emit_changes = true", NULL) != SLUICE_OK) {
        fprintf(stderr, "Error: %s\n", sluice_connection_error(sh.conn));
        return 1;
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_sigint;
    sigaction(SIGINT, &sa, NULL);

    int status = 0;
    if (command) {
        bool quit;
        status = run_script(&sh, command, &quit) ? 0 : 1;
    } else if (isatty(STDIN_FILENO)) {
        sh.interactive = true;
        sh.bail = false;
        interactive_loop(&sh);
    } else {
        status = run_stream(&sh, stdin) ? 0 : 1;
    }
    sluice_disconnect(sh.conn);
    sluice_close(sh.db);
    return status;
}
