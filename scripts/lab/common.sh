# shellcheck shell=bash
# common.sh — pieces shared by the lab's runners (lab.sh, p2p.sh); sourced, not run.
# Expects `die` and the caller's variables named in each function's comment.

# Copies an ELF binary and the shared libraries it loads into the initramfs at $2.
copy_with_libs() {
    local bin=$1 root=$2 lib
    install -D -m 0755 "$bin" "$root$bin"
    for lib in $(ldd "$bin" 2>/dev/null | grep -o '/[^ ]*' | sort -u); do
        [ -e "$root$lib" ] || install -D -m 0755 "$(readlink -f "$lib")" "$root$lib"
    done
}

# Boots the QEMU command line in the array named by $3 for configuration $1 with run
# folder $2 (console.log, the export disk's tar extracted into $2/out), killing it after
# LAB_TIMEOUT s; echoes the guest's lines matching the grep pattern $4; sets RUN_SECONDS.
# Dies, with the console's tail, when QEMU fails or no trace came back.
boot_and_collect() {
    local cfg=$1 run=$2 pattern=$4 t0 rc=0
    local -n cmd=$3
    printf '%q ' "${cmd[@]}" > "$run/qemu-cmdline.txt"
    t0=$(date +%s)
    timeout --foreground -k 10 "$LAB_TIMEOUT" "${cmd[@]}" < /dev/null > "$run/console.log" 2>&1 || rc=$?
    RUN_SECONDS=$(( $(date +%s) - t0 ))
    grep "$pattern" "$run/console.log" | sed 's/^/    /' >&2 || true
    [ "$rc" = 0 ] || { tail -n 40 "$run/console.log" >&2; die "$cfg: qemu exited with $rc after ${RUN_SECONDS}s (console: $run/console.log)"; }
    tar -xf "$run/export.img" -C "$run/out" 2>/dev/null || true
    [ -s "$run/out/trace.txt" ] || { tail -n 40 "$run/console.log" >&2; die "$cfg: no trace came back (console: $run/console.log)"; }
}
