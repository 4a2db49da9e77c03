// SPDX-License-Identifier: GPL-2.0
/*
 * One virtual machine on the plain KVM API, for mvctl run and mvctl lab,
 * on /dev/minivisor (or any device speaking that API, /dev/kvm included).
 *
 * It does what every KVM client does (api.rst, "General description"):
 * open the device, KVM_CREATE_VM, give the VM memory with
 * KVM_SET_USER_MEMORY_REGION, KVM_CREATE_VCPU and mmap each vCPU's
 * kvm_run, set the registers, and call KVM_RUN in a loop, serving the
 * exits in userspace. machine_build() makes the VM and gives it the host
 * PCI functions the command assigns (pci.c); machine_run() starts one
 * thread per vCPU (vcpu.c), then waits for the run to end: every vCPU
 * halted, the guest wrote to the exit port, a triple fault or error,
 * Ctrl-C (SIGINT) or SIGTERM, or the timeout. It then stops the vCPUs
 * (vmm.h says how).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#include "loader.h"
#include "machine.h"
#include "modes.h"
#include "mvctl.h"

void vmm_stop(struct vmm *vmm, enum vmm_stop reason, int value)
{
	pthread_mutex_lock(&vmm->stop_lock);
	if (vmm->stop == VMM_STOP_NONE) {
		vmm->stop = reason;
		vmm->stop_value = value;
	}
	pthread_mutex_unlock(&vmm->stop_lock);
	atomic_store(&vmm->stopping, true);
	pthread_kill(vmm->main_thread, VMM_WAKE_SIGNAL);
}

/* A system call failed: say which and why, as the command. */
static int host_error(const struct vmm *vmm, const char *what)
{
	fprintf(stderr, "mvctl %s: %s: %s\n", vmm->command, what,
		strerror(errno));
	return MVCTL_EXIT_FAILURE;
}

/* Check --mem against the host's memory: the guest's is the VMM's. */
static int check_host_memory(const struct vmm *vmm, uint64_t mem_size)
{
	uint64_t host = (uint64_t)sysconf(_SC_PHYS_PAGES) *
			(uint64_t)sysconf(_SC_PAGESIZE);

	if (mem_size <= host)
		return MVCTL_EXIT_OK;
	fprintf(stderr,
		"mvctl %s: --mem %" PRIu64 " MiB is more than this host's %" PRIu64 " MiB of memory\n",
		vmm->command, mem_size >> 20, host >> 20);
	return MVCTL_EXIT_FAILURE;
}

