/*
 * orchestrate/orch_int.h — shared inside src/orchestrate only: run owners
 * (owner.c) for the engine (exec.c).
 */
#ifndef INGOT_ORCH_INT_H
#define INGOT_ORCH_INT_H

#include "orchestrate/orchestrate.h"

/* Does /proc/<pid>/environ hold INGOT_ATTEMPT_ID=<attempt>? (Is this the
 * attempt's process and not a reused pid?) */
bool orch_proc_has_marker(int pid, int64_t attempt);

#endif
