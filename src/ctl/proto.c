#include "ctl/proto.h"

#include <errno.h>
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
	[TL_MSG_TEST] = { "TEST", 64 * 1024 },
	[TL_MSG_ACCEPT] = { "ACCEPT", 4096 },
	[TL_MSG_READY] = { "READY", 4096 },
	[TL_MSG_START] = { "START", 4096 },
	/* Per-flow arrays: sized for 100,000 flows of a few dozen bytes each. */
	[TL_MSG_INTERVAL] = { "INTERVAL", 16u << 20 },
	[TL_MSG_DONE] = { "DONE", 4096 },
	[TL_MSG_RESULTS] = { "RESULTS", 64u << 20 },
	[TL_MSG_ERROR] = { "ERROR", 8192 },
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

int tl_msg_recv(int fd, uint16_t want, uint16_t *type, json_t **body, uint64_t deadline_ns,
		struct tl_err *err)
{
	struct tl_frame_hdr hdr;
	uint8_t raw[TL_FRAME_HDR_LEN];
	char *payload = NULL;
	json_t *j = NULL;
	/* Never leave the caller's previous pointer in place: a caller that frees *body after a
	 * failed receive must free nothing (issue 17: a stale pointer was freed twice). */
	*body = NULL;
	int rc = tl_io_read_all(fd, raw, sizeof(raw), deadline_ns, err);
	if (rc < 0 || (rc = tl_frame_hdr_decode(raw, TL_MSG_LARGEST, &hdr, err)) < 0)
		return rc;
	/* Judge the header before taking the payload: an unknown type, a size over its type's
	 * limit or a message out of order costs the peer its connection, not our memory. */
	if (hdr.type == 0 || hdr.type >= TL_MSG_TYPE_COUNT)
		return tl_err_set(err, EPROTO, "control message of unknown type %u", hdr.type);
	if (hdr.len > tl_msg_max_len(hdr.type))
		return tl_err_set(err, EMSGSIZE, "%s message of %u bytes exceeds its limit of %u bytes",
				  tl_msg_name(hdr.type), hdr.len, tl_msg_max_len(hdr.type));
	if (want && hdr.type != want && hdr.type != TL_MSG_ERROR)
		return tl_err_set(err, EPROTO, "expected a %s message, got %s", tl_msg_name(want),
				  tl_msg_name(hdr.type));
	payload = malloc((size_t)hdr.len + 1);
	if (!payload)
		return tl_err_set(err, ENOMEM, "%s message: cannot allocate %u bytes", tl_msg_name(hdr.type), hdr.len);
	rc = tl_io_read_all(fd, payload, hdr.len, deadline_ns, err);
	if (rc < 0) {
		free(payload);
		return rc;
	}
	payload[hdr.len] = '\0';
	rc = tl_msg_parse(hdr.type, payload, hdr.len, &j, err);
	free(payload);
	if (rc < 0)
		return rc;
	if (hdr.type == TL_MSG_ERROR && want != TL_MSG_ERROR) {
		const char *text = "(no text)";
		tl_json_get_str(j, "error", 4096, 0, &text, NULL);
		rc = tl_err_set(err, ECONNABORTED, "peer: %s", text);
		json_decref(j);
		return rc;
	}
	if (want && hdr.type != want) {
		rc = tl_err_set(err, EPROTO, "expected a %s message, got %s", tl_msg_name(want),
				tl_msg_name(hdr.type));
		json_decref(j);
		return rc;
	}
	if (type)
		*type = hdr.type;
	*body = j;
	return 0;
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
