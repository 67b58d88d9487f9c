#!/bin/sh
# Runs workerd for `npm start`: shielded from the terminal's signals, and never outliving npm start.
#
# Shielded: in a session of its own. Ctrl-C in a terminal (and `timeout`, or `kill -- -PGID`)
# signals the whole process group; in it, workerd would die at once and take the events still
# queued in memory with it. npm start drains the queue first, then Miniflare stops workerd with
# SIGKILL, which reaches it directly. `exec` keeps the pid the same throughout (Miniflare's).
#
# Never outliving npm start: in its own session, nothing reaches workerd when npm start dies
# abruptly (SIGKILL of its group, SIGHUP, a crash), so a watchdog in the same new session kills
# workerd as soon as it is no longer the child of the node process that started it.

if [ -z "${PATHMETER_WORKERD_PARENT:-}" ]; then
  # First pass, in node's process group: note node's pid, then run this script again in a new
  # session (same pid: setsid execs directly because this process leads no group).
  PATHMETER_WORKERD_PARENT=$PPID
  export PATHMETER_WORKERD_PARENT
  if command -v setsid >/dev/null 2>&1; then
    exec setsid "$0" "$@"
  elif command -v perl >/dev/null 2>&1; then
    exec perl -MPOSIX -e 'POSIX::setsid(); exec { $ARGV[0] } @ARGV or die "exec: $!"' "$0" "$@"
  fi
  # Neither is there: at least survive Ctrl-C (workerd does not handle SIGINT itself).
  trap '' INT
fi

parent=$PATHMETER_WORKERD_PARENT
unset PATHMETER_WORKERD_PARENT
workerd=$$

# workerd's parent is node until node dies, whatever kills it (a zombie node counts as dead:
# its children are re-parented at once). Polled each second; no fd of Miniflare's is kept open.
(
  while [ "$(ps -o ppid= -p "$workerd" 2>/dev/null | tr -d ' ')" = "$parent" ]; do sleep 1; done
  kill -KILL "$workerd" 2>/dev/null
) </dev/null >/dev/null 2>&1 3>&- &

exec "$PATHMETER_WORKERD_BIN" "$@"
