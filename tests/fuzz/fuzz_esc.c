/* libFuzzer target: the --send escape decoder never overruns and never
 * lengthens its input; a failure always explains itself. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "esc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s, *out, err[256];
	long n;

	s = malloc(size + 1);
	if (s == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	/* exactly the room the header promises, so ASan sees any overrun */
	out = malloc(strlen(s) + 1);
	if (out == NULL) {
		free(s);
		return 0;
	}
	err[0] = '\0';
	n = esc_decode(s, out, err, sizeof(err));
	if (n < -1 || n > (long)strlen(s))
		abort();
	if (n >= 0 && out[n] != '\0')
		abort();
	if (n == -1 && err[0] == '\0')
		abort();
	/* text without a backslash comes through unchanged */
	if (strchr(s, '\\') == NULL && (n != (long)strlen(s) ||
	    memcmp(out, s, (size_t)n) != 0))
		abort();
	free(out);
	free(s);
	return 0;
}
