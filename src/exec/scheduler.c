/*
 * scheduler.c — sl_scheduler_run: n concurrent task instances on pthreads (see scheduler.h).
 */
#include "exec/scheduler.h"

#include <pthread.h>

#include "common/alloc.h"

typedef struct sl_task_slot {
    sl_task_fn fn;
    void *arg;
    uint32_t index;
    pthread_t thread;
    bool started;
} sl_task_slot;

static void *task_main(void *p)
{
    sl_task_slot *slot = p;
    slot->fn(slot->arg, slot->index);
    return NULL;
}

void sl_scheduler_run(uint32_t n, sl_task_fn fn, void *arg)
{
    if (n == 0)
        return;
    sl_task_slot *slots = n > 1 ? sl_calloc(n, sizeof *slots) : NULL;
    if (slots) {
        for (uint32_t i = 1; i < n; i++) {
            slots[i].fn = fn;
            slots[i].arg = arg;
            slots[i].index = i;
            slots[i].started = pthread_create(&slots[i].thread, NULL, task_main, &slots[i]) == 0;
        }
    }
    fn(arg, 0);
    for (uint32_t i = 1; i < n; i++) {
        if (slots && slots[i].started)
            pthread_join(slots[i].thread, NULL);
        else
            fn(arg, i);   /* no thread (or no slot array): run the instance here */
    }
    sl_free(slots);
}
