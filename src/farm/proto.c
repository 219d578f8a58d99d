#include "farm/proto.h"

#include <errno.h>
#include <string.h>

#include "farm/split.h"
#include "net/wire.h"

const char *tl_farm_msg_type_name(unsigned type)
{
	switch (type) {
	case TL_FARM_MSG_REQUEST: return "REQUEST";
	case TL_FARM_MSG_JOBS: return "JOBS";
	case TL_FARM_MSG_DONE: return "DONE";
	case TL_FARM_MSG_ERROR: return "ERROR";
	default: return "unknown";
	}
}

/* Body size for a type and count; 0 with *ok = 0 when the count is beyond the type's limit. */
static size_t body_size(unsigned type, uint32_t count, int *ok)
{
	*ok = 1;
	switch (type) {
	case TL_FARM_MSG_REQUEST:
		*ok = count <= TL_FARM_BATCH_MAX;
		return 8 + (size_t)count * TL_FARM_RESULT_WIRE;
	case TL_FARM_MSG_JOBS:
		*ok = count <= TL_FARM_BATCH_MAX;
		return 8 + (size_t)count * TL_FARM_JOB_WIRE;
	case TL_FARM_MSG_DONE:
		*ok = count == 0;
		return 20;
	case TL_FARM_MSG_ERROR:
		*ok = count >= 1 && count <= TL_FARM_ERROR_MAX;
		return count;
	default:
		*ok = 0;
		return 0;
	}
}

size_t tl_farm_request_size(uint32_t nresults)
{
	return TL_FARM_HDR_LEN + 8 + (size_t)nresults * TL_FARM_RESULT_WIRE;
}

size_t tl_farm_jobs_size(uint32_t njobs)
{
	return TL_FARM_HDR_LEN + 8 + (size_t)njobs * TL_FARM_JOB_WIRE;
}

/* Writes the header of a message whose body and count are known; returns the whole size. */
static size_t put_hdr(uint8_t *buf, size_t cap, unsigned type, uint32_t count)
{
	int ok;
	size_t body = body_size(type, count, &ok);
	if (!ok || TL_FARM_HDR_LEN + body > cap)
		return 0;
	tl_put_be32(buf, (uint32_t)(8 + body));
	buf[4] = TL_FARM_PROTO_VERSION;
	buf[5] = (uint8_t)type;
	tl_put_be16(buf + 6, 0);
	tl_put_be32(buf + 8, count);
	return TL_FARM_HDR_LEN + body;
}

size_t tl_farm_request_encode(uint8_t *buf, size_t cap, uint32_t worker, uint32_t want,
			      const struct tl_farm_job_result *results, uint32_t n)
{
	if (want > TL_FARM_BATCH_MAX)
		return 0;
	size_t size = put_hdr(buf, cap, TL_FARM_MSG_REQUEST, n);
	if (!size)
		return 0;
	uint8_t *p = buf + TL_FARM_HDR_LEN;
	tl_put_be32(p, worker);
	tl_put_be32(p + 4, want);
	p += 8;
	for (uint32_t i = 0; i < n; i++, p += TL_FARM_RESULT_WIRE) {
		tl_put_be32(p, results[i].job);
		tl_put_be64(p + 4, results[i].primes);
	}
	return size;
}

size_t tl_farm_jobs_encode(uint8_t *buf, size_t cap, uint32_t retry_ms,
			   const struct tl_farm_job *jobs, uint32_t n)
{
	if (retry_ms > TL_FARM_RETRY_MS_MAX)
		return 0;
	size_t size = put_hdr(buf, cap, TL_FARM_MSG_JOBS, n);
	if (!size)
		return 0;
	uint8_t *p = buf + TL_FARM_HDR_LEN;
	tl_put_be32(p, TL_FARM_KIND_PRIMES);
	tl_put_be32(p + 4, retry_ms);
	p += 8;
	for (uint32_t i = 0; i < n; i++, p += TL_FARM_JOB_WIRE) {
		tl_put_be32(p, jobs[i].job);
		tl_put_be64(p + 4, jobs[i].lo);
		tl_put_be64(p + 12, jobs[i].hi);
	}
	return size;
}

