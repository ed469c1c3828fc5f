#!/bin/busybox sh
# /init of `cargo xtask test`'s linux/virt run (xtask/src/linux_test.rs): every /tests program
# under Debian's Linux, one after another, on the serial console as their terminal.

bb=/bin/busybox

if [ "${1-}" != --on-terminal ]; then
    $bb mkdir -p /proc /tmp
    $bb mount -t proc proc /proc || echo "init: cannot mount /proc"
    # /dev/ttyAMA0; the initramfs itself has only /dev/console, which Linux opened for us.
    $bb mount -t devtmpfs devtmpfs /dev || echo "init: cannot mount devtmpfs on /dev"
    # POSIX shared memory (shm_open) lives in /dev/shm, as on any distribution.
    $bb mkdir -p /dev/shm
    $bb mount -t tmpfs tmpfs /dev/shm || echo "init: cannot mount tmpfs on /dev/shm"
    # The programs' terminal is the serial console, as under this project's kernel. Not through
    # /dev/console, which never becomes a controlling terminal (tcgetpgrp would say ENOTTY): a
    # new session (process 1 leads no group, so setsid needs no fork) takes /dev/ttyAMA0 as its
    # controlling terminal, and this script starts again there.
    exec $bb setsid -c /bin/busybox sh /init --on-terminal \
        </dev/ttyAMA0 >/dev/ttyAMA0 2>&1
fi

# A serial line has no size until someone sets one; this kernel's console says 24 x 80.
$bb stty rows 24 cols 80 || echo "init: cannot set the terminal's size"

# The lines init --test prints, which the xtask reads the same way.
passed=0
total=0
for program in /tests/test-*; do
    [ -f "$program" ] || continue
    total=$((total + 1))
    "$program"
    status=$?
    if [ "$status" -eq 0 ]; then
        passed=$((passed + 1))
    else
        echo "init: $program ended with status $status"
    fi
done
echo "init: $passed of $total test programs passed"
$bb poweroff -f
