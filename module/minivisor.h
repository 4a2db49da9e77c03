/* SPDX-License-Identifier: GPL-2.0 */
/*
 * minivisor: what the parts of the module tell each other.
 *
 * The module is layered like the machine it drives: the device front door
 * (dev.c) hands ioctls to VMs and vCPUs, which use the VMX engine (vmx/)
 * and guest memory (ept/). This header holds only what crosses those lines.
 */
#ifndef MINIVISOR_H
#define MINIVISOR_H

#define MV_NAME "minivisor"

int mv_dev_register(void);
void mv_dev_unregister(void);

#endif /* MINIVISOR_H */
