/* What the commands share: flow groups, progress, errors, the outputs (--json-file...). */
#include "cmd/common.h"

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <unistd.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>

#include "out/render.h"
#include "util/parse.h"

int cmd_parse_group(const char *text, struct tl_spec *s, struct tl_err *err)
{
	char buf[512];
	if (s->ngroups == TL_SPEC_MAX_GROUPS)
		return tl_err_set(err, EINVAL, "--group: at most %d groups", TL_SPEC_MAX_GROUPS);
	if (strlen(text) >= sizeof(buf))
		return tl_err_set(err, EINVAL, "--group: too long");
	memcpy(buf, text, strlen(text) + 1);
	struct tl_flow_group g;
	memset(&g, 0, sizeof(g));
	uint64_t v;
	for (char *save = NULL, *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(tok, '=');
		const char *val = eq ? eq + 1 : "";
		if (eq)
			*eq = '\0';
		int rc = 0;
		if (!strcmp(tok, "count")) {
			rc = tl_parse_count("--group count", val, 1, TL_SPEC_MAX_FLOWS, &v, err);
			g.count = (uint32_t)v;
		} else if (!strcmp(tok, "cc")) {
			snprintf(g.opts.cc, sizeof(g.opts.cc), "%s", val);
		} else if (!strcmp(tok, "sndbuf")) {
			rc = tl_parse_size("--group sndbuf", val, 1, 1ULL << 31, &g.opts.sndbuf, err);
		} else if (!strcmp(tok, "rcvbuf")) {
			rc = tl_parse_size("--group rcvbuf", val, 1, 1ULL << 31, &g.opts.rcvbuf, err);
		} else if (!strcmp(tok, "pacing")) {
			rc = tl_parse_rate("--group pacing", val, 8, 1ULL << 50, &g.opts.pacing_bps, err);
		} else if (!strcmp(tok, "window-clamp")) {
			rc = tl_parse_size("--group window-clamp", val, 1, 1ULL << 31, &v, err);
			g.opts.window_clamp = (uint32_t)v;
		} else if (!strcmp(tok, "mss")) {
			rc = tl_parse_count("--group mss", val, 88, 65535, &v, err);
			g.opts.mss = (uint32_t)v;
		} else if (!strcmp(tok, "nodelay") && !eq) {
			g.opts.nodelay = 1;
		} else if (!strcmp(tok, "zerocopy") && !eq) {
			g.opts.zerocopy = 1;
		} else {
			return tl_err_set(err, EINVAL, "--group \"%s\": unknown part \"%s\" (known: count, cc, "
					  "sndbuf, rcvbuf, pacing, window-clamp, mss, nodelay, zerocopy)", text, tok);
		}
		if (rc < 0)
			return rc;
	}
	if (!g.count)
		return tl_err_set(err, EINVAL, "--group \"%s\": needs count=N", text);
	s->groups[s->ngroups++] = g;
	return 0;
}

void cmd_flows_from_groups(struct tl_spec *s, int flows_given)
{
	uint64_t sum = 0;
	for (uint32_t g = 0; g < s->ngroups; g++)
		sum += s->groups[g].count;
	if (!flows_given && sum > s->flows && sum <= TL_SPEC_MAX_FLOWS)
		s->flows = (uint32_t)sum;
}

void cmd_progress_connecting(uint32_t done, uint32_t total)
{
	fprintf(stderr, "\rconnecting flows: %u/%u", done, total);
	if (done == total)
		fprintf(stderr, "\r\033[K");
	fflush(stderr);
}

int cmd_usage_error(const char *cmd, enum out_format format, const char *msg)
{
	return cmd_error(cmd, format, TL_EXIT_USAGE, msg);
}

int cmd_error(const char *cmd, enum out_format format, int code, const char *msg)
{
	/* Machine output stays machine-readable, also for errors. */
	if (format == OUT_JSON || format == OUT_JSONL) {
		json_t *e = json_pack("{s:s}", "error", msg);
		if (format == OUT_JSONL) {
			tl_jsonl_event(stdout, "error", e);
		} else {
			json_dumpf(e, stdout, JSON_INDENT(2));
			fputc('\n', stdout);
		}
		json_decref(e);
	}
	fprintf(stderr, "tcplab %s: %s\n", cmd, msg);
	return code;
}

enum out_format cmd_scan_format(int argc, char **argv)
{
	/* Before parsing: a usage error must come out as JSON when --json is anywhere on the
	 * line, also after the option that was wrong. */
	enum out_format f = OUT_TABLE;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0)
			break;
		if (strcmp(argv[i], "--json") == 0)
			f = OUT_JSON;
		else if (strcmp(argv[i], "--json-lines") == 0)
			f = OUT_JSONL;
	}
	return f;
}

