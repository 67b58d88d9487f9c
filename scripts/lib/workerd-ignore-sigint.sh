#!/bin/sh
# Runs workerd with SIGINT ignored. A Ctrl-C in a terminal signals the whole foreground process
# group; without this, workerd would die at once and take the events still queued in memory
# with it. npm start stops workerd itself (SIGKILL from Miniflare) after the queue has drained.
trap '' INT
exec "$PATHMETER_WORKERD_BIN" "$@"
