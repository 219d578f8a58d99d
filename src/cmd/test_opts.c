/* The options and the closing checks stream, rr and crr share (cmd/test_opts.h). */
#include "cmd/test_opts.h"

#include <errno.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ctl/agent.h"
#include "util/clock.h"
#include "util/parse.h"

void cmd_test_opts_begin(struct cmd_test_opts *o, const char *cmd, enum tl_workload w,
			 struct tl_spec *spec, struct tl_client_target *target,
			 enum out_format *format, struct cmd_outputs *out)
{
	long cores = sysconf(_SC_NPROCESSORS_ONLN);
	*o = (struct cmd_test_opts){ .cmd = cmd, .spec = spec, .target = target, .format = format,
				     .out = out };
	tl_spec_defaults(spec);
	spec->workload = w;
	spec->threads = cores > 0 ? (uint32_t)cores : 1;
	cmd_outputs_init(out);
	target->port = TL_DEFAULT_PORT;
	target->family = AF_UNSPEC;
	target->per_flow_limit = 128;
	optind = 1;
	opterr = 0; /* the error is ours, naming the option (and as JSON with --json) */
}

/* --json, --json-lines, --csv: standard output's format. */
static int take_format(struct cmd_test_opts *o, enum out_format f)
{
	*o->format = f;
	o->formats++;
	return 1;
}

/* The options that set the spec's counts and times. */
static int take_spec(struct cmd_test_opts *o, int opt, const char *arg, struct tl_err *err)
{
	struct tl_spec *s = o->spec;
	uint64_t v;
	int rc = 0;
	switch (opt) {
	case 'P':
		rc = tl_parse_count("--flows", arg, 1, TL_SPEC_MAX_FLOWS, &v, err);
		s->flows = (uint32_t)v;
		o->flows_given = 1;
		break;
	case 'T':
		rc = tl_parse_count("--threads", arg, 1, TL_SPEC_MAX_THREADS, &v, err);
		s->threads = (uint32_t)v;
		break;
	case 't':
		rc = tl_parse_duration("--time", arg, 100 * TL_NSEC_PER_MSEC, 86400 * TL_NSEC_PER_SEC,
				       &s->duration_ns, err);
		o->time_given = 1;
		break;
	case 'O': rc = tl_parse_duration("--omit", arg, 0, 3600 * TL_NSEC_PER_SEC, &s->omit_ns, err); break;
	case 'i':
		rc = tl_parse_duration("--interval", arg, 0, 3600 * TL_NSEC_PER_SEC, &s->interval_ns, err);
		if (rc == 0 && s->interval_ns && s->interval_ns < 10 * TL_NSEC_PER_MSEC)
			rc = tl_err_set(err, ERANGE, "--interval \"%s\": at least 10ms, or 0 for none", arg);
		break;
	case CMD_TEST_OPT_CONNECT_TIMEOUT:
		rc = tl_parse_duration("--connect-timeout", arg, 10 * TL_NSEC_PER_MSEC,
				       3600 * TL_NSEC_PER_SEC, &s->connect_timeout_ns, err);
		break;
	case CMD_TEST_OPT_CC: rc = tl_spec_parse_cc_mix(s, arg, err); break;
	case CMD_TEST_OPT_GROUP: rc = cmd_parse_group(arg, s, err); break;
	default: return 0;
	}
	return rc < 0 ? -1 : 1;
}

int cmd_test_opts_take(struct cmd_test_opts *o, int opt, const char *arg, struct tl_err *err)
{
	int rc = 0;
	switch (opt) {
	case 'p': rc = tl_parse_port("--port", arg, 0, &o->target->port, err); break;
	case '4': o->target->family = AF_INET; break;
	case '6': o->target->family = AF_INET6; break;
	case 'B': o->target->bind = arg; break;
	case CMD_TEST_OPT_JSON: return take_format(o, OUT_JSON);
	case CMD_TEST_OPT_JSONL: return take_format(o, OUT_JSONL);
	case CMD_TEST_OPT_CSV: return take_format(o, OUT_CSV);
	case CMD_TEST_OPT_JSON_FILE: rc = cmd_outputs_add_file(o->out, OUT_JSON, "--json-file", arg, err); break;
	case CMD_TEST_OPT_JSONL_FILE:
		rc = cmd_outputs_add_file(o->out, OUT_JSONL, "--json-lines-file", arg, err);
		break;
	case CMD_TEST_OPT_CSV_FILE: rc = cmd_outputs_add_file(o->out, OUT_CSV, "--csv-file", arg, err); break;
	default: return take_spec(o, opt, arg, err);
	}
	return rc < 0 ? -1 : 1;
}

int cmd_test_opts_end(struct cmd_test_opts *o, int argc, char **argv, struct tl_err *err)
{
	struct tl_spec *s = o->spec;
	if (o->formats > 1)
		return tl_err_set(err, EINVAL, "--json, --json-lines and --csv cannot be used together "
				  "(--json-file FILE and the like write another format beside)");
	o->out->format[0] = *o->format;
	cmd_flows_from_groups(s, o->flows_given);
	if (s->threads > tl_spec_connections(s))
		s->threads = tl_spec_connections(s);
	if (optind != argc - 1)
		return optind >= argc
			? tl_err_set(err, EINVAL, "no HOST given (e.g. tcplab %s 127.0.0.1)", o->cmd)
			: tl_err_set(err, EINVAL, "more than one HOST given (\"%s\" and \"%s\")",
				     argv[optind], argv[optind + 1]);
	o->target->host = argv[optind];
	if (tl_spec_check_cc_available(s, err) < 0)
		return -1;
	return tl_spec_validate(s, err);
}
