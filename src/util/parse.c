#include "util/parse.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct unit {
	const char *suffix;
	double scale;
};

/*
 * Splits s into a finite, non-negative number and a suffix, then looks the suffix up in
 * units (case-sensitive first, then without case). Returns the scaled value or -1.
 */
static int scaled(const char *s, const struct unit *units, double *out, const char **bad_suffix)
{
	char *end;
	*bad_suffix = NULL;
	if (!s || !*s || isspace((unsigned char)*s) || *s == '-' || *s == '+')
		return -1;
	errno = 0;
	double v = strtod(s, &end);
	if (end == s || errno == ERANGE || !isfinite(v) || v < 0)
		return -1;
	/* strtod accepts "inf", "nan" and hex; numbers here are plain decimals. */
	for (const char *p = s; p < end; p++)
		if (!isdigit((unsigned char)*p) && *p != '.')
			return -1;
	for (const struct unit *u = units; u->suffix; u++)
		if (strcmp(end, u->suffix) == 0) {
			*out = v * u->scale;
			return 0;
		}
	for (const struct unit *u = units; u->suffix; u++)
		if (strcasecmp(end, u->suffix) == 0) {
			*out = v * u->scale;
			return 0;
		}
	*bad_suffix = end;
	return -1;
}

/* As scaled(), but the suffix must match exactly. */
static int scaled_exact(const char *s, const struct unit *units, double *out, const char **bad_suffix)
{
	double v;
	const char *bad;
	int rc = scaled(s, units, &v, &bad);
	if (rc < 0) {
		*bad_suffix = bad;
		return rc;
	}
	/* scaled() accepted it, maybe by case folding: look again without it */
	char *end;
	strtod(s, &end);
	for (const struct unit *u = units; u->suffix; u++)
		if (strcmp(end, u->suffix) == 0) {
			*out = v;
			return 0;
		}
	*bad_suffix = end;
	return -1;
}

static int bounded(const char *what, const char *s, double v, uint64_t min, uint64_t max,
		   uint64_t *out, const char *unit_name, struct tl_err *err)
{
	if (v > (double)UINT64_MAX || v < (double)min || v > (double)max) {
		char lo[48], hi[48];
		snprintf(lo, sizeof(lo), "%llu", (unsigned long long)min);
		snprintf(hi, sizeof(hi), "%llu", (unsigned long long)max);
		return tl_err_set(err, ERANGE, "%s \"%s\": out of range (%s %s to %s)", what, s,
				  unit_name, lo, hi);
	}
	*out = (uint64_t)llround(v);
	return 0;
}

int tl_parse_count(const char *what, const char *s, uint64_t min, uint64_t max,
		   uint64_t *out, struct tl_err *err)
{
	static const struct unit units[] = {
		{ "", 1 }, { "k", 1e3 }, { "m", 1e6 }, { "g", 1e9 }, { NULL, 0 }
	};
	double v;
	const char *bad;
	if (scaled(s, units, &v, &bad) < 0 || v != floor(v))
		return tl_err_set(err, EINVAL, "%s \"%s\": not a whole number (write e.g. 16 or 10k)",
				  what, s ? s : "");
	return bounded(what, s, v, min, max, out, "a count from", err);
}

int tl_parse_size(const char *what, const char *s, uint64_t min, uint64_t max,
		  uint64_t *out, struct tl_err *err)
{
	static const struct unit units[] = {
		{ "", 1 }, { "B", 1 },
		{ "K", 1024.0 }, { "KB", 1024.0 }, { "KiB", 1024.0 },
		{ "M", 1048576.0 }, { "MB", 1048576.0 }, { "MiB", 1048576.0 },
		{ "G", 1073741824.0 }, { "GB", 1073741824.0 }, { "GiB", 1073741824.0 },
		{ "T", 1099511627776.0 }, { "TB", 1099511627776.0 }, { "TiB", 1099511627776.0 },
		{ NULL, 0 }
	};
	double v;
	const char *bad;
	if (scaled(s, units, &v, &bad) < 0)
		return tl_err_set(err, EINVAL,
				  "%s \"%s\": not a size (write bytes with an optional unit: 1448, 64K, 10M, 1.5G)",
				  what, s ? s : "");
	return bounded(what, s, v, min, max, out, "bytes from", err);
}

