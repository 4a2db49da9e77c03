/* SPDX-License-Identifier: GPL-2.0 */
/*
 * SR-IOV virtual functions and the PCI functions minivisor claims for
 * assignment. netlink.c is the front door; the commands and their errors
 * are described in uapi/linux/minivisor.h.
 *
 *   sriov.c     naming, describing and listing functions; module setup
 *   override.c  binding a function to one of minivisor's drivers
 *   pf.c        enabling and disabling VFs on a PF, the PF stub driver
 *   claim.c     claiming a function for assignment, its DMA ownership
 *   assign.c    assigning a claimed function to a VM (see assign.h)
 */
#ifndef MV_SRIOV_H
#define MV_SRIOV_H

#include <linux/minivisor.h>
#include <linux/mutex.h>
#include <linux/pci.h>

int mv_sriov_init(void);
void mv_sriov_exit(void);

/*
 * The function at address ("0000:01:00.0"), referenced (pci_dev_put()),
 * or ERR_PTR(-EINVAL) for a malformed address, ERR_PTR(-ENODEV) if there
 * is no function there.
 */
struct pci_dev *mv_pci_lookup(const char *address);

/* Whether the SR-IOV list shows pdev: a PF, a VF, or claimed. */
bool mv_pci_listed(struct pci_dev *pdev);

struct mv_pci_description {
	enum minivisor_pci_kind kind;
	enum minivisor_pci_state state;
	u32 vm_id;			/* MINIVISOR_PCI_ASSIGNED: to which VM */
	char driver[32];		/* empty when none is bound */
	unsigned int nr_vfs, total_vfs;	/* PFs only */
};

void mv_pci_describe(struct pci_dev *pdev, struct mv_pci_description *desc);

/* The commands: 0 or -errno. */
int mv_sriov_enable(struct pci_dev *pf, unsigned int nr_vfs);
int mv_sriov_disable(struct pci_dev *pf);
int mv_pci_claim(struct pci_dev *pdev);
int mv_pci_release(struct pci_dev *pdev);

/* Between the files of module/sriov/. */

/* Serializes the commands, and module unload, against each other. */
extern struct mutex mv_sriov_lock;

extern struct pci_driver mv_pf_stub_driver;
extern struct pci_driver mv_claimed_driver;

int mv_pf_stub_register(void);
void mv_pf_stub_unregister(void);
int mv_claimed_register(void);
void mv_claimed_unregister(void);

/* A claimed function: the driver data of mv_claimed_driver. */
struct mv_claim {
	struct iommu_group *group;	/* whose DMA minivisor owns, or NULL */
	struct mv_assigned *assigned;	/* under mv_assign_lock; NULL: no VM */
};

/*
 * Serializes assignment against the function going away (assign.c);
 * taken after the function's device lock.
 */
extern struct mutex mv_assign_lock;

/* The id of the VM a function is assigned to, or 0; device lock held. */
u32 mv_pci_assigned_vm(struct pci_dev *pdev);

/* Take a function being removed away from its VM (device lock held). */
void mv_assigned_remove(struct pci_dev *pdev);

bool mv_pci_bound_to(struct pci_dev *pdev, struct pci_driver *driver);
int mv_pci_bind_unbound(struct pci_dev *pdev, struct pci_driver *driver);
int mv_pci_take(struct pci_dev *pdev, struct pci_driver *driver);
void mv_pci_give_back(struct pci_dev *pdev);

#endif /* MV_SRIOV_H */
