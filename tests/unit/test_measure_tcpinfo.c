/* TCP_INFO on a real loopback TCP connection, TCP_CONGESTION, the limited-by arithmetic on
 * constructed samples, and the JSON form. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "measure/tcpinfo.h"
#include "util/clock.h"
#include "util/err.h"

#define MB (1024 * 1024)

struct conn {
	int client, server;
};

/* A real TCP connection over 127.0.0.1 (port 0: the kernel picks a free one). */
static void conn_open(struct conn *c)
{
	int lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(lfd >= 0);
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = 0 };
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(lfd, 1), 0);
	socklen_t len = sizeof(sa);
	assert_int_equal(getsockname(lfd, (struct sockaddr *)&sa, &len), 0);
	c->client = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(c->client >= 0);
	assert_int_equal(connect(c->client, (struct sockaddr *)&sa, sizeof(sa)), 0);
	c->server = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	assert_true(c->server >= 0);
	close(lfd);
	assert_int_equal(fcntl(c->client, F_SETFL, O_NONBLOCK), 0);
	assert_int_equal(fcntl(c->server, F_SETFL, O_NONBLOCK), 0);
}

/* Client sends total bytes, server reads them all; bounded to 10 s. */
static void conn_transfer(struct conn *c, size_t total)
{
	static char buf[64 * 1024];
	size_t sent = 0, got = 0;
	uint64_t deadline = tl_now_ns() + 10 * TL_NSEC_PER_SEC;
	while (got < total) {
		assert_true(tl_now_ns() < deadline);
		struct pollfd p[2] = { { .fd = c->client, .events = sent < total ? POLLOUT : 0 },
				       { .fd = c->server, .events = POLLIN } };
		assert_true(poll(p, 2, 1000) >= 0);
		if (sent < total && (p[0].revents & POLLOUT)) {
			size_t want = total - sent < sizeof(buf) ? total - sent : sizeof(buf);
			ssize_t n = send(c->client, buf, want, MSG_NOSIGNAL);
			assert_true(n > 0 || errno == EAGAIN);
			if (n > 0)
				sent += (size_t)n;
		}
		if (p[1].revents & POLLIN) {
			ssize_t n = recv(c->server, buf, sizeof(buf), 0);
			assert_true(n > 0 || errno == EAGAIN);
			if (n > 0)
				got += (size_t)n;
		}
	}
}

static void test_loopback_tcpinfo(void **state)
{
	(void)state;
	struct conn c;
	struct tl_err err = { 0 };
	struct tl_tcpinfo a, b, r;
	conn_open(&c);
	assert_int_equal(tl_tcpinfo_read(c.client, &a, &err), 0);
	conn_transfer(&c, MB);

	/* Acks on loopback arrive at once, but give the stack a bounded moment. */
	uint64_t deadline = tl_now_ns() + 2 * TL_NSEC_PER_SEC;
	do {
		assert_int_equal(tl_tcpinfo_read(c.client, &b, &err), 0);
		if (b.bytes_acked >= MB)
			break;
		nanosleep(&(struct timespec){ .tv_nsec = 1000000 }, NULL);
	} while (tl_now_ns() < deadline);

	assert_int_equal(b.state, 1); /* TCP_ESTABLISHED */
	assert_true(b.when_ns > a.when_ns);
	assert_true(b.rtt_us > 0);
	assert_true(b.min_rtt_us > 0 && b.min_rtt_us <= b.rtt_us + b.rttvar_us);
	assert_true(b.snd_mss > 0);
	assert_true(b.snd_cwnd > 0);
	/* The kernel here is far newer than 4.19, so the byte counters are filled. */
	assert_true(b.bytes_acked >= MB);
	assert_true(b.bytes_sent >= MB);
	assert_true(b.delivery_rate > 0);
	assert_true(b.snd_wnd > 0);

	assert_int_equal(tl_tcpinfo_read(c.server, &r, &err), 0);
	assert_true(r.bytes_received >= MB);
	assert_true(r.rcv_space > 0);

	/* Over the transfer the shares are valid fractions. */
	struct tl_limits lim;
	tl_tcpinfo_limits(&a, &b, &lim);
	double total = 0;
	for (int l = 0; l < TL_LIMIT_COUNT; l++) {
		assert_true(lim.share[l] >= 0.0 && lim.share[l] <= 1.0);
		total += lim.share[l];
	}
	/* They add up to 1 unless the jiffy-granular busy clock overshot the wall time. */
	if ((b.busy_us - a.busy_us) * 1000 <= b.when_ns - a.when_ns)
		assert_float_equal(total, 1.0, 1e-9);
	assert_true(lim.share[lim.dominant] >= lim.share[TL_LIMIT_APP]);

	json_t *j = tl_tcpinfo_to_json(&b);
	assert_non_null(j);
	assert_int_equal(json_integer_value(json_object_get(j, "rtt")), b.rtt_us);
	assert_int_equal(json_integer_value(json_object_get(j, "snd_cwnd")), b.snd_cwnd);
	assert_int_equal(json_integer_value(json_object_get(j, "snd_cwnd_bytes")),
			 (json_int_t)b.snd_cwnd * b.snd_mss);
	assert_int_equal(json_integer_value(json_object_get(j, "delivery_rate")),
			 (json_int_t)b.delivery_rate * 8);
	assert_int_equal(json_integer_value(json_object_get(j, "bytes_acked")), b.bytes_acked);
	assert_true(json_is_boolean(json_object_get(j, "delivery_rate_app_limited")));
	/* No SO_MAX_PACING_RATE was set: the kernel's ~0 "unlimited" shows as null. */
	assert_true(json_is_null(json_object_get(j, "max_pacing_rate")));
	json_decref(j);

	close(c.client);
	close(c.server);
}

