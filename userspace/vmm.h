/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mvctl run's virtual machine: what the loader, the mode setup, the vCPU
 * threads and the emulated devices share.
 *
 * One VM with one memslot of guest RAM at guest physical 0, the host PCI
 * functions assigned to it, and N vCPUs, each run by a thread of its own.
 * The main thread only waits: for every vCPU to halt, for a vCPU to end
 * the run (exit port, triple fault, error), for Ctrl-C or for the timeout.
 * Then it kicks the vCPU threads out of KVM_RUN with VMM_KICK_SIGNAL, which
 * each vCPU lets through only while it is in KVM_RUN (KVM_SET_SIGNAL_MASK),
 * so that a kick can never be lost between a check of the stop flag and
 * the next KVM_RUN.
 */
#ifndef MVCTL_VMM_H
#define MVCTL_VMM_H

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/kvm.h>

/* Kicks a vCPU thread out of KVM_RUN. */
#define VMM_KICK_SIGNAL		SIGUSR1
/* Tells the main thread a vCPU has stopped or asked the VM to stop. */
#define VMM_WAKE_SIGNAL		SIGUSR2

/* KVM_EXIT_* reasons counted by name; higher ones count as "other". */
#define VMM_EXIT_REASONS	64

/* Host PCI functions mvctl run can assign to one guest (--assign). */
#define VMM_PCI_FUNCTIONS	4

enum vmm_mode {
	VMM_MODE_REAL,
	VMM_MODE_PROTECTED,
	VMM_MODE_LONG,
};

/* Why a run ended, in the order of the exit status they map to. */
enum vmm_stop {
	VMM_STOP_NONE,		/* still running */
	VMM_STOP_HALTED,	/* every vCPU executed HLT */
	VMM_STOP_EXIT_PORT,	/* the guest wrote its status to the exit port */
	VMM_STOP_SHUTDOWN,	/* triple fault: KVM_EXIT_SHUTDOWN */
	VMM_STOP_GUEST_ERROR,	/* FAIL_ENTRY, INTERNAL_ERROR, unknown exit */
	VMM_STOP_HOST_ERROR,	/* an ioctl failed */
	VMM_STOP_SIGNAL,	/* SIGINT or SIGTERM */
	VMM_STOP_TIMEOUT,	/* --timeout expired */
};

struct vmm;
struct vmm_lab;

/*
 * The guest's PCI bus (pci.c): bus 0, where host function functions[n]
 * appears as device n + 1, function 0.
 */
struct vmm_pci_bus {
	uint32_t config_address;	/* the last dword written to 0xcf8 */
	int nr_functions;
	uint32_t functions[VMM_PCI_FUNCTIONS];	/* minivisor_pci_address() */
	bool error_reported;	/* a configuration access failed already */
};

struct vmm_vcpu {
	struct vmm *vmm;
	int id;
	int fd;
	struct kvm_run *run;
	pthread_t thread;
	bool started;
	/* Exits by KVM exit reason; only this vCPU's thread writes them. */
	uint64_t exits[VMM_EXIT_REASONS + 1];
};

struct vmm {
	const char *command;	/* mvctl's command, for messages: "run" */
	int dev, vm;
	uint8_t *mem;
	uint64_t mem_size;
	size_t run_size;
	int nr_vcpus;
	struct vmm_vcpu *vcpus;
	bool trace;
	pthread_t main_thread;

	atomic_bool stopping;	/* set once, by vmm_stop() */
	atomic_int running;	/* vCPU threads still running */

	/* serializes the emulated devices between the vCPU threads */
	pthread_mutex_t devices_lock;
	struct vmm_pci_bus pci;	/* under devices_lock once vCPUs run */
	struct vmm_lab *lab;	/* mvctl lab's devices; NULL otherwise */

	/* stop_lock guards the stop reason and value */
	pthread_mutex_t stop_lock;
	enum vmm_stop stop;
	int stop_value;		/* exit port value, signal number, vCPU id */
};

/*
 * End the run for reason (value: the exit port's value, the signal, or
 * the vCPU that failed). The first reason given wins; later ones are
 * ignored. Wakes the main thread.
 */
void vmm_stop(struct vmm *vmm, enum vmm_stop reason, int value);

/* A vCPU thread: runs vcpu until it halts or the VM stops. */
void *vmm_vcpu_thread(void *vcpu);

/* The name of a KVM exit reason ("IO", "HLT", ...), or NULL. */
const char *vmm_exit_name(uint32_t reason);

#endif /* MVCTL_VMM_H */
