#ifndef TCPLAB_UTIL_PARSE_H
#define TCPLAB_UTIL_PARSE_H

#include <stdint.h>

#include "util/err.h"

/*
 * Numbers as people write them, parsed once, with bounds. Every function takes the name of
 * what is being parsed (an option such as "--time") so the message can quote it:
 *   --time "3x": not a duration (write a number with a unit: 250ms, 30s, 2m)
 * Each returns 0, or a negative value with err filled.
 */

/* Plain integer, or with a decimal suffix k/m/g (10k = 10000). */
int tl_parse_count(const char *what, const char *s, uint64_t min, uint64_t max,
		   uint64_t *out, struct tl_err *err);

/* Bytes: 1500, 64K, 10M, 1.5G, 4KiB, 2MB. K/M/G/T are powers of 1024 (as iperf and ss do). */
int tl_parse_size(const char *what, const char *s, uint64_t min, uint64_t max,
		  uint64_t *out, struct tl_err *err);

/*
 * Rate in bits/s: 100mbit, 1gbit, 500kbit, 10M, 1.5G (decimal, bits), or bytes per second
 * written with "B/s": 12.5MB/s. "mbps" is refused as ambiguous (tc reads it as megabytes).
 */
int tl_parse_rate(const char *what, const char *s, uint64_t min, uint64_t max,
		  uint64_t *out_bps, struct tl_err *err);

/* Duration in nanoseconds: 250ms, 30s, 1.5s, 2m, 1h, 100us, 500ns; a bare number is seconds. */
int tl_parse_duration(const char *what, const char *s, uint64_t min_ns, uint64_t max_ns,
		      uint64_t *out_ns, struct tl_err *err);

/* A port number 1..65535 (0 allowed when allow_zero, meaning "any"). */
int tl_parse_port(const char *what, const char *s, int allow_zero, uint16_t *out,
		  struct tl_err *err);

/*
 * HOST[:PORT] into host (len bytes) and *port (default_port without one): a name, an IPv4
 * literal, an IPv6 literal in brackets ([2001:db8::1]:5299), or a bare IPv6 literal (no port).
 */
int tl_parse_hostport(const char *what, const char *s, uint16_t default_port, char *host,
		      size_t len, uint16_t *port, struct tl_err *err);

/* Human forms for output: "1.23 Gbit/s", "12.5 MB", "250 ms". Write into buf, return buf. */
const char *tl_fmt_rate(double bps, char *buf, unsigned len);
const char *tl_fmt_size(double bytes, char *buf, unsigned len);
const char *tl_fmt_duration(uint64_t ns, char *buf, unsigned len);
/* A count with thousands grouped: 28232 -> "28,232". */
const char *tl_fmt_count(uint64_t v, char *buf, unsigned len);

#endif
