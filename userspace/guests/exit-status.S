/* SPDX-License-Identifier: GPL-2.0 */
/*
 * exit-status: ends the run through the exit port with status 42, which
 * mvctl passes on as its own exit status.
 */
#include "devices.h"

	.code16
	.text
	.globl	_start
_start:
	mov	$42, %al
	out	%al, $EXIT_PORT
	hlt
