/* SPDX-License-Identifier: GPL-2.0 */
/*
 * VMX operation on every CPU, held while any VM needs it (Intel SDM Vol.
 * 3C, 24.7 "Enabling and Entering VMX Operation", 24.11 "VMXOFF").
 */
#ifndef MV_VMX_VMXON_H
#define MV_VMX_VMXON_H

/*
 * Take a reference on VMX operation: the first one executes VMXON on every
 * online CPU (and on CPUs that come online later). Returns 0, -EBUSY when
 * another hypervisor already holds VMX on some CPU, or another -errno.
 */
int mv_vmx_get(void);

/* Drop a reference: the last one executes VMXOFF on every CPU. */
void mv_vmx_put(void);

/*
 * Whether this CPU is in VMX operation. Call with preemption off. A CPU on
 * its way offline leaves VMX operation before its tasks have moved away.
 */
bool mv_vmx_on_this_cpu(void);

/*
 * Disable preemption on a CPU in VMX operation: if this one is on its way
 * offline, first wait for the scheduler to move the thread. Undo with
 * preempt_enable().
 */
void mv_vmx_cpu_get(void);

#endif /* MV_VMX_VMXON_H */
