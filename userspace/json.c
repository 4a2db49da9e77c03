// SPDX-License-Identifier: GPL-2.0
/*
 * JSON strings (RFC 8259, section 7): quote, backslash and control
 * characters escaped, everything else as it is.
 */
#include "json.h"

void json_print_string(FILE *out, const char *s)
{
	fputc('"', out);
	for (; *s; s++) {
		unsigned char c = *s;

		if (c == '"' || c == '\\')
			fprintf(out, "\\%c", c);
		else if (c < 0x20)
			fprintf(out, "\\u%04x", c);
		else
			fputc(c, out);
	}
	fputc('"', out);
}
