#include "router/router.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define STATE_FILE "router.json"
#define RTF_REJECT_ 0x0200 /* include/uapi/linux/route.h */

static const char *const dir_files[] = { STATE_FILE, STATE_FILE ".tmp", "ctl.sock",
					 "series.jsonl", "series.1.jsonl" };

const char *tl_router_root(void)
{
	const char *r = getenv("TCPLAB_ROUTER_DIR");
	return r && *r ? r : TL_ROUTER_DEFAULT_ROOT;
}

/* Whether ifname carries a default route of this namespace (IPv4 or IPv6). */
static bool holds_default_route(const char *ifname)
{
	char line[512], ifn[64];
	bool found = false;
	FILE *f = fopen("/proc/net/route", "re");
	if (f) {
		/* Iface Destination Gateway Flags RefCnt Use Metric Mask ...; hex, first line a header. */
		while (!found && fgets(line, sizeof(line), f)) {
			unsigned dst, gw, flags, refc, use, metric, mask;
			if (sscanf(line, "%63s %x %x %x %u %u %u %x", ifn, &dst, &gw, &flags, &refc,
				   &use, &metric, &mask) == 8 && dst == 0 && mask == 0 &&
			    !strcmp(ifn, ifname))
				found = true;
		}
		fclose(f);
	}
	f = fopen("/proc/net/ipv6_route", "re");
	if (f) {
		/* dst dst_len src src_len next_hop metric refcnt use flags device */
		while (!found && fgets(line, sizeof(line), f)) {
			char dst[40], src[40], nh[40];
			unsigned dlen, slen, metric, refc, use, flags;
			if (sscanf(line, "%39s %x %39s %x %39s %x %x %x %x %63s", dst, &dlen, src, &slen,
				   nh, &metric, &refc, &use, &flags, ifn) == 10 && dlen == 0 &&
			    !strcmp(dst, "00000000000000000000000000000000") && !strcmp(ifn, ifname) &&
			    !(flags & RTF_REJECT_)) /* the kernel's "unreachable" entry on lo */
				found = true;
		}
		fclose(f);
	}
	return found;
}

int tl_router_check_ifaces(const char *in, const char *out, bool force, struct tl_err *err)
{
	const char *both[2] = { in, out }, *opt[2] = { "--in", "--out" };
	if (!in || !*in || !out || !*out)
		return tl_err_set(err, EINVAL, "give both interfaces: --in IF (the senders' side) "
				  "and --out IF (the receivers' side)");
	if (!strcmp(in, out))
		return tl_err_set(err, EINVAL, "--in and --out are the same interface \"%s\": the "
				  "router needs two, one towards each side", in);
	for (int i = 0; i < 2; i++) {
		if (strlen(both[i]) >= IF_NAMESIZE || if_nametoindex(both[i]) == 0)
			return tl_err_set(err, ENODEV, "%s \"%s\": no such interface in this network "
					  "namespace ('ip link' lists them)", opt[i], both[i]);
		if (!force && holds_default_route(both[i]))
			return tl_err_set(err, EBUSY, "%s \"%s\" holds this host's default route: "
					  "forwarding on it would cut the host off (another "
					  "interface, or --force)", opt[i], both[i]);
	}
	return 0;
}

uint64_t tl_router_netns_ino(void)
{
	struct stat st;
	return stat("/proc/self/ns/net", &st) == 0 ? (uint64_t)st.st_ino : 0;
}

static int state_path(char *buf, size_t len, const char *name, const char *file,
		      struct tl_err *err)
{
	int n = file ? snprintf(buf, len, "%s/%s/%s", tl_router_root(), name, file)
		     : snprintf(buf, len, "%s/%s", tl_router_root(), name);
	if (n < 0 || (size_t)n >= len)
		return tl_err_set(err, ENAMETOOLONG, "router %s: state path under %s is too long "
				  "(set TCPLAB_ROUTER_DIR to a shorter directory)", name,
				  tl_router_root());
	return 0;
}

void tl_router_saved_free(struct tl_router_saved *s)
{
	if (s) {
		json_decref(s->options);
		s->options = NULL;
	}
}

int tl_router_saved_write(const struct tl_router_saved *s, struct tl_err *err)
{
	char path[512], tmp[520];
	int ret = state_path(path, sizeof(path), s->name, STATE_FILE, err);
	if (ret < 0)
		return ret;
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	json_t *j = json_pack("{s:i, s:s, s:i, s:I, s:o, s:o, s:O}", "version",
			      TL_ROUTER_STATE_VERSION, "name", s->name, "pid", (int)s->pid,
			      "netns_ino", (json_int_t)s->netns_ino, "in",
			      tl_router_iface_json(&s->in), "out", tl_router_iface_json(&s->out),
			      "options", s->options ? s->options : json_null());
	if (!j)
		return tl_err_set(err, ENOMEM, "router %s: cannot build its state", s->name);
	/* Temp file, fsync, rename: a crash leaves the old file or the new, never half. */
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		ret = tl_err_errno(err, "open %s", tmp);
	} else if (json_dumpfd(j, fd, JSON_INDENT(2)) < 0 || write(fd, "\n", 1) != 1 ||
		   fsync(fd) < 0) {
		ret = tl_err_errno(err, "write %s", tmp);
	} else if (rename(tmp, path) < 0) {
		ret = tl_err_errno(err, "rename %s", tmp);
	}
	if (fd >= 0)
		close(fd);
	json_decref(j);
	return ret;
}

