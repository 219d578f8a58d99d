/* The ephemeral-port ceiling: one rule for every command (see port_ceiling.h). */
#include "sys/port_ceiling.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>

#include "sys/sysctl.h"

/* Before Linux 6.14 reuse waited for the next second of the clock: at most 1 s [K6][K15]. */
#define REUSE_DELAY_BEFORE_6_14_MS 1000u

static enum tl_port_reason reason_of(const struct tl_port_facts *f, bool loopback_dest,
				     uint32_t ports)
{
	int reuse = f->tw_reuse < 0 ? 2 : f->tw_reuse; /* unknown: the kernel's default [K12] */
	if (ports == 0)
		return TL_PORT_NO_PORTS;
	if (reuse == 0)
		return TL_PORT_REUSE_OFF;
	if (reuse == 2 && !loopback_dest)
		return TL_PORT_REUSE_LOOPBACK_ONLY;
	if (f->timestamps == 0)
		return TL_PORT_REUSE_NO_TIMESTAMPS;
	return reuse == 1 ? TL_PORT_REUSE_ALL : TL_PORT_REUSE_LOOPBACK;
}

static void explain(const struct tl_port_facts *f, struct tl_port_ceiling *c)
{
	char delay[96];
	if (f->reuse_delay_ms >= 0)
		snprintf(delay, sizeof(delay), "once its TIME_WAIT is older than tcp_tw_reuse_delay "
			 "= %" PRId64 " ms", f->reuse_delay_ms);
	else
		snprintf(delay, sizeof(delay), "within 1 s (this kernel has no tcp_tw_reuse_delay)");
	switch (c->reason) {
	case TL_PORT_NO_PORTS:
		snprintf(c->why, sizeof(c->why), "no usable ephemeral port: the range %u-%u is empty "
			 "or reserved", f->port_lo, f->port_hi);
		break;
	case TL_PORT_REUSE_OFF:
		snprintf(c->why, sizeof(c->why), "tcp_tw_reuse = 0: a closed connection holds its "
			 "port for TIME_WAIT, %u s", TL_TIME_WAIT_LEN_S);
		break;
	case TL_PORT_REUSE_LOOPBACK_ONLY:
		snprintf(c->why, sizeof(c->why), "tcp_tw_reuse = 2 reuses TIME_WAIT ports towards "
			 "loopback only, and this destination is not loopback: %u s of TIME_WAIT",
			 TL_TIME_WAIT_LEN_S);
		break;
	case TL_PORT_REUSE_NO_TIMESTAMPS:
		snprintf(c->why, sizeof(c->why), "tcp_tw_reuse = %d, but reuse needs TCP timestamps "
			 "and tcp_timestamps = 0: %u s of TIME_WAIT", f->tw_reuse < 0 ? 2 : f->tw_reuse,
			 TL_TIME_WAIT_LEN_S);
		break;
	case TL_PORT_REUSE_ALL:
	case TL_PORT_REUSE_LOOPBACK:
		snprintf(c->why, sizeof(c->why), "tcp_tw_reuse = %d%s: connect() takes a TIME_WAIT "
			 "port back %s", c->reason == TL_PORT_REUSE_ALL ? 1 : 2,
			 c->reason == TL_PORT_REUSE_ALL ? " with timestamps" : " and a loopback "
			 "destination", delay);
		break;
	}
}

void tl_port_ceiling(const struct tl_port_facts *f, bool loopback_dest, uint32_t sources,
		     struct tl_port_ceiling *out)
{
	uint32_t range = f->port_hi >= f->port_lo ? f->port_hi - f->port_lo + 1 : 0;
	out->ports = f->reserved < range ? range - f->reserved : 0;
	out->sources = sources ? sources : 1;
	out->reason = reason_of(f, loopback_dest, out->ports);
	out->reuse = out->reason == TL_PORT_REUSE_ALL || out->reason == TL_PORT_REUSE_LOOPBACK;
	uint32_t delay = f->reuse_delay_ms >= 0 ? (uint32_t)f->reuse_delay_ms
						: REUSE_DELAY_BEFORE_6_14_MS;
	/* A delay of 0 still waits for the next millisecond (time_after32 is strict) [K15]. */
	out->hold_ms = out->reuse ? (delay ? delay : 1) : TL_TIME_WAIT_LEN_S * 1000u;
	double tuples = (double)out->ports * out->sources;
	out->per_sec = tuples * 1000.0 / out->hold_ms;
	out->per_sec_floor = (uint64_t)floor(out->per_sec + 1e-9);
	out->no_reuse_per_sec = tuples / TL_TIME_WAIT_LEN_S;
	explain(f, out);
}

int tl_port_facts_read(struct tl_port_facts *f, struct tl_err *err)
{
	struct tl_port_range r;
	char text[1024];
	uint64_t v;
	int ret = tl_port_range_read(&r, err);
	if (ret < 0)
		return ret;
	f->port_lo = r.lo;
	f->port_hi = r.hi;
	f->reserved = 0;
	if (tl_sysctl_read("net.ipv4.ip_local_reserved_ports", text, sizeof(text), NULL) == 0 &&
	    tl_reserved_ports_count(text, &r, &f->reserved, NULL) < 0)
		f->reserved = 0;
	f->tw_reuse = tl_sysctl_read_u64("net.ipv4.tcp_tw_reuse", &v, NULL) == 0 ? (int)v : -1;
	f->timestamps = tl_sysctl_read_u64("net.ipv4.tcp_timestamps", &v, NULL) == 0 ? (int)v : -1;
	f->reuse_delay_ms = tl_sysctl_read_u64("net.ipv4.tcp_tw_reuse_delay", &v, NULL) == 0
				    ? (int64_t)v : -1;
	return 0;
}

double tl_port_exhaust_seconds(uint32_t ports, double rate)
{
	double drain = (double)ports / TL_TIME_WAIT_LEN_S;
	if (rate <= drain)
		return 0;
	return (double)ports / (rate - drain);
}
