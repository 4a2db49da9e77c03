// SPDX-License-Identifier: GPL-2.0
/*
 * Entering and leaving VMX operation on every CPU.
 *
 * A CPU runs guests only in VMX operation, which software enters with
 * VMXON once CR4.VMXE is set, handing the CPU a page of its own, the VMXON
 * region, tagged with the VMCS revision identifier (Intel SDM Vol. 3C,
 * 24.7 and 24.11). VMX operation is a per-CPU state shared by everything
 * on that CPU: two hypervisors cannot both own it. minivisor therefore
 * holds it only while a VM with vCPUs exists, and never takes it from
 * under someone else: a CPU that already has CR4.VMXE set belongs to
 * another hypervisor (kvm_intel, say), and the attempt fails with EBUSY.
 *
 * CPUs come and go (hotplug, suspend): a CPU hotplug state runs VMXON on
 * each CPU as it comes online and VMXOFF as it goes, for as long as VMX is
 * held. Registering the state runs VMXON on all online CPUs and undoes it
 * everywhere if one of them fails; removing it runs VMXOFF everywhere.
 *
 * Other CPUs send VMX instructions here by IPI (an EPT flush, a VMCLEAR),
 * and they would fault outside VMX operation. So this CPU enters and
 * leaves VMX operation with interrupts off, and says it is in VMX
 * operation (vmxon_region) only while it is: an IPI sees the truth. After
 * VMXON an all-context INVEPT drops any EPT translations the CPU kept
 * from an earlier stay in VMX operation (SDM Vol. 3C, 29.4.3.1).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cpuhotplug.h>
#include <linux/delay.h>
#include <linux/gfp.h>
#include <linux/io.h>
#include <linux/mutex.h>
#include <linux/percpu.h>
#include <asm/msr.h>
#include <asm/perf_event.h>
#include <asm/special_insns.h>
#include <asm/tlbflush.h>

#include "../delay.h"
#include "caps.h"
#include "insn.h"
#include "vmx.h"
#include "vmxon.h"

static DEFINE_MUTEX(vmx_lock);
static unsigned int vmx_users;
static enum cpuhp_state vmx_hotplug_state;

static DEFINE_PER_CPU(struct page *, vmxon_region);

/*
 * VMXON faults unless CR0 and CR4 hold the values IA32_VMX_CR{0,4}_FIXED
 * demand and IA32_FEATURE_CONTROL allows VMX on this CPU, so check those
 * first, on the CPU itself: firmware may have set up each CPU differently.
 */
static bool cpu_ready_for_vmxon(void)
{
	u64 fixed0, fixed1, feature_control;
	unsigned long cr0 = read_cr0(), cr4 = cr4_read_shadow() | X86_CR4_VMXE;

	if (rdmsrl_safe(MSR_IA32_FEAT_CTL, &feature_control) ||
	    !(feature_control & FEAT_CTL_LOCKED) ||
	    !(feature_control & FEAT_CTL_VMX_ENABLED_OUTSIDE_SMX))
		return false;

	rdmsrl(MSR_IA32_VMX_CR0_FIXED0, fixed0);
	rdmsrl(MSR_IA32_VMX_CR0_FIXED1, fixed1);
	if ((cr0 & fixed0) != fixed0 || (cr0 & ~fixed1))
		return false;

	rdmsrl(MSR_IA32_VMX_CR4_FIXED0, fixed0);
	rdmsrl(MSR_IA32_VMX_CR4_FIXED1, fixed1);
	return (cr4 & fixed0) == fixed0 && !(cr4 & ~fixed1);
}

/* VMXON; fails (CF or ZF set) if the region is not a valid VMXON region. */
static int execute_vmxon(struct page *region)
{
	u64 phys = page_to_phys(region);

	asm goto("vmxon %[phys]\n\t"
		 "jbe %l[failed]"
		 : : [phys] "m"(phys) : "cc", "memory" : failed);
	return 0;
failed:
	return -EIO;
}

static int vmx_cpu_online(unsigned int cpu)
{
	unsigned long flags;
	struct page *region;
	int ret;

	if (cr4_read_shadow() & X86_CR4_VMXE) {
		pr_err_ratelimited("CPU %u: VMX is held by another hypervisor\n",
				   cpu);
		return -EBUSY;
	}
	if (!cpu_ready_for_vmxon()) {
		pr_err_ratelimited("CPU %u: CR0, CR4 or IA32_FEATURE_CONTROL forbid VMXON\n",
				   cpu);
		return -EIO;
	}

	region = alloc_pages_node(cpu_to_node(cpu), GFP_KERNEL | __GFP_ZERO, 0);
	if (!region)
		return -ENOMEM;
	*(u32 *)page_address(region) = mv_vmx_caps.revision_id;

	local_irq_save(flags);
	intel_pt_handle_vmx(1);
	cr4_set_bits(X86_CR4_VMXE);
	ret = execute_vmxon(region);
	if (ret) {
		cr4_clear_bits(X86_CR4_VMXE);
		intel_pt_handle_vmx(0);
	} else {
		execute_invept(VMX_EPT_EXTENT_GLOBAL, 0);
		this_cpu_write(vmxon_region, region);
	}
	local_irq_restore(flags);
	if (ret) {
		__free_page(region);
		pr_err_ratelimited("CPU %u: VMXON failed\n", cpu);
	}
	return ret;
}

static int vmx_cpu_offline(unsigned int cpu)
{
	struct page *region = this_cpu_read(vmxon_region);
	unsigned long flags;

	local_irq_save(flags);
	this_cpu_write(vmxon_region, NULL);
	mv_vmcs_clear_cpu();
	asm volatile("vmxoff" : : : "cc", "memory");
	mv_delay_vmxoff();
	cr4_clear_bits(X86_CR4_VMXE);
	intel_pt_handle_vmx(0);
	local_irq_restore(flags);

	__free_page(region);
	return 0;
}

bool mv_vmx_on_this_cpu(void)
{
	return this_cpu_read(vmxon_region);
}

void mv_vmx_cpu_get(void)
{
	preempt_disable();
	while (unlikely(!mv_vmx_on_this_cpu())) {
		preempt_enable();
		usleep_range(100, 200);
		preempt_disable();
	}
}

int mv_vmx_get(void)
{
	int ret = 0;

	mutex_lock(&vmx_lock);
	if (!vmx_users) {
		ret = cpuhp_setup_state(CPUHP_AP_ONLINE_DYN, "minivisor:vmx",
					vmx_cpu_online, vmx_cpu_offline);
		if (ret < 0) {
			pr_err_ratelimited("cannot enter VMX operation: %d\n",
					   ret);
			goto out;
		}
		vmx_hotplug_state = ret;
		ret = 0;
	}
	vmx_users++;
out:
	mutex_unlock(&vmx_lock);
	return ret;
}

void mv_vmx_put(void)
{
	mutex_lock(&vmx_lock);
	if (!--vmx_users)
		cpuhp_remove_state(vmx_hotplug_state);
	mutex_unlock(&vmx_lock);
}
