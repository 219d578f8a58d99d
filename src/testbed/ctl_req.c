/*
 * The forwarder's reading of one control request (testbed/ctl.h), apart from acting on it:
 * everything a client's bytes decide before the forwarder touches its links, in one place
 * the fuzz target (tests/fuzz/fuzz_testbed_ctl.c) can reach without a running testbed.
 */
#include <string.h>

#include "testbed/ctl.h"

/* "status" without "flows": this many flows in the answer. */
#define STATUS_FLOWS_DEFAULT 32
/* and never more than this many, whatever a client asks. */
#define STATUS_FLOWS_MAX 100000

static int refuse(struct tl_testbed_ctl_req *req, const char *why)
{
	json_decref(req->doc);
	req->doc = NULL;
	req->options = NULL;
	req->error = why;
	return -1;
}

int tl_testbed_ctl_req_parse(const char *text, size_t len, struct tl_testbed_ctl_req *req)
{
	json_error_t jerr;
	memset(req, 0, sizeof(*req));
	req->doc = json_loadb(text, len, 0, &jerr);
	if (!req->doc || !json_is_object(req->doc))
		return refuse(req, "request is not a JSON object");
	const char *cmd = json_string_value(json_object_get(req->doc, "cmd"));
	const json_t *v = json_object_get(req->doc, "v");
	if (!json_is_integer(v) || json_integer_value(v) != TL_TESTBED_CTL_VERSION)
		return refuse(req, "control protocol version mismatch (this forwarder speaks 1)");
	if (!cmd)
		return refuse(req, "request has no \"cmd\"");
	if (strcmp(cmd, "ping") == 0) {
		req->cmd = TL_TESTBED_CTL_PING;
	} else if (strcmp(cmd, "status") == 0) {
		const json_t *fl = json_object_get(req->doc, "flows");
		json_int_t nf = json_is_integer(fl) ? json_integer_value(fl) : STATUS_FLOWS_DEFAULT;
		req->cmd = TL_TESTBED_CTL_STATUS;
		req->flows = nf < 0 ? 0 : nf > STATUS_FLOWS_MAX ? STATUS_FLOWS_MAX : (unsigned)nf;
	} else if (strcmp(cmd, "set") == 0) {
		req->cmd = TL_TESTBED_CTL_SET;
		req->options = json_object_get(req->doc, "options");
	} else {
		return refuse(req, "unknown \"cmd\" (ping, status, set)");
	}
	return 0;
}

void tl_testbed_ctl_req_free(struct tl_testbed_ctl_req *req)
{
	json_decref(req->doc);
	memset(req, 0, sizeof(*req));
}
