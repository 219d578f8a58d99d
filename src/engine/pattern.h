#ifndef TCPLAB_ENGINE_PATTERN_H
#define TCPLAB_ENGINE_PATTERN_H

#include <stddef.h>
#include <stdint.h>

#define TL_PATTERN_PERIOD 65521u   /* prime */
#define TL_PATTERN_FLOW_STEP 7919u

/* A table of PERIOD + extra pattern bytes; senders send straight from it. free() it. */
uint8_t *tl_pattern_new(size_t extra);
/* Where byte `offset` of flow `flow_id` sits in the table (< PERIOD). */
size_t tl_pattern_pos(uint32_t flow_id, uint64_t offset);
/* 0 if data (len <= extra) matches the flow's bytes at offset; else -1 and *bad_at. */
int tl_pattern_check(const uint8_t *pattern, uint32_t flow_id, uint64_t offset,
		     const uint8_t *data, size_t len, size_t *bad_at);

#endif
