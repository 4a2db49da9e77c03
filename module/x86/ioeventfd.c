// SPDX-License-Identifier: GPL-2.0
/*
 * ioeventfd: a guest's doorbell write that rings an eventfd instead of
 * stopping the vCPU (api.rst 4.59, KVM_IOEVENTFD).
 *
 * A paravirtual device (a virtio queue's notify register, say) learns of
 * new work when the guest writes to one of its ports or to a register in
 * guest-physical space that no memslot holds. Without help, each such
 * write is an exit to userspace (KVM_EXIT_IO, KVM_EXIT_MMIO: io.c,
 * mmio.c) only for the VMM to wake the thread that serves the device.
 * KVM_IOEVENTFD lets the VMM say which writes those are: an address on the
 * port or the memory bus, a length (1, 2, 4 or 8 bytes, or 0 for any)
 * and, with KVM_IOEVENTFD_FLAG_DATAMATCH, the value written. A guest
 * write that matches one adds 1 to its eventfd and completes here; the
 * vCPU goes on without leaving the kernel. Reads are never matched.
 *
 * At most one registration can match a write: on the same bus and
 * address, a length of 0 collides with any other, and so do two of the
 * same length unless both match distinct values. The registrations of a
 * bus are one array, sorted by address, length and value, which the exit
 * path searches under RCU; KVM_IOEVENTFD builds a new array and publishes
 * it, under the VM's ioeventfd lock. Each registration holds a reference
 * to its eventfd, so the eventfd works until the registration goes, even
 * if userspace closes its descriptor.
 *
 * As in KVM, a registration with KVM_IOEVENTFD_FLAG_VIRTIO_CCW_NOTIFY
 * (s390's channel I/O) is accepted on a bus of its own that no x86
 * guest's write reaches. Unlike KVM, which bounds ioeventfds only by the
 * number of open files, a bus holds at most MV_IOEVENTFD_MAX of them.
 */
#include <linux/err.h>
#include <linux/eventfd.h>
#include <linux/kvm.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "../vcpu.h"
#include "../vm.h"
#include "x86.h"

/* KVM's NR_IOBUS_DEVS, the devices of one of its buses. */
#define MV_IOEVENTFD_MAX	1000

/* The flags KVM's uapi knows, CCW and fast-MMIO's bits included. */
#define IOEVENTFD_FLAGS_KNOWN \
	((1u << kvm_ioeventfd_flag_nr_max) - 1)

struct mv_ioeventfd {
	u64 addr;
	u32 len;		/* 0: any length */
	bool wildcard;		/* no KVM_IOEVENTFD_FLAG_DATAMATCH */
	u64 datamatch;		/* 0 when wildcard */
	struct eventfd_ctx *eventfd;	/* a reference of its own */
};

/* One bus's registrations, sorted by order(). */
struct mv_ioeventfd_bus {
	struct rcu_head rcu;
	unsigned int count;
	struct mv_ioeventfd entries[];
};

/* By address, then length, then a wildcard before any value. */
static int order(const struct mv_ioeventfd *a, const struct mv_ioeventfd *b)
{
	if (a->addr != b->addr)
		return a->addr < b->addr ? -1 : 1;
	if (a->len != b->len)
		return a->len < b->len ? -1 : 1;
	if (a->wildcard != b->wildcard)
		return a->wildcard ? -1 : 1;
	if (a->datamatch != b->datamatch)
		return a->datamatch < b->datamatch ? -1 : 1;
	return 0;
}

/* The index of the first registration not ordered before key. */
static unsigned int lower_bound(const struct mv_ioeventfd_bus *bus,
				const struct mv_ioeventfd *key)
{
	unsigned int low = 0, high = bus ? bus->count : 0;

	while (low < high) {
		unsigned int mid = low + (high - low) / 2;

		if (order(&bus->entries[mid], key) < 0)
			low = mid + 1;
		else
			high = mid;
	}
	return low;
}

/* The first registration at addr with this length (or later), or NULL. */
static const struct mv_ioeventfd *
first_of(const struct mv_ioeventfd_bus *bus, const struct mv_ioeventfd *key)
{
	unsigned int i = lower_bound(bus, key);

	if (i == bus->count || bus->entries[i].addr != key->addr ||
	    bus->entries[i].len != key->len)
		return NULL;
	return &bus->entries[i];
}

