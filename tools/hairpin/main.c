// SPDX-License-Identifier: GPL-2.0
/*
 * hairpin: configure nf_hairpin port forwards and NAT loopback.
 */
#include "hairpin.h"

#ifndef HP_VERSION
#define HP_VERSION "unknown"
#endif

const char hp_version[] = HP_VERSION;

int main(int argc, char **argv)
{
	struct hp_req req;
	struct hp_err err;
	int ret = hp_parse_args(argc, argv, &req, &err);

	if (ret) {
		fprintf(stderr, "hairpin: %s\n", err.msg);
		return ret;
	}
	return hp_run(&req);
}