static void test_not_tcp(void **state)
{
	(void)state;
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	assert_true(fd >= 0);
	struct tl_tcpinfo ti;
	struct tl_err err = { 0 };
	assert_true(tl_tcpinfo_read(fd, &ti, &err) < 0);
	assert_true(strstr(err.msg, "TCP_INFO") != NULL);
	close(fd);
	assert_true(tl_tcpinfo_read(-1, &ti, &err) == -EBADF);
}

static void test_congestion(void **state)
{
	(void)state;
	char avail[512] = "";
	FILE *f = fopen("/proc/sys/net/ipv4/tcp_available_congestion_control", "r");
	if (!f)
		skip();
	assert_non_null(fgets(avail, sizeof(avail), f));
	fclose(f);

	struct conn c;
	conn_open(&c);
	char name[16];
	struct tl_err err = { 0 };
	assert_int_equal(tl_tcp_congestion_get(c.client, name, sizeof(name), &err), 0);
	assert_true(strlen(name) > 0);
	/* The name is one of the space-separated words of the available list. */
	int found = 0;
	for (char *save = NULL, *w = strtok_r(avail, " \n", &save); w;
	     w = strtok_r(NULL, " \n", &save))
		found |= strcmp(w, name) == 0;
	if (!found)
		fail_msg("congestion control \"%s\" is not in the available list", name);

	char tiny[2];
	assert_int_equal(tl_tcp_congestion_get(c.client, tiny, sizeof(tiny), &err), -ERANGE);
	assert_true(strstr(err.msg, name) != NULL);
	close(c.client);
	close(c.server);
}

struct limits_case {
	uint64_t t_ns, busy, rwnd, sndbuf; /* deltas; times in us */
	double app, rwnd_s, sndbuf_s, net;
	enum tl_limit dominant;
};

