/* JSON lines: one event per line, flushed, for consumers that follow a running test. */
#include "out/render.h"

void tl_jsonl_event(FILE *f, const char *event, const json_t *data)
{
	json_t *e = json_pack("{s:s,s:O}", "event", event, "data", data);
	json_dumpf(e, f, JSON_COMPACT);
	fputc('\n', f);
	fflush(f);
	json_decref(e);
}
