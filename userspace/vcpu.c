// SPDX-License-Identifier: GPL-2.0
/*
 * A vCPU thread of mvctl run and mvctl lab: KVM_RUN, look at why the
 * guest stopped (kvm_run.exit_reason, api.rst "KVM_RUN"), serve it,
 * KVM_RUN again.
 *
 * I/O, MMIO and hypercall exits go to the emulated devices, and the next
 * KVM_RUN completes the guest's instruction with what they answered. HLT stops
 * this vCPU (nothing will ever interrupt it: mvctl injects no
 * interrupts); the run ends once every vCPU has halted. A triple fault
 * (KVM_EXIT_SHUTDOWN), a failed VM entry or an internal error ends the
 * whole run. So does the main thread, by setting vmm->stopping and
 * sending VMM_KICK_SIGNAL: the thread keeps that signal blocked and lets
 * KVM_RUN unblock it (KVM_SET_SIGNAL_MASK), so a kick sent while the
 * thread is outside KVM_RUN stays pending and makes the next KVM_RUN
 * return EINTR at once.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>

#include "devices.h"
#include "vmm.h"

#define EXIT_NAME(reason) [KVM_EXIT_##reason] = #reason

static const char *const exit_names[VMM_EXIT_REASONS] = {
	EXIT_NAME(UNKNOWN),
	EXIT_NAME(EXCEPTION),
	EXIT_NAME(IO),
	EXIT_NAME(HYPERCALL),
	EXIT_NAME(DEBUG),
	EXIT_NAME(HLT),
	EXIT_NAME(MMIO),
	EXIT_NAME(IRQ_WINDOW_OPEN),
	EXIT_NAME(SHUTDOWN),
	EXIT_NAME(FAIL_ENTRY),
	EXIT_NAME(INTR),
	EXIT_NAME(SET_TPR),
	EXIT_NAME(TPR_ACCESS),
	EXIT_NAME(NMI),
	EXIT_NAME(INTERNAL_ERROR),
	EXIT_NAME(SYSTEM_EVENT),
	EXIT_NAME(X86_RDMSR),
	EXIT_NAME(X86_WRMSR),
};

const char *vmm_exit_name(uint32_t reason)
{
	return reason < VMM_EXIT_REASONS ? exit_names[reason] : NULL;
}

/*
 * --trace: one line on stderr for the exit vcpu just took (ret: what
 * KVM_RUN returned, 0 or -errno; other failures are reported anyway).
 */
static void trace_exit(struct vmm_vcpu *vcpu, int ret)
{
	struct kvm_run *run = vcpu->run;
	const char *name = vmm_exit_name(run->exit_reason);
	struct kvm_regs regs;
	char details[160] = "";
	uint32_t value = 0;

	if (ret == -EINTR)
		name = "INTR (KVM_RUN interrupted by a signal)";
	else if (ret < 0)
		return;
	switch (ret ? KVM_EXIT_INTR : run->exit_reason) {
	case KVM_EXIT_IO:
		snprintf(details, sizeof(details),
			 " %s port %#x size %u count %u",
			 run->io.direction == KVM_EXIT_IO_OUT ? "out" : "in",
			 run->io.port, run->io.size, run->io.count);
		if (run->io.direction == KVM_EXIT_IO_OUT) {
			memcpy(&value, (uint8_t *)run + run->io.data_offset,
			       run->io.size);
			snprintf(details + strlen(details),
				 sizeof(details) - strlen(details),
				 " data %#x", value);
		}
		break;
	case KVM_EXIT_MMIO:
		memcpy(&value, run->mmio.data,
		       run->mmio.len < 4 ? run->mmio.len : 4);
		snprintf(details, sizeof(details), " %s %#llx len %u",
			 run->mmio.is_write ? "write" : "read",
			 (unsigned long long)run->mmio.phys_addr,
			 run->mmio.len);
		if (run->mmio.is_write)
			snprintf(details + strlen(details),
				 sizeof(details) - strlen(details),
				 " data %#x", value);
		break;
	case KVM_EXIT_HYPERCALL:
		snprintf(details, sizeof(details), " nr %llu args %#llx %#llx",
			 (unsigned long long)run->hypercall.nr,
			 (unsigned long long)run->hypercall.args[0],
			 (unsigned long long)run->hypercall.args[1]);
		break;
	case KVM_EXIT_FAIL_ENTRY:
		snprintf(details, sizeof(details), " hardware reason %#llx",
			 (unsigned long long)
			 run->fail_entry.hardware_entry_failure_reason);
		break;
	case KVM_EXIT_INTERNAL_ERROR:
		snprintf(details, sizeof(details), " suberror %u",
			 run->internal.suberror);
		break;
	default:
		break;
	}
	if (ioctl(vcpu->fd, KVM_GET_REGS, &regs))
		regs.rip = 0;
	fprintf(stderr, "mvctl trace: vcpu %d: %s rip %#llx%s\n", vcpu->id,
		name ? name : "?", (unsigned long long)regs.rip, details);
}