/*
 * The registration a write of len bytes of value at addr matches: one of
 * any length at addr, else a wildcard of this length, else one of this
 * length and value. Three binary searches at most.
 */
static const struct mv_ioeventfd *
lookup(const struct mv_ioeventfd_bus *bus, u64 addr, u32 len, u64 value)
{
	struct mv_ioeventfd key = { .addr = addr, .wildcard = true };
	const struct mv_ioeventfd *found;

	found = first_of(bus, &key);
	if (found)
		return found;
	key.len = len;
	found = first_of(bus, &key);
	if (!found || found->wildcard)
		return found;
	key.wildcard = false;
	key.datamatch = value;
	found = first_of(bus, &key);
	return found && found->datamatch == value ? found : NULL;
}

bool mv_x86_ioeventfd_write(struct mv_vcpu *vcpu, enum mv_ioeventfd_bus_id id,
			    u64 addr, unsigned int len, u64 value)
{
	const struct mv_ioeventfd_bus *bus;
	const struct mv_ioeventfd *found;
	bool hit = false;

	/* Compared at the access's length, as a little-endian value. */
	if (len < 8)
		value &= BIT_ULL(8 * len) - 1;
	rcu_read_lock();
	bus = rcu_dereference(vcpu->vm->x86.ioeventfds[id]);
	if (bus) {
		found = lookup(bus, addr, len, value);
		if (found) {
			eventfd_signal(found->eventfd, 1);
			hit = true;
		}
	}
	rcu_read_unlock();
	return hit;
}

/*
 * Whether a new registration could match a write an existing one does:
 * the same address, and either of length 0, or the same length and
 * either a wildcard or the same value.
 */
static bool collides(const struct mv_ioeventfd *a, const struct mv_ioeventfd *b)
{
	return a->addr == b->addr &&
	       (!a->len || !b->len ||
		(a->len == b->len &&
		 (a->wildcard || b->wildcard || a->datamatch == b->datamatch)));
}

static struct mv_ioeventfd_bus *bus_alloc(unsigned int count)
{
	struct mv_ioeventfd_bus *bus;

	bus = kvmalloc(struct_size(bus, entries, count), GFP_KERNEL_ACCOUNT);
	if (bus)
		bus->count = count;
	return bus;
}

static struct mv_ioeventfd_bus *bus_locked(struct mv_x86_vm *vm,
					   enum mv_ioeventfd_bus_id id)
{
	return rcu_dereference_protected(vm->ioeventfds[id],
					 lockdep_is_held(&vm->ioeventfd_lock));
}

/* Add the registration, in order; it takes over the eventfd reference. */
static int assign(struct mv_x86_vm *vm, enum mv_ioeventfd_bus_id id,
		  const struct mv_ioeventfd *entry)
{
	struct mv_ioeventfd_bus *old, *new;
	unsigned int count, i;
	int ret = 0;

	mutex_lock(&vm->ioeventfd_lock);
	old = bus_locked(vm, id);
	count = old ? old->count : 0;
	for (i = 0; i < count; i++)
		if (collides(&old->entries[i], entry)) {
			ret = -EEXIST;
			goto out;
		}
	if (count >= MV_IOEVENTFD_MAX) {
		ret = -ENOSPC;
		goto out;
	}
	new = bus_alloc(count + 1);
	if (!new) {
		ret = -ENOMEM;
		goto out;
	}
	i = lower_bound(old, entry);
	if (i)
		memcpy(new->entries, old->entries, i * sizeof(*entry));
	new->entries[i] = *entry;
	if (count > i)
		memcpy(&new->entries[i + 1], &old->entries[i],
		       (count - i) * sizeof(*entry));
	rcu_assign_pointer(vm->ioeventfds[id], new);
	/* The references moved to the new array: only memory to free. */
	if (old)
		kvfree_rcu(old, rcu);
out:
	mutex_unlock(&vm->ioeventfd_lock);
	return ret;
}

/* Whether the registration is the one KVM_IOEVENTFD_FLAG_DEASSIGN names. */
static bool names(const struct mv_ioeventfd *entry,
		  const struct mv_ioeventfd *key)
{
	return entry->eventfd == key->eventfd && entry->addr == key->addr &&
	       entry->len == key->len && entry->wildcard == key->wildcard &&
	       (entry->wildcard || entry->datamatch == key->datamatch);
}

