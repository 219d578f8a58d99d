/*
 * The pieces under the link: 5-tuple classification and CE marking of real IPv4/IPv6
 * headers, the seeded generator, the log-linear histogram, the bounded flow table.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include <math.h>

#include "emu/flowtab.h"
#include "emu/lhist.h"
#include "emu/pkt.h"
#include "emu/rng.h"

static uint16_t ip_checksum(const uint8_t *h, size_t len)
{
	uint32_t sum = 0;
	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(h[i] << 8 | h[i + 1]);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* IPv4 + TCP 10.0.0.1:40000 -> 10.0.0.2:5201, the given TOS, a valid header checksum. */
static void make_v4(uint8_t *b, uint8_t tos, uint16_t frag)
{
	static const uint8_t hdr[20] = { 0x45, 0, 0, 60, 0x12, 0x34, 0, 0, 64, 6, 0, 0,
					 10, 0, 0, 1, 10, 0, 0, 2 };
	memset(b, 0, 60);
	memcpy(b, hdr, 20);
	b[1] = tos;
	b[6] = (uint8_t)(frag >> 8);
	b[7] = (uint8_t)frag;
	uint16_t c = ip_checksum(b, 20);
	b[10] = (uint8_t)(c >> 8);
	b[11] = (uint8_t)c;
	b[20] = 40000 >> 8;
	b[21] = 40000 & 0xff;
	b[22] = 5201 >> 8;
	b[23] = 5201 & 0xff;
}

static void test_classify_v4(void **state)
{
	(void)state;
	uint8_t b[60];
	struct tl_pkt p = { .data = b, .data_len = 60 };
	make_v4(b, 0x02 /* ECT(0) */, 0x4000 /* DF */);
	assert_int_equal(tl_pkt_classify(&p, 7), 0);
	assert_int_equal(p.key.family, 4);
	assert_int_equal(p.key.proto, 6);
	assert_int_equal(p.key.sport, 40000);
	assert_int_equal(p.key.dport, 5201);
	assert_memory_equal(p.key.saddr, ((uint8_t[]){ 10, 0, 0, 1 }), 4);
	assert_memory_equal(p.key.daddr, ((uint8_t[]){ 10, 0, 0, 2 }), 4);
	assert_true(p.ecn_capable);
	uint32_t h = p.flow_hash;
	assert_int_equal(h, tl_flow_hash(&p.key, 7));
	assert_int_not_equal(h, tl_flow_hash(&p.key, 8)); /* the seed perturbs */
	/* A later fragment carries no ports; not ECN-capable. */
	make_v4(b, 0, 0x0010);
	assert_int_equal(tl_pkt_classify(&p, 7), 0);
	assert_int_equal(p.key.sport, 0);
	assert_false(p.ecn_capable);
	/* Garbage is refused and gets the zero key. */
	b[0] = 0x12;
	assert_int_equal(tl_pkt_classify(&p, 7), -EINVAL);
	assert_int_equal(p.key.family, 0);
	p.data_len = 10;
	b[0] = 0x45;
	assert_int_equal(tl_pkt_classify(&p, 7), -EINVAL);
}

static void test_classify_v6_with_extension(void **state)
{
	(void)state;
	uint8_t b[64] = { 0 };
	b[0] = 0x60 | 0x0; /* version 6, traffic class high nibble 0 */
	b[1] = 0x10;       /* traffic class low nibble 1: ECT(1) */
	b[6] = 0;          /* hop-by-hop options next */
	b[7] = 64;
	b[8] = 0x20; b[9] = 0x01; b[23] = 1;  /* 2001::1 */
	b[24] = 0x20; b[25] = 0x01; b[39] = 2; /* 2001::2 */
	b[40] = 17; /* then UDP */
	b[41] = 0;  /* 8 bytes of options */
	b[48] = 0x13; b[49] = 0x88; /* 5000 */
	b[50] = 0x00; b[51] = 0x35; /* 53 */
	struct tl_pkt p = { .data = b, .data_len = sizeof(b) };
	assert_int_equal(tl_pkt_classify(&p, 0), 0);
	assert_int_equal(p.key.family, 6);
	assert_int_equal(p.key.proto, 17);
	assert_int_equal(p.key.sport, 5000);
	assert_int_equal(p.key.dport, 53);
	assert_int_equal(p.key.daddr[15], 2);
	assert_true(p.ecn_capable);
	assert_int_equal(tl_pkt_set_ce(b, sizeof(b)), 0);
	assert_int_equal((b[1] >> 4) & 3, 3);
	assert_int_equal(b[0], 0x60); /* nothing else touched */
}

static void test_set_ce_keeps_checksum_valid(void **state)
{
	(void)state;
	uint8_t b[60];
	static const uint8_t tos[] = { 0x01, 0x02, 0xb8 | 0x02, 0xfd };
	for (size_t i = 0; i < sizeof(tos); i++) {
		make_v4(b, tos[i], 0);
		assert_int_equal(tl_pkt_set_ce(b, 60), 0);
		assert_int_equal(b[1] & 3, 3);
		assert_int_equal(b[1] & 0xfc, tos[i] & 0xfc); /* DSCP kept */
		assert_int_equal(ip_checksum(b, 20), 0); /* the header still verifies */
	}
	make_v4(b, 0xb8 /* not ECT */, 0);
	assert_int_equal(tl_pkt_set_ce(b, 60), -EINVAL);
	assert_int_equal(b[1], 0xb8);
}

