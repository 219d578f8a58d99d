/* The link options of testbed and router (cmd/link_opts.h). */
#include "cmd/link_opts.h"

#include "testbed/config.h"

enum { REORDER = CMD_LINK_OPT_BASE, NO_REORDER, KEY0 /* + index into keys */ };

static const struct {
	const char *name;
	bool host; /* shapes the testbed's hosts: testbed only */
} keys[] = {
	{ "rate", false },    { "rtt", false },         { "buffer", false },   { "aqm", false },
	{ "loss", false },    { "jitter", false },      { "rev-rate", false }, { "rev-buffer", false },
	{ "rev-aqm", false }, { "rev-loss", false },    { "rev-jitter", false }, { "senders", true },
	{ "seed", false },    { "pool", false },        { "spin", false },     { "prio", false },
	{ "cpu-latency", false }, { "isolate", true },  { "standby", false },  { "ppv-class", false },
};
#define NKEYS (sizeof(keys) / sizeof(keys[0]))
_Static_assert(NKEYS + 2 <= CMD_LINK_OPTIONS_MAX, "CMD_LINK_OPTIONS_MAX is too small");

size_t cmd_link_options(struct option *lo, bool with_hosts)
{
	size_t n = 0;
	for (size_t i = 0; i < NKEYS; i++)
		if (with_hosts || !keys[i].host)
			lo[n++] = (struct option){ keys[i].name, required_argument, NULL, KEY0 + (int)i };
	lo[n++] = (struct option){ "reorder", no_argument, NULL, REORDER };
	lo[n++] = (struct option){ "no-reorder", no_argument, NULL, NO_REORDER };
	return n;
}

int cmd_link_option_take(json_t *opts, int opt, const char *arg)
{
	if (opt == REORDER || opt == NO_REORDER) {
		tl_testbed_opt_set(opts, "reorder", opt == REORDER ? "on" : "off", NULL);
		return 1;
	}
	if (opt < KEY0 || opt >= KEY0 + (int)NKEYS)
		return 0;
	tl_testbed_opt_set(opts, keys[opt - KEY0].name, arg, NULL);
	return 1;
}
