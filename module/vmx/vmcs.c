// SPDX-License-Identifier: GPL-2.0
/*
 * The VMCS: one page per vCPU that holds the guest's state, the host's
 * state to return to, and the controls that say what makes the guest exit
 * (Intel SDM Vol. 3C, chapter 25, "Virtual Machine Control Structures").
 *
 * A VMCS is "active" on at most one CPU at a time, and the CPU may cache
 * it. To move a vCPU to another CPU, VMCLEAR it on the old CPU (which
 * writes the cached state back to memory), then VMPTRLD it on the new one
 * and rewrite the host fields that differ between CPUs: the TSS, the GDT
 * and the per-CPU stack and GS base (24.11, "Using VMCLEAR"). Each CPU
 * keeps the list of VMCSs active on it, to clear them before VMXOFF.
 *
 * The initial guest state is the processor's state after RESET (Vol. 3A,
 * 10.1.1): real mode, executing at F000:FFF0.
 */
#include <linux/gfp.h>
#include <linux/idr.h>
#include <linux/io.h>
#include <linux/percpu.h>
#include <linux/smp.h>
#include <asm/cpu_entry_area.h>
#include <asm/desc.h>
#include <asm/msr.h>
#include <asm/processor-flags.h>
#include <asm/segment.h>
#include <asm/special_insns.h>
#include <asm/tlbflush.h>

#include "../ept/ept.h"
#include "../vcpu.h"
#include "../vm.h"
#include "caps.h"
#include "cr.h"
#include "insn.h"
#include "segments.h"
#include "vmx.h"
#include "vmxon.h"

/* VM exits resume at this label in entry.S. */
extern const char mv_vmx_exit[];

static DEFINE_PER_CPU(struct list_head, active_vmcss);
static DEFINE_PER_CPU(struct page *, current_vmcs);

/* One MSR bitmap for all vCPUs: every bit set, every RDMSR/WRMSR exits. */
static void *msr_bitmap;

/* VPID 0 tags the host's own TLB entries: guests get 1 and up. */
static DEFINE_IDA(vpids);

int mv_vmcs_setup(void)
{
	unsigned int cpu;

	for_each_possible_cpu(cpu)
		INIT_LIST_HEAD(&per_cpu(active_vmcss, cpu));

	msr_bitmap = (void *)__get_free_page(GFP_KERNEL);
	if (!msr_bitmap)
		return -ENOMEM;
	memset(msr_bitmap, 0xff, PAGE_SIZE);
	return 0;
}

void mv_vmcs_teardown(void)
{
	free_page((unsigned long)msr_bitmap);
}

/*
 * VMCLEAR on the CPU where the VMCS is active (called there). The CPU may
 * have gone offline and back since the IPI was sent: its VMCSs were
 * cleared as it left VMX operation, and this one is active there no more.
 */
static void vmcs_clear_here(void *data)
{
	struct mv_vmx_vcpu *vmx = data;

	if (vmx->vcpu.cpu != (int)smp_processor_id())
		return;
	vmcs_clear(page_to_phys(vmx->vmcs));
	if (this_cpu_read(current_vmcs) == vmx->vmcs)
		this_cpu_write(current_vmcs, NULL);
	list_del(&vmx->loaded_link);
	vmx->vcpu.cpu = -1;
	vmx->launched = false;
}

static void vmcs_deactivate(struct mv_vmx_vcpu *vmx)
{
	int cpu = READ_ONCE(vmx->vcpu.cpu);

	if (cpu >= 0)
		smp_call_function_single(cpu, vmcs_clear_here, vmx, 1);
}

void mv_vmcs_clear_cpu(void)
{
	struct mv_vmx_vcpu *vmx, *next;
	unsigned long flags;

	local_irq_save(flags);
	list_for_each_entry_safe(vmx, next, this_cpu_ptr(&active_vmcss),
				 loaded_link)
		vmcs_clear_here(vmx);
	local_irq_restore(flags);
}

/* Host state that is the same on every CPU and for every task. */
static void vmcs_write_host_constants(void)
{
	struct desc_ptr idt;
	u64 value;

	vmcs_write(HOST_CR0, read_cr0());
	vmcs_write(HOST_CS_SELECTOR, __KERNEL_CS);
	vmcs_write(HOST_SS_SELECTOR, __KERNEL_DS);
	vmcs_write(HOST_DS_SELECTOR, 0);
	vmcs_write(HOST_ES_SELECTOR, 0);
	vmcs_write(HOST_FS_SELECTOR, 0);
	vmcs_write(HOST_GS_SELECTOR, 0);
	vmcs_write(HOST_TR_SELECTOR, GDT_ENTRY_TSS * 8);

	store_idt(&idt);
	vmcs_write(HOST_IDTR_BASE, idt.address);
	vmcs_write(HOST_RIP, (unsigned long)mv_vmx_exit);

	rdmsrl(MSR_IA32_SYSENTER_CS, value);
	vmcs_write(HOST_IA32_SYSENTER_CS, value);
	rdmsrl(MSR_IA32_SYSENTER_EIP, value);
	vmcs_write(HOST_IA32_SYSENTER_EIP, value);
	rdmsrl(MSR_EFER, value);
	vmcs_write(HOST_IA32_EFER, value);
	rdmsrl(MSR_IA32_CR_PAT, value);
	vmcs_write(HOST_IA32_PAT, value);
}

