/*
 * privsep.h: the split into privilege-separated processes (privsep.c);
 * its types are in privsep_config.h, the children's requests to the
 * monitors in privsep_child.h.
 */
#ifndef POP3D_PRIVSEP_H
#define POP3D_PRIVSEP_H

#include "privsep_config.h"

int	privsep_start(const struct privsep_config *config,
	    struct privsep_result *result);

#endif
