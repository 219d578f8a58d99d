/* The host settings a campaign's results depend on, recorded with the campaign. */
#include <jansson.h>
#include <string.h>

#include "exp/store.h"
#include "sys/sysctl.h"

char *tl_exp_host_facts(const char *testbed)
{
	static const char *const names[] = { "net.core.rmem_max", "net.core.wmem_max",
					     "net.ipv4.tcp_available_congestion_control",
					     "net.ipv4.tcp_congestion_control" };
	json_t *o = json_object(), *s = json_object();
	char buf[256];
	struct tl_err err;
	if (!o || !s) {
		json_decref(o);
		json_decref(s);
		return NULL;
	}
	json_object_set_new(o, "name", json_string(testbed));
	json_object_set_new(o, "fixed", json_string("every testbed option that is not an axis "
						    "keeps its default (tcplab-testbed(1)); --senders "
						    "is the number of RTTs of the point"));
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (tl_sysctl_read(names[i], buf, sizeof(buf), &err) == 0) {
			buf[strcspn(buf, "\n")] = '\0';
			json_object_set_new(s, names[i], json_string(buf));
		}
	json_object_set_new(o, "host_sysctls", s);
	char *text = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(o);
	return text;
}
