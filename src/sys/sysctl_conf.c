#include "sys/sysctl_conf.h"

#include <ctype.h>
#include <errno.h>
#include <string.h>

/* Copies [s, e) into dst without leading/trailing blanks; returns 0 or -1 if it is too long. */
static int trimmed(const char *s, const char *e, char *dst, size_t len)
{
	while (s < e && isspace((unsigned char)*s))
		s++;
	while (e > s && isspace((unsigned char)e[-1]))
		e--;
	if ((size_t)(e - s) >= len)
		return -1;
	memcpy(dst, s, (size_t)(e - s));
	dst[e - s] = '\0';
	return 0;
}

int tl_sysctl_conf_parse(const char *text, struct tl_sysctl_setting *out, size_t max, size_t *n,
			 struct tl_err *err)
{
	size_t count = 0;
	unsigned lineno = 0;
	const char *p = text;
	while (*p) {
		const char *nl = strchr(p, '\n');
		const char *end = nl ? nl : p + strlen(p);
		lineno++;
		const char *s = p;
		while (s < end && isspace((unsigned char)*s))
			s++;
		if (s < end && *s != '#' && *s != ';') {
			const char *eq = memchr(s, '=', (size_t)(end - s));
			if (!eq)
				return tl_err_set(err, EINVAL, "line %u: \"%.*s\": want \"name = value\"",
						  lineno, (int)(end - p), p);
			if (count == max)
				return tl_err_set(err, E2BIG, "line %u: more than %zu settings", lineno,
						  max);
			struct tl_sysctl_setting *st = &out[count];
			if (*s == '-')
				s++;
			if (trimmed(s, eq, st->name, sizeof(st->name)) < 0 || !st->name[0] ||
			    trimmed(eq + 1, end, st->value, sizeof(st->value)) < 0)
				return tl_err_set(err, EINVAL, "line %u: \"%.*s\": bad name or value",
						  lineno, (int)(end - p), p);
			count++;
		}
		p = nl ? nl + 1 : end;
	}
	*n = count;
	return 0;
}
