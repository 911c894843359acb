// libtracecmd (trace.dat reader) and libtraceevent (format files, field access).
// Debian: libtracecmd-dev libtraceevent-dev libtracefs-dev (libtracecmd.pc requires libtracefs).
// No _GNU_SOURCE here: it changes glibc's fd_set (fds_bits vs __fds_bits) and Clang then
// rejects the two definitions when one Swift module imports this and another C module
// (CZlib) that include <sys/select.h>. cpu_set_t (trace-cmd.h) is in <sched.h> without it.
#include <sched.h>
#include <trace-cmd.h>
#include <event-parse.h>
