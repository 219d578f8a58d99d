#include "engine/pattern.h"

#include <stdlib.h>
#include <string.h>

#include "engine/engine.h"

/*
 * Byte k of flow f is table[(k + f * TL_PATTERN_FLOW_STEP) % TL_PATTERN_PERIOD]. The period
 * is prime so it is no multiple of any write or read size: a lost, repeated or reordered
 * chunk lands on other bytes and is caught.
 */
static uint8_t pattern_table_byte(uint64_t i)
{
	/* splitmix64 of the index: a fixed, well-mixed sequence needing no state */
	uint64_t z = i + 0x9e3779b97f4a7c15ULL;
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return (uint8_t)(z ^ (z >> 31));
}

uint8_t tl_pattern_byte(uint32_t flow_id, uint64_t offset)
{
	return pattern_table_byte((offset + (uint64_t)flow_id * TL_PATTERN_FLOW_STEP) % TL_PATTERN_PERIOD);
}

uint8_t *tl_pattern_new(size_t extra)
{
	uint8_t *p = malloc(TL_PATTERN_PERIOD + extra);
	if (!p)
		return NULL;
	for (size_t i = 0; i < TL_PATTERN_PERIOD + extra; i++)
		p[i] = pattern_table_byte(i % TL_PATTERN_PERIOD);
	return p;
}

size_t tl_pattern_pos(uint32_t flow_id, uint64_t offset)
{
	return (size_t)((offset + (uint64_t)flow_id * TL_PATTERN_FLOW_STEP) % TL_PATTERN_PERIOD);
}

int tl_pattern_check(const uint8_t *pattern, uint32_t flow_id, uint64_t offset,
		     const uint8_t *data, size_t len, size_t *bad_at)
{
	/* The table holds PERIOD + extra bytes, so any len <= extra starting inside one period is
	 * contiguous; callers never check more than extra bytes at once. */
	size_t pos = tl_pattern_pos(flow_id, offset);
	if (memcmp(pattern + pos, data, len) == 0)
		return 0;
	for (size_t i = 0; i < len; i++)
		if (pattern[pos + i] != data[i]) {
			*bad_at = i;
			break;
		}
	return -1;
}
