/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mvctl's side of the "minivisor" generic netlink family
 * (uapi/linux/minivisor.h): what the module says about its VMs, their
 * exits and their events, as plain C structures.
 */
#ifndef MVCTL_GENL_H
#define MVCTL_GENL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct nl_msg;
struct nl_sock;
struct nlattr;
struct nlmsghdr;

struct mvctl_genl {
	struct nl_sock *sock;
	int family;
};

struct mvctl_vm {
	uint32_t id, pid, uid, vcpus;
	uint64_t memory, uptime_ns, mapped_4k, mapped_2m, dirty_log_passes;
};

/* One exit reason's numbers, for one vCPU or summed over several. */
struct mvctl_exit {
	uint32_t reason;
	char name[32];
	uint64_t count, cycles;
};

/* Enough for every VMX basic exit reason (SDM Vol. 3C, appendix C). */
#define MVCTL_MAX_EXITS 80

struct mvctl_vcpu_stats {
	uint32_t vm_id, vcpu_id;
	uint64_t user_exits;
	size_t nr_exits;
	struct mvctl_exit exits[MVCTL_MAX_EXITS];
};

struct mvctl_event {
	uint32_t type;			/* enum minivisor_event */
	uint32_t vm_id, pid, uid;
	int32_t vcpu_id;		/* -1 for VM events */
	uint32_t suberror;		/* internal errors */
	char reason[64];
};

/*
 * Connect to the family. On failure print why, prefixed by command, and
 * return -1.
 */
int mvctl_genl_open(struct mvctl_genl *genl, const char *command);
void mvctl_genl_close(struct mvctl_genl *genl);

/*
 * The VMs the caller may see, in *vms (malloc()ed, *count of them); or
 * with vm_id nonzero, that one VM. Returns 0 or -errno.
 */
int mvctl_genl_get_vms(struct mvctl_genl *genl, uint32_t vm_id,
		       struct mvctl_vm **vms, size_t *count);

/*
 * The exit statistics of each vCPU of the VM vm_id (0: of every VM the
 * caller may see), in *stats (malloc()ed, *count of them). 0 or -errno.
 */
int mvctl_genl_get_stats(struct mvctl_genl *genl, uint32_t vm_id,
			 struct mvctl_vcpu_stats **stats, size_t *count);

/*
 * Join the "events" group (0 or -errno); then call handle for each event
 * until it returns nonzero (0) or reception fails (-errno; -EAGAIN when a
 * receive timeout set on the socket expired).
 */
int mvctl_genl_join_events(struct mvctl_genl *genl);
int mvctl_genl_receive_events(struct mvctl_genl *genl,
			      int (*handle)(const struct mvctl_event *event,
					    void *arg),
			      void *arg);

/*
 * The raw exchange the calls above are made of: a request for cmd (a dump,
 * or else one answer and an acknowledgment) to fill in with attributes,
 * and its transaction: send msg (and free it), call parse (if not NULL)
 * for each message of the answer with its attributes by type (the last of
 * each type); stop at the first nonzero return of parse. Returns 0, the
 * kernel's -errno or parse's return.
 */
typedef int (*mvctl_genl_parser)(struct nlmsghdr *nlh, struct nlattr **attrs,
				 void *arg);

struct nl_msg *mvctl_genl_request(struct mvctl_genl *genl, uint8_t cmd,
				  bool dump);
int mvctl_genl_transact(struct mvctl_genl *genl, struct nl_msg *msg,
			mvctl_genl_parser parse, void *arg);

/* A PF, VF or claimed function, as MINIVISOR_CMD_SRIOV_LIST reports it. */
struct mvctl_pci_function {
	char address[32];		/* "0000:01:00.0" */
	uint32_t kind;			/* enum minivisor_pci_kind */
	uint32_t state;			/* enum minivisor_pci_state */
	uint32_t vm_id;			/* assigned: to this VM; else 0 */
	uint16_t vendor, device;
	char driver[32];		/* empty when none is bound */
	uint32_t nr_vfs, total_vfs;	/* PFs */
	char pf[32];			/* VFs: their PF's address */
};

/*
 * SR-IOV and claimed functions (CAP_SYS_ADMIN): the list in *functions
 * (malloc()ed, *count of them); enabling nr_vfs VFs on the PF at address,
 * disabling them; claiming and releasing the function at address. Each
 * returns 0 or -errno (uapi/linux/minivisor.h says which).
 */
int mvctl_genl_sriov_list(struct mvctl_genl *genl,
			  struct mvctl_pci_function **functions,
			  size_t *count);
int mvctl_genl_sriov_enable(struct mvctl_genl *genl, const char *address,
			    uint32_t nr_vfs);
int mvctl_genl_sriov_disable(struct mvctl_genl *genl, const char *address);
int mvctl_genl_pci_claim(struct mvctl_genl *genl, const char *address);
int mvctl_genl_pci_release(struct mvctl_genl *genl, const char *address);

/* Names of an enum minivisor_pci_kind and state, as mvctl prints them. */
const char *mvctl_pci_kind_name(uint32_t kind);
const char *mvctl_pci_state_name(uint32_t state);

/* The name of an enum minivisor_event, as mvctl prints it. */
const char *mvctl_event_name(uint32_t type);

#endif /* MVCTL_GENL_H */