bool tl_router_saved_exists(const char *name)
{
	char path[512];
	return state_path(path, sizeof(path), name, STATE_FILE, NULL) == 0 && access(path, F_OK) == 0;
}

int tl_router_saved_load(const char *name, struct tl_router_saved *out, struct tl_err *err)
{
	char path[512];
	json_error_t jerr;
	memset(out, 0, sizeof(*out));
	int ret = state_path(path, sizeof(path), name, STATE_FILE, err);
	if (ret < 0)
		return ret;
	if (access(path, F_OK) < 0)
		return tl_err_set(err, ENOENT, "no router %s (under %s)", name, tl_router_root());
	json_t *j = json_load_file(path, 0, &jerr);
	if (!j)
		return tl_err_set(err, EINVAL, "%s: %s (line %d)", path, jerr.text, jerr.line);
	const char *n = NULL;
	int version = 0, pid = 0;
	json_int_t ino = 0;
	json_t *in = NULL, *o = NULL, *opts = NULL;
	if (json_unpack_ex(j, &jerr, 0, "{s:i, s:s, s:i, s:I, s:o, s:o, s:o}", "version", &version,
			   "name", &n, "pid", &pid, "netns_ino", &ino, "in", &in, "out", &o,
			   "options", &opts) < 0 || version != TL_ROUTER_STATE_VERSION ||
	    strlen(n) > TL_TESTBED_NAME_MAX) {
		ret = tl_err_set(err, EINVAL, "%s: not a router state file of version %d", path,
				 TL_ROUTER_STATE_VERSION);
		goto out;
	}
	snprintf(out->name, sizeof(out->name), "%s", n);
	out->pid = pid;
	out->netns_ino = (uint64_t)ino;
	if ((ret = tl_router_iface_from_json(in, &out->in, err)) < 0 ||
	    (ret = tl_router_iface_from_json(o, &out->out, err)) < 0)
		goto out;
	out->options = json_is_object(opts) ? json_incref(opts) : json_object();
	ret = 0;
out:
	json_decref(j);
	return ret;
}

bool tl_router_alive(const struct tl_router_saved *s)
{
	char path[64], buf[1024];
	if (s->pid <= 0 || s->pid == getpid())
		return false;
	snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)s->pid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	/* argv NUL-separated: a word "router" after the program's name. */
	for (ssize_t off = (ssize_t)strlen(buf) + 1; off < n; off += (ssize_t)strlen(buf + off) + 1)
		if (!strcmp(buf + off, "router"))
			return true;
	return false;
}

int tl_router_find_iface(const char *ifname, char *name, struct tl_err *err)
{
	DIR *d = opendir(tl_router_root());
	if (!d)
		return errno == ENOENT ? -ENOENT : tl_err_errno(err, "opendir %s", tl_router_root());
	uint64_t ino = tl_router_netns_ino();
	int ret = -ENOENT;
	struct dirent *e;
	while (ret == -ENOENT && (e = readdir(d))) {
		struct tl_router_saved s;
		if (e->d_name[0] == '.' || strlen(e->d_name) > TL_TESTBED_NAME_MAX ||
		    tl_router_saved_load(e->d_name, &s, NULL) < 0)
			continue;
		if (s.netns_ino == ino &&
		    (!strcmp(s.in.name, ifname) || !strcmp(s.out.name, ifname))) {
			snprintf(name, TL_TESTBED_NAME_MAX + 1, "%s", s.name);
			ret = 0;
		}
		tl_router_saved_free(&s);
	}
	closedir(d);
	return ret;
}

void tl_router_remove_dir(const char *name)
{
	char path[512];
	for (size_t i = 0; i < sizeof(dir_files) / sizeof(dir_files[0]); i++)
		if (state_path(path, sizeof(path), name, dir_files[i], NULL) == 0)
			unlink(path);
	if (state_path(path, sizeof(path), name, NULL, NULL) == 0)
		rmdir(path);
}

int tl_router_fwd_state(const struct tl_router_saved *s, struct tl_testbed_state *st,
			struct tl_err *err)
{
	memset(st, 0, sizeof(*st));
	struct tl_testbed_plan *p = &st->plan;
	snprintf(p->name, sizeof(p->name), "%s", s->name);
	p->nhosts = 2;
	/*
	 * hosts[0] is the receiver's side, hosts[1] the one sender's. No addresses or MACs:
	 * every frame from OUT goes to IN, the forwarder's path for a MAC it does not know.
	 */
	const struct tl_router_iface *ifs[2] = { &s->out, &s->in };
	const char *names[2] = { "out", "in" };
	for (unsigned i = 0; i < 2; i++) {
		struct tl_testbed_host *h = &p->hosts[i];
		if (strlen(ifs[i]->name) >= sizeof(h->port))
			return tl_err_set(err, ENAMETOOLONG, "interface name \"%s\" is longer than "
					  "the forwarder's %zu characters (rename it with 'ip link "
					  "set %s name ...')", ifs[i]->name, sizeof(h->port) - 1,
					  ifs[i]->name);
		snprintf(h->name, sizeof(h->name), "%s", names[i]);
		snprintf(h->port, sizeof(h->port), "%s", ifs[i]->name);
		h->addr = i; /* only its last byte is used, for the MACs the router owns */
	}
	snprintf(st->phase, sizeof(st->phase), "up");
	st->forwarder_pid = getpid();
	st->forwarder_cpu = -1;
	st->options = json_deep_copy(s->options);
	if (!st->options)
		return tl_err_set(err, ENOMEM, "router %s: out of memory", s->name);
	return 0;
}
