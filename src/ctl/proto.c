#include "ctl/proto.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl/frame.h"
#include "util/clock.h"

static const struct {
	const char *name;
	uint32_t max_len;
} msg_table[TL_MSG_TYPE_COUNT] = {
	[TL_MSG_HELLO] = { "HELLO", 4096 },
	[TL_MSG_WELCOME] = { "WELCOME", 4096 },
	/* A spec with all 16 flow groups and their options measured 2.5 KB. */
	[TL_MSG_TEST] = { "TEST", 8 * 1024 },
	[TL_MSG_ACCEPT] = { "ACCEPT", 4096 },
	[TL_MSG_READY] = { "READY", 4096 },
	[TL_MSG_START] = { "START", 4096 },
	/* Per-flow arrays: the absolute ceiling; a client takes at most tl_msg_interval_max
	 * for its test's connection count. */
	[TL_MSG_INTERVAL] = { "INTERVAL", 16u << 20 },
	[TL_MSG_DONE] = { "DONE", 4096 },
	/* The absolute ceiling; a client takes at most tl_msg_results_max for its test. */
	[TL_MSG_RESULTS] = { "RESULTS", 64u << 20 },
	[TL_MSG_ERROR] = { "ERROR", 8192 },
	[TL_MSG_AUTH] = { "AUTH", 4096 },
	/* A set with every link option, each a long AQM spec, is under 2 KB. */
	[TL_MSG_ROUTER] = { "ROUTER", 8 * 1024 },
	/* What the router's control socket may answer (a status of 100000 flows a direction,
	 * testbed/ctl.c), and the longest series window (ctl/router_req.h). */
	[TL_MSG_ROUTER_ANSWER] = { "ROUTER_ANSWER", 64u << 20 },
};

#define TL_MSG_LARGEST (64u << 20)

const char *tl_msg_name(uint16_t type)
{
	if (type == 0 || type >= TL_MSG_TYPE_COUNT)
		return "UNKNOWN";
	return msg_table[type].name;
}

uint32_t tl_msg_max_len(uint16_t type)
{
	if (type == 0 || type >= TL_MSG_TYPE_COUNT)
		return 0;
	return msg_table[type].max_len;
}

/*
 * Measured on loopback (agent_peer.py proxy recording frame sizes), 200 flows: stream RESULTS
 * 49.8 KB (249 B a connection), bidir 238 KB over 400 connections (596 B), rr 49.6 KB plus a
 * 1 KB histogram; reverse 189 KB (944 B a flow: TCP_INFO of a sender); INTERVAL 2.9 KB to
 * 6.1 KB (15 B a connection). The bounds allow about 3x
 * (results) and 16x (intervals) of that, plus a fixed part for the rest of the message.
 */
uint32_t tl_msg_results_max(uint32_t connections)
{
	uint64_t n = 64 * 1024 + (uint64_t)connections * 3072;
	return n < tl_msg_max_len(TL_MSG_RESULTS) ? (uint32_t)n : tl_msg_max_len(TL_MSG_RESULTS);
}

uint32_t tl_msg_interval_max(uint32_t connections)
{
	uint64_t n = 16 * 1024 + (uint64_t)connections * 256;
	return n < tl_msg_max_len(TL_MSG_INTERVAL) ? (uint32_t)n : tl_msg_max_len(TL_MSG_INTERVAL);
}

int tl_msg_send(int fd, uint16_t type, const json_t *body, uint64_t deadline_ns,
		struct tl_err *err)
{
	char *text = json_dumps(body, JSON_COMPACT);
	if (!text)
		return tl_err_set(err, ENOMEM, "encode %s message", tl_msg_name(type));
	size_t len = strlen(text);
	int rc;
	if (len > tl_msg_max_len(type))
		rc = tl_err_set(err, EMSGSIZE, "%s message of %zu bytes exceeds its limit of %u bytes",
				tl_msg_name(type), len, tl_msg_max_len(type));
	else
		rc = tl_frame_write(fd, type, text, (uint32_t)len, deadline_ns, err);
	free(text);
	return rc;
}

void tl_msg_send_error(int fd, const char *msg)
{
	json_t *b = json_pack("{s:s}", "error", msg);
	if (b) {
		tl_msg_send(fd, TL_MSG_ERROR, b, tl_now_ns() + 500 * TL_NSEC_PER_MSEC, NULL);
		json_decref(b);
	}
}

void tl_msg_send_error_now(int fd, const char *msg)
{
	json_t *b = json_pack("{s:s}", "error", msg);
	if (b) {
		tl_msg_send(fd, TL_MSG_ERROR, b, tl_now_ns(), NULL);
		json_decref(b);
	}
}

int tl_msg_parse(uint16_t type, const char *payload, uint32_t len, json_t **body,
		 struct tl_err *err)
{
	json_error_t jerr;
	*body = NULL;
	if (type == 0 || type >= TL_MSG_TYPE_COUNT)
		return tl_err_set(err, EPROTO, "control message of unknown type %u", type);
	if (len > tl_msg_max_len(type))
		return tl_err_set(err, EMSGSIZE, "%s message of %u bytes exceeds its limit of %u bytes",
				  tl_msg_name(type), len, tl_msg_max_len(type));
	json_t *j = json_loadb(payload, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!j)
		return tl_err_set(err, EPROTO, "%s message is not valid JSON: %s at byte %d",
				  tl_msg_name(type), jerr.text, jerr.position);
	if (!json_is_object(j)) {
		json_decref(j);
		return tl_err_set(err, EPROTO, "%s message is not a JSON object", tl_msg_name(type));
	}
	*body = j;
	return 0;
}

