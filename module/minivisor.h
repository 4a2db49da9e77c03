/* SPDX-License-Identifier: GPL-2.0 */
/*
 * minivisor: a map of the module.
 *
 * The layers, each calling only the ones below it (module/layers.sh checks
 * the includes as part of `make lint`):
 *
 *   front doors      dev.c (/dev/minivisor), vm.c, vcpu.c, run.h (the
 *                    KVM_RUN loop), netlink.c (management), main.c
 *   backend          backend.h: the operations a vendor's hardware
 *   interface        virtualization offers, chosen at load time
 *   vendor backend   vmx/ (VT-x): VMXON, the VMCS, VM entry, the exits;
 *                    ept/, its second-level page tables
 *   bottom           sriov/ (SR-IOV and assigned PCI functions), over
 *                    memory/ (the guest-physical address space: memslots,
 *                    faults, the MMU notifier, dirty logging),
 *                    x86/ (the architecture: registers, CPUID, FPU,
 *                    the MSRs no backend keeps, emulation of I/O and
 *                    MMIO instructions, hypercalls)
 *                    and irq/ (interrupts waiting for a vCPU, the local
 *                    APIC, MSIs, GSI routes and irqfds, whether a vCPU
 *                    runs or waits)
 *
 * vm.h, vcpu.h and stats.h hold the objects every layer shares: a VM, a
 * vCPU, its counters. A lower layer that needs the backend (guest memory
 * its page tables) calls down through backend.h; x86/ needs none, and
 * says instead how the instruction it emulated ends.
 *
 * Where to look:
 *   Why did the guest exit?            vmx/exits.c (the table), then the
 *                                      handler it names
 *   What does KVM_RUN do?              run.h (the loop), vmx/run.c (the
 *                                      stay in the guest it loops over)
 *   How is a guest page mapped?        memory/fault.c (the fault),
 *                                      ept/ept.c (the tables)
 *   Which interrupt goes next?         irq/pending.h, irq/lapic.h
 *   What does the local APIC do?       irq/lapic.c (registers, IPIs),
 *                                      irq/lapic_timer.c, irq/x2apic.c
 *   Where does a halted vCPU wait?     irq/mp_state.c
 *   Where does a GSI or irqfd go?      irq/routing.c, irq/irqfd.c
 *   How does an I/O or MMIO exit       vmx/io.c, vmx/mmio.c (what the
 *   reach the VMM?                     exit says), then x86/io.c,
 *                                      x86/mmio.c, x86/decode.c
 *   When does the CPU enter VMX        vmx/vmxon.c
 *   operation?
 *   What does the guest see in CPUID?  x86/cpuid.c, x86/supported_cpuid.c
 *   Where does an MSR live?            vmx/msr.c, then x86/msr.c
 *   How does a device's interrupt      sriov/irq.c, sriov/msi.c, then
 *   reach the guest?                   irq/pending.c
 *   Where do memslots and assigned     vm.c (KVM_SET_USER_MEMORY_REGION),
 *   devices meet?                      memory/device.c (BARs)
 *   What do the counters count?        stats.h, netlink.c
 *
 * Locks, outermost first; a lock is only taken with those above it on its
 * line already held, or none:
 *   mv_sriov_lock -> a PCI function's device lock -> mv_assign_lock ->
 *     vm->devices.lock -> vm->memory.slots_lock -> vm->memory.lock
 *   vm->lock -> vmx_lock (vmx/vmxon.c, enabling VMX operation)
 *   vm->devices.lock -> vm->devices.irq_lock
 *   vcpu->mutex -> vm->memory.lock; vcpu->mutex -> vm->devices.irq_lock
 *   vcpu->mutex -> vm->x86.tsc_lock (x86/tsc.c)
 *   a PCI function's device lock -> mv_owned_groups_lock (sriov/claim.c)
 *   vm->irq.lock -> an eventfd's wait-queue lock -> vm->irq.irqfds_lock
 *     (irq/irqfd.c: an irqfd's wake-up runs under the eventfd's lock)
 * The local APICs take no lock: other CPUs set IRR and TMR bits and
 * pending_events atomically, and the rest is the vCPU thread's (lapic.h).
 * vm->memory.lock (which also guards the page tables), vm->devices.irq_lock,
 * vm->x86.tsc_lock, vm->irq.irqfds_lock and the registry's xa_lock (vm.c)
 * are spinlocks, and nothing under them sleeps. vm->devices.irq_lock is
 * also taken in hard interrupt context (sriov/irq.c), so everywhere with
 * interrupts off.
 */
#ifndef MINIVISOR_H
#define MINIVISOR_H

#define MV_NAME "minivisor"

int mv_dev_register(void);
void mv_dev_unregister(void);

#endif /* MINIVISOR_H */
