// libtracefs (instances, events, buffer sizes, per-CPU stats) and the recording half of
// libtracecmd (per-CPU recorders, the trace.dat writer). Debian: libtracefs-dev libtracecmd-dev.
// No _GNU_SOURCE here, for the reason given in CTraceCmd/shim.h (glibc's fd_set).
#include <stdbool.h>
#include <sched.h>
#include <tracefs.h>
#include "tracecmd-record.h"