static int deassign(struct mv_x86_vm *vm, enum mv_ioeventfd_bus_id id,
		    const struct mv_ioeventfd *key)
{
	struct mv_ioeventfd_bus *old, *new = NULL;
	struct eventfd_ctx *eventfd;
	unsigned int count, i;

	mutex_lock(&vm->ioeventfd_lock);
	old = bus_locked(vm, id);
	count = old ? old->count : 0;
	for (i = 0; i < count; i++)
		if (names(&old->entries[i], key))
			break;
	if (i == count) {
		mutex_unlock(&vm->ioeventfd_lock);
		return -ENOENT;
	}
	if (count > 1) {
		new = bus_alloc(count - 1);
		if (!new) {
			mutex_unlock(&vm->ioeventfd_lock);
			return -ENOMEM;
		}
		memcpy(new->entries, old->entries, i * sizeof(*key));
		memcpy(&new->entries[i], &old->entries[i + 1],
		       (count - i - 1) * sizeof(*key));
	}
	eventfd = old->entries[i].eventfd;
	rcu_assign_pointer(vm->ioeventfds[id], new);
	mutex_unlock(&vm->ioeventfd_lock);

	/* A vCPU may be signalling it still: wait for it to be done. */
	synchronize_rcu();
	eventfd_ctx_put(eventfd);
	kvfree(old);
	return 0;
}

/* As KVM chooses: PIO first, then CCW; anything else is MMIO. */
static enum mv_ioeventfd_bus_id bus_of(u32 flags)
{
	if (flags & KVM_IOEVENTFD_FLAG_PIO)
		return MV_IOEVENTFD_PIO;
	if (flags & KVM_IOEVENTFD_FLAG_VIRTIO_CCW_NOTIFY)
		return MV_IOEVENTFD_CCW;
	return MV_IOEVENTFD_MMIO;
}

/*
 * A registration is checked in KVM's order, so that the errno is KVM's
 * when more than one thing is wrong. A deassignment is not checked at
 * all, as in KVM: what names nothing registered is -ENOENT.
 */
static int check(const struct kvm_ioeventfd *args)
{
	switch (args->len) {
	case 0:
	case 1:
	case 2:
	case 4:
	case 8:
		break;
	default:
		return -EINVAL;
	}
	if (args->addr + args->len < args->addr)
		return -EINVAL;
	if (args->flags & ~IOEVENTFD_FLAGS_KNOWN)
		return -EINVAL;
	if (!args->len && (args->flags & KVM_IOEVENTFD_FLAG_DATAMATCH))
		return -EINVAL;
	return 0;
}

int mv_x86_ioeventfd(struct mv_x86_vm *vm, const struct kvm_ioeventfd *args)
{
	bool deassigning = args->flags & KVM_IOEVENTFD_FLAG_DEASSIGN;
	struct mv_ioeventfd entry = {
		.addr = args->addr,
		.len = args->len,
		.wildcard = !(args->flags & KVM_IOEVENTFD_FLAG_DATAMATCH),
	};
	int ret;

	if (!deassigning) {
		ret = check(args);
		if (ret)
			return ret;
	}
	if (!entry.wildcard)
		entry.datamatch = args->datamatch;
	entry.eventfd = eventfd_ctx_fdget(args->fd);
	if (IS_ERR(entry.eventfd))
		return PTR_ERR(entry.eventfd);

	if (deassigning)
		ret = deassign(vm, bus_of(args->flags), &entry);
	else
		ret = assign(vm, bus_of(args->flags), &entry);
	/* A registration keeps the reference; anything else gives it back. */
	if (ret || deassigning)
		eventfd_ctx_put(entry.eventfd);
	return ret;
}

void mv_x86_ioeventfd_init(struct mv_x86_vm *vm)
{
	mutex_init(&vm->ioeventfd_lock);
}

/* The VM is going: no vCPU runs, and no ioctl can come. */
void mv_x86_ioeventfd_destroy(struct mv_x86_vm *vm)
{
	struct mv_ioeventfd_bus *bus;
	unsigned int id, i;

	for (id = 0; id < MV_IOEVENTFD_NR_BUSES; id++) {
		bus = rcu_dereference_protected(vm->ioeventfds[id], true);
		if (!bus)
			continue;
		for (i = 0; i < bus->count; i++)
			eventfd_ctx_put(bus->entries[i].eventfd);
		kvfree(bus);
		RCU_INIT_POINTER(vm->ioeventfds[id], NULL);
	}
}