int tl_parse_rate(const char *what, const char *s, uint64_t min, uint64_t max,
		  uint64_t *out_bps, struct tl_err *err)
{
	/* Exact spellings only, no case folding: "b" is a bit and "B" a byte, so 100Mb/s and
	 * 100MB/s differ eightfold and neither may be guessed. */
	static const struct unit units[] = {
		{ "", 1 }, { "bit", 1 },
		{ "k", 1e3 }, { "K", 1e3 }, { "kbit", 1e3 }, { "Kbit", 1e3 },
		{ "M", 1e6 }, { "mbit", 1e6 }, { "Mbit", 1e6 },
		{ "G", 1e9 }, { "gbit", 1e9 }, { "Gbit", 1e9 },
		{ "T", 1e12 }, { "tbit", 1e12 }, { "Tbit", 1e12 },
		{ "bit/s", 1 }, { "kbit/s", 1e3 }, { "Kbit/s", 1e3 }, { "Mbit/s", 1e6 }, { "Gbit/s", 1e9 },
		{ "Tbit/s", 1e12 }, { "mbit/s", 1e6 }, { "gbit/s", 1e9 }, { "tbit/s", 1e12 }, { "b/s", 1 }, { "kb/s", 1e3 }, { "Kb/s", 1e3 }, { "Mb/s", 1e6 },
		{ "Gb/s", 1e9 }, { "Tb/s", 1e12 },
		{ "B/s", 8 }, { "kB/s", 8e3 }, { "KB/s", 8e3 }, { "MB/s", 8e6 }, { "GB/s", 8e9 },
		{ "TB/s", 8e12 },
		{ NULL, 0 }
	};
	double v;
	const char *bad;
	if (scaled_exact(s, units, &v, &bad) < 0) {
		if (bad && strlen(bad) >= 3 && strcasecmp(bad + strlen(bad) - 3, "bps") == 0)
			return tl_err_set(err, EINVAL,
					  "%s \"%s\": \"bps\" is ambiguous (tc reads it as bytes/s); write bits as "
					  "100mbit or bytes as 12.5MB/s", what, s);
		if (bad && *bad)
			return tl_err_set(err, EINVAL,
					  "%s \"%s\": unit \"%s\" is not a rate (bits: 100mbit, 100Mbit/s, 100Mb/s, 10M; "
					  "bytes: 12.5MB/s)", what, s, bad);
		return tl_err_set(err, EINVAL,
				  "%s \"%s\": not a rate (write bits/s with a unit: 100mbit, 1gbit, 10M, 1.5G)",
				  what, s ? s : "");
	}
	return bounded(what, s, v, min, max, out_bps, "bit/s from", err);
}

int tl_parse_duration(const char *what, const char *s, uint64_t min_ns, uint64_t max_ns,
		      uint64_t *out_ns, struct tl_err *err)
{
	static const struct unit units[] = {
		{ "", 1e9 }, { "s", 1e9 }, { "sec", 1e9 }, { "ms", 1e6 }, { "us", 1e3 },
		{ "ns", 1 }, { "m", 60e9 }, { "min", 60e9 }, { "h", 3600e9 }, { NULL, 0 }
	};
	double v;
	const char *bad;
	if (scaled(s, units, &v, &bad) < 0)
		return tl_err_set(err, EINVAL,
				  "%s \"%s\": not a duration (write a number with a unit: 250ms, 30s, 2m)",
				  what, s ? s : "");
	return bounded(what, s, v, min_ns, max_ns, out_ns, "nanoseconds from", err);
}

int tl_parse_port(const char *what, const char *s, int allow_zero, uint16_t *out,
		  struct tl_err *err)
{
	uint64_t v;
	if (tl_parse_count(what, s, allow_zero ? 0 : 1, 65535, &v, NULL) < 0)
		return tl_err_set(err, EINVAL, "%s \"%s\": not a port (%d to 65535)", what,
				  s ? s : "", allow_zero ? 0 : 1);
	*out = (uint16_t)v;
	return 0;
}

