// SPDX-License-Identifier: GPL-2.0
/*
 * GSI routing (api.rst 4.52, KVM_SET_GSI_ROUTING): the table that says
 * where each global system interrupt goes, and raising a GSI through it
 * (KVM_IRQ_LINE, an irqfd).
 *
 * Userspace gives the whole table at once; each GSI has at most one
 * route. A route is a message-signalled interrupt (Intel SDM Vol. 3A,
 * 11.11; msi.c decodes it), which is what every interrupt of a VM with
 * the split irqchip is: userspace's IOAPIC sets the message of each of its
 * pins as that pin's route. Raising a GSI sends its message; lowering it
 * does nothing, for a message has no line to lower. Routes to the
 * in-kernel IOAPIC and PIC (KVM_IRQ_ROUTING_IRQCHIP) are refused as KVM
 * refuses them with the split irqchip: those controllers are userspace's.
 *
 * An IOAPIC pin that is level-triggered stays asserted until the device
 * lets go, and the IOAPIC sends the message again if the line is still
 * up at the EOI (82093AA datasheet, 3.2.4). So the EOI of a vector that
 * such a pin's route sends goes to userspace, as KVM_EXIT_IOAPIC_EOI
 * (mp_state.c), whose IOAPIC then looks at its line. As on KVM, that is
 * decided by the routes of the first ioapic_pins GSIs: a level-triggered
 * message naming the APIC that ends the vector.
 *
 * The table is replaced whole, and read under the VM's SRCU; a new table
 * is in use everywhere once KVM_SET_GSI_ROUTING returns.
 */
#include <linux/bitmap.h>
#include <linux/bitops.h>
#include <linux/errno.h>
#include <linux/minmax.h>
#include <linux/mm.h>
#include <linux/nospec.h>
#include <linux/overflow.h>
#include <linux/slab.h>
#include <linux/srcu.h>

#include "../vcpu.h"
#include "../vm.h"
#include "lapic.h"
#include "msi.h"
#include "routing.h"

/* Where one GSI goes: a message (KVM_IRQ_ROUTING_MSI), or nowhere (0). */
struct mv_gsi_route {
	u32 type;
	u32 address_lo;
	u32 data;
};

struct mv_irq_routing {
	u32 nr_gsis;		/* the highest GSI routed, plus one */
	u32 nr_pins;		/* of those, the IOAPIC's pins */
	/*
	 * The vectors the level-triggered routes of IOAPIC pins send: an
	 * EOI of any other vector is the kernel's alone.
	 */
	DECLARE_BITMAP(ioapic_level_vectors, NR_VECTORS);
	struct mv_gsi_route routes[];	/* by GSI */
};

int mv_vm_irq_init(struct mv_vm_irq *irq)
{
	mutex_init(&irq->lock);
	spin_lock_init(&irq->irqfds_lock);
	INIT_LIST_HEAD(&irq->irqfds);
	return init_srcu_struct(&irq->srcu);
}

/* No reader is left: the irqfds are unhooked, and no vCPU or ioctl runs. */
void mv_vm_irq_destroy(struct mv_vm_irq *irq)
{
	mv_irqfd_release_all(irq);
	kvfree(rcu_dereference_protected(irq->routing, true));
	cleanup_srcu_struct(&irq->srcu);
}

/* One entry of userspace's table into its place in the new one. */
static int add_route(struct mv_irq_routing *table,
		     const struct kvm_irq_routing_entry *entry)
{
	struct mv_gsi_route *route = &table->routes[entry->gsi];

	if (entry->type != KVM_IRQ_ROUTING_MSI ||
	    entry->flags & ~KVM_MSI_VALID_DEVID)
		return -EINVAL;
	/* One route to a GSI. */
	if (route->type)
		return -EINVAL;
	route->type = entry->type;
	route->address_lo = entry->u.msi.address_lo;
	route->data = entry->u.msi.data;
	return 0;
}

