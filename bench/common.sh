# Helpers the benchmark scripts share (sourced, not run): one definition each.

# A TCP port free on loopback now, for a stack of the benchmark's own.
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
# The load average, printed beside each figure ("load 1.52, 0.59, 0.22").
load() { uptime | sed 's/.*load average: /load /'; }
# Wall-clock seconds with nanoseconds, for durations.
now() { date +%s.%N; }
