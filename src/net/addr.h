#ifndef TCPLAB_NET_ADDR_H
#define TCPLAB_NET_ADDR_H

#include <stdint.h>
#include <sys/socket.h>

#include "util/err.h"

struct tl_addr {
	struct sockaddr_storage ss;
	socklen_t len;
};

/*
 * Resolves host (a name, an IPv4 or IPv6 literal, or NULL/"" for the wildcard when passive)
 * to one address with the given port. family is AF_UNSPEC, AF_INET or AF_INET6.
 */
int tl_addr_resolve(const char *host, uint16_t port, int family, int passive,
		    struct tl_addr *out, struct tl_err *err);

/* "127.0.0.1:5299" or "[::1]:5299" into buf; returns buf. */
const char *tl_addr_str(const struct tl_addr *a, char *buf, size_t len);
/* The address without the port: "127.0.0.1" or "::1". */
const char *tl_addr_host_str(const struct tl_addr *a, char *buf, size_t len);

uint16_t tl_addr_port(const struct tl_addr *a);
/* 127.0.0.0/8, ::1 or ::ffff:127.x.y.z */
int tl_addr_is_loopback(const struct tl_addr *a);
void tl_addr_set_port(struct tl_addr *a, uint16_t port);

/* The local or peer address of a socket. */
int tl_addr_local(int fd, struct tl_addr *out, struct tl_err *err);
int tl_addr_peer(int fd, struct tl_addr *out, struct tl_err *err);

#endif