static void count_exit(struct vmm_vcpu *vcpu, uint32_t reason)
{
	vcpu->exits[reason < VMM_EXIT_REASONS ? reason : VMM_EXIT_REASONS]++;
}

/*
 * Let VMM_KICK_SIGNAL through while in KVM_RUN: the thread's own mask
 * (which blocks it) without it.
 */
static int unblock_kick_in_kvm_run(struct vmm_vcpu *vcpu)
{
	struct {
		struct kvm_signal_mask header;
		uint64_t set;
	} mask = { .header.len = sizeof(uint64_t) };
	sigset_t blocked;

	pthread_sigmask(SIG_BLOCK, NULL, &blocked);
	sigdelset(&blocked, VMM_KICK_SIGNAL);
	/* The kernel's sigset_t is the first 64 bits of the C library's. */
	memcpy(&mask.set, &blocked, sizeof(mask.set));
	return ioctl(vcpu->fd, KVM_SET_SIGNAL_MASK, &mask) ? -errno : 0;
}

/* Serve one exit; returns false when this vCPU is done. */
static bool serve_exit(struct vmm_vcpu *vcpu)
{
	struct vmm *vmm = vcpu->vmm;
	struct kvm_run *run = vcpu->run;

	switch (run->exit_reason) {
	case KVM_EXIT_IO:
		pthread_mutex_lock(&vmm->devices_lock);
		devices_io(vmm, run);
		pthread_mutex_unlock(&vmm->devices_lock);
		return true;
	case KVM_EXIT_MMIO:
		pthread_mutex_lock(&vmm->devices_lock);
		devices_mmio(vmm, run);
		pthread_mutex_unlock(&vmm->devices_lock);
		return true;
	case KVM_EXIT_HYPERCALL:
		pthread_mutex_lock(&vmm->devices_lock);
		devices_hypercall(vmm, run);
		pthread_mutex_unlock(&vmm->devices_lock);
		return true;
	case KVM_EXIT_HLT:
		return false;
	case KVM_EXIT_SHUTDOWN:
		vmm_stop(vmm, VMM_STOP_SHUTDOWN, vcpu->id);
		return false;
	case KVM_EXIT_FAIL_ENTRY:
		fprintf(stderr,
			"mvctl %s: vcpu %d: VM entry failed, hardware reason %#llx\n",
			vmm->command, vcpu->id, (unsigned long long)
			run->fail_entry.hardware_entry_failure_reason);
		vmm_stop(vmm, VMM_STOP_GUEST_ERROR, vcpu->id);
		return false;
	case KVM_EXIT_INTERNAL_ERROR:
		fprintf(stderr,
			"mvctl %s: vcpu %d: internal error, suberror %u\n",
			vmm->command, vcpu->id, run->internal.suberror);
		vmm_stop(vmm, VMM_STOP_GUEST_ERROR, vcpu->id);
		return false;
	default:
		fprintf(stderr, "mvctl %s: vcpu %d: unexpected exit reason %u\n",
			vmm->command, vcpu->id, run->exit_reason);
		vmm_stop(vmm, VMM_STOP_GUEST_ERROR, vcpu->id);
		return false;
	}
}

void *vmm_vcpu_thread(void *arg)
{
	struct vmm_vcpu *vcpu = arg;
	struct vmm *vmm = vcpu->vmm;
	int ret = unblock_kick_in_kvm_run(vcpu);

	if (ret) {
		fprintf(stderr, "mvctl %s: vcpu %d: KVM_SET_SIGNAL_MASK: %s\n",
			vmm->command, vcpu->id, strerror(-ret));
		vmm_stop(vmm, VMM_STOP_HOST_ERROR, vcpu->id);
	}
	while (!atomic_load(&vmm->stopping)) {
		ret = ioctl(vcpu->fd, KVM_RUN, 0) ? -errno : 0;
		if (vmm->trace)
			trace_exit(vcpu, ret);
		if (ret == -EINTR) {
			count_exit(vcpu, KVM_EXIT_INTR);
			continue;
		}
		if (ret) {
			fprintf(stderr, "mvctl %s: vcpu %d: KVM_RUN: %s\n",
				vmm->command, vcpu->id, strerror(-ret));
			vmm_stop(vmm, VMM_STOP_HOST_ERROR, vcpu->id);
			break;
		}
		count_exit(vcpu, vcpu->run->exit_reason);
		if (!serve_exit(vcpu))
			break;
	}
	atomic_fetch_sub(&vmm->running, 1);
	pthread_kill(vmm->main_thread, VMM_WAKE_SIGNAL);
	return NULL;
}