static void note_ioapic_level_vectors(struct mv_irq_routing *table,
				      u32 ioapic_pins)
{
	struct mv_lapic_irq irq;
	u32 gsi;

	table->nr_pins = min(table->nr_gsis, ioapic_pins);
	for (gsi = 0; gsi < table->nr_pins; gsi++) {
		if (table->routes[gsi].type != KVM_IRQ_ROUTING_MSI)
			continue;
		mv_msi_decode(table->routes[gsi].address_lo,
			      table->routes[gsi].data, &irq);
		if (irq.level_triggered)
			__set_bit(irq.vector, table->ioapic_level_vectors);
	}
}

int mv_irq_set_routing(struct mv_vm *vm,
		       const struct kvm_irq_routing_entry *entries, u32 nr)
{
	struct mv_irq_routing *table, *old;
	u32 i, nr_gsis = 0;
	int ret;

	for (i = 0; i < nr; i++) {
		if (entries[i].gsi >= MV_MAX_IRQ_ROUTES)
			return -EINVAL;
		nr_gsis = max(nr_gsis, entries[i].gsi + 1);
	}
	table = kvzalloc(struct_size(table, routes, nr_gsis),
			 GFP_KERNEL_ACCOUNT);
	if (!table)
		return -ENOMEM;
	table->nr_gsis = nr_gsis;
	for (i = 0; i < nr; i++) {
		ret = add_route(table, &entries[i]);
		if (ret) {
			kvfree(table);
			return ret;
		}
	}

	mutex_lock(&vm->irq.lock);
	note_ioapic_level_vectors(table, vm->irq.ioapic_pins);
	old = rcu_replace_pointer(vm->irq.routing, table,
				  lockdep_is_held(&vm->irq.lock));
	mutex_unlock(&vm->irq.lock);
	/* No irqfd or KVM_IRQ_LINE uses the old routes after this returns. */
	synchronize_srcu_expedited(&vm->irq.srcu);
	kvfree(old);
	return 0;
}

int mv_irq_set_gsi(struct mv_vm *vm, u32 gsi, int level)
{
	const struct mv_irq_routing *table;
	const struct mv_gsi_route *route;
	struct mv_lapic_irq irq;
	int ret = -1, idx;

	idx = srcu_read_lock(&vm->irq.srcu);
	table = srcu_dereference(vm->irq.routing, &vm->irq.srcu);
	if (!level || !table || gsi >= table->nr_gsis)
		goto out;
	route = &table->routes[array_index_nospec(gsi, table->nr_gsis)];
	if (route->type == KVM_IRQ_ROUTING_MSI) {
		mv_msi_decode(route->address_lo, route->data, &irq);
		ret = mv_lapic_deliver(vm, NULL, &irq);
	}
out:
	srcu_read_unlock(&vm->irq.srcu, idx);
	return ret;
}

bool mv_irq_ioapic_wants_eoi(struct mv_lapic *lapic, u8 vector)
{
	struct mv_vm *vm = lapic->vcpu->vm;
	const struct mv_irq_routing *table;
	const struct mv_gsi_route *route;
	struct mv_lapic_irq irq;
	bool wanted = false;
	int idx;
	u32 gsi;

	idx = srcu_read_lock(&vm->irq.srcu);
	table = srcu_dereference(vm->irq.routing, &vm->irq.srcu);
	if (!table || !test_bit(vector, table->ioapic_level_vectors))
		goto out;
	for (gsi = 0; gsi < table->nr_pins && !wanted; gsi++) {
		route = &table->routes[gsi];
		if (route->type != KVM_IRQ_ROUTING_MSI)
			continue;
		mv_msi_decode(route->address_lo, route->data, &irq);
		wanted = irq.level_triggered && irq.vector == vector &&
			 mv_lapic_named_by_msi(lapic, &irq);
	}
out:
	srcu_read_unlock(&vm->irq.srcu, idx);
	return wanted;
}