int cmd_unknown_option(const char *cmd, char **argv, struct tl_err *err)
{
	/* getopt leaves the offending word at optind - 1 (or the option letter in optopt) */
	const char *word = optind > 0 ? argv[optind - 1] : "?";
	if (optopt && optopt < 256 && word[0] == '-' && word[1] != '-')
		return tl_err_set(err, EINVAL, "option -%c: unknown, or it needs a value (see 'tcplab %s --help')",
				  optopt, cmd);
	return tl_err_set(err, EINVAL, "option \"%s\": unknown, or it needs a value (see 'tcplab %s --help')",
			  word, cmd);
}

/* Set by the SIGINT handler, read by the library's loops: the one flag cmd/ keeps. */
static volatile int interrupt_flag;
/* Made readable by the first SIGINT, for loops that wait in poll/epoll (-1: not asked for). */
static int interrupt_efd = -1;

static void on_sigint(int sig)
{
	(void)sig;
	if (interrupt_flag)
		_exit(TL_EXIT_INTERRUPTED); /* the second Ctrl-C: at once */
	interrupt_flag = 1;
	uint64_t one = 1;
	if (interrupt_efd >= 0 && write(interrupt_efd, &one, sizeof(one)) < 0) {
		/* only at counter overflow, when it is readable anyway */
	}
	static const char msg[] = "\ninterrupted: stopping the test and printing what it measured "
				  "(Ctrl-C again quits at once)\n";
	if (write(STDERR_FILENO, msg, sizeof(msg) - 1) < 0) {
		/* nothing to do about a closed stderr in a signal handler */
	}
}

void cmd_interrupt_install(void)
{
	/* no SA_RESTART: the waits of the test loops return with EINTR and see the flag */
	struct sigaction sa = { .sa_handler = on_sigint };
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
}

const volatile int *cmd_interrupt_flag(void)
{
	return &interrupt_flag;
}

int cmd_interrupted(void)
{
	return interrupt_flag != 0;
}

int cmd_interrupt_fd(void)
{
	if (interrupt_efd < 0)
		interrupt_efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	return interrupt_efd;
}

void cmd_outputs_init(struct cmd_outputs *o)
{
	memset(o, 0, sizeof(*o));
	o->n = 1;
	o->f[0] = stdout;
	o->format[0] = OUT_TABLE;
}

int cmd_outputs_add_file(struct cmd_outputs *o, enum out_format format, const char *option,
			 const char *path, struct tl_err *err)
{
	if (!path[0])
		return tl_err_set(err, EINVAL, "%s: give a file name", option);
	for (int i = 1; i < o->n; i++)
		if (o->format[i] == format)
			return tl_err_set(err, EINVAL, "%s given twice (\"%s\" and \"%s\")", option, o->path[i], path);
	if (o->n == CMD_OUTPUTS_MAX)
		return tl_err_set(err, EINVAL, "%s: too many output files", option);
	o->format[o->n] = format;
	o->path[o->n] = path;
	o->n++;
	return 0;
}

int cmd_outputs_open(struct cmd_outputs *o, struct tl_err *err)
{
	for (int i = 1; i < o->n; i++) {
		o->f[i] = fopen(o->path[i], "w");
		if (!o->f[i])
			return tl_err_errno(err, "cannot write \"%s\" (%s); give a writable path",
					    o->path[i], o->format[i] == OUT_JSON ? "--json-file"
					    : o->format[i] == OUT_JSONL ? "--json-lines-file" : "--csv-file");
	}
	return 0;
}

int cmd_outputs_close(struct cmd_outputs *o, struct tl_err *err)
{
	int rc = 0;
	for (int i = 1; i < o->n; i++) {
		if (!o->f[i])
			continue;
		if ((ferror(o->f[i]) | fclose(o->f[i])) != 0 && rc == 0)
			rc = tl_err_errno(err, "writing \"%s\" failed", o->path[i]);
		o->f[i] = NULL;
	}
	return rc;
}

int cmd_outputs_want(const struct cmd_outputs *o, enum out_format f)
{
	for (int i = 0; i < o->n; i++)
		if (o->format[i] == f)
			return 1;
	return 0;
}

static void put_json(FILE *f, const json_t *doc)
{
	json_dumpf(doc, f, JSON_INDENT(2));
	fputc('\n', f);
	fflush(f);
}

void cmd_outputs_json(const struct cmd_outputs *o, const json_t *doc)
{
	/* a file that could not be opened is NULL: the error about it is printed already */
	for (int i = 0; i < o->n; i++)
		if (o->format[i] == OUT_JSON && o->f[i])
			put_json(o->f[i], doc);
}

void cmd_outputs_json_error(const struct cmd_outputs *o, const char *msg)
{
	json_t *e = json_pack("{s:s}", "error", msg);
	for (int i = 1; e && i < o->n; i++)
		if (o->format[i] == OUT_JSON && o->f[i])
			put_json(o->f[i], e);
	json_decref(e);
}

int cmd_outputs_error(const struct cmd_outputs *o, const char *cmd, int code, const char *msg)
{
	cmd_error(cmd, o->format[0], code, msg);
	cmd_outputs_json_error(o, msg);
	return code;
}
