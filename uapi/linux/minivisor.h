/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * minivisor's own userspace interface, beside the KVM API it shares.
 *
 * /dev/minivisor answers the ioctls of <linux/kvm.h> (magic KVMIO, 0xAE)
 * exactly as KVM does. What KVM has no ioctl for, such as assigning an
 * SR-IOV virtual function to a VM, gets an ioctl here under minivisor's own
 * magic, so that the two sets can never collide. 0xAF numbers 0x00-0x1f
 * belong to the Freescale hypervisor (Documentation/userspace-api/ioctl/
 * ioctl-number.rst); minivisor numbers its ioctls from 0x80.
 */
#ifndef _UAPI_LINUX_MINIVISOR_H
#define _UAPI_LINUX_MINIVISOR_H

#define MINIVISOR_DEVICE_PATH	"/dev/minivisor"
#define MINIVISOR_IOCTL_MAGIC	0xAF

/*
 * Management and monitoring: the generic netlink family "minivisor".
 *
 * MINIVISOR_CMD_GET_VM answers with one message per VM: a dump lists every
 * VM the caller may see, a request with MINIVISOR_ATTR_VM_ID names one.
 * MINIVISOR_CMD_GET_STATS is a dump of one message per vCPU, of the VM
 * named by MINIVISOR_ATTR_VM_ID or of every VM the caller may see. A VM is
 * seen by the user who created it and by CAP_SYS_ADMIN; asking for another
 * user's VM fails with EPERM, for a VM that does not exist with ENOENT.
 *
 * The multicast group "events" (CAP_SYS_ADMIN only) carries a
 * MINIVISOR_CMD_EVENT message when a VM is created or destroyed and when
 * a vCPU stops for good: a triple fault (shutdown) or an internal error.
 */
#define MINIVISOR_GENL_NAME		"minivisor"
#define MINIVISOR_GENL_VERSION		1
#define MINIVISOR_GENL_EVENTS_GROUP	"events"

enum minivisor_cmd {
	MINIVISOR_CMD_UNSPEC,
	MINIVISOR_CMD_GET_VM,
	MINIVISOR_CMD_GET_STATS,
	MINIVISOR_CMD_EVENT,
	__MINIVISOR_CMD_MAX,
};

#define MINIVISOR_CMD_MAX (__MINIVISOR_CMD_MAX - 1)

enum minivisor_attr {
	MINIVISOR_ATTR_UNSPEC,
	MINIVISOR_ATTR_PAD,
	MINIVISOR_ATTR_VM_ID,		/* u32: the VM, as the family names it */
	MINIVISOR_ATTR_PID,		/* u32: the process that created it */
	MINIVISOR_ATTR_UID,		/* u32: that process's effective user */
	MINIVISOR_ATTR_VCPUS,		/* u32: how many vCPUs it has */
	MINIVISOR_ATTR_MEMORY,		/* u64: bytes of guest memory (memslots) */
	MINIVISOR_ATTR_UPTIME_NS,	/* u64: since KVM_CREATE_VM */
	MINIVISOR_ATTR_MAPPED_4K,	/* u64: 4 KiB EPT mappings now */
	MINIVISOR_ATTR_MAPPED_2M,	/* u64: 2 MiB EPT mappings now */
	MINIVISOR_ATTR_DIRTY_LOG_PASSES, /* u64: KVM_GET_DIRTY_LOG calls */
	MINIVISOR_ATTR_VCPU_ID,		/* u32 */
	MINIVISOR_ATTR_USER_EXITS,	/* u64: KVM_RUN returns to userspace */
	MINIVISOR_ATTR_EXIT,		/* nested, repeated: one exit reason */
	MINIVISOR_ATTR_EXIT_REASON,	/* u32: VMX basic exit reason */
	MINIVISOR_ATTR_EXIT_NAME,	/* string: its name in the SDM */
	MINIVISOR_ATTR_EXIT_COUNT,	/* u64: exits for that reason */
	MINIVISOR_ATTR_EXIT_CYCLES,	/* u64: TSC cycles spent on them in the kernel */
	MINIVISOR_ATTR_EVENT,		/* u32: enum minivisor_event */
	MINIVISOR_ATTR_EVENT_REASON,	/* string: why, for vCPU events */
	MINIVISOR_ATTR_SUBERROR,	/* u32: kvm_run's internal.suberror */
	__MINIVISOR_ATTR_MAX,
};

#define MINIVISOR_ATTR_MAX (__MINIVISOR_ATTR_MAX - 1)

enum minivisor_event {
	MINIVISOR_EVENT_VM_CREATED = 1,
	MINIVISOR_EVENT_VM_DESTROYED,
	MINIVISOR_EVENT_VCPU_SHUTDOWN,		/* KVM_EXIT_SHUTDOWN */
	MINIVISOR_EVENT_VCPU_INTERNAL_ERROR,	/* KVM_EXIT_INTERNAL_ERROR */
};

#endif /* _UAPI_LINUX_MINIVISOR_H */