size_t tl_farm_done_encode(uint8_t *buf, size_t cap, uint32_t verdict, uint64_t primes,
			   uint64_t expected)
{
	size_t size = put_hdr(buf, cap, TL_FARM_MSG_DONE, 0);
	if (!size)
		return 0;
	uint8_t *p = buf + TL_FARM_HDR_LEN;
	tl_put_be32(p, verdict);
	tl_put_be64(p + 4, primes);
	tl_put_be64(p + 12, expected);
	return size;
}

size_t tl_farm_error_encode(uint8_t *buf, size_t cap, const char *text)
{
	size_t n = strlen(text);
	if (n > TL_FARM_ERROR_MAX)
		n = TL_FARM_ERROR_MAX;
	if (n == 0)
		text = "error", n = 5;
	size_t size = put_hdr(buf, cap, TL_FARM_MSG_ERROR, (uint32_t)n);
	if (size)
		memcpy(buf + TL_FARM_HDR_LEN, text, n);
	return size;
}

int tl_farm_hdr_parse(const uint8_t *hdr, unsigned expect_mask, struct tl_farm_hdr *out,
		      struct tl_err *err)
{
	uint32_t length = tl_get_be32(hdr);
	unsigned version = hdr[4], type = hdr[5];
	uint16_t flags = tl_get_be16(hdr + 6);
	uint32_t count = tl_get_be32(hdr + 8);
	if (version != TL_FARM_PROTO_VERSION)
		return tl_err_set(err, EPROTO, "farm message version %u: this tcplab speaks version %d "
				  "only (is the other end a farm of another tcplab version?)",
				  version, TL_FARM_PROTO_VERSION);
	if (type < TL_FARM_MSG_REQUEST || type > TL_FARM_MSG_ERROR)
		return tl_err_set(err, EPROTO, "farm message type %u: unknown (known: 1 REQUEST, "
				  "2 JOBS, 3 DONE, 4 ERROR)", type);
	if (!(expect_mask & (1u << type)))
		return tl_err_set(err, EPROTO, "farm message %s out of order: expected %s",
				  tl_farm_msg_type_name(type),
				  expect_mask == TL_FARM_EXPECT_REQUEST ? "a REQUEST"
									: "JOBS, DONE or ERROR");
	if (flags != 0)
		return tl_err_set(err, EPROTO, "farm %s: flags 0x%04x, must be 0",
				  tl_farm_msg_type_name(type), flags);
	int ok;
	size_t body = body_size(type, count, &ok);
	if (!ok)
		return tl_err_set(err, EPROTO, "farm %s: count %u out of range (at most %u%s)",
				  tl_farm_msg_type_name(type), count,
				  type == TL_FARM_MSG_ERROR ? TL_FARM_ERROR_MAX
				  : type == TL_FARM_MSG_DONE ? 0 : TL_FARM_BATCH_MAX,
				  type == TL_FARM_MSG_ERROR ? " text bytes, at least 1" : "");
	if ((size_t)length != 8 + body)
		return tl_err_set(err, EPROTO, "farm %s: length %u does not match count %u (must be "
				  "%zu; oversized or truncated message)",
				  tl_farm_msg_type_name(type), length, count, 8 + body);
	out->size = (uint32_t)(TL_FARM_HDR_LEN + body);
	out->type = (uint8_t)type;
	out->count = count;
	return 0;
}

/* Checks the header again against the bytes actually given. */
static int whole(const uint8_t *msg, size_t len, unsigned mask, struct tl_farm_hdr *h,
		 struct tl_err *err)
{
	if (len < TL_FARM_HDR_LEN)
		return tl_err_set(err, EPROTO, "farm message of %zu bytes: shorter than its header",
				  len);
	if (tl_farm_hdr_parse(msg, mask, h, err) < 0)
		return -EPROTO;
	if (h->size != len)
		return tl_err_set(err, EPROTO, "farm %s: %zu bytes given, header says %u",
				  tl_farm_msg_type_name(h->type), len, h->size);
	return 0;
}

