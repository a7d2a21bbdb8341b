/* libFuzzer target: /proc/net/{tcp,tcp6,udp,udp6} lines parse without
 * crashing; the first byte picks the table. */
#include <netinet/in.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "procnet.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pn_sock s;
	char *line;
	int fam, proto;

	if (size < 1)
		return 0;
	fam = data[0] & 1 ? AF_INET6 : AF_INET;
	proto = data[0] & 2 ? IPPROTO_UDP : IPPROTO_TCP;
	line = malloc(size);
	if (line == NULL)
		return 0;
	memcpy(line, data + 1, size - 1);
	line[size - 1] = '\0';
	if (pn_parse_line(line, fam, proto, &s) == 0) {
		if (s.local.ss_family != fam || s.remote.ss_family != fam)
			abort();
		(void)pn_state_name(proto, s.state);
	}
	free(line);
	return 0;
}
