/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The generic netlink family "minivisor": management and monitoring
 * (uapi/linux/minivisor.h describes its commands and attributes).
 */
#ifndef MV_NETLINK_H
#define MV_NETLINK_H

#include <linux/minivisor.h>

struct mv_vm;
struct mv_vcpu;

int mv_netlink_register(void);
void mv_netlink_unregister(void);

/* Tell the "events" group about a VM or a vCPU. */
void mv_netlink_vm_event(struct mv_vm *vm, enum minivisor_event event);
void mv_netlink_vcpu_event(struct mv_vcpu *vcpu, enum minivisor_event event);

#endif /* MV_NETLINK_H */