/* Host state that differs from CPU to CPU. */
static void vmcs_write_host_cpu_state(unsigned int cpu)
{
	u64 value;

	vmcs_write(HOST_TR_BASE,
		   (unsigned long)&get_cpu_entry_area(cpu)->tss.x86_tss);
	vmcs_write(HOST_GDTR_BASE, (unsigned long)get_cpu_gdt_ro(cpu));
	rdmsrl(MSR_IA32_SYSENTER_ESP, value);
	vmcs_write(HOST_IA32_SYSENTER_ESP, value);
	rdmsrl(MSR_GS_BASE, value);
	vmcs_write(HOST_GS_BASE, value);
}

/*
 * Make the vCPU's VMCS current on this CPU. Called with preemption off,
 * whenever the vCPU thread (re)gains a CPU. A CPU on its way offline may
 * still run the thread for a moment after leaving VMX operation, before
 * the scheduler pushes it away: no VMCS is loaded there (VMPTRLD would
 * fault), and enter_guest() waits for the move.
 */
void mv_vmcs_load(struct mv_vcpu *vcpu)
{
	struct mv_vmx_vcpu *vmx = to_vmx(vcpu);
	unsigned int cpu = smp_processor_id();
	unsigned long flags;

	if (unlikely(!mv_vmx_on_this_cpu()))
		return;

	if (vmx->vcpu.cpu != cpu) {
		vmcs_deactivate(vmx);
		local_irq_save(flags);
		list_add(&vmx->loaded_link, this_cpu_ptr(&active_vmcss));
		local_irq_restore(flags);
		vmx->vcpu.cpu = cpu;
		/* This CPU may hold stale translations from an earlier stay. */
		vmx->flush_tlb = true;
	}
	if (this_cpu_read(current_vmcs) != vmx->vmcs) {
		vmcs_load(page_to_phys(vmx->vmcs));
		this_cpu_write(current_vmcs, vmx->vmcs);
		vmcs_write_host_cpu_state(cpu);
	}
}

static void vmcs_write_segment(enum mv_segment seg, u16 selector,
			       u32 ar)
{
	vmcs_write(SEGMENT_SELECTOR(seg), selector);
	vmcs_write(SEGMENT_BASE(seg), (unsigned long)selector << 4);
	vmcs_write(SEGMENT_LIMIT(seg), 0xffff);
	vmcs_write(SEGMENT_AR(seg), ar);
}

/* The architectural state after RESET (SDM Vol. 3A, table 10-1). */
void mv_vmcs_reset_guest(struct mv_vcpu *vcpu)
{
	struct mv_vmx_vcpu *vmx = to_vmx(vcpu);
	enum mv_segment seg;

	memset(vcpu->x86.regs, 0, sizeof(vcpu->x86.regs));
	vcpu->x86.regs[MV_RDX] = 0x600;	/* family 6, as KVM reports */

	for (seg = MV_ES; seg <= MV_GS; seg++)
		vmcs_write_segment(seg, 0, 0x93);
	vmcs_write_segment(MV_CS, 0xf000, 0x9b);
	vmcs_write(SEGMENT_BASE(MV_CS), 0xffff0000);
	vmcs_write_segment(MV_LDTR, 0, 0x82);
	vmcs_write_segment(MV_TR, 0, 0x8b);

	vmcs_write(GUEST_GDTR_BASE, 0);
	vmcs_write(GUEST_GDTR_LIMIT, 0xffff);
	vmcs_write(GUEST_IDTR_BASE, 0);
	vmcs_write(GUEST_IDTR_LIMIT, 0xffff);

	vmcs_write(GUEST_RIP, 0xfff0);
	vmcs_write(GUEST_RSP, 0);
	vmcs_write(GUEST_RFLAGS, X86_EFLAGS_FIXED);
	mv_vmx_set_cr0(X86_CR0_ET | X86_CR0_CD | X86_CR0_NW);
	mv_vmx_set_cr4(0);
	vmcs_write(GUEST_CR3, 0);
	vmcs_write(GUEST_DR7, MV_DR7_RESET);
	vmcs_write(GUEST_IA32_DEBUGCTL, 0);
	vmcs_write(GUEST_IA32_EFER, 0);
	vmcs_write(GUEST_IA32_PAT, MV_GUEST_PAT_RESET);
	vmcs_write(GUEST_SYSENTER_CS, 0);
	vmcs_write(GUEST_SYSENTER_ESP, 0);
	vmcs_write(GUEST_SYSENTER_EIP, 0);
	vmcs_write(GUEST_INTERRUPTIBILITY_INFO, 0);
	vmcs_write(GUEST_ACTIVITY_STATE, GUEST_ACTIVITY_ACTIVE);
	vmcs_write(GUEST_PENDING_DBG_EXCEPTIONS, 0);
	vmcs_write(VM_ENTRY_INTR_INFO_FIELD, 0);
	vmcs_write(VM_ENTRY_CONTROLS, mv_vmx_caps.entry_controls);
	vmx->cr2 = 0;
	vmx->xcr0 = XFEATURE_MASK_FP;
	vmx->flush_tlb = true;
}

