#include "net/addr.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

int tl_addr_resolve(const char *host, uint16_t port, int family, int passive,
		    struct tl_addr *out, struct tl_err *err)
{
	struct addrinfo hints = { 0 }, *res = NULL;
	char service[8];
	int rc;

	if (host && host[0] == '[') {
		/* Accept the bracketed IPv6 form people copy from URLs: [::1]. */
		size_t n = strlen(host);
		if (n < 3 || host[n - 1] != ']')
			return tl_err_set(err, EINVAL, "address \"%s\": unbalanced brackets (write [::1] or ::1)", host);
		char inner[INET6_ADDRSTRLEN + 8];
		snprintf(inner, sizeof(inner), "%.*s", (int)(n - 2), host + 1);
		return tl_addr_resolve(inner, port, family ? family : AF_INET6, passive, out, err);
	}
	hints.ai_family = family;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV | (passive ? AI_PASSIVE : 0);
	snprintf(service, sizeof(service), "%u", port);
	rc = getaddrinfo(host && *host ? host : NULL, service, &hints, &res);
	if (rc != 0)
		return tl_err_set(err, rc == EAI_SYSTEM ? errno : ENOENT,
				  "resolve \"%s\": %s (check the name, or give an IPv4/IPv6 address)",
				  host ? host : "", gai_strerror(rc));
	memset(out, 0, sizeof(*out));
	memcpy(&out->ss, res->ai_addr, res->ai_addrlen);
	out->len = res->ai_addrlen;
	freeaddrinfo(res);
	return 0;
}

const char *tl_addr_host_str(const struct tl_addr *a, char *buf, size_t len)
{
	const void *src = NULL;
	if (a->ss.ss_family == AF_INET)
		src = &((const struct sockaddr_in *)&a->ss)->sin_addr;
	else if (a->ss.ss_family == AF_INET6)
		src = &((const struct sockaddr_in6 *)&a->ss)->sin6_addr;
	if (!src || !inet_ntop(a->ss.ss_family, src, buf, (socklen_t)len))
		snprintf(buf, len, "?");
	return buf;
}

const char *tl_addr_str(const struct tl_addr *a, char *buf, size_t len)
{
	char host[INET6_ADDRSTRLEN];
	tl_addr_host_str(a, host, sizeof(host));
	if (a->ss.ss_family == AF_INET6)
		snprintf(buf, len, "[%s]:%u", host, tl_addr_port(a));
	else
		snprintf(buf, len, "%s:%u", host, tl_addr_port(a));
	return buf;
}

uint16_t tl_addr_port(const struct tl_addr *a)
{
	if (a->ss.ss_family == AF_INET)
		return ntohs(((const struct sockaddr_in *)&a->ss)->sin_port);
	if (a->ss.ss_family == AF_INET6)
		return ntohs(((const struct sockaddr_in6 *)&a->ss)->sin6_port);
	return 0;
}

int tl_addr_is_loopback(const struct tl_addr *a)
{
	if (a->ss.ss_family == AF_INET)
		return (ntohl(((const struct sockaddr_in *)&a->ss)->sin_addr.s_addr) >> 24) == 127;
	if (a->ss.ss_family == AF_INET6) {
		const struct in6_addr *in6 = &((const struct sockaddr_in6 *)&a->ss)->sin6_addr;
		return IN6_IS_ADDR_LOOPBACK(in6) || (IN6_IS_ADDR_V4MAPPED(in6) && in6->s6_addr[12] == 127);
	}
	return 0;
}

void tl_addr_set_port(struct tl_addr *a, uint16_t port)
{
	if (a->ss.ss_family == AF_INET)
		((struct sockaddr_in *)&a->ss)->sin_port = htons(port);
	else if (a->ss.ss_family == AF_INET6)
		((struct sockaddr_in6 *)&a->ss)->sin6_port = htons(port);
}

int tl_addr_local(int fd, struct tl_addr *out, struct tl_err *err)
{
	out->len = sizeof(out->ss);
	if (getsockname(fd, (struct sockaddr *)&out->ss, &out->len) < 0)
		return tl_err_errno(err, "getsockname");
	return 0;
}

int tl_addr_peer(int fd, struct tl_addr *out, struct tl_err *err)
{
	out->len = sizeof(out->ss);
	if (getpeername(fd, (struct sockaddr *)&out->ss, &out->len) < 0)
		return tl_err_errno(err, "getpeername");
	return 0;
}
