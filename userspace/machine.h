/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One virtual machine on the KVM API, from its description to its end:
 * what mvctl run and mvctl lab both do with a guest (machine.c).
 */
#ifndef MVCTL_MACHINE_H
#define MVCTL_MACHINE_H

#include <stdbool.h>
#include <stdint.h>

#include "pci.h"
#include "vmm.h"

/* What the VM is made of; the command's name goes in its messages. */
struct machine_config {
	const char *command;	/* "run", "lab" */
	const char *guest;	/* the guest's file */
	uint64_t mem_size;
	enum vmm_mode mode;
	bool mode_given;	/* else the file's own (loader.h) */
	uint64_t entry;
	bool entry_given;
	int nr_vcpus;
	double timeout;		/* seconds; 0 for none */
	bool trace;
	int nr_assigned;
	struct pci_assignment assigned[VMM_PCI_FUNCTIONS];
};

/* An empty machine, safe to give to machine_destroy(). */
void machine_init(struct vmm *vmm, const struct machine_config *config);

/*
 * Load the guest, create the VM on device with its memory and vCPUs,
 * assign its PCI functions (placing their BARs in config), set the vCPUs'
 * registers. Returns an mvctl exit status (mvctl.h), having said what
 * failed on stderr.
 */
int machine_build(struct vmm *vmm, const char *device,
		  struct machine_config *config);

/*
 * Run the vCPUs until the run ends (vmm.h: every vCPU halted, a stop, a
 * signal, the timeout); returns the seconds it took.
 */
double machine_run(struct vmm *vmm, const struct machine_config *config);

/* Close and free what machine_build() made. */
void machine_destroy(struct vmm *vmm);

#endif /* MVCTL_MACHINE_H */
