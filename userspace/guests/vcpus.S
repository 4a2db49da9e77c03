/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vcpus: run with --vcpus N, every vCPU starts here with its id in DI.
 * Each writes its id as a digit to the debug console and halts; the run
 * ends when all have. The digits come out in whatever order the vCPU
 * threads get there.
 */
#include "devices.h"

	.code16
	.text
	.globl	_start
_start:
	mov	%di, %ax
	add	$'0', %al
	out	%al, $DEBUGCON
	hlt
