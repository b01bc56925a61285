/*
 * scheduler.h — runs the instances of a parallel pipeline on worker threads (internal to exec/).
 *
 * The simplest correct pool: for each parallel pipeline the driver asks for n instances;
 * instance 0 runs on the calling thread and instances 1..n-1 on threads created for the
 * call and joined before it returns. A thread that cannot be created is not an error: its
 * instance runs on the calling thread after instance 0 (it then finds no morsels left, since
 * instances claim morsels from a shared counter, and only delivers its END).
 */
#ifndef SL_EXEC_SCHEDULER_H
#define SL_EXEC_SCHEDULER_H

#include <stdint.h>

typedef void (*sl_task_fn)(void *arg, uint32_t index);

/* Runs fn(arg, i) once for every i in [0, n) concurrently and returns when all have
 * returned. fn must not fail silently: it records its own errors in arg. */
void sl_scheduler_run(uint32_t n, sl_task_fn fn, void *arg);

#endif