static void test_rng(void **state)
{
	(void)state;
	/* splitmix64 reference: seed 0 gives 0xe220a8397b1dcdaf first. */
	uint64_t st = 0;
	assert_true(tl_rng_splitmix64(&st) == 0xe220a8397b1dcdafULL);
	struct tl_rng a, b, c;
	tl_rng_seed(&a, 42, 1);
	tl_rng_seed(&b, 42, 1);
	tl_rng_seed(&c, 42, 2);
	unsigned same = 0;
	double sum = 0;
	for (int i = 0; i < 100000; i++) {
		uint64_t x = tl_rng_next(&a);
		assert_true(x == tl_rng_next(&b));
		same += x == tl_rng_next(&c);
		double d = tl_rng_double(&a);
		tl_rng_double(&b);
		assert_true(d >= 0 && d < 1);
		sum += d;
	}
	assert_int_equal(same, 0);
	/* mean of 1e5 uniforms: sd 0.0009 */
	assert_true(fabs(sum / 100000 - 0.5) < 0.005);
}

static void test_lhist(void **state)
{
	(void)state;
	static struct tl_lhist h;
	tl_lhist_reset(&h);
	assert_int_equal(tl_lhist_quantile(&h, 0.5), 0);
	for (uint64_t v = 1; v <= 100000; v++)
		tl_lhist_record(&h, v * 1000); /* 1 us .. 100 ms */
	assert_int_equal(h.count, 100000);
	assert_int_equal(tl_lhist_quantile(&h, 0), 1000);
	assert_int_equal(tl_lhist_quantile(&h, 1), 100000000);
	static const double qs[] = { 0.5, 0.9, 0.99, 0.999 };
	for (size_t i = 0; i < 4; i++) {
		double want = qs[i] * 100000 * 1000;
		double got = (double)tl_lhist_quantile(&h, qs[i]);
		assert_true(fabs(got - want) <= want * 0.004);
	}
	assert_true(fabs(tl_lhist_mean(&h) - 50000.5 * 1000) < 1);
	/* Small values are exact; every bucket is at most 1/128 of its values wide. */
	tl_lhist_reset(&h);
	tl_lhist_record(&h, 5);
	tl_lhist_record(&h, 7);
	tl_lhist_record(&h, 100);
	assert_int_equal(tl_lhist_quantile(&h, 0.5), 7);
	uint64_t st = 3;
	for (int i = 0; i < 100000; i++) {
		uint64_t v = tl_rng_splitmix64(&st) >> (i % 64);
		unsigned idx = tl_lhist_index(v);
		assert_true(idx < TL_LHIST_BUCKETS);
		uint64_t low = tl_lhist_bucket_low(idx);
		assert_true(low <= v);
		if (idx + 1 < TL_LHIST_BUCKETS) {
			uint64_t next = tl_lhist_bucket_low(idx + 1);
			assert_true(v < next);
			assert_true(next - low <= 1 || (double)(next - low) <= (double)low / 128);
		}
	}
}

static void test_flowtab_bounded(void **state)
{
	(void)state;
	struct tl_flowtab t;
	struct tl_err err = { 0 };
	assert_int_equal(tl_flowtab_init(&t, 4, &err), 0);
	assert_int_equal(t.cap, 8); /* 3/4 of 8 = 6 >= 4 */
	struct tl_pkt p = { 0 };
	struct tl_flow_stats *first[6];
	for (unsigned i = 0; i < 6; i++) {
		p.key.sport = (uint16_t)(1000 + i);
		p.flow_hash = tl_flow_hash(&p.key, 0);
		first[i] = tl_flowtab_get(&t, &p);
		assert_true(first[i] != &t.other);
		first[i]->pkts_in++;
	}
	p.key.sport = 2000;
	p.flow_hash = tl_flow_hash(&p.key, 0);
	assert_true(tl_flowtab_get(&t, &p) == &t.other); /* full: counted together */
	for (unsigned i = 0; i < 6; i++) {
		p.key.sport = (uint16_t)(1000 + i);
		p.flow_hash = tl_flow_hash(&p.key, 0);
		assert_true(tl_flowtab_get(&t, &p) == first[i]);
	}
	/* Same hash, different key: a separate entry (full now, so `other`). */
	p.key.sport = 3000;
	p.flow_hash = first[0]->hash;
	assert_true(tl_flowtab_get(&t, &p) != first[0]);
	assert_int_equal(t.used, 6);
	tl_flowtab_free(&t);
	assert_true(tl_flowtab_init(&t, 0, &err) < 0);
	assert_non_null(strstr(err.msg, "give 1 to"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_classify_v4),
		cmocka_unit_test(test_classify_v6_with_extension),
		cmocka_unit_test(test_set_ce_keeps_checksum_valid),
		cmocka_unit_test(test_rng),
		cmocka_unit_test(test_lhist),
		cmocka_unit_test(test_flowtab_bounded),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
