#include "farm/primes.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* 32-bit division is markedly faster than 64-bit on x86, and the default range fits. */
static int is_prime32(uint32_t n)
{
	if (n < 4)
		return n >= 2;
	if (n % 2 == 0 || n % 3 == 0)
		return 0;
	for (uint32_t d = 5; (uint64_t)d * d <= n; d += 6)
		if (n % d == 0 || n % (d + 2) == 0)
			return 0;
	return 1;
}

static int is_prime64(uint64_t n)
{
	if (n <= UINT32_MAX)
		return is_prime32((uint32_t)n);
	if (n % 2 == 0 || n % 3 == 0)
		return 0;
	/* n <= 10^12, so d < 10^6 + 6 and d * d cannot overflow. */
	for (uint64_t d = 5; d * d <= n; d += 6)
		if (n % d == 0 || n % (d + 2) == 0)
			return 0;
	return 1;
}

uint64_t tl_primes_count_trial(uint64_t lo, uint64_t hi)
{
	uint64_t count = 0;
	for (uint64_t n = lo; n <= hi; n++) {
		count += (uint64_t)is_prime64(n);
		if (n == UINT64_MAX)
			break;
	}
	return count;
}

/* Integer square root: the largest r with r * r <= n. */
static uint64_t isqrt(uint64_t n)
{
	uint64_t r = 0;
	for (uint64_t bit = 1ULL << 62; bit; bit >>= 2) {
		if (n >= r + bit) {
			n -= r + bit;
			r = (r >> 1) + bit;
		} else {
			r >>= 1;
		}
	}
	return r;
}

#define SEGMENT_BYTES (256u * 1024u)

int tl_primes_count_sieve(uint64_t lo, uint64_t hi, uint64_t *out, struct tl_err *err)
{
	int ret = -ENOMEM;
	uint64_t root = isqrt(hi);
	uint8_t *small = calloc(root + 1, 1);   /* 1 = composite, for 0..root */
	uint32_t *base = NULL;                  /* the primes up to root */
	uint8_t *seg = malloc(SEGMENT_BYTES);
	size_t nbase = 0;
	uint64_t count = 0;
	if (!small || !seg)
		goto out;
	for (uint64_t i = 2; i * i <= root; i++)
		if (!small[i])
			for (uint64_t j = i * i; j <= root; j += i)
				small[j] = 1;
	for (uint64_t i = 2; i <= root; i++)
		nbase += !small[i];
	base = malloc((nbase ? nbase : 1) * sizeof(*base));
	if (!base)
		goto out;
	nbase = 0;
	for (uint64_t i = 2; i <= root; i++)
		if (!small[i])
			base[nbase++] = (uint32_t)i;
	if (lo < 2)
		lo = 2;
	for (uint64_t start = lo; start <= hi; start += SEGMENT_BYTES) {
		uint64_t end = hi - start < SEGMENT_BYTES - 1 ? hi : start + SEGMENT_BYTES - 1;
		size_t len = (size_t)(end - start + 1);
		memset(seg, 0, len);
		for (size_t k = 0; k < nbase; k++) {
			uint64_t p = base[k];
			if (p * p > end)
				break;
			/* First multiple of p in the segment that is not p itself. */
			uint64_t m = (start + p - 1) / p * p;
			if (m < p * p)
				m = p * p;
			for (; m <= end; m += p)
				seg[m - start] = 1;
		}
		for (size_t i = 0; i < len; i++)
			count += !seg[i];
		if (end == hi)
			break;
	}
	*out = count;
	ret = 0;
out:
	if (ret < 0)
		tl_err_set(err, ENOMEM, "sieve up to %llu: out of memory", (unsigned long long)hi);
	free(small);
	free(base);
	free(seg);
	return ret;
}
