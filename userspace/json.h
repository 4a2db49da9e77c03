/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The little JSON mvctl writes for scripts (--json): strings need quoting.
 */
#ifndef MVCTL_JSON_H
#define MVCTL_JSON_H

#include <stdio.h>

/* Print s as a JSON string, quotes and escapes included. */
void json_print_string(FILE *out, const char *s);

#endif /* MVCTL_JSON_H */
