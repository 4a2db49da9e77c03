/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pci: a guest that finds a device on its PCI bus and drives it, for
 * mvctl run --assign with an Intel e1000 (82540EM).
 *
 * In 32-bit protected mode it scans bus 0, every device and function,
 * through configuration mechanism #1 (a dword to CONFIG_ADDRESS at 0xcf8,
 * then the register through CONFIG_DATA at 0xcfc-0xcff), and prints each
 * function it finds: its address, vendor:device and BAR0. The first one
 * with a memory BAR0 is driven: memory space on in its command register,
 * then through BAR0, which minivisor maps into the EPT, so these are plain
 * loads and stores that reach the device without a VM exit: it reads
 * STATUS (offset 0x8) and prints it, writes 0x12345678 to RAL0 (0x5400,
 * the low half of receive address 0) and prints what reads back. The exit
 * port says how it went: 0 if the value read back matched, 1 if not or if
 * there was no such function. Registers: Intel's PCI/PCI-X Family of
 * Gigabit Ethernet Controllers Software Developer's Manual, 13.
 */
#include "devices.h"

#define PCI_CONFIG_ADDRESS	0xcf8
#define PCI_CONFIG_DATA		0xcfc
#define PCI_CONFIG_ENABLE	0x80000000
#define PCI_FUNCTION_STEP	0x100	/* function (and device) in bits 15-8 */

/* Configuration space registers */
#define PCI_VENDOR_ID		0x00
#define PCI_DEVICE_ID		0x02
#define PCI_COMMAND		0x04
#define PCI_COMMAND_MEMORY	0x0002
#define PCI_BAR0		0x10
#define PCI_BAR_IO		0x01
#define PCI_BAR_MEMORY_MASK	0xfffffff0

/* e1000 registers, as offsets in BAR0 */
#define E1000_STATUS		0x0008
#define E1000_RAL0		0x5400

#define TEST_VALUE		0x12345678

	.code32
	.text
	.globl	_start
_start:
	xor	%ebp, %ebp		/* the function to drive: none yet */
	mov	$PCI_CONFIG_ENABLE, %ebx	/* bus 0, device 0, function 0 */
scan:
	mov	$PCI_VENDOR_ID, %eax
	call	config_select
	in	%dx, %ax
	cmp	$0xffff, %ax		/* an empty slot reads all ones */
	je	next_function
	movzwl	%ax, %edi

	mov	$bus_prefix, %esi	/* "00:DD.F " */
	call	print
	mov	%ebx, %eax
	shr	$11, %eax
	and	$0x1f, %eax
	mov	$2, %ecx
	call	print_hex
	mov	$'.', %al
	call	put_byte
	mov	%ebx, %eax
	shr	$8, %eax
	and	$0x7, %eax
	mov	$1, %ecx
	call	print_hex
	mov	$' ', %al
	call	put_byte

	mov	%edi, %eax		/* "VVVV:DDDD" */
	mov	$4, %ecx
	call	print_hex
	mov	$':', %al
	call	put_byte
	mov	$PCI_DEVICE_ID, %eax
	call	config_select
	in	%dx, %ax
	mov	$4, %ecx
	call	print_hex

	mov	$PCI_BAR0, %eax		/* " BAR0 0x........" */
	call	config_select
	in	%dx, %eax
	mov	%eax, %edi
	mov	$bar0_label, %esi
	call	print
	mov	%edi, %eax
	mov	$8, %ecx
	call	print_hex
	mov	$newline, %esi
	call	print

	/* The first function with a memory BAR0 is the one to drive. */
	test	%ebp, %ebp
	jnz	next_function
	test	$PCI_BAR_IO, %edi
	jnz	next_function
	test	$PCI_BAR_MEMORY_MASK, %edi
	jz	next_function
	mov	%ebx, %ebp
next_function:
	add	$PCI_FUNCTION_STEP, %ebx
	cmp	$PCI_CONFIG_ENABLE + 0x10000, %ebx	/* past bus 0 */
	jb	scan

	test	%ebp, %ebp
	jnz	drive
	mov	$none_found, %esi
	call	print
	mov	$1, %al
	out	%al, $EXIT_PORT
	hlt

drive:
	mov	%ebp, %ebx
	mov	$PCI_COMMAND, %eax	/* memory space on: a 16-bit access */
	call	config_select
	in	%dx, %ax
	or	$PCI_COMMAND_MEMORY, %ax
	out	%ax, %dx
	mov	$PCI_BAR0, %eax
	call	config_select
	in	%dx, %eax
	and	$PCI_BAR_MEMORY_MASK, %eax
	mov	%eax, %edi

	mov	$status_label, %esi
	call	print
	mov	E1000_STATUS(%edi), %eax
	mov	$8, %ecx
	call	print_hex
	mov	$newline, %esi
	call	print

	movl	$TEST_VALUE, E1000_RAL0(%edi)
	mov	E1000_RAL0(%edi), %ebp
	mov	$ral0_label, %esi
	call	print
	mov	%ebp, %eax
	mov	$8, %ecx
	call	print_hex
	mov	$newline, %esi
	call	print

	xor	%eax, %eax
	cmp	$TEST_VALUE, %ebp
	setne	%al
	out	%al, $EXIT_PORT
	hlt

/*
 * Point CONFIG_ADDRESS at the dword holding register EAX of the function
 * EBX (enable, bus, device, function) and give in DX the CONFIG_DATA port
 * for the register's bytes. Clobbers EAX.
 */
config_select:
	push	%eax
	and	$0xfc, %eax
	or	%ebx, %eax
	mov	$PCI_CONFIG_ADDRESS, %dx
	out	%eax, %dx
	pop	%edx
	and	$0x3, %edx
	add	$PCI_CONFIG_DATA, %edx
	ret

/* Print the low ECX (1 to 8) hex digits of EAX. Clobbers EAX and ECX. */
print_hex:
	push	%edx
	push	%ecx
	mov	%eax, %edx
	/* Bring the first digit to print to the top: shift by 32 - 4 * ECX. */
	shl	$2, %ecx
	neg	%ecx
	add	$32, %ecx
	shl	%cl, %edx
	pop	%ecx
	put_hex_digits %edx
	pop	%edx
	ret

/* Print the NUL-terminated string at ESI. Clobbers AL and ESI. */
print:
	push	%edx
	push	%ebx
	uart_print
	pop	%ebx
	pop	%edx
	ret

/* Send AL to the UART once it takes a byte. */
put_byte:
	push	%edx
	push	%ebx
	push	%eax
	mov	%al, %bl
	uart_put_bl
	pop	%eax
	pop	%ebx
	pop	%edx
	ret

bus_prefix:
	.asciz	"00:"
bar0_label:
	.asciz	" BAR0 0x"
status_label:
	.asciz	"STATUS 0x"
ral0_label:
	.asciz	"RAL0 0x"
none_found:
	.asciz	"no PCI function with a memory BAR0\n"
newline:
	.asciz	"\n"
hex_digits:
	.ascii	"0123456789abcdef"
