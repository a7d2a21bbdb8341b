/* libFuzzer target: durations parse strictly, within range, never crash. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dur.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int64_t ms = -1;
	char *s = malloc(size + 1);
	int rc;

	if (s == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	rc = dur_parse(s, &ms);
	if (rc == 0 && (ms < 0 || ms > DUR_MAX_MS))
		abort();
	if (rc == 0 && strspn(s, "0123456789.mshMSH") != strlen(s))
		abort();	/* only digits, a point and a unit get through */
	if (rc != 0 && rc != -1 && rc != -2)
		abort();
	free(s);
	return 0;
}
