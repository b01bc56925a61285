/*
 * test_alloc.c — the counted allocator, fault injection, dynamic arrays, the memory
 * manager and the arena.
 */
#include "check.h"
#include "common/alloc.h"

static void test_counting(void)
{
    int64_t before = sl_alloc_live_bytes();
    char *p = sl_malloc(100);
    CHECK(p != NULL);
    CHECK_EQ_INT(sl_alloc_live_bytes() - before, 100);
    CHECK(((uintptr_t)p & 15) == 0);
    p = sl_realloc(p, 1000);
    CHECK_EQ_INT(sl_alloc_live_bytes() - before, 1000);
    int *z = sl_calloc(10, sizeof(int));
    CHECK(z && z[9] == 0);
    CHECK_EQ_INT(sl_alloc_live_bytes() - before, 1000 + 40);
    sl_free(p);
    sl_free(z);
    sl_free(NULL);
    CHECK_EQ_INT(sl_alloc_live_bytes(), before);
    char *s = sl_strdup("hello");
    CHECK_EQ_STR(s, "hello");
    char *t = sl_strndup("hello world", 5);
    CHECK_EQ_STR(t, "hello");
    char *f = sl_asprintf("%d-%s", 42, "x");
    CHECK_EQ_STR(f, "42-x");
    sl_free(s);
    sl_free(t);
    sl_free(f);
    CHECK_EQ_INT(sl_alloc_live_bytes(), before);
    CHECK(sl_calloc(SIZE_MAX / 2, 4) == NULL);
}

static void test_fault_injection(void)
{
    sl_alloc_fail_after(3);
    void *a = sl_malloc(8), *b = sl_malloc(8), *c = sl_malloc(8), *d = sl_malloc(8);
    CHECK(a && b && !c && d);
    sl_free(a);
    sl_free(b);
    sl_free(d);
    sl_alloc_fail_after(1);
    CHECK(sl_strdup("x") == NULL);
    void *e = sl_malloc(1);
    CHECK(e != NULL);
    sl_free(e);
    sl_alloc_fail_after(0);
}

static void test_array_reserve(void)
{
    sl_error err;
    int *items = NULL;
    size_t cap = 0;
    CHECK_OK(sl_array_reserve((void **)&items, &cap, 5, sizeof(int), &err));
    CHECK(cap >= 5);
    for (int i = 0; i < 5; i++)
        items[i] = i;
    CHECK_OK(sl_array_reserve((void **)&items, &cap, 1000, sizeof(int), &err));
    CHECK(cap >= 1000 && items[4] == 4);
    size_t old_cap = cap;
    int *old = items;
    sl_alloc_fail_after(1);
    CHECK(sl_array_reserve((void **)&items, &cap, 100000, sizeof(int), &err) == SL_ERR_OOM);
    CHECK(err.code == SL_ERR_OOM && items == old && cap == old_cap);
    sl_alloc_fail_after(0);
    sl_free(items);
}

static void test_memory_manager(void)
{
    sl_memory mem;
    sl_memory_init(&mem, 1000);
    CHECK(sl_memory_try_reserve(&mem, 600));
    CHECK(!sl_memory_try_reserve(&mem, 600));
    CHECK(sl_memory_try_reserve(&mem, 400));
    sl_memory_release(&mem, 1000);
    CHECK_EQ_INT(mem.reserved, 0);
    CHECK(sl_memory_default_limit() > 0);
}

static void test_arena(void)
{
    int64_t before = sl_alloc_live_bytes();
    sl_arena arena;
    sl_arena_init(&arena, 1024);
    char *prev = NULL;
    for (int i = 0; i < 1000; i++) {
        char *p = sl_arena_alloc(&arena, 1 + i % 50);
        CHECK(p && ((uintptr_t)p & 15) == 0);
        memset(p, 'x', 1 + i % 50);
        if (prev)
            CHECK(prev[0] == 'x');
        prev = p;
    }
    char *big = sl_arena_alloc(&arena, 100000);
    CHECK(big != NULL);
    memset(big, 0, 100000);
    char *s = sl_arena_strdup(&arena, "arena string");
    CHECK_EQ_STR(s, "arena string");
    char *z = sl_arena_calloc(&arena, 64);
    CHECK(z && z[63] == 0);
    sl_arena_reset(&arena);
    CHECK_EQ_INT(arena.total, 0);
    CHECK(sl_arena_alloc(&arena, 10) != NULL);
    sl_arena_free(&arena);
    CHECK_EQ_INT(sl_alloc_live_bytes(), before);
    sl_arena_init(&arena, 0);
    sl_alloc_fail_after(1);
    CHECK(sl_arena_alloc(&arena, 10) == NULL);
    sl_alloc_fail_after(0);
    sl_arena_free(&arena);
}

static void test_status(void)
{
    sl_error err;
    sl_error_clear(&err);
    CHECK(err.code == SL_OK && err.position == -1 && err.message[0] == 0);
    CHECK(sl_error_set(&err, SL_ERR_IO, "cannot open '%s'", "x.csv") == SL_ERR_IO);
    CHECK_EQ_STR(err.message, "cannot open 'x.csv'");
    CHECK(sl_error_set_at(&err, SL_ERR_SYNTAX, 7, "bad") == SL_ERR_SYNTAX && err.position == 7);
    CHECK(sl_error_set(NULL, SL_ERR_RUNTIME, "ignored") == SL_ERR_RUNTIME);
    CHECK(sl_error_oom(&err) == SL_ERR_OOM);
    CHECK_EQ_STR(sl_status_name(SL_ERR_CATALOG), "Catalog Error");
}

int main(void)
{
    CHECK_RUN(test_counting);
    CHECK_RUN(test_fault_injection);
    CHECK_RUN(test_array_reserve);
    CHECK_RUN(test_memory_manager);
    CHECK_RUN(test_arena);
    CHECK_RUN(test_status);
    return CHECK_EXIT_CODE();
}