/* The guest's memory, in mvctl: anonymous, faulted in as it is used. */
static int map_memory(struct vmm *vmm, uint64_t mem_size)
{
	vmm->mem_size = mem_size;
	vmm->mem = mmap(NULL, vmm->mem_size, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (vmm->mem == MAP_FAILED) {
		vmm->mem = NULL;
		return host_error(vmm, "guest memory");
	}
	return MVCTL_EXIT_OK;
}

/* The VM with the memory as its slot 0, its vCPUs with kvm_run mapped. */
static int create_vm(struct vmm *vmm, const char *device,
		     const struct machine_config *config)
{
	struct kvm_userspace_memory_region region = {
		.slot = 0,
		.guest_phys_addr = 0,
		.memory_size = config->mem_size,
	};
	int run_size, max_vcpus;

	vmm->dev = mvctl_open_device(device);
	if (vmm->dev < 0)
		return MVCTL_EXIT_FAILURE;
	max_vcpus = ioctl(vmm->dev, KVM_CHECK_EXTENSION, KVM_CAP_MAX_VCPUS);
	if (max_vcpus > 0 && config->nr_vcpus > max_vcpus) {
		fprintf(stderr, "mvctl %s: --vcpus %d: %s takes at most %d\n",
			vmm->command, config->nr_vcpus, device, max_vcpus);
		return MVCTL_EXIT_FAILURE;
	}
	vmm->vm = ioctl(vmm->dev, KVM_CREATE_VM, 0);
	if (vmm->vm < 0)
		return host_error(vmm, "KVM_CREATE_VM");

	region.userspace_addr = (uintptr_t)vmm->mem;
	if (ioctl(vmm->vm, KVM_SET_USER_MEMORY_REGION, &region))
		return host_error(vmm, "KVM_SET_USER_MEMORY_REGION");

	run_size = ioctl(vmm->dev, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (run_size < 0)
		return host_error(vmm, "KVM_GET_VCPU_MMAP_SIZE");
	vmm->run_size = run_size;
	vmm->vcpus = calloc(config->nr_vcpus, sizeof(*vmm->vcpus));
	if (!vmm->vcpus)
		return host_error(vmm, "vCPUs");
	for (int id = 0; id < config->nr_vcpus; id++) {
		struct vmm_vcpu *vcpu = &vmm->vcpus[id];

		*vcpu = (struct vmm_vcpu){ .vmm = vmm, .id = id, .fd = -1 };
		vmm->nr_vcpus++;
		vcpu->fd = ioctl(vmm->vm, KVM_CREATE_VCPU, id);
		if (vcpu->fd < 0)
			return host_error(vmm, "KVM_CREATE_VCPU");
		vcpu->run = mmap(NULL, vmm->run_size, PROT_READ | PROT_WRITE,
				 MAP_SHARED, vcpu->fd, 0);
		if (vcpu->run == MAP_FAILED) {
			vcpu->run = NULL;
			return host_error(vmm, "mmap of kvm_run");
		}
	}
	return MVCTL_EXIT_OK;
}

void machine_destroy(struct vmm *vmm)
{
	for (int id = 0; id < vmm->nr_vcpus; id++) {
		if (vmm->vcpus[id].run)
			munmap(vmm->vcpus[id].run, vmm->run_size);
		if (vmm->vcpus[id].fd >= 0)
			close(vmm->vcpus[id].fd);
	}
	free(vmm->vcpus);
	if (vmm->mem)
		munmap(vmm->mem, vmm->mem_size);
	/* The last close of the VM deassigns its PCI functions. */
	if (vmm->vm >= 0)
		close(vmm->vm);
	if (vmm->dev >= 0)
		close(vmm->dev);
}

/* The mode from --mode, else what the file says it is written for. */
static enum vmm_mode guest_mode(const struct machine_config *config,
				const struct guest_image *image)
{
	if (config->mode_given)
		return config->mode;
	switch (image->format) {
	case GUEST_ELF64:
		return VMM_MODE_LONG;
	case GUEST_ELF32:
		return VMM_MODE_PROTECTED;
	default:
		return VMM_MODE_REAL;
	}
}

/*
 * Load the guest into memory, with the tables its mode needs, before
 * there is a VM: a guest that cannot run fails without a device. Gives
 * the mode and entry point to start the vCPUs with.
 */
static int place_guest(struct vmm *vmm, const struct machine_config *config,
		       const struct guest_image *image, enum vmm_mode *mode,
		       uint64_t *entry)
{
	uint64_t flat_addr, reserved_start, reserved_end;
	const char *why;

	*mode = guest_mode(config, image);
	flat_addr = config->entry_given ? config->entry :
					modes_default_entry(*mode);
	*entry = image->format == GUEST_FLAT || config->entry_given ?
		 flat_addr : image->entry;
	why = modes_check_entry(*mode, *entry, vmm->mem_size);
	if (why) {
		fprintf(stderr, "mvctl %s: %s: %s (%#" PRIx64 ")\n",
			vmm->command, image->path, why, *entry);
		return MVCTL_EXIT_FAILURE;
	}
	modes_reserved(*mode, vmm->mem_size, config->nr_vcpus, &reserved_start,
		       &reserved_end);
	if (guest_image_load(image, vmm->mem, vmm->mem_size, flat_addr,
			     reserved_start, reserved_end))
		return MVCTL_EXIT_FAILURE;
	modes_write_tables(vmm, *mode);
	return MVCTL_EXIT_OK;
}

static int start_vcpus(struct vmm *vmm, enum vmm_mode mode, uint64_t entry)
{
	for (int id = 0; id < vmm->nr_vcpus; id++) {
		int ret = modes_start_vcpu(&vmm->vcpus[id], mode, entry);

		if (ret) {
			errno = -ret;
			return host_error(vmm, "setting the vCPU registers");
		}
	}
	return MVCTL_EXIT_OK;
}

static double seconds_since(const struct timespec *start)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - start->tv_sec) +
	       (now.tv_nsec - start->tv_nsec) / 1e9;
}

static void on_kick(int signal)
{
	(void)signal;
}

