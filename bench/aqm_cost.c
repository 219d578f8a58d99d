/*
 * The queue disciplines' own cost per packet, without the forwarder around them: one
 * enqueue and one dequeue per packet on a simulated 1 Gbit/s clock, arrivals at 1.05 x the
 * rate from 16 flows of 4 sender hosts (so the queue fills and every AQM acts), 2 million
 * packets per discipline, best of BENCH_REPS (default 5) runs, in ns of CPU per packet
 * (CLOCK_PROCESS_CPUTIME_ID, so time the process waited for a CPU does not count).
 *
 *   cc -O2 -Isrc -o /tmp/aqm_cost bench/aqm_cost.c build/libtcplab.a -lm -ljansson -lsodium -lsqlite3 -lyaml -lpthread
 *   /tmp/aqm_cost [AQM ...]   (default: taildrop codel pie gsp gsp:adaptive gsp:delay ppv
 *                              ppv:core=pie dualpi2)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "emu/qdisc.h"

#define NPKT 2000000u
#define POOL 4096u

struct pool {
	struct tl_pkt pkts[POOL];
	struct tl_pkt *free[POOL];
	unsigned nfree;
	uint64_t drops;
};

static void on_drop(void *ctx, struct tl_pkt *p, enum tl_drop_cause cause, uint64_t now_ns)
{
	(void)cause;
	(void)now_ns;
	struct pool *pl = ctx;
	pl->free[pl->nfree++] = p;
	pl->drops++;
}

static double cpu_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/* One run: ns of CPU per packet, or a negative value on error. */
static double run(const char *aqm, struct pool *pl, uint64_t *drops)
{
	struct tl_qspec s;
	struct tl_err err = { 0 };
	struct tl_qdisc *q;
	if (tl_qspec_parse("aqm", aqm, &s, &err) < 0 || (s.limit_pkts = 1000, s.limit_bytes = 0,
	    tl_qdisc_create(&s, on_drop, pl, &q, &err) < 0)) {
		fprintf(stderr, "%s: %s\n", aqm, err.msg);
		return -1;
	}
	pl->nfree = 0;
	pl->drops = 0;
	for (unsigned i = 0; i < POOL; i++)
		pl->free[pl->nfree++] = &pl->pkts[i];
	const uint64_t tx = 1514ull * 8; /* ns per packet at 1 Gbit/s */
	const uint64_t gap = tx * 100 / 105;
	uint64_t next_tx = 0;
	double t0 = cpu_ns();
	for (uint64_t i = 0, now = 0; i < NPKT; i++, now += gap) {
		struct tl_pkt *p = pl->free[--pl->nfree];
		memset(p, 0, sizeof(*p));
		p->len = 1514;
		p->flow_hash = (uint32_t)(i % 16) * 2654435761u;
		p->key.sport = (uint16_t)(i % 16);
		p->key.family = 4;
		p->host = (uint8_t)(1 + i % 4);
		tl_qdisc_enqueue(q, p, now);
		while (next_tx <= now) {
			struct tl_pkt *o = tl_qdisc_dequeue(q, next_tx);
			if (o)
				pl->free[pl->nfree++] = o;
			next_tx += tx;
		}
		if (pl->nfree == 0)
			break;
	}
	double ns = (cpu_ns() - t0) / NPKT;
	*drops = pl->drops;
	tl_qdisc_destroy(q, 0);
	return ns;
}

int main(int argc, char **argv)
{
	static const char *const def[] = { "taildrop", "codel", "pie", "gsp", "gsp:adaptive",
					   "gsp:delay", "ppv", "ppv:core=pie", "dualpi2" };
	const char *const *aqms = argc > 1 ? (const char *const *)argv + 1 : def;
	int n = argc > 1 ? argc - 1 : (int)(sizeof(def) / sizeof(def[0]));
	const char *reps_s = getenv("BENCH_REPS");
	int reps = reps_s ? atoi(reps_s) : 5;
	struct pool *pl = calloc(1, sizeof(*pl));
	if (!pl)
		return 1;
	printf("%-14s %10s %10s\n", "AQM", "NS/PKT", "DROPS");
	for (int a = 0; a < n; a++) {
		double best = -1;
		uint64_t drops = 0;
		for (int r = 0; r < reps; r++) {
			double ns = run(aqms[a], pl, &drops);
			if (ns < 0)
				return 1;
			if (best < 0 || ns < best)
				best = ns;
		}
		printf("%-14s %10.1f %10llu\n", aqms[a], best, (unsigned long long)drops);
	}
	free(pl);
	return 0;
}
