#!/usr/bin/env bash
# tests/lib/ports.sh — a loopback TCP port the test servers can bind.
#
#   source tests/lib/ports.sh
#   free_port BASE SPAN [SALT]   # a port in [BASE, BASE+SPAN) on stdout, or 1
#
# A port is free when no socket of this machine's network namespace has it
# at either end, in any state: /proc/net/tcp{,6} lists listeners and also
# the local ports of outgoing connections and TIME_WAIT entries, and any of
# those makes a server's bind() fail with "Address already in use" while a
# connect() test still says nobody listens. The search starts at a point
# that depends on this shell's pid, SALT and $RANDOM, so that runs started
# at once, and a caller's retries, try different ports. Callers pick BASE
# below the kernel's ephemeral range (ip_local_port_range, 32768-60999 by
# default), where outgoing connections do not take ports from under them.

free_port() {
  local base=$1 span=$2 salt=${3:-0} p i hex first
  first=$(( ($$ + salt * 7 + RANDOM) % span ))
  for ((i = 0; i < span; i++)); do
    p=$(( base + (first + i) % span ))
    printf -v hex '%04X' "$p"
    # the local or the remote end (the second only costs a port we skip)
    grep -qs ":$hex " /proc/net/tcp /proc/net/tcp6 && continue
    (echo >/dev/tcp/127.0.0.1/$p) 2>/dev/null && continue
    echo "$p"
    return 0
  done
  return 1
}