/*
 * Block the signals the main thread waits for (the vCPU threads inherit
 * the mask) and give the kick a handler, so that it interrupts KVM_RUN
 * without killing the process.
 */
static void setup_signals(sigset_t *waited)
{
	struct sigaction kick = { .sa_handler = on_kick };
	sigset_t blocked;

	sigemptyset(waited);
	sigaddset(waited, SIGINT);
	sigaddset(waited, SIGTERM);
	sigaddset(waited, VMM_WAKE_SIGNAL);
	blocked = *waited;
	sigaddset(&blocked, VMM_KICK_SIGNAL);
	pthread_sigmask(SIG_BLOCK, &blocked, NULL);
	sigaction(VMM_KICK_SIGNAL, &kick, NULL);
}

/* Wait for the run to end: every vCPU done, a stop, a signal, the timeout. */
static void wait_for_end(struct vmm *vmm, const sigset_t *waited,
			 double timeout, const struct timespec *start)
{
	while (atomic_load(&vmm->running) > 0 &&
	       !atomic_load(&vmm->stopping)) {
		struct timespec wait, *wait_for = NULL;
		siginfo_t info;
		int signal;

		if (timeout > 0) {
			double left = timeout - seconds_since(start);

			if (left <= 0) {
				vmm_stop(vmm, VMM_STOP_TIMEOUT, 0);
				break;
			}
			wait.tv_sec = (time_t)left;
			wait.tv_nsec = (long)((left - wait.tv_sec) * 1e9);
			wait_for = &wait;
		}
		signal = sigtimedwait(waited, &info, wait_for);
		if (signal == SIGINT || signal == SIGTERM)
			vmm_stop(vmm, VMM_STOP_SIGNAL, signal);
	}
	if (atomic_load(&vmm->running) == 0)
		vmm_stop(vmm, VMM_STOP_HALTED, 0);
}

void machine_init(struct vmm *vmm, const struct machine_config *config)
{
	*vmm = (struct vmm){
		.command = config->command,
		.dev = -1,
		.vm = -1,
		.trace = config->trace,
		.main_thread = pthread_self(),
		.devices_lock = PTHREAD_MUTEX_INITIALIZER,
		.stop_lock = PTHREAD_MUTEX_INITIALIZER,
	};
}

int machine_build(struct vmm *vmm, const char *device,
		  struct machine_config *config)
{
	struct guest_image image;
	enum vmm_mode mode;
	uint64_t entry;
	int ret;

	ret = check_host_memory(vmm, config->mem_size);
	if (!ret)
		ret = pci_place_bars(config->assigned, config->nr_assigned,
				     config->mem_size);
	if (ret)
		return ret;
	if (guest_image_read(&image, config->guest))
		return MVCTL_EXIT_FAILURE;
	ret = map_memory(vmm, config->mem_size);
	if (!ret)
		ret = place_guest(vmm, config, &image, &mode, &entry);
	guest_image_free(&image);
	if (!ret)
		ret = create_vm(vmm, device, config);
	if (!ret)
		ret = pci_assign(vmm, config->assigned, config->nr_assigned);
	if (!ret)
		ret = start_vcpus(vmm, mode, entry);
	return ret;
}

double machine_run(struct vmm *vmm, const struct machine_config *config)
{
	struct timespec start;
	sigset_t waited;
	int ret;

	setup_signals(&waited);
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (int id = 0; id < vmm->nr_vcpus; id++) {
		struct vmm_vcpu *vcpu = &vmm->vcpus[id];

		atomic_fetch_add(&vmm->running, 1);
		ret = pthread_create(&vcpu->thread, NULL, vmm_vcpu_thread, vcpu);
		if (ret) {
			atomic_fetch_sub(&vmm->running, 1);
			errno = ret;
			host_error(vmm, "starting a vCPU thread");
			vmm_stop(vmm, VMM_STOP_HOST_ERROR, id);
			break;
		}
		vcpu->started = true;
	}
	wait_for_end(vmm, &waited, config->timeout, &start);
	for (int id = 0; id < vmm->nr_vcpus; id++)
		if (vmm->vcpus[id].started)
			pthread_kill(vmm->vcpus[id].thread, VMM_KICK_SIGNAL);
	for (int id = 0; id < vmm->nr_vcpus; id++)
		if (vmm->vcpus[id].started)
			pthread_join(vmm->vcpus[id].thread, NULL);
	return seconds_since(&start);
}
