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

#endif /* _UAPI_LINUX_MINIVISOR_H */