static void test_limits_arithmetic(void **state)
{
	(void)state;
	static const struct limits_case cases[] = {
		/* busy half the time, nothing else: app and network tie, app (first) wins */
		{ 1000000000, 500000, 0, 0, 0.5, 0, 0, 0.5, TL_LIMIT_APP },
		/* busy 50%, of it 30% of T rwnd-limited: net 0.2 */
		{ 1000000000, 500000, 300000, 0, 0.5, 0.3, 0, 0.2, TL_LIMIT_APP },
		{ 2000000000, 2000000, 1400000, 0, 0, 0.7, 0, 0.3, TL_LIMIT_RWND },
		{ 1000000000, 1000000, 0, 700000, 0, 0, 0.7, 0.3, TL_LIMIT_SNDBUF },
		{ 1000000000, 950000, 100000, 50000, 0.05, 0.1, 0.05, 0.8, TL_LIMIT_NET },
		/* jiffy-granular clocks overshooting T are clamped */
		{ 1000000000, 1200000, 0, 0, 0, 0, 0, 1, TL_LIMIT_NET },
		/* nothing sent: the application did not feed the socket */
		{ 1000000000, 0, 0, 0, 1, 0, 0, 0, TL_LIMIT_APP },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct limits_case *k = &cases[i];
		/* Non-zero starting counters, as on a socket that has run for a while. */
		struct tl_tcpinfo a = { .when_ns = 5000000000ULL, .busy_us = 777000,
					.rwnd_limited_us = 1000, .sndbuf_limited_us = 2000 };
		struct tl_tcpinfo b = a;
		b.when_ns += k->t_ns;
		b.busy_us += k->busy;
		b.rwnd_limited_us += k->rwnd;
		b.sndbuf_limited_us += k->sndbuf;
		struct tl_limits lim;
		tl_tcpinfo_limits(&a, &b, &lim);
		assert_float_equal(lim.share[TL_LIMIT_APP], k->app, 1e-12);
		assert_float_equal(lim.share[TL_LIMIT_RWND], k->rwnd_s, 1e-12);
		assert_float_equal(lim.share[TL_LIMIT_SNDBUF], k->sndbuf_s, 1e-12);
		assert_float_equal(lim.share[TL_LIMIT_NET], k->net, 1e-12);
		assert_int_equal(lim.dominant, k->dominant);
	}

	/* No time between the samples, or reversed samples: all 0, dominant a valid index. */
	struct tl_tcpinfo a = { .when_ns = 100, .busy_us = 50 }, b = a;
	struct tl_limits lim;
	tl_tcpinfo_limits(&a, &b, &lim);
	assert_int_equal(lim.dominant, TL_LIMIT_APP);
	assert_true(lim.share[0] == 0 && lim.share[3] == 0);
	b.when_ns = 10;
	tl_tcpinfo_limits(&a, &b, &lim);
	assert_true(lim.share[0] == 0);
	/* Counters that went back (another socket's sample) count as no progress. */
	b.when_ns = 1000000100;
	b.busy_us = 0;
	tl_tcpinfo_limits(&a, &b, &lim);
	assert_float_equal(lim.share[TL_LIMIT_APP], 1.0, 1e-12);

	assert_string_equal(tl_limit_name(TL_LIMIT_APP), "app");
	assert_string_equal(tl_limit_name(TL_LIMIT_RWND), "rwnd");
	assert_string_equal(tl_limit_name(TL_LIMIT_SNDBUF), "sndbuf");
	assert_string_equal(tl_limit_name(TL_LIMIT_NET), "network");
	assert_string_equal(tl_limit_name(TL_LIMIT_COUNT), "unknown");
}

static void test_json_units(void **state)
{
	(void)state;
	struct tl_tcpinfo ti = { .rtt_us = 250, .snd_cwnd = 10, .snd_mss = 1448,
				 .delivery_rate = 125000000, .pacing_rate = UINT64_MAX,
				 .max_pacing_rate = 1000, .total_retrans = 3,
				 .delivery_rate_app_limited = 1, .bytes_acked = UINT64_MAX };
	json_t *j = tl_tcpinfo_to_json(&ti);
	assert_non_null(j);
	assert_int_equal(json_integer_value(json_object_get(j, "snd_cwnd_bytes")), 14480);
	assert_int_equal(json_integer_value(json_object_get(j, "delivery_rate")), 1000000000);
	assert_true(json_is_null(json_object_get(j, "pacing_rate")));
	assert_int_equal(json_integer_value(json_object_get(j, "max_pacing_rate")), 8000);
	assert_int_equal(json_integer_value(json_object_get(j, "retransmits")), 3);
	assert_true(json_is_true(json_object_get(j, "delivery_rate_app_limited")));
	assert_int_equal(json_integer_value(json_object_get(j, "bytes_acked")), INT64_MAX);
	char *s = json_dumps(j, JSON_COMPACT);
	assert_non_null(s); /* valid JSON text */
	free(s);
	json_decref(j);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_loopback_tcpinfo),
		cmocka_unit_test(test_not_tcp),
		cmocka_unit_test(test_congestion),
		cmocka_unit_test(test_limits_arithmetic),
		cmocka_unit_test(test_json_units),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
