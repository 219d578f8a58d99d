#include "farm/ceiling.h"

#include "sys/sysctl.h"

void tl_farm_ceiling_compute(const struct tl_farm_ceiling_in *in, struct tl_farm_ceiling *out)
{
	uint32_t range = in->port_hi >= in->port_lo ? in->port_hi - in->port_lo + 1 : 0;
	out->ports = in->reserved < range ? range - in->reserved : 0;
	out->conn_per_s = (double)out->ports / TL_FARM_TIME_WAIT_S;
	out->reuse_applies = in->timestamps > 0 &&
			     (in->tw_reuse == 1 || (in->tw_reuse == 2 && in->dest_loopback));
	uint32_t delay_ms = in->reuse_delay_ms ? in->reuse_delay_ms : 1;
	out->reuse_conn_per_s = out->reuse_applies ? (double)out->ports * 1000.0 / delay_ms
						   : out->conn_per_s;
}

double tl_farm_ceiling_exhaust_s(uint32_t ports, double rate)
{
	double drain = (double)ports / TL_FARM_TIME_WAIT_S;
	if (rate <= drain)
		return 0;
	return (double)ports / (rate - drain);
}

int tl_farm_ceiling_read(struct tl_farm_ceiling_in *in, struct tl_err *err)
{
	struct tl_port_range r;
	char text[1024];
	uint64_t v;
	int ret = tl_port_range_read(&r, err);
	if (ret < 0)
		return ret;
	in->port_lo = r.lo;
	in->port_hi = r.hi;
	in->reserved = 0;
	if (tl_sysctl_read("net.ipv4.ip_local_reserved_ports", text, sizeof(text), NULL) == 0)
		tl_reserved_ports_count(text, &r, &in->reserved, NULL);
	in->tw_reuse = tl_sysctl_read_u64("net.ipv4.tcp_tw_reuse", &v, NULL) == 0 ? (int)v : -1;
	in->timestamps = tl_sysctl_read_u64("net.ipv4.tcp_timestamps", &v, NULL) == 0 ? v != 0 : -1;
	/* Absent before 6.14, where reuse waited for the next second of the clock [K6]. */
	in->reuse_delay_ms = tl_sysctl_read_u64("net.ipv4.tcp_tw_reuse_delay", &v, NULL) == 0
				     ? (uint32_t)v : 1000;
	return 0;
}
