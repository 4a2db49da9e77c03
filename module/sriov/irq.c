// SPDX-License-Identifier: GPL-2.0
/*
 * Interrupts of assigned functions, delivered to the guest.
 *
 * An assigned function raises its interrupts on the host: an MSI or MSI-X
 * message is a DMA write the host's interrupt controller turns into a host
 * vector, and INTx is a wire to the host's IOAPIC. Each goes to a vCPU
 * and a vector of the guest: for MSI, where the guest's message in the
 * capability says (msi.c); for INTx and MSI-X, where the VMM says
 * (MINIVISOR_SET_PCI_IRQS), since minivisor has no virtual interrupt
 * controller of its own (the VMM plays it, as with KVM_INTERRUPT) and the
 * MSI-X table is the VMM's to emulate. minivisor takes the host
 * interrupts itself (pci_alloc_irq_vectors, request_irq), and its handler
 * raises the vector on the vCPU, which kicks the vCPU out of the guest
 * with an IPI (../irq/pending.c); on its way back in, the vCPU injects the
 * vector as an external interrupt once the guest can take it.
 *
 * INTx is level-triggered and may be shared with host devices. While the
 * VMM routes it nowhere, it stays disabled at the function. The handler
 * masks it at the function (the command register's INTx disable,
 * pci_check_and_mask_intx) when the function is the one asserting it;
 * a function that cannot mask INTx gets its host IRQ to itself, disabled
 * instead, and at once: the kernel's lazy disable would leave the
 * interrupt controller's pin unmasked until the line fired again, and an
 * interrupt controller that delivers a level only on its rising edge or
 * an unmask (Bochs's IOAPIC) would then never show that the function
 * still asserts it. The vector is delivered, and INTx unmasked: if the
 * guest has not quieted the function by then, the function still asserts
 * it and the guest takes the vector again. A guest cannot keep the host
 * busy with it: one interrupt per delivery.
 */
#include <linux/bitfield.h>
#include <linux/interrupt.h>
#include <linux/irq.h>
#include <linux/pci.h>
#include <linux/slab.h>
#include <asm/apicdef.h>
#include <asm/msi.h>

#include "../irq/pending.h"
#include "../vcpu.h"
#include "../vm.h"
#include "assign.h"

/* The MSI fields minivisor reads (SDM Vol. 3A, 11.11.1 and 11.11.2). */
#define MSI_ADDRESS_DEST_ID		GENMASK_ULL(19, 12)
#define MSI_ADDRESS_DEST_LOGICAL	BIT_ULL(2)
#define MSI_DATA_DELIVERY_MODE		GENMASK(10, 8)

/*
 * Mask INTx at the function, or at the host IRQ; false if the function is
 * not the one asserting it. Under irq_lock, as the guest's writes to the
 * command register are (config.c): a write must not put back an INTx
 * disable bit read before this changed it.
 */
static bool mask_intx(struct mv_irq_route *route, int irq)
{
	struct mv_vm_devices *devices = &route->assigned->vm->devices;
	bool ours = true;

	spin_lock(&devices->irq_lock);
	if (!route->intx_maskable)
		disable_irq_nosync(irq);
	else
		ours = pci_check_and_mask_intx(route->assigned->pdev);
	if (ours)
		route->masked = true;
	spin_unlock(&devices->irq_lock);
	return ours;
}

static irqreturn_t device_irq(int irq, void *data)
{
	struct mv_irq_route *route = data;

	if (route->intx && !mask_intx(route, irq))
		return IRQ_NONE;	/* another device on the line */
	if (!route->vcpu)
		return IRQ_HANDLED;	/* a message the guest sent nowhere */
	mv_irq_raise_device(route->vcpu, route->vector);
	return IRQ_HANDLED;
}

/* INTx again, or, when the function still asserts it, the vector again. */
static void unmask_intx(struct mv_irq_route *route)
{
	route->masked = false;
	if (!route->intx_maskable) {
		enable_irq(route->host_irq);
	} else if (!pci_check_and_unmask_intx(route->assigned->pdev)) {
		route->masked = true;
		mv_irq_raise_device(route->vcpu, route->vector);
	}
}

