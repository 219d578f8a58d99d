#include "testbed/state.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define STATE_FILE "testbed.json"

const char *tl_testbed_root(void)
{
	const char *r = getenv("TCPLAB_TESTBED_DIR");
	return r && *r ? r : TL_TESTBED_DEFAULT_ROOT;
}

int tl_testbed_path(char *buf, size_t len, const char *name, const char *file,
		    struct tl_err *err)
{
	int n = file ? snprintf(buf, len, "%s/%s/%s", tl_testbed_root(), name, file)
		     : snprintf(buf, len, "%s/%s", tl_testbed_root(), name);
	if (n < 0 || (size_t)n >= len)
		return tl_err_set(err, ENAMETOOLONG, "testbed %s: state path under %s is too long "
				  "(set TCPLAB_TESTBED_DIR to a shorter directory)", name,
				  tl_testbed_root());
	return 0;
}

void tl_testbed_state_free(struct tl_testbed_state *st)
{
	if (!st)
		return;
	json_decref(st->options);
	st->options = NULL;
}

int tl_testbed_state_to_json(const struct tl_testbed_state *st, json_t **out, struct tl_err *err)
{
	const struct tl_testbed_plan *p = &st->plan;
	char a[32], m[32], subnet[40];
	json_t *hosts = json_array();
	for (unsigned i = 0; i < p->nhosts; i++) {
		const struct tl_testbed_host *h = &p->hosts[i];
		json_array_append_new(hosts, json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "name",
						       h->name, "netns", h->netns, "ifname",
						       h->ifname, "port", h->port, "addr",
						       tl_testbed_fmt_addr(h->addr, a, sizeof(a)),
						       "mac", tl_testbed_fmt_mac(h->mac, m, sizeof(m))));
	}
	snprintf(subnet, sizeof(subnet), "%s/24", tl_testbed_fmt_addr(p->subnet, a, sizeof(a)));
	json_t *j = json_pack("{s:i, s:s, s:s, s:I, s:I, s:s, s:{s:s}, s:o, s:O}", "version",
			      TL_TESTBED_STATE_VERSION, "name", p->name, "phase", st->phase,
			      "created_unix_ns", (json_int_t)st->created_unix_ns, "forwarder_pid",
			      (json_int_t)st->forwarder_pid, "subnet", subnet, "router", "netns",
			      p->rtr_netns, "hosts", hosts, "options",
			      st->options ? st->options : json_object());
	if (!j)
		return tl_err_set(err, ENOMEM, "testbed %s: cannot build the state document", p->name);
	json_object_set_new(j, "forwarder_cpu", json_integer(st->forwarder_cpu));
	*out = j;
	return 0;
}

int tl_testbed_state_from_json(const json_t *j, struct tl_testbed_state *out, struct tl_err *err)
{
	int version = 0;
	const char *name = NULL, *phase = NULL, *subnet = NULL, *rtr = NULL;
	json_int_t created = 0, pid = 0;
	json_t *hosts = NULL, *options = NULL;
	json_error_t jerr;
	memset(out, 0, sizeof(*out));
	if (json_unpack_ex((json_t *)j, &jerr, 0, "{s:i, s:s, s:s, s:I, s:I, s:s, s:{s:s}, s:o, s:o}",
			   "version", &version, "name", &name, "phase", &phase, "created_unix_ns",
			   &created, "forwarder_pid", &pid, "subnet", &subnet, "router", "netns",
			   &rtr, "hosts", &hosts, "options", &options) < 0)
		return tl_err_set(err, EINVAL, "testbed state: %s", jerr.text);
	if (version != TL_TESTBED_STATE_VERSION)
		return tl_err_set(err, EINVAL, "testbed %s: state version %d, this tcplab reads %d",
				  name, version, TL_TESTBED_STATE_VERSION);
	char net[32];
	size_t sl = strlen(subnet);
	uint32_t addr;
	if (sl < 4 || sl >= sizeof(net) || strcmp(subnet + sl - 3, "/24") != 0)
		return tl_err_set(err, EINVAL, "testbed %s: subnet \"%s\" is not a /24", name, subnet);
	memcpy(net, subnet, sl - 3);
	net[sl - 3] = '\0';
	if (tl_testbed_parse_addr(net, &addr) < 0)
		return tl_err_set(err, EINVAL, "testbed %s: subnet \"%s\" is not an address", name,
				  subnet);
	if (!json_is_array(hosts) || json_array_size(hosts) < 2)
		return tl_err_set(err, EINVAL, "testbed %s: \"hosts\" needs a receiver and a sender",
				  name);
	int ret = tl_testbed_plan_at(name, (unsigned)json_array_size(hosts) - 1, addr, &out->plan,
				     err);
	if (ret < 0)
		return ret;
	/* Everything on disk must be what the plan derives, or `down` could be misled. */
	if (strcmp(rtr, out->plan.rtr_netns) != 0)
		return tl_err_set(err, EINVAL, "testbed %s: router namespace \"%s\" is not the "
				  "expected %s", name, rtr, out->plan.rtr_netns);
	for (unsigned i = 0; i < out->plan.nhosts; i++) {
		const struct tl_testbed_host *h = &out->plan.hosts[i];
		const char *hn = NULL, *hns = NULL, *ha = NULL;
		if (json_unpack(json_array_get(hosts, i), "{s:s, s:s, s:s}", "name", &hn, "netns",
				&hns, "addr", &ha) < 0 ||
		    strcmp(hn, h->name) || strcmp(hns, h->netns) ||
		    tl_testbed_parse_addr(ha, &addr) < 0 || addr != h->addr)
			return tl_err_set(err, EINVAL, "testbed %s: host %u in the state file is not "
					  "the expected %s in %s", name, i, h->name, h->netns);
	}
	if (strlen(phase) >= sizeof(out->phase))
		return tl_err_set(err, EINVAL, "testbed %s: phase \"%s\" unknown", name, phase);
	if (!json_is_object(options))
		return tl_err_set(err, EINVAL, "testbed %s: \"options\" is not an object", name);
	snprintf(out->phase, sizeof(out->phase), "%s", phase);
	out->created_unix_ns = (uint64_t)created;
	out->forwarder_pid = (pid_t)pid;
	/* Absent in a state file of an older tcplab: no CPU was set aside. */
	json_t *cpu = json_object_get(j, "forwarder_cpu");
	out->forwarder_cpu = json_is_integer(cpu) ? (int)json_integer_value(cpu) : -1;
	if (out->forwarder_cpu < -1 || out->forwarder_cpu >= CPU_SETSIZE)
		return tl_err_set(err, EINVAL, "testbed %s: forwarder_cpu %d is no CPU", name,
				  out->forwarder_cpu);
	out->options = json_deep_copy(options);
	return 0;
}

