/*
 * advise: prints tcplab's socket buffer advice for a destination, the way a program would get
 * it before opening its data connections (see include/tcplab/advise.h).
 *
 *   advise HOST [PORT [FLOWS]]
 *
 * HOST:PORT must run 'tcplab serve'. The values are what to pass to setsockopt() before
 * connect()/listen(); a result remembered by an earlier probe (tcplab probe, stream
 * --autotune, or this program) is reused for 10 minutes.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include <tcplab/advise.h>

static int parse_uint(const char *s, unsigned long max, unsigned long *out)
{
	char *end;
	errno = 0;
	unsigned long v = strtoul(s, &end, 10);
	if (errno || end == s || *end || v > max)
		return -1;
	*out = v;
	return 0;
}

int main(int argc, char **argv)
{
	struct tcplab_advice_opts opts = { 0 };
	struct tcplab_advice a;
	char err[512];
	unsigned long port = 0, flows = 0;

	if (argc < 2 || argc > 4 || (argc > 2 && parse_uint(argv[2], 65535, &port) < 0) ||
	    (argc > 3 && parse_uint(argv[3], 256, &flows) < 0)) {
		fprintf(stderr, "usage: %s HOST [PORT [FLOWS]]   (PORT 1-65535, FLOWS 1-256)\n", argv[0]);
		return 2;
	}
	opts.flows = (uint32_t)flows;
	int rc = tcplab_advise_buffer(argv[1], (uint16_t)port, &opts, &a, err, sizeof(err));
	if (rc < 0) {
		fprintf(stderr, "%s: %s\n", argv[0], err);
		return 3;
	}
	printf("path: %.2f Mbit/s%s, min RTT %.3f ms, BDP %" PRIu64 " bytes, loss %.3f%% (%s)\n",
	       (double)a.rate_bps / 1e6, a.rate_is_lower_bound ? " (lower bound)" : "",
	       (double)a.rtt_min_us / 1e3, a.bdp_bytes, 100.0 * a.loss_ratio,
	       a.from_cache ? "remembered" : "measured now");
	printf("flows: %" PRIu32 "\n", a.flows);
	printf("SO_SNDBUF: %" PRIu64 "\n", a.sndbuf);
	printf("SO_RCVBUF: %" PRIu64 "\n", a.rcvbuf);
	printf("limits allow it: %s (fewest flows with SO_*BUF: %" PRIu32 ")\n",
	       a.limits_allow ? "yes" : "no", a.flows_explicit);
	printf("kernel autotuning enough: %s (fewest flows with autotuning: %" PRIu32 ")\n",
	       a.autotune_enough ? "yes" : "no", a.flows_autotune);
	return 0;
}