void mv_device_irq_delivered(struct mv_vcpu *vcpu, u8 vector)
{
	struct mv_vm_devices *devices = &vcpu->vm->devices;
	struct mv_irq_route *route;
	unsigned long flags;

	spin_lock_irqsave(&devices->irq_lock, flags);
	list_for_each_entry(route, &devices->intx_routes, node)
		if (route->vcpu == vcpu && route->vector == vector &&
		    route->masked)
			unmask_intx(route);
	spin_unlock_irqrestore(&devices->irq_lock, flags);
}

static void free_route(struct mv_irq_route *route)
{
	struct mv_vm_devices *devices = &route->assigned->vm->devices;
	unsigned long flags;

	if (route->intx) {
		spin_lock_irqsave(&devices->irq_lock, flags);
		list_del(&route->node);
		spin_unlock_irqrestore(&devices->irq_lock, flags);
		if (!route->intx_maskable && route->masked)
			enable_irq(route->host_irq);
	}
	free_irq(route->host_irq, route);
	if (route->intx && !route->intx_maskable)
		irq_clear_status_flags(route->host_irq, IRQ_DISABLE_UNLAZY);
}

/* Whether another function of the VM routes an interrupt to the vector. */
static bool routed_elsewhere(struct mv_assigned *self,
			     const struct mv_irq_route *route)
{
	struct mv_assigned *other;
	unsigned int i;

	list_for_each_entry(other, &self->vm->devices.assigned, node)
		for (i = 0; other != self && i < other->nr_irqs; i++)
			if (other->irqs[i].vcpu == route->vcpu &&
			    other->irqs[i].vector == route->vector)
				return true;
	return false;
}

void mv_irqs_free(struct mv_assigned *assigned)
{
	struct mv_irq_route *route;
	unsigned int i;

	if (!assigned->irqs)
		return;
	for (i = 0; i < assigned->nr_irqs; i++)
		free_route(&assigned->irqs[i]);
	/* What the function raised and the guest has not taken yet goes. */
	for (i = 0; i < assigned->nr_irqs; i++) {
		route = &assigned->irqs[i];
		if (route->vcpu && !routed_elsewhere(assigned, route))
			mv_irq_withdraw_device(&route->vcpu->irqs,
					       route->vector);
	}
	pci_free_irq_vectors(assigned->pdev);
	/* No handler: a line left asserted would trouble its other devices. */
	pci_intx(assigned->pdev, 0);
	kfree(assigned->irqs);
	assigned->irqs = NULL;
	assigned->nr_irqs = 0;
}

/* The pci_alloc_irq_vectors() kind of a request, or 0 if it is bad. */
static unsigned int irq_kind(struct pci_dev *pdev,
			     const struct minivisor_pci_irqs *request)
{
	switch (request->type) {
	case MINIVISOR_PCI_IRQ_INTX:
		return request->count == 1 && pdev->irq ? PCI_IRQ_LEGACY : 0;
	case MINIVISOR_PCI_IRQ_MSI:
		return pdev->msi_cap ? PCI_IRQ_MSI : 0;
	case MINIVISOR_PCI_IRQ_MSIX:
		return pdev->msix_cap ? PCI_IRQ_MSIX : 0;
	default:
		return 0;
	}
}

/* Check the routes and find their vCPUs. */
static int check_routes(struct mv_vm *vm,
			const struct minivisor_pci_irqs *request,
			struct mv_irq_route *routes)
{
	const struct minivisor_pci_irq_route *asked;
	unsigned int i;
	int ret = 0;

	mutex_lock(&vm->lock);
	for (i = 0; i < request->count; i++) {
		asked = &request->routes[i];
		if (asked->vector < 32 || asked->vector > 255 ||
		    asked->vcpu >= MV_MAX_VCPUS || !vm->vcpus[asked->vcpu]) {
			ret = -EINVAL;
			break;
		}
		routes[i].vcpu = vm->vcpus[asked->vcpu];
		routes[i].vector = asked->vector;
	}
	mutex_unlock(&vm->lock);
	return ret;
}

static int request_route(struct mv_irq_route *route)
{
	struct mv_vm_devices *devices = &route->assigned->vm->devices;
	struct pci_dev *pdev = route->assigned->pdev;
	unsigned long flags;
	int ret;

	if (!route->intx)
		return request_irq(route->host_irq, device_irq, 0, "minivisor",
				   route);
	route->intx_maskable = pci_intx_mask_supported(pdev);
	ret = request_irq(route->host_irq, device_irq,
			  route->intx_maskable ? IRQF_SHARED : 0, "minivisor",
			  route);
	if (ret)
		return ret;
	if (!route->intx_maskable)
		irq_set_status_flags(route->host_irq, IRQ_DISABLE_UNLAZY);
	spin_lock_irqsave(&devices->irq_lock, flags);
	list_add(&route->node, &devices->intx_routes);
	spin_unlock_irqrestore(&devices->irq_lock, flags);
	return 0;
}