int tl_testbed_state_save(const struct tl_testbed_state *st, struct tl_err *err)
{
	char path[512], tmp[520];
	json_t *j = NULL;
	int ret = tl_testbed_path(path, sizeof(path), st->plan.name, STATE_FILE, err);
	if (ret < 0)
		return ret;
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	ret = tl_testbed_state_to_json(st, &j, err);
	if (ret < 0)
		return ret;
	if (json_dump_file(j, tmp, JSON_INDENT(2) | JSON_SORT_KEYS) < 0) {
		ret = tl_err_errno(err, "write %s", tmp);
		goto out;
	}
	if (rename(tmp, path) < 0) {
		ret = tl_err_errno(err, "rename %s to %s", tmp, path);
		unlink(tmp);
		goto out;
	}
	ret = 0;
out:
	json_decref(j);
	return ret;
}

int tl_testbed_state_load(const char *name, struct tl_testbed_state *out, struct tl_err *err)
{
	char path[512];
	json_error_t jerr;
	int ret = tl_testbed_name_check(name, err);
	if (ret < 0)
		return ret;
	ret = tl_testbed_path(path, sizeof(path), name, STATE_FILE, err);
	if (ret < 0)
		return ret;
	json_t *j = json_load_file(path, 0, &jerr);
	if (!j) {
		if (access(path, F_OK) < 0 && errno == ENOENT)
			return tl_err_set(err, ENOENT, "no testbed %s (no %s; 'tcplab testbed list' "
					  "shows the testbeds)", name, path);
		return tl_err_set(err, EINVAL, "%s: line %d: %s", path, jerr.line, jerr.text);
	}
	ret = tl_testbed_state_from_json(j, out, err);
	if (ret == 0 && strcmp(out->plan.name, name) != 0)
		ret = tl_err_set(err, EINVAL, "%s: names testbed \"%s\", not %s", path,
				 out->plan.name, name);
	if (ret < 0)
		tl_testbed_state_free(out);
	json_decref(j);
	return ret;
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(a, b);
}

int tl_testbed_names(char (**names)[TL_TESTBED_NAME_MAX + 1], size_t *n, struct tl_err *err)
{
	*names = NULL;
	*n = 0;
	DIR *d = opendir(tl_testbed_root());
	if (!d)
		return errno == ENOENT ? 0 : tl_err_errno(err, "opendir %s", tl_testbed_root());
	size_t cap = 0;
	int ret = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		char path[512];
		if (tl_testbed_name_check(e->d_name, NULL) < 0)
			continue;
		if (tl_testbed_path(path, sizeof(path), e->d_name, STATE_FILE, NULL) < 0 ||
		    access(path, F_OK) < 0)
			continue;
		if (*n == cap) {
			size_t ncap = cap ? cap * 2 : 8;
			void *p = realloc(*names, ncap * sizeof(**names));
			if (!p) {
				ret = tl_err_set(err, ENOMEM, "testbed list: out of memory");
				break;
			}
			*names = p;
			cap = ncap;
		}
		snprintf((*names)[*n], sizeof((*names)[*n]), "%s", e->d_name);
		(*n)++;
	}
	closedir(d);
	if (ret < 0) {
		free(*names);
		*names = NULL;
		*n = 0;
		return ret;
	}
	if (*n)
		qsort(*names, *n, sizeof(**names), name_cmp);
	return 0;
}
