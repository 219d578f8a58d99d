/*
 * Fuzz target for the testbed forwarder's control socket (testbed/ctl.h): what one client
 * connection's bytes decide. The input is a request frame's body (the forwarder refuses a
 * frame over TL_TESTBED_CTL_MAX bytes from its length, before reading it), parsed with
 * tl_testbed_ctl_req_parse, and a "set" request's options go through the checks and the
 * evaluation the forwarder runs (tl_testbed_opts_check, tl_testbed_config_eval: every
 * rate, RTT, buffer, AQM and loss string), and an accepted configuration is applied to
 * live links (tl_link_set), as tl_testbed_fwd_apply does. An accepted configuration must
 * also pass the option check, and evaluate the same a second time.
 */
#include <string.h>

#include "emu/link.h"
#include "fuzz_util.h"
#include "testbed/config.h"
#include "testbed/ctl.h"
#include "util/err.h"

static void drop(void *ctx, struct tl_pkt *pkt, enum tl_drop_cause cause, uint64_t now_ns)
{
	(void)ctx;
	(void)pkt;
	(void)cause;
	(void)now_ns;
}

/* Links as the forwarder makes them at `up` with default options, changed by "set". */
static void apply(const struct tl_testbed_config *c)
{
	struct tl_testbed_config def;
	struct tl_link *fwd = NULL, *rev = NULL;
	struct tl_err err = { 0 };
	json_t *none = json_object();
	FUZZ_CHECK(none && tl_testbed_config_eval(none, &def, &err) == 0);
	FUZZ_CHECK(tl_link_create(&def.fwd, drop, NULL, &fwd, &err) == 0);
	FUZZ_CHECK(tl_link_create(&def.rev, drop, NULL, &rev, &err) == 0);
	if (tl_link_set(fwd, &c->fwd, 1000, &err) < 0 || tl_link_set(rev, &c->rev, 1000, &err) < 0)
		FUZZ_CHECK(err.msg[0] != '\0');
	tl_link_destroy(fwd, 2000);
	tl_link_destroy(rev, 2000);
	json_decref(none);
}

static void fuzz_set(const json_t *opts)
{
	struct tl_err err = { 0 };
	int checked = tl_testbed_opts_check(opts, &err);
	struct tl_testbed_config *c = malloc(sizeof(*c)), *c2 = malloc(sizeof(*c2));
	FUZZ_CHECK(c && c2);
	if (tl_testbed_config_eval(opts, c, &err) == 0) {
		FUZZ_CHECK(checked == 0);
		FUZZ_CHECK(tl_testbed_config_eval(opts, c2, &err) == 0);
		FUZZ_CHECK(c->senders == c2->senders && c->seed == c2->seed && c->pool == c2->pool);
		FUZZ_CHECK(c->bdp_bytes == c2->bdp_bytes && c->max_rtt_ns == c2->max_rtt_ns);
		FUZZ_CHECK(c->min_rtt_ns <= c->max_rtt_ns);
		apply(c);
	} else {
		FUZZ_CHECK(err.msg[0] != '\0');
	}
	free(c);
	free(c2);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	json_object_seed(0x544c5442);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t len = size;
	if (len > TL_TESTBED_CTL_MAX)
		return 0; /* refused from the frame's length, before any parsing */
	char *text = (char *)fuzz_dup(data, len);
	struct tl_testbed_ctl_req req;
	if (tl_testbed_ctl_req_parse(text, len, &req) < 0) {
		FUZZ_CHECK(req.error != NULL && req.doc == NULL);
	} else {
		FUZZ_CHECK(req.cmd >= TL_TESTBED_CTL_PING && req.cmd <= TL_TESTBED_CTL_SET);
		FUZZ_CHECK(req.flows <= 100000);
		if (req.cmd == TL_TESTBED_CTL_SET)
			fuzz_set(req.options);
		tl_testbed_ctl_req_free(&req);
	}
	free(text);
	return 0;
}
