// The trace.dat writer and the per-CPU recorder of libtracecmd 3.1.6 (libtracecmd1).
//
// libtracecmd exports these functions but its public header (trace-cmd/trace-cmd.h) only
// declares the reading side; the declarations below state, in meaning, what trace-cmd 3.1.6's
// lib/trace-cmd/include/private/trace-cmd-private.h declares, checked against the shared
// library's code: the recorder's fourth argument is a `struct tracefs_instance *` (it is handed
// to tracefs_cpu_open), not a buffer name as in later trace-cmd releases.
#ifndef SGREPLAY_TRACECMD_RECORD_H
#define SGREPLAY_TRACECMD_RECORD_H

#include <stdbool.h>

struct tracefs_instance;
struct tracecmd_output;
struct tracecmd_recorder;
struct tracecmd_option;

/// A list of event globs ("system/event", "system:event" or "system") whose formats go into the file.
struct tracecmd_event_list {
    struct tracecmd_event_list *next;
    const char *glob;
};

// Option ids of the trace.dat options section (stable since trace-cmd 2.x).
enum {
    SGREPLAY_TRACECMD_OPTION_CPUSTAT = 2,
    SGREPLAY_TRACECMD_OPTION_TRACECLOCK = 4,
    SGREPLAY_TRACECMD_OPTION_UNAME = 5,
    SGREPLAY_TRACECMD_OPTION_VERSION = 9,
};

// Writing a trace.dat: create, headers (header page/event, ftrace and event formats,
// kallsyms, printk formats), options, saved cmdlines, then the per-CPU data files.
struct tracecmd_output *tracecmd_output_create(const char *output_file);
int tracecmd_output_set_trace_dir(struct tracecmd_output *handle, const char *tracing_dir);
int tracecmd_output_set_kallsyms(struct tracecmd_output *handle, const char *kallsyms);
int tracecmd_output_set_version(struct tracecmd_output *handle, int file_version);
// "any": the best compression libtracecmd was built with (v7 files only); "none".
int tracecmd_output_set_compression(struct tracecmd_output *handle, const char *compression);
int tracecmd_output_write_headers(struct tracecmd_output *handle, struct tracecmd_event_list *list);
struct tracecmd_option *tracecmd_add_option(struct tracecmd_output *handle, unsigned short id,
                                            int size, const void *data);
int tracecmd_write_cmdlines(struct tracecmd_output *handle);
int tracecmd_append_cpu_data(struct tracecmd_output *handle, int cpus, char * const *cpu_data_files);
void tracecmd_output_close(struct tracecmd_output *handle);
void tracecmd_set_quiet(struct tracecmd_output *handle, bool set_quiet);
int tracecmd_default_file_version(void);

// Recording one CPU's ring buffer (trace_pipe_raw of `instance`, NULL: the top level) into `file`.
// tracecmd_start_recording blocks until tracecmd_stop_recording is called (from another thread),
// then flushes what is left in the buffer and returns.
struct tracecmd_recorder *tracecmd_create_buffer_recorder(const char *file, int cpu, unsigned flags,
                                                          struct tracefs_instance *instance);
int tracecmd_start_recording(struct tracecmd_recorder *recorder, unsigned long sleep);
int tracecmd_stop_recording(struct tracecmd_recorder *recorder);
void tracecmd_free_recorder(struct tracecmd_recorder *recorder);

#endif