int tl_farm_request_decode(const uint8_t *msg, size_t len, struct tl_farm_request *out,
			   struct tl_farm_job_result *results, uint32_t cap, struct tl_err *err)
{
	struct tl_farm_hdr h;
	if (whole(msg, len, TL_FARM_EXPECT_REQUEST, &h, err) < 0)
		return -EPROTO;
	const uint8_t *p = msg + TL_FARM_HDR_LEN;
	out->worker = tl_get_be32(p);
	out->want = tl_get_be32(p + 4);
	out->nresults = h.count;
	if (out->want > TL_FARM_BATCH_MAX)
		return tl_err_set(err, EPROTO, "farm REQUEST: want %u jobs, at most %u",
				  out->want, TL_FARM_BATCH_MAX);
	if (h.count > cap)
		return tl_err_set(err, EPROTO, "farm REQUEST: %u results, room for %u", h.count, cap);
	p += 8;
	for (uint32_t i = 0; i < h.count; i++, p += TL_FARM_RESULT_WIRE) {
		results[i].job = tl_get_be32(p);
		results[i].primes = tl_get_be64(p + 4);
	}
	return 0;
}

int tl_farm_reply_decode(const uint8_t *msg, size_t len, struct tl_farm_reply *out,
			 struct tl_farm_job *jobs, uint32_t cap, struct tl_err *err)
{
	struct tl_farm_hdr h;
	if (whole(msg, len, TL_FARM_EXPECT_REPLY, &h, err) < 0)
		return -EPROTO;
	memset(out, 0, sizeof(*out));
	out->type = h.type;
	const uint8_t *p = msg + TL_FARM_HDR_LEN;
	switch (h.type) {
	case TL_FARM_MSG_JOBS:
		out->kind = tl_get_be32(p);
		out->retry_ms = tl_get_be32(p + 4);
		out->njobs = h.count;
		if (out->kind != TL_FARM_KIND_PRIMES)
			return tl_err_set(err, EPROTO, "farm JOBS: job kind %u unknown (1 = primes)",
					  out->kind);
		if (out->retry_ms > TL_FARM_RETRY_MS_MAX)
			return tl_err_set(err, EPROTO, "farm JOBS: retry_ms %u above %u",
					  out->retry_ms, TL_FARM_RETRY_MS_MAX);
		if (h.count > cap)
			return tl_err_set(err, EPROTO, "farm JOBS: %u jobs, but only %u were asked for",
					  h.count, cap);
		p += 8;
		for (uint32_t i = 0; i < h.count; i++, p += TL_FARM_JOB_WIRE) {
			jobs[i].job = tl_get_be32(p);
			jobs[i].lo = tl_get_be64(p + 4);
			jobs[i].hi = tl_get_be64(p + 12);
			if (jobs[i].lo < 1 || jobs[i].hi < jobs[i].lo ||
			    jobs[i].hi > TL_FARM_NUMBER_MAX)
				return tl_err_set(err, EPROTO, "farm JOBS: job %u has range %llu-%llu "
						  "(need 1 <= lo <= hi <= %llu)", jobs[i].job,
						  (unsigned long long)jobs[i].lo,
						  (unsigned long long)jobs[i].hi,
						  (unsigned long long)TL_FARM_NUMBER_MAX);
		}
		return 0;
	case TL_FARM_MSG_DONE:
		out->verdict = tl_get_be32(p);
		out->primes = tl_get_be64(p + 4);
		out->expected = tl_get_be64(p + 12);
		if (out->verdict != TL_FARM_VERDICT_PASS && out->verdict != TL_FARM_VERDICT_FAIL)
			return tl_err_set(err, EPROTO, "farm DONE: verdict %u (1 PASS or 2 FAIL)",
					  out->verdict);
		return 0;
	default: /* ERROR; the mask admits nothing else */
		for (uint32_t i = 0; i < h.count; i++) {
			uint8_t c = p[i];
			out->text[i] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
		}
		out->text[h.count] = '\0';
		return 0;
	}
}
