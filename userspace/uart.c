// SPDX-License-Identifier: GPL-2.0
/*
 * A 16550A UART at COM1 (ports 0x3f8-0x3ff), enough of it for a guest
 * that polls: it writes a byte to THR once LSR says THRE, and reads RBR
 * once LSR says DR. What it transmits goes to mvctl's standard output at
 * once; what it receives comes from mvctl's standard input, read only
 * when the guest looks (LSR or RBR) and never waiting for it. There are
 * no interrupts and no FIFOs: IIR always says "no interrupt pending".
 * The divisor latch, IER, LCR, MCR and the scratch register hold what is
 * written to them and nothing else. Registers: the National Semiconductor
 * PC16550D data sheet, table II.
 */
#include <poll.h>
#include <unistd.h>

#include "devices.h"

#define UART_BASE	0x3f8

/* Register offsets; with LCR.DLAB set, 0 and 1 are the divisor latch. */
#define UART_RBR_THR	0
#define UART_IER	1
#define UART_IIR_FCR	2
#define UART_LCR	3
#define UART_MCR	4
#define UART_LSR	5
#define UART_MSR	6
#define UART_SCR	7

#define LCR_DLAB	0x80
#define LSR_DR		0x01	/* a received byte waits in RBR */
#define LSR_THRE	0x20	/* THR can take a byte */
#define LSR_TEMT	0x40	/* and nothing is being sent */
#define IIR_NO_INTERRUPT 0x01
#define MSR_CTS_DSR_DCD	0xb0	/* the other end is there and ready */

static struct {
	uint8_t ier, lcr, mcr, scr;
	uint16_t divisor;
	uint8_t input[256];	/* bytes read from stdin, not yet taken */
	unsigned int input_next, input_end;
	bool input_closed;
} uart;

/* Whether a received byte is waiting; reads stdin if it might be. */
static bool uart_data_ready(void)
{
	struct pollfd pfd = { .fd = STDIN_FILENO, .events = POLLIN };
	ssize_t n;

	if (uart.input_next < uart.input_end)
		return true;
	if (uart.input_closed || poll(&pfd, 1, 0) != 1)
		return false;
	n = read(STDIN_FILENO, uart.input, sizeof(uart.input));
	if (n <= 0) {
		uart.input_closed = true;
		return false;
	}
	uart.input_next = 0;
	uart.input_end = n;
	return true;
}

static uint32_t uart_in(struct vmm *vmm, uint16_t offset, unsigned int size)
{
	(void)vmm;
	(void)size;
	switch (offset) {
	case UART_RBR_THR:
		if (uart.lcr & LCR_DLAB)
			return uart.divisor & 0xff;
		return uart_data_ready() ? uart.input[uart.input_next++] : 0;
	case UART_IER:
		return uart.lcr & LCR_DLAB ? uart.divisor >> 8 : uart.ier;
	case UART_IIR_FCR:
		return IIR_NO_INTERRUPT;
	case UART_LCR:
		return uart.lcr;
	case UART_MCR:
		return uart.mcr;
	case UART_LSR:
		return LSR_THRE | LSR_TEMT | (uart_data_ready() ? LSR_DR : 0);
	case UART_MSR:
		return MSR_CTS_DSR_DCD;
	default:
		return uart.scr;
	}
}

static void uart_out(struct vmm *vmm, uint16_t offset, unsigned int size,
		     uint32_t value)
{
	uint8_t byte = value;

	(void)vmm;
	(void)size;
	switch (offset) {
	case UART_RBR_THR:
		if (uart.lcr & LCR_DLAB)
			uart.divisor = (uart.divisor & 0xff00) | byte;
		else
			devices_output(&byte, 1);
		break;
	case UART_IER:
		if (uart.lcr & LCR_DLAB)
			uart.divisor = (uart.divisor & 0x00ff) | byte << 8;
		else
			uart.ier = byte & 0x0f;
		break;
	case UART_LCR:
		uart.lcr = byte;
		break;
	case UART_MCR:
		uart.mcr = byte & 0x1f;
		break;
	case UART_SCR:
		uart.scr = byte;
		break;
	default:
		/* FCR: no FIFOs to enable; LSR and MSR are read-only. */
		break;
	}
}

const struct port_device uart_device = {
	.name = "16550 UART (COM1)",
	.base = UART_BASE,
	.count = 8,
	.in = uart_in,
	.out = uart_out,
};