/* "HELLO" or "DONE or ERROR": the types a mask accepts, for error messages. */
static void mask_names(uint32_t mask, char *out, size_t size)
{
	size_t used = 0;
	out[0] = '\0';
	for (uint16_t t = 1; t < TL_MSG_TYPE_COUNT && used < size; t++)
		if (mask & TL_MSG_BIT(t))
			used += (size_t)snprintf(out + used, size - used, "%s%s", used ? " or " : "",
						 tl_msg_name(t));
}

int tl_msg_recv_any(int fd, uint32_t mask, uint32_t max_len, uint16_t *type, json_t **body,
		    uint64_t deadline_ns, struct tl_err *err)
{
	struct tl_frame_hdr hdr;
	char *payload = NULL;
	json_t *j = NULL;
	char names[96];
	/* Never leave the caller's previous pointer in place: a caller that frees *body after a
	 * failed receive must free nothing (a stale pointer was once freed twice). */
	*body = NULL;
	int rc = tl_frame_read_hdr(fd, TL_MSG_LARGEST, &hdr, deadline_ns, err);
	if (rc < 0)
		return rc;
	/* Judge the header before taking the payload: an unknown type, a type this state does
	 * not expect, or a size over the limit costs the peer its connection, not our memory. */
	if (hdr.type == 0 || hdr.type >= TL_MSG_TYPE_COUNT)
		return tl_err_set(err, EPROTO, "control message of unknown type %u", hdr.type);
	if (!(mask & TL_MSG_BIT(hdr.type)) && hdr.type != TL_MSG_ERROR) {
		mask_names(mask & ~TL_MSG_BIT(TL_MSG_ERROR), names, sizeof(names));
		if (!names[0])
			return tl_err_set(err, EPROTO, "unexpected %s message (none is expected now)",
					  tl_msg_name(hdr.type));
		return tl_err_set(err, EPROTO, "expected a%s %s message, got %s",
				  strchr("AEIOU", names[0]) ? "n" : "", names, tl_msg_name(hdr.type));
	}
	uint32_t limit = tl_msg_max_len(hdr.type);
	if (max_len && max_len < limit && hdr.type != TL_MSG_ERROR)
		limit = max_len;
	if (hdr.len > limit)
		return tl_err_set(err, EMSGSIZE, "%s message of %u bytes exceeds its limit of %u bytes",
				  tl_msg_name(hdr.type), hdr.len, limit);
	rc = tl_frame_read_payload(fd, &hdr, &payload, deadline_ns, err);
	if (rc < 0)
		return rc;
	rc = tl_msg_parse(hdr.type, payload, hdr.len, &j, err);
	free(payload);
	if (rc < 0)
		return rc;
	if (hdr.type == TL_MSG_ERROR && !(mask & TL_MSG_BIT(TL_MSG_ERROR))) {
		const char *text = "(no text)";
		char peer[96];
		tl_json_get_str(j, "error", 4096, 0, &text, NULL);
		rc = tl_err_set(err, ECONNABORTED, "%s: %s", tl_frame_peer(fd, peer, sizeof(peer)), text);
		json_decref(j);
		return rc;
	}
	if (type)
		*type = hdr.type;
	*body = j;
	return 0;
}

int tl_msg_recv(int fd, uint16_t want, uint16_t *type, json_t **body, uint64_t deadline_ns,
		struct tl_err *err)
{
	uint32_t mask = want ? TL_MSG_BIT(want) : TL_MSG_ANY;
	return tl_msg_recv_any(fd, mask, 0, type, body, deadline_ns, err);
}

int tl_json_get_u64(const json_t *obj, const char *key, uint64_t min, uint64_t max, int required,
		    uint64_t *out, struct tl_err *err)
{
	const json_t *v = json_object_get(obj, key);
	if (!v) {
		if (required)
			return tl_err_set(err, EPROTO, "field \"%s\" is missing", key);
		return 0;
	}
	if (!json_is_integer(v) || json_integer_value(v) < 0)
		return tl_err_set(err, EPROTO, "field \"%s\" must be a non-negative integer", key);
	uint64_t x = (uint64_t)json_integer_value(v);
	if (x < min || x > max)
		return tl_err_set(err, ERANGE, "field \"%s\" = %llu is out of range (%llu to %llu)", key,
				  (unsigned long long)x, (unsigned long long)min,
				  (unsigned long long)max);
	*out = x;
	return 0;
}

int tl_json_get_str(const json_t *obj, const char *key, size_t max_len, int required,
		    const char **out, struct tl_err *err)
{
	const json_t *v = json_object_get(obj, key);
	if (!v) {
		if (required)
			return tl_err_set(err, EPROTO, "field \"%s\" is missing", key);
		return 0;
	}
	if (!json_is_string(v))
		return tl_err_set(err, EPROTO, "field \"%s\" must be a string", key);
	if (json_string_length(v) > max_len)
		return tl_err_set(err, ERANGE, "field \"%s\" is longer than %zu bytes", key, max_len);
	if (strlen(json_string_value(v)) != json_string_length(v))
		return tl_err_set(err, EPROTO, "field \"%s\" contains a NUL byte", key);
	*out = json_string_value(v);
	return 0;
}

int tl_json_get_bool(const json_t *obj, const char *key, int required, int *out,
		     struct tl_err *err)
{
	const json_t *v = json_object_get(obj, key);
	if (!v) {
		if (required)
			return tl_err_set(err, EPROTO, "field \"%s\" is missing", key);
		return 0;
	}
	if (!json_is_boolean(v))
		return tl_err_set(err, EPROTO, "field \"%s\" must be true or false", key);
	*out = json_is_true(v);
	return 0;
}
