#!/bin/sh
# Runs workerd in a session of its own, for `npm start`. Ctrl-C in a terminal (and `timeout`, or
# `kill -- -PGID`) signals the whole process group; in it, workerd would die at once and take the
# events still queued in memory with it. npm start drains the queue first, then Miniflare stops
# workerd with SIGKILL, which reaches it directly. `exec` keeps the pid the same throughout.
if command -v setsid >/dev/null 2>&1; then
  exec setsid "$PATHMETER_WORKERD_BIN" "$@"
elif command -v perl >/dev/null 2>&1; then
  exec perl -MPOSIX -e 'POSIX::setsid(); exec { $ARGV[0] } @ARGV or die "exec: $!"' "$PATHMETER_WORKERD_BIN" "$@"
fi
# Neither is there: at least survive Ctrl-C (workerd does not handle SIGINT itself).
trap '' INT
exec "$PATHMETER_WORKERD_BIN" "$@"