/*
 * Take the function's count interrupts of kind on the host and route them
 * as routes says, in place of the routes it had. Consumes routes.
 */
static int route_all(struct mv_assigned *assigned, unsigned int kind,
		     struct mv_irq_route *routes, unsigned int count)
{
	struct pci_dev *pdev = assigned->pdev;
	unsigned int i;
	int ret;

	mv_irqs_free(assigned);
	ret = pci_alloc_irq_vectors(pdev, count, count, kind);
	if (ret < 0) {
		kfree(routes);
		return ret;
	}
	for (i = 0, ret = 0; i < count; i++) {
		routes[i].assigned = assigned;
		routes[i].intx = kind == PCI_IRQ_LEGACY;
		routes[i].host_irq = pci_irq_vector(pdev, i);
		ret = request_route(&routes[i]);
		if (ret)
			break;
	}
	assigned->irqs = routes;
	assigned->nr_irqs = i;
	if (!ret)
		return 0;
	pci_info_ratelimited(pdev, "minivisor: host interrupt %d not available (%d)\n",
			     routes[i].host_irq, ret);
	mv_irqs_free(assigned);
	return ret;
}

int mv_irqs_set(struct mv_assigned *assigned,
		const struct minivisor_pci_irqs *request)
{
	struct mv_irq_route *routes;
	unsigned int kind;
	int ret;

	if (request->pad || request->count > MINIVISOR_PCI_MAX_IRQS)
		return -EINVAL;
	if (request->type == MINIVISOR_PCI_IRQ_NONE) {
		if (request->count)
			return -EINVAL;
		mv_irqs_free(assigned);
		mv_msi_forget_routes(assigned);
		return 0;
	}
	kind = irq_kind(assigned->pdev, request);
	if (!kind || !request->count)
		return -EINVAL;
	routes = kcalloc(request->count, sizeof(*routes), GFP_KERNEL_ACCOUNT);
	if (!routes)
		return -ENOMEM;
	ret = check_routes(assigned->vm, request, routes);
	if (ret) {
		kfree(routes);
		return ret;
	}
	mv_msi_forget_routes(assigned);
	return route_all(assigned, kind, routes, request->count);
}

/*
 * The vCPU an MSI message goes to, or NULL if it goes nowhere: physical
 * destination mode, fixed or lowest priority delivery, a vector from 32
 * on (SDM Vol. 3A, 11.11.1 and 11.11.2). With vm->lock held.
 */
static struct mv_vcpu *msi_destination(struct mv_vm *vm, u64 address,
				       u16 data, u8 vector)
{
	unsigned int id = FIELD_GET(MSI_ADDRESS_DEST_ID, address);
	unsigned int mode = FIELD_GET(MSI_DATA_DELIVERY_MODE, data);

	if (address >> 20 != X86_MSI_BASE_ADDRESS_LOW ||
	    address & MSI_ADDRESS_DEST_LOGICAL ||
	    (mode != APIC_DELIVERY_MODE_FIXED &&
	     mode != APIC_DELIVERY_MODE_LOWESTPRIO) ||
	    vector < 32 || id >= MV_MAX_VCPUS)
		return NULL;
	return vm->vcpus[id];
}

int mv_irqs_route_msi(struct mv_assigned *assigned, unsigned int count,
		      u64 address, u16 data)
{
	struct mv_vm *vm = assigned->vm;
	struct mv_irq_route *routes;
	unsigned int i;

	if (!count) {
		mv_irqs_free(assigned);
		return 0;
	}
	routes = kcalloc(count, sizeof(*routes), GFP_KERNEL_ACCOUNT);
	if (!routes)
		return -ENOMEM;
	mutex_lock(&vm->lock);
	for (i = 0; i < count; i++) {
		/* Multiple messages: the function sets the data's low bits. */
		routes[i].vector = (data & ~(count - 1)) | i;
		routes[i].vcpu = msi_destination(vm, address, data,
						 routes[i].vector);
	}
	mutex_unlock(&vm->lock);
	return route_all(assigned, PCI_IRQ_MSI, routes, count);
}
