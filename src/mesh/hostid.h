#ifndef TCPLAB_MESH_HOSTID_H
#define TCPLAB_MESH_HOSTID_H

#include <stddef.h>

/*
 * This host's boot id (36 characters; the host name where there is none) and
 * "<boot id>/<netns inode>": ranks that share a namespace share its kernel counters, so the
 * results count each namespace once.
 */
int tl_mesh_host_id(char *buf, size_t len);
int tl_mesh_netns_id(char *buf, size_t len);

#endif
