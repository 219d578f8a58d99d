#ifndef TCPLAB_OUT_ROUTER_LIST_TABLE_H
#define TCPLAB_OUT_ROUTER_LIST_TABLE_H

#include <stdio.h>

#include "result/router_list.h"

/*
 * `router list`'s table (result/router_list.h): one row per router, then a line for each
 * stopped one saying how to put its interfaces back, and whether the list was cut or
 * entries could not be read. "no routers (under ROOT)" when there is none; where names
 * the host when the list came from another one (NULL: this host).
 */
void tl_out_router_list_table(FILE *f, const struct tl_router_list *l, const char *where);

#endif
