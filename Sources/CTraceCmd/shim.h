// libtracecmd (trace.dat reader) and libtraceevent (format files, field access).
// Debian: libtracecmd-dev libtraceevent-dev libtracefs-dev (libtracecmd.pc requires libtracefs).
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <sched.h>
#include <trace-cmd.h>
#include <event-parse.h>