/*
 * INIT (SDM Vol. 3A, 10.1, table 10-1): the registers as after RESET, the
 * debug registers too, but PAT, XCR0 and the MSRs that are not in the
 * VMCS stay, as do the x87 and SSE state. What the last exit left open
 * for userspace is dropped.
 */
void mv_vmx_vcpu_init(struct mv_vcpu *vcpu)
{
	struct mv_vmx_vcpu *vmx = to_vmx(vcpu);
	u64 pat = vmcs_read(GUEST_IA32_PAT), xcr0 = vmx->xcr0;

	mv_vmcs_reset_guest(vcpu);
	mv_vmx_switch_efer(vcpu, 0);
	vmcs_write(GUEST_IA32_PAT, pat);
	vmx->xcr0 = xcr0;
	memset(vmx->dr, 0, sizeof(vmx->dr));
	vmx->dr6 = MV_DR6_RESET;
	vcpu->x86.waiting = MV_WAITING_NONE;
	vmx->io_rip_noted = false;
}

/* A start-up IPI (SDM 9.4.4, 11.6.1): real mode, at vector times 4 KiB. */
void mv_vmx_vcpu_sipi(struct mv_vcpu *vcpu, u8 vector)
{
	vmcs_write(SEGMENT_SELECTOR(MV_CS), vector << 8);
	vmcs_write(SEGMENT_BASE(MV_CS), vector << 12);
	vmcs_write(GUEST_RIP, 0);
}

static void vmcs_write_controls(struct mv_vcpu *vcpu)
{
	vmcs_write(PIN_BASED_VM_EXEC_CONTROL, mv_vmx_caps.pin_controls);
	vmcs_write(CPU_BASED_VM_EXEC_CONTROL, mv_vmx_caps.cpu_controls);
	vmcs_write(SECONDARY_VM_EXEC_CONTROL, mv_vmx_caps.secondary_controls);
	vmcs_write(VM_EXIT_CONTROLS, mv_vmx_caps.exit_controls);
	vmcs_write(VM_ENTRY_CONTROLS, mv_vmx_caps.entry_controls);
	vmcs_write(EXCEPTION_BITMAP, 0);
	vmcs_write(PAGE_FAULT_ERROR_CODE_MASK, 0);
	vmcs_write(PAGE_FAULT_ERROR_CODE_MATCH, 0);
	vmcs_write(CR3_TARGET_COUNT, 0);
	vmcs_write(VM_EXIT_MSR_STORE_COUNT, 0);
	vmcs_write(VM_EXIT_MSR_LOAD_COUNT, 0);
	vmcs_write(VM_ENTRY_MSR_LOAD_COUNT, 0);
	vmcs_write(CR0_GUEST_HOST_MASK, MV_CR0_HOST_OWNED);
	vmcs_write(CR4_GUEST_HOST_MASK, MV_CR4_HOST_OWNED);
	vmcs_write(MSR_BITMAP, __pa(msr_bitmap));
	vmcs_write(EPT_POINTER, mv_vm_ept(vcpu->vm)->eptp);
	vmcs_write(VIRTUAL_PROCESSOR_ID, to_vmx(vcpu)->vpid);
	vmcs_write(VMCS_LINK_POINTER, -1ull);
}

/*
 * Allocate and initialise the vCPU's VMCS, on the creating CPU. Returns 0
 * or -errno.
 */
int mv_vmcs_create(struct mv_vcpu *vcpu)
{
	struct mv_vmx_vcpu *vmx = to_vmx(vcpu);
	int vpid;

	vpid = ida_alloc_range(&vpids, 1, 0xffff, GFP_KERNEL);
	if (vpid < 0)
		return vpid;
	vmx->vpid = vpid;

	vmx->vmcs = alloc_page(GFP_KERNEL_ACCOUNT | __GFP_ZERO);
	if (!vmx->vmcs) {
		ida_free(&vpids, vmx->vpid);
		return -ENOMEM;
	}
	*(u32 *)page_address(vmx->vmcs) = mv_vmx_caps.revision_id;
	vmx->vcpu.cpu = -1;
	INIT_LIST_HEAD(&vmx->loaded_link);

	mv_vmx_cpu_get();
	vmcs_clear(page_to_phys(vmx->vmcs));
	mv_vmcs_load(vcpu);
	vmcs_write_controls(vcpu);
	vmcs_write_host_constants();
	mv_vmcs_reset_guest(vcpu);
	preempt_enable();
	return 0;
}

void mv_vmcs_destroy(struct mv_vcpu *vcpu)
{
	struct mv_vmx_vcpu *vmx = to_vmx(vcpu);

	vmcs_deactivate(vmx);
	__free_page(vmx->vmcs);
	ida_free(&vpids, vmx->vpid);
}
