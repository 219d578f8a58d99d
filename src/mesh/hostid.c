/* Which host and which network namespace a rank runs in (see mesh/hostid.h). */
#include "mesh/hostid.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "net/sock.h"

int tl_mesh_host_id(char *buf, size_t len)
{
	char tmp[64];
	if (tl_read_small_file("/proc/sys/kernel/random/boot_id", tmp, sizeof(tmp), NULL) < 0) {
		/* Without a boot id, the host name at least tells hosts apart. */
		if (gethostname(tmp, sizeof(tmp) - 1) < 0)
			snprintf(tmp, sizeof(tmp), "unknown");
	}
	tmp[strcspn(tmp, "\n")] = '\0';
	snprintf(buf, len, "%s", tmp);
	return 0;
}

int tl_mesh_netns_id(char *buf, size_t len)
{
	char host[64];
	struct stat st;
	tl_mesh_host_id(host, sizeof(host));
	if (stat("/proc/self/ns/net", &st) < 0)
		st.st_ino = 0;
	snprintf(buf, len, "%s/%llu", host, (unsigned long long)st.st_ino);
	return 0;
}
