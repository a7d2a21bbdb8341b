/* libFuzzer target: endpoint and port parsing never crash, and accept only
 * what they report as valid; a Unix path or abstract name never exceeds
 * sun_path. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../lib/addr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct endpoint ep;
	char err[256], *s, *sep;
	int port;

	s = malloc(size + 1);
	if (s == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	if (ep_parse(s, EP_PORT_ONLY, &ep, err, sizeof(err)) == 0) {
		if (ep.port < 0 || ep.port > 65535 || strlen(ep.host) >= HOST_MAX)
			abort();
		/* a Unix name fits sun_path (an abstract one after its NUL,
		 * written with its '@'), and its address can be made */
		if (ep.is_unix) {
			struct sockaddr_storage ss;

			if (ep.host[0] == '\0' || strlen(ep.host) >
			    UNIX_PATH_LIMIT + (ep.host[0] == '@') ||
			    sa_from_unix(ep.host, &ss) == -1)
				abort();
		}
	} else if (err[0] == '\0')
		abort();		/* a failure always explains itself */
	if (ep_parse(s, EP_UDP, &ep, err, sizeof(err)) == 0 &&
	    ep.host[0] == '\0')
		abort();		/* without EP_PORT_ONLY a host is required */
	/* the two-argument form: split at the first space */
	sep = strchr(s, ' ');
	if (sep != NULL) {
		*sep = '\0';
		if (ep_parse2(s, sep + 1, 0, &ep, err, sizeof(err)) == 0 &&
		    (ep.port < 0 || ep.port > 65535))
			abort();
	}
	if (port_parse(s, 0, &port, err, sizeof(err)) == 0 &&
	    (port < 0 || port > 65535))
		abort();
	free(s);
	return 0;
}