int tl_parse_hostport(const char *what, const char *s, uint16_t default_port, char *host,
		      size_t len, uint16_t *port, struct tl_err *err)
{
	const char *h = s, *colon = NULL;
	size_t hl;
	if (!s || !*s)
		return tl_err_set(err, EINVAL, "%s \"\": write HOST or HOST:PORT", what);
	if (s[0] == '[') {
		const char *close = strchr(s, ']');
		if (!close || close == s + 1 || (close[1] && close[1] != ':'))
			return tl_err_set(err, EINVAL, "%s \"%s\": write [IPV6] or [IPV6]:PORT", what, s);
		h = s + 1;
		hl = (size_t)(close - h);
		colon = close[1] == ':' ? close + 1 : NULL;
	} else {
		colon = strchr(s, ':');
		if (colon && strchr(colon + 1, ':'))
			colon = NULL; /* a bare IPv6 literal: no port */
		hl = colon ? (size_t)(colon - s) : strlen(s);
	}
	if (hl == 0 || hl >= len)
		return tl_err_set(err, EINVAL, "%s \"%s\": %s", what, s,
				  hl ? "host name too long" : "no host before the port (write HOST:PORT)");
	memcpy(host, h, hl);
	host[hl] = '\0';
	*port = default_port;
	if (colon && tl_parse_port(what, colon + 1, 0, port, NULL) < 0)
		return tl_err_set(err, EINVAL, "%s \"%s\": not a port after the ':' (write HOST:PORT, "
				  "PORT 1 to 65535)", what, s);
	return 0;
}

static const char *fmt_scaled(double v, const char *const *names, double step, char *buf,
			      unsigned len)
{
	int i = 0;
	while (fabs(v) >= step * 0.9995 && names[i + 1]) {
		v /= step;
		i++;
	}
	/* three significant digits, with the trailing zero kept (18.0, not 18) so columns align */
	const char *fmt = i == 0 || fabs(v) >= 99.95 ? "%.0f %s" : fabs(v) >= 9.995 ? "%.1f %s" : "%.2f %s";
	snprintf(buf, len, fmt, v, names[i]);
	return buf;
}

const char *tl_fmt_rate(double bps, char *buf, unsigned len)
{
	static const char *const names[] = { "bit/s", "kbit/s", "Mbit/s", "Gbit/s", "Tbit/s", NULL };
	return fmt_scaled(bps, names, 1000.0, buf, len);
}

const char *tl_fmt_size(double bytes, char *buf, unsigned len)
{
	static const char *const names[] = { "B", "KiB", "MiB", "GiB", "TiB", NULL };
	return fmt_scaled(bytes, names, 1024.0, buf, len);
}

const char *tl_fmt_duration(uint64_t ns, char *buf, unsigned len)
{
	if (ns >= 10 * 1000000000ULL)
		snprintf(buf, len, "%.1f s", (double)ns / 1e9);
	else if (ns >= 1000000000ULL)
		snprintf(buf, len, "%.3f s", (double)ns / 1e9);
	else if (ns >= 1000000)
		snprintf(buf, len, "%.3g ms", (double)ns / 1e6);
	else if (ns >= 1000)
		snprintf(buf, len, "%.3g us", (double)ns / 1e3);
	else
		snprintf(buf, len, "%llu ns", (unsigned long long)ns);
	return buf;
}

const char *tl_fmt_count(uint64_t v, char *buf, unsigned len)
{
	char digits[32];
	int n = snprintf(digits, sizeof(digits), "%llu", (unsigned long long)v);
	unsigned o = 0;
	for (int i = 0; i < n && o + 2 < len; i++) {
		if (i > 0 && (n - i) % 3 == 0)
			buf[o++] = ',';
		buf[o++] = digits[i];
	}
	if (len)
		buf[o < len ? o : len - 1] = '\0';
	return buf;
}
