/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The ports of mvctl run's emulated devices, for the example guests
 * (included by the assembler's preprocessor: numbers only).
 */
#ifndef GUEST_DEVICES_H
#define GUEST_DEVICES_H

/* 16550 UART, COM1: transmit/receive register and line status. */
#define UART_DATA	0x3f8
#define UART_LSR	0x3fd
#define UART_LSR_DR	0x01	/* a received byte is waiting */
#define UART_LSR_THRE	0x20	/* the transmitter takes a byte */

/* Debug console: every byte written appears on mvctl's stdout. */
#define DEBUGCON	0xe9

/* Exit port: the value written ends the run as mvctl's exit status. */
#define EXIT_PORT	0xf4

#endif /* GUEST_DEVICES_H */
